"""The one protocol for a part of the brief that the data cannot fill.

A section builder that finds its inputs absent raises :class:`DataGap` naming the data need
(a key of :data:`peir.report.needs.NEEDS`); :func:`fill` catches exactly that, writes the
sentence that says what is missing and from whom to request it, and records the need so the
working-group packs can list it. Nothing else is caught: any other exception is a bug and
surfaces.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from peir.errors import PeirError
from peir.report.context import BriefContext
from peir.report.model import Section
from peir.report.needs import gap_sentence

__all__ = ["DataGap", "Part", "fill", "section"]


class DataGap(PeirError):
    """The data cannot fill (part of) a section.

    Parameters
    ----------
    need
        The key of the data need (:data:`peir.report.needs.NEEDS`).
    reason
        What was found instead, shown after the need (e.g. a model's refusal).
    """

    def __init__(self, need: str, *, reason: str = "") -> None:
        self.need = need
        self.reason = reason
        super().__init__(f"data need {need!r} not met" + (f": {reason}" if reason else ""))


def fill(ctx: BriefContext, sec: Section, build: Callable[[], None]) -> bool:
    """Run ``build``; on a :class:`DataGap`, say in ``sec`` what is missing. True if filled."""
    try:
        build()
    except DataGap as gap:
        sec.p(gap_sentence(ctx, gap.need, reason=gap.reason))
        ctx.record_gap(gap.need, sec.heading)
        return False
    return True


#: A part of a section: its sub-heading key (``None``: no sub-heading) and its builder.
Part = tuple[str | None, Callable[[BriefContext, Section], None]]


def section(ctx: BriefContext, sec_id: str, heading_key: str, parts: Sequence[Part]) -> Section:
    """A section of ``parts`` in order, each under its sub-heading, each filled or replaced by
    the sentence of its data need (:func:`fill`)."""
    sec = Section(sec_id, ctx.t(heading_key))
    ctx.log.section = sec.id
    for heading, build in parts:
        if heading is not None:
            sec.h3(ctx.t(heading))
        fill(ctx, sec, partial(build, ctx, sec))
    return sec
