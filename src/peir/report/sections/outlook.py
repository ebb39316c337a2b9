"""Section 7: the outlook — the baseline projection and its fiscal envelope, the needs implied by
the caseload, and the cost of crime.

The projection follows the ``outlook:`` block of ``peir.yaml`` (:class:`peir.outlook.OutlookSpec`;
without one, its defaults: the latest sound base year, five years, the past five years'
inflation and real growth, labelled as averages and not forecasts). The cost of crime is shown
only when its inputs are given (the ``cost_of_crime:`` block, :class:`peir.costs.CostOfCrimeSpec`).
Every number is printed through the number log with origin ``outlook`` or ``cost_of_crime``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from peir.costs import CostOfCrime
from peir.errors import MissingContextError, PeirError
from peir.indicators.justice import caseload_frame
from peir.outlook import (
    OutlookSpec,
    Projection,
    judges_needed,
    prison_places_needed,
    project,
)
from peir.outlook.base import ECON_GFS, OTHER
from peir.outlook.spec import NeedsSpec, Planned
from peir.report import charts
from peir.report.context import BriefContext, KeyMessage, finite
from peir.report.gaps import DataGap, section
from peir.report.i18n import fmt_number, fmt_value, link_label, measure_label, phase_label
from peir.report.model import Column, Section
from peir.schema import C

__all__ = ["build"]


def build(ctx: BriefContext) -> Section:
    """The baseline projection and envelope, the caseload's needs, the cost of crime."""
    return section(
        ctx,
        "outlook",
        "sec.outlook",
        [
            ("sub.projection", _projection),
            ("sub.needs", _needs),
            ("sub.cost_of_crime", _cost_of_crime),
        ],
    )


# ---------------------------------------------------------------------------------------------
# projection and envelope
# ---------------------------------------------------------------------------------------------


def _plans(ctx: BriefContext) -> list[Planned]:
    """The projections to run; in a brief as of a year, the base year is at most that year
    (a base year the ``outlook:`` block fixes later than it is replaced by the latest sound
    year up to it, and the section says so)."""
    spec = ctx.outlook or OutlookSpec()
    as_of = ctx.as_of
    if as_of is not None and spec.base_year is not None and int(spec.base_year) > as_of:
        spec = spec.model_copy(update={"base_year": None})
    try:
        return spec.plan(ctx.h, country=ctx.country, as_of=as_of)
    except MissingContextError as e:
        raise DataGap("context", reason=str(e) if ctx.lang == "en" else "") from e
    except PeirError as e:
        raise DataGap("projection", reason=ctx.t("na.projection_base")) from e


def _env(p: Projection) -> dict[int, dict[str, float]]:
    """The envelope as plain numbers: year -> column -> value."""
    return {
        int(r["year"]): {k: float(r[k]) for k in ("total", "gdp", "pct_gdp", "ceiling", "gap")}
        for r in p.envelope.to_dict("records")
    }


def _n(ctx: BriefContext, value: float, unit: str, what: str, year: int, decimals: int) -> str:
    """A number of the section's prose, formatted and recorded (origin ``outlook``)."""
    return ctx.recorded(value, unit, "outlook", what, year, decimals=decimals)


def _m(ctx: BriefContext, value: float, year: int, what: str, scenario: str = "baseline") -> str:
    """A projected amount in millions, recorded."""
    return ctx.recorded(
        value,
        ctx.currency,
        "outlook",
        what,
        year,
        key={"scenario": scenario},
        decimals=1,
        scale=1e6,
    )


def _pc(ctx: BriefContext, value: float, year: int, what: str, scenario: str = "baseline") -> str:
    return ctx.recorded(value, "%", "outlook", what, year, key={"scenario": scenario}, decimals=2)


def _rate(ctx: BriefContext, v: float) -> str:
    return fmt_number(100 * v, ctx.lang, 1)


