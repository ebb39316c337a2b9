"""Medium-term projection of sector spending from a base year, and its fiscal envelope.

The base is each link's spending in the base year ``b`` by GFS economic class
(:func:`peir.outlook.base.base_spending`). For each later year ``t`` (``b+1 … b+horizon``),
with inflation ``π_t``, real wage growth ``w_t``, headcount growth ``n_{l,t}`` of link ``l``
and real GDP growth ``g_t``:

- compensation of employees (GFS 21): ``W_t = W_{t-1} (1 + π_t)(1 + w_t)(1 + n_{l,t})``;
- goods and services (22) and every other class: ``G_t = G_{t-1} (1 + π_t)``;
- capital (31): flat in real terms, ``K_t = K_{t-1} (1 + π_t)``, unless ``capital`` gives the
  amount of year ``t`` (current prices), from which later years grow again with prices;
- each new-capacity item (link, start year ``s``, units ``u``, recurrent cost per unit ``c`` at
  base-year prices) adds ``u · c · Π_{k=b+1..t}(1 + π_k)`` to its link's goods and services
  for ``t ≥ s``;
- GDP: ``GDP_t = GDP_{t-1} (1 + g_t)(1 + π_t)``, from the context's GDP of the base year.

The envelope sets the total against GDP: ``pct_gdp = total / GDP × 100``; with a ceiling
``c`` (% of GDP), ``ceiling = c / 100 × GDP`` and ``gap = total − ceiling`` (positive: the
plans exceed the envelope by that amount; negative: room left). Amounts are nominal (current
prices of each year) in the currency of the harmonised data; ``amount_real`` deflates them
by the assumed inflation to base-year prices.

This is the affordability question that *Securing Development* (World Bank and United
Nations 2017), the sourcebook for public expenditure reviews of the security sector, puts
first: what the sector will cost if current plans go ahead, against the fiscal envelope.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from peir._results import Result, Summary
from peir.chain import Link, parse_link
from peir.errors import InputError
from peir.outlook.base import ECON_GFS, GFS_CLASSES, LINK_ORDER, Base, base_spending, gdp_of
from peir.outlook.inputs import (
    DEFAULT_SOURCE,
    GIVEN_SOURCE,
    NewCapacity,
    Rate,
    assumption,
    link_rates,
    new_capacity_items,
    year_path,
)
from peir.schema import C

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from peir.dataset import HarmonizedDataset

__all__ = ["Projection", "ProjectionComparison", "compare", "project"]

FloatArray = np.ndarray[Any, np.dtype[np.float64]]

#: Columns of the projection's table, envelope and assumptions.
TABLE_COLUMNS = ("year", C.LINK, ECON_GFS, C.AMOUNT, C.AMOUNT_REAL, "new_capacity")
ENVELOPE_COLUMNS = ("year", "total", "gdp", "pct_gdp", "ceiling", "gap")
ASSUMPTION_COLUMNS = ("parameter", "scope", "value", "unit", "source")


def _millions(v: float) -> str:
    return "–" if not np.isfinite(v) else f"{v / 1e6:,.1f}"


def _pct(v: float) -> str:
    return "–" if not np.isfinite(v) else f"{v:.2f}"


@dataclass(frozen=True, repr=False, eq=False)
class Projection(Result):
    """A medium-term projection of sector spending: :func:`project` returns it.

    Attributes
    ----------
    table
        ``year, link, econ_gfs, amount, amount_real, new_capacity``: one row per year, link and
        GFS class, base year included. ``amount`` is nominal; ``amount_real`` is at base-year
        prices (deflated by the assumed inflation); ``new_capacity`` is the part of
        ``amount`` that new-capacity items add.
    envelope
        ``year, total, gdp, pct_gdp, ceiling, gap`` (see the module docstring).
    assumptions
        ``parameter, scope, value, unit, source``: every input, the base and its checks.
    base
        The checked base (:class:`~peir.outlook.base.Base`): lines, institutions, coverage.
    """

    table: pd.DataFrame
    envelope: pd.DataFrame
    assumptions: pd.DataFrame
    country: str
    base_year: int
    horizon: int
    phase: str
    currency: str
    name: str = "baseline"
    notes: tuple[str, ...] = field(default=())
    base: Base | None = field(default=None, repr=False)

    @property
    def years(self) -> list[int]:
        return [int(y) for y in self.envelope["year"]]

    def by_link(self, real: bool = False) -> pd.DataFrame:
        """Amounts by year (rows) and link (columns), nominal or at base-year prices."""
        col = C.AMOUNT_REAL if real else C.AMOUNT
        wide = self.table.pivot_table(index="year", columns=C.LINK, values=col, aggfunc="sum")
        order = sorted(wide.columns, key=lambda lk: LINK_ORDER.get(str(lk), 99))
        return wide[order]

    def to_frame(self) -> pd.DataFrame:
        """The projection table with the scenario name in front."""
        return self.table.assign(scenario=self.name)[["scenario", *TABLE_COLUMNS]]

    def summary(self) -> Summary:
        """The envelope by year, with the key assumptions."""
        env = self.envelope
        table = pd.DataFrame(
            {
                f"total ({self.currency} M)": [_millions(v) for v in env["total"]],
                f"GDP ({self.currency} M)": [_millions(v) for v in env["gdp"]],
                "% of GDP": [_pct(v) for v in env["pct_gdp"]],
                f"ceiling ({self.currency} M)": [_millions(v) for v in env["ceiling"]],
                f"gap ({self.currency} M)": [_millions(v) for v in env["gap"]],
            },
            index=pd.Index(self.years, name="year"),
        )
        a = self.assumptions
        key = a[a["parameter"].isin(["inflation", "real_wage_growth", "gdp_real_growth"])]
        header = [
            ("Scenario", self.name),
            ("Country", self.country),
            ("Base", f"{self.base_year}, {self.phase} spending"),
            ("Years", f"{self.base_year + 1}–{self.base_year + self.horizon}"),
            ("Prices", f"nominal {self.currency} (current prices of each year)"),
        ]
        for par, scope, value, src in zip(
            key["parameter"], key["scope"], key["value"], key["source"]
        ):
            shown = f"{float(value) * 100:.2f} %" if isinstance(value, float) else str(value)
            header.append((f"{par} ({scope})", f"{shown} — {src}"))
        notes = ["gap = total − ceiling (positive: plans exceed the ceiling).", *self.notes]
        return Summary(f"Projection: {self.name}", header, table, notes=notes)

    def _repr_html_(self) -> str:
        return super()._repr_html_() + "<p>Assumptions</p>" + self.assumptions.to_html(index=False)

    def plot(self, ax: Any = None) -> Figure:
        """Stacked bars of projected spending by link (millions), the ceiling as a line and the
        share of GDP above each bar. Returns the Figure."""
        import matplotlib.pyplot as plt

        if ax is None:
            fig, ax = plt.subplots(figsize=(7.5, 4.0))
        else:
            fig = ax.figure
        wide = self.by_link() / 1e6
        x = np.arange(len(wide))
        bottom = np.zeros(len(wide))
        for lk in wide.columns:
            vals = wide[lk].fillna(0.0).to_numpy(float)
            label = Link(lk).label_en if lk in Link._value2member_map_ else str(lk)
            ax.bar(x, vals, bottom=bottom, width=0.7, label=label, edgecolor="white", linewidth=0.5)
            bottom += vals
        env = self.envelope
        ceiling = env["ceiling"].to_numpy(float) / 1e6
        if np.isfinite(ceiling).any():
            ax.plot(x, ceiling, color="#333333", linestyle="--", marker="o", label="ceiling")
        for xi, top, p in zip(x, bottom, env["pct_gdp"].to_numpy(float)):
            if np.isfinite(p):
                ax.annotate(
                    f"{p:.2f} % GDP",
                    (xi, top),
                    xytext=(0, 3),
                    textcoords="offset points",
                    ha="center",
                    fontsize=7,
                )
        ax.set_xticks(x, [str(y) for y in wide.index])
        ax.set_ylabel(f"{self.currency} million (current prices)")
        ax.set_title(f"{self.country}: {self.name} projection from {self.base_year}", loc="left")
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        fig.tight_layout()
        return fig


def _rate_rows(
    name: str, given: Any, path: FloatArray, years: list[int], unit: str, source: str
) -> list[dict[str, Any]]:
    if isinstance(given, Mapping):
        return [assumption(name, str(y), float(v), unit, source) for y, v in zip(years, path)]
    return [assumption(name, f"{years[0]}–{years[-1]}", float(path[0]), unit, source)]


def _capital_plan(
    capital: Mapping[Any, Any] | None, base_k: pd.Series, years: list[int]
) -> tuple[dict[str, dict[int, float]], list[str]]:
    """Given capital amounts by link and year; and how a sector-wide plan was split."""
    if capital is None:
        return {}, []
    if not isinstance(capital, Mapping) or not capital:
        raise InputError("capital: expected a mapping by year, or by link of mappings by year")
    keys = list(capital)
    parsed = [parse_link(k) for k in keys]
    notes: list[str] = []
    if all(p is not None for p in parsed):
        plan: dict[str, dict[int, float]] = {}
        for k, p in zip(keys, parsed):
            assert p is not None
            sub = capital[k]
            if not isinstance(sub, Mapping):
                raise InputError(f"capital[{k!r}]: expected a mapping year -> amount")
            plan[p.value] = {int(str(y)): float(v) for y, v in sub.items()}
    elif any(p is not None for p in parsed):
        raise InputError("capital mixes links and years as keys")
    else:
        total = {int(str(y)): float(v) for y, v in capital.items()}
        kb = base_k[base_k > 0]
        if kb.empty:
            raise InputError(
                "capital gives sector totals by year, but the base has no capital (GFS 31) to "
                "split them by link; give capital by link instead"
            )
        shares = kb / kb.sum()
        plan = {str(k): {y: v * float(sh) for y, v in total.items()} for k, sh in shares.items()}
        notes.append(
            "sector capital split by link in proportion to base-year capital: "
            + ", ".join(f"{k} {sh:.1%}" for k, sh in shares.items())
        )
    for lk, by_year in plan.items():
        for y, v in by_year.items():
            if not np.isfinite(v) or v < 0:
                raise InputError(f"capital[{lk}][{y}] = {v!r}: expected an amount >= 0")
        outside = sorted(y for y in by_year if y not in years)
        if outside:
            raise InputError(
                f"capital[{lk}] gives years outside the projection "
                f"({', '.join(map(str, outside))}); "
                f"projected years are {years[0]}–{years[-1]}"
            )
    return plan, notes


def project(
    h: HarmonizedDataset,
    *,
    country: str,
    base_year: int,
    horizon: int = 5,
    phase: str = "executed",
    inflation: Rate,
    real_wage_growth: Rate = 0.0,
    headcount_growth: Rate | Mapping[str, Rate] = 0.0,
    gdp_real_growth: Rate | None = None,
    capital: Mapping[Any, Any] | None = None,
    new_capacity: Iterable[NewCapacity | Mapping[str, Any]] = (),
    ceiling_pct_gdp: Rate | None = None,
    sources: Mapping[str, str] | None = None,
    name: str = "baseline",
    allow_partial: bool = False,
) -> Projection:
    """Project each link's spending by economic class over ``horizon`` years after ``base_year``.

    Parameters
    ----------
    h
        Harmonised data; the base is its ``phase`` spending of ``country`` in ``base_year``.
    inflation, real_wage_growth, gdp_real_growth
        Rates per year (0.03 = 3 %): a number for every year or a mapping year -> rate that
        covers every projected year. ``gdp_real_growth=None`` leaves GDP unprojected (the
        envelope's GDP, share and gap are then NaN after the base year).
    headcount_growth
        As above, or a mapping link -> rate (a number or a mapping by year); links it does not
        name keep their headcount (0), as the assumptions table says.
    capital
        Capital spending (GFS 31) in current prices: a mapping year -> sector amount (split
        by link in proportion to base-year capital) or link -> {year: amount}. Years not given
        follow ``K_t = K_{t-1}(1 + π_t)``.
    new_capacity
        :class:`~peir.outlook.inputs.NewCapacity` items or mappings with its fields.
    ceiling_pct_gdp
        A ceiling on sector spending in % of GDP (a number or a mapping by year).
    sources
        Where each input comes from, by parameter name (``{"inflation": "IMF WEO Oct 2024"}``);
        inputs without one are recorded as given by the user, defaults as defaults.
    name
        The scenario's name (for :func:`compare`).
    allow_partial
        Accept a base year whose institutional coverage looks partial (recorded).

    Returns
    -------
    Projection
        With :attr:`~Projection.table`, :attr:`~Projection.envelope` and
        :attr:`~Projection.assumptions`; formulas in the module docstring.

    Raises
    ------
    PeirError
        No spending for the country in the base year, or partial coverage (see
        :func:`~peir.outlook.base.base_spending`); ``MissingContextError`` without base-year
        GDP; ``InputError`` for unusable inputs.
    """
    h_int = int(horizon)
    if h_int < 1:
        raise InputError(f"horizon must be at least 1 year, got {horizon!r}")
    b = int(base_year)
    years = list(range(b + 1, b + h_int + 1))
    src = {k: str(v) for k, v in (sources or {}).items()}
    unknown = sorted(set(src) - set(_PARAMETERS))
    if unknown:
        raise InputError(
            f"sources names unknown parameter(s) {', '.join(unknown)}; "
            f"known: {', '.join(_PARAMETERS)}"
        )

    base = base_spending(h, country=country, year=b, phase=phase, allow_partial=allow_partial)
    gdp0, gdp_source = gdp_of(h, country=country, year=b)
    links = sorted(base.frame[C.LINK].unique(), key=lambda lk: LINK_ORDER.get(lk, 99))
    pi = year_path("inflation", inflation, years)
    w = year_path("real_wage_growth", real_wage_growth, years)
    n, n_given = link_rates("headcount_growth", headcount_growth, links, years)
    g = None if gdp_real_growth is None else year_path("gdp_real_growth", gdp_real_growth, years)
    items = new_capacity_items(new_capacity, base_year=b)
    base_k = base.frame[base.frame[ECON_GFS] == "31"].groupby(C.LINK)[C.AMOUNT].sum()
    plan, capital_notes = _capital_plan(capital, base_k, years)
    ceil_pct = _ceiling(ceiling_pct_gdp, b, years)
    if ceil_pct is not None and g is None:
        raise InputError("ceiling_pct_gdp needs GDP in every projected year: give gdp_real_growth")

    prices: FloatArray = np.asarray(np.cumprod(1.0 + pi), dtype=np.float64)  # Π_{k=b+1..t}(1 + π_k)
    table = _table(base.frame, years, prices, pi, w, n, plan, items)
    all_years = [b, *years]
    totals = table.groupby("year")[C.AMOUNT].sum().reindex(all_years).to_numpy(float)
    if g is None:
        gdp = np.concatenate([[gdp0], np.full(len(years), np.nan)])
    else:
        gdp = gdp0 * np.concatenate([[1.0], np.cumprod((1.0 + g) * (1.0 + pi))])
    ceiling = (np.full(len(all_years), np.nan) if ceil_pct is None else ceil_pct) / 100.0 * gdp
    envelope = pd.DataFrame(
        {
            "year": all_years,
            "total": totals,
            "gdp": gdp,
            "pct_gdp": totals / gdp * 100.0,
            "ceiling": ceiling,
            "gap": totals - ceiling,
        },
        columns=list(ENVELOPE_COLUMNS),
    )

    def source_of(param: str, value: Any) -> str:
        if param in src:
            return src[param]
        if param in _DEFAULTS and not isinstance(value, Mapping) and value == _DEFAULTS[param]:
            return DEFAULT_SOURCE
        return GIVEN_SOURCE

    rows = _base_rows(base, gdp0, gdp_source)
    rows += _rate_rows(
        "inflation", inflation, pi, years, "per year", source_of("inflation", inflation)
    )
    rows += _rate_rows(
        "real_wage_growth",
        real_wage_growth,
        w,
        years,
        "per year",
        source_of("real_wage_growth", real_wage_growth),
    )
    rows += _headcount_rows(
        headcount_growth, n, n_given, links, years, source_of("headcount_growth", headcount_growth)
    )
    if g is None:
        rows.append(
            assumption(
                "gdp_real_growth",
                f"{years[0]}–{years[-1]}",
                "not projected",
                "",
                "gdp_real_growth not given: GDP, share of GDP and gap left empty after "
                "the base year",
            )
        )
    else:
        rows += _rate_rows(
            "gdp_real_growth",
            gdp_real_growth,
            g,
            years,
            "per year",
            source_of("gdp_real_growth", gdp_real_growth),
        )
    cur = base.currency
    if plan:
        for lk, by_year in plan.items():
            rows += [
                assumption(
                    "capital",
                    f"{lk}, {y}",
                    by_year[y],
                    f"{cur} (current prices)",
                    source_of("capital", capital),
                )
                for y in sorted(by_year)
            ]
        rows += [assumption("capital", "split", "", "", note) for note in capital_notes]
    else:
        rows.append(
            assumption(
                "capital",
                "all links",
                "flat in real terms",
                "",
                "K_t = K_{t-1}(1 + π_t) (no capital plan given)",
            )
        )
    for it in items:
        rows.append(
            assumption(
                "new_capacity",
                it.label,
                it.units * it.recurrent_cost_per_unit,
                f"{cur} a year at {b} prices, from {it.start_year}",
                it.source or source_of("new_capacity", new_capacity),
            )
        )
    if ceil_pct is not None:
        rows += _rate_rows(
            "ceiling_pct_gdp",
            ceiling_pct_gdp,
            ceil_pct[1:],
            years,
            "% of GDP",
            source_of("ceiling_pct_gdp", ceiling_pct_gdp),
        )
    rows.append(
        assumption(
            "prices",
            "all amounts",
            "nominal",
            cur,
            "current prices of each year; amount_real = amount ÷ Π(1 + π) (base-year prices)",
        )
    )
    return Projection(
        table=table,
        envelope=envelope,
        assumptions=pd.DataFrame(rows, columns=list(ASSUMPTION_COLUMNS)),
        country=country,
        base_year=b,
        horizon=h_int,
        phase=phase,
        currency=cur,
        name=name,
        notes=tuple(capital_notes),
        base=base,
    )


#: Inputs with a default (recorded as defaults when left at it).
_DEFAULTS: dict[str, float] = {"real_wage_growth": 0.0, "headcount_growth": 0.0}

_PARAMETERS = (
    "capital",
    "ceiling_pct_gdp",
    "gdp_real_growth",
    "headcount_growth",
    "inflation",
    "new_capacity",
    "real_wage_growth",
)


def _ceiling(value: Rate | None, b: int, years: list[int]) -> FloatArray | None:
    """Ceiling in % of GDP for the base year (NaN unless given) and each projected year."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        at_base = {int(str(k)): v for k, v in value.items()}.get(b)
        first = np.nan if at_base is None else float(at_base)
    else:
        first = float(value)
    return np.concatenate([[first], year_path("ceiling_pct_gdp", value, years, lower=0.0)])


def _table(
    base: pd.DataFrame,
    years: list[int],
    prices: FloatArray,
    pi: FloatArray,
    w: FloatArray,
    n: Mapping[str, FloatArray],
    plan: Mapping[str, Mapping[int, float]],
    items: list[NewCapacity],
) -> pd.DataFrame:
    """The projection table (module docstring for the formulas)."""
    cells: dict[tuple[str, str], FloatArray] = {}
    start: dict[tuple[str, str], float] = {}
    for lk, cls, a0 in zip(
        base[C.LINK].astype(str), base[ECON_GFS].astype(str), base[C.AMOUNT].astype(float)
    ):
        start[(lk, cls)] = float(a0)
        growth = (1.0 + pi) * (1.0 + w) * (1.0 + n[lk]) if cls == "21" else 1.0 + pi
        cells[(lk, cls)] = np.asarray(float(a0) * np.cumprod(growth), dtype=np.float64)
    for lk, by_year in plan.items():
        k_prev = start.get((lk, "31"), 0.0)
        path = np.empty(len(years))
        for i, y in enumerate(years):
            k_prev = by_year[y] if y in by_year else k_prev * (1.0 + float(pi[i]))
            path[i] = k_prev
        cells[(lk, "31")] = path
    added: dict[tuple[str, str], FloatArray] = {}
    for it in items:
        extra = np.where(
            np.array(years) >= it.start_year, it.units * it.recurrent_cost_per_unit * prices, 0.0
        )
        key = (it.link, "22")
        cells[key] = cells.get(key, np.zeros(len(years))) + extra
        added[key] = added.get(key, np.zeros(len(years))) + extra
    rows: list[dict[str, Any]] = []
    for key in sorted(cells, key=lambda k: (LINK_ORDER.get(k[0], 99), k[1])):
        lk, cls = key
        a0 = start.get(key, 0.0)
        rows.append(
            {
                "year": years[0] - 1,
                C.LINK: lk,
                ECON_GFS: cls,
                C.AMOUNT: a0,
                C.AMOUNT_REAL: a0,
                "new_capacity": 0.0,
            }
        )
        extra = added.get(key, np.zeros(len(years)))
        for i, y in enumerate(years):
            amount = float(cells[key][i])
            rows.append(
                {
                    "year": y,
                    C.LINK: lk,
                    ECON_GFS: cls,
                    C.AMOUNT: amount,
                    C.AMOUNT_REAL: amount / float(prices[i]),
                    "new_capacity": float(extra[i]),
                }
            )
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    order = table[C.LINK].map(LINK_ORDER).fillna(99)
    table = table.assign(_o=order).sort_values(["year", "_o", ECON_GFS], kind="stable")
    return table.drop(columns="_o").reset_index(drop=True)


def _base_rows(base: Base, gdp0: float, gdp_source: str) -> list[dict[str, Any]]:
    """Assumption rows of the base: totals by link and class, coverage, unallocated, GDP."""
    cur, b = base.currency, base.year
    refs = f"; source_ref {', '.join(base.source_refs)}" if base.source_refs else ""
    rows = [
        assumption(
            "base",
            f"{base.country} {b}",
            base.total,
            cur,
            f"harmonised {base.phase} spending: {base.lines} line(s) of "
            f"{len(base.institutions)} institution(s) ({', '.join(base.institutions)}){refs}",
        )
    ]
    rows += [
        assumption("base", str(lk), float(v), cur, f"harmonised {base.phase} spending, {b}")
        for lk, v in base.by_link().items()
    ]
    by_class = base.frame.groupby(ECON_GFS)[C.AMOUNT].sum()
    rows += [
        assumption(
            "base by economic class",
            f"{cls} {GFS_CLASSES.get(str(cls), '')}".strip(),
            float(v),
            cur,
            base.econ_note,
        )
        for cls, v in by_class.items()
    ]
    rows.append(assumption("coverage", f"{base.country} {b}", "checked", "", base.coverage_note))
    if base.unallocated_share > 0:
        rows.append(
            assumption(
                "unallocated share of the base",
                f"{base.country} {b}",
                base.unallocated_share * 100,
                "%",
                "spending the chain map could not place on a link; projected as its own line",
            )
        )
    rows.append(assumption("base GDP", str(b), gdp0, cur, gdp_source))
    return rows


def _headcount_rows(
    given: Any,
    n: Mapping[str, FloatArray],
    by_link: dict[str, Any] | None,
    links: list[str],
    years: list[int],
    source: str,
) -> list[dict[str, Any]]:
    if by_link is None:
        return _rate_rows("headcount_growth", given, n[links[0]], years, "per year", source)
    rows: list[dict[str, Any]] = []
    for lk in links:
        if lk not in by_link:
            rows.append(
                assumption(
                    "headcount_growth",
                    f"{lk}, {years[0]}–{years[-1]}",
                    0.0,
                    "per year",
                    "not given for this link: headcount held constant",
                )
            )
            continue
        rows += [
            {**r, "scope": f"{lk}, {r['scope']}"}
            for r in _rate_rows("headcount_growth", by_link[lk], n[lk], years, "per year", source)
        ]
    rows += [
        assumption("headcount_growth", lk, "not used", "", f"the base has no spending on {lk}")
        for lk in sorted(set(by_link) - set(links))
    ]
    return rows


@dataclass(frozen=True, repr=False, eq=False)
class ProjectionComparison(Result):
    """Scenarios side by side: :func:`compare` returns it.

    ``frame`` holds ``scenario, year, total, gdp, pct_gdp, ceiling, gap`` for every scenario.
    """

    frame: pd.DataFrame
    projections: tuple[Projection, ...]

    def wide(self, column: str = "total") -> pd.DataFrame:
        """One column per scenario of ``column`` (``total``, ``pct_gdp``, ``gap`` …), by year."""
        return self.frame.pivot(index="year", columns="scenario", values=column)[
            [p.name for p in self.projections]
        ]

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def summary(self) -> Summary:
        cur = self.projections[0].currency
        total = self.wide("total").map(_millions)
        pct = self.wide("pct_gdp").map(_pct)
        table = pd.concat({f"total ({cur} M)": total, "% of GDP": pct}, axis=1)
        header = [
            (p.name, f"{p.country}, base {p.base_year} ({p.phase})") for p in self.projections
        ]
        return Summary("Projection scenarios", header, table)

    def plot(self, ax: Any = None) -> Figure:
        """Total by year, one line per scenario (millions). Returns the Figure."""
        import matplotlib.pyplot as plt

        if ax is None:
            fig, ax = plt.subplots(figsize=(7.0, 3.8))
        else:
            fig = ax.figure
        wide = self.wide("total") / 1e6
        for sc in wide.columns:
            ax.plot(wide.index, wide[sc], marker="o", label=str(sc))
        ax.set_xticks(list(wide.index), [str(y) for y in wide.index])
        ax.set_ylabel(f"{self.projections[0].currency} million (current prices)")
        ax.set_title("Projected sector spending by scenario", loc="left")
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(frameon=False, fontsize=8)
        fig.tight_layout()
        return fig


def compare(*projections: Projection) -> ProjectionComparison:
    """Set projections side by side (one row per scenario and year of their envelopes).

    The scenarios must have distinct names (``project(..., name=...)``) and one currency.
    """
    if not projections:
        raise InputError("compare() needs at least one Projection")
    names = [p.name for p in projections]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(
            f"scenario names repeat ({', '.join(dup)}); give each project(...) its own name="
        )
    cur = {p.currency for p in projections}
    if len(cur) > 1:
        raise InputError(f"scenarios are in different currencies ({', '.join(sorted(cur))})")
    frame = pd.concat([p.envelope.assign(scenario=p.name) for p in projections], ignore_index=True)
    frame = frame[["scenario", *ENVELOPE_COLUMNS]]
    return ProjectionComparison(frame=frame, projections=tuple(projections))
