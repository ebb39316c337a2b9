"""Lazy validation against the canonical Table Schemas: every issue collected, every row accounted.

The Table Schema JSON files in ``peir/data/schemas`` (read through :func:`peir.schema.load_schema`)
are the single source of required columns, types, enumerations, patterns and bounds. On top of
them this module checks what a schema cannot say: ISO 3166 country and ISO 4217 currency codes,
the caseload measure vocabulary (filling link, unit and kind from it), finite amounts (a negative
amount is a warning), duplicate lines, an executed amount far above the modified one, chain-map
shares that do not sum to one, and — across tables — budget years without context, institutions
that no chain-map rule mentions, currencies that disagree with the context.

Every issue is a row: ``source_ref`` (the file), ``row`` (line number with the header on line 1,
or the spreadsheet row), ``column``, ``value``, ``code``, ``severity`` and a plain ``message``.
A row with an issue of severity ``error`` is rejected and kept, with its original values and the
reason, in ``table.rejected``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cached_property, lru_cache, partial
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from peir.chain import (
    MEASURES,
    PHASE_ALIASES,
    Link,
    Phase,
    normalize_label,
    parse_link,
    parse_phase,
)
from peir.errors import IssueCode, Severity
from peir.pipeline.codes import COUNTRIES, country_hint, is_country, is_currency
from peir.pipeline.numbers import INVALID, MISSING, OK, parse_numbers, parse_years, to_string_array
from peir.schema import C, FieldSpec, load_schema
from peir.tables import (
    ISSUE_COLUMNS,
    IssueBlock,
    Table,
    Template,
    ValidationReport,
    empty_issues,
    issue_blocks,
)

__all__ = [
    "EXECUTED_OVER_MODIFIED",
    "ChunkKeys",
    "Issues",
    "KeyColumns",
    "PhaseFlag",
    "RowCheck",
    "SortedKeys",
    "TableKeys",
    "check_rows",
    "closest",
    "cross_validate",
    "resolve_measure",
    "table_checks",
]

#: An executed amount above this multiple of the modified one is flagged (warning).
EXECUTED_OVER_MODIFIED = 1.5
#: Tables of at least this many rows run their independent checks across rows in two threads.
PARALLEL_MIN_ROWS = 200_000
#: Tolerance on chain-map shares summing to one.
SHARE_TOLERANCE = 1e-6

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


def closest(value: object, choices: list[str], n: int = 3) -> list[str]:
    """The closest valid names to ``value`` (difflib, on normalised labels)."""
    key = normalize_label(value)
    norm = {normalize_label(c): c for c in choices}
    hits = difflib.get_close_matches(key, list(norm), n=n, cutoff=0.5)
    out: list[str] = []
    for h in hits:
        if norm[h] not in out:
            out.append(norm[h])
    return out


# ------------------------------------------------------------------------------------------
# issue collection
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssueSet:
    """Issues of one code on some positions of a chunk or a frame (``pos`` None: about the
    whole table); ``values`` and ``message`` one per position or one for all (``message``
    may be a :class:`peir.tables.Template`)."""

    pos: np.ndarray | None
    column: str | None
    values: Any
    code: IssueCode
    severity: Severity
    message: Any


@dataclass
class Issues:
    """Issues of one chunk (or of a table's checks across rows), as sets of positions
    (vectorised), turned into the report's :class:`peir.tables.IssueBlock` at the end."""

    sets: list[IssueSet] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.sets)

    def add(
        self,
        pos: np.ndarray | None,
        column: str | None,
        values: Any,
        code: IssueCode,
        severity: Severity,
        message: Any,
    ) -> None:
        if pos is not None and len(pos) == 0:
            return
        self.sets.append(IssueSet(pos, column, values, code, severity, message))

    def extend(self, other: Issues) -> None:
        self.sets.extend(other.sets)

    def without(self, mask: np.ndarray, columns: set[str | None] | None = None) -> Issues:
        """These issues less those on the positions where ``mask`` is True (only those of
        ``columns``, when given). Issues that concern no row are kept."""
        out = Issues()
        for b in self.sets:
            if b.pos is None or (columns is not None and b.column not in columns):
                out.sets.append(b)
                continue
            sel = ~mask[b.pos]
            if sel.all():
                out.sets.append(b)
            elif sel.any():
                out.sets.append(
                    IssueSet(
                        b.pos[sel],
                        b.column,
                        _select(b.values, sel),
                        b.code,
                        b.severity,
                        _select(b.message, sel),
                    )
                )
        return out

    def reject_mask(self, n: int) -> np.ndarray:
        mask = np.zeros(n, dtype=bool)
        for b in self.sets:
            if b.severity == ERROR and b.pos is not None:
                mask[b.pos] = True
        return mask

    def reasons(self, n: int) -> np.ndarray:
        """Per position: the messages of its errors joined with '; ' (None where no error)."""
        out = np.full(n, None, dtype=object)
        for b in self.sets:
            if b.severity != ERROR or b.pos is None:
                continue
            msgs = _broadcast(b.message, len(b.pos))
            cur = out[b.pos]
            joined = [m if c is None else f"{c}; {m}" for c, m in zip(cur, msgs, strict=True)]
            out[b.pos] = np.asarray(joined, dtype=object)
        return out

    def blocks(
        self, rows: np.ndarray, source: str, amounts: np.ndarray | None = None
    ) -> list[IssueBlock]:
        """The issues as report blocks: positions become source ``rows``; ``amounts`` (per
        position) gives each block the amounts its rows hold."""
        out = []
        for b in self.sets:
            if b.pos is None:
                out.append(
                    IssueBlock(source, b.code, b.severity, b.column, None, b.values, b.message)
                )
                continue
            k = len(b.pos)
            values = b.values if not _is_many(b.values) else _broadcast(b.values, k)
            message = (
                b.message
                if isinstance(b.message, Template) or not _is_many(b.message)
                else _broadcast(b.message, k)
            )
            out.append(
                IssueBlock(
                    source,
                    b.code,
                    b.severity,
                    b.column,
                    np.asarray(rows[b.pos], dtype=np.int64),
                    values,
                    message,
                    None if amounts is None else np.asarray(amounts, dtype="float64")[b.pos],
                )
            )
        return out

    def to_frame(self, rows: np.ndarray, source: str) -> pd.DataFrame:
        """One row per issue (for tests and small tables)."""
        parts = [b.frame() for b in self.blocks(rows, source)]
        return pd.concat(parts, ignore_index=True) if parts else empty_issues()


def _is_many(v: Any) -> bool:
    return isinstance(
        v, np.ndarray | list | tuple | pd.Series | pd.Index | pa.Array | pa.ChunkedArray | Template
    ) or (isinstance(v, pd.api.extensions.ExtensionArray))


def _select(v: Any, sel: np.ndarray) -> Any:
    """Values or messages of a set for the selected positions (a scalar stays a scalar)."""
    if isinstance(v, Template):
        return v.take(sel)
    if _is_many(v):
        return _broadcast(v, len(sel))[sel]
    return v


def _broadcast(v: Any, k: int) -> np.ndarray:
    if isinstance(v, Template):
        return np.asarray(v.render(), dtype=object)
    if isinstance(v, np.ndarray):
        return v.astype(object)
    if isinstance(
        v,
        pd.Series
        | pd.Index
        | pd.api.extensions.ExtensionArray
        | pa.Array
        | pa.ChunkedArray
        | list
        | tuple,
    ):
        arr = np.asarray(
            v.to_pylist() if isinstance(v, pa.Array | pa.ChunkedArray) else list(v), dtype=object
        )
        return arr
    out = np.empty(k, dtype=object)
    out[:] = [v] * k
    return out


def _by_unique(values: np.ndarray, fn: Callable[[Any], Any]) -> np.ndarray:
    """Apply ``fn`` once per distinct value (messages, recodes) and broadcast back."""
    if len(values) == 0:
        return np.empty(0, dtype=object)
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
    mapped = np.asarray([fn(u) for u in uniques], dtype=object)
    return mapped[codes]


def _fmt(v: float) -> str:
    if np.isfinite(v) and float(v).is_integer():
        return f"{v:.0f}" if 1000 <= abs(v) <= 2100 and float(v).is_integer() else f"{v:,.0f}"
    return f"{v:,.6g}"


# message and recode helpers (module level, so that they are typed and picklable)


