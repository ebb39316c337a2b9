r"""Cost and revenue efficiency with prices, and their split into technical and allocative
efficiency (Farrell 1957; Färe, Grosskopf & Lovell 1985).

**Cost.** With input prices w₀ of unit 0 (salaries of judges and staff, say), the least cost
of producing y₀ with the technology is

.. math:: C^*(y_0, w_0) = \min_{x, \lambda} w_0^\top x \;\text{s.t.}\; X\lambda \le x,\;
          Y\lambda \ge y_0,\; \lambda \ge 0 \;(+\text{RTS}),

cost efficiency CE = C* / (w₀ᵀx₀) ≤ 1, technical efficiency TE = θ (input-oriented DEA, same
returns to scale), allocative efficiency AE = CE / TE: the share of the cost saving that needs a
different input mix, not just less of every input. As w₀ ≥ 0, an optimum has x = Xλ, so the LP
is solved in λ alone: min Σ_j λ_j (w₀ᵀx_j).

**Revenue.** With output prices p₀: R* = max p₀ᵀy s.t. Xλ ≤ x₀, Yλ ≥ y, i.e. max Σ_j λ_j
(p₀ᵀy_j) s.t. Xλ ≤ x₀; revenue efficiency RE = p₀ᵀy₀ / R* ≤ 1, TE = 1/φ (output-oriented
DEA), AE = RE / TE.

References
----------
Farrell, M. J. (1957). The measurement of productive efficiency. *JRSS A* 120, 253–290.
Färe, R., Grosskopf, S. & Lovell, C. A. K. (1985). *The Measurement of Efficiency of
Production*. Kluwer. Coelli, T. J. (1996). A guide to DEAP version 2.1 (example 2: cost
efficiency). CEPA Working Paper 96/08.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from peir._results import Result, Summary
from peir.efficiency._checks import (
    RTS_NAMES,
    Matrix,
    check_rts_orientation,
    check_sample_size,
    validate_pair,
)
from peir.efficiency._lpmodel import Array, rts_rows, solve, stack
from peir.efficiency._plots import ranking
from peir.efficiency.dea import dea
from peir.errors import InputError, PeirWarning

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "CostEfficiencyResult",
    "RevenueEfficiencyResult",
    "cost_efficiency",
    "revenue_efficiency",
]

LAMBDA_TOL = 1e-9


def _prices(prices: Any, m: Matrix, what: str) -> Array:
    """Prices as an n × k array: a vector (the same for every unit) or one row per unit; a
    DataFrame's columns are matched to the variables by name."""
    n, k = m.values.shape
    if isinstance(prices, pd.DataFrame):
        if m.is_frame and all(c in prices.columns for c in m.names):
            prices = prices[m.names]
        if m.is_frame and len(prices) == n and set(prices.index) == set(m.index):
            prices = prices.loc[m.index]
        if len(prices) != n:
            raise InputError(f"{what}: {len(prices)} rows of prices for {n} units.")
        arr = prices.to_numpy(dtype=float)
    elif (
        isinstance(prices, pd.Series) and m.is_frame and set(m.names) <= set(map(str, prices.index))
    ):
        arr = np.asarray(prices[m.names], dtype=float)
    else:
        arr = np.asarray(prices, dtype=float)
    if arr.ndim == 1:
        if arr.size != k:
            raise InputError(f"{what}: {arr.size} prices for {k} variables ({', '.join(m.names)}).")
        arr = np.broadcast_to(arr, (n, k)).copy()
    if arr.shape != (n, k):
        raise InputError(f"{what}: expected {k} prices (or {n} × {k}), got shape {arr.shape}.")
    if not np.isfinite(arr).all() or (arr < 0).any():
        raise InputError(f"{what}: prices must be finite and non-negative.")
    out: Array = np.asarray(arr, dtype=float)
    return out


@dataclass(frozen=True, repr=False, eq=False)
class _PriceResult(Result):
    technical_efficiency: pd.Series
    allocative_efficiency: pd.Series
    lambdas: pd.DataFrame
    rts: str

    KIND: ClassVar[str] = ""

    def _overall(self) -> pd.Series:
        raise NotImplementedError

    def summary(self) -> Summary:
        f = self.to_frame()
        cols = [self.KIND, "technical_efficiency", "allocative_efficiency"]
        header = [
            ("Model", f"{self.KIND.replace('_', ' ')}, {RTS_NAMES[self.rts]}"),
            ("Units", f"{len(f)}"),
            (f"Mean {self.KIND.replace('_', ' ')}", f"{f[self.KIND].mean():.4f}"),
        ]
        notes = [f"{self.KIND.replace('_', ' ')} = technical × allocative efficiency."]
        return Summary(
            self.KIND.replace("_", " ").capitalize(),
            header,
            f[cols].describe().T[["mean", "std", "min", "50%", "max"]],
            notes,
        )

    def plot(self, ax: Any = None) -> Figure:
        return ranking(
            self._overall(),
            ax=ax,
            title=self.KIND.replace("_", " ").capitalize(),
            xlabel=f"{self.KIND.replace('_', ' ')} ({self.rts.upper()})",
        )


