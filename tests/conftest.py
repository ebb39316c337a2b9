"""Shared fixtures.

Tests that need ../shared data use ``shared_data`` (or ``require_shared`` for a whole module) and
skip when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PEIR_SHARED", ROOT.parent / "shared"))
SHARED_DATA = SHARED / "data"
# small published known-answer files carried by the repository (see tests/data/README.md)
TEST_DATA = Path(__file__).resolve().parent / "data"


def require_shared(*parts: str) -> Path:
    """For a module whose every test reads large real files in ../shared/data.

    Call it at the top of the module (``DATA = require_shared("real", "us_bjs_jeee")``): without
    the files the whole module is reported as one skip, naming what is missing, instead of one skip
    per parametrized case. Tests that can run on the small files in ``tests/data`` or on the
    shipped examples must not use it.
    """
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(
            f"needs {Path('../shared/data', *parts)} (large real data, not in the repository)",
            allow_module_level=True,
        )
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to ../shared/data; skips the test cleanly when it is absent (a user's clone)."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA
