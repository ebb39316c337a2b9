"""Section 2: the level and trend of security and justice spending, and the peer comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd

from peir.report import charts
from peir.report.context import LEVEL_PHASES, BriefContext, KeyMessage, year_table
from peir.report.coverage import spending_coverage
from peir.report.gaps import DataGap, fill
from peir.report.i18n import link_label, phase_label
from peir.report.model import Column, Section
from peir.report.names import budget_sources, context_sources
from peir.report.sections.reconciliation import ALIASES
from peir.schema import C

__all__ = ["build"]

_IDS = (
    "exp_total",
    "exp_total_real",
    "exp_per_capita",
    "exp_pct_gdp",
    "exp_pct_gov",
    "exp_growth_real",
)


def build(ctx: BriefContext) -> Section:
    """Spending level and trend, then the comparison with peers."""
    sec = Section("spending", ctx.t("sec.spending"))
    ctx.log.section = sec.id
    if fill(ctx, sec, lambda: _level(ctx, sec)):
        sec.h3(ctx.t("tab.peers"))
        fill(ctx, sec, lambda: _peers(ctx, sec))
    return sec


def _institutions_text(ctx: BriefContext, codes: frozenset[str]) -> str:
    names = ctx.institution_names()
    shown = sorted(names.get(c, c) for c in codes)
    return "; ".join(shown[:8]) + (" …" if len(shown) > 8 else "")


def _phases_held(ctx: BriefContext) -> str:
    """Why there is no level where the budget has lines, but in no level phase (e.g. only
    the committed amounts): the phases it has; "" otherwise."""
    s = ctx.h.spending
    if s.empty or C.PHASE not in s.columns:
        return ""
    held = sorted(set(s.loc[s[C.COUNTRY] == ctx.country, C.PHASE].astype(str)))
    if not held or set(held) & set(LEVEL_PHASES):
        return ""
    return ctx.t(
        "na.spending_phases", phases=", ".join(phase_label(p, ctx.lang).lower() for p in held)
    )


def _level(ctx: BriefContext, sec: Section) -> None:
    total = ctx.series("exp_total")
    if total.empty:
        raise DataGap("spending", reason=_phases_held(ctx))
    real = ctx.series("exp_total_real")
    cover = spending_coverage(ctx.h, ctx.country)
    years = sorted(int(y) for y in total.index)
    frame = year_table(
        ctx,
        years,
        {
            "phase": {y: phase_label(cover.phase.get(y, ""), ctx.lang) for y in years},
            **{ind: ctx.series(ind) for ind in _IDS},
        },
    )
    # growth only between consecutive years of the same coverage
    frame["exp_growth_real"] = [
        v if cover.same(y, y - 1) else np.nan for y, v in zip(years, frame["exp_growth_real"])
    ]
    frame["coverage"] = [
        ctx.t("w.whole_sector") if y in cover.whole else ctx.t("w.partial") for y in years
    ]
    # the institutions once per segment of the same coverage (the first year of each)
    starts = {seg[0] for seg in cover.segments}
    frame["institutions"] = [
        _institutions_text(ctx, cover.institutions.get(y, frozenset()))
        if y in starts
        else ctx.t("w.same_as_above")
        for y in years
    ]
    if len(cover.segments) <= 1:
        frame = frame.drop(columns=["institutions", "coverage"])
    cols = [
        Column(C.YEAR, ctx.t("col.year"), "year"),
        Column("phase", ctx.t("col.phase")),
        Column("exp_total", ctx.t("col.amount_m", currency=ctx.currency), "millions"),
        Column(
            "exp_total_real",
            ctx.t("col.amount_real_m", currency=ctx.currency, base_year=ctx.base_year or "–"),
            "millions",
        ),
        Column("exp_per_capita", ctx.t("col.per_capita", currency=ctx.currency), "num1"),
        Column("exp_pct_gdp", ctx.t("col.pct_gdp"), "num2"),
        Column("exp_pct_gov", ctx.t("col.pct_gov"), "num2"),
        Column("exp_growth_real", ctx.name("exp_growth_real") + " (%)", "num1"),
        Column("coverage", ctx.t("col.coverage")),
        Column("institutions", ctx.t("col.institutions_covered")),
    ]
    frame = frame.dropna(axis=1, how="all")
    tb = ctx.recorded_table(
        "spending",
        ctx.t("tab.spending"),
        frame,
        cols,
        origin="compute",
        row_keys=[C.COUNTRY, C.YEAR],
        value_columns={k: {"indicator": k, "unit": ctx.unit(k)} for k in _IDS},
    )
    ry = cover.latest_whole() or years[-1]
    sentences = [_level_sentence(ctx, ry, float(total[ry]), cover.phase.get(ry, ""))]
    seg = [y for y in cover.segment(ry) if y in real.dropna().index]
    if len(seg) >= 2 and ctx.base_year is not None:
        y0, y1 = seg[0], seg[-1]
        growth = (float(real[y1]) / float(real[y0]) - 1) * 100
        g_txt = ctx.recorded(
            growth,
            "%",
            "derived",
            "exp_total_real",
            y1,
            key={"from": y0, "to": y1, "formula": "(b/a-1)*100"},
        )
        sentences.append(
            ctx.t("msg.real_growth", base_year=ctx.base_year, growth=g_txt, y0=y0, y1=y1)
        )
    for s_ in sentences:
        sec.p(s_)
    if cover.breaks:
        sec.note(ctx.t("note.coverage", years=", ".join(str(y) for y in cover.breaks)))
    elif cover.segments:
        sec.note(
            ctx.t(
                "note.coverage_same",
                institutions=_institutions_text(ctx, cover.institutions.get(years[0], frozenset())),
            )
        )
    data = pd.DataFrame(
        {
            "year": years,
            "amount": [total.get(y) for y in years],
            "amount_real": [real.get(y, np.nan) for y in years],
            "segment": [next(i for i, s in enumerate(cover.segments) if y in s) for y in years],
        }
    )
    fig = charts.spending_trend(
        data,
        currency=ctx.currency,
        base_year=ctx.base_year,
        lang=ctx.lang,
        source=ctx.source_text(budget=True),
        breaks=cover.breaks,
    )
    fb = ctx.figure("spending_trend", ctx.t("fig.spending_trend"), fig)
    sec.blocks.append(fb)
    sec.blocks.append(tb)
    ctx.messages.append(KeyMessage(sentences[0], fb, 1))


def _level_sentence(ctx: BriefContext, year: int, amount: float, phase: str) -> str:
    """The spending level of ``year`` (a whole-sector year), with the published figure for the
    share of GDP when there is one (the reconciliation gives the reason for a difference)."""
    a_txt = ctx.num("exp_total", amount, year, scale=1e6, decimals=1)
    pg = ctx.latest("exp_pct_gdp", year=year)
    pc = ctx.latest("exp_per_capita", year=year)
    ph = phase_label(phase, ctx.lang).lower()
    if not (pg and pc):
        return ctx.t(
            "msg.spending_level_short",
            year=year,
            country=ctx.country_label(),
            amount=a_txt,
            currency=ctx.currency,
            phase=ph,
        )
    text = ctx.t(
        "msg.spending_level",
        year=year,
        country=ctx.country_label(),
        amount=a_txt,
        currency=ctx.currency,
        phase=ph,
        pct_gdp=ctx.num("exp_pct_gdp", pg[0], year, decimals=2),
        per_capita=ctx.num("exp_per_capita", pc[0], year, decimals=1),
    )
    pub = ctx.published
    if not pub.empty:
        hit = pub[
            (pub["year"] == year)
            & pub["indicator"]
            .astype(str)
            .map(lambda i: ALIASES.get(str(i), (str(i), None))[0] == "exp_pct_gdp")
            & (pub["country"].astype(str).isin([ctx.country, ""]))
        ]
        if len(hit):
            v = float(hit["value"].iloc[0])
            text += " " + ctx.t(
                "msg.published_pct_gdp",
                value=ctx.recorded(
                    v,
                    "%",
                    "published",
                    str(hit["indicator"].iloc[0]),
                    year,
                    key={"source": str(hit["source"].iloc[0])},
                    decimals=1,
                ),
            )
    return text


def _peer_link(ctx: BriefContext) -> str | None:
    """The one link the peers' spending covers (BOOST judiciary data: ``judicial``), if one."""
    assert ctx.peers is not None
    s = ctx.peers.spending
    if s.empty:
        return None
    by = s.groupby(s[C.LINK].astype(str), observed=True)[C.AMOUNT].sum()
    placed = [str(k) for k, v in by.items() if v > 0 and str(k) != "unallocated"]
    return placed[0] if len(placed) == 1 else None


