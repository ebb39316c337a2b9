"""The embedded examples rebuilt from ../shared, compared with the raw files to the cent.

``scripts/build_examples.py`` reads every Ministerio de Hacienda / FUNDE file and the BOOST file
through ``peir.read_budget`` with the specs in ``specs/``. Here the raw files are summed again
*without peir* (the csv module and openpyxl), and the rebuilt example's totals by institution,
year and phase must equal them to the cent; the rebuilt files must equal the shipped ones byte
for byte. Skipped without ../shared (fixture ``shared_data``).
"""

from __future__ import annotations

import csv
import math
import subprocess
import sys
from importlib import resources
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import peir
from conftest import require_shared
from peir.schema import C
from test_examples import UNUSED_BY_BUILD

# every test here re-reads the ministry's files (the example's own files are checked, without
# them, in test_examples.py)
require_shared("real", "sv_mh_presupuesto_funde")

pytestmark = [pytest.mark.shared, pytest.mark.slow, pytest.mark.xdist_group("examples_rebuild")]

ROOT = Path(__file__).resolve().parents[1]
SV = "sv_mh_presupuesto_funde"
SECTOR = {"1500", "1600", "1700", "1800", "2400"}
FILES = ("budget.csv", "caseload.csv", "context.csv", "chain_map.csv", "SOURCES.md", "example.yaml")
#: Budget-law and proposal workbooks: (year, phase, file, sheet, institution column, amount column).
WORKBOOKS = (
    (2018, "approved", "raw/2018_approved.xlsx", "EGRESOS", "INSTITUCION", "MONTO VOTADO"),
    (
        2019,
        "approved",
        "raw/2019_approved.xlsx",
        "PROYECTO PTO. 2019",
        "INSTITUCION",
        "MONTO PROYECTO",
    ),
    (2020, "approved", "raw/2020_approved.xlsx", "2020", "INSTITUCION", "MONTO VOTADO"),
    (2017, "proposed", "raw/2017_proposed.xlsx", "Base Gastos 2017", "institucion", "monto_recome"),
)


def _code(v: object) -> str:
    s = str(v).strip()
    return (s[:-2] if s.endswith(".0") else s).zfill(4)


@pytest.fixture(scope="module")
def rebuilt(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("examples")
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "build_examples.py"),
            "--data",
            str(shared_data),
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return out


