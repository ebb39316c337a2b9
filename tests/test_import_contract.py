"""The import contract: peir's imports flow one way, through the rooms of docs/architecture.md.

Run as a test (``pytest tests/test_import_contract.py``) or as a script
(``python tests/test_import_contract.py``, a step of ``make lint``), which prints every import
that breaks a rule, the temporary exceptions still listed and their owners.

The checker reads the source with :mod:`ast`, so it sees every ``import`` statement: at module
level, inside functions and methods, and under ``if TYPE_CHECKING:``. The rules:

1. **Layers.** A module may import its own room and the rooms of lower layers only
   (:data:`LAYERS`, lowest first). Rooms of one layer do not import each other.
2. **No hidden imports.** Imports of peir modules sit at the top of the module, never inside a
   function, where they used to hide cycles. (Optional heavy third-party packages such as
   pyspark or matplotlib may be imported inside the function that needs them; this checker
   looks at peir's own modules only.)
3. **Annotations.** An import under ``if TYPE_CHECKING:`` serves annotations only. It must obey
   the layers like any other import; it is left out of the cycle check (rule 4) since it never
   runs.
4. **No cycles** among the imports that run (module level and, while any remain, function level).
5. **efficiency stands alone**: it imports only ``errors``, ``_version``, ``_results`` and itself
   (that is its layer's meaning, stated again so that a move of the layers cannot loosen it).
6. **report reads only HarmonizedDataset and results objects**: it may import ``dataset`` and
   the analysis rooms (indicators, allocation, efficiency, outlook, costs) but not the pipeline,
   read specs, tables, example datasets, Spark, config or the CLI.
7. **The package root is for users.** No peir module imports ``peir`` itself (the lazy facade
   in ``peir/__init__.py``) or the deprecated ``peir.specs``; import the defining module.

:data:`KNOWN_EXCEPTIONS` lists the imports that break a rule today, each with the issue and the
engineer that will remove it. An exception that no longer occurs fails the check too, so the
list only shrinks.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "peir"

#: The rooms, lowest layer first. A room is a module or a package (its submodules included),
#: named relative to ``peir``; the root package itself is ``""``.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("_version", "errors"),
    ("_results",),
    ("efficiency",),
    ("chain", "econ"),  # econ: crosswalks of national codes, imports only errors
    ("schema",),
    ("readspec", "tables"),
    ("pipeline",),
    ("dataset",),
    ("indicators", "datasets", "spark"),
    ("allocation",),
    ("outlook",),
    ("costs",),  # the cost of crime reads the outlook's base spending
    ("report",),
    ("config",),
    ("specs", ""),
    ("cli",),
)

EFFICIENCY_MAY_IMPORT = frozenset({"_version", "errors", "_results", "efficiency"})
REPORT_MAY_IMPORT = frozenset(
    {
        "_version",
        "errors",
        "_results",
        "chain",
        "econ",
        "schema",
        "dataset",
        "indicators",
        "allocation",
        "efficiency",
        "outlook",
        "costs",
        "report",
    }
)
NOBODY_IMPORTS = frozenset({"", "specs"})

#: (importing module, imported module) -> who removes it. Temporary: each entry names its issue.
KNOWN_EXCEPTIONS: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Import:
    """One import of a peir module, where it is and how it runs."""

    importer: str
    imported: str
    path: Path
    line: int
    where: str  # "module", "function" or "type-checking"


@dataclass(frozen=True)
class Violation:
    imp: Import
    rule: str

    def __str__(self) -> str:
        path = self.imp.path
        rel = path.relative_to(SRC.parent) if path.is_relative_to(SRC.parent) else path
        return (
            f"{rel}:{self.imp.line}: {self.imp.importer} imports {self.imp.imported} "
            f"({self.imp.where}): {self.rule}"
        )


def modules(src: Path = SRC) -> dict[str, Path]:
    """Every module of the package by dotted name (packages by their ``__init__``)."""
    out: dict[str, Path] = {}
    for path in sorted((src / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, where: str) -> Iterator[tuple[ast.Import | ast.ImportFrom, str]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, where
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from _walk(child, "function")
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for stmt in child.body:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), "type-checking")
            for stmt in child.orelse:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), where)
        else:
            yield from _walk(child, where)


def imports_of(name: str, path: Path, known: dict[str, Path]) -> Iterator[Import]:
    """The peir modules ``name`` imports, resolved to the module (not the package) when the
    imported name is itself a module (``from peir.pipeline import ingest``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node, where in _walk(tree, "module"):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = []
            for a in node.names:
                sub = f"{base}.{a.name}"
                targets.append(sub if sub in known else base)
        for t in dict.fromkeys(targets):
            if t == PACKAGE or t.startswith(PACKAGE + "."):
                yield Import(name, t, path, node.lineno, where)


def room(module: str) -> str:
    """The room of a dotted module name: ``peir.pipeline.ingest`` -> ``pipeline``."""
    rel = module[len(PACKAGE) + 1 :] if module != PACKAGE else ""
    return rel.split(".")[0]


def layer(room_name: str) -> int:
    for i, rooms in enumerate(LAYERS):
        if room_name in rooms:
            return i
    raise KeyError(f"room {room_name!r} is in no layer of LAYERS: add it there")


def violations(imp: Import) -> list[str]:
    """The rules ``imp`` breaks (empty when it keeps them all)."""
    out: list[str] = []
    a, b = room(imp.importer), room(imp.imported)
    if b in NOBODY_IMPORTS and imp.imported in (PACKAGE, f"{PACKAGE}.specs"):
        out.append("no peir module imports the package root or peir.specs (rule 7)")
    if a != b:
        la, lb = layer(a), layer(b)
        if lb > la:
            out.append(f"upward: layer {a or 'peir'} ({la}) imports {b or 'peir'} ({lb}) (rule 1)")
        elif lb == la:
            out.append(f"rooms of one layer do not import each other: {a} -> {b} (rule 1)")
    if a == "efficiency" and b not in EFFICIENCY_MAY_IMPORT:
        out.append("efficiency imports only errors, _version, _results and itself (rule 5)")
    if a == "report" and b not in REPORT_MAY_IMPORT:
        out.append("report reads only HarmonizedDataset and results objects (rule 6)")
    if imp.where == "function":
        out.append("function-level import of a peir module (rule 2)")
    return out


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of two or more modules (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


@dataclass(frozen=True)
class Report:
    imports: list[Import]
    broken: list[Violation]  # not excused: the check fails
    excused: list[Violation]  # listed in KNOWN_EXCEPTIONS
    stale: list[tuple[str, str]]  # exceptions that no longer occur: the check fails
    cycles: list[list[str]]  # among imports that run, excused ones left out: the check fails
    excused_cycles: list[list[str]]  # closed only by excused imports (reported, temporary)
    exceptions: dict[tuple[str, str], str]

    @property
    def ok(self) -> bool:
        return not (self.broken or self.stale or self.cycles)

    def text(self) -> str:
        lines = [f"import contract: {len(self.imports)} imports of peir modules checked"]
        for v in self.broken:
            lines.append(f"BROKEN  {v}")
        for group in self.cycles:
            lines.append(f"CYCLE   {' <-> '.join(group)}")
        for group in self.excused_cycles:
            lines.append(f"cycle closed only by temporary exceptions: {' <-> '.join(group)}")
        for key in self.stale:
            lines.append(
                f"STALE   {key[0]} -> {key[1]}: no longer occurs; remove it from KNOWN_EXCEPTIONS"
            )
        owners: dict[str, list[Violation]] = {}
        for v in self.excused:
            owners.setdefault(self.exceptions[(v.imp.importer, v.imp.imported)], []).append(v)
        if owners:
            lines.append(f"{len(self.excused)} temporary exception(s) left, by owner:")
            for owner, vs in sorted(owners.items()):
                lines.append(f"  {owner}:")
                lines.extend(f"    {v}" for v in vs)
        lines.append("OK" if self.ok else "FAILED")
        return "\n".join(lines)


def check(src: Path = SRC, exceptions: dict[tuple[str, str], str] | None = None) -> Report:
    """Check every import of the package under ``src`` against the rules and ``exceptions``
    (default :data:`KNOWN_EXCEPTIONS`)."""
    allowed = KNOWN_EXCEPTIONS if exceptions is None else exceptions
    known = modules(src)
    found = [imp for name, path in known.items() for imp in imports_of(name, path, known)]
    broken: list[Violation] = []
    excused: list[Violation] = []
    used: set[tuple[str, str]] = set()
    for imp in found:
        key = (imp.importer, imp.imported)
        for rule in violations(imp):
            if key in allowed:
                excused.append(Violation(imp, rule))
                used.add(key)
            else:
                broken.append(Violation(imp, rule))
    runtime: dict[str, set[str]] = {}
    for imp in found:
        if imp.where != "type-checking" and imp.imported != imp.importer:
            runtime.setdefault(imp.importer, set()).add(imp.imported)
    strict = {a: {b for b in bs if (a, b) not in allowed} for a, bs in runtime.items()}
    bad_cycles = cycles(strict)
    excused_cycles = [g for g in cycles(runtime) if g not in bad_cycles]
    stale = sorted(set(allowed) - used)
    return Report(found, broken, excused, stale, bad_cycles, excused_cycles, allowed)


# ------------------------------------------------------------------------------- the tests


def test_the_import_contract_holds() -> None:
    report = check()
    assert report.ok, report.text()


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / "peir" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def test_the_checker_sees_upward_function_level_and_type_checking_imports(tmp_path: Path) -> None:
    """The checker itself can fail: a small package that breaks each rule once."""
    src = _write(
        tmp_path,
        {
            "__init__.py": "",
            "errors.py": "",
            "pipeline/__init__.py": "",
            "pipeline/harmonize.py": "def f():\n    from peir.dataset import HarmonizedDataset\n",
            "pipeline/validate.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from peir.dataset import Dataset\n"
            ),
            "dataset.py": "from peir.pipeline import harmonize\nimport peir\n",
            "efficiency/__init__.py": "from peir.schema import C\n",
            "schema.py": "",
            "report/__init__.py": "from peir.pipeline.harmonize import f\n",
        },
    )
    report = check(src, exceptions={})
    found = {(v.imp.importer, v.imp.imported, v.imp.where) for v in report.broken}
    assert ("peir.pipeline.harmonize", "peir.dataset", "function") in found
    assert ("peir.pipeline.validate", "peir.dataset", "type-checking") in found
    assert ("peir.dataset", "peir.pipeline.harmonize", "module") not in found  # downward: fine
    assert ("peir.dataset", "peir", "module") in found
    assert ("peir.efficiency", "peir.schema", "module") in found
    assert ("peir.report", "peir.pipeline.harmonize", "module") in found
    assert ["peir.dataset", "peir.pipeline.harmonize"] in report.cycles
    rules = " ".join(v.rule for v in report.broken)
    for n in range(1, 8):
        if n not in (3, 4):  # 3 is the type-checking case above; 4 is the cycle
            assert f"rule {n})" in rules
    assert not report.ok and "FAILED" in report.text()


def test_every_room_has_a_layer() -> None:
    for name in modules():
        layer(room(name))


def test_the_architecture_document_draws_these_layers() -> None:
    """docs/architecture.md's table of layers is LAYERS (the package root written ``peir``)."""
    text = (SRC.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = text.split("## Rooms and the one-way rule", 1)[1].split("```")[1]
    drawn: dict[int, set[str]] = {}
    for line in block.splitlines():
        parts = [p for p in line.strip().split("  ") if p.strip()]
        if parts and parts[0].strip().isdigit():
            rooms = {r.strip() for r in parts[1].split(",")}
            drawn[int(parts[0])] = {"" if r == "peir" else r for r in rooms}
    assert drawn == {i: set(rooms) for i, rooms in enumerate(LAYERS)}


if __name__ == "__main__":
    result = check()
    print(result.text())
    sys.exit(0 if result.ok else 1)
