"""The project configuration (``peir.yaml``) and loading its data into a :class:`peir.Dataset`.

:class:`ProjectConfig` describes a whole review: country, peers, base year, language and the
data files with their read specs (:class:`peir.ReadSpec`). It sits high, beside the CLI: it
reads files through the pipeline and builds a :class:`peir.Dataset`, so nothing below it may
import it.

A bad configuration raises :class:`peir.SpecError` with a message naming the bad key and what
was expected.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from peir.costs.spec import CostOfCrimeSpec
from peir.dataset import Dataset
from peir.datasets import load_example
from peir.errors import InputError, SpecError
from peir.indicators.floors import LegalFloor
from peir.outlook.spec import OutlookSpec
from peir.pipeline import ingest
from peir.pipeline.codes import is_country, is_currency
from peir.pipeline.econ import check_econ_scheme
from peir.readspec import ReadSpec, load_yaml_mapping, spec_error

__all__ = ["DataEntry", "DataSection", "ProjectConfig"]

_KINDS = ("budget", "caseload", "context", "chain_map", "personnel")


class DataEntry(BaseModel):
    """One data file of a project: ``path``, ``spec`` (inline mapping or path to YAML) and
    any :class:`ReadSpec` field as an override (e.g. ``constants:``)."""

    model_config = ConfigDict(extra="allow")

    path: str
    spec: dict[str, Any] | str | None = None

    @model_validator(mode="after")
    def _check_overrides(self) -> DataEntry:
        extra = dict(self.model_extra or {})
        unknown = [k for k in extra if k not in ReadSpec.model_fields]
        if unknown:
            key = unknown[0]
            close = difflib.get_close_matches(
                key, [*ReadSpec.model_fields, "path", "spec"], n=1, cutoff=0.6
            )
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"unknown key {key!r}{hint} (expected path, spec or a read-spec field: "
                f"{', '.join(ReadSpec.model_fields)})"
            )
        return self

    def overrides(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    def read_spec(self, base_dir: Path) -> ReadSpec:
        """The entry's spec with its overrides, paths resolved against ``base_dir``."""
        if isinstance(self.spec, str):
            spec = ReadSpec.from_yaml(_resolve(base_dir, self.spec))
        elif isinstance(self.spec, dict):
            spec = ReadSpec.from_dict(self.spec, where=f"spec of {self.path}")
        else:
            spec = ReadSpec()
        try:
            return spec.patched(**self.overrides())
        except SpecError as exc:
            raise SpecError(f"{self.path}: {exc}") from None


class DataSection(BaseModel):
    """The ``data:`` section: one entry (or a list of entries) per table kind."""

    model_config = ConfigDict(extra="forbid")

    budget: DataEntry | list[DataEntry] | None = None
    caseload: DataEntry | list[DataEntry] | None = None
    context: DataEntry | list[DataEntry] | None = None
    chain_map: DataEntry | list[DataEntry] | None = None
    personnel: DataEntry | list[DataEntry] | None = None

    def entries(self, kind: str) -> list[DataEntry]:
        e = getattr(self, kind)
        if e is None:
            return []
        return list(e) if isinstance(e, list) else [e]


def _resolve(base: Path, p: str) -> Path:
    path = Path(p).expanduser()
    return path if path.is_absolute() else base / path


