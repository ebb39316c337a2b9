"""The economic composition of spending (part of the section on composition, issue #17).

Two views, through the harmonised ``econ_gfs`` (GFS 2014 classes, :func:`peir.econ.to_gfs`):

- the level phase's shares (wage bill, goods and services, capital, not classified) and the
  recurrent spending per unit of capital, from :func:`peir.indicators.compute`;
- the composition of every other phase whose lines carry an economic code, labelled with its
  phase (:func:`peir.indicators.econ_split`): El Salvador's executed budget has no economic
  split, its approved budget 2018-2020 and the 2017 proposal have the rubro of every line.
  The national codes are shown beside their GFS class.
"""

from __future__ import annotations

import pandas as pd

from peir.econ import lookup
from peir.econ.crosswalk import scheme_for
from peir.indicators.economic import econ_split
from peir.report.charts_economic import economic_composition
from peir.report.context import BriefContext, level_phase, year_table
from peir.report.gaps import DataGap
from peir.report.i18n import econ_label, phase_label
from peir.report.model import Column, Section
from peir.schema import C

__all__ = ["by_econ", "split_by_code"]

#: The level-phase indicators of the first table: (indicator, GFS class or "").
_LEVEL = (
    ("exp_wage_share", "21"),
    ("exp_goods_services_share", "22"),
    ("exp_capital_share", "31"),
    ("exp_econ_unclassified_share", ""),
)

#: At most this many national codes are listed (a detailed classification is shown by class).
_MAX_CODES = 20


def split_by_code(ctx: BriefContext, by: str) -> pd.DataFrame:
    """:func:`econ_split` of the country's spending by ``by`` (``econ_gfs`` or ``econ``) in the
    years whose level phase has no economic composition (the phases that carry codes)."""
    s = ctx.h.spending
    if s.empty or by not in s.columns:
        return pd.DataFrame()
    s = s[s[C.COUNTRY] == ctx.country]
    out = econ_split(s, by=by)
    if out.empty:
        return out
    covered = set(ctx.series("exp_wage_share").index)
    keep = [int(y) not in covered for y in out[C.YEAR]]
    return out[keep].reset_index(drop=True)


def _gfs_text(ctx: BriefContext, code: str) -> str:
    """A GFS class as ``21 Compensation of employees``; expense of unsettled class and codes
    without a class by name."""
    if code == "2":
        return ctx.t("econ.expense_unsettled")
    if code in ("", "unmapped"):
        return ctx.t("econ.unknown")
    return f"{code} {econ_label(code, ctx.lang)}"


def by_econ(ctx: BriefContext, sec: Section) -> None:
    """The level phase's economic shares, then the composition of the other phases."""
    parts = {i: ctx.series(i) for i, _code in _LEVEL}
    years = sorted(set().union(*[set(v.index) for v in parts.values()]))
    split = split_by_code(ctx, C.ECON_GFS)
    if not years and split.empty:
        raise DataGap("econ")
    if years:
        frame = year_table(
            ctx, years, {**parts, "recurrent_per_capital": ctx.series("recurrent_per_capital")}
        )
        tb = ctx.table(
            "by_econ",
            ctx.t("tab.by_econ"),
            frame,
            [
                Column(C.YEAR, ctx.t("col.year"), "year"),
                *[
                    Column(
                        i,
                        f"{econ_label(code, ctx.lang) if code else ctx.t('econ.unknown')} (%)",
                        "num1",
                    )
                    for i, code in _LEVEL
                ],
                Column("recurrent_per_capital", ctx.name("recurrent_per_capital"), "num2"),
            ],
        )
        ids = [*(i for i, _c in _LEVEL), "recurrent_per_capital"]
        ctx.log.record_table(
            tb,
            origin="compute",
            row_keys=[C.COUNTRY, C.YEAR],
            value_columns={i: {"indicator": i, "unit": ctx.unit(i)} for i in ids},
        )
        w = ctx.latest("exp_wage_share")
        if w:
            sec.p(
                ctx.t(
                    "msg.wage_share",
                    year=w[1],
                    share=ctx.num("exp_wage_share", w[0], w[1], unit="%"),
                )
            )
        sec.blocks.append(tb)
        phases = level_phase(ctx.h, ctx.country)
        level = pd.DataFrame({code: parts[i] for i, code in _LEVEL}).reindex(years)
        level.index = [_bar_label(ctx, int(y), phases.get(int(y), "executed")) for y in years]
        _chart(ctx, sec, level.dropna(how="all"))
    if not split.empty:
        _other_phases(ctx, sec, split, level_shown=bool(years))


def _bar_label(ctx: BriefContext, year: int, phase: str) -> str:
    return f"{year}\n{phase_label(phase, ctx.lang).lower()}"


def _chart(ctx: BriefContext, sec: Section, shares: pd.DataFrame) -> None:
    """The stacked bars of ``shares`` (rows: bars; columns: GFS codes; values: %)."""
    if shares.empty:
        return
    names = {str(c): _gfs_text(ctx, str(c)) for c in shares.columns}
    fig = economic_composition(shares, names, lang=ctx.lang, source=ctx.source_text(budget=True))
    sec.blocks.append(ctx.figure("econ_composition", ctx.t("fig.econ_composition"), fig))


