"""Exceptions and warnings raised by peir on purpose.

Every exception the library raises deliberately derives from :class:`PeirError`, so that
``except peir.PeirError`` catches all data and usage problems and nothing else. Warnings form
a small tree under :class:`PeirWarning` so that users can filter them.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Any

__all__ = [
    "ChainMapError",
    "ConvergenceWarning",
    "DataGapWarning",
    "InfeasibleError",
    "InputError",
    "IssueCode",
    "MissingContextError",
    "PeirError",
    "PeirWarning",
    "ReadError",
    "SchemaValidationError",
    "Severity",
    "SpecError",
    "UnallocatedWarning",
    "issue_codes_markdown",
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
    """Raised by :meth:`ValidationReport.raise_for_errors`; carries the report
    (a :class:`peir.ValidationReport`) as ``.report``."""

    def __init__(self, message: str, report: Any = None) -> None:
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


# ------------------------------------------------------------------------------------------
# the validation vocabulary
# ------------------------------------------------------------------------------------------


class Severity(StrEnum):
    """How bad an issue is: an ``error`` rejects its row (or the table), a ``warning`` keeps
    the row and says what looks wrong, ``info`` records a row set aside on purpose."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class IssueCode(StrEnum):
    """The closed set of issue codes a :class:`peir.ValidationReport` carries.

    Each code has a default :attr:`severity` and a :attr:`meaning`; the table in
    ``docs/reading.md`` is generated from them (:func:`issue_codes_markdown`).
    """

    MISSING_COLUMN = "missing_column"
    DUPLICATE_HEADER = "duplicate_header"
    MISSING_VALUE = "missing_value"
    NOT_A_NUMBER = "not_a_number"
    NOT_FINITE = "not_finite"
    NOT_AN_INTEGER = "not_an_integer"
    NOT_A_YEAR = "not_a_year"
    IMPLAUSIBLE_YEAR = "implausible_year"
    NOT_A_SCALAR = "not_a_scalar"
    FORMULA_WITHOUT_VALUE = "formula_without_value"
    UNKNOWN_COUNTRY = "unknown_country"
    UNKNOWN_CURRENCY = "unknown_currency"
    UNKNOWN_PHASE = "unknown_phase"
    UNKNOWN_MEASURE = "unknown_measure"
    UNKNOWN_LINK = "unknown_link"
    NOT_IN_ENUM = "not_in_enum"
    NEGATIVE_COUNT = "negative_count"
    OUT_OF_RANGE = "out_of_range"
    PATTERN = "pattern"
    MALFORMED_ROW = "malformed_row"
    MIXED_ENCODING = "mixed_encoding"
    HIDDEN_ROW = "hidden_row"
    DUPLICATE_KEY = "duplicate_key"
    DUPLICATE_ROW = "duplicate_row"
    NEGATIVE_AMOUNT = "negative_amount"
    EXECUTED_ABOVE_MODIFIED = "executed_above_modified"
    SHARES_NOT_ONE = "shares_not_one"
    KIND_MISMATCH = "kind_mismatch"
    TOTAL_ROW = "total_row"
    TOTAL_MISMATCH = "total_mismatch"
    EXCLUDED = "excluded"
    MISSING_CONTEXT = "missing_context"
    NO_CONTEXT = "no_context"
    UNMAPPED_INSTITUTION = "unmapped_institution"
    CURRENCY_MISMATCH = "currency_mismatch"

    @property
    def severity(self) -> Severity:
        """The severity this code has unless the check says otherwise (``duplicate_key`` is an
        error in a context table, where it rejects the second country-year)."""
        return _ISSUES[self][0]

    @property
    def meaning(self) -> str:
        """What the code means, in a sentence (Markdown)."""
        return _ISSUES[self][2]


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO

