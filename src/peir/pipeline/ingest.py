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

import re
import string
import warnings
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from peir.chain import PHASE_ALIASES, Phase, is_plain_label, normalize_label
from peir.errors import IssueCode, SpecError
from peir.pipeline.numbers import OK, ExactTotal, parse_numbers, to_string_array
from peir.pipeline.sources import BadRecord, RawChunk, RawSource, open_source
from peir.pipeline.validate import (
    ERROR,
    INFO,
    WARNING,
    ChunkKeys,
    Issues,
    SortedKeys,
    TableKeys,
    check_rows,
    check_totals,
    closest,
    table_checks,
)
from peir.readspec import ReadSpec
from peir.schema import C, TableSchema, load_schema
from peir.tables import (
    ISSUE_COLUMNS,
    BudgetTable,
    CaseloadTable,
    ChainMap,
    ContextTable,
    IssueBlock,
    PersonnelTable,
    Table,
    ValidationReport,
    issue_blocks,
)

__all__ = [
    "SYNONYMS",
    "concat_tables",
    "read_budget",
    "read_caseload",
    "read_chain_map",
    "read_context",
    "read_personnel",
    "read_table",
]

SpecLike = ReadSpec | Mapping[str, Any] | str | Path | None

#: Header names recognised for each canonical column without a column map (normalised:
#: lower case, no accents, punctuation as spaces).
SYNONYMS: dict[str, tuple[str, ...]] = {
    C.COUNTRY: ("pais", "country code", "iso3", "iso", "country iso3", "cod pais"),
    C.YEAR: (
        "ano",
        "anio",
        "year",
        "ejercicio",
        "exercicio",
        "fiscal year",
        "gestion",
        "periodo",
        "ciclo",
    ),
    C.INSTITUTION_CODE: (
        "institution code",
        "codigo institucion",
        "cod institucion",
        "codigo de institucion",
        "institucion codigo",
        "admin code",
        "ramo",
        "codigo entidad",
        "unidad primaria",
    ),
    C.INSTITUTION: (
        "institucion",
        "entidad",
        "organismo",
        "orgao",
        "ministerio",
        "institution name",
        "pliego",
    ),
    C.PROGRAM: ("programa", "programme", "programa presupuestario", "program name"),
    C.ECON: (
        "economico",
        "clasificador economico",
        "econ code",
        "economic classification",
        "objeto del gasto",
        "rubro",
    ),
    C.FUNC: ("funcion", "cofog", "clasificacion funcional", "function", "funcao"),
    C.REGION: ("departamento", "region", "provincia", "estado", "uf", "municipio"),
    C.FUNDING_SOURCE: (
        "fuente",
        "fuente de financiamiento",
        "fonte",
        "fonte de recursos",
        "source of funds",
    ),
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
    C.HEADCOUNT: (
        "plazas",
        "dotacion",
        "efectivos",
        "numero de empleados",
        "employees",
        "staff",
        "fte",
    ),
    C.WAGE_BILL: ("masa salarial", "remuneraciones", "planilla", "payroll", "wage bill"),
    C.CATEGORY: ("categoria", "categoria de personal", "staff category"),
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
    "personnel": PersonnelTable,
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


def read_personnel(source: Any, spec: SpecLike = None, **overrides: Any) -> PersonnelTable:
    """Read staff in post and wage bills (institution, category, region, year) into a
    :class:`peir.PersonnelTable`. See :func:`read_budget`."""
    table = read_table("personnel", source, spec, **overrides)
    assert isinstance(table, PersonnelTable)
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
        ("compose", list(spec.compose)),
        ("constants", list(spec.constants)),
        ("values", list(spec.values)),
        ("melt", list((spec.melt or {}).keys())),
    ):
        for k in keys:
            if k not in names:
                close = closest(k, names, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise SpecError(
                    f"{section}: {k!r} is not a column of the {kind} table{hint}"
                    f" (columns: {', '.join(names)})"
                )
    _check_multiplier_names(kind, spec)


def _check_multiplier_names(kind: str, spec: ReadSpec) -> None:
    """Each key of a mapping ``unit_multiplier`` is a number column of the table or a wide
    source column of ``phases``/``melt``; anything else would be silently ignored (a typo,
    ``amout``, would read thousands as units): a spec error naming it."""
    schema = load_schema(kind)
    numbers = [f.name for f in schema.fields if f.type == "number"]
    dims = spec.melt_dims()
    wide = list(next(iter(dims.values()))) if dims else []
    for k in spec.canonical_multipliers():
        if k in numbers:
            continue
        close = closest(k, [*numbers, *wide], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        what = "a column" if k not in schema.names else "a number column"
        shown = ", ".join(map(repr, wide[:8])) + (" ..." if len(wide) > 8 else "")
        raise SpecError(
            f"unit_multiplier: {k!r} is neither {what} of the {kind} table"
            f" ({', '.join(numbers) or 'none'}) nor a wide column of phases/melt"
            f"{f' ({shown})' if wide else ''}{hint}"
        )
    if spec.melt_dims() and kind not in _VALUE_COLUMN:
        raise SpecError(
            f"phases/melt (wide columns) apply to budget and caseload tables, not {kind}"
        )


def _phase_of_header(header: str, key: str | None = None) -> Any:
    """The phase a header names ("Devengado", "Presupuesto devengado 2019" -> executed);
    None for a header with other marks ("pagado??"). ``key``: the header already normalised."""
    if not is_plain_label(header):
        return None
    words = (normalize_label(header) if key is None else key).split()
    words = [w for w in words if not (w.isdigit() and len(w) == 4)]
    for i in range(len(words)):
        suffix = " ".join(words[i:])  # normalised already: looked up, not parsed again
        p = PHASE_ALIASES.get(suffix) or _PHASE_IDS.get(suffix)
        if p is not None:
            return p
    return None


_PHASE_IDS = {p.value: p for p in Phase}


def _match_header(name: str, headers: list[str]) -> str | None:
    if name in headers:
        return name
    key = normalize_label(name)
    for h in headers:
        if normalize_label(h) == key:
            return h
    return None


def _trigrams(text: str) -> set[str]:
    t = f"  {text} "
    return {t[i : i + 3] for i in range(len(t) - 2)}


class _Headers:
    """The source headers, normalised once, with exact and close matching that stay linear
    in the number of headers (an 8,000-column header took 11-17 s when every lookup
    normalised every header again and ran difflib over all of them)."""

    #: Headers compared with difflib after the trigram screen.
    SCREEN = 40

    def __init__(self, headers: list[str]) -> None:
        self.headers = headers
        self.norm = [normalize_label(h) for h in headers]
        self.exact = set(headers)
        self.by_norm: dict[str, str] = {}
        for h, k in zip(headers, self.norm, strict=True):
            self.by_norm.setdefault(k, h)
        self._grams: dict[str, list[int]] | None = None

    def match(self, name: str) -> str | None:
        """The header ``name`` (exactly, then case-, accent- and spacing-insensitively)."""
        if name in self.exact:
            return name
        return self.by_norm.get(normalize_label(name))

    def closest(self, names: list[str], skip: set[str] | None = None) -> list[str]:
        """Up to three headers closest to any of ``names``: the headers sharing the most
        character trigrams with a name (an inverted index, so only headers that share one are
        counted), then difflib on those."""
        import difflib
        from collections import Counter

        if self._grams is None:
            self._grams = {}
            for i, k in enumerate(self.norm):
                for g in _trigrams(k):
                    self._grams.setdefault(g, []).append(i)
        out: list[str] = []
        for n in names:
            key = normalize_label(n)
            hits: Counter[int] = Counter()
            for g in _trigrams(key):
                hits.update(self._grams.get(g, ()))
            best = [i for i, _c in hits.most_common() if not skip or self.headers[i] not in skip][
                : self.SCREEN
            ]
            pool = {self.norm[i]: self.headers[i] for i in reversed(best)}
            for hit in difflib.get_close_matches(key, list(pool), n=3, cutoff=0.4):
                if pool[hit] not in out:
                    out.append(pool[hit])
        return out[:3]


@dataclass
class _Plan:
    mapping: dict[str, str] = field(default_factory=dict)
    auto: dict[str, str] = field(default_factory=dict)
    melt: dict[str, dict[str, str]] = field(default_factory=dict)
    melt_sources: list[str] = field(default_factory=list)
    #: wide source column (as in the file) -> its own unit multiplier (``unit_multiplier``
    #: keyed by source column); the others take the canonical multiplier
    melt_multipliers: dict[str, float] = field(default_factory=dict)
    present: set[str] = field(default_factory=set)
    missing_required: list[str] = field(default_factory=list)
    table_issues: list[dict[str, Any]] = field(default_factory=list)
    phases_detected: bool = False
    #: headers the plan uses that occur more than once (which column is meant is unclear)
    ambiguous: list[str] = field(default_factory=list)
    #: canonical -> further source columns, taken where the mapped one is empty
    fallbacks: dict[str, list[str]] = field(default_factory=dict)
    #: canonical -> (literal text, source column or None) parts of a compose template
    compose: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)

    @property
    def blocking(self) -> str | None:
        """Why every row is rejected (missing required columns, an ambiguous header), or None."""
        parts = []
        if self.missing_required:
            parts.append("missing required column(s): " + ", ".join(self.missing_required))
        parts += self.ambiguous
        return "; ".join(parts) or None

    def exclude_columns(self, spec: ReadSpec, headers: list[str]) -> dict[str, str | None]:
        """The source column each ``exclude`` rule reads (None: no header matches it)."""
        return {
            key: self.mapping.get(key) or _match_header(key, headers) for key in spec.exclude
        }

    def source_columns(self, exclude: Mapping[str, str | None]) -> frozenset[str] | None:
        """The source columns the staging reads (mapped, fallback, composed, wide, and those
        of the exclude rules, ``exclude`` as :meth:`exclude_columns` resolved them), or None
        for every column: a blocked plan rejects every row with all its text."""
        if self.blocking:
            return None
        used = set(self.mapping.values()) | set(self.melt_sources)
        used.update(h for hs in self.fallbacks.values() for h in hs)
        used.update(h for parts in self.compose.values() for _t, h in parts if h is not None)
        used.update(h for h in exclude.values() if h is not None)
        return frozenset(used)


def _plan(
    kind: str,
    headers: list[str],
    spec: ReadSpec,
    source_name: str,
    duplicates: Mapping[str, list[int]] | None = None,
) -> _Plan:
    schema = load_schema(kind)
    plan = _Plan()
    used: set[str] = set()
    index = _Headers(headers)

    def missing_issue(column: str, src: str, what: str) -> None:
        close = index.closest([src], used) or index.closest([src])
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
        if src is None:  # left out on purpose: nothing is mapped to it, not even by name
            continue
        hits: list[str] = []
        for one in [src] if isinstance(src, str) else src:
            h = index.match(one)
            if h is None:
                missing_issue(canon, one, f"the column for {canon}")
                continue
            hits.append(h)
            used.add(h)
        if hits:
            plan.mapping[canon] = hits[0]
            if len(hits) > 1:
                plan.fallbacks[canon] = hits[1:]
    for canon, template in spec.compose.items():
        parts: list[tuple[str, str | None]] = []
        ok = True
        for literal, name, _fmt, _conv in string.Formatter().parse(template):
            h = index.match(name) if name is not None else None
            if name is not None and h is None:
                missing_issue(canon, name, f"the column {{{name}}} of compose[{canon!r}]")
                ok = False
            parts.append((literal, h))
            if h is not None:
                used.add(h)
        if ok:
            plan.compose[canon] = parts
    dims = spec.melt_dims()
    value_col = _VALUE_COLUMN.get(kind)
    if dims:
        first = next(iter(dims.values()))
        found: list[str] = []
        own = spec.source_multipliers()
        for src in first:
            h = index.match(src)
            if h is None:
                missing_issue(value_col or "", src, "the wide column")
                continue
            found.append(h)
            used.add(h)
            if src in own:
                plan.melt_multipliers[h] = own[src]
        for dim, m in dims.items():
            plan.melt[dim] = {}
            for src, label in m.items():
                h = index.match(src)
                if h is not None:
                    plan.melt[dim][h] = label
        plan.melt_sources = found
    elif (
        kind == "budget"
        and C.AMOUNT not in plan.mapping
        and C.AMOUNT not in spec.constants
        and C.PHASE not in plan.mapping
        and C.PHASE not in spec.constants
        and not any(
            k in (C.AMOUNT, *SYNONYMS[C.AMOUNT])
            for h, k in zip(headers, index.norm, strict=True)
            if h not in used
        )
        and not any(
            k in (C.PHASE, *SYNONYMS[C.PHASE])
            for h, k in zip(headers, index.norm, strict=True)
            if h not in used
        )
    ):
        wide = {
            h: p.value
            for h, k in zip(headers, index.norm, strict=True)
            if h not in used and (p := _phase_of_header(h, k)) is not None
        }
        by_phase: dict[str, list[str]] = {}
        for h, ph in wide.items():
            by_phase.setdefault(ph, []).append(h)
        for ph, hs in by_phase.items():
            if len(hs) > 1:
                raise SpecError(
                    f"{source_name}: the columns {hs[0]!r} and {hs[1]!r} both read as phase"
                    f" {ph!r}; a line would be"
                    " counted twice. Say which column is which phase with phases: {column: phase}"
                    " (a column"
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
        if (
            canon in plan.mapping
            or canon in plan.melt
            or (canon == value_col and plan.melt_sources)
        ):
            continue
        if canon in spec.columns:  # mapped but missing: do not guess
            continue
        keys = {normalize_label(canon), *SYNONYMS.get(canon, ())}
        for h, k in zip(headers, index.norm, strict=True):
            if h not in used and k in keys:
                plan.mapping[canon] = h
                plan.auto[canon] = h
                used.add(h)
                break
    for name, positions in (duplicates or {}).items():
        users = [c for c, h in plan.mapping.items() if h == name] + (
            ["wide columns"] if name in plan.melt_sources else []
        )
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
                    "message": f"the header {name!r} is on columns {where}; they are read as"
                    f" {name!r},"
                    f" {name + ' (2)'!r}... (neither is used)",
                }
            )
    plan.present = set(plan.mapping) | set(spec.constants) | set(plan.melt) | set(plan.compose)
    if plan.melt_sources and value_col:
        plan.present.add(value_col)
    fillable = _FILLABLE.get(kind, set()) if C.MEASURE in plan.present else set()
    for f in schema.fields:
        if f.required and f.name not in plan.present and f.name not in fillable:
            plan.missing_required.append(f.name)
            if spec.columns.get(f.name) is not None:
                continue  # already reported as a missing mapped column
            close = index.closest([f.name, *SYNONYMS.get(f.name, ())], used)
            hint = f"; closest headers found: {', '.join(map(repr, close))}" if close else ""
            plan.table_issues.append(
                {
                    "column": f.name,
                    "value": None,
                    "code": IssueCode.MISSING_COLUMN,
                    "severity": ERROR,
                    "message": f"required column {f.name!r} is missing from {source_name}{hint}"
                    f" (map it with columns: {{{f.name}: <header>}} or set constants:"
                    f" {{{f.name}: ...}})",
                }
            )
    return plan


