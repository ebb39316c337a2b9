"""Draft a :class:`peir.ReadSpec` from a file: ``peir.inspect(path)`` and ``peir inspect FILE``.

A new user's first hour goes into finding which sheet, which row holds the header, which
delimiter, encoding and decimal mark, and which header is which canonical column. This module
guesses each of these from the file itself and writes a draft spec in YAML with a comment on
every guess (what was seen, and what else was possible), so that the user checks and edits a
draft instead of writing one:

- **sheet**: the first visible sheet with data (hidden sheets are named in a comment);
- **header row**: the first row of mostly text cells, under which rows of about as many cells
  hold numbers (title and blank rows above it are skipped); two header lines when the row above
  labels groups of the columns below it. A row of years next to label cells (``FINALIDAD``,
  1980, 1981, ... as number cells of a workbook or as text) is a header too: the table is wide,
  one column per year, and the draft melts those columns into ``year``;
- **delimiter** and **encoding** (text files): as the reader sniffs them;
- **decimal convention**: from the text amounts (``1.234,56`` vs ``1,234.56``); number cells of a
  workbook need none;
- **columns**: headers that carry a canonical name or a Spanish/Portuguese synonym (the reader's
  own vocabulary), wide phase columns (``PIA``, ``Devengado``, ``Girado``...) and the columns that
  are left out, with why;
- **constants**: the required columns the file lacks (country, currency, year...), as commented
  lines to fill in.

Nothing is guessed silently: a draft that reads nothing says so, and :attr:`Inspection.report`
holds the report of reading the file with the draft.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from peir.chain import normalize_label, parse_phase
from peir.errors import ReadError
from peir.pipeline.ingest import SYNONYMS, _phase_of_header, read_table
from peir.pipeline.sources import XLS_MAGIC, _build_headers_dups, read_xls_sheets, sniff_delimiter
from peir.pipeline.textfile import decode_text
from peir.pipeline.workbook import read_xlsx
from peir.readspec import Limits, ReadSpec
from peir.schema import C, load_schema
from peir.tables import ValidationReport

__all__ = ["Inspection", "inspect"]

#: Rows looked at to find the header.
SCAN_ROWS = 40
#: Data rows looked at for number formats and value kinds.
SAMPLE_ROWS = 400

_NUMBER_DOT = re.compile(r"^[-(]?\$?\s*\d{1,3}(,\d{3})+(\.\d+)?\)?$|^[-(]?\d+\.\d+\)?$")
_NUMBER_COMMA = re.compile(r"^[-(]?\$?\s*\d{1,3}(\.\d{3})+(,\d+)?\)?$|^[-(]?\d+,\d+\)?$")
_PLAIN_INT = re.compile(r"^[-(]?\d+\)?$")
_YEAR = re.compile(r"^(19[5-9]\d|20\d\d)$")
_YEAR_HEADER = re.compile(r"^(19\d\d|20\d\d)$")
#: A sheet named like this holds shares (``% del PIB``), not amounts: ranked after the others.
_SHARE_SHEET = re.compile(r"%|\bpercent|\bporcentaje|\bshare", re.IGNORECASE)
#: Words of a title row that state the unit of the amounts.
_UNIT_WORDS = re.compile(
    r"\b(miles|millones|thousands?|millions?|billions?|milhares|milh[oõ]es|mil)\b", re.IGNORECASE
)
#: Year cells a header row needs to be read as the header of a wide table (one column a year).
MIN_YEAR_COLUMNS = 3


@dataclass
class Guess:
    """One line of the draft: a spec key (dotted), its value and why."""

    key: str
    value: Any
    why: str


@dataclass
class Inspection:
    """A draft read spec with the reason for each guess.

    ``spec`` is the draft as a :class:`peir.ReadSpec`; ``guesses`` one entry per key with its
    reason; ``todo`` the lines the user must fill in (commented in the YAML); ``report`` the
    report of reading the file with the draft (None when that was not tried).
    """

    path: Path
    kind: str
    spec: ReadSpec
    guesses: list[Guess] = field(default_factory=list)
    todo: list[Guess] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    report: ValidationReport | None = None

    def to_yaml(self) -> str:
        """The draft as YAML, with a comment on every guess."""
        out = [
            f"# Draft read spec for {self.path.name} ({self.kind} table), written by peir inspect.",
            "# Every line is a guess with its reason: check each against the file, then edit.",
        ]
        out += [f"# {n}" for n in self.notes]
        by_section: dict[str, list[Guess]] = {}
        for g in self.guesses:
            section = g.key.split(".", 1)[0] if "." in g.key else ""
            by_section.setdefault(section, []).append(g)
        for g in by_section.get("", []):
            if isinstance(g.value, dict):  # a nested mapping (melt): block style, why on top
                out.append(f"{g.key + ':':<44} # {g.why}")
                for dim, mapping in g.value.items():
                    out.append(f"  {_scalar(dim)}:")
                    out += [f"    {_scalar(k)}: {_scalar(v)}" for k, v in mapping.items()]
                continue
            out.append(_line(g.key, g.value, g.why, 0))
        for section in ("columns", "phases", "values", "constants"):
            items = by_section.get(section, [])
            todo = [t for t in self.todo if t.key.startswith(section + ".")]
            if not items and not todo:
                continue
            out.append(f"{section}:" if items else f"# {section}:")
            for g in items:
                out.append(_line(g.key.split(".", 1)[1], g.value, g.why, 2))
            for t in todo:
                out.append("  # " + _line(t.key.split(".", 1)[1], t.value, t.why, 0))
        return "\n".join(out) + "\n"

    def summary(self) -> str:
        head = (
            f"draft spec for {self.path.name}: {len(self.guesses)} guesses,"
            f" {len(self.todo)} lines to fill in"
        )
        if self.report is not None:
            head += f"; with the draft: {self.report.summary()}"
        return head

    def __str__(self) -> str:
        return self.to_yaml()

    def _repr_html_(self) -> str:
        import html

        return (
            f"<p><b>Inspection</b> — {html.escape(self.summary())}</p>"
            f"<pre>{html.escape(self.to_yaml())}</pre>"
        )


def _scalar(v: Any) -> str:
    text = yaml.safe_dump(v, default_flow_style=True, allow_unicode=True, width=1000).strip()
    return text.removesuffix("\n...").strip()


def _line(key: str, value: Any, why: str, indent: int) -> str:
    body = f"{' ' * indent}{_scalar(key)}: {_scalar(value)}"
    return f"{body:<44} # {why}" if why else body


# ------------------------------------------------------------------------------------------
# reading the raw grid
# ------------------------------------------------------------------------------------------


@dataclass
class _Grid:
    rows: list[list[Any]]
    sheet: str | None = None
    sheets_note: str = ""
    encoding: str | None = None
    delimiter: str | None = None
    typed: bool = False  # cells carry their type (a workbook)


def _grid(path: Path, limits: Limits) -> _Grid:
    head = path.read_bytes()[:4]
    if head.startswith(b"PK\x03\x04"):
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            states = {ws.title: ws.sheet_state for ws in wb.worksheets}
        finally:
            wb.close()
        visible = [n for n, st in states.items() if st == "visible"]
        hidden = [n for n, st in states.items() if st != "visible"]
        best: tuple[tuple[int, int], str] | None = None
        for name in visible:
            sheet = read_xlsx(path, name, limits)
            filled = sum(
                1 for r in sheet.rows[: SCAN_ROWS + SAMPLE_ROWS] for v in r if v not in (None, "")
            )
            rank = (0 if _SHARE_SHEET.search(name) else 1, filled)
            if best is None or rank > best[0]:
                best = (rank, name)
        if best is None:
            raise ReadError(f"{path.name}: no visible sheet")
        sheet = read_xlsx(path, best[1], limits)
        note = f"the sheet with the most data of {len(visible)} visible"
        shares = [n for n in visible if _SHARE_SHEET.search(n)]
        if shares and best[1] not in shares:
            note += f"; named as shares, ranked after it: {', '.join(map(repr, shares))}"
        if hidden:
            note += f" (hidden, not read: {', '.join(map(repr, hidden))})"
        rows: list[list[Any]] = []
        for number, r in zip(
            sheet.numbers, sheet.rows, strict=True
        ):  # by spreadsheet row: gaps are rows
            rows.extend([] for _ in range(number - 1 - len(rows)))
            rows.append(list(r))
        return _Grid(rows, sheet=best[1], sheets_note=note, typed=True)
    if head.startswith(XLS_MAGIC):
        sheets = read_xls_sheets(path)
        if not sheets:
            raise ReadError(f"{path.name}: no sheet")
        name = max(
            sheets,
            key=lambda n: (
                not _SHARE_SHEET.search(n),
                sum(
                    1
                    for r in sheets[n][: SCAN_ROWS + SAMPLE_ROWS]
                    for v in r
                    if v not in (None, "")
                ),
            ),
        )
        note = f"the sheet with the most data of {len(sheets)}"
        shares = [n for n in sheets if _SHARE_SHEET.search(n)]
        if shares and name not in shares:
            note += f"; named as shares, ranked after it: {', '.join(map(repr, shares))}"
        return _Grid(sheets[name], sheet=name, sheets_note=note, typed=True)
    if head.startswith(b"PAR1"):
        raise ReadError(
            f"{path.name}: a Parquet file has typed, named columns: read it without a spec"
        )
    dec = decode_text(path.read_bytes()[: 8 * 2**20], "auto", name=path.name)
    lines = dec.lines[: SCAN_ROWS + SAMPLE_ROWS + 1]
    scores = []
    for start in range(min(SCAN_ROWS, len(lines))):
        sample = lines[start : start + 30]
        scores.append((sniff_delimiter(sample), start))
    delim = max({d for d, _s in scores}, key=lambda d: sum(1 for x, _s in scores if x == d))
    import csv

    rows = [list(r) for r in csv.reader(lines, delimiter=delim)]
    return _Grid(rows, encoding=dec.encoding, delimiter=delim)


def _is_number_cell(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, int | float | np.integer | np.floating):
        return True
    s = str(v).strip()
    return bool(s) and (bool(_NUMBER_DOT.match(s) or _NUMBER_COMMA.match(s) or _PLAIN_INT.match(s)))


def _filled(r: list[Any]) -> list[Any]:
    return [v for v in r if v is not None and str(v).strip() != ""]


def _year_cell(v: Any) -> int | None:
    """The year a header cell names (1900-2099): an integral number cell (Excel stores a typed
    1980 as the float 1980.0) or the text ``"1980"``; None otherwise."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int | np.integer):
        y = int(v)
    elif isinstance(v, float | np.floating):
        if not np.isfinite(v) or not float(v).is_integer():
            return None
        y = int(v)
    elif isinstance(v, str) and _YEAR_HEADER.match(v.strip()):
        y = int(v.strip())
    else:
        return None
    return y if 1900 <= y <= 2099 else None


