"""Spark benchmark: ``peir.spark.harmonize`` on ``local[2]`` against in-process harmonisation.

The same simulated budget (about 1M lines, three countries, ten years) is harmonised in process
(``Dataset.harmonize``) and on a two-core local Spark session (``peir.spark.harmonize``, whose
input is cached in Spark first and whose output is materialised with the ``noop`` writer).
Totals by country, year, phase and link are checked equal before timing. On one machine Spark
only adds overhead (JVM, Arrow transfer to Python workers, shuffle); the figure shows what that
overhead costs, not a speed-up — Spark pays off when the data does not fit one machine.
"""

from __future__ import annotations

import os
import shutil
import sys
import warnings
from typing import Any

import numpy as np

from benchmarks._util import md_table, timeit

N_FULL = 1_000_000
N_QUICK = 200_000
COUNTRIES = ("XSA", "XSB", "XSC")


def pyspark_major() -> int:
    import pyspark

    return int(pyspark.__version__.split(".")[0])


def _session() -> Any:
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    s = (
        SparkSession.builder.master("local[2]")
        .appName("peir-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "4g")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    s.sparkContext.setLogLevel("ERROR")
    return s


def run(quick: bool = False) -> str:
    title = "## Spark: `peir.spark.harmonize` on `local[2]` vs in process"
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return f"{title}\n\nSkipped: PySpark is not installed (`pip install -e '.[spark]'`)."
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return f"{title}\n\nSkipped: no Java runtime."
    import peir.spark
    from peir.datasets import simulate

    warnings.simplefilter("ignore", FutureWarning)
    n = N_QUICK if quick else N_FULL
    ds = simulate(seed=0, n_rows=n, countries=COUNTRIES)
    assert ds.budget is not None and ds.context is not None and ds.chain_map is not None
    budget, context, cm = ds.budget.frame, ds.context.frame, ds.chain_map.frame

    def in_process() -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ds.harmonize(currency="USD")

    h = in_process()
    spark = _session()
    try:
        import pyarrow as pa

        # an Arrow table converts much faster than a pandas 3 frame (Spark 4)
        src = pa.Table.from_pandas(budget, preserve_index=False) if pyspark_major() >= 4 else budget
        sdf = spark.createDataFrame(src).cache()
        sdf.count()

        def on_spark() -> None:
            out = peir.spark.harmonize(sdf, chain_map=cm, context=context, currency="USD")
            out.write.format("noop").mode("overwrite").save()

        keys = ["country", "year", "phase", "link"]
        got = (
            peir.spark.harmonize(sdf, chain_map=cm, context=context, currency="USD")
            .groupBy(*keys)
            .sum("amount", "amount_real")
            .toPandas()
            .set_index(keys)
            .sort_index()
        )
        exp = h.spending.groupby(keys)[["amount", "amount_real"]].sum().sort_index()
        if not (
            got.index.equals(exp.index)
            and np.allclose(got.to_numpy(), exp.to_numpy(), rtol=1e-9, atol=0)
        ):
            raise AssertionError("Spark and in-process totals disagree")
        repeat = 3
        t_local = timeit(in_process, repeat=repeat, warmup=0)
        t_spark = timeit(on_spark, repeat=repeat, warmup=1)
    finally:
        spark.stop()
    rows = [
        {
            "path": "in process, `Dataset.harmonize`",
            "median s": f"{t_local.median:.2f}",
            "runs": ", ".join(f"{r:.2f}" for r in t_local.runs),
            "ratio": "1.00x",
        },
        {
            "path": "Spark `local[2]`, `peir.spark.harmonize` (cached input, noop write)",
            "median s": f"{t_spark.median:.2f}",
            "runs": ", ".join(f"{r:.2f}" for r in t_spark.runs),
            "ratio": f"{t_spark.median / t_local.median:.2f}x",
        },
    ]
    groups = budget.groupby(["country", "year"]).ngroups
    return "\n".join(
        [
            title,
            "",
            f"Simulated budget of {len(budget):,} lines ({len(COUNTRIES)} countries, {groups} "
            f"country-year partitions), {len(h.spending):,} spending rows, converted to US$ at "
            "constant prices. Totals by country, year, phase and link checked equal (1e-9) "
            "first. Both paths run the same pandas function; on one machine Spark adds the JVM, "
            "the Arrow transfer to Python workers and a shuffle, which is the overhead shown.",
            "",
            md_table(rows),
        ]
    )