# ------------------------------------------------------------------------------------------
# staging: canonical columns as read, with constants, recodes and wide -> long
# ------------------------------------------------------------------------------------------


def _typed_columns(
    schema: TableSchema, plan: _Plan, spec: ReadSpec, raw: RawSource
) -> dict[str, Any]:
    """Source columns a streamed text file can hand over already parsed as numbers.

    Only plain numbers in the default locale (``decimal="."``), for number and integer
    columns read straight from one header (no constant, recode, wide phases or exclude rule
    on them). The parser falls back to strings at the first value that is not a plain
    number, and then :func:`peir.pipeline.numbers.parse_numbers` handles the locale.
    """
    if not raw.streamed or spec.decimal != "." or spec.thousands == "." or spec.exclude:
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
    m = pc.or_kleene(
        pc.is_null(s), pc.is_in(s, value_set=pa.array(sorted(set(markers) | {""}), type=s.type))
    )
    return np.asarray(m.fill_null(True).to_numpy(zero_copy_only=False), dtype=bool)


def _recode(col: pd.Series, mapping: dict[str, str]) -> pd.Series:
    exact = dict(mapping)
    norm = {normalize_label(k): v for k, v in mapping.items()}
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    new = []
    for u in uniques:
        key = (
            u
            if isinstance(u, str)
            else (str(int(u)) if isinstance(u, float) and u.is_integer() else str(u))
        )
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
class _Facts:
    """Facts about a chunk for the report, merged in source order (never written to shared
    state by the worker that finds them)."""

    empty_wide_cells: int = 0
    blank_rows: int = 0
    comment_lines: int = 0
    exclude_unmatched: list[str] = field(default_factory=list)

    def merge(self, other: _Facts) -> None:
        self.empty_wide_cells += other.empty_wide_cells
        self.blank_rows += other.blank_rows
        self.comment_lines += other.comment_lines
        self.exclude_unmatched += [
            k for k in other.exclude_unmatched if k not in self.exclude_unmatched
        ]