def _msg_not_integer(name: str, v: object) -> str:
    extra = " (a year such as 2019 or 2018/19)" if "year" in name else ""
    return f"{name} {v!r} is not a whole number{extra}"


def _msg_range(name: str, lo: float | None, hi: float | None, x: float) -> str:
    low = _fmt(lo) if lo is not None else "…"
    high = _fmt(hi) if hi is not None else "…"
    return f"{name} {x:.0f} is outside the plausible range {low}–{high}"


def _msg_not_number(name: str, hint: str, x: object) -> str:
    return f"{name} {x!r} is not a number{hint}"


def _msg_bound(name: str, what: str, x: float) -> str:
    return (
        f"{name} {_fmt(x)}: {what}"
        if not what.startswith(("must", "is "))
        else f"{name} {_fmt(x)} {what}"
    )


def _msg_pattern(name: str, pattern: str, v: object) -> str:
    return f"{name} {v!r} does not match the pattern {pattern}"


def _unknown_for(name: str, choices: list[str], v: object) -> str:
    return _unknown_message(name, v, choices)


def _upper_if(checker: Callable[[object], bool], v: str) -> str | None:
    u = v.upper()
    return u if checker(u) else None


def _lower_in(choices: list[str], v: str) -> str | None:
    low = v.lower()
    return low if low in choices else None


def _if_match(rx: re.Pattern[str], v: str) -> str | None:
    return v if rx.search(v) else None


# ------------------------------------------------------------------------------------------
# measure vocabulary
# ------------------------------------------------------------------------------------------


def _measure_index() -> dict[str, str]:
    idx: dict[str, str] = {}
    for name, m in MEASURES.items():
        idx[normalize_label(name)] = name
        idx[normalize_label(m.label_en)] = name
        idx[normalize_label(m.label_es)] = name
    return idx


_MEASURE_INDEX = _measure_index()


def resolve_measure(value: object) -> str | None:
    """A measure name from the vocabulary for a name or an English/Spanish label; None if
    unknown."""
    if isinstance(value, str) and value in MEASURES:
        return value
    return _MEASURE_INDEX.get(normalize_label(value))


def _phase_choices() -> list[str]:
    return [p.value for p in Phase] + sorted(PHASE_ALIASES)


# ------------------------------------------------------------------------------------------
# total rows
# ------------------------------------------------------------------------------------------

#: Classification columns in which a label can mark a total or subtotal row.
TOTAL_LABEL_COLUMNS: tuple[str, ...] = (
    C.INSTITUTION_CODE,
    C.INSTITUTION,
    C.PROGRAM,
    C.ECON,
    C.FUNC,
    C.REGION,
    C.FUNDING_SOURCE,
)

_TOTAL_RE = re.compile(
    r"^(?:sub ?totale?s?|totale?s?|gran total|grand total|total general"
    r"|suma|sumas|soma|somatorio|sum)(?: |$)"
)


def is_total_label(label: object) -> bool:
    """True for a label that reads as a total or subtotal row, in English, Spanish or
    Portuguese: ``TOTAL``, ``Total general``, ``Subtotal``, ``Sub-total``, ``Suma``,
    ``Total ramo 04``, ``Gran total``, ``Soma``... (the label must start with the word).

    >>> [is_total_label(x) for x in ("TOTAL", "Total ramo", "Sub-Total", "Totalidad", "Policía")]
    [True, True, True, False, False]
    """
    return _is_total_text(str(label))  # (normalize_label reads any label as its str)


@lru_cache(maxsize=1 << 16)
def _is_total_text(label: str) -> bool:
    """:func:`is_total_label` of a text, remembered: each block of a streamed file asks again
    for the same few thousand labels (normalising them was 12 % of a block's checks)."""
    return bool(_TOTAL_RE.match(normalize_label(label)))


def check_totals(
    kind: str,
    lines: pd.DataFrame,
    totals: pd.DataFrame,
    flagged: np.ndarray,
    line_rows: np.ndarray | None = None,
    total_rows: np.ndarray | None = None,
) -> tuple[Issues, dict[str, Any]]:
    """Each total row against the sum of the lines it totals.

    The lines a total row totals are the accepted ``lines`` that carry the same values in the
    key columns where the total row has a value, apart from the column whose label marks it
    as a total (``flagged``, one per total row): ``TOTAL`` in ``program`` for 2019, the
    judiciary, executed, totals the judiciary's executed lines of 2019, whatever their
    programme. Given the row numbers (``line_rows``, ``total_rows``), a total also equals its
    lines when it equals those between it and the next (or the previous) total row with the
    same values (files put a total above its lines, or below them, and may repeat a block).
    Equal means within half a cent per line added up. Returns a ``total_mismatch`` warning
    per total row that differs (positions into ``totals``) and a summary: rows, amount,
    equal, differ, without_lines.
    """
    value = C.AMOUNT if kind == "budget" else C.VALUE
    iss = Issues()
    n = len(totals)
    amounts = (
        totals[value].to_numpy(dtype="float64", na_value=np.nan)
        if value in totals
        else np.full(n, np.nan)
    )
    summary: dict[str, Any] = {
        "rows": n,
        "amount": float(np.nansum(amounts)),
        "equal": 0,
        "differ": 0,
        "without_lines": 0,
    }
    if n == 0 or value not in lines.columns:
        summary["without_lines"] = n
        return iss, summary
    keys = [c for c in load_schema(kind).primary_key if c in lines.columns and c in totals.columns]
    sums = np.full(n, np.nan)
    counts = np.zeros(n, dtype=np.int64)
    block_ok = np.zeros(n, dtype=bool)
    present = {c: totals[c].notna().to_numpy() for c in keys}
    patterns: dict[tuple[str, ...], list[int]] = {}
    for i in range(n):
        pat = tuple(c for c in keys if c != flagged[i] and present[c][i])
        patterns.setdefault(pat, []).append(i)
    line_values = np.nan_to_num(lines[value].to_numpy(dtype="float64", na_value=np.nan))
    for pat, members in patterns.items():
        m = np.asarray(members)
        if pat:
            both = pd.concat([lines[list(pat)], totals.iloc[m][list(pat)]], ignore_index=True)
            kid, _u = pd.factorize(
                pd.MultiIndex.from_frame(both.astype(object).where(both.notna(), None))
            )
        else:
            kid = np.zeros(len(lines) + len(m), dtype=np.int64)
        k_lines, k_tot = kid[: len(lines)], kid[len(lines) :]
        valid = k_lines >= 0
        whole = np.bincount(k_lines[valid], weights=line_values[valid], minlength=kid.max() + 1)
        size = np.bincount(k_lines[valid], minlength=kid.max() + 1)
        sums[m] = whole[k_tot]
        counts[m] = size[k_tot]
        if line_rows is not None and total_rows is not None:
            block_ok[m] = _block_totals(
                k_lines,
                np.asarray(line_rows),
                line_values,
                k_tot,
                np.asarray(total_rows)[m],
                amounts[m],
            )
    has_lines = counts > 0
    diff = amounts - np.where(has_lines, sums, 0.0)
    equal = has_lines & ((np.abs(diff) <= _total_tolerance(amounts, counts)) | block_ok)
    differ = has_lines & ~equal
    summary.update(
        equal=int(equal.sum()), differ=int(differ.sum()), without_lines=int((~has_lines).sum())
    )
    pos = np.flatnonzero(differ)
    if len(pos):
        msgs = [
            f"the total row holds {_fmt(amounts[i])} but the {counts[i]:,} line(s) it totals sum"
            f" to {_fmt(sums[i])}"
            f" (difference {_fmt(diff[i])})"
            for i in pos
        ]
        iss.add(pos, value, amounts[pos], IssueCode.TOTAL_MISMATCH, WARNING, msgs)
    return iss, summary


