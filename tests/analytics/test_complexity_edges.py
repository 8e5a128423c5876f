"""`chanye.analytics.complexity` on small matrices worked out by hand: edge cases, both conventions, errors.

Complements test_complexity.py (the Stata ground truth). Every expected value below is derived in the comments;
every error is matched against its full message.
"""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from chanye.analytics.complexity import (
    complexity,
    complexity_eigenvectors,
    complexity_outlook_gain,
    complexity_outlook_index,
    compute_year,
    density,
    diversity,
    eci_pci,
    fitness_complexity,
    presence,
    proximity_continuous,
    proximity_discrete,
    proximity_frame,
    rca,
    reflections,
    rpop,
    standardise,
    ubiquity,
)
from chanye.errors import InputError
from chanye.present.complexity import note_text

R15 = math.sqrt(15)
R2 = math.sqrt(2)


def exact(message: str) -> str:
    """A `match=` pattern for exactly this message."""
    return f"^{re.escape(message)}$"


# --- matrix functions: shapes and inputs --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: rca(np.ones(3)),
            "X 必须是二维矩阵 must be a 2-D matrix (location x activity), got shape (3,)",
        ),
        (
            lambda: proximity_discrete(np.ones((1, 2, 2))),
            "M 必须是二维矩阵 must be a 2-D matrix (location x activity), got shape (1, 2, 2)",
        ),
        (
            lambda: proximity_continuous(np.ones(2)),
            "levels 必须是二维矩阵 must be a 2-D matrix (location x activity), got shape (2,)",
        ),
        (
            lambda: density(np.ones((2, 2)), np.ones(2)),
            "proximity 必须是二维矩阵 must be a 2-D matrix (location x activity), got shape (2,)",
        ),
        (
            lambda: complexity_outlook_index(np.ones(2), np.ones(2), np.ones(2)),
            "density 必须是二维矩阵 must be a 2-D matrix (location x activity), got shape (2,)",
        ),
        (
            lambda: rpop(np.ones((2, 3)), [1.0, 2.0, 3.0]),
            "人口向量长度 3 与地区数 2 不符 population has 3 entries for 2 locations",
        ),
        (lambda: presence(), "presence 需要 rca 或 rpop needs rca or rpop"),
        (
            lambda: density(np.ones((2, 3)), np.ones((3, 2))),
            "矩阵形状不符 shape mismatch: levels (2, 3), proximity (2, 3)",
        ),
        (
            lambda: density(np.ones((2, 2)), np.ones((3, 3))),
            "矩阵形状不符 shape mismatch: levels (2, 2), proximity (3, 3)",
        ),
        (
            lambda: complexity_eigenvectors(np.ones((1, 4))),
            "复杂度需要至少两个地区和两个活动 complexity needs at least two locations and two activities, "
            "got 1 x 4",
        ),
        (
            lambda: complexity_eigenvectors(np.ones((3, 1))),
            "复杂度需要至少两个地区和两个活动 complexity needs at least two locations and two activities, "
            "got 3 x 1",
        ),
        (
            lambda: fitness_complexity([[1, 0], [1, 0]]),
            "Fitness-Complexity 需要每个地区和活动至少有一个 1 every location and activity needs at least one 1 in M",
        ),
        (
            lambda: fitness_complexity([[1, 1], [0, 0]]),
            "Fitness-Complexity 需要每个地区和活动至少有一个 1 every location and activity needs at least one 1 in M",
        ),
        (
            lambda: fitness_complexity([[1, 0], [0, 1]], max_iter=0),
            "max_iter 须 >= 1 且 tol > 0 need max_iter >= 1 and tol > 0, got 0, 1e-12",
        ),
        (
            lambda: fitness_complexity([[1, 0], [0, 1]], tol=0.0),
            "max_iter 须 >= 1 且 tol > 0 need max_iter >= 1 and tol > 0, got 1000, 0.0",
        ),
        (
            lambda: fitness_complexity([[1, 0], [0, 1]], tol=math.nan),
            "max_iter 须 >= 1 且 tol > 0 need max_iter >= 1 and tol > 0, got 1000, nan",
        ),
        (
            lambda: reflections([[1, 0], [1, 0]], 1),
            "反射法需要多样性和普遍性都 > 0 reflections need diversity and ubiquity > 0 everywhere",
        ),
        (
            lambda: reflections([[1, 1], [0, 0]], 1),
            "反射法需要多样性和普遍性都 > 0 reflections need diversity and ubiquity > 0 everywhere",
        ),
        (lambda: reflections([[1, 0], [1, 1]], -1), "n 须 >= 0 n must be >= 0, got -1"),
        (lambda: compute_year(), "需要 X 或 M need X or M"),
        (
            lambda: compute_year(np.eye(2) + 1, presence_test="rpop"),
            "rpop 需要人口 rpop needs population",
        ),
        (
            lambda: compute_year(M=np.eye(2), proximity="continuous"),
            "连续邻近度需要且只能用 RCA 或 RPOP 之一 continuous proximity needs exactly one of RCA or RPOP levels",
        ),
        (
            lambda: compute_year(
                np.eye(2) + 1, population=[1.0, 2.0], presence_test="both", proximity="continuous"
            ),
            "连续邻近度需要且只能用 RCA 或 RPOP 之一 continuous proximity needs exactly one of RCA or RPOP levels",
        ),
    ],
)
def test_matrix_function_errors(call, message: str) -> None:
    with pytest.raises(InputError, match=exact(message)):
        call()


def test_rca_and_rpop_of_non_square_matrices() -> None:
    # X = [[1, 2, 3], [3, 2, 1]]: row totals 6, 6; column totals 4, 4, 4; total 12.
    # RCA = (x / 6) / (4 / 12) = x / 2.
    X = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])
    assert rca(X).tolist() == [[0.5, 1.0, 1.5], [1.5, 1.0, 0.5]]
    # RPOP with populations 1 and 3 (shares 1/4, 3/4): (x / 4) / share -> row 0: x, row 1: x / 3.
    assert np.allclose(rpop(X, [1.0, 3.0]), [[1.0, 2.0, 3.0], [1.0, 2 / 3, 1 / 3]], rtol=1e-15, atol=0)
    # A location with no values: its RCA row is 0/0 = NaN, the other rows are finite.
    Z = np.array([[1.0, 1.0], [0.0, 0.0], [1.0, 3.0]])
    out = rca(Z)
    assert np.isnan(out[1]).all()
    # Column totals 2, 4 (total 6): row 0: (1/2) / (2/6) = 1.5, (1/2) / (4/6) = 0.75.
    assert out[[0, 2]].tolist() == [[1.5, 0.75], [0.75, 1.125]]


def test_presence_with_rpop_only_and_both_tests() -> None:
    levels = np.array([[0.5, 1.0, 2.0], [1.5, np.nan, 0.9]])
    # rpop alone, strict > 1: only 2.0 and 1.5; NaN is never present.
    assert presence(rpop=levels).tolist() == [[0, 0, 1], [1, 0, 0]]
    assert presence(rpop=levels, rpop_threshold=0.8).tolist() == [[0, 1, 1], [1, 0, 1]]
    assert presence(rpop=levels, strict=False).tolist() == [[0, 1, 1], [1, 0, 0]]
    # both: (RCA > 1.2) or (RPOP > 1): RCA row 0 column 0 only; RPOP as above.
    other = np.array([[1.3, 0.0, 0.0], [0.0, 0.0, 0.0]])
    assert presence(other, levels, rca_threshold=1.2).tolist() == [[1, 0, 1], [1, 0, 0]]
    assert presence(other, levels, rca_threshold=1.2).dtype == np.int8


# --- eigenvectors, ECI and PCI ----------------------------------------------------------------------------


def test_eigenvectors_of_a_2x2_matrix_by_hand() -> None:
    # M = [[1, 1], [0, 1]]: d = (2, 1), u = (1, 2). Mpp = U^-1 M' D^-1 M = [[1/2, 1/2], [1/4, 3/4]]:
    # trace 5/4, det 1/4 -> eigenvalues 1 and 1/4, gap 3/4. For 1/4: (1/2 - 1/4) x + 1/2 y = 0 -> kp ~ (2, -1);
    # kc = D^-1 M kp = (1/2, -1), which correlates positively with d = (2, 1): the sign is kept.
    M = np.array([[1.0, 1.0], [0.0, 1.0]])
    kc, kp, gap = complexity_eigenvectors(M)
    assert gap == pytest.approx(0.75, abs=1e-15)
    assert np.allclose(kc / kp[0], [0.25, -0.5], rtol=1e-14) and kp[1] / kp[0] == pytest.approx(-0.5)
    assert kp[0] > 0
    # Stata: mean of kc = -1/4; the 4 rows hold 1/2, 1/2, -1, -1: ss = 4 (3/4)^2 = 9/4, sd = sqrt(9/4 / 3) =
    # sqrt(3)/2. ECI = (+-3/4) / (sqrt(3)/2) = +-sqrt(3)/2; PCI = (2 + 1/4, -1 + 1/4) / (sqrt(3)/2).
    eci, pci = eci_pci(M)
    r3 = math.sqrt(3)
    assert np.allclose(eci, [r3 / 2, -r3 / 2], rtol=1e-13)
    assert np.allclose(pci, [3 * r3 / 2, -r3 / 2], rtol=1e-13)
    # PyPI: population sd of kc over the 2 locations = 3/4 -> ECI = +-1, PCI = (9/4, -3/4) / (3/4).
    eci_p, pci_p = eci_pci(M, conventions="pypi")
    assert np.allclose(eci_p, [1.0, -1.0], rtol=1e-13)
    assert np.allclose(pci_p, [3.0, -1.0], rtol=1e-13)


