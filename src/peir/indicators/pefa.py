"""PEFA 2016 budget credibility: PI-1 aggregate outturn, PI-2 composition and contingency.

Follows the PEFA Framework for assessing public financial management (PEFA Secretariat, 2016)
and the calculation method of its PI-1/PI-2 spreadsheet:

- **PI-1** aggregate expenditure outturn = actual ÷ original approved budget × 100 for each of
  the last three completed fiscal years. A: 95–105 % in at least two of the last three years;
  B: 90–110 %; C: 85–115 %; D otherwise.
- **PI-2.1 / PI-2.2** expenditure composition outturn by function or administrative head (2.1,
  excluding contingency and interest) or by economic type (2.2). For each year,
  ``adjusted_i = budget_i × Σactual ÷ Σbudget`` and
  ``variance = Σ|actual_i − adjusted_i| ÷ Σadjusted_i × 100``. A < 5 %, B < 10 %, C < 15 % in
  at least two of the last three years; D otherwise. Administrative heads: the 20 largest,
  the rest combined into one line.
- **PI-2.3** expenditure from contingency reserves: average actual expenditure charged to the
  contingency vote ÷ original budget × 100. A < 3 %, B ≤ 6 %, C < 10 %, D otherwise.

The functions work on any set of heads: the whole budget or only the security and justice
institutions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd

from peir._results import Result, Summary
from peir.errors import InputError
from peir.schema import C

if TYPE_CHECKING:  # pragma: no cover
    from peir.dataset import HarmonizedDataset

__all__ = [
    "OTHER_HEADS",
    "PEFAResult",
    "composition_variance",
    "from_harmonized",
    "pi1",
    "pi2",
    "score_pi1",
    "score_pi2",
    "score_pi2_3",
]

Score = Literal["A", "B", "C", "D", "NR"]

#: Label of the line that combines the heads beyond the 20 largest.
OTHER_HEADS = "other heads (combined)"

_PI1_BANDS: tuple[tuple[str, float, float], ...] = (
    ("A", 95.0, 105.0),
    ("B", 90.0, 110.0),
    ("C", 85.0, 115.0),
)
#: Tolerance at the score boundaries, so that 110 / 100 × 100 = 110.00000000000001 counts as 110.
_EPS = 1e-9
_PI2_LIMITS: tuple[tuple[str, float], ...] = (("A", 5.0), ("B", 10.0), ("C", 15.0))

_TITLES = {
    "PI-1": "PI-1 Aggregate expenditure outturn",
    "PI-2.1": "PI-2.1 Expenditure composition outturn by function or administrative head",
    "PI-2.2": "PI-2.2 Expenditure composition outturn by economic type",
    "PI-2.3": "PI-2.3 Expenditure from contingency reserves",
}


@dataclass(frozen=True, repr=False, eq=False)
class PEFAResult(Result):
    """The result of a PEFA 2016 indicator (or dimension) calculation.

    Read-only, like every peir result (:class:`peir._results.Result`): ``summary()`` is a
    :class:`peir._results.Summary`, ``to_frame()`` one row per year, ``str()`` the summary's
    text and, in a notebook, its HTML.

    Attributes
    ----------
    indicator
        ``"PI-1"``, ``"PI-2.1"``, ``"PI-2.2"`` or ``"PI-2.3"``.
    values
        The per-year figure in percent: outturn (PI-1), composition variance (PI-2.1/2.2) or
        contingency share (PI-2.3); indexed by fiscal year.
    score
        ``"A"``–``"D"``; ``"NR"`` (not rated) when fewer than two years have data.
    years
        The years the score is based on (the last three with data).
    detail
        For PI-2: the long table of heads × years with budget, actual, adjusted and the
        absolute deviation; empty for PI-1.
    """

    indicator: str
    values: pd.Series
    score: Score
    years: list[int]
    explanation: str
    detail: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def outturn(self) -> pd.Series:
        """PI-1: actual ÷ approved × 100 per year."""
        if self.indicator != "PI-1":
            raise AttributeError(f"{self.indicator} has no outturn; use .values")
        return self.values

    @property
    def composition_variance(self) -> pd.Series:
        """PI-2.1 / PI-2.2: composition variance (%) per year."""
        if self.indicator not in ("PI-2.1", "PI-2.2"):
            raise AttributeError(f"{self.indicator} has no composition variance; use .values")
        return self.values

    @property
    def contingency_share(self) -> pd.Series:
        """PI-2.3: actual charged to contingency ÷ original budget × 100 per year."""
        if self.indicator != "PI-2.3":
            raise AttributeError(f"{self.indicator} has no contingency share; use .values")
        return self.values

    def summary(self) -> Summary:
        """The score, the years it rests on, the per-year figures and the explanation."""
        title = _TITLES.get(self.indicator, self.indicator)
        header = [
            ("Indicator", self.indicator),
            ("Score", str(self.score)),
            ("Years scored", ", ".join(str(y) for y in self.years) or "none"),
        ]
        table = self.to_frame().set_index("year")[["value", "used_for_score"]]
        table = table.rename(columns={"value": "value (%)"})
        return Summary(
            f"PEFA 2016 {title}", header, table, notes=[self.explanation], float_format=".1f"
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per year: indicator, year, value (%), used_for_score, and the score."""
        df = pd.DataFrame(
            {
                "indicator": self.indicator,
                "year": self.values.index.astype(int),
                "value": self.values.to_numpy(dtype="float64"),
            }
        )
        df["used_for_score"] = df["year"].isin(self.years)
        df["score"] = self.score
        return df

    #: the per-year rows are the summary's table already
    HTML_ROWS: ClassVar[int] = 0


