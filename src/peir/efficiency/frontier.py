"""Reusable DEA frontiers: fix a technology on a base year, save it, score next year's units.

A :class:`Frontier` holds the reference units' data, the returns to scale, the orientation, the
variable names and units, the column scaling used by the solver and a :class:`ModelCard`. It is
saved as a directory with ``frontier.json`` (card and metadata) and ``data.parquet`` (the
reference data in float64) — never pickle — so that a colleague who loads it next year gets the
same numbers to the last bit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from peir._results import Result, Summary
from peir.efficiency._checks import (
    Matrix,
    align_columns,
    check_rts_orientation,
    given_units,
    slack_weight_vectors,
    validate_pair,
)
from peir.efficiency.card import ModelCard, fingerprint
from peir.efficiency.results import DEAResult, build_result
from peir.efficiency.scoring import evaluate
from peir.errors import InputError, PeirError

__all__ = ["FORMAT_VERSION", "Frontier", "load_frontier"]

FORMAT_VERSION = 1
FORMAT_NAME = "peir.efficiency.Frontier"
Array = np.ndarray[Any, np.dtype[np.float64]]


def _json_default(o: Any) -> Any:
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def _card(
    xr: pd.DataFrame,
    yr: pd.DataFrame,
    fp: str,
    *,
    units: dict[str, str] | None,
    notes: str,
    years: list[Any] | None,
    rts: str,
    orientation: str,
    slacks: bool,
) -> ModelCard:
    """The model card of a technology spanned by (xr, yr) with data fingerprint ``fp``."""
    return ModelCard(
        model="dea",
        fingerprint=fp,
        variables={"inputs": list(map(str, xr.columns)), "outputs": list(map(str, yr.columns))},
        units=dict(units or {}),
        years=list(years) if years is not None else [],
        notes=notes,
        options={"rts": rts, "orientation": orientation, "slacks": slacks, "n_reference": len(xr)},
    )


@dataclass(frozen=True, repr=False, eq=False)
class Frontier(Result):
    """A DEA reference technology that can be saved, reloaded and applied to new data.

    Create it with :meth:`DEAResult.frontier`; apply it with :meth:`score` or
    ``dea(inputs, outputs, reference=frontier)``. Read-only.

    Attributes
    ----------
    ref_inputs, ref_outputs : DataFrame
        Data of the reference units (rows = units).
    rts, orientation : str
        Options used by :meth:`score`.
    scale_inputs, scale_outputs : ndarray
        Column divisors used by the solver (the reference columns' means).
    card : ModelCard
        Fingerprint of the reference data, years, variables and their units, notes.
    """

    ref_inputs: pd.DataFrame
    ref_outputs: pd.DataFrame
    rts: str
    orientation: str
    scale_inputs: Array
    scale_outputs: Array
    card: ModelCard
    slacks: bool = True

    @classmethod
    def from_data(
        cls,
        ref_inputs: pd.DataFrame,
        ref_outputs: pd.DataFrame,
        *,
        rts: str,
        orientation: str,
        slacks: bool = True,
        scale_inputs: Array | None = None,
        scale_outputs: Array | None = None,
        units: dict[str, str] | None = None,
        notes: str = "",
        years: list[Any] | None = None,
    ) -> Frontier:
        """The technology spanned by the reference units' (validated) data; the solver's
        column divisors default to the columns' means."""
        sx = ref_inputs.to_numpy(dtype=float).mean(axis=0) if scale_inputs is None else scale_inputs
        sy = (
            ref_outputs.to_numpy(dtype=float).mean(axis=0)
            if scale_outputs is None
            else scale_outputs
        )
        card = _card(
            ref_inputs,
            ref_outputs,
            fingerprint(ref_inputs, ref_outputs),
            units=units,
            notes=notes,
            years=years,
            rts=rts,
            orientation=orientation,
            slacks=slacks,
        )
        return cls(
            ref_inputs,
            ref_outputs,
            rts,
            orientation,
            np.asarray(sx, dtype=float),
            np.asarray(sy, dtype=float),
            card,
            slacks,
        )

    @classmethod
    def from_result(
        cls,
        res: DEAResult,
        *,
        units: dict[str, str] | None = None,
        notes: str = "",
        years: list[Any] | None = None,
    ) -> Frontier:
        """Same as ``res.frontier(units=..., notes=..., years=...)``."""
        return res.frontier(units=units, notes=notes, years=years)

    def derive(
        self,
        *,
        rts: str | None = None,
        orientation: str | None = None,
        slacks: bool | None = None,
        units: dict[str, str] | None = None,
        notes: str = "",
        years: list[Any] | None = None,
    ) -> Frontier:
        """This technology with other options and a new model card (same data and scaling).

        ``units`` are added to the recorded ones; a unit for a variable the technology does not
        have raises :class:`peir.InputError`.
        """
        names = self.input_names + self.output_names
        u = dict(self.card.units)
        if units:
            unknown = [k for k in units if k not in names]
            if unknown:
                raise InputError(
                    f"units given for unknown variable(s) {', '.join(unknown)}; "
                    f"the variables are {', '.join(names)}."
                )
            u.update({str(k): str(v) for k, v in units.items()})
        r = self.rts if rts is None else rts
        o = self.orientation if orientation is None else orientation
        sl = self.slacks if slacks is None else slacks
        card = _card(
            self.ref_inputs,
            self.ref_outputs,
            self.card.fingerprint,
            units=u,
            notes=notes,
            years=years,
            rts=r,
            orientation=o,
            slacks=sl,
        )
        return replace(self, rts=r, orientation=o, slacks=sl, card=card)

    # ------------------------------------------------------------------ accessors
    @property
    def input_names(self) -> list[str]:
        return [str(c) for c in self.ref_inputs.columns]

    @property
    def output_names(self) -> list[str]:
        return [str(c) for c in self.ref_outputs.columns]

    @property
    def units(self) -> dict[str, str]:
        return dict(self.card.units)

    def summary(self) -> Summary:
        """Options, model card and the reference data's ranges."""
        header = [
            ("Model", f"DEA frontier, rts={self.rts}, orientation={self.orientation}"),
            ("Reference units", f"{len(self.ref_inputs)}"),
            ("Inputs", ", ".join(self._with_units(self.input_names))),
            ("Outputs", ", ".join(self._with_units(self.output_names))),
            ("Second stage", "max-slack" if self.slacks else "none (radial only)"),
            ("Years", ", ".join(map(str, self.card.years)) or "not recorded"),
            ("Data fingerprint", self.card.fingerprint[:16] + "…"),
            ("peir version, created", f"{self.card.peir_version}, {self.card.created}"),
        ]
        notes = [f"Notes: {self.card.notes}"] if self.card.notes else []
        table = self.to_frame().describe().T[["min", "mean", "max"]]
        return Summary("DEA frontier (model card)", header, table, notes)

    def _with_units(self, names: list[str]) -> list[str]:
        units = self.card.units
        return [f"{n} [{units[n]}]" if n in units else n for n in names]

    def to_frame(self) -> pd.DataFrame:
        """The reference units' inputs and outputs side by side."""
        return pd.concat([self.ref_inputs, self.ref_outputs], axis=1)

    def __repr__(self) -> str:
        return (
            f"Frontier(n_reference={len(self.ref_inputs)}, rts={self.rts!r}, "
            f"orientation={self.orientation!r}, inputs={self.input_names}, "
            f"outputs={self.output_names})"
        )

    # ------------------------------------------------------------------ checks
    def align(
        self, xe: Matrix, ye: Matrix, units: dict[str, str] | None = None
    ) -> tuple[Matrix, Matrix]:
        """Check that data to score has this frontier's variables (and units); reorder them."""
        problems = []
        for m, names, role in (
            (xe, self.input_names, "inputs"),
            (ye, self.output_names, "outputs"),
        ):
            if m.is_frame and sorted(m.names) != sorted(names):
                missing = [n for n in names if n not in m.names]
                extra = [n for n in m.names if n not in names]
                problems.append(
                    f"{role} to score have columns {', '.join(m.names)} but the frontier's "
                    f"{role} are {', '.join(names)} (missing: {', '.join(missing) or 'none'}; "
                    f"unexpected: {', '.join(extra) or 'none'})"
                )
        if problems:
            raise PeirError("Cannot score against this frontier: " + "; ".join(problems) + ".")
        if units:
            card_units = self.card.units
            diff = [
                f"'{k}' is in {v} but the frontier's is in {card_units[k]}"
                for k, v in units.items()
                if k in card_units and card_units[k] != v
            ]
            if diff:
                raise PeirError(
                    "Cannot score against this frontier: units differ: "
                    + "; ".join(diff)
                    + ". Convert the data to the frontier's units first."
                )
        return (
            align_columns(xe, self.input_names, "inputs"),
            align_columns(ye, self.output_names, "outputs"),
        )

    # ------------------------------------------------------------------ use
    def evaluate(
        self,
        xe: Matrix,
        ye: Matrix,
        *,
        rts: str,
        orientation: str,
        slacks: bool,
        own: bool = False,
        slack_weights: str = "mean",
        n_jobs: int | None = None,
    ) -> DEAResult:
        """Score validated, aligned data against this technology with the options given (the
        one path of :func:`peir.efficiency.dea` and :meth:`score`)."""
        weights, rule = slack_weight_vectors(
            slack_weights,
            self.scale_inputs,
            self.scale_outputs,
            xe.values.mean(axis=0),
            ye.values.mean(axis=0),
        )
        raw = evaluate(
            xe.values,
            ye.values,
            self.ref_inputs.to_numpy(dtype=float),
            self.ref_outputs.to_numpy(dtype=float),
            scale_x=self.scale_inputs,
            scale_y=self.scale_outputs,
            rts=rts,
            orientation=orientation,
            slacks=slacks,
            n_jobs=n_jobs,
            slack_weights=None if rule == "mean" else weights,
        )
        label = rule if str(slack_weights).lower() != "auto" else f"{rule} (auto)"
        return build_result(
            raw,
            xe,
            ye,
            self,
            rts=rts,
            orientation=orientation,
            slacks=slacks,
            own=own,
            slack_weights=label,
        )

    def score(
        self,
        inputs: Any,
        outputs: Any,
        *,
        units: dict[str, str] | None = None,
        slacks: bool | None = None,
        slack_weights: str = "mean",
    ) -> DEAResult:
        """Score units against this frontier with its saved returns to scale and orientation.

        Parameters
        ----------
        inputs, outputs : DataFrame or 2-D array
            Data with the frontier's variables (DataFrame columns are matched by name).
        units : dict, optional
            Units of the data's variables; also read from ``DataFrame.attrs["units"]``. A unit
            differing from the frontier's raises :class:`peir.PeirError`.
        slacks : bool, optional
            Second stage; defaults to the setting the frontier was fitted with.
        slack_weights : {"mean", "raw", "auto"}
            Objective of the max-slack stage, as in :func:`peir.efficiency.dea`.
        """
        xe, ye = validate_pair(inputs, outputs, technology=False)
        xe, ye = self.align(xe, ye, given_units(inputs, outputs, units))
        use_slacks = self.slacks if slacks is None else bool(slacks)
        return self.evaluate(
            xe,
            ye,
            rts=self.rts,
            orientation=self.orientation,
            slacks=use_slacks,
            slack_weights=slack_weights,
        )

    def save(self, path: str | Path) -> Path:
        """Save to directory ``path``: ``frontier.json`` (card, options) + ``data.parquet``."""
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        data = pd.concat(
            [
                self.ref_inputs.set_axis([f"input:{c}" for c in self.ref_inputs.columns], axis=1),
                self.ref_outputs.set_axis(
                    [f"output:{c}" for c in self.ref_outputs.columns], axis=1
                ),
            ],
            axis=1,
        ).astype(float)
        try:
            data.to_parquet(out / "data.parquet")
        except (TypeError, ValueError):  # mixed-type unit labels: store them as text
            data.index = data.index.map(str)
            data.to_parquet(out / "data.parquet")
        meta = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "rts": self.rts,
            "orientation": self.orientation,
            "slacks": self.slacks,
            "inputs": self.input_names,
            "outputs": self.output_names,
            "scale_inputs": [float(v) for v in self.scale_inputs],
            "scale_outputs": [float(v) for v in self.scale_outputs],
            "card": self.card.to_dict(),
        }
        (out / "frontier.json").write_text(
            json.dumps(meta, indent=2, ensure_ascii=False, default=_json_default),
            encoding="utf-8",
        )
        return out


