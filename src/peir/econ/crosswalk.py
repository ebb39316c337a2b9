"""National economic classifications mapped to the GFS 2014 classification of expense.

Each scheme is one CSV file in ``peir/econ/crosswalks/`` that names its classifier in its
header lines (``# classifier: ...``, ``# url: ...``) and lists national codes with the GFS 2014
class each belongs to:

=========  ====================================================================
``SLV``    El Salvador: rubros (51 remuneraciones, 54 bienes y servicios, 61...),
           cuentas and objetos específicos
``MEX``    Mexico: capítulos 1000...9000 of the Clasificador por Objeto del Gasto,
           conceptos and partidas
``PER``    Peru: genéricas 2.1...2.8 of the Clasificador de Gastos and below
``CHL``    Chile: subtítulos 21...35 and ítems of the Clasificador Presupuestario
``ARG``    Argentina: incisos 1...9 and partidas of the Manual de Clasificaciones
``BOOST``  the World Bank BOOST spending types (``wages``, ``goods and services``...),
           matched as whole labels
``GFS``    the GFS 2014 codes themselves (identity: ``"2111"`` is class ``"21"``)
=========  ====================================================================

A code maps through the longest code of the crosswalk that is a prefix of it (after the
scheme's normalisation: ``"51201"`` through rubro ``51``; Mexico's ``"3920"`` through partida
``392``; Chile's ``"24.03.263"`` through ítem ``24.03``). The result is a two-digit GFS class
(:data:`GFS_CLASSES`), or

- ``"2"`` — expense whose class the national code does not settle (a heading that mixes, e.g.,
  services and taxes paid); its sub-codes, when the data has them, map one by one;
- ``"unmapped"`` (:data:`UNMAPPED`) — a code the crosswalk does not know, or one that is not
  wholly expense or a transaction in assets (debt service with amortisation, reserves not yet
  assigned, revenue codes). Unmapped codes stay visible as such; they are never guessed.

Rule of the files (checked by the tests against each classifier): a heading maps to a class
only when every code under it does, so that a coarse code is never more precise than its
content.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd

from peir.errors import InputError

__all__ = [
    "EXPENSE_UNCLASSIFIED",
    "GFS_CLASSES",
    "SCHEMES",
    "UNMAPPED",
    "Crosswalk",
    "crosswalk",
    "gfs_name",
    "lookup",
    "normalize",
    "scheme_for",
    "to_gfs",
]

#: Schemes with a shipped crosswalk (``GFS`` is the identity).
SCHEMES: tuple[str, ...] = ("SLV", "MEX", "PER", "CHL", "ARG", "BOOST", "GFS")

#: Schemes whose codes are labels, matched whole (never by prefix).
_LABEL_SCHEMES = frozenset({"BOOST"})

#: Result for a code the crosswalk does not map.
UNMAPPED = "unmapped"

#: Result for expense whose GFS class the national code does not settle.
EXPENSE_UNCLASSIFIED = "2"

_NON_DIGIT = re.compile(r"\D+")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def read_crosswalk_file(name: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Header lines (``# key: value``) and rows of one shipped CSV file."""
    text = resources.files("peir.econ").joinpath("crosswalks", name).read_text("utf-8")
    meta: dict[str, str] = {}
    body: list[str] = []
    for line in text.splitlines():
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            meta[key.strip()] = value.strip()
        elif line.strip():
            body.append(line)
    rows = list(csv.DictReader(io.StringIO("\n".join(body))))
    return meta, rows


@cache
def _gfs_table() -> dict[str, tuple[str, str]]:
    _, rows = read_crosswalk_file("gfs2014.csv")
    return {r["code"]: (r["name_en"], r["name_es"]) for r in rows}


#: GFS 2014 classes (two-digit level, plus ``"2"`` and ``"unmapped"``) -> English name.
GFS_CLASSES: dict[str, str] = {k: v[0] for k, v in _gfs_table().items()}


def gfs_name(code: str, lang: str = "en") -> str:
    """The name of a GFS class in ``lang`` (``"en"`` or ``"es"``); the code itself if unknown."""
    names = _gfs_table().get(str(code))
    if names is None:
        return str(code)
    return names[1] if lang == "es" else names[0]


def _check_scheme(scheme: str) -> str:
    s = str(scheme).upper()
    if s not in SCHEMES:
        raise InputError(
            f"unknown economic classification scheme {scheme!r}; "
            f"expected one of {', '.join(SCHEMES)}"
        )
    return s


