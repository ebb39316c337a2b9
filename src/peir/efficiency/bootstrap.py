r"""Simar–Wilson (1998) smoothed bootstrap of DEA scores, as Daraio & Simar (2007) state it.

DEA scores are biased upwards (the estimated frontier lies inside the true one). The bootstrap
draws pseudo-samples from a smooth estimate of the density of the distances to the frontier,
re-estimates the frontier on each, and reads the bias, bias-corrected scores and confidence
intervals off the re-estimates. The work is done on distances δ̂_i ≥ 1, whose only boundary is
1: the Shephard input distance 1/θ̂_i (input orientation) or the Farrell output measure φ̂_i
(output orientation). With n units and B replications:

**Bandwidth** (Daraio & Simar 2007, pp. 60–61, eqs. 3.23–3.26). The efficient units (δ̂ = 1)
are a spurious mass at the boundary, so the rule of thumb is computed on the m inefficient ones
(δ̂ > 1 + 10⁻⁶) reflected at 1, the 2m values R = {δ̂_i, 2 − δ̂_i}:

.. math::

    h_{2m} = 0.9 \min\!\left(\hat\sigma_R, \frac{\mathrm{IQR}_R}{1.349}\right) (2m)^{-1/5},
    \qquad
    h = h_{2m} \left(\frac{2m}{n}\right)^{1/5} \frac{\hat\sigma_n}{\hat\sigma_R},

rescaled to the sample size n and to the spread σ̂_n of all n distances (Silverman 1986,
eq. 3.31, is the 0.9 min(σ̂, IQR/1.34) rule; the IQR is used only when it is positive).

**Pseudo-samples** (Daraio & Simar 2007, p. 62, steps [2]–[4]). For each replication, with
S = {δ̂_1, …, δ̂_n, 2 − δ̂_1, …, 2 − δ̂_n} (mean 1, variance σ̂²_S):

1. draw β*_1..β*_n with replacement from S and ε*_i ~ N(0, 1);
2. smooth and restore the variance: δ**_i = β̄* + (β*_i + hε*_i − β̄*) / √(1 + h²/σ̂²_S);
3. reflect back above 1: δ*_i = δ**_i if δ**_i ≥ 1, else 2 − δ**_i;
4. pseudo-data on the units' rays: x*_i = x_i δ*_i/δ̂_i (input orientation) or
   y*_i = y_i δ̂_i/δ*_i (output), the other variables unchanged;
5. δ̂*_b,i: the distance of the *original* unit i to the pseudo-data technology.

**Bias and intervals** (Simar & Wilson 1998, §4; as R Benchmarking's ``dea.boot``):
bias_i = mean_b δ̂*_b,i − δ̂_i, bias-corrected distance δ̂_i − bias_i, and the (1 − α) interval
[δ̂_i − q_{1−α/2}, δ̂_i − q_{α/2}] with q the quantiles of δ̂*_b,i − δ̂_i (type 9, approximately
median-unbiased, as R's ``quantile(type = 9)``). Everything is reported back on the efficiency
scale (reciprocals): ``efficiency`` θ̂ (or 1/φ̂), ``bias`` = efficiency − bias_corrected.

R Benchmarking (≤ 0.32) computes the reflected set R of the input orientation on the Farrell
scores θ̂ rather than on the distances 1/θ̂ it samples; here both are the distances (the two
agree for the output orientation).

**Speed.** The draws of all replications are made in this process, in replication order, from
one :class:`numpy.random.SeedSequence`, so the result depends on ``seed`` only, not on the
number of workers, and sent to the workers as arrays, a block of replications per task. Each
replication screens its pseudo-reference set once (Pareto dominance) for all n units; the LPs
of a block, every unit against every pseudo-reference set, are solved together by one batched
simplex (:mod:`peir.efficiency.batch_lp`), whose every optimum is verified; the few it cannot
verify go to HiGHS, one instance per worker kept for all its replications.

References
----------
Simar, L. & Wilson, P. W. (1998). Sensitivity analysis of efficiency scores: how to bootstrap
in nonparametric frontier models. *Management Science* 44(1), 49–61.
Daraio, C. & Simar, L. (2007). *Advanced Robust and Nonparametric Methods in Efficiency
Analysis*. Springer, §3.4.
Silverman, B. W. (1986). *Density Estimation for Statistics and Data Analysis*. Chapman & Hall.
Bogetoft, P. & Otto, L. (2011). *Benchmarking with DEA, SFA, and R*. Springer, ch. 6
(R package Benchmarking, ``dea.boot``).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Final

import numpy as np
import pandas as pd
from tqdm import tqdm

from peir._results import LegacyFrame, Summary
from peir.efficiency import batch_lp, lp
from peir.efficiency._checks import (
    RTS_NAMES,
    check_rts_orientation,
    check_sample_size,
    validate_pair,
)
from peir.efficiency._plots import ranking
from peir.efficiency.scoring import evaluate, to_efficiency
from peir.errors import InputError, PeirWarning

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "BootstrapResult",
    "bootstrap_dea",
    "daraio_simar_bandwidth",
    "smoothed_distances",
]

Array = np.ndarray[Any, np.dtype[np.float64]]
# show a progress bar by default when n_units × n_boot reaches this
PROGRESS_WORK = 1_000_000
# use worker processes when n_units × n_boot reaches this
PARALLEL_WORK = 100_000
# replications per task sent to a worker (at most), and the size of a block's LP arrays
# (replications × units × reference units) that keeps a batched simplex step in the caches
CHUNK = 100
BLOCK_CELLS = 2_000_000
# LP-screen the pseudo-reference sets from this many units on (below, it does not pay)
SCREEN_MIN = 300
# quantiles as R's quantile(type = 9)
QUANTILE_METHOD: Final = "normal_unbiased"
EFFICIENT_TOL = 1e-6


def daraio_simar_bandwidth(delta: Array) -> float:
    r"""Bandwidth of Daraio & Simar (2007, eqs. 3.23–3.26) for distances ``delta`` ≥ 1.

    .. math:: h = 0.9 \min(\hat\sigma_R, \mathrm{IQR}_R/1.349)\,(2m)^{-1/5}
              \,(2m/n)^{1/5}\,\hat\sigma_n/\hat\sigma_R,

    R the m inefficient distances (δ > 1 + 10⁻⁶) reflected at 1 (2m values), σ̂ sample standard
    deviations (n − 1 divisor); the IQR is used only when it is positive and below σ̂_R.

    Raises
    ------
    peir.InputError
        When no unit is inefficient (nothing to smooth).
    """
    d = np.asarray(delta, dtype=float)
    ineff = d[d > 1.0 + EFFICIENT_TOL]
    m = ineff.size
    if m == 0:
        raise InputError(
            "bootstrap: every unit is efficient (all scores are 1), so the distribution of the "
            "distances to the frontier cannot be estimated; the bootstrap needs inefficient units."
        )
    refl = np.r_[ineff, 2.0 - ineff]
    sd_r = float(np.std(refl, ddof=1))
    q75, q25 = np.percentile(refl, [75, 25])
    iqr = float(q75 - q25) / 1.349
    spread = iqr if EFFICIENT_TOL < iqr < sd_r else sd_r
    h_2m = 0.9 * spread * (2 * m) ** (-0.2)
    sd_n = float(np.std(d, ddof=1))
    return float(h_2m * (2 * m / d.size) ** 0.2 * sd_n / sd_r)


def smoothed_distances(delta: Array, h: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """One replication's draws (Daraio & Simar 2007, p. 62, [2]–[4]): the smoothed distances
    δ** before the reflection and δ* ≥ 1 after it. Draws n indices into the reflected set, then
    n standard normals, from ``rng``."""
    n = delta.size
    refl = np.r_[delta, 2.0 - delta]
    shrink = 1.0 / np.sqrt(1.0 + h * h / float(np.var(refl, ddof=1)))
    beta = refl[rng.integers(0, 2 * n, n)]
    eps = rng.standard_normal(n)
    bbar = beta.mean()
    unfolded = bbar + (beta + h * eps - bbar) * shrink
    folded = np.where(unfolded < 1.0, 2.0 - unfolded, unfolded)
    return unfolded, folded


# ----------------------------------------------------------------------------- workers
_WORKER: dict[str, Any] = {}


def _init_worker(x: Array, y: Array, delta: Array, rts: str, orientation: str) -> None:
    """Data every replication of this worker shares (sent once, not with every task)."""
    _WORKER.update(x=x, y=y, delta=delta, rts=rts, orientation=orientation, highs=None)


def _replicate_block(stars: Array) -> Array:
    """Distances of the original units to the pseudo technologies of a block of replications
    (one row of ``stars`` per replication), with this worker's data: each pseudo-reference set
    is Pareto-screened once, then every LP of the block is solved together
    (:func:`batch_lp.scores_many`)."""
    w = _WORKER
    x, y, delta = w["x"], w["y"], w["delta"]
    if w["highs"] is None:
        w["highs"] = lp.new_highs()
    sx, sy = x.mean(axis=0), y.mean(axis=0)
    xe, ye = x / sx, y / sy
    refs = []
    for star in stars:
        if w["orientation"] == "input":
            xr, yr = xe * (star / delta)[:, None], ye
        else:
            xr, yr = xe, ye * (delta / star)[:, None]
        keep = lp.pareto_screen(xr, yr)
        refs.append((xr[keep], yr[keep]))
    if n_units_screen(xe.shape[0]):
        # the LP screen: fewer reference columns make every LP of the block cheaper and less
        # degenerate (n = 1,000: about 220 Pareto-efficient pseudo-units, 100 extreme ones,
        # 4x faster for the screen's cost included)
        refs = [
            (xr[k], yr[k])
            for (xr, yr), k in zip(refs, batch_lp.extreme_units(refs, w["rts"]), strict=True)
        ]
    score, status = batch_lp.scores_many(
        refs, xe, ye, rts=w["rts"], orientation=w["orientation"], highs=w["highs"]
    )
    score = np.where(status == lp.OPTIMAL, score, np.nan)
    # distances: Shephard input 1/θ, Farrell output φ
    with np.errstate(divide="ignore"):
        out: Array = 1.0 / score if w["orientation"] == "input" else score
    return out


def _block_size(n: int) -> int:
    """Replications per block: up to CHUNK, fewer for many units (the arrays grow with n²)."""
    return max(1, min(CHUNK, BLOCK_CELLS // max(1, n * n)))


def n_units_screen(n: int) -> bool:
    """Whether a replication's pseudo-reference set is LP-screened (from SCREEN_MIN units)."""
    return n >= SCREEN_MIN


