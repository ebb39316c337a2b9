"""Economic classification crosswalks (peir.econ) checked against the national classifiers.

The expected GFS classes are written out by hand from the GFSM 2014 definitions (chapter 6:
21 compensation of employees ... 28 other expense; 31-33 transactions in assets and
liabilities) for the headings of each published classifier. test_econ_real.py reads the real
classifier files in ../shared to check that every code they contain maps, that the crosswalks
invent no code, and that a heading is never more precise than the codes under it; for El
Salvador, the Ministry's own economic classification of every line of the 2019 and 2020 budget
workbooks (CLASIFICADOR ECONOMICO: remuneraciones, bienes y servicios, intereses...) is an
independent check of the mapping of the objects of expenditure.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import peir.econ as econ
from peir.econ import SCHEMES, UNMAPPED, crosswalk, funding_class, lookup, to_gfs
from peir.errors import InputError

EXPENSE = {"2", "21", "22", "23", "24", "25", "26", "27", "28"}


def compatible(parent: str, child: str) -> bool:
    """A heading's class must hold every code below it: equal, or '2' over an expense class."""
    if parent == UNMAPPED:
        return True
    if parent == "2":
        return child in EXPENSE
    return child == parent


# ---- the rule of the files ---------------------------------------------------------------------


@pytest.mark.parametrize("scheme", [s for s in SCHEMES if s not in ("GFS", "BOOST")])
def test_heading_is_never_more_precise_than_its_codes(scheme: str) -> None:
    table = crosswalk(scheme).table
    keys = dict(zip(table["key"], table["gfs"]))
    for k, g in keys.items():
        for k2, g2 in keys.items():
            if k2 != k and k2.startswith(k):
                assert compatible(g, g2), (scheme, k, g, k2, g2)


@pytest.mark.parametrize("scheme", [s for s in SCHEMES if s != "GFS"])
def test_every_crosswalk_cites_its_classifier(scheme: str) -> None:
    cw = crosswalk(scheme)
    assert cw.classifier and cw.url and cw.title
    assert set(cw.table["gfs"]) <= set(econ.GFS_CLASSES)
    assert not cw.table["key"].duplicated().any()
    # a mixed heading says what it mixes
    mixed = cw.table[cw.table["gfs"].isin(["2", UNMAPPED])]
    assert (mixed["note"].str.len() > 0).sum() >= len(mixed) // 2


# ---- hand-derived expectations for each classifier's headings ----------------------------------

# El Salvador, rubros of the Clasificador Presupuestario (names as in the classifier)
SLV_RUBROS = {
    "51": "21",  # Remuneraciones
    "53": "27",  # Prestaciones de la Seguridad Social
    "54": "22",  # Adquisiciones de Bienes y Servicios
    "55": "2",  # Gastos Financieros y Otros: interest, taxes, insurance
    "56": "2",  # Transferencias Corrientes: grants, subsidies, social benefits
    "61": "31",  # Inversiones en Activos Fijos
    "62": "2",  # Transferencias de Capital: capital grants (26) and transfers n.e.c. (28)
    "63": "32",  # Inversiones Financieras
    "69": "23",  # Operaciones Complementarias (69001 depreciación convenios)
    "71": "33",  # Amortización de Endeudamiento Público
    "72": "33",  # Saldos de Años Anteriores (cuentas por pagar)
    "81": "26",  # Transferencias de Contribuciones Especiales (al sector público)
    "99": UNMAPPED,  # Asignaciones por Aplicar
}
SLV_DETAIL = {
    "51101": "21",
    "51401": "21",
    "53101": "27",
    "54101": "22",
    "54110": "22",
    "55101": "24",
    "55401": "24",
    "55501": "28",
    "55601": "21",
    "55602": "22",
    "55603": "22",
    "55702": "28",
    "56201": "26",
    "5622401": "26",
    "56301": "25",
    "56303": "28",
    "5633148": "2",  # a named recipient under cuenta 563: kind not stated
    "56304": "27",
    "56305": "27",
    "56404": "26",
    "61101": "31",
    "61403": "31",
    "62201": "26",
    "62303": "28",
    "63201": "32",
    "71401": "33",
    "72101": "33",
    "81108": "26",
    "99101": UNMAPPED,
    "11101": UNMAPPED,  # a revenue code (impuesto sobre la renta) is not expense
}

