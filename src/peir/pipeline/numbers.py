"""Vectorised parsing of numbers and years as ministries write them.

Handles locale decimal marks (``1.234.567,89``), grouping in well-formed groups of three,
accounting negatives ``(1,234)`` and trailing minus ``1234-``, the Unicode minus, currency
symbols and codes (``$``, ``US$``, ``R$``, ``₡``, ``€``, ``USD 12``), non-breaking spaces and
the schema's missing-value markers. Nothing here raises on a bad value: every value comes back
as a number, as missing, or as invalid, so that validation can report it.

All work is done with Arrow compute kernels on whole columns (no Python loop per row).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, localcontext

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "ExactTotal",
    "NumberParse",
    "numeric_cells",
    "parse_numbers",
    "parse_years",
    "to_string_array",
]

OK, MISSING, INVALID = 0, 1, 2

_CURRENCY = (
    r"(?:US\$|U\$S|R\$|RD\$|C\$|N\$|S/\.?|Bs\.?|[$€£¥₡₲₱₵₭₦₩₪₫₹₽¢]"
    r"|\b(?:USD|EUR|CRC|GTQ|HNL|NIO|PAB|BRL|MXN|COP|SVC|DOP|PEN|CLP|ARS|UYU|PYG|BOB|GBP)\b)"
)


@dataclass
class NumberParse:
    """Result of parsing one column: values (float64, NaN where not OK) and a status per row."""

    values: np.ndarray  # float64
    status: np.ndarray  # int8: 0 ok, 1 missing, 2 invalid
    hint: str = ""  # e.g. "values look like decimal ','" when many are invalid

    @property
    def invalid(self) -> np.ndarray:
        return np.asarray(self.status == INVALID, dtype=bool)

    @property
    def missing(self) -> np.ndarray:
        return np.asarray(self.status == MISSING, dtype=bool)


def _one_array(values: pa.ChunkedArray) -> pa.Array:
    """A chunked array as one array (no copy when there is a single chunk; dictionary chunks,
    which may each have their own dictionary, are decoded)."""
    if pa.types.is_dictionary(values.type):
        values = pa.chunked_array(
            [c.dictionary_decode() for c in values.chunks], type=values.type.value_type
        )
    if values.num_chunks == 1:
        return values.chunk(0)
    return values.combine_chunks()


def to_string_array(values: pd.Series | pa.Array | pa.ChunkedArray) -> pa.Array:
    """A column as an Arrow string array: numbers written plainly, missing as null."""
    if isinstance(values, pa.ChunkedArray):
        values = _one_array(values)
    if isinstance(values, pa.Array):
        if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
            return values
        if pa.types.is_dictionary(values.type):
            return to_string_array(values.dictionary_decode())
        return pc.cast(values, pa.large_string())
    s = values
    if isinstance(s.dtype, pd.ArrowDtype):
        return to_string_array(pa.array(s.array))
    if (
        isinstance(s.dtype, pd.StringDtype)
        or s.dtype == object
        or str(s.dtype) in ("str", "string")
    ):
        if s.dtype == object:
            try:  # all strings (or missing): converted in C, no Python loop
                arr = pa.array(s, type=pa.large_string(), from_pandas=True)
                return _one_array(arr) if isinstance(arr, pa.ChunkedArray) else arr
            except (pa.ArrowTypeError, pa.ArrowInvalid):
                pass
            s = s.map(_cell_to_str, na_action="ignore")
            mask = s.isna().to_numpy()
            return pa.array(
                s.where(~mask, None).to_numpy(dtype=object),
                type=pa.large_string(),
                from_pandas=True,
            )
        arr = pa.array(s, type=pa.large_string(), from_pandas=True)
        return _one_array(arr) if isinstance(arr, pa.ChunkedArray) else arr
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = to_string_array(pd.Series(s.cat.categories))
        codes = pa.array(s.cat.codes.to_numpy(), mask=s.cat.codes.to_numpy() < 0)
        return pc.take(cats, codes) if len(cats) else pa.nulls(len(s), pa.large_string())
    if pd.api.types.is_float_dtype(s.dtype):
        return to_string_array(s.astype(object))
    return pa.array(
        s.astype(object).map(_cell_to_str, na_action="ignore"),
        type=pa.large_string(),
        from_pandas=True,
    )


def _cell_to_str(v: object) -> object:
    """One cell as text: integral floats without '.0' (Excel codes), dates as ISO."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float | np.floating):
        if np.isnan(v):
            return None
        f = float(v)
        return str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)
    if isinstance(v, int | np.integer):
        return str(int(v))
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


def _missing_mask(s: pa.Array, missing: Iterable[str]) -> pa.Array:
    markers = pa.array(sorted(set(missing) | {"", "nan", "NaN"}), type=s.type)
    return pc.or_kleene(pc.is_null(s), pc.is_in(s, value_set=markers)).fill_null(True)


