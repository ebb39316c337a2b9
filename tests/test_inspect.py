"""`peir.inspect` / `peir inspect`: a draft ReadSpec with a comment on every guess."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook

import peir
from peir.cli import main


def _workbook(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Notas"
    ws.sheet_state = "hidden"
    ws.append(["Notas internas"])
    ws = wb.create_sheet("Ejecución 2020")
    ws.append(["Ministerio de Hacienda"])
    ws.append(["Ejecución presupuestaria 2020 (en dólares)"])
    ws.append([])
    ws.append(
        [
            "Año",
            "Código institución",
            "Institución",
            "Votado",
            "Modificado",
            "Devengado",
            "Pagado",
            "Avance %",
        ]
    )
    for i in range(12):
        ws.append(
            [
                2020,
                f"{1600 + i}",
                f"Institución {i}",
                "1.234,50",
                "1.300,00",
                "1.100,25",
                "1.000,00",
                "85%",
            ]
        )
    wb.save(path)
    return path


def test_inspect_drafts_a_workbook_spec(tmp_path: Path) -> None:
    draft = peir.inspect(_workbook(tmp_path / "ejecucion.xlsx"))
    s = draft.spec
    assert s.sheet == "Ejecución 2020"
    assert s.header_row == 3  # under the title rows
    assert s.decimal == "," and s.thousands == "."
    assert s.phases == {
        "Votado": "approved",
        "Modificado": "modified",
        "Devengado": "executed",
        "Pagado": "paid",
    }
    assert s.columns == {
        "year": "Año",
        "institution_code": "Código institución",
        "institution": "Institución",
    }
    text = draft.to_yaml()
    assert "hidden, not read: 'Notas'" in text
    assert "# constants:" in text and "# country:" in text and "# currency:" in text
    assert "'Avance %'" in text  # left out, and said so
    # every guess has its reason on its line
    for line in text.splitlines():
        if line and not line.startswith(("#", "  #", "columns:", "phases:")):
            assert " # " in line, line
    # the YAML is a spec, and reading with it plus the two constants is clean
    spec = peir.ReadSpec.from_dict(yaml.safe_load(text))
    t = peir.read_budget(
        tmp_path / "ejecucion.xlsx", spec, constants={"country": "SLV", "currency": "USD"}
    )
    assert t.report.ok and len(t.frame) == 48
    assert t.frame["amount"].iloc[0] == 1234.5
    assert (
        draft.report is not None and not draft.report.ok
    )  # as drafted: country and currency missing


def test_inspect_a_cp1252_semicolon_csv(tmp_path: Path) -> None:
    p = tmp_path / "gasto.csv"
    p.write_bytes(
        (
            "Reporte de gasto\n\nAño;Institución;Programa;Monto;Fase\n"
            + "".join(f"2019;Policía {i};Patrullaje;{i},5;Devengado\n" for i in range(20))
        ).encode("cp1252")
    )
    draft = peir.inspect(p)
    s = draft.spec
    assert (s.delimiter, s.encoding, s.header_row, s.decimal) == (";", "cp1252", 2, ",")
    assert (
        s.columns["phase"] == "Fase"
        and s.columns["amount"] == "Monto"
        and s.columns["program"] == "Programa"
    )


def test_inspect_a_file_without_header_says_so(tmp_path: Path) -> None:
    p = tmp_path / "ley.csv"
    p.write_text(
        "".join(f"01;0{i};01;21;;;GASTOS EN PERSONAL;{1000 + i};0\n" for i in range(9)),
        encoding="utf-8",
    )
    draft = peir.inspect(p)
    assert "no row looks like a header" in draft.to_yaml()


def test_cli_inspect_writes_the_draft(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _workbook(tmp_path / "e.xlsx")
    out = tmp_path / "draft.yaml"
    assert main(["-q", "inspect", str(src), "--out", str(out)]) == 0
    assert peir.ReadSpec.from_yaml(out).sheet == "Ejecución 2020"
    assert "draft spec for e.xlsx" in capsys.readouterr().err
    assert main(["-q", "inspect", str(src)]) == 0
    assert capsys.readouterr().out.startswith("# Draft read spec for e.xlsx")
    assert main(["-q", "inspect", str(tmp_path / "missing.xlsx")]) == 1
