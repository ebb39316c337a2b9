"""Worked examples on real ministry exports (../shared/data/real): each file is read with the
spec under specs/<folder>/ (a `peir inspect` draft plus a few edits), and the totals by year,
institution and phase equal the file's own totals (its total rows, or an independent pandas
read). Without ../shared the module is one skip (the synthetic files of the same shapes, e.g.
the wide table of years with a unit per column, are read in test_inspect.py and
test_ingest_multiplier.py)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import peir
from conftest import require_shared
from reader_checks import compare_readers

pytestmark = pytest.mark.shared
# every test reads the large real files: one skip without them
require_shared("real")

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"


def _close(a: pd.Series, b: pd.Series, rtol: float = 1e-12) -> None:
    a, b = a.sort_index(), b.sort_index()
    assert list(a.index) == list(b.index)
    np.testing.assert_allclose(
        a.to_numpy(dtype=float), b.to_numpy(dtype=float), rtol=rtol, atol=0.01
    )


# ------------------------------------------------------------------------------------------
# Peru: MEF Consulta Amigable
# ------------------------------------------------------------------------------------------

PERU = Path("real/pe_mef_consulta_amigable_gn_ejecutoras/EJECUCION_GASTO_GN_X_SECTORES.xlsx")
PERU_PHASES = {
    "PIA": "approved",
    "PIM": "modified",
    "Compromiso Anual": "committed",
    "Devengado": "executed",
    "Girado": "paid",
}


def test_peru_inspect_drafts_the_spec(shared_data: Path) -> None:
    draft = peir.inspect(shared_data / PERU)
    spec = peir.ReadSpec.from_yaml(SPECS / "pe_mef_consulta_amigable_gn_ejecutoras/budget.yaml")
    assert draft.spec.phases == spec.phases == PERU_PHASES  # girado is paid, not executed
    assert draft.spec.columns["year"] == spec.columns["year"] == "Año"
    assert draft.spec.thousands == spec.thousands == ","
    assert {t.key for t in draft.todo} == {
        "constants.country",
        "constants.currency",
        "columns.institution_code",
    }
    assert "# constants:" in draft.to_yaml() and "Certificación" in draft.to_yaml()


def test_peru_totals_by_year_institution_and_phase(shared_data: Path) -> None:
    t = peir.read_budget(
        shared_data / PERU, SPECS / "pe_mef_consulta_amigable_gn_ejecutoras/budget.yaml"
    )
    r = t.report
    assert r.ok and r.rows_rejected == 0, r
    # independent read: pandas, every cell as text, commas stripped
    raw = pd.read_excel(shared_data / PERU, dtype=str)
    assert len(raw) == 3941
    long = raw.melt(
        id_vars=["Año", "Pliego"], value_vars=list(PERU_PHASES), var_name="col", value_name="v"
    )
    long = long[long["v"].notna() & (long["v"].str.strip() != "")]
    long["amount"] = long["v"].str.replace(",", "", regex=False).astype(float)
    long["phase"] = long["col"].map(PERU_PHASES)
    expected = long.groupby([long["Año"].astype(int), "Pliego", "phase"])["amount"].sum()
    got = t.frame.groupby(["year", "institution_code", "phase"])["amount"].sum()
    expected.index.names = got.index.names
    _close(got, expected)
    assert r.amount_read == pytest.approx(long["amount"].sum(), rel=1e-13)
    # SOURCE.txt: Poder Judicial devengado 1.84 bn PEN (2015); paid is below executed
    f = t.frame
    pj = f[(f["year"] == 2015) & f["institution_code"].str.startswith("004:")]
    ex = pj.loc[pj["phase"] == "executed", "amount"].sum()
    assert 1.83e9 < ex < 1.85e9
    assert pj.loc[pj["phase"] == "paid", "amount"].sum() <= ex


# ------------------------------------------------------------------------------------------
# Mexico: SHCP Cuenta Pública by programme
# ------------------------------------------------------------------------------------------

MX = Path("real/mx_shcp_cuenta_publica_programatica/csv")
MX_PHASES = {"Aprobado": "approved", "Modificado": "modified", "Devengado": "executed"}


def _mx_spec(year: int) -> Path:
    name = (
        "budget.yaml"
        if year >= 2016
        else "budget_2015.yaml"
        if year == 2015
        else "budget_2013_2014.yaml"
    )
    return SPECS / "mx_shcp_cuenta_publica_programatica" / name


#: Institutions whose programme lines do not add up to their TOTAL row, because the flattening
#: of the xls into csv/<year>.csv merged another block under their name (peir reports each as
#: total_mismatch; docs/real_files.md): in 2014 the blocks that follow Defensa, Hacienda, Marina
#: and Salud without a TOTAL row of their own, in 2020 the Tribunal Electoral under the Consejo
#: de la Judicatura Federal.
MX_MERGED_BLOCKS = {
    2014: {"Defensa Nacional", "Hacienda y Crédito Público", "Marina", "Salud"},
    2020: {"Consejo de la Judicatura Federal"},
}


@pytest.mark.parametrize("year", range(2013, 2024))
def test_mexico_programme_lines_equal_the_files_own_totals(shared_data: Path, year: int) -> None:
    path = shared_data / MX / f"{year}.csv"
    t = peir.read_budget(path, _mx_spec(year))
    r = t.report
    assert not (r.issues["severity"] == "error").any(), r
    totals = r.meta["totals"]
    assert totals["equal"] > 100
    every = r.issues_all()
    mismatched = every[every["code"] == "total_mismatch"]["row"].to_numpy()
    # independent read of the same file: lines (programme rows) and the file's TOTAL rows
    raw = pd.read_csv(path, dtype=str)
    levels = [c for c in ("SUBRAMO", "RAMO", "ENTE") if c in raw.columns]
    inst = raw[levels].bfill(axis=1).iloc[:, 0]
    econ = [c for c in raw.columns if c.startswith(("GC_", "GI_")) and not c.endswith("_SUMA")]
    cells = raw[econ].apply(
        lambda c: pd.to_numeric(c.str.strip().replace("", None), errors="coerce")
    )
    flagged = set(inst.iloc[mismatched - 2])
    assert flagged == MX_MERGED_BLOCKS.get(year, set())
    raw = raw.assign(inst=inst, amount=cells.sum(axis=1), phase=raw["PRESUPUESTO"].map(MX_PHASES))
    raw = raw[
        raw["phase"].notna() & raw["PROGRAMA"].str.fullmatch(r"TOTAL|(?:[0-9]+-)?[A-Z][0-9]{3}")
    ]
    lines = (
        raw[raw["PROGRAMA"] != "TOTAL"]
        .groupby([raw["CICLO"].astype(int), "inst", "phase"])["amount"]
        .sum()
    )
    own = (
        raw[raw["PROGRAMA"] == "TOTAL"]
        .groupby([raw["CICLO"].astype(int), "inst", "phase"])["amount"]
        .sum()
    )
    got = t.frame.groupby(["year", "institution_code", "phase"])["amount"].sum()
    lines.index.names = own.index.names = got.index.names
    _close(got, lines)  # peir's lines = the lines pandas reads
    both = own.index.intersection(got.index)
    both = both[~both.get_level_values("institution_code").isin(flagged)]
    assert len(both) > 0.9 * len(got) - 3 * len(flagged)
    _close(
        got.loc[both], own.loc[both], rtol=1e-10
    )  # = the file's own total rows (each rounded to the cent)
    # the file's TOTAL column of those rows agrees too (the sum columns were left out)
    total_col = raw[raw["PROGRAMA"] == "TOTAL"].assign(
        t=lambda d: pd.to_numeric(d["TOTAL"].str.strip(), errors="coerce")
    )
    own_total = total_col.groupby([total_col["CICLO"].astype(int), "inst", "phase"])["t"].sum()
    own_total.index.names = got.index.names
    _close(got.loc[both], own_total.loc[both], rtol=1e-10)


def test_mexico_judiciary_and_prosecution_2019(shared_data: Path) -> None:
    t = peir.read_budget(shared_data / MX / "2019.csv", _mx_spec(2019))
    f = t.frame[t.frame["phase"] == "executed"].groupby("institution_code")["amount"].sum()
    assert f["Consejo de la Judicatura Federal"] > 5e10  # tens of billions of pesos
    assert (
        "Procuraduría General de la República (ahora Fiscalía General de la República)" in f.index
    )
    assert "Seguridad y Protección Ciudadana" in f.index


# ------------------------------------------------------------------------------------------
# Chile: DIPRES Ley de Presupuestos 2017
# ------------------------------------------------------------------------------------------

CL = Path("real/cl_dipres_ley_presupuestos_2017/budgetLaw.csv")
CL_NAMES = [
    "Partida",
    "Capítulo",
    "Programa",
    "Subtítulo",
    "Item",
    "Asignación",
    "Denominación",
    "Monto Pesos",
    "Monto Dólar",
]


def test_chile_subtitle_lines_equal_the_sum_of_their_items(shared_data: Path) -> None:
    spec_path = SPECS / "cl_dipres_ley_presupuestos_2017/budget.yaml"
    t = peir.read_budget(shared_data / CL, spec_path)
    r = t.report
    assert r.ok and r.rows_read == 9283, r
    # SOURCE.txt: Carabineros (05-31-01) subtítulo 21 = 839,274,361 thousand pesos
    f = t.frame
    assert (
        f[(f["institution_code"] == "05-31") & (f["econ"] == "21")]["amount"].sum()
        == 839_274_361_000
    )
    # the file's own hierarchy: each subtítulo row equals the sum of its item rows
    raw = pd.read_csv(
        shared_data / CL, sep=";", header=None, names=CL_NAMES, dtype=str, keep_default_na=False
    )
    raw["amount"] = (
        raw["Monto Pesos"].str.replace(",", ".", regex=False).astype(float) * 1000
    )  # decimal comma
    raw["inst"] = raw["Partida"] + "-" + raw["Capítulo"]
    exp = raw[(raw["Subtítulo"].astype(int) >= 20)]
    items = exp[(exp["Item"] != "") & (exp["Asignación"] == "")]
    by_item = items.groupby(["inst", "Programa", "Subtítulo"])["amount"].sum()
    got = f.groupby(["institution_code", "program", "econ"])["amount"].sum()
    by_item.index.names = got.index.names
    common = got.index.intersection(by_item.index)
    assert len(common) > 0.5 * len(got)
    _close(got.loc[common], by_item.loc[common])
    # and the subtítulos read equal an independent pandas read of them
    subs = exp[exp["Item"] == ""].groupby(["inst", "Programa", "Subtítulo"])["amount"].sum()
    subs.index.names = got.index.names
    _close(got, subs)


# ------------------------------------------------------------------------------------------
# Conservation on every real file: peir's exact totals against decimal sums made without peir
# ------------------------------------------------------------------------------------------


def _decimal_sum(
    cells: pd.Series, drop: str = "", scale: int = 1, comma_decimal: bool = False
) -> Decimal:
    """The exact sum of the numbers written in ``cells`` (text), with ``decimal`` only:
    ``drop`` (thousands separators) removed, empty and unreadable cells skipped."""
    total = Decimal(0)
    for text in cells.fillna("").astype(object):
        text = str(text).strip()
        if drop:
            text = text.replace(drop, "")
        if comma_decimal:
            text = text.replace(",", ".")
        try:
            value = Decimal(text)
        except InvalidOperation:
            continue
        if value.is_finite():
            total += value
    return total * scale


def _conserved(
    r: peir.ValidationReport, read: Decimal, accepted: Decimal, cents: Decimal = Decimal("0.1")
) -> None:
    """peir's exact read / accepted / rejected totals equal the independent sums within
    ``cents``, and read == accepted + rejected to far below a cent."""
    exact = r.amounts_exact
    assert exact is not None
    assert abs(exact["read"] - exact["accepted"] - exact["rejected"]) < Decimal("1e-4")
    for name, want in (("read", read), ("accepted", accepted), ("rejected", read - accepted)):
        off = (exact[name] - want) * 100
        assert abs(off) < cents, f"{name}: {off} cents off"


def test_peru_amounts_are_conserved_to_the_cent(shared_data: Path) -> None:
    t = peir.read_budget(
        shared_data / PERU, SPECS / "pe_mef_consulta_amigable_gn_ejecutoras/budget.yaml"
    )
    raw = pd.read_excel(shared_data / PERU, dtype=str)
    read = sum((_decimal_sum(raw[c], drop=",") for c in PERU_PHASES), Decimal(0))
    _conserved(t.report, read, read)


@pytest.mark.parametrize("year", range(2013, 2024))
def test_mexico_amounts_are_conserved_to_the_cent(shared_data: Path, year: int) -> None:
    """Every economic cell of the file (all rows: the programme lines peir keeps and the
    TOTAL, percentage and other rows it sets aside)."""
    spec = peir.ReadSpec.from_yaml(_mx_spec(year))
    assert spec.melt is not None
    t = peir.read_budget(shared_data / MX / f"{year}.csv", spec)
    raw = pd.read_csv(shared_data / MX / f"{year}.csv", dtype=str, keep_default_na=False)
    cols = [c for c in spec.melt["econ"] if c in raw.columns]
    keep = raw["PRESUPUESTO"].isin(list(MX_PHASES)) & raw["PROGRAMA"].str.fullmatch(
        r"(?:[0-9]+-)?[A-Z][0-9]{3}"
    )
    read = sum((_decimal_sum(raw[c]) for c in cols), Decimal(0))
    accepted = sum((_decimal_sum(raw.loc[keep, c]) for c in cols), Decimal(0))
    assert read > Decimal("2e13")
    _conserved(t.report, read, accepted)


def test_chile_amounts_are_conserved_to_the_cent(shared_data: Path) -> None:
    t = peir.read_budget(shared_data / CL, SPECS / "cl_dipres_ley_presupuestos_2017/budget.yaml")
    raw = pd.read_csv(
        shared_data / CL, sep=";", header=None, names=CL_NAMES, dtype=str, keep_default_na=False
    )
    keep = (raw["Item"] == "") & ~raw["Subtítulo"].str.fullmatch("0[0-9]|1[0-9]")
    read = _decimal_sum(raw["Monto Pesos"], scale=1000, comma_decimal=True)
    accepted = _decimal_sum(raw.loc[keep, "Monto Pesos"], scale=1000, comma_decimal=True)
    assert read > Decimal("4e14")
    _conserved(t.report, read, accepted)


def test_boost_amounts_are_conserved(shared_data: Path) -> None:
    """BOOST's amounts are written with 17 significant digits, past what a float holds: a
    1e15 amount is parsed to the nearest 1/8, so the whole file (1.5e16 in 98 currencies) is
    conserved to the float's precision of each amount, and the lines kept to the cent."""
    path = shared_data / "real/wb_boost_cross_country_judiciary/budget_execution.csv"
    t = peir.read_budget(
        path, SPECS / "wb_boost_cross_country_judiciary/budget_execution_central_america.yaml"
    )
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    values = ["approved_value", "executed_value"]
    keep = raw["country_code"].isin(["SLV", "CRI", "GTM", "HND", "PAN"]) & raw["budget_line"].isin(
        ["Spending in judiciary", "Spending in wages in judiciary"]
    )
    read = sum((_decimal_sum(raw[c]) for c in values), Decimal(0))
    accepted = sum((_decimal_sum(raw.loc[keep, c]) for c in values), Decimal(0))
    r = t.report
    assert r.rows_accepted == 156 and r.amounts_exact is not None
    assert abs(r.amounts_exact["accepted"] - accepted) * 100 < Decimal("0.5")
    floats = pd.concat([pd.to_numeric(raw[c], errors="coerce") for c in values]).dropna().abs()
    bound = Decimal(float(np.spacing(floats).sum())) / 2  # half an ulp of every amount, added up
    assert abs(r.amounts_exact["read"] - read) <= bound
    assert abs(
        r.amounts_exact["read"] - r.amounts_exact["accepted"] - r.amounts_exact["rejected"]
    ) < Decimal("1e-4")


