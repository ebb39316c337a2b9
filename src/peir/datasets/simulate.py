"""A synthetic, clearly labelled security and justice system at department (region) level.

:func:`simulate` builds budget lines, a chain map, caseload flows along the chain, staff and
macro context for one or more synthetic countries (user-assigned ISO codes ``XSA``, ``XSB``,
...). Everything it produces is marked synthetic: ``Dataset.meta["synthetic"] is True`` and
every ``source`` / ``source_ref`` starts with ``synthetic:``. It exists for the models that need
many comparable units (DEA, SFA, Malmquist), for tests and for benchmarks; it is not data about
any real country.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from peir.chain import MEASURES, Link, Phase
from peir.dataset import Dataset
from peir.errors import InputError
from peir.schema import C

__all__ = ["simulate", "simulate_frames"]

_COUNTRY_RE = re.compile(r"^X[A-Z]{2}$")
#: Sources of the two homicide counts, highest priority first.
FORENSIC_SOURCE = "synthetic:forensic institute"
POLICE_SOURCE = "synthetic:police"
ECON_CODES: tuple[str, ...] = ("21", "22", "28", "31")
_ECON_LABEL = {
    "21": "compensation of employees",
    "22": "use of goods and services",
    "28": "other expense",
    "31": "fixed assets",
}
#: Mean and spread of the execution rate (executed / modified) by economic class.
_EXEC_MEAN = np.array([0.98, 0.90, 0.93, 0.72])
_EXEC_SD = np.array([0.015, 0.05, 0.04, 0.12])


@dataclass(frozen=True)
class _Programme:
    institution_code: str
    institution: str
    code: str
    name: str
    func: str
    weight: float  # share of the sector's approved budget
    econ: tuple[float, float, float, float]  # shares of GFS 21, 22, 28, 31


_STAFF = (0.72, 0.18, 0.03, 0.07)
_PROGRAMMES: tuple[_Programme, ...] = (
    _Programme("POL", "Police (synthetic)", "POL-01", "Patrol", "03.1", 0.50 * 0.62, _STAFF),
    _Programme(
        "POL", "Police (synthetic)", "POL-02", "Criminal investigation", "03.1", 0.50 * 0.22, _STAFF
    ),
    _Programme(
        "POL",
        "Police (synthetic)",
        "POL-03",
        "Community prevention",
        "03.1",
        0.50 * 0.04,
        (0.60, 0.30, 0.05, 0.05),
    ),
    _Programme(
        "POL",
        "Police (synthetic)",
        "POL-99",
        "Administration",
        "03.1",
        0.50 * 0.12,
        (0.55, 0.30, 0.05, 0.10),
    ),
    _Programme(
        "PROS", "Prosecution service (synthetic)", "PROS-01", "Prosecution", "03.3", 0.08, _STAFF
    ),
    _Programme(
        "COURT", "Courts (synthetic)", "COURT-01", "Criminal courts", "03.3", 0.18 * 0.85, _STAFF
    ),
    _Programme(
        "COURT",
        "Courts (synthetic)",
        "COURT-99",
        "Court administration",
        "03.3",
        0.18 * 0.15,
        (0.50, 0.35, 0.05, 0.10),
    ),
    _Programme(
        "DEF", "Public defence (synthetic)", "DEF-01", "Public defence", "03.3", 0.03, _STAFF
    ),
    _Programme(
        "PRIS",
        "Prison service (synthetic)",
        "PRIS-01",
        "Custody",
        "03.4",
        0.12 * 0.80,
        (0.55, 0.35, 0.02, 0.08),
    ),
    _Programme(
        "PRIS",
        "Prison service (synthetic)",
        "PRIS-02",
        "Rehabilitation",
        "03.4",
        0.12 * 0.20,
        (0.50, 0.40, 0.05, 0.05),
    ),
    _Programme(
        "MIN",
        "Ministry of security (synthetic)",
        "MIN-01",
        "Violence prevention",
        "03.6",
        0.06 * 0.60,
        (0.35, 0.25, 0.30, 0.10),
    ),
    # MIN-02 has no chain-map rule on purpose: its spending is harmonised as unallocated.
    _Programme(
        "MIN",
        "Ministry of security (synthetic)",
        "MIN-02",
        "Central administration",
        "03.6",
        0.06 * 0.40,
        (0.45, 0.35, 0.10, 0.10),
    ),
    _Programme(
        "FOR",
        "Forensic institute (synthetic)",
        "FOR-01",
        "Forensic services",
        "03.3",
        0.03,
        (0.60, 0.30, 0.02, 0.08),
    ),
)
#: Programmes that the synthetic chain map leaves unmapped (-> ``unallocated``).
UNMAPPED_PROGRAMMES: tuple[str, ...] = ("MIN-02",)

_L = Link
#: Chain-map rules: institution, programme pattern, [(link, share)], basis.
_CHAIN_RULES: tuple[tuple[str, str, tuple[tuple[Link, float], ...], str], ...] = (
    ("POL", "POL-01*", ((_L.PATROL, 1.0),), "synthetic: programme line (patrol)"),
    (
        "POL",
        "POL-02*",
        ((_L.INVESTIGATION, 1.0),),
        "synthetic: programme line (criminal investigation)",
    ),
    ("POL", "POL-03*", ((_L.PREVENTION, 1.0),), "synthetic: programme line (prevention)"),
    (
        "POL",
        "POL-99*",
        ((_L.PATROL, 0.70), (_L.INVESTIGATION, 0.25), (_L.PREVENTION, 0.05)),
        "synthetic: administration pro rata to direct programme cost",
    ),
    ("PROS", "", ((_L.INVESTIGATION, 1.0),), "synthetic: whole institution (prosecution)"),
    ("COURT", "", ((_L.JUDICIAL, 1.0),), "synthetic: whole institution (courts)"),
    ("DEF", "", ((_L.JUDICIAL, 1.0),), "synthetic: whole institution (public defence)"),
    ("PRIS", "", ((_L.CORRECTIONS, 1.0),), "synthetic: whole institution (prisons)"),
    ("MIN", "MIN-01*", ((_L.PREVENTION, 1.0),), "synthetic: programme line (prevention)"),
    (
        "FOR",
        "",
        ((_L.INVESTIGATION, 0.80), (_L.JUDICIAL, 0.20)),
        "synthetic: staff shares (autopsies for investigation, expert testimony in court)",
    ),
)


def _country_codes(countries: int | Sequence[str] | str) -> list[str]:
    if isinstance(countries, str):
        countries = (countries,)
    if isinstance(countries, int | np.integer):
        n = int(countries)
        if not 1 <= n <= 26 * 26:
            raise InputError(f"countries must be between 1 and 676, got {n}")
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        # XSA, XSB, ... XSZ, XTA, ... (user-assigned ISO 3166 codes start with X)
        codes = [f"X{letters[(18 + i // 26) % 26]}{letters[i % 26]}" for i in range(n)]
        return codes
    codes = [str(c) for c in countries]
    if not codes:
        raise InputError("countries is empty; give codes such as ('XSA', 'XSB') or a number")
    bad = [c for c in codes if not _COUNTRY_RE.match(c)]
    if bad:
        raise InputError(
            f"synthetic countries must use user-assigned ISO codes X?? (e.g. 'XSA'), got {bad}"
        )
    if len(set(codes)) != len(codes):
        raise InputError(f"countries repeat a code: {codes}")
    return codes


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers >= 1 summing to ``total`` (>= len(weights)), proportional to ``weights``."""
    k = len(weights)
    extra = total - k
    raw = extra * weights / weights.sum()
    base = np.floor(raw).astype(np.int64)
    rest = extra - int(base.sum())
    if rest > 0:
        order = np.argsort(-(raw - base), kind="stable")
        base[order[:rest]] += 1
    out: np.ndarray = base + 1
    return out


