"""Workbooks as ministries send them: typed cells, formulas, hidden sheets and rows, duplicate
headers, container cells, size limits; phases committed and paid; total rows set aside."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

import peir

BASE = {"country": "SLV", "year": 2020, "currency": "USD"}


def workbook(
    path: Path, rows: list[list[Any]], *, title: str = "Datos", before: list[str] = ()
) -> Path:
    wb = Workbook()
    first = wb.active
    for i, name in enumerate(before):
        ws = first if i == 0 else wb.create_sheet(name)
        ws.title = name
        ws.sheet_state = "hidden"
        ws.append(["Hoja oculta", "no es la que se lee"])
    ws = wb.create_sheet(title) if before else first
    ws.title = title
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_number_cells_stay_numbers_whatever_the_text_locale(tmp_path: Path) -> None:
    """The README's Spanish-locale spec on a workbook that mixes number and text cells."""
    p = workbook(
        tmp_path / "mixto.xlsx",
        [
            ["Institución", "Monto"],
            ["FGR", 1234.5],  # a number cell
            ["PNC", 298765.25],
            ["OJ", 0.5],
            ["DGCP", "1.234,5"],  # a text cell in the Spanish locale
            ["ANSP", 1200],
        ],
    )
    t = peir.read_budget(
        p,
        decimal=",",
        thousands=".",
        columns={"institution_code": "Institución", "amount": "Monto"},
        constants={**BASE, "phase": "executed"},
    )
    assert t.report.ok, t.report
    assert t.frame["amount"].tolist() == [1234.5, 298765.25, 0.5, 1234.5, 1200.0]
    assert t.report.amount_read == pytest.approx(1234.5 + 298765.25 + 0.5 + 1234.5 + 1200)


def test_mixed_cells_in_a_dataframe_keep_their_type() -> None:
    df = pd.DataFrame(
        {
            "institution_code": ["A", "B", "C"],
            "amount": pd.Series([1234.5, "1.234,5", 7], dtype=object),
        }
    )
    t = peir.read_budget(df, decimal=",", thousands=".", constants={**BASE, "phase": "approved"})
    assert t.frame["amount"].tolist() == [1234.5, 1234.5, 7.0]


def test_formula_without_saved_value_is_reported_as_such(tmp_path: Path) -> None:
    """openpyxl (like many report generators) writes formulas without their computed value."""
    p = workbook(
        tmp_path / "formulas.xlsx",
        [
            ["Institución", "Votado", "Devengado"],
            ["FGR", 100, 90],
            ["PNC", 200, "=B3*0.9"],
            ["OJ", 300, 250],
        ],
    )
    t = peir.read_budget(p, columns={"institution_code": "Institución"}, constants=BASE)
    errs = t.report.errors
    assert errs["code"].tolist() == ["formula_without_value"]
    assert errs["row"].tolist() == [3] and errs["column"].tolist() == ["amount"]
    assert "=B3*0.9" in errs["message"].iloc[0] and "no saved value" in errs["message"].iloc[0]
    assert not (t.report.issues_all()["code"] == "missing_value").any()
    assert t.rejected["phase"].tolist() == ["executed"] and t.rejected["row"].tolist() == [3]
    # the approved amount of that line is read
    f = t.frame
    assert f[(f["institution_code"] == "PNC")]["amount"].tolist() == [200.0]


def test_formula_in_a_label_column_rejects_the_row(tmp_path: Path) -> None:
    p = workbook(
        tmp_path / "f.xlsx", [["Institución", "Monto"], ['=CONCAT("F","GR")', 10], ["PNC", 20]]
    )
    t = peir.read_budget(
        p,
        columns={"institution_code": "Institución", "amount": "Monto"},
        constants={**BASE, "phase": "approved"},
    )
    assert t.frame["institution_code"].tolist() == ["PNC"]
    assert t.report.errors["code"].tolist() == ["formula_without_value"]
    assert t.report.errors["column"].tolist() == ["institution_code"]


