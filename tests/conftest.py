"""Shared fixtures. Tests that need ../shared data use ``shared_data`` and skip when it is absent."""

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


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to ../shared/data; skips the test cleanly when it is absent (a user's clone)."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA
