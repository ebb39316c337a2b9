"""The brief: files, golden numbers, languages, robustness on thin data, timing."""

from __future__ import annotations

import json
import math
import re
import warnings
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import peir
from peir.chain import MEASURES, Link
from peir.indicators import compute
from peir.report import TEXT, build_brief, fmt_number, make_brief, t
from peir.report.i18n import fmt_value
from peir.report.sections import section_number

# the module-scoped briefs are built once: keep these tests on one xdist worker
pytestmark = pytest.mark.xdist_group("report")

# ---------------------------------------------------------------------------------------------
# fixtures: the El Salvador example (with Central American peers) and a small simulated system
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slv() -> tuple[Any, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = peir.load_example("el_salvador").harmonize(base_year=2015)
        peers = peir.load_example("central_america").harmonize(base_year=2015)
    return h, peers


@pytest.fixture(scope="module")
def sim() -> Any:
    from peir.datasets import simulate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return simulate(seed=3, n_regions=6, years=range(2020, 2023)).harmonize(base_year=2020)


@pytest.fixture(scope="module")
def slv_briefs(slv: tuple[Any, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    h, peers = slv
    out: dict[str, Any] = {}
    for lang in ("en", "es"):
        d = tmp_path_factory.mktemp(f"slv_{lang}")
        build_brief(h, out_dir=d, lang=lang, peers=peers)
        out[lang] = d
    return out


@pytest.fixture(scope="module")
def sim_brief(sim: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("sim_en")
    build_brief(sim, out_dir=d, lang="en")
    return d


# ---------------------------------------------------------------------------------------------
# number formats and the translation table
# ---------------------------------------------------------------------------------------------


def test_number_formats_per_language() -> None:
    assert fmt_number(1234.5, "en") == "1,234.5"
    assert fmt_number(1234.5, "es") == "1.234,5"
    assert fmt_number(-0.04, "en", 1) == "0.0"
    assert fmt_number(float("nan"), "es") == "–"
    assert fmt_value(12.345, "%", "es") == "12,3%"
    assert fmt_value(1234567.0, "USD", "en") == "1,234,567"


def test_translation_table_complete_and_distinct() -> None:
    same_ok = {
        "fig.indicator_trend",
        "msg.indicator_value",
        "col.amount_real",
        "w.no",
        "w.error",
        "ax.total",
    }
    for key, (en, es) in TEXT.items():
        assert en and es, key
        if key not in same_ok:
            assert en != es, f"{key} is not translated"
        assert set(re.findall(r"{(\w+)}", en)) == set(re.findall(r"{(\w+)}", es)), key
    assert t("sec.annex", "es") == "Anexo de datos"


# ---------------------------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------------------------


def test_files_written(slv_briefs: dict[str, Any]) -> None:
    for lang in ("en", "es"):
        d: Path = slv_briefs[lang]
        for name in ("brief.html", "brief.md", "brief.xlsx", "numbers.csv"):
            assert (d / name).stat().st_size > 0, name
        pngs = sorted((d / "figures").glob("*.png"))
        svgs = sorted((d / "figures").glob("*.svg"))
        assert len(pngs) >= 3 and len(pngs) == len(svgs)


def test_html_is_self_contained(slv_briefs: dict[str, Any]) -> None:
    html = (slv_briefs["en"] / "brief.html").read_text("utf-8")
    assert "<style>" in html and "@media print" in html and "page-break" in html
    # no external resource: every src is a data URI, no stylesheet/script links, no http(s) fetches
    srcs = re.findall(r'\ssrc="([^"]*)"', html)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert not re.search(r'<link[^>]+rel="stylesheet"', html)
    assert "<script" not in html
    assert not re.search(r'(src|href)="https?://', html)
    for i in range(1, 10):
        assert f"<h2>{i}. " in html


def test_workbook_every_table_one_sheet(slv_briefs: dict[str, Any]) -> None:
    d: Path = slv_briefs["es"]
    wb = load_workbook(d / "brief.xlsx")
    md = (d / "brief.md").read_text("utf-8")
    n_tables = len(re.findall(r"^\*\*Cuadro \d+\. ", md, flags=re.M))
    assert n_tables >= 5
    assert len(wb.sheetnames) == n_tables + 2  # contents + tables + numbers
    ws = wb[wb.sheetnames[1]]
    assert ws.cell(row=3, column=1).font.bold
    numbers = wb[wb.sheetnames[-1]]
    assert wb.sheetnames[-1] == t("tab.numbers", "es")
    assert numbers.cell(row=3, column=1).value == t("col.section", "es")


# ---------------------------------------------------------------------------------------------
# the golden test: numbers printed equal peir.indicators.compute on the same data
# ---------------------------------------------------------------------------------------------


def _national(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["region"].isna() | (frame["region"].astype(str) == "")]


def _check_numbers(out: Path, h: Any, peers: Any = None, comp: dict[str, Any] | None = None) -> int:
    nums = pd.read_csv(out / "numbers.csv", keep_default_na=False, na_values=[""])
    md = (out / "brief.md").read_text("utf-8")
    assert len(nums) > 0
    if comp is None:
        comp = {
            "main": _national(compute(h)),
            "peers": _national(compute(peers)) if peers is not None else None,
        }
    checked = 0
    for r in nums.itertuples(index=False):
        assert str(r.text) in md, f"{r.text!r} ({r.indicator}) is not printed in brief.md"
        key = json.loads(r.key)
        if r.origin == "compute":
            src = comp[r.dataset]
            assert src is not None
            sel = src[
                (src["indicator"] == r.indicator)
                & (src["country"] == r.country)
                & (src["year"] == int(r.year))
            ]
            link = str(r.link) if isinstance(r.link, str) and r.link else key.get("link", "")
            if link:
                sel = sel[sel["link"] == link]
            if "group" in key:
                sel = sel[sel["group"].astype(str) == str(key["group"])]
            assert len(sel) >= 1, f"no computed value for {r}"
            expected = float(sel["value"].iloc[0])
            assert math.isclose(float(r.value), expected, rel_tol=1e-9, abs_tol=1e-12), (
                r,
                expected,
            )
            checked += 1
        elif r.origin == "derived" and "from" in key:
            src = comp[r.dataset]
            assert src is not None
            s = src[(src["indicator"] == r.indicator) & (src["country"] == r.country)].set_index(
                "year"
            )["value"]
            expected = (s[key["to"]] / s[key["from"]] - 1) * 100
            assert math.isclose(float(r.value), float(expected), rel_tol=1e-9), r
            checked += 1
        elif r.origin == "funnel" and r.indicator in (
            "count",
            "ratio_to_first",
            "ratio_to_previous",
        ):
            from peir.allocation import funnel

            f = funnel(h, country=r.country, year=int(r.year))
            col = "measure" if "measure" in f else "stage"
            stage = next(v for k, v in key.items() if k in ("measure", "stage"))
            expected = float(f.loc[f[col] == stage, r.indicator].iloc[0])
            assert math.isclose(float(r.value), expected, rel_tol=1e-9), r
            checked += 1
    return checked


def _prose_numbers(md: str) -> list[str]:
    """Number tokens in the sentences of sections 1-8 (tables, captions and headings excluded)."""
    body = md[md.index("## 1. ") : md.index(f"## {section_number('sec.reconciliation')}. ")]
    out = []
    for line in body.splitlines():
        if not line.strip() or line.startswith(("|", "!", "_", "#", "**", "---")):
            continue
        line = re.sub(r"\b(?:PI|ID)-\d(?:\.\d)?", " ", line)  # PEFA dimension labels
        for tok in re.findall(r"(?<![\w.,])[-+]?\d[\d.,]*%?", line):
            tok = tok.rstrip(".,").lstrip("+")
            if re.fullmatch(r"(19|20)\d\d", tok):
                continue  # a year
            out.append(tok)
    return out


def _template_numbers(lang: str) -> set[str]:
    nums: set[str] = set()
    for en, es in TEXT.values():
        text = es if lang == "es" else en
        nums |= {m.rstrip(".,") for m in re.findall(r"\d[\d.,]*%?", re.sub(r"{\w+}", " ", text))}
    return nums | {"20%", "20 %"}  # the allocation's ±20 % bound is a parameter


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_number_in_the_prose_is_recorded(
    slv_briefs: dict[str, Any], sim_brief: Path, lang: str
) -> None:
    dirs = [slv_briefs[lang]] + ([sim_brief] if lang == "en" else [])
    for d in dirs:
        md = (d / "brief.md").read_text("utf-8")
        recorded = set(pd.read_csv(d / "numbers.csv", keep_default_na=False)["text"].astype(str))
        allowed = recorded | _template_numbers(lang)
        missing = [tok for tok in _prose_numbers(md) if tok not in allowed]
        assert not missing, f"numbers printed without a record in numbers.csv: {missing}"


def test_numbers_printed_are_those_computed_el_salvador(
    slv: tuple[Any, Any], slv_briefs: dict[str, Any]
) -> None:
    """Consistency, not a golden test: every number the brief records is the value the named
    model computes on the same data (the literal golden values of the El Salvador brief, with
    their sources, are in test_report_elsalvador.py)."""
    h, peers = slv
    comp = {"main": _national(compute(h)), "peers": _national(compute(peers))}
    for lang in ("en", "es"):
        assert _check_numbers(slv_briefs[lang], h, peers, comp) > 20


def test_numbers_printed_are_those_computed_simulated(sim: Any, sim_brief: Path) -> None:
    assert _check_numbers(sim_brief, sim) > 50
    nums = pd.read_csv(sim_brief / "numbers.csv")
    # the rich data fills every section
    assert {
        "spending",
        "composition",
        "credibility",
        "performance",
        "efficiency",
        "results-matrix",
    } <= set(nums["section"])
    md = (sim_brief / "brief.md").read_text("utf-8")
    assert "PEFA PI-1: score" in md
    assert "comparable units were scored by DEA" in md


def test_el_salvador_spot_figures(slv_briefs: dict[str, Any]) -> None:
    md = (slv_briefs["en"] / "brief.md").read_text("utf-8")
    # the five ramos' executed 2020 (Ministerio de Hacienda ramo file) and PEFA PI-1 2018-2020
    assert "900.0 million USD" in md
    assert "PEFA PI-1: score A" in md and "104.9%, 101.6%, 91.0%" in md
    es = (slv_briefs["es"] / "brief.md").read_text("utf-8")
    assert "900,0 millones de USD" in es and "104,9%" in es


def test_el_salvador_says_what_is_not_supported(slv_briefs: dict[str, Any]) -> None:
    md = (slv_briefs["en"] / "brief.md").read_text("utf-8")
    assert "no efficiency frontier can be estimated" in md  # one national unit: no DEA
    # the ministry's figures have approved and executed: execution rates are computed
    assert t("na.section", "en", what=t("need.execution", "en")) not in md
    es = (slv_briefs["es"] / "brief.md").read_text("utf-8")
    assert "no puede estimarse una frontera de eficiencia" in es


# ---------------------------------------------------------------------------------------------
# language
# ---------------------------------------------------------------------------------------------


class _Structure(HTMLParser):
    """Collect the text of headings, table headers, captions and the table of contents."""

    TAGS = frozenset({"h1", "h2", "h3", "th", "caption", "figcaption", "title", "a"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] in self.TAGS and data.strip():
            self.texts.append(data.strip())


def _english_labels() -> set[str]:
    out = set()
    for en, es in TEXT.values():
        if en == es:
            continue
        for part in re.split(r"{\w+}", en):
            part = part.strip(" .,:;()—-")
            if len(part) >= 4 and not re.fullmatch(r"[\d\W]+", part):
                out.add(part)
    out |= {lk.label_en for lk in Link}
    out |= {m.label_en for m in MEASURES.values()}
    # words that are the same in both languages ("Real", "Total") are not English labels
    spanish = " ".join(es for _en, es in TEXT.values())
    return {w for w in out if not re.search(rf"\b{re.escape(w)}\b", spanish)}


def test_spanish_brief_has_no_english_labels(slv_briefs: dict[str, Any]) -> None:
    html = (slv_briefs["es"] / "brief.html").read_text("utf-8")
    p = _Structure()
    p.feed(html)
    assert len(p.texts) > 50
    english = _english_labels()
    for text in p.texts:
        for en in english:
            assert not re.search(rf"\b{re.escape(en)}\b", text), (
                f"English {en!r} in Spanish label {text!r}"
            )
    # sentence templates: no English sentence fragment anywhere in the Spanish document
    for key, (en, _es) in TEXT.items():
        if key.startswith(("msg.", "na.", "limit.", "rm.", "annex.", "doc.", "note.")):
            for part in re.split(r"{\w+}", en):
                if len(part.strip()) >= 15:
                    assert part.strip() not in html, (
                        f"English sentence part of {key} in Spanish brief"
                    )


def test_spanish_brief_of_rich_data_has_no_english_labels(sim: Any) -> None:
    """Every section filled (execution, PEFA, funnel, DEA, allocation): still no English label."""
    from peir.report.render import to_markdown

    md = to_markdown(make_brief(sim, lang="es"))
    labels = re.findall(r"^#{1,3} (.+)$", md, flags=re.M)
    labels += [
        c.strip() for line in re.findall(r"^\|(.+)\|$", md, flags=re.M) for c in line.split("|")
    ]
    labels += re.findall(r"^\*\*(.+)\*\*$", md, flags=re.M) + re.findall(
        r"^_(.+)_$", md, flags=re.M
    )
    english = _english_labels()
    for text in labels:
        if text.startswith(("synthetic", "XSA")) or re.fullmatch(r"[\d.,%–\s-]*", text):
            continue  # data values
        for en in english:
            assert not re.search(rf"\b{re.escape(en)}\b", text), (
                f"English {en!r} in Spanish label {text!r}"
            )
    for key, (en, _es) in TEXT.items():
        if key.startswith(("msg.", "na.", "limit.", "rm.", "annex.", "doc.", "note.")):
            for part in re.split(r"{\w+}", en):
                if len(part.strip()) >= 15:
                    assert part.strip() not in md, (
                        f"English sentence part of {key} in Spanish brief"
                    )


def test_spanish_figures_have_spanish_labels(slv_briefs: dict[str, Any]) -> None:
    svgs = list((slv_briefs["es"] / "figures").glob("*.svg"))
    assert svgs
    for svg in svgs:
        text = svg.read_text("utf-8")
        assert "Fuente:" in text and "Source:" not in text
        for key in ("ax.year", "ax.nominal", "ax.share_pct"):
            assert f">{t(key, 'en')}<" not in text


def test_english_and_spanish_differ_in_every_heading(slv_briefs: dict[str, Any]) -> None:
    heads = {}
    for lang in ("en", "es"):
        md = (slv_briefs[lang] / "brief.md").read_text("utf-8")
        heads[lang] = re.findall(r"^#{1,3} (.+)$", md, flags=re.M)
    assert len(heads["en"]) == len(heads["es"])
    for en, es in zip(heads["en"], heads["es"]):
        if not re.fullmatch(r"[\d. ]*", en):
            assert en != es, en


# ---------------------------------------------------------------------------------------------
# robustness: thin or empty data never crashes and never invents a number
# ---------------------------------------------------------------------------------------------


def _thin_dataset(*, spending: bool = True, caseload: bool = True) -> Any:
    from peir.dataset import HarmonizedDataset

    sp = pd.DataFrame(
        {
            "country": ["AAA"] * 4,
            "year": [2020, 2020, 2021, 2021],
            "institution_code": ["POL", "CRT", "POL", "CRT"],
            "institution": ["Police", "Courts", "Police", "Courts"],
            "program": [""] * 4,
            "econ": ["21", "22", "21", "22"],
            "func": [""] * 4,
            "region": [""] * 4,
            "funding_source": [""] * 4,
            "phase": ["approved"] * 4,
            "link": ["patrol", "judicial", "patrol", "judicial"],
            "share": [1.0] * 4,
            "basis": [""] * 4,
            "amount_lcu": [100.0, 50.0, 110.0, 55.0],
            "amount": [100.0, 50.0, 110.0, 55.0],
            "amount_real": [100.0, 50.0, 105.0, 52.0],
            "currency": ["USD"] * 4,
            "source_ref": ["test"] * 4,
        }
    )
    cl = pd.DataFrame(
        {
            "country": ["AAA"],
            "year": [2021],
            "region": [""],
            "institution_code": [""],
            "link": ["patrol"],
            "measure": ["homicides"],
            "value": [50.0],
            "unit": ["victims"],
            "kind": ["flow"],
            "source": ["test"],
            "counting_rule": ["victims"],
            "source_ref": ["test"],
            "headline": [True],
        }
    )
    ctx = pd.DataFrame(
        {
            "country": ["AAA", "AAA"],
            "year": [2020, 2021],
            "population": [1e6, 1.01e6],
            "gdp_lcu": [1e4, 1.1e4],
        }
    )
    return HarmonizedDataset(
        spending=sp if spending else sp.iloc[0:0],
        caseload=cl if caseload else cl.iloc[0:0],
        context=ctx,
        base_year=2020,
        currency="USD",
        name="thin",
    )


@pytest.mark.parametrize(
    "spending,caseload,lang",
    [(True, True, "en"), (False, True, "es"), (True, False, "es"), (False, False, "en")],
)
def test_thin_data_never_crashes(spending: bool, caseload: bool, lang: str, tmp_path: Path) -> None:
    h = _thin_dataset(spending=spending, caseload=caseload)
    brief = make_brief(h, lang=lang)
    assert [s.id for s in brief.sections] == [
        "key-messages",
        "spending",
        "composition",
        "personnel",
        "funding",
        "credibility",
        "performance",
        "regions",
        "efficiency",
        "outlook",
        "results-matrix",
        "reconciliation",
        "annex",
    ]
    from peir.report.render import to_markdown

    md = to_markdown(brief)
    if not spending:
        assert t("na.section", lang, what=t("need.spending", lang)) in md
    # execution needs executed amounts, which this data lacks
    assert t("na.section", lang, what=t("need.execution", lang)) in md
    # one national unit at most: DEA says it cannot be estimated, and what to request from whom
    assert t("na.section", lang, what=t("need.courts_units", lang)) in md
    assert t("from.courts", lang) in md
    for v in brief.numbers["value"]:
        assert np.isfinite(v)


def test_progress_callback_and_bad_arguments(tmp_path: Path) -> None:
    h = _thin_dataset()
    calls: list[tuple[str, int, int]] = []
    path = build_brief(
        h,
        out_dir=tmp_path,
        lang="es",
        formats=("md",),
        progress=lambda s, i, n: calls.append((s, i, n)),
    )
    assert path.name == "brief.md" and not (tmp_path / "brief.html").exists()
    assert calls and calls[0][1] == 1 and all(n == calls[0][2] for _, _, n in calls)
    with pytest.raises(peir.PeirError):
        build_brief(h, out_dir=tmp_path, lang="fr")
    with pytest.raises(peir.PeirError):
        build_brief(h, out_dir=tmp_path, formats=("pdf",))


def test_other_countries_of_the_dataset_are_the_peers() -> None:
    from peir.datasets import simulate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = simulate(seed=1, countries=3, n_regions=2, years=range(2021, 2023)).harmonize(
            base_year=2021
        )
    brief = make_brief(h, lang="en", country="XSB")
    peers = brief.numbers[brief.numbers["dataset"] == "peers"]
    assert len(peers) >= 3 and set(peers["country"]) >= {"XSA", "XSB", "XSC"}
    comp = _national(compute(h, ["exp_pct_gdp"]))
    for r in peers[peers["origin"] == "compute"].itertuples():
        v = comp[(comp["country"] == r.country) & (comp["year"] == r.year)]["value"].iloc[0]
        assert math.isclose(r.value, v, rel_tol=1e-12)


def test_dea_section_recovers_the_hidden_efficiency() -> None:
    """On 14 simulated regions the brief's DEA ranking follows the simulator's true efficiency."""
    from peir.datasets import simulate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = simulate(seed=0, n_regions=14, years=range(2021, 2023))
        h = ds.harmonize(base_year=2021)
    nums = make_brief(h, lang="en").numbers
    d = nums[(nums["origin"] == "dea") & (nums["indicator"] == "efficiency")]
    assert len(d) == 14
    est = pd.Series(d["value"].to_numpy(), index=[json.loads(k)["unit"] for k in d["key"]])
    true = ds.meta["true_efficiency"].set_index("region")["efficiency"].reindex(est.index)
    assert est.corr(true, method="spearman") > 0.7


def test_synthetic_data_is_labelled(sim_brief: Path) -> None:
    html = (sim_brief / "brief.html").read_text("utf-8")
    assert t("doc.synthetic", "en") in html
