"""What every section of the brief reads: the harmonised data, the computed indicators, the
number log and the language (:class:`BriefContext`), and the small helpers they share.

Numbers are printed only through :meth:`BriefContext.num` (or a table recorded in the log), so
every number in the brief is traceable to :func:`peir.indicators.compute` or to a named model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from peir.costs.crime import CostOfCrime
from peir.costs.spec import CostOfCrimeSpec
from peir.dataset import HarmonizedDataset
from peir.indicators.floors import LegalFloor
from peir.outlook.project import Projection
from peir.outlook.spec import OutlookSpec
from peir.report.i18n import TEXT, fmt_number, phase_label, t, unit_label
from peir.report.model import Column, ColumnKind, FigureBlock, NumberLog, TableBlock
from peir.report.names import budget_sources, caseload_sources, context_sources, country_name
from peir.report.view import Suppression
from peir.schema import C

__all__ = [
    "LEVEL_PHASES",
    "BriefContext",
    "KeyMessage",
    "country_rows",
    "coverage",
    "finite",
    "generic_table",
    "level_phase",
    "reference_year",
    "to_float",
    "year_span",
    "year_table",
]

#: The phases used for spending levels, in order of preference.
LEVEL_PHASES: tuple[str, ...] = ("executed", "approved")


@dataclass
class KeyMessage:
    """A key message: its sentence, its figure and a priority (lower first)."""

    text: str
    figure: FigureBlock
    priority: int


@dataclass
class BriefContext:
    """Everything a section builder needs.

    Attributes
    ----------
    h, peers
        The harmonised dataset of the review and (optional) the peers' dataset.
    country
        The country of the review (ISO3).
    ind, ind_peers
        ``peir.indicators.compute`` on ``h`` (for ``country``) and on ``peers``; the peers'
        money amounts are left out of ``ind_peers`` when they are not in the brief's currency
        and prices.
    peers_money
        None when the peers' amounts compare with the review's, else the i18n key of the
        reason they do not (``peir.report.brief.peer_money``), stated beside every comparison.
    catalog
        ``peir.indicators.catalog()`` (names in both languages, units, links).
    messages
        Key messages offered by the sections, assembled last into section 1.
    gaps
        The data needs met as gaps (:mod:`peir.report.needs`), with the headings of the
        sections they left unfilled, in the order met.
    outlook, cost_of_crime, config_dir
        The ``outlook:`` and ``cost_of_crime:`` blocks of ``peir.yaml`` (None: the outlook's
        defaults, no cost of crime) and the folder their relative paths are read from.
    published
        Published figures to reconcile with (:mod:`peir.report.sections.reconciliation`).
    bottleneck, chain_year, dea_scores
        The chain model's bottleneck table and its year, and the DEA scores, once the
        efficiency section has computed them (the working-group packs reuse them).
    projection, crime_cost
        The baseline :class:`~peir.outlook.Projection` and the
        :class:`~peir.costs.CostOfCrime`, once the outlook section has computed them (the
        packs show their link's lines).
    suppressed
        What the small-count rule blanked (:class:`~peir.report.view.Suppression`: the
        threshold, primary and secondary cells).
    quote_rejected
        Whether the annex may quote the original text of rejected cells.
    requests
        The dataset's own data requests (``need``, ``from``, ``why``), listed after the
        registry's in the annex.
    rules
        Legal spending floors (``rules:`` of ``peir.yaml``); the section on funding checks
        them, or the floors peir ships for the country when none is declared.
    econ_scheme
        The budget's economic classification scheme (names of the national codes).
    """

    h: HarmonizedDataset
    lang: str
    country: str
    ind: pd.DataFrame
    catalog: pd.DataFrame
    log: NumberLog
    peers: HarmonizedDataset | None = None
    ind_peers: pd.DataFrame = field(default_factory=pd.DataFrame)
    peers_money: str | None = None
    source: str = ""
    messages: list[KeyMessage] = field(default_factory=list)
    gaps: dict[str, list[str]] = field(default_factory=dict)
    outlook: OutlookSpec | None = None
    cost_of_crime: CostOfCrimeSpec | None = None
    config_dir: Path | None = None
    published: pd.DataFrame = field(default_factory=pd.DataFrame)
    bottleneck: pd.DataFrame | None = None
    projection: Projection | None = None
    crime_cost: CostOfCrime | None = None
    chain_year: int | None = None
    dea_scores: pd.Series | None = None
    suppressed: Suppression = field(default_factory=lambda: Suppression(0))
    quote_rejected: bool = False
    requests: list[dict[str, Any]] = field(default_factory=list)
    rules: list[LegalFloor] = field(default_factory=list)
    econ_scheme: str | dict[str, str] | None = None
    _n_fig: int = 0
    _n_tab: int = 0
    _by_indicator: dict[str, dict[str, pd.DataFrame]] = field(default_factory=dict)

    @property
    def currency(self) -> str:
        return str(self.h.currency)

    @property
    def as_of(self) -> int | None:
        """The brief's as-of year (None: all the data's years)."""
        v = self.h.provenance.get("as_of")
        return int(v) if v is not None else None

    @property
    def base_year(self) -> int | None:
        return int(self.h.base_year) if self.h.base_year is not None else None

    def t(self, key: str, **fields: Any) -> str:
        return t(key, self.lang, **fields)

    def peers_money_note(self) -> str:
        """Why the peers' amounts are not compared ("" when they are), for every comparison."""
        if not self.peers_money or self.peers is None:
            return ""
        theirs: Any = self.peers.currency
        ours: Any = self.currency
        if self.peers_money == "note.peers_prices":
            theirs, ours = self.peers.base_year, self.h.base_year
        return self.t(self.peers_money, theirs=theirs, ours=ours)

    def name(self, indicator: str) -> str:
        """The indicator's name in the brief's language (from the catalog)."""
        c = self.catalog
        if not c.empty and indicator in set(c["id"]):
            row = c.loc[c["id"] == indicator].iloc[0]
            return str(row["name_es"] if self.lang == "es" else row["name_en"])
        return indicator

    def indicator_link(self, indicator: str) -> str:
        """The link the catalog gives ``indicator`` ("" when it has none)."""
        c = self.catalog
        if c.empty or indicator not in set(c["id"]):
            return ""
        v = c.loc[c["id"] == indicator, "link"].iloc[0]
        return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)

    def rows(
        self, indicator: str, *, peers: bool = False, link: str | None = None, national: bool = True
    ) -> pd.DataFrame:
        """Rows of the computed indicators for ``indicator`` (national rows by default)."""
        d = self.ind_peers if peers else self.ind
        if d.empty:
            return d
        cache = self._by_indicator.setdefault("peers" if peers else "main", {})
        if not cache:
            cache.update({str(k): g for k, g in d.groupby("indicator", sort=False)})
        d = cache.get(indicator, d.iloc[0:0])
        if national and C.REGION in d:
            d = d[d[C.REGION].isna() | (d[C.REGION].astype(str) == "")]
        if link is not None:
            d = d[d[C.LINK].astype(str) == link]
        return d

    def series(
        self,
        indicator: str,
        *,
        link: str | None = None,
        peers: bool = False,
        country: str | None = None,
    ) -> pd.Series:
        """Non-missing values by year of one indicator for one country (main by default)."""
        d = self.rows(indicator, peers=peers, link=link)
        if d.empty:
            return pd.Series(dtype="float64")
        d = d[d[C.COUNTRY] == (country or self.country)]
        if "group" in d:
            d = d[d["group"].isna() | (d["group"].astype(str) == "")]
        d = d.dropna(subset=[C.VALUE])
        return d.groupby(C.YEAR)[C.VALUE].first().sort_index()

    def latest(
        self, indicator: str, *, link: str | None = None, year: int | None = None
    ) -> tuple[float, int] | None:
        """The latest finite value of ``indicator`` and its year (or that of ``year``)."""
        s = self.series(indicator, link=link)
        if year is not None:
            s = s[s.index == year]
        s = s[np.isfinite(s.to_numpy(dtype=float))]
        if s.empty:
            return None
        return float(s.iloc[-1]), int(s.index[-1])

    def unit(self, indicator: str) -> str:
        d = self.rows(indicator, national=False)
        if not d.empty and C.UNIT in d:
            return str(d[C.UNIT].iloc[0])
        c = self.catalog
        if not c.empty and indicator in set(c["id"]):
            return str(c.loc[c["id"] == indicator, "unit"].iloc[0])
        return ""

    def unit_text(self, unit: str) -> str:
        """A registry unit in the brief's language."""
        return unit_label(unit, self.lang)

    def num(
        self,
        indicator: str,
        value: float,
        year: int,
        *,
        link: str = "",
        decimals: int | None = None,
        unit: str | None = None,
        scale: float = 1.0,
        country: str | None = None,
        dataset: str = "main",
    ) -> str:
        """Format and record one value of ``compute``."""
        u = self.unit(indicator) if unit is None else unit
        return self.log.fmt(
            value,
            u,
            origin="compute",
            dataset=dataset,
            indicator=indicator,
            country=country or self.country,
            year=year,
            link=link,
            decimals=decimals,
            scale=scale,
        )

    def count(self, n: int, what: str, *, dataset: str = "main", indicator: str = "") -> str:
        """Format and record a count (of units, peers, issues) printed in a sentence."""
        text = fmt_number(n, self.lang, 0)
        self.log.record(
            n,
            "count",
            text,
            origin="count",
            dataset=dataset,
            indicator=indicator,
            country=self.country,
            key={"what": what},
        )
        return text

    def figure(self, key: str, title: str, fig: Figure, *, alt: str = "") -> FigureBlock:
        self._n_fig += 1
        return FigureBlock(key=key, title=title, fig=fig, number=self._n_fig, alt=alt or title)

    def table(
        self,
        key: str,
        title: str,
        frame: pd.DataFrame,
        columns: list[Column],
        *,
        note: str = "",
        max_rows: int | None = None,
    ) -> TableBlock:
        self._n_tab += 1
        cols = [c for c in columns if c.key in frame.columns]
        return TableBlock(
            key=key,
            title=title,
            frame=frame.reset_index(drop=True),
            columns=cols,
            number=self._n_tab,
            note=note,
            max_rows=max_rows,
        )

    def recorded(
        self,
        value: float,
        unit: str,
        origin: str,
        indicator: str,
        year: int | None,
        *,
        decimals: int | None = None,
        link: str = "",
        key: dict[str, Any] | None = None,
        scale: float = 1.0,
        dataset: str = "main",
    ) -> str:
        """Format a number of the review's country printed in a sentence and record it in the
        number log with what computed it (``origin``: ``chain_model``, ``outlook``, ``dea``...;
        :meth:`num` is this for ``compute``)."""
        return self.log.fmt(
            value,
            unit,
            origin=origin,
            dataset=dataset,
            indicator=indicator,
            country=self.country,
            year=year,
            link=link,
            key=key,
            decimals=decimals,
            scale=scale,
        )

    def recorded_table(
        self,
        key: str,
        title: str,
        frame: pd.DataFrame,
        columns: list[Column],
        *,
        origin: str,
        row_keys: list[str],
        value_columns: dict[str, dict[str, Any]],
        note: str = "",
        max_rows: int | None = None,
        dataset: str = "main",
    ) -> TableBlock:
        """A :meth:`table` whose numeric cells in ``value_columns`` are recorded in the
        brief's number log (:meth:`NumberLog.record_table`), so every number printed can be
        traced to its origin."""
        tb = self.table(key, title, frame, columns, note=note, max_rows=max_rows)
        self.log.record_table(
            tb, origin=origin, row_keys=row_keys, value_columns=value_columns, dataset=dataset
        )
        return tb

    def record_gap(self, need: str, section: str) -> None:
        """Note that the section headed ``section`` could not be (wholly) filled.

        For lack of ``need``.
        """
        where = self.gaps.setdefault(need, [])
        if section not in where:
            where.append(section)

    def institution_names(self) -> dict[str, str]:
        """Institution code -> display name, from the data (long names cut at 90 characters)."""
        s = self.h.spending
        if s.empty or C.INSTITUTION not in s or C.INSTITUTION_CODE not in s:
            return {}
        d = s[[C.INSTITUTION_CODE, C.INSTITUTION]].dropna().drop_duplicates(C.INSTITUTION_CODE)
        return {
            str(k): (str(v)[:88] + "…" if len(str(v)) > 90 else str(v))
            for k, v in zip(d[C.INSTITUTION_CODE], d[C.INSTITUTION])
        }

    def country_label(self, code: str | None = None) -> str:
        """The name of ``code`` (default: the review's country) in the brief's language."""
        return country_name(code or self.country, self.lang)

    def source_text(
        self, *, budget: bool = False, measures: tuple[str, ...] = (), population: bool = False
    ) -> str:
        """The source line of a chart: the publishers of the figures it draws on, read from
        the data (budget lines, the headline caseload rows of ``measures``, the population
        series), then "Computed with peir". A ``source`` given to the brief replaces it."""
        if self.source:
            return self.source
        parts: list[str] = []
        if budget:
            parts += budget_sources(
                self.h.spending[self.h.spending[C.COUNTRY] == self.country]
                if not self.h.spending.empty
                else self.h.spending
            )
        if measures:
            cl = self.h.headline_caseload()
            if not cl.empty:
                cl = cl[(cl[C.COUNTRY] == self.country) & cl[C.MEASURE].astype(str).isin(measures)]
            parts += caseload_sources(cl)
        if population or budget:
            cx = self.h.context
            parts += context_sources(cx[cx[C.COUNTRY] == self.country] if not cx.empty else cx)
        parts = distinct_sources(parts)
        if not parts:
            return self.t("doc.source_default")
        return self.t("doc.source_computed", sources="; ".join(parts))


