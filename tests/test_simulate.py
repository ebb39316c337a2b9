"""The synthetic generator: deterministic, valid, labelled, scalable, and with something to find."""

from __future__ import annotations

import fnmatch
import itertools
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog
from scipy.stats import spearmanr

import peir
from peir.datasets import simulate
from peir.schema import C

SMALL = {"n_regions": 5, "years": range(2019, 2023)}


@pytest.fixture(scope="module")
def ds() -> peir.Dataset:
    return simulate(seed=0)


def _frames(d: peir.Dataset) -> dict[str, pd.DataFrame]:
    return {k: t.frame for k, t in d.tables.items()}


def test_deterministic_for_a_seed() -> None:
    a, b = simulate(seed=7, **SMALL), simulate(seed=7, **SMALL)
    fa, fb = _frames(a), _frames(b)
    assert set(fa) == {"budget", "caseload", "context", "chain_map"}
    for k in fa:
        pd.testing.assert_frame_equal(fa[k], fb[k])
    pd.testing.assert_frame_equal(a.meta["true_efficiency"], b.meta["true_efficiency"])


def test_different_seeds_differ() -> None:
    a, b = simulate(seed=1, **SMALL), simulate(seed=2, **SMALL)
    assert a.budget is not None and b.budget is not None
    assert not np.allclose(a.budget.frame[C.AMOUNT], b.budget.frame[C.AMOUNT])
    assert a.caseload is not None and b.caseload is not None
    assert not a.caseload.frame[C.VALUE].equals(b.caseload.frame[C.VALUE])


def test_validates_with_zero_errors(ds: peir.Dataset) -> None:
    report = ds.validate()
    assert report.ok, report
    assert len(report.errors) == 0
    for t in ds.tables.values():
        assert len(t.rejected) == 0


def test_everything_labelled_synthetic(ds: peir.Dataset) -> None:
    assert ds.meta["synthetic"] is True
    for frame in _frames(ds).values():
        assert frame[C.SOURCE_REF].astype(str).str.startswith("synthetic:").all()
    assert ds.caseload is not None
    cl = ds.caseload.frame
    assert cl[C.SOURCE].astype(str).str.startswith("synthetic:").all()
    assert cl[C.COUNTING_RULE].astype(str).str.startswith("synthetic:").all()
    assert ds.context is not None
    assert ds.context.frame[C.POPULATION_SOURCE].str.startswith("synthetic").all()


def test_budget_structure(ds: peir.Dataset) -> None:
    assert ds.budget is not None
    b = ds.budget.frame
    # 13 programmes x 4 economic classes x 3 phases x 14 regions x 10 years
    assert len(b) == 13 * 4 * 3 * 14 * 10
    assert set(b[C.ECON]) == {"21", "22", "28", "31"}
    assert set(b[C.PHASE]) == {"approved", "modified", "executed"}
    assert b[C.REGION].nunique() == 14
    assert sorted(set(b[C.YEAR])) == list(range(2015, 2025))
    key = [C.COUNTRY, C.YEAR, C.INSTITUTION_CODE, C.PROGRAM, C.ECON, C.REGION, C.PHASE]
    assert not b.duplicated(key).any()
    wide = b.pivot_table(index=key[:-1], columns=C.PHASE, values=C.AMOUNT, observed=True)
    assert (wide["executed"] <= wide["modified"] + 0.01).all()
    rate = wide["executed"].sum() / wide["modified"].sum()
    assert 0.85 < rate < 0.98  # realistic aggregate execution rate
    by_econ = wide.groupby(level=C.ECON)[["executed", "modified"]].sum()
    capital = by_econ.loc["31", "executed"] / by_econ.loc["31", "modified"]
    wages = by_econ.loc["21", "executed"] / by_econ.loc["21", "modified"]
    assert capital < wages  # capital budgets execute worst


def test_share_of_gdp_is_plausible(ds: peir.Dataset) -> None:
    assert ds.budget is not None and ds.context is not None
    b = ds.budget.frame
    appr = b[b[C.PHASE] == "approved"].groupby(C.YEAR)[C.AMOUNT].sum()
    gdp = ds.context.frame.set_index(C.YEAR)[C.GDP_LCU]
    pct = appr / gdp * 100
    assert ((pct > 1.0) & (pct < 3.5)).all()


