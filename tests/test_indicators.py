"""The indicator registry: catalogue, compute on a small harmonised dataset, notes, docs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import peir
import peir.indicators as I
from peir import HarmonizedDataset
from peir.chain import MEASURES
from peir.errors import InputError
from peir.indicators import docs
from peir.indicators._base import STANDARDS

ROOT = Path(__file__).resolve().parents[1]

BUDGET = {  # institution: (approved, executed, link) -- the docs/methodology.md §5 worked example
    "PNC": (300.0, 320.0, "patrol"),
    "FGR": (45.0, 40.0, "investigation"),
    "OJ": (250.0, 245.0, "judicial"),
    "DGCP": (50.0, 70.0, "corrections"),
    "CONT": (5.0, 0.0, "unallocated"),
}


def _spending() -> pd.DataFrame:
    rows = []
    for year, infl in ((2022, 1.0), (2023, 1.1)):
        for inst, (ap, ex, link) in BUDGET.items():
            for phase, amt in (("approved", ap), ("modified", ap * 1.02), ("executed", ex)):
                if year == 2023 and phase == "executed":
                    continue  # the last year has no outturn yet
                for econ, sh in (("211", 0.6), ("22", 0.3), ("31", 0.1)):
                    a = amt * infl * sh
                    rows.append(
                        {
                            "country": "SLV",
                            "year": year,
                            "institution_code": inst,
                            "institution": inst,
                            "program": "",
                            "econ": econ,
                            "econ_gfs": econ[:2],  # GFS codes: the identity scheme
                            "func": "03",
                            "region": "",
                            "funding_source": "GF",
                            "phase": phase,
                            "link": link,
                            "share": 1.0,
                            "basis": "",
                            "amount_lcu": a,
                            "amount": a,
                            "amount_real": a / infl,
                            "currency": "USD",
                            "source_ref": "t",
                        }
                    )
    return pd.DataFrame(rows)


def _caseload() -> pd.DataFrame:
    rows = []

    def add(year: int, region: str, measure: str, value: float) -> None:
        m = MEASURES[measure]
        rows.append(
            {
                "country": "SLV",
                "year": year,
                "region": region,
                "institution_code": "X",
                "link": m.link.value,
                "measure": measure,
                "value": value,
                "unit": m.unit,
                "kind": m.kind,
                "source": "test",
                "counting_rule": "",
                "source_ref": "r",
                "headline": True,
            }
        )

    for y in (2022, 2023):
        if y == 2022:
            add(y, "", "homicides", 1000)
        add(y, "", "prisoners_total", 30000 + 2000 * (y - 2022))
        add(y, "", "prison_capacity", 20000)
        add(y, "", "prisoners_unsentenced", 9000)
        add(y, "", "police_officers", 20000)
        add(y, "", "homicide_convictions", 100)
        add(y, "", "indictments", 500)
        for region, (inc, res, pe) in {"A": (100, 90, 50), "B": (200, 0, 80)}.items():
            add(y, region, "cases_incoming", inc)
            add(y, region, "cases_resolved", res)
            add(y, region, "cases_pending_end", pe)
    # a non-headline alternative source must be ignored
    add(2022, "", "homicides", 5)
    rows[-1]["headline"] = False
    rows[-1]["source"] = "other"
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def h() -> HarmonizedDataset:
    ctx = pd.DataFrame(
        {
            "country": "SLV",
            "year": [2022, 2023],
            "population": [6.3e6, 6.33e6],
            "population_source": "WDI",
            "gdp_lcu": [30000.0, 32000.0],
            "gov_expenditure_lcu": [7000.0, 7500.0],
            "gov_expenditure_scope": "central",
        }
    )
    return HarmonizedDataset(
        spending=_spending(), caseload=_caseload(), context=ctx, base_year=2022, currency="USD"
    )


@pytest.fixture(scope="module")
def out(h: HarmonizedDataset) -> pd.DataFrame:
    return I.compute(h)


def _v(
    out: pd.DataFrame,
    ind: str,
    year: int,
    *,
    region: str = "",
    link: str | None = None,
    group: str = "",
) -> pd.Series:
    sel = (
        (out.indicator == ind) & (out.year == year) & (out.region == region) & (out.group == group)
    )
    if link is not None:
        sel &= out.link == link
    rows = out[sel]
    assert len(rows) == 1, (ind, year, region, link, rows)
    return rows.iloc[0]


def test_catalog_documents_every_indicator() -> None:
    cat = I.catalog()
    assert len(cat) >= 40
    for col in (
        "id",
        "name_en",
        "name_es",
        "unit",
        "link",
        "standard",
        "formula",
        "description",
        "requires",
    ):
        assert col in cat.columns
        assert (cat[col].astype(str).str.len() > 0).all(), col
    assert cat["id"].is_unique
    assert set(cat["standard"]) <= set(STANDARDS)
    assert {"PER practice", "CEPEJ", "UNODC/SDG", "PEFA 2016", "Attrition literature"} <= set(
        cat["standard"]
    )
    links = {"sector", "prevention", "patrol", "investigation", "judicial", "corrections"}
    assert set(cat["link"]) <= links
    for needed in (
        "clearance_rate",
        "disposition_time",
        "case_turnover",
        "litigation_rate",
        "congestion_rate",
        "homicide_rate",
        "prisoners_per_100k",
        "occupancy_rate",
        "unsentenced_share",
        "police_per_100k",
        "prosecutors_per_100k",
        "judges_per_100k",
        "defenders_per_100k",
        "convictions_per_homicide",
        "exp_per_capita",
        "exp_pct_gdp",
        "exp_pct_gov",
        "exp_growth_real",
        "exp_link_share",
        "exp_institution_share",
        "exp_wage_share",
        "exec_rate_approved",
        "exec_rate_modified",
        "modification_rate",
        "exp_per_staff",
        "unit_cost_case_resolved",
        "unit_cost_prisoner_day",
        "unit_cost_officer",
        "unit_cost_indictment",
        "pefa_pi1_outturn",
    ):
        assert needed in set(cat["id"]), needed
    assert isinstance(I.get("clearance_rate"), I.Indicator)
    with pytest.raises(InputError, match="clearance_rate"):
        I.get("clearence_rate")


def test_public_names() -> None:
    for name in (
        "catalog",
        "compute",
        "clearance_rate",
        "disposition_time",
        "rate_per_100k",
        "occupancy_rate",
        "execution_rate",
        "case_turnover",
        "congestion_rate",
        "litigation_rate",
        "pefa",
        "Indicator",
    ):
        assert hasattr(peir.indicators, name), name
    assert callable(peir.indicators.pefa.pi1) and callable(peir.indicators.pefa.pi2)


def test_output_is_tidy(out: pd.DataFrame) -> None:
    assert list(out.columns) == [
        "country",
        "year",
        "region",
        "link",
        "group",
        "indicator",
        "value",
        "unit",
        "note",
    ]
    assert out["value"].dtype == "float64"
    assert not np.isinf(out["value"]).any()
    # every NaN explains itself
    nan = out[out["value"].isna()]
    assert len(nan) > 0 and (nan["note"].str.len() > 0).all()


def test_expenditure_levels_and_phase_note(out: pd.DataFrame) -> None:
    r = _v(out, "exp_total", 2022)
    assert r.value == pytest.approx(675.0) and "phase: executed" in r.note and r.unit == "USD"
    r = _v(out, "exp_total", 2023)  # no executed rows in 2023 -> approved, said in the note
    assert r.value == pytest.approx(650 * 1.1) and "phase: approved" in r.note
    assert _v(out, "exp_total_real", 2023).value == pytest.approx(650.0)
    assert _v(out, "exp_total_real", 2023).unit == "USD, constant 2022 prices"
    assert _v(out, "exp_per_capita", 2022).value == pytest.approx(675 / 6.3e6)
    assert _v(out, "exp_pct_gdp", 2022).value == pytest.approx(675 / 30000 * 100)
    assert _v(out, "exp_pct_gov", 2022).value == pytest.approx(675 / 7000 * 100)
    assert _v(out, "exp_growth_real", 2023).value == pytest.approx((650 / 675 - 1) * 100)
    g = _v(out, "exp_growth_real", 2022)
    assert np.isnan(g.value) and "previous year" in g.note and "2022" in g.note


def test_distribution_and_composition(out: pd.DataFrame) -> None:
    assert _v(out, "exp_link_share", 2022, link="patrol").value == pytest.approx(320 / 675 * 100)
    shares = out[(out.indicator == "exp_link_share") & (out.year == 2022)]["value"]
    assert shares.sum() == pytest.approx(100.0)
    inst = out[(out.indicator == "exp_institution_share") & (out.year == 2023)]
    assert set(inst["group"]) == set(BUDGET) and inst["value"].sum() == pytest.approx(100.0)
    assert _v(out, "exp_institution", 2022, group="OJ").value == pytest.approx(245.0)
    assert _v(out, "exec_rate_institution", 2022, group="DGCP").value == pytest.approx(140.0)
    assert _v(out, "exp_wage_share", 2022).value == pytest.approx(
        60.0
    )  # econ "211" counts as GFS 21
    assert _v(out, "exp_goods_services_share", 2022).value == pytest.approx(30.0)
    assert _v(out, "exp_capital_share", 2022).value == pytest.approx(10.0)


def test_execution_and_pefa_per_year(out: pd.DataFrame) -> None:
    assert _v(out, "exec_rate_approved", 2022).value == pytest.approx(675 / 650 * 100)
    assert _v(out, "exec_rate_modified", 2022).value == pytest.approx(675 / (650 * 1.02) * 100)
    assert _v(out, "modification_rate", 2023).value == pytest.approx(102.0)
    r = _v(out, "exec_rate_approved", 2023)
    assert np.isnan(r.value) and r.note == "missing spending_executed for SLV 2023"
    assert _v(out, "pefa_pi1_outturn", 2022).value == pytest.approx(103.846153846)
    # over all five heads (the registry cannot know which is the contingency)
    b = pd.Series({k: v[0] for k, v in BUDGET.items()})
    a = pd.Series({k: v[1] for k, v in BUDGET.items()})
    assert _v(out, "pefa_pi2_1_variance", 2022).value == pytest.approx(
        I.pefa.composition_variance(b, a)
    )
    assert _v(out, "exec_rate_link", 2022, link="corrections").value == pytest.approx(140.0)


def test_unit_costs(out: pd.DataFrame) -> None:
    r = _v(out, "unit_cost_case_resolved", 2022)
    assert r.value == pytest.approx(245 / 90) and "sum of regions" in r.note
    # average of the 2022 and 2023 stocks (30,000 and 32,000), approved corrections budget 2023
    r = _v(out, "unit_cost_prisoner_day", 2023)
    assert r.value == pytest.approx(50 * 1.1 / (365 * 31000))
    assert _v(out, "unit_cost_prisoner_day", 2022).value == pytest.approx(70 / (365 * 30000))
    assert _v(out, "unit_cost_officer", 2022).value == pytest.approx(320 / 20000)
    assert _v(out, "unit_cost_indictment", 2022).value == pytest.approx(40 / 500)
    assert _v(out, "exp_per_staff_link", 2022, link="patrol").value == pytest.approx(320 / 20000)
    r = _v(out, "exp_per_staff_link", 2022, link="judicial")
    assert np.isnan(r.value) and "missing staff" in r.note


def test_justice_chain_national_and_regional(out: pd.DataFrame) -> None:
    assert _v(out, "clearance_rate", 2022, region="A").value == pytest.approx(90.0)
    assert _v(out, "clearance_rate", 2022, region="B").value == 0.0  # a true 0, not a missing value
    nat = _v(out, "clearance_rate", 2022)
    assert nat.value == pytest.approx(90 / 300 * 100) and "sum of regions" in nat.note
    assert _v(out, "disposition_time", 2022, region="A").value == pytest.approx(365 * 50 / 90)
    r = _v(out, "disposition_time", 2022, region="B")
    assert (
        np.isnan(r.value)
        and "zero denominator (cases_resolved = 0)" in r.note
        and "region B" in r.note
    )
    assert _v(out, "case_turnover", 2022, region="A").value == pytest.approx(90 / 50)
    assert _v(out, "litigation_rate", 2022).value == pytest.approx(300 / 6.3e6 * 1e5)
    r = _v(out, "litigation_rate", 2022, region="A")
    assert np.isnan(r.value) and "population" in r.note
    r = _v(out, "congestion_rate", 2022, region="A")
    assert np.isnan(r.value) and "missing cases_pending_start for SLV 2022 (region A)" in r.note
    assert _v(out, "homicide_rate", 2022).value == pytest.approx(
        1000 / 6.3e6 * 1e5
    )  # headline only
    r = _v(out, "homicide_rate", 2023)
    assert np.isnan(r.value) and r.note == "missing homicides for SLV 2023"
    assert _v(out, "occupancy_rate", 2022).value == pytest.approx(150.0)
    assert _v(out, "unsentenced_share", 2022).value == pytest.approx(30.0)
    assert _v(out, "prisoners_per_100k", 2022).value == pytest.approx(30000 / 6.3e6 * 1e5)
    assert _v(out, "police_per_100k", 2022).value == pytest.approx(20000 / 6.3e6 * 1e5)
    assert _v(out, "convictions_per_homicide", 2022).value == pytest.approx(10.0)
    assert (
        _v(out, "attrition_convictions_per_indictment", 2022).note
        == "missing convictions for SLV 2022"
    )
    # indicators with no input at all are not listed
    assert "crime_rate" not in set(out.indicator)
    assert "homicide_rate" not in set(out[out.region != ""].indicator)


def test_filters(h: HarmonizedDataset) -> None:
    o = I.compute(h, ["clearance_rate", "exp_growth_real"], years=[2023])
    assert set(o.indicator) == {"clearance_rate", "exp_growth_real"} and set(o.year) == {2023}
    # the previous year is still used for growth
    assert o[o.indicator == "exp_growth_real"]["value"].notna().all()
    assert I.compute(h, "exp_total", country="GTM").empty
    assert len(I.compute(h, "exp_total", country=["SLV"])) == 2
    with pytest.raises(InputError):
        I.compute(h, ["nope"])


def test_empty_dataset() -> None:
    h = HarmonizedDataset(spending=pd.DataFrame(), caseload=pd.DataFrame(), context=pd.DataFrame())
    o = I.compute(h)
    assert o.empty and "note" in o.columns


def test_regional_population_measure(h: HarmonizedDataset) -> None:
    cl = h.caseload.copy()
    extra = cl.iloc[[0]].assign(region="A", measure="population", value=1_000_000.0, unit="persons")
    h2 = HarmonizedDataset(spending=h.spending, caseload=pd.concat([cl, extra]), context=h.context)
    o = I.compute(h2, "litigation_rate")
    r = o[(o.region == "A") & (o.year == 2022)].iloc[0]
    assert r.value == pytest.approx(100 / 1e6 * 1e5)
    # the national population still comes from the context table
    assert o[(o.region == "") & (o.year == 2022)].iloc[0].value == pytest.approx(300 / 6.3e6 * 1e5)


def test_docs_page_is_generated_from_registry() -> None:
    text = docs.render()
    committed = (ROOT / "docs" / "indicators.md").read_text(encoding="utf-8")
    assert committed == text, (
        "docs/indicators.md is stale: run python -m peir.indicators.docs docs/indicators.md"
    )
    for ind in I.REGISTRY.values():
        assert f"`{ind.id}`" in text and ind.name_es in text


def test_docs_main_writes(tmp_path: Path) -> None:
    p = tmp_path / "ind.md"
    assert docs.main([str(p)]) == 0
    assert p.read_text(encoding="utf-8") == docs.render()


def test_el_salvador_example_through_compute() -> None:
    """The shipped example (Ministerio de Hacienda files): 2011 and 2018 through compute."""
    h = peir.load_example("el_salvador").harmonize()
    o = I.compute(h, ["exp_total", "exp_link_share", "exp_pct_gdp"], years=[2011, 2018])
    # the five ramos executed US$593.9 M in 2011 (the 2012 review published US$612 M)
    assert _v(o, "exp_total", 2011).value == pytest.approx(593_908_278.0, abs=0.01)
    raw = o[o.indicator == "exp_link_share"].set_index(["year", "link"])["value"]
    share = raw.round(1)
    # 2011: no unit split of MJSP in the files, so it stays visible as unallocated
    assert share[2011].to_dict() == {"investigation": 6.4, "judicial": 37.1, "unallocated": 56.5}
    # 2018: split by the units of the 2018 budget law
    assert share[2018]["patrol"] == 43.8 and share[2018]["corrections"] == 11.0
    assert raw[2018].sum() == pytest.approx(100.0, abs=1e-9)
    # 2.8 % in the review; US$593.9 M / WDI GDP 2011 (July 2026 vintage) = 2.93 %
    assert _v(o, "exp_pct_gdp", 2011).value == pytest.approx(2.928, abs=1e-3)
