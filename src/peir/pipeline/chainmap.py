"""Chain-map rules: normalisation, validation and vectorised placement of budget lines on links.

A chain map is a table of rules (schema ``chain_map``). Each rule names the lines it covers
(``country``, ``institution_code``, a ``program`` shell-style pattern, a COFOG ``func`` prefix,
a ``year_from``..``year_to`` range; a blank field means *any*) and the ``link`` and ``share`` that
part of those lines goes to, with the ``basis`` of the split (docs/methodology.md §1). The rows
of one rule *key* (the tuple of conditions) are the rule's shares and must sum to 1 (± 1e-9).

Precedence
----------
A line takes the rule that matches it with the highest *specificity*. Specificity is a weighted
score, so a rule naming an institution always beats one that does not, then a programme pattern,
then a year range, then a country, then the COFOG depth (``03.1`` is more specific than ``03``)::

    score = 64·[institution] + 32·[programme] + 16·[year range] + 8·[country] + depth(func)

A country map always beats the built-in COFOG default (``tier`` 1 over 0). Two different rules
with the same tier and score matching one line are an error (:class:`peir.ChainMapError` naming
both); lines that no rule covers are kept on ``unallocated`` — never dropped.

Matching is done on the *distinct* line keys ``(country, year, institution_code, program, func)``
with merges, so the cost grows with the number of distinct keys, not with the number of lines.
"""

from __future__ import annotations

import fnmatch
from importlib import resources
from io import StringIO
from typing import Any, Literal

import numpy as np
import pandas as pd

from peir.chain import CHAIN_LINKS, Link, parse_link
from peir.errors import ChainMapError
from peir.schema import C

__all__ = [
    "KEY_COLUMNS",
    "RULE_COLUMNS",
    "SHARE_TOLERANCE",
    "UNCOVERED_BASIS",
    "CofogDefault",
    "cofog_default",
    "effective_chain_map",
    "link_order",
    "match_keys",
    "normalize_func",
]

#: Tolerance on the sum of shares of one rule key.
SHARE_TOLERANCE = 1e-9

#: The columns of a budget line that rules look at (the *line key*).
KEY_COLUMNS: tuple[str, ...] = (C.COUNTRY, C.YEAR, C.INSTITUTION_CODE, C.PROGRAM, C.FUNC)

#: Canonical columns of a chain-map rule, plus ``tier`` (1 country map, 0 COFOG default).
RULE_COLUMNS: tuple[str, ...] = (
    C.COUNTRY,
    C.INSTITUTION_CODE,
    C.PROGRAM_PATTERN,
    C.FUNC,
    C.YEAR_FROM,
    C.YEAR_TO,
    C.LINK,
    C.SHARE,
    C.BASIS,
    C.SOURCE_REF,
    "tier",
)

#: ``basis`` of the rows of lines that no rule covers.
UNCOVERED_BASIS = "not covered by any chain-map rule"

#: How the COFOG default is used: ``"auto"`` (only when there is no country map),
#: ``"fallback"`` (under the country map, for lines it does not cover) or ``"off"``.
CofogDefault = Literal["auto", "fallback", "off"]

_CONDITIONS = (C.COUNTRY, C.INSTITUTION_CODE, C.PROGRAM_PATTERN, C.FUNC, C.YEAR_FROM, C.YEAR_TO)
_LINK_RANK = {lk.value: i for i, lk in enumerate((*CHAIN_LINKS, Link.UNALLOCATED))}


def link_order(links: pd.Series) -> np.ndarray:
    """Position of each link in chain order (prevention ... corrections, unallocated last)."""
    codes, uniq = pd.factorize(links, use_na_sentinel=False)
    ranks = np.array([_LINK_RANK.get(str(u), len(_LINK_RANK)) for u in uniq], dtype=np.int64)
    return ranks[codes] if len(ranks) else np.zeros(len(links), dtype=np.int64)


def _map_unique(s: pd.Series, fn: Any) -> pd.Series:
    """``s.map(fn)`` computed once per distinct value."""
    codes, uniq = pd.factorize(s, use_na_sentinel=False)
    vals = pd.array([fn(u) for u in uniq], dtype="str")
    return pd.Series(vals.take(codes) if len(vals) else vals, index=s.index)


