"""Section 3: the composition of spending by link, by institution and by economic class."""

from __future__ import annotations

import numpy as np
import pandas as pd

from peir.chain import CHAIN_LINKS
from peir.report import charts
from peir.report.context import BriefContext, KeyMessage, country_rows, finite, to_float
from peir.report.coverage import spending_coverage
from peir.report.gaps import DataGap, section
from peir.report.i18n import link_label
from peir.report.model import Column, Section
from peir.report.needs import NEEDS, holder_text
from peir.report.sections import economic
from peir.schema import C

__all__ = ["build"]


def build(ctx: BriefContext) -> Section:
    """By link (table, stacked bars, the largest link), by institution, by economic class."""
    return section(
        ctx,
        "composition",
        "sec.composition",
        [
            ("sub.by_link", _by_link),
            ("sub.by_institution", _by_institution),
            ("sub.by_econ", economic.by_econ),
        ],
    )


def with_share(
    ctx: BriefContext, rows: pd.DataFrame, amount: str, share: str, by: str
) -> pd.DataFrame:
    """The rows of ``amount`` (per country, year and ``by``) as column ``amount``, with the
    ``share`` indicator of the same rows beside it (when computed)."""
    key = [C.COUNTRY, C.YEAR, by]
    frame = rows[[*key, C.VALUE]].rename(columns={C.VALUE: amount})
    sh = ctx.rows(share)
    if not sh.empty:
        frame = frame.merge(
            sh[[*key, C.VALUE]].rename(columns={C.VALUE: share}), on=key, how="left"
        )
    return frame


def _by_link(ctx: BriefContext, sec: Section) -> None:
    lk = country_rows(ctx, "exp_link")
    if lk.empty:
        raise DataGap("spending")
    cover = spending_coverage(ctx.h, ctx.country)
    frame = with_share(ctx, lk, "exp_link", "exp_link_share", C.LINK)
    if "exp_link_share" in frame:  # a share of part of the sector is not a sector share
        frame["exp_link_share"] = frame["exp_link_share"].where(
            frame[C.YEAR].astype(int).isin(cover.shares)
        )
    order = {lk_.value: i for i, lk_ in enumerate(CHAIN_LINKS)}
    frame["_o"] = frame[C.LINK].astype(str).map(order).fillna(99)
    frame = frame.sort_values([C.YEAR, "_o"]).drop(columns="_o")
    frame["link_label"] = [link_label(str(x), ctx.lang) for x in frame[C.LINK]]
    partial = sorted({int(y) for y in frame[C.YEAR]} - set(cover.shares))
    unsplit = [y for y in partial if cover.links_from is not None and y < cover.links_from]
    note = ctx.t("note.partial_shares", years=", ".join(map(str, partial))) if partial else ""
    if unsplit:  # the dataset says its link split starts later: the break is marked
        note = _unsplit_note(ctx, cover.links_from, unsplit)
    tb = ctx.recorded_table(
        "by_link",
        ctx.t("tab.by_link"),
        frame,
        [
            Column(C.YEAR, ctx.t("col.year"), "year"),
            Column("link_label", ctx.t("col.link")),
            Column("exp_link", ctx.t("col.amount_m", currency=ctx.currency), "millions"),
            Column("exp_link_share", ctx.t("col.share"), "num1"),
        ],
        note=note,
        origin="compute",
        row_keys=[C.COUNTRY, C.YEAR, C.LINK],
        value_columns={
            "exp_link": {"indicator": "exp_link", "unit": ctx.unit("exp_link")},
            "exp_link_share": {"indicator": "exp_link_share", "unit": "%"},
        },
    )
    whole = (
        frame.dropna(subset=["exp_link_share"]) if "exp_link_share" in frame else frame.iloc[0:0]
    )
    if unsplit:
        _say_unsplit(ctx, sec, unsplit[-1], with_shares=not whole.empty)
    if not whole.empty:
        wide = whole.pivot_table(
            index=C.YEAR, columns=C.LINK, values="exp_link_share", aggfunc="first"
        )
        cols_order = [x.value for x in CHAIN_LINKS if x.value in wide.columns] + [
            c for c in wide.columns if c not in {x.value for x in CHAIN_LINKS}
        ]
        wide = wide[cols_order]
        fig = charts.composition_by_link(
            wide, percent=True, lang=ctx.lang, source=ctx.source_text(budget=True)
        )
        title = ctx.t("fig.composition")
        if unsplit:
            title = ctx.t("fig.composition_from", title=title, year=min(int(y) for y in wide.index))
        fb = ctx.figure("composition_by_link", title, fig)
        ry = max(cover.shares) if cover.shares else None
        msg = None
        key = ""
        if ry is not None and ry in wide.index:
            row = wide.loc[ry].drop(labels=["unallocated"], errors="ignore").dropna()
            un = (
                wide.loc[ry].get("unallocated", np.nan) if "unallocated" in wide.columns else np.nan
            )
            un_txt = (
                ctx.num("exp_link_share", to_float(un), ry, link="unallocated", unit="%")
                if finite(un) and to_float(un) > 0
                else ""
            )
            if not row.empty:
                top = str(row.idxmax())
                share = ctx.num("exp_link_share", to_float(row.max()), ry, link=top, unit="%")
                key = (
                    "msg.largest_placed_link"
                    if un_txt and to_float(un) > to_float(row.max())
                    else "msg.largest_link"
                )
                msg = ctx.t(
                    key, link=link_label(top, ctx.lang), year=ry, share=share, unallocated=un_txt
                )
                sec.p(msg)
            if un_txt and (msg is None or key == "msg.largest_link"):
                sec.p(ctx.t("msg.unallocated_share", year=ry, share=un_txt))
            if un_txt or unsplit:
                ctx.record_gap("link_split", sec.heading)
                sec.p(ctx.t("na.request_split", holder=holder_text(ctx, NEEDS["link_split"])))
        sec.blocks.append(fb)
        if msg:
            ctx.messages.append(KeyMessage(msg, fb, 3))
    sec.blocks.append(tb)