@dataclass
class _TotalRows:
    """Total rows set aside in a chunk: canonical values, row numbers, the column marking each."""

    frame: pd.DataFrame
    rows: np.ndarray
    flagged: np.ndarray


@dataclass
class _ChunkResult:
    """What one chunk contributes: its issues, accepted and rejected rows, keys and totals."""

    n: int
    n_rejected: int
    blocks: list[IssueBlock]
    accepted: pa.Table
    rows: np.ndarray
    keys: ChunkKeys
    sorted_keys: SortedKeys
    rejected: pd.DataFrame | None
    read: ExactTotal
    rejected_total: ExactTotal
    unparsed: int
    facts: _Facts
    totals: _TotalRows | None = None


@dataclass
class _Collected:
    """Every chunk's results, in source order."""

    parts: list[_ChunkResult] = field(default_factory=list)
    facts: _Facts = field(default_factory=_Facts)

    def add(self, res: _ChunkResult) -> None:
        self.parts.append(res)
        self.facts.merge(res.facts)


_NO_KEYS = ChunkKeys.empty()


@dataclass
class _CrossRows:
    """The checks across rows: their issues, the accepted rows they reject (context
    duplicates) with their rejected frame, and the total rows' summary for ``meta``."""

    blocks: list[IssueBlock]
    reject: np.ndarray
    rejected: pd.DataFrame | None
    totals: dict[str, Any] | None = None


