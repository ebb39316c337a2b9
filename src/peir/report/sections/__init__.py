"""The sections of the brief, one module each, built in order from a
:class:`~peir.report.context.BriefContext`.

Every module has ``build(ctx) -> Section``. A part of a section that the data cannot fill
raises :class:`~peir.report.gaps.DataGap` and is replaced by the sentence of its data need
(:mod:`peir.report.needs`); nothing else is caught. The key messages are built last, from the
messages the other sections offered, and shown first.
"""

from __future__ import annotations

from collections.abc import Callable

from peir.report.context import BriefContext
from peir.report.model import Section
from peir.report.sections import (
    annex,
    composition,
    credibility,
    efficiency,
    funding,
    key_messages,
    outlook,
    performance,
    personnel,
    reconciliation,
    regions,
    results_matrix,
    spending,
)

__all__ = ["BODY", "build_sections", "section_number"]

#: The body sections in order: (heading key, builder).
BODY: tuple[tuple[str, Callable[[BriefContext], Section]], ...] = (
    ("sec.spending", spending.build),
    ("sec.composition", composition.build),
    ("sec.personnel", personnel.build),
    ("sec.funding", funding.build),
    ("sec.credibility", credibility.build),
    ("sec.performance", performance.build),
    ("sec.regions", regions.build),
    ("sec.efficiency", efficiency.build),
    ("sec.outlook", outlook.build),
    ("sec.results", results_matrix.build),
    ("sec.reconciliation", reconciliation.build),
    ("sec.annex", annex.build),
)


def build_sections(ctx: BriefContext, step: Callable[[str], None] | None = None) -> list[Section]:
    """Build every section in order (key messages are assembled from the others, shown first)."""
    body = []
    for key, build in BODY:
        if step is not None:
            step(ctx.t(key))
        body.append(build(ctx))
    return [key_messages.build(ctx), *body]


def section_number(heading_key: str) -> int:
    """The number a body section is printed with (the key messages are section 1)."""
    return 2 + [k for k, _b in BODY].index(heading_key)
