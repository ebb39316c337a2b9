"""Embedded examples and the synthetic generator (placeholder until the examples work lands)."""

from __future__ import annotations

from typing import Any

__all__ = ["list_examples", "load_example"]


def list_examples() -> list[str]:
    return []


def load_example(name: str = "el_salvador") -> Any:
    raise NotImplementedError
