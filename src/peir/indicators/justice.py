"""Justice-chain indicators (docs/methodology.md §4): CEPEJ, UNODC/SDG, staffing and attrition.

Inputs are the headline caseload measures (:meth:`HarmonizedDataset.headline_caseload`), one
column per measure of :data:`peir.chain.MEASURES`, for each country, year and region (region
empty for national figures). Where a country-year has regional rows but no national row for a
measure, the national value is the sum of the regions (said in the output ``note``).
Populations come from the context table (national); a caseload measure named ``population``
gives regional populations.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from peir.chain import MEASURES
from peir.indicators import formulas as F
from peir.indicators._base import Indicator, make_indicator
from peir.schema import C

if TYPE_CHECKING:  # pragma: no cover
    from peir.dataset import HarmonizedDataset

__all__ = [
    "INDICATORS",
    "POPULATION_MEASURE",
    "REGIONAL_POPULATION",
    "STAFF_MEASURES",
    "caseload_frame",
]

#: A caseload measure giving regional populations (optional).
POPULATION_MEASURE = "population"

#: Column of the wide caseload frame holding the regional population.
REGIONAL_POPULATION = "population_region"

#: Staff measures (unit "staff") of the vocabulary.
STAFF_MEASURES: tuple[str, ...] = tuple(n for n, m in MEASURES.items() if m.unit == "staff")


def _region(s: pd.Series) -> pd.Series:
    r = s.astype("object").where(s.notna(), "")
    return r.astype(str).str.strip().replace({"nan": "", "None": "", "<NA>": ""})


def caseload_frame(
    h: HarmonizedDataset, country: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Wide caseload: one row per (country, year, region), one column per measure.

    Returns the frame and a boolean frame of the same shape marking national values that
    were summed from regions.
    """
    cl = h.headline_caseload()
    cols = [C.COUNTRY, C.YEAR, C.REGION]
    if cl is None or cl.empty or C.MEASURE not in cl.columns:
        return pd.DataFrame(columns=cols), pd.DataFrame(columns=cols)
    if country is not None:
        cl = cl[cl[C.COUNTRY] == country]
    if cl.empty:
        return pd.DataFrame(columns=cols), pd.DataFrame(columns=cols)
    cl = pd.DataFrame(
        {
            C.COUNTRY: cl[C.COUNTRY].astype(str).to_numpy(),
            C.YEAR: cl[C.YEAR].astype(int).to_numpy(),
            C.REGION: _region(cl[C.REGION]).to_numpy() if C.REGION in cl.columns else "",
            C.MEASURE: cl[C.MEASURE].astype(str).to_numpy(),
            C.VALUE: pd.to_numeric(cl[C.VALUE], errors="coerce").astype("float64").to_numpy(),
        }
    )
    wide = cl.pivot_table(
        index=cols, columns=C.MEASURE, values=C.VALUE, aggfunc="sum", observed=True
    )
    # a blank value (a suppressed small count) stays blank: a sum of nothing is not 0
    counted = cl.pivot_table(
        index=cols, columns=C.MEASURE, values=C.VALUE, aggfunc="count", observed=True
    )
    wide = wide.where(counted.reindex(index=wide.index, columns=wide.columns).fillna(0) > 0)
    wide.columns = wide.columns.astype(str)
    wide.columns.name = None
    wide = wide.rename(columns={POPULATION_MEASURE: REGIONAL_POPULATION})
    regional = wide[wide.index.get_level_values(C.REGION) != ""]
    summed = pd.DataFrame(False, index=wide.index, columns=wide.columns)
    if not regional.empty:
        reg_sum = regional.groupby(level=[C.COUNTRY, C.YEAR]).sum(min_count=1)
        reg_sum[C.REGION] = ""
        reg_sum = reg_sum.set_index(C.REGION, append=True)
        # a regional population does not make the national one: context gives that
        reg_sum = reg_sum.drop(columns=[REGIONAL_POPULATION], errors="ignore")
        nat = wide.reindex(wide.index.union(reg_sum.index))
        fill = nat.loc[reg_sum.index, reg_sum.columns]
        use = fill.isna() & reg_sum.notna()
        nat.loc[reg_sum.index, reg_sum.columns] = fill.where(~use, reg_sum)
        summed = pd.DataFrame(False, index=nat.index, columns=nat.columns)
        summed.loc[reg_sum.index, reg_sum.columns] = use.to_numpy()
        wide = nat
    for m in MEASURES:
        if m not in wide.columns:
            wide[m] = np.nan
            summed[m] = False
    return wide.reset_index(), summed.reset_index()


