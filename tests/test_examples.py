"""The embedded examples: El Salvador from the Ministerio de Hacienda's files, Central America
from the World Bank BOOST data, with cited caseload and context.

The tests here need nothing outside the package: they check the shipped files against totals
recorded literally below from the raw files (each with the file and line it comes from). The
rebuild from ../shared and its comparison with the raw files to the cent are in
tests/test_examples_rebuild.py (marked ``shared``).
"""

from __future__ import annotations

import fnmatch
import math
from pathlib import Path

import pandas as pd
import pytest

import peir
from peir.chain import MEASURES
from peir.schema import C

ROOT = Path(__file__).resolve().parents[1]

#: Specs of El Salvador's ministry files that the build does not read (the build reads the
#: others and stops on any loss of amounts or any rejected row of the sector); each is read
#: on its own in test_examples_rebuild.py.
UNUSED_BY_BUILD = (
    "2019_proposed",
    "2020_proposed",
    "ejecucion_202004-06",
    "ppto2021_comparative_2020_2021",
)


def test_every_el_salvador_spec_is_shipped() -> None:
    names = {p.stem for p in (ROOT / "specs" / "sv_mh_presupuesto_funde").glob("*.yaml")}
    assert set(UNUSED_BY_BUILD) < names
    assert len(names) == 11


SECTOR = ("1500", "1600", "1700", "1800", "2400")
YEARS = range(2008, 2021)

