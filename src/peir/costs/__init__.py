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
    lost_income_factor,
    victims_lost_income,
)

__all__ = [
    "COMPONENTS",
    "CostOfCrime",
    "cost_of_crime",
    "lost_income_factor",
    "victims_lost_income",
]
