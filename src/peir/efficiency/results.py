"""The result of a DEA run (:class:`DEAResult`) and how it is assembled from the solver's output.

A :class:`DEAResult` holds the technology it was scored against (a
:class:`~peir.efficiency.frontier.Frontier`), so :meth:`DEAResult.frontier` needs no import of
the frontier module: ``frontier`` builds results, results only hold frontiers.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from peir._results import Result, Summary
from peir.efficiency import lp
from peir.efficiency._checks import RTS_NAMES, Matrix
from peir.efficiency._plots import ranking
from peir.efficiency.scoring import Raw, to_efficiency
from peir.errors import PeirWarning

if TYPE_CHECKING:  # pragma: no cover - types only; frontier imports this module
    from matplotlib.figure import Figure

    from peir.efficiency.frontier import Frontier

__all__ = ["DEAResult", "Summary", "build_result"]

Array = np.ndarray[Any, np.dtype[np.float64]]
# lambdas are returned dense below this many cells, as a sparse frame above
DENSE_LAMBDA_CELLS = 4_000_000


@dataclass(frozen=True, repr=False, eq=False)
class DEAResult(Result):
    """Result of :func:`peir.efficiency.dea` (read-only).

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
    slacks : bool
        Whether the max-slack second stage ran.
    technology : Frontier
        The reference technology the units were scored against (their own data unless
        ``reference`` was given).
    own_reference : bool
    slacks_maximal : Series of bool, optional
        True where the max-slack second stage solved; False where it failed even with the
        score relaxed by 1e-9 (those units' slacks and targets come from the first stage and
        may not be maximal; a warning names them). None when ``slacks`` is False.
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
    technology: Frontier
    own_reference: bool
    lam: sp.csr_matrix
    input_data: pd.DataFrame | None = None
    output_data: pd.DataFrame | None = None
    slack_weights: str = "mean"
    slacks_maximal: pd.Series | None = None

    # ------------------------------------------------------------------ accessors
    @property
    def ref_inputs(self) -> pd.DataFrame:
        """Inputs of the reference units."""
        return self.technology.ref_inputs

    @property
    def ref_outputs(self) -> pd.DataFrame:
        """Outputs of the reference units."""
        return self.technology.ref_outputs

    @property
    def scale_inputs(self) -> Array:
        """Column divisors the solver used for the inputs (the reference columns' means)."""
        return self.technology.scale_inputs

    @property
    def scale_outputs(self) -> Array:
        return self.technology.scale_outputs

    @property
    def variable_units(self) -> dict[str, str]:
        """Units of measure of the variables, as recorded on the technology's model card."""
        return dict(self.technology.card.units)

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
            ("Model", f"DEA, {RTS_NAMES[self.rts]}, {self.orientation} orientation"),
            ("Units", f"{len(eff)}"),
            (
                "Reference units",
                f"{len(self.ref_inputs)}" + ("" if self.own_reference else " (external reference)"),
            ),
            ("Inputs", ", ".join(self.input_names)),
            ("Outputs", ", ".join(self.output_names)),
            (
                "Second stage",
                f"max-slack, {self.slack_weights} weights" if self.slacks else "none (radial only)",
            ),
            ("Efficient units (score = 1)", f"{int(np.isclose(eff, 1.0, atol=1e-9).sum())}"),
            ("Mean efficiency", f"{finite.mean():.4f}" if len(finite) else "n/a"),
        ]
        if (~self.feasible).any():
            header.append(("Infeasible units (+inf)", f"{int((~self.feasible).sum())}"))
        if self.slacks_maximal is not None and not self.slacks_maximal.all():
            header.append(
                (
                    "Slacks not maximal (second stage failed)",
                    f"{int((~self.slacks_maximal).sum())}: see .slacks_maximal",
                )
            )
        desc = eff.replace([np.inf, -np.inf], np.nan).describe().to_frame("efficiency").T
        return Summary("DEA results", header, desc)

    def plot(self, ax: Any = None) -> Figure:
        """Ranking of units by efficiency (horizontal bars, best on top); returns the Figure."""
        return ranking(
            self.efficiency,
            ax=ax,
            title="DEA efficiency ranking",
            xlabel=f"efficiency ({self.orientation} orientation, {self.rts.upper()})",
        )

    # ------------------------------------------------------------------ reuse
    def frontier(
        self,
        units: dict[str, str] | None = None,
        notes: str = "",
        years: list[Any] | None = None,
    ) -> Frontier:
        """The reference technology of this run with its options (``rts``, ``orientation``,
        ``slacks``), reusable next year (see :class:`~peir.efficiency.frontier.Frontier`).

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
        return self.technology.derive(
            rts=self.rts,
            orientation=self.orientation,
            slacks=self.slacks,
            units=units,
            notes=notes,
            years=years,
        )


def build_result(
    raw: Raw,
    xe: Matrix,
    ye: Matrix,
    technology: Frontier,
    *,
    rts: str,
    orientation: str,
    slacks: bool,
    own: bool,
    slack_weights: str = "mean",
) -> DEAResult:
    """Assemble a :class:`DEAResult` from the solver's output (slacks and targets in the data's
    own units); warn about units whose LP or max-slack stage failed."""
    xr, yr = technology.ref_inputs, technology.ref_outputs
    scale_x, scale_y = technology.scale_inputs, technology.scale_outputs
    n_fail = int((raw.status == lp.FAILED).sum())
    if n_fail:
        warnings.warn(
            f"DEA: the LP of {n_fail} unit(s) did not solve to optimality even from a cold "
            "start; their scores are NaN and .feasible is False.",
            PeirWarning,
            stacklevel=3,
        )
    if raw.slack_failed.size:
        names = ", ".join(repr(xe.index[i]) for i in raw.slack_failed[:10])
        more = f" and {raw.slack_failed.size - 10} more" if raw.slack_failed.size > 10 else ""
        warnings.warn(
            f"DEA: the max-slack second stage failed for {raw.slack_failed.size} unit(s) "
            f"({names}{more}), even with the score relaxed by 1e-9; their scores are exact "
            "but their slacks and targets come from the first stage and may not be maximal.",
            PeirWarning,
            stacklevel=3,
        )
    eff, exp, feasible = to_efficiency(raw, orientation)
    index = xe.index
    lam = raw.lam
    tx = np.asarray(lam @ xr.to_numpy(dtype=float))
    ty = np.asarray(lam @ yr.to_numpy(dtype=float))
    x0, y0 = xe.values, ye.values
    sc = raw.score[:, None]
    with np.errstate(invalid="ignore"):
        if orientation == "input":
            sx = sc * x0 - tx
            sy = ty - y0
        else:
            sx = x0 - tx
            sy = ty - sc * y0
    # round-off below 1e-9 of a column's mean is zero slack
    sx = np.where(np.abs(sx) <= 1e-9 * scale_x, 0.0, np.maximum(sx, 0.0))
    sy = np.where(np.abs(sy) <= 1e-9 * scale_y, 0.0, np.maximum(sy, 0.0))
    bad = ~(raw.status == lp.OPTIMAL)
    for arr in (sx, sy, tx, ty):
        arr[bad] = np.nan
    xn, yn = list(xr.columns), list(yr.columns)
    maximal = None
    if slacks:
        ok = np.ones(len(index), dtype=bool)
        ok[raw.slack_failed] = False
        maximal = pd.Series(ok, index=index, name="slacks_maximal")
    return DEAResult(
        efficiency=pd.Series(eff, index=index, name="efficiency"),
        expansion=pd.Series(exp, index=index, name="expansion"),
        feasible=pd.Series(feasible, index=index, name="feasible"),
        slacks_inputs=pd.DataFrame(sx, index=index, columns=xn),
        slacks_outputs=pd.DataFrame(sy, index=index, columns=yn),
        targets_inputs=pd.DataFrame(tx, index=index, columns=xn),
        targets_outputs=pd.DataFrame(ty, index=index, columns=yn),
        rts=rts,
        orientation=orientation,
        slacks=slacks,
        technology=technology,
        own_reference=own,
        lam=lam,
        input_data=pd.DataFrame(x0, index=index, columns=xn),
        output_data=pd.DataFrame(y0, index=index, columns=yn),
        slack_weights=slack_weights,
        slacks_maximal=maximal,
    )
