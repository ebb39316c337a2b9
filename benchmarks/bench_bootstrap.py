"""Simar–Wilson bootstrap benchmark: ``peir.efficiency.bootstrap_dea`` at n = 200 units and
B = 2,000 replications, and at n = 1,000, B = 2,000 (quick: B = 200 for both), input-oriented
VRS, 3 inputs and 2 outputs uniform on [1, 10].

Baseline, timed in the same process and interleaved with peir's runs: one replication done
with a dense ``scipy.optimize.linprog(method="highs")`` per unit against the pseudo-data
(bench_dea's loop), extrapolated to B. Medians over the runs.

Targets (issue 19): at n = 200, B = 2,000 at most 1/85 of the extrapolated linprog time (R
Benchmarking's ``dea.boot`` took about 1/17 of it, so 1/85 stands for five times faster than
R); n = 1,000, B = 2,000 in under 120 s.
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np

from benchmarks._util import md_table
from benchmarks.bench_dea import linprog_loop

SEED = 7
RATIO_TARGET = 85.0
LARGE_TARGET_S = 120.0


def _data(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED + n)
    x, y = rng.uniform(1, 10, (n, 3)), rng.uniform(1, 10, (n, 2))
    return x, y, x * rng.uniform(1.0, 1.3, (n, 1))  # pseudo-inputs for the baseline


def run(quick: bool = False) -> str:
    from peir.efficiency import bootstrap_dea
    from peir.efficiency.lp import n_workers

    n_boot = 200 if quick else 2000
    load_before = os.getloadavg()[0]
    rows = []
    verdicts = []
    for n, repeat in ((200, 1 if quick else 3), (1000, 1)):
        x, y, xr = _data(n)
        peir_t, lin_t = [], []
        b = None
        for _ in range(repeat):
            t0 = time.perf_counter()
            linprog_loop(x, y, xr)
            lin_t.append((time.perf_counter() - t0) * n_boot)
            t0 = time.perf_counter()
            b = bootstrap_dea(
                x, y, rts="vrs", orientation="input", n_boot=n_boot, seed=1, progress=False
            )
            peir_t.append(time.perf_counter() - t0)
        assert b is not None
        tp, tl = statistics.median(peir_t), statistics.median(lin_t)
        f = b.frame
        rows.append(
            {
                "n": f"{n:,}",
                "B": f"{n_boot:,}",
                "peir bootstrap_dea": f"{tp:.1f} s (median of {repeat})",
                "linprog loop (1 replication × B, extrapolated)": f"{tl:.0f} s",
                "linprog / peir": f"{tl / tp:.0f}x",
                "bandwidth": f"{b.bandwidth:.4f}",
                "mean bias": f"{f['bias'].mean():.3f}",
                "mean interval width": f"{(f['upper'] - f['lower']).mean():.3f}",
            }
        )
        print(rows[-1], flush=True)
        if n == 200 and not quick:
            ok = tl / tp >= RATIO_TARGET
            verdicts.append(
                f"Target at n = 200, B = 2,000: at most 1/{RATIO_TARGET:.0f} of the "
                f"linprog time: 1/{tl / tp:.0f} — {'met' if ok else 'NOT met'} (R's dea.boot "
                f"took about 1/17 of it: peir at about {tl / tp / 17:.1f}x R's "
                "speed, an estimate through the shared baseline)."
            )
        if n == 1000 and not quick:
            ok = tp < LARGE_TARGET_S
            verdicts.append(
                f"Target n = 1,000, B = 2,000 under {LARGE_TARGET_S:.0f} s: "
                f"{tp:.0f} s — {'met' if ok else 'NOT met'}."
            )
    # the machine is shared: say how busy it was (1-minute load average; the run itself adds
    # up to one per core)
    load = (
        f"Load average (1 min) {load_before:.2f} before the run, "
        f"{os.getloadavg()[0]:.2f} at its end."
    )
    return "\n".join(
        [
            "## Simar–Wilson bootstrap (`peir.efficiency.bootstrap_dea`)",
            "",
            f"Input-oriented VRS, 3 inputs and 2 outputs uniform on [1, 10] (seed {SEED} + n), "
            f"{n_workers()} core(s) available; replications in worker processes, the LPs of a "
            "block of replications solved together by the batched simplex "
            "(`peir.efficiency.batch_lp`, every optimum verified), Daraio–Simar bandwidth. The "
            "baseline runs one replication as a dense `scipy.optimize.linprog(method='highs')` per "
            "unit, interleaved with peir's runs in the same process, extrapolated to B.",
            "",
            md_table(rows),
            "",
            *verdicts,
            "",
            load,
        ]
    )
