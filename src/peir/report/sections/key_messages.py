"""Section 1: the key messages, assembled last from what the other sections offered."""

from __future__ import annotations

from peir.report.context import BriefContext
from peir.report.model import Section

__all__ = ["build"]

_MAX_MESSAGES = 6


def build(ctx: BriefContext) -> Section:
    """At most six messages, by priority, one per figure."""
    sec = Section("key-messages", ctx.t("sec.key_messages"))
    seen: set[str] = set()
    for m in sorted(ctx.messages, key=lambda m: m.priority):
        if m.figure.key in seen:
            continue
        seen.add(m.figure.key)
        sec.p(m.text)
        sec.blocks.append(m.figure)
        if len(seen) >= _MAX_MESSAGES:
            break
    if not seen:
        sec.p(ctx.t("na.no_key_messages"))
    return sec
