"""One pack per working group (link of the chain): ``DIR/groups/<link>.html`` and ``.xlsx``.

Each pack holds, for its link: the spending (by year, and by institution), the link's
indicators, the peer comparison, the efficiency results, the link's position in the chain model
(bottleneck), the results-matrix template (baselines, and fields for timeframe, cost, funding
source, responsible institution and budget line), and the data to request, with the institution
that holds it. Every part the data cannot fill says what is needed and from whom
(:mod:`peir.report.needs`), and the "data to request" list gathers them.

A pack is built from the same :class:`~peir.report.context.BriefContext` as the brief (after the
brief's sections, whose chain model and DEA it reuses), with its own number log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from peir._version import __version__
from peir.chain import CHAIN_LINKS, Link
from peir.report.context import BriefContext, country_rows
from peir.report.coverage import executed_by_link_assumed, spending_coverage
from peir.report.gaps import DataGap, section
from peir.report.i18n import link_label, t
from peir.report.model import Brief, Column, NumberLog, Section
from peir.report.needs import request_rows
from peir.report.sections.efficiency import bottleneck_table, dea_table
from peir.report.sections.results_matrix import template_table
from peir.report.sections.spending import peer_institution
from peir.schema import C

__all__ = ["PACK_FIELDS", "build_packs"]

#: The results-matrix template of a pack: the fields the working group fills in, before and
#: after the indicator columns, as (field, column-title key).
_TEMPLATE_BEFORE: tuple[tuple[str, str], ...] = (("issue", "col.issue"), ("action", "col.action"))
_TEMPLATE_AFTER: tuple[tuple[str, str], ...] = (
    ("target", "col.target"),
    ("target_year", "col.target_year"),
    ("timeframe", "col.timeframe"),
    ("cost", "col.cost"),
    ("funding_source", "col.funding_source"),
    ("responsible", "col.responsible_institution"),
    ("budget_line", "col.budget_line"),
)
#: The fields of a pack's results-matrix template that the working group fills in.
PACK_FIELDS: tuple[str, ...] = tuple(f for f, _t in (*_TEMPLATE_BEFORE, *_TEMPLATE_AFTER))

#: The data need that fills a link's indicators, and the one for its comparable units.
_INDICATOR_NEED = {
    "prevention": "prevention_outputs",
    "patrol": "police",
    "investigation": "prosecution",
    "judicial": "courts",
    "corrections": "prisons",
}
_UNITS_NEED = {
    "prevention": "prevention_units",
    "patrol": "patrol_units",
    "investigation": "investigation_units",
    "judicial": "courts_units",
    "corrections": "corrections_units",
}
#: Link-level spending indicators (computed per link).
_LINK_SPENDING = ("exp_link_per_capita", "exp_link_pct_gdp", "exec_rate_link", "exp_per_staff_link")


def build_packs(ctx: BriefContext, subtitle: str = "") -> dict[str, Brief]:
    """One :class:`~peir.report.model.Brief` per link, keyed by link id."""
    return {lk.value: _pack(ctx, lk, subtitle) for lk in CHAIN_LINKS}


def _pack(ctx: BriefContext, lk: Link, subtitle: str) -> Brief:
    pctx = replace(
        ctx,
        log=NumberLog(ctx.lang),
        messages=[],
        gaps={k: list(v) for k, v in ctx.gaps.items()},
        _n_fig=0,
        _n_tab=0,
    )
    link = lk.value
    sections = [
        section(pctx, "spending", "pk.spending", [(None, lambda c, s: _spending(c, s, link))]),
        section(
            pctx, "indicators", "pk.indicators", [(None, lambda c, s: _indicators(c, s, link))]
        ),
        section(pctx, "peers", "pk.peers", [(None, lambda c, s: _peers(c, s, link))]),
        section(
            pctx, "efficiency", "pk.efficiency", [(None, lambda c, s: _efficiency(c, s, link))]
        ),
        section(pctx, "position", "pk.position", [(None, lambda c, s: _position(c, s, link))]),
        section(
            pctx,
            "outlook",
            "pk.outlook",
            [
                (None, lambda c, s: _outlook(c, s, link)),
                ("pk.cost_of_crime", lambda c, s: _cost(c, s, link)),
            ],
        ),
        section(pctx, "results-matrix", "pk.results", [(None, lambda c, s: _results(c, s, link))]),
    ]
    sections.append(_requests(pctx, link))  # last: it lists the gaps met above
    today = dt.date.today().isoformat()
    base = ctx.h.base_year
    meta = (
        t(
            "doc.generated",
            ctx.lang,
            version=__version__,
            date=today,
            currency=ctx.currency,
            base_year=base,
        )
        if base is not None
        else t(
            "doc.generated_nominal",
            ctx.lang,
            version=__version__,
            date=today,
            currency=ctx.currency,
        )
    )
    return Brief(
        title=t("pk.title", ctx.lang, link=lk.label(ctx.lang)),
        subtitle=subtitle or t("doc.subtitle", ctx.lang, name=ctx.country_label()),
        lang=ctx.lang,
        meta_line=meta,
        intro=t("pk.intro", ctx.lang, link=lk.label(ctx.lang)),
        sections=sections,
        numbers=pctx.log.frame(),
        banner=t("doc.synthetic", ctx.lang) if ctx.h.synthetic else "",
        extra={"country": ctx.country, "link": link},
    )


def _spending(ctx: BriefContext, sec: Section, link: str) -> None:
    rows = country_rows(ctx, "exp_link")
    rows = rows[rows[C.LINK].astype(str) == link] if not rows.empty else rows
    if rows.empty:
        un = country_rows(ctx, "exp_link")
        if not un.empty and (un[C.LINK].astype(str) == "unallocated").any():
            raise DataGap("link_split")
        raise DataGap("spending")
    whole = spending_coverage(ctx.h, ctx.country).shares
    share = ctx.series("exp_link_share", link=link)
    real = ctx.series("exp_link_real", link=link)
    frame = (
        rows[[C.COUNTRY, C.YEAR, C.LINK, C.VALUE]]
        .rename(columns={C.VALUE: "exp_link"})
        .sort_values(C.YEAR)
    )
    frame["exp_link_real"] = [real.get(y, np.nan) for y in frame[C.YEAR]]
    frame["exp_link_share"] = [
        share.get(y, np.nan) if int(y) in whole else np.nan for y in frame[C.YEAR]
    ]
    tb = ctx.recorded_table(
        "link_spending",
        ctx.t("pk.tab_spending", link=link_label(link, ctx.lang)),
        frame,
        [
            Column(C.YEAR, ctx.t("col.year"), "year"),
            Column("exp_link", ctx.t("col.amount_m", currency=ctx.currency), "millions"),
            Column(
                "exp_link_real",
                ctx.t("col.amount_real_m", currency=ctx.currency, base_year=ctx.base_year or "–"),
                "millions",
            ),
            Column("exp_link_share", ctx.t("col.share"), "num1"),
        ],
        note=_spending_note(ctx, link, [int(y) for y in frame[C.YEAR] if int(y) not in whole]),
        origin="compute",
        row_keys=[C.COUNTRY, C.YEAR, C.LINK],
        value_columns={
            "exp_link": {"indicator": "exp_link"},
            "exp_link_real": {"indicator": "exp_link_real"},
            "exp_link_share": {"indicator": "exp_link_share", "unit": "%"},
        },
    )
    sec.blocks.append(tb)
    s = ctx.h.spending
    s = s[(s[C.COUNTRY] == ctx.country) & (s[C.LINK].astype(str) == link)]
    year = int(frame[C.YEAR].max())
    s = s[
        (s[C.YEAR] == year)
        & (s[C.PHASE].astype(str) == spending_coverage(ctx.h, ctx.country).phase.get(year, ""))
    ]
    if not s.empty:
        names = ctx.institution_names()
        by = (
            s.groupby(s[C.INSTITUTION_CODE].astype(str), observed=True)[C.AMOUNT]
            .sum()
            .sort_values(ascending=False)
        )
        inst = pd.DataFrame(
            {
                "institution": [names.get(k, k) for k in by.index],
                "amount": by.to_numpy(),
                C.YEAR: year,
                C.COUNTRY: ctx.country,
                "code": by.index,
            }
        )
        tb2 = ctx.recorded_table(
            "link_institutions",
            ctx.t("pk.tab_institutions", year=year),
            inst,
            [
                Column("institution", ctx.t("col.institution")),
                Column("amount", ctx.t("col.amount_m", currency=ctx.currency), "millions"),
            ],
            origin="aggregate",
            row_keys=[C.COUNTRY, C.YEAR, "code"],
            value_columns={"amount": {"indicator": "link_institution_amount"}},
        )
        sec.blocks.append(tb2)


def _spending_note(ctx: BriefContext, link: str, partial: list[int]) -> str:
    """Why some years of the link's spending have no share: before the dataset's own split by
    link (the break: amounts before it hold only the institutions wholly on the link), or a
    year covering part of the sector."""
    if not partial:
        return ""
    lf = spending_coverage(ctx.h, ctx.country).links_from
    before = [y for y in partial if lf is not None and y < lf]
    if before and lf is not None and max(int(y) for y in ctx.h.spending[C.YEAR]) >= lf:
        return ctx.t(
            "pk.note_links_from",
            year=lf,
            link=link_label(link, ctx.lang),
            years=f"{before[0]}–{before[-1]}" if len(before) > 1 else str(before[0]),
        )
    if before:
        return ctx.t(
            "note.links_unsplit",
            years=f"{before[0]}–{before[-1]}" if len(before) > 1 else str(before[0]),
        )
    return ctx.t("note.partial_shares", years=", ".join(map(str, partial)))


def _link_indicator_ids(ctx: BriefContext, link: str) -> list[str]:
    c = ctx.catalog
    own = [str(i) for i in c.loc[c["link"] == link, "id"]] if not c.empty else []
    return [*_LINK_SPENDING, *own]


def _indicators(ctx: BriefContext, sec: Section, link: str) -> None:
    rows: list[dict[str, Any]] = []
    cover = spending_coverage(ctx.h, ctx.country)
    assumed = executed_by_link_assumed(ctx.h)
    for ind in _link_indicator_ids(ctx, link):
        if ind == "exec_rate_link" and assumed:  # the institution's rate, not the link's
            continue
        s = ctx.series(ind, link=link if ind in _LINK_SPENDING else None)
        if ind in _LINK_SPENDING and cover.links_from is not None:  # only years split by link
            s = s[s.index.isin(cover.shares)]
        s = s[np.isfinite(s.to_numpy(dtype=float))]
        if s.empty:
            continue
        rows.append(
            {
                "indicator": ind,
                "name": ctx.name(ind),
                C.COUNTRY: ctx.country,
                C.LINK: link if ind in _LINK_SPENDING else "",
                C.YEAR: int(s.index[-1]),
                "value": float(s.iloc[-1]),
                "unit": ctx.unit_text(ctx.unit(ind)),
                "years": f"{int(s.index[0])}–{int(s.index[-1])}"
                if len(s) > 1
                else str(int(s.index[0])),
            }
        )
    if not [r for r in rows if r["indicator"] not in _LINK_SPENDING]:
        ctx.record_gap(_INDICATOR_NEED[link], sec.heading)
        if not rows:
            raise DataGap(_INDICATOR_NEED[link])
    tb = ctx.recorded_table(
        "link_indicators",
        ctx.t("pk.tab_indicators"),
        pd.DataFrame(rows),
        [
            Column("name", ctx.t("col.indicator")),
            Column(C.YEAR, ctx.t("col.year"), "year"),
            Column("value", ctx.t("col.value"), "num2"),
            Column("unit", ctx.t("col.unit")),
            Column("years", ctx.t("col.years")),
        ],
        origin="compute",
        row_keys=[C.COUNTRY, C.YEAR, C.LINK],
        value_columns={"value": {"indicator_column": "indicator"}},
    )
    sec.blocks.append(tb)


def _peers(ctx: BriefContext, sec: Section, link: str) -> None:
    if ctx.peers is None or ctx.ind_peers.empty:
        raise DataGap("peers")
    done = 0
    inst = peer_institution(ctx)
    if ctx.peers_money_note():
        sec.note(ctx.peers_money_note())
    if inst:  # one institution (BOOST's judiciary): named as such, never as the link
        sec.note(ctx.t("pk.peers_institution", name=inst, link=link_label(link, ctx.lang)))
    for ind in _link_indicator_ids(ctx, link):
        rows = ctx.rows(ind, peers=True, link=link if ind in _LINK_SPENDING else None).dropna(
            subset=[C.VALUE]
        )
        if rows.empty or rows[C.COUNTRY].nunique() < 2:
            continue
        counts = rows.groupby(C.YEAR)[C.COUNTRY].nunique()
        year = int(counts[counts == counts.max()].index.max())
        r = rows[rows[C.YEAR] == year].drop_duplicates(C.COUNTRY)
        frame = r[[C.COUNTRY, C.YEAR, C.VALUE]].sort_values(C.VALUE, ascending=False).copy()
        frame[C.LINK] = link if ind in _LINK_SPENDING else ""
        frame["country_label"] = [ctx.country_label(str(c)) for c in frame[C.COUNTRY]]
        title = f"{ctx.name(ind)} ({year})"
        if inst and ind in _LINK_SPENDING:
            what = " ".join(ctx.name(ind).replace(ctx.t("w.by_link_suffix"), "").split())
            title = f"{inst}: {what} ({year})"
        tb = ctx.recorded_table(
            f"peers_{ind}",
            title,
            frame,
            [
                Column("country_label", ctx.t("col.country")),
                Column(C.VALUE, ctx.unit_text(ctx.unit(ind)) or ctx.t("col.value"), "num2"),
            ],
            origin="compute",
            dataset="peers",
            row_keys=[C.COUNTRY, C.YEAR, C.LINK],
            value_columns={C.VALUE: {"indicator": ind}},
        )
        sec.blocks.append(tb)
        done += 1
        if done >= 4:
            break
    if not done:
        raise DataGap("peers")


def _efficiency(ctx: BriefContext, sec: Section, link: str) -> None:
    if link != "judicial" or ctx.dea_scores is None:
        raise DataGap(_UNITS_NEED[link])
    scores = ctx.dea_scores
    sec.p(
        ctx.t(
            "pk.dea",
            n=ctx.count(len(scores), "dea units"),
            n_eff=ctx.count(int((scores >= 1 - 1e-6).sum()), "dea units on the frontier"),
        )
    )
    tb = dea_table(ctx, scores)
    sec.blocks.append(tb)


def _position(ctx: BriefContext, sec: Section, link: str) -> None:
    bn = ctx.bottleneck
    if bn is None or link not in set(bn["link"].astype(str)):
        raise DataGap("chain_model")
    ranked = bn.reset_index(drop=True)
    i = int(ranked.index[ranked["link"].astype(str) == link][0])
    row = ranked.iloc[i]
    year = int(row[C.YEAR])
    if link == "prevention" or not np.isfinite(float(row["utilisation"])):
        sec.p(ctx.t("pk.position_none", link=link_label(link, ctx.lang)))
    else:
        sec.p(
            ctx.t(
                "pk.position_text",
                link=link_label(link, ctx.lang),
                year=year,
                util=ctx.recorded(
                    100 * float(row["utilisation"]),
                    "%",
                    "chain_model",
                    "utilisation_pct",
                    year,
                    link=link,
                ),
                rank=ctx.count(i + 1, "bottleneck rank"),
                n=ctx.count(len(ranked), "links in the model"),
                binding=ctx.t("pk.binding") if bool(row["binding"]) else ctx.t("pk.not_binding"),
            )
        )
    sec.blocks.append(bottleneck_table(ctx, "position", ranked, year))


def _outlook(ctx: BriefContext, sec: Section, link: str) -> None:
    """The link's lines of the brief's baseline projection (``Projection.by_link()[link]``)."""
    p = ctx.projection
    if p is None:
        raise DataGap("projection")
    cover = spending_coverage(ctx.h, ctx.country)
    wide, real = p.by_link(), p.by_link(real=True)
    if link not in wide.columns or (
        cover.links_from is not None and p.base_year < cover.links_from
    ):
        raise DataGap("link_split")  # the base year's spending is not split onto this link
    years = [int(y) for y in wide.index]
    frame = pd.DataFrame(
        {
            C.YEAR: years,
            C.COUNTRY: ctx.country,
            C.LINK: link,
            "amount": wide[link].to_numpy(dtype=float),
            "amount_real": real[link].reindex(wide.index).to_numpy(dtype=float),
        }
    )
    b, end = years[0], years[-1]
    sec.p(
        ctx.t(
            "pk.outlook_text",
            link=link_label(link, ctx.lang),
            base_year=b,
            end_year=end,
            amount=ctx.recorded(
                float(frame["amount"].iloc[0]),
                ctx.currency,
                "outlook",
                "projection_link",
                b,
                link=link,
                decimals=1,
                scale=1e6,
            ),
            amount_end=ctx.recorded(
                float(frame["amount"].iloc[-1]),
                ctx.currency,
                "outlook",
                "projection_link",
                end,
                link=link,
                decimals=1,
                scale=1e6,
            ),
            currency=ctx.currency,
        )
    )
    tb = ctx.recorded_table(
        "link_projection",
        ctx.t("pk.tab_outlook", link=link_label(link, ctx.lang)),
        frame,
        [
            Column(C.YEAR, ctx.t("col.year"), "year"),
            Column("amount", ctx.t("col.amount_m", currency=ctx.currency), "millions"),
            Column(
                "amount_real",
                ctx.t("col.amount_real_m", currency=ctx.currency, base_year=b),
                "millions",
            ),
        ],
        origin="outlook",
        row_keys=[C.COUNTRY, C.YEAR, C.LINK],
        value_columns={
            "amount": {"indicator": "projection_link", "unit": ctx.currency},
            "amount_real": {"indicator": "projection_link_real", "unit": ctx.currency},
        },
    )
    sec.blocks.append(tb)
    sec.note(ctx.t("pk.outlook_note"))


def _cost(ctx: BriefContext, sec: Section, link: str) -> None:
    """The cost of crime's public spending on the link (its ``public_<link>`` row)."""
    c = ctx.crime_cost
    if c is None:
        raise DataGap("cost_of_crime")
    t_ = c.table
    row = t_[t_["component"].astype(str) == f"public_{link}"]
    cover = spending_coverage(ctx.h, ctx.country)
    if row.empty or (cover.links_from is not None and int(c.year) < cover.links_from):
        raise DataGap("link_split")  # the year's spending is not split onto this link
    r = row.iloc[0]
    frame = pd.DataFrame(
        [
            {
                C.COUNTRY: ctx.country,
                C.YEAR: int(c.year),
                C.LINK: link,
                "value": float(r["value"]),
                "pct_gdp": float(r["pct_gdp"]),
                "source": str(r.get("source", "")),
            }
        ]
    )
    sec.p(
        ctx.t(
            "pk.cost_text",
            link=link_label(link, ctx.lang),
            year=int(c.year),
            pct=ctx.recorded(
                float(r["pct_gdp"]),
                "%",
                "cost_of_crime",
                f"public_{link}",
                int(c.year),
                link=link,
                decimals=2,
            ),
        )
    )
    tb = ctx.recorded_table(
        "link_cost_of_crime",
        ctx.t("pk.tab_cost", link=link_label(link, ctx.lang), year=int(c.year)),
        frame,
        [
            Column("value", ctx.t("col.amount_m", currency=ctx.currency), "millions"),
            Column("pct_gdp", ctx.t("col.pct_gdp"), "num2"),
            Column("source", ctx.t("col.source")),
        ],
        origin="cost_of_crime",
        row_keys=[C.COUNTRY, C.YEAR, C.LINK],
        value_columns={
            "value": {"indicator": f"public_{link}", "unit": ctx.currency},
            "pct_gdp": {"indicator": f"public_{link}_pct_gdp", "unit": "%"},
        },
    )
    sec.blocks.append(tb)


