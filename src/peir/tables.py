"""Typed tables: thin, validated wrappers around canonical pandas frames.

Row-level data stays in pandas; these classes carry the frame, the rows that were rejected
(with their original values and the reason), the :class:`ValidationReport` and reading
metadata (encoding used, source file). Build them with the readers in :mod:`peir.pipeline.ingest`
(``peir.read_budget`` and friends), which validate lazily and never raise on bad values.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from peir.errors import SchemaValidationError
from peir.schema import TableSchema, load_schema

__all__ = [
    "AGGREGATE_COLUMNS",
    "ISSUE_COLUMNS",
    "BudgetTable",
    "CaseloadTable",
    "ChainMap",
    "ContextTable",
    "IssueBlock",
    "PersonnelTable",
    "Table",
    "Template",
    "ValidationReport",
    "empty_issues",
    "issue_blocks",
]

#: Columns of :meth:`ValidationReport.issues_all` (one row per issue).
ISSUE_COLUMNS: tuple[str, ...] = (
    "source_ref",
    "row",
    "column",
    "value",
    "code",
    "severity",
    "message",
)
#: Columns of :attr:`ValidationReport.issues`: one row per source, code and column, with how
#: many rows it concerns, the amount they hold and the first rows (the first one's row,
#: value and message are shown).
AGGREGATE_COLUMNS: tuple[str, ...] = (*ISSUE_COLUMNS, "count", "amount", "rows")
#: Rows listed in an aggregated issue.
EXAMPLES = 5


def empty_issues(columns: tuple[str, ...] = ISSUE_COLUMNS) -> pd.DataFrame:
    """An issue frame without rows: ``row`` and ``count`` nullable integers, ``amount`` float,
    the rest objects."""
    dtypes = {"row": "Int64", "count": "int64", "amount": "float64"}
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "object")) for c in columns})


class Template:
    """Messages built on demand from a format and per-row arguments (a million warnings that
    say "same values as row N" cost one format string and one array until they are shown).
    ``show`` maps an argument to the function that writes it (applied when rendering).

    >>> Template("same values as row {first}", first=np.array([2, 2, 7])).render(np.array([0, 2]))
    ['same values as row 2', 'same values as row 7']
    """

    def __init__(self, fmt: str, show: Mapping[str, Any] | None = None, **args: Any) -> None:
        self.fmt = fmt
        self.show = dict(show or {})
        self.args = {k: np.asarray(v) for k, v in args.items()}

    def __len__(self) -> int:
        return len(next(iter(self.args.values()))) if self.args else 0

    def render(self, pos: np.ndarray | None = None) -> list[str]:
        keys = list(self.args)
        cols = [self.args[k] if pos is None else self.args[k][pos] for k in keys]
        fns = [self.show.get(k) for k in keys]
        out = []
        for vals in zip(*cols, strict=True):
            shown = {
                k: (f(v) if f is not None else v) for k, f, v in zip(keys, fns, vals, strict=True)
            }
            out.append(self.fmt.format(**shown))
        return out

    def take(self, sel: np.ndarray) -> Template:
        return Template(self.fmt, self.show, **{k: v[sel] for k, v in self.args.items()})


@dataclass(frozen=True)
class IssueBlock:
    """Issues of one code on some rows of one source: the compact form a report keeps.

    ``rows`` are the source row numbers (None: an issue about the whole table); ``values`` and
    ``messages`` are one per row or one for all (``messages`` may be a :class:`Template`);
    ``amounts`` the amount each row holds (budgets; NaN where none is read).
    """

    source: str
    code: str
    severity: str
    column: str | None
    rows: np.ndarray | None
    values: Any = None
    messages: Any = ""
    amounts: np.ndarray | None = None

    def __len__(self) -> int:
        return 1 if self.rows is None else len(self.rows)

    def amount(self) -> float:
        """The amount the rows of this block hold (NaN when none is known)."""
        if self.amounts is None or len(self.amounts) == 0:
            return float("nan")
        a = self.amounts[np.isfinite(self.amounts)]
        return math.fsum(a.tolist()) if len(a) else float("nan")

    def _per_row(self, v: Any, pos: np.ndarray | None) -> list[Any]:
        k = len(self) if pos is None else len(pos)
        if isinstance(v, Template):
            return v.render(pos)
        if isinstance(v, np.ndarray | list | tuple):
            arr = np.asarray(v, dtype=object)
            return list(arr if pos is None else arr[pos])
        return [v] * k

    def frame(self) -> pd.DataFrame:
        """One row per issue."""
        k = len(self)
        row = (
            pd.array([pd.NA], dtype="Int64")
            if self.rows is None
            else pd.array(self.rows, dtype="Int64")
        )
        return pd.DataFrame(
            {
                "source_ref": [self.source] * k,
                "row": row,
                "column": [self.column] * k,
                "value": self._per_row(self.values, None),
                "code": [str(self.code)] * k,
                "severity": [str(self.severity)] * k,
                "message": self._per_row(self.messages, None),
            }
        )

    def first(self, n: int) -> tuple[np.ndarray, list[Any], list[Any]]:
        """Positions of the ``n`` lowest rows, their values and messages."""
        if self.rows is None:
            pos = np.zeros(1, dtype=np.int64)
        elif len(self.rows) <= n:
            pos = np.argsort(self.rows, kind="stable")
        else:
            part = np.argpartition(self.rows, n - 1)[:n]
            pos = part[np.argsort(self.rows[part], kind="stable")]
        return pos, self._per_row(self.values, pos), self._per_row(self.messages, pos)


def issue_blocks(frame: pd.DataFrame) -> list[IssueBlock]:
    """A frame of issues (:data:`ISSUE_COLUMNS`) as blocks, one per source, code, severity and
    column (the rows in the frame's order)."""
    if frame is None or len(frame) == 0:
        return []
    f = frame.reset_index(drop=True)
    out = []
    keys = ["source_ref", "code", "severity", "column"]
    for key, g in f.groupby(
        [f[k].astype(object).where(f[k].notna(), None) for k in keys], sort=False, dropna=False
    ):
        src, code, sev = (str(x) for x in key[:3])  # type: ignore[index]
        col = None if key[3] is None else str(key[3])  # type: ignore[index]
        rows = g["row"].astype("Int64")
        if rows.isna().all() and len(g) == 1:
            out.append(
                IssueBlock(src, code, sev, col, None, g["value"].iloc[0], g["message"].iloc[0])
            )
            continue
        for is_na, part in g.groupby(rows.isna().to_numpy(), sort=False):
            if is_na:
                for _, r in part.iterrows():
                    out.append(IssueBlock(src, code, sev, col, None, r["value"], r["message"]))
            else:
                out.append(
                    IssueBlock(
                        src,
                        code,
                        sev,
                        col,
                        part["row"].astype("int64").to_numpy(),
                        part["value"].to_numpy(dtype=object),
                        part["message"].to_numpy(dtype=object),
                    )
                )
    return out


def _group_key(b: IssueBlock) -> tuple[str, str, str, str]:
    return (b.source, str(b.code), str(b.severity), b.column or "")


def _money(value: float | Decimal) -> str:
    """An amount to the cent (a Decimal exactly; a float as far as it holds cents)."""
    if isinstance(value, Decimal):
        return f"{value:,.2f}"  # Decimal formatting: no context precision, no float rounding
    return f"{value:,.2f}"


def _add_exact(a: ValidationReport, b: ValidationReport) -> dict[str, Decimal] | None:
    """The exact amounts of two reports added, where both have them (or one is empty)."""
    if a.amounts_exact is None and b.amounts_exact is None:
        return None
    parts = [r.amounts_exact for r in (a, b) if r.amounts_exact is not None or r.rows_read]
    if any(p is None for p in parts):
        return None
    return {
        k: sum((p[k] for p in parts if p is not None), Decimal(0))
        for k in ("read", "accepted", "rejected")
    }


class ValidationReport:
    """Every issue found while reading and validating, and the row/amount accounting.

    Invariants: ``rows_read == rows_accepted + rows_rejected`` and, for budgets,
    ``amount_read == amount_accepted + amount_rejected``, where ``amount_read`` is summed from
    the text of every line read (malformed lines included, where their amount field can be
    found), independently of the two others, exact to the cent; ``amount_unparsed`` counts
    the lines (wide cells) whose amount could not be read at all. The three amounts are
    floats, which hold cents only up to about 9e13; ``amounts_exact`` (``read``,
    ``accepted``, ``rejected`` as :class:`~decimal.Decimal`) holds them at any magnitude, and
    there ``read == accepted + rejected`` to far below a cent.

    ``issues`` is bounded: one row per source, code and column, with ``count`` (how many rows
    it concerns), ``amount`` (what they hold) and ``rows`` (the first ones); the first row's
    ``row``, ``value`` and ``message`` are shown. :meth:`issues_all` gives one row per issue.
    """

    def __init__(
        self,
        table: str = "",
        source: str = "",
        issues: pd.DataFrame | None = None,
        rows_read: int = 0,
        rows_accepted: int = 0,
        rows_rejected: int = 0,
        amount_read: float = 0.0,
        amount_accepted: float = 0.0,
        amount_rejected: float = 0.0,
        amount_unparsed: int = 0,
        encoding: str | None = None,
        meta: dict[str, Any] | None = None,
        *,
        blocks: list[IssueBlock] | None = None,
        unparsed_amounts: int | None = None,
        amounts_exact: Mapping[str, Decimal] | None = None,
    ) -> None:
        self.table = table
        self.source = source
        self.rows_read = rows_read
        self.rows_accepted = rows_accepted
        self.rows_rejected = rows_rejected
        self.amount_read = amount_read
        self.amount_accepted = amount_accepted
        self.amount_rejected = amount_rejected
        self.amount_unparsed = amount_unparsed if unparsed_amounts is None else unparsed_amounts
        self.amounts_exact: dict[str, Decimal] | None = (
            None if amounts_exact is None else dict(amounts_exact)
        )
        self.encoding = encoding
        self.meta: dict[str, Any] = dict(meta or {})
        self.blocks: list[IssueBlock] = list(blocks or []) + issue_blocks(
            issues if issues is not None else empty_issues()
        )
        self._aggregated: pd.DataFrame | None = None

    # -- issues ----------------------------------------------------------------------------
    @property
    def issues(self) -> pd.DataFrame:
        """One row per source, code and column (see the class docstring)."""
        if self._aggregated is None:
            self._aggregated = self._aggregate()
        return self._aggregated

    @issues.setter
    def issues(self, frame: pd.DataFrame) -> None:
        self.blocks = issue_blocks(frame)
        self._aggregated = None

    def add(self, blocks: list[IssueBlock]) -> None:
        """Add issues (blocks)."""
        self.blocks.extend(blocks)
        self._aggregated = None

    def issues_all(self) -> pd.DataFrame:
        """Every issue, one row each, ordered by row within each source (the table's own
        issues first)."""
        if not self.blocks:
            return empty_issues()
        frame = pd.concat([b.frame() for b in self.blocks], ignore_index=True)
        order = pd.DataFrame({"s": pd.factorize(frame["source_ref"])[0], "r": frame["row"]})
        idx = order.sort_values(["s", "r"], kind="stable", na_position="first").index
        return frame.loc[idx].reset_index(drop=True)

    def _aggregate(self) -> pd.DataFrame:
        groups: dict[tuple[str, str, str, str], list[IssueBlock]] = {}
        for b in self.blocks:
            groups.setdefault(_group_key(b), []).append(b)
        records = []
        for blocks in groups.values():
            count = sum(len(b) for b in blocks)
            firsts: list[tuple[int | None, Any, Any]] = []
            for b in blocks:
                pos, values, messages = b.first(EXAMPLES * 8)  # a wide row repeats its row number
                rows = [None] * len(pos) if b.rows is None else [int(r) for r in b.rows[pos]]
                firsts.extend(zip(rows, values, messages, strict=True))
            firsts.sort(key=lambda t: -1 if t[0] is None else t[0])
            row, value, message = firsts[0]
            amounts = [b.amount() for b in blocks]
            known = [a for a in amounts if not math.isnan(a)]
            example_rows = tuple(dict.fromkeys(r for r, _v, _m in firsts if r is not None))[
                :EXAMPLES
            ]
            if count > 1:
                more = f"{count - 1:,} more" + (
                    f" (rows {', '.join(map(str, example_rows))}, …)" if example_rows else ""
                )
                message = f"{message} [and {more}]"
            b0 = blocks[0]
            records.append(
                {
                    "source_ref": b0.source,
                    "row": row,
                    "column": b0.column,
                    "value": value,
                    "code": str(b0.code),
                    "severity": str(b0.severity),
                    "message": message,
                    "count": count,
                    "amount": math.fsum(known) if known else float("nan"),
                    "rows": example_rows,
                }
            )
        if not records:
            return empty_issues(AGGREGATE_COLUMNS)
        out = pd.DataFrame(records, columns=list(AGGREGATE_COLUMNS))
        out["row"] = out["row"].astype("Int64")
        order = pd.DataFrame({"s": pd.factorize(out["source_ref"])[0], "r": out["row"]})
        return out.loc[
            order.sort_values(["s", "r"], kind="stable", na_position="first").index
        ].reset_index(drop=True)

    # -- summaries -------------------------------------------------------------------------
    @property
    def unparsed_amounts(self) -> int:
        """Deprecated name of :attr:`amount_unparsed`."""
        return self.amount_unparsed

    def _count(self, severity: str) -> int:
        return sum(len(b) for b in self.blocks if str(b.severity) == severity)

    @property
    def ok(self) -> bool:
        """True when there is no issue of severity ``error``."""
        return not any(str(b.severity) == "error" for b in self.blocks)

    @property
    def errors(self) -> pd.DataFrame:
        """The aggregated issues of severity ``error``."""
        i = self.issues
        return i[i["severity"] == "error"]

    @property
    def warnings(self) -> pd.DataFrame:
        """The aggregated issues of severity ``warning``."""
        i = self.issues
        return i[i["severity"] == "warning"]

    def to_frame(self) -> pd.DataFrame:
        """The (aggregated) issues as a DataFrame; :meth:`issues_all` for one row per issue."""
        return self.issues.copy()

    def merge(self, other: ValidationReport) -> ValidationReport:
        """Combine two reports (issues concatenated, counts added)."""
        return ValidationReport(
            table=self.table or other.table,
            source=self.source or other.source,
            rows_read=self.rows_read + other.rows_read,
            rows_accepted=self.rows_accepted + other.rows_accepted,
            rows_rejected=self.rows_rejected + other.rows_rejected,
            amount_read=self.amount_read + other.amount_read,
            amount_accepted=self.amount_accepted + other.amount_accepted,
            amount_rejected=self.amount_rejected + other.amount_rejected,
            amount_unparsed=self.amount_unparsed + other.amount_unparsed,
            encoding=self.encoding or other.encoding,
            meta={**other.meta, **self.meta},
            blocks=[*self.blocks, *other.blocks],
            amounts_exact=_add_exact(self, other),
        )

    @staticmethod
    def _line(r: Mapping[Any, Any]) -> str:
        row = r["row"]
        where = f"{r['source_ref']}" + (f":{row}" if row is not None and not pd.isna(row) else "")
        column = r["column"]
        col = f" {column}" if isinstance(column, str) and column else ""
        value = r["value"]
        missing = value is None or (isinstance(value, float) and pd.isna(value))
        val = "" if missing else f"={value!r}"
        return f"{where}:{col}{val} {r['severity']}: {r['message']} [{r['code']}]"

    def lines(self, limit: int | None = None) -> list[str]:
        """One plain line per (aggregated) issue: ``source:row: column=value: message [code]``."""
        frame = self.issues if limit is None else self.issues.head(limit)
        return [self._line(r) for r in frame.to_dict("records")]

    def lines_all(self, limit: int | None = None) -> list[str]:
        """One plain line per issue (every row)."""
        frame = self.issues_all() if limit is None else self.issues_all().head(limit)
        return [self._line(r) for r in frame.to_dict("records")]

    def summary(self) -> str:
        text = (
            f"{self.table or 'table'} from {self.source or '<frame>'}: "
            f"{self.rows_read} rows read, {self.rows_accepted} accepted, "
            f"{self.rows_rejected} rejected; "
            f"{self._count('error')} errors, {self._count('warning')} warnings"
        )
        if self.table == "budget":
            exact = self.amounts_exact or {}
            read, acc, rej = (
                exact.get(k, getattr(self, f"amount_{k}")) for k in ("read", "accepted", "rejected")
            )
            text += (
                f"; amount read {_money(read)} = accepted {_money(acc)} + rejected {_money(rej)}"
            )
            if self.amount_unparsed:
                text += f" ({self.amount_unparsed} amount(s) could not be read)"
        if self.encoding:
            text += f"; encoding {self.encoding}"
        return text

    def __str__(self) -> str:
        return "\n".join([self.summary(), *self.lines(limit=50)])

    def __repr__(self) -> str:
        return f"ValidationReport({self.summary()!r})"

    def raise_for_errors(self) -> None:
        """Raise :class:`peir.SchemaValidationError` listing the first errors and the count."""
        if self.ok:
            return
        errs = self.errors
        first = [self._line(r) for r in errs.head(10).to_dict("records")]
        n = self._count("error")
        msg = (
            f"{n} validation error(s) in {self.table or 'table'} from {self.source or '<frame>'}:\n"
            + "\n".join(first)
        )
        if len(errs) > 10:
            msg += (
                f"\n... and {len(errs) - 10} more kinds of error "
                "(see .report.issues, .report.issues_all())"
            )
        raise SchemaValidationError(msg, report=self)

    def _repr_html_(self) -> str:
        head = f"<p><b>ValidationReport</b> — {html.escape(self.summary())}</p>"
        if not self.blocks:
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
        title = (
            f"<p><b>{type(self).__name__}</b>: {len(self.frame)} rows"
            + (f", {len(self.rejected)} rejected" if len(self.rejected) else "")
            + "</p>"
        )
        return title + self.frame.head(20).to_html(index=False, na_rep="")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({len(self.frame)} rows, {len(self.rejected)} rejected, "
            f"ok={self.report.ok})"
        )


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


@dataclass(repr=False)
class PersonnelTable(Table):
    """Staff in post and wage bill by institution, category, region and year.

    Schema ``personnel``.
    """

    kind: ClassVar[str] = "personnel"