def test_hidden_first_sheet_is_skipped(tmp_path: Path) -> None:
    p = workbook(
        tmp_path / "h.xlsx",
        [["institution_code", "amount"], ["FGR", 5]],
        title="Visible",
        before=["Oculta"],
    )
    t = peir.read_budget(p, constants={**BASE, "phase": "approved"})
    assert t.report.meta["sheet"] == "Visible"
    assert t.report.meta["hidden_sheets_skipped"] == ["Oculta"]
    assert t.frame["amount"].tolist() == [5.0]
    # naming the hidden sheet reads it, and says it is hidden
    named = peir.read_budget(p, sheet="Oculta", constants={**BASE, "phase": "approved"})
    assert named.report.meta["sheet_hidden"] is True


def test_hidden_rows_are_read_and_reported(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    for r in [["institution_code", "amount"], ["FGR", 5], ["PNC", 7], ["OJ", 9]]:
        ws.append(r)
    ws.row_dimensions[3].hidden = True
    p = tmp_path / "hidden_rows.xlsx"
    wb.save(p)
    t = peir.read_budget(p, constants={**BASE, "phase": "approved"})
    assert t.frame["amount"].tolist() == [5.0, 7.0, 9.0]
    w = t.report.warnings
    assert w["code"].tolist() == ["hidden_row"] and w["row"].tolist() == [3]


def test_duplicate_header_is_an_issue(tmp_path: Path) -> None:
    rows = [["institution_code", "amount", "Nota", "Nota"], ["FGR", 5, "a", "b"]]
    t = peir.read_budget(
        workbook(tmp_path / "d.xlsx", rows), constants={**BASE, "phase": "approved"}
    )
    assert t.report.ok
    w = t.report.warnings
    assert w["code"].tolist() == ["duplicate_header"] and "'Nota'" in w["message"].iloc[0]
    assert t.report.meta["unused_columns"] == ["Nota", "Nota (2)"]
    # a duplicated header the spec uses: which column is meant is unclear, nothing is read
    rows = [["institution_code", "Monto", "Monto"], ["FGR", 5, 6]]
    t = peir.read_budget(
        workbook(tmp_path / "d2.xlsx", rows),
        columns={"amount": "Monto"},
        constants={**BASE, "phase": "approved"},
    )
    assert not t.report.ok and len(t.frame) == 0 and t.report.rows_rejected == 1
    e = t.report.errors
    assert e["code"].tolist() == ["duplicate_header"] and "columns 2, 3" in e["message"].iloc[0]
    # naming the column as read is deliberate
    t = peir.read_budget(
        workbook(tmp_path / "d3.xlsx", rows),
        columns={"amount": "Monto (2)"},
        constants={**BASE, "phase": "approved"},
    )
    assert t.frame["amount"].tolist() == [6.0]


def test_duplicate_header_in_a_csv(tmp_path: Path) -> None:
    p = tmp_path / "d.csv"
    p.write_text("institution_code,amount,amount\nFGR,5,6\n", encoding="utf-8")
    t = peir.read_budget(p, constants={**BASE, "phase": "approved"})
    assert not t.report.ok and t.report.rows_accepted == 0
    assert "duplicate_header" in set(t.report.errors["code"])


def test_wide_workbook_with_a_missing_phase_column_does_not_crash(tmp_path: Path) -> None:
    """Title rows, mixed cells and a phase column named in the spec but absent from the file."""
    rows = [
        ["Ministerio de Hacienda"],
        ["Ejecución 2020"],
        [],
        ["Código", "Institución", "Votado", "Devengado"],
        [1600, "Órgano Judicial", 1000.5, "900,25"],
        [1700, "FGR", "n.d.", 800],
    ]
    p = workbook(tmp_path / "w.xlsx", rows)
    t = peir.read_budget(
        p,
        header_row=3,
        decimal=",",
        columns={"institution_code": "Código"},
        phases={"Votado": "approved", "Modificado": "modified", "Devengado": "executed"},
        constants=BASE,
    )
    assert "missing_column" in set(t.report.errors["code"])  # 'Modificado' is not in the file
    assert t.frame["amount"].tolist() == [1000.5, 900.25, 800.0]
    assert t.frame["institution_code"].tolist() == ["1600", "1600", "1700"]


def test_safi_export_committed_executed_paid_are_three_phases(tmp_path: Path) -> None:
    """Devengado and Pagado are two phases: executed 105 is the truth, not 195."""
    p = tmp_path / "safi.csv"
    p.write_text(
        "Institución;Comprometido;Devengado;Pagado\nFGR;60;50;40\nPNC;60;55;50\n", encoding="utf-8"
    )
    t = peir.read_budget(p, columns={"institution_code": "Institución"}, constants=BASE)
    assert t.report.ok, t.report
    by_phase = t.frame.groupby("phase")["amount"].sum().to_dict()
    assert by_phase == {"committed": 120.0, "executed": 105.0, "paid": 90.0}


def test_unrecognisable_phase_header_is_not_taken_as_executed(tmp_path: Path) -> None:
    p = tmp_path / "q.csv"
    p.write_text("Institución;Devengado;pagado??\nFGR;50;40\n", encoding="utf-8")
    t = peir.read_budget(p, columns={"institution_code": "Institución"}, constants=BASE)
    assert t.frame["phase"].tolist() == ["executed"] and t.frame["amount"].tolist() == [50.0]
    assert t.report.meta["unused_columns"] == ["pagado??"]
    with pytest.raises(peir.SpecError, match="not a phase"):
        peir.ReadSpec(phases={"pagado??": "pagado??"})
    long = tmp_path / "long.csv"
    long.write_text("institution_code,phase,amount\nFGR,pagado??,4\n", encoding="utf-8")
    r = peir.read_budget(long, constants=BASE)
    assert r.report.errors["code"].tolist() == ["unknown_phase"]


def test_two_columns_on_one_phase_are_a_spec_error_naming_both(tmp_path: Path) -> None:
    with pytest.raises(
        peir.SpecError, match="'Devengado' and 'Pagado' are both read as 'executed'"
    ):
        peir.ReadSpec(phases={"Devengado": "executed", "Pagado": "executed"})
    p = tmp_path / "two.csv"
    p.write_text("Institución;Devengado;Ejecutado\nFGR;50;50\n", encoding="utf-8")
    with pytest.raises(
        peir.SpecError, match="'Devengado' and 'Ejecutado' both read as phase 'executed'"
    ):
        peir.read_budget(p, columns={"institution_code": "Institución"}, constants=BASE)


def _totals_file(tmp_path: Path, total: str = "170", sub: str = "50") -> Path:
    p = tmp_path / "totales.csv"
    p.write_text(
        "Ramo,Programa,Fase,Monto\n"
        "04,E001,Devengado,30\n"
        "04,E002,Devengado,20\n"
        f"04,Subtotal,Devengado,{sub}\n"
        "17,E003,Devengado,120\n"
        f"TOTAL GENERAL,,Devengado,{total}\n",
        encoding="utf-8",
    )
    return p


def test_total_and_subtotal_rows_are_set_aside_and_checked(tmp_path: Path) -> None:
    t = peir.read_budget(
        _totals_file(tmp_path),
        columns={"institution_code": "Ramo", "program": "Programa"},
        constants={"country": "MEX", "year": 2020, "currency": "MXN"},
    )
    r = t.report
    assert r.ok
    assert t.frame["amount"].sum() == 170.0  # not 390: the totals are not lines
    assert sorted(t.rejected["row"]) == [4, 6]
    info = r.issues_all()
    assert info[info["code"] == "total_row"]["row"].tolist() == [4, 6]
    assert r.meta["totals"] == {
        "rows": 2,
        "amount": 220.0,
        "equal": 2,
        "differ": 0,
        "without_lines": 0,
    }
    assert r.amount_read == 390.0 and r.amount_rejected == 220.0
    assert "total row" in t.rejected["reason"].iloc[0]


def test_a_total_that_differs_from_its_lines_is_a_warning(tmp_path: Path) -> None:
    t = peir.read_budget(
        _totals_file(tmp_path, total="175", sub="49"),
        columns={"institution_code": "Ramo", "program": "Programa"},
        constants={"country": "MEX", "year": 2020, "currency": "MXN"},
    )
    w = t.report.issues_all()
    mism = w[w["code"] == "total_mismatch"]
    assert mism["row"].tolist() == [4, 6]
    assert "sum to 50" in mism["message"].iloc[0] and "difference 5" in mism["message"].iloc[1]
    assert t.report.meta["totals"]["differ"] == 2


def test_keep_totals_keeps_them(tmp_path: Path) -> None:
    t = peir.read_budget(
        _totals_file(tmp_path),
        columns={"institution_code": "Ramo", "program": "Programa"},
        constants={"country": "MEX", "year": 2020, "currency": "MXN"},
        keep_totals=True,
    )
    assert len(t.frame) == 5 and "totals" not in t.report.meta


def test_container_cells_are_rejected_values(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "institution_code": ["A", ["B", "C"], "D", {"x": 1}],
            "amount": [1.0, 2.0, [3.0], 4.0],
            "note": [{1, 2}, None, None, None],  # unused: no matter
        }
    )
    t = peir.read_budget(df, constants={**BASE, "phase": "approved"})
    assert t.frame["institution_code"].tolist() == ["A"]
    e = t.report.issues_all()
    assert e["code"].tolist() == ["not_a_scalar"] * 3
    assert e["row"].tolist() == [3, 4, 5]
    pq = tmp_path / "lists.parquet"
    pd.DataFrame({"institution_code": ["A", "B"], "amount": [[1.0, 2.0], [3.0]]}).to_parquet(pq)
    t = peir.read_budget(pq, constants={**BASE, "phase": "approved"})
    assert t.report.rows_rejected == 2 and set(t.report.errors["code"]) == {"not_a_scalar"}


