"""The eight sections of the brief, built from the indicator registry and the models.

Each ``section_*`` function takes the :class:`Context` (the harmonised data, the computed
indicators, the number log, the language) and returns a :class:`~peir.report.model.Section`.
Numbers are printed only through :meth:`Context.num` (or a table recorded in the log), so every
number in the brief is traceable to ``peir.indicators.compute`` or to the named model. A section
whose inputs are absent says so in a plain sentence; it never invents a number.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from peir.chain import CHAIN_LINKS, MEASURES
from peir.report import charts
from peir.report.i18n import (
    econ_label,
    fmt_number,
    link_label,
    measure_label,
    phase_label,
    t,
    unit_label,
)
from peir.report.model import Column, FigureBlock, NumberLog, Section, TableBlock
from peir.schema import C

__all__ = ["Context", "KeyMessage", "build_sections"]

_LEVEL_PHASES = ("executed", "approved")


@dataclass
class KeyMessage:
    """A key message: its sentence, its figure and a priority (lower first)."""

    text: str
    figure: FigureBlock
    priority: int


@dataclass
class Context:
    """Everything a section builder needs.

    Attributes
    ----------
    h, peers
        The harmonised dataset of the review and (optional) the peers' dataset.
    country
        The country of the review (ISO3).
    ind, ind_peers
        ``peir.indicators.compute`` on ``h`` (for ``country``) and on ``peers``.
    catalog
        ``peir.indicators.catalog()`` (names in both languages, units, links).
    """

    h: Any
    lang: str
    country: str
    ind: pd.DataFrame
    catalog: pd.DataFrame
    log: NumberLog
    peers: Any = None
    ind_peers: pd.DataFrame = field(default_factory=pd.DataFrame)
    source: str = ""
    messages: list[KeyMessage] = field(default_factory=list)
    _n_fig: int = 0
    _n_tab: int = 0
    _by_indicator: dict[str, dict[str, pd.DataFrame]] = field(default_factory=dict)

    # ---- helpers ---------------------------------------------------------------------------
    @property
    def currency(self) -> str:
        return str(self.h.currency)

    @property
    def base_year(self) -> int | None:
        return int(self.h.base_year) if self.h.base_year is not None else None

    def t(self, key: str, **fields: Any) -> str:
        return t(key, self.lang, **fields)

    def name(self, indicator: str) -> str:
        """The indicator's name in the brief's language (from the catalog)."""
        c = self.catalog
        if not c.empty and indicator in set(c["id"]):
            row = c.loc[c["id"] == indicator].iloc[0]
            return str(row["name_es"] if self.lang == "es" else row["name_en"])
        return indicator

    def rows(self, indicator: str, *, peers: bool = False, link: str | None = None,
             national: bool = True) -> pd.DataFrame:
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

    def series(self, indicator: str, *, link: str | None = None, peers: bool = False,
               country: str | None = None) -> pd.Series:
        """Non-missing values by year of one indicator for one country (main by default)."""
        d = self.rows(indicator, peers=peers, link=link)
        if d.empty:
            return pd.Series(dtype="float64")
        d = d[d[C.COUNTRY] == (country or self.country)]
        if "group" in d:
            d = d[d["group"].isna() | (d["group"].astype(str) == "")]
        d = d.dropna(subset=[C.VALUE])
        return d.groupby(C.YEAR)[C.VALUE].first().sort_index()

    def latest(self, indicator: str, *, link: str | None = None, year: int | None = None
               ) -> tuple[float, int] | None:
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

    def num(self, indicator: str, value: float, year: int, *, link: str = "", decimals: int | None = None,
            unit: str | None = None, scale: float = 1.0, country: str | None = None,
            dataset: str = "main") -> str:
        """Format and record one value of ``compute``."""
        u = self.unit(indicator) if unit is None else unit
        return self.log.fmt(value, u, origin="compute", dataset=dataset, indicator=indicator,
                            country=country or self.country, year=year, link=link,
                            decimals=decimals, scale=scale)

    def count(self, n: int, what: str, *, dataset: str = "main", indicator: str = "") -> str:
        """Format and record a count (of units, peers, issues) printed in a sentence."""
        text = fmt_number(n, self.lang, 0)
        self.log.record(n, "count", text, origin="count", dataset=dataset, indicator=indicator,
                        country=self.country, key={"what": what})
        return text

    def figure(self, key: str, title: str, fig: Figure, *, alt: str = "") -> FigureBlock:
        self._n_fig += 1
        block = FigureBlock(key=key, title=title, fig=fig, number=self._n_fig, alt=alt or title)
        return block

    def table(self, key: str, title: str, frame: pd.DataFrame, columns: list[Column], *,
              note: str = "", max_rows: int | None = None) -> TableBlock:
        self._n_tab += 1
        cols = [c for c in columns if c.key in frame.columns]
        return TableBlock(key=key, title=title, frame=frame.reset_index(drop=True), columns=cols,
                          number=self._n_tab, note=note, max_rows=max_rows)

    def na(self, what_key: str) -> str:
        return self.t("na.section", what=self.t(what_key))

    def source_text(self) -> str:
        return self.source or self.t("doc.source_default")


def _f(v: Any) -> float:
    """A scalar as float (NaN when it is not a number)."""
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def _finite(v: Any) -> bool:
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def _country_rows(ctx: Context, indicator: str) -> pd.DataFrame:
    """National rows of ``indicator`` for the country of the review that have a value."""
    d = ctx.rows(indicator)
    return d[d[C.COUNTRY] == ctx.country].dropna(subset=[C.VALUE]) if not d.empty else d


def _year_table(ctx: Context, years: list[int], columns: dict[str, Any]) -> pd.DataFrame:
    """One row per year for the country of the review; each column takes its value by year
    from a Series or dict (NaN for a year it lacks)."""
    frame = pd.DataFrame({C.YEAR: years})
    frame[C.COUNTRY] = ctx.country
    for name, by_year in columns.items():
        frame[name] = [by_year.get(y, np.nan) for y in years]
    return frame


def _level_phase(h: Any, country: str) -> dict[int, str]:
    """The phase used for levels per year (executed where present, else approved)."""
    s = h.spending
    if s is None or s.empty:
        return {}
    s = s[s[C.COUNTRY] == country]
    out: dict[int, str] = {}
    for y, g in s.groupby(C.YEAR):
        phases = set(g[C.PHASE].astype(str))
        ph = next((p for p in _LEVEL_PHASES if p in phases), None)
        if ph:
            out[int(str(y))] = ph
    return out


def _coverage(h: Any, country: str) -> dict[int, str]:
    """Institutions with lines per year (the level phase), as text."""
    s = h.spending
    if s is None or s.empty:
        return {}
    s = s[s[C.COUNTRY] == country]
    lp = _level_phase(h, country)
    out: dict[int, str] = {}
    for y, g in s.groupby(C.YEAR):
        yi = int(str(y))
        g = g[g[C.PHASE].astype(str) == lp.get(yi, "")]
        codes = sorted({str(c) for c in g[C.INSTITUTION_CODE].dropna()}) if C.INSTITUTION_CODE in g else []
        out[yi] = ", ".join(codes[:6]) + (" …" if len(codes) > 6 else "")
    return out


def _reference_year(ctx: Context) -> int | None:
    """The year with the widest coverage of links (ties: the most recent)."""
    d = _country_rows(ctx, "exp_link")
    if d.empty:
        s = ctx.series("exp_total")
        return int(s.index[-1]) if len(s) else None
    counts = d[d[C.VALUE] > 0].groupby(C.YEAR)[C.LINK].nunique()
    if counts.empty:
        return None
    best = counts[counts == counts.max()]
    return int(best.index.max())


# ---------------------------------------------------------------------------------------------
# 2. spending level and trend
# ---------------------------------------------------------------------------------------------


def section_spending(ctx: Context) -> Section:
    sec = Section("spending", ctx.t("sec.spending"))
    ctx.log.section = sec.id
    total = ctx.series("exp_total")
    if total.empty:
        sec.p(ctx.na("na.spending"))
        return sec
    real = ctx.series("exp_total_real")
    phases = _level_phase(ctx.h, ctx.country)
    cover = _coverage(ctx.h, ctx.country)
    years = sorted(total.index)
    ids = ("exp_total", "exp_total_real", "exp_per_capita", "exp_pct_gdp", "exp_pct_gov", "exp_growth_real")
    frame = _year_table(ctx, years, {"phase": {y: phase_label(phases.get(y, ""), ctx.lang) for y in years},
                                     **{ind: ctx.series(ind) for ind in ids}})
    # growth only between consecutive years with the same coverage
    frame["exp_growth_real"] = [
        v if cover.get(y) == cover.get(y - 1) else np.nan for y, v in zip(years, frame["exp_growth_real"])
    ]
    frame["institutions"] = [cover.get(y, "") for y in years]
    cols = [
        Column(C.YEAR, ctx.t("col.year"), "year"),
        Column("phase", ctx.t("col.phase")),
        Column("exp_total", ctx.t("col.amount_m", currency=ctx.currency), "millions"),
        Column("exp_total_real", ctx.t("col.amount_real_m", currency=ctx.currency, base_year=ctx.base_year or "–"), "millions"),
        Column("exp_per_capita", ctx.t("col.per_capita", currency=ctx.currency), "num1"),
        Column("exp_pct_gdp", ctx.t("col.pct_gdp"), "num2"),
        Column("exp_pct_gov", ctx.t("col.pct_gov"), "num2"),
        Column("exp_growth_real", ctx.name("exp_growth_real") + " (%)", "num1"),
        Column("institutions", ctx.t("col.institutions_covered")),
    ]
    frame = frame.dropna(axis=1, how="all")
    tb = ctx.table("spending", ctx.t("tab.spending"), frame, cols)
    ctx.log.record_table(tb, origin="compute", row_keys=[C.COUNTRY, C.YEAR],
                         value_columns={k: {"indicator": k, "unit": ctx.unit(k)} for k in ids})
    # sentence on the reference year
    ry = _reference_year(ctx) or years[-1]
    amount = total.get(ry, np.nan)
    sentences = []
    if _finite(amount):
        a_txt = ctx.num("exp_total", float(amount), ry, scale=1e6, decimals=1)
        pg = ctx.latest("exp_pct_gdp", year=ry)
        pc = ctx.latest("exp_per_capita", year=ry)
        ph = phase_label(phases.get(ry, ""), ctx.lang).lower()
        if pg and pc:
            text = ctx.t("msg.spending_level", year=ry, country=ctx.country, amount=a_txt,
                         currency=ctx.currency, phase=ph,
                         pct_gdp=ctx.num("exp_pct_gdp", pg[0], ry, decimals=2),
                         per_capita=ctx.num("exp_per_capita", pc[0], ry, decimals=1))
        else:
            text = ctx.t("msg.spending_level_short", year=ry, country=ctx.country, amount=a_txt,
                         currency=ctx.currency, phase=ph)
        sentences.append(text)
    rs = real.dropna()
    if len(rs) >= 2 and ctx.base_year is not None:
        last_y = int(rs.index[-1])
        same = [int(y) for y in rs.index if cover.get(int(y)) == cover.get(last_y)]
        if len(same) >= 2:
            y0, y1 = same[0], same[-1]
            growth = (float(rs[y1]) / float(rs[y0]) - 1) * 100
            g_txt = ctx.log.fmt(growth, "%", origin="derived", indicator="exp_total_real", country=ctx.country,
                                year=y1, key={"from": y0, "to": y1, "formula": "(b/a-1)*100"})
            sentences.append(ctx.t("msg.real_growth", base_year=ctx.base_year, growth=g_txt, y0=y0, y1=y1))
    for s_ in sentences:
        sec.p(s_)
    if len(set(cover.values())) > 1:
        sec.note(ctx.t("note.coverage"))
    data = pd.DataFrame({"year": years, "amount": [total.get(y) for y in years],
                         "amount_real": [real.get(y, np.nan) for y in years]})
    fig = charts.spending_trend(data, currency=ctx.currency, base_year=ctx.base_year, lang=ctx.lang,
                                source=ctx.source_text())
    fb = ctx.figure("spending_trend", ctx.t("fig.spending_trend"), fig)
    sec.blocks.append(fb)
    sec.blocks.append(tb)
    if sentences:
        ctx.messages.append(KeyMessage(sentences[0], fb, 1))
    _peers(ctx, sec)
    return sec


def _peers(ctx: Context, sec: Section) -> None:
    sec.h3(ctx.t("tab.peers"))
    d = ctx.ind_peers
    if ctx.peers is None or d.empty:
        sec.p(ctx.t("msg.no_peers"))
        return
    ind = "exp_pct_gdp"
    rows = ctx.rows(ind, peers=True).dropna(subset=[C.VALUE])
    if rows.empty:
        ind = "exp_per_capita"
        rows = ctx.rows(ind, peers=True).dropna(subset=[C.VALUE])
    if rows.empty:
        sec.p(ctx.t("msg.no_peers"))
        return
    # the year with the most countries (ties: latest)
    counts = rows.groupby(C.YEAR)[C.COUNTRY].nunique()
    year = int(counts[counts == counts.max()].index.max())
    r = rows[rows[C.YEAR] == year].drop_duplicates(C.COUNTRY).set_index(C.COUNTRY)[C.VALUE].astype(float)
    frame = r.sort_values(ascending=False).rename("value").reset_index()
    frame[C.YEAR] = year
    unit_label = ctx.t("col.pct_gdp") if ind == "exp_pct_gdp" else ctx.t("col.per_capita", currency=ctx.currency)
    tb = ctx.table("peers", f"{ctx.t('tab.peers')}: {ctx.name(ind)} ({year})", frame,
                   [Column(C.COUNTRY, ctx.t("col.country")), Column("value", unit_label, "num2")])
    ctx.log.record_table(tb, origin="compute", row_keys=[C.COUNTRY, C.YEAR], dataset="peers",
                         value_columns={"value": {"indicator": ind, "unit": ctx.unit(ind)}})
    fig = charts.per_capita_peers(r, highlight=ctx.country, unit=unit_label, lang=ctx.lang,
                                  title=f"{ctx.name(ind)}, {year}", source=ctx.source_text(), decimals=2)
    fb = ctx.figure("peers", ctx.t("fig.peers"), fig)
    if ctx.country in r.index and len(r) > 1:
        others = r.drop(ctx.country)
        v = float(r[ctx.country])
        text = ctx.t(
            "msg.peers",
            value=ctx.num(ind, v, year, dataset="peers", decimals=2) if ind == "exp_pct_gdp" else ctx.num(ind, v, year, dataset="peers"),
            year=year, country=ctx.country,
            n_below=ctx.count(int((others < v).sum()), "peers below", dataset="peers", indicator=ind),
            n_peers=ctx.count(len(others), "peers", dataset="peers", indicator=ind),
            median=ctx.log.fmt(float(others.median()), ctx.unit(ind), origin="derived", dataset="peers",
                               indicator=ind, year=year, key={"stat": "median of peers"}, decimals=2),
        )
        sec.p(text)
        ctx.messages.append(KeyMessage(text, fb, 2))
    sec.blocks.append(fb)
    sec.blocks.append(tb)


# ---------------------------------------------------------------------------------------------
# 3. composition
# ---------------------------------------------------------------------------------------------


def section_composition(ctx: Context) -> Section:
    sec = Section("composition", ctx.t("sec.composition"))
    ctx.log.section = sec.id
    # by link
    sec.h3(ctx.t("sub.by_link"))
    lk = _country_rows(ctx, "exp_link")
    if lk.empty:
        sec.p(ctx.na("na.spending"))
    else:
        frame = _with_share(ctx, lk, "exp_link", "exp_link_share", C.LINK)
        order = {lk_.value: i for i, lk_ in enumerate(CHAIN_LINKS)}
        frame["_o"] = frame[C.LINK].astype(str).map(order).fillna(99)
        frame = frame.sort_values([C.YEAR, "_o"]).drop(columns="_o")
        frame["link_label"] = [link_label(str(x), ctx.lang) for x in frame[C.LINK]]
        tb = ctx.table("by_link", ctx.t("tab.by_link"), frame, [
            Column(C.YEAR, ctx.t("col.year"), "year"),
            Column("link_label", ctx.t("col.link")),
            Column("exp_link", ctx.t("col.amount_m", currency=ctx.currency), "millions"),
            Column("exp_link_share", ctx.t("col.share"), "num1"),
        ])
        ctx.log.record_table(tb, origin="compute", row_keys=[C.COUNTRY, C.YEAR, C.LINK], value_columns={
            "exp_link": {"indicator": "exp_link", "unit": ctx.unit("exp_link")},
            "exp_link_share": {"indicator": "exp_link_share", "unit": "%"},
        })
        if "exp_link_share" in frame:
            wide = frame.pivot_table(index=C.YEAR, columns=C.LINK, values="exp_link_share", aggfunc="first")
            cols_order = [x.value for x in CHAIN_LINKS if x.value in wide.columns] + [
                c for c in wide.columns if c not in {x.value for x in CHAIN_LINKS}]
            wide = wide[cols_order]
            fig = charts.composition_by_link(wide, percent=True, lang=ctx.lang, source=ctx.source_text())
            fb = ctx.figure("composition_by_link", ctx.t("fig.composition"), fig)
            ry = _reference_year(ctx)
            msg = None
            if ry is not None and ry in wide.index:
                row = wide.loc[ry].drop(labels=["unallocated"], errors="ignore").dropna()
                if not row.empty:
                    top = str(row.idxmax())
                    msg = ctx.t("msg.largest_link", link=link_label(top, ctx.lang), year=ry,
                                share=ctx.num("exp_link_share", _f(row.max()), ry, link=top, unit="%"))
                    sec.p(msg)
                un = wide.loc[ry].get("unallocated", np.nan) if "unallocated" in wide.columns else np.nan
                if _finite(un) and _f(un) > 0:
                    sec.p(ctx.t("msg.unallocated_share", year=ry,
                                share=ctx.num("exp_link_share", _f(un), ry, link="unallocated", unit="%")))
            sec.blocks.append(fb)
            if msg:
                ctx.messages.append(KeyMessage(msg, fb, 3))
        sec.blocks.append(tb)
    # by institution
    sec.h3(ctx.t("sub.by_institution"))
    inst = _country_rows(ctx, "exp_institution")
    if inst.empty:
        sec.p(ctx.na("na.institution"))
    else:
        names = _institution_names(ctx.h)
        frame = _with_share(ctx, inst, "exp_institution", "exp_institution_share", "group")
        frame["inst_label"] = [f"{g} — {names.get(str(g), '')}".rstrip(" —") for g in frame["group"]]
        frame = frame.sort_values([C.YEAR, "exp_institution"], ascending=[True, False])
        tb = ctx.table("by_institution", ctx.t("tab.by_institution"), frame, [
            Column(C.YEAR, ctx.t("col.year"), "year"),
            Column("inst_label", ctx.t("col.institution")),
            Column("exp_institution", ctx.t("col.amount_m", currency=ctx.currency), "millions"),
            Column("exp_institution_share", ctx.t("col.share"), "num1"),
        ])
        ctx.log.record_table(tb, origin="compute", row_keys=[C.COUNTRY, C.YEAR, "group"], value_columns={
            "exp_institution": {"indicator": "exp_institution", "unit": ctx.unit("exp_institution")},
            "exp_institution_share": {"indicator": "exp_institution_share", "unit": "%"},
        })
        sec.blocks.append(tb)
    # by economic class
    sec.h3(ctx.t("sub.by_econ"))
    econ_ids = ("exp_wage_share", "exp_goods_services_share", "exp_capital_share")
    parts = {i: ctx.series(i) for i in econ_ids}
    years = sorted(set().union(*[set(s.index) for s in parts.values()]))
    if not years:
        sec.p(ctx.na("na.econ"))
    else:
        frame = _year_table(ctx, years, parts)
        tb = ctx.table("by_econ", ctx.t("tab.by_econ"), frame, [
            Column(C.YEAR, ctx.t("col.year"), "year"),
            *[Column(i, f"{econ_label(code, ctx.lang)} (%)", "num1")
              for i, code in zip(econ_ids, ("21", "22", "31"))],
        ])
        ctx.log.record_table(tb, origin="compute", row_keys=[C.COUNTRY, C.YEAR],
                             value_columns={i: {"indicator": i, "unit": "%"} for i in econ_ids})
        w = ctx.latest("exp_wage_share")
        if w:
            sec.p(ctx.t("msg.wage_share", year=w[1], share=ctx.num("exp_wage_share", w[0], w[1], unit="%")))
        sec.blocks.append(tb)
    return sec


def _with_share(ctx: Context, rows: pd.DataFrame, amount: str, share: str, by: str) -> pd.DataFrame:
    """The rows of ``amount`` (per country, year and ``by``) as column ``amount``, with the
    ``share`` indicator of the same rows beside it (when computed)."""
    key = [C.COUNTRY, C.YEAR, by]
    frame = rows[[*key, C.VALUE]].rename(columns={C.VALUE: amount})
    sh = ctx.rows(share)
    if not sh.empty:
        frame = frame.merge(sh[[*key, C.VALUE]].rename(columns={C.VALUE: share}), on=key, how="left")
    return frame


def _institution_names(h: Any) -> dict[str, str]:
    s = h.spending
    if s is None or s.empty or C.INSTITUTION not in s or C.INSTITUTION_CODE not in s:
        return {}
    d = s[[C.INSTITUTION_CODE, C.INSTITUTION]].dropna().drop_duplicates(C.INSTITUTION_CODE)
    return {str(k): (str(v)[:88] + "…" if len(str(v)) > 90 else str(v)) for k, v in zip(d[C.INSTITUTION_CODE], d[C.INSTITUTION])}


# ---------------------------------------------------------------------------------------------
# 4. budget credibility
# ---------------------------------------------------------------------------------------------


def section_credibility(ctx: Context) -> Section:
    sec = Section("credibility", ctx.t("sec.credibility"))
    ctx.log.section = sec.id
    sec.h3(ctx.t("sub.execution"))
    ex = ctx.series("exec_rate_approved")
    exl = _country_rows(ctx, "exec_rate_link")
    if ex.empty and exl.empty:
        sec.p(ctx.na("na.execution"))
    else:
        years = sorted(set(ex.index) | set(exl[C.YEAR] if not exl.empty else []))
        ids = ("exec_rate_approved", "exec_rate_modified", "modification_rate")
        frame = _year_table(ctx, years, {n: ctx.series(n) for n in ids})
        tb = ctx.table("execution", ctx.t("tab.execution"), frame, [
            Column(C.YEAR, ctx.t("col.year"), "year"),
            *[Column(n, ctx.name(n) + " (%)", "num1") for n in ids],
        ])
        ctx.log.record_table(tb, origin="compute", row_keys=[C.COUNTRY, C.YEAR],
                             value_columns={n: {"indicator": n, "unit": "%"} for n in ids})
        wide = pd.DataFrame({"total": ex}) if not ex.empty else pd.DataFrame(index=pd.Index([], name=C.YEAR))
        if not exl.empty:
            lw = exl.pivot_table(index=C.YEAR, columns=C.LINK, values=C.VALUE, aggfunc="first")
            lw = lw[[x.value for x in CHAIN_LINKS if x.value in lw.columns]]  # no unallocated bar
            wide = wide.join(lw, how="outer") if not wide.empty else lw
        fig = charts.execution_rate(wide, lang=ctx.lang, source=ctx.source_text())
        fb = ctx.figure("execution_rate", ctx.t("fig.execution"), fig)
        last = ctx.latest("exec_rate_approved")
        if last:
            msg = ctx.t("msg.execution", year=last[1], rate=ctx.num("exec_rate_approved", last[0], last[1], unit="%"))
            sec.p(msg)
            ctx.messages.append(KeyMessage(msg, fb, 4))
        sec.blocks.append(fb)
        sec.blocks.append(tb)
        if not exl.empty:
            lf = exl[[C.COUNTRY, C.YEAR, C.LINK, C.VALUE]].rename(columns={C.VALUE: "exec_rate_link"}).copy()
            lf["link_label"] = [link_label(str(x), ctx.lang) for x in lf[C.LINK]]
            tb2 = ctx.table("execution_link", ctx.name("exec_rate_link"), lf, [
                Column(C.YEAR, ctx.t("col.year"), "year"), Column("link_label", ctx.t("col.link")),
                Column("exec_rate_link", ctx.t("col.value") + " (%)", "num1")])
            ctx.log.record_table(tb2, origin="compute", row_keys=[C.COUNTRY, C.YEAR, C.LINK],
                                 value_columns={"exec_rate_link": {"indicator": "exec_rate_link", "unit": "%"}})
            sec.blocks.append(tb2)
    sec.h3(ctx.t("sub.pefa"))
    _pefa(ctx, sec)
    return sec


def _scored_values(result: Any) -> list[tuple[int, float]]:
    """(year, value) of a PEFA result for the years its score rests on (finite values only)."""
    scored = {int(x) for x in result.years}
    return [(int(str(y)), _f(v)) for y, v in result.values.items() if _finite(v) and int(str(y)) in scored]


def _pefa_score(ctx: Context, dim: str, result: Any, summary: str) -> tuple[str, dict[str, Any]]:
    """The sentence and the table row of one scored PEFA dimension (``dim``: "1", "2.1")."""
    pi = f"PI-{dim}" if ctx.lang == "en" else f"ID-{dim}"
    text = ctx.t("msg.pefa", pi=pi, score=result.score, summary=summary)
    return text, {"dimension": pi, "score": str(result.score), "years": ", ".join(str(y) for y in result.years)}


def _pefa(ctx: Context, sec: Section) -> None:
    s = ctx.h.spending
    if s is None or s.empty:
        sec.p(ctx.na("na.pefa"))
        return
    s = s[s[C.COUNTRY] == ctx.country]
    ph = s[C.PHASE].astype(str)
    app = s[ph == "approved"].groupby(C.YEAR)[C.AMOUNT].sum()
    exe = s[ph == "executed"].groupby(C.YEAR)[C.AMOUNT].sum()
    common = sorted(set(app.index) & set(exe.index))
    if not common:
        sec.p(ctx.na("na.pefa"))
        return
    try:
        from peir.indicators import pefa
    except ImportError:  # pragma: no cover - the indicators package is part of peir
        sec.p(ctx.na("na.pefa"))
        return
    rows: list[dict[str, Any]] = []
    texts = []
    try:
        r1 = pefa.pi1(app.loc[common], exe.loc[common])
        vals = ", ".join(ctx.num("pefa_pi1_outturn", v, y, unit="%") for y, v in _scored_values(r1))
        text, row = _pefa_score(ctx, "1", r1, ctx.t("msg.pefa_pi1_summary", values=vals))
        texts.append(text)
        rows.append(row)
    except Exception as e:
        texts.append(f"PI-1: {type(e).__name__}" if ctx.lang == "en" else "ID-1: –")
    icol = C.INSTITUTION_CODE
    sub = s[ph.isin(["approved", "executed"]) & s[C.YEAR].isin(common)]
    if icol in sub and sub[icol].nunique() > 1:

        def by_head(phase: str) -> pd.DataFrame:
            part = sub[sub[C.PHASE].astype(str) == phase]
            wide: pd.DataFrame = part.pivot_table(index=C.YEAR, columns=icol, values=C.AMOUNT,
                                                  aggfunc="sum", observed=True).fillna(0.0)
            return wide

        try:
            wa, we = by_head("approved"), by_head("executed")
            heads = sorted(set(wa.columns) | set(we.columns))
            wa = wa.reindex(columns=heads, fill_value=0.0)
            we = we.reindex(columns=heads, fill_value=0.0)
            r2 = pefa.pi2(wa, we)
            vals = ", ".join(ctx.log.fmt(v, "%", origin="pefa", indicator="pi2_1", country=ctx.country, year=y)
                             for y, v in _scored_values(r2))
            text, row = _pefa_score(ctx, "2.1", r2, ctx.t("msg.pefa_pi2_summary", values=vals))
            texts.append(text)
            rows.append(row)
        except Exception:
            pass
    for x in texts:
        sec.p(x)
    if rows:
        sec.blocks.append(ctx.table("pefa", ctx.t("tab.pefa"), pd.DataFrame(rows), [
            Column("dimension", ctx.t("col.dimension")), Column("score", ctx.t("col.score")),
            Column("years", ctx.t("col.years"))]))


# ---------------------------------------------------------------------------------------------
# 5. chain performance
# ---------------------------------------------------------------------------------------------

_CHAIN_INDICATORS = (
    "homicide_rate",
    "crime_rate",
    "police_per_100k",
    "prosecutors_per_100k",
    "judges_per_100k",
    "clearance_rate",
    "disposition_time",
    "case_turnover",
    "convictions_per_homicide",
    "prisoners_per_100k",
    "occupancy_rate",
    "unsentenced_share",
)


def section_performance(ctx: Context) -> Section:
    sec = Section("performance", ctx.t("sec.performance"))
    ctx.log.section = sec.id
    # homicide rate trend
    hr = ctx.series("homicide_rate")
    if len(hr):
        data = pd.DataFrame({"year": hr.index, "value": hr.to_numpy(), "series": ctx.country})
        if not ctx.ind_peers.empty:
            pr = ctx.rows("homicide_rate", peers=True).dropna(subset=[C.VALUE])
            pr = pr[pr[C.COUNTRY] != ctx.country]
            if not pr.empty:
                data = pd.concat([data, pd.DataFrame({"year": pr[C.YEAR], "value": pr[C.VALUE],
                                                      "series": pr[C.COUNTRY]})], ignore_index=True)
        fig = charts.indicator_trend(data, ylabel=_unit_text(ctx, "per 100,000 inhabitants"),
                                     lang=ctx.lang, title=ctx.name("homicide_rate"), source=ctx.source_text(),
                                     colors={ctx.country: charts.OKABE_ITO["vermillion"]})
        fb = ctx.figure("homicide_rate", ctx.name("homicide_rate"), fig)
        y1 = int(hr.index[-1])
        v1 = ctx.num("homicide_rate", float(hr.iloc[-1]), y1, decimals=1)
        if len(hr) >= 2:
            y0 = int(hr.index[0])
            ch = (float(hr.iloc[-1]) / float(hr.iloc[0]) - 1) * 100
            ch_txt = ctx.log.fmt(ch, "%", origin="derived", indicator="homicide_rate", country=ctx.country,
                                 year=y1, key={"from": y0, "to": y1, "formula": "(b/a-1)*100"}, decimals=0)
            ch_txt = ("+" if ch > 0 else "") + ch_txt
            msg = ctx.t("msg.homicide_rate", value=v1, year=y1, change=ch_txt, y0=y0)
        else:
            msg = ctx.t("msg.homicide_rate_single", value=v1, year=y1)
        sec.p(msg)
        sec.blocks.append(fb)
        ctx.messages.append(KeyMessage(msg, fb, 2))
    # indicators table (latest year of each)
    sec.h3(ctx.t("sub.chain_indicators"))
    rows = []
    for ind in _CHAIN_INDICATORS:
        lt = ctx.latest(ind)
        if lt is None:
            continue
        link = str(ctx.catalog.loc[ctx.catalog["id"] == ind, "link"].iloc[0]) if not ctx.catalog.empty and ind in set(ctx.catalog["id"]) else ""
        rows.append({"indicator": ind, "name": ctx.name(ind), C.COUNTRY: ctx.country, C.YEAR: lt[1], "value": lt[0],
                     "unit": _unit_text(ctx, ctx.unit(ind)), "link_label": link_label(link, ctx.lang) if link else ""})
    prison_msgs = []
    for ind, key in (("prisoners_per_100k", "msg.prisoners_rate"), ("occupancy_rate", "msg.occupancy"),
                     ("unsentenced_share", "msg.unsentenced")):
        lt = ctx.latest(ind)
        if lt:
            unit = None if ind == "prisoners_per_100k" else "%"
            prison_msgs.append(ctx.t(key, year=lt[1], value=ctx.num(ind, lt[0], lt[1], unit=unit, decimals=0 if unit is None else None)))
    if rows:
        frame = pd.DataFrame(rows)
        tb = ctx.table("chain", ctx.t("tab.chain"), frame, [
            Column("name", ctx.t("col.indicator")), Column("link_label", ctx.t("col.link")),
            Column(C.YEAR, ctx.t("col.year"), "year"), Column("value", ctx.t("col.value"), "num1"),
            Column("unit", ctx.t("col.unit"))])
        ctx.log.record_table(tb, origin="compute", row_keys=[C.COUNTRY, C.YEAR],
                             value_columns={"value": {"indicator_column": "indicator"}})
        for m in prison_msgs:
            sec.p(m)
        pfig = _prison_figure(ctx)
        if pfig is not None:
            sec.blocks.append(pfig)
            if prison_msgs:
                ctx.messages.append(KeyMessage(" ".join(prison_msgs), pfig, 3))
        sec.blocks.append(tb)
    else:
        sec.p(ctx.na("na.caseload"))
    # funnel
    sec.h3(ctx.t("sub.funnel"))
    _funnel(ctx, sec)
    return sec


def _prison_figure(ctx: Context) -> FigureBlock | None:
    """Prison occupancy over time (or prisoners per 100,000 when occupancy has one year)."""
    candidates = [(ind, ctx.series(ind)) for ind in ("occupancy_rate", "prisoners_per_100k")]
    candidates.sort(key=lambda c: -len(c[1]))  # the longer series (occupancy on a tie)
    for ind, s in candidates:
        if len(s) >= 2:
            data = pd.DataFrame({"year": s.index, "value": s.to_numpy()})
            unit = ctx.unit(ind)
            ylabel = ctx.t("ax.percent") if unit.strip() == "%" else _unit_text(ctx, unit)
            fig = charts.indicator_trend(data, ylabel=ylabel, lang=ctx.lang,
                                         title=ctx.name(ind), source=ctx.source_text())
            return ctx.figure(f"prisons_{ind}", ctx.name(ind), fig)
    return None


def _unit_text(ctx: Context, unit: str) -> str:
    """A registry unit in the brief's language."""
    return unit_label(unit, ctx.lang)


