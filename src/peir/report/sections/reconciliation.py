"""Section: reconciliation with published figures — each published figure beside peir's value,
and the reason for any difference (denominator, vintage, coverage, phase, source).

The published figures come from the example (``published_figures:`` of its ``example.yaml``) or
from the user's ``peir.yaml``: rows with ``country``, ``year``, ``indicator``, ``value``, ``unit``,
``source`` and optionally ``note`` and ``reason`` (a reason given there is shown as it is in the
English brief; ``reason_es`` in the Spanish one, else the inferred reason).
``indicator`` is a peir indicator id (``exp_pct_gdp``), a caseload measure (``homicides``) or
one of the aliases in :data:`ALIASES`.

The reason is inferred, in this order:

- *coverage*: peir has no value for that year (the nearest year's value is shown), or the
  year's spending does not cover the whole sector;
- *agrees*: the two agree to the published precision (half a unit of its last digit);
- *denominator*: for a share, the published figure implies another denominator for the same
  numerator; the implied and peir's denominators are given (a GDP of another vintage, a
  budget of another scope);
- *phase*: the published figure is of another budget phase than peir's level phase;
- *source*: a count that peir takes from another headline source.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from peir.chain import MEASURES
from peir.report.context import BriefContext, country_rows
from peir.report.coverage import spending_coverage
from peir.report.gaps import DataGap, section
from peir.report.i18n import TEXT, fmt_number, link_label, measure_label
from peir.report.model import Column, Section
from peir.schema import C

__all__ = ["ALIASES", "Match", "build", "match_figure", "published_frame"]

#: Names used in published-figure lists -> (peir indicator or measure, link).
ALIASES: dict[str, tuple[str, str | None]] = {
    "sj_spending_pct_gdp": ("exp_pct_gdp", None),
    "sj_share_of_budget": ("exp_pct_gov", None),
    "sj_share_of_gov": ("exp_pct_gov", None),
    "sj_spending": ("exp_total", None),
    "sj_spending_total": ("exp_total", None),
    "sj_spending_usd": ("exp_total", None),
    "link1_prevention": ("exp_link", "prevention"),
    "link2_vigilance_patrol": ("exp_link", "patrol"),
    "link3_investigation": ("exp_link", "investigation"),
    "link4_judicial": ("exp_link", "judicial"),
    "link5_sentence_execution": ("exp_link", "corrections"),
    "link1_prevention_share": ("exp_link_share", "prevention"),
    "link2_vigilance_patrol_share": ("exp_link_share", "patrol"),
    "link3_investigation_share": ("exp_link_share", "investigation"),
    "link4_judicial_share": ("exp_link_share", "judicial"),
    "link5_sentence_execution_share": ("exp_link_share", "corrections"),
    "prisoners": ("prisoners_total", None),
}
#: ``<acronym>_budget[_<phase>]``: an institution's budget of a phase (approved by default).
_INSTITUTION_BUDGET = re.compile(r"^([a-z]+)_budget(?:_(approved|proposed|modified|executed))?$")
_SCALES = (
    ("billion", 1e9),
    ("bn", 1e9),
    ("mil millones", 1e9),
    ("million", 1e6),
    ("millones", 1e6),
    ("thousand", 1e3),
    ("miles", 1e3),
)

_SHARES = {"exp_pct_gdp": "gdp", "exp_pct_gov": "gov", "exp_link_pct_gdp": "gdp"}
_PUBLISHED_COLUMNS = (
    "country",
    "year",
    "indicator",
    "value",
    "unit",
    "source",
    "note",
    "reason",
    "reason_es",
)


def published_frame(figures: Any) -> pd.DataFrame:
    """Published figures (a list of mappings or a DataFrame) as a frame of known columns."""
    frame = (
        figures.copy() if isinstance(figures, pd.DataFrame) else pd.DataFrame(list(figures or []))
    )
    for col in _PUBLISHED_COLUMNS:
        if col not in frame:
            frame[col] = "" if col not in ("year", "value") else np.nan
    frame["year"] = pd.to_numeric(frame["year"], errors="coerce")
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    return frame.dropna(subset=["year", "value"]).reset_index(drop=True)


class _Figure:
    """One published figure (a record of :func:`published_frame`), typed."""

    def __init__(self, rec: dict[str, Any]) -> None:
        self.year = int(rec["year"])
        self.value = float(rec["value"])
        self.indicator = str(rec["indicator"])
        self.unit = "" if _blank(rec.get("unit")) else str(rec["unit"])
        self.source = "" if _blank(rec.get("source")) else str(rec["source"])
        self.reason = "" if _blank(rec.get("reason")) else str(rec["reason"])
        self.reason_es = "" if _blank(rec.get("reason_es")) else str(rec["reason_es"])

    @property
    def scale(self) -> float:
        """The multiplier of the published unit ("USD million": 10⁶)."""
        u = self.unit.lower()
        return next((f for word, f in _SCALES if word in u), 1.0)

    @property
    def percent(self) -> bool:
        return self.unit.strip().startswith("%") or self.unit.strip().lower() in ("percent", "pct")


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == ""


@dataclass
class Match:
    """peir's side of one published figure."""

    kind: str  # "indicator", "measure", "institution" or "" (not computed by peir)
    target: str  # the peir indicator id, measure or institution code
    value: float = math.nan
    year: int | None = None  # the year of ``value`` (another year when the figure's is missing)
    source: str = ""
    link: str = ""
    phase: str = ""


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()


