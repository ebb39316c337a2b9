"""Charts of the brief in one consistent, accessible style.

Every function takes plain pandas data (the numbers the brief prints), ``lang`` for the labels,
``source`` for the line under the chart and ``ax=None``; it returns the
:class:`matplotlib.figure.Figure`. With ``ax=None`` a new figure is created (without pyplot, so
nothing global is touched); with an ``ax`` the chart is drawn into it.

The style: the Okabe–Ito colour-blind-safe palette, one fixed colour per link of the chain,
labelled axes with their units, light horizontal grid, no top/right spines, and a source line.
"""

from __future__ import annotations

import contextlib
import io
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import matplotlib as mpl
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from peir.report.i18n import fmt_number, fmt_value, link_label, t

__all__ = [
    "LINK_COLORS",
    "OKABE_ITO",
    "STYLE",
    "InlineFigure",
    "allocation_comparison",
    "chain_funnel",
    "composition_by_link",
    "cost_components",
    "efficiency_ranking",
    "execution_rate",
    "figure_png",
    "figure_svg",
    "indicator_trend",
    "per_capita_peers",
    "projection_envelope",
    "save_figure",
    "spending_trend",
    "style",
]

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "grey": "#999999",
}

#: One colour per link, used by every chart.
LINK_COLORS: dict[str, str] = {
    "prevention": OKABE_ITO["bluish_green"],
    "patrol": OKABE_ITO["blue"],
    "investigation": OKABE_ITO["sky_blue"],
    "judicial": OKABE_ITO["orange"],
    "corrections": OKABE_ITO["vermillion"],
    "unallocated": OKABE_ITO["grey"],
}

_CYCLE = [
    OKABE_ITO[k]
    for k in ("blue", "orange", "bluish_green", "vermillion", "sky_blue", "reddish_purple", "black")
]

#: Matplotlib rc settings of the style.
STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 9,
    "axes.edgecolor": "#555555",
    "axes.labelcolor": "#222222",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "axes.prop_cycle": cycler(color=_CYCLE),
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.6,
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "legend.frameon": False,
    "legend.fontsize": 8,
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "svg.fonttype": "none",
    "svg.hashsalt": "peir",
    "lines.linewidth": 2.0,
    "lines.markersize": 5,
}

_FIGSIZE = (7.0, 3.9)


@contextlib.contextmanager
def style() -> Iterator[None]:
    """Context manager applying :data:`STYLE`."""
    with mpl.rc_context(cast(Any, STYLE)):
        yield


class InlineFigure(Figure):
    """A :class:`~matplotlib.figure.Figure` that shows itself in a notebook (``_repr_png_``),
    whatever the matplotlib backend: the charts are made without pyplot, so no backend would
    display them otherwise and a notebook would print ``<Figure ...>``."""

    def _repr_png_(self) -> bytes:
        return figure_png(self, dpi=100)


def _setup(ax: Axes | None, figsize: tuple[float, float] = _FIGSIZE) -> tuple[Figure, Axes, bool]:
    if ax is not None:
        fig = ax.get_figure()
        assert isinstance(fig, Figure)
        return fig, ax, False
    fig = InlineFigure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot(), True


def _finish(fig: Figure, ax: Axes, own: bool, source: str | None, lang: str) -> Figure:
    text = t("doc.source", lang, source=source or t("doc.source_default", lang))
    if own:
        fig.get_layout_engine().set(h_pad=0.08)  # type: ignore[union-attr,call-arg]
        fig.supxlabel(text, x=0.01, ha="left", fontsize=7, color="#555555", style="italic")
    else:
        ax.annotate(
            text,
            xy=(0, 0),
            xycoords="axes fraction",
            xytext=(0, -34),
            textcoords="offset points",
            fontsize=7,
            color="#555555",
            style="italic",
            va="top",
        )
    return fig


