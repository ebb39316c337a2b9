r"""Panel stochastic frontier with time-varying inefficiency (Battese & Coelli 1992).

For unit i observed in periods t ∈ 𝒯_i (balanced or not):

.. math::

    y_{it} = x_{it}\beta + v_{it} - s\,u_{it},\quad u_{it} = \eta_{it} u_i,\quad
    \eta_{it} = \exp(-\eta (t - T)),\quad u_i \sim N^+(\mu, \sigma_u^2),\;
    v_{it} \sim N(0, \sigma_v^2),

T the last period of the panel, s = +1 for a production frontier (−1 for cost). η > 0 means
inefficiency falls over time (u_iT = u_i), η = 0 gives the time-invariant model
(``time_varying=False``). With ε_it = s(y_it − x_itβ), A_i = Σ_t η_it ε_it, B_i = Σ_t η_it²,

.. math::

    \mu_i^* = \frac{\mu\sigma_v^2 - \sigma_u^2 A_i}{\sigma_v^2 + \sigma_u^2 B_i},\quad
    \sigma_i^{*2} = \frac{\sigma_v^2\sigma_u^2}{\sigma_v^2 + \sigma_u^2 B_i},

    \ln L_i = -\tfrac{T_i}{2}\ln 2\pi - \tfrac{T_i - 1}{2}\ln\sigma_v^2
      - \tfrac12\ln(\sigma_v^2 + \sigma_u^2 B_i) - \frac{\sum_t \varepsilon_{it}^2}{2\sigma_v^2}
      + \tfrac12\left(\frac{\mu_i^*}{\sigma_i^*}\right)^2
      - \tfrac12\left(\frac{\mu}{\sigma_u}\right)^2
      + \ln\Phi\!\left(\frac{\mu_i^*}{\sigma_i^*}\right)
      - \ln\Phi\!\left(\frac{\mu}{\sigma_u}\right),

and the efficiency of each observation is
E[exp(−η_it u_i) | ε_i] = Φ(μ*_i/σ*_i − η_it σ*_i) / Φ(μ*_i/σ*_i) · exp(−η_it μ*_i + η_it² σ*_i²/2).
Parameters are reported as FRONTIER 4.1 does: β, σ² = σu² + σv², γ = σu²/σ², μ, η.

Estimation: maximum likelihood over (β, ln σu, ln σv, μ, η) by BFGS from the best of a grid of
γ starts (OLS β, μ = η = 0, as FRONTIER 4.1), then Newton steps on the Hessian (central
differences); covariance = inverse negative Hessian, delta method for σ² and γ.

References
----------
Battese, G. E. & Coelli, T. J. (1992). Frontier production functions, technical efficiency
and panel data: with application to paddy farmers in India. *Journal of Productivity Analysis*
3, 153–169. Coelli, T. J. (1996). A guide to FRONTIER version 4.1. CEPA Working Paper 96/07.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from peir._results import Result, Summary
from peir.efficiency._plots import over_periods
from peir.efficiency.sfa import _check_numeric
from peir.errors import ConvergenceWarning, InputError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["SFAPanelResult", "sfa_panel"]

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]
_LOG_2PI = math.log(2 * math.pi)


@dataclass(frozen=True)
class _Panel:
    """The data in unit-major order: y, X, the unit of each row (0..N−1), t − T per row."""

    y: FloatArray
    X: FloatArray
    unit: IntArray
    dt: FloatArray
    counts: FloatArray
    s: float


def _pieces(theta: FloatArray, d: _Panel, time_varying: bool, truncated: bool) -> tuple[Any, ...]:
    k = d.X.shape[1]
    beta = theta[:k]
    su, sv = math.exp(theta[k]), math.exp(theta[k + 1])
    j = k + 2
    mu = float(theta[j]) if truncated else 0.0
    j += int(truncated)
    eta = float(theta[j]) if time_varying else 0.0
    e = d.s * (d.y - d.X @ beta)
    et = np.exp(-eta * d.dt)
    n_units = d.counts.size
    a = np.bincount(d.unit, et * e, n_units)
    b = np.bincount(d.unit, et * et, n_units)
    ss = np.bincount(d.unit, e * e, n_units)
    return beta, su, sv, mu, eta, e, et, a, b, ss


def _loglik_units(theta: FloatArray, d: _Panel, time_varying: bool, truncated: bool) -> FloatArray:
    """ln L_i of every unit (the module's formula)."""
    _, su, sv, mu, _, _, _, a, b, ss = _pieces(theta, d, time_varying, truncated)
    su2, sv2 = su * su, sv * sv
    den = sv2 + su2 * b
    mstar = (mu * sv2 - su2 * a) / den
    sstar = np.sqrt(sv2 * su2 / den)
    z = mstar / sstar
    out = (
        -0.5 * d.counts * _LOG_2PI
        - 0.5 * (d.counts - 1) * math.log(sv2)
        - 0.5 * np.log(den)
        - 0.5 * ss / sv2
        + 0.5 * z * z
        - 0.5 * (mu / su) ** 2
        + special.log_ndtr(z)
        - special.log_ndtr(mu / su)
    )
    return np.asarray(out, dtype=float)


def _efficiencies(theta: FloatArray, d: _Panel, time_varying: bool, truncated: bool) -> FloatArray:
    _, su, sv, mu, _, _, et, a, b, _ = _pieces(theta, d, time_varying, truncated)
    su2, sv2 = su * su, sv * sv
    den = sv2 + su2 * b
    mstar = ((mu * sv2 - su2 * a) / den)[d.unit]
    sstar = np.sqrt(sv2 * su2 / den)[d.unit]
    z = mstar / sstar
    log_te = (
        special.log_ndtr(z - et * sstar)
        - special.log_ndtr(z)
        - et * mstar
        + 0.5 * (et * sstar) ** 2
    )
    return np.asarray(np.exp(log_te), dtype=float)


def _grad(f: Any, x: FloatArray) -> FloatArray:
    g = np.empty_like(x)
    for j in range(x.size):
        h = 1e-6 * max(1.0, abs(x[j]))
        e = np.zeros_like(x)
        e[j] = h
        g[j] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def _hess(f: Any, x: FloatArray) -> FloatArray:
    p = x.size
    hm = np.empty((p, p))
    for j in range(p):
        h = 1e-4 * max(1.0, abs(x[j]))
        e = np.zeros_like(x)
        e[j] = h
        hm[:, j] = (_grad(f, x + e) - _grad(f, x - e)) / (2 * h)
    return np.asarray(0.5 * (hm + hm.T), dtype=float)


@dataclass(frozen=True, repr=False, eq=False)
class SFAPanelResult(Result):
    """Result of :func:`sfa_panel` (read-only).

    Attributes
    ----------
    params : Series
        One coefficient per column of X (``const`` first), ``sigma2``, ``gamma``, ``mu``
        (when estimated) and ``eta`` (time-varying model), as FRONTIER 4.1.
    bse : Series
    cov : DataFrame
    llf : float
    converged : bool
    efficiency : Series
        E[exp(−u_it) | ε_i] per observation, indexed (unit, period).
    unit, period : str
    n_units, nobs : int
    """

    params: pd.Series
    bse: pd.Series
    cov: pd.DataFrame
    llf: float
    converged: bool
    efficiency: pd.Series
    unit: str
    period: str
    n_units: int
    nobs: int
    cost: bool

    HTML_ROWS: ClassVar[int] = 0

    @property
    def eta(self) -> float:
        return float(self.params["eta"]) if "eta" in self.params.index else 0.0

    @property
    def mu(self) -> float:
        return float(self.params["mu"]) if "mu" in self.params.index else 0.0

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Wald intervals: ``lower``, ``upper``."""
        if not 0 < level < 1:
            raise InputError(f"level must be in (0, 1); got {level}")
        q = float(stats.norm.ppf(0.5 + level / 2))
        return pd.DataFrame(
            {"lower": self.params - q * self.bse, "upper": self.params + q * self.bse}
        )

    def to_frame(self) -> pd.DataFrame:
        """Parameter table: estimate, std_error, z, p, lower, upper."""
        ci = self.conf_int()
        zv = self.params / self.bse
        return pd.DataFrame(
            {
                "estimate": self.params,
                "std_error": self.bse,
                "z": zv,
                "p": 2 * stats.norm.sf(np.abs(zv.to_numpy())),
                "lower": ci["lower"],
                "upper": ci["upper"],
            }
        ).rename_axis("parameter")

    def mean_efficiency_by_period(self) -> pd.Series:
        out: pd.Series = self.efficiency.groupby(level=self.period).mean()
        return out

    def summary(self) -> Summary:
        kind = "cost" if self.cost else "production"
        by = ", ".join(f"{p}: {v:.4f}" for p, v in self.mean_efficiency_by_period().items())
        header = [
            ("Model", f"panel stochastic {kind} frontier (Battese & Coelli 1992)"),
            ("Units / observations", f"{self.n_units} / {self.nobs}"),
            ("Log-likelihood", f"{self.llf:.6f}"),
            ("Converged", f"{self.converged}"),
            ("Mean efficiency", f"{self.efficiency.mean():.5f}"),
            ("Mean efficiency by period", by),
        ]
        notes = [
            "u_it = exp(-eta (t - T)) u_i, u_i ~ N+(mu, sigma_u^2); eta > 0: inefficiency "
            "falls over time.",
            "sigma2 = sigma_u^2 + sigma_v^2; gamma = sigma_u^2/sigma2.",
        ]
        return Summary(
            "Panel stochastic frontier", header, self.to_frame(), notes, float_format=".6g"
        )

    def plot(self, ax: Any = None) -> Figure:
        """Each unit's efficiency over the periods (grey) and their mean (bold)."""
        return over_periods(
            self.efficiency,
            period=self.period,
            unit=self.unit,
            ax=ax,
            ylabel="efficiency E[exp(-u_it) | e_i]",
            title=f"Panel frontier (Battese & Coelli 1992), eta = {self.eta:.4g}",
        )


def sfa_panel(
    panel: pd.DataFrame,
    *,
    y: str,
    X: str | Sequence[str],
    unit: str,
    period: str,
    time_varying: bool = True,
    truncated: bool = True,
    cost: bool = False,
    add_constant: bool = True,
) -> SFAPanelResult:
    r"""Battese & Coelli (1992) panel frontier by maximum likelihood (see the module notes).

    Parameters
    ----------
    panel : DataFrame
        Long form, one row per unit and period; balanced or unbalanced.
    y, X : column names
        The (already transformed, e.g. logged) output or cost and the regressors.
    unit, period : str
        Columns naming units and periods; numeric periods enter t − T in their own units,
        other periods by their rank.
    time_varying : bool
        Estimate η (False: η = 0, time-invariant inefficiency).
    truncated : bool
        Estimate μ (False: μ = 0, half-normal u_i).
    cost : bool
        Cost frontier (y = xβ + v + u).
    add_constant : bool

    Returns
    -------
    SFAPanelResult
        ``.params`` (β, sigma2, gamma, mu, eta), ``.bse``, ``.llf``, ``.efficiency`` per
        observation.
    """
    xs = [X] if isinstance(X, str) else [str(c) for c in X]
    if not isinstance(panel, pd.DataFrame):
        raise InputError("panel must be a DataFrame in long form (one row per unit and period).")
    missing = [c for c in [y, *xs, unit, period] if c not in panel.columns]
    if missing:
        raise InputError(f"panel has no column(s) {', '.join(missing)}.")
    if panel.duplicated([unit, period]).any():
        raise InputError(
            "panel has duplicate (unit, period) rows; give one row per unit and period."
        )
    df = panel.sort_values([unit, period], kind="stable")
    Xf = df[xs].copy()
    if add_constant:
        Xf.insert(0, "const", 1.0)
    Xa = _check_numeric(Xf, "X")
    ya = _check_numeric(df[[y]], "y")[:, 0]
    if np.linalg.matrix_rank(Xa) < Xa.shape[1]:
        raise InputError("X does not have full column rank; drop the redundant column(s).")
    units, uidx = np.unique(df[unit].to_numpy(), return_inverse=True)
    per = df[period]
    if pd.api.types.is_numeric_dtype(per):
        tv = per.to_numpy(dtype=float)
    else:
        tv = pd.Series(per).rank(method="dense").to_numpy(dtype=float)
    dt = tv - tv.max()
    counts = np.bincount(uidx).astype(float)
    s = -1.0 if cost else 1.0
    d = _Panel(ya, Xa, uidx.astype(np.int64), dt, counts, s)
    k = Xa.shape[1]
    p = k + 2 + int(truncated) + int(time_varying)
    if units.size < p + 2:
        raise InputError(f"{units.size} units for {p} parameters: too few.")

    def nll(t: FloatArray) -> float:
        v = float(-_loglik_units(t, d, time_varying, truncated).sum())
        return v if np.isfinite(v) else 1e300

    # starts: OLS, and a FRONTIER-style grid over gamma with mu = eta = 0
    beta_ols, *_ = np.linalg.lstsq(Xa, ya, rcond=None)
    m2 = float(np.mean((ya - Xa @ beta_ols) ** 2))
    starts = []
    for g0 in (0.1, 0.3, 0.5, 0.7, 0.9):
        sig2 = m2 / (1 - 2 * g0 / math.pi)
        su, sv = math.sqrt(g0 * sig2), math.sqrt((1 - g0) * sig2)
        b = beta_ols.copy()
        if add_constant:
            b[0] += s * su * math.sqrt(2 / math.pi)
        starts.append(np.r_[b, math.log(su), math.log(sv), [0.0] * (p - k - 2)])
    starts.sort(key=nll)
    best: tuple[FloatArray, float] | None = None
    with np.errstate(all="ignore"):
        for t0 in starts[:2]:
            res = optimize.minimize(
                lambda t: nll(t) / d.y.size,
                t0,
                method="BFGS",
                jac=lambda t: _grad(nll, t) / d.y.size,
                options={"gtol": 1e-9, "maxiter": 2000},
            )
            f = nll(res.x)
            if best is None or f < best[1]:
                best = (np.asarray(res.x, dtype=float), f)
        assert best is not None
        theta, fbest = best
        converged = False
        for _ in range(30):  # Newton polishing
            g = _grad(nll, theta)
            H = _hess(nll, theta)
            try:
                np.linalg.cholesky(H)
                step = np.linalg.solve(H, g)
            except np.linalg.LinAlgError:
                break
            dec = float(g @ step)
            if dec < 1e-10:
                converged = True
                break
            lam = 1.0
            while lam > 1e-8:
                cand = theta - lam * step
                if nll(cand) <= fbest:
                    theta, fbest = cand, nll(cand)
                    break
                lam /= 2
            else:
                break
    if not converged:
        warnings.warn(
            "sfa_panel: the likelihood did not converge to a tight optimum; treat "
            "the estimates with care",
            ConvergenceWarning,
            stacklevel=2,
        )
    Hn = _hess(nll, theta)  # Hessian of the negative log-likelihood
    try:
        cov_int = np.linalg.inv(Hn)
    except np.linalg.LinAlgError:
        cov_int = np.full((p, p), np.nan)
    su, sv = math.exp(theta[k]), math.exp(theta[k + 1])
    sig2 = su * su + sv * sv
    gamma = su * su / sig2
    J = np.eye(p)
    J[k, k], J[k, k + 1] = 2 * su * su, 2 * sv * sv
    J[k + 1, k], J[k + 1, k + 1] = 2 * gamma * (1 - gamma), -2 * gamma * (1 - gamma)
    names = [*map(str, Xf.columns), "sigma2", "gamma"]
    values = [*theta[:k], sig2, gamma]
    if truncated:
        names.append("mu")
        values.append(theta[k + 2])
    if time_varying:
        names.append("eta")
        values.append(theta[-1])
    cov = J @ cov_int @ J.T
    cov = 0.5 * (cov + cov.T)
    with np.errstate(invalid="ignore"):
        bse = np.sqrt(np.diag(cov))
    idx = pd.MultiIndex.from_arrays(
        [df[unit].to_numpy(), df[period].to_numpy()], names=[unit, period]
    )
    eff = pd.Series(_efficiencies(theta, d, time_varying, truncated), index=idx, name="efficiency")
    return SFAPanelResult(
        params=pd.Series(values, index=names, name="parameter", dtype=float),
        bse=pd.Series(bse, index=names, name="std_error"),
        cov=pd.DataFrame(cov, index=names, columns=names),
        llf=-float(fbest),
        converged=converged,
        efficiency=eff,
        unit=unit,
        period=period,
        n_units=int(units.size),
        nobs=int(ya.size),
        cost=cost,
    )
