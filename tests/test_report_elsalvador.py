"""The El Salvador brief as of 2012 (the 2013 workshop's year): golden numbers stored as literal
values with their sources, comparable series, the reconciliation, five working-group packs and
Spanish throughout.

Golden values are computed by hand from the example's files, never with peir:

- spending: the five ramos of the sector (CNJ 1500, Órgano Judicial 1600, FGR 1700, PGR 1800,
  MJSP 2400), executed, Ministerio de Hacienda via FUNDE (``modificaciones_ramo_2007_2021.csv``,
  summed in ``src/peir/data/examples/el_salvador/budget.csv``): 2011 = 593,908,278.00 USD,
  2012 = 605,554,902.92 USD; approved 2010-2012 = 541,293,... (execution 105.01 %, 101.97 %,
  98.84 %);
- GDP (``context.csv``, WDI NY.GDP.MKTP.CD, July 2026 vintage): 2011 = 20,283,780,000 USD,
  2012 = 21,386,150,000 USD; population (WDI SP.POP.TOTL) 2012 = 6,113,975;
- homicides 2012 = 2,594 (``caseload.csv``, elsalvadorinfo.net compilation; no IML count for
  2012 in the sources at hand);
- published: 2.8 % of GDP in 2011 (World Bank press release 2013-05-23, the 2012 PEIR).
"""

from __future__ import annotations

import re
import warnings
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook

import peir
from peir.chain import CHAIN_LINKS
from peir.errors import IssueCode
from peir.report import TEXT, build_brief, make_brief, t
from peir.report.sections import section_number

pytestmark = pytest.mark.xdist_group("report_slv2012")

AS_OF = 2012
# --- golden values, by hand from the files named in the module docstring ------------------
EXECUTED_2012_M = "605.6"  # 605,554,902.92 / 1e6
PCT_GDP_2012 = "2.83%"  # 605,554,902.92 / 21,386,150,000 * 100 = 2.8315
PER_CAPITA_2012 = "99.0"  # 605,554,902.92 / 6,113,975 = 99.04
PCT_GDP_2011 = "2.93%"  # 593,908,278.00 / 20,283,780,000 * 100 = 2.9280
DIFF_2011 = "+0.13 pp"  # 2.93 - 2.8 (the published figure)
HOMICIDE_RATE_2012 = "42.4"  # 2,594 / 6,113,975 * 100,000 = 42.43
PI1_2010_2012 = (
    "105.0%, 102.0%, 98.8%"  # executed / approved, the three years before the as-of year
)


@pytest.fixture(scope="module")
def slv() -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = peir.load_example("el_salvador")
        h = ds.harmonize(base_year=2020)
        peers = peir.load_example("central_america").harmonize(base_year=2020, currency="USD")
    return {"ds": ds, "h": h, "peers": peers}


