"""The one registry of data needs: what each part of the brief needs, and from whom.

Every sentence that says the data cannot fill a part of the brief, every "data to request"
list of a working-group pack and the annex's list of requests come from :data:`NEEDS`, so a
need is described once, in both languages (its texts are in :data:`peir.report.i18n.TEXT`
under ``need.<id>`` and ``from.<holder>``).

A need names the holder of the data by role (the ministry of finance, the courts...). When the
harmonised data has institutions on the links the need concerns, their names are added, so the
request reads "from the courts (here: Órgano Judicial)".
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from peir.chain import CHAIN_LINKS
from peir.report.context import BriefContext
from peir.schema import C

__all__ = ["NEEDS", "DataNeed", "gap_sentence", "holder_text", "request_rows"]


@dataclass(frozen=True)
class DataNeed:
    """One data need of the brief.

    Attributes
    ----------
    id
        The key (``DataGap(need=...)``); its description is ``TEXT["need.<id>"]``.
    holder
        Who holds the data: a key of ``TEXT["from.<holder>"]``.
    links
        The links of the chain it concerns (their packs list it); empty = every pack.
    in_packs
        False for needs of the brief only (PEFA, published figures...).
    """

    id: str
    holder: str
    links: tuple[str, ...] = ()
    in_packs: bool = True


_ALL = tuple(lk.value for lk in CHAIN_LINKS)

#: Every data need of the brief and the packs, by id.
NEEDS: dict[str, DataNeed] = {
    n.id: n
    for n in (
        DataNeed("spending", "finance", _ALL),
        DataNeed("context", "statistics", ()),
        DataNeed("execution", "finance", _ALL),
        DataNeed("pefa", "finance", (), in_packs=False),
        DataNeed("econ", "finance", _ALL),
        DataNeed("institution", "finance", (), in_packs=False),
        DataNeed("link_split", "institutions", _ALL),
        DataNeed("peers", "peers", ()),
        DataNeed("caseload", "sector", _ALL),
        DataNeed("homicides", "forensic", ("prevention", "patrol")),
        DataNeed("police", "police", ("patrol",)),
        DataNeed("prosecution", "prosecution", ("investigation",)),
        DataNeed("courts", "courts", ("judicial",)),
        DataNeed("courts_units", "courts", ("judicial",)),
        DataNeed("prisons", "prisons", ("corrections",)),
        DataNeed("funnel", "sector", _ALL),
        DataNeed("chain_model", "sector", _ALL),
        DataNeed("prevention_outputs", "prevention", ("prevention",)),
        DataNeed("projection", "finance", _ALL),
        DataNeed("caseload_needs", "sector", ("judicial", "corrections")),
        DataNeed("cost_of_crime", "cost_of_crime", ()),
        DataNeed("personnel", "payroll", _ALL),
        DataNeed("funding", "finance", _ALL),
        DataNeed("payments", "treasury", _ALL),
        # a legal floor is a rule of the whole budget (the base is the State's revenue): the
        # brief's funding section, not a link's working group, can take it up
        DataNeed("floors", "legal", (), in_packs=False),
        DataNeed("revenue", "finance", (), in_packs=False),
        DataNeed("regions", "finance", _ALL),
        DataNeed("regional_population", "statistics", _ALL),
        DataNeed("published", "publications", (), in_packs=False),
        DataNeed("prevention_units", "prevention", ("prevention",)),
        DataNeed("patrol_units", "police", ("patrol",)),
        DataNeed("investigation_units", "prosecution", ("investigation",)),
        DataNeed("corrections_units", "prisons", ("corrections",)),
    )
}

# the institutions the data places on each link, for "here: ..." in requests
_HOLDER_LINKS: dict[str, tuple[str, ...]] = {
    "police": ("patrol",),
    "prosecution": ("investigation",),
    "courts": ("judicial",),
    "prisons": ("corrections",),
    "prevention": ("prevention",),
}


def _institutions(ctx: BriefContext, links: tuple[str, ...]) -> list[str]:
    """Display names of the institutions the data places on ``links`` (largest first)."""
    s = ctx.h.spending
    if s.empty or C.INSTITUTION_CODE not in s or not links:
        return []
    s = s[(s[C.COUNTRY] == ctx.country) & s[C.LINK].astype(str).isin(links)]
    if s.empty:
        return []
    names = ctx.institution_names()
    by = (
        s.groupby(s[C.INSTITUTION_CODE].astype(str), observed=True)[C.AMOUNT]
        .sum()
        .sort_values(ascending=False)
    )
    return [names.get(str(code), str(code)) for code in by.index[:3]]


def holder_text(ctx: BriefContext, need: DataNeed) -> str:
    """Who to request ``need`` from, in the brief's language, with the data's institutions."""
    text = ctx.t(f"from.{need.holder}")
    here = _institutions(ctx, _HOLDER_LINKS.get(need.holder, ()))
    return ctx.t("need.here", holder=text, names="; ".join(here)) if here else text


def gap_sentence(ctx: BriefContext, need_id: str, *, reason: str = "") -> str:
    """The sentence for a part of the brief the data cannot fill: what is missing, why if
    known, and from whom to request it."""
    need = NEEDS[need_id]
    text = ctx.t("na.section", what=ctx.t(f"need.{need.id}"))
    if reason:
        text += " " + ctx.t("na.reason", reason=reason.rstrip(". "))
    return text + " " + ctx.t("na.request", holder=holder_text(ctx, need))


def request_rows(ctx: BriefContext, link: str | None = None) -> pd.DataFrame:
    """The data to request: one row per need met as a gap (for ``link``, or all).

    Columns ``need`` (id), ``what``, ``holder``, ``sections`` (the headings of the sections
    where it was missing).
    """
    rows = []
    for need_id, sections in ctx.gaps.items():
        need = NEEDS[need_id]
        if link is not None and (not need.in_packs or (need.links and link not in need.links)):
            continue
        rows.append(
            {
                "need": need.id,
                "what": ctx.t(f"need.{need.id}"),
                "holder": holder_text(ctx, need),
                "sections": ", ".join(sections),
            }
        )
    return pd.DataFrame(rows, columns=["need", "what", "holder", "sections"])
