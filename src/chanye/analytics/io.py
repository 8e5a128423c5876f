"""投入产出分析 Input-output analysis: coefficients, Leontief and Ghosh inverses, multipliers, linkages
(影响力系数、感应度系数), key sectors, hypothetical extraction and regionalisation by location quotients.

Pure numpy: every function takes dense arrays (rows = supplying sector i, columns = using sector j) and
returns arrays; `docs/io.md` gives each formula and its source (Miller & Blair 2009; Eurostat Manual of
Supply, Use and Input-Output Tables 2008, ch. 15; Flegg, Webber & Elliott 1995; Flegg & Webber 1997;
Dietzenbacher, van der Linden & Steenge 1993).

Where only products with the inverse are needed (multipliers, linkages, outputs for a final demand), the
functions factorise I − A once (LU) and solve; the full inverse is formed only by `leontief_inverse` and
`ghosh_inverse`, or when its diagonal is needed (`extraction_loss`).

Conventions: a sector with zero output gets zero coefficients (its column of A, its row of B), as ONS and
pymrio do; a type-I multiplier whose direct coefficient is zero is 0, as ONS publishes it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.linalg

from chanye.errors import InputError

ForwardBasis = Literal["leontief", "ghosh"]

# The Flegg et al. FLQ's δ: 0.3 is the value Flegg & Tohmo (2013) and Bonfiglio & Chelli (2008) found to
# fit best on average; docs/io.md discusses the range.
DEFAULT_DELTA = 0.3


def _square(matrix: np.ndarray, what: str) -> np.ndarray:
    out = np.asarray(matrix, dtype=float)
    if out.ndim != 2 or out.shape[0] != out.shape[1]:
        raise InputError(f"{what} 必须是方阵，实为 {out.shape} ({what} must be square, got shape {out.shape})")
    if not np.isfinite(out).all():
        raise InputError(f"{what} 含有缺失或无穷值 ({what} has missing or infinite values)")
    return out


def _vector(values: np.ndarray, n: int, what: str) -> np.ndarray:
    out = np.asarray(values, dtype=float).reshape(-1)
    if out.shape[0] != n:
        raise InputError(f"{what} 长度 {out.shape[0]}，应为 {n} ({what} has length {out.shape[0]}, expected {n})")
    if not np.isfinite(out).all():
        raise InputError(f"{what} 含有缺失或无穷值 ({what} has missing or infinite values)")
    return out


def _operand(values: np.ndarray, n: int, what: str, *, rows: bool) -> np.ndarray:
    """A vector of length `n`, or a matrix of such vectors (its columns; its rows when `rows`), finite."""
    out = np.asarray(values, dtype=float)
    if out.ndim not in (1, 2) or (out.shape[-1] if rows else out.shape[0]) != n:
        raise InputError(f"{what} 的形状 {out.shape} 与 {n} 个部门不符 ({what} has shape {out.shape}, expected {n} "
                         f"sectors)")
    if not np.isfinite(out).all():
        raise InputError(f"{what} 含有缺失或无穷值 ({what} has missing or infinite values)")
    return out


def _reciprocal(x: np.ndarray) -> np.ndarray:
    """1/x with 0 where x is 0 (a sector without output has no coefficients)."""
    out = np.zeros_like(x, dtype=float)
    np.divide(1.0, x, out=out, where=x != 0)
    return out


# --- coefficients --------------------------------------------------------------------------------------------


def technical_coefficients(Z: np.ndarray, x: np.ndarray) -> np.ndarray:
    """直接消耗系数 A: a_ij = z_ij / x_j (column j over the output of sector j)."""
    Z = _square(Z, "Z")
    return Z * _reciprocal(_vector(x, Z.shape[0], "x"))[np.newaxis, :]


def output_coefficients(Z: np.ndarray, x: np.ndarray) -> np.ndarray:
    """直接分配系数 B: b_ij = z_ij / x_i (row i over the output of sector i), the Ghosh model's matrix."""
    Z = _square(Z, "Z")
    return Z * _reciprocal(_vector(x, Z.shape[0], "x"))[:, np.newaxis]


def input_coefficients(row: np.ndarray, x: np.ndarray) -> np.ndarray:
    """A primary-input or satellite row per unit of output (value added, compensation, employment): r_j / x_j."""
    x = np.asarray(x, dtype=float).reshape(-1)
    return _vector(row, x.shape[0], "row") * _reciprocal(_vector(x, x.shape[0], "x"))