def test_unallocated_lines_present(ds: peir.Dataset) -> None:
    assert ds.budget is not None and ds.chain_map is not None
    b, cm = ds.budget.frame, ds.chain_map.frame
    programmes = b[[C.INSTITUTION_CODE, C.PROGRAM]].drop_duplicates()

    def covered(inst: str, program: str) -> bool:
        rules = cm[cm[C.INSTITUTION_CODE] == inst]
        pats = rules[C.PROGRAM].fillna("*")
        return any(fnmatch.fnmatch(program.lower(), p.lower()) for p in pats)

    uncovered = [p for i, p in programmes.itertuples(index=False) if not covered(i, p)]
    assert uncovered and all(p.startswith("MIN-02") for p in uncovered)
    assert cm.groupby([C.INSTITUTION_CODE, C.PROGRAM], dropna=False)[C.SHARE].sum().eq(1).all()
    assert cm[C.BASIS].notna().all()


def test_harmonized_has_unallocated_spending(ds: peir.Dataset) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            h = ds.harmonize(source_priority=ds.meta["source_priority"])
    except (NotImplementedError, ImportError) as exc:  # pragma: no cover
        pytest.skip(f"harmonize not available: {exc}")
    s = h.spending
    un = s[s[C.LINK] == "unallocated"]
    assert len(un) > 0 and un[C.AMOUNT].sum() > 0
    assert set(un[C.INSTITUTION_CODE]) == {"MIN"}
    assert ds.budget is not None
    total_in = ds.budget.frame.groupby(C.PHASE)[C.AMOUNT].sum()
    total_out = s.groupby(C.PHASE)[C.AMOUNT].sum()
    np.testing.assert_allclose(total_out.sort_index(), total_in.sort_index(), rtol=1e-9)
    assert h.synthetic


def test_several_countries() -> None:
    d = simulate(seed=3, countries=3, **SMALL)
    assert d.budget is not None and d.context is not None and d.caseload is not None
    codes = sorted(set(d.budget.frame[C.COUNTRY]))
    assert len(codes) == 3 and all(re.fullmatch(r"X[A-Z]{2}", c) for c in codes)
    assert set(d.context.frame[C.COUNTRY]) == set(codes) == set(d.caseload.frame[C.COUNTRY])
    assert len(d.context.frame) == 3 * 4
    d2 = simulate(seed=3, countries=("XSA", "XSB"), **SMALL)
    assert d2.context is not None
    assert set(d2.context.frame[C.COUNTRY]) == {"XSA", "XSB"}
    assert d2.validate().ok


def test_bad_arguments() -> None:
    with pytest.raises(peir.InputError, match="X"):
        simulate(countries=("SLV",))
    with pytest.raises(peir.InputError):
        simulate(n_regions=0)
    with pytest.raises(peir.InputError):
        simulate(years=[])


def test_caseload_flows_along_the_chain(ds: peir.Dataset) -> None:
    assert ds.caseload is not None
    cl = ds.caseload.frame
    police = cl[cl[C.SOURCE] != "synthetic:forensic institute"]
    w = police.pivot_table(
        index=[C.COUNTRY, C.YEAR, C.REGION], columns=C.MEASURE, values=C.VALUE, observed=True
    )
    chain = ["crimes_recorded", "suspects", "cases_received", "indictments", "cases_incoming"]
    for a, b in itertools.pairwise(chain):
        assert (w[b] <= w[a]).all(), (a, b)
    assert (w["arrests"] <= w["suspects"]).all()
    assert (w["cases_resolved"] <= w["cases_pending_start"] + w["cases_incoming"]).all()
    assert (w["convictions"] <= w["cases_resolved"]).all()
    assert (w["prison_admissions"] <= w["convictions"]).all()
    assert (w["prisoners_unsentenced"] <= w["prisoners_total"]).all()
    # stocks carry over: pending at the end of one year = pending at the start of the next
    end = w["cases_pending_end"].unstack(C.YEAR)
    start = w["cases_pending_start"].unstack(C.YEAR)
    years = list(end.columns)
    for y0, y1 in itertools.pairwise(years):
        np.testing.assert_array_equal(end[y0].to_numpy(), start[y1].to_numpy())
    overall = w.sum()
    assert 0.3 < overall["suspects"] / overall["crimes_recorded"] < 0.55
    assert 0.5 < overall["cases_resolved"] / overall["cases_incoming"] < 1.1
    for staff in ("police_officers", "prosecutors", "judges", "public_defenders", "prison_staff"):
        assert (w[staff] >= 1).all()


