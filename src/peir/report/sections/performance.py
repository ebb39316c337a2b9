"""Section 5: performance along the chain — homicides, the chain indicators, prisons, the funnel."""

from __future__ import annotations

import pandas as pd

from peir.allocation import funnel
from peir.chain import MEASURES
from peir.report import charts
from peir.report.context import BriefContext, KeyMessage, finite
from peir.report.coverage import source_breaks
from peir.report.gaps import DataGap, section
from peir.report.i18n import link_label, measure_label
from peir.report.model import Column, FigureBlock, Section
from peir.report.names import source_label
from peir.schema import C

__all__ = ["CHAIN_INDICATORS", "build"]

#: The indicators of the chain table, in the order of the chain.
CHAIN_INDICATORS: tuple[str, ...] = (
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

_PRISON_MESSAGES = (
    ("prisoners_per_100k", "msg.prisoners_rate"),
    ("occupancy_rate", "msg.occupancy"),
    ("unsentenced_share", "msg.unsentenced"),
)


def build(ctx: BriefContext) -> Section:
    """The homicide trend, the chain indicators (latest year of each), prisons and the funnel."""
    return section(
        ctx,
        "performance",
        "sec.performance",
        [(None, _homicides), ("sub.chain_indicators", _indicators), ("sub.funnel", _funnel)],
    )


def _homicides(ctx: BriefContext, sec: Section) -> None:
    hr = ctx.series("homicide_rate")
    if not len(hr):
        return
    brk = source_breaks(ctx.h, ctx.country, "homicides")
    seg_of = {y: i for i, seg in enumerate(brk.segments) for y in seg}
    me = ctx.country_label()
    data = pd.DataFrame(
        {
            "year": hr.index,
            "value": hr.to_numpy(),
            "series": me,
            "segment": [seg_of.get(int(y), -1) for y in hr.index],
        }
    )
    if not ctx.ind_peers.empty and ctx.peers is not None:
        pr = ctx.rows("homicide_rate", peers=True).dropna(subset=[C.VALUE])
        pr = pr[pr[C.COUNTRY] != ctx.country]
        for code, g in pr.groupby(C.COUNTRY):
            pb = source_breaks(ctx.peers, str(code), "homicides")
            pseg = {y: i for i, seg in enumerate(pb.segments) for y in seg}
            data = pd.concat(
                [
                    data,
                    pd.DataFrame(
                        {
                            "year": g[C.YEAR],
                            "value": g[C.VALUE],
                            "series": ctx.country_label(str(code)),
                            "segment": [pseg.get(int(y), -1) for y in g[C.YEAR]],
                        }
                    ),
                ],
                ignore_index=True,
            )
    fig = charts.indicator_trend(
        data,
        ylabel=ctx.unit_text("per 100,000 inhabitants"),
        lang=ctx.lang,
        title=ctx.name("homicide_rate"),
        source=ctx.source_text(measures=("homicides",), population=True),
        colors={me: charts.OKABE_ITO["vermillion"]},
        breaks=[y - 0.5 for y in brk.breaks if y in hr.index],
    )
    fb = ctx.figure("homicide_rate", ctx.name("homicide_rate"), fig)
    y1 = int(hr.index[-1])
    v1 = ctx.num("homicide_rate", float(hr.iloc[-1]), y1, decimals=1)
    src = source_label(brk.source.get(y1, ""), ctx.lang)
    same = [int(y) for y in hr.index if int(y) in brk.segment(y1)]
    if len(same) >= 2:  # the change within one source only
        y0 = same[0]
        ch = (float(hr[y1]) / float(hr[y0]) - 1) * 100
        ch_txt = ctx.recorded(
            ch,
            "%",
            "derived",
            "homicide_rate",
            y1,
            key={"from": y0, "to": y1, "formula": "(b/a-1)*100"},
            decimals=0,
        )
        ch_txt = ("+" if ch > 0 else "") + ch_txt
        msg = ctx.t("msg.homicide_rate", value=v1, year=y1, change=ch_txt, y0=y0, source=src)
    else:
        msg = ctx.t("msg.homicide_rate_single", value=v1, year=y1, source=src)
    earlier = [y for y in brk.breaks if y <= y1]
    if earlier:
        msg += " " + ctx.t(
            "msg.series_breaks",
            years=", ".join(map(str, earlier)),
            first=min(int(y) for y in hr.index),
        )
    sec.p(msg)
    sec.blocks.append(fb)
    ctx.messages.append(KeyMessage(msg, fb, 2))


def _indicators(ctx: BriefContext, sec: Section) -> None:
    rows = []
    for ind in CHAIN_INDICATORS:
        lt = ctx.latest(ind)
        if lt is None:
            continue
        link = ctx.indicator_link(ind)
        rows.append(
            {
                "indicator": ind,
                "name": ctx.name(ind),
                C.COUNTRY: ctx.country,
                C.YEAR: lt[1],
                "value": lt[0],
                "unit": ctx.unit_text(ctx.unit(ind)),
                "link_label": link_label(link, ctx.lang) if link else "",
            }
        )
    if not rows:
        raise DataGap("caseload")
    prison_msgs = []
    for ind, key in _PRISON_MESSAGES:
        lt = ctx.latest(ind)
        if lt:
            unit = None if ind == "prisoners_per_100k" else "%"
            prison_msgs.append(
                ctx.t(
                    key,
                    year=lt[1],
                    value=ctx.num(
                        ind, lt[0], lt[1], unit=unit, decimals=0 if unit is None else None
                    ),
                )
            )
    tb = ctx.recorded_table(
        "chain",
        ctx.t("tab.chain"),
        pd.DataFrame(rows),
        [
            Column("name", ctx.t("col.indicator")),
            Column("link_label", ctx.t("col.link")),
            Column(C.YEAR, ctx.t("col.year"), "year"),
            Column("value", ctx.t("col.value"), "num1"),
            Column("unit", ctx.t("col.unit")),
        ],
        origin="compute",
        row_keys=[C.COUNTRY, C.YEAR],
        value_columns={"value": {"indicator_column": "indicator"}},
    )
    for m in prison_msgs:
        sec.p(m)
    pfig = _prison_figure(ctx)
    if pfig is not None:
        sec.blocks.append(pfig)
        if prison_msgs:
            ctx.messages.append(KeyMessage(" ".join(prison_msgs), pfig, 3))
    sec.blocks.append(tb)


def _prison_figure(ctx: BriefContext) -> FigureBlock | None:
    """Prison occupancy over time (or prisoners per 100,000 when occupancy has one year)."""
    candidates = [(ind, ctx.series(ind)) for ind in ("occupancy_rate", "prisoners_per_100k")]
    candidates.sort(key=lambda c: -len(c[1]))  # the longer series (occupancy on a tie)
    for ind, s in candidates:
        if len(s) >= 2:
            data = pd.DataFrame({"year": s.index, "value": s.to_numpy()})
            unit = ctx.unit(ind)
            ylabel = ctx.t("ax.percent") if unit.strip() == "%" else ctx.unit_text(unit)
            measures = (
                ("prisoners_total", "prison_capacity")
                if ind == "occupancy_rate"
                else ("prisoners_total",)
            )
            fig = charts.indicator_trend(
                data,
                ylabel=ylabel,
                lang=ctx.lang,
                title=ctx.name(ind),
                source=ctx.source_text(measures=measures, population=ind == "prisoners_per_100k"),
            )
            return ctx.figure(f"prisons_{ind}", ctx.name(ind), fig)
    return None


def _funnel(ctx: BriefContext, sec: Section) -> None:
    cl = ctx.h.headline_caseload()
    if cl.empty:
        raise DataGap("funnel")
    years = sorted({int(y) for y in cl[cl[C.COUNTRY] == ctx.country][C.YEAR]}, reverse=True)
    best: tuple[int, pd.DataFrame, int] | None = None
    for y in years[:4]:  # the most recent years; the one with the most stages wins
        f = funnel(ctx.h, country=ctx.country, year=y)
        n = int(pd.to_numeric(f["count"], errors="coerce").notna().sum())
        if n >= 2 and (best is None or n > best[2]):
            best = (y, f, n)
    if best is None:
        raise DataGap("funnel")
    year, f, _ = best
    f = f.copy()
    f["count"] = pd.to_numeric(f["count"], errors="coerce")
    f["label"] = [
        measure_label(str(s), ctx.lang) if str(s) in MEASURES else str(s) for s in f["measure"]
    ]
    f[C.YEAR] = year
    f[C.COUNTRY] = ctx.country
    tb = ctx.recorded_table(
        "funnel",
        f"{ctx.t('tab.funnel')} ({year})",
        f,
        [
            Column("label", ctx.t("col.stage")),
            Column("count", ctx.t("col.count"), "int"),
            Column("ratio_to_previous", ctx.t("col.ratio_prev"), "num2"),
            Column("ratio_to_first", ctx.t("col.ratio_first"), "num2"),
        ],
        origin="funnel",
        row_keys=[C.COUNTRY, C.YEAR, "measure"],
        value_columns={
            "count": {"indicator": "count"},
            "ratio_to_previous": {"indicator": "ratio_to_previous"},
            "ratio_to_first": {"indicator": "ratio_to_first"},
        },
    )
    counted = f.dropna(subset=["count"]).groupby("line", sort=False).size()
    main_line = f[f["line"] == counted.idxmax()]  # the line with the most stages counted
    fig = charts.chain_funnel(
        main_line,
        lang=ctx.lang,
        source=ctx.source_text(measures=tuple(str(m) for m in main_line["measure"])),
    )
    fb = ctx.figure("chain_funnel", f"{ctx.t('fig.funnel')} ({year})", fig)
    valid = main_line.dropna(subset=["count"])
    first, last = valid.iloc[0], valid.iloc[-1]
    if finite(first["count"]) and float(first["count"]) > 0:
        per100 = 100 * float(last["count"]) / float(first["count"])
        msg = ctx.t(
            "msg.funnel",
            first=str(first["label"]),
            last=str(last["label"]),
            year=year,
            per100=ctx.recorded(
                per100,
                "",
                "funnel",
                "ratio_to_first_x100",
                year,
                key={"stage": str(last["measure"])},
                decimals=1,
            ),
        )
        sec.p(msg)
        ctx.messages.append(KeyMessage(msg, fb, 3))
    sec.blocks.append(fb)
    sec.blocks.append(tb)
