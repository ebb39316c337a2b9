"""One reading semantics: the small-file and the streamed reader accept and reject the same
lines, with the same numbers, messages and meta, on a corpus of malformed files; mixed
encodings, UTF-16 without BOM, NUL bytes; amounts conserved to the cent against ``decimal``;
hostile input gets a PeirError; a fuzz test over every reader."""

from __future__ import annotations

import contextlib
import io
import math
import random
import re
import signal
import threading
import zipfile
from collections.abc import Iterator
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import peir
from peir.pipeline import sources
from reader_checks import compare_readers

HEADER = "country,year,institution_code,institution,program,phase,amount,currency"


def line(i: int, amount: str = "10.50", phase: str = "approved", inst: str | None = None) -> str:
    return f"SLV,2019,I{i % 7},{inst or f'Inst {i}'},P{i},{phase},{amount},USD"


def _body(n: int = 60) -> list[str]:
    return [
        line(i, amount=f"{i}.25", phase=["approved", "modified", "executed"][i % 3])
        for i in range(n)
    ]


def _with(lines: list[str], at: int, extra: str | list[str]) -> list[str]:
    out = list(lines)
    out[at:at] = [extra] if isinstance(extra, str) else extra
    return out


CORPUS: dict[str, bytes] = {
    "clean": ("\n".join([HEADER, *_body()]) + "\n").encode(),
    "short_rows": (
        "\n".join([HEADER, *_with(_body(), 10, "SLV,2019,I1,Inst,P1,approved,5"), "SLV,2019"])
        + "\n"
    ).encode(),
    "long_rows": (
        "\n".join([HEADER, *_with(_body(), 5, line(5) + ",x,y"), line(9) + ",,"]) + "\n"
    ).encode(),
    "blank_and_delimiter_lines": (
        "\n".join([HEADER, *_with(_with(_body(), 7, ""), 20, [",,,,,,,", "   ", ""])]) + "\n"
    ).encode(),
    "multiline_cells": (
        "\n".join(
            [HEADER, *_with(_body(), 12, 'SLV,2019,I3,"Inst\non two\nlines",P3,approved,7,USD')]
        )
        + "\n"
    ).encode(),
    "unterminated_quote_at_end": (
        "\n".join([HEADER, *_body(30), 'SLV,2019,I1,"Inst,P1,approved,5,USD', line(99)]) + "\n"
    ).encode(),
    "unterminated_quote_last_line": (
        "\n".join([HEADER, *_body(30), 'SLV,2019,I1,"Inst,P1,approved,5,USD']) + "\n"
    ).encode(),
    "quotes_inside_fields": (
        "\n".join(
            [
                HEADER,
                *_with(_body(), 3, 'SLV,2019,I1,Inst 5" screen,P1,approved,5,USD'),
                '"SLV",2019,I1,"ab"c,P1,approved,6,USD',
            ]
        )
        + "\n"
    ).encode(),
    "huge_field_after_blank": (
        "\n".join([HEADER, *_body(20), "", line(1, inst="x" * 300_000), *_body(10)]) + "\n"
    ).encode(),
    "nul_bytes": (
        "\n".join([HEADER, *_with(_body(), 15, line(3).replace("Inst", "In\x00st"))]) + "\n"
    ).encode(),
    "crlf_and_bare_cr": ("\r\n".join([HEADER, *_body(20)]) + "\r\n").encode()
    + (line(50) + "\r" + line(51) + "\n").encode(),
    "no_final_newline": "\n".join([HEADER, *_body(25)]).encode(),
    "bom": b"\xef\xbb\xbf" + ("\n".join([HEADER, *_body(20)]) + "\n").encode(),
    "mixed_encodings": ("\n".join([HEADER, *_body(20)]) + "\n").encode()
    + (line(1, inst="Policía Nacional") + "\n").encode("cp1252")
    + (line(2, inst="Fiscalía General") + "\n").encode()
    + (line(3, inst="Órgano Judicial") + "\n").encode("cp1252"),
    "trailing_delimiter_header": (
        "\n".join([HEADER + ",", *_body(20), line(1) + ","]) + "\n"
    ).encode(),
    "bad_values": (
        "\n".join(
            [
                HEADER,
                *_with(
                    _body(),
                    4,
                    [
                        line(2, amount="abc"),
                        line(3, phase="pagado??"),
                        line(4).replace("2019", "19x9"),
                    ],
                ),
            ]
        )
        + "\n"
    ).encode(),
    "totals": (
        "\n".join([HEADER, *_body(12), "SLV,2019,TOTAL,TOTAL GENERAL,,approved,999,USD"]) + "\n"
    ).encode(),
}