def _projection(ctx: BriefContext, sec: Section) -> None:
    plans = _plans(ctx)
    try:
        runs = [(pl, project(ctx.h, **pl.kwargs)) for pl in plans]
    except MissingContextError as e:
        raise DataGap("context", reason=str(e) if ctx.lang == "en" else "") from e
    base_plan, base = runs[0]
    ctx.projection = base  # the packs show their link's lines
    env = _env(base)
    b, end = base.base_year, base.base_year + base.horizon
    given = ctx.outlook.base_year if ctx.outlook is not None else None
    if ctx.as_of is not None and given is not None and int(given) > ctx.as_of:
        sec.note(ctx.t("note.outlook_base_capped", given=int(given), as_of=ctx.as_of, year=b))
    basis = (
        ctx.t("basis.history", y0=base_plan.history.first, y1=base_plan.history.last)
        if base_plan.history is not None
        else ctx.t("basis.given")
    )
    infl = base_plan.kwargs["inflation"]
    growth = base_plan.kwargs["gdp_real_growth"]
    fields = {
        "base_year": b,
        "end_year": end,
        "currency": ctx.currency,
        "amount": _m(ctx, float(env[b]["total"]), b, "projection_total"),
        "amount_end": _m(ctx, float(env[end]["total"]), end, "projection_total"),
        "pct_base": _pc(ctx, float(env[b]["pct_gdp"]), b, "projection_pct_gdp"),
        "phase": phase_label(base.phase, ctx.lang).lower(),
        "basis": basis,
    }
    if finite(env[end]["pct_gdp"]) and not isinstance(infl, dict) and not isinstance(growth, dict):
        text = ctx.t(
            "msg.outlook_base",
            pct_end=_pc(ctx, float(env[end]["pct_gdp"]), end, "projection_pct_gdp"),
            inflation=_n(ctx, 100 * float(infl), "%", "inflation_assumed", b + 1, 1),
            growth=_n(ctx, 100 * float(growth), "%", "gdp_real_growth_assumed", b + 1, 1),
            **fields,
        )
    else:
        text = ctx.t("msg.outlook_base_short", **fields)
    sentences = [text]
    ceiling = base_plan.kwargs["ceiling_pct_gdp"]
    if ceiling is not None and finite(env[end]["gap"]):
        gap = float(env[end]["gap"])
        key = "msg.outlook_over" if gap > 0 else "msg.outlook_room"
        sentences.append(
            ctx.t(
                key,
                year=end,
                gap=_m(ctx, abs(gap), end, "projection_gap"),
                ceiling=_n(
                    ctx, env[end]["ceiling"] / env[end]["gdp"] * 100, "%", "ceiling_pct_gdp", end, 1
                ),
            )
        )
    other = float(
        base.table.loc[(base.table["year"] == b) & (base.table[ECON_GFS] == OTHER), C.AMOUNT].sum()
    )
    total_b = float(env[b]["total"])
    if total_b > 0 and other / total_b > 0.005:
        sentences.append(
            ctx.t(
                "msg.outlook_other",
                share=_n(ctx, 100 * other / total_b, "%", "base_without_gfs", b, 0),
            )
        )
    unalloc = float(
        base.table.loc[
            (base.table["year"] == b) & (base.table[C.LINK] == "unallocated"), C.AMOUNT
        ].sum()
    )
    if total_b > 0 and unalloc > 0:
        sentences.append(
            ctx.t(
                "msg.outlook_unallocated",
                share=_n(ctx, 100 * unalloc / total_b, "%", "base_unallocated", b, 0),
            )
        )
    for x in sentences:
        sec.p(x)
    by_year = base.envelope.set_index("year")
    fig = charts.projection_envelope(
        base.by_link(),
        ceiling=by_year["ceiling"],
        pct_gdp=by_year["pct_gdp"],
        currency=ctx.currency,
        lang=ctx.lang,
        source=ctx.source_text(budget=True),  # the base year's budget lines and GDP
    )
    fb = ctx.figure("projection", ctx.t("fig.projection"), fig)
    sec.blocks.append(fb)
    ctx.messages.append(KeyMessage(sentences[0], fb, 6))
    sec.blocks.append(_envelope_table(ctx, base))
    if len(runs) > 1:
        sec.blocks.append(_scenario_table(ctx, [p for _, p in runs]))
        for _, p in runs[1:]:
            sec.p(_scenario_sentence(ctx, base, p))
    sec.blocks.append(_assumptions_table(ctx, base_plan, base))
    sec.note(ctx.t("note.projection"))