def _year_columns(r: list[Any]) -> dict[int, int]:
    """0-based position -> year of the cells of header row ``r`` that name years, when they
    make a header of a wide table: at least :data:`MIN_YEAR_COLUMNS` distinct years in
    increasing or decreasing order, next to at least one label (text) cell. Empty otherwise
    (a data row with a year in one column is no header)."""
    years = {j: y for j, v in enumerate(r) if (y := _year_cell(v)) is not None}
    if len(years) < MIN_YEAR_COLUMNS or len(set(years.values())) != len(years):
        return {}
    seq = list(years.values())
    steps = {b > a for a, b in itertools.pairwise(seq)}
    if len(steps) != 1:
        return {}
    labels = [
        v
        for j, v in enumerate(r)
        if j not in years and v is not None and str(v).strip() and not _is_number_cell(v)
    ]
    return years if labels else {}


def _header_row(rows: list[list[Any]]) -> tuple[int, str]:
    """The 0-based header row and why: mostly text, known words score, and rows below it with
    about as many cells, some of them numbers."""
    vocab = {
        normalize_label(c) for f in ("budget", "caseload", "context") for c in load_schema(f).names
    }
    vocab |= {s for syn in SYNONYMS.values() for s in syn}
    best = (-1.0, 0, "")
    for i, r in enumerate(rows[:SCAN_ROWS]):
        cells = _filled(r)
        if len(cells) < 2:
            continue
        years = _year_columns(r)
        text = [v for v in cells if not _is_number_cell(v)]
        if len(text) + len(years) < 0.6 * len(cells):
            continue
        known = sum(
            1 for v in text if normalize_label(v) in vocab or _phase_of_header(str(v)) is not None
        )
        below = [_filled(x) for x in rows[i + 1 : i + 11]]
        below = [b for b in below if b]
        if not below:
            continue
        width = np.median([len(b) for b in below])
        numeric = np.mean([sum(1 for v in b if _is_number_cell(v)) > 0 for b in below])
        fit = min(width, len(cells)) / max(width, len(cells))
        score = len(cells) * fit * (0.5 + numeric) + 3 * known
        if score > best[0]:
            if years:
                ys = sorted(years.values())
                why = (
                    f"row {i + 1}: {len(text)} label cell(s) and {len(years)} year cells"
                    f" ({ys[0]}-{ys[-1]}) over rows of {int(width)} cells with numbers:"
                    " a wide table, one column per year"
                )
            else:
                why = (
                    f"row {i + 1}: {len(cells)} text cells ({known} known names) over rows of"
                    f" {int(width)} cells with numbers"
                )
            best = (score, i, why)
    if best[0] < 0:
        return 0, "no row looks like a header: the first row is taken"
    return best[1], best[2]


