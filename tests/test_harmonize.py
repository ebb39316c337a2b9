"""Harmonisation: chain placement, COFOG default, consolidation, prices, fiscal years, sources."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import peir
from peir import BudgetTable, CaseloadTable, ChainMap, ContextTable, Dataset
from peir.errors import ChainMapError, DataGapWarning, MissingContextError, UnallocatedWarning
from peir.pipeline.chainmap import (
    UNCOVERED_BASIS,
    cofog_default,
    effective_chain_map,
    normalize_func,
)
from peir.pipeline.harmonize import (
    SPENDING_COLUMNS,
    SPENDING_DTYPES,
    FiscalYear,
    HarmonizeOptions,
    harmonize_partition,
    spending_arrow_schema,
)
from peir.pipeline.prices import align_context, rebase, rebase_index


def budget_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    base = {"country": "SLV", "phase": "executed", "currency": "USD"}
    out = pd.DataFrame([{**base, **r} for r in rows])
    if "source_ref" not in out:
        out["source_ref"] = [f"budget.csv:{i + 2}" for i in range(len(out))]
    return out


def context_frame(**cols: list[float]) -> pd.DataFrame:
    years = list(range(2015, 2015 + len(next(iter(cols.values())))))
    return pd.DataFrame({"country": "SLV", "year": years, **cols})


def ds_of(
    budget: pd.DataFrame,
    chain_map: pd.DataFrame | None = None,
    context: pd.DataFrame | None = None,
    caseload: pd.DataFrame | None = None,
) -> Dataset:
    return Dataset(
        budget=BudgetTable(frame=budget),
        chain_map=None if chain_map is None else ChainMap(frame=chain_map),
        context=None if context is None else ContextTable(frame=context),
        caseload=None if caseload is None else CaseloadTable(frame=caseload),
    )


def harmonize(ds: Dataset, **options: object) -> peir.HarmonizedDataset:
    """Harmonisation as users call it: the pipeline through the Dataset facade."""
    return ds.harmonize(**options)  # type: ignore[arg-type]


def quiet_harmonize(ds: Dataset, **kw: object) -> peir.HarmonizedDataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnallocatedWarning)
        return ds.harmonize(**kw)  # type: ignore[arg-type]


# ---------------------------------------------------------------- chain map and placement


PNC_MAP = pd.DataFrame(
    [
        {
            "institution_code": "PNC",
            "link": "patrol",
            "share": 0.7,
            "basis": "staff shares 2016",
            "source_ref": "map.csv:2",
        },
        {
            "institution_code": "PNC",
            "link": "investigation",
            "share": 0.25,
            "basis": "staff shares 2016",
            "source_ref": "map.csv:3",
        },
        {
            "institution_code": "PNC",
            "link": "prevention",
            "share": 0.05,
            "basis": "staff shares 2016",
            "source_ref": "map.csv:4",
        },
        {
            "institution_code": "PNC",
            "program": "*investigaci*",
            "link": "investigation",
            "share": 1.0,
            "basis": "programme line",
            "source_ref": "map.csv:5",
        },
        {
            "institution_code": "FGR",
            "link": "investigation",
            "share": 1.0,
            "basis": "mandate: prosecution",
            "source_ref": "map.csv:6",
        },
        {
            "institution_code": "FGR",
            "year_from": 2016,
            "link": "investigation",
            "share": 0.9,
            "basis": "payroll 2016",
            "source_ref": "map.csv:7",
        },
        {
            "institution_code": "FGR",
            "year_from": 2016,
            "link": "prevention",
            "share": 0.1,
            "basis": "payroll 2016",
            "source_ref": "map.csv:8",
        },
    ]
)


def test_more_specific_rule_wins_and_shares_basis_source_are_kept() -> None:
    b = budget_frame(
        [
            {
                "year": 2015,
                "institution_code": "PNC",
                "program": "Seguridad pública",
                "func": "03.1",
                "amount": 1000.0,
            },
            {
                "year": 2015,
                "institution_code": "PNC",
                "program": "División de Investigación",
                "func": "03.1",
                "amount": 200.0,
            },
            {
                "year": 2015,
                "institution_code": "FGR",
                "program": "Fiscalía",
                "func": "03.3",
                "amount": 300.0,
            },
            {
                "year": 2016,
                "institution_code": "FGR",
                "program": "Fiscalía",
                "func": "03.3",
                "amount": 400.0,
            },
        ]
    )
    h = harmonize(ds_of(b, PNC_MAP))
    s = h.spending
    assert list(s.columns) == list(SPENDING_COLUMNS)
    pnc = s[(s.institution_code == "PNC") & (s.program == "Seguridad pública")].set_index("link")
    assert pnc["amount_lcu"].to_dict() == pytest.approx(
        {"prevention": 50.0, "patrol": 700.0, "investigation": 250.0}
    )
    assert set(pnc["basis"]) == {"staff shares 2016"}
    assert set(pnc["source_ref"]) == {"budget.csv:2"}
    assert set(pnc["rule_ref"]) == {"map.csv:2", "map.csv:3", "map.csv:4"}
    inv = s[s.program == "División de Investigación"]
    assert inv["link"].tolist() == ["investigation"] and inv["share"].tolist() == [1.0]
    assert inv["basis"].tolist() == ["programme line"]
    fgr15 = s[(s.institution_code == "FGR") & (s.year == 2015)]
    assert fgr15["link"].tolist() == ["investigation"] and fgr15["amount_lcu"].sum() == 300.0
    fgr16 = s[(s.institution_code == "FGR") & (s.year == 2016)].set_index("link")["amount_lcu"]
    assert fgr16.to_dict() == pytest.approx({"prevention": 40.0, "investigation": 360.0})
    # nothing lost
    assert s["amount_lcu"].sum() == pytest.approx(b["amount"].sum(), rel=1e-12)


def test_shares_not_summing_to_one_are_refused_with_the_keys() -> None:
    bad = pd.DataFrame(
        [
            {"institution_code": "PNC", "link": "patrol", "share": 0.7, "basis": "staff"},
            {"institution_code": "PNC", "link": "investigation", "share": 0.2, "basis": "staff"},
            {"institution_code": "FGR", "link": "investigation", "share": 1.0, "basis": "mandate"},
        ]
    )
    with pytest.raises(ChainMapError, match=r"institution_code='PNC'.*shares sum to 0\.9"):
        effective_chain_map(bad)
    # within tolerance is accepted
    ok = bad.copy()
    ok.loc[1, "share"] = 0.3 - 5e-10
    assert len(effective_chain_map(ok)) == 3


def test_overlapping_rules_of_equal_specificity_are_named() -> None:
    static = pd.DataFrame(
        [
            {
                "institution_code": "PNC",
                "year_from": 2010,
                "year_to": 2016,
                "link": "patrol",
                "share": 1.0,
                "basis": "a",
                "source_ref": "m:2",
            },
            {
                "institution_code": "PNC",
                "year_from": 2015,
                "year_to": 2020,
                "link": "investigation",
                "share": 1.0,
                "basis": "b",
                "source_ref": "m:3",
            },
        ]
    )
    with pytest.raises(ChainMapError, match=r"overlap.*m:2.*m:3"):
        effective_chain_map(static)
    # two patterns that both match one programme: found on the data
    dyn = pd.DataFrame(
        [
            {
                "institution_code": "PNC",
                "program": "seg*",
                "link": "patrol",
                "share": 1.0,
                "basis": "a",
                "source_ref": "m:2",
            },
            {
                "institution_code": "PNC",
                "program": "*prev*",
                "link": "prevention",
                "share": 1.0,
                "basis": "b",
                "source_ref": "m:3",
            },
        ]
    )
    b = budget_frame(
        [
            {
                "year": 2016,
                "institution_code": "PNC",
                "program": "Seguridad y prevención",
                "amount": 5.0,
            }
        ]
    )
    with pytest.raises(ChainMapError, match=r"equal specificity.*m:2.*m:3.*Seguridad y prevención"):
        harmonize(ds_of(b, dyn))
    # disjoint years do not overlap
    disjoint = static.copy()
    disjoint.loc[1, "year_from"] = 2017
    assert len(effective_chain_map(disjoint)) == 2


def test_year_range_rules_match_only_their_years() -> None:
    # a rule with year_from..year_to must not reach years before year_from (nor after year_to);
    # with two ranged rules of equal specificity, a line outside both takes the unranged rule
    rules = pd.DataFrame(
        [
            {
                "institution_code": "OJ",
                "link": "judicial",
                "share": 1.0,
                "basis": "whole",
                "source_ref": "m:2",
            },
            {
                "institution_code": "OJ",
                "year_from": 2017,
                "year_to": 2017,
                "link": "investigation",
                "share": 1.0,
                "basis": "2017 law",
                "source_ref": "m:3",
            },
            {
                "institution_code": "OJ",
                "year_from": 2018,
                "year_to": 2018,
                "link": "corrections",
                "share": 1.0,
                "basis": "2018 law",
                "source_ref": "m:4",
            },
        ]
    )
    b = budget_frame(
        [{"year": y, "institution_code": "OJ", "amount": 1.0} for y in (2016, 2017, 2018, 2019)]
    )
    s = quiet_harmonize(ds_of(b, rules, context_frame(gdp_deflator=[100.0] * 6))).spending
    assert s.set_index("year")["link"].to_dict() == {
        2016: "judicial",
        2017: "investigation",
        2018: "corrections",
        2019: "judicial",
    }


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            {"institution_code": "X", "link": "courts-and-more", "share": 1.0, "basis": "a"},
            "link 'courts-and-more'",
        ),
        ({"institution_code": "X", "link": "patrol", "share": 1.5, "basis": "a"}, "share 1.5"),
        (
            {"institution_code": "X", "link": "patrol", "share": 1.0, "basis": None},
            "basis is empty",
        ),
        (
            {
                "institution_code": "X",
                "link": "patrol",
                "share": 1.0,
                "basis": "a",
                "year_from": 2020,
                "year_to": 2010,
            },
            "year_from 2020 > year_to 2010",
        ),
    ],
)
def test_invalid_rule_rows(row: dict[str, object], message: str) -> None:
    with pytest.raises(ChainMapError, match=message):
        effective_chain_map(pd.DataFrame([row]))


def test_uncovered_lines_go_to_unallocated_with_a_warning_stating_the_sum() -> None:
    b = budget_frame(
        [
            {"year": 2016, "institution_code": "PNC", "program": "p", "amount": 100.0},
            {"year": 2016, "institution_code": "MOD", "program": "Defensa", "amount": 30.5},
            {"year": 2016, "institution_code": "MOD", "program": "Otros", "amount": 12.0},
        ]
    )
    with pytest.warns(UnallocatedWarning, match=r"2 budget line\(s\) totalling USD 42\.50.*MOD"):
        h = harmonize(ds_of(b, PNC_MAP))
    u = h.spending[h.spending.link == "unallocated"]
    assert len(u) == 2 and set(u["basis"]) == {UNCOVERED_BASIS} and u["rule_ref"].isna().all()
    assert h.unallocated["amount"].tolist() == [42.5]
    assert h.provenance["output_rows"]["uncovered_lines"] == 2


def test_cofog_default_serves_without_a_country_map_and_is_overridden_by_one() -> None:
    b = budget_frame(
        [
            {"year": 2016, "institution_code": "PNC", "func": "03.1", "amount": 100.0},
            {"year": 2016, "institution_code": "BOMB", "func": "0320", "amount": 7.0},
            {"year": 2016, "institution_code": "OJ", "func": "7033", "amount": 50.0},
            {"year": 2016, "institution_code": "DGCP", "func": "03.4.1", "amount": 20.0},
            {"year": 2016, "institution_code": "MJSP", "func": None, "amount": 3.0},
        ]
    )
    with pytest.warns(UnallocatedWarning, match="1 budget line"):
        h = harmonize(ds_of(b))
    links = h.spending.set_index("institution_code")["link"].to_dict()
    assert links == {
        "PNC": "patrol",
        "BOMB": "unallocated",
        "OJ": "judicial",
        "DGCP": "corrections",
        "MJSP": "unallocated",
    }
    fire = h.spending[h.spending.institution_code == "BOMB"].iloc[0]
    assert "outside the security and justice chain" in fire["basis"]
    assert "COFOG 03.2" in fire["rule_ref"]
    assert h.provenance["chain_map"]["cofog_default_used"] is True
    assert any("03.1" in n for n in h.provenance["notes"])
    # a country map overrides the default entirely ("auto")
    with pytest.warns(UnallocatedWarning, match="4 budget line"):
        h2 = harmonize(ds_of(b, PNC_MAP))
    assert h2.spending[h2.spending.institution_code == "OJ"]["link"].tolist() == ["unallocated"]
    # ... or sits on top of it ("fallback")
    with pytest.warns(UnallocatedWarning, match="1 budget line"):
        h3 = harmonize(ds_of(b, PNC_MAP), cofog="fallback")
    s3 = h3.spending
    assert s3[s3.institution_code == "OJ"]["link"].tolist() == ["judicial"]
    assert sorted(s3[s3.institution_code == "PNC"]["link"]) == [
        "investigation",
        "patrol",
        "prevention",
    ]


def test_cofog_default_file_is_valid_and_every_row_has_a_basis() -> None:
    d = cofog_default()
    assert set(d["func"]) == {"03", "03.1", "03.2", "03.3", "03.4", "03.5", "03.6"}
    assert d["basis"].notna().all() and d["source_ref"].notna().all()
    assert len(effective_chain_map(None)) == len(d)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("03.1", "03.1"),
        ("3.1", "03.1"),
        ("031", "03.1"),
        ("7031", "03.1"),
        ("703", "03"),
        ("03", "03"),
        ("70311", "03.1.1"),
        ("03.1.1", "03.1.1"),
        ("abc", "abc"),
        (None, None),
        ("", None),
    ],
)
def test_normalize_func(code: str | None, expected: str | None) -> None:
    assert normalize_func(code) == expected


# ---------------------------------------------------------------- consolidation


def test_transfers_are_counted_once_at_the_spending_end() -> None:
    b = budget_frame(
        [
            {
                "year": 2016,
                "institution_code": "MJSP",
                "program": "Transfer to PNC",
                "amount": 40.0,
                "transfer_to": "PNC",
            },
            {
                "year": 2016,
                "institution_code": "MJSP",
                "program": "Transfer to ISNA",
                "amount": 15.0,
                "transfer_to": "ISNA",
            },
            {"year": 2016, "institution_code": "MJSP", "program": "Prevention", "amount": 25.0},
            {"year": 2016, "institution_code": "PNC", "program": "Patrol", "amount": 500.0},
            {
                "year": 2016,
                "institution_code": "PNC",
                "program": "Patrol",
                "amount": 60.0,
                "phase": "approved",
            },
            {
                "year": 2016,
                "institution_code": "MJSP",
                "program": "Transfer to PNC",
                "amount": 45.0,
                "transfer_to": "PNC",
                "phase": "approved",
            },
        ]
    )
    cm = pd.DataFrame(
        [
            {"institution_code": "MJSP", "link": "prevention", "share": 1.0, "basis": "mandate"},
            {"institution_code": "PNC", "link": "patrol", "share": 1.0, "basis": "mandate"},
        ]
    )
    h = harmonize(ds_of(b, cm))
    t = h.transfers
    assert len(t) == 3
    removed = t[t.status.str.startswith("removed")]
    assert sorted(removed["amount"]) == [40.0, 45.0] and set(removed["transfer_to"]) == {"PNC"}
    kept = t[t.status.str.startswith("kept")]
    assert kept["amount"].tolist() == [15.0] and kept["source_ref"].tolist() == ["budget.csv:3"]
    s = h.spending
    assert s[s.phase == "executed"]["amount_lcu"].sum() == pytest.approx(40 + 15 + 25 + 500 - 40)
    # original = spending + removed transfers, per phase
    for phase, orig in b.groupby("phase")["amount"].sum().items():
        assert s[s.phase == phase]["amount_lcu"].sum() + removed[removed.phase == phase][
            "amount"
        ].sum() == pytest.approx(orig)
    assert "Transfer to ISNA" in set(s["program"]) and "Transfer to PNC" not in set(s["program"])
    assert h.provenance["output_rows"]["transfer_lines_removed"] == 2


# ---------------------------------------------------------------- prices and currencies


def test_constant_prices_gdp_deflator_and_cpi() -> None:
    b = budget_frame(
        [{"year": y, "institution_code": "FGR", "amount": 100.0} for y in (2015, 2016, 2017)]
    )
    cm = pd.DataFrame(
        [{"institution_code": "FGR", "link": "investigation", "share": 1.0, "basis": "mandate"}]
    )
    ctx = context_frame(gdp_deflator=[80.0, 100.0, 125.0], cpi=[90.0, 100.0, 110.0])
    h = harmonize(ds_of(b, cm, ctx), base_year=2016)
    assert h.spending["amount_real"].tolist() == pytest.approx([125.0, 100.0, 80.0], rel=1e-15)
    assert h.spending["amount"].tolist() == [100.0, 100.0, 100.0]
    assert (
        h.provenance["deflator"] == "gdp_deflator"
        and h.provenance["series_used"]["deflator"] == "gdp_deflator"
    )
    h2 = harmonize(ds_of(b, cm, ctx), base_year=2016, deflator="cpi")
    assert h2.spending["amount_real"].tolist() == pytest.approx(
        [100 * 100 / 90, 100.0, 100 * 100 / 110], rel=1e-15
    )
    assert h2.provenance["deflator"] == "cpi"
    # default base year: the latest budget year
    assert harmonize(ds_of(b, cm, ctx)).base_year == 2017
    with pytest.raises(peir.InputError, match="deflator='ppp'"):
        harmonize(ds_of(b, cm, ctx), base_year=2016, deflator="ppp")  # type: ignore[arg-type]


def test_usd_conversion_deflates_in_lcu_then_converts_at_the_base_year_rate() -> None:
    b = budget_frame(
        [
            {
                "year": y,
                "institution_code": "PNC",
                "amount": 1000.0,
                "currency": "GTQ",
                "country": "GTM",
            }
            for y in (2015, 2016)
        ]
    )
    cm = pd.DataFrame(
        [{"institution_code": "PNC", "link": "patrol", "share": 1.0, "basis": "mandate"}]
    )
    ctx = pd.DataFrame(
        {
            "country": "GTM",
            "year": [2015, 2016],
            "gdp_deflator": [100.0, 110.0],
            "fx_lcu_per_usd": [7.5, 8.0],
            "ppp_lcu_per_intl": [3.5, 3.6],
        }
    )
    h = harmonize(ds_of(b, cm, ctx), base_year=2016, currency="USD")
    s = h.spending
    assert s["amount_lcu"].tolist() == [1000.0, 1000.0]
    assert s["amount"].tolist() == pytest.approx([1000 / 7.5, 1000 / 8.0], rel=1e-15)
    assert s["amount_real"].tolist() == pytest.approx(
        [1000 * 110 / 100 / 8.0, 1000 / 8.0], rel=1e-15
    )
    assert set(s["currency"]) == {"USD"} and h.currency == "USD"
    assert (
        "base_year" in h.provenance["convention"] and h.provenance["conversion"] == "fx_lcu_per_usd"
    )
    hp = harmonize(ds_of(b, cm, ctx), base_year=2016, ppp=True)
    assert hp.spending["amount"].tolist() == pytest.approx([1000 / 3.5, 1000 / 3.6], rel=1e-15)
    assert hp.currency == "INT$" and hp.provenance["conversion"] == "ppp_lcu_per_intl"
    with pytest.raises(peir.InputError, match="currency='EUR'"):
        harmonize(ds_of(b, cm, ctx), base_year=2016, currency="EUR")


def test_lines_already_in_the_target_currency_need_no_rate() -> None:
    b = budget_frame([{"year": 2016, "institution_code": "PNC", "amount": 10.0}])  # SLV, USD
    cm = pd.DataFrame(
        [{"institution_code": "PNC", "link": "patrol", "share": 1.0, "basis": "mandate"}]
    )
    ctx = context_frame(gdp_deflator=[100.0, 102.0])  # no fx at all
    h = harmonize(ds_of(b, cm, ctx), base_year=2015, currency="USD")
    assert h.spending["amount"].tolist() == [10.0]
    assert h.spending["amount_real"].tolist() == pytest.approx([10 * 100 / 102])


def test_missing_context_is_an_error_naming_country_and_year_unless_gaps_are_allowed() -> None:
    b = budget_frame(
        [{"year": y, "institution_code": "PNC", "amount": 10.0} for y in (2015, 2016, 2017)]
    )
    cm = pd.DataFrame(
        [{"institution_code": "PNC", "link": "patrol", "share": 1.0, "basis": "mandate"}]
    )
    ctx = context_frame(gdp_deflator=[100.0, 102.0])  # 2017 missing
    with pytest.raises(MissingContextError, match=r"SLV 2017: no gdp_deflator"):
        harmonize(ds_of(b, cm, ctx), base_year=2015)
    with pytest.raises(
        MissingContextError,
        match=r"SLV 2020: no gdp_deflator \(needed for constant 2020 prices \(base year\)\)",
    ):
        harmonize(ds_of(b, cm, ctx), base_year=2020, allow_gaps=False)
    with pytest.warns(DataGapWarning, match="SLV 2017"):
        h = harmonize(ds_of(b, cm, ctx), base_year=2015, allow_gaps=True)
    real = h.spending.set_index("year")["amount_real"]
    assert np.isnan(real[2017]) and real[2016] == pytest.approx(10 * 100 / 102)
    assert h.spending["amount"].tolist() == [10.0, 10.0, 10.0]  # nominal never lost
    assert h.gaps[["country", "year", "series"]].values.tolist() == [["SLV", 2017, "gdp_deflator"]]
    # a base year explicitly asked for without any context is an error too
    with pytest.raises(MissingContextError, match="SLV 2015"):
        harmonize(ds_of(b, cm), base_year=2015)


def test_without_context_and_base_year_the_result_is_nominal_only() -> None:
    b = budget_frame([{"year": 2016, "institution_code": "PNC", "amount": 10.0}])
    cm = pd.DataFrame(
        [{"institution_code": "PNC", "link": "patrol", "share": 1.0, "basis": "mandate"}]
    )
    h = harmonize(ds_of(b, cm))
    assert h.base_year is None and h.spending["amount_real"].isna().all()
    assert h.spending["amount"].tolist() == [10.0]
    # a context without the deflator (population only) does not ask for constant prices either
    h2 = harmonize(ds_of(b, cm, context_frame(population=[6.3e6, 6.32e6])))
    assert h2.base_year is None and h2.spending["amount_real"].isna().all()
    assert h2.aggregate()["per_capita"].tolist() == pytest.approx([10 / 6.32e6])


def test_rebase_helpers_are_exact_and_reversible() -> None:
    d = pd.Series([80.0, 93.7, 100.0, 111.3], index=[2014, 2015, 2016, 2017])
    assert rebase_index(d, 2015).loc[2015] == 100.0
    x = np.array([1.0, 2.5e9, 3.3333])
    there = rebase(x, from_year=2016, to_year=2014, deflator=d)
    back = rebase(there, from_year=2014, to_year=2016, deflator=d)
    np.testing.assert_allclose(back, x, rtol=1e-15)
    fx = pd.Series([7.0, 7.2, 7.6, 7.7], index=d.index)
    there = rebase(x, from_year=2016, to_year=2014, deflator=d, fx=fx)
    np.testing.assert_allclose(there, x * 80 / 100 * 7.6 / 7.0, rtol=1e-15)
    with pytest.raises(peir.InputError, match="2030"):
        rebase(x, from_year=2016, to_year=2030, deflator=d)


def test_harmonized_rebase_there_and_back() -> None:
    b = budget_frame(
        [{"year": y, "institution_code": "PNC", "amount": 100.0 + y} for y in (2015, 2016, 2017)]
    )
    cm = pd.DataFrame(
        [{"institution_code": "PNC", "link": "patrol", "share": 1.0, "basis": "mandate"}]
    )
    ctx = context_frame(gdp_deflator=[90.0, 100.0, 104.0], fx_lcu_per_usd=[1.0, 1.0, 1.0])
    h = harmonize(ds_of(b, cm, ctx), base_year=2017)
    h15 = h.rebase(2015)
    direct = harmonize(ds_of(b, cm, ctx), base_year=2015)
    np.testing.assert_allclose(
        h15.spending["amount_real"], direct.spending["amount_real"], rtol=1e-14
    )
    np.testing.assert_allclose(
        h15.rebase(2017).spending["amount_real"], h.spending["amount_real"], rtol=1e-14
    )
    assert h15.base_year == 2015 and h15.provenance["rebased_from"] == 2017


# ---------------------------------------------------------------- fiscal years


def test_fiscal_year_weights_and_context_alignment() -> None:
    assert FiscalYear(7, "end").calendar_weights(2016) == [(2015, 0.5), (2016, 0.5)]
    assert FiscalYear(10, "end").calendar_weights(2016) == [(2015, 0.25), (2016, 0.75)]
    assert FiscalYear(4, "start").calendar_weights(2016) == [(2016, 0.75), (2017, 0.25)]
    assert FiscalYear().calendar_weights(2016) == [(2016, 1.0)]
    with pytest.raises(peir.InputError):
        FiscalYear(13)
    ctx = pd.DataFrame(
        {
            "country": "USA",
            "year": [2014, 2015, 2016],
            "gdp_deflator": [96.0, 100.0, 101.0],
            "population": [3.0e8, 3.2e8, 3.4e8],
            "population_source": ["census"] * 3,
        }
    )
    al = align_context(ctx, FiscalYear(10, "end")).set_index("year")
    assert al.loc[2015, "gdp_deflator"] == pytest.approx(0.25 * 96 + 0.75 * 100)
    assert al.loc[2016, "population"] == pytest.approx(0.25 * 3.2e8 + 0.75 * 3.4e8)
    assert al.loc[2016, "population_source"] == "census"
    assert 2017 not in al.index or np.isnan(al.loc[2017, "gdp_deflator"])  # 2017 calendar missing
    assert 2014 not in al.index or np.isnan(al.loc[2014, "gdp_deflator"])  # 2013 calendar missing
    # a per-country mapping leaves calendar-year countries untouched
    both = pd.concat([ctx, ctx.assign(country="SLV")])
    al2 = align_context(both, {"USA": FiscalYear(10, "end")})
    assert al2[al2.country == "SLV"].set_index("year")["gdp_deflator"].to_dict() == {
        2014: 96.0,
        2015: 100.0,
        2016: 101.0,
    }


def test_fiscal_year_is_applied_when_deflating() -> None:
    b = pd.DataFrame(
        {
            "country": "USA",
            "year": [2015, 2016],
            "institution_code": "DOJ",
            "phase": "executed",
            "amount": [100.0, 100.0],
            "currency": "USD",
            "source_ref": ["a", "b"],
        }
    )
    cm = pd.DataFrame(
        [{"institution_code": "DOJ", "link": "judicial", "share": 1.0, "basis": "mandate"}]
    )
    ctx = pd.DataFrame(
        {"country": "USA", "year": [2014, 2015, 2016], "gdp_deflator": [96.0, 100.0, 101.0]}
    )
    h = harmonize(ds_of(b, cm, ctx), base_year=2016, fiscal_year=FiscalYear(10, "end"))
    d15, d16 = 0.25 * 96 + 0.75 * 100, 0.25 * 100 + 0.75 * 101
    assert h.spending["amount_real"].tolist() == pytest.approx([100 * d16 / d15, 100.0], rel=1e-14)
    assert "October" in h.provenance["options"]["fiscal_year"]
    assert h.context.set_index("year").loc[2016, "gdp_deflator"] == pytest.approx(d16)


# ---------------------------------------------------------------- caseload sources


def caseload_rows() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "country": "SLV",
                "year": 2015,
                "measure": "homicides",
                "value": 6656.0,
                "unit": "victims",
                "kind": "flow",
                "source": "IML",
                "source_ref": "iml",
            },
            {
                "country": "SLV",
                "year": 2015,
                "measure": "homicides",
                "value": 6657.0,
                "unit": "victims",
                "kind": "flow",
                "source": "PNC",
                "source_ref": "pnc",
            },
            {
                "country": "SLV",
                "year": 2014,
                "measure": "homicides",
                "value": 3912.0,
                "unit": "victims",
                "kind": "flow",
                "source": "PNC",
                "source_ref": "pnc",
            },
            {
                "country": "SLV",
                "year": 2014,
                "measure": "homicides",
                "value": 3942.0,
                "unit": "victims",
                "kind": "flow",
                "source": "IML",
                "source_ref": "iml",
            },
            {
                "country": "SLV",
                "year": 2015,
                "measure": "prisoners_total",
                "value": 32000.0,
                "unit": "persons",
                "kind": "stock",
                "source": "DGCP",
                "source_ref": "dgcp",
            },
        ]
    )


def test_source_priority_picks_the_headline_and_keeps_alternatives() -> None:
    b = budget_frame([{"year": 2015, "institution_code": "PNC", "amount": 1.0}])
    cm = pd.DataFrame(
        [{"institution_code": "PNC", "link": "patrol", "share": 1.0, "basis": "mandate"}]
    )
    h = harmonize(
        ds_of(b, cm, caseload=caseload_rows()), source_priority={"homicides": ["PNC", "IML"]}
    )
    cl = h.caseload
    assert len(cl) == 5 and cl["link"].notna().all()
    assert set(cl[cl.measure == "homicides"]["link"]) == {"patrol"}
    head = h.headline_caseload().set_index(["year", "measure"])["source"]
    assert head[(2015, "homicides")] == "PNC" and head[(2014, "homicides")] == "PNC"
    assert head[(2015, "prisoners_total")] == "DGCP"
    d = h.discrepancies.set_index("year")
    assert d.loc[2015, "headline_value"] == 6657 and d.loc[2015, "value"] == 6656
    assert d.loc[2015, "diff_abs"] == -1 and d.loc[2015, "diff_pct"] == pytest.approx(-100 / 6657)
    assert d.loc[2014, "diff_abs"] == 30 and d.loc[2014, "diff_pct"] == pytest.approx(3000 / 3912)
    # default: order of first appearance (IML appears first)
    h2 = harmonize(ds_of(b, cm, caseload=caseload_rows()))
    head2 = h2.headline_caseload().set_index(["year", "measure"])["source"]
    assert head2[(2014, "homicides")] == "IML" and head2[(2015, "homicides")] == "IML"
    assert h2.caseload["headline"].sum() == 3


# ---------------------------------------------------------------- contract, partitions, store


def _two_country_dataset() -> Dataset:
    rows = []
    for c, cur in (("SLV", "USD"), ("GTM", "GTQ")):
        for y in (2015, 2016):
            for inst, prog, amt in (
                ("PNC", "Patrol", 100.0),
                ("PNC", "Investigación", 30.0),
                ("FGR", "Fiscalía", 40.0),
                ("MOD", "Defensa", 5.0),
                ("MJSP", "Transfer", 8.0),
            ):
                rows.append(
                    {
                        "country": c,
                        "year": y,
                        "institution_code": inst,
                        "program": prog,
                        "amount": amt + y % 7,
                        "currency": cur,
                        "phase": "executed",
                        "econ": "21",
                        "transfer_to": "PNC" if inst == "MJSP" else None,
                        "source_ref": f"{c}.csv:{len(rows) + 2}",
                    }
                )
    cm = pd.concat(
        [
            PNC_MAP,
            pd.DataFrame(
                [{"institution_code": "MJSP", "link": "prevention", "share": 1.0, "basis": "m"}]
            ),
        ]
    )
    ctx = pd.concat(
        [
            pd.DataFrame(
                {
                    "country": "SLV",
                    "year": [2015, 2016],
                    "gdp_deflator": [100.0, 101.0],
                    "fx_lcu_per_usd": [1.0, 1.0],
                    "population": [6.3e6, 6.32e6],
                    "population_source": "WDI",
                    "gdp_lcu": [2.3e10, 2.4e10],
                    "gov_expenditure_lcu": [5e9, 5.2e9],
                    "gov_expenditure_scope": "central",
                }
            ),
            pd.DataFrame(
                {
                    "country": "GTM",
                    "year": [2015, 2016],
                    "gdp_deflator": [100.0, 103.0],
                    "fx_lcu_per_usd": [7.6, 7.6],
                    "population": [1.6e7, 1.63e7],
                    "population_source": "WDI",
                    "gdp_lcu": [4.8e11, 5.1e11],
                    "gov_expenditure_lcu": [6e10, 6.2e10],
                    "gov_expenditure_scope": "central",
                }
            ),
        ]
    )
    return ds_of(pd.DataFrame(rows), cm, ctx)


def test_harmonize_equals_harmonize_partition_per_country_year_and_ignores_input_order() -> None:
    ds = _two_country_dataset()
    h = quiet_harmonize(ds, base_year=2015, currency="USD")
    assert h.spending.dtypes.astype(str).to_dict() == SPENDING_DTYPES
    assert ds.budget is not None and ds.chain_map is not None and ds.context is not None
    budget = ds.budget.frame.sample(frac=1.0, random_state=3)  # shuffled
    parts = [
        harmonize_partition(
            g, ds.chain_map.frame, ds.context.frame, base_year=2015, currency="USD", warn=False
        )
        for _, g in budget.groupby(["country", "year"], sort=False)
    ]
    together = (
        pd.concat(parts, ignore_index=True)
        .sort_values(["country", "year"], kind="stable")
        .reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(together, h.spending.reset_index(drop=True))
    whole_shuffled = harmonize_partition(
        budget, ds.chain_map.frame, ds.context.frame, base_year=2015, currency="USD", warn=False
    )
    pd.testing.assert_frame_equal(whole_shuffled, h.spending)
    # the declared Arrow schema is the one the rows convert to
    import pyarrow as pa

    table = pa.Table.from_pandas(h.spending, preserve_index=False)
    assert table.schema.remove_metadata().equals(spending_arrow_schema().remove_metadata())


def test_aggregate_names_the_denominators() -> None:
    h = quiet_harmonize(_two_country_dataset(), base_year=2015)
    g = h.aggregate().set_index(["country", "year"])
    slv = g.loc[("SLV", 2016)]
    spent = h.spending[(h.spending.country == "SLV") & (h.spending.year == 2016)]["amount"].sum()
    assert slv["per_capita"] == pytest.approx(spent / 6.32e6)
    assert slv["per_100k"] == pytest.approx(spent / 6.32e6 * 1e5)
    assert slv["pct_gdp"] == pytest.approx(spent / 2.4e10 * 100)
    assert slv["pct_gov_expenditure"] == pytest.approx(spent / 5.2e9 * 100)
    assert slv["population_source"] == "WDI" and slv["gov_expenditure_scope"] == "central"
    by_link = h.aggregate(("country", "year", "link"))
    assert by_link.groupby(["country", "year"])["amount"].sum().to_dict() == pytest.approx(
        g["amount"].to_dict()
    )


def test_provenance_and_parquet_round_trip(tmp_path: pytest.TempPathFactory) -> None:
    ds = _two_country_dataset()
    h = quiet_harmonize(ds, base_year=2016, currency="USD")
    p = h.provenance
    assert p["peir_version"] == peir.__version__
    assert (
        p["options"]["base_year"] == 2016
        and p["options"]["currency"] == "USD"
        and p["options"]["deflator"] == "gdp"
    )
    assert p["input_rows"] == {"budget": 20, "caseload": 0, "context": 4, "chain_map": 8}
    assert p["series_used"]["population_source"] == ["WDI"]
    assert p["amounts"]["budget_total"]["USD"] == pytest.approx(
        ds.budget.frame.query("currency == 'USD'")["amount"].sum()
    )  # type: ignore[union-attr]
    out = h.to_parquet(tmp_path / "h")  # type: ignore[operator]
    back = peir.read_harmonized(out)
    assert back.base_year == 2016 and back.currency == "USD"
    assert back.provenance["options"] == p["options"]
    pd.testing.assert_frame_equal(back.spending, h.spending, check_dtype=False)
    assert len(back.transfers) == len(h.transfers) == 4


def test_empty_budget_gives_the_declared_empty_frame() -> None:
    b = pd.DataFrame(
        {
            "country": [],
            "year": [],
            "institution_code": [],
            "phase": [],
            "amount": [],
            "currency": [],
        }
    )
    h = harmonize(ds_of(b, PNC_MAP))
    assert len(h.spending) == 0 and list(h.spending.columns) == list(SPENDING_COLUMNS)


def test_budget_without_required_columns_or_with_bad_values_is_a_clear_error() -> None:
    with pytest.raises(peir.InputError, match="amount"):
        harmonize(
            ds_of(
                pd.DataFrame(
                    {
                        "country": ["SLV"],
                        "year": [2016],
                        "institution_code": ["X"],
                        "phase": ["executed"],
                    }
                )
            )
        )
    b = budget_frame(
        [
            {"year": 2016, "institution_code": "X", "amount": 1.0},
            {"year": 2016, "institution_code": "X", "amount": "1.234,5"},
        ]
    )
    with pytest.raises(
        peir.InputError, match=r"budget row 2 \(budget.csv:3\): amount '1.234,5' is not a number"
    ):
        harmonize(ds_of(b))
    b2 = budget_frame([{"year": "FY16", "institution_code": "X", "amount": 1.0}])
    with pytest.raises(
        peir.InputError, match=r"budget row 1 \(budget.csv:2\): year 'FY16' is not a year"
    ):
        harmonize(ds_of(b2))


def test_fiscal_year_alignment_with_regional_rows_needs_every_calendar_year() -> None:
    ctx = pd.DataFrame(
        {
            "country": "USA",
            "year": [2015, 2016, 2015, 2016, 2016],
            "region": [None, None, "Ohio", "Ohio", "Utah"],
            "gdp_deflator": [100.0, 102.0, None, None, None],
            "population": [3.2e8, 3.22e8, 1.16e7, 1.17e7, 3.0e6],
        }
    )
    al = align_context(ctx, FiscalYear(7, "end"))
    ohio = al[al.region == "Ohio"].set_index("year")["population"]
    assert ohio[2016] == pytest.approx(0.5 * 1.16e7 + 0.5 * 1.17e7)
    utah = al[al.region == "Utah"].set_index("year")["population"]
    assert utah.isna().all() or utah.empty  # 2015 missing for Utah: no half-weighted value
    nat = al[al.region.isna()].set_index("year")["gdp_deflator"]
    assert nat[2016] == pytest.approx(101.0) and (2017 not in nat.index or np.isnan(nat[2017]))


def test_sort_false_gives_the_same_rows_in_input_order() -> None:
    ds = _two_country_dataset()
    a = quiet_harmonize(ds, base_year=2015)
    b = quiet_harmonize(ds, base_year=2015, sort=False)
    assert b.provenance["options"]["sort"] is False
    key = ["source_ref", "link"]
    pd.testing.assert_frame_equal(
        a.spending.sort_values(key).reset_index(drop=True),
        b.spending.sort_values(key).reset_index(drop=True),
    )
    assert ds.budget is not None
    kept = ds.budget.frame[ds.budget.frame["transfer_to"].isna()]
    assert pd.unique(b.spending["source_ref"]).tolist() == kept["source_ref"].tolist()


def test_rebase_in_usd_needs_no_rate_for_a_country_reported_in_usd() -> None:
    b = pd.DataFrame(
        {
            "country": ["SLV", "GTM"],
            "year": [2016, 2016],
            "institution_code": ["PNC", "PNC"],
            "phase": "executed",
            "amount": [10.0, 80.0],
            "currency": ["USD", "GTQ"],
        }
    )
    cm = pd.DataFrame([{"institution_code": "PNC", "link": "patrol", "share": 1.0, "basis": "m"}])
    ctx = pd.DataFrame(
        {
            "country": ["SLV", "SLV", "GTM", "GTM"],
            "year": [2015, 2016, 2015, 2016],
            "gdp_deflator": [100, 101, 100, 104.0],
            "fx_lcu_per_usd": [None, None, 7.6, 7.7],
        }
    )
    h = harmonize(ds_of(b, cm, ctx), base_year=2016, currency="USD")
    r = h.rebase(2015).spending.set_index("country")["amount_real"]
    assert r["SLV"] == pytest.approx(10 * 100 / 101)
    assert r["GTM"] == pytest.approx(80 / 7.7 * 100 / 104 * 7.7 / 7.6)
    direct = harmonize(ds_of(b, cm, ctx), base_year=2015, currency="USD").spending.set_index(
        "country"
    )["amount_real"]
    assert r.to_dict() == pytest.approx(direct.to_dict(), rel=1e-14)


# ---------------------------------------------------------------- one options object


def test_options_object_and_keywords_give_the_same_result() -> None:
    ds = _two_country_dataset()
    kw = {
        "base_year": 2016,
        "currency": "USD",
        "allow_gaps": True,
        "sort": False,
        "fiscal_year": FiscalYear(10, "end"),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", peir.PeirWarning)
        by_keywords = ds.harmonize(**kw)  # type: ignore[arg-type]
        by_object = ds.harmonize(options=HarmonizeOptions(**kw))  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(by_keywords.spending, by_object.spending)
    rec = by_object.provenance["options"]
    assert rec == by_keywords.provenance["options"] == HarmonizeOptions(**kw).record()  # type: ignore[arg-type]
    assert "October" in rec["fiscal_year"] and rec["allow_gaps"] is True and rec["sort"] is False
    assert len(by_object.gaps) > 0
    assert peir.HarmonizeOptions is HarmonizeOptions


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"deflatr": "cpi"}, "unknown harmonisation option.*deflatr.*expected allow_gaps"),
        ({"deflator": "ppp"}, "deflator='ppp'"),
        ({"cofog": "sometimes"}, "cofog='sometimes'"),
        ({"base_year": "2015"}, "base_year='2015'"),
        ({"base_year": True}, "base_year=True"),
        ({"ppp": "yes"}, "ppp='yes'"),
        ({"source_priority": {"homicides": "IML"}}, r"source_priority\['homicides'\]"),
        ({"fiscal_year": 10}, "fiscal_year=10"),
    ],
)
def test_invalid_options_are_refused_once_naming_the_option(
    kw: dict[str, object], match: str
) -> None:
    with pytest.raises(peir.InputError, match=match):
        HarmonizeOptions.from_keywords(**kw)
    ds = _two_country_dataset()
    with pytest.raises(peir.InputError, match=match):
        ds.harmonize(**kw)  # type: ignore[arg-type]


def test_options_are_frozen_copies() -> None:
    prio = {"homicides": ["IML", "PNC"]}
    o = HarmonizeOptions(base_year=np.int64(2015), source_priority=prio)  # type: ignore[arg-type]
    prio["homicides"].append("FGR")
    assert o.base_year == 2015 and type(o.base_year) is int
    assert o.source_priority == {"homicides": ("IML", "PNC")}
    with pytest.raises(AttributeError):
        o.base_year = 2016  # type: ignore[misc]
    assert o.replace(currency="USD").currency == "USD" and o.currency is None
    with pytest.raises(peir.InputError, match="not both"):
        _two_country_dataset().harmonize(base_year=2015, options=o)
    with pytest.raises(peir.InputError, match="not both"):
        harmonize_partition(pd.DataFrame(), None, None, options=o, base_year=2015)


def test_the_pipeline_returns_plain_frames_without_the_facade() -> None:
    """pipeline.harmonize takes frames and returns HarmonizedFrames; Dataset only wraps them."""
    from peir.pipeline.harmonize import HarmonizedFrames
    from peir.pipeline.harmonize import harmonize as harmonize_frames

    ds = _two_country_dataset()
    assert ds.budget is not None and ds.chain_map is not None and ds.context is not None
    opts = HarmonizeOptions(base_year=2015, currency="USD")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", peir.PeirWarning)
        frames = harmonize_frames(
            ds.budget.frame, chain_map=ds.chain_map.frame, context=ds.context.frame, options=opts
        )
        h = ds.harmonize(options=opts)
    assert isinstance(frames, HarmonizedFrames) and not isinstance(frames, peir.HarmonizedDataset)
    pd.testing.assert_frame_equal(frames.spending, h.spending)
    pd.testing.assert_frame_equal(frames.transfers, h.transfers)
    assert frames.base_year == h.base_year == 2015 and frames.currency == h.currency == "USD"
    assert {k: v for k, v in frames.provenance.items() if k != "created_utc"} == {
        k: v for k, v in h.provenance.items() if k != "created_utc"
    }
