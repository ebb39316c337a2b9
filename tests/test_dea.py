"""DEA against published answers (DEAP, Cooper–Seiford–Tone, a Colombian court study) and
against its own unscreened solve; results API; bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import peir
from conftest import TEST_DATA
from peir.efficiency import DEAResult, dea, super_efficiency
from peir.efficiency.scoring import evaluate

# small test panels break Cooper's rule on purpose; the rule has its own test
pytestmark = pytest.mark.filterwarnings("ignore:.*Cooper's rule")

PUBLISHED = TEST_DATA / "published"
COLOMBIA = TEST_DATA / "co_rama_judicial_dea_2016"

CST_CCR = [1, 1, 0.8827, 1, 0.7635, 0.8348, 0.9020, 0.7963, 0.9604, 0.8706, 0.9551, 0.9582]


@pytest.fixture
def deap1():
    d = pd.read_csv(PUBLISHED / "deap_eg1.csv", index_col="firm")
    pub = pd.read_csv(PUBLISHED / "deap_eg1_published_crs_in.csv", index_col="firm")
    return d, pub


def test_deap_example1_scores_slacks_targets(deap1):
    d, pub = deap1
    r = dea(d[["x1", "x2"]], d[["y"]], rts="crs", orientation="input")
    np.testing.assert_allclose(r.efficiency, pub["te_crs_in"], atol=5e-4)
    np.testing.assert_allclose(r.slacks_inputs["x1"], pub["slack_x1"], atol=5e-4)
    np.testing.assert_allclose(r.slacks_inputs["x2"], pub["slack_x2"], atol=5e-4)
    np.testing.assert_allclose(r.slacks_outputs["y"], pub["slack_y"], atol=5e-4)
    np.testing.assert_allclose(r.targets_inputs["x1"], pub["target_x1"], atol=5e-4)
    np.testing.assert_allclose(r.targets_inputs["x2"], pub["target_x2"], atol=5e-4)
    np.testing.assert_allclose(r.targets_outputs["y"], pub["target_y"], atol=5e-4)


def test_deap_example1_peers_and_weights(deap1):
    d, pub = deap1
    r = dea(d[["x1", "x2"]], d[["y"]], rts="crs", orientation="input")
    for firm, row in pub.iterrows():
        peers = [int(p) for p in str(row["peers"]).split(";")]
        weights = [float(w) for w in str(row["peer_weights"]).split(";")]
        assert sorted(r.peers[firm]) == sorted(peers)
        for p, w in zip(peers, weights, strict=True):
            assert r.lambdas.loc[firm, p] == pytest.approx(w, abs=5e-4)


def test_cst_hospitals_ccr():
    h = pd.read_csv(PUBLISHED / "cst_hospitals.csv", index_col=0)
    r = dea(h[["doctors", "nurses"]], h[["outpatients", "inpatients"]], rts="crs")
    np.testing.assert_allclose(r.efficiency, CST_CCR, atol=5e-5)
    # output orientation under CRS: 1/phi equals theta
    r2 = dea(
        h[["doctors", "nurses"]], h[["outpatients", "inpatients"]], rts="crs", orientation="output"
    )
    np.testing.assert_allclose(r2.efficiency, r.efficiency, atol=1e-9)


def test_colombia_court_circuits_published_scores():
    c = pd.read_csv(
        COLOMBIA / "admin_reparacion_directa_juzgados_by_circuito_2016.csv", index_col="CIRCUITO"
    )
    pub = pd.read_csv(COLOMBIA / "published_ranking_top16_vrs_output.csv")
    r = dea(c[["Jueces", "Carga"]], c[["Egresos"]], rts="vrs", orientation="output")
    assert len(pub) == 20
    got = (100 * r.efficiency.loc[pub["circuito"]]).round().to_numpy()
    np.testing.assert_array_equal(got, pub["eficiencia_tecnica_pct"].to_numpy())
    # the published ranking is the top 20 in order
    top = r.efficiency.sort_values(ascending=False).round(2)
    assert set(top.index[:20]) == set(pub["circuito"])
    # expansion is Farrell's output measure phi >= 1
    np.testing.assert_allclose(r.expansion * r.efficiency, 1.0)
    assert (r.expansion >= 1 - 1e-12).all()


def _data(n: int, seed: int, zeros: bool = True) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 10, (n, 3))
    y = rng.uniform(1, 10, (n, 2))
    if zeros:
        y[rng.random((n, 2)) < 0.05] = 0.0
    return x, y


@pytest.mark.parametrize("rts", ["crs", "vrs", "nirs", "ndrs", "fdh"])
@pytest.mark.parametrize("orientation", ["input", "output"])
def test_screening_gives_identical_scores(rts, orientation):
    x, y = _data(150, 3)
    x = np.vstack([x, x[:5]])  # duplicate units are fine
    y = np.vstack([y, y[:5]])
    sx, sy = x.mean(axis=0), y.mean(axis=0)
    kw = dict(scale_x=sx, scale_y=sy, rts=rts, orientation=orientation, slacks=True)
    a = evaluate(x, y, x, y, **kw)
    b = evaluate(x, y, x, y, screen=False, **kw)
    np.testing.assert_array_equal(a.status, b.status)
    np.testing.assert_allclose(a.score, b.score, rtol=1e-9, atol=1e-9)

    # the maximal slack sum (in rescaled units) is the same too
    def slack_sum(raw):
        tx = raw.lam @ (x / sx)
        ty = raw.lam @ (y / sy)
        s = raw.score[:, None]
        if orientation == "input":
            return (s * x / sx - tx).sum(axis=1) + (ty - y / sy).sum(axis=1)
        return (x / sx - tx).sum(axis=1) + (ty - s * y / sy).sum(axis=1)

    np.testing.assert_allclose(slack_sum(a), slack_sum(b), atol=1e-7)


def test_parallel_chunks_match_serial(monkeypatch):
    from peir.efficiency import lp

    x, y = _data(400, 5, zeros=False)
    serial = dea(x, y, rts="vrs", n_jobs=1)
    monkeypatch.setattr(lp, "PARALLEL_MIN_UNITS", 100)
    par = dea(x, y, rts="vrs", n_jobs=2)
    np.testing.assert_allclose(par.efficiency, serial.efficiency, atol=1e-9)
    np.testing.assert_allclose(par.slacks_inputs, serial.slacks_inputs, atol=1e-7)


def test_targets_are_lambda_combinations_and_slacks_consistent():
    x, y = _data(80, 7)
    r = dea(x, y, rts="vrs", orientation="input")
    lam = r.lambdas.to_numpy()
    np.testing.assert_allclose(lam @ x, r.targets_inputs.to_numpy(), atol=1e-9)
    np.testing.assert_allclose(lam @ y, r.targets_outputs.to_numpy(), atol=1e-9)
    np.testing.assert_allclose(lam.sum(axis=1), 1.0, atol=1e-9)
    theta = r.efficiency.to_numpy()[:, None]
    np.testing.assert_allclose(theta * x - r.slacks_inputs.to_numpy(), r.targets_inputs, atol=1e-7)
    assert (r.slacks_inputs.to_numpy() >= 0).all()
    assert (r.slacks_outputs.to_numpy() >= 0).all()


def test_zero_in_one_output_is_valid():
    x = np.array([[2.0, 3], [4, 1], [3, 3], [5, 5]])
    y = np.array([[1.0, 0], [2, 1], [1, 1], [3, 2]])
    for rts in ("crs", "vrs", "fdh"):
        for o in ("input", "output"):
            r = dea(x, y, rts=rts, orientation=o)
            assert r.feasible.all()
            assert ((r.efficiency > 0) & (r.efficiency <= 1 + 1e-9)).all()


def test_fdh_by_enumeration():
    x = pd.DataFrame({"x": [2.0, 4, 3, 6]}, index=list("abcd"))
    y = pd.DataFrame({"y": [1.0, 3, 1, 3]}, index=list("abcd"))
    r = dea(x, y, rts="fdh")
    # c is dominated by a (same output, more input); d by b
    np.testing.assert_allclose(r.efficiency, [1, 1, 2 / 3, 4 / 6])
    assert r.peers["c"] == ["a"] and r.peers["d"] == ["b"]
    ro = dea(x, y, rts="fdh", orientation="output")
    np.testing.assert_allclose(ro.efficiency, [1, 1, 1, 1])


def test_results_api():
    x, y = _data(30, 11)
    xi = pd.DataFrame(x, columns=["staff", "budget", "rooms"], index=[f"u{i}" for i in range(30)])
    yo = pd.DataFrame(y, columns=["resolved", "hearings"], index=xi.index)
    r = dea(xi, yo)
    assert isinstance(r, DEAResult)
    f = r.to_frame()
    assert {
        "efficiency",
        "expansion",
        "feasible",
        "peers",
        "slack_staff",
        "target_resolved",
    } <= set(f.columns)
    assert list(r.lambdas.columns) == list(xi.index)
    text = r.summary().as_text()
    assert "variable returns to scale" in text and "resolved" in text
    assert "<table" in r._repr_html_()
    assert "DEA results" in str(r)
    import matplotlib.pyplot as plt

    fig = r.plot()
    assert fig is not None
    fig2, ax = plt.subplots()
    assert r.plot(ax=ax) is fig2
    plt.close("all")


def test_large_lambdas_are_sparse(monkeypatch):
    from peir.efficiency import results

    monkeypatch.setattr(results, "DENSE_LAMBDA_CELLS", 10)
    x, y = _data(20, 1)
    r = dea(x, y)
    assert isinstance(r.lambdas.dtypes.iloc[0], pd.SparseDtype)
    np.testing.assert_allclose(r.lambdas.sparse.to_dense().sum(axis=1), 1.0)


@pytest.mark.parametrize(
    "x, y, match",
    [
        ([[1.0], [np.nan], [2]], [[1.0], [2], [3]], "inputs column 'input1'.*NaN"),
        ([[1.0], [-1], [2]], [[1.0], [2], [3]], "negative"),
        ([[1.0], [1], [2]], [[0.0], [0], [0]], "outputs column 'output1'.*all values are zero"),
        ([[1.0], [1], [2]], [[1.0], [2]], "rows"),
        ([[1.0]], [[1.0]], "single unit"),
    ],
)
def test_bad_input_is_a_clear_error(x, y, match):
    with pytest.raises(peir.InputError, match=match):
        dea(np.asarray(x), np.asarray(y))


def test_bad_input_names_the_column_and_lists_all_problems():
    x = pd.DataFrame({"judges": [1.0, np.nan, 3], "budget": [1.0, -2, 3]})
    y = pd.DataFrame({"cases": [1.0, 2, 3]})
    with pytest.raises(peir.PeirError) as e:
        dea(x, y)
    msg = str(e.value)
    assert "judges" in msg and "budget" in msg
    with pytest.raises(peir.InputError, match="rts"):
        dea(x.fillna(1).abs(), y, rts="bogus")
    with pytest.raises(peir.InputError, match="not numeric"):
        dea(pd.DataFrame({"a": ["1", "2"]}), pd.DataFrame({"b": [1.0, 2]}))


def test_super_efficiency_andersen_petersen():
    h = pd.read_csv(PUBLISHED / "cst_hospitals.csv", index_col=0)
    se = super_efficiency(h[["doctors", "nurses"]], h[["outpatients", "inpatients"]]).scores
    eff = np.asarray(CST_CCR)
    inefficient = eff < 1
    np.testing.assert_allclose(se[inefficient], eff[inefficient], atol=5e-5)
    assert (se[~inefficient] >= 1).all()
    # efficient hospitals: an independent scipy linprog of the AP model without the unit
    from test_dea_reference import envelopment_linprog

    xv = h[["doctors", "nurses"]].to_numpy(float)
    yv = h[["outpatients", "inpatients"]].to_numpy(float)
    for k in np.flatnonzero(~inefficient):
        others = np.arange(len(h)) != k
        want = envelopment_linprog(xv[k], yv[k], xv[others], yv[others], "crs", "input")
        assert se.iloc[k] == pytest.approx(want, rel=1e-8)


def test_super_efficiency_infeasible_is_inf():
    # the unit with the largest output cannot be reached by the others under VRS input
    x = np.array([[2.0], [3], [5]])
    y = np.array([[1.0], [2], [4]])
    se = super_efficiency(x, y, rts="vrs", orientation="input").scores
    assert np.isposinf(se.iloc[2])
    assert np.isfinite(se.iloc[:2]).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", message=".*Cooper's rule")  # 3 units, on purpose
        super_efficiency(x, y, rts="fdh")


def test_duplicate_unit_labels_keep_their_own_rows():
    x = pd.DataFrame({"x": [2.0, 4, 2, 6]}, index=["a", "b", "a", "c"])
    y = pd.DataFrame({"y": [1.0, 3, 1, 2]}, index=x.index)
    r = dea(x, y, rts="vrs")
    f = r.to_frame()
    assert len(f) == 4
    np.testing.assert_allclose(f["efficiency"].iloc[[0, 2]], 1.0)


def test_a_solver_failure_is_nan_with_a_warning(monkeypatch):
    from peir.efficiency import lp

    x, y = _data(20, 9, zeros=False)
    calls = {"n": 0}
    real = lp.Envelopment._run

    def flaky(h):
        st = real(h)
        calls["n"] += 1
        return lp._MS.kIterationLimit if calls["n"] == 5 else st

    monkeypatch.setattr(lp.Envelopment, "_run", staticmethod(flaky))
    with pytest.warns(peir.PeirWarning, match="did not solve"):
        r = dea(x, y, rts="vrs", slacks=False)
    assert r.efficiency.isna().sum() == 1
    bad = r.efficiency.isna()
    assert not r.feasible[bad].any() and r.feasible[~bad].all()
    assert r.slacks_inputs[bad].isna().all(axis=None)
