"""Scoring units against a reference technology, in the solver's terms.

:func:`evaluate` rescales the columns, screens the reference set (``lp.screen_reference``) and
solves every unit's envelopment LP (``lp.solve_units``), or enumerates the free disposal hull;
:func:`to_efficiency` turns the solver's scores and statuses into Farrell efficiencies with the
documented conventions (+inf for an infeasible LP, NaN for a solver failure, never -inf).
Everything above it (:func:`peir.efficiency.dea`, frontiers, super-efficiency, Malmquist, the
bootstrap) calls these two functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from peir.efficiency import lp

__all__ = ["Raw", "evaluate", "to_efficiency"]

Array = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]


@dataclass
class Raw:
    """Scores of evaluated units in the solver's terms: θ (input) or φ (output)."""

    score: Array
    status: IntArray
    lam: sp.csr_matrix
    slack_failed: IntArray


def _fdh(
    xr: Array,
    yr: Array,
    xe: Array,
    ye: Array,
    orientation: str,
    slacks: bool,
    exclude: IntArray | None,
    weights: tuple[Array, Array] | None = None,
) -> Raw:
    """Free disposal hull by enumeration (no LP): θ = min_{j: y_j ≥ y_0} max_i x_ij / x_i0."""
    n, nr = xe.shape[0], xr.shape[0]
    cost = lp.slack_cost(xr, yr, weights)  # minus the slack sum, up to a constant
    score = np.empty(n)
    status = np.zeros(n, dtype=np.int64)
    peer = np.full(n, -1, dtype=np.int64)
    width = max(xr.shape[1], yr.shape[1])
    chunk = max(1, int(4_000_000 // max(1, nr * width)))
    with np.errstate(divide="ignore", invalid="ignore"):
        for a in range(0, n, chunk):
            b = min(n, a + chunk)
            x0, y0 = xe[a:b, None, :], ye[a:b, None, :]
            if orientation == "input":
                feas = np.all(yr[None] >= y0, axis=2)
                ratio = np.where(x0 > 0, xr[None] / x0, np.where(xr[None] > 0, np.inf, 0.0))
                r = ratio.max(axis=2)
                if exclude is not None:
                    feas[np.arange(b - a), exclude[a:b]] &= exclude[a:b] < 0
                r = np.where(feas, r, np.inf)
                best = r.min(axis=1)
                ok = np.isfinite(best)
                cand = (r == best[:, None]) & ok[:, None]
            else:
                feas = np.all(xr[None] <= x0, axis=2)
                ratio = np.where(y0 > 0, yr[None] / y0, np.inf)
                r = ratio.min(axis=2)
                if exclude is not None:
                    feas[np.arange(b - a), exclude[a:b]] &= exclude[a:b] < 0
                r = np.where(feas, r, -np.inf)
                best = r.max(axis=1)
                ok = np.isfinite(best)
                cand = (r == best[:, None]) & ok[:, None]
            pick = np.where(cand, cost[None, :] if slacks else 0.0, np.inf).argmin(axis=1)
            score[a:b] = np.where(ok, best, np.inf)
            unbounded = np.isposinf(best) if orientation == "output" else np.zeros_like(ok)
            status[a:b] = np.where(ok, lp.OPTIMAL, np.where(unbounded, lp.UNBOUNDED, lp.INFEASIBLE))
            peer[a:b] = np.where(ok, pick, -1)
    rows = np.flatnonzero(peer >= 0)
    lam = sp.csr_matrix((np.ones(rows.size), (rows, peer[rows])), shape=(n, nr))
    return Raw(score, status, lam, np.zeros(0, dtype=np.int64))


def evaluate(
    xe: Array,
    ye: Array,
    xr: Array,
    yr: Array,
    *,
    scale_x: Array,
    scale_y: Array,
    rts: str,
    orientation: str,
    slacks: bool,
    exclude: IntArray | None = None,
    screen: bool = True,
    n_jobs: int | None = None,
    slack_weights: tuple[Array, Array] | None = None,
) -> Raw:
    """Solve the envelopment problems of every evaluated unit (data in original units).

    ``exclude[k]`` removes reference unit ``exclude[k]`` from unit k's technology (no screening
    is done then, since removing a unit can uncover units it dominated). ``slack_weights``
    weigh the rescaled input and output slacks of the second stage (default: 1 each).
    """
    sxe, sye = xe / scale_x, ye / scale_y
    sxr, syr = xr / scale_x, yr / scale_y
    do_screen = screen and exclude is None
    if rts == "fdh":
        if do_screen:
            keep = lp.pareto_screen(sxr, syr)
        else:
            keep = np.arange(sxr.shape[0])
        raw = _fdh(
            sxr[keep],
            syr[keep],
            sxe,
            sye,
            orientation,
            slacks,
            None if exclude is None else exclude,
            slack_weights,
        )
    else:
        keep = (
            lp.screen_reference(sxr, syr, rts, n_eval=sxe.shape[0])
            if do_screen
            else np.arange(sxr.shape[0])
        )
        res = lp.solve_units(
            sxr[keep],
            syr[keep],
            sxe,
            sye,
            rts=rts,
            orientation=orientation,
            slacks=slacks,
            exclude=exclude,
            n_jobs=n_jobs,
            weights=slack_weights,
        )
        raw = Raw(res.score, res.status, res.lam, res.slack_failed)
    if keep.size != sxr.shape[0]:
        coo = raw.lam.tocoo()
        raw.lam = sp.csr_matrix(
            (coo.data, (coo.row, keep[coo.col])), shape=(xe.shape[0], xr.shape[0])
        )
    return raw


def to_efficiency(raw: Raw, orientation: str) -> tuple[Array, Array, Array]:
    """(efficiency, expansion, feasible) from the solver's scores and statuses.

    Input orientation: efficiency θ*, expansion 1/θ*. Output orientation: efficiency 1/φ*,
    expansion φ*. The conventions, the same for every model built on :func:`evaluate`:

    * LP infeasible (the unit lies beyond the reference technology): efficiency +inf,
      expansion NaN, ``feasible`` False;
    * output orientation with φ* = 0 (the reference produces none of the unit's outputs with
      its inputs, e.g. a zero input no reference unit shares): efficiency +inf, expansion 0,
      ``feasible`` True — HiGHS may report this optimum as -0.0, which is read as 0, so the
      efficiency is never -inf;
    * output orientation, LP unbounded (a unit with all outputs zero): efficiency 0,
      expansion +inf;
    * solver failure: NaN, ``feasible`` False.
    """
    # scores are bounded below by 0; round-off below it, and -0.0 (+ 0.0 is +0.0), read as 0
    s = np.maximum(raw.score, 0.0) + 0.0
    st = raw.status
    with np.errstate(divide="ignore", invalid="ignore"):
        if orientation == "input":
            eff = s.copy()
            exp = 1.0 / s
        else:
            eff = 1.0 / s
            exp = s.copy()
    infeasible = st == lp.INFEASIBLE
    failed = st == lp.FAILED
    eff[infeasible] = np.inf
    exp[infeasible] = np.nan
    eff[failed] = np.nan
    exp[failed] = np.nan
    if orientation == "output":
        unb = st == lp.UNBOUNDED
        eff[unb] = 0.0
        exp[unb] = np.inf
    return eff, exp, ~(infeasible | failed)
