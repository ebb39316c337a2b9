"""Who finances the sector: spending by funding class (PER practice).

Each harmonised line's ``funding_source`` is grouped into a class of
:data:`peir.econ.FUNDING_CLASSES` by :func:`peir.econ.funding_class` (the value itself when a
reading spec already recoded it to a class id; El Salvador's FUENTE DE FINANCIAMIENTO 1-5
through the shipped crosswalk; ``unmapped`` otherwise). The aggregates of
:func:`funding_totals`, per country-year (and per link or institution), in the level phase:

- ``funding_<class>`` (``funding_domestic`` ... ``funding_earmarked``): spending financed by
  that class; 0 when the group has funding sources but none of the class, NaN when it has no
  ``funding_source`` at all;
- ``funding_unclassified``: spending whose source maps to no class (or has no source) in a
  group that has sources.
"""

from __future__ import annotations

from functools import partial

import pandas as pd

from peir.econ import FUNDING_CLASSES, UNMAPPED, funding_class
from peir.indicators import formulas as F
from peir.indicators._base import Frame, Indicator, make_indicator
from peir.schema import C

__all__ = ["FUNDING_COLUMNS", "INDICATORS", "funding_classes", "funding_split", "funding_totals"]

#: Every column :func:`funding_totals` adds.
FUNDING_COLUMNS: tuple[str, ...] = (
    *(f"funding_{c}" for c in FUNDING_CLASSES),
    "funding_unclassified",
)


def funding_classes(spending: pd.DataFrame) -> pd.Series:
    """The funding class of each spending row (``None`` where the row has no source).

    Classes are looked up once per distinct (country, funding_source) pair.
    """
    if C.FUNDING_SOURCE not in spending.columns or spending.empty:
        return pd.Series(None, index=spending.index, dtype="object")
    src = spending[C.FUNDING_SOURCE].astype("object")
    pairs = (
        pd.DataFrame({"c": spending[C.COUNTRY].astype(str), "s": src}).dropna().drop_duplicates()
    )
    lookup: dict[tuple[str, object], str | None] = {}
    for country, g in pairs.groupby("c", sort=False):
        values = g["s"].tolist()
        for v, k in zip(values, funding_class(values, country=str(country))):
            lookup[(str(country), v)] = k
    keys = zip(spending[C.COUNTRY].astype(str), src)
    return pd.Series(
        [lookup.get(k) if k[1] is not None and k[1] == k[1] else None for k in keys],
        index=spending.index,
        dtype="object",
    )


