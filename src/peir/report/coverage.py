"""Comparable series: which years of spending cover the same institutions, which cover the
whole sector, and where a caseload series changes source.

Spending
    The coverage of a year is its level phase (executed where present, else approved) and the
    set of institutions with lines in that phase. Consecutive data years with the same
    coverage form a *segment*: totals and growth are compared, and lines drawn, only within
    a segment. A year covers the *whole sector* when it has as many institutions as the widest
    year (a year of one or two institutions is partial); the spending level of the brief is
    that of the latest such year. Of those years, the ones whose spending is placed on as many
    categories of the chain (the five links, and ``unallocated`` as one more) as the widest
    give *sector shares by link* (composition, results-matrix baselines); in the others part
    of the spending is placed differently (a ministry not yet split by unit), so their shares
    are not comparable and are not shown as sector shares. The dataset's own coverage
    (``h.meta["coverage"]``: windows ``from``/``to`` with ``links_from``, the first year its
    spending is split by link) overrides this: a year of a window before its ``links_from``
    never gives sector shares, whatever its categories.

Caseload
    A series is broken where its headline source changes (the source is what carries a
    counting rule: the forensic institute's victims, the police's cases, an official count
    that excludes deaths in confrontations...). Changes are computed within one source only,
    and a sentence that spans a break says so.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

import pandas as pd

from peir.dataset import HarmonizedDataset
from peir.schema import C

__all__ = [
    "Coverage",
    "SeriesBreaks",
    "executed_by_link_assumed",
    "runs",
    "source_breaks",
    "spending_coverage",
]

_LEVEL_PHASES = ("executed", "approved")


def runs(keys: dict[int, Hashable]) -> tuple[tuple[int, ...], ...]:
    """Runs of consecutive data years (sorted) with equal keys: ``{2010: a, 2011: a, 2012: b}``
    gives ``((2010, 2011), (2012,))``."""
    out: list[list[int]] = []
    for y in sorted(keys):
        if out and keys[out[-1][-1]] == keys[y]:
            out[-1].append(y)
        else:
            out.append([y])
    return tuple(tuple(r) for r in out)


@dataclass(frozen=True)
class _Segments:
    """Years cut into segments of one comparable series."""

    segments: tuple[tuple[int, ...], ...] = ()

    def segment(self, year: int) -> tuple[int, ...]:
        """The segment holding ``year`` (empty when the series has no value for it)."""
        return next((s for s in self.segments if year in s), ())

    @property
    def breaks(self) -> list[int]:
        """The first year of every segment after the first: where the series changes."""
        return [s[0] for s in self.segments[1:]]

    def same(self, a: int, b: int) -> bool:
        """True when ``a`` and ``b`` are in one segment (comparable)."""
        return bool(self.segment(a)) and self.segment(a) == self.segment(b)


@dataclass(frozen=True)
class Coverage(_Segments):
    """The spending coverage of one country, year by year.

    Attributes
    ----------
    phase
        The level phase of each year.
    institutions
        The institution codes with lines in that phase, per year.
    categories
        The chain categories (links, and ``unallocated``) with spending, per year.
    segments
        Runs of consecutive data years with the same phase and institutions, in order.
    whole
        The years that cover the whole sector (see the module docstring).
    shares
        The years of ``whole`` whose link shares are sector shares.
    links_from
        The first year the dataset's own coverage says its spending is split by link (None
        when it does not say); years before it are not in ``shares``.
    links_note
        That coverage's own words on the link split (``coverage[].links``), or "".
    """

    phase: dict[int, str] = field(default_factory=dict)
    institutions: dict[int, frozenset[str]] = field(default_factory=dict)
    categories: dict[int, frozenset[str]] = field(default_factory=dict)
    whole: frozenset[int] = frozenset()
    shares: frozenset[int] = frozenset()
    links_from: int | None = None
    links_note: str = ""

    @property
    def years(self) -> list[int]:
        return sorted(self.phase)

    def latest_whole(self) -> int | None:
        """The latest year covering the whole sector."""
        return max(self.whole) if self.whole else None


def spending_coverage(h: HarmonizedDataset, country: str) -> Coverage:
    """The :class:`Coverage` of ``country``'s spending in ``h``."""
    s = h.spending
    if s.empty:
        return Coverage()
    s = s[s[C.COUNTRY] == country]
    phase: dict[int, str] = {}
    inst: dict[int, frozenset[str]] = {}
    cats: dict[int, frozenset[str]] = {}
    for y, g in s.groupby(C.YEAR, observed=True):
        present = set(g[C.PHASE].astype(str))
        ph = next((p for p in _LEVEL_PHASES if p in present), None)
        if ph is None:
            continue
        yi = int(str(y))
        g = g[g[C.PHASE].astype(str) == ph]
        phase[yi] = ph
        inst[yi] = (
            frozenset(str(c) for c in g[C.INSTITUTION_CODE].dropna())
            if C.INSTITUTION_CODE in g
            else frozenset()
        )
        by_link = g.groupby(g[C.LINK].astype(str), observed=True)[C.AMOUNT].sum()
        cats[yi] = frozenset(str(k) for k, v in by_link.items() if v > 0)
    years = sorted(phase)
    most = max((len(inst[y]) for y in years), default=0)
    whole = frozenset(y for y in years if len(inst[y]) == most)
    widest = max((len(cats[y]) for y in whole), default=0)
    shares = frozenset(y for y in whole if widest > 0 and len(cats[y]) == widest)
    links_from, note = _links_from(h.meta.get("coverage"), years)
    if links_from is not None:  # the dataset says when its link split starts
        split = [y for y in whole if y >= links_from]
        widest = max((len(cats[y]) for y in split), default=0)
        shares = frozenset(y for y in split if widest > 0 and len(cats[y]) == widest)
    return Coverage(
        segments=runs({y: (phase[y], inst[y]) for y in years}),
        phase=phase,
        institutions=inst,
        categories=cats,
        whole=whole,
        shares=shares,
        links_from=links_from,
        links_note=note,
    )


