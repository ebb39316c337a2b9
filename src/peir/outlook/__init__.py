"""Looking forward: medium-term projections, the fiscal envelope and needs from caseload.

- :func:`project` projects each link's spending by GFS economic class from a base year
  (prices, real wages, headcount, capital plans, new capacity) and sets it against GDP and an
  optional ceiling; :func:`compare` sets scenarios side by side;
- :func:`judges_needed`, :func:`prosecutors_needed` and :func:`prison_places_needed` turn a
  caseload into the staff or places it needs and their cost;
- :func:`from_history` gives average past inflation and real GDP growth, labelled as such,
  for a baseline without a forecast at hand;
- :func:`base_spending` is the checked base both use (refusing partial coverage).
"""

from __future__ import annotations

from peir.outlook.base import Base, base_spending, gdp_of, gfs_class, sound_base_year
from peir.outlook.history import History, from_history
from peir.outlook.inputs import NewCapacity
from peir.outlook.needs import Need, judges_needed, prison_places_needed, prosecutors_needed
from peir.outlook.project import Projection, ProjectionComparison, compare, project
from peir.outlook.spec import NewCapacitySpec, OutlookSpec

__all__ = [
    "Base",
    "History",
    "Need",
    "NewCapacity",
    "NewCapacitySpec",
    "OutlookSpec",
    "Projection",
    "ProjectionComparison",
    "base_spending",
    "compare",
    "from_history",
    "gdp_of",
    "gfs_class",
    "judges_needed",
    "prison_places_needed",
    "project",
    "prosecutors_needed",
    "sound_base_year",
]
