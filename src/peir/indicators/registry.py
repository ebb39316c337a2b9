"""The indicator registry: every indicator documented once, computed by one function.

``catalog()`` lists the indicators (id, names in English and Spanish, unit, link, standard,
formula, description, requires). ``compute(h)`` evaluates them on a
:class:`peir.HarmonizedDataset` and returns a tidy frame

    country, year, region, link, group, indicator, value, unit, note

``region`` is empty for national figures; ``group`` is the institution code for
by-institution indicators (empty otherwise). A value that cannot be computed is NaN and its
``note`` says which input is missing (or zero) for which year — never a 0 in its place.
Spending levels use the executed phase where the country-year has it, else the approved one;
the ``note`` records which.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from peir.chain import MEASURES
from peir.errors import InputError
from peir.indicators import (
    economic,
    expenditure,
    funding,
    justice,
    payments,
    personnel,
    regional,
)
from peir.indicators._base import FRAME_KEYS, Indicator
from peir.schema import C

if TYPE_CHECKING:  # pragma: no cover
    from peir.dataset import HarmonizedDataset

__all__ = ["CATALOG_COLUMNS", "OUTPUT_COLUMNS", "REGISTRY", "catalog", "compute", "get"]

#: Columns of :func:`catalog`.
CATALOG_COLUMNS: tuple[str, ...] = (
    "id",
    "name_en",
    "name_es",
    "unit",
    "link",
    "standard",
    "formula",
    "description",
    "requires",
    "citation",
)

#: Columns of :func:`compute`.
OUTPUT_COLUMNS: tuple[str, ...] = (
    C.COUNTRY,
    C.YEAR,
    C.REGION,
    C.LINK,
    "group",
    "indicator",
    C.VALUE,
    C.UNIT,
    "note",
)

#: All indicators, by id, in documentation order.
_MODULES = (expenditure, economic, funding, payments, personnel, regional, justice)
REGISTRY: dict[str, Indicator] = {ind.id: ind for m in _MODULES for ind in m.INDICATORS}
if len(REGISTRY) != sum(len(m.INDICATORS) for m in _MODULES):  # pragma: no cover
    raise RuntimeError("duplicate indicator ids in the registry")

_CONTEXT_COLS = (
    C.POPULATION,
    C.POPULATION_SOURCE,
    C.GDP_LCU,
    C.GOV_EXPENDITURE_LCU,
    C.GOV_EXPENDITURE_SCOPE,
)

_HAS_SPENDING = "_has_spending"
_HAS_CASELOAD = "_has_caseload"
_SPENDING_PREFIXES = (
    "spending",
    "sector_spending",
    "econ_",
    "cv_",
    "capital_",
    "funding_",
    "regional_",
)

#: Context inputs: a row is not reported for them alone.
_CONTEXT_INPUTS = frozenset({C.POPULATION, C.GDP_LCU, C.GOV_EXPENDITURE_LCU})

_LABELS = {
    "spending_prev": "spending in the previous year",
    "spending_real_prev": "real spending in the previous year",
    "spending_real": "spending at constant prices (amount_real)",
    "sector_spending": "total sector spending",
    "staff": "staff measures of the link",
    "staff_total": "staff measures",
    "prisoners_average": "prisoners_total",
    **{
        col: f"{col} (no econ_gfs: give the budget's econ_scheme, e.g. econ_scheme: SLV)"
        for col in economic.ECON_COLUMNS
        if not col.startswith("capital_")
    },
    **{col: f"{col} (no funding_source)" for col in funding.FUNDING_COLUMNS},
    "spending_paid": "spending_paid (no paid phase)",
    "spending_committed": "spending_committed (no committed phase)",
    "capital_modified": "modified capital spending (GFS 31 in econ_gfs)",
    "capital_executed": "executed capital spending (GFS 31 in econ_gfs)",
}


def get(id: str) -> Indicator:
    """The indicator ``id``; raises :class:`peir.InputError` naming the closest ids."""
    try:
        return REGISTRY[id]
    except KeyError:
        close = difflib.get_close_matches(id, list(REGISTRY), n=3)
        raise InputError(
            f"unknown indicator {id!r}; closest: {', '.join(close) or 'none'}"
        ) from None


def catalog() -> pd.DataFrame:
    """The indicator catalogue: one row per indicator.

    Columns: ``id, name_en, name_es, unit, link, standard, formula, description, requires,
    citation`` (``requires`` lists the inputs, comma-separated).
    """
    return pd.DataFrame([ind.to_dict() for ind in REGISTRY.values()], columns=list(CATALOG_COLUMNS))


def _context(h: HarmonizedDataset) -> pd.DataFrame:
    ctx = h.context
    if ctx is None or ctx.empty or C.COUNTRY not in ctx.columns:
        return pd.DataFrame(columns=[C.COUNTRY, C.YEAR])
    cols = [c for c in (C.COUNTRY, C.YEAR, *_CONTEXT_COLS) if c in ctx.columns]
    if C.REGION in ctx.columns:  # the country rows; regional rows give regional populations
        ctx = ctx[ctx[C.REGION].isna() | (ctx[C.REGION].astype(str).str.strip() == "")]
    out = ctx[cols].copy()
    out[C.COUNTRY] = out[C.COUNTRY].astype(str)
    out[C.YEAR] = out[C.YEAR].astype(int)
    return out.drop_duplicates([C.COUNTRY, C.YEAR])


def _regional_population(h: HarmonizedDataset) -> pd.DataFrame:
    """Regional populations from the context's rows with a ``region``: country, year, region,
    population_region (empty when the context has none)."""
    cols = [C.COUNTRY, C.YEAR, C.REGION, justice.REGIONAL_POPULATION]
    ctx = h.context
    if ctx is None or ctx.empty or C.REGION not in ctx.columns or C.POPULATION not in ctx.columns:
        return pd.DataFrame(columns=cols)
    reg = ctx[ctx[C.REGION].notna() & (ctx[C.REGION].astype(str).str.strip() != "")]
    out = pd.DataFrame(
        {
            C.COUNTRY: reg[C.COUNTRY].astype(str).to_numpy(),
            C.YEAR: reg[C.YEAR].astype(int).to_numpy(),
            C.REGION: reg[C.REGION].astype(str).str.strip().to_numpy(),
            justice.REGIONAL_POPULATION: pd.to_numeric(reg[C.POPULATION], errors="coerce").to_numpy(
                dtype="float64"
            ),
        }
    )
    return out.drop_duplicates([C.COUNTRY, C.YEAR, C.REGION])


def _frames(
    h: HarmonizedDataset, country: str | None
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Build the main, link and institution frames; also the 'summed from regions' flags."""
    spend_main, spend_link, spend_inst = expenditure.spending_frames(h, country)
    cl, summed = justice.caseload_frame(h, country)
    ctx = _context(h)
    key = [C.COUNTRY, C.YEAR]
    if not spend_main.empty:
        spend_main[C.COUNTRY] = spend_main[C.COUNTRY].astype(str)
        spend_main[C.YEAR] = spend_main[C.YEAR].astype(int)
    main = (
        pd.merge(cl, spend_main, on=[*key, C.REGION], how="outer")
        if not spend_main.empty
        else cl.copy()
    )
    staff_main, staff_cat, staff_inst = personnel.personnel_frames(h.personnel, country)
    if not staff_main.empty:
        staff_main[C.YEAR] = staff_main[C.YEAR].astype(int)
        main[C.REGION] = main[C.REGION].fillna("").astype(str)
        main[C.YEAR] = main[C.YEAR].astype(int)
        main = main.merge(staff_main, on=[*key, C.REGION], how="outer")
    for m in MEASURES:
        if m not in main.columns:
            main[m] = np.nan
    for col in (
        "spending",
        "spending_real",
        "spending_lcu",
        "spending_prev",
        "spending_real_prev",
        *(f"spending_{p}" for p in expenditure.PHASE_TOTALS),
        *funding.FUNDING_COLUMNS,
        "cv_institution",
        "cv_econ",
        "level_phase",
        *economic.ECON_COLUMNS,
        *personnel.MAIN_COLUMNS,
        *(
            f"spending_{lk}"
            for lk in ("prevention", "patrol", "investigation", "judicial", "corrections")
        ),
    ):
        if col not in main.columns:
            main[col] = np.nan
    main[C.YEAR] = main[C.YEAR].astype(int)
    main[C.REGION] = main[C.REGION].fillna("").astype(str)
    # context (national rows); regional population from the caseload measure, if any
    main = main.merge(ctx, on=key, how="left", suffixes=("", "_ctx"))
    for c in (C.POPULATION, C.GDP_LCU, C.GOV_EXPENDITURE_LCU):
        if c not in main.columns:
            main[c] = np.nan
        main[c] = pd.to_numeric(main[c], errors="coerce").astype("float64")
    in_region = main[C.REGION] != ""
    reg_pop = (
        main[justice.REGIONAL_POPULATION] if justice.REGIONAL_POPULATION in main.columns else np.nan
    )
    ctx_reg = _regional_population(h)
    if not ctx_reg.empty:  # regional populations from the context, where the caseload has none
        from_ctx = main[[C.COUNTRY, C.YEAR, C.REGION]].merge(
            ctx_reg, on=[C.COUNTRY, C.YEAR, C.REGION], how="left"
        )
        reg_pop = pd.Series(reg_pop, index=main.index, dtype="float64").fillna(
            pd.Series(from_ctx[justice.REGIONAL_POPULATION].to_numpy(), index=main.index)
        )
    main[C.POPULATION] = np.where(in_region, reg_pop, main[C.POPULATION])
    main.loc[in_region, [C.GDP_LCU, C.GOV_EXPENDITURE_LCU]] = np.nan
    phase_cols = [f"spending_{p}" for p in expenditure.PHASE_TOTALS]
    main[_HAS_SPENDING] = main["level_phase"].notna() | main[phase_cols].notna().any(axis=1)
    main[_HAS_CASELOAD] = main[[m for m in MEASURES if m in main.columns]].notna().any(axis=1)
    main = justice.add_derived(
        main.sort_values([C.COUNTRY, C.REGION, C.YEAR]).reset_index(drop=True)
    )
    main = regional.add_dispersion(main)

    national = main[main[C.REGION] == ""]
    base = national[[*key, C.POPULATION, C.GDP_LCU, *justice.STAFF_MEASURES]]

    link = spend_link
    if not link.empty:
        link[C.YEAR] = link[C.YEAR].astype(int)
        link[C.COUNTRY] = link[C.COUNTRY].astype(str)
        link = link.merge(base, on=key, how="left")
        # regional link rows: the region's population (and no national GDP or staff)
        reg = (link[C.REGION] != "").to_numpy()
        if reg.any():
            pop = link[[*key, C.REGION]].merge(
                main[[*key, C.REGION, C.POPULATION]], on=[*key, C.REGION], how="left"
            )
            link.loc[reg, C.POPULATION] = pop.loc[reg, C.POPULATION].to_numpy()
            link.loc[reg, [C.GDP_LCU, *justice.STAFF_MEASURES]] = np.nan
        staff = pd.Series(np.nan, index=link.index, dtype="float64")
        for lk in {MEASURES[m].link.value for m in justice.STAFF_MEASURES}:
            ms = [m for m in justice.STAFF_MEASURES if MEASURES[m].link.value == lk]
            on_link = (link[C.LINK] == lk).to_numpy()
            staff[on_link] = link.loc[on_link, ms].sum(axis=1, min_count=1)
        link["staff"] = staff
    inst = spend_inst
    if not inst.empty:
        inst[C.YEAR] = inst[C.YEAR].astype(int)
    if not staff_inst.empty:
        staff_inst[C.YEAR] = staff_inst[C.YEAR].astype(int)
        inst = staff_inst if inst.empty else inst.merge(staff_inst, on=[*key, "group"], how="outer")
    if not inst.empty:
        inst = inst.assign(**{C.REGION: "", C.LINK: "sector"})
    cat = staff_cat
    if not cat.empty:
        cat[C.YEAR] = cat[C.YEAR].astype(int)
        pops = main[[*key, C.REGION, C.POPULATION]].drop_duplicates([*key, C.REGION])
        cat = cat.merge(pops, on=[*key, C.REGION], how="left")
    return {"main": main, "link": link, "institution": inst, "personnel": cat}, summed