def normalize_func(code: object) -> str | None:
    """Normalise a COFOG code to the dotted form ``DD.G[.S]``.

    Accepted forms: dotted (``"03.1"``, ``"3.1"``), compact (``"03"``, ``"031"``) and the GFS
    expense-by-function form with a leading 7 (``"703"``, ``"7031"``, ``"70311"``). Anything
    else is returned stripped, unchanged.

    Examples
    --------
    >>> normalize_func("7031"), normalize_func("031"), normalize_func("3.1"), normalize_func("03")
    ('03.1', '03.1', '03.1', '03')
    """
    if code is None or code is pd.NA or (isinstance(code, float) and np.isnan(code)):
        return None
    s = str(code).strip()
    if not s:
        return None
    if "." in s:
        parts = s.split(".")
        if not all(p.isdigit() for p in parts):
            return s
        head = parts[0]
        if len(head) == 3 and head.startswith("7"):
            head = head[1:]
        return ".".join([head.zfill(2), *parts[1:]])
    if not s.isdigit():
        return s
    if s.startswith("7") and len(s) >= 3:
        s = s[1:]
    if len(s) == 1:
        return s.zfill(2)
    if len(s) == 2:
        return s
    if len(s) == 3 and s.startswith("0"):
        return f"{s[:2]}.{s[2]}"
    if len(s) == 4 and s.startswith("0"):
        return f"{s[:2]}.{s[2]}.{s[3]}"
    return s


def _link_value(v: object) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return None
    lk = parse_link(v)
    return None if lk is None else str(lk.value)


def _prefix(f: object, depth: int) -> str | None:
    """The first ``depth`` dotted components of a normalised COFOG code (None if shorter)."""
    if not isinstance(f, str):
        return None
    parts = f.split(".")
    return ".".join(parts[:depth]) if len(parts) >= depth else None


def _func_depth(f: str | None) -> int:
    return 0 if f is None else min(7, f.count(".") + 1)


def _read_cofog_csv() -> pd.DataFrame:
    text = resources.files("peir").joinpath("data", "cofog03_chain_map.csv").read_text("utf-8")
    return pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)


def cofog_default() -> pd.DataFrame:
    """The built-in COFOG division 03 crosswalk (docs/methodology.md §1), as a canonical chain map.

    03.1 police → patrol; 03.2 fire protection → unallocated (outside the chain); 03.3 law
    courts → judicial; 03.4 prisons → corrections; 03.5 R&D and 03.6 n.e.c. → unallocated.
    Each row carries its ``basis`` and ``source_ref``. A country map overrides it.
    """
    raw = _read_cofog_csv()
    out = raw.replace({"": None})
    out[C.SHARE] = out[C.SHARE].astype(float)
    for col in (C.YEAR_FROM, C.YEAR_TO):
        out[col] = pd.to_numeric(out[col]).astype("Int64")
    return out


def _blank_to_na(s: pd.Series) -> pd.Series:
    s = s.astype("str").str.strip() if len(s) else s.astype("str")
    return s.mask(s.isin(["", "nan", "None", "<NA>"]))


def _describe(row: pd.Series) -> str:
    parts = []
    for col in (C.COUNTRY, C.INSTITUTION_CODE, C.PROGRAM_PATTERN, C.FUNC):
        v = row.get(col)
        if isinstance(v, str):
            parts.append(f"{col}={v!r}")
    yf, yt = row.get(C.YEAR_FROM), row.get(C.YEAR_TO)
    if pd.notna(yf) or pd.notna(yt):
        parts.append(f"years {'' if pd.isna(yf) else int(yf)}..{'' if pd.isna(yt) else int(yt)}")
    where = row.get(C.SOURCE_REF)
    return (
        "rule("
        + (", ".join(parts) or "any line")
        + ")"
        + (f" [{where}]" if isinstance(where, str) else "")
    )


def _rule_text(rules: pd.DataFrame, key: int) -> str:
    return _describe(rules[rules["rule_key"] == key].iloc[0])


