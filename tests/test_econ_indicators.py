"""econ_gfs in harmonisation and the economic-composition indicators, against hand computations.

One El Salvador year, two institutions, codes of the national classifier:

==========  =====  =========  ========  ========  =========================================
institution link   code       modified  executed  GFS (crosswalk SLV)
==========  =====  =========  ========  ========  =========================================
PNC         patrol 51101      110       105       21 sueldos
PNC         patrol 55601                5         21 staff insurance
PNC         patrol 54101      40        30        22 goods
PNC         patrol 61101      30        15        31 fixed assets
OJ          jud.   51101      200       200       21
OJ          jud.   55         8         8         2  rubro 55 mixes classes: expense, no class
OJ          jud.   99101      10        10        unmapped (asignaciones por aplicar)
==========  =====  =========  ========  ========  =========================================

Executed: PNC 155, OJ 218, sector 373. GFS 21 = 105 + 5 + 200 = 310; 22 = 30; 31 = 15;
recurrent (GFS 2) = 310 + 30 + 8 = 348; without a two-digit class = 8 + 10 = 18.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import peir
from peir.indicators import compute
from peir.pipeline.harmonize import harmonize_partition
from peir.schema import C

LINES = [
    ("PNC", "51101", 110.0, 105.0),
    ("PNC", "55601", None, 5.0),
    ("PNC", "54101", 40.0, 30.0),
    ("PNC", "61101", 30.0, 15.0),
    ("OJ", "51101", 200.0, 200.0),
    ("OJ", "55", 8.0, 8.0),
    ("OJ", "99101", 10.0, 10.0),
]


def _budget() -> pd.DataFrame:
    rows = []
    for i, (inst, econ, modified, executed) in enumerate(LINES):
        for phase, amount in (("modified", modified), ("executed", executed)):
            if amount is not None:
                rows.append(
                    {
                        "country": "SLV",
                        "year": 2020,
                        "institution_code": inst,
                        "econ": econ,
                        "phase": phase,
                        "amount": amount,
                        "currency": "USD",
                        "source_ref": f"test line {i + 1}",
                    }
                )
    return pd.DataFrame(rows)


CHAIN_MAP = pd.DataFrame(
    [
        {
            "institution_code": "PNC",
            "link": "patrol",
            "share": 1.0,
            "basis": "test",
            "source_ref": "t",
        },
        {
            "institution_code": "OJ",
            "link": "judicial",
            "share": 1.0,
            "basis": "test",
            "source_ref": "t",
        },
    ]
)


def _h(**options: object) -> peir.HarmonizedDataset:
    ds = peir.Dataset(budget=_budget(), chain_map=CHAIN_MAP)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", peir.PeirWarning)
        return ds.harmonize(**options)  # type: ignore[arg-type]


def _value(out: pd.DataFrame, indicator: str, link: str | None = None) -> pd.Series:
    rows = out[out["indicator"] == indicator]
    if link is not None:
        rows = rows[rows["link"] == link]
    assert len(rows) == 1, (indicator, link, rows)
    return rows.iloc[0]


def test_harmonised_lines_carry_their_gfs_class() -> None:
    s = _h(econ_scheme="SLV").spending
    got = dict(zip(s["econ"], s[C.ECON_GFS]))
    assert got == {
        "51101": "21",
        "55601": "21",
        "54101": "22",
        "61101": "31",
        "55": "2",
        "99101": "unmapped",
    }
    assert list(s.columns).index(C.ECON_GFS) == list(s.columns).index(C.ECON) + 1
    # without a scheme nothing is guessed
    assert _h().spending[C.ECON_GFS].isna().all()


def test_scheme_per_country_and_the_provenance_records_it() -> None:
    b = pd.concat([_budget(), _budget().assign(country="MEX", econ="1000", currency="MXN")])
    s = harmonize_partition(b, None, None, econ_scheme={"SLV": "SLV"}, warn=False)
    assert s.loc[s["country"] == "MEX", C.ECON_GFS].isna().all()
    assert s.loc[s["country"] == "SLV", C.ECON_GFS].notna().all()
    s = harmonize_partition(b, None, None, econ_scheme={"SLV": "SLV", "*": "MEX"}, warn=False)
    assert set(s.loc[s["country"] == "MEX", C.ECON_GFS]) == {"21"}
    h = _h(econ_scheme="slv")
    assert h.provenance["options"]["econ_scheme"] == "SLV"
    with pytest.raises(peir.InputError, match="econ_scheme='BRA'"):
        _h(econ_scheme="BRA")


def test_dataset_takes_the_scheme_from_its_metadata() -> None:
    ds = peir.Dataset(budget=_budget(), chain_map=CHAIN_MAP, meta={"econ_scheme": "SLV"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", peir.PeirWarning)
        s = ds.harmonize().spending
    assert s[C.ECON_GFS].notna().all()


def test_composition_capital_and_recurrent_by_hand() -> None:
    out = compute(_h(econ_scheme="SLV"), country="SLV")
    assert _value(out, "exp_total").value == pytest.approx(373.0)
    assert _value(out, "exp_wage_share").value == pytest.approx(310 / 373 * 100)
    assert _value(out, "exp_goods_services_share").value == pytest.approx(30 / 373 * 100)
    assert _value(out, "exp_capital_share").value == pytest.approx(15 / 373 * 100)
    assert _value(out, "exp_econ_unclassified_share").value == pytest.approx(18 / 373 * 100)
    assert _value(out, "recurrent_per_capital").value == pytest.approx(348 / 15)
    assert _value(out, "capital_exec_rate").value == pytest.approx(15 / 30 * 100)
    # by link: patrol has both; the courts have no capital spending
    assert _value(out, "recurrent_per_capital_link", "patrol").value == pytest.approx(140 / 15)
    assert _value(out, "exp_capital_share_link", "patrol").value == pytest.approx(15 / 155 * 100)
    assert _value(out, "exp_capital_share_link", "judicial").value == 0.0
    r = _value(out, "recurrent_per_capital_link", "judicial")
    assert np.isnan(r.value) and "zero denominator (econ_31 = 0)" in r.note
    r = _value(out, "capital_exec_rate_link", "judicial")
    assert np.isnan(r.value) and "capital_modified = 0" in r.note


def test_without_a_scheme_the_composition_says_what_is_missing() -> None:
    out = compute(_h(), country="SLV")
    r = _value(out, "exp_wage_share")
    assert np.isnan(r.value) and "econ_scheme" in r.note
    assert np.isnan(_value(out, "exp_capital_share").value)
    assert _value(out, "exp_total").value == pytest.approx(373.0)  # the levels do not depend on it


def test_simulated_budget_is_coded_in_gfs() -> None:
    ds = peir.datasets.simulate(seed=2, n_regions=2, years=range(2020, 2022))
    assert ds.econ_scheme == "GFS"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", peir.PeirWarning)
        h = ds.harmonize()
    s = h.spending
    assert (s[C.ECON_GFS] == s[C.ECON].str[:2]).all()
