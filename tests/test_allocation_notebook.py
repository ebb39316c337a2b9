"""The allocation notebook's other path: run as in a user's clone, without ../shared.

``test_notebooks.py`` runs every notebook with whatever data this machine has (here, with
../shared: the CNJ estimate and the SFA section run). This test runs the allocation notebook
again with ``PEIR_SHARED`` pointing at nothing, so the parts that skip themselves are exercised
too, and checks what a reader sees on that path: no error, the skip stated, and every figure
shown inline as an image (not printed as ``<Figure ...>``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "allocation.ipynb"


@pytest.mark.slow
def test_allocation_notebook_runs_without_shared_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("PEIR_SHARED", str(tmp_path / "absent"))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors
    printed = "".join(str(o.get("text", "")) for c in code for o in c.outputs)
    assert "../shared/data is not present: skipping the CNJ estimate" in printed
    assert "../shared/data is not present: skipping the SFA section" in printed
    texts = [
        str(o.get("data", {}).get("text/plain", ""))
        for c in code
        for o in c.outputs
        if "image/png" not in o.get("data", {})
    ]
    assert not [x for x in texts if x.startswith("<Figure")], "a figure printed as text"
    drawing = [c for c in code if ".plot(" in c.source or "charts." in c.source]
    assert drawing, "the notebook draws figures"
    shown = [c for c in drawing if any("image/png" in o.get("data", {}) for o in c.outputs)]
    # a cell that draws only from the shared data may print its skip instead of a figure
    skipped = [c for c in drawing if c not in shown and "not present" in str(c.outputs)]
    assert len(shown) + len(skipped) == len(drawing)
    assert shown, "no figure shown inline"
    print(f"{len(shown)} figure cells shown, {len(skipped)} skipped without the shared data")
