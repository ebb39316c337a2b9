"""The package root: lazy public names (PEP 562) and what ``import peir.efficiency`` loads."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import peir


def test_all_lists_every_export_and_subpackage_once() -> None:
    expected = sorted([*peir._EXPORTS, *peir._SUBPACKAGES, "__version__"])
    assert sorted(peir.__all__) == expected
    assert len(set(peir.__all__)) == len(peir.__all__)
    assert dir(peir) == sorted(peir.__all__)


@pytest.mark.parametrize("name", sorted(peir._EXPORTS))
def test_every_public_name_is_the_object_of_its_module(name: str) -> None:
    module = importlib.import_module(peir._EXPORTS[name])
    assert getattr(peir, name) is getattr(module, name)


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Datset'"):
        peir.Datset  # type: ignore[attr-defined]  # noqa: B018


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            f"{code}\nimport sys\nprint(' '.join(m for m in sys.modules if m.startswith('peir')))",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return set(out.split())


def test_import_peir_loads_only_the_version() -> None:
    assert _modules_after("import peir") == {"peir", "peir._version"}


def test_efficiency_loads_no_pipeline_dataset_indicators_or_report_module() -> None:
    loaded = _modules_after("import peir.efficiency")
    allowed = {"peir", "peir._version", "peir.errors", "peir._results"}
    assert {m for m in loaded if not m.startswith("peir.efficiency")} <= allowed, loaded


def test_from_peir_import_star_and_names() -> None:
    loaded = _modules_after(
        "from peir import *\nfrom peir import Dataset, ReadSpec, HarmonizeOptions"
    )
    assert {"peir.dataset", "peir.readspec", "peir.pipeline.harmonize"} <= loaded
