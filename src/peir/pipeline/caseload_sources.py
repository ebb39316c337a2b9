"""Several sources for one caseload measure: the headline, the alternatives, the discrepancies.

The forensic institute and the police count homicides differently (docs/methodology.md §4). All the
figures are kept; for each ``(country, year, region, measure)`` one *source* is the headline
(``headline=True``) and the others are alternatives (``headline=False``).

Priority rule
-------------
``source_priority`` maps a measure to its sources in order of preference, e.g.
``{"homicides": ["IML", "PNC"]}``; the key ``"*"`` applies to measures not named. Sources not
listed rank after the listed ones. Without a priority (or for unlisted sources) the order is
that of first appearance in the caseload table. All rows of the top-ranked source in a group
are headline (several institutions of one source add up).

Discrepancies
-------------
For each group with more than one source, one row per alternative source:
``diff_abs = value − headline_value`` and ``diff_pct = diff_abs / headline_value × 100``
(NaN when the headline value is 0), with the source totals of the group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from peir.chain import MEASURES
from peir.schema import C

__all__ = ["DISCREPANCY_COLUMNS", "GROUP_COLUMNS", "pick_headline"]

#: A caseload figure is identified by these columns; sources within a group are alternatives.
GROUP_COLUMNS: tuple[str, ...] = (C.COUNTRY, C.YEAR, C.REGION, C.MEASURE)

#: Columns of ``HarmonizedDataset.discrepancies``.
DISCREPANCY_COLUMNS: tuple[str, ...] = (
    *GROUP_COLUMNS,
    "headline_source",
    "headline_value",
    C.SOURCE,
    C.VALUE,
    "diff_abs",
    "diff_pct",
)

_NO_SOURCE = "(no source)"


def _empty_discrepancies() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype="str") for c in DISCREPANCY_COLUMNS})
    for c in ("headline_value", C.VALUE, "diff_abs", "diff_pct"):
        out[c] = out[c].astype(float)
    out[C.YEAR] = out[C.YEAR].astype(np.int64)
    return out


def pick_headline(
    caseload: pd.DataFrame,
    source_priority: Mapping[str, Sequence[str]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mark the headline source of every caseload figure and tabulate where sources differ.

    Parameters
    ----------
    caseload
        Canonical caseload rows.
    source_priority
        Measure → sources in order of preference (``"*"`` for any other measure).

    Returns
    -------
    caseload : DataFrame
        The input rows (none dropped) with ``link`` filled from the measure vocabulary where
        blank, ``headline`` (bool) and ``source_rank`` (0 = preferred), sorted by
        country, year, region, measure, rank.
    discrepancies : DataFrame
        :data:`DISCREPANCY_COLUMNS`, one row per alternative source of a multi-source figure.
    """
    if caseload is None or len(caseload) == 0:
        empty = pd.DataFrame(caseload).copy() if caseload is not None else pd.DataFrame()
        empty[C.HEADLINE] = pd.Series(dtype=bool)
        return empty, _empty_discrepancies()
    cl = caseload.copy().reset_index(drop=True)
    for col in (C.REGION, C.SOURCE, C.LINK, C.INSTITUTION_CODE):
        if col not in cl.columns:
            cl[col] = pd.Series([None] * len(cl), dtype="str")
    vocab = cl[C.MEASURE].map(lambda m: MEASURES[m].link.value if m in MEASURES else None)
    cl[C.LINK] = cl[C.LINK].astype("str").where(cl[C.LINK].notna(), vocab.astype("str"))
    src = cl[C.SOURCE].astype("str").fillna(_NO_SOURCE)
    # default order: first appearance in the table
    first_seen = {s: i for i, s in reversed(list(enumerate(src.tolist())))}
    prio = dict(source_priority or {})
    default_list = list(prio.get("*", []))

    def rank(measure: str, source: str) -> int:
        listed = list(prio.get(measure, default_list))
        if source in listed:
            return listed.index(source)
        return len(listed) + first_seen[source]

    pairs = pd.DataFrame({"m": cl[C.MEASURE].astype("str"), "s": src}).drop_duplicates()
    rmap = {(m, s): rank(m, s) for m, s in zip(pairs["m"], pairs["s"])}
    cl["source_rank"] = [rmap[(m, s)] for m, s in zip(cl[C.MEASURE].astype("str"), src)]
    gkeys = list(GROUP_COLUMNS)
    best = cl.groupby(gkeys, dropna=False)["source_rank"].transform("min")
    cl[C.HEADLINE] = (cl["source_rank"] == best).to_numpy(dtype=bool)
    # dense rank within each group (0 = headline)
    cl["source_rank"] = (
        cl.groupby(gkeys, dropna=False)["source_rank"].rank(method="dense").astype(np.int64) - 1
    )
    cl = cl.sort_values([*gkeys, "source_rank"], kind="stable", na_position="last").reset_index(
        drop=True
    )

    tot = cl.assign(_src=cl[C.SOURCE].astype("str").fillna(_NO_SOURCE))
    per_src = tot.groupby([*gkeys, "_src", "source_rank"], dropna=False, as_index=False)[
        C.VALUE
    ].sum()
    nsrc = per_src.groupby(gkeys, dropna=False)["_src"].transform("nunique")
    multi = per_src[nsrc > 1]
    if multi.empty:
        return cl, _empty_discrepancies()
    head = multi[multi["source_rank"] == 0][[*gkeys, "_src", C.VALUE]].rename(
        columns={"_src": "headline_source", C.VALUE: "headline_value"}
    )
    alt = multi[multi["source_rank"] > 0].rename(columns={"_src": C.SOURCE})
    disc = alt.merge(head, on=gkeys, how="left")
    disc["diff_abs"] = disc[C.VALUE] - disc["headline_value"]
    hv = disc["headline_value"].where(disc["headline_value"] != 0)
    disc["diff_pct"] = disc["diff_abs"] / hv * 100.0
    disc = disc[list(DISCREPANCY_COLUMNS)].reset_index(drop=True)
    return cl, disc
