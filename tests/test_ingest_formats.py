"""Files as ministries produce them: Spanish locale, cp1252, BOM, wide Excel with titles and
notes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import peir
from peir.pipeline.numbers import parse_numbers, parse_years
from peir.pipeline.sources import decode_bytes, sniff_delimiter


@pytest.mark.parametrize(
    ("text", "decimal", "expected"),
    [
        ("1.234.567,89", ",", 1234567.89),
        ("(1.234)", ",", -1234.0),
        ("₡ 5,5", ",", 5.5),
        ("R$ 1.000,00", ",", 1000.0),
        ("12-", ",", -12.0),
        ("2,378,412", ".", 2378412.0),
        ("$5.5", ".", 5.5),
        ("US$ 3,400.25", ".", 3400.25),
        ("USD 12", ".", 12.0),
        ("−4", ".", -4.0),
        ("1 234.5", ".", 1234.5),
        ("1\u00a0234,5", ",", 1234.5),
        ("-$7", ".", -7.0),
    ],
)
def test_locale_numbers(text: str, decimal: str, expected: float) -> None:
    p = parse_numbers(pd.Series([text]), decimal=decimal)
    assert p.status.tolist() == [0]
    assert p.values[0] == pytest.approx(expected)


def test_ambiguous_or_bad_numbers_are_invalid_with_a_hint() -> None:
    p = parse_numbers(pd.Series(["1,5", "2,25", "x"]), missing=["-"])
    assert p.status.tolist() == [2, 2, 2]
    assert "decimal ','" in p.hint
    p = parse_numbers(pd.Series(["-", "", None, "12%"]), missing=["-"])
    assert p.status.tolist() == [1, 1, 1, 2]


def test_fiscal_year_labels() -> None:
    p = parse_years(
        pd.Series(["2019", "2019.0", "FY2020", "2018/19", "2018-2019", "x", "2019.5", None])
    )
    assert p.values[:5].tolist() == [2019, 2019, 2020, 2019, 2019]
    assert p.status.tolist() == [0, 0, 0, 0, 0, 2, 2, 1]


def test_encoding_detection() -> None:
    assert decode_bytes("año".encode())[1] == "utf-8"
    assert decode_bytes("\ufeffaño".encode())[1] == "utf-8-sig"
    assert decode_bytes("año".encode("cp1252"))[1] == "cp1252"
    assert decode_bytes("año".encode("utf-16"))[1] == "utf-16"
    assert decode_bytes(b"\x81\x8d")[1] == "latin-1"  # bytes undefined in cp1252


def test_delimiter_sniffing() -> None:
    assert sniff_delimiter(["a;b;c", "1,5;2;3", "2,5;3;4"]) == ";"
    assert sniff_delimiter(["a\tb\tc", "1\t2\t3"]) == "\t"
    assert sniff_delimiter(["a,b,c", '"x;y",2,3']) == ","
    assert sniff_delimiter(["a|b", "1|2"]) == "|"


def test_spanish_locale_semicolon_file(tmp_path: Path) -> None:
    p = tmp_path / "presupuesto.csv"
    p.write_text(
        "País;Año;Código institución;Institución;Fase;Monto;Moneda\n"
        "SLV;2019;FGR;Fiscalía General;Devengado;1.234.567,89;USD\n"
        "SLV;2019;PNC;Policía Nacional Civil;Votado;(2.500,00);USD\n"
        "SLV;2019;OJ;Órgano Judicial;Modificado;no disponible;USD\n",
        encoding="utf-8",
    )
    t = peir.read_budget(p, decimal=",")
    assert t.report.meta["delimiter"] == ";"
    f = t.frame
    assert f["institution_code"].tolist() == ["FGR", "PNC"]
    assert f["institution"].tolist() == ["Fiscalía General", "Policía Nacional Civil"]
    assert f["phase"].tolist() == ["executed", "approved"]
    assert f["amount"].tolist() == pytest.approx([1234567.89, -2500.0])
    assert t.report.errors["row"].tolist() == [4]
    assert t.report.warnings["code"].tolist() == ["negative_amount"]


def test_cp1252_wide_phases_detected(tmp_path: Path) -> None:
    p = tmp_path / "ejecucion.csv"
    text = (
        "Año;Institución;Programa;Votado;Modificado;Devengado\n"
        "2019;Fiscalía;Investigación;100,5;110;95,25\n"
        "2019;Policía;Prevención;200;;\n"
        "2019;Órgano Judicial;Juzgados;;;\n"
    )
    p.write_bytes(text.encode("cp1252"))
    t = peir.read_budget(
        p,
        decimal=",",
        columns={"institution_code": "Institución"},
        constants={"country": "SLV", "currency": "USD"},
    )
    assert t.report.encoding == "cp1252"
    assert t.report.meta["phases_detected"] is True
    f = t.frame
    assert f["phase"].tolist() == ["approved", "modified", "executed", "approved"]
    assert f["amount"].tolist() == pytest.approx([100.5, 110.0, 95.25, 200.0])
    assert f["institution_code"].tolist() == ["Fiscalía"] * 3 + ["Policía"]
    assert f["source_ref"].tolist() == ["ejecucion.csv:2"] * 3 + ["ejecucion.csv:3"]
    assert f["program"].iloc[0] == "Investigación"
    # a line with no amount in any phase is rejected (not silently dropped)
    assert t.rejected["row"].tolist() == [4]
    assert t.rejected["Institución"].tolist() == ["Órgano Judicial"]
    assert t.report.rows_read == 5 == t.report.rows_accepted + t.report.rows_rejected


def test_explicit_encoding_error_is_a_read_error(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_bytes("país,año\nSLV,2019\n".encode("cp1252"))
    with pytest.raises(peir.ReadError, match="not valid utf-8"):
        peir.read_context(p, encoding="utf-8")
    assert peir.read_context(p, encoding="latin-1").report.encoding == "latin-1"


def test_bom_file(tmp_path: Path) -> None:
    p = tmp_path / "bom.csv"
    p.write_bytes("\ufeffcountry,year,population\nSLV,2019,6300000\n".encode())
    t = peir.read_context(p)
    assert t.report.encoding == "utf-8-sig"
    assert t.report.ok
    assert t.frame["country"].tolist() == ["SLV"]


def test_utf16_tab_file(tmp_path: Path) -> None:
    p = tmp_path / "excel_unicode.txt"
    p.write_bytes("country\tyear\tpopulation\r\nSLV\t2019\t6300000\r\n".encode("utf-16"))
    t = peir.read_context(p)
    assert t.report.encoding == "utf-16"
    assert t.report.meta["delimiter"] == "\t"
    assert t.frame["population"].tolist() == [6300000.0]


def _wide_workbook(path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Resumen"
    ws.append(["Ministerio de Hacienda"])
    ws = wb.create_sheet("Ejecucion 2019")
    ws.append(["Ejecución presupuestaria del sector justicia y seguridad"])  # row 1
    ws.append(["(en dólares de los Estados Unidos)"])  # row 2
    ws.append([])  # row 3
    ws.append(["Código", "Institución", "Programa", "Approved", "Revised", "Executed"])  # row 4
    ws.append([21, "Policía Nacional Civil", "Patrullaje", 1000.0, 1100.0, 1050.5])  # row 5
    ws.append([22, "Fiscalía General", "Investigación", 500, 520, "n.d."])  # row 6
    ws.append([23, "Órgano Judicial", "Juzgados", 800, 790, "ochocientos"])  # row 7
    ws.append([])  # row 8
    ws.append(["Nota: cifras preliminares."])  # row 9
    ws.append(["Fuente: SAFI."])  # row 10
    wb.save(path)
    return path


def test_wide_excel_with_title_rows_and_footer(tmp_path: Path) -> None:
    p = _wide_workbook(tmp_path / "ejecucion.xlsx")
    spec = peir.ReadSpec(
        sheet="Ejecucion 2019",
        header_row=3,
        skip_footer=2,
        columns={"institution_code": "Código", "institution": "Institución", "program": "Programa"},
        phases={"Approved": "approved", "Revised": "revised", "Executed": "executed"},
        constants={"country": "SLV", "year": 2019, "currency": "USD"},
    )
    t = peir.read_budget(p, spec)
    f = t.frame
    assert f["institution_code"].tolist() == ["21"] * 3 + ["22"] * 2 + ["23"] * 2
    assert f["phase"].tolist()[:3] == ["approved", "modified", "executed"]
    assert f["amount"].tolist()[:3] == [1000.0, 1100.0, 1050.5]
    # spreadsheet row numbers
    assert f["source_ref"].tolist()[0] == "ejecucion.xlsx:5"
    assert t.report.meta["sheet"] == "Ejecucion 2019"
    errs = t.report.errors
    assert errs["row"].tolist() == [7]
    assert errs["value"].tolist() == ["ochocientos"]
    assert t.rejected["row"].tolist() == [7]
    assert t.rejected["phase"].tolist() == ["executed"]
    # n.d. is a missing value: that phase cell is simply absent
    assert t.report.rows_read == 8


def test_excel_missing_sheet_names_the_sheets(tmp_path: Path) -> None:
    p = _wide_workbook(tmp_path / "e.xlsx")
    with pytest.raises(peir.ReadError, match="'Resumen', 'Ejecucion 2019'"):
        peir.read_budget(p, sheet="Ejecución 2020")
    with pytest.raises(peir.ReadError, match="no sheet number 5"):
        peir.read_budget(p, sheet=5)
    # sheet names match case- and accent-insensitively
    t = peir.read_budget(p, sheet="ejecución 2019", header_row=3, constants={"country": "SLV"})
    assert t.report.meta["sheet"] == "Ejecucion 2019"


def test_excel_two_line_header(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["", "Presupuesto", None, None])
    ws.append(["Institución", "Votado", "Modificado", "Devengado"])
    ws.append(["FGR", 10, 11, 12])
    p = tmp_path / "two.xlsx"
    wb.save(p)
    t = peir.read_budget(
        p,
        header_rows=2,
        columns={"institution_code": "Institución"},
        constants={"country": "SLV", "year": 2020, "currency": "USD"},
    )
    assert t.report.ok, t.report
    assert t.frame["phase"].tolist() == ["approved", "modified", "executed"]
    assert t.frame["source_ref"].tolist() == ["two.xlsx:3"] * 3
