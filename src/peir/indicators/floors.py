"""Legal spending floors: allocations a constitution or a law sets as a minimum share.

A :class:`LegalFloor` (declared under ``rules:`` in ``peir.yaml``) says that an institution's
allocation in a phase must be at least ``min_share`` % of a context series of the same
country-year. :func:`check_floors` reports, by year::

    share = Σ amount[institution, phase] ÷ context[of] × 100        compliant = share ≥ min_share

with the shortfall in currency (``min_share`` % of the base − the allocation) where it is not
met, and a note (never a silent pass) where the base or the allocation is missing.

The shipped example is El Salvador's: *"El Órgano Judicial dispondrá anualmente de una
asignación no inferior al seis por ciento de los ingresos corrientes del presupuesto del
Estado"* (Constitución de la República de El Salvador, 1983, art. 172, fourth paragraph; the
Asamblea Legislativa removed the floor by a constitutional reform of art. 172 ratified in
December 2025, so the rule runs to the 2025 budget): :data:`SLV_JUDICIARY_FLOOR`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from peir.indicators import formulas as F
from peir.schema import C

__all__ = [
    "FLOOR_COLUMNS",
    "SHIPPED_FLOORS",
    "SLV_JUDICIARY_FLOOR",
    "LegalFloor",
    "check_floors",
    "floors_for",
]

#: Columns of :func:`check_floors`.
FLOOR_COLUMNS: tuple[str, ...] = (
    "rule",
    C.COUNTRY,
    C.YEAR,
    C.PHASE,
    "amount",
    "base",
    "share",
    "min_share",
    "compliant",
    "shortfall",
    "basis",
    "note",
)


class LegalFloor(BaseModel):
    """A minimum allocation: ``institution_code`` gets at least ``min_share`` % of ``of``.

    Parameters
    ----------
    id
        A short name (``slv_judiciary_6pct``).
    country
        ISO3 code the rule applies to.
    institution_code
        The institution (or institutions, summed) whose allocation is checked.
    min_share
        The floor, in percent of the base.
    of
        The context column of the base (``revenue_current`` for El Salvador's judiciary).
    phase
        The phase the law speaks of: the budget as voted (``approved``) by default.
    year_from, year_to
        The years the rule was in force (inclusive; ``None``: open).
    basis
        The legal text and its citation.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    country: str
    institution_code: str | list[str]
    min_share: float = Field(gt=0, le=100)
    of: str = "revenue_current"
    phase: Literal["proposed", "approved", "modified", "committed", "executed", "paid"] = "approved"
    year_from: int | None = None
    year_to: int | None = None
    basis: str = ""

    @field_validator("country")
    @classmethod
    def _upper(cls, v: str) -> str:
        return v.strip().upper()

    @property
    def institutions(self) -> list[str]:
        codes = self.institution_code
        return [codes] if isinstance(codes, str) else list(codes)

    def in_force(self, year: int) -> bool:
        return (self.year_from is None or year >= self.year_from) and (
            self.year_to is None or year <= self.year_to
        )


#: El Salvador, Constitución de la República (1983), art. 172: the Órgano Judicial (1600) gets
#: at least 6 % of the current revenue of the State budget, until the 2025 reform.
SLV_JUDICIARY_FLOOR = LegalFloor(
    id="slv_judiciary_6pct",
    country="SLV",
    institution_code="1600",
    min_share=6.0,
    of=C.REVENUE_CURRENT,
    phase="approved",
    year_to=2025,
    basis=(
        "Constitución de la República de El Salvador (1983), art. 172, inciso 4: 'El Órgano "
        "Judicial dispondrá anualmente de una asignación no inferior al seis por ciento de los "
        "ingresos corrientes del presupuesto del Estado' (suprimido por la reforma del art. 172 "
        "ratificada por la Asamblea Legislativa en diciembre de 2025)"
    ),
)


#: The floors peir ships, by country: a brief applies them when ``peir.yaml`` declares none.
SHIPPED_FLOORS: dict[str, tuple[LegalFloor, ...]] = {"SLV": (SLV_JUDICIARY_FLOOR,)}


def floors_for(
    country: str, declared: list[LegalFloor] | tuple[LegalFloor, ...] | None = None
) -> list[LegalFloor]:
    """The rules for ``country``: the declared ones (``rules:`` of ``peir.yaml``) that apply to
    it, else the shipped ones (:data:`SHIPPED_FLOORS`)."""
    mine = [r for r in (declared or ()) if r.country == country.upper()]
    return mine if mine else list(SHIPPED_FLOORS.get(country.upper(), ()))


def check_floors(
    spending: pd.DataFrame, context: pd.DataFrame, rules: list[LegalFloor] | tuple[LegalFloor, ...]
) -> pd.DataFrame:
    """Compliance with each rule by year (see the module docstring).

    Parameters
    ----------
    spending
        Harmonised spending (``HarmonizedDataset.spending``): ``amount_lcu`` is summed, so the
        base and the allocation are both in local currency.
    context
        The context table (national rows), with the rule's ``of`` column.
    rules
        The :class:`LegalFloor` rules.

    Returns
    -------
    DataFrame
        :data:`FLOOR_COLUMNS`, one row per rule and year the rule is in force and the spending
        has the institution in that phase or the context has the base.
    """
    rows: list[dict[str, object]] = []
    ctx = context
    if C.REGION in ctx.columns:
        ctx = ctx[ctx[C.REGION].isna() | (ctx[C.REGION].astype(str) == "")]
    for rule in rules:
        s = spending[
            (spending[C.COUNTRY].astype(str) == rule.country)
            & spending[C.INSTITUTION_CODE].astype(str).isin(rule.institutions)
            & (spending[C.PHASE].astype(str) == rule.phase)
        ]
        amount = s.groupby(s[C.YEAR].astype(int))[C.AMOUNT_LCU].sum(min_count=1)
        c = ctx[ctx[C.COUNTRY].astype(str) == rule.country]
        base = (
            pd.to_numeric(c[rule.of], errors="coerce").groupby(c[C.YEAR].astype(int)).first()
            if rule.of in c.columns
            else pd.Series(dtype="float64")
        )
        years = sorted(
            {int(y) for y in (*amount.index, *base.dropna().index) if rule.in_force(int(y))}
        )
        for y in years:
            a = float(amount.get(y, np.nan))
            b = float(base.get(y, np.nan))
            share = float(F.share(a, b))
            note = ""
            if np.isnan(a):
                note = f"no {rule.phase} spending of {', '.join(rule.institutions)} in {y}"
            elif np.isnan(b):
                note = f"missing {rule.of} for {rule.country} {y} (context)"
            compliant: object = pd.NA if np.isnan(share) else bool(share >= rule.min_share - 1e-9)
            shortfall = (
                b * rule.min_share / 100 - a
                if compliant is False
                else (0.0 if compliant is True else np.nan)
            )
            rows.append(
                {
                    "rule": rule.id,
                    C.COUNTRY: rule.country,
                    C.YEAR: y,
                    C.PHASE: rule.phase,
                    "amount": a,
                    "base": b,
                    "share": share,
                    "min_share": rule.min_share,
                    "compliant": compliant,
                    "shortfall": shortfall,
                    "basis": rule.basis,
                    "note": note,
                }
            )
    out = pd.DataFrame(rows, columns=list(FLOOR_COLUMNS))
    out["compliant"] = out["compliant"].astype("boolean")
    return out
