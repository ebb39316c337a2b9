"""Economic composition through ``econ_gfs``: GFS classes, capital and recurrent spending.

Harmonised spending carries each line's GFS 2014 class in ``econ_gfs`` when the budget's
national classification is known (:func:`peir.econ.to_gfs`; ``econ_scheme``). The aggregates
of :func:`econ_totals`, per country-year (and per link):

- ``econ_<class>`` (``econ_21`` ... ``econ_28``, ``econ_31``, ``econ_32``, ``econ_33``): spending of
  the level phase in that class; 0 when the country-year has classified lines but none of the
  class, NaN when it has no ``econ_gfs`` at all (no scheme: nothing is guessed);
- ``econ_recurrent``: expense, GFS 2 (classes 21-28 and expense of unsettled class ``"2"``);
- ``econ_unclassified``: spending without a two-digit class (``"2"``, ``"unmapped"``, no code);
- ``capital_modified``, ``capital_executed``: GFS 31 spending in the modified and executed phases.

Indicators: the recurrent-to-capital ratio, capital execution and the unclassified share
(the wage bill, goods and services and capital shares stay in :mod:`peir.indicators.expenditure`).
"""

from __future__ import annotations

from functools import partial

import pandas as pd

from peir.econ import EXPENSE_UNCLASSIFIED
from peir.indicators import formulas as F
from peir.indicators._base import Indicator, make_indicator
from peir.schema import C

__all__ = ["ECON_CODES", "ECON_COLUMNS", "INDICATORS", "econ_split", "econ_totals"]

#: Aggregate column -> GFS 2014 class.
ECON_CODES: dict[str, str] = {
    f"econ_{c}": c for c in ("21", "22", "23", "24", "25", "26", "27", "28", "31", "32", "33")
}

#: Every column :func:`econ_totals` adds.
ECON_COLUMNS: tuple[str, ...] = (
    *ECON_CODES,
    "econ_recurrent",
    "econ_unclassified",
    "capital_modified",
    "capital_executed",
)


