"""Build the embedded examples (``src/peir/data/examples/*``) from the cited reference figures.

Run from the project root with the shared data present::

    .venv/bin/python scripts/build_examples.py [--shared ../shared/data/reference]

Every figure written comes from ``el_salvador_figures.csv`` (one row per published figure,
with its source and a note) or from the WDI / IMF series in ``macro/``. Figures that the
reference gives only in the ``note`` column (an alternative count, a request, a capacity) are
listed below with the exact text they come from; the script checks that the note contains
that text, so a figure cannot be typed in without its source. Derived values (shares of the
2011 total, % of GDP x GDP) state their formula in ``source_ref``.

The files written are committed; this script documents and reproduces them. It is not part
of the package.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "peir" / "data" / "examples"
REF_NAME = "el_salvador_figures.csv"

WDI = "World Bank WDI (datasets/world-development-indicators @4ebec5a, July 2026 vintage)"
IMF = (
    "IMF WEO Oct 2024 GGX_NGDP via Global Macro Database "
    "(KMueller-Lab/Global-Macro-Database @e9c972c)"
)
POP_SERIES = "WDI SP.POP.TOTL (July 2026 vintage)"
CURRENCY = {"SLV": "USD", "GTM": "GTQ", "HND": "HNL", "CRI": "CRC", "PAN": "PAB", "NIC": "NIO"}
PEERS = ["GTM", "HND", "CRI", "PAN", "NIC"]
CONTEXT_YEARS = range(2001, 2026)  # SLV used the colón in 2000; USD from 2001

BUDGET_COLS = [
    "country", "year", "institution_code", "institution", "program", "econ", "func", "region",
    "funding_source", "transfer_to", "phase", "amount", "currency", "source_ref",
]
CASELOAD_COLS = [
    "country", "year", "region", "institution_code", "link", "measure", "value", "unit", "kind",
    "source", "counting_rule", "source_ref",
]
CONTEXT_COLS = [
    "country", "year", "population", "population_source", "gdp_lcu", "gdp_deflator", "cpi",
    "fx_lcu_per_usd", "ppp_lcu_per_intl", "gov_expenditure_lcu", "gov_expenditure_scope",
    "currency", "source_ref",
]
CHAIN_COLS = [
    "country", "institution_code", "program", "func", "year_from", "year_to", "link", "share",
    "basis", "source_ref",
]


# --------------------------------------------------------------------------- reference access
@dataclass(frozen=True)
class Fig:
    """One row of the reference file."""

    line: int
    country: str
    year: int
    indicator: str
    value: float
    unit: str
    source: str
    note: str

    @property
    def cite(self) -> str:
        return f"{self.source} [peir reference {REF_NAME} line {self.line}]"


class Reference:
    """The reference figures, looked up by (country, year, indicator)."""

    def __init__(self, path: Path) -> None:
        df = pd.read_csv(path, dtype={"note": str}, keep_default_na=False)
        self.rows: list[Fig] = [
            Fig(
                line=i + 2,
                country=r.country,
                year=int(r.year),
                indicator=r.indicator,
                value=float(r.value),
                unit=r.unit,
                source=r.source,
                note=r.note,
            )
            for i, r in enumerate(df.itertuples(index=False))
        ]
        self.used: set[int] = set()

    def get(self, country: str, year: int, indicator: str) -> Fig:
        hits = [
            f for f in self.rows if (f.country, f.year, f.indicator) == (country, year, indicator)
        ]
        if len(hits) != 1:
            raise KeyError(f"{country} {year} {indicator}: {len(hits)} rows in the reference")
        self.used.add(hits[0].line)
        return hits[0]

    def all(self, indicator: str, country: str | None = None) -> list[Fig]:
        hits = [
            f for f in self.rows if f.indicator == indicator and country in (None, f.country)
        ]
        self.used.update(f.line for f in hits)
        return hits

    def from_note(self, fig: Fig, text: str) -> float:
        """A figure quoted in the note (or source) of ``fig``; ``text`` must appear verbatim."""
        if text not in fig.note and text not in fig.source:
            raise ValueError(f"line {fig.line}: {fig.source!r} / {fig.note!r} lack {text!r}")
        digits = "".join(ch for ch in text if ch.isdigit() or ch == ".")
        return float(digits)


class Macro:
    """Tidy macro series: value(country, year, file) -> float | None."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self._cache: dict[str, dict[tuple[str, int, str], float]] = {}

    def series(self, filename: str) -> dict[tuple[str, int, str], float]:
        if filename not in self._cache:
            df = pd.read_csv(self.dir / filename)
            self._cache[filename] = {
                (r.country_iso3, int(r.year), r.indicator_code): float(r.value)
                for r in df.itertuples(index=False)
            }
        return self._cache[filename]

    def value(self, filename: str, country: str, year: int, code: str) -> float | None:
        return self.series(filename).get((country, year, code))


# --------------------------------------------------------------------------- formatting
def fmt(v: object) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    return str(v)


def write_csv(path: Path, cols: list[str], rows: Iterable[dict[str, object]]) -> int:
    frame = pd.DataFrame([{c: fmt(r.get(c)) for c in cols} for r in rows], columns=cols)
    frame.to_csv(path, index=False, lineterminator="\n")
    return len(frame)