def _last_years(values: pd.Series, n: int = 3) -> list[int]:
    have = values.dropna()
    return [int(y) for y in sorted(have.index)[-n:]]


def _years_within(vals: pd.Series, lo: float, hi: float) -> int:
    """How many of ``vals`` lie within ``lo``–``hi`` (bounds inclusive): the PI-1 band test."""
    return int(((vals >= lo - _EPS) & (vals <= hi + _EPS)).sum())


def _years_below(vals: pd.Series, limit: float) -> int:
    """How many of ``vals`` lie strictly below ``limit``: the PI-2.1/2.2 threshold test."""
    return int((vals < limit - _EPS).sum())


def score_pi1(outturn: pd.Series) -> tuple[Score, list[int]]:
    """Score PI-1 from outturn percentages by year: the band met in at least two of the last
    three years (bounds inclusive)."""
    years = _last_years(outturn)
    if len(years) < 2:
        return "NR", years
    vals = outturn.loc[years]
    for letter, lo, hi in _PI1_BANDS:
        if _years_within(vals, lo, hi) >= 2:
            return letter, years  # type: ignore[return-value]
    return "D", years


def score_pi2(variance: pd.Series) -> tuple[Score, list[int]]:
    """Score PI-2.1/2.2 from composition variances by year: the limit met (strictly below) in
    at least two of the last three years."""
    years = _last_years(variance)
    if len(years) < 2:
        return "NR", years
    vals = variance.loc[years]
    for letter, limit in _PI2_LIMITS:
        if _years_below(vals, limit) >= 2:
            return letter, years  # type: ignore[return-value]
    return "D", years


def score_pi2_3(share: pd.Series) -> tuple[Score, list[int], float]:
    """Score PI-2.3 from the average contingency share of the last three years:
    A < 3 %, B ≤ 6 %, C < 10 %, D otherwise."""
    years = _last_years(share)
    if not years:
        return "NR", years, float("nan")
    avg = float(share.loc[years].mean())
    if avg < 3.0 - _EPS:
        return "A", years, avg
    if avg <= 6.0 + _EPS:
        return "B", years, avg
    if avg < 10.0 - _EPS:
        return "C", years, avg
    return "D", years, avg