@dataclass(frozen=True, repr=False, eq=False)
class CostEfficiencyResult(_PriceResult):
    """Result of :func:`cost_efficiency` (read-only): ``cost_efficiency``,
    ``technical_efficiency``, ``allocative_efficiency`` (= cost ÷ technical),
    ``optimal_inputs`` (the least-cost input mix), ``min_cost``, ``actual_cost``."""

    cost_efficiency: pd.Series
    optimal_inputs: pd.DataFrame
    min_cost: pd.Series
    actual_cost: pd.Series

    KIND: ClassVar[str] = "cost_efficiency"

    def _overall(self) -> pd.Series:
        return self.cost_efficiency

    def to_frame(self) -> pd.DataFrame:
        df = pd.DataFrame(
            {
                "cost_efficiency": self.cost_efficiency,
                "technical_efficiency": self.technical_efficiency,
                "allocative_efficiency": self.allocative_efficiency,
                "actual_cost": self.actual_cost,
                "min_cost": self.min_cost,
            }
        )
        for c in self.optimal_inputs.columns:
            df[f"optimal_{c}"] = self.optimal_inputs[c].to_numpy()
        return df


@dataclass(frozen=True, repr=False, eq=False)
class RevenueEfficiencyResult(_PriceResult):
    """Result of :func:`revenue_efficiency` (read-only): ``revenue_efficiency``,
    ``technical_efficiency`` (1/φ), ``allocative_efficiency`` (= revenue ÷ technical),
    ``optimal_outputs``, ``max_revenue``, ``actual_revenue``."""

    revenue_efficiency: pd.Series
    optimal_outputs: pd.DataFrame
    max_revenue: pd.Series
    actual_revenue: pd.Series

    KIND: ClassVar[str] = "revenue_efficiency"

    def _overall(self) -> pd.Series:
        return self.revenue_efficiency

    def to_frame(self) -> pd.DataFrame:
        df = pd.DataFrame(
            {
                "revenue_efficiency": self.revenue_efficiency,
                "technical_efficiency": self.technical_efficiency,
                "allocative_efficiency": self.allocative_efficiency,
                "actual_revenue": self.actual_revenue,
                "max_revenue": self.max_revenue,
            }
        )
        for c in self.optimal_outputs.columns:
            df[f"optimal_{c}"] = self.optimal_outputs[c].to_numpy()
        return df


