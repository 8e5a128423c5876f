"""analytics.io at its edges, written to kill its mutants (docs/testing.md, "analytics/io"): every refusal read
whole (the argument it names included), the boundaries of each comparison (a threshold met exactly, a zero,
fractions below 1), the singularity test at machine epsilon, the `covered` sectors of the location quotients, the
entropy weights' fallbacks, and object-dtype input (a pandas frame of mixed columns gives one) taken as floats.
Every expected value is worked out by hand in the comment beside it."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable

import numpy as np
import pytest

from chanye.analytics import io
from chanye.errors import InputError

# A = [[0.2, 0.3], [0.4, 0.1]]: I − A = [[0.8, -0.3], [-0.4, 0.9]], det 0.6, L = [[1.5, 0.5], [2/3, 4/3]];
# column sums 13/6, 11/6; row sums 2, 2 (as in test_io.py).
A2 = np.array([[0.2, 0.3], [0.4, 0.1]])
EPS = np.finfo(float).eps  # 2^-52


def whole(message: str) -> str:
    """A pattern that matches the message and nothing around it."""
    return "^" + re.escape(message) + "$"


def square_message(what: str, shape: tuple[int, int]) -> str:
    return f"{what} 必须是方阵，实为 {shape} ({what} must be square, got shape {shape})"


def length_message(what: str, got: int, expected: int) -> str:
    return f"{what} 长度 {got}，应为 {expected} ({what} has length {got}, expected {expected})"


def missing_message(what: str) -> str:
    return f"{what} 含有缺失或无穷值 ({what} has missing or infinite values)"




def q2() -> io.Quotients:
    """Built inside each test (mutmut charges import-time calls to no test)."""
    return io.location_quotients(np.array([0.0, 10.0]), np.array([10.0, 10.0]))

NOT_SQUARE = np.zeros((2, 3))

REFUSALS: list[tuple[str, Callable[[], object], str]] = [
    ("technical Z", lambda: io.technical_coefficients(NOT_SQUARE, np.ones(2)), square_message("Z", (2, 3))),
    ("technical x", lambda: io.technical_coefficients(np.eye(2), np.ones(3)), length_message("x", 3, 2)),
    ("output Z", lambda: io.output_coefficients(NOT_SQUARE, np.ones(2)), square_message("Z", (2, 3))),
    ("output x", lambda: io.output_coefficients(np.eye(2), np.ones(3)), length_message("x", 3, 2)),
    ("input row", lambda: io.input_coefficients(np.ones(3), np.ones(2)), length_message("row", 3, 2)),
    ("total Z", lambda: io.total_output(NOT_SQUARE, np.ones(2)), square_message("Z", (2, 3))),
    ("total y", lambda: io.total_output(np.eye(2), np.ones(3)), length_message("y", 3, 2)),
    ("leontief A", lambda: io.leontief_inverse(NOT_SQUARE), square_message("A", (2, 3))),
    ("ghosh x", lambda: io.linkages(A2, x=np.ones(3), forward_basis="ghosh"), length_message("x", 3, 2)),
    ("weights", lambda: io.linkages(A2, weights=np.full(3, 1 / 3)), length_message("weights", 3, 2)),
    ("key forward", lambda: io.key_sectors(np.ones(2), np.ones(3)), length_message("forward", 3, 2)),
    ("extraction x", lambda: io.extraction_loss(A2, np.ones(3)), length_message("x", 3, 2)),
    ("direct A", lambda: io.extraction_loss_direct(NOT_SQUARE, np.ones(2), 0), square_message("A", (2, 3))),
    ("direct y", lambda: io.extraction_loss_direct(A2, np.ones(3), 0), length_message("y", 3, 2)),
    ("regional", lambda: io.location_quotients(np.ones(3), np.ones(2)), length_message("regional", 3, 2)),
    ("covered", lambda: io.location_quotients(np.ones(3), np.full(3, 2.0), covered=np.array([True, False])),
     length_message("covered", 2, 3)),
    ("regional A", lambda: io.regional_coefficients(NOT_SQUARE, q2()), square_message("A", (2, 3))),
    ("input shares Z", lambda: io.group_input_shares(NOT_SQUARE, np.ones(2), np.ones(2)), square_message("Z", (2, 3))),
    ("sales shares Z", lambda: io.group_sales_shares(NOT_SQUARE, np.ones(2), np.ones(2), np.ones(2)),
     square_message("Z", (2, 3))),
    ("sales shares x", lambda: io.group_sales_shares(np.eye(2), np.ones(3), np.ones(2), np.ones(2)),
     length_message("x", 3, 2)),
    # a missing cell, as NaN or as the None of an object-dtype frame, is refused in words, not by a TypeError
    ("Z NaN", lambda: io.technical_coefficients(np.array([[1.0, np.nan], [0.0, 1.0]]), np.ones(2)),
     missing_message("Z")),
    ("Z None", lambda: io.technical_coefficients(np.array([[1, None], [0, 1]], dtype=object), np.ones(2)),
     missing_message("Z")),
    ("x inf", lambda: io.technical_coefficients(np.eye(2), np.array([1.0, np.inf])), missing_message("x")),
    ("x None", lambda: io.technical_coefficients(np.eye(2), np.array([1.0, None], dtype=object)),
     missing_message("x")),
    ("Y None", lambda: io.total_output(np.eye(2), np.array([[1.0, None], [2.0, 3.0]], dtype=object)),
     missing_message("y")),
    ("singular", lambda: io.leontief_inverse(np.array([[1.0, 0.0], [0.0, 0.5]])),
     "I − A 奇异，列昂惕夫逆不存在 (I − A is singular: the Leontief inverse does not exist)"),
    ("ghosh without x", lambda: io.linkages(A2, forward_basis="ghosh"),
     "Ghosh 感应度系数需要总产出 x (the Ghosh forward linkage needs total output x)"),
    ("unknown basis", lambda: io.linkages(A2, forward_basis="hirschman"),  # type: ignore[arg-type]
     "未知的感应度口径 'hirschman'，可用 leontief、ghosh (unknown forward basis)"),
    ("negative weight", lambda: io.linkages(A2, weights=np.array([-0.5, 1.5])),  # sums to 1, but one is < 0
     "权重须非负且合计为 1 (weights must be non-negative and sum to 1)"),
    ("negative regional", lambda: io.location_quotients(np.array([-1.0, 5.0]), np.array([10.0, 10.0])),
     "区位商的规模指标不能为负 (the size measure must not be negative)"),
    ("negative national", lambda: io.location_quotients(np.array([0.0, 1.0]), np.array([-5.0, 20.0])),
     "区位商的规模指标不能为负 (the size measure must not be negative)"),
    ("regional without national", lambda: io.location_quotients(np.array([1.0, 1.0]), np.array([0.0, 5.0])),
     "某部门本地有值而全国为零 (a sector has regional but no national size)"),
    # 5 + 5 = 10 > 4 + 4 = 8: the region is larger than the nation
    ("region above nation", lambda: io.location_quotients(np.array([5.0, 5.0]), np.array([4.0, 4.0])),
     "地区合计须为正且不超过全国合计 (the regional total must be positive and at most the national)"),
    ("empty region", lambda: io.location_quotients(np.zeros(2), np.ones(2)),
     "地区合计须为正且不超过全国合计 (the regional total must be positive and at most the national)"),
    ("negative indicator", lambda: io.maxnorm(np.array([[1.0], [-0.5]])),
     "极大值标准化要求指标非负 (maxnorm needs non-negative indicators)"),
    ("negative alpha", lambda: io.coupling_coordination(np.array([0.4]), np.array([0.9]), -0.5, 1.5),
     "α 与 β 须非负且合计为 1 (alpha and beta must be non-negative and sum to 1)"),
]


@pytest.mark.parametrize(("call", "message"), [(call, message) for _, call, message in REFUSALS],
                         ids=[name for name, _, _ in REFUSALS])
def test_each_refusal_reads_whole(call: Callable[[], object], message: str) -> None:
    with pytest.raises(InputError, match=whole(message)):
        call()


# --- the singularity test at machine epsilon ---------------------------------------------------------------------


def test_singularity_threshold_is_eps_times_the_largest_pivot_at_least_one() -> None:
    # 1 − (1 − ε) = ε exactly: a pivot equal to ε·max(1, max|LU|) = ε counts as singular (<=, not <)
    with pytest.raises(InputError, match="I − A is singular"):
        io.leontief_inverse(np.array([[1.0 - EPS]]))
    # a pivot of 1.5ε is above ε: L = 1 / (1.5ε) = 2^52 / 1.5 (and below 2ε, so the floor of max(1, ·) is 1)
    assert io.leontief_inverse(np.array([[1.0 - 1.5 * EPS]])).tolist() == [[1.0 / (1.5 * EPS)]]
    # I − A = diag(2, 1.5ε): the threshold scales with the largest entry, ε·2 = 2ε ≥ 1.5ε, so singular
    with pytest.raises(InputError, match="I − A is singular"):
        io.leontief_inverse(np.array([[-1.0, 0.0], [0.0, 1.0 - 1.5 * EPS]]))


def test_a_regular_table_raises_no_warning() -> None:
    # L of A2 by hand (see above); the computation itself warns of nothing (no deprecated call, no 0/0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.allclose(io.leontief_inverse(A2), [[1.5, 0.5], [2 / 3, 4 / 3]], rtol=0, atol=1e-15)
        assert io.minmax(np.array([[1.0, 5.0], [3.0, 5.0]])).tolist() == [[0.0, 1.0], [1.0, 1.0]]


# --- coefficients and totals --------------------------------------------------------------------------------------


def test_vectors_given_as_a_row_are_flattened() -> None:
    Z = np.array([[1.0, 2.0], [3.0, 4.0]])
    x = np.array([[2.0, 4.0]])  # shape (1, 2), as a one-row frame gives it
    # a_ij = z_ij / x_j: column 0 over 2, column 1 over 4
    assert io.technical_coefficients(Z, x).tolist() == [[0.5, 0.5], [1.5, 1.0]]
    # value added (1, 2) over output (2, 4): 0.5, 0.5
    assert io.input_coefficients(np.array([1.0, 2.0]), x).tolist() == [0.5, 0.5]
    # the same output from an object-dtype frame
    assert io.input_coefficients(np.array([1.0, 2.0]), np.array([2, 4], dtype=object)).tolist() == [0.5, 0.5]
    # national (100, 300) as a row, regional (50, 50): SLQ = (0.5/0.25, 0.5/0.75) = (2, 2/3)
    q = io.location_quotients(np.array([50.0, 50.0]), np.array([[100.0, 300.0]]))
    assert np.allclose(q.slq, [2.0, 2 / 3], rtol=0, atol=1e-15)


def test_total_output_from_a_demand_vector_or_matrix() -> None:
    Z = np.array([[1.0, 2.0], [3.0, 4.0]])
    # row sums 3, 7, plus y = (5, 6): x = (8, 13)
    assert io.total_output(Z, np.array([5.0, 6.0])).tolist() == [8.0, 13.0]
    # Y with two final-use columns whose row sums are 5 and 6
    assert io.total_output(Z, np.array([[2.0, 3.0], [1.0, 5.0]])).tolist() == [8.0, 13.0]


def test_type_i_multipliers_of_object_coefficients() -> None:
    # c = (1, 0): c·L = row 0 of L = (1.5, 0.5); type I = (1.5 / 1, 0 where c = 0)
    c = np.array([1, 0], dtype=object)
    result = io.type_i_multipliers(A2, c)
    assert result.tolist() == [1.5, 0.0]
    assert result.dtype == np.float64


# --- linkages -----------------------------------------------------------------------------------------------------


def test_linkages_keep_their_basis_and_weight_both_indices() -> None:
    assert io.linkages(A2).forward_basis == "leontief"
    x = np.array([10.0, 20.0])
    # Ghosh row sums (2.5, 5/3) (test_io.py); weights (0.25, 0.75): weighted mean 0.625 + 1.25 = 1.875,
    # forward = (2.5 / 1.875, (5/3) / 1.875) = (4/3, 8/9); backward: (13/6, 11/6) over 23/12 = (26/23, 22/23)
    weighted = io.linkages(A2, x=x, forward_basis="ghosh", weights=np.array([0.25, 0.75]))
    assert weighted.forward_basis == "ghosh"
    assert np.allclose(weighted.forward, [4 / 3, 8 / 9], rtol=0, atol=1e-15)
    assert np.allclose(weighted.backward, [26 / 23, 22 / 23], rtol=0, atol=1e-15)
    # a weight of 0 is allowed: all weight on sector 1, mean 11/6, backward = (13/11, 1)
    zero = io.linkages(A2, weights=np.array([0.0, 1.0]))
    assert np.allclose(zero.backward, [13 / 11, 1.0], rtol=0, atol=1e-15)


def test_key_sectors_need_an_index_strictly_above_the_threshold() -> None:
    # (1.0, 1.2): only forward is above 1; (1.2, 1.0): only backward; (1.0, 1.0): neither; (1.1, 1.1): both
    b = np.array([1.0, 1.2, 1.0, 1.1])
    f = np.array([1.2, 1.0, 1.0, 1.1])
    assert io.key_sectors(b, f).tolist() == ["forward", "backward", "weak", "key"]
    # threshold 1.5: (1.5, 1.6) is forward only, (1.6, 1.6) key
    assert io.key_sectors([1.5, 1.6], [1.6, 1.6], threshold=1.5).tolist() == ["forward", "key"]


# --- location quotients -------------------------------------------------------------------------------------------


def test_location_quotients_at_their_boundaries() -> None:
    # region lacks sector 0: regional (0, 10), national (10, 10); shares (0, 1) over (0.5, 0.5): SLQ (0, 2);
    # CILQ_01 = 0 / 2 = 0, CILQ_10 = 2 · (1/0 → 0) = 0, diagonal SLQ: [[0, 0], [0, 2]]; δ defaults to 0.3
    q = q2()
    assert q.slq.tolist() == [0.0, 2.0]
    assert q.cilq.tolist() == [[0.0, 0.0], [0.0, 2.0]]
    assert q.delta == 0.3
    # λ* = log2(1 + 10/20)^0.3 = 0.5849625^0.3 = 0.851409; FLQ_11 = 2λ* = 1.70 → capped at 1:
    # r = a · min(FLQ, 1) = [[0, 0], [0, 0.1]], and FLQ is the default method
    assert round(q.scale, 6) == 0.851409
    assert io.regional_coefficients(A2, q).tolist() == [[0.0, 0.0], [0.0, 0.1]]
    # a sector neither the nation nor the region has: SLQ 0, not a refusal (shares (0, 1) and (0, 1))
    assert io.location_quotients(np.array([0.0, 5.0]), np.array([0.0, 10.0])).slq.tolist() == [0.0, 1.0]
    # sizes below 1: regional (0.125, 0.125) of 0.25, national (0.25, 0.5) of 0.75:
    # SLQ = (0.5 / (1/3), 0.5 / (2/3)) = (1.5, 0.75)
    small = io.location_quotients(np.array([0.125, 0.125]), np.array([0.25, 0.5]))
    assert np.allclose(small.slq, [1.5, 0.75], rtol=0, atol=1e-15)
    # the region is the whole nation: SLQ 1, λ* = log2(2)^0.3 = 1, FLQ = CILQ
    whole_nation = io.location_quotients(np.array([1.0, 3.0]), np.array([1.0, 3.0]))
    assert whole_nation.slq.tolist() == [1.0, 1.0]
    assert whole_nation.scale == 1.0
    # national sizes from an object-dtype frame: the same SLQ (2, 0.5, 1) as test_io.py's example
    mixed = io.location_quotients(np.array([20.0, 10.0, 70.0]), np.array([100, 200, 700], dtype=object))
    assert mixed.slq.tolist() == [2.0, 0.5, 1.0]


def test_uncovered_sectors_get_an_slq_of_one() -> None:
    # test_io.py's example, SLQ (2, 0.5, 1), with sector 1 not observed: SLQ (2, 1, 1);
    # CILQ_ij = SLQ_i / SLQ_j, SLQ_i on the diagonal: [[2, 2, 2], [0.5, 1, 1], [0.5, 1, 1]]
    regional, national = np.array([20.0, 10.0, 70.0]), np.array([100.0, 200.0, 700.0])
    q = io.location_quotients(regional, national, covered=np.array([True, False, True]))
    assert q.slq.tolist() == [2.0, 1.0, 1.0]
    assert q.cilq.tolist() == [[2.0, 2.0, 2.0], [0.5, 1.0, 1.0], [0.5, 1.0, 1.0]]
    # 1/0 flags read as booleans
    assert io.location_quotients(regional, national, covered=np.array([1, 0, 1])).slq.tolist() == [2.0, 1.0, 1.0]


# --- group shares, normalisation, entropy, coupling --------------------------------------------------------------

Z3 = np.array([[1.0, 2.0, 0.0], [3.0, 4.0, 5.0], [0.0, 1.0, 2.0]])


def test_group_shares_of_object_weights() -> None:
    # test_io.py's figures: inputs 4, 7, 7, of which sectors 1 and 2 supply 3, 5, 7
    shares = io.group_input_shares(Z3, np.array([[0, 1, 1]], dtype=object), np.eye(3, dtype=int).astype(object))
    assert np.allclose(shares, [[0.75, 5 / 7, 1.0]], rtol=0, atol=1e-15)
    assert shares.dtype == np.float64
    # sector 1 sells 3 + 4 to sectors 0 and 1 out of output 20: 0.35
    x = np.array([10.0, 20.0, 5.0])
    sales = io.group_sales_shares(Z3, x, np.array([0, 1, 0], dtype=object), np.array([1, 1, 0], dtype=object))
    assert np.allclose(sales, [[0.35]], rtol=0, atol=1e-15)
    assert sales.dtype == np.float64


def test_minmax_and_maxnorm_at_their_boundaries() -> None:
    # column 0 spans 2: (0, 0.5, 1); column 1 is constant: 1; column 2 spans 0.5 (below 1): (0, 0.5, 1)
    X = np.array([[1.0, 5.0, 0.25], [2.0, 5.0, 0.5], [3.0, 5.0, 0.75]])
    assert io.minmax(X).tolist() == [[0.0, 1.0, 0.0], [0.5, 1.0, 0.5], [1.0, 1.0, 1.0]]
    mixed = io.minmax(X.astype(object))
    assert mixed.tolist() == [[0.0, 1.0, 0.0], [0.5, 1.0, 0.5], [1.0, 1.0, 1.0]]
    assert mixed.dtype == np.float64
    # zeros and values below 1 are allowed: x / max with maxima (2, 0.5)
    Y = np.array([[0.0, 0.5], [2.0, 0.25]])
    assert io.maxnorm(Y).tolist() == [[0.0, 1.0], [1.0, 0.5]]
    assert io.maxnorm(Y.astype(object)).tolist() == [[0.0, 1.0], [1.0, 0.5]]


def test_entropy_weights_fallbacks_and_two_observations() -> None:
    # one observation: nothing to weigh by, equal weights 1/4
    assert io.entropy_weights(np.array([[0.2, 0.4, 0.6, 0.8]])).tolist() == [0.25] * 4
    # two observations. Column 0: p = (1/4, 3/4), e = 0.811278, d = 0.188722 (> 0, < 1); column 1: p = (1/2, 1/2),
    # e = −(2 · ½ ln ½) / ln 2 = 1 exactly, d = 0: all the weight on column 0
    N = np.array([[1.0, 1.0], [3.0, 1.0]])
    assert io.entropy_weights(N).tolist() == [1.0, 0.0]
    assert io.entropy_weights(N.astype(object)).tolist() == [1.0, 0.0]
    # no column varies (p = 1/2 everywhere, every d exactly 0): equal weights, not 0/0
    assert io.entropy_weights(np.array([[1.0, 2.0, 4.0, 8.0], [1.0, 2.0, 4.0, 8.0]])).tolist() == [0.25] * 4


def test_coupling_weights_at_zero_and_object_indices() -> None:
    u1, u2 = np.array([0.4]), np.array([0.9])
    # α = 0: T = U2 = 0.9; β = 0: T = U1 = 0.4 (both allowed)
    assert io.coupling_coordination(u1, u2, 0.0, 1.0).T.tolist() == [0.9]
    assert io.coupling_coordination(u1, u2, 1.0, 0.0).T.tolist() == [0.4]
    # object-dtype indices: C = 2·√0.36 / 1.3 = 12/13, T = 0.65, D = √0.6 (test_io.py)
    cc = io.coupling_coordination(u1.astype(object), u2.astype(object))
    assert np.allclose([cc.C[0], cc.T[0], cc.D[0]], [12 / 13, 0.65, np.sqrt(0.6)], rtol=0, atol=1e-15)


def test_coordination_level_clips_below_zero() -> None:
    # floor(−0.05 · 10) = −1, clipped to grade 0 (not counted from the end of the list)
    assert io.coordination_level(np.array([-0.05])).tolist() == ["extreme_imbalance"]


# --- operands of the solves, checked (found while writing the tests above: they returned NaN or scipy's error) ----


@pytest.mark.parametrize(("call", "message"), [
    (lambda: io.output_for(A2, np.array([np.nan, 1.0])), "y 含有缺失或无穷值 (y has missing or infinite values)"),
    (lambda: io.output_for(A2, np.ones(3)), "y 的形状 (3,) 与 2 个部门不符 (y has shape (3,), expected 2 sectors)"),
    (lambda: io.output_for(A2, np.ones((3, 2))),
     "y 的形状 (3, 2) 与 2 个部门不符 (y has shape (3, 2), expected 2 sectors)"),
    (lambda: io.effects(A2, np.ones(3)), "c 的形状 (3,) 与 2 个部门不符 (c has shape (3,), expected 2 sectors)"),
    (lambda: io.effects(A2, np.array([[1.0, np.inf]])), "c 含有缺失或无穷值 (c has missing or infinite values)"),
    (lambda: io.type_i_multipliers(A2, np.array([0.5, np.nan])),
     "c 含有缺失或无穷值 (c has missing or infinite values)"),
    (lambda: io.input_coefficients(np.ones(2), np.array([np.nan, 1.0])),
     "x 含有缺失或无穷值 (x has missing or infinite values)"),
    (lambda: io.coordination_level(np.array([0.5, np.nan])),
     "耦合协调度 D 含有缺失或无穷值 (D has missing or infinite values)"),
    # object arrays (a frame's mixed column): None read as a missing value, not a crash in isfinite
    (lambda: io.output_for(A2, np.array([1, None], dtype=object)),
     "y 含有缺失或无穷值 (y has missing or infinite values)"),
    (lambda: io.effects(A2, np.array([None, 1], dtype=object)), "c 含有缺失或无穷值 (c has missing or infinite values)"),
    (lambda: io.coordination_level(np.array([0.5, None], dtype=object)),
     "耦合协调度 D 含有缺失或无穷值 (D has missing or infinite values)"),
])
def test_solves_refuse_missing_values_and_wrong_shapes(call: Callable[[], object], message: str) -> None:
    with pytest.raises(InputError, match=f"^{re.escape(message)}$"):  # the whole message
        call()


def test_solves_take_a_matrix_of_columns_or_of_rows() -> None:
    # I − A2 = [[0.8, -0.3], [-0.4, 0.9]], det 0.72 - 0.12 = 0.6, L = [[1.5, 0.5], [2/3, 4/3]]
    # L·[[1, 0], [0, 1]] = L; [1, 1]·L = column sums [1.5 + 2/3, 0.5 + 4/3] = [13/6, 11/6]
    np.testing.assert_allclose(io.output_for(A2, np.eye(2)), [[1.5, 0.5], [2 / 3, 4 / 3]])
    np.testing.assert_allclose(io.effects(A2, np.array([[1.0, 1.0], [1.0, 0.0]])),
                               [[13 / 6, 11 / 6], [1.5, 0.5]])
