"""Regions: how spending and crime are spread across the country (issue #17).

Per-capita spending and the per-100,000 rates of every region (the regional rows of
:func:`peir.indicators.compute`, where budget lines carry a region and the context gives
regional populations), their dispersion (:mod:`peir.indicators.regional`), a dot plot of the
regions and spending per capita against recorded crime across regions.
"""

from __future__ import annotations

import pandas as pd

from peir.report import charts_regional
from peir.report.context import BriefContext, KeyMessage, year_table
from peir.report.gaps import DataGap, section
from peir.report.model import Column, ColumnKind, Section
from peir.schema import C

__all__ = ["build", "regional_frame"]

#: Regional indicators of the table (the first is the ordering one), with their format.
_REGIONAL: tuple[tuple[str, ColumnKind], ...] = (
    ("exp_per_capita", "num2"),
    ("crime_rate", "num1"),
    ("homicide_rate", "num1"),
    ("police_per_100k", "num1"),
    ("headcount_per_100k", "num1"),
    ("prisoners_per_100k", "num1"),
)

_DISPERSION = (
    "regional_dispersion",
    "regional_max_min_ratio",
    "regional_spending_crime_correlation",
)


def build(ctx: BriefContext) -> Section:
    """Regional levels and rates, then their dispersion over time."""
    return section(ctx, "regions", "sec.regions", [(None, _regions)])


def _regions(ctx: BriefContext, sec: Section) -> None:
    _by_region(ctx, sec)
    _dispersion(ctx, sec)


def regional_frame(ctx: BriefContext, indicator: str) -> pd.DataFrame:
    """The regional rows of ``indicator`` for the country with a value: year, region, value."""
    d = ctx.rows(indicator, national=False)
    if d.empty or C.REGION not in d:
        return pd.DataFrame(columns=[C.YEAR, C.REGION, C.VALUE])
    d = d[(d[C.COUNTRY] == ctx.country) & d[C.REGION].notna() & (d[C.REGION].astype(str) != "")]
    if "group" in d:
        d = d[d["group"].isna() | (d["group"].astype(str) == "")]
    return d.dropna(subset=[C.VALUE])[[C.YEAR, C.REGION, C.VALUE]]


def _regions_without_population(ctx: BriefContext) -> int:
    """How many regions the country's budget lines name when the context has no regional
    population (0 when it has one, or the budget has no regions)."""
    ctxt = ctx.h.context
    if C.REGION in ctxt.columns and C.POPULATION in ctxt.columns:
        mine = ctxt[(ctxt[C.COUNTRY] == ctx.country) & _named(ctxt[C.REGION])]
        if pd.to_numeric(mine[C.POPULATION], errors="coerce").notna().any():
            return 0
    s = ctx.h.spending
    if s.empty or C.REGION not in s.columns:
        return 0
    s = s[(s[C.COUNTRY] == ctx.country) & _named(s[C.REGION])]
    return int(s[C.REGION].astype(str).nunique())


def _named(region: pd.Series) -> pd.Series:
    text = region.astype("object").where(region.notna(), "").astype(str).str.strip()
    return ~text.isin(["", "nan", "None", "<NA>"])