# columns no spec maps: a streamed block is converted without them, and its rejected rows
# read them again from the file (they must come out as the small path has them)
EXTRA_HEADER = HEADER + ",zz_note,zz_ref"


def _extra(note: str = "a note") -> list[str]:
    rows = [f"{ln},{note} {i},R{i}" for i, ln in enumerate(_body(40))]
    rows[6] = line(6, amount="abc") + ",the bad amount's note,R6"
    rows[30] = line(30).replace("2019", "19x9") + ",the bad year's note,R30"
    return rows


CORPUS["unmapped_columns"] = ("\n".join([EXTRA_HEADER, *_extra()]) + "\n").encode()
CORPUS["unmapped_columns_non_ascii"] = (
    "\n".join([EXTRA_HEADER, *_extra("Policía según")]) + "\n"
).encode()
CORPUS["unmapped_columns_last_line_bad"] = "\n".join(  # no final line break
    [EXTRA_HEADER, *_extra(), line(41, amount="n.d.") + ",the last line,R41"]
).encode()
CORPUS["unmapped_columns_mixed_encoding"] = (
    "\n".join([EXTRA_HEADER, *_extra("Policía según")]) + "\n"
).encode() + (line(3) + ",Fiscalía,R99\n").encode("cp1252")

WIDE_HEADER = "country,year,institution_code,Votado,Modificado,Devengado,currency"


def _wide(n: int = 400) -> bytes:
    rows = [WIDE_HEADER]
    for i in range(n):
        cells = [f"{i}.5", "" if i % 10 == 0 else "7", "8"]
        rows.append(f"SLV,2019,I{i},{','.join(cells)},USD")
    return ("\n".join(rows) + "\n").encode()


CORPUS["wide_with_empty_cells"] = _wide()


def _streamed(monkeypatch: pytest.MonkeyPatch, chunk_rows: int) -> None:
    monkeypatch.setattr(sources, "ARROW_MIN_BYTES", 0)
    monkeypatch.setattr(sources, "CHUNK_ROWS", chunk_rows)


@pytest.mark.parametrize("name", sorted(CORPUS))
@pytest.mark.parametrize("chunk_rows", [5, 64])
def test_small_and_streamed_readers_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, chunk_rows: int
) -> None:
    p = tmp_path / f"{name}.csv"
    p.write_bytes(CORPUS[name])
    spec = {"constants": {"country": "SLV", "currency": "USD"}} if name.startswith("wide") else {}
    small = peir.read_budget(p, **spec)
    assert "streamed" not in small.report.meta
    _streamed(monkeypatch, chunk_rows)
    big = peir.read_budget(p, **spec)
    assert big.report.meta["streamed"] is True
    compare_readers(small, big)
    r = small.report
    assert r.rows_read == r.rows_accepted + r.rows_rejected
    assert r.amount_read == pytest.approx(
        r.amount_accepted + r.amount_rejected, rel=1e-15, abs=1e-9
    )


