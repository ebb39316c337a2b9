"""Reallocation along the chain: the throughput LP (HiGHS) and its diminishing-returns variant.

With link budgets ``b_l``, unit costs ``c_l`` and demand ratios ``r_l``
(docs/methodology.md §7) the chain's throughput ``T`` (units of final output) is limited by
every link with ``r_l > 0``::

    T <= b_l / (c_l r_l)

The reallocation problem is the linear programme::

    max T   s.t.   c_l r_l T - b_l <= 0   (links with r_l > 0)
                   sum_l b_l = B
                   lo_l <= b_l <= hi_l,   lo_l = max(floor_l, (1 - m) b0_l, 0),  hi_l = (1 + m) b0_l

solved with HiGHS (``scipy.optimize.linprog(method="highs")``). The dual value of link l's
constraint is the marginal throughput of one more currency unit given to link l (with the
rest re-optimised); the dual of the budget row is ``dT/dB``.

Guards (see :meth:`peir.allocation.ChainModel.optimize`):

- a *limit* (units of output a link can hold whatever its budget, e.g. prison places) adds
  ``r_l T <= limit_l + x_l``, where ``x_l >= 0`` is new capacity bought at ``capacity_cost_l``
  per unit out of the same total (``sum b + sum cost_l x_l = B``); without a capacity cost
  ``x_l = 0``;
- *value per output* ``v_l`` replaces the objective by the total value
  ``max (sum_{r_l > 0} v_l r_l) T + sum_{r_l = 0} (v_l / c_l) b_l``, so a link without a demand
  ratio (prevention) is valued by what its output is worth.

With diminishing returns, capacity is ``a_l b_l^beta_l`` (``0 < beta_l <= 1``), calibrated so
that it equals ``b0_l / c_l`` at the current budget: ``a_l = b0_l^(1 - beta_l) / c_l``. The
programme ``max T s.t. r_l T <= a_l b_l^beta_l, sum b = B, bounds`` is convex after the log
transform ``t = ln T <= ln(a_l / r_l) + beta_l ln b_l`` (concave right-hand side). It is solved
exactly through its KKT conditions: at the optimum every constrained link receives just what it
needs, ``b_l(T) = clip((r_l T / a_l)^(1/beta_l), lo_l, hi_l)``, and ``sum_l b_l(T) = B`` is a
monotone equation in ``T`` solved by bisection. Shadow prices are then obtained by
re-solving with one more currency unit given to each link (finite difference).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import optimize as sopt

from peir.errors import InfeasibleError, InputError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["AllocationResult", "solve_allocation"]

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


@dataclass
class AllocationResult:
    """Optimal budgets along the chain.

    Attributes
    ----------
    budgets
        Optimal budget per link.
    current
        Current budget per link.
    throughput
        Maximum throughput T (units of final output per year) at :attr:`budgets`.
    current_throughput
        Throughput at the current budgets (same capacity model).
    shadow_prices
        Marginal throughput per extra currency unit given to each link (LP dual values).
    budget_dual
        Marginal throughput per extra currency unit of total budget (dT/dB).
    lower, upper
        Per-link bounds used (floors and ``max_change``).
    method
        ``"lp-highs"`` (linear capacities) or ``"convex-kkt"`` (diminishing returns).
    """

    budgets: pd.Series
    current: pd.Series
    throughput: float
    current_throughput: float
    shadow_prices: pd.Series
    budget_dual: float
    lower: pd.Series
    upper: pd.Series
    total_budget: float
    method: str
    returns: pd.Series | None = None
    notes: list[str] = field(default_factory=list)
    limits: pd.Series | None = None
    capacity_added: pd.Series | None = None
    value: float | None = None
    current_value: float | None = None

    @property
    def change(self) -> pd.Series:
        """Optimal minus current budget."""
        return (self.budgets - self.current).rename("change")

    @property
    def gain(self) -> float:
        """Relative throughput gain over the current allocation (0.1 = +10 %)."""
        if self.current_throughput <= 0:
            return math.inf if self.throughput > 0 else 0.0
        return self.throughput / self.current_throughput - 1.0

    def to_frame(self) -> pd.DataFrame:
        """One row per link: current, optimal, change, change_pct, lower, upper, shadow_price."""
        out = pd.DataFrame(
            {
                "current": self.current,
                "optimal": self.budgets,
                "change": self.change,
                "change_pct": 100 * self.change / self.current.where(self.current != 0),
                "lower": self.lower,
                "upper": self.upper,
                "shadow_price": self.shadow_prices,
            }
        )
        if self.returns is not None:
            out["beta"] = self.returns
        if self.limits is not None and self.limits.notna().any():
            out["limit"] = self.limits
        if self.capacity_added is not None and (self.capacity_added > 0).any():
            out["capacity_added"] = self.capacity_added
        return out.rename_axis("link")

    def summary(self) -> str:
        lines = [
            f"Chain reallocation ({self.method}): total budget {self.total_budget:,.0f}",
            f"throughput {self.current_throughput:,.4g} -> {self.throughput:,.4g} "
            f"({100 * self.gain:+.2f} %); dT/dB = {self.budget_dual:.4g} per currency unit",
            *(
                [
                    f"value {self.current_value:,.6g} -> {self.value:,.6g} "
                    "(value per output weighted)"
                ]
                if self.value is not None and self.current_value is not None
                else []
            ),
            "",
            self.to_frame().to_string(float_format=lambda v: f"{v:,.4g}"),
        ]
        if self.notes:
            lines += ["", *(f"note: {n}" for n in self.notes)]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (
            f"AllocationResult(method={self.method!r}, throughput={self.throughput:.6g}, "
            f"current_throughput={self.current_throughput:.6g})"
        )

    def _repr_html_(self) -> str:
        cap = html.escape(self.summary().splitlines()[1])
        body = self.to_frame().to_html(float_format=lambda v: f"{v:,.4g}")
        return f"<p><b>Chain reallocation ({html.escape(self.method)})</b>: {cap}</p>{body}"

    def plot(self, ax: Any = None) -> Figure:
        """Grouped bars: current against optimal budget by link. Returns the Figure."""
        import matplotlib.pyplot as plt

        if ax is None:
            fig, ax = plt.subplots(figsize=(7, 3.5))
        else:
            fig = ax.figure
        links = list(self.budgets.index)
        x = np.arange(len(links))
        w = 0.38
        ax.bar(x - w / 2, self.current.to_numpy(float), w, label="current", color="#9aa5b1")
        ax.bar(x + w / 2, self.budgets.to_numpy(float), w, label="optimal", color="#1f6f8b")
        ax.set_xticks(x, [str(lk) for lk in links])
        ax.set_ylabel("budget")
        ax.set_title(
            f"Throughput {self.current_throughput:,.4g} → {self.throughput:,.4g} "
            f"({100 * self.gain:+.1f} %)"
        )
        ax.legend(frameon=False)
        fig.tight_layout()
        return fig


def _bounds(
    b0: pd.Series,
    total: float,
    max_change: float | pd.Series | dict[str, float] | None,
    floors: pd.Series | dict[str, float] | None,
) -> tuple[FloatArray, FloatArray]:
    """Per-link bounds; raise InfeasibleError naming the constraint that cannot be met."""
    links = list(b0.index)
    base = b0.to_numpy(float)
    lo = np.zeros(len(links))
    hi = np.full(len(links), np.inf)
    if max_change is not None:
        mc = (
            pd.Series(max_change, index=links) if np.isscalar(max_change) else pd.Series(max_change)
        )
        unknown = sorted(set(map(str, mc.index)) - set(map(str, links)))
        if unknown:
            raise InputError(f"max_change names unknown link(s) {unknown}; links are {links}")
        mc = mc.reindex(links)
        m = mc.to_numpy(float)
        if (m[~np.isnan(m)] < 0).any():
            raise InputError("max_change must be >= 0 (0.2 means each link within ±20 %)")
        has = ~np.isnan(m)
        lo[has] = np.maximum(0.0, (1 - m[has]) * base[has])
        hi[has] = (1 + m[has]) * base[has]
    fl = np.zeros(len(links))
    if floors is not None:
        f = pd.Series(floors, dtype=float)
        unknown = sorted(set(map(str, f.index)) - set(map(str, links)))
        if unknown:
            raise InputError(f"floors name unknown link(s) {unknown}; links are {links}")
        if (f < 0).any():
            raise InputError("floors must be >= 0")
        fl = f.reindex(links).fillna(0.0).to_numpy(float)
        for i, lk in enumerate(links):
            if fl[i] > hi[i] * (1 + 1e-12):
                raise InfeasibleError(
                    f"the floor for link {lk!s} ({fl[i]:,.6g}) is above the most that "
                    f"max_change allows it ({hi[i]:,.6g} = current x (1 + max_change))",
                    constraint="floor",
                    link=str(lk),
                )
        if fl.sum() > total * (1 + 1e-12):
            raise InfeasibleError(
                f"the floors add up to {fl.sum():,.6g}, more than the total budget {total:,.6g}",
                constraint="floors",
            )
        lo = np.maximum(lo, fl)
    if lo.sum() > total * (1 + 1e-12):
        raise InfeasibleError(
            f"the total budget {total:,.6g} is below what the links must keep: "
            f"{lo.sum():,.6g} (floors and current x (1 - max_change)); raise the total "
            "or allow larger cuts",
            constraint="max_change_lower",
        )
    if np.isfinite(hi).all() and hi.sum() < total * (1 - 1e-12):
        raise InfeasibleError(
            f"the total budget {total:,.6g} cannot be spent within ±max_change of the "
            f"current budgets (at most {hi.sum():,.6g}); lower the total or allow larger "
            "increases",
            constraint="max_change_upper",
        )
    return lo, hi


def _solve_lp(
    cr: FloatArray,
    r: FloatArray,
    total: float,
    lo: FloatArray,
    hi: FloatArray,
    limit: FloatArray,
    cost: FloatArray,
    weight_t: float,
    weight_b: FloatArray,
) -> tuple[FloatArray, float, FloatArray, FloatArray, float]:
    """max weight_t T + weight_b . b  s.t.  cr_l T - b_l <= 0 (cr > 0),
    r_l T - x_l <= limit_l (finite limit), sum b + cost . x = B, lo <= b <= hi, x >= 0 (x only
    where a capacity cost is given). Variables (b, T, x). Returns b, T, x, duals, budget dual."""
    n = cr.size
    active = np.flatnonzero(cr > 0)
    limited = np.flatnonzero(np.isfinite(limit) & (r > 0))
    buy = [i for i in limited if np.isfinite(cost[i])]
    nv = n + 1 + len(buy)
    c = np.zeros(nv)
    c[:n] = -weight_b
    c[n] = -weight_t
    # a tiny price on new capacity, so that the LP buys none it does not need (the total must
    # be spent, and unneeded capacity would otherwise soak up what the bounds leave over)
    c[n + 1 :] = 1e-9 * max(weight_t, 1e-300)
    rows = []
    rhs = []
    for i in active:
        row = np.zeros(nv)
        row[i], row[n] = -1.0, cr[i]
        rows.append(row)
        rhs.append(0.0)
    for i in limited:
        row = np.zeros(nv)
        row[n] = r[i]
        if i in buy:
            row[n + 1 + buy.index(i)] = -1.0
        rows.append(row)
        rhs.append(float(limit[i]))
    A_eq = np.zeros((1, nv))
    A_eq[0, :n] = 1.0
    for j, i in enumerate(buy):
        A_eq[0, n + 1 + j] = cost[i]
    bounds = [(float(lo[i]), None if not np.isfinite(hi[i]) else float(hi[i])) for i in range(n)]
    bounds += [(0.0, None)] * (1 + len(buy))
    res = sopt.linprog(
        c,
        A_ub=np.array(rows) if rows else None,
        b_ub=np.array(rhs) if rows else None,
        A_eq=A_eq,
        b_eq=[total],
        bounds=bounds,
        method="highs",
    )
    if res.status == 2:
        raise InfeasibleError(
            "the allocation problem is infeasible (bounds and total budget)", constraint="bounds"
        )
    if res.status != 0:
        raise InfeasibleError(f"HiGHS did not solve the allocation LP: {res.message}")
    z = np.asarray(res.x, dtype=float)
    duals = np.zeros(n)
    if rows:
        duals[active] = -np.asarray(res.ineqlin.marginals, dtype=float)[: active.size]
    bdual = -float(res.eqlin.marginals[0])
    x = np.zeros(n)
    for j, i in enumerate(buy):
        x[i] = z[n + 1 + j]
    return z[:n], float(z[n]), x, duals, bdual


def _closest(b0: FloatArray, lo: FloatArray, hi: FloatArray, total: float) -> FloatArray:
    """Among budgets with lo <= b <= hi and sum b = B, the one closest to b0 (least
    absolute change, an LP): picks a single answer when the optimum is not unique."""
    n = b0.size
    # variables: b (n), d (n) with d >= |b - b0|
    c = np.concatenate([np.zeros(n), np.ones(n)])
    eye = np.eye(n)
    A_ub = np.block([[eye, -eye], [-eye, -eye]])
    b_ub = np.concatenate([b0, -b0])
    A_eq = np.concatenate([np.ones(n), np.zeros(n)])[None, :]
    bounds = [(float(lo[i]), None if not np.isfinite(hi[i]) else float(hi[i])) for i in range(n)]
    bounds += [(0.0, None)] * n
    res = sopt.linprog(
        c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=[total], bounds=bounds, method="highs"
    )
    if res.status != 0:  # pragma: no cover - feasible by construction
        raise InfeasibleError(f"HiGHS could not settle the optimal budgets: {res.message}")
    return np.asarray(res.x[:n], dtype=np.float64)


def _per_link(values: dict[str, float] | None, idx: pd.Index, name: str) -> FloatArray:
    """A per-link mapping as an array on ``idx`` (NaN where not given); unknown links raise."""
    if not values:
        return np.full(len(idx), np.nan)
    unknown = sorted(set(map(str, values)) - set(map(str, idx)))
    if unknown:
        raise InputError(f"{name} names unknown link(s) {unknown}; links are {list(map(str, idx))}")
    out: FloatArray = np.asarray(pd.Series(values, dtype=float).reindex(idx), dtype=np.float64)
    if (out[np.isfinite(out)] < 0).any():
        raise InputError(f"{name} must be >= 0")
    return out


def _throughput(b: FloatArray, cr: FloatArray, r: FloatArray, limit: FloatArray) -> float:
    """min over constrained links of min(b / (c r), limit / r)."""
    act = r > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        by_budget = np.where(act, b / np.where(act, cr, 1), np.inf)
        by_limit = np.where(act & np.isfinite(limit), limit / np.where(act, r, 1), np.inf)
    return float(np.min(np.minimum(by_budget, by_limit)))


def _b_of_t(t: float, a: FloatArray, r: FloatArray, beta: FloatArray) -> FloatArray:
    need = np.zeros(a.size)
    act = r > 0
    need[act] = (r[act] * t / a[act]) ** (1.0 / beta[act])
    return need


def _solve_convex(
    a: FloatArray,
    r: FloatArray,
    beta: FloatArray,
    total: float,
    lo: FloatArray,
    hi: FloatArray,
    t_limit: float = math.inf,
) -> tuple[FloatArray, float]:
    """Water-filling solution of the diminishing-returns programme.

    max T  s.t.  r T <= a b^beta,  T <= t_limit,  sum b = B,  lo <= b <= hi.
    """
    act = r > 0
    # the largest T any link can support within its upper bound (and the physical limits)
    with np.errstate(divide="ignore"):
        tcap = np.where(
            act, a * np.where(np.isfinite(hi), hi, np.inf) ** beta / np.where(act, r, 1), np.inf
        )
    t_hi = min(float(np.min(tcap)), t_limit)

    def spend(t: float) -> float:
        return float(np.clip(_b_of_t(t, a, r, beta), lo, hi).sum())

    if not np.isfinite(t_hi):
        t_hi = 1.0
        while spend(t_hi) < total:
            t_hi *= 2.0
    cap = total * (1 + 1e-12)
    if spend(t_hi) <= cap:
        t = t_hi
    else:  # largest T with spend(T) <= B: spend is non-decreasing, so bisect
        t_lo, t_up = 0.0, t_hi
        for _ in range(200):
            mid = 0.5 * (t_lo + t_up)
            if spend(mid) <= cap:
                t_lo = mid
            else:
                t_up = mid
            if t_up - t_lo <= 1e-15 * t_hi:
                break
        t = t_lo
    b = np.clip(_b_of_t(t, a, r, beta), lo, hi)
    left = total - b.sum()
    if left > 0:  # money no link can use: spread over the headroom, it does no harm
        room = np.where(np.isfinite(hi), hi - b, 0.0)
        if room.sum() <= 0:
            room = np.ones_like(b)
        b = b + left * room / room.sum()
    t_real = min(float(np.min(np.where(act, a * b**beta / np.where(act, r, 1), np.inf))), t_limit)
    return b, t_real


def solve_allocation(
    links: pd.DataFrame,
    *,
    total_budget: float | None = None,
    max_change: float | pd.Series | dict[str, float] | None = None,
    floors: pd.Series | dict[str, float] | None = None,
    returns: pd.Series | dict[str, float] | float | None = None,
    limits: pd.Series | dict[str, float] | None = None,
    capacity_cost: dict[str, float] | None = None,
    value_per_output: dict[str, float] | None = None,
) -> AllocationResult:
    """Solve the reallocation problem for a links table (``budget, unit_cost, demand_ratio``).

    See the module docstring for the formulation; :meth:`ChainModel.optimize` is the usual
    entry point (it adds the default prevention floor and the model's limits).
    """
    b0 = links["budget"].astype(float)
    c: FloatArray = np.asarray(links["unit_cost"], dtype=np.float64)
    r: FloatArray = np.asarray(links["demand_ratio"], dtype=np.float64)
    idx = links.index
    limit: FloatArray = np.asarray(
        pd.Series(limits if limits is not None else {}, dtype=float).reindex(idx), dtype=np.float64
    )
    cost = _per_link(capacity_cost, idx, "capacity_cost")
    value = _per_link(value_per_output, idx, "value_per_output")
    if capacity_cost and not np.isfinite(limit[np.isfinite(cost)]).all():
        raise InputError(
            "capacity_cost is for links with a limit (e.g. prison places); "
            f"limits are {dict(zip(map(str, idx), limit))}"
        )
    if (returns is not None) and (capacity_cost or value_per_output):
        raise InputError(
            "capacity_cost and value_per_output work with the linear model only (returns=None)"
        )
    if value_per_output and (np.isnan(c[(r == 0) & np.isfinite(value) & (value != 0)])).any():
        raise InputError(
            "value_per_output for a link with demand ratio 0 needs its unit cost "
            "(currency per unit of its output) to count its output"
        )
    total = float(b0.sum()) if total_budget is None else float(total_budget)
    if not math.isfinite(total) or total <= 0:
        raise InputError(f"total_budget must be a positive number; got {total_budget!r}")
    lo, hi = _bounds(b0, total, max_change, floors)
    cr = np.where(r > 0, np.nan_to_num(c) * r, 0.0)
    notes: list[str] = []
    if (r == 0).any() and not value_per_output:
        zero = [str(lk) for lk, v in zip(links.index, r) if v == 0]
        notes.append(
            f"link(s) {', '.join(zero)} have demand ratio 0: they do not constrain throughput; "
            "they keep no more than their floor"
        )
    if value_per_output:
        notes.append(
            "objective: total value of output at the given value per unit "
            f"({', '.join(f'{k}: {v:,.6g}' for k, v in value_per_output.items())}), an assumption"
        )

    def result(
        b: FloatArray,
        t: float,
        t0: float,
        sp: FloatArray,
        bdual: float,
        method: str,
        beta: FloatArray | None = None,
        added: FloatArray | None = None,
        values: tuple[float, float] | None = None,
    ) -> AllocationResult:
        return AllocationResult(
            budgets=pd.Series(b, index=idx, name="budget"),
            current=b0.rename("budget"),
            throughput=t,
            current_throughput=t0,
            shadow_prices=pd.Series(sp, index=idx, name="shadow_price"),
            budget_dual=bdual,
            lower=pd.Series(lo, index=idx, name="lower"),
            upper=pd.Series(hi, index=idx, name="upper"),
            total_budget=total,
            method=method,
            returns=None if beta is None else pd.Series(beta, index=idx, name="beta"),
            notes=notes,
            limits=pd.Series(limit, index=idx, name="limit"),
            capacity_added=None
            if added is None
            else pd.Series(added, index=idx, name="capacity_added"),
            value=None if values is None else values[1],
            current_value=None if values is None else values[0],
        )

    if np.isfinite(limit).any():
        held = [f"{lk} ({v:,.6g})" for lk, v in zip(map(str, idx), limit) if np.isfinite(v)]
        notes.append(
            f"limits: {', '.join(held)} units of output at most"
            + (
                " plus capacity bought at capacity_cost"
                if capacity_cost
                else " (no budget for new capacity)"
            )
        )
    base = np.asarray(b0, dtype=np.float64)
    if returns is None:
        weight_t = float(np.nansum(np.where(r > 0, value * r, 0.0))) if value_per_output else 1.0
        weight_b = np.where(
            (r == 0) & np.isfinite(value),
            np.nan_to_num(value) / np.where(np.isfinite(c), c, 1),
            0.0,
        )
        b, t, x, duals, bdual = _solve_lp(cr, r, total, lo, hi, limit, cost, weight_t, weight_b)
        if not value_per_output:
            x = np.where(x > 0, np.maximum(r * t - np.nan_to_num(limit), 0.0), 0.0)  # what T* needs
            # second stage: of the budgets reaching T*, keep the one closest to the current
            need = np.maximum(lo, cr * t * (1 - 1e-10))
            b = _closest(
                base,
                np.minimum(need, hi),
                hi,
                total - float(np.nansum(np.where(x > 0, cost * x, 0.0))),
            )
        t = _throughput(b, cr, r, limit + x)
        t0 = _throughput(base, cr, r, limit)
        values = None
        if value_per_output:
            values = (weight_t * t0 + float(weight_b @ base), weight_t * t + float(weight_b @ b))
        return result(
            b, t, t0, duals, bdual, "lp-highs", added=x if (x > 0).any() else None, values=values
        )
    beta_s = (
        pd.Series(float(returns), index=idx)
        if isinstance(returns, int | float)
        else pd.Series(returns, dtype=float).reindex(idx)
    )
    if beta_s.isna().any():
        missing = [str(k) for k in beta_s.index[beta_s.isna()]]
        notes.append(f"no returns parameter for {missing}: taken as linear (beta = 1)")
        beta_s = beta_s.fillna(1.0)
    beta: FloatArray = np.asarray(beta_s, dtype=np.float64)
    if ((beta <= 0) | (beta > 1)).any():
        raise InputError(
            "returns (beta) must be in (0, 1]: capacity a b^beta is concave only then; "
            f"got {dict(zip(map(str, idx), beta))}"
        )
    base = np.asarray(b0, dtype=np.float64)
    if (base[r > 0] <= 0).any():
        raise InputError(
            "with diminishing returns every constrained link needs a current budget > 0"
        )
    cc = np.where(np.isfinite(c), c, 1.0)  # links with r = 0 never use it
    a = np.where(base > 0, base ** (1 - beta) / cc, 1.0 / cc)
    t_lim = float(
        np.min(np.where(np.isfinite(limit) & (r > 0), limit / np.where(r > 0, r, 1), np.inf))
    )
    b, t_star = _solve_convex(a, r, beta, total, lo, hi, t_lim)
    need = np.maximum(lo, np.minimum(_b_of_t(t_star * (1 - 1e-10), a, r, beta), hi))
    b = _closest(base, need, hi, total)
    t = min(float(np.min(np.where(r > 0, a * b**beta / np.where(r > 0, r, 1), np.inf))), t_lim)
    t0 = min(float(np.min(np.where(r > 0, a * base**beta / np.where(r > 0, r, 1), np.inf))), t_lim)
    # shadow prices: one more currency unit (relative step) given to each link, re-optimised
    delta = 1e-6 * total
    _, t_b = _solve_convex(a, r, beta, total + delta, lo, np.maximum(hi, lo), t_lim)
    bdual = max((t_b - t_star) / delta, 0.0)
    sp = np.zeros(b.size)
    for i in range(b.size):
        lo2, hi2 = lo.copy(), hi.copy()
        lo2[i] = max(lo[i], b[i]) + delta
        hi2[i] = max(hi[i], lo2[i])
        _, ti = _solve_convex(a, r, beta, total + delta, lo2, hi2, t_lim)
        sp[i] = max((ti - t_star) / delta, 0.0)
    notes.append("diminishing returns: capacity a b^beta calibrated to the current budgets")
    return result(b, t, t0, sp, bdual, "convex-kkt", beta)
