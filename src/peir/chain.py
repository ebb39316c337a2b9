"""The security and justice chain: links, budget phases and the caseload vocabulary.

The five links follow the World Bank's El Salvador PEIR in Security and Justice (2012):
prevention; vigilance and police patrolling; investigation and formal indictment; judicial
process; sentence execution, imprisonment and rehabilitation. Spending that cannot be placed
on a link is kept as :attr:`Link.UNALLOCATED`, never dropped.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

__all__ = [
    "CHAIN_LINKS",
    "MEASURES",
    "Link",
    "Measure",
    "Phase",
    "is_plain_label",
    "measure",
    "normalize_label",
    "parse_link",
    "parse_phase",
]


def normalize_label(text: object) -> str:
    """Lower-case, strip accents and collapse white space and punctuation to one space."""
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).lower()
    out = [ch if ch.isalnum() else " " for ch in s]
    return " ".join("".join(out).split())


class Link(StrEnum):
    """A link of the security and justice chain (plus ``unallocated``)."""

    PREVENTION = "prevention"
    PATROL = "patrol"
    INVESTIGATION = "investigation"
    JUDICIAL = "judicial"
    CORRECTIONS = "corrections"
    UNALLOCATED = "unallocated"

    @property
    def label_en(self) -> str:
        return _LINK_LABELS[self][0]

    @property
    def label_es(self) -> str:
        return _LINK_LABELS[self][1]

    def label(self, lang: str = "en") -> str:
        """The link's name in ``lang`` (``"en"`` or ``"es"``)."""
        return self.label_es if lang == "es" else self.label_en


_LINK_LABELS: dict[Link, tuple[str, str]] = {
    Link.PREVENTION: ("Violence and crime prevention", "Prevención de la violencia y el delito"),
    Link.PATROL: ("Vigilance and police patrolling", "Vigilancia y patrullaje policial"),
    Link.INVESTIGATION: (
        "Criminal investigation and formal indictment",
        "Investigación del delito y acusación formal",
    ),
    Link.JUDICIAL: ("Judicial process", "Proceso judicial"),
    Link.CORRECTIONS: (
        "Sentence execution, imprisonment and rehabilitation",
        "Ejecución de la pena, privación de libertad y rehabilitación",
    ),
    Link.UNALLOCATED: ("Unallocated", "No asignado"),
}

#: The five links in chain order (without ``unallocated``).
CHAIN_LINKS: tuple[Link, ...] = (
    Link.PREVENTION,
    Link.PATROL,
    Link.INVESTIGATION,
    Link.JUDICIAL,
    Link.CORRECTIONS,
)

_LINK_ALIASES: dict[str, Link] = {
    "prevention": Link.PREVENTION,
    "prevencion": Link.PREVENTION,
    "prevencao": Link.PREVENTION,
    "patrol": Link.PATROL,
    "vigilance": Link.PATROL,
    "policing": Link.PATROL,
    "vigilancia": Link.PATROL,
    "patrullaje": Link.PATROL,
    "policiamento": Link.PATROL,
    "investigation": Link.INVESTIGATION,
    "investigacion": Link.INVESTIGATION,
    "investigacao": Link.INVESTIGATION,
    "prosecution": Link.INVESTIGATION,
    "judicial": Link.JUDICIAL,
    "courts": Link.JUDICIAL,
    "justicia": Link.JUDICIAL,
    "justica": Link.JUDICIAL,
    "corrections": Link.CORRECTIONS,
    "prisons": Link.CORRECTIONS,
    "penitenciario": Link.CORRECTIONS,
    "sistema penitenciario": Link.CORRECTIONS,
    "unallocated": Link.UNALLOCATED,
    "no asignado": Link.UNALLOCATED,
}


