"""peir — public expenditure and institutional reviews of the security and justice sector.

Ingest budget, caseload and context data, validate it, harmonise it along the five links of
the chain, compute comparable indicators and efficiency models, and produce a PEIR-style brief.

Subpackages (imported on first use): :mod:`peir.indicators`, :mod:`peir.econ`,
:mod:`peir.efficiency`, :mod:`peir.allocation`, :mod:`peir.outlook`, :mod:`peir.costs`,
:mod:`peir.report`, :mod:`peir.datasets`, :mod:`peir.spark`.

Every public name is imported on first use too (PEP 562): ``import peir`` loads only
:mod:`peir._version`, so ``import peir.efficiency`` does not load the pipeline. ``from peir
import Dataset``, ``peir.Dataset``, ``dir(peir)`` and ``__all__`` work as usual; the table
:data:`_EXPORTS` says which module each name comes from.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from peir._version import __version__

if TYPE_CHECKING:  # for type checkers only: the same names, imported eagerly
    from peir import (
        allocation,
        costs,
        datasets,
        econ,
        efficiency,
        indicators,
        outlook,
        report,
        spark,
    )
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
    from peir.pipeline.ingest import (
        read_budget,
        read_caseload,
        read_chain_map,
        read_context,
        read_personnel,
    )
    from peir.pipeline.inspect import Inspection, inspect
    from peir.pipeline.prices import FiscalYear
    from peir.readspec import ReadSpec
    from peir.tables import (
        BudgetTable,
        CaseloadTable,
        ChainMap,
        ContextTable,
        PersonnelTable,
        ValidationReport,
    )

#: Public name -> the module that defines it (imported when the name is first used).
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(("MEASURES", "Link", "Measure", "Phase"), "peir.chain"),
    **dict.fromkeys(
        ("Dataset", "HarmonizeOptions", "HarmonizedDataset", "read_harmonized"), "peir.dataset"
    ),
    **dict.fromkeys(("list_examples", "load_example"), "peir.datasets"),
    **dict.fromkeys(
        (
            "ChainMapError",
            "DataGapWarning",
            "InfeasibleError",
            "InputError",
            "MissingContextError",
            "PeirError",
            "PeirWarning",
            "ReadError",
            "SchemaValidationError",
            "SpecError",
            "UnallocatedWarning",
        ),
        "peir.errors",
    ),
    **dict.fromkeys(
        ("read_budget", "read_caseload", "read_chain_map", "read_context", "read_personnel"),
        "peir.pipeline.ingest",
    ),
    **dict.fromkeys(("Inspection", "inspect"), "peir.pipeline.inspect"),
    "FiscalYear": "peir.pipeline.prices",
    "ReadSpec": "peir.readspec",
    **dict.fromkeys(
        (
            "BudgetTable",
            "CaseloadTable",
            "ChainMap",
            "ContextTable",
            "PersonnelTable",
            "ValidationReport",
        ),
        "peir.tables",
    ),
}

_SUBPACKAGES = (
    "allocation",
    "costs",
    "datasets",
    "econ",
    "efficiency",
    "indicators",
    "outlook",
    "report",
    "spark",
)

# a literal list, so that type checkers see the re-exports; tests/test_package.py checks it against
# _EXPORTS
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
    "Inspection",
    "Link",
    "Measure",
    "MissingContextError",
    "PeirError",
    "PeirWarning",
    "PersonnelTable",
    "Phase",
    "ReadError",
    "ReadSpec",
    "SchemaValidationError",
    "SpecError",
    "UnallocatedWarning",
    "ValidationReport",
    "__version__",
    "allocation",
    "costs",
    "datasets",
    "econ",
    "efficiency",
    "indicators",
    "inspect",
    "list_examples",
    "load_example",
    "outlook",
    "read_budget",
    "read_caseload",
    "read_chain_map",
    "read_context",
    "read_harmonized",
    "read_personnel",
    "report",
    "spark",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use and keep the name (PEP 562)."""
    if name in _SUBPACKAGES:
        return importlib.import_module(f"peir.{name}")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'peir' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
