"""The max-slack objective: slack_weights="mean" | "raw" | "auto" (R Benchmarking's rule),
against a hand-built case with two maximal slack vectors and an independent scipy LP."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

import peir
from peir.efficiency import dea

pytestmark = pytest.mark.filterwarnings("ignore:.*Cooper's rule")

# U is dominated by P (5 less of x2) and by Q (100 less of x1) and by nothing else: under FDH
# its score is 1 and its maximal slack is (0, 5) or (100, 0), whichever the objective prefers.
UNITS = pd.DataFrame(
    {
        "x1": [1000.0, 1000, 900, 1100, 1000],
        "x2": [10.0, 5, 10, 15, 10],
        "y": [1.0, 1, 1, 1.2, 0.8],
    },
    index=["U", "P", "Q", "W", "V"],
)


def test_raw_and_mean_weights_pick_different_maximal_slacks():
    x, y = UNITS[["x1", "x2"]], UNITS[["y"]]
    raw = dea(x, y, rts="fdh", slack_weights="raw")
    mean = dea(x, y, rts="fdh", slack_weights="mean")
    np.testing.assert_array_equal(raw.efficiency, mean.efficiency)
    assert raw.efficiency["U"] == 1.0
    # raw units: 100 of x1 beats 5 of x2; in units of the column means (1000, 10): 0.1 < 0.5
    assert raw.slacks_inputs.loc["U"].tolist() == [100.0, 0.0]
    assert mean.slacks_inputs.loc["U"].tolist() == [0.0, 5.0]
    assert raw.peers["U"] == ["Q"] and mean.peers["U"] == ["P"]
    # R's rule: every column mean inside [1e-4, 1e4] -> raw sums
    auto = dea(x, y, rts="fdh", slack_weights="auto")
    pd.testing.assert_frame_equal(auto.slacks_inputs, raw.slacks_inputs)
    assert auto.slack_weights == "raw (auto)" and "raw (auto)" in auto.summary().as_text()
    # x1 in thousandths: its mean (1e6) is outside the range -> R rescales by the means
    big = x.assign(x1=x["x1"] * 1000)
    auto_big = dea(big, y, rts="fdh", slack_weights="auto")
    assert auto_big.slack_weights == "mean (auto)"
    assert auto_big.slacks_inputs.loc["U"].tolist() == [0.0, 5.0]
    with pytest.raises(peir.InputError, match="slack_weights"):
        dea(x, y, slack_weights="weighted")


def _max_raw_slack_sum(x0, y0, theta, xr, yr):
    """max Σ_i (θ x_i0 − Σ_j λ_j x_ij) + Σ_r (Σ_j λ_j y_rj − y_r0), Σλ = 1, by scipy."""
    n = len(xr)
    c = -(yr.sum(axis=1) - xr.sum(axis=1))  # linprog minimises
    a_ub = np.vstack([xr.T, -yr.T])
    b_ub = np.r_[theta * x0, -y0]
    res = linprog(
        c, A_ub=a_ub, b_ub=b_ub, A_eq=np.ones((1, n)), b_eq=[1.0], bounds=(0, None), method="highs"
    )
    assert res.status == 0
    return float(theta * x0.sum() - y0.sum() - res.fun)


def test_raw_weights_maximise_the_plain_slack_sum():
    rng = np.random.default_rng(4)
    x = rng.uniform(1, 10, (40, 2)) * [1.0, 50.0]
    y = rng.uniform(1, 10, (40, 2))
    x[rng.random(40) < 0.3, 0] *= 3  # units with slack in x1
    r = dea(x, y, rts="vrs", slack_weights="raw")
    got = r.slacks_inputs.sum(axis=1) + r.slacks_outputs.sum(axis=1)
    for i in range(0, 40, 5):
        want = _max_raw_slack_sum(x[i], y[i], r.efficiency.iloc[i], x, y)
        assert got.iloc[i] == pytest.approx(want, rel=1e-7, abs=1e-7)
    # the mean-weighted optimum can only have a smaller (or equal) plain sum
    m = dea(x, y, rts="vrs", slack_weights="mean")
    gm = m.slacks_inputs.sum(axis=1) + m.slacks_outputs.sum(axis=1)
    assert (gm <= got + 1e-7).all()