def test_homicides_have_two_sources_in_some_rows(ds: peir.Dataset) -> None:
    assert ds.caseload is not None
    cl = ds.caseload.frame
    hom = cl[cl[C.MEASURE] == "homicides"]
    n_src = hom.groupby([C.YEAR, C.REGION])[C.SOURCE].nunique()
    assert (n_src == 2).any() and (n_src == 1).any()
    assert ds.meta["source_priority"]["homicides"][0] in set(hom[C.SOURCE])


def _dea_crs_input(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Farrell input efficiency under CRS: min theta s.t. X'l <= theta x0, Y'l >= y0, l >= 0."""
    n = x.shape[0]
    out = np.empty(n)
    for o in range(n):
        c = np.r_[1.0, np.zeros(n)]
        a_ub = np.vstack([np.c_[-x[o], x.T], np.c_[np.zeros(y.shape[1]), -y.T]])
        b_ub = np.r_[np.zeros(x.shape[1]), -y[o]]
        res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=[(0, None)] * (n + 1), method="highs")
        assert res.status == 0
        out[o] = res.x[0]
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dea_recovers_hidden_efficiency_ranking(seed: int) -> None:
    d = simulate(seed=seed)
    assert d.budget is not None and d.caseload is not None
    b, cl = d.budget.frame, d.caseload.frame
    year = 2020
    spend = (
        b[(b[C.YEAR] == year) & (b[C.PHASE] == "executed") & (b[C.INSTITUTION_CODE] == "COURT")]
        .groupby(C.REGION)[C.AMOUNT]
        .sum()
    )
    w = cl[cl[C.YEAR] == year].pivot_table(
        index=C.REGION, columns=C.MEASURE, values=C.VALUE, aggfunc="first"
    )
    x = np.c_[spend.loc[w.index].to_numpy(), w["judges"].to_numpy()]
    y = w[["cases_resolved"]].to_numpy()
    scores = _dea_crs_input(x, y)
    true = d.meta["true_efficiency"].set_index(C.REGION)["efficiency"].loc[w.index]
    assert spearmanr(scores, true).statistic > 0.8
    assert true.max() == 1.0


def test_n_rows_scales_to_a_million() -> None:
    """A million valid lines (the time it takes is measured in benchmarks/bench_notebooks.py)."""
    d = simulate(n_rows=1_000_000, seed=5)
    assert d.budget is not None
    n = len(d.budget.frame)
    assert 900_000 <= n <= 1_100_000
    assert d.budget.report.rows_rejected == 0


def test_n_rows_small_target() -> None:
    d = simulate(n_rows=50_000, seed=1)
    assert d.budget is not None
    assert abs(len(d.budget.frame) - 50_000) / 50_000 < 0.1


def test_peir_dea_agrees_with_reference_lp() -> None:
    dea = pytest.importorskip("peir.efficiency").dea
    d = simulate(seed=0, n_regions=8, years=[2020])
    assert d.budget is not None and d.caseload is not None
    b, cl = d.budget.frame, d.caseload.frame
    spend = (
        b[(b[C.PHASE] == "executed") & (b[C.INSTITUTION_CODE] == "COURT")]
        .groupby(C.REGION)[C.AMOUNT]
        .sum()
    )
    w = cl.pivot_table(index=C.REGION, columns=C.MEASURE, values=C.VALUE, aggfunc="first")
    x = pd.DataFrame({"spending": spend.loc[w.index], "judges": w["judges"]})
    y = w[["cases_resolved"]]
    res = dea(x, y, rts="crs", orientation="input")
    np.testing.assert_allclose(
        np.asarray(res.efficiency), _dea_crs_input(x.to_numpy(), y.to_numpy()), atol=1e-6
    )