def _funnel(ctx: Context, sec: Section) -> None:
    try:
        from peir.allocation import funnel
    except ImportError:
        sec.p(ctx.na("na.funnel"))
        return
    cl = ctx.h.headline_caseload()
    if cl is None or cl.empty:
        sec.p(ctx.na("na.funnel"))
        return
    years = sorted({int(y) for y in cl[cl[C.COUNTRY] == ctx.country][C.YEAR]}, reverse=True)
    best: tuple[int, pd.DataFrame, int] | None = None
    for y in years[:4]:  # the most recent years; the one with the most stages wins
        try:
            f = funnel(ctx.h, country=ctx.country, year=y)
        except Exception:
            continue
        n = int(pd.to_numeric(f["count"], errors="coerce").notna().sum()) if "count" in f else 0
        if n >= 2 and (best is None or n > best[2]):
            best = (y, f, n)
    if best is None:
        sec.p(ctx.na("na.funnel"))
        return
    year, f, _ = best
    f = f.copy()
    f["count"] = pd.to_numeric(f["count"], errors="coerce")
    stage_col = "measure" if "measure" in f else ("stage" if "stage" in f else str(f.columns[0]))
    f["label"] = [measure_label(str(s), ctx.lang) if str(s) in MEASURES else str(s) for s in f[stage_col]]
    if "link" not in f:
        f["link"] = [MEASURES[str(s)].link.value if str(s) in MEASURES else "" for s in f[stage_col]]
    f[C.YEAR] = year
    f[C.COUNTRY] = ctx.country
    tb = ctx.table("funnel", f"{ctx.t('tab.funnel')} ({year})", f, [
        Column("label", ctx.t("col.stage")), Column("count", ctx.t("col.count"), "int"),
        Column("ratio_to_previous", ctx.t("col.ratio_prev"), "num2"),
        Column("ratio_to_first", ctx.t("col.ratio_first"), "num2")])
    ctx.log.record_table(tb, origin="funnel", row_keys=[C.COUNTRY, C.YEAR, stage_col], value_columns={
        "count": {"indicator": "count"}, "ratio_to_previous": {"indicator": "ratio_to_previous"},
        "ratio_to_first": {"indicator": "ratio_to_first"}})
    main_line = f[f["line"] == f["line"].iloc[0]] if "line" in f else f
    fig = charts.chain_funnel(main_line, lang=ctx.lang, source=ctx.source_text())
    fb = ctx.figure("chain_funnel", f"{ctx.t('fig.funnel')} ({year})", fig)
    valid = main_line.dropna(subset=["count"])
    first, last = valid.iloc[0], valid.iloc[-1]
    if _finite(first["count"]) and float(first["count"]) > 0:
        per100 = 100 * float(last["count"]) / float(first["count"])
        msg = ctx.t("msg.funnel", first=str(first["label"]), last=str(last["label"]), year=year,
                    per100=ctx.log.fmt(per100, "", origin="funnel", indicator="ratio_to_first_x100",
                                       country=ctx.country, year=year, key={"stage": str(last[stage_col])},
                                       decimals=1))
        sec.p(msg)
        ctx.messages.append(KeyMessage(msg, fb, 3))
    sec.blocks.append(fb)
    sec.blocks.append(tb)