def _cat(codes: np.ndarray, categories: Sequence[str]) -> pd.Categorical[str]:
    cat: pd.Categorical[str] = pd.Categorical.from_codes(
        codes.astype(np.int64), categories=pd.Index(list(categories))
    )
    return cat


def simulate(
    *,
    seed: int = 0,
    n_regions: int = 14,
    years: Iterable[int] = range(2015, 2025),
    n_rows: int | None = None,
    countries: int | Sequence[str] = ("XSA",),
) -> Dataset:
    """Simulate a department-level security and justice system (clearly labelled synthetic).

    Parameters
    ----------
    seed
        Seed of the random generator; the same seed gives identical tables.
    n_regions
        Number of regions (departments) per country.
    years
        Fiscal years to simulate.
    n_rows
        Approximate number of budget lines wanted. ``None`` gives one line per programme,
        economic class, region, year and phase (13 x 4 x 3 = 156 per region-year); a larger
        number splits programmes into activities so that the budget has about ``n_rows``
        lines (within the rounding of one activity per region-year).
    countries
        User-assigned ISO codes (``"XSA"``, ``"XSB"``, ...) or the number of countries.

    Returns
    -------
    peir.Dataset
        ``budget`` (institution x programme x GFS economic class 21/22/28/31 x region x
        phase approved / modified / executed), ``chain_map`` (explicit shares; programme
        ``MIN-02`` is left unmapped, so some spending is harmonised as ``unallocated``),
        ``caseload`` (flows along the chain by region, staff, prisons, homicides with two
        sources in some region-years) and ``context`` (one row per country-year).
        ``meta`` holds ``synthetic=True``, ``seed``, ``source_priority`` and
        ``true_efficiency``: a DataFrame ``country, region, efficiency`` with the hidden
        court efficiency of each region (1 = best in its country).

    Notes
    -----
    The model, per country c, region r and year t:

    - size s_rt = population_rt x crime factor_r (lognormal), the workload driver;
    - approved sector budget = sector share of GDP x GDP_ct, split over regions in
      proportion to s_rt, then over programmes, economic classes and activities;
      modified = approved x (1 + e), e ~ N(0.01, 0.05); executed = modified x execution
      rate (by economic class: wages ~0.98, goods ~0.90, other ~0.93, capital ~0.72);
    - crimes recorded = s_rt x crime rate; suspects, arrests, cases received, indictments
      and court cases incoming follow by attrition ratios (country level, with 2 % regional
      noise); judges, prosecutors, police and public defenders are proportional to the
      workload;
    - cases resolved = judges x productivity x efficiency_r: the hidden efficiency is the
      only systematic difference in output per unit of input between regions, so DEA on
      regions (inputs: court spending and judges; output: cases resolved) recovers its
      ranking up to the noise; pending cases carry over from one year to the next;
    - convictions, prison admissions, prisoners (sentenced and not), capacity and
      homicides follow with realistic ratios.

    Examples
    --------
    >>> ds = simulate(seed=1, n_regions=5, years=range(2020, 2023))
    >>> ds.meta["synthetic"], len(ds.budget.frame)
    (True, 2340)
    """
    budget, caseload, context, chain_map, meta = simulate_frames(
        seed=seed, n_regions=n_regions, years=years, n_rows=n_rows, countries=countries
    )
    return Dataset(
        budget=budget,
        caseload=caseload,
        context=context,
        chain_map=chain_map,
        name="synthetic",
        meta=meta,
    )


