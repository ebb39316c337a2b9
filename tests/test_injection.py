"""Injection through the inputs: payloads in every text column of a project's files, read by peir.

The El Salvador example is copied into a peir project whose every free-text cell (institution
codes and names, programmes, functions, regions, funding sources, transfers, caseload sources
and counting rules, context sources, chain-map bases, every ``source_ref``), the project's name,
its published figures' sources and reasons, and three rejected amount cells carry a formula,
HTML or Markdown payload. ``peir validate``, ``peir brief`` (html, md, xlsx, packs, figures,
numbers.csv; English and Spanish, rejected text quoted) and ``peir indicators --out`` read it
like any project. Checked against independent readers: openpyxl and the workbook's own XML
(no ``<f>`` element: no formula), the csv module (OWASP: no cell a spreadsheet would run),
html.parser on the HTML and on the Markdown rendered by markdown-it-py (CommonMark), and the
SVG figures.
"""

from __future__ import annotations

import csv
import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pytest
import yaml
from markdown_it import MarkdownIt
from openpyxl import load_workbook

from peir.cli import main
from peir.datasets.examples import _root
from peir.report.safe import FORMULA_PREFIXES

pytestmark = pytest.mark.xdist_group("injection")

#: Payloads: spreadsheet formulas (OWASP's list), HTML, Markdown, an entity that must stay text.
#: (Not ``@SUM(...)`` in labels: a label that reads "sum ..." marks a total row, set aside.)
#: (A bare carriage return ends a line in peir's CSV reader, so ``\r=`` goes in the YAML only.)
PAYLOADS = (
    "=1+1",
    "+cmd|' /C calc'!A0",
    "-2+3",
    '@HYPERLINK("http://evil.example")',
    "\t=1+1",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "![pixel](http://evil.example/p.png)",
    "**bold** _it_ `code` | pipe",
    "# heading",
    "&lt;b&gt;",
)
#: Columns of the example's files that hold free text (keys such as country, year, phase are
#: checked against vocabularies and would be rejected, not carried).
TEXT_COLUMNS = {
    "budget": (
        "institution",
        "program",
        "func",
        "region",
        "funding_source",
        "transfer_to",
        "source_ref",
    ),
    "caseload": ("region", "source", "counting_rule", "source_ref"),
    "context": ("population_source", "source_ref"),
    "chain_map": ("basis", "source_ref"),
}
REJECTED = (
    "<script>alert(2)</script>",
    "=1+1",
    "@SUM(A1)",
)  # issues show the first value of a kind


def _pay(i: int, tail: str) -> str:
    return f"{PAYLOADS[i % len(PAYLOADS)]} {tail}".rstrip()


def _poison(frame: pd.DataFrame, col: str, start: int) -> None:
    values = sorted(set(frame[col]) - {""})
    mapping = {v: _pay(start + i, v) for i, v in enumerate(values)}
    frame[col] = frame[col].map(lambda v: mapping.get(v, v))