def _other_phases(
    ctx: BriefContext, sec: Section, split: pd.DataFrame, *, level_shown: bool
) -> None:
    wide = split.pivot_table(index=[C.YEAR, C.PHASE], columns="code", values="share", aggfunc="sum")
    codes = sorted(wide.columns, key=lambda c: (c == "" or c == "unmapped", c == "2", c))
    frame = wide[codes].reset_index()
    frame[C.COUNTRY] = ctx.country
    frame["phase_label"] = [phase_label(str(p), ctx.lang) for p in frame[C.PHASE]]
    names = {c: _gfs_text(ctx, c) for c in codes}
    cols = {c: f"gfs_{c or 'none'}" for c in codes}
    frame = frame.rename(columns=cols)
    note = (
        ctx.t("note.econ_phase", level=phase_label("executed", ctx.lang).lower())
        if not level_shown
        else ""
    )
    tb = ctx.recorded_table(
        "econ_by_phase",
        ctx.t("tab.econ_by_phase"),
        frame,
        [
            Column(C.YEAR, ctx.t("col.year"), "year"),
            Column("phase_label", ctx.t("col.phase")),
            *[Column(cols[c], f"{names[c]} (%)", "num1") for c in codes],
        ],
        note=note,
        origin="econ_split",
        row_keys=[C.COUNTRY, C.YEAR, C.PHASE],
        value_columns={
            cols[c]: {
                "indicator": "econ_split_share",
                "unit": "%",
                "key": {"code": c, "by": C.ECON_GFS},
            }
            for c in codes
        },
    )
    last = split[split[C.YEAR] == split[C.YEAR].max()]
    y, phase = int(last[C.YEAR].iloc[0]), str(last[C.PHASE].iloc[0])
    last = last[last[C.PHASE] == phase].set_index("code")["share"]

    def share(code: str) -> str:
        return ctx.recorded(
            float(last.get(code, 0.0)),
            "%",
            "econ_split",
            "econ_split_share",
            y,
            key={"code": code, "by": C.ECON_GFS, "phase": phase},
        )

    sec.p(
        ctx.t(
            "msg.econ_phase",
            phase=phase_label(phase, ctx.lang).lower(),
            year=y,
            wages=share("21"),
            capital=share("31"),
        )
    )
    sec.blocks.append(tb)
    if not level_shown:  # one chart: of the level phase where it has classes, else of these
        bars = wide[codes].copy()
        bars.index = [_bar_label(ctx, int(y), str(ph)) for y, ph in bars.index]
        _chart(ctx, sec, bars)
    _national_codes(ctx, sec)


def _national_codes(ctx: BriefContext, sec: Section) -> None:
    """The national codes (El Salvador's rubros) of the same phases, with their GFS class."""
    split = split_by_code(ctx, C.ECON)
    if split.empty or split["code"].nunique() > _MAX_CODES:
        return
    scheme = scheme_for(ctx.country, ctx.econ_scheme)
    if scheme is None or scheme in ("GFS", "BOOST"):
        return  # codes that are GFS classes or labels: the table by class says it all
    named: dict[str, tuple[str, str]] = {}
    if scheme is not None:
        lk = lookup([c for c in split["code"].unique() if c], scheme=scheme)
        named = {str(r.code): (str(r.name), str(r.gfs)) for r in lk.itertuples(index=False)}
    gfs = ctx.h.spending[[C.ECON, C.ECON_GFS]].dropna().drop_duplicates(C.ECON)
    gfs_of = {str(k).strip(): str(v) for k, v in zip(gfs[C.ECON], gfs[C.ECON_GFS])}
    frame = split.copy()
    frame["name"] = [
        named.get(str(c), ("", ""))[0] if c else ctx.t("econ.unknown") for c in frame["code"]
    ]
    frame["gfs"] = [_gfs_text(ctx, gfs_of.get(str(c), "")) for c in frame["code"]]
    frame["phase_label"] = [phase_label(str(p), ctx.lang) for p in frame[C.PHASE]]
    tb = ctx.recorded_table(
        "econ_national",
        ctx.t("tab.econ_national"),
        frame,
        [
            Column(C.YEAR, ctx.t("col.year"), "year"),
            Column("phase_label", ctx.t("col.phase")),
            Column("code", ctx.t("col.code")),
            Column("name", ctx.t("col.econ_name")),
            Column("gfs", ctx.t("col.gfs_class")),
            Column(C.AMOUNT, ctx.t("col.amount_m", currency=ctx.currency), "millions"),
            Column("share", ctx.t("col.share"), "num1"),
        ],
        origin="econ_split",
        row_keys=[C.COUNTRY, C.YEAR, C.PHASE, "code"],
        value_columns={
            C.AMOUNT: {
                "indicator": "econ_split_amount",
                "unit": ctx.currency,
                "key": {"by": C.ECON},
            },
            "share": {"indicator": "econ_split_share", "unit": "%", "key": {"by": C.ECON}},
        },
    )
    sec.blocks.append(tb)
