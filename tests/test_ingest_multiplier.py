"""`unit_multiplier` per source column: a wide file whose unit changes along the columns
(Argentina's MECON series: 1980-1986 in thousands of pesos, 1987-2017 in millions).

Every amount is its cell times its own column's multiplier, on the small and the streamed
path alike, malformed lines included; the totals equal a `decimal` sum of the text times the
multipliers; a key that names no column is a spec error naming it.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import peir
from peir.errors import SpecError
from peir.pipeline import sources
from reader_checks import compare_readers

YEARS = [str(y) for y in range(1984, 1990)]
BASE = {
    "constants": {
        "country": "ARG",
        "currency": "ARS",
        "phase": "executed",
        "institution_code": "CONSOLIDADO",
    },
    "columns": {"func": "Código"},
    "melt": {"year": {y: y for y in YEARS}},
}
#: millions, but thousands up to 1986 (as the MECON file's title row says)
MULT: dict[str, float] = {"amount": 1e6, "1984": 1000, "1985": 1000, "1986": 1000}


def _write(path: Path, cells: list[list[str]], extra: dict[int, str] | None = None) -> Path:
    lines = ["Código;" + ";".join(YEARS)]
    for i, row in enumerate(cells):
        tail = (extra or {}).get(i)
        lines.append(f"1.{i};" + ";".join(row) + (f";{tail}" if tail is not None else ""))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _read(path: Path, mult: Any, *, streamed: bool = False) -> peir.BudgetTable:
    spec = {**BASE, "delimiter": ";", "unit_multiplier": mult}
    if not streamed:
        return peir.read_budget(path, spec)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sources, "ARROW_MIN_BYTES", 0)
        mp.setattr(sources, "CHUNK_ROWS", 3)
        t = peir.read_budget(path, spec)
    assert t.report.meta["streamed"] is True
    return t


def test_each_wide_column_takes_its_own_multiplier(tmp_path: Path) -> None:
    p = _write(tmp_path / "f.csv", [["1.5", "2", "3", "4.25", "5", "6"], ["7"] * 6])
    t = _read(p, MULT)
    f = t.frame.set_index(["func", "year"])["amount"]
    # hand computation: thousands for 1984-1986, millions from 1987
    assert f[("1.0", 1984)] == 1500.0 and f[("1.0", 1986)] == 3000.0
    assert f[("1.0", 1987)] == 4_250_000.0 and f[("1.0", 1989)] == 6_000_000.0
    assert f[("1.1", 1985)] == 7000.0 and f[("1.1", 1988)] == 7_000_000.0
    r = t.report
    assert r.ok and r.rows_accepted == 12
    assert r.amount_read == r.amount_accepted == 3 * 7000 + 3 * 7e6 + 6500 + 15_250_000
    assert r.meta["unit_multipliers"] == {
        **{y: 1000.0 for y in YEARS[:3]},
        **{y: 1e6 for y in YEARS[3:]},
    }
    # the scalar form still applies to every column alike, and records no per-column unit
    s = _read(p, 1000)
    assert s.frame["amount"].sum() == pytest.approx(1000 * (21.75 + 42))
    assert "unit_multipliers" not in s.report.meta


def test_a_column_not_listed_takes_the_canonical_multiplier(tmp_path: Path) -> None:
    p = _write(tmp_path / "f.csv", [["1"] * 6])
    t = _read(p, {"1989": 10})  # no canonical key: the other years are in units
    assert t.frame.set_index("year")["amount"].to_dict() == {
        **{int(y): 1.0 for y in YEARS[:-1]},
        1989: 10.0,
    }


def test_small_and_streamed_paths_agree_malformed_lines_included(tmp_path: Path) -> None:
    cells = [[f"{i}.{j}" for j in range(6)] for i in range(10)]
    cells[4][1] = "12abc"  # a cell that is not a number: rejected, its amount unparsed
    p = _write(tmp_path / "f.csv", cells, extra={7: "99"})  # a field too many: malformed
    small, big = _read(p, MULT), _read(p, MULT, streamed=True)
    compare_readers(small, big)
    a, b = small.report, big.report
    assert a.amounts_exact == b.amounts_exact
    # the malformed line 1.7 is in amount_read with each cell times its column's multiplier
    line7 = sum(Decimal(f"7.{j}") * Decimal(MULT.get(YEARS[j], 1e6)) for j in range(6))
    assert a.amounts_exact is not None
    # rejected: the malformed line, and the cell 12abc, which holds no amount (unparsed)
    assert abs(a.amounts_exact["rejected"] - line7) < Decimal("1e-6")
    assert a.amount_unparsed == 1
    assert not (small.frame["func"] == "1.7").any()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    cents=st.lists(
        st.lists(st.integers(0, 10**9), min_size=6, max_size=6), min_size=1, max_size=12
    ),
    units=st.lists(st.sampled_from([1, 10, 1000, 10**6]), min_size=6, max_size=6),
    base=st.sampled_from([1, 1000, 10**6]),
    listed=st.lists(st.booleans(), min_size=6, max_size=6),
    streamed=st.booleans(),
)
def test_amounts_are_conserved_exactly_with_per_column_multipliers(
    tmp_path_factory: pytest.TempPathFactory,
    cents: list[list[int]],
    units: list[int],
    base: int,
    listed: list[bool],
    streamed: bool,
) -> None:
    """Totals equal the `decimal` sum of every cell's text times its column's multiplier (its
    own, or the canonical one for a column not listed), within the two roundings of each
    amount (the text to a float, half a step; the product, half a step); every accepted
    amount equals its cell times its multiplier, as a float."""
    p = tmp_path_factory.mktemp("mult") / "f.csv"
    text = [[f"{c // 100}.{c % 100:02d}" for c in row] for row in cents]
    _write(p, text)
    mult: dict[str, float] = {"amount": base}
    mult.update({y: u for y, u, on in zip(YEARS, units, listed, strict=True) if on})
    t = _read(p, mult, streamed=streamed)
    per = [Decimal(mult.get(y, base)) for y in YEARS]
    want = sum((Decimal(v) * per[j] for row in text for j, v in enumerate(row)), Decimal(0))
    r = t.report
    assert r.ok and r.rows_accepted == 6 * len(text) and r.amounts_exact is not None
    got = t.frame.set_index(["func", "year"])["amount"]
    bound = Decimal(0)  # two roundings each: the text to a float, the product
    for i, row in enumerate(text):
        for j, v in enumerate(row):
            x = float(v) * float(per[j])
            assert got[(f"1.{i}", int(YEARS[j]))] == x
            bound += (Decimal(np.spacing(float(v))) * per[j] + Decimal(np.spacing(x))) / 2
    assert abs(r.amounts_exact["accepted"] - want) <= bound
    assert r.amounts_exact["read"] == r.amounts_exact["accepted"]
    assert r.amounts_exact["rejected"] == 0


@pytest.mark.parametrize(
    ("mult", "named"),
    [
        ({"1990": 1000}, "'1990'"),  # a year the file does not have
        ({"amout": 1000}, "did you mean 'amount'"),  # a typo of the canonical column
        ({"year": 1000}, "neither a number column"),  # not an amount
    ],
)
def test_an_unknown_multiplier_key_is_a_spec_error_naming_it(
    tmp_path: Path, mult: dict[str, float], named: str
) -> None:
    p = _write(tmp_path / "f.csv", [["1"] * 6])
    with pytest.raises(SpecError, match="unit_multiplier") as exc:
        _read(p, mult)
    assert named in str(exc.value)


def test_a_multiplier_must_be_positive_and_finite() -> None:
    with pytest.raises(SpecError, match="positive finite"):
        peir.ReadSpec(**{**BASE, "unit_multiplier": {"1984": 0}})
    with pytest.raises(SpecError, match="positive finite"):
        peir.ReadSpec(**{**BASE, "unit_multiplier": {"1984": float("inf")}})
