"""Readers: raw files and DataFrames -> typed canonical tables, losing nothing.

``read_budget``, ``read_caseload``, ``read_context`` and ``read_chain_map`` take a path
(.csv/.txt/.tsv, .xlsx, .xls with xlrd, .parquet) or a DataFrame and a :class:`peir.ReadSpec`
(or a mapping, or a path to YAML; keyword overrides patch it). They

1. open the source (:mod:`peir.pipeline.sources`: encoding, delimiter, sheet, header row);
2. map source headers to canonical columns (the spec's ``columns``, then headers that carry the
   canonical name or a common Spanish/Portuguese synonym), add ``constants``, apply ``values``
   recodes and turn wide phase columns into long rows;
3. coerce and check every value lazily (:mod:`peir.pipeline.validate`);
4. keep the accepted rows in ``table.frame`` and the rejected ones, with their original values,
   ``source_ref`` and ``reason``, in ``table.rejected``.

Bad values never raise: they become issues in ``table.report``. Only a source that is not a
table at all raises :class:`peir.ReadError`, and a bad spec :class:`peir.SpecError`.
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from peir.chain import is_plain_label, normalize_label, parse_phase
from peir.errors import IssueCode, SpecError
from peir.pipeline.numbers import to_string_array
from peir.pipeline.sources import BadRecord, RawChunk, RawSource, open_source
from peir.pipeline.validate import (
    ERROR,
    INFO,
    WARNING,
    Issues,
    TableHints,
    check_rows,
    check_totals,
    closest,
    combine_sets,
    empty_issues,
    key_columns,
    table_checks,
)
from peir.readspec import ReadSpec
from peir.schema import C, TableSchema, load_schema
from peir.tables import BudgetTable, CaseloadTable, ChainMap, ContextTable, Table, ValidationReport

__all__ = [
    "SYNONYMS",
    "concat_tables",
    "read_budget",
    "read_caseload",
    "read_chain_map",
    "read_context",
    "read_table",
]

SpecLike = ReadSpec | Mapping[str, Any] | str | Path | None

#: Header names recognised for each canonical column without a column map (normalised:
#: lower case, no accents, punctuation as spaces).
SYNONYMS: dict[str, tuple[str, ...]] = {
    C.COUNTRY: ("pais", "country code", "iso3", "iso", "country iso3", "cod pais"),
    C.YEAR: ("ano", "anio", "year", "ejercicio", "exercicio", "fiscal year", "gestion", "periodo"),
    C.INSTITUTION_CODE: (
        "institution code", "codigo institucion", "cod institucion", "codigo de institucion",
        "institucion codigo", "admin code", "ramo", "codigo entidad", "unidad primaria",
    ),
    C.INSTITUTION: ("institucion", "entidad", "organismo", "orgao", "ministerio", "institution name"),
    C.PROGRAM: ("programa", "programme", "programa presupuestario", "program name"),
    C.ECON: ("economico", "clasificador economico", "econ code", "economic classification", "objeto del gasto", "rubro"),
    C.FUNC: ("funcion", "cofog", "clasificacion funcional", "function", "funcao"),
    C.REGION: ("departamento", "region", "provincia", "estado", "uf", "municipio"),
    C.FUNDING_SOURCE: ("fuente", "fuente de financiamiento", "fonte", "fonte de recursos", "source of funds"),
    C.PHASE: ("fase", "etapa", "momento", "momento del gasto", "estado del presupuesto"),
    C.AMOUNT: ("monto", "importe", "valor", "value", "amount usd", "monto usd"),
    C.CURRENCY: ("moneda", "moeda", "currency code"),
    C.MEASURE: ("medida", "indicador", "indicator", "variable"),
    C.VALUE: ("valor", "cantidad", "count", "total"),
    C.UNIT: ("unidad", "unidade"),
    C.SOURCE: ("fuente", "fonte"),
    C.POPULATION: ("poblacion", "populacao"),
    C.SHARE: ("proporcion", "porcentaje", "participacion"),
    C.LINK: ("eslabon", "eslabon de la cadena", "chain link"),
}

#: Chunks of a streamed file validated at a time (worker threads); 1 = in the reading thread.
WORKERS = 2
#: Chunks parsed ahead of the validated ones (bounds memory: about this many chunks at once).
IN_FLIGHT = 3

_VALUE_COLUMN = {"budget": C.AMOUNT, "caseload": C.VALUE}
_TABLES: dict[str, type[Table]] = {
    "budget": BudgetTable,
    "caseload": CaseloadTable,
    "context": ContextTable,
    "chain_map": ChainMap,
}
# staged column: the source column a wide (melted) row came from
_MELT_SOURCE = "\x00wide column"
# caseload columns that the measure vocabulary fills when the source lacks them
_FILLABLE = {"caseload": {C.LINK, C.UNIT, C.KIND}}


# ------------------------------------------------------------------------------------------
# public readers
# ------------------------------------------------------------------------------------------


def read_budget(source: Any, spec: SpecLike = None, **overrides: Any) -> BudgetTable:
    """Read budget lines (one row per line and phase) into a :class:`peir.BudgetTable`.

    Parameters
    ----------
    source
        Path to a .csv/.txt/.tsv, .xlsx or .parquet file, or a DataFrame.
    spec
        A :class:`peir.ReadSpec`, a mapping of its fields, a path to a YAML file, or None.
    **overrides
        Fields of the spec to set or replace, e.g. ``constants={"country": "SLV"}``.

    Returns
    -------
    BudgetTable
        ``.frame`` (accepted rows, canonical columns), ``.rejected`` and ``.report`` with
        ``amount_read == amount_accepted + amount_rejected``.
    """
    table = read_table("budget", source, spec, **overrides)
    assert isinstance(table, BudgetTable)
    return table


def read_caseload(source: Any, spec: SpecLike = None, **overrides: Any) -> CaseloadTable:
    """Read caseload measures into a :class:`peir.CaseloadTable` (link, unit and kind filled
    from the measure vocabulary when the source lacks them). See :func:`read_budget`."""
    table = read_table("caseload", source, spec, **overrides)
    assert isinstance(table, CaseloadTable)
    return table


def read_context(source: Any, spec: SpecLike = None, **overrides: Any) -> ContextTable:
    """Read country-year context (population, GDP, deflators, exchange rates) into a
    :class:`peir.ContextTable`. See :func:`read_budget`."""
    table = read_table("context", source, spec, **overrides)
    assert isinstance(table, ContextTable)
    return table


def read_chain_map(source: Any, spec: SpecLike = None, **overrides: Any) -> ChainMap:
    """Read the rules placing budget lines on links into a :class:`peir.ChainMap`.
    See :func:`read_budget`."""
    table = read_table("chain_map", source, spec, **overrides)
    assert isinstance(table, ChainMap)
    return table


def read_table(kind: str, source: Any, spec: SpecLike = None, **overrides: Any) -> Table:
    """Read ``source`` as a ``kind`` table (budget, caseload, context or chain_map)."""
    if kind not in _TABLES:
        raise SpecError(f"unknown table kind {kind!r}; expected one of {', '.join(_TABLES)}")
    rs = ReadSpec.coerce(spec, **overrides)
    _check_spec_names(kind, rs)
    raw = open_source(source, rs)
    return _Reader(kind, rs, raw).run()


# ------------------------------------------------------------------------------------------
# column plan
# ------------------------------------------------------------------------------------------


def _check_spec_names(kind: str, spec: ReadSpec) -> None:
    """Canonical names used in the spec must be columns of the table (a definition error)."""
    names = load_schema(kind).names
    for section, keys in (
        ("columns", list(spec.columns)),
        ("constants", list(spec.constants)),
        ("values", list(spec.values)),
        ("melt", list((spec.melt or {}).keys())),
        ("unit_multiplier", list(spec.unit_multiplier) if isinstance(spec.unit_multiplier, dict) else []),
    ):
        for k in keys:
            if k not in names:
                close = closest(k, names, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise SpecError(
                    f"{section}: {k!r} is not a column of the {kind} table{hint} (columns: {', '.join(names)})"
                )
    if spec.melt_dims() and kind not in _VALUE_COLUMN:
        raise SpecError(f"phases/melt (wide columns) apply to budget and caseload tables, not {kind}")


def _phase_of_header(header: str) -> Any:
    """The phase a header names ("Devengado", "Presupuesto devengado 2019" -> executed);
    None for a header with other marks ("pagado??")."""
    if not is_plain_label(header):
        return None
    words = normalize_label(header).split()
    words = [w for w in words if not (w.isdigit() and len(w) == 4)]
    for i in range(len(words)):
        p = parse_phase(" ".join(words[i:]))
        if p is not None:
            return p
    return None


def _match_header(name: str, headers: list[str]) -> str | None:
    if name in headers:
        return name
    key = normalize_label(name)
    for h in headers:
        if normalize_label(h) == key:
            return h
    return None


def _closest_headers(names: list[str], headers: list[str]) -> list[str]:
    norm = {normalize_label(h): h for h in headers}
    out: list[str] = []
    import difflib

    for n in names:
        for hit in difflib.get_close_matches(normalize_label(n), list(norm), n=3, cutoff=0.4):
            if norm[hit] not in out:
                out.append(norm[hit])
    return out[:3]


@dataclass
class _Plan:
    mapping: dict[str, str] = field(default_factory=dict)
    auto: dict[str, str] = field(default_factory=dict)
    melt: dict[str, dict[str, str]] = field(default_factory=dict)
    melt_sources: list[str] = field(default_factory=list)
    present: set[str] = field(default_factory=set)
    missing_required: list[str] = field(default_factory=list)
    table_issues: list[dict[str, Any]] = field(default_factory=list)
    phases_detected: bool = False
    #: headers the plan uses that occur more than once (which column is meant is unclear)
    ambiguous: list[str] = field(default_factory=list)

    @property
    def blocking(self) -> str | None:
        """Why every row is rejected (missing required columns, an ambiguous header), or None."""
        parts = []
        if self.missing_required:
            parts.append("missing required column(s): " + ", ".join(self.missing_required))
        parts += self.ambiguous
        return "; ".join(parts) or None


def _plan(
    kind: str, headers: list[str], spec: ReadSpec, source_name: str, duplicates: Mapping[str, list[int]] | None = None
) -> _Plan:
    schema = load_schema(kind)
    plan = _Plan()
    used: set[str] = set()

    def missing_issue(column: str, src: str, what: str) -> None:
        close = _closest_headers([src], [h for h in headers if h not in used]) or _closest_headers([src], headers)
        hint = f"; closest headers found: {', '.join(map(repr, close))}" if close else ""
        plan.table_issues.append(
            {
                "column": column,
                "value": src,
                "code": IssueCode.MISSING_COLUMN,
                "severity": ERROR,
                "message": f"{what} {src!r} is not in the file{hint}",
            }
        )

    for canon, src in spec.columns.items():
        h = _match_header(src, headers)
        if h is None:
            missing_issue(canon, src, f"the column for {canon}")
            continue
        plan.mapping[canon] = h
        used.add(h)
    dims = spec.melt_dims()
    value_col = _VALUE_COLUMN.get(kind)
    if dims:
        first = next(iter(dims.values()))
        found: list[str] = []
        for src in first:
            h = _match_header(src, headers)
            if h is None:
                missing_issue(value_col or "", src, "the wide column")
                continue
            found.append(h)
            used.add(h)
        for dim, m in dims.items():
            plan.melt[dim] = {}
            for src, label in m.items():
                h = _match_header(src, headers)
                if h is not None:
                    plan.melt[dim][h] = label
        plan.melt_sources = found
    elif (
        kind == "budget"
        and C.AMOUNT not in plan.mapping
        and C.AMOUNT not in spec.constants
        and C.PHASE not in plan.mapping
        and C.PHASE not in spec.constants
        and not any(normalize_label(h) in (C.AMOUNT, *SYNONYMS[C.AMOUNT]) for h in headers if h not in used)
        and not any(normalize_label(h) in (C.PHASE, *SYNONYMS[C.PHASE]) for h in headers if h not in used)
    ):
        wide = {h: p.value for h in headers if h not in used and (p := _phase_of_header(h)) is not None}
        by_phase: dict[str, list[str]] = {}
        for h, ph in wide.items():
            by_phase.setdefault(ph, []).append(h)
        for ph, hs in by_phase.items():
            if len(hs) > 1:
                raise SpecError(
                    f"{source_name}: the columns {hs[0]!r} and {hs[1]!r} both read as phase {ph!r}; a line would be"
                    " counted twice. Say which column is which phase with phases: {column: phase} (a column"
                    " left out is not read)"
                )
        if wide:
            plan.melt = {C.PHASE: wide}
            plan.melt_sources = list(wide)
            used.update(wide)
            plan.phases_detected = True
    # auto-map headers that carry a canonical name or a synonym
    for f in schema.fields:
        canon = f.name
        if canon in plan.mapping or canon in plan.melt or (canon == value_col and plan.melt_sources):
            continue
        if canon in spec.columns:  # mapped but missing: do not guess
            continue
        keys = {normalize_label(canon), *SYNONYMS.get(canon, ())}
        for h in headers:
            if h not in used and normalize_label(h) in keys:
                plan.mapping[canon] = h
                plan.auto[canon] = h
                used.add(h)
                break
    for name, positions in (duplicates or {}).items():
        users = [c for c, h in plan.mapping.items() if h == name] + (["wide columns"] if name in plan.melt_sources else [])
        where = ", ".join(str(p) for p in positions)
        if users:
            plan.ambiguous.append(f"the header {name!r} is on columns {where}")
            plan.table_issues.append(
                {
                    "column": users[0] if users[0] != "wide columns" else None,
                    "value": name,
                    "code": IssueCode.DUPLICATE_HEADER,
                    "severity": ERROR,
                    "message": f"the header {name!r} is on columns {where}: which one is meant for"
                    f" {', '.join(users)} is unclear, so no row is read; name the column as read"
                    f" ({name!r} or {name + ' (2)'!r}) in the spec, or fix the header",
                }
            )
        else:
            plan.table_issues.append(
                {
                    "column": None,
                    "value": name,
                    "code": IssueCode.DUPLICATE_HEADER,
                    "severity": WARNING,
                    "message": f"the header {name!r} is on columns {where}; they are read as {name!r},"
                    f" {name + ' (2)'!r}... (neither is used)",
                }
            )
    plan.present = set(plan.mapping) | set(spec.constants) | set(plan.melt)
    if plan.melt_sources and value_col:
        plan.present.add(value_col)
    fillable = _FILLABLE.get(kind, set()) if C.MEASURE in plan.present else set()
    for f in schema.fields:
        if f.required and f.name not in plan.present and f.name not in fillable:
            plan.missing_required.append(f.name)
            if f.name in spec.columns:
                continue  # already reported as a missing mapped column
            close = _closest_headers([f.name, *SYNONYMS.get(f.name, ())], [h for h in headers if h not in used])
            hint = f"; closest headers found: {', '.join(map(repr, close))}" if close else ""
            plan.table_issues.append(
                {
                    "column": f.name,
                    "value": None,
                    "code": IssueCode.MISSING_COLUMN,
                    "severity": ERROR,
                    "message": f"required column {f.name!r} is missing from {source_name}{hint}"
                    f" (map it with columns: {{{f.name}: <header>}} or set constants: {{{f.name}: ...}})",
                }
            )
    return plan


# ------------------------------------------------------------------------------------------
# staging: canonical columns as read, with constants, recodes and wide -> long
# ------------------------------------------------------------------------------------------


def _typed_columns(schema: TableSchema, plan: _Plan, spec: ReadSpec, raw: RawSource) -> dict[str, Any]:
    """Source columns a streamed text file can hand over already parsed as numbers.

    Only plain numbers in the default locale (``decimal="."``), for number and integer
    columns read straight from one header (no constant, recode, wide phases or exclude rule
    on them). The parser falls back to strings at the first value that is not a plain
    number, and then :func:`peir.pipeline.numbers.parse_numbers` handles the locale.
    """
    if not raw.meta.get("streamed") or spec.decimal != "." or spec.thousands == "." or spec.exclude:
        return {}
    uses: dict[str, int] = {}
    for h in plan.mapping.values():
        uses[h] = uses.get(h, 0) + 1
    out: dict[str, Any] = {}
    for f in schema.fields:
        header = plan.mapping.get(f.name)
        if (
            header is None
            or f.type not in ("number", "integer")
            or uses[header] > 1
            or header in plan.melt_sources
            or f.name in spec.constants
            or f.name in spec.values
        ):
            continue
        out[header] = pa.float64() if f.type == "number" else pa.int64()
    return out


def _is_missing(col: pd.Series, markers: tuple[str, ...]) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        return np.asarray(col.isna().to_numpy(), dtype=bool)
    s = pc.utf8_trim_whitespace(to_string_array(col))
    m = pc.or_kleene(pc.is_null(s), pc.is_in(s, value_set=pa.array(sorted(set(markers) | {""}), type=s.type)))
    return np.asarray(m.fill_null(True).to_numpy(zero_copy_only=False), dtype=bool)


def _recode(col: pd.Series, mapping: dict[str, str]) -> pd.Series:
    exact = dict(mapping)
    norm = {normalize_label(k): v for k, v in mapping.items()}
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    new = []
    for u in uniques:
        key = u if isinstance(u, str) else (str(int(u)) if isinstance(u, float) and u.is_integer() else str(u))
        if key in exact:
            new.append(exact[key])
        elif key.strip() in exact:
            new.append(exact[key.strip()])
        elif normalize_label(key) in norm:
            new.append(norm[normalize_label(key)])
        else:
            new.append(u if isinstance(u, str) else key)
    arr = np.asarray([*new, None], dtype=object)
    return pd.Series(arr[codes], index=col.index, dtype=object)


# ------------------------------------------------------------------------------------------
# the reader
# ------------------------------------------------------------------------------------------


@dataclass
class _ChunkResult:
    n: int
    n_rejected: int
    issues: pd.DataFrame | None
    bad: list[BadRecord]
    accepted: pa.Table | None = None
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    codes: dict[str, np.ndarray] = field(default_factory=dict)
    hints: TableHints | None = None
    rejected: pd.DataFrame | None = None
    amount_rejected: float = 0.0
    unparsed: int = 0
    #: facts about the chunk for the report (e.g. empty wide cells), merged in source order
    meta: dict[str, Any] = field(default_factory=dict)
    #: total rows set aside: their canonical values, row numbers and the column marking each
    totals: pd.DataFrame | None = None
    total_rows: np.ndarray | None = None
    total_flagged: np.ndarray | None = None


class _Reader:
    def __init__(self, kind: str, spec: ReadSpec, raw: RawSource) -> None:
        self.kind = kind
        self.spec = spec
        self.raw = raw
        self.schema: TableSchema = load_schema(kind)
        self.markers = tuple(self.schema.missing_values) + tuple(spec.na_values)
        self.plan = _plan(kind, raw.columns, spec, raw.name, raw.duplicate_headers)
        raw.column_types.update(_typed_columns(self.schema, self.plan, spec, raw))
        self.accepted: list[pa.Table] = []
        self.accepted_rows: list[np.ndarray] = []
        self.key_sets = key_columns(kind)
        self.codes: dict[str, list[np.ndarray]] = {k: [] for k in self.key_sets}
        self.hints: list[TableHints] = []
        self.rejected: list[pd.DataFrame] = []
        self.issues: list[pd.DataFrame] = []
        self.rows_read = 0
        self.rows_rejected = 0
        self.amount_rejected_parts: list[float] = []
        self.unparsed = 0
        self.meta: dict[str, Any] = {}
        self.totals: list[tuple[pd.DataFrame, Any, Any]] = []

    # -- per chunk -------------------------------------------------------------------------
    def _stage(self, chunk: RawChunk, meta: dict[str, Any]) -> tuple[dict[str, pd.Series], np.ndarray, np.ndarray]:
        """Canonical columns as read (positionally indexed Series, no frame built); returns
        (staged, raw positions, row numbers); facts for the report go into ``meta``."""
        frame = chunk.frame
        n = len(frame)
        cols: dict[str, pd.Series] = {}
        for canon, h in self.plan.mapping.items():
            cols[canon] = frame[h].reset_index(drop=True)
        for canon, value in self.spec.constants.items():
            if canon in cols:
                col = cols[canon]
                miss = _is_missing(col, self.markers)
                if miss.any():
                    filled = col.astype(object).copy()
                    filled[miss] = value
                    cols[canon] = filled
            else:
                cols[canon] = pd.Series(np.full(n, value, dtype=object))
        idx = np.arange(n, dtype=np.int64)
        if self.plan.melt_sources:
            long, idx = self._melt(frame, pd.DataFrame(cols, index=pd.RangeIndex(n)), meta)
            cols = {c: long[c] for c in long.columns}
        for canon, mapping in self.spec.values.items():
            if canon in cols and mapping:
                cols[canon] = _recode(cols[canon], mapping)
        return cols, idx, chunk.rows[idx]

    def _melt(self, frame: pd.DataFrame, staged: pd.DataFrame, meta: dict[str, Any]) -> tuple[pd.DataFrame, np.ndarray]:
        srcs = self.plan.melt_sources
        value_col = _VALUE_COLUMN[self.kind]
        n, k = len(frame), len(srcs)
        vals = np.empty((n, k), dtype=object)
        miss = np.zeros((n, k), dtype=bool)
        for j, s in enumerate(srcs):
            vals[:, j] = frame[s].to_numpy(dtype=object)
            miss[:, j] = _is_missing(frame[s], self.markers)
        all_missing = miss.all(axis=1)
        keep = ~miss
        keep[all_missing, 0] = True  # an empty line stays, to be rejected as missing an amount
        meta["empty_wide_cells"] = int(miss.sum() - all_missing.sum())
        r_idx, c_idx = np.nonzero(keep)  # row-major: each source row's phases together
        long = staged.iloc[r_idx].reset_index(drop=True)
        long[value_col] = pd.Series(vals[r_idx, c_idx], dtype=object)
        long[_MELT_SOURCE] = pd.Series(np.asarray(srcs, dtype=object)[c_idx], dtype=object)
        for dim, m in self.plan.melt.items():
            labels = np.asarray([m.get(s) for s in srcs], dtype=object)
            long[dim] = pd.Series(labels[c_idx], dtype=object)
        return long, r_idx.astype(np.int64)

    def _excluded(self, frame: pd.DataFrame, meta: dict[str, Any]) -> np.ndarray:
        mask = np.zeros(len(frame), dtype=bool)
        for key, pattern in self.spec.exclude.items():
            h = self.plan.mapping.get(key) or _match_header(key, list(frame.columns))
            if h is None:
                meta.setdefault("exclude_unmatched", []).append(key)
                continue
            s = pd.Series(to_string_array(frame[h]).to_pandas(), dtype=object).fillna("")
            mask |= s.str.contains(re.compile(pattern), regex=True).to_numpy(dtype=bool)
        return mask

    def _compute(self, chunk: RawChunk) -> _ChunkResult:
        """Everything about one chunk; reads the reader's plan and spec, writes nothing shared
        (it runs in worker threads)."""
        meta: dict[str, Any] = {}
        staged, idx, rows = self._stage(chunk, meta)
        n = len(idx)
        excluded_raw = self._excluded(chunk.frame, meta) if self.spec.exclude else np.zeros(len(chunk.frame), bool)
        excluded = excluded_raw[idx] if len(idx) else np.zeros(0, bool)
        check = check_rows(
            self.kind,
            staged,
            n_rows=n,
            present=self.plan.present,
            decimal=self.spec.decimal,
            thousands=self.spec.thousands,
            multiplier=lambda c: self.spec.multiplier_for(c, self.kind),
            na_values=tuple(self.spec.na_values),
            hash_columns={c for cols in self.key_sets.values() for c in cols},
            find_totals=not self.spec.keep_totals and self.kind in _VALUE_COLUMN,
        )
        iss = check.issues
        iss = self._cell_notes(chunk, idx, staged, iss)
        # rows set aside on purpose (exclude rule, total rows): only that is reported for them
        totals = np.zeros(n, dtype=bool) if check.total_column is None else pd.notna(check.total_column)
        totals &= ~excluded
        aside = excluded | totals
        if aside.any():
            iss = iss.without(aside)
        if excluded.any():
            iss.add(np.flatnonzero(excluded), None, None, IssueCode.EXCLUDED, INFO, "set aside by the spec's exclude rule")
        reasons_total: np.ndarray | None = None
        if totals.any():
            pos = np.flatnonzero(totals)
            assert check.total_column is not None
            flagged = check.total_column[pos]
            labels = _staged_values(staged, flagged, pos)
            reasons_total = np.asarray(
                [f"a total row ({c} {v!r}): set aside so that it is not counted twice" for c, v in zip(flagged, labels, strict=True)],
                dtype=object,
            )
            iss.add(pos, None, labels, IssueCode.TOTAL_ROW, INFO, reasons_total)
        reject = iss.reject_mask(n) | aside
        reasons = iss.reasons(n)
        reasons[excluded] = "excluded by the read spec (exclude)"
        if reasons_total is not None:
            reasons[totals] = reasons_total
        blocking = self.plan.blocking
        if blocking:
            reject[:] = True
            reasons = np.asarray([blocking if r is None else f"{blocking}; {r}" for r in reasons], dtype=object) if n else reasons
        res = _ChunkResult(
            n=n, n_rejected=int(reject.sum()), issues=iss.to_frame(rows, self.raw.name) if iss.blocks else None,
            bad=chunk.bad, meta=meta,
        )
        typed = pa.table(check.columns)
        if totals.any() and not blocking:
            pos = np.flatnonzero(totals)
            res.totals = _to_pandas(typed.take(pa.array(pos)), self.schema)
            res.total_rows = rows[pos]
            assert check.total_column is not None
            res.total_flagged = check.total_column[pos]
        # accepted
        acc_mask = ~reject
        all_ok = bool(acc_mask.all())
        res.accepted = typed if all_ok else typed.filter(pa.array(acc_mask))
        res.rows = rows if all_ok else rows[acc_mask]
        if C.SOURCE_REF not in self.plan.present:
            # "<file>:<row>" built here, in the worker (rebuilt if the rows are renumbered)
            res.accepted = _fill_source_ref(res.accepted, res.rows, self.raw.name)
        for k, combined in combine_sets(check.hashes, self.key_sets, n).items():
            res.codes[k] = combined if all_ok else combined[acc_mask]
        if res.codes:  # sorting for the checks across rows, done here in the worker
            phase = None
            if self.kind == "budget" and check.phase_codes is not None:
                values, pidx = check.phase_codes
                phase = (values, pidx if all_ok else pidx[acc_mask])
            res.hints = TableHints.for_chunk(res.codes, phase)
        # rejected, with original values
        if reject.any():
            rej_pos = np.flatnonzero(reject)
            rej = chunk.frame.iloc[idx[rej_pos]].reset_index(drop=True).astype(object)
            for dim in self.plan.melt:
                if dim in staged:
                    name = dim if dim not in rej.columns else f"{dim} (melted)"
                    rej[name] = staged[dim].to_numpy(dtype=object)[rej_pos]
            res.rejected = self._rejected_frame(rej, rows[rej_pos], reasons[rej_pos], staged, rej_pos)
            if check.amounts is not None:
                a = check.amounts[rej_pos]
                res.amount_rejected = _sum(a)
                res.unparsed = int((~np.isfinite(a)).sum())
        return res

    def _cell_notes(self, chunk: RawChunk, idx: np.ndarray, staged: Mapping[str, pd.Series], iss: Issues) -> Issues:
        """The source's notes on cells (formula without a value, a container instead of a
        value) as errors on the canonical columns they feed, replacing what the value check
        said about those cells; notes on whole rows (hidden) as warnings on their first row."""
        if not chunk.notes:
            return iss
        by_header: dict[str, list[str]] = {}
        for canon, h in self.plan.mapping.items():
            by_header.setdefault(h, []).append(canon)
        value_col = _VALUE_COLUMN.get(self.kind)
        melt_col = staged.get(_MELT_SOURCE)
        first_of = np.full(len(chunk.frame), -1, dtype=np.int64)
        if len(idx):
            order = np.arange(len(idx) - 1, -1, -1)
            first_of[idx[order]] = order  # the first staged row of each source row
        out = iss
        for note in chunk.notes:
            if note.pos >= len(first_of) or first_of[note.pos] < 0:
                continue
            if note.column is None:
                p = np.asarray([first_of[note.pos]])
                out.add(p, None, note.value, note.code, WARNING, note.message)
                continue
            targets = [(c, idx == note.pos) for c in by_header.get(note.column, [])]
            if value_col and melt_col is not None and note.column in self.plan.melt_sources:
                targets.append((value_col, (idx == note.pos) & (melt_col.to_numpy(dtype=object) == note.column)))
            for canon, sel in targets:
                if not sel.any():
                    continue
                out = out.without(sel, {canon})
                out.add(np.flatnonzero(sel), canon, note.value, note.code, ERROR, note.message)
        return out

    def _collect(self, res: _ChunkResult) -> None:
        """Add one chunk's results to the reader's state (in source order)."""
        self.rows_read += res.n
        self.rows_rejected += res.n_rejected
        if res.issues is not None:
            self.issues.append(res.issues)
        if res.accepted is not None:
            self.accepted.append(res.accepted)
            self.accepted_rows.append(res.rows)
        for k, v in res.codes.items():
            self.codes[k].append(v)
        if res.hints is not None:
            self.hints.append(res.hints)
        if res.rejected is not None:
            self.rejected.append(res.rejected)
        self.amount_rejected_parts.append(res.amount_rejected)
        self.unparsed += res.unparsed
        for k, v in res.meta.items():
            if isinstance(v, int):
                self.meta[k] = int(self.meta.get(k, 0)) + v
            elif isinstance(v, list):
                self.meta.setdefault(k, [])
                self.meta[k] += [x for x in v if x not in self.meta[k]]
        if res.totals is not None:
            self.totals.append((res.totals, res.total_rows, res.total_flagged))
        if res.bad:
            self._add_bad(res.bad)

    def _rejected_frame(
        self, rej: pd.DataFrame, rows: np.ndarray, reasons: np.ndarray, staged: Mapping[str, pd.Series], pos: np.ndarray
    ) -> pd.DataFrame:
        src = None
        if C.SOURCE_REF in staged:
            s = staged[C.SOURCE_REF].to_numpy(dtype=object)[pos]
            src = np.asarray([v if isinstance(v, str) and v.strip() else None for v in s], dtype=object)
        auto = np.asarray([f"{self.raw.name}:{r}" for r in rows], dtype=object)
        rej[_free(rej, "source_ref")] = auto if src is None else np.where(pd.isna(src), auto, src)
        rej[_free(rej, "row")] = rows
        rej[_free(rej, "reason")] = reasons
        return rej

    def _add_bad(self, bad: list[BadRecord]) -> None:
        rows = np.asarray([b.row if b.row is not None else -1 for b in bad], dtype=np.int64)
        rej = pd.DataFrame({c: [None] * len(bad) for c in self.raw.columns}, dtype=object)
        rej["raw_line"] = [b.text for b in bad]
        rej[_free(rej, "source_ref")] = [f"{self.raw.name}:{r}" if r >= 0 else self.raw.name for r in rows]
        rej[_free(rej, "row")] = rows
        rej[_free(rej, "reason")] = [b.reason for b in bad]
        self.rejected.append(rej)
        self.rows_read += len(bad)
        self.rows_rejected += len(bad)
        if self.kind == "budget":
            self.unparsed += len(bad)
        self.issues.append(
            pd.DataFrame(
                {
                    "source_ref": self.raw.name,
                    "row": pd.array([r if r >= 0 else None for r in rows], dtype="Int64"),
                    "column": None,
                    "value": [b.text for b in bad],
                    "code": IssueCode.MALFORMED_ROW,
                    "severity": ERROR,
                    "message": [f"{b.reason}; the line was not read" for b in bad],
                }
            )
        )

    # -- whole table -----------------------------------------------------------------------
    def run(self) -> Table:
        if self.raw.verify_rows is None or WORKERS <= 1:  # one chunk (small file, workbook, frame)
            for chunk in self.raw.chunks:
                self._collect(self._compute(chunk))
        else:
            # streamed: chunks are validated in worker threads while Arrow parses the next
            # ones; at most IN_FLIGHT + 1 chunks at once, results collected in source order
            with ThreadPoolExecutor(max_workers=WORKERS) as pool:
                pending: deque[Future[_ChunkResult]] = deque()
                for chunk in self.raw.chunks:
                    pending.append(pool.submit(self._compute, chunk))
                    while pending and pending[0].done():
                        self._collect(pending.popleft().result())
                    if len(pending) > IN_FLIGHT:
                        self._collect(pending.popleft().result())
                while pending:
                    self._collect(pending.popleft().result())
        rows = np.concatenate(self.accepted_rows) if self.accepted_rows else np.zeros(0, np.int64)
        rejected = pd.concat(self.rejected, ignore_index=True) if self.rejected else pd.DataFrame(
            {c: pd.Series(dtype=object) for c in [*self.raw.columns, "source_ref", "row", "reason"]}
        )
        issues = [i for i in self.issues if len(i)]
        issue_frame = pd.concat(issues, ignore_index=True) if issues else empty_issues()
        # streamed files: make sure row numbers are physical line numbers
        renumbered = False
        if self.raw.verify_rows is not None:
            fixed = self.raw.verify_rows()
            if fixed is not None:
                renumbered = True
                true_lines, bad_lines = fixed
                first = int(self.raw.meta.get("header_line", 1)) + self.spec.header_rows + self.spec.skip_rows
                rows = _remap(rows, true_lines, first)
                # malformed lines: their number comes from their text
                queues = {k: list(v) for k, v in bad_lines.items()}
                bad_fix: dict[int, int] = {}
                if len(rejected) and "raw_line" in rejected.columns:
                    is_bad = rejected["raw_line"].notna().to_numpy()
                    new_rows = rejected["row"].to_numpy(dtype=np.int64).copy()
                    for i in np.flatnonzero(is_bad):
                        q = queues.get(str(rejected["raw_line"].iat[int(i)]))
                        if q:
                            old = int(new_rows[i])
                            new_rows[i] = q.pop(0)
                            bad_fix[old] = int(new_rows[i])
                    good = ~is_bad
                    new_rows[good] = _remap(new_rows[good], true_lines, first)
                    rejected["row"] = new_rows
                    rejected["source_ref"] = [f"{self.raw.name}:{r}" for r in new_rows]
                elif len(rejected) and "row" in rejected:
                    rejected["row"] = _remap(rejected["row"].to_numpy(dtype=np.int64), true_lines, first)
                    rejected["source_ref"] = [f"{self.raw.name}:{r}" for r in rejected["row"]]
                if len(issue_frame):
                    r = issue_frame["row"].to_numpy(dtype="float64", na_value=np.nan)
                    ok = np.isfinite(r)
                    r2 = r.copy()
                    r2[ok] = _remap(r[ok].astype(np.int64), true_lines, first)
                    malformed = (issue_frame["code"] == IssueCode.MALFORMED_ROW).to_numpy()
                    if malformed.any():
                        queues = {k: list(v) for k, v in bad_lines.items()}
                        texts = issue_frame["value"].to_numpy(dtype=object)
                        for i in np.flatnonzero(malformed):
                            q = queues.get(str(texts[i]))
                            r2[i] = q.pop(0) if q else (bad_fix.get(int(r[i]), np.nan) if np.isfinite(r[i]) else np.nan)
                    issue_frame["row"] = pd.array(np.where(np.isfinite(r2), r2, np.nan), dtype="Float64").astype("Int64")
        # the accepted frame: one Arrow table, source_ref filled, converted once
        if self.accepted:
            table = pa.concat_tables(self.accepted) if len(self.accepted) > 1 else self.accepted[0]
        else:
            table = pa.table({f.name: pa.nulls(0, pa.large_string()) for f in self.schema.fields})
        self.accepted = []
        if C.SOURCE_REF in table.column_names:
            if C.SOURCE_REF not in self.plan.present and renumbered:
                i = table.column_names.index(C.SOURCE_REF)
                table = table.set_column(i, C.SOURCE_REF, pa.nulls(table.num_rows, pa.large_string()))
            if C.SOURCE_REF in self.plan.present or renumbered:
                table = _fill_source_ref(table, rows, self.raw.name)
        frame = _to_pandas(table, self.schema)
        del table
        # table-level checks on accepted rows
        codes = {k: (np.concatenate(v) if v else np.zeros(0, np.uint64)) for k, v in self.codes.items()}
        hints = TableHints.merge(self.hints) if self.hints and len(self.hints) == len(self.codes.get("key", [])) else None
        self.hints = []
        t_iss, t_reject = table_checks(self.kind, frame, rows, codes, hints)
        if len(t_iss.blocks):
            issue_frame = pd.concat([issue_frame, t_iss.to_frame(rows, self.raw.name)], ignore_index=True)
        if t_reject.any():
            pos = np.flatnonzero(t_reject)
            reasons = t_iss.reasons(len(frame))[pos]
            rej = frame.iloc[pos].reset_index(drop=True).astype(object)
            rej["source_ref"] = [f"{self.raw.name}:{r}" for r in rows[pos]]
            rej["row"] = rows[pos]
            rej["reason"] = reasons
            rejected = pd.concat([rejected, rej], ignore_index=True)
            if self.kind == "budget":
                a = frame[C.AMOUNT].to_numpy(dtype="float64")[pos]
                self.amount_rejected_parts.append(_sum(a))
            frame = frame.iloc[np.flatnonzero(~t_reject)].reset_index(drop=True)
            rows = rows[~t_reject]
            self.rows_rejected += len(pos)
        # total rows against the lines they total
        if self.totals:
            t_frame = pd.concat([t[0] for t in self.totals], ignore_index=True)
            t_rows = np.concatenate([t[1] for t in self.totals])
            t_flag = np.concatenate([t[2] for t in self.totals])
            tot_iss, summary = check_totals(self.kind, frame, t_frame, t_flag)
            self.meta["totals"] = summary
            if tot_iss.blocks:
                issue_frame = pd.concat([issue_frame, tot_iss.to_frame(t_rows, self.raw.name)], ignore_index=True)
        # plan-level issues (missing columns)
        if self.plan.table_issues:
            head = pd.DataFrame([{"source_ref": self.raw.name, "row": None, **i} for i in self.plan.table_issues])
            head["row"] = head["row"].astype("Int64")
            issue_frame = pd.concat([head, issue_frame], ignore_index=True) if len(issue_frame) else head
        if len(issue_frame):
            issue_frame["row"] = issue_frame["row"].astype("Int64")
            issue_frame = issue_frame.sort_values("row", kind="stable", na_position="first").reset_index(drop=True)
        report = ValidationReport(
            table=self.kind,
            source=self.raw.name,
            issues=issue_frame,
            rows_read=self.rows_read,
            rows_accepted=len(frame),
            rows_rejected=self.rows_rejected,
            encoding=self.raw.encoding,
            meta=self._meta(),
        )
        if self.kind == "budget":
            acc_amt = frame[C.AMOUNT].to_numpy(dtype="float64")
            report.amount_accepted = _sum(acc_amt)
            report.amount_rejected = math.fsum(self.amount_rejected_parts)
            report.amount_read = report.amount_accepted + report.amount_rejected
            report.unparsed_amounts = self.unparsed
        assert report.rows_read == report.rows_accepted + report.rows_rejected, "row accounting broken"
        cls = _TABLES[self.kind]
        return cls(frame=frame, report=report, rejected=rejected)

    def _meta(self) -> dict[str, Any]:
        m: dict[str, Any] = {
            "format": self.raw.format,
            "path": str(self.raw.path) if self.raw.path is not None else None,
            "columns": dict(self.plan.mapping),
        }
        if self.plan.auto:
            m["auto_mapped"] = dict(self.plan.auto)
        if self.plan.melt:
            m["wide_columns"] = {d: dict(v) for d, v in self.plan.melt.items()}
        if self.plan.phases_detected:
            m["phases_detected"] = True
        used = set(self.plan.mapping.values()) | set(self.plan.melt_sources)
        unused = [c for c in self.raw.columns if c not in used]
        if unused:
            m["unused_columns"] = unused
        if self.raw.delimiter is not None:
            m["delimiter"] = self.raw.delimiter
        if self.raw.sheet is not None:
            m["sheet"] = self.raw.sheet
        m.update({k: v for k, v in self.raw.meta.items() if v})
        m.update(self.meta)
        m["spec"] = self.spec.model_dump(exclude_defaults=True)
        return m


def _staged_values(staged: Mapping[str, pd.Series], columns: np.ndarray, pos: np.ndarray) -> list[Any]:
    """The staged value of ``columns[i]`` at row ``pos[i]``, for each i."""
    return [staged[c].iat[int(p)] for c, p in zip(columns, pos, strict=True)]


def _sum(a: np.ndarray) -> float:
    """Sum of the finite values (pairwise summation; exact enough for accounting checks)."""
    a = np.asarray(a, dtype="float64")
    finite = np.isfinite(a)
    return float(a.sum() if finite.all() else a[finite].sum()) if len(a) else 0.0


def _free(frame: pd.DataFrame, name: str) -> str:
    while name in frame.columns and name not in ("source_ref", "row", "reason"):
        name = f"_{name}"
    return name


def _is_seq(v: Any) -> bool:
    return isinstance(v, np.ndarray | list | pd.Series)


def _as_list(v: Any, n: int) -> list[Any]:
    return list(v) if _is_seq(v) else [v] * n


def _remap(rows: np.ndarray, true_lines: np.ndarray, first: int) -> np.ndarray:
    k = rows - first
    ok = (k >= 0) & (k < len(true_lines))
    out = rows.copy()
    out[ok] = true_lines[k[ok]]
    return out


def _to_pandas(table: pa.Table, schema: TableSchema) -> pd.DataFrame:
    def mapper(t: pa.DataType) -> Any:
        if pa.types.is_integer(t):
            return pd.Int64Dtype()
        return None

    df: pd.DataFrame = table.to_pandas(types_mapper=mapper)
    for f in schema.fields:
        if f.type == "integer" and f.required and f.name in df.columns and not df[f.name].isna().any():
            df[f.name] = df[f.name].astype("int64")
    return df


def _fill_source_ref(table: pa.Table, rows: np.ndarray, name: str) -> pa.Table:
    """``source_ref`` = the given one, else ``"<file name>:<row>"``."""
    if C.SOURCE_REF not in table.column_names:
        return table
    auto = pc.binary_join_element_wise(
        pa.scalar(name, pa.large_string()),
        pc.cast(pa.array(rows, type=pa.int64()), pa.large_string()),
        pa.scalar(":", pa.large_string()),
    )
    i = table.column_names.index(C.SOURCE_REF)
    given = table.column(i)
    if given.null_count == len(given):
        return table.set_column(i, C.SOURCE_REF, auto)
    return table.set_column(i, C.SOURCE_REF, pc.coalesce(given, auto))


# ------------------------------------------------------------------------------------------
# combining tables
# ------------------------------------------------------------------------------------------


def concat_tables(tables: list[Table]) -> Table:
    """Stack tables of one kind (e.g. several budget files): frames, rejected rows and reports."""
    if not tables:
        raise SpecError("concat_tables needs at least one table")
    cls = type(tables[0])
    if any(type(t) is not cls for t in tables):
        raise SpecError("concat_tables: all tables must be of the same kind")
    frame = pd.concat([t.frame for t in tables], ignore_index=True)
    rejected = pd.concat([t.rejected for t in tables if len(t.rejected)], ignore_index=True) if any(
        len(t.rejected) for t in tables
    ) else tables[0].rejected
    report = tables[0].report
    for t in tables[1:]:
        report = report.merge(t.report)
    report.source = ", ".join(t.report.source for t in tables if t.report.source)
    return cls(frame=frame, report=report, rejected=rejected)
