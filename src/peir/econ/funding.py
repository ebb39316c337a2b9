"""Funding sources grouped into the classes a review asks about: who finances the sector.

:data:`FUNDING_CLASSES`:

- ``domestic`` — general revenue of the Treasury (and domestic borrowing);
- ``own_revenue`` — revenue the institution raises itself (fees, sales);
- ``external_loan`` — loans from abroad (multilateral banks, bilateral lenders);
- ``external_grant`` — grants from donors;
- ``earmarked`` — revenue assigned by law to a purpose (a security levy, a fund).

A budget's ``funding_source`` either already holds one of these class ids (a reading spec
can recode any country's codes with ``values: {funding_source: {"Recursos Ordinarios":
domestic, ...}}``), or holds national codes for which a crosswalk is shipped: El Salvador's
FUENTE DE FINANCIAMIENTO 1-5 (``crosswalks/SLV_funding.csv``, citing the Ley de Presupuesto
workbooks). Anything else is ``"unmapped"`` and stays visible as such.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import pandas as pd

from peir.econ.crosswalk import UNMAPPED, read_crosswalk_file

__all__ = [
    "FUNDING_CLASSES",
    "FUNDING_NAMES",
    "FUNDING_SCHEMES",
    "funding_class",
    "funding_crosswalk",
]

#: The funding classes, in reporting order.
FUNDING_CLASSES: tuple[str, ...] = (
    "domestic",
    "own_revenue",
    "external_loan",
    "external_grant",
    "earmarked",
)

#: Names of the classes in English and Spanish (plus ``unmapped``).
FUNDING_NAMES: dict[str, tuple[str, str]] = {
    "domestic": ("Domestic (Treasury)", "Recursos internos (Tesoro)"),
    "own_revenue": ("Own revenue", "Recursos propios"),
    "external_loan": ("External loans", "Préstamos externos"),
    "external_grant": ("External grants", "Donaciones externas"),
    "earmarked": ("Earmarked revenue", "Recursos con destino específico"),
    UNMAPPED: ("Not classified", "Sin clasificar"),
}

#: Countries (ISO3) with a shipped funding-source crosswalk.
FUNDING_SCHEMES: tuple[str, ...] = ("SLV",)


@cache
def funding_crosswalk(country: str) -> pd.DataFrame:
    """The shipped funding-source crosswalk of ``country``: ``code, class, name, note``.

    The source is named in ``DataFrame.attrs`` (``classifier``, ``url``).
    """
    c = str(country).upper()
    if c not in FUNDING_SCHEMES:
        return pd.DataFrame(columns=["code", "class", "name", "note"])
    meta, rows = read_crosswalk_file(f"{c}_funding.csv")
    out = pd.DataFrame(rows, columns=["code", "class", "name", "note"]).fillna("")
    out.attrs.update(meta)
    return out


def _code(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return text.lstrip("0") or text


def funding_class(
    values: Iterable[object] | pd.Series, *, country: str | None = None
) -> list[str | None]:
    """The funding class of each ``funding_source`` value.

    Parameters
    ----------
    values
        ``funding_source`` values: class ids already (``"external_loan"``...) or national codes.
    country
        ISO3 code whose shipped crosswalk applies to national codes (see :data:`FUNDING_SCHEMES`).

    Returns
    -------
    list
        A class of :data:`FUNDING_CLASSES`, ``"unmapped"`` for a value neither a class id nor
        in the country's crosswalk, ``None`` for a missing value.

    Examples
    --------
    >>> out = funding_class(["1", "2", "3", "5", "external_grant", "9", None], country="SLV")
    >>> out[:4]
    ['domestic', 'own_revenue', 'external_loan', 'external_grant']
    >>> out[4:]
    ['external_grant', 'unmapped', None]
    """
    series = pd.Series(
        list(values) if not isinstance(values, pd.Series) else values, dtype="object"
    )
    table = funding_crosswalk(country) if country is not None else funding_crosswalk("")
    codes = {_code(c): k for c, k in zip(table["code"], table["class"])}
    out: list[str | None] = []
    cache_: dict[object, str] = {}
    for v in series.tolist():
        if v is None or (isinstance(v, float) and v != v):
            out.append(None)
            continue
        if v not in cache_:
            text = str(v).strip()
            if text in FUNDING_CLASSES:
                cache_[v] = text
            else:
                cache_[v] = codes.get(_code(v), UNMAPPED)
        out.append(cache_[v])
    return out