#: Totals by (institution, year, phase), US$, from ../shared/data/real/sv_mh_presupuesto_funde
#: (FUNDE / Ministerio de Hacienda), summed independently of peir. Approved 2008-2017, modified
#: and executed: the ramo file; approved 2018-2020: the budget-law workbooks; proposed 2017:
#: the 2017 proposal workbook.
TOTALS: dict[tuple[str, int, str], float] = {
    ("1500", 2008, "approved"): 4400060.0,  # modificaciones_ramo_2007_2021.csv line 34 (approved)
    ("1500", 2008, "executed"): 4432031.15,  # modificaciones_ramo_2007_2021.csv line 34 (accrued)
    ("1500", 2008, "modified"): 4432057.0,  # modificaciones_ramo_2007_2021.csv line 34 (modified)
    ("1600", 2008, "approved"): 182220000.0,  # modificaciones_ramo_2007_2021.csv line 28 (approved)
    ("1600", 2008, "executed"): 178454220.24,  # modificaciones_ramo_2007_2021.csv line 28 (accrued)
    ("1600", 2008, "modified"): 181525587.0,  # modificaciones_ramo_2007_2021.csv line 28 (modified)
    ("1700", 2008, "approved"): 28891355.0,  # modificaciones_ramo_2007_2021.csv line 43 (approved)
    ("1700", 2008, "executed"): 37727094.84,  # modificaciones_ramo_2007_2021.csv line 43 (accrued)
    ("1700", 2008, "modified"): 38471369.32,  # modificaciones_ramo_2007_2021.csv line 43 (modified)
    ("1800", 2008, "approved"): 17854805.0,  # modificaciones_ramo_2007_2021.csv line 35 (approved)
    ("1800", 2008, "executed"): 17918388.51,  # modificaciones_ramo_2007_2021.csv line 35 (accrued)
    ("1800", 2008, "modified"): 18075870.0,  # modificaciones_ramo_2007_2021.csv line 35 (modified)
    ("2400", 2008, "approved"): 307220530.0,  # modificaciones_ramo_2007_2021.csv line 47 (approved)
    ("2400", 2008, "executed"): 313915477.42,  # modificaciones_ramo_2007_2021.csv line 47 (accrued)
    (
        "2400",
        2008,
        "modified",
    ): 337982319.19,  # modificaciones_ramo_2007_2021.csv line 47 (modified)
    ("1500", 2011, "approved"): 5509965.0,  # modificaciones_ramo_2007_2021.csv line 110 (approved)
    ("1500", 2011, "executed"): 5784306.85,  # modificaciones_ramo_2007_2021.csv line 110 (accrued)
    ("1500", 2011, "modified"): 5896490.0,  # modificaciones_ramo_2007_2021.csv line 110 (modified)
    ("1600", 2011, "approved"): 208113740.0,  # modificaciones_ramo_2007_2021.csv line 99 (approved)
    ("1600", 2011, "executed"): 195196718.6,  # modificaciones_ramo_2007_2021.csv line 99 (accrued)
    ("1600", 2011, "modified"): 205775792.0,  # modificaciones_ramo_2007_2021.csv line 99 (modified)
    ("1700", 2011, "approved"): 33875455.0,  # modificaciones_ramo_2007_2021.csv line 112 (approved)
    ("1700", 2011, "executed"): 37785269.02,  # modificaciones_ramo_2007_2021.csv line 112 (accrued)
    ("1700", 2011, "modified"): 37788990.0,  # modificaciones_ramo_2007_2021.csv line 112 (modified)
    ("1800", 2011, "approved"): 19169485.0,  # modificaciones_ramo_2007_2021.csv line 108 (approved)
    ("1800", 2011, "executed"): 19494970.62,  # modificaciones_ramo_2007_2021.csv line 108 (accrued)
    ("1800", 2011, "modified"): 19495135.0,  # modificaciones_ramo_2007_2021.csv line 108 (modified)
    (
        "2400",
        2011,
        "approved",
    ): 315754540.0,  # modificaciones_ramo_2007_2021.csv line 118 (approved)
    (
        "2400",
        2011,
        "executed",
    ): 335647012.91,  # modificaciones_ramo_2007_2021.csv line 118 (accrued)
    (
        "2400",
        2011,
        "modified",
    ): 336831303.0,  # modificaciones_ramo_2007_2021.csv line 118 (modified)
    ("1500", 2017, "approved"): 5989855.0,  # modificaciones_ramo_2007_2021.csv line 248 (approved)
    ("1500", 2017, "executed"): 5754625.03,  # modificaciones_ramo_2007_2021.csv line 248 (accrued)
    ("1500", 2017, "modified"): 5757733.0,  # modificaciones_ramo_2007_2021.csv line 248 (modified)
    (
        "1500",
        2017,
        "proposed",
    ): 5989855.0,  # raw/2017_proposed.xlsx sheet Base Gastos 2017 (monto_recome, sum of 182 rows)
    (
        "1600",
        2017,
        "approved",
    ): 265123186.0,  # modificaciones_ramo_2007_2021.csv line 244 (approved)
    ("1600", 2017, "executed"): 246835809.6,  # modificaciones_ramo_2007_2021.csv line 244 (accrued)
    (
        "1600",
        2017,
        "modified",
    ): 263174118.0,  # modificaciones_ramo_2007_2021.csv line 244 (modified)
    (
        "1600",
        2017,
        "proposed",
    ): 267659085.0,  # raw/2017_proposed.xlsx sheet Base Gastos 2017 (monto_recome, sum of 479 rows)
    ("1700", 2017, "approved"): 69386360.0,  # modificaciones_ramo_2007_2021.csv line 259 (approved)
    ("1700", 2017, "executed"): 63780513.89,  # modificaciones_ramo_2007_2021.csv line 259 (accrued)
    ("1700", 2017, "modified"): 85787497.0,  # modificaciones_ramo_2007_2021.csv line 259 (modified)
    (
        "1700",
        2017,
        "proposed",
    ): 68786360.0,  # raw/2017_proposed.xlsx sheet Base Gastos 2017 (monto_recome, sum of 152 rows)
    ("1800", 2017, "approved"): 25751842.0,  # modificaciones_ramo_2007_2021.csv line 256 (approved)
    ("1800", 2017, "executed"): 26133812.23,  # modificaciones_ramo_2007_2021.csv line 256 (accrued)
    ("1800", 2017, "modified"): 26184260.0,  # modificaciones_ramo_2007_2021.csv line 256 (modified)
    (
        "1800",
        2017,
        "proposed",
    ): 24751842.0,  # raw/2017_proposed.xlsx sheet Base Gastos 2017 (monto_recome, sum of 331 rows)
    (
        "2400",
        2017,
        "approved",
    ): 433917871.0,  # modificaciones_ramo_2007_2021.csv line 263 (approved)
    (
        "2400",
        2017,
        "executed",
    ): 461780700.89,  # modificaciones_ramo_2007_2021.csv line 263 (accrued)
    (
        "2400",
        2017,
        "modified",
    ): 493773875.0,  # modificaciones_ramo_2007_2021.csv line 263 (modified)
    (
        "2400",
        2017,
        "proposed",
    ): 433917871.0,  # raw/2017_proposed.xlsx sheet Base Gastos 2017 (monto_recome, sum of 589 rows)
    (
        "1500",
        2018,
        "approved",
    ): 6504275.0,  # raw/2018_approved.xlsx sheet EGRESOS (MONTO VOTADO, sum of 15 rows)
    ("1500", 2018, "executed"): 6254280.75,  # modificaciones_ramo_2007_2021.csv line 274 (accrued)
    ("1500", 2018, "modified"): 6504275.0,  # modificaciones_ramo_2007_2021.csv line 274 (modified)
    (
        "1600",
        2018,
        "approved",
    ): 267655650.0,  # raw/2018_approved.xlsx sheet EGRESOS (MONTO VOTADO, sum of 41 rows)
    (
        "1600",
        2018,
        "executed",
    ): 253731626.81,  # modificaciones_ramo_2007_2021.csv line 268 (accrued)
    (
        "1600",
        2018,
        "modified",
    ): 266686829.0,  # modificaciones_ramo_2007_2021.csv line 268 (modified)
    (
        "1700",
        2018,
        "approved",
    ): 76192510.0,  # raw/2018_approved.xlsx sheet EGRESOS (MONTO VOTADO, sum of 21 rows)
    ("1700", 2018, "executed"): 60282611.41,  # modificaciones_ramo_2007_2021.csv line 282 (accrued)
    ("1700", 2018, "modified"): 82339980.0,  # modificaciones_ramo_2007_2021.csv line 282 (modified)
    (
        "1800",
        2018,
        "approved",
    ): 26953637.0,  # raw/2018_approved.xlsx sheet EGRESOS (MONTO VOTADO, sum of 46 rows)
    ("1800", 2018, "executed"): 29036602.05,  # modificaciones_ramo_2007_2021.csv line 279 (accrued)
    ("1800", 2018, "modified"): 29045517.0,  # modificaciones_ramo_2007_2021.csv line 279 (modified)
    (
        "2400",
        2018,
        "approved",
    ): 416636925.0,  # raw/2018_approved.xlsx sheet EGRESOS (MONTO VOTADO, sum of 97 rows)
    (
        "2400",
        2018,
        "executed",
    ): 483715871.67,  # modificaciones_ramo_2007_2021.csv line 290 (accrued)
    (
        "2400",
        2018,
        "modified",
    ): 500942272.0,  # modificaciones_ramo_2007_2021.csv line 290 (modified)
    (
        "1500",
        2020,
        "approved",
    ): 6505525.0,  # raw/2020_approved.xlsx sheet 2020 (MONTO VOTADO, sum of 167 rows)
    ("1500", 2020, "executed"): 5930580.92,  # modificaciones_ramo_2007_2021.csv line 323 (accrued)
    ("1500", 2020, "modified"): 6998992.11,  # modificaciones_ramo_2007_2021.csv line 323 (modified)
    (
        "1600",
        2020,
        "approved",
    ): 302250265.0,  # raw/2020_approved.xlsx sheet 2020 (MONTO VOTADO, sum of 475 rows)
    (
        "1600",
        2020,
        "executed",
    ): 261195759.74,  # modificaciones_ramo_2007_2021.csv line 336 (accrued)
    (
        "1600",
        2020,
        "modified",
    ): 310761189.93,  # modificaciones_ramo_2007_2021.csv line 336 (modified)
    (
        "1700",
        2020,
        "approved",
    ): 91520454.0,  # raw/2020_approved.xlsx sheet 2020 (MONTO VOTADO, sum of 211 rows)
    ("1700", 2020, "executed"): 66416511.98,  # modificaciones_ramo_2007_2021.csv line 326 (accrued)
    (
        "1700",
        2020,
        "modified",
    ): 92206381.65,  # modificaciones_ramo_2007_2021.csv line 326 (modified)
    (
        "1800",
        2020,
        "approved",
    ): 34270632.0,  # raw/2020_approved.xlsx sheet 2020 (MONTO VOTADO, sum of 408 rows)
    ("1800", 2020, "executed"): 31795059.5,  # modificaciones_ramo_2007_2021.csv line 328 (accrued)
    (
        "1800",
        2020,
        "modified",
    ): 35277550.92,  # modificaciones_ramo_2007_2021.csv line 328 (modified)
    (
        "2400",
        2020,
        "approved",
    ): 554675920.0,  # raw/2020_approved.xlsx sheet 2020 (MONTO VOTADO, sum of 497 rows)
    (
        "2400",
        2020,
        "executed",
    ): 534687439.93,  # modificaciones_ramo_2007_2021.csv line 339 (accrued)
    (
        "2400",
        2020,
        "modified",
    ): 611373597.87,  # modificaciones_ramo_2007_2021.csv line 339 (modified)
}

#: Sector executed (devengado) per year: the five ramos' 'accrued' in
#: modificaciones_ramo_2007_2021.csv (math.fsum of the file's values, rounded to the cent).
SECTOR_EXECUTED: dict[int, float] = {
    2008: 552447212.16,
    2009: 524802603.1,
    2010: 568419474.31,
    2011: 593908278.0,
    2012: 605554902.92,
    2013: 648253122.82,
    2014: 650551305.39,
    2015: 758332680.13,
    2016: 760234154.91,
    2017: 804285461.64,
    2018: 833020992.69,
    2019: 840117279.9,
    2020: 900025352.07,
}


@pytest.fixture(scope="module")
def slv() -> peir.Dataset:
    return peir.load_example("el_salvador")


@pytest.fixture(scope="module")
def ca() -> peir.Dataset:
    return peir.load_example("central_america")


@pytest.fixture(scope="module")
def h_slv(slv: peir.Dataset) -> peir.HarmonizedDataset:
    return slv.harmonize()


def _budget(ds: peir.Dataset) -> pd.DataFrame:
    assert ds.budget is not None
    return ds.budget.frame


def _caseload(ds: peir.Dataset) -> pd.DataFrame:
    assert ds.caseload is not None
    return ds.caseload.frame


def _context(ds: peir.Dataset) -> pd.DataFrame:
    assert ds.context is not None
    return ds.context.frame


def _chain(ds: peir.Dataset) -> pd.DataFrame:
    assert ds.chain_map is not None
    return ds.chain_map.frame


def _value(cl: pd.DataFrame, year: int, measure: str, source: str) -> float:
    rows = cl[(cl[C.YEAR] == year) & (cl[C.MEASURE] == measure) & (cl[C.SOURCE] == source)]
    assert len(rows) == 1, (year, measure, source, rows)
    return float(rows[C.VALUE].iloc[0])


def _totals(frame: pd.DataFrame) -> pd.Series:
    return frame.groupby([C.INSTITUTION_CODE, C.YEAR, C.PHASE])[C.AMOUNT].apply(math.fsum)


# ------------------------------------------------------------------ both examples
def test_list_examples_includes_both() -> None:
    names = peir.list_examples()
    assert {"el_salvador", "central_america"} <= set(names)
    assert names == sorted(names)


def test_unknown_example_lists_available_names() -> None:
    with pytest.raises(peir.PeirError, match="el_salvador") as info:
        peir.load_example("atlantis")
    assert "central_america" in str(info.value) and "atlantis" in str(info.value)


@pytest.mark.parametrize("name", ["el_salvador", "central_america"])
def test_example_validates_without_issues(name: str) -> None:
    ds = peir.load_example(name)
    report = ds.validate()
    assert report.ok, report
    assert len(report.issues) == 0, report
    for table in ds.tables.values():
        assert len(table.rejected) == 0
        assert table.report.rows_read == table.report.rows_accepted


def test_example_files_ship_in_package() -> None:
    from importlib import resources

    root = resources.files("peir").joinpath("data", "examples")
    for name in ("el_salvador", "central_america"):
        for f in (
            "budget.csv",
            "caseload.csv",
            "context.csv",
            "chain_map.csv",
            "SOURCES.md",
            "example.yaml",
        ):
            assert root.joinpath(name, f).is_file(), (name, f)


def test_every_row_cites_its_source(slv: peir.Dataset, ca: peir.Dataset) -> None:
    for ds in (slv, ca):
        cl = _caseload(ds)
        for col in (C.SOURCE, C.SOURCE_REF, C.COUNTING_RULE):
            assert cl[col].notna().all() and (cl[col].str.len() > 2).all(), col
        for frame in (_budget(ds), _context(ds), _chain(ds)):
            assert frame[C.SOURCE_REF].notna().all()
            assert (frame[C.SOURCE_REF].str.len() > 10).all()
        assert set(cl[C.MEASURE]) <= set(MEASURES)


# ------------------------------------------------------------------ El Salvador budget
def test_totals_equal_the_files(slv: peir.Dataset) -> None:
    got = _totals(_budget(slv))
    for key, expected in TOTALS.items():
        assert got[key] == pytest.approx(expected, abs=0.005), key


def test_sector_executed_by_year(slv: peir.Dataset) -> None:
    b = _budget(slv)
    e = b[b[C.PHASE] == "executed"].groupby(C.YEAR)[C.AMOUNT].apply(math.fsum)
    assert sorted(e.index) == list(YEARS)
    for year, expected in SECTOR_EXECUTED.items():
        # sum of five totals each rounded to the cent: within 2.5 cents of the raw sum
        assert e[year] == pytest.approx(expected, abs=0.03), year
    # the 2012 PEIR's year: US$593.9 M, against the review's US$612 M (coverage, see SOURCES.md)
    assert round(e[2011] / 1e6, 1) == 593.9


def test_one_coverage_every_year(slv: peir.Dataset) -> None:
    """Every year 2008-2020 holds the same five ramos in approved, modified and executed, so
    totals and growth compare across the whole window."""
    b = _budget(slv)
    for phase in ("approved", "modified", "executed"):
        per_year = b[b[C.PHASE] == phase].groupby(C.YEAR)[C.INSTITUTION_CODE].agg(frozenset)
        assert sorted(per_year.index) == list(YEARS), phase
        assert set(per_year) == {frozenset(SECTOR)}, phase
    assert set(b[C.PHASE]) == {"proposed", "approved", "modified", "executed"}
    assert sorted(set(b.loc[b[C.PHASE] == "proposed", C.YEAR])) == [2017]
    cov = slv.meta["coverage"]
    assert len(cov) == 1 and (cov[0]["from"], cov[0]["to"]) == (2008, 2020)
    assert cov[0]["institutions"] == list(SECTOR)
    assert cov[0]["links_from"] == 2017 and "assumed" in cov[0]["executed_by_link"]


