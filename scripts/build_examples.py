"""Build the embedded examples (``src/peir/data/examples/*``) from real and cited public data.

Run from the project root with the shared data present::

    .venv/bin/python scripts/build_examples.py [--data ../shared/data] [--out DIR]

``el_salvador``
    Budget: the Ministerio de Hacienda's own figures as obtained and republished by FUNDE
    (``real/sv_mh_presupuesto_funde``), every file read through :func:`peir.read_budget` with
    the spec shipped in ``specs/sv_mh_presupuesto_funde/``, as a user would read it. The ramo
    file gives approved, modified and executed totals of the five ramos of the sector for
    2008-2020; the budget-law workbooks give the approved 2018-2020 budget (and the proposals
    of 2017, 2019 and 2020) by line of work, rubro and funding source; their unit shares split
    the same year's institution totals along the chain. Caseload, prisons and police: the
    cited press figures of ``reference/el_salvador_figures.csv``. Context: WDI / IMF series in
    ``reference/macro``.
``central_america``
    Judiciary spending, approved and executed, of El Salvador and its Central American peers
    from the World Bank BOOST cross-country file (``real/wb_boost_cross_country_judiciary``),
    read with its shipped spec; the 2012 PEIR's published ratios are kept beside them.

Figures that the reference gives only in its ``note`` column are listed below with the exact
text they come from; the script checks that the note contains that text. Derived values state
their formula in ``source_ref``.

The files written are committed; this script documents and reproduces them. It is not part
of the package.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

import pandas as pd
import yaml

import peir
from peir.schema import C

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
    "country",
    "year",
    "institution_code",
    "institution",
    "program",
    "econ",
    "func",
    "region",
    "funding_source",
    "transfer_to",
    "phase",
    "amount",
    "currency",
    "source_ref",
]
CASELOAD_COLS = [
    "country",
    "year",
    "region",
    "institution_code",
    "link",
    "measure",
    "value",
    "unit",
    "kind",
    "source",
    "counting_rule",
    "source_ref",
]
CONTEXT_COLS = [
    "country",
    "year",
    "population",
    "population_source",
    "gdp_lcu",
    "gdp_deflator",
    "cpi",
    "fx_lcu_per_usd",
    "ppp_lcu_per_intl",
    "gov_expenditure_lcu",
    "gov_expenditure_scope",
    "currency",
    "source_ref",
]
CHAIN_COLS = [
    "country",
    "institution_code",
    "program",
    "func",
    "year_from",
    "year_to",
    "link",
    "share",
    "basis",
    "source_ref",
]

Row = dict[str, object]


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
        hits = [f for f in self.rows if f.indicator == indicator and country in (None, f.country)]
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
                c,
                y,
                "GGX_NGDP_IMF_WEO_Oct2024_actual",
            )
            gx_kind = "actual"
            if pct is None:
                pct = macro.value(
                    "imf_GGX_NGDP_general_govt_expenditure_pct_gdp_via_GMD.csv",
                    c,
                    y,
                    "GGX_NGDP_IMF_WEO_Oct2024_estimate_or_projection",
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
                    c,
                    y,
                    "NY.GDP.DEFL.ZS_derived_2015eq100",
                ),
                "cpi": macro.value(
                    "derived_FP.CPI.TOTL_cpi_2010eq100_chained.csv",
                    c,
                    y,
                    "FP.CPI.TOTL_derived_2010eq100",
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
    (
        2013,
        "IML figure 2513",
        "IML",
        "IML",
        "homicide victims registered by the forensic institute (IML); El Diario de Hoy 2015-01-06",
    ),
    (2014, "IML 3942", "IML", "IML", "homicide victims registered by the forensic institute (IML)"),
    (
        2014,
        "elsalvadorinfo 3921",
        "press:elsalvadorinfo.net",
        "",
        "compilation (elsalvadorinfo.net); producing institution not stated",
    ),
    (2015, "PNC 6657", "PNC", "PNC", "homicides registered by the police (PNC), reported by AP"),
    (
        2015,
        "AFP 6670",
        "press:AFP",
        "",
        "news-agency tally (AFP); producing institution not stated",
    ),
    (
        2021,
        "El Mundo: 1140",
        "press:El Mundo",
        "",
        "as reported by El Mundo; counting rule not stated",
    ),
    (
        2022,
        "El Mundo 569",
        "press:El Mundo",
        "",
        "as reported by El Mundo; counting rule not stated (may include deaths in "
        "confrontations with security forces, which the official count excludes)",
    ),
    (
        2022,
        "Prensa Latina 458",
        "press:Prensa Latina",
        "",
        "as reported by Prensa Latina; counting rule not stated",
    ),
]

# Main homicide figure per year: (source label, institution code, counting rule).
_HOMICIDE_MAIN = {
    2008: (
        "IML-FGR-PNC",
        "",
        "homicide victims, consolidated count of the tripartite table "
        "(IML forensic institute, FGR prosecution, PNC police)",
    ),
    2009: ("IML", "IML", "homicide victims registered by the forensic institute (IML)"),
    2010: ("IML", "IML", "homicide victims registered by the forensic institute (IML)"),
    2011: ("IML", "IML", "homicide victims registered by the forensic institute (coroner figures)"),
    2012: (
        "press:elsalvadorinfo.net",
        "",
        "compilation (elsalvadorinfo.net); producing "
        "institution not stated; year of the gang truce",
    ),
    2013: (
        "press:elsalvadorinfo.net",
        "",
        "compilation (elsalvadorinfo.net); producing institution not stated",
    ),
    2014: ("PNC", "PNC", "homicides registered by the police (PNC)"),
    2015: (
        "IML",
        "IML",
        "homicide victims registered by the forensic institute (IML), table 'Homicidios año 2015'",
    ),
    2016: (
        "press:Prensa Latina",
        "",
        "as reported by Prensa Latina; producing institution not stated",
    ),
    2017: ("PNC", "PNC", "homicides registered by the police (PNC)"),
    2018: ("PNC", "PNC", "homicides registered by the police (PNC)"),
    2019: (
        "press:Canal 12",
        "",
        "as reported by Canal 12 / Prensa Latina; producing "
        "institution not stated; official counts from 2019 exclude deaths in "
        "confrontations with security forces",
    ),
    2020: (
        "press:Canal 12",
        "",
        "as reported by Canal 12 / elsalvadorinfo.net; producing "
        "institution not stated; official counts from 2019 exclude deaths in "
        "confrontations with security forces",
    ),
    2021: (
        "press:Canal 12",
        "",
        "as reported by Canal 12 / elsalvadorinfo.net; producing "
        "institution not stated; official counts from 2019 exclude deaths in "
        "confrontations with security forces",
    ),
    2022: (
        "MJSP",
        "MJSP",
        "official count (Ministry of Justice and Public Security); "
        "excludes deaths in confrontations with security forces",
    ),
    2023: (
        "MJSP",
        "MJSP",
        "official count announced by the Minister of Justice and Public "
        "Security; official counts exclude deaths in confrontations with security forces",
    ),
    2024: (
        "PNC-FGR",
        "",
        "official count (PNC/FGR); official counts exclude deaths in "
        "confrontations with security forces",
    ),
}

#: Homicide source priority: the forensic institute counts victims from autopsies,
#: independently of how the police classify the case (UNODC: victims of intentional
#: homicide); then the tripartite consolidated count, the police, the ministry, and press
#: compilations whose producing institution is not stated.
HOMICIDE_PRIORITY = [
    "IML",
    "IML-FGR-PNC",
    "PNC",
    "PNC-FGR",
    "MJSP",
    "press:Canal 12",
    "press:elsalvadorinfo.net",
    "press:Prensa Latina",
    "press:El Mundo",
    "press:AFP",
]


def caseload_row(
    country: str,
    year: int,
    measure: str,
    value: float,
    *,
    source: str,
    institution: str,
    rule: str,
    ref: str,
    link: str,
    unit: str,
    kind: str,
) -> dict[str, object]:
    return {
        "country": country,
        "year": year,
        "region": None,
        "institution_code": institution or None,
        "link": link,
        "measure": measure,
        "value": value,
        "unit": unit,
        "kind": kind,
        "source": source,
        "counting_rule": rule,
        "source_ref": ref,
    }


def homicide_rows(ref: Reference, years: Iterable[int]) -> list[dict[str, object]]:
    rows = []
    wanted = set(years)
    for fig in ref.all("homicides", "SLV"):
        if fig.year not in wanted:
            continue
        source, inst, rule = _HOMICIDE_MAIN[fig.year]
        rows.append(
            caseload_row(
                "SLV",
                fig.year,
                "homicides",
                fig.value,
                source=source,
                institution=inst,
                rule=rule,
                ref=fig.cite,
                link="patrol",
                unit="victims",
                kind="flow",
            )
        )
        for year, text, alt_source, alt_inst, alt_rule in _HOMICIDE_ALTERNATIVES:
            if year != fig.year:
                continue
            rows.append(
                caseload_row(
                    "SLV",
                    year,
                    "homicides",
                    ref.from_note(fig, text),
                    source=alt_source,
                    institution=alt_inst,
                    rule=alt_rule,
                    ref=f"{fig.cite}, alternative value: '{text}'",
                    link="patrol",
                    unit="victims",
                    kind="flow",
                )
            )
    return rows


# --------------------------------------------------------------------------- El Salvador budget
# Ministerio de Hacienda files obtained and republished by FUNDE (real/sv_mh_presupuesto_funde,
# SOURCE.txt there), each read through peir.read_budget with its spec in specs/.

SV_DIR = "sv_mh_presupuesto_funde"
SV_SPECS = ROOT / "specs" / SV_DIR
MH = "Ministerio de Hacienda via FUNDE"

#: The sector: the five ramos of the general budget that the ramo file gives for every year.
#: The decentralised bodies financed by MJSP (ANSP 2401, UTE 2402, CONAB 2403) are counted at
#: MJSP's transfer lines, because their own spending is not in the ramo file.
SECTOR: dict[str, str] = {
    "1500": "Consejo Nacional de la Judicatura (CNJ)",
    "1600": "Órgano Judicial (Corte Suprema de Justicia)",
    "1700": "Fiscalía General de la República (FGR)",
    "1800": "Procuraduría General de la República (PGR)",
    "2400": "Ministerio de Justicia y Seguridad Pública (MJSP)",
}
SV_YEARS = range(2008, 2021)
#: Short names used in bases and notes.
SHORT = {"1500": "CNJ", "1600": "Órgano Judicial", "1700": "FGR", "1800": "PGR", "2400": "MJSP"}

#: file key -> (file under sv_mh_presupuesto_funde, spec name, sheet, amount column)
SV_FILES: dict[str, tuple[str, str, str | None, str]] = {
    "ramo": ("modificaciones_ramo_2007_2021.csv", "modificaciones_ramo_2007_2021", None, ""),
    "law2018": ("raw/2018_approved.xlsx", "2018_approved", "EGRESOS", "MONTO VOTADO"),
    "law2019": ("raw/2019_approved.xlsx", "2019_approved", "PROYECTO PTO. 2019", "MONTO PROYECTO"),
    "law2020": ("raw/2020_approved.xlsx", "2020_approved", "2020", "MONTO VOTADO"),
    "prop2017": ("raw/2017_proposed.xlsx", "2017_proposed", "Base Gastos 2017", "monto_recome"),
    "prop2019": ("raw/2019_proposed.xlsx", "2019_proposed", "PROYECTO PTO. 2019", "MONTO PROYECTO"),
    "prop2020": (
        "raw/2020_proposed.xlsx",
        "2020_proposed",
        "PROYECTO PTO. 2020",
        "MONTO PROYECTO PRESUPUESTO",
    ),
}
#: The ramo file's column behind each phase.
RAMO_COLUMN = {"approved": "approved", "modified": "modified", "executed": "accrued"}
#: Years whose approved budget comes from the budget-law workbook (by line, rubro and source)
#: instead of the ramo file's institution totals.
LAW_YEARS = {2018: "law2018", 2019: "law2019", 2020: "law2020"}
#: The 2017 proposal is the only detailed budget of 2017. The 2019 proposal equals the 2019
#: budget institution by institution and is not repeated; the 2020 proposal numbers the lines
#: of MJSP's unit 10 differently from the 2020 law (1003 is UTE in one, ANSP in the other), and
#: chain-map rules tell years apart, not phases, so it is left out (see SOURCES.md).
PROPOSAL_YEARS = {2017: "prop2017"}
#: The detailed budget of the same year whose unit shares split its institution totals.
SHARE_SOURCE = {2017: "prop2017", 2018: "law2018", 2019: "law2019", 2020: "law2020"}
SHARE_BASIS = {
    2017: "the 2017 budget proposal (raw/2017_proposed.xlsx; its MJSP total equals the approved "
    "2017 budget of the ramo file to the dollar; no 2017 budget-law workbook is at hand)",
    2018: "the 2018 budget law (raw/2018_approved.xlsx, monto votado)",
    2019: "the 2019 budget (raw/2019_approved.xlsx, approved per FUNDE; its sheet is titled "
    "'proyecto' and its institution totals equal the approved 2019 budget of the ramo file)",
    2020: "the 2020 budget law (raw/2020_approved.xlsx, monto votado)",
}
NAMES_FILE = "raw/Estructura-Presupuestaria-2007-2019.csv"


def _digits(v: object) -> str:
    """An institution code as the files write it (100, '0100', 1600.0) -> 4 digits."""
    s = str(v).strip()
    if s.endswith(".0"):
        s = s[:-2]
    return s.zfill(4) if s.isdigit() else s


def _row_number(ref: str) -> int:
    m = re.search(r"(\d+)\s*$", ref)
    if m is None:
        raise ValueError(f"no row number in source_ref {ref!r}")
    return int(m.group(1))


def _ranges(rows: Iterable[int]) -> str:
    """1, 2, 3, 7, 9, 10 -> '1-3, 7, 9-10'."""
    srt = sorted(set(rows))
    out: list[str] = []
    i = 0
    while i < len(srt):
        j = i
        while j + 1 < len(srt) and srt[j + 1] == srt[j] + 1:
            j += 1
        out.append(str(srt[i]) if i == j else f"{srt[i]}-{srt[j]}")
        i = j + 1
    return ", ".join(out)


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


class SVFiles:
    """The FUNDE / Ministerio de Hacienda files, read through peir with the shipped specs."""

    def __init__(self, real: Path) -> None:
        self.dir = real / SV_DIR
        self.tables: dict[str, peir.BudgetTable] = {}
        self._structure: pd.DataFrame | None = None

    def read(self, key: str, spec_name: str | None = None) -> pd.DataFrame:
        """The accepted lines of file ``key`` (canonical columns), after two checks: the amounts
        read equal accepted + rejected, and no rejected row belongs to the sector."""
        rel, name, _, _ = SV_FILES[key]
        cache = f"{key}:{spec_name or name}"
        if cache not in self.tables:
            spec = peir.ReadSpec.from_yaml(SV_SPECS / f"{spec_name or name}.yaml")
            table = peir.read_budget(self.dir / rel, spec)
            rep = table.report
            if abs(rep.amount_read - rep.amount_accepted - rep.amount_rejected) > 0.005:
                raise RuntimeError(f"{rel}: amounts not conserved: {rep}")
            inst_col = spec.columns["institution_code"]
            rej = table.rejected
            if len(rej) and inst_col in rej.columns:
                bad = rej[rej[inst_col].map(_digits).isin(SECTOR)]
                if len(bad):
                    raise RuntimeError(f"{rel}: rows of the sector rejected:\n{bad.head()}")
            self.tables[cache] = table
        return self.tables[cache].frame

    def label(self, key: str) -> str:
        rel, _, sheet, _ = SV_FILES[key]
        return f"{SV_DIR}/{rel}" + (f" sheet '{sheet}'" if sheet else "")

    def line_names(self, key: str) -> dict[tuple[str, str], str]:
        """(institution, line of work) -> name of the line in file ``key``: the names column
        of the workbook, or for the 2017 proposal (codes only) the 2017 programme structure.
        The workbooks' names are checked against the programme structure where it covers
        the year (2007-2019), so the two cannot disagree on what a code means."""
        names: dict[tuple[str, str], str] = {}
        rel, _, sheet, _ = SV_FILES[key]
        year = int(re.sub(r"\D", "", key))
        structure = self.structure(year)
        if key == "prop2017":
            return structure
        cols = {"law2018": ("INSTITUCION", "LINEA DE TRABAJO", "NOMBRE LINEA DE TRABAJO")}.get(
            key, ("INSTITUCION", "LINEA DE TRABAJO", "NOMB_LINEA DE TRABAJO")
        )
        w = pd.read_excel(self.dir / rel, sheet_name=sheet, dtype=str, usecols=list(cols))
        for r in w[list(cols)].drop_duplicates().itertuples(index=False):
            code = _digits(r[0])
            if code in SECTOR:
                names[(code, str(r[1]).strip().zfill(4))] = " ".join(str(r[2]).split())
        for k, name in names.items():
            if structure and structure.get(k, "").lower() != name.lower():
                raise RuntimeError(
                    f"{rel}: line {k} is {name!r} but {structure.get(k)!r} in "
                    f"the {year} programme structure ({NAMES_FILE})"
                )
        return names

    def structure(self, year: int) -> dict[tuple[str, str], str]:
        """(institution, line of work) -> name in the programme structure of ``year``
        (Estructura-Presupuestaria 2007-2019: a code list without amounts, read with pandas;
        its first line holds Oracle column types, the header is the second)."""
        if self._structure is None:
            est = pd.read_csv(
                self.dir / NAMES_FILE, sep=";", skiprows=[0], dtype=str, encoding="utf-8"
            )
            self._structure = est[est["INSTITUCION"].map(_digits).isin(SECTOR)]
        est = self._structure[self._structure["EJERCICIO"].astype(int) == year]
        return {
            (_digits(r.INSTITUCION), str(r.LINEA_TRABAJO).strip().zfill(4)): " ".join(
                str(r.BD_LINEA_TRABAJO).split()
            )
            for r in est.itertuples(index=False)
        }


def _sector(frame: pd.DataFrame) -> pd.DataFrame:
    f = frame.copy()
    f[C.INSTITUTION_CODE] = f[C.INSTITUTION_CODE].map(_digits)
    return f[f[C.INSTITUTION_CODE].isin(SECTOR)]


def ramo_lines(files: SVFiles) -> list[Row]:
    """Institution totals from the ramo file: approved up to 2017, modified and executed for
    every year of SV_YEARS (the budget-law workbooks give the approved 2018-2020 by line)."""
    f = _sector(files.read("ramo"))
    f = f[f[C.YEAR].isin(SV_YEARS)]
    out: list[Row] = []
    for r in f.itertuples(index=False):
        year, phase, code = int(r.year), str(r.phase), str(r.institution_code)
        if phase == "approved" and year in LAW_YEARS:
            continue
        out.append(
            {
                "country": "SLV",
                "year": year,
                "institution_code": code,
                "institution": SECTOR[code],
                "phase": phase,
                "amount": round(float(r.amount), 2),
                "currency": "USD",
                "source_ref": f"{MH}: {files.label('ramo')} line {_row_number(str(r.source_ref))}, "
                f"column '{RAMO_COLUMN[phase]}'",
            }
        )
    return out


def _with_program_2017(files: SVFiles) -> pd.DataFrame:
    """The 2017 proposal with its 4-character programme code: the file gives the unit and the
    line of work in two columns, read by two specs and joined by source row."""
    unit = files.read("prop2017", "2017_proposed")
    line = files.read("prop2017", "2017_proposed_line")
    if (
        not unit[C.SOURCE_REF]
        .reset_index(drop=True)
        .equals(line[C.SOURCE_REF].reset_index(drop=True))
    ):
        raise RuntimeError("2017 proposal: the two readings do not hold the same rows")
    out = unit.copy()
    out[C.PROGRAM] = (
        unit[C.PROGRAM].astype(str).str.strip().str.zfill(2)
        + line[C.PROGRAM].astype(str).str.strip().str.zfill(2).to_numpy()
    )
    return out


def detailed_frame(files: SVFiles, key: str) -> pd.DataFrame:
    """Sector lines of a budget-law or proposal workbook, aggregated to institution x line of
    work x rubro x funding source (the rubro is the first two digits of the object of
    expenditure), with the source rows of each aggregate."""
    raw = _with_program_2017(files) if key == "prop2017" else files.read(key)
    f = _sector(raw)
    f = f.assign(
        **{
            C.PROGRAM: f[C.PROGRAM].astype(str).str.strip().str.zfill(4),
            C.ECON: f[C.ECON].astype(str).str.strip().str[:2],
            "row": f[C.SOURCE_REF].map(_row_number),
        }
    )
    keys = [C.YEAR, C.INSTITUTION_CODE, C.PROGRAM, C.ECON, C.FUNDING_SOURCE, C.PHASE]
    return (
        f.groupby(keys, sort=True)
        .agg(amount=(C.AMOUNT, lambda s: round(math.fsum(s), 2)), rows=("row", list))
        .reset_index()
    )


#: Recipients of MJSP's transfer lines: the decentralised bodies it finances.
TRANSFER_NAMES = {
    "2401": "Academia Nacional de Seguridad Pública",
    "2402": "Unidad Técnica Ejecutiva",
    "2403": "Consejo Nacional de Administración de Bienes",
}


def detailed_lines(files: SVFiles, key: str) -> list[Row]:
    """Budget lines of a detailed workbook (aggregated), with ``transfer_to`` on MJSP's
    transfers to the decentralised bodies. Lines whose amount is 0.00 are not written."""
    _, _, _, amount_col = SV_FILES[key]
    names = files.line_names(key)
    out: list[Row] = []
    for r in detailed_frame(files, key).itertuples(index=False):
        if r.amount == 0:
            continue
        year, code, prog = int(r.year), str(r.institution_code), str(r.program)
        name = names.get((code, prog))
        if name is None:
            raise RuntimeError(f"{files.label(key)}: no name for line {prog} of {code}")
        transfer = None
        if code == "2400":
            transfer = next((k for k, v in TRANSFER_NAMES.items() if v in name), None)
        out.append(
            {
                "country": "SLV",
                "year": year,
                "institution_code": code,
                "institution": SECTOR[code],
                "program": prog,
                "econ": r.econ,
                "funding_source": r.funding_source,
                "transfer_to": transfer,
                "phase": r.phase,
                "amount": r.amount,
                "currency": "USD",
                "_name": name,
                "source_ref": f"{MH}: {files.label(key)} rows {_ranges(r.rows)} "
                f"({len(r.rows)} rows, column '{amount_col}')",
            }
        )
    return out


# --------------------------------------------------------------------------- El Salvador chain
PNC_BASIS = (
    "Seguridad Pública = the Policía Nacional Civil (unit 05 to 2019, unit 06 from 2020), "
    "wholly on patrol: its budget lines (Dirección y Administración; Eficacia Policial; from "
    "2020 also the Contribución Especial-funded line) do not separate patrol from criminal "
    "investigation, so patrol is an upper bound and investigation a lower bound. Splitting it "
    "needs the PNC's staff or payroll by division (investigation divisions against the rest)"
)
ANSP_BASIS = (
    "transfer to the Academia Nacional de Seguridad Pública (police training), placed with "
    "the police on patrol; counted at MJSP's transfer because ANSP's own accounts are not in "
    "the ramo file (transfer_to = 2401)"
)
UTE_BASIS = (
    "transfer to the Unidad Técnica Ejecutiva del Sector Justicia (sector coordination and "
    "the victim and witness protection programme, which serves investigation and trial "
    "alike); not one link (transfer_to = 2402)"
)
CONAB_BASIS = (
    "transfer to the Consejo Nacional de Administración de Bienes (administration of seized "
    "assets); not a link of the chain (transfer_to = 2403)"
)
ADMIN_BASIS = (
    "ministry administration (unit 01 Dirección y Administración Institucional): overhead of "
    "all the ramo's links; not apportioned"
)

#: MJSP (2400) programme rules: (year_from, year_to, line pattern, link, basis, name pattern).
#: The name pattern is checked against the name of every line the rule covers (programme
#: structure 2017-2019, 2020 budget-law workbook), so a renumbering fails the build.
MJSP_RULES: list[tuple[int, int, str, str, str, str]] = [
    (2017, 2019, "01??", "unallocated", ADMIN_BASIS, r"Direcci|Administraci|Planificaci"),
    (
        2017,
        2019,
        "0201",
        "prevention",
        "violence prevention and citizen participation (unit 02, 'Prevención y Participación "
        "Ciudadana')",
        r"^Prevención y Participación Ciudadana$",
    ),
    (
        2017,
        2019,
        "0202",
        "corrections",
        "'Centros Intermedios' (unit 02): centres for young people serving sentences of the "
        "juvenile criminal law (in unit 08 'Sistema Penal Juvenil' from 2020)",
        r"^Centros Intermedios$",
    ),
    (
        2017,
        2019,
        "0203",
        "unallocated",
        "'Toxicología' (unit 02): its place along the chain is not stated in the budget",
        r"Toxicolog",
    ),
    (
        2017,
        2019,
        "0204",
        "prevention",
        "'Comisión Nacional Antidrogas' (unit 02): drug-policy commission, placed with the "
        "prevention programmes of its unit",
        r"Antidrogas",
    ),
    (
        2017,
        2019,
        "03??",
        "unallocated",
        "unit 03 Justicia e Iniciativas Legislativas (legal technical work, the ILEA "
        "law-enforcement academy, victims' attention): serves several links",
        r".",
    ),
    (
        2017,
        2019,
        "04??",
        "unallocated",
        "unit 04 Registro y Control Migratorio (passports, migration control): outside the chain",
        r"Migratorio",
    ),
    (2017, 2019, "05??", "patrol", PNC_BASIS, r"^(Dirección y Administración|Eficacia Policial)$"),
    (
        2017,
        2019,
        "06??",
        "corrections",
        "unit 06 Administración del Sistema Penitenciario (Dirección General de Centros Penales)",
        r"Reclusión y Rehabilitación",
    ),
    (
        2017,
        2019,
        "07??",
        "patrol",
        "unit 07 Inspectoría General de Seguridad Pública: oversight of the police",
        r"Inspector",
    ),
    (2017, 2018, "0801", "patrol", ANSP_BASIS, r"Academia Nacional de Seguridad Pública"),
    (2017, 2018, "0802", "unallocated", UTE_BASIS, r"Unidad Técnica Ejecutiva"),
    (2017, 2018, "0803", "unallocated", CONAB_BASIS, r"Administración de Bienes"),
    (2019, 2019, "080[12]", "patrol", ANSP_BASIS, r"Academia Nacional de Seguridad Pública"),
    (2019, 2019, "0803", "unallocated", UTE_BASIS, r"Unidad Técnica Ejecutiva"),
    (2019, 2019, "0804", "unallocated", CONAB_BASIS, r"Administración de Bienes"),
    (
        2017,
        2019,
        "09??",
        "patrol",
        "unit 09 Infraestructura Policial: police buildings and equipment",
        r"Reparación",
    ),
    (
        2017,
        2019,
        "10??",
        "corrections",
        "unit 10 Desarrollo del Modelo Penitenciario: prison construction and penitentiary "
        "programmes",
        r"Centros Penales|Penitenciarios",
    ),
    (
        2017,
        2019,
        "11??",
        "unallocated",
        "unit 11 Desarrollo de la Inversión (sector investment; in 2019 also the Plan El "
        "Salvador Seguro programme, which spans prevention, prosecution, rehabilitation and "
        "victims): no split by link in the budget",
        r"Inversión|Plan El Salvador Seguro",
    ),
    # 2020: the units were renumbered (programme structure of the 2020 budget law)
    (2020, 2020, "01??", "unallocated", ADMIN_BASIS, r"Dirección Superior|Financiamiento"),
    (
        2020,
        2020,
        "0201",
        "prevention",
        "crime prevention in the territories (unit 02 Programas Especiales de Prevención)",
        r"^Prevención del Delito en los Territorios$",
    ),
    (
        2020,
        2020,
        "0202",
        "unallocated",
        "'Toxicología' (unit 02): its place along the chain is not stated in the budget",
        r"Toxicolog",
    ),
    (
        2020,
        2020,
        "0203",
        "prevention",
        "'Comisión Nacional Antidrogas' (unit 02): drug-policy commission, placed with the "
        "prevention programmes of its unit",
        r"Antidrogas",
    ),
    (
        2020,
        2020,
        "0204",
        "unallocated",
        "'Equidad, Igualdad y Medio Ambiente' (unit 02): not a link of the chain",
        r"Equidad",
    ),
    (
        2020,
        2020,
        "03??",
        "unallocated",
        "unit 03 Justicia e Iniciativas Legales (legal technical work, international law "
        "enforcement cooperation): serves several links",
        r".",
    ),
    (
        2020,
        2020,
        "04??",
        "unallocated",
        "unit 04 Atención y Control Migratorio: outside the chain",
        r"Migratorio",
    ),
    (
        2020,
        2020,
        "05??",
        "unallocated",
        "unit 05 Atención Integral a Víctimas (victims' centres): serves several links",
        r"Víctimas",
    ),
    (
        2020,
        2020,
        "06??",
        "patrol",
        PNC_BASIS,
        r"^(Dirección y Administración|Eficacia Policial|Financiamiento a la Seguridad Ciudadana y Convivencia-PNC)$",
    ),
    (
        2020,
        2020,
        "07??",
        "corrections",
        "unit 07 Administración del Sistema Penitenciario (Dirección General de Centros Penales)",
        r"Reclusión|DGCP",
    ),
    (
        2020,
        2020,
        "08??",
        "corrections",
        "unit 08 Administración del Sistema Penal Juvenil: rehabilitation and reintegration of "
        "young offenders",
        r"Jóvenes",
    ),
    (
        2020,
        2020,
        "09??",
        "patrol",
        "unit 09 Inspectoría General de Seguridad Pública: oversight of the police",
        r"Inspector",
    ),
    (2020, 2020, "100[123]", "patrol", ANSP_BASIS, r"Academia Nacional de Seguridad Pública"),
    (2020, 2020, "100[45]", "unallocated", UTE_BASIS, r"Unidad Técnica Ejecutiva"),
    (2020, 2020, "100[67]", "unallocated", CONAB_BASIS, r"Administración de Bienes"),
    (
        2020,
        2020,
        "1008",
        "unallocated",
        "transfer to the association 'La Factoría Ciudadana'; its purpose is not stated in the "
        "budget",
        r"Factoría Ciudadana",
    ),
    (
        2020,
        2020,
        "11??",
        "patrol",
        "unit 11 Infraestructura Policial: police buildings and equipment",
        r"Reparación",
    ),
    (
        2020,
        2020,
        "12??",
        "corrections",
        "unit 12 Desarrollo de la Inversión para la Reinserción y Rehabilitación: prison "
        "construction and penitentiary programmes",
        r"Centros Penales|Penitenciarios",
    ),
    (
        2020,
        2020,
        "13??",
        "unallocated",
        "unit 13 Desarrollo de la Inversión para la Justicia y Seguridad Pública (sector "
        "investment and a cooperation programme): no split by link in the budget",
        r"Inversión|Cooperación",
    ),
]
OJ_RULES: list[tuple[int, int, str, str, str, str]] = [
    (
        2017,
        2020,
        "05??",
        "investigation",
        "unit 05 Medicina Legal: the forensic institute (IML), whose autopsies and expert "
        "reports serve criminal investigation",
        r"^(Dirección y Administración|Peritaje)$",
    ),
    (
        2017,
        2020,
        "0[1-4]??",
        "judicial",
        "units 01-04 (administration, legal affairs, the courts, court buildings): the judicial "
        "process; the courts also hear non-criminal cases, so the link is an upper bound",
        r".",
    ),
]
PROGRAM_RULES = {"2400": MJSP_RULES, "1600": OJ_RULES}

#: Whole-institution rules (every year): institution -> (link, basis).
WHOLE_RULES: dict[str, tuple[str, str]] = {
    "1700": (
        "investigation",
        "Fiscalía General de la República: the prosecution service directs criminal "
        "investigation and formal indictment; whole institution (its lines also include "
        "legal action on behalf of the State, a small share)",
    ),
    "1800": (
        "judicial",
        "Procuraduría General de la República: public defence in criminal trials (line "
        "'Defensa de la Libertad Individual', about 30 % of its 2017-2020 budgets) with "
        "family, labour and property defence and mediation; whole institution on the "
        "judicial process, an upper bound for criminal defence",
    ),
    "1500": (
        "judicial",
        "Consejo Nacional de la Judicatura: selection, evaluation and training of judges; "
        "the judicial process",
    ),
}
#: Institution rules for years without a unit split in the files (2008-2016).
DEFAULT_RULES: dict[str, tuple[str, str]] = {
    "1600": (
        "judicial",
        "Órgano Judicial as a whole where the files give no unit split (2008-2016): "
        "Medicina Legal (unit 05; 6.3-6.7 % of the 2017-2020 budgets, on investigation "
        "when the units are known) stays with the courts; the courts also hear "
        "non-criminal cases, so the link is an upper bound",
    ),
    "2400": (
        "unallocated",
        "no unit split in these files for 2008-2016: the ramo funds the police (PNC), "
        "the prisons, prevention programmes and the transfers to ANSP, UTE and CONAB; "
        "the unit split is in each year's Ley de Presupuesto (Ministerio de Hacienda, "
        "Dirección General del Presupuesto)",
    ),
}
STRUCTURE_REF = (
    f"unit and line names: {SV_DIR}/{NAMES_FILE} (2017-2019) and {SV_DIR}/raw/2020_approved.xlsx "
    "(2020); peir ARCHITECTURE.md chain table"
)


def _rule_for(code: str, year: int, prog: str) -> tuple[int, int, str, str, str, str] | None:
    hits = [
        r for r in PROGRAM_RULES.get(code, []) if r[0] <= year <= r[1] and fnmatchcase(prog, r[2])
    ]
    if len(hits) > 1:
        raise RuntimeError(f"{code} {year} line {prog}: several rules {[h[2] for h in hits]}")
    return hits[0] if hits else None


def check_program_rules(budget: list[Row]) -> None:
    """Every detailed line of MJSP and the Órgano Judicial has exactly one programme rule, and
    the line's name fits the rule (so a renumbered unit cannot slip onto the wrong link)."""
    for r in budget:
        code, prog = str(r["institution_code"]), r.get("program")
        if code not in PROGRAM_RULES or not prog:
            continue
        year = int(str(r["year"]))
        rule = _rule_for(code, year, str(prog))
        if rule is None:
            raise RuntimeError(f"{code} {year} line {prog}: no programme rule")
        name = str(r["_name"])
        if not re.search(rule[5], name):
            raise RuntimeError(
                f"{code} {year} line {prog} {name!r} does not fit rule {rule[2]} "
                f"({rule[3]}: {rule[5]!r})"
            )


