"""Indicators on real data, checked against the figures the sources publish themselves.

- CNJ *Justiça em Números*, federal courts by state section (Brazil, 2012–2022): the clearance
  rate equals CNJ's IAD (processos baixados por caso novo, 1st instance + small-claims courts);
  the CNJ congestion rate equals TC (taxa de congestionamento) from 2016, when the CNJ adopted
  the current definition; the disposition time agrees with the one implied by TC; spending per
  inhabitant and % of GDP equal CNJ's G7 and G1.
- UNODC UN-CTS prisons: occupancy per country-year, hand-computed rows and the count of
  country-years stated in the file's SOURCE.txt.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import peir.indicators as I
from conftest import require_shared
from peir import HarmonizedDataset
from peir.chain import MEASURES

# the CNJ court panel and the UNODC prison counts: large real files, not in a clone
require_shared("real", "br_cnj_justica_em_numeros_jf_secao")
require_shared("real", "unodc_cts_prisons")

pytestmark = pytest.mark.shared

CNJ_DIR = "real/br_cnj_justica_em_numeros_jf_secao"
NOT_SECTIONS = {"TRU", "2º Grau", "total"}
IAD_TOL = 5e-5  # IAD and TC are published with 5 decimals; a few 2016 TRF1 rows were revised


@pytest.fixture(scope="module")
def cnj(shared_data: Path) -> pd.DataFrame:
    d = pd.read_csv(shared_data / CNJ_DIR / "jf_secao_2012_2022.csv").copy()
    return d.assign(
        incoming=d["cn1"] + d["cnje"],
        resolved=d["tbaix1"] + d["tbaixje"],
        pending_end=d["cp1"] + d["cpje"],
    )


@pytest.fixture(scope="module")
def sections(cnj: pd.DataFrame) -> pd.DataFrame:
    s = cnj[~cnj["secao"].isin(NOT_SECTIONS)].copy()
    assert len(s) == 297  # 27 sections x 11 years (SOURCE.txt)
    return s


def _caseload(s: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for measure, col in (
        ("cases_incoming", "incoming"),
        ("cases_resolved", "resolved"),
        ("cases_pending_end", "pending_end"),
        ("judges", "mag1je"),
        ("population", "h1"),
    ):
        m = MEASURES.get(measure)
        rows.append(
            pd.DataFrame(
                {
                    "country": "BRA",
                    "year": s["ano"].astype(int),
                    "region": s["secao"].astype(str),
                    "institution_code": "JF",
                    "link": "judicial",
                    "measure": measure,
                    "value": s[col].astype(float),
                    "unit": m.unit if m else "persons",
                    "kind": m.kind if m else "stock",
                    "source": "CNJ Justiça em Números",
                    "counting_rule": "1st instance + juizados especiais",
                    "source_ref": s["chave"],
                    "headline": True,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def test_cnj_clearance_rate_equals_iad(cnj: pd.DataFrame) -> None:
    rows = cnj[cnj["iad1je"].notna()]
    cr = I.clearance_rate(rows["resolved"], rows["incoming"])
    diff = (cr / 100 - rows["iad1je"]).abs()
    assert len(rows) == 356  # 291 section-years + 65 regional (TRF) and national totals
    assert diff.max() < IAD_TOL
    assert (diff <= 5e-6 + 1e-12).mean() > 0.95  # rounding to 5 decimals for almost all
    # where CNJ publishes nothing (sections without cases), the clearance rate is NaN, not 0 or inf
    empty = cnj[cnj["iad1je"].isna() & (cnj["incoming"] == 0)]
    assert len(empty) > 0 and I.clearance_rate(empty["resolved"], empty["incoming"]).isna().all()


def test_cnj_congestion_and_disposition_time(sections: pd.DataFrame) -> None:
    s = sections[(sections["ano"] >= 2016) & sections["tc1je"].notna()]
    assert len(s) == 183
    tc = I.cnj_congestion_rate(s["pending_end"], s["resolved"]) / 100
    assert (tc - s["tc1je"]).abs().max() < 2e-5
    # CEPEJ disposition time = 365 x pending / resolved = 365 x TC / (1 - TC)
    dt = I.disposition_time(s["pending_end"], s["resolved"])
    implied = 365 * s["tc1je"] / (1 - s["tc1je"])
    np.testing.assert_allclose(dt, implied, rtol=2e-4)
    assert 200 < float(dt.median()) < 2000
    # before 2016 the CNJ used another definition of TC: documented, not matched
    old = sections[sections["ano"] < 2016]
    old_tc = I.cnj_congestion_rate(old["pending_end"], old["resolved"]) / 100
    assert (old_tc - old["tc1je"]).abs().max() > 0.01


def test_cnj_compute_per_section(sections: pd.DataFrame) -> None:
    h = HarmonizedDataset(
        spending=pd.DataFrame(), caseload=_caseload(sections), context=pd.DataFrame()
    )
    out = I.compute(
        h, ["clearance_rate", "disposition_time", "litigation_rate", "resolved_per_judge"]
    )
    reg = out[out["region"] != ""].set_index(["indicator", "region", "year"])["value"]
    key = pd.MultiIndex.from_arrays([sections["secao"], sections["ano"].astype(int)])
    cr = reg.loc["clearance_rate"].reindex(key).to_numpy()
    ok = sections["iad1je"].notna().to_numpy()
    assert ok.sum() == 291
    assert np.nanmax(np.abs(cr[ok] / 100 - sections["iad1je"].to_numpy()[ok])) < IAD_TOL
    assert np.isnan(cr[~ok]).all()  # six section-years without cases: NaN with a note
    notes = out[(out.indicator == "clearance_rate") & out["value"].isna()]["note"]
    assert len(notes) == 6 and notes.str.contains("zero denominator").all()
    lit = reg.loc["litigation_rate"].reindex(key).to_numpy()
    np.testing.assert_allclose(lit, sections["incoming"] / sections["h1"] * 1e5, rtol=1e-12)
    # national rows: sum of the sections, said in the note
    nat = out[(out.region == "") & (out.indicator == "clearance_rate")].set_index("year")
    by_year = sections.groupby("ano")[["resolved", "incoming"]].sum()
    np.testing.assert_allclose(
        nat["value"], by_year["resolved"] / by_year["incoming"] * 100, rtol=1e-12
    )
    assert nat["note"].str.contains("national = sum of regions").all()


def test_cnj_spending_per_inhabitant_equals_g7(sections: pd.DataFrame) -> None:
    # one "country" per section (like UN-CTS sub-national units), executed spending = Dpj
    s = sections[sections["Dpj"].notna()]
    code = "BR_" + s["secao"].astype(str)
    spending = pd.DataFrame(
        {
            "country": code,
            "year": s["ano"].astype(int),
            "institution_code": "JF",
            "phase": "executed",
            "link": "judicial",
            "econ": None,
            "amount_lcu": s["Dpj"],
            "amount": s["Dpj"],
            "amount_real": np.nan,
        }
    )
    context = pd.DataFrame(
        {"country": code, "year": s["ano"].astype(int), "population": s["h1"], "gdp_lcu": s["pib"]}
    )
    h = HarmonizedDataset(
        spending=spending, caseload=pd.DataFrame(), context=context, currency="BRL"
    )
    out = I.compute(h, ["exp_per_capita", "exp_pct_gdp"]).set_index(
        ["indicator", "country", "year"]
    )["value"]
    key = pd.MultiIndex.from_arrays([code, s["ano"].astype(int)])
    pc = out.loc["exp_per_capita"].reindex(key).to_numpy()
    np.testing.assert_allclose(pc, s["g7"], rtol=1e-6)  # G7: despesa total por habitante
    gdp = out.loc["exp_pct_gdp"].reindex(key).to_numpy()
    np.testing.assert_allclose(gdp / 100, s["g1"], atol=5e-6)  # G1: despesa / PIB (5 decimals)


UNODC_DIR = "real/unodc_cts_prisons"
HELD = "Persons held | Total | Total"
UNSENT = "Persons held | by status | Unsentenced"
CAP = "Prisons facilities and capacity | Total | Official prison capacity"


@pytest.fixture(scope="module")
def prisons(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(shared_data / UNODC_DIR / "unodc_cts_prisons_wide_counts.csv")


def test_unodc_occupancy_hand_computed(prisons: pd.DataFrame) -> None:
    w = prisons.set_index(["Iso3_code", "Year"])
    occ = I.occupancy_rate(w[HELD], w[CAP])
    # El Salvador: 28,383 held for 9,900 official places in 2012; 33,258 for 10,642 in 2015
    assert occ[("SLV", 2012)] == pytest.approx(286.697, abs=1e-3)
    assert occ[("SLV", 2015)] == pytest.approx(312.516, abs=1e-3)
    assert np.isnan(occ[("SLV", 2016)])  # no capacity reported: NaN, not 0
    both = occ.dropna()
    assert len(both) == 1035 and both.index.get_level_values(0).nunique() == 178  # SOURCE.txt
    assert not np.isinf(occ).any()
    assert I.rate_per_100k(28_383, 6_072_000) == pytest.approx(467.4, abs=0.1)


def test_unodc_compute_occupancy_and_unsentenced(prisons: pd.DataFrame, shared_data: Path) -> None:
    w = prisons
    rows = []
    for measure, col in (
        ("prisoners_total", HELD),
        ("prisoners_unsentenced", UNSENT),
        ("prison_capacity", CAP),
    ):
        v = w[w[col].notna()]
        rows.append(
            pd.DataFrame(
                {
                    "country": v["Iso3_code"],
                    "year": v["Year"].astype(int),
                    "region": "",
                    "measure": measure,
                    "value": v[col].astype(float),
                    "link": "corrections",
                    "headline": True,
                }
            )
        )
    h = HarmonizedDataset(spending=pd.DataFrame(), caseload=pd.concat(rows), context=pd.DataFrame())
    out = I.compute(h, ["occupancy_rate", "unsentenced_share"]).set_index(
        ["indicator", "country", "year"]
    )
    occ = out.loc["occupancy_rate"]
    direct = (
        w.set_index(["Iso3_code", "Year"])[HELD] / w.set_index(["Iso3_code", "Year"])[CAP] * 100
    ).dropna()
    got = occ["value"].dropna()
    assert len(got) == 1035
    np.testing.assert_allclose(got.reindex(direct.index), direct, rtol=1e-12)
    # a country-year with prisoners but no capacity says so
    assert occ.loc[("SLV", 2016), "note"] == "missing prison_capacity for SLV 2016"
    assert out.loc[("unsentenced_share", "SLV", 2012), "value"] == pytest.approx(7719 / 28383 * 100)
    # the wide file reproduces the long UN-CTS rows it was derived from
    long = pd.read_csv(shared_data / UNODC_DIR / "unodc_cts_prisons_long_subset.csv")
    held = long[(long.Indicator == "Persons held") & (long.Dimension == "Total")]
    held = held.set_index(["Iso3_code", "Year"])["VALUE"]
    wide_held = w.set_index(["Iso3_code", "Year"])[HELD].dropna()
    np.testing.assert_allclose(wide_held, held.reindex(wide_held.index), rtol=0)
