"""Charts: one accessible style, labelled axes, a source line, ``ax=None`` returns the figure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from peir.report import charts
from peir.report.charts_economic import economic_composition
from peir.report.i18n import t

YEARS = [2019, 2020, 2021]


def _cases() -> dict[str, Callable[..., Figure]]:
    trend = pd.DataFrame(
        {"year": YEARS, "amount": [5e8, 5.5e8, 6e8], "amount_real": [5e8, 5.3e8, 5.6e8]}
    )
    comp = pd.DataFrame(
        {"prevention": [3, 4, 5], "patrol": [44, 40, 41], "judicial": [53, 56, 54]}, index=YEARS
    )
    peers = pd.Series({"SLV": 2.4, "CRI": 2.3, "GTM": 1.7})
    exe = pd.DataFrame({"total": [95.0, 102.0, 99.0], "judicial": [90.0, 97.0, 91.0]}, index=YEARS)
    fun = pd.DataFrame(
        {
            "label": ["Crimes", "Indictments", "Convictions"],
            "count": [1000, 200, 80],
            "link": ["patrol", "investigation", "judicial"],
            "ratio_to_first": [1, 0.2, 0.08],
        }
    )
    scores = pd.Series(np.linspace(0.5, 1.0, 6), index=[f"R{i}" for i in range(6)])
    cur = pd.Series({"patrol": 3e8, "judicial": 2e8, "corrections": 5e7})
    opt = pd.Series({"patrol": 2.8e8, "judicial": 2.2e8, "corrections": 5e7})
    ind = pd.DataFrame(
        {"year": YEARS * 2, "value": [50, 40, 30, 20, 22, 19], "series": ["SLV"] * 3 + ["GTM"] * 3}
    )
    econ = pd.DataFrame(
        {"21": [70.0, 71.0], "31": [20.0, 19.0], "": [10.0, 10.0]},
        index=["2019\napproved", "2020\napproved"],
    )
    return {
        "spending_trend": lambda **kw: charts.spending_trend(trend, base_year=2019, **kw),
        "composition_by_link": lambda **kw: charts.composition_by_link(comp, **kw),
        "per_capita_peers": lambda **kw: charts.per_capita_peers(
            peers, highlight="SLV", unit="% of GDP", **kw
        ),
        "execution_rate": lambda **kw: charts.execution_rate(exe, **kw),
        "chain_funnel": lambda **kw: charts.chain_funnel(fun, **kw),
        "efficiency_ranking": lambda **kw: charts.efficiency_ranking(scores, **kw),
        "allocation_comparison": lambda **kw: charts.allocation_comparison(cur, opt, **kw),
        "indicator_trend": lambda **kw: charts.indicator_trend(
            ind, ylabel="per 100,000", title="Homicides", **kw
        ),
        "economic_composition": lambda **kw: economic_composition(
            econ, {"21": "21 Compensation of employees", "31": "31 Fixed assets", "": "none"}, **kw
        ),
    }


CASES = _cases()


def _texts(fig: Figure) -> list[str]:
    return [x.get_text() for x in fig.findobj(lambda a: hasattr(a, "get_text")) if x.get_text()]


@pytest.mark.parametrize("name", list(CASES))
def test_chart_returns_figure_with_labels_and_source(name: str) -> None:
    fig = CASES[name](lang="en", source="Test source")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xlabel() and ax.get_ylabel()
    assert any("Source: Test source" in s for s in _texts(fig))
    assert charts.figure_png(fig)[:4] == b"\x89PNG"
    assert "<svg" in charts.figure_svg(fig)


@pytest.mark.parametrize("name", list(CASES))
def test_chart_draws_into_given_axes(name: str) -> None:
    fig = Figure(figsize=(10, 4))
    ax1, ax2 = fig.subplots(1, 2)
    out = CASES[name](lang="es", ax=ax2)
    assert out is fig
    assert ax2.has_data() or ax2.patches or ax2.lines
    assert not ax1.has_data()
    assert any(
        t("doc.source", "es", source=t("doc.source_default", "es")) in s for s in _texts(fig)
    )


def test_spanish_labels_and_number_format() -> None:
    fig = CASES["spending_trend"](lang="es")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Año"
    assert ax.get_ylabel() == "Millones de USD"
    fig = CASES["chain_funnel"](lang="es")
    fig.canvas.draw()
    ticks = [tl.get_text() for tl in fig.axes[0].get_xticklabels()]
    assert "1.000" in ticks  # thousands separator "."
    fig = CASES["efficiency_ranking"](lang="es")
    fig.canvas.draw()
    ticks = [tl.get_text() for tl in fig.axes[0].get_xticklabels()]
    assert any("," in s for s in ticks)  # decimal comma


def test_okabe_ito_palette_and_link_colours() -> None:
    fig = CASES["composition_by_link"](lang="en")
    colours = {to_hex(p.get_facecolor()).upper() for p in fig.axes[0].patches}
    assert colours <= {c.upper() for c in charts.OKABE_ITO.values()}
    assert to_hex(charts.LINK_COLORS["patrol"]).upper() in colours
    assert len(set(charts.LINK_COLORS.values())) == len(charts.LINK_COLORS)


def test_save_figure_writes_png_and_svg(tmp_path: Any) -> None:
    paths = charts.save_figure(CASES["chain_funnel"](), tmp_path / "fig" / "funnel")
    assert [p.suffix for p in paths] == [".png", ".svg"]
    assert all(p.stat().st_size > 1000 for p in paths)
    with pytest.raises(ValueError):
        charts.save_figure(CASES["chain_funnel"](), tmp_path / "x", formats=("pdf",))


# ---------------------------------------------------------------------------------------------
# the plotted values are the data's (not only "a Figure came back")
# ---------------------------------------------------------------------------------------------


def _bars(fig: Figure) -> list[Any]:
    from matplotlib.patches import Rectangle

    return [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]


def test_spending_trend_plots_millions_and_breaks_at_coverage_changes() -> None:
    data = pd.DataFrame(
        {
            "year": [2015, 2016, 2017, 2018],
            "amount": [1e8, 2e8, 3e8, 4e8],
            "amount_real": [1.1e8, 2.1e8, 3.1e8, 4.1e8],
            "segment": [0, 0, 1, 1],
        }
    )
    fig = charts.spending_trend(data, base_year=2018, breaks=[2017])
    lines = [ln for ln in fig.axes[0].get_lines() if ln.get_linestyle() != ":"]
    got = sorted((tuple(ln.get_xdata()), tuple(np.round(ln.get_ydata(), 6))) for ln in lines)
    assert got == sorted(
        [
            ((2015, 2016), (100.0, 200.0)),
            ((2017, 2018), (300.0, 400.0)),
            ((2015, 2016), (110.0, 210.0)),
            ((2017, 2018), (310.0, 410.0)),
        ]
    )
    marks = [ln for ln in fig.axes[0].get_lines() if ln.get_linestyle() == ":"]
    assert len(marks) == 1 and marks[0].get_xdata()[0] == pytest.approx(2016.5)


def test_indicator_trend_joins_points_only_within_a_source() -> None:
    data = pd.DataFrame(
        {
            "year": [2010, 2011, 2012, 2013],
            "value": [60.0, 65.0, 40.0, 35.0],
            "series": "SLV",
            "segment": [0, 0, 1, 1],
        }
    )
    fig = charts.indicator_trend(data, ylabel="per 100,000", breaks=[2011.5])
    solid = [ln for ln in fig.axes[0].get_lines() if ln.get_linestyle() != ":"]
    assert sorted(tuple(ln.get_ydata()) for ln in solid) == [(40.0, 35.0), (60.0, 65.0)]
    assert sorted(tuple(ln.get_xdata()) for ln in solid) == [(2010, 2011), (2012, 2013)]


def test_bar_charts_plot_the_given_values() -> None:
    comp = pd.DataFrame(
        {"prevention": [3.0, 4.0], "patrol": [44.0, 40.0], "judicial": [53.0, 56.0]},
        index=[2019, 2020],
    )
    bars = _bars(charts.composition_by_link(comp))
    # stacked: prevention, then patrol on top of it, then judicial
    assert [round(b.get_height(), 9) for b in bars] == [3.0, 4.0, 44.0, 40.0, 53.0, 56.0]
    assert [round(b.get_y(), 9) for b in bars] == [0.0, 0.0, 3.0, 4.0, 47.0, 44.0]
    peers = pd.Series({"SLV": 2.4, "CRI": 2.3, "GTM": 1.7})
    bars = _bars(charts.per_capita_peers(peers, highlight="SLV"))
    assert [b.get_width() for b in bars] == [1.7, 2.3, 2.4]  # sorted, largest on top
    assert to_hex(bars[-1].get_facecolor()).upper() == charts.OKABE_ITO["vermillion"].upper()
    exe = pd.DataFrame({"total": [95.0, 102.0]}, index=[2019, 2020])
    assert [b.get_height() for b in _bars(charts.execution_rate(exe))] == [95.0, 102.0]
    fun = pd.DataFrame(
        {"label": ["Crimes", "Indictments", "Convictions"], "count": [1000, 200, 80]}
    )
    assert [b.get_width() for b in _bars(charts.chain_funnel(fun))] == [80.0, 200.0, 1000.0]
    scores = pd.Series({"A": 0.5, "B": 1.0, "C": 0.8})
    assert [b.get_width() for b in _bars(charts.efficiency_ranking(scores))] == [0.5, 0.8, 1.0]
    cur = pd.Series({"patrol": 3e8, "judicial": 2e8})
    opt = pd.Series({"patrol": 2.8e8, "judicial": 2.2e8})
    heights = [round(b.get_height(), 9) for b in _bars(charts.allocation_comparison(cur, opt))]
    assert heights == [300.0, 200.0, 280.0, 220.0]


def test_empty_data_draws_nothing() -> None:
    assert _bars(charts.efficiency_ranking(pd.Series(dtype=float))) == []
    assert _bars(charts.per_capita_peers(pd.Series(dtype=float))) == []


@pytest.mark.parametrize("lang", ["en", "es"])
def test_projection_labels_are_short_and_keyed_once(lang: str) -> None:
    """Six bars each labelled "3.61% of GDP" overlapped their neighbours: each bar now carries
    only its share, one key says what the shares are, and the bars stack the given amounts."""
    years = list(range(2020, 2026))
    data = pd.DataFrame(
        {"patrol": [4e8 + 4e6 * i for i in range(6)], "judicial": [2.8e8] * 6}, index=years
    )
    pct = pd.Series([3.61, 3.60, 3.59, 3.58, 3.57, 3.56], index=years)
    fig = charts.projection_envelope(data, pct_gdp=pct, lang=lang)
    ax = fig.axes[0]
    labels = [a.get_text() for a in ax.texts if a.get_text().endswith("%")]
    dec = "." if lang == "en" else ","
    assert labels == [f"3{dec}{v:02d}%" for v in (61, 60, 59, 58, 57, 56)]
    assert [a.get_text() for a in ax.texts].count(t("ax.pct_gdp_key", lang)) == 1
    tops = sorted({round(p.get_y() + p.get_height(), 6) for p in ax.patches})
    assert tops[-1] == pytest.approx((4e8 + 4e6 * 5 + 2.8e8) / 1e6)
    heights = [round(p.get_height(), 6) for p in ax.patches]
    assert heights[:6] == pytest.approx([400 + 4 * i for i in range(6)])
    assert heights[6:12] == pytest.approx([280.0] * 6)
