"""Embedded example datasets, shipped inside the package (``peir/data/examples/<name>/``).

Each example is a folder with ``budget.csv``, ``caseload.csv``, ``context.csv`` and
``chain_map.csv`` in the canonical columns, a ``SOURCES.md`` naming the source of every
figure and an ``example.yaml`` with its metadata (title, country, peers, base year, currency,
caseload source priority per measure, published ratios kept for comparison, notes).

- ``el_salvador``: El Salvador's security and justice budget 2008-2020 from the Ministerio de
  Hacienda's files (via FUNDE): approved, modified and executed for the five ramos of the
  sector, the 2018-2020 budget laws by line of work, rubro and funding source; homicides
  2008-2024 with their counting rules, prisons, police; WDI / IMF context; the 2012 PEIR's
  published figures for reconciliation.
- ``central_america``: judiciary spending, approved and executed, of El Salvador, Guatemala,
  Honduras, Costa Rica and Panama from the World Bank BOOST data, with the 2012 PEIR's sector
  ratios (% of GDP, 2010) and macro context.
"""

from __future__ import annotations

from contextlib import ExitStack
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import yaml

from peir.dataset import Dataset
from peir.errors import InputError, ReadError
from peir.pipeline.ingest import read_budget, read_caseload, read_chain_map, read_context

__all__ = ["example_metadata", "example_path", "list_examples", "load_example"]

_TABLES: tuple[str, ...] = ("budget", "caseload", "context", "chain_map")


def _root() -> Traversable:
    return resources.files("peir").joinpath("data", "examples")


def list_examples() -> list[str]:
    """Names of the embedded examples, sorted.

    Examples
    --------
    >>> "el_salvador" in list_examples()
    True
    """
    root = _root()
    return sorted(
        d.name for d in root.iterdir() if d.is_dir() and d.joinpath("example.yaml").is_file()
    )


def example_path(name: str = "el_salvador") -> Traversable:
    """The folder of example ``name`` inside the installed package.

    Raises
    ------
    peir.InputError
        When there is no such example; the message lists the available names.
    """
    names = list_examples()
    if name not in names:
        raise InputError(
            f"unknown example {name!r}; available examples: {', '.join(names) or 'none'}"
        )
    return _root().joinpath(name)


def example_metadata(name: str = "el_salvador") -> dict[str, Any]:
    """The parsed ``example.yaml`` of example ``name``."""
    folder = example_path(name)
    try:
        meta = yaml.safe_load(folder.joinpath("example.yaml").read_text("utf-8"))
    except yaml.YAMLError as exc:  # pragma: no cover - shipped files are checked by tests
        raise ReadError(f"example {name!r}: example.yaml is not valid YAML: {exc}") from None
    if not isinstance(meta, dict):  # pragma: no cover
        raise ReadError(f"example {name!r}: example.yaml is not a mapping")
    return meta


def load_example(name: str = "el_salvador") -> Dataset:
    """Load an embedded example as a validated :class:`peir.Dataset`.

    The four tables are read with :func:`peir.read_budget`, :func:`peir.read_caseload`,
    :func:`peir.read_context` and :func:`peir.read_chain_map` from the files shipped in the
    package. ``Dataset.meta`` carries the example's metadata, in particular
    ``source_priority`` (caseload measure -> sources in order of preference, for
    :meth:`peir.Dataset.harmonize`), ``base_year``, ``country``, ``peers``, ``currency``,
    ``title``, ``published_figures``, ``coverage`` (the years, institutions and phases each
    window of the budget covers: compare totals only within one window), ``data_requests``
    (what is missing and from whom), ``econ_scheme`` (the classification of ``econ``, e.g.
    ``"SLV"`` for El Salvador's rubros), ``notes`` and ``sources`` (the path of ``SOURCES.md``).

    Parameters
    ----------
    name
        One of :func:`list_examples`.

    Returns
    -------
    peir.Dataset

    Raises
    ------
    peir.InputError
        For an unknown name (the message lists the available examples).

    Examples
    --------
    >>> ds = load_example("el_salvador")
    >>> ds.meta["country"], ds.validate().ok
    ('SLV', True)
    """
    readers = {
        "budget": read_budget,
        "caseload": read_caseload,
        "context": read_context,
        "chain_map": read_chain_map,
    }
    meta = example_metadata(name)
    folder = example_path(name)
    files: dict[str, str] = {k: f"{k}.csv" for k in _TABLES}
    files.update({k: str(v) for k, v in (meta.get("files") or {}).items() if k in _TABLES})
    tables: dict[str, Any] = {}
    with ExitStack() as stack:
        for kind in _TABLES:
            entry = folder.joinpath(files[kind])
            if not entry.is_file():
                tables[kind] = None
                continue
            path = stack.enter_context(resources.as_file(entry))
            tables[kind] = readers[kind](path)
        sources = folder.joinpath("SOURCES.md")
        sources_path = str(sources) if sources.is_file() else None
    info: dict[str, Any] = {
        "example": name,
        "synthetic": False,
        "title": meta.get("title", name),
        "country": meta.get("country"),
        "peers": list(meta.get("peers") or []),
        "base_year": meta.get("base_year"),
        "currency": meta.get("currency"),
        "source_priority": {
            str(k): [str(s) for s in v] for k, v in (meta.get("source_priority") or {}).items()
        },
        "population_source": meta.get("population_source"),
        "gov_expenditure_scope": meta.get("gov_expenditure_scope"),
        "published_figures": list(meta.get("published_figures") or []),
        "coverage": list(meta.get("coverage") or []),
        "data_requests": list(meta.get("data_requests") or []),
        "econ_scheme": meta.get("econ_scheme"),
        "notes": list(meta.get("notes") or []),
        "outlook": meta.get("outlook"),
        "cost_of_crime": meta.get("cost_of_crime"),
        "sources": sources_path,
    }
    return Dataset(
        budget=tables["budget"],
        caseload=tables["caseload"],
        context=tables["context"],
        chain_map=tables["chain_map"],
        name=name,
        meta=info,
    )
