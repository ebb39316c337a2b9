"""Checks shared by the reader tests: two reads of one file (the small-file and the streamed
path) agree on everything a user can see."""

from __future__ import annotations

from typing import Any

import pandas as pd

import peir


def comparable_meta(meta: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in meta.items() if k not in ("streamed", "blocks", "path")}


def compare_readers(small: peir.BudgetTable, big: peir.BudgetTable) -> None:
    pd.testing.assert_frame_equal(small.frame, big.frame)
    a, b = small.report, big.report
    assert (a.rows_read, a.rows_accepted, a.rows_rejected) == (
        b.rows_read,
        b.rows_accepted,
        b.rows_rejected,
    )
    assert (a.amount_read, a.amount_accepted, a.amount_rejected, a.amount_unparsed) == (
        b.amount_read,
        b.amount_accepted,
        b.amount_rejected,
        b.amount_unparsed,
    )
    assert a.encoding == b.encoding
    pd.testing.assert_frame_equal(a.issues_all(), b.issues_all())
    pd.testing.assert_frame_equal(a.issues, b.issues)
    assert comparable_meta(a.meta) == comparable_meta(b.meta)
    key = ["row", "reason"]  # the rejected rows whole: every source column's text
    ra = small.rejected.sort_values(key, kind="stable").reset_index(drop=True)
    rb = big.rejected.sort_values(key, kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(ra.astype(object), rb.astype(object), check_dtype=False)
