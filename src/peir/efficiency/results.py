"""Results objects of the DEA models."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from peir.efficiency.frontier import Frontier

__all__ = ["DEAResult", "Summary"]

Array = np.ndarray[Any, np.dtype[np.float64]]
# lambdas are returned dense below this many cells, as a sparse frame above
DENSE_LAMBDA_CELLS = 4_000_000

_RTS_NAMES = {
    "crs": "constant returns to scale (CCR)",
    "vrs": "variable returns to scale (BCC)",
    "nirs": "non-increasing returns to scale",
    "ndrs": "non-decreasing returns to scale",
    "fdh": "free disposal hull",
}


@dataclass
class Summary:
    """A printable summary: ``as_text()``, ``as_html()``; shown as HTML in notebooks.

    ``notes`` are printed under the table; ``float_format`` formats its numbers.
    """

    title: str
    header: list[tuple[str, str]]
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    float_format: str = ".4f"

    def _fmt(self, v: float) -> str:
        return f"{v:{self.float_format}}"

    def as_text(self) -> str:
        lines = [self.title, "=" * len(self.title)]
        width = max((len(k) for k, _ in self.header), default=0)
        lines += [f"{k:<{width}}  {v}" for k, v in self.header]
        lines += ["", self.table.to_string(float_format=self._fmt)]
        if self.notes:
            lines += ["", *self.notes]
        return "\n".join(lines)

    def as_html(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
            for k, v in self.header
        )
        notes = "".join(f"<p><small>{html.escape(n)}</small></p>" for n in self.notes)
        return (
            f"<h4>{html.escape(self.title)}</h4><table>{rows}</table>"
            + self.table.to_html(float_format=self._fmt)
            + notes
        )

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()


@dataclass
class DEAResult:
    """Result of :func:`peir.efficiency.dea`.

    Attributes
    ----------
    efficiency : Series
        Farrell efficiency in (0, 1] against the unit's own technology: θ (input orientation) or
        1/φ (output orientation). Against another technology it may exceed 1; +inf marks a unit
        for which the LP is infeasible (beyond the reference technology); NaN a solver failure.
    expansion : Series
        φ ≥ 1 (output orientation) or 1/θ (input); NaN when infeasible.
    feasible : Series of bool
    slacks_inputs, slacks_outputs : DataFrame
        Input excess and output shortfall left after the radial move, maximised in a second
        stage with θ (φ) fixed at its unrounded first-stage value (in the data's own units).
    targets_inputs, targets_outputs : DataFrame
        Projections onto the frontier, Σ_j λ_j x_j and Σ_j λ_j y_j.
    rts, orientation : str
    """

    efficiency: pd.Series
    expansion: pd.Series
    feasible: pd.Series
    slacks_inputs: pd.DataFrame
    slacks_outputs: pd.DataFrame
    targets_inputs: pd.DataFrame
    targets_outputs: pd.DataFrame
    rts: str
    orientation: str
    slacks: bool
    ref_inputs: pd.DataFrame
    ref_outputs: pd.DataFrame
    scale_inputs: Array
    scale_outputs: Array
    own_reference: bool
    lam: sp.csr_matrix = field(repr=False)
    variable_units: dict[str, str] = field(default_factory=dict)
    input_data: pd.DataFrame | None = field(default=None, repr=False)
    output_data: pd.DataFrame | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ accessors
    @property
    def input_names(self) -> list[str]:
        return [str(c) for c in self.ref_inputs.columns]

    @property
    def output_names(self) -> list[str]:
        return [str(c) for c in self.ref_outputs.columns]

    @cached_property
    def lambdas(self) -> pd.DataFrame:
        """Intensity weights λ: units × reference units (sparse frame for large problems)."""
        n, nr = self.lam.shape
        cols = self.ref_inputs.index
        if n * nr <= DENSE_LAMBDA_CELLS:
            return pd.DataFrame(self.lam.toarray(), index=self.efficiency.index, columns=cols)
        sparse_ctor: Any = pd.DataFrame.sparse
        out: pd.DataFrame = sparse_ctor.from_spmatrix(
            self.lam, index=self.efficiency.index, columns=cols
        )
        return out

    @cached_property
    def _peer_lists(self) -> list[list[Any]]:
        """Peers of each unit by position (robust to duplicate unit labels)."""
        out: list[list[Any]] = []
        lam = self.lam.tocsr()
        names = self.ref_inputs.index
        for k in range(lam.shape[0]):
            a, b = lam.indptr[k], lam.indptr[k + 1]
            cols, vals = lam.indices[a:b], lam.data[a:b]
            order = np.argsort(-vals, kind="stable")
            out.append([names[c] for c in cols[order]])
        return out

    @property
    def peers(self) -> dict[Any, list[Any]]:
        """Reference units with λ > 0 for each unit (its benchmarks), largest weight first."""
        return dict(zip(self.efficiency.index, self._peer_lists, strict=True))

    # ------------------------------------------------------------------ tables
    def to_frame(self) -> pd.DataFrame:
        """One tidy row per unit: scores, feasibility, peers, slacks and targets."""
        df = pd.DataFrame(
            {
                "efficiency": self.efficiency,
                "expansion": self.expansion,
                "feasible": self.feasible,
            }
        )
        df["peers"] = ["; ".join(map(str, p)) for p in self._peer_lists]
        for frame, prefix in (
            (self.slacks_inputs, "slack_"),
            (self.slacks_outputs, "slack_"),
            (self.targets_inputs, "target_"),
            (self.targets_outputs, "target_"),
        ):
            for c in frame.columns:
                df[f"{prefix}{c}"] = frame[c].to_numpy()
        return df

    def summary(self) -> Summary:
        """Model description and the distribution of scores."""
        eff = self.efficiency
        finite = eff[np.isfinite(eff)]
        header = [
            ("Model", f"DEA, {_RTS_NAMES[self.rts]}, {self.orientation} orientation"),
            ("Units", f"{len(eff)}"),
            ("Reference units", f"{len(self.ref_inputs)}"
             + ("" if self.own_reference else " (external reference)")),
            ("Inputs", ", ".join(self.input_names)),
            ("Outputs", ", ".join(self.output_names)),
            ("Second stage", "max-slack" if self.slacks else "none (radial only)"),
            ("Efficient units (score = 1)", f"{int(np.isclose(eff, 1.0, atol=1e-9).sum())}"),
            ("Mean efficiency", f"{finite.mean():.4f}" if len(finite) else "n/a"),
        ]
        if (~self.feasible).any():
            header.append(("Infeasible units (+inf)", f"{int((~self.feasible).sum())}"))
        desc = eff.replace([np.inf, -np.inf], np.nan).describe().to_frame("efficiency").T
        return Summary("DEA results", header, desc)

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        head = self.to_frame().head(20)
        return self.summary().as_html() + "<p>First units:</p>" + head.to_html(
            float_format=lambda v: f"{v:.4f}"
        )

    def plot(self, ax: Any = None) -> Figure:
        """Ranking of units by efficiency (horizontal bars, best on top); returns the Figure."""
        import matplotlib.pyplot as plt

        eff = self.efficiency.replace([np.inf], np.nan).dropna().sort_values()
        if ax is None:
            fig, ax = plt.subplots(figsize=(7, max(2.5, 0.22 * len(eff) + 1)))
        else:
            fig = ax.figure
        labels = [str(u) for u in eff.index]
        colors = ["#1b7837" if v >= 1 - 1e-9 else "#5aae61" if v >= 0.8 else "#c2a5cf"
                  for v in eff.to_numpy()]
        ax.barh(range(len(eff)), eff.to_numpy(), color=colors)
        ax.set_yticks(range(len(eff)))
        ax.set_yticklabels(labels, fontsize=8 if len(eff) > 30 else 9)
        ax.axvline(1.0, color="0.3", lw=0.8, ls="--")
        ax.set_xlabel(f"efficiency ({self.orientation} orientation, {self.rts.upper()})")
        ax.set_title("DEA efficiency ranking")
        fig.tight_layout()
        return fig

    # ------------------------------------------------------------------ reuse
    def frontier(
        self,
        units: dict[str, str] | None = None,
        notes: str = "",
        years: list[Any] | None = None,
    ) -> Frontier:
        """The reference technology of this run, reusable next year (see :class:`Frontier`).

        Parameters
        ----------
        units
            Unit of measure of each variable, e.g. ``{"expenditure": "BRL 2015"}``; checked when
            the frontier scores new data.
        notes
            Free text stored in the model card.
        years
            Periods the reference data covers.
        """
        from peir.efficiency.frontier import Frontier

        return Frontier.from_result(self, units=units, notes=notes, years=years)
