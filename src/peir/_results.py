"""The one results base of peir: a printable :class:`Summary` and the :class:`Result` mixin.

Every result object peir returns (DEA, bootstrap, Malmquist, SFA, allocation, PEFA...) looks
alike, in the manner of linearmodels' ``_SummaryStr`` (``linearmodels/shared/base.py``) and
statsmodels' summaries:

* ``summary()`` returns a :class:`Summary` (``as_text()``, ``as_html()``; shown as HTML in a
  notebook, as text by ``print``);
* ``to_frame()`` returns one tidy :class:`pandas.DataFrame`;
* ``str(result)`` is the summary's text, ``repr(result)`` the same with the object's class,
  and ``_repr_html_()`` the summary's HTML followed by the first rows of ``to_frame()``;
* public fields are read-only: a result describes one computation and is never edited in
  place (assigning to a public attribute raises :class:`AttributeError`).

A subclass implements ``summary()`` and ``to_frame()``; the rest comes from the mixin. With a
dataclass, declare it ``@dataclass(frozen=True, repr=False, eq=False)`` (frozen: read-only
fields; ``repr=False``: the mixin's repr; ``eq=False``: results holding frames have no useful
``==``). :class:`LegacyFrame` adds a deprecation path for a function that used to return a
DataFrame or Series and now returns a result.

This module is a leaf: it imports only the standard library, numpy and pandas.
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

__all__ = ["LegacyFrame", "Result", "Summary"]


@dataclass
class Summary:
    """A printable summary: a title, a header of (label, value) pairs, a table and notes.

    ``as_text()`` and ``as_html()`` render it (HTML-escaped); in a notebook it shows as HTML,
    ``print`` shows the text. ``float_format`` formats the table's numbers.
    """

    title: str
    header: list[tuple[str, str]]
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    float_format: str = ".4f"

    def _fmt(self, v: float) -> str:
        return f"{v:{self.float_format}}"

    def as_text(self) -> str:
        """Plain text: title, aligned header, the table and the notes."""
        lines = [self.title, "=" * len(self.title)]
        width = max((len(k) for k, _ in self.header), default=0)
        lines += [f"{k:<{width}}  {v}" for k, v in self.header]
        lines += ["", self.table.to_string(float_format=self._fmt)]
        if self.notes:
            lines += ["", *self.notes]
        return "\n".join(lines)

    def as_html(self) -> str:
        """HTML: a heading, the header as a two-column table, the table and the notes."""
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


class Result:
    """Mixin of every result: ``__str__``, ``__repr__``, ``_repr_html_`` and read-only fields.

    Subclasses implement :meth:`summary` and :meth:`to_frame`. ``HTML_ROWS`` rows of
    ``to_frame()`` are shown under the summary in a notebook (0: none).
    """

    HTML_ROWS: ClassVar[int] = 20

    def summary(self) -> Summary:
        """The model, its options and its main figures (a :class:`Summary`)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement summary()")

    def to_frame(self) -> pd.DataFrame:
        """The results as one tidy DataFrame."""
        raise NotImplementedError(f"{type(self).__name__} does not implement to_frame()")

    def __str__(self) -> str:
        return self.summary().as_text()

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>\n{self.summary().as_text()}"

    def _repr_html_(self) -> str:
        out = self.summary().as_html()
        if self.HTML_ROWS > 0:
            frame = self.to_frame()
            shown = frame.head(self.HTML_ROWS)
            label = (
                f"First {len(shown)} of {len(frame)} rows of to_frame():"
                if len(frame) > len(shown)
                else "to_frame():"
            )
            out += f"<p>{html.escape(label)}</p>" + shown.to_html(float_format=lambda v: f"{v:.4f}")
        return out

    def __setattr__(self, name: str, value: Any) -> None:
        if not name.startswith("_"):
            raise AttributeError(
                f"{type(self).__name__}.{name} is read-only: a result describes one "
                "computation; compute a new one instead of editing it."
            )
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if not name.startswith("_"):
            raise AttributeError(f"{type(self).__name__}.{name} is read-only.")
        object.__delattr__(self, name)


class LegacyFrame(Result):
    """Deprecation path for a function that returned a DataFrame or Series and now returns a
    result: item access, attribute access the old object had, ``len``, iteration and
    ``numpy.asarray`` keep working on :meth:`_legacy` (by default ``to_frame()``), each with a
    :class:`FutureWarning` that says how to get the old object.

    ``LEGACY`` names the old return, e.g. ``"bootstrap_dea() returned a DataFrame"``.
    Arithmetic and comparison operators are not forwarded: use ``to_frame()``.
    """

    LEGACY: ClassVar[str] = "this function returned a DataFrame"
    LEGACY_HINT: ClassVar[str] = ".to_frame()"

    def _legacy(self) -> pd.DataFrame | pd.Series:
        return self.to_frame()

    def _warn(self, what: str) -> None:
        warnings.warn(
            f"{self.LEGACY}; it now returns a {type(self).__name__}. {what} on the result "
            f"is deprecated and will be removed: use {self.LEGACY_HINT} for the old object.",
            FutureWarning,
            stacklevel=3,
        )

    def __getattr__(self, name: str) -> Any:
        # only called when normal lookup fails; private and dunder names are never forwarded
        if name.startswith("_"):
            raise AttributeError(name)
        legacy = self._legacy()
        if not hasattr(legacy, name):
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")
        self._warn(f"'.{name}'")
        return getattr(legacy, name)

    def __getitem__(self, key: Any) -> Any:
        self._warn("Indexing")
        return self._legacy()[key]

    def __len__(self) -> int:
        return len(self._legacy())

    def __bool__(self) -> bool:  # a result is a result, even of an empty frame
        return True

    def __iter__(self) -> Iterator[Any]:
        self._warn("Iterating")
        return iter(self._legacy())

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray[Any, Any]:
        self._warn("numpy.asarray")
        return np.asarray(self._legacy(), dtype=dtype)
