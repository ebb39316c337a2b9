"""Results matrix: typed rows, templates with computed baselines, Excel/HTML, progress."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from peir.allocation import ResultsMatrix, ResultsRow
from peir.chain import MEASURES
from peir.dataset import HarmonizedDataset
from peir.schema import C


def make_h(year: int, resolved: float, prisoners: float) -> HarmonizedDataset:
    links = ["prevention", "patrol", "investigation", "judicial", "corrections"]
    sp = pd.DataFrame(
        {
            C.COUNTRY: "XXX",
            C.YEAR: year,
            C.PHASE: "executed",
            C.LINK: links,
            C.INSTITUTION_CODE: [k[:3].upper() for k in links],
            C.INSTITUTION: links,
            C.ECON: "21",
            C.AMOUNT: [10.0, 100.0, 40.0, 60.0, 50.0],
        }
    )
    sp[C.AMOUNT_REAL] = sp[C.AMOUNT]
    sp[C.AMOUNT_LCU] = sp[C.AMOUNT]
    vals = {
        "homicides": 1200.0,
        "crimes_recorded": 50_000.0,
        "cases_received": 20_000.0,
        "indictments": 8_000.0,
        "cases_incoming": 9_000.0,
        "cases_resolved": resolved,
        "prison_capacity": 10_000.0,
        "prisoners_total": prisoners,
    }
    cl = pd.DataFrame({C.MEASURE: list(vals), C.VALUE: list(vals.values())})
    cl[C.COUNTRY] = "XXX"
    cl[C.YEAR] = year
    cl[C.REGION] = None
    cl[C.LINK] = [MEASURES[m].link.value for m in cl[C.MEASURE]]
    cl[C.UNIT] = [MEASURES[m].unit for m in cl[C.MEASURE]]
    cl[C.KIND] = [MEASURES[m].kind for m in cl[C.MEASURE]]
    cl[C.SOURCE] = "test"
    ctx = pd.DataFrame({C.COUNTRY: ["XXX"], C.YEAR: [year], C.POPULATION: [6e6]})
    return HarmonizedDataset(spending=sp, caseload=cl, context=ctx, currency="USD")


def _has_indicators() -> bool:
    try:
        from peir.indicators import catalog, compute  # noqa: F401
    except ImportError:
        return False
    return True


def test_rows_are_typed() -> None:
    row = ResultsRow(link="Justicia", indicator="clearance_rate", baseline=80.0, target=100.0)
    assert row.link == "judicial"
    with pytest.raises(ValidationError, match="unknown link"):
        ResultsRow(link="army", indicator="clearance_rate")
    assert (
        ResultsRow(link="judicial", indicator="clearance_rate", baseline=math.nan).baseline is None
    )


@pytest.mark.skipif(not _has_indicators(), reason="peir.indicators not available")
def test_unknown_indicator_rejected() -> None:
    with pytest.raises(ValidationError, match="unknown indicator"):
        ResultsMatrix(rows=[ResultsRow(link="judicial", indicator="no_such_indicator")])


@pytest.mark.skipif(not _has_indicators(), reason="peir.indicators not available")
def test_template_progress_excel_html(tmp_path: Path) -> None:
    h0 = make_h(2020, resolved=7_500.0, prisoners=25_000.0)
    rm = ResultsMatrix.template(h0, country="XXX", year=2020)
    tab = rm.to_frame().set_index("link")
    assert tab.loc["judicial", "indicator"] == "clearance_rate"
    assert tab.loc["judicial", "baseline"] == pytest.approx(100 * 7_500 / 9_000)
    assert tab.loc["corrections", "indicator"] == "occupancy_rate"
    assert tab.loc["corrections", "baseline"] == pytest.approx(250.0)
    # the working group fills in the commitments
    for r in rm.rows:
        if r.link == "judicial":
            r.issue, r.action, r.institution = "Backlog grows", "Mobile courts", "Órgano Judicial"
            r.target, r.target_year = 100.0, 2024
        if r.link == "corrections":
            r.target, r.target_year = 150.0, 2024
    h1 = make_h(2022, resolved=8_500.0, prisoners=20_000.0)
    prog = rm.progress(h1).set_index("link")
    # clearance 83.3 -> 94.4, target 100: two thirds of the way
    assert prog.loc["judicial", "latest"] == pytest.approx(100 * 8_500 / 9_000)
    assert prog.loc["judicial", "latest_year"] == 2022
    assert prog.loc["judicial", "progress_pct"] == pytest.approx(
        100 * (8_500 / 9_000 - 7_500 / 9_000) / (1 - 7_500 / 9_000)
    )
    assert prog.loc["judicial", "status"] == "on track"
    # occupancy 250 -> 200 with target 150: half way down
    assert prog.loc["corrections", "progress_pct"] == pytest.approx(50.0)
    assert prog.loc["patrol", "status"] == "no data"  # no target set
    # values given directly
    prog2 = rm.progress(values={"clearance_rate": 100.0}, year=2023).set_index("link")
    assert prog2.loc["judicial", "status"] == "achieved"
    # Excel round trip and HTML
    path = rm.to_excel(tmp_path / "rm.xlsx", progress=prog.reset_index())
    back = ResultsMatrix.read_excel(path)
    assert back.to_frame().set_index("link").loc["judicial", "institution"] == "Órgano Judicial"
    assert back.country == "XXX" and len(back) == len(rm)
    html = rm.to_html()
    assert "<table" in html and "clearance_rate" in html and "Órgano Judicial" in html
    one = ResultsMatrix.template(h0, country="XXX", year=2020, link="judicial")
    assert [r.link for r in one.rows] == ["judicial"]


def test_progress_needs_data() -> None:
    rm = ResultsMatrix(country="XXX")
    rm.add(
        link="judicial", indicator="clearance_rate", baseline=80.0, target=90.0, target_year=2024
    )
    with pytest.raises(ValueError, match="newer data"):
        rm.progress()
    prog = rm.progress(values=lambda ind, link: 85.0)
    assert prog["progress_pct"].iloc[0] == pytest.approx(50.0)
    assert prog["status"].iloc[0] == "on track"
    prog = rm.progress(values={"clearance_rate": 75.0})
    assert prog["status"].iloc[0] == "wrong direction"