# Mexico, capítulos of CONAC's Clasificador por Objeto del Gasto (DOF 10-VI-2010)
MEX_CAPITULOS = {
    "1000": "21",  # Servicios personales
    "2000": "22",  # Materiales y suministros
    "3000": "2",  # Servicios generales (3900: taxes, judgments)
    "4000": UNMAPPED,  # Transferencias, asignaciones, subsidios y otras ayudas (4600 trusts)
    "5000": "31",  # Bienes muebles, inmuebles e intangibles
    "6000": "31",  # Inversión pública
    "7000": UNMAPPED,  # Inversiones financieras y otras provisiones (7900 provisions)
    "8000": "26",  # Participaciones y aportaciones (to states and municipalities)
    "9000": UNMAPPED,  # Deuda pública: amortisation and interest
}
MEX_DETAIL = {
    "1131": "21",
    "11301": "21",
    "1400": "21",
    "2611": "22",
    "3400": "22",
    "3921": "28",
    "3920": "28",
    "39202": "28",
    "3990": "22",
    "3900": "2",
    "4300": "25",
    "4410": "27",
    "4500": "27",
    "4800": "28",
    "5411": "31",
    "6100": "31",
    "7400": "32",
    "7900": UNMAPPED,
    "9100": "33",
    "9211": "24",
    "9900": "33",
}

# Peru, genéricas of the MEF Clasificador de Gastos
PER_GENERICAS = {
    "2.0": UNMAPPED,  # Reserva de contingencia
    "2.1": "21",  # Personal y obligaciones sociales
    "2.2": "27",  # Pensiones y otras prestaciones sociales
    "2.3": "2",  # Bienes y servicios (with the CAS contracts, compensation of employees)
    "2.4": "26",  # Donaciones y transferencias
    "2.5": "2",  # Otros gastos
    "2.6": "31",  # Adquisición de activos no financieros
    "2.7": "32",  # Adquisición de activos financieros
    "2.8": UNMAPPED,  # Servicio de la deuda pública: interest and amortisation
}
PER_DETAIL = {
    "2.1.1 1.1 1": "21",
    "2.3.1 5.1 2": "22",
    "2.3.2 8.1 1": "21",
    "2.3.27.11": "22",
    "2.5.4 1.1 1": "28",
    "2.6.2 2.2 1": "31",
    "21": "21",
}

# Chile, subtítulos of the Clasificador Presupuestario (Decreto 854 de 2004)
CHL_SUBTITULOS = {
    "21": "21",
    "22": "22",
    "23": "27",
    "24": "2",
    "25": UNMAPPED,
    "26": UNMAPPED,
    "27": "26",
    "28": UNMAPPED,
    "29": "31",
    "30": "32",
    "31": "31",
    "32": "32",
    "33": "2",
    "34": UNMAPPED,
    "35": UNMAPPED,
}
CHL_DETAIL = {
    "24.01": "2",
    "24.01.001": "2",
    "24.03.263": "26",
    "24-3": "26",
    "2403": "26",
    "24.04": "25",
    "24.07": "26",
    "25.01": "28",
    "26.02": "28",
    "33.01": "28",
    "33.03": "26",
    "34.02": "33",
    "34.04": "24",
    "34.07": "33",
    "29.03": "31",
}

# Argentina, incisos of the Manual de Clasificaciones Presupuestarias (2016)
ARG_INCISOS = {
    "1": "21",  # Gastos en personal
    "2": "22",  # Bienes de consumo
    "3": "2",  # Servicios no personales (3.8 impuestos, derechos, tasas y juicios)
    "4": "31",  # Bienes de uso
    "5": "2",  # Transferencias
    "6": "32",  # Activos financieros
    "7": UNMAPPED,  # Servicio de la deuda y disminución de otros pasivos
    "8": UNMAPPED,  # Otros gastos (depreciation, losses)
    "9": "26",  # Gastos figurativos
}
ARG_DETAIL = {
    "1.1.1": "21",
    "3.1.1": "22",
    "3.8.1": "28",
    "5.1.4": "27",
    "514": "27",
    "5.2.1": "28",
}

