r"""Malmquist productivity index (Färe, Grosskopf, Norris & Zhang 1994).

With :math:`E_s(t)` the efficiency of a unit's period-*t* data against the period-*s* frontier
(Farrell input efficiency θ, or 1/φ in output orientation, CRS by default),

.. math::

    M = \left[\frac{E_t(t+1)}{E_t(t)} \cdot \frac{E_{t+1}(t+1)}{E_{t+1}(t)}\right]^{1/2},
    \quad EC = \frac{E_{t+1}(t+1)}{E_t(t)},
    \quad TC = \frac{M}{EC}
      = \left[\frac{E_t(t+1)}{E_{t+1}(t+1)} \cdot \frac{E_t(t)}{E_{t+1}(t)}\right]^{1/2}.

Values above 1 mean improvement (productivity growth, catching up, frontier shift). Under CRS
the efficiency change splits further into pure (VRS) efficiency change and scale change, as in
DEAP (Coelli 1996).

References
----------
Färe, R., Grosskopf, S., Norris, M. & Zhang, Z. (1994). Productivity growth, technical progress,
and efficiency change in industrialized countries. *American Economic Review* 84(1), 66–83.
Coelli, T. J. (1996). A guide to DEAP version 2.1. CEPA Working Paper 96/08.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from peir._results import LegacyFrame, Summary
from peir.efficiency._checks import RTS_NAMES, check_rts_orientation, validate_pair
from peir.efficiency.scoring import evaluate, to_efficiency
from peir.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["MalmquistResult", "malmquist", "period_scores", "split_panel"]

INDICES = ["malmquist", "efficiency_change", "technical_change"]


def geometric_mean(s: pd.Series) -> float:
    """Geometric mean of the finite positive values (NaN when there is none)."""
    v = s.to_numpy(dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    return float(np.exp(np.log(v).mean())) if v.size else float("nan")


@dataclass(frozen=True, repr=False, eq=False)
class MalmquistResult(LegacyFrame):
    """Result of :func:`malmquist` (read-only).

    Attributes
    ----------
    frame : DataFrame
        Index (unit, period) with the later period of each pair; the indices and the four
        distance terms (see :func:`malmquist`).
    unit, period : str
        Names of the unit and period columns of the panel.
    rts, orientation : str

    peir 0.1 :func:`malmquist` returned the DataFrame now in ``frame``; item and attribute
    access the DataFrame had still work, with a ``FutureWarning``.
    """

    frame: pd.DataFrame
    unit: str
    period: str
    rts: str
    orientation: str

    LEGACY: ClassVar[str] = "malmquist() returned a DataFrame"
    LEGACY_HINT: ClassVar[str] = ".frame (or .to_frame())"

    def _legacy(self) -> pd.DataFrame:
        return self.frame

    def to_frame(self) -> pd.DataFrame:
        """The per-unit table (a copy of :attr:`frame`)."""
        return self.frame.copy()

    def by_period(self) -> pd.DataFrame:
        """Geometric means of the indices over the units, per later period (NaN left out)."""
        out: pd.DataFrame = self.frame.groupby(level=self.period)[INDICES].agg(geometric_mean)
        return out

    def summary(self) -> Summary:
        f = self.frame
        header = [
            (
                "Model",
                f"Malmquist index (Färe et al. 1994), {RTS_NAMES[self.rts]}, "
                f"{self.orientation} orientation",
            ),
            ("Units", f"{f.index.get_level_values(self.unit).nunique()}"),
            ("Pairs of periods", f"{f.index.get_level_values(self.period).nunique()}"),
            ("Undefined indices (a distance infeasible)", f"{int(f['malmquist'].isna().sum())}"),
            ("Geometric mean Malmquist", f"{geometric_mean(f['malmquist']):.4f}"),
        ]
        notes = [
            "Values above 1 are improvements; geometric means over units by period.",
            "A distance beyond a period's technology (+inf) leaves the index undefined.",
        ]
        return Summary("Malmquist productivity index", header, self.by_period(), notes)

    def plot(self, ax: Any = None) -> Figure:
        """Geometric means by period of the index and its two parts; returns the Figure."""
        import matplotlib.pyplot as plt

        if ax is None:
            fig, ax = plt.subplots(figsize=(7, 4))
        else:
            fig = ax.figure
        g = self.by_period()
        styles = {
            "malmquist": ("#1b7837", "-"),
            "efficiency_change": ("#762a83", "--"),
            "technical_change": ("#e08214", ":"),
        }
        for col, (color, ls) in styles.items():
            ax.plot(
                [str(p) for p in g.index],
                g[col].to_numpy(),
                marker="o",
                color=color,
                ls=ls,
                label=col.replace("_", " "),
            )
        ax.axhline(1.0, color="0.3", lw=0.8)
        ax.set_xlabel(str(self.period))
        ax.set_ylabel("index (geometric mean over units; > 1 = improvement)")
        ax.set_title(f"Malmquist index and its decomposition ({self.rts.upper()})")
        ax.legend(fontsize=8)
        fig.tight_layout()
        return fig


Array = np.ndarray[Any, np.dtype[np.float64]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]


def _names(v: str | Sequence[str]) -> list[str]:
    return [v] if isinstance(v, str) else [str(c) for c in v]


def split_panel(
    panel: pd.DataFrame, inputs: list[str], outputs: list[str], unit: str, period: str
) -> dict[Any, tuple[pd.DataFrame, pd.DataFrame]]:
    """Validate a long panel and split it into {period: (inputs, outputs)} indexed by unit."""
    if not isinstance(panel, pd.DataFrame):
        raise InputError("panel must be a DataFrame in long form (one row per unit and period).")
    missing = [c for c in [*inputs, *outputs, unit, period] if c not in panel.columns]
    if missing:
        raise InputError(
            f"panel has no column(s) {', '.join(missing)}; its columns are "
            f"{', '.join(map(str, panel.columns))}."
        )
    dup = panel.duplicated([unit, period])
    if dup.any():
        first = panel.loc[dup, [unit, period]].iloc[0].tolist()
        raise InputError(
            f"panel has {int(dup.sum())} duplicate (unit, period) rows, e.g. {first}; give one "
            "row per unit and period."
        )
    if panel[period].isna().any() or panel[unit].isna().any():
        raise InputError(f"panel columns '{unit}' and '{period}' must not contain missing values.")
    out: dict[Any, tuple[pd.DataFrame, pd.DataFrame]] = {}
    for p, g in panel.groupby(period, sort=True):
        g = g.set_index(unit)
        x, y = validate_pair(g[inputs], g[outputs], technology=True, what=f"period {p}: ")
        out[p] = (
            pd.DataFrame(x.values, index=g.index, columns=inputs),
            pd.DataFrame(y.values, index=g.index, columns=outputs),
        )
    return out


def period_scores(
    xe: pd.DataFrame,
    ye: pd.DataFrame,
    xr: pd.DataFrame,
    yr: pd.DataFrame,
    rts: str,
    orientation: str,
) -> pd.Series:
    """Efficiency of units (xe, ye) against the technology of (xr, yr); may exceed 1 or be +inf."""
    xrv, yrv = xr.to_numpy(dtype=float), yr.to_numpy(dtype=float)
    raw = evaluate(
        xe.to_numpy(dtype=float),
        ye.to_numpy(dtype=float),
        xrv,
        yrv,
        scale_x=xrv.mean(axis=0),
        scale_y=yrv.mean(axis=0),
        rts=rts,
        orientation=orientation,
        slacks=False,
    )
    eff, _, _ = to_efficiency(raw, orientation)
    return pd.Series(eff, index=xe.index)


def _usable(d: Array) -> BoolArray:
    """A distance enters an index only when it is finite and positive: +inf (infeasible LP,
    the unit lies beyond that period's technology), 0 and NaN make the index undefined."""
    out: BoolArray = np.isfinite(d) & (d > 0)
    return out


def _indices(
    d_t_t: Array, d_t_t1: Array, d_t1_t: Array, d_t1_t1: Array
) -> tuple[Array, Array, Array]:
    """(M, EC, TC) of Färe et al. (1994); NaN where a distance they use is not usable."""
    with np.errstate(divide="ignore", invalid="ignore"):
        m = np.sqrt((d_t_t1 / d_t_t) * (d_t1_t1 / d_t1_t))
        ec = d_t1_t1 / d_t_t
        tc = m / ec
    own = _usable(d_t_t) & _usable(d_t1_t1)
    cross = own & _usable(d_t_t1) & _usable(d_t1_t)
    return np.where(cross, m, np.nan), np.where(own, ec, np.nan), np.where(cross, tc, np.nan)


def malmquist(
    panel: pd.DataFrame,
    *,
    inputs: str | Sequence[str],
    outputs: str | Sequence[str],
    unit: str,
    period: str,
    rts: str = "crs",
    orientation: str = "input",
) -> MalmquistResult:
    r"""Malmquist productivity index between consecutive periods, with its decomposition.

    .. math:: M = \left[\frac{E_t(t+1)}{E_t(t)}\cdot\frac{E_{t+1}(t+1)}{E_{t+1}(t)}\right]^{1/2}
              = EC \cdot TC

    where :math:`E_s(t)` is the efficiency of period-*t* data against the period-*s* frontier.

    Parameters
    ----------
    panel : DataFrame
        Long form: one row per unit and period.
    inputs, outputs : str or list of str
        Column names.
    unit, period : str
        Columns naming the unit and the period (periods are sorted; consecutive pairs are
        compared, for the units present in both).
    rts : {"crs", "vrs", "nirs", "ndrs"}
        Technology of the distance functions (CRS, as in Färe et al. 1994, by default).
    orientation : {"input", "output"}

    Returns
    -------
    MalmquistResult
        ``.frame``: index (unit, period) with the later period of each pair; columns
        ``malmquist``, ``efficiency_change``, ``technical_change`` (> 1 = improvement), the four
        distance terms
        ``d_t(t)``, ``d_t(t+1)``, ``d_t1(t)``, ``d_t1(t+1)`` (``d_s(u)``: efficiency of period-u
        data against the period-s frontier, t1 = t+1) and, under CRS,
        ``pure_efficiency_change`` (VRS) and ``scale_efficiency_change``. A distance that is
        infeasible is +inf (the unit lies beyond that period's technology, common under VRS)
        and makes the Malmquist index and technical change NaN, never 0.

    References
    ----------
    Färe, R., Grosskopf, S., Norris, M. & Zhang, Z. (1994). *American Economic Review* 84(1),
    66–83.
    """
    rts, orientation = check_rts_orientation(rts, orientation)
    if rts == "fdh":
        raise InputError("malmquist needs a convex technology: use rts='crs' (default) or 'vrs'.")
    xin, yout = _names(inputs), _names(outputs)
    parts = split_panel(panel, xin, yout, unit, period)
    periods = list(parts)
    if len(periods) < 2:
        raise InputError(f"panel has {len(periods)} period(s); Malmquist needs at least two.")
    own: dict[Any, pd.Series] = {}
    vrs_own: dict[Any, pd.Series] = {}
    for p, (x, y) in parts.items():
        own[p] = period_scores(x, y, x, y, rts, orientation)
        if rts == "crs":
            vrs_own[p] = period_scores(x, y, x, y, "vrs", orientation)
    frames = []
    for t, t1 in itertools.pairwise(periods):
        (x0, y0), (x1, y1) = parts[t], parts[t1]
        common = x0.index.intersection(x1.index, sort=False)
        if common.empty:
            continue
        d_t_t = own[t].loc[common].to_numpy()
        d_t1_t1 = own[t1].loc[common].to_numpy()
        d_t_t1 = period_scores(x1.loc[common], y1.loc[common], x0, y0, rts, orientation)
        d_t1_t = period_scores(x0.loc[common], y0.loc[common], x1, y1, rts, orientation)
        a, b = d_t_t1.to_numpy(), d_t1_t.to_numpy()
        m, ec, tc = _indices(d_t_t, a, b, d_t1_t1)
        df = pd.DataFrame(
            {
                "malmquist": m,
                "efficiency_change": ec,
                "technical_change": tc,
                "d_t(t)": d_t_t,
                "d_t(t+1)": a,
                "d_t1(t)": b,
                "d_t1(t+1)": d_t1_t1,
            },
            index=pd.MultiIndex.from_arrays(
                [common, [t1] * len(common)],
                names=[unit, period],
            ),
        )
        if rts == "crs":
            with np.errstate(divide="ignore", invalid="ignore"):
                pe = vrs_own[t1].loc[common].to_numpy() / vrs_own[t].loc[common].to_numpy()
            df["pure_efficiency_change"] = pe
            df["scale_efficiency_change"] = ec / pe
        frames.append(df)
    if not frames:
        raise InputError("no unit appears in two consecutive periods; nothing to compare.")
    return MalmquistResult(pd.concat(frames), unit, period, rts, orientation)
