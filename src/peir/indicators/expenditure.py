"""Expenditure indicators (World Bank PER practice) and PEFA per-year figures.

The formulas are those of docs/methodology.md §3.

Spending aggregates built from :attr:`peir.HarmonizedDataset.spending` (one row per country
and year unless stated):

- ``level_phase``: the phase used for levels — ``executed`` where the country-year has
  executed rows, else ``approved`` (recorded in the output ``note``);
- ``spending``, ``spending_real``, ``spending_lcu``: the sector total in that phase, nominal
  (output currency), constant base-year prices, and local currency;
- ``spending_prev``, ``spending_real_prev``: the same for the previous year;
- ``spending_approved``, ``_modified``, ``_committed``, ``_executed``, ``_paid``: totals by
  phase (:data:`PHASE_TOTALS`);
- ``funding_<class>``: spending by funding class (:func:`peir.indicators.funding.funding_totals`;
  also by link and institution);
- ``spending_<link>``: the level by link (``spending_judicial``...);
- ``econ_21``, ``econ_22``, ``econ_31``... : spending in each GFS 2014 class of the harmonised
  ``econ_gfs`` column (level phase; NaN without an ``econ_scheme``), and the other aggregates
  of :func:`peir.indicators.economic.econ_totals` (also by link);
- ``cv_institution``, ``cv_econ``: PEFA PI-2 composition variance of the year by institution
  and by economic type (approved vs executed; GFS classes where ``econ_gfs`` is known, else the
  national codes);
- regional rows (``region`` set) in the main and link frames where lines have a region:
  levels and ``spending_<link>`` per region (the other aggregates are national);
- ``staff_total``: police officers + prosecutors + judges + public defenders + prison and court
  staff (the staff measures present in the caseload).

Per-inhabitant and macro shares use the same formulas as :meth:`HarmonizedDataset.aggregate`:
per capita = amount ÷ population; % of GDP = amount_lcu ÷ gdp_lcu × 100; % of government
expenditure = amount_lcu ÷ gov_expenditure_lcu × 100.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from peir.chain import CHAIN_LINKS
from peir.indicators import formulas as F
from peir.indicators._base import Indicator, make_indicator
from peir.indicators.economic import ECON_CODES, econ_totals
from peir.indicators.funding import funding_totals
from peir.indicators.pefa import composition_variance
from peir.schema import C

if TYPE_CHECKING:  # pragma: no cover
    from peir.dataset import HarmonizedDataset

__all__ = ["ECON_CODES", "INDICATORS", "LEVEL_PHASES", "PHASE_TOTALS", "spending_frames"]

#: Phases with a total column ``spending_<phase>`` in every frame.
PHASE_TOTALS: tuple[str, ...] = ("approved", "modified", "committed", "executed", "paid")

#: Phases used for levels, in order of preference.
LEVEL_PHASES: tuple[str, ...] = ("executed", "approved")


_PER = "PER practice"
_PEFA = "PEFA 2016"
_SEC = "sector"


def _phase_str(s: pd.DataFrame) -> pd.Series:
    return s[C.PHASE].astype(str)


def _empty_spending_frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    main = pd.DataFrame(columns=[C.COUNTRY, C.YEAR])
    link = pd.DataFrame(columns=[C.COUNTRY, C.YEAR, C.LINK])
    inst = pd.DataFrame(columns=[C.COUNTRY, C.YEAR, "group"])
    return main, link, inst


def spending_frames(
    h: HarmonizedDataset, country: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Spending aggregates: (by country-year, by country-year-link, by country-year-institution).

    See the module docstring for the columns.
    """
    s = h.spending
    if s is None or s.empty or C.PHASE not in s.columns:
        return _empty_spending_frames()
    if country is not None:
        s = s[s[C.COUNTRY] == country]
    if s.empty:
        return _empty_spending_frames()
    s = s.copy()
    s[C.PHASE] = _phase_str(s)
    s[C.YEAR] = s[C.YEAR].astype(int)
    for col in (C.AMOUNT, C.AMOUNT_REAL, C.AMOUNT_LCU):
        if col not in s.columns:
            s[col] = np.nan
        s[col] = pd.to_numeric(s[col], errors="coerce").astype("float64")
    s[C.LINK] = s[C.LINK].astype(str) if C.LINK in s.columns else "unallocated"
    key = [C.COUNTRY, C.YEAR]

    # level phase per country-year
    flags = (
        pd.DataFrame({p: s[C.PHASE] == p for p in LEVEL_PHASES})
        .groupby([s[C.COUNTRY], s[C.YEAR]], observed=True)
        .any()
    )
    level = pd.Series(None, index=flags.index, dtype=object)
    for p in reversed(LEVEL_PHASES):
        level = level.where(~flags[p], p)
    phases = level.rename("level_phase").reset_index()
    lv = s.merge(phases, on=key)
    lv = lv[lv[C.PHASE] == lv["level_phase"]]

    def tot(frame: pd.DataFrame, by: list[str], col: str) -> pd.Series:
        return frame.groupby(by, observed=True)[col].sum(min_count=1)

    def add_phase_totals(out: pd.DataFrame, by: list[str]) -> None:
        """``spending_<phase>`` for :data:`PHASE_TOTALS`: nominal totals by ``by`` per phase."""
        for ph in PHASE_TOTALS:
            out[f"spending_{ph}"] = tot(s[s[C.PHASE] == ph], by, C.AMOUNT)

    main = phases.set_index(key)
    main["spending"] = tot(lv, key, C.AMOUNT)
    main["spending_real"] = tot(lv, key, C.AMOUNT_REAL)
    main["spending_lcu"] = tot(lv, key, C.AMOUNT_LCU)
    add_phase_totals(main, key)
    by_link = tot(lv, [*key, C.LINK], C.AMOUNT).unstack(C.LINK)
    for lk in CHAIN_LINKS:
        main[f"spending_{lk.value}"] = by_link[lk.value] if lk.value in by_link.columns else np.nan
    econ = econ_totals(lv, s, key)
    main = main.join(econ.reindex(main.index))
    main = main.join(funding_totals(lv, key).reindex(main.index))
    # previous-year levels
    prev = main[["spending", "spending_real"]].reset_index()
    prev[C.YEAR] = prev[C.YEAR] + 1
    prev = prev.set_index(key).rename(columns=lambda c: f"{c}_prev")
    main = main.join(prev, how="left")
    # PEFA composition variance by year
    main["cv_institution"] = _cv(s, key, C.INSTITUTION_CODE).reindex(main.index)
    gfs_known = C.ECON_GFS in s.columns and bool(s[C.ECON_GFS].notna().any())
    main["cv_econ"] = _cv(s, key, C.ECON_GFS if gfs_known else C.ECON).reindex(main.index)
    main = main.reset_index()
    # the sector level of each country-year, joined to the link and institution rows
    sector = main[[*key, "level_phase", "spending"]].rename(columns={"spending": "sector_spending"})

    # by link
    link = lv.groupby([*key, C.LINK], observed=True)[[C.AMOUNT, C.AMOUNT_REAL, C.AMOUNT_LCU]].sum(
        min_count=1
    )
    link.columns = ["spending", "spending_real", "spending_lcu"]
    add_phase_totals(link, [*key, C.LINK])
    link = link.join(econ_totals(lv, s, [*key, C.LINK]).reindex(link.index))
    link = link.join(funding_totals(lv, [*key, C.LINK]).reindex(link.index))
    link = link.reset_index().merge(sector, on=key)
    main, link = _with_regions(main, link, lv, key)

    # by institution
    icol = C.INSTITUTION_CODE if C.INSTITUTION_CODE in s.columns else C.INSTITUTION
    inst = tot(lv, [*key, icol], C.AMOUNT).rename("spending").to_frame()
    inst["spending_lcu"] = tot(lv, [*key, icol], C.AMOUNT_LCU)
    add_phase_totals(inst, [*key, icol])
    inst = inst.join(funding_totals(lv, [*key, icol]).reindex(inst.index))
    inst = inst.reset_index().rename(columns={icol: "group"})
    inst["group"] = inst["group"].astype(str)
    inst = inst.merge(sector, on=key)
    return main, link, inst


