"""Text tables (CSV/TXT/TSV): decoding, the header, and records with exact line numbers.

One reading semantics for every text file, small or streamed:

- **Lines** end at ``\\n``, ``\\r\\n`` or a bare ``\\r`` (as a text editor counts them); the
  header is line ``header_row + 1``.
- **Encoding** ``auto``: a BOM decides (UTF-8, UTF-16); otherwise each line is UTF-8 if it
  decodes as UTF-8 and cp1252 (latin-1 for the five bytes cp1252 leaves undefined) if not. A
  file whose lines disagree is read line by line, each in its own encoding, and the lines in
  the minority encoding are reported (``mixed_encoding``) with their numbers. A named
  encoding decodes the whole file or raises :class:`peir.ReadError`.
- **Records** are split with RFC 4180 quoting (a quoted value may span lines; its record is
  numbered by its first line). A record is *blank* when it has no field, one field of white
  space, or only empty fields: blank records are counted and skipped. A record with more
  fields than the header is cut to the header's width when the extra fields are empty; a
  record with fewer fields, with non-empty extra fields, with a NUL byte, or with a quote
  that is never closed is *malformed*: it is reported with its line and text (the amount is
  still read from its fields where it can be found) and reading goes on with the next record
  (after an unclosed quote: with the line after the one that opened it).
- ``skip_rows`` lines after the header are skipped; ``skip_footer`` drops the last non-blank
  lines of the file; records whose first field starts with ``comment`` are skipped.

:func:`parse_records` implements the records rule in Python; a streamed file parses each
block with Arrow when the block is *simple* (see :mod:`peir.pipeline.sources`) and with
:func:`parse_records` otherwise, so both paths accept and reject the same lines by
construction.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from peir.errors import ReadError

__all__ = [
    "BadRecord",
    "Decoded",
    "Header",
    "Parsed",
    "decode_by_line",
    "decode_text",
    "field_limit",
    "footer_start",
    "parse_header",
    "parse_records",
    "split_lines",
]

#: The largest field Python's csv module is allowed to read here (its default is 128 KiB).
FIELD_LIMIT = 2**31 - 1
#: A quoted value longer than this is taken as a quote that is never closed.
MAX_RECORD_BYTES = 16 * 1024 * 1024


@dataclass
class BadRecord:
    """A record that could not be made into a row: its line, text, reason and (where the text
    could be split) its fields, from which the amount is still read."""

    row: int
    text: str
    reason: str
    fields: list[str] | None = None


@dataclass
class Decoded:
    """A decoded text: its lines (with their endings), the encoding, and the 0-based lines
    decoded in another encoding than the rest."""

    lines: list[str]
    encoding: str
    other_lines: list[int] = field(default_factory=list)
    other_encoding: str | None = None


@dataclass
class Parsed:
    """The data records of some lines: rows of fields with their line numbers, malformed
    records, and the number of blank and comment records skipped."""

    rows: list[list[str]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    bad: list[BadRecord] = field(default_factory=list)
    blank: int = 0
    comments: int = 0


@dataclass
class Header:
    """The header of a text table: column names, the names that occur twice, and where the
    data begins (0-based line index into the lines given)."""

    columns: list[list[str]]
    data_start: int
    line: int


# ------------------------------------------------------------------------------------------
# lines and encodings
# ------------------------------------------------------------------------------------------


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split at ``\\n``, ``\\r\\n`` and a bare ``\\r`` only."""
    return io.StringIO(text, newline="").readlines()


