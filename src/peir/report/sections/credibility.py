"""Section 4: budget credibility — execution rates, and PEFA PI-1 and PI-2.1."""

from __future__ import annotations

from typing import Any

import pandas as pd

from peir.chain import CHAIN_LINKS
from peir.indicators import pefa
from peir.indicators.pefa import PEFAResult
from peir.report import charts
from peir.report.context import BriefContext, KeyMessage, country_rows, finite, to_float, year_table
from peir.report.coverage import executed_by_link_assumed
from peir.report.gaps import DataGap, section
from peir.report.i18n import link_label
from peir.report.model import Column, Section
from peir.schema import C

__all__ = ["build"]

_EXEC_IDS = ("exec_rate_approved", "exec_rate_modified", "modification_rate")


def build(ctx: BriefContext) -> Section:
    """Execution rates (total, and by institution or link), then the PEFA scores."""
    return section(
        ctx, "credibility", "sec.credibility", [("sub.execution", _execution), ("sub.pefa", _pefa)]
    )


def _execution(ctx: BriefContext, sec: Section) -> None:
    ex = ctx.series("exec_rate_approved")
    exl = country_rows(ctx, "exec_rate_link")
    if ex.empty and exl.empty:
        raise DataGap("execution")
    # the executed split by link the dataset says is assumed is never shown as the links' own
    assumed = executed_by_link_assumed(ctx.h)
    if assumed:
        exl = exl.iloc[0:0]
    inst = _institution_rates(ctx)
    years = sorted(set(ex.index) | set(exl[C.YEAR] if not exl.empty else []))
    frame = year_table(ctx, years, {n: ctx.series(n) for n in _EXEC_IDS})
    tb = ctx.recorded_table(
        "execution",
        ctx.t("tab.execution"),
        frame,
        [
            Column(C.YEAR, ctx.t("col.year"), "year"),
            *[Column(n, ctx.name(n) + " (%)", "num1") for n in _EXEC_IDS],
        ],
        origin="compute",
        row_keys=[C.COUNTRY, C.YEAR],
        value_columns={n: {"indicator": n, "unit": "%"} for n in _EXEC_IDS},
    )
    wide = (
        pd.DataFrame({"total": ex})
        if not ex.empty
        else pd.DataFrame(index=pd.Index([], name=C.YEAR))
    )
    if inst is not None and (exl.empty or assumed):  # the observed rates: by institution
        names = ctx.institution_names()
        wide = wide.join(inst.rename(columns=lambda c: names.get(str(c), str(c))), how="outer")
    elif not exl.empty:
        lw = exl.pivot_table(index=C.YEAR, columns=C.LINK, values=C.VALUE, aggfunc="first")
        lw = lw[[x.value for x in CHAIN_LINKS if x.value in lw.columns]]  # no unallocated bar
        wide = wide.join(lw, how="outer") if not wide.empty else lw
    fig = charts.execution_rate(wide, lang=ctx.lang, source=ctx.source_text(budget=True))
    fb = ctx.figure("execution_rate", ctx.t("fig.execution"), fig)
    last = ctx.latest("exec_rate_approved")
    if last:
        msg = ctx.t(
            "msg.execution",
            year=last[1],
            rate=ctx.num("exec_rate_approved", last[0], last[1], unit="%"),
        )
        sec.p(msg)
        ctx.messages.append(KeyMessage(msg, fb, 4))
    if assumed:
        sec.note(ctx.t("note.exec_link_assumed"))
    sec.blocks.append(fb)
    sec.blocks.append(tb)
    if inst is not None and (exl.empty or assumed):
        _institution_table(ctx, sec, inst)
    if not exl.empty:
        lf = (
            exl[[C.COUNTRY, C.YEAR, C.LINK, C.VALUE]]
            .rename(columns={C.VALUE: "exec_rate_link"})
            .copy()
        )
        lf["link_label"] = [link_label(str(x), ctx.lang) for x in lf[C.LINK]]
        tb2 = ctx.recorded_table(
            "execution_link",
            ctx.name("exec_rate_link"),
            lf,
            [
                Column(C.YEAR, ctx.t("col.year"), "year"),
                Column("link_label", ctx.t("col.link")),
                Column("exec_rate_link", ctx.t("col.value") + " (%)", "num1"),
            ],
            origin="compute",
            row_keys=[C.COUNTRY, C.YEAR, C.LINK],
            value_columns={"exec_rate_link": {"indicator": "exec_rate_link", "unit": "%"}},
        )
        sec.blocks.append(tb2)