def md_escape(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


# --------------------------------------------------------------------------- context
def context_rows(macro: Macro, countries: list[str]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for c in countries:
        for y in CONTEXT_YEARS:
            gdp = macro.value(
                "derived_NY.GDP.MKTP.CN_gdp_current_lcu.csv", c, y, "NY.GDP.MKTP.CN_derived_CDxFCRF"
            )
            pct = macro.value(
                "imf_GGX_NGDP_general_govt_expenditure_pct_gdp_via_GMD.csv",
                c, y, "GGX_NGDP_IMF_WEO_Oct2024_actual",
            )
            gx_kind = "actual"
            if pct is None:
                pct = macro.value(
                    "imf_GGX_NGDP_general_govt_expenditure_pct_gdp_via_GMD.csv",
                    c, y, "GGX_NGDP_IMF_WEO_Oct2024_estimate_or_projection",
                )
                gx_kind = "WEO estimate/projection"
            gov = None if (pct is None or gdp is None) else pct * gdp / 100.0
            row: dict[str, object] = {
                "country": c,
                "year": y,
                "population": macro.value("wdi_SP.POP.TOTL_population.csv", c, y, "SP.POP.TOTL"),
                "population_source": POP_SERIES,
                "gdp_lcu": gdp,
                "gdp_deflator": macro.value(
                    "derived_NY.GDP.DEFL.ZS_deflator_2015eq100_chained.csv",
                    c, y, "NY.GDP.DEFL.ZS_derived_2015eq100",
                ),
                "cpi": macro.value(
                    "derived_FP.CPI.TOTL_cpi_2010eq100_chained.csv",
                    c, y, "FP.CPI.TOTL_derived_2010eq100",
                ),
                "fx_lcu_per_usd": macro.value(
                    "wdi_PA.NUS.FCRF_exchange_rate.csv", c, y, "PA.NUS.FCRF"
                ),
                "ppp_lcu_per_intl": macro.value(
                    "wdi_PA.NUS.PPP_ppp_conversion_factor.csv", c, y, "PA.NUS.PPP"
                ),
                "gov_expenditure_lcu": None if gov is None else round(gov, 2),
                "gov_expenditure_scope": "general" if gov is not None else None,
                "currency": CURRENCY[c],
                "source_ref": (
                    f"{WDI}: SP.POP.TOTL; GDP = NY.GDP.MKTP.CD x PA.NUS.FCRF; deflator chained "
                    f"from NY.GDP.DEFL.KD.ZG (2015=100); CPI chained from FP.CPI.TOTL.ZG "
                    f"(2010=100); PA.NUS.FCRF; PA.NUS.PPP. Government expenditure = "
                    f"GGX_NGDP % GDP ({gx_kind}) x GDP / 100, general government: {IMF}"
                    if gov is not None
                    else f"{WDI}: SP.POP.TOTL; GDP = NY.GDP.MKTP.CD x PA.NUS.FCRF; deflator "
                    f"chained from NY.GDP.DEFL.KD.ZG (2015=100); CPI chained from "
                    f"FP.CPI.TOTL.ZG (2010=100); PA.NUS.FCRF; PA.NUS.PPP. No government "
                    f"expenditure figure in {IMF}"
                ),
            }
            rows.append(row)
    return rows


# --------------------------------------------------------------------------- homicides
# Alternative counts that the reference gives in its note column: (year, note text, source,
# institution_code, counting rule).
_HOMICIDE_ALTERNATIVES = [
    (2010, "PNC said 3985", "PNC", "PNC", "homicides registered by the police (PNC)"),
    (2013, "IML figure 2513", "IML", "IML",
     "homicide victims registered by the forensic institute (IML); El Diario de Hoy 2015-01-06"),
    (2014, "IML 3942", "IML", "IML", "homicide victims registered by the forensic institute (IML)"),
    (2014, "elsalvadorinfo 3921", "press:elsalvadorinfo.net", "",
     "compilation (elsalvadorinfo.net); producing institution not stated"),
    (2015, "PNC 6657", "PNC", "PNC", "homicides registered by the police (PNC), reported by AP"),
    (2015, "AFP 6670", "press:AFP", "", "news-agency tally (AFP); producing institution not stated"),
    (2021, "El Mundo: 1140", "press:El Mundo", "",
     "as reported by El Mundo; counting rule not stated"),
    (2022, "El Mundo 569", "press:El Mundo", "",
     "as reported by El Mundo; counting rule not stated (may include deaths in "
     "confrontations with security forces, which the official count excludes)"),
    (2022, "Prensa Latina 458", "press:Prensa Latina", "",
     "as reported by Prensa Latina; counting rule not stated"),
]

# Main homicide figure per year: (source label, institution code, counting rule).
_HOMICIDE_MAIN = {
    2008: ("IML-FGR-PNC", "", "homicide victims, consolidated count of the tripartite table "
           "(IML forensic institute, FGR prosecution, PNC police)"),
    2009: ("IML", "IML", "homicide victims registered by the forensic institute (IML)"),
    2010: ("IML", "IML", "homicide victims registered by the forensic institute (IML)"),
    2011: ("IML", "IML", "homicide victims registered by the forensic institute "
           "(coroner figures)"),
    2012: ("press:elsalvadorinfo.net", "", "compilation (elsalvadorinfo.net); producing "
           "institution not stated; year of the gang truce"),
    2013: ("press:elsalvadorinfo.net", "", "compilation (elsalvadorinfo.net); producing "
           "institution not stated"),
    2014: ("PNC", "PNC", "homicides registered by the police (PNC)"),
    2015: ("IML", "IML", "homicide victims registered by the forensic institute (IML), "
           "table 'Homicidios año 2015'"),
    2016: ("press:Prensa Latina", "", "as reported by Prensa Latina; producing institution "
           "not stated"),
    2017: ("PNC", "PNC", "homicides registered by the police (PNC)"),
    2018: ("PNC", "PNC", "homicides registered by the police (PNC)"),
    2019: ("press:Canal 12", "", "as reported by Canal 12 / Prensa Latina; producing "
           "institution not stated; official counts from 2019 exclude deaths in "
           "confrontations with security forces"),
    2020: ("press:Canal 12", "", "as reported by Canal 12 / elsalvadorinfo.net; producing "
           "institution not stated; official counts from 2019 exclude deaths in "
           "confrontations with security forces"),
    2021: ("press:Canal 12", "", "as reported by Canal 12 / elsalvadorinfo.net; producing "
           "institution not stated; official counts from 2019 exclude deaths in "
           "confrontations with security forces"),
    2022: ("MJSP", "MJSP", "official count (Ministry of Justice and Public Security); "
           "excludes deaths in confrontations with security forces"),
    2023: ("MJSP", "MJSP", "official count announced by the Minister of Justice and Public "
           "Security; official counts exclude deaths in confrontations with security forces"),
    2024: ("PNC-FGR", "", "official count (PNC/FGR); official counts exclude deaths in "
           "confrontations with security forces"),
}

#: Homicide source priority: the forensic institute counts victims from autopsies,
#: independently of how the police classify the case (UNODC: victims of intentional
#: homicide); then the tripartite consolidated count, the police, the ministry, and press
#: compilations whose producing institution is not stated.
HOMICIDE_PRIORITY = [
    "IML", "IML-FGR-PNC", "PNC", "PNC-FGR", "MJSP", "press:Canal 12",
    "press:elsalvadorinfo.net", "press:Prensa Latina", "press:El Mundo", "press:AFP",
]


def caseload_row(
    country: str, year: int, measure: str, value: float, *, source: str, institution: str,
    rule: str, ref: str, link: str, unit: str, kind: str,
) -> dict[str, object]:
    return {
        "country": country, "year": year, "region": None, "institution_code": institution or None,
        "link": link, "measure": measure, "value": value, "unit": unit, "kind": kind,
        "source": source, "counting_rule": rule, "source_ref": ref,
    }


def homicide_rows(ref: Reference, years: Iterable[int]) -> list[dict[str, object]]:
    rows = []
    wanted = set(years)
    for fig in ref.all("homicides", "SLV"):
        if fig.year not in wanted:
            continue
        source, inst, rule = _HOMICIDE_MAIN[fig.year]
        rows.append(caseload_row(
            "SLV", fig.year, "homicides", fig.value, source=source, institution=inst, rule=rule,
            ref=fig.cite, link="patrol", unit="victims", kind="flow",
        ))
        for year, text, alt_source, alt_inst, alt_rule in _HOMICIDE_ALTERNATIVES:
            if year != fig.year:
                continue
            rows.append(caseload_row(
                "SLV", year, "homicides", ref.from_note(fig, text), source=alt_source,
                institution=alt_inst, rule=alt_rule,
                ref=f"{fig.cite}, alternative value: '{text}'", link="patrol", unit="victims",
                kind="flow",
            ))
    return rows


# --------------------------------------------------------------------------- El Salvador
def build_el_salvador(ref: Reference, macro: Macro) -> dict[str, list[dict[str, object]]]:
    budget: list[dict[str, object]] = []

    def bline(fig: Fig, code: str, name: str, phase: str, amount: float, extra: str = "",
              program: str | None = None, year: int | None = None) -> None:
        budget.append({
            "country": "SLV", "year": year or fig.year, "institution_code": code,
            "institution": name, "program": program, "phase": phase, "amount": amount,
            "currency": "USD", "source_ref": fig.cite + (f"; {extra}" if extra else ""),
        })

    # -- 2012 PEIR, 2011 spending by link (executed)
    total = ref.get("SLV", 2011, "sj_spending_total")
    patrol = ref.get("SLV", 2011, "link2_vigilance_patrol")
    prev = ref.get("SLV", 2011, "link1_prevention_share")
    corr = ref.get("SLV", 2011, "link5_sentence_execution_share")
    total_usd = total.value * 1e6
    patrol_usd = patrol.value * 1e6
    prev_usd = round(prev.value / 100 * total_usd, 2)
    corr_usd = round(corr.value / 100 * total_usd, 2)
    invjud_usd = round(total_usd - patrol_usd - prev_usd - corr_usd, 2)
    peir = "World Bank PEIR 2012, 2011 spending"
    bline(patrol, "PEIR2012_PATROL", f"{peir}: vigilance and police patrolling", "executed",
          patrol_usd, program="Link total: vigilance and police patrolling",
          extra=f"US${patrol.value:g}M as published ({patrol.note})")
    bline(prev, "PEIR2012_PREVENTION", f"{peir}: violence and crime prevention", "executed",
          prev_usd, program="Link total: violence and crime prevention",
          extra=f"derived: {prev.value:g} % x US${total.value:g}M total ({total.cite})")
    bline(corr, "PEIR2012_CORRECTIONS",
          f"{peir}: sentence execution, imprisonment and rehabilitation", "executed", corr_usd,
          program="Link total: sentence execution",
          extra=f"derived: {corr.value:g} % x US${total.value:g}M total ({total.cite})")
    bline(total, "PEIR2012_INV_JUD",
          f"{peir}: criminal investigation and judicial process combined", "executed",
          invjud_usd, program="Investigation and judicial process combined (split unpublished)",
          extra=(
              f"derived: total US${total.value:g}M - patrol US${patrol.value:g}M - prevention "
              f"{prev.value:g} % - sentence execution {corr.value:g} % = "
              f"{100 - prev.value - corr.value - 100 * patrol.value / total.value:.1f} %; "
              "the split between the two links is unpublished"
          ))

    # -- institution budgets
    names = {
        "FGR": "Fiscalía General de la República (prosecution)",
        "OJ": "Órgano Judicial (courts, Corte Suprema de Justicia)",
        "MJSP": "Ministerio de Justicia y Seguridad Pública (ramo)",
        "PNC": "Policía Nacional Civil (police)",
        "DGCP": "Dirección General de Centros Penales (prisons)",
        "ANSP": "Academia Nacional de Seguridad Pública (police academy)",
    }
    for fig in ref.all("fgr_budget", "SLV"):
        extra = "budget assigned by the Legislative Assembly, recorded as approved"
        if fig.note:
            extra += f"; note: '{fig.note}'"
        bline(fig, "FGR", names["FGR"], "approved", fig.value, extra=extra)
    for fig in ref.all("oj_budget", "SLV"):
        extra = "recorded as approved"
        if fig.note:
            extra += f"; note: '{fig.note}'"
        bline(fig, "OJ", names["OJ"], "approved", fig.value, extra=extra)
    # The Órgano Judicial's 2026 approved budget (US$369.2M; request US$533.4M) is kept in
    # example.yaml published_figures, not in budget.csv: the context series end in 2025, so a
    # 2026 line could not be deflated and would stop Dataset.harmonize() by default.
    mjsp = ref.get("SLV", 2024, "mjsp_budget_approved")
    bline(mjsp, "MJSP", names["MJSP"], "approved", mjsp.value,
          extra="approved by the Comisión de Hacienda")
    for code, ind in (("PNC", "pnc_budget_proposed"), ("DGCP", "dgcp_budget_proposed"),
                      ("ANSP", "ansp_budget_proposed")):
        fig = ref.get("SLV", 2025, ind)
        bline(fig, code, names[code], "proposed", fig.value, extra="2025 budget proposal")

    # -- caseload
    caseload = homicide_rows(ref, range(2008, 2025))
    p13 = ref.get("SLV", 2013, "prison_pop_in_prisons")
    caseload.append(caseload_row(
        "SLV", 2013, "prisoners_total", p13.value, source="DGCP", institution="DGCP",
        rule="persons held in the 19 DGCP prisons; excludes about 3,300 held in police cells",
        ref=f"{p13.cite}, note: '{p13.note}'", link="corrections", unit="persons", kind="stock",
    ))
    caseload.append(caseload_row(
        "SLV", 2013, "prison_capacity", ref.from_note(p13, "max 8000"), source="DGCP",
        institution="DGCP", rule="design capacity of the 19 prisons, stated as a maximum",
        ref=f"{p13.cite}, note: '{p13.note}'", link="corrections", unit="places",
        kind="stock",
    ))
    s15 = ref.get("SLV", 2015, "prisoners_sentenced")
    u15 = ref.get("SLV", 2015, "prisoners_unsentenced")
    caseload.append(caseload_row(
        "SLV", 2015, "prisoners_unsentenced", u15.value, source="DGCP", institution="DGCP",
        rule="persons held without a sentence (DGCP)", ref=u15.cite, link="corrections",
        unit="persons", kind="stock",
    ))
    caseload.append(caseload_row(
        "SLV", 2015, "prisoners_total", s15.value + u15.value, source="DGCP",
        institution="DGCP",
        rule=f"sentenced ({s15.value:,.0f}) + unsentenced ({u15.value:,.0f}), "
        "the sum of the two DGCP figures",
        ref=f"derived: {s15.cite} + {u15.cite}", link="corrections", unit="persons",
        kind="stock",
    ))
    p18 = ref.get("SLV", 2018, "prisoners")
    caseload.append(caseload_row(
        "SLV", 2018, "prisoners_total", p18.value, source="DGCP", institution="DGCP",
        rule="persons held, DGCP figure of February 2018", ref=p18.cite, link="corrections",
        unit="persons", kind="stock",
    ))
    occ = ref.from_note(p18, "occupancy 333.3")
    caseload.append(caseload_row(
        "SLV", 2018, "prison_capacity", float(round(p18.value / (occ / 100))), source="DGCP",
        institution="DGCP",
        rule=f"implied capacity: {p18.value:,.0f} prisoners / stated occupancy {occ} %, "
        "rounded; not a published capacity figure",
        ref=f"derived from {p18.cite}, note: '{p18.note}'", link="corrections",
        unit="places", kind="stock",
    ))
    for year, rule in ((2022, "official figure, December 2022"),
                       (2023, "figure stated by the Minister of Justice and Public Security")):
        fig = ref.get("SLV", year, "prisoners")
        caseload.append(caseload_row(
            "SLV", year, "prisoners_total", fig.value, source="DGCP" if year == 2022 else "MJSP",
            institution="DGCP" if year == 2022 else "MJSP", rule=rule, ref=fig.cite,
            link="corrections", unit="persons", kind="stock",
        ))
    for fig in ref.all("police_operational", "SLV"):
        rule = "operational police officers (PNC data obtained through an access-to-information request)"
        if fig.year == 2017:
            rule += "; as of October 2017"
        caseload.append(caseload_row(
            "SLV", fig.year, "police_officers", fig.value, source="PNC", institution="PNC",
            rule=rule, ref=f"{fig.cite}, note: '{fig.note}'", link="patrol", unit="staff",
            kind="stock",
        ))

    chain = [
        chain_row("SLV", "PEIR2012_PATROL", "patrol", 1.0,
                  "link total published by the World Bank PEIR 2012 (vigilance and police patrolling)",
                  patrol.cite),
        chain_row("SLV", "PEIR2012_PREVENTION", "prevention", 1.0,
                  "link share published by the World Bank PEIR 2012 (prevention)", prev.cite),
        chain_row("SLV", "PEIR2012_CORRECTIONS", "corrections", 1.0,
                  "link share published by the World Bank PEIR 2012 (sentence execution)",
                  corr.cite),
        chain_row("SLV", "PEIR2012_INV_JUD", "unallocated", 1.0,
                  "investigation and judicial combined; split unpublished (World Bank PEIR 2012)",
                  total.cite),
        chain_row("SLV", "FGR", "investigation", 1.0,
                  "whole institution: the prosecution service leads criminal investigation "
                  "and formal indictment; no programme split in the sources",
                  "peir ARCHITECTURE.md chain table (FGR on investigation)"),
        chain_row("SLV", "OJ", "judicial", 1.0,
                  "whole institution on the judicial process; it also funds non-criminal "
                  "courts, whose share is not in the sources, so the judicial link is an "
                  "upper bound",
                  "peir ARCHITECTURE.md chain table (Órgano Judicial on judicial)"),
        chain_row("SLV", "MJSP", "unallocated", 1.0,
                  "ministry (ramo) total: the ramo funds the police and the prisons as well as "
                  "ministry programmes (its 2024 amount exceeds the 2025 PNC and DGCP proposals "
                  "combined); not split by link in the source",
                  mjsp.cite),
        chain_row("SLV", "PNC", "patrol", 1.0,
                  "whole police budget on patrol: no source gives the PNC split between "
                  "patrol, investigation and prevention",
                  "peir ARCHITECTURE.md chain table (PNC mostly patrol); no split published"),
        chain_row("SLV", "DGCP", "corrections", 1.0,
                  "prison service: sentence execution, imprisonment and rehabilitation",
                  "peir ARCHITECTURE.md chain table (DGCP on corrections)"),
        chain_row("SLV", "ANSP", "patrol", 1.0,
                  "police academy: training of police officers, placed with the police on patrol",
                  "peir ARCHITECTURE.md chain table (ANSP training share on patrol)"),
    ]
    context = context_rows(macro, ["SLV"])
    return {"budget": budget, "caseload": caseload, "context": context, "chain_map": chain}


def chain_row(country: str | None, code: str, link: str, share: float, basis: str,
              ref: str) -> dict[str, object]:
    return {"country": country, "institution_code": code, "link": link, "share": share,
            "basis": basis, "source_ref": ref}


# --------------------------------------------------------------------------- Central America
def build_central_america(ref: Reference, macro: Macro) -> dict[str, list[dict[str, object]]]:
    budget: list[dict[str, object]] = []
    for fig in ref.all("sj_spending_pct_gdp"):
        if fig.year != 2010:
            continue
        gdp = macro.value("derived_NY.GDP.MKTP.CN_gdp_current_lcu.csv", fig.country, 2010,
                          "NY.GDP.MKTP.CN_derived_CDxFCRF")
        assert gdp is not None
        amount = round(fig.value * gdp / 100.0, 2)
        budget.append({
            "country": fig.country, "year": 2010, "institution_code": "SJ_TOTAL",
            "institution": "Security and justice sector total (World Bank PEIR 2012 comparison)",
            "phase": "executed", "amount": amount, "currency": CURRENCY[fig.country],
            "source_ref": (
                f"derived: {fig.value:g} % of GDP x GDP 2010 / 100; % of GDP from {fig.cite}; "
                f"GDP (current LCU) = NY.GDP.MKTP.CD x PA.NUS.FCRF, {WDI}"
            ),
        })
    caseload = homicide_rows(ref, [2010, 2011])
    chain = [
        chain_row(None, "SJ_TOTAL", "unallocated", 1.0,
                  "sector total; not split by link in source",
                  "World Bank press release 2013-05-23 (PEIR): security and justice spending "
                  "as % of GDP, 2010"),
    ]
    context = context_rows(macro, ["SLV", *PEERS])
    return {"budget": budget, "caseload": caseload, "context": context, "chain_map": chain}


# --------------------------------------------------------------------------- SOURCES.md
def sources_md(title: str, intro: str, tables: dict[str, list[dict[str, object]]],
               extra: str) -> str:
    out = [f"# {title}: sources", "", intro.strip(), ""]
    out += ["## Every figure", "", "| file | figure | source | note |", "|---|---|---|---|"]
    for r in tables["budget"]:
        fig = (f"{r['country']} {r['year']} {r['institution_code']} {r['phase']} "
               f"{fmt(r['amount'])} {r['currency']}")
        out.append(f"| budget.csv | {md_escape(fig)} | {md_escape(r['source_ref'])} | "
                   f"{md_escape(r.get('program') or '')} |")
    for r in tables["caseload"]:
        fig = f"{r['country']} {r['year']} {r['measure']} = {fmt(r['value'])} ({r['source']})"
        out.append(f"| caseload.csv | {md_escape(fig)} | {md_escape(r['source_ref'])} | "
                   f"{md_escape(r['counting_rule'])} |")
    for r in tables["chain_map"]:
        fig = f"{r['institution_code']} -> {r['link']} x {fmt(r['share'])}"
        out.append(f"| chain_map.csv | {md_escape(fig)} | {md_escape(r['source_ref'])} | "
                   f"{md_escape(r['basis'])} |")
    ctx = tables["context"]
    countries = sorted({str(r["country"]) for r in ctx})
    years = sorted({int(str(r["year"])) for r in ctx})
    out.append(
        f"| context.csv | population, {', '.join(countries)} {years[0]}-{years[-1]} | "
        f"{WDI}, SP.POP.TOTL | population_source = '{POP_SERIES}' |"
    )
    out.append(
        f"| context.csv | gdp_lcu | {WDI}: NY.GDP.MKTP.CD x PA.NUS.FCRF "
        "(peir reference macro/derived_NY.GDP.MKTP.CN_gdp_current_lcu.csv) | exact for SLV "
        "(USD) and PAN (rate 1); for the others equal to WDI's LCU GDP only if the official "
        "rate was used for the US$ series (not checked) |"
    )
    out.append(
        f"| context.csv | gdp_deflator | {WDI}: NY.GDP.DEFL.KD.ZG chained, 2015 = 100 | "
        "within 1.3 % of the 2022-vintage WDI levels for these countries except PAN (2.3 %) "
        "and HND (1.9 %) |"
    )
    out.append(
        f"| context.csv | cpi | {WDI}: FP.CPI.TOTL.ZG chained, 2010 = 100 | equals the WDI "
        "level series to 0.000 % for 2000-2021 |"
    )
    out.append(
        f"| context.csv | fx_lcu_per_usd, ppp_lcu_per_intl | {WDI}: PA.NUS.FCRF, PA.NUS.PPP | "
        "SLV uses the US dollar (rate 1.0 from 2001) |"
    )
    out.append(
        f"| context.csv | gov_expenditure_lcu | {IMF} | general government total expenditure "
        "% GDP x gdp_lcu / 100 (scope 'general'); 2023-2025 (NIC 2022-2025) are WEO "
        "estimates or projections, as each row's source_ref says |"
    )
    out += ["", extra.strip(), ""]
    return "\n".join(out)


ES_INTRO = """
El Salvador security and justice sector, built only from published figures. Each row of
`budget.csv`, `caseload.csv`, `chain_map.csv` and `context.csv` carries its citation in
`source_ref`; caseload rows also name the producing institution (`source`) and the
`counting_rule`. The reference rows cited as `[peir reference el_salvador_figures.csv
line N]` are the project's transcription of the press and World Bank sources named first
in each citation. Nothing here is estimated or imputed: derived figures say how they were
derived.
"""

ES_EXTRA = """
## How the figures are represented

- **2012 PEIR, 2011 spending.** The review published a total (US$612M), the patrol link
  (US$268M, 43.8 %), prevention (3.0 %) and sentence execution (6.9 %). These are four
  executed budget lines at the link level (institution codes `PEIR2012_*`), whose sum is
  exactly US$612M. Investigation and the judicial process were published only together
  (the remaining 46.3 %), so they are ONE line, `PEIR2012_INV_JUD`, which the chain map
  places on `unallocated` with the basis "investigation and judicial combined; split
  unpublished (World Bank PEIR 2012)". It is never split.
- **The PEIR's ratio of 2.8 % of GDP (2011) is not reproduced by the context table:**
  US$612M / WDI GDP 2011 (US$20.28bn, July 2026 vintage) = 3.0 %. The ratio implies a GDP of
  about US$21.9bn, presumably the GDP series of its time (before later national-accounts
  revisions); the GDP the review used is not in the sources at hand.
  The published ratios are kept in `example.yaml` (`published_figures`) for comparison.
- **Institution budgets** are single lines per institution and year (no programme or
  economic split in the sources). Figures reported as "the budget" of an institution are
  recorded as `approved` (the Órgano Judicial's 2025 figure is described as its current
  budget, cited in its 2026 request; it may include modifications); the 2025 proposals of
  PNC, DGCP and ANSP as `proposed`. The FGR's 2016 figure is dated only approximately in
  its source. The MJSP 2024 figure is the ministry's whole ramo, which funds the police and
  the prisons as well as ministry programmes, so the chain map keeps it `unallocated`
  rather than guessing a split; it must not be added to PNC or DGCP figures.
- **PNC is mapped wholly to patrol.** No source at hand gives the police's split between
  patrol, investigation and prevention; the chain map says so in its basis. The Órgano
  Judicial is mapped wholly to the judicial process although it also funds non-criminal
  courts (an upper bound for the link).
- **Homicides 2008-2024.** One row per figure and producing institution. Where the
  forensic institute (IML) and the police (PNC) or other tallies disagree (2010, 2013,
  2014, 2015, 2021, 2022) all values are kept, each with its `source` and
  `counting_rule`. `example.yaml` sets the source priority that picks the headline
  (`source_priority.homicides`: IML first, because it counts victims from autopsies
  independently of police case classification; then the tripartite count, PNC, the
  ministry, and press compilations whose producing institution is not stated). Official
  counts from 2019 exclude deaths in confrontations with security forces (peir
  METHODS.md section 4; the reference notes it for 2022).
- **Homicide rate.** 2015: 6,656 IML victims / 6,183,676 (WDI SP.POP.TOTL) x 100,000 =
  107.6 per 100,000. Rates published with the counts (kept in `published_figures`): 55.3
  (2008), 64.7 (2010, computed by the source with the DIGESTYC population 6,183,002,
  against 6,068,249 in WDI), 81.7 (2016), 2.4 (2023), 1.9 (2024); where they differ from
  count / WDI population, the source used another population series. The context table
  has one population series, named in `population_source`.
- **Prisons.** 2015 total = sentenced 23,068 + unsentenced 6,820 (the source gives the two
  parts). The 2018 capacity is implied by the stated occupancy (39,382 / 3.333) and is
  labelled as such; 2013's is the stated design maximum of 8,000 places. The 2013
  prisoner count excludes about 3,300 people held in police cells. The 2015 source states
  overcrowding above 327 % (no capacity figure), 2018's source 597 prisoners per 100,000.
- **Police.** Operational officers 2015 and 2017 (PNC via an access-to-information request;
  3.6 and 3.3 per 1,000 inhabitants as published). The PEIR's 340 police per 100,000 (2011;
  Panama 512) is a ratio without a count, kept in `published_figures`.
- **Not represented:** the Órgano Judicial's 11,707 posts in 2024 (no measure for total
  posts of all kinds), the 2010 share of the total budget (15 %, regional mean 8.2 %) and
  the 2010 ratio of 2.4 % of GDP (see `central_america`), kept in `published_figures`.
- **2026 kept out of the tables.** The Órgano Judicial's 2026 approved budget (US$369.2M,
  after the constitutional 6 % rule was removed) and its request (US$533.4M) are listed in
  `example.yaml` (`published_figures`, El Mundo; reference line 39) but not in
  `budget.csv`: the WDI and IMF series at hand end in 2025, so a 2026 line could not be
  put in constant prices and would stop `Dataset.harmonize()` with a missing-context error.
"""

CA_INTRO = """
The peer comparison of the World Bank's El Salvador PEIR (2012): security and justice
spending as a percentage of GDP in 2010 for El Salvador and five peers (Guatemala,
Honduras, Costa Rica, Panama, Nicaragua), with macro context for all six, 2001-2025.
"""

CA_EXTRA = """
## How the figures are represented

- **Spending as % of GDP → budget lines.** The source gives only a ratio per country. To
  keep it in the canonical budget table, each ratio becomes one executed line in local
  currency: `amount = pct x gdp_lcu(2010) / 100`, with `institution_code` `SJ_TOTAL` (the
  sector total). The derivation and both sources are in each row's `source_ref`.
  Harmonising and dividing by `gdp_lcu` gives back the published ratio exactly.
- **No link split.** The source does not split the totals by link, so the chain map places
  `SJ_TOTAL` on `unallocated` with the basis "sector total; not split by link in source".
  The sector total is visible, its distribution along the chain is not invented.
- **Homicides.** The references at hand hold homicide counts for El Salvador only; the
  peers' homicide figures are **not** included (none could be cited). El Salvador's 2010
  and 2011 counts are included with the same sources and counting rules as in the
  `el_salvador` example.
- Panama's 512 police per 100,000 (2011, against El Salvador's 340) is a ratio without a
  count and is kept in `example.yaml` (`published_figures`).
"""


def published(ref: Reference, keys: list[tuple[str, int, str]]) -> list[dict[str, object]]:
    """Published ratios and totals, kept for comparison (not table rows)."""
    out: list[dict[str, object]] = []
    for country, year, indicator in keys:
        f = ref.get(country, year, indicator)
        item: dict[str, object] = {
            "country": country, "year": year, "indicator": indicator, "value": f.value,
            "unit": f.unit, "source": f.cite,
        }
        if f.note:
            item["note"] = f.note
        out.append(item)
    return out


def example_yaml(name: str, ref: Reference) -> dict[str, object]:
    files = {"budget": "budget.csv", "caseload": "caseload.csv", "context": "context.csv",
             "chain_map": "chain_map.csv", "sources": "SOURCES.md"}
    measures = {
        "homicides": "IML",
        "prisoners_total": "DGCP",
        "prison_capacity": "DGCP",
        "prisoners_unsentenced": "DGCP",
        "police_officers": "PNC",
    }
    priority: dict[str, list[str]] = {"homicides": HOMICIDE_PRIORITY}
    for m, first in measures.items():
        if m != "homicides":
            priority[m] = [first, "MJSP"] if m == "prisoners_total" else [first]
    if name == "el_salvador":
        return {
            "name": name,
            "title": "El Salvador: security and justice spending, caseload and context "
                     "from public sources",
            "country": "SLV",
            "peers": PEERS,
            "base_year": 2024,
            "currency": "USD",
            "population_source": POP_SERIES,
            "gov_expenditure_scope": "general",
            "files": files,
            "source_priority": priority,
            "published_figures": published(ref, [
                ("SLV", 2011, "sj_spending_pct_gdp"), ("SLV", 2010, "sj_spending_pct_gdp"),
                ("SLV", 2010, "sj_share_of_budget"), ("SLV", 2011, "police_per_100k"),
                ("SLV", 2008, "homicides"), ("SLV", 2010, "homicides"),
                ("SLV", 2016, "homicides"), ("SLV", 2023, "homicides"),
                ("SLV", 2024, "homicides"), ("SLV", 2018, "prisoners"),
                ("SLV", 2015, "prisoners_unsentenced"), ("SLV", 2026, "oj_budget_approved"),
            ]),
            "notes": [
                "Every figure cites its source in source_ref; SOURCES.md lists them all.",
                "The 2012 PEIR's 2011 figures are link-level executed lines (PEIR2012_*). "
                "Investigation and the judicial process are one line on 'unallocated': the "
                "split is unpublished and is never invented.",
                "PNC is mapped wholly to patrol: no source gives its split by link.",
                "MJSP 2024 is the whole ministry (ramo), which funds PNC and DGCP too; kept on "
                "'unallocated'.",
                "Homicide counts disagree between sources; all are kept and source_priority "
                "picks the headline (IML first).",
                "The PEIR's 2.8 % of GDP (2011) implies a GDP of about US$21.9bn; with the WDI "
                "GDP in context.csv the same US$612M is 3.0 % of GDP.",
                "The Órgano Judicial's 2026 budget (approved US$369.2M, request US$533.4M) is "
                "in published_figures only: the context series end in 2025.",
            ],
        }
    return {
        "name": name,
        "title": "Central America: security and justice spending as % of GDP, 2010 "
                 "(World Bank PEIR 2012 peer comparison), with macro context",
        "country": "SLV",
        "peers": PEERS,
        "base_year": 2010,
        "currency": "USD",
        "population_source": POP_SERIES,
        "gov_expenditure_scope": "general",
        "files": files,
        "source_priority": {"homicides": HOMICIDE_PRIORITY},
        "published_figures": published(ref, [
            ("SLV", 2010, "sj_spending_pct_gdp"), ("CRI", 2010, "sj_spending_pct_gdp"),
            ("PAN", 2010, "sj_spending_pct_gdp"), ("NIC", 2010, "sj_spending_pct_gdp"),
            ("HND", 2010, "sj_spending_pct_gdp"), ("GTM", 2010, "sj_spending_pct_gdp"),
            ("SLV", 2010, "sj_share_of_budget"), ("SLV", 2011, "police_per_100k"),
        ]),
        "notes": [
            "Each country's 2010 security and justice spending is one SJ_TOTAL line in local "
            "currency = published % of GDP x WDI GDP / 100; the chain map keeps it on "
            "'unallocated' because the source gives no split by link.",
            "The references hold no peer homicide counts; only El Salvador's are included.",
            "gdp_lcu for GTM, HND, CRI and NIC is WDI GDP in US$ x the official rate.",
        ],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path,
                    default=ROOT.parent / "shared" / "data" / "reference")
    ap.add_argument("--out", type=Path, default=OUT,
                    help="folder to write the examples into (default: the package's)")
    args = ap.parse_args()
    ref = Reference(args.shared / REF_NAME)
    macro = Macro(args.shared / "macro")
    for name, tables, title, intro, extra in (
        ("el_salvador", build_el_salvador(ref, macro), "El Salvador", ES_INTRO, ES_EXTRA),
        ("central_america", build_central_america(ref, macro), "Central America",
         CA_INTRO, CA_EXTRA),
    ):
        d = args.out / name
        d.mkdir(parents=True, exist_ok=True)
        n = {
            "budget": write_csv(d / "budget.csv", BUDGET_COLS, tables["budget"]),
            "caseload": write_csv(d / "caseload.csv", CASELOAD_COLS, tables["caseload"]),
            "context": write_csv(d / "context.csv", CONTEXT_COLS, tables["context"]),
            "chain_map": write_csv(d / "chain_map.csv", CHAIN_COLS, tables["chain_map"]),
        }
        (d / "SOURCES.md").write_text(sources_md(title, intro, tables, extra), "utf-8")
        meta = example_yaml(name, ref)
        (d / "example.yaml").write_text(
            "# Generated by scripts/build_examples.py from the cited reference figures.\n"
            + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=100),
            "utf-8",
        )
        print(name, n)
    unused = [f for f in ref.rows if f.line not in ref.used]
    # (published_figures count as used: they are in example.yaml)
    for f in unused:
        print(f"not used as a table row: line {f.line} {f.country} {f.year} {f.indicator}")


if __name__ == "__main__":
    main()
