"""Exceptions and warnings raised by peir on purpose.

Every exception the library raises deliberately derives from :class:`PeirError`, so that
``except peir.PeirError`` catches all data and usage problems and nothing else. Warnings form
a small tree under :class:`PeirWarning` so that users can filter them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from peir.tables import ValidationReport

__all__ = [
    "ChainMapError",
    "ConvergenceWarning",
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
]


class PeirError(Exception):
    """Base of every exception the library raises on purpose."""


class ReadError(PeirError):
    """A source could not be read as a table (missing, empty, binary, unknown sheet...)."""


class SpecError(PeirError):
    """A read specification or project configuration is invalid."""


class InputError(PeirError, ValueError):
    """Arguments given to a function are unusable (wrong shape, NaN, negative...)."""


class SchemaValidationError(PeirError):
    """Raised by :meth:`ValidationReport.raise_for_errors`; carries the report."""

    def __init__(self, message: str, report: ValidationReport | None = None) -> None:
        super().__init__(message)
        self.report = report


class ChainMapError(PeirError):
    """A chain map is inconsistent (shares not summing to 1, overlapping rules)."""


class MissingContextError(PeirError):
    """A country-year needs context data (deflator, population, ...) that is absent."""


class InfeasibleError(PeirError):
    """An optimisation problem has no feasible solution; the message names the constraint."""

    def __init__(self, message: str, *, constraint: str | None = None, **info: Any) -> None:
        super().__init__(message)
        self.constraint = constraint
        self.info = info


class PeirWarning(UserWarning):
    """Base of every warning peir emits."""


class UnallocatedWarning(PeirWarning):
    """Some spending could not be placed on a link and was kept as ``unallocated``."""


class DataGapWarning(PeirWarning):
    """A needed input is missing for some country-year; results there are NaN or flagged."""


class ConvergenceWarning(PeirWarning):
    """An iterative estimator did not converge."""