def test_eigenvectors_with_more_locations_than_activities() -> None:
    # M = [[1, 1], [1, 0], [1, 0]] (3 x 2, solved on the activity side): d = (2, 1, 1), u = (3, 1).
    # Mpp = U^-1 M' D^-1 M = [[5/6, 1/6], [1/2, 1/2]]: trace 4/3, det 1/3 -> eigenvalues 1 and 1/3, gap 2/3.
    # For 1/3: (5/6 - 1/3) x + (1/6) y = 0 -> kp ~ (-1, 3); kc = D^-1 M kp = (1, -1, -1), correlating
    # positively with d.
    M = np.array([[1.0, 1.0], [1.0, 0.0], [1.0, 0.0]])
    kc, kp, gap = complexity_eigenvectors(M)
    assert gap == pytest.approx(2 / 3, abs=1e-15)
    scale = kc[0]
    assert scale > 0
    assert np.allclose(kc / scale, [1.0, -1.0, -1.0], rtol=1e-13)
    assert np.allclose(kp / scale, [-1.0, 3.0], rtol=1e-13)
    # Stata: mean kc = -1/3; 6 rows, deviations 4/3, -2/3, -2/3 twice each: ss = 2 (16 + 4 + 4) / 9 = 16/3,
    # sd = sqrt(16/3 / 5) = 4 / sqrt(15). ECI = (4/3, -2/3) sqrt(15)/4; PCI = (-2/3, 10/3) sqrt(15)/4.
    eci, pci = eci_pci(M)
    assert np.allclose(eci, [R15 / 3, -R15 / 6, -R15 / 6], rtol=1e-13)
    assert np.allclose(pci, [-R15 / 6, 5 * R15 / 6], rtol=1e-13)
    # PyPI: population sd over the 3 locations = sqrt((16 + 4 + 4) / 27) = 2 sqrt(2) / 3.
    eci_p, pci_p = eci_pci(M, conventions="pypi")
    assert np.allclose(eci_p, [R2, -1 / R2, -1 / R2], rtol=1e-13)
    assert np.allclose(pci_p, [-1 / R2, 5 / R2], rtol=1e-13)


@pytest.mark.parametrize(
    ("M", "eci", "pci"),
    [
        # M = [[1, 1, 0], [1, 0, 1], [1, 1, 0]]: every diversity is 2, u = (3, 2, 1).
        # Mpp = (1/2) U^-1 M'M = [[1/2, 1/3, 1/6], [1/2, 1/2, 0], [1/2, 0, 1/2]]: eigenvalues 1, 1/2, 0.
        # For 1/2: row 2 gives x = 0, row 0 gives y/3 + z/6 = 0 -> kp ~ (0, -1, 2) (the rarest activity the
        # most complex: the tie-break when diversities are equal); kc = D^-1 M kp = (-1/2, 1, -1/2).
        # mean 0; 9 rows: ss = 3 (1/4 + 1 + 1/4) = 9/2, sd = sqrt(9/2 / 8) = 3/4.
        ([[1, 1, 0], [1, 0, 1], [1, 1, 0]], [-2 / 3, 4 / 3, -2 / 3], [0.0, -4 / 3, 8 / 3]),
        # The same network with the rows and the last two columns permuted (the solver's raw sign flips).
        ([[1, 0, 1], [1, 1, 0], [1, 1, 0]], [4 / 3, -2 / 3, -2 / 3], [0.0, -4 / 3, 8 / 3]),
    ],
)
def test_equal_diversities_orient_rarer_activities_as_more_complex(M, eci, pci) -> None:
    M = np.array(M, dtype=float)
    got_eci, got_pci = eci_pci(M)
    assert np.allclose(got_eci, eci, rtol=1e-13, atol=1e-14)
    assert np.allclose(got_pci, pci, rtol=1e-13, atol=1e-14)


def test_equal_diversities_with_more_locations_than_activities() -> None:
    # 4 x 3 (solved on the activity side), every diversity 2, u = (4, 3, 1): M'M = [[4, 3, 1], [3, 3, 0],
    # [1, 0, 1]]; Mpp = U^-1 M' D^-1 M = [[1/2, 3/8, 1/8], [1/2, 1/2, 0], [1/2, 0, 1/2]], trace 3/2, eigenvalues
    # 1, 1/2, 0 (gap 1/2). For 1/2: row 1 gives x = 0, row 0 gives 3y/8 + z/8 = 0 -> kp ~ (0, -1, 3), oriented
    # so that the rarest activity is the most complex; kc = D^-1 M kp = (-1/2, -1/2, -1/2, 3/2).
    M = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
    kc, kp, gap = complexity_eigenvectors(M)
    assert gap == pytest.approx(0.5, abs=1e-14)
    s = kp[2] / 3
    assert s > 0
    assert np.allclose(kp / s, [0.0, -1.0, 3.0], atol=1e-13)
    assert np.allclose(kc / s, [-0.5, -0.5, -0.5, 1.5], atol=1e-13)


def test_orientation_follows_diversity_even_against_ubiquity() -> None:
    # Here ECI correlates positively with diversity d = (2, 3, 2) while PCI correlates positively with ubiquity
    # u = (1, 3, 2, 1): the diversity rule decides (Stata's), the ubiquity rule is only the tie-break. The
    # diversities differ by 1 and the raw eigenvector varies by less than 1, so no threshold but 0 may apply.
    M = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 1.0, 1.0, 1.0], [0.0, 1.0, 1.0, 0.0]])
    kc, kp, _ = complexity_eigenvectors(M)
    d, u = M.sum(axis=1), M.sum(axis=0)
    assert (d - d.mean()) @ (kc - kc.mean()) > 0
    assert (u - u.mean()) @ (kp - kp.mean()) > 0
    eci, pci = eci_pci(M)
    assert eci[0] < eci[2] < eci[1]
    # Location 0 holds the rarest activity 0 (ubiquity 1) with the most common one: lowest ECI, yet activity
    # 0 has the lowest PCI too (it is held only by the least complex location).
    assert pci.argmin() == 0


def test_undefined_eigenproblem_is_nan() -> None:
    kc, kp, gap = complexity_eigenvectors(np.array([[1.0, 0.0], [0.0, 0.0]]))
    assert np.isnan(kc).all() and kc.shape == (2,)
    assert np.isnan(kp).all() and kp.shape == (2,)
    assert math.isnan(gap)
    kc, kp, gap = complexity_eigenvectors(np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 0.0]]))
    assert kc.shape == (2,) and kp.shape == (3,) and np.isnan(kp).all() and math.isnan(gap)


def test_standardise_edge_cases() -> None:
    # One value counted once: the sample sd has no degrees of freedom -> NaN; the mean is the value.
    mean, sd = standardise(np.array([2.5]), 1)
    assert mean == 2.5 and math.isnan(sd)
    # ddof=0: population sd. Values (1, 3) counted twice: mean 2, ss = 4, sd = sqrt(4 / 4) = 1.
    assert standardise(np.array([1.0, 3.0]), 2, ddof=0) == (2.0, 1.0)
    # Default ddof=1: sqrt(4 / 3).
    assert standardise(np.array([1.0, 3.0]), 2) == (2.0, math.sqrt(4 / 3))
    # One value counted twice: ss = 0 over 1 degree of freedom -> 0, not NaN.
    assert standardise(np.array([4.0]), 2) == (4.0, 0.0)


# --- proximity and density ---------------------------------------------------------------------------------


def test_proximity_discrete_exact_for_weights_and_nan_for_absent_activities() -> None:
    # Non-binary weights are multiplied in float64: C = M'M with M = [[0.1, 0.3], [0.7, 0.2]]:
    # C01 = 0.1 * 0.3 + 0.7 * 0.2 = 0.17; column sums 0.8, 0.5; asymmetric row 0: 0.17 / 0.8, row 1: 0.17 / 0.5.
    W = np.array([[0.1, 0.3], [0.7, 0.2]])
    asym = proximity_discrete(W, symmetric=False, diagonal=1.0)
    # (float32 products would be off by about 1e-8.)
    assert asym[0, 1] == pytest.approx(0.17 / 0.8, rel=1e-14)
    assert asym[1, 0] == pytest.approx(0.17 / 0.5, rel=1e-14)
    assert asym[0, 0] == 1.0 and asym[1, 1] == 1.0
    # Symmetric: the smaller of the two.
    assert proximity_discrete(W)[0, 1] == pytest.approx(0.17 / 0.8, rel=1e-14)
    # Activity 2 has zero ubiquity: its row and column are NaN (symmetric); only its row (asymmetric).
    M = np.array([[1, 1, 0], [0, 1, 0]])
    sym = proximity_discrete(M)
    assert np.isnan(sym[2, :2]).all() and np.isnan(sym[:2, 2]).all() and sym[2, 2] == 0.0
    assert sym[:2, :2].tolist() == [[0.0, 0.5], [0.5, 0.0]]  # C01 = 1, u = (1, 2)
    asym = proximity_discrete(M, symmetric=False)
    assert np.isnan(asym[2, :2]).all() and asym[2, 2] == 0.0
    assert asym[:2].tolist() == [[0.0, 1.0, 0.0], [0.5, 0.0, 0.0]]


def test_proximity_continuous_constant_column_and_diagonal() -> None:
    # Column 0 = (1, 2, 3), column 1 = (3, 2, 1) (corr -1 -> 0), column 2 constant (undefined -> NaN).
    levels = np.array([[1.0, 3.0, 5.0], [2.0, 2.0, 5.0], [3.0, 1.0, 5.0]])
    P = proximity_continuous(levels, diagonal=1.0)
    assert P[0, 0] == 1.0 and P[1, 1] == 1.0
    assert P[0, 1] == pytest.approx(0.0, abs=1e-15) and P[1, 0] == pytest.approx(0.0, abs=1e-15)
    assert np.isnan(P[2, :2]).all() and np.isnan(P[:2, 2]).all()