def _normalize_rules(frame: pd.DataFrame, tier: int, origin: str) -> pd.DataFrame:
    """Canonical, validated rule rows (one per link share) with ``tier``."""
    f = frame.copy()
    for col in (*_CONDITIONS, C.LINK, C.SHARE, C.BASIS, C.SOURCE_REF):
        if col not in f.columns:
            f[col] = None
    f = f.reset_index(drop=True)
    out = pd.DataFrame(index=f.index)
    for col in (C.COUNTRY, C.INSTITUTION_CODE, C.PROGRAM_PATTERN, C.BASIS, C.SOURCE_REF):
        out[col] = _blank_to_na(f[col])
    out[C.FUNC] = _map_unique(_blank_to_na(f[C.FUNC]), normalize_func)
    for col in (C.YEAR_FROM, C.YEAR_TO):
        out[col] = pd.to_numeric(f[col], errors="coerce").astype("Int64")
    out[C.SHARE] = pd.to_numeric(f[C.SHARE], errors="coerce").astype(float)
    raw_link = f[C.LINK]
    out[C.LINK] = pd.Series([_link_value(v) for v in raw_link.tolist()], index=f.index, dtype="str")
    refs = out[C.SOURCE_REF].fillna(pd.Series([f"{origin} row {i + 2}" for i in f.index]))
    out[C.SOURCE_REF] = refs.astype("str")
    out["tier"] = tier

    problems: list[str] = []
    refs_l = out[C.SOURCE_REF].tolist()
    bad_link = out[C.LINK].isna().to_numpy(dtype=bool)
    raw_l = raw_link.tolist()
    for i in np.flatnonzero(bad_link)[:10]:
        problems.append(f"{refs_l[i]}: link {raw_l[i]!r} is not one of {', '.join(_LINK_RANK)}")
    shares = out[C.SHARE].to_numpy(dtype=float)
    bad_share = np.isnan(shares) | (shares < 0) | (shares > 1)
    raw_share = f[C.SHARE].tolist()
    for i in np.flatnonzero(bad_share)[:10]:
        problems.append(f"{refs_l[i]}: share {raw_share[i]!r} is not a number in [0, 1]")
    bad_basis = out[C.BASIS].isna().to_numpy(dtype=bool)
    for i in np.flatnonzero(bad_basis)[:10]:
        problems.append(f"{refs_l[i]}: basis is empty (every share needs the basis of the split)")
    yf = out[C.YEAR_FROM].astype("float64").to_numpy()
    yt = out[C.YEAR_TO].astype("float64").to_numpy()
    bad_years = ~np.isnan(yf) & ~np.isnan(yt) & (np.nan_to_num(yf) > np.nan_to_num(yt))
    for i in np.flatnonzero(bad_years)[:10]:
        problems.append(f"{refs_l[i]}: year_from {int(yf[i])} > year_to {int(yt[i])}")
    n_bad = int((bad_link | bad_share | bad_basis | bad_years).sum())
    if problems:
        raise ChainMapError(
            f"{origin}: {n_bad} invalid rule row(s):\n"
            + "\n".join(problems)
            + ("\n..." if n_bad > 10 else "")
        )
    return out


