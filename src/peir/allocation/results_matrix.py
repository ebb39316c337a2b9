"""The results matrix each working group drafts: issue, action, indicator, baseline, target.

One row per commitment: the link of the chain, the issue found, the action agreed, the
institution responsible, an indicator id from :func:`peir.indicators.catalog`, its baseline
(computed from the data), a target and the year it should be reached. Progress against the
target is computed from newer data:

    progress = (latest - baseline) / (target - baseline) x 100  (percent of the way)

so 100 % means the target is reached, whatever the direction of the target (a fall in
disposition time is progress when the target is below the baseline).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from peir.chain import CHAIN_LINKS, parse_link
from peir.errors import InputError
from peir.indicators import catalog, compute
from peir.schema import C

if TYPE_CHECKING:  # pragma: no cover
    from peir.dataset import HarmonizedDataset

__all__ = ["DEFAULT_INDICATORS", "ResultsMatrix", "ResultsRow"]

#: Default indicators per link for templates, first one with data wins.
DEFAULT_INDICATORS: dict[str, tuple[str, ...]] = {
    "prevention": ("homicide_rate", "exp_link_share"),
    "patrol": ("crime_rate", "homicide_rate", "police_per_100k"),
    "investigation": (
        "attrition_indictments_per_case",
        "cases_per_prosecutor",
        "unit_cost_indictment",
    ),
    "judicial": ("clearance_rate", "disposition_time", "attrition_convictions_per_indictment"),
    "corrections": ("occupancy_rate", "unsentenced_share", "prisoners_per_100k"),
}

_COLUMNS = [
    "link",
    "issue",
    "action",
    "institution",
    "indicator",
    "unit",
    "baseline",
    "baseline_year",
    "target",
    "target_year",
    "note",
]


def _catalog() -> pd.DataFrame | None:
    """The indicator catalogue, or None when peir.indicators is not available."""
    try:
        return catalog()
    except Exception:  # pragma: no cover - a half-built registry must not break templates
        return None


class ResultsRow(BaseModel):
    """One commitment of a working group."""

    model_config = ConfigDict(validate_assignment=True)

    link: str
    issue: str = ""
    action: str = ""
    institution: str = ""
    indicator: str
    unit: str = ""
    baseline: float | None = None
    baseline_year: int | None = None
    target: float | None = None
    target_year: int | None = None
    note: str = ""

    @field_validator("link")
    @classmethod
    def _link(cls, v: str) -> str:
        lk = parse_link(v)
        if lk is None:
            raise ValueError(
                f"unknown link {v!r}; expected one of {[x.value for x in CHAIN_LINKS]}"
            )
        return lk.value

    @field_validator("baseline", "target")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):
            return None
        return v


class ResultsMatrix(BaseModel):
    """A working group's results matrix (typed, serialisable to Excel and HTML).

    Indicator ids are checked against :func:`peir.indicators.catalog` when it is available.
    """

    model_config = ConfigDict(validate_assignment=True)

    country: str = ""
    title: str = "Results matrix"
    rows: list[ResultsRow] = Field(default_factory=list)

    @field_validator("rows")
    @classmethod
    def _known_indicators(cls, rows: list[ResultsRow]) -> list[ResultsRow]:
        cat = _catalog()
        if cat is not None and "id" in cat.columns:
            known = set(cat["id"].astype(str))
            bad = sorted({r.indicator for r in rows if r.indicator not in known})
            if bad:
                raise ValueError(
                    f"unknown indicator id(s) {bad}; see peir.indicators.catalog() for the ids"
                )
        return rows

    # -- building ----------------------------------------------------------------------

    def add(self, **fields: Any) -> ResultsMatrix:
        """Append a row (validated) and return self."""
        self.rows = [*self.rows, ResultsRow(**fields)]
        return self

    @classmethod
    def from_frame(
        cls, frame: pd.DataFrame, *, country: str = "", title: str = "Results matrix"
    ) -> ResultsMatrix:
        """Build from a frame with the :meth:`to_frame` columns (e.g. read back from Excel)."""
        recs = []
        for rec in frame.to_dict(orient="records"):
            clean = {
                str(k): (None if isinstance(v, float) and math.isnan(v) else v)
                for k, v in rec.items()
            }
            for k in ("issue", "action", "institution", "unit", "note"):
                if clean.get(k) is None:
                    clean[k] = ""
            for k in ("baseline_year", "target_year"):
                val = clean.get(k)
                if val is not None:
                    clean[k] = int(val)
            recs.append(
                ResultsRow(**{k: v for k, v in clean.items() if k in ResultsRow.model_fields})
            )
        return cls(country=country, title=title, rows=recs)

    @classmethod
    def template(
        cls,
        h: HarmonizedDataset,
        *,
        country: str,
        year: int,
        link: str | Sequence[str] | None = None,
        indicators: Mapping[str, Sequence[str]] | None = None,
    ) -> ResultsMatrix:
        """A template per working group with baselines computed from ``h``.

        One row per link (or the ``link`` given) with the first default indicator that has a
        value for ``country``/``year`` (see :data:`DEFAULT_INDICATORS`); issue, action,
        institution and target are left for the group to fill in.
        """
        if link is None:
            links = [lk.value for lk in CHAIN_LINKS]
        else:
            names = [link] if isinstance(link, str) else list(link)
            links = []
            for n in names:
                parsed = parse_link(n)
                if parsed is None:
                    raise InputError(f"unknown link {n!r}")
                links.append(parsed.value)
        table = {**DEFAULT_INDICATORS, **(dict(indicators) if indicators else {})}
        cat = _catalog()
        units = dict(zip(cat["id"], cat["unit"])) if cat is not None else {}
        known = set(units) if cat is not None else None
        rows = []
        wanted = [i for lk in links for i in table.get(lk, ()) if known is None or i in known]
        computed = _compute_rows(h, wanted, country)
        for lk in links:
            cands = [i for i in table.get(lk, ()) if known is None or i in known]
            chosen, value, note = (cands[0] if cands else ""), math.nan, ""
            for ind in cands:
                v = _indicator_value(computed, ind, year=year, link=lk)
                if v is not None and math.isfinite(v):
                    chosen, value = ind, v
                    break
            if not chosen:
                continue
            if not math.isfinite(value):
                note = f"no data for {chosen} in {country} {year}: baseline to be filled in"
            rows.append(
                ResultsRow(
                    link=lk,
                    indicator=chosen,
                    unit=str(units.get(chosen, "")),
                    baseline=value if math.isfinite(value) else None,
                    baseline_year=int(year),
                    note=note,
                )
            )
        return cls(country=country, title=f"Results matrix — {country} {year}", rows=rows)

    # -- views -------------------------------------------------------------------------

    def to_frame(self) -> pd.DataFrame:
        """One row per commitment, in the columns of :class:`ResultsRow`."""
        if not self.rows:
            return pd.DataFrame(columns=_COLUMNS)
        return pd.DataFrame([r.model_dump() for r in self.rows])[_COLUMNS]

    def to_html(self) -> str:
        """An HTML table with a caption."""
        body = self.to_frame().to_html(index=False, na_rep="", float_format=lambda v: f"{v:,.4g}")
        cap = html.escape(f"{self.title}" + (f" ({self.country})" if self.country else ""))
        return f"<h3>{cap}</h3>{body}"

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_excel(self, path: str | Path, *, progress: pd.DataFrame | None = None) -> Path:
        """Write the matrix (and optionally a progress sheet) to an .xlsx workbook."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        with pd.ExcelWriter(p, engine="openpyxl") as xw:
            self.to_frame().to_excel(xw, sheet_name="results_matrix", index=False)
            meta = pd.DataFrame(
                {"field": ["title", "country"], "value": [self.title, self.country]}
            )
            meta.to_excel(xw, sheet_name="about", index=False)
            if progress is not None:
                progress.to_excel(xw, sheet_name="progress", index=False)
        return p

    @classmethod
    def read_excel(cls, path: str | Path) -> ResultsMatrix:
        """Read a workbook written by :meth:`to_excel` (possibly edited by the group)."""
        frame = pd.read_excel(path, sheet_name="results_matrix")
        about = pd.read_excel(path, sheet_name="about").set_index("field")["value"]
        return cls.from_frame(
            frame, country=str(about.get("country", "") or ""), title=str(about.get("title", ""))
        )

    def progress(
        self,
        h_new: HarmonizedDataset | None = None,
        *,
        year: int | None = None,
        values: Mapping[str, float] | Callable[[str, str], float | None] | None = None,
    ) -> pd.DataFrame:
        """Progress against each target from newer data.

        Parameters
        ----------
        h_new
            Newer harmonised data; the indicator is computed with
            :func:`peir.indicators.compute` for the matrix's country (latest year, or
            ``year``).
        year
            Year to read from ``h_new`` (default: the latest with a value).
        values
            Instead of ``h_new``: the latest value per indicator id, or a callable
            ``(indicator, link) -> value``.

        Returns
        -------
        DataFrame
            Matrix columns plus ``latest``, ``latest_year``, ``progress_pct`` (percent of the
            way from baseline to target) and ``status`` (achieved, on track — at least half
            way —, behind, wrong direction, no data).
        """
        if h_new is None and values is None:
            raise InputError("give newer data (h_new) or the latest values (values=)")
        out = self.to_frame()
        latest: list[float] = []
        lyear: list[float] = []
        computed = (
            _compute_rows(h_new, [r.indicator for r in self.rows], self.country)
            if values is None and h_new is not None
            else None
        )
        for r in self.rows:
            v: float | None = None
            y: float = math.nan
            if values is not None:
                v = values(r.indicator, r.link) if callable(values) else values.get(r.indicator)
                y = float(year) if year is not None else math.nan
            elif h_new is not None:
                got = _latest_value(computed, r.indicator, link=r.link, year=year)
                if got is not None:
                    y, v = float(got[0]), got[1]
            latest.append(math.nan if v is None else float(v))
            lyear.append(y)
        out["latest"] = latest
        out["latest_year"] = lyear
        base = pd.to_numeric(out["baseline"], errors="coerce")
        tgt = pd.to_numeric(out["target"], errors="coerce")
        gap = tgt - base
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = 100 * (out["latest"] - base) / gap.where(gap != 0)
        out["progress_pct"] = pct
        status = []
        for b, t, lv, p in zip(base, tgt, out["latest"], pct):
            if any(not np.isfinite(x) for x in (b, t, lv)):
                status.append("no data")
            elif t == b:
                status.append("achieved" if lv == t else "behind")
            elif p >= 100:
                status.append("achieved")
            elif p >= 50:
                status.append("on track")
            elif p >= 0:
                status.append("behind")
            else:
                status.append("wrong direction")
        out["status"] = status
        return out

    def __len__(self) -> int:
        return len(self.rows)


