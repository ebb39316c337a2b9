"""Section 8: the data annex — sources and counting rules, validation, gaps, discrepancies,
unallocated spending, consolidated transfers and provenance."""

from __future__ import annotations

from typing import Any

import pandas as pd

from peir.report.context import BriefContext, generic_table, year_span
from peir.report.i18n import TEXT, fmt_number, measure_label, phase_label, t
from peir.report.model import Column, Section
from peir.report.needs import request_rows
from peir.schema import C

__all__ = ["build", "provenance_rows"]


def build(ctx: BriefContext) -> Section:
    """Everything behind the numbers, so nothing is hidden."""
    sec = Section("annex", ctx.t("sec.annex"))
    ctx.log.section = sec.id
    sec.h3(ctx.t("sub.sources"))
    _sources(ctx, sec)
    sec.h3(ctx.t("sub.validation"))
    _validation(ctx, sec)
    h = ctx.h
    sec.h3(ctx.t("sub.gaps"))
    if not h.gaps.empty:
        sec.blocks.append(generic_table(ctx, "gaps", ctx.t("tab.gaps"), h.gaps.copy()))
    else:
        sec.p(ctx.t("na.no_gaps"))
    sec.h3(ctx.t("sub.discrepancies"))
    if not h.discrepancies.empty:
        d = h.discrepancies.copy()
        if C.MEASURE in d:
            d[C.MEASURE] = [measure_label(str(m), ctx.lang) for m in d[C.MEASURE]]
        sec.blocks.append(generic_table(ctx, "discrepancies", ctx.t("tab.discrepancies"), d))
    else:
        sec.p(ctx.t("na.no_discrepancies"))
    sec.h3(ctx.t("sub.unallocated"))
    _unallocated(ctx, sec)
    sec.h3(ctx.t("sub.transfers"))
    if not h.transfers.empty:
        sec.blocks.append(
            generic_table(ctx, "transfers", ctx.t("tab.transfers"), h.transfers.copy())
        )
    else:
        sec.p(ctx.t("na.no_transfers"))
    prov = provenance_rows(h.provenance, ctx.lang)
    if prov:
        sec.h3(ctx.t("sub.provenance"))
        sec.blocks.append(
            ctx.table(
                "provenance",
                ctx.t("sub.provenance"),
                pd.DataFrame(prov),
                [Column("item", ctx.t("col.item")), Column("detail", ctx.t("col.detail"))],
            )
        )
    sec.h3(ctx.t("sub.requests"))
    _requests(ctx, sec)
    sec.h3(ctx.t("sub.numbers"))
    sec.p(ctx.t("annex.numbers"))
    return sec


def _requests(ctx: BriefContext, sec: Section) -> None:
    """Every data need met as a gap, with its holder, then the dataset's own requests."""
    req = request_rows(ctx)
    rows = [
        {
            "what": r.what,
            "holder": r.holder,
            "why": ctx.t("annex.request_missing_in", sections=r.sections),
        }
        for r in req.itertuples(index=False)
    ]
    for r in ctx.requests:
        rows.append(
            {
                "what": str(r.get("need", "")),
                "holder": str(r.get("from", "")),
                "why": str(r.get("why", "")),
            }
        )
    if not rows:
        sec.p(ctx.t("annex.no_requests"))
        return
    sec.p(ctx.t("annex.requests"))
    sec.blocks.append(
        ctx.table(
            "data_requests",
            ctx.t("sub.requests"),
            pd.DataFrame(rows),
            [
                Column("what", ctx.t("col.what")),
                Column("holder", ctx.t("col.holder")),
                Column("why", ctx.t("col.why")),
            ],
        )
    )


