"""Section 6: comparative efficiency (DEA over comparable units) and allocation along the chain."""

from __future__ import annotations

import numpy as np
import pandas as pd

from peir.allocation import ChainModel
from peir.efficiency import dea
from peir.errors import InfeasibleError, InputError
from peir.report import charts
from peir.report.context import LEVEL_PHASES, BriefContext, finite, to_float
from peir.report.gaps import DataGap, section
from peir.report.i18n import link_label, measure_label
from peir.report.model import Column, Section, TableBlock
from peir.schema import C

__all__ = ["bottleneck_table", "build", "dea_units"]

_DEA_INPUTS, _DEA_OUTPUTS = ["judges"], ["cases_resolved"]


def build(ctx: BriefContext) -> Section:
    """DEA of comparable units, the chain model and its reallocation scenario, and the limits."""
    return section(
        ctx,
        "efficiency",
        "sec.efficiency",
        [("sub.dea", _dea), ("sub.allocation", _allocation), ("sub.not_supported", _limits)],
    )


def _limits(ctx: BriefContext, sec: Section) -> None:
    sec.p(ctx.t("limit.intro"))
    sec.bullets([ctx.t("limit.causal"), ctx.t("limit.comparability"), ctx.t("limit.allocation")])


def dea_units(ctx: BriefContext) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Regional units of the latest year with judges (input) and resolved cases (output), and
    the number of such units found (fewer than five cannot be benchmarked)."""
    cl = ctx.h.headline_caseload()
    if cl.empty:
        return pd.DataFrame(), pd.DataFrame(), 0
    cl = cl[cl[C.COUNTRY] == ctx.country]
    reg = (
        cl[cl[C.REGION].notna() & (cl[C.REGION].astype(str) != "")]
        if C.REGION in cl
        else cl.iloc[0:0]
    )
    src = reg if not reg.empty else cl
    wide = (
        src.pivot_table(
            index=[C.YEAR, C.REGION] if not reg.empty else [C.YEAR],
            columns=C.MEASURE,
            values=C.VALUE,
            aggfunc="sum",
        )
        if not src.empty
        else pd.DataFrame()
    )
    if wide.empty or not all(c in wide.columns for c in _DEA_INPUTS + _DEA_OUTPUTS):
        n = int(src[C.REGION].nunique()) if not reg.empty else (1 if not cl.empty else 0)
        return pd.DataFrame(), pd.DataFrame(), n
    wide = wide.dropna(subset=_DEA_INPUTS + _DEA_OUTPUTS)
    if wide.empty:
        return pd.DataFrame(), pd.DataFrame(), 0
    year = wide.index.get_level_values(C.YEAR).max()
    last = wide.xs(year, level=C.YEAR) if not reg.empty else wide.loc[[year]]
    X = pd.DataFrame(last[_DEA_INPUTS])
    if not reg.empty and len(last) >= 9:  # enough units for a second input (n >= 3 (m + s))
        spend = _regional_judicial_spending(ctx, int(year))
        if spend is not None and spend.reindex(X.index).gt(0).all():
            X["judicial_spending"] = spend.reindex(X.index).to_numpy()
    return X, pd.DataFrame(last[_DEA_OUTPUTS]), len(last)


def _regional_judicial_spending(ctx: BriefContext, year: int) -> pd.Series | None:
    """Real judicial-link spending per region in ``year`` (executed, else approved)."""
    s = ctx.h.spending
    if s.empty or C.REGION not in s:
        return None
    s = s[
        (s[C.COUNTRY] == ctx.country) & (s[C.YEAR] == year) & (s[C.LINK].astype(str) == "judicial")
    ]
    for ph in LEVEL_PHASES:
        part = s[s[C.PHASE].astype(str) == ph]
        if not part.empty:
            col = (
                C.AMOUNT_REAL
                if C.AMOUNT_REAL in part and part[C.AMOUNT_REAL].notna().all()
                else C.AMOUNT
            )
            out: pd.Series = part.groupby(C.REGION)[col].sum()
            return out
    return None


def _dea_what(ctx: BriefContext) -> str:
    return (
        f"{measure_label('judges', ctx.lang).lower()} {ctx.t('w.and')} "
        f"{measure_label('cases_resolved', ctx.lang).lower()}"
    )


def _dea(ctx: BriefContext, sec: Section) -> None:
    X, Y, n = dea_units(ctx)
    if n < 5:
        raise DataGap(
            "courts_units", reason=ctx.t("na.dea", n=ctx.count(n, "dea units"), what=_dea_what(ctx))
        )
    try:
        res = dea(X, Y, rts="vrs", orientation="output")
    except InputError as e:  # the units' data cannot be scored (e.g. all-zero inputs)
        raise DataGap("courts_units", reason=_reason(e)) from e
    scores = res.efficiency.astype(float)
    ctx.dea_scores = scores
    tb = dea_table(ctx, scores)
    fig = charts.efficiency_ranking(
        scores,
        lang=ctx.lang,
        source=ctx.source_text(
            budget="judicial_spending" in X, measures=("judges", "cases_resolved")
        ),
    )
    fb = ctx.figure("efficiency_ranking", ctx.t("fig.dea"), fig)
    n_eff = int((scores >= 1 - 1e-6).sum())
    inputs = measure_label("judges", ctx.lang).lower()
    if "judicial_spending" in X:
        inputs += ", " + ctx.t("w.judicial_spending")
    sec.p(
        ctx.t(
            "msg.dea",
            n=ctx.count(n, "dea units"),
            rts="VRS",
            orientation=ctx.t("w.output"),
            inputs=inputs,
            outputs=measure_label("cases_resolved", ctx.lang).lower(),
            n_eff=ctx.count(n_eff, "dea units on the frontier"),
            median=ctx.recorded(float(scores.median()), "ratio", "dea", "efficiency_median", None),
        )
    )
    sec.blocks.append(fb)
    sec.blocks.append(tb)


def _reason(e: Exception) -> str:
    """What a model refused, for the sentence that says it could not be used."""
    return str(e).splitlines()[0][:200] if str(e) else type(e).__name__


def _chain_model(ctx: BriefContext) -> tuple[ChainModel, int]:
    """The chain model of the latest year with caseload (and spending, where possible)."""
    cl = ctx.h.headline_caseload()
    years = (
        sorted({int(y) for y in cl[cl[C.COUNTRY] == ctx.country][C.YEAR]}, reverse=True)
        if not cl.empty
        else []
    )
    spend_years = set(ctx.series("exp_total").index)
    reason = ""
    for y in [y for y in years if y in spend_years] or years[:1]:
        try:
            return ChainModel.from_harmonized(ctx.h, country=ctx.country, year=y), y
        except InputError as e:  # this year lacks a link's spending or counts
            reason = _reason(e)
    raise DataGap("chain_model", reason=reason if ctx.lang == "en" and reason else "")


_MAX_CHANGE = 0.2


def dea_table(ctx: BriefContext, scores: pd.Series) -> TableBlock:
    """The DEA scores of the units, best first (recorded in the log)."""
    frame = (
        scores.rename("efficiency")
        .rename_axis("unit")
        .reset_index()
        .sort_values("efficiency", ascending=False)
    )
    frame[C.COUNTRY] = ctx.country
    return ctx.recorded_table(
        "dea",
        ctx.t("tab.dea"),
        frame,
        [
            Column("unit", ctx.t("col.unit_dmu")),
            Column("efficiency", ctx.t("col.efficiency"), "num2"),
        ],
        origin="dea",
        row_keys=[C.COUNTRY, "unit"],
        value_columns={"efficiency": {"indicator": "efficiency"}},
    )


def bottleneck_table(ctx: BriefContext, key: str, bn: pd.DataFrame, year: int) -> TableBlock:
    """The chain model's capacity, demand and utilisation per link (recorded in the log)."""
    tb = ctx.recorded_table(
        key,
        f"{ctx.t('tab.bottleneck')} ({year})",
        bn,
        [
            Column("link_label", ctx.t("col.link")),
            Column("capacity", ctx.t("col.capacity"), "num0"),
            Column("demand", ctx.t("col.demand"), "num0"),
            Column("utilisation", ctx.t("col.utilisation"), "num2"),
        ],
        origin="chain_model",
        row_keys=[C.COUNTRY, C.YEAR, "link"],
        value_columns={
            "capacity": {"indicator": "capacity"},
            "demand": {"indicator": "demand"},
            "utilisation": {"indicator": "utilisation"},
        },
    )
    return tb


