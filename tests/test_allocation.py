"""Chain model and reallocation optimiser: analytic cases, an independent LP, properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.optimize import linprog, minimize

from peir.allocation import AllocationResult, ChainModel
from peir.errors import InfeasibleError, InputError


def _links() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "link": ["prevention", "patrol", "investigation", "judicial", "corrections"],
            "budget": [10.0, 100.0, 40.0, 60.0, 50.0],
            "unit_cost": [1.0, 0.002, 0.002, 0.008, 0.005],
            "demand_ratio": [0.0, 50 / 3, 20 / 3, 3.0, 25 / 3],
        }
    )


def test_bottleneck_and_throughput() -> None:
    m = ChainModel(_links())
    tmax = m.link_throughput()
    assert np.isinf(tmax["prevention"])
    expected = {
        lk: b / (c * r)
        for lk, b, c, r in _links()[["link", "budget", "unit_cost", "demand_ratio"]].itertuples(
            index=False
        )
        if r > 0
    }
    assert m.throughput == pytest.approx(min(expected.values()))
    bn = m.bottleneck()
    assert bn["link"].iloc[0] == "corrections"
    assert bool(bn["binding"].iloc[0]) and bn["utilisation"].iloc[0] == pytest.approx(1.0)
    assert set(bn.columns) >= {"link", "capacity", "demand", "utilisation"}
    assert bn.set_index("link").loc["prevention", "utilisation"] == 0
    assert "ChainModel" in m.summary() and "<table" in m._repr_html_()


def test_linear_no_bounds_is_proportional() -> None:
    # analytic optimum: b_l proportional to c_l r_l; T = processing budget / sum c r
    links = _links()
    m = ChainModel(links)
    B = 300.0
    res = m.optimize(B, floors={"prevention": 0.0})  # prevention may be cut: floors say so
    cr = (links["unit_cost"] * links["demand_ratio"]).to_numpy()
    proc = cr > 0
    assert res.throughput == pytest.approx(B / cr.sum(), rel=1e-9)
    b = res.budgets.to_numpy()
    assert b[~proc] == pytest.approx(0.0, abs=1e-6)  # prevention gives way (floor 0)
    assert_allclose(b[proc], B * cr[proc] / cr.sum(), rtol=1e-9)
    # with a prevention floor, the processing budget is what is left
    res2 = m.optimize(B, floors={"prevention": 25.0})
    assert res2.throughput == pytest.approx((B - 25.0) / cr.sum(), rel=1e-9)
    assert res2.budgets["prevention"] == pytest.approx(25.0)
    # every processing link has the same marginal value, 1 / sum c r = dT/dB
    assert res2.budget_dual == pytest.approx(1 / cr.sum(), rel=1e-9)
    assert_allclose(res2.shadow_prices[proc], 1 / cr.sum(), rtol=1e-9)


def _independent_lp(links: pd.DataFrame, B: float, lo: np.ndarray, hi: np.ndarray) -> float:
    """Same problem, other formulation: variables (T, s_l) with b_l = c_l r_l T + s_l for
    constrained links and b_l itself for links with r = 0; budget and bounds as rows."""
    cr = (links["unit_cost"] * links["demand_ratio"]).to_numpy()
    n = len(cr)
    # x = [T, s_0..s_{n-1}]; b_l = cr_l T + s_l (for r = 0, cr = 0 and s_l = b_l)
    c = np.zeros(n + 1)
    c[0] = -1.0
    A_eq = np.concatenate([[cr.sum()], np.ones(n)])[None, :]
    rows, rhs = [], []
    for i in range(n):
        row = np.zeros(n + 1)
        row[0], row[i + 1] = cr[i], 1.0
        rows.append(-row)
        rhs.append(-lo[i])
        if np.isfinite(hi[i]):
            rows.append(row)
            rhs.append(hi[i])
    res = linprog(
        c,
        A_ub=np.array(rows),
        b_ub=np.array(rhs),
        A_eq=A_eq,
        b_eq=[B],
        bounds=[(0, None)] * (n + 1),
        method="highs-ipm",
    )
    assert res.status == 0
    return float(res.x[0])


@pytest.mark.parametrize(
    ("B", "max_change", "floors"),
    [
        (260.0, 0.2, {"prevention": 10.0}),
        (280.0, 0.1, None),
        (240.0, 0.25, {"prevention": 12.0, "patrol": 90.0}),
        (260.0, {"judicial": 0.5, "corrections": 0.3}, None),
    ],
)
def test_bounded_matches_independent_lp(
    B: float, max_change: float | dict[str, float], floors: dict[str, float] | None
) -> None:
    links = _links()
    m = ChainModel(links)
    res = m.optimize(B, max_change=max_change, floors=floors)
    t_ind = _independent_lp(links, B, res.lower.to_numpy(), res.upper.to_numpy())
    assert res.throughput == pytest.approx(t_ind, rel=1e-7)
    assert res.budgets.sum() == pytest.approx(B, rel=1e-10)
    assert (res.budgets >= res.lower - 1e-7).all() and (res.budgets <= res.upper + 1e-7).all()
    # the reported throughput is what the budgets support
    assert ChainModel(links.assign(budget=res.budgets.to_numpy())).throughput == pytest.approx(
        res.throughput, rel=1e-8
    )


def test_shadow_price_predicts_marginal_gain() -> None:
    links = _links()
    m = ChainModel(links)
    res = m.optimize(max_change=0.2, floors={"prevention": 10.0})
    # the binding link at its upper bound: one more unit outside the budget adds its dual
    lk = res.shadow_prices.idxmax()
    assert res.shadow_prices[lk] > 0
    cr = links.set_index("link").eval("unit_cost * demand_ratio")[lk]
    assert res.shadow_prices[lk] == pytest.approx(1 / cr, rel=1e-9)


def test_presentation() -> None:
    res = ChainModel(_links()).optimize(max_change=0.2)
    assert isinstance(res, AllocationResult)
    tab = res.to_frame()
    assert {"current", "optimal", "change", "shadow_price"} <= set(tab.columns)
    assert "throughput" in res.summary() and "<table" in res._repr_html_()
    fig = res.plot()
    assert fig.axes
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_infeasible_requests_name_the_constraint() -> None:
    m = ChainModel(_links())
    with pytest.raises(InfeasibleError, match="floors add up") as e:
        m.optimize(100.0, floors={"patrol": 80.0, "judicial": 40.0})
    assert e.value.constraint == "floors"
    with pytest.raises(InfeasibleError, match="must keep") as e:
        m.optimize(100.0, max_change=0.1)
    assert e.value.constraint == "max_change_lower"
    with pytest.raises(InfeasibleError, match="cannot be spent") as e:
        m.optimize(1000.0, max_change=0.1)
    assert e.value.constraint == "max_change_upper"
    with pytest.raises(InfeasibleError, match="floor for link patrol"):
        m.optimize(max_change=0.1, floors={"patrol": 200.0})
    with pytest.raises(InputError, match="unknown link"):
        m.optimize(floors={"police": 1.0})


def test_bad_links() -> None:
    with pytest.raises(InputError, match="unit_cost"):
        ChainModel(_links().assign(unit_cost=0.0))
    with pytest.raises(InputError, match="demand ratio"):
        ChainModel(_links().assign(demand_ratio=0.0))
    with pytest.raises(InputError, match="missing"):
        ChainModel(_links().drop(columns="budget"))
    with pytest.raises(InputError, match="not a number"):
        ChainModel(_links().assign(budget=[1, 2, np.nan, 4, 5]))


def test_diminishing_returns_matches_slsqp() -> None:
    links = _links()
    m = ChainModel(links)
    beta = {
        "prevention": 1.0,
        "patrol": 0.7,
        "investigation": 0.8,
        "judicial": 0.5,
        "corrections": 0.6,
    }
    res = m.optimize(max_change=0.3, floors={"prevention": 10.0}, returns=beta)
    assert res.method == "convex-kkt"
    # independent: SLSQP on max min_l a_l b_l^beta_l / r_l via an epigraph variable
    lk = links.set_index("link")
    b0, c, r = lk["budget"].to_numpy(), lk["unit_cost"].to_numpy(), lk["demand_ratio"].to_numpy()
    be = np.array([beta[k] for k in lk.index])
    a = b0 ** (1 - be) / c
    B = b0.sum()
    act = r > 0
    scale = 1000.0

    def neg_t(x: np.ndarray) -> float:
        return -x[-1]

    cons = [{"type": "eq", "fun": lambda x: x[:-1].sum() - B}]
    for i in np.flatnonzero(act):
        cons.append(
            {"type": "ineq", "fun": lambda x, i=i: a[i] * x[i] ** be[i] / r[i] / scale - x[-1]}
        )
    bounds = [
        (max(0.7 * v, 10.0 if k == "prevention" else 0.0), 1.3 * v) for k, v in zip(lk.index, b0)
    ]
    x0 = np.concatenate([b0, [m.throughput / scale]])
    sol = minimize(
        neg_t,
        x0,
        method="SLSQP",
        bounds=[*bounds, (0, None)],
        constraints=cons,
        options={"ftol": 1e-12, "maxiter": 500},
    )
    assert sol.success
    assert res.throughput == pytest.approx(sol.x[-1] * scale, rel=1e-6)
    assert res.throughput >= res.current_throughput
    # with beta = 1 everywhere the convex solver reproduces the LP
    lin = m.optimize(max_change=0.3, floors={"prevention": 10.0})
    one = m.optimize(max_change=0.3, floors={"prevention": 10.0}, returns=1.0)
    assert one.throughput == pytest.approx(lin.throughput, rel=1e-8)
    with pytest.raises(InputError, match=r"\(0, 1\]"):
        m.optimize(returns=1.5)


@st.composite
def _problems(draw: st.DrawFn) -> tuple[pd.DataFrame, float | None, dict[str, float]]:
    n = draw(st.integers(2, 5))
    pos = st.floats(0.1, 100.0, allow_nan=False)
    budget = [draw(pos) for _ in range(n)]
    cost = [draw(st.floats(0.01, 10.0)) for _ in range(n)]
    ratio = [draw(st.sampled_from([0.0, 0.5, 1.0, 2.0, 7.5])) for _ in range(n)]
    if not any(ratio):
        ratio[0] = 1.0
    links = pd.DataFrame(
        {
            "link": [f"l{i}" for i in range(n)],
            "budget": budget,
            "unit_cost": cost,
            "demand_ratio": ratio,
        }
    )
    mc = draw(st.one_of(st.none(), st.floats(0.0, 0.6)))
    floors = {
        f"l{i}": budget[i] * draw(st.floats(0.0, 1.0)) for i in range(n) if draw(st.booleans())
    }
    return links, mc, floors


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_problems(), st.sampled_from([None, 0.5, 0.9]))
def test_never_worse_than_current(
    problem: tuple[pd.DataFrame, float | None, dict[str, float]], beta: float | None
) -> None:
    links, mc, floors = problem
    m = ChainModel(links)
    res = m.optimize(max_change=mc, floors=floors, returns=beta)
    assert res.throughput >= res.current_throughput * (1 - 1e-7)
    assert res.budgets.sum() == pytest.approx(links["budget"].sum(), rel=1e-9)


# ---------------------------------------------------------------------------------------------
# guarded allocation (#15) and value per output (#18)
# ---------------------------------------------------------------------------------------------


def test_default_keeps_prevention_on_simulated_data() -> None:
    """The brief's call (max_change=0.2, no floors) cut prevention 97.6 M -> 78.1 M on
    simulate(seed=1); by default prevention now keeps at least its current budget."""
    import warnings

    from peir.datasets import simulate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = simulate(seed=1).harmonize(base_year=2020)
    year = int(h.spending["year"].max())
    m = ChainModel.from_harmonized(h, country="XSA", year=year)
    current = float(m.links.loc["prevention", "budget"])
    assert np.isnan(m.links.loc["prevention", "unit_cost"])  # no measured output, no unit cost
    guarded = m.optimize(max_change=0.2)
    assert guarded.budgets["prevention"] >= current * (1 - 1e-9)
    assert any("prevention is kept" in n for n in guarded.notes)
    # without the occupancy limit the LP wants prison throughput, and still keeps prevention
    no_limit = m.optimize(max_change=0.2, limits={})
    assert no_limit.throughput > guarded.throughput
    assert no_limit.budgets["prevention"] >= current * (1 - 1e-9)
    # only with both guards off is prevention cut, as the brief did: 97.6 M -> 78.1 M
    unguarded = m.optimize(max_change=0.2, floors={"prevention": 0.0}, limits={})
    assert current == pytest.approx(97.6e6, rel=1e-3)
    assert unguarded.budgets["prevention"] == pytest.approx(0.8 * current, rel=1e-6)
    assert guarded.budgets.sum() == pytest.approx(m.links["budget"].sum(), rel=1e-9)


def test_nan_unit_cost_only_where_demand_ratio_is_zero() -> None:
    links = _links().assign(unit_cost=[np.nan, 0.002, 0.002, 0.008, 0.005])
    m = ChainModel(links)
    assert np.isinf(m.link_throughput()["prevention"])
    assert m.throughput == pytest.approx(ChainModel(_links()).throughput)
    with pytest.raises(InputError, match="only a link with demand ratio 0 may have no unit cost"):
        ChainModel(_links().assign(unit_cost=[1.0, np.nan, 0.002, 0.008, 0.005]))


def test_value_per_output_by_hand() -> None:
    """Two links, current (50, 50), within ±50 %: prevention (r = 0, 1 per participant, each
    worth 5) and patrol (r = 1, 2 per unit of output, each worth 3). Value = 3 T + 5 b_p with
    T = b_patrol / 2, i.e. 1.5 b_patrol + 5 b_p: prevention takes all it may (75)."""
    links = pd.DataFrame(
        {
            "link": ["prevention", "patrol"],
            "budget": [50.0, 50.0],
            "unit_cost": [1.0, 2.0],
            "demand_ratio": [0.0, 1.0],
        }
    )
    m = ChainModel(links)
    res = m.optimize(max_change=0.5, value_per_output={"prevention": 5.0, "patrol": 3.0})
    assert res.budgets["prevention"] == pytest.approx(75.0)
    assert res.budgets["patrol"] == pytest.approx(25.0)
    assert res.value == pytest.approx(3 * 12.5 + 5 * 75)  # 412.5
    assert res.current_value == pytest.approx(3 * 25 + 5 * 50)  # 325
    # worth little, prevention gives way down to its floor (its current budget by default)
    cheap = m.optimize(max_change=0.5, value_per_output={"prevention": 0.1, "patrol": 3.0})
    assert cheap.budgets["prevention"] == pytest.approx(50.0)
    # the default (no values) is the throughput LP, unchanged
    assert m.optimize(max_change=0.5).throughput == pytest.approx(25.0)
    with pytest.raises(InputError, match="needs its unit cost"):
        ChainModel(links.assign(unit_cost=[np.nan, 2.0])).optimize(
            value_per_output={"prevention": 5.0}
        )
    with pytest.raises(InputError, match="linear model only"):
        m.optimize(value_per_output={"patrol": 1.0}, returns=0.5)


def test_limit_caps_throughput_whatever_the_budget() -> None:
    links = _links().assign(limit=[np.nan, np.nan, np.nan, np.nan, 10_000.0])  # prison places
    m = ChainModel(links)
    # corrections can hold 10,000 = its budget-capacity today: more money does not help
    res = m.optimize(max_change=0.5)
    assert res.throughput == pytest.approx(10_000 / (25 / 3))
    assert res.budgets["corrections"] <= 50.0 * (1 + 1e-9)
    assert m.optimize(max_change=0.5, limits={}).throughput > res.throughput
