"""The economic crosswalks against the real classifiers and budget files in ../shared/data.

The El Salvador classifier and budget workbooks and the Chile budget law are large real files
(not in the repository): without them this module is one skip. test_econ.py holds the
crosswalk tests that run everywhere.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import require_shared
from peir.chain import normalize_label
from peir.econ import UNMAPPED, crosswalk, to_gfs
from test_econ import compatible

require_shared("real", "sv_mh_presupuesto_funde")
require_shared("real", "cl_dipres_ley_presupuestos_2017")

SLV_RAW = ("real", "sv_mh_presupuesto_funde", "raw")
TWO_DIGIT = {"21", "22", "23", "24", "25", "26", "27", "28", "31", "32", "33"}


# ---- against the real classifiers --------------------------------------------------------------


@pytest.fixture(scope="module")
def slv_classifier(shared_data: Path) -> pd.DataFrame:
    t = pd.read_csv(
        shared_data.joinpath(*SLV_RAW, "ClasificadorPresupuestario.csv"), sep=";", dtype=str
    )
    t.columns = ["code", "name"]
    t["code"] = t["code"].str.strip()
    t["name"] = t["name"].str.strip()
    return t[t["code"].str[0].isin(list("56789"))].reset_index(drop=True)


@pytest.mark.shared
def test_slv_every_expenditure_code_of_the_classifier_maps(slv_classifier: pd.DataFrame) -> None:
    codes = slv_classifier["code"].tolist()
    assert len(codes) == 900  # expenditure part of the 1,444 codes
    gfs = dict(zip(codes, to_gfs(codes, scheme="SLV")))
    unmapped = sorted(c for c, g in gfs.items() if g == UNMAPPED)
    assert unmapped == ["99", "991", "99101", "992", "99201"]  # asignaciones por aplicar
    # the classifier's hierarchy: a code's class holds its sub-codes' classes
    for c, g in gfs.items():
        for c2, g2 in gfs.items():
            if c2 != c and c2.startswith(c):
                assert compatible(g, g2), (c, g, c2, g2)
    # every leaf (objeto específico, or a named recipient) has a class or is explicitly '2'
    leaves = [c for c in codes if not any(o != c and o.startswith(c) for o in codes)]
    assert {gfs[c] for c in leaves} <= TWO_DIGIT | {"2", UNMAPPED}
    # only 'diferenciales cambiarios' and the 49 nonprofits named under cuenta 563 (transfers to
    # the private sector: the classifier lists them by name, not by kind) stay at '2'
    open_leaves = sorted(c for c in leaves if gfs[c] == "2")
    named = [c for c in open_leaves if len(c) == 7 and c.startswith("563")]
    assert open_leaves == ["55701", *named] and len(named) == 49


@pytest.mark.shared
def test_slv_crosswalk_codes_and_names_are_the_classifiers(slv_classifier: pd.DataFrame) -> None:
    names = dict(zip(slv_classifier["code"], slv_classifier["name"]))
    table = crosswalk("SLV").table
    for code, name in zip(table["code"], table["name"]):
        assert code in names, code  # no invented code
        a, b = normalize_label(name), normalize_label(names[code])
        assert a[:25] == b[:25], (code, name, names[code])


def _slv_workbook(shared_data: Path, year: int) -> pd.DataFrame:
    name, amount = {
        2019: ("2019_approved.xlsx", "MONTO PROYECTO"),
        2020: ("2020_approved.xlsx", "MONTO VOTADO"),
    }[year]
    d = pd.read_excel(shared_data.joinpath(*SLV_RAW, name), dtype=str)
    d["amount"] = d[amount].astype(float)
    # 2020: 19 lines of the Presidencia's state intelligence, protocol and security (lines
    # 1001-1003, added by hand by FUNDE, SOURCE.txt) have a rubro but neither object nor amount,
    # and two trailing rows are blank
    blank = d["ESPECIFICO DE GASTO"].isna()
    assert d.loc[blank, "amount"].isna().all() and int(blank.sum()) == {2019: 0, 2020: 21}[year]
    d = d[~blank].copy()
    d["gfs"] = to_gfs(d["ESPECIFICO DE GASTO"], scheme="SLV")
    return d


#: The Ministry's economic class of a line -> the GFS classes its objects may take
#: (GFSM 2014 chapter 6 for each national heading).
SLV_NATIONAL_ECON = {
    "2111": {"21"},  # Remuneraciones
    "2112": {"22"},  # Bienes y Servicios
    "2121": {"27"},  # Prestaciones de la Seguridad Social
    "2131": {"24"},
    "2132": {"24"},
    "2133": {"24"},
    "2134": {"24"},  # Intereses y Comisiones
    "2135": {"28"},  # Impuestos, Tasas y Derechos
    "2136": {"21", "22"},  # Seguros (of staff: 21; of property), Comisiones y Gastos Bancarios
    "2137": {"28"},  # Crédito Fiscal
    "2139": {"22", "28"},  # Otros Gastos no Clasificados (sales commissions; judgments, fines)
    "2142": {"26"},  # Transferencias Corrientes al Sector Público
    "2143": {"25", "27", "28"},  # al Sector Privado: enterprises, persons, nonprofits
    "2144": {"26", "28"},  # al Sector Externo
    "2211": {"31"},
    "2212": {"31"},
    "2213": {"31"},
    "2215": {"31"},  # bienes muebles ... crédito fiscal
    "2232": {"26"},  # Transferencias de Capital al Sector Público
    "2233": {"28"},
    "2234": {"28"},  # al Sector Privado, otras
    "2241": {"32"},
    "2242": {"32"},  # Inversiones en Títulos Valores, Préstamos
    "2311": {"33"},
    "2312": {"33"},
    "2313": {"33"},
    "2314": {"33"},  # amortización
    "241": {"26"},  # Gastos de Contribuciones Especiales
}


@pytest.mark.shared
@pytest.mark.parametrize("year", [2019, 2020])
def test_slv_agrees_with_the_ministrys_economic_classification(
    shared_data: Path, year: int
) -> None:
    d = _slv_workbook(shared_data, year)
    assert not d["gfs"].isin([UNMAPPED, "2"]).any()  # every line of the budget law has a class
    for national, allowed in SLV_NATIONAL_ECON.items():
        got = set(d.loc[d["CLASIFICADOR ECONOMICO"] == national, "gfs"])
        assert got <= allowed, (national, got)
    # investment projects ('Infraestructura' 2214) book their own wages, goods and interest by
    # object: GFS 2014 would record own-account capital formation in 31, the object of
    # expenditure cannot tell; 'Inversión en Capital Humano' (2221) is not a fixed asset
    infra = d[d["CLASIFICADOR ECONOMICO"] == "2214"]
    assert set(infra["gfs"]) <= {"31", "21", "22", "24", "28"}
    # by object, 85.4 % (2019) and 83.1 % (2020) of Infraestructura is 31
    assert infra.loc[infra["gfs"] == "31", "amount"].sum() / infra["amount"].sum() > 0.8
    assert "31" not in set(d.loc[d["CLASIFICADOR ECONOMICO"] == "2221", "gfs"])
    # current (21xx, 24x) never maps to assets; capital transfers and financial lines agree too
    current = d["CLASIFICADOR ECONOMICO"].str.startswith(("21", "24"))
    assert not d.loc[current, "gfs"].isin(["31", "32", "33"]).any()


@pytest.mark.shared
def test_slv_codes_of_every_real_file_map(shared_data: Path) -> None:
    raw = shared_data.joinpath(*SLV_RAW)
    files = {
        "2017_proposed.xlsx clasif_presup": pd.read_excel(raw / "2017_proposed.xlsx", dtype=str)[
            "clasif_presup"
        ],
        "2018_approved.xlsx RUBRO DE GASTO": pd.read_excel(
            raw / "2018_approved.xlsx", sheet_name="EGRESOS", dtype=str
        )["RUBRO DE GASTO"],
        "ejecucion_202004-06.xlsx CLASIF_PRESUP": pd.read_excel(
            raw / "ejecucion_202004-06.xlsx", dtype=str
        )["CLASIF_PRESUP"],
        "ppto2021 comparative object": pd.read_csv(
            raw.parent / "ppto2021_comparative_2020_2021.csv", dtype=str
        )["object"],
    }
    for what, codes in files.items():
        distinct = pd.unique(codes.dropna().str.strip())
        gfs = dict(zip(distinct, to_gfs(distinct, scheme="SLV")))
        unmapped = {c for c, g in gfs.items() if g == UNMAPPED}
        assert all(c.startswith("99") for c in unmapped), (what, sorted(unmapped))


@pytest.mark.shared
def test_chl_every_expenditure_code_of_the_budget_law_maps(shared_data: Path) -> None:
    law = pd.read_csv(
        shared_data / "real" / "cl_dipres_ley_presupuestos_2017" / "budgetLaw.csv",
        sep=";",
        header=None,
        dtype=str,
        names=[
            "partida",
            "capitulo",
            "programa",
            "subtitulo",
            "item",
            "asignacion",
            "name",
            "clp",
            "usd",
        ],
    )
    law = law[law["subtitulo"].astype(int) >= 21]
    items = law[law["item"].notna() & law["asignacion"].isna()]
    codes = (items["subtitulo"] + "." + items["item"].str.zfill(2)).tolist()
    gfs = dict(zip(codes, to_gfs(codes, scheme="CHL")))
    unmapped = sorted({c for c, g in gfs.items() if g == UNMAPPED})
    assert unmapped == ["25.03", "25.99", "26.01", "26.03", "26.04"]  # surpluses, refunds, reserve
    # crosswalk items carry the budget law's own names
    law_names = dict(zip(codes, items["name"]))
    table = crosswalk("CHL").table
    for code, name in zip(table["code"], table["name"]):
        if code in law_names:
            assert normalize_label(name)[:18] == normalize_label(law_names[code])[:18], code
    # every asignación maps through its ítem
    asig = law[law["asignacion"].notna()]
    full = (
        asig["subtitulo"] + "." + asig["item"].str.zfill(2) + "." + asig["asignacion"].str.zfill(3)
    )
    short = asig["subtitulo"] + "." + asig["item"].str.zfill(2)
    assert to_gfs(full, scheme="CHL") == to_gfs(short, scheme="CHL")