def _where(frame: pd.DataFrame, kind: str) -> np.ndarray:
    """'SLV 2019', 'SLV 2019 (region A)', 'SLV 2019 [PNC]' for every row of ``frame``."""
    where = frame[C.COUNTRY].astype(str) + " " + frame[C.YEAR].astype(int).astype(str)
    if C.REGION in frame.columns:
        reg = frame[C.REGION].astype(str)
        where = where.where(reg == "", where + " (region " + reg + ")")
    tag = {"institution": "group", "personnel": "group", "link": C.LINK}.get(kind)
    if tag is not None and tag in frame.columns:
        where = where + " [" + frame[tag].astype(str) + "]"
    return where.to_numpy(dtype=object)


def _notes(
    ind: Indicator, frame: pd.DataFrame, values: pd.Series, summed_cols: pd.DataFrame | None
) -> pd.Series:
    n = len(frame)
    notes = np.full(n, "", dtype=object)
    req = [r for r in ind.requires if r in frame.columns]
    nan = values.isna().to_numpy()
    if nan.any() and req:
        sub = frame.loc[nan, req]
        missing = sub.isna().to_numpy()
        zero = (sub == 0).to_numpy()
        where = _where(frame.loc[nan], ind.frame)
        in_region = (
            (frame.loc[nan, C.REGION] != "").to_numpy()
            if C.REGION in frame.columns
            else np.zeros(len(sub), dtype=bool)
        )
        out = []
        for k in range(len(sub)):
            miss = [req[j] for j in range(len(req)) if missing[k, j]]
            if miss:
                labels = ", ".join(_LABELS.get(m, m) for m in miss)
                if in_region[k] and C.POPULATION in miss:
                    labels += " (no regional population in the data)"
                out.append(f"missing {labels} for {where[k]}")
                continue
            zeros = [req[j] for j in range(len(req)) if zero[k, j]]
            if zeros:
                out.append(
                    f"zero denominator ({', '.join(f'{z} = 0' for z in zeros)}) for {where[k]}"
                )
            else:
                out.append(f"not computable for {where[k]}")
        notes[nan] = out
    if ind.phase_note and "level_phase" in frame.columns:
        ph = frame["level_phase"]
        msg = np.where(
            ph.notna().to_numpy(),
            "phase: " + ph.fillna("").astype(str).to_numpy(dtype=object),
            "phase: no executed or approved spending",
        )
        notes = np.where(notes == "", msg, notes + "; " + msg).astype(object)
    if summed_cols is not None:
        req_sum = [r for r in req if r in summed_cols.columns]
        if req_sum:
            flags = summed_cols[req_sum].to_numpy(dtype=bool)
            for row in np.flatnonzero(flags.any(axis=1)).tolist():
                add = "national = sum of regions for " + ", ".join(
                    c for j, c in enumerate(req_sum) if flags[row, j]
                )
                notes[row] = add if not notes[row] else f"{notes[row]}; {add}"
    return pd.Series(notes, index=frame.index, dtype=object)


