"""Section 2: the level and trend of security and justice spending, and the peer comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd

from peir.report import charts
from peir.report.context import (
    BriefContext,
    KeyMessage,
    coverage,
    finite,
    level_phase,
    reference_year,
    year_table,
)
from peir.report.gaps import DataGap, fill
from peir.report.i18n import phase_label
from peir.report.model import Column, Section
from peir.schema import C

__all__ = ["build"]

_IDS = ("exp_total", "exp_total_real", "exp_per_capita", "exp_pct_gdp", "exp_pct_gov", "exp_growth_real")


def build(ctx: BriefContext) -> Section:
    """Spending level and trend, then the comparison with peers."""
    sec = Section("spending", ctx.t("sec.spending"))
    ctx.log.section = sec.id
    if fill(ctx, sec, lambda: _level(ctx, sec)):
        sec.h3(ctx.t("tab.peers"))
        fill(ctx, sec, lambda: _peers(ctx, sec))
    return sec


def _level(ctx: BriefContext, sec: Section) -> None:
    total = ctx.series("exp_total")
    if total.empty:
        raise DataGap("spending")
    real = ctx.series("exp_total_real")
    phases = level_phase(ctx.h, ctx.country)
    cover = coverage(ctx.h, ctx.country)
    years = sorted(total.index)
    frame = year_table(ctx, years, {"phase": {y: phase_label(phases.get(y, ""), ctx.lang) for y in years},
                                    **{ind: ctx.series(ind) for ind in _IDS}})
    # growth only between consecutive years with the same coverage
    frame["exp_growth_real"] = [
        v if cover.get(y) == cover.get(y - 1) else np.nan for y, v in zip(years, frame["exp_growth_real"])
    ]
    frame["institutions"] = [cover.get(y, "") for y in years]
    cols = [
        Column(C.YEAR, ctx.t("col.year"), "year"),
        Column("phase", ctx.t("col.phase")),
        Column("exp_total", ctx.t("col.amount_m", currency=ctx.currency), "millions"),
        Column("exp_total_real", ctx.t("col.amount_real_m", currency=ctx.currency, base_year=ctx.base_year or "–"),
               "millions"),
        Column("exp_per_capita", ctx.t("col.per_capita", currency=ctx.currency), "num1"),
        Column("exp_pct_gdp", ctx.t("col.pct_gdp"), "num2"),
        Column("exp_pct_gov", ctx.t("col.pct_gov"), "num2"),
        Column("exp_growth_real", ctx.name("exp_growth_real") + " (%)", "num1"),
        Column("institutions", ctx.t("col.institutions_covered")),
    ]
    frame = frame.dropna(axis=1, how="all")
    tb = ctx.table("spending", ctx.t("tab.spending"), frame, cols)
    ctx.log.record_table(tb, origin="compute", row_keys=[C.COUNTRY, C.YEAR],
                         value_columns={k: {"indicator": k, "unit": ctx.unit(k)} for k in _IDS})
    ry = reference_year(ctx) or years[-1]
    amount = total.get(ry, np.nan)
    sentences = []
    if finite(amount):
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


def _peers(ctx: BriefContext, sec: Section) -> None:
    if ctx.peers is None or ctx.ind_peers.empty:
        raise DataGap("peers")
    ind = "exp_pct_gdp"
    rows = ctx.rows(ind, peers=True).dropna(subset=[C.VALUE])
    if rows.empty:
        ind = "exp_per_capita"
        rows = ctx.rows(ind, peers=True).dropna(subset=[C.VALUE])
    if rows.empty:
        raise DataGap("peers")
    # the year with the most countries (ties: latest)
    counts = rows.groupby(C.YEAR)[C.COUNTRY].nunique()
    year = int(counts[counts == counts.max()].index.max())
    r = rows[rows[C.YEAR] == year].drop_duplicates(C.COUNTRY).set_index(C.COUNTRY)[C.VALUE].astype(float)
    frame = r.sort_values(ascending=False).rename("value").reset_index()
    frame[C.YEAR] = year
    unit = ctx.t("col.pct_gdp") if ind == "exp_pct_gdp" else ctx.t("col.per_capita", currency=ctx.currency)
    tb = ctx.table("peers", f"{ctx.t('tab.peers')}: {ctx.name(ind)} ({year})", frame,
                   [Column(C.COUNTRY, ctx.t("col.country")), Column("value", unit, "num2")])
    ctx.log.record_table(tb, origin="compute", row_keys=[C.COUNTRY, C.YEAR], dataset="peers",
                         value_columns={"value": {"indicator": ind, "unit": ctx.unit(ind)}})
    fig = charts.per_capita_peers(r, highlight=ctx.country, unit=unit, lang=ctx.lang,
                                  title=f"{ctx.name(ind)}, {year}", source=ctx.source_text(), decimals=2)
    fb = ctx.figure("peers", ctx.t("fig.peers"), fig)
    if ctx.country in r.index and len(r) > 1:
        others = r.drop(ctx.country)
        v = float(r[ctx.country])
        value = (ctx.num(ind, v, year, dataset="peers", decimals=2) if ind == "exp_pct_gdp"
                 else ctx.num(ind, v, year, dataset="peers"))
        text = ctx.t(
            "msg.peers",
            value=value,
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
