"""Text that comes from data stays text: no formulas in workbooks or CSV, no HTML in Markdown.

- :func:`csv_text` neutralises a CSV cell that a spreadsheet would run as a formula: a cell
  starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading single
  quote, as OWASP recommends for CSV injection (plain numbers such as ``-12.5`` are left as
  they are: they cannot be a formula). :func:`csv_safe` applies it to the text columns of a frame.
- :func:`xlsx_text` stores a workbook string cell as a string whatever it starts with (openpyxl
  would otherwise write ``=1+1`` as a live formula).
- :func:`md_text` writes ``&``, ``<`` and ``>`` as HTML entities and backslash-escapes what
  Markdown would interpret (``[``, ``]``, ``*``, ``_``, backtick, ``|``, backslash, a leading
  ``#``), so data text renders as the text it is and no HTML from data reaches a viewer.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

__all__ = ["FORMULA_PREFIXES", "csv_safe", "csv_text", "md_text", "xlsx_text"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d+)*|\d*[.,]\d+)([eE][+-]?\d+)?%?")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|])")


def csv_text(value: str) -> str:
    """``value`` with a leading ``'`` when a spreadsheet would run it as a formula."""
    if value.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells are neutralised by :func:`csv_text`."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if (
            pd.api.types.is_object_dtype(s)
            or pd.api.types.is_string_dtype(s)
            or isinstance(s.dtype, pd.CategoricalDtype)
        ):
            out[col] = [csv_text(v) if isinstance(v, str) else v for v in s.astype(object)]
    if isinstance(out.columns, pd.Index):
        out.columns = [csv_text(c) if isinstance(c, str) else c for c in out.columns]
    return out


def xlsx_text(cell: Any, value: str) -> None:
    """Set an openpyxl ``cell`` to the string ``value``, stored as text even if it starts with ``=``
    (control characters, which a workbook cannot hold, are dropped)."""
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.data_type = "s"


def md_text(text: str) -> str:
    """``text`` from data, escaped for Markdown (and the HTML a Markdown viewer would render)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text).replace("\r", " ").replace("\n", " ")
    return "\\" + text if text.startswith("#") else text