def _check_rules(rules: pd.DataFrame) -> pd.DataFrame:
    """Add ``rule_key`` and ``score``; check shares per key and equal-specificity overlaps."""
    r = rules.copy()
    keys = [*_CONDITIONS, "tier"]
    r["rule_key"] = r.groupby(keys, dropna=False, sort=True).ngroup().astype(np.int64)
    sums = r.groupby("rule_key")[C.SHARE].sum()
    bad = sums[(sums - 1.0).abs() > SHARE_TOLERANCE]
    if len(bad):
        lines = [
            f"{_rule_text(r, int(str(k)))}: shares sum to {v:.12g}" for k, v in bad.head(20).items()
        ]
        raise ChainMapError(
            f"shares of {len(bad)} chain-map rule key(s) do not sum to 1 (± {SHARE_TOLERANCE:g}):\n"
            + "\n".join(lines)
        )
    score = (
        64 * r[C.INSTITUTION_CODE].notna().astype(int)
        + 32 * r[C.PROGRAM_PATTERN].notna().astype(int)
        + 16 * (r[C.YEAR_FROM].notna() | r[C.YEAR_TO].notna()).astype(int)
        + 8 * r[C.COUNTRY].notna().astype(int)
        + r[C.FUNC].map(lambda v: _func_depth(v if isinstance(v, str) else None)).astype(int)
    )
    r["score"] = score.astype(np.int64)
    # Static overlap: same tier and score, same conditions except the year range, overlapping years.
    heads = r.drop_duplicates("rule_key").copy()
    heads["_pat"] = heads[C.PROGRAM_PATTERN].str.lower()
    same = ["tier", "score", C.COUNTRY, C.INSTITUTION_CODE, "_pat", C.FUNC]
    h2 = heads[[*same, "rule_key", C.YEAR_FROM, C.YEAR_TO]].fillna(
        {c: "\x00" for c in (C.COUNTRY, C.INSTITUTION_CODE, "_pat", C.FUNC)}
    )
    pairs = h2.merge(h2, on=same, suffixes=("_a", "_b"))
    pairs = pairs[pairs["rule_key_a"] < pairs["rule_key_b"]]
    if len(pairs):
        lo = np.maximum(
            pairs[f"{C.YEAR_FROM}_a"].fillna(-(10**6)), pairs[f"{C.YEAR_FROM}_b"].fillna(-(10**6))
        )
        hi = np.minimum(
            pairs[f"{C.YEAR_TO}_a"].fillna(10**6), pairs[f"{C.YEAR_TO}_b"].fillna(10**6)
        )
        overl = pairs[np.asarray(lo <= hi, dtype=bool)]
        if len(overl):
            a, b = int(overl.iloc[0]["rule_key_a"]), int(overl.iloc[0]["rule_key_b"])
            raise ChainMapError(
                f"{len(overl)} pair(s) of chain-map rules of equal specificity overlap, e.g. "
                f"{_rule_text(heads, a)} and {_rule_text(heads, b)}: give one of them a "
                "narrower condition (institution, programme, years) or merge them"
            )
    return r


def effective_chain_map(
    chain_map: pd.DataFrame | None, *, cofog: CofogDefault = "auto"
) -> pd.DataFrame:
    """The validated rule table ``harmonize`` uses: the country map and/or the COFOG default.

    Parameters
    ----------
    chain_map
        Canonical chain-map rows (``peir.ChainMap.frame``) or ``None``. The output of this
        function (with ``tier``, ``rule_key`` and ``score``) is returned as it is; a frame with
        ``tier`` only is re-validated with those tiers.
    cofog
        ``"auto"``: the COFOG division 03 default (:func:`cofog_default`) serves only when no
        country map is given; ``"fallback"``: the default sits under the country map (tier 0)
        and places lines the country map does not cover; ``"off"``: never.

    Returns
    -------
    DataFrame
        :data:`RULE_COLUMNS` + ``rule_key`` + ``score``.

    Raises
    ------
    peir.ChainMapError
        Invalid rows (link, share, basis, years), shares of a key not summing to 1 ± 1e-9
        (the keys are listed), or two rules of equal specificity that overlap (both named).
    """
    if chain_map is not None and {"tier", "rule_key", "score"} <= set(chain_map.columns):
        return chain_map  # already the output of this function (validated)
    parts: list[pd.DataFrame] = []
    has_country = chain_map is not None and len(chain_map) > 0
    if has_country and chain_map is not None and "tier" in chain_map.columns:
        parts.append(
            _normalize_rules(chain_map, 1, "chain map").assign(tier=chain_map["tier"].to_numpy())
        )
    else:
        if has_country and chain_map is not None:
            parts.append(_normalize_rules(chain_map, 1, "chain map"))
        if cofog == "fallback" or (cofog == "auto" and not has_country):
            parts.append(_normalize_rules(cofog_default(), 0, "COFOG default"))
    if not parts:
        empty = pd.DataFrame({c: pd.Series(dtype="str") for c in RULE_COLUMNS})
        empty[C.SHARE] = empty[C.SHARE].astype(float)
        for col in (C.YEAR_FROM, C.YEAR_TO):
            empty[col] = empty[col].astype("Int64")
        empty["tier"] = empty["tier"].astype(np.int64)
        empty["rule_key"] = pd.Series(dtype=np.int64)
        empty["score"] = pd.Series(dtype=np.int64)
        return empty
    rules = pd.concat(parts, ignore_index=True)
    rules["tier"] = rules["tier"].astype(np.int64)
    return _check_rules(rules)[[*RULE_COLUMNS, "rule_key", "score"]]


