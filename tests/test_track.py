"""track(): efficiency against a fixed base frontier, the own frontier and Malmquist."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import peir
from peir.efficiency import TrackResult, dea, malmquist, track


@pytest.fixture
def panel():
    rng = np.random.default_rng(4)
    rows = []
    for unit in "ABCDEFGH":
        x = rng.uniform(5, 10, 2)
        ineff = rng.uniform(0.6, 1.0)
        for year in (2016, 2017, 2018, 2019):
            growth = 1 + 0.05 * (year - 2016) * (unit in "ABC")
            y = x.prod() ** 0.5 * ineff * growth * rng.uniform(0.99, 1.0)
            rows.append({"unit": unit, "year": year, "x1": x[0], "x2": x[1], "y": y})
    return pd.DataFrame(rows)


def test_track_columns_and_values(panel):
    tr = track(panel, inputs=["x1", "x2"], outputs="y", unit="unit", period="year",
               base_period=2016)
    assert isinstance(tr, TrackResult)
    f = tr.to_frame()
    assert list(f.columns) == ["unit", "year", "efficiency_base", "efficiency_own",
                               "malmquist", "efficiency_change", "technical_change"]
    assert len(f) == 8 * 4
    base = panel[panel.year == 2016].set_index("unit")
    for year in (2016, 2018):
        cur = panel[panel.year == year].set_index("unit")
        want = dea(cur[["x1", "x2"]], cur[["y"]], rts="crs",
                   reference=(base[["x1", "x2"]], base[["y"]])).efficiency
        got = f[f.year == year].set_index("unit")["efficiency_base"]
        np.testing.assert_allclose(got.loc[want.index], want, rtol=1e-12)
        own = dea(cur[["x1", "x2"]], cur[["y"]], rts="crs").efficiency
        np.testing.assert_allclose(
            f[f.year == year].set_index("unit")["efficiency_own"].loc[own.index], own)
    m = malmquist(panel, inputs=["x1", "x2"], outputs="y", unit="unit", period="year")
    joined = f.set_index(["unit", "year"]).loc[m.index]
    np.testing.assert_allclose(joined["malmquist"], m["malmquist"])
    assert f[f.year == 2016]["malmquist"].isna().all()
    # growing units improve against the fixed frontier
    change = tr.improved(2016, 2019)
    assert set(change.index[:3]) == {"A", "B", "C"}


def test_track_plot_summary_and_pooled_base(panel):
    tr = track(panel, inputs=["x1", "x2"], outputs="y", unit="unit", period="year",
               base_period=[2016, 2017], rts="vrs", orientation="output")
    assert "Tracking 8 units" in tr.summary()
    assert "<table" in tr._repr_html_()
    import matplotlib.pyplot as plt

    fig = tr.plot()
    assert fig.axes[0].get_lines()
    tr.plot(units=["A", "B"], column="efficiency_own")
    plt.close("all")
    with pytest.raises(peir.InputError, match="base_period"):
        track(panel, inputs=["x1", "x2"], outputs="y", unit="unit", period="year",
              base_period=2030)
