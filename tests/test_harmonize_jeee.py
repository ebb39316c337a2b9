"""Real data: US Bureau of Justice Statistics JEEE state tables, 2013–2016, harmonised to links.

State and local justice expenditure (police protection, judicial and legal, corrections; $
thousands) is placed on the chain with an explicit chain map, put in constant 2015 dollars with
the US GDP deflator (WDI, chained, 2015 = 100) and expressed per inhabitant with the Census
population BJS publishes in its Table 8. Checked against BJS's own figures:

- the sum over links equals the source's expenditure for every state and year (exactly; the
  source's own total differs from the sum of its three functions for Connecticut 2015 and
  New Jersey 2014, which is pinned here);
- per-capita *direct* expenditure (Table 4, the basis of BJS's Table 8) harmonised and divided
  by the Table 8 population equals BJS's published per-capita figures (rounded to cents) for
  every state, year and function;
- constant-price per-capita values are the published ones times D[2015] / D[year].
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import require_shared
from peir import BudgetTable, ChainMap, ContextTable, Dataset

require_shared("real", "us_bjs_jeee")

pytestmark = pytest.mark.shared

FUNCTIONS = {  # JEEE column -> (institution code, COFOG group)
    "exp_police_k": ("POLICE", "03.1"),
    "exp_judicial_legal_k": ("JUDICIAL_LEGAL", "03.3"),
    "exp_corrections_k": ("CORRECTIONS", "03.4"),
}
POLICE_PATROL_SHARE = 0.8

CHAIN_MAP = pd.DataFrame(
    [
        {
            "institution_code": "POLICE",
            "link": "patrol",
            "share": POLICE_PATROL_SHARE,
            "basis": (
                "analyst assumption for this check: JEEE does not split police protection "
                "by activity"
            ),
            "source_ref": "test chain map",
        },
        {
            "institution_code": "POLICE",
            "link": "investigation",
            "share": 1 - POLICE_PATROL_SHARE,
            "basis": (
                "analyst assumption for this check: JEEE does not split police protection "
                "by activity"
            ),
            "source_ref": "test chain map",
        },
        {
            "institution_code": "JUDICIAL_LEGAL",
            "link": "judicial",
            "share": 1.0,
            "basis": "JEEE judicial and legal (courts, prosecution, public defence) kept together",
            "source_ref": "test chain map",
        },
        {
            "institution_code": "CORRECTIONS",
            "link": "corrections",
            "share": 1.0,
            "basis": "JEEE corrections (institutions, probation, parole)",
            "source_ref": "test chain map",
        },
    ]
)


RAW_T04 = {
    2013: "jeee13f/jeee13t04.csv",
    2014: "jeee14fu/jeee14fut04.csv",
    2015: "jeee15fu/jeee15fut04.csv",
    2016: "jeee16f/jeee16t04.csv",
}
DIRECT_COLS = {"exp_police_k": 7, "exp_judicial_legal_k": 12, "exp_corrections_k": 17}


def read_direct(path: Path, year: int, states: set[str]) -> pd.DataFrame:
    """State-and-local *direct* expenditure by function from a raw BJS Table 4."""
    out = []
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        for row in csv.reader(fh):
            if not row:
                continue
            first = row[0].strip()  # "Florida - Total " has a trailing blank
            name = first.removesuffix(" - Total")
            if name in states and (year == 2013 or first.endswith(" - Total")):
                rec: dict[str, object] = {"state": name, "year": year}
                for col, j in DIRECT_COLS.items():
                    rec[col] = float(row[j].replace(",", ""))
                out.append(rec)
    return pd.DataFrame(out)


def read_capita(path: Path, year: int) -> pd.DataFrame:
    """BJS Table 8 (per capita expenditure), with its preamble and footnotes."""
    lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("State,"))
    t = pd.read_csv(
        path, skiprows=header, thousands=",", encoding="utf-8-sig", encoding_errors="replace"
    )
    t = t.rename(columns={t.columns[0]: "state", t.columns[1]: "population"})
    cols = list(t.columns)
    t = t.rename(
        columns={
            cols[2]: "pc_total",
            cols[3]: "pc_police",
            cols[4]: "pc_judicial",
            cols[5]: "pc_corrections",
        }
    )
    t["population"] = pd.to_numeric(t["population"], errors="coerce")
    t = t[t["population"].notna() & (t["state"] != "U.S. total")]
    t["year"] = year
    return t[
        ["state", "year", "population", "pc_total", "pc_police", "pc_judicial", "pc_corrections"]
    ]


@pytest.fixture(scope="module")
def jeee(shared_data: Path) -> dict[str, pd.DataFrame]:
    root = shared_data / "real" / "us_bjs_jeee"
    src = pd.read_csv(root / "us_jeee_state_2013_2016.csv")
    raw = root / "raw"
    capita = pd.concat(
        [
            read_capita(raw / "jeee13f" / "capita13.csv", 2013),
            read_capita(raw / "jeee14fu" / "capita14.csv", 2014),
            read_capita(raw / "jeee15fu" / "capita15.csv", 2015),
            read_capita(raw / "jeee16f" / "capita16.csv", 2016),
        ],
        ignore_index=True,
    )
    defl = pd.read_csv(
        shared_data
        / "reference"
        / "macro"
        / "derived_NY.GDP.DEFL.ZS_deflator_2015eq100_chained.csv"
    )
    defl = defl[(defl.country_iso3 == "USA") & defl.year.between(2013, 2016)]
    states = set(src["state"])
    direct = pd.concat(
        [read_direct(raw / f, y, states) for y, f in RAW_T04.items()], ignore_index=True
    )
    return {"src": src, "capita": capita, "deflator": defl, "direct": direct}


def build_dataset(jeee: dict[str, pd.DataFrame], table: str = "src") -> Dataset:
    src = jeee[table]
    rows = []
    for i, r in enumerate(src.itertuples(index=False)):
        for col, (code, func) in FUNCTIONS.items():
            rows.append(
                {
                    "country": "USA",
                    "year": int(r.year),
                    "institution_code": code,
                    "institution": f"State and local {code.lower().replace('_', ' and ')}",
                    "func": func,
                    "region": r.state,
                    "phase": "executed",
                    "amount": float(getattr(r, col)) * 1000.0,
                    "currency": "USD",
                    "source_ref": (
                        f"{'us_jeee_state_2013_2016.csv' if table == 'src' else 'Table 4 direct'}"
                        f":{i + 2}:{col}"
                    ),
                }
            )
    budget = pd.DataFrame(rows)
    d = jeee["deflator"]
    national = pd.DataFrame(
        {
            "country": "USA",
            "year": d["year"].astype(int),
            "gdp_deflator": d["value"].astype(float),
            "fx_lcu_per_usd": 1.0,
            "region": None,
            "source_ref": "WDI NY.GDP.DEFL.KD.ZG chained, 2015=100",
        }
    )
    cap = jeee["capita"]
    regional = pd.DataFrame(
        {
            "country": "USA",
            "year": cap["year"].astype(int),
            "region": cap["state"],
            "population": cap["population"],
            "population_source": "US Census Bureau estimates as published in BJS JEEE Table 8",
        }
    )
    context = pd.concat([national, regional], ignore_index=True)
    return Dataset(
        budget=BudgetTable(frame=budget),
        chain_map=ChainMap(frame=CHAIN_MAP),
        context=ContextTable(frame=context),
        name="US BJS JEEE 2013-2016",
    )


def test_jeee_totals_by_link_equal_the_source(jeee: dict[str, pd.DataFrame]) -> None:
    h = build_dataset(jeee).harmonize(base_year=2015, currency="USD")
    s = h.spending
    src = jeee["src"].set_index(["state", "year"])
    assert len(s) == 204 * 4  # police is split in two
    assert set(s["link"]) == {"patrol", "investigation", "judicial", "corrections"}
    tot = s.groupby(["region", "year"])["amount"].sum().reindex(src.index)
    parts = (src["exp_police_k"] + src["exp_judicial_legal_k"] + src["exp_corrections_k"]) * 1000
    np.testing.assert_allclose(tot.to_numpy(), parts.to_numpy(), rtol=1e-12)
    # the source's total column agrees except where BJS's own total is not the sum of its parts
    off = tot[(tot - src["exp_total_k"] * 1000).abs() > 1e-6 * tot]
    assert sorted(off.index) == [("Connecticut", 2015), ("New Jersey", 2014)]
    assert s["amount"].sum() == pytest.approx(parts.sum(), rel=1e-12)
    by_link = s.pivot_table(
        index=["region", "year"], columns="link", values="amount", aggfunc="sum"
    ).reindex(src.index)
    np.testing.assert_allclose(
        (by_link["patrol"] + by_link["investigation"]).to_numpy(),
        src["exp_police_k"].to_numpy() * 1000,
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        by_link["patrol"].to_numpy(),
        src["exp_police_k"].to_numpy() * 1000 * POLICE_PATROL_SHARE,
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        by_link["judicial"].to_numpy(), src["exp_judicial_legal_k"].to_numpy() * 1000, rtol=1e-12
    )
    np.testing.assert_allclose(
        by_link["corrections"].to_numpy(), src["exp_corrections_k"].to_numpy() * 1000, rtol=1e-12
    )
    assert set(s["basis"]) == set(CHAIN_MAP["basis"])


def test_jeee_direct_expenditure_2013_equals_the_derived_table(
    jeee: dict[str, pd.DataFrame],
) -> None:
    d = jeee["direct"].set_index(["state", "year"])
    assert len(d) == 204
    src = jeee["src"].set_index(["state", "year"]).reindex(d.index)
    y13 = d.index.get_level_values("year") == 2013
    for col in DIRECT_COLS:  # in 2013 total = direct expenditure at the state-and-local level
        np.testing.assert_array_equal(d.loc[y13, col].to_numpy(), src.loc[y13, col].to_numpy())


def test_jeee_per_capita_matches_bjs_table_8(jeee: dict[str, pd.DataFrame]) -> None:
    h = build_dataset(jeee, "direct").harmonize(base_year=2015, currency="USD")
    g = h.aggregate(("country", "year", "region")).set_index(["region", "year"])
    cap = jeee["capita"].set_index(["state", "year"])
    g = g.reindex(cap.index)
    assert g["population"].notna().all()
    assert set(g["population_source"]) == {
        "US Census Bureau estimates as published in BJS JEEE Table 8"
    }
    # BJS rounds per-capita figures to cents
    np.testing.assert_allclose(g["per_capita"].to_numpy(), cap["pc_total"].to_numpy(), atol=0.0051)
    per_link = h.aggregate(("country", "year", "region", "link")).set_index(
        ["region", "year", "link"]
    )["per_capita"]
    police = (
        per_link.xs("patrol", level="link") + per_link.xs("investigation", level="link")
    ).reindex(cap.index)
    np.testing.assert_allclose(police.to_numpy(), cap["pc_police"].to_numpy(), atol=0.0051)
    np.testing.assert_allclose(
        per_link.xs("judicial", level="link").reindex(cap.index).to_numpy(),
        cap["pc_judicial"].to_numpy(),
        atol=0.0051,
    )
    np.testing.assert_allclose(
        per_link.xs("corrections", level="link").reindex(cap.index).to_numpy(),
        cap["pc_corrections"].to_numpy(),
        atol=0.0051,
    )
    # spot values, as printed by BJS
    assert g.loc[("Alabama", 2013), "per_capita"] == pytest.approx(474.76, abs=0.005)
    assert g.loc[("Alaska", 2016), "per_capita"] == pytest.approx(1297.39, abs=0.005)
    assert g.loc[("Wyoming", 2015), "per_capita"] == pytest.approx(946.67, abs=0.005)


def test_jeee_constant_2015_dollars_per_capita(jeee: dict[str, pd.DataFrame]) -> None:
    h = build_dataset(jeee, "direct").harmonize(base_year=2015, currency="USD")
    d = jeee["deflator"].set_index("year")["value"]
    g = h.aggregate(("country", "year", "region")).set_index(["region", "year"])
    cap = jeee["capita"].set_index(["state", "year"])
    expected = (
        cap["pc_total"] * d.loc[2015] / d.reindex(cap.index.get_level_values("year")).to_numpy()
    )
    np.testing.assert_allclose(
        g["per_capita_real"].reindex(cap.index).to_numpy(),
        expected.to_numpy(),
        rtol=2e-5,
        atol=0.006,
    )
    # 2015 is the base year: real = nominal
    b15 = g.xs(2015, level="year")
    np.testing.assert_allclose(b15["per_capita_real"], b15["per_capita"], rtol=1e-12)
    # spot: Alabama 2013 in 2015 dollars = 474.76 x D2015 / D2013
    assert g.loc[("Alabama", 2013), "per_capita_real"] == pytest.approx(
        474.76 * 100 / d.loc[2013], abs=0.01
    )
    assert 100 / d.loc[2013] > 1  # prices rose between 2013 and 2015
    assert h.provenance["series_used"]["deflator"] == "gdp_deflator"
    assert h.gaps.empty
