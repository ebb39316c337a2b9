"""Sensitive counts: ``suppress_below`` blanks small counts of people and cases everywhere, and
never changes any other number.

- invariant: every indicator of the suppressed data is the unsuppressed one or blank, never a
  different number (a national figure is not the sum of the regions left after blanking; a
  blank is not a zero);
- a small count the brief prints (191 prison admissions) is in the unsuppressed brief and in no
  output of the suppressed one (HTML, Markdown, workbook cells, numbers.csv, the five packs);
- a discrepancy's difference goes with the count it would give away.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from peir.indicators import compute
from peir.report import build_brief
from peir.report.view import suppress_counts, suppress_small_counts

pytestmark = pytest.mark.xdist_group("suppress")

N = 200
#: Prison admissions, a count the brief prints (the funnel), made small: 31 + 5 x 32 = 191
#: over six regions, national 191 < N. The number 191 is printed nowhere else.
ADMISSIONS = (31, 32, 32, 32, 32, 32)
MARK = sum(ADMISSIONS)


@pytest.fixture(scope="module")
def sim() -> Any:
    from peir.datasets import simulate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = simulate(seed=2, n_regions=6, years=range(2021, 2023)).harmonize(base_year=2021)
    cl = h.caseload.copy()
    for year in (2021, 2022):
        rows = cl.index[
            (cl["measure"] == "prison_admissions") & (cl["year"] == year) & cl["headline"]
        ]
        assert len(rows) == len(ADMISSIONS)
        cl.loc[rows, "value"] = [float(v) for v in ADMISSIONS]
    return replace(h, caseload=cl)


def test_suppression_never_changes_a_number(sim: Any) -> None:
    suppressed, n = suppress_small_counts(sim, N)
    assert n > 10
    key = ["country", "year", "region", "link", "group", "indicator"]
    both = compute(sim).merge(
        compute(suppressed), on=key, suffixes=("", "_s"), validate="one_to_one"
    )
    kept = both["value_s"].notna()
    assert kept.sum() > 100
    changed = both[
        kept & ~np.isclose(both["value"], both["value_s"], rtol=1e-12, atol=0, equal_nan=True)
    ]
    assert changed.empty, changed[[*key, "value", "value_s"]].head(10).to_string()
    # the national homicide rate is that of the whole country, not of the regions left
    nat = both[(both["indicator"] == "homicide_rate") & (both["region"].fillna("") == "")]
    assert len(nat) and nat["value_s"].notna().all()
    # staff are public resources, not people to protect: judges per 100,000 stay
    assert both.loc[both["indicator"] == "judges_per_100k", "value_s"].notna().any()


def _occurrences(text: str, value: int) -> int:
    return len(re.findall(rf"(?<![\d.,]){value}(?![\d]|[.,]\d)", text))


def _texts(d: Path) -> dict[str, str]:
    out = {}
    for p in sorted(d.rglob("*")):
        rel = p.relative_to(d).as_posix()
        if p.suffix in (".html", ".md", ".csv"):
            out[rel] = re.sub(r"data:image/[^\"')]+", "", p.read_text("utf-8"))  # embedded figures
        elif p.suffix == ".xlsx":
            cells = []
            for ws in load_workbook(p).worksheets:
                for row in ws.iter_rows():
                    cells += [
                        str(int(c.value))
                        if isinstance(c.value, float) and c.value.is_integer()
                        else str(c.value)
                        for c in row
                        if c.value is not None
                    ]
            out[rel] = "\n".join(cells)
    return out


def _admissions(d: Path) -> pd.DataFrame:
    nums = pd.read_csv(d / "numbers.csv", dtype={"key": str})
    return nums[
        (nums["origin"] == "funnel") & nums["key"].fillna("").str.contains("prison_admissions")
    ]


def test_small_counts_reach_no_output(sim: Any, tmp_path: Path) -> None:
    plain, hidden = tmp_path / "plain", tmp_path / "hidden"
    build_brief(sim, out_dir=plain, lang="en")
    build_brief(sim, out_dir=hidden, lang="en", suppress_below=N)
    shown = _texts(plain)
    assert {"brief.html", "brief.md", "brief.xlsx", "numbers.csv"} <= set(shown)
    assert sum(k.startswith("groups/") for k in shown) == 10
    # the small count is printed when not suppressed (so the check below can fail) ...
    printed = {name for name, text in shown.items() if _occurrences(text, MARK)}
    assert {"brief.html", "brief.md", "brief.xlsx"} <= printed, printed
    admissions = _admissions(plain)
    assert (admissions["indicator"] == "count").any() and (admissions["value"] == MARK).any()
    # ... and appears in no output of the suppressed brief, nor a ratio computed from it
    for name, text in _texts(hidden).items():
        assert not _occurrences(text, MARK), name
    assert _admissions(hidden)["value"].isna().all()
    md = (hidden / "brief.md").read_text("utf-8")
    assert f"Caseload counts below {N} are suppressed in every output" in md


def test_a_difference_goes_with_the_count_it_reveals(sim: Any) -> None:
    disc = pd.DataFrame(
        {
            "country": ["XSA", "XSA"],
            "year": [2021, 2021],
            "region": ["", ""],
            "measure": ["homicides", "homicides"],
            "headline_source": ["a", "a"],
            "headline_value": [150.0, 900.0],
            "source": ["b", "b"],
            "value": [400.0, 950.0],
            "diff_abs": [250.0, 50.0],
            "diff_pct": [166.7, 5.6],
        }
    )
    out, _ = suppress_small_counts(replace(sim, discrepancies=disc), N)
    d = out.discrepancies
    assert (
        np.isnan(d.loc[0, "headline_value"])
        and np.isnan(d.loc[0, "diff_abs"])
        and np.isnan(d.loc[0, "diff_pct"])
    )
    assert d.loc[0, "value"] == 400.0  # the other count is not small
    assert d.loc[1].tolist() == disc.loc[1].tolist()  # nothing small: unchanged


def _cells(rows: list[tuple[str, str, float, bool]]) -> pd.DataFrame:
    """Caseload rows (measure, region, value, headline) of XSA 2021, hand-built."""
    return pd.DataFrame(
        {
            "country": "XSA",
            "year": 2021,
            "region": [r[1] for r in rows],
            "measure": [r[0] for r in rows],
            "value": [r[2] for r in rows],
            "source": ["police" if r[3] else "press" for r in rows],
            "headline": [r[3] for r in rows],
        }
    )


def test_a_lone_small_region_takes_its_smallest_nonzero_neighbour(sim: Any) -> None:
    """Hand-built groups, N = 5. Homicides: national 1,000 = 3 + 400 + 597 + 0 shown, so the 3
    alone blanked would be 1,000 − 400 − 597 − 0: the 400 (the smallest non-zero other) goes
    too, the 0 stays. Arrests: two regions small, nothing more to hide. Convictions: the
    national 4 is itself small, so there is no shown total to subtract from. Judges are staff,
    never blanked. The press series (not headline) is its own group under its own total."""
    rows = [
        ("homicides", "", 1000.0, True),
        ("homicides", "R1", 3.0, True),
        ("homicides", "R2", 400.0, True),
        ("homicides", "R3", 597.0, True),
        ("homicides", "R4", 0.0, True),
        ("arrests", "", 90.0, True),
        ("arrests", "R1", 2.0, True),
        ("arrests", "R2", 4.0, True),
        ("arrests", "R3", 84.0, True),
        ("convictions", "R1", 1.0, True),
        ("convictions", "R2", 3.0, True),
        ("judges", "", 30.0, True),
        ("judges", "R1", 2.0, True),
        ("judges", "R2", 28.0, True),
        ("homicides", "", 1010.0, False),
        ("homicides", "R1", 2.0, False),
        ("homicides", "R2", 8.0, False),
        ("homicides", "R3", 1000.0, False),
    ]
    cl = _cells(rows)
    out, counts = suppress_counts(replace(sim, caseload=cl), 5)
    got = out.caseload
    blank = {
        (m, r, bool(hd))
        for m, r, hd, v in got[["measure", "region", "headline", "value"]].itertuples(index=False)
        if np.isnan(v)
    }
    assert blank == {
        ("homicides", "R1", True),
        ("homicides", "R2", True),  # secondary
        ("arrests", "R1", True),
        ("arrests", "R2", True),
        ("convictions", "R1", True),
        ("convictions", "R2", True),
        ("convictions", "", True),  # the national sum (4) added before blanking, itself small
        ("homicides", "R1", False),
        ("homicides", "R2", False),  # secondary, in the press group
    }
    assert (counts.threshold, counts.primary, counts.secondary) == (5, 7, 2)
    assert out.provenance["suppressed_secondary"] == 2
    # what is left never gives a blanked cell back: each shown total has 0 or >= 2 blanks
    for (m, hd), g in got.groupby(["measure", "headline"]):
        regional = g[g["region"] != ""]
        national = g[g["region"] == ""]
        if m != "judges" and len(national) and national["value"].notna().all():
            assert regional["value"].isna().sum() != 1, (m, hd)
    # the old entry point still returns the count of all cells blanked
    assert suppress_small_counts(replace(sim, caseload=cl), 5)[1] == 9


def test_annex_states_primary_and_secondary_cells(sim: Any, tmp_path: Path) -> None:
    cl = sim.caseload.copy()
    crimes = cl.index[(cl["measure"] == "crimes_recorded") & (cl["year"] == 2022)]
    assert len(crimes) == 6 and (cl.loc[crimes, "value"] >= N).all()
    cl.loc[crimes[0], "value"] = 7.0  # one lone small region under the national total
    h = replace(sim, caseload=cl)
    out = tmp_path / "b"
    build_brief(h, out_dir=out, lang="en", suppress_below=N, formats=("md",))
    md = (out / "brief.md").read_text("utf-8")
    _, counts = suppress_counts(h, N)
    assert counts.secondary == 1 + suppress_counts(sim, N)[1].secondary
    assert (
        f"({counts.cells:,} cells: {counts.primary:,} below the threshold and "
        f"{counts.secondary:,} more where a region could otherwise be derived" in md
    )
