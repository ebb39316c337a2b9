"""Safe outputs: text stays text, nothing injected, nothing truncated presented as complete.

- injection: formula, HTML and Markdown payloads in every free-text column of the data reach
  no workbook formula, no CSV cell a spreadsheet would run, no raw HTML in HTML or Markdown
  (the Markdown is rendered with an independent CommonMark implementation, markdown-it-py);
- atomic output: a run killed while writing, or a crash while files are moved into place,
  leaves either the previous complete output (its manifest matching every file) or a folder
  without a manifest; stale files of earlier runs are removed;
- a full disk (a real 600 KB tmpfs where the machine allows mounting one, and a simulated
  ENOSPC everywhere) or an unwritable ``--out`` gives one clear error and exit 1.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from markdown_it import MarkdownIt
from openpyxl import load_workbook

import peir
from peir.cli import main
from peir.report import build_brief
from peir.report import writer as writer_mod
from peir.report.safe import FORMULA_PREFIXES, csv_text
from peir.report.writer import MANIFEST, OutputError, read_manifest

pytestmark = pytest.mark.xdist_group("report_output")

PAYLOADS = (
    '=HYPERLINK("http://evil.example/x","click")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "![pixel](http://evil.example/p.png)",
    "**bold** _it_ `code` | pipe",
)


def _payload(i: int, tail: str = "") -> str:
    return f"{PAYLOADS[i % len(PAYLOADS)]}{tail}"


def _poisoned() -> Any:
    """A simulated system whose every free-text cell starts with an injection payload."""
    from peir.datasets import simulate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = simulate(seed=3, n_regions=6, years=range(2020, 2023)).harmonize(base_year=2020)
    sp = h.spending.copy()
    for j, col in enumerate(
        ("institution", "program", "funding_source", "basis", "source_ref", "region")
    ):
        codes = sp["institution_code"].astype(str) if col == "institution" else sp[col].astype(str)
        mapping = {v: _payload(i + j, f" {v}") for i, v in enumerate(sorted(set(codes)))}
        sp[col] = codes.map(mapping)
    cl = h.caseload.copy()
    for j, col in enumerate(("source", "counting_rule", "source_ref")):
        vals = cl[col].astype(str)
        mapping = {v: _payload(i + j, f" {v}") for i, v in enumerate(sorted(set(vals)))}
        cl[col] = vals.map(mapping)
    cx = h.context.copy()
    cx["population_source"] = _payload(6, " population")
    cx["source_ref"] = _payload(0, " context")
    disc = pd.DataFrame(
        {
            "country": ["XSA"],
            "year": [2021],
            "measure": ["homicides"],
            "headline_source": [_payload(7)],
            "note": [_payload(1)],
        }
    )
    from dataclasses import replace

    return replace(
        h, spending=sp, caseload=cl, context=cx, discrepancies=disc, name=_payload(6, " name")
    )


@pytest.fixture(scope="module")
def poisoned_brief(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("poisoned")
    build_brief(_poisoned(), out_dir=out, lang="en")
    return out


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _assert_no_raw_html(html: str) -> None:
    p = _Tags()
    p.feed(html)
    names = {t for t, _ in p.tags}
    assert "script" not in names and "iframe" not in names
    for tag, attrs in p.tags:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        if tag == "img":
            assert str(attrs.get("src", "")).startswith(("data:image/png;base64,", "figures/")), (
                attrs
            )
        if tag == "a":
            assert not str(attrs.get("href", "")).lower().startswith("javascript:"), attrs


def test_no_formula_cell_in_the_workbook(poisoned_brief: Path) -> None:
    wb = load_workbook(poisoned_brief / "brief.xlsx")
    texts = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "@")):
                    texts += 1
    assert texts > 10  # the payloads are there, as text


def test_csv_cells_are_neutralised(poisoned_brief: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(poisoned_brief / "numbers.csv", dtype=str, keep_default_na=False)
    cells = [c for col in frame.columns for c in frame[col]]
    # checked independently of csv_text (which cannot be the oracle of itself)
    bad = [c for c in cells if c.startswith(FORMULA_PREFIXES) and not _is_number(c)]
    assert not bad, bad[:5]
    # `peir indicators --out` writes through the same rule
    assert (
        csv_text("=1+1") == "'=1+1" and csv_text("-12.5") == "-12.5" and csv_text("\r=1") == "'\r=1"
    )


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_html_has_no_raw_html_from_data(poisoned_brief: Path) -> None:
    html = (poisoned_brief / "brief.html").read_text("utf-8")
    _assert_no_raw_html(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown, as text


def test_markdown_renders_no_html_from_data(poisoned_brief: Path) -> None:
    md = (poisoned_brief / "brief.md").read_text("utf-8")
    assert "<script" not in md and "<img" not in md
    rendered = MarkdownIt("commonmark").enable("table").render(md)
    _assert_no_raw_html(rendered)
    assert "javascript:" not in "".join(a.get("href") or "" for _, a in _collect(rendered, "a"))
    assert "&lt;script&gt;" in rendered  # the payload is visible text
    # emphasis and links from data are not interpreted
    assert "<strong>bold</strong>" not in rendered and 'href="javascript' not in rendered


def _collect(html: str, tag: str) -> list[tuple[str, dict[str, str | None]]]:
    p = _Tags()
    p.feed(html)
    return [(t, a) for t, a in p.tags if t == tag]


# ---------------------------------------------------------------------------------------------
# atomic output
# ---------------------------------------------------------------------------------------------


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assert_consistent(out: Path) -> dict[str, Any] | None:
    """A folder with a manifest is complete: every listed file exists with its bytes and
    sha256, and no other output file of peir's is there. Returns the manifest (or None)."""
    man = read_manifest(out)
    present = {
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and not p.relative_to(out).as_posix().startswith(".peir-tmp-")
    }
    if man is None:
        return None
    files = man["files"]
    assert isinstance(files, list)
    listed = {e["file"] for e in files}
    for e in files:
        p = out / e["file"]
        assert p.exists(), e
        assert p.stat().st_size == e["bytes"], e
        assert _sha(p) == e["sha256"], e
    assert present - {MANIFEST} == listed, present ^ listed
    return man


