"""The personnel table and its indicators, and regional spending, against hand computations.

Personnel, El Salvador 2020 (population 6,300,000; GDP US$25,000 million; executed spending PNC
450, OJ 300, FGR 100 = 850 million):

===========  ===============  =========  =========================
institution  category         headcount  wage bill (US$ million)
===========  ===============  =========  =========================
PNC          police_officer   20,000     300
PNC          civilian_staff   2,000      20
OJ           judge            700        35
OJ           civilian_staff   8,000      100
FGR          all_staff        5,000      60
FGR          prosecutor       1,000      25   (part of FGR's all_staff: never added to it)
===========  ===============  =========  =========================

Staff 35,700; wage bill 515; frontline 20,000 + 700 + 1,000 = 21,700; support 10,000.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import peir
from peir.indicators import compute
from peir.indicators.personnel import CATEGORIES
from peir.schema import load_schema

STAFF = [
    ("PNC", "police_officer", 20_000, 300e6),
    ("PNC", "civilian_staff", 2_000, 20e6),
    ("OJ", "judge", 700, 35e6),
    ("OJ", "civilian_staff", 8_000, 100e6),
    ("FGR", "all_staff", 5_000, 60e6),
    ("FGR", "prosecutor", 1_000, 25e6),
]
SPEND = {"PNC": 450e6, "OJ": 300e6, "FGR": 100e6}
LINKS = {"PNC": "patrol", "OJ": "judicial", "FGR": "investigation"}


def _personnel() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "country": "SLV",
                "year": 2020,
                "institution_code": i,
                "category": c,
                "headcount": n,
                "wage_bill": w,
                "currency": "USD",
                "source_ref": "test",
            }
            for i, c, n, w in STAFF
        ]
    )


@pytest.fixture(scope="module")
def out() -> pd.DataFrame:
    budget = pd.DataFrame(
        [
            {
                "country": "SLV",
                "year": 2020,
                "institution_code": i,
                "phase": "executed",
                "amount": a,
                "currency": "USD",
                "source_ref": "t",
            }
            for i, a in SPEND.items()
        ]
    )
    cm = pd.DataFrame(
        [
            {"institution_code": i, "link": lk, "share": 1.0, "basis": "t", "source_ref": "t"}
            for i, lk in LINKS.items()
        ]
    )
    context = pd.DataFrame(
        {"country": ["SLV"], "year": [2020], "population": [6.3e6], "gdp_lcu": [25e9]}
    )
    ds = peir.Dataset(budget=budget, chain_map=cm, context=context, personnel=_personnel())
    assert ds.personnel is not None and ds.personnel.report.ok
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", peir.PeirWarning)
        h = ds.harmonize()
    assert len(h.personnel) == len(STAFF)
    return compute(h, country="SLV")


def _v(out: pd.DataFrame, indicator: str, group: str = "", region: str = "") -> float:
    rows = out[
        (out["indicator"] == indicator) & (out["group"] == group) & (out["region"] == region)
    ]
    assert len(rows) == 1, (indicator, group, rows)
    return float(rows.iloc[0]["value"])


def test_the_schema_and_the_category_vocabulary_agree() -> None:
    assert set(load_schema("personnel").field("category").enum or ()) == set(CATEGORIES)
    assert peir.PersonnelTable.schema().primary_key == (
        "country",
        "year",
        "institution_code",
        "category",
        "region",
    )


def test_reader_rejects_unknown_categories_with_a_reason() -> None:
    bad = _personnel()
    bad.loc[0, "category"] = "cook"
    t = peir.read_personnel(bad)
    assert t.report.rows_rejected == 1 and not t.report.ok
    assert "unknown category 'cook'" in t.report.lines()[0]


def test_headcount_wages_and_ratios_by_hand(out: pd.DataFrame) -> None:
    assert _v(out, "headcount") == 35_700
    assert _v(out, "headcount_per_100k") == pytest.approx(35_700 / 6.3e6 * 1e5)
    assert _v(out, "avg_wage") == pytest.approx(515e6 / 35_700)
    assert _v(out, "avg_wage_gdp_pc") == pytest.approx((515e6 / 35_700) / (25e9 / 6.3e6))
    assert _v(out, "wage_bill_share") == pytest.approx(515 / 850 * 100)
    assert _v(out, "support_frontline_ratio") == pytest.approx(10_000 / 21_700)


def test_by_category_and_by_institution(out: pd.DataFrame) -> None:
    assert _v(out, "headcount_category", "police_officer") == 20_000
    assert _v(out, "headcount_per_100k_category", "police_officer") == pytest.approx(
        20_000 / 6.3e6 * 1e5
    )
    assert _v(out, "headcount_per_100k_category", "judge") == pytest.approx(700 / 6.3e6 * 1e5)
    assert _v(out, "avg_wage_category", "judge") == pytest.approx(50_000.0)
    assert _v(out, "headcount_category", "civilian_staff") == 10_000
    assert _v(out, "wage_bill_share_institution", "PNC") == pytest.approx(320 / 450 * 100)
    assert _v(out, "wage_bill_share_institution", "OJ") == pytest.approx(45.0)
    assert _v(out, "wage_bill_share_institution", "FGR") == pytest.approx(60.0)  # all_staff only


# ---- regions ------------------------------------------------------------------------------------
#
# Three regions of one country, 2020: spending A 100, B 300, C 200; populations 1,000, 2,000,
# 4,000 (national 7,000); recorded crimes 50, 40, 40.
# Per capita 0.10, 0.15, 0.05: mean 0.10, σ = sqrt((0 + 0.05² + 0.05²) / 3) = 0.0408248,
# CV = 40.8248 %; max/min = 0.15 / 0.05 = 3. Crime per 100,000: 5,000, 2,000, 1,000.
# Pearson r: deviations (0, 0.05, −0.05) and (2,333.3, −666.7, −1,666.7): Σxy = 50,
# Σx² = 0.005, Σy² = 8,666,666.7 → r = 50 / sqrt(0.005 × 8,666,666.7) = 0.240192.

REGIONS = {"A": (100.0, 1000, 50), "B": (300.0, 2000, 40), "C": (200.0, 4000, 40)}


def _regional_dataset(*, regional_population: bool = True) -> peir.Dataset:
    budget = pd.DataFrame(
        [
            {
                "country": "XRG",
                "year": 2020,
                "institution_code": "POLICE",
                "region": r,
                "phase": "executed",
                "amount": a,
                "currency": "USD",
                "source_ref": f"t {r}",
            }
            for r, (a, _p, _c) in REGIONS.items()
        ]
    )
    context = pd.DataFrame(
        [
            {"country": "XRG", "year": 2020, "region": None, "population": 7000},
            *[
                {"country": "XRG", "year": 2020, "region": r, "population": p}
                for r, (_a, p, _c) in REGIONS.items()
                if regional_population
            ],
        ]
    )
    caseload = pd.DataFrame(
        [
            {
                "country": "XRG",
                "year": 2020,
                "region": r,
                "measure": "crimes_recorded",
                "value": c,
                "source": "test",
                "source_ref": "t",
            }
            for r, (_a, _p, c) in REGIONS.items()
        ]
    )
    cm = pd.DataFrame(
        [
            {
                "institution_code": "POLICE",
                "link": "patrol",
                "share": 1.0,
                "basis": "t",
                "source_ref": "t",
            }
        ]
    )
    ds = peir.Dataset(budget=budget, context=context, caseload=caseload, chain_map=cm)
    assert ds.context is not None and ds.context.report.ok, ds.context.report.lines()
    return ds


@pytest.fixture(scope="module")
def regional_out() -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", peir.PeirWarning)
        return compute(_regional_dataset().harmonize(), country="XRG")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_regions_without_population_say_so(lang: str) -> None:
    """Spending by region without a population by region: no per-capita figure is invented
    from the national population, and the section names the missing data and its holder."""
    from peir.report import make_brief, t
    from peir.report.render import to_markdown
    from peir.report.sections import section_number

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", peir.PeirWarning)
        h = _regional_dataset(regional_population=False).harmonize()
        md = to_markdown(make_brief(h, lang=lang, country="XRG"))
    n = section_number("sec.regions")
    part = md[md.index(f"\n## {n}. ") : md.index(f"\n## {n + 1}. ")]
    assert t("need.regional_population", lang) in part
    assert t("na.regions_no_population", lang, n="3") in part
    assert t("from.statistics", lang) in part
    assert "|" not in part  # no table of regions
    rows = compute(h, country="XRG")
    regional = rows[rows["region"].fillna("").astype(str) != ""]
    assert regional[regional["indicator"] == "exp_per_capita"]["value"].dropna().empty


def test_per_capita_spending_by_region(regional_out: pd.DataFrame) -> None:
    assert _v(regional_out, "exp_per_capita") == pytest.approx(600 / 7000)
    for r, (a, p, _c) in REGIONS.items():
        assert _v(regional_out, "exp_per_capita", region=r) == pytest.approx(a / p)
        rows = regional_out[
            (regional_out["indicator"] == "exp_link_per_capita") & (regional_out["region"] == r)
        ]
        assert rows.set_index("link").loc["patrol", "value"] == pytest.approx(a / p)
    # indicators that need national figures are not computed per region
    assert set(regional_out.loc[regional_out["indicator"] == "exp_pct_gdp", "region"]) <= {""}


def test_dispersion_and_correlation_by_hand(regional_out: pd.DataFrame) -> None:
    assert _v(regional_out, "regional_dispersion") == pytest.approx(
        math.sqrt(0.005 / 3) / 0.1 * 100
    )
    assert _v(regional_out, "regional_max_min_ratio") == pytest.approx(3.0)
    sxx, syy = 0.005, 2333.3333**2 + 666.6667**2 + 1666.6667**2
    assert _v(regional_out, "regional_spending_crime_correlation") == pytest.approx(
        50 / math.sqrt(sxx * syy), rel=1e-6
    )
    assert _v(regional_out, "crime_rate", region="A") == pytest.approx(5000.0)


def test_one_region_has_no_dispersion() -> None:
    from peir.indicators.regional import add_dispersion

    main = pd.DataFrame(
        {
            "country": ["X", "X"],
            "year": [2020, 2020],
            "region": ["", "A"],
            "spending": [10.0, 10.0],
            "population": [100.0, 100.0],
        }
    )
    out = add_dispersion(main)
    assert np.isnan(out.loc[0, "regional_cv"]) and out.loc[0, "regional_n"] == 1