def _func_prefixes(funcs: pd.Series) -> pd.DataFrame:
    """Rows (position, prefix) for every dotted prefix of each normalised COFOG code."""
    pos: list[int] = []
    pre: list[str] = []
    for i, f in enumerate(funcs.tolist()):
        if isinstance(f, str):
            parts = f.split(".")
            for k in range(1, len(parts) + 1):
                pos.append(i)
                pre.append(".".join(parts[:k]))
    return pd.DataFrame(
        {"_pos": np.asarray(pos, dtype=np.int64), C.FUNC: pd.Series(pre, dtype="str")}
    )


def _program_matches(programs: pd.Series, patterns: pd.Series) -> np.ndarray:
    """fnmatch (case-insensitive) of each program against the pattern on the same row."""
    cache: dict[tuple[str, str], bool] = {}
    out = np.ones(len(programs), dtype=bool)
    has = np.flatnonzero(patterns.notna().to_numpy(dtype=bool))
    progs = programs.to_numpy(dtype=object)[has]
    pats = patterns.to_numpy(dtype=object)[has]
    for i, p, pat in zip(has.tolist(), progs.tolist(), pats.tolist()):
        prog = p.lower() if isinstance(p, str) else ""
        key = (prog, pat)
        hit = cache.get(key)
        if hit is None:
            hit = fnmatch.fnmatchcase(prog, pat.lower())
            cache[key] = hit
        out[i] = hit
    return out