def _envelope_table(ctx: BriefContext, p: Projection) -> Any:
    frame = p.envelope.assign(country=ctx.country)
    cols = [
        Column("year", ctx.t("col.year"), "year"),
        Column("total", ctx.t("col.total_m", currency=ctx.currency), "millions"),
        Column("gdp", ctx.t("col.gdp_m", currency=ctx.currency), "millions"),
        Column("pct_gdp", ctx.t("col.pct_gdp"), "num2"),
        Column("ceiling", ctx.t("col.ceiling_m", currency=ctx.currency), "millions"),
        Column("gap", ctx.t("col.gap_m", currency=ctx.currency), "millions"),
    ]
    frame = frame.dropna(axis=1, how="all")
    tb = ctx.recorded_table(
        "envelope",
        ctx.t("tab.envelope"),
        frame,
        cols,
        origin="outlook",
        row_keys=[C.COUNTRY, C.YEAR],
        value_columns={
            k: {
                "indicator": f"projection_{k}",
                "unit": "%" if k == "pct_gdp" else ctx.currency,
                "key": {"scenario": p.name},
            }
            for k in ("total", "gdp", "pct_gdp", "ceiling", "gap")
        },
    )
    return tb


def _scenario_name(ctx: BriefContext, p: Projection) -> str:
    return ctx.t("w.baseline") if p.name == "baseline" else p.name


def _scenario_table(ctx: BriefContext, runs: list[Projection]) -> Any:
    """One row per year; for each scenario its total and its share of GDP."""
    frame = pd.DataFrame({"year": runs[0].envelope["year"].to_numpy(), "country": ctx.country})
    cols = [Column("year", ctx.t("col.year"), "year")]
    values: dict[str, dict[str, Any]] = {}
    for i, p in enumerate(runs):
        name = _scenario_name(ctx, p)
        frame[f"total_{i}"] = p.envelope["total"].to_numpy()
        frame[f"pct_{i}"] = p.envelope["pct_gdp"].to_numpy()
        cols += [
            Column(
                f"total_{i}",
                ctx.t("col.scenario_total", name=name, currency=ctx.currency),
                "millions",
            ),
            Column(f"pct_{i}", ctx.t("col.scenario_pct", name=name), "num2"),
        ]
        values[f"total_{i}"] = {
            "indicator": "projection_total",
            "unit": ctx.currency,
            "key": {"scenario": p.name},
        }
        values[f"pct_{i}"] = {
            "indicator": "projection_pct_gdp",
            "unit": "%",
            "key": {"scenario": p.name},
        }
    tb = ctx.recorded_table(
        "scenarios",
        ctx.t("tab.scenarios"),
        frame,
        cols,
        origin="outlook",
        row_keys=[C.COUNTRY, C.YEAR],
        value_columns=values,
    )
    return tb


def _scenario_sentence(ctx: BriefContext, base: Projection, p: Projection) -> str:
    end = p.base_year + p.horizon
    a = _env(p)[end]["total"]
    d = a - _env(base)[end]["total"]
    return ctx.t(
        "msg.outlook_scenario",
        name=_scenario_name(ctx, p),
        year=end,
        amount=_m(ctx, a, end, "projection_total", p.name),
        diff=_m(ctx, d, end, "projection_difference", p.name),
    )


def _source(ctx: BriefContext, plan: Planned, key: str, *, default: bool) -> str:
    given = plan.settings.sources.get(key)
    if given:
        return given
    if plan.history is not None and getattr(plan.settings, key, None) == "history":
        return ctx.t("basis.history_source", y0=plan.history.first, y1=plan.history.last)
    return ctx.t("src.default") if default else ctx.t("src.given")


def _rate_value(ctx: BriefContext, v: Any) -> str:
    if isinstance(v, dict):
        return "; ".join(f"{y}: {_rate(ctx, float(x))}" for y, x in sorted(v.items()))
    return _rate(ctx, float(v))