def total_output(Z: np.ndarray, final_demand: np.ndarray) -> np.ndarray:
    """x = Z·1 + y, y the final demand net of competitive imports (row sums of Y)."""
    Z = _square(Z, "Z")
    y = np.asarray(final_demand, dtype=float)
    y = y.sum(axis=1) if y.ndim == 2 else y
    return Z.sum(axis=1) + _vector(y, Z.shape[0], "y")


# --- inverses and solves -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leontief:
    """I − A factorised once (LU with partial pivoting): solves with L = (I − A)^-1 without forming it."""

    lu: tuple[np.ndarray, np.ndarray]
    n: int

    @classmethod
    def of(cls, A: np.ndarray) -> Leontief:
        A = _square(A, "A")
        n = A.shape[0]
        with warnings.catch_warnings():  # a singular I − A is reported below, in words
            warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
            lu, piv = scipy.linalg.lu_factor(np.eye(n) - A, check_finite=False)
        if np.any(np.abs(np.diag(lu)) <= np.finfo(float).eps * max(1.0, float(np.abs(lu).max()))):
            raise InputError("I − A 奇异，列昂惕夫逆不存在 (I − A is singular: the Leontief inverse does not exist)")
        return cls((lu, piv), n)

    def times(self, b: np.ndarray) -> np.ndarray:
        """L·b (b a vector or a matrix of columns): the output that final demand b requires."""
        return scipy.linalg.lu_solve(self.lu, _operand(b, self.n, "y", rows=False), check_finite=False)

    def times_left(self, r: np.ndarray) -> np.ndarray:
        """r·L (r a row vector or rows stacked as a matrix): effects of an indicator per unit of final demand."""
        r = _operand(r, self.n, "c", rows=True)
        return scipy.linalg.lu_solve(self.lu, r.T, trans=1, check_finite=False).T

    def column_sums(self) -> np.ndarray:
        """1'L: the output multipliers."""
        return self.times_left(np.ones(self.n))

    def row_sums(self) -> np.ndarray:
        """L·1."""
        return self.times(np.ones(self.n))

    def inverse(self) -> np.ndarray:
        return self.times(np.eye(self.n))


def leontief_inverse(A: np.ndarray) -> np.ndarray:
    """完全需要系数 L = (I − A)^-1."""
    return Leontief.of(A).inverse()


def ghosh_inverse(B: np.ndarray) -> np.ndarray:
    """Ghosh inverse G = (I − B)^-1 of the output coefficients B."""
    return Leontief.of(B).inverse()


def output_for(A: np.ndarray, final_demand: np.ndarray) -> np.ndarray:
    """x = (I − A)^-1 y, solved."""
    return Leontief.of(A).times(final_demand)


# --- multipliers ---------------------------------------------------------------------------------------------


def output_multipliers(A: np.ndarray) -> np.ndarray:
    """Simple output multipliers: the column sums of L (Eurostat's and ONS's 'output multiplier')."""
    return Leontief.of(A).column_sums()


