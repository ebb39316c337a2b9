"""Staff and places that a caseload needs, and what they cost.

These are the links from caseload to budget that Webber's *Good Budgeting, Better Justice:
Modern Budget Practices for the Judicial Sector* (World Bank, Law and Development Working
Paper Series No. 3) recommends for justice-sector budgeting: expenditure demands derived from
the caseload rather than from last year's budget.

Courts and prosecutors
    With incoming cases ``I`` a year, a pending stock ``P`` and a target disposition time
    ``D`` days, the pending stock compatible with the target is ``D / 365 × I`` (CEPEJ's
    disposition time is ``365 × pending ÷ resolved``; at a steady state resolutions equal
    incoming cases). Clearing the excess over ``years`` years needs

        ``R = I + (P − D / 365 × I) / years``

    resolutions a year; the staff needed are ``R / resolved_per_head`` and their cost
    ``staff × cost_per_head``. ``P`` below the target stock gives ``R < I`` (the stock may
    rise towards the target).

Prison places
    By Little's law the average population equals admissions a year times the average stay in
    years: ``places = admissions × average_stay_days / 365``; with a capacity the shortfall is
    ``places − capacity`` (negative: spare places) and the cost ``places × cost_per_place``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from peir._results import Result, Summary
from peir.errors import InputError

__all__ = ["Need", "judges_needed", "prison_places_needed", "prosecutors_needed"]

WEBBER = (
    "Webber, D., Good Budgeting, Better Justice: Modern Budget Practices for the Judicial "
    "Sector, World Bank Law and Development Working Paper Series No. 3"
)


@dataclass(frozen=True, repr=False, eq=False)
class Need(Result):
    """Staff (or places) needed for a caseload, and their cost.

    Unpacks as ``count, cost``: ``judges, cost = judges_needed(...)``. Values are floats, or
    arrays/Series when the inputs are.

    Attributes
    ----------
    count
        Judges, prosecutors or prison places needed.
    cost
        ``count × cost per unit`` (NaN without a cost per unit).
    workload
        Resolutions needed a year (courts, prosecutors) or the average population (prisons).
    unit
        ``"judges"``, ``"prosecutors"`` or ``"prison places"``.
    formula
        The formula applied, in words.
    inputs
        The inputs used, by name.
    shortfall
        Places needed minus capacity (prisons with a capacity given), else ``None``.
    """

    count: Any
    cost: Any
    workload: Any
    unit: str
    formula: str
    inputs: dict[str, Any]
    shortfall: Any = None

    def __iter__(self) -> Any:
        return iter((self.count, self.cost))

    def to_frame(self) -> pd.DataFrame:
        """One row per case (one row for scalars): inputs, workload, count, cost, shortfall."""
        cols: dict[str, Any] = {
            **self.inputs,
            "workload": self.workload,
            self.unit: self.count,
            "cost": self.cost,
        }
        if self.shortfall is not None:
            cols["shortfall"] = self.shortfall
        if all(np.ndim(v) == 0 for v in cols.values()):
            return pd.DataFrame([cols])
        return pd.DataFrame(cols)

    def summary(self) -> Summary:
        return Summary(
            f"{self.unit.capitalize()} needed",
            [("Formula", self.formula), ("Reference", WEBBER)],
            self.to_frame(),
            float_format=",.1f",
        )


def _arr(name: str, v: Any, *, positive: bool = False) -> Any:
    a = v.astype(float) if isinstance(v, pd.Series) else np.asarray(v, dtype=float)
    vals = np.asarray(a, dtype=float)
    if not np.isfinite(vals).all():
        raise InputError(f"{name} must be finite numbers, got {v!r}")
    if (vals < 0).any() or (positive and (vals <= 0).any()):
        raise InputError(f"{name} must be {'> 0' if positive else '>= 0'}, got {v!r}")
    return a if isinstance(a, pd.Series) or a.ndim else float(a)


def _cost(count: Any, per: Any, name: str) -> Any:
    if per is None:
        return count * np.nan
    return count * _arr(name, per)


def _staff_needed(
    unit: str,
    incoming: Any,
    pending: Any,
    resolved_per_head: Any,
    target_disposition_days: Any,
    years: float,
    cost_per_head: Any,
    head: str,
) -> Need:
    i = _arr("incoming", incoming)
    p = _arr("pending", pending)
    per = _arr(f"resolved_per_{head}", resolved_per_head, positive=True)
    d = _arr("target_disposition_days", target_disposition_days)
    yrs = float(years)
    if not np.isfinite(yrs) or yrs <= 0:
        raise InputError(f"years must be > 0 (the time allowed to reach the target), got {years!r}")
    r = i + (p - d / 365.0 * i) / yrs
    if (np.asarray(r, dtype=float) < 0).any():
        raise InputError(
            "the resolutions needed are negative: the target pending stock "
            "(target_disposition_days ÷ 365 × incoming) exceeds incoming × years + pending; "
            "check the target"
        )
    count = r / per
    return Need(
        count=count,
        cost=_cost(count, cost_per_head, f"cost_per_{head}"),
        workload=r,
        unit=unit,
        formula=(
            f"R = incoming + (pending − target_days ÷ 365 × incoming) ÷ years; "
            f"{unit} = R ÷ resolved_per_{head}; cost = {unit} × cost_per_{head}"
        ),
        inputs={
            "incoming": i,
            "pending": p,
            f"resolved_per_{head}": per,
            "target_disposition_days": d,
            "years": yrs,
        },
    )


def judges_needed(
    incoming: Any,
    pending: Any,
    resolved_per_judge: Any,
    *,
    target_disposition_days: Any,
    years: float = 3,
    cost_per_judge: Any = None,
) -> Need:
    """Judges needed to reach a target disposition time within ``years`` (module docstring).

    Parameters
    ----------
    incoming
        Cases coming in a year.
    pending
        Cases pending (at the start of the planning period).
    resolved_per_judge
        Cases one judge resolves a year.
    target_disposition_days
        CEPEJ disposition time to reach (days).
    years
        Years allowed to clear the excess backlog.
    cost_per_judge
        Annual cost of one judge (with support staff, if that is what the budget needs).

    Examples
    --------
    >>> judges, cost = judges_needed(12_000, 9_000, 400, target_disposition_days=180,
    ...                              cost_per_judge=60_000)
    >>> round(judges, 2), round(cost)
    (32.57, 1954110)
    """
    return _staff_needed(
        "judges",
        incoming,
        pending,
        resolved_per_judge,
        target_disposition_days,
        years,
        cost_per_judge,
        "judge",
    )


def prosecutors_needed(
    incoming: Any,
    pending: Any,
    resolved_per_prosecutor: Any,
    *,
    target_disposition_days: Any,
    years: float = 3,
    cost_per_prosecutor: Any = None,
) -> Need:
    """Prosecutors needed for the cases the prosecution service receives (same formula as
    :func:`judges_needed`, with cases received and cases a prosecutor closes a year)."""
    return _staff_needed(
        "prosecutors",
        incoming,
        pending,
        resolved_per_prosecutor,
        target_disposition_days,
        years,
        cost_per_prosecutor,
        "prosecutor",
    )


def prison_places_needed(
    admissions: Any,
    average_stay_days: Any,
    *,
    capacity: Any = None,
    cost_per_place: Any = None,
) -> Need:
    """Prison places for ``admissions`` a year staying ``average_stay_days`` on average.

    ``places = admissions × average_stay_days ÷ 365`` (Little's law); ``shortfall = places −
    capacity`` when a capacity is given; ``cost = places × cost_per_place``.
    """
    a = _arr("admissions", admissions)
    stay = _arr("average_stay_days", average_stay_days)
    places = a * stay / 365.0
    inputs: dict[str, Any] = {"admissions": a, "average_stay_days": stay}
    shortfall = None
    if capacity is not None:
        cap = _arr("capacity", capacity)
        inputs["capacity"] = cap
        shortfall = places - cap
    return Need(
        count=places,
        cost=_cost(places, cost_per_place, "cost_per_place"),
        workload=places,
        unit="prison places",
        formula="places = admissions × average_stay_days ÷ 365; shortfall = places − capacity; "
        "cost = places × cost_per_place",
        inputs=inputs,
        shortfall=shortfall,
    )