def _assumptions_table(ctx: BriefContext, plan: Planned, p: Projection) -> Any:
    kw = plan.kwargs
    env = _env(p)
    b = p.base_year
    assert p.base is not None
    n_inst = len(p.base.institutions)
    cov = (
        "src.base_partial"
        if p.base.partial
        else "src.base"
        if p.base.compared_with
        else "src.base_single"
    )
    rows: list[tuple[str, str, str]] = [
        (
            ctx.t("par.base"),
            f"{b}, {phase_label(p.phase, ctx.lang).lower()}",
            ctx.t(cov, n=fmt_number(n_inst, ctx.lang, 0)),
        ),
        (
            ctx.t("par.base_amount", currency=ctx.currency),
            fmt_number(float(env[b]["total"]) / 1e6, ctx.lang, 1),
            ctx.t("src.harmonised"),
        ),
        (
            ctx.t("par.base_gdp", currency=ctx.currency),
            fmt_number(float(env[b]["gdp"]) / 1e6, ctx.lang, 1),
            ctx.t("src.context"),
        ),
        (
            ctx.t("par.inflation"),
            _rate_value(ctx, kw["inflation"]),
            _source(ctx, plan, "inflation", default=False),
        ),
        (
            ctx.t("par.real_wage_growth"),
            _rate_value(ctx, kw["real_wage_growth"]),
            _source(ctx, plan, "real_wage_growth", default=kw["real_wage_growth"] == 0.0),
        ),
    ]
    hc = kw["headcount_growth"]
    if isinstance(hc, dict) and all(not str(k).isdigit() for k in hc):
        value = "; ".join(
            f"{link_label(str(k), ctx.lang)}: {_rate_value(ctx, v)}" for k, v in hc.items()
        )
    else:
        value = _rate_value(ctx, hc)
    rows.append(
        (
            ctx.t("par.headcount_growth"),
            value,
            _source(ctx, plan, "headcount_growth", default=hc == 0.0),
        )
    )
    g = kw["gdp_real_growth"]
    rows.append(
        (
            ctx.t("par.gdp_real_growth"),
            ctx.t("val.not_projected") if g is None else _rate_value(ctx, g),
            _source(ctx, plan, "gdp_real_growth", default=False) if g is not None else "",
        )
    )
    rows.append(
        (
            ctx.t("par.capital"),
            ctx.t("val.capital_plan") if kw["capital"] else ctx.t("val.capital_flat"),
            _source(ctx, plan, "capital", default=not kw["capital"]),
        )
    )
    for it in kw["new_capacity"]:
        rows.append(
            (
                it.name or ctx.t("par.new_capacity"),
                ctx.t(
                    "val.new_capacity",
                    units=fmt_number(it.units, ctx.lang, 0),
                    link=link_label(it.link, ctx.lang),
                    year=it.start_year,
                    cost=fmt_number(it.units * it.recurrent_cost_per_unit / 1e6, ctx.lang, 1),
                    currency=ctx.currency,
                    base_year=b,
                ),
                it.source or _source(ctx, plan, "new_capacity", default=False),
            )
        )
    ceil = kw["ceiling_pct_gdp"]
    if ceil is not None:
        shown = (
            "; ".join(f"{y}: {fmt_number(float(v), ctx.lang, 1)}" for y, v in sorted(ceil.items()))
            if isinstance(ceil, dict)
            else fmt_number(float(ceil), ctx.lang, 1)
        )
        rows.append(
            (ctx.t("par.ceiling"), shown, _source(ctx, plan, "ceiling_pct_gdp", default=False))
        )
    other = p.table[(p.table["year"] == b) & (p.table[ECON_GFS] == OTHER)][C.AMOUNT].sum()
    share = 100 * float(other) / float(env[b]["total"]) if float(env[b]["total"]) else 0.0
    has_gfs = ECON_GFS in ctx.h.spending.columns
    rows.append(
        (
            ctx.t("par.econ"),
            ctx.t("val.econ_other", share=fmt_number(share, ctx.lang, 0)),
            ctx.t("src.econ_gfs" if has_gfs else "src.econ_codes"),
        )
    )
    frame = pd.DataFrame(rows, columns=["parameter", "value", "source"])
    return ctx.table(
        "assumptions",
        ctx.t("tab.assumptions"),
        frame,
        [
            Column("parameter", ctx.t("col.parameter")),
            Column("value", ctx.t("col.value")),
            Column("source", ctx.t("col.source")),
        ],
    )


