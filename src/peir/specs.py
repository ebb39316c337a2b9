"""Read specifications (placeholder until the ingest work lands)."""

from __future__ import annotations

from pydantic import BaseModel

__all__ = ["ReadSpec"]


class ReadSpec(BaseModel):
    """How to read one source file into a canonical table."""
