"""The one results base (peir._results): Summary, read-only results, notebook display, and the
deprecation path of results that replaced a DataFrame or Series."""

from __future__ import annotations

import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from conftest import TEST_DATA
from peir._results import LegacyFrame, Result, Summary
from peir.efficiency import (
    DEAResult,
    MalmquistResult,
    SuperEfficiencyResult,
    dea,
    malmquist,
    super_efficiency,
)
from peir.efficiency.results import Summary as OldSummary

pytestmark = pytest.mark.filterwarnings("ignore:.*Cooper's rule")

HOSPITALS = pd.read_csv(TEST_DATA / "published" / "cst_hospitals.csv", index_col=0)
X, Y = HOSPITALS[["doctors", "nurses"]], HOSPITALS[["outpatients", "inpatients"]]


def test_summary_renders_text_and_escaped_html():
    s = Summary("T <b>", [("Model", "a & b")], pd.DataFrame({"v": [0.123456]}), ["note <i>"])
    text = s.as_text()
    assert text.splitlines()[:3] == ["T <b>", "=====", "Model  a & b"]
    assert "0.1235" in text and "note <i>" in text
    html = s.as_html()
    assert "T &lt;b&gt;" in html and "a &amp; b" in html and "note &lt;i&gt;" in html
    assert "<b>" not in html
    assert OldSummary is Summary  # the old import path keeps working


def test_every_efficiency_result_is_a_read_only_result():
    r = dea(X, Y, rts="crs")
    se = super_efficiency(X, Y)
    for res in (r, se, r.frontier()):
        assert isinstance(res, Result)
        assert isinstance(res.summary(), Summary)
        assert isinstance(res.to_frame(), pd.DataFrame)
        assert str(res) == res.summary().as_text()
        assert res.summary().as_html() in res._repr_html_()
        with pytest.raises(AttributeError):
            res.rts = "vrs"  # type: ignore[misc]
    # the notebook view shows the first rows of to_frame() under the summary
    html = r._repr_html_()
    assert "to_frame():" in html and "<th>L</th>" in html  # all 12 hospitals shown
    assert html.count("<table") == 3  # header, summary table, to_frame rows
    big = dea(np.tile(X.to_numpy(), (3, 1)), np.tile(Y.to_numpy(), (3, 1)))
    assert "First 20 of 36 rows of to_frame():" in big._repr_html_()
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.efficiency = r.efficiency  # type: ignore[misc]


def test_plain_result_subclass_is_read_only_by_the_mixin():
    class Plain(Result):
        def __init__(self) -> None:
            self._x = 1

        @property
        def x(self) -> int:
            return self._x

    p = Plain()
    with pytest.raises(AttributeError, match="read-only"):
        p.y = 2
    with pytest.raises(NotImplementedError, match="summary"):
        str(p)


def test_super_efficiency_result_and_its_deprecation_path():
    se = super_efficiency(X, Y)
    assert isinstance(se, SuperEfficiencyResult)
    f = se.to_frame()
    assert list(f.columns) == ["super_efficiency", "efficiency", "rank"]
    np.testing.assert_allclose(f["efficiency"], dea(X, Y, rts="crs").efficiency)
    assert f["rank"].min() == 1 and f.loc[f["super_efficiency"].idxmax(), "rank"] == 1
    # the Series it used to be: still works, with a FutureWarning naming the way out
    with pytest.warns(FutureWarning, match=r"super_efficiency\(\) returned a Series.*\.scores"):
        first = se["A"]
    assert first == se.scores["A"]
    with pytest.warns(FutureWarning):
        assert se.idxmax() == se.scores.idxmax()
    with pytest.warns(FutureWarning):
        np.testing.assert_array_equal(np.asarray(se), se.scores.to_numpy())
    assert len(se) == 12 and bool(se)
    with pytest.raises(AttributeError):
        se.no_such_attribute  # noqa: B018
    # the figure draws the finite scores, best on top
    fig = se.plot()
    bars = [p.get_width() for p in fig.axes[0].patches]
    np.testing.assert_allclose(bars, np.sort(se.scores.to_numpy()))
    plt.close(fig)


def test_malmquist_result_summary_and_plot_show_geometric_means():
    panel = pd.read_csv(TEST_DATA / "published" / "deap_eg4_panel_reconstructed.csv")
    m = malmquist(panel, inputs="x", outputs="y", unit="firm", period="year")
    assert isinstance(m, MalmquistResult) and isinstance(m, LegacyFrame)
    g = m.by_period()
    # geometric mean over the five firms written out
    for year in (2, 3):
        vals = m.frame.xs(year, level="year")["malmquist"].to_numpy()
        assert g.loc[year, "malmquist"] == pytest.approx(np.prod(vals) ** (1 / len(vals)))
    assert "Malmquist productivity index" in m.summary().as_text()
    fig = m.plot()
    line = fig.axes[0].get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), g["malmquist"].to_numpy())
    plt.close(fig)
    with pytest.warns(FutureWarning, match=r"malmquist\(\) returned a DataFrame"):
        assert list(m.index.names) == ["firm", "year"]
    pd.testing.assert_frame_equal(m.to_frame(), m.frame)


def test_dea_result_holds_its_technology():
    r = dea(X, Y, rts="crs")
    assert isinstance(r, DEAResult)
    pd.testing.assert_frame_equal(r.ref_inputs, X.astype(float))
    np.testing.assert_allclose(r.scale_inputs, X.mean().to_numpy())
    f = r.frontier(units={"doctors": "FTE"})
    assert f.rts == "crs" and f.card.units == {"doctors": "FTE"}
    assert f.card.fingerprint == r.technology.card.fingerprint
    np.testing.assert_array_equal(f.score(X, Y).efficiency, r.efficiency)


def test_every_public_efficiency_result_follows_the_base():
    import peir.efficiency as eff

    classes = [getattr(eff, n) for n in eff.__all__ if n.endswith("Result")]
    assert len(classes) >= 12
    for cls in classes:
        assert issubclass(cls, Result), cls
        assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen, cls
        for method in ("summary", "to_frame"):
            assert getattr(cls, method) is not getattr(Result, method), (cls, method)
