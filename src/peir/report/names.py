"""Names, not codes: countries in English and Spanish, and the sources a chart draws on.

- :func:`country_name` gives the name of an ISO 3166 alpha-3 code in ``lang`` (the countries of
  the Americas and the usual comparators; any other code is printed as it is).
- :func:`budget_sources` and :func:`caseload_sources` name the publishers of the figures
  actually used, read from the data (``source_ref`` of the budget lines, ``source`` of the
  headline caseload rows, the population series of the context), so a chart's source line reads
  "Source: Ministerio de Hacienda; IML; WDI. Computed with peir." rather than a generic phrase.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from peir.report.i18n import t
from peir.schema import C

__all__ = [
    "COUNTRY_NAMES",
    "budget_sources",
    "caseload_sources",
    "context_sources",
    "country_name",
    "source_label",
]

#: ISO 3166 alpha-3 -> (English, Spanish).
COUNTRY_NAMES: dict[str, tuple[str, str]] = {
    "ARG": ("Argentina", "Argentina"),
    "BHS": ("Bahamas", "Bahamas"),
    "BLZ": ("Belize", "Belice"),
    "BOL": ("Bolivia", "Bolivia"),
    "BRA": ("Brazil", "Brasil"),
    "BRB": ("Barbados", "Barbados"),
    "CAN": ("Canada", "Canadá"),
    "CHL": ("Chile", "Chile"),
    "COL": ("Colombia", "Colombia"),
    "CRI": ("Costa Rica", "Costa Rica"),
    "CUB": ("Cuba", "Cuba"),
    "DOM": ("Dominican Republic", "República Dominicana"),
    "ECU": ("Ecuador", "Ecuador"),
    "ESP": ("Spain", "España"),
    "GTM": ("Guatemala", "Guatemala"),
    "GUY": ("Guyana", "Guyana"),
    "HND": ("Honduras", "Honduras"),
    "HTI": ("Haiti", "Haití"),
    "JAM": ("Jamaica", "Jamaica"),
    "MEX": ("Mexico", "México"),
    "NIC": ("Nicaragua", "Nicaragua"),
    "PAN": ("Panama", "Panamá"),
    "PER": ("Peru", "Perú"),
    "PRI": ("Puerto Rico", "Puerto Rico"),
    "PRT": ("Portugal", "Portugal"),
    "PRY": ("Paraguay", "Paraguay"),
    "SLV": ("El Salvador", "El Salvador"),
    "SUR": ("Suriname", "Surinam"),
    "TTO": ("Trinidad and Tobago", "Trinidad y Tobago"),
    "URY": ("Uruguay", "Uruguay"),
    "USA": ("United States", "Estados Unidos"),
    "VEN": ("Venezuela", "Venezuela"),
    "FRA": ("France", "Francia"),
    "DEU": ("Germany", "Alemania"),
    "GBR": ("United Kingdom", "Reino Unido"),
    "ITA": ("Italy", "Italia"),
    "ZAF": ("South Africa", "Sudáfrica"),
    "PHL": ("Philippines", "Filipinas"),
}


def country_name(code: str, lang: str = "en") -> str:
    """The name of ``code`` (ISO3) in ``lang``; unknown codes are returned as they are."""
    names = COUNTRY_NAMES.get(str(code).upper())
    if names is None:
        return str(code)
    return names[1] if lang == "es" else names[0]


_BRACKETS = re.compile(r"\s*\[[^\]]*\]")
_FILE_LINE = re.compile(r"(?:^|[\\/])([^\\/:]+?)(?:\.[A-Za-z0-9]{2,5})?(?::\d+(?:-\d+)?)?$")


def _publisher(ref: str) -> str:
    """A short publisher from one ``source_ref``: citations in brackets dropped, the first of
    several references kept, "Publisher: path/file.csv line 3" reduced to the publisher, a bare
    file path to its name."""
    text = _BRACKETS.sub("", str(ref)).strip()
    text = re.split(r";|, alternative value", text)[0].strip()
    head, sep, tail = text.partition(": ")
    if sep and re.search(r"[\\/]|\.(csv|xlsx?|txt|parquet)\b|\bline \d", tail):
        text = head
    elif ("/" in text or "\\" in text) and " " not in text:
        m = _FILE_LINE.search(text)
        text = m.group(1) if m else text
    text = re.sub(r"(:\d+(-\d+)?|,? line \d+.*)$", "", text)
    return text[:60].strip(" ,")


def _ranked(
    values: Iterable[str], weights: Iterable[float] | None = None, limit: int = 3
) -> list[str]:
    w = list(weights) if weights is not None else None
    s = pd.Series(w if w is not None else 1.0, index=list(values), dtype=float)
    s = s[[bool(str(k).strip()) for k in s.index]]
    if s.empty:
        return []
    order = s.groupby(level=0).sum().sort_values(ascending=False)
    return [str(k) for k in order.index][:limit]


def budget_sources(spending: pd.DataFrame, limit: int = 3) -> list[str]:
    """Publishers of the budget lines in ``spending``, the largest amounts first."""
    if spending.empty or C.SOURCE_REF not in spending:
        return []
    refs = [_publisher(r) for r in spending[C.SOURCE_REF].fillna("").astype(str)]
    return _ranked(refs, spending[C.AMOUNT].abs().fillna(0.0).astype(float).tolist(), limit)


def caseload_sources(caseload: pd.DataFrame, limit: int = 4) -> list[str]:
    """The headline sources of ``caseload`` rows (most rows first); ``press:X`` is shown as X."""
    if caseload.empty or C.SOURCE not in caseload:
        return []
    src = [re.sub(r"^press:", "", str(s)) for s in caseload[C.SOURCE].fillna("")]
    return _ranked(src, None, limit)


def context_sources(context: pd.DataFrame) -> list[str]:
    """The population series' publisher (its first word, e.g. ``WDI``), if named."""
    if context.empty or C.POPULATION_SOURCE not in context:
        return []
    out = []
    for s in pd.unique(context[C.POPULATION_SOURCE].dropna().astype(str)):
        first = _BRACKETS.sub("", s).split(" (")[0].split(":")[0].strip()
        out.append(first.split()[0] if first.split() and first.split()[0].isupper() else first[:40])
    return list(dict.fromkeys(out))


def source_label(source: str, lang: str = "en") -> str:
    """A caseload source as a reader reads it: ``press:elsalvadorinfo.net`` is
    "elsalvadorinfo.net (press)"; other sources as they are."""
    m = re.match(r"^press:\s*(.+)$", str(source))
    return t("w.press_source", lang, name=m.group(1)) if m else str(source)
