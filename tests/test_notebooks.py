"""Every notebook in notebooks/ is executed headless, so the notebooks never rot.

Each runs in a fresh kernel of this very interpreter (a ``python3`` kernel spec installed into a
temporary Jupyter path, so a user's other kernels cannot be picked up), with a timeout. A notebook
that reads ../shared data (its metadata has ``"peir": {"needs_shared": true}``, or a cell names
``shared/data``) is skipped cleanly when that folder is absent; one that declares
``"needs_shared": false`` skips its shared-data parts itself, and runs everywhere. A notebook
whose name starts with ``_`` is not run.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("PEIR_SHARED", ROOT.parent / "shared")) / "data"
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").glob("*.ipynb") if not p.name.startswith("_"))
TIMEOUT = 180  # seconds per cell; each notebook should finish in well under a minute

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def jupyter_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Jupyter data dir with a ``python3`` kernel spec that runs this interpreter."""
    from ipykernel.kernelspec import install

    prefix = tmp_path_factory.mktemp("jupyter")
    install(kernel_name="python3", prefix=str(prefix))
    return prefix / "share" / "jupyter"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(
    path: Path, jupyter_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(
        "JUPYTER_PATH", str(jupyter_path) + os.pathsep + os.environ.get("JUPYTER_PATH", "")
    )
    # the backend a notebook has by default: figures must show inline, not print <Figure ...>
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    nb = nbformat.read(path, as_version=4)
    declared = nb.metadata.get("peir", {}).get("needs_shared")
    # a notebook may declare that it runs without the shared data (it skips its parts itself)
    needs_shared = (
        bool(declared)
        if declared is not None
        else any(
            "shared/data" in c.source or "PEIR_SHARED" in c.source
            for c in nb.cells
            if c.cell_type == "code"
        )
    )
    if needs_shared and not SHARED_DATA.is_dir():
        pytest.skip(f"{path.name} needs ../shared/data, which is absent")
    client = nbclient.NotebookClient(
        nb,
        timeout=TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    t0 = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - t0
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors
    print(f"{path.name}: {elapsed:.1f} s")
    texts = [
        str(o.get("data", {}).get("text/plain", ""))
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if "image/png" not in o.get("data", {})
    ]
    assert not [x for x in texts if x.startswith("<Figure")], "a figure printed as text, not shown"
    plotting = [
        c
        for c in nb.cells
        if c.cell_type == "code" and (".plot(" in c.source or "charts." in c.source)
    ]
    for c in plotting:  # every cell that draws shows its figure
        assert any("image/png" in o.get("data", {}) for o in c.get("outputs", [])), c.source[:200]
    # the quickstart's time is printed, not asserted (BRIEF: no wall-clock assertions in
    # tests; the machine is shared); benchmarks/bench_notebooks.py measures it