def test_detail_by_line_rubro_and_source(slv: peir.Dataset) -> None:
    b = _budget(slv)
    detailed = b[b[C.PROGRAM].notna()]
    assert set(zip(detailed[C.YEAR], detailed[C.PHASE])) == {
        (2017, "proposed"),
        (2018, "approved"),
        (2019, "approved"),
        (2020, "approved"),
    }
    # programme = unit (2) + line of work (2); econ = national rubro (scheme SLV)
    assert detailed[C.PROGRAM].str.fullmatch(r"\d{4}").all()
    assert set(detailed[C.ECON]) <= {"51", "53", "54", "55", "56", "61", "62", "63", "71"}
    assert detailed[C.FUNDING_SOURCE].notna().all()
    # the ministry's codes: 1 Fondo General, 3 Préstamos Externos, 5 Donaciones (2 and 4 are
    # not used by these five ramos)
    assert set(detailed[C.FUNDING_SOURCE]) == {"1", "3", "5"}
    from peir.econ import funding_class

    assert set(funding_class(detailed[C.FUNDING_SOURCE], country="SLV")) == {
        "domestic",
        "external_loan",
        "external_grant",
    }
    assert slv.meta["econ_scheme"] == "SLV"
    # institution totals carry no programme, rubro or source
    assert b.loc[b[C.PROGRAM].isna(), [C.ECON, C.FUNDING_SOURCE]].isna().all().all()
    # the 2018 law: MJSP's police unit (05) and the Órgano Judicial's Medicina Legal (05)
    a18 = detailed[(detailed[C.YEAR] == 2018) & (detailed[C.PHASE] == "approved")]
    mjsp = a18[a18[C.INSTITUTION_CODE] == "2400"]
    assert (
        math.fsum(mjsp.loc[mjsp[C.PROGRAM].str.startswith("05"), C.AMOUNT])
        == 31_396_335 + 266_478_225
    )
    oj = a18[a18[C.INSTITUTION_CODE] == "1600"]
    assert math.fsum(oj.loc[oj[C.PROGRAM].str.startswith("05"), C.AMOUNT]) == 4_874_685 + 12_898_285
    # rubro 51 Remuneraciones of the 2018 law: CNJ 4,049,875 + OJ 199,492,610 + FGR 39,048,290
    # + PGR 24,833,785 + MJSP 297,074,240
    assert math.fsum(a18.loc[a18[C.ECON] == "51", C.AMOUNT]) == 564_498_800


def test_line_sources_name_file_and_rows(slv: peir.Dataset) -> None:
    b = _budget(slv)
    assert b[C.SOURCE_REF].str.contains("sv_mh_presupuesto_funde/").all()
    ramo = b[b[C.PROGRAM].isna()]
    assert (
        ramo[C.SOURCE_REF]
        .str.contains(r"modificaciones_ramo_2007_2021\.csv line \d+, column")
        .all()
    )
    law = b[b[C.PROGRAM].notna()]
    assert law[C.SOURCE_REF].str.contains(r"\.xlsx sheet '[^']+' rows \d").all()
    row = b[(b[C.INSTITUTION_CODE] == "2400") & (b[C.YEAR] == 2011) & (b[C.PHASE] == "executed")]
    assert "line 118, column 'accrued'" in row[C.SOURCE_REF].iloc[0]


def test_transfers_to_the_decentralised_bodies(
    slv: peir.Dataset, h_slv: peir.HarmonizedDataset
) -> None:
    """ANSP, UTE and CONAB are financed by MJSP: counted once, at MJSP's transfer lines."""
    b = _budget(slv)
    tr = b[b[C.TRANSFER_TO].notna()]
    assert set(tr[C.INSTITUTION_CODE]) == {"2400"}
    assert set(tr[C.TRANSFER_TO]) == {"2401", "2402", "2403"}
    assert set(tr[C.ECON]) <= {"56", "62"}
    # the 2018 law's transfer to ANSP equals ANSP's Fondo General budget (10,740,521)
    ansp18 = tr[(tr[C.YEAR] == 2018) & (tr[C.TRANSFER_TO] == "2401")]
    assert math.fsum(ansp18[C.AMOUNT]) == 10_740_521
    assert not set(b[C.INSTITUTION_CODE]) & {"2401", "2402", "2403"}
    rep = h_slv.transfers
    assert len(rep) == len(tr) and rep["status"].str.startswith("kept").all()


# ------------------------------------------------------------------ El Salvador chain map
def test_chain_map_shares_and_basis(slv: peir.Dataset) -> None:
    cm = _chain(slv)
    assert cm[C.BASIS].str.len().min() > 20
    keys = [C.INSTITUTION_CODE, C.PROGRAM, C.YEAR_FROM, C.YEAR_TO]
    sums = cm.fillna({C.PROGRAM: "", C.YEAR_FROM: 0, C.YEAR_TO: 0}).groupby(keys)[C.SHARE].sum()
    assert sums.to_numpy() == pytest.approx(1.0, abs=1e-9)
    assert set(_budget(slv)[C.INSTITUTION_CODE]) <= set(cm[C.INSTITUTION_CODE])
    pnc = cm[
        (cm[C.INSTITUTION_CODE] == "2400")
        & cm[C.PROGRAM].isin(["05??", "06??"])
        & (cm[C.LINK] == "patrol")
    ]
    assert len(pnc) == 2 and pnc[C.BASIS].str.contains("upper bound").all()
    assert pnc[C.BASIS].str.contains("investigation").all()


