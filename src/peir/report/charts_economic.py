"""The chart of the economic composition of spending (issue #17), in the style of
:mod:`peir.report.charts`: one stacked bar of GFS 2014 class shares per year and phase."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from peir.report.charts import (
    OKABE_ITO,
    _finish,
    _legend_beside,
    _pct_formatter,
    _setup,
    _stacked_bars,
    _wrap,
    style,
)
from peir.report.i18n import t

__all__ = ["ECON_COLORS", "economic_composition"]

#: One colour per GFS 2014 expense class (``"2"``: expense whose class is not settled;
#: ``""``: lines without a class). Wages and goods are blues, capital vermillion, the
#: unsettled and unclassified greys, so the two that say "not known" read as such.
ECON_COLORS: dict[str, str] = {
    "21": OKABE_ITO["blue"],
    "22": OKABE_ITO["sky_blue"],
    "24": OKABE_ITO["yellow"],
    "25": OKABE_ITO["bluish_green"],
    "26": OKABE_ITO["orange"],
    "27": OKABE_ITO["reddish_purple"],
    "28": OKABE_ITO["black"],
    "31": OKABE_ITO["vermillion"],
    "2": "#BBBBBB",
    "": "#DDDDDD",
}


def economic_composition(
    shares: pd.DataFrame,
    names: Mapping[str, str],
    *,
    lang: str = "en",
    title: str | None = None,
    source: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Stacked bars of the economic composition, one bar per row of ``shares``.

    Parameters
    ----------
    shares
        Index: the bar labels (e.g. ``"2018\\napproved"``); columns: GFS class codes
        (``"21"``, ``"22"``, ``"31"``, ``"2"``, ``""``) in stacking order; values: shares of
        the bar's total in percent (each row sums to 100 where the composition is complete).
    names
        The legend text of each code (``"21 Compensation of employees"``).
    """
    with style():
        fig, ax, own = _setup(ax)
        labels = [str(i) for i in shares.index]
        legend = {str(c): _wrap(names.get(str(c), str(c)), 28) for c in shares.columns}
        _stacked_bars(ax, labels, shares, ECON_COLORS, legend)
        ax.set_xlabel(t("ax.year_phase", lang))
        ax.set_ylabel(t("ax.share_pct", lang))
        ax.yaxis.set_major_formatter(_pct_formatter(lang))
        ax.set_ylim(0, 102)
        _legend_beside(ax)
        ax.set_title(title or t("fig.econ_composition", lang))
        return _finish(fig, ax, own, source, lang)
