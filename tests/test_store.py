"""Parquet store: round trip, peir's metadata beside pandas' own key."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import peir
from peir.pipeline.store import PEIR_META_KEY, read_parquet, read_parquet_meta, write_parquet

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 30))
    return pd.DataFrame(
        {
            "country": pd.Series(
                draw(st.lists(st.sampled_from(["SLV", "GTM", "XSA"]), min_size=n, max_size=n)),
                dtype="str",
            ),
            "year": pd.Series(
                draw(st.lists(st.integers(1950, 2100), min_size=n, max_size=n)), dtype="int64"
            ),
            "amount": pd.Series(
                draw(
                    st.lists(
                        st.floats(allow_nan=True, allow_infinity=False, width=64),
                        min_size=n,
                        max_size=n,
                    )
                ),
                dtype="float64",
            ),
            "label": pd.Series(
                draw(st.lists(st.one_of(st.none(), text), min_size=n, max_size=n)), dtype="str"
            ),
            "count": pd.array(
                draw(
                    st.lists(
                        st.one_of(st.none(), st.integers(-(2**40), 2**40)), min_size=n, max_size=n
                    )
                ),
                dtype="Int64",
            ),
        }
    )


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    frame=frames(),
    prov=st.dictionaries(st.sampled_from(["source", "note", "n"]), st.one_of(text, st.integers())),
)
def test_round_trip(
    tmp_path_factory: pytest.TempPathFactory, frame: pd.DataFrame, prov: dict[str, object]
) -> None:
    path = tmp_path_factory.mktemp("store") / "t.parquet"
    write_parquet(frame, path, schema_id="peir:test:v1", provenance=prov)
    back, meta = read_parquet(path)
    pd.testing.assert_frame_equal(back, frame, check_dtype=True)
    assert meta["schema_id"] == "peir:test:v1"
    assert meta["provenance"] == prov
    assert meta["peir_version"] == peir.__version__
    keys = pq.read_schema(path).metadata
    assert b"pandas" in keys and PEIR_META_KEY in keys  # beside pandas' key, not over it
    assert json.loads(keys[b"pandas"])["columns"]
    assert read_parquet_meta(path) == meta


def test_table_from_reader_round_trips(tmp_path: Path) -> None:
    p = tmp_path / "b.csv"
    p.write_text(
        "country,year,institution_code,phase,amount,currency\nSLV,2019,A,Devengado,1.5,USD\nSLV,2020,B,votado,2,USD\n"
    )
    t = peir.read_budget(p)
    out = write_parquet(
        t.frame,
        tmp_path / "budget.parquet",
        schema_id=peir.BudgetTable.schema().id,
        provenance={"source": "b.csv"},
    )
    back, meta = read_parquet(out)
    pd.testing.assert_frame_equal(back, t.frame)
    assert meta["schema_id"] == "peir:budget:v1"
    # and the stored file reads back through the reader as a source
    again = peir.read_budget(out)
    assert again.report.ok
    assert again.frame["amount"].tolist() == [1.5, 2.0]
    assert again.frame["source_ref"].tolist() == ["b.csv:2", "b.csv:3"]


def test_plain_parquet_has_no_peir_meta(tmp_path: Path) -> None:
    p = tmp_path / "plain.parquet"
    pd.DataFrame({"a": np.arange(3)}).to_parquet(p)
    assert read_parquet_meta(p) == {}
    with pytest.raises(peir.ReadError):
        read_parquet(tmp_path / "missing.parquet")
    bad = tmp_path / "bad.parquet"
    bad.write_text("nope")
    with pytest.raises(peir.ReadError):
        read_parquet(bad)
