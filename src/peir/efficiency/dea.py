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

from typing import Any

from peir.efficiency._checks import (
    align_columns,
    check_rts_orientation,
    check_sample_size,
    given_units,
    validate_pair,
)
from peir.efficiency.frontier import Frontier
from peir.efficiency.results import DEAResult
from peir.errors import InputError

__all__ = ["dea"]


def dea(
    inputs: Any,
    outputs: Any,
    *,
    rts: str = "vrs",
    orientation: str = "input",
    slacks: bool = True,
    reference: tuple[Any, Any] | Frontier | None = None,
    n_jobs: int | None = None,
    slack_weights: str = "mean",
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
    slack_weights : {"mean", "raw", "auto"}
        Objective of the max-slack second stage. ``"mean"`` (default) maximises the sum of the
        slacks each divided by its column's mean (over the reference units), so slacks do not
        depend on the units of measurement. ``"raw"`` maximises the plain sum of slacks in the
        data's own units. ``"auto"`` reproduces R Benchmarking's ``slack()``: ``"mean"`` when
        the mean of some input or output column of the evaluated units lies outside
        [10⁻⁴, 10⁴], else ``"raw"``. Scores never depend on it; slacks, targets and λ may
        when the maximal slacks are not unique.

    Returns
    -------
    DEAResult

    Raises
    ------
    peir.InputError
        NaN, infinite or negative values, all-zero columns, a unit whose inputs are all zero,
        mismatched rows, a single unit, an unknown option.

    Warns
    -----
    peir.PeirWarning
        Fewer units than Cooper's rule n ≥ max(m·s, 3(m + s)) asks (own reference only).

    References
    ----------
    Charnes, A., Cooper, W. W. & Rhodes, E. (1978). *EJOR* 2(6), 429–444.
    Banker, R. D., Charnes, A. & Cooper, W. W. (1984). *Management Science* 30(9), 1078–1092.
    Ali, A. I. & Seiford, L. M. (1993). The mathematical programming approach to efficiency
    analysis. In Fried, Lovell & Schmidt (eds.), *The Measurement of Productive Efficiency*.
    """
    rts, orientation = check_rts_orientation(rts, orientation)
    if reference is None:
        xe, ye = validate_pair(inputs, outputs, technology=True)
        check_sample_size(len(xe.index), len(xe.names), len(ye.names))
        technology = Frontier.from_data(
            xe.frame(),
            ye.frame(),
            rts=rts,
            orientation=orientation,
            slacks=slacks,
            units=given_units(inputs, outputs, None),
        )
        own = True
    elif isinstance(reference, Frontier):
        xe, ye = validate_pair(inputs, outputs, technology=False)
        xe, ye = reference.align(xe, ye, given_units(inputs, outputs, None))
        technology = reference
        own = False
    else:
        try:
            ref_in, ref_out = reference
        except (TypeError, ValueError) as exc:
            raise InputError("reference must be (ref_inputs, ref_outputs) or a Frontier.") from exc
        xe, ye = validate_pair(inputs, outputs, technology=False)
        xr, yr = validate_pair(ref_in, ref_out, technology=True, what="reference ")
        # names are matched when the reference has them; bare arrays match by position
        if not xr.is_frame and len(xr.names) == len(xe.names):
            xr = align_columns(xr, xe.names, "reference inputs")
        if not yr.is_frame and len(yr.names) == len(ye.names):
            yr = align_columns(yr, ye.names, "reference outputs")
        xe = align_columns(xe, xr.names, "inputs")
        ye = align_columns(ye, yr.names, "outputs")
        technology = Frontier.from_data(
            xr.frame(), yr.frame(), rts=rts, orientation=orientation, slacks=slacks
        )
        own = False
    return technology.evaluate(
        xe,
        ye,
        rts=rts,
        orientation=orientation,
        slacks=slacks,
        own=own,
        n_jobs=n_jobs,
        slack_weights=slack_weights,
    )
