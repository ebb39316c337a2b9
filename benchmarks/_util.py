"""Timing and memory helpers shared by the benchmarks.

Every figure is reported as the median of several runs and as a ratio against a baseline timed
in the same run, because the machines are noisy. Peak memory is measured in a fresh process
(``ru_maxrss`` growth while the function runs), so it includes Arrow's and numpy's allocations.
"""

from __future__ import annotations

import multiprocessing as mp
import platform
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
DATA = Path(__file__).parent / "_data"


@dataclass
class Timing:
    median: float
    runs: list[float]

    def __str__(self) -> str:
        return f"{self.median:.3f} s (median of {len(self.runs)})"


def timeit(fn: Callable[[], Any], *, repeat: int = 5, warmup: int = 0) -> Timing:
    """Median wall time of ``fn()`` over ``repeat`` runs."""
    for _ in range(warmup):
        fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return Timing(statistics.median(runs), runs)


def _proc_status(key: str) -> int | None:
    """A ``/proc/self/status`` memory figure in bytes (Linux), or None."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _child(conn: Any, target: Callable[..., Any], args: tuple[Any, ...]) -> None:
    # ru_maxrss survives fork+exec, so a spawned child starts with its parent's high-water
    # mark (a big benchmark parent would hide the child's growth). On Linux, reset the
    # child's own high-water mark (VmHWM) and read that instead.
    reset = False
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        reset = _proc_status("VmHWM") is not None
    except OSError:
        reset = False
    if reset:
        before = _proc_status("VmRSS") or 0
        target(*args)
        after = _proc_status("VmHWM") or 0
    else:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        target(*args)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    conn.send((before, after))
    conn.close()


def peak_memory(target: Callable[..., Any], *args: Any) -> int:
    """Peak resident memory growth (bytes) of ``target(*args)`` run in a fresh process.

    ``target`` must be a module-level function (it is pickled to a spawned process).
    """
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    p = ctx.Process(target=_child, args=(child, target, args))
    p.start()
    before, after = parent.recv()
    p.join()
    return int(after - before)


def machine() -> str:
    import os

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def write_section(name: str, markdown: str) -> Path:
    """Store one benchmark's Markdown section; ``benchmarks.run`` assembles docs/performance.md."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.md"
    path.write_text(markdown.rstrip() + "\n", encoding="utf-8")
    return path


def md_table(rows: list[dict[str, Any]]) -> str:
    """A Markdown table from a list of dicts (keys of the first row are the columns)."""
    if not rows:
        return ""
    cols = list(rows[0])
    out = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(r.get(c, "")) for c in cols) + " |")
    return "\n".join(out)
