"""Budget scenarios along the chain ("judicial +10 %, patrol −5 %") against the baseline.

A scenario changes link budgets by relative amounts (and optionally unit costs, for an
efficiency gain). Its projection uses the :class:`~peir.allocation.model.ChainModel`: new
capacity ``b'/c'`` (or ``capacity_0 (b'/b_0)^beta`` with diminishing returns), throughput
``T = min b/(c r)``, demand ``r D`` (D the reference final output), the flow a link can
process ``min(capacity, demand)`` and its utilisation ``demand / capacity``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from peir._results import Result, Summary
from peir.allocation.returns import ReturnsEstimate
from peir.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from peir.allocation.model import ChainModel

__all__ = ["Scenario", "ScenarioComparison", "compare_scenarios"]


@dataclass
class Scenario:
    """A named set of relative budget changes per link.

    Parameters
    ----------
    name
        Label, e.g. ``"courts +10 %"``.
    changes
        Relative budget change per link: ``{"judicial": 0.10, "patrol": -0.05}``.
    unit_cost_changes
        Optional relative change of unit costs (``-0.05`` = 5 % cheaper per case).
    description
        Free text.
    """

    name: str
    changes: dict[str, float] = field(default_factory=dict)
    unit_cost_changes: dict[str, float] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        self.changes = {str(k): float(v) for k, v in self.changes.items()}
        self.unit_cost_changes = {str(k): float(v) for k, v in self.unit_cost_changes.items()}
        for k, v in self.changes.items():
            if not np.isfinite(v) or v < -1:
                raise InputError(f"scenario {self.name!r}: change for {k} must be >= -1; got {v}")
        for k, v in self.unit_cost_changes.items():
            if not np.isfinite(v) or v <= -1:
                raise InputError(
                    f"scenario {self.name!r}: unit-cost change for {k} must be > -1; got {v}"
                )

    def project(
        self,
        model: ChainModel,
        *,
        returns: ReturnsEstimate | Mapping[str, float] | float | None = None,
    ) -> pd.DataFrame:
        """Per link: budget, capacity, demand, flow, utilisation, max_throughput, binding."""
        links = model.links
        unknown = sorted(set(self.changes) | set(self.unit_cost_changes) - set(links.index))
        unknown = [u for u in unknown if u not in links.index]
        if unknown:
            raise InputError(
                f"scenario {self.name!r} names unknown link(s) {unknown}; links are "
                f"{list(links.index)}"
            )
        b0 = links["budget"]
        chg = pd.Series(self.changes, dtype=float).reindex(links.index).fillna(0.0)
        cchg = pd.Series(self.unit_cost_changes, dtype=float).reindex(links.index).fillna(0.0)
        b = b0 * (1 + chg)
        c = links["unit_cost"] * (1 + cchg)
        beta = _beta(returns, list(links.index))
        cap0 = b0 / c
        with np.errstate(divide="ignore", invalid="ignore"):
            cap = np.where(b0 > 0, cap0 * (b / b0.where(b0 > 0, 1.0)) ** beta, b / c)
        cap_s = pd.Series(cap, index=links.index)
        r = links["demand_ratio"]
        with np.errstate(divide="ignore"):
            tmax = (cap_s / r.where(r > 0)).fillna(np.inf)
        t = float(tmax.min())
        d_ref = model.final_output if model.final_output is not None else model.throughput
        demand = r * d_ref
        out = pd.DataFrame(
            {
                "scenario": self.name,
                "link": links.index,
                "budget": b.to_numpy(),
                "budget_change_pct": 100 * chg.to_numpy(),
                "capacity": cap_s.to_numpy(),
                "demand": demand.to_numpy(),
                "flow": np.minimum(cap_s.to_numpy(), demand.to_numpy()),
                "utilisation": (demand / cap_s).to_numpy(),
                "max_throughput": tmax.to_numpy(),
            }
        )
        out["binding"] = np.isclose(out["max_throughput"], t, rtol=1e-9)
        out.attrs["throughput"] = t
        return out


def _beta(
    returns: ReturnsEstimate | Mapping[str, float] | float | None, links: list[str]
) -> np.ndarray[Any, np.dtype[np.float64]]:
    if returns is None:
        return np.ones(len(links))
    if isinstance(returns, ReturnsEstimate):
        d = returns.beta_for(links)
    elif isinstance(returns, Mapping):
        d = {k: float(v) for k, v in returns.items()}
    else:
        d = dict.fromkeys(links, float(returns))
    return np.array([d.get(lk, 1.0) for lk in links], dtype=float)


@dataclass(frozen=True, repr=False, eq=False)
class ScenarioComparison(Result):
    """Scenarios side by side against the baseline.

    Read-only, like every peir result (:class:`peir._results.Result`): ``summary()`` is a
    :class:`peir._results.Summary`, ``to_frame()`` one row per scenario.

    Attributes
    ----------
    links
        Long frame: one row per scenario and link (see :meth:`Scenario.project`).
    baseline
        Name of the baseline row.
    """

    links: pd.DataFrame
    baseline: str = "baseline"
    final_measure: str = "final output"

    def to_frame(self) -> pd.DataFrame:
        """One row per scenario: total budget, throughput, change against the baseline,
        cost per unit of final output, the bottleneck, and each link's utilisation."""
        rows = []
        base_t = None
        for name, g in self.links.groupby("scenario", sort=False):
            t = float(g["max_throughput"].min())
            if name == self.baseline:
                base_t = t
            total = float(g["budget"].sum())
            bott = g.sort_values("utilisation", ascending=False)["link"].iloc[0]
            row: dict[str, Any] = {
                "scenario": name,
                "total_budget": total,
                "throughput": t,
                "cost_per_output": total / t if t > 0 else np.inf,
                "bottleneck": bott,
            }
            for _, lr in g.iterrows():
                row[f"utilisation_{lr['link']}"] = lr["utilisation"]
            rows.append(row)
        out = pd.DataFrame(rows)
        if base_t is not None and base_t > 0:
            out.insert(3, "throughput_change_pct", 100 * (out["throughput"] / base_t - 1))
        return out.set_index("scenario")

    def summary(self) -> Summary:
        """Each scenario's budget, throughput, change against the baseline and bottleneck."""
        frame = self.to_frame()
        header = [
            ("Baseline", self.baseline),
            ("Throughput in", f"{self.final_measure} a year"),
            ("Scenarios", str(len(frame))),
        ]
        return Summary(f"Scenarios against '{self.baseline}'", header, frame, float_format=",.4g")

    #: the per-scenario rows are the summary's table already
    HTML_ROWS: ClassVar[int] = 0

    def plot(self, ax: Any = None) -> Figure:
        """Left: budget by link per scenario; right: throughput per scenario.

        ``ax`` may be a pair of axes; a single axis gets the throughput chart only.
        Returns the Figure.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            fig, (ax_b, ax_t) = plt.subplots(1, 2, figsize=(10, 3.8))
        elif isinstance(ax, Sequence | np.ndarray) and len(ax) == 2:
            ax_b, ax_t = ax[0], ax[1]
            fig = ax_t.figure
        else:
            ax_b, ax_t = None, ax
            fig = ax.figure
        summ = self.to_frame()
        names = list(summ.index)
        if ax_b is not None:
            wide = self.links.pivot(index="link", columns="scenario", values="budget")[names]
            links = list(wide.index)
            x = np.arange(len(links))
            w = 0.8 / max(len(names), 1)
            for j, n in enumerate(names):
                ax_b.bar(x + (j - (len(names) - 1) / 2) * w, wide[n].to_numpy(float), w, label=n)
            ax_b.set_xticks(x, links)
            ax_b.set_ylabel("budget")
            ax_b.set_title("Budget by link")
            ax_b.legend(frameon=False, fontsize="small")
        colors = ["#9aa5b1" if n == self.baseline else "#1f6f8b" for n in names]
        ax_t.bar(names, summ["throughput"].to_numpy(float), color=colors)
        ax_t.set_ylabel(self.final_measure)
        ax_t.set_title("Throughput")
        ax_t.tick_params(axis="x", labelrotation=20)
        fig.tight_layout()
        return fig


def compare_scenarios(
    model: ChainModel,
    scenarios: Sequence[Scenario],
    *,
    returns: ReturnsEstimate | Mapping[str, float] | float | None = None,
    baseline: str = "baseline",
) -> ScenarioComparison:
    """Project each scenario and the baseline (no change) with ``model``.

    Parameters
    ----------
    model
        The chain.
    scenarios
        Scenarios to compare; names must be unique and differ from ``baseline``.
    returns
        Diminishing returns (beta per link, one beta, or a ReturnsEstimate); linear if None.
    """
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names) or baseline in names:
        raise InputError(f"scenario names must be unique and not {baseline!r}: {names}")
    frames = [Scenario(baseline).project(model, returns=returns)]
    frames += [s.project(model, returns=returns) for s in scenarios]
    return ScenarioComparison(
        links=pd.concat(frames, ignore_index=True),
        baseline=baseline,
        final_measure=model.final_measure,
    )
