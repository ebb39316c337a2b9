"""Indicators benchmark: ``peir.indicators.compute`` on a simulated 1M-line dataset.

The baseline is a hand-written pandas ``groupby`` that computes the same spending aggregates
from ``HarmonizedDataset.spending`` and the context (sector totals in the executed phase,
nominal and real, per inhabitant, shares of GDP and of government expenditure, growth, by link,
by institution, by economic class, execution and modification rates). Both are timed in the
same run, their runs interleaved; before timing, every value the baseline produces is checked
against peir's.

peir does more than the baseline for the same ids: it chooses the level phase per country-year
(executed, else approved), writes a note for every NaN naming the missing input, attaches units
and tidies the output; ``compute(h)`` with all 59 indicators also builds the caseload frames.
"""

from __future__ import annotations

import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._util import DATA, Timing, md_table, peak_memory

N_FULL = 1_000_000
N_QUICK = 100_000
COUNTRIES = ("XSA", "XSB", "XSC")

#: The spending indicators the baseline computes too.
SPENDING_IDS: tuple[str, ...] = (
    "exp_total",
    "exp_total_real",
    "exp_per_capita",
    "exp_per_capita_real",
    "exp_pct_gdp",
    "exp_pct_gov",
    "exp_growth_real",
    "exp_growth_nominal",
    "exp_link",
    "exp_link_real",
    "exp_link_share",
    "exp_link_per_capita",
    "exp_link_pct_gdp",
    "exp_institution",
    "exp_institution_share",
    "exec_rate_institution",
    "exp_wage_share",
    "exp_goods_services_share",
    "exp_capital_share",
    "exec_rate_approved",
    "exec_rate_modified",
    "modification_rate",
    "exec_rate_link",
)

LEVEL = "executed"
KEY = ["country", "year"]


def harmonized(n: int) -> Any:
    """The simulated dataset of about ``n`` lines, harmonised to US$ (setup, not timed)."""
    from peir.datasets import simulate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return simulate(seed=0, n_rows=n, countries=COUNTRIES).harmonize(currency="USD")


def _tidy(frame: pd.DataFrame, indicator: str, cols: list[str]) -> pd.DataFrame:
    out = frame.reset_index()
    for c in ("link", "group"):
        if c not in out.columns:
            out[c] = "sector" if c == "link" else ""
    return pd.DataFrame(
        {
            "country": out["country"].astype(str),
            "year": out["year"].astype(np.int64),
            "link": out["link"].astype(str),
            "group": out["group"].astype(str),
            "indicator": indicator,
            "value": out[cols[0]].astype(float),
        }
    )


