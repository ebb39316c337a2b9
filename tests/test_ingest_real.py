"""Real files: the raw BJS Justice Expenditure and Employment Extracts tables (title lines,
multi-line headers, thousands of dollars, footnotes), read through a ReadSpec."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import peir
from conftest import require_shared

pytestmark = pytest.mark.shared
# every test reads the large real files: one skip without them
require_shared("real", "us_bjs_jeee")

RAW = Path("real/us_bjs_jeee/raw")

FUNCTIONS = {
    "Police protection total expenditure/a": "police protection",
    "Judicial and legal total expenditure/a": "judicial and legal",
    "Corrections total expenditure/a": "corrections",
}


def bjs_spec(year: int) -> peir.ReadSpec:
    return peir.ReadSpec(
        header_row=12,  # the header is on line 13, after the BJS title block
        skip_footer=2,  # "Note: ..." and "a/For each state ..."
        unit_multiplier=1000,  # thousands of dollars
        columns={"institution_code": "State and type of government"},
        melt={"program": FUNCTIONS},
        constants={"country": "USA", "year": year, "phase": "executed", "currency": "USD"},
    )


@pytest.mark.parametrize(
    ("folder", "name", "year"),
    [
        ("jeee14fu", "jeee14fut04.csv", 2014),
        ("jeee15fu", "jeee15fut04.csv", 2015),
        ("jeee16f", "jeee16t04.csv", 2016),
    ],
)
def test_bjs_expenditure_table(shared_data: Path, folder: str, name: str, year: int) -> None:
    path = shared_data / RAW / folder / name
    t = peir.read_budget(path, bjs_spec(year))
    r = t.report
    assert r.ok, r
    # 5 US summary lines + 51 units x 5 lines (total, state, local, counties, municipalities)
    # = 258 source lines, minus header/title/footer; 3 functions each
    n_lines = len(t.frame) // 3
    assert len(t.frame) == 3 * n_lines
    assert r.rows_read == r.rows_accepted + r.rows_rejected
    assert r.amount_read == r.amount_accepted + r.amount_rejected
    assert "Note: Local government data" not in set(t.frame["institution_code"])
    f = t.frame.set_index(["institution_code", "program"])["amount"]
    # cross-check against the tidy extract built from the same tables (exp_*_k columns)
    tidy = pd.read_csv(shared_data / "real/us_bjs_jeee/us_jeee_state_2013_2016.csv")
    al = tidy[(tidy["state"] == "Alabama") & (tidy["year"] == year)].iloc[0]
    assert f[("Alabama - Total", "police protection")] == pytest.approx(al["exp_police_k"] * 1000)
    assert f[("Alabama - Total", "judicial and legal")] == pytest.approx(
        al["exp_judicial_legal_k"] * 1000
    )
    assert f[("Alabama - Total", "corrections")] == pytest.approx(al["exp_corrections_k"] * 1000)
    # row numbers are the lines of the file: the first data line follows the header on line 13
    first = t.frame["source_ref"].iloc[0]
    assert first == f"{name}:14"
    text = path.read_text(encoding="utf-8-sig").splitlines()
    line = int(
        t.frame[t.frame["institution_code"] == "Alabama - Total"]["source_ref"]
        .iloc[0]
        .split(":")[1]
    )
    assert text[line - 1].startswith("Alabama - Total")


def test_bjs_2013_three_line_header(shared_data: Path) -> None:
    path = shared_data / RAW / "jeee13f" / "jeee13t04.csv"
    spec = peir.ReadSpec(
        header_row=12,
        header_rows=3,
        skip_footer=2,
        unit_multiplier=1000,
        columns={"institution_code": "State and type of government"},
        melt={
            "program": {
                "Police protection Total/a": "police protection",
                "Corrections Total/a": "corrections",
            }
        },
        constants={"country": "USA", "year": 2013, "phase": "executed", "currency": "USD"},
    )
    t = peir.read_budget(path, spec)
    assert t.report.ok, t.report
    f = t.frame
    al = f[(f["institution_code"] == "Alabama") & (f["program"] == "police protection")]
    assert al["amount"].tolist() == [1185370 * 1000]
    line = int(al["source_ref"].iloc[0].split(":")[1])
    assert path.read_text(encoding="utf-8-sig").splitlines()[line - 1].startswith("Alabama,2292859")


def test_bjs_employment_as_caseload(shared_data: Path) -> None:
    """Table 5 (employment): police full-time equivalent staff as a caseload measure."""
    path = shared_data / RAW / "jeee16f" / "jeee16t05.csv"
    spec = peir.ReadSpec(
        header_row=11,
        skip_footer=2,
        columns={
            "region": "State and type of government",
            "value": "Police protection number of full-time equivalent employees",
        },
        constants={
            "country": "USA",
            "year": 2016,
            "measure": "police_officers",
            "source": "BJS JEEE 2016 t05",
        },
        exclude={"region": "^U\\.S\\."},
    )
    t = peir.read_caseload(path, spec)
    r = t.report
    assert r.ok, r
    assert (t.frame["link"] == "patrol").all() and (t.frame["unit"] == "staff").all()
    assert r.rows_read == r.rows_accepted + r.rows_rejected
    assert r.rows_rejected == 5  # the five U.S. summary lines, set aside as info
    assert set(t.report.issues["code"]) == {"excluded"}


def test_bjs_file_without_spec_reports_instead_of_raising(shared_data: Path) -> None:
    """Read with no spec at all: the title line becomes the header, nothing raises, and the
    report says which required columns are missing (and that the lines do not fit the
    one-field "header")."""
    t = peir.read_budget(shared_data / RAW / "jeee16f" / "jeee16t04.csv")
    assert not t.report.ok
    assert set(t.report.issues["code"]) == {"missing_column", "malformed_row"}
    assert t.report.rows_read == t.report.rows_rejected > 0
