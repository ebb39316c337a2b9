"""Consolidation: transfers between institutions of the sector are counted once.

The rule of docs/methodology.md §1.

A budget line may name, in ``transfer_to``, the institution that receives it (a ministry passing
money to the police, say). When the recipient's own spending is in the data for the same
country, year and phase, the money is spent — and counted — there: the payer's transfer line is
removed and reported. When the recipient is absent, the line is kept (it is the only place the
money appears) and reported as kept. In both cases::

    Σ budget = Σ kept lines + Σ removed transfers      (per country, year, phase)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from peir.schema import C

__all__ = ["TRANSFER_COLUMNS", "consolidate_transfers"]

#: Columns of the consolidation report (``HarmonizedDataset.transfers``).
TRANSFER_COLUMNS: tuple[str, ...] = (
    C.COUNTRY,
    C.YEAR,
    C.PHASE,
    C.INSTITUTION_CODE,
    C.PROGRAM,
    C.TRANSFER_TO,
    C.AMOUNT,
    C.CURRENCY,
    C.SOURCE_REF,
    "status",
)

REMOVED = "removed: recipient's spending is in the data"
KEPT_ABSENT = "kept: recipient's spending is not in the data"
KEPT_SELF = "kept: transfer to the institution itself"


def _empty_report() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype="str") for c in TRANSFER_COLUMNS})
    out[C.YEAR] = out[C.YEAR].astype(np.int64)
    out[C.AMOUNT] = out[C.AMOUNT].astype(float)
    return out


def consolidate_transfers(budget: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Remove intra-sector transfers whose recipient's spending is present.

    Parameters
    ----------
    budget
        Canonical budget lines; lines with a non-blank ``transfer_to`` are transfers.

    Returns
    -------
    kept : DataFrame
        The budget without the removed transfer lines (same columns, original order).
    transfers : DataFrame
        One row per transfer line (:data:`TRANSFER_COLUMNS`), with ``status`` saying whether
        it was removed (recipient present in the same country, year and phase) or kept.
    """
    if C.TRANSFER_TO not in budget.columns or len(budget) == 0:
        return budget, _empty_report()
    tt = budget[C.TRANSFER_TO]
    is_tr = tt.notna().to_numpy(dtype=bool).copy()
    if is_tr.any():
        is_tr = is_tr & (tt.astype("str").str.strip() != "").fillna(False).to_numpy(dtype=bool)
    if not is_tr.any():
        return budget, _empty_report()
    tr = budget[is_tr]
    recipients = pd.unique(tr[C.TRANSFER_TO].astype("str"))
    pool = budget[budget[C.INSTITUTION_CODE].astype("str").isin(recipients) & ~is_tr]
    present = pool[[C.COUNTRY, C.YEAR, C.PHASE, C.INSTITUTION_CODE]].drop_duplicates()
    present = present.rename(columns={C.INSTITUTION_CODE: C.TRANSFER_TO}).assign(_present=True)
    probe = tr[[C.COUNTRY, C.YEAR, C.PHASE, C.TRANSFER_TO]].copy()
    probe[C.TRANSFER_TO] = probe[C.TRANSFER_TO].astype("str")
    present[C.TRANSFER_TO] = present[C.TRANSFER_TO].astype("str")
    hit = probe.merge(present, on=[C.COUNTRY, C.YEAR, C.PHASE, C.TRANSFER_TO], how="left")[
        "_present"
    ]
    hit_arr = hit.fillna(False).to_numpy(dtype=bool)
    to_self = (tr[C.TRANSFER_TO].astype("str") == tr[C.INSTITUTION_CODE].astype("str")).to_numpy(
        dtype=bool
    )
    removed = hit_arr & ~to_self
    status = np.where(removed, REMOVED, np.where(to_self, KEPT_SELF, KEPT_ABSENT))
    report = pd.DataFrame(
        {
            c: (tr[c].to_numpy() if c in tr.columns else np.full(len(tr), None))
            for c in TRANSFER_COLUMNS
            if c != "status"
        }
    )
    report["status"] = pd.Series(status, dtype="str")
    for c in TRANSFER_COLUMNS:
        if c not in (C.YEAR, C.AMOUNT):
            report[c] = report[c].astype("str")
    report[C.YEAR] = report[C.YEAR].astype(np.int64)
    report[C.AMOUNT] = report[C.AMOUNT].astype(float)
    drop = np.zeros(len(budget), dtype=bool)
    drop[np.flatnonzero(is_tr)[removed]] = True
    kept = budget[~drop]
    report = report.sort_values(
        [C.COUNTRY, C.YEAR, C.PHASE, C.INSTITUTION_CODE, C.TRANSFER_TO, C.SOURCE_REF, C.AMOUNT],
        kind="stable",
    ).reset_index(drop=True)
    return kept, report