def _institution(ctx: BriefContext, acronym: str) -> str | None:
    """The institution code whose code, bracketed acronym or initials are ``acronym``."""
    acr = acronym.upper()
    for code, name in ctx.institution_names().items():
        head = _fold(name).split("(")[0]
        initials = "".join(w[0] for w in re.findall(r"[A-Z]+", head) if w not in _STOP)
        if code.upper() == acr or f"({acr})" in _fold(name) or initials == acr:
            return code
    return None


_STOP = {"DE", "DEL", "LA", "LAS", "LOS", "Y", "E", "EL", "PARA", "OF", "THE", "AND"}


def _series_of(ctx: BriefContext, indicator: str) -> tuple[Match, pd.Series, pd.Series]:
    """What peir has for a published ``indicator``: the match, values by year, sources by year."""
    name, link = ALIASES.get(indicator, (indicator, None))
    empty = pd.Series(dtype=float)
    m = _INSTITUTION_BUDGET.match(indicator)
    if m:
        code = _institution(ctx, m.group(1))
        phase = m.group(2) or "approved"
        if code is None:
            return Match("", indicator), empty, empty
        s = ctx.h.spending
        s = s[
            (s[C.COUNTRY] == ctx.country)
            & (s[C.INSTITUTION_CODE].astype(str) == code)
            & (s[C.PHASE].astype(str) == phase)
        ]
        by = s.groupby(C.YEAR, observed=True)[C.AMOUNT].sum(min_count=1).astype(float)
        return Match("institution", code, phase=phase), by, pd.Series("", index=by.index)
    if not ctx.catalog.empty and name in set(ctx.catalog["id"]):
        v = ctx.series(name, link=link)
        if (
            name.startswith("exp_link") and link is not None
        ):  # a link share or amount: comparable years only
            v = v[v.index.isin(spending_coverage(ctx.h, ctx.country).shares)]
        return Match("indicator", name, link=link or ""), v, pd.Series("", index=v.index)
    if name in MEASURES:
        cl = ctx.h.headline_caseload()
        d = (
            cl[(cl[C.COUNTRY] == ctx.country) & (cl[C.MEASURE].astype(str) == name)]
            if not cl.empty
            else cl
        )
        if C.REGION in d:
            d = d[d[C.REGION].isna() | (d[C.REGION].astype(str).str.strip() == "")]
        d = d.dropna(subset=[C.VALUE])
        v = d.groupby(C.YEAR)[C.VALUE].first().astype(float)
        src = (
            d.groupby(C.YEAR)[C.SOURCE].first().astype(str)
            if C.SOURCE in d
            else pd.Series("", index=v.index)
        )
        return Match("measure", name), v, src
    return Match("", indicator), empty, empty


def match_figure(ctx: BriefContext, indicator: str, year: int) -> Match:
    """What peir computes for a published ``indicator`` in ``year`` (or the nearest year)."""
    m, s, src = _series_of(ctx, indicator)
    s = s[np.isfinite(s.to_numpy(dtype=float))]
    if year in s.index:
        y = year
    else:
        near = [int(y) for y in s.index if abs(int(y) - year) <= 1]
        if not near:
            return m
        y = min(near, key=lambda v: (abs(v - year), -v))
    m.value, m.year, m.source = float(s[y]), int(y), str(src.get(y, ""))
    return m


