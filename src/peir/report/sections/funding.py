"""Funding and payments: who finances the sector, whether money is paid as well as accrued,
and whether the legal spending floors are met (issue #17).

- Funding sources: the externally financed and own-revenue shares of the level phase
  (:mod:`peir.indicators.funding`), and the split by funding class of every phase whose lines
  carry a funding source (:func:`peir.indicators.funding_split`; El Salvador's budget-law
  workbooks give sources on the proposed 2017 and approved 2018-2020 budgets only).
- Payments: commitment rate, payment rate and the arrears proxy (:mod:`peir.indicators.payments`).
- Legal floors: :func:`peir.indicators.check_floors` on the rules of ``peir.yaml`` (or the
  floors peir ships for the country).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from peir.econ.funding import FUNDING_NAMES
from peir.indicators.floors import check_floors, floors_for
from peir.indicators.funding import funding_split
from peir.report.context import BriefContext, year_table
from peir.report.gaps import DataGap, section
from peir.report.i18n import phase_label
from peir.report.model import Column, Section
from peir.schema import C

__all__ = ["build", "split_by_source"]

_SHARES = ("external_financing_share", "own_revenue_share", "funding_unclassified_share")
_PAYMENTS = ("commitment_rate", "payment_rate", "arrears_proxy")


def build(ctx: BriefContext) -> Section:
    """Funding sources, payments, legal floors.

    The floors part is there only where a floor applies (declared in ``rules:`` or shipped for
    the country, such as El Salvador's 6 % for the judiciary); elsewhere one note says that no
    floor was checked, instead of a sub-section that only reports a gap.
    """
    floors = ("sub.floors", _floors) if floors_for(ctx.country, ctx.rules) else (None, _no_floors)
    return section(
        ctx,
        "funding",
        "sec.funding",
        [("sub.funding_sources", _sources), ("sub.payments", _payments), floors],
    )


def _no_floors(ctx: BriefContext, sec: Section) -> None:
    sec.note(ctx.t("note.floors_none", country=ctx.country_label()))


def split_by_source(ctx: BriefContext) -> pd.DataFrame:
    """:func:`funding_split` of the country's spending, for the year-phases whose lines carry
    a funding source (the others would be 100 % not classified)."""
    s = ctx.h.spending
    if s.empty or C.FUNDING_SOURCE not in s.columns:
        return pd.DataFrame()
    s = s[s[C.COUNTRY] == ctx.country]
    has = s[C.FUNDING_SOURCE].notna().groupby([s[C.YEAR], s[C.PHASE].astype(str)]).transform("any")
    return funding_split(s[has])


def _sources(ctx: BriefContext, sec: Section) -> None:
    parts = {i: ctx.series(i) for i in _SHARES}
    years = sorted(set().union(*[set(v.index) for v in parts.values()]))
    split = split_by_source(ctx)
    if not years and split.empty:
        raise DataGap("funding")
    if years:
        frame = year_table(ctx, years, parts)
        tb = ctx.recorded_table(
            "funding_shares",
            ctx.t("tab.funding_shares"),
            frame,
            [
                Column(C.YEAR, ctx.t("col.year"), "year"),
                *[Column(i, ctx.name(i) + " (%)", "num1") for i in _SHARES],
            ],
            origin="compute",
            row_keys=[C.COUNTRY, C.YEAR],
            value_columns={i: {"indicator": i, "unit": "%"} for i in _SHARES},
        )
        ext = ctx.latest("external_financing_share")
        if ext:
            sec.p(
                ctx.t(
                    "msg.external_share",
                    year=ext[1],
                    share=ctx.num("external_financing_share", ext[0], ext[1], unit="%"),
                )
            )
        sec.blocks.append(tb)
    if split.empty:
        return
    frame = split.copy()
    frame["class_label"] = [
        FUNDING_NAMES.get(str(k), (str(k), str(k)))[ctx.lang == "es"]
        for k in frame["funding_class"]
    ]
    frame["phase_label"] = [phase_label(str(p), ctx.lang) for p in frame[C.PHASE]]
    tb = ctx.recorded_table(
        "funding_split",
        ctx.t("tab.funding_split"),
        frame,
        [
            Column(C.YEAR, ctx.t("col.year"), "year"),
            Column("phase_label", ctx.t("col.phase")),
            Column("class_label", ctx.t("col.funding_class")),
            Column(C.AMOUNT, ctx.t("col.amount_m", currency=ctx.currency), "millions"),
            Column("share", ctx.t("col.share"), "num1"),
        ],
        note=ctx.t("note.funding_split"),
        origin="funding_split",
        row_keys=[C.COUNTRY, C.YEAR, C.PHASE, "funding_class"],
        value_columns={
            C.AMOUNT: {"indicator": "funding_split_amount", "unit": ctx.currency},
            "share": {"indicator": "funding_split_share", "unit": "%"},
        },
    )
    last_year = int(frame[C.YEAR].max())
    last = frame[frame[C.YEAR] == last_year]
    phase = str(last[C.PHASE].iloc[0])
    ext_rows = last[last["funding_class"].isin(["external_loan", "external_grant"])]
    ext_share = float(ext_rows["share"].sum()) if not ext_rows.empty else 0.0
    text = ctx.recorded(
        ext_share,
        "%",
        "funding_split",
        "funding_split_external_share",
        last_year,
        key={"phase": phase},
    )
    level = _level_phase(ctx, last_year)
    sec.p(
        ctx.t(
            "msg.funding_split",
            phase=phase_label(phase, ctx.lang).lower(),
            year=last_year,
            share=text,
        )
        + (
            " " + ctx.t("msg.funding_split_level", level=phase_label(level, ctx.lang).lower())
            if level and level != phase
            else ""
        )
    )
    sec.blocks.append(tb)


def _level_phase(ctx: BriefContext, year: int) -> str:
    s = ctx.h.spending
    phases = set(s.loc[(s[C.COUNTRY] == ctx.country) & (s[C.YEAR] == year), C.PHASE].astype(str))
    return next((p for p in ("executed", "approved") if p in phases), "")


def _payments(ctx: BriefContext, sec: Section) -> None:
    parts = {i: ctx.series(i) for i in _PAYMENTS}
    years = sorted(set().union(*[set(v.index) for v in parts.values()]))
    if not years:
        raise DataGap("payments")
    frame = year_table(ctx, years, parts)
    tb = ctx.recorded_table(
        "payments",
        ctx.t("tab.payments"),
        frame,
        [
            Column(C.YEAR, ctx.t("col.year"), "year"),
            Column("commitment_rate", ctx.name("commitment_rate") + " (%)", "num1"),
            Column("payment_rate", ctx.name("payment_rate") + " (%)", "num1"),
            Column("arrears_proxy", ctx.t("col.arrears_m", currency=ctx.currency), "millions"),
        ],
        origin="compute",
        row_keys=[C.COUNTRY, C.YEAR],
        value_columns={i: {"indicator": i, "unit": ctx.unit(i)} for i in _PAYMENTS},
    )
    pay = ctx.latest("payment_rate")
    if pay:
        arrears = ctx.latest("arrears_proxy", year=pay[1])
        text = ctx.t(
            "msg.payment_rate", year=pay[1], rate=ctx.num("payment_rate", pay[0], pay[1], unit="%")
        )
        if arrears:
            text += " " + ctx.t(
                "msg.arrears",
                amount=ctx.num("arrears_proxy", arrears[0], pay[1], scale=1e6, decimals=1, unit=""),
                currency=ctx.currency,
            )
        sec.p(text)
    sec.blocks.append(tb)


def _floors(ctx: BriefContext, sec: Section) -> None:
    rules = floors_for(ctx.country, ctx.rules)
    if not rules:
        raise DataGap("floors")
    res = check_floors(ctx.h.spending, ctx.h.context, rules)
    if res.empty:
        raise DataGap("floors", reason=ctx.t("na.floors_no_years"))
    names = ctx.institution_names()
    declared = pd.DataFrame(
        [
            {
                "rule": r.id,
                "institutions": ", ".join(names.get(c, c) for c in r.institutions),
                "min_share": r.min_share,
                "of": r.of,
                "phase_label": phase_label(r.phase, ctx.lang),
                "in_force": f"{r.year_from or '…'}–{r.year_to or '…'}",
                "basis": r.basis or r.id,
            }
            for r in rules
        ]
    )
    sec.blocks.append(
        ctx.table(
            "floor_rules",
            ctx.t("tab.floor_rules"),
            declared,
            [
                Column("rule", ctx.t("col.rule")),
                Column("institutions", ctx.t("col.institution")),
                Column("min_share", ctx.t("col.min_share"), "num1"),
                Column("of", ctx.t("col.base")),
                Column("phase_label", ctx.t("col.phase")),
                Column("in_force", ctx.t("col.in_force")),
                Column("basis", ctx.t("col.basis")),
            ],
        )
    )
    judged = res[res["compliant"].notna()]
    if judged.empty:
        years = sorted(int(y) for y in res[C.YEAR])
        bases = ", ".join(sorted({r.of for r in rules}))
        raise DataGap(
            "revenue",
            reason=ctx.t(
                "na.floor_base",
                base=bases,
                years=f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0]),
            ),
        )
    frame = judged.copy()
    frame["verdict"] = [ctx.t("w.yes") if bool(v) else ctx.t("w.no") for v in frame["compliant"]]
    frame["shortfall"] = frame["shortfall"].where(frame["shortfall"] > 0, np.nan)
    tb = ctx.recorded_table(
        "floors",
        ctx.t("tab.floors"),
        frame,
        [
            Column(C.YEAR, ctx.t("col.year"), "year"),
            Column("rule", ctx.t("col.rule")),
            Column("amount", ctx.t("col.allocation_lcu_m"), "millions"),
            Column("base", ctx.t("col.base_lcu_m"), "millions"),
            Column("share", ctx.t("col.share"), "num2"),
            Column("min_share", ctx.t("col.min_share"), "num1"),
            Column("verdict", ctx.t("col.compliant")),
            Column("shortfall", ctx.t("col.shortfall_lcu_m"), "millions"),
        ],
        origin="floors",
        row_keys=[C.COUNTRY, C.YEAR, "rule"],
        value_columns={
            "amount": {"indicator": "floor_amount", "unit": "LCU"},
            "base": {"indicator": "floor_base", "unit": "LCU"},
            "share": {"indicator": "floor_share", "unit": "%"},
            "shortfall": {"indicator": "floor_shortfall", "unit": "LCU"},
        },
    )
    missed = frame[~frame["compliant"].astype(bool)]
    n_years = ctx.count(len(frame), "floor_years")
    n_missed = ctx.count(len(missed), "floor_years_missed")
    sec.p(ctx.t("msg.floors", n=n_years, missed=n_missed))
    sec.blocks.append(tb)
