"""peir.outlook: projections checked by hand, refusals of unsound bases, needs from caseload."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import peir
from outlook_data import CHAIN_MAP, harmonized, line
from peir import Dataset
from peir.errors import InputError, MissingContextError, PeirError
from peir.outlook import (
    NewCapacity,
    base_spending,
    compare,
    from_history,
    judges_needed,
    prison_places_needed,
    project,
    prosecutors_needed,
)

# Two links (patrol: PNC; corrections: DGCP), base 2020.
TWO_LINKS = [
    line(2020, "PNC", "21", 100.0),  # patrol compensation
    line(2020, "PNC", "22", 50.0),  # patrol goods and services
    line(2020, "DGCP", "21", 40.0),  # corrections compensation
    line(2020, "DGCP", "31", 10.0),  # corrections capital
]


@pytest.fixture(scope="module")
def two_links() -> peir.HarmonizedDataset:
    return harmonized(TWO_LINKS, {2020: 25_000.0})


def test_three_year_projection_by_hand(two_links: peir.HarmonizedDataset) -> None:
    p = project(
        two_links,
        country="SLV",
        base_year=2020,
        horizon=3,
        inflation={2021: 0.10, 2022: 0.05, 2023: 0.02},
        real_wage_growth=0.01,
        headcount_growth={"patrol": 0.02, "corrections": {2021: 0.0, 2022: 0.10, 2023: 0.0}},
        gdp_real_growth=0.03,
        new_capacity=[
            NewCapacity(
                "corrections",
                2022,
                units=100,
                recurrent_cost_per_unit=0.1,
                name="100 prison places",
            )
        ],
        ceiling_pct_gdp=1.0,
    )
    t = p.table.set_index(["year", "link", "econ_gfs"])["amount"]
    # patrol compensation: W_t = W_{t-1} (1 + π_t)(1 + w)(1 + n_patrol)
    w21 = 100 * 1.10 * 1.01 * 1.02
    w22 = w21 * 1.05 * 1.01 * 1.02
    w23 = w22 * 1.02 * 1.01 * 1.02
    assert [t[(y, "patrol", "21")] for y in (2021, 2022, 2023)] == pytest.approx(
        [w21, w22, w23], rel=1e-12
    )
    # patrol goods and services: prices only
    assert [t[(y, "patrol", "22")] for y in (2021, 2022, 2023)] == pytest.approx(
        [50 * 1.10, 50 * 1.10 * 1.05, 50 * 1.10 * 1.05 * 1.02], rel=1e-12
    )
    # corrections compensation: headcount +10 % in 2022 only
    c21 = 40 * 1.10 * 1.01 * 1.00
    c22 = c21 * 1.05 * 1.01 * 1.10
    c23 = c22 * 1.02 * 1.01 * 1.00
    assert [t[(y, "corrections", "21")] for y in (2021, 2022, 2023)] == pytest.approx(
        [c21, c22, c23], rel=1e-12
    )
    # corrections capital: flat in real terms
    assert [t[(y, "corrections", "31")] for y in (2021, 2022, 2023)] == pytest.approx(
        [10 * 1.10, 10 * 1.155, 10 * 1.1781], rel=1e-12
    )
    # new capacity: 100 places x 0.1 at 2020 prices, from 2022, on corrections goods and services
    assert [t[(y, "corrections", "22")] for y in (2020, 2021, 2022, 2023)] == pytest.approx(
        [0.0, 0.0, 100 * 0.1 * 1.155, 100 * 0.1 * 1.1781], rel=1e-12
    )
    # envelope: GDP_t = GDP_{t-1}(1 + g)(1 + π_t); ceiling 1 % of GDP; gap = total - ceiling
    env = p.envelope.set_index("year")
    gdp = [
        25_000.0,
        25_000 * 1.03 * 1.10,
        25_000 * 1.03 * 1.10 * 1.03 * 1.05,
        25_000 * 1.03 * 1.10 * 1.03 * 1.05 * 1.03 * 1.02,
    ]
    totals = [
        200.0,
        w21 + 55.0 + c21 + 11.0,
        w22 + 57.75 + c22 + 11.55 + 11.55,
        w23 + 58.905 + c23 + 11.781 + 11.781,
    ]
    assert env["gdp"].tolist() == pytest.approx(gdp, rel=1e-12)
    assert env["total"].tolist() == pytest.approx(totals, rel=1e-12)
    assert env["pct_gdp"].tolist() == pytest.approx(
        [t_ / g_ * 100 for t_, g_ in zip(totals, gdp)], rel=1e-12
    )
    assert env["ceiling"].tolist() == pytest.approx([g_ / 100 for g_ in gdp], rel=1e-12)
    assert env["gap"].tolist() == pytest.approx(
        [t_ - g_ / 100 for t_, g_ in zip(totals, gdp)], rel=1e-12
    )
    # the numbers: 2023 W patrol 128.8092, W corrections 53.4071, total 264.6833 against a
    # ceiling of 321.8354 (GDP 32,183.54): 57.15 of room
    assert env.loc[2023, "total"] == pytest.approx(264.6833, abs=1e-4)
    assert env.loc[2023, "ceiling"] == pytest.approx(321.8354, abs=1e-4)
    assert env.loc[2023, "gap"] == pytest.approx(-57.1522, abs=1e-4)
    # real amounts deflate by the assumed prices; new capacity is flagged
    real = p.table.set_index(["year", "link", "econ_gfs"])["amount_real"]
    assert real[(2023, "patrol", "22")] == pytest.approx(50.0, rel=1e-12)
    assert p.table.set_index(["year", "link", "econ_gfs"]).loc[
        (2022, "corrections", "22"), "new_capacity"
    ] == pytest.approx(11.55)


def test_assumptions_show_every_input_and_its_source(two_links: peir.HarmonizedDataset) -> None:
    p = project(
        two_links,
        country="SLV",
        base_year=2020,
        horizon=2,
        inflation=0.04,
        gdp_real_growth={2021: 0.02, 2022: 0.025},
        headcount_growth={"patrol": 0.01},
        sources={"inflation": "IMF WEO Oct 2024 (test)"},
    )
    a = p.assumptions
    assert list(a.columns) == ["parameter", "scope", "value", "unit", "source"]
    infl = a[a["parameter"] == "inflation"]
    assert infl["source"].tolist() == ["IMF WEO Oct 2024 (test)"] and infl["value"].tolist() == [
        0.04
    ]
    g = a[a["parameter"] == "gdp_real_growth"]
    assert g["scope"].tolist() == ["2021", "2022"] and g["value"].tolist() == [0.02, 0.025]
    assert g["source"].str.contains("given by the user").all()
    n = a[a["parameter"] == "headcount_growth"].set_index("scope")
    assert "not given for this link" in n.loc["corrections, 2021–2022", "source"]
    assert a.loc[a["parameter"] == "real_wage_growth", "source"].iloc[0].startswith("default")
    base = a[a["parameter"] == "base"].set_index("scope")["value"]
    assert base["SLV 2020"] == 200.0 and base["patrol"] == 150.0 and base["corrections"] == 50.0
    gdp = a[a["parameter"] == "base GDP"]
    assert gdp["value"].tolist() == [25_000.0] and "context.csv:2020" in gdp["source"].iloc[0]
    econ = a[a["parameter"] == "base by economic class"]
    assert "0.0% of the base has no GFS class" in econ["source"].iloc[0]


def test_national_codes_are_not_guessed_and_count_as_other() -> None:
    h = harmonized(
        [
            line(2020, "PNC", "51", 80.0),
            line(2020, "PNC", "21", 20.0),
            line(2020, "PNC", "2.1", 5.0),
        ],
        {2020: 1000.0},
    )
    p = project(
        h,
        country="SLV",
        base_year=2020,
        horizon=1,
        inflation=0.0,
        real_wage_growth=0.5,
        gdp_real_growth=0.0,
    )
    t = p.table.set_index(["year", "econ_gfs"])["amount"]
    assert t[(2021, "21")] == pytest.approx(30.0)  # only the GFS code gets the wage growth
    assert t[(2021, "other")] == pytest.approx(85.0)  # rubro 51 and Peru's 2.1 are not guessed
    note = p.assumptions.loc[p.assumptions["parameter"] == "base by economic class", "source"].iloc[
        0
    ]
    assert "81.0% of the base has no GFS class" in note


def test_econ_gfs_column_is_used_when_present(two_links: peir.HarmonizedDataset) -> None:
    s = two_links.spending.copy()
    s["econ_gfs"] = s["econ"].map({"21": "2111", "22": "22", "31": None})  # capital left unmapped
    h = peir.HarmonizedDataset(
        spending=s, caseload=two_links.caseload, context=two_links.context, currency="USD"
    )
    frame = base_spending(h, country="SLV", year=2020).frame.set_index(["link", "econ_gfs"])[
        "amount"
    ]
    assert frame[("patrol", "21")] == 100.0 and frame[("corrections", "other")] == 10.0


def test_capital_plan_by_year_and_by_link(two_links: peir.HarmonizedDataset) -> None:
    p = project(
        two_links,
        country="SLV",
        base_year=2020,
        horizon=3,
        inflation=0.10,
        capital={"corrections": {2022: 30.0}},
    )
    k = p.table[p.table["econ_gfs"] == "31"].set_index("year")["amount"]
    assert k.tolist() == pytest.approx([10.0, 11.0, 30.0, 33.0])  # given in 2022, then prices
    q = project(
        two_links, country="SLV", base_year=2020, horizon=1, inflation=0.0, capital={2021: 25.0}
    )
    assert (
        q.table.set_index(["year", "link", "econ_gfs"]).loc[(2021, "corrections", "31"), "amount"]
        == 25.0
    )
    assert any("split by link" in n for n in q.notes)


def test_inputs_that_cannot_be_used_are_refused(two_links: peir.HarmonizedDataset) -> None:
    kw = {"country": "SLV", "base_year": 2020, "horizon": 2}
    with pytest.raises(InputError, match="gives no value for 2022"):
        project(two_links, inflation={2021: 0.02}, **kw)
    with pytest.raises(InputError, match="mixes links and years"):
        project(two_links, inflation=0.02, headcount_growth={"patrol": 0.01, 2021: 0.0}, **kw)
    with pytest.raises(InputError, match="not after the base year"):
        project(
            two_links,
            inflation=0.02,
            new_capacity=[
                {
                    "link": "corrections",
                    "start_year": 2020,
                    "units": 1,
                    "recurrent_cost_per_unit": 1,
                }
            ],
            **kw,
        )
    with pytest.raises(InputError, match="needs GDP"):
        project(two_links, inflation=0.02, ceiling_pct_gdp=1.0, **kw)
    with pytest.raises(InputError, match="not above -1"):
        project(two_links, inflation=-1.5, **kw)
    with pytest.raises(InputError, match="sources names unknown"):
        project(two_links, inflation=0.0, sources={"inflaton": "typo"}, **kw)


def test_base_year_without_spending_or_gdp_is_refused(two_links: peir.HarmonizedDataset) -> None:
    with pytest.raises(
        PeirError, match=r"no executed spending in 2019\. Years with executed spending: 2020"
    ):
        project(two_links, country="SLV", base_year=2019, inflation=0.02)
    with pytest.raises(PeirError, match="no spending for GTM"):
        project(two_links, country="GTM", base_year=2020, inflation=0.02)
    ctx = two_links.context.assign(gdp_lcu=np.nan)
    h = peir.HarmonizedDataset(
        spending=two_links.spending, caseload=two_links.caseload, context=ctx, currency="USD"
    )
    with pytest.raises(MissingContextError, match="no GDP"):
        project(h, country="SLV", base_year=2020, inflation=0.02)


def test_a_year_missing_an_institution_is_refused_unless_allowed() -> None:
    lines = [line(y, inst, "21", 100.0) for y in (2019, 2021) for inst in ("PNC", "FGR")]
    lines += [line(2020, "PNC", "21", 100.0)]
    h = harmonized(lines, {2019: 1e4, 2020: 1e4, 2021: 1e4})
    with pytest.raises(
        PeirError, match="FGR, with executed spending in 2019, has none in 2020"
    ) as e:
        project(h, country="SLV", base_year=2020, inflation=0.02)
    assert "2021: FGR, PNC" in str(e.value) and "allow_partial=True" in str(e.value)
    p = project(h, country="SLV", base_year=2020, inflation=0.02, allow_partial=True)
    cov = p.assumptions.loc[p.assumptions["parameter"] == "coverage", "source"].iloc[0]
    assert cov.startswith("partial coverage accepted")
    assert (
        project(h, country="SLV", base_year=2021, inflation=0.02).envelope["total"].iloc[0] == 200.0
    )


def test_a_partial_year_of_the_same_institutions_is_refused() -> None:
    # April-July of an execution export: the same institutions, a third of last year's amount
    lines = [line(2019, "PNC", "21", 120.0), line(2020, "PNC", "21", 40.0)]
    h = harmonized(lines, {2019: 1e4, 2020: 1e4})
    with pytest.raises(PeirError, match="looks like part of a year"):
        project(h, country="SLV", base_year=2020, inflation=0.02)


def test_currency_conversion_leaves_the_share_of_gdp_unchanged() -> None:
    lines = [dict(line(2020, "PNC", "21", 1000.0), currency="MXN")]
    ctx = pd.DataFrame(
        [
            {
                "country": "SLV",
                "year": 2020,
                "gdp_lcu": 50_000.0,
                "gdp_deflator": 100.0,
                "fx_lcu_per_usd": 20.0,
                "currency": "MXN",
                "source_ref": "ctx",
            }
        ]
    )
    h_usd = Dataset(budget=pd.DataFrame(lines), chain_map=CHAIN_MAP, context=ctx).harmonize(
        base_year=2020, currency="USD"
    )
    p = project(h_usd, country="SLV", base_year=2020, horizon=1, inflation=0.0, gdp_real_growth=0.0)
    env = p.envelope.set_index("year")
    assert env.loc[2020, "total"] == pytest.approx(50.0) and env.loc[2020, "gdp"] == pytest.approx(
        2500.0
    )
    assert env.loc[2021, "pct_gdp"] == pytest.approx(2.0)


def test_results_print_plot_and_compare(two_links: peir.HarmonizedDataset) -> None:
    base = project(
        two_links,
        country="SLV",
        base_year=2020,
        horizon=2,
        inflation=0.03,
        gdp_real_growth=0.02,
        ceiling_pct_gdp=0.9,
    )
    plan = project(
        two_links,
        country="SLV",
        base_year=2020,
        horizon=2,
        inflation=0.03,
        gdp_real_growth=0.02,
        ceiling_pct_gdp=0.9,
        name="5,000 places",
        new_capacity=[NewCapacity("corrections", 2021, 5000, 0.01)],
    )
    text = str(base)
    assert "Projection: baseline" in text and "2022" in text and "% of GDP" in text
    assert "<table" in base._repr_html_()
    fig = base.plot()
    ax = fig.axes[0]
    heights = sorted(r.get_height() for r in ax.patches)
    expected = base.table.groupby(["year", "link"])["amount"].sum() / 1e6
    assert heights == pytest.approx(sorted(expected), rel=1e-12)
    both = compare(base, plan)
    wide = both.wide("total")
    assert list(wide.columns) == ["baseline", "5,000 places"]
    assert (wide["5,000 places"] - wide["baseline"]).tolist() == pytest.approx(
        [0.0, 50 * 1.03, 50 * 1.03**2]
    )
    assert "Projection scenarios" in str(both)
    with pytest.raises(InputError, match="names repeat"):
        compare(base, base)
    assert len(both.plot().axes[0].lines) == 2


# ---------------------------------------------------------------- needs from caseload


def test_judges_needed_by_hand() -> None:
    # 12,000 cases a year, 9,000 pending, 400 resolved per judge, target 180 days in 3 years:
    # target stock = 180 / 365 x 12,000 = 5,917.808; excess 3,082.192 / 3 = 1,027.397 a year;
    # R = 13,027.397; judges = R / 400 = 32.5685; cost at 60,000 = 1,954,109.6
    judges, cost = judges_needed(
        12_000, 9_000, 400, target_disposition_days=180, cost_per_judge=60_000
    )
    assert judges == pytest.approx(32.568493, abs=1e-6)
    assert cost == pytest.approx(1_954_109.589, abs=1e-3)
    need = judges_needed(12_000, 9_000, 400, target_disposition_days=180)
    assert need.workload == pytest.approx(13_027.397260, abs=1e-6)
    assert math.isnan(need.cost)
    assert "R = incoming" in str(need) and "Good Budgeting, Better Justice" in str(need)


def test_prosecutors_and_places_by_hand_and_on_arrays() -> None:
    # two offices: R = 5,000 + (4,000 - 90/365 x 5,000)/2 = 6,383.56
    #              R = 800 + (100 - 90/365 x 800)/2 = 751.37
    need = prosecutors_needed(
        pd.Series([5_000.0, 800.0]),
        pd.Series([4_000.0, 100.0]),
        250,
        target_disposition_days=90,
        years=2,
    )
    assert need.count.tolist() == pytest.approx([6_383.5616 / 250, 751.3699 / 250], abs=1e-4)
    # 3,650 admissions a year staying 200 days: 3,650 x 200 / 365 = 2,000 places; capacity 1,500
    places = prison_places_needed(3_650, 200, capacity=1_500, cost_per_place=2_500)
    assert places.count == pytest.approx(2_000.0) and places.shortfall == pytest.approx(500.0)
    assert places.cost == pytest.approx(5_000_000.0)
    assert places.to_frame().loc[0, "prison places"] == pytest.approx(2_000.0)


def test_needs_refuse_bad_inputs() -> None:
    with pytest.raises(InputError, match="resolved_per_judge must be > 0"):
        judges_needed(100, 10, 0, target_disposition_days=100)
    with pytest.raises(InputError, match="negative"):
        judges_needed(100, 0, 10, target_disposition_days=2_000, years=1)
    with pytest.raises(InputError, match="years must be > 0"):
        judges_needed(100, 10, 10, target_disposition_days=100, years=0)


def test_assumptions_from_history_by_hand() -> None:
    # deflator 100 -> 121 and GDP 1,000 -> 1,331 over 2018-2020: inflation (1.21)^(1/2) - 1 = 10 %,
    # real growth ((1,331 / 1,000) / 1.21)^(1/2) - 1 = 1.1^(1/2) - 1 = 4.8809 %
    ctx = pd.DataFrame(
        [
            {"country": "SLV", "year": y, "gdp_lcu": g, "gdp_deflator": d, "currency": "USD"}
            for y, g, d in ((2018, 1_000.0, 100.0), (2019, 1_200.0, 110.0), (2020, 1_331.0, 121.0))
        ]
    )
    h = peir.HarmonizedDataset(
        spending=pd.DataFrame(), caseload=pd.DataFrame(), context=ctx, currency="USD"
    )
    hist = from_history(h, country="SLV", through=2020, years=2)
    assert hist.inflation == pytest.approx(0.10, abs=1e-12)
    assert hist.gdp_real_growth == pytest.approx(0.0488088482, abs=1e-9)
    assert (
        "average of 2019–2020" in hist.sources["inflation"]
        and "not a forecast" in hist.sources["inflation"]
    )
    with pytest.raises(MissingContextError, match="for 2015 or 2020"):
        from_history(h, country="SLV", through=2020, years=5, shorter=False)
    short = from_history(h, country="SLV", through=2020, years=5)  # the 2 years the context has
    assert (short.first, short.last, short.inflation) == (2019, 2020, pytest.approx(0.10))
    with pytest.raises(MissingContextError, match="for 2013 or 2018"):
        from_history(h, country="SLV", through=2018, years=5)


# ---------------------------------------------------------------- peir.yaml: the outlook block


def test_outlook_block_runs_a_baseline_and_its_scenarios(two_links: peir.HarmonizedDataset) -> None:
    from peir.config import ProjectConfig

    cfg = ProjectConfig.from_dict(
        {
            "country": "SLV",
            "outlook": {
                "horizon": 2,
                "inflation": 0.05,
                "gdp_real_growth": 0.0,
                "ceiling_pct_gdp": 1.0,
                "sources": {"inflation": "MTFF (test)"},
                "scenarios": [
                    {
                        "name": "new prison",
                        "new_capacity": [
                            {
                                "link": "corrections",
                                "start_year": 2022,
                                "units": 200,
                                "recurrent_cost_per_unit": 0.5,
                                "source": "DGCP plan (test)",
                            }
                        ],
                    }
                ],
            },
        }
    )
    assert cfg.outlook is not None
    base, prison = cfg.outlook.run(two_links, country="SLV")
    assert base.base_year == 2020  # the latest sound year, found by itself
    assert [base.name, prison.name] == ["baseline", "new prison"]
    gap = prison.envelope["total"] - base.envelope["total"]
    assert gap.tolist() == pytest.approx([0.0, 0.0, 200 * 0.5 * 1.05**2])
    a = prison.assumptions
    assert a.loc[a["parameter"] == "new_capacity", "source"].tolist() == ["DGCP plan (test)"]
    assert a.loc[a["parameter"] == "inflation", "source"].tolist() == ["MTFF (test)"]


def test_outlook_block_uses_history_by_default_and_rejects_typos() -> None:
    from peir.config import ProjectConfig

    h = harmonized(
        [line(2020, "PNC", "22", 100.0)],
        {2018: 1_000.0, 2019: 1_100.0, 2020: 1_210.0},
    )
    cfg = ProjectConfig.from_dict({"outlook": {"horizon": 1, "history_years": 2}})
    assert cfg.outlook is not None
    (p,) = cfg.outlook.run(h, country="SLV")
    # deflator flat at 100: inflation 0; nominal GDP +10 % a year is all real growth
    infl = p.assumptions.set_index("parameter").loc["inflation"]
    assert infl["value"] == pytest.approx(0.0) and "not a forecast" in infl["source"]
    assert p.envelope["gdp"].tolist() == pytest.approx([1_210.0, 1_331.0])
    with pytest.raises(peir.SpecError, match="did you mean 'inflation'"):
        ProjectConfig.from_dict({"outlook": {"inflaton": 0.02}})
