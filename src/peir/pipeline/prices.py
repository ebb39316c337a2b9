"""Constant prices, currencies and fiscal years (docs/methodology.md §2).

Conventions
-----------
Constant prices
    ``amount_real = amount × D[base_year] / D[year]`` with ``D`` the GDP deflator (default) or
    the CPI (``deflator="cpi"``) of the line's country. Any rescaling of ``D`` (a different
    reference year of the index) cancels out, and rebasing is exact and reversible:
    ``rebase(rebase(x, a → b), b → a) == x`` up to floating-point rounding.
Currencies
    Nominal amounts are converted at the *annual average* rate of their own year,
    ``amount_usd = amount_lcu / fx_lcu_per_usd[year]`` (or ``/ ppp_lcu_per_intl[year]`` for
    PPP international dollars). Constant prices in a foreign currency are obtained by
    *deflating in local currency first, then converting at the base-year rate*::

        amount_real = amount_lcu × D[base] / D[year] / X[base]

    so that real growth is the domestic real growth, unaffected by exchange-rate swings (the
    convention of the World Bank's PER guidance and of the IMF's constant-dollar series).
    Lines already in the target currency need no rate.
Fiscal years
    Context series are calendar-year. A fiscal year that does not start in January is labelled
    by the calendar year in which it *ends* (``FiscalYear(start_month=7, label="end")``: FY2016 =
    July 2015–June 2016) or *starts* (``label="start"``). The context value of a fiscal year is
    the month-weighted average of the calendar years it spans: for FY2016 above,
    ``x = 6/12 · x[2015] + 6/12 · x[2016]``. This is applied to every numeric context series
    (deflator, CPI, rates, population, GDP, government expenditure); a fiscal year whose
    calendar years are not all present gets NaN (a gap).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from peir.errors import InputError, MissingContextError
from peir.schema import C

__all__ = [
    "CONVENTION",
    "DeflatorName",
    "FiscalYear",
    "align_context",
    "deflator_column",
    "price_factors",
    "rebase",
    "rebase_amounts",
    "rebase_index",
]

DeflatorName = Literal["gdp", "cpi"]

#: The price/currency convention, recorded in provenance.
CONVENTION = (
    "amount_real = amount_lcu × D[base_year] / D[year] / X[base_year]; "
    "amount = amount_lcu / X[year]; D = deflator of the line's country, X = LCU per unit of "
    "the output currency (annual average fx, or PPP), 1 when the line is already in it"
)

_NUMERIC_CONTEXT = (
    C.POPULATION,
    C.GDP_LCU,
    C.GDP_DEFLATOR,
    C.CPI,
    C.FX_LCU_PER_USD,
    C.PPP_LCU_PER_INTL,
    C.GOV_EXPENDITURE_LCU,
)


def deflator_column(deflator: str) -> str:
    """Context column of the deflator named ``"gdp"`` or ``"cpi"``."""
    if deflator == "gdp":
        return C.GDP_DEFLATOR
    if deflator == "cpi":
        return C.CPI
    raise InputError(f"deflator={deflator!r}: expected 'gdp' (GDP deflator) or 'cpi'")


@dataclass(frozen=True)
class FiscalYear:
    """How fiscal-year labels map to calendar years.

    Parameters
    ----------
    start_month
        First month of the fiscal year (1 = January: fiscal = calendar year).
    label
        ``"end"``: a fiscal year is labelled by the calendar year in which it ends (US federal
        FY2016 = Oct 2015–Sep 2016 is ``FiscalYear(10, "end")``); ``"start"``: by the year in
        which it starts.

    Examples
    --------
    >>> FiscalYear(7, "end").calendar_weights(2016)
    [(2015, 0.5), (2016, 0.5)]
    >>> FiscalYear(4, "start").calendar_weights(2016)
    [(2016, 0.75), (2017, 0.25)]
    """

    start_month: int = 1
    label: Literal["end", "start"] = "end"

    def __post_init__(self) -> None:
        if not 1 <= int(self.start_month) <= 12:
            raise InputError(f"FiscalYear.start_month={self.start_month!r}: expected 1..12")
        if self.label not in ("end", "start"):
            raise InputError(f"FiscalYear.label={self.label!r}: expected 'end' or 'start'")

    @property
    def is_calendar(self) -> bool:
        return self.start_month == 1

    def calendar_weights(self, fiscal_year: int) -> list[tuple[int, float]]:
        """Calendar years spanned by ``fiscal_year`` and their month weights (sum 1)."""
        if self.is_calendar:
            return [(int(fiscal_year), 1.0)]
        first = int(fiscal_year) - 1 if self.label == "end" else int(fiscal_year)
        m1 = 13 - self.start_month
        return [(first, m1 / 12), (first + 1, (12 - m1) / 12)]

    def describe(self) -> str:
        if self.is_calendar:
            return "calendar year"
        month = pd.Timestamp(2000, self.start_month, 1).strftime("%B")
        return (
            f"fiscal year starting in {month}, labelled by the calendar year in which it "
            f"{'ends' if self.label == 'end' else 'starts'}; context = month-weighted average "
            "of the calendar years spanned"
        )


FiscalYearArg = FiscalYear | Mapping[str, FiscalYear] | None


def _fy_for(country: str, fiscal_year: FiscalYearArg) -> FiscalYear:
    if fiscal_year is None:
        return FiscalYear()
    if isinstance(fiscal_year, FiscalYear):
        return fiscal_year
    fy = fiscal_year.get(country)
    return fy if fy is not None else fiscal_year.get("*", FiscalYear())


def align_context(context: pd.DataFrame, fiscal_year: FiscalYearArg = None) -> pd.DataFrame:
    """Context on fiscal-year labels (see the module docstring for the rule).

    Calendar-year countries are returned unchanged. For the others, every fiscal-year label
    whose calendar years touch the data gets the month-weighted average of each numeric
    series (NaN when one of the calendar years is missing); text columns are taken from the
    calendar year with the larger weight. An optional ``region`` column (sub-national
    population) is aligned per region.
    """
    if context.empty or fiscal_year is None:
        return context
    countries = pd.unique(context[C.COUNTRY].dropna())
    if all(_fy_for(str(c), fiscal_year).is_calendar for c in countries):
        return context
    parts: list[pd.DataFrame] = []
    group_cols = [C.COUNTRY] + ([C.REGION] if C.REGION in context.columns else [])
    for country in countries:
        fy = _fy_for(str(country), fiscal_year)
        sub = context[context[C.COUNTRY] == country]
        if fy.is_calendar:
            parts.append(sub)
            continue
        years = sorted({int(y) for y in sub[C.YEAR].dropna()})
        labels = sorted({lab for y in years for lab in (y, y + 1, y - 1)})
        rows = [
            (lab, cal, w)
            for lab in labels
            for cal, w in fy.calendar_weights(lab)
            if any(c in years for c, _ in fy.calendar_weights(lab))
        ]
        wt = pd.DataFrame(rows, columns=["_label", C.YEAR, "_w"])
        num = [c for c in _NUMERIC_CONTEXT if c in sub.columns]
        keys = ["_label", *[c for c in group_cols if c != C.COUNTRY]]
        # one row per (label, calendar year, region): calendar years absent for a region stay
        # absent, and a value is complete only when the weights of its components sum to 1
        m = sub.merge(wt, on=C.YEAR, how="inner")
        weighted = m.assign(**{c: m[c] * m["_w"] for c in num})
        weighted = weighted.assign(**{f"_w_{c}": m["_w"].where(m[c].notna(), 0.0) for c in num})
        g = weighted.groupby(keys, dropna=False)
        agg = g[num].sum(min_count=1)
        wsum = g[[f"_w_{c}" for c in num]].sum()
        for c in num:
            agg[c] = agg[c].where((wsum[f"_w_{c}"] - 1.0).abs().to_numpy() < 1e-9)
        text_cols = [c for c in sub.columns if c not in num and c not in (C.YEAR, *group_cols)]
        heavy = m.sort_values("_w", ascending=False, kind="stable").drop_duplicates(keys)
        out = agg.join(heavy.set_index(keys)[text_cols]) if text_cols else agg
        out = out.reset_index().rename(columns={"_label": C.YEAR})
        out[C.COUNTRY] = country
        out = out[out[[c for c in num]].notna().any(axis=1)] if num else out
        parts.append(out[[c for c in context.columns if c in out.columns]])
    res = pd.concat(parts, ignore_index=True)
    res[C.YEAR] = res[C.YEAR].astype(np.int64)
    return res


def _national(context: pd.DataFrame) -> pd.DataFrame:
    """Country-level rows of a context table (those without a ``region``)."""
    if C.REGION in context.columns:
        return context[context[C.REGION].isna()]
    return context


def price_factors(
    keys: pd.DataFrame,
    context: pd.DataFrame,
    *,
    base_year: int | None,
    currency: str | None,
    ppp: bool = False,
    deflator: DeflatorName = "gdp",
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Multipliers from nominal local currency to nominal and to real output currency.

    Parameters
    ----------
    keys
        Distinct ``country, year, currency`` of the budget lines (aligned context years).
    context
        Context on the same year labels (see :func:`align_context`).
    base_year, currency, ppp, deflator
        As in :func:`peir.pipeline.harmonize.harmonize`.

    Returns
    -------
    f_nominal, f_real : ndarray
        ``amount = amount_lcu × f_nominal``; ``amount_real = amount_lcu × f_real``
        (``f_real = D[base]/D[year]/X[base]``, all NaN when ``base_year`` is None).
    gaps : DataFrame
        ``country, year, series, needed_for``: one row per context value that was needed and
        missing (the corresponding factors are NaN).
    """
    n = len(keys)
    ctx = _national(context)
    dcol = deflator_column(deflator)
    country = keys[C.COUNTRY].astype("str").to_numpy(dtype=object)
    year = pd.to_numeric(keys[C.YEAR]).to_numpy(dtype=np.int64)
    line_cur = (
        keys[C.CURRENCY].astype("str").to_numpy(dtype=object)
        if C.CURRENCY in keys
        else np.full(n, None)
    )

    def lookup(col: str, yrs: np.ndarray) -> np.ndarray:
        if ctx.empty or col not in ctx.columns:
            return np.full(n, np.nan)
        table = ctx[[C.COUNTRY, C.YEAR, col]].dropna(subset=[col])
        table = table.drop_duplicates([C.COUNTRY, C.YEAR], keep="last")
        idx = pd.MultiIndex.from_arrays(
            [table[C.COUNTRY].astype("str"), table[C.YEAR].astype(np.int64)]
        )
        s = pd.Series(table[col].to_numpy(dtype=float), index=idx)
        probe = pd.MultiIndex.from_arrays(
            [pd.Index(country, dtype="str"), pd.Index(yrs, dtype=np.int64)]
        )
        return s.reindex(probe).to_numpy(dtype=float)

    gap_rows: list[tuple[str, int, str, str]] = []

    def note(mask: np.ndarray, yrs: np.ndarray, series: str, purpose: str) -> None:
        for i in np.flatnonzero(mask):
            gap_rows.append((str(country[i]), int(yrs[i]), series, purpose))

    # conversion
    if currency is None and not ppp:
        x_year = np.ones(n)
        x_base = np.ones(n)
        need_x = np.zeros(n, dtype=bool)
    else:
        target = "INT$" if ppp and currency is None else str(currency)
        if not ppp and target != "USD":
            same = line_cur == target
            if not same.all():
                raise InputError(
                    f"currency={currency!r}: only 'USD' (annual average rate) or PPP "
                    "(ppp=True) conversions are available, or the lines' own currency"
                )
        xcol = C.PPP_LCU_PER_INTL if ppp else C.FX_LCU_PER_USD
        need_x = line_cur != target if not ppp else np.ones(n, dtype=bool)
        x_year = np.where(need_x, lookup(xcol, year), 1.0)
        note(need_x & np.isnan(x_year), year, xcol, f"conversion to {target}")
        if base_year is not None:
            by = np.full(n, int(base_year), dtype=np.int64)
            x_base = np.where(need_x, lookup(xcol, by), 1.0)
            note(need_x & np.isnan(x_base), by, xcol, f"constant {base_year} prices in {target}")
        else:
            x_base = np.full(n, np.nan)
    f_nom = 1.0 / x_year
    if base_year is None:
        f_real = np.full(n, np.nan)
    else:
        by = np.full(n, int(base_year), dtype=np.int64)
        d_year = lookup(dcol, year)
        d_base = lookup(dcol, by)
        note(np.isnan(d_year), year, dcol, f"constant {base_year} prices")
        note(np.isnan(d_base), by, dcol, f"constant {base_year} prices (base year)")
        f_real = d_base / d_year / x_base
    gaps = pd.DataFrame(gap_rows, columns=[C.COUNTRY, C.YEAR, "series", "needed_for"])
    gaps = gaps.drop_duplicates().sort_values([C.COUNTRY, C.YEAR, "series"]).reset_index(drop=True)
    gaps[C.YEAR] = gaps[C.YEAR].astype(np.int64)
    return f_nom, f_real, gaps


