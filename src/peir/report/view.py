"""What a brief may show: the data as of a year, and caseload counts with small cells suppressed.

- :func:`as_of` keeps the rows of a :class:`~peir.dataset.HarmonizedDataset` up to a year
  (spending, caseload, context, transfers, discrepancies, gaps, personnel), so a brief "as of 2012" uses
  only what was known for 2012 and before.
- :func:`suppress_small_counts` blanks every caseload value below ``n`` (non-zero counts of
  1 to n − 1: a handful of cases can identify people), before any indicator is computed, so no
  output can show or re-derive them; the number blanked is returned for the annex.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from peir.dataset import HarmonizedDataset
from peir.schema import C

__all__ = ["as_of", "suppress_small_counts"]


def _upto(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    if frame.empty or C.YEAR not in frame:
        return frame
    y = pd.to_numeric(frame[C.YEAR], errors="coerce")
    return frame[y <= year].reset_index(drop=True)


def as_of(h: HarmonizedDataset, year: int) -> HarmonizedDataset:
    """``h`` restricted to years up to ``year`` (the provenance records ``as_of``)."""
    return replace(
        h,
        spending=_upto(h.spending, year),
        caseload=_upto(h.caseload, year),
        context=_upto(h.context, year),
        transfers=_upto(h.transfers, year),
        discrepancies=_upto(h.discrepancies, year),
        gaps=_upto(h.gaps, year),
        personnel=_upto(h.personnel, year),
        provenance={**h.provenance, "as_of": int(year)},
    )


def suppress_small_counts(h: HarmonizedDataset, n: int) -> tuple[HarmonizedDataset, int]:
    """``h`` with caseload values ``0 < v < n`` blanked (NaN), and how many were blanked.

    Source discrepancies (the alternative counts) are blanked by the same rule.
    """
    if n <= 1 or h.caseload.empty:
        return h, 0
    cl = h.caseload.copy()
    v = pd.to_numeric(cl[C.VALUE], errors="coerce")
    small = (v > 0) & (v < n)
    cl.loc[small, C.VALUE] = np.nan
    disc = h.discrepancies.copy()
    for col in disc.columns:
        if col == C.YEAR or col.startswith("diff") or not pd.api.types.is_numeric_dtype(disc[col]):
            continue
        dv = pd.to_numeric(disc[col], errors="coerce")
        disc.loc[(dv.abs() > 0) & (dv.abs() < n), col] = np.nan
    prov = {**h.provenance, "suppress_below": int(n)}
    return replace(h, caseload=cl, discrepancies=disc, provenance=prov), int(small.sum())