# ---------------------------------------------------------------------------------------------
# 6. efficiency and allocation
# ---------------------------------------------------------------------------------------------


def section_efficiency(ctx: Context) -> Section:
    sec = Section("efficiency", ctx.t("sec.efficiency"))
    ctx.log.section = sec.id
    sec.h3(ctx.t("sub.dea"))
    _dea(ctx, sec)
    sec.h3(ctx.t("sub.allocation"))
    _allocation(ctx, sec)
    sec.h3(ctx.t("sub.not_supported"))
    sec.p(ctx.t("limit.intro"))
    sec.bullets([ctx.t("limit.causal"), ctx.t("limit.comparability"), ctx.t("limit.allocation")])
    return sec


def _dea_units(ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame, int, str]:
    """Regional units of the latest year with judges (input) and resolved cases (output)."""
    cl = ctx.h.headline_caseload()
    what = (f"{measure_label('judges', ctx.lang).lower()} {ctx.t('w.and')} "
            f"{measure_label('cases_resolved', ctx.lang).lower()}")
    if cl is None or cl.empty:
        return pd.DataFrame(), pd.DataFrame(), 0, what
    cl = cl[cl[C.COUNTRY] == ctx.country]
    reg = cl[cl[C.REGION].notna() & (cl[C.REGION].astype(str) != "")] if C.REGION in cl else cl.iloc[0:0]
    src = reg if not reg.empty else cl
    wide = src.pivot_table(index=[C.YEAR, C.REGION] if not reg.empty else [C.YEAR], columns=C.MEASURE,
                           values=C.VALUE, aggfunc="sum") if not src.empty else pd.DataFrame()
    need_in, need_out = ["judges"], ["cases_resolved"]
    if wide.empty or not all(c in wide.columns for c in need_in + need_out):
        n = int(src[C.REGION].nunique()) if not reg.empty else (1 if not cl.empty else 0)
        return pd.DataFrame(), pd.DataFrame(), n, what
    wide = wide.dropna(subset=need_in + need_out)
    if wide.empty:
        return pd.DataFrame(), pd.DataFrame(), 0, what
    year = wide.index.get_level_values(C.YEAR).max()
    last = wide.xs(year, level=C.YEAR) if not reg.empty else wide.loc[[year]]
    X = pd.DataFrame(last[need_in])
    if not reg.empty and len(last) >= 9:  # enough units for a second input (n >= 3 (m + s))
        spend = _regional_judicial_spending(ctx, int(year))
        if spend is not None and spend.reindex(X.index).gt(0).all():
            X["judicial_spending"] = spend.reindex(X.index).to_numpy()
    return X, pd.DataFrame(last[need_out]), len(last), what


