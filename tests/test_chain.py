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
    ],
)
def test_phase_labels_recognised(label: str, phase: Phase) -> None:
    assert parse_phase(label) is phase


def test_unknown_phase_is_none() -> None:
    assert parse_phase("banana") is None


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
    assert load_schema("budget").field(C.PHASE).enum == ("proposed", "approved", "modified", "executed")
    assert C.AMOUNT in load_schema("budget").required