def _total_tolerance(amounts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Half a cent per line and for the total (each rounded to the cent on its own), at least
    a cent, and a relative 1e-12 for float sums of large amounts."""
    out: np.ndarray = np.maximum(0.01, 0.005 * (counts + 1)) + 1e-12 * np.abs(amounts)
    return out


def _block_totals(
    k_lines: np.ndarray,
    r_lines: np.ndarray,
    v_lines: np.ndarray,
    k_tot: np.ndarray,
    r_tot: np.ndarray,
    a_tot: np.ndarray,
) -> np.ndarray:
    """Per total row: does it equal the lines with its key between it and the next total row of
    that key (below it), or between the previous one and it (above it)?"""
    nt = len(k_tot)
    kids = np.concatenate([k_lines, k_tot])
    rows = np.concatenate([r_lines, r_tot])
    is_tot = np.concatenate([np.zeros(len(k_lines), dtype=bool), np.ones(nt, dtype=bool)])
    order = np.lexsort((~is_tot, rows, kids))  # by key, then row (a total before lines of its row)
    k_s, t_s = kids[order], is_tot[order]
    starts = np.r_[True, k_s[1:] != k_s[:-1]]
    seg = np.cumsum(t_s)
    seg = seg - np.maximum.accumulate(
        np.where(starts, seg - t_s, 0)
    )  # totals seen so far in the key
    seg_of = np.empty_like(seg)
    seg_of[order] = seg
    seg_lines, seg_tot = seg_of[: len(k_lines)], seg_of[len(k_lines) :]
    width = int(seg.max()) + 2
    valid = k_lines >= 0
    code = k_lines[valid].astype(np.int64) * width + seg_lines[valid]
    uniq, inv = np.unique(code, return_inverse=True)
    sums = np.bincount(inv, weights=v_lines[valid])
    cnts = np.bincount(inv)

    def lookup(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        i = np.searchsorted(uniq, c)
        i = np.minimum(i, len(uniq) - 1) if len(uniq) else i
        hit = (len(uniq) > 0) & (uniq[i] == c) if len(uniq) else np.zeros(len(c), dtype=bool)
        return np.where(hit, sums[i] if len(uniq) else 0.0, 0.0), np.where(
            hit, cnts[i] if len(uniq) else 0, 0
        )

    base = k_tot.astype(np.int64) * width
    after, n_after = lookup(base + seg_tot)  # lines after this total, before the next
    before, n_before = lookup(base + seg_tot - 1)  # lines after the previous total, before this
    ok_after = (n_after > 0) & (np.abs(a_tot - after) <= _total_tolerance(a_tot, n_after))
    ok_before = (n_before > 0) & (np.abs(a_tot - before) <= _total_tolerance(a_tot, n_before))
    return np.asarray(ok_after | ok_before, dtype=bool)


# ------------------------------------------------------------------------------------------
# row checks
# ------------------------------------------------------------------------------------------


@dataclass
class RowCheck:
    """Typed canonical columns of a chunk plus its issues and which rows are rejected."""

    columns: dict[str, pa.Array]
    issues: Issues
    reject: np.ndarray
    amounts: np.ndarray | None = None  # budget: parsed amounts (NaN where not parsed)
    #: the rows' codes for the checks across rows
    keys: ChunkKeys = field(default_factory=lambda: ChunkKeys.empty())
    #: per row, the classification column whose label reads as a total (None: not a total row);
    #: None when no row is a total or totals were not looked for
    total_column: np.ndarray | None = None


_ASCII_SPACE = " \t\n\r\x0b\x0c"


@dataclass
class _Coded:
    """A string column as a (small) dictionary of distinct values plus one index per row.

    Trimming, missing markers, recodes and checks run once per distinct value; rows only see
    integer indices, so a million-row column with a few hundred distinct values costs little.
    """

    dictionary: pa.Array  # large_string; null where the value is a missing marker
    idx: np.ndarray  # int64 per row, -1 = missing
    #: the column as read, when every value is kept as it is (no trimming, no missing
    #: marker, no recode): then :meth:`array` returns it without copying
    original: pa.Array | None = None
    #: the dictionary as Python values (it is small: per-value work is done in Python)
    values: list[str | None] | None = None

    def _values(self) -> list[str | None]:
        if self.values is None:
            self.values = self.dictionary.to_pylist()
        return self.values

    @classmethod
    def from_column(cls, col: Any, missing: tuple[str, ...]) -> _Coded:
        if isinstance(col, pd.Series) and isinstance(col.dtype, pd.CategoricalDtype):
            # already coded (a pandas category column): take its codes as they are
            codes = np.asarray(col.cat.codes.to_numpy(), dtype=np.int64)
            return cls._from_dictionary(
                to_string_array(pd.Series(col.cat.categories)), codes, missing, None
            )
        arr = to_string_array(col)
        enc = pc.dictionary_encode(arr)
        ind = enc.indices
        idx = (
            (ind.fill_null(-1) if ind.null_count else ind)
            .to_numpy(zero_copy_only=False)
            .astype(np.int64)
        )
        return cls._from_dictionary(enc.dictionary, idx, missing, arr)

    @classmethod
    def _from_dictionary(
        cls, dictionary: pa.Array, idx: np.ndarray, missing: tuple[str, ...], arr: pa.Array | None
    ) -> _Coded:
        """Trim the distinct values and null the missing markers; keep ``arr`` (the column as
        read) when that changes nothing. The dictionary is small, so this runs on Python
        values (Arrow's calls cost more than the work on a few hundred values)."""
        raw: list[str | None] = dictionary.to_pylist()
        if all(v is None or v.isascii() for v in raw):
            # the ASCII characters that utf8_trim_whitespace trims (Unicode White_Space)
            trimmed = [None if v is None else v.strip(_ASCII_SPACE) for v in raw]
        else:
            trimmed = pc.utf8_trim_whitespace(pc.cast(dictionary, pa.large_string())).to_pylist()
        markers = set(missing) | {""}
        values = [None if v is None or v in markers else v for v in trimmed]
        unchanged = values == raw
        d = pa.array(values, type=pa.large_string())
        keep = arr if arr is not None and unchanged and arr.null_count == 0 else None
        if keep is not None and not pa.types.is_large_string(keep.type):
            keep = pc.cast(keep, pa.large_string())
        return cls(d, idx, keep, values)

    @classmethod
    def empty(cls, n: int) -> _Coded:
        return cls(pa.array([], type=pa.large_string()), np.full(n, -1, dtype=np.int64))

    def _dict_valid(self) -> np.ndarray:
        return np.asarray([v is not None for v in self._values()] + [False], dtype=bool)

    def missing(self) -> np.ndarray:
        return np.asarray(~self._dict_valid()[self.idx], dtype=bool)

    def recode(self, fn: Callable[[str], str | None]) -> tuple[_Coded, np.ndarray]:
        """Map every distinct value through ``fn``; returns the new column and, per row,
        whether the value was present but unknown (``fn`` returned None)."""
        values = self._values()
        mapped = [None if v is None else fn(v) for v in values]
        unknown_d = np.asarray(
            [v is not None and m is None for v, m in zip(values, mapped, strict=True)] + [False],
            dtype=bool,
        )
        same = self.original is not None and mapped == values
        new = _Coded(
            pa.array(mapped, type=pa.large_string()),
            self.idx,
            self.original if same else None,
            mapped,
        )
        return new, unknown_d[self.idx]

    def array(self) -> pa.Array:
        if self.original is not None:
            return self.original
        if len(self.dictionary) == 0:
            return pa.nulls(len(self.idx), pa.large_string())
        return pc.take(self.dictionary, pa.array(self.idx, mask=self.idx < 0))

    def hashes(self) -> np.ndarray:
        vals = np.asarray([*self._values(), None], dtype=object)
        h = pd.util.hash_array(vals, categorize=False)
        out: np.ndarray = np.asarray(h, dtype=np.uint64)[self.idx]
        return out


def _np_strings(arr: pa.Array) -> np.ndarray:
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object)


def _hash_numbers(v: np.ndarray) -> np.ndarray:
    return np.asarray(pd.util.hash_array(np.asarray(v, dtype="float64")), dtype=np.uint64)


def _hash_strings(arr: pa.Array) -> np.ndarray:
    return _Coded.from_column(arr, ()).hashes()


def check_rows(
    kind: str,
    staged: pd.DataFrame | Mapping[str, pd.Series],
    *,
    present: set[str],
    decimal: str = ".",
    thousands: str | None = None,
    multiplier: Callable[[str], float | np.ndarray] = lambda _c: 1.0,
    na_values: tuple[str, ...] = (),
    issues: Issues | None = None,
    n_rows: int | None = None,
    find_totals: bool = False,
) -> RowCheck:
    """Coerce the canonical columns of ``staged`` to their types and check every value.

    ``staged`` holds the canonical columns as read (strings, or typed values from a DataFrame,
    a workbook or Arrow's parser): a DataFrame, or a mapping of positionally indexed Series of
    ``n_rows`` rows (the reader's chunks, which skip building a frame); ``present`` names the
    columns the source actually provided (the rest are missing). Nothing raises on a bad value.
    ``find_totals``: mark the rows whose label in a classification column reads as a total
    (:func:`is_total_label`) in ``RowCheck.total_column``.
    """
    schema = load_schema(kind)
    columns: Mapping[str, pd.Series] = (
        {c: staged[c] for c in staged.columns} if isinstance(staged, pd.DataFrame) else staged
    )
    if isinstance(staged, pd.DataFrame):
        n = len(staged)
    else:
        n = n_rows if n_rows is not None else (len(next(iter(columns.values()))) if columns else 0)
    iss = issues if issues is not None else Issues()
    missing_markers = tuple(schema.missing_values) + tuple(na_values)
    out: dict[str, pa.Array] = {}
    hashes: dict[str, np.ndarray] = {}
    amounts: np.ndarray | None = None
    phase_flags: np.ndarray | None = None
    total_column: np.ndarray | None = None

    hashed = key_columns(kind).hashed

    def want(column: str) -> bool:
        return column in hashed

    def raw_values(name: str, pos: np.ndarray) -> np.ndarray:
        if len(pos) == 0 or name not in columns:
            return np.full(len(pos), None, dtype=object)
        return np.asarray(columns[name].iloc[pos].to_numpy(dtype=object), dtype=object)

    for f in schema.fields:
        name = f.name
        col = columns.get(name)
        if f.type == "string":
            coded = _Coded.empty(n) if col is None else _Coded.from_column(col, missing_markers)
            miss = coded.missing()
            coded = _check_string_field(f, coded, miss, iss, raw_values)
            if f.required and name in present:
                pos = np.flatnonzero(miss)
                iss.add(
                    pos,
                    name,
                    raw_values(name, pos),
                    IssueCode.MISSING_VALUE,
                    ERROR,
                    f"{name} is required but empty",
                )
            if find_totals and name in TOTAL_LABEL_COLUMNS and col is not None:
                flagged = np.asarray(
                    [v is not None and is_total_label(v) for v in coded._values()] + [False]
                )[coded.idx]
                if flagged.any():
                    if total_column is None:
                        total_column = np.full(n, None, dtype=object)
                    total_column[flagged & pd.isna(total_column)] = name
            out[name] = coded.array()
            if name == C.PHASE:
                phase_flags = np.append(_phase_flags(coded._values()), np.int8(PhaseFlag.OTHER))[
                    coded.idx
                ]
            if want(name):
                hashes[name] = coded.hashes()
        elif f.type == "integer":
            if col is None:
                out[name] = pa.nulls(n, pa.int64())
                if want(name):
                    hashes[name] = _hash_numbers(np.full(n, np.nan))
                continue
            p = parse_years(col, missing=missing_markers)
            bad = np.flatnonzero(p.status == INVALID)
            iss.add(
                bad,
                name,
                raw_values(name, bad),
                IssueCode.NOT_A_YEAR if "year" in name else IssueCode.NOT_AN_INTEGER,
                ERROR,
                _by_unique(raw_values(name, bad), partial(_msg_not_integer, name)),
            )
            v = p.values
            ok = p.status == OK
            lo, hi = f.minimum, f.maximum
            if lo is not None or hi is not None:
                out_of = ok & (
                    ((v < lo) if lo is not None else False)
                    | ((v > hi) if hi is not None else False)
                )
                pos = np.flatnonzero(out_of)
                iss.add(
                    pos,
                    name,
                    raw_values(name, pos),
                    IssueCode.IMPLAUSIBLE_YEAR if "year" in name else IssueCode.OUT_OF_RANGE,
                    ERROR,
                    _by_unique(v[pos], partial(_msg_range, name, lo, hi)),
                )
                ok = ok & ~out_of
            if f.required and name in present:
                pos = np.flatnonzero(p.status == MISSING)
                iss.add(
                    pos,
                    name,
                    raw_values(name, pos),
                    IssueCode.MISSING_VALUE,
                    ERROR,
                    f"{name} is required but empty",
                )
            ints = np.where(ok, np.nan_to_num(v), 0).astype(np.int64)
            out[name] = pa.array(ints, mask=~ok)
            if want(name):
                hashes[name] = _hash_numbers(np.where(ok, v, np.nan))
        elif f.type == "number":
            if col is None:
                out[name] = pa.nulls(n, pa.float64())
                if want(name):
                    hashes[name] = _hash_numbers(np.full(n, np.nan))
                if kind == "budget" and name == C.AMOUNT:
                    amounts = np.full(n, np.nan)
                continue
            p = parse_numbers(col, decimal=decimal, thousands=thousands, missing=missing_markers)
            v = p.values
            mult = multiplier(name)  # a number, or one per row (a wide column's own unit)
            if isinstance(mult, np.ndarray) or mult != 1.0:
                v = v * mult
            bad = np.flatnonzero(p.status == INVALID)
            hint = f"; {p.hint}" if p.hint else ""
            iss.add(
                bad,
                name,
                raw_values(name, bad),
                IssueCode.NOT_A_NUMBER,
                ERROR,
                _by_unique(raw_values(name, bad), partial(_msg_not_number, name, hint)),
            )
            ok = p.status == OK
            nonfinite = ok & ~np.isfinite(np.where(ok, v, 0.0))
            pos = np.flatnonzero(nonfinite)
            iss.add(
                pos,
                name,
                raw_values(name, pos),
                IssueCode.NOT_FINITE,
                ERROR,
                f"{name} must be a finite number",
            )
            ok = ok & ~nonfinite
            if kind == "budget" and name == C.AMOUNT:
                amounts = np.where(ok, v, np.nan)
            _check_bounds(kind, f, v, ok, iss, raw_values)
            if f.required and name in present:
                pos = np.flatnonzero(p.status == MISSING)
                iss.add(
                    pos,
                    name,
                    raw_values(name, pos),
                    IssueCode.MISSING_VALUE,
                    ERROR,
                    f"{name} is required but empty",
                )
            vv = np.where(ok, v, np.nan)
            out[name] = pa.array(vv, mask=~ok)
            if want(name):
                hashes[name] = _hash_numbers(vv)
        else:  # pragma: no cover - schemas only use the three types
            out[name] = pa.nulls(n, pa.large_string())

    if kind == "caseload":
        _caseload_fill(out, iss, raw_values, n)
        for c in (C.LINK, C.UNIT, C.KIND):
            if want(c):
                hashes[c] = _hash_strings(out[c])
    if kind == "budget" and phase_flags is None:
        phase_flags = np.zeros(n, dtype=np.int8)
    keys = ChunkKeys.build(hashes, key_columns(kind), n, phase_flags if kind == "budget" else None)
    return RowCheck(out, iss, iss.reject_mask(n), amounts, keys, total_column)


def _check_bounds(
    kind: str,
    f: FieldSpec,
    v: np.ndarray,
    ok: np.ndarray,
    iss: Issues,
    raw_values: Callable[[str, np.ndarray], np.ndarray],
) -> None:
    name = f.name
    if kind == "budget" and name == C.AMOUNT:
        pos = np.flatnonzero(ok & (v < 0))
        iss.add(
            pos,
            name,
            raw_values(name, pos),
            IssueCode.NEGATIVE_AMOUNT,
            WARNING,
            "negative amount (a refund or correction?); kept",
        )
        return
    if f.minimum is not None:
        pos = np.flatnonzero(ok & (v < f.minimum))
        what = (
            "a count cannot be negative"
            if f.minimum == 0
            else f"is below the minimum {_fmt(f.minimum)}"
        )
        iss.add(
            pos,
            name,
            raw_values(name, pos),
            IssueCode.NEGATIVE_COUNT if f.minimum == 0 else IssueCode.OUT_OF_RANGE,
            ERROR,
            _by_unique(v[pos], partial(_msg_bound, name, what)),
        )
    if f.exclusive_minimum is not None:
        pos = np.flatnonzero(ok & (v <= f.exclusive_minimum))
        iss.add(
            pos,
            name,
            raw_values(name, pos),
            IssueCode.OUT_OF_RANGE,
            ERROR,
            _by_unique(
                v[pos],
                partial(_msg_bound, name, f"must be greater than {_fmt(f.exclusive_minimum)}"),
            ),
        )
    if f.maximum is not None:
        pos = np.flatnonzero(ok & (v > f.maximum))
        iss.add(
            pos,
            name,
            raw_values(name, pos),
            IssueCode.OUT_OF_RANGE,
            ERROR,
            _by_unique(
                v[pos], partial(_msg_bound, name, f"is above the maximum {_fmt(f.maximum)}")
            ),
        )


def _check_string_field(
    f: FieldSpec,
    coded: _Coded,
    miss: np.ndarray,
    iss: Issues,
    raw_values: Callable[[str, np.ndarray], np.ndarray],
) -> _Coded:
    """Recode and check a string column once per distinct value; unknown values become null."""
    name = f.name
    if len(coded.idx) == 0 or miss.all():
        return coded
    if name in (C.COUNTRY, C.CURRENCY):
        checker = is_country if name == C.COUNTRY else is_currency
        recoded, unknown = coded.recode(partial(_upper_if, checker))
        pos = np.flatnonzero(unknown)
        if name == C.COUNTRY:
            iss.add(
                pos,
                name,
                raw_values(name, pos),
                IssueCode.UNKNOWN_COUNTRY,
                ERROR,
                _by_unique(raw_values(name, pos), _country_message),
            )
        else:
            iss.add(
                pos,
                name,
                raw_values(name, pos),
                IssueCode.UNKNOWN_CURRENCY,
                ERROR,
                _by_unique(
                    raw_values(name, pos),
                    lambda v: f"{v!r} is not an ISO 4217 currency code (e.g. USD, GTQ, CRC)",
                ),
            )
        return recoded
    if name == C.PHASE:
        recoded, unknown = coded.recode(lambda v: p.value if (p := parse_phase(v)) else None)
        pos = np.flatnonzero(unknown)
        iss.add(
            pos,
            name,
            raw_values(name, pos),
            IssueCode.UNKNOWN_PHASE,
            ERROR,
            _by_unique(raw_values(name, pos), _phase_message),
        )
        return recoded
    if name == C.LINK:
        recoded, unknown = coded.recode(lambda v: lk.value if (lk := parse_link(v)) else None)
        pos = np.flatnonzero(unknown)
        choices = [lk.value for lk in Link]
        iss.add(
            pos,
            name,
            raw_values(name, pos),
            IssueCode.UNKNOWN_LINK,
            ERROR,
            _by_unique(raw_values(name, pos), lambda v: _unknown_message(name, v, choices)),
        )
        return recoded
    if name == C.MEASURE:
        recoded, unknown = coded.recode(resolve_measure)
        pos = np.flatnonzero(unknown)
        iss.add(
            pos,
            name,
            raw_values(name, pos),
            IssueCode.UNKNOWN_MEASURE,
            ERROR,
            _by_unique(raw_values(name, pos), lambda v: _unknown_message(name, v, list(MEASURES))),
        )
        return recoded
    if f.enum is not None:
        choices = list(f.enum)
        recoded, unknown = coded.recode(partial(_lower_in, choices))
        pos = np.flatnonzero(unknown)
        iss.add(
            pos,
            name,
            raw_values(name, pos),
            IssueCode.NOT_IN_ENUM,
            ERROR,
            _by_unique(raw_values(name, pos), partial(_unknown_for, name, choices)),
        )
        return recoded
    if f.pattern is not None:
        rx = re.compile(f.pattern)
        recoded, unknown = coded.recode(partial(_if_match, rx))
        pos = np.flatnonzero(unknown)
        iss.add(
            pos,
            name,
            raw_values(name, pos),
            IssueCode.PATTERN,
            ERROR,
            _by_unique(raw_values(name, pos), partial(_msg_pattern, name, f.pattern)),
        )
        return recoded
    return coded


def _country_message(v: object) -> str:
    hint = country_hint(v)
    text = f"{v!r} is not an ISO 3166 alpha-3 country code"
    if hint:
        text += f"; did you mean {hint!r} ({COUNTRIES[hint][1] if hint in COUNTRIES else hint})?"
        text += f" (recode it with values: {{country: {{{v!s}: {hint}}}}})"
    return text


def _phase_message(v: object) -> str:
    close = closest(v, _phase_choices())
    text = f"unknown phase {v!r}; expected proposed, approved, modified or executed"
    if close:
        mapped = [
            f"{c}"
            + (
                f" (= {PHASE_ALIASES[c].value})"
                if c in PHASE_ALIASES and c != PHASE_ALIASES[c].value
                else ""
            )
            for c in close
        ]
        text += f"; closest: {', '.join(mapped)}"
    return text


def _unknown_message(column: str, v: object, choices: list[str]) -> str:
    close = closest(v, choices)
    text = f"unknown {column} {v!r}"
    if close:
        text += f"; closest valid names: {', '.join(close)}"
    else:
        shown = ", ".join(choices[:12]) + (" ..." if len(choices) > 12 else "")
        text += f"; expected one of: {shown}"
    return text


def _caseload_fill(
    out: dict[str, pa.Array],
    iss: Issues,
    raw_values: Callable[[str, np.ndarray], np.ndarray],
    n: int,
) -> None:
    """Fill link, unit and kind from the measure vocabulary where the source lacks them."""
    measure = out[C.MEASURE]
    names = sorted(MEASURES)
    m_idx = pc.index_in(measure, value_set=pa.array(names, type=pa.large_string()))
    for col, attr in ((C.LINK, "link"), (C.UNIT, "unit"), (C.KIND, "kind")):
        vocab = pa.array([str(getattr(MEASURES[nm], attr)) for nm in names], type=pa.large_string())
        filled = pc.take(vocab, m_idx)
        given = out[col]
        if col == C.KIND:
            both = pc.and_(pc.is_valid(given), pc.is_valid(filled))
            differs = pc.and_(both, pc.not_equal(given, filled)).fill_null(False)
            pos = np.flatnonzero(np.asarray(differs.to_numpy(zero_copy_only=False), dtype=bool))
            if len(pos):
                mvals = _np_strings(measure)[pos]
                gvals = _np_strings(given)[pos]
                iss.add(
                    pos,
                    col,
                    gvals,
                    IssueCode.KIND_MISMATCH,
                    WARNING,
                    [
                        f"{m} is a {MEASURES[m].kind} in the vocabulary, the source says {g}"
                        for m, g in zip(mvals, gvals, strict=True)
                    ],
                )
        out[col] = pc.coalesce(given, filled)
    # rows whose measure is known always get link/unit/kind; rows with an unknown measure are
    # already rejected, so a missing link/unit/kind now means a known measure could not fill it
    for col in (C.LINK, C.UNIT, C.KIND):
        pos = np.flatnonzero(
            np.asarray(pc.is_null(out[col]).to_numpy(zero_copy_only=False), dtype=bool)
            & np.asarray(pc.is_valid(measure).to_numpy(zero_copy_only=False), dtype=bool)
        )
        iss.add(
            pos,
            col,
            raw_values(col, pos),
            IssueCode.MISSING_VALUE,
            ERROR,
            f"{col} is required but empty",
        )


# ------------------------------------------------------------------------------------------
# table-level checks (on accepted rows)
# ------------------------------------------------------------------------------------------


def key_columns(kind: str) -> KeyColumns:
    """Column sets for the checks across rows: the primary key, the key without the phase
    (a budget line across its phases) and every value column (exact duplicates)."""
    schema = load_schema(kind)
    key = list(schema.primary_key)
    if kind == "chain_map":
        key = [C.COUNTRY, C.INSTITUTION_CODE, C.PROGRAM, C.FUNC, C.YEAR_FROM, C.YEAR_TO, C.LINK]
    line = [c for c in key if c != C.PHASE]
    rest = [f.name for f in schema.fields if f.name not in key and f.name != C.SOURCE_REF]
    return KeyColumns(key=key, line=line, row=[*key, *rest])


@dataclass(frozen=True)
class KeyColumns:
    """The column sets hashed per row: ``key`` (the primary key), ``line`` (the key without
    the phase) and ``row`` (the key, then every other value column)."""

    key: list[str]
    line: list[str]
    row: list[str]

    @property
    def hashed(self) -> set[str]:
        return set(self.row)


class PhaseFlag(IntEnum):
    """A budget row's phase as the executed-vs-modified check needs it."""

    OTHER = 0
    EXECUTED = 1
    MODIFIED = 2


_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


def combine_hashes(
    hashes: Mapping[str, np.ndarray], cols: list[str], n: int, start: np.ndarray | None = None
) -> np.ndarray:
    """One uint64 per row from per-column hashes (FNV-style mixing; order matters).

    ``start``: the combined hashes of columns that come before ``cols`` (continued, not
    changed), so that a column set extending another costs only its extra columns (the budget
    ``key`` is the ``line`` plus the phase, the ``row`` the key plus the rest: about 5-10 %
    less CPU at 1M lines than hashing each set from scratch).
    """
    h = np.full(n, _FNV_OFFSET, dtype=np.uint64) if start is None else start.copy()
    with np.errstate(over="ignore"):
        for c in cols:
            if c in hashes:
                np.bitwise_xor(h, hashes[c], out=h)
                np.multiply(h, _FNV_PRIME, out=h)
    return h


@dataclass(frozen=True)
class ChunkKeys:
    """The hash codes of a chunk's rows for the checks across rows (built by
    :func:`check_rows`, owned here): ``key``, ``line`` and ``row`` codes (uint64 per row, see
    :class:`KeyColumns`) and, for budgets, each row's :class:`PhaseFlag`."""

    key: np.ndarray
    line: np.ndarray
    row: np.ndarray
    phase: np.ndarray | None = None

    @classmethod
    def build(
        cls, hashes: Mapping[str, np.ndarray], sets: KeyColumns, n: int, phase: np.ndarray | None
    ) -> ChunkKeys:
        """From per-column hashes; the key continues the line's codes (the phase is the key's
        last column in the budget schema) and the row's continue the key's."""
        line = combine_hashes(hashes, sets.line, n)
        if sets.key[: len(sets.line)] == sets.line:
            key = combine_hashes(hashes, sets.key[len(sets.line) :], n, start=line)
        else:
            key = combine_hashes(hashes, sets.key, n)
        row = combine_hashes(hashes, sets.row[len(sets.key) :], n, start=key)
        return cls(key, line, row, phase)

    @classmethod
    def empty(cls) -> ChunkKeys:
        z = np.zeros(0, dtype=np.uint64)
        return cls(z, z, z, None)

    def __len__(self) -> int:
        return len(self.key)

    def select(self, mask: np.ndarray) -> ChunkKeys:
        """The keys of the rows where ``mask`` is True (the accepted rows)."""
        if mask.all():
            return self
        return ChunkKeys(
            self.key[mask],
            self.line[mask],
            self.row[mask],
            None if self.phase is None else self.phase[mask],
        )

    def sorted(self) -> SortedKeys:
        """The sorting the checks across rows need, done for this chunk (in the reader's
        worker threads): see :class:`SortedKeys`."""
        key = np.sort(_high(self.key))
        if self.phase is None:
            return SortedKeys(key)
        line = _high(self.line)
        return SortedKeys(
            key,
            np.sort(line[self.phase == PhaseFlag.EXECUTED]),
            np.sort(line[self.phase == PhaseFlag.MODIFIED]),
        )


@dataclass(frozen=True)
class SortedKeys:
    """Sorted high 32 bits of a chunk's ``key`` codes, and of the ``line`` codes of its
    executed and modified rows.

    Sorting is the costly part of the checks across rows. Sorting the high halves costs about
    60 % of sorting the 64-bit codes (0.66 s against 1.03 s for 2M codes here); each chunk sorts
    its own (in the workers, while the next block is parsed), and the sorted runs of all chunks
    are joined with one stable (run-aware) sort (:func:`_merge_runs`). Equal high halves are
    only candidates: the checks confirm them on the full 64-bit codes.
    """

    key: np.ndarray
    executed: np.ndarray | None = None
    modified: np.ndarray | None = None


class TableKeys:
    """The keys of a whole table: the chunks' codes joined, their sorted runs merged when a
    check first asks for them."""

    def __init__(self, parts: list[tuple[ChunkKeys, SortedKeys | None]]) -> None:
        self._runs = [s for _k, s in parts]  # the chunks' codes are joined below, not kept
        budget = bool(parts) and all(k.phase is not None for k, _s in parts)
        self.key = _join([k.key for k, _s in parts], np.uint64)
        self.line = _join([k.line for k, _s in parts], np.uint64)
        self.row = _join([k.row for k, _s in parts], np.uint64)
        self.phase: np.ndarray | None = (
            _join([k.phase for k, _s in parts if k.phase is not None], np.int8) if budget else None
        )

    @classmethod
    def of_frame(cls, kind: str, frame: pd.DataFrame) -> TableKeys:
        """The keys of a canonical frame built without the reader."""
        sets = key_columns(kind)
        hashes = frame_hashes(kind, frame)
        phase = None
        if kind == "budget" and C.PHASE in frame.columns:
            phase = _phase_flags(
                frame[C.PHASE].astype(object).where(frame[C.PHASE].notna(), None).tolist()
            )
        keys = ChunkKeys.build(hashes, sets, len(frame), phase)
        return cls([(keys, None)])

    def __len__(self) -> int:
        return len(self.key)

    def _sorted(self, which: str, values: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        runs = [None if s is None else getattr(s, which) for s in self._runs]
        if runs and all(r is not None for r in runs):
            return _merge_runs([r for r in runs if r is not None])
        high = _high(values if mask is None else values[mask])
        return np.sort(high)

    @cached_property
    def key_sorted(self) -> np.ndarray:
        """High 32 bits of the ``key`` codes, sorted."""
        return self._sorted("key", self.key)

    @cached_property
    def executed_sorted(self) -> np.ndarray:
        """High 32 bits of the ``line`` codes of the executed rows, sorted."""
        assert self.phase is not None
        return self._sorted("executed", self.line, self.phase == PhaseFlag.EXECUTED)

    @cached_property
    def modified_sorted(self) -> np.ndarray:
        """High 32 bits of the ``line`` codes of the modified rows, sorted."""
        assert self.phase is not None
        return self._sorted("modified", self.line, self.phase == PhaseFlag.MODIFIED)


def _join(arrays: list[np.ndarray], dtype: Any) -> np.ndarray:
    if not arrays:
        return np.zeros(0, dtype=dtype)
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


def _merge_runs(runs: list[np.ndarray]) -> np.ndarray:
    """Sorted runs joined with numpy's stable sort, which finds and merges the runs: 2M uint32
    codes in 16 sorted runs took 0.25 s here against 0.75 s for sorting them afresh."""
    if len(runs) == 1:
        return runs[0]
    return np.sort(np.concatenate(runs), kind="stable")


def _phase_flags(values: list[Any]) -> np.ndarray:
    lookup = {Phase.EXECUTED.value: PhaseFlag.EXECUTED, Phase.MODIFIED.value: PhaseFlag.MODIFIED}
    return np.asarray([lookup.get(v, PhaseFlag.OTHER) for v in values], dtype=np.int8)


def frame_hashes(kind: str, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per-column row hashes of a canonical frame (for tables built without the reader)."""
    out: dict[str, np.ndarray] = {}
    for f in load_schema(kind).fields:
        if f.name not in frame.columns or f.name == C.SOURCE_REF:
            continue
        col = frame[f.name]
        if f.type in ("number", "integer"):
            out[f.name] = _hash_numbers(
                pd.to_numeric(col, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
            )
        else:
            out[f.name] = _Coded.from_column(col, ()).hashes()
    return out


def _high(codes: np.ndarray) -> np.ndarray:
    """The high 32 bits of uint64 codes."""
    return np.asarray(codes >> np.uint64(32), dtype=np.uint32)


def table_checks(
    kind: str,
    frame: pd.DataFrame,
    rows: np.ndarray,
    keys: TableKeys | None = None,
) -> tuple[Issues, np.ndarray]:
    """Checks across rows: duplicates, executed far above modified, chain-map shares.

    ``keys`` holds the codes of the frame's rows (:class:`TableKeys`, from the reader's
    chunks); computed from ``frame`` when not given. Exact duplicates are looked for among the
    rows whose key repeats only. Returns the issues (positions into ``frame``) and a mask of
    rows to reject (context rows repeating a country-year).
    """
    iss = Issues()
    n = len(frame)
    reject = np.zeros(n, dtype=bool)
    if n == 0:
        return iss, reject
    if keys is None:
        keys = TableKeys.of_frame(kind, frame)
    sets = key_columns(kind)
    tasks = [partial(_duplicates, kind, frame, rows, keys, sets.key, reject)]
    if kind == "budget":
        tasks.append(partial(_executed_vs_modified, frame, keys))
    if n >= PARALLEL_MIN_ROWS:  # independent: in two threads (numpy and pandas release the GIL)
        with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
            found = [f.result() for f in [pool.submit(t) for t in tasks]]
    else:
        found = [t() for t in tasks]
    for part in found:  # in a fixed order: duplicates, then executed vs modified
        iss.extend(part)
    if kind == "chain_map":
        _share_sums(frame, iss)
    return iss, reject


def _duplicates(
    kind: str,
    frame: pd.DataFrame,
    rows: np.ndarray,
    keys: TableKeys,
    key: list[str],
    reject: np.ndarray,
) -> Issues:
    """Duplicate keys and exact duplicate rows; context rows repeating a key are rejected
    (marked in ``reject``). Messages are templates: a million duplicates cost two arrays."""
    iss = Issues()
    sub, first_k, dup_key = _repeats(keys.key, rows, keys.key_sorted)  # rows whose key repeats
    if len(sub) == 0:
        return iss
    if kind == "context":
        pos = sub[dup_key]
        region = frame[C.REGION] if C.REGION in frame.columns else pd.Series([None] * len(frame))
        iss.add(
            pos,
            ",".join(key),
            None,
            IssueCode.DUPLICATE_KEY,
            ERROR,
            [
                f"a second row for {frame[C.COUNTRY].iat[int(i)]} {frame[C.YEAR].iat[int(i)]}"
                + (f" {region.iat[int(i)]}" if isinstance(region.iat[int(i)], str) else "")
                + f" (first on row {f}); rejected"
                for i, f in zip(pos, first_k[dup_key], strict=True)
            ],
        )
        reject[pos] = True
        return iss
    # exact duplicates: among the rows whose key repeats, those whose whole row repeats
    in_sub, first_r, again = _repeats(keys.row[sub], np.asarray(rows)[sub])
    dup_exact = np.zeros(len(sub), dtype=bool)
    dup_exact[in_sub[again]] = True
    first_f = np.zeros(len(sub), dtype=np.int64)
    first_f[in_sub] = first_r
    if dup_exact.any():
        iss.add(
            sub[dup_exact],
            None,
            None,
            IssueCode.DUPLICATE_ROW,
            WARNING,
            Template(
                "same values as row {first}: counted twice if both are real",
                first=first_f[dup_exact],
            ),
        )
    other = dup_key & ~dup_exact
    if other.any():
        shown = [c for c in key if c in frame.columns]
        label = ", ".join(shown).replace("{", "{{").replace("}", "}}")
        iss.add(
            sub[other],
            ",".join(shown),
            None,
            IssueCode.DUPLICATE_KEY,
            WARNING,
            Template(f"same {label} as row {{first}} with other values", first=first_k[other]),
        )
    return iss


def take_rows(frame: pd.DataFrame, pos: np.ndarray) -> pd.DataFrame:
    """``frame.iloc[pos]`` (``pos`` increasing) for a few rows of a large frame.

    The reader's string columns are Arrow arrays in many chunks, and taking from a chunked
    array first joins its chunks (copying the column); here each chunk gives its own rows.
    """
    if len(pos) > len(frame) // 16:
        return frame.iloc[pos].reset_index(drop=True)
    cols: dict[str, Any] = {}
    for c in frame.columns:
        s = frame[c]
        if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
            data = pa.array(s.array)
            if isinstance(data, pa.ChunkedArray) and data.num_chunks > 1:
                ends = np.cumsum([len(ch) for ch in data.chunks])
                which = np.searchsorted(ends, pos, side="right")
                starts = ends - np.asarray([len(ch) for ch in data.chunks])
                parts = [
                    data.chunk(int(k)).take(pa.array(pos[which == k] - starts[k]))
                    for k in np.unique(which)
                ]
                taken = pa.concat_arrays(parts) if parts else pa.array([], type=data.type)
                cols[c] = pd.Series(pd.arrays.ArrowStringArray(taken, dtype=s.dtype), copy=False)  # type: ignore[call-arg]
                continue
        cols[c] = s.iloc[pos].reset_index(drop=True)
    return pd.DataFrame(cols, columns=frame.columns)


def _repeats(
    codes: np.ndarray, rows: np.ndarray, ordered: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows whose code occurs more than once: their positions, the source row number of
    the first row with the same code, and whether the row repeats an earlier one.

    Two measured tricks (2M rows of which 2M repeat one of 28,800 keys, or none repeats):

    - Candidates first: the high 32 bits of the codes are sorted by value (``ordered``: already
      sorted, e.g. merged from the chunks' runs), and only rows whose high half has an equal
      neighbour go on (a hash lookup). Where almost no row repeats (a whole budget line's
      code) this costs 0.15 s where hashing all 2M codes cost 1.0 s.
    - One ``pd.factorize`` of the candidates' full codes both confirms them (a group of one
      is no repeat) and gives the first occurrences: it numbers codes in order of first
      appearance, so a row is a first occurrence exactly where its number exceeds every
      number before it (no Python loop; one hash pass where ``duplicated`` and then
      ``factorize`` took two, 0.45 s against 0.77 s).
    """
    n = len(codes)
    none = np.zeros(0, dtype=np.int64)
    if n < 2:
        return none, none, np.zeros(0, dtype=bool)
    high = _high(codes)
    if ordered is None:
        ordered = np.sort(high)
    eq = ordered[1:] == ordered[:-1]
    if not eq.any():
        return none, none, np.zeros(0, dtype=bool)
    cand = np.flatnonzero(_in_set(high, np.unique(ordered[1:][eq])))
    g, _u = pd.factorize(codes[cand])
    counts = np.bincount(g)
    keep = counts[g] > 1
    pos, g = cand[keep], g[keep]  # group numbers keep their order of first appearance (with gaps)
    if len(pos) == 0:
        return none, none, np.zeros(0, dtype=bool)
    seen = np.maximum.accumulate(g)
    is_first = np.ones(len(g), dtype=bool)
    is_first[1:] = g[1:] > seen[:-1]
    first_of = np.zeros(len(counts), dtype=np.int64)
    first_of[g[is_first]] = pos[is_first]
    first: np.ndarray = np.asarray(rows)[first_of[g]]
    return pos, first, ~is_first


def _in_set(values: np.ndarray, members: np.ndarray) -> np.ndarray:
    """``values ∈ members`` row by row, by hashing ``members`` (pandas ``isin``)."""
    return np.asarray(pd.Series(values, copy=False).isin(members).to_numpy(), dtype=bool)


def _common(a: np.ndarray, b: np.ndarray, *, presorted: bool = False) -> np.ndarray:
    """Sorted distinct values present in both ``a`` and ``b`` (two value sorts, one search)."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros(0, dtype=np.result_type(a, b))
    sa, sb = (a, b) if presorted else (np.sort(a), np.sort(b))
    pos = np.minimum(np.searchsorted(sb, sa), len(sb) - 1)
    return np.unique(sa[sb[pos] == sa])


def _executed_vs_modified(frame: pd.DataFrame, keys: TableKeys) -> Issues:
    """Executed amounts far above the modified budget of the same line (warnings)."""
    iss = Issues()
    if C.PHASE not in frame.columns or C.AMOUNT not in frame.columns:
        return iss
    line_codes = keys.line
    if keys.phase is not None:
        is_ex, is_mod = keys.phase == PhaseFlag.EXECUTED, keys.phase == PhaseFlag.MODIFIED
    else:
        phase = frame[C.PHASE]
        is_ex = (phase == Phase.EXECUTED.value).to_numpy(dtype=bool, na_value=False)
        is_mod = (phase == Phase.MODIFIED.value).to_numpy(dtype=bool, na_value=False)
    if not is_ex.any() or not is_mod.any():
        return iss
    # only lines with both an executed and a modified amount can be compared
    # (on the high 32 bits: a few extra candidates, which the sums below tell apart)
    if keys.phase is not None:
        both = _common(keys.executed_sorted, keys.modified_sorted, presorted=True)
    else:
        both = _common(_high(line_codes[is_ex]), _high(line_codes[is_mod]))
    if len(both) == 0:
        return iss
    sub = np.flatnonzero(is_ex | is_mod)
    sub = sub[_in_set(_high(line_codes[sub]), both)]
    g, _u = pd.factorize(line_codes[sub])
    amt = np.nan_to_num(frame[C.AMOUNT].to_numpy(dtype="float64", na_value=np.nan)[sub])
    ex, mod = is_ex[sub], is_mod[sub]
    k = int(g.max()) + 1
    ex_sum = np.bincount(g, weights=np.where(ex, amt, 0.0), minlength=k)
    mod_sum = np.bincount(g, weights=np.where(mod, amt, 0.0), minlength=k)
    far = (mod_sum > 0) & (ex_sum > EXECUTED_OVER_MODIFIED * mod_sum)
    hit = ex & far[g]
    pos = sub[hit]
    if len(pos):
        e, m = ex_sum[g[hit]], mod_sum[g[hit]]
        iss.add(
            pos,
            C.AMOUNT,
            amt[hit],
            IssueCode.EXECUTED_ABOVE_MODIFIED,
            WARNING,
            Template(
                "executed {e} is {ratio:.1f}× the modified budget {m} for the same line",
                {"e": _fmt, "m": _fmt},
                e=e,
                ratio=e / m,
                m=m,
            ),
        )
    return iss


def _share_sums(frame: pd.DataFrame, iss: Issues) -> None:
    key = [
        c
        for c in (C.COUNTRY, C.INSTITUTION_CODE, C.PROGRAM, C.FUNC, C.YEAR_FROM, C.YEAR_TO)
        if c in frame.columns
    ]
    if not key or C.SHARE not in frame.columns:
        return
    g = frame.groupby(key, dropna=False, sort=False, observed=True)[C.SHARE]
    total = g.transform("sum").to_numpy()
    first = ~frame.duplicated(key, keep="first").to_numpy()
    bad = first & (np.abs(total - 1.0) > SHARE_TOLERANCE)
    pos = np.flatnonzero(bad)
    if len(pos):
        iss.add(
            pos,
            C.SHARE,
            total[pos],
            IssueCode.SHARES_NOT_ONE,
            WARNING,
            [
                f"the shares of this rule ({_rule_label(frame, key, int(i))}) sum to"
                f" {total[i]:.4g}, not 1"
                for i in pos
            ],
        )


def _rule_label(frame: pd.DataFrame, key: list[str], i: int) -> str:
    parts = []
    for k in key:
        v = frame[k].iat[i]
        if v is not None and not (isinstance(v, float) and np.isnan(v)) and v is not pd.NA:
            parts.append(f"{k}={v!s}")
    return ", ".join(parts) or "any line"


# ------------------------------------------------------------------------------------------
# cross-table checks
# ------------------------------------------------------------------------------------------


def _issue_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    if not rows:
        return empty_issues()
    df = pd.DataFrame(rows, columns=list(ISSUE_COLUMNS))
    df["row"] = df["row"].astype("Int64")
    return df


def _pairs(frame: pd.DataFrame, cols: list[str]) -> set[tuple[Any, ...]]:
    if frame is None or frame.empty or not all(c in frame.columns for c in cols):
        return set()
    return set(
        map(tuple, frame[cols].dropna().drop_duplicates().itertuples(index=False, name=None))
    )


def cross_validate(tables: Mapping[str, Table], *, name: str = "") -> ValidationReport:
    """Every table's report merged, plus checks across tables.

    ``tables``: kind (``budget``, ``caseload``, ``context``, ``chain_map``) -> table, as
    :attr:`peir.Dataset.tables` gives them. Cross-table checks (warnings): budget or caseload
    without any context table, or country-years without a context row; budget institutions
    that no chain-map rule mentions (their spending would be ``unallocated``); a budget
    currency other than the context's currency for that country.
    """
    source = name or "dataset"
    report = ValidationReport(table="dataset", source=source)
    for kind, t in tables.items():
        if not t.report.table:
            t.report.table = kind
        report = report.merge(t.report)
    report.table = "dataset"
    report.source = source
    rows: list[dict[str, Any]] = []

    def frame_of(kind: str) -> pd.DataFrame | None:
        t = tables.get(kind)
        return t.frame if t is not None else None

    budget, caseload = frame_of("budget"), frame_of("caseload")
    context, chain = frame_of("context"), frame_of("chain_map")
    if context is None and any(f is not None and not f.empty for f in (budget, caseload)):
        rows.append(
            {
                "source_ref": "context",
                "row": None,
                "column": None,
                "value": None,
                "code": IssueCode.NO_CONTEXT,
                "severity": WARNING,
                "message": "the dataset has no context table: no deflator, population or exchange"
                " rate, so"
                " constant prices, per-capita figures and conversions cannot be computed (add"
                " data: context:"
                " in peir.yaml, or Dataset(context=...))",
            }
        )
    ctx_pairs = _pairs(context, [C.COUNTRY, C.YEAR]) if context is not None else set()
    for name, frame in (("budget", budget), ("caseload", caseload)):
        if frame is None or frame.empty or context is None:
            continue
        missing = sorted(_pairs(frame, [C.COUNTRY, C.YEAR]) - ctx_pairs)
        by_country: dict[str, list[int]] = {}
        for c, y in missing:
            by_country.setdefault(c, []).append(int(y))
        for c, ys in by_country.items():
            rows.append(
                {
                    "source_ref": "context",
                    "row": None,
                    "column": "country,year",
                    "value": c,
                    "code": IssueCode.MISSING_CONTEXT,
                    "severity": WARNING,
                    "message": f"{name} has {c} for {_years_text(ys)} but the context table has no"
                    " row for "
                    f"{'that year' if len(ys) == 1 else 'those years'} (no deflator, population or"
                    " exchange rate)",
                }
            )
    if budget is not None and not budget.empty and chain is not None and not chain.empty:
        if C.INSTITUTION_CODE in chain.columns:
            rules = chain[C.INSTITUTION_CODE]
            wildcard = bool(rules.isna().any())
            mentioned = set(rules.dropna().astype(str))
            if not wildcard:
                inst = budget[[C.INSTITUTION_CODE]].dropna().drop_duplicates()
                unknown = sorted(set(inst[C.INSTITUTION_CODE].astype(str)) - mentioned)
                for code in unknown:
                    sub = budget[budget[C.INSTITUTION_CODE].astype(str) == code]
                    rows.append(
                        {
                            "source_ref": "chain_map",
                            "row": None,
                            "column": C.INSTITUTION_CODE,
                            "value": code,
                            "code": IssueCode.UNMAPPED_INSTITUTION,
                            "severity": WARNING,
                            "message": f"no chain-map rule mentions institution {code!r}"
                            f" ({len(sub)} budget rows, {_fmt(float(sub[C.AMOUNT].sum()))}): its"
                            " spending will be unallocated",
                        }
                    )
    if (
        budget is not None
        and context is not None
        and C.CURRENCY in context.columns
        and not budget.empty
    ):
        ctx_cur = context[[C.COUNTRY, C.CURRENCY]].dropna().drop_duplicates()
        if not ctx_cur.empty:
            bud_cur = budget[[C.COUNTRY, C.CURRENCY]].dropna().drop_duplicates()
            m = bud_cur.merge(ctx_cur, on=C.COUNTRY, suffixes=("", "_ctx"))
            for cur_row in m[m[C.CURRENCY] != m[C.CURRENCY + "_ctx"]].to_dict(orient="records"):
                rows.append(
                    {
                        "source_ref": "budget",
                        "row": None,
                        "column": C.CURRENCY,
                        "value": cur_row[C.CURRENCY],
                        "code": IssueCode.CURRENCY_MISMATCH,
                        "severity": WARNING,
                        "message": f"budget for {cur_row[C.COUNTRY]} is in {cur_row[C.CURRENCY]}"
                        " but the context"
                        f" (exchange rate, GDP) is in {cur_row[C.CURRENCY + '_ctx']}",
                    }
                )
    report.add(issue_blocks(_issue_frame(rows)))
    return report


def _years_text(ys: list[int]) -> str:
    ys = sorted(ys)
    if len(ys) > 2 and ys[-1] - ys[0] == len(ys) - 1:
        return f"{ys[0]}–{ys[-1]}"
    return ", ".join(str(y) for y in ys)