def year_shares(budget: list[Row], code: str, year: int, phase: str) -> dict[str, float]:
    """Link shares of institution ``code`` in ``year`` from its detailed ``phase`` lines."""
    by_link: dict[str, list[float]] = {}
    for r in budget:
        if (r["institution_code"], r["year"], r["phase"]) != (code, year, phase) or not r.get(
            "program"
        ):
            continue
        rule = _rule_for(code, year, str(r["program"]))
        assert rule is not None
        by_link.setdefault(rule[3], []).append(float(str(r["amount"])))
    total = math.fsum(math.fsum(v) for v in by_link.values())
    return {k: math.fsum(v) / total for k, v in sorted(by_link.items())}


def chain_row(
    country: str | None,
    code: str,
    link: str,
    share: float,
    basis: str,
    ref: str,
    program: str | None = None,
    years: tuple[int, int] | None = None,
) -> Row:
    return {
        "country": country,
        "institution_code": code,
        "program": program,
        "link": link,
        "share": share,
        "basis": basis,
        "source_ref": ref,
        "year_from": years[0] if years else None,
        "year_to": years[1] if years else None,
    }


def sv_chain_map(budget: list[Row]) -> list[Row]:
    rows: list[Row] = []
    for code, (link, basis) in WHOLE_RULES.items():
        rows.append(chain_row("SLV", code, link, 1.0, basis, STRUCTURE_REF))
    for code, (link, basis) in DEFAULT_RULES.items():
        rows.append(chain_row("SLV", code, link, 1.0, basis, STRUCTURE_REF))
    for code, rules in PROGRAM_RULES.items():
        for y0, y1, pattern, link, basis, _ in rules:
            rows.append(
                chain_row(
                    "SLV", code, link, 1.0, basis, STRUCTURE_REF, program=pattern, years=(y0, y1)
                )
            )
    for code in PROGRAM_RULES:
        for year, key in SHARE_SOURCE.items():
            phase = "proposed" if key.startswith("prop") else "approved"
            shares = year_shares(budget, code, year, phase)
            text = ", ".join(f"{k} {_pct(v)}" for k, v in shares.items())
            for link, share in shares.items():
                rows.append(
                    chain_row(
                        "SLV",
                        code,
                        link,
                        share,
                        f"{SHORT[code]} {year}, institution totals (modified and executed"
                        f"{', approved' if year not in LAW_YEARS else ''}): split by the unit shares "
                        f"of {SHARE_BASIS[year]}, with this map's programme rules: {text}",
                        f"computed by scripts/build_examples.py from the {year} {phase} lines of "
                        f"{SHORT[code]} in budget.csv ({SV_DIR}/{SV_FILES[key][0]})",
                        years=(year, year),
                    )
                )
    return rows


