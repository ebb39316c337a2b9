"""peir.costs.cost_of_crime: the IDB accounting method checked by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import peir
from outlook_data import harmonized, line, measure
from peir.costs import cost_of_crime, lost_income_factor, victims_lost_income
from peir.errors import InputError, PeirError


def dataset(prisoners: bool = True) -> peir.HarmonizedDataset:
    """Patrol 300,000 and corrections 100,000 executed in 2020; GDP 10 million; 7 homicides."""
    caseload = [measure(2020, "homicides", 7.0, "IML")]
    if prisoners:
        caseload.append(measure(2020, "prisoners_total", 50.0, "DGCP"))
    return harmonized(
        [line(2020, "PNC", "", 300_000.0), line(2020, "DGCP", "", 100_000.0)],
        {2020: 10_000_000.0},
        caseload,
    )


# three victims' ages: two aged 25, one aged 40, three aged 70 (past retirement), one of unknown age
VICTIMS = pd.DataFrame({"age": [25, 40, 70, None], "count": [2, 1, 3, 1]})


def test_victims_lost_income_by_hand_without_discounting() -> None:
    # r = g = 0: each victim loses (65 - age) years of earnings x employment rate
    # 2 x 40 + 1 x 25 + 3 x 0 = 105 years x 5,000 x 0.8 = 420,000
    d = victims_lost_income(
        VICTIMS, 5_000, employment_rate=0.8, discount_rate=0.0, earnings_growth=0.0
    )
    assert d["years_lost"].tolist() == [40, 25, 0]
    assert d["value"].tolist() == pytest.approx([2 * 40 * 4_000, 25 * 4_000, 0.0])
    assert d["value"].sum() == pytest.approx(420_000.0)


def test_cost_of_crime_by_hand() -> None:
    q = 1.01 / 1.03  # (1 + g) / (1 + r)
    f40 = sum(q**t for t in range(1, 41))  # age 25: t = 1..40  -> 27.450721
    f25 = sum(q**t for t in range(1, 26))  # age 40: t = 1..25  -> 19.568919
    assert f40 == pytest.approx(27.450721, abs=1e-6) and f25 == pytest.approx(19.568919, abs=1e-6)
    victims_value = 5_000 * 0.8 * (2 * f40 + 1 * f25)  # 297,881.44
    c = cost_of_crime(
        dataset(),
        country="SLV",
        year=2020,
        victims=VICTIMS,
        earnings=5_000,
        employment_rate=0.8,
        earnings_growth=0.01,
        discount_rate=0.03,
        retirement_age=65,
        private_security=(1_000_000.0, "press report (test)"),
        other={"health care of victims": 20_000.0},
        sources={"victims": "IML table (test)", "earnings": "household survey (test)"},
    )
    t = c.table.set_index("component")
    assert list(c.table.columns) == ["component", "label", "value", "pct_gdp", "source"]
    assert t.loc["public_patrol", "value"] == 300_000.0
    assert t.loc["public_corrections", "value"] == 100_000.0
    assert t.loc["victims_lost_income", "value"] == pytest.approx(victims_value, rel=1e-12)
    assert t.loc["victims_lost_income", "value"] == pytest.approx(297_881.44, abs=0.01)
    assert t.loc["prisoners_lost_income", "value"] == pytest.approx(50 * 5_000 * 0.8)  # 200,000
    assert t.loc["private_security", "value"] == 1_000_000.0
    assert t.loc["private_security", "source"] == "press report (test)"
    assert t.loc["other", "label"] == "health care of victims"
    total = 300_000 + 100_000 + victims_value + 200_000 + 1_000_000 + 20_000
    assert c.total == pytest.approx(total, rel=1e-12)
    assert c.pct_gdp == pytest.approx(total / 10_000_000 * 100, rel=1e-12)  # 18.18 %
    assert t["pct_gdp"].sum() == pytest.approx(c.pct_gdp, rel=1e-12)
    assert (
        "caseload prisoners_total 2020 (DGCP; caseload.csv:prisoners_total2020)"
        in t.loc["prisoners_lost_income", "source"]
    )
    assert "IML table (test)" in t.loc["victims_lost_income", "source"]
    assert any(
        "victims given: 7 (of whom 1 of unknown age" in n and "homicides 2020: 7" in n
        for n in c.notes
    )
    assert any("3 victims aged 65 or more" in n for n in c.notes)
    groups = c.by_group()
    assert groups["public spending"] == 400_000.0 and groups["lost income"] == pytest.approx(
        victims_value + 200_000
    )


def test_closed_form_factor_equals_the_sum() -> None:
    for r, g in ((0.03, 0.0), (0.05, 0.02), (0.0, 0.0), (0.02, 0.02)):
        q = (1 + g) / (1 + r)
        f = lost_income_factor([0, 30, 64, 65, 90], discount_rate=r, earnings_growth=g)
        assert f.tolist() == pytest.approx(
            [sum(q**t for t in range(1, 66 - a)) for a in (0, 30, 64, 65, 90)]
        )


def test_prisoners_and_spending_must_exist() -> None:
    with pytest.raises(PeirError, match="no prisoners_total for SLV 2020; give prisoners="):
        cost_of_crime(
            dataset(prisoners=False), country="SLV", year=2020, victims=VICTIMS, earnings=1.0
        )
    c = cost_of_crime(
        dataset(prisoners=False),
        country="SLV",
        year=2020,
        victims=VICTIMS,
        earnings=1.0,
        prisoners=10,
        sources={"prisoners": "DGCP yearbook (test)"},
    )
    assert c.table.set_index("component").loc["prisoners_lost_income", "value"] == 10.0
    assert any("private security not given" in n for n in c.notes)
    with pytest.raises(PeirError, match="no executed spending in 2019"):
        cost_of_crime(dataset(), country="SLV", year=2019, victims=VICTIMS, earnings=1.0)


@pytest.mark.parametrize(
    ("victims", "message"),
    [
        (pd.DataFrame({"age": [20.5], "count": [1]}), "row 0: age 20.5 is not a whole number"),
        (pd.DataFrame({"age": [20], "count": [-1]}), "row 0: count -1 is not a number >= 0"),
        (pd.DataFrame({"edad": [20], "count": [1]}), "lacks column"),
    ],
)
def test_unusable_victims_are_refused(victims: pd.DataFrame, message: str) -> None:
    with pytest.raises(InputError, match=message):
        cost_of_crime(dataset(), country="SLV", year=2020, victims=victims, earnings=1.0)


def test_summary_and_plot_show_the_table() -> None:
    c = cost_of_crime(
        dataset(),
        country="SLV",
        year=2020,
        victims=VICTIMS,
        earnings=5_000,
        private_security=1_000_000.0,
    )
    text = str(c)
    assert "Cost of crime" in text and "Jaitman" in text and "% of GDP" in text
    assert "<li>private_security: given by the user" in c._repr_html_()
    ax = c.plot().axes[0]
    widths = [r.get_width() for r in ax.patches]
    assert widths == pytest.approx(c.table["pct_gdp"].iloc[::-1].tolist(), rel=1e-12)
    assert np.isclose(sum(widths), c.pct_gdp)


# ------------------------------------------------------------ peir.yaml: the cost_of_crime block


def test_cost_of_crime_block_reads_victims_from_a_file(tmp_path: pytest.TempPathFactory) -> None:
    from peir.config import ProjectConfig

    folder = Path(str(tmp_path))
    (folder / "victims.csv").write_text("age,count\n25,2\n40,1\n70,3\n", encoding="utf-8")
    cfg = ProjectConfig.from_dict(
        {
            "cost_of_crime": {
                "year": 2020,
                "victims": "victims.csv",
                "victims_source": "IML (test)",
                "earnings": 5_000,
                "earnings_source": "survey (test)",
                "discount_rate": 0.0,
                "private_security": {"amount": 1_000.0, "source": "press (test)"},
            }
        },
        base_dir=folder,
    )
    assert cfg.cost_of_crime is not None
    c = cfg.cost_of_crime.run(dataset(), country="SLV", base_dir=cfg.base_dir)
    t = c.table.set_index("component")
    # r = g = 0: (2 x 40 + 25) years x 5,000 = 525,000
    assert t.loc["victims_lost_income", "value"] == pytest.approx(525_000.0)
    assert "IML (test)" in t.loc["victims_lost_income", "source"]
    assert t.loc["private_security", "value"] == 1_000.0


def test_cost_of_crime_block_needs_sources_and_can_use_the_gdp_proxy() -> None:
    from peir.config import ProjectConfig

    with pytest.raises(peir.SpecError, match="give earnings_source"):
        ProjectConfig.from_dict(
            {"cost_of_crime": {"year": 2020, "victims": [], "victims_source": "x", "earnings": 1.0}}
        )
    h = dataset()
    h = peir.HarmonizedDataset(
        spending=h.spending,
        caseload=h.caseload,
        context=h.context.assign(population=1_000.0),
        currency="USD",
    )
    cfg = ProjectConfig.from_dict(
        {
            "cost_of_crime": {
                "year": 2020,
                "victims": [{"age": 64, "count": 1}],
                "victims_source": "x",
                "earnings": "gdp_per_capita",
                "discount_rate": 0.0,
            }
        }
    )
    assert cfg.cost_of_crime is not None
    c = cfg.cost_of_crime.run(h, country="SLV")
    # GDP 10,000,000 / 1,000 inhabitants = 10,000 a year; one victim aged 64 loses 1 year
    assert c.table.set_index("component").loc["victims_lost_income", "value"] == pytest.approx(
        10_000.0
    )
    assert c.parameters["earnings_source"].startswith("proxy: GDP per inhabitant 2020")