def _results(ctx: BriefContext, sec: Section, link: str) -> None:
    sec.p(ctx.t("pk.results_intro"))
    tb = template_table(
        ctx,
        sec,
        link,
        key="results_matrix",
        before=_TEMPLATE_BEFORE,
        after=_TEMPLATE_AFTER,
    )
    sec.blocks.append(tb)


def _requests(ctx: BriefContext, link: str) -> Section:
    sec = Section("data-requests", ctx.t("pk.requests"))
    ctx.log.section = sec.id
    req = request_rows(ctx, link)
    rows = [
        {
            "what": r.what,
            "holder": r.holder,
            "why": ctx.t("annex.request_missing_in", sections=r.sections),
        }
        for r in req.itertuples(index=False)
    ]
    rows += [
        {
            "what": str(r.get("need", "")),
            "holder": str(r.get("from", "")),
            "why": str(r.get("why", "")),
        }
        for r in ctx.requests
    ]  # the dataset's own list (need, from, why), after the registry's
    if not rows:
        sec.p(ctx.t("pk.no_requests"))
        return sec
    sec.p(ctx.t("pk.requests_intro"))
    sec.blocks.append(
        ctx.table(
            "data_requests",
            ctx.t("pk.requests"),
            pd.DataFrame(rows),
            [
                Column("what", ctx.t("col.what")),
                Column("holder", ctx.t("col.holder")),
                Column("why", ctx.t("col.why")),
            ],
        )
    )
    return sec