def baseline(spending: pd.DataFrame, context: pd.DataFrame) -> pd.DataFrame:
    """Hand-written pandas groupby: the same spending indicators, tidy."""
    s = spending
    lv = s[s["phase"] == LEVEL]
    ctx = context.set_index(KEY)[["population", "gdp_lcu", "gov_expenditure_lcu"]]
    tot = lv.groupby(KEY)[["amount", "amount_real", "amount_lcu"]].sum()
    by_phase = s.groupby([*KEY, "phase"])["amount"].sum().unstack("phase")
    m = tot.join(by_phase).join(ctx)
    prev = m[["amount", "amount_real"]].rename(index=lambda y: y + 1, level="year")
    prev = prev.reindex(m.index)
    parts: list[pd.DataFrame] = []

    def add(values: pd.Series, ind: str) -> None:
        parts.append(_tidy(values.rename("v").to_frame(), ind, ["v"]))

    add(m["amount"], "exp_total")
    add(m["amount_real"], "exp_total_real")
    add(m["amount"] / m["population"], "exp_per_capita")
    add(m["amount_real"] / m["population"], "exp_per_capita_real")
    add(m["amount_lcu"] / m["gdp_lcu"] * 100, "exp_pct_gdp")
    add(m["amount_lcu"] / m["gov_expenditure_lcu"] * 100, "exp_pct_gov")
    add((m["amount_real"] / prev["amount_real"] - 1) * 100, "exp_growth_real")
    add((m["amount"] / prev["amount"] - 1) * 100, "exp_growth_nominal")
    add(m["executed"] / m["approved"] * 100, "exec_rate_approved")
    add(m["executed"] / m["modified"] * 100, "exec_rate_modified")
    add(m["modified"] / m["approved"] * 100, "modification_rate")
    # by link (the five links; unallocated is part of the sector total only)
    chain = lv[lv["link"] != "unallocated"]
    lk = chain.groupby([*KEY, "link"])[["amount", "amount_real", "amount_lcu"]].sum()
    lk = lk.join(
        m[["amount", "population", "gdp_lcu"]].rename(columns={"amount": "sector"}), on=KEY
    )
    add(lk["amount"], "exp_link")
    add(lk["amount_real"], "exp_link_real")
    add(lk["amount"] / lk["sector"] * 100, "exp_link_share")
    add(lk["amount"] / lk["population"], "exp_link_per_capita")
    add(lk["amount_lcu"] / lk["gdp_lcu"] * 100, "exp_link_pct_gdp")
    lph = (
        s[s["link"] != "unallocated"]
        .groupby([*KEY, "link", "phase"])["amount"]
        .sum()
        .unstack("phase")
    )
    add(lph["executed"] / lph["approved"] * 100, "exec_rate_link")
    # by institution
    ins = (
        lv.groupby([*KEY, "institution_code"])["amount"]
        .sum()
        .rename_axis(index={"institution_code": "group"})
    )
    ins_frame = ins.to_frame().join(m[["amount"]].rename(columns={"amount": "sector"}), on=KEY)
    add(ins_frame["amount"], "exp_institution")
    add(ins_frame["amount"] / ins_frame["sector"] * 100, "exp_institution_share")
    iph = s.groupby([*KEY, "institution_code", "phase"])["amount"].sum().unstack("phase")
    iph = iph.rename_axis(index={"institution_code": "group"})
    add(iph["executed"] / iph["approved"] * 100, "exec_rate_institution")
    # by economic class (leading digits of the GFS code)
    econ2 = lv["econ"].astype(str).str[:2]
    ec = lv.groupby([*KEY, econ2])["amount"].sum().unstack("econ")
    for code, ind in (
        ("21", "exp_wage_share"),
        ("22", "exp_goods_services_share"),
        ("31", "exp_capital_share"),
    ):
        add(ec[code].fillna(0.0) / m["amount"] * 100, ind)
    return pd.concat(parts, ignore_index=True)


def with_peir(h: Any) -> pd.DataFrame:
    import peir.indicators

    return peir.indicators.compute(h, list(SPENDING_IDS))


def all_indicators(h: Any) -> pd.DataFrame:
    import peir.indicators

    return peir.indicators.compute(h)


def check(peir_out: pd.DataFrame, base: pd.DataFrame) -> tuple[int, float]:
    """Every baseline value has the same peir value (rtol 1e-9).

    Returns (compared, max rel diff).
    """
    key = ["country", "year", "link", "group", "indicator"]
    p = peir_out.assign(
        link=peir_out["link"].astype(str),
        group=peir_out["group"].fillna("").astype(str),
        country=peir_out["country"].astype(str),
        year=peir_out["year"].astype(np.int64),
    )[[*key, "value"]]
    b = base.dropna(subset=["value"])
    m = b.merge(p, on=key, how="left", suffixes=("_base", "_peir"))
    missing = m["value_peir"].isna()
    if missing.any():
        raise AssertionError(
            f"{int(missing.sum())} baseline values have no peir value, e.g.\n{m[missing].head()}"
        )
    x, y = m["value_peir"].to_numpy(float), m["value_base"].to_numpy(float)
    rel = np.abs(x - y) / np.maximum(np.abs(y), 1e-300)
    bad = rel > 1e-9
    if bad.any():
        raise AssertionError(f"{int(bad.sum())} values differ, e.g.\n{m[bad].head()}")
    return len(m), float(rel.max()) if len(rel) else 0.0


