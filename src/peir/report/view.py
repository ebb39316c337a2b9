"""What a brief may show: the data as of a year, and caseload counts with small cells suppressed.

- :func:`as_of` keeps the rows of a :class:`~peir.dataset.HarmonizedDataset` up to a year
  (spending, caseload, context, transfers, discrepancies, gaps, personnel), so a brief "as of
  2012" uses only what was known for 2012 and before.
- :func:`suppress_small_counts` blanks every caseload value below ``n`` that counts people or
  cases (non-zero counts of 1 to n − 1: a handful of cases can identify people; staff and prison
  places are public resources and stay), before any indicator is computed, so no
  output can show or re-derive them; the number blanked is returned for the annex. National
  totals are summed from the regions *before* the blanking (a national figure is never the sum
  of the regions left after it, which would understate it), and a source discrepancy's
  difference is blanked with either count it compares (the difference and one count give the
  other).
- Complementary (secondary) suppression: where a national total is shown and exactly one of its
  regions is blanked, that region is the total minus the others, so the smallest other region
  is blanked too (the rule of statistical disclosure control that no additive group has a
  single suppressed cell; Hundepool et al., *Statistical Disclosure Control*, Wiley 2012,
  §4.2). :func:`suppress_counts` says how many cells were blanked by each rule.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from peir.chain import MEASURES
from peir.dataset import HarmonizedDataset
from peir.schema import C

__all__ = ["Suppression", "as_of", "suppress_counts", "suppress_small_counts"]


def _upto(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    if frame.empty or C.YEAR not in frame:
        return frame
    y = pd.to_numeric(frame[C.YEAR], errors="coerce")
    return frame[y <= year].reset_index(drop=True)


def as_of(h: HarmonizedDataset, year: int) -> HarmonizedDataset:
    """``h`` restricted to years up to ``year`` (the provenance records ``as_of``)."""
    return replace(
        h,
        spending=_upto(h.spending, year),
        caseload=_upto(h.caseload, year),
        context=_upto(h.context, year),
        transfers=_upto(h.transfers, year),
        discrepancies=_upto(h.discrepancies, year),
        gaps=_upto(h.gaps, year),
        personnel=_upto(h.personnel, year),
        provenance={**h.provenance, "as_of": int(year)},
    )


@dataclass(frozen=True)
class Suppression:
    """What :func:`suppress_counts` blanked.

    Attributes
    ----------
    threshold
        Counts ``0 < v < threshold`` of people or cases were blanked.
    primary
        Cells blanked because they are below the threshold.
    secondary
        Cells blanked so that a primary one cannot be derived as a total minus the rest.
    """

    threshold: int
    primary: int = 0
    secondary: int = 0

    @property
    def cells(self) -> int:
        """All cells blanked (primary + secondary)."""
        return self.primary + self.secondary


def suppress_small_counts(h: HarmonizedDataset, n: int) -> tuple[HarmonizedDataset, int]:
    """``h`` with caseload values ``0 < v < n`` of people or cases blanked (NaN), and how
    many cells were blanked in all (primary and secondary, see :func:`suppress_counts`)."""
    out, counts = suppress_counts(h, n)
    return out, counts.cells


def suppress_counts(h: HarmonizedDataset, n: int) -> tuple[HarmonizedDataset, Suppression]:
    """``h`` with caseload values ``0 < v < n`` of people or cases blanked (NaN), and the
    counts of what was blanked.

    National totals missing from the data are first summed from the regions (so a national
    rate is that of the whole country, not of the regions left after blanking). Then, in each
    group of regions under a shown national total (same country, year, measure and headline
    flag; same source too for non-headline rows), a lone blanked region takes the smallest
    other non-zero region with it (secondary suppression). Source discrepancies (the
    alternative counts) are blanked by the primary rule, and their differences with them.
    """
    if n <= 1 or h.caseload.empty:
        return h, Suppression(max(int(n), 0))
    cl = _with_national_totals(h.caseload)
    v = pd.to_numeric(cl[C.VALUE], errors="coerce")
    small = (v > 0) & (v < n) & _about_people(cl)
    cl.loc[small, C.VALUE] = np.nan
    secondary = _complementary(cl, small)
    cl.loc[secondary, C.VALUE] = np.nan
    disc = h.discrepancies.copy()
    blanked = pd.Series(False, index=disc.index)
    for col in disc.columns:
        if col == C.YEAR or col.startswith("diff") or not pd.api.types.is_numeric_dtype(disc[col]):
            continue
        dv = pd.to_numeric(disc[col], errors="coerce")
        hit = (dv.abs() > 0) & (dv.abs() < n) & _about_people(disc)
        disc.loc[hit, col] = np.nan
        blanked |= hit
    for col in [c for c in disc.columns if c.startswith("diff")]:
        disc.loc[blanked, col] = np.nan
    counts = Suppression(int(n), int(small.sum()), int(secondary.sum()))
    prov = {
        **h.provenance,
        "suppress_below": int(n),
        "suppressed_primary": counts.primary,
        "suppressed_secondary": counts.secondary,
    }
    return replace(h, caseload=cl, discrepancies=disc, provenance=prov), counts


def _complementary(cl: pd.DataFrame, primary: pd.Series) -> pd.Series:
    """The regional cells to blank so that no shown national total has exactly one blanked
    region (the smallest other region with a non-zero count; a zero is blanked only where
    no non-zero region is left). ``cl[C.VALUE]`` already has the primary cells blanked."""
    out = pd.Series(False, index=cl.index)
    if C.REGION not in cl.columns or C.MEASURE not in cl.columns:
        return out
    national, headline = _national_and_headline(cl)
    source = (
        cl[C.SOURCE].astype("object").where(~headline, "").astype(str)
        if C.SOURCE in cl.columns
        else pd.Series("", index=cl.index)
    )
    value = pd.to_numeric(cl[C.VALUE], errors="coerce")
    keys = pd.DataFrame(
        {
            "c": cl[C.COUNTRY].astype(str),
            "y": cl[C.YEAR].astype(str),
            "m": cl[C.MEASURE].astype(str),
            "h": headline,
            "s": source,
        }
    )
    people = _about_people(cl)
    shown_total = {
        tuple(k) for k in keys[national & value.notna()].itertuples(index=False, name=None)
    }
    groups = keys[~national & people].groupby(list(keys.columns), sort=False).groups
    for key, idx in groups.items():
        if key not in shown_total:
            continue
        rows = pd.Index(idx)
        if int(primary.loc[rows].sum()) != 1:
            continue
        others = value.loc[rows][value.loc[rows].notna()]
        if others.empty:
            continue
        nonzero = others[others > 0]
        pick = (nonzero if len(nonzero) else others).sort_values(kind="stable").index[0]
        out.loc[pick] = True
    return out


#: Units of the caseload measures that count institutions' resources, not people or cases
#: (judges, police officers, prison places): public figures, never suppressed.
_RESOURCE_UNITS = frozenset({"staff", "places"})


def _about_people(frame: pd.DataFrame) -> pd.Series:
    """Rows whose measure counts people or cases (victims, persons, cases, offences)."""
    if C.MEASURE not in frame.columns:
        return pd.Series(True, index=frame.index)
    resource = {k for k, m in MEASURES.items() if m.unit in _RESOURCE_UNITS}
    return ~frame[C.MEASURE].astype(str).isin(resource)


def _national_and_headline(cl: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Masks of the national rows (no region) and of the headline rows of ``cl``."""
    region = cl[C.REGION].astype("object").where(cl[C.REGION].notna(), "").astype(str).str.strip()
    national = region.isin(["", "nan", "None", "<NA>"])
    headline = (
        cl[C.HEADLINE].astype(bool) if C.HEADLINE in cl.columns else pd.Series(True, index=cl.index)
    )
    return national, headline


