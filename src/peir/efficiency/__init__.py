"""Efficiency models: DEA family, super-efficiency, Malmquist, Simar–Wilson bootstrap, SFA.

DEA (:func:`dea`) is solved with HiGHS in envelopment form; reference frontiers can be saved
(:meth:`DEAResult.frontier`, :func:`load_frontier`) and applied to later years (:func:`track`).
"""

from __future__ import annotations

from peir.efficiency.allocative import (
    CostEfficiencyResult,
    RevenueEfficiencyResult,
    cost_efficiency,
    revenue_efficiency,
)
from peir.efficiency.bootstrap import BootstrapResult, bootstrap_dea
from peir.efficiency.bootstrap_malmquist import MalmquistBootstrapResult, bootstrap_malmquist
from peir.efficiency.card import ModelCard
from peir.efficiency.dea import dea
from peir.efficiency.directional import DirectionalResult, directional
from peir.efficiency.frontier import Frontier, load_frontier
from peir.efficiency.malmquist import MalmquistResult, malmquist
from peir.efficiency.multiplier import MultiplierResult, dea_multiplier
from peir.efficiency.results import DEAResult
from peir.efficiency.second_stage import SecondStageResult, second_stage
from peir.efficiency.sfa import SFAResult, load_sfa, sfa
from peir.efficiency.sfa_panel import SFAPanelResult, sfa_panel
from peir.efficiency.superefficiency import SuperEfficiencyResult, super_efficiency
from peir.efficiency.track import TrackResult, track

__all__ = [
    "BootstrapResult",
    "CostEfficiencyResult",
    "DEAResult",
    "DirectionalResult",
    "Frontier",
    "MalmquistBootstrapResult",
    "MalmquistResult",
    "ModelCard",
    "MultiplierResult",
    "RevenueEfficiencyResult",
    "SFAPanelResult",
    "SFAResult",
    "SecondStageResult",
    "SuperEfficiencyResult",
    "TrackResult",
    "bootstrap_dea",
    "bootstrap_malmquist",
    "cost_efficiency",
    "dea",
    "dea_multiplier",
    "directional",
    "load_frontier",
    "load_sfa",
    "malmquist",
    "revenue_efficiency",
    "second_stage",
    "sfa",
    "sfa_panel",
    "super_efficiency",
    "track",
]
