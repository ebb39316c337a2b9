"""Personnel: who is paid, how many and at what wage (the personnel table, issue #17).

Headcount, staff per 100,000 inhabitants by category, the average wage and its ratio to GDP
per capita, the wage bill's share of spending and the support staff per frontline officer,
all from :func:`peir.indicators.compute` (:mod:`peir.indicators.personnel`).
"""

from __future__ import annotations

import pandas as pd

from peir.indicators.personnel import CATEGORIES
from peir.report.context import BriefContext, country_rows, year_table
from peir.report.gaps import DataGap, section
from peir.report.model import Column, ColumnKind, Section
from peir.schema import C

__all__ = ["build"]

#: The per-year indicators of the first table, with their column format.
_MAIN: tuple[tuple[str, ColumnKind], ...] = (
    ("headcount", "num0"),
    ("headcount_per_100k", "num1"),
    ("avg_wage", "num0"),
    ("avg_wage_gdp_pc", "num2"),
    ("wage_bill_share", "num1"),
    ("support_frontline_ratio", "num2"),
)


def build(ctx: BriefContext) -> Section:
    """Staff and wages by year, then staff by category."""
    return section(ctx, "personnel", "sec.personnel", [(None, _personnel)])


def _personnel(ctx: BriefContext, sec: Section) -> None:
    _staff(ctx, sec)
    cats = country_rows(ctx, "headcount_category")
    if not cats.empty and set(cats["group"].astype(str)) != {"all_staff"}:
        sec.h3(ctx.t("sub.by_category"))
        _by_category(ctx, sec)


def _staff(ctx: BriefContext, sec: Section) -> None:
    parts = {i: ctx.series(i) for i, _k in _MAIN}
    if parts["headcount"].empty:
        raise DataGap("personnel")
    sec.h3(ctx.t("sub.staff"))
    years = sorted(set().union(*[set(s.index) for s in parts.values()]))
    frame = year_table(ctx, years, parts)
    shown = [(i, kind) for i, kind in _MAIN if frame[i].notna().any()]
    tb = ctx.recorded_table(
        "personnel",
        ctx.t("tab.personnel"),
        frame,
        [
            Column(C.YEAR, ctx.t("col.year"), "year"),
            *[Column(i, ctx.name(i), kind) for i, kind in shown],
        ],
        note=ctx.t("note.personnel_units", currency=_lcu(ctx)),
        origin="compute",
        row_keys=[C.COUNTRY, C.YEAR],
        value_columns={i: {"indicator": i, "unit": ctx.unit(i)} for i, _k in _MAIN},
    )
    sec.blocks.append(tb)
    y = int(parts["headcount"].index[-1])
    n = ctx.num("headcount", float(parts["headcount"].iloc[-1]), y, decimals=0)
    rate = ctx.latest("headcount_per_100k", year=y)
    text = ctx.t("msg.headcount", year=y, n=n)
    if rate:
        text += " " + ctx.t(
            "msg.headcount_rate", rate=ctx.num("headcount_per_100k", rate[0], y, decimals=1)
        )
    wage = ctx.latest("avg_wage_gdp_pc", year=y)
    if wage:
        text += " " + ctx.t("msg.avg_wage_gdp_pc", ratio=ctx.num("avg_wage_gdp_pc", wage[0], y))
    share = ctx.latest("wage_bill_share", year=y)
    if share:
        text += " " + ctx.t(
            "msg.wage_bill_share", share=ctx.num("wage_bill_share", share[0], y, unit="%")
        )
    sec.p(text)


def _lcu(ctx: BriefContext) -> str:
    p = ctx.h.personnel
    if p is not None and not p.empty and C.CURRENCY in p.columns:
        cur = p.loc[p[C.COUNTRY] == ctx.country, C.CURRENCY].dropna().astype(str).unique()
        if len(cur) == 1:
            return str(cur[0])
    return ctx.t("w.lcu")


def _by_category(ctx: BriefContext, sec: Section) -> None:
    d = country_rows(ctx, "headcount_per_100k_category")
    n = country_rows(ctx, "headcount_category")
    if n.empty:
        raise DataGap("personnel")
    key = [C.COUNTRY, C.YEAR, "group"]
    frame = n[[*key, C.VALUE]].rename(columns={C.VALUE: "headcount_category"})
    for ind in ("headcount_per_100k_category", "avg_wage_category"):
        rows = d if ind == "headcount_per_100k_category" else country_rows(ctx, ind)
        if not rows.empty:
            frame = frame.merge(
                rows[[*key, C.VALUE]].rename(columns={C.VALUE: ind}), on=key, how="left"
            )
    order = {k: i for i, k in enumerate(CATEGORIES)}
    frame["_o"] = frame["group"].astype(str).map(order).fillna(len(order))
    frame = frame.sort_values([C.YEAR, "_o"]).drop(columns="_o")
    frame["category_label"] = [
        CATEGORIES[str(g)].label(ctx.lang) if str(g) in CATEGORIES else str(g)
        for g in frame["group"]
    ]
    cols: tuple[tuple[str, ColumnKind], ...] = (
        ("headcount_category", "num0"),
        ("headcount_per_100k_category", "num1"),
        ("avg_wage_category", "num0"),
    )
    tb = ctx.recorded_table(
        "personnel_category",
        ctx.t("tab.personnel_category"),
        frame,
        [
            Column(C.YEAR, ctx.t("col.year"), "year"),
            Column("category_label", ctx.t("col.category")),
            *[Column(i, ctx.name(i), kind) for i, kind in cols],
        ],
        origin="compute",
        row_keys=key,
        value_columns={i: {"indicator": i, "unit": ctx.unit(i)} for i, _k in cols},
    )
    sec.blocks.append(tb)
    last = frame[frame[C.YEAR] == frame[C.YEAR].max()]
    police = last[last["group"].astype(str) == "police_officer"]
    if (
        not police.empty
        and "headcount_per_100k_category" in police
        and pd.notna(police["headcount_per_100k_category"].iloc[0])
    ):
        y = int(police[C.YEAR].iloc[0])
        v = float(police["headcount_per_100k_category"].iloc[0])
        rate = ctx.log.fmt(
            v,
            ctx.unit("headcount_per_100k_category"),
            indicator="headcount_per_100k_category",
            country=ctx.country,
            year=y,
            key={"group": "police_officer"},
            decimals=1,
        )
        sec.p(ctx.t("msg.police_per_100k_staff", year=y, rate=rate))
