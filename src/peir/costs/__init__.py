"""The cost of crime: public spending, lost income of victims and prisoners, private security.

:func:`cost_of_crime` follows the IDB's accounting method (Jaitman ed. 2015, 2017) on
harmonised data and returns a :class:`CostOfCrime` with each component, its share of GDP and
its source.
"""

from __future__ import annotations

from peir.costs.crime import (
    COMPONENTS,
    CostOfCrime,
    cost_of_crime,
    gdp_per_capita,
    lost_income_factor,
    victims_lost_income,
)
from peir.costs.spec import AmountSpec, CostOfCrimeSpec

__all__ = [
    "COMPONENTS",
    "AmountSpec",
    "CostOfCrime",
    "CostOfCrimeSpec",
    "cost_of_crime",
    "gdp_per_capita",
    "lost_income_factor",
    "victims_lost_income",
]
