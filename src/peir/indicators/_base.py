"""The :class:`Indicator` definition shared by the indicator modules, and its one builder.

:func:`make_indicator` is how the modules' ``INDICATORS`` tables build their entries: the
documented fields in a fixed positional order, then keywords for what differs from the
defaults (link ``sector``, standard ``PER practice``, frame ``main``, national only, no phase
note). A module with other defaults binds them once with :func:`functools.partial`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

__all__ = ["FRAME_KEYS", "STANDARDS", "Frame", "Indicator", "make_indicator"]

#: The frame an indicator is computed on: ``main`` (one row per country, year, region),
#: ``link`` (per link of the chain), ``institution`` (per institution) or ``personnel`` (per
#: staff category of the personnel table).
Frame = Literal["main", "link", "institution", "personnel"]

#: Key columns of each frame (besides the value columns).
FRAME_KEYS: dict[str, tuple[str, ...]] = {
    "main": ("country", "year", "region"),
    "link": ("country", "year", "region", "link"),
    "institution": ("country", "year", "region", "group"),
    "personnel": ("country", "year", "region", "group"),
}

#: The standards the registry cites, with their reference.
STANDARDS: dict[str, str] = {
    "PER practice": (
        "World Bank public expenditure review practice; World Bank, El Salvador Public "
        "Expenditure and Institutional Review in Security and Justice (2012)"
    ),
    "CEPEJ": (
        "Council of Europe, CEPEJ, European judicial systems - evaluation report, methodology "
        "(clearance rate, case turnover ratio, disposition time)"
    ),
    "CNJ": "Conselho Nacional de Justiça (Brazil), Justiça em Números, indicator glossary",
    "UNODC/SDG": (
        "UNODC, UN Crime Trends Survey (UN-CTS) and International Classification of Crime for "
        "Statistical Purposes (ICCS, 2015); SDG indicators 16.1.1 and 16.3.2"
    ),
    "PEFA 2016": (
        "PEFA Secretariat, Framework for assessing public financial management (2016), "
        "PI-1 and PI-2 and their calculation spreadsheet"
    ),
    "Attrition literature": (
        "Attrition through the criminal justice chain, European Journal on Criminal Policy "
        "and Research, doi:10.1007/s10610-017-9358-x; World Bank El Salvador PEIR (2012)"
    ),
}


@dataclass(frozen=True)
class Indicator:
    """One documented indicator of the registry.

    Attributes
    ----------
    id
        Stable identifier, e.g. ``"clearance_rate"``.
    name_en, name_es
        Names in English and Spanish.
    unit
        ``"%"``, ``"days"``, ``"per 100,000 inhabitants"``, ``"currency"``...
    link
        The link of the chain (``prevention`` ... ``corrections``) or ``"sector"``; indicators
        computed for each link or each institution carry ``"sector"`` here and the row's link
        in :func:`compute`'s output.
    standard
        One of :data:`STANDARDS` (PER practice, CEPEJ, CNJ, UNODC/SDG, PEFA 2016, Attrition
        literature).
    formula
        The formula as text.
    description
        What the indicator says and how to read it.
    requires
        The inputs: caseload measures (:data:`peir.chain.MEASURES`), context columns
        (``population``, ``gdp_lcu``...) or spending aggregates (``spending``,
        ``spending_judicial``...; see :mod:`peir.indicators.expenditure`).
    frame
        Which frame it is computed on (``main``, ``link``, ``institution``).
    regional
        Whether it is also computed for regions (court sections, departments) when the
        caseload has them.
    phase_note
        Whether the output records the budget phase used (executed where present, else
        approved).
    """

    id: str
    name_en: str
    name_es: str
    unit: str
    link: str
    standard: str
    formula: str
    description: str
    requires: tuple[str, ...]
    fn: Callable[[pd.DataFrame], pd.Series] = field(repr=False, compare=False)
    frame: Frame = "main"
    regional: bool = False
    phase_note: bool = False

    @property
    def citation(self) -> str:
        """The reference behind :attr:`standard`."""
        return STANDARDS.get(self.standard, self.standard)

    def to_dict(self) -> dict[str, str]:
        """The documented fields, as strings (``requires`` joined by ", ")."""
        return {
            "id": self.id,
            "name_en": self.name_en,
            "name_es": self.name_es,
            "unit": self.unit,
            "link": self.link,
            "standard": self.standard,
            "formula": self.formula,
            "description": self.description,
            "requires": ", ".join(self.requires),
            "citation": self.citation,
        }


def make_indicator(
    id: str,
    en: str,
    es: str,
    unit: str,
    formula: str,
    description: str,
    requires: tuple[str, ...],
    fn: Callable[[pd.DataFrame], pd.Series],
    *,
    link: str = "sector",
    standard: str = "PER practice",
    frame: Frame = "main",
    regional: bool = False,
    phase_note: bool = False,
) -> Indicator:
    """An :class:`Indicator` from the positional form of the modules' tables.

    Parameters
    ----------
    id, en, es, unit, formula, description, requires, fn
        :attr:`Indicator.id`, :attr:`~Indicator.name_en`, :attr:`~Indicator.name_es`,
        :attr:`~Indicator.unit`, :attr:`~Indicator.formula`, :attr:`~Indicator.description`,
        :attr:`~Indicator.requires` and :attr:`~Indicator.fn`, in that order.
    link, standard, frame, regional, phase_note
        The fields of the same names; the defaults are those most indicators share.

    Returns
    -------
    Indicator
        The indicator, its fields exactly as given.
    """
    return Indicator(
        id=id,
        name_en=en,
        name_es=es,
        unit=unit,
        link=link,
        standard=standard,
        formula=formula,
        description=description,
        requires=requires,
        fn=fn,
        frame=frame,
        regional=regional,
        phase_note=phase_note,
    )