def _as_series(x: Any, name: str) -> pd.Series:
    if isinstance(x, pd.DataFrame):
        if x.shape[1] != 1:
            raise InputError(
                f"{name} must be a Series indexed by fiscal year (got {x.shape[1]} columns)"
            )
        x = x.iloc[:, 0]
    if not isinstance(x, pd.Series):
        raise InputError(f"{name} must be a pandas Series indexed by fiscal year")
    return x.astype("float64")


def _percent_by_year(num: pd.Series, den: pd.Series, name: str) -> pd.Series:
    """``num ÷ den × 100`` sorted by year; NaN where ``den`` is 0 or either side is missing."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (num / den.where(den != 0) * 100.0).sort_index()
    out = out.where(np.isfinite(out))
    out.name = name
    out.index.name = "year"
    return out


def _fmt_years(values: pd.Series, years: list[int]) -> str:
    return ", ".join(f"{values.loc[y]:.1f} % in {y}" for y in years)


def pi1(approved: pd.Series, executed: pd.Series) -> PEFAResult:
    """PEFA 2016 PI-1 aggregate expenditure outturn.

    ``outturn = executed ÷ approved × 100`` per fiscal year. Score A when the outturn is between
    95 % and 105 % in at least two of the last three years; B 90–110 %; C 85–115 %; else D.

    Parameters
    ----------
    approved, executed
        Aggregate expenditure by fiscal year (Series indexed by year): the original approved
        budget and the actual outturn.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pi1(pd.Series({2023: 650.0}), pd.Series({2023: 675.0}))
    >>> round(float(r.outturn[2023]), 1)
    103.8
    """
    a = _as_series(approved, "approved")
    e = _as_series(executed, "executed")
    a, e = a.align(e, join="outer")
    out = _percent_by_year(e, a, "outturn")
    score, years = score_pi1(out)
    text = _explain_pi1(out, score, years)
    return PEFAResult("PI-1", out, score, years, text)


def _explain_pi1(out: pd.Series, score: Score, years: list[int]) -> str:
    head = f"{_TITLES['PI-1']}: score {score}. "
    if score == "NR":
        return head + (
            "Not rated: PEFA needs the outturn of the last three completed years and fewer than "
            "two years have both an approved budget and an actual outturn."
        )
    parts = [f"Actual expenditure was {_fmt_years(out, years)} of the approved budget."]
    vals = out.loc[years]
    for letter, lo, hi in _PI1_BANDS:
        k = _years_within(vals, lo, hi)
        parts.append(f"{k} of {len(years)} years within {lo:g}–{hi:g} % ({letter} requires two).")
        if letter == score:
            break
    if score == "D":
        parts.append("No band is met in two of the last three years, hence D.")
    if len(years) < 3:
        parts.append(f"Only {len(years)} years with data: PEFA asks for three.")
    return head + " ".join(parts)


def composition_variance(budget: pd.Series, actual: pd.Series) -> float:
    """Composition variance (%) for one year, PEFA 2016 PI-2 spreadsheet method.

    ``adjusted_i = budget_i × Σactual ÷ Σbudget``;
    ``variance = Σ|actual_i − adjusted_i| ÷ Σadjusted_i × 100``.
    Heads missing on one side count as 0 there. NaN when the total budget is 0.
    """
    b, a = budget.astype("float64").align(actual.astype("float64"), join="outer", fill_value=0.0)
    b = b.fillna(0.0)
    a = a.fillna(0.0)
    tb, ta = float(b.sum()), float(a.sum())
    if tb == 0 or ta == 0 or not np.isfinite(tb + ta):
        return float("nan")
    adjusted = b * ta / tb
    return float((a - adjusted).abs().sum() / adjusted.sum() * 100.0)


def _combine_heads(
    approved: pd.DataFrame, executed: pd.DataFrame, max_heads: int | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    cols = list(dict.fromkeys([*approved.columns, *executed.columns]))
    approved = approved.reindex(columns=cols)
    executed = executed.reindex(columns=cols)
    if max_heads is None or len(cols) <= max_heads:
        return approved, executed
    size = approved.fillna(0.0).sum(axis=0).sort_values(ascending=False, kind="stable")
    keep = list(size.index[:max_heads])
    rest = [c for c in cols if c not in keep]

    def fold(df: pd.DataFrame) -> pd.DataFrame:
        out = df[keep].copy()
        out[OTHER_HEADS] = df[rest].sum(axis=1, min_count=1)
        return out

    return fold(approved), fold(executed)


def pi2(
    approved: pd.DataFrame,
    executed: pd.DataFrame,
    *,
    contingency: str | pd.Series | None = None,
    dimension: str = "2.1",
    max_heads: int | None = 20,
) -> PEFAResult:
    """PEFA 2016 PI-2 expenditure composition outturn (dimensions 2.1, 2.2) or contingency (2.3).

    For each year: ``adjusted_i = budget_i × Σactual ÷ Σbudget`` and composition variance
    ``= Σ|actual_i − adjusted_i| ÷ Σadjusted_i × 100`` (PEFA spreadsheet method). Score A when
    the variance is below 5 % in at least two of the last three years; B below 10 %; C below
    15 %; else D. Dimension 2.3: average actual expenditure charged to contingency ÷ original
    budget × 100; A < 3 %, B ≤ 6 %, C < 10 %, else D.

    Parameters
    ----------
    approved, executed
        DataFrames indexed by fiscal year, one column per head (function, administrative unit
        or economic type). Missing heads count as 0.
    contingency
        The contingency vote: a column name of ``approved``/``executed`` (excluded from the
        heads for 2.1/2.2; for 2.3 its executed amount is the actual charged to contingency) or
        a Series by year of the actual expenditure charged to contingency (for 2.3).
    dimension
        ``"2.1"`` (function or administrative heads), ``"2.2"`` (economic type) or ``"2.3"``.
    max_heads
        Administrative-heads rule for 2.1: the ``max_heads`` largest heads by approved budget
        (summed over the years given) are kept, the rest combined into one line
        (:data:`OTHER_HEADS`). ``None`` keeps all heads.

    Examples
    --------
    >>> import pandas as pd
    >>> b = pd.DataFrame(
    ...     {"PNC": [300.0], "FGR": [45.0], "OJ": [250.0], "DGCP": [50.0]}, index=[2023]
    ... )
    >>> a = pd.DataFrame(
    ...     {"PNC": [320.0], "FGR": [40.0], "OJ": [245.0], "DGCP": [70.0]}, index=[2023]
    ... )
    >>> round(float(pi2(b, a).composition_variance[2023]), 1)
    7.0
    """
    if not isinstance(approved, pd.DataFrame) or not isinstance(executed, pd.DataFrame):
        raise InputError(
            "approved and executed must be DataFrames indexed by year, one column per head"
        )
    dim = dimension.replace("PI-", "").strip()
    if dim not in ("2.1", "2.2", "2.3"):
        raise InputError(f"dimension must be '2.1', '2.2' or '2.3', got {dimension!r}")
    approved = approved.astype("float64")
    executed = executed.astype("float64")
    if dim == "2.3":
        return _pi2_3(approved, executed, contingency)
    if isinstance(contingency, str):
        approved = approved.drop(columns=[contingency], errors="ignore")
        executed = executed.drop(columns=[contingency], errors="ignore")
    a, e = _combine_heads(approved, executed, max_heads if dim == "2.1" else None)
    years = sorted(set(a.index) | set(e.index))
    a = a.reindex(years)
    e = e.reindex(years)
    values: dict[int, float] = {}
    rows = []
    for y in years:
        ay, ey = a.loc[y], e.loc[y]
        if ay.isna().all() or ey.isna().all():
            values[int(y)] = float("nan")
            continue
        values[int(y)] = composition_variance(ay, ey)
        b_, x_ = ay.fillna(0.0), ey.fillna(0.0)
        tb = float(b_.sum())
        adj = b_ * float(x_.sum()) / tb if tb else b_ * np.nan
        rows.append(
            pd.DataFrame(
                {
                    "year": int(y),
                    "head": b_.index.astype(str),
                    "budget": b_.to_numpy(),
                    "actual": x_.to_numpy(),
                    "adjusted": adj.to_numpy(),
                    "abs_deviation": (x_ - adj).abs().to_numpy(),
                }
            )
        )
    var = pd.Series(values, name="composition_variance", dtype="float64").sort_index()
    var.index.name = "year"
    score, used = score_pi2(var)
    ind = f"PI-{dim}"
    text = _explain_pi2(ind, var, score, used, n_heads=a.shape[1], folded=OTHER_HEADS in a.columns)
    detail = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    return PEFAResult(ind, var, score, used, text, detail)


def _explain_pi2(
    ind: str, var: pd.Series, score: Score, years: list[int], *, n_heads: int, folded: bool
) -> str:
    head = f"{_TITLES[ind]}: score {score}. "
    if score == "NR":
        return head + "Not rated: fewer than two years have both budget and actual by head."
    what = "heads" if ind == "PI-2.1" else "economic categories"
    parts = [
        f"Composition variance over {n_heads} {what}"
        + (" (the 20 largest, the rest combined)" if folded else "")
        + f" was {_fmt_years(var, years)}."
    ]
    vals = var.loc[years]
    for letter, limit in _PI2_LIMITS:
        k = _years_below(vals, limit)
        parts.append(f"{k} of {len(years)} years below {limit:g} % ({letter} requires two).")
        if letter == score:
            break
    if score == "D":
        parts.append("No threshold is met in two of the last three years, hence D.")
    return head + " ".join(parts)


def _pi2_3(
    approved: pd.DataFrame, executed: pd.DataFrame, contingency: str | pd.Series | None
) -> PEFAResult:
    if contingency is None:
        raise InputError(
            "PI-2.3 needs the contingency: a column name of the budget frames or a Series of "
            "actual expenditure charged to contingency by year"
        )
    if isinstance(contingency, str):
        if contingency not in executed.columns:
            raise InputError(f"contingency column {contingency!r} is not in the executed frame")
        charged = executed[contingency]
    else:
        charged = contingency.astype("float64")
    budget = approved.sum(axis=1, min_count=1)
    charged, budget = charged.align(budget, join="outer")
    sh = _percent_by_year(charged, budget, "contingency_share")
    score, years, avg = score_pi2_3(sh)
    head = f"{_TITLES['PI-2.3']}: score {score}. "
    if score == "NR":
        text = head + "Not rated: no year has both the original budget and the contingency charges."
    else:
        text = head + (
            f"Expenditure charged to contingency was {_fmt_years(sh, years)} of the original "
            "budget, "
            f"{avg:.1f} % on average (A < 3 %, B ≤ 6 %, C < 10 %)."
        )
    return PEFAResult("PI-2.3", sh, score, years, text)


def from_harmonized(
    h: HarmonizedDataset,
    *,
    country: str,
    by: Literal["institution", "econ"] = "institution",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build PI-1/PI-2 inputs from harmonised spending: ``(approved, executed)`` frames.

    Sums the nominal local-currency amounts of phases ``approved`` and ``executed`` for
    ``country`` by year and head (``institution_code`` or ``econ``); link shares of one
    budget line add back to the line, so splitting across links does not change the totals.
    For PI-1 use ``approved.sum(axis=1)`` and ``executed.sum(axis=1)``.
    """
    col = {"institution": C.INSTITUTION_CODE, "econ": C.ECON}.get(by)
    if col is None:
        raise InputError(f"by must be 'institution' or 'econ', got {by!r}")
    s = h.spending
    s = s[s[C.COUNTRY] == country]
    amount = C.AMOUNT_LCU if C.AMOUNT_LCU in s.columns else C.AMOUNT
    out = []
    for phase in ("approved", "executed"):
        p = s[s[C.PHASE].astype(str) == phase]
        wide = p.pivot_table(index=C.YEAR, columns=col, values=amount, aggfunc="sum", observed=True)
        wide.columns = wide.columns.astype(str)
        wide.columns.name = col
        wide.index = wide.index.astype(int)
        out.append(wide.astype("float64"))
    return out[0], out[1]
