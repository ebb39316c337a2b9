"""Benchmark: the quickstart notebook and ``simulate(n_rows=1_000_000)``, the two timings that
used to be asserted in unit tests (a wall-clock bound there fails on a loaded machine).

- **Quickstart notebook**, executed by nbclient as ``tests/test_notebooks.py`` does, against the
  baseline of a notebook with one empty cell (kernel start-up and shutdown, timed in the same
  run). Goal: under a minute.
- **simulate(n_rows=1_000_000)**, against the baseline of drawing the same number of random
  rows with numpy and building a DataFrame of the budget's columns (the floor of any
  generator). Goal: under 30 seconds.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._util import md_table, timeit

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "notebooks" / "quickstart.ipynb"


def _execute(nb: object) -> None:
    import nbclient

    client = nbclient.NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(QUICKSTART.parent)}},
    )
    client.execute()


def _quickstart() -> None:
    import nbformat

    _execute(nbformat.read(QUICKSTART, as_version=4))


def _empty_notebook() -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("pass"))
    _execute(nb)


def _simulate(n: int) -> None:
    from peir.datasets import simulate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        simulate(n_rows=n, seed=5)


def _random_frame(n: int) -> None:
    rng = np.random.default_rng(5)
    pd.DataFrame(
        {
            "country": np.repeat("SLV", n),
            "year": rng.integers(2010, 2020, n),
            "institution_code": rng.choice(["PNC", "FGR", "OJ", "DGCP", "MJSP"], n),
            "program": rng.choice([f"P{i}" for i in range(40)], n),
            "econ": rng.choice(["51", "54", "55", "56", "61"], n),
            "region": rng.choice([f"R{i}" for i in range(14)], n),
            "phase": rng.choice(["approved", "modified", "executed"], n),
            "amount": rng.lognormal(10, 2, n),
            "source_ref": [f"sim:{i}" for i in range(n)],
        }
    )


def run(quick: bool = False) -> str:
    """Time the quickstart notebook and simulate(); returns the Markdown section."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    repeat = 1 if quick else 3
    n = 50_000 if quick else 1_000_000
    rows = []
    nb = timeit(_quickstart, repeat=repeat)
    nb_base = timeit(_empty_notebook, repeat=repeat)
    rows.append(
        {
            "step": "quickstart notebook (nbclient)",
            "time": str(nb),
            "baseline": f"{nb_base} (empty notebook: kernel start and stop)",
            "ratio": f"{nb.median / nb_base.median:.1f}×",
            "goal": "under 60 s: " + ("yes" if nb.median < 60 else "**no**"),
        }
    )
    sim = timeit(lambda: _simulate(n), repeat=repeat)
    sim_base = timeit(lambda: _random_frame(n), repeat=repeat)
    rows.append(
        {
            "step": f"`simulate(n_rows={n:_})`",
            "time": str(sim),
            "baseline": f"{sim_base} (numpy draws into a DataFrame of the same size)",
            "ratio": f"{sim.median / sim_base.median:.1f}×",
            "goal": "under 30 s: " + ("yes" if sim.median < 30 else "**no**"),
        }
    )
    return "\n".join(
        [
            "## Notebook and simulated data",
            "",
            "The quickstart notebook as a reader runs it, and the simulated million-line budget",
            "that the scaling tests and benchmarks start from. These bounds used to be asserted in",
            "unit tests, where a loaded machine made them fail; they are measured here instead.",
            "",
            md_table(rows),
        ]
    )


if __name__ == "__main__":  # pragma: no cover
    print(run(quick="--quick" in sys.argv))