# ------------------------------------------------------------------------------------------
# Argentina: MECON Gasto Público Consolidado por finalidad y función (.xls, unit break)
# ------------------------------------------------------------------------------------------

AR = Path("real/ar_mecon_gasto_publico_consolidado_funcion/raw")
AR_SPEC = SPECS / "ar_mecon_gasto_publico_consolidado_funcion" / "budget.yaml"
AR_LEVELS = ["consolidado", "nacional", "provincial", "municipal"]


def _ar_unit(year: int) -> int:
    """Title row 2 of each file: '1980-1986: miles de pesos; 1987-2017: millones de pesos'."""
    return 1000 if year <= 1986 else 10**6


def _ar_read(path: Path, level: str, **update: Any) -> peir.BudgetTable:
    spec = peir.ReadSpec.from_yaml(AR_SPEC)
    update = {"constants": {**spec.constants, "institution_code": level.upper()}, **update}
    return peir.read_budget(path, spec.model_copy(update=update))


def test_argentina_inspect_reads_the_xls_as_a_workbook(shared_data: Path) -> None:
    """An .xls is a workbook to peir inspect (it was decoded as latin-1 text: binary headers)."""
    pytest.importorskip("xlrd")
    draft = peir.inspect(shared_data / AR / "gasto_publico_consolidado_1980-2017.xls")
    assert draft.spec.sheet == "$ corrientes"  # the amounts, not the shares of GDP
    assert draft.spec.delimiter is None and draft.spec.encoding == "auto"
    assert "\x00" not in draft.to_yaml()
    # the header is row 4: a label and the years 1980-2017 as number cells (a wide table)
    assert draft.spec.header_row == 3
    assert draft.spec.melt == {"year": {str(y): str(y) for y in range(1980, 2018)}}
    assert "1980-1986: miles de pesos; 1987-2017: millones de pesos" in draft.to_yaml()