def _decode_line(raw: bytes) -> tuple[str, str]:
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def decode_text(data: bytes, encoding: str = "auto", *, name: str = "") -> Decoded:
    """Decode ``data`` (see the module docstring for ``auto``)."""
    if encoding != "auto":
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ReadError(
                f"{name}: not valid {encoding} text (byte {exc.start}:"
                f" {data[exc.start : exc.start + 1]!r});"
                " try encoding: auto"
            ) from None
        except LookupError:
            raise ReadError(f"{name}: unknown encoding {encoding!r}") from None
        return Decoded(split_lines(text.removeprefix("\ufeff")), encoding)
    if data.startswith(codecs.BOM_UTF8):
        try:
            return Decoded(split_lines(data[3:].decode("utf-8")), "utf-8-sig")
        except UnicodeDecodeError:
            data = data[3:]  # a BOM on a file that is not all UTF-8: line by line below
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return Decoded(split_lines(data.decode("utf-16").removeprefix("\ufeff")), "utf-16")
        except UnicodeDecodeError as exc:
            raise ReadError(
                f"{name}: a UTF-16 byte-order mark, but not valid UTF-16 text ({exc.reason})"
            ) from None
    try:
        return Decoded(split_lines(data.decode("utf-8")), "utf-8")
    except UnicodeDecodeError:
        pass
    return decode_by_line(data)


def decode_by_line(data: bytes, *, main: str | None = None) -> Decoded:
    """Each line in its own encoding (UTF-8, else cp1252, else latin-1); the file's encoding
    is ``main`` when given (a block of a streamed file), else that of the majority of the
    non-ASCII lines."""
    parts = data.split(b"\n")
    texts: list[str] = []
    kinds: list[str] = []
    for i, raw in enumerate(parts):
        raw_line = raw + b"\n" if i < len(parts) - 1 else raw
        if raw_line.isascii():
            texts.append(raw_line.decode("ascii"))
            kinds.append("ascii")
            continue
        text, kind = _decode_line(raw_line)
        texts.append(text)
        kinds.append(kind)
    counts = {k: kinds.count(k) for k in ("utf-8", "cp1252", "latin-1")}
    single = "latin-1" if counts["latin-1"] else "cp1252"
    if main is None:
        main = "utf-8" if counts["utf-8"] > counts["cp1252"] + counts["latin-1"] else single
    # physical lines as the parser sees them: a bare \r inside a \n-line splits it
    lines: list[str] = []
    other: list[int] = []
    for text, kind in zip(texts, kinds, strict=True):
        pieces = split_lines(text) if "\r" in text.rstrip("\r\n") else [text]
        if kind not in ("ascii", main) and not (kind != "utf-8" and main != "utf-8"):
            other.extend(range(len(lines), len(lines) + len(pieces)))
        lines.extend(p for p in pieces if p)
    other_encoding = None
    if other:
        other_encoding = "utf-8" if main != "utf-8" else single
    return Decoded(lines, main, other, other_encoding)


# ------------------------------------------------------------------------------------------
# records
# ------------------------------------------------------------------------------------------


@contextmanager
def field_limit() -> Iterator[None]:
    """Python's csv refuses fields over 128 KiB (``_csv.Error``); a table may hold longer text."""
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, FIELD_LIMIT))
    try:
        yield
    finally:
        csv.field_size_limit(old)


class _Records:
    """csv records of ``lines`` from ``start``, each with its first line index and raw text."""

    def __init__(self, lines: list[str], start: int, delim: str) -> None:
        self.lines = lines
        self.pos = start
        self.delim = delim

    def __iter__(self) -> Iterator[tuple[int, str, list[str]]]:
        buf: list[str] = []
        begin = [self.pos]

        def feed() -> Iterator[str]:
            while self.pos < len(self.lines):
                line = self.lines[self.pos]
                self.pos += 1
                buf.append(line)
                yield line

        reader = csv.reader(feed(), delimiter=self.delim)
        while True:
            begin[0] = self.pos
            try:
                rec = next(reader)
            except StopIteration:
                return
            text = "".join(buf)
            buf.clear()
            yield begin[0], text, rec


def _unclosed(text: str, delim: str) -> bool:
    """True when ``text`` (one record, up to the end of the data) ends inside a quoted value."""
    if '"' not in text:
        return False
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def is_blank_record(rec: list[str]) -> bool:
    """No field, one field of white space, or only empty fields."""
    return not rec or (len(rec) == 1 and not rec[0].strip()) or all(f == "" for f in rec)