def _unsplit_note(ctx: BriefContext, links_from: int | None, years: list[int]) -> str:
    """The table's note where the dataset's link split starts after ``years`` (the break)."""
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
    if links_from is not None and ctx.h.spending[C.YEAR].max() >= links_from:
        return ctx.t("note.links_from", years=span, year=links_from)
    return ctx.t("note.links_unsplit", years=span)


def _say_unsplit(ctx: BriefContext, sec: Section, year: int, *, with_shares: bool) -> None:
    """The years before the dataset's link split: what is not split, how much, and whom to ask."""
    s = ctx.h.spending
    cover = spending_coverage(ctx.h, ctx.country)
    s = s[
        (s[C.COUNTRY] == ctx.country)
        & (s[C.YEAR] == year)
        & (s[C.PHASE].astype(str) == cover.phase.get(year, ""))
    ]
    total = float(s[C.AMOUNT].sum())
    un = s[s[C.LINK].astype(str) == "unallocated"]
    if total <= 0 or un.empty:
        return
    names = ctx.institution_names()
    by = (
        un.groupby(un[C.INSTITUTION_CODE].astype(str), observed=True)[C.AMOUNT]
        .sum()
        .sort_values(ascending=False)
    )
    who = "; ".join(names.get(k, k) for k in by.index[:3])
    share = ctx.recorded(
        100 * float(un[C.AMOUNT].sum()) / total,
        "%",
        "aggregate",
        "exp_link_share",
        year,
        link="unallocated",
        decimals=1,
    )
    key = "msg.links_unsplit_then" if with_shares else "msg.links_unsplit"
    sec.p(ctx.t(key, year=year, share=share, institutions=who))
    ctx.record_gap("link_split", sec.heading)
    if not with_shares:  # else the request follows the split years' unallocated share
        sec.p(ctx.t("na.request_split", holder=holder_text(ctx, NEEDS["link_split"])))


def _by_institution(ctx: BriefContext, sec: Section) -> None:
    inst = country_rows(ctx, "exp_institution")
    if inst.empty:
        raise DataGap("institution")
    names = ctx.institution_names()
    whole = spending_coverage(ctx.h, ctx.country).whole
    frame = with_share(ctx, inst, "exp_institution", "exp_institution_share", "group")
    if "exp_institution_share" in frame:  # shares only of years that cover the whole sector
        frame["exp_institution_share"] = frame["exp_institution_share"].where(
            frame[C.YEAR].astype(int).isin(whole)
        )
    frame["inst_label"] = [names.get(str(g), str(g)) for g in frame["group"]]
    frame = frame.sort_values([C.YEAR, "exp_institution"], ascending=[True, False])
    tb = ctx.recorded_table(
        "by_institution",
        ctx.t("tab.by_institution"),
        frame,
        [
            Column(C.YEAR, ctx.t("col.year"), "year"),
            Column("inst_label", ctx.t("col.institution")),
            Column("exp_institution", ctx.t("col.amount_m", currency=ctx.currency), "millions"),
            Column("exp_institution_share", ctx.t("col.share"), "num1"),
        ],
        origin="compute",
        row_keys=[C.COUNTRY, C.YEAR, "group"],
        value_columns={
            "exp_institution": {
                "indicator": "exp_institution",
                "unit": ctx.unit("exp_institution"),
            },
            "exp_institution_share": {"indicator": "exp_institution_share", "unit": "%"},
        },
    )
    sec.blocks.append(tb)
