"""Open a source (CSV/TXT/TSV, Excel, Parquet or a DataFrame) as raw chunks of source columns.

This module knows about files, not about canonical tables: it finds the encoding, the
delimiter, the header line(s), the Excel sheet, and hands out the data rows with their row
numbers in the source (the line number in a text file with the header on line 1, the
spreadsheet row number in Excel). Anything that is not a table at all (missing, empty,
binary, an unknown sheet) raises :class:`peir.ReadError` with a plain message.

Small text files are parsed with Python's :mod:`csv` (exact line numbers, ragged title and
footer lines, multi-line cells). Large ones are read in blocks of about ``CHUNK_ROWS`` lines
that end at a record boundary (a newline outside quotes); each block is parsed by
``pyarrow.csv.read_csv`` as one chunk while worker threads validate the blocks before it, all
text columns as strings (plain-number columns as numbers when the reader asks for it), so that
memory grows with the block, not the file. Line numbers are checked against the newlines
counted in the blocks.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from peir.errors import IssueCode, ReadError
from peir.pipeline.workbook import pick_sheet, read_xlsx
from peir.readspec import ReadSpec

__all__ = [
    "ARROW_MIN_BYTES",
    "CHUNK_ROWS",
    "BadRecord",
    "CellNote",
    "RawChunk",
    "RawSource",
    "decode_bytes",
    "open_source",
    "sniff_delimiter",
]

#: Text files at least this large are streamed through Arrow's CSV reader.
ARROW_MIN_BYTES = 4 * 1024 * 1024
#: Rows per chunk handed to the validation step when streaming.
CHUNK_ROWS = 125_000

_TEXT_EXT = {".csv", ".txt", ".tsv", ".tab", ".dat", ".prn"}
_EXCEL_EXT = {".xlsx", ".xlsm", ".xltx", ".xltm"}
_PARQUET_EXT = {".parquet", ".pq", ".parq"}
_DELIMITERS = (",", ";", "\t", "|")


@dataclass
class BadRecord:
    """A source record that could not be made into a row (wrong number of fields)."""

    row: int | None
    text: str
    reason: str


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


@dataclass
class RawChunk:
    """Data rows in source columns, with their row numbers in the source.

    A streamed block may come as its Arrow ``table``; ``frame`` then converts it on first use,
    in whichever thread validates the chunk.
    """

    data: pd.DataFrame | None
    rows: np.ndarray
    bad: list[BadRecord] = field(default_factory=list)
    table: Any = None
    notes: list[CellNote] = field(default_factory=list)

    @property
    def frame(self) -> pd.DataFrame:
        if self.data is None:
            self.data = self.table.to_pandas()
            self.table = None
        return self.data


@dataclass
class RawSource:
    """An opened source: where it is, how it was read, and its chunks of rows."""

    name: str
    path: Path | None
    format: str
    columns: list[str]
    chunks: Iterator[RawChunk]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    #: headers that occur more than once in the source: name -> 1-based column positions
    #: (the second and later columns are read as "name (2)"...)
    duplicate_headers: dict[str, list[int]] = field(default_factory=dict)
    #: for streamed text files: Arrow types to parse some source columns as directly (set by
    #: the reader before the first chunk is taken, e.g. ``{"Monto": pa.float64()}``). A block
    #: with a value that does not parse is read again as strings, and so is the rest of the
    #: file, so typed parsing can only make reading faster, never change what is accepted.
    column_types: dict[str, Any] = field(default_factory=dict)
    #: for streamed files: called after all chunks were read; returns None when the
    #: sequential row numbers were exact, else (array mapping sequence -> true line,
    #: {text of a malformed line: its line numbers}).
    verify_rows: Any = None


# ------------------------------------------------------------------------------------------
# encoding and delimiter
# ------------------------------------------------------------------------------------------


def decode_bytes(data: bytes, encoding: str = "auto", *, name: str = "") -> tuple[str, str]:
    """Decode ``data``: returns (text, encoding used). ``auto`` tries UTF-8 (BOM or not),
    UTF-16 with a BOM, then cp1252, then latin-1."""
    if encoding != "auto":
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            raise ReadError(
                f"{name}: not valid {encoding} text (byte {exc.start}: {data[exc.start:exc.start + 1]!r});"
                " try encoding: auto"
            ) from None
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _count_fields(lines: list[str], delim: str) -> list[int]:
    try:
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
        names.append(" ".join(parts))
    out: list[str] = []
    taken: set[str] = set()
    positions: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        n = n or f"column_{i + 1}"
        positions.setdefault(n, []).append(i + 1)
        name, k = n, 1
        while name in taken:
            k += 1
            name = f"{n} ({k})"
        taken.add(name)
        out.append(name)
    dups = {n: p for n, p in positions.items() if len(p) > 1 and not n.startswith("column_")}
    return out, dups


# ------------------------------------------------------------------------------------------
# entry point
# ------------------------------------------------------------------------------------------


def open_source(source: Any, spec: ReadSpec, *, chunk_rows: int | None = None) -> RawSource:
    """Open ``source`` (path or DataFrame) following ``spec``; :class:`ReadError` if it is not a table."""
    if isinstance(source, pd.DataFrame):
        return _from_frame(source, "<DataFrame>", first_row=2, fmt="frame")
    if not isinstance(source, str | os.PathLike):
        raise ReadError(f"cannot read a table from a {type(source).__name__}; give a file path or a pandas DataFrame")
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
    if size == 0 or not head.strip(b" \t\r\n\x00" + codecs.BOM_UTF8):
        raise ReadError(f"{path.name}: the file is empty")
    ext = path.suffix.lower()
    if head.startswith(b"PK\x03\x04") and ext not in _PARQUET_EXT:
        return _open_excel(path, spec)
    if head.startswith(b"PAR1"):
        return _open_parquet(path)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return _open_xls(path, spec)
    if ext in _EXCEL_EXT:
        raise ReadError(f"{path.name}: not a readable Excel workbook (the file is not an .xlsx archive)")
    if ext in _PARQUET_EXT:
        raise ReadError(f"{path.name}: not a Parquet file (missing the PAR1 signature)")
    if ext == ".xls":
        raise ReadError(f"{path.name}: not a readable .xls workbook")
    if not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and _looks_binary(head):
        raise ReadError(f"{path.name}: looks like a binary file, not a text table (CSV/TXT), an Excel workbook or Parquet")
    if size >= ARROW_MIN_BYTES and spec.comment is None and spec.encoding in ("auto", "utf-8", "utf8", "utf-8-sig"):
        if not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return _open_text_arrow(path, spec, head, chunk_rows or CHUNK_ROWS)
    return _open_text(path, spec)


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    sample = head[:8192]
    ctrl = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return ctrl > max(8, len(sample) // 20)


def _from_frame(df: pd.DataFrame, name: str, *, first_row: int, fmt: str, path: Path | None = None) -> RawSource:
    frame = df.reset_index(drop=True)
    headers, dups = _build_headers_dups([[str(c) for c in frame.columns]]) if len(frame.columns) else ([], {})
    frame.columns = headers
    rows = np.arange(first_row, first_row + len(frame), dtype=np.int64)
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
        chunks=iter([RawChunk(frame, rows, notes=notes)]),
        duplicate_headers=dups,
    )


#: Kinds of values pandas' ``infer_dtype`` gives for object columns that hold only scalars.
_SCALAR_KINDS = frozenset(
    {"string", "empty", "integer", "floating", "mixed-integer-float", "decimal", "boolean", "datetime",
     "datetime64", "date", "time", "timedelta", "timedelta64", "period", "bytes", "categorical"}
)


def _containers(col: pd.Series, header: str) -> tuple[pd.Series, list[CellNote]]:
    """Cells holding a list, dict, set, tuple or array (a DataFrame or Parquet column of
    objects) become empty, each with a note (they are not values: ``not_a_scalar``)."""
    if col.dtype != object or pd.api.types.infer_dtype(col, skipna=True) in _SCALAR_KINDS:
        return col, []
    values = col.to_numpy(dtype=object)
    hit = [i for i, v in enumerate(values) if isinstance(v, list | dict | set | frozenset | tuple | np.ndarray | pd.Series)]
    if not hit:
        return col, []
    notes = []
    for i in hit:
        v = values[i]
        text = repr(v.tolist() if isinstance(v, np.ndarray | pd.Series) else v)
        text = text if len(text) <= 80 else text[:77] + "..."
        notes.append(
            CellNote(i, header, IssueCode.NOT_A_SCALAR, text, f"{header}: the cell holds a {type(v).__name__}, not one value")
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


def _open_xls(path: Path, spec: ReadSpec) -> RawSource:
    try:
        import xlrd  # type: ignore[import-not-found,import-untyped,unused-ignore]  # noqa: F401
    except ImportError:
        raise ReadError(
            f"{path.name}: an Excel 97-2003 (.xls) workbook; save it as .xlsx (or install xlrd) and read that"
        ) from None
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=object, engine="xlrd")
    except Exception as exc:  # pragma: no cover - depends on xlrd
        raise ReadError(f"{path.name}: not a readable .xls workbook ({exc})") from None
    names = list(sheets)
    name = pick_sheet(names, names, spec.sheet, path.name)
    rows = [list(r) for r in sheets[name].itertuples(index=False)]
    return _grid_source(path, spec, rows, list(range(1, len(rows) + 1)), name, fmt="xls")


def _open_excel(path: Path, spec: ReadSpec) -> RawSource:
    sheet = read_xlsx(path, spec.sheet, spec.limits)
    raw = _grid_source(path, spec, sheet.rows, sheet.numbers, sheet.name, fmt="excel",
                       hidden=sheet.hidden_rows, uncached=sheet.uncached)
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
    header_lines = [grid[by_number[n]] if n in by_number else [] for n in range(h0, h0 + spec.header_rows)]
    if not any(not _is_blank(h) for h in header_lines):
        raise ReadError(
            f"{path.name}[{sheet}]: no header on spreadsheet row {h0} (header_row={spec.header_row});"
            f" the sheet has {max(numbers, default=0)} rows"
        )
    headers, dups = _build_headers_dups(header_lines)
    width = len(headers)
    first_data = h0 + spec.header_rows + spec.skip_rows
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
                bad.append(BadRecord(n, text, f"the row has values beyond the {width} header columns"))
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
                CellNote(pos_of[r], h, IssueCode.FORMULA_WITHOUT_VALUE, text,
                         f"{h}: the formula {text} has no saved value (the workbook was not calculated);"
                         " open and save it in Excel, or export the values")
            )
    for r in sorted(hidden or ()):
        if r in pos_of:
            notes.append(CellNote(pos_of[r], None, IssueCode.HIDDEN_ROW, None,
                                  "the row is hidden in the workbook; it is read like the others"))
    frame = pd.DataFrame(rows_out, columns=headers, dtype=object) if rows_out else pd.DataFrame({h: pd.Series(dtype=object) for h in headers})
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
        chunks=iter([RawChunk(frame, np.asarray(nums, dtype=np.int64), bad, notes=notes)]),
        sheet=sheet,
        meta={"blank_rows": blank, "header_row_number": h0},
        duplicate_headers=dups,
    )


# ------------------------------------------------------------------------------------------
# text files, small: Python csv with exact line numbers
# ------------------------------------------------------------------------------------------


def _split_lines_keep(text: str) -> list[str]:
    return io.StringIO(text, newline="").readlines()


def _open_text(path: Path, spec: ReadSpec) -> RawSource:
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None
    text, enc = decode_bytes(raw_bytes, spec.encoding, name=path.name)
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = _split_lines_keep(text)
    if len(lines) <= spec.header_row:
        raise ReadError(
            f"{path.name}: header_row={spec.header_row} but the file has only {len(lines)} line(s)"
        )
    body = lines[spec.header_row :]
    delim = spec.delimiter or sniff_delimiter(body[: spec.header_rows + 30])
    records: list[tuple[int, list[str]]] = []
    line_no = spec.header_row  # lines consumed so far
    reader = csv.reader(body, delimiter=delim)
    prev_end = 0
    try:
        for rec in reader:
            start = spec.header_row + prev_end + 1
            prev_end = reader.line_num
            if not rec or all(not f.strip() for f in rec):
                records.append((start, []))
                continue
            records.append((start, rec))
    except csv.Error as exc:
        raise ReadError(f"{path.name}: line {spec.header_row + prev_end + 1}: cannot be parsed as CSV ({exc})") from None
    del line_no
    # header
    hdr: list[list[str]] = []
    i = 0
    while i < len(records) and len(hdr) < spec.header_rows:
        if records[i][1] or hdr:  # skip blank lines before the header only
            hdr.append(records[i][1])
        i += 1
    if not hdr or all(not any(h.strip() for h in r) for r in hdr):
        raise ReadError(f"{path.name}: no header found on line {spec.header_row + 1} (header_row={spec.header_row})")
    headers, dups = _build_headers_dups(hdr)
    # drop unnamed trailing columns that are empty in the header (e.g. "a,b,c,,,")
    width = len(headers)
    data: list[tuple[int, list[str]]] = records[i:]
    if spec.skip_rows:
        data = data[spec.skip_rows :]
    comment_lines = 0
    if spec.comment:
        kept: list[tuple[int, list[str]]] = []
        for n, rec in data:
            if rec and rec[0].lstrip().startswith(spec.comment):
                comment_lines += 1
                continue
            kept.append((n, rec))
        data = kept
    while data and not data[-1][1]:
        data.pop()
    if spec.skip_footer:
        data = data[: max(0, len(data) - spec.skip_footer)]
    rows_out: list[list[str]] = []
    nums: list[int] = []
    bad: list[BadRecord] = []
    blank = 0
    for n, rec in data:
        if not rec:
            blank += 1
            continue
        if len(rec) > width:
            if any(f.strip() for f in rec[width:]):
                bad.append(
                    BadRecord(n, delim.join(rec), f"the line has {len(rec)} fields, the header has {width}")
                )
                continue
            rec = rec[:width]
        elif len(rec) < width:
            rec = rec + [""] * (width - len(rec))
        rows_out.append(rec)
        nums.append(n)
    if rows_out:
        cols = list(zip(*rows_out, strict=True))
        frame = pd.DataFrame({h: pd.array(list(c), dtype="str") for h, c in zip(headers, cols, strict=True)})
    else:
        frame = pd.DataFrame({h: pd.Series(dtype="str") for h in headers})
    return RawSource(
        name=path.name,
        path=path,
        format="csv",
        columns=headers,
        chunks=iter([RawChunk(frame, np.asarray(nums, dtype=np.int64), bad)]),
        encoding=enc,
        delimiter=delim,
        meta={"blank_rows": blank, "comment_lines": comment_lines, "header_line": spec.header_row + 1},
        duplicate_headers=dups,
    )


# ------------------------------------------------------------------------------------------
# text files, large: Arrow streaming
# ------------------------------------------------------------------------------------------


def _sample_encoding(path: Path, head: bytes, requested: str) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if requested != "auto":
        return requested
    dec = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as fh:
            dec.decode(fh.read(4 * 1024 * 1024), final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


#: Arrow's own block size within one block; 0: the whole block as one chunk, parsed by one thread
#: (the workers validating earlier blocks keep the other cores busy, and no chunks are joined).
ARROW_BLOCK_BYTES = 0
#: Smallest block of bytes parsed at a time when streaming.
MIN_BLOCK_BYTES = 1024


@dataclass
class _BlockStats:
    """What the block reader saw: newlines in the file and whether it ends with one."""

    newlines: int = 0
    ends_with_newline: bool = False


def _read_blocks(path: Path, block_bytes: int, stats: _BlockStats) -> Iterator[memoryview]:
    """The file in blocks of about ``block_bytes`` that end at a record boundary.

    A block ends after its last newline that is outside double quotes (an even number of
    ``"`` before it, RFC 4180 quoting), so no record is split across blocks; the rest is
    carried over to the next block. Each block is read with one copy into one reused buffer
    (fresh memory costs page faults): a block must be used up, as the parser does, before the
    next one is asked for.
    """
    carry = b""
    size = max(MIN_BLOCK_BYTES, block_bytes // 4)  # a short first block: validation starts sooner
    buf = bytearray(2 * block_bytes)
    with path.open("rb", buffering=0) as fh:
        while True:
            if len(carry) + size > len(buf):  # a record longer than a block
                buf = bytearray(2 * (len(carry) + size))
            buf[: len(carry)] = carry
            got = fh.readinto(memoryview(buf)[len(carry) : len(carry) + size]) or 0
            size = block_bytes
            end = len(carry) + got
            if got == 0:
                if carry:
                    stats.newlines += carry.count(b"\n")
                    stats.ends_with_newline = carry.endswith(b"\n")
                    yield memoryview(bytes(carry))
                return
            cut = _record_boundary(buf, end)
            if cut == 0:  # no complete record yet: read on
                carry = bytes(buf[:end])
                continue
            stats.newlines += int(np.count_nonzero(np.frombuffer(buf, dtype=np.uint8, count=cut) == 10))
            stats.ends_with_newline = True
            carry = bytes(buf[cut:end])
            yield memoryview(buf)[:cut]


def _record_boundary(buf: bytearray, end: int) -> int:
    """Offset just after the last newline of ``buf[:end]`` outside quotes (0 if none)."""
    cut = buf.rfind(b"\n", 0, end) + 1
    if cut == 0:
        return 0
    arr = np.frombuffer(buf, dtype=np.uint8, count=cut)
    if np.count_nonzero(arr == 34) % 2 == 0:
        return cut
    # the last newline is inside a quoted value: take the last one with an even quote count
    quotes = np.flatnonzero(arr == 34)
    nl = np.flatnonzero(arr == 10)
    even = nl[np.searchsorted(quotes, nl) % 2 == 0]
    return int(even[-1]) + 1 if len(even) else 0


def _open_text_arrow(path: Path, spec: ReadSpec, head: bytes, chunk_rows: int) -> RawSource:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    enc = _sample_encoding(path, head, spec.encoding)
    head_text = head.decode("utf-8-sig" if enc in ("utf-8", "utf-8-sig") else enc, errors="replace")
    head_lines = _split_lines_keep(head_text)[:-1] or _split_lines_keep(head_text)
    if len(head_lines) <= spec.header_row:
        raise ReadError(f"{path.name}: header_row={spec.header_row} is beyond the first lines of the file")
    body = head_lines[spec.header_row :]
    delim = spec.delimiter or sniff_delimiter(body[: spec.header_rows + 30])
    hdr_recs = list(csv.reader(body[: spec.header_rows], delimiter=delim))
    if len(hdr_recs) < spec.header_rows:
        raise ReadError(f"{path.name}: no header found on line {spec.header_row + 1}")
    headers, dups = _build_headers_dups(hdr_recs)
    n_skip = spec.header_row + spec.header_rows + spec.skip_rows
    bad: list[BadRecord] = []

    def on_invalid(row: Any) -> str:
        # Arrow numbers rows within the block it parses: the line of a malformed record is
        # found by its text afterwards (``verify``)
        bad.append(
            BadRecord(
                None,
                str(row.text),
                f"the line has {row.actual_columns} fields, the header has {row.expected_columns}",
            )
        )
        return "skip"

    arrow_enc = "utf8" if enc in ("utf-8", "utf-8-sig") else enc
    parse_opts = pacsv.ParseOptions(delimiter=delim, invalid_row_handler=on_invalid)
    conv_opts = pacsv.ConvertOptions(
        column_types={h: pa.large_string() for h in headers},  # pandas' own string storage
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    # blocks of about chunk_rows lines (line length from the first 64 KiB)
    sample = head_lines[n_skip : n_skip + 200] or head_lines
    line_bytes = max(1, len("".join(sample).encode("utf-8", errors="replace")) // max(len(sample), 1))
    block_bytes = max(MIN_BLOCK_BYTES, chunk_rows * line_bytes)
    first_line = n_skip + 1
    state: dict[str, Any] = {"rows": 0, "bad_seen": 0}
    stats = _BlockStats()

    typed: dict[str, Any] = {}  # RawSource.column_types (the reader fills it in)
    typed_opts: list[Any] = []

    def parse(block: memoryview, first: bool) -> pa.Table:
        read_opts = pacsv.ReadOptions(
            skip_rows=n_skip if first else 0,
            column_names=headers,
            block_size=ARROW_BLOCK_BYTES or len(block) + 1,
            use_threads=False,  # parsed here; the workers validating earlier blocks use the other cores
            encoding=arrow_enc,
        )
        if typed and state.get("typed", True):
            if not typed_opts:
                typed_opts.append(
                    pacsv.ConvertOptions(
                        column_types={**conv_opts.column_types, **typed},
                        null_values=[""],
                        strings_can_be_null=False,
                        quoted_strings_can_be_null=False,
                    )
                )
            n_bad = len(bad)
            try:
                return pacsv.read_csv(
                    pa.py_buffer(block), read_options=read_opts, parse_options=parse_opts, convert_options=typed_opts[0]
                )
            except pa.ArrowInvalid:  # not plain numbers: this block and the rest as strings
                del bad[n_bad:]
                state["typed"] = False
        try:
            return pacsv.read_csv(
                pa.py_buffer(block), read_options=read_opts, parse_options=parse_opts, convert_options=conv_opts
            )
        except pa.ArrowInvalid as exc:
            if "Empty CSV file" in str(exc):
                return pa.table({h: pa.array([], pa.large_string()) for h in headers})
            raise ReadError(f"{path.name}: cannot be parsed as CSV ({exc})") from None

    def generate() -> Iterator[RawChunk]:
        pending: list[pa.Table] = []
        pending_rows = 0
        held: pa.Table | None = None  # the last rows, held back for skip_footer

        def emit(tbl: pa.Table) -> RawChunk:
            start = first_line + state["rows"]
            state["rows"] += tbl.num_rows
            new_bad = bad[state["bad_seen"] :]
            state["bad_seen"] = len(bad)
            # converted to pandas by the worker that validates it
            return RawChunk(None, np.arange(start, start + tbl.num_rows, dtype=np.int64), list(new_bad), table=tbl)

        try:
            for i, block in enumerate(_read_blocks(path, block_bytes, stats)):
                tbl = parse(block, i == 0)
                pending.append(tbl)
                pending_rows += tbl.num_rows
                if pending_rows >= max(1, chunk_rows // 8) + spec.skip_footer:  # each block is a chunk
                    tbl = pa.concat_tables(pending) if len(pending) > 1 else pending[0]
                    pending, pending_rows = [], 0
                    if held is not None:
                        tbl = pa.concat_tables([held, tbl])
                        held = None
                    if spec.skip_footer:
                        held = tbl.slice(tbl.num_rows - spec.skip_footer)
                        tbl = tbl.slice(0, tbl.num_rows - spec.skip_footer)
                    yield emit(tbl)
        except OSError as exc:
            raise ReadError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None
        parts = ([held] if held is not None else []) + pending
        if parts:
            tbl = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
            if spec.skip_footer:
                tbl = tbl.slice(0, max(0, tbl.num_rows - spec.skip_footer))
            yield emit(tbl)
        elif bad[state["bad_seen"] :]:
            yield RawChunk(pd.DataFrame({h: pd.Series(dtype="str") for h in headers}), np.zeros(0, np.int64), bad[state["bad_seen"] :])

    def verify() -> tuple[np.ndarray, dict[str, list[int]]] | None:
        physical = stats.newlines + (0 if stats.ends_with_newline else 1)
        expected = n_skip + state["rows"] + spec.skip_footer + len(bad)
        if physical == expected and not bad:
            return None
        return _exact_lines(path, enc, delim, n_skip, len(headers), spec.skip_footer)

    return RawSource(
        name=path.name,
        path=path,
        format="csv",
        columns=headers,
        chunks=generate(),
        encoding=enc,
        delimiter=delim,
        meta={"streamed": True, "header_line": spec.header_row + 1},
        verify_rows=verify,
        column_types=typed,
        duplicate_headers=dups,
    )


def _exact_lines(
    path: Path, enc: str, delim: str, n_skip: int, width: int, skip_footer: int
) -> tuple[np.ndarray, dict[str, list[int]]]:
    """Start line of every well-formed data record, and of every malformed one by its text
    (slow path, rare: blank lines, multi-line cells, lines with the wrong number of fields)."""
    out: list[int] = []
    bad: dict[str, list[int]] = {}
    buf: list[str] = []
    with path.open("r", encoding="utf-8-sig" if enc in ("utf-8", "utf-8-sig") else enc, errors="replace", newline="") as fh:
        for _ in range(n_skip):
            fh.readline()

        def lines() -> Iterator[str]:
            for line in fh:
                buf.append(line)
                yield line

        reader = csv.reader(lines(), delimiter=delim)
        prev = 0
        for rec in reader:
            start = n_skip + prev + 1
            prev = reader.line_num
            text = "".join(buf).rstrip("\r\n")
            buf.clear()
            if not rec or (len(rec) == 1 and not rec[0]):
                continue
            if len(rec) != width:
                bad.setdefault(text, []).append(start)
                continue
            out.append(start)
    if skip_footer:
        out = out[: max(0, len(out) - skip_footer)]
    return np.asarray(out, dtype=np.int64), bad
