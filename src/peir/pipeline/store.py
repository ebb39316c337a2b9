"""Parquet store with provenance kept in the Arrow schema metadata.

peir writes its own metadata under the key ``b"peir"`` (JSON), *beside* pandas' own
``b"pandas"`` key, never over it, so the files stay readable by any Arrow/pandas reader
and round-trip dtypes and index exactly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from peir._version import __version__
from peir.errors import ReadError

__all__ = ["PEIR_META_KEY", "read_parquet", "read_parquet_meta", "write_parquet"]

PEIR_META_KEY = b"peir"


def write_parquet(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    schema_id: str,
    provenance: dict[str, Any] | None = None,
) -> Path:
    """Write ``frame`` to Parquet with ``schema_id`` and ``provenance`` in Arrow metadata."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[PEIR_META_KEY] = json.dumps(
        {"schema_id": schema_id, "peir_version": __version__, "provenance": provenance or {}},
        default=str,
    ).encode("utf-8")
    pq.write_table(table.replace_schema_metadata(meta), path)
    return path


def read_parquet_meta(path: str | Path) -> dict[str, Any]:
    """Return peir's metadata (schema_id, peir_version, provenance) of a Parquet file."""
    path = Path(path)
    if not path.exists():
        raise ReadError(f"{path}: no such file")
    meta = pq.read_schema(path).metadata or {}
    raw = meta.get(PEIR_META_KEY)
    return dict(json.loads(raw.decode("utf-8"))) if raw else {}


def read_parquet(path: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read a Parquet file written by :func:`write_parquet`: (frame, peir metadata)."""
    path = Path(path)
    if not path.exists():
        raise ReadError(f"{path}: no such file")
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise ReadError(f"{path}: not a readable Parquet file ({exc})") from None
    raw = (table.schema.metadata or {}).get(PEIR_META_KEY)
    meta = dict(json.loads(raw.decode("utf-8"))) if raw else {}
    return table.to_pandas(), meta
