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

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from peir._results import LegacyFrame, Summary
from peir.efficiency import lp
from peir.efficiency._checks import (
    RTS_NAMES,
    check_rts_orientation,
    check_sample_size,
    validate_pair,
)
from peir.efficiency._plots import ranking
from peir.efficiency.scoring import evaluate, to_efficiency

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["SuperEfficiencyResult", "super_efficiency"]


@dataclass(frozen=True, repr=False, eq=False)
class SuperEfficiencyResult(LegacyFrame):
    """Result of :func:`super_efficiency` (read-only).

    Attributes
    ----------
    scores : Series
        ``super_efficiency`` per unit: the ordinary score for units inside the frontier, the
        score against the other units for units on it (may exceed 1); +inf where the unit lies
        outside the technology of the others.
    efficiency : Series
        The ordinary DEA score against all units (itself included).
    rts, orientation : str

    peir 0.1 :func:`super_efficiency` returned the Series now in ``scores``; item
    and attribute access the Series had still work, with a ``FutureWarning``.
    """

    scores: pd.Series
    efficiency: pd.Series
    rts: str
    orientation: str

    LEGACY: ClassVar[str] = "super_efficiency() returned a Series"
    LEGACY_HINT: ClassVar[str] = ".scores"

    def _legacy(self) -> pd.Series:
        return self.scores

    def to_frame(self) -> pd.DataFrame:
        """Per unit: ``super_efficiency``, ``efficiency`` and ``rank`` (1 = best; ties share
        the best rank, +inf ranks first)."""
        df = pd.DataFrame({"super_efficiency": self.scores, "efficiency": self.efficiency})
        df["rank"] = self.scores.rank(ascending=False, method="min").astype("Int64")
        return df

    def summary(self) -> Summary:
        s = self.scores
        header = [
            (
                "Model",
                f"super-efficiency (Andersen & Petersen 1993), {RTS_NAMES[self.rts]}, "
                f"{self.orientation} orientation",
            ),
            ("Units", f"{len(s)}"),
            (
                "Efficient units (score = 1)",
                f"{int(np.isclose(self.efficiency, 1.0, atol=1e-9).sum())}",
            ),
            ("Super-efficient (> 1)", f"{int((s > 1 + 1e-9).sum())}"),
            ("Outside the others' technology (+inf)", f"{int(np.isposinf(s).sum())}"),
        ]
        desc = s.replace([np.inf, -np.inf], np.nan).describe().to_frame("super_efficiency").T
        return Summary("Super-efficiency", header, desc)

    def plot(self, ax: Any = None) -> Figure:
        """Ranking by super-efficiency (bars; units beyond 1 are the ranked efficient ones)."""
        return ranking(
            self.scores,
            ax=ax,
            title="Super-efficiency ranking",
            xlabel=f"super-efficiency ({self.orientation}, {self.rts.upper()})",
        )


def super_efficiency(
    inputs: Any,
    outputs: Any,
    *,
    rts: str = "crs",
    orientation: str = "input",
) -> SuperEfficiencyResult:
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
    SuperEfficiencyResult
        ``.scores``: ``super_efficiency`` per unit; ``+inf`` where the unit lies outside the
        technology of the others (the LP is infeasible, or in output orientation the others
        produce nothing with the unit's inputs). Never -inf, never a silent NaN.

    References
    ----------
    Andersen, P. & Petersen, N. C. (1993). *Management Science* 39(10), 1261–1264.
    """
    rts, orientation = check_rts_orientation(rts, orientation)
    x, y = validate_pair(inputs, outputs, technology=True)
    check_sample_size(len(x.index), len(x.names), len(y.names), what="super_efficiency")
    sx, sy = x.values.mean(axis=0), y.values.mean(axis=0)
    first = evaluate(
        x.values,
        y.values,
        x.values,
        y.values,
        scale_x=sx,
        scale_y=sy,
        rts=rts,
        orientation=orientation,
        slacks=False,
    )
    eff, _, _ = to_efficiency(first, orientation)
    out = eff.copy()
    # only units on the frontier change when removed from their own reference set
    on_frontier = np.flatnonzero(~(eff < 1.0 - lp.SCREEN_TOL) & (first.status == lp.OPTIMAL))
    if on_frontier.size:
        raw = evaluate(
            x.values[on_frontier],
            y.values[on_frontier],
            x.values,
            y.values,
            scale_x=sx,
            scale_y=sy,
            rts=rts,
            orientation=orientation,
            slacks=False,
            exclude=on_frontier.astype(np.int64),
        )
        e2, _, _ = to_efficiency(raw, orientation)
        out[on_frontier] = e2
    return SuperEfficiencyResult(
        scores=pd.Series(out, index=x.index, name="super_efficiency"),
        efficiency=pd.Series(eff, index=x.index, name="efficiency"),
        rts=rts,
        orientation=orientation,
    )