def _blocks(stars: Array, size: int) -> Iterator[Array]:
    for a in range(0, stars.shape[0], size):
        yield stars[a : a + size]


# ----------------------------------------------------------------------------- result
@dataclass(frozen=True, repr=False, eq=False)
class BootstrapResult(LegacyFrame):
    """Result of :func:`bootstrap_dea` (read-only).

    Attributes
    ----------
    frame : DataFrame
        Per unit: ``efficiency`` (θ̂, or 1/φ̂), ``bias`` (efficiency − bias_corrected, ≥ 0
        when DEA overstates efficiency), ``bias_corrected``, ``lower``, ``upper`` (the 1 − α
        interval); the columns :func:`bootstrap_dea` returned in peir 0.1.
    replicates : ndarray
        B × n distances δ̂*_b,i of the original units to the pseudo technologies (Shephard
        input 1/θ or Farrell output φ).
    bandwidth : float
        h used to smooth the distances.
    rts, orientation : str
    alpha : float
    seed : int or None
        Entropy of the seed sequence (reproduces the run).

    peir 0.1 :func:`bootstrap_dea` returned the DataFrame now in ``frame``; item and
    attribute access the DataFrame had still work, with a ``FutureWarning``.
    """

    frame: pd.DataFrame
    replicates: Array
    bandwidth: float
    rts: str
    orientation: str
    alpha: float
    seed: int | None

    LEGACY: ClassVar[str] = "bootstrap_dea() returned a DataFrame"
    LEGACY_HINT: ClassVar[str] = ".frame (or .to_frame())"

    def _legacy(self) -> pd.DataFrame:
        return self.frame

    @property
    def n_boot(self) -> int:
        return int(self.replicates.shape[0])

    def to_frame(self) -> pd.DataFrame:
        """Per unit: efficiency, bias, bias_corrected, lower, upper (a copy of :attr:`frame`)."""
        return self.frame.copy()

    def conf_int(self) -> pd.DataFrame:
        """The 1 − α intervals of the efficiencies: ``lower``, ``upper``."""
        return self.frame[["lower", "upper"]].copy()

    def summary(self) -> Summary:
        f = self.frame
        width = f["upper"] - f["lower"]
        header = [
            (
                "Model",
                f"Simar–Wilson bootstrap of DEA, {RTS_NAMES[self.rts]}, "
                f"{self.orientation} orientation",
            ),
            ("Units", f"{len(f)}"),
            ("Replications", f"{self.n_boot:,}"),
            ("Bandwidth (Daraio & Simar 2007)", f"{self.bandwidth:.6g}"),
            ("Interval level", f"{1 - self.alpha:.0%}"),
            ("Mean bias", f"{f['bias'].mean():.4f}"),
            ("Mean interval width", f"{width.mean():.4f}"),
            ("Seed", "not given" if self.seed is None else str(self.seed)),
        ]
        table = f[["efficiency", "bias_corrected", "bias", "lower", "upper"]].describe().T
        notes = [
            "Bias-corrected scores and intervals are on the efficiency scale (1 = frontier);",
            "the bootstrap is random: the seed reproduces it.",
            "In a Monte Carlo study (docs/methodology.md) the 95% intervals covered the true "
            "efficiency only 67-78% of the time for 50-200 units: read them as indicative.",
        ]
        return Summary(
            "DEA bootstrap (Simar & Wilson 1998)",
            header,
            table[["mean", "std", "min", "50%", "max"]],
            notes,
        )

    def plot(self, ax: Any = None) -> Figure:
        """Bias-corrected efficiency of each unit (bars) with its interval; returns the Figure."""
        f = self.frame
        return ranking(
            f["bias_corrected"],
            ax=ax,
            lower=f["lower"],
            upper=f["upper"],
            xlabel=f"bias-corrected efficiency with {1 - self.alpha:.0%} interval "
            f"({self.orientation}, {self.rts.upper()})",
            title="DEA efficiency after the Simar–Wilson bootstrap",
        )


