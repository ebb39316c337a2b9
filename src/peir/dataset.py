"""``Dataset`` and ``HarmonizedDataset``: the facade that calls the pipeline.

A :class:`Dataset` holds the validated input tables. :meth:`Dataset.harmonize` places spending on
the links, consolidates transfers, converts to constant prices and currencies and returns a
:class:`HarmonizedDataset`, which is what indicators, efficiency, allocation and reports read.

This module sits above the pipeline and imports it; the pipeline returns plain results
(:class:`peir.pipeline.harmonize.HarmonizedFrames`) that are wrapped here, and never imports
this module.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from peir.errors import InputError
from peir.pipeline import ingest
from peir.pipeline.harmonize import HarmonizedFrames
from peir.pipeline.harmonize import harmonize as harmonize_frames
from peir.pipeline.options import HarmonizeOptions
from peir.pipeline.prices import rebase_amounts
from peir.pipeline.store import read_parquet, write_parquet
from peir.pipeline.validate import cross_validate
from peir.schema import C
from peir.tables import (
    BudgetTable,
    CaseloadTable,
    ChainMap,
    ContextTable,
    PersonnelTable,
    Table,
    ValidationReport,
)

__all__ = ["Dataset", "HarmonizeOptions", "HarmonizedDataset", "read_harmonized"]


def _as_table(obj: Any, cls: type[Table], reader_name: str) -> Any:
    """Accept a typed table, a DataFrame (validated through the reader) or None."""
    if obj is None or isinstance(obj, cls):
        return obj
    if isinstance(obj, pd.DataFrame):
        return getattr(ingest, reader_name)(obj)
    raise TypeError(f"expected {cls.__name__}, a DataFrame or None, got {type(obj).__name__}")


class Dataset:
    """Validated input tables of one review: budget, caseload, context, chain map, personnel.

    Parameters
    ----------
    budget, caseload, context, chain_map, personnel
        Typed tables (from ``peir.read_*``) or DataFrames in canonical columns (validated on
        the way in), or ``None``.
    name
        A label (e.g. the example name), used in reports.
    meta
        Free metadata, e.g. ``{"synthetic": True}`` or ``{"sources": "SOURCES.md"}``.
    """

    def __init__(
        self,
        budget: BudgetTable | pd.DataFrame | None = None,
        caseload: CaseloadTable | pd.DataFrame | None = None,
        context: ContextTable | pd.DataFrame | None = None,
        chain_map: ChainMap | pd.DataFrame | None = None,
        personnel: PersonnelTable | pd.DataFrame | None = None,
        *,
        name: str = "",
        meta: dict[str, Any] | None = None,
    ) -> None:
        self.budget: BudgetTable | None = _as_table(budget, BudgetTable, "read_budget")
        self.caseload: CaseloadTable | None = _as_table(caseload, CaseloadTable, "read_caseload")
        self.context: ContextTable | None = _as_table(context, ContextTable, "read_context")
        self.chain_map: ChainMap | None = _as_table(chain_map, ChainMap, "read_chain_map")
        self.personnel: PersonnelTable | None = _as_table(
            personnel, PersonnelTable, "read_personnel"
        )
        self.name = name
        self.meta: dict[str, Any] = dict(meta or {})

    @property
    def econ_scheme(self) -> str | dict[str, str] | None:
        """The national economic classification of the budget's ``econ`` codes: the dataset's
        own (``meta["econ_scheme"]``: an example, ``peir.yaml``) or the budget's read spec."""
        scheme = self.meta.get("econ_scheme")
        if scheme is None and self.budget is not None:
            scheme = self.budget.report.meta.get("econ_scheme")
        return scheme  # type: ignore[no-any-return]

    @property
    def tables(self) -> dict[str, Table]:
        """The tables present, by kind."""
        out: dict[str, Table] = {}
        for kind in ("budget", "caseload", "context", "chain_map", "personnel"):
            t = getattr(self, kind)
            if t is not None:
                out[kind] = t
        return out

    def validate(self) -> ValidationReport:
        """Every table's report plus cross-table checks.

        The checks across tables: unknown institutions, years without context...
        """
        return cross_validate(self.tables, name=self.name)

    def harmonize(
        self,
        *,
        base_year: int | None = None,
        currency: str | None = None,
        ppp: bool = False,
        options: HarmonizeOptions | None = None,
        **keywords: Any,
    ) -> HarmonizedDataset:
        """Place spending on links, consolidate, deflate, convert; pick caseload headlines.

        Parameters
        ----------
        base_year, currency, ppp, **keywords
            The fields of :class:`peir.HarmonizeOptions` (``deflator``, ``allow_gaps``,
            ``source_priority``, ``fiscal_year``, ``cofog``, ``sort``, ``econ_scheme``),
            documented there; an unknown keyword raises :class:`peir.InputError`.
        options
            Or one :class:`peir.HarmonizeOptions` object (then no keywords).

        Without a ``source_priority``, the dataset's own (``meta["source_priority"]``, as the
        examples and :func:`peir.datasets.simulate` set it) is used; without an ``econ_scheme``,
        :attr:`econ_scheme` (the example's, ``peir.yaml``'s or the budget spec's). The work is
        :func:`peir.pipeline.harmonize.harmonize`.
        """
        if options is None:
            opts = HarmonizeOptions.from_keywords(
                base_year=base_year, currency=currency, ppp=ppp, **keywords
            )
        elif keywords or base_year is not None or currency is not None or ppp:
            raise InputError(
                "Dataset.harmonize: give options=HarmonizeOptions(...) or keywords, not both"
            )
        else:
            opts = options
        if opts.source_priority is None and self.meta.get("source_priority"):
            # an example's (or simulate()'s) own caseload source priority, unless overridden
            opts = opts.replace(source_priority=self.meta["source_priority"])
        if opts.econ_scheme is None and self.econ_scheme is not None:
            opts = opts.replace(econ_scheme=self.econ_scheme)
        frames = harmonize_frames(
            self.budget.frame if self.budget is not None else None,
            chain_map=self.chain_map.frame if self.chain_map is not None else None,
            context=self.context.frame if self.context is not None else None,
            caseload=self.caseload.frame if self.caseload is not None else None,
            options=opts,
            name=self.name,
            synthetic=bool(self.meta.get("synthetic", False)),
        )
        h = HarmonizedDataset.from_frames(frames, name=self.name)
        h.meta = dict(self.meta)
        if self.personnel is not None:
            h.personnel = self.personnel.frame
        if self.budget is not None:
            h.report = self.budget.report
        return h

    def __repr__(self) -> str:
        parts = [f"{k}={len(t)} rows" for k, t in self.tables.items()]
        return f"Dataset({self.name!r}, {', '.join(parts)})"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{k}</td><td>{len(t)}</td><td>{len(t.rejected)}</td>"
            f"<td>{'yes' if t.report.ok else 'no'}</td></tr>"
            for k, t in self.tables.items()
        )
        return (
            f"<p><b>Dataset</b> {html.escape(self.name)}</p><table><tr><th>table</th><th>rows</th>"
            f"<th>rejected</th><th>valid</th></tr>{rows}</table>"
        )


