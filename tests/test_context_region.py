"""Context rows with a region (regional population), so that regional rates compute; prices
and national rates come from the country rows."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import peir


def _dataset() -> peir.Dataset:
    budget = pd.DataFrame(
        {
            "country": ["SLV"] * 2,
            "year": [2019, 2020],
            "institution_code": ["PNC"] * 2,
            "phase": ["executed"] * 2,
            "amount": [100.0, 110.0],
            "currency": ["USD"] * 2,
        }
    )
    ctx = pd.DataFrame(
        {
            "country": ["SLV"] * 4,
            "year": [2019, 2019, 2019, 2020],
            "region": [None, "R1", "R2", None],
            "population": [6.3e6, 1e6, 2e6, 6.4e6],
            "gdp_deflator": [100, None, None, 101],
            "currency": ["USD"] * 4,
        }
    )
    cl = pd.DataFrame(
        {
            "country": ["SLV"] * 3,
            "year": [2019] * 3,
            "region": ["R1", "R2", None],
            "measure": ["homicides"] * 3,
            "value": [100.0, 300.0, 2400.0],
        }
    )
    return peir.Dataset(budget=budget, context=ctx, caseload=cl)


def test_context_key_includes_the_region() -> None:
    ds = _dataset()
    assert ds.context is not None and ds.context.report.ok and len(ds.context.frame) == 4
    dup = peir.read_context(
        pd.DataFrame(
            {
                "country": ["SLV", "SLV"],
                "year": [2019, 2019],
                "region": ["R1", "R1"],
                "population": [1.0, 2.0],
            }
        )
    )
    assert dup.report.errors["code"].tolist() == ["duplicate_key"]
    assert "SLV 2019 R1" in dup.rejected["reason"].iloc[0]


def test_regional_rates_use_the_regional_population() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = _dataset().harmonize(base_year=2019)
    out = peir.indicators.compute(h, country="SLV", ids=["homicide_rate"])
    got = out.set_index("region")["value"]
    assert got["R1"] == pytest.approx(100 / 1e6 * 1e5)
    assert got["R2"] == pytest.approx(300 / 2e6 * 1e5)
    assert got[""] == pytest.approx(2400 / 6.3e6 * 1e5)  # the country row, not a regional one
