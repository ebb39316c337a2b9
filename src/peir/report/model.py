"""The document model of the brief: sections of paragraphs, tables and figures, and the log
of every number printed.

The brief is first built as data (:class:`Brief`), then rendered to HTML, Markdown and Excel by
:mod:`peir.report.render` and :mod:`peir.report.tables`, so the three forms show the same
numbers. :class:`NumberLog` formats numbers for the language and records each one with where it
came from, which is what ``numbers.csv`` holds and what the golden test checks.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from matplotlib.figure import Figure

from peir.report.charts import figure_png, figure_svg
from peir.report.i18n import fmt_number, fmt_value

__all__ = [
    "NUMBER_COLUMNS",
    "Brief",
    "Column",
    "FigureBlock",
    "NumberLog",
    "Paragraph",
    "Section",
    "TableBlock",
]

#: Columns of ``numbers.csv``.
NUMBER_COLUMNS: tuple[str, ...] = (
    "section",
    "origin",
    "dataset",
    "indicator",
    "country",
    "year",
    "link",
    "key",
    "value",
    "unit",
    "text",
)

ColumnKind = Literal["text", "year", "int", "num0", "num1", "num2", "pct", "money", "millions"]


@dataclass
class Column:
    """A table column: its key in the frame, its printed label and how numbers are shown.

    ``kind``: ``text``; ``int``; ``num0``/``num1``/``num2`` (decimals); ``pct`` (one decimal
    and %); ``money`` (no decimals); ``millions`` (value ÷ 10⁶, one decimal).
    """

    key: str
    label: str
    kind: ColumnKind = "text"

    def format(self, value: Any, lang: str) -> str:
        """The cell as printed in HTML and Markdown."""
        if self.kind == "text":
            if value is None or (isinstance(value, float) and math.isnan(value)):
                return ""
            return str(value)
        if self.kind == "year":
            try:
                return str(int(value))
            except (TypeError, ValueError):
                return "" if value is None else str(value)
        if value is None or isinstance(value, str):
            return "" if value is None else value
        try:
            v = float(value)
        except (TypeError, ValueError):
            return str(value)
        if math.isnan(v):
            return "–"
        if self.kind == "int":
            return fmt_number(v, lang, 0)
        if self.kind == "num0" or self.kind == "money":
            return fmt_number(v, lang, 0)
        if self.kind == "num1":
            return fmt_number(v, lang, 1)
        if self.kind == "num2":
            return fmt_number(v, lang, 2)
        if self.kind == "pct":
            return fmt_value(v, "%", lang)
        if self.kind == "millions":
            return fmt_number(v / 1e6, lang, 1)
        return str(value)

    @property
    def excel_format(self) -> str:
        """The openpyxl number format of the column."""
        return {
            "text": "@",
            "year": "0",
            "int": "#,##0",
            "num0": "#,##0",
            "money": "#,##0",
            "num1": "#,##0.0",
            "num2": "#,##0.00",
            "pct": '0.0"%"',
            "millions": "#,##0.0,,",
        }[self.kind]


@dataclass
class Paragraph:
    """A paragraph (or, with ``kind="bullets"``, a list; ``kind="note"``: a shaded remark)."""

    text: str | list[str]
    kind: Literal["p", "bullets", "note", "h3"] = "p"


@dataclass
class TableBlock:
    """A table: the frame (raw values), its columns, title and number in the brief."""

    key: str
    title: str
    frame: pd.DataFrame
    columns: list[Column]
    number: int = 0
    note: str = ""
    max_rows: int | None = None


@dataclass
class FigureBlock:
    """A figure written to ``figures/<key>.png`` and ``.svg``; embedded in HTML as PNG.

    The PNG and SVG are rendered from ``fig`` on first use and cached.
    """

    key: str
    title: str
    fig: Figure
    number: int = 0
    alt: str = ""
    _png: bytes | None = field(default=None, repr=False)
    _svg: str | None = field(default=None, repr=False)

    @property
    def png(self) -> bytes:
        if self._png is None:
            self._png = figure_png(self.fig)
        return self._png

    @property
    def svg(self) -> str:
        if self._svg is None:
            self._svg = figure_svg(self.fig)
        return self._svg


Block = Paragraph | TableBlock | FigureBlock


@dataclass
class Section:
    """A numbered section with a heading and blocks."""

    id: str
    heading: str
    blocks: list[Block] = field(default_factory=list)

    def p(self, text: str) -> None:
        self.blocks.append(Paragraph(text))

    def bullets(self, items: list[str]) -> None:
        if items:
            self.blocks.append(Paragraph(items, "bullets"))

    def note(self, text: str) -> None:
        self.blocks.append(Paragraph(text, "note"))

    def h3(self, text: str) -> None:
        self.blocks.append(Paragraph(text, "h3"))


@dataclass
class Brief:
    """The whole brief, ready to render."""

    title: str
    subtitle: str
    lang: str
    meta_line: str
    intro: str
    sections: list[Section]
    numbers: pd.DataFrame
    banner: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    packs: dict[str, Brief] = field(default_factory=dict)

    @property
    def tables(self) -> list[TableBlock]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, TableBlock)]

    @property
    def figures(self) -> list[FigureBlock]:
        out: dict[str, FigureBlock] = {}
        for s in self.sections:
            for b in s.blocks:
                if isinstance(b, FigureBlock) and b.key not in out:
                    out[b.key] = b
        return list(out.values())


class NumberLog:
    """Formats numbers for one language and records each with its origin.

    Parameters
    ----------
    lang
        ``"en"`` or ``"es"``.
    """

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.rows: list[dict[str, Any]] = []
        self.section = ""

    def fmt(
        self,
        value: float,
        unit: str = "",
        *,
        origin: str = "compute",
        dataset: str = "main",
        indicator: str = "",
        country: str = "",
        year: int | None = None,
        link: str = "",
        key: dict[str, Any] | None = None,
        decimals: int | None = None,
        scale: float = 1.0,
    ) -> str:
        """Format ``value`` (divided by ``scale`` for printing) and record it.

        ``origin`` names what computed the value: ``compute`` (``peir.indicators.compute``),
        ``aggregate`` (``HarmonizedDataset.aggregate``), ``funnel``, ``pefa``, ``chain_model``,
        ``dea``. The value recorded is the unscaled one, so it can be compared directly.
        """
        shown = float(value) / scale
        text = fmt_value(shown, unit, self.lang, decimals)
        self.record(
            value,
            unit,
            text,
            origin=origin,
            dataset=dataset,
            indicator=indicator,
            country=country,
            year=year,
            link=link,
            key=key,
        )
        return text

    def record(
        self,
        value: Any,
        unit: str,
        text: str,
        *,
        origin: str,
        dataset: str = "main",
        indicator: str = "",
        country: str = "",
        year: int | None = None,
        link: str = "",
        key: dict[str, Any] | None = None,
    ) -> None:
        """Record a number printed as ``text`` without formatting it here."""
        try:
            v = float(value)
        except (TypeError, ValueError):
            return
        self.rows.append(
            {
                "section": self.section,
                "origin": origin,
                "dataset": dataset,
                "indicator": indicator,
                "country": country,
                "year": int(year) if year is not None and not _isnan(year) else None,
                "link": link or "",
                "key": json.dumps(key or {}, sort_keys=True, default=str),
                "value": v,
                "unit": unit,
                "text": text,
            }
        )

    def record_table(
        self,
        table: TableBlock,
        *,
        origin: str,
        value_columns: dict[str, dict[str, Any]],
        row_keys: list[str],
        dataset: str = "main",
    ) -> None:
        """Record every numeric cell of ``table`` in ``value_columns``.

        ``value_columns`` maps a column key to the fields recorded with it (``indicator``,
        ``unit``, ``key``...). ``row_keys`` name the frame columns copied into the record's
        ``key`` (``country``, ``year`` and ``link`` are also copied into their own fields).
        """
        cols = {c.key: c for c in table.columns}
        frame = table.frame if table.max_rows is None else table.frame.head(table.max_rows)
        for _, row in frame.iterrows():
            base: dict[str, Any] = {k: row[k] for k in row_keys if k in row}
            for ck, extra in value_columns.items():
                if ck not in row or ck not in cols:
                    continue
                v = row[ck]
                if v is None or _isnan(v):
                    continue
                fields = dict(extra)
                key = {**base, **fields.pop("key", {})}
                self.record(
                    v,
                    fields.pop("unit", ""),
                    cols[ck].format(v, self.lang),
                    origin=origin,
                    dataset=fields.pop("dataset", dataset),
                    indicator=str(row[fields.pop("indicator_column")])
                    if "indicator_column" in fields
                    else fields.pop("indicator", ""),
                    country=str(base.get("country", "")),
                    year=base.get("year"),
                    link=str(base.get("link", "")) if "link" in base else "",
                    key=key,
                )

    def frame(self) -> pd.DataFrame:
        """All recorded numbers as a DataFrame with :data:`NUMBER_COLUMNS`."""
        if not self.rows:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in NUMBER_COLUMNS})
        return pd.DataFrame(self.rows, columns=list(NUMBER_COLUMNS))

    def write_csv(self, path: Path) -> Path:
        self.frame().to_csv(path, index=False, encoding="utf-8")
        return path


def _isnan(v: Any) -> bool:
    try:
        return math.isnan(float(v))
    except (TypeError, ValueError):
        return False
