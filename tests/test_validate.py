"""Validation: report rows, accounting invariants (hypothesis), cross-table checks."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import peir
from peir.pipeline.validate import closest, cross_validate
from peir.tables import AGGREGATE_COLUMNS, ISSUE_COLUMNS

HEADER = ["country", "year", "institution_code", "phase", "amount", "currency"]

GOOD = st.fixed_dictionaries(
    {
        "country": st.sampled_from(["SLV", "GTM", "XSA"]),
        "year": st.integers(1995, 2030).map(str),
        "institution_code": st.sampled_from(["PNC", "FGR", "OJ", "DGCP"]),
        "phase": st.sampled_from(["approved", "modified", "executed", "Devengado", "VOTADO"]),
        "amount": st.floats(-1e9, 1e12, allow_nan=False, allow_infinity=False).map(
            lambda v: f"{v:.2f}"
        ),
        "currency": st.just("USD"),
    }
)
BAD_VALUES = {
    "country": st.sampled_from(["", "SV", "Salvador", "123"]),
    "year": st.sampled_from(["", "19", "abc", "3000", "2019.5"]),
    "institution_code": st.sampled_from(["", "-", "NA"]),
    "phase": st.sampled_from(["", "paid?", "banana"]),
    "amount": st.sampled_from(["", "x", "1,2,3", "inf", "12%"]),
    "currency": st.sampled_from(["", "DOLLAR", "U$"]),
}


@st.composite
def rows(draw: st.DrawFn) -> list[dict[str, str]]:
    out = []
    for _ in range(draw(st.integers(0, 25))):
        r = draw(GOOD)
        if draw(st.booleans()):
            col = draw(st.sampled_from(list(BAD_VALUES)))
            r[col] = draw(BAD_VALUES[col])
        out.append(r)
    return out


def _parsed_amount(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        return 0.0
    return v if math.isfinite(v) else 0.0


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=rows())
def test_conservation_of_rows_and_amounts(
    tmp_path_factory: pytest.TempPathFactory, data: list[dict[str, str]]
) -> None:
    """Every row is accepted or rejected, every amount read is accepted or rejected."""
    path = tmp_path_factory.mktemp("prop") / "b.csv"
    frame = pd.DataFrame(data, columns=HEADER, dtype=str)
    frame.to_csv(path, index=False)
    t = peir.read_budget(path)
    r = t.report
    assert r.rows_read == len(data)
    assert r.rows_read == r.rows_accepted + r.rows_rejected
    assert len(t.frame) == r.rows_accepted
    assert len(t.rejected) == r.rows_rejected
    assert r.amount_read == pytest.approx(
        r.amount_accepted + r.amount_rejected, rel=1e-15, abs=1e-9
    )
    assert r.amount_read == pytest.approx(
        sum(_parsed_amount(d["amount"]) for d in data), rel=1e-9, abs=1e-3
    )
    assert r.amount_accepted == pytest.approx(float(t.frame["amount"].sum()), rel=1e-9, abs=1e-3)
    # every rejected row names a reason and its line; every error points at a rejected row
    assert t.rejected["reason"].notna().all() if len(t.rejected) else True
    rej_rows = set(t.rejected["row"]) if len(t.rejected) else set()
    every = r.issues_all()
    assert set(every[every["severity"] == "error"]["row"].dropna()) <= rej_rows
    acc_rows = {int(s.split(":")[1]) for s in t.frame["source_ref"]}
    assert acc_rows.isdisjoint(rej_rows)
    assert acc_rows | rej_rows == set(range(2, len(data) + 2))
    assert list(every.columns) == list(ISSUE_COLUMNS)
    assert list(r.issues.columns) == list(AGGREGATE_COLUMNS)
    # bounded: one aggregated issue per source, code and column, counting every issue
    assert len(r.issues) == len(every.groupby(["code", every["column"].fillna("")]))
    assert int(r.issues["count"].sum()) == len(every)


@settings(max_examples=40, deadline=None)
@given(data=rows())
def test_conservation_for_dataframes(data: list[dict[str, str]]) -> None:
    frame = pd.DataFrame(data, columns=HEADER, dtype=object)
    t = peir.read_budget(frame)
    r = t.report
    assert r.rows_read == len(data) == r.rows_accepted + r.rows_rejected
    assert r.amount_read == pytest.approx(
        r.amount_accepted + r.amount_rejected, rel=1e-15, abs=1e-9
    )
    assert np.isfinite(t.frame["amount"]).all()


def test_report_lines_and_raise(tmp_path: Path) -> None:
    p = tmp_path / "b.csv"
    p.write_text("country,year,institution_code,phase,amount,currency\nSLV,2019,A,approved,x,USD\n")
    t = peir.read_budget(p)
    lines = t.report.lines()
    assert lines == ["b.csv:2: amount='x' error: amount 'x' is not a number [not_a_number]"]
    with pytest.raises(peir.SchemaValidationError, match="1 validation error") as info:
        t.report.raise_for_errors()
    assert info.value.report is t.report
    assert "<table" in t.report._repr_html_()


def test_closest() -> None:
    assert closest("homicide", ["homicides", "arrests"]) == ["homicides"]
    assert closest("Devengad", ["devengado", "vigente"])[0] == "devengado"


def _tables() -> dict[str, pd.DataFrame]:
    budget = pd.DataFrame(
        {
            "country": ["SLV", "SLV", "SLV"],
            "year": [2019, 2020, 2021],
            "institution_code": ["PNC", "FGR", "ZZZ"],
            "phase": ["executed"] * 3,
            "amount": [10.0, 20.0, 30.0],
            "currency": ["USD", "USD", "SVC"],
        }
    )
    context = pd.DataFrame(
        {
            "country": ["SLV", "SLV"],
            "year": [2019, 2020],
            "population": [6.3e6, 6.3e6],
            "currency": ["USD", "USD"],
        }
    )
    chain = pd.DataFrame(
        {
            "institution_code": ["PNC", "FGR"],
            "link": ["patrol", "investigation"],
            "share": [1.0, 1.0],
            "basis": ["x", "y"],
        }
    )
    caseload = pd.DataFrame(
        {"country": ["SLV"], "year": [2022], "measure": ["homicides"], "value": [1.0]}
    )
    return {"budget": budget, "context": context, "chain_map": chain, "caseload": caseload}


def test_cross_validate() -> None:
    ds = peir.Dataset(**_tables())
    rep = ds.validate()
    assert rep.ok  # cross-table problems are warnings
    codes = rep.issues_all().groupby("code")["message"].apply(list).to_dict()
    assert any("2021" in m for m in codes["missing_context"])
    assert any("caseload" in m and "2022" in m for m in codes["missing_context"])
    assert "ZZZ" in codes["unmapped_institution"][0]
    assert "SVC" in codes["currency_mismatch"][0]
    assert rep.rows_read == 3 + 2 + 2 + 1
    assert rep.amount_read == pytest.approx(60.0)
    assert cross_validate(ds.tables).issues.shape == rep.issues.shape
    # no context table at all: said once
    no_ctx = peir.Dataset(budget=_tables()["budget"]).validate()
    assert no_ctx.ok and no_ctx.issues["code"].tolist().count("no_context") == 1


def test_cross_validate_merges_table_errors() -> None:
    t = _tables()
    t["budget"].loc[0, "phase"] = "banana"
    rep = peir.Dataset(**t).validate()
    assert not rep.ok
    assert "unknown_phase" in set(rep.errors["code"])


def test_example_validates_cleanly() -> None:
    ds = peir.load_example("el_salvador")
    rep = ds.validate()
    assert rep.ok, rep


def test_table_checks_with_chunk_hints_equal_without() -> None:
    """The per-chunk sorted hints (32-bit candidates) give the same issues as the plain path,
    including 64-bit codes whose high halves collide."""
    from peir.pipeline.validate import ChunkKeys, TableKeys, _phase_flags, _repeats, table_checks

    rng = np.random.default_rng(5)
    n = 3000
    frame = pd.DataFrame(
        {
            "country": "SLV",
            "year": rng.integers(2015, 2020, n),
            "institution_code": pd.array([f"I{i}" for i in rng.integers(0, 12, n)], dtype="str"),
            "phase": pd.array(rng.choice(["approved", "modified", "executed"], n), dtype="str"),
            "amount": rng.uniform(1, 100, n).round(1),
        }
    )
    key = rng.integers(0, 400, n).astype(np.uint64) * np.uint64(2**32) + rng.integers(
        0, 3, n
    ).astype(np.uint64)
    line = key // np.uint64(2)
    flags = _phase_flags(frame["phase"].tolist())
    rows = np.arange(2, n + 2)
    row = key * np.uint64(1_000_003) + (frame["amount"].to_numpy() * 10).astype(
        np.uint64
    )  # key + amount
    whole = ChunkKeys(key, line, row, flags)
    plain, _ = table_checks("budget", frame, rows, TableKeys([(whole, None)]))
    parts = []
    for sl in np.array_split(np.arange(n), 7):
        mask = np.zeros(n, dtype=bool)
        mask[sl] = True
        part = whole.select(mask)
        parts.append((part, part.sorted()))
    hinted, _ = table_checks("budget", frame, rows, TableKeys(parts))
    a, b = plain.to_frame(rows, "x"), hinted.to_frame(rows, "x")
    pd.testing.assert_frame_equal(a, b)
    assert (a["code"] == "executed_above_modified").any() and (a["code"] == "duplicate_key").any()
    # reference: pandas groupby on the full 64-bit line codes
    g = pd.DataFrame({"line": line, "phase": frame["phase"], "amount": frame["amount"]})
    sums = g.pivot_table(
        index="line", columns="phase", values="amount", aggfunc="sum", fill_value=0.0
    )
    far = sums.index[(sums["modified"] > 0) & (sums["executed"] > 1.5 * sums["modified"])]
    expected = rows[(g["phase"] == "executed").to_numpy() & g["line"].isin(far).to_numpy()]
    assert sorted(a.loc[a["code"] == "executed_above_modified", "row"].tolist()) == sorted(
        expected.tolist()
    )
    # _repeats against pandas: which rows repeat a code, the first row of each, which are repeats
    pos, first, again = _repeats(key, rows)
    s = pd.Series(key)
    np.testing.assert_array_equal(pos, np.flatnonzero(s.duplicated(keep=False).to_numpy()))
    first_row = pd.Series(rows).groupby(s).transform("first").to_numpy()
    np.testing.assert_array_equal(first, first_row[pos])
    np.testing.assert_array_equal(again, s.duplicated(keep="first").to_numpy()[pos])
    # high halves that collide while the full codes differ: no repeat at all
    distinct = np.arange(50, dtype=np.uint64) + np.uint64(7 * 2**32)
    assert len(_repeats(distinct, np.arange(50))[0]) == 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=0, max_size=60),
    st.booleans(),
)
def test_repeats_equals_pandas_duplicated(pairs: list[tuple[int, int]], hinted: bool) -> None:
    """``_repeats`` against pandas' ``duplicated`` on codes drawn from four high halves and
    four low halves: many rows share a high half (a 32-bit candidate) with other full codes,
    some repeat the full code; with and without the pre-sorted high halves."""
    from peir.pipeline.validate import _high, _repeats

    codes = np.array([h * 2**32 + lo + 2**63 * (h % 2) for h, lo in pairs], dtype=np.uint64)
    rows = np.arange(len(codes), dtype=np.int64) * 3 + 7  # source rows: not the positions
    ordered = np.sort(_high(codes)) if hinted else None
    pos, first, again = _repeats(codes, rows, ordered)
    s = pd.Series(codes, dtype="uint64")
    np.testing.assert_array_equal(pos, np.flatnonzero(s.duplicated(keep=False).to_numpy()))
    first_row = pd.Series(rows).groupby(s.to_numpy()).transform("first").to_numpy()
    np.testing.assert_array_equal(first, first_row[pos] if len(rows) else first)
    np.testing.assert_array_equal(again, s.duplicated(keep="first").to_numpy()[pos])


def test_issue_vocabulary_and_the_docs_table_agree() -> None:
    """docs/reading.md's table is generated from IssueCode (``python -m peir.errors
    docs/reading.md``)."""
    from pathlib import Path

    from peir.errors import IssueCode, Severity, issue_codes_markdown

    text = (Path(__file__).resolve().parents[1] / "docs" / "reading.md").read_text(encoding="utf-8")
    assert issue_codes_markdown() in text
    for code in IssueCode:
        assert isinstance(code.severity, Severity) and code.meaning
    # every code the library emits is in the vocabulary: the ones used in the sources
    import re

    src = Path(__file__).resolve().parents[1] / "src" / "peir"
    used = set()
    for f in src.rglob("*.py"):
        used |= set(re.findall(r"IssueCode\.([A-Z_]+)", f.read_text(encoding="utf-8")))
    assert used <= {c.name for c in IssueCode}


def test_the_regional_population_note_gives_no_impossible_advice() -> None:
    """The note used to say "add a caseload measure 'population'", which the caseload reader
    rejects (not in the measure vocabulary)."""
    t = peir.read_caseload(
        pd.DataFrame(
            {
                "country": ["SLV"],
                "year": [2019],
                "region": ["R1"],
                "measure": ["population"],
                "value": [1e5],
            }
        )
    )
    assert t.report.errors["code"].tolist() == ["unknown_measure"]
    ds = peir.datasets.simulate(seed=1, n_regions=3, years=range(2019, 2021))
    out = peir.indicators.compute(ds.harmonize())
    notes = out["note"].dropna()
    regional = notes[notes.str.contains("regional population")]
    assert len(regional) > 0
    assert not regional.str.contains("caseload measure").any()