def _decimal(values: list[Any]) -> tuple[str, str | None, str]:
    """decimal, thousands and why, from the text amounts."""
    texts = [str(v).strip() for v in values if isinstance(v, str) and v.strip()]
    if not texts:
        return ".", None, "the amounts are stored as numbers" if values else "no amounts seen"
    dot = sum(1 for t in texts if _NUMBER_DOT.match(t))
    comma = sum(1 for t in texts if _NUMBER_COMMA.match(t))
    grouped_comma = sum(1 for t in texts if re.search(r"\d,\d{3}(\D|$)", t) and "." not in t)
    if comma > dot:
        return ",", ".", f"{comma} of {len(texts)} text amounts are written like 1.234,56"
    if dot or grouped_comma:
        th = "," if any("," in t for t in texts) else None
        return (
            ".",
            th,
            f"{max(dot, grouped_comma)} of {len(texts)} text amounts are written like 1,234.56",
        )
    return ".", None, "the text amounts are plain numbers"


# ------------------------------------------------------------------------------------------
# the draft
# ------------------------------------------------------------------------------------------

_VALUE_COLUMN = {"budget": C.AMOUNT, "caseload": C.VALUE}


def inspect(path: str | Path, *, kind: str = "budget", try_read: bool = True) -> Inspection:
    """Draft a read spec for ``path`` (see the module docstring).

    Parameters
    ----------
    path
        A CSV/TXT file or an Excel workbook.
    kind
        The table the file is meant to fill: ``budget`` (default), ``caseload``, ``context`` or
        ``chain_map``.
    try_read
        Read the file with the draft and keep the report in :attr:`Inspection.report`.

    Examples
    --------
    >>> draft = peir.inspect("EJECUCION_GASTO_GN_X_SECTORES.xlsx")   # doctest: +SKIP
    >>> print(draft.to_yaml())                                         # doctest: +SKIP
    >>> table = peir.read_budget(                                      # doctest: +SKIP
    ...     path, draft.spec, constants={"country": "PER", "currency": "PEN"}
    ... )
    """
    p = Path(path)
    if not p.is_file():
        raise ReadError(f"{p}: no such file")
    schema = load_schema(kind)
    grid = _grid(p, Limits())
    guesses: list[Guess] = []
    todo: list[Guess] = []
    notes: list[str] = []
    if grid.sheet is not None:
        guesses.append(Guess("sheet", grid.sheet, grid.sheets_note))
    if grid.encoding is not None:
        guesses.append(Guess("encoding", grid.encoding, "decoded as such (auto would find it too)"))
    if grid.delimiter is not None:
        guesses.append(
            Guess("delimiter", grid.delimiter, "splits the header and the lines below it alike")
        )
    h, why = _header_row(grid.rows)
    header_rows = 1
    above = _filled(grid.rows[h - 1]) if h > 0 else []
    cells = grid.rows[h] if h < len(grid.rows) else []
    _names, dups = _build_headers_dups([cells])
    if (
        h > 0
        and above
        and len(above) < len(_filled(cells))
        and all(not _is_number_cell(v) for v in above)
        and dups
    ):
        header_rows = 2
        h -= 1
        why += "; the row above labels groups of columns (two header lines)"
    guesses.append(Guess("header_row", h, why))
    for r in grid.rows[:h]:  # a title that states the unit: the multiplier is the user's to set
        title = " ".join(str(v).strip() for v in _filled(r))
        if _UNIT_WORDS.search(title):
            notes.append(
                f"a title row reads {title[:120]!r}: set unit_multiplier to match (per column"
                " where the unit changes along the columns)"
            )
    if header_rows > 1:
        guesses.append(
            Guess("header_rows", header_rows, "two lines joined into one name per column")
        )
    headers, _dups = _build_headers_dups(grid.rows[h : h + header_rows])
    data = [r for r in grid.rows[h + header_rows : h + header_rows + SAMPLE_ROWS] if _filled(r)]

    def column(j: int) -> list[Any]:
        return [r[j] for r in data if j < len(r) and r[j] is not None and str(r[j]).strip() != ""]

    used: set[str] = set()
    columns: dict[str, str] = {}
    phases: dict[str, str] = {}
    value_col = _VALUE_COLUMN.get(kind)
    norm = [normalize_label(x) for x in headers]
    # wide phase columns (budget): headers that name a phase, over number cells
    if kind == "budget":
        for j, (x, k) in enumerate(zip(headers, norm, strict=True)):
            ph = _phase_of_header(x, k)
            vals = column(j)
            if ph is not None and vals and np.mean([_is_number_cell(v) for v in vals]) > 0.5:
                phases[x] = ph.value
                used.add(x)
        seen: dict[str, str] = {}
        for x, ph in list(phases.items()):
            if ph in seen:
                notes.append(
                    f"{seen[ph]!r} and {x!r} both read as {ph}: only the first is kept, check"
                    " which one is meant"
                )
                del phases[x]
                used.discard(x)
            else:
                seen[ph] = x
    # a wide table with one column per year (a header of years next to labels): melted
    melt: dict[str, str] = {}
    if value_col is not None and not phases and header_rows == 1:
        for j, y in _year_columns(cells).items():
            melt[headers[j]] = str(y)
            used.add(headers[j])
        if melt:
            ys = sorted(melt.values())
            guesses.append(
                Guess(
                    "melt",
                    {C.YEAR: melt},
                    f"{len(melt)} columns headed by years ({ys[0]}-{ys[-1]}): one {value_col}"
                    f" a cell, its year from the header; check the unit of each year (a title"
                    f" such as 'miles de pesos' may change along the series: unit_multiplier"
                    f" per column)",
                )
            )
    for f in schema.fields:
        if f.name in (C.SOURCE_REF,) or (value_col == f.name and (phases or melt)):
            continue
        if f.name == C.YEAR and melt:
            continue
        keys = {normalize_label(f.name), *SYNONYMS.get(f.name, ())}
        for j, (x, k) in enumerate(zip(headers, norm, strict=True)):
            if x in used or k not in keys:
                continue
            columns[f.name] = x
            used.add(x)
            vals = column(j)
            sample = ", ".join(repr(v) for v in vals[:2])
            guesses.append(
                Guess(f"columns.{f.name}", x, f"header {x!r} names the {f.name} ({sample})")
            )
            break
    for x, ph in phases.items():
        guesses.append(Guess(f"phases.{x}", ph, f"header {x!r} names the phase {ph}"))
    # a column whose values are phase labels (a long layout), when none is named
    if kind == "budget" and not phases and C.PHASE not in columns:
        for j, x in enumerate(headers):
            vals = [str(v) for v in column(j)]
            if x in used or not vals:
                continue
            known = [v for v in vals if parse_phase(v) is not None]
            if len(known) >= 0.5 * len(vals):
                columns[C.PHASE] = x
                used.add(x)
                labels = sorted({v for v in known})[:6]
                other = sorted({v for v in vals if parse_phase(v) is None})[:3]
                why = f"its values are phase labels ({', '.join(map(repr, labels))})"
                if other:
                    why += (
                        f"; others such as {', '.join(map(repr, other))} will be rejected"
                        " (exclude them?)"
                    )
                guesses.append(Guess(f"columns.{C.PHASE}", x, why))
                break
    # years as a column of values when none is named
    if C.YEAR in schema.names and C.YEAR not in columns and not melt:
        for j, x in enumerate(headers):
            vals = column(j)
            if x not in used and vals and all(_YEAR.match(str(v).split(".")[0]) for v in vals[:50]):
                columns[C.YEAR] = x
                used.add(x)
                guesses.append(Guess(f"columns.{C.YEAR}", x, f"its values are years ({vals[0]!r})"))
                break
    # amounts' number convention
    amount_cols = (
        list(phases) or list(melt) or ([columns[value_col]] if value_col in columns else [])
    )
    amounts = [v for x in amount_cols for v in column(headers.index(x))]
    decimal, thousands, why_dec = _decimal(amounts)
    if decimal != "." or thousands is not None:
        guesses.append(Guess("decimal", decimal, why_dec))
        if thousands is not None:
            guesses.append(Guess("thousands", thousands, "the grouping that goes with it"))
    else:
        notes.append(f"decimal '.' (the default): {why_dec}")
    # what is left out
    left = [x for x in headers if x not in used]
    if left:
        notes.append(
            "left out (not mapped): "
            + ", ".join(map(repr, left[:20]))
            + (" ..." if len(left) > 20 else "")
        )
    # required columns the file lacks: to fill in
    present = (
        set(columns)
        | ({C.PHASE, value_col} if phases else set())
        | ({C.YEAR, value_col} if melt else set())
    )
    for x, k in zip(headers, norm, strict=True):
        words = k.split()
        if (
            x not in used
            and words
            and words[0] in ("certificacion", "certificado", "certified", "atencion")
        ):
            notes.append(
                f"{x!r} is a stage peir has no phase for (certified / monthly commitments): left"
                " out"
            )
    for f in schema.fields:
        if (
            f.name == C.INSTITUTION_CODE
            and f.required
            and f.name not in present
            and C.INSTITUTION in columns
        ):
            inst = columns[C.INSTITUTION]
            todo.append(
                Guess(
                    "columns.institution_code",
                    inst,
                    f"required: the column of institution codes; {inst!r}"
                    " may do when its names are unique (and short)",
                )
            )
            continue
        if f.required and f.name not in present:
            if kind == "caseload" and f.name in (C.LINK, C.UNIT, C.KIND):
                continue  # filled from the measure vocabulary
            hint = {
                C.COUNTRY: "ISO 3166 alpha-3, e.g. PER",
                C.CURRENCY: "ISO 4217, e.g. PEN",
                C.YEAR: "the fiscal year",
                C.PHASE: "approved, modified, executed...",
            }.get(f.name, "")
            todo.append(
                Guess(
                    f"constants.{f.name}",
                    "...",
                    f"required and not in the file: set it ({hint})"
                    if hint
                    else "required and not in the file: set it (or map a column)",
                )
            )
    data_spec: dict[str, Any] = {}
    for g in guesses:
        if "." in g.key:
            section, name = g.key.split(".", 1)
            data_spec.setdefault(section, {})[name] = g.value
        else:
            data_spec[g.key] = g.value
    spec = ReadSpec.from_dict(data_spec, where=f"the draft for {p.name}")
    out = Inspection(p, kind, spec, guesses, todo, notes)
    if try_read:
        try:
            out.report = read_table(kind, p, spec).report
        except ReadError as exc:
            notes.append(f"reading with the draft failed: {exc}")
    return out
