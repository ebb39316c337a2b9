"""Saved frontiers (issue 8): round trips to the last bit, checks on load and on scoring."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import peir
from peir.efficiency import Frontier, ModelCard, dea, load_frontier

# small test panels break Cooper's rule on purpose; the rule has its own test
pytestmark = pytest.mark.filterwarnings("ignore:.*Cooper's rule")


def _courts(n=30, seed=0):
    rng = np.random.default_rng(seed)
    idx = [f"court{i:02d}" for i in range(n)]
    x = pd.DataFrame(
        {"judges": rng.integers(2, 40, n).astype(float), "spending": rng.uniform(1e6, 5e7, n)},
        index=idx,
    )
    y = pd.DataFrame(
        {"resolved": rng.uniform(500, 20000, n), "hearings": rng.uniform(100, 9000, n)}, index=idx
    )
    return x, y


@pytest.mark.parametrize("rts", ["crs", "vrs", "nirs", "ndrs", "fdh"])
@pytest.mark.parametrize("orientation", ["input", "output"])
def test_round_trip_identical_to_the_last_bit(tmp_path, rts, orientation):
    x, y = _courts()
    r = dea(x, y, rts=rts, orientation=orientation)
    f = r.frontier(
        units={"spending": "BRL 2015", "judges": "positions"}, notes="base year", years=[2016]
    )
    path = f.save(tmp_path / "frontier")
    assert (path / "frontier.json").is_file() and (path / "data.parquet").is_file()
    assert not list(path.glob("*.pkl"))
    g = load_frontier(path)
    assert g.rts == rts and g.orientation == orientation
    assert g.card.units == {"spending": "BRL 2015", "judges": "positions"}
    assert g.card.years == [2016] and g.card.notes == "base year"
    assert g.card.fingerprint == f.card.fingerprint
    pd.testing.assert_frame_equal(g.ref_inputs, f.ref_inputs)
    np.testing.assert_array_equal(g.scale_inputs, f.scale_inputs)
    # new data scored with the saved and with the reloaded frontier: bit-identical
    x2, y2 = _courts(12, seed=5)
    a, b = f.score(x2, y2), g.score(x2, y2)
    np.testing.assert_array_equal(a.efficiency.to_numpy(), b.efficiency.to_numpy())
    np.testing.assert_array_equal(a.slacks_inputs.to_numpy(), b.slacks_inputs.to_numpy())
    # the original data scored with its own saved frontier reproduces the original scores
    c = g.score(x, y)
    np.testing.assert_array_equal(c.efficiency.to_numpy(), r.efficiency.to_numpy())
    # dea(reference=Frontier) is the same as Frontier.score
    d = dea(x2, y2, rts=rts, orientation=orientation, reference=g)
    np.testing.assert_array_equal(d.efficiency.to_numpy(), b.efficiency.to_numpy())


def test_scoring_checks_names_and_units(tmp_path):
    x, y = _courts()
    f = dea(x, y).frontier(units={"spending": "BRL 2015"})
    with pytest.raises(peir.PeirError, match="missing: spending"):
        f.score(x.rename(columns={"spending": "budget"}), y)
    with pytest.raises(peir.PeirError, match=r"units differ.*spending"):
        f.score(x, y, units={"spending": "USD 2015"})
    x_attr = x.copy()
    x_attr.attrs["units"] = {"spending": "USD"}
    with pytest.raises(peir.PeirError, match="units differ"):
        f.score(x_attr, y)
    with pytest.raises(peir.PeirError, match="units differ"):
        dea(x_attr, y, reference=f)
    # same units, columns in another order: fine
    ok = f.score(x[["spending", "judges"]], y, units={"spending": "BRL 2015"})
    assert ok.feasible.all()
    with pytest.raises(peir.InputError, match="unknown variable"):
        dea(x, y).frontier(units={"nope": "x"})


def test_load_checks_version_variables_and_fingerprint(tmp_path):
    x, y = _courts()
    path = dea(x, y).frontier().save(tmp_path / "f")
    meta = json.loads((path / "frontier.json").read_text())

    bad = dict(meta, format_version=99)
    (path / "frontier.json").write_text(json.dumps(bad))
    with pytest.raises(peir.PeirError, match="version 99"):
        load_frontier(path)

    bad = dict(meta, inputs=["judges", "budget"])
    (path / "frontier.json").write_text(json.dumps(bad))
    with pytest.raises(peir.PeirError, match="do not match the variables"):
        load_frontier(path)

    (path / "frontier.json").write_text(json.dumps(meta))
    data = pd.read_parquet(path / "data.parquet")
    data.iloc[0, 0] += 1
    data.to_parquet(path / "data.parquet")
    with pytest.raises(peir.PeirError, match="fingerprint"):
        load_frontier(path)
    with pytest.raises(peir.PeirError, match="not a saved frontier"):
        load_frontier(tmp_path / "nowhere")


def test_frontier_object():
    x, y = _courts()
    f = dea(x, y, rts="crs").frontier(notes="n")
    assert isinstance(f, Frontier) and isinstance(f.card, ModelCard)
    assert f.input_names == ["judges", "spending"] and f.output_names == ["resolved", "hearings"]
    assert "DEA frontier" in f.summary().as_text() and "Frontier(" in repr(f)
    # units better than the whole frontier score above 1 in input orientation
    res = f.score(x * 0.5, y)
    assert (res.efficiency > 1).any()
