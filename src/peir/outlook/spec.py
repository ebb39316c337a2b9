"""The ``outlook:`` block of ``peir.yaml``: a baseline projection (and scenarios) described as data.

.. code-block:: yaml

    outlook:
      base_year: 2018            # default: the latest year of executed spending that is a sound base
      horizon: 5
      inflation: history         # or 0.02, or {2019: 0.021, 2020: 0.02, ...}
      gdp_real_growth: history   # "history": the average of the last history_years in the context
      real_wage_growth: 0.01
      headcount_growth: {patrol: 0.02}
      new_capacity:
        - {link: corrections, start_year: 2021, units: 5000, recurrent_cost_per_unit: 1500,
           name: "new prison, 5,000 places", source: "DGCP investment plan 2019"}
      ceiling_pct_gdp: 3.0
      sources: {real_wage_growth: "Ley de Salarios 2019", ceiling_pct_gdp: "MTFF 2019-2023"}
      scenarios:
        - {name: "no new prison", new_capacity: []}

Every scenario starts from the block's own settings and replaces the keys it gives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from peir.outlook.base import sound_base_year
from peir.outlook.history import from_history
from peir.outlook.inputs import NewCapacity
from peir.outlook.project import Projection, project

if TYPE_CHECKING:  # pragma: no cover
    from peir.dataset import HarmonizedDataset

__all__ = ["NewCapacitySpec", "OutlookSpec"]

Rate = float | dict[int, float]


class NewCapacitySpec(BaseModel):
    """One new-capacity item (see :class:`peir.outlook.NewCapacity`)."""

    model_config = ConfigDict(extra="forbid")

    link: str
    start_year: int
    units: float = Field(ge=0)
    recurrent_cost_per_unit: float = Field(ge=0)
    name: str = ""
    source: str = ""

    def item(self) -> NewCapacity:
        return NewCapacity(**self.model_dump())


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_year: int | None = Field(default=None, ge=1950, le=2100)
    horizon: int = Field(default=5, ge=1, le=30)
    phase: str = "executed"
    inflation: Rate | Literal["history"] = "history"
    real_wage_growth: Rate = 0.0
    headcount_growth: float | dict[int, float] | dict[str, Rate] = 0.0
    gdp_real_growth: Rate | Literal["history"] | None = "history"
    history_years: int = Field(default=5, ge=1, le=30)
    capital: dict[str, dict[int, float]] | dict[int, float] | None = None
    new_capacity: list[NewCapacitySpec] = Field(default_factory=list)
    ceiling_pct_gdp: Rate | None = None
    sources: dict[str, str] = Field(default_factory=dict)
    allow_partial: bool = False


class ScenarioSpec(_Settings):
    """A scenario: a name and the settings it changes."""

    name: str


class OutlookSpec(_Settings):
    """The ``outlook:`` block (module docstring)."""

    scenarios: list[ScenarioSpec] = Field(default_factory=list)

    def run(
        self, h: HarmonizedDataset, *, country: str, as_of: int | None = None
    ) -> list[Projection]:
        """The baseline projection, then one per scenario (``as_of`` caps the base year)."""
        out = [_run(self, h, country=country, name="baseline", as_of=as_of)]
        for sc in self.scenarios:
            given = sc.model_dump(exclude_unset=True, exclude={"name"})
            merged = _Settings.model_validate({**self.model_dump(exclude={"scenarios"}), **given})
            out.append(_run(merged, h, country=country, name=sc.name, as_of=as_of))
        return out


def _run(
    s: _Settings, h: HarmonizedDataset, *, country: str, name: str, as_of: int | None
) -> Projection:
    base_year = s.base_year or sound_base_year(h, country=country, phase=s.phase, through=as_of)
    sources = dict(s.sources)
    kw: dict[str, Any] = {}
    if s.inflation == "history" or s.gdp_real_growth == "history":
        hist = from_history(h, country=country, through=base_year, years=s.history_years)
        for key in ("inflation", "gdp_real_growth"):
            if getattr(s, key) == "history":
                kw[key] = getattr(hist, key)
                sources.setdefault(key, hist.sources[key])
    for key in ("inflation", "gdp_real_growth"):
        kw.setdefault(key, getattr(s, key))
    return project(
        h,
        country=country,
        base_year=base_year,
        horizon=s.horizon,
        phase=s.phase,
        real_wage_growth=s.real_wage_growth,
        headcount_growth=s.headcount_growth,
        capital=s.capital,
        new_capacity=[it.item() for it in s.new_capacity],
        ceiling_pct_gdp=s.ceiling_pct_gdp,
        sources=sources,
        name=name,
        allow_partial=s.allow_partial,
        **kw,
    )
