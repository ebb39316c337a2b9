"""The Brazilian states (FBSP Anuário, ``br_fbsp_absp_uf``) read through peir's shipped specs, as
a user would, and briefed: what the file can and cannot support is said, never guessed.

- The budget spec reads the 270 non-zero UF-years of committed (empenhada) public-security
  spending, 2011-2020, and sets the 135 zeros (missing values in this copy) aside as excluded;
  each year's total equals the column summed here with pandas.
- The caseload spec reads the MVI counts (297 UF-years, 2011-2021).
- The file has no population by UF, and its spending is committed, not executed: the brief's
  section on regions says the population by region is missing (27 regions with spending), the
  section on spending says the budget has only the committed phase, and no per-capita figure by
  state is printed. The key message's homicide rate (national: the sum of the states) names
  its source.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import peir
from conftest import require_shared
from peir.report import make_brief, t
from peir.report.render import to_markdown
from peir.report.sections import section_number

DATA = require_shared("real", "br_fbsp_absp_uf")
require_shared("reference", "macro")

pytestmark = [pytest.mark.shared, pytest.mark.xdist_group("report")]

SPECS = Path(__file__).resolve().parents[1] / "specs" / "br_fbsp_absp_uf"
FILE = DATA / "br_fbsp_absp_uf.csv"
YEARS = range(2011, 2021)


def _macro(shared: Path, name: str) -> pd.Series:
    d = pd.read_csv(shared / "reference" / "macro" / name)
    return d[d["country_iso3"] == "BRA"].set_index("year")["value"].astype(float)


@pytest.fixture(scope="module")
def br(shared_data: Path) -> dict[str, Any]:
    budget = peir.read_budget(FILE, spec=SPECS / "budget.yaml")
    caseload = peir.read_caseload(FILE, spec=SPECS / "caseload.yaml")
    pop = _macro(shared_data, "wdi_SP.POP.TOTL_population.csv")
    gdp = _macro(shared_data, "derived_NY.GDP.MKTP.CN_gdp_current_lcu.csv")
    defl = _macro(shared_data, "derived_NY.GDP.DEFL.ZS_deflator_2015eq100_chained.csv")
    context = pd.DataFrame(
        [
            {
                "country": "BRA",
                "year": y,
                "population": pop[y],
                "population_source": "WDI SP.POP.TOTL",
                "gdp_lcu": gdp[y],
                "gdp_deflator": defl[y],
                "currency": "BRL",
                "source_ref": "WDI (reference/macro)",
            }
            for y in YEARS
        ]
    )
    chain_map = pd.DataFrame(
        [
            {
                "institution_code": "UF_SEGURANCA_PUBLICA",
                "link": "patrol",
                "share": 1.0,
                "basis": "função 06 segurança pública (policing; not split by activity)",
                "source_ref": "FBSP",
            }
        ]
    )
    ds = peir.Dataset(budget=budget, caseload=caseload, context=context, chain_map=chain_map)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = ds.harmonize(base_year=2020)
        md = {lang: to_markdown(make_brief(h, lang=lang, country="BRA")) for lang in ("en", "es")}
    return {"budget": budget, "caseload": caseload, "md": md, "raw": pd.read_csv(FILE)}


def _section(md: str, key: str) -> str:
    n = section_number(key)
    return md[md.index(f"\n## {n}. ") : md.index(f"\n## {n + 1}. ")]


def test_the_specs_read_every_line_and_set_the_zeros_aside(br: dict[str, Any]) -> None:
    raw = br["raw"]
    rep = br["budget"].report
    assert (rep.rows_read, rep.rows_accepted, rep.rows_rejected) == (405, 270, 135)
    got = br["budget"].frame.groupby("year")["amount"].sum()
    spending = raw.groupby("ano")["despesa_empenhada_seguranca_publica"].sum()
    assert list(got.index) == list(YEARS)
    for y in YEARS:  # to the cent: reais with centavos
        assert got[y] == pytest.approx(float(spending[y]), abs=0.005), y
    assert set(br["budget"].frame["phase"].astype(str)) == {"committed"}
    assert br["caseload"].report.rows_accepted == 297
    mvi = raw.groupby("ano")["quantidade_morte_violenta_intencional"].sum()
    cl = br["caseload"].frame.groupby("year")["value"].sum()
    assert cl[2020] == mvi[2020] == 50_448


@pytest.mark.parametrize("lang", ["en", "es"])
def test_regions_and_spending_say_what_the_file_lacks(br: dict[str, Any], lang: str) -> None:
    md = br["md"][lang]
    regions = _section(md, "sec.regions")
    assert t("need.regional_population", lang) in regions
    assert t("na.regions_no_population", lang, n="27") in regions
    assert "|" not in regions  # no table of states
    spending = _section(md, "sec.spending")
    committed = {"en": "committed", "es": "comprometido"}[lang]
    assert t("na.spending_phases", lang, phases=committed) in spending


def test_the_key_message_names_its_source(br: dict[str, Any]) -> None:
    md = br["md"]["en"]
    key = md[md.index("\n## 1. ") : md.index("\n## 2. ")]
    assert "The homicide rate was " in key and "source FBSP)" in key
    assert "(source )" not in br["md"]["en"]
