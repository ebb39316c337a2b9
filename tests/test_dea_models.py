"""Directional distance, cost and revenue efficiency, the multiplier form with assurance
regions: each against an outside reference (a hand computation, the radial models where they
coincide, an independent scipy LP)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

import peir
from conftest import TEST_DATA
from peir.efficiency import (
    cost_efficiency,
    dea,
    dea_multiplier,
    directional,
    revenue_efficiency,
)

pytestmark = pytest.mark.filterwarnings("ignore:.*Cooper's rule")

DEAP1 = pd.read_csv(TEST_DATA / "published" / "deap_eg1.csv", index_col="firm")


def _courts(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(
        {"judges": rng.uniform(2, 30, n), "staff": rng.uniform(10, 200, n)},
        index=[f"c{i}" for i in range(n)],
    )
    y = pd.DataFrame(
        {"civil": rng.uniform(100, 5000, n), "penal": rng.uniform(50, 3000, n)}, index=x.index
    )
    return x, y


# ------------------------------------------------------------------ directional
@pytest.mark.parametrize("rts", ["crs", "vrs", "nirs", "ndrs"])
def test_directional_equals_the_radial_models_where_they_coincide(rts):
    x, y = _courts()
    b_in = directional(x, y, direction="input", rts=rts).beta
    b_out = directional(x, y, direction="output", rts=rts).beta
    np.testing.assert_allclose(b_in, 1 - dea(x, y, rts=rts).efficiency, atol=1e-9)
    np.testing.assert_allclose(
        b_out, dea(x, y, rts=rts, orientation="output").expansion - 1, atol=1e-8
    )


def test_directional_both_against_linprog_and_targets():
    x, y = _courts(25, 3)
    r = directional(x, y, direction="both", rts="vrs")
    xv, yv = x.to_numpy(), y.to_numpy()
    for k in range(0, 25, 6):
        # max β s.t. Xλ ≤ x0 − β x0, Yλ ≥ y0 + β y0, Σλ = 1 (own units, no rescaling)
        c = np.r_[-1.0, np.zeros(25)]
        a_ub = np.vstack([np.c_[xv[k][:, None], xv.T], np.c_[yv[k][:, None], -yv.T]])
        b_ub = np.r_[xv[k], -yv[k]]
        res = linprog(
            c,
            A_ub=a_ub,
            b_ub=b_ub,
            A_eq=np.r_[0.0, np.ones(25)][None, :],
            b_eq=[1],
            bounds=[(None, None)] + [(0, None)] * 25,
            method="highs",
        )
        assert r.beta.iloc[k] == pytest.approx(res.x[0], abs=1e-9)
    b = r.beta.to_numpy()[:, None]
    np.testing.assert_allclose(r.targets_inputs, xv * (1 - b))
    np.testing.assert_allclose(r.targets_outputs, yv * (1 + b))
    lam = r.lambdas.to_numpy()
    assert (lam @ xv <= r.targets_inputs.to_numpy() + 1e-6).all()
    assert (lam @ yv >= r.targets_outputs.to_numpy() - 1e-6).all()
    # a common direction vector: judges only
    rj = directional(x, y, direction=([1.0, 0.0], [0.0, 0.0]), rts="vrs")
    assert (rj.beta >= -1e-12).all() and "given vectors" in rj.summary().as_text()
    with pytest.raises(peir.InputError, match="direction"):
        directional(x, y, direction="sideways")
    with pytest.raises(peir.InputError, match="zero"):
        directional(x, y, direction=([0.0, 0.0], [0.0, 0.0]))
    fig = r.plot()
    np.testing.assert_allclose(sorted(p.get_width() for p in fig.axes[0].patches), np.sort(b[:, 0]))
    plt.close(fig)


# ------------------------------------------------------------------ cost and revenue
def test_cost_efficiency_deap_example2_by_hand():
    # DEAP 2.1 example 2: example 1's firms with prices w = (1, 3), CRS. Under CRS the least
    # cost of y is y · min_j (w·x_j / y_j) = 6y (firm 5: (6 + 3·2)/2); CE = 6y / (w·x)
    r = cost_efficiency(DEAP1[["x1", "x2"]], DEAP1[["y"]], [1, 3], rts="crs")
    wx = DEAP1["x1"] + 3 * DEAP1["x2"]
    np.testing.assert_allclose(r.cost_efficiency, 6 * DEAP1["y"] / wx, rtol=1e-9)
    np.testing.assert_allclose(r.cost_efficiency, [6 / 17, 12 / 14, 18 / 24, 6 / 9, 1.0])
    np.testing.assert_allclose(r.technical_efficiency, [0.5, 1, 5 / 6, 5 / 7, 1], rtol=1e-9)
    np.testing.assert_allclose(r.allocative_efficiency, r.cost_efficiency / r.technical_efficiency)
    np.testing.assert_allclose(r.min_cost, 6 * DEAP1["y"])
    # the least-cost mix is firm 5's, scaled: (3, 1) per unit of output
    np.testing.assert_allclose(r.optimal_inputs.to_numpy(), np.c_[3 * DEAP1["y"], DEAP1["y"]])


def _min_cost_linprog(w, x0_y, x, y, rts):
    """The full cost LP with input variables: min w·x̂ s.t. Xλ ≤ x̂, Yλ ≥ y0 (+ Σλ = 1)."""
    n, m = x.shape
    c = np.r_[w, np.zeros(n)]
    a_ub = np.vstack([np.c_[-np.eye(m), x.T], np.c_[np.zeros((y.shape[1], m)), -y.T]])
    b_ub = np.r_[np.zeros(m), -x0_y]
    kw = {"A_eq": np.r_[np.zeros(m), np.ones(n)][None, :], "b_eq": [1.0]} if rts == "vrs" else {}
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs", **kw)
    return res.fun


@pytest.mark.parametrize("rts", ["vrs", "crs"])
def test_cost_efficiency_against_a_brute_force_lp_with_unit_prices(rts):
    x, y = _courts(30, 5)
    rng = np.random.default_rng(9)
    # each court pays its own salaries (units × inputs)
    w = pd.DataFrame(
        {"staff": rng.uniform(1, 2, 30), "judges": rng.uniform(4, 8, 30)}, index=x.index
    )
    r = cost_efficiency(x, y, w, rts=rts)
    wv = w[["judges", "staff"]].to_numpy()
    for k in range(30):
        want = _min_cost_linprog(wv[k], y.to_numpy()[k], x.to_numpy(), y.to_numpy(), rts)
        assert r.min_cost.iloc[k] == pytest.approx(want, rel=1e-8)
    assert ((r.cost_efficiency <= r.technical_efficiency + 1e-9) & (r.cost_efficiency > 0)).all()
    assert "cost efficiency" in r.summary().as_text()
    with pytest.raises(peir.InputError, match="prices"):
        cost_efficiency(x, y, [1, 2, 3])
    with pytest.raises(peir.InputError, match="non-negative"):
        cost_efficiency(x, y, [-1, 2])


def test_revenue_efficiency_against_linprog():
    x, y = _courts(30, 6)
    p = [2.0, 5.0]
    r = revenue_efficiency(x, y, p, rts="vrs")
    xv, yv = x.to_numpy(), y.to_numpy()
    for k in range(0, 30, 4):
        # max p·ŷ s.t. Xλ ≤ x0, Yλ ≥ ŷ, Σλ = 1: with variables (ŷ, λ)
        c = np.r_[-np.asarray(p), np.zeros(30)]
        a_ub = np.vstack([np.c_[np.zeros((2, 2)), xv.T], np.c_[np.eye(2), -yv.T]])
        b_ub = np.r_[xv[k], np.zeros(2)]
        res = linprog(
            c,
            A_ub=a_ub,
            b_ub=b_ub,
            A_eq=np.r_[0, 0, np.ones(30)][None, :],
            b_eq=[1],
            bounds=(0, None),
            method="highs",
        )
        assert r.max_revenue.iloc[k] == pytest.approx(-res.fun, rel=1e-8)
    np.testing.assert_allclose(r.revenue_efficiency, (yv @ p) / r.max_revenue)
    np.testing.assert_allclose(r.technical_efficiency, dea(x, y, orientation="output").efficiency)
    assert (r.allocative_efficiency <= 1 + 1e-9).all()


# ------------------------------------------------------------------ multiplier form
@pytest.mark.parametrize("rts", ["crs", "vrs", "nirs", "ndrs"])
@pytest.mark.parametrize("orientation", ["input", "output"])
def test_multiplier_without_bounds_equals_dea(rts, orientation):
    x, y = _courts(30, 1)
    m = dea_multiplier(x, y, rts=rts, orientation=orientation)
    np.testing.assert_allclose(
        m.efficiency, dea(x, y, rts=rts, orientation=orientation).efficiency, atol=1e-9
    )
    if orientation == "input":
        np.testing.assert_allclose((m.weights_inputs * x).sum(axis=1), 1.0)
    else:
        np.testing.assert_allclose((m.weights_outputs * y).sum(axis=1), 1.0)


def test_assurance_regions():
    x, y = _courts(40, 2)
    free = dea_multiplier(x, y, rts="vrs").efficiency
    m = dea_multiplier(x, y, rts="vrs", ratio_bounds={("staff", "judges"): (0.05, 0.2)})
    ratio = m.weights_inputs["staff"] / m.weights_inputs["judges"]
    assert (ratio >= 0.05 - 1e-9).all() and (ratio <= 0.2 + 1e-9).all()
    assert (m.efficiency <= free + 1e-9).all()
    assert "0.05 ≤ staff/judges ≤ 0.2" in m.summary().as_text()
    # a penal case fixed at r civil cases: the same as DEA with one output civil + r·penal
    r = 1.7
    fixed = dea_multiplier(x, y, rts="crs", ratio_bounds={("penal", "civil"): (r, r)})
    one = dea(x, (y["civil"] + r * y["penal"]).to_frame("cases"), rts="crs")
    np.testing.assert_allclose(fixed.efficiency, one.efficiency, atol=1e-9)
    with pytest.raises(peir.InputError, match="both be inputs or both outputs"):
        dea_multiplier(x, y, ratio_bounds={("staff", "civil"): (1, 2)})
    with pytest.raises(peir.InputError, match="not an input or output"):
        dea_multiplier(x, y, ratio_bounds={("clerks", "judges"): (1, 2)})
