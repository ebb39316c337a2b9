"""Stochastic frontier analysis (Aigner, Lovell & Schmidt 1977) by maximum likelihood.

The model is ``y = X beta + v - s u`` with ``v ~ N(0, sigma_v^2)`` (noise) and ``u >= 0``
(inefficiency); ``s = +1`` for a production frontier and ``s = -1`` for a cost frontier.
Writing ``e = s (y - X beta)`` the production and cost likelihoods coincide, so one set of
formulas serves both.

Distributions of ``u``
----------------------
``"half-normal"``
    ``u ~ N+(0, sigma_u^2)``; log-density of ``e`` (ALS 1977)
    ``l = 1/2 ln(2/pi) - ln sigma - e^2 / (2 sigma^2) + ln Phi(-e lambda / sigma)`` with
    ``sigma^2 = sigma_u^2 + sigma_v^2`` and ``lambda = sigma_u / sigma_v``.
``"truncated-normal"``
    ``u ~ N+(mu, sigma_u^2)`` (Stevenson 1980); ``l = -1/2 ln(2 pi) - ln sigma
    - (e + mu)^2 / (2 sigma^2) + ln Phi(mu*/sigma*) - ln Phi(mu / sigma_u)``, with
    ``mu* = (mu sigma_v^2 - e sigma_u^2) / sigma^2`` and ``sigma* = sigma_u sigma_v / sigma``.
``"exponential"``
    ``u ~ Exp`` with mean (and standard deviation) ``sigma_u`` (Meeusen & van den Broeck 1977);
    ``l = -ln sigma_u + ln Phi(-e/sigma_v - sigma_v/sigma_u) + e/sigma_u
    + sigma_v^2 / (2 sigma_u^2)``.

Estimation
----------
The log-likelihood is maximised with scipy's BFGS on the unconstrained parameters
``(beta, ln sigma_u, ln sigma_v[, mu])`` using the **analytic score** (gradient), then
polished with Newton steps on the Hessian obtained by central differences of the analytic
score. Starting values are corrected OLS (method of moments on the OLS residuals' second and
third moments) and a grid of starts over ``gamma`` (as FRONTIER 4.1 does); BFGS runs from
the two best and the better optimum is kept (BFGS works on coefficients rescaled by the
standard deviation of their regressor; Newton steps are scale-invariant). The covariance
matrix is the inverse of the negative Hessian at the optimum; the FRONTIER 4.1 parameters
``sigma2 = sigma_u^2 + sigma_v^2`` and
``gamma = sigma_u^2 / sigma2`` get their standard errors by the delta method.

Unit efficiencies use the conditional distribution of ``u`` given ``e``, ``N+(mu*, sigma*^2)``
(Jondrow, Lovell, Materov & Schmidt 1982): Battese & Coelli (1988)
``E[exp(-u) | e] = Phi(mu*/sigma* - sigma*) / Phi(mu*/sigma*) exp(-mu* + sigma*^2 / 2)`` and
JLMS ``exp(-E[u | e])`` with ``E[u | e] = mu* + sigma* phi(mu*/sigma*) / Phi(mu*/sigma*)``.
For a cost frontier the same quantities are reported, so efficiency is always in (0, 1]
(cost efficiency = minimum cost / actual cost, the reciprocal of FRONTIER 4.1's ``exp(u)``).

References
----------
Aigner, D., Lovell, C.A.K. & Schmidt, P. (1977). Formulation and estimation of stochastic
frontier production function models. *Journal of Econometrics* 6, 21–37.
Battese, G.E. & Corra, G.S. (1977); Battese, G.E. & Coelli, T.J. (1988). Prediction of
firm-level technical efficiencies with a generalized frontier production function and
panel data. *Journal of Econometrics* 38, 387–399.
Coelli, T.J. (1996). A guide to FRONTIER version 4.1. CEPA Working Paper 96/07.
Jondrow, J., Lovell, C.A.K., Materov, I.S. & Schmidt, P. (1982). *Journal of Econometrics*
19, 233–238.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from peir._results import Result, Summary
from peir.efficiency._plots import RANK_MAX, distribution, ranking
from peir.efficiency.card import ModelCard, fingerprint
from peir.errors import ConvergenceWarning, InputError, PeirError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["SFAResult", "SFASummary", "load_sfa", "sfa"]

Dist = Literal["half-normal", "exponential", "truncated-normal"]
EffMethod = Literal["bc", "jlms"]
_DISTS: tuple[str, ...] = ("half-normal", "exponential", "truncated-normal")
_FORMAT = "peir-sfa"
_FORMAT_VERSION = 1

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


# --------------------------------------------------------------------------------------
# numerics
# --------------------------------------------------------------------------------------


def _mills(x: FloatArray) -> FloatArray:
    """phi(x) / Phi(x), computed stably in the far left tail."""
    return np.asarray(np.exp(-0.5 * x * x - _LOG_SQRT_2PI - special.log_ndtr(x)), dtype=float)


@dataclass(frozen=True)
class _Spec:
    """The distribution of u: ``dist``, and for a truncated normal the design W of its mean,
    μ_i = W_i δ (a column of ones for one μ; [1, z_i] for Battese & Coelli 1995)."""

    dist: str
    W: FloatArray | None = None

    @property
    def q(self) -> int:
        return 0 if self.W is None else int(self.W.shape[1])


def _unpack(theta: FloatArray, k: int, spec: _Spec) -> tuple[FloatArray, float, float, Any]:
    """(β, σu, σv, μ) at internal parameters; μ is 0 or one value per observation."""
    beta = theta[:k]
    su = float(np.exp(theta[k]))
    sv = float(np.exp(theta[k + 1]))
    mu: Any = 0.0 if spec.W is None else spec.W @ theta[k + 2 :]
    return beta, su, sv, mu


def _loglik_obs(
    theta: FloatArray, y: FloatArray, X: FloatArray, s: float, spec: _Spec
) -> FloatArray:
    """Per-observation log-likelihood at internal parameters ``theta``."""
    k = X.shape[1]
    beta, su, sv, mu = _unpack(theta, k, spec)
    e = s * (y - X @ beta)
    if spec.dist == "exponential":
        b = -e / sv - sv / su
        return np.asarray(
            -math.log(su) + special.log_ndtr(b) + e / su + sv**2 / (2 * su**2), dtype=float
        )
    sig = math.hypot(su, sv)
    a = (e + mu) / sig
    bb = (mu * sv**2 - e * su**2) / (sig * su * sv)
    c = mu / su
    return np.asarray(
        -0.5 * math.log(2 * math.pi)
        - math.log(sig)
        - 0.5 * a**2
        + special.log_ndtr(bb)
        - special.log_ndtr(c),
        dtype=float,
    )


def _score_obs(
    theta: FloatArray, y: FloatArray, X: FloatArray, s: float, spec: _Spec
) -> FloatArray:
    """Analytic per-observation score (n x p) at internal parameters ``theta``.

    Derivatives are taken with respect to ``e``, ``sigma_u``, ``sigma_v`` (and ``mu``) and
    chained to ``beta`` (``de/dbeta = -s x``) and the log-scales
    (``d/d ln sigma = sigma d/d sigma``).
    """
    n, k = X.shape
    beta, su, sv, mu = _unpack(theta, k, spec)
    e = s * (y - X @ beta)
    if spec.dist == "exponential":
        b = -e / sv - sv / su
        m = _mills(b)
        d_e = -m / sv + 1.0 / su
        d_su = -1.0 / su + m * sv / su**2 - e / su**2 - sv**2 / su**3
        d_sv = m * (e / sv**2 - 1.0 / su) + sv / su**2
        d_mu = np.zeros(n)
    else:
        sig2 = su**2 + sv**2
        sig = math.sqrt(sig2)
        a = (e + mu) / sig
        num = mu * sv**2 - e * su**2
        den = sig * su * sv
        bb = num / den
        c = mu / su
        mb = _mills(bb)
        mc = _mills(np.atleast_1d(np.asarray(c, dtype=float)))
        # d l = -d sigma / sigma - a d a + m(B) d B - m(C) d C
        dsig_su, dsig_sv = su / sig, sv / sig
        da_e, da_mu = 1.0 / sig, 1.0 / sig
        da_su, da_sv = -a * dsig_su / sig, -a * dsig_sv / sig
        db_e = -(su**2) / den
        db_mu = sv**2 / den
        dden_su = sv * (sig2 + su**2) / sig
        dden_sv = su * (sig2 + sv**2) / sig
        db_su = (-2.0 * e * su) / den - bb * dden_su / den
        db_sv = (2.0 * mu * sv) / den - bb * dden_sv / den
        dc_mu, dc_su = 1.0 / su, -mu / su**2
        d_e = -a * da_e + mb * db_e
        d_su = -dsig_su / sig - a * da_su + mb * db_su - mc * dc_su
        d_sv = -dsig_sv / sig - a * da_sv + mb * db_sv
        d_mu = -a * da_mu + mb * db_mu - mc * dc_mu
    cols = [(-s * d_e)[:, None] * X, (su * d_su)[:, None], (sv * d_sv)[:, None]]
    if spec.W is not None:  # dμ_i/dδ = W_i
        cols.append(np.broadcast_to(np.asarray(d_mu, dtype=float), (n,))[:, None] * spec.W)
    return np.asarray(np.hstack(cols), dtype=float)


def _hessian(theta: FloatArray, y: FloatArray, X: FloatArray, s: float, spec: _Spec) -> FloatArray:
    """Hessian of the total log-likelihood by central differences of the analytic score."""
    p = theta.size
    h = np.empty((p, p))
    for j in range(p):
        step = 1e-5 * max(1.0, abs(theta[j]))
        tp, tm = theta.copy(), theta.copy()
        tp[j] += step
        tm[j] -= step
        gp = _score_obs(tp, y, X, s, spec).sum(axis=0)
        gm = _score_obs(tm, y, X, s, spec).sum(axis=0)
        h[:, j] = (gp - gm) / (2 * step)
    return np.asarray(0.5 * (h + h.T), dtype=float)


def _conditional_u(
    e: FloatArray, su: float, sv: float, mu: Any, dist: str
) -> tuple[FloatArray, FloatArray]:
    """Parameters (mu*, sigma*) of the distribution of u given e, N+(mu*, sigma*^2)."""
    if dist == "exponential":
        return np.asarray(-e - sv**2 / su, dtype=float), np.full(e.shape, sv)
    sig2 = su**2 + sv**2
    mstar = (mu * sv**2 - e * su**2) / sig2
    sstar = su * sv / math.sqrt(sig2)
    return np.asarray(mstar, dtype=float), np.full(e.shape, sstar)


def _efficiency(e: FloatArray, su: float, sv: float, mu: Any, dist: str, method: str) -> FloatArray:
    mstar, sstar = _conditional_u(e, su, sv, mu, dist)
    z = mstar / sstar
    if method == "bc":
        log_te = special.log_ndtr(z - sstar) - special.log_ndtr(z) - mstar + 0.5 * sstar**2
        return np.asarray(np.exp(log_te), dtype=float)
    if method == "jlms":
        eu = mstar + sstar * _mills(z)
        return np.asarray(np.exp(-eu), dtype=float)
    raise InputError(f"efficiency method must be 'bc' or 'jlms', not {method!r}")


# --------------------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------------------


def _as_frame(X: Any) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    if isinstance(X, pd.Series):
        return X.to_frame()
    arr = np.asarray(X, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise InputError(f"X must be 2-D (units x variables); got an array of shape {arr.shape}")
    return pd.DataFrame(arr, columns=[f"x{j + 1}" for j in range(arr.shape[1])])


def _as_series(y: Any, index: pd.Index) -> pd.Series:
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise InputError(f"y must be one column; got {y.shape[1]} columns")
        y = y.iloc[:, 0]
    if isinstance(y, pd.Series):
        return y
    arr = np.asarray(y, dtype=float)
    if arr.ndim != 1:
        arr = arr.reshape(-1) if arr.ndim == 2 and 1 in arr.shape else arr
    if arr.ndim != 1:
        raise InputError(f"y must be 1-D; got an array of shape {arr.shape}")
    idx = index if len(index) == arr.size else pd.RangeIndex(arr.size)
    return pd.Series(arr, index=idx, name="y")


def _check_numeric(frame: pd.DataFrame, what: str) -> FloatArray:
    try:
        arr = frame.to_numpy(dtype=float)
    except (TypeError, ValueError):
        bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
        raise InputError(f"{what}: non-numeric column(s) {bad}; convert them first") from None
    if not np.isfinite(arr).all():
        rows, cols = np.nonzero(~np.isfinite(arr))
        where = ", ".join(
            f"row {frame.index[int(r)]!r} column {frame.columns[int(c)]!r}"
            for r, c in list(zip(rows, cols))[:5]
        )
        raise InputError(
            f"{what} has {rows.size} missing or infinite value(s) ({where}); drop or impute "
            "those units before fitting"
        )
    return np.asarray(arr, dtype=float)


def _prepare(
    y: Any, X: Any, add_constant: bool
) -> tuple[pd.Series, pd.DataFrame, FloatArray, FloatArray]:
    Xf = _as_frame(X)
    ys = _as_series(y, Xf.index)
    if len(ys) != len(Xf):
        raise InputError(f"y has {len(ys)} observations but X has {len(Xf)} rows; they must match")
    if isinstance(y, pd.Series) and isinstance(X, pd.DataFrame) and not ys.index.equals(Xf.index):
        raise InputError("y and X have different indexes; align them (same units, same order)")
    Xf = Xf.copy()
    Xf.columns = [str(c) for c in Xf.columns]
    if add_constant:
        if "const" in Xf.columns:
            raise InputError("X already has a column named 'const'; pass add_constant=False")
        Xf.insert(0, "const", 1.0)
    if len(set(Xf.columns)) != Xf.shape[1]:
        raise InputError(f"X has duplicate column names: {list(Xf.columns)}")
    Xa = _check_numeric(Xf, "X")
    ya = _check_numeric(ys.to_frame(), "y")[:, 0]
    return ys, Xf, ya, Xa


# --------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------


@dataclass
class SFASummary(Summary):
    """The SFA summary: the shared :class:`~peir.efficiency.results.Summary`, 6 digits."""

    float_format: str = ".6g"


@dataclass(frozen=True, repr=False, eq=False)
class SFAResult(Result):
    """A fitted stochastic frontier (see :func:`sfa`); read-only.

    Attributes
    ----------
    params
        FRONTIER 4.1 parametrisation: one coefficient per column of X (``const`` first when
        added), ``sigma2`` = sigma_u^2 + sigma_v^2, ``gamma`` = sigma_u^2 / sigma2, and ``mu``
        for the truncated-normal model. For the exponential model ``sigma_u^2`` is the
        variance of u.
    bse
        Standard errors (inverse negative Hessian; delta method for sigma2 and gamma).
    llf
        Maximised log-likelihood.
    converged
        Whether the optimum is tight: Newton decrement below 1e-8 (log-likelihood within
        about 1e-8 of the maximum) with a negative definite Hessian.
    """

    params: pd.Series
    bse: pd.Series
    cov: pd.DataFrame
    llf: float
    converged: bool
    dist: str
    cost: bool
    add_constant: bool
    exog_names: list[str]
    endog_name: str
    nobs: int
    llf_ols: float
    card: ModelCard
    n_iter: int = 0
    y: pd.Series | None = field(default=None, repr=False)
    X: pd.DataFrame | None = field(default=None, repr=False)
    # inefficiency determinants of the fitting data, with their constant (Battese & Coelli
    # 1995); None for the other models
    Z: pd.DataFrame | None = field(default=None, repr=False)

    # the summary's table is to_frame(): no second copy under it in notebooks
    HTML_ROWS: ClassVar[int] = 0

    # -- derived quantities ------------------------------------------------------------

    @property
    def sigma_u(self) -> float:
        """Scale of u: sqrt(gamma sigma2)."""
        return math.sqrt(float(self.params["gamma"]) * float(self.params["sigma2"]))

    @property
    def sigma_v(self) -> float:
        """Standard deviation of the noise: sqrt((1 - gamma) sigma2)."""
        return math.sqrt((1.0 - float(self.params["gamma"])) * float(self.params["sigma2"]))

    @property
    def mu(self) -> float:
        """Location of the pre-truncation normal (0 unless truncated-normal; NaN for the
        efficiency-effects model, where it is z δ per observation: :meth:`mu_of`)."""
        if self.z_names:
            return float("nan")
        return float(self.params["mu"]) if "mu" in self.params.index else 0.0

    @property
    def z_names(self) -> list[str]:
        """Inefficiency determinants (with ``const``) of a Battese & Coelli (1995) model."""
        return [str(i)[2:] for i in self.params.index if str(i).startswith("z_")]

    @property
    def delta(self) -> pd.Series:
        """δ of u ~ N+(z δ, σu²) (Battese & Coelli 1995), empty for the other models."""
        out: pd.Series = self.params[[f"z_{c}" for c in self.z_names]]
        return out

    def mu_of(self, z: Any = None) -> FloatArray:
        """μ_i = z_i δ for the determinants ``z`` (without the constant; default: the fitting
        data's), or the model's single μ."""
        if not self.z_names:
            return np.asarray(self.mu, dtype=float)
        if z is None:
            if self.Z is None:
                raise PeirError("this efficiency-effects model has no fitting z; give z")
            zf = self.Z
        else:
            zf = _as_frame(z).copy()
            zf.columns = [str(c) for c in zf.columns]
            names = [c for c in self.z_names if c != "const"]
            if isinstance(z, pd.DataFrame):
                missing = [c for c in names if c not in zf.columns]
                if missing:
                    raise InputError(f"z lacks the determinant(s) {missing}; expected {names}")
                zf = zf[names]
            elif zf.shape[1] != len(names):
                raise InputError(f"z has {zf.shape[1]} columns, the model {len(names)} ({names})")
            else:
                zf.columns = names
            zf.insert(0, "const", 1.0)
        za = _check_numeric(zf, "z")
        return np.asarray(za @ self.delta.to_numpy(dtype=float), dtype=float)

    @property
    def beta(self) -> pd.Series:
        """Frontier coefficients only."""
        return self.params[self.exog_names]

    @property
    def tvalues(self) -> pd.Series:
        return (self.params / self.bse).rename("t")

    @property
    def pvalues(self) -> pd.Series:
        return pd.Series(
            2 * stats.norm.sf(np.abs(self.tvalues.to_numpy())),
            index=self.params.index,
            name="p",
        )

    @property
    def lr_one_sided(self) -> float:
        """LR statistic of H0: no inefficiency (gamma = 0), 2 (llf - llf_OLS).

        Under H0 it follows a mixed chi-square (Kodde & Palm 1986), as in FRONTIER 4.1.
        """
        return 2.0 * (self.llf - self.llf_ols)

    def cov_params(self) -> pd.DataFrame:
        """Covariance matrix of :attr:`params`."""
        return self.cov.copy()

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Wald confidence intervals: ``lower``, ``upper``."""
        if not 0 < level < 1:
            raise InputError(f"level must be in (0, 1); got {level}")
        z = float(stats.norm.ppf(0.5 + level / 2))
        return pd.DataFrame(
            {"lower": self.params - z * self.bse, "upper": self.params + z * self.bse}
        )

    # -- efficiencies ------------------------------------------------------------------

    def _residual_e(self, ya: FloatArray, Xa: FloatArray) -> FloatArray:
        s = -1.0 if self.cost else 1.0
        beta = self.params[self.exog_names].to_numpy(dtype=float)
        return np.asarray(s * (ya - Xa @ beta), dtype=float)

    def _eff_from(self, ya: FloatArray, Xa: FloatArray, method: str, mu: Any = None) -> FloatArray:
        if method not in ("bc", "jlms"):
            raise InputError(f"efficiency method must be 'bc' or 'jlms', not {method!r}")
        e = self._residual_e(ya, Xa)
        m = self.mu_of() if mu is None else mu
        return _efficiency(e, self.sigma_u, self.sigma_v, m, self.dist, method)

    def efficiency(self, method: EffMethod = "bc") -> pd.Series:
        """Unit efficiency in (0, 1] for the fitting data.

        ``"bc"``: Battese & Coelli (1988) ``E[exp(-u) | e]`` (what FRONTIER 4.1 prints);
        ``"jlms"``: ``exp(-E[u | e])`` (Jondrow et al. 1982).
        """
        if self.y is None or self.X is None:
            raise PeirError(
                "this result has no fitting data (it was saved without data); "
                "use predict_efficiency(y, X)"
            )
        ya = self.y.to_numpy(dtype=float)
        Xa = self.X.to_numpy(dtype=float)
        return pd.Series(self._eff_from(ya, Xa, method), index=self.y.index, name="efficiency")

    def predict_efficiency(
        self,
        y: Any,
        X: Any,
        method: EffMethod = "bc",
        *,
        units: dict[str, str] | None = None,
        z: Any = None,
    ) -> pd.Series:
        """Efficiency of new observations against this fitted frontier.

        ``X`` must carry the same variables (same names when it is a DataFrame, same
        transformation, e.g. logs) as the fitting data, without the constant; an
        efficiency-effects model also needs the observations' determinants ``z``. When
        ``units`` is given, each variable's unit must match the one recorded on the model
        card (e.g. ``{"log_spending": "log BRL 2015"}``).
        """
        if units:
            clash = {
                k: (self.card.units[k], v)
                for k, v in units.items()
                if k in self.card.units and self.card.units[k] != v
            }
            if clash:
                detail = "; ".join(
                    f"{k}: fitted in {a!r}, given {b!r}" for k, (a, b) in clash.items()
                )
                raise InputError(f"units differ from the fitted frontier ({detail}); convert first")
        Xf = _as_frame(X)
        expected = [c for c in self.exog_names if not (self.add_constant and c == "const")]
        if isinstance(X, pd.DataFrame):
            got = [str(c) for c in Xf.columns]
            missing = [c for c in expected if c not in got]
            extra = [c for c in got if c not in expected]
            if missing or extra:
                raise InputError(
                    f"X columns do not match the fitted frontier: missing {missing}, "
                    f"unexpected {extra}; expected {expected}"
                )
            Xf = Xf[expected]
        elif Xf.shape[1] != len(expected):
            raise InputError(
                f"X has {Xf.shape[1]} columns but the frontier was fitted on {len(expected)} "
                f"({expected})"
            )
        else:
            Xf.columns = expected
        _ys, _Xf, ya, Xa = _prepare(y, Xf, self.add_constant)
        if self.z_names and z is None:
            raise InputError(
                "this is an efficiency-effects model (Battese & Coelli 1995): "
                "give the observations' determinants z"
            )
        mu = self.mu_of(z) if self.z_names else None
        return pd.Series(self._eff_from(ya, Xa, method, mu), index=_ys.index, name="efficiency")

    # -- presentation ------------------------------------------------------------------

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: parameter, estimate, std_error, t, p, lower, upper."""
        ci = self.conf_int()
        out = pd.DataFrame(
            {
                "estimate": self.params,
                "std_error": self.bse,
                "t": self.tvalues,
                "p": self.pvalues,
                "lower": ci["lower"],
                "upper": ci["upper"],
            }
        )
        return out.rename_axis("parameter")

    def summary(self) -> SFASummary:
        """Model description and parameter table (``as_text()``, ``as_html()``; prints as text).

        Laid out in the spirit of statsmodels and FRONTIER 4.1 output.
        """
        kind = "cost" if self.cost else "production"
        header = [
            (
                "Model",
                f"stochastic {kind} frontier, u ~ "
                + ("N+(z delta, sigma_u^2) (Battese & Coelli 1995)" if self.z_names else self.dist),
            ),
            ("Dependent variable", self.endog_name),
            ("Observations", f"{self.nobs}"),
            ("Log-likelihood", f"{self.llf:.6f}"),
            ("OLS log-likelihood", f"{self.llf_ols:.6f}"),
            ("LR test of gamma = 0 (one-sided)", f"{self.lr_one_sided:.4f}"),
            ("sigma_u / sigma_v", f"{self.sigma_u:.6f} / {self.sigma_v:.6f}"),
            ("Converged", f"{self.converged}"),
        ]
        notes = [
            "sigma2 = sigma_u^2 + sigma_v^2; gamma = sigma_u^2 / sigma2 (FRONTIER 4.1).",
            "Standard errors from the inverse Hessian, delta method for sigma2 and gamma.",
        ]
        return SFASummary("Stochastic frontier results", header, self.to_frame(), notes)

    def plot(self, ax: Any = None, *, method: EffMethod = "bc") -> Figure:
        """The fitting units ranked by efficiency (:meth:`efficiency`), best on top; above
        ``RANK_MAX`` units, the efficiencies' histogram."""
        kind = "cost" if self.cost else "production"
        label = "E[exp(-u) | e]" if method == "bc" else "exp(-E[u | e])"
        scores = self.efficiency(method)
        if len(scores) > RANK_MAX:
            return distribution(
                scores,
                ax=ax,
                xlabel=f"efficiency, {label}",
                title=f"Stochastic {kind} frontier: efficiencies",
            )
        return ranking(
            scores,
            ax=ax,
            xlabel=f"efficiency, {label}",
            title=f"Stochastic {kind} frontier: efficiency by unit",
        )

    def __repr__(self) -> str:
        kind = "cost" if self.cost else "production"
        return (
            f"SFAResult({kind}, dist={self.dist!r}, nobs={self.nobs}, llf={self.llf:.6f}, "
            f"converged={self.converged})"
        )

    # -- persistence -------------------------------------------------------------------

    def save(self, path: str | Path, *, include_data: bool = True) -> Path:
        """Save to directory ``path``: ``model.json`` (options, model card, parameters as
        exact float text) and Parquet files for the parameters, covariance and (optionally)
        the fitting data. Never pickle. Returns the directory.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        d = Path(path)
        d.mkdir(parents=True, exist_ok=True)
        meta = {
            "format": _FORMAT,
            "format_version": _FORMAT_VERSION,
            "dist": self.dist,
            "cost": self.cost,
            "add_constant": self.add_constant,
            "exog_names": self.exog_names,
            "endog_name": self.endog_name,
            "nobs": self.nobs,
            "llf": self.llf,
            "llf_ols": self.llf_ols,
            "converged": self.converged,
            "n_iter": self.n_iter,
            "params": {k: float(v) for k, v in self.params.items()},
            "card": self.card.to_dict(),
            "has_data": bool(include_data and self.y is not None),
        }
        (d / "model.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
        names = [str(i) for i in self.params.index]
        ptab = pa.table(
            {
                "parameter": names,
                "estimate": self.params.to_numpy(dtype=float),
                "std_error": self.bse.to_numpy(dtype=float),
            }
        )
        pq.write_table(ptab, d / "params.parquet")
        ctab = pa.table({"parameter": names, **{n: self.cov[n].to_numpy(float) for n in names}})
        pq.write_table(ctab, d / "cov.parquet")
        if include_data and self.y is not None and self.X is not None:
            data = self.X.copy()
            if self.Z is not None:  # determinants stored beside X, marked
                for c in self.Z.columns:
                    data[f"__z__{c}"] = self.Z[c].to_numpy(dtype=float)
            data.insert(0, "__y__", self.y.to_numpy(dtype=float))
            data.insert(0, "__index__", [str(i) for i in self.y.index])
            pq.write_table(pa.Table.from_pandas(data, preserve_index=False), d / "data.parquet")
        return d


def load_sfa(path: str | Path) -> SFAResult:
    """Load an :class:`SFAResult` written by :meth:`SFAResult.save`.

    Checks the format marker and that the parameter files agree with ``model.json``.
    The fitting data's index is restored as strings.
    """
    import pyarrow.parquet as pq

    d = Path(path)
    mfile = d / "model.json"
    if not mfile.is_file():
        raise PeirError(f"{d}: not a saved SFA model (no model.json)")
    meta = json.loads(mfile.read_text(encoding="utf-8"))
    if meta.get("format") != _FORMAT:
        raise PeirError(f"{mfile}: not a saved SFA model (format {meta.get('format')!r})")
    if int(meta.get("format_version", 0)) > _FORMAT_VERSION:
        raise PeirError(
            f"{mfile}: saved with a newer format ({meta['format_version']}); upgrade peir"
        )
    pt = pq.read_table(d / "params.parquet").to_pandas()
    names = [str(n) for n in pt["parameter"]]
    params = pd.Series(pt["estimate"].to_numpy(float), index=names, name="parameter")
    bse = pd.Series(pt["std_error"].to_numpy(float), index=names, name="std_error")
    if list(meta["params"]) != names or any(meta["params"][n] != params[n] for n in names):
        raise PeirError(f"{d}: params.parquet and model.json disagree; the files are damaged")
    ct = pq.read_table(d / "cov.parquet").to_pandas().set_index("parameter")
    cov = ct.loc[names, names].astype(float)
    cov.index.name = None
    y: pd.Series | None = None
    X: pd.DataFrame | None = None
    Z: pd.DataFrame | None = None
    if meta.get("has_data") and (d / "data.parquet").is_file():
        data = pq.read_table(d / "data.parquet").to_pandas()
        idx = pd.Index(data.pop("__index__").astype(str))
        y = pd.Series(data.pop("__y__").to_numpy(float), index=idx, name=meta["endog_name"])
        zcols = [c for c in data.columns if str(c).startswith("__z__")]
        if zcols:
            Z = data[zcols].set_axis(idx, axis=0).rename(columns=lambda c: str(c)[5:])
            data = data.drop(columns=zcols)
        X = data.set_axis(idx, axis=0)
    return SFAResult(
        params=params,
        bse=bse,
        cov=cov,
        llf=float(meta["llf"]),
        converged=bool(meta["converged"]),
        dist=str(meta["dist"]),
        cost=bool(meta["cost"]),
        add_constant=bool(meta["add_constant"]),
        exog_names=[str(n) for n in meta["exog_names"]],
        endog_name=str(meta["endog_name"]),
        nobs=int(meta["nobs"]),
        llf_ols=float(meta["llf_ols"]),
        card=ModelCard.from_dict(meta["card"]),
        n_iter=int(meta.get("n_iter", 0)),
        y=y,
        X=X,
        Z=Z,
    )


# --------------------------------------------------------------------------------------
# fitting
# --------------------------------------------------------------------------------------


def _start_values(
    ya: FloatArray, Xa: FloatArray, s: float, spec: _Spec
) -> tuple[list[FloatArray], FloatArray, float, bool]:
    """Corrected-OLS start plus a gamma grid; returns starts, OLS beta, OLS llf, wrong skew."""
    n, k = Xa.shape
    beta_ols, *_ = np.linalg.lstsq(Xa, ya, rcond=None)
    resid = ya - Xa @ beta_ols
    sig2_ml = float(resid @ resid) / n
    llf_ols = -0.5 * n * (math.log(2 * math.pi * sig2_ml) + 1.0)
    e = s * resid
    m2 = float(np.mean(e**2))
    m3 = float(np.mean(e**3))
    wrong_skew = m3 >= 0
    dist = spec.dist
    if dist == "exponential":
        su0 = (-m3 / 2.0) ** (1 / 3) if m3 < 0 else math.sqrt(0.1 * m2)
        su0 = min(su0, math.sqrt(0.95 * m2))
    else:
        c3 = math.sqrt(2 / math.pi) * (4 / math.pi - 1)
        su0 = (-m3 / c3) ** (1 / 3) if m3 < 0 else math.sqrt(0.1 * m2)
        su0 = min(su0, math.sqrt(0.95 * m2 / (1 - 2 / math.pi)))
    # variance of u per unit sigma_u^2, and E[u] per unit sigma_u
    vu_frac = 1.0 if dist == "exponential" else 1 - 2 / math.pi
    eu_frac = 1.0 if dist == "exponential" else math.sqrt(2 / math.pi)
    sv0 = math.sqrt(max(m2 - vu_frac * su0**2, 0.05 * m2))
    has_const = k > 0 and bool(np.allclose(Xa[:, 0], 1.0))

    def pack(su: float, sv: float) -> FloatArray:
        b = beta_ols.copy()
        if has_const:  # OLS intercept = beta0 - s E[u]
            b[0] += s * eu_frac * su
        extra = [0.0] * spec.q  # δ = 0: μ = 0 (the half-normal), as FRONTIER starts
        return np.concatenate([b, [math.log(su), math.log(sv)], extra])

    starts = [pack(su0, sv0)]
    # FRONTIER-style grid over gamma, sigma2 matching the OLS residual variance
    for g in (0.1, 0.3, 0.5, 0.7, 0.9):
        sig2 = m2 / (1 - g + g * vu_frac)
        starts.append(pack(math.sqrt(g * sig2), math.sqrt((1 - g) * sig2)))
    return starts, np.asarray(beta_ols, dtype=float), llf_ols, wrong_skew


def _fit(
    ya: FloatArray, Xa: FloatArray, s: float, spec: _Spec, starts: list[FloatArray]
) -> tuple[FloatArray, float, bool, int]:
    """Maximise the log-likelihood: BFGS on the mean log-likelihood (scale-free tolerance)
    from the two best starting values, then Newton steps with a line search on the Hessian of
    the analytic score. Converged when the Newton decrement g' (-H)^-1 g (twice the
    log-likelihood still to gain) is below 1e-8 and -H is positive definite."""
    n = ya.size

    def nll(t: FloatArray) -> float:
        v = float(-_loglik_obs(t, ya, Xa, s, spec).sum())
        return v if np.isfinite(v) else 1e300

    def ngrad(t: FloatArray) -> FloatArray:
        return np.asarray(-_score_obs(t, ya, Xa, s, spec).sum(axis=0), dtype=float)

    with np.errstate(all="ignore"):
        scored = sorted(((nll(t0), i) for i, t0 in enumerate(starts)), key=lambda v: v[0])
    finite = [starts[i] for f, i in scored if f < 1e300]
    if not finite:
        raise PeirError("no finite starting value for the likelihood; check the data scale")
    # theta = D * theta_scaled: coefficients in units of their regressor's standard deviation
    k = Xa.shape[1]
    sd = Xa.std(axis=0)
    D = np.ones(starts[0].size)
    D[:k] = np.where(sd > 0, 1.0 / np.where(sd > 0, sd, 1.0), 1.0)
    best: tuple[FloatArray, float, int] | None = None
    with np.errstate(all="ignore"):
        for t0 in finite[:2]:
            res = optimize.minimize(
                lambda u: nll(D * u) / n,
                t0 / D,
                jac=lambda u: D * ngrad(D * u) / n,
                method="BFGS",
                options={"gtol": 1e-7, "maxiter": 1000},
            )
            x = np.asarray(D * res.x, dtype=float)
            f = nll(x)
            if best is None or f < best[1]:
                best = (x, f, int(res.nit))
    assert best is not None
    theta, fbest, nit = best
    decrement = np.inf
    posdef = False
    with np.errstate(all="ignore"):
        for _ in range(50):
            g = ngrad(theta)
            H = -_hessian(theta, ya, Xa, s, spec)  # Hessian of the negative log-likelihood
            try:
                np.linalg.cholesky(H)
                posdef = True
                step = np.linalg.solve(H, g)
            except np.linalg.LinAlgError:
                posdef = False
                break
            decrement = float(g @ step)
            if decrement < 1e-12:
                break
            lam = 1.0
            improved = False
            while lam > 1e-8:
                cand = theta - lam * step
                fc = nll(cand)
                if fc <= fbest:
                    improved = fc < fbest - 1e-13 * max(1.0, abs(fbest))
                    theta, fbest = cand, fc
                    break
                lam /= 2
            nit += 1
            if not improved:
                break
    return theta, -fbest, bool(posdef and decrement < 1e-8), nit


def sfa(
    y: Any,
    X: Any,
    *,
    z: Any = None,
    dist: Dist = "half-normal",
    cost: bool = False,
    add_constant: bool = True,
    card_notes: str = "",
    units: dict[str, str] | None = None,
    years: list[Any] | None = None,
) -> SFAResult:
    """Fit a stochastic frontier by maximum likelihood (Aigner, Lovell & Schmidt 1977).

    Parameters
    ----------
    y
        Output (production) or cost, already transformed (logs for Cobb-Douglas); 1-D.
    X
        Regressors (units x variables), already transformed; a DataFrame keeps its names.
    dist
        Distribution of the inefficiency ``u``: ``"half-normal"``, ``"exponential"`` or
        ``"truncated-normal"``.
    cost
        ``True`` for a cost frontier ``y = X beta + v + u``; default production
        ``y = X beta + v - u``.
    add_constant
        Prepend a column ``const`` of ones.
    card_notes, units, years
        Recorded on the model card kept with saved models.

    Returns
    -------
    SFAResult
        ``params`` in FRONTIER 4.1's parametrisation (``sigma2 = sigma_u^2 + sigma_v^2``,
        ``gamma = sigma_u^2 / sigma2``), ``bse``, ``llf``, ``converged``, ``efficiency()``.

    Notes
    -----
    Maximum likelihood on ``(beta, ln sigma_u, ln sigma_v[, mu])`` with scipy BFGS and the
    analytic score, from the best two of corrected-OLS and a grid of gamma starts, polished
    by Newton steps;
    covariance = inverse negative Hessian (central differences of the analytic score),
    mapped to (sigma2, gamma) by the delta method.

    When the OLS residuals are skewed the wrong way (positive for a production frontier,
    negative for a cost frontier) the ML estimate of gamma tends to 0 (no inefficiency);
    a :class:`peir.errors.ConvergenceWarning` says so.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"lx": rng.normal(size=200)})
    >>> y = 1 + 0.5 * X["lx"] + rng.normal(0, 0.1, 200) - np.abs(rng.normal(0, 0.3, 200))
    >>> res = sfa(y, X)
    >>> round(float(res.params["lx"]), 1)
    0.5
    """
    if dist not in _DISTS:
        raise InputError(f"dist must be one of {', '.join(_DISTS)}; got {dist!r}")
    ys, Xf, ya, Xa = _prepare(y, X, add_constant)
    n, k = Xa.shape
    Zf: pd.DataFrame | None = None
    if z is not None:
        if dist != "truncated-normal":
            raise InputError(
                "z (inefficiency determinants, Battese & Coelli 1995) needs "
                "dist='truncated-normal': u ~ N+(z delta, sigma_u^2)"
            )
        Zf = _z_design(z, Xf.index, n)
        spec = _Spec(dist, Zf.to_numpy(dtype=float))
    elif dist == "truncated-normal":
        spec = _Spec(dist, np.ones((n, 1)))
    else:
        spec = _Spec(dist)
    p = k + 2 + spec.q
    if n < p + 2:
        raise InputError(
            f"too few observations: {n} for {p} parameters; a stochastic frontier needs "
            f"at least {p + 2} (and in practice many more)"
        )
    if np.linalg.matrix_rank(Xa) < k:
        raise InputError(
            "X does not have full column rank (a column is constant or a combination of "
            "others); drop the redundant column(s)"
        )
    s = -1.0 if cost else 1.0
    starts, _beta_ols, llf_ols, wrong_skew = _start_values(ya, Xa, s, spec)
    if wrong_skew:
        sign = "negative" if cost else "positive"
        warnings.warn(
            f"the OLS residuals are skewed the wrong way ({sign} third moment for a "
            f"{'cost' if cost else 'production'} frontier): the data show no inefficiency "
            "and the ML estimate of gamma tends to 0 (the frontier collapses to OLS)",
            ConvergenceWarning,
            stacklevel=2,
        )
    theta, llf, converged, nit = _fit(ya, Xa, s, spec, starts)
    if not converged:
        warnings.warn(
            "the stochastic frontier likelihood did not converge to a tight optimum "
            "(gradient not ~0); treat the estimates with care",
            ConvergenceWarning,
            stacklevel=2,
        )

    # covariance in internal parameters, then delta method to FRONTIER's parametrisation
    H = _hessian(theta, ya, Xa, s, spec)
    try:
        cov_int = np.linalg.inv(-H)
    except np.linalg.LinAlgError:
        cov_int = np.full((p, p), np.nan)
    beta, su, sv, _mu = _unpack(theta, k, spec)
    sig2 = su**2 + sv**2
    gamma = su**2 / sig2
    J = np.zeros((p, p))
    J[:k, :k] = np.eye(k)
    # d sigma2 / d ln su = 2 su^2; d sigma2 / d ln sv = 2 sv^2
    J[k, k], J[k, k + 1] = 2 * su**2, 2 * sv**2
    # gamma = su^2/(su^2+sv^2): d/d ln su = 2 gamma (1-gamma); d/d ln sv = -2 gamma (1-gamma)
    J[k + 1, k], J[k + 1, k + 1] = 2 * gamma * (1 - gamma), -2 * gamma * (1 - gamma)
    names = [*list(Xf.columns), "sigma2", "gamma"]
    values = [*list(beta), sig2, gamma]
    if spec.q:
        J[k + 2 :, k + 2 :] = np.eye(spec.q)
        names += ["mu"] if Zf is None else [f"z_{c}" for c in Zf.columns]
        values += list(theta[k + 2 :])
    cov = J @ cov_int @ J.T
    cov = 0.5 * (cov + cov.T)
    params = pd.Series(values, index=names, name="parameter", dtype=float)
    with np.errstate(invalid="ignore"):
        bse = pd.Series(np.sqrt(np.diag(cov)), index=names, name="std_error")
    card = ModelCard(
        model="sfa",
        fingerprint=fingerprint(Xf, ys.astype(float)),
        variables={"output": [str(ys.name or "y")], "inputs": [str(c) for c in Xf.columns]},
        units=dict(units or {}),
        years=list(years or []),
        notes=card_notes,
        options={
            "dist": dist,
            "cost": cost,
            "add_constant": add_constant,
            "z": [] if Zf is None else [str(c) for c in Zf.columns],
        },
    )
    return SFAResult(
        params=params,
        bse=bse,
        cov=pd.DataFrame(cov, index=names, columns=names),
        llf=float(llf),
        converged=converged,
        dist=dist,
        cost=cost,
        add_constant=add_constant,
        exog_names=[str(c) for c in Xf.columns],
        endog_name=str(ys.name or "y"),
        nobs=n,
        llf_ols=float(llf_ols),
        card=card,
        n_iter=nit,
        y=ys.astype(float).rename(str(ys.name or "y")),
        X=Xf.astype(float),
        Z=Zf,
    )


def _z_design(z: Any, index: pd.Index, n: int) -> pd.DataFrame:
    """The inefficiency determinants with their constant δ0 (``const``), as FRONTIER's
    efficiency-effects model with an intercept."""
    Zf = _as_frame(z)
    if len(Zf) != n:
        raise InputError(f"z has {len(Zf)} rows but X has {n}; they must match")
    if isinstance(z, pd.DataFrame | pd.Series) and len(index) == n and not Zf.index.equals(index):
        raise InputError("z and X have different indexes; align them (same units, same order)")
    Zf = Zf.copy()
    Zf.index = index
    Zf.columns = [str(c) for c in Zf.columns]
    if "const" in Zf.columns:
        raise InputError("z already has a column named 'const'; the constant is added for you")
    Zf.insert(0, "const", 1.0)
    Za = _check_numeric(Zf, "z")
    if np.linalg.matrix_rank(Za) < Za.shape[1]:
        raise InputError(
            "z does not have full column rank (with its constant); drop the redundant column(s)"
        )
    return Zf