def _regional_judicial_spending(ctx: Context, year: int) -> pd.Series | None:
    """Real judicial-link spending per region in ``year`` (executed, else approved)."""
    s = ctx.h.spending
    if s is None or s.empty or C.REGION not in s:
        return None
    s = s[(s[C.COUNTRY] == ctx.country) & (s[C.YEAR] == year) & (s[C.LINK].astype(str) == "judicial")]
    for ph in _LEVEL_PHASES:
        part = s[s[C.PHASE].astype(str) == ph]
        if not part.empty:
            col = C.AMOUNT_REAL if C.AMOUNT_REAL in part and part[C.AMOUNT_REAL].notna().all() else C.AMOUNT
            out: pd.Series = part.groupby(C.REGION)[col].sum()
            return out
    return None


def _dea(ctx: Context, sec: Section) -> None:
    X, Y, n, what = _dea_units(ctx)
    if n < 5:
        sec.p(ctx.t("na.dea", n=ctx.count(n, "dea units"), what=what))
        return
    try:
        from peir.efficiency import dea

        res = dea(X, Y, rts="vrs", orientation="output")
        scores = res.efficiency.astype(float)
    except Exception as e:
        sec.p(ctx.t("na.dea", n=ctx.count(n, "dea units"), what=what)
              + (f" ({type(e).__name__})" if ctx.lang == "en" else ""))
        return
    frame = scores.rename("efficiency").rename_axis("unit").reset_index().sort_values("efficiency", ascending=False)
    frame[C.COUNTRY] = ctx.country
    tb = ctx.table("dea", ctx.t("tab.dea"), frame, [Column("unit", ctx.t("col.unit_dmu")),
                                                    Column("efficiency", ctx.t("col.efficiency"), "num2")])
    ctx.log.record_table(tb, origin="dea", row_keys=[C.COUNTRY, "unit"],
                         value_columns={"efficiency": {"indicator": "efficiency"}})
    fig = charts.efficiency_ranking(scores, lang=ctx.lang, source=ctx.source_text())
    fb = ctx.figure("efficiency_ranking", ctx.t("fig.dea"), fig)
    n_eff = int((scores >= 1 - 1e-6).sum())
    inputs = measure_label("judges", ctx.lang).lower()
    if "judicial_spending" in X:
        inputs += ", " + ctx.t("w.judicial_spending")
    sec.p(ctx.t("msg.dea", n=ctx.count(n, "dea units"), rts="VRS", orientation=ctx.t("w.output"), inputs=inputs,
                outputs=measure_label("cases_resolved", ctx.lang).lower(), n_eff=ctx.count(n_eff, "dea units on the frontier"),
                median=ctx.log.fmt(float(scores.median()), "ratio", origin="dea", indicator="efficiency_median",
                                   country=ctx.country)))
    sec.blocks.append(fb)
    sec.blocks.append(tb)


