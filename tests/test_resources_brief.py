"""The brief's resource sections (#17): economic composition and funding sources of El Salvador's
budget-law workbooks, personnel, funding, payments and floors by hand, and the section order.

El Salvador's figures are literal: the example's approved budget 2018-2020 by rubro and by
funding source, as summed here with pandas from the Ministerio de Hacienda's Ley de
Presupuesto workbooks (``../shared/data/real/sv_mh_presupuesto_funde/raw``, the five ramos
1500, 1600, 1700, 1800 and 2400); the shared test re-sums them from the workbooks.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import peir
from peir.report import make_brief, t
from peir.report.i18n import econ_label
from peir.report.render import to_markdown

pytestmark = pytest.mark.xdist_group("report")

#: Approved budget (US$) by rubro of the five ramos, summed from the budget-law workbooks.
RUBROS = {
    2018: {
        "51": 564_498_800,
        "54": 120_252_268,
        "55": 20_325_220,
        "56": 17_555_074,
        "61": 71_311_635,
    },
    2019: {
        "51": 577_573_622,
        "54": 119_723_708,
        "55": 23_587_685,
        "56": 18_204_219,
        "61": 85_585_705,
        "62": 2_244_155,
    },
    2020: {
        "51": 695_188_350,
        "54": 172_415_978,
        "55": 19_209_700,
        "56": 21_961_944,
        "61": 73_846_824,
        "62": 6_600_000,
    },
}
#: Approved budget (US$) by FUENTE DE FINANCIAMIENTO (1 Fondo General, 3 Préstamos Externos,
#: 5 Donaciones).
SOURCES = {
    2018: {"1": 738_265_157, "3": 55_677_840},
    2019: {"1": 762_122_944, "3": 45_267_865, "5": 19_528_285},
    2020: {"1": 928_924_621, "3": 43_358_175, "5": 16_940_000},
}
_CLASS = {"1": "Domestic (Treasury)", "3": "External loans", "5": "External grants"}
_GFS = {
    "51": "21 Compensation of employees",
    "54": "22 Goods and services",
    "61": "31 Fixed assets (capital)",
    "55": "Expense, GFS class not settled",
    "56": "Expense, GFS class not settled",
    "62": "Expense, GFS class not settled",
}


@pytest.fixture(scope="module")
def slv_md() -> dict[str, str]:
    ds = peir.load_example("el_salvador")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = ds.harmonize()
    out = {}
    for lang in ("en", "es"):
        brief = make_brief(h, lang=lang)  # rules and econ_scheme from h.meta
        out[lang] = to_markdown(brief)
        out[f"numbers_{lang}"] = brief.numbers  # type: ignore[assignment]
        out[f"brief_{lang}"] = brief  # type: ignore[assignment]
    return out


def _f(v: float, d: int = 1) -> str:
    return f"{v:,.{d}f}"


def test_rubro_composition_of_the_approved_budget_in_the_brief(slv_md: dict[str, Any]) -> None:
    md = slv_md["en"]
    for year, rubros in RUBROS.items():
        total = sum(rubros.values())
        for code, amount in rubros.items():
            row = f"| {year} | Approved | {code} | "
            line = next(ln for ln in md.splitlines() if ln.startswith(row))
            assert line.endswith(
                f"| {_GFS[code]} | {_f(amount / 1e6)} | {_f(amount / total * 100)} |"
            ), line
    # GFS classes: 2020 approved, compensation 70.3 %, capital 7.5 % (labelled: approved budget)
    r = RUBROS[2020]
    tot = sum(r.values())
    assert (
        "In the approved budget of 2020, compensation of employees takes "
        f"{_f(r['51'] / tot * 100)}% "
        f"and capital (GFS 31) {_f(r['61'] / tot * 100)}% of the total."
    ) in md
    assert t("note.econ_phase", "en", level="executed") in md
    # the 2017 proposal is shown too, as proposed
    assert "| 2017 | Proposed | 51 | Remuneraciones |" in md


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_economic_chart_plots_the_workbooks_shares(slv_md: dict[str, Any], lang: str) -> None:
    """One bar per year and phase (the executed budget has no classes, so the approved budget
    2018-2020 and the 2017 proposal); each class's segment is its share of the rubros summed
    from the workbooks (GFS 21 = rubro 51, 22 = 54, 31 = 61; 55, 56, 62 unsettled)."""
    figs = [f for f in slv_md[f"brief_{lang}"].figures if f.key == "econ_composition"]
    assert len(figs) == 1
    ax = figs[0].fig.axes[0]
    ticks = [x.get_text() for x in ax.get_xticklabels()]
    word = {"en": ("proposed", "approved"), "es": ("proyecto", "votado")}[lang]
    assert ticks == [f"2017\n{word[0]}", *(f"{y}\n{word[1]}" for y in (2018, 2019, 2020))]
    legend = [x.get_text().replace("\n", " ") for x in ax.get_legend().get_texts()]
    assert legend == [
        *(f"{c} {econ_label(c, lang)}" for c in ("21", "22", "31")),
        t("econ.expense_unsettled", lang),
    ]
    # segments in stacking order 21, 22, 31, unsettled; bars in year order
    heights = [p.get_height() for p in ax.patches]
    assert len(heights) == 4 * 4
    for k, year in enumerate((2018, 2019, 2020), start=1):
        r = RUBROS[year]
        tot = sum(r.values())
        want = [
            r["51"] / tot * 100,
            r["54"] / tot * 100,
            r["61"] / tot * 100,
            (r["55"] + r["56"] + r.get("62", 0)) / tot * 100,
        ]
        got = [heights[c * 4 + k] for c in range(4)]
        assert got == pytest.approx(want, rel=1e-9), year


def test_funding_source_split_in_the_brief(slv_md: dict[str, Any]) -> None:
    md = slv_md["en"]
    for year, by_source in SOURCES.items():
        total = sum(by_source.values())
        for code, amount in by_source.items():
            assert (
                f"| {year} | Approved | {_CLASS[code]} | {_f(amount / 1e6)} | "
                f"{_f(amount / total * 100)} |"
            ) in md
    ext = (SOURCES[2020]["3"] + SOURCES[2020]["5"]) / sum(SOURCES[2020].values()) * 100
    assert (
        "In the approved budget of 2020, external loans and grants financed "
        f"{_f(ext)}% of the total." in md
    )
    # the floor of art. 172 is checked, and its missing base (current revenue) is asked for
    assert "art. 172" in md and t("need.revenue", "en").replace("_", "\\_") in md


def test_spanish_resource_sections(slv_md: dict[str, Any]) -> None:
    md = slv_md["es"]
    for key in (
        "sec.personnel",
        "sec.funding",
        "sec.regions",
        "tab.econ_national",
        "tab.funding_split",
    ):
        assert t(key, "es") in md
    assert "| 2020 | Votado | 51 | Remuneraciones | 21 Remuneraciones | 695,2 | 70,3 |" in md


def test_recorded_numbers_equal_the_split(slv_md: dict[str, Any]) -> None:
    nums = slv_md["numbers_en"]
    sp = nums[
        (nums["origin"] == "funding_split")
        & (nums["indicator"] == "funding_split_amount")
        & nums["year"].isin(list(SOURCES))
    ]
    got = {(int(r.year), json.loads(r.key)["funding_class"]): r.value for r in sp.itertuples()}
    cls = {"1": "domestic", "3": "external_loan", "5": "external_grant"}
    assert got == {(y, cls[c]): float(v) for y, by in SOURCES.items() for c, v in by.items()}


@pytest.mark.shared
def test_the_figures_are_those_of_the_workbooks(shared_data: Path) -> None:
    raw = shared_data / "real" / "sv_mh_presupuesto_funde" / "raw"
    files = {
        2018: (
            "2018_approved.xlsx",
            "EGRESOS",
            "FUENTE FINANCIAMIENTO",
            "RUBRO DE GASTO",
            "MONTO VOTADO",
        ),
        2019: (
            "2019_approved.xlsx",
            "PROYECTO PTO. 2019",
            "FUENTE DE FINANCIAMIENTÓ",
            "ESPECIFICO DE GASTO",
            "MONTO PROYECTO",
        ),
        2020: (
            "2020_approved.xlsx",
            "2020",
            "FUENTE DE FINANCIAMIENTÓ",
            "ESPECIFICO DE GASTO",
            "MONTO VOTADO",
        ),
    }
    for year, (name, sheet, fuente, econ, amount) in files.items():
        d = pd.read_excel(raw / name, sheet_name=sheet, dtype=str)
        d.columns = [str(c).strip() for c in d.columns]
        d = d[pd.to_numeric(d["INSTITUCION"], errors="coerce").isin([1500, 1600, 1700, 1800, 2400])]
        a = pd.to_numeric(d[amount], errors="coerce")
        rubro = a.groupby(d[econ].str.strip().str[:2]).sum()
        source = a.groupby(d[fuente].str.strip()).sum()
        assert {k: int(v) for k, v in rubro.items()} == RUBROS[year]
        assert {k: int(v) for k, v in source.items()} == SOURCES[year]


def test_econ_split_by_hand() -> None:
    from peir.indicators import econ_split, floors_for

    s = pd.DataFrame(
        {
            "country": "XEC",
            "year": 2020,
            "phase": ["approved"] * 4 + ["executed"] * 2,
            "econ_gfs": ["21", "21", "31", None, None, None],
            "amount": [60.0, 20.0, 15.0, 5.0, 90.0, 5.0],
        }
    )
    out = econ_split(s).set_index(["phase", "code"])
    # approved: 21 = 80 of 100, 31 = 15, no code 5 (the row with an empty code); executed: no code
    assert (
        out.loc[("approved", "21"), "amount"] == 80.0
        and out.loc[("approved", "21"), "share"] == 80.0
    )
    assert (
        out.loc[("approved", "31"), "share"] == 15.0 and out.loc[("approved", ""), "share"] == 5.0
    )
    assert "executed" not in out.index.get_level_values("phase")
    assert [r.id for r in floors_for("slv")] == ["slv_judiciary_6pct"] and floors_for("USA") == []