# ---------------------------------------------------------------------------------------------
# needs implied by the caseload
# ---------------------------------------------------------------------------------------------


def _latest(wide: pd.DataFrame, measures: tuple[str, ...]) -> pd.Series | None:
    """The national row of the latest year that has every measure."""
    if wide.empty or not all(m in wide.columns for m in measures):
        return None
    nat = wide[wide[C.REGION] == ""].dropna(subset=list(measures))
    nat = nat[(nat[list(measures)] > 0).all(axis=1)]
    return None if nat.empty else nat.sort_values(C.YEAR).iloc[-1]


def _link_spending(ctx: BriefContext, link: str, year: int) -> float:
    s = ctx.h.spending
    s = s[
        (s[C.COUNTRY] == ctx.country)
        & (s[C.YEAR] == year)
        & (s[C.LINK].astype(str) == link)
        & (s[C.PHASE].astype(str) == "executed")
    ]
    return float(s[C.AMOUNT].sum()) if not s.empty else float("nan")


def _needs(ctx: BriefContext, sec: Section) -> None:
    spec: NeedsSpec = (ctx.outlook or OutlookSpec()).needs
    wide, _ = caseload_frame(ctx.h, ctx.country)
    rows: list[dict[str, Any]] = []
    sentences: list[str] = []
    courts = _latest(wide, ("cases_incoming", "cases_resolved", "judges", "cases_pending_end"))
    if courts is not None:
        y = int(courts[C.YEAR])
        incoming, resolved, judges = (
            float(courts[m]) for m in ("cases_incoming", "cases_resolved", "judges")
        )
        pending = float(courts["cases_pending_end"])
        per_judge = resolved / judges
        target = spec.target_disposition_days
        need = judges_needed(
            incoming,
            pending,
            per_judge,
            target_disposition_days=target if target is not None else 365 * pending / incoming,
            years=spec.years if target is not None else 1.0,
        )
        spend = _link_spending(ctx, "judicial", y)
        cost_each = spec.cost_per_judge if spec.cost_per_judge is not None else spend / judges
        extra = (float(need.count) - judges) * cost_each
        rows.append(
            {
                "item": measure_label("judges", ctx.lang),
                "year": y,
                "current": judges,
                "needed": float(need.count),
                "difference": float(need.count) - judges,
                "cost": extra,
                "basis": ctx.t(
                    "val.courts_target",
                    days=fmt_number(target, ctx.lang, 0),
                    years=fmt_number(spec.years, ctx.lang, 0),
                )
                if target is not None
                else ctx.t("val.courts_pace"),
            }
        )
        sentences.append(
            ctx.t(
                "msg.needs_judges",
                year=y,
                needed=ctx.recorded(
                    float(need.count), "staff", "outlook", "judges_needed", y, decimals=0
                ),
                current=_n(ctx, judges, "staff", "judges", y, 0),
                basis=rows[-1]["basis"],
            )
        )
    prisons = _latest(wide, ("prisoners_total", "prison_capacity"))
    if prisons is not None:
        y = int(prisons[C.YEAR])
        held, capacity = float(prisons["prisoners_total"]), float(prisons["prison_capacity"])
        adm = (
            float(prisons["prison_admissions"])
            if "prison_admissions" in prisons and finite(prisons["prison_admissions"])
            else np.nan
        )
        if spec.average_stay_days is not None and finite(adm):
            places = prison_places_needed(adm, spec.average_stay_days, capacity=capacity)
            basis = ctx.t("val.prisons_flow", days=fmt_number(spec.average_stay_days, ctx.lang, 0))
        else:
            places = prison_places_needed(held, 365.0, capacity=capacity)  # today's population
            basis = ctx.t("val.prisons_stock")
        spend = _link_spending(ctx, "corrections", y)
        per_place = spec.cost_per_place if spec.cost_per_place is not None else spend / held
        short = float(places.shortfall)
        rows.append(
            {
                "item": ctx.t("val.prison_places"),
                "year": y,
                "current": capacity,
                "needed": float(places.count),
                "difference": short,
                "cost": short * per_place,
                "basis": basis,
            }
        )
        needed = ctx.recorded(
            float(places.count), "places", "outlook", "prison_places_needed", y, decimals=0
        )
        occupancy = _n(ctx, 100 * held / capacity, "%", "prison_occupancy", y, 0)
        cap_text = _n(ctx, capacity, "places", "prison_capacity", y, 0)
        if spec.average_stay_days is not None and finite(adm):
            sentences.append(
                ctx.t(
                    "msg.needs_prisons_flow",
                    year=y,
                    needed=needed,
                    basis=basis,
                    capacity=cap_text,
                )
            )
        else:
            sentences.append(
                ctx.t(
                    "msg.needs_prisons",
                    year=y,
                    held=needed,
                    occupancy=occupancy,
                    short=_n(ctx, short, "places", "prison_places_short", y, 0),
                    capacity=cap_text,
                )
            )
    if not rows:
        raise DataGap("caseload_needs")
    for x in sentences:
        sec.p(x)
    frame = pd.DataFrame(rows).assign(country=ctx.country)
    tb = ctx.recorded_table(
        "needs",
        ctx.t("tab.needs"),
        frame,
        [
            Column("item", ctx.t("col.item")),
            Column("year", ctx.t("col.year"), "year"),
            Column("current", ctx.t("col.current"), "num0"),
            Column("needed", ctx.t("col.needed"), "num0"),
            Column("difference", ctx.t("col.difference"), "num0"),
            Column("cost", ctx.t("col.cost_m", currency=ctx.currency), "millions"),
            Column("basis", ctx.t("col.detail")),
        ],
        note=ctx.t("note.needs"),
        origin="outlook",
        row_keys=[C.COUNTRY, C.YEAR, "item"],
        value_columns={
            "needed": {"indicator": "needed", "unit": ""},
            "difference": {"indicator": "difference", "unit": ""},
            "cost": {"indicator": "needs_cost", "unit": ctx.currency},
        },
    )
    sec.blocks.append(tb)