# BOOST spending types, whole labels only
BOOST_LABELS = {
    "wages": "21",
    "Wages": "21",
    "allowances": "21",
    "Goods and services": "22",
    "non-wage": UNMAPPED,
    "Other": UNMAPPED,
    "total": UNMAPPED,
    "wages in judiciary": UNMAPPED,
}

GFS_IDENTITY = {
    "21": "21",
    "2111": "21",
    "2.1.1": "21",
    "22": "22",
    "282": "28",
    "31": "31",
    "311": "31",
    "2": "2",
    "29": UNMAPPED,
    "3": UNMAPPED,
    "7": UNMAPPED,
}

CASES = [
    ("SLV", {**SLV_RUBROS, **SLV_DETAIL}),
    ("MEX", {**MEX_CAPITULOS, **MEX_DETAIL}),
    ("PER", {**PER_GENERICAS, **PER_DETAIL}),
    ("CHL", {**CHL_SUBTITULOS, **CHL_DETAIL}),
    ("ARG", {**ARG_INCISOS, **ARG_DETAIL}),
    ("BOOST", BOOST_LABELS),
    ("GFS", GFS_IDENTITY),
]


@pytest.mark.parametrize(("scheme", "expected"), CASES, ids=[c[0] for c in CASES])
def test_headings_map_as_the_gfs_definitions_say(scheme: str, expected: dict[str, str]) -> None:
    codes = list(expected)
    assert dict(zip(codes, to_gfs(codes, scheme=scheme))) == expected


def test_codes_as_numbers_missing_values_and_case() -> None:
    assert to_gfs([51, 51.0, "51 ", None, float("nan")], scheme="slv") == [
        "21",
        "21",
        "21",
        None,
        None,
    ]
    assert to_gfs(pd.Series(["1000", None]), scheme="MEX") == ["21", None]
    assert to_gfs([], scheme="CHL") == []


def test_unknown_scheme_is_refused_naming_the_schemes() -> None:
    with pytest.raises(InputError, match="SLV, MEX, PER, CHL, ARG, BOOST, GFS"):
        to_gfs(["51"], scheme="BRA")


def test_lookup_names_the_crosswalk_code_used() -> None:
    t = lookup(["51201", "55601", "99", "8"], scheme="SLV").set_index("code")
    assert t.loc["51201", "matched"] == "51" and t.loc["51201", "name"] == "Remuneraciones"
    assert (
        t.loc["55601", "matched"] == "55601"
        and t.loc["55601", "gfs_name"] == "Compensation of employees"
    )
    assert t.loc["99", "gfs"] == UNMAPPED and "not yet assigned" in t.loc["99", "note"]
    assert t.loc["8", "matched"] == "" and t.loc["8", "gfs"] == UNMAPPED
    assert econ.gfs_name("21", "es") == "Remuneración a los empleados"


@given(st.sampled_from(sorted(crosswalk("SLV").table["key"])), st.text("0123456789", max_size=4))
def test_more_digits_never_contradict_a_class(code: str, suffix: str) -> None:
    parent, child = to_gfs([code, code + suffix], scheme="SLV")
    assert parent is not None and child is not None
    assert compatible(parent, child)


# ---- funding sources -----------------------------------------------------------------------------


def test_funding_classes_of_el_salvador_fuentes() -> None:
    # Ley de Presupuesto: 1 Fondo General, 2 Recursos Propios, 3 Préstamos Externos,
    # 4 Préstamos Internos, 5 Donaciones
    assert funding_class(["1", "2", "3", "4", "5", 1.0, "05"], country="SLV") == [
        "domestic",
        "own_revenue",
        "external_loan",
        "domestic",
        "external_grant",
        "domestic",
        "external_grant",
    ]
    # class ids pass through (a spec's values: recoding); unknown codes stay visible
    assert funding_class(["earmarked", "7", None], country="SLV") == ["earmarked", UNMAPPED, None]
    assert funding_class(["1"], country="PER") == [UNMAPPED]
    assert econ.funding_crosswalk("SLV").attrs["classifier"].startswith("Ministerio de Hacienda")