def _num_formatter(lang: str, decimals: int = 0) -> FuncFormatter:
    return FuncFormatter(lambda v, _pos: fmt_number(v, lang, decimals))


def _pct_formatter(lang: str) -> FuncFormatter:
    return FuncFormatter(lambda v, _pos: f"{fmt_number(v, lang, 0)}%")


def _annotate_bar(ax: Axes, bar: Any, text: str, *, horizontal: bool) -> None:
    """Write ``text`` just past the end of ``bar``.

    Right of a horizontal bar, above a vertical one.
    """
    if horizontal:
        ax.annotate(
            text,
            (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=7.5,
        )
    else:
        ax.annotate(
            text,
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            fontsize=7.5,
        )


def _label_bars(
    ax: Axes,
    bars: Any,
    values: Sequence[float],
    lang: str,
    *,
    decimals: int = 1,
    suffix: str = "",
    horizontal: bool = False,
) -> None:
    for bar, v in zip(bars, values):
        if v is None or not np.isfinite(v):
            continue
        _annotate_bar(ax, bar, fmt_number(v, lang, decimals) + suffix, horizontal=horizontal)


def _stacked_bars(
    ax: Axes,
    labels: Sequence[str],
    data: pd.DataFrame,
    colors: Mapping[str, str],
    names: Mapping[str, str],
    *,
    scale: float = 1.0,
) -> np.ndarray:
    """Stack the columns of ``data`` (in order, missing values as 0) as bars at ``labels``,
    each value divided by ``scale``; returns the tops of the bars."""
    bottom = np.zeros(len(data))
    for col in data.columns:
        vals = data[col].fillna(0).to_numpy(dtype=float) / scale
        ax.bar(
            list(labels),
            vals,
            bottom=bottom,
            color=colors.get(str(col), OKABE_ITO["black"]),
            label=names.get(str(col), str(col)),
            width=0.7,
            edgecolor="white",
            linewidth=0.5,
        )
        bottom = bottom + vals
    return bottom


def _link_names(links: Sequence[object], lang: str) -> dict[str, str]:
    return {str(k): _wrap(link_label(str(k), lang), 28) for k in links}


def _grid_along_x(ax: Axes) -> None:
    """Horizontal bar charts: the value grid runs along x instead of the style's y grid."""
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)