def test_the_corpus_is_read_as_the_rules_say(tmp_path: Path) -> None:
    """What the shared semantics decide, file by file (small path; the streamed one agrees)."""

    def read(name: str, **kw: Any) -> peir.BudgetTable:
        p = tmp_path / f"{name}.csv"
        p.write_bytes(CORPUS[name])
        return peir.read_budget(p, **kw)

    def malformed(t: peir.BudgetTable) -> list[int]:
        every = t.report.issues_all()
        return every[every["code"] == "malformed_row"]["row"].tolist()

    t = read("short_rows")
    assert malformed(t) == [12, 63]  # fewer fields than the header: never padded
    assert t.report.amount_read == pytest.approx(sum(i + 0.25 for i in range(60)) + 5)
    assert t.report.amount_unparsed == 1  # "SLV,2019" holds no amount
    t = read("long_rows")
    assert malformed(t) == [7]  # extra fields with values; "...,," (empty extras) is cut and read
    t = read("blank_and_delimiter_lines")
    assert t.report.meta["blank_rows"] == 4 and t.report.ok
    t = read("multiline_cells")
    assert t.frame["institution"].str.contains("\n").sum() == 1
    assert (
        t.frame["source_ref"].iloc[13] == "multiline_cells.csv:17"
    )  # the record after the 3-line one
    t = read("unterminated_quote_at_end")
    assert malformed(t) == [32]
    assert t.frame["source_ref"].iloc[-1] == "unterminated_quote_at_end.csv:33"  # reading went on
    assert "never closed" in t.report.errors["message"].iloc[0]
    t = read("unterminated_quote_last_line")
    assert malformed(t) == [32]
    t = read("huge_field_after_blank")
    assert len(t.frame) == 31 and t.report.meta["blank_rows"] == 1
    t = read("nul_bytes")
    assert malformed(t) == [17] and "NUL" in t.report.errors["message"].iloc[0]
    t = read("crlf_and_bare_cr")
    assert t.frame["source_ref"].tolist()[-2:] == [
        "crlf_and_bare_cr.csv:22",
        "crlf_and_bare_cr.csv:23",
    ]
    t = read("mixed_encodings")  # two cp1252 lines and one UTF-8 line: the file is cp1252
    assert t.report.encoding == "cp1252"
    assert {"Policía Nacional", "Fiscalía General", "Órgano Judicial"} <= set(
        t.frame["institution"]
    )
    mixed = t.report.issues_all()
    assert mixed[mixed["code"] == "mixed_encoding"]["row"].tolist() == [23]
    t = read("trailing_delimiter_header")
    assert t.report.ok and len(t.frame) == 21
    t = read("totals")
    assert t.report.meta["totals"]["rows"] == 1 and len(t.frame) == 12