def _expanding_workbook(path: Path, mb: int) -> Path:
    base = workbook(path.with_name("base.xlsx"), [["institution_code", "amount"], ["A", 1]])
    sheet = '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    body = '<row><c s="1"/><c s="1"/></row>' * (mb * 35_000)
    with (
        zipfile.ZipFile(base) as src,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst,
    ):
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = (sheet + body + "</sheetData></worksheet>").encode()
            dst.writestr(item, data)
    return path


def test_a_workbook_built_to_expand_is_refused_fast_with_an_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = _expanding_workbook(tmp_path / "bomb.xlsx", 20)
    assert p.stat().st_size < 300_000
    import openpyxl

    def never(*_a: object, **_k: object) -> None:
        raise AssertionError(
            "the workbook was opened: the refusal must come from the archive's directory"
        )

    with monkeypatch.context() as m:  # fast: refused from the zip directory, no part inflated
        m.setattr(openpyxl, "load_workbook", never)
        m.setattr(zipfile.ZipFile, "read", never)
        m.setattr(zipfile.ZipFile, "open", never)
        with pytest.raises(peir.ReadError, match=r"expands .* times.*max_compression_ratio"):
            peir.read_budget(p)
    with pytest.raises(peir.ReadError, match=r"above the limit of 1 MB.*max_uncompressed_mb"):
        peir.read_budget(p, limits={"max_uncompressed_mb": 1, "max_compression_ratio": 10_000})