def test_density_plain_knn_and_undefined() -> None:
    # Proximity (symmetric, zero diagonal) of 4 activities and levels of 2 locations.
    prox = np.array([[0, 0.6, 0.2, 0.1], [0.6, 0, 0.3, 0.4], [0.2, 0.3, 0, 0.5], [0.1, 0.4, 0.5, 0]])
    levels = np.array([[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 1.0, 1.0]])
    # Plain: activity 0 has weights (0, .6, .2, .1), sum .9: location 0 -> .2/.9, location 1 -> .9/.9.
    plain = density(levels, prox)
    assert plain[:, 0] == pytest.approx([0.2 / 0.9, 1.0], abs=1e-15)
    # knn = 4 = every activity: the 4th largest value is the zero diagonal; max(0, -1) = 0 exactly, so all
    # neighbours are kept and the density is the plain one.
    assert np.allclose(density(levels, prox, knn=4), plain, rtol=0, atol=1e-15)
    # knn = 1: the largest value of each column. Activity 3 keeps only activity 2 (0.5, an exact threshold):
    # densities 1 and 1; activity 2 keeps only activity 3: 0 and 1. Activity 0's largest value 0.6 gets a
    # threshold one ulp above it (Stata's quirk): nothing is kept, the density is 0 for both.
    top = density(levels, prox, knn=np.int64(1))
    assert top.tolist() == [[0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 1.0, 1.0]]
    # A NaN proximity makes the density of that activity NaN (with and without knn); others stay.
    bad = prox.copy()
    bad[2, 3] = np.nan
    for knn in (None, 2):
        out = density(levels, bad, knn=knn)
        assert np.isnan(out[:, 2]).all(), knn
        assert not np.isnan(out[:, [0, 1, 3]]).any(), knn
    # Activity 0 with knn=2 keeps 0.6 and 0.2 (t = 0.2, the threshold lands just below it): location 0 has
    # only activity 2, (1 * .2) / .8; location 1 has activities 1 and 2, (.6 + .2) / .8.
    assert density(levels, bad, knn=2)[:, 0] == pytest.approx([0.25, 1.0], abs=1e-15)
    # Weights that sum to zero: an isolated activity -> NaN without knn, 0 with knn (Stata's editmissing).
    iso = np.array([[0, 0.5, 0], [0.5, 0, 0], [0, 0, 0]])
    lv = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    out = density(lv, iso)
    assert np.isnan(out[:, 2]).all() and out[:, :2].tolist() == [[0.0, 1.0], [1.0, 0.0]]
    assert density(lv, iso, knn=1).tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]


@pytest.mark.parametrize(
    ("knn", "shown"), [(0, "0"), (4, "4"), (True, "True"), (1.5, "1.5"), (-1, "-1"), ("2", "'2'")]
)
def test_density_knn_must_be_an_integer_in_range(knn, shown: str) -> None:
    message = f"knn 必须是 1 到 3 之间的整数 knn must be an integer from 1 to 3, got {shown}"
    with pytest.raises(InputError, match=exact(message)):
        density(np.ones((2, 3)), np.ones((3, 3)), knn=knn)


def test_coi_and_cog_undefined_inputs_give_nan() -> None:
    M = np.array([[1.0, 0.0], [0.0, 1.0]])
    prox = np.array([[0.0, 0.5], [0.5, 0.0]])
    kp = np.array([1.0, -1.0])
    # Defined: cog[0, 1] = (1 - M01) (1 - M01) prox[1, 1] kp1 / 0.5 + (1 - M00) ... = 0 (prox[1, 1] = 0);
    # cog[0, 0] = 0 (M00 = 1).
    assert complexity_outlook_gain(M, prox, kp).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    # With diagonal 1: rows sum to 1.5; cog[0, 1] = prox[1, 1] kp1 / 1.5 = -2/3; cog[1, 0] = kp0 / 1.5.
    prox1 = np.array([[1.0, 0.5], [0.5, 1.0]])
    assert np.allclose(complexity_outlook_gain(M, prox1, kp), [[0, -2 / 3], [2 / 3, 0]], rtol=1e-15)
    for p, k in (
        (np.array([[0.0, np.nan], [0.5, 0.0]]), kp),  # a NaN proximity
        (np.array([[0.0, 0.0], [0.5, 0.0]]), kp),  # a row summing to zero
        (prox, np.array([1.0, np.nan])),  # an undefined eigenvector
    ):
        out = complexity_outlook_gain(M, p, k)
        assert out.shape == (2, 2) and np.isnan(out).all()
    # COI: sum over missing activities of density * kp: location 0 misses activity 1 (density 0.25).
    dens = np.array([[0.5, 0.25], [0.75, 0.5]])
    assert complexity_outlook_index(dens, M, kp).tolist() == [-0.25, 0.75]


# --- Fitness-Complexity and reflections ---------------------------------------------------------------------

FC = np.array([[1, 1, 1], [1, 1, 0]])  # not square, not symmetric


def test_fitness_complexity_three_steps_by_hand() -> None:
    # From F = (1, 1), Q = (1, 1, 1); each step uses the previous F and Q, then divides by the mean.
    # Step 1: F' = M Q = (3, 2) -> /2.5 = (6/5, 4/5); Q' = 1 / (M' (1/F)) = 1 / (2, 2, 1) -> /(2/3)
    #         = (3/4, 3/4, 3/2).
    # Step 2: F' = M Q1 = (3, 3/2) -> /(9/4) = (4/3, 2/3); 1/F1 = (5/6, 5/4), M' (1/F1) = (25/12, 25/12, 10/12),
    #         Q' = (12/25, 12/25, 30/25) -> /(18/25) = (2/3, 2/3, 5/3).
    # Step 3: F' = M Q2 = (3, 4/3) -> /(13/6) = (18/13, 8/13); 1/F2 = (3/4, 3/2), M' (1/F2) = (9/4, 9/4, 3/4),
    #         Q' = (4/9, 4/9, 4/3) -> /(20/27) = (3/5, 3/5, 9/5).
    expected = {
        1: ([6 / 5, 4 / 5], [3 / 4, 3 / 4, 3 / 2]),
        2: ([4 / 3, 2 / 3], [2 / 3, 2 / 3, 5 / 3]),
        3: ([18 / 13, 8 / 13], [3 / 5, 3 / 5, 9 / 5]),
    }
    for steps, (fitness, comp) in expected.items():
        res = fitness_complexity(FC, max_iter=steps)
        assert np.allclose(res.fitness, fitness, rtol=1e-14, atol=0), steps
        assert np.allclose(res.complexity, comp, rtol=1e-14, atol=0), steps
        assert (res.iterations, res.converged) == (steps, False)


@pytest.mark.parametrize(
    ("tol", "iterations"),
    [
        # Largest changes per step (F, then Q): step 1: 1/5, 1/2; step 2: 2/15, 1/6; step 3: 2/39, 2/15.
        (0.6, 1),  # 1/2 < 0.6
        (0.3, 2),  # 1/2 >= 0.3 > 1/6: F's change alone (1/5 < 0.3) would not stop at step 1 either
        (0.19, 2),  # 1/6 < 0.19, though F's change at step 1 (1/5) is not
        (0.15, 3),  # step 2: Q changes by 1/6 >= 0.15 although F changes by only 2/15
    ],
)
def test_fitness_complexity_stops_on_the_largest_change_of_f_and_q(tol: float, iterations: int) -> None:
    res = fitness_complexity(FC, tol=tol)
    assert (res.iterations, res.converged) == (iterations, True)
    assert np.allclose(res.fitness, fitness_complexity(FC, max_iter=iterations).fitness, rtol=0, atol=0)


def test_fitness_complexity_converges_to_the_fixed_point_worked_out_by_hand() -> None:
    # Fixed point of [[1, 1, 1], [1, 1, 0]]: F = (3/2, 1/2), Q = (1/2, 1/2, 2). Check: M' (1/F) = (8/3, 8/3, 2/3),
    # Q' = (3/8, 3/8, 3/2), mean 3/4 -> Q = (1/2, 1/2, 2); F' = M Q = (3, 1), mean 2 -> F = (3/2, 1/2).
    res = fitness_complexity(FC)
    assert res.converged and 10 < res.iterations < 1000
    assert np.allclose(res.fitness, [1.5, 0.5], rtol=0, atol=1e-10)
    assert np.allclose(res.complexity, [0.5, 0.5, 2.0], rtol=0, atol=1e-10)
    # Too few iterations: not converged, stopped at max_iter, still short of the fixed point.
    short = fitness_complexity(FC, max_iter=5)
    assert (short.iterations, short.converged) == (5, False)
    assert abs(short.fitness[0] - 1.5) > 1e-3


def test_reflections_on_a_non_symmetric_matrix() -> None:
    # M = [[1, 1, 1], [1, 1, 0]]: kc0 = d = (3, 2), kp0 = u = (2, 2, 1).
    # kc1 = M kp0 / d = (5/3, 2); kp1 = M' kc0 / u = (5/2, 5/2, 3).
    # kc2 = M kp1 / d = (8/3, 5/2); kp2 = M' kc1 / u = (11/6, 11/6, 5/3).
    kc, kp = reflections(FC, 2)
    assert kc.shape == (3, 2) and kp.shape == (3, 3)
    assert np.allclose(kc, [[3, 2], [5 / 3, 2], [8 / 3, 5 / 2]], rtol=1e-15)
    assert np.allclose(kp, [[2, 2, 1], [5 / 2, 5 / 2, 3], [11 / 6, 11 / 6, 5 / 3]], rtol=1e-15)
    kc0, kp0 = reflections(FC, 0)
    assert kc0.tolist() == [[3.0, 2.0]] and kp0.tolist() == [[2.0, 2.0, 1.0]]


# --- one year: both conventions and the notes -------------------------------------------------------------

M32 = np.array([[1, 1], [1, 0], [1, 0]])