def _chl(text: str) -> str:
    parts = [p for p in _NON_DIGIT.split(text) if p]
    if len(parts) <= 1:
        return parts[0] if parts else ""
    widths = (2, 2, 3)
    return "".join(p.zfill(w) for p, w in zip(parts, widths)) + "".join(parts[3:])


def _mex(text: str) -> str:
    digits = _NON_DIGIT.sub("", text)
    if len(digits) == 4:  # capítulo X000, concepto XX00, partida genérica XXX0
        digits = digits.rstrip("0") or "0"
    return digits


def _label(text: str) -> str:
    s = unicodedata.normalize("NFKD", text)
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).lower()
    return " ".join(_NON_ALNUM.sub(" ", s).split())


def normalize(code: object, *, scheme: str) -> str:
    """A national code in the form the crosswalk of ``scheme`` is keyed on (``""`` if none).

    ``SLV``, ``PER``, ``ARG`` and ``GFS`` keep the digits (``"2.3.2 8.1 1"`` -> ``"232811"``);
    ``MEX`` also drops the trailing zeros of a four-digit code (``"3900"`` -> ``"39"``);
    ``CHL`` pads subtítulo and ítem to two digits and the asignación to three
    (``"24.3.263"`` -> ``"2403263"``); ``BOOST`` labels are lower-cased without accents,
    spacing or punctuation (``"Goods and Services"`` -> ``"goods and services"``).
    """
    s = _check_scheme(scheme)
    if code is None or (isinstance(code, float) and code != code):
        return ""
    text = str(code).strip()
    if isinstance(code, float) and code.is_integer():
        text = str(int(code))
    if s == "CHL":
        return _chl(text)
    if s == "MEX":
        return _mex(text)
    if s in _LABEL_SCHEMES:
        return _label(text)
    return _NON_DIGIT.sub("", text)


@dataclass(frozen=True)
class Crosswalk:
    """One scheme's crosswalk: codes (normalised) -> GFS class, name and note, and its source.

    Attributes
    ----------
    scheme
        ``"SLV"``, ``"MEX"``...
    title, classifier, url
        What the national codes are and the published classifier they come from.
    table
        ``code`` (as written in the file), ``key`` (normalised), ``gfs``, ``name``, ``note``.
    """

    scheme: str
    title: str
    classifier: str
    url: str
    table: pd.DataFrame

    def __post_init__(self) -> None:
        object.__setattr__(self, "_map", dict(zip(self.table["key"], self.table["gfs"])))

    def match(self, key: str) -> str | None:
        """The longest crosswalk key that is a prefix of the normalised ``key``."""
        m: dict[str, str] = self._map  # type: ignore[attr-defined]
        if self.scheme in _LABEL_SCHEMES:
            return key if key in m else None
        for n in range(len(key), 0, -1):
            if key[:n] in m:
                return key[:n]
        return None

    def gfs(self, key: str) -> str:
        """The GFS class of a normalised code (:data:`UNMAPPED` when no prefix matches)."""
        if self.scheme == "GFS":
            return _gfs_identity(key)
        k = self.match(key)
        return UNMAPPED if k is None else str(self._map[k])  # type: ignore[attr-defined]


def _gfs_identity(key: str) -> str:
    if key == EXPENSE_UNCLASSIFIED:
        return key
    head = key[:2]
    if len(head) == 2 and head in GFS_CLASSES and head != UNMAPPED:
        return head
    return UNMAPPED


@cache
def crosswalk(scheme: str) -> Crosswalk:
    """The shipped crosswalk of ``scheme`` (see :data:`SCHEMES`), with its citation."""
    s = _check_scheme(scheme)
    if s == "GFS":
        meta, _ = read_crosswalk_file("gfs2014.csv")
        codes = [c for c in _gfs_table() if c != UNMAPPED]
        table = pd.DataFrame(
            {
                "code": codes,
                "key": codes,
                "gfs": codes,
                "name": [GFS_CLASSES[c] for c in codes],
                "note": "",
            }
        )
        return Crosswalk(
            "GFS", meta.get("title", ""), meta.get("classifier", ""), meta.get("url", ""), table
        )
    meta, rows = read_crosswalk_file(f"{s}.csv")
    table = pd.DataFrame(rows, columns=["code", "gfs", "name", "note"]).fillna("")
    table.insert(1, "key", [normalize(c, scheme=s) for c in table["code"]])
    if table["key"].duplicated().any():  # pragma: no cover - guarded by the tests
        raise RuntimeError(
            f"crosswalk {s}: duplicate codes {sorted(table.loc[table['key'].duplicated(), 'code'])}"
        )
    bad = sorted(set(table["gfs"]) - set(GFS_CLASSES))
    if bad:  # pragma: no cover - guarded by the tests
        raise RuntimeError(f"crosswalk {s}: unknown GFS classes {bad}")
    return Crosswalk(
        s, meta.get("title", ""), meta.get("classifier", ""), meta.get("url", ""), table
    )