@pytest.mark.parametrize("level", AR_LEVELS)
def test_argentina_functions_by_year_and_amounts_conserved(shared_data: Path, level: str) -> None:
    """One spec reads the whole series, each year column with its own unit (thousands of pesos
    up to 1986, millions from 1987); Justicia and Defensa y seguridad are kept, every other row
    of the hierarchy set aside; the amounts equal an independent xlrd read, in decimal."""
    xlrd = pytest.importorskip("xlrd")
    path = shared_data / AR / f"gasto_publico_{level}_1980-2017.xls"
    sheet = xlrd.open_workbook(path).sheet_by_name("$ corrientes")
    assert "1980-1986: miles de pesos; 1987-2017: millones de pesos" in sheet.row_values(1)
    header = sheet.row_values(3)
    codes = [str(c).strip() for c in sheet.col_values(0)]
    t = _ar_read(path, level)
    r = t.report
    assert r.ok and not (r.issues["severity"] != "info").any(), r
    assert set(t.frame["func"]) == {"1.1.2", "1.1.3"}
    assert set(t.frame["year"]) == set(range(1980, 2018))
    assert r.meta["unit_multipliers"] == {str(y): float(_ar_unit(y)) for y in range(1980, 2018)}
    got = t.frame.set_index(["func", "year"])["amount"]
    read = accepted = Decimal(0)
    for j, h in enumerate(header):
        if not isinstance(h, float):
            continue
        year, mult = int(h), _ar_unit(int(h))
        for i in range(4, sheet.nrows):
            v = sheet.cell_value(i, j)
            if isinstance(v, float):
                read += Decimal(repr(v)) * mult
                if codes[i] in ("1.1.2", "1.1.3"):
                    accepted += Decimal(repr(v)) * mult
                    assert got[(codes[i], year)] == pytest.approx(v * mult, rel=1e-15)
    assert accepted > 0 or level == "municipal"  # the municipalities spend nothing on either
    _conserved(r, read, accepted)