def test_compute_year_stata_conventions_by_hand() -> None:
    # M32 (see test_eigenvectors_with_more_locations_than_activities): kc = (1, -1, -1) s, kp = (-1, 3) s.
    # Proximity: C01 = 1, u = (3, 1) -> phi01 = 1/3, diagonal 0. Density around 0 is M[:, 1], around 1 M[:, 0].
    res = compute_year(M=M32)
    assert res.proximity.tolist() == [[0.0, 1 / 3], [1 / 3, 0.0]]
    assert res.density.tolist() == [[1.0, 1.0], [0.0, 1.0], [0.0, 1.0]]
    assert res.diversity.tolist() == [2, 1, 1] and res.ubiquity.tolist() == [3, 1]
    assert np.allclose(res.eci, [R15 / 3, -R15 / 6, -R15 / 6], rtol=1e-13)
    assert np.allclose(res.pci, [-R15 / 6, 5 * R15 / 6], rtol=1e-13)
    # COI raw = (0, 1 * 3 s, 1 * 3 s): mean 2 s; 6 rows with deviations -2, 1, 1 (twice): ss = 12, sd =
    # sqrt(12/5) -> COI = (-2, 1, 1) / sqrt(2.4).
    assert np.allclose(res.coi, np.array([-2.0, 1.0, 1.0]) / math.sqrt(2.4), rtol=1e-13)
    # COG: with a zero diagonal, each missing activity's only neighbour is also missing -> 0.
    assert np.allclose(res.cog, 0.0, atol=1e-15)
    assert res.notes == [] and res.rca is None and res.rpop is None
    assert res.M.dtype == np.int8


@pytest.mark.parametrize("conventions", ["stata", "pypi"])
def test_compute_year_explains_an_eci_without_spread(conventions) -> None:
    # Every location holds every activity: diversity 2 and ubiquity 3 everywhere, so the eigenvector is constant
    # (sd 0) and eci, pci and cog are NaN; density is 1 everywhere, so coi too is constant and NaN.
    res = compute_year(M=np.ones((3, 2)), conventions=conventions)
    assert np.isnan(res.eci).all() and np.isnan(res.pci).all() and np.isnan(res.cog).all()
    assert np.isnan(res.coi).all()
    assert res.notes == [("eci_constant", {}), ("coi_constant", {})]


def test_compute_year_pypi_conventions_by_hand() -> None:
    # PyPI: proximity diagonal 1 -> [[1, 1/3], [1/3, 1]], row sums 4/3.
    # Density: around 0 (M[:, 0] + M[:, 1] / 3) * 3/4 = (1, 3/4, 3/4); around 1 (M[:, 0] / 3 + M[:, 1]) * 3/4
    # = (1, 1/4, 1/4).
    res = compute_year(M=M32, conventions="pypi")
    assert res.proximity.tolist() == [[1.0, 1 / 3], [1 / 3, 1.0]]
    assert np.allclose(res.density, [[1.0, 1.0], [0.75, 0.25], [0.75, 0.25]], rtol=1e-15)
    # ECI / PCI divided by the population sd over locations 2 sqrt(2) / 3 (s units).
    assert np.allclose(res.eci, [R2, -1 / R2, -1 / R2], rtol=1e-13)
    assert np.allclose(res.pci, [-1 / R2, 5 / R2], rtol=1e-13)
    # COI raw = (0, 3/4, 3/4) s: mean 1/2, population sd sqrt((1/4 + 1/16 + 1/16) / 3) = 1 / (2 sqrt 2)
    # -> COI = (-sqrt 2, sqrt 2 / 2, sqrt 2 / 2).
    assert np.allclose(res.coi, [-R2, R2 / 2, R2 / 2], rtol=1e-13)
    # COG[c, 1] for c = 1, 2: (1 - M01) * (1 - M[c, 1]) prox[1, 1] kp1 / (4/3) = 3 * 3/4 = 9/4 s, divided by
    # the sd 2 sqrt(2) / 3 s: 27 / (8 sqrt 2). Every other cell has M = 1 or only present neighbours: 0.
    assert np.allclose(res.cog, [[0, 0], [0, 27 / (8 * R2)], [0, 27 / (8 * R2)]], rtol=1e-13, atol=1e-15)
    assert res.notes == []


def test_compute_year_presence_follows_conventions() -> None:
    # RCA of X (test_rca_presence_by_hand): [[2, 0, .75], [0, 2.25, .9375], [5/6, 1, 1.25]]; RCA[2, 1] = 1.
    X = np.array([[4.0, 0.0, 1.0], [0.0, 3.0, 1.0], [2.0, 2.0, 2.0]])
    assert compute_year(X).M.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    assert compute_year(X, conventions="pypi").M.tolist() == [[1, 0, 0], [0, 1, 0], [0, 1, 1]]
    assert compute_year(X, rca_threshold=0.9).M.tolist() == [[1, 0, 0], [0, 1, 1], [0, 1, 1]]
    # rpop with populations 1, 1, 2 (shares 1/4, 1/4, 1/2): RPOP = (x / col) / share.
    # Column 0 (total 6): 8/3, 0, 2/3; column 1 (7... total 5): 0, 12/5, 4/5; column 2 (total 4): 1, 1, 1.
    res = compute_year(X, population=np.array([1.0, 1.0, 2.0]), presence_test="rpop", rpop_threshold=0.9)
    assert res.M.tolist() == [[1, 0, 1], [0, 1, 1], [0, 0, 1]]
    assert res.rca is None and np.allclose(res.rpop[:, 2], 1.0, rtol=1e-15)
    both = compute_year(X, population=np.array([1.0, 1.0, 2.0]), presence_test="both")
    assert both.rca is not None and both.rpop is not None
    assert both.M.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]


def test_compute_year_continuous_proximity_uses_rpop_levels() -> None:
    X = np.array([[4.0, 0.0, 1.0], [0.0, 3.0, 1.0], [2.0, 2.0, 2.0]])
    pop = np.array([1.0, 1.0, 2.0])
    res = compute_year(X, population=pop, presence_test="rpop", proximity="continuous")
    # RPOP column 2 is constant (1, 1, 1): its correlation, hence proximity and density, are undefined.
    assert np.isnan(res.proximity[2, :2]).all()
    expected = proximity_continuous(rpop(X, pop))
    assert np.array_equal(res.proximity, expected, equal_nan=True)
    via_rca = compute_year(X, proximity="continuous")
    assert np.array_equal(via_rca.proximity, proximity_continuous(rca(X)), equal_nan=True)


def test_compute_year_notes() -> None:
    # Activity 0 is held only by location 0, which holds nothing else: the network falls apart, activity 0
    # has no proximity to anything (density NaN, and so coi), and cog is NaN.
    res = compute_year(M=np.array([[1, 0, 0], [0, 1, 1], [0, 1, 1]]))
    code, params = res.notes[0]
    assert code == "network_disconnected" and list(params) == ["gap"] and 0 <= params["gap"] < 1e-10
    assert res.notes[1:] == [("density_and_coi_undefined", {"count": 1}), ("cog_undefined", {})]
    assert note_text(res.notes[1]) == (
        "1 个活动的密度无定义：其邻近度无定义（普遍性为 0 或没有变化）或合计为 0；这些活动的密度为 NaN，coi 对密度求和，"
        "因而也为 NaN（与 Stata 相同）"
    )
    assert note_text(res.notes[1], "en") == (
        "Density is undefined for 1 activity(ies): their proximity is undefined (zero ubiquity or no variation) or "
        "sums to zero; density is NaN there and so is coi, which sums density (as in Stata)"
    )
    assert note_text(res.notes[2]) == (
        "cog 无定义：部分邻近度为 NaN 或某活动的邻近度合计为 0，Stata 让缺失值传遍整个矩阵乘积；cog 为 NaN"
    )
    assert note_text(res.notes[2], "en") == (
        "cog is undefined: some proximity is NaN or an activity's proximities sum to zero, and Stata propagates the "
        "missing value through the whole matrix product; cog is NaN"
    )
    assert np.isnan(res.density[:, 0]).all() and np.isnan(res.coi).all() and np.isnan(res.cog).all()
    # Two blocks: the gap is exactly 0.
    blocks = compute_year(M=np.array([[1, 1, 0, 0], [0, 0, 1, 1]]))
    assert blocks.notes[0] == ("network_disconnected", {"gap": 0.0})
    assert note_text(blocks.notes[0]) == "第二特征值与第一几乎相等（差 0.0e+00）：存在网络（M）不连通，eci 与 pci 不唯一"
    assert note_text(blocks.notes[0], "en") == (
        "The second eigenvalue equals the first (gap 0.0e+00): the presence network is disconnected, so eci and pci "
        "are not unique"
    )
    # Everyone has everything: the eigenvector is constant (eci sd 0 -> NaN) and no location misses an
    # activity, so coi is 0 everywhere (sd 0 -> NaN).
    full = compute_year(M=np.ones((3, 3), dtype=int))
    assert full.notes == [("eci_constant", {}), ("coi_constant", {})]
    assert [note_text(n) for n in full.notes] == [
        "eci 在所有地区相同（标准差为 0）：eci、pci 和 cog 为 NaN",
        "coi 在所有地区相同（标准差为 0）：coi 为 NaN，与 Stata 相同",
    ]
    assert [note_text(n, "en") for n in full.notes] == [
        "eci is the same for every location (sd 0): eci, pci and cog are NaN",
        "coi is the same for every location (sd 0): coi is NaN, as in Stata",
    ]
    assert np.isnan(full.coi).all() and np.isnan(full.eci).all()
    # Zero ubiquity: the eigenproblem is undefined (no "and so is coi": it is NaN anyway).
    zero = compute_year(M=np.array([[1, 1, 0], [1, 0, 0]]))
    assert zero.notes == [
        ("eigenvector_undefined", {"locations": 0, "activities": 1}),
        # Activity 2's NaN proximity row and column reach every activity's weights.
        ("density_undefined", {"count": 3}),
    ]
    assert note_text(zero.notes[0]) == (
        "0 个地区多样性为 0、1 个活动普遍性为 0，特征向量无定义：eci、pci、coi、cog 为 NaN（Stata 留空）"
    )
    assert note_text(zero.notes[0], "en") == (
        "0 location(s) with zero diversity and 1 activity(ies) with zero ubiquity make the eigenvector undefined: "
        "eci, pci, coi, cog are NaN (Stata leaves them blank)"
    )
    assert note_text(zero.notes[1]) == (
        "3 个活动的密度无定义：其邻近度无定义（普遍性为 0 或没有变化）或合计为 0；这些活动的密度为 NaN"
    )
    assert note_text(zero.notes[1], "en") == (
        "Density is undefined for 3 activity(ies): their proximity is undefined (zero ubiquity or no variation) or "
        "sums to zero; density is NaN there"
    )
    for name in ("eci", "pci", "coi", "cog"):
        assert np.isnan(getattr(zero, name)).all(), name
    # Zero diversity, counted separately.
    assert compute_year(M=np.array([[1, 1], [0, 0], [1, 0]])).notes[0] == (
        "eigenvector_undefined",
        {"locations": 1, "activities": 0},
    )