def test_link_split(h_slv: peir.HarmonizedDataset) -> None:
    s = h_slv.spending
    e = s[s[C.PHASE] == "executed"]
    by = e.groupby([C.YEAR, C.LINK])[C.AMOUNT].apply(math.fsum).unstack()
    # before 2017 MJSP has no unit split: it stays unallocated, and no patrol line exists
    assert by.loc[2011, "unallocated"] == pytest.approx(
        TOTALS[("2400", 2011, "executed")], abs=0.01
    )
    assert by.loc[2011, "investigation"] == pytest.approx(
        TOTALS[("1700", 2011, "executed")], abs=0.01
    )
    assert pd.isna(by.loc[2011, "patrol"]) and pd.isna(by.loc[2016, "corrections"])
    # 2017-2020: every link present, little unallocated
    for year in (2017, 2018, 2019, 2020):
        row = by.loc[year]
        assert (
            row[["prevention", "patrol", "investigation", "judicial", "corrections"]].notna().all()
        )
        assert row["unallocated"] / row.sum() < 0.06
    share18 = by.loc[2018] / by.loc[2018].sum()
    assert share18["patrol"] == pytest.approx(0.4379, abs=5e-4)
    assert share18["judicial"] == pytest.approx(0.3267, abs=5e-4)
    assert share18["corrections"] == pytest.approx(0.1098, abs=5e-4)
    assert share18["investigation"] == pytest.approx(0.0926, abs=5e-4)
    # totals by year are kept whole through the placement
    assert by.sum(axis=1).to_numpy() == pytest.approx([SECTOR_EXECUTED[y] for y in YEARS], abs=0.05)


def test_executed_split_uses_the_same_year_law(h_slv: peir.HarmonizedDataset) -> None:
    """The institution totals of 2018 are split with the unit shares of the 2018 law."""
    s = h_slv.spending
    for code in ("2400", "1600"):
        part = s[(s[C.YEAR] == 2018) & (s[C.INSTITUTION_CODE] == code)]
        shares = {}
        for phase in ("approved", "executed"):
            p = part[part[C.PHASE] == phase].groupby(C.LINK)[C.AMOUNT].apply(math.fsum)
            shares[phase] = p / p.sum()
        assert shares["executed"].to_dict() == pytest.approx(
            shares["approved"].to_dict(), abs=1e-12
        )
        basis = part.loc[part[C.PHASE] == "executed", C.BASIS]
        assert basis.str.contains("unit shares of the 2018 budget law").all()
    med = s[
        (s[C.INSTITUTION_CODE] == "1600")
        & (s[C.YEAR] == 2018)
        & (s[C.PHASE] == "approved")
        & (s[C.LINK] == "investigation")
    ]
    assert math.fsum(med[C.AMOUNT]) == 4_874_685 + 12_898_285  # unit 05 Medicina Legal


def test_chain_map_patterns_cover_example_lines(slv: peir.Dataset) -> None:
    cm = _chain(slv)
    b = _budget(slv)
    for r in b.drop_duplicates([C.INSTITUTION_CODE, C.YEAR, C.PROGRAM]).itertuples(index=False):
        rules = cm[
            (cm[C.INSTITUTION_CODE] == r.institution_code)
            & (cm[C.YEAR_FROM].isna() | (cm[C.YEAR_FROM] <= r.year))
            & (cm[C.YEAR_TO].isna() | (cm[C.YEAR_TO] >= r.year))
        ]
        prog = r.program if isinstance(r.program, str) else ""
        assert any(fnmatch.fnmatch(prog, p) for p in rules[C.PROGRAM].fillna("*")), r


# ------------------------------------------------------------------ El Salvador: published
def test_published_figures_with_reconciliation(slv: peir.Dataset) -> None:
    pub = {(f["year"], f["indicator"]): f for f in slv.meta["published_figures"]}
    total = pub[(2011, "sj_spending_total")]
    assert total["value"] == 612 and total["unit"] == "USD million"
    assert total["peir_value"] == pytest.approx(593.9083, abs=1e-4)
    assert "coverage" in total["reason"]
    assert pub[(2011, "link2_vigilance_patrol")]["value"] == 268
    assert pub[(2011, "link1_prevention_share")]["value"] == 3.0
    assert pub[(2011, "link5_sentence_execution_share")]["value"] == 6.9
    gdp = pub[(2011, "sj_spending_pct_gdp")]
    assert gdp["value"] == 2.8 and gdp["peir_value"] == pytest.approx(2.928, abs=1e-3)
    assert "vintage" in gdp["reason"]
    # the press's FGR budgets equal the ramo file's approved
    assert pub[(2013, "fgr_budget")]["peir_value"] == 39_200_375
    assert pub[(2014, "fgr_budget")]["peir_value"] == 44_575_015
    for f in slv.meta["published_figures"]:
        assert f["reason"] and f["source"]