def _unit_fn(h: HarmonizedDataset) -> Callable[[str], str]:
    """Spell out the currency and base year in units ("USD, constant 2020 prices")."""
    cur = str(h.currency or "LCU")
    base = f"constant {h.base_year} prices" if h.base_year is not None else "constant prices"

    def unit(u: str) -> str:
        return u.replace("constant prices", base).replace("currency", cur)

    return unit


def compute(
    h: HarmonizedDataset,
    ids: Iterable[str] | str | None = None,
    *,
    country: str | Iterable[str] | None = None,
    years: Iterable[int] | int | None = None,
) -> pd.DataFrame:
    """Compute indicators on a harmonised dataset; tidy output.

    Parameters
    ----------
    h
        A :class:`peir.HarmonizedDataset`.
    ids
        Indicator ids (see :func:`catalog`); ``None`` computes all of them.
    country
        One ISO3 code or several; ``None`` = all countries.
    years
        Years to report (previous years are still used for growth rates and average stocks).

    Returns
    -------
    DataFrame
        ``country, year, region, link, group, indicator, value, unit, note``. One row per
        indicator and country-year (and region, link or institution where the indicator is
        broken down) for which at least one input is present. NaN values carry a note naming
        the missing or zero input and the year; spending levels note the phase used.
    """
    if isinstance(ids, str):
        ids = [ids]
    inds = list(REGISTRY.values()) if ids is None else [get(i) for i in ids]
    countries: list[str] | None
    if country is None:
        countries = None
    elif isinstance(country, str):
        countries = [country]
    else:
        countries = list(country)
    year_set: set[int] | None
    if years is None:
        year_set = None
    elif isinstance(years, int | np.integer):
        year_set = {int(years)}
    else:
        year_set = {int(y) for y in years}

    pieces: list[pd.DataFrame] = []
    for ctry in countries or [None]:  # type: ignore[list-item]
        frames, summed = _frames(h, ctry)
        summed_main = None
        if not summed.empty:
            summed_main = frames["main"][[C.COUNTRY, C.YEAR, C.REGION]].merge(
                summed, on=[C.COUNTRY, C.YEAR, C.REGION], how="left"
            )
            summed_main = (
                summed_main.drop(columns=[C.COUNTRY, C.YEAR, C.REGION]).fillna(False).astype(bool)
            )
            summed_main.index = frames["main"].index
        for ind in inds:
            pieces.append(_compute_one(ind, frames, summed_main, _unit_fn(h), year_set))
    pieces = [p for p in pieces if not p.empty]
    if not pieces:
        return pd.DataFrame(
            {c: pd.Series(dtype="float64" if c == C.VALUE else object) for c in OUTPUT_COLUMNS}
        )
    out = pd.concat(pieces, ignore_index=True)
    out[C.YEAR] = out[C.YEAR].astype(int)
    out[C.VALUE] = out[C.VALUE].astype("float64")
    return out[list(OUTPUT_COLUMNS)]


