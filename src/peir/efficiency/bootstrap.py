r"""Simar–Wilson (1998) smoothed bootstrap for DEA scores.

DEA scores are biased upwards (the estimated frontier lies inside the true one). Simar & Wilson
draw pseudo-samples from a smooth estimate of the density of the distances to the frontier and
re-estimate the frontier on each, which yields the bias, bias-corrected scores and confidence
intervals. As in the paper, the work is done on Shephard distances δ̂_i = 1/θ̂_i ≥ 1 (θ̂ the
Farrell efficiency: input θ, output 1/φ), whose only boundary is 1. Replication b:

1. draw β*_i (i = 1..n) with replacement from δ̂_1..δ̂_n and ε*_i ~ N(0, 1);
2. reflect at 1: δ̃_i = β*_i + hε*_i if that is ≥ 1, else 2 − β*_i − hε*_i (this samples the
   kernel density of the reflected set {δ̂_i, 2 − δ̂_i} restricted to ≥ 1);
3. restore the variance: δ*_i = β̄* + (δ̃_i − β̄*) / √(1 + h²/σ̂²), σ̂² the variance of δ̂
   (δ*_i ≥ 1 still holds);
4. pseudo-data on the same rays: x*_i = x_i δ*_i/δ̂_i (input orientation) or
   y*_i = y_i δ̂_i/δ*_i (output), the other variables unchanged;
5. δ̂*_b,i: distance of the *original* unit i to the pseudo-data technology.

Then bias_δ,i = mean_b δ̂*_b,i − δ̂_i, the bias-corrected distance is δ̂_i − bias_δ,i, and the
(1 − α) interval is [δ̂_i − q_{1−α/2}, δ̂_i − q_{α/2}] with q the quantiles of δ̂*_b,i − δ̂_i
(Simar & Wilson 1998, §4). All are reported back on the efficiency scale (reciprocals), so the
interval contains the bias-corrected score whenever the bootstrap mean lies between the two
quantiles.

The bandwidth is Silverman's (1986, eq. 3.31) robust normal-reference rule on the reflected
sample of 2n values, h = 1.06 min(σ̂_R, IQR_R/1.34) (2n)^{-1/5}, rescaled by (2n/n)^{1/5} to the
sample size n as Simar & Wilson do, so h = 1.06 min(σ̂_R, IQR_R/1.34) n^{-1/5}.

Replications are seeded from one :class:`numpy.random.SeedSequence` (one child per
replication), so results depend on ``seed`` only, not on the number of worker processes.

References
----------
Simar, L. & Wilson, P. W. (1998). Sensitivity analysis of efficiency scores: how to bootstrap
in nonparametric frontier models. *Management Science* 44(1), 49–61.
Silverman, B. W. (1986). *Density Estimation for Statistics and Data Analysis*. Chapman & Hall.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from peir.efficiency import lp
from peir.efficiency._checks import check_rts_orientation, validate_pair
from peir.efficiency.scoring import evaluate, to_efficiency
from peir.errors import InputError

__all__ = ["bootstrap_dea", "silverman_bandwidth"]

Array = np.ndarray[Any, np.dtype[np.float64]]
# show a progress bar by default when n_units × n_boot reaches this
PROGRESS_WORK = 1_000_000
# use worker processes when n_units × n_boot reaches this
PARALLEL_WORK = 100_000


def silverman_bandwidth(delta: Array) -> float:
    """h = 1.06 min(σ̂, IQR/1.34) n^{-1/5}, σ̂ and IQR of the reflected sample {δ, 2 − δ}."""
    refl = np.r_[delta, 2.0 - delta]
    sd = float(np.std(refl, ddof=1))
    q75, q25 = np.percentile(refl, [75, 25])
    spread = min(sd, float(q75 - q25) / 1.34) if q75 > q25 else sd
    return float(1.06 * spread * len(delta) ** (-0.2))


def _replicate(
    x: Array,
    y: Array,
    delta: Array,
    h: float,
    sigma2: float,
    rts: str,
    orientation: str,
    scale_x: Array,
    scale_y: Array,
    seeds: list[np.random.SeedSequence],
) -> Array:
    n = len(delta)
    out = np.empty((len(seeds), n))
    shrink = 1.0 / np.sqrt(1.0 + h * h / sigma2) if sigma2 > 0 else 1.0
    for b, ss in enumerate(seeds):
        rng = np.random.default_rng(ss)
        beta = delta[rng.integers(0, n, n)]
        eps = rng.standard_normal(n)
        t = beta + h * eps
        t = np.where(t >= 1.0, t, 2.0 - t)
        bbar = beta.mean()
        star = np.maximum(bbar + (t - bbar) * shrink, 1.0)
        if orientation == "input":
            xs, ys = x * (star / delta)[:, None], y
        else:
            xs, ys = x, y * (delta / star)[:, None]
        raw = evaluate(x, y, xs, ys, scale_x=scale_x, scale_y=scale_y, rts=rts,
                       orientation=orientation, slacks=False, n_jobs=1)
        eff, _, _ = to_efficiency(raw, orientation)
        with np.errstate(divide="ignore"):
            out[b] = 1.0 / eff
    return out


def _replicate_star(args: tuple[Any, ...]) -> tuple[int, Array]:
    start = args[0]
    return start, _replicate(*args[1:])


def bootstrap_dea(
    inputs: Any,
    outputs: Any,
    *,
    rts: str = "vrs",
    orientation: str = "input",
    n_boot: int = 2000,
    alpha: float = 0.05,
    seed: int | np.random.SeedSequence | None = None,
    progress: bool | None = None,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    r"""Bias-corrected DEA scores and confidence intervals (Simar & Wilson 1998).

    Parameters
    ----------
    inputs, outputs : DataFrame or 2-D array
        Rows are units.
    rts : {"vrs", "crs", "nirs", "ndrs"}
    orientation : {"input", "output"}
    n_boot : int
        Bootstrap replications B.
    alpha : float
        The intervals have level 1 − α.
    seed : int or SeedSequence, optional
        Makes the result reproducible (independent of ``n_jobs``).
    progress : bool, optional
        Show a progress bar; by default only for long runs (n × B ≥ 1,000,000).
    n_jobs : int, optional
        Worker processes (default: the available cores; 1 = in this process).

    Returns
    -------
    DataFrame
        Per unit: ``efficiency`` (θ̂), ``bias`` (θ̂ − bias_corrected, ≥ 0 when DEA overstates
        efficiency), ``bias_corrected`` (1/(δ̂ − bias_δ), δ̂ = 1/θ̂,
        bias_δ = mean δ̂* − δ̂), ``lower``, ``upper`` (the 1 − α interval, reciprocals of
        [δ̂ − q_{1−α/2}(δ̂* − δ̂), δ̂ − q_{α/2}(δ̂* − δ̂)]; see the module notes).

    References
    ----------
    Simar, L. & Wilson, P. W. (1998). *Management Science* 44(1), 49–61.
    """
    rts, orientation = check_rts_orientation(rts, orientation)
    if rts == "fdh":
        raise InputError("bootstrap_dea needs a convex technology (crs, vrs, nirs or ndrs).")
    if int(n_boot) < 2:
        raise InputError("n_boot must be at least 2.")
    if not 0 < alpha < 1:
        raise InputError("alpha must be between 0 and 1.")
    x, y = validate_pair(inputs, outputs, technology=True)
    xv, yv = x.values, y.values
    sx, sy = xv.mean(axis=0), yv.mean(axis=0)
    raw = evaluate(xv, yv, xv, yv, scale_x=sx, scale_y=sy, rts=rts, orientation=orientation,
                   slacks=False)
    theta, _, feasible = to_efficiency(raw, orientation)
    if not np.all(feasible) or not np.all((theta > 0) & np.isfinite(theta)):
        raise InputError(
            "bootstrap_dea needs every unit to have a positive, finite DEA score; some units "
            "have zero outputs (output orientation) or zero inputs (input orientation)."
        )
    theta = np.minimum(theta, 1.0)
    delta = 1.0 / theta
    n = len(theta)
    h = silverman_bandwidth(delta)
    sigma2 = float(np.var(delta, ddof=1))
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    children = ss.spawn(int(n_boot))
    jobs = lp.n_workers() if n_jobs is None else max(1, int(n_jobs))
    work = n * int(n_boot)
    show = (work >= PROGRESS_WORK) if progress is None else bool(progress)
    boot = np.empty((int(n_boot), n))
    common = (xv, yv, delta, h, sigma2, rts, orientation, sx, sy)
    with tqdm(total=int(n_boot), disable=not show, desc="bootstrap", unit="rep") as bar:
        if jobs > 1 and work >= PARALLEL_WORK:
            size = max(1, min(100, int(n_boot) // (jobs * 8)))
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = [
                    pool.submit(_replicate_star, (a, *common, children[a : a + size]))
                    for a in range(0, int(n_boot), size)
                ]
                for fut in as_completed(futures):
                    a, block = fut.result()
                    boot[a : a + len(block)] = block
                    bar.update(len(block))
        else:
            size = max(1, int(n_boot) // 50)
            for a in range(0, int(n_boot), size):
                block = _replicate(*common, children[a : a + size])
                boot[a : a + len(block)] = block
                bar.update(len(block))
    # SW98 on the distance scale, reported back as efficiencies (reciprocals)
    bias_d = boot.mean(axis=0) - delta
    q_lo, q_hi = np.quantile(boot - delta, [alpha / 2, 1 - alpha / 2], axis=0)
    def recip(d: Array) -> Array:
        out: Array = np.where(d > 0, 1.0 / np.where(d > 0, d, 1.0), np.inf)
        return out

    corrected = recip(delta - bias_d)
    return pd.DataFrame(
        {
            "efficiency": theta,
            "bias": theta - corrected,
            "bias_corrected": corrected,
            "lower": recip(delta - q_lo),
            "upper": recip(delta - q_hi),
        },
        index=x.index,
    )
