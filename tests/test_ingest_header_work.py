"""Reading a wide header is linear in its size: the work is counted, not timed.

An 8,000-column header once took 11-17 s (every lookup normalised every header again and ran
difflib over all of them), and 8,000 equal header names took 6 s more (each was given the
first free suffix by trying "(2)", "(3)"... from the start). A timing passes or fails with the
load of the machine, so these tests count the work instead, at 1,000 and at 8,000 columns, and
ask that 8 times the columns cost less than 10 times the work (linear: about 8; quadratic:
about 64). Three counts, each deterministic:

- the bytecode instructions run in peir's own modules (``sys.settrace`` with opcode events):
  a Python loop over the headers inside a loop over the headers;
- every function call, Python and built-in, anywhere (``cProfile``): a per-header call made
  per header, in peir or in a library;
- every comparison and hash of a header cell (the cells are an instrumented ``str`` from the
  moment they are read, counting ``__eq__``, ``__ne__`` and ``__hash__``): the work done in C by
  a membership test in a list, ``list.index`` or a dict.

Each path is measured: a small file and a streamed one; distinct names, mapped exactly or not
found (the closest headers are searched), and one name repeated on every column.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

import peir
from peir.pipeline import sources

SIZES = (1000, 8000)
#: 8 times the columns may cost at most this many times the work.
MAX_RATIO = 10.0
PEIR_SRC = str(Path(peir.__file__).resolve().parent)


class _Counted(str):
    """A header cell that counts its comparisons and hashes."""

    __slots__ = ()
    ops = 0

    def __eq__(self, other: object) -> bool:
        _Counted.ops += 1
        return str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        _Counted.ops += 1
        return str.__ne__(self, other)

    def __hash__(self) -> int:
        _Counted.ops += 1
        return str.__hash__(self)


def _header(shape: str, n: int) -> list[str]:
    if shape == "repeated":
        return ["Monto"] * n
    return [f"Columna presupuestaria número {i}" for i in range(n)]


_Case = tuple[str, Callable[[int], dict[str, Any]], Callable[[peir.BudgetTable, int], bool]]
CASES: dict[str, _Case] = {  # name: (header shape, spec for n columns, check of the table)
    "mapped": (
        "distinct",
        lambda n: {
            "columns": {
                "amount": f"Columna presupuestaria número {n - 1}",
                "institution_code": "Columna presupuestaria número 1",
            },
            "constants": {"country": "SLV", "year": 2020, "currency": "USD", "phase": "approved"},
        },
        lambda t, n: t.frame["amount"].tolist() == [float(n - 1)],
    ),
    "not found": (
        "distinct",
        lambda n: {"columns": {"amount": f"Columna presupuestaria numero {10 * n + 9}"}},
        lambda t, n: "closest headers found" in t.report.issues_all()["message"].iloc[0],
    ),
    "repeated": (
        "repeated",
        lambda n: {},
        lambda t, n: "duplicate_header" in set(t.report.issues_all()["code"]),
    ),
}


@pytest.fixture(params=[False, True], ids=["small", "streamed"])
def streamed(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[bool]:
    if request.param:
        monkeypatch.setattr(sources, "ARROW_MIN_BYTES", 0)
    yield bool(request.param)


def _reader(tmp_path: Path, case: str, n: int, streamed: bool) -> Callable[[], None]:
    shape, spec, check = CASES[case]
    path = tmp_path / f"{case}-{n}.csv"
    path.write_text(
        ",".join(_header(shape, n)) + "\n" + ",".join(str(i) for i in range(n)) + "\n",
        encoding="utf-8",
    )

    def read() -> None:
        t = peir.read_budget(path, **spec(n))
        assert bool(t.report.meta.get("streamed")) is streamed
        assert check(t, n)

    read()  # warm: imports and caches are not the header's work
    return read


def _opcodes(read: Callable[[], None]) -> int:
    count = [0]

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "opcode":
            count[0] += 1
        return local

    def calls(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "call" and frame.f_code.co_filename.startswith(PEIR_SRC):
            frame.f_trace_opcodes = True
            return local
        return None

    threading.settrace(calls)  # the streamed reader's worker threads
    sys.settrace(calls)
    try:
        read()
    finally:
        sys.settrace(None)
        threading.settrace(None)  # type: ignore[arg-type]
    return count[0]


def _calls(read: Callable[[], None]) -> int:
    prof = cProfile.Profile(builtins=True)
    prof.enable()
    try:
        read()
    finally:
        prof.disable()
    return int(pstats.Stats(prof).total_calls)  # type: ignore[attr-defined]


def _comparisons(read: Callable[[], None]) -> int:
    _Counted.ops = 0
    read()
    return _Counted.ops


def _linear(work: dict[int, int], what: str) -> None:
    small, large = work[SIZES[0]], work[SIZES[1]]
    assert small >= SIZES[0], f"{what}: {work}"  # the count sees the per-column work at all
    assert large / small < MAX_RATIO, f"{work}: x{large / small:.1f} the {what} for x8 columns"


@pytest.mark.parametrize(
    ("case", "streamed"),
    # the search for the closest headers is the plan's, the same on both paths: once
    [
        ("mapped", False),
        ("mapped", True),
        ("not found", False),
        ("repeated", False),
        ("repeated", True),
    ],
    indirect=["streamed"],
)
def test_instructions_and_calls_grow_linearly_with_the_header(
    tmp_path: Path, case: str, streamed: bool
) -> None:
    readers = {n: _reader(tmp_path, case, n, streamed) for n in SIZES}
    _linear({n: _opcodes(r) for n, r in readers.items()}, "instructions")
    _linear({n: _calls(r) for n, r in readers.items()}, "calls")


@pytest.mark.parametrize("case", sorted(CASES))
def test_header_comparisons_grow_linearly_with_the_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, streamed: bool
) -> None:
    clean = sources._clean_header
    monkeypatch.setattr(sources, "_clean_header", lambda v: _Counted(clean(v)))
    readers = {n: _reader(tmp_path, case, n, streamed) for n in SIZES}
    _linear({n: _comparisons(r) for n, r in readers.items()}, "comparisons")


def test_a_wide_streamed_file_allocates_no_more_than_its_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The streamed reader sized its block buffer as CHUNK_ROWS lines: 125,000 lines of this
    file's 40 KB asked for 10 GB, for a file of 300 KB. The peak of the memory Python
    allocates (tracemalloc: bytearrays, frames' object arrays) stays within a few times the
    file."""
    import tracemalloc

    monkeypatch.setattr(sources, "ARROW_MIN_BYTES", 0)
    read = _reader(tmp_path, "mapped", 8000, True)
    size = (tmp_path / "mapped-8000.csv").stat().st_size
    tracemalloc.start()
    try:
        read()
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100 * size, f"peak {peak:,} bytes for a file of {size:,}"
    assert sources._block_bytes(125_000, 40_000, 300_000) == 300_001
    assert sources._block_bytes(125_000, 100, 10**9) == 12_500_000  # usual lines: unchanged
    assert sources._block_bytes(125_000, 40_000, 10**10) == sources.MAX_BLOCK_BYTES
