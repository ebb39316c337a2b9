"""Figures shared by the efficiency results: a ranking of units by score, with intervals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["ranking"]


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
    colors = ["#1b7837" if v >= 1 - 1e-9 else "#5aae61" if v >= 0.8 else "#c2a5cf"
              for v in vals]
    pos = np.arange(len(finite))
    ax.barh(pos, vals, color=colors)
    if lower is not None and upper is not None:
        lo = lower.reindex(finite.index).to_numpy(dtype=float)
        hi = upper.reindex(finite.index).to_numpy(dtype=float)
        ax.errorbar((lo + hi) / 2, pos, xerr=(hi - lo) / 2, fmt="none", ecolor="0.2",
                    elinewidth=0.9, capsize=2)
    ax.set_yticks(pos)
    ax.set_yticklabels([str(u) for u in finite.index], fontsize=8 if len(finite) > 30 else 9)
    ax.axvline(1.0, color="0.3", lw=0.8, ls="--")
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    extra = [note] if note else []
    if n_inf:
        extra.append(f"{n_inf} unit(s) with an infinite score not shown")
    if extra:
        ax.annotate("; ".join(extra), xy=(0, -0.12), xycoords="axes fraction", fontsize=7,
                    color="0.35", va="top")
    fig.tight_layout()
    return fig