def _reason(e: Exception) -> str:
    """What went wrong, for the sentence that says a model could not be used."""
    return str(e).splitlines()[0][:200] if str(e) else type(e).__name__


def _allocation(ctx: Context, sec: Section) -> None:
    try:
        from peir.allocation import ChainModel
    except ImportError:
        sec.p(ctx.t("na.chain_model", reason="peir.allocation.ChainModel" if ctx.lang == "en" else "–"))
        return
    cl = ctx.h.headline_caseload()
    years = sorted({int(y) for y in cl[cl[C.COUNTRY] == ctx.country][C.YEAR]}, reverse=True) if cl is not None and not cl.empty else []
    spend_years = set(ctx.series("exp_total").index)
    model = None
    reason = ""
    for y in [y for y in years if y in spend_years] or years[:1]:
        try:
            model = ChainModel.from_harmonized(ctx.h, country=ctx.country, year=y)
            bn = model.bottleneck()
            year = y
            break
        except Exception as e:
            reason = _reason(e)
            model = None
    if model is None:
        sec.p(ctx.t("na.chain_model", reason=reason if ctx.lang == "en" and reason else ctx.t("doc.not_available")))
        return
    bn = bn.copy()
    lkcol = "link" if "link" in bn else bn.columns[0]
    bn["link_label"] = [link_label(str(x), ctx.lang) for x in bn[lkcol]]
    bn[C.YEAR] = year
    bn[C.COUNTRY] = ctx.country
    tb = ctx.table("bottleneck", f"{ctx.t('tab.bottleneck')} ({year})", bn, [
        Column("link_label", ctx.t("col.link")), Column("capacity", ctx.t("col.capacity"), "num0"),
        Column("demand", ctx.t("col.demand"), "num0"), Column("utilisation", ctx.t("col.utilisation"), "num2")])
    ctx.log.record_table(tb, origin="chain_model", row_keys=[C.COUNTRY, C.YEAR, lkcol], value_columns={
        "capacity": {"indicator": "capacity"}, "demand": {"indicator": "demand"},
        "utilisation": {"indicator": "utilisation"}})
    top = bn.iloc[0]
    if _finite(top.get("utilisation")):
        sec.p(ctx.t("msg.bottleneck", link=link_label(str(top[lkcol]), ctx.lang),
                    util=ctx.log.fmt(100 * float(top["utilisation"]), "%", origin="chain_model",
                                     indicator="utilisation_pct", country=ctx.country, year=year,
                                     link=str(top[lkcol]))))
    sec.blocks.append(tb)
    try:
        res = model.optimize(max_change=0.2)
        cur = model.links["budget"] if hasattr(model, "links") and "budget" in model.links else None
        opt = res.budgets
        if cur is not None:
            cur = cur.astype(float)
            if not isinstance(cur.index[0], str) and "link" in model.links:
                cur.index = model.links["link"].astype(str)
            fig = charts.allocation_comparison(cur, opt.astype(float), currency=ctx.currency, lang=ctx.lang,
                                               source=ctx.source_text())
            fb = ctx.figure("allocation_comparison", ctx.t("fig.allocation"), fig)
            frame = pd.DataFrame({"link": cur.index.astype(str), "current": cur.to_numpy(),
                                  "optimal": opt.reindex(cur.index).to_numpy(dtype=float)})
            frame["change"] = (frame["optimal"] / frame["current"] - 1) * 100
            frame["link_label"] = [link_label(x, ctx.lang) for x in frame["link"]]
            frame[C.YEAR] = year
            frame[C.COUNTRY] = ctx.country
            tb2 = ctx.table("allocation", ctx.t("tab.allocation"), frame, [
                Column("link_label", ctx.t("col.link")),
                Column("current", ctx.t("col.budget_current") + f" ({ctx.currency} {ctx.t('w.million')})", "millions"),
                Column("optimal", ctx.t("col.budget_optimal") + f" ({ctx.currency} {ctx.t('w.million')})", "millions"),
                Column("change", ctx.t("col.change"), "num1")])
            ctx.log.record_table(tb2, origin="chain_model", row_keys=[C.COUNTRY, C.YEAR, "link"], value_columns={
                "current": {"indicator": "budget_current"}, "optimal": {"indicator": "budget_optimal"},
                "change": {"indicator": "change_pct"}})
            t0 = getattr(model, "throughput", None)
            t0v = float(t0() if callable(t0) else t0) if t0 is not None else float(bn["capacity"].min()) if "capacity" in bn else np.nan
            if _finite(t0v) and _finite(res.throughput):
                msg = ctx.t("msg.optimize", max_change="20%" if ctx.lang == "en" else "20 %",
                            t0=ctx.log.fmt(t0v, "", origin="chain_model", indicator="throughput_current",
                                           country=ctx.country, year=year, decimals=0),
                            t1=ctx.log.fmt(float(res.throughput), "", origin="chain_model",
                                           indicator="throughput_optimal", country=ctx.country, year=year, decimals=0))
                sec.p(msg)
                ctx.messages.append(KeyMessage(msg, fb, 5))
            sec.blocks.append(fb)
            sec.blocks.append(tb2)
    except Exception as e:
        reason = _reason(e)
        sec.p(ctx.t("na.optimize", reason=reason if ctx.lang == "en" else ctx.t("doc.not_available")))