def _by_region(ctx: BriefContext, sec: Section) -> None:
    pc = regional_frame(ctx, "exp_per_capita")
    if pc.empty:
        unpopulated = _regions_without_population(ctx)
        if unpopulated > 1:  # spending by region is there: only the population is missing
            n = ctx.count(unpopulated, "regions without population")
            raise DataGap("regional_population", reason=ctx.t("na.regions_no_population", n=n))
        raise DataGap("regions")
    sec.h3(ctx.t("sub.by_region"))
    y = int(pc[C.YEAR].max())
    frame = pc[pc[C.YEAR] == y].rename(columns={C.VALUE: "exp_per_capita"})
    for ind, _k in _REGIONAL[1:]:
        r = regional_frame(ctx, ind)
        r = r[r[C.YEAR] == y]
        if not r.empty:
            frame = frame.merge(
                r[[C.REGION, C.VALUE]].rename(columns={C.VALUE: ind}), on=C.REGION, how="left"
            )
    frame = frame.sort_values("exp_per_capita", ascending=False).reset_index(drop=True)
    frame[C.COUNTRY] = ctx.country
    shown = [(i, k) for i, k in _REGIONAL if i in frame.columns]
    tb = ctx.recorded_table(
        "by_region",
        ctx.t("tab.by_region", year=y),
        frame,
        [
            Column(C.REGION, ctx.t("col.region")),
            *[Column(i, f"{ctx.name(i)} ({ctx.unit_text(ctx.unit(i))})", k) for i, k in shown],
        ],
        origin="regional",
        row_keys=[C.COUNTRY, C.YEAR, C.REGION],
        value_columns={i: {"indicator": i, "unit": ctx.unit(i)} for i, _k in shown},
    )
    panels = [
        (
            "exp_per_capita",
            f"{ctx.name('exp_per_capita')} ({ctx.unit_text(ctx.unit('exp_per_capita'))})",
        )
    ]
    if "crime_rate" in frame and frame["crime_rate"].notna().any():
        panels.append(
            ("crime_rate", f"{ctx.name('crime_rate')} ({ctx.unit_text(ctx.unit('crime_rate'))})")
        )
    national = {}
    for col, _label in panels:
        v = ctx.latest(col, year=y)
        if v:
            national[col] = v[0]
    fig = charts_regional.regional_dots(
        frame,
        panels,
        national=national,
        lang=ctx.lang,
        title=ctx.t("fig.regions", year=y),
        source=ctx.source_text(budget=True, measures=("crimes_recorded",), population=True),
    )
    fb = ctx.figure(
        "regions", ctx.t("fig.regions", year=y), fig, alt=ctx.t("fig.regions_alt", year=y)
    )
    top, low = frame.iloc[0], frame.iloc[-1]
    n = ctx.count(len(frame), "regions")
    text = ctx.t(
        "msg.regions",
        year=y,
        n=n,
        top=str(top[C.REGION]),
        low=str(low[C.REGION]),
        top_v=_fmt_regional(
            ctx, "exp_per_capita", float(top["exp_per_capita"]), y, str(top[C.REGION])
        ),
        low_v=_fmt_regional(
            ctx, "exp_per_capita", float(low["exp_per_capita"]), y, str(low[C.REGION])
        ),
    )
    cv = ctx.latest("regional_dispersion", year=y)
    if cv:
        text += " " + ctx.t(
            "msg.regional_cv", cv=ctx.num("regional_dispersion", cv[0], y, unit="%")
        )
    sec.p(text)
    sec.blocks.append(fb)
    message_figure = fb
    if len(panels) > 1:
        both = frame.rename(columns={"exp_per_capita": "per_capita"})
        corr = ctx.latest("regional_spending_crime_correlation", year=y)
        fig2 = charts_regional.spending_vs_crime(
            both,
            x_label=panels[0][1],
            y_label=panels[1][1],
            lang=ctx.lang,
            title=ctx.t("fig.spending_crime", year=y),
            source=ctx.source_text(budget=True, measures=("crimes_recorded",), population=True),
        )
        message_figure = ctx.figure("spending_crime", ctx.t("fig.spending_crime", year=y), fig2)
        sec.blocks.append(message_figure)
        if corr:
            sec.p(
                ctx.t(
                    "msg.spending_crime",
                    year=y,
                    r=ctx.num("regional_spending_crime_correlation", corr[0], y, decimals=2),
                )
            )
    ctx.messages.append(KeyMessage(text, message_figure, 6))
    sec.blocks.append(tb)


def _fmt_regional(ctx: BriefContext, indicator: str, value: float, year: int, region: str) -> str:
    return ctx.recorded(
        value, ctx.unit(indicator), "regional", indicator, year, key={"region": region}, decimals=0
    )


def _dispersion(ctx: BriefContext, sec: Section) -> None:
    parts = {i: ctx.series(i) for i in _DISPERSION}
    years = sorted(set().union(*[set(v.index) for v in parts.values()]))
    if not years:
        return
    sec.h3(ctx.t("sub.dispersion"))
    frame = year_table(ctx, years, parts)
    tb = ctx.recorded_table(
        "regional_dispersion",
        ctx.t("tab.regional_dispersion"),
        frame,
        [
            Column(C.YEAR, ctx.t("col.year"), "year"),
            Column("regional_dispersion", ctx.name("regional_dispersion") + " (%)", "num1"),
            Column("regional_max_min_ratio", ctx.name("regional_max_min_ratio"), "num2"),
            Column(
                "regional_spending_crime_correlation",
                ctx.name("regional_spending_crime_correlation"),
                "num2",
            ),
        ],
        origin="compute",
        row_keys=[C.COUNTRY, C.YEAR],
        value_columns={i: {"indicator": i, "unit": ctx.unit(i)} for i in _DISPERSION},
    )
    sec.blocks.append(tb)
