"""Scoring against an external reference technology (issue 8), checked against an independent
``scipy.optimize.linprog`` formulation of the envelopment LP (R is not available here), including
the infeasible cases (+inf)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

import peir
from peir.efficiency import dea

# small test panels break Cooper's rule on purpose; the rule has its own test
pytestmark = pytest.mark.filterwarnings("ignore:.*Cooper's rule")


def envelopment_linprog(x0, y0, xr, yr, rts, orientation):
    """Farrell efficiency of (x0, y0) against (xr, yr): theta or 1/phi; +inf when infeasible.

    Written independently of peir: one dense LP per unit, variables [score, lambda...].
    """
    n, m = xr.shape
    s = yr.shape[1]
    if rts == "fdh":  # enumeration over single reference units
        if orientation == "input":
            ok = np.all(yr >= y0, axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(x0 > 0, xr / x0, np.where(xr > 0, np.inf, 0)).max(axis=1)
            vals = r[ok]
            return float(vals.min()) if vals.size and np.isfinite(vals.min()) else np.inf
        ok = np.all(xr <= x0, axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(y0 > 0, yr / y0, np.inf).min(axis=1)
        vals = r[ok]
        return 1.0 / float(vals.max()) if vals.size else np.inf
    c = np.zeros(n + 1)
    if orientation == "input":
        c[0] = 1.0
        a_ub = np.vstack([np.c_[-x0[:, None], xr.T], np.c_[np.zeros((s, 1)), -yr.T]])
        b_ub = np.r_[np.zeros(m), -y0]
    else:
        c[0] = -1.0
        a_ub = np.vstack([np.c_[np.zeros((m, 1)), xr.T], np.c_[y0[:, None], -yr.T]])
        b_ub = np.r_[x0, np.zeros(s)]
    a_eq = b_eq = None
    row = np.r_[0.0, np.ones(n)][None, :]
    if rts == "vrs":
        a_eq, b_eq = row, [1.0]
    elif rts == "nirs":
        a_ub, b_ub = np.vstack([a_ub, row]), np.r_[b_ub, 1.0]
    elif rts == "ndrs":
        a_ub, b_ub = np.vstack([a_ub, -row]), np.r_[b_ub, -1.0]
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if res.status == 2:
        return np.inf
    assert res.status == 0, res.message
    return res.x[0] if orientation == "input" else 1.0 / res.x[0]


def _two_sets(seed):
    rng = np.random.default_rng(seed)
    xr = rng.uniform(1, 10, (25, 2))
    yr = rng.uniform(1, 10, (25, 2))
    xe = rng.uniform(0.5, 12, (30, 2))
    ye = rng.uniform(0.5, 13, (30, 2))
    # units well outside the reference: tiny inputs, huge outputs -> infeasible under VRS
    xe[:3] = 0.2
    ye[3:6] = 30.0
    return xe, ye, xr, yr


@pytest.mark.parametrize("rts", ["crs", "vrs", "nirs", "ndrs", "fdh"])
@pytest.mark.parametrize("orientation", ["input", "output"])
def test_external_reference_matches_linprog(rts, orientation):
    xe, ye, xr, yr = _two_sets(1)
    r = dea(xe, ye, rts=rts, orientation=orientation, reference=(xr, yr))
    want = np.array(
        [envelopment_linprog(xe[k], ye[k], xr, yr, rts, orientation) for k in range(len(xe))]
    )
    got = r.efficiency.to_numpy()
    np.testing.assert_array_equal(np.isposinf(got), np.isposinf(want))
    fin = np.isfinite(want)
    np.testing.assert_allclose(got[fin], want[fin], rtol=1e-8, atol=1e-10)
    # infeasible units: efficiency +inf, expansion NaN, feasible False, never an exception
    inf = ~fin
    assert (~r.feasible[inf]).all() and r.feasible[fin].all()
    assert r.expansion[inf].isna().all()
    if rts == "vrs":
        assert inf.any()  # the data does exercise infeasibility
    assert (got[fin] > 1).any()  # scores may exceed 1


def test_reference_columns_are_matched_by_name():
    xe, ye, xr, yr = _two_sets(2)
    xi = pd.DataFrame(xe, columns=["a", "b"])
    yo = pd.DataFrame(ye, columns=["p", "q"])
    ref = (pd.DataFrame(xr, columns=["a", "b"]), pd.DataFrame(yr, columns=["p", "q"]))
    r1 = dea(xi, yo, reference=ref)
    r2 = dea(xi[["b", "a"]], yo, reference=ref)
    np.testing.assert_allclose(r1.efficiency, r2.efficiency, rtol=1e-12)
    with pytest.raises(peir.InputError, match="missing: b"):
        dea(xi.rename(columns={"b": "c"}), yo, reference=ref)
    # a single unit can be scored against a reference
    one = dea(xi.iloc[[5]], yo.iloc[[5]], reference=ref)
    assert one.efficiency.iloc[0] == pytest.approx(r1.efficiency.iloc[5], rel=1e-12)


def test_reference_equal_to_data_reproduces_plain_dea():
    xe, ye, _, _ = _two_sets(3)
    for rts in ("crs", "vrs", "fdh"):
        a = dea(xe, ye, rts=rts)
        b = dea(xe, ye, rts=rts, reference=(xe, ye))
        np.testing.assert_array_equal(a.efficiency.to_numpy(), b.efficiency.to_numpy())


def test_array_reference_matches_frames_by_position():
    xe, ye, xr, yr = _two_sets(4)
    xi = pd.DataFrame(xe, columns=["a", "b"])
    yo = pd.DataFrame(ye, columns=["p", "q"])
    r1 = dea(xi, yo, reference=(xr, yr))
    r2 = dea(xe, ye, reference=(xr, yr))
    np.testing.assert_array_equal(r1.efficiency.to_numpy(), r2.efficiency.to_numpy())
    assert list(r1.slacks_inputs.columns) == ["a", "b"]
    with pytest.raises(peir.InputError, match="column"):
        dea(xe[:, :1], ye, reference=(xr, yr))
