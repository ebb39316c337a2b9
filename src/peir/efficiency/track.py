r"""Tracking units against a fixed base-period frontier, year after year.

For every unit and period, :func:`track` reports

* ``efficiency_base``: efficiency against the fixed base-period frontier (may exceed 1 once a
  unit moves beyond the base technology; +inf if the LP is infeasible);
* ``efficiency_own``: efficiency against the period's own frontier;
* the Malmquist index and its decomposition against the previous period (Färe et al. 1994):
  ``malmquist`` = ``efficiency_change`` × ``technical_change``.

A rising ``efficiency_base`` is an improvement measured on one fixed yardstick; the own-period
score says how far the unit is from this year's best practice.

References
----------
Färe, R., Grosskopf, S., Norris, M. & Zhang, Z. (1994). *American Economic Review* 84(1), 66–83.
Berg, S. A., Førsund, F. R. & Jansen, E. S. (1992). Malmquist indices of productivity growth
during the deregulation of Norwegian banking. *Scand. J. Economics* 94, S211–S228 (fixed base).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from peir._results import Result, Summary
from peir.efficiency._checks import check_rts_orientation
from peir.efficiency.malmquist import _names, malmquist, period_scores, split_panel
from peir.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["TrackResult", "track"]

COLUMNS = [
    "efficiency_base",
    "efficiency_own",
    "malmquist",
    "efficiency_change",
    "technical_change",
]


@dataclass(frozen=True, repr=False, eq=False)
class TrackResult(Result):
    """Result of :func:`track`: one tidy row per unit and period (read-only).

    Attributes
    ----------
    table : DataFrame
        Columns: unit, period, ``efficiency_base``, ``efficiency_own``, ``malmquist``,
        ``efficiency_change``, ``technical_change`` (the Malmquist terms are NaN in a unit's
        first period).
    unit, period : str
        Names of the unit and period columns.
    base_period : list
        Period(s) that make up the fixed frontier.
    rts, orientation : str
    """

    table: pd.DataFrame
    unit: str
    period: str
    base_period: list[Any]
    rts: str
    orientation: str

    def to_frame(self) -> pd.DataFrame:
        """The tidy table (a copy)."""
        return self.table.copy()

    def improved(self, start: Any = None, end: Any = None) -> pd.Series:
        """Change of ``efficiency_base`` per unit between two periods (default: first and last
        period after the base); positive = improved against the fixed frontier."""
        wide = self.table.pivot(index=self.unit, columns=self.period, values="efficiency_base")
        periods = [p for p in wide.columns if p not in self.base_period] or list(wide.columns)
        a = periods[0] if start is None else start
        b = periods[-1] if end is None else end
        out: pd.Series = (wide[b] - wide[a]).rename(f"change_{a}_{b}")
        return out.sort_values(ascending=False)

    def summary(self) -> Summary:
        """Options and the mean efficiencies by period."""
        base = ", ".join(map(str, self.base_period))
        header = [
            ("Model", f"DEA tracking, {self.rts.upper()}, {self.orientation} orientation"),
            ("Units", f"{self.table[self.unit].nunique()}"),
            ("Periods", f"{self.table[self.period].nunique()}"),
            ("Fixed frontier", base),
        ]
        cols = ["efficiency_base", "efficiency_own", "malmquist"]
        mean = self.table.replace([np.inf, -np.inf], np.nan).groupby(self.period)[cols].mean()
        notes = [
            f"Tracking {self.table[self.unit].nunique()} units over "
            f"{self.table[self.period].nunique()} periods against the fixed frontier of {base}.",
            "Means by period; infinite scores (beyond the fixed frontier) are left out.",
        ]
        return Summary("DEA tracking against a fixed frontier", header, mean, notes)

    def plot(
        self, ax: Any = None, *, units: Sequence[Any] | None = None, column: str = "efficiency_base"
    ) -> Figure:
        """Units' paths of ``column`` (default ``efficiency_base``) over the periods."""
        import matplotlib.pyplot as plt

        if column not in self.table.columns:
            raise InputError(f"column must be one of {', '.join(COLUMNS)}.")
        if ax is None:
            fig, ax = plt.subplots(figsize=(8, 5))
        else:
            fig = ax.figure
        wide = self.table.pivot(index=self.period, columns=self.unit, values=column)
        wide = wide.replace([np.inf, -np.inf], np.nan)
        chosen = list(wide.columns) if units is None else list(units)
        for u in chosen:
            ax.plot(wide.index, wide[u].to_numpy(), marker="o", ms=3, lw=1.2, label=str(u))
        ax.axhline(1.0, color="0.3", lw=0.8, ls="--")
        label = {
            "efficiency_base": "efficiency vs fixed base frontier",
            "efficiency_own": "efficiency vs own-period frontier",
        }.get(column, column)
        ax.set_ylabel(label)
        ax.set_xlabel(str(self.period))
        ax.set_title(f"Paths against the {', '.join(map(str, self.base_period))} frontier")
        if len(chosen) <= 15:
            ax.legend(fontsize=8, ncol=2)
        fig.tight_layout()
        return fig


