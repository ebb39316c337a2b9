"""Open a source (CSV/TXT/TSV, Excel, Parquet or a DataFrame) as raw chunks of source columns.

This module knows about files, not about canonical tables: it finds the encoding, the
delimiter, the header line(s), the Excel sheet, and hands out the data rows with their exact
row numbers in the source (:class:`RowMap`: the line number in a text file with the header on
line 1, the spreadsheet row number in Excel). Anything that is not a table at all (missing,
empty, binary, an unknown sheet, a workbook beyond its limits) raises :class:`peir.ReadError`
with a plain message.

Text files follow one reading semantics (:mod:`peir.pipeline.textfile`). Small ones are parsed
with Python's :mod:`csv` as one chunk. Large ones are read in blocks of about ``CHUNK_ROWS``
lines that end at a record boundary (a newline outside quotes); a *simple* block (every record
one line of the header's width, no blank line, no NUL, valid in the file's encoding) is parsed
by ``pyarrow.csv.read_csv`` and numbered line by line, any other block by the same Python
parser as a small file, so both paths accept and reject the same lines with the same numbers.
Arrow converts only the columns the reader asks for where that hides nothing (a block that
is valid UTF-8, or a single-byte encoding); the rejected rows of such a block, and of one
parsed with typed numbers, are read again from the file with every column as text. Worker
threads validate the blocks before the one being read, so memory grows with the block, not
the file.
"""

from __future__ import annotations

import codecs
import csv
import os
import re
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from peir.errors import IssueCode, ReadError
from peir.pipeline.textfile import (
    MAX_RECORD_BYTES,
    BadRecord,
    Decoded,
    decode_by_line,
    decode_text,
    field_limit,
    footer_start,
    parse_header,
    parse_records,
)
from peir.pipeline.workbook import pick_sheet, read_xlsx
from peir.readspec import ReadSpec

__all__ = [
    "ARROW_MIN_BYTES",
    "CHUNK_ROWS",
    "BadRecord",
    "CellNote",
    "LineNote",
    "RawChunk",
    "RawSource",
    "RowMap",
    "decode_bytes",
    "open_source",
    "sniff_delimiter",
]

#: Text files at least this large are streamed in blocks (smaller ones are read at once).
ARROW_MIN_BYTES = 4 * 1024 * 1024
#: Rows per chunk handed to the validation step when streaming.
CHUNK_ROWS = 125_000

_EXCEL_EXT = {".xlsx", ".xlsm", ".xltx", ".xltm"}
_PARQUET_EXT = {".parquet", ".pq", ".parq"}
_DELIMITERS = (",", ";", "\t", "|")
_UTF8 = ("utf-8", "utf8", "utf-8-sig", "utf_8")


