"""PEFA 2016 PI-1 / PI-2: the docs/methodology.md §5 worked example and the score boundaries."""

from __future__ import annotations

import pandas as pd
import pytest

from peir import HarmonizedDataset
from peir._results import Summary
from peir.errors import InputError
from peir.indicators import pefa

HEADS = ["PNC", "FGR", "OJ", "DGCP", "contingency"]
BUDGET = [300.0, 45.0, 250.0, 50.0, 5.0]
ACTUAL = [320.0, 40.0, 245.0, 70.0, 0.0]


def _frames(years: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    b = pd.DataFrame([BUDGET] * len(years), index=years, columns=HEADS)
    a = pd.DataFrame([ACTUAL] * len(years), index=years, columns=HEADS)
    return b, a


def test_worked_example_pi1() -> None:
    b, a = _frames([2021, 2022, 2023])
    r = pefa.pi1(b.sum(axis=1), a.sum(axis=1))
    assert r.outturn.round(1).tolist() == [103.8, 103.8, 103.8]
    assert r.outturn[2023] == pytest.approx(675 / 650 * 100)
    assert r.score == "A"
    assert "score A" in str(r.summary()) and "103.8 %" in str(r.summary())
    assert r.years == [2021, 2022, 2023]


def test_pefa_result_is_a_read_only_result() -> None:
    b, a = _frames([2021, 2022, 2023])
    r = pefa.pi1(b.sum(axis=1), a.sum(axis=1))
    s = r.summary()
    assert isinstance(s, Summary) and ("Score", "A") in s.header
    assert s.table["value (%)"].round(1).tolist() == [103.8, 103.8, 103.8]
    assert str(r) == s.as_text() and r.explanation in str(r)
    assert "<table" in r._repr_html_() and "PI-1" in r._repr_html_()
    assert r.to_frame()["used_for_score"].all()
    with pytest.raises(AttributeError):
        r.score = "B"  # type: ignore[misc]


def test_worked_example_pi2_composition_variance() -> None:
    b, a = _frames([2021, 2022, 2023])
    r = pefa.pi2(b, a, contingency="contingency")
    # adjusted = budget x 675/645; sum |actual - adjusted| = 47.44; / 675 = 7.03 %
    assert r.composition_variance[2023] == pytest.approx(47.44186046511628 / 675 * 100)
    assert round(float(r.composition_variance[2023]), 1) == 7.0
    assert r.score == "B"
    d = r.detail[r.detail.year == 2023].set_index("head")
    assert d.loc["PNC", "adjusted"] == pytest.approx(300 * 675 / 645)
    assert "contingency" not in d.index
    assert d["adjusted"].sum() == pytest.approx(675.0)
    f = r.to_frame()
    assert list(f.columns) == ["indicator", "year", "value", "used_for_score", "score"]
    assert "<table>" in r._repr_html_()


def test_worked_example_pi2_3_contingency() -> None:
    b, a = _frames([2021, 2022, 2023])
    r = pefa.pi2(b, a, contingency="contingency", dimension="2.3")
    assert r.contingency_share.tolist() == [0.0, 0.0, 0.0]
    assert r.score == "A"
    # charged 5 of 650 = 0.77 % per year -> A; 26 of 650 = 4 % -> B
    r = pefa.pi2(b, a, contingency=pd.Series({2021: 26.0, 2022: 26.0, 2023: 26.0}), dimension="2.3")
    assert r.values.iloc[0] == pytest.approx(4.0) and r.score == "B"
    with pytest.raises(InputError):
        pefa.pi2(b, a, dimension="2.3")


@pytest.mark.parametrize(
    ("outturns", "score"),
    [
        ([95.0, 105.0, 80.0], "A"),  # bounds inclusive, two of three
        ([94.9, 105.1, 100.0], "B"),  # only one year within A
        ([90.0, 110.0, 50.0], "B"),
        ([89.9, 110.1, 100.0], "C"),
        ([85.0, 115.0, 200.0], "C"),
        ([84.9, 115.1, 100.0], "D"),
        ([100.0, 70.0, 130.0], "D"),
    ],
)
def test_pi1_two_of_three_rule(outturns: list[float], score: str) -> None:
    years = [2021, 2022, 2023]
    approved = pd.Series(100.0, index=years)
    executed = pd.Series(outturns, index=years)
    assert pefa.pi1(approved, executed).score == score


def test_pi1_uses_last_three_years_and_nr() -> None:
    # the bad early years do not count
    approved = pd.Series(100.0, index=range(2015, 2024))
    executed = pd.Series([50.0] * 6 + [100.0, 100.0, 100.0], index=range(2015, 2024))
    r = pefa.pi1(approved, executed)
    assert r.years == [2021, 2022, 2023] and r.score == "A"
    assert pefa.pi1(pd.Series({2023: 100.0}), pd.Series({2023: 100.0})).score == "NR"
    # zero budget -> NaN outturn, not inf
    r = pefa.pi1(pd.Series({2022: 0.0, 2023: 100.0}), pd.Series({2022: 5.0, 2023: 100.0}))
    assert pd.isna(r.outturn[2022])


@pytest.mark.parametrize(
    ("variances", "score"),
    [
        ([4.99, 4.99, 30.0], "A"),
        ([5.0, 4.99, 30.0], "B"),  # 5.0 is not < 5
        ([9.99, 9.99, 30.0], "B"),
        ([10.0, 14.99, 14.99], "C"),
        ([15.0, 15.0, 1.0], "D"),
    ],
)
def test_pi2_score_boundaries(variances: list[float], score: str) -> None:
    got, years = pefa.score_pi2(pd.Series(variances, index=[2021, 2022, 2023]))
    assert got == score and years == [2021, 2022, 2023]


@pytest.mark.parametrize(
    ("avg", "score"), [(2.99, "A"), (3.0, "B"), (6.0, "B"), (6.01, "C"), (9.99, "C"), (10.0, "D")]
)
def test_pi2_3_boundaries(avg: float, score: str) -> None:
    assert pefa.score_pi2_3(pd.Series([avg] * 3, index=[2021, 2022, 2023]))[0] == score


def test_twenty_largest_heads_rule() -> None:
    heads = [f"H{i:02d}" for i in range(30)]
    sizes = [float(100 - i) for i in range(30)]
    b = pd.DataFrame([sizes], index=[2023], columns=heads)
    a = b.copy()
    a["H29"] = 0.0  # a small head that moves: folded into "other heads"
    a["H28"] = 2 * b["H28"]
    r = pefa.pi2(b, a)
    d = r.detail
    assert len(d) == 21 and pefa.OTHER_HEADS in set(d["head"])
    assert set(d["head"]) - {pefa.OTHER_HEADS} == set(heads[:20])
    # the folded line nets the two small changes exactly as the PEFA spreadsheet would
    other = d.set_index("head").loc[pefa.OTHER_HEADS]
    assert other["budget"] == pytest.approx(sum(sizes[20:]))
    assert pefa.pi2(b, a, max_heads=None).composition_variance[2023] > r.composition_variance[2023]
    # 2.2 (economic type) does not fold
    assert len(pefa.pi2(b, a, dimension="2.2").detail) == 30


def test_composition_variance_zero_and_missing() -> None:
    assert (
        pefa.composition_variance(pd.Series({"a": 1.0, "b": 1.0}), pd.Series({"a": 2.0, "b": 2.0}))
        == 0.0
    )
    assert pd.isna(pefa.composition_variance(pd.Series({"a": 0.0}), pd.Series({"a": 1.0})))
    # a head only in actual counts with budget 0
    v = pefa.composition_variance(pd.Series({"a": 10.0}), pd.Series({"a": 5.0, "b": 5.0}))
    assert v == pytest.approx(100.0)


def test_from_harmonized() -> None:
    rows = []
    for y in (2022, 2023):
        for inst, ap, ex in (("PNC", 300.0, 320.0), ("FGR", 45.0, 40.0)):
            for phase, amt in (("approved", ap), ("executed", ex)):
                # PNC split over two links: the shares add back to the line
                for link, sh in (("patrol", 0.7), ("investigation", 0.3)):
                    rows.append(
                        {
                            "country": "SLV",
                            "year": y,
                            "institution_code": inst,
                            "econ": "21",
                            "phase": phase,
                            "link": link,
                            "share": sh,
                            "amount_lcu": amt * sh,
                            "amount": amt * sh,
                        }
                    )
    h = HarmonizedDataset(
        spending=pd.DataFrame(rows), caseload=pd.DataFrame(), context=pd.DataFrame()
    )
    approved, executed = pefa.from_harmonized(h, country="SLV")
    assert approved.loc[2023, "PNC"] == pytest.approx(300.0)
    assert executed.loc[2022, "FGR"] == pytest.approx(40.0)
    r = pefa.pi1(approved.sum(axis=1), executed.sum(axis=1))
    assert r.outturn[2023] == pytest.approx(360 / 345 * 100)
    a2, _e2 = pefa.from_harmonized(h, country="SLV", by="econ")
    assert list(a2.columns) == ["21"]
    with pytest.raises(InputError):
        pefa.from_harmonized(h, country="SLV", by="program")  # type: ignore[arg-type]
