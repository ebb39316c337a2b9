"""The cost of crime by the IDB's accounting method (Jaitman et al. 2015, 2017).

The accounting method adds up, for one country-year, what crime makes the state and private
agents spend and the income lost by its victims and by those it puts in prison:

- **public spending** on security and justice, one component ``public_<link>`` per link of
  the chain (executed spending, harmonised; ``unallocated`` kept as its own line);
- **victims' lost income** — the present value of the earnings homicide victims would have had
  until retirement. With ``count_a`` victims aged ``a``, annual earnings ``E``, employment
  rate ``e``, earnings growth ``g``, discount rate ``r`` and retirement age ``R``:

      ``Σ_{a<R} count_a × Σ_{t=1}^{R−a} E · e · (1 + g)^t / (1 + r)^t``;

- **prisoners' lost income** — ``prisoners × E × e`` (a year of earnings of each person held);
- **private security** — spending by firms and households on security, given with its source;
- **other** — further items (health care of victims, property losses…), each with its source.

Each component is also shown in % of GDP (the context's GDP of the year, in the same
currency). References: Jaitman, L. (ed.) (2015), *The Welfare Costs of Crime and Violence in
Latin America and the Caribbean*, IDB Monograph 354; Jaitman, L. (ed.) (2017), *The Costs of
Crime and Violence: New Evidence and Insights in Latin America and the Caribbean*, IDB
Monograph 510.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from peir._results import Result, Summary
from peir.errors import InputError, MissingContextError, PeirError
from peir.indicators.justice import caseload_frame
from peir.outlook.base import base_spending, gdp_of, short_source
from peir.schema import C

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from peir.dataset import HarmonizedDataset

__all__ = [
    "COMPONENTS",
    "CostOfCrime",
    "cost_of_crime",
    "gdp_per_capita",
    "lost_income_factor",
    "victims_lost_income",
]

#: Components other than the per-link public spending, in the order of the table.
COMPONENTS = ("victims_lost_income", "prisoners_lost_income", "private_security", "other")

#: Source recorded for an input given without its source.
GIVEN = "given by the user (source not stated)"

IDB_METHOD = (
    "IDB accounting method (Jaitman ed. 2015, IDB Monograph 354; Jaitman ed. 2017, "
    "IDB Monograph 510)"
)

#: A given amount: a number, or (amount, source), or {"amount": …, "source": …}.
Given = float | tuple[float, str] | Mapping[str, Any]


def lost_income_factor(
    age: Any, *, retirement_age: int = 65, discount_rate: float = 0.03, earnings_growth: float = 0.0
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """``Σ_{t=1}^{R−a} ((1 + g) / (1 + r))^t`` for each age ``a`` (0 for ``a ≥ R``).

    Multiplied by earnings × employment rate this is the present value of one victim's lost
    earnings.
    """
    a = np.atleast_1d(np.asarray(age, dtype=float))
    n = np.clip(retirement_age - a, 0, None)
    q = (1.0 + earnings_growth) / (1.0 + discount_rate)
    if abs(q - 1.0) < 1e-15:
        out: np.ndarray[Any, np.dtype[np.float64]] = n.astype(float)
    else:
        out = q * (1.0 - q**n) / (1.0 - q)
    return out


def _victims_frame(victims: Any) -> tuple[pd.DataFrame, float]:
    """Validated (age, count) rows with a known age, and the count without an age."""
    if not isinstance(victims, pd.DataFrame):
        raise InputError("victims must be a DataFrame with columns age and count")
    missing = [c for c in ("age", "count") if c not in victims.columns]
    if missing:
        raise InputError(f"victims lacks column(s) {', '.join(missing)}; expected age and count")
    age = pd.to_numeric(victims["age"], errors="coerce")
    count = pd.to_numeric(victims["count"], errors="coerce")
    for i in range(len(victims)):
        raw_a, raw_c = victims["age"].iloc[i], victims["count"].iloc[i]
        c = count.iloc[i]
        if not np.isfinite(c) or c < 0:
            raise InputError(f"victims row {victims.index[i]}: count {raw_c} is not a number >= 0")
        a = age.iloc[i]
        if pd.isna(raw_a):
            continue
        if not np.isfinite(a) or a < 0 or a != np.floor(a):
            raise InputError(
                f"victims row {victims.index[i]}: age {raw_a} is not a whole number of years >= 0"
            )
    known = age.notna()
    frame = pd.DataFrame(
        {"age": age[known].astype(int).to_numpy(), "count": count[known].to_numpy(float)}
    )
    return frame, float(count[~known].sum())


def victims_lost_income(
    victims: pd.DataFrame,
    earnings: float,
    *,
    employment_rate: float = 1.0,
    earnings_growth: float = 0.0,
    discount_rate: float = 0.03,
    retirement_age: int = 65,
) -> pd.DataFrame:
    """Per age: ``age, count, years_lost, factor, value`` (the module's victims formula).

    Rows with an unknown age (NaN) are not valued; :func:`cost_of_crime` reports their count.
    """
    frame, _ = _victims_frame(victims)
    f = lost_income_factor(
        frame["age"],
        retirement_age=retirement_age,
        discount_rate=discount_rate,
        earnings_growth=earnings_growth,
    )
    frame["years_lost"] = np.clip(retirement_age - frame["age"].to_numpy(), 0, None)
    frame["factor"] = f
    frame["value"] = frame["count"].to_numpy(float) * f * float(earnings) * float(employment_rate)
    return frame


def _given(name: str, v: Given | None, default_source: str) -> tuple[float, str] | None:
    if v is None:
        return None
    if isinstance(v, Mapping):
        if "amount" not in v:
            raise InputError(f"{name}: a mapping needs 'amount' (and 'source')")
        amount, source = v["amount"], str(v.get("source") or default_source)
    elif isinstance(v, tuple):
        if len(v) != 2:
            raise InputError(f"{name}: expected (amount, source)")
        amount, source = v[0], str(v[1])
    else:
        amount, source = v, default_source
    try:
        x = float(amount)
    except (TypeError, ValueError):
        raise InputError(f"{name}: amount {amount!r} is not a number") from None
    if not np.isfinite(x) or x < 0:
        raise InputError(f"{name}: amount {amount!r} must be a number >= 0")
    return x, source


def _rate(name: str, v: Any, lo: float, hi: float | None = None) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise InputError(f"{name}: {v!r} is not a number") from None
    if not np.isfinite(x) or x < lo or (hi is not None and x > hi):
        bound = f"between {lo} and {hi}" if hi is not None else f">= {lo}"
        raise InputError(f"{name} must be {bound}, got {v!r}")
    return x


@dataclass(frozen=True, repr=False, eq=False)
class CostOfCrime(Result):
    """The cost of crime of one country-year: :func:`cost_of_crime` returns it.

    Attributes
    ----------
    table
        ``component, label, value, pct_gdp, source``: one row per component (``public_<link>``
        per link, ``victims_lost_income``, ``prisoners_lost_income``, ``private_security``,
        ``other`` items).
    victims
        Per age: ``age, count, years_lost, factor, value``.
    gdp, gdp_source
        GDP of the year (currency of the harmonised data) and where it comes from.
    parameters
        The valuation parameters used (earnings, employment rate, growth, discount, retirement).
    notes
        What was checked or could not be valued.
    """

    table: pd.DataFrame
    victims: pd.DataFrame
    country: str
    year: int
    currency: str
    gdp: float
    gdp_source: str
    parameters: dict[str, Any]
    notes: tuple[str, ...] = field(default=())

    @property
    def total(self) -> float:
        """Sum of all components (currency of the harmonised data)."""
        return float(self.table["value"].sum())

    @property
    def pct_gdp(self) -> float:
        """The total in % of GDP."""
        return self.total / self.gdp * 100.0

    def by_group(self) -> pd.Series:
        """Totals of public spending, lost income, private security and other."""
        comp = self.table["component"].astype(str)
        group = np.where(
            comp.str.startswith("public_"),
            "public spending",
            np.where(comp.str.endswith("lost_income"), "lost income", comp),
        )
        return self.table.groupby(group, sort=False)["value"].sum()

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> Summary:
        t = self.table
        table = pd.DataFrame(
            {
                "label": t["label"].to_numpy(),
                f"{self.currency} M": [f"{v / 1e6:,.1f}" for v in t["value"]],
                "% of GDP": [f"{v:.2f}" for v in t["pct_gdp"]],
            },
            index=pd.Index(t["component"], name="component"),
        )
        p = self.parameters
        header = [
            ("Country, year", f"{self.country} {self.year}"),
            ("Method", IDB_METHOD),
            ("Total", f"{self.total / 1e6:,.1f} M {self.currency} = {self.pct_gdp:.2f} % of GDP"),
            ("GDP", f"{self.gdp / 1e6:,.1f} M {self.currency} ({short_source(self.gdp_source)})"),
            ("Earnings", f"{p['earnings']:,.0f} {self.currency} a year ({p['earnings_source']})"),
            ("Employment rate", f"{p['employment_rate']:.3g} ({p['employment_rate_source']})"),
            (
                "Discount / growth / retirement",
                f"r = {p['discount_rate']:.3g}, g = {p['earnings_growth']:.3g}, "
                f"R = {p['retirement_age']}",
            ),
        ]
        return Summary("Cost of crime", header, table, notes=list(self.notes))

    def _repr_html_(self) -> str:
        src = "".join(
            f"<li>{html.escape(str(r.component))}: {html.escape(str(r.source))}</li>"
            for r in self.table.itertuples(index=False)
        )
        return super()._repr_html_() + f"<p>Sources</p><ul>{src}</ul>"

    def plot(self, ax: Any = None) -> Figure:
        """Horizontal bars: each component in % of GDP, largest on top. Returns the Figure."""
        import matplotlib.pyplot as plt

        t = self.table.iloc[::-1]
        if ax is None:
            fig, ax = plt.subplots(figsize=(7.0, 0.35 * len(t) + 1.4))
        else:
            fig = ax.figure
        y = np.arange(len(t))
        vals = t["pct_gdp"].to_numpy(float)
        ax.barh(
            y,
            vals,
            color=[
                "#0072B2" if str(c).startswith("public_") else "#E69F00" for c in t["component"]
            ],
        )
        ax.set_yticks(y, [str(lbl) for lbl in t["label"]])
        for yi, v in zip(y, vals):
            ax.annotate(
                f"{v:.2f}",
                (v, yi),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=7,
            )
        ax.set_xlabel("% of GDP")
        ax.set_title(
            f"Cost of crime, {self.country} {self.year}: {self.pct_gdp:.2f} % of GDP", loc="left"
        )
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        return fig


def gdp_per_capita(h: HarmonizedDataset, *, country: str, year: int) -> tuple[float, str]:
    """GDP per inhabitant of ``country`` in ``year`` (data currency), labelled as a proxy.

    Used for earnings where no measured average earnings are at hand: it is output per
    inhabitant, so it already spreads income over those not employed (leave the employment
    rate at 1 with it).
    """
    gdp, gdp_source = gdp_of(h, country=country, year=year)
    ctx = h.context
    rows = ctx[(ctx[C.COUNTRY].astype(str) == country) & (pd.to_numeric(ctx[C.YEAR]) == year)]
    if C.REGION in rows.columns:
        rows = rows[rows[C.REGION].isna()]
    pop = (
        pd.to_numeric(rows[C.POPULATION], errors="coerce").dropna()
        if C.POPULATION in rows
        else None
    )
    if pop is None or pop.empty or not float(pop.iloc[-1]) > 0:
        raise MissingContextError(f"the context has no population for {country} {year}")
    series = ""
    if C.POPULATION_SOURCE in rows.columns and pd.notna(rows[C.POPULATION_SOURCE].iloc[-1]):
        series = f", population {rows[C.POPULATION_SOURCE].iloc[-1]}"
    value = gdp / float(pop.iloc[-1])
    return value, (
        f"proxy: GDP per inhabitant {year} ({short_source(gdp_source)}{series}), "
        "not a measured wage"
    )


def _headline(
    h: HarmonizedDataset, country: str, year: int, measure: str
) -> tuple[float, str] | None:
    """The national headline value of a caseload measure in one year, and its source."""
    wide, _ = caseload_frame(h, country)
    if wide.empty or measure not in wide.columns:
        return None
    row = wide[(wide[C.YEAR] == year) & (wide[C.REGION] == "")]
    if row.empty or not np.isfinite(row[measure].iloc[0]):
        return None
    cl = h.headline_caseload()
    sel = cl[
        (cl[C.COUNTRY] == country)
        & (pd.to_numeric(cl[C.YEAR]) == year)
        & (cl[C.MEASURE].astype(str) == measure)
    ]
    parts = [
        str(x) for col in (C.SOURCE, C.SOURCE_REF) if col in sel for x in sel[col].dropna().unique()
    ]
    return float(row[measure].iloc[0]), "; ".join(parts)


def cost_of_crime(
    h: HarmonizedDataset,
    *,
    country: str,
    year: int,
    victims: pd.DataFrame,
    earnings: float,
    employment_rate: float = 1.0,
    earnings_growth: float = 0.0,
    discount_rate: float = 0.03,
    retirement_age: int = 65,
    prisoners: float | None = None,
    private_security: Given | None = None,
    other: Given | Mapping[str, Given] | None = None,
    sources: Mapping[str, str] | None = None,
    allow_partial: bool = False,
) -> CostOfCrime:
    """The cost of crime of ``country`` in ``year`` (module docstring for the formulas).

    Parameters
    ----------
    h
        Harmonised data: executed spending by link (the public components), context GDP and,
        unless ``prisoners`` is given, the caseload's headline ``prisoners_total``.
    victims
        Homicide victims by age: columns ``age`` (whole years; NaN for unknown, counted but not
        valued) and ``count``.
    earnings
        Annual earnings of one person (currency of ``h``).
    employment_rate, earnings_growth, discount_rate, retirement_age
        Valuation parameters (rates as fractions: 0.03 = 3 %).
    prisoners
        People held; by default the caseload's ``prisoners_total`` of ``year``.
    private_security
        Private spending on security: an amount, ``(amount, source)`` or
        ``{"amount": …, "source": …}``.
    other
        Further costs: one amount in the same forms, or a mapping label -> amount.
    sources
        Sources of ``victims``, ``earnings``, ``employment_rate``, ``prisoners`` (recorded).
    allow_partial
        Accept public spending whose institutional coverage looks partial (recorded).

    Raises
    ------
    PeirError
        No executed spending for the country-year, partial coverage, or no prisoners figure
        (give ``prisoners=``); ``MissingContextError`` without GDP; ``InputError`` for unusable
        inputs.
    """
    src = {k: str(v) for k, v in (sources or {}).items()}
    year = int(year)
    earnings = _rate("earnings", earnings, 0.0)
    employment_rate = _rate("employment_rate", employment_rate, 0.0, 1.0)
    earnings_growth = _rate("earnings_growth", earnings_growth, -0.99)
    discount_rate = _rate("discount_rate", discount_rate, -0.99)
    retirement = int(_rate("retirement_age", retirement_age, 1.0))
    employment_source = src.get("employment_rate", "default" if employment_rate == 1.0 else GIVEN)
    base = base_spending(
        h, country=country, year=year, phase="executed", allow_partial=allow_partial
    )
    gdp, gdp_source = gdp_of(h, country=country, year=year)
    cur = base.currency
    rows: list[dict[str, Any]] = []
    for lk, v in base.by_link().items():
        rows.append(
            {
                "component": f"public_{lk}",
                "label": f"public spending: {lk}",
                "value": float(v),
                "source": f"harmonised executed spending {country} {year} ({base.lines} lines; "
                f"{base.coverage_note})",
            }
        )
    detail = victims_lost_income(
        victims,
        earnings,
        employment_rate=employment_rate,
        earnings_growth=earnings_growth,
        discount_rate=discount_rate,
        retirement_age=retirement,
    )
    _, unknown_age = _victims_frame(victims)
    notes: list[str] = []
    n_vict = float(detail["count"].sum()) + unknown_age
    head = _headline(h, country, year, "homicides")
    if head is not None:
        notes.append(
            f"victims given: {n_vict:,.0f} (of whom {unknown_age:,.0f} of unknown age, "
            f"not valued); "
            f"the caseload's headline homicides {year}: {head[0]:,.0f} ({head[1]})"
        )
    elif unknown_age:
        notes.append(f"{unknown_age:,.0f} victims of unknown age are not valued")
    over = float(detail.loc[detail["age"] >= retirement, "count"].sum())
    if over:
        notes.append(
            f"{over:,.0f} victims aged {retirement} or more have no lost earnings in the method"
        )
    rows.append(
        {
            "component": "victims_lost_income",
            "label": "victims' lost income (homicides)",
            "value": float(detail["value"].sum()),
            "source": (
                f"victims by age: {src.get('victims', GIVEN)}; "
                f"earnings {earnings:,.0f} a year: {src.get('earnings', GIVEN)}; "
                f"employment rate {employment_rate:.3g}: {employment_source}; "
                f"r = {discount_rate:.3g}, g = {earnings_growth:.3g}, R = {retirement}"
            ),
        }
    )
    if prisoners is None:
        found = _headline(h, country, year, "prisoners_total")
        if found is None:
            raise PeirError(
                f"the caseload has no prisoners_total for {country} {year}; give prisoners= (and "
                f"its source in sources={{'prisoners': ...}})"
            )
        n_pris, pris_source = found[0], f"caseload prisoners_total {year} ({found[1]})"
    else:
        n_pris = _rate("prisoners", prisoners, 0.0)
        pris_source = src.get("prisoners", GIVEN)
    rows.append(
        {
            "component": "prisoners_lost_income",
            "label": "prisoners' lost income",
            "value": n_pris * earnings * employment_rate,
            "source": f"{n_pris:,.0f} prisoners: {pris_source}; × earnings × employment rate",
        }
    )
    ps = _given("private_security", private_security, GIVEN)
    if ps is not None:
        rows.append(
            {
                "component": "private_security",
                "label": "private security",
                "value": ps[0],
                "source": ps[1],
            }
        )
    else:
        notes.append("private security not given: not included")
    if other is not None:
        items = (
            other.items()
            if isinstance(other, Mapping) and "amount" not in other
            else [("other", other)]
        )
        for label, v in items:
            g = _given(f"other[{label}]", v, GIVEN)
            assert g is not None
            rows.append({"component": "other", "label": str(label), "value": g[0], "source": g[1]})
    table = pd.DataFrame(rows, columns=["component", "label", "value", "pct_gdp", "source"])
    table["pct_gdp"] = table["value"] / gdp * 100.0
    params = {
        "earnings": earnings,
        "earnings_source": src.get("earnings", GIVEN),
        "employment_rate": employment_rate,
        "employment_rate_source": employment_source,
        "earnings_growth": earnings_growth,
        "discount_rate": discount_rate,
        "retirement_age": retirement,
    }
    return CostOfCrime(
        table=table,
        victims=detail,
        country=country,
        year=year,
        currency=cur,
        gdp=gdp,
        gdp_source=gdp_source,
        parameters=params,
        notes=tuple(notes),
    )
