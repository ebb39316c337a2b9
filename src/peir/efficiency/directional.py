r"""Directional distance function (Chambers, Chung & Färe 1996, 1998).

For unit 0 and a direction g = (g_x, g_y) ≥ 0:

.. math::

    \beta^* = \max_{\beta, \lambda} \beta \quad\text{s.t.}\quad X\lambda \le x_0 - \beta g_x,\;
    Y\lambda \ge y_0 + \beta g_y,\; \lambda \ge 0 \;(+\text{RTS on } \textstyle\sum\lambda),

the largest step along g that stays in the technology; β* = 0 on the frontier. With
g = (x₀, 0) it is 1 − θ (the radial input measure), with g = (0, y₀) it is φ − 1, with
g = (x₀, y₀) the inputs shrink and the outputs grow by the same share.

References
----------
Chambers, R. G., Chung, Y. & Färe, R. (1996). Benefit and distance functions. *Journal of
Economic Theory* 70, 407–419. Chambers, R. G., Chung, Y. & Färe, R. (1998). Profit,
directional distance functions, and Nerlovian efficiency. *Journal of Optimization Theory and
Applications* 98, 351–364.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from peir._results import Result, Summary
from peir.efficiency._checks import (
    RTS_NAMES,
    check_rts_orientation,
    check_sample_size,
    validate_pair,
)
from peir.efficiency._lpmodel import Array, rts_rows, solve, stack
from peir.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["DirectionalResult", "directional"]

LAMBDA_TOL = 1e-9


@dataclass(frozen=True, repr=False, eq=False)
class DirectionalResult(Result):
    """Result of :func:`directional` (read-only).

    Attributes
    ----------
    beta : Series
        β* per unit (0 = on the frontier; +inf where the direction leads out of nowhere, NaN
        where the LP failed).
    direction_inputs, direction_outputs : DataFrame
        g_x and g_y per unit.
    targets_inputs, targets_outputs : DataFrame
        x₀ − β* g_x and y₀ + β* g_y.
    lambdas : DataFrame
        Units × reference units.
    rts, direction : str
    """

    beta: pd.Series
    direction_inputs: pd.DataFrame
    direction_outputs: pd.DataFrame
    targets_inputs: pd.DataFrame
    targets_outputs: pd.DataFrame
    lambdas: pd.DataFrame
    rts: str
    direction: str

    @property
    def peers(self) -> dict[Any, list[Any]]:
        """Reference units with λ > 0 for each unit, largest weight first."""
        out = {}
        for u, row in self.lambdas.iterrows():
            r = row[row > LAMBDA_TOL].sort_values(ascending=False, kind="stable")
            out[u] = list(r.index)
        return out

    def to_frame(self) -> pd.DataFrame:
        df = pd.DataFrame({"beta": self.beta})
        df["peers"] = ["; ".join(map(str, p)) for p in self.peers.values()]
        for frame, prefix in ((self.targets_inputs, "target_"), (self.targets_outputs, "target_")):
            for col in frame.columns:
                df[f"{prefix}{col}"] = frame[col].to_numpy()
        return df

    def summary(self) -> Summary:
        b = self.beta
        header = [
            ("Model", f"directional distance function, {RTS_NAMES[self.rts]}"),
            ("Direction", self.direction),
            ("Units", f"{len(b)}"),
            ("On the frontier (β = 0)", f"{int(np.isclose(b, 0.0, atol=1e-9).sum())}"),
            ("Mean β", f"{b[np.isfinite(b)].mean():.4f}"),
        ]
        desc = b.replace([np.inf, -np.inf], np.nan).describe().to_frame("beta").T
        return Summary(
            "Directional distance function",
            header,
            desc,
            ["β is the share of the direction the unit could move: 0 = frontier."],
        )

    def plot(self, ax: Any = None) -> Figure:
        """β per unit, largest at the bottom (0 = on the frontier); returns the Figure."""
        import matplotlib.pyplot as plt

        b = self.beta.replace([np.inf, -np.inf], np.nan).dropna().sort_values(ascending=False)
        if ax is None:
            fig, ax = plt.subplots(figsize=(7, max(2.5, 0.22 * len(b) + 1)))
        else:
            fig = ax.figure
        pos = np.arange(len(b))
        vals = b.to_numpy()
        ax.barh(pos, vals, color=np.where(vals <= 1e-9, "#1b7837", "#c2a5cf"))
        ax.set_yticks(pos)
        ax.set_yticklabels([str(u) for u in b.index], fontsize=8 if len(b) > 30 else 9)
        ax.set_xlabel(f"β along the {self.direction} direction ({self.rts.upper()})")
        ax.set_title("Directional distance to the frontier (0 = on it)")
        fig.tight_layout()
        return fig


def _direction(direction: Any, x: Array, y: Array) -> tuple[Array, Array, str]:
    if isinstance(direction, str):
        d = direction.lower()
        if d == "input":
            return x.copy(), np.zeros_like(y), "input (g = (x, 0))"
        if d == "output":
            return np.zeros_like(x), y.copy(), "output (g = (0, y))"
        if d == "both":
            return x.copy(), y.copy(), "both (g = (x, y))"
        raise InputError(
            f"direction={direction!r}: use 'input', 'output', 'both' or (g_inputs, g_outputs)."
        )
    try:
        gx, gy = direction
    except (TypeError, ValueError) as exc:
        raise InputError(
            "direction must be 'input', 'output', 'both' or (g_inputs, g_outputs)."
        ) from exc
    gx = np.broadcast_to(np.asarray(gx, dtype=float), x.shape).copy()
    gy = np.broadcast_to(np.asarray(gy, dtype=float), y.shape).copy()
    if not (np.isfinite(gx).all() and np.isfinite(gy).all()) or (gx < 0).any() or (gy < 0).any():
        raise InputError("direction vectors must be finite and non-negative.")
    return gx, gy, "given vectors"


def directional(
    inputs: Any,
    outputs: Any,
    *,
    direction: Any,
    rts: str = "vrs",
) -> DirectionalResult:
    r"""Directional distance function of every unit against the units' technology.

    Parameters
    ----------
    inputs, outputs : DataFrame or 2-D array
        Rows are units.
    direction : {"input", "output", "both"} or (g_inputs, g_outputs)
        ``"input"``: g = (x₀, 0) (β = 1 − θ); ``"output"``: g = (0, y₀) (β = φ − 1);
        ``"both"``: g = (x₀, y₀). Or arrays: one vector per variable group, common to all
        units (length m and s) or one row per unit (n × m, n × s), non-negative.
    rts : {"vrs", "crs", "nirs", "ndrs"}

    Returns
    -------
    DirectionalResult
        ``.beta``, targets, ``.lambdas``, ``.peers``.

    References
    ----------
    Chambers, Chung & Färe (1996, 1998).
    """
    rts, _ = check_rts_orientation(rts, "input")
    if rts == "fdh":
        raise InputError("directional needs a convex technology (vrs, crs, nirs or ndrs).")
    xm, ym = validate_pair(inputs, outputs, technology=True)
    check_sample_size(len(xm.index), len(xm.names), len(ym.names), what="directional")
    x, y = xm.values, ym.values
    n = x.shape[0]
    gx, gy, label = _direction(direction, x, y)
    if np.any((gx.sum(axis=1) + gy.sum(axis=1)) == 0):
        raise InputError("direction is zero for some unit(s); nothing to move along.")
    # columns: beta, lambda_1..n; rescaled by the columns' means (unit invariance)
    sx, sy = x.mean(axis=0), y.mean(axis=0)
    xs, ys, gxs, gys = x / sx, y / sy, gx / sx, gy / sy
    c = np.r_[-1.0, np.zeros(n)]
    rts_ub, rts_b, a_eq, b_eq = rts_rows(rts, 1, n)
    beta = np.full(n, np.nan)
    lam = np.zeros((n, n))
    for k in range(n):
        # X λ + β g_x ≤ x0 ; −Y λ + β g_y ≤ −y0
        a = np.vstack([np.c_[gxs[k][:, None], xs.T], np.c_[gys[k][:, None], -ys.T]])
        b = np.r_[xs[k], -ys[k]]
        a_ub, b_ub = stack((a, b), (rts_ub, rts_b))
        res = solve(c, a_ub, b_ub, a_eq, b_eq, [(None, None)] + [(0, None)] * n)
        if res.status == 0:
            beta[k] = max(res.x[0], 0.0)  # β ≥ 0 against its own technology; never -0.0
            lam[k] = np.where(res.x[1:] > LAMBDA_TOL, res.x[1:], 0.0)
        elif res.status == 3:
            beta[k] = np.inf
    idx = xm.index
    tx = x - beta[:, None] * gx
    ty = y + beta[:, None] * gy
    return DirectionalResult(
        beta=pd.Series(beta, index=idx, name="beta"),
        direction_inputs=pd.DataFrame(gx, index=idx, columns=xm.names),
        direction_outputs=pd.DataFrame(gy, index=idx, columns=ym.names),
        targets_inputs=pd.DataFrame(tx, index=idx, columns=xm.names),
        targets_outputs=pd.DataFrame(ty, index=idx, columns=ym.names),
        lambdas=pd.DataFrame(lam, index=idx, columns=idx),
        rts=rts,
        direction=label,
    )
