"""Excel workbook of the brief: every table on its own sheet, formatted headers, number formats.

The first sheet lists the tables (contents); the last holds every number printed in the brief
(the record the golden test reads), its sheet name and headers in the brief's language. Every
text cell is stored as text (:func:`peir.report.safe.xlsx_text`): text from the data that starts
with ``=`` stays text, never a formula.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from peir.report.i18n import t
from peir.report.model import NUMBER_COLUMNS, Brief, Column, TableBlock
from peir.report.safe import xlsx_text
from peir.report.writer import write_file_atomic

__all__ = ["workbook_bytes", "write_workbook"]

#: Header key of each column of the numbers sheet.
_NUMBER_HEADERS: dict[str, str] = {
    "section": "col.section",
    "origin": "col.origin",
    "dataset": "col.dataset",
    "indicator": "col.indicator_id",
    "country": "col.country",
    "year": "col.year",
    "link": "col.link",
    "key": "col.key",
    "value": "col.value",
    "unit": "col.unit",
    "text": "col.text",
}

_HEADER_FILL = PatternFill("solid", fgColor="DCE6F0")
_HEADER_FONT = Font(bold=True, color="1F2328")
_TITLE_FONT = Font(bold=True, size=12)
_THIN = Side(style="thin", color="9AA7B4")


def _sheet_name(text: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]\*\?/\\:]", " ", text).strip()[:31] or "table"
    name, i = base, 2
    while name.lower() in used:
        suffix = f" ({i})"
        name = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(name.lower())
    return name


def _cell_value(v: Any, col: Column) -> Any:
    if v is None:
        return None
    if isinstance(v, float) and pd.isna(v):
        return None
    if col.kind == "text":
        return str(v)
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if f != f or f in (float("inf"), float("-inf")):
        return None
    return int(f) if col.kind in ("int", "year") else f


def _put(ws: Any, row: int, column: int, value: Any) -> Any:
    """Set one cell; a string is stored as text whatever its first character."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        xlsx_text(cell, value)
    else:
        cell.value = value
    return cell


def _write_table(
    ws: Any, title: str, frame: pd.DataFrame, columns: list[Column], note: str = ""
) -> None:
    _put(ws, 1, 1, title).font = _TITLE_FONT
    hdr = 3
    for j, c in enumerate(columns, start=1):
        cell = _put(ws, hdr, j, c.label)
        cell.fill = _HEADER_FILL
        cell.font = _HEADER_FONT
        cell.border = Border(bottom=_THIN)
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    for i, (_, r) in enumerate(frame.iterrows(), start=hdr + 1):
        for j, c in enumerate(columns, start=1):
            cell = _put(ws, i, j, _cell_value(r.get(c.key), c))
            if c.kind != "text":
                cell.number_format = c.excel_format
    for j, c in enumerate(columns, start=1):
        values = (
            [len(c.label)] + [len(c.format(v, "en")) for v in frame[c.key].head(200)]
            if c.key in frame
            else [len(c.label)]
        )
        ws.column_dimensions[get_column_letter(j)].width = min(60, max(9, max(values) + 2))
    ws.freeze_panes = ws.cell(row=hdr + 1, column=1)
    if note:
        _put(ws, hdr + len(frame) + 2, 1, note).font = Font(italic=True, color="57606A")


def write_workbook(brief: Brief, path: str | Path) -> Path:
    """Write every table of ``brief`` to an Excel workbook, one sheet each (atomically).

    Parameters
    ----------
    brief
        The built brief.
    path
        Destination ``.xlsx``.

    Returns
    -------
    Path
        The file written.
    """
    return write_file_atomic(path, workbook_bytes(brief))


def workbook_bytes(brief: Brief) -> bytes:
    """The workbook of ``brief`` (see :func:`write_workbook`) as ``.xlsx`` bytes."""
    lang = brief.lang
    wb = Workbook()
    toc = wb.active
    used: set[str] = set()
    toc.title = _sheet_name(t("doc.contents", lang), used)
    _put(toc, 1, 1, brief.title).font = _TITLE_FONT
    _put(toc, 2, 1, brief.subtitle)
    _put(toc, 3, 1, brief.meta_line)
    hdr = 5
    for j, label in enumerate(
        (t("doc.table", lang, n="").strip(), t("col.section", lang), t("col.item", lang)), start=1
    ):
        c = _put(toc, hdr, j, label)
        c.fill, c.font = _HEADER_FILL, _HEADER_FONT
    row = hdr + 1
    section_of = {id(b): s.heading for s in brief.sections for b in s.blocks}
    tables: list[TableBlock] = brief.tables
    for tb in tables:
        name = _sheet_name(f"{tb.number} {tb.title}", used)
        ws = wb.create_sheet(name)
        _write_table(
            ws, f"{t('doc.table', lang, n=tb.number)}. {tb.title}", tb.frame, tb.columns, tb.note
        )
        _put(toc, row, 1, tb.number)
        link = _put(toc, row, 3, tb.title)
        link.hyperlink = f"#'{name}'!A1"
        link.font = Font(color="0072B2", underline="single")
        _put(toc, row, 2, section_of.get(id(tb), ""))
        row += 1
    toc.column_dimensions["A"].width = 10
    toc.column_dimensions["B"].width = 45
    toc.column_dimensions["C"].width = 60
    # the record of every number printed
    ws = wb.create_sheet(_sheet_name(t("tab.numbers", lang), used))
    cols = [
        Column(c, t(_NUMBER_HEADERS[c], lang), "year" if c == "year" else "text")
        for c in NUMBER_COLUMNS
    ]
    frame = brief.numbers.copy()
    _write_table(ws, t("sub.numbers", lang), frame, cols)
    for i in range(len(frame)):  # full precision for the record
        v = frame["value"].iloc[i]
        ws.cell(
            row=4 + i,
            column=NUMBER_COLUMNS.index("value") + 1,
            value=None if pd.isna(v) else float(v),
        ).number_format = "General"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