def effects(A: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
    """Total (direct + indirect) effects per unit of final demand: c·L for a row of input coefficients c
    (value added, compensation, employment per unit of output); c a matrix stacks several rows."""
    return Leontief.of(A).times_left(coefficients)


def type_i_multipliers(A: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
    """Type-I multipliers (c·L)_j / c_j: total over direct effect; 0 where c_j = 0 (as ONS publishes)."""
    c = np.asarray(coefficients, dtype=float)
    return effects(A, c) * _reciprocal(c)


# --- linkages ------------------------------------------------------------------------------------------------


def _normalise(values: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """values over their (weighted) mean; the weights (e.g. final-demand shares) sum to 1."""
    if weights is None:
        return values / values.mean()
    w = _vector(weights, values.shape[0], "weights")
    if np.any(w < 0) or not np.isclose(w.sum(), 1.0):
        raise InputError("权重须非负且合计为 1 (weights must be non-negative and sum to 1)")
    return values / float(w @ values)


@dataclass(frozen=True)
class Linkages:
    """Per-sector backward and forward linkages: raw sums and normalised indices (影响力系数、感应度系数)."""

    backward_sum: np.ndarray  # column sums of L (= output multipliers)
    forward_sum: np.ndarray  # row sums of L (basis 'leontief') or of G (basis 'ghosh')
    backward: np.ndarray  # backward_sum over its mean: 影响力系数
    forward: np.ndarray  # forward_sum over its mean: 感应度系数
    forward_basis: ForwardBasis


def linkages(A: np.ndarray, *, x: np.ndarray | None = None, forward_basis: ForwardBasis = "leontief",
             weights: np.ndarray | None = None) -> Linkages:
    """Rasmussen (1956) linkages from one LU of I − A.

    影响力系数 b_j = Σ_i l_ij / ((1/n) Σ_j Σ_i l_ij); 感应度系数 f_i = Σ_j l_ij / ((1/n) Σ_i Σ_j l_ij) on the
    Leontief inverse (the NBS textbook form, and the io README's reference figures) or, with
    forward_basis='ghosh', on the Ghosh inverse G = x̂^-1 L x̂, whose row sums are (L x)_i / x_i (needs x).
    `weights` (e.g. final-demand shares) replace the simple mean by a weighted one (the 加权 variant).
    """
    lu = Leontief.of(A)
    back = lu.column_sums()
    if forward_basis == "leontief":
        fwd = lu.row_sums()
    elif forward_basis == "ghosh":
        if x is None:
            raise InputError("Ghosh 感应度系数需要总产出 x (the Ghosh forward linkage needs total output x)")
        xv = _vector(x, lu.n, "x")
        fwd = lu.times(xv) * _reciprocal(xv)
    else:
        raise InputError(f"未知的感应度口径 {forward_basis!r}，可用 leontief、ghosh (unknown forward basis)")
    return Linkages(back, fwd, _normalise(back, weights), _normalise(fwd, weights), forward_basis)


KeySector = Literal["key", "backward", "forward", "weak"]


def key_sectors(backward: np.ndarray, forward: np.ndarray, threshold: float = 1.0) -> np.ndarray:
    """Rasmussen-Hirschman classification: 'key' (both indices > threshold), 'backward' (only the backward
    one), 'forward' (only the forward one), 'weak' (neither)."""
    b = np.asarray(backward, dtype=float)
    f = _vector(forward, b.shape[0], "forward")
    return np.where((b > threshold) & (f > threshold), "key",
                    np.where(b > threshold, "backward", np.where(f > threshold, "forward", "weak")))


# --- hypothetical extraction ---------------------------------------------------------------------------------


def extraction_loss(A: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Complete hypothetical extraction (Miller & Lahr 2001; Miller & Blair 2009 §12.2.5): the fall in total
    output Σx − Σx̄ when sector j's row and column (and its final demand) are removed, for every j at once.

    Removing j from I − A and f, the Schur complement gives x̄ = x_{-j} − L_{-j,j} x_j / l_jj, hence
    T_j = x_j · (Σ_i l_ij) / l_jj: one inverse for all n sectors instead of n of them (checked against the
    direct recomputation in tests/analytics/test_io.py)."""
    L = leontief_inverse(A)
    xv = _vector(x, L.shape[0], "x")
    return xv * L.sum(axis=0) / np.diag(L)


def extraction_loss_direct(A: np.ndarray, final_demand: np.ndarray, j: int) -> float:
    """Σx − Σx̄ recomputed by deleting sector j (the definition; O(n³) per sector, for checks)."""
    A = _square(A, "A")
    y = _vector(final_demand, A.shape[0], "y")
    keep = np.arange(A.shape[0]) != j
    x = output_for(A, y)
    x_bar = output_for(A[np.ix_(keep, keep)], y[keep])
    return float(x.sum() - x_bar.sum())


# --- regionalisation by location quotients ---------------------------------------------------------------------


@dataclass(frozen=True)
class Quotients:
    """Location quotients of a region against the nation, from a size measure by sector (employment or
    output): `slq` per sector, `cilq` and `flq` per (supplying i, purchasing j) pair, `scale` λ* of FLQ."""

    slq: np.ndarray
    cilq: np.ndarray
    flq: np.ndarray
    scale: float
    delta: float


def location_quotients(regional: np.ndarray, national: np.ndarray, delta: float = DEFAULT_DELTA, *,
                       covered: np.ndarray | None = None) -> Quotients:
    """SLQ_i = (E_i^r / E^r) / (E_i^n / E^n); CILQ_ij = SLQ_i / SLQ_j (SLQ_i on the diagonal, Flegg & Webber
    1997); FLQ_ij = CILQ_ij · λ* with λ* = [log2(1 + E^r / E^n)]^δ, 0 ≤ δ < 1 (Flegg, Webber & Elliott 1995).
    A sector the region lacks has SLQ 0; a purchasing sector it lacks gets CILQ 0 in its column (no input).
    `covered` (boolean per sector) marks the sectors the size measure observes; the others (a firm registry
    sees no farms or government) get SLQ 1, i.e. only FLQ's regional-size scale applies to them."""
    national = np.asarray(national, dtype=float).reshape(-1)
    regional = _vector(regional, national.shape[0], "regional")
    if np.any(regional < 0) or np.any(national < 0):
        raise InputError("区位商的规模指标不能为负 (the size measure must not be negative)")
    if np.any((national == 0) & (regional > 0)):
        raise InputError("某部门本地有值而全国为零 (a sector has regional but no national size)")
    if not 0 <= delta < 1:
        raise InputError(f"FLQ 的 δ 须在 [0, 1) 内，实为 {delta} (delta must lie in [0, 1))")
    total_r, total_n = regional.sum(), national.sum()
    if total_r <= 0 or total_n <= 0 or total_r > total_n:
        raise InputError("地区合计须为正且不超过全国合计 (the regional total must be positive and at most the national)")
    slq = (regional / total_r) * _reciprocal(national / total_n)
    if covered is not None:
        slq = np.where(_vector(covered, slq.shape[0], "covered").astype(bool), slq, 1.0)
    cilq = slq[:, np.newaxis] * _reciprocal(slq)[np.newaxis, :]
    np.fill_diagonal(cilq, slq)
    scale = float(np.log2(1.0 + total_r / total_n) ** delta)
    return Quotients(slq, cilq, cilq * scale, scale, delta)


LQMethod = Literal["slq", "cilq", "flq"]


def regional_coefficients(A: np.ndarray, quotients: Quotients, method: LQMethod = "flq") -> np.ndarray:
    """Regional input coefficients r_ij = a_ij · min(LQ_ij, 1): national coefficients scaled down where the
    region cannot supply its own needs (the rest is imported); never scaled up."""
    A = _square(A, "A")
    if method == "slq":
        lq = np.broadcast_to(quotients.slq[:, np.newaxis], A.shape)
    elif method == "cilq":
        lq = quotients.cilq
    elif method == "flq":
        lq = quotients.flq
    else:
        raise InputError(f"未知的区位商方法 {method!r}，可用 slq、cilq、flq (unknown location-quotient method)")
    return A * np.minimum(lq, 1.0)


# --- 两业融合: service inputs, sales to manufacturing, coupling coordination -------------------------------------


def group_input_shares(Z: np.ndarray, suppliers: np.ndarray, buyers: np.ndarray) -> np.ndarray:
    """Share of each buyer group's intermediate inputs that comes from each supplier group:
    S[k, m] = Σ_i Σ_j s_ki z_ij b_mj / Σ_i Σ_j z_ij b_mj, with `suppliers` (k × n) and `buyers` (m × n) weights
    of sectors in groups (1/0 for whole sectors; a fraction where a group holds part of a sector). With one
    buyer per manufacturing sector and a supplier group per service type this is 服务化 (servitisation of
    inputs); 0 where a buyer has no inputs."""
    Z = _square(Z, "Z")
    s = np.atleast_2d(np.asarray(suppliers, dtype=float))
    b = np.atleast_2d(np.asarray(buyers, dtype=float))
    if s.shape[1] != Z.shape[0] or b.shape[1] != Z.shape[0]:
        raise InputError(f"分组权重须有 {Z.shape[0]} 列 (group weights need {Z.shape[0]} columns)")
    bought = Z.sum(axis=0) @ b.T
    return (s @ Z @ b.T) * _reciprocal(bought)[np.newaxis, :]


def group_sales_shares(Z: np.ndarray, x: np.ndarray, sellers: np.ndarray, buyers: np.ndarray) -> np.ndarray:
    """Share of each seller group's output sold to each buyer group as intermediate input:
    S[k, m] = Σ_i Σ_j s_ki z_ij b_mj / Σ_i s_ki x_i (e.g. manufacturing's share of producer services' sales)."""
    Z = _square(Z, "Z")
    xv = _vector(x, Z.shape[0], "x")
    s = np.atleast_2d(np.asarray(sellers, dtype=float))
    b = np.atleast_2d(np.asarray(buyers, dtype=float))
    return (s @ Z @ b.T) * _reciprocal(s @ xv)[:, np.newaxis]


def minmax(X: np.ndarray) -> np.ndarray:
    """极差标准化 of positive indicators, column by column: (x − min) / (max − min); a constant column is 1."""
    X = np.asarray(X, dtype=float)
    low, high = X.min(axis=0), X.max(axis=0)
    span = high - low
    return np.where(span > 0, (X - low) / np.where(span > 0, span, 1.0), 1.0)


def maxnorm(X: np.ndarray) -> np.ndarray:
    """极大值标准化 of non-negative positive indicators, column by column: x / max (0 where the column is all 0).
    Keeps ratios between observations, so no observation is forced to 0 as min-max does."""
    X = np.asarray(X, dtype=float)
    if np.any(X < 0):
        raise InputError("极大值标准化要求指标非负 (maxnorm needs non-negative indicators)")
    return X * _reciprocal(X.max(axis=0))[np.newaxis, :]


def entropy_weights(N: np.ndarray) -> np.ndarray:
    """熵值法 weights of normalised indicators N (rows = observations, columns = indicators, N ≥ 0):
    p_ij = N_ij / Σ_i N_ij, e_j = −(1/ln m) Σ_i p_ij ln p_ij (0·ln 0 = 0), w_j = (1 − e_j) / Σ_j (1 − e_j);
    equal weights when no indicator varies."""
    N = np.asarray(N, dtype=float)
    m = N.shape[0]
    if m < 2:
        return np.full(N.shape[1], 1.0 / N.shape[1])
    p = N * _reciprocal(N.sum(axis=0))[np.newaxis, :]
    logs = np.zeros_like(p)
    np.log(p, out=logs, where=p > 0)
    e = -(p * logs).sum(axis=0) / np.log(m)
    d = 1.0 - e
    return d / d.sum() if d.sum() > 0 else np.full(N.shape[1], 1.0 / N.shape[1])


@dataclass(frozen=True)
class Coupling:
    """耦合协调度: C the coupling degree, T the comprehensive development index, D = sqrt(C·T)."""

    C: np.ndarray
    T: np.ndarray
    D: np.ndarray


def coupling_coordination(u1: np.ndarray, u2: np.ndarray, alpha: float = 0.5, beta: float = 0.5) -> Coupling:
    """Two subsystems with development indices U1, U2 in [0, 1]: C = 2·sqrt(U1·U2) / (U1 + U2) (0 when both are
    0), T = α·U1 + β·U2 (α + β = 1; equal weights by default: manufacturing and producer services count alike),
    D = sqrt(C·T)."""
    if not np.isclose(alpha + beta, 1.0) or alpha < 0 or beta < 0:
        raise InputError("α 与 β 须非负且合计为 1 (alpha and beta must be non-negative and sum to 1)")
    u1 = np.asarray(u1, dtype=float)
    u2 = np.asarray(u2, dtype=float)
    total = u1 + u2
    C = 2.0 * np.sqrt(u1 * u2) * _reciprocal(total)
    T = alpha * u1 + beta * u2
    return Coupling(C, T, np.sqrt(C * T))


# 十级分类 of D (廖重斌 1999 and the literature since): [0, 0.1) extreme imbalance ... [0.9, 1] high quality.
COORDINATION_LEVELS = ("extreme_imbalance", "serious_imbalance", "moderate_imbalance", "mild_imbalance",
                       "near_imbalance", "barely_coordinated", "primary_coordination", "intermediate_coordination",
                       "good_coordination", "high_quality_coordination")


def coordination_level(D: np.ndarray) -> np.ndarray:
    """The ten-grade class of each D (0.1 wide; 1.0 in the top grade)."""
    d = np.asarray(D, dtype=float)
    if not np.isfinite(d).all():  # a missing D is not the lowest grade
        raise InputError("耦合协调度 D 含有缺失或无穷值 (D has missing or infinite values)")
    idx = np.clip(np.floor(d * 10 + 1e-12).astype(int), 0, 9)
    return np.asarray(COORDINATION_LEVELS, dtype=object)[idx]