def _allocation(ctx: BriefContext, sec: Section) -> None:
    model, year = _chain_model(ctx)
    bn = model.bottleneck()
    bn["link_label"] = [link_label(str(x), ctx.lang) for x in bn["link"]]
    bn[C.YEAR] = year
    bn[C.COUNTRY] = ctx.country
    ctx.bottleneck, ctx.chain_year = bn, year
    tb = bottleneck_table(ctx, "bottleneck", bn, year)
    top = bn.iloc[0]
    if finite(top["utilisation"]):
        sec.p(
            ctx.t(
                "msg.bottleneck",
                link=link_label(str(top["link"]), ctx.lang),
                util=ctx.recorded(
                    100 * float(top["utilisation"]),
                    "%",
                    "chain_model",
                    "utilisation_pct",
                    year,
                    link=str(top["link"]),
                ),
            )
        )
    sec.blocks.append(tb)
    sec.h3(ctx.t("sub.scenario"))
    sec.p(_assumptions(ctx, model, year))
    try:
        res = model.optimize(max_change=_MAX_CHANGE)
    except (InfeasibleError, InputError) as e:
        sec.p(
            ctx.t(
                "na.optimize", reason=_reason(e) if ctx.lang == "en" else ctx.t("doc.not_available")
            )
        )
        return
    cur = model.links["budget"].astype(float)
    opt = res.budgets.astype(float)
    measure = measure_label(model.final_measure, ctx.lang).lower()
    t0 = ctx.recorded(
        float(res.current_throughput), "", "chain_model", "throughput_current", year, decimals=0
    )
    if res.throughput > res.current_throughput * (1 + 1e-6):
        t1 = ctx.recorded(
            float(res.throughput), "", "chain_model", "throughput_scenario", year, decimals=0
        )
        sec.p(ctx.t("msg.scenario_gain", measure=measure, t0=t0, t1=t1))
    else:
        binding = bn[bn["binding"]]["link"].astype(str).tolist() or [str(top["link"])]
        sec.p(
            ctx.t(
                "msg.scenario_none",
                measure=measure,
                t0=t0,
                link=", ".join(link_label(b, ctx.lang) for b in binding),
            )
        )
    fig = charts.allocation_comparison(
        cur,
        opt,
        currency=ctx.currency,
        lang=ctx.lang,
        source=ctx.source_text(
            budget=True,
            measures=tuple(model.inputs_used.get("item", pd.Series(dtype=str)).astype(str)),
        ),
    )
    fb = ctx.figure("allocation_comparison", ctx.t("fig.allocation"), fig)
    frame = pd.DataFrame(
        {
            "link": cur.index.astype(str),
            "current": cur.to_numpy(),
            "scenario": opt.reindex(cur.index).to_numpy(dtype=float),
        }
    )
    frame["change"] = (frame["scenario"] / frame["current"] - 1) * 100
    frame["link_label"] = [link_label(x, ctx.lang) for x in frame["link"]]
    frame[C.YEAR] = year
    frame[C.COUNTRY] = ctx.country
    tb2 = ctx.recorded_table(
        "allocation",
        ctx.t("tab.allocation"),
        frame,
        [
            Column("link_label", ctx.t("col.link")),
            Column(
                "current",
                ctx.t("col.budget_current") + f" ({ctx.currency} {ctx.t('w.million')})",
                "millions",
            ),
            Column(
                "scenario",
                ctx.t("col.budget_scenario") + f" ({ctx.currency} {ctx.t('w.million')})",
                "millions",
            ),
            Column("change", ctx.t("col.change"), "num1"),
        ],
        origin="chain_model",
        row_keys=[C.COUNTRY, C.YEAR, "link"],
        value_columns={
            "current": {"indicator": "budget_current"},
            "scenario": {"indicator": "budget_scenario"},
            "change": {"indicator": "change_pct"},
        },
    )
    sec.blocks.append(fb)
    sec.blocks.append(tb2)


