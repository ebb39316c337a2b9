"""Personnel: who is paid, how many and at what wage (the personnel table).

The personnel table (:func:`peir.read_personnel`) has one row per institution, staff category,
region and year with ``headcount`` and ``wage_bill`` (local currency). Categories
(:data:`CATEGORIES`) are frontline (police officers, judges, prosecutors, public defenders,
prison officers), support (civilian staff) or ``all_staff``, the whole staff of an institution
when the source does not split it. An institution-year that gives ``all_staff`` counts that
total (its other rows are a breakdown of it, never added to it).

Aggregates (:func:`personnel_frames`):

- per country, year and region (``main``): ``headcount``, ``headcount_frontline``,
  ``headcount_support``, ``wage_bill_personnel`` (summed over institutions);
- per category (frame ``personnel``, ``group`` = category): ``headcount`` and ``wage_bill``;
- per institution (frame ``institution``): ``headcount`` and ``wage_bill_personnel``.

Wages are in the personnel's own (local) currency: ``avg_wage`` in local currency per staff
member and year, ``avg_wage_gdp_pc`` a ratio of local-currency amounts, and ``wage_bill_share``
against the spending in local currency (``amount_lcu``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from peir.indicators import formulas as F
from peir.indicators._base import Indicator, make_indicator
from peir.schema import C

__all__ = ["CATEGORIES", "INDICATORS", "MAIN_COLUMNS", "Category", "personnel_frames"]

Role = Literal["frontline", "support", "total"]


@dataclass(frozen=True)
class Category:
    """A staff category: its role, the link it serves (None: the institution's) and labels."""

    name: str
    role: Role
    link: str | None
    label_en: str
    label_es: str

    def label(self, lang: str = "en") -> str:
        return self.label_es if lang == "es" else self.label_en


#: The staff categories of the personnel schema (``category`` enum), in reporting order.
CATEGORIES: dict[str, Category] = {
    c.name: c
    for c in (
        Category("police_officer", "frontline", "patrol", "Police officers", "Agentes policiales"),
        Category("prosecutor", "frontline", "investigation", "Prosecutors", "Fiscales"),
        Category("judge", "frontline", "judicial", "Judges", "Jueces"),
        Category(
            "public_defender", "frontline", "judicial", "Public defenders", "Defensores públicos"
        ),
        Category(
            "prison_officer",
            "frontline",
            "corrections",
            "Prison officers",
            "Custodios penitenciarios",
        ),
        Category(
            "civilian_staff",
            "support",
            None,
            "Civilian and support staff",
            "Personal civil y de apoyo",
        ),
        Category(
            "all_staff", "total", None, "All staff (not split)", "Todo el personal (sin desglose)"
        ),
    )
}

_EMPTY = (C.COUNTRY, C.YEAR, C.REGION)

#: Columns :func:`personnel_frames` gives the main frame.
MAIN_COLUMNS: tuple[str, ...] = (
    "headcount",
    "wage_bill_personnel",
    "headcount_frontline",
    "headcount_support",
)


def _prepare(personnel: pd.DataFrame | None, country: str | None) -> pd.DataFrame:
    if personnel is None or personnel.empty or "headcount" not in personnel.columns:
        return pd.DataFrame()
    p = personnel if country is None else personnel[personnel[C.COUNTRY] == country]
    if p.empty:
        return pd.DataFrame()
    region = (
        p[C.REGION].astype("object")
        if C.REGION in p.columns
        else pd.Series(None, index=p.index, dtype="object")
    )
    out = pd.DataFrame(
        {
            C.COUNTRY: p[C.COUNTRY].astype(str),
            C.YEAR: p[C.YEAR].astype(int),
            C.REGION: region.where(region.notna(), "").astype(str).str.strip(),
            C.INSTITUTION_CODE: p[C.INSTITUTION_CODE].astype(str),
            "category": p["category"].astype(str),
            "headcount": pd.to_numeric(p["headcount"], errors="coerce").astype("float64"),
            "wage_bill": pd.to_numeric(p["wage_bill"], errors="coerce").astype("float64")
            if "wage_bill" in p.columns
            else np.nan,
        }
    )
    out["role"] = out["category"].map({k: c.role for k, c in CATEGORIES.items()})
    # an institution-year-region with an 'all_staff' row counts that total only
    key = [C.COUNTRY, C.YEAR, C.REGION, C.INSTITUTION_CODE]
    has_total = (out["role"] == "total").groupby([out[k] for k in key]).transform("any")
    out["counted"] = ~has_total | (out["role"] == "total")
    return out


def personnel_frames(
    personnel: pd.DataFrame | None, country: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(by country-year-region, by category, by institution) personnel aggregates.

    Regional rows are summed into the national row of their country-year when the table has
    no national row for that institution and category (so a file by state gives the country).
    """
    p = _prepare(personnel, country)
    if p.empty:
        empty = pd.DataFrame(columns=list(_EMPTY))
        return (
            empty,
            pd.DataFrame(columns=[*_EMPTY, "group"]),
            pd.DataFrame(columns=[C.COUNTRY, C.YEAR, "group"]),
        )
    national = p[p[C.REGION] == ""]
    regional = p[p[C.REGION] != ""]
    if not regional.empty:
        have = set(
            map(tuple, national[[C.COUNTRY, C.YEAR, C.INSTITUTION_CODE, "category"]].to_numpy())
        )
        add = regional[
            [
                (k not in have)
                for k in map(
                    tuple, regional[[C.COUNTRY, C.YEAR, C.INSTITUTION_CODE, "category"]].to_numpy()
                )
            ]
        ]
        national = pd.concat([national, add.assign(**{C.REGION: ""})], ignore_index=True)
    both = pd.concat([national, regional], ignore_index=True)

    def total(
        frame: pd.DataFrame, by: list[str], col: str, mask: pd.Series | None = None
    ) -> pd.Series:
        f = frame if mask is None else frame[mask]
        return f.groupby(by, observed=True)[col].sum(min_count=1)

    key = [C.COUNTRY, C.YEAR, C.REGION]
    counted = both[both["counted"]]
    main = pd.DataFrame(
        {
            "headcount": total(counted, key, "headcount"),
            "wage_bill_personnel": total(counted, key, "wage_bill"),
        }
    )
    split = both[both["role"] != "total"]
    for role in ("frontline", "support"):
        v = total(split, key, "headcount", split["role"] == role).reindex(main.index)
        any_split = split.groupby(key, observed=True).size().reindex(main.index).notna()
        main[f"headcount_{role}"] = v.fillna(0.0).where(any_split)
    main = main.reset_index()

    cat = both.groupby([*key, "category"], observed=True)[["headcount", "wage_bill"]].sum(
        min_count=1
    )
    cat = cat.reset_index().rename(columns={"category": "group"})

    nat = national[national["counted"]]
    inst = nat.groupby([C.COUNTRY, C.YEAR, C.INSTITUTION_CODE], observed=True)[
        ["headcount", "wage_bill"]
    ].sum(min_count=1)
    inst = inst.rename(columns={"wage_bill": "wage_bill_personnel"}).reset_index()
    inst = inst.rename(columns={C.INSTITUTION_CODE: "group"})
    return main, cat, inst


_LCU = "local currency per staff member"
_CATS = ", ".join(CATEGORIES)


def _avg_wage_gdp_pc(d: pd.DataFrame) -> pd.Series:
    out: pd.Series = F.ratio(
        F.ratio(d["wage_bill_personnel"], d["headcount"]), F.ratio(d["gdp_lcu"], d["population"])
    )
    return out


INDICATORS: list[Indicator] = [
    make_indicator(
        "headcount",
        "Staff in post",
        "Personal en funciones",
        "staff",
        "Σ headcount (all_staff where given, else the categories)",
        "Staff of the sector's institutions in the personnel table (persons or full-time "
        "equivalents, as the source counts them).",
        ("headcount",),
        lambda d: d["headcount"],
        regional=True,
    ),
    make_indicator(
        "headcount_per_100k",
        "Staff per 100,000 inhabitants",
        "Personal por 100.000 habitantes",
        "per 100,000 inhabitants",
        "headcount ÷ population × 100,000",
        "Sector staff per 100,000 inhabitants (by region where the table has regions).",
        ("headcount", "population"),
        lambda d: F.rate_per_100k(d["headcount"], d["population"]),
        regional=True,
        standard="UNODC/SDG",
    ),
    make_indicator(
        "headcount_category",
        "Staff by category",
        "Personal por categoría",
        "staff",
        "Σ headcount of the category",
        f"Staff in post by category ({_CATS}); the category is in the `group` column.",
        ("headcount",),
        lambda d: d["headcount"],
        frame="personnel",
        regional=True,
    ),
    make_indicator(
        "headcount_per_100k_category",
        "Staff per 100,000 inhabitants by category",
        "Personal por 100.000 habitantes por categoría",
        "per 100,000 inhabitants",
        "headcount[category] ÷ population × 100,000",
        "Police officers, judges, prosecutors, defenders, prison officers and support staff per "
        "100,000 inhabitants (UN-CTS, CEPEJ), from the personnel table.",
        ("headcount", "population"),
        lambda d: F.rate_per_100k(d["headcount"], d["population"]),
        frame="personnel",
        regional=True,
        standard="UNODC/SDG",
    ),
    make_indicator(
        "avg_wage",
        "Average wage",
        "Salario promedio",
        _LCU,
        "wage_bill ÷ headcount",
        "Annual wage bill per staff member, in local currency (the personnel table's wage_bill).",
        ("wage_bill_personnel", "headcount"),
        lambda d: F.ratio(d["wage_bill_personnel"], d["headcount"]),
    ),
    make_indicator(
        "avg_wage_category",
        "Average wage by category",
        "Salario promedio por categoría",
        _LCU,
        "wage_bill[category] ÷ headcount[category]",
        "Annual wage bill per staff member of each category, in local currency.",
        ("wage_bill", "headcount"),
        lambda d: F.ratio(d["wage_bill"], d["headcount"]),
        frame="personnel",
    ),
    make_indicator(
        "avg_wage_gdp_pc",
        "Average wage relative to GDP per capita",
        "Salario promedio en relación con el PIB per cápita",
        "ratio",
        "(wage_bill ÷ headcount) ÷ (gdp_lcu ÷ population)",
        "The average wage as a multiple of GDP per capita, the usual yardstick for comparing "
        "public pay across countries.",
        ("wage_bill_personnel", "headcount", "gdp_lcu", "population"),
        _avg_wage_gdp_pc,
    ),
    make_indicator(
        "wage_bill_share",
        "Personnel wage bill as % of spending",
        "Masa salarial del personal como % del gasto",
        "%",
        "wage_bill (personnel table) ÷ spending_lcu × 100",
        "The personnel table's wage bill relative to sector spending in local currency; "
        "exp_wage_share is the budget-side share (GFS 21 through econ_gfs). The two differ where "
        "the budget books pay outside the wage heading or the table leaves staff out.",
        ("wage_bill_personnel", "spending_lcu"),
        lambda d: F.share(d["wage_bill_personnel"], d["spending_lcu"]),
    ),
    make_indicator(
        "wage_bill_share_institution",
        "Personnel wage bill as % of spending by institution",
        "Masa salarial del personal como % del gasto por institución",
        "%",
        "wage_bill[institution] ÷ spending_lcu[institution] × 100",
        "Each institution's wage bill (personnel table) relative to its spending in local "
        "currency.",
        ("wage_bill_personnel", "spending_lcu"),
        lambda d: F.share(d["wage_bill_personnel"], d["spending_lcu"]),
        frame="institution",
    ),
    make_indicator(
        "support_frontline_ratio",
        "Support staff per frontline officer",
        "Personal de apoyo por funcionario operativo",
        "ratio",
        "headcount[civilian_staff] ÷ headcount[police officers, judges, prosecutors, defenders, "
        "prison officers]",
        "Support (civilian) staff for each frontline officer; institutions that give only "
        "all_staff are in neither count.",
        ("headcount_support", "headcount_frontline"),
        lambda d: F.ratio(d["headcount_support"], d["headcount_frontline"]),
        regional=True,
    ),
]