def parse_numbers(
    values: pd.Series | pa.Array | pa.ChunkedArray,
    *,
    decimal: str = ".",
    thousands: str | None = None,
    missing: Iterable[str] = (),
) -> NumberParse:
    """Parse a column of numbers written in any common locale.

    Parameters
    ----------
    values
        The column (strings, numbers or mixed objects).
    decimal
        ``"."`` or ``","``.
    thousands
        Grouping character; ``None`` accepts the grouping that goes with ``decimal`` (``,`` or a
        space for ``.``; ``.`` or a space for ``,``) in well-formed groups of three digits.
    missing
        Markers of a missing value (e.g. the schema's ``missingValues``).
    """
    missing = tuple(missing)
    if isinstance(values, pd.Series) and (
        pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype)
    ):
        v = values.to_numpy(dtype="float64", na_value=np.nan)
        status = np.where(np.isnan(v), MISSING, OK).astype(np.int8)
        return NumberParse(v, status)
    typed = numeric_cells(values)
    if typed is not None:  # a column of typed cells (Excel, a DataFrame): numbers are numbers
        is_num, nums = typed
        text = _text_cells(values, is_num)
        rest = parse_numbers(text, decimal=decimal, thousands=thousands, missing=missing)
        v = np.where(is_num, nums, rest.values)
        status = np.where(is_num, np.where(np.isnan(nums), MISSING, OK), rest.status).astype(
            np.int8
        )
        return NumberParse(v, status, rest.hint)

    s = pc.utf8_trim_whitespace(to_string_array(values))
    miss = _missing_mask(s, missing)
    n = len(s)
    # fast path: plain numbers
    if decimal == ".":
        try:
            v = pc.cast(pc.if_else(miss, pa.scalar(None, s.type), s), pa.float64())
            arr = v.to_numpy(zero_copy_only=False)
            mnp = np.asarray(miss.to_numpy(zero_copy_only=False), dtype=bool)
            arr = np.where(mnp, np.nan, arr)
            status = np.where(mnp, MISSING, OK).astype(np.int8)
            # a literal "nan" counts as missing
            status[np.isnan(arr) & (status == OK)] = MISSING
            return NumberParse(arr, status)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    return _parse_slow(s, miss, n, decimal, thousands)


def numeric_cells(values: object) -> tuple[np.ndarray, np.ndarray] | None:
    """For an object column holding some numbers (Excel cells stored as numbers, a DataFrame
    of mixed cells): (mask of the cells that are numbers, their values as float64); None when
    the column holds no number objects (all text, or not an object column).

    A number cell is taken as the number it is: the text locale (``decimal``, ``thousands``)
    applies to text cells only, so 1234.5 stored as a number never reads as 12345.
    """
    if not isinstance(values, pd.Series) or values.dtype != object or len(values) == 0:
        return None
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in ("string", "empty", "boolean", "bytes"):
        return None
    arr = values.to_numpy(dtype=object)
    is_num = np.fromiter(
        (
            isinstance(v, int | float | np.integer | np.floating | Decimal)
            and not isinstance(v, bool | np.bool_)
            for v in arr
        ),
        dtype=bool,
        count=len(arr),
    )
    if not is_num.any():
        return None
    nums = np.full(len(arr), np.nan)
    with np.errstate(over="ignore", invalid="ignore"):
        nums[is_num] = np.asarray([float(v) for v in arr[is_num]], dtype="float64")
    return is_num, nums


def _text_cells(values: pd.Series, is_num: np.ndarray) -> pd.Series:
    """The column with its number cells emptied (what is left to parse as text)."""
    arr = values.to_numpy(dtype=object).copy()
    arr[is_num] = None
    return pd.Series(arr, dtype=object)