def add_derived(main: pd.DataFrame) -> pd.DataFrame:
    """Add ``prisoners_average`` and ``staff_total`` to the main frame (in place and returned)."""
    key = [C.COUNTRY, C.REGION]
    prev = main[[*key, C.YEAR, "prisoners_total"]].copy()
    prev[C.YEAR] = prev[C.YEAR] + 1
    prev = prev.rename(columns={"prisoners_total": "_prev_prisoners"})
    merged = main[[*key, C.YEAR]].merge(prev, on=[*key, C.YEAR], how="left")
    cur = main["prisoners_total"].to_numpy(dtype="float64")
    pv = merged["_prev_prisoners"].to_numpy(dtype="float64")
    main["prisoners_average"] = np.where(np.isnan(pv), cur, (cur + pv) / 2.0)
    main["staff_total"] = main[list(STAFF_MEASURES)].sum(axis=1, min_count=1)
    return main


_j = partial(make_indicator, regional=True)

_CEPEJ = "CEPEJ"
_UNODC = "UNODC/SDG"
_ATTR = "Attrition literature"
_PER = "PER practice"
_P100K = "per 100,000 inhabitants"


def _per_100k(
    id: str, measure: str, en: str, es: str, link: str, standard: str, desc: str
) -> Indicator:
    return _j(
        id,
        en,
        es,
        _P100K,
        f"{measure} ÷ population × 100,000",
        desc,
        (measure, "population"),
        lambda d: F.rate_per_100k(d[measure], d["population"]),
        link=link,
        standard=standard,
    )


def _attr(id: str, later: str, earlier: str, en: str, es: str, link: str, desc: str) -> Indicator:
    return _j(
        id,
        en,
        es,
        "ratio",
        f"{later} ÷ {earlier}",
        desc,
        (later, earlier),
        lambda d: F.attrition_ratio(d[later], d[earlier]),
        link=link,
        standard=_ATTR,
    )


