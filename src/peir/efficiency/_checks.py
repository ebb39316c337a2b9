"""Input validation shared by the efficiency models.

Every problem is collected before raising, so that one :class:`peir.InputError` names every
offending column at once (NaN, infinite or negative values, all-zero columns, mismatched rows).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from peir.errors import InputError, PeirWarning

__all__ = [
    "RTS_NAMES",
    "Matrix",
    "align_columns",
    "as_matrix",
    "check_rts_orientation",
    "check_sample_size",
    "given_units",
    "slack_weight_vectors",
    "validate_pair",
]

RTS = ("crs", "vrs", "nirs", "ndrs", "fdh")
RTS_NAMES = {
    "crs": "constant returns to scale (CCR)",
    "vrs": "variable returns to scale (BCC)",
    "nirs": "non-increasing returns to scale",
    "ndrs": "non-decreasing returns to scale",
    "fdh": "free disposal hull",
}
ORIENTATIONS = ("input", "output")


@dataclass
class Matrix:
    """A numeric data block: values (rows = units), column names and the unit index."""

    values: np.ndarray[Any, np.dtype[np.float64]]
    names: list[str]
    index: pd.Index[Any]
    is_frame: bool

    def frame(self) -> pd.DataFrame:
        """The block as a DataFrame (unit index, column names)."""
        return pd.DataFrame(self.values, index=self.index, columns=self.names)


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
            problems.append(
                f"{role} column '{name}': missing (NaN) values for unit(s) {rows}{more}."
            )
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
    if not problems:
        zero = np.flatnonzero(np.all(x.values == 0, axis=1))
        if zero.size:
            units = ", ".join(repr(x.index[i]) if x.is_frame else str(i) for i in zero[:5])
            more = f" and {zero.size - 5} more" if zero.size > 5 else ""
            label = "unit(s)" if x.is_frame else "row(s) (0-based)"
            problems.append(
                f"{what}inputs: every input is zero for {label} {units}{more}; a unit that uses "
                "nothing cannot be compared (it would make every other unit look fully "
                "inefficient). Check the data or drop the unit."
            )
    if problems:
        raise InputError("; ".join(problems) if len(problems) == 1 else "\n".join(problems))
    index = x.index if x.is_frame else (y.index if y.is_frame else x.index)
    x.index = index
    y.index = index
    return x, y


def check_sample_size(n: int, m: int, s: int, *, what: str = "DEA", stacklevel: int = 3) -> None:
    """Warn (:class:`peir.PeirWarning`) when n < max(m·s, 3(m + s)) (Cooper's rule).

    With few units per variable most units land on the frontier whatever their performance;
    with more variables than units every unit may score 1 (Cooper, Seiford & Tone 2007,
    *Data Envelopment Analysis*, 2nd ed., p. 116).
    """
    need = max(m * s, 3 * (m + s))
    if n < need:
        warnings.warn(
            f"{what}: {n} unit(s) for {m} input(s) and {s} output(s); Cooper's rule asks for at "
            f"least max(m*s, 3(m+s)) = {need}. With so few units per variable many units score "
            "1 whatever their performance: read the scores with care, or use fewer variables.",
            PeirWarning,
            stacklevel=stacklevel,
        )


def align_columns(m: Matrix, names: list[str], role: str) -> Matrix:
    """Reorder the columns of ``m`` to ``names`` (bare arrays match by position); raise
    :class:`peir.InputError` naming the missing and unexpected columns when they differ."""
    if not m.is_frame:
        if len(m.names) != len(names):
            raise InputError(
                f"{role}: {len(m.names)} column(s) given but the reference has {len(names)} "
                f"({', '.join(names)})."
            )
        return Matrix(m.values, list(names), m.index, False)
    if m.names == names:
        return m
    if sorted(m.names) != sorted(names):
        missing = [n for n in names if n not in m.names]
        extra = [n for n in m.names if n not in names]
        raise InputError(
            f"{role}: columns differ from the reference's ({', '.join(names)}); "
            f"missing: {', '.join(missing) or 'none'}; unexpected: {', '.join(extra) or 'none'}."
        )
    order = [m.names.index(n) for n in names]
    return Matrix(m.values[:, order], list(names), m.index, True)


def given_units(inputs: Any, outputs: Any, units: dict[str, str] | None) -> dict[str, str]:
    """Units of measure of the variables: ``DataFrame.attrs["units"]`` of the data, then
    ``units`` (which wins)."""
    given: dict[str, str] = {}
    for obj in (inputs, outputs):
        attrs = getattr(obj, "attrs", None)
        if isinstance(attrs, dict) and isinstance(attrs.get("units"), dict):
            given.update({str(k): str(v) for k, v in attrs["units"].items()})
    if units:
        given.update({str(k): str(v) for k, v in units.items()})
    return given


SLACK_WEIGHTS = ("mean", "raw", "auto")
# R Benchmarking's slack(): data are rescaled by their column means only when a mean lies
# outside [1e-4, 1e4]
AUTO_LOW, AUTO_HIGH = 1e-4, 1e4


def slack_weight_vectors(
    rule: str, scale_x: Any, scale_y: Any, x_means: Any, y_means: Any
) -> tuple[tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]], str]:
    """Weights of the rescaled slacks in the max-slack objective, and the rule applied.

    ``"mean"``: every slack in units of its column's mean (weight 1 on rescaled data), so the
    slacks do not depend on the units of measurement. ``"raw"``: the plain sum of slacks in
    the data's own units (weight = the column's mean on rescaled data). ``"auto"``: R
    Benchmarking's rule: ``"mean"`` when the mean of some input or output column of the
    evaluated units lies outside [10⁻⁴, 10⁴], else ``"raw"``.
    """
    r = str(rule).lower()
    if r not in SLACK_WEIGHTS:
        raise InputError(f"slack_weights={rule!r} is not one of {', '.join(SLACK_WEIGHTS)}.")
    if r == "auto":
        means = np.r_[np.asarray(x_means, dtype=float), np.asarray(y_means, dtype=float)]
        r = "mean" if np.any((means < AUTO_LOW) | (means > AUTO_HIGH)) else "raw"
    sx, sy = np.asarray(scale_x, dtype=float), np.asarray(scale_y, dtype=float)
    if r == "mean":
        return (np.ones_like(sx), np.ones_like(sy)), r
    return (sx.copy(), sy.copy()), r


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