def _parse_slow(
    s: pa.Array, miss: pa.Array, n: int, decimal: str, thousands: str | None, *, hint: bool = True
) -> NumberParse:
    t = pc.replace_substring_regex(s, pattern="[\u00a0\u202f\u2009]", replacement=" ")
    t = pc.replace_substring(t, pattern="\u2212", replacement="-")
    neg_paren = pc.match_substring_regex(t, pattern=r"^\(.*\)$")
    t = pc.replace_substring_regex(t, pattern=r"^\((.*)\)$", replacement=r"\1")
    t = pc.replace_substring_regex(t, pattern=_CURRENCY, replacement="")
    t = pc.utf8_trim_whitespace(t)
    neg_trail = pc.match_substring_regex(t, pattern=r"^[0-9.,' ]*[0-9]\s*-$")
    t = pc.replace_substring_regex(t, pattern=r"\s*-$", replacement="")
    neg_lead = pc.match_substring_regex(t, pattern=r"^-")
    t = pc.replace_substring_regex(t, pattern=r"^[-+]\s*", replacement="")
    # a currency symbol after the sign ("-$5")
    t = pc.utf8_trim_whitespace(pc.replace_substring_regex(t, pattern=_CURRENCY, replacement=""))
    neg = pc.or_(pc.or_(neg_paren, neg_trail), neg_lead)

    dec_re = r"\." if decimal == "." else ","
    plain = (
        rf"^(?:[0-9]+(?:{dec_re}[0-9]*)?|{dec_re}[0-9]+)(?:[eE][-+]?[0-9]+)?$|^(?i:inf|infinity)$"
    )
    if thousands is None:
        groups = [",", " "] if decimal == "." else [r"\.", " "]
        grouped = "|".join(rf"[0-9]{{1,3}}(?:{g}[0-9]{{3}})+(?:{dec_re}[0-9]*)?" for g in groups)
        pattern = rf"{plain}|^(?:{grouped})$"
        good = pc.match_substring_regex(t, pattern=pattern)
        body = pc.replace_substring_regex(
            t, pattern="[ ,]" if decimal == "." else r"[ .]", replacement=""
        )
    else:
        if thousands:
            body = pc.replace_substring(t, pattern=thousands, replacement="")
        else:
            body = t
        good = pc.match_substring_regex(body, pattern=plain)
        if thousands != " ":
            body = pc.replace_substring(body, pattern=" ", replacement="")
    if decimal == ",":
        body = pc.replace_substring(body, pattern=",", replacement=".")
    good = pc.and_(good, pc.invert(miss)).fill_null(False)
    v = pc.cast(pc.if_else(good, body, pa.scalar(None, body.type)), pa.float64())
    arr = v.to_numpy(zero_copy_only=False).astype("float64")
    negnp = np.asarray(neg.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    arr = np.where(negnp, -arr, arr)
    mnp = np.asarray(miss.to_numpy(zero_copy_only=False), dtype=bool)
    gnp = np.asarray(good.to_numpy(zero_copy_only=False), dtype=bool)
    status = np.full(n, INVALID, dtype=np.int8)
    status[mnp] = MISSING
    status[gnp] = OK
    arr[status != OK] = np.nan
    text = ""
    n_bad = int((status == INVALID).sum())
    if n_bad and hint:
        other = "," if decimal == "." else "."
        alt = _parse_slow(s, miss, n, other, None, hint=False)
        if int((alt.status == INVALID).sum()) < (n_bad + 1) // 2:
            text = (
                f"the values look like decimal {other!r} (set decimal: {other!r} in the read spec)"
            )
    return NumberParse(arr, status, text)


def parse_years(
    values: pd.Series | pa.Array | pa.ChunkedArray, *, missing: Iterable[str] = ()
) -> NumberParse:
    """Parse fiscal years: ``2019``, ``2019.0``, ``FY2019``, ``2018/19`` or ``2018-2019``
    (a split fiscal year is labelled by the calendar year in which it ends)."""
    typed = numeric_cells(values)
    if isinstance(values, pd.Series) and (
        pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype)
    ):
        p = parse_numbers(values)
    elif typed is not None:  # number cells as numbers, text cells as year labels
        is_num, nums = typed
        rest = parse_years(_text_cells(values, is_num), missing=missing)
        v = np.where(is_num, nums, rest.values)
        status = np.where(is_num, np.where(np.isnan(nums), MISSING, OK), rest.status).astype(
            np.int8
        )
        p = NumberParse(v, status)
    else:
        raw = to_string_array(values)
        enc = pc.dictionary_encode(raw)
        if len(enc.dictionary) < len(raw) // 2:
            # few distinct years: parse the dictionary once, then index it
            d = parse_years(enc.dictionary, missing=missing)
            idx = enc.indices.fill_null(len(enc.dictionary)).to_numpy(zero_copy_only=False)
            vals = np.append(d.values, np.nan)[idx]
            status = np.append(d.status, MISSING).astype(np.int8)[idx]
            return NumberParse(vals, status)
        s = pc.utf8_trim_whitespace(raw)
        split = pc.extract_regex(
            s, pattern=r"^(?:FY|AF|EF)?\s*(?P<a>[0-9]{4})\s*[/-]\s*(?P<b>[0-9]{2}|[0-9]{4})$"
        )
        a = pc.struct_field(split, "a")
        b = pc.struct_field(split, "b")
        end = pc.if_else(
            pc.equal(pc.utf8_length(b), 2),
            pc.binary_join_element_wise(pc.utf8_slice_codeunits(a, 0, 2), b, pa.scalar("", a.type)),
            b,
        )
        s = pc.if_else(pc.is_valid(split), end, s)
        s = pc.replace_substring_regex(s, pattern=r"^(?:FY|AF|EF)\s*([0-9]{4})$", replacement=r"\1")
        p = parse_numbers(s, missing=missing)
    v = p.values
    bad = (p.status == OK) & (np.isnan(v) | (np.floor(np.nan_to_num(v)) != v))
    if bad.any():
        status = p.status.copy()
        status[bad] = INVALID
        v = v.copy()
        v[bad] = np.nan
        return NumberParse(v, status)
    return p