# ---------------------------------------------------------------------------------------------
# the cost of crime
# ---------------------------------------------------------------------------------------------


def _public_rows(ctx: BriefContext, t: pd.DataFrame, year: int) -> tuple[pd.DataFrame, str]:
    """The cost table with public spending as one row when part of it has no link.

    A year whose spending is partly ``unallocated`` (El Salvador before 2017: the ministry's
    police and prisons have no split by unit) would show links such as patrol as absent; the
    public rows are then summed into ``public_total``. Returns the table and the note giving
    the unallocated share ("" when the rows stay as they are).
    """
    comp = t["component"].astype(str)
    public = comp.str.startswith("public_")
    unalloc = t.loc[comp == "public_unallocated", "value"].sum()
    if not (unalloc > 0) or int(public.sum()) < 2:
        return t, ""
    pub = t[public]
    total = float(pub["value"].sum())
    one = pd.DataFrame(
        {
            "component": ["public_total"],
            "label": ["public spending"],
            "value": [total],
            "pct_gdp": [float(pub["pct_gdp"].sum())],
            "source": [str(pub["source"].iloc[0])],
        }
    )
    note = ctx.t(
        "note.cost_public_unsplit",
        year=year,
        share=fmt_value(100 * float(unalloc) / total, "%", ctx.lang, 1),
        unallocated=fmt_number(float(unalloc) / 1e6, ctx.lang, 1),
    )
    return pd.concat([one, t[~public]], ignore_index=True), note


def _component_label(ctx: BriefContext, component: str, label: str) -> str:
    if component == "public_total":
        return ctx.t("cc.public_total")
    if component.startswith("public_"):
        return ctx.t("cc.public", link=link_label(component[len("public_") :], ctx.lang))
    if component == "other":
        return label
    return ctx.t(f"cc.{component}")