def test_compute_year_pypi_continuous_constant_activity() -> None:
    # X = [[3, 1, 1], [1, 3, 1]]: RCA column 2 is 1 for both locations (present under PyPI's >=, so every
    # ubiquity is positive and the eigenvector is defined) but constant, so its correlation is undefined.
    res = compute_year(
        np.array([[3.0, 1.0, 1.0], [1.0, 3.0, 1.0]]), proximity="continuous", conventions="pypi"
    )
    assert res.M.tolist() == [[1, 0, 1], [0, 1, 1]]
    assert res.notes == [("density_and_coi_undefined", {"count": 3}), ("cog_undefined", {})]
    # ECI stays defined: kc = (1, -1) up to sign and scale; population sd 1 -> +-1.
    assert sorted(res.eci.tolist()) == pytest.approx([-1.0, 1.0], abs=1e-13)


# --- the long panel ---------------------------------------------------------------------------------------

R3 = math.sqrt(3)


def _mcp_panel() -> pd.DataFrame:
    """2020: M = [[1, 1], [1, 0], [1, 0]] (M32) for a, b, c; 2021: M = [[1, 1], [1, 0]] for a, b only.

    The pairs (2020, b, y) and (2021, b, y), the last of the grid, are absent and get filled with 0.
    """
    return pd.DataFrame(
        {
            "yr": [2021, 2021, 2021, 2020, 2020, 2020, 2020, 2020],
            "city": ["a", "a", "b", "a", "a", "b", "c", "c"],
            "ind": ["x", "y", "x", "x", "y", "x", "x", "y"],
            "v": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
            "m": [1, 1, 1, 1, 1, 1, 1, 0],
            "src": ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"],
        }
    )


MCP_ARGS = {"location": "city", "activity": "ind", "value": "v", "year": "yr", "mcp": "m"}


def test_panel_with_a_given_mcp_by_hand() -> None:
    out = complexity(_mcp_panel(), **MCP_ARGS)
    assert list(out.columns) == [
        "yr",
        "city",
        "ind",
        "v",
        "m",
        "src",
        "M",
        "density",
        "eci",
        "pci",
        "diversity",
        "ubiquity",
        "coi",
        "cog",
    ]
    assert out["yr"].tolist() == [2020] * 6 + [2021] * 4
    assert out["city"].tolist() == ["a", "a", "b", "b", "c", "c", "a", "a", "b", "b"]
    assert out["ind"].tolist() == ["x", "y"] * 5
    assert out["v"].tolist() == [4.0, 5.0, 6.0, 0.0, 7.0, 8.0, 1.0, 2.0, 3.0, 0.0]
    assert out["m"].tolist() == out["M"].tolist() == [1, 1, 1, 0, 1, 0, 1, 1, 1, 0]
    assert out["src"].tolist()[:3] == ["s4", "s5", "s6"] and pd.isna(out["src"].iloc[3])
    assert out["src"].tolist()[4:9] == ["s7", "s8", "s1", "s2", "s3"] and pd.isna(out["src"].iloc[9])
    assert out["diversity"].tolist() == [2, 2, 1, 1, 1, 1, 2, 2, 1, 1]
    assert out["ubiquity"].tolist() == [3, 1, 3, 1, 3, 1, 2, 1, 2, 1]
    # 2020: test_compute_year_stata_conventions_by_hand. 2021: M = [[1, 1], [1, 0]], d = (2, 1), u = (2, 1):
    # Mpp = [[3/4, 1/4], [1/2, 1/2]], eigenvalues 1 and 1/4; kp ~ (-1, 2), kc = (1/2, -1); mean -1/4, sd over
    # 4 rows sqrt(3)/2: ECI = +-sqrt(3)/2, PCI = (-3/4, 9/4) / (sqrt(3)/2). Proximity 1/2; density around x
    # is M[:, y], around y M[:, x]: [[1, 1], [0, 1]]. COI raw = (0, 2 s): mean 1, sd sqrt(4/3) -> -+sqrt(3)/2.
    eci = [R15 / 3] * 2 + [-R15 / 6] * 4 + [R3 / 2] * 2 + [-R3 / 2] * 2
    pci = [-R15 / 6, 5 * R15 / 6] * 3 + [-R3 / 2, 3 * R3 / 2] * 2
    coi = [-2 / math.sqrt(2.4)] * 2 + [1 / math.sqrt(2.4)] * 4 + [-R3 / 2] * 2 + [R3 / 2] * 2
    assert np.allclose(out["eci"], eci, rtol=1e-13)
    assert np.allclose(out["pci"], pci, rtol=1e-13)
    assert np.allclose(out["coi"], coi, rtol=1e-13)
    assert out["density"].tolist() == [1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0]
    assert np.allclose(out["cog"], 0.0, atol=1e-15)
    assert out.attrs == {"notes": [], "conventions": "stata"}
    assert out["M"].dtype == np.int8 and out["diversity"].dtype == np.int64


def test_panel_pypi_conventions_by_hand() -> None:
    out = complexity(_mcp_panel(), **MCP_ARGS, conventions="pypi")
    # 2020: test_compute_year_pypi_conventions_by_hand. 2021: population sd of kc = (1/2, -1) is 3/4: ECI = +-1,
    # PCI = (-3/4, 9/4) / (3/4) = (-1, 3).
    eci = [R2] * 2 + [-1 / R2] * 4 + [1.0] * 2 + [-1.0] * 2
    pci = [-1 / R2, 5 / R2] * 3 + [-1.0, 3.0] * 2
    assert np.allclose(out["eci"], eci, rtol=1e-13)
    assert np.allclose(out["pci"], pci, rtol=1e-13)
    assert np.allclose(out["coi"][:6], [-R2] * 2 + [R2 / 2] * 4, rtol=1e-13)
    assert out.attrs["conventions"] == "pypi"


def test_panel_columns_named_like_outputs_are_replaced() -> None:
    panel = _mcp_panel().drop(columns="m").assign(eci=9.0, M=7, keep="k")
    out = complexity(panel, location="city", activity="ind", value="v", year="yr")
    # (The other notes are about the RCA-based M of this tiny panel.)
    assert out.attrs["notes"][0] == ("columns_replaced", {"columns": ["eci", "M"]})
    assert note_text(out.attrs["notes"][0]) == "输入中的同名列已被替换：eci、M"
    assert note_text(out.attrs["notes"][0], "en") == "Input column(s) replaced by computed ones: eci, M"
    assert list(out.columns[:6]) == ["yr", "city", "ind", "v", "src", "keep"]
    assert list(out.columns).count("eci") == 1 and (out["eci"] != 9.0).all()
    assert set(out["M"]) <= {0, 1}


def test_panel_keeps_the_dtype_of_string_and_categorical_keys() -> None:
    panel = _mcp_panel().astype({"city": "string", "ind": "category"})
    out = complexity(panel, **MCP_ARGS)
    assert out["city"].dtype == "string" and isinstance(out["ind"].dtype, pd.CategoricalDtype)
    assert out["city"].tolist() == ["a", "a", "b", "b", "c", "c", "a", "a", "b", "b"]
    assert out["ind"].tolist() == ["x", "y"] * 5


def test_panel_blas_threads_do_not_change_results() -> None:
    base = complexity(_mcp_panel(), **MCP_ARGS)
    for threads in (None, 2):
        again = complexity(_mcp_panel(), **MCP_ARGS, blas_threads=threads)
        pd.testing.assert_frame_equal(again, base)


def _zero_locations(n_zero: int) -> pd.DataFrame:
    """Two real locations (a, b) with two activities plus n_zero locations z00, z01, ... whose values are 0."""
    real = pd.DataFrame(
        {"city": ["a", "a", "b", "b"], "ind": ["x", "y", "x", "y"], "v": [1.0, 2.0, 3.0, 1.0]}
    )
    zeros = pd.DataFrame({"city": [f"z{i:02d}" for i in range(n_zero)], "ind": "x", "v": 0.0})
    return pd.concat([real, zeros], ignore_index=True)


def test_drop_notes_list_at_most_ten_names() -> None:
    args = {"location": "city", "activity": "ind", "value": "v"}
    ten = complexity(_zero_locations(10), **args).attrs["notes"]
    names = [f"z{i:02d}" for i in range(10)]
    assert ten[0] == ("dropped_locations_zero", {"count": 10, "names": names, "more": 0})
    assert note_text(ten[0]) == f"去掉 10 个合计为 0 的地区：{'、'.join(names)}"
    assert note_text(ten[0], "en") == f"Dropped 10 location(s) whose values sum to 0: {', '.join(names)}"
    eleven = complexity(_zero_locations(11), **args).attrs["notes"]
    assert eleven[0] == ("dropped_locations_zero", {"count": 11, "names": names, "more": 1})
    assert note_text(eleven[0]) == f"去掉 11 个合计为 0 的地区：{'、'.join(names)}等"
    assert note_text(eleven[0], "en") == f"Dropped 11 location(s) whose values sum to 0: {', '.join(names)}, ..."
    out = complexity(_zero_locations(11), **args)
    assert out["city"].unique().tolist() == ["a", "b"]


