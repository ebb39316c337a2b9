"""Readers on canonical-column CSV files and DataFrames: types, row numbers, accounting."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import peir
from peir.pipeline import sources
from peir.schema import load_schema

HEADER = (
    "country,year,institution_code,institution,program,econ,func,region,funding_source,phase,"
    "amount,currency"
)


def good_line(i: int, phase: str = "approved", amount: str = "100.5") -> str:
    return f"SLV,2019,I{i:02d},Inst {i},P{i},21,03.1,R01,GF,{phase},{amount},USD"


def write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def test_canonical_csv_types_and_source_ref(tmp_path: Path) -> None:
    p = write(tmp_path / "b.csv", [HEADER, good_line(1), good_line(2, "executed", "7")])
    t = peir.read_budget(p)
    assert isinstance(t, peir.BudgetTable)
    assert list(t.frame.columns) == load_schema("budget").names
    assert t.frame["year"].dtype == np.int64
    assert t.frame["amount"].dtype == np.float64
    assert t.frame["amount"].tolist() == [100.5, 7.0]
    assert t.frame["source_ref"].tolist() == ["b.csv:2", "b.csv:3"]
    assert t.report.ok and t.report.rows_read == 2 and t.report.rows_accepted == 2
    assert t.report.encoding == "utf-8"
    assert t.report.meta["delimiter"] == ","
    assert len(t.rejected) == 0


def test_error_on_fifth_data_line_reports_row_6(tmp_path: Path) -> None:
    lines = (
        [HEADER]
        + [good_line(i) for i in range(1, 5)]
        + [good_line(5, amount="twelve")]
        + [good_line(6)]
    )
    t = peir.read_budget(write(tmp_path / "b.csv", lines))
    errs = t.report.errors
    assert len(errs) == 1
    issue = errs.iloc[0]
    assert issue["row"] == 6
    assert issue["column"] == "amount"
    assert issue["value"] == "twelve"
    assert issue["code"] == "not_a_number"
    assert issue["source_ref"] == "b.csv"
    assert "twelve" in issue["message"]
    assert t.rejected["row"].tolist() == [6]
    assert t.rejected["source_ref"].tolist() == ["b.csv:6"]
    # original values are kept verbatim
    assert t.rejected["amount"].tolist() == ["twelve"]
    assert "not a number" in t.rejected["reason"].iloc[0]
    assert t.report.rows_read == 6 == t.report.rows_accepted + t.report.rows_rejected


def test_row_numbers_skip_blank_lines_and_multiline_cells(tmp_path: Path) -> None:
    lines = [
        HEADER,
        good_line(1),
        "",
        'SLV,2019,I02,"Inst\non two lines",P,21,03.1,R,GF,approved,1,USD',
        good_line(3, amount="bad"),
    ]
    t = peir.read_budget(write(tmp_path / "b.csv", lines))
    assert t.frame["source_ref"].tolist() == ["b.csv:2", "b.csv:4"]
    assert t.report.errors["row"].tolist() == [6]


def test_dataframe_source(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "country": ["SLV", "SLV", "GTM"],
            "year": [2019, 2020, 2021],
            "institution_code": ["A", "B", "C"],
            "phase": ["approved", "Devengado", "executed"],
            "amount": [1.0, 2.5, np.nan],
            "currency": ["USD", "USD", "GTQ"],
        }
    )
    t = peir.read_budget(df)
    assert t.frame["source_ref"].tolist() == ["<DataFrame>:2", "<DataFrame>:3"]
    assert t.frame["phase"].tolist() == ["approved", "executed"]
    assert t.rejected["row"].tolist() == [4]
    assert t.report.amount_read == pytest.approx(3.5)
    ds = peir.Dataset(budget=df)
    assert ds.budget is not None and len(ds.budget) == 2


def test_dataframe_with_categorical_and_given_source_ref() -> None:
    df = pd.DataFrame(
        {
            "country": pd.Categorical(["SLV", "SLV"]),
            "year": [2019, 2019],
            "institution_code": pd.Categorical(["A", "B"]),
            "phase": pd.Categorical(["approved", "approved"]),
            "amount": [1.0, 2.0],
            "currency": "USD",
            "source_ref": ["Ley de Presupuesto 2019, p. 4", None],
        }
    )
    t = peir.read_budget(df)
    assert t.frame["source_ref"].tolist() == ["Ley de Presupuesto 2019, p. 4", "<DataFrame>:3"]


def test_constants_values_and_unit_multiplier(tmp_path: Path) -> None:
    p = write(
        tmp_path / "b.csv",
        ["entidad,programa,monto,etapa", "FGR,Investigación,1.5,Aprobado", "PNC,Patrullaje,2,Ejec"],
    )
    t = peir.read_budget(
        p,
        constants={"country": "SLV", "year": 2019, "currency": "USD"},
        columns={"institution_code": "entidad"},
        values={"phase": {"Ejec": "executed"}},
        unit_multiplier=1000,
    )
    assert t.report.ok, t.report
    assert t.frame["amount"].tolist() == [1500.0, 2000.0]
    assert t.frame["phase"].tolist() == ["approved", "executed"]
    assert t.frame["program"].tolist() == ["Investigación", "Patrullaje"]  # synonym "programa"
    assert t.report.meta["auto_mapped"]["program"] == "programa"


def test_constant_fills_only_empty_cells(tmp_path: Path) -> None:
    p = write(
        tmp_path / "b.csv",
        [HEADER, good_line(1).replace("SLV", ""), good_line(2).replace("SLV", "GTM")],
    )
    t = peir.read_budget(p, constants={"country": "SLV"})
    assert t.frame["country"].tolist() == ["SLV", "GTM"]


def test_missing_required_column_names_closest_headers(tmp_path: Path) -> None:
    p = write(
        tmp_path / "b.csv",
        ["country,year,institution_code,phase,ammount,currency", "SLV,2019,A,approved,5,USD"],
    )
    t = peir.read_budget(p)
    assert not t.report.ok
    miss = t.report.issues[t.report.issues["code"] == "missing_column"]
    assert len(miss) == 1
    msg = miss["message"].iloc[0]
    assert "'amount'" in msg and "ammount" in msg
    assert t.report.rows_read == 1 == t.report.rows_rejected
    assert "missing required column(s): amount" in t.rejected["reason"].iloc[0]


def test_mapped_column_not_in_file(tmp_path: Path) -> None:
    p = write(tmp_path / "b.csv", [HEADER, good_line(1)])
    t = peir.read_budget(p, columns={"institution": "Institucion nombre"})
    miss = t.report.issues[t.report.issues["code"] == "missing_column"]
    assert "Institucion nombre" in miss["message"].iloc[0]
    assert "closest headers found" in miss["message"].iloc[0]


def test_unknown_phase_suggests_closest(tmp_path: Path) -> None:
    p = write(
        tmp_path / "b.csv", [HEADER, good_line(1, phase="devengad"), good_line(2, phase="excuted")]
    )
    t = peir.read_budget(p)
    every = t.report.issues_all()
    msgs = every["message"].tolist()
    assert "devengado" in msgs[0]
    assert "executed" in msgs[1]
    assert every["code"].tolist() == ["unknown_phase", "unknown_phase"]
    # the bounded view: one issue for the code, counting both, naming the other row
    agg = t.report.errors
    assert agg["count"].tolist() == [2] and agg["rows"].tolist() == [(2, 3)]
    assert "and 1 more (rows 2, 3" in agg["message"].iloc[0]


def test_country_and_currency_codes(tmp_path: Path) -> None:
    lines = [
        HEADER,
        good_line(1).replace("SLV", "XSA"),  # user-assigned: valid
        good_line(2).replace("SLV", "SV"),
        good_line(3).replace("USD", "usd"),  # lower case is normalised
        good_line(4).replace("USD", "DOLLARS"),
    ]
    t = peir.read_budget(write(tmp_path / "b.csv", lines))
    assert t.frame["country"].tolist() == ["XSA", "SLV"]
    assert t.frame["currency"].tolist() == ["USD", "USD"]
    codes = dict(zip(t.report.errors["row"], t.report.errors["code"], strict=True))
    assert codes == {3: "unknown_country", 5: "unknown_currency"}
    assert "'SLV'" in t.report.errors["message"].iloc[0]


def test_years(tmp_path: Path) -> None:
    lines = [
        HEADER,
        good_line(1).replace("2019", "2018/19"),
        good_line(2).replace("2019", "1890"),
        good_line(3).replace("2019", "FY2021"),
    ]
    t = peir.read_budget(write(tmp_path / "b.csv", lines))
    assert t.frame["year"].tolist() == [2019, 2021]
    assert t.report.errors["code"].tolist() == ["implausible_year"]


def test_negative_amount_is_a_warning_and_nonfinite_an_error(tmp_path: Path) -> None:
    lines = [HEADER, good_line(1, amount='"(1,234.50)"'), good_line(2, amount="inf")]
    t = peir.read_budget(write(tmp_path / "b.csv", lines))
    assert t.frame["amount"].tolist() == [-1234.5]
    assert t.report.warnings["code"].tolist() == ["negative_amount"]
    assert t.report.errors["code"].tolist() == ["not_finite"]


def test_duplicates_and_executed_above_modified(tmp_path: Path) -> None:
    lines = [
        HEADER,
        good_line(1),
        good_line(1),  # exact duplicate
        good_line(2, phase="modified", amount="100"),
        good_line(2, phase="executed", amount="400"),
        good_line(3, phase="modified", amount="100"),
        good_line(3, phase="executed", amount="120"),
    ]
    t = peir.read_budget(write(tmp_path / "b.csv", lines))
    w = t.report.warnings
    assert w[w["code"] == "duplicate_row"]["row"].tolist() == [3]
    assert "row 2" in w[w["code"] == "duplicate_row"]["message"].iloc[0]
    ex = w[w["code"] == "executed_above_modified"]
    assert ex["row"].tolist() == [5]
    assert "4.0×" in ex["message"].iloc[0]
    assert len(t.frame) == 6  # warnings keep the rows


def test_context_duplicate_country_year_is_rejected(tmp_path: Path) -> None:
    p = write(
        tmp_path / "c.csv",
        ["country,year,population", "SLV,2019,6.3e6", "SLV,2019,6.4e6", "SLV,2020,6.3e6"],
    )
    t = peir.read_context(p)
    assert len(t.frame) == 2
    assert t.rejected["row"].tolist() == [3]
    assert "first on row 2" in t.rejected["reason"].iloc[0]
    assert t.report.rows_read == 3 == t.report.rows_accepted + t.report.rows_rejected


def test_caseload_fills_link_unit_kind_and_suggests_measures(tmp_path: Path) -> None:
    p = write(
        tmp_path / "k.csv",
        [
            "country,year,measure,value,source",
            "SLV,2019,homicides,2398,IML",
            "SLV,2019,Homicidios intencionales,2390,PNC",
            "SLV,2019,homicide,1,X",
            "SLV,2019,prisoners_total,-5,DGCP",
        ],
    )
    t = peir.read_caseload(p)
    f = t.frame
    assert f["measure"].tolist() == ["homicides", "homicides"]
    assert f["link"].tolist() == ["patrol", "patrol"]
    assert f["unit"].tolist() == ["victims", "victims"]
    assert f["kind"].tolist() == ["flow", "flow"]
    errs = t.report.errors
    assert errs["code"].tolist() == ["unknown_measure", "negative_count"]
    assert "homicides" in errs["message"].iloc[0]
    assert errs["row"].tolist() == [4, 5]


def test_chain_map_share_checks(tmp_path: Path) -> None:
    p = write(
        tmp_path / "m.csv",
        [
            "institution_code,link,share,basis",
            "PNC,patrol,0.7,staff",
            "PNC,investigation,0.2,staff",
            "FGR,Investigación,1,whole institution",
            "OJ,judicial,1.5,whole",
        ],
    )
    t = peir.read_chain_map(p)
    assert t.frame["link"].tolist() == ["patrol", "investigation", "investigation"]
    assert t.report.errors["code"].tolist() == ["out_of_range"]
    w = t.report.warnings
    assert w["code"].tolist() == ["shares_not_one"]
    assert "0.9" in w["message"].iloc[0]


def test_exclude_rows_are_accounted_as_info(tmp_path: Path) -> None:
    lines = [HEADER, good_line(1), good_line(2).replace("Inst 2", "TOTAL GENERAL")]
    t = peir.read_budget(write(tmp_path / "b.csv", lines), exclude={"institution": "^TOTAL"})
    assert len(t.frame) == 1 and len(t.rejected) == 1
    assert t.report.ok
    assert t.report.issues["severity"].tolist() == ["info"]
    assert t.report.amount_read == pytest.approx(201.0)
    assert t.report.amount_rejected == pytest.approx(100.5)


def test_malformed_line_is_rejected_with_its_row(tmp_path: Path) -> None:
    lines = [HEADER, good_line(1), good_line(2) + ",extra,fields", good_line(3)]
    t = peir.read_budget(write(tmp_path / "b.csv", lines))
    assert len(t.frame) == 2
    assert t.rejected["row"].tolist() == [3]
    assert t.report.errors["code"].tolist() == ["malformed_row"]
    assert t.report.rows_read == 3
    # its amount is still read from its text: nothing vanishes
    assert t.report.amount_unparsed == 0
    assert t.report.amount_read == pytest.approx(
        3 * 100.5
    ) and t.report.amount_rejected == pytest.approx(100.5)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\n\n  \n",
        b"\x00\x01\x02\x03binary\x00stuff" * 50,
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    ],
    ids=["empty", "blank", "binary", "png"],
)
def test_not_a_table_raises_read_error(tmp_path: Path, content: bytes) -> None:
    p = tmp_path / "x.csv"
    p.write_bytes(content)
    with pytest.raises(peir.ReadError) as info:
        peir.read_budget(p)
    assert "x.csv" in str(info.value)
    assert isinstance(info.value, peir.PeirError)


def test_missing_file_and_folder_raise_read_error(tmp_path: Path) -> None:
    with pytest.raises(peir.ReadError, match="no such file"):
        peir.read_budget(tmp_path / "nope.csv")
    with pytest.raises(peir.ReadError, match="folder"):
        peir.read_budget(tmp_path)
    with pytest.raises(peir.ReadError):
        peir.read_budget(12345)
    bad_xlsx = tmp_path / "fake.xlsx"
    bad_xlsx.write_text("not a workbook")
    with pytest.raises(peir.ReadError, match="Excel"):
        peir.read_budget(bad_xlsx)


def test_bad_spec_names_raise_spec_error(tmp_path: Path) -> None:
    p = write(tmp_path / "b.csv", [HEADER, good_line(1)])
    with pytest.raises(peir.SpecError, match="did you mean 'amount'"):
        peir.read_budget(p, columns={"ammount": "x"})
    with pytest.raises(peir.SpecError, match="decimal"):
        peir.read_budget(p, decimal=";")


def test_parquet_source(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {"country": ["SLV"], "year": [2019], "population": [6.3e6], "currency": ["USD"]}
    )
    p = tmp_path / "ctx.parquet"
    df.to_parquet(p)
    t = peir.read_context(p)
    assert t.report.ok
    assert t.frame["population"].tolist() == [6.3e6]
    assert t.frame["source_ref"].tolist() == ["ctx.parquet:1"]


def test_streamed_path_matches_small_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [HEADER]
    for i in range(1, 400):
        lines.append(
            good_line(
                i % 50, phase=["approved", "executed"][i % 2], amount=str(i) if i % 97 else "oops"
            )
        )
    lines.insert(120, "")  # a blank line shifts the physical numbering
    lines.insert(200, good_line(7) + ",x")  # a malformed line
    p = write(tmp_path / "big.csv", lines)
    small = peir.read_budget(p)
    monkeypatch.setattr(sources, "ARROW_MIN_BYTES", 0)
    monkeypatch.setattr(sources, "CHUNK_ROWS", 64)
    big = peir.read_budget(p)
    assert big.report.meta.get("streamed") is True
    pd.testing.assert_frame_equal(small.frame, big.frame)
    assert small.report.rows_read == big.report.rows_read
    assert small.report.amount_read == pytest.approx(big.report.amount_read)
    assert sorted(small.rejected["row"]) == sorted(big.rejected["row"])
    assert small.report.errors["row"].tolist() == big.report.errors["row"].tolist()


def test_streamed_path_skip_footer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = (
        ["Title line", HEADER]
        + [good_line(i) for i in range(1, 30)]
        + ["Note: footer,,,,,,,,,,,", "Source: x,,,,,,,,,,,"]
    )
    p = write(tmp_path / "f.csv", lines)
    monkeypatch.setattr(sources, "ARROW_MIN_BYTES", 0)
    monkeypatch.setattr(sources, "CHUNK_ROWS", 8)
    t = peir.read_budget(p, header_row=1, skip_footer=2)
    assert t.report.ok, t.report
    assert len(t.frame) == 29
    assert t.frame["source_ref"].iloc[0] == "f.csv:3"
    assert t.frame["source_ref"].iloc[-1] == "f.csv:31"


def _streamed(monkeypatch: pytest.MonkeyPatch, chunk_rows: int) -> None:
    monkeypatch.setattr(sources, "ARROW_MIN_BYTES", 0)
    monkeypatch.setattr(sources, "CHUNK_ROWS", chunk_rows)


def test_streamed_typed_numbers_fall_back_to_strings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plain numbers are parsed by Arrow directly; a later block with a locale number, a
    missing marker or text is read again as strings, and the result equals the small path."""
    lines = [HEADER]
    for i in range(1, 300):
        amount = str(i * 10 + 0.25)
        if i == 150:
            amount = '"1,234.50"'  # grouping: not a plain number
        elif i == 200:
            amount = "NA"
        elif i == 250:
            amount = "lots"
        lines.append(
            good_line(i % 40, phase=["approved", "modified", "executed"][i % 3], amount=amount)
        )
    lines[60] = lines[60].replace(",2019,", ",19x9,")  # a bad year in an early block
    p = write(tmp_path / "typed.csv", lines)
    small = peir.read_budget(p)
    _streamed(monkeypatch, 16)
    big = peir.read_budget(p)
    assert big.report.meta.get("streamed") is True
    pd.testing.assert_frame_equal(small.frame, big.frame)
    assert small.report.amount_read == pytest.approx(big.report.amount_read)
    assert small.report.issues[["row", "column", "code", "severity"]].equals(
        big.report.issues[["row", "column", "code", "severity"]]
    )
    assert sorted(small.rejected["row"]) == sorted(big.rejected["row"])
    assert 1234.5 in big.frame["amount"].tolist()


