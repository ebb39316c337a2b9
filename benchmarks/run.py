"""Run the benchmark suite and assemble docs/performance.md.

Usage: ``python -m benchmarks.run [--quick] [name ...]`` where names are the ``bench_<name>``
modules in this folder (all by default). Each module has ``run(quick: bool) -> str`` returning
a Markdown section, stored in ``benchmarks/results/<name>.md``; docs/performance.md is then
rebuilt from every stored section, so one benchmark can be re-run on its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import pkgutil
from pathlib import Path

from benchmarks._util import RESULTS, machine, write_section

ROOT = Path(__file__).resolve().parents[1]
ORDER = ["ingest", "harmonize", "indicators", "dea", "bootstrap", "sfa", "brief", "spark"]


def available() -> list[str]:
    names = [
        m.name[len("bench_") :]
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_")
    ]
    return sorted(names, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))


def assemble() -> Path:
    parts = [
        "# Performance",
        "",
        "Written by `make bench` (`python -m benchmarks.run`). Every figure is the median of",
        "several runs, and each is set against a baseline timed in the same run on the same",
        "machine, so the ratios hold even though the machines are noisy. Peak memory is the growth",
        "of resident memory in a fresh process while the step runs.",
        "",
    ]
    for name in available():
        p = RESULTS / f"{name}.md"
        if p.exists():
            parts.append(p.read_text(encoding="utf-8"))
    out = ROOT / "docs" / "performance.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(parts), encoding="utf-8")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("names", nargs="*", help=f"benchmarks to run (default: all of {available()})")
    ap.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke test")
    args = ap.parse_args()
    for name in args.names or available():
        mod = importlib.import_module(f"benchmarks.bench_{name}")
        print(f"== {name}", flush=True)
        section = mod.run(quick=args.quick)
        stamp = f"\n_Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine()}._\n"
        write_section(name, section + stamp)
    print(f"wrote {assemble()}")


if __name__ == "__main__":
    main()
