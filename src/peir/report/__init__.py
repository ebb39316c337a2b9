"""peir.report — the PEIR-style background brief, its charts and its tables.

- :func:`build_brief` writes ``brief.html`` (self-contained), ``brief.md``, ``brief.xlsx``,
  ``numbers.csv``, ``figures/*.png|svg``, one pack per working group (``groups/<link>.html`` and
  ``.xlsx``) and ``manifest.json``, atomically; :func:`make_brief` builds it in memory.
- :mod:`peir.report.charts`: the charts, one accessible style, ``ax=None`` → Figure.
- :func:`t` and :data:`TEXT`: the one translation table (English / Spanish).
"""

from __future__ import annotations

from peir.report import charts
from peir.report.brief import FORMATS, build_brief, make_brief
from peir.report.i18n import LANGS, TEXT, fmt_number, t
from peir.report.model import Brief, NumberLog
from peir.report.writer import OutputError, read_manifest

translate = t

__all__ = [
    "FORMATS",
    "LANGS",
    "TEXT",
    "Brief",
    "NumberLog",
    "OutputError",
    "build_brief",
    "charts",
    "fmt_number",
    "make_brief",
    "read_manifest",
    "t",
    "translate",
]
