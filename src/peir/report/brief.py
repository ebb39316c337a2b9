"""``build_brief``: the PEIR-style background brief in HTML, Markdown and Excel.

The brief follows the structure of a public expenditure and institutional review: key
messages; spending level and trend; composition; budget credibility; performance along the
chain; efficiency and allocation; results-matrix templates for the five working groups; and a
data annex. Every number is computed by :func:`peir.indicators.compute` (or by the named
models: the funnel, PEFA, the chain model, DEA) and is listed in ``numbers.csv``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from peir._version import __version__
from peir.costs.spec import CostOfCrimeSpec
from peir.dataset import HarmonizedDataset
from peir.errors import InputError, PeirError
from peir.indicators import catalog, compute
from peir.indicators.floors import LegalFloor
from peir.outlook.spec import OutlookSpec
from peir.report import render, view
from peir.report.context import BriefContext
from peir.report.i18n import LANGS, t
from peir.report.model import Brief, NumberLog
from peir.report.names import country_name
from peir.report.packs import build_packs
from peir.report.safe import csv_safe
from peir.report.sections import BODY, build_sections
from peir.report.sections.reconciliation import published_frame
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


def _prepare(
    h: HarmonizedDataset,
    peers: HarmonizedDataset | None,
    *,
    as_of: int | None,
    base_year: int | None,
    suppress_below: int | None,
) -> tuple[HarmonizedDataset, HarmonizedDataset | None, view.Suppression]:
    """The data the brief may show: prices of ``base_year`` (default: the as-of year), years up
    to ``as_of``, small caseload counts blanked. Returns (h, peers, what was suppressed)."""
    target = base_year if base_year is not None else as_of
    if target is not None and h.base_year is not None and int(target) != int(h.base_year):
        h = h.rebase(int(target))
        if peers is not None and peers.base_year is not None:
            peers = peers.rebase(int(target))
    if as_of is not None:
        h = view.as_of(h, int(as_of))
        peers = view.as_of(peers, int(as_of)) if peers is not None else None
    if (
        peers is not None
        and peers is not h
        and h.base_year is not None
        and peers.base_year is not None
        and int(peers.base_year) != int(h.base_year)
    ):
        try:  # the peers' constant prices must be the brief's
            peers = peers.rebase(int(h.base_year))
        except PeirError:
            pass  # left at their own base: peer_money() then keeps their amounts out
    suppressed = view.Suppression(int(suppress_below or 0))
    if suppress_below:
        h, suppressed = view.suppress_counts(h, int(suppress_below))
        if peers is not None:
            peers, _ = view.suppress_counts(peers, int(suppress_below))
    return h, peers, suppressed


def peer_money(h: HarmonizedDataset, peers: HarmonizedDataset) -> str | None:
    """Why the peers' money amounts cannot be set beside the review's, or None if they can.

    Amounts (per inhabitant, per case, totals) compare across countries only in one currency
    and one price base: the peers harmonised in the brief's currency (``currency="USD"``) and
    at its base year. Peers harmonised in their local currencies (``currency`` "LCU": colones
    beside dollars) or in another currency or price base give the reason's i18n key; ratios (%
    of GDP, execution rates, rates per 100,000) stay comparable.
    """
    if peers.currency == "LCU":
        return "note.peers_lcu"
    if peers.currency != h.currency:
        return "note.peers_currency"
    if (
        h.base_year is not None
        and peers.base_year is not None
        and int(peers.base_year) != int(h.base_year)
    ):
        return "note.peers_prices"
    return None


def _money_rows(ind: pd.DataFrame, currency: str) -> pd.Series:
    """Rows of an indicator frame whose unit is an amount of ``currency`` ("USD per case")."""
    first = ind[C.UNIT].astype(str).str.split(" ", n=1).str[0].str.rstrip(",")
    return first.isin({currency, "LCU"})


def make_brief(
    h: HarmonizedDataset,
    *,
    lang: str = "en",
    peers: HarmonizedDataset | None = None,
    country: str | None = None,
    title: str | None = None,
    source: str | None = None,
    as_of: int | None = None,
    base_year: int | None = None,
    published: Any = None,
    requests: Sequence[Mapping[str, Any]] | None = None,
    rules: Sequence[LegalFloor] | None = None,
    econ_scheme: str | Mapping[str, str] | None = None,
    suppress_below: int | None = None,
    quote_rejected: bool = False,
    progress: ProgressArg | _Progress = None,
    outlook: OutlookSpec | None = None,
    cost_of_crime: CostOfCrimeSpec | None = None,
    config_dir: str | Path | None = None,
) -> Brief:
    """Build the brief as data (sections, tables, figures, numbers) without writing files.

    Parameters are those of :func:`build_brief`. Returns a :class:`~peir.report.model.Brief`;
    its ``packs`` hold one working-group pack per link.
    """
    if lang not in LANGS:
        raise InputError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    if suppress_below is not None and int(suppress_below) < 0:
        raise InputError(f"suppress_below must be a count >= 0, got {suppress_below!r}")
    own = not isinstance(progress, _Progress)
    prog = progress if isinstance(progress, _Progress) else _Progress(progress, len(BODY) + 2, lang)
    try:
        country = country or _main_country(h)
        if peers is None and len(h.countries) > 1:
            peers = h  # the other countries of the dataset are the peers
        h, peers, suppressed = _prepare(
            h, peers, as_of=as_of, base_year=base_year, suppress_below=suppress_below
        )
        prog.step(t("step.indicators", lang))
        ind = compute(h, country=country or None)
        ind_peers = compute(peers) if peers is not None else pd.DataFrame()
        peers_money = peer_money(h, peers) if peers is not None else None
        if peers is not None and peers_money and not ind_peers.empty:
            ind_peers = ind_peers[~_money_rows(ind_peers, peers.currency)].reset_index(drop=True)
        if published is None:  # the dataset's own (an example's, a project's)
            published = h.meta.get("published_figures") or []
        if requests is None:
            requests = list(h.meta.get("data_requests") or [])
        if rules is None:
            rules = [r for r in h.meta.get("rules") or [] if isinstance(r, LegalFloor)]
        if econ_scheme is None:
            econ_scheme = h.meta.get("econ_scheme")
        pub = published_frame(published)
        if as_of is not None and not pub.empty:
            pub = pub[pub["year"] <= int(as_of)].reset_index(drop=True)
        log = NumberLog(lang)
        ctx = BriefContext(
            h=h,
            lang=lang,
            country=country,
            ind=ind,
            catalog=catalog(),
            log=log,
            peers=peers,
            ind_peers=ind_peers,
            peers_money=peers_money,
            source=source or "",
            published=pub,
            suppressed=suppressed,
            quote_rejected=quote_rejected,
            requests=[dict(r) for r in (requests or [])],
            outlook=outlook,
            rules=list(rules or []),
            econ_scheme=dict(econ_scheme) if isinstance(econ_scheme, Mapping) else econ_scheme,
            cost_of_crime=cost_of_crime,
            config_dir=Path(config_dir) if config_dir is not None else None,
        )
        sections = build_sections(
            ctx, step=lambda heading: prog.step(f"{t('step.sections', lang)}: {heading}")
        )
        name = country_name(country, lang) if country else (h.name or "")
        if as_of is not None:
            name = t("doc.as_of", lang, name=name, year=int(as_of))
        subtitle = t("doc.subtitle", lang, name=name)
        prog.step(t("step.packs", lang))
        packs = build_packs(ctx, subtitle)
        base = h.base_year
        today = dt.date.today().isoformat()
        meta = (
            t(
                "doc.generated",
                lang,
                version=__version__,
                date=today,
                currency=h.currency,
                base_year=base,
            )
            if base is not None
            else t(
                "doc.generated_nominal", lang, version=__version__, date=today, currency=h.currency
            )
        )
        return Brief(
            title=title or t("doc.title", lang),
            subtitle=subtitle,
            lang=lang,
            meta_line=meta,
            intro=t("doc.purpose", lang) + " " + t("doc.workbook", lang),
            sections=sections,
            numbers=log.frame(),
            banner=t("doc.synthetic", lang) if h.synthetic else "",
            extra={"country": country, "as_of": as_of},
            packs=packs,
        )
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
    as_of: int | None = None,
    base_year: int | None = None,
    published: Any = None,
    requests: Sequence[Mapping[str, Any]] | None = None,
    rules: Sequence[LegalFloor] | None = None,
    econ_scheme: str | Mapping[str, str] | None = None,
    suppress_below: int | None = None,
    quote_rejected: bool = False,
    progress: ProgressArg = None,
    outlook: OutlookSpec | None = None,
    cost_of_crime: CostOfCrimeSpec | None = None,
    config_dir: str | Path | None = None,
) -> Path:
    """Write the PEIR-style background brief of ``h``, and a pack per working group, to ``out_dir``.

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
        The source line under every chart. Default: the publishers of the figures each chart
        draws on, read from the data ("Source: Ministerio de Hacienda; IML; WDI. Computed with
        peir").
    as_of
        The year of the review: only data up to that year is used (a brief for a 2013
        workshop is as of 2012), key messages come from the latest comparable year, and prices
        default to that year's.
    base_year
        The constant-price base year (default: ``as_of`` when given, else ``h.base_year``).
    published
        Published figures to reconcile with (a list of mappings or a DataFrame with
        ``country, year, indicator, value, unit, source`` and optionally ``note``, ``reason``):
        the example's ``published_figures`` or the user's own in ``peir.yaml``. The section
        "Reconciliation with published figures" gives the reason for each difference.
        Default: ``h.meta["published_figures"]`` (the dataset's own, carried by
        :meth:`peir.Dataset.harmonize`).
    requests
        The dataset's own data requests (mappings with ``need``, ``from``, ``why``; the
        example's ``data_requests``), listed in the annex and the packs after the needs the
        brief met. Default: ``h.meta["data_requests"]``.
    rules
        Legal spending floors to check (``rules:`` of ``peir.yaml``,
        :class:`peir.indicators.LegalFloor`); without them, the floors peir ships for the
        country (El Salvador's art. 172 allocation to the Órgano Judicial). Default:
        ``h.meta["rules"]``.
    econ_scheme
        The budget's economic classification scheme, for the names of the national codes in
        the economic composition. Default: ``h.meta["econ_scheme"]``.
    suppress_below
        Suppress caseload counts below this number (1 to N − 1) in every output; they are
        blanked before any indicator is computed.
    quote_rejected
        Quote the original text of rejected cells in the annex (off by default: the annex
        names file, row, column and what was wrong).
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
        ``brief.xlsx``, else ``numbers.csv``. Beside it: ``groups/<link>.html`` and
        ``groups/<link>.xlsx`` (one pack per working group: prevention, patrol,
        investigation, judicial, corrections) with the html and xlsx formats, ``figures/``,
        ``numbers.csv`` and ``manifest.json``.

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
    prog = _Progress(progress, len(BODY) + 3 + len(formats), lang)
    try:
        with OutputFolder(out) as folder:
            brief = make_brief(
                h,
                lang=lang,
                peers=peers,
                country=country,
                title=title,
                source=source,
                as_of=as_of,
                base_year=base_year,
                published=published,
                requests=requests,
                rules=rules,
                econ_scheme=econ_scheme,
                suppress_below=suppress_below,
                quote_rejected=quote_rejected,
                outlook=outlook,
                cost_of_crime=cost_of_crime,
                config_dir=config_dir,
                progress=prog,
            )
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
            for link, pack in brief.packs.items():
                if "html" in formats:
                    folder.write_text(f"groups/{link}.html", render.to_html(pack))
                if "xlsx" in formats:
                    folder.write_bytes(f"groups/{link}.xlsx", workbook_bytes(pack))
        return out / main
    finally:
        prog.close()
