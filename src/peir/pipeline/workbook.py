"""Excel workbooks (.xlsx) as grids of typed cells, with what a grid of values does not show.

A cell that Excel stores as a number comes out as a Python number (the reader's number locale
then applies to text cells only); a text cell as a string; dates as datetimes. Besides the
values, a sheet records which rows are hidden and which formula cells have no saved value
(a workbook written by a program that does not calculate), so that the reader can report
them instead of reading them as empty. Hidden sheets are skipped when no sheet is named.

Before any cell is parsed, the archive's directory is checked against :class:`peir.readspec.
Limits` (uncompressed size, compression ratio), so that a small file built to expand raises a
:class:`peir.ReadError` at once; rows and columns beyond the limits stop the parse as soon as
they are met. Rows are kept sparse (each row as long as its last cell), so a stray cell in
column XFD does not make every row 16,384 cells wide.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from peir.chain import normalize_label
from peir.errors import ReadError
from peir.readspec import Limits

__all__ = ["Sheet", "check_archive", "pick_sheet", "read_xlsx"]

#: What openpyxl raises on damaged XML (ElementTree's ParseError is a SyntaxError).
_BROKEN = (
    SyntaxError,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
    OverflowError,
    EOFError,
    zipfile.BadZipFile,
    zlib.error,
    OSError,
)

#: Parts smaller than this are not checked for their compression ratio (small XML parts
#: of real workbooks compress very well).
RATIO_MIN_BYTES = 8_000_000


@dataclass
class Sheet:
    """One worksheet: rows of typed cell values with their spreadsheet row numbers."""

    name: str
    rows: list[list[Any]]
    numbers: list[int]
    hidden_rows: set[int] = field(default_factory=set)
    #: (spreadsheet row, 1-based column) -> formula text, for formula cells with no saved value
    uncached: dict[tuple[int, int], str] = field(default_factory=dict)
    #: hidden sheets passed over to reach this one (no sheet was named)
    skipped: list[str] = field(default_factory=list)
    hidden: bool = False


def check_archive(path: Path, limits: Limits) -> None:
    """Refuse an archive that expands beyond ``limits`` (read from its directory only)."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ReadError(f"{path.name}: not a readable Excel workbook ({exc})") from None
    total = sum(i.file_size for i in infos)
    if total > limits.max_uncompressed_mb * 1e6:
        raise ReadError(
            f"{path.name}: the workbook expands to {total / 1e6:,.0f} MB of XML, above the limit of"
            f" {limits.max_uncompressed_mb:,.0f} MB; if the file is genuine, raise it in the read"
            " spec"
            f" (limits: {{max_uncompressed_mb: {max(total / 1e6 * 1.1, 1):.0f}}})"
        )
    for i in infos:
        if i.file_size >= RATIO_MIN_BYTES and i.file_size > limits.max_compression_ratio * max(
            i.compress_size, 1
        ):
            ratio = i.file_size / max(i.compress_size, 1)
            raise ReadError(
                f"{path.name}: the part {i.filename} expands {ratio:,.0f} times"
                f" ({i.compress_size:,} bytes to"
                f" {i.file_size:,}), above the limit of {limits.max_compression_ratio:,.0f}: a"
                " file built to"
                " expand, or a sheet of empty formatted cells; if it is genuine, raise limits:"
                " {max_compression_ratio: ...} in the read spec"
            )


def pick_sheet(names: list[str], visible: list[str], sheet: str | int | None, fname: str) -> str:
    """The sheet to read: by name (exact, then case/accent-insensitive) or 0-based index; the
    first visible sheet when none is named."""
    if not names:
        raise ReadError(f"{fname}: the workbook has no sheets")
    if sheet is None:
        if not visible:
            raise ReadError(
                f"{fname}: every sheet is hidden ({', '.join(map(repr, names))}); name one with"
                " sheet:"
            )
        return visible[0]
    if isinstance(sheet, int):
        if 0 <= sheet < len(names):
            return names[sheet]
        raise ReadError(
            f"{fname}: there is no sheet number {sheet} (0-based); the workbook has {len(names)}:"
            f" {', '.join(map(repr, names))}"
        )
    if sheet in names:
        return sheet
    for n in names:
        if normalize_label(n) == normalize_label(sheet):
            return n
    raise ReadError(
        f"{fname}: no sheet named {sheet!r}; sheets present: {', '.join(map(repr, names))}"
    )