# ---------------------------------------------------------------------------------------------
# 7. results matrix templates
# ---------------------------------------------------------------------------------------------

_RM_INDICATORS: dict[str, tuple[str, ...]] = {
    "prevention": ("exp_link_share", "homicide_rate"),
    "patrol": ("exp_link_share", "police_per_100k", "homicide_rate", "crime_rate", "unit_cost_officer"),
    "investigation": ("exp_link_share", "prosecutors_per_100k", "attrition_indictments_per_case",
                      "convictions_per_homicide", "unit_cost_indictment"),
    "judicial": ("exp_link_share", "clearance_rate", "disposition_time", "judges_per_100k",
                 "unit_cost_case_resolved"),
    "corrections": ("exp_link_share", "occupancy_rate", "unsentenced_share", "prisoners_per_100k",
                    "unit_cost_prisoner_day"),
}


def section_results(ctx: Context) -> Section:
    sec = Section("results-matrix", ctx.t("sec.results"))
    ctx.log.section = sec.id
    sec.p(ctx.t("rm.intro"))
    sec.note(ctx.t("rm.hint"))
    fill = ctx.t("rm.fill")
    try:
        from peir.allocation.results_matrix import DEFAULT_INDICATORS as rm_defaults
    except ImportError:  # pragma: no cover
        rm_defaults = {}
    for lk in CHAIN_LINKS:
        ids = list(dict.fromkeys([*_RM_INDICATORS.get(lk.value, ()), *rm_defaults.get(lk.value, ())]))
        if not ctx.catalog.empty:
            extra = [i for i in ctx.catalog.loc[ctx.catalog["link"] == lk.value, "id"] if i not in ids]
            ids += extra
        rows: list[dict[str, Any]] = []
        for ind in ids:
            link_arg = lk.value if ind in ("exp_link_share", "exp_link", "exec_rate_link") else None
            lt = ctx.latest(ind, link=link_arg)
            if lt is None:
                continue
            if len(rows) >= 5:  # the first five with data, in order of priority
                break
            rows.append({"indicator": ind, "name": ctx.name(ind), C.COUNTRY: ctx.country, C.YEAR: lt[1],
                         C.LINK: link_arg or "", "baseline": lt[0],
                         "unit": _unit_text(ctx, ctx.unit(ind)), "issue": fill, "action": fill,
                         "responsible": fill, "target": fill, "target_year": fill})
        sec.h3(ctx.t("tab.results", link=lk.label(ctx.lang)))
        if not rows:
            sec.p(ctx.t("na.results_matrix"))
            rows = [{"indicator": "", "name": "", C.YEAR: "", "baseline": np.nan, "unit": "", "issue": fill,
                     "action": fill, "responsible": fill, "target": fill, "target_year": fill}]
        frame = pd.DataFrame(rows)
        tb = ctx.table(f"results_{lk.value}", ctx.t("tab.results", link=lk.label(ctx.lang)), frame, [
            Column("issue", ctx.t("col.issue")), Column("action", ctx.t("col.action")),
            Column("responsible", ctx.t("col.responsible")), Column("name", ctx.t("col.indicator")),
            Column("baseline", ctx.t("col.baseline"), "num1"), Column("unit", ctx.t("col.unit")),
            Column(C.YEAR, ctx.t("col.baseline_year"), "year"), Column("target", ctx.t("col.target")),
            Column("target_year", ctx.t("col.target_year"))])
        if frame["indicator"].astype(str).str.len().gt(0).any():
            ctx.log.record_table(tb, origin="compute", row_keys=[C.COUNTRY, C.YEAR, C.LINK],
                                 value_columns={"baseline": {"indicator_column": "indicator"}})
        sec.blocks.append(tb)
    return sec