def executed_by_link_assumed(h: HarmonizedDataset) -> bool:
    """True when the dataset's own coverage says its *executed* split by link is assumed, not
    observed (``coverage[].executed_by_link`` given and not starting with "observed"), for a
    window that overlaps the data's years: an execution rate by link is then the rate of the
    institution, not the link's."""
    windows = h.meta.get("coverage")
    if not isinstance(windows, list) or h.spending.empty:
        return False
    years = pd.to_numeric(h.spending[C.YEAR], errors="coerce").dropna()
    lo_y, hi_y = int(years.min()), int(years.max())
    for w in windows:
        if not isinstance(w, dict) or not w.get("executed_by_link"):
            continue
        lo, hi = w.get("from"), w.get("to")
        if (lo is not None and int(lo) > hi_y) or (hi is not None and int(hi) < lo_y):
            continue
        if not str(w["executed_by_link"]).strip().lower().startswith("observed"):
            return True
    return False


def _links_from(windows: object, years: list[int]) -> tuple[int | None, str]:
    """The ``links_from`` of the dataset's coverage window that holds ``years`` (the latest
    such year when several windows say it), and the window's words on the link split."""
    if not isinstance(windows, list):
        return None, ""
    found: tuple[int | None, str] = (None, "")
    for w in windows:
        if not isinstance(w, dict) or w.get("links_from") is None:
            continue
        lo, hi = w.get("from"), w.get("to")
        if years and (
            (lo is not None and int(lo) > years[-1]) or (hi is not None and int(hi) < years[0])
        ):
            continue
        lf = int(w["links_from"])
        if found[0] is None or lf > found[0]:
            found = (lf, str(w.get("links") or ""))
    return found


@dataclass(frozen=True)
class SeriesBreaks(_Segments):
    """Where one caseload series changes headline source.

    Attributes
    ----------
    source
        The headline source of each year.
    segments
        Runs of consecutive data years with the same source.
    """

    source: dict[int, str] = field(default_factory=dict)

    def spans_break(self, a: int, b: int) -> bool:
        """True when a comparison of ``a`` with ``b`` crosses a change of source."""
        return not self.same(a, b)


def source_breaks(h: HarmonizedDataset, country: str, measure: str) -> SeriesBreaks:
    """The :class:`SeriesBreaks` of ``measure`` (national headline rows) for ``country``."""
    cl = h.headline_caseload()
    if cl.empty or C.MEASURE not in cl:
        return SeriesBreaks()
    d = cl[(cl[C.COUNTRY] == country) & (cl[C.MEASURE].astype(str) == measure)]
    d = d.dropna(subset=[C.VALUE])
    if C.SOURCE not in d:
        d = d.assign(**{C.SOURCE: ""})
    national = (
        d[C.REGION].isna() | (d[C.REGION].astype(str).str.strip() == "")
        if C.REGION in d
        else pd.Series(True, index=d.index)
    )
    source = {
        int(str(y)): str(s) for y, s in zip(d[C.YEAR][national], d[C.SOURCE][national].fillna(""))
    }
    # a year with regions only: its national figure is their sum (caseload_frame), so its
    # source is theirs (several sources joined, so a change of the mix is a break too)
    for y, g in d[~national].groupby(C.YEAR):
        if int(str(y)) not in source:
            source[int(str(y))] = "; ".join(sorted({str(x) for x in g[C.SOURCE].dropna()}))
    source = dict(sorted(source.items()))
    return SeriesBreaks(segments=runs(dict(source)), source=source)
