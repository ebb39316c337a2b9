r"""Super-efficiency (Andersen & Petersen 1993).

Each unit is scored against the technology spanned by all *other* units:

.. math:: \min \theta \;\text{s.t.}\; \sum_{j \ne 0} \lambda_j x_j \le \theta x_0,\;
          \sum_{j \ne 0} \lambda_j y_j \ge y_0,\; \lambda \ge 0 \;(+\text{RTS}),

so efficient units can score above 1 and can be ranked. Inefficient units keep their ordinary
score (removing a unit that is not on the frontier changes nothing). Under VRS (and NIRS/NDRS/
FDH) the LP can be infeasible; such units get ``+inf`` — never an exception, never a silent NaN.

Reference
---------
Andersen, P. & Petersen, N. C. (1993). A procedure for ranking efficient units in data
envelopment analysis. *Management Science* 39(10), 1261–1264.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from peir.efficiency import lp
from peir.efficiency._checks import check_rts_orientation, validate_pair
from peir.efficiency.dea import _efficiency, evaluate

__all__ = ["super_efficiency"]


def super_efficiency(
    inputs: Any,
    outputs: Any,
    *,
    rts: str = "crs",
    orientation: str = "input",
) -> pd.Series:
    r"""Andersen–Petersen super-efficiency scores.

    Parameters
    ----------
    inputs, outputs : DataFrame or 2-D array
        Rows are units; non-negative numbers.
    rts : {"crs", "vrs", "nirs", "ndrs", "fdh"}
    orientation : {"input", "output"}
        Input: θ of the unit against the others (may exceed 1). Output: 1/φ.

    Returns
    -------
    Series
        ``super_efficiency`` per unit; ``+inf`` where the unit lies outside the technology of
        the others (the LP is infeasible).

    References
    ----------
    Andersen, P. & Petersen, N. C. (1993). *Management Science* 39(10), 1261–1264.
    """
    rts, orientation = check_rts_orientation(rts, orientation)
    x, y = validate_pair(inputs, outputs, technology=True)
    sx, sy = x.values.mean(axis=0), y.values.mean(axis=0)
    first = evaluate(x.values, y.values, x.values, y.values, scale_x=sx, scale_y=sy, rts=rts,
                     orientation=orientation, slacks=False)
    eff, _, _ = _efficiency(first, orientation)
    out = eff.copy()
    # only units on the frontier change when removed from their own reference set
    on_frontier = np.flatnonzero(~(eff < 1.0 - lp.SCREEN_TOL) & (first.status == lp.OPTIMAL))
    if on_frontier.size:
        raw = evaluate(
            x.values[on_frontier], y.values[on_frontier], x.values, y.values, scale_x=sx,
            scale_y=sy, rts=rts, orientation=orientation, slacks=False,
            exclude=on_frontier.astype(np.int64),
        )
        e2, _, _ = _efficiency(raw, orientation)
        out[on_frontier] = e2
    return pd.Series(out, index=x.index, name="super_efficiency")
