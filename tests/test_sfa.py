"""Stochastic frontier: FRONTIER 4.1 known answers, cost/exponential sanity, persistence."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from conftest import TEST_DATA
from peir.efficiency.sfa import SFAResult, _loglik_obs, _score_obs, _Spec, load_sfa, sfa
from peir.errors import ConvergenceWarning, InputError, PeirError

# FRONTIER 4.1 example 1 (Coelli 1996, EG1.OUT), also in docs/methodology.md §6
F41_PARAMS = np.array([0.56161963, 0.28110205, 0.53647981, 0.21700046, 0.79720730])
F41_BSE = np.array([0.20261668, 0.047643365, 0.045251553, 0.063909106, 0.13642399])
F41_LLF = -17.027229


@pytest.fixture(scope="module")
def front41() -> tuple[pd.Series, pd.DataFrame, pd.DataFrame]:
    d = pd.read_csv(TEST_DATA / "published" / "front41Data.csv")
    te = pd.read_csv(TEST_DATA / "published" / "front41_published_te.csv")
    y = np.log(d["output"]).rename("log_output")
    X = pd.DataFrame({"log_capital": np.log(d["capital"]), "log_labour": np.log(d["labour"])})
    return y, X, te


@pytest.fixture(scope="module")
def front41_fit(front41: tuple[pd.Series, pd.DataFrame, pd.DataFrame]) -> SFAResult:
    y, X, _ = front41
    return sfa(y, X)


def test_frontier41_parameters(front41_fit: SFAResult) -> None:
    r = front41_fit
    assert r.converged
    assert list(r.params.index) == ["const", "log_capital", "log_labour", "sigma2", "gamma"]
    assert_allclose(r.params.to_numpy(), F41_PARAMS, atol=1e-5, rtol=0)
    assert abs(r.llf - F41_LLF) < 1e-5
    # FRONTIER 4.1 reports OLS log-likelihood -18.446849 and LR one-sided 2.8392402
    assert abs(r.lr_one_sided - 2.8392402) < 1e-4


def test_frontier41_standard_errors(front41_fit: SFAResult) -> None:
    # FRONTIER 4.1 inverts the DFP quasi-Newton approximation of the Hessian; ours is the
    # exact Hessian of the analytic score, so they agree to about 1.5 % (2 % tolerance).
    assert_allclose(front41_fit.bse.to_numpy(), F41_BSE, rtol=0.02)


def test_frontier41_efficiencies(
    front41: tuple[pd.Series, pd.DataFrame, pd.DataFrame], front41_fit: SFAResult
) -> None:
    _, _, te = front41
    eff = front41_fit.efficiency("bc")
    assert len(eff) == 60
    assert_allclose(eff.to_numpy(), te["te_frontier41"].to_numpy(), atol=1e-5, rtol=0)
    jlms = front41_fit.efficiency("jlms")
    assert ((jlms > 0) & (jlms <= 1)).all()
    # exp(-E[u]) <= E[exp(-u)] by Jensen's inequality
    assert (jlms <= eff + 1e-12).all()


def test_frontier41_cost_sign_flip(front41: tuple[pd.Series, pd.DataFrame, pd.DataFrame]) -> None:
    # negating y and X turns the production frontier into a cost frontier with the same
    # likelihood: beta flips sign, sigma2, gamma and the efficiencies stay the same
    y, X, te = front41
    prod = sfa(y, X)
    cost = sfa(-y, -X, cost=True)
    assert cost.converged
    assert_allclose(cost.params[["const"]], -prod.params[["const"]], atol=1e-6)
    assert_allclose(
        cost.params[["log_capital", "log_labour"]],
        prod.params[["log_capital", "log_labour"]],
        atol=1e-6,
    )
    assert_allclose(cost.params[["sigma2", "gamma"]], prod.params[["sigma2", "gamma"]], atol=1e-6)
    assert abs(cost.llf - prod.llf) < 1e-8
    assert_allclose(cost.efficiency(), te["te_frontier41"].to_numpy(), atol=1e-5)


def test_frontier41_presentation(front41_fit: SFAResult) -> None:
    text = front41_fit.summary().as_text()
    assert "gamma" in text and "Log-likelihood" in text and str(front41_fit) == text
    assert "<table" in front41_fit.summary().as_html()
    assert "<table" in front41_fit._repr_html_()
    ci = front41_fit.conf_int()
    assert list(ci.columns) == ["lower", "upper"]
    assert (ci["lower"] < front41_fit.params).all() and (ci["upper"] > front41_fit.params).all()
    tidy = front41_fit.to_frame()
    assert {"estimate", "std_error", "t", "p"} <= set(tidy.columns)


def test_save_load_round_trip(
    front41: tuple[pd.Series, pd.DataFrame, pd.DataFrame],
    front41_fit: SFAResult,
    tmp_path: Path,
) -> None:
    y, X, _ = front41
    r = front41_fit
    r.card.notes = "FRONTIER 4.1 example 1"
    path = r.save(tmp_path / "model")
    assert not list(path.glob("*.pkl"))
    back = load_sfa(path)
    pd.testing.assert_series_equal(back.params, r.params, check_exact=True)
    pd.testing.assert_series_equal(back.bse, r.bse, check_exact=True, check_names=False)
    np.testing.assert_array_equal(back.cov.to_numpy(), r.cov.to_numpy())
    assert back.llf == r.llf
    assert back.card.fingerprint == r.card.fingerprint and back.card.notes == r.card.notes
    for method in ("bc", "jlms"):
        a = r.efficiency(method).to_numpy()  # type: ignore[arg-type]
        np.testing.assert_array_equal(back.predict_efficiency(y, X, method).to_numpy(), a)  # type: ignore[arg-type]
        np.testing.assert_array_equal(back.efficiency(method).to_numpy(), a)  # type: ignore[arg-type]


def test_predict_checks_columns(
    front41: tuple[pd.Series, pd.DataFrame, pd.DataFrame], front41_fit: SFAResult
) -> None:
    y, X, _ = front41
    with pytest.raises(InputError, match="missing"):
        front41_fit.predict_efficiency(y, X.rename(columns={"log_labour": "labour"}))
    with pytest.raises(InputError, match="X has 1 columns"):
        front41_fit.predict_efficiency(y, X[["log_labour"]].to_numpy())
    # reordered columns are matched by name
    a = front41_fit.predict_efficiency(y, X[["log_labour", "log_capital"]])
    np.testing.assert_array_equal(a.to_numpy(), front41_fit.efficiency().to_numpy())


def _simulate(dist: str, n: int, seed: int, cost: bool = False) -> tuple[pd.Series, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.uniform(0, 2, size=n)})
    v = rng.normal(0, 0.15, n)
    u = rng.exponential(0.3, n) if dist == "exponential" else np.abs(rng.normal(0, 0.4, n))
    s = -1 if cost else 1
    y = 1.0 + 0.6 * X["x1"] + 0.3 * X["x2"] + v - s * u
    return y.rename("y"), X


def test_exponential_recovers_parameters() -> None:
    y, X = _simulate("exponential", 2000, seed=3)
    r = sfa(y, X, dist="exponential")
    assert r.converged
    assert_allclose(r.params[["const", "x1", "x2"]], [1.0, 0.6, 0.3], atol=0.04)
    assert abs(r.sigma_u - 0.3) < 0.03 and abs(r.sigma_v - 0.15) < 0.03
    eff = r.efficiency()
    assert ((eff > 0) & (eff <= 1)).all()


def test_half_normal_cost_recovers_parameters() -> None:
    y, X = _simulate("half-normal", 2000, seed=5, cost=True)
    r = sfa(y, X, cost=True)
    assert_allclose(r.params[["const", "x1", "x2"]], [1.0, 0.6, 0.3], atol=0.05)
    assert abs(r.sigma_u - 0.4) < 0.05


def test_truncated_normal_nests_half_normal() -> None:
    y, X = _simulate("half-normal", 400, seed=7)
    hn = sfa(y, X)
    tn = sfa(y, X, dist="truncated-normal")
    assert "mu" in tn.params.index
    assert tn.llf >= hn.llf - 1e-6  # the extra parameter cannot lower the maximum


@pytest.mark.parametrize("dist", ["half-normal", "exponential", "truncated-normal", "bc95"])
@pytest.mark.parametrize("s", [1.0, -1.0])
def test_analytic_score_matches_finite_differences(dist: str, s: float) -> None:
    rng = np.random.default_rng(1)
    Xa = np.column_stack([np.ones(40), rng.normal(size=40)])
    ya = rng.normal(size=40)
    spec = {
        "half-normal": _Spec("half-normal"),
        "exponential": _Spec("exponential"),
        "truncated-normal": _Spec("truncated-normal", np.ones((40, 1))),
        # Battese & Coelli (1995): mu_i = delta0 + delta1 z_i
        "bc95": _Spec("truncated-normal", np.column_stack([np.ones(40), rng.normal(size=40)])),
    }[dist]
    th = np.array([0.3, 0.2, np.log(0.3), np.log(0.2), *[0.1, -0.2][: spec.q]])
    g = _score_obs(th, ya, Xa, s, spec).sum(axis=0)

    def f(t: np.ndarray) -> float:
        return float(_loglik_obs(t, ya, Xa, s, spec).sum())

    h = 1e-6
    gn = np.array([(f(th + e) - f(th - e)) / (2 * h) for e in np.eye(th.size) * h])
    assert_allclose(g, gn, rtol=1e-6, atol=1e-7)


def test_wrong_skew_warns() -> None:
    y, X = _simulate("half-normal", 300, seed=11)
    # flip the composed error's skew: a production frontier on inverted inefficiency
    y_wrong = 2 * (1.0 + 0.6 * X["x1"] + 0.3 * X["x2"]) - y
    with pytest.warns(ConvergenceWarning, match="skewed the wrong way"):
        r = sfa(y_wrong, X)
    assert r.params["gamma"] < 0.05


def test_bad_input() -> None:
    y, X = _simulate("half-normal", 50, seed=0)
    with pytest.raises(InputError, match="missing or infinite"):
        sfa(y.where(y.index != 3), X)
    with pytest.raises(InputError, match="observations"):
        sfa(y.iloc[:40].to_numpy(), X)
    with pytest.raises(InputError, match="too few observations"):
        sfa(y.iloc[:5], X.iloc[:5])
    with pytest.raises(InputError, match="dist"):
        sfa(y, X, dist="gamma")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="rank"):
        sfa(y, X.assign(x3=X["x1"] * 2))
    assert issubclass(InputError, PeirError)


def test_units_checked_on_prediction(tmp_path: Path) -> None:
    y, X = _simulate("half-normal", 200, seed=4)
    r = sfa(y, X, units={"x1": "log USD"}, years=[2020], card_notes="test")
    back = load_sfa(r.save(tmp_path / "m"))
    assert back.card.units == {"x1": "log USD"} and back.card.years == [2020]
    ok = back.predict_efficiency(y, X, units={"x1": "log USD"})
    np.testing.assert_array_equal(ok.to_numpy(), r.efficiency().to_numpy())
    with pytest.raises(InputError, match="units differ"):
        back.predict_efficiency(y, X, units={"x1": "log EUR"})


def test_arrays_and_no_data_load(tmp_path: Path) -> None:
    y, X = _simulate("half-normal", 200, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        r = sfa(y.to_numpy(), X.to_numpy())
    assert list(r.params.index[:3]) == ["const", "x1", "x2"]
    r.save(tmp_path / "m", include_data=False)
    back = load_sfa(tmp_path / "m")
    with pytest.raises(PeirError, match="predict_efficiency"):
        back.efficiency()
    np.testing.assert_array_equal(
        back.predict_efficiency(y.to_numpy(), X.to_numpy()).to_numpy(), r.efficiency().to_numpy()
    )
    with pytest.raises(PeirError, match="not a saved SFA model"):
        load_sfa(tmp_path)