# --------------------------------------------------------------------------- El Salvador
def el_salvador_caseload(ref: Reference) -> list[Row]:
    caseload = homicide_rows(ref, range(2008, 2025))
    p13 = ref.get("SLV", 2013, "prison_pop_in_prisons")
    caseload.append(
        caseload_row(
            "SLV",
            2013,
            "prisoners_total",
            p13.value,
            source="DGCP",
            institution="DGCP",
            rule="persons held in the 19 DGCP prisons; excludes about 3,300 held in police cells",
            ref=f"{p13.cite}, note: '{p13.note}'",
            link="corrections",
            unit="persons",
            kind="stock",
        )
    )
    caseload.append(
        caseload_row(
            "SLV",
            2013,
            "prison_capacity",
            ref.from_note(p13, "max 8000"),
            source="DGCP",
            institution="DGCP",
            rule="design capacity of the 19 prisons, stated as a maximum",
            ref=f"{p13.cite}, note: '{p13.note}'",
            link="corrections",
            unit="places",
            kind="stock",
        )
    )
    s15 = ref.get("SLV", 2015, "prisoners_sentenced")
    u15 = ref.get("SLV", 2015, "prisoners_unsentenced")
    caseload.append(
        caseload_row(
            "SLV",
            2015,
            "prisoners_unsentenced",
            u15.value,
            source="DGCP",
            institution="DGCP",
            rule="persons held without a sentence (DGCP)",
            ref=u15.cite,
            link="corrections",
            unit="persons",
            kind="stock",
        )
    )
    caseload.append(
        caseload_row(
            "SLV",
            2015,
            "prisoners_total",
            s15.value + u15.value,
            source="DGCP",
            institution="DGCP",
            rule=f"sentenced ({s15.value:,.0f}) + unsentenced ({u15.value:,.0f}), "
            "the sum of the two DGCP figures",
            ref=f"derived: {s15.cite} + {u15.cite}",
            link="corrections",
            unit="persons",
            kind="stock",
        )
    )
    p18 = ref.get("SLV", 2018, "prisoners")
    caseload.append(
        caseload_row(
            "SLV",
            2018,
            "prisoners_total",
            p18.value,
            source="DGCP",
            institution="DGCP",
            rule="persons held, DGCP figure of February 2018",
            ref=p18.cite,
            link="corrections",
            unit="persons",
            kind="stock",
        )
    )
    occ = ref.from_note(p18, "occupancy 333.3")
    caseload.append(
        caseload_row(
            "SLV",
            2018,
            "prison_capacity",
            float(round(p18.value / (occ / 100))),
            source="DGCP",
            institution="DGCP",
            rule=f"implied capacity: {p18.value:,.0f} prisoners / stated occupancy {occ} %, "
            "rounded; not a published capacity figure",
            ref=f"derived from {p18.cite}, note: '{p18.note}'",
            link="corrections",
            unit="places",
            kind="stock",
        )
    )
    for year, rule in (
        (2022, "official figure, December 2022"),
        (2023, "figure stated by the Minister of Justice and Public Security"),
    ):
        fig = ref.get("SLV", year, "prisoners")
        caseload.append(
            caseload_row(
                "SLV",
                year,
                "prisoners_total",
                fig.value,
                source="DGCP" if year == 2022 else "MJSP",
                institution="DGCP" if year == 2022 else "MJSP",
                rule=rule,
                ref=fig.cite,
                link="corrections",
                unit="persons",
                kind="stock",
            )
        )
    for fig in ref.all("police_operational", "SLV"):
        rule = "operational police officers (PNC data obtained through an access-to-information request)"
        if fig.year == 2017:
            rule += "; as of October 2017"
        caseload.append(
            caseload_row(
                "SLV",
                fig.year,
                "police_officers",
                fig.value,
                source="PNC",
                institution="PNC",
                rule=rule,
                ref=f"{fig.cite}, note: '{fig.note}'",
                link="patrol",
                unit="staff",
                kind="stock",
            )
        )
    return caseload