def test_streamed_typed_numbers_equal_strings_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file of plain numbers read typed and read as strings gives identical tables."""
    from peir.pipeline import ingest

    lines = [HEADER] + [
        good_line(
            i % 30,
            phase=["modified", "executed"][i % 2],
            amount=f"{(i * 7919) % 100003}.{i % 100:02d}",
        )
        for i in range(1, 400)
    ]
    lines.append(lines[10])  # a duplicate
    p = write(tmp_path / "plain.csv", lines)
    _streamed(monkeypatch, 32)
    typed = peir.read_budget(p)
    monkeypatch.setattr(ingest, "_typed_columns", lambda *a: {})
    strings = peir.read_budget(p)
    pd.testing.assert_frame_equal(typed.frame, strings.frame)
    pd.testing.assert_frame_equal(typed.report.issues, strings.report.issues)
    assert typed.report.amount_read == strings.report.amount_read


def test_streamed_blocks_never_split_a_quoted_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blocks end at a newline outside quotes, whatever the block size, and know their line."""
    from peir.pipeline.sources import _read_blocks

    records = [f'"name {i}, with comma","a ""quoted"" word",{i}' for i in range(200)]
    records.insert(50, '"two\nlines",x,1')
    text = "\n".join(records) + "\n"
    p = tmp_path / "q.csv"
    p.write_bytes(text.encode())
    for size in (7, 64, 200, 1000):
        blocks = [
            (bytes(b.view()), b.first_line, b.breaks, b.at_end)
            for b in _read_blocks(p, 0, len(text.encode()), size, 1)
        ]
        assert b"".join(b[0] for b in blocks) == text.encode()
        assert all(b[0].endswith(b"\n") and b[0].count(b'"') % 2 == 0 for b in blocks)
        assert sum(b[2] for b in blocks) == text.count("\n") and blocks[-1][3]
        assert [b[1] for b in blocks] == list(np.cumsum([1] + [b[2] for b in blocks[:-1]]))
