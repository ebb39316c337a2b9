"""peir — public expenditure and institutional reviews of the security and justice sector.

Ingest budget, caseload and context data, validate it, harmonise it along the five links of
the chain, compute comparable indicators and efficiency models, and produce a PEIR-style brief.

Subpackages (imported on first use): :mod:`peir.indicators`, :mod:`peir.efficiency`,
:mod:`peir.allocation`, :mod:`peir.report`, :mod:`peir.datasets`, :mod:`peir.spark`.
"""

from __future__ import annotations

import importlib
from typing import Any

from peir._version import __version__
from peir.chain import MEASURES, Link, Measure, Phase
from peir.dataset import Dataset, HarmonizedDataset, HarmonizeOptions, read_harmonized
from peir.datasets import list_examples, load_example
from peir.errors import (
    ChainMapError,
    DataGapWarning,
    InfeasibleError,
    InputError,
    MissingContextError,
    PeirError,
    PeirWarning,
    ReadError,
    SchemaValidationError,
    SpecError,
    UnallocatedWarning,
)
from peir.pipeline.ingest import read_budget, read_caseload, read_chain_map, read_context
from peir.pipeline.prices import FiscalYear
from peir.readspec import ReadSpec
from peir.tables import BudgetTable, CaseloadTable, ChainMap, ContextTable, ValidationReport

__all__ = [
    "MEASURES",
    "BudgetTable",
    "CaseloadTable",
    "ChainMap",
    "ChainMapError",
    "ContextTable",
    "DataGapWarning",
    "Dataset",
    "FiscalYear",
    "HarmonizeOptions",
    "HarmonizedDataset",
    "InfeasibleError",
    "InputError",
    "Link",
    "Measure",
    "MissingContextError",
    "PeirError",
    "PeirWarning",
    "Phase",
    "ReadError",
    "ReadSpec",
    "SchemaValidationError",
    "SpecError",
    "UnallocatedWarning",
    "ValidationReport",
    "__version__",
    "allocation",
    "datasets",
    "efficiency",
    "indicators",
    "list_examples",
    "load_example",
    "read_budget",
    "read_caseload",
    "read_chain_map",
    "read_context",
    "read_harmonized",
    "report",
    "spark",
]

_SUBPACKAGES = {"allocation", "datasets", "efficiency", "indicators", "report", "spark"}


def __getattr__(name: str) -> Any:
    """Import subpackages lazily (``peir.efficiency`` works after ``import peir``)."""
    if name in _SUBPACKAGES:
        return importlib.import_module(f"peir.{name}")
    raise AttributeError(f"module 'peir' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