#: code -> (default severity, severity as documented, meaning)
_ISSUES: dict[IssueCode, tuple[Severity, str, str]] = {
    IssueCode.MISSING_COLUMN: (
        _E,
        "error",
        "a required column (or one named in the spec) is not in the file; the message names the"
        " closest headers. All rows are rejected.",
    ),
    IssueCode.DUPLICATE_HEADER: (
        _W,
        "warning; error when the spec uses it",
        "two columns carry the same header; the second is read as `name (2)`. When the spec (or"
        " an automatic match) uses that header, which column is meant is unclear and all rows "
        "are rejected.",
    ),
    IssueCode.MISSING_VALUE: (
        _E,
        "error",
        "a required cell is empty (or a missing-value marker such as `-`, `n.d.`)",
    ),
    IssueCode.NOT_A_NUMBER: (
        _E,
        "error",
        "a number cannot be read (the message suggests `decimal: ','` when that would read it)",
    ),
    IssueCode.NOT_FINITE: (_E, "error", "a number is infinite"),
    IssueCode.NOT_AN_INTEGER: (
        _E,
        "error",
        "a whole number is expected (e.g. `year_from` of a chain-map rule)",
    ),
    IssueCode.NOT_A_YEAR: (
        _E,
        "error",
        "a year that is not a whole number (`2019`, `FY2019` and `2018/19` are years)",
    ),
    IssueCode.IMPLAUSIBLE_YEAR: (_E, "error", "a year outside 1950–2100"),
    IssueCode.NOT_A_SCALAR: (
        _E,
        "error",
        "a cell holds a list, a dictionary, a set or another container (a DataFrame or Parquet "
        "column of objects), not one value",
    ),
    IssueCode.FORMULA_WITHOUT_VALUE: (
        _E,
        "error",
        "an Excel formula cell has no saved value (the workbook was written by a program that "
        "does not calculate); open and save it in Excel, or export the values",
    ),
    IssueCode.UNKNOWN_COUNTRY: (
        _E,
        "error",
        "not an ISO 3166 alpha-3 code (user-assigned `XA?`–`XZ?` codes are valid); the closest "
        "code is suggested",
    ),
    IssueCode.UNKNOWN_CURRENCY: (_E, "error", "not an ISO 4217 currency code"),
    IssueCode.UNKNOWN_PHASE: (
        _E,
        "error",
        "not a budget phase (proposed, approved, modified, committed, executed, paid, or a "
        "label such as `Devengado`); nothing is matched approximately, the closest names are "
        "suggested",
    ),
    IssueCode.UNKNOWN_MEASURE: (
        _E,
        "error",
        "not in the caseload measure vocabulary; the closest valid names are suggested",
    ),
    IssueCode.UNKNOWN_LINK: (
        _E,
        "error",
        "not a link of the chain; the closest valid names are suggested",
    ),
    IssueCode.NOT_IN_ENUM: (
        _E,
        "error",
        "not one of the values the schema allows (e.g. `kind`: flow or stock)",
    ),
    IssueCode.NEGATIVE_COUNT: (_E, "error", "a count below zero"),
    IssueCode.OUT_OF_RANGE: (
        _E,
        "error",
        "a value outside the schema's bounds (e.g. a share above 1)",
    ),
    IssueCode.PATTERN: (_E, "error", "a value that does not match the schema's pattern"),
    IssueCode.MALFORMED_ROW: (
        _E,
        "error",
        "a line that cannot be made into a row: more or fewer fields than the header, a quote "
        "that is never closed, a NUL byte; the amount is still read from its text where it can "
        "be found",
    ),
    IssueCode.MIXED_ENCODING: (
        _W,
        "warning",
        "some lines are in another encoding than the rest (UTF-8 lines in a cp1252 file or the "
        "reverse); each line was decoded in its own encoding",
    ),
    IssueCode.HIDDEN_ROW: (
        _W,
        "warning",
        "an Excel row is hidden; it is read like the others (hide is not delete), check that it"
        " belongs in the totals",
    ),
    IssueCode.DUPLICATE_KEY: (
        _W,
        "error for context, else warning",
        "a second row with the same key (context: a second country-year, rejected)",
    ),
    IssueCode.DUPLICATE_ROW: (
        _W,
        "warning",
        "a row identical to an earlier one (double counting?)",
    ),
    IssueCode.NEGATIVE_AMOUNT: (_W, "warning", "a negative budget amount (kept)"),
    IssueCode.EXECUTED_ABOVE_MODIFIED: (
        _W,
        "warning",
        "executed more than 1.5× the modified budget of the same line",
    ),
    IssueCode.SHARES_NOT_ONE: (_W, "warning", "chain-map shares of one rule do not sum to 1"),
    IssueCode.KIND_MISMATCH: (
        _W,
        "warning",
        "a caseload flow/stock that disagrees with the measure vocabulary",
    ),
    IssueCode.TOTAL_ROW: (
        _I,
        "info",
        "a total or subtotal row (`TOTAL`, `Total general`, `Subtotal`, `Suma`…) set aside so "
        "that it is not counted twice; the report says how much these rows held and whether "
        "each equals the lines it totals (`keep_totals: true` keeps them)",
    ),
    IssueCode.TOTAL_MISMATCH: (
        _W,
        "warning",
        "a total row differs from the sum of the lines it totals (lines missing, or the total "
        "is not what it seems)",
    ),
    IssueCode.EXCLUDED: (_I, "info", "set aside by the spec's `exclude` rule"),
    IssueCode.MISSING_CONTEXT: (
        _W,
        "warning",
        "cross-table: budget or caseload country-years without a context row",
    ),
    IssueCode.NO_CONTEXT: (
        _W,
        "warning",
        "cross-table: the dataset has no context table at all (no deflator, population or "
        "exchange rate)",
    ),
    IssueCode.UNMAPPED_INSTITUTION: (
        _W,
        "warning",
        "cross-table: a budget institution that no chain-map rule mentions (its spending is "
        "unallocated)",
    ),
    IssueCode.CURRENCY_MISMATCH: (
        _W,
        "warning",
        "cross-table: a budget currency other than the context's currency for that country",
    ),
}

_TABLE_START = (
    "<!-- issue-codes:start (generated from peir.errors.IssueCode; do not edit by hand) -->"
)
_TABLE_END = "<!-- issue-codes:end -->"


def issue_codes_markdown() -> str:
    """The issue-code table of ``docs/reading.md``, generated from :class:`IssueCode`."""
    lines = [_TABLE_START, "", "| code | severity | meaning |", "|---|---|---|"]
    for code in IssueCode:
        _sev, shown, meaning = _ISSUES[code]
        lines.append(f"| `{code.value}` | {shown} | {meaning} |")
    lines += ["", _TABLE_END]
    return "\n".join(lines)


def write_issue_codes(path: str | Path) -> bool:
    """Replace the generated table in the Markdown file at ``path``; True if it changed."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(_TABLE_START) + ".*?" + re.escape(_TABLE_END), re.S)
    if not pattern.search(text):
        raise SpecError(f"{p}: no generated issue-code table ({_TABLE_START!r} ...) to replace")
    new = pattern.sub(lambda _m: issue_codes_markdown(), text)
    if new != text:
        p.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":  # pragma: no cover - python -m peir.errors docs/reading.md
    import sys

    for arg in sys.argv[1:]:
        print(f"{arg}: {'updated' if write_issue_codes(arg) else 'up to date'}")
