r"""Many small envelopment LPs at once: a batched primal simplex with a verified optimum.

The bootstrap solves B × n first-stage LPs that are tiny (m + s + 1 rows) and alike: the n units
of a replication share one reference set, the replications share the units. HiGHS spends most of
its time per LP on the call itself, so the replications of a block are solved *together*: one
revised primal simplex runs on every LP of the block at once, each step a handful of numpy
operations over arrays of shape (LPs, rows, rows) and (LPs, columns).

Each LP, in standard form min c'z s.t. Az = b, z ≥ 0 (columns: the score θ or φ, one λ per
reference unit, one slack or surplus per inequality row), starts from the free disposal hull's
answer, which is primal feasible: the best single reference unit (for the input orientation,
λ_j = 1 for the j with y_j ≥ y_0 that minimises max_k x_kj/x_k0; CRS rescales it along its ray).
Dantzig's rule picks the entering column; an LP that makes many degenerate pivots in a row
switches to Bland's rule, which cannot cycle.

**Nothing is trusted unverified.** At the end every LP's final basis is refactorised from its
columns and its optimality conditions are checked: primal feasibility (basic values ≥ −10⁻⁹)
and dual feasibility (every reduced cost ≥ −10⁻⁹). An LP that fails the check, hits the
iteration limit, starts from a singular or infeasible basis or meets data the start cannot
handle (a zero in the ratios) is reported as not solved, and the caller solves it with HiGHS.

References
----------
Dantzig, G. B. (1963). *Linear Programming and Extensions*. Princeton.
Bland, R. G. (1977). New finite pivoting rules for the simplex method. *Mathematics of
Operations Research* 2(2), 103–107.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from peir.efficiency import lp

__all__ = ["batch_scores", "extreme_units", "scores_many"]

Array = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]

TOL = 1e-9
PIVOT_TOL = 1e-11
DEGENERATE_RUN = 8  # degenerate pivots in a row before an LP switches to Bland's rule
REFACTOR_EVERY = 20


def _slack_matrix(m: int, s: int, rts: str) -> Array:
    """Slack (+) of the input rows, surplus (−) of the output rows, and the RTS row's slack
    (+ for NIRS Σλ ≤ 1, − for NDRS Σλ ≥ 1); one column each."""
    rows = m + s + (0 if rts == "crs" else 1)
    cols = [np.eye(rows)[:, k] for k in range(m)] + [-np.eye(rows)[:, m + r] for r in range(s)]
    if rts == "nirs":
        cols.append(np.eye(rows)[:, -1])
    elif rts == "ndrs":
        cols.append(-np.eye(rows)[:, -1])
    return np.column_stack(cols)


def _start(
    ref_x: Array, ref_y: Array, valid: BoolArray, xe: Array, ye: Array, rts: str, inp: bool
) -> tuple[IntArray, BoolArray]:
    """The free-disposal-hull start of every (group, unit): its basic columns and whether it
    could be built (finite positive ratios). Column indices: 0 the score, 1..N the reference,
    N + 1 + k the slack of row k (inputs first, then outputs, then the RTS row)."""
    g_count, _, n_ref = ref_x.shape
    _, n, m = xe.shape  # evaluated units per group: (G, n, m), (G, n, s)
    s = ye.shape[2]
    crs = rts == "crs"

    def ratios(ref: Array, ev: Array, k: int) -> Array:
        """ref_kj / ev_ik as (G, n, N)."""
        out: Array = ref[:, None, k, :] / ev[:, :, k, None]
        return out

    with np.errstate(divide="ignore", invalid="ignore"):
        # one (G, n, N) array per variable, reduced as it comes (m and s are small)
        if inp:
            theta = ratios(ref_x, xe, 0)
            for k in range(1, m):
                theta = np.maximum(theta, ratios(ref_x, xe, k))
            if crs:
                # λ_j = max_r y_r0 / y_rj covers the outputs; θ_j = λ_j max_k x_kj / x_k0
                lam = np.zeros_like(theta)
                for r in range(s):
                    if np.any(ye[:, :, r] > 0):
                        inv = 1.0 / ratios(ref_y, ye, r)
                        lam = np.maximum(lam, np.where(ye[:, :, r, None] > 0, inv, 0.0))
                theta = lam * theta
            else:
                for r in range(s):
                    theta = np.where(ref_y[:, None, r, :] >= ye[:, :, r, None], theta, np.inf)
            score = np.where(valid[:, None, :], theta, np.inf)
            score = np.where(np.isfinite(score) & (score > 0), score, np.inf)
            j0 = np.argmin(score, axis=2)
        else:
            # ratios over outputs with y_r0 = 0 impose nothing on φ
            phi = np.full((g_count, n, n_ref), np.inf)
            for r in range(s):
                phi = np.minimum(phi, np.where(ye[:, :, r, None] > 0, ratios(ref_y, ye, r), np.inf))
            if crs:
                lam = np.full_like(phi, np.inf)
                for k in range(m):
                    inv = 1.0 / ratios(ref_x, xe, k)
                    lam = np.minimum(lam, np.where(ref_x[:, None, k, :] > 0, inv, np.inf))
                phi = lam * phi
            else:
                for k in range(m):
                    phi = np.where(ref_x[:, None, k, :] <= xe[:, :, k, None], phi, -np.inf)
            score = np.where(valid[:, None, :], phi, -np.inf)
            score = np.where(np.isfinite(score) & (score > 0), score, -np.inf)
            j0 = np.argmax(score, axis=2)
        good = np.isfinite(np.take_along_axis(score, j0[:, :, None], axis=2)[:, :, 0])
    gi = np.arange(g_count)[:, None]
    x0 = ref_x[gi, :, j0]  # (G, n, m): the chosen reference unit's inputs
    y0 = ref_y[gi, :, j0]
    with np.errstate(divide="ignore", invalid="ignore"):
        kx = np.argmax(x0 / xe, axis=2)  # the input row that binds θ
        ry0 = np.where(ye > 0, y0 / ye, np.inf)
        if inp:
            ky = np.argmax(np.where(ye > 0, 1.0 / ry0, 0.0), axis=2)  # binding output (CRS)
        else:
            ky = np.argmin(ry0, axis=2)  # the output row that binds φ
            kx = np.argmin(np.where(x0 > 0, xe / x0, np.inf), axis=2)  # binding input (CRS)
    slack0 = 1 + n_ref
    cols: list[Array] = [np.zeros((g_count, n)), 1.0 + j0]
    # input-row slacks: all but the binding one (input orientation, or CRS output)
    drop_x = inp or crs
    drop_y = (not inp) or crs
    for k in range(m):
        c = np.full((g_count, n), slack0 + k, dtype=float)
        cols.append(np.where(drop_x & (kx == k), -1.0, c))
    for r in range(s):
        c = np.full((g_count, n), slack0 + m + r, dtype=float)
        cols.append(np.where(drop_y & (ky == r), -1.0, c))
    stacked = np.stack(cols, axis=2)
    # drop the marked (-1) entries: every LP drops the same number, so rows stay rectangular
    keep = stacked >= 0
    n_rows = int(keep[0, 0].sum()) if g_count and n else 0
    basis = stacked[keep].reshape(g_count, n, n_rows).astype(np.int64)
    return basis, good


def batch_scores(
    ref_x: Array,
    ref_y: Array,
    valid: BoolArray,
    xe: Array,
    ye: Array,
    *,
    rts: str,
    orientation: str,
    max_iter: int | None = None,
) -> tuple[Array, BoolArray]:
    """Scores θ (input) or φ (output) of units ``xe``, ``ye`` (n × m and n × s, the same units
    for every group, or G × n × m and G × n × s, each group its own units) against G
    reference sets at once: ``ref_x`` (G × m × N), ``ref_y`` (G × s × N), columns beyond a
    group's size marked False in ``valid`` (G × N); they are replaced by copies of the group's
    first valid unit, which may enter a basis without changing the optimum. Data
    column-rescaled, strictly positive inputs of the evaluated units (input orientation) or
    outputs not all zero (output).

    Returns (score, solved), both G × n; ``solved`` False where the optimum could not be
    verified (the caller solves those LPs otherwise).
    """
    inp = orientation == "input"
    g_count, m, n_ref = ref_x.shape
    first = np.argmax(valid, axis=1)
    gi = np.arange(g_count)
    ref_x = np.where(valid[:, None, :], ref_x, ref_x[gi, :, first][:, :, None])
    ref_y = np.where(valid[:, None, :], ref_y, ref_y[gi, :, first][:, :, None])
    s = ref_y.shape[1]
    if xe.ndim == 2:
        xe = np.broadcast_to(xe, (g_count, *xe.shape))
        ye = np.broadcast_to(ye, (g_count, *ye.shape))
    n = xe.shape[1]
    e_cols = _slack_matrix(m, s, rts)
    rows = e_cols.shape[0]
    has_rts = rts != "crs"
    # reference columns (G, rows, N): inputs, outputs, the RTS row of ones
    blocks = [ref_x, ref_y]
    if has_rts:
        blocks.append(np.ones((g_count, 1, n_ref)))
    a_ref = np.concatenate(blocks, axis=1)
    # per-unit score column and right-hand side (n, rows)
    score_col = np.zeros((g_count, n, rows))
    rhs = np.zeros((g_count, n, rows))
    if inp:
        score_col[:, :, :m] = -xe
        rhs[:, :, m : m + s] = ye
    else:
        score_col[:, :, m : m + s] = -ye
        rhs[:, :, :m] = xe
    if has_rts:
        rhs[:, :, -1] = 1.0
    score_col = score_col.reshape(-1, rows)
    rhs = rhs.reshape(-1, rows)
    c0 = 1.0 if inp else -1.0
    n_slack = e_cols.shape[1]
    n_cols = 1 + n_ref + n_slack
    L = g_count * n
    basis0, good0 = _start(ref_x, ref_y, valid, xe, ye, rts, inp)
    cost = np.zeros(n_cols)
    cost[0] = c0
    value = np.zeros(L)
    good = good0.reshape(L).copy()
    limit = max_iter if max_iter is not None else 60 + 12 * rows
    # the LPs still iterating, by global index; all of them while the batch is dense
    ids = np.arange(L)
    st = _State(
        ids,
        basis0.reshape(L, rows),
        a_ref,
        e_cols,
        score_col,
        rhs,
        np.repeat(np.arange(g_count), n),
        dense=(g_count, n),
        c0=c0,
        cost=cost,
    )
    ok = st.refactor()
    good &= ok & np.all(st.xb >= -TOL, axis=1)
    st.keep(good)
    for it in range(limit):
        if st.size == 0:
            break
        if it and it % REFACTOR_EVERY == 0:
            ok = st.refactor()
            good[st.ids[~ok]] = False
            st.keep(ok)
        done, failed = st.step()
        good[st.ids[failed]] = False
        finished = done | failed
        if finished.any():
            st.keep(~finished)
        if st.dense is not None and st.size < COMPACT_BELOW * L:
            st.compact()
    good[st.ids] = False  # hit the iteration limit
    # verify every LP from scratch: refactorise, primal and dual feasibility
    fin = _State(
        np.arange(L),
        st.final_basis(),
        a_ref,
        e_cols,
        score_col,
        rhs,
        np.repeat(np.arange(g_count), n),
        dense=(g_count, n),
        c0=c0,
        cost=cost,
    )
    ok = fin.refactor()
    d = fin.reduced()
    good &= ok & np.all(fin.xb >= -TOL, axis=1) & (d.min(axis=1) >= -TOL)
    value = np.where(fin.basis == 0, fin.xb, 0.0).sum(axis=1)
    return value.reshape(g_count, n), good.reshape(g_count, n)


def scores_many(
    refs: list[tuple[Array, Array]],
    xe: Array,
    ye: Array,
    *,
    rts: str,
    orientation: str,
    highs: Any = None,
) -> tuple[Array, IntArray]:
    """Scores (θ or φ) and statuses of units (xe, ye) against each reference set of ``refs``
    (column-rescaled data): all at once with :func:`batch_scores`, and the LPs it could not
    verify with HiGHS (:func:`lp.solve_scores`). Returns G × n arrays."""
    g_count = len(refs)
    n = xe.shape[0]
    ref_x, ref_y, valid = _stack(refs)
    score, solved = batch_scores(ref_x, ref_y, valid, xe, ye, rts=rts, orientation=orientation)
    status = np.full((g_count, n), lp.OPTIMAL, dtype=np.int64)
    for gi in np.flatnonzero(~solved.all(axis=1)):
        todo = np.flatnonzero(~solved[gi])
        xr, yr = refs[int(gi)]
        sc, st = lp.solve_scores(
            xr, yr, xe[todo], ye[todo], rts=rts, orientation=orientation, highs=highs
        )
        score[gi, todo] = sc
        status[gi, todo] = st
    return score, status


def _stack(refs: list[tuple[Array, Array]]) -> tuple[Array, Array, BoolArray]:
    """Reference sets as padded (G × m × N, G × s × N) arrays and their valid-column mask."""
    g_count = len(refs)
    m, s = refs[0][0].shape[1], refs[0][1].shape[1]
    n_ref = max(xr.shape[0] for xr, _ in refs)
    ref_x = np.zeros((g_count, m, n_ref))
    ref_y = np.zeros((g_count, s, n_ref))
    valid = np.zeros((g_count, n_ref), dtype=bool)
    for g, (xr, yr) in enumerate(refs):
        k = xr.shape[0]
        ref_x[g, :, :k] = xr.T
        ref_y[g, :, :k] = yr.T
        valid[g, :k] = True
    return ref_x, ref_y, valid


def extreme_units(refs: list[tuple[Array, Array]], rts: str) -> list[IntArray]:
    """For each reference set (units assumed Pareto-screened), the units that can span its
    technology: those whose input-oriented score against the set is 1 (the LP screen of
    :func:`lp.screen_reference`, every set's LPs solved together). A unit whose LP could not
    be verified is kept, which is always safe."""
    ref_x, ref_y, valid = _stack(refs)
    xe = np.transpose(ref_x, (0, 2, 1))  # each group's own units, padded with copies
    ye = np.transpose(ref_y, (0, 2, 1))
    first = np.argmax(valid, axis=1)
    gi = np.arange(len(refs))
    xe = np.where(valid[:, :, None], xe, xe[gi, first][:, None, :])
    ye = np.where(valid[:, :, None], ye, ye[gi, first][:, None, :])
    score, solved = batch_scores(ref_x, ref_y, valid, xe, ye, rts=rts, orientation="input")
    keep = ~solved | ~(score < 1.0 - lp.SCREEN_TOL)
    return [np.flatnonzero(keep[g, : xr.shape[0]]) for g, (xr, _) in enumerate(refs)]


COMPACT_BELOW = 0.3  # leave the dense layout once fewer than this share of LPs iterate


class _State:
    """The LPs still iterating: their basis, basis inverse, basic values and rule state.

    While ``dense`` is (G, n) the arrays hold all G × n LPs in group order and reduced costs
    are one batched matrix product per group; after :meth:`compact` they hold only the active
    LPs and the reference columns are gathered per LP.
    """

    def __init__(
        self,
        ids: IntArray,
        basis: IntArray,
        a_ref: Array,
        e_cols: Array,
        sc: Array,
        b: Array,
        group: IntArray,
        *,
        dense: tuple[int, int] | None,
        c0: float,
        cost: Array,
    ) -> None:
        self.ids, self.basis, self.a_ref, self.e_cols = ids, basis.copy(), a_ref, e_cols
        self.sc, self.b, self.group = sc, b, group
        self.dense, self.c0, self.cost = dense, c0, cost
        self.n_ref = a_ref.shape[2]
        self.rows = e_cols.shape[0]
        self.n_slack = e_cols.shape[1]
        self.bland = np.zeros(ids.size, dtype=bool)
        self.degen = np.zeros(ids.size, dtype=np.int64)
        self.binv = np.zeros((ids.size, self.rows, self.rows))
        self.xb = np.zeros((ids.size, self.rows))
        self._final = basis.copy()  # by global index: the basis each LP stopped with
        self._mask = np.ones(ids.size, dtype=bool)  # dense layout: which rows are live

    @property
    def size(self) -> int:
        return int(self._mask.sum()) if self.dense is not None else int(self.ids.size)

    # ------------------------------------------------------------------ bookkeeping
    def keep(self, live: BoolArray) -> None:
        """Stop iterating the LPs where ``live`` is False (their basis is kept for the end)."""
        gone = self._mask & ~live
        self._final[self.ids[gone]] = self.basis[gone]
        if self.dense is not None:
            self._mask &= live
        else:
            self._select(live)

    def compact(self) -> None:
        """Leave the dense layout: keep only the live LPs."""
        live = self._mask
        self.dense = None
        self._select(live)

    def _select(self, live: BoolArray) -> None:
        for name in ("ids", "basis", "sc", "b", "group", "bland", "degen", "binv", "xb"):
            setattr(self, name, getattr(self, name)[live])
        self._mask = np.ones(self.ids.size, dtype=bool)

    def final_basis(self) -> IntArray:
        """The basis of every LP (global index): where it stopped, or where it is now."""
        out = self._final.copy()
        if self.ids.size:
            out[self.ids[self._mask]] = self.basis[self._mask]
        return out

    # ------------------------------------------------------------------ linear algebra
    def columns(self, idx: IntArray) -> Array:
        """Columns ``idx`` (LPs, k) of each LP's matrix, as (LPs, rows, k)."""
        n_ref, n_slack = self.n_ref, self.n_slack
        j = np.clip(idx - 1, 0, n_ref - 1)
        ref = np.transpose(self.a_ref[self.group[:, None], :, j], (0, 2, 1))
        sl = np.transpose(self.e_cols[:, np.clip(idx - 1 - n_ref, 0, n_slack - 1)], (1, 0, 2))
        isref = ((idx >= 1) & (idx <= n_ref))[:, None, :]
        out = np.where(isref, ref, np.where((idx > n_ref)[:, None, :], sl, 0.0))
        return np.where((idx == 0)[:, None, :], self.sc[:, :, None], out)

    def refactor(self) -> BoolArray:
        """B⁻¹ and the basic values from the basis' columns; False where B is singular."""
        bm = self.columns(self.basis)
        ok: BoolArray = np.abs(np.linalg.det(bm)) > 1e-12
        bm[~ok] = np.eye(self.rows)
        self.binv = np.linalg.inv(bm)
        self.xb = np.einsum("lij,lj->li", self.binv, self.b)
        return ok

    def reduced(self) -> Array:
        """Reduced costs of every column."""
        pi = np.einsum("lj,lji->li", self.cost[self.basis], self.binv)
        n = pi.shape[0]
        d = np.empty((n, 1 + self.n_ref + self.n_slack))
        d[:, 0] = self.c0 - np.einsum("lr,lr->l", pi, self.sc)
        if self.dense is not None:
            g, k = self.dense
            d[:, 1 : 1 + self.n_ref] = -np.matmul(pi.reshape(g, k, self.rows), self.a_ref).reshape(
                n, self.n_ref
            )
        else:
            d[:, 1 : 1 + self.n_ref] = -np.einsum("lr,lrn->ln", pi, self.a_ref[self.group])
        d[:, 1 + self.n_ref :] = -pi @ self.e_cols
        # basic columns have reduced cost 0 up to round-off (far above -TOL); padding columns
        # duplicate a valid one: neither needs masking
        return d

    def step(self) -> tuple[BoolArray, BoolArray]:
        """One simplex pivot of every live LP; returns (optimal, failed) masks."""
        live = self._mask
        d = self.reduced()
        r = np.arange(d.shape[0])
        entering = np.argmin(d, axis=1)
        optimal = (d[r, entering] >= -TOL) & live
        act = live & ~optimal
        if self.bland.any():  # Bland: the first column with a negative reduced cost
            b = np.flatnonzero(self.bland)
            entering[b] = np.argmax(d[b] < -TOL, axis=1)
        col = self.columns(entering[:, None])[:, :, 0]
        u = np.einsum("lij,lj->li", self.binv, col)
        pos = u > PIVOT_TOL
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(pos, np.maximum(self.xb, 0.0) / np.where(pos, u, 1.0), np.inf)
        best = ratio.min(axis=1)
        unbounded = act & ~np.isfinite(best)
        act &= ~unbounded
        tie = ratio <= best[:, None] + 1e-12
        # Dantzig: the largest pivot among the ties (stable); Bland: the smallest basic index
        leave_d = np.argmax(np.where(tie, u, -np.inf), axis=1)
        leave_b = np.argmin(np.where(tie, self.basis, np.iinfo(np.int64).max), axis=1)
        p = np.where(self.bland, leave_b, leave_d)
        piv = np.where(act, u[r, p], 1.0)
        step = np.where(act, best, 0.0)
        rowp = self.binv[r, p, :] / piv[:, None]
        upd = np.where(act[:, None], u, 0.0)
        self.binv -= upd[:, :, None] * rowp[:, None, :]
        self.binv[r, p, :] = np.where(act[:, None], rowp, self.binv[r, p, :])
        xb_p = self.xb[r, p]
        self.xb -= step[:, None] * upd
        self.xb[r, p] = np.where(act, step, xb_p)
        self.basis[r, p] = np.where(act, entering, self.basis[r, p])
        degenerate = act & (step <= 1e-12)
        self.degen = np.where(degenerate, self.degen + 1, np.where(act, 0, self.degen))
        self.bland |= self.degen >= DEGENERATE_RUN
        return optimal, unbounded