def test_data_requests_name_what_and_whom(slv: peir.Dataset) -> None:
    reqs = slv.meta["data_requests"]
    assert len(reqs) >= 5
    for r in reqs:
        assert r["need"] and r["from"] and r["why"]
    assert any("PNC" in r["need"] for r in reqs)


def test_sources_md_names_every_total(slv: peir.Dataset) -> None:
    text = Path(slv.meta["sources"]).read_text("utf-8")
    got = _totals(_budget(slv))
    assert text.count("| budget.csv |") == len(got)
    for (code, year, phase), v in got.items():
        assert f"| budget.csv | {year} | {code} " in text and f"| {phase} | {v:,.2f} |" in text
    assert text.count("| caseload.csv |") == len(_caseload(slv))
    for must in (
        "Fundación Nacional para el Desarrollo",
        "UAIP/RES.0315.2/2019",
        "UAIP/RES.018.2/2020",
        "SP.POP.TOTL",
        "Coverage",
    ):
        assert must in text


# ------------------------------------------------------------------ El Salvador caseload
def test_homicides_2008_to_2024_with_both_sources(slv: peir.Dataset) -> None:
    cl = _caseload(slv)
    hom = cl[cl[C.MEASURE] == "homicides"]
    assert sorted(set(hom[C.YEAR])) == list(range(2008, 2025))
    assert _value(cl, 2015, "homicides", "IML") == 6656
    assert _value(cl, 2015, "homicides", "PNC") == 6657
    assert _value(cl, 2010, "homicides", "IML") == 4005
    assert _value(cl, 2010, "homicides", "PNC") == 3985
    assert _value(cl, 2022, "homicides", "MJSP") == 495
    assert hom[C.COUNTING_RULE].notna().all()
    official_2022 = hom[(hom[C.YEAR] == 2022) & (hom[C.SOURCE] == "MJSP")]
    assert "confrontations" in official_2022[C.COUNTING_RULE].iloc[0]


def test_source_priority_in_meta(slv: peir.Dataset) -> None:
    prio = slv.meta["source_priority"]
    assert prio["homicides"][0] == "IML"
    assert set(_caseload(slv).query("measure == 'homicides'")[C.SOURCE]) <= set(prio["homicides"])
    assert slv.meta["country"] == "SLV"
    assert slv.meta["peers"] == ["GTM", "HND", "CRI", "PAN", "NIC"]
    assert slv.meta["synthetic"] is False
    assert slv.meta["sources"].endswith("SOURCES.md")
    assert slv.meta["base_year"] == 2020


def test_prisons_and_police(slv: peir.Dataset) -> None:
    cl = _caseload(slv)
    assert _value(cl, 2013, "prisoners_total", "DGCP") == 26512
    assert _value(cl, 2013, "prison_capacity", "DGCP") == 8000
    assert _value(cl, 2015, "prisoners_unsentenced", "DGCP") == 6820
    assert _value(cl, 2015, "prisoners_total", "DGCP") == 23068 + 6820
    assert _value(cl, 2023, "prisoners_total", "MJSP") == 105100
    assert _value(cl, 2015, "police_officers", "PNC") == 23129
    cap18 = cl[(cl[C.YEAR] == 2018) & (cl[C.MEASURE] == "prison_capacity")]
    assert "implied" in cap18[C.COUNTING_RULE].iloc[0]
    assert 39382 / cap18[C.VALUE].iloc[0] * 100 == pytest.approx(333.3, abs=0.05)


def test_context_el_salvador(slv: peir.Dataset) -> None:
    ctx = _context(slv).set_index(C.YEAR)
    assert (ctx[C.FX_LCU_PER_USD] == 1.0).all()
    assert set(ctx[C.CURRENCY]) == {"USD"}
    assert ctx.loc[2015, C.POPULATION] == 6_183_676
    assert ctx.loc[2011, C.GDP_LCU] == pytest.approx(20.28378e9)
    assert ctx.loc[2015, C.GDP_DEFLATOR] == pytest.approx(100.0)
    assert set(ctx[C.GOV_EXPENDITURE_SCOPE].dropna()) == {"general"}
    assert ctx.loc[2015, C.GOV_EXPENDITURE_LCU] / ctx.loc[2015, C.GDP_LCU] == pytest.approx(
        0.27108, abs=1e-6
    )
    years = set(_budget(slv)[C.YEAR]) | set(_caseload(slv)[C.YEAR])
    assert years <= set(ctx.index)