def parse_records(
    lines: list[str],
    *,
    start: int,
    stop: int | None,
    first_line: int,
    delim: str,
    width: int,
    comment: str | None = None,
    at_end: bool = True,
) -> Parsed:
    """Data records of ``lines[start:stop]``; ``first_line`` is the line number of
    ``lines[start]``. ``at_end``: the lines end the data (a quote still open at the end is
    unclosed, not continued in a later block)."""
    out = Parsed()
    sub = lines[start:stop] if (start or stop is not None) else lines
    pos = 0
    with field_limit():
        while pos < len(sub):
            records = _Records(sub, pos, delim)
            restart: int | None = None
            for begin, text, rec in records:
                number = first_line + begin
                spans = records.pos - begin
                if (
                    spans > 1
                    and records.pos >= len(sub)
                    and (at_end or len(text) > MAX_RECORD_BYTES)
                    and _unclosed(text, delim)
                ):
                    first = sub[begin].rstrip("\r\n")
                    out.bad.append(
                        BadRecord(
                            number,
                            first,
                            "a quote opened on this line is never closed",
                            _split_one(first, delim),
                        )
                    )
                    restart = begin + 1
                    break
                if is_blank_record(rec):
                    out.blank += 1
                    continue
                if comment and rec[0].lstrip().startswith(comment):
                    out.comments += 1
                    continue
                raw = text.rstrip("\r\n")
                if "\x00" in text:
                    out.bad.append(
                        BadRecord(
                            number,
                            raw.replace("\x00", "\\x00"),
                            "the line holds a NUL byte (binary data?)",
                            [f.replace("\x00", "") for f in rec],
                        )
                    )
                    continue
                if len(rec) > width and any(f.strip() for f in rec[width:]):
                    out.bad.append(
                        BadRecord(
                            number,
                            raw,
                            f"the line has {len(rec)} fields, the header has {width}",
                            rec,
                        )
                    )
                    continue
                if len(rec) < width:
                    out.bad.append(
                        BadRecord(
                            number,
                            raw,
                            f"the line has {len(rec)} fields, the header has {width}",
                            rec,
                        )
                    )
                    continue
                out.rows.append(rec[:width] if len(rec) > width else rec)
                out.numbers.append(number)
            if restart is None:
                break
            pos = restart
    return out


def _split_one(line: str, delim: str) -> list[str] | None:
    try:
        with field_limit():
            return next(csv.reader([line], delimiter=delim), None)
    except csv.Error:
        return None


# ------------------------------------------------------------------------------------------
# header
# ------------------------------------------------------------------------------------------


def parse_header(
    lines: list[str],
    *,
    header_row: int,
    header_rows: int,
    skip_rows: int,
    delim: str,
    name: str,
    names: list[str] | None = None,
) -> Header:
    """The header records (blank lines before them skipped) and the index of the first data
    line; :class:`peir.ReadError` when there is none. ``names``: a file without a header
    line, whose data begins at ``header_row``."""
    if names is not None:
        start = min(len(lines), header_row + skip_rows)
        return Header([list(names)], start, header_row + 1)
    if len(lines) <= header_row:
        raise ReadError(
            f"{name}: header_row={header_row} but the file has only {len(lines)} line(s)"
        )
    pos = header_row
    while pos < len(lines) and not lines[pos].strip():
        pos += 1
    records = _Records(lines, pos, delim)
    columns: list[list[str]] = []
    first = pos
    with field_limit():
        try:
            for _begin, _text, rec in records:
                columns.append(rec)
                if len(columns) == header_rows:
                    break
        except csv.Error as exc:  # pragma: no cover - csv accepts any text with these settings
            raise ReadError(
                f"{name}: line {first + 1}: the header cannot be parsed ({exc})"
            ) from None
    if not columns or all(not any(h.strip() for h in r) for r in columns):
        raise ReadError(
            f"{name}: no header found on line {header_row + 1} (header_row={header_row})"
        )
    return Header(columns, min(len(lines), records.pos + skip_rows), first + 1)


def footer_start(lines: list[str], n: int) -> int:
    """Index of the first of the last ``n`` non-blank lines (trailing blank lines included in
    what is dropped); ``len(lines)`` when ``n`` is 0."""
    end = len(lines)
    if n <= 0:
        return end
    k = 0
    i = end
    while i > 0 and k < n:
        i -= 1
        if lines[i].strip():
            k += 1
    return i