def test_population_gaps_drop_locations_with_a_note() -> None:
    panel = pd.DataFrame(
        {
            "city": ["a", "a", "b", "b", "c", "c", "d", "d"],
            "ind": ["x", "y"] * 4,
            "v": [1.0, 2.0, 3.0, 1.0, 2.0, 2.0, 5.0, 1.0],
        }
    )
    # b has no row in the population frame, c a zero population; e is not in the panel and is ignored.
    pop = pd.DataFrame({"city": ["a", "c", "d", "e"], "population": [1.0, 0.0, 2.0, 5.0]})
    out = complexity(panel, location="city", activity="ind", value="v", presence="rpop", population=pop)
    assert out.attrs["notes"][0] == (
        "dropped_locations_without_population", {"count": 2, "names": ["b", "c"], "more": 0}
    )
    assert note_text(out.attrs["notes"][0]) == "去掉 2 个没有人口数据的地区：b、c"
    assert note_text(out.attrs["notes"][0], "en") == "Dropped 2 location(s) without a positive population: b, c"
    assert out["city"].tolist() == ["a", "a", "d", "d"]
    assert out["population"].tolist() == [1.0, 1.0, 2.0, 2.0]
    # RPOP among a and d: column x total 6, y total 3; population shares 1/3, 2/3.
    # a: (1/6) / (1/3) = 1/2, (2/3) / (1/3) = 2; d: (5/6) / (2/3) = 5/4, (1/3) / (2/3) = 1/2.
    assert np.allclose(out["rpop"], [0.5, 2.0, 1.25, 0.5], rtol=1e-15)
    assert out["M"].tolist() == [0, 1, 1, 0]
    assert list(out.columns) == [
        "city",
        "ind",
        "v",
        "population",
        "rpop",
        "M",
        "density",
        "eci",
        "pci",
        "diversity",
        "ubiquity",
        "coi",
        "cog",
    ]
    both = complexity(panel, location="city", activity="ind", value="v", presence="both", population=pop)
    assert list(both.columns[3:6]) == ["population", "rca", "rpop"]


def test_population_by_year_is_matched_per_year() -> None:
    panel = pd.DataFrame(
        {
            "yr": [1, 1, 1, 1, 2, 2, 2, 2],
            "city": ["a", "a", "b", "b"] * 2,
            "ind": ["x", "y"] * 4,
            "v": [1.0, 2.0, 3.0, 1.0] * 2,
        }
    )
    pop = pd.DataFrame({"yr": [1, 1, 2, 2], "city": ["a", "b", "a", "b"], "population": [1.0, 1.0, 1.0, 3.0]})
    out = complexity(
        panel, location="city", activity="ind", value="v", year="yr", presence="rpop", population=pop
    )
    assert out["population"].tolist() == [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 3.0, 3.0]
    # Year 1, shares 1/2: a: (1/4) / (1/2), (2/3) / (1/2); year 2, shares 1/4, 3/4: a: (1/4) / (1/4), ...
    assert np.allclose(out["rpop"][:2], [0.5, 4 / 3], rtol=1e-15)
    assert np.allclose(out["rpop"][4:], [1.0, 8 / 3, 1.0, 4 / 9], rtol=1e-15)


POP_ERRORS = [
    (
        [("a", 1.0)],
        "not a frame",
        "population 必须是 DataFrame population must be a DataFrame with columns city[, yr], population",
    ),
    (
        pd.DataFrame({"town": ["a"], "pop": [1.0]}),
        "missing columns",
        "人口表缺少列 population frame is missing column(s): city, population",
    ),
    (
        pd.DataFrame({"city": ["a"], "pop": [1.0]}),
        "missing population",
        "人口表缺少列 population frame is missing column(s): population",
    ),
    (
        pd.DataFrame({"city": ["a", "b", "a"], "yr": [2020, 2020, 2020], "population": [1.0, 2.0, 3.0]}),
        "duplicate by year",
        "人口表键重复 duplicate keys (city, yr) in the population frame, e.g. (a, 2020)",
    ),
    (
        pd.DataFrame({"city": ["a", "b"], "population": [1.0, "many"]}, index=[5, 6]),
        "non-numeric",
        "列 population 含 1 个非数值 column population has 1 non-numeric value(s) (first: 'many' at row 6)",
    ),
]


@pytest.mark.parametrize(("pop", "case", "message"), POP_ERRORS, ids=[e[1] for e in POP_ERRORS])
def test_population_frame_errors(pop, case: str, message: str) -> None:
    panel = pd.DataFrame(
        {"city": ["a", "a", "b", "b"], "ind": ["x", "y", "x", "y"], "v": [1.0, 2.0, 3.0, 1.0], "yr": 2020}
    )
    with pytest.raises(InputError, match=exact(message)):
        complexity(
            panel, location="city", activity="ind", value="v", year="yr", presence="rpop", population=pop
        )


def test_a_missing_population_drops_the_location() -> None:
    panel = _zero_locations(0)
    # A missing population is "unknown": the location is dropped, not an error.
    pop = pd.DataFrame({"city": ["a", "b", "c"], "population": [1.0, np.nan, 2.0]})
    with pytest.raises(
        InputError,
        match=exact(
            "只有 1 个地区有数据 only 1 location(s) with data: 经济复杂度需要至少两个地区 economic complexity needs "
            "at least two locations"
        ),
    ):
        complexity(panel, location="city", activity="ind", value="v", presence="rpop", population=pop)


PANEL = pd.DataFrame(
    {"city": ["a", "a", "b", "b"], "ind": ["x", "y", "x", "y"], "v": [1.0, 2.0, 3.0, 1.0]},
    index=[10, 11, 12, 13],
)
PANEL_ARGS = {"location": "city", "activity": "ind", "value": "v"}
POP2 = pd.DataFrame({"city": ["a", "b"], "population": [1.0, 2.0]})

OPTION_ERRORS = [
    ({"conventions": "r"}, "conventions 须为 must be one of stata, pypi, got 'r'"),
    ({"knn": True}, "knn 须为正整数 knn must be a positive integer, got True"),
    ({"knn": 1.0}, "knn 须为正整数 knn must be a positive integer, got 1.0"),
    ({"knn": -2}, "knn 须为正整数 knn must be a positive integer, got -2"),
    ({"rca_threshold": math.nan}, "rca_threshold 须为有限数 rca_threshold must be a finite number, got nan"),
    ({"rca_threshold": True}, "rca_threshold 须为有限数 rca_threshold must be a finite number, got True"),
    ({"rca_threshold": "1"}, "rca_threshold 须为有限数 rca_threshold must be a finite number, got '1'"),
    (
        {"rpop_threshold": math.inf},
        "rpop_threshold 须为有限数 rpop_threshold must be a finite number, got inf",
    ),
    ({"rpop_threshold": None}, "rpop_threshold 须为有限数 rpop_threshold must be a finite number, got None"),
    (
        {"mcp": "v", "presence": "rpop", "population": POP2},
        "给定 mcp 时不能再用 presence='rpop' a given mcp column replaces the presence test; leave presence at its "
        "default",
    ),
    (
        {"mcp": "v", "presence": "both"},
        "给定 mcp 时不能再用 presence='both' a given mcp column replaces the presence test; leave presence at its "
        "default",
    ),
    (
        {"mcp": "v", "proximity": "continuous"},
        "给定 mcp 时不能用连续邻近度 continuous proximity needs RCA or RPOP levels, not a given mcp column",
    ),
    ({"presence": "both"}, "presence='both' 需要人口表 needs the population frame"),
    (
        {"presence": "both", "proximity": "continuous", "population": POP2},
        "连续邻近度只能用 RCA 或 RPOP 之一 continuous proximity uses one of RCA or RPOP: use presence='rca' or "
        "'rpop' (Stata refuses this combination too)",
    ),
    (
        {"conventions": "pypi", "proximity": "asymmetric"},
        "conventions='pypi' 只支持对称或连续邻近度且不支持 knn conventions='pypi' supports symmetric discrete or "
        "continuous proximity without knn",
    ),
]


@pytest.mark.parametrize(
    ("options", "message"), OPTION_ERRORS, ids=[m.split()[0] + str(o) for o, m in OPTION_ERRORS]
)
def test_option_errors(options: dict, message: str) -> None:
    with pytest.raises(InputError, match=exact(message)):
        complexity(PANEL, **PANEL_ARGS, **options)
    if "knn" not in options:  # proximity_frame has no knn; every other check is shared
        with pytest.raises(InputError, match=exact(message)):
            proximity_frame(PANEL, **PANEL_ARGS, **options)


def test_options_at_their_limits_are_accepted() -> None:
    # knn = number of activities (2), also as a numpy integer: with a zero diagonal each activity keeps its
    # only neighbour, so the density is the plain one. Thresholds may be ints and numpy floats.
    plain = complexity(_mcp_panel(), **MCP_ARGS)
    for options in ({"knn": 2}, {"knn": np.int64(2)}):
        out = complexity(_mcp_panel(), **MCP_ARGS, **options)
        assert out["density"].tolist() == plain["density"].tolist(), options
    # knn = 1: each activity keeps its nearest neighbour only, as the matrix function does.
    top = complexity(_mcp_panel(), **MCP_ARGS, knn=1)
    res = compute_year(M=M32, knn=1)
    assert top["density"].tolist()[:6] == res.density.ravel().tolist()
    ints = complexity(PANEL, **PANEL_ARGS, rca_threshold=1, rpop_threshold=np.float64(1.0))
    assert ints["M"].tolist() == [0, 1, 1, 0]


