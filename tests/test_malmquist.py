"""Malmquist index against DEAP example 4 (Coelli 1996), reconstructed panel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import peir
from conftest import TEST_DATA
from peir.efficiency import malmquist

# small test panels break Cooper's rule on purpose; the rule has its own test
pytestmark = pytest.mark.filterwarnings("ignore:.*Cooper's rule")

TOL = 0.0005 + 1e-9  # the reconstruction reproduces DEAP's 3-decimal output within 0.0005


@pytest.fixture
def eg4():
    base = TEST_DATA / "published"
    panel = pd.read_csv(base / "deap_eg4_panel_reconstructed.csv")
    pub = pd.read_csv(base / "deap_eg4_published_malmquist.csv").set_index(["firm", "year"])
    dist = pd.read_csv(base / "deap_eg4_published_distances.csv").set_index(["firm", "year"])
    return panel, pub, dist


def test_deap_example4_indices(eg4):
    panel, pub, _ = eg4
    m = malmquist(
        panel, inputs="x", outputs="y", unit="firm", period="year", orientation="output"
    ).frame
    assert list(m.index.names) == ["firm", "year"]
    m = m.loc[pub.index]
    for ours, theirs in [
        ("malmquist", "tfpch"),
        ("efficiency_change", "effch"),
        ("technical_change", "techch"),
        ("pure_efficiency_change", "pech"),
        ("scale_efficiency_change", "sech"),
    ]:
        np.testing.assert_allclose(m[ours], pub[theirs], atol=TOL, err_msg=ours)
    np.testing.assert_allclose(m["malmquist"], m["efficiency_change"] * m["technical_change"])


def test_deap_example4_distance_terms(eg4):
    panel, _, dist = eg4
    m = malmquist(
        panel, inputs="x", outputs="y", unit="firm", period="year", orientation="output"
    ).frame
    for (firm, year), row in m.iterrows():
        prev = year - 1
        assert row["d_t(t)"] == pytest.approx(dist.loc[(firm, prev), "crs_te_tech_t"], abs=TOL)
        assert row["d_t1(t+1)"] == pytest.approx(dist.loc[(firm, year), "crs_te_tech_t"], abs=TOL)
        # period-(t+1) data against the period-t frontier
        assert row["d_t(t+1)"] == pytest.approx(
            dist.loc[(firm, year), "crs_te_tech_tminus1"], abs=TOL
        )
        # period-t data against the period-(t+1) frontier
        assert row["d_t1(t)"] == pytest.approx(
            dist.loc[(firm, prev), "crs_te_tech_tplus1"], abs=TOL
        )


def test_crs_index_does_not_depend_on_orientation(eg4):
    panel, _, _ = eg4
    a = malmquist(panel, inputs="x", outputs="y", unit="firm", period="year").frame
    b = malmquist(
        panel, inputs="x", outputs="y", unit="firm", period="year", orientation="output"
    ).frame
    cols = ["malmquist", "efficiency_change", "technical_change"]
    np.testing.assert_allclose(a[cols], b[cols], rtol=1e-9)


def test_unbalanced_panel_and_errors():
    panel = pd.DataFrame(
        {
            "u": ["a", "b", "c", "a", "b", "d"],
            "t": [1, 1, 1, 2, 2, 2],
            "x": [2.0, 3, 4, 2, 3, 5],
            "y": [1.0, 2, 2, 2, 2, 3],
        }
    )
    m = malmquist(panel, inputs=["x"], outputs=["y"], unit="u", period="t").frame
    assert set(m.index.get_level_values("u")) == {"a", "b"}
    with pytest.raises(peir.InputError, match="duplicate"):
        malmquist(
            pd.concat([panel, panel.iloc[[0]]]), inputs="x", outputs="y", unit="u", period="t"
        )
    with pytest.raises(peir.InputError, match="no column"):
        malmquist(panel, inputs="z", outputs="y", unit="u", period="t")
    with pytest.raises(peir.InputError, match="at least two"):
        malmquist(panel[panel.t == 1], inputs="x", outputs="y", unit="u", period="t")