def _compute_rows(
    h: HarmonizedDataset, indicators: Sequence[str], country: str
) -> pd.DataFrame | None:
    """All requested indicators for ``country`` in one call of peir.indicators.compute."""
    ids = sorted(set(indicators))
    if not ids:
        return None
    try:
        res = compute(h, ids, country=country)
    except Exception:  # a missing input must not break the matrix: fall back one by one
        parts = []
        for i in ids:
            try:
                parts.append(compute(h, [i], country=country))
            except Exception:
                continue
        res = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if res.empty or "indicator" not in res.columns:
        return None
    return res


def _pick(res: pd.DataFrame, link: str) -> pd.DataFrame:
    r = res
    if "region" in r.columns:
        nat = r[r["region"].isna() | (r["region"].astype(str) == "")]
        r = nat if not nat.empty else r
    if C.LINK in r.columns and (r[C.LINK].astype(str) == link).any():
        r = r[r[C.LINK].astype(str) == link]
    return r


def _indicator_value(
    res: pd.DataFrame | None, indicator: str, *, year: int, link: str
) -> float | None:
    if res is None:
        return None
    r = res[(res["indicator"] == indicator) & (pd.to_numeric(res[C.YEAR]) == int(year))]
    vals = pd.to_numeric(_pick(r, link)[C.VALUE], errors="coerce").dropna()
    return float(vals.iloc[0]) if not vals.empty else None


def _latest_value(
    res: pd.DataFrame | None, indicator: str, *, link: str, year: int | None
) -> tuple[int, float] | None:
    if res is None:
        return None
    r = _pick(res[res["indicator"] == indicator], link)
    r = r[pd.to_numeric(r[C.VALUE], errors="coerce").notna()]
    if year is not None:
        r = r[pd.to_numeric(r[C.YEAR]) == int(year)]
    if r.empty:
        return None
    r = r.sort_values(C.YEAR)
    return int(r[C.YEAR].iloc[-1]), float(r[C.VALUE].iloc[-1])
