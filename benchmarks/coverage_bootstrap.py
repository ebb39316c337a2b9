"""Monte Carlo coverage of the bootstrap's intervals on a known data-generating process.

DGP (homogeneous, as Simar & Wilson 1998 assume): efficient input points x_f uniform on
[1, 10]², output y = x_f1^0.4 x_f2^0.4 (a concave production function, so the technology is
convex with variable returns), true input efficiency θ = exp(−u) with u ~ |N(0, 0.3²)|
independent of x_f, observed inputs x = x_f / θ. Input-oriented VRS DEA then estimates θ, and
``bootstrap_dea`` gives 95 % intervals. Coverage is the share of (trial, unit) pairs whose
interval contains the true θ; it is estimated over ``--trials`` independent samples for each n.

Usage: ``python -m benchmarks.coverage_bootstrap [--trials 100] [--boot 1000]``; writes
``benchmarks/results/coverage_bootstrap.md`` (quoted in docs/methodology.md). Not part of
``make bench`` (it takes tens of minutes).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks._util import RESULTS, md_table

SIZES = (50, 100, 200)


def sample(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xf = rng.uniform(1, 10, (n, 2))
    y = (xf[:, 0] ** 0.4 * xf[:, 1] ** 0.4)[:, None]
    theta = np.exp(-np.abs(rng.normal(0, 0.3, n)))
    return xf / theta[:, None], y, theta


def main() -> None:
    from peir.efficiency import bootstrap_dea

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--boot", type=int, default=1000)
    ap.add_argument("--alpha", type=float, default=0.05)
    args = ap.parse_args()
    rows = []
    for n in SIZES:
        rng = np.random.default_rng(20260601 + n)
        cover, cover_dea, width, bias_err, bc_err = [], [], [], [], []
        t0 = time.perf_counter()
        for t in range(args.trials):
            x, y, theta = sample(n, rng)
            b = bootstrap_dea(
                x,
                y,
                rts="vrs",
                orientation="input",
                n_boot=args.boot,
                alpha=args.alpha,
                seed=np.random.SeedSequence([n, t]),
                progress=False,
            ).frame
            inside = (b["lower"].to_numpy() <= theta) & (theta <= b["upper"].to_numpy())
            cover.append(inside.mean())
            cover_dea.append(np.mean(b["efficiency"].to_numpy() >= theta))  # DEA overstates
            width.append((b["upper"] - b["lower"]).mean())
            bias_err.append(np.mean(np.abs(b["efficiency"].to_numpy() - theta)))
            bc_err.append(np.mean(np.abs(b["bias_corrected"].to_numpy() - theta)))
        el = time.perf_counter() - t0
        c = np.asarray(cover)
        rows.append(
            {
                "n": n,
                "trials": args.trials,
                f"coverage of the {1 - args.alpha:.0%} intervals": f"{c.mean():.3f}",
                "± 2 s.e. over trials": f"{2 * c.std(ddof=1) / np.sqrt(c.size):.3f}",
                "mean width": f"{np.mean(width):.3f}",
                "mean abs error, DEA": f"{np.mean(bias_err):.3f}",
                "mean abs error, bias-corrected": f"{np.mean(bc_err):.3f}",
                "share of DEA scores ≥ true": f"{np.mean(cover_dea):.3f}",
                "time": f"{el:.0f} s",
            }
        )
        print(rows[-1], flush=True)
    text = "\n".join(
        [
            "## Coverage of the bootstrap intervals (Monte Carlo)",
            "",
            f"`benchmarks/coverage_bootstrap.py`: 2 inputs, 1 output, y = x1^0.4 x2^0.4 on the "
            f"frontier, true input efficiency exp(−|N(0, 0.3²)|), input-oriented VRS, "
            f"B = {args.boot:,} replications per sample, {args.trials} samples per n, "
            "Daraio–Simar bandwidth.",
            "",
            md_table(rows),
        ]
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "coverage_bootstrap.md").write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