def _raw_sv_totals(shared_data: Path) -> dict[tuple[str, int, str], float]:
    """Totals of the raw files, summed without peir, for the years and phases the example
    takes from each: the ramo file (approved to 2017, modified and executed 2008-2020), the
    budget-law workbooks (approved 2018-2020) and the 2017 proposal."""
    d = shared_data / "real" / SV
    parts: dict[tuple[str, int, str], list[float]] = {}
    with open(d / "modificaciones_ramo_2007_2021.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            year, code = int(r["year"]), r["office"]
            if code not in SECTOR or not 2008 <= year <= 2020:
                continue
            for phase, col in (
                ("approved", "approved"),
                ("modified", "modified"),
                ("executed", "accrued"),
            ):
                if phase == "approved" and year >= 2018:
                    continue
                parts.setdefault((code, year, phase), []).append(float(r[col]))
    for year, phase, rel, sheet, inst, amount in WORKBOOKS:
        wb = openpyxl.load_workbook(d / rel, read_only=True, data_only=True)
        rows = wb[sheet].iter_rows(values_only=True)
        head = list(next(rows))
        i, a = head.index(inst), head.index(amount)
        for row in rows:
            if row[i] is None or row[a] is None:
                continue
            code = _code(row[i])
            if code in SECTOR:
                parts.setdefault((code, year, phase), []).append(float(row[a]))
        wb.close()
    return {k: math.fsum(v) for k, v in parts.items()}


def _example_totals(folder: Path) -> pd.Series:
    b = pd.read_csv(folder / "budget.csv", dtype={C.INSTITUTION_CODE: str, C.PROGRAM: str})
    return b.groupby([C.INSTITUTION_CODE, C.YEAR, C.PHASE])[C.AMOUNT].apply(math.fsum)


def test_rebuilt_el_salvador_equals_raw_files_to_the_cent(rebuilt: Path, shared_data: Path) -> None:
    raw = _raw_sv_totals(shared_data)
    got = _example_totals(rebuilt / "el_salvador")
    assert set(got.index) == set(raw)
    off = {k: got[k] - v for k, v in raw.items() if abs(got[k] - v) >= 0.005}
    assert not off, off
    # per institution: executed and modified 2008-2020, approved 2008-2020, proposed 2017
    assert len(raw) == 5 * (13 * 2 + 13 + 1)


def test_rebuilt_central_america_equals_boost_to_the_cent(rebuilt: Path, shared_data: Path) -> None:
    keep = {"SLV", "CRI", "GTM", "HND", "PAN"}
    raw: dict[tuple[str, int, str], list[float]] = {}
    with open(
        shared_data / "real" / "wb_boost_cross_country_judiciary" / "budget_execution.csv",
        newline="",
        encoding="utf-8",
    ) as fh:
        for r in csv.DictReader(fh):
            if r["country_code"] in keep and r["budget_line"] == "Spending in judiciary":
                for phase in ("approved", "executed"):
                    raw.setdefault((r["country_code"], int(float(r["year"])), phase), []).append(
                        float(r[f"{phase}_value"])
                    )
    b = pd.read_csv(rebuilt / "central_america" / "budget.csv")
    got = b.groupby([C.COUNTRY, C.YEAR, C.PHASE])[C.AMOUNT].apply(math.fsum)
    assert set(got.index) == set(raw)
    for k, v in raw.items():
        # wages and non-wage lines are each rounded to the cent: their sum within 1 cent
        assert len(v) == 1 and got[k] == pytest.approx(v[0], abs=0.011), k


def test_rebuild_reproduces_shipped_files(rebuilt: Path) -> None:
    root = resources.files("peir").joinpath("data", "examples")
    for name in ("el_salvador", "central_america"):
        for f in FILES:
            built = (rebuilt / name / f).read_text("utf-8")
            assert built == root.joinpath(name, f).read_text("utf-8"), (name, f)


def test_the_two_cuts_agree_on_2018(shared_data: Path) -> None:
    """FUNDE's institution file and the ramo file agree to the cent in 2018 and differ for MJSP
    in 2012-2017 (the institution file's wider cut), which is why the example keeps one of
    them; both read through peir with the shipped specs."""
    d = shared_data / "real" / SV
    spec = ROOT / "specs" / SV
    inst = peir.read_budget(
        d / "budget_by_institution_2012_2020.csv", spec / "budget_by_institution_2012_2020.yaml"
    )
    ramo = peir.read_budget(
        d / "modificaciones_ramo_2007_2021.csv", spec / "modificaciones_ramo_2007_2021.yaml"
    )
    for t in (inst, ramo):
        assert t.report.rows_rejected == 0
    key = [C.INSTITUTION_CODE, C.YEAR, C.PHASE]
    a = inst.frame.groupby(key)[C.AMOUNT].sum()
    b = ramo.frame.groupby(key)[C.AMOUNT].sum()
    for code in SECTOR:
        for phase in ("approved", "modified", "executed"):
            assert a[(code, 2018, phase)] == pytest.approx(b[(code, 2018, phase)], abs=0.005)
    gap = a[("2400", 2017, "approved")] - b[("2400", 2017, "approved")]
    assert gap == pytest.approx(73_234_547.54, abs=0.01)


@pytest.mark.parametrize("spec_name", UNUSED_BY_BUILD)
def test_shipped_spec_reads_its_file(shared_data: Path, spec_name: str) -> None:
    """Each spec reads its file with no error except the rows the spec's comments name."""
    files = {
        "2017_proposed_line": "raw/2017_proposed.xlsx",
        "modificaciones_ramo_2007_2021": "modificaciones_ramo_2007_2021.csv",
        "budget_by_institution_2012_2020": "budget_by_institution_2012_2020.csv",
        "ppto2021_comparative_2020_2021": "ppto2021_comparative_2020_2021.csv",
    }
    rel = files.get(spec_name, f"raw/{spec_name}.xlsx")
    t = peir.read_budget(shared_data / "real" / SV / rel, ROOT / "specs" / SV / f"{spec_name}.yaml")
    rep = t.report
    assert rep.amount_read == pytest.approx(rep.amount_accepted + rep.amount_rejected, abs=0.005)
    # 2020: the Organismo de Inteligencia del Estado lines (no amount) and, in the proposal, the
    # closing LAIP note; nothing else is rejected
    expected_rejected = {"2020_approved": 20, "2020_proposed": 20}.get(spec_name, 0)
    assert rep.rows_rejected == expected_rejected, rep
    assert len(t.frame) > 0