@pytest.mark.parametrize("level", AR_LEVELS)
def test_argentina_totals_equal_the_files_own_totals(shared_data: Path, level: str) -> None:
    """Read with every coded row kept (the hierarchy, not only the sector), the file's own
    totals hold in pesos, year by year, across the unit break: 1.0 GASTO PÚBLICO TOTAL is the
    sum of the four finalidades, and each finalidad and function the sum of the functions and
    sub-functions below it (1.4 Servicios de la deuda aside: its one line, 1.4.1 Holdouts, is a
    'de los cuales'); and the series runs on from 1986 (thousands) to 1987 (millions) without
    a jump of a thousand."""
    pytest.importorskip("xlrd")
    path = shared_data / AR / f"gasto_publico_{level}_1980-2017.xls"
    t = _ar_read(path, level, exclude={"func": "^$"})  # uncoded rows: the subtotal without debt
    assert t.report.ok and len(t.frame) > 38 * 30
    amount = t.frame.groupby(["func", "year"])["amount"].sum()
    codes = set(t.frame["func"])
    checked = 0
    for code in sorted(codes):
        kids = (
            ["1.1", "1.2", "1.3", "1.4"]
            if code == "1.0"
            else [
                k for k in codes if k.startswith(code + ".") and k.count(".") == code.count(".") + 1
            ]
        )
        if not kids or code == "1.4":
            continue
        for year in range(1980, 2018):
            whole = amount.get((code, year), 0.0)
            parts = sum(amount.get((k, year), 0.0) for k in kids)
            assert parts == pytest.approx(whole, rel=1e-12, abs=1e-3), (code, year)
            checked += 1
    assert checked == 38 * 9  # 1.0, 1.1, 1.2, 1.3, 1.2.1, 1.2.2, 1.2.5, 1.2.7, 1.3.4, every year
    total = amount.xs("1.0", level="func")
    assert 1.2 < total[1987] / total[1986] < 5  # 1987: inflation ~130 %, not x 1000 or / 1000


