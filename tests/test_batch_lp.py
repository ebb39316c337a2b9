"""The batched simplex (peir.efficiency.batch_lp) against HiGHS and an independent scipy LP, on
random, degenerate and awkward data; what it cannot verify goes to HiGHS."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from peir.efficiency import lp
from peir.efficiency.batch_lp import batch_scores, extreme_units, scores_many
from test_dea_reference import envelopment_linprog


def _refs(rng, xe, ye, orientation, groups, integer=False):
    refs = []
    for _ in range(groups):
        c = rng.uniform(1, 1.5, len(xe))
        if integer:
            c = np.ceil(c * 2) / 2  # many ties
        xr, yr = (xe * c[:, None], ye) if orientation == "input" else (xe, ye / c[:, None])
        keep = lp.pareto_screen(xr, yr)
        refs.append((xr[keep], yr[keep]))
    return refs


@pytest.mark.parametrize("rts", ["crs", "vrs", "nirs", "ndrs"])
@pytest.mark.parametrize("orientation", ["input", "output"])
def test_batch_equals_highs_and_linprog(rts, orientation):
    rng = np.random.default_rng(hash((rts, orientation)) % 2**32)
    xe = rng.uniform(1, 10, (40, 3))
    ye = rng.uniform(1, 10, (40, 2))
    refs = _refs(rng, xe, ye, orientation, 5)
    score, status = scores_many(refs, xe, ye, rts=rts, orientation=orientation)
    assert (status == lp.OPTIMAL).all()
    for g, (xr, yr) in enumerate(refs):
        want, _ = lp.solve_scores(xr, yr, xe, ye, rts=rts, orientation=orientation)
        np.testing.assert_allclose(score[g], want, rtol=1e-9, atol=1e-11)
    # one group against scipy's linprog (Farrell efficiency: θ, or 1/φ)
    xr, yr = refs[0]
    for i in range(0, 40, 7):
        eff = envelopment_linprog(xe[i], ye[i], xr, yr, rts, orientation)
        got = score[0, i] if orientation == "input" else 1 / score[0, i]
        assert got == pytest.approx(eff, rel=1e-8)


@pytest.mark.parametrize("orientation", ["input", "output"])
def test_degenerate_integer_data_with_ties_and_duplicates(orientation):
    rng = np.random.default_rng(8)
    xe = rng.integers(1, 4, (50, 2)).astype(float)
    ye = rng.integers(1, 4, (50, 2)).astype(float)
    xe[25:] = xe[:25]  # duplicate units
    ye[25:] = ye[:25]
    refs = _refs(rng, xe, ye, orientation, 4, integer=True)
    for rts in ("vrs", "crs"):
        score, status = scores_many(refs, xe, ye, rts=rts, orientation=orientation)
        assert (status == lp.OPTIMAL).all()
        for g, (xr, yr) in enumerate(refs):
            want, _ = lp.solve_scores(xr, yr, xe, ye, rts=rts, orientation=orientation)
            np.testing.assert_allclose(score[g], want, rtol=1e-9, atol=1e-11)


def test_unverified_lps_are_reported_and_solved_by_highs():
    rng = np.random.default_rng(2)
    xe = rng.uniform(1, 10, (30, 2))
    ye = rng.uniform(1, 10, (30, 1))
    refs = _refs(rng, xe, ye, "input", 2)
    n_ref = max(r[0].shape[0] for r in refs)
    rx = np.zeros((2, 2, n_ref))
    ry = np.zeros((2, 1, n_ref))
    valid = np.zeros((2, n_ref), dtype=bool)
    for g, (xr, yr) in enumerate(refs):
        rx[g, :, : len(xr)], ry[g, :, : len(xr)], valid[g, : len(xr)] = xr.T, yr.T, True
    # one pivot is not enough for most LPs: they must come back unverified, never wrong
    score, solved = batch_scores(rx, ry, valid, xe, ye, rts="vrs", orientation="input", max_iter=1)
    assert (~solved).any()
    want = np.array(
        [lp.solve_scores(xr, yr, xe, ye, rts="vrs", orientation="input")[0] for xr, yr in refs]
    )
    np.testing.assert_allclose(score[solved], want[solved], rtol=1e-9)
    # a zero input of an evaluated unit cannot start the simplex: HiGHS takes it
    xz = xe.copy()
    xz[3, 0] = 0.0
    s2, st2 = scores_many(refs, xz, ye, rts="vrs", orientation="input")
    w2 = [lp.solve_scores(xr, yr, xz, ye, rts="vrs", orientation="input") for xr, yr in refs]
    np.testing.assert_allclose(s2, np.array([w[0] for w in w2]), rtol=1e-9)
    np.testing.assert_array_equal(st2, np.array([w[1] for w in w2]))
    # the unit using none of an input every reference unit needs: infeasible (beyond it)
    assert (st2[:, 3] == lp.INFEASIBLE).all() and (np.delete(st2, 3, axis=1) == lp.OPTIMAL).all()


def test_extreme_units_span_the_same_technology(monkeypatch):
    rng = np.random.default_rng(5)
    xe = rng.uniform(1, 10, (120, 3))
    ye = rng.uniform(1, 10, (120, 2))
    refs = _refs(rng, xe, ye, "input", 3)
    kept = extreme_units(refs, "vrs")
    assert all(len(k) < len(r[0]) for k, r in zip(kept, refs, strict=True))
    small = [(xr[k], yr[k]) for (xr, yr), k in zip(refs, kept, strict=True)]
    for o in ("input", "output"):
        a, _ = scores_many(refs, xe, ye, rts="vrs", orientation=o)
        b, _ = scores_many(small, xe, ye, rts="vrs", orientation=o)
        np.testing.assert_allclose(a, b, rtol=1e-9)
    # the bootstrap with and without the screen of its pseudo-reference sets: the same numbers
    from peir.efficiency import bootstrap as bs
    from peir.efficiency import bootstrap_dea

    plain = bootstrap_dea(xe[:60], ye[:60], n_boot=20, seed=3, n_jobs=1).frame
    monkeypatch.setattr(bs, "SCREEN_MIN", 0)
    screened = bootstrap_dea(xe[:60], ye[:60], n_boot=20, seed=3, n_jobs=1).frame
    pd.testing.assert_frame_equal(plain, screened, rtol=1e-9)