def build_el_salvador(ref: Reference, macro: Macro, real: Path) -> dict[str, list[Row]]:
    files = SVFiles(real)
    budget = ramo_lines(files)
    for key in (*LAW_YEARS.values(), *PROPOSAL_YEARS.values()):
        budget += detailed_lines(files, key)
    budget.sort(
        key=lambda r: (
            int(str(r["year"])),
            str(r["institution_code"]),
            ["proposed", "approved", "modified", "executed"].index(str(r["phase"])),
            str(r.get("program") or ""),
            str(r.get("econ") or ""),
            str(r.get("funding_source") or ""),
        )
    )
    check_program_rules(budget)
    return {
        "budget": budget,
        "caseload": el_salvador_caseload(ref),
        "context": context_rows(macro, ["SLV"]),
        "chain_map": sv_chain_map(budget),
    }


# --------------------------------------------------------------------------- Central America
BOOST_DIR = "wb_boost_cross_country_judiciary"
BOOST_SPEC = ROOT / "specs" / BOOST_DIR / "budget_execution_central_america.yaml"
BOOST = (
    "World Bank BOOST cross-country data (R package pigographs @97ce6e7, data/budget_execution.rda)"
)
BOOST_TOTAL = "Spending in judiciary"
BOOST_WAGES = "Spending in wages in judiciary"


