"""Model cards for saved efficiency models (DEA frontiers, SFA fits).

A model card records what a saved model was fitted on, so that a colleague who loads it next
year knows what it is: the data's fingerprint, the years, the peir version, the creation date,
the variable names and units, and free-text notes. Cards are plain JSON, never pickle.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from peir._version import __version__

__all__ = ["ModelCard", "fingerprint"]


def fingerprint(*arrays: pd.DataFrame | pd.Series | np.ndarray[Any, Any]) -> str:
    """SHA-256 of the data (values, column names and shapes), as hex.

    Two frames with the same values, names and order give the same fingerprint on any machine.
    """
    h = hashlib.sha256()
    for a in arrays:
        if isinstance(a, pd.DataFrame | pd.Series):
            names = list(a.columns) if isinstance(a, pd.DataFrame) else [a.name]
            h.update(repr([str(n) for n in names]).encode())
            h.update(repr([str(i) for i in a.index]).encode())
            values = np.ascontiguousarray(a.to_numpy(dtype=float))
        else:
            values = np.ascontiguousarray(np.asarray(a, dtype=float))
        h.update(repr(values.shape).encode())
        h.update(values.astype("<f8").tobytes())
    return h.hexdigest()


@dataclass
class ModelCard:
    """What a saved model was fitted on.

    Attributes
    ----------
    model
        Kind of model, e.g. ``"dea"`` or ``"sfa"``.
    fingerprint
        :func:`fingerprint` of the fitting data.
    variables
        Variable names by role, e.g. ``{"inputs": [...], "outputs": [...]}``.
    units
        Unit of each variable (e.g. ``{"expenditure": "BRL 2015"}``); checked when scoring.
    years
        Periods the data covers.
    peir_version, created
        Filled in automatically.
    notes
        Free text: what the model is for, caveats.
    options
        Model options (rts, orientation, distribution...).
    """

    model: str
    fingerprint: str = ""
    variables: dict[str, list[str]] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    years: list[Any] = field(default_factory=list)
    peir_version: str = ""
    created: str = ""
    notes: str = ""
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.peir_version:
            self.peir_version = __version__
        if not self.created:
            self.created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelCard:
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        return cls(**known)

    def summary(self) -> str:
        lines = [
            f"Model card: {self.model} (peir {self.peir_version}, created {self.created})",
            f"  data fingerprint: {self.fingerprint[:16]}…",
        ]
        for role, names in self.variables.items():
            units = [f"{n} [{self.units[n]}]" if n in self.units else n for n in names]
            lines.append(f"  {role}: {', '.join(units)}")
        if self.years:
            lines.append(f"  years: {', '.join(map(str, self.years))}")
        if self.options:
            lines.append("  options: " + ", ".join(f"{k}={v}" for k, v in self.options.items()))
        if self.notes:
            lines.append(f"  notes: {self.notes}")
        return "\n".join(lines)