def _component_source(ctx: BriefContext, c: CostOfCrime, component: str, source: str) -> str:
    """The source shown: the user's citation where the input came with one, else a translated
    description of what the figure was computed from."""
    spec = ctx.cost_of_crime
    assert spec is not None
    if component.startswith("public_"):
        return ctx.t("src.harmonised_year", year=c.year)
    if component == "victims_lost_income":
        return ctx.t(
            "src.victims",
            victims=spec.victims_source,
            earnings=spec.earnings_source or ctx.t("src.gdp_per_capita"),
        )
    if component == "prisoners_lost_income":
        return spec.prisoners_source or ctx.t("src.caseload_prisoners", year=c.year)
    return source


def _cost_of_crime(ctx: BriefContext, sec: Section) -> None:
    spec = ctx.cost_of_crime
    if spec is None:
        raise DataGap("cost_of_crime")
    if ctx.as_of is not None and int(spec.year) > ctx.as_of:
        sec.p(ctx.t("na.cost_after_as_of", year=int(spec.year), as_of=ctx.as_of))
        return
    try:
        c = spec.run(ctx.h, country=ctx.country, base_dir=ctx.config_dir or ".")
    except MissingContextError as e:
        raise DataGap("context", reason=str(e) if ctx.lang == "en" else "") from e
    except PeirError as e:
        raise DataGap("cost_of_crime", reason=str(e) if ctx.lang == "en" else "") from e
    ctx.crime_cost = c
    total = ctx.recorded(
        c.total, ctx.currency, "cost_of_crime", "cost_of_crime_total", c.year, decimals=1, scale=1e6
    )
    pct = ctx.recorded(c.pct_gdp, "%", "cost_of_crime", "cost_of_crime_pct_gdp", c.year, decimals=2)
    text = ctx.t("msg.cost_of_crime", year=c.year, total=total, currency=ctx.currency, pct=pct)
    sec.p(text)
    if spec.published is not None:
        pub = spec.published
        sec.p(
            ctx.t(
                "msg.cost_published",
                year=pub.year,
                pct=fmt_number(pub.pct_gdp, ctx.lang, 2),
                source=pub.source,
                ours_year=c.year,
                ours=pct,
            )
        )
    t, unsplit = _public_rows(ctx, c.table, c.year)
    frame = pd.DataFrame(
        {
            "component": [
                _component_label(ctx, str(k), str(lbl))
                for k, lbl in zip(t["component"], t["label"])
            ],
            "value": t["value"].to_numpy(),
            "pct_gdp": t["pct_gdp"].to_numpy(),
            "source": [
                _component_source(ctx, c, str(k), str(s))
                for k, s in zip(t["component"], t["source"])
            ],
            "key": t["component"].to_numpy(),
            "country": ctx.country,
            "year": c.year,
        }
    )
    fig = charts.cost_components(
        pd.Series(frame["pct_gdp"].to_numpy(), index=frame["component"]),
        public=[str(k).startswith("public_") for k in t["component"]],
        lang=ctx.lang,
        source=ctx.source_text(budget=True, measures=("homicides",)),
    )
    fb = ctx.figure("cost_of_crime", ctx.t("fig.cost_of_crime"), fig)
    sec.blocks.append(fb)
    ctx.messages.append(KeyMessage(text, fb, 7))
    tb = ctx.recorded_table(
        "cost_of_crime",
        ctx.t("tab.cost_of_crime", year=c.year),
        frame,
        [
            Column("component", ctx.t("col.component")),
            Column("value", ctx.t("col.amount_m", currency=ctx.currency), "millions"),
            Column("pct_gdp", ctx.t("col.pct_gdp"), "num2"),
            Column("source", ctx.t("col.source")),
        ],
        note=ctx.t("note.cost_of_crime"),
        origin="cost_of_crime",
        row_keys=[C.COUNTRY, C.YEAR, "key"],
        value_columns={
            "value": {"indicator": "cost_of_crime", "unit": ctx.currency},
            "pct_gdp": {"indicator": "cost_of_crime_pct_gdp", "unit": "%"},
        },
    )
    sec.blocks.append(tb)
    if unsplit:
        sec.note(unsplit)