def test_wide_file_meta_is_the_same_on_both_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The threading bug: worker threads wrote empty_wide_cells into shared meta (40 on the
    small path, 4 streamed)."""
    p = tmp_path / "wide.csv"
    p.write_bytes(_wide())
    small = peir.read_budget(p, constants={"country": "SLV", "currency": "USD"})
    _streamed(monkeypatch, 16)
    big = peir.read_budget(p, constants={"country": "SLV", "currency": "USD"})
    assert small.report.meta["empty_wide_cells"] == 40 == big.report.meta["empty_wide_cells"]


def test_cp1252_file_with_utf8_lines(tmp_path: Path) -> None:
    """Lines are decoded one by one: a UTF-8 line in a cp1252 file is not mojibake."""
    p = tmp_path / "c.csv"
    p.write_bytes(
        (HEADER + "\n").encode()
        + (line(1, inst="Policía") + "\n").encode("cp1252")
        + (line(2, inst="Fiscalía") + "\n").encode("cp1252")
        + (line(3, inst="Judicial Órgano") + "\n").encode()
    )
    t = peir.read_budget(p)
    assert t.report.encoding == "cp1252"
    assert t.frame["institution"].tolist() == ["Policía", "Fiscalía", "Judicial Órgano"]
    every = t.report.issues_all()
    assert every[every["code"] == "mixed_encoding"]["row"].tolist() == [4]
    assert "PolicÃ" not in "".join(t.frame["institution"])


def test_utf16_without_bom_reads_when_the_encoding_is_given(tmp_path: Path) -> None:
    p = tmp_path / "u16.txt"
    p.write_bytes("country\tyear\tpopulation\r\nSLV\t2019\t6300000\r\n".encode("utf-16-le"))
    with pytest.raises(peir.ReadError):
        peir.read_context(p)  # without the encoding it looks binary
    t = peir.read_context(p, encoding="utf-16-le")
    assert t.report.ok and t.frame["population"].tolist() == [6300000.0]


def test_nul_byte_past_the_first_64k_stays_out_of_the_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [HEADER, *[line(i) for i in range(1500)]]
    lines[1200] = lines[1200].replace("Inst", "In\x00st")
    p = tmp_path / "nul.csv"
    p.write_bytes(("\n".join(lines) + "\n").encode())
    assert p.stat().st_size > 65536
    for streamed in (False, True):
        if streamed:
            _streamed(monkeypatch, 100)
        t = peir.read_budget(p)
        assert not t.frame["institution"].str.contains("\x00").any()
        every = t.report.issues_all()
        assert every[every["code"] == "malformed_row"]["row"].tolist() == [1201]


def test_eight_thousand_column_header_is_read(tmp_path: Path) -> None:
    """The header is parsed and matched in time linear in its size (was quadratic)."""
    cols = [f"Columna presupuestaria número {i}" for i in range(8000)]
    p = tmp_path / "wide.csv"
    p.write_text(
        ",".join(cols) + "\n" + ",".join(str(i) for i in range(8000)) + "\n", encoding="utf-8"
    )
    t = peir.read_budget(
        p,
        columns={
            "amount": "Columna presupuestaria número 7999",
            "institution_code": "Columna presupuestaria número 1",
        },
        constants={"country": "SLV", "year": 2020, "currency": "USD", "phase": "approved"},
    )
    assert t.frame["amount"].tolist() == [7999.0]
    t = peir.read_budget(p, columns={"amount": "Columna presupuestaria numero 79999"})
    assert "closest headers found" in t.report.issues_all()["message"].iloc[0]


# ------------------------------------------------------------------------------------------
# conservation to the cent, against decimal
# ------------------------------------------------------------------------------------------


def _messy_amount(rng: random.Random) -> tuple[str, Decimal | None]:
    """An amount written as ministries write them, and its exact value (None: unreadable)."""
    units = rng.randrange(0, 10**8)  # a line up to 100 million: about 1e13 for the file
    cents = rng.randrange(0, 100)
    value = Decimal(units) + Decimal(cents) / 100
    grouped = f"{units:,}"
    kind = rng.random()
    if kind < 0.4:
        return f"{units}.{cents:02d}", value
    if kind < 0.6:
        return f'"{grouped}.{cents:02d}"', value
    if kind < 0.7:
        return f'"({grouped}.{cents:02d})"', -value
    if kind < 0.8:
        return f"{units}.{cents:02d}-", -value
    if kind < 0.87:
        return f'"US$ {grouped}.{cents:02d}"', value
    if kind < 0.92:
        return "", None
    if kind < 0.96:
        return rng.choice(["n.d.", "abc", "12%", "1.2.3"]), None
    return str(units), Decimal(units)


def test_exact_amounts_hold_cents_past_what_a_float_holds() -> None:
    """``amounts_exact`` keeps the cents that a float total loses (above about 9e13): the
    float sum of 2^60 and two quarters is 2^60; the exact total is 2^60 + 0.50."""
    df = pd.DataFrame(
        {
            "country": "SLV",
            "year": 2019,
            "institution_code": ["A", "B", "C", "D"],
            "phase": "approved",
            "amount": [2.0**60, 0.25, 0.25, "x"],
            "currency": "USD",
        }
    )
    r = peir.read_budget(df).report
    assert r.amount_read == 2.0**60  # the float cannot tell
    assert r.amounts_exact == {
        "read": Decimal(2**60) + Decimal("0.5"),
        "accepted": Decimal(2**60) + Decimal("0.5"),
        "rejected": Decimal(0),
    }
    assert (
        "amount read 1,152,921,504,606,846,976.50 = accepted 1,152,921,504,606,846,976.50"
        in r.summary()
    )
    both = r.merge(r)
    assert both.amounts_exact is not None and both.amounts_exact["read"] == 2 * (
        Decimal(2**60) + Decimal("0.5")
    )


def test_totals_beyond_the_largest_float_are_infinite_and_exact() -> None:
    """Two amounts whose sum exceeds the largest float (found by the fuzz test: the total's
    float raised OverflowError): the float total is inf, the exact one keeps every digit."""
    big = [1.4106894345878917e302, 1.7976917241728812e308]
    df = pd.DataFrame(
        {
            "country": "SLV",
            "year": 2019,
            "institution_code": ["A", "B"],
            "phase": "approved",
            "amount": big,
            "currency": "USD",
        }
    )
    r = peir.read_budget(df).report
    assert r.amount_read == math.inf
    assert r.amounts_exact is not None
    with localcontext() as ctx:  # exact: both floats are integers of up to 309 digits
        ctx.prec = 400
        assert r.amounts_exact["read"] == Decimal(big[0]) + Decimal(big[1])


def test_amounts_are_conserved_to_the_cent_on_a_messy_file(tmp_path: Path) -> None:
    """200,000 messy lines (locale numbers, accounting negatives, currency symbols, blanks,
    text, malformed lines with one field too many or too few): ``amount_read`` equals the
    exact decimal sum of every readable amount, malformed lines included (a national budget's
    scale: about 1e13 in all)."""
    rng = random.Random(20260601)
    lines = ["country,year,institution_code,phase,amount,currency"]
    exact = Decimal(0)
    unreadable = 0
    for i in range(200_000):
        text, value = _messy_amount(rng)
        phase = ["approved", "modified", "executed"][i % 3]
        rec = f"SLV,{2010 + i % 12},I{i % 50},{phase},{text},USD"
        shape = rng.random()
        if shape < 0.01:
            rec += ",extra"  # one field too many: malformed, its amount still read
        elif shape < 0.015:
            rec = rec.rsplit(",", 1)[0]  # no currency: one field too few, still has the amount
        if value is None:
            unreadable += 1
        else:
            exact += value
        lines.append(rec)
    p = tmp_path / "messy.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    t = peir.read_budget(p)
    r = t.report
    assert r.meta.get("streamed") is True
    assert exact > Decimal("4e12")
    assert r.amounts_exact is not None
    cents = {k: v * 100 for k, v in r.amounts_exact.items()}
    assert abs(cents["read"] - exact * 100) < Decimal("0.01"), (
        f"{cents['read'] - exact * 100} cents off"
    )
    assert abs(Decimal(repr(r.amount_read)) - exact) * 100 < Decimal("0.5")  # the float total too
    assert r.amount_unparsed == unreadable
    # to the cent, exactly: accepted + rejected == read == the decimal sum
    whole = {k: v.to_integral_value() for k, v in cents.items()}
    assert whole["accepted"] + whole["rejected"] == whole["read"] == exact * 100
    assert all(abs(v - whole[k]) < Decimal("0.001") for k, v in cents.items())  # no half cents
    accepted = sum(Decimal(repr(float(v))) for v in t.frame["amount"].to_numpy())
    assert abs(cents["accepted"] - accepted * 100) < Decimal("0.01")
    assert r.rows_rejected > 2000 and cents["rejected"] != 0  # malformed lines hold amounts


# ------------------------------------------------------------------------------------------
# hostile input and fuzzing: only PeirError
# ------------------------------------------------------------------------------------------

READERS = [peir.read_budget, peir.read_caseload, peir.read_context, peir.read_chain_map]

#: A file of a few KB that takes this long has hung (a loop that never ends); not a timing
#: check: the reads take milliseconds, and the bound is a thousand times that.
HANG_SECONDS = 120


@contextlib.contextmanager
def _no_hang(what: str) -> Iterator[None]:
    """Fail (instead of waiting forever) if the body runs longer than :data:`HANG_SECONDS`."""
    if not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def hung(_sig: int, _frame: Any) -> None:
        raise AssertionError(f"{what}: still reading after {HANG_SECONDS} s, a hang")

    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(HANG_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _valid_xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r in [
        ["country", "year", "institution_code", "phase", "amount", "currency"],
        ["SLV", 2019, "PNC", "Devengado", 12.5, "USD"],
        ["SLV", 2020, "FGR", "votado", "1.234,5", "USD"],
    ]:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _valid_parquet() -> bytes:
    buf = io.BytesIO()
    pd.DataFrame(
        {"country": ["SLV"], "year": [2019], "population": [6.3e6], "amount": [1.0]}
    ).to_parquet(buf)
    return buf.getvalue()


SEEDS = {
    ".csv": CORPUS["clean"][:3000],
    ".txt": "país;año;monto\nSLV;2019;1.234,5\n".encode("cp1252"),
    ".xlsx": _valid_xlsx(),
    ".parquet": _valid_parquet(),
}


def _mutate(data: bytes, draw: st.DrawFn) -> bytes:
    b = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "cut", "dup", "insert"]))
        if not b:
            break
        i = draw(st.integers(0, len(b) - 1))
        if op == "flip":
            b[i] = draw(st.integers(0, 255))
        elif op == "cut":
            del b[i : i + draw(st.integers(1, 64))]
        elif op == "dup":
            b[i:i] = b[i : i + draw(st.integers(1, 64))]
        else:
            b[i:i] = draw(
                st.sampled_from(
                    [b'"', b"\x00", b"\n", b",", b";", b"\r", b"\xff\xfe", b"PK\x03\x04", b"TOTAL"]
                )
            )
    return bytes(b)


@st.composite
def hostile_files(draw: st.DrawFn) -> tuple[str, bytes]:
    ext = draw(st.sampled_from(list(SEEDS)))
    if draw(st.integers(0, 4)) == 0:
        return ext, draw(st.binary(max_size=400))
    data = SEEDS[ext]
    if ext in (".xlsx",) and draw(st.booleans()):  # mutate a part inside the archive
        src = zipfile.ZipFile(io.BytesIO(data))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as dst:
            for item in src.infolist():
                part = src.read(item.filename)
                if item.filename.endswith(("sheet1.xml", "sharedStrings.xml", "workbook.xml")):
                    part = _mutate(part, draw)
                dst.writestr(item, part)
        return ext, out.getvalue()
    return ext, _mutate(data, draw)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=hostile_files(), reader=st.sampled_from(READERS), streamed=st.booleans())
def test_every_reader_meets_random_and_mutated_files_with_only_peir_errors(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[str, bytes], reader: Any, streamed: bool
) -> None:
    ext, data = case
    p = tmp_path_factory.mktemp("fuzz") / f"f{ext}"
    p.write_bytes(data)
    old = sources.ARROW_MIN_BYTES, sources.CHUNK_ROWS
    if streamed:
        sources.ARROW_MIN_BYTES, sources.CHUNK_ROWS = 0, 3
    try:
        with _no_hang(f"{reader.__name__} on {data[:60]!r}"):
            table = reader(p)
    except peir.PeirError:
        return
    finally:
        sources.ARROW_MIN_BYTES, sources.CHUNK_ROWS = old
    r = table.report
    assert r.rows_read == r.rows_accepted + r.rows_rejected
    assert len(table.rejected) == r.rows_rejected
    assert not np.isnan(r.amount_read)


@settings(max_examples=40, deadline=None)
@given(
    cells=st.lists(
        st.one_of(
            st.none(),
            st.text(max_size=8),
            st.floats(allow_nan=True),
            st.integers(-(10**20), 10**20),
            st.lists(st.integers(), max_size=2),
            st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
            st.booleans(),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_dataframes_of_any_cells_get_only_peir_errors(cells: list[Any]) -> None:
    df = pd.DataFrame(
        {
            "country": "SLV",
            "year": 2019,
            "institution_code": pd.Series(cells, dtype=object),
            "phase": "approved",
            "amount": pd.Series(list(reversed(cells)), dtype=object),
            "currency": "USD",
        }
    )
    t = peir.read_budget(df)
    r = t.report
    assert r.rows_read == len(cells) == r.rows_accepted + r.rows_rejected
    every = r.issues_all()
    contained = [isinstance(c, list | dict) for c in cells]
    if any(contained):
        assert (every["code"] == "not_a_scalar").any()
    assert re.fullmatch(r".*", r.summary())


def test_streamed_blocks_convert_only_the_mapped_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A block of a UTF-8 file that is valid UTF-8 is converted without the columns no spec
    maps; its rejected rows still carry their text, read again from the file. The block with
    a cp1252 line is not (Arrow checks the UTF-8 of converted columns only): the Python parser
    reads it and notes the line's encoding, as on the small path."""
    _streamed(monkeypatch, 8)
    for name in ["unmapped_columns", "unmapped_columns_non_ascii"]:
        p = tmp_path / f"{name}.csv"
        p.write_bytes(CORPUS[name])
        t = peir.read_budget(p)
        blocks = t.report.meta["blocks"]
        assert blocks["arrow_blocks"] > 1, (name, blocks)
        assert blocks["narrow_blocks"] == blocks["arrow_blocks"], (name, blocks)
        bad = t.rejected.set_index("row")
        assert bad.loc[8, "zz_note"] == "the bad amount's note"  # line 8: data row 7
        assert bad.loc[8, "amount"] == "abc"
        assert bad.loc[32, "zz_ref"] == "R30"
    # an exclude rule on an unmapped column: that column is converted too, not the others
    p = tmp_path / "unmapped_columns.csv"
    rule = {"exclude": {"zz_ref": r"^R1\d$"}}
    t = peir.read_budget(p, **rule)
    assert t.report.meta["blocks"]["narrow_blocks"] > 1
    aside = t.rejected[t.rejected["reason"].str.contains("excluded")]
    assert sorted(aside["zz_ref"]) == [f"R1{i}" for i in range(10)]
    assert aside["zz_note"].str.startswith("a note 1").all()
    monkeypatch.setattr(sources, "ARROW_MIN_BYTES", 4 * 2**20)
    compare_readers(peir.read_budget(p, **rule), t)
    _streamed(monkeypatch, 8)
    p = tmp_path / "mixed.csv"
    p.write_bytes(CORPUS["unmapped_columns_mixed_encoding"])
    t = peir.read_budget(p)
    blocks = t.report.meta["blocks"]
    assert blocks["python_blocks"] == 1 and blocks["narrow_blocks"] == blocks["arrow_blocks"] > 0
    assert "mixed_encoding" in set(t.report.issues["code"]), t.report.issues