def _legend_beside(ax: Axes) -> None:
    """The legend to the right of the plot, for charts with one entry per link."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7.5)


def _years_axis(ax: Axes, years: Sequence[Any]) -> None:
    ys = sorted({int(y) for y in years})
    if not ys:
        return
    step = max(1, int(np.ceil(len(ys) / 12)))
    ax.set_xticks(ys[::step])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{int(v)}"))


def _segments(d: pd.DataFrame) -> list[pd.DataFrame]:
    """``d`` cut into its comparable segments (column ``segment``), each reindexed on its own
    year range so that a missing year also breaks the line."""
    parts = [g for _, g in d.groupby("segment", sort=False)] if "segment" in d else [d]
    out = []
    for g in parts:
        g = g.sort_values("year").drop_duplicates("year").set_index("year")
        if len(g):
            g = g.reindex(range(int(g.index.min()), int(g.index.max()) + 1))
        out.append(g.rename_axis("year").reset_index())
    return out


def _mark_breaks(ax: Axes, breaks: Sequence[float], lang: str, key: str) -> None:
    """A dotted vertical line at each break of a series (between two years), in the legend once."""
    for i, x in enumerate(breaks):
        ax.axvline(
            float(x),
            color="#777777",
            linestyle=":",
            linewidth=1.1,
            label=t(key, lang) if i == 0 else None,
        )


def spending_trend(
    data: pd.DataFrame,
    *,
    currency: str = "USD",
    base_year: int | None = None,
    lang: str = "en",
    title: str | None = None,
    source: str | None = None,
    breaks: Sequence[int] = (),
    ax: Axes | None = None,
) -> Figure:
    """Line chart of spending over time, nominal and (if present) real, in millions.

    Parameters
    ----------
    data
        Columns ``year``, ``amount`` (nominal, currency units), optionally ``amount_real``
        (constant ``base_year`` prices) and ``segment`` (years of the same institutional
        coverage share a segment: lines join only within a segment).
    breaks
        First years of a new coverage: a dotted line is drawn just before each.
    """
    with style():
        fig, ax, own = _setup(ax)
        has_real = "amount_real" in data and data["amount_real"].notna().any()
        for i, d in enumerate(_segments(data)):
            ax.plot(
                d["year"],
                d["amount"] / 1e6,
                marker="o",
                color=OKABE_ITO["blue"],
                label=t("ax.nominal", lang) if i == 0 else None,
            )
            if has_real:
                ax.plot(
                    d["year"],
                    d["amount_real"] / 1e6,
                    marker="s",
                    linestyle="--",
                    color=OKABE_ITO["orange"],
                    label=t("ax.real", lang, base_year=base_year if base_year else "–")
                    if i == 0
                    else None,
                )
        _mark_breaks(ax, [y - 0.5 for y in breaks], lang, "ax.coverage_break")
        d = data.sort_values("year")
        ax.set_xlabel(t("ax.year", lang))
        ax.set_ylabel(t("ax.amount_millions", lang, currency=currency))
        ax.yaxis.set_major_formatter(_num_formatter(lang))
        ax.set_ylim(bottom=0)
        _years_axis(ax, d.dropna(subset=["amount"])["year"].tolist())
        ax.legend(loc="best")
        ax.set_title(title or t("fig.spending_trend", lang))
        return _finish(fig, ax, own, source, lang)


def composition_by_link(
    data: pd.DataFrame,
    *,
    percent: bool = True,
    currency: str = "USD",
    lang: str = "en",
    title: str | None = None,
    source: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Stacked bars of spending by link per year (shares in percent, or millions).

    Parameters
    ----------
    data
        Index: year; columns: link ids (``prevention`` ... ``unallocated``); values: amounts
        (``percent=False``, shown in millions) or shares in percent (``percent=True``).
    """
    with style():
        fig, ax, own = _setup(ax)
        d = data.sort_index()
        years = [str(int(y)) for y in d.index]
        names = _link_names(list(d.columns), lang)
        bottom = _stacked_bars(ax, years, d, LINK_COLORS, names, scale=1.0 if percent else 1e6)
        ax.set_xlabel(t("ax.year", lang))
        if percent:
            ax.set_ylabel(t("ax.share_pct", lang))
            ax.yaxis.set_major_formatter(_pct_formatter(lang))
            ax.set_ylim(0, max(100.0, float(bottom.max()) if len(bottom) else 100.0) * 1.02)
        else:
            ax.set_ylabel(t("ax.amount_millions", lang, currency=currency))
            ax.yaxis.set_major_formatter(_num_formatter(lang))
        _legend_beside(ax)
        ax.set_title(title or t("fig.composition", lang))
        return _finish(fig, ax, own, source, lang)


def per_capita_peers(
    data: pd.Series,
    *,
    highlight: str | None = None,
    unit: str = "",
    lang: str = "en",
    title: str | None = None,
    source: str | None = None,
    decimals: int = 1,
    ax: Axes | None = None,
) -> Figure:
    """Horizontal bars comparing one value across countries, the country of interest highlighted.

    Parameters
    ----------
    data
        Values indexed by country (e.g. spending per capita or % of GDP).
    highlight
        The country to highlight (drawn in vermillion; peers in blue).
    unit
        Axis label (e.g. ``"% of GDP"`` or ``"USD per inhabitant"``).
    """
    with style():
        d = data.dropna().sort_values()
        fig, ax, own = _setup(ax, (7.0, max(2.4, 0.38 * len(d) + 1.3)))
        colors = [OKABE_ITO["vermillion"] if c == highlight else OKABE_ITO["blue"] for c in d.index]
        bars = ax.barh([str(c) for c in d.index], d.to_numpy(dtype=float), color=colors, height=0.6)
        _label_bars(ax, bars, d.tolist(), lang, decimals=decimals, horizontal=True)
        _grid_along_x(ax)
        ax.set_xlabel(unit)
        ax.set_ylabel(t("col.country", lang))
        ax.xaxis.set_major_formatter(_num_formatter(lang, 1 if d.max() < 10 else 0))
        if len(d):
            ax.set_xlim(0, float(d.max()) * 1.15)
        ax.set_title(title or t("fig.peers", lang))
        return _finish(fig, ax, own, source, lang)


