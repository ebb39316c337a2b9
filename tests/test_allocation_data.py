"""Allocation on data: funnel, ChainModel.from_harmonized, scenarios, returns (simulated + CNJ)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from peir._results import Summary
from peir.allocation import (
    ChainModel,
    Scenario,
    compare_scenarios,
    estimate_returns,
    funnel,
)
from peir.chain import MEASURES
from peir.dataset import HarmonizedDataset
from peir.errors import InputError
from peir.schema import C

CASELOAD = {
    "crimes_recorded": 50_000.0,
    "cases_received": 20_000.0,
    "indictments": 8_000.0,
    "cases_incoming": 9_000.0,
    "cases_resolved": 7_500.0,
    "convictions": 3_000.0,
    "prison_capacity": 10_000.0,
    "prisoners_total": 25_000.0,
    "homicides": 1_200.0,
}
SPENDING = {
    "prevention": 10.0,
    "patrol": 100.0,
    "investigation": 40.0,
    "judicial": 60.0,
    "corrections": 50.0,
    "unallocated": 5.0,
}


def make_h(
    caseload: dict[str, float] | None = None, *, regional: bool = False
) -> HarmonizedDataset:
    cl_vals = CASELOAD if caseload is None else caseload
    sp = pd.DataFrame(
        {
            C.COUNTRY: "XXX",
            C.YEAR: 2020,
            C.PHASE: "executed",
            C.LINK: list(SPENDING),
            C.INSTITUTION_CODE: [k[:3].upper() for k in SPENDING],
            C.INSTITUTION: list(SPENDING),
            C.ECON: "21",
            C.AMOUNT: list(SPENDING.values()),
        }
    )
    sp[C.AMOUNT_REAL] = sp[C.AMOUNT]
    sp[C.AMOUNT_LCU] = sp[C.AMOUNT]
    # an approved phase that must be ignored for "executed"
    sp = pd.concat([sp, sp.assign(**{C.PHASE: "approved", C.AMOUNT: sp[C.AMOUNT] * 2})])
    rows = []
    for m, v in cl_vals.items():
        if regional:
            rows += [
                {C.MEASURE: m, C.VALUE: v * 0.25, C.REGION: "North"},
                {C.MEASURE: m, C.VALUE: v * 0.75, C.REGION: "South"},
            ]
        else:
            rows.append({C.MEASURE: m, C.VALUE: v, C.REGION: None})
    cl = pd.DataFrame(rows)
    cl[C.COUNTRY] = "XXX"
    cl[C.YEAR] = 2020
    cl[C.LINK] = [MEASURES[m].link.value for m in cl[C.MEASURE]]
    cl[C.UNIT] = [MEASURES[m].unit for m in cl[C.MEASURE]]
    cl[C.KIND] = [MEASURES[m].kind for m in cl[C.MEASURE]]
    cl[C.SOURCE] = "test"
    ctx = pd.DataFrame({C.COUNTRY: ["XXX"], C.YEAR: [2020], C.POPULATION: [6e6]})
    return HarmonizedDataset(spending=sp, caseload=cl, context=ctx, currency="USD")


def test_funnel_counts_ratios_and_missing() -> None:
    f = funnel(make_h(), country="XXX", year=2020)
    main = f[f["line"] == "main"].set_index("stage")
    assert list(main.index) == [
        "crimes_recorded",
        "suspects",
        "cases_received",
        "indictments",
        "convictions",
        "prison_admissions",
    ]
    # missing stages stay missing (NaN, note), never 0
    assert np.isnan(main.loc["suspects", "count"]) and "missing" in main.loc["suspects", "note"]
    assert np.isnan(main.loc["prison_admissions", "count"])
    assert main.loc["crimes_recorded", "ratio_to_first"] == 1.0
    assert main.loc["cases_received", "ratio_to_previous"] == pytest.approx(0.4)
    assert "in between is missing" in main.loc["cases_received", "note"]
    assert main.loc["convictions", "ratio_to_previous"] == pytest.approx(3000 / 8000)
    assert main.loc["convictions", "ratio_to_first"] == pytest.approx(3000 / 50000)
    hom = f[f["line"] == "homicide"].set_index("stage")
    assert hom.loc["homicides", "count"] == 1200 and np.isnan(
        hom.loc["homicide_convictions", "count"]
    )
    assert not (f["count"] == 0).any()


def test_funnel_falls_back_and_sums_regions() -> None:
    cl = {**CASELOAD, "arrests": 12_000.0}
    del cl["crimes_recorded"]
    f = funnel(make_h(cl, regional=True), country="XXX", year=2020).set_index("stage")
    assert f.loc["suspects", "measure"] == "arrests" and f.loc["suspects", "count"] == 12_000
    assert f.loc["suspects", "ratio_to_first"] == 1.0
    assert "first stage is missing" in f.loc["cases_received", "note"]
    empty = funnel(make_h(), country="YYY", year=2020)
    assert empty["count"].isna().all()


def test_from_harmonized() -> None:
    m = ChainModel.from_harmonized(make_h(), country="XXX", year=2020)
    lk = m.links
    assert m.final_measure == "convictions" and m.final_output == 3000
    assert lk.loc["prevention", "demand_ratio"] == 0
    assert lk.loc["judicial", "budget"] == 60  # executed, not approved
    assert lk.loc["judicial", "unit_cost"] == pytest.approx(60 / 7500)
    assert lk.loc["judicial", "demand_ratio"] == pytest.approx(9000 / 3000)
    assert lk.loc["corrections", "capacity_measure"] == "prison_capacity"
    bn = m.bottleneck().set_index("link")
    # utilisation = incoming / resolved for courts, prisoners / places for prisons
    assert bn.loc["judicial", "utilisation"] == pytest.approx(9000 / 7500)
    assert bn.loc["corrections", "utilisation"] == pytest.approx(2.5)
    assert bn.loc["patrol", "utilisation"] == pytest.approx(1.0)
    assert m.bottleneck()["link"].iloc[0] == "corrections"
    used = m.inputs_used
    assert {"final output", "budget", "capacity", "demand"} <= set(used["role"])
    assert any("unallocated" in n for n in m.notes)
    # occupancy is a constraint: at 250 % of capacity no reallocation raises throughput (the
    # prisons cannot hold more without budget for new places), and nothing is moved
    assert lk.loc["corrections", "limit"] == 10_000
    res = m.optimize(max_change=0.2)
    assert res.throughput == pytest.approx(m.throughput, rel=1e-9) == pytest.approx(1200.0)
    assert_allclose(res.budgets.to_numpy(), lk["budget"].to_numpy(), rtol=1e-9)
    # without the limit (the old, unguarded model) money would go to prison throughput
    free = m.optimize(max_change=0.2, limits={})
    assert free.throughput > m.throughput and free.budgets["corrections"] == pytest.approx(60.0)
    # with a price for new places, part of the total buys capacity: r T <= 10,000 + x
    bought = m.optimize(max_change=0.2, capacity_cost={"corrections": 0.001})
    assert bought.capacity_added is not None and bought.capacity_added["corrections"] > 0
    r_corr = lk.loc["corrections", "demand_ratio"]
    assert r_corr * bought.throughput == pytest.approx(
        10_000 + bought.capacity_added["corrections"], rel=1e-6
    )
    assert bought.budgets.sum() + 0.001 * bought.capacity_added["corrections"] == pytest.approx(
        lk["budget"].sum()
    )
    with pytest.raises(InputError, match="no executed spending"):
        ChainModel.from_harmonized(make_h(), country="XXX", year=2019)


def test_from_harmonized_skips_links_without_data() -> None:
    cl = {k: v for k, v in CASELOAD.items() if k not in ("prison_capacity", "prisoners_total")}
    m = ChainModel.from_harmonized(make_h(cl), country="XXX", year=2020)
    assert "corrections" not in m.links.index
    assert any(n.startswith("corrections:") for n in m.notes)
    with pytest.raises(InputError, match="final output"):
        ChainModel.from_harmonized(make_h({"homicides": 5.0}), country="XXX", year=2020)


def test_scenarios() -> None:
    m = ChainModel.from_harmonized(make_h(), country="XXX", year=2020)
    comp = compare_scenarios(
        m,
        [
            Scenario("prisons +20 %", {"corrections": 0.2}),
            Scenario("courts +10 %, patrol -5 %", {"judicial": 0.10, "patrol": -0.05}),
            Scenario("cheaper prisons", unit_cost_changes={"corrections": -0.1}),
        ],
    )
    tab = comp.to_frame()
    assert list(tab.index) == [
        "baseline",
        "prisons +20 %",
        "courts +10 %, patrol -5 %",
        "cheaper prisons",
    ]
    assert tab.loc["baseline", "throughput"] == pytest.approx(m.throughput)
    assert tab.loc["prisons +20 %", "throughput_change_pct"] == pytest.approx(20.0)
    # the bottleneck is the prisons: more money for courts does not raise throughput
    assert tab.loc["courts +10 %, patrol -5 %", "throughput_change_pct"] == pytest.approx(0.0)
    assert tab.loc["cheaper prisons", "throughput"] == pytest.approx(m.throughput / 0.9)
    assert tab.loc["courts +10 %, patrol -5 %", "utilisation_judicial"] == pytest.approx(1.2 / 1.1)
    # with diminishing returns the gain is smaller
    dim = compare_scenarios(m, [Scenario("prisons +20 %", {"corrections": 0.2})], returns=0.5)
    assert dim.to_frame().loc["prisons +20 %", "throughput_change_pct"] == pytest.approx(
        100 * (1.2**0.5 - 1)
    )
    fig = comp.plot()
    assert len(fig.axes) == 2
    import matplotlib.pyplot as plt

    plt.close(fig)
    assert "baseline" in str(comp.summary())
    assert isinstance(comp.summary(), Summary) and str(comp) == comp.summary().as_text()
    assert comp.summary().table.equals(comp.to_frame()) and "<table" in comp._repr_html_()
    with pytest.raises(AttributeError):
        comp.baseline = "other"  # type: ignore[misc]
    with pytest.raises(InputError, match="unknown link"):
        Scenario("x", {"police": 0.1}).project(m)
    with pytest.raises(InputError, match="unique"):
        compare_scenarios(m, [Scenario("a"), Scenario("a")])


def _panel(beta: float, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    units, years = 30, 8
    u = np.repeat(np.arange(units), years)
    t = np.tile(np.arange(years), units)
    size = rng.normal(0, 1, units)[u]
    ls = 10 + size + 0.05 * t + rng.normal(0, 0.3, u.size)
    ly = 2 + 0.7 * size + 0.02 * t + beta * (ls - 10 - size) + rng.normal(0, 0.05, u.size)
    return pd.DataFrame({"unit": u, "year": 2010 + t, "spend": np.exp(ls), "out": np.exp(ly)})


def test_estimate_returns_recovers_beta() -> None:
    est = estimate_returns(_panel(0.6), unit="unit", period="year", spending="spend", output="out")
    assert est.effects == "twoway" and est.cov_type.startswith("cluster")
    assert est.beta == pytest.approx(0.6, abs=0.05)
    assert 0 < est.se < 0.05
    assert "diminishing returns are supported" in str(est.summary())
    summ = est.summary()
    assert isinstance(summ, Summary) and ("beta", f"{est.beta:.4f}") in summ.header
    assert summ.table.equals(est.to_frame()) and str(est) == summ.as_text()
    with pytest.raises(AttributeError):
        est.beta = 0.5  # type: ignore[misc]
    assert {"twoway", "unit", "period", "none"} == set(est.alternatives["effects"])
    assert est.beta_for(["a", "b"]) == {"a": pytest.approx(est.beta), "b": pytest.approx(est.beta)}
    p = _panel(0.6)
    p.loc[0, "out"] = 0.0
    assert (
        estimate_returns(p, unit="unit", period="year", spending="spend", output="out").dropped == 1
    )
    with pytest.raises(InputError, match="no column"):
        estimate_returns(p, unit="unit", period="year", spending="x", output="out")


@pytest.mark.shared
def test_returns_on_cnj_federal_courts(shared_data: Path) -> None:
    d = pd.read_csv(
        shared_data / "real" / "br_cnj_justica_em_numeros_jf_secao" / "jf_secao_2012_2022.csv"
    )
    d = d[~d["secao"].isin(["TRU", "2º Grau", "total"])]
    assert len(d) == 297
    est = estimate_returns(
        d, unit="secao", period="ano", spending="Dpj", output="Tbaix", link="judicial"
    )
    # 27 sections x 11 years; TRF4 (RS, PR, SC) report 0 resolved cases in 2019-2020 (missing)
    assert est.n_units == 27 and est.nobs == 291 and est.dropped == 6
    # an independent two-way within estimate: alternating projections (demean by section, by
    # year, until nothing changes), beta = sum(x~ y~) / sum(x~^2), and the cluster-robust
    # (CR1) standard error by hand, with the usual G/(G-1) (N-1)/(N-K) correction
    ok = (d["Dpj"] > 0) & (d["Tbaix"] > 0)
    p = d.loc[ok, ["secao", "ano"]].assign(
        lx=np.log(d.loc[ok, "Dpj"]), ly=np.log(d.loc[ok, "Tbaix"])
    )
    xy = p[["lx", "ly"]].to_numpy(float)
    for _ in range(10_000):
        prev = xy.copy()
        for by in ("secao", "ano"):
            xy = xy - pd.DataFrame(xy).groupby(p[by].to_numpy()).transform("mean").to_numpy()
        if np.abs(xy - prev).max() < 1e-13:
            break
    xt, yt = xy[:, 0], xy[:, 1]
    beta = float(xt @ yt / (xt @ xt))
    resid = yt - beta * xt
    n, g = len(p), p["secao"].nunique()
    k = 1 + 1 + (g - 1) + (p["ano"].nunique() - 1)
    score = pd.Series(xt * resid).groupby(p["secao"].to_numpy()).sum().to_numpy()
    se = float(np.sqrt(score @ score / (xt @ xt) ** 2 * g / (g - 1) * (n - 1) / (n - k)))
    assert est.beta == pytest.approx(beta, rel=1e-8)
    assert est.se == pytest.approx(se, rel=1e-6)
    assert est.beta == pytest.approx(0.48, abs=0.01) and est.se == pytest.approx(
        0.30, abs=0.01
    )  # docs/methodology.md §7
    assert est.beta_for(["judicial", "patrol"])["patrol"] == 1.0