def _decimals(v: float) -> int:
    text = f"{v:.10f}".rstrip("0").rstrip(".")
    return len(text.split(".")[1]) if "." in text else 0


def _agrees(published: float, peir: float) -> bool:
    return bool(abs(peir - published) <= 0.5 * 10 ** (-_decimals(published)) + 1e-12)


def build(ctx: BriefContext) -> Section:
    """The published figures against peir's values, each difference with its reason."""
    return section(ctx, "reconciliation", "sec.reconciliation", [(None, _reconcile)])


def _reconcile(ctx: BriefContext, sec: Section) -> None:
    pub = ctx.published
    if not pub.empty:
        pub = pub[(pub["country"].astype(str) == ctx.country) | (pub["country"].astype(str) == "")]
    if pub.empty:
        raise DataGap("published")
    cover = spending_coverage(ctx.h, ctx.country)
    rows = []
    for rec in pub.sort_values(["year", "indicator"]).to_dict("records"):
        r = _Figure({str(k): v for k, v in rec.items()})
        year = r.year
        m = match_figure(ctx, r.indicator, year)
        label = _label(ctx, m, r.indicator)
        unit = "%" if r.percent else ""
        d_pub = _decimals(r.value)
        pub_txt = ctx.recorded(
            r.value, unit, "published", r.indicator, year, key={"source": r.source}, decimals=d_pub
        )
        if r.unit and not r.percent:
            pub_txt += f" {r.unit}"
        peir_txt, diff_txt = "", ""
        agrees = False
        if math.isfinite(m.value) and m.year is not None:
            shown = m.value / r.scale
            d = max(1, d_pub + 1) if r.percent else (1 if r.scale > 1 else 0)
            if m.kind == "indicator":
                peir_txt = ctx.recorded(
                    m.value,
                    unit,
                    "compute",
                    m.target,
                    m.year,
                    link=m.link,
                    decimals=d,
                    scale=r.scale,
                )
            else:
                peir_txt = ctx.recorded(
                    m.value,
                    unit,
                    m.kind if m.kind != "measure" else "caseload",
                    m.target,
                    m.year,
                    key={"source": m.source, "phase": m.phase},
                    decimals=d,
                    scale=r.scale,
                )
            if m.year != year:
                peir_txt += f" ({m.year})"
            else:
                agrees = _agrees(r.value, shown)
                diff = shown - r.value
                diff_txt = (
                    ("+" if diff > 0 else "")
                    + fmt_number(diff, ctx.lang, d)
                    + (f" {ctx.t('w.pp')}" if r.percent else "")
                )
        if agrees:
            reason = ctx.t("rec.agrees")
        else:
            # a reason the figure gives is shown in its language (``reason`` English, ``reason_es``)
            given = r.reason_es if ctx.lang == "es" else r.reason
            inferred = _reason(ctx, m, r.value * r.scale, year, r.unit, cover.whole, cover.phase)
            reason = _before(given, ctx.as_of, inferred) if given else inferred
        rows.append(
            {
                "indicator": label,
                C.YEAR: year,
                "published": pub_txt,
                "publication": r.source,
                "peir": peir_txt,
                "difference": diff_txt,
                "reason": reason,
            }
        )
    frame = pd.DataFrame(rows)
    n_agree = sum(1 for r in rows if r["reason"] == ctx.t("rec.agrees"))
    sec.p(
        ctx.t(
            "rec.intro",
            n=ctx.count(len(rows), "published figures"),
            n_agree=ctx.count(n_agree, "agree"),
        )
    )
    sec.blocks.append(
        ctx.table(
            "reconciliation",
            ctx.t("tab.reconciliation"),
            frame,
            [
                Column("indicator", ctx.t("col.indicator")),
                Column(C.YEAR, ctx.t("col.year"), "year"),
                Column("published", ctx.t("col.published")),
                Column("publication", ctx.t("col.publication")),
                Column("peir", ctx.t("col.peir_value")),
                Column("difference", ctx.t("col.difference")),
                Column("reason", ctx.t("col.reason")),
            ],
        )
    )


