"""Input validation shared by the efficiency models.

Every problem is collected before raising, so that one :class:`peir.InputError` names every
offending column at once (NaN, infinite or negative values, all-zero columns, mismatched rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from peir.errors import InputError

__all__ = ["Matrix", "as_matrix", "check_rts_orientation", "validate_pair"]

RTS = ("crs", "vrs", "nirs", "ndrs", "fdh")
ORIENTATIONS = ("input", "output")


@dataclass
class Matrix:
    """A numeric data block: values (rows = units), column names and the unit index."""

    values: np.ndarray[Any, np.dtype[np.float64]]
    names: list[str]
    index: pd.Index[Any]
    is_frame: bool


def as_matrix(obj: Any, role: str) -> Matrix:
    """Convert a DataFrame, Series or 2-D array to a float matrix, naming columns for messages."""
    if isinstance(obj, pd.Series):
        obj = obj.to_frame()
    if isinstance(obj, pd.DataFrame):
        bad = [str(c) for c in obj.columns if not pd.api.types.is_numeric_dtype(obj[c])]
        if bad:
            raise InputError(
                f"{role}: column(s) {', '.join(bad)} are not numeric; give numbers only "
                "(convert text such as '1.234,5' first)."
            )
        values = obj.to_numpy(dtype=float, na_value=np.nan)
        names = [str(c) for c in obj.columns]
        return Matrix(np.ascontiguousarray(values), names, obj.index, True)
    try:
        arr = np.asarray(obj, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{role}: could not be read as numbers ({exc}).") from exc
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise InputError(f"{role}: expected a 2-D table (rows = units), got {arr.ndim} dimensions.")
    names = [f"{role[:-1] if role.endswith('s') else role}{j + 1}" for j in range(arr.shape[1])]
    return Matrix(np.ascontiguousarray(arr), names, pd.RangeIndex(arr.shape[0]), False)


def _column_problems(m: Matrix, role: str, *, technology: bool) -> list[str]:
    problems: list[str] = []
    v = m.values
    if v.shape[1] == 0:
        problems.append(f"{role}: no columns given.")
        return problems
    for j, name in enumerate(m.names):
        col = v[:, j]
        nan = np.flatnonzero(np.isnan(col))
        if nan.size:
            rows = ", ".join(str(m.index[i]) for i in nan[:5])
            more = f" and {nan.size - 5} more" if nan.size > 5 else ""
            problems.append(f"{role} column '{name}': missing (NaN) values for unit(s) {rows}{more}.")
        inf = np.flatnonzero(np.isinf(col))
        if inf.size:
            rows = ", ".join(str(m.index[i]) for i in inf[:5])
            problems.append(f"{role} column '{name}': infinite values for unit(s) {rows}.")
        neg = np.flatnonzero(col < 0)
        if neg.size:
            rows = ", ".join(str(m.index[i]) for i in neg[:5])
            more = f" and {neg.size - 5} more" if neg.size > 5 else ""
            problems.append(
                f"{role} column '{name}': negative values for unit(s) {rows}{more}; "
                "DEA needs non-negative data."
            )
        if technology and not nan.size and col.size and np.all(col == 0):
            problems.append(
                f"{role} column '{name}': all values are zero; drop the column, "
                "it carries no information."
            )
    return problems


def validate_pair(
    inputs: Any, outputs: Any, *, technology: bool = True, what: str = ""
) -> tuple[Matrix, Matrix]:
    """Validate an inputs/outputs pair; raise one :class:`InputError` listing every problem.

    ``technology`` marks data that spans a frontier: it needs at least two units and no
    all-zero column. Units merely scored against another frontier may be a single unit.
    """
    x = as_matrix(inputs, f"{what}inputs")
    y = as_matrix(outputs, f"{what}outputs")
    problems: list[str] = []
    if x.values.shape[0] != y.values.shape[0]:
        raise InputError(
            f"{what}inputs have {x.values.shape[0]} rows but {what}outputs have "
            f"{y.values.shape[0]}; give one row per unit in both."
        )
    if x.is_frame and y.is_frame and not x.index.equals(y.index):
        raise InputError(
            f"{what}inputs and {what}outputs have different row labels; align them "
            "(one row per unit, same order) before calling."
        )
    n = x.values.shape[0]
    if n == 0:
        raise InputError(f"{what}inputs and outputs have no rows.")
    if technology and n < 2:
        raise InputError(
            f"{what}data has a single unit; a frontier needs at least two units to compare."
        )
    problems += _column_problems(x, f"{what}inputs", technology=technology)
    problems += _column_problems(y, f"{what}outputs", technology=technology)
    if problems:
        raise InputError("; ".join(problems) if len(problems) == 1 else "\n".join(problems))
    index = x.index if x.is_frame else (y.index if y.is_frame else x.index)
    x.index = index
    y.index = index
    return x, y


def check_rts_orientation(rts: str, orientation: str) -> tuple[str, str]:
    """Normalise and check the returns-to-scale and orientation options."""
    r = str(rts).lower()
    o = str(orientation).lower()
    if r not in RTS:
        raise InputError(f"rts={rts!r} is not one of {', '.join(RTS)}.")
    if o in ("in",):
        o = "input"
    if o in ("out",):
        o = "output"
    if o not in ORIENTATIONS:
        raise InputError(f"orientation={orientation!r} is not 'input' or 'output'.")
    return r, o