def load_frontier(path: str | Path) -> Frontier:
    """Load a frontier saved by :meth:`Frontier.save`, checking its format and variables.

    Raises
    ------
    peir.PeirError
        Missing files, a format version newer than this peir understands, data whose columns
        differ from the recorded variables, or data that does not match the card's fingerprint.
    """
    p = Path(path)
    meta_path, data_path = p / "frontier.json", p / "data.parquet"
    if not meta_path.is_file() or not data_path.is_file():
        raise PeirError(
            f"{p} is not a saved frontier: expected frontier.json and data.parquet in it."
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise PeirError(f"{meta_path}: not valid JSON ({exc}).") from exc
    if meta.get("format") != FORMAT_NAME:
        raise PeirError(f"{meta_path}: not a peir DEA frontier (format={meta.get('format')!r}).")
    version = int(meta.get("format_version", -1))
    if version < 1 or version > FORMAT_VERSION:
        raise PeirError(
            f"{meta_path}: frontier format version {version} is not supported by this peir "
            f"(it reads versions 1 to {FORMAT_VERSION}); upgrade peir."
        )
    inputs, outputs = list(meta["inputs"]), list(meta["outputs"])
    data = pd.read_parquet(data_path)
    expected = [f"input:{c}" for c in inputs] + [f"output:{c}" for c in outputs]
    if list(data.columns) != expected:
        raise PeirError(
            f"{data_path}: columns {list(data.columns)} do not match the variables recorded in "
            f"frontier.json ({expected})."
        )
    xr = data[[f"input:{c}" for c in inputs]].set_axis(inputs, axis=1)
    yr = data[[f"output:{c}" for c in outputs]].set_axis(outputs, axis=1)
    card = ModelCard.from_dict(meta["card"])
    if card.variables and (
        card.variables.get("inputs") != inputs or card.variables.get("outputs") != outputs
    ):
        raise PeirError(f"{meta_path}: the model card's variables differ from the frontier's.")
    if card.fingerprint and fingerprint(xr, yr) != card.fingerprint:
        raise PeirError(
            f"{p}: the reference data does not match the model card's fingerprint; "
            "the files were changed after saving."
        )
    rts, orientation = check_rts_orientation(meta["rts"], meta["orientation"])
    # validate the stored data like any reference set
    validate_pair(xr, yr, technology=True, what="saved reference ")
    return Frontier(
        xr,
        yr,
        rts,
        orientation,
        np.asarray(meta["scale_inputs"], dtype=float),
        np.asarray(meta["scale_outputs"], dtype=float),
        card,
        bool(meta.get("slacks", True)),
    )
