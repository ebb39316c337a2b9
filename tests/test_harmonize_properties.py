"""Invariants of harmonisation, checked with hypothesis on generated budgets.

- Nothing is lost: for every country, year and phase, the spending over all links (including
  ``unallocated``) plus the transfers removed by consolidation equals the original total.
- Rebasing to another year and back gives the original constant-price amounts.
- Scaling a deflator series by a constant leaves the real amounts unchanged.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peir import BudgetTable, ChainMap, ContextTable, Dataset

INSTITUTIONS = ("PNC", "FGR", "OJ", "DGCP", "MJSP", "MOD")
LINKS = ("prevention", "patrol", "investigation", "judicial", "corrections", "unallocated")
YEARS = (2014, 2015, 2016, 2017)
PHASES = ("approved", "modified", "executed")
SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def budgets(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 40))
    rows = []
    for i in range(n):
        inst = draw(st.sampled_from(INSTITUTIONS))
        transfer = draw(st.sampled_from((None, None, None, "PNC", "OJ", "ISNA")))
        rows.append(
            {
                "country": draw(st.sampled_from(("SLV", "GTM"))),
                "year": draw(st.sampled_from(YEARS)),
                "institution_code": inst,
                "program": draw(
                    st.sampled_from(("Admin", "Investigación criminal", "Patrullaje", None))
                ),
                "func": draw(st.sampled_from(("03.1", "03.3", "03.4", None))),
                "phase": draw(st.sampled_from(PHASES)),
                "amount": draw(st.floats(-1e6, 1e9, allow_nan=False, allow_infinity=False)),
                "currency": "LCU",
                "transfer_to": transfer,
                "source_ref": f"b.csv:{i + 2}",
            }
        )
    return pd.DataFrame(rows)


@st.composite
def chain_maps(draw: st.DrawFn) -> pd.DataFrame:
    rows = []
    covered = draw(st.lists(st.sampled_from(INSTITUTIONS), unique=True, max_size=len(INSTITUTIONS)))
    for inst in covered:
        k = draw(st.integers(1, 4))
        links = draw(st.lists(st.sampled_from(LINKS), min_size=k, max_size=k, unique=True))
        raw = draw(st.lists(st.integers(1, 100), min_size=k, max_size=k))
        shares = [r / sum(raw) for r in raw]
        shares[-1] = 1.0 - sum(shares[:-1])
        rows += [
            {"institution_code": inst, "link": lk, "share": s, "basis": "generated"}
            for lk, s in zip(links, shares)
        ]
        if draw(st.booleans()):  # a more specific programme rule
            rows.append(
                {
                    "institution_code": inst,
                    "program": "*investig*",
                    "link": "investigation",
                    "share": 1.0,
                    "basis": "programme",
                }
            )
        if draw(st.booleans()):  # a year-range rule
            rows.append(
                {
                    "institution_code": inst,
                    "year_from": 2016,
                    "link": "judicial",
                    "share": 1.0,
                    "basis": "reform",
                }
            )
    return pd.DataFrame(
        rows, columns=["institution_code", "program", "year_from", "link", "share", "basis"]
    )


def context(scale: float = 1.0, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for c in ("SLV", "GTM"):
        d = 100 * np.cumprod(1 + rng.uniform(-0.02, 0.08, len(YEARS)))
        rows += [
            {"country": c, "year": y, "gdp_deflator": v * scale, "cpi": v * 0.9}
            for y, v in zip(YEARS, d)
        ]
    return pd.DataFrame(rows)


def run(budget: pd.DataFrame, cm: pd.DataFrame, ctx: pd.DataFrame, **kw: object):  # type: ignore[no-untyped-def]
    ds = Dataset(
        budget=BudgetTable(frame=budget),
        chain_map=ChainMap(frame=cm),
        context=ContextTable(frame=ctx),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ds.harmonize(**kw)  # type: ignore[arg-type]


@SETTINGS
@given(budgets(), chain_maps())
def test_sum_over_links_plus_removed_transfers_equals_the_original(
    budget: pd.DataFrame, cm: pd.DataFrame
) -> None:
    h = run(budget, cm, context(), base_year=2016)
    keys = ["country", "year", "phase"]
    orig = budget.groupby(keys)["amount"].sum()
    spent = h.spending.groupby(keys)["amount_lcu"].sum()
    t = h.transfers
    removed = t[t["status"].str.startswith("removed")].groupby(keys)["amount"].sum()
    total = spent.reindex(orig.index, fill_value=0.0) + removed.reindex(orig.index, fill_value=0.0)
    scale = (
        budget["amount"].abs().groupby([budget[k] for k in keys]).sum().reindex(orig.index) + 1.0
    )
    assert (((total - orig).abs() / scale) < 1e-9).all()
    # every line is present on at least one link, and shares of a line sum to 1
    kept_refs = set(budget["source_ref"]) - set(
        t[t["status"].str.startswith("removed")]["source_ref"]
    )
    assert set(h.spending["source_ref"]) == kept_refs
    share_sum = h.spending.groupby("source_ref")["share"].sum()
    assert np.allclose(share_sum.to_numpy(), 1.0, atol=1e-9)


@SETTINGS
@given(budgets(), chain_maps(), st.sampled_from(YEARS), st.sampled_from(YEARS))
def test_rebase_there_and_back_is_the_identity(
    budget: pd.DataFrame, cm: pd.DataFrame, b1: int, b2: int
) -> None:
    h = run(budget, cm, context(), base_year=b1)
    back = h.rebase(b2).rebase(b1)
    a, b = h.spending["amount_real"].to_numpy(), back.spending["amount_real"].to_numpy()
    assert np.allclose(b, a, rtol=1e-9, atol=1e-9 * (np.abs(a).max() + 1))
    # and rebasing equals harmonising directly in the other base year
    direct = run(budget, cm, context(), base_year=b2).spending["amount_real"].to_numpy()
    assert np.allclose(
        h.rebase(b2).spending["amount_real"].to_numpy(),
        direct,
        rtol=1e-9,
        atol=1e-9 * (np.abs(direct).max() + 1),
    )


@SETTINGS
@given(budgets(), chain_maps(), st.floats(1e-3, 1e3), st.sampled_from(("gdp", "cpi")))
def test_scaling_the_deflator_leaves_real_amounts_unchanged(
    budget: pd.DataFrame, cm: pd.DataFrame, k: float, deflator: str
) -> None:
    base = run(budget, cm, context(), base_year=2015, deflator=deflator)
    ctx = context()
    ctx["gdp_deflator"] *= k
    ctx["cpi"] *= k
    scaled = run(budget, cm, ctx, base_year=2015, deflator=deflator)
    a, b = base.spending["amount_real"].to_numpy(), scaled.spending["amount_real"].to_numpy()
    assert np.allclose(b, a, rtol=1e-12, atol=1e-12 * (np.abs(a).max() + 1))