def _project(root: Path) -> Path:
    src = _root() / "el_salvador"
    frames = {
        k: pd.read_csv(src / f"{k}.csv", dtype=str, keep_default_na=False) for k in TEXT_COLUMNS
    }
    # institution codes are text too: the same payload code in the budget, caseload and chain map
    codes = sorted(
        set(frames["budget"]["institution_code"]) | set(frames["caseload"]["institution_code"])
    )
    code_map = {c: _pay(i, c) for i, c in enumerate(c for c in codes if c)}
    for k in ("budget", "caseload", "chain_map"):
        frames[k]["institution_code"] = frames[k]["institution_code"].map(
            lambda v: code_map.get(v, v)
        )
    for k, cols in TEXT_COLUMNS.items():
        for j, col in enumerate(cols):
            _poison(frames[k], col, 3 * j)
    bad = frames["budget"].iloc[:3].copy()  # rejected cells: the messages quote these values
    bad["amount"] = list(REJECTED)
    frames["budget"] = pd.concat([frames["budget"], bad])
    for k, f in frames.items():
        f.to_csv(root / f"{k}.csv", index=False)
    meta = yaml.safe_load((src / "example.yaml").read_text("utf-8"))
    published = []
    for i, p in enumerate(meta["published_figures"]):
        q = {**p, "source": _pay(i, str(p.get("source", "")))}
        if "reason" in p:
            q["reason"] = f"\r=1+1 {_pay(i + 5, str(p['reason']))}"
        published.append(q)
    cfg = {
        "name": _pay(5, "project"),
        "country": "SLV",
        "base_year": 2020,
        "currency": "USD",
        "econ_scheme": "SLV",
        "data": {k: {"path": f"{k}.csv"} for k in TEXT_COLUMNS},
        "published_figures": published,
    }
    (root / "peir.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return root / "peir.yaml"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _project(tmp_path_factory.mktemp("poisoned_project"))


@pytest.fixture(scope="module")
def outputs(project: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for lang in ("en", "es"):
        d = tmp_path_factory.mktemp(f"poisoned_{lang}")
        assert (
            main(
                [
                    "-q",
                    "brief",
                    "--config",
                    str(project),
                    "--out",
                    str(d),
                    "--lang",
                    lang,
                    "--quote-rejected",
                ]
            )
            == 0
        )
        out[lang] = d
    csv_out = tmp_path_factory.mktemp("poisoned_csv") / "indicators.csv"
    assert main(["-q", "indicators", "--config", str(project), "--out", str(csv_out)]) == 0
    out["indicators"] = csv_out
    return out


def _files(d: Path, pattern: str) -> list[Path]:
    found = sorted(d.glob(pattern)) + sorted(d.glob(f"groups/{pattern}"))
    assert found, pattern
    return found


def test_the_payloads_are_read_not_refused(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The poisoned text is data: only the three poisoned amounts are rejected, and their
    messages quote the payload (so the outputs below really carry it)."""
    assert main(["-q", "validate", "--config", str(project), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    issues = [i for i in report["issues"] if i["severity"] == "error"]
    assert report["rows_rejected"] == 3, issues
    assert {i["code"] for i in issues} == {"not_a_number"}


def test_no_formula_in_any_workbook(outputs: dict[str, Path]) -> None:
    payload_cells = 0
    for lang in ("en", "es"):
        for path in _files(outputs[lang], "*.xlsx"):
            with zipfile.ZipFile(path) as z:  # the file itself: no formula element anywhere
                for name in z.namelist():
                    if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                        xml = z.read(name).decode("utf-8")
                        assert "<f>" not in xml and "<f " not in xml, (path.name, name)
            wb = load_workbook(path)
            for ws in wb.worksheets:
                for row in ws.iter_rows():
                    for cell in row:
                        assert cell.data_type != "f", (
                            path.name,
                            ws.title,
                            cell.coordinate,
                            cell.value,
                        )
                        if isinstance(cell.value, str) and cell.value.lstrip().startswith(
                            FORMULA_PREFIXES
                        ):
                            assert cell.data_type == "s", (path.name, cell.coordinate)
                            payload_cells += 1
    assert payload_cells > 50  # the payloads are in the workbooks, as text


def _csv_cells(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as f:
        return [c for row in csv.reader(f) for c in row]


def runs_as_formula(cell: str) -> bool:
    """A spreadsheet would evaluate ``cell``: it starts with ``= + - @``, a tab or a CR (OWASP)
    and is not a plain number (``-12.5`` and Spanish ``-12,5`` are numbers, ``-2+3`` a formula)."""
    if not cell.startswith(("=", "+", "-", "@", "\t", "\r")):
        return False
    return not re.fullmatch(
        r"[+-]\d[\d.,]*(e[+-]?\d+)?%?", cell, flags=re.I
    )  # -5.0, -5,0 (es), -1.2e-05


def test_csv_cells_are_neutralised(outputs: dict[str, Path]) -> None:
    """OWASP: a cell a spreadsheet would run (``= + - @``, tab, CR first) starts with ``'``."""
    paths = [outputs["en"] / "numbers.csv", outputs["es"] / "numbers.csv", outputs["indicators"]]
    quoted = 0
    for path in paths:
        cells = _csv_cells(path)
        bad = [c for c in cells if runs_as_formula(c)]
        assert not bad, (path.name, bad[:5])
        quoted += sum(c.startswith(("'=", "'+", "'@", "'\t", "'\r")) for c in cells)
    assert quoted > 10


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _assert_no_html_from_data(html: str, where: str) -> _Tags:
    p = _Tags()
    p.feed(html)
    for tag, attrs in p.tags:
        assert tag not in ("script", "iframe", "object", "embed"), (where, tag)
        assert not any(k.startswith("on") for k in attrs), (where, tag, attrs)
        if tag == "img":
            assert str(attrs.get("src", "")).startswith(
                ("data:image/png;base64,", "figures/", "../figures/")
            ), (where, attrs)
        if tag == "a":
            assert (
                not str(attrs.get("href", "")).lower().lstrip().startswith(("javascript:", "http"))
            ), (where, attrs)
    return p


def test_html_shows_the_payloads_as_text(outputs: dict[str, Path]) -> None:
    for lang in ("en", "es"):
        pages = _files(outputs[lang], "*.html")
        assert len(pages) == 6  # the brief and five packs
        seen = ""
        for path in pages:
            p = _assert_no_html_from_data(path.read_text("utf-8"), path.name)
            seen += "".join(p.text)
        assert "<script>alert(1)</script>" in seen  # shown to the reader, as text
        assert "<script>alert(2)</script>" in seen  # the rejected cell, quoted on request
        assert "&lt;b&gt;" in seen  # an entity in the data is shown as typed, not decoded


def test_markdown_renders_no_html_and_no_markup_from_data(outputs: dict[str, Path]) -> None:
    md_parser = MarkdownIt("commonmark").enable("table")
    for lang in ("en", "es"):
        md = (outputs[lang] / "brief.md").read_text("utf-8")
        assert "<script" not in md and "<img" not in md
        rendered = md_parser.render(md)
        p = _assert_no_html_from_data(rendered, "brief.md")
        text = "".join(p.text)
        assert "<script>alert(1)</script>" in text and "&lt;b&gt;" in text
        # Markdown from the data is not interpreted: no emphasis, link, image or heading from it
        assert "<strong>bold</strong>" not in rendered and "<em>it</em>" not in rendered
        assert "javascript:" not in " ".join(str(a.get("href")) for t, a in p.tags if t == "a")
        assert not re.search(r"<h\d>heading", rendered)
        assert "**bold** _it_ `code` | pipe" in text


def test_figures_carry_no_markup(outputs: dict[str, Path]) -> None:
    """The SVG figures (labels hold institution names and sources) parse as SVG with no
    script, no event handler and no external reference."""
    n = 0
    for lang in ("en", "es"):
        for svg in sorted((outputs[lang] / "figures").glob("*.svg")):
            for el in ElementTree.parse(svg).iter():
                assert el.tag.rsplit("}", 1)[-1] not in ("script", "foreignObject"), svg.name
                for k, v in el.attrib.items():
                    assert not k.rsplit("}", 1)[-1].startswith("on"), (svg.name, k)
                    assert not (k.endswith("href") and not v.startswith(("#", "data:"))), (
                        svg.name,
                        k,
                        v,
                    )
            n += 1
    assert n >= 6


def test_rejected_rows_have_one_column_per_name(tmp_path: Path) -> None:
    """A file with its own ``source_ref`` column, a rejected cell and a malformed line: the
    rejected rows keep each original column once (they had ``source_ref`` twice, and the
    malformed line then crashed the reader with pandas' InvalidIndexError)."""
    import peir

    header = "country,year,institution_code,phase,amount,currency,source_ref,row"
    lines = [
        header,
        "SLV,2019,A,approved,1,USD,ref a,r1",
        "SLV,2019,B,approved,x,USD,ref b,r2",
        "SLV,2019,C,approved,2,USD",
        "SLV,2019,D,approved,3,USD,ref d,r4",
    ]
    p = tmp_path / "b.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    t = peir.read_budget(p)
    rej = t.rejected
    assert rej.columns.is_unique, list(rej.columns)
    assert sorted(rej["row"].tolist()) == [3, 4]
    assert "r2" in rej["_row"].tolist()  # the file's own "row" column, kept under another name
    assert t.report.rows_read == 4 and len(t.frame) == 2


def test_peir_words_in_annex_tables_are_translated() -> None:
    """The consolidated-transfers table of a Spanish brief: Spanish headers, phases and status."""
    import warnings

    from peir import load_example
    from peir.pipeline import consolidate
    from peir.report import make_brief
    from peir.report.context import _VALUE_KEYS
    from peir.report.render import to_markdown

    assert set(_VALUE_KEYS) == {consolidate.REMOVED, consolidate.KEPT_ABSENT, consolidate.KEPT_SELF}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = load_example("el_salvador").harmonize(base_year=2020)
    md = to_markdown(make_brief(h, lang="es"))
    table = md[md.index("Transferencias consolidadas**") :]
    table = table[: table.index("\n\n", table.index("|"))]
    assert (
        "| Programa | Transferencia a |" in table
        and "| Moneda |" in table
        and "| Estado |" in table
    )
    for english in (
        "kept:",
        "removed:",
        "recipient",
        "| proposed |",
        "| approved |",
        "transfer to",
        "currency",
    ):
        assert english not in table, english
