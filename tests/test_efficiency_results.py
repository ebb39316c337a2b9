"""Every public efficiency result behaves like DEAResult in a notebook (issue 19): summary()
returns the one Summary type, to_frame() a DataFrame, plot() draws a new figure and plot(ax)
draws on the given axes, _repr_html_ shows the summary, public fields are read-only. One case
per class of ``peir.efficiency.__all__``: a new result class without a case fails here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import peir.efficiency as eff
from conftest import TEST_DATA
from peir._results import Result, Summary

pytestmark = pytest.mark.filterwarnings("ignore:.*Cooper's rule")

PUB = TEST_DATA / "published"
HOSPITALS = pd.read_csv(PUB / "cst_hospitals.csv", index_col=0)
X, Y = HOSPITALS[["doctors", "nurses"]], HOSPITALS[["outpatients", "inpatients"]]


def _panel(n: int = 12, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x0 = rng.uniform(1, 10, (n, 2))
    u = np.abs(rng.normal(0, 0.25, n))
    rows = []
    for t in (1, 2, 3):
        x = x0 * rng.uniform(0.8, 1.25, (n, 2))
        y = np.sqrt(x[:, 0] * x[:, 1]) * np.exp(-u) * 1.05 ** (t - 1)
        rows += [
            {"u": f"u{i:02d}", "t": t, "x1": x[i, 0], "x2": x[i, 1], "y": y[i]} for i in range(n)
        ]
    return pd.DataFrame(rows)


def _second_stage() -> Result:
    rng = np.random.default_rng(1)
    z = rng.uniform(0, 1, 80)
    d = 1.0 + 0.5 * z + np.abs(rng.normal(0, 0.2, 80))
    return eff.second_stage(pd.Series(1 / d), pd.DataFrame({"caseload_mix": z}), n_boot=30, seed=0)


def _rice() -> pd.DataFrame:
    rice = pd.read_csv(PUB / "riceProdPhil.csv")
    return rice.assign(
        lPROD=np.log(rice["PROD"]),
        lAREA=np.log(rice["AREA"]),
        lLABOR=np.log(rice["LABOR"]),
        lNPK=np.log(rice["NPK"]),
    )


def _sfa() -> Result:
    r = _rice()
    return eff.sfa(
        r["lPROD"], r[["lAREA", "lLABOR", "lNPK"]], z=r[["EDYRS"]], dist="truncated-normal"
    )


def _sfa_panel() -> Result:
    return eff.sfa_panel(
        _rice(), y="lPROD", X=["lAREA", "lLABOR", "lNPK"], unit="FMERCODE", period="YEARDUM"
    )


PRICES = pd.DataFrame({"doctors": 3.0, "nurses": 1.0}, index=X.index)
CASES: dict[str, Callable[[], Any]] = {
    "DEAResult": lambda: eff.dea(X, Y, rts="crs"),
    "SuperEfficiencyResult": lambda: eff.super_efficiency(X, Y),
    "MalmquistResult": lambda: eff.malmquist(
        _panel(), inputs=["x1", "x2"], outputs="y", unit="u", period="t"
    ),
    "BootstrapResult": lambda: eff.bootstrap_dea(X, Y, n_boot=20, seed=0, n_jobs=1),
    "MalmquistBootstrapResult": lambda: eff.bootstrap_malmquist(
        _panel(), inputs=["x1", "x2"], outputs="y", unit="u", period="t", n_boot=20, seed=0
    ),
    "TrackResult": lambda: eff.track(
        _panel(), inputs=["x1", "x2"], outputs="y", unit="u", period="t", base_period=1
    ),
    "DirectionalResult": lambda: eff.directional(X, Y, direction="both"),
    "CostEfficiencyResult": lambda: eff.cost_efficiency(X, Y, PRICES),
    "RevenueEfficiencyResult": lambda: eff.revenue_efficiency(X, Y, [1.0, 5.0]),
    "MultiplierResult": lambda: eff.dea_multiplier(
        X, Y, ratio_bounds={("nurses", "doctors"): (0.2, 1.0)}
    ),
    "SecondStageResult": _second_stage,
    "SFAResult": _sfa,
    "SFAPanelResult": _sfa_panel,
}


def test_every_result_class_has_a_case() -> None:
    classes = {n for n in eff.__all__ if n.endswith("Result")}
    assert classes == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_result_behaves_like_dea_result(name: str) -> None:
    res = CASES[name]()
    assert type(res).__name__ == name and isinstance(res, Result)
    s = res.summary()
    assert isinstance(s, Summary) and s.as_text().strip()
    frame = res.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) > 0
    assert s.as_html() in res._repr_html_()
    # a new figure without ax ...
    fig = res.plot()
    assert isinstance(fig, Figure) and fig.axes
    assert any(a.has_data() for a in fig.axes)
    plt.close(fig)
    # ... and the given axes with one
    fig2, ax = plt.subplots()
    assert res.plot(ax=ax) is fig2
    assert ax.has_data()
    plt.close(fig2)
    # read-only: every public field
    public = [f for f in type(res).__dataclass_fields__ if not f.startswith("_")]
    assert public
    for field in public:
        with pytest.raises(AttributeError):
            setattr(res, field, None)


def test_the_new_figures_draw_the_results_numbers() -> None:
    ss = _second_stage()
    fig = ss.plot()
    line = fig.axes[0].lines[0]  # the estimates' markers
    np.testing.assert_allclose(line.get_xdata(), ss.params.drop(["const", "sigma"]))
    plt.close(fig)
    panel = _sfa_panel()
    fig = panel.plot()
    mean_line = next(ln for ln in fig.axes[0].lines if ln.get_linewidth() > 2)
    np.testing.assert_allclose(mean_line.get_ydata(), panel.mean_efficiency_by_period())
    plt.close(fig)
    fit = _sfa()
    fig = fit.plot()  # 344 observations: a histogram, every one counted
    assert sum(p.get_height() for p in fig.axes[0].patches) == fit.nobs
    plt.close(fig)
