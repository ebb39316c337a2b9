"""Benchmark: the background brief end to end (``peir brief``) against harmonise + compute alone.

Both sides start from the embedded El Salvador example. The baseline loads it, harmonises it
and computes every indicator of the registry — the numbers the brief prints. ``peir brief``
does that too (in a fresh process, as a user runs it) and then builds the eight sections, draws
the figures (PNG and SVG) and writes HTML, Markdown and Excel. The two briefs (en, es) must
take under a minute together; the table reports the median of several runs and the ratio to
the baseline timed in the same run. A second row does the same on a simulated department-level
system (six regions, three years), where every section is filled (PEFA, funnel, DEA, optimiser).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

from benchmarks._util import md_table, timeit


def _baseline_example() -> None:
    import peir
    from peir.indicators import compute

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = peir.load_example("el_salvador").harmonize(base_year=2015)
        compute(h)


def _cli_briefs(out: Path) -> None:
    """``peir brief`` in a fresh process, English and Spanish."""
    for lang in ("en", "es"):
        cmd = [
            sys.executable,
            "-m",
            "peir.cli",
            "--quiet",
            "brief",
            "--example",
            "el_salvador",
            "--out",
            str(out / lang),
            "--lang",
            lang,
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:  # pragma: no cover - reported, not hidden
            raise RuntimeError(f"peir brief failed ({proc.returncode}): {proc.stderr[-2000:]}")


def _library_briefs(h: object, out: Path) -> None:
    from peir.report import build_brief

    for lang in ("en", "es"):
        build_brief(h, out_dir=out / lang, lang=lang)


def run(quick: bool = False) -> str:
    """Time two briefs (en, es) end to end; returns the Markdown section."""
    import peir
    from peir.datasets import simulate
    from peir.indicators import compute

    repeat = 1 if quick else 3
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        base = timeit(_baseline_example, repeat=repeat)
        cli = timeit(lambda: _cli_briefs(Path(tmp) / "cli"), repeat=repeat)
        rows.append(
            {
                "data": "El Salvador example",
                "two briefs via `peir brief` (en + es)": str(cli),
                "baseline: harmonise + compute": str(base),
                "ratio": f"{cli.median / base.median:.1f}×",
                "under a minute": "yes" if cli.median < 60 else "**no**",
            }
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = simulate(seed=0, n_regions=6, years=range(2020, 2023))

            def sim_base() -> None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    compute(ds.harmonize(base_year=2020))

            def sim_brief() -> None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    _library_briefs(ds.harmonize(base_year=2020), Path(tmp) / "sim")

            sb = timeit(sim_base, repeat=repeat)
            sbr = timeit(sim_brief, repeat=repeat)
        rows.append(
            {
                "data": "simulated, 6 regions × 3 years (all sections filled)",
                "two briefs via `peir brief` (en + es)": f"{sbr} (library call)",
                "baseline: harmonise + compute": str(sb),
                "ratio": f"{sbr.median / sb.median:.1f}×",
                "under a minute": "yes" if sbr.median < 60 else "**no**",
            }
        )
    del peir
    return "\n".join(
        [
            "## Brief",
            "",
            "Two background briefs (English and Spanish) end to end — load, harmonise, compute,",
            "eight sections, figures as PNG and SVG, HTML + Markdown + Excel — against the",
            "baseline of harmonising and computing the indicators alone (the numbers the brief",
            "prints). The El Salvador row runs the `peir brief` command in a fresh process, as a",
            "user does.",
            "",
            md_table(rows),
            "",
            "Most of the extra time is drawing and encoding the figures (each is rendered once to",
            "PNG for the HTML and once to SVG) and Python start-up in the fresh processes.",
        ]
    )


if __name__ == "__main__":  # pragma: no cover
    print(run(quick="--quick" in sys.argv))