@dataclass
class _Accepted:
    """The accepted rows of the whole table, their row numbers and keys."""

    frame: pd.DataFrame
    rows: np.ndarray
    keys: TableKeys


class _Reader:
    """Read one source into a typed table: chunks are checked one by one (in worker threads
    for a streamed file), then :meth:`run` collects them, runs the checks across rows and
    builds the report."""

    def __init__(self, kind: str, spec: ReadSpec, raw: RawSource) -> None:
        self.kind = kind
        self.spec = spec
        self.raw = raw
        self.schema: TableSchema = load_schema(kind)
        self.markers = tuple(self.schema.missing_values) + tuple(spec.na_values)
        self.plan = _plan(kind, raw.columns, spec, raw.name, raw.duplicate_headers)
        self.value_col = _VALUE_COLUMN.get(kind)
        self.value_sources = (
            [self.plan.mapping[self.value_col]] if self.value_col in self.plan.mapping else []
        )
        self.value_sources += list(self.plan.melt_sources)
        self.exclude_columns = self.plan.exclude_columns(spec, raw.columns)

    # -- the whole table -------------------------------------------------------------------
    def run(self) -> Table:
        collected = self._collect()
        accepted = self._accepted(collected)
        return self._report(collected, accepted, self._cross_row_checks(collected, accepted))

    def _collect(self) -> _Collected:
        """Every chunk checked, results in source order. A streamed file's chunks are checked
        in worker threads while the next block is parsed: at most ``IN_FLIGHT + 1`` chunks
        are held at once."""
        out = _Collected()
        chunks = self.raw.chunks(
            _typed_columns(self.schema, self.plan, self.spec, self.raw),
            self.plan.source_columns(self.exclude_columns),
        )
        if not self.raw.streamed or WORKERS <= 1:
            for chunk in chunks:
                out.add(self._compute(chunk))
            return out
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            pending: deque[Future[_ChunkResult]] = deque()
            for chunk in chunks:
                pending.append(pool.submit(self._compute, chunk))
                while pending and pending[0].done():
                    out.add(pending.popleft().result())
                if len(pending) > IN_FLIGHT:
                    out.add(pending.popleft().result())
            while pending:
                out.add(pending.popleft().result())
        return out

    def _accepted(self, collected: _Collected) -> _Accepted:
        """The accepted rows as one frame (one Arrow table converted once)."""
        parts = collected.parts
        if parts:
            tables = [p.accepted for p in parts]
            table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
        else:
            table = pa.table({f.name: pa.nulls(0, pa.large_string()) for f in self.schema.fields})
        rows = np.concatenate([p.rows for p in parts]) if parts else np.zeros(0, np.int64)
        keys = TableKeys([(p.keys, p.sorted_keys) for p in parts])
        for p in parts:  # the tables and codes are joined now: the chunks' copies are freed
            p.accepted = table.slice(0, 0)
            p.keys = _NO_KEYS
        frame = _to_pandas(table, self.schema)
        return _Accepted(frame, rows, keys)

    def _cross_row_checks(self, collected: _Collected, acc: _Accepted) -> _CrossRows:
        """Duplicates, executed above modified, chain-map shares, and total rows against the
        lines they total."""
        iss, reject = table_checks(self.kind, acc.frame, acc.rows, acc.keys)
        amounts = (
            acc.frame[C.AMOUNT].to_numpy(dtype="float64", na_value=np.nan)
            if self.kind == "budget"
            else None
        )
        blocks = iss.blocks(acc.rows, self.raw.name, amounts)
        totals = [p.totals for p in collected.parts if p.totals is not None]
        summary = None
        if totals:
            t_frame = pd.concat([t.frame for t in totals], ignore_index=True)
            t_rows = np.concatenate([t.rows for t in totals])
            t_iss, summary = check_totals(
                self.kind,
                acc.frame,
                t_frame,
                np.concatenate([t.flagged for t in totals]),
                acc.rows,
                t_rows,
            )
            t_amounts = (
                t_frame[self.value_col].to_numpy(dtype="float64", na_value=np.nan)
                if self.value_col
                else None
            )
            blocks += t_iss.blocks(t_rows, self.raw.name, t_amounts)
        rejected = None
        if reject.any():
            pos = np.flatnonzero(reject)
            reasons = iss.reasons(len(acc.frame))[pos]
            rej = acc.frame.iloc[pos].reset_index(drop=True).astype(object)
            rej["source_ref"] = [f"{self.raw.name}:{r}" for r in acc.rows[pos]]
            rej["row"] = acc.rows[pos]
            rej["reason"] = reasons
            rejected = rej
        return _CrossRows(blocks, reject, rejected, summary)

    def _report(self, collected: _Collected, acc: _Accepted, cross: _CrossRows) -> Table:
        parts = collected.parts
        t_reject, t_rejected = cross.reject, cross.rejected
        frame, rows = acc.frame, acc.rows
        rejected_total = ExactTotal.sum(p.rejected_total for p in parts)
        if t_reject.any():
            if self.kind == "budget":
                rejected_total = rejected_total + ExactTotal.of(
                    frame[C.AMOUNT].to_numpy(dtype="float64")[t_reject]
                )
            frame = frame.iloc[np.flatnonzero(~t_reject)].reset_index(drop=True)
            rows = rows[~t_reject]
        rejected_parts = [p.rejected for p in parts if p.rejected is not None]
        if t_rejected is not None:
            rejected_parts.append(t_rejected)
        names = [
            *self.raw.columns,
            "source_ref",
            "row",
            "reason",
        ]  # one block: 8,000 columns cost ms, not s
        rejected = (
            pd.concat(rejected_parts, ignore_index=True)
            if rejected_parts
            else pd.DataFrame(np.empty((0, len(names)), dtype=object), columns=names)
        )
        blocks: list[IssueBlock] = []
        if self.plan.table_issues:
            blocks += issue_blocks(
                pd.DataFrame(
                    [
                        {"source_ref": self.raw.name, "row": None, **i}
                        for i in self.plan.table_issues
                    ],
                    columns=list(ISSUE_COLUMNS),
                )
            )
        for p in parts:
            blocks += p.blocks
        blocks += cross.blocks
        n_read = sum(p.n for p in parts)
        n_rejected = sum(p.n_rejected for p in parts) + int(t_reject.sum())
        report = ValidationReport(
            table=self.kind,
            source=self.raw.name,
            rows_read=n_read,
            rows_accepted=len(frame),
            rows_rejected=n_rejected,
            encoding=self.raw.encoding,
            meta=self._meta(collected.facts, cross.totals),
            blocks=blocks,
        )
        if self.kind == "budget":
            read = ExactTotal.sum(p.read for p in parts)
            accepted = ExactTotal.of(frame[C.AMOUNT].to_numpy(dtype="float64"))
            report.amount_read = read.value()
            report.amount_accepted = accepted.value()
            report.amount_rejected = rejected_total.value()
            report.amount_unparsed = sum(p.unparsed for p in parts)
            report.amounts_exact = {
                "read": read.decimal(),
                "accepted": accepted.decimal(),
                "rejected": rejected_total.decimal(),
            }
            assert read.matches(accepted + rejected_total), "amount accounting broken"
        assert report.rows_read == report.rows_accepted + report.rows_rejected, (
            "row accounting broken"
        )
        return _TABLES[self.kind](frame=frame, report=report, rejected=rejected)

    # -- one chunk -------------------------------------------------------------------------
    def _stage(
        self, chunk: RawChunk, facts: _Facts
    ) -> tuple[dict[str, pd.Series], np.ndarray, np.ndarray]:
        """Canonical columns as read (positionally indexed Series, no frame built); returns
        (staged, raw positions, row numbers)."""
        frame = chunk.frame
        n = len(frame)
        cols: dict[str, pd.Series] = {}
        for canon, h in self.plan.mapping.items():
            cols[canon] = frame[h].reset_index(drop=True)
            for other in self.plan.fallbacks.get(canon, ()):
                gap = _is_missing(cols[canon], self.markers)
                if gap.any():
                    values = cols[canon].astype(object).to_numpy(copy=True)
                    values[gap] = frame[other].to_numpy(dtype=object)[gap]
                    cols[canon] = pd.Series(values, dtype=object)
        for canon, parts in self.plan.compose.items():
            cols[canon] = _composed(frame, parts, self.markers)
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
            long, idx = self._melt(frame, pd.DataFrame(cols, index=pd.RangeIndex(n)), facts)
            cols = {c: long[c] for c in long.columns}
        for canon, mapping in self.spec.values.items():
            if canon in cols and mapping:
                cols[canon] = _recode(cols[canon], mapping)
        return cols, idx, chunk.rows[idx]

    def _melt(
        self, frame: pd.DataFrame, staged: pd.DataFrame, facts: _Facts
    ) -> tuple[pd.DataFrame, np.ndarray]:
        srcs = self.plan.melt_sources
        assert self.value_col is not None
        n, k = len(frame), len(srcs)
        vals = np.empty((n, k), dtype=object)
        miss = np.zeros((n, k), dtype=bool)
        for j, s in enumerate(srcs):
            vals[:, j] = frame[s].to_numpy(dtype=object)
            miss[:, j] = _is_missing(frame[s], self.markers)
        all_missing = miss.all(axis=1)
        keep = ~miss
        keep[all_missing, 0] = True  # an empty line stays, to be rejected as missing an amount
        facts.empty_wide_cells += int(miss.sum() - all_missing.sum())
        r_idx, c_idx = np.nonzero(keep)  # row-major: each source row's phases together
        long = staged.iloc[r_idx].reset_index(drop=True)
        long[self.value_col] = pd.Series(vals[r_idx, c_idx], dtype=object)
        long[_MELT_SOURCE] = pd.Series(np.asarray(srcs, dtype=object)[c_idx], dtype=object)
        for dim, m in self.plan.melt.items():
            labels = np.asarray([m.get(s) for s in srcs], dtype=object)
            long[dim] = pd.Series(labels[c_idx], dtype=object)
        return long, r_idx.astype(np.int64)

    def _multiplier(self, staged: Mapping[str, pd.Series]) -> Callable[[str], float | np.ndarray]:
        """The unit multiplier of each canonical column: a number, or for the value column of
        a wide layout with multipliers per source column, one per staged row (from the wide
        column the row came from)."""
        spec, kind = self.spec, self.kind
        own = self.plan.melt_multipliers
        if not own or _MELT_SOURCE not in staged:
            return lambda c: spec.multiplier_for(c, kind)
        base = spec.multiplier_for(self.value_col or "", kind)
        per = {s: own.get(s, base) for s in self.plan.melt_sources}
        rows = staged[_MELT_SOURCE].map(per).to_numpy(dtype=np.float64)
        return lambda c: rows if c == self.value_col else spec.multiplier_for(c, kind)

    def _source_multiplier(self, header: str) -> float:
        """The unit multiplier of the amounts read from source column ``header``."""
        assert self.value_col is not None
        own = self.plan.melt_multipliers.get(header)
        return own if own is not None else self.spec.multiplier_for(self.value_col, self.kind)

    def _excluded(self, frame: pd.DataFrame, facts: _Facts) -> np.ndarray:
        mask = np.zeros(len(frame), dtype=bool)
        for key, pattern in self.spec.exclude.items():
            h = self.exclude_columns[key]  # matched against the source's headers, once
            if h is None:
                if key not in facts.exclude_unmatched:
                    facts.exclude_unmatched.append(key)
                continue
            s = pd.Series(to_string_array(frame[h]).to_pandas(), dtype=object).fillna("")
            with warnings.catch_warnings():  # a pattern with groups: only whether it matches counts
                warnings.simplefilter("ignore", UserWarning)
                mask |= s.str.contains(re.compile(pattern), regex=True).to_numpy(dtype=bool)
        return mask

    def _compute(self, chunk: RawChunk) -> _ChunkResult:
        """Everything about one chunk; reads the reader's plan and spec, writes nothing shared
        (it runs in worker threads)."""
        facts = _Facts(blank_rows=chunk.blank, comment_lines=chunk.comments)
        staged, idx, rows = self._stage(chunk, facts)
        n = len(idx)
        excluded_raw = (
            self._excluded(chunk.frame, facts)
            if self.spec.exclude
            else np.zeros(len(chunk.frame), bool)
        )
        excluded = excluded_raw[idx] if len(idx) else np.zeros(0, bool)
        check = check_rows(
            self.kind,
            staged,
            n_rows=n,
            present=self.plan.present,
            decimal=self.spec.decimal,
            thousands=self.spec.thousands,
            multiplier=self._multiplier(staged),
            na_values=tuple(self.spec.na_values),
            find_totals=not self.spec.keep_totals and self.kind in _VALUE_COLUMN,
        )
        iss = self._cell_notes(chunk, idx, staged, check.issues)
        # rows set aside on purpose (exclude rule, total rows): only that is reported for them
        totals = (
            np.zeros(n, dtype=bool) if check.total_column is None else pd.notna(check.total_column)
        )
        totals &= ~excluded
        aside = excluded | totals
        if aside.any():
            iss = iss.without(aside)
        if excluded.any():
            iss.add(
                np.flatnonzero(excluded),
                None,
                None,
                IssueCode.EXCLUDED,
                INFO,
                "set aside by the spec's exclude rule",
            )
        reasons_total: np.ndarray | None = None
        if totals.any():
            pos = np.flatnonzero(totals)
            assert check.total_column is not None
            flagged = check.total_column[pos]
            labels = _staged_values(staged, flagged, pos)
            reasons_total = np.asarray(
                [
                    f"a total row ({c} {v!r}): set aside so that it is not counted twice"
                    for c, v in zip(flagged, labels, strict=True)
                ],
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
            reasons = (
                np.asarray(
                    [blocking if r is None else f"{blocking}; {r}" for r in reasons], dtype=object
                )
                if n
                else reasons
            )
        amounts = check.amounts if check.amounts is not None else np.full(n, np.nan)
        blocks = iss.blocks(rows, self.raw.name, amounts if self.kind == "budget" else None)
        blocks += [
            IssueBlock(
                self.raw.name,
                note.code,
                WARNING,
                None,
                np.asarray([note.row], dtype=np.int64),
                note.value,
                note.message,
            )
            for note in chunk.line_notes
        ]
        typed = pa.table(check.columns)
        total_rows = None
        if totals.any() and not blocking:
            pos = np.flatnonzero(totals)
            assert check.total_column is not None
            total_rows = _TotalRows(
                _to_pandas(typed.take(pa.array(pos)), self.schema),
                rows[pos],
                check.total_column[pos],
            )
        # accepted
        acc_mask = ~reject
        all_ok = bool(acc_mask.all())
        accepted = typed if all_ok else typed.filter(pa.array(acc_mask))
        acc_rows = rows if all_ok else rows[acc_mask]
        accepted = _fill_source_ref(
            accepted, acc_rows, self.raw.name
        )  # given, else "<file>:<row>"; in the worker
        keys = check.keys.select(acc_mask)
        # rejected, with original values
        rejected = None
        rejected_total = ExactTotal()
        unparsed = 0
        if reject.any():
            rej_pos = np.flatnonzero(reject)
            src = chunk.source_rows(idx[rej_pos])  # the text of every column
            rej = pd.DataFrame(src.to_numpy(dtype=object), columns=src.columns)  # one block
            for dim in self.plan.melt:
                if dim in staged:
                    name = dim if dim not in rej.columns else f"{dim} (melted)"
                    rej[name] = staged[dim].to_numpy(dtype=object)[rej_pos]
            rejected = self._rejected_frame(rej, rows[rej_pos], reasons[rej_pos], staged, rej_pos)
            rejected_total = ExactTotal.of(amounts[rej_pos])
            unparsed = int((~np.isfinite(amounts[rej_pos])).sum())
        read = ExactTotal.of(amounts)
        n_rows, n_rejected = n, int(reject.sum())
        if chunk.bad:
            bad_frame, bad_blocks, bad_amounts = self._malformed(chunk.bad)
            rejected = (
                bad_frame
                if rejected is None
                else pd.concat([rejected, bad_frame], ignore_index=True)
            )
            blocks += bad_blocks
            read = read + ExactTotal.of(bad_amounts)
            rejected_total = rejected_total + ExactTotal.of(bad_amounts)
            if self.kind == "budget":
                unparsed += int((~np.isfinite(bad_amounts)).sum())
            n_rows += len(chunk.bad)
            n_rejected += len(chunk.bad)
        if self.kind != "budget":
            read, rejected_total, unparsed = ExactTotal(), ExactTotal(), 0
        return _ChunkResult(
            n=n_rows,
            n_rejected=n_rejected,
            blocks=blocks,
            accepted=accepted,
            rows=acc_rows,
            keys=keys,
            sorted_keys=keys.sorted(),
            rejected=rejected,
            read=read,
            rejected_total=rejected_total,
            unparsed=unparsed,
            facts=facts,
            totals=total_rows,
        )

    def _malformed(self, bad: list[BadRecord]) -> tuple[pd.DataFrame, list[IssueBlock], np.ndarray]:
        """Malformed records: rejected rows (raw text kept), their issues, and the amount each
        holds where its amount fields can be found (NaN where none can be read)."""
        rows = np.asarray([b.row for b in bad], dtype=np.int64)
        cols: dict[str, Any] = {
            c: [b.fields[j] if b.fields is not None and j < len(b.fields) else None for b in bad]
            for j, c in enumerate(self.raw.columns)
        }
        rej = pd.DataFrame(cols, dtype=object, columns=self.raw.columns)
        extra = {
            _free(rej, "raw_line"): [b.text for b in bad],
            "source_ref": [f"{self.raw.name}:{r}" for r in rows],
            "row": rows,
            "reason": [b.reason for b in bad],
        }
        rej = _with_extra(rej, extra)
        amounts = self._amounts_of(rej) if self.value_sources else np.full(len(bad), np.nan)
        block = IssueBlock(
            self.raw.name,
            IssueCode.MALFORMED_ROW,
            ERROR,
            None,
            rows,
            np.asarray([b.text for b in bad], dtype=object),
            np.asarray([f"{b.reason}; the line was not read" for b in bad], dtype=object),
            amounts if self.kind == "budget" else None,
        )
        return rej, [block], amounts

    def _amounts_of(self, rej: pd.DataFrame) -> np.ndarray:
        """The amount of each malformed line: its amount field(s) parsed as the spec says
        (several for a wide layout, summed); NaN where none can be read."""
        total = np.zeros(len(rej))
        found = np.zeros(len(rej), dtype=bool)
        for h in self.value_sources:
            mult = self._source_multiplier(h)
            p = parse_numbers(
                rej[h].astype(object),
                decimal=self.spec.decimal,
                thousands=self.spec.thousands,
                missing=self.markers,
            )
            ok = (p.status == OK) & np.isfinite(p.values)
            total += np.where(ok, p.values * mult, 0.0)
            found |= ok
        return np.where(found, total, np.nan)

    def _cell_notes(
        self, chunk: RawChunk, idx: np.ndarray, staged: Mapping[str, pd.Series], iss: Issues
    ) -> Issues:
        """The source's notes on cells (formula without a value, a container instead of a
        value) as errors on the canonical columns they feed, replacing what the value check
        said about those cells; notes on whole rows (hidden) as warnings on their first row."""
        if not chunk.notes:
            return iss
        by_header: dict[str, list[str]] = {}
        for canon, h in self.plan.mapping.items():
            by_header.setdefault(h, []).append(canon)
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
                out.add(
                    np.asarray([first_of[note.pos]]),
                    None,
                    note.value,
                    note.code,
                    WARNING,
                    note.message,
                )
                continue
            targets = [(c, idx == note.pos) for c in by_header.get(note.column, [])]
            if self.value_col and melt_col is not None and note.column in self.plan.melt_sources:
                targets.append(
                    (
                        self.value_col,
                        (idx == note.pos) & (melt_col.to_numpy(dtype=object) == note.column),
                    )
                )
            for canon, sel in targets:
                if not sel.any():
                    continue
                out = out.without(sel, {canon})
                out.add(np.flatnonzero(sel), canon, note.value, note.code, ERROR, note.message)
        return out

    def _rejected_frame(
        self,
        rej: pd.DataFrame,
        rows: np.ndarray,
        reasons: np.ndarray,
        staged: Mapping[str, pd.Series],
        pos: np.ndarray,
    ) -> pd.DataFrame:
        src = None
        if C.SOURCE_REF in staged:
            s = staged[C.SOURCE_REF].to_numpy(dtype=object)[pos]
            src = np.asarray(
                [v if isinstance(v, str) and v.strip() else None for v in s], dtype=object
            )
        auto = np.asarray([f"{self.raw.name}:{r}" for r in rows], dtype=object)
        extra = {
            "source_ref": auto if src is None else np.where(pd.isna(src), auto, src),
            "row": rows,
            "reason": reasons,
        }
        return _with_extra(rej, extra)

    def _meta(self, facts: _Facts, totals: dict[str, Any] | None) -> dict[str, Any]:
        m: dict[str, Any] = {
            "format": self.raw.format,
            "path": str(self.raw.path) if self.raw.path is not None else None,
            "columns": dict(self.plan.mapping),
        }
        if self.plan.auto:
            m["auto_mapped"] = dict(self.plan.auto)
        if self.plan.melt:
            m["wide_columns"] = {d: dict(v) for d, v in self.plan.melt.items()}
        if self.plan.melt_multipliers:
            m["unit_multipliers"] = {h: self._source_multiplier(h) for h in self.plan.melt_sources}
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
        for k in ("empty_wide_cells", "blank_rows", "comment_lines", "exclude_unmatched"):
            v = getattr(facts, k)
            if v:
                m[k] = v
        if totals:
            m["totals"] = totals
        m["spec"] = self.spec.model_dump(exclude_defaults=True)
        return m


def _composed(
    frame: pd.DataFrame, parts: list[tuple[str, str | None]], markers: tuple[str, ...]
) -> pd.Series:
    """A compose template filled row by row (an empty cell gives an empty part; a row whose
    every column part is empty is empty)."""
    n = len(frame)
    out = np.full(n, "", dtype=object)
    any_value = np.zeros(n, dtype=bool)
    for literal, h in parts:
        out = out + literal
        if h is None:
            continue
        col = frame[h]
        miss = _is_missing(col, markers)
        text = (
            pd.Series(to_string_array(col).to_pandas(), dtype=object)
            .fillna("")
            .str.strip()
            .to_numpy(dtype=object, copy=True)
        )
        text[miss] = ""
        out = out + text
        any_value |= ~miss
    out[~any_value] = None
    return pd.Series(out, dtype=object)


def _staged_values(
    staged: Mapping[str, pd.Series], columns: np.ndarray, pos: np.ndarray
) -> list[Any]:
    """The staged value of ``columns[i]`` at row ``pos[i]``, for each i."""
    return [staged[c].iat[int(p)] for c, p in zip(columns, pos, strict=True)]


def _free(frame: pd.DataFrame, name: str) -> str:
    while name in frame.columns:
        name = f"_{name}"
    return name


def _with_extra(rej: pd.DataFrame, extra: Mapping[str, Any]) -> pd.DataFrame:
    """The rejected rows' original columns, then ``source_ref``, ``row`` and ``reason``.

    A column of the file with one of those names is kept (as ``_row``...), unless it holds
    exactly the values that replace it (a file's own ``source_ref``): the frame never has two
    columns of one name.
    """
    rename = {}
    for name, values in extra.items():
        if name in rej.columns:
            same = [None if pd.isna(v) else str(v) for v in rej[name]] == [str(v) for v in values]
            rename[name] = None if same else _free(rej, name)
    rej = rej.drop(columns=[k for k, v in rename.items() if v is None])
    rej = rej.rename(columns={k: v for k, v in rename.items() if v is not None})
    return pd.concat([rej, pd.DataFrame(dict(extra), index=rej.index)], axis=1)


def _to_pandas(table: pa.Table, schema: TableSchema) -> pd.DataFrame:
    def mapper(t: pa.DataType) -> Any:
        if pa.types.is_integer(t):
            return pd.Int64Dtype()
        return None

    df: pd.DataFrame = table.to_pandas(types_mapper=mapper)
    for f in schema.fields:
        if (
            f.type == "integer"
            and f.required
            and f.name in df.columns
            and not df[f.name].isna().any()
        ):
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
    rejected = (
        pd.concat([t.rejected for t in tables if len(t.rejected)], ignore_index=True)
        if any(len(t.rejected) for t in tables)
        else tables[0].rejected
    )
    report = tables[0].report
    for t in tables[1:]:
        report = report.merge(t.report)
    report.source = ", ".join(t.report.source for t in tables if t.report.source)
    return cls(frame=frame, report=report, rejected=rejected)