def test_a_block_that_changed_before_it_is_read_again_is_an_error(tmp_path: Path) -> None:
    """The rejected rows of a narrow block are read again from the file; if its bytes changed
    in between, the reader says so instead of pairing rows with another file's text."""
    p = tmp_path / "changing.csv"
    p.write_bytes(CORPUS["unmapped_columns"])
    spec = peir.ReadSpec()
    head = sources._read_head(p, spec, p.stat().st_size)
    parser = sources._BlockParser(
        p, spec, head, {}, frozenset(head.headers) - {"zz_note", "zz_ref"}
    )
    block = next(
        sources._read_blocks(p, head.data_offset, head.data_end, 1 << 20, head.data_line)
    )
    chunk = parser.parse(block)
    assert chunk.reread is not None and "zz_note" not in chunk.frame.columns
    again = chunk.source_rows(np.asarray([6, 1, 6]))  # only these lines are parsed again
    bad_note = "the bad amount's note"
    assert again["zz_note"].tolist() == [bad_note, "a note 1", bad_note]
    assert again["amount"].tolist() == ["abc", "1.25", "abc"]
    p.write_bytes(CORPUS["unmapped_columns"].replace(b"R6", b"S6"))  # same size, other text
    assert chunk.source_rows(np.asarray([6]))["zz_ref"].iloc[0] == "S6"  # unmapped: unseen
    p.write_bytes(CORPUS["unmapped_columns"].replace(b"I1,", b"J1,"))
    assert chunk.source_rows(np.asarray([6]))["institution_code"].iloc[0] == "I6"
    with pytest.raises(peir.ReadError, match=r"lines 2–41 changed while the file was being read"):
        chunk.source_rows(np.asarray([1]))
    p.write_bytes(CORPUS["unmapped_columns"][:500])  # cut short: the block's bytes are gone
    with pytest.raises(peir.ReadError, match=r"changed while the file was being read"):
        chunk.source_rows(np.asarray([1]))
