"""A regional brief from the US states' BJS JEEE spending and FBI UCR crime (tests/us_states.py):
the section "Regions" shows every state's spending per capita and rates, checked against the
source files summed here without peir (spending ÷ UCR population; the UCR's own published
rates per 100,000)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from conftest import require_shared
from peir.report import make_brief, t
from peir.report.render import to_markdown
from peir.report.sections import section_number
from us_states import us_states_dataset

require_shared("real", "us_bjs_jeee")
require_shared("real", "us_states_ucr_crimes")

pytestmark = [pytest.mark.shared, pytest.mark.xdist_group("report")]


@pytest.fixture(scope="module")
def us(shared_data: Path) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = us_states_dataset(shared_data).harmonize(base_year=2016)
        brief = make_brief(h, lang="en", country="USA")
    jeee = pd.read_csv(shared_data / "real" / "us_bjs_jeee" / "us_jeee_state_2013_2016.csv")
    ucr = pd.read_csv(
        shared_data / "real" / "us_states_ucr_crimes" / "crime_rates_1985_2017_ucr_us_states.csv"
    )
    src = jeee.merge(ucr, on=["state", "year"])
    src = src[src["year"] == 2016].set_index("state")
    return {"md": to_markdown(brief), "src": src, "brief": brief}


def _regions(md: str) -> str:
    n = section_number("sec.regions")
    return md[md.index(f"\n## {n}. ") : md.index(f"\n## {n + 1}. ")]


def _f(v: float, d: int) -> str:
    return f"{v:,.{d}f}"


def test_every_state_has_its_row_with_the_source_figures(us: dict[str, Any]) -> None:
    part = _regions(us["md"])
    src = us["src"]
    assert len(src) == 51
    for state, r in src.iterrows():
        spending = (r["exp_police_k"] + r["exp_judicial_legal_k"] + r["exp_corrections_k"]) * 1000
        per_capita = spending / r["population"]
        crime = r["violent.crime.rate"] + r["property.crime.rate"]  # the UCR's published rates
        homicide = r["murder.and.nonnegligent.manslaughter.rate"]
        staff = (
            (r["emp_police"] + r["emp_judicial_legal"] + r["emp_corrections"])
            / r["population"]
            * 1e5
        )
        row = (
            f"| {state} | {_f(per_capita, 2)} | {_f(crime, 1)} | {_f(homicide, 1)} "
            f"| {_f(staff, 1)} |"
        )
        assert row in part, row
    assert "| Alabama | 489.33 | 3,479.8 | 8.4 |" in part  # 2016, literal


def test_dispersion_and_correlation_by_hand(us: dict[str, Any]) -> None:
    part = _regions(us["md"])
    src = us["src"]
    pc = (
        (src["exp_police_k"] + src["exp_judicial_legal_k"] + src["exp_corrections_k"])
        * 1000
        / src["population"]
    )
    crime = (src["violent.crime.total"] + src["property.crime.total"]) / src["population"] * 1e5
    cv = pc.std(ddof=0) / pc.mean() * 100
    r = np.corrcoef(pc, crime)[0, 1]
    assert f"The coefficient of variation across regions is {_f(cv, 1)}%." in part
    assert f"correlate at r = {_f(r, 2)} in 2016" in part
    assert f"| 2016 | {_f(cv, 1)} | {_f(pc.max() / pc.min(), 2)} | {_f(r, 2)} |" in part
    top, low = pc.idxmax(), pc.idxmin()
    assert (
        f"Across 51 regions in 2016, spending per inhabitant ranges from {_f(pc.min(), 0)} ({low}) "
        f"to {_f(pc.max(), 0)} ({top})."
    ) in part


def test_the_regional_charts_are_drawn(us: dict[str, Any]) -> None:
    keys = [f.key for f in us["brief"].figures]
    assert "regions" in keys and "spending_crime" in keys
    assert t("fig.regions", "en", year=2016) in us["md"]


def test_no_floor_sub_section_where_no_floor_applies(us: dict[str, Any]) -> None:
    """The US has no declared floor: one note, not a sub-section that only reports a gap."""
    md = us["md"]
    assert "### Legal spending floors" not in md
    assert "United States: no legal spending floor is declared (rules: in peir.yaml)" in md
    assert "the legal spending floors that apply" not in md  # no data request for it either