def _with_regions(
    main: pd.DataFrame, link: pd.DataFrame, lv: pd.DataFrame, key: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The national rows (``region`` empty) and, for lines with a region, one row per region:
    ``spending``, ``spending_real``, ``spending_lcu``, ``level_phase`` and ``spending_<link>``
    in the main frame; ``spending``, ``spending_real``, ``spending_lcu`` per link."""
    main = main.assign(**{C.REGION: ""})
    link = link.assign(**{C.REGION: ""})
    if C.REGION not in lv.columns:
        return main, link
    region = lv[C.REGION].astype("object")
    region = region.where(region.notna(), "").astype(str).str.strip()
    rl = lv[region != ""].assign(**{C.REGION: region[region != ""]})
    if rl.empty:
        return main, link
    cols = [C.AMOUNT, C.AMOUNT_REAL, C.AMOUNT_LCU]
    names = {C.AMOUNT: "spending", C.AMOUNT_REAL: "spending_real", C.AMOUNT_LCU: "spending_lcu"}
    by = [*key, C.REGION]
    reg = rl.groupby(by, observed=True)[cols].sum(min_count=1).rename(columns=names)
    by_link = rl.groupby([*by, C.LINK], observed=True)[C.AMOUNT].sum(min_count=1).unstack(C.LINK)
    for lk in CHAIN_LINKS:
        reg[f"spending_{lk.value}"] = by_link[lk.value] if lk.value in by_link.columns else np.nan
    reg = reg.reset_index().merge(main[[*key, "level_phase"]], on=key, how="left")
    reg_link = rl.groupby([*by, C.LINK], observed=True)[cols].sum(min_count=1).rename(columns=names)
    return (
        pd.concat([main, reg], ignore_index=True),
        pd.concat([link, reg_link.reset_index()], ignore_index=True),
    )


def _cv(s: pd.DataFrame, key: list[str], col: str) -> pd.Series:
    """Composition variance (PEFA PI-2) per country-year by ``col`` (approved vs executed)."""
    if col not in s.columns:
        return pd.Series(dtype="float64")
    sub = s[s[C.PHASE].isin(["approved", "executed"])]
    if sub.empty:
        return pd.Series(dtype="float64")
    wide = sub.assign(_h=sub[col].astype(str)).pivot_table(
        index=[*key, "_h"], columns=C.PHASE, values=C.AMOUNT, aggfunc="sum", observed=True
    )
    if "approved" not in wide.columns or "executed" not in wide.columns:
        return pd.Series(dtype="float64")
    out = {}
    for k, g in wide.groupby(level=[0, 1], observed=True):
        if g["approved"].isna().all() or g["executed"].isna().all():
            continue
        out[k] = composition_variance(
            g["approved"].droplevel([0, 1]), g["executed"].droplevel([0, 1])
        )
    if not out:
        return pd.Series(dtype="float64")
    res = pd.Series(out, dtype="float64")
    res.index = res.index.set_names(key)
    return res


_ind = partial(make_indicator, phase_note=True)

_CUR = "currency"
_CUR_REAL = "currency, constant prices"

INDICATORS: list[Indicator] = [
    # ---- levels and macro shares (sector) -------------------------------------------------
    _ind(
        "exp_total",
        "Total security and justice spending",
        "Gasto total en seguridad y justicia",
        _CUR,
        "Σ amount (executed, else approved)",
        "Nominal sector spending in the output currency.",
        ("spending",),
        lambda d: d["spending"],
    ),
    _ind(
        "exp_total_real",
        "Total spending, constant prices",
        "Gasto total a precios constantes",
        _CUR_REAL,
        "Σ amount_real = Σ amount × deflator[base_year] ÷ deflator[year]",
        "Sector spending in constant base-year prices (GDP deflator unless CPI was chosen).",
        ("spending_real",),
        lambda d: d["spending_real"],
    ),
    _ind(
        "exp_per_capita",
        "Spending per capita",
        "Gasto per cápita",
        "currency per inhabitant",
        "spending ÷ population",
        "Nominal sector spending per inhabitant; the population series is named in the context "
        "table. Computed for each region too where the budget lines have a region and the context "
        "a regional population.",
        ("spending", "population"),
        lambda d: F.ratio(d["spending"], d["population"]),
        regional=True,
    ),
    _ind(
        "exp_per_capita_real",
        "Spending per capita, constant prices",
        "Gasto per cápita a precios constantes",
        "currency per inhabitant, constant prices",
        "spending_real ÷ population",
        "Real sector spending per inhabitant.",
        ("spending_real", "population"),
        lambda d: F.ratio(d["spending_real"], d["population"]),
        regional=True,
    ),
    _ind(
        "exp_pct_gdp",
        "Spending as % of GDP",
        "Gasto como % del PIB",
        "%",
        "spending_lcu ÷ gdp_lcu × 100",
        "Sector spending relative to the size of the economy (both in local currency).",
        ("spending_lcu", "gdp_lcu"),
        lambda d: F.share(d["spending_lcu"], d["gdp_lcu"]),
    ),
    _ind(
        "exp_pct_gov",
        "Spending as % of government expenditure",
        "Gasto como % del gasto público total",
        "%",
        "spending_lcu ÷ gov_expenditure_lcu × 100",
        "Sector spending relative to total government expenditure (central or general, as named "
        "in gov_expenditure_scope).",
        ("spending_lcu", "gov_expenditure_lcu"),
        lambda d: F.share(d["spending_lcu"], d["gov_expenditure_lcu"]),
    ),
    _ind(
        "exp_growth_real",
        "Real growth of spending",
        "Crecimiento real del gasto",
        "%",
        "(spending_real[t] ÷ spending_real[t−1] − 1) × 100",
        "Year-on-year growth at constant prices.",
        ("spending_real", "spending_real_prev"),
        lambda d: F.growth_rate(d["spending_real"], d["spending_real_prev"]),
    ),
    _ind(
        "exp_growth_nominal",
        "Nominal growth of spending",
        "Crecimiento nominal del gasto",
        "%",
        "(spending[t] ÷ spending[t−1] − 1) × 100",
        "Year-on-year growth in current prices.",
        ("spending", "spending_prev"),
        lambda d: F.growth_rate(d["spending"], d["spending_prev"]),
    ),
    # ---- distribution by link ---------------------------------------------------------------
    _ind(
        "exp_link",
        "Spending by link",
        "Gasto por eslabón",
        _CUR,
        "Σ amount of the link",
        "Nominal spending placed on each link of the chain (plus unallocated).",
        ("spending",),
        lambda d: d["spending"],
        frame="link",
    ),
    _ind(
        "exp_link_real",
        "Spending by link, constant prices",
        "Gasto por eslabón a precios constantes",
        _CUR_REAL,
        "Σ amount_real of the link",
        "Real spending on each link.",
        ("spending_real",),
        lambda d: d["spending_real"],
        frame="link",
    ),
    _ind(
        "exp_link_share",
        "Share of spending by link",
        "Distribución del gasto por eslabón",
        "%",
        "spending[link] ÷ Σ spending × 100",
        "Distribution of sector spending along the chain (the 2012 El Salvador review: patrol 43.8 "
        "%).",
        ("spending", "sector_spending"),
        lambda d: F.share(d["spending"], d["sector_spending"]),
        frame="link",
    ),
    _ind(
        "exp_link_per_capita",
        "Spending by link per capita",
        "Gasto por eslabón per cápita",
        "currency per inhabitant",
        "spending[link] ÷ population",
        "Nominal spending on each link per inhabitant.",
        ("spending", "population"),
        lambda d: F.ratio(d["spending"], d["population"]),
        frame="link",
        regional=True,
    ),
    _ind(
        "exp_link_pct_gdp",
        "Spending by link as % of GDP",
        "Gasto por eslabón como % del PIB",
        "%",
        "spending_lcu[link] ÷ gdp_lcu × 100",
        "Spending on each link relative to GDP.",
        ("spending_lcu", "gdp_lcu"),
        lambda d: F.share(d["spending_lcu"], d["gdp_lcu"]),
        frame="link",
    ),
    # ---- distribution by institution ----------------------------------------------------------
    _ind(
        "exp_institution",
        "Spending by institution",
        "Gasto por institución",
        _CUR,
        "Σ amount of the institution (all links)",
        "Nominal spending of each institution; the institution code is in the `group` column.",
        ("spending",),
        lambda d: d["spending"],
        frame="institution",
    ),
    _ind(
        "exp_institution_share",
        "Share of spending by institution",
        "Distribución del gasto por institución",
        "%",
        "spending[institution] ÷ Σ spending × 100",
        "Distribution of sector spending across institutions.",
        ("spending", "sector_spending"),
        lambda d: F.share(d["spending"], d["sector_spending"]),
        frame="institution",
    ),
    _ind(
        "exec_rate_institution",
        "Execution rate by institution",
        "Tasa de ejecución por institución",
        "%",
        "executed ÷ approved × 100 (per institution)",
        "How much of its approved budget each institution spent.",
        ("spending_executed", "spending_approved"),
        lambda d: F.execution_rate(d["spending_executed"], d["spending_approved"]),
        frame="institution",
        phase_note=False,
    ),
    # ---- economic composition ----------------------------------------------------------------
    _ind(
        "exp_wage_share",
        "Wage bill share",
        "Participación de la masa salarial",
        "%",
        "Σ amount[GFS 21 compensation of employees] ÷ spending × 100",
        "Share of spending on compensation of employees (GFS 21), from the harmonised econ_gfs "
        "(the budget's national codes through peir.econ.to_gfs); the personnel table's own wage "
        "bill gives wage_bill_share.",
        ("econ_21", "spending"),
        lambda d: F.share(d["econ_21"], d["spending"]),
    ),
    _ind(
        "exp_goods_services_share",
        "Goods and services share",
        "Participación de bienes y servicios",
        "%",
        "Σ amount[GFS 22 use of goods and services] ÷ spending × 100",
        "Share of spending on goods and services (GFS 22), from the harmonised econ_gfs.",
        ("econ_22", "spending"),
        lambda d: F.share(d["econ_22"], d["spending"]),
    ),
    _ind(
        "exp_capital_share",
        "Capital spending share",
        "Participación del gasto de capital",
        "%",
        "Σ amount[GFS 31 non-financial assets] ÷ spending × 100",
        "Share of spending on nonfinancial assets (GFS 31), i.e. investment, from the harmonised "
        "econ_gfs for every national scheme (SLV rubro 61, MEX capítulos 5000/6000, PER 2.6, CHL "
        "subtítulos 29/31, ARG inciso 4).",
        ("econ_31", "spending"),
        lambda d: F.share(d["econ_31"], d["spending"]),
    ),
    # ---- execution and modification -----------------------------------------------------------
    _ind(
        "exec_rate_approved",
        "Execution rate (of approved budget)",
        "Tasa de ejecución (sobre presupuesto votado)",
        "%",
        "executed ÷ approved × 100",
        "Outturn relative to the original budget.",
        ("spending_executed", "spending_approved"),
        lambda d: F.execution_rate(d["spending_executed"], d["spending_approved"]),
        phase_note=False,
    ),
    _ind(
        "exec_rate_modified",
        "Execution rate (of modified budget)",
        "Tasa de ejecución (sobre presupuesto modificado)",
        "%",
        "executed ÷ modified × 100",
        "Outturn relative to the revised budget: low values point to execution capacity problems.",
        ("spending_executed", "spending_modified"),
        lambda d: F.execution_rate(d["spending_executed"], d["spending_modified"]),
        phase_note=False,
    ),
    _ind(
        "modification_rate",
        "Budget modification rate",
        "Tasa de modificación presupuestaria",
        "%",
        "modified ÷ approved × 100",
        "Revised budget relative to the original one; 100 % = no net change during the year.",
        ("spending_modified", "spending_approved"),
        lambda d: F.modification_rate(d["spending_modified"], d["spending_approved"]),
        phase_note=False,
    ),
    _ind(
        "exec_rate_link",
        "Execution rate by link",
        "Tasa de ejecución por eslabón",
        "%",
        "executed[link] ÷ approved[link] × 100",
        "Execution of the approved budget on each link.",
        ("spending_executed", "spending_approved"),
        lambda d: F.execution_rate(d["spending_executed"], d["spending_approved"]),
        frame="link",
        phase_note=False,
    ),
    # ---- per staff and unit costs ---------------------------------------------------------------
    _ind(
        "exp_per_staff",
        "Spending per staff member",
        "Gasto por funcionario",
        "currency per staff member",
        "spending ÷ staff_total",
        "Sector spending per police officer, prosecutor, judge, defender or prison/court staff "
        "member.",
        ("spending", "staff_total"),
        lambda d: F.unit_cost(d["spending"], d["staff_total"]),
    ),
    _ind(
        "exp_per_staff_link",
        "Spending per staff member by link",
        "Gasto por funcionario por eslabón",
        "currency per staff member",
        "spending[link] ÷ staff[link]",
        "Spending on each link per staff member of that link (staff measures of the link).",
        ("spending", "staff"),
        lambda d: F.unit_cost(d["spending"], d["staff"]),
        frame="link",
    ),
    _ind(
        "unit_cost_case_resolved",
        "Cost per case resolved",
        "Costo por caso resuelto",
        "currency per case",
        "spending_judicial ÷ cases_resolved",
        "Judicial-link spending per court case resolved.",
        ("spending_judicial", "cases_resolved"),
        lambda d: F.unit_cost(d["spending_judicial"], d["cases_resolved"]),
        link="judicial",
    ),
    _ind(
        "unit_cost_prisoner_day",
        "Cost per prisoner per day",
        "Costo por privado de libertad por día",
        "currency per prisoner-day",
        "spending_corrections ÷ (365 × prisoners_average)",
        "Corrections spending per prisoner per day; prisoners_average is the mean of the stocks at "
        "the end of the previous and of this year (this year's stock when the previous is "
        "missing).",
        ("spending_corrections", "prisoners_average"),
        lambda d: F.cost_per_day(d["spending_corrections"], d["prisoners_average"]),
        link="corrections",
    ),
    _ind(
        "unit_cost_officer",
        "Cost per police officer",
        "Costo por agente policial",
        "currency per officer",
        "spending_patrol ÷ police_officers",
        "Patrol-link spending per police officer.",
        ("spending_patrol", "police_officers"),
        lambda d: F.unit_cost(d["spending_patrol"], d["police_officers"]),
        link="patrol",
    ),
    _ind(
        "unit_cost_indictment",
        "Cost per indictment",
        "Costo por acusación",
        "currency per indictment",
        "spending_investigation ÷ indictments",
        "Investigation-link spending per formal indictment.",
        ("spending_investigation", "indictments"),
        lambda d: F.unit_cost(d["spending_investigation"], d["indictments"]),
        link="investigation",
    ),
    # ---- PEFA per-year figures ------------------------------------------------------------------
    _ind(
        "pefa_pi1_outturn",
        "PEFA PI-1 aggregate expenditure outturn",
        "PEFA ID-1 resultado del gasto agregado",
        "%",
        "executed ÷ approved × 100",
        "Aggregate outturn of the year; the PI-1 score (A 95–105 % in two of the last three years) "
        "is given by peir.indicators.pefa.pi1.",
        ("spending_executed", "spending_approved"),
        lambda d: F.execution_rate(d["spending_executed"], d["spending_approved"]),
        standard=_PEFA,
        phase_note=False,
    ),
    _ind(
        "pefa_pi2_1_variance",
        "PEFA PI-2.1 composition variance by institution",
        "PEFA ID-2.1 variación de la composición por institución",
        "%",
        "Σ|actual_i − budget_i × Σactual ÷ Σbudget| ÷ Σactual × 100 over institutions",
        "Composition variance of the year over the institutions (administrative heads) present; "
        "the score (A < 5 % in two of three years) is given by peir.indicators.pefa.pi2.",
        ("spending_executed", "spending_approved"),
        lambda d: d["cv_institution"],
        standard=_PEFA,
        phase_note=False,
    ),
    _ind(
        "pefa_pi2_2_variance",
        "PEFA PI-2.2 composition variance by economic type",
        "PEFA ID-2.2 variación de la composición por clasificación económica",
        "%",
        "Σ|actual_i − budget_i × Σactual ÷ Σbudget| ÷ Σactual × 100 over economic classes",
        "Composition variance of the year over economic classes; see "
        "peir.indicators.pefa.pi2(dimension='2.2').",
        ("spending_executed", "spending_approved"),
        lambda d: d["cv_econ"],
        standard=_PEFA,
        phase_note=False,
    ),
]