def rebase_index(index: pd.Series, base_year: int) -> pd.Series:
    """Rescale a price index (indexed by year) so that ``index[base_year] == 100``."""
    if base_year not in index.index or pd.isna(index.loc[base_year]):
        raise InputError(f"the index has no value for base year {base_year}")
    return index / float(index.loc[base_year]) * 100.0


def rebase(
    amount: pd.Series | np.ndarray | float,
    *,
    from_year: int,
    to_year: int,
    deflator: pd.Series,
    fx: pd.Series | None = None,
) -> pd.Series | np.ndarray | float:
    """Move constant-price amounts from ``from_year`` prices to ``to_year`` prices.

    ``x_to = x_from × D[to] / D[from] × X[from] / X[to]``, where ``X`` (the rate used for the
    base-year conversion, LCU per unit of output currency) is 1 when ``fx`` is None (local
    currency). Exact and reversible: ``rebase(rebase(x, a→b), b→a) = x`` to rounding.

    Parameters
    ----------
    amount
        Amounts in constant ``from_year`` prices.
    deflator
        The deflator series (indexed by year) the amounts were deflated with.
    fx
        Optional conversion factor series (indexed by year), as used in the base-year
        conversion.
    """
    for y in (from_year, to_year):
        if y not in deflator.index or pd.isna(deflator.loc[y]):
            raise InputError(f"rebase: the deflator has no value for {y}")
        if fx is not None and (y not in fx.index or pd.isna(fx.loc[y])):
            raise InputError(f"rebase: the conversion rate has no value for {y}")
    factor = float(deflator.loc[to_year]) / float(deflator.loc[from_year])
    if fx is not None:
        factor *= float(fx.loc[from_year]) / float(fx.loc[to_year])
    return amount * factor


