"""Embedded examples and the synthetic generator.

- :func:`load_example` / :func:`list_examples`: datasets built from public sources that ship
  inside the package (``el_salvador``, ``central_america``), each figure citing its source.
- :func:`simulate`: a clearly labelled synthetic department-level system, deterministic for a
  seed, that scales to millions of budget lines.
"""

from __future__ import annotations

from peir.datasets.examples import example_metadata, example_path, list_examples, load_example
from peir.datasets.simulate import simulate, simulate_frames

__all__ = [
    "example_metadata",
    "example_path",
    "list_examples",
    "load_example",
    "simulate",
    "simulate_frames",
]