def _institution_rates(ctx: BriefContext) -> pd.DataFrame | None:
    """Execution rates by institution (``exec_rate_institution``): years x institution codes,
    largest institution first; None with fewer than two institutions."""
    d = country_rows(ctx, "exec_rate_institution")
    if d.empty or "group" not in d:
        return None
    wide = d.pivot_table(index=C.YEAR, columns="group", values=C.VALUE, aggfunc="first")
    if wide.shape[1] < 2:
        return None
    size = country_rows(ctx, "exp_institution")
    if not size.empty and "group" in size:
        order = size.groupby("group")[C.VALUE].sum().sort_values(ascending=False).index
        wide = wide[
            [c for c in order if c in wide.columns]
            + [c for c in wide.columns if c not in set(order)]
        ]
    wide.columns = [str(c) for c in wide.columns]
    return wide


def _institution_table(ctx: BriefContext, sec: Section, inst: pd.DataFrame) -> None:
    """Execution rate by institution: one row per year, one column per institution."""
    names = ctx.institution_names()
    frame = inst.reset_index()
    frame[C.COUNTRY] = ctx.country
    cols = [
        Column(C.YEAR, ctx.t("col.year"), "year"),
        *[Column(c, names.get(c, c) + " (%)", "num1") for c in inst.columns],
    ]
    tb = ctx.recorded_table(
        "execution_institution",
        ctx.name("exec_rate_institution"),
        frame,
        cols,
        origin="compute",
        row_keys=[C.COUNTRY, C.YEAR],
        value_columns={
            c: {"indicator": "exec_rate_institution", "unit": "%", "key": {"group": c}}
            for c in inst.columns
        },
    )
    sec.blocks.append(tb)


def _scored_values(result: PEFAResult) -> list[tuple[int, float]]:
    """(year, value) of a PEFA result for the years its score rests on (finite values only)."""
    scored = {int(x) for x in result.years}
    return [
        (int(str(y)), to_float(v))
        for y, v in result.values.items()
        if finite(v) and int(str(y)) in scored
    ]


def _pefa_row(
    ctx: BriefContext, dim: str, result: PEFAResult, summary: str
) -> tuple[str, dict[str, Any]]:
    """The sentence and the table row of one scored PEFA dimension (``dim``: "1", "2.1")."""
    pi = f"PI-{dim}" if ctx.lang == "en" else f"ID-{dim}"
    text = ctx.t("msg.pefa", pi=pi, score=result.score, summary=summary)
    return text, {
        "dimension": pi,
        "score": str(result.score),
        "years": ", ".join(str(y) for y in result.years),
    }


def _pefa(ctx: BriefContext, sec: Section) -> None:
    s = ctx.h.spending
    if s.empty:
        raise DataGap("pefa")
    s = s[s[C.COUNTRY] == ctx.country]
    ph = s[C.PHASE].astype(str)
    app = s[ph == "approved"].groupby(C.YEAR)[C.AMOUNT].sum()
    exe = s[ph == "executed"].groupby(C.YEAR)[C.AMOUNT].sum()
    common = sorted(set(app.index) & set(exe.index))
    if not common:
        raise DataGap("pefa")
    r1 = pefa.pi1(app.loc[common], exe.loc[common])
    vals = ", ".join(ctx.num("pefa_pi1_outturn", v, y, unit="%") for y, v in _scored_values(r1))
    text, row = _pefa_row(ctx, "1", r1, ctx.t("msg.pefa_pi1_summary", values=vals))
    texts, rows = [text], [row]
    sub = s[ph.isin(["approved", "executed"]) & s[C.YEAR].isin(common)]
    if C.INSTITUTION_CODE in sub and sub[C.INSTITUTION_CODE].nunique() > 1:
        wa, we = _by_head(sub, "approved"), _by_head(sub, "executed")
        heads = sorted(set(wa.columns) | set(we.columns))
        r2 = pefa.pi2(
            wa.reindex(columns=heads, fill_value=0.0), we.reindex(columns=heads, fill_value=0.0)
        )
        vals = ", ".join(ctx.recorded(v, "%", "pefa", "pi2_1", y) for y, v in _scored_values(r2))
        text, row = _pefa_row(ctx, "2.1", r2, ctx.t("msg.pefa_pi2_summary", values=vals))
        texts.append(text)
        rows.append(row)
    for x in texts:
        sec.p(x)
    sec.blocks.append(
        ctx.table(
            "pefa",
            ctx.t("tab.pefa"),
            pd.DataFrame(rows),
            [
                Column("dimension", ctx.t("col.dimension")),
                Column("score", ctx.t("col.score")),
                Column("years", ctx.t("col.years")),
            ],
        )
    )


def _by_head(spending: pd.DataFrame, phase: str) -> pd.DataFrame:
    """Amounts of ``phase`` by year (rows) and institution (columns), heads as plain strings."""
    part = spending[spending[C.PHASE].astype(str) == phase]
    heads = part[C.INSTITUTION_CODE].astype(str)
    wide = part.groupby([part[C.YEAR], heads], observed=True)[C.AMOUNT].sum().unstack().fillna(0.0)
    wide.columns = wide.columns.astype(str)
    return wide
