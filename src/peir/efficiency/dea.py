r"""Data envelopment analysis (DEA), envelopment form.

Input orientation (Farrell input efficiency θ of unit 0 against reference units j = 1..n):

.. math::

    \min_{\theta, \lambda} \theta \quad \text{s.t.} \quad X\lambda \le \theta x_0,\;
    Y\lambda \ge y_0,\; \lambda \ge 0,

plus Σλ = 1 (VRS, Banker, Charnes & Cooper 1984), Σλ ≤ 1 (NIRS), Σλ ≥ 1 (NDRS), nothing (CRS,
Charnes, Cooper & Rhodes 1978), or λ binary with Σλ = 1 (FDH, Deprins, Simar & Tulkens 1984,
solved by enumeration). Output orientation maximises φ subject to Xλ ≤ x_0, Yλ ≥ φy_0 and
reports efficiency 1/φ. A second stage maximises the sum of slacks with θ (φ) fixed at its
unrounded first-stage value. Each column is divided by its mean (over the reference units)
before solving, so results do not depend on the units of measurement.

References
----------
Coelli, T. J. (1996). A guide to DEAP version 2.1. CEPA Working Paper 96/08.
Bogetoft, P. & Otto, L. (2011). *Benchmarking with DEA, SFA, and R*. Springer.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from peir.efficiency import lp
from peir.efficiency._checks import Matrix, check_rts_orientation, validate_pair
from peir.efficiency.results import DEAResult
from peir.errors import InputError, PeirWarning

if TYPE_CHECKING:  # pragma: no cover
    from peir.efficiency.frontier import Frontier

__all__ = ["dea"]

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
) -> Raw:
    """Free disposal hull by enumeration (no LP): θ = min_{j: y_j ≥ y_0} max_i x_ij / x_i0."""
    n, nr = xe.shape[0], xr.shape[0]
    cost = xr.sum(axis=1) - yr.sum(axis=1)  # minus the slack sum, up to a constant
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
            status[a:b] = np.where(
                ok, lp.OPTIMAL, np.where(unbounded, lp.UNBOUNDED, lp.INFEASIBLE)
            )
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
) -> Raw:
    """Solve the envelopment problems of every evaluated unit (data in original units).

    ``exclude[k]`` removes reference unit ``exclude[k]`` from unit k's technology (no screening
    is done then, since removing a unit can uncover units it dominated).
    """
    sxe, sye = xe / scale_x, ye / scale_y
    sxr, syr = xr / scale_x, yr / scale_y
    do_screen = screen and exclude is None
    if rts == "fdh":
        if do_screen:
            keep = lp.pareto_screen(sxr, syr)
        else:
            keep = np.arange(sxr.shape[0])
        raw = _fdh(sxr[keep], syr[keep], sxe, sye, orientation, slacks,
                   None if exclude is None else exclude)
    else:
        keep = (lp.screen_reference(sxr, syr, rts, n_eval=sxe.shape[0]) if do_screen
                else np.arange(sxr.shape[0]))
        res = lp.solve_units(
            sxr[keep], syr[keep], sxe, sye, rts=rts, orientation=orientation, slacks=slacks,
            exclude=exclude, n_jobs=n_jobs,
        )
        raw = Raw(res.score, res.status, res.lam, res.slack_failed)
    if keep.size != sxr.shape[0]:
        coo = raw.lam.tocoo()
        raw.lam = sp.csr_matrix((coo.data, (coo.row, keep[coo.col])), shape=(xe.shape[0], xr.shape[0]))
    return raw


def _efficiency(raw: Raw, orientation: str) -> tuple[Array, Array, Array]:
    """(efficiency, expansion, feasible) from solver scores and statuses."""
    s = raw.score
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


def build_result(
    raw: Raw,
    xe: Matrix,
    ye: Matrix,
    xr: pd.DataFrame,
    yr: pd.DataFrame,
    *,
    scale_x: Array,
    scale_y: Array,
    rts: str,
    orientation: str,
    slacks: bool,
    own: bool,
    variable_units: dict[str, str] | None = None,
) -> DEAResult:
    """Assemble a :class:`DEAResult` (slacks and targets in the data's own units)."""
    n_fail = int((raw.status == lp.FAILED).sum())
    if n_fail:
        warnings.warn(
            f"DEA: the LP of {n_fail} unit(s) did not solve to optimality even from a cold "
            "start; their scores are NaN and .feasible is False.",
            PeirWarning,
            stacklevel=3,
        )
    if raw.slack_failed.size:
        warnings.warn(
            f"DEA: the max-slack second stage failed for {raw.slack_failed.size} unit(s); "
            "their slacks come from the first stage and may not be maximal.",
            PeirWarning,
            stacklevel=3,
        )
    eff, exp, feasible = _efficiency(raw, orientation)
    index = xe.index
    lam = raw.lam
    tx = np.asarray(lam @ xr.to_numpy(dtype=float))
    ty = np.asarray(lam @ yr.to_numpy(dtype=float))
    x0, y0 = xe.values, ye.values
    sc = raw.score[:, None]
    with np.errstate(invalid="ignore"):
        if orientation == "input":
            sx = sc * x0 - tx
            sy = ty - y0
        else:
            sx = x0 - tx
            sy = ty - sc * y0
    # round-off below 1e-9 of a column's mean is zero slack
    sx = np.where(np.abs(sx) <= 1e-9 * scale_x, 0.0, np.maximum(sx, 0.0))
    sy = np.where(np.abs(sy) <= 1e-9 * scale_y, 0.0, np.maximum(sy, 0.0))
    bad = ~(raw.status == lp.OPTIMAL)
    for arr in (sx, sy, tx, ty):
        arr[bad] = np.nan
    xn, yn = list(xr.columns), list(yr.columns)
    return DEAResult(
        efficiency=pd.Series(eff, index=index, name="efficiency"),
        expansion=pd.Series(exp, index=index, name="expansion"),
        feasible=pd.Series(feasible, index=index, name="feasible"),
        slacks_inputs=pd.DataFrame(sx, index=index, columns=xn),
        slacks_outputs=pd.DataFrame(sy, index=index, columns=yn),
        targets_inputs=pd.DataFrame(tx, index=index, columns=xn),
        targets_outputs=pd.DataFrame(ty, index=index, columns=yn),
        rts=rts,
        orientation=orientation,
        slacks=slacks,
        ref_inputs=xr,
        ref_outputs=yr,
        scale_inputs=scale_x,
        scale_outputs=scale_y,
        own_reference=own,
        lam=lam,
        variable_units=dict(variable_units or {}),
        input_data=pd.DataFrame(x0, index=index, columns=xn),
        output_data=pd.DataFrame(y0, index=index, columns=yn),
    )


def _align(m: Matrix, names: list[str], role: str) -> Matrix:
    """Reorder the columns of ``m`` to ``names``; error when they differ."""
    if not m.is_frame:
        if len(m.names) != len(names):
            raise InputError(
                f"{role}: {len(m.names)} column(s) given but the reference has {len(names)} "
                f"({', '.join(names)})."
            )
        m.names = list(names)
        return m
    if m.names == names:
        return m
    if sorted(m.names) != sorted(names):
        missing = [n for n in names if n not in m.names]
        extra = [n for n in m.names if n not in names]
        raise InputError(
            f"{role}: columns differ from the reference's ({', '.join(names)}); "
            f"missing: {', '.join(missing) or 'none'}; unexpected: {', '.join(extra) or 'none'}."
        )
    order = [m.names.index(n) for n in names]
    return Matrix(m.values[:, order], list(names), m.index, True)


def frame(m: Matrix) -> pd.DataFrame:
    return pd.DataFrame(m.values, index=m.index, columns=m.names)


def dea(
    inputs: Any,
    outputs: Any,
    *,
    rts: str = "vrs",
    orientation: str = "input",
    slacks: bool = True,
    reference: tuple[Any, Any] | Frontier | None = None,
    n_jobs: int | None = None,
) -> DEAResult:
    r"""Data envelopment analysis in envelopment form.

    Input orientation solves, for every unit 0,

    .. math:: \min \theta \;\text{s.t.}\; X\lambda \le \theta x_0,\; Y\lambda \ge y_0,\;
              \lambda \ge 0 \;(+\,\text{RTS constraint on } \textstyle\sum\lambda),

    and output orientation :math:`\max \phi` s.t. :math:`X\lambda \le x_0,\; Y\lambda \ge \phi
    y_0`, reporting efficiency :math:`1/\phi` (Charnes, Cooper & Rhodes 1978; Banker, Charnes &
    Cooper 1984; Färe, Grosskopf & Lovell 1994). A second stage maximises the sum of slacks with
    θ (φ) fixed at its unrounded first-stage value (Coelli 1996, DEAP's multi-stage idea
    simplified to the two-phase method of Ali & Seiford 1993).

    Parameters
    ----------
    inputs, outputs : DataFrame or 2-D array
        Rows are units (the index names them), columns are variables; non-negative numbers.
        A zero in one output of a unit is valid.
    rts : {"vrs", "crs", "nirs", "ndrs", "fdh"}
        Returns to scale. ``"fdh"`` is the free disposal hull, solved by enumeration.
    orientation : {"input", "output"}
    slacks : bool
        Run the max-slack second stage (slacks, targets and λ then come from it).
    reference : (ref_inputs, ref_outputs) or Frontier, optional
        Score the units against another technology (last year's units, another country's, a
        pooled set). Scores may then exceed 1; a unit for which the LP is infeasible gets
        efficiency +inf, expansion NaN and ``feasible`` False. A :class:`Frontier` supplies its
        reference data and column scaling; ``rts`` and ``orientation`` are those given here
        (use :meth:`Frontier.score` to apply the saved options).
    n_jobs : int, optional
        Worker processes for large problems (default: the available cores).

    Returns
    -------
    DEAResult

    Raises
    ------
    peir.InputError
        NaN, infinite or negative values, all-zero columns, mismatched rows, a single unit.

    References
    ----------
    Charnes, A., Cooper, W. W. & Rhodes, E. (1978). *EJOR* 2(6), 429–444.
    Banker, R. D., Charnes, A. & Cooper, W. W. (1984). *Management Science* 30(9), 1078–1092.
    Ali, A. I. & Seiford, L. M. (1993). The mathematical programming approach to efficiency
    analysis. In Fried, Lovell & Schmidt (eds.), *The Measurement of Productive Efficiency*.
    """
    from peir.efficiency.frontier import Frontier

    rts, orientation = check_rts_orientation(rts, orientation)
    variable_units: dict[str, str] = {}
    if reference is None:
        xe, ye = validate_pair(inputs, outputs, technology=True)
        xr_df, yr_df = frame(xe), frame(ye)
        scale_x, scale_y = xe.values.mean(axis=0), ye.values.mean(axis=0)
        own = True
    elif isinstance(reference, Frontier):
        xe, ye = validate_pair(inputs, outputs, technology=False)
        from peir.efficiency.frontier import _given_units

        xe, ye = reference.align(xe, ye, _given_units(inputs, outputs, None))
        xr_df, yr_df = reference.ref_inputs, reference.ref_outputs
        scale_x, scale_y = reference.scale_inputs, reference.scale_outputs
        variable_units = dict(reference.card.units)
        own = False
    else:
        try:
            ref_in, ref_out = reference
        except (TypeError, ValueError) as exc:
            raise InputError(
                "reference must be (ref_inputs, ref_outputs) or a Frontier."
            ) from exc
        xe, ye = validate_pair(inputs, outputs, technology=False)
        xr, yr = validate_pair(ref_in, ref_out, technology=True, what="reference ")
        # names are matched when the reference has them; bare arrays match by position
        for ref_m, eval_m in ((xr, xe), (yr, ye)):
            if not ref_m.is_frame and len(ref_m.names) == len(eval_m.names):
                ref_m.names = list(eval_m.names)
        xe = _align(xe, xr.names, "inputs")
        ye = _align(ye, yr.names, "outputs")
        xr_df, yr_df = frame(xr), frame(yr)
        scale_x, scale_y = xr.values.mean(axis=0), yr.values.mean(axis=0)
        own = False
    raw = evaluate(
        xe.values, ye.values, xr_df.to_numpy(dtype=float), yr_df.to_numpy(dtype=float),
        scale_x=scale_x, scale_y=scale_y, rts=rts, orientation=orientation, slacks=slacks,
        n_jobs=n_jobs,
    )
    return build_result(
        raw, xe, ye, xr_df, yr_df, scale_x=scale_x, scale_y=scale_y, rts=rts,
        orientation=orientation, slacks=slacks, own=own, variable_units=variable_units,
    )