# ------------------------------------------------------------------------------------------
# the streamed reader on real files (all under 4 MiB, so normally read at once)
# ------------------------------------------------------------------------------------------

STREAMED = {
    "mexico_2019": (MX / "2019.csv", "mx_shcp_cuenta_publica_programatica/budget.yaml"),
    "mexico_2014": (MX / "2014.csv", "mx_shcp_cuenta_publica_programatica/budget_2013_2014.yaml"),
    "chile_2017": (CL, "cl_dipres_ley_presupuestos_2017/budget.yaml"),
    "boost": (
        Path("real/wb_boost_cross_country_judiciary/budget_execution.csv"),
        "wb_boost_cross_country_judiciary/budget_execution_central_america.yaml",
    ),
}


@pytest.mark.parametrize("name", sorted(STREAMED))
def test_real_files_read_the_same_in_blocks(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """Each file read at once and in blocks of 2,000 lines (Arrow blocks converted with only
    the columns the spec and its exclude rules read, rejected rows read again from the file):
    the frames, totals, issues, meta and rejected rows with all their text are identical."""
    from peir.pipeline import sources

    path, spec = STREAMED[name]
    small = peir.read_budget(shared_data / path, SPECS / spec)
    monkeypatch.setattr(sources, "ARROW_MIN_BYTES", 0)
    monkeypatch.setattr(sources, "CHUNK_ROWS", 2_000)
    big = peir.read_budget(shared_data / path, SPECS / spec)
    blocks = big.report.meta["blocks"]
    assert blocks["narrow_blocks"] == blocks["arrow_blocks"] > 1  # each block read narrow
    compare_readers(small, big)
    assert len(big.rejected) > 0
