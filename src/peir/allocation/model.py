"""The chain as a pipeline of links with budgets, unit costs and demand ratios.

The model of docs/methodology.md §7.

Link ``l`` with budget ``b_l`` and unit cost ``c_l`` (spending per unit of its output) can
process ``capacity_l = b_l / c_l`` units a year. Producing one unit of the chain's final output
needs ``r_l`` units of link l's output (the demand ratio), so the chain's throughput is

    T = min over links with r_l > 0 of  b_l / (c_l r_l).

A link with ``r_l = 0`` (prevention) does not constrain throughput and needs no unit cost
(``NaN`` is accepted there). The demand on link l is ``r_l D`` where ``D`` is the reference final
output (the observed one when the model is built from data, otherwise the current throughput);
utilisation = demand / capacity, and the bottleneck is the link with the highest utilisation.

A link may also have a physical ``limit``: the most units of its output it can hold whatever
its budget, e.g. the official capacity of the prisons (places). Then ``r_l T <= limit_l`` too:
prison throughput cannot rise above capacity without budget for new capacity
(:meth:`ChainModel.optimize` ``capacity_cost=``).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from peir.allocation.optimize import AllocationResult, solve_allocation
from peir.allocation.returns import ReturnsEstimate
from peir.chain import CHAIN_LINKS, Link
from peir.errors import InputError
from peir.schema import C

if TYPE_CHECKING:  # pragma: no cover
    from peir.dataset import HarmonizedDataset

__all__ = [
    "DEFAULT_LINK_MEASURES",
    "FINAL_MEASURES",
    "PHYSICAL_LIMITS",
    "ChainModel",
    "national_caseload",
]

#: Per link, candidate (capacity measure, demand measure) pairs, first available wins.
#: The capacity measure is what the link processes (its unit cost is spending ÷ this);
#: the demand measure is the workload arriving at it. Equal measures mean the link is
#: calibrated to keep up exactly; a different demand measure reveals backlog or
#: overcrowding (incoming vs resolved cases; prisoners held vs places).
DEFAULT_LINK_MEASURES: dict[str, list[tuple[str, str]]] = {
    Link.PATROL.value: [("crimes_recorded", "crimes_recorded"), ("arrests", "arrests")],
    Link.INVESTIGATION.value: [
        ("cases_received", "cases_received"),
        ("indictments", "indictments"),
        ("suspects", "suspects"),
    ],
    Link.JUDICIAL.value: [
        ("cases_resolved", "cases_incoming"),
        ("cases_resolved", "cases_resolved"),
        ("convictions", "convictions"),
    ],
    Link.CORRECTIONS.value: [
        ("prison_capacity", "prisoners_total"),
        ("prison_admissions", "prison_admissions"),
        ("prisoners_total", "prisoners_total"),
    ],
}

#: Capacity measures that are physical limits (the link cannot hold more whatever its budget).
PHYSICAL_LIMITS: frozenset[str] = frozenset({"prison_capacity"})

#: Candidates for the chain's final output, first available wins.
FINAL_MEASURES: tuple[str, ...] = (
    "convictions",
    "indictments",
    "cases_resolved",
    "prison_admissions",
)

_NATIONAL = {"", "national", "nacional", "total", "all", "country"}


def national_caseload(h: HarmonizedDataset, *, country: str, year: int) -> pd.DataFrame:
    """Headline caseload of one country-year at national level: measure, value, source, note.

    National rows (region missing or labelled national/total) are preferred; when a measure
    has only regional rows they are summed and the note says so.
    """
    cl = h.headline_caseload()
    if cl.empty or C.MEASURE not in cl.columns:
        return pd.DataFrame(columns=[C.MEASURE, C.VALUE, C.SOURCE, "note"])
    sel = cl[(cl[C.COUNTRY] == country) & (pd.to_numeric(cl[C.YEAR]) == int(year))]
    if sel.empty:
        return pd.DataFrame(columns=[C.MEASURE, C.VALUE, C.SOURCE, "note"])
    if C.REGION in sel.columns:
        reg = sel[C.REGION]
        is_nat = reg.isna() | reg.astype(str).str.strip().str.lower().isin(_NATIONAL)
        is_nat |= reg.astype(str).str.upper() == country
    else:
        is_nat = pd.Series(True, index=sel.index)
    rows = []
    for m, grp in sel.groupby(C.MEASURE, sort=False):
        nat = grp[is_nat.loc[grp.index]]
        src: list[str] = (
            [str(x) for x in grp[C.SOURCE].dropna().unique()] if C.SOURCE in grp else []
        )
        if not nat.empty:
            value = float(pd.to_numeric(nat[C.VALUE]).iloc[0])
            note = "" if len(nat) == 1 else f"{len(nat)} national rows; first kept"
        else:
            value = float(pd.to_numeric(grp[C.VALUE]).sum(min_count=1))
            note = f"sum of {grp[C.REGION].nunique()} regions"
        rows.append({C.MEASURE: m, C.VALUE: value, C.SOURCE: "; ".join(src), "note": note})
    return pd.DataFrame(rows)


def _link_spending(
    h: HarmonizedDataset, *, country: str, year: int, phase: str, value_column: str
) -> pd.Series:
    s = h.spending
    if s.empty:
        return pd.Series(dtype=float)
    sel = s[(s[C.COUNTRY] == country) & (pd.to_numeric(s[C.YEAR]) == int(year))]
    if C.PHASE in sel.columns:
        sel = sel[sel[C.PHASE].astype(str) == str(phase)]
    if value_column not in sel.columns:
        raise InputError(f"spending has no column {value_column!r}")
    g = sel.groupby(sel[C.LINK].astype(str), observed=True)[value_column].sum(min_count=1)
    return g.astype(float)


@dataclass
class ChainModel:
    """Links of the chain with budget, unit cost and demand ratio.

    Parameters
    ----------
    links
        One row per link (index or a ``link`` column) with ``budget`` (currency),
        ``unit_cost`` (currency per unit of the link's output, > 0; may be NaN where the
        demand ratio is 0) and ``demand_ratio`` (units of the link's output per unit of final
        output, >= 0; 0 = does not constrain). Optional: ``limit`` (the most units of output the
        link can hold whatever its budget, e.g. prison places; NaN = none). Other columns
        (``capacity_measure``, ``demand_measure``, ``unit``) are kept.
    final_output
        Reference final output D for the demand side of :meth:`bottleneck` (the observed one
        when built from data); by default the current throughput.
    final_measure
        Name of the final output (e.g. ``"convictions"``), for labels.
    inputs_used
        What the model was built from (filled by :meth:`from_harmonized`).
    notes
        Caveats, e.g. links skipped for lack of data.
    """

    links: pd.DataFrame
    final_output: float | None = None
    final_measure: str = "final output"
    inputs_used: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)
    currency: str = ""

    def __post_init__(self) -> None:
        df = self.links.copy()
        if "link" in df.columns:
            df = df.set_index("link")
        df.index = pd.Index([str(i) for i in df.index], name="link")
        missing = [c for c in ("budget", "unit_cost", "demand_ratio") if c not in df.columns]
        if missing:
            raise InputError(
                f"links needs columns budget, unit_cost and demand_ratio; missing {missing}"
            )
        if df.index.duplicated().any():
            raise InputError(f"duplicate links: {sorted(df.index[df.index.duplicated()])}")
        if df.empty:
            raise InputError("links is empty")
        for col in ("budget", "unit_cost", "demand_ratio"):
            v = pd.to_numeric(df[col], errors="coerce")
            missing = v.isna() | ~np.isfinite(v.fillna(0))
            if col == "unit_cost":  # a link that constrains nothing needs no unit cost
                r = pd.to_numeric(df["demand_ratio"], errors="coerce")
                missing &= ~(r == 0)
                v = v.where(np.isfinite(v))
            bad = df.index[missing].tolist()
            if bad:
                raise InputError(
                    f"{col} is missing or not a number for link(s) {bad}"
                    + (
                        "; only a link with demand ratio 0 may have no unit cost"
                        if col == "unit_cost"
                        else ""
                    )
                )
            df[col] = v.astype(float)
        if (df["budget"] < 0).any():
            raise InputError(f"negative budget for {df.index[df['budget'] < 0].tolist()}")
        if (df["unit_cost"] <= 0).any():
            raise InputError(
                f"unit_cost must be > 0; not for {df.index[df['unit_cost'] <= 0].tolist()}"
            )
        if "limit" in df.columns:
            lim = pd.to_numeric(df["limit"], errors="coerce").astype(float)
            if (lim <= 0).any():
                raise InputError(
                    f"limit must be > 0 (or NaN for none); not for {df.index[lim <= 0].tolist()}"
                )
            df["limit"] = lim
        if (df["demand_ratio"] < 0).any():
            raise InputError(
                f"demand_ratio must be >= 0; not for {df.index[df['demand_ratio'] < 0].tolist()}"
            )
        if not (df["demand_ratio"] > 0).any():
            raise InputError(
                "no link has a positive demand ratio, so nothing constrains throughput"
            )
        self.links = df

    # -- construction from data --------------------------------------------------------

    @classmethod
    def from_harmonized(
        cls,
        h: HarmonizedDataset,
        *,
        country: str,
        year: int,
        phase: str = "executed",
        value_column: str = C.AMOUNT,
        measures: Mapping[str, Sequence[tuple[str, str]]] | None = None,
        final_measure: str | None = None,
        include_prevention: bool = True,
    ) -> ChainModel:
        """Derive budgets, unit costs and demand ratios from spending and caseload.

        For each link: budget = link spending of ``phase`` (column ``value_column``);
        unit cost = budget ÷ the link's capacity measure; demand ratio = the link's demand
        measure ÷ the final output (``final_measure``, by default the first available of
        convictions, indictments, cases_resolved, prison_admissions). Prevention gets demand
        ratio 0. Links without spending or without their measures are left out, with a note.
        The frame :attr:`inputs_used` lists every figure used and its source.
        """
        spend = _link_spending(
            h, country=country, year=year, phase=phase, value_column=value_column
        )
        cl = national_caseload(h, country=country, year=year)
        vals = dict(zip(cl[C.MEASURE], cl[C.VALUE])) if not cl.empty else {}
        srcs = dict(zip(cl[C.MEASURE], cl[C.SOURCE])) if not cl.empty else {}
        notes: list[str] = []
        if spend.empty:
            raise InputError(
                f"no {phase} spending for {country} {year}; check country, year and phase"
            )

        def avail(m: str) -> bool:
            v = vals.get(m)
            return v is not None and np.isfinite(v) and v > 0

        if final_measure is None:
            final_measure = next((m for m in FINAL_MEASURES if avail(m)), None)
            if final_measure is None:
                raise InputError(
                    f"no final output measure for {country} {year} (looked for "
                    f"{', '.join(FINAL_MEASURES)} in the caseload)"
                )
        elif not avail(final_measure):
            raise InputError(f"final measure {final_measure!r} is missing for {country} {year}")
        final = float(vals[final_measure])
        table = {**DEFAULT_LINK_MEASURES, **(dict(measures) if measures else {})}
        rows: list[dict[str, Any]] = []
        used: list[dict[str, Any]] = [
            {
                "role": "final output",
                "link": "",
                "item": final_measure,
                "value": final,
                "source": srcs.get(final_measure, ""),
            }
        ]
        for lk in CHAIN_LINKS:
            name = lk.value
            budget = float(spend.get(name, np.nan))
            if not np.isfinite(budget) or budget <= 0:
                notes.append(f"{name}: no {phase} spending for {country} {year}; link left out")
                continue
            used.append(
                {
                    "role": "budget",
                    "link": name,
                    "item": f"{phase} {value_column}",
                    "value": budget,
                    "source": "spending",
                }
            )
            if lk is Link.PREVENTION:
                if include_prevention:
                    rows.append(
                        {
                            "link": name,
                            "budget": budget,
                            "unit_cost": np.nan,
                            "demand_ratio": 0.0,
                            "capacity_measure": "",
                            "demand_measure": "",
                            "capacity_units": np.nan,
                            "demand_units": 0.0,
                            "limit": np.nan,
                        }
                    )
                    notes.append(
                        "prevention: no measured output, demand ratio 0 (does not constrain "
                        "throughput) and no unit cost; optimize keeps its budget unless floors "
                        "say otherwise"
                    )
                continue
            pair = next(
                ((cm, dm) for cm, dm in table.get(name, []) if avail(cm) and avail(dm)), None
            )
            if pair is None:
                cands = sorted({m for p in table.get(name, []) for m in p})
                notes.append(
                    f"{name}: none of {cands} is available for {country} {year}; link left out"
                )
                continue
            cm, dm = pair
            cap, dem = float(vals[cm]), float(vals[dm])
            # places are a physical limit: more budget does not build prisons
            limit = cap if cm in PHYSICAL_LIMITS else np.nan
            rows.append(
                {
                    "link": name,
                    "budget": budget,
                    "unit_cost": budget / cap,
                    "demand_ratio": dem / final,
                    "capacity_measure": cm,
                    "demand_measure": dm,
                    "capacity_units": cap,
                    "demand_units": dem,
                    "limit": limit,
                }
            )
            if np.isfinite(limit):
                notes.append(
                    f"{name}: {cm} ({cap:,.0f}) is a limit: throughput cannot make the link hold "
                    f"more than that without budget for new capacity "
                    f"(optimize(capacity_cost=...)); "
                    f"occupancy now {100 * dem / cap:,.1f} %"
                )
            used.append(
                {
                    "role": "capacity",
                    "link": name,
                    "item": cm,
                    "value": cap,
                    "source": srcs.get(cm, ""),
                }
            )
            if dm != cm:
                used.append(
                    {
                        "role": "demand",
                        "link": name,
                        "item": dm,
                        "value": dem,
                        "source": srcs.get(dm, ""),
                    }
                )
        unalloc = float(spend.get(Link.UNALLOCATED.value, 0.0) or 0.0)
        if unalloc > 0:
            notes.append(f"unallocated spending {unalloc:,.0f} is not part of the model")
        if not any(r["demand_ratio"] > 0 for r in rows):
            raise InputError(
                f"no link of {country} {year} has both spending and caseload; "
                "cannot build the chain"
            )
        notes.append(
            "unit costs and demand ratios are calibrated on observed data: a link whose capacity "
            "and demand measures coincide keeps up exactly at current budgets; utilisation above 1 "
            "means workload arriving faster than it is processed (backlog or overcrowding)"
        )
        return cls(
            links=pd.DataFrame(rows).set_index("link"),
            final_output=final,
            final_measure=final_measure,
            inputs_used=pd.DataFrame(used),
            notes=notes,
            currency=str(getattr(h, "currency", "")),
        )

    # -- analysis ----------------------------------------------------------------------

    @property
    def capacity(self) -> pd.Series:
        """Units of output each link can process a year: budget ÷ unit cost."""
        return (self.links["budget"] / self.links["unit_cost"]).rename("capacity")

    @property
    def limit(self) -> pd.Series:
        """The physical limit of each link's output (NaN = none)."""
        if "limit" in self.links.columns:
            return self.links["limit"].astype(float).rename("limit")
        return pd.Series(np.nan, index=self.links.index, name="limit")

    def link_throughput(self) -> pd.Series:
        """Final output each link can support: min(b / c, limit) / r; +inf where r = 0."""
        r = self.links["demand_ratio"]
        cap = pd.Series(np.fmin(self.capacity, self.limit), index=self.links.index)
        with np.errstate(divide="ignore"):
            t = cap / r.where(r > 0)
        out: pd.Series = t.fillna(np.inf).rename("max_throughput")
        return out

    @property
    def throughput(self) -> float:
        """Current throughput: min over constrained links of b / (c r)."""
        return float(self.link_throughput().min())

    def bottleneck(self) -> pd.DataFrame:
        """Every link with capacity, demand and utilisation; binding link first.

        ``demand = r_l x D`` (D: reference final output), ``utilisation = demand / capacity``,
        ``max_throughput = b / (c r)``; ``binding`` marks the link(s) that limit throughput.
        """
        d = self.final_output if self.final_output is not None else self.throughput
        cap = pd.Series(np.fmin(self.capacity, self.limit), index=self.links.index)
        demand = self.links["demand_ratio"] * d
        util = demand / cap
        tmax = self.link_throughput()
        out = pd.DataFrame(
            {
                "link": self.links.index,
                "capacity": cap.to_numpy(),
                "demand": demand.to_numpy(),
                "utilisation": util.to_numpy(),
                "max_throughput": tmax.to_numpy(),
                "budget": self.links["budget"].to_numpy(),
            }
        )
        out["binding"] = np.isclose(out["max_throughput"], self.throughput, rtol=1e-9)
        return out.sort_values(["utilisation", "link"], ascending=[False, True]).reset_index(
            drop=True
        )

    def with_budgets(self, budgets: pd.Series | Mapping[str, float]) -> ChainModel:
        """A copy with new budgets (unit costs and demand ratios unchanged)."""
        new = self.links.copy()
        b = pd.Series(budgets, dtype=float)
        unknown = sorted(set(b.index) - set(new.index))
        if unknown:
            raise InputError(f"unknown link(s) {unknown}; links are {list(new.index)}")
        new.loc[b.index, "budget"] = b
        return ChainModel(
            links=new,
            final_output=self.final_output,
            final_measure=self.final_measure,
            inputs_used=self.inputs_used,
            notes=list(self.notes),
            currency=self.currency,
        )

    def optimize(
        self,
        total_budget: float | None = None,
        *,
        max_change: float | Mapping[str, float] | None = None,
        floors: Mapping[str, float] | pd.Series | None = None,
        returns: ReturnsEstimate | Mapping[str, float] | pd.Series | float | None = None,
        limits: Mapping[str, float] | None = None,
        capacity_cost: Mapping[str, float] | None = None,
        value_per_output: Mapping[str, float] | None = None,
    ) -> AllocationResult:
        """A reallocation scenario: maximise throughput (or value) by moving budget across links.

        The result is a scenario under the stated assumptions (constant unit costs, fixed demand
        ratios, the bounds below), not a recommendation.

        Parameters
        ----------
        total_budget
            Total to allocate; the current total when omitted.
        max_change
            Largest relative change per link (0.2 = within ±20 % of the current budget); a
            number for all links or a mapping per link.
        floors
            Minimum budget per link. **Prevention is kept at least at its current budget**
            unless ``floors`` names it (``floors={"prevention": 0}`` lets it be cut): it has no
            measured output, so a throughput model would always take money from it.
        returns
            Diminishing returns: beta per link (mapping), one beta for all, or a
            :class:`~peir.allocation.returns.ReturnsEstimate`. Without it the problem is the
            LP of docs/methodology.md §7, solved with HiGHS.
        limits
            Physical limits per link (units of output, e.g. prison places); by default the
            model's ``limit`` column (:meth:`from_harmonized` sets the prisons' official
            capacity). ``r_l T <= limit_l``: prison throughput cannot rise above capacity.
            ``{}`` drops every limit.
        capacity_cost
            Currency per extra unit of a limited link's capacity (e.g. the yearly cost of one
            new prison place). With it, the scenario may spend part of the total on new capacity
            (reported in ``capacity_added``); without it, a limit is fixed.
        value_per_output
            Currency value of one unit of each link's output, e.g. the cost of crime it avoids.
            The objective becomes the total value ``sum_l v_l x_l`` (``x_l = r_l T`` for
            constrained links, ``b_l / c_l`` for links with demand ratio 0, which then need a
            unit cost), so prevention can be valued. The value per unit is an assumption the
            user states; it is recorded in the result's notes. ``None`` (default) maximises
            throughput. Not available with ``returns``.

        Raises
        ------
        peir.InfeasibleError
            When the bounds cannot be met; ``.constraint`` names the one at fault.
        peir.InputError
            On unknown links, bad values, or options that do not go together.
        """
        beta: pd.Series | dict[str, float] | float | None
        if isinstance(returns, ReturnsEstimate):
            beta = returns.beta_for(list(self.links.index))
        elif isinstance(returns, Mapping):
            beta = dict(returns)
        else:
            beta = returns
        mc: float | pd.Series | dict[str, float] | None = (
            dict(max_change) if isinstance(max_change, Mapping) else max_change
        )
        fl: dict[str, float] = (
            {str(k): float(v) for k, v in dict(floors).items()} if floors is not None else {}
        )
        notes: list[str] = []
        prevention = Link.PREVENTION.value
        if prevention in self.links.index and prevention not in fl:
            fl[prevention] = float(self.links["budget"].astype(float)[prevention])
            notes.append(
                "prevention is kept at least at its current budget (it has no measured output); "
                "floors={'prevention': ...} sets another floor"
            )
        lim = (
            self.limit
            if limits is None
            else pd.Series(dict(limits), dtype=float).reindex(self.links.index)
        )
        unknown = sorted(set(limits or {}) - set(self.links.index)) if limits is not None else []
        if unknown:
            raise InputError(
                f"limits name unknown link(s) {unknown}; links are {list(self.links.index)}"
            )
        res = solve_allocation(
            self.links,
            total_budget=total_budget,
            max_change=mc,
            floors=fl,
            returns=beta,
            limits=lim,
            capacity_cost=dict(capacity_cost) if capacity_cost else None,
            value_per_output=dict(value_per_output) if value_per_output else None,
        )
        res.notes[:0] = notes
        res.notes.extend(n for n in self.notes if n not in res.notes)
        return res

    # -- presentation ------------------------------------------------------------------

    def to_frame(self) -> pd.DataFrame:
        out = self.links.copy()
        out["capacity"] = self.capacity
        out["max_throughput"] = self.link_throughput()
        return out

    def summary(self) -> str:
        lines = [
            f"ChainModel: {len(self.links)} links; throughput {self.throughput:,.6g} "
            f"({self.final_measure} per year)",
            self.bottleneck().to_string(float_format=lambda v: f"{v:,.4g}"),
        ]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"ChainModel(links={list(self.links.index)}, throughput={self.throughput:.6g})"

    def _repr_html_(self) -> str:
        return f"<p><b>{html.escape(repr(self))}</b></p>" + self.bottleneck().to_html(
            float_format=lambda v: f"{v:,.4g}", index=False
        )