@dataclass
class HarmonizedDataset:
    """Canonical long tables after harmonisation, with provenance.

    Attributes
    ----------
    spending
        One row per budget line x link share: ``country, year, institution_code, institution,
        program, econ, econ_gfs`` (the GFS 2014 class of ``econ``, see :func:`peir.econ.to_gfs`;
        missing without an ``econ_scheme``), ``func, region, funding_source, phase, link, share,
        basis, amount_lcu``
        (nominal, local currency, after the share), ``amount`` (nominal, in :attr:`currency`),
        ``amount_real`` (constant :attr:`base_year` prices, in :attr:`currency`), ``currency``,
        ``source_ref``, ``rule_ref`` (the chain-map row that placed it; missing for lines no
        rule covers) and ``transfer_to``. Column order and dtypes:
        :data:`peir.pipeline.harmonize.SPENDING_COLUMNS` / ``SPENDING_DTYPES``.
    caseload
        Canonical caseload columns with ``link`` filled in and ``headline`` (bool): the value
        picked by the source priority for each (country, year, region, measure); the
        alternatives are kept with ``headline=False``.
    context
        Canonical context columns, one row per country-year.
    base_year, currency
        The constant-price base year (None = nominal only) and the output currency.
    transfers
        Consolidation report: the transfer lines removed from the payer (amount, lines).
    discrepancies
        Where caseload sources disagree for one measure: the values and the difference.
    gaps
        Country-years flagged for missing context (when gaps were allowed).
    personnel
        The personnel table as read (headcount and wage bill by institution, category, region
        and year, wage bills in local currency): not converted or deflated.
    provenance
        Inputs, options and versions used.
    meta
        The dataset's own description, carried from :attr:`Dataset.meta` (an example's or a
        project's): ``coverage`` (the institutions and link split of each window of years,
        with ``links_from``), ``published_figures`` (for the brief's reconciliation),
        ``data_requests`` (``need``, ``from``, ``why``) and the like. Empty when not known.
    """

    spending: pd.DataFrame
    caseload: pd.DataFrame
    context: pd.DataFrame
    base_year: int | None = None
    currency: str = "LCU"
    transfers: pd.DataFrame = field(default_factory=pd.DataFrame)
    discrepancies: pd.DataFrame = field(default_factory=pd.DataFrame)
    gaps: pd.DataFrame = field(default_factory=pd.DataFrame)
    provenance: dict[str, Any] = field(default_factory=dict)
    personnel: pd.DataFrame = field(default_factory=pd.DataFrame)
    report: ValidationReport = field(default_factory=ValidationReport)
    name: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_frames(cls, frames: HarmonizedFrames, *, name: str = "") -> HarmonizedDataset:
        """Wrap the plain result of :func:`peir.pipeline.harmonize.harmonize`."""
        return cls(
            spending=frames.spending,
            caseload=frames.caseload,
            context=frames.context,
            base_year=frames.base_year,
            currency=frames.currency,
            transfers=frames.transfers,
            discrepancies=frames.discrepancies,
            gaps=frames.gaps,
            provenance=frames.provenance,
            name=name,
        )

    @property
    def unallocated(self) -> pd.DataFrame:
        """Spending that no rule placed on a link, by country, year and phase."""
        s = self.spending
        if s.empty:
            return s
        u = s[s[C.LINK] == "unallocated"]
        return u.groupby([C.COUNTRY, C.YEAR, C.PHASE], as_index=False, observed=True)[
            [C.AMOUNT]
        ].sum()

    @property
    def countries(self) -> list[str]:
        return sorted(
            pd.unique(
                pd.concat(
                    [
                        self.spending.get(C.COUNTRY, pd.Series(dtype=object)),
                        self.caseload.get(C.COUNTRY, pd.Series(dtype=object)),
                    ]
                ).dropna()
            )
        )

    @property
    def synthetic(self) -> bool:
        """True when the data comes from :func:`peir.datasets.simulate`."""
        return bool(self.provenance.get("synthetic", False))

    def headline_caseload(self) -> pd.DataFrame:
        """Caseload rows chosen by the source priority (one per country, year, region, measure)."""
        cl = self.caseload
        if C.HEADLINE in cl.columns:
            return cl[cl[C.HEADLINE].astype(bool)]
        return cl

    def aggregate(
        self,
        by: tuple[str, ...] | list[str] = (C.COUNTRY, C.YEAR, C.PHASE),
        *,
        phase: str | None = None,
    ) -> pd.DataFrame:
        """Sum spending by ``by`` and add per-inhabitant and macro shares.

        Returns ``by`` + ``amount, amount_real, population, population_source, per_capita,
        per_capita_real, per_100k, pct_gdp, pct_gov_expenditure`` where

        - per_capita = amount / population; per_100k = amount / population x 100,000;
        - pct_gdp = amount_lcu / gdp_lcu x 100;
        - pct_gov_expenditure = amount_lcu / gov_expenditure_lcu x 100 (scope named in
          ``gov_expenditure_scope``).

        The shares of GDP and of government expenditure are computed in local currency, so
        they do not depend on the exchange rate.

        The denominators come from :attr:`context` (on the spending's fiscal-year labels).
        When ``by`` includes ``region`` and the context has rows with a ``region`` (sub-national
        population), those rows are used; otherwise the country rows (no region) are.
        """
        s = self.spending
        if phase is not None:
            s = s[s[C.PHASE] == phase]
        by = list(by)
        cols = [c for c in (C.AMOUNT_LCU, C.AMOUNT, C.AMOUNT_REAL) if c in s.columns]
        g = s.groupby(by, as_index=False, observed=True, dropna=False)[cols].sum(min_count=1)
        if C.COUNTRY in by and C.YEAR in by and not self.context.empty:
            ctx_cols = [
                c
                for c in (
                    C.COUNTRY,
                    C.YEAR,
                    C.POPULATION,
                    C.POPULATION_SOURCE,
                    C.GDP_LCU,
                    C.GOV_EXPENDITURE_LCU,
                    C.GOV_EXPENDITURE_SCOPE,
                )
                if c in self.context.columns
            ]
            ctx = self.context
            on = [C.COUNTRY, C.YEAR]
            if C.REGION in ctx.columns:
                if C.REGION in by and bool(ctx[C.REGION].notna().any()):
                    ctx = ctx[ctx[C.REGION].notna()]
                    on.append(C.REGION)
                    ctx_cols.append(C.REGION)
                else:
                    ctx = ctx[ctx[C.REGION].isna()]
            ctx = ctx.drop_duplicates(on, keep="last")
            g = g.merge(ctx[ctx_cols], on=on, how="left")
            if C.POPULATION in g:
                g["per_capita"] = g[C.AMOUNT] / g[C.POPULATION]
                if C.AMOUNT_REAL in g:
                    g["per_capita_real"] = g[C.AMOUNT_REAL] / g[C.POPULATION]
                g["per_100k"] = g["per_capita"] * 100_000
            if C.GDP_LCU in g and C.AMOUNT_LCU in g:
                g["pct_gdp"] = g[C.AMOUNT_LCU] / g[C.GDP_LCU] * 100
            if C.GOV_EXPENDITURE_LCU in g and C.AMOUNT_LCU in g:
                g["pct_gov_expenditure"] = g[C.AMOUNT_LCU] / g[C.GOV_EXPENDITURE_LCU] * 100
        return g

    def rebase(self, base_year: int) -> HarmonizedDataset:
        """The same data in constant prices of another ``base_year`` (exact, reversible).

        ``amount_real_new = amount_real × D[new] / D[old] × X[old] / X[new]`` per country, with
        the deflator and the conversion rate recorded in :attr:`provenance` (``X`` = 1 for
        local currency); see :func:`peir.pipeline.prices.rebase_amounts`.
        """
        if self.base_year is None:
            raise ValueError(
                "this HarmonizedDataset has no base year (nominal only); harmonize with base_year="
            )
        s = self.spending.copy()
        if len(s):
            s[C.AMOUNT_REAL] = rebase_amounts(
                s,
                self.context,
                from_year=int(self.base_year),
                to_year=int(base_year),
                deflator="cpi" if self.provenance.get("deflator") == C.CPI else "gdp",
                conversion=self.provenance.get("conversion"),
                converted=s[C.AMOUNT] != s[C.AMOUNT_LCU],
            ).to_numpy()
        prov = {**self.provenance, "base_year": int(base_year), "rebased_from": int(self.base_year)}
        return replace(self, spending=s, base_year=int(base_year), provenance=prov)

    def to_parquet(self, directory: str | Path) -> Path:
        """Write one Parquet file per table, provenance in the Arrow schema metadata."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        prov = {
            **self.provenance,
            "base_year": self.base_year,
            "currency": self.currency,
            "name": self.name,
            "meta": self.meta,
        }
        for name in (
            "spending",
            "caseload",
            "context",
            "transfers",
            "discrepancies",
            "gaps",
            "personnel",
        ):
            frame = getattr(self, name)
            write_parquet(
                frame,
                d / f"{name}.parquet",
                schema_id=f"peir:harmonized:{name}:v1",
                provenance=prov,
            )
        return d

    def summary(self) -> str:
        s = self.spending
        lines = [
            f"HarmonizedDataset {self.name!r}: {len(s)} spending rows, "
            f"{len(self.caseload)} caseload rows, currency {self.currency}, "
            f"base year {self.base_year}"
        ]
        if not s.empty:
            tot = s.groupby([C.PHASE, C.LINK], observed=True)[C.AMOUNT].sum().unstack(C.LINK)
            lines.append(tot.to_string(float_format=lambda v: f"{v:,.0f}"))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"HarmonizedDataset({self.name!r}, spending={len(self.spending)} rows,"
            f" caseload={len(self.caseload)} rows, currency={self.currency},"
            f" base_year={self.base_year})"
        )

    def _repr_html_(self) -> str:
        s = self.spending
        body = ""
        if not s.empty:
            tot = s.groupby([C.YEAR, C.LINK], observed=True)[C.AMOUNT].sum().unstack(C.LINK)
            body = tot.to_html(float_format=lambda v: f"{v:,.0f}")
        return f"<p><b>{html.escape(repr(self))}</b></p>{body}"


def read_harmonized(directory: str | Path) -> HarmonizedDataset:
    """Read a :class:`HarmonizedDataset` written by :meth:`HarmonizedDataset.to_parquet`."""
    d = Path(directory)
    frames: dict[str, pd.DataFrame] = {}
    meta: dict[str, Any] = {}
    for name in (
        "spending",
        "caseload",
        "context",
        "transfers",
        "discrepancies",
        "gaps",
        "personnel",
    ):
        p = d / f"{name}.parquet"
        if p.exists():
            frames[name], m = read_parquet(p)
            meta = meta or m
        else:
            frames[name] = pd.DataFrame()
    prov = dict(meta.get("provenance", {}))
    base_year = prov.pop("base_year", None)
    currency = prov.pop("currency", "LCU")
    name = prov.pop("name", "")
    dataset_meta = dict(prov.pop("meta", None) or {})
    return HarmonizedDataset(
        spending=frames["spending"],
        caseload=frames["caseload"],
        context=frames["context"],
        base_year=base_year,
        currency=currency,
        transfers=frames["transfers"],
        discrepancies=frames["discrepancies"],
        gaps=frames["gaps"],
        provenance=prov,
        personnel=frames["personnel"],
        name=name,
        meta=dataset_meta,
    )
