"""Regression tests of the bugs listed in issue 19, each against a hand computation or an
independent scipy LP written in the test."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

import peir
from peir.efficiency import dea, malmquist, super_efficiency
from test_dea_reference import envelopment_linprog

pytestmark = pytest.mark.filterwarnings("ignore:.*Cooper's rule")


def _phi_linprog(x0, y0, xr, yr, rts):
    """max φ s.t. Xλ ≤ x0, Yλ ≥ φ y0, λ ≥ 0 (+ Σλ ≤ 1 for NIRS), by scipy; the raw φ*."""
    n = xr.shape[0]
    c = np.r_[-1.0, np.zeros(n)]
    a_ub = np.vstack([np.c_[np.zeros((xr.shape[1], 1)), xr.T], np.c_[y0[:, None], -yr.T]])
    b_ub = np.r_[x0, np.zeros(yr.shape[1])]
    if rts == "nirs":
        a_ub = np.vstack([a_ub, np.r_[0.0, np.ones(n)]])
        b_ub = np.r_[b_ub, 1.0]
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
    assert res.status == 0
    return res.x[0]


# unit "a" uses none of input x1, which every other unit needs
X0 = pd.DataFrame({"x1": [0.0, 1, 2, 3, 2], "x2": [2.0, 3, 1, 3, 2]}, index=list("abcde"))
Y0 = pd.DataFrame({"y": [1.0, 2, 2, 1, 3]}, index=X0.index)


@pytest.mark.parametrize("rts", ["crs", "nirs"])
def test_output_super_efficiency_with_an_unshared_zero_input_is_plus_inf(rts):
    # with λ forced to 0 by x1 = 0 the others produce nothing: φ* = 0 (HiGHS may say -0.0)
    others = X0.index != "a"
    phi = _phi_linprog(
        X0.loc["a"].to_numpy(),
        Y0.loc["a"].to_numpy(),
        X0[others].to_numpy(),
        Y0[others].to_numpy(),
        rts,
    )
    assert phi == 0.0
    se = super_efficiency(X0, Y0, rts=rts, orientation="output").scores
    assert se["a"] == np.inf  # 1/φ* = +inf, never -inf
    assert np.isfinite(se.drop("a")).all()


def test_external_reference_with_phi_zero_is_plus_inf_and_feasible():
    ref_x, ref_y = X0.drop("a"), Y0.drop("a")
    r = dea(X0.loc[["a"]], Y0.loc[["a"]], rts="crs", orientation="output", reference=(ref_x, ref_y))
    assert r.efficiency["a"] == np.inf
    assert r.expansion["a"] == 0.0
    assert bool(r.feasible["a"])


def test_no_score_is_ever_minus_inf():
    rng = np.random.default_rng(3)
    x = rng.uniform(1, 10, (40, 2))
    y = rng.uniform(1, 10, (40, 1))
    x[:6, 0] = 0.0  # zero inputs others do not share
    for rts in ("crs", "vrs", "nirs", "ndrs"):
        for o in ("input", "output"):
            se = super_efficiency(x, y, rts=rts, orientation=o).scores.to_numpy()
            assert not np.isneginf(se).any()
            assert not (se == 0.0).any() or o == "input"


def test_a_unit_with_all_inputs_zero_is_an_input_error_naming_it():
    x = pd.DataFrame(
        {"judges": [3.0, 0, 4, 5], "staff": [10.0, 0, 12, 8]},
        index=["Norte", "Sur", "Este", "Oeste"],
    )
    y = pd.DataFrame({"resolved": [100.0, 50, 90, 80]}, index=x.index)
    with pytest.raises(peir.InputError, match=r"every input is zero for unit\(s\) 'Sur'"):
        dea(x, y)
    with pytest.raises(peir.InputError, match="every input is zero"):
        peir.efficiency.bootstrap_dea(x, y, n_boot=10)
    # bare arrays name the row
    with pytest.raises(peir.InputError, match=r"row\(s\) \(0-based\) 1"):
        dea(x.to_numpy(), y.to_numpy())


def test_cooper_rule_warns_on_small_samples_only():
    rng = np.random.default_rng(0)
    x, y = rng.uniform(1, 10, (20, 3)), rng.uniform(1, 10, (20, 2))
    # m = 3, s = 2: n must reach max(6, 15) = 15
    with pytest.warns(peir.PeirWarning, match=r"Cooper's rule.*max\(m\*s, 3\(m\+s\)\) = 15"):
        dea(x[:14], y[:14])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dea(x[:15], y[:15])
    # more variables than units: every unit at 1, and the warning says so
    with pytest.warns(peir.PeirWarning, match="Cooper's rule"):
        r = dea(x[:3], y[:3], rts="vrs")
    np.testing.assert_allclose(r.efficiency, 1.0)


def test_vrs_malmquist_with_an_infeasible_cross_distance_is_nan_not_zero():
    # period 2 produces at most 5, so the period-1 unit producing 10 lies beyond the VRS
    # period-2 technology (input orientation): d_t1(t) = +inf
    panel = pd.DataFrame(
        {
            "u": list("abcd") * 2,
            "t": [1] * 4 + [2] * 4,
            "x": [2.0, 4, 6, 8, 2, 4, 6, 8],
            "y": [2.0, 5, 7, 10, 2, 4, 5, 5],
        }
    )
    m = malmquist(panel, inputs="x", outputs="y", unit="u", period="t", rts="vrs").frame
    d = m.loc[("d", 2)]
    assert np.isposinf(d["d_t1(t)"])
    assert np.isnan(d["malmquist"]) and np.isnan(d["technical_change"])
    # efficiency change only needs the own-period distances: an independent LP each
    xs = panel.pivot(index="u", columns="t", values="x")
    ys = panel.pivot(index="u", columns="t", values="y")
    e1 = envelopment_linprog(
        np.array([8.0]), np.array([10.0]), xs[[1]].to_numpy(), ys[[1]].to_numpy(), "vrs", "input"
    )
    e2 = envelopment_linprog(
        np.array([8.0]), np.array([5.0]), xs[[2]].to_numpy(), ys[[2]].to_numpy(), "vrs", "input"
    )
    assert d["efficiency_change"] == pytest.approx(e2 / e1, rel=1e-9)
    assert not (m[["malmquist", "technical_change"]] == 0).any(axis=None)


def test_max_slack_retries_with_a_relaxed_score_then_names_the_units(monkeypatch):
    from peir.efficiency import lp

    rng = np.random.default_rng(12)
    x, y = rng.uniform(1, 10, (60, 2)), rng.uniform(1, 10, (60, 1))
    x[::5, 0] *= 3  # slack in x1 for some units
    want = dea(x, y, rts="vrs")
    real = lp.Envelopment.max_slack
    calls: dict[float, int] = {}

    def flaky(self, x0, y0, sc, exclude=-1):
        # the second stage fails at the unrelaxed score, as round-off made it at n = 100,000
        key = round(float(x0[0]), 12)
        calls[key] = calls.get(key, 0) + 1
        if calls[key] == 1:
            return None
        return real(self, x0, y0, sc, exclude)

    monkeypatch.setattr(lp.Envelopment, "max_slack", flaky)
    with warnings.catch_warnings():
        warnings.simplefilter("error", peir.PeirWarning)
        got = dea(x, y, rts="vrs")  # every retry succeeds: no warning
    np.testing.assert_allclose(got.slacks_inputs, want.slacks_inputs, atol=1e-6)
    assert got.slacks_maximal is not None and got.slacks_maximal.all()
    monkeypatch.setattr(lp.Envelopment, "max_slack", lambda *a, **k: None)
    idx = pd.Index([f"court{i}" for i in range(60)])
    with pytest.warns(
        peir.PeirWarning,
        match=r"max-slack second stage failed for \d+ unit\(s\) "
        r"\('court",
    ):
        bad = dea(pd.DataFrame(x, index=idx), pd.DataFrame(y, index=idx), rts="vrs")
    # the result itself carries which units' slacks are not maximal, not only the warning
    failed = bad.slacks_maximal
    assert failed is not None and failed.index.equals(idx) and (~failed).sum() >= 1
    assert f"{int((~failed).sum())}: see .slacks_maximal" in bad.summary().as_text()
    assert dea(x, y, rts="vrs", slacks=False).slacks_maximal is None