def parse_link(label: object) -> Link | None:
    """Recognise a link id or label (English/Spanish/Portuguese); ``None`` if unknown."""
    key = normalize_label(label)
    if key in _LINK_ALIASES:
        return _LINK_ALIASES[key]
    for lk in Link:
        if key in (normalize_label(lk.label_en), normalize_label(lk.label_es)):
            return lk
    return None


class Phase(StrEnum):
    """Budget phase, in the order a budget is executed.

    ``proposed`` (the executive's draft), ``approved`` (the enacted budget, PEFA's "original"),
    ``modified`` (the budget after amendments, "revised", "vigente"), ``committed``
    (commitments, "comprometido", "empenhado"), ``executed`` (the expenditure accrued or
    outturn, "devengado", "ejecutado") and ``paid`` (cash paid out, "pagado", "girado",
    "pago"). Paid is not executed: a line is executed when accrued and paid when the treasury
    pays it, so counting both doubles the line.
    """

    PROPOSED = "proposed"
    APPROVED = "approved"
    MODIFIED = "modified"
    COMMITTED = "committed"
    EXECUTED = "executed"
    PAID = "paid"

    def label(self, lang: str = "en") -> str:
        """The phase's name in ``lang`` (``"en"``, ``"es"`` or ``"pt"``)."""
        en, es, pt = _PHASE_LABELS[self]
        return {"es": es, "pt": pt}.get(lang, en)


_PHASE_LABELS: dict[Phase, tuple[str, str, str]] = {
    Phase.PROPOSED: ("Proposed", "Proyecto", "Proposta"),
    Phase.APPROVED: ("Approved", "Votado", "Dotação inicial"),
    Phase.MODIFIED: ("Modified", "Modificado", "Dotação atualizada"),
    Phase.COMMITTED: ("Committed", "Comprometido", "Empenhado"),
    Phase.EXECUTED: ("Executed", "Devengado", "Liquidado"),
    Phase.PAID: ("Paid", "Pagado", "Pago"),
}

