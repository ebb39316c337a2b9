"""The read specification: how one source file maps onto a canonical table (pydantic).

:class:`ReadSpec` says which header is which canonical column, constants to add, value
recodes, encoding, number locale, units, the Excel sheet and header row, and wide phase
columns to turn into long rows. It sits low (beside :mod:`peir.tables`): the pipeline's
readers import it. The project configuration (``peir.yaml``) that lists files with their
specs is :mod:`peir.config`, a high room beside the CLI.

A bad spec raises :class:`peir.SpecError` with a message naming the bad key and what was
expected.
"""

from __future__ import annotations

import codecs
import difflib
import re
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from peir.chain import Phase, parse_phase
from peir.errors import SpecError

__all__ = ["Limits", "ReadSpec", "load_yaml_mapping", "spec_error"]

_DECIMALS = (".", ",")
_THOUSANDS = (",", ".", " ", "'", "\u00a0", "\u202f", "")


def spec_error(exc: ValidationError, model: type[BaseModel], where: str) -> SpecError:
    """A :class:`SpecError` naming each bad key of a pydantic error and what was expected."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        if err["type"] == "extra_forbidden":
            key = str(err["loc"][-1])
            fields = _fields_at(model, err["loc"][:-1])
            close = difflib.get_close_matches(key, fields, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            lines.append(
                f"unknown key {loc!r}{hint} (expected one of: {', '.join(sorted(fields))})"
            )
        else:
            msg = str(err["msg"])
            if msg.startswith("Value error, "):
                msg = msg[len("Value error, ") :]
            got = err.get("input")
            got_txt = (
                f" (got {got!r})" if got is not None and not isinstance(got, dict | list) else ""
            )
            lines.append(f"{loc}: {msg}{got_txt}")
    head = f"invalid {model.__name__}{(' in ' + where) if where else ''}"
    return SpecError(head + ": " + "; ".join(lines))


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the (nested) model at ``loc``, for suggestions."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            break
        ann = fields[part].annotation
        inner = [
            a
            for a in getattr(ann, "__args__", (ann,))
            if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        if not inner:
            break
        current = inner[0]
    return list(getattr(current, "model_fields", {}) or [])


def load_yaml_mapping(path: str | Path) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping; :class:`SpecError` otherwise."""
    p = Path(path)
    if not p.is_file():
        raise SpecError(f"{p}: no such file")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(f"{p}:{where}: not valid YAML ({problem})") from None
    except UnicodeDecodeError:
        raise SpecError(f"{p}: not a UTF-8 text file") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SpecError(
            f"{p}: expected a mapping of keys to values at the top level, got {type(data).__name__}"
        )
    return data


