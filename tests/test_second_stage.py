"""Simar & Wilson (2007) algorithm 1: the truncated regression's likelihood written out, and
Monte Carlo recovery of known parameters, from the true distances and from DEA scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

import peir
from peir.efficiency import SecondStageResult, dea, second_stage
from peir.efficiency.second_stage import truncated_regression

pytestmark = pytest.mark.filterwarnings("ignore:.*Cooper's rule")

BETA, SIGMA = np.array([1.2, 0.8]), 0.5


def _draw(n, rng):
    """δ = 1.2 + 0.8 z + ε ≥ 1, ε ~ N(0, 0.5²) truncated at 1 − zβ (Simar & Wilson's DGP)."""
    z = rng.uniform(0, 2, n)
    mean = BETA[0] + BETA[1] * z
    eps = stats.truncnorm.rvs((1 - mean) / SIGMA, np.inf, scale=SIGMA, random_state=rng)
    return z, mean + eps


def test_truncated_regression_maximises_the_likelihood_written_out():
    rng = np.random.default_rng(0)
    z, d = _draw(400, rng)
    Z = np.c_[np.ones(400), z]
    beta, sigma, ok = truncated_regression(d, Z)
    assert ok

    def nll(t):  # the truncated normal density, by scipy
        mu = Z @ t[:2]
        a = (1 - mu) / t[2]
        return -stats.truncnorm.logpdf(d, a, np.inf, loc=mu, scale=t[2]).sum()

    ref = optimize.minimize(
        nll,
        [1.0, 1.0, 0.4],
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000},
    )
    np.testing.assert_allclose(np.r_[beta, sigma], ref.x, rtol=1e-4)


def test_recovers_known_parameters_from_true_distances():
    rng = np.random.default_rng(1)
    z, d = _draw(600, rng)
    r = second_stage(pd.Series(1 / d), pd.DataFrame({"caseload": z}), n_boot=300, seed=2)
    assert isinstance(r, SecondStageResult)
    truth = pd.Series({"const": BETA[0], "caseload": BETA[1], "sigma": SIGMA})
    ci = r.conf_int()
    assert ((ci["lower"] <= truth) & (truth <= ci["upper"])).all()
    np.testing.assert_allclose(r.params, truth, atol=0.15)
    assert r.n_used == 600 and r.n_efficient == 0
    assert "Simar & Wilson 2007" in r.summary().as_text()


def test_coverage_of_the_intervals_over_samples():
    # 95 % percentile intervals should cover the slope in most of 12 samples
    rng = np.random.default_rng(3)
    hits = 0
    for k in range(12):
        z, d = _draw(200, rng)
        r = second_stage(1 / d, z[:, None], n_boot=120, seed=k)
        lo, hi = r.conf_int().loc["x1"]
        hits += lo <= BETA[1] <= hi
    assert hits >= 9


def test_end_to_end_from_dea_finds_the_environmental_effect():
    rng = np.random.default_rng(4)
    n = 300
    x = rng.uniform(1, 10, (n, 2))
    z = rng.uniform(0, 1, n)
    mean = 1.0 + 0.6 * z
    d = mean + stats.truncnorm.rvs((1 - mean) / 0.2, np.inf, scale=0.2, random_state=rng)
    y = (x[:, 0] ** 0.4 * x[:, 1] ** 0.4 / d)[:, None]  # output distance d
    res = dea(x, y, rts="vrs", orientation="output")
    r = second_stage(res, pd.DataFrame({"z": z}), n_boot=200, seed=5)
    assert r.orientation == "output"
    assert r.conf_int().loc["z", "lower"] > 0  # the effect is found, and its size roughly
    assert r.params["z"] == pytest.approx(0.6, abs=0.25)


def test_bad_input():
    with pytest.raises(peir.InputError, match="rows"):
        second_stage([0.5, 0.8], np.ones((3, 1)))
    with pytest.raises(peir.InputError, match=r"\(0, 1\]"):
        second_stage(np.r_[np.full(20, 0.5), 1.5], np.arange(21.0)[:, None])
    with pytest.raises(peir.InputError, match="inefficient units"):
        second_stage(np.ones(20), np.arange(20.0)[:, None])
