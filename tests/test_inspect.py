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


def _wide_years(path: Path) -> Path:
    """A ministry table in the Argentine MECON shape: title rows, a code column, a label column
    whose header is 'FINALIDAD / FUNCION', then one column per year with the years stored as
    number cells, blank spacer rows, a note at the bottom."""
    wb = Workbook()
    ws = wb.active
    ws.title = "% del PIB"
    ws.append(["", "GASTO (% del PIB)"])
    ws.append([])
    ws.append([])
    ws.append(["", "FINALIDAD / FUNCION", *[float(y) for y in range(2010, 2016)]])
    for i in range(30):  # more cells than the amounts' sheet: still ranked after it
        ws.append([f"9.{i}", f"Share {i}", *[0.1] * 6])
    ws = wb.create_sheet("$ corrientes")
    ws.append(["", "GASTO PÚBLICO"])
    ws.append(["", "2010-2012: miles de pesos; 2013-2015: millones de pesos"])
    ws.append([])
    ws.append(["", "FINALIDAD / FUNCION", *[float(y) for y in range(2010, 2016)]])
    ws.append([])
    for i, (code, label) in enumerate(
        [("1.0", "GASTO TOTAL"), ("1.1.2", "I.2. Justicia"), ("1.1.3", "I.3. Defensa")]
    ):
        ws.append([code, label, *[float(100 * (i + 1) + j) for j in range(6)]])
        ws.append([])
    ws.append(["", "Notas: fuente, Secretaría de Política Económica."])
    wb.save(path)
    return path


def test_inspect_finds_a_header_of_year_number_cells(tmp_path: Path) -> None:
    """A header of years (number cells, next to a label) is a header: the draft melts the year
    columns into `year`, says why, and reads every amount cell with the draft."""
    draft = peir.inspect(_wide_years(tmp_path / "gasto.xlsx"))
    s = draft.spec
    assert s.sheet == "$ corrientes"  # not the shares sheet, though it has more cells
    assert s.header_row == 3
    assert s.melt == {"year": {str(y): str(y) for y in range(2010, 2016)}}
    assert "year" not in s.columns and "amount" not in s.columns
    text = draft.to_yaml()
    assert "6 year cells (2010-2015)" in text and "a wide table, one column per year" in text
    assert "miles de pesos" in text and "unit_multiplier" in text  # the title's unit, flagged
    assert "# year:" not in text  # the year is not a constant to fill in
    assert peir.ReadSpec.from_dict(yaml.safe_load(text)) == s  # the YAML is the spec
    spec = s.patched(
        constants={
            "country": "ARG",
            "currency": "ARS",
            "phase": "executed",
            "institution_code": "X",
        },
        columns={"func": "column_1"},
    )
    t = peir.read_budget(tmp_path / "gasto.xlsx", spec)
    assert len(t.frame) == 18 and len(t.rejected) == 1  # the note at the bottom has no amount
    assert sorted(set(t.frame["year"])) == list(range(2010, 2016))
    got = t.frame.loc[(t.frame["func"] == "1.1.3") & (t.frame["year"] == 2012), "amount"]
    assert got.tolist() == [302.0]


def test_inspect_finds_a_header_of_year_text_cells(tmp_path: Path) -> None:
    """The same shape as text (a CSV: "1980" is text there) drafts the same wide spec."""
    p = tmp_path / "gasto.csv"
    lines = ["Gasto por función (millones de pesos)", "", "Código;Función;1980;1981;1982;1983"]
    lines += [f"1.{i};Función {i};{i},5;{i + 1},25;{i + 2};{i + 3}" for i in range(8)]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    draft = peir.inspect(p)
    s = draft.spec
    assert (s.header_row, s.delimiter, s.decimal) == (2, ";", ",")
    assert s.melt == {"year": {str(y): str(y) for y in range(1980, 1984)}}


def test_a_data_row_with_years_is_no_header(tmp_path: Path) -> None:
    """Years in a data row that are not in order (or fewer than three) do not make a header."""
    p = tmp_path / "gasto.csv"
    lines = ["Año;Institución;Monto;Fase"]
    lines += [f"{2015 + i % 3};Policía {i};{1000 + i};Devengado" for i in range(12)]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    s = peir.inspect(p).spec
    assert s.header_row == 0 and s.melt is None and s.columns["year"] == "Año"
