"""``peir.spark.harmonize`` gives the same spending rows as the in-process path.

The Spark test starts a ``local[2]`` session and needs a Java runtime (17+) and PySpark
(``pip install -e ".[spark]"``); it skips cleanly when either is missing. It compares both paths
on a simulated dataset of over 200,000 budget lines, three countries, with spending that no
chain-map rule covers (``unallocated``).
"""

from __future__ import annotations

import os
import shutil
import sys
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

import peir
from peir.pipeline.harmonize import SPENDING_COLUMNS, SPENDING_DTYPES
from peir.schema import C

COUNTRIES = ("XSA", "XSB", "XSC")
#: simulate() gives about n_rows lines (whole activities per region-year); asked for a little
#: more so that the comparison covers at least 200,000 lines.
N_ROWS = 205_000
MIN_LINES = 200_000
#: Six years x three countries = 18 (country, year) partitions of about 11,000 lines each.
YEARS = range(2019, 2025)
RTOL = 1e-9
FLOATS = [c for c in SPENDING_COLUMNS if SPENDING_DTYPES[c] == "float64"]
TEXT = [c for c in SPENDING_COLUMNS if SPENDING_DTYPES[c] == "str"]

# PySpark warns that it does not fully support pandas >= 3 yet; what it does here is checked below.
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support:FutureWarning")


