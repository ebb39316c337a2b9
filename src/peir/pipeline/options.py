"""The options of harmonisation, stated and validated once (:class:`HarmonizeOptions`).

:meth:`peir.Dataset.harmonize`, :func:`peir.pipeline.harmonize.harmonize`,
:func:`peir.pipeline.harmonize.harmonize_partition`, :func:`peir.spark.harmonize` and
:func:`peir.spark.partition_function` all take their options as one
:class:`HarmonizeOptions` (or as keywords, turned into one by
:meth:`HarmonizeOptions.from_keywords`), and the provenance of a
:class:`peir.HarmonizedDataset` records :meth:`HarmonizeOptions.record`.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, get_args

import numpy as np

from peir.errors import InputError
from peir.pipeline.chainmap import CofogDefault
from peir.pipeline.econ import EconScheme, check_econ_scheme
from peir.pipeline.prices import DeflatorName, FiscalYear, FiscalYearArg, deflator_column

__all__ = ["HarmonizeOptions"]

_COFOG: tuple[str, ...] = get_args(CofogDefault)


@dataclass(frozen=True)
class HarmonizeOptions:
    """How to harmonise: base year, currency, deflator, gaps, caseload sources, fiscal years.

    Every field is checked when the object is built, so an invalid option fails before any
    data is read, with :class:`peir.InputError` naming it.

    Parameters
    ----------
    base_year
        Constant-price base year. ``None``: the latest budget year when the context has the
        deflator, else nominal only (``amount_real`` NaN, no error); see
        :func:`peir.pipeline.harmonize.default_base_year`.
    currency
        ``None`` keeps each line's own (local) currency; ``"USD"`` converts at the annual
        average official rate (``fx_lcu_per_usd``). Constant prices in USD are deflated in
        local currency and converted at the *base-year* rate.
    ppp
        Convert with the GDP PPP factor (``ppp_lcu_per_intl``) into international dollars.
    deflator
        ``"gdp"`` (GDP deflator, default) or ``"cpi"``.
    allow_gaps
        When a needed context value (deflator, rate) is missing: ``False`` raises
        :class:`peir.MissingContextError` naming country, year and series; ``True`` flags it
        in ``h.gaps``, leaves the affected amounts NaN (never 0) and warns
        (:class:`peir.DataGapWarning`).
    source_priority
        Caseload measure → sources in order of preference (``"*"``: any measure); see
        :mod:`peir.pipeline.caseload_sources`. Stored as a dict of tuples (a copy).
    fiscal_year
        A :class:`peir.FiscalYear`, or a mapping country → FiscalYear (``"*"`` default): how
        budget year labels map to the calendar-year context (month-weighted average of the
        calendar years spanned; see :mod:`peir.pipeline.prices`).
    cofog
        Use of the built-in COFOG 03 crosswalk: ``"auto"`` (only without a country map),
        ``"fallback"`` (under the country map) or ``"off"``.
    sort
        Deterministic, content-based row order (default). ``False`` keeps the input line
        order, which is faster on very large budgets.
    econ_scheme
        The national economic classification of the budget's ``econ`` codes (``"SLV"``,
        ``"MEX"``, ``"PER"``, ``"CHL"``, ``"ARG"``, ``"GFS"``), or a mapping country -> scheme
        (``"*"``: the others). Harmonised spending then carries ``econ_gfs``, the GFS 2014 class
        of each line (:func:`peir.econ.to_gfs`); ``None``: ``econ_gfs`` stays missing and the
        composition indicators say so. ``Dataset.harmonize`` takes it from the budget's read
        spec or ``peir.yaml`` when not given.

    Examples
    --------
    >>> HarmonizeOptions(base_year=2020, currency="USD").record()["currency"]
    'USD'
    >>> HarmonizeOptions.from_keywords(base_year=2020, deflator="cpi").deflator
    'cpi'
    """

    base_year: int | None = None
    currency: str | None = None
    ppp: bool = False
    deflator: DeflatorName = "gdp"
    allow_gaps: bool = False
    source_priority: Mapping[str, Sequence[str]] | None = None
    fiscal_year: FiscalYearArg = None
    cofog: CofogDefault = "auto"
    sort: bool = True
    econ_scheme: EconScheme = None

    def __post_init__(self) -> None:
        by = self.base_year
        if by is not None:
            if isinstance(by, bool) or not isinstance(by, numbers.Integral):
                raise InputError(f"base_year={by!r}: expected a year (an integer) or None")
            object.__setattr__(self, "base_year", int(by))
        if self.currency is not None and not isinstance(self.currency, str):
            raise InputError(
                f"currency={self.currency!r}: expected a currency code such as 'USD' or None"
            )
        for name in ("ppp", "allow_gaps", "sort"):
            value = getattr(self, name)
            if not isinstance(value, bool | np.bool_):
                raise InputError(f"{name}={value!r}: expected True or False")
            object.__setattr__(self, name, bool(value))
        deflator_column(str(self.deflator))  # InputError for anything but "gdp" / "cpi"
        if self.cofog not in _COFOG:
            raise InputError(
                f"cofog={self.cofog!r}: expected one of {', '.join(map(repr, _COFOG))}"
            )
        object.__setattr__(self, "source_priority", _priority(self.source_priority))
        object.__setattr__(self, "fiscal_year", _fiscal_year(self.fiscal_year))
        object.__setattr__(self, "econ_scheme", check_econ_scheme(self.econ_scheme))

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The option names, in declaration order."""
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def from_keywords(cls, **keywords: Any) -> HarmonizeOptions:
        """Build from keyword arguments; :class:`peir.InputError` names any unknown one."""
        unknown = sorted(set(keywords) - set(cls.names()))
        if unknown:
            raise InputError(
                f"unknown harmonisation option(s) {', '.join(unknown)}; "
                f"expected {', '.join(sorted(cls.names()))}"
            )
        return cls(**keywords)

    def replace(self, **changes: Any) -> HarmonizeOptions:
        """A copy with ``changes`` applied (validated again)."""
        return dataclasses.replace(self, **changes) if changes else self

    def record(self) -> dict[str, Any]:
        """The options as plain values, for provenance (JSON-serialisable)."""
        return {
            "base_year": self.base_year,
            "currency": self.currency,
            "ppp": self.ppp,
            "deflator": self.deflator,
            "allow_gaps": self.allow_gaps,
            "source_priority": {k: list(v) for k, v in (self.source_priority or {}).items()},
            "fiscal_year": _fy_text(self.fiscal_year),
            "cofog": self.cofog,
            "sort": self.sort,
            "econ_scheme": self.econ_scheme
            if not isinstance(self.econ_scheme, Mapping)
            else dict(self.econ_scheme),
        }


