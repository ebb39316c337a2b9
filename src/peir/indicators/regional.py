"""How spending is spread across the country: dispersion across regions (PER practice).

Where budget lines carry a ``region`` and the context gives regional populations, the main
frame has one row per region with its spending (:mod:`peir.indicators.expenditure`) and
population; every per-capita and per-100,000 indicator is then also computed per region.
:func:`add_dispersion` summarises the regions on each national row:

- ``regional_cv``: coefficient of variation of per-capita spending across regions,
  CV = σ ÷ μ × 100 with σ the population standard deviation (``ddof = 0``) of the regions'
  per-capita spending, unweighted (each region counts once, as in the comparison of regions a
  review draws);
- ``regional_max_min``: the highest regional per-capita spending ÷ the lowest;
- ``regional_corr_crime``: Pearson's correlation across regions between per-capita spending
  and recorded crime per 100,000 inhabitants (at least three regions with both).

:func:`regional_table` gives the regional rows for charts and briefs.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from peir.indicators import formulas as F
from peir.indicators._base import Indicator, make_indicator
from peir.schema import C

__all__ = [
    "DISPERSION_COLUMNS",
    "INDICATORS",
    "MIN_REGIONS_CORR",
    "add_dispersion",
    "regional_table",
]

#: Columns :func:`add_dispersion` adds to the national rows.
DISPERSION_COLUMNS: tuple[str, ...] = (
    "regional_cv",
    "regional_max_min",
    "regional_n",
    "regional_corr_crime",
)

#: Regions needed for a correlation.
MIN_REGIONS_CORR = 3


def regional_table(main: pd.DataFrame) -> pd.DataFrame:
    """Regional rows with spending and population: country, year, region, spending,
    population, per_capita, crime_rate (recorded crime per 100,000; NaN without caseload)."""
    cols = [C.COUNTRY, C.YEAR, C.REGION, "spending", C.POPULATION, "per_capita", "crime_rate"]
    if main.empty or C.REGION not in main.columns:
        return pd.DataFrame(columns=cols)
    reg = main[(main[C.REGION] != "") & main["spending"].notna()]
    crime = (
        reg["crimes_recorded"]
        if "crimes_recorded" in reg.columns
        else pd.Series(np.nan, index=reg.index)
    )
    out = pd.DataFrame(
        {
            C.COUNTRY: reg[C.COUNTRY],
            C.YEAR: reg[C.YEAR],
            C.REGION: reg[C.REGION],
            "spending": reg["spending"],
            C.POPULATION: reg[C.POPULATION],
            "per_capita": F.ratio(reg["spending"], reg[C.POPULATION]),
            "crime_rate": F.rate_per_100k(crime, reg[C.POPULATION]),
        }
    )
    return out.reset_index(drop=True)[cols]


def _summary(g: pd.DataFrame) -> pd.Series:
    pc = g["per_capita"].dropna()
    pc = pc[np.isfinite(pc)]
    n = len(pc)
    cv = float(pc.std(ddof=0) / pc.mean() * 100) if n >= 2 and pc.mean() > 0 else np.nan
    mm = float(pc.max() / pc.min()) if n >= 2 and pc.min() > 0 else np.nan
    both = g[["per_capita", "crime_rate"]].dropna()
    corr = (
        float(np.corrcoef(both["per_capita"], both["crime_rate"])[0, 1])
        if len(both) >= MIN_REGIONS_CORR and both.std(ddof=0).gt(0).all()
        else np.nan
    )
    return pd.Series(
        {
            "regional_cv": cv,
            "regional_max_min": mm,
            "regional_n": float(n),
            "regional_corr_crime": corr,
        }
    )


def add_dispersion(main: pd.DataFrame) -> pd.DataFrame:
    """The main frame with :data:`DISPERSION_COLUMNS` on its national rows (NaN elsewhere)."""
    for col in DISPERSION_COLUMNS:
        main[col] = np.nan
    table = regional_table(main)
    if table.empty:
        return main
    summary = table.groupby([C.COUNTRY, C.YEAR])[["per_capita", "crime_rate"]].apply(_summary)
    summary = summary.reset_index()
    summary[C.REGION] = ""
    merged = main[[C.COUNTRY, C.YEAR, C.REGION]].merge(
        summary, on=[C.COUNTRY, C.YEAR, C.REGION], how="left"
    )
    for col in DISPERSION_COLUMNS:
        main[col] = merged[col].to_numpy(dtype="float64")
    return main


_r = partial(make_indicator, phase_note=True)

INDICATORS: list[Indicator] = [
    _r(
        "regional_dispersion",
        "Regional dispersion of spending per capita (CV)",
        "Dispersión regional del gasto per cápita (CV)",
        "%",
        "σ(spending_r ÷ population_r) ÷ μ(spending_r ÷ population_r) × 100 over regions r (ddof = "
        "0, unweighted)",
        "Coefficient of variation of per-capita spending across the regions of the country: 0 when "
        "every region gets the same per inhabitant.",
        ("regional_cv",),
        lambda d: d["regional_cv"],
    ),
    _r(
        "regional_max_min_ratio",
        "Highest to lowest regional spending per capita",
        "Relación entre el mayor y el menor gasto per cápita regional",
        "ratio",
        "max_r(spending_r ÷ population_r) ÷ min_r(spending_r ÷ population_r)",
        "How many times the best-funded region's per-capita spending is the least-funded one's.",
        ("regional_max_min",),
        lambda d: d["regional_max_min"],
    ),
    _r(
        "regional_spending_crime_correlation",
        "Correlation of spending per capita with crime across regions",
        "Correlación del gasto per cápita con la delincuencia entre regiones",
        "ratio",
        "Pearson r over regions of (spending_r ÷ population_r, crimes_recorded_r ÷ population_r × "
        "100,000)",
        "Whether regions with more recorded crime per inhabitant also get more spending per "
        f"inhabitant (at least {MIN_REGIONS_CORR} regions with both); a description, not a cause.",
        ("regional_corr_crime",),
        lambda d: d["regional_corr_crime"],
    ),
]
