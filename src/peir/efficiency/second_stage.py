r"""Second-stage regression of DEA scores on environmental variables (Simar & Wilson 2007,
algorithm 1).

Courts with a heavier caseload mix, or prisons in a crowded region, may score low for reasons
outside their control. Simar & Wilson (2007) model the DEA distance δ_i = 1/efficiency ≥ 1
(Shephard input distance 1/θ, or Farrell output φ) as a truncated regression

.. math:: \delta_i = z_i\beta + \varepsilon_i \ge 1,\quad
          \varepsilon_i \sim N(0, \sigma^2) \text{ left-truncated at } 1 - z_i\beta,

and show that the usual tobit or OLS on DEA scores is invalid (the scores are serially
correlated estimates). Their algorithm 1:

1. estimate δ̂_i by DEA (given here as ``efficiency``);
2. on the m units with δ̂_i > 1 (the efficient ones are not draws from the truncated model),
   estimate β̂ and σ̂ by maximum likelihood of the truncated regression;
3. B times: draw ε*_i ~ N(0, σ̂²) left-truncated at 1 − z_iβ̂, set δ*_i = z_iβ̂ + ε*_i, and
   re-estimate (β̂*, σ̂*);
4. (1 − α) intervals: the α/2 and 1 − α/2 quantiles of the B estimates (percentile method).

A positive coefficient means *more* inefficiency (a larger distance to the frontier).

Log-likelihood of unit i, with r = (δ − zβ)/σ and c = (zβ − 1)/σ:
ℓ_i = −ln σ − ½ln 2π − r²/2 − ln Φ(c).

References
----------
Simar, L. & Wilson, P. W. (2007). Estimation and inference in two-stage, semi-parametric
models of production processes. *Journal of Econometrics* 136, 31–64.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd
from scipy import optimize, special, stats
from tqdm import tqdm

from peir._results import Result, Summary
from peir.efficiency._plots import estimates
from peir.efficiency.results import DEAResult
from peir.efficiency.sfa import _as_frame, _check_numeric
from peir.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["SecondStageResult", "second_stage", "truncated_regression"]

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
EFFICIENT_TOL = 1e-6
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _nll_grad(theta: FloatArray, d: FloatArray, Z: FloatArray) -> tuple[float, FloatArray]:
    beta, lsig = theta[:-1], theta[-1]
    sig = math.exp(lsig)
    zb = Z @ beta
    r = (d - zb) / sig
    c = (zb - 1.0) / sig
    log_phi_c = special.log_ndtr(c)
    ll = -lsig - _HALF_LOG_2PI - 0.5 * r * r - log_phi_c
    mills = np.exp(-0.5 * c * c - _HALF_LOG_2PI - log_phi_c)
    g_beta = ((r - mills) / sig) @ Z
    g_lsig = float(np.sum(-1.0 + r * r + mills * c))
    return -float(ll.sum()), -np.r_[g_beta, g_lsig]


def truncated_regression(
    delta: FloatArray, Z: FloatArray, start: FloatArray | None = None
) -> tuple[FloatArray, float, bool]:
    """ML of δ = Zβ + ε, ε ~ N(0, σ²) left-truncated at 1 − Zβ; returns (β, σ, converged)."""
    if start is None:
        b0, *_ = np.linalg.lstsq(Z, delta, rcond=None)
        s0 = float(np.std(delta - Z @ b0)) or 0.1
        start = np.r_[b0, math.log(s0)]
    n = delta.size

    def mean_nll(t: FloatArray) -> tuple[float, FloatArray]:
        f, g = _nll_grad(t, delta, Z)
        return f / n, g / n

    res = optimize.minimize(
        mean_nll, start, jac=True, method="BFGS", options={"gtol": 1e-9, "maxiter": 500}
    )
    x = np.asarray(res.x, dtype=float)
    return x[:-1], math.exp(x[-1]), bool(res.success)


@dataclass(frozen=True, repr=False, eq=False)
class SecondStageResult(Result):
    """Result of :func:`second_stage` (read-only).

    Attributes
    ----------
    params : Series
        β (``const`` first) and ``sigma``.
    bse : Series
        Standard deviations of the bootstrap estimates.
    replicates : DataFrame
        The B bootstrap estimates (one column per parameter).
    alpha : float
    n_used, n_efficient : int
        Units in the regression (δ̂ > 1) and units left out (on the frontier).
    orientation : str
    """

    params: pd.Series
    bse: pd.Series
    replicates: pd.DataFrame
    alpha: float
    n_used: int
    n_efficient: int
    orientation: str

    HTML_ROWS: ClassVar[int] = 0

    def conf_int(self) -> pd.DataFrame:
        """Bootstrap percentile intervals of level 1 − α: ``lower``, ``upper``."""
        q = self.replicates.quantile([self.alpha / 2, 1 - self.alpha / 2])
        return pd.DataFrame({"lower": q.iloc[0], "upper": q.iloc[1]})

    def to_frame(self) -> pd.DataFrame:
        ci = self.conf_int()
        return pd.DataFrame(
            {
                "estimate": self.params,
                "bootstrap_se": self.bse,
                "lower": ci["lower"],
                "upper": ci["upper"],
            }
        ).rename_axis("parameter")

    def summary(self) -> Summary:
        header = [
            ("Model", "truncated regression of DEA distances (Simar & Wilson 2007, algorithm 1)"),
            ("Dependent variable", f"distance 1/efficiency ({self.orientation} orientation)"),
            ("Units used (distance > 1)", f"{self.n_used}"),
            ("Units on the frontier, left out", f"{self.n_efficient}"),
            ("Bootstrap replications", f"{len(self.replicates):,}"),
            ("Interval level", f"{1 - self.alpha:.0%}"),
        ]
        notes = [
            "A positive coefficient means more inefficiency (a larger distance to the frontier).",
            "Intervals: bootstrap percentiles (parametric bootstrap).",
        ]
        return Summary(
            "Second stage: environmental variables",
            header,
            self.to_frame(),
            notes,
            float_format=".5g",
        )

    def plot(self, ax: Any = None) -> Figure:
        """The environmental variables' coefficients with their bootstrap intervals (the
        constant and σ left out); an interval clear of 0 is an effect."""
        tab = self.to_frame().drop(index=["const", "sigma"])
        return estimates(
            tab,
            ax=ax,
            xlabel="effect on the distance to the frontier (1/efficiency)",
            title="Second stage (Simar & Wilson 2007)",
            note=f"{1 - self.alpha:.0%} bootstrap percentile intervals, "
            f"{len(self.replicates):,} replications; > 0: more inefficiency",
        )


def second_stage(
    efficiency: Any,
    Z: Any,
    *,
    orientation: str = "input",
    n_boot: int = 2000,
    alpha: float = 0.05,
    seed: int | np.random.SeedSequence | None = None,
    progress: bool | None = None,
) -> SecondStageResult:
    r"""Simar & Wilson (2007) algorithm 1: truncated regression of 1/efficiency on ``Z`` with
    a parametric bootstrap (see the module notes).

    Parameters
    ----------
    efficiency : Series, array or DEAResult
        DEA efficiencies in (0, 1] (θ, or 1/φ), one per unit.
    Z : DataFrame or 2-D array
        Environmental variables, one row per unit (a constant is added).
    orientation : {"input", "output"}
        The DEA's orientation (recorded; the distance is 1/efficiency either way).
    n_boot : int
    alpha : float
    seed : int or SeedSequence, optional
    progress : bool, optional

    Returns
    -------
    SecondStageResult
        ``.params``, ``.conf_int()``, ``.bse``, ``.summary()``.
    """
    if isinstance(efficiency, DEAResult):
        orientation = efficiency.orientation
        efficiency = efficiency.efficiency
    if orientation not in ("input", "output"):
        raise InputError(f"orientation={orientation!r} is not 'input' or 'output'.")
    eff = (
        efficiency
        if isinstance(efficiency, pd.Series)
        else pd.Series(np.asarray(efficiency, dtype=float).ravel())
    )
    Zf = _as_frame(Z).copy()
    if len(Zf) != len(eff):
        raise InputError(f"Z has {len(Zf)} rows but there are {len(eff)} efficiencies.")
    if isinstance(Z, pd.DataFrame) and isinstance(efficiency, pd.Series):
        if set(Zf.index) != set(eff.index):
            raise InputError("Z and the efficiencies have different units (indexes); align them.")
        Zf = Zf.loc[eff.index]
    Zf.columns = [str(c) for c in Zf.columns]
    if "const" in Zf.columns:
        raise InputError("Z already has a column named 'const'; the constant is added for you")
    Zf.insert(0, "const", 1.0)
    Za = _check_numeric(Zf, "Z")
    e = eff.to_numpy(dtype=float)
    if not np.all(np.isfinite(e) & (e > 0) & (e <= 1 + 1e-9)):
        raise InputError(
            "efficiency must be in (0, 1] (DEA scores against the units' own "
            "frontier); infinite or zero scores cannot enter the regression."
        )
    delta = 1.0 / np.minimum(e, 1.0)
    used = delta > 1.0 + EFFICIENT_TOL
    m, p = int(used.sum()), Za.shape[1]
    if m < p + 5:
        raise InputError(
            f"only {m} inefficient units for {p} coefficients; the truncated "
            "regression needs many more."
        )
    if np.linalg.matrix_rank(Za[used]) < p:
        raise InputError("Z (with its constant) is collinear on the inefficient units.")
    if int(n_boot) < 2 or not 0 < alpha < 1:
        raise InputError("n_boot must be at least 2 and alpha between 0 and 1.")
    d, zu = delta[used], Za[used]
    beta, sigma, _ = truncated_regression(d, zu)
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    rng = np.random.default_rng(ss)
    n_boot = int(n_boot)
    reps = np.empty((n_boot, p + 1))
    zb = zu @ beta
    lower = (1.0 - zb) / sigma  # ε/σ ≥ (1 − zβ)/σ
    start = np.r_[beta, math.log(sigma)]
    show = (n_boot * m >= 2_000_000) if progress is None else bool(progress)
    for b in tqdm(range(n_boot), disable=not show, desc="second stage", unit="rep"):
        eps = stats.truncnorm.rvs(lower, np.inf, scale=sigma, random_state=rng)
        bb, sb, _ = truncated_regression(zb + eps, zu, start)
        reps[b] = np.r_[bb, sb]
    names = [*Zf.columns, "sigma"]
    rep = pd.DataFrame(reps, columns=names)
    return SecondStageResult(
        params=pd.Series(np.r_[beta, sigma], index=names, name="estimate"),
        bse=rep.std(ddof=1).rename("bootstrap_se"),
        replicates=rep,
        alpha=float(alpha),
        n_used=m,
        n_efficient=int((~used).sum()),
        orientation=orientation,
    )
