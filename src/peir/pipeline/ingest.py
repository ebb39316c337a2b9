"""Readers (placeholder until the ingest work lands)."""

from __future__ import annotations

from typing import Any

__all__ = ["read_budget", "read_caseload", "read_chain_map", "read_context"]


def read_budget(source: Any, spec: Any = None, **overrides: Any) -> Any:
    raise NotImplementedError


def read_caseload(source: Any, spec: Any = None, **overrides: Any) -> Any:
    raise NotImplementedError


def read_context(source: Any, spec: Any = None, **overrides: Any) -> Any:
    raise NotImplementedError


def read_chain_map(source: Any, spec: Any = None, **overrides: Any) -> Any:
    raise NotImplementedError