def test_el_salvador_harmonizes(h_slv: peir.HarmonizedDataset) -> None:
    s = h_slv.spending
    e11 = s[(s[C.YEAR] == 2011) & (s[C.PHASE] == "executed")]
    assert math.fsum(e11[C.AMOUNT]) == pytest.approx(SECTOR_EXECUTED[2011], abs=0.01)
    hc = h_slv.headline_caseload()
    hom = hc[hc[C.MEASURE] == "homicides"].set_index(C.YEAR)
    # IML first: 2013 IML 2,513 over the compilation's 2,499; 2014 IML 3,942 over PNC 3,912
    assert hom.loc[2013, C.VALUE] == 2513 and hom.loc[2014, C.VALUE] == 3942
    assert hom.loc[2015, C.VALUE] == 6656
    assert len(hom) == len(range(2008, 2025))
    disc = h_slv.discrepancies
    assert len(disc[(disc[C.MEASURE] == "homicides") & (disc[C.YEAR] == 2015)]) == 2


def test_pefa_pi1_on_the_last_three_years(h_slv: peir.HarmonizedDataset) -> None:
    from peir.indicators import pefa

    s = h_slv.spending
    app = s[s[C.PHASE] == "approved"].groupby(C.YEAR)[C.AMOUNT].sum()
    exe = s[s[C.PHASE] == "executed"].groupby(C.YEAR)[C.AMOUNT].sum()
    years = [2018, 2019, 2020]
    r = pefa.pi1(app.loc[years], exe.loc[years])
    assert r.outturn.round(1).tolist() == [104.9, 101.6, 91.0]
    assert r.score == "A"
    r09 = pefa.pi1(app.loc[[2009, 2010, 2011]], exe.loc[[2009, 2010, 2011]])
    assert r09.outturn.round(1).tolist() == [99.4, 105.0, 102.0]


# ------------------------------------------------------------------ Central America (BOOST)
def test_central_america_judiciary_from_boost(ca: peir.Dataset) -> None:
    b, ctx, cm = _budget(ca), _context(ca), _chain(ca)
    assert set(b[C.COUNTRY]) == {"SLV", "GTM", "HND", "CRI", "PAN"}
    assert set(ctx[C.COUNTRY]) == {"SLV", "GTM", "HND", "CRI", "PAN", "NIC"}
    assert set(b[C.INSTITUTION_CODE]) == {"JUDICIARY"}
    tot = b.groupby([C.COUNTRY, C.YEAR, C.PHASE])[C.AMOUNT].apply(math.fsum)
    # BOOST budget_execution.csv lines 5230 ('Spending in judiciary', SLV 2011) and 5244 (wages)
    assert tot[("SLV", 2011, "approved")] == 208_113_740
    assert tot[("SLV", 2011, "executed")] == pytest.approx(195_196_718.6, abs=0.005)
    wages = b[(b[C.COUNTRY] == "SLV") & (b[C.YEAR] == 2011) & (b[C.ECON] == "wages")]
    assert wages.set_index(C.PHASE)[C.AMOUNT]["approved"] == 155_798_480
    # the judiciary of BOOST equals the Órgano Judicial (1600) of the ramo file
    assert tot[("SLV", 2011, "approved")] == TOTALS[("1600", 2011, "approved")]
    assert sorted(set(b.loc[b[C.COUNTRY] == "GTM", C.YEAR])) == [2015]
    merged = b.merge(ctx, on=[C.COUNTRY, C.YEAR], suffixes=("", "_ctx"))
    assert (merged[C.CURRENCY] == merged[f"{C.CURRENCY}_ctx"]).all()
    assert list(cm[C.LINK]) == ["judicial"]
    published = {
        f["country"]: f["value"]
        for f in ca.meta["published_figures"]
        if f["indicator"] == "sj_spending_pct_gdp" and f["year"] == 2010
    }
    assert published == {"SLV": 2.4, "CRI": 2.3, "PAN": 2.3, "NIC": 2.3, "HND": 2.0, "GTM": 1.7}


def test_central_america_harmonizes(ca: peir.Dataset) -> None:
    h = ca.harmonize()
    assert set(h.spending[C.LINK]) == {"judicial"}
    agg = h.aggregate(by=(C.COUNTRY, C.YEAR, C.PHASE))
    slv = agg[(agg[C.COUNTRY] == "SLV") & (agg[C.YEAR] == 2011) & (agg[C.PHASE] == "executed")]
    assert slv["pct_gdp"].iloc[0] == pytest.approx(195_196_718.6 / 20.28378e9 * 100, rel=1e-4)


# ------------------------------------------------------------------ reader gaps found on real files
def test_spec_can_leave_out_a_header_with_a_canonical_name(tmp_path: Path) -> None:
    path = tmp_path / "boost_like.csv"
    path.write_text(
        "region,country_code,year,approved_value\nLAC,SLV,2011.0,208113740.0\n", "utf-8"
    )
    columns: dict[str, str | None] = {
        "country": "country_code",
        "amount": "approved_value",
        "region": None,
    }
    spec = {
        "columns": columns,
        "constants": {"institution_code": "JUDICIARY", "currency": "USD", "phase": "approved"},
    }
    t = peir.read_budget(path, spec)
    assert t.frame[C.REGION].isna().all()
