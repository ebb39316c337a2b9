"""Simar–Wilson bootstrap: reproducibility, independence of the worker count, sanity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import peir
from peir.efficiency import bootstrap_dea, dea


def _frontier_data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 10, (n, 2))
    ineff = np.exp(-np.abs(rng.normal(0, 0.3, n)))
    y = (x[:, 0] ** 0.4 * x[:, 1] ** 0.4 * ineff)[:, None]
    return (pd.DataFrame(x, columns=["staff", "budget"]),
            pd.DataFrame(y, columns=["cases"]))


def test_columns_and_basic_properties():
    x, y = _frontier_data()
    b = bootstrap_dea(x, y, n_boot=100, seed=3, n_jobs=1)
    assert list(b.columns) == ["efficiency", "bias", "bias_corrected", "lower", "upper"]
    assert b.index.equals(x.index)
    np.testing.assert_allclose(b["efficiency"], dea(x, y, slacks=False).efficiency)
    assert (b["lower"] <= b["bias_corrected"]).all()
    assert (b["bias_corrected"] <= b["upper"]).all()
    assert (b["bias_corrected"] <= b["efficiency"] + 1e-12).mean() > 0.9
    assert ((b["bias_corrected"] > 0) & (b["bias_corrected"] <= 1)).all()


def test_seeded_and_independent_of_n_jobs(monkeypatch):
    from peir.efficiency import bootstrap as bs

    x, y = _frontier_data(25, 1)
    a = bootstrap_dea(x, y, n_boot=40, seed=42, n_jobs=1)
    b = bootstrap_dea(x, y, n_boot=40, seed=42, n_jobs=1)
    pd.testing.assert_frame_equal(a, b)
    monkeypatch.setattr(bs, "PARALLEL_WORK", 10)
    c = bootstrap_dea(x, y, n_boot=40, seed=42, n_jobs=2)
    pd.testing.assert_frame_equal(a, c)
    d = bootstrap_dea(x, y, n_boot=40, seed=43, n_jobs=1)
    assert not np.allclose(a["bias"], d["bias"])


def test_output_orientation_and_progress(capsys):
    x, y = _frontier_data(20, 2)
    b = bootstrap_dea(x, y, orientation="output", rts="crs", n_boot=30, seed=0, progress=True,
                      n_jobs=1)
    assert (b["lower"] <= b["upper"]).all()
    assert "bootstrap" in capsys.readouterr().err


def test_bad_options():
    x, y = _frontier_data(10, 3)
    with pytest.raises(peir.InputError):
        bootstrap_dea(x, y, rts="fdh")
    with pytest.raises(peir.InputError):
        bootstrap_dea(x, y, alpha=1.5)