class ProjectConfig(BaseModel):
    """A review project (``peir.yaml``).

    Example
    -------
    .. code-block:: yaml

        name: El Salvador security and justice PEIR
        country: SLV
        peers: [GTM, HND, CRI]
        base_year: 2020
        currency: USD
        lang: es
        example: el_salvador          # optional: start from an embedded example
        peers_example: central_america  # optional: peer countries for the brief
        data:
          budget:
            path: data/presupuesto.csv
            spec: specs/presupuesto.yaml
            constants: {country: SLV, currency: USD}
          caseload: {path: data/casos.xlsx, spec: {sheet: Casos, header_row: 2}}
        econ_scheme: SLV              # national economic codes of the budget (peir.econ.to_gfs)
        rules:                        # legal spending floors (peir.indicators.LegalFloor)
          - {id: oj_6pct, country: SLV, institution_code: "1600", min_share: 6,
             of: revenue_current, phase: approved, year_to: 2025,
             basis: "Constitución, art. 172: no less than 6 % of current revenue"}
        outlook: {horizon: 5, inflation: history, ceiling_pct_gdp: 3.0}  # peir.outlook.OutlookSpec
        cost_of_crime: {year: 2015, victims: victims.csv, ...}  # see peir.costs.CostOfCrimeSpec
        allow_gaps: false   # true: country-years without context are flagged (NaN), no error
        as_of: 2012                   # the brief uses data up to this year (and its prices)
        suppress_below: 5             # caseload counts below 5 are suppressed in every output
        published_figures:            # reconciled in the brief (beside the example's own)
          - {country: SLV, year: 2011, indicator: exp_pct_gdp, value: 2.8, unit: '% GDP',
             source: World Bank PEIR 2012, reason: older GDP series}

    Paths are relative to the YAML file.
    """

    model_config = ConfigDict(extra="forbid")

    name: str = ""
    country: str | None = None
    peers: list[str] = Field(default_factory=list)
    base_year: int | None = Field(default=None, ge=1950, le=2100)
    currency: str | None = None
    allow_gaps: bool = False
    lang: Literal["en", "es"] = "en"
    example: str | None = None
    peers_example: str | None = None
    data: DataSection = Field(default_factory=DataSection)
    econ_scheme: str | dict[str, str] | None = None
    rules: list[LegalFloor] = Field(default_factory=list)
    outlook: OutlookSpec | None = None
    cost_of_crime: CostOfCrimeSpec | None = None
    as_of: int | None = Field(default=None, ge=1950, le=2100)
    suppress_below: int | None = Field(default=None, ge=0)
    published_figures: list[dict[str, Any]] = Field(default_factory=list)

    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)

    @field_validator("country")
    @classmethod
    def _check_country(cls, v: str | None) -> str | None:
        if v is None:
            return v
        v = v.strip().upper()
        if not is_country(v):
            raise ValueError("expected an ISO 3166 alpha-3 country code such as SLV")
        return v

    @field_validator("peers")
    @classmethod
    def _check_peers(cls, v: list[str]) -> list[str]:
        out = [p.strip().upper() for p in v]
        bad = [p for p in out if not is_country(p)]
        if bad:
            raise ValueError(
                f"expected ISO 3166 alpha-3 country codes; not valid: {', '.join(bad)}"
            )
        return out

    @field_validator("econ_scheme")
    @classmethod
    def _check_econ_scheme(cls, v: str | dict[str, str] | None) -> str | dict[str, str] | None:
        try:
            return check_econ_scheme(v)
        except InputError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("currency")
    @classmethod
    def _check_currency(cls, v: str | None) -> str | None:
        if v is None:
            return v
        v = v.strip().upper()
        if not is_currency(v):
            raise ValueError("expected an ISO 4217 currency code such as USD")
        return v

    @property
    def base_dir(self) -> Path:
        """Folder that relative paths are resolved against (the YAML file's folder)."""
        return self._base_dir

    def path_of(self, entry: DataEntry) -> Path:
        return _resolve(self._base_dir, entry.path)

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, base_dir: str | Path | None = None, where: str = ""
    ) -> ProjectConfig:
        try:
            cfg = cls.model_validate(dict(data))
        except ValidationError as exc:
            raise spec_error(exc, cls, where) from None
        cfg._base_dir = Path(base_dir) if base_dir is not None else Path.cwd()
        return cfg

    @classmethod
    def from_yaml(cls, path: str | Path) -> ProjectConfig:
        """Read ``peir.yaml``; paths inside are relative to its folder."""
        p = Path(path)
        data = load_yaml_mapping(p)
        cfg = cls.from_dict(data, base_dir=p.resolve().parent, where=str(p))
        # resolve the specs now, so that a bad spec is reported when the config is read
        for kind in _KINDS:
            for entry in cfg.data.entries(kind):
                entry.read_spec(cfg.base_dir)
        return cfg

    def load_dataset(self) -> Dataset:
        """Read every data entry into a :class:`peir.Dataset` (starting from ``example`` if set)."""
        tables: dict[str, Any] = {}
        meta: dict[str, Any] = {}
        if self.example:
            ex = load_example(self.example)
            tables = {k: getattr(ex, k) for k in _KINDS}
            meta = dict(getattr(ex, "meta", {}) or {})
        readers = {
            "budget": ingest.read_budget,
            "caseload": ingest.read_caseload,
            "context": ingest.read_context,
            "chain_map": ingest.read_chain_map,
            "personnel": ingest.read_personnel,
        }
        for kind in _KINDS:
            entries = self.data.entries(kind)
            if not entries:
                continue
            parts = [readers[kind](self.path_of(e), e.read_spec(self.base_dir)) for e in entries]
            tables[kind] = parts[0] if len(parts) == 1 else ingest.concat_tables(parts)
        meta.update(
            {
                "config": {
                    "name": self.name,
                    "country": self.country,
                    "peers": list(self.peers),
                    "base_year": self.base_year,
                    "currency": self.currency,
                    "lang": self.lang,
                    "example": self.example,
                }
            }
        )
        if self.econ_scheme is not None:
            meta["econ_scheme"] = self.econ_scheme
        if self.rules:
            meta["rules"] = list(self.rules)
        return Dataset(**tables, name=self.name or (self.example or ""), meta=meta)
