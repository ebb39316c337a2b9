"""Typed tables: thin, validated wrappers around canonical pandas frames.

Row-level data stays in pandas; these classes carry the frame, the rows that were rejected
(with their original values and the reason), the :class:`ValidationReport` and reading
metadata (encoding used, source file). Build them with the readers in :mod:`peir.pipeline.ingest`
(``peir.read_budget`` and friends), which validate lazily and never raise on bad values.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd

from peir.errors import SchemaValidationError
from peir.schema import TableSchema, load_schema

__all__ = [
    "ISSUE_COLUMNS",
    "BudgetTable",
    "CaseloadTable",
    "ChainMap",
    "ContextTable",
    "Table",
    "ValidationReport",
]

#: Columns of :attr:`ValidationReport.issues`.
ISSUE_COLUMNS: tuple[str, ...] = (
    "source_ref",
    "row",
    "column",
    "value",
    "code",
    "severity",
    "message",
)


def _empty_issues() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in ISSUE_COLUMNS})


@dataclass
class ValidationReport:
    """Every issue found while reading and validating, and the row/amount accounting.

    Invariants: ``rows_read == rows_accepted + rows_rejected`` and, for budgets,
    ``amount_read == amount_accepted + amount_rejected`` (amounts that could not be parsed
    count as rejected rows, and are reported in ``unparsed_amounts``).
    """

    table: str = ""
    source: str = ""
    issues: pd.DataFrame = field(default_factory=_empty_issues)
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    amount_read: float = 0.0
    amount_accepted: float = 0.0
    amount_rejected: float = 0.0
    unparsed_amounts: int = 0
    encoding: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when there is no issue of severity ``error``."""
        return not bool((self.issues["severity"] == "error").any()) if len(self.issues) else True

    @property
    def errors(self) -> pd.DataFrame:
        return self.issues[self.issues["severity"] == "error"]

    @property
    def warnings(self) -> pd.DataFrame:
        return self.issues[self.issues["severity"] == "warning"]

    def to_frame(self) -> pd.DataFrame:
        """The issues as a DataFrame (one row per issue)."""
        return self.issues.copy()

    def issues_all(self) -> pd.DataFrame:
        """Every issue, one row each (``issues`` aggregates repeated ones)."""
        return self.issues.copy()

    def merge(self, other: ValidationReport) -> ValidationReport:
        """Combine two reports (issues concatenated, counts added)."""
        issues = pd.concat([self.issues, other.issues], ignore_index=True) if len(other.issues) else self.issues
        return ValidationReport(
            table=self.table or other.table,
            source=self.source or other.source,
            issues=issues,
            rows_read=self.rows_read + other.rows_read,
            rows_accepted=self.rows_accepted + other.rows_accepted,
            rows_rejected=self.rows_rejected + other.rows_rejected,
            amount_read=self.amount_read + other.amount_read,
            amount_accepted=self.amount_accepted + other.amount_accepted,
            amount_rejected=self.amount_rejected + other.amount_rejected,
            unparsed_amounts=self.unparsed_amounts + other.unparsed_amounts,
            encoding=self.encoding or other.encoding,
            meta={**other.meta, **self.meta},
        )

    def lines(self, limit: int | None = None) -> list[str]:
        """One plain line per issue: ``source:row: column=value: message [code]``."""
        out = []
        frame = self.issues if limit is None else self.issues.head(limit)
        for r in frame.to_dict("records"):
            row = r["row"]
            where = f"{r['source_ref']}" + (f":{row}" if row is not None and not pd.isna(row) else "")
            column = r["column"]
            col = f" {column}" if isinstance(column, str) and column else ""
            value = r["value"]
            missing = value is None or (isinstance(value, float) and pd.isna(value))
            val = "" if missing else f"={value!r}"
            out.append(f"{where}:{col}{val} {r['severity']}: {r['message']} [{r['code']}]")
        return out

    def summary(self) -> str:
        n_err = int((self.issues["severity"] == "error").sum()) if len(self.issues) else 0
        n_warn = int((self.issues["severity"] == "warning").sum()) if len(self.issues) else 0
        text = (
            f"{self.table or 'table'} from {self.source or '<frame>'}: "
            f"{self.rows_read} rows read, {self.rows_accepted} accepted, {self.rows_rejected} rejected; "
            f"{n_err} errors, {n_warn} warnings"
        )
        if self.table == "budget":
            text += (
                f"; amount read {self.amount_read:,.2f} = accepted {self.amount_accepted:,.2f}"
                f" + rejected {self.amount_rejected:,.2f}"
            )
        if self.encoding:
            text += f"; encoding {self.encoding}"
        return text

    def __str__(self) -> str:
        return "\n".join([self.summary(), *self.lines(limit=50)])

    def raise_for_errors(self) -> None:
        """Raise :class:`peir.SchemaValidationError` listing the first errors and the count."""
        if self.ok:
            return
        errs = self.errors
        first = ValidationReport(issues=errs.head(10)).lines()
        msg = f"{len(errs)} validation error(s) in {self.table or 'table'} from {self.source or '<frame>'}:\n" + "\n".join(
            first
        )
        if len(errs) > 10:
            msg += f"\n... and {len(errs) - 10} more (see .report.issues)"
        raise SchemaValidationError(msg, report=self)

    def _repr_html_(self) -> str:
        head = f"<p><b>ValidationReport</b> — {html.escape(self.summary())}</p>"
        if len(self.issues) == 0:
            return head + "<p>No issues.</p>"
        return head + self.issues.head(200).to_html(index=False, na_rep="")


@dataclass
class Table:
    """Base of the typed tables: a canonical frame plus its report and rejected rows."""

    frame: pd.DataFrame
    report: ValidationReport = field(default_factory=ValidationReport)
    rejected: pd.DataFrame = field(default_factory=pd.DataFrame)
    kind: ClassVar[str] = ""

    @classmethod
    def schema(cls) -> TableSchema:
        """The canonical Table Schema of this kind of table."""
        return load_schema(cls.kind)

    def __len__(self) -> int:
        return len(self.frame)

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def _repr_html_(self) -> str:
        title = f"<p><b>{type(self).__name__}</b>: {len(self.frame)} rows" + (
            f", {len(self.rejected)} rejected" if len(self.rejected) else ""
        ) + "</p>"
        return title + self.frame.head(20).to_html(index=False, na_rep="")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.frame)} rows, {len(self.rejected)} rejected, ok={self.report.ok})"


@dataclass(repr=False)
class BudgetTable(Table):
    """Budget lines: one row per line and phase (schema ``budget``)."""

    kind: ClassVar[str] = "budget"


@dataclass(repr=False)
class CaseloadTable(Table):
    """Caseload measures (schema ``caseload``)."""

    kind: ClassVar[str] = "caseload"


@dataclass(repr=False)
class ContextTable(Table):
    """Country-year macro and population context (schema ``context``)."""

    kind: ClassVar[str] = "context"


@dataclass(repr=False)
class ChainMap(Table):
    """Rules placing budget lines on links with explicit shares (schema ``chain_map``)."""

    kind: ClassVar[str] = "chain_map"