def track(
    panel: pd.DataFrame,
    *,
    inputs: str | Sequence[str],
    outputs: str | Sequence[str],
    unit: str,
    period: str,
    base_period: Any,
    rts: str = "crs",
    orientation: str = "input",
) -> TrackResult:
    r"""Efficiency against a fixed base-period frontier, the own-period frontier and the
    Malmquist change from the previous period, for every unit and period.

    Parameters
    ----------
    panel : DataFrame
        Long form: one row per unit and period.
    inputs, outputs : str or list of str
    unit, period : str
        Columns naming units and periods.
    base_period : period or list of periods
        Period(s) whose pooled units form the fixed frontier.
    rts : {"crs", "vrs", "nirs", "ndrs"}
    orientation : {"input", "output"}

    Returns
    -------
    TrackResult
        ``.to_frame()``: columns unit, period, efficiency_base, efficiency_own, malmquist,
        efficiency_change, technical_change. ``.plot()`` draws the units' paths.

    References
    ----------
    Färe, R., Grosskopf, S., Norris, M. & Zhang, Z. (1994). *American Economic Review* 84(1),
    66–83.
    """
    rts, orientation = check_rts_orientation(rts, orientation)
    if rts == "fdh":
        raise InputError("track needs a convex technology: use rts='crs', 'vrs', 'nirs' or 'ndrs'.")
    xin, yout = _names(inputs), _names(outputs)
    parts = split_panel(panel, xin, yout, unit, period)
    if isinstance(base_period, list | tuple | set | range | np.ndarray | pd.Index):
        base = list(base_period)
    else:
        base = [base_period]
    missing = [b for b in base if b not in parts]
    if missing:
        raise InputError(
            f"base_period {', '.join(map(str, missing))} not in the panel's periods "
            f"({', '.join(map(str, parts))})."
        )
    xb = pd.concat([parts[b][0] for b in base])
    yb = pd.concat([parts[b][1] for b in base])
    frames = []
    for p, (x, y) in parts.items():
        eb = period_scores(x, y, xb, yb, rts, orientation)
        eo = period_scores(x, y, x, y, rts, orientation)
        frames.append(
            pd.DataFrame(
                {
                    unit: x.index,
                    period: p,
                    "efficiency_base": eb.to_numpy(),
                    "efficiency_own": eo.to_numpy(),
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    if len(parts) >= 2:
        try:
            m = malmquist(
                panel,
                inputs=xin,
                outputs=yout,
                unit=unit,
                period=period,
                rts=rts,
                orientation=orientation,
            )
            mm = m.frame[["malmquist", "efficiency_change", "technical_change"]].reset_index()
            table = table.merge(mm, on=[unit, period], how="left")
        except InputError:
            pass
    for c in COLUMNS:
        if c not in table.columns:
            table[c] = np.nan
    table = table[[unit, period, *COLUMNS]].sort_values([unit, period], kind="stable")
    return TrackResult(table.reset_index(drop=True), unit, period, base, rts, orientation)
