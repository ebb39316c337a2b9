"""Plain functions for the standard indicator formulas.

Every function accepts scalars, numpy arrays or pandas Series (aligned like any pandas
arithmetic) and returns the same kind of object: a ``float`` for scalar inputs, an
``ndarray`` for arrays and a ``Series`` for Series. A zero (or missing) denominator gives
NaN — never ``inf`` and never an exception — and numpy's division warnings are suppressed.

Standards
---------
- CEPEJ, *European judicial systems — CEPEJ evaluation report*, methodology (clearance rate,
  case turnover ratio, disposition time).
- UNODC, *International Classification of Crime for Statistical Purposes* and UN-CTS;
  SDG indicators 16.1.1 (homicide rate) and 16.3.2 (unsentenced detainees).
- World Bank public expenditure review (PER) practice (execution rates, unit costs).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "attrition_ratio",
    "case_turnover",
    "clearance_rate",
    "cnj_congestion_rate",
    "congestion_rate",
    "cost_per_day",
    "disposition_time",
    "execution_rate",
    "growth_rate",
    "litigation_rate",
    "modification_rate",
    "occupancy_rate",
    "rate_per_100k",
    "ratio",
    "share",
    "unit_cost",
    "unsentenced_share",
]

DAYS_PER_YEAR = 365


def _clean(x: Any) -> Any:
    """Turn a scalar, sequence, array or Series into something numpy arithmetic accepts."""
    if isinstance(x, pd.Series | pd.DataFrame):
        return x.astype("float64")
    if isinstance(x, np.ndarray):
        return x.astype("float64")
    if isinstance(x, list | tuple):
        return np.asarray(x, dtype="float64")
    if x is None or x is pd.NA:
        return np.nan
    return float(x)


def _finish(out: Any) -> Any:
    """Replace ±inf by NaN and return a float for 0-d results."""
    if isinstance(out, pd.Series | pd.DataFrame):
        return out.where(np.isfinite(out))
    arr = np.asarray(out, dtype="float64")
    arr = np.where(np.isfinite(arr), arr, np.nan)
    if arr.ndim == 0:
        return float(arr)
    return arr


def ratio(numerator: Any, denominator: Any, scale: float = 1.0) -> Any:
    """``scale × numerator ÷ denominator``; NaN where the denominator is 0 or missing.

    Parameters
    ----------
    numerator, denominator
        Scalars, arrays or Series.
    scale
        Multiplier (100 for percent, 100,000 for rates per 100,000 inhabitants).

    Examples
    --------
    >>> ratio(3, 4, 100)
    75.0
    >>> ratio(1, 0)
    nan
    """
    num = _clean(numerator)
    den = _clean(denominator)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if isinstance(den, pd.Series | pd.DataFrame):
            den = den.replace(0.0, np.nan)
        elif isinstance(den, np.ndarray):
            den = np.where(den == 0, np.nan, den)
        elif den == 0:
            den = np.nan
        out = num * scale / den if scale != 1.0 else num / den
    return _finish(out)


def clearance_rate(resolved: Any, incoming: Any) -> Any:
    """Clearance rate (%), CEPEJ: ``resolved ÷ incoming × 100``.

    Above 100 % the court resolves more cases than it receives and the backlog shrinks.

    Examples
    --------
    >>> clearance_rate(90, 100)
    90.0
    """
    return ratio(resolved, incoming, 100.0)


def case_turnover(resolved: Any, pending_end: Any) -> Any:
    """Case turnover ratio, CEPEJ: ``resolved ÷ pending cases at the end of the period``."""
    return ratio(resolved, pending_end)


def disposition_time(pending_end: Any, resolved: Any) -> Any:
    """Disposition time (days), CEPEJ: ``365 ÷ case turnover = 365 × pending_end ÷ resolved``.

    Examples
    --------
    >>> disposition_time(50, 365)
    50.0
    """
    return ratio(pending_end, resolved, float(DAYS_PER_YEAR))


def litigation_rate(incoming: Any, population: Any) -> Any:
    """Litigation rate: incoming cases per 100,000 inhabitants.

    ``incoming ÷ population × 100,000``.
    """
    return ratio(incoming, population, 100_000.0)


def congestion_rate(pending_start: Any, incoming: Any, resolved: Any) -> Any:
    """Congestion rate (Latin American practice): ``(pending_start + incoming) ÷ resolved``.

    The caseload a court had to deal with per case it resolved; 1 means no congestion.
    """
    return ratio(_add(pending_start, incoming), resolved)


def cnj_congestion_rate(pending_end: Any, resolved: Any) -> Any:
    """Congestion rate (%) as published by Brazil's CNJ (*Justiça em Números*, "taxa de
    congestionamento"): ``pending_end ÷ (pending_end + resolved) × 100``.

    Related to the CEPEJ disposition time by ``DT = 365 × TC ÷ (100 − TC)``.
    """
    return ratio(pending_end, _add(pending_end, resolved), 100.0)


def rate_per_100k(count: Any, population: Any) -> Any:
    """Rate per 100,000 inhabitants, UNODC/SDG: ``count ÷ population × 100,000``.

    Examples
    --------
    >>> rate_per_100k(2_000, 6_000_000)  # doctest: +ELLIPSIS
    33.33...
    """
    return ratio(count, population, 100_000.0)


def occupancy_rate(prisoners: Any, capacity: Any) -> Any:
    """Prison occupancy (%), UNODC: ``persons held ÷ official capacity × 100``."""
    return ratio(prisoners, capacity, 100.0)


def unsentenced_share(unsentenced: Any, total: Any) -> Any:
    """Unsentenced detainees as a share of the prison population (%), SDG 16.3.2:
    ``unsentenced ÷ total persons held × 100`` (non-final decisions count as sentenced)."""
    return ratio(unsentenced, total, 100.0)


def execution_rate(executed: Any, budget: Any) -> Any:
    """Budget execution rate (%), PER practice: ``executed ÷ budget × 100``.

    ``budget`` is the approved (original) or the modified (revised) budget; PEFA PI-1 uses
    the approved one.
    """
    return ratio(executed, budget, 100.0)


def modification_rate(modified: Any, approved: Any) -> Any:
    """Budget modification rate (%), PER practice: ``modified ÷ approved × 100``."""
    return ratio(modified, approved, 100.0)


def share(part: Any, total: Any) -> Any:
    """Share (%): ``part ÷ total × 100``."""
    return ratio(part, total, 100.0)


def growth_rate(current: Any, previous: Any) -> Any:
    """Growth (%): ``(current ÷ previous − 1) × 100``; NaN when ``previous`` is 0 or missing."""
    r = ratio(current, previous)
    with np.errstate(invalid="ignore"):
        return _finish((r - 1.0) * 100.0)


def unit_cost(spending: Any, units: Any) -> Any:
    """Unit cost, PER practice: ``spending ÷ units`` (cases resolved, officers, indictments...)."""
    return ratio(spending, units)


def cost_per_day(spending: Any, average_stock: Any, days: float = DAYS_PER_YEAR) -> Any:
    """Cost per person per day, PER practice: ``spending ÷ (days × average stock)``.

    Used for the cost per prisoner per day (``average_stock`` = average prison population).
    """
    return ratio(spending, _mul(average_stock, days))


def attrition_ratio(later_stage: Any, earlier_stage: Any) -> Any:
    """Attrition ratio between consecutive stages of the chain: ``later ÷ earlier``.

    E.g. persons prosecuted ÷ suspects (Eur J Crim Policy Res, doi 10.1007/s10610-017-9358-x).
    """
    return ratio(later_stage, earlier_stage)


def _add(a: Any, b: Any) -> Any:
    with np.errstate(invalid="ignore", over="ignore"):
        return _clean(a) + _clean(b)


def _mul(a: Any, b: Any) -> Any:
    with np.errstate(invalid="ignore", over="ignore"):
        return _clean(a) * _clean(b)