def _sources(ctx: BriefContext, sec: Section) -> None:
    h = ctx.h
    cl = h.caseload
    if not cl.empty and C.MEASURE in cl:
        cl = cl[cl[C.COUNTRY] == ctx.country] if C.COUNTRY in cl else cl
        cols = [c for c in (C.MEASURE, C.SOURCE, C.COUNTING_RULE) if c in cl]
        g = cl.assign(
            **{
                C.SOURCE: cl.get(C.SOURCE, pd.Series("", index=cl.index)).fillna(""),
                C.COUNTING_RULE: cl.get(C.COUNTING_RULE, pd.Series("", index=cl.index)).fillna(""),
            }
        )
        g = g.groupby(cols, dropna=False)[C.YEAR].agg(year_span).reset_index()
        g = g.rename(columns={C.YEAR: "years"})
        g[C.MEASURE] = [measure_label(str(m), ctx.lang) for m in g[C.MEASURE]]
        sec.blocks.append(generic_table(ctx, "sources", ctx.t("tab.sources"), g, max_rows=60))
    sp = h.spending
    if not sp.empty and C.SOURCE_REF in sp and C.INSTITUTION_CODE in sp:
        sp = sp[sp[C.COUNTRY] == ctx.country]
        # file:line references are grouped by file
        # (file:line and "file line N, column 'x'" references are grouped by file)
        refs = (
            sp[C.SOURCE_REF]
            .fillna("")
            .astype(str)
            .str.replace(r":\d+(-\d+)?$", "", regex=True)
            .str.replace(r",? lines? \d+(-\d+)?(, columns? '[^']*')?$", "", regex=True)
        )
        b = (
            sp.assign(**{C.SOURCE_REF: refs})
            .groupby([C.INSTITUTION_CODE, C.SOURCE_REF], dropna=False, observed=True)[C.YEAR]
            .agg(year_span)
            .reset_index()
            .rename(columns={C.YEAR: "years"})
        )
        names = ctx.institution_names()  # names, not codes
        b[C.INSTITUTION_CODE] = [names.get(str(c), str(c)) for c in b[C.INSTITUTION_CODE]]
        if not b.empty:
            sec.blocks.append(generic_table(ctx, "budget_sources", ctx.t("tab.budget_sources"), b))
    ctxf = h.context
    if not ctxf.empty and C.POPULATION_SOURCE in ctxf:
        srcs = sorted(
            {str(x) for x in ctxf[ctxf[C.COUNTRY] == ctx.country][C.POPULATION_SOURCE].dropna()}
        )
        if srcs:
            sec.p(ctx.t("annex.population_source", source="; ".join(srcs)))
    if not ctxf.empty and C.SOURCE_REF in ctxf:
        srcs = sorted({str(x) for x in ctxf[ctxf[C.COUNTRY] == ctx.country][C.SOURCE_REF].dropna()})
        if srcs:
            sec.p(
                ctx.t(
                    "annex.context_sources",
                    sources="; ".join(srcs[:8]) + (" …" if len(srcs) > 8 else ""),
                )
            )


def _validation(ctx: BriefContext, sec: Section) -> None:
    issues = ctx.h.report.issues
    n_err = int((issues["severity"].astype(str) == "error").sum()) if len(issues) else 0
    n_warn = int((issues["severity"].astype(str) == "warning").sum()) if len(issues) else 0
    sec.p(
        ctx.t(
            "annex.validation_summary",
            n_err=ctx.count(n_err, "validation errors"),
            n_warn=ctx.count(n_warn, "validation warnings"),
        )
    )
    if ctx.suppressed.cells:
        sup = ctx.suppressed
        fields = {
            "n": ctx.count(sup.threshold, "suppress below"),
            "cells": ctx.count(sup.cells, "cells suppressed"),
        }
        if sup.secondary:  # the split is news only where complements were blanked
            fields["primary"] = ctx.count(sup.primary, "cells below the threshold")
            fields["secondary"] = ctx.count(sup.secondary, "cells suppressed as complements")
        key = "annex.suppressed_complement" if sup.secondary else "annex.suppressed"
        sec.p(ctx.t(key, **fields))
    if not len(issues):
        sec.p(ctx.t("na.no_issues"))
        return
    cols = [c for c in ("severity", "code", "source_ref", "row", "column") if c in issues]
    f = issues[cols].copy()
    f["severity"] = [
        ctx.t(f"w.{s}") if f"w.{s}" in TEXT else str(s) for s in f["severity"].astype(str)
    ]
    f["description"] = [
        ctx.t(f"issue.{c}") if f"issue.{c}" in TEXT else str(c) for c in issues["code"].astype(str)
    ]
    if ctx.quote_rejected:  # the original text of the cells, only on request
        if "value" in issues:
            f["value"] = (
                issues["value"].astype(object).where(issues["value"].notna(), "").astype(str)
            )
        if ctx.lang == "en" and "message" in issues:
            f["message"] = issues["message"].astype(str)
    sec.p(ctx.t("annex.quoted" if ctx.quote_rejected else "annex.not_quoted"))
    sec.blocks.append(generic_table(ctx, "issues", ctx.t("tab.issues"), f))