# ---------------------------------------------------------------------------------------------
# 8. data annex
# ---------------------------------------------------------------------------------------------

_COL_KEYS = {
    "country": "col.country", "year": "col.year", "link": "col.link", "phase": "col.phase",
    "amount": "col.value", "measure": "col.measure", "source": "col.source",
    "counting_rule": "col.counting_rule", "severity": "col.severity", "code": "col.code",
    "message": "col.message", "column": "col.item", "row": "col.rows", "source_ref": "col.source",
    "value": "col.value", "values": "col.values", "difference": "col.difference", "missing": "col.missing",
    "lines": "col.lines", "headline_source": "col.headline_source",
    "headline_value": "col.headline_value", "diff_abs": "col.diff_abs", "diff_pct": "col.diff_pct", "institution_code": "col.institution", "region": "col.region",
    "unit": "col.unit", "note": "col.note", "years": "col.years", "detail": "col.detail",
}


def _generic_table(ctx: Context, key: str, title: str, frame: pd.DataFrame, max_rows: int = 40) -> TableBlock:
    frame = frame.loc[:, [c for c in frame.columns
                          if not (frame[c].isna() | (frame[c].astype(str).str.strip() == "")).all()]]
    cols = []
    for c in frame.columns:
        kind: Any = "text"
        if c == "year":
            kind = "year"
        elif pd.api.types.is_numeric_dtype(frame[c]) and c not in ("row",):
            v = pd.to_numeric(frame[c], errors="coerce").dropna()
            integral = bool(len(v)) and bool(np.all(np.isclose(v, np.round(v))))
            kind = "num0" if integral or v.abs().max() >= 1000 else "num2"
        label = ctx.t(_COL_KEYS[c]) if c in _COL_KEYS else str(c).replace("_", " ")
        cols.append(Column(str(c), label, kind))
    return ctx.table(key, title, frame, cols, max_rows=max_rows)


