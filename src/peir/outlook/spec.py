"""The ``outlook:`` block of ``peir.yaml``: a baseline projection (and scenarios) described as data.

.. code-block:: yaml

    outlook:
      base_year: 2018      # default: the latest year of executed spending that is a sound base
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
      needs: {target_disposition_days: 365, years: 3}   # caseload-driven needs (NeedsSpec)

Every scenario starts from the block's own settings and replaces the keys it gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from peir.outlook.base import sound_base_year
from peir.outlook.history import History, from_history
from peir.outlook.inputs import NewCapacity
from peir.outlook.project import Projection, project

if TYPE_CHECKING:  # pragma: no cover
    from peir.dataset import HarmonizedDataset

__all__ = ["NeedsSpec", "NewCapacitySpec", "OutlookSpec", "Planned", "ScenarioSpec"]

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


class NeedsSpec(BaseModel):
    """Targets and unit costs for the needs implied by the caseload (``outlook: needs:``).

    Without ``target_disposition_days`` the courts' need is the staff that keeps pace with
    incoming cases at today's backlog; without costs, the cost is taken at the link's current
    spending per judge (per prisoner), labelled as such.
    """

    model_config = ConfigDict(extra="forbid")

    target_disposition_days: float | None = Field(default=None, gt=0)
    years: float = Field(default=3, gt=0)
    cost_per_judge: float | None = Field(default=None, ge=0)
    average_stay_days: float | None = Field(default=None, gt=0)
    cost_per_place: float | None = Field(default=None, ge=0)
    sources: dict[str, str] = Field(default_factory=dict)


@dataclass(frozen=True)
class Planned:
    """One projection to run: its name, the arguments of :func:`project` and, when rates come
    from the past, the :class:`~peir.outlook.history.History` they come from."""

    name: str
    kwargs: dict[str, Any]
    history: History | None
    settings: _Settings


class OutlookSpec(_Settings):
    """The ``outlook:`` block (module docstring)."""

    scenarios: list[ScenarioSpec] = Field(default_factory=list)
    needs: NeedsSpec = Field(default_factory=NeedsSpec)

    def plan(
        self, h: HarmonizedDataset, *, country: str, as_of: int | None = None
    ) -> list[Planned]:
        """The baseline, then each scenario, as arguments of :func:`project` (``as_of`` caps
        the base year)."""
        out = [_plan(self, h, country=country, name="baseline", as_of=as_of)]
        own = self.model_dump(exclude={"scenarios", "needs"})
        for sc in self.scenarios:
            given = sc.model_dump(exclude_unset=True, exclude={"name"})
            merged = _Settings.model_validate({**own, **given})
            out.append(_plan(merged, h, country=country, name=sc.name, as_of=as_of))
        return out

    def run(
        self, h: HarmonizedDataset, *, country: str, as_of: int | None = None
    ) -> list[Projection]:
        """The baseline projection, then one per scenario."""
        return [project(h, **p.kwargs) for p in self.plan(h, country=country, as_of=as_of)]


def _plan(
    s: _Settings, h: HarmonizedDataset, *, country: str, name: str, as_of: int | None
) -> Planned:
    base_year = s.base_year or sound_base_year(h, country=country, phase=s.phase, through=as_of)
    sources = dict(s.sources)
    rates: dict[str, Any] = {"inflation": s.inflation, "gdp_real_growth": s.gdp_real_growth}
    hist = None
    if "history" in rates.values():
        hist = from_history(h, country=country, through=base_year, years=s.history_years)
        for key, v in rates.items():
            if v == "history":
                rates[key] = getattr(hist, key)
                sources.setdefault(key, hist.sources[key])
    kwargs: dict[str, Any] = {
        "country": country,
        "base_year": base_year,
        "horizon": s.horizon,
        "phase": s.phase,
        "real_wage_growth": s.real_wage_growth,
        "headcount_growth": s.headcount_growth,
        "capital": s.capital,
        "new_capacity": [it.item() for it in s.new_capacity],
        "ceiling_pct_gdp": s.ceiling_pct_gdp,
        "sources": sources,
        "name": name,
        "allow_partial": s.allow_partial,
        **rates,
    }
    return Planned(name=name, kwargs=kwargs, history=hist, settings=s)
