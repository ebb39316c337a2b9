"""The attrition funnel of the criminal justice chain for one country-year.

Stages, in chain order: crimes recorded → suspects (or arrests) → cases received by the
prosecution → formal indictments → convictions → prison admissions; and, as a side line,
intentional homicides → convictions for homicide. For each stage the funnel gives the count,
the ratio to the previous available stage and the ratio to the first available stage (the
attrition rates of the chain, e.g. convictions per recorded crime). A stage without data is
reported as missing (NaN with a note), never as zero.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from peir.allocation.model import national_caseload
from peir.chain import MEASURES
from peir.schema import C

if TYPE_CHECKING:  # pragma: no cover
    from peir.dataset import HarmonizedDataset

__all__ = ["FUNNEL_STAGES", "HOMICIDE_STAGES", "funnel"]

#: (stage, candidate measures in order of preference)
FUNNEL_STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("crimes_recorded", ("crimes_recorded",)),
    ("suspects", ("suspects", "arrests")),
    ("cases_received", ("cases_received",)),
    ("indictments", ("indictments",)),
    ("convictions", ("convictions",)),
    ("prison_admissions", ("prison_admissions",)),
)
HOMICIDE_STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("homicides", ("homicides",)),
    ("homicide_convictions", ("homicide_convictions",)),
)


def _line(
    stages: tuple[tuple[str, tuple[str, ...]], ...],
    vals: dict[str, float],
    srcs: dict[str, str],
    line: str,
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    first: tuple[str, float] | None = None
    prev: tuple[str, float] | None = None
    gap = False  # a stage is missing since the previous available one
    first_missing = False
    for stage, cands in stages:
        m = next((c for c in cands if c in vals and np.isfinite(vals[c])), None)
        if m is None:
            rows.append(
                {
                    "line": line,
                    "stage": stage,
                    "measure": cands[0],
                    "link": MEASURES[cands[0]].link.value,
                    "count": np.nan,
                    "ratio_to_previous": np.nan,
                    "ratio_to_first": np.nan,
                    "source": "",
                    "note": f"missing: no {' or '.join(cands)} in the caseload",
                }
            )
            gap = True
            first_missing = first_missing or first is None
            continue
        v = float(vals[m])
        notes: list[str] = []
        if m != cands[0]:
            notes.append(f"{m} used for {stage}")
        rp = rf = np.nan
        if prev is None:
            rf = 1.0
            first = (m, v)
        else:
            rp = v / prev[1] if prev[1] > 0 else np.nan
            if gap:
                notes.append(f"ratio to previous is to {prev[0]} (a stage in between is missing)")
            assert first is not None
            rf = v / first[1] if first[1] > 0 else np.nan
            if first_missing:
                notes.append(f"ratio to first is to {first[0]} (the first stage is missing)")
        prev = (m, v)
        gap = False
        rows.append(
            {
                "line": line,
                "stage": stage,
                "measure": m,
                "link": MEASURES[m].link.value,
                "count": v,
                "ratio_to_previous": rp,
                "ratio_to_first": rf,
                "source": srcs.get(m, ""),
                "note": "; ".join(notes),
            }
        )
    return rows


def funnel(
    h: HarmonizedDataset, *, country: str, year: int, homicide_line: bool = True
) -> pd.DataFrame:
    """Stages of the chain with counts and attrition ratios for one country-year.

    Parameters
    ----------
    h
        Harmonised dataset (its headline caseload is used, national figures first; regional
        figures are summed when no national figure exists).
    country, year
        The country-year.
    homicide_line
        Add the side line homicides → convictions for homicide.

    Returns
    -------
    DataFrame
        ``line`` ("main" or "homicide"), ``stage``, ``measure`` (the measure used),
        ``link``, ``count``, ``ratio_to_previous`` (to the previous *available* stage),
        ``ratio_to_first`` (to the first available stage of the line), ``source``, ``note``.
        Missing stages have NaN counts and ratios and a note; never 0.

    Examples
    --------
    ``ratio_to_first`` on the convictions row is the share of recorded crimes that end in a
    conviction (the classic attrition rate of the chain).
    """
    cl = national_caseload(h, country=country, year=year)
    vals: dict[str, float] = {}
    srcs: dict[str, str] = {}
    for _, r in cl.iterrows():
        v = pd.to_numeric(r[C.VALUE], errors="coerce")
        if pd.notna(v):
            vals[str(r[C.MEASURE])] = float(v)
            srcs[str(r[C.MEASURE])] = str(r[C.SOURCE] or "")
    rows = _line(FUNNEL_STAGES, vals, srcs, "main")
    if homicide_line:
        rows += _line(HOMICIDE_STAGES, vals, srcs, "homicide")
    out = pd.DataFrame(rows)
    out.attrs["country"] = country
    out.attrs["year"] = int(year)
    return out