def _assumptions(ctx: BriefContext, model: ChainModel, year: int) -> str:
    """The scenario's assumptions, stated before its result."""
    parts = [
        ctx.t("scn.costs", year=year),
        ctx.t(
            "scn.bounds",
            max_change=ctx.recorded(
                100 * _MAX_CHANGE, "%", "parameter", "max_change", None, decimals=0
            ),
        ),
    ]
    if "prevention" in model.links.index:
        parts.append(ctx.t("scn.prevention"))
    lim = model.limit.dropna()
    for link, places in lim.items():
        row = model.links.loc[str(link)]
        places_txt = ctx.recorded(
            float(places), "", "chain_model", "limit", year, link=str(link), decimals=0
        )
        occ = 100 * to_float(row.get("demand_units", np.nan)) / float(places)
        if np.isfinite(occ):
            parts.append(
                ctx.t(
                    "scn.limit",
                    link=link_label(str(link), ctx.lang),
                    places=places_txt,
                    occupancy=ctx.recorded(
                        occ, "%", "chain_model", "occupancy_pct", year, link=str(link), decimals=0
                    ),
                )
            )
        else:
            parts.append(
                ctx.t("scn.limit_plain", link=link_label(str(link), ctx.lang), places=places_txt)
            )
    return ctx.t("scn.intro") + " " + "; ".join(parts) + "."