INPUT_ERRORS = [
    (
        PANEL.assign(v=["1", None, "3", "1"]),
        {},
        "列 v 有 1 个缺失值 column v has 1 missing value(s) (first at row 11)",
    ),
    (
        PANEL.assign(v=pd.array([1.0, 2.0, None, 4.0], dtype="Float64")),
        {},
        "列 v 有 1 个缺失值 column v has 1 missing value(s) (first at row 12)",
    ),
    (
        PANEL.assign(v=[1.0, 2.0, -0.5, -3.0]),
        {},
        "列 v 含 2 个负值 column v has 2 negative value(s) (first: -0.5 at row 12)",
    ),
    (
        PANEL.assign(v=["1", "2", "x", "y"]),
        {},
        "列 v 含 2 个非数值 column v has 2 non-numeric value(s) (first: 'x' at row 12)",
    ),
    (
        PANEL.assign(v=[1.0, 2.0, np.inf, -np.inf]),
        {},
        "列 v 有 2 个无穷值 column v has 2 infinite value(s) (first at row 12)",
    ),
    (
        PANEL.assign(ind=["x", "y", None, None]),
        {},
        "列 ind 有 2 个缺失值 column ind has 2 missing value(s) (first at row 12)",
    ),
    (
        PANEL.assign(m=0),
        {"mcp": "m"},
        "列 m 全部为 0 column m is zero everywhere: 没有可计算的数据 nothing to compute",
    ),
    (
        PANEL.assign(m=[1, 0.5, 0, 3]),
        {"mcp": "m"},
        "列 m 只能是 0 或 1 column m must be 0 or 1: 2 other value(s) (first: 0.5 at row 11)",
    ),
    (
        PANEL,
        {"activity": "city"},
        "地区、活动、年份须是不同的列 location, activity and year must be different columns: ['city', 'city']",
    ),
    (
        PANEL,
        {"year": "ind"},
        "地区、活动、年份须是不同的列 location, activity and year must be different columns: ['city', 'ind', 'ind']",
    ),
    (PANEL, {"value": "w", "year": "t", "mcp": "w"}, "输入缺少列 missing column(s): t, w"),
    (PANEL, {"location": "town"}, "输入缺少列 missing column(s): town"),
]


@pytest.mark.parametrize(
    ("panel", "options", "message"), INPUT_ERRORS, ids=[str(i) for i in range(len(INPUT_ERRORS))]
)
def test_input_errors(panel: pd.DataFrame, options: dict, message: str) -> None:
    with pytest.raises(InputError, match=f"^{re.escape(message)}"):
        complexity(panel, **{**PANEL_ARGS, **options})
    with pytest.raises(InputError, match=f"^{re.escape(message)}"):
        proximity_frame(panel, **{**PANEL_ARGS, **options})


def test_boolean_and_numeric_string_columns_are_numbers() -> None:
    # A bool mcp column is 0/1; numbers stored as text are parsed.
    as_bool = complexity(PANEL.assign(m=[True, True, True, False]), **PANEL_ARGS, mcp="m")
    as_int = complexity(PANEL.assign(m=[1, 1, 1, 0]), **PANEL_ARGS, mcp="m")
    assert as_bool["M"].tolist() == as_int["M"].tolist() == [1, 1, 1, 0]
    text = complexity(PANEL.assign(v=["1", "2", "3", "1"]), **PANEL_ARGS)
    assert text["v"].tolist() == [1.0, 2.0, 3.0, 1.0]
    assert text["rca"].tolist() == complexity(PANEL, **PANEL_ARGS)["rca"].tolist()


def test_zero_activity_is_dropped_with_a_note_and_year_prefix() -> None:
    panel = pd.DataFrame(
        {
            "yr": [7] * 6,
            "city": ["a", "a", "a", "b", "b", "b"],
            "ind": ["x", "y", "w", "x", "y", "w"],
            "v": [1.0, 2.0, 0.0, 3.0, 1.0, 0.0],
        }
    )
    out = complexity(panel, **PANEL_ARGS, year="yr")
    assert out.attrs["notes"][0] == ("dropped_activities_zero", {"count": 1, "names": ["w"], "more": 0, "year": 7})
    assert note_text(out.attrs["notes"][0]) == "7：去掉 1 个合计为 0 的活动：w"
    assert note_text(out.attrs["notes"][0], "en") == "7: Dropped 1 activity(ies) whose values sum to 0: w"
    assert out["ind"].tolist() == ["x", "y", "x", "y"]
    frame = proximity_frame(panel, **PANEL_ARGS, year="yr")
    assert frame.attrs["notes"] == out.attrs["notes"][:1]


# --- proximity_frame ----------------------------------------------------------------------------------------


def test_proximity_frame_without_year_by_hand() -> None:
    # M of PANEL: RCA (row totals 3, 4; column totals 4, 3; total 7): a: (1/3)/(4/7) = 7/12, (2/3)/(3/7) = 14/9;
    # b: (3/4)/(4/7) = 21/16, (1/4)/(3/7) = 7/12 -> M = [[0, 1], [1, 0]]: no co-occurrence, proximity 0.
    seen: list = []
    out = proximity_frame(PANEL, **PANEL_ARGS, on_year=seen.append)
    assert seen == [None]
    assert list(out.columns) == ["ind_1", "ind_2", "proximity"]
    assert out["ind_1"].tolist() == ["x", "x", "y", "y"] and out["ind_2"].tolist() == ["x", "y", "x", "y"]
    assert out["proximity"].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert out.attrs == {"notes": [], "conventions": "stata"}
    pypi = proximity_frame(PANEL, **PANEL_ARGS, conventions="pypi")
    assert pypi["proximity"].tolist() == [1.0, 0.0, 0.0, 1.0]


def test_proximity_frame_with_mcp_and_years() -> None:
    seen: list = []
    out = proximity_frame(_mcp_panel(), **MCP_ARGS, proximity="asymmetric", on_year=seen.append)
    assert seen == [2020, 2021]
    assert list(out.columns) == ["ind_1", "ind_2", "proximity", "yr"]
    assert out["yr"].tolist() == [2020] * 4 + [2021] * 4
    # 2020: C_xy = 1, u = (3, 1): P(y | x) = 1/3, P(x | y) = 1. 2021: u = (2, 1): 1/2 and 1.
    assert np.allclose(out["proximity"], [0, 1 / 3, 1, 0, 0, 1 / 2, 1, 0], rtol=1e-15)
    assert out.attrs["notes"] == []


def test_proximity_frame_notes_undefined_proximities() -> None:
    # X = [[3, 1, 1], [1, 3, 1]]: RCA of w is 1 for both locations, no variation -> NaN correlation.
    panel = pd.DataFrame(
        {
            "yr": [5] * 6,
            "city": ["a", "a", "a", "b", "b", "b"],
            "ind": ["u", "v", "w"] * 2,
            "v": [3.0, 1.0, 1.0, 1.0, 3.0, 1.0],
        }
    )
    out = proximity_frame(panel, **PANEL_ARGS, year="yr", proximity="continuous")
    assert out.attrs["notes"] == [("proximity_undefined", {"year": 5})]
    assert note_text(out.attrs["notes"][0]) == "5：部分邻近度无定义（NaN）：普遍性为 0 或没有变化的活动"
    assert note_text(out.attrs["notes"][0], "en") == (
        "5: Some proximities are undefined (NaN): activities with zero ubiquity or no variation"
    )
    # u and v: RCA (3/5)/(4/10) = 1.5, 0.5 against 0.5, 1.5: correlation -1 -> 0.
    assert out["proximity"].tolist()[:2] == pytest.approx([0.0, 0.0], abs=1e-15)
    assert np.isnan(out["proximity"].tolist()[2])
    again = proximity_frame(panel.drop(columns="yr"), **PANEL_ARGS, proximity="continuous")
    assert again.attrs["notes"] == [("proximity_undefined", {})]
    assert note_text(again.attrs["notes"][0], "en") == (
        "Some proximities are undefined (NaN): activities with zero ubiquity or no variation"
    )


# The note codes the engine emits, with sample parameters (each one's exact sentence is checked where it arises).
NOTE_SAMPLES: list = [
    ("eigenvector_undefined", {"locations": 2, "activities": 19}),
    ("network_disconnected", {"gap": 0.0}),
    ("density_undefined", {"count": 3}),
    ("density_and_coi_undefined", {"count": 1}),
    ("cog_undefined", {}),
    ("eci_constant", {}),
    ("coi_constant", {}),
    ("columns_replaced", {"columns": ["eci", "M"]}),
    ("dropped_locations_without_population", {"count": 1, "names": ["b"], "more": 0, "year": 2020}),
    ("dropped_locations_zero", {"count": 12, "names": ["a", "b"], "more": 10}),
    ("dropped_activities_zero", {"count": 1, "names": ["9999"], "more": 0}),
    ("proximity_undefined", {"year": 5}),
]
ZH_ASCII = {"eci", "pci", "coi", "cog", "NaN", "Stata", "M", "a", "b"}  # column names, the method, the data