class Limits(BaseModel):
    """Limits that keep a hostile or broken workbook from taking all memory and time.

    An ``.xlsx`` file is a zip archive of XML: a few hundred KB can expand to gigabytes.
    Reading stops with a :class:`peir.ReadError` naming the limit before any cell is parsed
    (sizes and ratio are read from the archive's directory) or as soon as a row or column
    beyond the limit is met; raise a limit in the spec (``limits: {max_uncompressed_mb:
    1000}``) for a file known to be large.

    Parameters
    ----------
    max_uncompressed_mb
        Largest total size of the workbook's parts once uncompressed, in MB (1e6 bytes).
    max_compression_ratio
        Largest ratio of uncompressed to compressed size of one part above 8 MB (real
        workbooks compress 5-15 times; an archive built to expand compresses hundreds of times).
    max_rows, max_columns
        Largest spreadsheet row and column number (Excel's own limits by default).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_uncompressed_mb: float = Field(default=256.0, gt=0)
    max_compression_ratio: float = Field(default=100.0, gt=1)
    max_rows: int = Field(default=1_048_576, gt=0)
    max_columns: int = Field(default=16_384, gt=0)


def _one_column_per_value(mapping: Mapping[str, str], where: str) -> None:
    """Two source columns on one wide value (two columns read as ``executed``) double count:
    a spec error naming both."""
    seen: dict[str, str] = {}
    for col, value in mapping.items():
        if value in seen:
            raise ValueError(
                f"{where}: the columns {seen[value]!r} and {col!r} are both read as {value!r}; a"
                " line would be"
                " counted twice. Map one of them to another phase (or leave it out)"
            )
        seen[value] = col


class ReadSpec(BaseModel):
    """How to read one source file into a canonical table.

    Parameters
    ----------
    columns
        Canonical name -> source column (header text as in the file). Headers are matched
        exactly first, then case-, accent- and spacing-insensitively. Canonical columns that
        appear in the file under their own name (or a common Spanish/Portuguese synonym) are
        picked up without being listed. A list of source columns takes, row by row, the first
        that is not empty (``institution: [SUBRAMO, RAMO]``). ``null`` leaves the canonical
        column out: no header is read as it (``region: null`` for a BOOST file whose
        ``region`` is the World Bank region, not a sub-national one).
    compose
        Canonical name -> a template over source columns, ``"{Partida}-{Capítulo}"`` (an
        empty cell gives an empty part; a row whose every part is empty is empty).
    constants
        Canonical name -> value for every row, e.g. ``{"country": "SLV", "currency": "USD"}``.
        When the file also has the column, the constant fills its empty cells only.
    values
        Recodes per canonical column, e.g. ``{"link": {"Prevención": "prevention"}}``; keys are
        matched exactly, then case- and accent-insensitively.
    encoding
        ``"auto"`` tries UTF-8 (with or without BOM, or UTF-16 with BOM), then cp1252, then
        latin-1, and records which one was used; or any Python codec name.
    decimal, thousands
        Number locale. ``decimal=","`` for ``1.234,56``. ``thousands=None`` accepts the
        grouping that goes with the decimal mark (``,`` or space for ``.``; ``.`` or space for
        ``,``), in well-formed groups of three digits.
    unit_multiplier
        Multiply amounts (budget ``amount``, caseload ``value``; for context the money columns
        ``gdp_lcu`` and ``gov_expenditure_lcu``) by this, e.g. 1000 for "thousands of dollars";
        or a mapping column -> multiplier, whose keys are canonical number columns
        (``{amount: 1000}``) or wide source columns of ``phases``/``melt``, for a file whose
        unit changes from column to column (``{amount: 1e6, "1980": 1000, "1981": 1000}``:
        millions, but thousands in the years 1980 and 1981). A wide column's own multiplier
        replaces the canonical one for the amounts read from it; a wide column not listed
        takes the canonical one (1 when none is given). A key that is neither is a spec
        error naming it.
    phases
        Wide layout: source column -> phase (labels such as "Devengado" or "revised" are
        recognised); each source row becomes one long row per phase column.
    melt
        General wide layout: canonical column -> {source column -> value}. All melted
        dimensions must name the same source columns (``phases`` is ``melt["phase"]``).
    sheet, header_row, header_rows, skip_rows, skip_footer
        Excel sheet (name or 0-based index); 0-based index of the (first) header line or
        spreadsheet row; number of header lines to join (multi-line headers); data lines to
        skip right after the header (units lines); lines to drop at the end (notes).
    delimiter, comment
        Field delimiter (``None`` sniffs ``,`` ``;`` tab ``|``); lines starting with
        ``comment`` are ignored.
    exclude
        Column -> regular expression: matching rows are set aside as rejected with severity
        ``info`` (e.g. subtotal lines), so that they stay accounted for.
    na_values
        Extra markers of a missing value (the schema's ``missingValues`` always apply).
    keep_totals
        Rows whose label in a classification column reads as a total (``TOTAL``, ``Total
        general``, ``Subtotal``, ``Suma``, ``Total ramo``...) are set aside as rejected rows
        (code ``total_row``) and checked against the lines they total; ``True`` keeps them as
        ordinary lines, for a file that really has no total rows.
    limits
        Workbook size limits (:class:`Limits`): uncompressed size, compression ratio, rows
        and columns.
    column_names
        Names of the columns of a file without a header line (as its documentation gives
        them); the data then begins on line (spreadsheet row) ``header_row + 1`` and
        ``header_rows`` is ignored.
    """

    model_config = ConfigDict(extra="forbid", frozen=False, validate_assignment=True)

    columns: dict[str, str | list[str] | None] = Field(default_factory=dict)
    compose: dict[str, str] = Field(default_factory=dict)
    constants: dict[str, Any] = Field(default_factory=dict)
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    encoding: str = "auto"
    decimal: str = "."
    thousands: str | None = None
    unit_multiplier: float | dict[str, float] = 1.0
    phases: dict[str, str] | None = None
    melt: dict[str, dict[str, str]] | None = None
    sheet: str | int | None = None
    header_row: int = Field(default=0, ge=0)
    header_rows: int = Field(default=1, ge=1)
    skip_rows: int = Field(default=0, ge=0)
    skip_footer: int = Field(default=0, ge=0)
    delimiter: str | None = None
    comment: str | None = None
    exclude: dict[str, str] = Field(default_factory=dict)
    na_values: list[str] = Field(default_factory=list)
    keep_totals: bool = False
    limits: Limits = Field(default_factory=Limits)
    column_names: list[str] | None = None

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise spec_error(exc, type(self), "") from None

    @field_validator("decimal")
    @classmethod
    def _check_decimal(cls, v: str) -> str:
        if v not in _DECIMALS:
            raise ValueError("decimal must be '.' or ','")
        return v

    @field_validator("thousands")
    @classmethod
    def _check_thousands(cls, v: str | None) -> str | None:
        if v is not None and v not in _THOUSANDS:
            raise ValueError(
                "thousands must be one of ',', '.', ' ', \"'\", a non-breaking space, '' or null"
            )
        return v

    @field_validator("encoding")
    @classmethod
    def _check_encoding(cls, v: str) -> str:
        if v != "auto":
            try:
                codecs.lookup(v)
            except LookupError:
                raise ValueError(
                    f"unknown encoding {v!r}; use 'auto', 'utf-8', 'cp1252', 'latin-1'..."
                ) from None
        return v

    @field_validator("unit_multiplier")
    @classmethod
    def _check_multiplier(cls, v: float | dict[str, float]) -> float | dict[str, float]:
        vals = v.values() if isinstance(v, dict) else [v]
        for x in vals:
            if not (x > 0) or x == float("inf"):
                raise ValueError("unit_multiplier must be a positive finite number")
        return v

    @field_validator("delimiter")
    @classmethod
    def _check_delimiter(cls, v: str | None) -> str | None:
        if v is None:
            return v
        if v in ("\\t", "tab", "TAB"):
            return "\t"
        if len(v) != 1:
            raise ValueError("delimiter must be a single character (or 'tab')")
        return v

    @field_validator("phases")
    @classmethod
    def _check_phases(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        if v is None:
            return v
        out: dict[str, str] = {}
        for col, label in v.items():
            ph = parse_phase(label)
            if ph is None:
                raise ValueError(
                    f"phases[{col!r}]: {label!r} is not a phase; expected one of "
                    f"{', '.join(p.value for p in Phase)} (or a label such as votado, vigente,"
                    " comprometido,"
                    " devengado, pagado)"
                )
            out[col] = ph.value
        _one_column_per_value(out, "phases")
        return out

    @field_validator("columns")
    @classmethod
    def _check_columns(
        cls, v: dict[str, str | list[str] | None]
    ) -> dict[str, str | list[str] | None]:
        for k, src in v.items():
            if isinstance(src, list) and not src:
                raise ValueError(f"columns[{k!r}]: an empty list of source columns")
        return v

    @field_validator("compose")
    @classmethod
    def _check_compose(cls, v: dict[str, str]) -> dict[str, str]:
        for k, template in v.items():
            try:
                fields = [
                    f
                    for _lit, f, _spec, _conv in string.Formatter().parse(template)
                    if f is not None
                ]
            except ValueError as exc:
                raise ValueError(
                    f"compose[{k!r}]: {template!r} is not a template ({exc})"
                ) from None
            if not fields or any(not f for f in fields):
                raise ValueError(
                    f"compose[{k!r}]: {template!r} names no source column (write {{Header}})"
                )
        return v

    @field_validator("column_names")
    @classmethod
    def _check_column_names(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        if not v or any(not str(x).strip() for x in v):
            raise ValueError("column_names must name every column (no empty name)")
        if len(set(v)) != len(v):
            raise ValueError("column_names must be distinct")
        return v

    @field_validator("exclude")
    @classmethod
    def _check_exclude(cls, v: dict[str, str]) -> dict[str, str]:
        for col, pattern in v.items():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(
                    f"exclude[{col!r}]: {pattern!r} is not a valid regular expression ({exc})"
                ) from None
        return v

    @model_validator(mode="after")
    def _check_melt(self) -> ReadSpec:
        dims = self.melt_dims()
        if len(dims) > 1:
            cols = [set(m) for m in dims.values()]
            if any(c != cols[0] for c in cols[1:]):
                raise ValueError("every melt dimension must name the same source columns")
        if self.phases and self.melt and "phase" in self.melt:
            raise ValueError(
                "give wide phase columns either as 'phases' or as melt['phase'], not both"
            )
        if len(dims) == 1:
            ((name, mapping),) = dims.items()
            _one_column_per_value(
                mapping, "phases" if name == "phase" and self.phases else f"melt[{name!r}]"
            )
        elif dims:
            combos = {
                src: tuple(str(m[src]) for m in dims.values()) for src in next(iter(dims.values()))
            }
            _one_column_per_value({k: " / ".join(v) for k, v in combos.items()}, "melt")
        return self

    # -- helpers ---------------------------------------------------------------------------
    def source_multipliers(self) -> dict[str, float]:
        """The multipliers of ``unit_multiplier`` keyed by a wide source column (a column of
        ``phases`` or ``melt``): source column -> multiplier. Empty for the scalar form."""
        um = self.unit_multiplier
        if not isinstance(um, dict):
            return {}
        dims = self.melt_dims()
        sources = set(next(iter(dims.values()))) if dims else set()
        return {k: float(v) for k, v in um.items() if k in sources}

    def canonical_multipliers(self) -> dict[str, float]:
        """The multipliers of the mapping form keyed by a canonical column (every key that is
        not a wide source column); empty for the scalar form."""
        um = self.unit_multiplier
        if not isinstance(um, dict):
            return {}
        wide = self.source_multipliers()
        return {k: float(v) for k, v in um.items() if k not in wide}

    def melt_dims(self) -> dict[str, dict[str, str]]:
        """All wide dimensions: canonical column -> {source column -> value}."""
        dims: dict[str, dict[str, str]] = {}
        if self.phases:
            dims["phase"] = dict(self.phases)
        for k, m in (self.melt or {}).items():
            dims[k] = dict(m)
        return dims

    def multiplier_for(self, column: str, kind: str) -> float:
        """The multiplier that applies to canonical ``column`` of a ``kind`` table."""
        um = self.unit_multiplier
        if isinstance(um, dict):
            return self.canonical_multipliers().get(column, 1.0)
        main = {
            "budget": ("amount",),
            "caseload": ("value",),
            "context": ("gdp_lcu", "gov_expenditure_lcu"),
        }
        return float(um) if column in main.get(kind, ()) else 1.0

    def patched(self, **overrides: Any) -> ReadSpec:
        """A copy with ``overrides`` applied (validated like the constructor)."""
        if not overrides:
            return self
        data = self.model_dump()
        data.update(overrides)
        return ReadSpec.from_dict(data)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "") -> ReadSpec:
        """Build from a mapping; :class:`SpecError` names the bad key and what was expected."""
        if not isinstance(data, Mapping):
            raise SpecError(f"a read spec must be a mapping, got {type(data).__name__}")
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            raise spec_error(exc, cls, where) from None

    @classmethod
    def from_yaml(cls, path: str | Path) -> ReadSpec:
        """Read a spec from a YAML file (a mapping of the fields above)."""
        return cls.from_dict(load_yaml_mapping(path), where=str(path))

    @classmethod
    def coerce(
        cls, spec: ReadSpec | Mapping[str, Any] | str | Path | None, **overrides: Any
    ) -> ReadSpec:
        """Accept a spec, a mapping, a path to YAML or None, and apply ``overrides``."""
        if spec is None:
            base = cls()
        elif isinstance(spec, ReadSpec):
            base = spec
        elif isinstance(spec, Mapping):
            base = cls.from_dict(spec)
        elif isinstance(spec, str | Path):
            base = cls.from_yaml(spec)
        else:
            raise SpecError(
                f"spec must be a ReadSpec, a mapping or a path to YAML, got {type(spec).__name__}"
            )
        return base.patched(**overrides)