def distinct_sources(parts: list[str]) -> list[str]:
    """Publishers in the order used, each once.

    A name that only shortens another ("FBI" beside "FBI UCR", as the population series and the
    crime counts of the US states name it) is the same publisher and is left out.

    >>> distinct_sources(["BJS JEEE", "FBI UCR", "WDI", "FBI", "WDI", ""])
    ['BJS JEEE', 'FBI UCR', 'WDI']
    """
    seen = list(dict.fromkeys(p.strip() for p in parts if p and p.strip()))
    return [p for p in seen if not any(q != p and q.startswith(p + " ") for q in seen)]


def to_float(v: Any) -> float:
    """A scalar as float (NaN when it is not a number)."""
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def finite(v: Any) -> bool:
    """True for a finite number."""
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def country_rows(ctx: BriefContext, indicator: str) -> pd.DataFrame:
    """National rows of ``indicator`` for the country of the review that have a value."""
    d = ctx.rows(indicator)
    return d[d[C.COUNTRY] == ctx.country].dropna(subset=[C.VALUE]) if not d.empty else d


def year_table(ctx: BriefContext, years: list[int], columns: dict[str, Any]) -> pd.DataFrame:
    """One row per year for the country of the review; each column takes its value by year
    from a Series or dict (NaN for a year it lacks)."""
    frame = pd.DataFrame({C.YEAR: years})
    frame[C.COUNTRY] = ctx.country
    for name, by_year in columns.items():
        frame[name] = [by_year.get(y, np.nan) for y in years]
    return frame