#: Phase labels in English, Spanish and Portuguese (normalised: lower case, no accents).
PHASE_ALIASES: dict[str, Phase] = {
    # proposed
    "proposed": Phase.PROPOSED,
    "proposal": Phase.PROPOSED,
    "draft": Phase.PROPOSED,
    "request": Phase.PROPOSED,
    "requested": Phase.PROPOSED,
    "proyecto": Phase.PROPOSED,
    "propuesto": Phase.PROPOSED,
    "propuesta": Phase.PROPOSED,
    "proyecto de presupuesto": Phase.PROPOSED,
    "solicitado": Phase.PROPOSED,
    "proposta": Phase.PROPOSED,
    "proposto": Phase.PROPOSED,
    "ploa": Phase.PROPOSED,
    # approved
    "approved": Phase.APPROVED,
    "original": Phase.APPROVED,
    "voted": Phase.APPROVED,
    "enacted": Phase.APPROVED,
    "budget": Phase.APPROVED,
    "initial": Phase.APPROVED,
    "votado": Phase.APPROVED,
    "aprobado": Phase.APPROVED,
    "presupuesto aprobado": Phase.APPROVED,
    "presupuesto votado": Phase.APPROVED,
    "inicial": Phase.APPROVED,
    "presupuesto inicial": Phase.APPROVED,
    "ley de presupuesto": Phase.APPROVED,
    "pia": Phase.APPROVED,
    "presupuesto institucional de apertura": Phase.APPROVED,
    "aprovado": Phase.APPROVED,
    "dotacao inicial": Phase.APPROVED,
    "loa": Phase.APPROVED,
    # modified
    "modified": Phase.MODIFIED,
    "revised": Phase.MODIFIED,
    "adjusted": Phase.MODIFIED,
    "amended": Phase.MODIFIED,
    "final budget": Phase.MODIFIED,
    "modificado": Phase.MODIFIED,
    "vigente": Phase.MODIFIED,
    "presupuesto modificado": Phase.MODIFIED,
    "presupuesto vigente": Phase.MODIFIED,
    "pim": Phase.MODIFIED,
    "presupuesto institucional modificado": Phase.MODIFIED,
    "ajustado": Phase.MODIFIED,
    "reformado": Phase.MODIFIED,
    "dotacao atualizada": Phase.MODIFIED,
    "autorizado": Phase.MODIFIED,
    # committed
    "committed": Phase.COMMITTED,
    "commitment": Phase.COMMITTED,
    "commitments": Phase.COMMITTED,
    "obligated": Phase.COMMITTED,
    "obligations": Phase.COMMITTED,
    "compromiso": Phase.COMMITTED,
    "compromisos": Phase.COMMITTED,
    "comprometido": Phase.COMMITTED,
    "compromiso anual": Phase.COMMITTED,
    "monto comprometido": Phase.COMMITTED,
    "empenhado": Phase.COMMITTED,
    "empenho": Phase.COMMITTED,
    "valor empenhado": Phase.COMMITTED,
    # executed (accrued / outturn)
    "executed": Phase.EXECUTED,
    "actual": Phase.EXECUTED,
    "actuals": Phase.EXECUTED,
    "outturn": Phase.EXECUTED,
    "expenditure": Phase.EXECUTED,
    "spent": Phase.EXECUTED,
    "accrued": Phase.EXECUTED,
    "devengado": Phase.EXECUTED,
    "ejecutado": Phase.EXECUTED,
    "ejecucion": Phase.EXECUTED,
    "ejercido": Phase.EXECUTED,
    "gasto ejecutado": Phase.EXECUTED,
    "gasto devengado": Phase.EXECUTED,
    "executado": Phase.EXECUTED,
    "liquidado": Phase.EXECUTED,
    "valor liquidado": Phase.EXECUTED,
    # paid (cash)
    "paid": Phase.PAID,
    "payments": Phase.PAID,
    "cash paid": Phase.PAID,
    "pagado": Phase.PAID,
    "girado": Phase.PAID,
    "pagos": Phase.PAID,
    "monto pagado": Phase.PAID,
    "pago": Phase.PAID,
    "valor pago": Phase.PAID,
}

#: Characters a phase label may hold besides letters, digits and spaces.
_PHASE_PUNCTUATION = frozenset("._-/():")


def is_plain_label(text: str) -> bool:
    """True when ``text`` holds only letters, digits, spaces and ``. _ - / ( ) :`` (a label
    with other marks, ``"pagado??"``, is not read as a vocabulary word)."""
    return all(ch.isalnum() or ch.isspace() or ch in _PHASE_PUNCTUATION for ch in text)


def parse_phase(label: object) -> Phase | None:
    """Recognise a phase label, case- and accent-insensitively; ``None`` if unknown.

    The label must be one of the known names (:data:`PHASE_ALIASES`, the phase ids) once case,
    accents and spacing are set aside; nothing is matched approximately, and a label with
    other marks (``"pagado??"``, ``"devengado*"``) is not a phase.

    Examples
    --------
    >>> parse_phase("Devengado"), parse_phase("VOTADO"), parse_phase("dotação atualizada")
    (<Phase.EXECUTED: 'executed'>, <Phase.APPROVED: 'approved'>, <Phase.MODIFIED: 'modified'>)
    >>> parse_phase("Girado"), parse_phase("Compromiso anual"), parse_phase("pagado??")
    (<Phase.PAID: 'paid'>, <Phase.COMMITTED: 'committed'>, None)
    """
    if isinstance(label, Phase):
        return label
    text = str(label)
    if not is_plain_label(text):
        return None
    key = normalize_label(text)
    if key in PHASE_ALIASES:
        return PHASE_ALIASES[key]
    try:
        return Phase(key)
    except ValueError:
        return None


Kind = Literal["flow", "stock"]


