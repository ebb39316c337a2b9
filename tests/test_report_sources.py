"""Chart source lines name each publisher once (#17: the US regional charts named the FBI twice)."""

from __future__ import annotations

from peir.report.context import distinct_sources


def test_a_shortened_name_is_the_same_publisher() -> None:
    # the US states: JEEE spending, UCR crimes, WDI and UCR ("FBI") population
    assert distinct_sources(["BJS JEEE", "FBI UCR", "WDI", "FBI"]) == ["BJS JEEE", "FBI UCR", "WDI"]


def test_order_is_kept_and_distinct_names_stay() -> None:
    parts = ["Ministerio de Hacienda", "IML", "WDI", "IML", "Ministerio de Justicia", ""]
    assert distinct_sources(parts) == [
        "Ministerio de Hacienda",
        "IML",
        "WDI",
        "Ministerio de Justicia",
    ]
    # a longer name that merely starts with the same letters is another publisher
    assert distinct_sources(["IMF", "IMFx"]) == ["IMF", "IMFx"]