def projection_envelope(
    data: pd.DataFrame,
    *,
    ceiling: pd.Series | None = None,
    pct_gdp: pd.Series | None = None,
    currency: str = "USD",
    lang: str = "en",
    title: str | None = None,
    source: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Projected spending: stacked bars by link (millions, current prices), the ceiling as a
    dashed line and each year's share of GDP above its bar.

    Parameters
    ----------
    data
        Index: year; columns: link ids; values: nominal amounts.
    ceiling
        The ceiling amount by year (drawn where finite).
    pct_gdp
        The total's share of GDP by year (percent), written above the bars.
    """
    with style():
        fig, ax, own = _setup(ax)
        d = data.sort_index()
        years = [str(int(y)) for y in d.index]
        bottom = _stacked_bars(
            ax, years, d, LINK_COLORS, _link_names(list(d.columns), lang), scale=1e6
        )
        if ceiling is not None:
            c = ceiling.reindex(d.index).to_numpy(dtype=float) / 1e6
            if np.isfinite(c).any():
                ax.plot(
                    years,
                    c,
                    color="#333333",
                    linestyle="--",
                    marker="o",
                    linewidth=1.2,
                    label=t("ax.ceiling", lang),
                )
        if pct_gdp is not None:
            shares = pct_gdp.reindex(d.index).to_numpy(dtype=float)
            if np.isfinite(shares).any():
                # One key for all the bar labels: "3.61% of GDP" on each bar overlapped its
                # neighbours once there were six bars.
                ax.text(
                    0.01,
                    0.99,
                    t("ax.pct_gdp_key", lang),
                    transform=ax.transAxes,
                    ha="left",
                    va="top",
                    fontsize=8,
                    color="#444444",
                )
            for x, top, v in zip(years, bottom, shares):
                if np.isfinite(v):
                    ax.annotate(
                        fmt_value(v, "%", lang, 2),
                        (x, top),
                        xytext=(0, 3),
                        textcoords="offset points",
                        ha="center",
                        fontsize=7,
                        bbox={
                            "boxstyle": "round,pad=0.15",
                            "fc": "white",
                            "ec": "none",
                            "alpha": 0.85,
                        },
                    )
        ax.set_xlabel(t("ax.year", lang))
        ax.set_ylabel(t("ax.amount_millions", lang, currency=currency))
        ax.yaxis.set_major_formatter(_num_formatter(lang))
        headroom = 1.12 if pct_gdp is None else 1.25  # room for the key above the labels
        ax.set_ylim(0, max(float(bottom.max()) if len(bottom) else 1.0, 1e-9) * headroom)
        _legend_beside(ax)
        ax.set_title(title or t("fig.projection", lang))
        return _finish(fig, ax, own, source, lang)


def cost_components(
    data: pd.Series,
    *,
    public: Sequence[bool] | None = None,
    lang: str = "en",
    title: str | None = None,
    source: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Horizontal bars of cost components in % of GDP, in the order given (first on top).

    Parameters
    ----------
    data
        Values (percent of GDP) indexed by the components' printed labels.
    public
        For each component, True for public spending (blue); the others are orange.
    """
    with style():
        d = data.iloc[::-1]
        flags = list(public)[::-1] if public is not None else [False] * len(d)
        fig, ax, own = _setup(ax, (7.0, max(2.4, 0.38 * len(d) + 1.3)))
        colors = [OKABE_ITO["blue"] if f else OKABE_ITO["orange"] for f in flags]
        bars = ax.barh(
            [_wrap(str(c), 40) for c in d.index], d.to_numpy(dtype=float), color=colors, height=0.6
        )
        _label_bars(ax, bars, d.tolist(), lang, decimals=2, horizontal=True)
        _grid_along_x(ax)
        ax.set_xlabel(t("col.pct_gdp", lang))
        ax.xaxis.set_major_formatter(_num_formatter(lang, 1))
        if len(d):
            ax.set_xlim(0, float(np.nanmax(d.to_numpy(dtype=float))) * 1.18 or 1.0)
        ax.set_title(title or t("fig.cost_of_crime", lang))
        return _finish(fig, ax, own, source, lang)


def execution_rate(
    data: pd.DataFrame,
    *,
    lang: str = "en",
    title: str | None = None,
    source: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Execution rates (percent) by year, one series per link, institution or ``total``.

    Parameters
    ----------
    data
        Index: year; columns: ``total`` and/or link ids or institution names; values:
        executed ÷ approved × 100. A dashed line marks 100 %. One or two series are drawn as
        labelled bars; more as lines with markers (``total`` thicker, in black), so a dozen
        years of six series stay readable. Years are labelled every year up to ten years,
        else every other year.
    """
    with style():
        fig, ax, own = _setup(ax)
        d = data.sort_index()
        cols = list(d.columns)
        n = max(1, len(cols))
        x = np.arange(len(d))
        if n <= 2:
            width = 0.8 / n
            for i, c in enumerate(cols):
                vals = d[c].to_numpy(dtype=float)
                bars = ax.bar(
                    x + (i - (n - 1) / 2) * width,
                    np.nan_to_num(vals),
                    width=width * 0.95,
                    color=_series_color(c, i),
                    label=_series_label(c, lang),
                )
                _label_bars(ax, bars, vals.tolist(), lang, decimals=1, suffix="%")
        else:
            for i, c in enumerate(cols):
                vals = d[c].to_numpy(dtype=float)
                total = c == "total"
                ax.plot(
                    x,
                    vals,
                    color=_series_color(c, i),
                    marker="o",
                    markersize=4 if not total else 5,
                    linewidth=2.4 if total else 1.4,
                    label=_series_label(c, lang),
                    zorder=3 if total else 2,
                )
        ax.axhline(
            100, color="#333333", linestyle="--", linewidth=1, label=t("ax.full_execution", lang)
        )
        years = [str(int(y)) for y in d.index]
        step = 1 if len(years) <= 10 else 2
        ax.set_xticks(x[::step], years[::step])
        ax.set_xlabel(t("ax.year", lang))
        ax.set_ylabel(t("ax.execution", lang))
        ax.yaxis.set_major_formatter(_pct_formatter(lang))
        arr = d.to_numpy(dtype=float)
        top = float(np.nanmax(arr)) if d.size and np.isfinite(arr).any() else 100.0
        low = float(np.nanmin(arr)) if d.size and np.isfinite(arr).any() else 0.0
        ax.set_ylim(0 if n <= 2 else max(0.0, min(80.0, low - 10)), max(110.0, top * 1.08))
        _legend_beside(ax)
        ax.set_title(title or t("fig.execution", lang))
        return _finish(fig, ax, own, source, lang)


def _series_color(c: object, i: int) -> str:
    return LINK_COLORS.get(
        str(c), OKABE_ITO["black"] if c == "total" else _CYCLE[i % (len(_CYCLE) - 1)]
    )


def _series_label(c: object, lang: str) -> str:
    return t("ax.total", lang) if c == "total" else _wrap(link_label(str(c), lang), 30)


def chain_funnel(
    data: pd.DataFrame,
    *,
    lang: str = "en",
    title: str | None = None,
    source: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Funnel of the chain: one horizontal bar per stage, first stage on top.

    Parameters
    ----------
    data
        Columns ``label`` (stage name, already translated), ``count``, optional ``link`` (bar
        colour) and ``ratio_to_first`` (printed as a percentage beside the count).
    """
    with style():
        d = data.dropna(subset=["count"]).reset_index(drop=True)
        fig, ax, own = _setup(ax, (7.0, max(2.6, 0.45 * len(d) + 1.4)))
        labels = [str(s) for s in d["label"]][::-1]
        counts = d["count"].to_numpy(dtype=float)[::-1]
        links = list(d["link"])[::-1] if "link" in d else [None] * len(d)
        colors = [LINK_COLORS.get(str(lk), OKABE_ITO["blue"]) for lk in links]
        bars = ax.barh(labels, counts, color=colors, height=0.62)
        ratios = (
            d["ratio_to_first"].to_numpy(dtype=float)[::-1]
            if "ratio_to_first" in d
            else [np.nan] * len(d)
        )
        for bar, c, r in zip(bars, counts, ratios):
            text = fmt_number(c, lang, 0)
            if np.isfinite(r):
                text += f"  ({fmt_number(100 * r, lang, 1)}%)"
            _annotate_bar(ax, bar, text, horizontal=True)
        _grid_along_x(ax)
        ax.set_xlabel(t("ax.count", lang))
        ax.set_ylabel(t("col.stage", lang))
        ax.xaxis.set_major_formatter(_num_formatter(lang))
        if len(counts):
            ax.set_xlim(0, float(np.nanmax(counts)) * 1.3)
        ax.set_title(title or t("fig.funnel", lang))
        return _finish(fig, ax, own, source, lang)


def efficiency_ranking(
    scores: pd.Series,
    *,
    lang: str = "en",
    title: str | None = None,
    source: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Horizontal bars of DEA efficiency scores, best on top, frontier (1) marked.

    Parameters
    ----------
    scores
        Efficiency in (0, 1] indexed by unit (``DEAResult.efficiency``).
    """
    with style():
        d = scores.dropna().astype(float).sort_values()
        fig, ax, own = _setup(ax, (7.0, max(2.6, 0.3 * len(d) + 1.3)))
        colors = [OKABE_ITO["bluish_green"] if v >= 1 - 1e-9 else OKABE_ITO["blue"] for v in d]
        bars = ax.barh([str(i) for i in d.index], d.to_numpy(), color=colors, height=0.65)
        _label_bars(ax, bars, d.tolist(), lang, decimals=2, horizontal=True)
        ax.axvline(1.0, color="#333333", linestyle="--", linewidth=1, label=t("ax.frontier", lang))
        _grid_along_x(ax)
        ax.set_xlabel(t("ax.efficiency", lang))
        ax.set_ylabel(t("col.unit_dmu", lang))
        ax.xaxis.set_major_formatter(_num_formatter(lang, 1))
        ax.set_xlim(0, max(1.15, float(d.max()) * 1.1) if len(d) else 1.15)
        ax.legend(loc="lower right")
        ax.set_title(title or t("fig.dea", lang))
        return _finish(fig, ax, own, source, lang)


def allocation_comparison(
    current: pd.Series,
    optimal: pd.Series,
    *,
    currency: str = "USD",
    lang: str = "en",
    title: str | None = None,
    source: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Grouped bars of the current and the optimised budget per link, in millions.

    Parameters
    ----------
    current, optimal
        Budgets indexed by link id (``AllocationResult.budgets`` for ``optimal``).
    """
    with style():
        fig, ax, own = _setup(ax)
        links = [lk for lk in current.index if lk in optimal.index]
        x = np.arange(len(links))
        cur = current.reindex(links).to_numpy(dtype=float) / 1e6
        opt = optimal.reindex(links).to_numpy(dtype=float) / 1e6
        ax.bar(x - 0.2, cur, width=0.38, color=OKABE_ITO["sky_blue"], label=t("ax.current", lang))
        ax.bar(x + 0.2, opt, width=0.38, color=OKABE_ITO["blue"], label=t("ax.optimised", lang))
        labels = [_wrap(link_label(str(lk), lang), 18) for lk in links]
        ax.set_xticks(x, labels, fontsize=7.5)
        ax.set_xlabel(t("col.link", lang))
        ax.set_ylabel(t("ax.budget", lang, currency=currency))
        ax.yaxis.set_major_formatter(_num_formatter(lang))
        ax.legend(loc="best")
        ax.set_title(title or t("fig.allocation", lang))
        return _finish(fig, ax, own, source, lang)


def indicator_trend(
    data: pd.DataFrame,
    *,
    ylabel: str,
    lang: str = "en",
    title: str | None = None,
    source: str | None = None,
    colors: Mapping[str, str] | None = None,
    breaks: Sequence[float] = (),
    ax: Axes | None = None,
) -> Figure:
    """Line chart of one indicator over time, one line per series (country or link).

    Parameters
    ----------
    data
        Columns ``year``, ``value``, optionally ``series`` (label of each line) and
        ``segment`` (a line joins points only within one segment: a change of source or
        counting rule starts a new one).
    ylabel
        Axis label with the unit (e.g. "Homicides per 100,000 inhabitants").
    breaks
        x positions (e.g. 2016.5) where the first series changes source: a dotted line each.
    """
    with style():
        fig, ax, own = _setup(ax)
        d = data.dropna(subset=["value"]).sort_values("year")
        groups = d.groupby("series", sort=False) if "series" in d else [("", d)]
        for i, (name, g) in enumerate(groups):
            color = (colors or {}).get(str(name), _CYCLE[i % len(_CYCLE)])
            for j, v in enumerate(
                _segments(g[[c for c in ("year", "value", "segment") if c in g]])
            ):
                ax.plot(
                    v["year"],
                    v["value"].to_numpy(dtype=float),
                    marker="o",
                    color=color,
                    label=(str(name) or None) if j == 0 else None,
                )
        _mark_breaks(ax, breaks, lang, "ax.source_break")
        if ("series" in d and d["series"].nunique() > 1) or len(breaks):
            ax.legend(loc="best")
        ax.set_xlabel(t("ax.year", lang))
        ax.set_ylabel(ylabel)
        top = float(d["value"].max()) if len(d) else 1.0
        ax.yaxis.set_major_formatter(_num_formatter(lang, 0 if d["value"].abs().max() >= 10 else 1))
        ax.set_ylim(0, top * 1.12 if top > 0 else 1.0)
        _years_axis(ax, d["year"].tolist())
        if title:
            ax.set_title(title)
        return _finish(fig, ax, own, source, lang)


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def figure_png(fig: Figure, *, dpi: int = 150) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    with style():
        fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


def figure_svg(fig: Figure) -> str:
    """The figure as an SVG document (text kept as text, deterministic ids)."""
    buf = io.StringIO()
    with style():
        fig.savefig(buf, format="svg", facecolor="white", metadata={"Date": None})
    return buf.getvalue()


def save_figure(
    fig: Figure, path_stem: str | Path, *, formats: Sequence[str] = ("png", "svg")
) -> list[Path]:
    """Write ``fig`` as ``<path_stem>.png`` / ``.svg``; returns the paths written."""
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for fmt in formats:
        p = stem.with_suffix(f".{fmt}")
        if fmt == "png":
            p.write_bytes(figure_png(fig))
        elif fmt == "svg":
            p.write_text(figure_svg(fig), encoding="utf-8")
        else:
            raise ValueError(f"unknown figure format {fmt!r}; expected png or svg")
        out.append(p)
    return out