def _distinct(codes: Iterable[object]) -> tuple[pd.Series, list[object]]:
    values = pd.Series(list(codes) if not isinstance(codes, pd.Series) else codes, dtype="object")
    missing = values.isna()
    uniq = list(pd.unique(values[~missing]))
    return values, uniq


def to_gfs(codes: Iterable[object] | pd.Series, *, scheme: str) -> list[str | None]:
    """Map national economic codes to the GFS 2014 classification of expense.

    Parameters
    ----------
    codes
        National codes (strings or numbers): rubros, capítulos, genéricas, subtítulos,
        incisos, or GFS codes, at any level of detail (longer codes map through their prefix).
    scheme
        ``"SLV"``, ``"MEX"``, ``"PER"``, ``"CHL"``, ``"ARG"`` or ``"GFS"`` (case-insensitive).

    Returns
    -------
    list
        One entry per code: ``"21"`` compensation of employees, ``"22"`` use of goods and
        services, ``"23"`` consumption of fixed capital, ``"24"`` interest, ``"25"`` subsidies,
        ``"26"`` grants, ``"27"`` social benefits, ``"28"`` other expense, ``"31"`` net
        acquisition of nonfinancial assets, ``"32"`` financial assets, ``"33"`` liabilities;
        ``"2"`` for expense of no settled class; ``"unmapped"`` for a code the crosswalk does
        not map; ``None`` for a missing code.

    Raises
    ------
    peir.InputError
        For an unknown scheme.

    Examples
    --------
    >>> to_gfs(["51", "51201", "54", "61", "55", "99", None], scheme="SLV")
    ['21', '21', '22', '31', '2', 'unmapped', None]
    >>> to_gfs(["1000", "3920", "4000"], scheme="MEX")
    ['21', '28', 'unmapped']
    >>> to_gfs(["2.1", "2.3.1 5.1 2", "2.6"], scheme="PER")
    ['21', '22', '31']
    """
    s = _check_scheme(scheme)
    cw = crosswalk(s)
    values, uniq = _distinct(codes)
    mapped = {u: cw.gfs(normalize(u, scheme=s)) for u in uniq}
    out: list[str | None] = [None if pd.isna(v) else mapped[v] for v in values.tolist()]
    return out


def lookup(codes: Iterable[object] | pd.Series, *, scheme: str) -> pd.DataFrame:
    """How each distinct code maps: the matched crosswalk code, its GFS class, name and note.

    Returns
    -------
    DataFrame
        ``code, key, matched, gfs, gfs_name, name, note``: ``matched`` is the crosswalk code
        the code maps through (empty when unmapped), ``name`` and ``note`` that code's.
    """
    s = _check_scheme(scheme)
    cw = crosswalk(s)
    _, uniq = _distinct(codes)
    by_key = cw.table.set_index("key")
    rows = []
    for u in uniq:
        key = normalize(u, scheme=s)
        m = cw.match(key) if s != "GFS" else (key[:2] if cw.gfs(key) != UNMAPPED else None)
        gfs = cw.gfs(key)
        info = by_key.loc[m] if m is not None and m in by_key.index else None
        rows.append(
            {
                "code": u,
                "key": key,
                "matched": "" if info is None else str(info["code"]),
                "gfs": gfs,
                "gfs_name": gfs_name(gfs),
                "name": "" if info is None else str(info["name"]),
                "note": "" if info is None else str(info["note"]),
            }
        )
    return pd.DataFrame(rows, columns=["code", "key", "matched", "gfs", "gfs_name", "name", "note"])


def scheme_for(country: str, schemes: str | Mapping[str, str] | None) -> str | None:
    """The scheme of ``country`` from a scheme name or a mapping country -> scheme (``"*"``)."""
    if schemes is None:
        return None
    if isinstance(schemes, str):
        return _check_scheme(schemes)
    if isinstance(schemes, Mapping):
        s = schemes.get(country, schemes.get("*"))
        return None if s is None else _check_scheme(s)
    raise InputError(
        f"econ_scheme={schemes!r}: expected a scheme name or a mapping country -> scheme"
    )