def simulate_frames(
    *,
    seed: int = 0,
    n_regions: int = 14,
    years: Iterable[int] = range(2015, 2025),
    n_rows: int | None = None,
    countries: int | Sequence[str] = ("XSA",),
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """The frames behind :func:`simulate`, unvalidated: budget, caseload, context, chain map, meta.

    Same parameters as :func:`simulate`. Useful for benchmarks that time the readers or the
    harmonisation on their own.
    """
    codes = _country_codes(countries)
    year_list = sorted({int(y) for y in years})
    if not year_list:
        raise InputError("years is empty")
    if int(n_regions) < 1:
        raise InputError(f"n_regions must be at least 1, got {n_regions}")
    n_regions = int(n_regions)
    if n_rows is not None and int(n_rows) < 1:
        raise InputError(f"n_rows must be positive, got {n_rows}")
    rng = np.random.default_rng(seed)
    tag = f"synthetic:peir.datasets.simulate(seed={seed})"

    n_c, n_t, n_r = len(codes), len(year_list), n_regions
    shape = (n_c, n_t, n_r)
    t_idx = np.arange(n_t, dtype=float)[None, :, None]

    # --- countries and regions -----------------------------------------------------------
    cp = {
        "gdp_pc": rng.uniform(2_500, 9_000, n_c),
        "growth": rng.uniform(0.02, 0.04, n_c),  # real
        "deflator_infl": rng.uniform(0.01, 0.05, n_c),
        "cpi_infl": rng.uniform(0.01, 0.05, n_c),
        "pop_growth": rng.uniform(0.002, 0.012, n_c),
        "sector_pct": rng.uniform(0.015, 0.030, n_c),
        "gov_pct": rng.uniform(0.20, 0.33, n_c),
        "ppp_ratio": rng.uniform(0.40, 0.60, n_c),
        "crime_rate": rng.uniform(1_500, 3_500, n_c),  # per 100,000 (size units)
        "homicide_rate": rng.uniform(5, 40, n_c),  # per 100,000 inhabitants
        "prison_rate": rng.uniform(150, 600, n_c),  # per 100,000 inhabitants
        "police_rate": rng.uniform(200, 400, n_c),  # per 100,000 (size units)
        "case_load": rng.uniform(100, 180, n_c),  # incoming cases per criminal judge-year
    }
    attr = {  # attrition ratios along the chain, country level
        "suspects": rng.uniform(0.35, 0.50, n_c),
        "arrests": rng.uniform(0.45, 0.70, n_c),
        "received": rng.uniform(0.80, 0.95, n_c),
        "indicted": rng.uniform(0.30, 0.45, n_c),
        "incoming": rng.uniform(0.95, 1.00, n_c),
        "convicted": rng.uniform(0.45, 0.65, n_c),
        "admitted": rng.uniform(0.50, 0.80, n_c),
        "homicide_convicted": rng.uniform(0.05, 0.15, n_c),
    }
    pop0 = rng.lognormal(np.log(450_000), 0.6, (n_c, 1, n_r))
    crime_factor = rng.lognormal(0.0, 0.25, (n_c, 1, n_r))
    efficiency = rng.uniform(0.55, 1.0, (n_c, n_r))
    efficiency[np.arange(n_c), efficiency.argmax(axis=1)] = 1.0

    def per_c(a: np.ndarray) -> np.ndarray:
        return a[:, None, None]

    pop = pop0 * (1 + per_c(cp["pop_growth"])) ** t_idx * rng.lognormal(0, 0.005, shape)
    size = pop * crime_factor * rng.lognormal(0, 0.01, shape)
    pop_ct = pop.sum(axis=2)  # (c, t)
    gdp_ct = (
        pop_ct
        * cp["gdp_pc"][:, None]
        * ((1 + cp["growth"][:, None]) * (1 + cp["deflator_infl"][:, None])) ** t_idx[:, :, 0]
    )

    # --- budget ----------------------------------------------------------------------------
    n_units = n_c * n_t * n_r
    n_prog = len(_PROGRAMMES)
    n_econ = len(ECON_CODES)
    weights = np.array([p.weight for p in _PROGRAMMES])
    if n_rows is None:
        acts = np.ones(n_prog, dtype=np.int64)
    else:
        per_unit = max(n_prog, round(int(n_rows) / (n_units * n_econ * 3)))
        acts = _allocate(per_unit, weights)
    # line template within one region-year: (programme, activity, econ)
    prog_of_act = np.repeat(np.arange(n_prog), acts)
    act_no = np.concatenate([np.arange(a) for a in acts])
    labels: list[str] = []
    for p, k in zip(prog_of_act.tolist(), act_no.tolist(), strict=True):
        pr = _PROGRAMMES[p]
        labels.append(
            f"{pr.code} {pr.name}"
            if acts[p] == 1
            else f"{pr.code} {pr.name} / activity {k + 1:03d}"
        )
    n_act = len(prog_of_act)
    line_prog = np.repeat(prog_of_act, n_econ)
    line_label = np.repeat(np.arange(n_act), n_econ)
    line_econ = np.tile(np.arange(n_econ), n_act)
    econ_share = np.array([p.econ for p in _PROGRAMMES])[line_prog, line_econ]
    base_w = weights[line_prog] / acts[line_prog] * econ_share  # (L,)
    n_lines = len(base_w)

    sector_ct = gdp_ct * cp["sector_pct"][:, None]
    unit_total = (sector_ct[:, :, None] * size / size.sum(axis=2, keepdims=True)).reshape(-1)
    w = base_w[None, :] * rng.lognormal(0, 0.35, (n_units, n_lines))
    approved = w / w.sum(axis=1, keepdims=True) * unit_total[:, None]
    modified = approved * np.clip(rng.normal(0.01, 0.05, approved.shape) + 1, 0.6, 1.6)
    rate = np.clip(
        rng.normal(_EXEC_MEAN[line_econ][None, :], _EXEC_SD[line_econ][None, :], approved.shape),
        0.3,
        1.0,
    )
    executed = modified * rate

    unit_c = np.repeat(np.arange(n_c), n_t * n_r)
    unit_t = np.tile(np.repeat(np.arange(n_t), n_r), n_c)
    unit_r = np.tile(np.arange(n_r), n_c * n_t)
    region_names = [f"{c}-D{r + 1:02d}" for c in codes for r in range(n_r)]
    unit_region = unit_c * n_r + unit_r

    n_phase = 3
    total = n_units * n_lines * n_phase
    # order: phase, unit, line
    ph = np.repeat(np.arange(n_phase), n_units * n_lines)
    u = np.tile(np.repeat(np.arange(n_units), n_lines), n_phase)
    ln = np.tile(np.arange(n_lines), n_units * n_phase)
    amounts = np.round(np.concatenate([approved.ravel(), modified.ravel(), executed.ravel()]), 2)
    inst_codes = sorted({p.institution_code for p in _PROGRAMMES})
    inst_names = [
        next(p.institution for p in _PROGRAMMES if p.institution_code == ic) for ic in inst_codes
    ]
    prog_inst = np.array([inst_codes.index(p.institution_code) for p in _PROGRAMMES])
    funcs = sorted({p.func for p in _PROGRAMMES})
    prog_func = np.array([funcs.index(p.func) for p in _PROGRAMMES])
    phases = [Phase.APPROVED.value, Phase.MODIFIED.value, Phase.EXECUTED.value]
    lp = line_prog[ln]
    budget = pd.DataFrame(
        {
            C.COUNTRY: _cat(unit_c[u], codes),
            C.YEAR: np.asarray(year_list, dtype=np.int64)[unit_t[u]],
            C.INSTITUTION_CODE: _cat(prog_inst[lp], inst_codes),
            C.INSTITUTION: _cat(prog_inst[lp], inst_names),
            C.PROGRAM: _cat(line_label[ln], labels),
            C.ECON: _cat(line_econ[ln], list(ECON_CODES)),
            C.FUNC: _cat(prog_func[lp], funcs),
            C.REGION: _cat(unit_region[u], region_names),
            C.FUNDING_SOURCE: _cat(np.zeros(total, dtype=np.int8), ["general fund"]),
            C.PHASE: _cat(ph, phases),
            C.AMOUNT: amounts,
            C.CURRENCY: _cat(np.zeros(total, dtype=np.int8), ["USD"]),
            C.SOURCE_REF: _cat(np.zeros(total, dtype=np.int8), [tag]),
        }
    )

    chain_rows = []
    for inst, pattern, parts, basis in _CHAIN_RULES:
        for link, share in parts:
            chain_rows.append(
                {
                    C.INSTITUTION_CODE: inst,
                    C.PROGRAM_PATTERN: pattern or None,
                    C.LINK: link.value,
                    C.SHARE: share,
                    C.BASIS: basis,
                    C.SOURCE_REF: tag,
                }
            )
    chain_map = pd.DataFrame(chain_rows)

    # --- caseload --------------------------------------------------------------------------
    def noise(sd: float = 0.02) -> np.ndarray:
        return rng.lognormal(0, sd, shape)

    def a(name: str) -> np.ndarray:
        return per_c(attr[name])

    def step(prev: np.ndarray, ratio: str, sd: float = 0.02) -> np.ndarray:
        """Attrition: a share of the previous stage, never more than the previous stage."""
        out: np.ndarray = np.minimum(prev, np.round(prev * a(ratio) * noise(sd)))
        return out

    crimes = np.round(size * per_c(cp["crime_rate"]) / 1e5 * noise(0.03))
    suspects = step(crimes, "suspects")
    arrests = step(suspects, "arrests")
    received = step(suspects, "received")
    indictments = step(received, "indicted")
    incoming = step(indictments, "incoming")
    # courts are staffed and funded in proportion to the expected workload (size); what they
    # resolve with those resources depends on the hidden efficiency of the region
    expected_incoming = size * per_c(
        cp["crime_rate"]
        / 1e5
        * attr["suspects"]
        * attr["received"]
        * attr["indicted"]
        * attr["incoming"]
    )
    judges = np.maximum(np.round(expected_incoming / per_c(cp["case_load"]) * noise()), 1.0)
    eff = efficiency[:, None, :]
    resolved = np.round(expected_incoming * 1.05 * eff * noise(0.01))
    pending_start = np.empty(shape)
    pending_end = np.empty(shape)
    carry = np.round(incoming[:, 0, :] * rng.uniform(0.5, 1.0, (n_c, n_r)))
    for t in range(n_t):
        pending_start[:, t, :] = carry
        resolved[:, t, :] = np.minimum(resolved[:, t, :], carry + incoming[:, t, :])
        carry = carry + incoming[:, t, :] - resolved[:, t, :]
        pending_end[:, t, :] = carry
    convictions = step(resolved, "convicted")
    admissions = step(convictions, "admitted")
    homicides = np.round(
        pop * per_c(cp["homicide_rate"]) / 1e5 * np.sqrt(crime_factor) * noise(0.08)
    )
    homicide_conv = step(homicides, "homicide_convicted", 0.1)
    prisoners = np.round(
        pop
        * per_c(cp["prison_rate"])
        / 1e5
        * (1.03**t_idx)
        * rng.lognormal(0, 0.15, (n_c, 1, n_r))
        * noise(0.02)
    )
    occupancy = rng.uniform(0.9, 2.2, (n_c, 1, n_r))
    capacity = np.round(np.broadcast_to(prisoners[:, :1, :] / occupancy, shape))
    unsentenced = np.minimum(
        prisoners, np.round(prisoners * rng.uniform(0.2, 0.45, (n_c, 1, n_r)) * noise())
    )
    police = np.round(size * per_c(cp["police_rate"]) / 1e5 * noise())
    prosecutors = np.maximum(np.round(expected_incoming / 60 * noise()), 1.0)
    defenders = np.maximum(np.round(expected_incoming / 250 * noise()), 1.0)
    prison_staff = np.maximum(np.round(prisoners / rng.uniform(4, 8, (n_c, 1, n_r))), 1.0)

    measures: list[tuple[str, np.ndarray, str, str, str]] = [
        # measure, values, institution, source, counting rule
        ("crimes_recorded", crimes, "POL", POLICE_SOURCE, "offences recorded by the police"),
        ("homicides", homicides, "POL", POLICE_SOURCE, "victims registered by the police"),
        ("suspects", suspects, "POL", POLICE_SOURCE, "persons identified as suspects"),
        ("arrests", arrests, "POL", POLICE_SOURCE, "arrests"),
        ("cases_received", received, "PROS", "synthetic:prosecution", "cases opened"),
        ("indictments", indictments, "PROS", "synthetic:prosecution", "formal indictments"),
        ("cases_incoming", incoming, "COURT", "synthetic:courts", "criminal cases filed"),
        ("cases_resolved", resolved, "COURT", "synthetic:courts", "criminal cases disposed"),
        ("cases_pending_start", pending_start, "COURT", "synthetic:courts", "on 1 January"),
        ("cases_pending_end", pending_end, "COURT", "synthetic:courts", "on 31 December"),
        ("convictions", convictions, "COURT", "synthetic:courts", "persons convicted"),
        (
            "homicide_convictions",
            homicide_conv,
            "COURT",
            "synthetic:courts",
            "persons convicted of intentional homicide",
        ),
        ("prison_admissions", admissions, "PRIS", "synthetic:prisons", "sentenced admissions"),
        ("prisoners_total", prisoners, "PRIS", "synthetic:prisons", "persons held on 31 December"),
        (
            "prisoners_unsentenced",
            unsentenced,
            "PRIS",
            "synthetic:prisons",
            "held without a final sentence on 31 December",
        ),
        ("prison_capacity", capacity, "PRIS", "synthetic:prisons", "official capacity"),
        ("police_officers", police, "POL", POLICE_SOURCE, "sworn officers on 31 December"),
        ("prosecutors", prosecutors, "PROS", "synthetic:prosecution", "prosecutors in post"),
        ("judges", judges, "COURT", "synthetic:courts", "criminal judges in post"),
        ("public_defenders", defenders, "DEF", "synthetic:public defence", "defenders in post"),
        ("prison_staff", prison_staff, "PRIS", "synthetic:prisons", "prison staff in post"),
    ]
    # second homicide source (forensic institute) for some region-years: counts autopsies,
    # a little above the police count
    two = rng.uniform(size=shape) < 0.4
    forensic = np.round(homicides * rng.uniform(1.0, 1.06, shape))

    frames = []
    c_idx, t_idx_i, r_idx = np.meshgrid(
        np.arange(n_c), np.arange(n_t), np.arange(n_r), indexing="ij"
    )
    base_cols = {
        C.COUNTRY: np.asarray(codes)[c_idx.ravel()],
        C.YEAR: np.asarray(year_list, dtype=np.int64)[t_idx_i.ravel()],
        C.REGION: np.asarray(region_names)[(c_idx * n_r + r_idx).ravel()],
    }
    for name, values, inst, source, rule in measures:
        m = MEASURES[name]
        frames.append(
            pd.DataFrame(
                {
                    **base_cols,
                    C.INSTITUTION_CODE: inst,
                    C.LINK: m.link.value,
                    C.MEASURE: name,
                    C.VALUE: values.ravel().astype(float),
                    C.UNIT: m.unit,
                    C.KIND: m.kind,
                    C.SOURCE: source,
                    C.COUNTING_RULE: f"synthetic: {rule}",
                    C.SOURCE_REF: tag,
                }
            )
        )
    sel = two.ravel()
    m = MEASURES["homicides"]
    frames.append(
        pd.DataFrame(
            {
                **{k: v[sel] for k, v in base_cols.items()},
                C.INSTITUTION_CODE: "FOR",
                C.LINK: m.link.value,
                C.MEASURE: "homicides",
                C.VALUE: forensic.ravel()[sel].astype(float),
                C.UNIT: m.unit,
                C.KIND: m.kind,
                C.SOURCE: FORENSIC_SOURCE,
                C.COUNTING_RULE: "synthetic: victims registered by autopsy",
                C.SOURCE_REF: tag,
            }
        )
    )
    caseload = pd.concat(frames, ignore_index=True)

    # --- context ---------------------------------------------------------------------------
    base_pos = year_list.index(2015) if 2015 in year_list else 0
    t2 = np.arange(n_t, dtype=float)[None, :] - base_pos
    context = pd.DataFrame(
        {
            C.COUNTRY: np.repeat(codes, n_t),
            C.YEAR: np.tile(np.asarray(year_list, dtype=np.int64), n_c),
            C.POPULATION: np.round(pop_ct).ravel(),
            C.POPULATION_SOURCE: "synthetic: sum of the simulated regional populations",
            C.GDP_LCU: np.round(gdp_ct, 2).ravel(),
            C.GDP_DEFLATOR: (100 * (1 + cp["deflator_infl"][:, None]) ** t2).ravel(),
            C.CPI: (100 * (1 + cp["cpi_infl"][:, None]) ** t2).ravel(),
            C.FX_LCU_PER_USD: 1.0,
            C.PPP_LCU_PER_INTL: (
                cp["ppp_ratio"][:, None] * rng.lognormal(0, 0.01, (n_c, n_t))
            ).ravel(),
            C.GOV_EXPENDITURE_LCU: np.round(
                gdp_ct * cp["gov_pct"][:, None] * rng.lognormal(0, 0.02, (n_c, n_t)), 2
            ).ravel(),
            C.GOV_EXPENDITURE_SCOPE: "general",
            C.CURRENCY: "USD",
            C.SOURCE_REF: tag,
        }
    )

    true_eff = pd.DataFrame(
        {
            C.COUNTRY: np.repeat(codes, n_r),
            C.REGION: region_names,
            "efficiency": efficiency.ravel(),
        }
    )
    meta: dict[str, Any] = {
        "synthetic": True,
        "title": "Synthetic security and justice system (peir.datasets.simulate)",
        "generator": "peir.datasets.simulate",
        "seed": seed,
        "countries": codes,
        "years": year_list,
        "n_regions": n_regions,
        "base_year": year_list[base_pos],
        "currency": "USD",
        "source_priority": {"homicides": [FORENSIC_SOURCE, POLICE_SOURCE]},
        "unmapped_programmes": list(UNMAPPED_PROGRAMMES),
        "true_efficiency": true_eff,
        "econ_labels": dict(_ECON_LABEL),
        "econ_scheme": "GFS",  # the synthetic budget is coded in GFS 2014 classes
    }
    return budget, caseload, context, chain_map, meta