def interleaved(fns: list[Callable[[], Any]], *, repeat: int) -> list[Timing]:
    """Median wall time of each function, the runs interleaved, after one warm-up of each."""
    for fn in fns:
        fn()
    runs: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            runs[i].append(time.perf_counter() - t0)
    return [Timing(statistics.median(r), r) for r in runs]


def _load(path: str) -> Any:
    import peir

    return peir.read_harmonized(path)


def _mem_load(path: str) -> None:
    _load(path)


def _mem_peir(path: str) -> None:
    with_peir(_load(path))


def _mem_baseline(path: str) -> None:
    h = _load(path)
    baseline(h.spending, h.context)


def run(quick: bool = False) -> str:
    n = N_QUICK if quick else N_FULL
    h = harmonized(n)
    lines = int(h.provenance.get("input_rows", {}).get("budget", 0))
    peir_out = with_peir(h)
    base = baseline(h.spending, h.context)
    compared, worst = check(peir_out, base)
    repeat = 3 if quick else 7
    # interleaved (baseline, peir, all; baseline, peir, all; ...) so that a change in the load
    # of the shared machine hits all three alike
    t_base, t_peir, t_all = interleaved(
        [lambda: baseline(h.spending, h.context), lambda: with_peir(h), lambda: all_indicators(h)],
        repeat=repeat,
    )
    # peak memory: a fresh process reads the harmonised tables from Parquet, then computes;
    # the figure is the peak above that of reading alone
    store = str(h.to_parquet(DATA / f"indicators_harmonized_{n}"))
    mem_setup = peak_memory(_mem_load, store)
    mem_peir = peak_memory(_mem_peir, store)
    mem_base = peak_memory(_mem_baseline, store)
    ratio = t_peir.median / t_base.median
    n_all = int(all_indicators(h)["indicator"].nunique())
    rows = [
        {
            "step": f"baseline: pandas groupby, {len(SPENDING_IDS)} spending indicators",
            "median s": f"{t_base.median:.3f}",
            "runs": ", ".join(f"{r:.3f}" for r in t_base.runs),
            "ratio to baseline": "1.00x",
            "peak memory above the data (MB)": f"{max(mem_base - mem_setup, 0) / 2**20:,.0f}",
        },
        {
            "step": f"`compute(h, ids)`, the same {len(SPENDING_IDS)} indicators",
            "median s": f"{t_peir.median:.3f}",
            "runs": ", ".join(f"{r:.3f}" for r in t_peir.runs),
            "ratio to baseline": f"{ratio:.2f}x",
            "peak memory above the data (MB)": f"{max(mem_peir - mem_setup, 0) / 2**20:,.0f}",
        },
        {
            "step": f"`compute(h)`, all {n_all} indicators (spending and caseload)",
            "median s": f"{t_all.median:.3f}",
            "runs": ", ".join(f"{r:.3f}" for r in t_all.runs),
            "ratio to baseline": f"{t_all.median / t_base.median:.2f}x",
            "peak memory above the data (MB)": "",
        },
    ]
    return "\n".join(
        [
            "## Indicators (`peir.indicators.compute`)",
            "",
            f"Simulated dataset (`peir.datasets.simulate`, {len(COUNTRIES)} countries, 10 years): "
            f"{lines:,} budget lines, {len(h.spending):,} harmonised spending rows. The baseline "
            "is a hand-written pandas groupby computing the same spending indicators from "
            f"`h.spending` and `h.context`; its {compared:,} values were checked equal to peir's "
            f"(max relative difference {worst:.1e}) before timing. peir additionally picks the "
            "level phase per country-year, explains every NaN in a note, attaches units and builds "
            "the tidy output.",
            "",
            md_table(rows),
        ]
    )
