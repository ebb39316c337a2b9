"""Indicators: expenditure (PER practice), justice chain (CEPEJ, UNODC/SDG, attrition) and PEFA.

- :func:`catalog` lists the documented indicators; :func:`compute` evaluates them on a
  :class:`peir.HarmonizedDataset` into a tidy frame with a ``note`` explaining every NaN.
- Plain functions for the standard formulas work on scalars, arrays and Series; a zero
  denominator gives NaN, never inf and never an exception.
- :mod:`peir.indicators.pefa`: PEFA 2016 PI-1 and PI-2 with score letters.
- :func:`check_floors`: compliance with legal spending floors (:class:`LegalFloor`, the
  ``rules:`` of ``peir.yaml``); :func:`funding_split`: spending by funding class;
  :func:`econ_split`: spending by economic code in any phase.

The reference page ``docs/indicators.md`` is generated from the registry by
``python -m peir.indicators.docs docs/indicators.md``.
"""

from __future__ import annotations

from peir.indicators import pefa
from peir.indicators._base import STANDARDS, Indicator
from peir.indicators.economic import econ_split
from peir.indicators.floors import (
    SHIPPED_FLOORS,
    SLV_JUDICIARY_FLOOR,
    LegalFloor,
    check_floors,
    floors_for,
)
from peir.indicators.formulas import (
    attrition_ratio,
    case_turnover,
    clearance_rate,
    cnj_congestion_rate,
    congestion_rate,
    cost_per_day,
    disposition_time,
    execution_rate,
    growth_rate,
    litigation_rate,
    modification_rate,
    occupancy_rate,
    rate_per_100k,
    ratio,
    share,
    unit_cost,
    unsentenced_share,
)
from peir.indicators.funding import funding_split
from peir.indicators.pefa import PEFAResult
from peir.indicators.registry import REGISTRY, catalog, compute, get

__all__ = [
    "REGISTRY",
    "SHIPPED_FLOORS",
    "SLV_JUDICIARY_FLOOR",
    "STANDARDS",
    "Indicator",
    "LegalFloor",
    "PEFAResult",
    "attrition_ratio",
    "case_turnover",
    "catalog",
    "check_floors",
    "clearance_rate",
    "cnj_congestion_rate",
    "compute",
    "congestion_rate",
    "cost_per_day",
    "disposition_time",
    "econ_split",
    "execution_rate",
    "floors_for",
    "funding_split",
    "get",
    "growth_rate",
    "litigation_rate",
    "modification_rate",
    "occupancy_rate",
    "pefa",
    "rate_per_100k",
    "ratio",
    "share",
    "unit_cost",
    "unsentenced_share",
]