def match_keys(keys: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """Place each distinct line key on links.

    Parameters
    ----------
    keys
        Distinct line keys, columns :data:`KEY_COLUMNS` (position = key id).
    rules
        The output of :func:`effective_chain_map`.

    Returns
    -------
    DataFrame
        ``key_id, link, share, basis, rule_ref`` sorted by key id then chain order of the link;
        keys no rule covers get one row ``unallocated``, share 1, basis :data:`UNCOVERED_BASIS`
        and ``rule_ref`` NA.

    Raises
    ------
    peir.ChainMapError
        When two different rules of the same tier and specificity both match a line key.
    """
    n = len(keys)
    k = pd.DataFrame(
        {
            "key_id": np.arange(n, dtype=np.int64),
            C.COUNTRY: keys[C.COUNTRY].astype("str").to_numpy(),
            C.YEAR: pd.to_numeric(keys[C.YEAR]).to_numpy(dtype=np.int64),
            C.INSTITUTION_CODE: keys[C.INSTITUTION_CODE].astype("str").to_numpy(),
            C.PROGRAM: keys[C.PROGRAM].astype("str").to_numpy(),
            "_func": _map_unique(keys[C.FUNC], normalize_func).to_numpy(),
        }
    )
    for depth in (1, 2, 3):
        k[f"_f{depth}"] = _map_unique(k["_func"], lambda f, d=depth: _prefix(f, d)).to_numpy()
    heads = rules.drop_duplicates("rule_key")
    cond = heads[["rule_key", "tier", "score", *_CONDITIONS]]
    cands: list[pd.DataFrame] = []
    with_inst = cond[cond[C.INSTITUTION_CODE].notna()]
    if len(with_inst):
        cands.append(
            k[["key_id", C.INSTITUTION_CODE]].merge(
                with_inst[["rule_key", C.INSTITUTION_CODE]], on=C.INSTITUTION_CODE
            )[["key_id", "rule_key"]]
        )
    no_inst = cond[cond[C.INSTITUTION_CODE].isna()]
    with_func = no_inst[no_inst[C.FUNC].notna()]
    if len(with_func):
        pref = _func_prefixes(k["_func"])
        pref["key_id"] = k["key_id"].to_numpy()[pref["_pos"].to_numpy()]
        cands.append(pref.merge(with_func[["rule_key", C.FUNC]], on=C.FUNC)[["key_id", "rule_key"]])
    loose = no_inst[no_inst[C.FUNC].isna()]
    if len(loose):
        cands.append(k[["key_id"]].merge(loose[["rule_key"]], how="cross"))
    if cands:
        cand = pd.concat(cands, ignore_index=True)
        cand = cand.merge(cond, on="rule_key").merge(
            k.drop(columns=[C.INSTITUTION_CODE]), on="key_id", suffixes=("", "_line")
        )
        ok = (cand[C.COUNTRY].isna() | (cand[C.COUNTRY] == cand[f"{C.COUNTRY}_line"])).to_numpy(
            dtype=bool
        )
        yr = cand[C.YEAR].to_numpy(dtype=np.int64)
        yf = cand[C.YEAR_FROM].astype("float64").to_numpy()
        yt = cand[C.YEAR_TO].astype("float64").to_numpy()
        ok = ok & (np.isnan(yf) | (yr >= yf))
        ok = ok & (np.isnan(yt) | (yr <= yt))
        rf = cand[C.FUNC]
        lf = cand["_func"]
        func_ok = rf.isna().to_numpy(dtype=bool) | (lf == rf).fillna(False).to_numpy(dtype=bool)
        for depth in (1, 2, 3):
            func_ok = func_ok | (cand[f"_f{depth}"] == rf).fillna(False).to_numpy(dtype=bool)
        ok = ok & func_ok
        cand = cand[ok]
        if len(cand):
            pm = _program_matches(cand[f"{C.PROGRAM}_line"], cand[C.PROGRAM_PATTERN])
            cand = cand[pm]
    else:
        cand = pd.DataFrame(
            {"key_id": pd.Series(dtype=np.int64), "rule_key": pd.Series(dtype=np.int64)}
        )
    if len(cand):
        rank = cand["tier"].to_numpy(dtype=np.int64) * 1024 + cand["score"].to_numpy(dtype=np.int64)
        cand = cand.assign(_rank=rank)
        best = cand.groupby("key_id")["_rank"].transform("max")
        win = cand[cand["_rank"] == best]
        nwin = win.groupby("key_id")["rule_key"].nunique()
        clash = nwin[nwin > 1]
        if len(clash):
            kid = int(clash.index[0])
            two = win[win["key_id"] == kid]["rule_key"].unique()[:2]
            line = keys.iloc[kid]
            raise ChainMapError(
                f"{len(clash)} budget line key(s) are matched by two chain-map rules of equal "
                f"specificity, e.g. {_rule_text(heads, int(two[0]))} and "
                f"{_rule_text(heads, int(two[1]))} both "
                f"match country={line[C.COUNTRY]!r}, year={line[C.YEAR]}, "
                f"institution_code={line[C.INSTITUTION_CODE]!r}, program={line[C.PROGRAM]!r}, "
                f"func={line[C.FUNC]!r}; make one of them more specific"
            )
        win = win[["key_id", "rule_key"]]
    else:
        win = pd.DataFrame(
            {"key_id": pd.Series(dtype=np.int64), "rule_key": pd.Series(dtype=np.int64)}
        )
    placed = win.merge(
        rules[["rule_key", C.LINK, C.SHARE, C.BASIS, C.SOURCE_REF]], on="rule_key"
    ).rename(columns={C.SOURCE_REF: "rule_ref"})
    covered = np.zeros(n, dtype=bool)
    covered[placed["key_id"].to_numpy(dtype=np.int64)] = True
    missing = np.flatnonzero(~covered)
    unalloc = pd.DataFrame(
        {
            "key_id": missing.astype(np.int64),
            C.LINK: pd.Series([Link.UNALLOCATED.value] * len(missing), dtype="str"),
            C.SHARE: np.ones(len(missing)),
            C.BASIS: pd.Series([UNCOVERED_BASIS] * len(missing), dtype="str"),
            "rule_ref": pd.Series([None] * len(missing), dtype="str"),
        }
    )
    out = pd.concat(
        [placed[["key_id", C.LINK, C.SHARE, C.BASIS, "rule_ref"]], unalloc], ignore_index=True
    )
    order = np.lexsort(
        (out[C.BASIS].fillna("").to_numpy(), link_order(out[C.LINK]), out["key_id"].to_numpy())
    )
    out = out.iloc[order].reset_index(drop=True)
    for col in (C.LINK, C.BASIS, "rule_ref"):
        out[col] = out[col].astype("str")
    out[C.SHARE] = out[C.SHARE].astype(float)
    return out
