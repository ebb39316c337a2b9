"""Peers' money amounts are compared only in the brief's currency and prices (#15).

The review found a judicial pack that set Costa Rica's judiciary at 60,667.25 "USD per
inhabitant" beside El Salvador's 34.04: the peers had been harmonised without a common
currency, so the figure was colones labelled as dollars. Ratios (% of GDP, execution rates)
were right, since each is taken within one currency.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from typing import Any

import pytest

import peir
from peir.report import make_brief
from peir.report.brief import peer_money
from peir.report.model import Paragraph


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = peir.load_example("el_salvador").harmonize(base_year=2020)
        lcu = peir.load_example("central_america").harmonize(base_year=2020)
        usd = peir.load_example("central_america").harmonize(base_year=2020, currency="USD")
        usd_2015 = peir.load_example("central_america").harmonize(base_year=2015, currency="USD")
    return {"h": h, "lcu": lcu, "usd": usd, "usd_2015": usd_2015}


def _pack_tables(brief: Any, link: str) -> dict[str, Any]:
    return {str(tb.title): tb for tb in brief.packs[link].tables}


def _notes(brief: Any, link: str) -> str:
    pack = brief.packs[link]
    return " ".join(
        str(b.text) for sec in pack.sections for b in sec.blocks if isinstance(b, Paragraph)
    )


def test_peer_money_reasons(data: dict[str, Any]) -> None:
    assert data["lcu"].currency == "LCU"  # four currencies, one column
    assert peer_money(data["h"], data["lcu"]) == "note.peers_lcu"
    assert peer_money(data["h"], data["usd"]) is None
    assert peer_money(data["h"], data["usd_2015"]) == "note.peers_prices"


def test_local_currency_peers_are_not_labelled_in_dollars(data: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        brief = make_brief(data["h"], peers=data["lcu"], lang="en")
    tables = _pack_tables(brief, "judicial")
    peer_tables = {k: v for k, v in tables.items() if "BOOST" in k}
    assert peer_tables, "the ratio comparisons stay"
    for title, tb in peer_tables.items():
        assert "per capita" not in title.lower(), title
        # Costa Rica's judiciary in colones per inhabitant was 60,667.25 "USD"
        assert float(tb.frame["value"].max()) < 1_000, title
    text = _notes(brief, "judicial")
    assert "each country's own currency" in text
    assert 'harmonise the peers in USD (currency="USD")' in text


def test_dollar_peers_are_compared_in_dollars(data: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        brief = make_brief(data["h"], peers=data["usd"], lang="es")
    tables = _pack_tables(brief, "judicial")
    per_capita = [tb for k, tb in tables.items() if re.search(r"por habitante|per c[aá]pita", k)]
    assert per_capita, list(tables)
    cri = per_capita[0].frame.set_index("country")["value"]
    # BOOST judiciary, 2022, in US$ of 2020 per inhabitant: hundreds, not tens of thousands
    assert 100 < float(cri["CRI"]) < 400
    assert "moneda de cada país" not in _notes(brief, "judicial")


def test_peers_at_another_price_base_are_rebased(data: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        at_2020 = make_brief(data["h"], peers=data["usd"], lang="en")
        rebased = make_brief(data["h"], peers=data["usd_2015"], lang="en")
    a = [tb for k, tb in _pack_tables(at_2020, "judicial").items() if "per capita" in k.lower()]
    b = [tb for k, tb in _pack_tables(rebased, "judicial").items() if "per capita" in k.lower()]
    assert a and b
    va = a[0].frame.set_index("country")["value"].astype(float)
    vb = b[0].frame.set_index("country")["value"].astype(float)
    assert vb.to_dict() == pytest.approx(va.to_dict(), rel=1e-9)


def _two_countries(h: Any, keep: set[str]) -> Any:
    """``h`` with the rows of ``keep`` only (a review with a single peer)."""
    frames = {
        name: getattr(h, name)[getattr(h, name)["country"].isin(keep)].reset_index(drop=True)
        for name in ("spending", "context", "caseload")
        if "country" in getattr(h, name)
    }
    return dataclasses.replace(h, **frames)


@pytest.mark.parametrize(
    ("lang", "expected", "wrong"),
    [
        ("en", "against 1.47% in Costa Rica, the one peer with data for that year", "median"),
        ("es", "frente al 1,47% de Costa Rica, el único país par con datos de ese año", "mediana"),
    ],
)
def test_one_peer_is_named_not_a_median(
    data: dict[str, Any], lang: str, expected: str, wrong: str
) -> None:
    peers = _two_countries(data["usd"], {"SLV", "CRI"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        brief = make_brief(data["h"], peers=peers, lang=lang)
    text = " ".join(
        str(b.text) for s in brief.sections for b in s.blocks if isinstance(b, Paragraph)
    )
    sentence = next(
        s for s in re.split(r"(?<=\.) ", text) if "Costa Rica" in s and ("PIB" in s or "GDP" in s)
    )
    assert expected in sentence, sentence
    assert wrong not in sentence and "peer(s)" not in text and "par(es)" not in text
