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


def reset_peak() -> bool:
    """Reset this process's high-water mark of resident memory (Linux); True if it worked.

    ``ru_maxrss`` survives fork+exec, so a spawned child starts with its parent's high-water
    mark (a big benchmark parent would hide the child's growth). On Linux, writing 5 to
    ``/proc/self/clear_refs`` resets the child's own mark (VmHWM), read by :func:`peak_rss`.
    """
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        return False
    return _proc_status("VmHWM") is not None


def rss() -> int:
    """Current resident memory in bytes (the high-water mark where /proc is absent)."""
    now = _proc_status("VmRSS")
    return now if now is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def peak_rss() -> int:
    """High-water mark of resident memory in bytes since :func:`reset_peak` (or process start)."""
    hwm = _proc_status("VmHWM")
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _child(conn: Any, target: Callable[..., Any], args: tuple[Any, ...]) -> None:
    before = rss() if reset_peak() else peak_rss()
    target(*args)
    conn.send((before, peak_rss()))
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