# ------------------------------------------------------------------------------------------
# exact totals
# ------------------------------------------------------------------------------------------

#: Amounts are summed exactly as integer multiples of 2**-FIXED_BITS plus a small residual.
FIXED_BITS = 10
_SCALE = float(2**FIXED_BITS)
#: Above this magnitude a value is summed as a Python integer (exact, slower; never met on
#: budget lines).
_INT64_SAFE = 2.0**52
#: Values summed at a time by :meth:`ExactTotal.of`.
_SLICE = 2**20


@dataclass
class ExactTotal:
    """A sum of amounts that does not depend on how the amounts are split or ordered.

    Each value ``v`` is split into ``round(v * 1024)`` (an integer, summed exactly, in numpy
    int64 halves and then Python integers) and the residual ``v - round(v * 1024) / 1024``
    (below 1/2048 in magnitude, summed with numpy's pairwise float64 sum: off by less than
    1e-9 for a million of them; ``math.fsum`` over a list took 0.18 s a million values where
    ``np.sum`` takes under a millisecond, in every chunk). The integer parts of
    accepted and rejected rows therefore add up to those of all rows read exactly, and the
    total is exact to far below a cent on national budgets (1e13 and more): the float
    pairwise sum it replaces was a few cents off there, and summing per chunk and then
    across chunks could not be checked against the total read.
    """

    units: int = 0
    residual: float = 0.0
    count: int = 0

    @classmethod
    def of(cls, values: np.ndarray) -> ExactTotal:
        """The total of the finite ``values``, summed in slices of a million (the temporary
        arrays stay small, whatever the table)."""
        v = np.asarray(values, dtype="float64")
        out = cls()
        for start in range(0, len(v), _SLICE):
            out = out + cls._of_slice(v[start : start + _SLICE])
        return out

    @classmethod
    def _of_slice(cls, v: np.ndarray) -> ExactTotal:
        v = v[np.isfinite(v)]
        if len(v) == 0:
            return cls()
        count = len(v)
        big = np.abs(v) >= _INT64_SAFE / _SCALE
        units = 0
        if big.any():  # Python integers: exact at any magnitude, no overflow
            units += sum(
                int(x) * 2**FIXED_BITS + round((x - int(x)) * _SCALE) for x in v[big].tolist()
            )
            v = v[~big]
        scaled = np.rint(v * _SCALE)
        ints = scaled.astype(np.int64)
        units += (int((ints >> 32).sum()) << 32) + int((ints & 0xFFFFFFFF).sum())
        # residuals below 1/2048 each: numpy's pairwise sum is off by far less than a cent
        residual = float(np.sum(v - scaled / _SCALE))
        return cls(units, residual, count)

    def __add__(self, other: ExactTotal) -> ExactTotal:
        return ExactTotal(
            self.units + other.units,
            math.fsum([self.residual, other.residual]),
            self.count + other.count,
        )

    @classmethod
    def sum(cls, parts: Iterable[ExactTotal]) -> ExactTotal:
        parts = list(parts)
        return cls(
            sum(p.units for p in parts),
            math.fsum(p.residual for p in parts),
            sum(p.count for p in parts),
        )

    def value(self) -> float:
        """The total as a float (correctly rounded integer part plus the residual)."""
        try:
            return float(self.units / 2**FIXED_BITS + self.residual)
        except OverflowError:  # beyond the largest float
            return math.inf if self.units > 0 else -math.inf  # (the int is too large for copysign)

    def decimal(self) -> Decimal:
        """The total as a :class:`~decimal.Decimal`: the integer part exactly (``units / 1024``)
        plus the residual, so it is right to far below a cent at any magnitude (a float holds
        cents only up to about 9e13)."""
        with localcontext() as ctx:
            ctx.prec = max(
                40, len(str(abs(self.units))) + 20
            )  # exact: units / 1024 ends in 10 digits
            return Decimal(self.units) / Decimal(2**FIXED_BITS) + Decimal(self.residual)

    def matches(self, other: ExactTotal) -> bool:
        """Equal integer parts and residuals within a millionth of a unit."""
        return self.units == other.units and abs(self.residual - other.residual) < 1e-6
