"""Diminishing returns to spending: the elasticity beta of output with respect to spending.

Link capacity is modelled as ``a b^beta`` (docs/methodology.md §7). beta is estimated from a
panel of units (court sections, police districts…) over years by the log-log regression

    ln output_it = alpha_i + delta_t + beta ln spending_it + e_it

with unit fixed effects ``alpha_i`` and period fixed effects ``delta_t`` where the panel allows
(two-way within estimator, statsmodels OLS with dummies) and standard errors clustered by unit
(Arellano 1987; Cameron & Miller 2015). Period effects absorb common shocks, including general
inflation, so nominal spending is acceptable with them. beta < 1 means diminishing returns.

What the data can and cannot say is reported with the estimate: the pooled (between-unit)
elasticity mostly measures scale (big sections spend and resolve more), the within estimate
identifies beta only from year-to-year changes inside a unit, which are small and noisy when
budgets mostly follow a common trend.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from peir._results import Result, Summary
from peir.errors import InputError

__all__ = ["ReturnsEstimate", "estimate_returns"]

Effects = Literal["auto", "twoway", "unit", "period", "none"]


@dataclass(frozen=True, repr=False, eq=False)
class ReturnsEstimate(Result):
    """Estimated elasticity of output with respect to spending.

    Read-only, like every peir result (:class:`peir._results.Result`): ``summary()`` is a
    :class:`peir._results.Summary`, ``to_frame()`` the specifications side by side.

    Attributes
    ----------
    beta, se
        Elasticity and its (cluster-robust) standard error.
    effects
        Fixed effects used: ``"twoway"``, ``"unit"``, ``"period"`` or ``"none"``.
    alternatives
        beta under the other specifications (for the reader to judge robustness).
    link
        The link the estimate applies to in :meth:`ChainModel.optimize` (None = all links).
    """

    beta: float
    se: float
    nobs: int
    n_units: int
    n_periods: int
    effects: str
    cov_type: str
    spending: str
    output: str
    alternatives: pd.DataFrame
    dropped: int = 0
    link: str | None = None
    within_share: float = math.nan
    notes: list[str] = field(default_factory=list)

    def conf_int(self, level: float = 0.95) -> tuple[float, float]:
        from scipy import stats

        z = float(stats.norm.ppf(0.5 + level / 2))
        return self.beta - z * self.se, self.beta + z * self.se

    @property
    def supports(self) -> str:
        """Plain-language reading of what the estimate supports."""
        lo, hi = self.conf_int()
        if not np.isfinite(self.se):
            return "beta could not be estimated with a standard error"
        ci = f"the 95 % interval [{lo:.2f}, {hi:.2f}]"
        if lo <= 0 and hi >= 1:
            verdict = (
                f"the data cannot tell: {ci} includes both 0 (spending unrelated to output) "
                "and 1 (constant returns)"
            )
        elif lo <= 0:
            verdict = (
                f"returns below constant, possibly none at all: {ci} lies below 1 but includes 0"
            )
        elif hi < 1:
            verdict = f"diminishing returns are supported: {ci} lies strictly between 0 and 1"
        elif lo > 1:
            verdict = f"increasing returns: {ci} lies above 1"
        else:
            verdict = f"constant returns cannot be rejected: {ci} includes 1"
        return verdict

    def beta_for(self, links: list[str]) -> dict[str, float]:
        """beta per link for the optimiser, clipped to (0, 1] (concave capacity).

        Only :attr:`link` gets the estimate when it is set; other links are linear.
        """
        b = float(np.clip(self.beta, 0.05, 1.0))
        if self.link is None:
            return dict.fromkeys(links, b)
        return {lk: (b if lk == self.link else 1.0) for lk in links}

    def to_frame(self) -> pd.DataFrame:
        """The main estimate and the alternatives, one row per specification."""
        return self.alternatives.copy()

    def summary(self) -> Summary:
        """beta with its interval, the specification, what the data supports, the alternatives."""
        lo, hi = self.conf_int()
        header = [
            ("beta", f"{self.beta:.4f}"),
            ("Std. error", f"{self.se:.4f} ({self.cov_type})"),
            ("95 % interval", f"[{lo:.3f}, {hi:.3f}]"),
            ("Fixed effects", self.effects),
            ("Observations", f"{self.nobs} ({self.n_units} units, {self.n_periods} periods)"),
        ]
        if self.dropped:
            header.append(("Rows dropped", f"{self.dropped} (non-positive or missing)"))
        if np.isfinite(self.within_share):
            header.append(
                (
                    "Spending variance left",
                    f"{100 * self.within_share:.1f} % after the fixed effects",
                )
            )
        notes = [
            "What the data supports: " + self.supports + ".",
            "Reading: pooled estimates mostly compare big and small units (scale); the "
            "within (fixed-effects) estimate uses only changes inside a unit over time and "
            "is the one that speaks to what extra money would buy. It is an association, "
            "not a causal effect: budgets respond to workload too.",
            *(f"note: {n}" for n in self.notes),
        ]
        title = f"Elasticity of {self.output} with respect to {self.spending} (log-log panel)"
        return Summary(title, header, self.alternatives, notes=notes)

    #: the alternatives are the summary's table already
    HTML_ROWS: ClassVar[int] = 0


def _fit(
    d: pd.DataFrame, unit: str, period: str, effects: str, cluster: bool
) -> tuple[float, float, str, float]:
    import statsmodels.api as sm

    parts: list[pd.Series | pd.DataFrame] = [
        pd.Series(1.0, index=d.index, name="const"),
        d["_lx"],
    ]
    if effects in ("twoway", "unit"):
        parts.append(pd.get_dummies(d[unit], prefix="u", drop_first=True, dtype=float))
    if effects in ("twoway", "period"):
        parts.append(pd.get_dummies(d[period], prefix="t", drop_first=True, dtype=float))
    X = pd.concat(parts, axis=1)
    model = sm.OLS(d["_ly"].to_numpy(float), X.to_numpy(float))
    groups = pd.factorize(d[unit])[0]
    if cluster:
        res = model.fit(cov_type="cluster", cov_kwds={"groups": groups})
        cov_type = "cluster-robust by unit"
    else:
        res = model.fit(cov_type="HC1")
        cov_type = "heteroskedasticity-robust (HC1)"
    # share of ln spending variance not explained by the fixed effects
    fe = X.drop(columns=["_lx"])
    if fe.shape[1] > 1:
        aux = sm.OLS(d["_lx"].to_numpy(float), fe.to_numpy(float)).fit()
        share = float(np.var(aux.resid) / np.var(d["_lx"]))
    else:
        share = 1.0
    return float(res.params[1]), float(res.bse[1]), cov_type, share


def estimate_returns(
    panel: pd.DataFrame,
    *,
    unit: str,
    period: str,
    spending: str,
    output: str,
    effects: Effects = "auto",
    link: str | None = None,
    min_clusters: int = 10,
) -> ReturnsEstimate:
    """Estimate the elasticity beta of output with respect to spending from a panel.

    Parameters
    ----------
    panel
        Long frame, one row per unit and period.
    unit, period, spending, output
        Column names. Rows with non-positive or missing spending or output are dropped
        (zeros often stand for missing figures) and counted.
    effects
        ``"auto"`` (two-way when there are at least 2 units and 2 periods), ``"twoway"``,
        ``"unit"``, ``"period"`` or ``"none"``.
    link
        Link the estimate applies to when used in :meth:`ChainModel.optimize`.
    min_clusters
        Cluster the standard errors by unit when there are at least this many units,
        otherwise heteroskedasticity-robust (HC1) with a note.

    Returns
    -------
    ReturnsEstimate

    Notes
    -----
    ``ln y_it = alpha_i + delta_t + beta ln b_it + e_it``, OLS with dummies (the within
    estimator), statsmodels; cluster-robust covariance (Arellano 1987).
    """
    for col in (unit, period, spending, output):
        if col not in panel.columns:
            raise InputError(f"panel has no column {col!r}; columns are {list(panel.columns)}")
    d = panel[[unit, period, spending, output]].copy()
    d[spending] = pd.to_numeric(d[spending], errors="coerce")
    d[output] = pd.to_numeric(d[output], errors="coerce")
    ok = (d[spending] > 0) & (d[output] > 0)
    dropped = int((~ok).sum())
    d = d[ok].copy()
    if d.duplicated([unit, period]).any():
        raise InputError(f"panel has duplicate ({unit}, {period}) rows; aggregate them first")
    d["_ly"] = np.log(d[output].astype(float))
    d["_lx"] = np.log(d[spending].astype(float))
    n_units = int(d[unit].nunique())
    n_periods = int(d[period].nunique())
    if len(d) < 5:
        raise InputError(f"too few usable observations ({len(d)}) to estimate an elasticity")
    if effects == "auto":
        if n_units >= 2 and n_periods >= 2:
            effects = "twoway"
        elif n_units >= 2:
            effects = "none"
        else:
            effects = "period" if n_periods >= 2 else "none"
    notes: list[str] = []
    cluster = n_units >= min_clusters
    if not cluster:
        notes.append(
            f"only {n_units} units: standard errors are HC1, not clustered (too few clusters)"
        )
    specs: list[tuple[str, str]] = [(effects, "main")]
    for alt in ("twoway", "unit", "period", "none"):
        if alt != effects:
            specs.append((alt, "alternative"))
    rows: list[dict[str, Any]] = []
    main: tuple[float, float, str, float] | None = None
    for eff, role in specs:
        if (eff in ("twoway", "unit") and n_periods < 2) or (
            eff in ("twoway", "period") and n_units < 2
        ):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fit = _fit(d, unit, period, eff, cluster)
            except (np.linalg.LinAlgError, ValueError):
                continue
        if role == "main":
            main = fit
        label = {
            "twoway": "within, unit and period effects",
            "unit": "within, unit effects",
            "period": "pooled with period effects",
            "none": "pooled, no effects",
        }[eff]
        rows.append(
            {"specification": label, "effects": eff, "beta": fit[0], "se": fit[1], "role": role}
        )
    if main is None:
        raise InputError(f"the {effects} regression could not be estimated on this panel")
    alternatives = pd.DataFrame(rows).set_index("specification")
    if dropped:
        notes.append(f"{dropped} rows with non-positive or missing {spending}/{output} dropped")
    if main[3] < 0.05:
        notes.append(
            "less than 5 % of the spending variation is left after the fixed effects: beta is "
            "identified from little within-unit variation"
        )
    return ReturnsEstimate(
        beta=main[0],
        se=main[1],
        nobs=len(d),
        n_units=n_units,
        n_periods=n_periods,
        effects=effects,
        cov_type=main[2],
        spending=spending,
        output=output,
        alternatives=alternatives,
        dropped=dropped,
        link=link,
        within_share=main[3],
        notes=notes,
    )