def boost_lines(real: Path) -> list[Row]:
    """Judiciary approved and executed per country and year, from BOOST: the wage bill as one
    line (econ 'wages') and the rest as another (total minus wages, derived) where BOOST gives
    the wage line; the total as one line where it does not."""
    table = peir.read_budget(real / BOOST_DIR / "budget_execution.csv", BOOST_SPEC)
    rep = table.report
    if abs(rep.amount_read - rep.amount_accepted - rep.amount_rejected) > 0.5:
        raise RuntimeError(f"BOOST: amounts not conserved: {rep}")
    f = table.frame
    label = f"{BOOST_DIR}/budget_execution.csv"
    out: list[Row] = []
    for (country, year, phase), g in f.groupby([C.COUNTRY, C.YEAR, C.PHASE], sort=True):
        tot = g[g[C.FUNC] == BOOST_TOTAL]
        wag = g[g[C.FUNC] == BOOST_WAGES]
        if len(tot) != 1 or len(wag) > 1:
            raise RuntimeError(
                f"BOOST {country} {year} {phase}: {len(tot)} total, {len(wag)} wage rows"
            )
        t = tot.iloc[0]
        total, t_line = float(t[C.AMOUNT]), _row_number(str(t[C.SOURCE_REF]))
        col = f"{phase}_value"
        base: Row = {
            "country": country,
            "year": int(str(year)),
            "institution_code": "JUDICIARY",
            "institution": "Judiciary (BOOST functional aggregate)",
            "func": "judiciary",
            "phase": phase,
            "currency": t[C.CURRENCY],
        }
        if len(wag) == 0:
            out.append(
                {
                    **base,
                    "amount": round(total, 2),
                    "source_ref": f"{BOOST}: {label} line {t_line} ('{BOOST_TOTAL}', column {col})",
                }
            )
            continue
        w = wag.iloc[0]
        wages, w_line = float(w[C.AMOUNT]), _row_number(str(w[C.SOURCE_REF]))
        if not 0 <= wages <= total:
            raise RuntimeError(f"BOOST {country} {year} {phase}: wages {wages} outside 0..{total}")
        out.append(
            {
                **base,
                "econ": "wages",
                "amount": round(wages, 2),
                "source_ref": f"{BOOST}: {label} line {w_line} ('{BOOST_WAGES}', column {col})",
            }
        )
        out.append(
            {
                **base,
                "econ": "non-wage",
                "amount": round(total - wages, 2),
                "source_ref": f"derived: '{BOOST_TOTAL}' (line {t_line}) minus "
                f"'{BOOST_WAGES}' (line {w_line}), column {col}; {BOOST}: {label}",
            }
        )
    return out


def build_central_america(ref: Reference, macro: Macro, real: Path) -> dict[str, list[Row]]:
    budget = boost_lines(real)
    caseload = homicide_rows(ref, [2010, 2011])
    chain = [
        chain_row(
            None,
            "JUDICIARY",
            "judicial",
            1.0,
            "BOOST 'judiciary' (the courts): the judicial process. Which institutions "
            "BOOST tags as judiciary differs by country (some include prosecution or a "
            "ministry of justice); for El Salvador it equals the Órgano Judicial (1600)",
            f"{BOOST}; SOURCE.txt of {BOOST_DIR}",
        ),
    ]
    context = context_rows(macro, ["SLV", *PEERS])
    return {"budget": budget, "caseload": caseload, "context": context, "chain_map": chain}