def _with_national_totals(caseload: pd.DataFrame) -> pd.DataFrame:
    """``caseload`` plus a national headline row for each (country, year, measure) that has
    regional headline rows but no national one: the sum of the regions' headline values, as
    :func:`peir.indicators.justice.caseload_frame` would sum them, taken before any cell is
    blanked (its ``source`` lists the regions' sources)."""
    cl = caseload.copy()
    if C.REGION not in cl.columns or C.MEASURE not in cl.columns:
        return cl
    national, headline = _national_and_headline(cl)
    keys = [C.COUNTRY, C.YEAR, C.MEASURE]
    regional = cl[~national & headline]
    if regional.empty:
        return cl
    have = {tuple(map(str, k)) for k in cl.loc[national & headline, keys].to_numpy()}
    value = pd.to_numeric(regional[C.VALUE], errors="coerce")
    grouped = regional.assign(**{C.VALUE: value}).groupby(keys, observed=True, sort=False)
    add = grouped.first()
    add[C.VALUE] = grouped[C.VALUE].sum(min_count=1)
    if C.SOURCE in regional.columns:
        add[C.SOURCE] = grouped[C.SOURCE].agg(
            lambda s: "; ".join(sorted({str(x) for x in s.dropna()}))
        )
    add = add.reset_index()
    add = add[[tuple(map(str, k)) not in have for k in add[keys].to_numpy()]]
    if add.empty:
        return cl
    add[C.REGION] = ""
    if C.SOURCE_REF in add.columns:
        add[C.SOURCE_REF] = "sum of the regions, before small counts were suppressed"
    return pd.concat([cl, add[cl.columns]], ignore_index=True)