def _before(reason: str, as_of: int | None, inferred: str) -> str:
    """A given reason as a brief as of ``as_of`` may show it: its sentences and clauses that
    cite a later year (a figure the brief's year did not know) are left out, after peir's own
    reason; the whole reason when nothing needs leaving out."""
    if as_of is None:
        return reason
    parts = [p for p in re.split(r"(?<=[.;])\s+", reason.strip()) if p]
    kept = [
        p
        for p in parts
        if not any(int(y) > as_of for y in re.findall(r"\b(1[89]\d\d|20\d\d)\b", p))
    ]
    if len(kept) == len(parts):
        return reason
    tail = " ".join(kept).rstrip(";. ")
    return inferred + ("; " + tail if tail else "")


def _label(ctx: BriefContext, m: Match, indicator: str) -> str:
    """The published figure's name in the brief's language."""
    if m.kind == "indicator":
        return ctx.name(m.target) + (f" — {link_label(m.link, ctx.lang)}" if m.link else "")
    if m.kind == "measure":
        return measure_label(m.target, ctx.lang)
    if m.kind == "institution":
        return ctx.t(
            "rec.institution_budget",
            institution=ctx.institution_names().get(m.target, m.target),
            phase=ctx.t(f"w.{m.phase}") if f"w.{m.phase}" in TEXT else m.phase,
        )
    return indicator


def _money(ctx: BriefContext, v: float) -> str:
    if abs(v) >= 1e9:
        return f"{fmt_number(v / 1e9, ctx.lang, 1)} {ctx.t('w.billion')} {ctx.currency}"
    return f"{fmt_number(v / 1e6, ctx.lang, 1)} {ctx.t('w.million')} {ctx.currency}"


def _reason(
    ctx: BriefContext,
    m: Match,
    published: float,
    year: int,
    unit: str,
    whole: frozenset[int],
    phase: dict[int, str],
) -> str:
    """The inferred reason for a difference (see the module docstring)."""
    if not m.kind:
        return ctx.t("rec.not_computed")
    if m.year is None or not math.isfinite(m.value):
        return ctx.t("rec.coverage_missing", year=year)
    if m.year != year:
        return ctx.t("rec.coverage_other_year", year=year, other=m.year)
    if _agrees(published, m.value):
        return ctx.t("rec.agrees")
    spending = m.target.startswith("exp_")
    if spending and year not in whole:
        return ctx.t("rec.coverage_partial", year=year)
    share = _SHARES.get(m.target)
    if share is not None and published > 0 and m.value > 0:
        total = country_rows(ctx, "exp_total")
        num = total[total[C.YEAR] == year][C.VALUE]
        if len(num):
            n = float(num.iloc[0])
            implied, used = n / (published / 100), n / (m.value / 100)
            if share == "gdp":
                return ctx.t(
                    "rec.denominator_gdp",
                    implied=_money(ctx, implied),
                    used=_money(ctx, used),
                    numerator=_money(ctx, n),
                )
            scope = _gov_scope(ctx)
            key = (
                "rec.denominator_budget"
                if "budget" in unit.lower() or "presupuesto" in unit.lower()
                else "rec.denominator_gov"
            )
            return ctx.t(key, implied=_money(ctx, implied), used=_money(ctx, used), scope=scope)
    if spending:
        ph = phase.get(year, "")
        said = unit.lower()
        for other in ("approved", "executed", "modified"):
            if other in said and other != ph:
                return ctx.t(
                    "rec.phase", phase=ctx.t(f"w.{other}"), ours=ctx.t(f"w.{ph}") if ph else "–"
                )
    if m.kind == "measure":
        return ctx.t("rec.source", source=m.source or "–")
    return ctx.t("rec.differs")


def _gov_scope(ctx: BriefContext) -> str:
    cx = ctx.h.context
    if cx.empty or C.GOV_EXPENDITURE_SCOPE not in cx:
        return ctx.t("rec.scope_unknown")
    scopes = sorted({str(s) for s in cx[C.GOV_EXPENDITURE_SCOPE].dropna()})
    return ", ".join(ctx.t(f"val.{s}") if f"val.{s}" in TEXT else s for s in scopes) or ctx.t(
        "rec.scope_unknown"
    )