def _compute_one(
    ind: Indicator,
    frames: dict[str, pd.DataFrame],
    summed: pd.DataFrame | None,
    unit: Callable[[str], str],
    year_set: set[int] | None,
) -> pd.DataFrame:
    frame = frames[ind.frame]
    if frame.empty:
        return pd.DataFrame()
    if not ind.regional and C.REGION in frame.columns:
        frame = frame[frame[C.REGION] == ""]
    if year_set is not None:
        frame = frame[frame[C.YEAR].isin(year_set)]
    req = [r for r in ind.requires if r in frame.columns]
    subject = [r for r in req if r not in _CONTEXT_INPUTS] or req
    if not subject:
        return pd.DataFrame()
    # a series (country, region, link/group) is reported when one of its subject inputs is
    # present in some year; all its years are then listed, NaN with a note where missing
    series_keys = [k for k in FRAME_KEYS[ind.frame] if k != C.YEAR and k in frame.columns]
    has = frame[subject].notna().any(axis=1)
    keep = has.groupby([frame[k] for k in series_keys]).transform("any")
    # ... for the years that have data of the indicator's kind (spending and/or caseload)
    spend = [r for r in subject if r.startswith(_SPENDING_PREFIXES)]
    case = [r for r in subject if not r.startswith(_SPENDING_PREFIXES)]
    domain = pd.Series(False, index=frame.index)
    if spend:
        domain |= frame[_HAS_SPENDING] if _HAS_SPENDING in frame.columns else True
    if case:
        domain |= frame[_HAS_CASELOAD] if _HAS_CASELOAD in frame.columns else True
    frame = frame[(keep & (has | domain)).to_numpy(dtype=bool)]
    if frame.empty:
        return pd.DataFrame()
    for r in ind.requires:
        if r not in frame.columns:
            frame = frame.assign(**{r: np.nan})
    with np.errstate(all="ignore"):
        values = pd.Series(ind.fn(frame), index=frame.index, dtype="float64")
    values = values.where(np.isfinite(values))
    sm = summed.reindex(frame.index) if (summed is not None and ind.frame == "main") else None
    notes = _notes(ind, frame, values, sm)
    keys = FRAME_KEYS[ind.frame]
    out = pd.DataFrame(
        {
            C.COUNTRY: frame[C.COUNTRY].astype(str).to_numpy(),
            C.YEAR: frame[C.YEAR].astype(int).to_numpy(),
            C.REGION: frame[C.REGION].astype(str).to_numpy() if C.REGION in frame else "",
            C.LINK: frame[C.LINK].astype(str).to_numpy() if "link" in keys else ind.link,
            "group": frame["group"].astype(str).to_numpy() if "group" in keys else "",
            "indicator": ind.id,
            C.VALUE: values.to_numpy(),
            C.UNIT: unit(ind.unit),
            "note": notes.to_numpy(),
        }
    )
    return out
