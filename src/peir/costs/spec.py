"""The ``cost_of_crime:`` block of ``peir.yaml``: the inputs of :func:`peir.costs.cost_of_crime`.

.. code-block:: yaml

    cost_of_crime:
      year: 2015
      victims: victims_by_age_2015.csv     # columns age, count; or {age: count, ...}
      victims_source: "IML, Homicidios año 2015, table 1.3"
      earnings: gdp_per_capita             # or a number (a year's earnings, data currency)
      earnings_source: ""                  # required with a number
      employment_rate: 1.0
      private_security: {amount: 650000000, source: "El Diario de Hoy, 2013-05-22"}
      other: {"health care of victims": {amount: 1.0e7, source: "..."}}
      published: {year: 2014, pct_gdp: 6.16, source: "IDB (Jaitman ed. 2017)"}   # to compare

Paths are relative to the YAML file. ``earnings: gdp_per_capita`` takes GDP per inhabitant
from the context as a labelled proxy (output per inhabitant, not a measured wage).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from peir.costs.crime import CostOfCrime, cost_of_crime, gdp_per_capita
from peir.errors import ReadError

if TYPE_CHECKING:  # pragma: no cover
    from peir.dataset import HarmonizedDataset

__all__ = ["AmountSpec", "CostOfCrimeSpec", "PublishedSpec", "VictimSpec"]


class AmountSpec(BaseModel):
    """An amount and where it comes from."""

    model_config = ConfigDict(extra="forbid")

    amount: float = Field(ge=0)
    source: str = Field(min_length=1)


class VictimSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    age: int | None = Field(default=None, ge=0)
    count: float = Field(ge=0)


class PublishedSpec(BaseModel):
    """A published estimate to set the result against (e.g. the IDB's for the same country)."""

    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=1950, le=2100)
    pct_gdp: float = Field(ge=0)
    source: str = Field(min_length=1)


class CostOfCrimeSpec(BaseModel):
    """The ``cost_of_crime:`` block (module docstring)."""

    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=1950, le=2100)
    victims: str | list[VictimSpec] | dict[int, float]
    victims_source: str = Field(min_length=1)
    earnings: float | Literal["gdp_per_capita"]
    earnings_source: str = ""
    employment_rate: float = Field(default=1.0, ge=0, le=1)
    employment_rate_source: str = ""
    earnings_growth: float = 0.0
    discount_rate: float = 0.03
    retirement_age: int = Field(default=65, ge=1, le=100)
    prisoners: float | None = Field(default=None, ge=0)
    prisoners_source: str = ""
    private_security: AmountSpec | None = None
    other: dict[str, AmountSpec] = Field(default_factory=dict)
    allow_partial: bool = False
    published: PublishedSpec | None = None

    @model_validator(mode="after")
    def _sources_of_numbers(self) -> CostOfCrimeSpec:
        if not isinstance(self.earnings, str) and not self.earnings_source:
            raise ValueError("earnings is a number: give earnings_source")
        if self.prisoners is not None and not self.prisoners_source:
            raise ValueError("prisoners is given: give prisoners_source")
        return self

    def victims_frame(self, base_dir: str | Path = ".") -> pd.DataFrame:
        """Victims by age (``age, count``), from the list or the CSV file.

        A relative CSV path is read from ``base_dir``.
        """
        if isinstance(self.victims, dict):
            return pd.DataFrame({"age": list(self.victims), "count": list(self.victims.values())})
        if isinstance(self.victims, list):
            return pd.DataFrame([v.model_dump() for v in self.victims], columns=["age", "count"])
        path = Path(self.victims).expanduser()
        path = path if path.is_absolute() else Path(base_dir) / path
        if not path.is_file():
            raise ReadError(f"cost_of_crime.victims: file not found: {path}")
        frame = pd.read_csv(path)
        missing = [c for c in ("age", "count") if c not in frame.columns]
        if missing:
            raise ReadError(f"{path}: missing column(s) {', '.join(missing)}; expected age, count")
        return frame[["age", "count"]]

    def run(self, h: HarmonizedDataset, *, country: str, base_dir: str | Path = ".") -> CostOfCrime:
        """Compute the cost of crime of ``country`` with these inputs."""
        sources = {"victims": self.victims_source}
        if self.earnings == "gdp_per_capita":
            earnings, sources["earnings"] = gdp_per_capita(h, country=country, year=self.year)
        else:
            earnings, sources["earnings"] = float(self.earnings), self.earnings_source
        if self.employment_rate_source:
            sources["employment_rate"] = self.employment_rate_source
        if self.prisoners_source:
            sources["prisoners"] = self.prisoners_source
        ps = self.private_security
        return cost_of_crime(
            h,
            country=country,
            year=self.year,
            victims=self.victims_frame(base_dir),
            earnings=earnings,
            employment_rate=self.employment_rate,
            earnings_growth=self.earnings_growth,
            discount_rate=self.discount_rate,
            retirement_age=self.retirement_age,
            prisoners=self.prisoners,
            private_security=None if ps is None else (ps.amount, ps.source),
            other={k: (v.amount, v.source) for k, v in self.other.items()} or None,
            sources=sources,
            allow_partial=self.allow_partial,
        )