def rebase_amounts(
    spending: pd.DataFrame,
    context: pd.DataFrame,
    *,
    from_year: int,
    to_year: int,
    deflator: DeflatorName = "gdp",
    conversion: str | None = None,
    column: str = C.AMOUNT_REAL,
    converted: pd.Series | None = None,
) -> pd.Series:
    """Constant ``from_year`` amounts of a spending table in constant ``to_year`` prices.

    Per country: ``x_to = x_from × D[to] / D[from] × X[from] / X[to]`` (see :func:`rebase`),
    with ``X`` the ``conversion`` column of the context (``fx_lcu_per_usd`` or
    ``ppp_lcu_per_intl``) or 1 when amounts are in local currency — and 1 for a country none
    of whose rows were converted (``converted``, e.g. a dollarised economy reported in USD),
    whose rates are then not needed. Exact and reversible.

    Raises
    ------
    peir.MissingContextError
        When a country has no deflator (or rate) for one of the two years.
    """
    ctx = _national(context)
    dcol = deflator_column(deflator)
    countries = pd.unique(spending[C.COUNTRY].dropna())
    factors: dict[str, float] = {}
    missing: list[str] = []
    for country in countries:
        sub = ctx[ctx[C.COUNTRY] == country].drop_duplicates(C.YEAR, keep="last").set_index(C.YEAR)
        vals: list[float] = []
        needs_x = conversion is not None and (
            converted is None or bool(converted[spending[C.COUNTRY] == country].any())
        )
        for col in [dcol] + ([conversion] if needs_x and conversion else []):
            for y in (from_year, to_year):
                v = sub[col].get(y, np.nan) if col in sub.columns else np.nan
                if pd.isna(v):
                    missing.append(f"{country} {y}: no {col}")
                vals.append(float(v))
        f = vals[1] / vals[0]
        if len(vals) == 4:
            f *= vals[2] / vals[3]
        factors[str(country)] = f
    if missing:
        raise MissingContextError("cannot rebase: " + "; ".join(missing[:10]))
    fac = spending[C.COUNTRY].astype("str").map(factors).to_numpy(dtype=float)
    return pd.Series(
        spending[column].to_numpy(dtype=float) * fac, index=spending.index, name=column
    )