INDICATORS: list[Indicator] = [
    # ---- CEPEJ court efficiency ---------------------------------------------------------------
    _j(
        "clearance_rate",
        "Clearance rate",
        "Tasa de resolución",
        "%",
        "cases_resolved ÷ cases_incoming × 100",
        "Resolved cases per 100 incoming cases; below 100 % the backlog grows.",
        ("cases_resolved", "cases_incoming"),
        lambda d: F.clearance_rate(d["cases_resolved"], d["cases_incoming"]),
        link="judicial",
        standard=_CEPEJ,
    ),
    _j(
        "case_turnover",
        "Case turnover ratio",
        "Tasa de rotación de casos",
        "ratio",
        "cases_resolved ÷ cases_pending_end",
        "How many times the end-of-year stock of pending cases was resolved during the year.",
        ("cases_resolved", "cases_pending_end"),
        lambda d: F.case_turnover(d["cases_resolved"], d["cases_pending_end"]),
        link="judicial",
        standard=_CEPEJ,
    ),
    _j(
        "disposition_time",
        "Disposition time",
        "Tiempo estimado de resolución",
        "days",
        "365 × cases_pending_end ÷ cases_resolved  (= 365 ÷ case turnover)",
        "Estimated days needed to resolve the pending cases at the current pace.",
        ("cases_pending_end", "cases_resolved"),
        lambda d: F.disposition_time(d["cases_pending_end"], d["cases_resolved"]),
        link="judicial",
        standard=_CEPEJ,
    ),
    _j(
        "litigation_rate",
        "Litigation rate",
        "Tasa de litigiosidad",
        _P100K,
        "cases_incoming ÷ population × 100,000",
        "Incoming court cases per 100,000 inhabitants (Latin American companion of the CEPEJ set).",
        ("cases_incoming", "population"),
        lambda d: F.litigation_rate(d["cases_incoming"], d["population"]),
        link="judicial",
        standard=_CEPEJ,
    ),
    _j(
        "congestion_rate",
        "Congestion rate",
        "Tasa de congestión",
        "ratio",
        "(cases_pending_start + cases_incoming) ÷ cases_resolved",
        "Caseload (stock at start plus inflow) per case resolved; 1 = no congestion "
        "(Latin American companion of the CEPEJ set, e.g. Colombia's Rama Judicial).",
        ("cases_pending_start", "cases_incoming", "cases_resolved"),
        lambda d: F.congestion_rate(
            d["cases_pending_start"], d["cases_incoming"], d["cases_resolved"]
        ),
        link="judicial",
        standard=_CEPEJ,
    ),
    _j(
        "cnj_congestion_rate",
        "Congestion rate (CNJ)",
        "Tasa de congestión (CNJ)",
        "%",
        "cases_pending_end ÷ (cases_pending_end + cases_resolved) × 100",
        "Brazil's 'taxa de congestionamento': the share of the year's workload left pending; "
        "equivalent to the CEPEJ disposition time through DT = 365 × TC ÷ (100 − TC).",
        ("cases_pending_end", "cases_resolved"),
        lambda d: F.cnj_congestion_rate(d["cases_pending_end"], d["cases_resolved"]),
        link="judicial",
        standard="CNJ",
    ),
    _j(
        "cases_per_judge",
        "Incoming cases per judge",
        "Casos ingresados por juez",
        "cases per judge",
        "cases_incoming ÷ judges",
        "Workload of the bench: new cases per judge.",
        ("cases_incoming", "judges"),
        lambda d: F.ratio(d["cases_incoming"], d["judges"]),
        link="judicial",
        standard=_CEPEJ,
    ),
    _j(
        "resolved_per_judge",
        "Resolved cases per judge",
        "Casos resueltos por juez",
        "cases per judge",
        "cases_resolved ÷ judges",
        "Productivity of the bench: resolved cases per judge.",
        ("cases_resolved", "judges"),
        lambda d: F.ratio(d["cases_resolved"], d["judges"]),
        link="judicial",
        standard=_CEPEJ,
    ),
    _j(
        "cases_per_prosecutor",
        "Cases received per prosecutor",
        "Casos recibidos por fiscal",
        "cases per prosecutor",
        "cases_received ÷ prosecutors",
        "Workload of the prosecution service.",
        ("cases_received", "prosecutors"),
        lambda d: F.ratio(d["cases_received"], d["prosecutors"]),
        link="investigation",
        standard=_PER,
    ),
    # ---- UNODC / SDG --------------------------------------------------------------------------
    _per_100k(
        "homicide_rate",
        "homicides",
        "Intentional homicide rate",
        "Tasa de homicidios intencionales",
        "patrol",
        _UNODC,
        "Victims of intentional homicide per 100,000 inhabitants (SDG 16.1.1). "
        "Counting rules differ by source (e.g. deaths in confrontations with security forces).",
    ),
    _per_100k(
        "crime_rate",
        "crimes_recorded",
        "Recorded crime rate",
        "Tasa de delitos registrados",
        "patrol",
        _UNODC,
        "Offences recorded by the police per 100,000 inhabitants (UN-CTS).",
    ),
    _per_100k(
        "prisoners_per_100k",
        "prisoners_total",
        "Prisoners per 100,000 inhabitants",
        "Privados de libertad por 100.000 habitantes",
        "corrections",
        _UNODC,
        "Persons held in prisons per 100,000 inhabitants (UN-CTS; excludes administrative "
        "detention).",
    ),
    _j(
        "occupancy_rate",
        "Prison occupancy",
        "Ocupación penitenciaria",
        "%",
        "prisoners_total ÷ prison_capacity × 100",
        "Persons held per 100 official places; above 100 % the system is overcrowded.",
        ("prisoners_total", "prison_capacity"),
        lambda d: F.occupancy_rate(d["prisoners_total"], d["prison_capacity"]),
        link="corrections",
        standard=_UNODC,
    ),
    _j(
        "unsentenced_share",
        "Unsentenced detainees (% of prison population)",
        "Personas detenidas sin condena (% de la población penitenciaria)",
        "%",
        "prisoners_unsentenced ÷ prisoners_total × 100",
        "SDG 16.3.2: share of persons held who have not been sentenced (persons with a non-final "
        "decision count as sentenced).",
        ("prisoners_unsentenced", "prisoners_total"),
        lambda d: F.unsentenced_share(d["prisoners_unsentenced"], d["prisoners_total"]),
        link="corrections",
        standard=_UNODC,
    ),
    _j(
        "prisoners_per_staff",
        "Prisoners per prison staff member",
        "Privados de libertad por funcionario penitenciario",
        "persons per staff member",
        "prisoners_total ÷ prison_staff",
        "Persons held per member of prison staff (UN-CTS collects both).",
        ("prisoners_total", "prison_staff"),
        lambda d: F.ratio(d["prisoners_total"], d["prison_staff"]),
        link="corrections",
        standard=_UNODC,
    ),
    # ---- staff per 100,000 ----------------------------------------------------------------------
    _per_100k(
        "police_per_100k",
        "police_officers",
        "Police officers per 100,000 inhabitants",
        "Policías por 100.000 habitantes",
        "patrol",
        _UNODC,
        "Police personnel per 100,000 inhabitants (UN-CTS).",
    ),
    _per_100k(
        "prosecutors_per_100k",
        "prosecutors",
        "Prosecutors per 100,000 inhabitants",
        "Fiscales por 100.000 habitantes",
        "investigation",
        _UNODC,
        "Prosecution personnel per 100,000 inhabitants (UN-CTS).",
    ),
    _per_100k(
        "judges_per_100k",
        "judges",
        "Judges per 100,000 inhabitants",
        "Jueces por 100.000 habitantes",
        "judicial",
        _CEPEJ,
        "Professional judges per 100,000 inhabitants (CEPEJ, UN-CTS).",
    ),
    _per_100k(
        "defenders_per_100k",
        "public_defenders",
        "Public defenders per 100,000 inhabitants",
        "Defensores públicos por 100.000 habitantes",
        "judicial",
        _PER,
        "Public defence lawyers per 100,000 inhabitants.",
    ),
    _per_100k(
        "prison_staff_per_100k",
        "prison_staff",
        "Prison staff per 100,000 inhabitants",
        "Personal penitenciario por 100.000 habitantes",
        "corrections",
        _UNODC,
        "Prison staff per 100,000 inhabitants (UN-CTS).",
    ),
    # ---- attrition ----------------------------------------------------------------------------
    _attr(
        "attrition_suspects_per_crime",
        "suspects",
        "crimes_recorded",
        "Suspects per recorded offence",
        "Sospechosos por delito registrado",
        "investigation",
        "First attrition step: recorded offences in which a suspect is identified.",
    ),
    _attr(
        "attrition_indictments_per_suspect",
        "indictments",
        "suspects",
        "Indictments per suspect",
        "Acusaciones por sospechoso",
        "investigation",
        "Suspects who are formally prosecuted.",
    ),
    _attr(
        "attrition_indictments_per_case",
        "indictments",
        "cases_received",
        "Indictments per case received",
        "Acusaciones por caso recibido",
        "investigation",
        "Cases received by the prosecution that end in a formal indictment.",
    ),
    _attr(
        "attrition_convictions_per_indictment",
        "convictions",
        "indictments",
        "Convictions per indictment",
        "Condenas por acusación",
        "judicial",
        "Prosecuted cases that end in a conviction.",
    ),
    _attr(
        "attrition_admissions_per_conviction",
        "prison_admissions",
        "convictions",
        "Prison admissions per conviction",
        "Ingresos a prisión por condena",
        "corrections",
        "Convictions followed by admission to prison (admissions include remand).",
    ),
    _attr(
        "attrition_convictions_per_crime",
        "convictions",
        "crimes_recorded",
        "Convictions per recorded offence",
        "Condenas por delito registrado",
        "judicial",
        "End-to-end attrition: the 2012 El Salvador review reported under 12 % of crimes ending in "
        "conviction.",
    ),
    _j(
        "convictions_per_homicide",
        "Homicide convictions per 100 homicides (impunity proxy)",
        "Condenas por homicidio por cada 100 homicidios (indicador de impunidad)",
        "%",
        "homicide_convictions ÷ homicides × 100",
        "Convictions for homicide relative to homicides of the year; the complement approximates "
        "impunity.",
        ("homicide_convictions", "homicides"),
        lambda d: F.share(d["homicide_convictions"], d["homicides"]),
        link="judicial",
        standard=_ATTR,
    ),
]
