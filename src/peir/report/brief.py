"""``build_brief``: the PEIR-style background brief in HTML, Markdown and Excel.

The brief follows the structure of a public expenditure and institutional review: key
messages; spending level and trend; composition; budget credibility; performance along the
chain; efficiency and allocation; results-matrix templates for the five working groups; and a
data annex. Every number is computed by :func:`peir.indicators.compute` (or by the named
models: the funnel, PEFA, the chain model, DEA) and is listed in ``numbers.csv``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from peir._version import __version__
from peir.costs.spec import CostOfCrimeSpec
from peir.dataset import HarmonizedDataset
from peir.errors import InputError
from peir.indicators import catalog, compute
from peir.outlook.spec import OutlookSpec
from peir.report import render
from peir.report.context import BriefContext
from peir.report.i18n import LANGS, t
from peir.report.model import Brief, NumberLog
from peir.report.safe import csv_safe
from peir.report.sections import build_sections
from peir.report.tables import workbook_bytes
from peir.report.writer import OutputFolder
from peir.schema import C

__all__ = ["FORMATS", "build_brief", "make_brief"]

#: Output formats of :func:`build_brief`.
FORMATS: tuple[str, ...] = ("html", "md", "xlsx")

ProgressArg = bool | Callable[[str, int, int], None] | None


def _main_country(h: HarmonizedDataset) -> str:
    """The country with the most budget lines (else caseload rows)."""
    for frame in (h.spending, h.caseload):
        if not frame.empty and C.COUNTRY in frame:
            return str(frame[C.COUNTRY].value_counts().index[0])
    return ""


class _Progress:
    """Progress display: a tqdm bar, a user callback, or nothing."""

    def __init__(self, progress: ProgressArg, total: int, lang: str) -> None:
        self.i = 0
        self.total = total
        self.lang = lang
        self.cb: Callable[[str, int, int], None] | None = None
        self.bar: Any = None
        if callable(progress):
            self.cb = progress
        elif progress:
            self.bar = tqdm(total=total, desc="peir brief", unit="step", leave=False)

    def step(self, label: str) -> None:
        self.i += 1
        if self.cb is not None:
            self.cb(label, self.i, self.total)
        if self.bar is not None:
            self.bar.set_description_str(label)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def make_brief(
    h: HarmonizedDataset,
    *,
    lang: str = "en",
    peers: HarmonizedDataset | None = None,
    country: str | None = None,
    title: str | None = None,
    source: str | None = None,
    progress: ProgressArg | _Progress = None,
    outlook: OutlookSpec | None = None,
    cost_of_crime: CostOfCrimeSpec | None = None,
    config_dir: str | Path | None = None,
) -> Brief:
    """Build the brief as data (sections, tables, figures, numbers) without writing files.

    Parameters are those of :func:`build_brief`. Returns a :class:`~peir.report.model.Brief`.
    """
    if lang not in LANGS:
        raise InputError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    own = not isinstance(progress, _Progress)
    prog = progress if isinstance(progress, _Progress) else _Progress(progress, 8, lang)
    try:
        country = country or _main_country(h)
        prog.step(t("step.indicators", lang))
        ind = compute(h, country=country or None)
        if peers is None and len(h.countries) > 1:
            peers = h  # the other countries of the dataset are the peers
        ind_peers = compute(peers) if peers is not None else pd.DataFrame()
        log = NumberLog(lang)
        ctx = BriefContext(h=h, lang=lang, country=country, ind=ind, catalog=catalog(), log=log,
                           peers=peers, ind_peers=ind_peers, source=source or "", outlook=outlook,
                           cost_of_crime=cost_of_crime,
                           config_dir=Path(config_dir) if config_dir is not None else None)
        sections = build_sections(ctx, step=lambda heading: prog.step(f"{t('step.sections', lang)}: {heading}"))
        name = h.name or country
        base = h.base_year
        today = dt.date.today().isoformat()
        meta = (
            t("doc.generated", lang, version=__version__, date=today, currency=h.currency, base_year=base)
            if base is not None
            else t("doc.generated_nominal", lang, version=__version__, date=today, currency=h.currency)
        )
        synthetic = h.synthetic
        brief = Brief(
            title=title or t("doc.title", lang),
            subtitle=t("doc.subtitle", lang, name=f"{country} ({name})" if name and name != country else country),
            lang=lang,
            meta_line=meta,
            intro=t("doc.purpose", lang) + " " + t("doc.workbook", lang),
            sections=sections,
            numbers=log.frame(),
            banner=t("doc.synthetic", lang) if synthetic else "",
            extra={"country": country},
        )
        return brief
    finally:
        if own:
            prog.close()


def build_brief(
    h: HarmonizedDataset,
    *,
    out_dir: str | Path,
    lang: str = "en",
    formats: Sequence[str] = FORMATS,
    peers: HarmonizedDataset | None = None,
    country: str | None = None,
    title: str | None = None,
    source: str | None = None,
    progress: ProgressArg = None,
    outlook: OutlookSpec | None = None,
    cost_of_crime: CostOfCrimeSpec | None = None,
    config_dir: str | Path | None = None,
) -> Path:
    """Write the PEIR-style background brief of ``h`` to ``out_dir``.

    Parameters
    ----------
    h
        A :class:`peir.HarmonizedDataset`.
    out_dir
        Directory to write into (created if needed).
    lang
        ``"en"`` or ``"es"``: every heading, label and sentence, and the number format
        (1,234.5 or 1.234,5).
    formats
        Any of ``"html"`` (self-contained: inline CSS, embedded figures, prints well), ``"md"``,
        ``"xlsx"`` (every table on its own sheet). Figures (PNG and SVG) and ``numbers.csv``
        are always written.
    peers
        A harmonised dataset of peer countries (e.g. the ``central_america`` example) for the
        international comparison. ``None``: the other countries of ``h`` when it has several,
        else no comparison (the brief says so).
    country
        The country of the review; default: the one with the most budget lines.
    title
        Overrides the title.
    source
        The source line under each chart (default: "harmonised data computed with peir").
    progress
        ``True`` shows a tqdm bar; a callable ``(step, i, n)`` is called at each step.
    outlook, cost_of_crime
        The ``outlook:`` and ``cost_of_crime:`` blocks of ``peir.yaml``
        (:class:`peir.outlook.OutlookSpec`, :class:`peir.costs.CostOfCrimeSpec`) for the
        Outlook section; without ``outlook`` its defaults apply, without ``cost_of_crime`` the
        section says which inputs the cost of crime needs.
    config_dir
        The folder relative paths in those blocks are read from (the YAML file's folder).

    Returns
    -------
    Path
        The main file written: ``brief.html`` if requested, else ``brief.md``, else
        ``brief.xlsx``, else ``numbers.csv``.

    Raises
    ------
    peir.report.OutputError
        The folder cannot be written (full disk, not writable, a file in the way); nothing in
        it has changed.

    Notes
    -----
    The files are written into a temporary folder inside ``out_dir`` and moved into place when
    all are complete; ``manifest.json`` (each file with its bytes and sha256) is written last,
    and files of earlier runs that this run does not write are removed
    (:class:`peir.report.writer.OutputFolder`). Text cells of the workbook are text, never
    formulas; text cells of ``numbers.csv`` that a spreadsheet would run as a formula start with
    ``'``; HTML from the data is escaped in HTML and Markdown.
    """
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise InputError(f"unknown brief format(s) {bad}; expected any of {', '.join(FORMATS)}")
    out = Path(out_dir)
    prog = _Progress(progress, 9 + len(formats), lang)
    try:
        with OutputFolder(out) as folder:
            brief = make_brief(h, lang=lang, peers=peers, country=country, title=title, source=source,
                               outlook=outlook, cost_of_crime=cost_of_crime, config_dir=config_dir,
                               progress=prog)
            prog.step(t("step.figures", lang))
            for fb in brief.figures:
                folder.write_bytes(f"figures/{fb.key}.png", fb.png)
                folder.write_text(f"figures/{fb.key}.svg", fb.svg)
            folder.write_text("numbers.csv", csv_safe(brief.numbers).to_csv(index=False))
            main = "numbers.csv"
            if "xlsx" in formats:
                prog.step(t("step.xlsx", lang))
                folder.write_bytes("brief.xlsx", workbook_bytes(brief))
                main = "brief.xlsx"
            if "md" in formats:
                prog.step(t("step.md", lang))
                folder.write_text("brief.md", render.to_markdown(brief))
                main = "brief.md"
            if "html" in formats:
                prog.step(t("step.html", lang))
                folder.write_text("brief.html", render.to_html(brief))
                main = "brief.html"
        return out / main
    finally:
        prog.close()