def peer_institution(ctx: BriefContext) -> str | None:
    """The display name of the one institution the peers' spending covers (BOOST's judiciary:
    "Judiciary (BOOST functional aggregate)"), if it covers one only."""
    assert ctx.peers is not None
    s = ctx.peers.spending
    if s.empty or C.INSTITUTION_CODE not in s:
        return None
    s = s[s[C.AMOUNT] > 0]
    codes = s[C.INSTITUTION_CODE].dropna().astype(str).unique()
    if len(codes) != 1:
        return None
    named = [str(x) for x in s[C.INSTITUTION].dropna().unique()] if C.INSTITUTION in s else []
    return named[0] if named else str(codes[0])


def _peers(ctx: BriefContext, sec: Section) -> None:
    if ctx.peers is None or ctx.ind_peers.empty:
        raise DataGap("peers")
    link = _peer_link(ctx)
    # peers that cover one link only (a judiciary database) are compared on that link
    candidates = (
        [("exp_link_pct_gdp", link), ("exp_link_per_capita", link)]
        if link
        else [("exp_pct_gdp", None), ("exp_per_capita", None)]
    )
    ind, rows = "", pd.DataFrame()
    for ind, lk in candidates:
        rows = ctx.rows(ind, peers=True, link=lk).dropna(subset=[C.VALUE])
        if not rows.empty:
            break
    if rows.empty or rows[C.COUNTRY].nunique() < 2:
        raise DataGap("peers")
    # the year with the most countries (ties: latest)
    counts = rows.groupby(C.YEAR)[C.COUNTRY].nunique()
    year = int(counts[counts == counts.max()].index.max())
    r = (
        rows[rows[C.YEAR] == year]
        .drop_duplicates(C.COUNTRY)
        .set_index(C.COUNTRY)[C.VALUE]
        .astype(float)
    )
    frame = r.sort_values(ascending=False).rename("value").reset_index()
    frame[C.YEAR] = year
    frame[C.LINK] = link or ""
    frame["country_label"] = [ctx.country_label(str(c)) for c in frame[C.COUNTRY]]
    pct = ind.endswith("pct_gdp")
    unit = ctx.t("col.pct_gdp") if pct else ctx.t("col.per_capita", currency=ctx.currency)
    inst = peer_institution(ctx) if link else None
    what = ctx.name(ind) + (f" — {link_label(link, ctx.lang)}" if link else "")
    if inst:  # one institution (a judiciary database): named as such, never as the sector or link
        what = ctx.t("w.peers_institution_what", name=inst, unit=unit)
    tb = ctx.recorded_table(
        "peers",
        f"{ctx.t('tab.peers')}: {what} ({year})",
        frame,
        [Column("country_label", ctx.t("col.country")), Column("value", unit, "num2")],
        origin="compute",
        row_keys=[C.COUNTRY, C.YEAR, C.LINK],
        dataset="peers",
        value_columns={"value": {"indicator": ind, "unit": ctx.unit(ind)}},
    )
    named = r.rename(index=lambda c: ctx.country_label(str(c)))
    fig = charts.per_capita_peers(
        named,
        highlight=ctx.country_label(),
        unit=unit,
        lang=ctx.lang,
        title=f"{what}, {year}",
        source=_peer_source(ctx),
        decimals=2,
    )
    fb = ctx.figure("peers", f"{ctx.t('fig.peers')}: {what}" if inst else ctx.t("fig.peers"), fig)
    if ctx.peers_money_note():
        sec.note(ctx.peers_money_note())
    if inst and link:
        held = _link_institutions(ctx, link)
        sec.note(
            ctx.t(
                "note.peers_institution",
                name=inst,
                link=link_label(link, ctx.lang),
                institutions="; ".join(held) or "–",
            )
        )
    elif link:
        sec.note(ctx.t("note.peers_link", link=link_label(link, ctx.lang)))
    if ctx.country in r.index and len(r) > 1:
        others = r.drop(ctx.country)
        v = float(r[ctx.country])
        u = ctx.unit(ind)
        value = ctx.recorded(
            v, u, "compute", ind, year, dataset="peers", link=link or "", decimals=2
        )
        median = ctx.log.fmt(
            float(others.median()),
            u,
            origin="derived",
            dataset="peers",
            indicator=ind,
            year=year,
            key={"stat": "median of peers" if len(others) > 1 else "the one peer"},
            decimals=2,
        )
        names = ", ".join(
            ctx.country_label(str(c)) for c in others.sort_values(ascending=False).index
        )
        key = ("msg.peers_pct" if pct else "msg.peers_per_capita") + (
            "" if len(others) > 1 else "_one"
        )
        text = ctx.t(
            key,
            year=year,
            country=ctx.country_label(),
            value=value,
            currency=ctx.currency,
            what=(inst if inst else link_label(link, ctx.lang).lower())
            if link
            else ctx.t("w.security_justice"),
            n_peers=ctx.count(len(others), "peers", dataset="peers", indicator=ind),
            peers=names,
            median=median,
        )
        sec.p(text)
        ctx.messages.append(KeyMessage(text, fb, 2))
    sec.blocks.append(fb)
    sec.blocks.append(tb)


def _link_institutions(ctx: BriefContext, link: str) -> list[str]:
    """Display names of the institutions the review's own data places on ``link``."""
    s = ctx.h.spending
    if s.empty or C.INSTITUTION_CODE not in s:
        return []
    s = s[(s[C.COUNTRY] == ctx.country) & (s[C.LINK].astype(str) == link) & (s[C.AMOUNT] > 0)]
    names = ctx.institution_names()
    by = (
        s.groupby(s[C.INSTITUTION_CODE].astype(str), observed=True)[C.AMOUNT]
        .sum()
        .sort_values(ascending=False)
    )
    return [names.get(k, k) for k in by.index]


def _peer_source(ctx: BriefContext) -> str:
    """The peers' budget and population publishers (the peers' own data), then peir."""
    if ctx.source or ctx.peers is None:
        return ctx.source_text()
    parts = budget_sources(ctx.peers.spending) + context_sources(ctx.peers.context)
    parts = list(dict.fromkeys(p for p in parts if p))
    return ctx.t("doc.source_computed", sources="; ".join(parts)) if parts else ctx.source_text()
