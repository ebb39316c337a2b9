"""Allocation along the security and justice chain (docs/methodology.md §7).

- :func:`funnel`: attrition of the chain for one country-year (missing stages stay missing);
- :class:`ChainModel`: links with budget, unit cost and demand ratio;
  :meth:`~ChainModel.bottleneck`, :meth:`~ChainModel.optimize` (throughput LP solved with
  HiGHS, or the convex programme with diminishing returns) returning an :class:`AllocationResult`;
- :func:`estimate_returns`: elasticity of output with respect to spending from a panel;
- :class:`Scenario` and :func:`compare_scenarios`: budget scenarios against the baseline;
- :class:`ResultsMatrix`: what each working group commits to, with baselines and progress.
"""

from __future__ import annotations

from peir.allocation.funnel import funnel
from peir.allocation.model import ChainModel, national_caseload
from peir.allocation.optimize import AllocationResult, solve_allocation
from peir.allocation.results_matrix import ResultsMatrix, ResultsRow
from peir.allocation.returns import ReturnsEstimate, estimate_returns
from peir.allocation.scenario import Scenario, ScenarioComparison, compare_scenarios

__all__ = [
    "AllocationResult",
    "ChainModel",
    "ResultsMatrix",
    "ResultsRow",
    "ReturnsEstimate",
    "Scenario",
    "ScenarioComparison",
    "compare_scenarios",
    "estimate_returns",
    "funnel",
    "national_caseload",
    "solve_allocation",
]