def test_every_note_code_is_worded_in_both_languages() -> None:
    from chanye.present import complexity as words
    from chanye.present import labels
    from chanye.present import opportunities as opp_words
    from chanye.standards.regions import City

    cx_codes = {k.removeprefix("cx_note_") for k in labels.WORDS if k.startswith("cx_note_")}
    assert cx_codes - {"year", "list_sep", "more"} == {code for code, _ in NOTE_SAMPLES}
    # One kind of code with the opportunities' notes, in one namespace: no code means two things.
    assert not cx_codes & {k.removeprefix("opp_note_") for k in labels.WORDS if k.startswith("opp_note_")}
    city = City("310100")
    for note in NOTE_SAMPLES:
        zh, en = note_text(note), note_text(note, "en")
        assert set(re.findall(r"[A-Za-z]+", re.sub(r"\d\.\de[+-]\d+", "", zh))) <= ZH_ASCII, zh  # 0.0e+00 is a number
        assert not re.search(r"[\u3400-\u9fff]", en), en
        # The opportunities' wording hands these codes over unchanged.
        assert opp_words.note_text(note, city, "zh") == zh and opp_words.note_text(note, city, "en") == en
    assert note_text(NOTE_SAMPLES[9]) == "去掉 12 个合计为 0 的地区：a、b等"
    assert note_text(NOTE_SAMPLES[9], "en") == "Dropped 12 location(s) whose values sum to 0: a, b, ..."
    assert note_text(NOTE_SAMPLES[8], "en") == "2020: Dropped 1 location(s) without a positive population: b"
    assert words.notes(NOTE_SAMPLES[10:11], "en") == [
        {"code": "dropped_activities_zero", "params": {"count": 1, "names": ["9999"], "more": 0},
         "text": "Dropped 1 activity(ies) whose values sum to 0: 9999"}
    ]
    assert words.is_code("cog_undefined") and not words.is_code("space_small")


# --- second round: messages naming the argument, silent NaN, year-by-year drops -------------------------------


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: eci_pci(np.ones(3)), "M"),
        (lambda: complexity_eigenvectors(np.ones(3)), "M"),
        (lambda: fitness_complexity(np.ones(3)), "M"),
        (lambda: reflections(np.ones(3), 1), "M"),
        (lambda: density(np.ones(3), np.ones((3, 3))), "levels"),
        (lambda: complexity_outlook_gain(np.ones((2, 2)), np.ones(2), np.ones(2)), "proximity"),
    ],
)
def test_shape_errors_name_the_argument(call, name: str) -> None:
    message = f"{name} 必须是二维矩阵 must be a 2-D matrix (location x activity), got shape "
    with pytest.raises(InputError, match=f"^{re.escape(message)}\\((3|2),\\)$"):
        call()


def test_undefined_values_are_nan_without_runtime_warnings() -> None:
    # Every 0/0 or x/0 below is documented to give NaN (or inf) silently, as Stata's missing values.
    M = np.array([[1, 1, 0], [1, 0, 0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(rca(np.array([[1.0, 2.0], [0.0, 0.0]]))[1]).all()
        # Activity 1 has no value: 0/0; location 0 has no population: x / 0 = inf.
        out = rpop(np.array([[1.0, 0.0], [3.0, 0.0]]), [0.0, 2.0])
        assert np.isnan(out[:, 1]).all() and out[0, 0] == np.inf
        assert np.isnan(proximity_discrete(M)[2, :2]).all()
        assert np.isnan(proximity_continuous(np.array([[1.0, 5.0], [2.0, 5.0]]))[0, 1])
        assert np.isnan(density(np.ones((2, 2)), np.zeros((2, 2)))).all()
        for res in (compute_year(M=M), compute_year(M=np.ones((3, 3), dtype=int))):
            assert np.isnan(res.coi).all()


def test_diversity_and_ubiquity_are_integer_counts() -> None:
    Mf = np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
    assert diversity(Mf).tolist() == [2, 3] and diversity(Mf).dtype == np.int64
    assert ubiquity(Mf).tolist() == [2, 1, 2] and ubiquity(Mf).dtype == np.int64


def test_rpop_accepts_population_as_a_column() -> None:
    X = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])
    assert np.array_equal(rpop(X, [[1.0], [3.0]]), rpop(X, [1.0, 3.0]))


def test_cog_with_proximity_rows_summing_to_one_is_defined() -> None:
    # Rows summing to exactly 1 are ordinary (only rows summing to 0 make cog undefined).
    M = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    prox = np.array([[0.0, 0.5, 0.5], [0.5, 0.0, 0.5], [0.5, 0.5, 0.0]])
    kp = np.array([1.0, 2.0, 3.0])
    # cog[0, 1] = sum over q missing at 0 (q = 1, 2) of prox[q, 1] kp_q / 1 = 0 * 2 + 0.5 * 3 = 1.5;
    # cog[0, 2] = prox[1, 2] * 2 = 1.0; cog[1, 0] = 0 (location 1 misses only activity 0, prox[0, 0] = 0).
    assert complexity_outlook_gain(M, prox, kp).tolist() == [[0.0, 1.5, 1.0], [0.0, 0.0, 0.0]]


def test_compute_year_default_rpop_threshold_and_pypi_continuous_diagonal() -> None:
    X = np.array([[4.0, 0.0, 1.0], [0.0, 3.0, 1.0], [2.0, 2.0, 2.0]])
    # Populations 2, 1, 1 (shares 1/2, 1/4, 1/4): RPOP column 0 = (4/6) / (1/2), 0, (2/6) / (1/4) = 4/3, 0, 4/3;
    # column 1 = 0, 12/5, 8/5; column 2 = 1/2, 1, 2. Present where > 1.
    res = compute_year(X, population=np.array([2.0, 1.0, 1.0]), presence_test="rpop")
    assert res.M.tolist() == [[1, 0, 0], [0, 1, 0], [1, 1, 1]]
    pypi = compute_year(X, proximity="continuous", conventions="pypi")
    assert np.diag(pypi.proximity).tolist() == [1.0, 1.0, 1.0]


def test_panel_mcp_decides_which_locations_take_part() -> None:
    # c has positive values but no activity in m: with a given M it is a location "without data", dropped.
    panel = _mcp_panel().assign(m=lambda f: np.where(f["city"] == "c", 0, f["m"]))
    out = complexity(panel, **MCP_ARGS)
    assert out.attrs["notes"][0] == ("dropped_locations_zero", {"count": 1, "names": ["c"], "more": 0, "year": 2020})
    assert note_text(out.attrs["notes"][0]) == "2020：去掉 1 个合计为 0 的地区：c"
    assert note_text(out.attrs["notes"][0], "en") == "2020: Dropped 1 location(s) whose values sum to 0: c"
    assert out["city"].tolist() == ["a", "a", "b", "b", "a", "a", "b", "b"]


def test_panel_missing_mcp_column_is_reported() -> None:
    with pytest.raises(InputError, match=exact("输入缺少列 missing column(s): m")):
        complexity(PANEL, **PANEL_ARGS, mcp="m")


def test_negative_values_are_counted_apart_from_zeros() -> None:
    with pytest.raises(
        InputError, match=exact("列 v 含 1 个负值 column v has 1 negative value(s) (first: -0.5 at row 12)")
    ):
        complexity(PANEL.assign(v=[0.0, 0.5, -0.5, 3.0]), **PANEL_ARGS)


def test_each_year_keeps_only_its_own_locations_and_activities() -> None:
    # Year 1: a, b, c x x, y, w, all positive. Year 2: c and w are absent; d's values and z's values are 0;
    # e has no population. Year 2 keeps a, b x x, y only, and notes exactly its three drops.
    rows = [(1, c, i, v) for c, i, v in [("a", "x", 2), ("a", "y", 1), ("a", "w", 1), ("b", "x", 1)]]
    rows += [(1, c, i, v) for c, i, v in [("b", "y", 3), ("b", "w", 1), ("c", "x", 1), ("c", "w", 4)]]
    rows += [(2, c, i, v) for c, i, v in [("a", "x", 2), ("a", "y", 1), ("a", "z", 0), ("b", "x", 1)]]
    rows += [(2, c, i, v) for c, i, v in [("b", "y", 3), ("d", "x", 0), ("d", "y", 0), ("e", "x", 5)]]
    panel = pd.DataFrame(rows, columns=["yr", "city", "ind", "v"]).astype({"v": float})
    pop = pd.DataFrame({"city": ["a", "b", "c", "d"], "population": [1.0, 2.0, 3.0, 4.0]})
    out = complexity(panel, **PANEL_ARGS, year="yr", presence="rpop", population=pop)
    drops = [n for n in out.attrs["notes"] if n[0].startswith("dropped_")]
    assert drops == [
        ("dropped_locations_without_population", {"count": 1, "names": ["e"], "more": 0, "year": 2}),
        ("dropped_locations_zero", {"count": 1, "names": ["d"], "more": 0, "year": 2}),
        ("dropped_activities_zero", {"count": 1, "names": ["z"], "more": 0, "year": 2}),
    ]
    year2 = out[out["yr"] == 2]
    assert year2["city"].tolist() == ["a", "a", "b", "b"] and year2["ind"].tolist() == ["x", "y", "x", "y"]
    plain = complexity(panel, **PANEL_ARGS, year="yr")
    drops = [n for n in plain.attrs["notes"] if n[0].startswith("dropped_")]
    assert drops == [
        ("dropped_locations_zero", {"count": 1, "names": ["d"], "more": 0, "year": 2}),
        ("dropped_activities_zero", {"count": 1, "names": ["z"], "more": 0, "year": 2}),
    ]
    year2 = plain[plain["yr"] == 2]
    assert year2["city"].tolist() == ["a", "a", "b", "b", "e", "e"]
    assert year2["ind"].tolist() == ["x", "y"] * 3


def test_population_rows_outside_the_panel_are_ignored() -> None:
    panel = pd.DataFrame(
        {
            "yr": [1, 1, 1, 1],
            "city": ["a", "a", "b", "b"],
            "ind": ["x", "y", "x", "y"],
            "v": [1.0, 2.0, 3.0, 1.0],
        }
    )
    # Year 9 and town q are not in the panel; they must not land on any location or year.
    pop = pd.DataFrame(
        {"yr": [1, 1, 9, 1], "city": ["a", "b", "b", "q"], "population": [1.0, 3.0, 50.0, 70.0]}
    )
    out = complexity(panel, **PANEL_ARGS, year="yr", presence="rpop", population=pop)
    assert out["population"].tolist() == [1.0, 1.0, 3.0, 3.0]