def econ_totals(level: pd.DataFrame, spending: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Economic aggregates by ``by`` (see the module docstring).

    Parameters
    ----------
    level
        Spending rows of the level phase (executed, else approved), with ``amount``.
    spending
        All spending rows (for the capital totals by phase).
    by
        Grouping columns (country, year and optionally link).
    """
    keys = [level[k] for k in by]
    out = pd.DataFrame(index=level.groupby(keys, observed=True).size().index)
    gfs = (
        level[C.ECON_GFS].astype("object")
        if C.ECON_GFS in level.columns
        else pd.Series(None, index=level.index, dtype="object")
    )
    has = gfs.notna()
    amount = level[C.AMOUNT]
    # a group with no econ_gfs at all has no composition (NaN), never a 0
    known = has.groupby(keys, observed=True).any().reindex(out.index, fill_value=False)

    def total(mask: pd.Series) -> pd.Series:
        v = amount.where(mask & has).groupby(keys, observed=True).sum(min_count=1)
        return v.reindex(out.index).fillna(0.0).where(known)

    text = gfs.where(has, "").astype(str)
    for col, code in ECON_CODES.items():
        out[col] = total(text == code)
    out["econ_recurrent"] = total(text.str.startswith("2"))
    everything = amount.groupby(keys, observed=True).sum(min_count=1).reindex(out.index)
    out["econ_unclassified"] = (everything - total(text.isin(list(ECON_CODES.values())))).where(
        known
    )
    sg = (
        spending[C.ECON_GFS].astype("object")
        if C.ECON_GFS in spending.columns
        else pd.Series(None, index=spending.index, dtype="object")
    )
    for phase in ("modified", "executed"):
        rows = spending[(spending[C.PHASE] == phase) & sg.notna()]
        rkeys = [rows[k] for k in by]
        seen = rows.groupby(rkeys, observed=True).size().reindex(out.index).notna()
        v = (
            rows[C.AMOUNT]
            .where(sg[rows.index] == "31")
            .groupby(rkeys, observed=True)
            .sum(min_count=1)
        )
        out[f"capital_{phase}"] = v.reindex(out.index).fillna(0.0).where(seen)
    return out


_e = partial(make_indicator, phase_note=True)

_RECURRENT = (
    "Recurrent spending (GFS expense, classes 21-28) per unit of capital spending (GFS 31) of the "
    "same year: how much running cost accompanies investment. Shown where both are present; a "
    "year without capital spending has no ratio."
)

INDICATORS: list[Indicator] = [
    _e(
        "capital_exec_rate",
        "Capital execution rate",
        "Tasa de ejecución del gasto de capital",
        "%",
        "executed[GFS 31] ÷ modified[GFS 31] × 100",
        "Execution of the modified capital budget (net acquisition of nonfinancial assets, GFS "
        "31); investment typically executes less than wages.",
        ("capital_executed", "capital_modified"),
        lambda d: F.execution_rate(d["capital_executed"], d["capital_modified"]),
        phase_note=False,
    ),
    _e(
        "capital_exec_rate_link",
        "Capital execution rate by link",
        "Tasa de ejecución del gasto de capital por eslabón",
        "%",
        "executed[link, GFS 31] ÷ modified[link, GFS 31] × 100",
        "Execution of the modified capital budget on each link of the chain.",
        ("capital_executed", "capital_modified"),
        lambda d: F.execution_rate(d["capital_executed"], d["capital_modified"]),
        frame="link",
        phase_note=False,
    ),
    _e(
        "recurrent_per_capital",
        "Recurrent spending per unit of capital",
        "Gasto corriente por unidad de gasto de capital",
        "ratio",
        "Σ amount[GFS 2: 21-28] ÷ Σ amount[GFS 31]",
        _RECURRENT,
        ("econ_recurrent", "econ_31"),
        lambda d: F.ratio(d["econ_recurrent"], d["econ_31"]),
    ),
    _e(
        "recurrent_per_capital_link",
        "Recurrent spending per unit of capital by link",
        "Gasto corriente por unidad de gasto de capital por eslabón",
        "ratio",
        "Σ amount[link, GFS 2: 21-28] ÷ Σ amount[link, GFS 31]",
        _RECURRENT + " Computed for each link that has both.",
        ("econ_recurrent", "econ_31"),
        lambda d: F.ratio(d["econ_recurrent"], d["econ_31"]),
        frame="link",
    ),
    _e(
        "exp_capital_share_link",
        "Capital spending share by link",
        "Participación del gasto de capital por eslabón",
        "%",
        "Σ amount[link, GFS 31] ÷ spending[link] × 100",
        "Share of each link's spending on nonfinancial assets (GFS 31).",
        ("econ_31", "spending"),
        lambda d: F.share(d["econ_31"], d["spending"]),
        frame="link",
    ),
    _e(
        "exp_econ_unclassified_share",
        "Spending without a GFS economic class",
        "Gasto sin clase económica GFS",
        "%",
        "(spending − Σ amount[two-digit GFS class]) ÷ spending × 100",
        "Share of spending whose national code maps to no two-digit GFS class: headings that mix "
        f"classes (GFS '{EXPENSE_UNCLASSIFIED}', e.g. a rubro of transfers), codes the crosswalk "
        "does not map, and lines without a code. The composition shares are shares of all "
        "spending, so this part is in none of them.",
        ("econ_unclassified", "spending"),
        lambda d: F.share(d["econ_unclassified"], d["spending"]),
    ),
]


def econ_split(
    spending: pd.DataFrame, *, by: str = C.ECON_GFS, phase: str | None = None
) -> pd.DataFrame:
    """Spending by country, year, phase and economic code, with the share of the total.

    The composition of a phase whose lines carry an economic code even when the level phase
    has none (El Salvador's approved budget by rubro, 2018-2020, where the executed budget has
    no economic split): ``econ_totals`` works on the level phase only.

    Parameters
    ----------
    spending
        Harmonised spending (``HarmonizedDataset.spending``).
    by
        ``econ_gfs`` (GFS 2014 classes) or ``econ`` (the national codes as read).
    phase
        The phase to split (``None``: every phase).

    Returns
    -------
    DataFrame
        ``country, year, phase, code, amount, share``, for the country-year-phases that have
        at least one line with a code::

            share = Σ amount[code] ÷ Σ amount[all lines of the country-year-phase] × 100

        Lines without a code in such a group are the row with an empty ``code``, so the shares
        add to 100.
    """
    cols = [C.COUNTRY, C.YEAR, C.PHASE, "code", C.AMOUNT, "share"]
    if by not in spending.columns or spending.empty:
        return pd.DataFrame(columns=cols)
    s = spending if phase is None else spending[spending[C.PHASE].astype(str) == phase]
    code = s[by].astype("object")
    key = [s[C.COUNTRY].astype(str), s[C.YEAR].astype(int), s[C.PHASE].astype(str)]
    has = code.notna().groupby(key, observed=True).transform("any")
    s, code = s[has], code[has]
    if s.empty:
        return pd.DataFrame(columns=cols)
    text = code.where(code.notna(), "").astype(str).str.strip().rename("code")
    key = [s[C.COUNTRY].astype(str), s[C.YEAR].astype(int), s[C.PHASE].astype(str)]
    out = s[C.AMOUNT].groupby([*key, text], observed=True).sum().reset_index()
    out.columns = [C.COUNTRY, C.YEAR, C.PHASE, "code", C.AMOUNT]
    total = out.groupby([C.COUNTRY, C.YEAR, C.PHASE])[C.AMOUNT].transform("sum")
    out["share"] = F.share(out[C.AMOUNT], total)
    out["_blank"] = out["code"] == ""
    out = out.sort_values([C.COUNTRY, C.YEAR, C.PHASE, "_blank", "code"])
    return out.drop(columns="_blank").reset_index(drop=True)[cols]
