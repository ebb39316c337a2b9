"""Projection assumptions taken from the country's own recent past, labelled as such.

Without a forecast at hand (a medium-term fiscal framework, IMF WEO projections), a baseline
can assume that prices and the economy keep growing as they did over the last few years.
:func:`from_history` computes those rates from the context table and says so in each source:

- inflation ``π = (D_y1 / D_y0)^(1/k) − 1`` with ``D`` the GDP deflator (the CPI when the
  context has no deflator) and ``k = y1 − y0`` years;
- real GDP growth ``g = ((GDP_y1 / GDP_y0) / (D_y1 / D_y0))^(1/k) − 1``.

These are averages of the past, not forecasts; the assumptions table of the projection shows
them with this label.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from peir.errors import MissingContextError
from peir.schema import C

if TYPE_CHECKING:  # pragma: no cover
    from peir.dataset import HarmonizedDataset

__all__ = ["History", "from_history"]


@dataclass(frozen=True)
class History:
    """Average inflation and real GDP growth over ``first``–``last`` (see :func:`from_history`)."""

    inflation: float
    gdp_real_growth: float
    first: int
    last: int
    price_index: str
    sources: dict[str, str]

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`peir.outlook.project` (rates and their sources)."""
        return {
            "inflation": self.inflation,
            "gdp_real_growth": self.gdp_real_growth,
            "sources": dict(self.sources),
        }


def from_history(
    h: HarmonizedDataset, *, country: str, through: int, years: int = 5, shorter: bool = True
) -> History:
    """Average annual inflation and real GDP growth of ``country`` over the ``years`` years
    ending in ``through`` (formulas in the module docstring).

    With ``shorter=True`` a context that does not reach back ``years`` years gives the average
    over the years it has (at least one); :attr:`History.first` says where it starts.

    Raises
    ------
    MissingContextError
        When the context lacks GDP or a price index for ``through`` or for the start year
        (``through - years``, or with ``shorter`` every earlier year).
    """
    ctx = h.context
    if ctx is None or ctx.empty:
        raise MissingContextError(f"the harmonised data has no context for {country}")
    rows = ctx[ctx[C.COUNTRY].astype(str) == country]
    if C.REGION in rows.columns:
        rows = rows[rows[C.REGION].isna()]
    rows = rows.assign(**{C.YEAR: pd.to_numeric(rows[C.YEAR]).astype(int)}).drop_duplicates(
        C.YEAR, keep="last"
    )
    rows = rows.set_index(C.YEAR)
    y1 = int(through)
    gdp = (
        pd.to_numeric(rows[C.GDP_LCU], errors="coerce")
        if C.GDP_LCU in rows.columns
        else pd.Series(dtype=float)
    )

    def usable(col: str, y: int) -> bool:
        if col not in rows.columns:
            return False
        v = float(pd.to_numeric(rows[col], errors="coerce").get(y, np.nan))
        g = float(gdp.get(y, np.nan))
        return bool(np.isfinite(v) and v > 0 and np.isfinite(g) and g > 0)

    starts = [y1 - k for k in range(int(years), 0, -1)] if shorter else [y1 - int(years)]
    found = next(
        (
            (col, y)
            for y in starts
            for col in (C.GDP_DEFLATOR, C.CPI)
            if usable(col, y) and usable(col, y1)
        ),
        None,
    )
    if found is None:
        y0 = y1 - int(years)
        raise MissingContextError(
            f"the context of {country} lacks GDP ({C.GDP_LCU}) or a price index ({C.GDP_DEFLATOR}, "
            f"{C.CPI}) for {y0} or {y1}, needed to average {y0 + 1}–{y1}"
        )
    index, y0 = found
    d = pd.to_numeric(rows[index], errors="coerce")
    k = y1 - y0
    price_ratio = float(d[y1] / d[y0])
    pi = price_ratio ** (1.0 / k) - 1.0
    g = (float(gdp[y1] / gdp[y0]) / price_ratio) ** (1.0 / k) - 1.0
    name = "GDP deflator" if index == C.GDP_DEFLATOR else "CPI"
    label = f"average of {y0 + 1}–{y1} in the context table (as cited there), not a forecast"
    sources = {
        "inflation": f"{name} growth, {label}",
        "gdp_real_growth": f"real GDP growth (local-currency GDP deflated by the {name}), {label}",
    }
    return History(
        inflation=pi, gdp_real_growth=g, first=y0 + 1, last=y1, price_index=index, sources=sources
    )
