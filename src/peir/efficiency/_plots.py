"""Figures shared by the efficiency results: a ranking of units by score, with intervals, or
the scores' distribution; estimates with their intervals; scores over periods."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["distribution", "estimates", "over_periods", "ranking"]

# above this many units a histogram replaces the unit-by-unit ranking
RANK_MAX = 60


def ranking(
    scores: pd.Series,
    *,
    ax: Any = None,
    xlabel: str,
    title: str,
    lower: pd.Series | None = None,
    upper: pd.Series | None = None,
    note: str = "",
) -> Figure:
    """Horizontal bars of ``scores`` sorted best on top (units scoring 1 in dark green),
    optional ``lower``–``upper`` intervals as error bars; infinite scores are left out and
    counted in ``note``. Returns the Figure (a new one unless ``ax`` is given)."""
    import matplotlib.pyplot as plt

    finite = scores.replace([np.inf, -np.inf], np.nan).dropna().sort_values()
    n_inf = int(np.isinf(scores.to_numpy(dtype=float)).sum())
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, max(2.5, 0.22 * len(finite) + 1)))
    else:
        fig = ax.figure
    vals = finite.to_numpy(dtype=float)
    colors = ["#1b7837" if v >= 1 - 1e-9 else "#5aae61" if v >= 0.8 else "#c2a5cf" for v in vals]
    pos = np.arange(len(finite))
    ax.barh(pos, vals, color=colors)
    if lower is not None and upper is not None:
        lo = lower.reindex(finite.index).to_numpy(dtype=float)
        hi = upper.reindex(finite.index).to_numpy(dtype=float)
        ax.errorbar(
            (lo + hi) / 2,
            pos,
            xerr=(hi - lo) / 2,
            fmt="none",
            ecolor="0.2",
            elinewidth=0.9,
            capsize=2,
        )
    ax.set_yticks(pos)
    ax.set_yticklabels([str(u) for u in finite.index], fontsize=8 if len(finite) > 30 else 9)
    ax.axvline(1.0, color="0.3", lw=0.8, ls="--")
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    extra = [note] if note else []
    if n_inf:
        extra.append(f"{n_inf} unit(s) with an infinite score not shown")
    if extra:
        ax.annotate(
            "; ".join(extra),
            xy=(0, -0.12),
            xycoords="axes fraction",
            fontsize=7,
            color="0.35",
            va="top",
        )
    fig.tight_layout()
    return fig


def _axes(ax: Any, size: tuple[float, float]) -> tuple[Figure, Any]:
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=size)
        return fig, ax
    return ax.figure, ax


def estimates(
    table: pd.DataFrame, *, ax: Any = None, xlabel: str, title: str, note: str = ""
) -> Figure:
    """Point estimates (``estimate``) with their ``lower``–``upper`` intervals, one row per
    parameter in the table's order (first on top), and a reference line at 0."""
    fig, ax = _axes(ax, (7, max(2.2, 0.45 * len(table) + 1.2)))
    pos = np.arange(len(table))[::-1]
    est = table["estimate"].to_numpy(dtype=float)
    lo = table["lower"].to_numpy(dtype=float)
    hi = table["upper"].to_numpy(dtype=float)
    ax.errorbar(
        est,
        pos,
        xerr=np.vstack([est - lo, hi - est]),
        fmt="o",
        color="#2166ac",
        ecolor="0.25",
        elinewidth=1.0,
        capsize=3,
        ms=5,
    )
    ax.axvline(0.0, color="0.3", lw=0.8, ls="--")
    ax.set_yticks(pos)
    ax.set_yticklabels([str(i) for i in table.index])
    ax.set_xlabel(xlabel)
    ax.set_title(title, pad=16 if note else 6)
    if note:
        ax.text(
            0.5,
            1.01,
            note,
            transform=ax.transAxes,
            ha="center",
            va="bottom",
            fontsize=7.5,
            color="0.35",
        )
    fig.tight_layout()
    return fig


def distribution(scores: pd.Series, *, ax: Any = None, xlabel: str, title: str) -> Figure:
    """Histogram of ``scores`` with their mean and median marked (for samples too large to
    rank unit by unit)."""
    fig, ax = _axes(ax, (7, 4))
    vals = scores.replace([np.inf, -np.inf], np.nan).dropna().to_numpy(dtype=float)
    ax.hist(vals, bins=min(40, max(10, vals.size // 8)), color="#5aae61", edgecolor="white")
    ax.axvline(float(vals.mean()), color="#1b7837", lw=1.8, label=f"mean {vals.mean():.3f}")
    ax.axvline(
        float(np.median(vals)), color="0.2", lw=1.2, ls=":", label=f"median {np.median(vals):.3f}"
    )
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"units (of {vals.size})")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def over_periods(
    scores: pd.Series, *, period: str, unit: str, ax: Any = None, ylabel: str, title: str
) -> Figure:
    """Each unit's ``scores`` (indexed by ``unit`` and ``period``) over the periods as thin
    grey lines, their mean in bold, and a reference line at 1."""
    fig, ax = _axes(ax, (8, 5))
    wide = scores.replace([np.inf, -np.inf], np.nan).unstack(unit).sort_index()
    x = wide.index.to_numpy()
    for u in wide.columns:
        ax.plot(x, wide[u].to_numpy(dtype=float), color="0.75", lw=0.8)
    ax.plot(
        x,
        wide.mean(axis=1).to_numpy(dtype=float),
        color="#1b7837",
        lw=2.2,
        marker="o",
        ms=4,
        label=f"mean of {wide.shape[1]} {unit} value(s)",
    )
    ax.axhline(1.0, color="0.3", lw=0.8, ls="--")
    ax.set_xlabel(period)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig
