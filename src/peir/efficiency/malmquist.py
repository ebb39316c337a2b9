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
from typing import Any

import numpy as np
import pandas as pd

from peir.efficiency._checks import check_rts_orientation, validate_pair
from peir.efficiency.dea import _efficiency, evaluate
from peir.errors import InputError

__all__ = ["malmquist", "period_scores", "split_panel"]

Array = np.ndarray[Any, np.dtype[np.float64]]


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
        xe.to_numpy(dtype=float), ye.to_numpy(dtype=float), xrv, yrv,
        scale_x=xrv.mean(axis=0), scale_y=yrv.mean(axis=0), rts=rts, orientation=orientation,
        slacks=False,
    )
    eff, _, _ = _efficiency(raw, orientation)
    return pd.Series(eff, index=xe.index)


def malmquist(
    panel: pd.DataFrame,
    *,
    inputs: str | Sequence[str],
    outputs: str | Sequence[str],
    unit: str,
    period: str,
    rts: str = "crs",
    orientation: str = "input",
) -> pd.DataFrame:
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
    DataFrame
        Index (unit, period) with the later period of each pair; columns ``malmquist``,
        ``efficiency_change``, ``technical_change`` (> 1 = improvement), the four distance terms
        ``d_t(t)``, ``d_t(t+1)``, ``d_t1(t)``, ``d_t1(t+1)`` (``d_s(u)``: efficiency of period-u
        data against the period-s frontier, t1 = t+1) and, under CRS,
        ``pure_efficiency_change`` (VRS) and ``scale_efficiency_change``. A distance that is
        infeasible is +inf and makes the index NaN.

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
        with np.errstate(divide="ignore", invalid="ignore"):
            m = np.sqrt((a / d_t_t) * (d_t1_t1 / b))
            ec = d_t1_t1 / d_t_t
            tc = m / ec
        bad = ~(np.isfinite(m) & np.isfinite(ec) & np.isfinite(tc))
        m[bad], tc[bad] = np.nan, np.nan
        ec[~np.isfinite(ec)] = np.nan
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
    return pd.concat(frames)
