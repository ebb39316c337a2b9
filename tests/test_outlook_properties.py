"""Invariants of peir.outlook.project, checked with hypothesis on generated bases."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import peir
from peir.outlook import NewCapacity, project

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

LINKS = ("prevention", "patrol", "investigation", "judicial", "corrections", "unallocated")
CLASSES = ("21", "22", "28", "31", "51")


def harmonized(
    cells: dict[tuple[str, str], float], gdp: float, scale: float = 1.0
) -> peir.HarmonizedDataset:
    rows = [
        {
            "country": "SLV",
            "year": 2020,
            "institution_code": f"I{i}",
            "econ": cls,
            "phase": "executed",
            "link": lk,
            "amount": a * scale,
            "amount_lcu": a * scale,
            "source_ref": f"row {i}",
        }
        for i, ((lk, cls), a) in enumerate(cells.items())
    ]
    ctx = pd.DataFrame([{"country": "SLV", "year": 2020, "gdp_lcu": gdp * scale}])
    return peir.HarmonizedDataset(
        spending=pd.DataFrame(rows), caseload=pd.DataFrame(), context=ctx, currency="USD"
    )


bases = st.dictionaries(
    st.tuples(st.sampled_from(LINKS), st.sampled_from(CLASSES)),
    st.floats(min_value=1.0, max_value=1e9, allow_nan=False),
    min_size=1,
    max_size=8,
)
rates = st.floats(min_value=-0.2, max_value=0.5, allow_nan=False)


@SETTINGS
@given(bases, st.floats(min_value=1e6, max_value=1e12), st.integers(min_value=1, max_value=6))
def test_zero_inflation_and_zero_growth_give_a_flat_projection(
    cells: dict[tuple[str, str], float], gdp: float, horizon: int
) -> None:
    p = project(
        harmonized(cells, gdp),
        country="SLV",
        base_year=2020,
        horizon=horizon,
        inflation=0.0,
        real_wage_growth=0.0,
        headcount_growth=0.0,
        gdp_real_growth=0.0,
        ceiling_pct_gdp=2.0,
    )
    wide = p.table.pivot_table(index=["link", "econ_gfs"], columns="year", values="amount")
    assert np.allclose(wide.to_numpy(), wide[[2020]].to_numpy(), rtol=1e-12, atol=0)
    env = p.envelope
    assert np.allclose(env["total"], sum(cells.values()), rtol=1e-12)
    assert np.allclose(env["gdp"], gdp, rtol=1e-12)
    assert np.allclose(env["pct_gdp"], env["pct_gdp"].iloc[0], rtol=1e-12)


@SETTINGS
@given(bases, rates, rates, rates, rates, st.integers(min_value=1, max_value=5))
def test_doubling_the_base_doubles_the_projection(
    cells: dict[tuple[str, str], float], pi: float, w: float, n: float, g: float, horizon: int
) -> None:
    kw = {
        "country": "SLV",
        "base_year": 2020,
        "horizon": horizon,
        "inflation": pi,
        "real_wage_growth": w,
        "headcount_growth": {"patrol": n},
        "gdp_real_growth": g,
    }
    one = project(harmonized(cells, 1e10), **kw)
    two = project(harmonized({k: 2 * v for k, v in cells.items()}, 1e10), **kw)
    assert np.allclose(two.table["amount"], 2 * one.table["amount"], rtol=1e-12)
    assert np.allclose(two.envelope["total"], 2 * one.envelope["total"], rtol=1e-12)
    assert np.allclose(two.envelope["pct_gdp"], 2 * one.envelope["pct_gdp"], rtol=1e-12)


@SETTINGS
@given(
    bases,
    rates,
    rates,
    st.sampled_from([1e-3, 1e3, 1e6]),
    st.integers(min_value=2022, max_value=2024),
)
def test_units_do_not_matter(
    cells: dict[tuple[str, str], float], pi: float, g: float, scale: float, start: int
) -> None:
    """Thousands or units: amounts scale, shares of GDP and the gap's sign do not change."""

    def run(k: float) -> peir.outlook.Projection:
        return project(
            harmonized(cells, 1e10, scale=k),
            country="SLV",
            base_year=2020,
            horizon=4,
            inflation=pi,
            gdp_real_growth=g,
            ceiling_pct_gdp=1.5,
            capital={"corrections": {2022: 5e6 * k}},
            new_capacity=[NewCapacity("corrections", start, 1000, 2000.0 * k)],
        )

    a, b = run(1.0), run(scale)
    assert np.allclose(b.table["amount"], scale * a.table["amount"], rtol=1e-10)
    assert np.allclose(b.envelope["pct_gdp"], a.envelope["pct_gdp"], rtol=1e-10)
    assert np.allclose(b.envelope["gap"], scale * a.envelope["gap"], rtol=1e-10, atol=1e-9 * scale)
