"""track(): efficiency against a fixed base frontier, the own frontier and Malmquist."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import peir
from peir.efficiency import TrackResult, track
from test_dea_reference import envelopment_linprog

# small test panels break Cooper's rule on purpose; the rule has its own test
pytestmark = pytest.mark.filterwarnings("ignore:.*Cooper's rule")


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


def _linprog_scores(cur: pd.DataFrame, ref: pd.DataFrame, rts: str = "crs") -> pd.Series:
    """Input efficiency of ``cur``'s units against ``ref``'s technology, one scipy LP each."""
    xr, yr = ref[["x1", "x2"]].to_numpy(float), ref[["y"]].to_numpy(float)
    return pd.Series(
        [
            envelopment_linprog(
                r[["x1", "x2"]].to_numpy(float), r[["y"]].to_numpy(float), xr, yr, rts, "input"
            )
            for _, r in cur.iterrows()
        ],
        index=cur["unit"].to_numpy(),
    )


def test_track_columns_and_values(panel):
    """Every number of track() against an independent computation: per-period envelopment LPs
    with scipy's linprog, combined with the Färe et al. (1994) formulas written out here."""
    tr = track(
        panel, inputs=["x1", "x2"], outputs="y", unit="unit", period="year", base_period=2016
    )
    assert isinstance(tr, TrackResult)
    f = tr.to_frame()
    assert list(f.columns) == [
        "unit",
        "year",
        "efficiency_base",
        "efficiency_own",
        "malmquist",
        "efficiency_change",
        "technical_change",
    ]
    assert len(f) == 8 * 4
    got = f.set_index(["unit", "year"])
    by_year = {y: g for y, g in panel.groupby("year")}
    for year, cur in by_year.items():
        base = _linprog_scores(cur, by_year[2016])
        own = _linprog_scores(cur, cur)
        np.testing.assert_allclose(
            got.xs(year, level="year").loc[base.index, "efficiency_base"], base, rtol=1e-9
        )
        np.testing.assert_allclose(
            got.xs(year, level="year").loc[own.index, "efficiency_own"], own, rtol=1e-9
        )
    for t, t1 in [(2016, 2017), (2017, 2018), (2018, 2019)]:
        a, b = by_year[t], by_year[t1]
        d_tt, d_t1t1 = _linprog_scores(a, a), _linprog_scores(b, b)
        d_tt1, d_t1t = _linprog_scores(b, a), _linprog_scores(a, b)  # data of t+1 vs frontier t
        m = np.sqrt((d_tt1 / d_tt) * (d_t1t1 / d_t1t))
        ec = d_t1t1 / d_tt
        row = got.xs(t1, level="year").loc[m.index]
        np.testing.assert_allclose(row["malmquist"], m, rtol=1e-9)
        np.testing.assert_allclose(row["efficiency_change"], ec, rtol=1e-9)
        np.testing.assert_allclose(row["technical_change"], m / ec, rtol=1e-9)
    assert f[f.year == 2016]["malmquist"].isna().all()
    # growing units improve against the fixed frontier
    change = tr.improved(2016, 2019)
    assert set(change.index[:3]) == {"A", "B", "C"}


def test_track_plot_summary_and_pooled_base(panel):
    tr = track(
        panel,
        inputs=["x1", "x2"],
        outputs="y",
        unit="unit",
        period="year",
        base_period=[2016, 2017],
        rts="vrs",
        orientation="output",
    )
    assert "Tracking 8 units" in tr.summary().as_text()
    assert "<table" in tr._repr_html_()
    import matplotlib.pyplot as plt

    fig = tr.plot()
    assert fig.axes[0].get_lines()
    tr.plot(units=["A", "B"], column="efficiency_own")
    plt.close("all")
    with pytest.raises(peir.InputError, match="base_period"):
        track(panel, inputs=["x1", "x2"], outputs="y", unit="unit", period="year", base_period=2030)