def _unallocated(ctx: BriefContext, sec: Section) -> None:
    un = ctx.h.unallocated
    if un.empty:
        sec.p(ctx.t("na.no_unallocated"))
        return
    sec.p(ctx.t("annex.unallocated_total"))
    u = un.copy()
    if C.PHASE in u:
        u[C.PHASE] = [phase_label(str(p), ctx.lang) for p in u[C.PHASE]]
    sec.blocks.append(
        ctx.table(
            "unallocated",
            ctx.t("tab.unallocated"),
            u,
            [
                Column(C.COUNTRY, ctx.t("col.country")),
                Column(C.YEAR, ctx.t("col.year"), "year"),
                Column(C.PHASE, ctx.t("col.phase")),
                Column(C.AMOUNT, ctx.t("col.amount", currency=ctx.currency), "money"),
            ],
        )
    )


def _prov_label(key: str, lang: str) -> str:
    k = f"prov.{key}"
    return t(k, lang) if k in TEXT else key.replace("_", " ")


def _prov_value(v: Any, lang: str, key: str = "") -> str:
    """One provenance value in ``lang``: yes/no, known codes translated, numbers formatted."""
    if isinstance(v, bool):
        return t("w.yes" if v else "w.no", lang)
    if isinstance(v, int | float):
        return (
            fmt_number(v, lang, 0 if float(v).is_integer() else 2)
            if key not in ("base_year", "as_of", "rebased_from")
            else str(v)
        )
    if isinstance(v, list | tuple):
        return (
            " > ".join(_prov_value(x, lang) for x in v)
            if key == ""
            else ", ".join(_prov_value(x, lang) for x in v)
        )
    if isinstance(v, dict):
        parts = []
        for kk, vv in v.items():
            name = measure_label(str(kk), lang) if key == "source_priority" else str(kk)
            parts.append(f"{name}: {_prov_value(vv, lang)}")
        return "; ".join(parts)
    text = "" if v is None else str(v)
    k = f"val.{text}"
    return t(k, lang) if k in TEXT else text


def provenance_rows(prov: Any, lang: str, prefix: str = "", depth: int = 0) -> list[dict[str, str]]:
    """Flatten the harmonisation provenance into (item, detail) rows in ``lang``."""
    rows: list[dict[str, str]] = []
    if not isinstance(prov, dict):
        return rows
    for k, v in prov.items():
        if k in (
            "convention",
            "created_utc",
            "notes",
        ):  # English prose (docs/methodology.md) / run time
            continue
        name = f"{prefix}{_prov_label(str(k), lang)}"
        if isinstance(v, dict) and v and depth < 1:
            rows += provenance_rows(v, lang, f"{name} › ", depth + 1)
            continue
        text = _prov_value(v, lang, str(k))
        if text:
            rows.append({"item": name, "detail": text[:400]})
    return rows
