"""Regional charts of the brief: a dot plot of regions (small multiples) and spending against
crime across regions, in the style of :mod:`peir.report.charts`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from peir.report.charts import OKABE_ITO, InlineFigure, _finish, _num_formatter, style
from peir.report.i18n import fmt_number

__all__ = ["regional_dots", "spending_vs_crime"]


def regional_dots(
    data: pd.DataFrame,
    panels: Sequence[tuple[str, str]],
    *,
    national: dict[str, float] | None = None,
    lang: str = "en",
    title: str = "",
    source: str | None = None,
) -> Figure:
    """One dot per region in side-by-side panels sharing the regions' axis.

    Parameters
    ----------
    data
        One row per region: column ``region`` and one column per panel.
    panels
        ``(column, axis label)`` of each panel; regions are ordered by the first panel's
        value, highest on top.
    national
        The national value of each panel column, drawn as a dashed line.
    """
    with style():
        d = data.dropna(subset=[panels[0][0]]).sort_values(panels[0][0])
        n = len(d)
        height = max(3.0, 0.17 * n + 1.4)
        fig = InlineFigure(figsize=(7.0 if len(panels) > 1 else 6.0, height), layout="constrained")
        axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
        y = np.arange(n)
        colors = (OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["bluish_green"])
        for k, (ax, (col, label)) in enumerate(zip(axes, panels)):
            v = d[col].to_numpy(dtype=float)
            ax.hlines(y, 0, v, color="#DDDDDD", linewidth=0.8, zorder=1)
            ax.scatter(v, y, s=16, color=colors[k % len(colors)], zorder=2)
            nat = (national or {}).get(col)
            if nat is not None and np.isfinite(nat):
                ax.axvline(nat, color="#333333", linestyle="--", linewidth=0.9, zorder=0)
                ax.annotate(
                    fmt_number(nat, lang, 0),
                    (nat, n - 0.4),
                    xytext=(3, 0),
                    textcoords="offset points",
                    fontsize=7,
                    color="#333333",
                    va="bottom",
                )
            ax.grid(axis="y", visible=False)
            ax.grid(axis="x", visible=True)
            ax.set_xlim(left=0)
            ax.set_xlabel(label)
            ax.xaxis.set_major_formatter(_num_formatter(lang, 0))
            ax.tick_params(axis="y", length=0)
        axes[0].set_yticks(y, [str(r) for r in d["region"]], fontsize=7 if n > 30 else 8)
        axes[0].set_ylim(-0.7, n - 0.3 + (0.8 if national else 0))
        fig.suptitle(title, x=0.01, ha="left", fontsize=10.5, fontweight="bold")
        return _finish(fig, axes[0], True, source, lang)


def spending_vs_crime(
    data: pd.DataFrame,
    *,
    x_label: str,
    y_label: str,
    lang: str = "en",
    title: str = "",
    source: str | None = None,
    label_n: int = 4,
) -> Figure:
    """Regions as points: spending per capita (x) against recorded crime per 100,000 (y).

    ``data`` has ``region``, ``per_capita`` and ``crime_rate``; the ``label_n`` regions
    furthest from the centre (in standard units) are named.
    """
    with style():
        d = data.dropna(subset=["per_capita", "crime_rate"])
        fig = InlineFigure(figsize=(7.0, 4.2), layout="constrained")
        ax = fig.add_subplot()
        ax.scatter(d["per_capita"], d["crime_rate"], s=22, color=OKABE_ITO["blue"], alpha=0.85)
        if len(d) >= 2:
            z = (d[["per_capita", "crime_rate"]] - d[["per_capita", "crime_rate"]].mean()) / d[
                ["per_capita", "crime_rate"]
            ].std(ddof=0).replace(0, 1)
            far = (z**2).sum(axis=1).sort_values(ascending=False).index[:label_n]
            for i in far:
                ax.annotate(
                    str(d.loc[i, "region"]),
                    (d.loc[i, "per_capita"], d.loc[i, "crime_rate"]),
                    xytext=(4, 3),
                    textcoords="offset points",
                    fontsize=7.5,
                    color="#333333",
                )
        ax.grid(axis="x", visible=True)
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
        ax.xaxis.set_major_formatter(_num_formatter(lang, 0))
        ax.yaxis.set_major_formatter(_num_formatter(lang, 0))
        ax.set_title(title)
        return _finish(fig, ax, True, source, lang)