def _radial(xm: Matrix, ym: Matrix, rts: str, orientation: str) -> pd.Series:
    """Technical efficiency of the same units (the sample-size warning was given already)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Cooper's rule", category=PeirWarning)
        eff: pd.Series = dea(
            xm.frame(), ym.frame(), rts=rts, orientation=orientation, slacks=False
        ).efficiency
    return eff


def _optimise(
    value: Array, a_rows: Array, b_rows: Array, rts: str, sense: float
) -> tuple[Array, Array]:
    """For each unit k: optimum of sense·Σ_j λ_j value[k, j] subject to a_rows λ ≤ b_rows[k]
    and the RTS constraint; returns (optimal value, λ) per unit."""
    n, nr = value.shape
    rts_ub, rts_b, a_eq, b_eq = rts_rows(rts, 0, nr)
    best = np.full(n, np.nan)
    lam = np.zeros((n, nr))
    for k in range(n):
        a_ub, b_ub = stack((a_rows, b_rows[k]), (rts_ub, rts_b))
        res = solve(sense * value[k], a_ub, b_ub, a_eq, b_eq, (0, None))
        if res.status == 0:
            best[k] = sense * res.fun
            lam[k] = np.where(res.x > LAMBDA_TOL, res.x, 0.0)
        elif res.status == 3:
            best[k] = np.inf
    return best, lam


def cost_efficiency(
    inputs: Any, outputs: Any, prices: Any, *, rts: str = "vrs"
) -> CostEfficiencyResult:
    r"""Cost efficiency C*/C with its technical and allocative parts (see the module notes).

    Parameters
    ----------
    inputs, outputs : DataFrame or 2-D array
        Rows are units.
    prices : sequence, Series, DataFrame or 2-D array
        Input prices: one per input (the same for every unit; a Series is matched by name) or
        one row per unit (units × inputs; a DataFrame's columns are matched by name).
    rts : {"vrs", "crs", "nirs", "ndrs"}

    Returns
    -------
    CostEfficiencyResult
        ``.cost_efficiency``, ``.technical_efficiency``, ``.allocative_efficiency``,
        ``.optimal_inputs``, ``.min_cost``.
    """
    rts, _ = check_rts_orientation(rts, "input")
    if rts == "fdh":
        raise InputError("cost_efficiency needs a convex technology (vrs, crs, nirs or ndrs).")
    xm, ym = validate_pair(inputs, outputs, technology=True)
    check_sample_size(len(xm.index), len(xm.names), len(ym.names), what="cost_efficiency")
    w = _prices(prices, xm, "prices")
    x, y = xm.values, ym.values
    actual = (w * x).sum(axis=1)
    if np.any(actual <= 0):
        bad = [str(xm.index[i]) for i in np.flatnonzero(actual <= 0)[:5]]
        raise InputError(
            f"cost_efficiency: the cost at the given prices is zero for {', '.join(bad)}."
        )
    sy = y.mean(axis=0)
    value = w @ x.T  # (n units, n reference): cost of reference unit j at unit k's prices
    best, lam = _optimise(value, -(y / sy).T, -(y / sy), rts, 1.0)
    te = _radial(xm, ym, rts, "input")
    idx = xm.index
    ce = best / actual
    return CostEfficiencyResult(
        technical_efficiency=te.rename("technical_efficiency"),
        allocative_efficiency=pd.Series(
            ce / te.to_numpy(), index=idx, name="allocative_efficiency"
        ),
        lambdas=pd.DataFrame(lam, index=idx, columns=idx),
        rts=rts,
        cost_efficiency=pd.Series(ce, index=idx, name="cost_efficiency"),
        optimal_inputs=pd.DataFrame(lam @ x, index=idx, columns=xm.names),
        min_cost=pd.Series(best, index=idx, name="min_cost"),
        actual_cost=pd.Series(actual, index=idx, name="actual_cost"),
    )


def revenue_efficiency(
    inputs: Any, outputs: Any, prices: Any, *, rts: str = "vrs"
) -> RevenueEfficiencyResult:
    r"""Revenue efficiency R/R* with its technical and allocative parts (see the module notes).

    Parameters
    ----------
    inputs, outputs : DataFrame or 2-D array
    prices : sequence, Series, DataFrame or 2-D array
        Output prices (or values per case): one per output or one row per unit.
    rts : {"vrs", "crs", "nirs", "ndrs"}

    Returns
    -------
    RevenueEfficiencyResult
        ``.revenue_efficiency``, ``.technical_efficiency``, ``.allocative_efficiency``,
        ``.optimal_outputs``, ``.max_revenue``.
    """
    rts, _ = check_rts_orientation(rts, "output")
    if rts == "fdh":
        raise InputError("revenue_efficiency needs a convex technology (vrs, crs, nirs, ndrs).")
    xm, ym = validate_pair(inputs, outputs, technology=True)
    check_sample_size(len(xm.index), len(xm.names), len(ym.names), what="revenue_efficiency")
    p = _prices(prices, ym, "prices")
    x, y = xm.values, ym.values
    actual = (p * y).sum(axis=1)
    sx = x.mean(axis=0)
    value = p @ y.T
    best, lam = _optimise(value, (x / sx).T, x / sx, rts, -1.0)
    te = _radial(xm, ym, rts, "output")
    idx = xm.index
    with np.errstate(divide="ignore", invalid="ignore"):
        re = actual / best
    return RevenueEfficiencyResult(
        technical_efficiency=te.rename("technical_efficiency"),
        allocative_efficiency=pd.Series(
            re / te.to_numpy(), index=idx, name="allocative_efficiency"
        ),
        lambdas=pd.DataFrame(lam, index=idx, columns=idx),
        rts=rts,
        revenue_efficiency=pd.Series(re, index=idx, name="revenue_efficiency"),
        optimal_outputs=pd.DataFrame(lam @ y, index=idx, columns=ym.names),
        max_revenue=pd.Series(best, index=idx, name="max_revenue"),
        actual_revenue=pd.Series(actual, index=idx, name="actual_revenue"),
    )
