"""Invariants of DEA checked on random data with hypothesis."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from peir.efficiency import bootstrap_dea, dea

# small test panels break Cooper's rule on purpose; the rule has its own test
pytestmark = pytest.mark.filterwarnings("ignore:.*Cooper's rule")

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOL = 1e-7


@st.composite
def datasets(draw, min_units=3, max_units=12):
    n = draw(st.integers(min_units, max_units))
    m = draw(st.integers(1, 3))
    s = draw(st.integers(1, 2))
    elems = st.integers(1, 200).map(float)
    x = draw(arrays(np.float64, (n, m), elements=elems))
    y = draw(arrays(np.float64, (n, s), elements=elems))
    return x, y


RTS = st.sampled_from(["crs", "vrs", "nirs", "ndrs", "fdh"])
ORIENT = st.sampled_from(["input", "output"])


@SETTINGS
@given(datasets(), RTS, ORIENT)
def test_scores_in_unit_interval_and_peers_efficient(data, rts, orientation):
    x, y = data
    r = dea(x, y, rts=rts, orientation=orientation)
    e = r.efficiency.to_numpy()
    assert np.all(e > 0) and np.all(e <= 1 + TOL)
    assert abs(e.max() - 1) < TOL  # someone is on the frontier
    # every benchmark (peer) is itself efficient
    for peers in r.peers.values():
        for p in peers:
            assert abs(r.efficiency.iloc[p] - 1) < 1e-6


@SETTINGS
@given(datasets(), RTS, ORIENT, st.data())
def test_rescaling_a_column_changes_nothing(data, rts, orientation, draw):
    x, y = data
    r = dea(x, y, rts=rts, orientation=orientation)
    which = draw.draw(st.sampled_from(["x", "y"]))
    arr = x if which == "x" else y
    j = draw.draw(st.integers(0, arr.shape[1] - 1))
    c = draw.draw(st.sampled_from([1e-3, 0.37, 12.5, 1e4]))
    arr2 = arr.copy()
    arr2[:, j] *= c
    r2 = (
        dea(arr2, y, rts=rts, orientation=orientation)
        if which == "x"
        else dea(x, arr2, rts=rts, orientation=orientation)
    )
    np.testing.assert_allclose(r2.efficiency, r.efficiency, rtol=1e-7, atol=1e-9)


@SETTINGS
@given(datasets(), RTS, ORIENT, st.data())
def test_adding_a_dominated_unit_changes_no_other_score(data, rts, orientation, draw):
    x, y = data
    k = draw.draw(st.integers(0, len(x) - 1))
    f = draw.draw(st.sampled_from([1.0, 1.5, 3.0]))
    g = draw.draw(st.sampled_from([1.0, 0.8, 0.3]))
    x2 = np.vstack([x, x[k] * f])
    y2 = np.vstack([y, y[k] * g])
    r = dea(x, y, rts=rts, orientation=orientation)
    r2 = dea(x2, y2, rts=rts, orientation=orientation)
    np.testing.assert_allclose(r2.efficiency.iloc[:-1], r.efficiency, rtol=1e-7, atol=1e-9)


@SETTINGS
@given(datasets(), ORIENT)
def test_vrs_at_least_crs(data, orientation):
    x, y = data
    crs = dea(x, y, rts="crs", orientation=orientation).efficiency
    vrs = dea(x, y, rts="vrs", orientation=orientation).efficiency
    nirs = dea(x, y, rts="nirs", orientation=orientation).efficiency
    fdh = dea(x, y, rts="fdh", orientation=orientation).efficiency
    assert np.all(vrs >= crs - TOL)
    assert np.all(nirs >= crs - TOL) and np.all(vrs >= nirs - TOL)
    assert np.all(fdh >= vrs - TOL)


@SETTINGS
@given(datasets(min_units=4), st.sampled_from(["crs", "vrs", "nirs", "ndrs", "fdh"]), st.data())
def test_unit_in_the_reference_set_scores_at_most_one(data, rts, draw):
    x, y = data
    ref = draw.draw(st.lists(st.integers(0, len(x) - 1), min_size=2, max_size=len(x), unique=True))
    # keep the reference a valid technology (no all-zero column cannot happen: data >= 1)
    r = dea(x[ref], y[ref], rts=rts, orientation="input", reference=(x[ref], y[ref]))
    assert np.all(r.efficiency <= 1 + TOL)
    # scoring every unit against the subset: the subset's own units are <= 1
    r_all = dea(x, y, rts=rts, orientation="input", reference=(x[ref], y[ref]))
    assert np.all(r_all.efficiency.iloc[ref] <= 1 + TOL)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    datasets(min_units=6, max_units=10),
    st.sampled_from(["crs", "vrs"]),
    ORIENT,
    st.integers(0, 2**31),
)
def test_bootstrap_interval_contains_bias_corrected(data, rts, orientation, seed):
    x, y = data
    # with every unit on the frontier there is nothing to bootstrap (an InputError, tested)
    assume((dea(x, y, rts=rts, orientation=orientation, slacks=False).efficiency < 1 - 1e-6).any())
    b = bootstrap_dea(
        x, y, rts=rts, orientation=orientation, n_boot=60, seed=seed, n_jobs=1, progress=False
    ).frame
    assert np.all(b["lower"] <= b["bias_corrected"] + 1e-12)
    assert np.all(b["bias_corrected"] <= b["upper"] + 1e-12)
    assert np.all(b["bias_corrected"] > 0)