@dataclass(frozen=True)
class Measure:
    """One caseload measure of the controlled vocabulary."""

    name: str
    link: Link
    unit: str
    kind: Kind
    label_en: str
    label_es: str

    def label(self, lang: str = "en") -> str:
        return self.label_es if lang == "es" else self.label_en


def _m(name: str, link: Link, unit: str, kind: Kind, en: str, es: str) -> Measure:
    return Measure(name, link, unit, kind, en, es)


_P, _V, _I, _J, _C = (
    Link.PREVENTION,
    Link.PATROL,
    Link.INVESTIGATION,
    Link.JUDICIAL,
    Link.CORRECTIONS,
)

#: The caseload measure vocabulary: name -> Measure (link, unit, flow/stock, labels).
MEASURES: dict[str, Measure] = {
    m.name: m
    for m in (
        _m("crimes_recorded", _V, "offences", "flow", "Crimes recorded", "Delitos registrados"),
        _m("homicides", _V, "victims", "flow", "Intentional homicides", "Homicidios intencionales"),
        _m("arrests", _V, "persons", "flow", "Arrests", "Detenciones"),
        _m("suspects", _I, "persons", "flow", "Suspects identified", "Sospechosos identificados"),
        _m(
            "cases_received",
            _I,
            "cases",
            "flow",
            "Cases received by prosecution",
            "Casos recibidos por la fiscalía",
        ),
        _m("indictments", _I, "cases", "flow", "Formal indictments", "Acusaciones formales"),
        _m("cases_incoming", _J, "cases", "flow", "Incoming court cases", "Casos ingresados"),
        _m("cases_resolved", _J, "cases", "flow", "Resolved court cases", "Casos resueltos"),
        _m(
            "cases_pending_start",
            _J,
            "cases",
            "stock",
            "Pending cases at start of period",
            "Casos pendientes al inicio",
        ),
        _m(
            "cases_pending_end",
            _J,
            "cases",
            "stock",
            "Pending cases at end of period",
            "Casos pendientes al final",
        ),
        _m("convictions", _J, "persons", "flow", "Convictions", "Condenas"),
        _m(
            "homicide_convictions",
            _J,
            "persons",
            "flow",
            "Convictions for homicide",
            "Condenas por homicidio",
        ),
        _m("prison_admissions", _C, "persons", "flow", "Prison admissions", "Ingresos a prisión"),
        _m(
            "prisoners_total",
            _C,
            "persons",
            "stock",
            "Prisoners (total held)",
            "Población privada de libertad",
        ),
        _m(
            "prisoners_unsentenced",
            _C,
            "persons",
            "stock",
            "Unsentenced detainees",
            "Personas detenidas sin condena",
        ),
        _m(
            "prison_capacity",
            _C,
            "places",
            "stock",
            "Official prison capacity",
            "Capacidad oficial penitenciaria",
        ),
        _m(
            "prevention_beneficiaries",
            _P,
            "persons",
            "flow",
            "Prevention programme beneficiaries",
            "Beneficiarios de programas de prevención",
        ),
        _m("police_officers", _V, "staff", "stock", "Police officers", "Agentes de policía"),
        _m("prosecutors", _I, "staff", "stock", "Prosecutors", "Fiscales"),
        _m("judges", _J, "staff", "stock", "Judges", "Jueces"),
        _m("public_defenders", _J, "staff", "stock", "Public defenders", "Defensores públicos"),
        _m("prison_staff", _C, "staff", "stock", "Prison staff", "Personal penitenciario"),
        _m(
            "court_staff",
            _J,
            "staff",
            "stock",
            "Court staff (non-judges)",
            "Personal judicial (no jueces)",
        ),
    )
}


def measure(name: str) -> Measure:
    """Look up a measure by name; raises :class:`KeyError` naming the closest names."""
    try:
        return MEASURES[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, list(MEASURES), n=3)
        raise KeyError(f"unknown measure {name!r}; closest: {', '.join(close) or 'none'}") from None