def test_workbook_row_and_column_limits(tmp_path: Path) -> None:
    rows = [["institution_code", "amount"]] + [[f"I{i}", i] for i in range(10)]
    p = workbook(tmp_path / "rows.xlsx", rows)
    with pytest.raises(peir.ReadError, match="row 6 is beyond the limit of 5 rows"):
        peir.read_budget(p, limits={"max_rows": 5})
    wb = Workbook()
    wb.active.append(["institution_code", "amount"])
    wb.active.cell(row=2, column=300, value="far away")
    wide = tmp_path / "wide.xlsx"
    wb.save(wide)
    with pytest.raises(peir.ReadError, match="column 300, beyond the limit of 100 columns"):
        peir.read_budget(wide, limits={"max_columns": 100})
    # within the default limits, the far cell is a value beyond the header: a malformed row
    t = peir.read_budget(wide, constants={**BASE, "phase": "approved"})
    assert t.report.issues_all()["code"].tolist().count("malformed_row") == 1
    assert np.isfinite(t.report.amount_read)


def test_a_canonical_column_can_be_left_out(tmp_path: Path) -> None:
    p = tmp_path / "boost.csv"
    p.write_text("region,country,year,amount\nLAC,SLV,2011,5\n", encoding="utf-8")
    t = peir.read_budget(
        p,
        columns={"region": None},
        constants={"institution_code": "J", "currency": "USD", "phase": "approved"},
    )
    assert (
        t.report.ok
        and t.frame["region"].isna().all()
        and t.report.meta["unused_columns"] == ["region"]
    )
    t = peir.read_budget(
        p,
        columns={"country": None},
        constants={"institution_code": "J", "currency": "USD", "phase": "approved"},
    )
    assert "required column 'country' is missing" in t.report.errors["message"].iloc[0]
