"""Shared pieces of the DEA models solved one LP per unit with scipy's HiGHS interface
(directional distance, cost and revenue efficiency, the multiplier form): the returns-to-scale
constraint on Σλ, and reading a solution's status."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import OptimizeResult, linprog

__all__ = ["Array", "rts_rows", "solve"]

Array = np.ndarray[Any, np.dtype[np.float64]]


def rts_rows(
    rts: str, n_before: int, n_lambda: int, n_after: int = 0
) -> tuple[Array | None, Array | None, Array | None, Array | None]:
    """(A_ub, b_ub, A_eq, b_eq) rows of the returns-to-scale constraint on Σλ, for LP columns
    laid out as [n_before other columns, n_lambda λ's, n_after other columns]."""
    row = np.r_[np.zeros(n_before), np.ones(n_lambda), np.zeros(n_after)][None, :]
    if rts == "vrs":
        return None, None, row, np.ones(1)
    if rts == "nirs":
        return row, np.ones(1), None, None
    if rts == "ndrs":
        return -row, -np.ones(1), None, None
    return None, None, None, None


def solve(
    c: Array,
    a_ub: Array | None,
    b_ub: Array | None,
    a_eq: Array | None,
    b_eq: Array | None,
    bounds: Any,
) -> OptimizeResult:
    """``scipy.optimize.linprog(method="highs")``; status 0 optimal, 2 infeasible, 3
    unbounded (the caller maps them to its documented values)."""
    return linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")


def stack(*parts: tuple[Array | None, Array | None]) -> tuple[Array | None, Array | None]:
    """Stack (A, b) pairs of constraint rows, skipping empty ones."""
    a = [p[0] for p in parts if p[0] is not None]
    b = [p[1] for p in parts if p[1] is not None]
    if not a:
        return None, None
    return np.vstack(a), np.concatenate(b)
