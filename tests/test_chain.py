from __future__ import annotations

import pytest

from peir.chain import CHAIN_LINKS, MEASURES, Link, Phase, measure, parse_link, parse_phase
from peir.schema import SCHEMA_NAMES, C, load_schema


@pytest.mark.parametrize(
    ("label", "phase"),
    [
        ("Votado", Phase.APPROVED),
        ("APROBADO", Phase.APPROVED),
        ("original", Phase.APPROVED),
        ("Modificado", Phase.MODIFIED),
        ("vigente", Phase.MODIFIED),
        ("Revised", Phase.MODIFIED),
        ("Devengado", Phase.EXECUTED),
        ("ejecutado", Phase.EXECUTED),
        ("Outturn", Phase.EXECUTED),
        ("Proyecto", Phase.PROPOSED),
        ("proposta", Phase.PROPOSED),
        ("Dotação atualizada", Phase.MODIFIED),
        ("  EJECUCIÓN ", Phase.EXECUTED),
        ("Comprometido", Phase.COMMITTED),
        ("Compromiso anual", Phase.COMMITTED),
        ("empenhado", Phase.COMMITTED),
        ("Committed", Phase.COMMITTED),
        ("Pagado", Phase.PAID),
        ("GIRADO", Phase.PAID),
        ("pago", Phase.PAID),
        ("paid", Phase.PAID),
        ("PIA", Phase.APPROVED),
        ("PIM", Phase.MODIFIED),
    ],
)
def test_phase_labels_recognised(label: str, phase: Phase) -> None:
    assert parse_phase(label) is phase


def test_unknown_phase_is_none() -> None:
    assert parse_phase("banana") is None


@pytest.mark.parametrize(
    "label", ["pagado??", "devengado*", "devengad", "executd", "total pagado", "Ejercicio"]
)
def test_phase_labels_are_never_near_matches(label: str) -> None:
    """Marks, misspellings and partial labels are not phases (they become errors)."""
    assert parse_phase(label) is None


def test_paid_is_not_executed_and_every_phase_has_three_labels() -> None:
    assert parse_phase("Pagado") is not parse_phase("Devengado")
    assert [p.value for p in Phase] == [
        "proposed",
        "approved",
        "modified",
        "committed",
        "executed",
        "paid",
    ]
    for p in Phase:
        labels = {p.label("en"), p.label("es"), p.label("pt")}
        assert all(parse_phase(x) is p for x in labels), p
    assert Phase.PAID.label("es") == "Pagado" and Phase.COMMITTED.label("pt") == "Empenhado"


def test_links_in_chain_order_with_labels() -> None:
    assert [lk.value for lk in CHAIN_LINKS] == [
        "prevention",
        "patrol",
        "investigation",
        "judicial",
        "corrections",
    ]
    assert Link.UNALLOCATED.value == "unallocated"
    for lk in Link:
        assert lk.label("en") != lk.label("es")
    assert parse_link("Prevención") is Link.PREVENTION


def test_measure_vocabulary() -> None:
    assert measure("homicides").link is Link.PATROL
    assert measure("prisoners_total").kind == "stock"
    assert measure("cases_resolved").kind == "flow"
    for m in MEASURES.values():
        assert m.label_en and m.label_es and m.unit
    with pytest.raises(KeyError, match="homicides"):
        measure("homicide")


def test_schemas_load_and_constants_match() -> None:
    for name in SCHEMA_NAMES:
        s = load_schema(name)
        assert s.id.startswith(f"peir:{name}")
        assert s.names
    assert load_schema("budget").field(C.PHASE).enum == tuple(p.value for p in Phase)
    assert C.AMOUNT in load_schema("budget").required
