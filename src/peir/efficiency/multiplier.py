r"""DEA in multiplier form, with assurance-region weight restrictions (Thompson et al. 1990).

Input orientation (the dual of the envelopment LP):

.. math::

    \max_{u, v, u_0}\; u^\top y_0 + u_0 \quad\text{s.t.}\quad v^\top x_0 = 1,\;
    u^\top y_j - v^\top x_j + u_0 \le 0 \;\forall j,\; u, v \ge 0,

with u₀ = 0 (CRS), free (VRS), ≤ 0 (NIRS), ≥ 0 (NDRS); the optimum is θ. Output orientation:
min vᵀx₀ + v₀ s.t. uᵀy₀ = 1, vᵀx_j + v₀ − uᵀy_j ≥ 0, with v₀ = 0 (CRS), free (VRS), ≥ 0
(NIRS), ≤ 0 (NDRS); efficiency 1/(vᵀx₀ + v₀).

An assurance region bounds the ratio of two weights of the same kind:
lo ≤ v_a / v_b ≤ hi, written as the linear rows v_a − hi·v_b ≤ 0 and lo·v_b − v_a ≤ 0
(``ratio_bounds={("staff", "judges"): (0.5, 2.0)}``: a member of staff is worth between half
and twice a judge). Restricted scores are never above the unrestricted ones; without bounds
they equal the envelopment scores of :func:`peir.efficiency.dea`.

References
----------
Thompson, R. G., Langemeier, L. N., Lee, C.-T., Lee, E. & Thrall, R. M. (1990). The role of
multiplier bounds in efficiency analysis with application to Kansas farming. *Journal of
Econometrics* 46, 93–108. Cooper, W. W., Seiford, L. M. & Tone, K. (2007). *Data Envelopment
Analysis*, 2nd ed., ch. 6.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
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
from peir.efficiency._lpmodel import solve
from peir.efficiency._plots import ranking
from peir.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["MultiplierResult", "dea_multiplier"]


@dataclass(frozen=True, repr=False, eq=False)
class MultiplierResult(Result):
    """Result of :func:`dea_multiplier` (read-only).

    Attributes
    ----------
    efficiency : Series
        θ (input) or 1/(vᵀx₀ + v₀) (output); NaN where the restricted LP is infeasible.
    weights_inputs, weights_outputs : DataFrame
        v and u per unit, in the data's own units (v scaled so that vᵀx₀ = 1 for the input
        orientation, u so that uᵀy₀ = 1 for the output orientation).
    free_weight : Series
        u₀ (input) or v₀ (output), the returns-to-scale term (0 under CRS).
    rts, orientation : str
    ratio_bounds : dict
    """

    efficiency: pd.Series
    weights_inputs: pd.DataFrame
    weights_outputs: pd.DataFrame
    free_weight: pd.Series
    rts: str
    orientation: str
    ratio_bounds: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        df = pd.DataFrame({"efficiency": self.efficiency, "free_weight": self.free_weight})
        for c in self.weights_inputs.columns:
            df[f"v_{c}"] = self.weights_inputs[c].to_numpy()
        for c in self.weights_outputs.columns:
            df[f"u_{c}"] = self.weights_outputs[c].to_numpy()
        return df

    def summary(self) -> Summary:
        e = self.efficiency
        bounds = (
            "; ".join(
                f"{lo:g} ≤ {a}/{b} ≤ {hi:g}" for (a, b), (lo, hi) in self.ratio_bounds.items()
            )
            or "none"
        )
        header = [
            (
                "Model",
                f"DEA multiplier form, {RTS_NAMES[self.rts]}, {self.orientation} orientation",
            ),
            ("Units", f"{len(e)}"),
            ("Weight restrictions", bounds),
            ("Efficient units (score = 1)", f"{int(np.isclose(e, 1.0, atol=1e-9).sum())}"),
            ("Mean efficiency", f"{e.mean():.4f}"),
        ]
        return Summary("DEA multiplier form", header, e.describe().to_frame("efficiency").T)

    def plot(self, ax: Any = None) -> Figure:
        return ranking(
            self.efficiency,
            ax=ax,
            title="DEA efficiency (multiplier form)",
            xlabel=f"efficiency ({self.orientation}, {self.rts.upper()})",
        )


def _bound_rows(
    ratio_bounds: Mapping[tuple[str, str], tuple[float, float]] | None,
    in_names: list[str],
    out_names: list[str],
    scale: np.ndarray[Any, Any],
) -> tuple[np.ndarray[Any, Any], dict[tuple[str, str], tuple[float, float]]]:
    """Rows (over the weights [v..., u...] of rescaled data) of the assurance regions."""
    names = in_names + out_names
    rows: list[np.ndarray[Any, Any]] = []
    clean: dict[tuple[str, str], tuple[float, float]] = {}
    for key, value in (ratio_bounds or {}).items():
        try:
            a, b = key
            lo, hi = (float(value[0]), float(value[1]))
        except (TypeError, ValueError, IndexError) as exc:
            raise InputError(
                f"ratio_bounds: {key!r}: {value!r} must be (name_a, name_b): (low, high)."
            ) from exc
        a, b = str(a), str(b)
        for nm in (a, b):
            if nm not in names:
                raise InputError(
                    f"ratio_bounds: {nm!r} is not an input or output ({', '.join(names)})."
                )
        if (a in in_names) != (b in in_names):
            raise InputError(f"ratio_bounds: {a!r} and {b!r} must both be inputs or both outputs.")
        if not (0 <= lo <= hi) or not np.isfinite(hi):
            raise InputError(
                f"ratio_bounds for {a}/{b}: need 0 <= low <= high < inf, got ({lo}, {hi})."
            )
        ia, ib = names.index(a), names.index(b)
        # the LP weighs rescaled columns x_k / s_k: its weight ṽ_k is s_k times the weight in
        # the data's own units, w_k = ṽ_k / s_k; w_a − hi·w_b ≤ 0 and lo·w_b − w_a ≤ 0
        up = np.zeros(len(names))
        up[ia], up[ib] = 1.0 / scale[ia], -hi / scale[ib]
        down = np.zeros(len(names))
        down[ia], down[ib] = -1.0 / scale[ia], lo / scale[ib]
        rows += [up, down]
        clean[(a, b)] = (lo, hi)
    return (np.vstack(rows) if rows else np.zeros((0, len(names)))), clean


def dea_multiplier(
    inputs: Any,
    outputs: Any,
    *,
    rts: str = "vrs",
    orientation: str = "input",
    ratio_bounds: Mapping[tuple[str, str], tuple[float, float]] | None = None,
) -> MultiplierResult:
    r"""DEA scores and weights from the multiplier form, optionally with assurance regions.

    Parameters
    ----------
    inputs, outputs : DataFrame or 2-D array
        Rows are units; the names in ``ratio_bounds`` are their column names.
    rts : {"vrs", "crs", "nirs", "ndrs"}
    orientation : {"input", "output"}
    ratio_bounds : dict, optional
        ``{(a, b): (low, high)}`` for low ≤ weight_a / weight_b ≤ high, a and b both inputs
        or both outputs.

    Returns
    -------
    MultiplierResult
        ``.efficiency``, ``.weights_inputs``, ``.weights_outputs``, ``.free_weight``.
    """
    rts, orientation = check_rts_orientation(rts, orientation)
    if rts == "fdh":
        raise InputError("dea_multiplier needs a convex technology (vrs, crs, nirs or ndrs).")
    xm, ym = validate_pair(inputs, outputs, technology=True)
    check_sample_size(len(xm.index), len(xm.names), len(ym.names), what="dea_multiplier")
    x, y = xm.values, ym.values
    n, m = x.shape
    s = y.shape[1]
    sx, sy = x.mean(axis=0), y.mean(axis=0)
    xs, ys = x / sx, y / sy
    ar, clean = _bound_rows(ratio_bounds, xm.names, ym.names, np.r_[sx, sy])
    inp = orientation == "input"
    # columns: v (m), u (s), free weight w; the free weight's bounds give the RTS
    if inp:
        free = {"crs": (0.0, 0.0), "vrs": (None, None), "nirs": (None, 0.0), "ndrs": (0.0, None)}[
            rts
        ]
        # u y_j - v x_j + w <= 0
        a_ub = np.c_[-xs, ys, np.ones(n)]
    else:
        free = {"crs": (0.0, 0.0), "vrs": (None, None), "nirs": (0.0, None), "ndrs": (None, 0.0)}[
            rts
        ]
        # -(v x_j + w - u y_j) <= 0
        a_ub = np.c_[-xs, ys, -np.ones(n)]
    if ar.shape[0]:
        a_ub = np.vstack([a_ub, np.c_[ar, np.zeros(ar.shape[0])]])
    b_ub = np.zeros(a_ub.shape[0])
    bounds = [(0, None)] * (m + s) + [free]
    eff = np.full(n, np.nan)
    v = np.full((n, m), np.nan)
    u = np.full((n, s), np.nan)
    w = np.full(n, np.nan)
    for k in range(n):
        if inp:
            c = -np.r_[np.zeros(m), ys[k], 1.0]
            a_eq, b_eq = np.r_[xs[k], np.zeros(s), 0.0][None, :], np.ones(1)
        else:
            c = np.r_[xs[k], np.zeros(s), 1.0]
            a_eq, b_eq = np.r_[np.zeros(m), ys[k], 0.0][None, :], np.ones(1)
        res = solve(c, a_ub, b_ub, a_eq, b_eq, bounds)
        if res.status != 0:
            continue
        z = res.x
        eff[k] = -res.fun if inp else 1.0 / res.fun
        v[k], u[k], w[k] = z[:m] / sx, z[m : m + s] / sy, z[-1]
    idx = xm.index
    return MultiplierResult(
        efficiency=pd.Series(eff, index=idx, name="efficiency"),
        weights_inputs=pd.DataFrame(v, index=idx, columns=xm.names),
        weights_outputs=pd.DataFrame(u, index=idx, columns=ym.names),
        free_weight=pd.Series(w, index=idx, name="free_weight"),
        rts=rts,
        orientation=orientation,
        ratio_bounds=clean,
    )
