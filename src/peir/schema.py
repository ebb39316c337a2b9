"""Canonical table schemas, read from the Table Schema JSON files in ``peir/data/schemas``.

These JSON files are the single source of the canonical columns: validation, docs and the
typed containers all read them through this module. Column names are available as
constants on :class:`C` (checked against the JSON at import, so they cannot drift).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

__all__ = ["SCHEMA_NAMES", "C", "FieldSpec", "TableSchema", "load_schema"]

TableName = Literal["budget", "caseload", "context", "chain_map", "personnel"]
SCHEMA_NAMES: tuple[TableName, ...] = ("budget", "caseload", "context", "chain_map", "personnel")


@dataclass(frozen=True)
class FieldSpec:
    """One field of a Table Schema."""

    name: str
    type: str
    description: str = ""
    required: bool = False
    enum: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    pattern: str | None = None
    column_type: str | None = None


@dataclass(frozen=True)
class TableSchema:
    """A Table Schema: its id, fields and missing-value markers."""

    name: str
    id: str
    title: str
    fields: tuple[FieldSpec, ...]
    missing_values: tuple[str, ...]
    primary_key: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def names(self) -> list[str]:
        """All field names, in schema order."""
        return [f.name for f in self.fields]

    @property
    def required(self) -> list[str]:
        """Names of required fields."""
        return [f.name for f in self.fields if f.required]

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} schema has no field {name!r}")

    def numeric(self) -> list[str]:
        """Names of number/integer fields."""
        return [f.name for f in self.fields if f.type in ("number", "integer")]


def _parse(raw: dict[str, Any]) -> TableSchema:
    fields = []
    for f in raw["fields"]:
        c = f.get("constraints", {})
        fields.append(
            FieldSpec(
                name=f["name"],
                type=f["type"],
                description=f.get("description", ""),
                required=bool(c.get("required", False)),
                enum=tuple(c["enum"]) if "enum" in c else None,
                minimum=c.get("minimum"),
                maximum=c.get("maximum"),
                exclusive_minimum=c.get("exclusiveMinimum"),
                pattern=c.get("pattern"),
                column_type=f.get("columnType"),
            )
        )
    return TableSchema(
        name=raw["name"],
        id=raw["id"],
        title=raw.get("title", raw["name"]),
        fields=tuple(fields),
        missing_values=tuple(raw.get("missingValues", [""])),
        primary_key=tuple(raw.get("primaryKey", [])),
        raw=raw,
    )


@cache
def load_schema(name: str) -> TableSchema:
    """Load the canonical schema ``name`` (budget, caseload, context or chain_map)."""
    if name not in SCHEMA_NAMES:
        raise KeyError(f"unknown table schema {name!r}; expected one of {', '.join(SCHEMA_NAMES)}")
    text = resources.files("peir").joinpath("data", "schemas", f"{name}.json").read_text("utf-8")
    return _parse(json.loads(text))


class C:
    """Canonical column names, one constant per field of the schemas (plus derived columns).

    Use ``C.AMOUNT`` rather than the literal ``"amount"`` across the code base.
    """

    # shared
    COUNTRY = "country"
    YEAR = "year"
    SOURCE_REF = "source_ref"
    REGION = "region"
    INSTITUTION_CODE = "institution_code"
    CURRENCY = "currency"
    LINK = "link"
    # budget
    INSTITUTION = "institution"
    PROGRAM = "program"
    ECON = "econ"
    FUNC = "func"
    FUNDING_SOURCE = "funding_source"
    TRANSFER_TO = "transfer_to"
    PHASE = "phase"
    AMOUNT = "amount"
    # caseload
    MEASURE = "measure"
    VALUE = "value"
    UNIT = "unit"
    KIND = "kind"
    SOURCE = "source"
    COUNTING_RULE = "counting_rule"
    # context
    POPULATION = "population"
    POPULATION_SOURCE = "population_source"
    GDP_LCU = "gdp_lcu"
    GDP_DEFLATOR = "gdp_deflator"
    CPI = "cpi"
    FX_LCU_PER_USD = "fx_lcu_per_usd"
    PPP_LCU_PER_INTL = "ppp_lcu_per_intl"
    GOV_EXPENDITURE_LCU = "gov_expenditure_lcu"
    GOV_EXPENDITURE_SCOPE = "gov_expenditure_scope"
    REVENUE_CURRENT = "revenue_current"
    # personnel
    CATEGORY = "category"
    HEADCOUNT = "headcount"
    WAGE_BILL = "wage_bill"
    # chain map
    PROGRAM_PATTERN = "program"
    YEAR_FROM = "year_from"
    YEAR_TO = "year_to"
    SHARE = "share"
    BASIS = "basis"
    # derived (harmonised spending)
    AMOUNT_LCU = "amount_lcu"
    AMOUNT_REAL = "amount_real"
    ECON_GFS = "econ_gfs"
    HEADLINE = "headline"
    SYNTHETIC = "synthetic"


def _check_constants() -> None:
    names = {v for k, v in vars(C).items() if k.isupper()}
    declared = {n for s in SCHEMA_NAMES for n in load_schema(s).names}
    missing = declared - names
    if missing:  # pragma: no cover - guards against drift between JSON and code
        raise RuntimeError(f"schema fields without a constant in peir.schema.C: {sorted(missing)}")


_check_constants()
