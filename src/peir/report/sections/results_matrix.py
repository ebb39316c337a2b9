"""Section 7: one results-matrix template per working group (link), with computed baselines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from peir.allocation.results_matrix import DEFAULT_INDICATORS
from peir.chain import CHAIN_LINKS
from peir.report.context import BriefContext
from peir.report.coverage import spending_coverage
from peir.report.i18n import link_label
from peir.report.model import Column, Section, TableBlock
from peir.schema import C

__all__ = ["RM_INDICATORS", "build"]

#: Baseline indicators per link, in order of priority (the first five with data are shown).
RM_INDICATORS: dict[str, tuple[str, ...]] = {
    "prevention": ("exp_link_share", "homicide_rate"),
    "patrol": (
        "exp_link_share",
        "police_per_100k",
        "homicide_rate",
        "crime_rate",
        "unit_cost_officer",
    ),
    "investigation": (
        "exp_link_share",
        "prosecutors_per_100k",
        "attrition_indictments_per_case",
        "convictions_per_homicide",
        "unit_cost_indictment",
    ),
    "judicial": (
        "exp_link_share",
        "clearance_rate",
        "disposition_time",
        "judges_per_100k",
        "unit_cost_case_resolved",
    ),
    "corrections": (
        "exp_link_share",
        "occupancy_rate",
        "unsentenced_share",
        "prisoners_per_100k",
        "unit_cost_prisoner_day",
    ),
}

_LINK_INDICATORS = ("exp_link_share", "exp_link", "exec_rate_link")


def build(ctx: BriefContext) -> Section:
    """Five templates: issue, action, responsible, indicator, baseline, target."""
    sec = Section("results-matrix", ctx.t("sec.results"))
    ctx.log.section = sec.id
    sec.p(ctx.t("rm.intro"))
    sec.note(ctx.t("rm.hint"))
    for lk in CHAIN_LINKS:
        sec.h3(ctx.t("tab.results", link=lk.label(ctx.lang)))
        tb = template_table(
            ctx,
            sec,
            lk.value,
            key=f"results_{lk.value}",
            before=(
                ("issue", "col.issue"),
                ("action", "col.action"),
                ("responsible", "col.responsible"),
            ),
            after=(("target", "col.target"), ("target_year", "col.target_year")),
        )
        sec.blocks.append(tb)
    return sec


def template_table(
    ctx: BriefContext,
    sec: Section,
    link: str,
    *,
    key: str,
    before: Sequence[tuple[str, str]],
    after: Sequence[tuple[str, str]],
) -> TableBlock:
    """The results-matrix template of ``link``: the fields the working group fills in
    (``before`` and ``after`` the indicator columns, as ``(field, column-title key)``), each
    marked to fill, around the link's baselines (:func:`baseline_rows`). Where the link has
    no baseline, ``sec`` says so and the template has one empty row."""
    rows = baseline_rows(ctx, link)
    if not rows:
        sec.p(ctx.t("na.results_matrix"))
        rows = [{"indicator": "", "name": "", C.YEAR: "", "baseline": np.nan, "unit": ""}]
    frame = pd.DataFrame(rows)
    for col, _title in (*before, *after):
        frame[col] = ctx.t("rm.fill")
    columns = [
        *(Column(c, ctx.t(title)) for c, title in before),
        Column("name", ctx.t("col.indicator")),
        Column("baseline", ctx.t("col.baseline"), "num1"),
        Column("unit", ctx.t("col.unit")),
        Column(C.YEAR, ctx.t("col.baseline_year"), "year"),
        *(Column(c, ctx.t(title)) for c, title in after),
    ]
    title = ctx.t("tab.results", link=link_label(link, ctx.lang))
    if not frame["indicator"].astype(str).str.len().gt(0).any():
        return ctx.table(key, title, frame, columns)
    return ctx.recorded_table(
        key,
        title,
        frame,
        columns,
        origin="compute",
        row_keys=[C.COUNTRY, C.YEAR, C.LINK],
        value_columns={"baseline": {"indicator_column": "indicator"}},
    )


def baseline_rows(ctx: BriefContext, link: str, limit: int = 5) -> list[dict[str, Any]]:
    """The first ``limit`` indicators of ``link`` with a value: the baselines of its template."""
    ids = list(dict.fromkeys([*RM_INDICATORS.get(link, ()), *DEFAULT_INDICATORS.get(link, ())]))
    if not ctx.catalog.empty:
        ids += [i for i in ctx.catalog.loc[ctx.catalog["link"] == link, "id"] if i not in ids]
    cover = spending_coverage(ctx.h, ctx.country)
    rows: list[dict[str, Any]] = []
    for ind in ids:
        link_arg = link if ind in _LINK_INDICATORS else None
        s = ctx.series(ind, link=link_arg)
        if ind.startswith("exp_"):  # a spending baseline only from a year covering the whole sector
            s = s[s.index.isin(cover.shares if ind in _LINK_INDICATORS else cover.whole)]
        s = s[np.isfinite(s.to_numpy(dtype=float))]
        if s.empty:
            continue
        rows.append(
            {
                "indicator": ind,
                "name": ctx.name(ind),
                C.COUNTRY: ctx.country,
                C.YEAR: int(s.index[-1]),
                C.LINK: link_arg or "",
                "baseline": float(s.iloc[-1]),
                "unit": ctx.unit_text(ctx.unit(ind)),
            }
        )
        if len(rows) >= limit:
            break
    return rows