def level_phase(h: HarmonizedDataset, country: str) -> dict[int, str]:
    """The phase used for levels per year (executed where present, else approved)."""
    s = h.spending
    if s.empty:
        return {}
    s = s[s[C.COUNTRY] == country]
    out: dict[int, str] = {}
    for y, g in s.groupby(C.YEAR):
        phases = set(g[C.PHASE].astype(str))
        ph = next((p for p in LEVEL_PHASES if p in phases), None)
        if ph:
            out[int(str(y))] = ph
    return out


def coverage(h: HarmonizedDataset, country: str) -> dict[int, str]:
    """Institutions with lines per year (the level phase), as text."""
    s = h.spending
    if s.empty:
        return {}
    s = s[s[C.COUNTRY] == country]
    lp = level_phase(h, country)
    out: dict[int, str] = {}
    for y, g in s.groupby(C.YEAR):
        yi = int(str(y))
        g = g[g[C.PHASE].astype(str) == lp.get(yi, "")]
        codes = (
            sorted({str(c) for c in g[C.INSTITUTION_CODE].dropna()})
            if C.INSTITUTION_CODE in g
            else []
        )
        out[yi] = ", ".join(codes[:6]) + (" …" if len(codes) > 6 else "")
    return out


def reference_year(ctx: BriefContext) -> int | None:
    """The year with the widest coverage of links (ties: the most recent)."""
    d = country_rows(ctx, "exp_link")
    if d.empty:
        s = ctx.series("exp_total")
        return int(s.index[-1]) if len(s) else None
    counts = d[d[C.VALUE] > 0].groupby(C.YEAR)[C.LINK].nunique()
    if counts.empty:
        return None
    best = counts[counts == counts.max()]
    return int(best.index.max())


