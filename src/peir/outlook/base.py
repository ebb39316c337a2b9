"""The base of a forward look: one country-year of harmonised spending, checked for coverage.

Both the medium-term projection (:func:`peir.outlook.project`) and the cost of crime
(:func:`peir.costs.cost_of_crime`) start from what a country spent in one year. A base that
silently misses an institution, or holds a few months of an execution export, understates
every figure built on it; so :func:`base_spending` refuses such a base with a
:class:`~peir.errors.PeirError` that says what is missing and which years would serve.

Economic classes follow the GFS 2014 classification of expense (21 compensation of
employees, 22 use of goods and services, 24 interest, 25 subsidies, 26 grants, 27 social
benefits, 28 other expense) and of transactions in assets and liabilities (31 non-financial
assets, 32 financial assets, 33 liabilities). The class of a line is read from the
harmonised ``econ_gfs`` column where the data has one; otherwise from ``econ`` only where
``econ`` already holds a two-digit GFS code. National codes (El Salvador's rubros 51, 54, 61…,
Mexico's capítulos 1000…) are not guessed: such lines count as ``other``, and the base says
how much of it that is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from peir.chain import CHAIN_LINKS, Link
from peir.errors import InputError, MissingContextError, PeirError
from peir.schema import C

if TYPE_CHECKING:  # pragma: no cover
    from peir.dataset import HarmonizedDataset

__all__ = [
    "ECON_GFS",
    "GFS_CLASSES",
    "LINK_ORDER",
    "OTHER",
    "PARTIAL_YEAR_RATIO",
    "Base",
    "base_spending",
    "gdp_of",
    "gfs_class",
    "short_source",
    "sound_base_year",
]

#: Column of harmonised spending holding the GFS 2014 economic class (when the data has it).
ECON_GFS = "econ_gfs"

#: Position of each link in chain order (``unallocated`` last), for sorting outputs.
LINK_ORDER: dict[str, int] = {lk.value: i for i, lk in enumerate((*CHAIN_LINKS, Link.UNALLOCATED))}

#: The class given to lines without a recognised GFS class.
OTHER = "other"

#: GFS 2014 economic classes (two-digit level) and their names.
GFS_CLASSES: dict[str, str] = {
    "21": "compensation of employees",
    "22": "use of goods and services",
    "24": "interest",
    "25": "subsidies",
    "26": "grants",
    "27": "social benefits",
    "28": "other expense",
    "31": "net acquisition of non-financial assets",
    "32": "net acquisition of financial assets",
    "33": "net incurrence of liabilities",
}

#: Spending of the institutions a base year shares with its neighbour below this fraction of
#: the neighbour's is refused as a probable partial year (e.g. a few months of an export).
PARTIAL_YEAR_RATIO = 0.5

_PARTIAL = "partial coverage accepted"
_GFS_PREFIX = re.compile(r"^\s*(2[1-8]|3[1-3])")
_GFS_EXACT = re.compile(r"^\s*(2[1-8]|3[1-3])\s*$")


def gfs_class(spending: pd.DataFrame) -> tuple[pd.Series, str]:
    """The GFS class of each line (``"21"``, ``"22"`` … or :data:`OTHER`) and how it was read.

    From ``econ_gfs`` when the column has values (a code's first two digits, e.g. ``"2111"`` →
    ``"21"``); otherwise from ``econ`` where it is exactly a two-digit GFS code. Everything
    else is :data:`OTHER`.
    """
    if ECON_GFS in spending.columns and bool(spending[ECON_GFS].notna().any()):
        raw = spending[ECON_GFS].astype("object")
        codes = raw.where(raw.notna(), "").astype(str).str.extract(_GFS_PREFIX, expand=False)
        how = f"economic class from the harmonised '{ECON_GFS}' column (GFS 2014)"
    elif C.ECON in spending.columns:
        raw = spending[C.ECON].astype("object")
        text = raw.where(raw.notna(), "").astype(str)
        codes = text.str.extract(_GFS_EXACT, expand=False)
        how = (
            f"economic class from '{C.ECON}' where it holds a two-digit GFS 2014 code "
            f"({', '.join(GFS_CLASSES)}); national codes are not mapped (until the data has "
            f"'{ECON_GFS}') and count as '{OTHER}'"
        )
    else:
        codes = pd.Series(np.nan, index=spending.index, dtype="object")
        how = f"the data has no economic classification: every line counts as '{OTHER}'"
    return codes.fillna(OTHER).astype(str), how


@dataclass(frozen=True)
class Base:
    """Spending of one country-year and phase by link and GFS class, with its checks.

    Attributes
    ----------
    frame
        ``link, econ_gfs, amount`` (nominal, in :attr:`currency`), one row per pair.
    lines
        Budget lines read.
    institutions
        Institution codes with spending in the base.
    econ_note
        How the economic class was read, and the share of the base without a GFS class.
    coverage_note
        What the coverage check compared (or that it was overridden).
    unallocated_share
        Share (0–1) of the base on ``unallocated``.
    partial
        True when a partial coverage was accepted (``allow_partial=True``).
    compared_with
        The neighbouring years the coverage was compared with (empty: no other year).
    source_refs
        A few ``source_ref`` values of the base lines (provenance).
    """

    country: str
    year: int
    phase: str
    currency: str
    frame: pd.DataFrame
    lines: int
    institutions: tuple[str, ...]
    econ_note: str
    coverage_note: str
    unallocated_share: float
    source_refs: tuple[str, ...]
    partial: bool = False
    compared_with: tuple[int, ...] = ()

    @property
    def total(self) -> float:
        return float(self.frame[C.AMOUNT].sum())

    def by_link(self) -> pd.Series:
        """Base amount per link, in chain order (``unallocated`` last)."""
        s = self.frame.groupby(C.LINK)[C.AMOUNT].sum()
        return s.iloc[np.argsort([LINK_ORDER.get(str(k), 99) for k in s.index], kind="stable")]


def _nonzero_institutions(s: pd.DataFrame) -> dict[int, set[str]]:
    live = s[pd.to_numeric(s[C.AMOUNT], errors="coerce").fillna(0.0) != 0]
    out: dict[int, set[str]] = {}
    for y, g in live.groupby(C.YEAR, observed=True):
        out[int(str(y))] = {str(c) for c in g[C.INSTITUTION_CODE].dropna().astype(str)}
    return out


def _neighbours(inst: dict[int, set[str]], year: int) -> list[int]:
    """The nearest earlier and later years with spending."""
    earlier = [y for y in inst if y < year]
    later = [y for y in inst if y > year]
    return ([max(earlier)] if earlier else []) + ([min(later)] if later else [])


def _coverage(s: pd.DataFrame, *, country: str, year: int, phase: str, allow_partial: bool) -> str:
    """Refuse a base year that lacks institutions its neighbours have, or is part of a year."""
    inst = _nonzero_institutions(s)
    here = inst.get(year, set())
    neighbours = _neighbours(inst, year)
    if not neighbours:
        return (
            f"{phase} spending of {country} exists only for {year}: institutional coverage "
            f"could not be compared with another year ({len(here)} institutions: "
            f"{', '.join(sorted(here))})"
        )
    problems: list[str] = []
    for ny in neighbours:
        missing = sorted(inst[ny] - here)
        if missing:
            verb = "has" if len(missing) == 1 else "have"
            problems.append(
                f"{', '.join(missing)}, with {phase} spending in {ny}, {verb} none in {year}"
            )
    amounts = pd.to_numeric(s[C.AMOUNT], errors="coerce").fillna(0.0)
    for ny in neighbours:
        shared = sorted(inst[ny] & here)
        if not shared:
            continue
        on = s[C.INSTITUTION_CODE].astype(str).isin(shared)
        a_here = float(amounts[on & (s[C.YEAR] == year)].sum())
        a_there = float(amounts[on & (s[C.YEAR] == ny)].sum())
        if a_there > 0 and a_here < PARTIAL_YEAR_RATIO * a_there:
            problems.append(
                f"the institutions present in both {year} and {ny} spent {a_here:,.0f} in "
                f"{year} against {a_there:,.0f} in {ny} (below {PARTIAL_YEAR_RATIO:.0%}): "
                f"{year} looks like part of a year (e.g. some months of an execution export)"
            )
    compared = f"compared with {' and '.join(map(str, neighbours))}"
    if not problems:
        return (
            f"institutional coverage of {year} ({len(here)} institutions) {compared}: "
            f"no institution missing, no partial year"
        )
    text = "; ".join(problems)
    if allow_partial:
        return f"{_PARTIAL} (allow_partial=True), {compared}: {text}"
    others = sorted((y for y in inst if y != year), key=lambda y: (-len(inst[y]), -y))[:8]
    listing = "; ".join(f"{y}: {', '.join(sorted(inst[y]))}" for y in others)
    raise PeirError(
        f"{year} is not a sound base for {country} ({phase}): {text}. A base with partial "
        f"coverage would understate every figure built on it. Other years of {phase} "
        f"spending and their institutions ({listing}). Choose a year that covers the sector, "
        f"or pass allow_partial=True to use only what {year} holds."
    )


def base_spending(
    h: HarmonizedDataset,
    *,
    country: str,
    year: int,
    phase: str = "executed",
    allow_partial: bool = False,
) -> Base:
    """Spending of ``country`` in ``year`` (``phase``) by link and GFS class, checked.

    Raises
    ------
    PeirError
        When the country has no ``phase`` spending in ``year`` (the message lists the years
        and phases that exist), or when the year's coverage looks partial: an institution
        with spending in the nearest earlier or later year of the same phase has none in
        ``year``, or the institutions present in both spent less than
        :data:`PARTIAL_YEAR_RATIO` of the neighbour's amount. ``allow_partial=True``
        accepts such a base and records it in :attr:`Base.coverage_note`.
    """
    s = h.spending
    if s is None or s.empty or C.COUNTRY not in s.columns:
        raise PeirError("the harmonised data has no spending")
    s = s[s[C.COUNTRY].astype(str) == country]
    if s.empty:
        raise PeirError(
            f"the harmonised data has no spending for {country}; countries: "
            f"{', '.join(sorted(map(str, h.spending[C.COUNTRY].dropna().unique())))}"
        )
    years = pd.to_numeric(s[C.YEAR]).astype(int)
    s = s.assign(**{C.YEAR: years.to_numpy()})
    sp = s[s[C.PHASE].astype(str) == phase]
    if not (sp[C.YEAR] == year).any():
        have = sorted(int(y) for y in sp[C.YEAR].unique())
        in_year = sorted(str(p) for p in s.loc[s[C.YEAR] == year, C.PHASE].astype(str).unique())
        raise PeirError(
            f"{country} has no {phase} spending in {year}. Years with {phase} spending: "
            f"{', '.join(map(str, have)) or 'none'}"
            + (f"; phases present in {year}: {', '.join(in_year)}" if in_year else "")
        )
    note = _coverage(sp, country=country, year=year, phase=phase, allow_partial=allow_partial)
    lines = sp[sp[C.YEAR] == year]
    gfs, how = gfs_class(lines)
    amount = pd.to_numeric(lines[C.AMOUNT], errors="coerce")
    if amount.isna().any():
        raise InputError(
            f"{int(amount.isna().sum())} {phase} line(s) of {country} {year} have no amount; "
            f"first source_ref: {lines.loc[amount.isna(), C.SOURCE_REF].astype(str).iloc[0]}"
        )
    frame = (
        pd.DataFrame(
            {
                C.LINK: lines[C.LINK].astype(str).to_numpy(),
                ECON_GFS: gfs.to_numpy(),
                C.AMOUNT: amount.to_numpy(dtype=float),
            }
        )
        .groupby([C.LINK, ECON_GFS], sort=True)[C.AMOUNT]
        .sum()
        .reset_index()
    )
    total = float(frame[C.AMOUNT].sum())
    other = float(frame.loc[frame[ECON_GFS] == OTHER, C.AMOUNT].sum())
    share_other = other / total if total else 0.0
    econ_note = f"{how}; {share_other:.1%} of the base has no GFS class ('{OTHER}')"
    unalloc = float(frame.loc[frame[C.LINK] == "unallocated", C.AMOUNT].sum())
    live = frame.groupby(C.LINK)[C.AMOUNT].sum()
    on_chain = [lk.value for lk in CHAIN_LINKS if float(live.get(lk.value, 0.0)) != 0.0]
    note += (
        f"; links with spending: {', '.join(on_chain) or 'none'} ({len(on_chain)} of "
        f"{len(CHAIN_LINKS)})"
        + (f", {unalloc / total:.1%} unallocated" if unalloc and total else "")
    )
    refs = (
        tuple(str(r) for r in pd.unique(lines[C.SOURCE_REF].astype(str))[:3])
        if C.SOURCE_REF in lines
        else ()
    )
    return Base(
        country=country,
        year=int(year),
        phase=phase,
        currency=str(h.currency),
        frame=frame,
        lines=len(lines),
        institutions=tuple(
            sorted({str(c) for c in lines[C.INSTITUTION_CODE].dropna().astype(str)})
        ),
        econ_note=econ_note,
        coverage_note=note,
        unallocated_share=unalloc / total if total else 0.0,
        source_refs=refs,
        partial=note.startswith(_PARTIAL),
        compared_with=tuple(_neighbours(_nonzero_institutions(sp), int(year))),
    )


def gdp_of(h: HarmonizedDataset, *, country: str, year: int) -> tuple[float, str]:
    """GDP of ``country`` in ``year`` in the currency of the harmonised spending, and its source.

    The source reads ``context gdp_lcu SLV 2015 — <the context row's source_ref>``; the part
    before `` — `` is a short label (:func:`short_source`).

    The context gives GDP in local currency (``gdp_lcu``). Spending converted to another
    currency carries its conversion in the ratio ``amount / amount_lcu`` of that country-year's
    lines (one rate per country-year); GDP is converted by the same ratio, so that shares of
    GDP do not depend on the currency chosen.
    """
    ctx = h.context
    if ctx is None or ctx.empty or C.GDP_LCU not in ctx.columns:
        raise MissingContextError(f"the context has no GDP ({C.GDP_LCU}) for {country} {year}")
    rows = ctx[(ctx[C.COUNTRY].astype(str) == country) & (pd.to_numeric(ctx[C.YEAR]) == year)]
    if C.REGION in rows.columns:
        rows = rows[rows[C.REGION].isna()]
    gdp = (
        pd.to_numeric(rows[C.GDP_LCU], errors="coerce").dropna()
        if not rows.empty
        else pd.Series(dtype=float)
    )
    if gdp.empty or not float(gdp.iloc[-1]) > 0:
        raise MissingContextError(f"the context has no GDP ({C.GDP_LCU}) for {country} {year}")
    value = float(gdp.iloc[-1])
    src = ""
    if C.SOURCE_REF in rows.columns:
        src = str(rows[C.SOURCE_REF].iloc[-1])
    source = f"context {C.GDP_LCU} {country} {year}" + (f" — {src}" if src and src != "nan" else "")
    s = h.spending
    sel = s[(s[C.COUNTRY].astype(str) == country) & (pd.to_numeric(s[C.YEAR]) == year)]
    if C.AMOUNT_LCU in sel.columns and not sel.empty:
        lcu = pd.to_numeric(sel[C.AMOUNT_LCU], errors="coerce").to_numpy(dtype=float)
        cur = pd.to_numeric(sel[C.AMOUNT], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(lcu) & np.isfinite(cur) & (lcu != 0)
        if ok.any():
            ratio = cur[ok] / lcu[ok]
            if np.ptp(ratio) > 1e-9 * max(1.0, float(np.abs(ratio).max())):
                raise InputError(
                    f"the spending of {country} {year} was converted at more than one rate "
                    f"(amount / amount_lcu from {ratio.min():.6g} to {ratio.max():.6g}); GDP "
                    f"cannot be put in the same currency"
                )
            k = float(ratio[0])
            if abs(k - 1.0) > 1e-12:
                value *= k
                source += f", converted to {h.currency} at {k:.6g} per unit of local currency"
    return value, source


def sound_base_year(
    h: HarmonizedDataset, *, country: str, phase: str = "executed", through: int | None = None
) -> int:
    """The latest year (up to ``through``) whose ``phase`` spending passes :func:`base_spending`.

    Raises
    ------
    PeirError
        When no year qualifies; the message gives each year's reason.
    """
    s = h.spending
    if s is None or s.empty:
        raise PeirError("the harmonised data has no spending")
    sel = s[(s[C.COUNTRY].astype(str) == country) & (s[C.PHASE].astype(str) == phase)]
    years = sorted({int(y) for y in pd.to_numeric(sel[C.YEAR])}, reverse=True)
    if through is not None:
        years = [y for y in years if y <= through]
    reasons: list[str] = []
    for y in years:
        try:
            base_spending(h, country=country, year=y, phase=phase)
        except PeirError as exc:
            reasons.append(f"{y}: {exc}")
            continue
        return y
    raise PeirError(
        f"no year of {phase} spending of {country} is a sound base"
        + (f" up to {through}" if through is not None else "")
        + (": " + " | ".join(reasons) if reasons else " (there is none)")
    )


def short_source(source: str) -> str:
    """The label of a source before its full reference (``"a — b"`` → ``"a"``)."""
    return source.split(" — ", 1)[0]
