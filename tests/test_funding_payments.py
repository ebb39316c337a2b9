"""Funding sources, commitment and payment indicators and legal floors, against hand computations.

El Salvador 2020, funding sources as the Ley de Presupuesto codes them (1 Fondo General,
2 Recursos Propios, 3 Préstamos Externos, 5 Donaciones; 9 is no code of the classifier):

===========  ======  ========  =========  ========  =====
institution  fuente  modified  committed  executed  paid
===========  ======  ========  =========  ========  =====
PNC patrol   1       100       90         80        70
PNC patrol   3       20        10         10        10
PNC patrol   2       5         5          5         5
OJ judicial  1       200       195        190       150
OJ judicial  5       10        10         10        8
OJ judicial  9       5         5          5         5
===========  ======  ========  =========  ========  =====

Executed: PNC 95, OJ 205, sector 300; external = 10 (loan) + 10 (grant) = 20; own revenue 5;
unclassified 5. Paid 248 (PNC 85, OJ 163); committed 315 (PNC 105, OJ 210); modified 340
(PNC 125, OJ 215).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import peir
from peir.indicators import compute
from peir.indicators.floors import SLV_JUDICIARY_FLOOR, LegalFloor, check_floors
from peir.indicators.funding import funding_split

LINES = [
    ("PNC", "1", 100, 90, 80, 70),
    ("PNC", "3", 20, 10, 10, 10),
    ("PNC", "2", 5, 5, 5, 5),
    ("OJ", "1", 200, 195, 190, 150),
    ("OJ", "5", 10, 10, 10, 8),
    ("OJ", "9", 5, 5, 5, 5),
]
PHASES = ("modified", "committed", "executed", "paid")
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


def _budget() -> pd.DataFrame:
    rows = []
    for i, (inst, fuente, *amounts) in enumerate(LINES):
        for phase, amount in zip(PHASES, amounts):
            rows.append(
                {
                    "country": "SLV",
                    "year": 2020,
                    "institution_code": inst,
                    "funding_source": fuente,
                    "phase": phase,
                    "amount": float(amount),
                    "currency": "USD",
                    "source_ref": f"line {i + 1}",
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def h() -> peir.HarmonizedDataset:
    ds = peir.Dataset(budget=_budget(), chain_map=CHAIN_MAP)
    assert ds.budget is not None and ds.budget.report.ok
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", peir.PeirWarning)
        return ds.harmonize()


@pytest.fixture(scope="module")
def out(h: peir.HarmonizedDataset) -> pd.DataFrame:
    return compute(h, country="SLV")


def _v(
    out: pd.DataFrame, indicator: str, *, link: str | None = None, group: str | None = None
) -> pd.Series:
    rows = out[out["indicator"] == indicator]
    if link is not None:
        rows = rows[rows["link"] == link]
    if group is not None:
        rows = rows[rows["group"] == group]
    assert len(rows) == 1, (indicator, link, group, rows)
    return rows.iloc[0]


def test_funding_shares_by_hand(out: pd.DataFrame) -> None:
    assert _v(out, "exp_total").value == pytest.approx(300.0)
    assert _v(out, "external_financing_share").value == pytest.approx(20 / 300 * 100)
    assert _v(out, "external_financing_share_link", link="patrol").value == pytest.approx(
        10 / 95 * 100
    )
    assert _v(out, "external_financing_share_link", link="judicial").value == pytest.approx(
        10 / 205 * 100
    )
    assert _v(out, "external_financing_share_institution", group="OJ").value == pytest.approx(
        10 / 205 * 100
    )
    assert _v(out, "own_revenue_share").value == pytest.approx(5 / 300 * 100)
    assert _v(out, "own_revenue_share_institution", group="PNC").value == pytest.approx(
        5 / 95 * 100
    )
    assert _v(out, "own_revenue_share_institution", group="OJ").value == 0.0
    assert _v(out, "funding_unclassified_share").value == pytest.approx(5 / 300 * 100)


def test_payments_and_commitments_by_hand(out: pd.DataFrame) -> None:
    assert _v(out, "payment_rate").value == pytest.approx(248 / 300 * 100)
    assert _v(out, "arrears_proxy").value == pytest.approx(52.0)
    assert _v(out, "arrears_proxy").unit == "USD"
    assert _v(out, "payment_rate_institution", group="PNC").value == pytest.approx(85 / 95 * 100)
    assert _v(out, "arrears_proxy_institution", group="OJ").value == pytest.approx(42.0)
    assert _v(out, "commitment_rate").value == pytest.approx(315 / 340 * 100)
    assert _v(out, "commitment_rate_institution", group="PNC").value == pytest.approx(84.0)
    assert _v(out, "commitment_rate_institution", group="OJ").value == pytest.approx(
        210 / 215 * 100
    )


def test_without_the_phase_the_note_says_so() -> None:
    b = _budget()
    b = b[b["phase"] != "paid"]
    ds = peir.Dataset(budget=b, chain_map=CHAIN_MAP)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", peir.PeirWarning)
        r = compute(ds.harmonize(), ["payment_rate", "commitment_rate"], country="SLV")
    pay = r[r["indicator"] == "payment_rate"].iloc[0]
    assert np.isnan(pay.value) and "no paid phase" in pay.note
    assert r[r["indicator"] == "commitment_rate"].iloc[0].value == pytest.approx(315 / 340 * 100)


def test_funding_split_by_class(h: peir.HarmonizedDataset) -> None:
    t = funding_split(h.spending, phase="executed").set_index("funding_class")
    assert list(t.index) == [
        "domestic",
        "own_revenue",
        "external_loan",
        "external_grant",
        "unmapped",
    ]
    assert t["amount"].to_dict() == {
        "domestic": 270.0,
        "own_revenue": 5.0,
        "external_loan": 10.0,
        "external_grant": 10.0,
        "unmapped": 5.0,
    }
    assert t.loc["domestic", "share"] == pytest.approx(90.0)
    assert t["share"].sum() == pytest.approx(100.0)


def test_a_spec_recodes_another_countrys_sources_to_classes() -> None:
    b = _budget().assign(country="PER", currency="PEN")
    b["funding_source"] = b["funding_source"].map(
        {
            "1": "Recursos Ordinarios",
            "2": "Recursos Directamente Recaudados",
            "3": "ROOC",
            "5": "Donaciones y Transferencias",
            "9": "Recursos Determinados",
        }
    )
    spec = peir.ReadSpec(
        values={
            "funding_source": {
                "Recursos Ordinarios": "domestic",
                "Recursos Directamente Recaudados": "own_revenue",
                "ROOC": "external_loan",
                "Donaciones y Transferencias": "external_grant",
                "Recursos Determinados": "earmarked",
            }
        }
    )
    ds = peir.Dataset(budget=peir.read_budget(b, spec), chain_map=CHAIN_MAP)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", peir.PeirWarning)
        t = funding_split(ds.harmonize().spending, phase="executed").set_index("funding_class")
    assert t.loc["earmarked", "amount"] == 5.0 and "unmapped" not in t.index


# ---- legal floors ----------------------------------------------------------------------------


def _floor_inputs(
    amount: float, revenue: float | None, year: int = 2015
) -> tuple[pd.DataFrame, pd.DataFrame]:
    spending = pd.DataFrame(
        {
            "country": ["SLV"],
            "year": [year],
            "institution_code": ["1600"],
            "phase": ["approved"],
            "amount_lcu": [amount],
        }
    )
    context = pd.DataFrame({"country": ["SLV"], "year": [year], "revenue_current": [revenue]})
    return spending, context


def test_slv_judiciary_floor_2015_from_the_budget_law() -> None:
    # Ley de Presupuesto 2015 (Decreto Legislativo 866, Diario Oficial tomo 405 no. 229,
    # 8 December 2014): ingresos corrientes US$4,414,136,705. Órgano Judicial (1600) voted
    # US$264,850,587.30 (Ministerio de Hacienda via FUNDE, budget_by_institution_2012_2020.csv).
    spending, context = _floor_inputs(264_850_587.30, 4_414_136_705.0)
    r = check_floors(spending, context, [SLV_JUDICIARY_FLOOR]).iloc[0]
    assert r["share"] == pytest.approx(264_850_587.30 / 4_414_136_705.0 * 100)  # 6.00005 %
    assert bool(r["compliant"]) and r["shortfall"] == 0.0 and "art. 172" in r["basis"]
    # the same year's modified budget, 262,761,724.30, is below the floor by 2,086,477.00
    spending, _ = _floor_inputs(262_761_724.30, None)
    r = check_floors(spending, context, [SLV_JUDICIARY_FLOOR]).iloc[0]
    assert not bool(r["compliant"]) and r["shortfall"] == pytest.approx(
        0.06 * 4_414_136_705 - 262_761_724.30
    )


def test_floor_reports_missing_inputs_and_years_out_of_force() -> None:
    spending, context = _floor_inputs(100.0, None)
    r = check_floors(spending, context, [SLV_JUDICIARY_FLOOR]).iloc[0]
    assert pd.isna(r["compliant"]) and "missing revenue_current for SLV 2015" in r["note"]
    spending, context = _floor_inputs(100.0, 1000.0, year=2026)  # after the 2025 reform
    assert check_floors(spending, context, [SLV_JUDICIARY_FLOOR]).empty
    rule = LegalFloor(
        id="x", country="slv", institution_code=["1600", "1500"], min_share=5, of="revenue_current"
    )
    assert rule.country == "SLV" and rule.institutions == ["1600", "1500"]


@pytest.mark.shared
def test_slv_judiciary_floor_on_the_ministrys_file(shared_data: Path) -> None:
    path = shared_data / "real" / "sv_mh_presupuesto_funde" / "budget_by_institution_2012_2020.csv"
    spec = (
        Path(__file__).resolve().parents[1]
        / "specs"
        / "sv_mh_presupuesto_funde"
        / "budget_by_institution_2012_2020.yaml"
    )
    budget = peir.read_budget(path, spec)
    context = pd.DataFrame(
        {"country": ["SLV"], "year": [2015], "revenue_current": [4_414_136_705.0]}
    )
    ds = peir.Dataset(budget=budget, context=context)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", peir.PeirWarning)
        h = ds.harmonize()
    r = check_floors(h.spending, h.context, [SLV_JUDICIARY_FLOOR])
    r15 = r[r["year"] == 2015].iloc[0]
    assert r15["amount"] == pytest.approx(264_850_587.30, abs=0.005) and bool(r15["compliant"])
    # the other years have no current revenue in this context: said, never passed
    assert r[r["year"] != 2015]["compliant"].isna().all()


# ---- real file: Peru's MEF Consulta Amigable (PIA, PIM, compromiso, devengado, girado) ----------


@pytest.mark.shared
def test_peru_payment_and_commitment_rates_of_the_prison_service(shared_data: Path) -> None:
    path = (
        shared_data
        / "real"
        / "pe_mef_consulta_amigable_gn_ejecutoras"
        / "EJECUCION_GASTO_GN_X_SECTORES.xlsx"
    )
    spec = peir.ReadSpec(
        columns={
            "year": "Año",
            "institution_code": "Pliego",
            "institution": "Pliego",
            "program": "Unidad Ejecutora",
        },
        constants={"country": "PER", "currency": "PEN"},
        thousands=",",
        phases={
            "PIA": "approved",
            "PIM": "modified",
            "Compromiso Anual": "committed",
            "Devengado": "executed",
            "Girado": "paid",
        },
    )
    budget = peir.read_budget(path, spec)
    assert budget.report.ok and budget.report.rows_rejected == 0
    inpe = "061: INSTITUTO NACIONAL PENITENCIARIO"
    cm = pd.DataFrame(
        [
            {
                "institution_code": inpe,
                "link": "corrections",
                "share": 1.0,
                "basis": "INPE runs the prisons",
                "source_ref": "test",
            }
        ]
    )
    ds = peir.Dataset(budget=budget, chain_map=cm)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", peir.PeirWarning)
        out = compute(
            ds.harmonize(),
            [
                "payment_rate_institution",
                "commitment_rate_institution",
                "arrears_proxy_institution",
            ],
            country="PER",
            years=2023,
        )
    out = out[out["group"] == inpe].set_index("indicator")["value"]
    # the same figures summed from the raw file without peir
    raw = pd.read_excel(path, dtype=str)
    raw = raw[(raw["Año"] == "2023") & (raw["Pliego"] == inpe)]
    total = {
        c: raw[c].str.replace(",", "").astype(float).sum()
        for c in ("PIM", "Compromiso Anual", "Devengado", "Girado")
    }
    assert out["payment_rate_institution"] == pytest.approx(
        total["Girado"] / total["Devengado"] * 100, rel=1e-12
    )
    assert out["commitment_rate_institution"] == pytest.approx(
        total["Compromiso Anual"] / total["PIM"] * 100, rel=1e-12
    )
    assert out["arrears_proxy_institution"] == pytest.approx(
        total["Devengado"] - total["Girado"], abs=0.5
    )
    assert 90 < out["payment_rate_institution"] <= 100


def test_peir_yaml_declares_the_rules() -> None:
    from peir.config import ProjectConfig

    cfg = ProjectConfig.from_dict(
        {
            "rules": [
                {
                    "id": "oj",
                    "country": "SLV",
                    "institution_code": "1600",
                    "min_share": 6,
                    "year_to": 2025,
                    "basis": "art. 172",
                }
            ]
        }
    )
    assert cfg.rules[0].of == "revenue_current" and cfg.rules[0].phase == "approved"
    assert cfg.load_dataset().meta["rules"] == cfg.rules
    with pytest.raises(peir.SpecError, match="min_share"):
        ProjectConfig.from_dict(
            {"rules": [{"id": "x", "country": "SLV", "institution_code": "1", "min_share": 0}]}
        )
