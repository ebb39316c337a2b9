"""Efficiency models: DEA family, super-efficiency, Malmquist, Simar–Wilson bootstrap, SFA.

DEA (:func:`dea`) is solved with HiGHS in envelopment form; reference frontiers can be saved
(:meth:`DEAResult.frontier`, :func:`load_frontier`) and applied to later years (:func:`track`).
"""

from __future__ import annotations

from peir.efficiency.card import ModelCard
from peir.efficiency.dea import dea
from peir.efficiency.frontier import Frontier, load_frontier
from peir.efficiency.results import DEAResult

__all__ = [
    "DEAResult",
    "Frontier",
    "ModelCard",
    "dea",
    "load_frontier",
]
