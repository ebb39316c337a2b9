"""Plain indicator formulas.

Hand-computed CEPEJ/UNODC cases, NaN on zero denominators, invariants.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import peir.indicators as I
from peir.indicators import formulas as F


def test_cepej_hand_computed() -> None:
    # a court: 1,000 incoming, 950 resolved, 400 pending at 1 January, 450 at 31 December
    assert I.clearance_rate(950, 1000) == pytest.approx(95.0)
    assert I.case_turnover(950, 450) == pytest.approx(950 / 450)
    assert I.disposition_time(450, 950) == pytest.approx(365 * 450 / 950)  # 172.9 days
    assert I.disposition_time(450, 950) == pytest.approx(365 / I.case_turnover(950, 450))
    assert I.congestion_rate(400, 1000, 950) == pytest.approx(1400 / 950)
    assert I.litigation_rate(1000, 2_000_000) == pytest.approx(50.0)
    assert I.cnj_congestion_rate(450, 950) == pytest.approx(450 / 1400 * 100)


def test_unodc_hand_computed() -> None:
    # El Salvador-like figures: 6.3 million inhabitants, 1,000 homicides
    assert I.rate_per_100k(1000, 6_300_000) == pytest.approx(15.873015873)
    assert I.occupancy_rate(30_000, 20_000) == pytest.approx(150.0)
    assert F.unsentenced_share(9_000, 30_000) == pytest.approx(30.0)


def test_expenditure_formulas() -> None:
    assert I.execution_rate(675, 650) == pytest.approx(103.846153846)
    assert F.modification_rate(663, 650) == pytest.approx(102.0)
    assert F.growth_rate(110, 100) == pytest.approx(10.0)
    assert F.cost_per_day(365_000, 100) == pytest.approx(10.0)
    assert F.unit_cost(1000, 8) == pytest.approx(125.0)
    assert F.share(1, 4) == pytest.approx(25.0)


@pytest.mark.parametrize(
    "call",
    [
        lambda: I.clearance_rate(5, 0),
        lambda: I.disposition_time(5, 0),
        lambda: I.rate_per_100k(5, 0),
        lambda: I.occupancy_rate(5, 0),
        lambda: I.execution_rate(5, 0),
        lambda: I.case_turnover(0, 0),
        lambda: F.congestion_rate(1, 1, 0),
        lambda: F.cnj_congestion_rate(0, 0),
        lambda: F.growth_rate(1, 0),
        lambda: F.cost_per_day(1, 0),
    ],
)
def test_zero_denominator_is_nan_without_warning(call: object) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = call()  # type: ignore[operator]
    assert isinstance(v, float)
    assert np.isnan(v)


def test_types_are_preserved() -> None:
    s = I.clearance_rate(
        pd.Series([1.0, 2.0], index=["a", "b"]), pd.Series([0.0, 4.0], index=["a", "b"])
    )
    assert isinstance(s, pd.Series)
    assert list(s.index) == ["a", "b"]
    assert np.isnan(s["a"]) and s["b"] == 50.0
    a = I.occupancy_rate(np.array([1, 2, 3]), np.array([0, 4, np.nan]))
    assert isinstance(a, np.ndarray)
    np.testing.assert_allclose(a, [np.nan, 50.0, np.nan])
    assert isinstance(I.rate_per_100k(1, 100_000), float)
    assert np.isnan(I.rate_per_100k(None, 5))
    lst = I.execution_rate([1, 2], [2, 0])
    np.testing.assert_allclose(lst, [50.0, np.nan])


def test_integer_series_and_nullable() -> None:
    s = I.clearance_rate(pd.Series([3, 4], dtype="Int64"), pd.Series([4, 0], dtype="Int64"))
    assert s.iloc[0] == 75.0 and np.isnan(s.iloc[1])


finite = st.one_of(st.just(0.0), st.floats(min_value=1e-6, max_value=1e12))
anyf = st.floats(allow_nan=True, allow_infinity=True)
RATIOS = [
    I.clearance_rate,
    I.disposition_time,
    I.rate_per_100k,
    I.occupancy_rate,
    I.execution_rate,
    I.case_turnover,
    F.unsentenced_share,
    F.modification_rate,
    F.cnj_congestion_rate,
]


@settings(max_examples=150, deadline=None)
@given(a=anyf, b=anyf)
def test_never_inf(a: float, b: float) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for f in RATIOS:
            v = f(a, b)
            assert not np.isinf(v)
        assert not np.isinf(F.congestion_rate(a, b, a))
        assert not np.isinf(F.growth_rate(a, b))
        arr = I.clearance_rate(np.array([a, b, 0.0]), np.array([b, 0.0, a]))
        assert not np.isinf(arr).any()


@settings(max_examples=150, deadline=None)
@given(num=finite, den=finite, k=st.floats(min_value=1e-3, max_value=1e3))
def test_scaling_leaves_ratios_unchanged(num: float, den: float, k: float) -> None:
    for f in RATIOS:
        v1, v2 = f(num, den), f(num * k, den * k)
        if np.isnan(v1):
            assert np.isnan(v2) or den * k != 0
        else:
            assert v2 == pytest.approx(v1, rel=1e-9)
    c1 = F.congestion_rate(num, den, num + den)
    c2 = F.congestion_rate(num * k, den * k, (num + den) * k)
    assert (np.isnan(c1) and np.isnan(c2)) or c2 == pytest.approx(c1, rel=1e-9)