@pytest.fixture(scope="module")
def briefs(slv: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for lang in ("en", "es"):
        d = tmp_path_factory.mktemp(f"slv2012_{lang}")
        build_brief(
            slv["h"],
            out_dir=d,
            lang=lang,
            peers=slv["peers"],
            as_of=AS_OF,
            published=slv["ds"].meta["published_figures"],
            requests=slv["ds"].meta["data_requests"],
        )
        out[lang] = d
    return out


def _section(md: str, n: int) -> str:
    start = md.index(f"\n## {n}. ")
    nxt = md.find(f"\n## {n + 1}. ", start + 1)
    return md[start : nxt if nxt > 0 else None]


def test_key_messages_are_from_2011_and_2012(briefs: dict[str, Path]) -> None:
    md = (briefs["en"] / "brief.md").read_text("utf-8")
    key = _section(md, 1)
    assert (
        f"In 2012, El Salvador spent {EXECUTED_2012_M} million USD on security and justice "
        "(executed), "
        f"{PCT_GDP_2012} of GDP and {PER_CAPITA_2012} USD per inhabitant." in key
    )
    assert f"The homicide rate was {HOMICIDE_RATE_2012} per 100,000 inhabitants in 2012" in key
    # the projection looks forward from the as-of year by design; every other message looks back
    past = "\n".join(p for p in key.split("\n\n") if not p.startswith("In the baseline"))
    years = {int(y) for y in re.findall(r"\b(20\d\d)\b", past)}
    assert years and max(years) <= AS_OF, years  # nothing after the as-of year
    assert "constant prices of 2012" in md  # prices default to the as-of year
    assert "as of 2012" in md.splitlines()[2]
    nums = pd.read_csv(briefs["en"] / "numbers.csv")
    assert (
        nums.loc[nums["section"] != "outlook", "year"].dropna().max() <= AS_OF
    )  # outlook: forward
    assert f"PEFA PI-1: score A. Aggregate outturn was {PI1_2010_2012} of the approved budget" in md


def test_reconciliation_row_for_2_8_percent_of_gdp(briefs: dict[str, Path]) -> None:
    md = (briefs["en"] / "brief.md").read_text("utf-8")
    rec = _section(md, section_number("sec.reconciliation"))
    assert "Reconciliation with published figures" in rec
    row = next(
        line for line in rec.splitlines() if line.startswith("| Spending as % of GDP | 2011 |")
    )
    cells = [c.strip() for c in row.strip("|").split(" | ")]
    assert cells[2] == "2.8%" and cells[4] == PCT_GDP_2011 and cells[5] == DIFF_2011, cells
    assert "GDP vintage" in cells[6]
    # the key message states the published figure beside peir's and points to the reason
    assert "(Published:" not in _section(md, 1)  # 2012 has no published share of GDP
    assert all(int(y) <= AS_OF for y in re.findall(r"^\| [^|]+ \| (\d{4}) \|", rec, flags=re.M))


def _lines(fig: Any) -> list[Any]:
    return [ln for ax in fig.axes for ln in ax.get_lines() if len(ln.get_xdata()) > 1]


def test_no_line_across_a_change_of_source_or_coverage(slv: dict[str, Any]) -> None:
    b = make_brief(slv["h"], lang="en", as_of=AS_OF)
    figs = {f.key: f.fig for f in b.figures}
    hom = figs["homicide_rate"]
    breaks = [ln.get_xdata()[0] for ln in hom.axes[0].get_lines() if ln.get_linestyle() == ":"]
    assert breaks, "the homicide series changes source: the chart marks it"
    for ln in _lines(hom):
        xs = [float(x) for x in ln.get_xdata() if x == x]
        if ln.get_linestyle() == ":":
            continue
        assert not any(min(xs) < b < max(xs) for b in breaks), (xs, breaks)
    # 2012 stands alone (another source than 2009-2011): its change is not compared with 2011
    md = "\n".join(str(p.text) for s in b.sections for p in s.blocks if hasattr(p, "text"))
    assert "since 2011" not in md and "since 2009" not in md


def test_full_period_shares_only_where_links_are_comparable(slv: dict[str, Any]) -> None:
    """2008-2016: MJSP (the police and prisons) is not split by unit, so link shares of those
    years are not sector shares; 2017-2020 are (budget-law unit shares)."""
    b = make_brief(slv["h"], lang="en")
    comp = next(f for f in b.figures if f.key == "composition_by_link")
    years = {t.get_text() for t in comp.fig.axes[0].get_xticklabels()}
    assert years == {"2017", "2018", "2019", "2020"}, years
    by_link = next(tb for tb in b.tables if tb.key == "by_link").frame
    assert by_link.loc[by_link["year"] <= 2016, "exp_link_share"].isna().all()
    assert by_link.loc[by_link["year"] >= 2017, "exp_link_share"].notna().all()
    # the break is marked where the dataset's coverage says the split starts (links_from: 2017)
    note = next(tb for tb in b.tables if tb.key == "by_link").note
    assert "only from 2017: in 2008–2016" in note, note
    assert comp.title.endswith("from 2017 (the data's split by link)"), comp.title
    # the results-matrix baseline of a link share is from a comparable year
    rm = next(tb for tb in b.tables if tb.key == "results_patrol").frame
    share = rm[rm["indicator"] == "exp_link_share"]
    assert share["year"].iloc[0] == 2020


def test_no_link_share_before_the_split_in_a_2012_brief(briefs: dict[str, Path]) -> None:
    """As of 2012 no year is split by link (MJSP, 55.6 % of 2012 executed = 336,568,807 of
    605,554,902.92, is unallocated): no share by link anywhere, no composition figure, no
    link-share baseline; the composition by institution is the sector's."""
    md = (briefs["en"] / "brief.md").read_text("utf-8")
    comp = _section(md, section_number("sec.composition"))
    assert (
        "The data does not split the sector's spending by link: in 2012, 55.6% of it "
        "(Ministerio de Justicia y Seguridad Pública (MJSP)) is not split by unit" in comp
    )
    assert "composition_by_link.png" not in md
    assert not (briefs["en"] / "figures" / "composition_by_link.png").exists()
    assert "Share of spending by link" not in _section(
        md, section_number("sec.results")
    )  # no baseline from an unsplit year
    link_rows = [
        ln for ln in comp.splitlines() if ln.startswith("| 20") and "| Unallocated |" in ln
    ]
    assert link_rows and all(ln.rstrip().endswith("| – |") for ln in link_rows), link_rows


def test_peers_are_named_as_the_judiciary(briefs: dict[str, Path]) -> None:
    """central_america is BOOST *judiciary* spending: SLV 2012 = 0.97 % of GDP (BOOST), i.e. the
    Órgano Judicial (208.1 M / 21,386.15 M GDP = 0.973 % in the main data), never the sector."""
    md = (briefs["en"] / "brief.md").read_text("utf-8")
    peers = md[md.index("### Comparison with peers") : md.index("## 3. ")]
    assert (
        "In 2012, El Salvador spent 0.97% of GDP on Judiciary (BOOST functional aggregate)" in peers
    )
    assert "not of the security and justice sector" in peers
    assert "Comparison with peers: Judiciary (BOOST functional aggregate), % of GDP (2012)" in peers
    assert "on judicial process" not in md and "on security and justice; the median" not in md


def test_allocation_is_a_scenario_that_keeps_prevention(slv: dict[str, Any]) -> None:
    from peir.datasets import simulate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = simulate(seed=1, n_regions=3, years=range(2021, 2023)).harmonize(base_year=2021)
    b = make_brief(h, lang="en")
    eff = next(s for s in b.sections if s.id == "efficiency")
    text = " ".join(str(p.text) for p in eff.blocks if hasattr(p, "text"))
    assert "not a recommendation" in text
    assert "prevention keeps at least its current budget" in text
    assert "recommend" not in text.replace("not a recommendation", "")
    alloc = next(tb for tb in b.tables if tb.key == "allocation").frame.set_index("link")
    assert alloc.loc["prevention", "scenario"] >= alloc.loc["prevention", "current"] * (1 - 1e-9)


# ---------------------------------------------------------------------------------------------
# working-group packs
# ---------------------------------------------------------------------------------------------


def test_five_packs_are_written(briefs: dict[str, Path]) -> None:
    for lang in ("en", "es"):
        groups = briefs[lang] / "groups"
        assert sorted(p.name for p in groups.iterdir()) == sorted(
            f"{lk.value}.{ext}" for lk in CHAIN_LINKS for ext in ("html", "xlsx")
        )
        for lk in CHAIN_LINKS:
            html = (groups / f"{lk.value}.html").read_text("utf-8")
            assert lk.label(lang) in html
            for key in (
                "pk.spending",
                "pk.indicators",
                "pk.peers",
                "pk.efficiency",
                "pk.position",
                "pk.outlook",
                "pk.cost_of_crime",
                "pk.results",
                "pk.requests",
            ):
                assert t(key, lang) in html, (lk.value, key)
            for key in (
                "col.timeframe",
                "col.cost",
                "col.funding_source",
                "col.responsible_institution",
                "col.budget_line",
                "col.baseline",
            ):
                assert t(key, lang) in html, (lk.value, key)
            wb = load_workbook(groups / f"{lk.value}.xlsx")
            assert len(wb.sheetnames) >= 3
    # the judicial pack has the link's spending and a request naming the courts
    html = (briefs["en"] / "groups" / "judicial.html").read_text("utf-8")
    assert "Spending on Judicial process" in html
    assert "the courts&#x27; statistics unit" in html or "the courts' statistics unit" in html


def test_data_requests_come_from_the_registry(briefs: dict[str, Path]) -> None:
    from peir.report.needs import NEEDS

    md = (briefs["en"] / "brief.md").read_text("utf-8")
    annex = _section(md, section_number("sec.annex"))
    assert t("sub.requests", "en") in annex
    for need in ("econ", "funnel", "courts_units"):  # gaps of this data
        assert need in NEEDS
        assert t(f"need.{need}", "en").replace("_", "\\_") in annex
    # the example's own requests follow the registry's
    assert "Dirección General del Presupuesto" in annex


# ---------------------------------------------------------------------------------------------
# Spanish throughout
# ---------------------------------------------------------------------------------------------

#: English words that are not Spanish words (so any of them in peir's own text is untranslated).
ENGLISH = frozenset(
    "the of and with from for to is are was were this that which by on at be has have not or "
    "an its as between data spending year years share link links brief table figure source "
    "sources calendar executed approved unallocated rows read produced budget shows missing "
    "request requested above below than more less number numbers value values".split()
)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def _data_texts(slv: dict[str, Any]) -> list[str]:
    """Text that comes from the data (names, sources, notes, the example's prose): not peir's."""
    h = slv["h"]
    out: set[str] = set()
    for frame in (
        h.spending,
        h.caseload,
        h.context,
        h.discrepancies,
        h.transfers,
        slv["peers"].spending,
        slv["peers"].context,
    ):
        for col in frame.columns:
            if (
                pd.api.types.is_object_dtype(frame[col])
                or pd.api.types.is_string_dtype(frame[col])
                or isinstance(frame[col].dtype, pd.CategoricalDtype)
            ):
                out |= {str(v) for v in frame[col].dropna().unique() if len(str(v)) > 2}
    meta = slv["ds"].meta
    for item in [*meta.get("published_figures", []), *meta.get("data_requests", [])]:
        out |= {str(v) for v in item.values() if isinstance(v, str)}
    out |= {str(v) for v in h.provenance.get("series_used", {}).get("population_source", [])}
    from peir.report.names import budget_sources

    out |= set(budget_sources(h.spending, limit=100)) | set(
        budget_sources(slv["peers"].spending, limit=100)
    )
    return sorted((x for x in out if len(x) > 5), key=len, reverse=True)


def _untranslated(texts: list[str], data: list[str]) -> list[str]:
    found = []
    for text in texts:
        for d in data:
            if d in text:
                text = text.replace(d, " ")
        text = re.sub(
            r"peir[\w.]*|brief\.xlsx|numbers\.csv|quote_rejected(=True)?|published_figures|peir\.yaml",
            " ",
            text,
        )
        text = re.sub(r"\b[a-z]+(?:_[a-z]+)+\b", " ", text)  # configuration keys (cost_of_crime)
        words = set(re.findall(r"[^\W\d_]+", text.lower()))
        bad = words & ENGLISH
        if bad:
            found.append(f"{sorted(bad)} in {text[:160]!r}")
    return found


def test_spanish_outputs_have_no_untranslated_english(
    slv: dict[str, Any], briefs: dict[str, Path]
) -> None:
    d = briefs["es"]
    data = _data_texts(slv)
    texts: list[str] = []
    for html in [d / "brief.html", *sorted((d / "groups").glob("*.html"))]:
        p = _Text()
        p.feed(html.read_text("utf-8"))
        texts += p.parts
    for xlsx in [d / "brief.xlsx", *sorted((d / "groups").glob("*.xlsx"))]:
        wb = load_workbook(xlsx)
        for ws in wb.worksheets:
            texts.append(ws.title)
            for row in ws.iter_rows():
                texts += [str(c.value) for c in row if isinstance(c.value, str)]
    # the numbers sheet's machine columns (section ids, origins, keys) are a record, not prose
    texts = [x for x in texts if not re.fullmatch(r"[a-z_\-]+|\{.*\}", x)]
    for svg in (d / "figures").glob("*.svg"):
        texts += re.findall(r">([^<>]+)</text>", svg.read_text("utf-8"))
    bad = _untranslated(texts, data)
    assert not bad, "\n".join(bad[:20])


def test_spanish_scan_catches_english() -> None:
    """The scan itself: an English sentence from the table is found."""
    assert _untranslated([TEXT["na.section"][0].format(what="x")], [])
    assert not _untranslated([TEXT["na.section"][1].format(what="x")], [])


def test_every_issue_code_is_translated() -> None:
    for code in IssueCode:
        en, es = TEXT[f"issue.{code.value}"]
        assert en and es and en != es


# ---------------------------------------------------------------------------------------------
# sensitive counts and quoted rejected rows
# ---------------------------------------------------------------------------------------------


def test_suppress_below_blanks_small_counts_everywhere(tmp_path: Path) -> None:
    from peir.datasets import simulate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = simulate(seed=2, n_regions=6, years=range(2021, 2023)).harmonize(base_year=2021)
    cl = h.caseload
    small = cl[(cl["value"] > 0) & (cl["value"] < 200)]
    assert len(small) > 5  # the simulated regions have small counts to hide
    out = tmp_path / "b"
    build_brief(h, out_dir=out, lang="en", suppress_below=200, formats=("md", "xlsx"))
    nums = pd.read_csv(out / "numbers.csv")
    counts = nums[nums["origin"].isin(["funnel"]) & (nums["indicator"] == "count")]
    assert (counts["value"] >= 200).all()
    md = (out / "brief.md").read_text("utf-8")
    assert "Caseload counts below 200 are suppressed in every output" in md
    # DEA units (judges, resolved cases) with small counts are not scored on blanked values
    dea = nums[nums["origin"] == "dea"]
    assert dea.empty or dea["value"].notna().all()


def test_rejected_text_is_quoted_only_on_request() -> None:
    from dataclasses import replace

    from peir.tables import ValidationReport

    h = peir.load_example("el_salvador").harmonize(base_year=2020)
    issues = pd.DataFrame(
        {
            "source_ref": ["budget.csv"],
            "row": [7],
            "column": ["amount"],
            "value": ["SECRET-7 victim name"],
            "code": ["not_a_number"],
            "severity": ["error"],
            "message": ["amount='SECRET-7 victim name' is not a number"],
        }
    )
    rep = ValidationReport(issues=issues)
    h2 = replace(h, report=rep)
    from peir.report.render import to_markdown

    plain = to_markdown(make_brief(h2, lang="en"))
    assert "SECRET-7" not in plain and t("issue.not_a_number", "en") in plain
    quoted = to_markdown(make_brief(h2, lang="en", quote_rejected=True))
    assert "SECRET-7" in quoted


def test_the_harmonised_dataset_carries_the_published_figures(
    slv: dict[str, Any], tmp_path: Path
) -> None:
    """HarmonizedDataset.meta holds the example's meta, so build_brief needs no published=;
    the meta survives the Parquet round trip."""
    from peir.dataset import read_harmonized
    from peir.report.render import to_markdown

    h = slv["h"]
    assert h.meta["coverage"][0]["links_from"] == 2017
    assert h.meta["published_figures"] == slv["ds"].meta["published_figures"]
    md = to_markdown(make_brief(h, lang="en", as_of=AS_OF))
    assert "| Spending as % of GDP | 2011 | 2.8% |" in md
    assert "Dirección General del Presupuesto" in md  # the example's data requests
    back = read_harmonized(h.to_parquet(tmp_path / "h"))
    assert back.meta["coverage"] == h.meta["coverage"]


# ---------------------------------------------------------------------------------------------
# nothing after the as-of year; execution observed by institution; the packs' parts
# ---------------------------------------------------------------------------------------------

#: Execution 2012, executed / approved x 100 by ramo, summed by hand from budget.csv
#: (modificaciones_ramo_2007_2021.csv, 'accrued' / 'approved'): MJSP 336,568,806.78 /
#: 326,018,640 = 103.24; Órgano Judicial 208,127,730.57 / 226,861,385 = 91.74; FGR
#: 34,344,038.24 / 33,550,440 = 102.37; PGR 20,757,722.58 / 20,443,535 = 101.54; CNJ
#: 5,756,604.75 / 5,814,600 = 99.00.
EXEC_2012 = {
    "Ministerio de Justicia y Seguridad Pública (MJSP)": "103.2",
    "Órgano Judicial (Corte Suprema de Justicia)": "91.7",
    "Fiscalía General de la República (FGR)": "102.4",
    "Procuraduría General de la República (PGR)": "101.5",
    "Consejo Nacional de la Judicatura (CNJ)": "99.0",
}


def _later_years(text: str) -> set[int]:
    return {int(y) for y in re.findall(r"(?<![\d.,])(20[1-9]\d)(?![\d.,])", text) if int(y) > AS_OF}


def test_no_figure_later_than_the_as_of_year(briefs: dict[str, Path], slv: dict[str, Any]) -> None:
    """Scan the whole Markdown and HTML: a year after 2012 appears only as a year of the
    baseline projection (2013-2017, the outlook looks forward from the as-of year) or in the
    dataset's own data requests (what to ask for, e.g. "2008-2020"); never as data."""
    # the dataset's own words that carry dates (requests, publications' dates, data vintages)
    requests = [str(v) for r in slv["ds"].meta["data_requests"] for v in r.values()]
    requests += [str(f["source"]) for f in slv["ds"].meta["published_figures"]]
    for name in ("brief.md", "brief.html"):
        text = (briefs["en"] / name).read_text("utf-8")
        text = re.sub(
            r"<style.*?</style>|<img[^>]*>|Generated by peir[^\n<]*|\w+ 20\d\d vintage"
            r"|…–20\d\d|rebased from.{0,80}?20\d\d|\(20\d\d=100\)"
            r"|base year of constant prices.{0,80}?20\d\d"
            r"|In the baseline, [^\n]*|[^\n]*Constitución de la República[^\n]*"
            r"|\| ….20\d\d \||WEO \w+ 20\d\d|\d{4}-\d\d-\d\d|20\d\d-20\d\d|20\d\d–20\d\d",
            " ",
            text,
            flags=re.S,
        )
        for r in requests:
            text = text.replace(r, " ").replace(r.replace("_", "\\_"), " ")
        proj = re.search(
            r"(### |<h3[^>]*>)Baseline projection and fiscal envelope.*?(### |<h3)",
            text,
            flags=re.S,
        )
        assert proj is not None, name
        assert _later_years(proj.group(0)) <= set(range(AS_OF + 1, AS_OF + 6)), name
        rest = text[: proj.start()] + text[proj.end() :]
        assert not _later_years(rest), (
            name,
            sorted(_later_years(rest)),
            [ln[:160] for ln in rest.splitlines() if _later_years(ln)][:5],
        )
    nums = pd.read_csv(briefs["en"] / "numbers.csv")
    later = nums[nums["year"] > AS_OF]
    assert set(later["origin"]) <= {"outlook"}, later[["origin", "indicator", "year"]].head()


def test_the_outlook_starts_at_the_as_of_year(slv: dict[str, Any]) -> None:
    """A 2012 brief projects from 2012 (605,554,902.92 executed), even when the outlook block
    fixes a later base year (2020): the section says so."""
    from peir.outlook import OutlookSpec
    from peir.report.render import to_markdown

    md = to_markdown(
        make_brief(slv["h"], lang="en", as_of=AS_OF, outlook=OutlookSpec(base_year=2020, horizon=3))
    )
    n = section_number("sec.outlook")
    out = md[md.index(f"## {n}. ") : md.index(f"## {n + 1}. ")]
    assert (
        "The outlook block sets the base year 2020, after the year of this brief (2012); "
        "the projection starts from 2012" in out
    )
    assert "executed sector spending of 605.6 USD million in 2012" in out
    assert (
        "| 2015 |" in out
        and "| 2016 |" not in out
        and "2020" not in out.replace("base year 2020", "")
    )


def test_execution_is_shown_by_institution_where_the_link_split_is_assumed(
    briefs: dict[str, Path],
) -> None:
    """coverage[0].executed_by_link says the executed split is assumed: no execution rate by
    link is shown; the observed rates by institution are (2012, by hand: EXEC_2012)."""
    md = (briefs["en"] / "brief.md").read_text("utf-8")
    cred = _section(md, section_number("sec.credibility"))
    assert "Execution rate by link" not in cred
    assert "Execution by link is not observed in this data" in cred
    head = next(ln for ln in cred.splitlines() if ln.startswith("| Year |") and "MJSP" in ln)
    row = next(
        ln
        for ln in cred.splitlines()
        if ln.startswith("| 2012 |") and ln.count("|") == head.count("|")
    )
    cols = [c.strip() for c in head.strip("|").split(" | ")]
    vals = dict(zip(cols, [c.strip() for c in row.strip("|").split(" | ")]))
    for inst, rate in EXEC_2012.items():
        assert vals[f"{inst} (%)"] == rate, (inst, vals)


def test_packs_have_the_outlook_and_the_requests(slv: dict[str, Any], tmp_path: Path) -> None:
    """Latest brief (base 2020, links split): each pack has its link's projected lines (the
    judicial pack: Projection.by_link()['judicial'] of the brief's baseline) and the example's
    own data requests; a 2012 brief's packs say the base year is not split by link."""
    from peir.outlook import OutlookSpec

    spec = OutlookSpec.model_validate(slv["ds"].meta["outlook"])
    b = make_brief(slv["h"], lang="en", outlook=spec)
    proj = spec.run(slv["h"], country="SLV")[0]
    assert proj.base_year == 2020
    want = proj.by_link()["judicial"]
    pack = b.packs["judicial"]
    tb = next(t_ for t_ in pack.tables if t_.key == "link_projection")
    got = tb.frame.set_index("year")["amount"]
    assert list(got.index) == list(range(2020, 2026))
    assert got.round(2).tolist() == want.round(2).tolist()
    text = " ".join(str(p.text) for s in pack.sections for p in s.blocks if hasattr(p, "text"))
    assert "In the brief's baseline projection, spending on Judicial process of" in text
    req = next(t_ for t_ in pack.tables if t_.key == "data_requests").frame
    assert "Ley de Presupuesto by unidad presupuestaria and línea de trabajo, 2008-2016" in set(
        req["what"]
    )
    old = make_brief(slv["h"], lang="en", as_of=AS_OF, outlook=spec).packs["patrol"]
    assert not any(t_.key == "link_projection" for t_ in old.tables)
    # the base of a legal floor (the State's current revenue) is asked for in the brief, not in
    # the packs: no working group of a link can act on it
    from peir.report.render import to_markdown

    annex = to_markdown(b).split("### Data to request")[1]
    assert "the base of the legal floors (current revenue by year" in annex
    for link, p in b.packs.items():
        asked = next(t_ for t_ in p.tables if t_.key == "data_requests").frame["what"]
        assert t("need.revenue", "en") not in set(asked), link
