"""The brief's Outlook section: the projection, the caseload's needs and the cost of crime."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import peir
from outlook_data import harmonized, line, measure
from peir.cli import main
from peir.costs import CostOfCrimeSpec
from peir.outlook import OutlookSpec, project
from peir.report.brief import make_brief
from peir.report.i18n import TEXT
from peir.report.model import Brief, Section, TableBlock
from peir.report.render import to_markdown
from peir.report.sections import section_number

_OUT = section_number("sec.outlook")

SPEC = {
    "ceiling_pct_gdp": 2.0,
    "real_wage_growth": 0.01,
    "headcount_growth": {"patrol": 0.02},
    "new_capacity": [
        {
            "link": "corrections",
            "start_year": 2024,
            "units": 6500,
            "recurrent_cost_per_unit": 2700,
            "name": "New prison, 6,500 places",
            "source": "prison plan (synthetic)",
        }
    ],
    "scenarios": [{"name": "no new prison", "new_capacity": []}],
}


@pytest.fixture(scope="module")
def sim() -> peir.HarmonizedDataset:
    from peir.datasets import simulate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return simulate(seed=3, n_regions=6, years=range(2018, 2023)).harmonize(base_year=2020)


@pytest.fixture(scope="module")
def full(sim: peir.HarmonizedDataset) -> dict[str, Brief]:
    """The simulated brief with an outlook block and a cost-of-crime block, in both languages."""
    kw = {
        "outlook": OutlookSpec.model_validate(SPEC),
        "cost_of_crime": CostOfCrimeSpec.model_validate(COST),
    }
    return {lang: make_brief(sim, lang=lang, **kw) for lang in ("en", "es")}  # type: ignore[arg-type]


def _section(brief: Brief) -> Section:
    return next(s for s in brief.sections if s.id == "outlook")


def _table(sec: Section, key: str) -> TableBlock:
    return next(b for b in sec.blocks if isinstance(b, TableBlock) and b.key == key)


def test_projection_in_the_brief_is_the_models(
    sim: peir.HarmonizedDataset, full: dict[str, Brief]
) -> None:
    spec = OutlookSpec.model_validate(SPEC)
    sec = _section(full["en"])
    env = _table(sec, "envelope").frame
    (plan, *_) = spec.plan(sim, country="XSA")
    model = project(sim, **plan.kwargs)
    assert plan.kwargs["base_year"] == 2022  # the latest sound year of the simulated data
    assert env["total"].tolist() == pytest.approx(model.envelope["total"].tolist(), rel=1e-12)
    assert env["gap"].tolist() == pytest.approx(model.envelope["gap"].tolist(), rel=1e-12)
    scen = _table(sec, "scenarios")
    labels = [c.label for c in scen.columns]
    assert labels[1:] == [
        "baseline: total (USD million)",
        "baseline: % of GDP",
        "no new prison: total (USD million)",
        "no new prison: % of GDP",
    ]
    diff = (
        scen.frame["total_1"] - scen.frame["total_0"]
    )  # the new prison's recurrent cost from 2024
    assert diff.tolist()[:2] == [0.0, 0.0] and (diff.iloc[2:] < 0).all()
    text = " ".join(str(b.text) for b in sec.blocks if hasattr(b, "text"))
    assert "In the baseline, executed sector spending of 376.6 USD million in 2022" in text
    assert "averages of 2019–2022, not forecasts" in text  # the simulated context starts in 2018
    assert "Scenario “no new prison”" in text
    a = _table(sec, "assumptions").frame.set_index("parameter")
    assert a.loc["New prison, 6,500 places", "source"] == "prison plan (synthetic)"
    assert "not a forecast" in a.loc["Inflation (% a year)", "source"]
    assert a.loc["Real wage growth (% a year)", "value"] == "1.0"


def test_needs_by_hand_in_the_brief() -> None:
    # courts: 1,200 incoming, 1,000 resolved by 10 judges (100 each), 500 pending at the end
    #   keep pace: R = 1,200 -> 12 judges;  target 90 days in 3 years:
    #   R = 1,200 + (500 - 295.890) / 3 = 1,268.0365 -> 12.680365 judges
    # prisons: 150 held for 100 places -> 50 places short; corrections spends 300 for 150
    #   prisoners = 2 per prisoner -> the 50 places cost 100 a year
    caseload = [
        measure(2020, m, v, "test")
        for m, v in (
            ("cases_incoming", 1_200),
            ("cases_resolved", 1_000),
            ("cases_pending_end", 500),
            ("judges", 10),
            ("prisoners_total", 150),
            ("prison_capacity", 100),
        )
    ]
    h = harmonized(
        [line(2020, "PNC", "21", 700.0), line(2020, "DGCP", "21", 300.0)],
        {2019: 1e5, 2020: 1e5},
        caseload,
    )
    sec = _section(make_brief(h, lang="en", country="SLV"))
    t = _table(sec, "needs").frame.set_index("item")
    assert t.loc["Judges", "needed"] == pytest.approx(12.0)
    assert t.loc["Prison places", "difference"] == pytest.approx(50.0)
    assert t.loc["Prison places", "cost"] == pytest.approx(100.0)
    target = OutlookSpec.model_validate({"needs": {"target_disposition_days": 90, "years": 3}})
    t2 = _table(_section(make_brief(h, lang="en", country="SLV", outlook=target)), "needs").frame
    assert t2.set_index("item").loc["Judges", "needed"] == pytest.approx(12.680365, abs=1e-6)


COST = {
    "year": 2022,
    "victims": {20: 30, 35: 10, 70: 2},
    "victims_source": "forensic institute (synthetic)",
    "earnings": 4_000,
    "earnings_source": "household survey (synthetic)",
    "prisoners": 15_000,
    "prisoners_source": "prison census (synthetic)",
    "private_security": {"amount": 50_000_000, "source": "business survey (synthetic)"},
    "published": {"year": 2021, "pct_gdp": 3.5, "source": "a published study (synthetic)"},
}


def test_cost_of_crime_in_the_brief(sim: peir.HarmonizedDataset, full: dict[str, Brief]) -> None:
    spec = CostOfCrimeSpec.model_validate(COST)
    sec = _section(full["en"])
    t = _table(sec, "cost_of_crime").frame.set_index("key")
    model = spec.run(sim, country="XSA")
    assert t["value"].sum() == pytest.approx(model.total, rel=1e-12)
    assert t.loc["prisoners_lost_income", "value"] == pytest.approx(15_000 * 4_000)
    assert t.loc["private_security", "source"] == "business survey (synthetic)"
    assert t.loc["victims_lost_income", "source"].startswith("victims by age: forensic institute")
    text = " ".join(str(b.text) for b in sec.blocks if hasattr(b, "text"))
    assert "The published estimate for 2021 is 3.50% of GDP (a published study (synthetic))" in text


def test_spanish_outlook_has_no_english(full: dict[str, Brief]) -> None:
    md = to_markdown(full["es"])
    part = md[md.index(f"## {_OUT}.") : md.index(f"## {_OUT + 1}.")]
    assert "Perspectivas" in part and "Escenario «sin" not in part
    for key, (en, es) in TEXT.items():
        if (
            key.split(".")[0]
            in ("msg", "par", "val", "src", "cc", "basis", "note", "col", "tab", "sub")
            and en != es
        ):
            for frag in re.split(r"{\w+}", en):
                frag = frag.strip(" .,:;()—-")
                if len(frag) >= 12 and frag not in es:
                    assert frag not in part, f"English {frag!r} ({key}) in the Spanish outlook"
    assert "%%" not in part


def test_el_salvador_brief_has_the_outlook_and_the_cost_of_crime() -> None:
    """The example's own blocks (example.yaml), as ``peir brief --example el_salvador`` reads them.

    Golden values of the shipped example (Ministerio de Hacienda ramo file, WDI context, IML 2015
    table by age): executed sector spending 2020 = 900,025,352.07; GDP 2015 = 23,438.24 M;
    the cost of crime 2015 = 2,024.30 M = 8.637 % of GDP, of which victims' lost income 502.68 M.
    """
    from peir.config import ProjectConfig

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = peir.load_example("el_salvador")
        h = ds.harmonize(base_year=2020)
    cfg = ProjectConfig.from_dict({k: ds.meta[k] for k in ("outlook", "cost_of_crime")})
    brief = make_brief(h, lang="en", outlook=cfg.outlook, cost_of_crime=cfg.cost_of_crime)
    sec = _section(brief)
    env = _table(sec, "envelope").frame
    assert env["year"].tolist() == list(range(2020, 2026))
    assert env["total"].iloc[0] == pytest.approx(900_025_352.07, abs=0.01)
    a = _table(sec, "assumptions").frame.set_index("parameter")
    assert "average of 2016–2020" in a.loc["Inflation (% a year)", "source"]
    t = _table(sec, "cost_of_crime").frame.set_index("key")
    assert t["value"].sum() == pytest.approx(2_024.30e6, rel=1e-5)
    assert t.loc["victims_lost_income", "value"] == pytest.approx(502.68e6, rel=1e-5)
    assert t.loc["private_security", "value"] == 650e6
    text = " ".join(str(b.text) for b in sec.blocks if hasattr(b, "text"))
    assert "crime cost the country 2,024.3 USD million in 2015, 8.64% of GDP" in text
    assert "The published estimate for 2014 is 6.16% of GDP" in text
    # 2015 precedes the ministry's split by unit: public spending is one row, not links that
    # read as empty (patrol and corrections are inside the ministry's unallocated 438.6 M)
    public = [k for k in t.index if str(k).startswith("public_")]
    assert public == ["public_total"]
    assert t.loc["public_total", "component"] == (
        "Public spending on security and justice (not split by link)"
    )
    c = cfg.cost_of_crime.run(h, country="SLV")  # the model's rows, one per link
    by_link = c.table[c.table["component"].str.startswith("public_")]
    assert len(by_link) == 3  # investigation 49.0 M, judicial 270.8 M, unallocated 438.6 M
    assert t.loc["public_total", "value"] == pytest.approx(by_link["value"].sum(), rel=1e-12)
    assert t.loc["public_total", "value"] == pytest.approx(758.3e6, abs=0.1e6)
    assert "in 2015, 57.8% of it (438.6 million) cannot be placed on a link" in text


def test_cli_brief_reads_the_blocks_of_peir_yaml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml

    cfg: dict[str, Any] = {
        "example": "el_salvador",
        "country": "SLV",
        "outlook": {"horizon": 3, "ceiling_pct_gdp": 3.0},
        "cost_of_crime": {
            "year": 2011,
            "victims": "victims.csv",
            "victims_source": "test file",
            "earnings": "gdp_per_capita",
            "prisoners": 25_000,
            "prisoners_source": "test",
        },
    }
    (tmp_path / "peir.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    pd.DataFrame({"age": [20, 30], "count": [100, 50]}).to_csv(
        tmp_path / "victims.csv", index=False
    )
    out = tmp_path / "out"
    assert (
        main(
            [
                "-q",
                "brief",
                "--config",
                str(tmp_path / "peir.yaml"),
                "--out",
                str(out),
                "--formats",
                "md",
            ]
        )
        == 0
    )
    md = (out / "brief.md").read_text("utf-8")
    part = md[md.index(f"## {_OUT}.") : md.index(f"## {_OUT + 1}.")]
    assert "becomes" in part and "in 2023" in part  # horizon 3 from the latest sound year, 2020
    assert "Against a ceiling of 3.0% of GDP" in part
    assert "By the IDB's accounting method, crime cost the country" in part
    assert "test file" in part
