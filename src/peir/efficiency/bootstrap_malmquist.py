r"""Bootstrapped Malmquist indices (Simar & Wilson 1999).

A Malmquist index compares two estimated frontiers, each biased, so a value of 1.03 may be
noise. Simar & Wilson (1999) bootstrap the *pair* of each unit's distances in the two periods,
keeping their correlation, and read intervals for the index and its two parts off the
re-estimates. For consecutive periods t and t + 1 and the n units present in both:

1. δ̂_i = (δ̂_i^t, δ̂_i^{t+1}): each period's distances to its own frontier (Shephard input 1/θ
   or Farrell output φ, ≥ 1), with covariance matrix Σ̂;
2. the reflected sample of 4n pairs (δ^t, δ^{t+1}), (2 − δ^t, 2 − δ^{t+1}), (2 − δ^t, δ^{t+1}),
   (δ^t, 2 − δ^{t+1}); the first two have covariance Σ̂, the other two Σ̂ with the covariance's
   sign flipped (Σ̂₂);
3. each replication draws n pairs β* with replacement from the 4n, adds h ε* with ε* ~ N(0, Σ̂)
   or N(0, Σ̂₂) as the drawn pair's copy, restores the variance,
   δ** = β̄* + (β* + h ε* − β̄*) / √(1 + h²), and reflects each coordinate below 1 back above it;
   h = (4 / ((d + 2) n))^{1/(d + 4)} = n^{−1/6} for d = 2 (Silverman 1986, eq. 4.14, the
   normal-reference rule for a kernel with the data's covariance);
4. pseudo-data on the units' rays in each period (x* = x δ*/δ̂ for the input orientation,
   y* = y δ̂/δ* for the output orientation);
5. the four distances of the *original* observations to the two pseudo-frontiers give M*,
   EC* and TC* (Färe et al. 1994).

For each index I ∈ {M, EC, TC}: bias-corrected Î − (mean I* − Î) and the (1 − α) interval
[Î − q_{1−α/2}, Î − q_{α/2}], q the quantiles of I* − Î (type 9). An interval that excludes 1 says
that the change is significant at level α.

References
----------
Simar, L. & Wilson, P. W. (1999). Estimating and bootstrapping Malmquist indices. *European
Journal of Operational Research* 115, 459–471.
Färe, R., Grosskopf, S., Norris, M. & Zhang, Z. (1994). *American Economic Review* 84(1),
66–83. Silverman, B. W. (1986). *Density Estimation for Statistics and Data Analysis*.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from peir._results import Result, Summary
from peir.efficiency import batch_lp, lp
from peir.efficiency._checks import RTS_NAMES, check_rts_orientation
from peir.efficiency.bootstrap import PROGRESS_WORK, QUANTILE_METHOD
from peir.efficiency.malmquist import INDICES, _indices, _names, split_panel
from peir.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["MalmquistBootstrapResult", "bootstrap_malmquist", "malmquist_pair_draws"]

Array = np.ndarray[Any, np.dtype[np.float64]]
BLOCK = 50  # replications solved together


def malmquist_pair_draws(pairs: Array, h: float, rng: np.random.Generator) -> Array:
    """One replication's pseudo-distances (n × 2, every entry ≥ 1) from the pairs of distances
    ``pairs`` (n × 2), by the bivariate reflected kernel of Simar & Wilson (1999)."""
    n = pairs.shape[0]
    cov1 = np.cov(pairs, rowvar=False)
    cov2 = cov1 * np.array([[1.0, -1.0], [-1.0, 1.0]])
    chol = [np.linalg.cholesky(c + 1e-12 * np.eye(2)) for c in (cov1, cov2)]
    a, b = pairs[:, 0], pairs[:, 1]
    copies = [np.c_[a, b], np.c_[2 - a, 2 - b], np.c_[2 - a, b], np.c_[a, 2 - b]]
    refl = np.vstack(copies)
    pick = rng.integers(0, 4 * n, n)
    beta = refl[pick]
    z = rng.standard_normal((n, 2))
    mixed = pick >= 2 * n  # drawn from the copies with one coordinate reflected
    eps = np.where(mixed[:, None], z @ chol[1].T, z @ chol[0].T)
    bbar = beta.mean(axis=0)
    star = bbar + (beta + h * eps - bbar) / np.sqrt(1.0 + h * h)
    out: Array = np.where(star < 1.0, 2.0 - star, star)
    return out


def _distances(scores: Array, status: np.ndarray[Any, Any], orientation: str) -> Array:
    """Farrell efficiencies (θ, or 1/φ) from solver scores; NaN where the LP did not solve,
    +inf where it was infeasible (the unit lies beyond that technology)."""
    with np.errstate(divide="ignore"):
        eff = scores if orientation == "input" else 1.0 / scores
    eff = np.where(status == lp.INFEASIBLE, np.inf, eff)
    out: Array = np.where((status == lp.OPTIMAL) | (status == lp.INFEASIBLE), eff, np.nan)
    return out


@dataclass(frozen=True, repr=False, eq=False)
class MalmquistBootstrapResult(Result):
    """Result of :func:`bootstrap_malmquist` (read-only).

    Attributes
    ----------
    frame : DataFrame
        Index (unit, period), the later period of each pair. For each of ``malmquist``,
        ``efficiency_change``, ``technical_change``: the estimate, ``<index>_bias_corrected``,
        ``<index>_lower``, ``<index>_upper``; and ``malmquist_significant`` (the interval
        excludes 1).
    unit, period, rts, orientation : str
    alpha : float
    n_boot : int
    bandwidth : dict
        h per later period.
    """

    frame: pd.DataFrame
    unit: str
    period: str
    rts: str
    orientation: str
    alpha: float
    n_boot: int
    bandwidth: dict[Any, float]

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def summary(self) -> Summary:
        f = self.frame
        per = f.groupby(level=self.period).agg(
            units=("malmquist", "size"),
            progress=("malmquist_lower", lambda s: int((s > 1).sum())),
            regress=("malmquist_upper", lambda s: int((s < 1).sum())),
        )
        header = [
            (
                "Model",
                f"bootstrapped Malmquist index (Simar & Wilson 1999), "
                f"{RTS_NAMES[self.rts]}, {self.orientation} orientation",
            ),
            ("Replications", f"{self.n_boot:,}"),
            ("Interval level", f"{1 - self.alpha:.0%}"),
            ("Significant changes", f"{int(f['malmquist_significant'].sum())} of {len(f)}"),
        ]
        notes = ["progress: interval above 1; regress: interval below 1 (per later period)."]
        return Summary("Malmquist index with bootstrap intervals", header, per, notes)

    def plot(self, ax: Any = None, *, period: Any = None) -> Figure:
        """Each unit's Malmquist index with its interval, for one later period (default the
        last); returns the Figure."""
        import matplotlib.pyplot as plt

        periods = self.frame.index.get_level_values(self.period).unique()
        p = periods[-1] if period is None else period
        f = self.frame.xs(p, level=self.period)
        f = f.iloc[np.argsort(f["malmquist"].to_numpy(), kind="stable")]
        if ax is None:
            fig, ax = plt.subplots(figsize=(7, max(2.5, 0.22 * len(f) + 1)))
        else:
            fig = ax.figure
        pos = np.arange(len(f))
        m = f["malmquist"].to_numpy()
        lo, hi = f["malmquist_lower"].to_numpy(), f["malmquist_upper"].to_numpy()
        colors = np.where(lo > 1, "#1b7837", np.where(hi < 1, "#b2182b", "0.45"))
        ax.errorbar(
            m,
            pos,
            xerr=[np.maximum(m - lo, 0), np.maximum(hi - m, 0)],
            fmt="none",
            ecolor="0.6",
            elinewidth=0.9,
            capsize=2,
        )
        ax.scatter(m, pos, c=colors, s=18, zorder=3)
        ax.axvline(1.0, color="0.3", lw=0.8, ls="--")
        ax.set_yticks(pos)
        ax.set_yticklabels([str(u) for u in f.index], fontsize=8 if len(f) > 30 else 9)
        ax.set_xlabel(f"Malmquist index {p} with {1 - self.alpha:.0%} interval (> 1 = improvement)")
        ax.set_title("Productivity change with bootstrap intervals")
        fig.tight_layout()
        return fig


def bootstrap_malmquist(
    panel: pd.DataFrame,
    *,
    inputs: str | Sequence[str],
    outputs: str | Sequence[str],
    unit: str,
    period: str,
    rts: str = "crs",
    orientation: str = "input",
    n_boot: int = 2000,
    alpha: float = 0.05,
    seed: int | np.random.SeedSequence | None = None,
    progress: bool | None = None,
) -> MalmquistBootstrapResult:
    r"""Malmquist indices with bias corrections and intervals (Simar & Wilson 1999).

    Parameters
    ----------
    panel : DataFrame
        Long form: one row per unit and period.
    inputs, outputs : str or list of str
    unit, period : str
        Columns naming units and periods; consecutive periods are compared, each pair on the
        units present in both (the frontiers of the pair are estimated on those units).
    rts : {"crs", "vrs", "nirs", "ndrs"}
    orientation : {"input", "output"}
    n_boot : int
    alpha : float
    seed : int or SeedSequence, optional
    progress : bool, optional

    Returns
    -------
    MalmquistBootstrapResult
        ``.frame`` per (unit, later period): each index, bias-corrected, lower, upper, and
        ``malmquist_significant``.

    References
    ----------
    Simar, L. & Wilson, P. W. (1999). *European Journal of Operational Research* 115, 459–471.
    """
    rts, orientation = check_rts_orientation(rts, orientation)
    if rts == "fdh":
        raise InputError("bootstrap_malmquist needs a convex technology (crs, vrs, nirs, ndrs).")
    n_boot = int(n_boot)
    if n_boot < 2:
        raise InputError("n_boot must be at least 2.")
    if not 0 < alpha < 1:
        raise InputError("alpha must be between 0 and 1.")
    xin, yout = _names(inputs), _names(outputs)
    parts = split_panel(panel, xin, yout, unit, period)
    periods = list(parts)
    if len(periods) < 2:
        raise InputError(f"panel has {len(periods)} period(s); Malmquist needs at least two.")
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    rng = np.random.default_rng(ss)
    inp = orientation == "input"
    frames, bandwidth = [], {}
    pairs_list = [(t, t1) for t, t1 in itertools.pairwise(periods)]
    total = n_boot * len(pairs_list)
    n_all = sum(len(parts[t][0].index.intersection(parts[t1][0].index)) for t, t1 in pairs_list)
    show = (n_all * n_boot >= PROGRESS_WORK) if progress is None else bool(progress)
    with tqdm(total=total, disable=not show, desc="bootstrap malmquist", unit="rep") as bar:
        for t, t1 in pairs_list:
            (x0, y0), (x1, y1) = parts[t], parts[t1]
            common = x0.index.intersection(x1.index, sort=False)
            if len(common) < 3:
                continue
            xs = [x0.loc[common].to_numpy(float), x1.loc[common].to_numpy(float)]
            ys = [y0.loc[common].to_numpy(float), y1.loc[common].to_numpy(float)]
            sx = np.vstack(xs).mean(axis=0)
            sy = np.vstack(ys).mean(axis=0)
            xs = [v / sx for v in xs]
            ys = [v / sy for v in ys]
            n = len(common)

            def eff(
                k: int, refs: list[tuple[Array, Array]], xs: list[Array] = xs, ys: list[Array] = ys
            ) -> Array:
                """Efficiencies of period k's original data against each reference set."""
                score, status = batch_lp.scores_many(
                    refs, xs[k], ys[k], rts=rts, orientation=orientation
                )
                return _distances(score, status, orientation)

            own = [eff(k, [(xs[k], ys[k])])[0] for k in (0, 1)]
            if not all(np.all(np.isfinite(e) & (e > 0)) for e in own):
                raise InputError(
                    f"bootstrap_malmquist: periods {t}/{t1}: some units have a zero or "
                    "undefined own-period score (zero inputs or outputs); drop them first."
                )
            e_own = [np.minimum(e, 1.0) for e in own]
            delta = np.c_[1.0 / e_own[0], 1.0 / e_own[1]]
            h = float(n ** (-1.0 / 6.0))
            bandwidth[t1] = h
            # the point estimates, on the balanced pair
            cross01 = eff(1, [(xs[0], ys[0])])[0]  # period t+1 data vs period t frontier
            cross10 = eff(0, [(xs[1], ys[1])])[0]
            m_hat, ec_hat, tc_hat = _indices(e_own[0], cross01, cross10, e_own[1])
            boot = np.empty((n_boot, 3, n))
            for a in range(0, n_boot, BLOCK):
                k = min(BLOCK, n_boot - a)
                stars = [malmquist_pair_draws(delta, h, rng) for _ in range(k)]
                refs: list[list[tuple[Array, Array]]] = [[], []]
                for st in stars:
                    for p in (0, 1):
                        ratio = st[:, p] / delta[:, p]
                        if inp:
                            xr, yr = xs[p] * ratio[:, None], ys[p]
                        else:
                            xr, yr = xs[p], ys[p] / ratio[:, None]
                        keep = lp.pareto_screen(xr, yr)
                        refs[p].append((xr[keep], yr[keep]))
                d00, d10 = eff(0, refs[0]), eff(1, refs[0])
                d01, d11 = eff(0, refs[1]), eff(1, refs[1])
                for j in range(k):
                    boot[a + j] = np.vstack(_indices(d00[j], d10[j], d01[j], d11[j]))
                bar.update(k)
            est = np.vstack([m_hat, ec_hat, tc_hat])  # (3, n)
            diff = boot - est[None]
            with np.errstate(invalid="ignore"):
                bias = np.nanmean(diff, axis=0)
                q_lo, q_hi = np.nanquantile(
                    diff, np.array([alpha / 2, 1 - alpha / 2]), axis=0, method=QUANTILE_METHOD
                )
            cols: dict[str, Array] = {}
            for i, name in enumerate(INDICES):
                cols[name] = est[i]
                cols[f"{name}_bias_corrected"] = est[i] - bias[i]
                cols[f"{name}_lower"] = est[i] - q_hi[i]
                cols[f"{name}_upper"] = est[i] - q_lo[i]
            df = pd.DataFrame(
                cols, index=pd.MultiIndex.from_arrays([common, [t1] * n], names=[unit, period])
            )
            df["malmquist_significant"] = (df["malmquist_lower"] > 1) | (df["malmquist_upper"] < 1)
            frames.append(df)
    if not frames:
        raise InputError("no pair of consecutive periods shares three units; nothing to compare.")
    return MalmquistBootstrapResult(
        pd.concat(frames), unit, period, rts, orientation, float(alpha), n_boot, bandwidth
    )