def section_annex(ctx: Context) -> Section:
    sec = Section("annex", ctx.t("sec.annex"))
    ctx.log.section = sec.id
    h = ctx.h
    # sources and counting rules
    sec.h3(ctx.t("sub.sources"))
    cl = h.caseload
    if cl is not None and not cl.empty and C.MEASURE in cl:
        cl = cl[cl[C.COUNTRY] == ctx.country] if C.COUNTRY in cl else cl
        cols = [c for c in (C.MEASURE, C.SOURCE, C.COUNTING_RULE) if c in cl]
        g = cl.assign(**{C.SOURCE: cl.get(C.SOURCE, pd.Series("", index=cl.index)).fillna(""),
                         C.COUNTING_RULE: cl.get(C.COUNTING_RULE, pd.Series("", index=cl.index)).fillna("")})
        g = g.groupby(cols, dropna=False)[C.YEAR].agg(lambda ys: _year_span(ys)).reset_index()
        g = g.rename(columns={C.YEAR: "years"})
        g[C.MEASURE] = [measure_label(str(m), ctx.lang) for m in g[C.MEASURE]]
        sec.blocks.append(_generic_table(ctx, "sources", ctx.t("tab.sources"), g, max_rows=60))
    sp = h.spending
    if sp is not None and not sp.empty and C.SOURCE_REF in sp and C.INSTITUTION_CODE in sp:
        sp = sp[sp[C.COUNTRY] == ctx.country]
        # file:line references are grouped by file
        refs = sp[C.SOURCE_REF].fillna("").astype(str).str.replace(r":\d+(-\d+)?$", "", regex=True)
        b = (sp.assign(**{C.SOURCE_REF: refs})
             .groupby([C.INSTITUTION_CODE, C.SOURCE_REF], dropna=False)[C.YEAR].agg(_year_span).reset_index()
             .rename(columns={C.YEAR: "years"}))
        if not b.empty:
            sec.blocks.append(_generic_table(ctx, "budget_sources", ctx.t("tab.budget_sources"), b))
    ctxf = h.context
    if ctxf is not None and not ctxf.empty and C.POPULATION_SOURCE in ctxf:
        srcs = sorted({str(x) for x in ctxf[ctxf[C.COUNTRY] == ctx.country][C.POPULATION_SOURCE].dropna()})
        if srcs:
            sec.p(ctx.t("annex.population_source", source="; ".join(srcs)))
    if ctxf is not None and not ctxf.empty and C.SOURCE_REF in ctxf:
        srcs = sorted({str(x) for x in ctxf[ctxf[C.COUNTRY] == ctx.country][C.SOURCE_REF].dropna()})
        if srcs:
            sec.p(ctx.t("annex.context_sources", sources="; ".join(srcs[:8]) + (" …" if len(srcs) > 8 else "")))
    # validation issues
    sec.h3(ctx.t("sub.validation"))
    rep = h.report
    issues = rep.issues if rep is not None else pd.DataFrame()
    n_err = int((issues["severity"] == "error").sum()) if len(issues) else 0
    n_warn = int((issues["severity"] == "warning").sum()) if len(issues) else 0
    sec.p(ctx.t("annex.validation_summary", n_err=ctx.count(n_err, "validation errors"),
                n_warn=ctx.count(n_warn, "validation warnings")))
    if len(issues):
        f = issues[[c for c in ("severity", "code", "source_ref", "row", "column", "message") if c in issues]].copy()
        f["severity"] = [ctx.t(f"w.{s}") if f"w.{s}" in _SEVERITY else str(s) for s in f["severity"]]
        sec.blocks.append(_generic_table(ctx, "issues", ctx.t("tab.issues"), f))
    else:
        sec.p(ctx.t("na.no_issues"))
    # gaps
    sec.h3(ctx.t("sub.gaps"))
    if h.gaps is not None and not h.gaps.empty:
        sec.blocks.append(_generic_table(ctx, "gaps", ctx.t("tab.gaps"), h.gaps.copy()))
    else:
        sec.p(ctx.t("na.no_gaps"))
    # discrepancies
    sec.h3(ctx.t("sub.discrepancies"))
    if h.discrepancies is not None and not h.discrepancies.empty:
        d = h.discrepancies.copy()
        if C.MEASURE in d:
            d[C.MEASURE] = [measure_label(str(m), ctx.lang) for m in d[C.MEASURE]]
        sec.blocks.append(_generic_table(ctx, "discrepancies", ctx.t("tab.discrepancies"), d))
    else:
        sec.p(ctx.t("na.no_discrepancies"))
    # unallocated
    sec.h3(ctx.t("sub.unallocated"))
    un = h.unallocated
    if un is not None and not un.empty:
        sec.p(ctx.t("annex.unallocated_total"))
        u = un.copy()
        if C.PHASE in u:
            u[C.PHASE] = [phase_label(str(p), ctx.lang) for p in u[C.PHASE]]
        tb = ctx.table("unallocated", ctx.t("tab.unallocated"), u, [
            Column(C.COUNTRY, ctx.t("col.country")), Column(C.YEAR, ctx.t("col.year"), "year"),
            Column(C.PHASE, ctx.t("col.phase")),
            Column(C.AMOUNT, ctx.t("col.amount", currency=ctx.currency), "money")])
        sec.blocks.append(tb)
    else:
        sec.p(ctx.t("na.no_unallocated"))
    sec.h3(ctx.t("sub.transfers"))
    if h.transfers is not None and not h.transfers.empty:
        sec.blocks.append(_generic_table(ctx, "transfers", ctx.t("tab.transfers"), h.transfers.copy()))
    else:
        sec.p(ctx.t("na.no_transfers"))
    prov = _provenance_rows(h.provenance, ctx.lang)
    if prov:
        sec.h3(ctx.t("sub.provenance"))
        sec.blocks.append(ctx.table("provenance", ctx.t("sub.provenance"), pd.DataFrame(prov), [
            Column("item", ctx.t("col.item")), Column("detail", ctx.t("col.detail"))]))
    sec.h3(ctx.t("sub.numbers"))
    sec.p(ctx.t("annex.numbers"))
    return sec


def _provenance_rows(prov: Any, lang: str, prefix: str = "", depth: int = 0) -> list[dict[str, str]]:
    """Flatten the harmonisation provenance into (item, detail) rows."""
    rows: list[dict[str, str]] = []
    if not isinstance(prov, dict):
        return rows
    for k, v in prov.items():
        if k in ("convention", "created_utc"):  # English prose (see docs/methodology.md) / run time
            continue
        name = f"{prefix}{k}"
        if isinstance(v, dict) and v and depth < 1:
            rows += _provenance_rows(v, lang, f"{name}.", depth + 1)
            continue
        if isinstance(v, dict):
            text = "; ".join(
                f"{kk}: {' > '.join(map(str, vv)) if isinstance(vv, list | tuple) else vv}" for kk, vv in v.items()
            )
        elif isinstance(v, list | tuple):
            text = ", ".join(map(str, v))
        elif isinstance(v, bool):
            text = t("w.yes" if v else "w.no", lang)
        else:
            text = "" if v is None else str(v)
        if text:
            rows.append({"item": name, "detail": text[:400]})
    return rows


_SEVERITY = {"w.error", "w.warning"}


def _year_span(years: pd.Series) -> str:
    ys = sorted({int(y) for y in years})
    if not ys:
        return ""
    if len(ys) == 1:
        return str(ys[0])
    if ys == list(range(ys[0], ys[-1] + 1)):
        return f"{ys[0]}–{ys[-1]}"
    return ", ".join(str(y) for y in ys[:8]) + (" …" if len(ys) > 8 else "")


# ---------------------------------------------------------------------------------------------
# 1. key messages (built last, shown first)
# ---------------------------------------------------------------------------------------------


def section_key_messages(ctx: Context) -> Section:
    sec = Section("key-messages", ctx.t("sec.key_messages"))
    msgs = sorted(ctx.messages, key=lambda m: m.priority)
    seen: set[str] = set()
    for m in msgs:
        if m.figure.key in seen:
            continue
        seen.add(m.figure.key)
        sec.p(m.text)
        sec.blocks.append(m.figure)
        if len(seen) >= 6:
            break
    if not seen:
        sec.p(ctx.t("na.no_key_messages"))
    return sec


def build_sections(ctx: Context, step: Callable[[str], None] | None = None) -> list[Section]:
    """Build the eight sections in order (key messages are assembled from the others)."""
    builders: list[tuple[str, Callable[[Context], Section]]] = [
        ("sec.spending", section_spending),
        ("sec.composition", section_composition),
        ("sec.credibility", section_credibility),
        ("sec.performance", section_performance),
        ("sec.efficiency", section_efficiency),
        ("sec.results", section_results),
        ("sec.annex", section_annex),
    ]
    body = []
    for key, fn in builders:
        if step is not None:
            step(ctx.t(key))
        body.append(fn(ctx))
    return [section_key_messages(ctx), *body]