def funding_totals(level: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Level-phase spending by funding class and ``by`` (see the module docstring)."""
    keys = [level[k] for k in by]
    out = pd.DataFrame(index=level.groupby(keys, observed=True).size().index)
    cls = funding_classes(level)
    has = cls.notna()
    known = has.groupby(keys, observed=True).any().reindex(out.index, fill_value=False)
    amount = level[C.AMOUNT]
    everything = amount.groupby(keys, observed=True).sum(min_count=1).reindex(out.index)
    classified = pd.Series(0.0, index=out.index)
    for c in FUNDING_CLASSES:
        v = amount.where(cls == c).groupby(keys, observed=True).sum(min_count=1)
        v = v.reindex(out.index).fillna(0.0)
        classified = classified + v
        out[f"funding_{c}"] = v.where(known)
    out["funding_unclassified"] = (everything - classified).where(known)
    return out


def funding_split(spending: pd.DataFrame, *, phase: str | None = None) -> pd.DataFrame:
    """Spending by country, year and funding class, with the share of the year's total.

    Parameters
    ----------
    spending
        Harmonised spending (``HarmonizedDataset.spending``).
    phase
        The phase to split (``None``: every phase, as a column).

    Returns
    -------
    DataFrame
        ``country, year, phase, funding_class, amount, share`` (share in %, of the
        country-year-phase total); ``funding_class`` is ``unmapped`` for sources no crosswalk
        or recoding classifies, and rows without a source are left out of nothing: they count
        as ``unmapped`` too.
    """
    s = spending if phase is None else spending[spending[C.PHASE].astype(str) == phase]
    cols = [C.COUNTRY, C.YEAR, C.PHASE, "funding_class", C.AMOUNT, "share"]
    if s.empty:
        return pd.DataFrame(columns=cols)
    cls = funding_classes(s).fillna(UNMAPPED)
    key = [s[C.COUNTRY].astype(str), s[C.YEAR].astype(int), s[C.PHASE].astype(str)]
    g = (
        s[C.AMOUNT]
        .groupby([*key, cls.rename("funding_class")], observed=True)
        .sum()
        .rename(C.AMOUNT)
    )
    out = g.reset_index()
    out.columns = [C.COUNTRY, C.YEAR, C.PHASE, "funding_class", C.AMOUNT]
    total = out.groupby([C.COUNTRY, C.YEAR, C.PHASE])[C.AMOUNT].transform("sum")
    out["share"] = F.share(out[C.AMOUNT], total)
    order = {c: i for i, c in enumerate((*FUNDING_CLASSES, UNMAPPED))}
    out["_o"] = out["funding_class"].map(order)
    return (
        out.sort_values([C.COUNTRY, C.YEAR, C.PHASE, "_o"])
        .drop(columns="_o")
        .reset_index(drop=True)[cols]
    )


_f = partial(make_indicator, phase_note=True)


def _external(d: pd.DataFrame) -> pd.Series:
    out: pd.Series = F.share(
        d["funding_external_loan"] + d["funding_external_grant"], d["spending"]
    )
    return out


_EXT = ("funding_external_loan", "funding_external_grant", "spending")
_OWN = ("funding_own_revenue", "spending")
_WHERE = {"main": "", "link": " by link", "institution": " by institution"}
_WHERE_ES = {"main": "", "link": " por eslabón", "institution": " por institución"}
_SUFFIX = {"main": "", "link": "_link", "institution": "_institution"}
_FRAMES: tuple[Frame, ...] = ("main", "link", "institution")

INDICATORS: list[Indicator] = [
    *(
        _f(
            f"external_financing_share{_SUFFIX[fr]}",
            f"Externally financed share of spending{_WHERE[fr]}",
            f"Participación del financiamiento externo en el gasto{_WHERE_ES[fr]}",
            "%",
            "(Σ amount[external loans] + Σ amount[external grants]) ÷ spending × 100",
            "Share of spending financed by external loans and grants (funding_source through "
            "peir.econ.funding_class). Externally financed lines stop when the project or the "
            "loan ends: a high share is a risk to the continuity of the service.",
            _EXT,
            _external,
            frame=fr,
        )
        for fr in _FRAMES
    ),
    *(
        _f(
            f"own_revenue_share{_SUFFIX[fr]}",
            f"Own-revenue share of spending{_WHERE[fr]}",
            f"Participación de los recursos propios en el gasto{_WHERE_ES[fr]}",
            "%",
            "Σ amount[own revenue] ÷ spending × 100",
            "Share of spending financed by revenue the institutions raise themselves (fees, "
            "sales, recursos propios).",
            _OWN,
            lambda d: F.share(d["funding_own_revenue"], d["spending"]),
            frame=fr,
        )
        for fr in _FRAMES
    ),
    _f(
        "funding_unclassified_share",
        "Spending without a funding class",
        "Gasto sin clase de financiamiento",
        "%",
        "Σ amount[funding source not classified] ÷ spending × 100",
        "Share of spending whose funding source maps to no class (no shipped crosswalk for the "
        "country and no recoding to domestic, own_revenue, external_loan, external_grant or "
        "earmarked in the reading spec).",
        ("funding_unclassified", "spending"),
        lambda d: F.share(d["funding_unclassified"], d["spending"]),
    ),
]