def read_xlsx(path: Path, sheet: str | int | None, limits: Limits) -> Sheet:
    """Read one worksheet of an .xlsx file (see the module docstring)."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    check_archive(path, limits)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, *_BROKEN) as exc:
        raise ReadError(f"{path.name}: not a readable Excel workbook ({exc})") from None
    try:
        names = list(wb.sheetnames)
        states = {ws.title: getattr(ws, "sheet_state", "visible") for ws in wb.worksheets}
        visible = [n for n in names if states.get(n, "visible") == "visible"]
        name = pick_sheet(names, visible, sheet, path.name)
        skipped = (
            [n for n in names[: names.index(name)] if n not in visible] if sheet is None else []
        )
        out = Sheet(name=name, rows=[], numbers=[], skipped=skipped, hidden=name not in visible)
        ws = wb[name]
        try:
            for number, cells in _parse_rows(wb, ws, out, limits, path.name):
                out.rows.append(cells)
                out.numbers.append(number)
        except _BROKEN as exc:  # what openpyxl raises on a damaged or hostile sheet
            raise ReadError(
                f"{path.name}[{name}]: the sheet cannot be read ({type(exc).__name__}: {exc})"
            ) from None
    finally:
        wb.close()
    return out


def _parse_rows(
    wb: Any, ws: Any, out: Sheet, limits: Limits, fname: str
) -> Iterator[tuple[int, list[Any]]]:
    """(spreadsheet row number, cell values) for every row present in the sheet's XML.

    Uses openpyxl's own sheet parser (the one its read-only mode runs) so that hidden rows and
    formula cells without a saved value can be seen; without those internals (another
    openpyxl), the public read-only rows are used and neither is reported.
    """
    parser_cls = _sheet_parser_class()
    if parser_cls is None or not hasattr(ws, "_get_source"):  # pragma: no cover - other openpyxl
        for r_idx, row in enumerate(ws.iter_rows(values_only=True), start=1):
            _check_size(r_idx, len(row), limits, fname, out.name)
            yield r_idx, list(row)
        return
    with ws._get_source() as src:
        parser = parser_cls(
            src,
            ws._shared_strings,
            data_only=True,
            epoch=wb.epoch,
            date_formats=wb._date_formats,
            timedelta_formats=wb._timedelta_formats,
        )
        parser.peir_uncached = out.uncached
        parser.peir_hidden = out.hidden_rows
        for number, cells in parser.parse():
            width = max((c["column"] for c in cells), default=0)
            _check_size(number, width, limits, fname, out.name)
            values: list[Any] = [None] * width
            for c in cells:
                values[c["column"] - 1] = c["value"]
            yield number, values


def _check_size(row: int, width: int, limits: Limits, fname: str, sheet: str) -> None:
    if row > limits.max_rows:
        raise ReadError(
            f"{fname}[{sheet}]: row {row:,} is beyond the limit of {limits.max_rows:,} rows"
            " (raise limits: {max_rows: ...} in the read spec if the sheet is genuine)"
        )
    if width > limits.max_columns:
        raise ReadError(
            f"{fname}[{sheet}]: row {row:,} has a cell in column {width:,}, beyond the limit of"
            f" {limits.max_columns:,} columns (raise limits: {{max_columns: ...}} if the sheet is"
            " genuine)"
        )


_PARSER: list[Any] = []


def _sheet_parser_class() -> Any:
    """openpyxl's sheet parser, extended to record hidden rows and uncached formulas."""
    if _PARSER:
        return _PARSER[0]
    try:
        from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser
    except ImportError:  # pragma: no cover - other openpyxl
        _PARSER.append(None)
        return None

    class _Parser(WorkSheetParser):  # type: ignore[misc]
        peir_uncached: dict[tuple[int, int], str]
        peir_hidden: set[int]

        def parse_row(self, row: Any) -> Any:
            number, cells = super().parse_row(row)
            if str(row.get("hidden", "")).lower() in ("1", "true"):
                self.peir_hidden.add(int(number))
            return number, cells

        def parse_cell(self, element: Any) -> Any:
            cell = super().parse_cell(element)
            if cell["value"] is None:
                formula = element.find(FORMULA_TAG)
                if formula is not None:
                    text = "=" + formula.text if formula.text else "(a shared formula)"
                    self.peir_uncached[(int(cell["row"]), int(cell["column"]))] = text
            return cell

    _PARSER.append(_Parser)
    return _Parser
