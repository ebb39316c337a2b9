"""The ``econ_gfs`` step of harmonisation: each line's GFS 2014 class from its national code.

:func:`gfs_table` maps the distinct ``econ`` codes of a partition (per country, since the
scheme is per country: ``econ_scheme: {"SLV": "SLV", "MEX": "MEX"}``) to their GFS class with
:func:`peir.econ.to_gfs`; the harmonised rows then take their class through the same sorted
codes as every other text column, so the step costs one small table, not a pass per line. A
country without a scheme gets a missing ``econ_gfs`` (nothing guessed); a code the crosswalk
does not know gets ``"unmapped"``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from peir.econ import SCHEMES, scheme_for, to_gfs
from peir.errors import InputError

__all__ = ["EconScheme", "check_econ_scheme", "gfs_table"]

#: ``econ_scheme`` of :class:`peir.HarmonizeOptions`: one scheme for every country, a mapping
#: country -> scheme (``"*"`` for the others), or ``None`` (no ``econ_gfs``).
EconScheme = str | Mapping[str, str] | None


def check_econ_scheme(value: object) -> str | dict[str, str] | None:
    """The validated ``econ_scheme`` (upper-case names); :class:`peir.InputError` otherwise."""
    if value is None:
        return None
    expected = f"expected one of {', '.join(SCHEMES)} or a mapping country -> scheme"
    if isinstance(value, str):
        if value.upper() not in SCHEMES:
            raise InputError(f"econ_scheme={value!r}: {expected}")
        return value.upper()
    if isinstance(value, Mapping):
        out: dict[str, str] = {}
        for country, scheme in value.items():
            if not isinstance(scheme, str) or scheme.upper() not in SCHEMES:
                raise InputError(f"econ_scheme[{country!r}]={scheme!r}: {expected}")
            out[str(country)] = scheme.upper()
        return out
    raise InputError(f"econ_scheme={value!r}: {expected}")


def gfs_table(
    countries: Sequence[object], codes: Sequence[object], schemes: EconScheme
) -> tuple[list[str], np.ndarray]:
    """GFS classes of every (country level, code level) pair.

    Parameters
    ----------
    countries, codes
        The distinct countries and ``econ`` codes of a partition (their sort levels).
    schemes
        A validated ``econ_scheme``.

    Returns
    -------
    (levels, table)
        ``levels``: the distinct GFS classes found, sorted; ``table``: int32 array of shape
        ``(len(countries) + 1, len(codes) + 1)`` with the index into ``levels`` of each pair,
        -1 where the country has no scheme or the code is missing (the last row and column
        stand for a missing country or code).
    """
    table = np.full((len(countries) + 1, len(codes) + 1), -1, dtype=np.int32)
    if schemes is None or not len(codes):
        return [], table
    per_country: list[list[str | None] | None] = []
    for ctry in countries:
        scheme = scheme_for(str(ctry), schemes)
        per_country.append(None if scheme is None else to_gfs(list(codes), scheme=scheme))
    levels = sorted({g for row in per_country if row is not None for g in row if g is not None})
    index = {g: i for i, g in enumerate(levels)}
    for i, row in enumerate(per_country):
        if row is not None:
            table[i, : len(codes)] = [index[g] if g is not None else -1 for g in row]
    return levels, table