@dataclass(frozen=True)
class RowMap:
    """The source row number of each row of a chunk, exact when the chunk is handed out.

    A text file's rows are numbered by the line each record starts on (header on line
    ``header_row + 1``), a workbook's by spreadsheet row, a DataFrame's by position + 2 (as if
    under a header line), a Parquet file's by position + 1.
    """

    numbers: np.ndarray

    @classmethod
    def sequential(cls, first: int, n: int) -> RowMap:
        """Rows ``first, first + 1, ...`` (records of one line each)."""
        return cls(np.arange(first, first + n, dtype=np.int64))

    @classmethod
    def of(cls, numbers: list[int] | np.ndarray) -> RowMap:
        return cls(np.asarray(numbers, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.numbers)

    def __getitem__(self, pos: Any) -> np.ndarray:
        out: np.ndarray = self.numbers[pos]
        return out


@dataclass(frozen=True)
class CellNote:
    """Something about one cell (or one whole row, ``column=None``) that its value alone does
    not show: a formula without a saved value, a container instead of a value, a hidden row.

    ``pos`` is the row's position in its chunk; ``column`` the source header.
    """

    pos: int
    column: str | None
    code: IssueCode
    value: Any
    message: str


@dataclass(frozen=True)
class LineNote:
    """Something about a line of the source that is not a row's value (a line in another
    encoding than the file's): reported, never a reason to reject."""

    row: int
    code: IssueCode
    value: Any
    message: str


@dataclass
class RawChunk:
    """Data rows in source columns, with their exact row numbers in the source.

    A streamed block may come as its Arrow ``table``; ``frame`` then converts it on first use,
    in whichever thread validates the chunk. Such a table may hold only the source columns the
    reader asked for, or typed numbers; :meth:`source_rows` then reads the rows asked for
    again from the file (for the text of rejected rows).
    """

    data: pd.DataFrame | None
    rows: RowMap
    bad: list[BadRecord] = field(default_factory=list)
    table: Any = None
    notes: list[CellNote] = field(default_factory=list)
    line_notes: list[LineNote] = field(default_factory=list)
    #: blank (and comment) records skipped in this chunk
    blank: int = 0
    comments: int = 0
    #: when ``table`` holds only some columns or typed numbers: (frame, positions) -> those
    #: rows read again from the source with every column as text
    reread: Callable[[pd.DataFrame, np.ndarray], pd.DataFrame] | None = None

    @property
    def frame(self) -> pd.DataFrame:
        if self.data is None:
            self.data = self.table.to_pandas()
            self.table = None
        return self.data

    def source_rows(self, pos: np.ndarray) -> pd.DataFrame:
        """The rows at positions ``pos`` (into :attr:`frame`) with every source column, as
        the source wrote them."""
        if self.reread is None:
            return self.frame.iloc[pos].reset_index(drop=True)
        return self.reread(self.frame, np.asarray(pos, dtype=np.int64))


#: (column types, the source columns needed or None for all) -> the chunks
ChunkReader = Callable[[Mapping[str, Any], "frozenset[str] | None"], Iterator[RawChunk]]


def _one_chunk(chunk: RawChunk) -> ChunkReader:
    def read(_types: Mapping[str, Any], _columns: frozenset[str] | None) -> Iterator[RawChunk]:
        yield chunk

    return read


@dataclass
class RawSource:
    """An opened source: where it is, how it was read, and a reader of its chunks."""

    name: str
    path: Path | None
    format: str
    columns: list[str]
    reader: ChunkReader
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    #: headers that occur more than once in the source: name -> 1-based column positions
    #: (the second and later columns are read as "name (2)"...)
    duplicate_headers: dict[str, list[int]] = field(default_factory=dict)
    #: True when the chunks come one block at a time (validated in worker threads)
    streamed: bool = False

    def chunks(
        self,
        column_types: Mapping[str, Any] | None = None,
        columns: frozenset[str] | None = None,
    ) -> Iterator[RawChunk]:
        """The chunks, in source order. ``column_types``: for a streamed text file, Arrow types
        to parse some source columns as directly (``{"Monto": pa.float64()}``); a block with a
        value that does not parse is read again as strings, and so is the rest of the file, so
        typed parsing can only make reading faster, never change what is accepted.
        ``columns``: the source columns the caller reads (None: all). A streamed text file
        may then hand out blocks with only those, each able to give the rest on request
        (:meth:`RawChunk.source_rows`); other sources give every column."""
        return self.reader(dict(column_types or {}), columns)


# ------------------------------------------------------------------------------------------
# encoding and delimiter
# ------------------------------------------------------------------------------------------


def decode_bytes(data: bytes, encoding: str = "auto", *, name: str = "") -> tuple[str, str]:
    """Decode ``data``: returns (text, encoding used); see :func:`peir.pipeline.textfile.
    decode_text` (``auto``: a BOM, else UTF-8, else cp1252 or latin-1 line by line)."""
    dec = decode_text(data, encoding, name=name)
    return "".join(dec.lines), dec.encoding


def _count_fields(lines: list[str], delim: str) -> list[int]:
    try:
        with field_limit():
            return [len(r) for r in csv.reader(lines, delimiter=delim) if r]
    except csv.Error:
        return []


def sniff_delimiter(sample_lines: list[str]) -> str:
    """Pick the delimiter among ``,`` ``;`` tab ``|`` from the header and following lines:
    the one that splits the header into the most fields with the data lines agreeing."""
    best, best_score = ",", (-1.0, 0)
    lines = [ln for ln in sample_lines if ln.strip()]
    if not lines:
        return ","
    for d in _DELIMITERS:
        counts = _count_fields(lines, d)
        if not counts or counts[0] < 2:
            continue
        head = counts[0]
        data = counts[1:] or [head]
        agree = sum(1 for c in data if c == head) / len(data)
        score = (agree, head)
        if score > best_score:
            best, best_score = d, score
    return best


# ------------------------------------------------------------------------------------------
# headers
# ------------------------------------------------------------------------------------------


def _clean_header(v: object) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return " ".join(str(v).split())


def _build_headers(header_lines: list[list[Any]]) -> list[str]:
    """Join multi-line headers (upper lines forward-filled across merged cells); names are
    made unique ("Monto", "Monto (2)") and non-empty ("column_7")."""
    return _build_headers_dups(header_lines)[0]


def _build_headers_dups(header_lines: list[list[Any]]) -> tuple[list[str], dict[str, list[int]]]:
    """:func:`_build_headers` plus the names that occurred more than once (name -> 1-based
    positions). Linear in the size of the header."""
    width = max((len(r) for r in header_lines), default=0)
    rows = [[_clean_header(v) for v in r] + [""] * (width - len(r)) for r in header_lines]
    # upper lines: a merged cell spans the blanks to its right, but not past the start of a
    # group in a line above it
    starts: set[int] = set()
    for r in rows[:-1]:
        last = ""
        for i, v in enumerate(r):
            if v:
                last = v
            elif i in starts:
                last = ""
            else:
                r[i] = last
        starts |= {i for i, v in enumerate(r) if v and (i == 0 or r[i - 1] != v)}
    names = []
    for i in range(width):
        parts: list[str] = []
        for r in rows:
            if r[i] and (not parts or parts[-1] != r[i]):
                parts.append(r[i])
        names.append(parts[0] if len(parts) == 1 else " ".join(parts))
    out: list[str] = []
    taken: set[str] = set()
    positions: dict[str, list[int]] = {}
    suffix: dict[str, int] = {}  # name -> the last suffix given to it
    for i, n in enumerate(names):
        n = n or f"column_{i + 1}"
        positions.setdefault(n, []).append(i + 1)
        # the first free "n (k)": a suffix once taken stays taken, so the search goes on from
        # the last one given (from 2 each time, 8,000 equal names took 6 s: quadratic)
        k = suffix.get(n, 1)
        name = n if k == 1 else f"{n} ({k})"
        while name in taken:
            k += 1
            name = f"{n} ({k})"
        suffix[n] = k
        taken.add(name)
        out.append(name)
    dups = {n: p for n, p in positions.items() if len(p) > 1 and not n.startswith("column_")}
    return out, dups


# ------------------------------------------------------------------------------------------
# entry point
# ------------------------------------------------------------------------------------------


def open_source(source: Any, spec: ReadSpec, *, chunk_rows: int | None = None) -> RawSource:
    """Open ``source`` (path or DataFrame) following ``spec``; :class:`ReadError` if it is not
    a table."""
    if isinstance(source, pd.DataFrame):
        return _from_frame(source, "<DataFrame>", first_row=2, fmt="frame")
    if not isinstance(source, str | os.PathLike):
        raise ReadError(
            f"cannot read a table from a {type(source).__name__}; give a file path or a pandas"
            " DataFrame"
        )
    path = Path(source)
    if not path.exists():
        raise ReadError(f"{path}: no such file")
    if path.is_dir():
        raise ReadError(f"{path}: is a folder, not a file")
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(65536)
    except OSError as exc:
        raise ReadError(f"{path}: cannot be opened ({exc.strerror or exc})") from None
    wide_codec = _is_wide_codec(spec.encoding)
    if size == 0 or (not wide_codec and not head.strip(b" \t\r\n\x00" + codecs.BOM_UTF8)):
        raise ReadError(f"{path.name}: the file is empty")
    ext = path.suffix.lower()
    if head.startswith(b"PK\x03\x04") and ext not in _PARQUET_EXT:
        return _open_excel(path, spec)
    if head.startswith(b"PAR1"):
        return _open_parquet(path)
    if head.startswith(XLS_MAGIC):
        return _open_xls(path, spec)
    if ext in _EXCEL_EXT:
        raise ReadError(
            f"{path.name}: not a readable Excel workbook (the file is not an .xlsx archive)"
        )
    if ext in _PARQUET_EXT:
        raise ReadError(f"{path.name}: not a Parquet file (missing the PAR1 signature)")
    if ext == ".xls":
        raise ReadError(f"{path.name}: not a readable .xls workbook")
    utf16_bom = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not utf16_bom and not wide_codec and _looks_binary(head):
        raise ReadError(
            f"{path.name}: looks like a binary file, not a text table (CSV/TXT), an Excel workbook"
            " or Parquet"
        )
    streamable = spec.encoding in ("auto", *_UTF8) and not utf16_bom
    if size >= ARROW_MIN_BYTES and streamable:
        return _open_text_stream(path, spec, size, chunk_rows or CHUNK_ROWS)
    return _open_text(path, spec)


def _is_wide_codec(encoding: str) -> bool:
    """UTF-16 and UTF-32 text is full of NUL bytes: it is text when the spec names the codec."""
    if encoding == "auto":
        return False
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return False
    return name.startswith(("utf-16", "utf-32"))


def _looks_binary(head: bytes) -> bool:
    """Many NUL or control bytes in the first 8 KiB. A stray NUL in a text file is not
    binary: its line is reported as malformed."""
    sample = head[:8192]
    if sample.count(b"\x00") > max(2, len(sample) // 100):
        return True
    ctrl = sum(1 for b in sample if b < 32 and b not in (0, 9, 10, 12, 13))
    return ctrl > max(8, len(sample) // 20)


def _from_frame(
    df: pd.DataFrame, name: str, *, first_row: int, fmt: str, path: Path | None = None
) -> RawSource:
    frame = df.reset_index(drop=True)
    headers, dups = (
        _build_headers_dups([[str(c) for c in frame.columns]]) if len(frame.columns) else ([], {})
    )
    frame.columns = headers
    rows = RowMap.sequential(first_row, len(frame))
    notes: list[CellNote] = []
    for h in headers:
        col, found = _containers(frame[h], h)
        if found:
            frame[h] = col
            notes.extend(found)
    return RawSource(
        name=name,
        path=path,
        format=fmt,
        columns=headers,
        reader=_one_chunk(RawChunk(frame, rows, notes=notes)),
        duplicate_headers=dups,
    )


#: Kinds of values pandas' ``infer_dtype`` gives for object columns that hold only scalars.
_SCALAR_KINDS = frozenset(
    {
        "string",
        "empty",
        "integer",
        "floating",
        "mixed-integer-float",
        "decimal",
        "boolean",
        "datetime",
        "datetime64",
        "date",
        "time",
        "timedelta",
        "timedelta64",
        "period",
        "bytes",
        "categorical",
    }
)


def _containers(col: pd.Series, header: str) -> tuple[pd.Series, list[CellNote]]:
    """Cells holding a list, dict, set, tuple or array (a DataFrame or Parquet column of
    objects) become empty, each with a note (they are not values: ``not_a_scalar``)."""
    if col.dtype != object or pd.api.types.infer_dtype(col, skipna=True) in _SCALAR_KINDS:
        return col, []
    values = col.to_numpy(dtype=object)
    hit = [
        i
        for i, v in enumerate(values)
        if isinstance(v, list | dict | set | frozenset | tuple | np.ndarray | pd.Series)
    ]
    if not hit:
        return col, []
    notes = []
    for i in hit:
        v = values[i]
        text = repr(v.tolist() if isinstance(v, np.ndarray | pd.Series) else v)
        text = text if len(text) <= 80 else text[:77] + "..."
        notes.append(
            CellNote(
                i,
                header,
                IssueCode.NOT_A_SCALAR,
                text,
                f"{header}: the cell holds a {type(v).__name__}, not one value",
            )
        )
    out = values.copy()
    out[hit] = None
    return pd.Series(out, index=col.index, dtype=object), notes


def _open_parquet(path: Path) -> RawSource:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        df = pq.read_table(path).to_pandas()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError, ValueError) as exc:
        raise ReadError(f"{path.name}: not a readable Parquet file ({exc})") from None
    return _from_frame(df, path.name, first_row=1, fmt="parquet", path=path)


XLS_MAGIC = b"\xd0\xcf\x11\xe0"


def read_xls_sheets(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet of an Excel 97-2003 (.xls) workbook as rows of cells (numbers stay numbers,
    empty cells are None), with xlrd; a clear error without it."""
    try:
        import xlrd  # type: ignore[import-not-found,import-untyped,unused-ignore]  # noqa: F401
    except ImportError:
        raise ReadError(
            f"{path.name}: an Excel 97-2003 (.xls) workbook; save it as .xlsx (or install xlrd)"
            " and read that"
        ) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pandas' deprecation notice for the xlrd engine
            sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=object, engine="xlrd")
    except Exception as exc:  # pragma: no cover - depends on xlrd
        raise ReadError(f"{path.name}: not a readable .xls workbook ({exc})") from None
    return {
        str(name): [[None if _is_nan(v) else v for v in r] for r in frame.itertuples(index=False)]
        for name, frame in sheets.items()
    }


def _is_nan(v: Any) -> bool:
    return isinstance(v, float) and v != v


def _open_xls(path: Path, spec: ReadSpec) -> RawSource:
    sheets = read_xls_sheets(path)
    names = list(sheets)
    name = pick_sheet(names, names, spec.sheet, path.name)
    rows = sheets[name]
    return _grid_source(path, spec, rows, list(range(1, len(rows) + 1)), name, fmt="xls")


def _open_excel(path: Path, spec: ReadSpec) -> RawSource:
    sheet = read_xlsx(path, spec.sheet, spec.limits)
    raw = _grid_source(
        path,
        spec,
        sheet.rows,
        sheet.numbers,
        sheet.name,
        fmt="excel",
        hidden=sheet.hidden_rows,
        uncached=sheet.uncached,
    )
    if sheet.skipped:
        raw.meta["hidden_sheets_skipped"] = list(sheet.skipped)
    if sheet.hidden:
        raw.meta["sheet_hidden"] = True
    return raw


def _is_blank(vals: list[Any]) -> bool:
    for v in vals:
        if v is None:
            continue
        if isinstance(v, str) and not v.strip():
            continue
        return False
    return True


def _grid_source(
    path: Path,
    spec: ReadSpec,
    grid: list[list[Any]],
    numbers: list[int],
    sheet: str,
    *,
    fmt: str,
    hidden: set[int] | None = None,
    uncached: dict[tuple[int, int], str] | None = None,
) -> RawSource:
    """Rows of cells (Excel) -> header + data rows with spreadsheet row numbers.

    ``hidden``: spreadsheet rows that are hidden (each data row among them gets a note);
    ``uncached``: (row, column) of formula cells without a saved value -> formula (a note each;
    the cell reads as the formula text, so that the rejected row shows it).
    """
    by_number = {n: i for i, n in enumerate(numbers)}
    h0 = spec.header_row + 1
    n_header = 0 if spec.column_names else spec.header_rows
    header_lines = (
        [list(spec.column_names)]
        if spec.column_names
        else [
            grid[by_number[n]] if n in by_number else [] for n in range(h0, h0 + spec.header_rows)
        ]
    )
    if not any(not _is_blank(h) for h in header_lines):
        raise ReadError(
            f"{path.name}[{sheet}]: no header on spreadsheet row {h0}"
            f" (header_row={spec.header_row});"
            f" the sheet has {max(numbers, default=0)} rows"
        )
    headers, dups = _build_headers_dups(header_lines)
    width = len(headers)
    first_data = h0 + n_header + spec.skip_rows
    uncached = uncached or {}
    data = [(n, grid[i]) for i, n in enumerate(numbers) if n >= first_data]
    # formula cells without a value are not blank: they keep a row from being dropped as empty
    by_row: dict[int, list[tuple[int, str]]] = {}
    for (r, c), text in uncached.items():
        by_row.setdefault(r, []).append((c, text))
    for n, vals in data:
        for c, text in by_row.get(n, ()):
            if c <= len(vals) and vals[c - 1] is None:
                vals[c - 1] = text
    while data and _is_blank(data[-1][1]):
        data.pop()
    if spec.skip_footer:
        data = data[: max(0, len(data) - spec.skip_footer)]
    rows_out: list[list[Any]] = []
    nums: list[int] = []
    bad: list[BadRecord] = []
    blank = 0
    for n, vals in data:
        if _is_blank(vals):
            blank += 1
            continue
        if len(vals) > width:
            extra = vals[width:]
            if not _is_blank(list(extra)):
                text = " | ".join("" if v is None else str(v) for v in vals)
                fields = ["" if v is None else str(v) for v in vals]
                bad.append(
                    BadRecord(
                        n, text, f"the row has values beyond the {width} header columns", fields
                    )
                )
                continue
            vals = vals[:width]
        rows_out.append(list(vals) + [None] * (width - len(vals)))
        nums.append(n)
    notes: list[CellNote] = []
    pos_of = {n: i for i, n in enumerate(nums)}
    for (r, c), text in sorted(uncached.items()):
        if r in pos_of and c <= width:
            h = headers[c - 1]
            notes.append(
                CellNote(
                    pos_of[r],
                    h,
                    IssueCode.FORMULA_WITHOUT_VALUE,
                    text,
                    f"{h}: the formula {text} has no saved value (the workbook was not calculated);"
                    " open and save it in Excel, or export the values",
                )
            )
    for r in sorted(hidden or ()):
        if r in pos_of:
            notes.append(
                CellNote(
                    pos_of[r],
                    None,
                    IssueCode.HIDDEN_ROW,
                    None,
                    "the row is hidden in the workbook; it is read like the others",
                )
            )
    frame = (
        pd.DataFrame(rows_out, columns=headers, dtype=object)
        if rows_out
        else pd.DataFrame({h: pd.Series(dtype=object) for h in headers})
    )
    for h in headers:
        col, found = _containers(frame[h], h)
        if found:
            frame[h] = col
            notes.extend(found)
    return RawSource(
        name=path.name,
        path=path,
        format=fmt,
        columns=headers,
        reader=_one_chunk(RawChunk(frame, RowMap.of(nums), bad, notes=notes, blank=blank)),
        sheet=sheet,
        meta={"header_row_number": h0},
        duplicate_headers=dups,
    )


# ------------------------------------------------------------------------------------------
# text files
# ------------------------------------------------------------------------------------------


def _strip_unnamed_tail(columns: list[list[str]]) -> list[list[str]]:
    """Header records without their trailing empty names ("a,b,c,"): a trailing delimiter on
    the header line is not a column."""
    width = max((len(r) for r in columns), default=0)
    while width > 1 and all(len(r) < width or not r[width - 1].strip() for r in columns):
        width -= 1
    return [r[:width] for r in columns]


def _mixed_notes(dec: Decoded, first_line: int) -> list[LineNote]:
    """One note per line decoded in another encoding than the file's."""
    if not dec.other_lines:
        return []
    other = dec.other_encoding
    return [
        LineNote(
            first_line + i,
            IssueCode.MIXED_ENCODING,
            dec.lines[i].rstrip("\r\n")[:80],
            f"the line is {other}, the file {dec.encoding}; it was decoded as {other}",
        )
        for i in dec.other_lines
    ]


def _strings_table(headers: list[str], rows: list[list[str]]) -> Any:
    """Rows of fields as an Arrow table of large strings (what Arrow's reader gives a streamed
    block, so that both paths hand the validation the same columns)."""
    import pyarrow as pa

    cols = list(zip(*rows, strict=True)) if rows else [() for _h in headers]
    return pa.table(
        {f"{i}": pa.array(c, type=pa.large_string()) for i, c in enumerate(cols)}
    ).rename_columns(headers)


def _strings_frame(headers: list[str], rows: list[list[str]]) -> pd.DataFrame:
    frame: pd.DataFrame = _strings_table(headers, rows).to_pandas()
    return frame


def _open_text(path: Path, spec: ReadSpec) -> RawSource:
    """A text file read at once (the reading semantics of :mod:`peir.pipeline.textfile`)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None
    dec = decode_text(data, spec.encoding, name=path.name)
    lines = dec.lines
    delim = spec.delimiter or sniff_delimiter(
        lines[spec.header_row : spec.header_row + spec.header_rows + 30]
    )
    hdr = parse_header(
        lines,
        header_row=spec.header_row,
        header_rows=spec.header_rows,
        skip_rows=spec.skip_rows,
        delim=delim,
        name=path.name,
        names=spec.column_names,
    )
    headers, dups = _build_headers_dups(_strip_unnamed_tail(hdr.columns))
    stop = max(hdr.data_start, footer_start(lines, spec.skip_footer))
    parsed = parse_records(
        lines,
        start=hdr.data_start,
        stop=stop,
        first_line=hdr.data_start + 1,
        delim=delim,
        width=len(headers),
        comment=spec.comment,
        at_end=True,
    )
    chunk = RawChunk(
        _strings_frame(headers, parsed.rows),
        RowMap.of(parsed.numbers),
        parsed.bad,
        line_notes=_mixed_notes(dec, 1),
        blank=parsed.blank,
        comments=parsed.comments,
    )
    return RawSource(
        name=path.name,
        path=path,
        format="csv",
        columns=headers,
        reader=_one_chunk(chunk),
        encoding=dec.encoding,
        delimiter=delim,
        meta={"header_line": hdr.line},
        duplicate_headers=dups,
    )


# ------------------------------------------------------------------------------------------
# text files, large: blocks
# ------------------------------------------------------------------------------------------

#: Smallest block of bytes parsed at a time when streaming.
MIN_BLOCK_BYTES = 1024
#: Largest block (``CHUNK_ROWS`` lines of 2 KB; the usual lines, 100-300 bytes, make blocks
#: of 12-40 MB): very wide lines make chunks of fewer rows instead of a buffer of gigabytes.
MAX_BLOCK_BYTES = 256 * 1024 * 1024
#: Bytes at the start of a streamed file that decide its encoding.
SAMPLE_BYTES = 4 * 1024 * 1024
#: Largest head of a file read to find its header.
MAX_HEAD_BYTES = 64 * 1024 * 1024
_LINE_END = re.compile(rb"\r\n|\r|\n")
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _raw_lines(data: bytes) -> list[bytes]:
    """``data`` cut into lines with their endings (``\n``, ``\r\n``, bare ``\r``)."""
    out: list[bytes] = []
    pos = 0
    for m in _LINE_END.finditer(data):
        out.append(data[pos : m.end()])
        pos = m.end()
    if pos < len(data):
        out.append(data[pos:])
    return out


def _sample_encoding(path: Path, head: bytes, requested: str) -> str:
    """The file's encoding for streaming: a BOM, else UTF-8 if the first 4 MiB decode as
    UTF-8, else the encoding of most of their non-ASCII lines (UTF-8, else cp1252 or
    latin-1), as the small-file path decides for a whole file
    (:func:`peir.pipeline.textfile.decode_by_line`): a file of UTF-8 lines with one cp1252
    line is UTF-8 with that line noted, on both paths."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if requested != "auto":
        return "utf-8"
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
        whole = len(fh.read(1)) == 0
    dec = codecs.getincrementaldecoder("utf-8")()
    try:
        dec.decode(sample, final=whole)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if not whole:  # the last line may be cut
        sample = sample[: sample.rfind(b"\n") + 1] or sample
    return decode_by_line(sample).encoding


@dataclass
class _Head:
    """Where the data of a streamed file begins and ends, and how it is written."""

    headers: list[str]
    duplicates: dict[str, list[int]]
    delimiter: str
    encoding: str
    header_line: int
    data_offset: int
    data_line: int
    data_end: int


def _read_head(path: Path, spec: ReadSpec, size: int) -> _Head:
    """Header, delimiter and encoding from the head of the file (read until the header and the
    lines to skip are complete), and where the footer begins (from its tail)."""
    enc = "auto"
    n = 65536
    data = b""
    with path.open("rb") as fh:
        while True:
            data += fh.read(n - len(data))
            raw = _raw_lines(data)
            if len(data) < n:  # the whole file
                complete = raw
            else:
                complete = raw[:-1]  # the last line may be cut
            bom = 3 if data.startswith(codecs.BOM_UTF8) else 0
            enc = _sample_encoding(path, data, spec.encoding)
            main = "utf-8" if enc in _UTF8 else enc
            texts = [decode_by_line(line, main=main).lines[0] if line else "" for line in complete]
            if bom and texts:
                texts[0] = texts[0].removeprefix("\ufeff")
            try:
                delim = spec.delimiter or sniff_delimiter(
                    texts[spec.header_row : spec.header_row + spec.header_rows + 30]
                )
                hdr = parse_header(
                    texts,
                    header_row=spec.header_row,
                    header_rows=spec.header_rows,
                    skip_rows=spec.skip_rows,
                    delim=delim,
                    name=path.name,
                    names=spec.column_names,
                )
                if hdr.data_start < len(texts) or len(data) < n:
                    break
            except ReadError:
                if len(data) < n or n >= MAX_HEAD_BYTES:
                    raise
            if n >= MAX_HEAD_BYTES:
                raise ReadError(
                    f"{path.name}: no complete header within the first {MAX_HEAD_BYTES // 2**20}"
                    " MiB"
                )
            n *= 4
    offset = sum(len(line) for line in complete[: hdr.data_start])
    headers, dups = _build_headers_dups(_strip_unnamed_tail(hdr.columns))
    end = _footer_offset(path, size, spec.skip_footer) if spec.skip_footer else size
    return _Head(headers, dups, delim, enc, hdr.line, offset, hdr.data_start + 1, max(offset, end))


def _footer_offset(path: Path, size: int, n: int) -> int:
    """Byte offset of the first of the last ``n`` non-blank lines (:func:`footer_start`)."""
    tail = 65536
    while True:
        start = max(0, size - tail)
        with path.open("rb") as fh:
            fh.seek(start)
            data = fh.read()
        lines = _raw_lines(data)
        if start > 0:
            lines = lines[1:]  # a cut first line
        found = footer_start([line.decode("latin-1") for line in lines], n)
        nonblank = sum(1 for line in lines if line.strip())
        if nonblank >= n + 1 or start == 0:
            return size - sum(len(line) for line in lines[found:])
        tail *= 4


@dataclass
class _Block:
    """One block of a streamed file: bytes that end at a record boundary, the number of the
    line it starts on, its line breaks, bare carriage returns and quotes, and whether it ends
    the data."""

    buf: bytearray | bytes
    size: int
    first_line: int
    breaks: int
    bare_cr: int
    quotes: int
    at_end: bool
    #: where the block starts in the file
    offset: int = 0

    def view(self) -> memoryview:
        return memoryview(self.buf)[: self.size]


def _count_byte(arr: np.ndarray, byte: int) -> int:
    """How often ``byte`` occurs in ``arr``. A numpy comparison and count: about 2 ms for a
    16 MB block here, where ``bytearray.count`` took 43 ms (it has no vectorised loop)."""
    return int(np.count_nonzero(arr == byte))


def _line_breaks(buf: bytearray | bytes, end: int) -> tuple[int, int]:
    """(line breaks, bare carriage returns) in ``buf[:end]``: ``\n`` and a ``\r`` not
    followed by ``\n`` each end a line."""
    arr = np.frombuffer(buf, dtype=np.uint8, count=end)
    nl = _count_byte(arr, 10)
    cr = _count_byte(arr, 13) if buf.find(b"\r", 0, end) >= 0 else 0  # memchr: 0.2 ms
    bare = cr - int(np.count_nonzero((arr[:-1] == 13) & (arr[1:] == 10))) if cr else 0
    return nl + bare, bare


def _block(
    buf: bytearray | bytes,
    size: int,
    first_line: int,
    at_end: bool,
    offset: int,
    quotes: int | None = None,
) -> _Block:
    """The block ``buf[:size]``, its counts taken (``quotes``: already counted, or None)."""
    breaks, bare = _line_breaks(buf, size)
    if quotes is None:
        quotes = _count_byte(np.frombuffer(buf, dtype=np.uint8, count=size), 34)
    return _Block(buf, size, first_line, breaks, bare, quotes, at_end, offset)


def _read_blocks(
    path: Path, start: int, stop: int, block_bytes: int, first_line: int
) -> Iterator[_Block]:
    """The bytes ``[start, stop)`` of the file in blocks of about ``block_bytes`` that end at a
    record boundary.

    A block ends after its last newline that is outside double quotes (an even number of
    ``"`` before it, RFC 4180 quoting), so no record is split across blocks; the rest is
    carried over to the next block. A quote still open after ``MAX_RECORD_BYTES`` is cut at
    the last newline (the block's parser then reports it). Each block is read with one copy
    into one reused buffer (fresh memory costs page faults: about 5 % of the time at 1M
    lines): a block must be used up, as the parser does, before the next one is asked for.
    """
    carry = b""
    size = max(MIN_BLOCK_BYTES, block_bytes // 4)  # a short first block: validation starts sooner
    buf = bytearray(2 * block_bytes)
    line = first_line
    offset = start  # of buf[0] in the file
    left = stop - start
    with path.open("rb", buffering=0) as fh:
        fh.seek(start)
        while True:
            want = min(size, left)
            if len(carry) + want > len(buf):  # a record longer than a block
                buf = bytearray(2 * (len(carry) + want))
            buf[: len(carry)] = carry
            got = (fh.readinto(memoryview(buf)[len(carry) : len(carry) + want]) or 0) if want else 0
            left -= got
            size = block_bytes
            end = len(carry) + got
            if got == 0:
                if carry:
                    yield _block(bytes(carry), len(carry), line, True, offset)
                return
            cut, quotes = _record_boundary(buf, end)
            if cut == 0 and end > MAX_RECORD_BYTES:
                cut, quotes = buf.rfind(b"\n", 0, end) + 1, None
            if cut == 0:  # no complete record yet: read on
                carry = bytes(buf[:end])
                continue
            carry = bytes(buf[cut:end])
            block = _block(buf, cut, line, left == 0 and not carry, offset, quotes)
            yield block
            line += block.breaks
            offset += cut


def _record_boundary(buf: bytearray, end: int) -> tuple[int, int | None]:
    """(offset just after the last newline of ``buf[:end]`` outside quotes, the number of
    quotes before it): (0, None) if there is none."""
    cut = buf.rfind(b"\n", 0, end) + 1
    if cut == 0:
        return 0, None
    arr = np.frombuffer(buf, dtype=np.uint8, count=cut)
    count = _count_byte(arr, 34)
    if count % 2 == 0:
        return cut, count
    # the last newline is inside a quoted value: take the last one with an even quote count
    quotes = np.flatnonzero(arr == 34)
    nl = np.flatnonzero(arr == 10)
    before = np.searchsorted(quotes, nl)
    even = before % 2 == 0
    if not even.any():
        return 0, None
    last = np.flatnonzero(even)[-1]
    return int(nl[last]) + 1, int(before[last])


#: Arrow's own block size within one block; 0: the whole block as one chunk, parsed by one
#: thread (the workers validating earlier blocks keep the other cores busy, and no chunks
#: are joined).
ARROW_BLOCK_BYTES = 0


class _BlockParser:
    """Parse the blocks of one streamed file: simple ones with Arrow, the others with the
    Python parser of small files (the same semantics, see the module docstring)."""

    def __init__(
        self,
        path: Path,
        spec: ReadSpec,
        head: _Head,
        column_types: Mapping[str, Any],
        columns: frozenset[str] | None = None,
    ) -> None:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        self.pa, self.pacsv = pa, pacsv
        self.path, self.spec, self.head = path, spec, head
        self.main = "utf-8" if head.encoding in _UTF8 else head.encoding
        self.invalid = 0
        self.parse_opts = pacsv.ParseOptions(
            delimiter=head.delimiter, invalid_row_handler=self._on_invalid
        )
        #: the columns asked for, when they are not all of them (None: every column)
        self.narrow: list[str] | None = None
        if columns and not set(head.headers) <= columns:
            self.narrow = [h for h in head.headers if h in columns]
        #: conversion options by whether only the narrow columns are read
        self.string_opts = {n: self._convert({}, n) for n in (False, True)}
        self.typed_opts = (
            {n: self._convert(column_types, n) for n in (False, True)} if column_types else None
        )
        self.arrow_blocks = 0
        self.python_blocks = 0
        self.narrow_blocks = 0

    def _convert(self, column_types: Mapping[str, Any], narrow: bool = False) -> Any:
        """Arrow's conversion: text as strings (pandas' own string storage), ``column_types``
        as given (empty cells then null), only :attr:`narrow`'s columns if ``narrow``."""
        pa = self.pa
        types = {h: pa.large_string() for h in self.head.headers}
        types.update(column_types)
        return self.pacsv.ConvertOptions(
            column_types=types,
            null_values=[""] if column_types else None,
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            include_columns=self.narrow if narrow else None,
        )

    def _on_invalid(self, _row: Any) -> str:
        self.invalid += 1
        return "skip"

    def parse(self, block: _Block) -> RawChunk:
        chunk = self._arrow(block) if self._may_be_simple(block) else None
        if chunk is None:
            self.python_blocks += 1
            return self._python(block)
        self.arrow_blocks += 1
        return chunk

    def _may_be_simple(self, block: _Block) -> bool:
        """What a block must be for Arrow to read it as the Python parser would, seen from
        its bytes: no comment rule, no NUL, an even number of quotes, no bare carriage return,
        and (in a cp1252 file) no UTF-8 line. Counted once per block (numpy), the NUL found
        with ``memchr``: a few milliseconds per block."""
        buf, n = block.buf, block.size
        if (
            self.spec.comment is not None
            or block.quotes % 2
            or block.bare_cr
            or buf.find(b"\x00", 0, n) >= 0
        ):
            return False
        if self.main != "utf-8":
            view = block.view()
            if not view.tobytes().isascii() and _UTF8_MULTIBYTE.search(view):
                return False
        return True

    def _read_opts(self, size: int) -> Any:
        return self.pacsv.ReadOptions(
            column_names=self.head.headers,
            block_size=ARROW_BLOCK_BYTES or size + 1,
            # parsed here; the workers validating earlier blocks use the other cores
            use_threads=False,
            encoding="utf8" if self.main == "utf-8" else self.main,
        )

    def _arrow(self, block: _Block) -> RawChunk | None:
        """The block parsed by Arrow, or None when it is not simple after all: a record Arrow
        finds malformed, a record over several lines or a blank line (fewer rows than lines),
        a line of empty fields, or bytes that are not valid in the encoding.

        Only the :attr:`narrow` columns are converted where that cannot hide anything: Arrow
        splits every field of every line either way, but checks the UTF-8 of the converted
        columns only, so a UTF-8 file's block is read narrow only when all its bytes are valid
        UTF-8 (a single-byte encoding is decoded whole before parsing)."""
        pa, pacsv = self.pa, self.pacsv
        read_opts = self._read_opts(block.size)
        narrow = self.narrow is not None and (self.main != "utf-8" or _valid_utf8(block))
        tbl = None
        self.invalid = 0
        if self.typed_opts is not None:
            try:
                tbl = pacsv.read_csv(
                    pa.py_buffer(block.view()),
                    read_options=read_opts,
                    parse_options=self.parse_opts,
                    convert_options=self.typed_opts[narrow],
                )
            except (
                pa.ArrowInvalid,
                pa.ArrowNotImplementedError,
            ):  # not plain numbers: this block and the rest as strings
                self.typed_opts = None
                self.invalid = 0
        if tbl is None:
            try:
                tbl = pacsv.read_csv(
                    pa.py_buffer(block.view()),
                    read_options=read_opts,
                    parse_options=self.parse_opts,
                    convert_options=self.string_opts[narrow],
                )
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError):
                return None
        if self.invalid or tbl.num_rows != block.breaks + (
            0 if bytes(block.view()[-1:]) in (b"\n", b"\r") else 1
        ):
            return None
        if tbl.num_rows and _empty_rows(tbl).any():
            return None  # (read narrow: every column read is empty; the parser looks again)
        rows = RowMap.sequential(block.first_line, tbl.num_rows)
        self.narrow_blocks += narrow
        typed = any(not pa.types.is_large_string(t) for t in tbl.schema.types)
        if not narrow and not typed:
            return RawChunk(None, rows, table=tbl)
        return RawChunk(None, rows, table=tbl, reread=self._reread(block, tbl.num_rows))

    def _reread(
        self, block: _Block, n_rows: int
    ) -> Callable[[pd.DataFrame, np.ndarray], pd.DataFrame]:
        """Some rows of a block parsed narrow or typed, read again from the file with every
        column as text, for the rejected rows (which keep the source's text: "10.50", not
        10.5): the block's buffer is reused by then. Only those rows' lines are parsed again
        (every record of such a block is one line). Runs in a worker thread; the block's
        lines and the text columns read before must come out the same, else the file changed
        while it was read (a :class:`ReadError`)."""
        offset, size, first, last = (
            block.offset,
            block.size,
            block.first_line,
            block.first_line + n_rows - 1,
        )
        pa, pacsv = self.pa, self.pacsv

        def rows(narrow: pd.DataFrame, pos: np.ndarray) -> pd.DataFrame:
            changed = ReadError(
                f"{self.path.name}: lines {first}–{last} changed while the file was being read"
            )
            try:
                with self.path.open("rb") as fh:
                    fh.seek(offset)
                    data = fh.read(size)
            except OSError:
                raise changed from None
            if len(data) != size:  # cut short
                raise changed
            ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10) + 1
            if not data.endswith(b"\n"):  # the file's last line, without a line break
                ends = np.append(ends, len(data))
            if len(ends) != len(narrow):
                raise changed
            starts = np.concatenate([[0], ends[:-1]])
            picked = b"".join(
                data[a:b] if data[b - 1 : b] == b"\n" else data[a:b] + b"\n"
                for a, b in zip(starts[pos].tolist(), ends[pos].tolist(), strict=True)
            )
            try:
                tbl = pacsv.read_csv(
                    pa.py_buffer(picked),
                    read_options=self._read_opts(len(picked)),
                    parse_options=pacsv.ParseOptions(delimiter=self.head.delimiter),
                    convert_options=self.string_opts[False],
                )
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError):
                raise changed from None
            frame: pd.DataFrame = tbl.to_pandas()
            if len(frame) != len(pos):
                raise changed
            for c in narrow.columns:
                before = narrow[c].iloc[pos].reset_index(drop=True)
                if before.dtype == frame[c].dtype and not before.equals(frame[c]):
                    raise changed
            return frame

        return rows

    def _python(self, block: _Block) -> RawChunk:
        data = block.view().tobytes()
        if self.head.encoding == "utf-8-sig" and block.first_line == self.head.data_line:
            data = data.removeprefix(codecs.BOM_UTF8)
        dec = decode_by_line(data, main=self.main)
        parsed = parse_records(
            dec.lines,
            start=0,
            stop=None,
            first_line=block.first_line,
            delim=self.head.delimiter,
            width=len(self.head.headers),
            comment=self.spec.comment,
            at_end=block.at_end,
        )
        chunk = RawChunk(
            None,
            RowMap.of(parsed.numbers),
            parsed.bad,
            table=_strings_table(self.head.headers, parsed.rows),
        )
        chunk.line_notes = _mixed_notes(dec, block.first_line)
        chunk.blank, chunk.comments = parsed.blank, parsed.comments
        return chunk


def _valid_utf8(block: _Block) -> bool:
    """Whether the block's bytes are valid UTF-8, by Arrow's own validator (the one its
    conversion of a text column uses): the block as one binary value cast to text, without a
    copy (about 2 ms for 15 MB of Spanish text here, where Python's decoder took 13 ms)."""
    import pyarrow as pa

    offsets = pa.py_buffer(np.asarray([0, block.size], dtype=np.int64))
    value = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(block.view())])
    try:
        value.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _empty_rows(tbl: Any) -> np.ndarray:
    """Rows whose every field is empty (a line of delimiters: blank for the Python parser)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    out = np.ones(tbl.num_rows, dtype=bool)
    for col in tbl.columns:
        if pa.types.is_large_string(col.type) or pa.types.is_string(col.type):
            empty = pc.equal(pc.binary_length(col), 0)
        else:
            empty = pc.is_null(col)
        out &= np.asarray(empty.to_numpy(zero_copy_only=False), dtype=bool)
        if not out.any():
            break
    return out


def _block_bytes(chunk_rows: int, line_bytes: int, data_bytes: int) -> int:
    """Bytes of a block: about ``chunk_rows`` lines, but never more than the data (plus one
    byte, so one block holds it all) nor :data:`MAX_BLOCK_BYTES`. The block's buffer is
    allocated at twice that size: ``chunk_rows`` lines of an 8,000-column header (40 KB a
    line) asked for a 10 GB buffer, for a file of 300 KB."""
    return max(MIN_BLOCK_BYTES, min(chunk_rows * line_bytes, data_bytes + 1, MAX_BLOCK_BYTES))


def _open_text_stream(path: Path, spec: ReadSpec, size: int, chunk_rows: int) -> RawSource:
    """A large text file, read in blocks (see the module docstring)."""
    head = _read_head(path, spec, size)
    with path.open("rb") as fh:
        fh.seek(head.data_offset)
        sample = fh.read(65536)
    lines = _raw_lines(sample)[:200]
    line_bytes = max(1, sum(len(x) for x in lines) // max(len(lines), 1))
    block_bytes = _block_bytes(chunk_rows, line_bytes, head.data_end - head.data_offset)
    stats: dict[str, int] = {}

    def read(column_types: Mapping[str, Any], columns: frozenset[str] | None) -> Iterator[RawChunk]:
        parser = _BlockParser(path, spec, head, column_types, columns)
        try:
            for block in _read_blocks(
                path, head.data_offset, head.data_end, block_bytes, head.data_line
            ):
                yield parser.parse(block)
        except OSError as exc:
            raise ReadError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None
        stats["arrow_blocks"] = parser.arrow_blocks
        stats["python_blocks"] = parser.python_blocks
        stats["narrow_blocks"] = parser.narrow_blocks

    return RawSource(
        name=path.name,
        path=path,
        format="csv",
        columns=head.headers,
        reader=read,
        encoding=head.encoding,
        delimiter=head.delimiter,
        meta={"streamed": True, "header_line": head.header_line, "blocks": stats},
        duplicate_headers=head.duplicates,
        streamed=True,
    )
