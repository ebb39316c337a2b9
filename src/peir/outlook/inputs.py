"""Inputs of a projection: rates by year (scalar or mapping), rates by link, new capacity items.

Each parser turns what the user gave into one value per projection year and writes the rows
of the assumptions table that say what was used and where it came from, so that no input
reaches a figure without being shown.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from peir.chain import Link, parse_link
from peir.errors import InputError

__all__ = [
    "DEFAULT_SOURCE",
    "GIVEN_SOURCE",
    "NewCapacity",
    "Rate",
    "assumption",
    "link_rates",
    "new_capacity_items",
    "year_path",
]

#: A rate: one number for every year, or a number per year.
Rate = float | Mapping[int, float] | Mapping[str, float]

#: Source recorded for an input the user gave without naming its source.
GIVEN_SOURCE = "given by the user (source not stated)"
#: Source recorded for an input left at its default.
DEFAULT_SOURCE = "default of peir.outlook.project"

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


def assumption(
    parameter: str, scope: str, value: float | str, unit: str, source: str
) -> dict[str, Any]:
    """One row of an assumptions table."""
    return {"parameter": parameter, "scope": scope, "value": value, "unit": unit, "source": source}


def _number(name: str, v: Any, where: str, *, lower: float | None = -1.0) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise InputError(f"{name}{where}: expected a number, got {v!r}") from None
    if not math.isfinite(x):
        raise InputError(f"{name}{where}: expected a finite number, got {v!r}")
    if lower is not None and x <= lower:
        raise InputError(f"{name}{where}: {x!r} is not above {lower} (0.03 means 3 % a year)")
    return x


def _year_key(name: str, k: Any) -> int:
    try:
        y = int(str(k).strip())
    except ValueError:
        raise InputError(
            f"{name}: {k!r} is not a year; give a number or a mapping year -> value"
        ) from None
    return y


def year_path(
    name: str, value: Rate, years: list[int], *, lower: float | None = -1.0
) -> FloatArray:
    """One value per year of ``years`` from a scalar or a mapping by year.

    A mapping must give every year of the horizon (years outside it are not used).
    """
    if isinstance(value, Mapping):
        by_year = {_year_key(name, k): v for k, v in value.items()}
        missing = [y for y in years if y not in by_year]
        if missing:
            raise InputError(
                f"{name} gives no value for {', '.join(map(str, missing))}; a mapping by year "
                f"must cover every projected year ({years[0]}–{years[-1]})"
            )
        return np.array([_number(name, by_year[y], f" ({y})", lower=lower) for y in years])
    x = _number(name, value, "", lower=lower)
    return np.full(len(years), x)


def _is_link_mapping(value: Any) -> bool:
    if not isinstance(value, Mapping) or not value:
        return False
    kinds = {parse_link(k) is not None for k in value}
    if kinds == {True, False}:
        raise InputError(
            f"headcount_growth mixes links and years as keys ({', '.join(map(str, value))}); "
            f"give a mapping by year, or by link (each a number or a mapping by year)"
        )
    return kinds == {True}


def link_rates(
    name: str, value: Rate | Mapping[str, Rate], links: list[str], years: list[int]
) -> tuple[dict[str, FloatArray], dict[str, Any] | None]:
    """Per link, one value per year; and, for a mapping by link, what it gave per link id.

    ``value`` is a scalar, a mapping by year (same for every link) or a mapping by link whose
    values are scalars or mappings by year; links the mapping does not name get 0.
    """
    if not _is_link_mapping(value):
        path = year_path(name, value, years)  # type: ignore[arg-type]
        return {lk: path for lk in links}, None
    assert isinstance(value, Mapping)
    given: dict[str, Any] = {}
    for k, v in value.items():
        parsed = parse_link(k)
        assert parsed is not None
        given[parsed.value] = v
    out: dict[str, FloatArray] = {}
    for lk in links:
        out[lk] = (
            year_path(f"{name}[{lk}]", given[lk], years) if lk in given else np.zeros(len(years))
        )
    return out, given


@dataclass(frozen=True)
class NewCapacity:
    """A planned addition to a link's capacity, e.g. 5,000 prison places from 2027.

    Its recurrent cost ``units × recurrent_cost_per_unit`` is at base-year prices and is added
    to the link's goods and services (GFS 22) from ``start_year`` on, inflated like them.
    """

    link: str
    start_year: int
    units: float
    recurrent_cost_per_unit: float
    name: str = ""
    source: str = ""

    @property
    def label(self) -> str:
        return self.name or f"{self.units:,.0f} units on {self.link} from {self.start_year}"


def new_capacity_items(
    items: Iterable[NewCapacity | Mapping[str, Any]], *, base_year: int
) -> list[NewCapacity]:
    """Validate new-capacity items (objects or mappings with the same fields)."""
    out: list[NewCapacity] = []
    for i, it in enumerate(items):
        where = f"new_capacity[{i}]"
        if isinstance(it, Mapping):
            unknown = sorted(set(it) - set(NewCapacity.__dataclass_fields__))
            if unknown:
                raise InputError(
                    f"{where}: unknown field(s) {', '.join(unknown)}; fields are link, "
                    f"start_year, units, recurrent_cost_per_unit, name, source"
                )
            try:
                it = NewCapacity(**dict(it))
            except TypeError as exc:
                raise InputError(f"{where}: {exc}") from None
        if not isinstance(it, NewCapacity):
            raise InputError(
                f"{where}: expected a NewCapacity or a mapping, got {type(it).__name__}"
            )
        lk = parse_link(it.link)
        if lk is None or lk is Link.UNALLOCATED:
            raise InputError(f"{where}: {it.link!r} is not a link of the chain")
        start = int(_number(f"{where}.start_year", it.start_year, "", lower=None))
        if start <= base_year:
            raise InputError(
                f"{where} starts in {start}, not after the base year {base_year}: capacity in use "
                f"in the base year is already in its spending"
            )
        units = _number(f"{where}.units", it.units, "", lower=None)
        cost = _number(
            f"{where}.recurrent_cost_per_unit", it.recurrent_cost_per_unit, "", lower=None
        )
        if units < 0 or cost < 0:
            raise InputError(f"{where}: units and recurrent_cost_per_unit must be >= 0")
        out.append(
            NewCapacity(lk.value, start, units, cost, name=str(it.name), source=str(it.source))
        )
    return out