def _recip(d: Array) -> Array:
    out: Array = np.where(d > 0, 1.0 / np.where(d > 0, d, 1.0), np.inf)
    return out


def bootstrap_dea(
    inputs: Any,
    outputs: Any,
    *,
    rts: str = "vrs",
    orientation: str = "input",
    n_boot: int = 2000,
    alpha: float = 0.05,
    seed: int | np.random.SeedSequence | None = None,
    bandwidth: float | None = None,
    progress: bool | None = None,
    n_jobs: int | None = None,
) -> BootstrapResult:
    r"""Bias-corrected DEA scores and confidence intervals (Simar & Wilson 1998).

    Parameters
    ----------
    inputs, outputs : DataFrame or 2-D array
        Rows are units.
    rts : {"vrs", "crs", "nirs", "ndrs"}
    orientation : {"input", "output"}
    n_boot : int
        Bootstrap replications B (2,000 for intervals, as Simar & Wilson advise).
    alpha : float
        The intervals have level 1 − α.
    seed : int or SeedSequence, optional
        Makes the result reproducible (independent of ``n_jobs``).
    bandwidth : float, optional
        h; by default the rule of Daraio & Simar (2007), :func:`daraio_simar_bandwidth`.
    progress : bool, optional
        Show a progress bar; by default only for long runs (n × B ≥ 1,000,000).
    n_jobs : int, optional
        Worker processes (default: the available cores; 1 = in this process).

    Returns
    -------
    BootstrapResult
        ``.frame`` (efficiency, bias, bias_corrected, lower, upper per unit), ``.summary()``,
        ``.plot()``, ``.replicates``.

    Raises
    ------
    peir.InputError
        FDH, α outside (0, 1), fewer than 2 replications, units with a zero or infinite
        score, every unit efficient.

    Warns
    -----
    peir.PeirWarning
        Fewer units than Cooper's rule asks (intervals from a handful of units are not
        informative; with 2 units the frontier is the data).

    References
    ----------
    Simar, L. & Wilson, P. W. (1998). *Management Science* 44(1), 49–61.
    Daraio, C. & Simar, L. (2007). *Advanced Robust and Nonparametric Methods in Efficiency
    Analysis*, §3.4. Springer.
    """
    rts, orientation = check_rts_orientation(rts, orientation)
    if rts == "fdh":
        raise InputError("bootstrap_dea needs a convex technology (crs, vrs, nirs or ndrs).")
    n_boot = int(n_boot)
    if n_boot < 2:
        raise InputError("n_boot must be at least 2.")
    if not 0 < alpha < 1:
        raise InputError("alpha must be between 0 and 1.")
    x, y = validate_pair(inputs, outputs, technology=True)
    check_sample_size(len(x.index), len(x.names), len(y.names), what="bootstrap_dea")
    xv, yv = x.values, y.values
    raw = evaluate(
        xv,
        yv,
        xv,
        yv,
        scale_x=xv.mean(axis=0),
        scale_y=yv.mean(axis=0),
        rts=rts,
        orientation=orientation,
        slacks=False,
    )
    theta, _, feasible = to_efficiency(raw, orientation)
    if not np.all(feasible) or not np.all((theta > 0) & np.isfinite(theta)):
        raise InputError(
            "bootstrap_dea needs every unit to have a positive, finite DEA score; some units "
            "have zero outputs (output orientation) or zero inputs (input orientation)."
        )
    theta = np.minimum(theta, 1.0)
    delta = 1.0 / theta
    n = delta.size
    h = daraio_simar_bandwidth(delta) if bandwidth is None else float(bandwidth)
    if not h > 0:
        raise InputError(f"bandwidth must be positive, got {h}.")
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    rng = np.random.default_rng(ss)
    stars = np.empty((n_boot, n))
    for b in range(n_boot):  # in replication order: the draws do not depend on n_jobs
        stars[b] = smoothed_distances(delta, h, rng)[1]
    jobs = lp.n_workers() if n_jobs is None else max(1, int(n_jobs))
    work = n * n_boot
    show = (work >= PROGRESS_WORK) if progress is None else bool(progress)
    boot = np.empty((n_boot, n))
    init = (xv, yv, delta, rts, orientation)
    with tqdm(total=n_boot, disable=not show, desc="bootstrap", unit="rep") as bar:
        if jobs > 1 and work >= PARALLEL_WORK:
            with ProcessPoolExecutor(
                max_workers=jobs, initializer=_init_worker, initargs=init
            ) as pool:
                a = 0
                for block in pool.map(_replicate_block, _blocks(stars, _block_size(n))):
                    boot[a : a + len(block)] = block
                    a += len(block)
                    bar.update(len(block))
        else:
            saved = dict(_WORKER)
            _init_worker(*init)
            try:
                a = 0
                for chunk in _blocks(stars, _block_size(n)):
                    boot[a : a + len(chunk)] = _replicate_block(chunk)
                    a += len(chunk)
                    bar.update(len(chunk))
            finally:
                _WORKER.clear()
                _WORKER.update(saved)
    failed = int(np.isnan(boot).sum())
    if failed:
        warnings.warn(
            f"bootstrap_dea: {failed} of {boot.size} replicated LPs did not solve; they are "
            "left out of the bias and the intervals.",
            PeirWarning,
            stacklevel=2,
        )
    bias_d = np.nanmean(boot, axis=0) - delta
    q_lo, q_hi = np.nanquantile(
        boot - delta, np.array([alpha / 2, 1 - alpha / 2]), axis=0, method=QUANTILE_METHOD
    )
    corrected = _recip(delta - bias_d)
    frame = pd.DataFrame(
        {
            "efficiency": theta,
            "bias": theta - corrected,
            "bias_corrected": corrected,
            "lower": _recip(delta - q_lo),
            "upper": _recip(delta - q_hi),
        },
        index=x.index,
    )
    entropy = ss.entropy if isinstance(ss.entropy, int) else None
    return BootstrapResult(frame, boot, h, rts, orientation, float(alpha), entropy)