@pytest.fixture(scope="module")
def small() -> Any:
    from peir.datasets import simulate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return simulate(seed=1, n_regions=2, years=range(2021, 2023)).harmonize(base_year=2021)


def test_manifest_lists_every_file_and_stale_files_go(small: Any, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_brief(small, out_dir=out, lang="es")
    man = _assert_consistent(out)
    assert man is not None and {"brief.html", "brief.md", "brief.xlsx", "numbers.csv"} <= {
        e["file"] for e in man["files"]
    }
    (out / "notes.txt").write_text("mine")  # a file of the user's: kept
    build_brief(small, out_dir=out, lang="en", formats=("html",))
    man = _assert_consistent_except(out, {"notes.txt"})
    assert not (out / "brief.md").exists() and not (out / "brief.xlsx").exists()
    assert 'lang="en"' in (out / "brief.html").read_text("utf-8")
    assert (out / "notes.txt").read_text() == "mine"
    assert not list(out.glob(".peir-tmp-*"))


def _assert_consistent_except(out: Path, keep: set[str]) -> dict[str, Any]:
    moved = {}
    for name in keep:
        moved[name] = (out / name).read_bytes()
        (out / name).unlink()
    try:
        man = _assert_consistent(out)
        assert man is not None
        return man
    finally:
        for name, data in moved.items():
            (out / name).write_bytes(data)


def test_crash_while_moving_files_leaves_no_manifest(
    small: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    build_brief(small, out_dir=out, lang="en", formats=("md",))
    old = _assert_consistent(out)
    assert old is not None
    old_sha = {e["file"]: e["sha256"] for e in old["files"]}
    real = os.replace
    calls = {"n": 0}

    def dying_replace(src: Any, dst: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt  # the process dies in the middle of the moves
        real(src, dst)

    monkeypatch.setattr(writer_mod.os, "replace", dying_replace)
    with pytest.raises(KeyboardInterrupt):
        build_brief(small, out_dir=out, lang="es", formats=("md", "html"))
    monkeypatch.setattr(writer_mod.os, "replace", real)
    assert read_manifest(out) is None  # not presented as complete
    # every file there is whole: the old one, or a new one moved in complete
    md = (out / "brief.md").read_text("utf-8")
    assert _sha(out / "brief.md") == old_sha["brief.md"] or md.rstrip().splitlines()[-1].startswith(
        "Generado"
    )
    if (out / "brief.html").exists():
        assert (out / "brief.html").read_text("utf-8").rstrip().endswith("</html>")
    build_brief(small, out_dir=out, lang="es", formats=("md",))  # the next run repairs it
    assert _assert_consistent(out) is not None
    assert not list(out.glob(".peir-tmp-*"))


def _cli(out: Path, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "peir.cli",
            "-q",
            "brief",
            "--example",
            "el_salvador",
            "--out",
            str(out),
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_killed_run_keeps_the_previous_output(tmp_path: Path) -> None:
    """SIGKILL at several moments of a run: the previous complete output stays as it was."""
    out = tmp_path / "out"
    first = _cli(out, "--formats", "md")
    assert first.wait(timeout=300) == 0, first.stderr.read() if first.stderr else ""
    before = _assert_consistent(out)
    assert before is not None
    for trigger in ("figures", "brief.md"):
        proc = _cli(out, "--lang", "es")
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            tmp = [p for p in out.glob(f".peir-tmp-{proc.pid}-*/{trigger}*")]
            if tmp:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.005)
        proc.wait(timeout=60)
        man = _assert_consistent(out)
        if proc.returncode == -signal.SIGKILL:
            assert man == before, f"killed at {trigger}: the previous output changed"
    final = _cli(out, "--formats", "md")
    assert final.wait(timeout=300) == 0
    assert _assert_consistent(out) is not None
    assert not list(out.glob(".peir-tmp-*"))  # the dead run's temporary folder is cleaned up


def _enospc_after(n: int) -> Any:
    real = writer_mod._store
    calls = {"n": 0}

    def store(path: Path, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] > n:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, data)

    return store


def test_full_disk_simulated(
    small: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    build_brief(small, out_dir=out, lang="en", formats=("md",))
    before = _assert_consistent(out)
    monkeypatch.setattr(writer_mod, "_store", _enospc_after(3))
    with pytest.raises(OutputError, match="the disk is full"):
        build_brief(small, out_dir=out, lang="es")
    assert _assert_consistent(out) == before
    assert not list(out.glob(".peir-tmp-*"))
    monkeypatch.setattr(writer_mod, "_store", _enospc_after(2))
    capsys.readouterr()
    assert main(["-q", "brief", "--example", "el_salvador", "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "the disk is full" in err[0] and "internal error" not in err[0], err
    assert _assert_consistent(out) == before


@contextlib.contextmanager
def _tiny_tmpfs(path: Path, size: str) -> Iterator[Path]:
    path.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=False)


def test_full_disk_real(small: Any, tmp_path: Path) -> None:
    """A real 700 KB file system: the markdown brief (about 570 KB with its figures) fits, the
    full one (html with embedded figures, xlsx, md) does not."""
    with _tiny_tmpfs(tmp_path / "disk", "700k") as disk:
        out = disk / "out"
        build_brief(small, out_dir=out, lang="en", formats=("md",))
        before = _assert_consistent(out)
        assert before is not None
        with pytest.raises(OutputError, match="the disk is full"):
            build_brief(small, out_dir=out, lang="es", formats=("html", "md", "xlsx"))
        assert _assert_consistent(out) == before
        assert not list(out.glob(".peir-tmp-*"))


def test_unwritable_out_is_one_clear_error(
    small: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="not a folder"):
        build_brief(small, out_dir=blocker / "out")
    assert main(["-q", "brief", "--example", "el_salvador", "--out", str(blocker / "out")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(blocker / "out") in err[0], err
    assert (
        main(["-q", "indicators", "--example", "el_salvador", "--out", str(blocker / "x.csv")]) == 1
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a folder" in err[0], err


def test_indicators_csv_is_neutralised_and_atomic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import peir.cli

    real = peir.cli.compute

    def poisoned(*a: Any, **k: Any) -> pd.DataFrame:
        f = real(*a, **k)
        f["note"] = [_payload(i) for i in range(len(f))]
        return f

    monkeypatch.setattr(peir.cli, "compute", poisoned)
    out = tmp_path / "ind.csv"
    assert main(["-q", "indicators", "--example", "el_salvador", "--out", str(out)]) == 0
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert not [c for c in frame["note"] if c.startswith(FORMULA_PREFIXES)]
    assert frame["note"].str.startswith("'=").any()
    assert [p.name for p in tmp_path.iterdir()] == ["ind.csv"]  # no temporary file left


def test_closed_pipe_ends_quietly() -> None:
    proc = subprocess.run(
        f"{sys.executable} -m peir.cli -q indicators --example central_america | head -1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.stdout.startswith("country,year")
    assert "Error" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    assert proc.stderr.strip() == ""


def test_manifest_is_json_with_bytes_and_sha(small: Any, tmp_path: Path) -> None:
    build_brief(small, out_dir=tmp_path, formats=("md",))
    man = json.loads((tmp_path / MANIFEST).read_text("utf-8"))
    assert man["generator"].startswith("peir ")
    for e in man["files"]:
        assert set(e) == {"file", "bytes", "sha256"} and len(e["sha256"]) == 64
    assert peir.__version__ in man["generator"]
