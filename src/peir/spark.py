"""Harmonisation on Apache Spark, for budgets that outgrow one machine (extra ``peir[spark]``).

:func:`harmonize` runs the *same* pandas function as the in-process path,
:func:`peir.pipeline.harmonize.harmonize_partition`, once per (country, year) partition through
``groupBy("country", "year").applyInPandas``. Nothing about the harmonisation is written twice,
so the two paths cannot drift apart: for the same inputs they give the same rows with the same
values (up to floating-point summation order, which does not arise here since every output row
is computed from one budget line).

What is done once on the driver, exactly as :func:`peir.pipeline.harmonize.harmonize` does it:

- the chain map is validated and resolved (:func:`peir.pipeline.chainmap.effective_chain_map`),
  so an inconsistent map raises :class:`peir.ChainMapError` before any job starts;
- the context is aligned on fiscal-year labels (:func:`peir.pipeline.prices.align_context`);
- the default base year (the latest budget year when the context has the deflator) is taken
  from the *whole* budget, not from each partition. This rule is the one piece restated here
  (it needs a Spark aggregate); ``tests/test_spark.py`` checks it against the in-process path.

Both small tables travel to the executors inside the task closure (as Spark broadcasts task
closures), which also works on Spark Connect (Databricks serverless and shared clusters),
where ``SparkContext.broadcast`` is not available. Transfers are consolidated within each
(country, year) partition, which is the scope of consolidation (country, year, phase).

The output schema is declared from :data:`peir.pipeline.harmonize.SPENDING_COLUMNS` and
:data:`peir.pipeline.harmonize.SPENDING_DTYPES` (see :func:`spending_schema`). The options are
one :class:`peir.HarmonizeOptions`, validated on the driver.

PySpark is an optional extra: it is imported inside the functions that need it, so that
``import peir.spark`` works (and :func:`partition_function` runs) without it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from peir.errors import InputError, PeirError
from peir.pipeline.harmonize import (
    SPENDING_COLUMNS,
    SPENDING_DTYPES,
    PartitionInputs,
    default_base_year,
    partition_spending,
)
from peir.pipeline.options import HarmonizeOptions
from peir.pipeline.prices import align_context
from peir.schema import C, load_schema
from peir.tables import Table

__all__ = ["harmonize", "partition_function", "spending_schema"]

_INSTALL_HINT = (
    "peir.spark needs PySpark and a Java runtime (17 or later): pip install 'peir[spark]' "
    "(on Databricks, PySpark is already there: %pip install peir)"
)

#: pandas dtype name -> Spark SQL type name (``pyspark.sql.types`` class).
_SPARK_TYPES: dict[str, str] = {
    "str": "StringType",
    "string": "StringType",
    "object": "StringType",
    "int64": "LongType",
    "Int64": "LongType",
    "int32": "IntegerType",
    "float64": "DoubleType",
    "Float64": "DoubleType",
    "bool": "BooleanType",
    "boolean": "BooleanType",
}


def _pyspark_types() -> Any:
    """``pyspark.sql.types``, imported on first use (PySpark is an optional extra)."""
    try:
        from pyspark.sql import types
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise PeirError(_INSTALL_HINT) from exc
    return types


def spending_schema() -> Any:
    """The Spark ``StructType`` of harmonised spending, built from the declared columns.

    Returns
    -------
    pyspark.sql.types.StructType
        One nullable field per :data:`peir.pipeline.harmonize.SPENDING_COLUMNS`, typed from
        :data:`peir.pipeline.harmonize.SPENDING_DTYPES` (strings ``StringType``, ``year``
        ``LongType``, amounts and shares ``DoubleType``).
    """
    types = _pyspark_types()
    fields = []
    for name in SPENDING_COLUMNS:
        dtype = str(SPENDING_DTYPES[name])
        type_name = _SPARK_TYPES.get(dtype)
        if type_name is None:  # pragma: no cover - guards against a new declared dtype
            raise PeirError(f"spending column {name!r} has dtype {dtype!r} with no Spark type")
        fields.append(types.StructField(name, getattr(types, type_name)(), True))
    return types.StructType(fields)


def _frame(obj: Any, what: str) -> pd.DataFrame | None:
    if obj is None:
        return None
    if isinstance(obj, Table):
        return obj.frame
    if isinstance(obj, pd.DataFrame):
        return obj
    raise InputError(
        f"{what}: expected a peir table, a pandas DataFrame or None, got {type(obj).__name__}"
    )


def _conform(out: pd.DataFrame) -> pd.DataFrame:
    """The partition result in exactly the declared columns and dtypes (for Arrow)."""
    cols = list(SPENDING_COLUMNS)
    if list(out.columns) != cols:
        out = out.reindex(columns=cols)
    for c in cols:
        dtype: Any = SPENDING_DTYPES[c]
        have = out[c].dtype
        if dtype == "str":
            # text: any string or object column converts to Arrow strings, missing values kept
            # (``astype("str")`` would turn None into "None" with pandas < 3)
            if not (pd.api.types.is_string_dtype(have) or pd.api.types.is_object_dtype(have)):
                out[c] = out[c].astype(object).where(out[c].notna(), None)
        elif str(have) != dtype:
            out[c] = out[c].astype(dtype)
    return out


def partition_function(
    chain_map: Any,
    context: Any,
    *,
    options: HarmonizeOptions | None = None,
    **keywords: Any,
) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """The pandas function :func:`harmonize` applies to each (country, year) partition.

    Useful to run the Spark path's exact computation without Spark, e.g. in a test or with
    another engine that maps a function over groups (Dask ``groupby.apply``, Ray...).

    Parameters
    ----------
    chain_map, context
        Peir tables or pandas DataFrames (canonical columns), or ``None``; resolved once here
        (:meth:`peir.pipeline.harmonize.PartitionInputs.resolve`), not in every partition.
    options, **keywords
        A :class:`peir.HarmonizeOptions`, or its fields as keywords (``base_year=``,
        ``currency=``, ``ppp=``, ``deflator=``, ...). ``base_year`` must be resolved already
        (the default "latest budget year" depends on the whole budget, not on one
        partition): ``None`` here means nominal only.

    Returns
    -------
    callable
        ``fn(budget_partition) -> spending rows`` in the declared columns and dtypes:
        :func:`peir.pipeline.harmonize.partition_spending` with transfers consolidated
        within the partition and no warnings.
    """
    opts = _options(options, keywords)
    inputs = PartitionInputs.resolve(
        _frame(chain_map, "chain_map"), _frame(context, "context"), opts
    )

    def fn(budget: pd.DataFrame) -> pd.DataFrame:
        return _conform(
            partition_spending(budget, inputs, opts, consolidate=True, warn=False).spending
        )

    return fn


def _options(options: HarmonizeOptions | None, keywords: dict[str, Any]) -> HarmonizeOptions:
    if options is not None:
        if keywords:
            raise InputError("peir.spark: give options=HarmonizeOptions(...) or keywords, not both")
        return options
    try:
        return HarmonizeOptions.from_keywords(**keywords)
    except InputError as exc:
        raise InputError(f"peir.spark.harmonize: {exc}") from None


def _budget_columns(budget_sdf: Any) -> list[str]:
    present = set(budget_sdf.columns)
    missing = [
        c for c in (C.COUNTRY, C.YEAR, C.INSTITUTION_CODE, C.PHASE, C.AMOUNT) if c not in present
    ]
    if missing:
        raise InputError(
            f"budget_sdf lacks required canonical column(s) {', '.join(missing)}; it has "
            f"{', '.join(budget_sdf.columns)}. Rename or stack the source columns first "
            "(docs/scaling.md shows a BOOST wide table turned into canonical long rows)"
        )
    return [c for c in load_schema("budget").names if c in present]


def harmonize(
    budget_sdf: Any,
    *,
    chain_map: Any,
    context: Any,
    base_year: int | None = None,
    currency: str | None = None,
    ppp: bool = False,
    options: HarmonizeOptions | None = None,
    **keywords: Any,
) -> Any:
    """Harmonise a Spark DataFrame of budget lines, one (country, year) partition at a time.

    Same rows and values as ``peir.Dataset(budget, context=..., chain_map=...).harmonize(...)``
    ``.spending``, computed by the very same pandas function
    (:func:`peir.pipeline.harmonize.harmonize_partition`) through ``applyInPandas``.

    Parameters
    ----------
    budget_sdf : pyspark.sql.DataFrame
        Budget lines in canonical budget columns (at least ``country, year,
        institution_code, phase, amount``; the optional ones are used when present, other
        columns are ignored). Already validated: run ``peir.read_budget`` on samples or
        validate with Spark before, since rows are not re-checked here.
    chain_map, context
        :class:`peir.ChainMap` / :class:`peir.ContextTable` or pandas DataFrames in canonical
        columns (small: they are shipped to every task), or ``None``.
    base_year
        Constant-price base year. ``None``: the latest budget year when the context has the
        deflator (computed on the whole ``budget_sdf``, as in process, which costs one pass
        over the data; give it to skip that pass), else nominal only.
    currency, ppp
        Output currency (``None``: each line's own), or PPP international dollars.
    options, **keywords
        Or one :class:`peir.HarmonizeOptions` (then no keywords); the other fields as
        keywords (``deflator``, ``fiscal_year``, ``allow_gaps``, ``cofog``), documented
        there. ``sort=False`` skips ordering the rows within each partition (Spark does not
        keep an order across partitions anyway); ``source_priority`` has no effect here
        (there is no caseload).

    Returns
    -------
    pyspark.sql.DataFrame
        Lazy; schema :func:`spending_schema`. Row order is not defined across partitions
        (within one it is the in-process order); sort or write it as you need.

    Raises
    ------
    peir.PeirError
        PySpark is not installed. Data errors (:class:`peir.MissingContextError` for a
        missing deflator, say) surface when the job runs, wrapped by Spark.
    peir.ChainMapError, peir.InputError
        Raised on the driver before any job starts.
    """
    types = _pyspark_types()
    from pyspark.sql import functions as F  # optional extra, as above

    if options is None:
        opts = _options(
            None, {"base_year": base_year, "currency": currency, "ppp": ppp, **keywords}
        )
    elif keywords or base_year is not None or currency is not None or ppp:
        raise InputError(
            "peir.spark.harmonize: give options=HarmonizeOptions(...) or keywords, not both"
        )
    else:
        opts = options
    if not hasattr(budget_sdf, "groupBy") or not hasattr(budget_sdf, "columns"):
        raise InputError(
            f"budget_sdf: expected a pyspark.sql.DataFrame, got {type(budget_sdf).__name__}"
        )
    ctx_frame = _frame(context, "context")
    if opts.base_year is None:
        latest = budget_sdf.agg(F.max(F.col(C.YEAR)).alias("y")).collect()[0]["y"]
        opts = opts.replace(
            base_year=default_base_year(
                align_context(
                    ctx_frame if ctx_frame is not None else pd.DataFrame(), opts.fiscal_year
                ),
                None if latest is None else int(latest),
                deflator=opts.deflator,
            )
        )
    fn = partition_function(chain_map, ctx_frame, options=opts)
    sdf = budget_sdf.select(*_budget_columns(budget_sdf))
    # the in-process path reads year as int64 and amount as float64
    sdf = sdf.withColumn(C.YEAR, F.col(C.YEAR).cast(types.LongType()))
    sdf = sdf.withColumn(C.AMOUNT, F.col(C.AMOUNT).cast(types.DoubleType()))
    return sdf.groupBy(C.COUNTRY, C.YEAR).applyInPandas(fn, schema=spending_schema())