def year_span(years: pd.Series) -> str:
    """Years as text: ``2011``, ``2011–2014`` or ``2011, 2013 …``."""
    ys = sorted({int(y) for y in years})
    if not ys:
        return ""
    if len(ys) == 1:
        return str(ys[0])
    if ys == list(range(ys[0], ys[-1] + 1)):
        return f"{ys[0]}–{ys[-1]}"
    return ", ".join(str(y) for y in ys[:8]) + (" …" if len(ys) > 8 else "")


_COL_KEYS = {
    "country": "col.country",
    "year": "col.year",
    "link": "col.link",
    "phase": "col.phase",
    "amount": "col.value",
    "measure": "col.measure",
    "source": "col.source",
    "counting_rule": "col.counting_rule",
    "severity": "col.severity",
    "code": "col.code",
    "message": "col.message",
    "column": "col.item",
    "row": "col.rows",
    "source_ref": "col.source",
    "value": "col.value",
    "values": "col.values",
    "difference": "col.difference",
    "missing": "col.missing",
    "lines": "col.lines",
    "headline_source": "col.headline_source",
    "headline_value": "col.headline_value",
    "diff_abs": "col.diff_abs",
    "diff_pct": "col.diff_pct",
    "institution_code": "col.institution",
    "region": "col.region",
    "unit": "col.unit",
    "note": "col.note",
    "years": "col.years",
    "detail": "col.detail",
    "description": "col.description",
    "program": "col.program",
    "transfer_to": "col.transfer_to",
    "currency": "col.currency",
    "status": "col.status",
    "econ": "col.econ",
    "funding_source": "col.funding_source",
}
#: Values that peir itself writes into a table (the consolidation status), by their English text.
_VALUE_KEYS = {
    TEXT[k][0]: k for k in ("transfer.removed", "transfer.kept_absent", "transfer.kept_self")
}