def _priority(value: Mapping[str, Sequence[str]] | None) -> dict[str, tuple[str, ...]] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InputError(
            f"source_priority: expected a mapping measure -> sources, got {type(value).__name__}"
        )
    out: dict[str, tuple[str, ...]] = {}
    for measure, sources in value.items():
        if isinstance(sources, str) or not isinstance(sources, Sequence):
            raise InputError(
                f"source_priority[{measure!r}]: expected a list of sources in order of preference, "
                f"got {sources!r}"
            )
        out[str(measure)] = tuple(str(s) for s in sources)
    return out


def _fiscal_year(value: FiscalYearArg) -> FiscalYearArg:
    if value is None or isinstance(value, FiscalYear):
        return value
    if isinstance(value, Mapping) and all(isinstance(v, FiscalYear) for v in value.values()):
        return {str(k): v for k, v in value.items()}
    raise InputError(
        f"fiscal_year={value!r}: expected a peir.FiscalYear, a mapping country -> FiscalYear, "
        "or None"
    )


def _fy_text(fiscal_year: FiscalYearArg) -> Any:
    if fiscal_year is None:
        return "calendar year"
    if isinstance(fiscal_year, FiscalYear):
        return fiscal_year.describe()
    return {k: v.describe() for k, v in fiscal_year.items()}