def _simulate(
    n_rows: int, years: range = range(2015, 2025)
) -> tuple[peir.Dataset, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A simulated dataset over three countries, and its budget, context and chain-map frames.

    The simulated chain map leaves one programme unmapped, so some spending is ``unallocated``.
    """
    from peir.datasets import simulate

    ds = simulate(seed=3, n_rows=n_rows, countries=COUNTRIES, years=years)
    assert ds.budget is not None and ds.context is not None and ds.chain_map is not None
    return ds, ds.budget.frame, ds.context.frame, ds.chain_map.frame


def _with_transfers(ds: peir.Dataset) -> tuple[peir.Dataset, pd.DataFrame]:
    """Mark some ministry lines as transfers to the police (present) or to an absent body."""
    assert ds.budget is not None
    budget = ds.budget.frame.copy()
    ministry = np.flatnonzero((budget[C.INSTITUTION_CODE] == "MIN").to_numpy())
    budget.loc[budget.index[ministry[::7]], C.TRANSFER_TO] = "POL"
    budget.loc[budget.index[ministry[3::11]], C.TRANSFER_TO] = "ABSENT"
    out = peir.Dataset(budget=peir.BudgetTable(budget), context=ds.context, chain_map=ds.chain_map)
    return out, budget


def _in_process(ds: peir.Dataset) -> peir.HarmonizedDataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", peir.PeirWarning)
        return ds.harmonize(currency="USD", econ_scheme="GFS")


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    ds, _, context, cm = _simulate(N_ROWS, years=YEARS)
    ds, budget = _with_transfers(ds)
    h = _in_process(ds)
    return {"budget": budget, "context": context, "chain_map": cm, "h": h}


# The Spark tests share one session per worker (module scope) and are marked
# xdist_group("spark") so that ``-n 2 --dist loadgroup`` keeps them on one worker. With
# pytest 9.2 and pytest-xdist 3.8 the grouping is silently ignored (pytest-dev/pytest-xdist#1386),
# and each worker that gets a Spark test starts its own session: slower by one JVM start, not wrong.
@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip(
            "no Java runtime (Spark needs Java 17+; .ci/run installs openjdk-17-jre-headless)"
        )
    pytest.importorskip("pyspark", reason="PySpark not installed (pip install -e '.[spark]')")
    from pyspark.sql import SparkSession

    # executors must run this interpreter (it has pandas, pyarrow and peir)
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("peir-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _to_spark(spark: Any, frame: pd.DataFrame) -> Any:
    """A Spark DataFrame from pandas; through an Arrow table on Spark 4 (faster with pandas 3)."""
    import pyspark

    if int(pyspark.__version__.split(".")[0]) >= 4:
        import pyarrow as pa

        return spark.createDataFrame(pa.Table.from_pandas(frame, preserve_index=False))
    return spark.createDataFrame(frame)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    f = frame[list(SPENDING_COLUMNS)]
    return f.sort_values(
        [*TEXT, C.YEAR, C.AMOUNT_LCU], na_position="last", kind="stable"
    ).reset_index(drop=True)


def _assert_same(got: pd.DataFrame, expected: pd.DataFrame) -> float:
    """Same rows (text exact, numbers to RTOL); returns the max relative difference."""
    assert len(got) == len(expected)
    a, b = _sorted(got), _sorted(expected)
    for c in TEXT:
        left = a[c].astype(object).where(a[c].notna(), None)
        right = b[c].astype(object).where(b[c].notna(), None)
        bad = left.to_numpy() != right.to_numpy()
        assert not bad.any(), (
            f"{c}: {int(bad.sum())} rows differ, "
            f"e.g. {left[bad].iloc[0]!r} != {right[bad].iloc[0]!r}"
        )
    np.testing.assert_array_equal(a[C.YEAR].to_numpy(np.int64), b[C.YEAR].to_numpy(np.int64))
    worst = 0.0
    for c in FLOATS:
        x, y = a[c].to_numpy(float), b[c].to_numpy(float)
        np.testing.assert_array_equal(np.isnan(x), np.isnan(y), err_msg=c)
        np.testing.assert_allclose(x, y, rtol=RTOL, atol=0, equal_nan=True, err_msg=c)
        ok = ~np.isnan(x) & (y != 0)
        if ok.any():
            worst = max(worst, float(np.max(np.abs(x[ok] - y[ok]) / np.abs(y[ok]))))
    return worst


def test_schema_is_declared_from_the_spending_columns() -> None:
    pytest.importorskip("pyspark", reason="PySpark not installed (pip install -e '.[spark]')")
    from peir.spark import spending_schema

    schema = spending_schema()
    assert [f.name for f in schema.fields] == list(SPENDING_COLUMNS)
    kinds = {f.name: type(f.dataType).__name__ for f in schema.fields}
    assert kinds[C.YEAR] == "LongType"
    assert kinds[C.AMOUNT_REAL] == "DoubleType"
    assert kinds[C.LINK] == "StringType"


def test_missing_pyspark_is_a_clear_peir_error() -> None:
    """Without PySpark, a PeirError names the extra (in a subprocess: a live session is safe)."""
    import subprocess

    code = (
        "import sys; sys.modules['pyspark'] = None\n"
        "import peir, peir.spark\n"
        "try:\n"
        "    peir.spark.harmonize(object(), chain_map=None, context=None)\n"
        "except peir.PeirError as e:\n"
        "    print('PeirError:', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "PeirError:" in out.stdout and "pip install 'peir[spark]'" in out.stdout


@pytest.mark.parametrize(
    ("by", "sort"),
    [
        ((C.COUNTRY, C.YEAR), True),
        ((C.COUNTRY, C.YEAR, C.PHASE), True),
        ((C.COUNTRY, C.YEAR), False),
    ],
)
def test_partition_function_reproduces_in_process(by: tuple[str, ...], sort: bool) -> None:
    """The function Spark maps over groups, mapped by pandas: same rows, transfers included.

    Some ministry lines are transfers to the police (present: removed by consolidation) or to
    an institution absent from the data (kept); grouping by phase too (docs/scaling.md, skew)
    gives the same rows, since consolidation works within country, year and phase.
    """
    from peir.spark import partition_function

    ds, budget, context, cm = _simulate(20_000, years=range(2021, 2025))
    ds, budget = _with_transfers(ds)
    h = _in_process(ds)
    status = h.transfers["status"].str.split(":").str[0].value_counts()
    assert status.get("removed", 0) > 0 and status.get("kept", 0) > 0
    fn = partition_function(
        cm, context, base_year=h.base_year, currency="USD", sort=sort, econ_scheme="GFS"
    )
    parts = [fn(p) for _, p in budget.groupby(list(by), sort=True)]
    got = pd.concat(parts, ignore_index=True)
    assert (got[C.LINK] == "unallocated").any()
    assert got[C.ECON_GFS].notna().all()  # the economic class step runs on this path too
    _assert_same(got, h.spending)


@pytest.mark.slow
@pytest.mark.xdist_group("spark")
def test_spark_harmonize_matches_in_process(spark: Any, data: dict[str, Any]) -> None:
    from peir.spark import harmonize

    h = data["h"]
    budget = data["budget"]
    assert len(budget) >= MIN_LINES
    assert budget[C.COUNTRY].nunique() >= 3
    expected = h.spending
    assert (expected[C.LINK] == "unallocated").any(), (
        "the comparison must include unallocated spending"
    )
    assert h.transfers["status"].str.startswith("removed").any()
    assert expected[C.ECON_GFS].notna().all()

    sdf = _to_spark(
        spark, budget[[c for c in budget.columns if c in peir.BudgetTable.schema().names]]
    )
    out_sdf = harmonize(
        sdf, chain_map=data["chain_map"], context=data["context"], currency="USD", econ_scheme="GFS"
    )
    assert out_sdf.columns == list(SPENDING_COLUMNS)
    got = out_sdf.toPandas()

    worst = _assert_same(got, expected)
    assert worst <= RTOL
    # totals by link (unallocated included), country, year and phase
    keys = [C.COUNTRY, C.YEAR, C.PHASE, C.LINK]
    tg = got.groupby(keys)[[C.AMOUNT, C.AMOUNT_REAL]].sum().sort_index()
    te = expected.groupby(keys)[[C.AMOUNT, C.AMOUNT_REAL]].sum().sort_index()
    pd.testing.assert_index_equal(tg.index, te.index)
    np.testing.assert_allclose(tg.to_numpy(), te.to_numpy(), rtol=RTOL)
    ua = got.loc[got[C.LINK] == "unallocated", C.AMOUNT].sum()
    ue = h.unallocated[C.AMOUNT].sum()
    assert ua == pytest.approx(ue, rel=RTOL)
    assert ue > 0


@pytest.mark.slow
@pytest.mark.xdist_group("spark")
def test_spark_harmonize_reports_missing_columns(spark: Any) -> None:
    from peir.spark import harmonize

    sdf = _to_spark(spark, pd.DataFrame({"country": ["XSA"], "year": [2020], "amount": [1.0]}))
    with pytest.raises(peir.InputError, match="institution_code"):
        harmonize(sdf, chain_map=None, context=None)


@pytest.mark.slow
@pytest.mark.xdist_group("spark")
def test_boost_wide_table_recipe(spark: Any) -> None:
    """The docs/scaling.md recipe: a BOOST-style wide table, stacked with Spark SQL, harmonised."""
    from peir.spark import harmonize

    ds, budget, context, cm = _simulate(20_000, years=range(2022, 2025))
    keys = ["country", "year", "institution_code", "program", "econ", "func", "region"]
    wide = budget.pivot_table(
        index=keys, columns="phase", values="amount", aggfunc="sum"
    ).reset_index()
    boost_names = {
        "country": "country_code",
        "institution_code": "admin1",
        "program": "admin2",
        "econ": "econ_sub",
        "func": "func_sub",
        "region": "geo1",
        "modified": "revised",
    }
    wide = wide.rename(columns=boost_names)
    wide["id"] = np.arange(len(wide))
    boost = _to_spark(spark, wide[[*boost_names.values(), "year", "approved", "executed", "id"]])
    lines = boost.selectExpr(
        "country_code AS country",
        "CAST(year AS BIGINT) AS year",
        "admin1 AS institution_code",
        "admin1 AS institution",
        "admin2 AS program",
        "econ_sub AS econ",
        "func_sub AS func",
        "geo1 AS region",
        "'USD' AS currency",
        "concat('boost:', country_code, ':', CAST(id AS STRING)) AS source_ref",
        "stack(3, 'approved', approved, 'modified', revised, 'executed', executed) "
        "AS (phase, amount)",
    ).where("amount IS NOT NULL")
    got = harmonize(
        lines, chain_map=cm, context=context, currency="USD", econ_scheme="GFS"
    ).toPandas()

    long = lines.toPandas()
    h = _in_process(
        peir.Dataset(budget=peir.BudgetTable(long), context=ds.context, chain_map=ds.chain_map)
    )
    assert len(long) == int(wide[["approved", "revised", "executed"]].notna().sum().sum())
    _assert_same(got, h.spending)


@pytest.mark.slow
@pytest.mark.xdist_group("spark")
@pytest.mark.parametrize(
    "options",
    [
        {"drop_deflator": True},  # default base year: none without a deflator (nominal only)
        {"base_year": 2022, "deflator": "cpi", "ppp": True},
    ],
)
def test_spark_harmonize_options_match_in_process(spark: Any, options: dict[str, Any]) -> None:
    from peir.spark import harmonize

    opts = dict(options)
    ds, budget, context, cm = _simulate(6_000, years=range(2022, 2025))
    if opts.pop("drop_deflator", False):
        context = context.drop(columns=[C.GDP_DEFLATOR])
        ds = peir.Dataset(
            budget=ds.budget, context=peir.ContextTable(context), chain_map=ds.chain_map
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", peir.PeirWarning)
        h = ds.harmonize(**opts)
    got = harmonize(
        _to_spark(spark, budget), chain_map=cm, context=context, econ_scheme=ds.econ_scheme, **opts
    ).toPandas()
    _assert_same(got, h.spending)
    if "base_year" not in opts:
        assert h.base_year is None and got[C.AMOUNT_REAL].isna().all()