def generic_table(
    ctx: BriefContext, key: str, title: str, frame: pd.DataFrame, max_rows: int = 40
) -> TableBlock:
    """A table of a frame as it is: empty columns dropped, labels translated where known,
    integral numbers without decimals."""
    frame = frame.loc[
        :,
        [
            c
            for c in frame.columns
            if not (frame[c].isna() | (frame[c].astype(str).str.strip() == "")).all()
        ],
    ]
    if (
        "phase" in frame.columns or "status" in frame.columns
    ):  # peir's own words, in the brief's language
        frame = frame.copy()
        if "phase" in frame.columns:
            frame["phase"] = [
                v if pd.isna(v) else phase_label(str(v), ctx.lang) for v in frame["phase"]
            ]
        if "status" in frame.columns:
            frame["status"] = [
                ctx.t(_VALUE_KEYS[v]) if v in _VALUE_KEYS else v for v in frame["status"]
            ]
    cols = []
    for c in frame.columns:
        kind: ColumnKind = "text"
        if c == "year":
            kind = "year"
        elif pd.api.types.is_numeric_dtype(frame[c]) and c not in ("row",):
            v = pd.to_numeric(frame[c], errors="coerce").dropna()
            integral = bool(len(v)) and bool(np.all(np.isclose(v, np.round(v))))
            kind = "num0" if integral or v.abs().max() >= 1000 else "num2"
        label = ctx.t(_COL_KEYS[c]) if c in _COL_KEYS else str(c).replace("_", " ")
        cols.append(Column(str(c), label, kind))
    return ctx.table(key, title, frame, cols, max_rows=max_rows)