# --------------------------------------------------------------------------- SOURCES.md
def md_table(header: list[str], rows: Iterable[list[object]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(md_escape(c) for c in r) + " |" for r in rows]
    return out


def _money(v: float) -> str:
    return f"{v:,.2f}"


def _totals(budget: list[Row]) -> pd.DataFrame:
    b = pd.DataFrame(budget)
    return b.groupby([C.YEAR, C.INSTITUTION_CODE, C.PHASE], sort=True)[C.AMOUNT].apply(math.fsum)


def _file_of(ref: str) -> str:
    m = re.search(r"(sv_mh_presupuesto_funde/\S+(?: sheet '[^']+')?)", ref)
    return m.group(1) if m else ref


def caseload_context_md(tables: dict[str, list[Row]]) -> list[str]:
    out = [
        "## Caseload, prisons and police",
        "",
        "Press and official figures transcribed in the project's reference file; each row "
        "names the producing institution (`source`) and its `counting_rule`.",
        "",
    ]
    out += md_table(
        ["file", "figure", "source", "counting rule"],
        (
            [
                "caseload.csv",
                f"{r['country']} {r['year']} {r['measure']} = {fmt(r['value'])} ({r['source']})",
                r["source_ref"],
                r["counting_rule"],
            ]
            for r in tables["caseload"]
        ),
    )
    ctx = tables["context"]
    countries = sorted({str(r["country"]) for r in ctx})
    years = sorted({int(str(r["year"])) for r in ctx})
    out += ["", "## Context", ""]
    out += md_table(
        ["file", "figure", "source", "note"],
        [
            [
                "context.csv",
                f"population, {', '.join(countries)} {years[0]}-{years[-1]}",
                f"{WDI}, SP.POP.TOTL",
                f"population_source = '{POP_SERIES}'",
            ],
            [
                "context.csv",
                "gdp_lcu",
                f"{WDI}: NY.GDP.MKTP.CD x PA.NUS.FCRF (peir reference "
                "macro/derived_NY.GDP.MKTP.CN_gdp_current_lcu.csv)",
                "exact for SLV (USD) and PAN "
                "(rate 1); for the others equal to WDI's LCU GDP only if the official rate was used "
                "for the US$ series (not checked)",
            ],
            [
                "context.csv",
                "gdp_deflator",
                f"{WDI}: NY.GDP.DEFL.KD.ZG chained, 2015 = 100",
                "within 1.3 % of the 2022-vintage WDI levels for these countries except PAN (2.3 %) "
                "and HND (1.9 %)",
            ],
            [
                "context.csv",
                "cpi",
                f"{WDI}: FP.CPI.TOTL.ZG chained, 2010 = 100",
                "equals the WDI level series to 0.000 % for 2000-2021",
            ],
            [
                "context.csv",
                "fx_lcu_per_usd, ppp_lcu_per_intl",
                f"{WDI}: PA.NUS.FCRF, PA.NUS.PPP",
                "SLV uses the US dollar (rate 1.0 from 2001)",
            ],
            [
                "context.csv",
                "gov_expenditure_lcu",
                IMF,
                "general government total expenditure % "
                "GDP x gdp_lcu / 100 (scope 'general'); 2023-2025 (NIC 2022-2025) are WEO estimates "
                "or projections, as each row's source_ref says",
            ],
        ],
    )
    return out


def chain_md(tables: dict[str, list[Row]]) -> list[str]:
    out = [
        "## Chain map",
        "",
        "Each rule places lines of one institution (and, where given, "
        "a line-of-work pattern and years) on a link with a share; the most specific rule "
        "wins (peir.pipeline.chainmap).",
        "",
    ]

    def years(r: Row) -> str:
        y0, y1 = r.get("year_from"), r.get("year_to")
        if y0 is None and y1 is None:
            return "all"
        return str(y0) if y0 == y1 else f"{y0}-{y1}"

    out += md_table(
        ["file", "institution", "lines", "years", "link x share", "basis", "source"],
        (
            [
                "chain_map.csv",
                r["institution_code"],
                r.get("program") or "all",
                years(r),
                f"{r['link']} x {fmt(round(float(str(r['share'])), 6))}",
                r["basis"],
                r["source_ref"],
            ]
            for r in tables["chain_map"]
        ),
    )
    return out


def el_salvador_sources(tables: dict[str, list[Row]], rec: list[Row]) -> str:
    budget = tables["budget"]
    tot = _totals(budget)
    files: dict[tuple[int, str, str], set[str]] = {}
    nlines: dict[tuple[int, str, str], int] = {}
    for r in budget:
        k = (int(str(r["year"])), str(r["institution_code"]), str(r["phase"]))
        files.setdefault(k, set()).add(_file_of(str(r["source_ref"])))
        nlines[k] = nlines.get(k, 0) + 1
    out = ["# El Salvador: sources", "", ES_INTRO.strip(), "", ES_COVERAGE.strip(), ""]
    out += [
        "## Budget totals by year, institution and phase",
        "",
        "Every budget line of `budget.csv` names its file and rows in `source_ref`; their "
        "totals per year, institution and phase are these (US$, nominal).",
        "",
    ]
    out += md_table(
        ["file", "year", "institution", "phase", "amount", "lines", "from"],
        (
            [
                "budget.csv",
                y,
                f"{c} {SHORT[c]}",
                ph,
                _money(float(v)),
                nlines[(y, c, ph)],
                "; ".join(sorted(files[(y, c, ph)])),
            ]
            for (y, c, ph), v in tot.items()
        ),
    )
    out += ["", ES_RULES.strip(), ""]
    out += chain_md(tables)
    out += [
        "",
        "## Reconciliation with the figures published by the 2012 PEIR and the press",
        "",
        "Kept in `example.yaml` (`published_figures`) with the value these files give and "
        "the reason for the difference.",
        "",
    ]
    out += md_table(
        ["figure", "published", "source", "these files", "reason"],
        (
            [
                f"{p['country']} {p['year']} {p['indicator']}",
                f"{fmt(p['value'])} {p['unit']}",
                p["source"],
                p.get("peir_value_text", "–"),
                p.get("reason", "–"),
            ]
            for p in rec
        ),
    )
    out += [""] + caseload_context_md(tables)
    out += ["", ES_NOT_USED.strip(), ""]
    return "\n".join(out)


def central_america_sources(tables: dict[str, list[Row]]) -> str:
    out = ["# Central America: sources", "", CA_INTRO.strip(), ""]
    b = pd.DataFrame(tables["budget"])
    tot = b.groupby([C.COUNTRY, C.YEAR, C.PHASE], sort=True)[C.AMOUNT].apply(math.fsum)
    cur = b.groupby(C.COUNTRY)[C.CURRENCY].first()
    out += [
        "## Judiciary spending by country, year and phase (BOOST)",
        "",
        "Local currency, nominal. Each line's `source_ref` gives the line of "
        "`budget_execution.csv`.",
        "",
    ]
    out += md_table(
        ["file", "country", "year", "phase", "amount", "currency"],
        (["budget.csv", c, y, ph, _money(float(v)), cur[c]] for (c, y, ph), v in tot.items()),
    )
    out += [""] + chain_md(tables) + [""] + caseload_context_md(tables)
    out += ["", CA_EXTRA.strip(), ""]
    return "\n".join(out)


ES_INTRO = """
El Salvador's security and justice sector from the Ministerio de Hacienda's own budget figures.

**Citation.** Fundación Nacional para el Desarrollo (FUNDE) (2021). *Centro de Monitoreo e
Incidencia Fiscal* (CMIF, http://fiscal.funde.org): budget data of the Ministerio de Hacienda
(SAFI / Dirección General del Presupuesto) obtained and republished by FUNDE, partly through
access-to-information requests of its ALAC — the execution 2012-2017 (Resolución
UAIP/RES.0315.2/2019), the 2020 budget law (Resolución UAIP/RES.018.2/2020, request
http://alac.funde.org/requests/5e178c640634d8e44d841e1d), the monthly execution by objeto
específico 2007-2019 (request http://alac.funde.org/requests/5e1e41db0634d8e44d855a37) — and
the Portal de Transparencia Fiscal (programme structure 2007-2019; monthly execution 2020-2021).
Public information of the Ministerio de Hacienda released under the Ley de Acceso a la
Información Pública; FUNDE's condition of use is to cite the source. Files: GitHub fundeIT/cmif
@34a08fe and jailop/cemif @c23926a, as described in `../shared/data/real/sv_mh_presupuesto_funde/
SOURCE.txt`. Nominal US dollars.

Every file was read with `peir.read_budget` and the spec shipped in
`specs/sv_mh_presupuesto_funde/` (see `docs/real_files.md`), by `scripts/build_examples.py`.
Caseload, prisons and police come from cited press and official figures; context from WDI and
the IMF.
"""

ES_COVERAGE = """
## Coverage: what each year holds

| years | institutions | approved | modified, executed | detail | link split |
|---|---|---|---|---|---|
| 2008-2016 | CNJ 1500, Órgano Judicial 1600, FGR 1700, PGR 1800, MJSP 2400 | ramo file | ramo file | institution totals | MJSP on `unallocated`; Órgano Judicial wholly judicial (no unit split in the files) |
| 2017 | same five | ramo file (+ the proposal by line, rubro, source) | ramo file | proposal by line of work, rubro, funding source | unit shares of the 2017 proposal |
| 2018-2020 | same five | budget-law workbook by line, rubro, source | ramo file | approved by line of work, rubro, funding source | unit shares of the same year's budget law |

- **One coverage, 2008-2020.** Every year covers the same five ramos of the general budget
  (Presupuesto General del Estado), from one source for modified and executed (the ramo file),
  so totals and growth compare across all thirteen years. The decentralised bodies that MJSP
  finances — Academia Nacional de Seguridad Pública (ANSP, 2401), Unidad Técnica Ejecutiva del
  Sector Justicia (UTE, 2402), Consejo Nacional de Administración de Bienes (CONAB, 2403) — are
  counted at MJSP's transfer lines (rubros 56 and 62, `transfer_to` set), since their own
  accounts are not in the ramo file; adding them as well would count their money twice.
- **What changes over time is detail, not coverage.** Approved budgets by line of work, rubro
  (scheme SLV) and funding source exist for 2018-2020 (and the 2017 proposal); other years and
  phases are institution totals. `funding_source` holds the ministry's code: 1 Fondo General,
  2 Recursos Propios, 3 Préstamos Externos, 4 Préstamos Internos, 5 Donaciones (the names of
  the workbooks' name columns; `peir.econ.funding_class(..., country="SLV")` groups them). Link shares before 2017 cannot be computed for MJSP (about
  57 % of the sector): it stays `unallocated` there, and composition by link is comparable only
  within 2017-2020.
- **Left out:** 2007 (ramo 2400 was created during the year: approved 0, modified 217.3 M,
  while the Ramo de Gobernación's modified budget fell to 42.2 M of its 201.7 M approved, so
  2007 has neither an approved budget nor the whole year's police and prison spending in ramo
  2400); 2021 (partial year in the ramo file).
"""

ES_RULES = """
## How the budget is placed on the chain

- **Órgano Judicial (1600).** Unit 05 Medicina Legal (the forensic institute) on investigation,
  units 01-04 on the judicial process, where the units are known (2017-2020). The courts also
  hear civil, family and labour cases: the judicial link is an upper bound for criminal justice.
- **FGR (1700)** on investigation; **PGR (1800)** on the judicial process (public defence;
  about 30 % of its budget is the criminal-defence line 'Defensa de la Libertad Individual', the
  rest family, labour and property defence, so an upper bound); **CNJ (1500)** on judicial.
- **MJSP (2400)** by unit and line of work, with the numbering of each year checked against
  the programme structure (units were renumbered in 2020: Seguridad Pública 05 → 06, Centros
  Penales 06 → 07, Apoyo a Instituciones Adscritas 08 → 10, Infraestructura Policial 09 → 11...).
  The police (Seguridad Pública) is wholly on patrol: the budget does not separate its criminal
  investigation divisions, so patrol is an upper bound and investigation a lower bound.
- **Institution totals** (the ramo file's approved 2017, modified and executed 2017-2020) are
  split with the shares that the programme rules give the same year's detailed budget
  (the basis of each share names the file): the executed split is the approved one, an
  assumption stated in every basis, not an observation.
"""

ES_NOT_USED = """
## Files read but not used as budget lines, and why

- `budget_by_institution_2012_2020.csv` (FUNDE's institution file) — **a second cut of the
  same years.** For 2012-2017 it comes from the ministry's file ejecucion_2012-2017.xlsx and
  gives MJSP US$13.6-73.2 M more approved (and FGR up to 5.6 M more) than the ramo file: the
  programme structure lists special units outside the general budget for those years
  (81/82 'Prestación de Servicios', 89 'Fondo Especial de Dineros de Medidas Cautelares o de
  Extinción', 51/52 police and prison 'Medidas Extraordinarias' lines), which the budget
  proposal 2017 and the 2018 law do not hold (the proposal's MJSP total equals the ramo file's
  approved to the dollar). For 2018 both files agree to the cent. Mixing the two would break
  the series at 2017/2018; the ramo file is used throughout. The institution file's
  decentralised bodies (ANSP 2401, UTE 2402, CONAB 2403) are financed by MJSP's transfers,
  counted there.
- `raw/ejecucion_202004-06.xlsx` (SAFI line items) — four months of 2020 (April-July): no
  annual figure can come from it.
- `ppto2021_comparative_2020_2021.csv` — its enacted 2020 equals the 2020 law workbook
  (except PGR: 34,170,632 against the workbook's 34,270,632); the 2021 proposal has no approved
  or executed counterpart here.
- `raw/2019_proposed.xlsx` equals the 2019 budget institution by institution; not repeated.
- `raw/2020_proposed.xlsx` — numbers MJSP's unit-10 lines differently from the 2020 law (line
  1003 is UTE in the proposal, an ANSP line in the law), and a chain map's rules distinguish
  years, not phases; left out. Its sector total is US$897.1 M against 989.2 M approved (MJSP
  474.1 M proposed, 554.7 M approved).
- The ramo file's approved 2018-2020 (institution totals) is replaced by the budget-law
  workbooks; they agree except the Órgano Judicial 2020 (302,221,865 in the ramo file,
  302,250,265 in the law) and PGR 2020 (34,268,825 and 34,270,632).
- Press budget figures of the earlier example (FGR 2013-2016, Órgano Judicial 2017 and 2024-2026,
  MJSP 2024, the 2025 proposals of PNC, DGCP and ANSP) are kept in `published_figures` only.
"""

CA_INTRO = """
Judiciary spending, approved and executed, of El Salvador and its Central American peers, from
the World Bank BOOST cross-country data (as packaged in the R package pigographs of the World
Bank PIDA Data Science Shop, GitHub WB-PIDA-Data-Science-Shop/pigographs @97ce6e7, object
`budget_execution`, converted to CSV; see `../shared/data/real/wb_boost_cross_country_judiciary/
SOURCE.txt`). Upstream: BOOST World Bank Data, https://www.worldbank.org/en/programs/boost-portal.
Read with `peir.read_budget` and `specs/wb_boost_cross_country_judiciary/
budget_execution_central_america.yaml`. Current local currency units. The 2012 PEIR's security
and justice spending ratios (% of GDP, 2010) are kept in `example.yaml` (`published_figures`).
"""

CA_EXTRA = """
## How the figures are represented

- **Judiciary only.** BOOST's security and justice content is the judiciary (courts); there are
  no police or prison lines. Institution code `JUDICIARY` (a functional aggregate), on the
  judicial link. For El Salvador it equals the Órgano Judicial: BOOST's approved 2009-2016
  equals the ramo file's to the dollar; 2019 executed differs (BOOST 255.4 M, ramo file 260.6 M).
- **Wages.** Where BOOST gives 'Spending in wages in judiciary' (El Salvador, Costa Rica,
  Guatemala), the wage bill is one line (`econ` = `wages`) and the rest another (`non-wage`,
  derived: total minus wages, formula in `source_ref`); Honduras and Panama have the total only.
- **Years.** El Salvador 2009-2022, Costa Rica 2007-2022, Panama 2014-2022, Honduras
  2016-2022, Guatemala 2015 only; Nicaragua is not in the file. Costa Rica's executed equals its
  approved in every year of the file (a property of the BOOST data, not of peir).
- **Not comparable with the 2012 PEIR ratios**, which cover the whole security and justice
  sector (2010: El Salvador 2.4 % of GDP, Costa Rica, Panama and Nicaragua 2.3 %, Honduras 2.0 %,
  Guatemala 1.7 %); they stay in `published_figures` as published.
- **Homicides.** El Salvador's 2010 and 2011 counts only, with the same sources and counting
  rules as in the `el_salvador` example; the references hold no peer homicide counts.
"""


# --------------------------------------------------------------------------- example.yaml
def published(ref: Reference, keys: list[tuple[str, int, str]]) -> list[Row]:
    """Published ratios and totals, kept for comparison (not table rows)."""
    out: list[Row] = []
    for country, year, indicator in keys:
        f = ref.get(country, year, indicator)
        item: Row = {
            "country": country,
            "year": year,
            "indicator": indicator,
            "value": f.value,
            "unit": f.unit,
            "source": f.cite,
        }
        if f.note:
            item["note"] = f.note
        out.append(item)
    return out


ES_PUBLISHED = [
    ("SLV", 2011, "sj_spending_total"),
    ("SLV", 2011, "sj_spending_pct_gdp"),
    ("SLV", 2010, "sj_spending_pct_gdp"),
    ("SLV", 2011, "link2_vigilance_patrol"),
    ("SLV", 2011, "link1_prevention_share"),
    ("SLV", 2011, "link5_sentence_execution_share"),
    ("SLV", 2010, "sj_share_of_budget"),
    ("SLV", 2011, "police_per_100k"),
    ("SLV", 2013, "fgr_budget"),
    ("SLV", 2014, "fgr_budget"),
    ("SLV", 2016, "fgr_budget"),
    ("SLV", 2017, "oj_budget"),
    ("SLV", 2024, "oj_budget"),
    ("SLV", 2025, "oj_budget"),
    ("SLV", 2026, "oj_budget_approved"),
    ("SLV", 2025, "fgr_budget"),
    ("SLV", 2024, "mjsp_budget_approved"),
    ("SLV", 2025, "pnc_budget_proposed"),
    ("SLV", 2025, "dgcp_budget_proposed"),
    ("SLV", 2025, "ansp_budget_proposed"),
    ("SLV", 2008, "homicides"),
    ("SLV", 2010, "homicides"),
    ("SLV", 2016, "homicides"),
    ("SLV", 2023, "homicides"),
    ("SLV", 2024, "homicides"),
    ("SLV", 2018, "prisoners"),
    ("SLV", 2015, "prisoners_unsentenced"),
]


def sector_link_shares(budget: list[Row], year: int) -> dict[str, float]:
    """Link shares of the sector's executed spending in ``year`` (2017-2020), with the rules of
    the chain map: whole institutions, and the unit shares of MJSP and the Órgano Judicial."""
    by_link: dict[str, float] = {}
    for r in budget:
        if r["year"] != year or r["phase"] != "executed":
            continue
        code, amount = str(r["institution_code"]), float(str(r["amount"]))
        if code in WHOLE_RULES:
            split = {WHOLE_RULES[code][0]: 1.0}
        else:
            key = SHARE_SOURCE[year]
            split = year_shares(
                budget, code, year, "proposed" if key.startswith("prop") else "approved"
            )
        for link, share in split.items():
            by_link[link] = by_link.get(link, 0.0) + amount * share
    total = math.fsum(by_link.values())
    return {k: v / total for k, v in by_link.items()}


def es_reconciliation(ref: Reference, tables: dict[str, list[Row]]) -> list[Row]:
    """The published figures with the value these files give and the reason they differ."""
    tot = _totals(tables["budget"])
    ctx = {int(str(r["year"])): r for r in tables["context"]}

    def sector(year: int, phase: str) -> float:
        return math.fsum(float(v) for (y, _, ph), v in tot.items() if y == year and ph == phase)

    def inst(year: int, code: str, phase: str) -> float | None:
        v = tot.get((year, code, phase))
        return None if v is None else float(v)

    out = published(ref, ES_PUBLISHED)
    e11, e10 = sector(2011, "executed"), sector(2010, "executed")
    gdp11, gdp10 = float(str(ctx[2011]["gdp_lcu"])), float(str(ctx[2010]["gdp_lcu"]))
    gov10 = float(str(ctx[2010]["gov_expenditure_lcu"]))
    mjsp11 = inst(2011, "2400", "executed") or 0.0
    shares = {y: sector_link_shares(tables["budget"], y) for y in SHARE_SOURCE}
    outside = (
        "outside the years of these files (2008-2020); the Ministerio de Hacienda's "
        "figures for it are not at hand"
    )
    for p in out:
        key = (p["indicator"], p["year"])
        val: float | None = None
        text, reason = "–", outside
        if key == ("sj_spending_total", 2011):
            val = e11 / 1e6
            text = f"{val:,.1f} USD million (executed, five ramos)"
            reason = (
                f"coverage: the five ramos of the general budget executed US${val:,.1f} M "
                f"({100 * (val / float(str(p['value'])) - 1):+.1f} %); the review's list of "
                "institutions and funds is not in the sources at hand (FUNDE's other cut "
                "shows MJSP spending outside the general budget, e.g. US$10.4 M in 2012)"
            )
        elif key == ("sj_spending_pct_gdp", 2011):
            val = 100 * e11 / gdp11
            text = f"{val:.2f} % of GDP"
            reason = (
                f"GDP vintage and coverage: US${e11 / 1e6:,.1f} M / WDI GDP 2011 "
                f"US${gdp11 / 1e9:,.2f} bn (July 2026 vintage); the review's 2.8 % of "
                f"US$612 M implies a GDP of US${612 / 2.8 * 100 / 1e3:,.1f} bn, the series "
                "of its time"
            )
        elif key == ("sj_spending_pct_gdp", 2010):
            val = 100 * e10 / gdp10
            text = f"{val:.2f} % of GDP"
            reason = (
                f"GDP vintage and definition: US${e10 / 1e6:,.1f} M executed / WDI GDP "
                f"2010 US${gdp10 / 1e9:,.2f} bn. The ramo file's sector grows "
                f"{100 * (e11 / e10 - 1):.1f} % in nominal terms from 2010 to 2011 while "
                "the published ratio rises from 2.4 to 2.8 % of GDP: the two published "
                "ratios do not rest on one definition (the 2010 figure is the review's "
                "regional comparison), which the sources at hand do not state"
            )
        elif key == ("sj_share_of_budget", 2010):
            val = 100 * e10 / gov10
            text = f"{val:.1f} % of general government expenditure"
            reason = (
                "denominator: the review's 'total budget' (central government, its "
                "definition not stated) against IMF general government expenditure in "
                "context.csv; and coverage"
            )
        elif key == ("link2_vigilance_patrol", 2011):
            text = f"not split: MJSP executed US${mjsp11 / 1e6:,.1f} M on unallocated"
            lo = min(shares[y]["patrol"] for y in shares)
            hi = max(shares[y]["patrol"] for y in shares)
            reason = (
                "no unit split of MJSP in these files before 2017; the review's patrol "
                "link (the police) is inside MJSP's total. In 2017-2020 patrol is "
                f"{_pct(lo)}-{_pct(hi)} of the sector's executed spending (approved unit "
                "shares; the police's investigation divisions included)"
            )
        elif key in {("link1_prevention_share", 2011), ("link5_sentence_execution_share", 2011)}:
            link = "prevention" if p["indicator"].startswith("link1") else "corrections"
            lo, hi = (min(shares[y][link] for y in shares), max(shares[y][link] for y in shares))
            text = "not split for 2011"
            reason = (
                f"no unit split of MJSP before 2017; in 2017-2020 the {link} link is "
                f"{_pct(lo)}-{_pct(hi)} of the sector's executed spending (approved unit "
                "shares)"
                + (
                    "; the review's prevention link probably includes spending "
                    "outside these five ramos (municipal, social programmes), "
                    "its basis is not in the sources at hand"
                    if link == "prevention"
                    else ""
                )
            )
        elif key == ("police_per_100k", 2011):
            reason = "no 2011 police count in the caseload (2015 and 2017 only)"
        elif p["indicator"] == "fgr_budget" and int(str(p["year"])) <= 2020:
            val = inst(int(str(p["year"])), "1700", "approved")
            text = f"{val:,.2f} USD approved (ramo file)" if val is not None else "–"
            same = val is not None and abs(val - float(str(p["value"]))) < 0.5
            reason = (
                "equal"
                if same
                else "the press dates it only approximately ('desde entonces'); the ramo file "
                "gives 44,575,015 for 2014 and 44,626,045 for 2015"
            )
        elif key == ("oj_budget", 2017):
            val = inst(2017, "1600", "approved")
            text = f"{val:,.2f} USD approved (ramo file)" if val is not None else "–"
            reason = "equal to the precision published (US$265.1 M)"
        elif p["indicator"] in {"homicides", "prisoners", "prisoners_unsentenced"}:
            text, reason = "in caseload.csv", "kept for the rate or ratio published with it"
        if val is not None:
            p["peir_value"] = round(val, 4)
        p["peir_value_text"] = text
        p["reason"] = reason
    return out


# IML (Instituto de Medicina Legal), "Homicidios año 2015", table 1.3: homicides by age and sex
# (6,656 cases; copy at docslib.org/doc/7957052), transcribed for ages 0-83 as age, female,
# male, total (ages without victims are not listed in the table). Female + male = total in every
# row; the 11 victims of undetermined sex and the ages beyond 83 or undetermined are not in the
# transcribed part (6,534 of 6,656 victims). Only ages below 65 carry lost earnings.
IML_2015_BY_AGE = """
0 3 4 7  1 1 0 1  2 0 1 1  3 0 1 1  5 1 0 1  6 3 1 4  9 1 2 3  10 0 3 3  12 2 5 7  13 5 14 19
14 7 44 51  15 12 111 123  16 18 173 191  17 18 300 318  18 17 239 256  19 17 224 241
20 23 281 304  21 14 230 244  22 15 253 268  23 11 241 252  24 19 207 226  25 20 253 273
26 12 139 151  27 14 172 186  28 11 164 175  29 14 133 147  30 15 196 211  31 11 120 131
32 8 172 180  33 12 180 192  34 15 147 162  35 7 196 203  36 14 132 146  37 16 153 169
38 10 136 146  39 10 87 97  40 11 133 144  41 7 78 85  42 15 98 113  43 10 75 85  44 9 63 72
45 12 102 114  46 6 55 61  47 8 66 74  48 9 56 65  49 10 44 54  50 11 47 58  51 7 35 42
52 5 35 40  53 5 19 24  54 8 38 46  55 4 32 36  56 5 22 27  57 3 16 19  58 7 27 34  59 1 23 24
60 5 20 25  61 1 19 20  62 1 15 16  63 1 23 24  64 3 18 21  65 2 24 26  66 0 13 13  67 1 8 9
68 1 9 10  69 0 5 5  70 1 12 13  71 0 1 1  72 2 10 12  73 0 4 4  74 3 3 6  75 1 5 6  76 1 1 2
77 1 2 3  78 0 2 2  79 0 2 2  80 2 2 4  82 0 2 2  83 0 1 1
"""


def iml_2015_victims() -> dict[int, int]:
    """Victims by age from :data:`IML_2015_BY_AGE`, checked (female + male = total)."""
    v = [int(x) for x in IML_2015_BY_AGE.split()]
    rows = [v[i : i + 4] for i in range(0, len(v), 4)]
    assert all(f + m == t for _a, f, m, t in rows), "IML 2015 table: female + male != total"
    return {a: t for a, _f, _m, t in rows}


def el_salvador_outlook() -> Row:
    """The example's ``outlook:`` and ``cost_of_crime:`` blocks (peir.outlook, peir.costs)."""
    victims = iml_2015_victims()
    return {
        "outlook": {"horizon": 5, "inflation": "history", "gdp_real_growth": "history"},
        "cost_of_crime": {
            "year": 2015,
            "victims": victims,
            "victims_source": (
                "IML, 'Homicidios año 2015', table 1.3 by age and sex (docslib.org/doc/7957052); "
                f"ages 0-83 transcribed: {sum(victims.values()):,} of the 6,656 victims (the 11 of "
                "undetermined sex and ages above 83 or undetermined are not in that part)"
            ),
            "earnings": "gdp_per_capita",
            "private_security": {
                "amount": 650_000_000,
                "source": (
                    "El Diario de Hoy 2013-05-22, on the 2012 PEIR: private firms spend US$650 "
                    "million a year on security (a figure of about 2011, not re-estimated for 2015)"
                ),
            },
            "published": {
                "year": 2014,
                "pct_gdp": 6.16,
                "source": (
                    "IDB, Jaitman (ed.) 2017, as reported by El Mundo, 'El enorme costo de la "
                    "violencia en El Salvador' (US$3,134 million in 2014)"
                ),
            },
        },
    }


def el_salvador_yaml(ref: Reference, rec: list[Row]) -> Row:
    files = {
        "budget": "budget.csv",
        "caseload": "caseload.csv",
        "context": "context.csv",
        "chain_map": "chain_map.csv",
        "sources": "SOURCES.md",
    }
    priority: dict[str, list[str]] = {
        "homicides": HOMICIDE_PRIORITY,
        "prisoners_total": ["DGCP", "MJSP"],
        "prison_capacity": ["DGCP"],
        "prisoners_unsentenced": ["DGCP"],
        "police_officers": ["PNC"],
    }
    return {
        "name": "el_salvador",
        "title": "El Salvador: security and justice budget 2008-2020 from the Ministerio de "
        "Hacienda (via FUNDE), with caseload and context from public sources",
        "country": "SLV",
        "peers": PEERS,
        "base_year": 2020,
        "currency": "USD",
        "population_source": POP_SERIES,
        "gov_expenditure_scope": "general",
        "econ_scheme": "SLV",
        "files": files,
        "source_priority": priority,
        "coverage": [
            {
                "from": 2008,
                "to": 2020,
                "institutions": list(SECTOR),
                "label": "the five ramos of the sector in the general budget (CNJ, Órgano "
                "Judicial, FGR, PGR, MJSP with its transfers to ANSP, UTE and CONAB)",
                "phases": {
                    "approved": "ramo file 2008-2017; budget-law workbooks 2018-2020",
                    "modified": "ramo file",
                    "executed": "ramo file",
                    "proposed": "2017 proposal workbook",
                },
                "detail": "by line of work, rubro and funding source: approved 2018-2020 and "
                "proposed 2017; institution totals otherwise",
                "links": "unit split 2017-2020 (MJSP, Órgano Judicial); 2008-2016 MJSP on "
                "unallocated and the Órgano Judicial wholly on judicial",
                "links_from": 2017,
                "executed_by_link": "assumed, not observed: institution totals split by the "
                "approved unit shares of the same year (2017-2020), so the "
                "execution rate of every link of one institution is that "
                "institution's rate",
            }
        ],
        "data_requests": ES_DATA_REQUESTS,
        "published_figures": [{k: v for k, v in p.items() if k != "peir_value_text"} for p in rec],
        **el_salvador_outlook(),
        "notes": [
            "Budget: Ministerio de Hacienda figures via FUNDE, read with peir.read_budget and "
            "the specs in specs/sv_mh_presupuesto_funde/; every line names its file and rows.",
            "One coverage 2008-2020: the five ramos of the general budget; ANSP, UTE and CONAB "
            "are counted at MJSP's transfers to them (transfer_to).",
            "MJSP and the Órgano Judicial are split by unit only for 2017-2020 (institution "
            "totals by the same year's budget-law unit shares); before 2017 MJSP is "
            "unallocated.",
            "PNC is wholly on patrol: the budget does not separate its investigation divisions.",
            "econ holds the national rubro (scheme SLV: 51 remuneraciones, 54 bienes y "
            "servicios, 55 gastos financieros, 56 transferencias corrientes, 61 inversiones, "
            "62 transferencias de capital), for approved 2018-2020 and proposed 2017 only.",
            "Homicide counts disagree between sources; all are kept and source_priority picks "
            "the headline (IML first).",
        ],
    }


ES_DATA_REQUESTS: list[Row] = [
    {
        "need": "executed budget by unit and line of work (MJSP, Órgano Judicial), 2008-2020",
        "from": "Ministerio de Hacienda, Dirección General de Contabilidad Gubernamental / DINAFI "
        "(SAFI execution by estructura presupuestaria)",
        "why": "the executed split by link now assumes the approved unit shares (2017-2020) or "
        "is missing (2008-2016)",
    },
    {
        "need": "Ley de Presupuesto by unidad presupuestaria and línea de trabajo, 2008-2016",
        "from": "Ministerio de Hacienda, Dirección General del Presupuesto (Portal de "
        "Transparencia Fiscal)",
        "why": "MJSP (about 57 % of the sector) is unallocated before 2017",
    },
    {
        "need": "executed budget by rubro / objeto específico, 2008-2020",
        "from": "Ministerio de Hacienda (SAFI); FUNDE holds the monthly execution by objeto "
        "específico 2007-2019 (ALAC request 5e1e41db0634d8e44d855a37)",
        "why": "economic composition and PEFA PI-2.2 need executed by economic class",
    },
    {
        "need": "PNC staff and payroll by division (investigation divisions against patrol and "
        "the rest)",
        "from": "Policía Nacional Civil (Subdirección de Administración) / MJSP",
        "why": "to split the police between patrol and investigation (all on patrol now)",
    },
    {
        "need": "own execution of ANSP, UTE and CONAB and the special funds outside the general "
        "budget (Fondo de Actividades Especiales, Contribución Especial para la Seguridad "
        "Ciudadana, Fondo Especial de medidas cautelares)",
        "from": "Ministerio de Hacienda (DGP) and the institutions",
        "why": "to count spending where it is spent and to cover all funds (FUNDE's other cut "
        "shows up to US$73 M more for MJSP in 2012-2017)",
    },
    {
        "need": "municipal and social-sector prevention spending",
        "from": "municipalities (ISDEM, COMURES), Ministerio de Hacienda (transfers), PREPAZ",
        "why": "the review's prevention link (3.0 % in 2011) is not visible in these ramos",
    },
]


def central_america_yaml(ref: Reference) -> Row:
    files = {
        "budget": "budget.csv",
        "caseload": "caseload.csv",
        "context": "context.csv",
        "chain_map": "chain_map.csv",
        "sources": "SOURCES.md",
    }
    return {
        "name": "central_america",
        "title": "Central America: judiciary spending, approved and executed (World Bank "
        "BOOST), with the 2012 PEIR's sector ratios and macro context",
        "country": "SLV",
        "peers": PEERS,
        "base_year": 2020,
        "currency": "USD",
        "population_source": POP_SERIES,
        "gov_expenditure_scope": "general",
        "econ_scheme": "BOOST",
        "files": files,
        "source_priority": {"homicides": HOMICIDE_PRIORITY},
        "coverage": [
            {
                "from": 2007,
                "to": 2022,
                "institutions": ["JUDICIARY"],
                "label": "judiciary (BOOST functional aggregate: the courts)",
                "phases": {"approved": "BOOST approved_value", "executed": "BOOST executed_value"},
                "detail": "wages and the rest where BOOST gives the wage line (SLV, CRI, GTM)",
                "links": "judicial only",
            }
        ],
        "published_figures": published(
            ref,
            [
                ("SLV", 2010, "sj_spending_pct_gdp"),
                ("CRI", 2010, "sj_spending_pct_gdp"),
                ("PAN", 2010, "sj_spending_pct_gdp"),
                ("NIC", 2010, "sj_spending_pct_gdp"),
                ("HND", 2010, "sj_spending_pct_gdp"),
                ("GTM", 2010, "sj_spending_pct_gdp"),
                ("SLV", 2010, "sj_share_of_budget"),
                ("SLV", 2011, "police_per_100k"),
            ],
        ),
        "notes": [
            "Budget: World Bank BOOST judiciary lines (approved, executed), local currency; "
            "judiciary only, not the whole security and justice sector.",
            "The 2012 PEIR's 2010 sector ratios (% of GDP) are in published_figures; they are "
            "not comparable with judiciary spending.",
            "Nicaragua is not in the BOOST file; Guatemala has 2015 only.",
            "The references hold no peer homicide counts; only El Salvador's are included.",
            "gdp_lcu for GTM, HND, CRI and NIC is WDI GDP in US$ x the official rate.",
        ],
    }


def write_yaml(path: Path, meta: Row, what: str) -> None:
    path.write_text(
        f"# Generated by scripts/build_examples.py from {what}.\n"
        + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=100),
        "utf-8",
    )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--data",
        type=Path,
        default=ROOT.parent / "shared" / "data",
        help="the shared data folder (with reference/ and real/)",
    )
    ap.add_argument(
        "--out",
        type=Path,
        default=OUT,
        help="folder to write the examples into (default: the package's)",
    )
    ap.add_argument("--only", choices=["el_salvador", "central_america"], default=None)
    args = ap.parse_args()
    ref = Reference(args.data / "reference" / REF_NAME)
    macro = Macro(args.data / "reference" / "macro")
    real = args.data / "real"
    for name in ("el_salvador", "central_america"):
        if args.only and name != args.only:
            continue
        d = args.out / name
        d.mkdir(parents=True, exist_ok=True)
        if name == "el_salvador":
            tables = build_el_salvador(ref, macro, real)
            rec = es_reconciliation(ref, tables)
            sources, meta = el_salvador_sources(tables, rec), el_salvador_yaml(ref, rec)
            what = "the Ministerio de Hacienda files (via FUNDE) and the cited reference figures"
        else:
            tables = build_central_america(ref, macro, real)
            sources, meta = central_america_sources(tables), central_america_yaml(ref)
            what = "the World Bank BOOST file and the cited reference figures"
        n = {
            "budget": write_csv(d / "budget.csv", BUDGET_COLS, tables["budget"]),
            "caseload": write_csv(d / "caseload.csv", CASELOAD_COLS, tables["caseload"]),
            "context": write_csv(d / "context.csv", CONTEXT_COLS, tables["context"]),
            "chain_map": write_csv(d / "chain_map.csv", CHAIN_COLS, tables["chain_map"]),
        }
        (d / "SOURCES.md").write_text(sources, "utf-8")
        write_yaml(d / "example.yaml", meta, what)
        print(name, n)


if __name__ == "__main__":
    main()
