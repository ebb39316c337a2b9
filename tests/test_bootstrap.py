"""Simar–Wilson bootstrap: the Daraio–Simar (2007) bandwidth and draws written out by hand, the
whole algorithm against an independent implementation (scipy linprog, the same random draws),
reproducibility, independence of the worker count, the result object."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

import peir
from peir.efficiency import BootstrapResult, bootstrap_dea, dea
from peir.efficiency.bootstrap import daraio_simar_bandwidth, smoothed_distances

pytestmark = pytest.mark.filterwarnings("ignore:.*Cooper's rule")


def _frontier_data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 10, (n, 2))
    ineff = np.exp(-np.abs(rng.normal(0, 0.3, n)))
    y = (x[:, 0] ** 0.4 * x[:, 1] ** 0.4 * ineff)[:, None]
    return (pd.DataFrame(x, columns=["staff", "budget"]), pd.DataFrame(y, columns=["cases"]))


def test_bandwidth_is_daraio_simar_written_out():
    delta = np.array([1.0, 1.0, 1.25, 1.5, 1.1, 2.0, 1.05, 1.0, 1.3, 1.8])
    # the 7 inefficient distances, reflected at 1: 14 values
    d = np.array([1.25, 1.5, 1.1, 2.0, 1.05, 1.3, 1.8])
    r = np.concatenate([d, 2 - d])
    sd_r = np.sqrt(((r - r.mean()) ** 2).sum() / 13)
    q1, q3 = np.quantile(r, [0.25, 0.75])
    a = min(sd_r, (q3 - q1) / 1.349)
    h14 = 0.9 * a * 14 ** (-1 / 5)
    sd_n = np.sqrt(((delta - delta.mean()) ** 2).sum() / 9)
    want = h14 * (14 / 10) ** (1 / 5) * sd_n / sd_r
    assert daraio_simar_bandwidth(delta) == pytest.approx(want, rel=1e-12)
    with pytest.raises(peir.InputError, match="every unit is efficient"):
        daraio_simar_bandwidth(np.ones(5))


def test_draws_are_reflected_kernel_draws_with_the_variance_restored():
    delta = np.array([1.0, 1.0, 1.2, 1.5, 1.1, 2.2, 1.05, 1.0, 1.3, 1.8])
    h = 0.3
    refl = np.r_[delta, 2 - delta]
    # one draw by hand with the same stream
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    unfolded, folded = smoothed_distances(delta, h, rng_a)
    beta = refl[rng_b.integers(0, 20, 10)]
    eps = rng_b.standard_normal(10)
    want = beta.mean() + (beta + h * eps - beta.mean()) / np.sqrt(1 + h**2 / refl.var(ddof=1))
    np.testing.assert_allclose(unfolded, want, rtol=1e-14)
    np.testing.assert_allclose(folded, np.where(want < 1, 2 - want, want), rtol=1e-14)
    # many draws: the smoothed, unreflected draws keep the reflected sample's mean (1) and
    # variance — what the variance correction is for; the reflected ones are all >= 1
    rng = np.random.default_rng(0)
    draws = np.array([smoothed_distances(delta, h, rng) for _ in range(5000)])
    assert draws[:, 0].mean() == pytest.approx(1.0, abs=0.008)
    assert draws[:, 0].var() == pytest.approx(refl.var(ddof=1), rel=0.05)
    assert (draws[:, 1] >= 1).all()


def _reference_bootstrap(x, y, n_boot, seed, rts, orientation, alpha=0.05):
    """The algorithm of Simar & Wilson (1998) / Daraio & Simar (2007) implemented again,
    independently of peir's LP code: one scipy linprog per unit and replication, the same
    random stream (per replication: n indices into the reflected set, then n normals)."""
    n = len(x)
    sx, sy = x.mean(axis=0), y.mean(axis=0)
    xs, ys = x / sx, y / sy

    def score(x0, y0, xr, yr):
        nr = len(xr)
        if orientation == "input":
            c = np.r_[1.0, np.zeros(nr)]
            a_ub = np.vstack([np.c_[-x0[:, None], xr.T], np.c_[np.zeros((y0.size, 1)), -yr.T]])
            b_ub = np.r_[np.zeros(x0.size), -y0]
        else:
            c = np.r_[-1.0, np.zeros(nr)]
            a_ub = np.vstack([np.c_[np.zeros((x0.size, 1)), xr.T], np.c_[y0[:, None], -yr.T]])
            b_ub = np.r_[x0, np.zeros(y0.size)]
        kw = {}
        if rts == "vrs":
            kw = {"A_eq": np.r_[0.0, np.ones(nr)][None, :], "b_eq": [1.0]}
        res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs", **kw)
        return res.x[0]

    theta = np.array([score(xs[i], ys[i], xs, ys) for i in range(n)])
    delta = 1 / theta if orientation == "input" else theta
    eff = np.minimum(1 / delta, 1.0)
    delta = 1 / eff
    h = daraio_simar_bandwidth(delta)
    refl = np.r_[delta, 2 - delta]
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    boot = np.empty((n_boot, n))
    for b in range(n_boot):
        beta = refl[rng.integers(0, 2 * n, n)]
        eps = rng.standard_normal(n)
        star = beta.mean() + (beta + h * eps - beta.mean()) / np.sqrt(1 + h**2 / refl.var(ddof=1))
        star = np.where(star < 1, 2 - star, star)
        if orientation == "input":
            xr, yr = xs * (star / delta)[:, None], ys
        else:
            xr, yr = xs, ys * (delta / star)[:, None]
        s = np.array([score(xs[i], ys[i], xr, yr) for i in range(n)])
        boot[b] = 1 / s if orientation == "input" else s
    bias = boot.mean(axis=0) - delta
    lo, hi = np.quantile(boot - delta, [alpha / 2, 1 - alpha / 2], axis=0, method="normal_unbiased")
    return pd.DataFrame(
        {
            "efficiency": eff,
            "bias": eff - 1 / (delta - bias),
            "bias_corrected": 1 / (delta - bias),
            "lower": 1 / (delta - lo),
            "upper": 1 / (delta - hi),
        }
    )


@pytest.mark.parametrize(("rts", "orientation"), [("vrs", "input"), ("crs", "output")])
def test_matches_an_independent_implementation(rts, orientation):
    x, y = _frontier_data(15, 4)
    got = bootstrap_dea(x, y, rts=rts, orientation=orientation, n_boot=20, seed=11, n_jobs=1)
    want = _reference_bootstrap(x.to_numpy(), y.to_numpy(), 20, 11, rts, orientation)
    pd.testing.assert_frame_equal(got.frame.reset_index(drop=True), want, rtol=1e-8, atol=1e-10)


def test_result_object_and_compatible_frame():
    x, y = _frontier_data()
    b = bootstrap_dea(x, y, n_boot=100, seed=3, n_jobs=1)
    assert isinstance(b, BootstrapResult)
    f = b.to_frame()
    assert list(f.columns) == ["efficiency", "bias", "bias_corrected", "lower", "upper"]
    assert f.index.equals(x.index)
    np.testing.assert_allclose(f["efficiency"], dea(x, y, slacks=False).efficiency)
    assert b.replicates.shape == (100, 40) and b.n_boot == 100
    assert b.bandwidth == pytest.approx(daraio_simar_bandwidth(1 / f["efficiency"].to_numpy()))
    # the bias-corrected score is the reciprocal of the corrected distance
    delta = 1 / f["efficiency"]
    corrected = delta - (b.replicates.mean(axis=0) - delta)
    np.testing.assert_allclose(f["bias_corrected"], 1 / corrected, rtol=1e-12)
    assert ((f["bias_corrected"] > 0) & (f["bias_corrected"] <= 1)).all()
    assert (f["lower"] <= f["upper"]).all()
    text = b.summary().as_text()
    assert "Replications" in text and "Daraio & Simar" in text
    assert "covered the true efficiency only 67-78%" in text  # the coverage study's warning
    # the old DataFrame interface, with a FutureWarning
    with pytest.warns(FutureWarning, match=r"bootstrap_dea\(\) returned a DataFrame"):
        assert list(b.columns) == list(f.columns)
    with pytest.warns(FutureWarning):
        np.testing.assert_array_equal(b["lower"], f["lower"])
    fig = b.plot()
    bars = sorted(p.get_width() for p in fig.axes[0].patches)
    np.testing.assert_allclose(bars, np.sort(f["bias_corrected"].to_numpy()))
    plt.close(fig)


def test_seeded_and_independent_of_n_jobs(monkeypatch):
    from peir.efficiency import bootstrap as bs

    x, y = _frontier_data(25, 1)
    a = bootstrap_dea(x, y, n_boot=40, seed=42, n_jobs=1)
    b = bootstrap_dea(x, y, n_boot=40, seed=42, n_jobs=1)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    monkeypatch.setattr(bs, "PARALLEL_WORK", 10)
    monkeypatch.setattr(bs, "CHUNK", 7)
    c = bootstrap_dea(x, y, n_boot=40, seed=42, n_jobs=2)
    pd.testing.assert_frame_equal(a.frame, c.frame)
    d = bootstrap_dea(x, y, n_boot=40, seed=43, n_jobs=1)
    assert not np.allclose(a.frame["bias"], d.frame["bias"])


def test_output_orientation_and_progress(capsys):
    x, y = _frontier_data(20, 2)
    b = bootstrap_dea(
        x, y, orientation="output", rts="crs", n_boot=30, seed=0, progress=True, n_jobs=1
    )
    assert (b.frame["lower"] <= b.frame["upper"]).all()
    assert "bootstrap" in capsys.readouterr().err


def test_small_samples_warn_and_degenerate_ones_are_refused():
    x = pd.DataFrame({"judges": [2.0, 4.0]})
    y = pd.DataFrame({"cases": [1.0, 1.5]})
    with (
        pytest.warns(peir.PeirWarning, match=r"bootstrap_dea: 2 unit\(s\).*Cooper's rule"),
        pytest.raises(peir.InputError, match="every unit is efficient"),
    ):
        # with 2 units under VRS both are on the frontier: nothing to bootstrap
        bootstrap_dea(x, y, n_boot=10, seed=0)
    x3 = pd.DataFrame({"judges": [2.0, 4.0, 5.0]})
    y3 = pd.DataFrame({"cases": [1.0, 1.5, 1.0]})
    with pytest.warns(peir.PeirWarning, match="Cooper's rule"):
        b = bootstrap_dea(x3, y3, n_boot=10, seed=0)
    assert np.isfinite(b.frame.to_numpy()).all()


def test_bad_options():
    x, y = _frontier_data(10, 3)
    with pytest.raises(peir.InputError):
        bootstrap_dea(x, y, rts="fdh")
    with pytest.raises(peir.InputError):
        bootstrap_dea(x, y, alpha=1.5)
    with pytest.raises(peir.InputError, match="bandwidth"):
        bootstrap_dea(x, y, bandwidth=0.0)
