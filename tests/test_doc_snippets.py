"""The ReadSpec snippets of the README and the user guide run as written, on a small workbook
laid out as they describe (sheet 'Ejecución', header on row 4, Spanish locale, thousands)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

import peir

ROOT = Path(__file__).resolve().parents[1]


def _snippet(doc: Path) -> str:
    blocks = re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.S)
    (code,) = [b for b in blocks if "peir.ReadSpec(" in b and "read_budget(" in b]
    return code


def _workbook(folder: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Ejecución"
    ws.append(["Ministerio de Hacienda"])
    ws.append(["Ejecución presupuestaria 2023 (miles de dólares)"])
    ws.append([])
    ws.append(["Código", "Institución", "Programa", "Rubro", "Votado", "Modificado", "Devengado"])
    ws.append(
        [
            "06",
            "Policía Nacional Civil",
            "Seguridad pública",
            "51",
            "1.234,50",
            "1.300,00",
            "1.250,75",
        ]
    )
    ws.append(
        ["17", "Fiscalía General", "Investigación", "54", 980.5, 1000, "990,00"]
    )  # a number cell among text
    wb.save(folder / "ejecucion_2023.xlsx")


@pytest.mark.parametrize("doc", ["README.md", "docs/user_guide.md"])
def test_readspec_snippet_runs_as_written(
    doc: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _workbook(tmp_path)
    monkeypatch.chdir(tmp_path)
    scope: dict[str, Any] = {"peir": peir}
    exec(compile(_snippet(ROOT / doc), doc, "exec"), scope)  # the documentation's own code
    budget = scope["budget"]
    assert budget.report.ok, budget.report
    assert budget.report.rows_accepted == 6 and budget.report.rows_rejected == 0
    f = budget.frame
    assert f["amount"].tolist()[:3] == [1_234_500.0, 1_300_000.0, 1_250_750.0]
    assert f["amount"].tolist()[3] == 980_500.0  # the number cell is a number, not 9805
    assert set(f["institution_code"]) <= {"06", "17", "PNC"}
