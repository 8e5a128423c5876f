"""The industry space's backbone and layout (chanye.analytics.space) on small matrices."""

from __future__ import annotations

import numpy as np
import pytest

from chanye.analytics import space
from chanye.errors import InputError


def test_backbone_is_the_maximum_spanning_tree_plus_strong_links():
    P = np.array([
        [0.0, 0.9, 0.2, 0.0],
        [0.9, 0.0, 0.4, 0.1],
        [0.2, 0.4, 0.0, 0.35],
        [0.0, 0.1, 0.35, 0.0],
    ])
    # Tree: 0-1 (0.9), 1-2 (0.4), 2-3 (0.35). No other link reaches 0.3 except those.
    assert space.backbone(P, k=2, min_proximity=0.3).tolist() == [[0, 1], [1, 2], [2, 3]]
    # With a low floor each node's two strongest links join: 0-2 (0.2 is 0's second) and 1-3 is not
    # anyone's top two (1: 0.9, 0.4; 3: 0.35, 0.1 -> 3-1 is 3's second).
    assert space.backbone(P, k=2, min_proximity=0.0).tolist() == [[0, 1], [0, 2], [1, 2], [1, 3], [2, 3]]


def test_backbone_handles_nan_disconnected_and_bad_shapes():
    P = np.array([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, np.nan], [0, 0, np.nan, 0]], dtype=float)
    assert space.backbone(P).tolist() == [[0, 1]]
    assert space.backbone(P, k=3, min_proximity=0.0).tolist() == [[0, 1]]  # a 0 proximity is no link at any floor
    assert space.backbone(np.zeros((3, 3))).shape == (0, 2)
    with pytest.raises(InputError, match=r"邻近度必须是方阵 .*got shape \(2, 3\)"):
        space.backbone(np.zeros((2, 3)))


def test_layout_is_deterministic_scaled_and_keeps_linked_nodes_closer():
    rng = np.random.default_rng(1)
    n = 60
    # Two communities: strong links inside, none across except one bridge.
    P = np.zeros((n, n))
    for block in (range(0, 30), range(30, 60)):
        idx = np.array(list(block))
        P[np.ix_(idx, idx)] = rng.uniform(0.4, 0.9, size=(30, 30))
    P[0, 30] = 0.3
    P = np.triu(P, 1)
    P = P + P.T
    edges = space.backbone(P, k=3)
    a = space.layout(n, edges, P[edges[:, 0], edges[:, 1]], init=space.embedding(P), iterations=80)
    b = space.layout(n, edges, P[edges[:, 0], edges[:, 1]], init=space.embedding(P), iterations=80)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (n, 2) and a.min() == pytest.approx(0) and a.max() == pytest.approx(1)
    within = np.linalg.norm(a[:30].mean(axis=0) - a[:30], axis=1).mean()
    across = np.linalg.norm(a[:30].mean(axis=0) - a[30:].mean(axis=0))
    assert across > within


def test_layout_edge_cases():
    assert space.layout(0, np.empty((0, 2))).shape == (0, 2)
    assert space.layout(1, np.empty((0, 2))).tolist() == [[0.5, 0.5]]
    assert space.embedding(np.zeros((2, 2))).shape == (2, 2)


def test_backbone_defaults_keep_two_links_of_at_least_0_3_as_int64():
    P = np.zeros((5, 5))
    for (i, j), p in {(0, 1): 0.8, (0, 2): 0.6, (0, 3): 0.5, (0, 4): 0.25, (1, 2): 0.45, (1, 3): 0.35,
                      (2, 3): 0.32, (1, 4): 0.05, (2, 4): 0.04, (3, 4): 0.03}.items():
        P[i, j] = P[j, i] = p
    np.fill_diagonal(P, 1.0)  # a proximity matrix's diagonal is no link
    # Tree: 0-1, 0-2, 0-3 and 0-4 (every other link closes a cycle first). Two strongest at >= 0.3: 0 -> 1, 2;
    # 1 -> 0, 2; 2 -> 0, 1; 3 -> 0, 1; 4's (0.25, 0.05) are under the floor.
    edges = space.backbone(P)
    assert edges.dtype == np.int64 and edges.tolist() == [[0, 1], [0, 2], [0, 3], [0, 4], [1, 2], [1, 3]]
    # A third link each adds 2-3 (0.32: third of 2 and of 3); the tree alone with k = 0.
    assert space.backbone(P, k=3).tolist() == [[0, 1], [0, 2], [0, 3], [0, 4], [1, 2], [1, 3], [2, 3]]
    assert space.backbone(P, k=0).tolist() == [[0, 1], [0, 2], [0, 3], [0, 4]]
    assert space.backbone(P, min_proximity=0.4).tolist() == [[0, 1], [0, 2], [0, 3], [0, 4], [1, 2]]
    assert space.backbone(np.zeros((3, 3))).dtype == np.int64
    # At the floor counts (>=); k above n - 1 takes every link at or above it.
    assert space.backbone(P, k=3, min_proximity=0.32).tolist()[-1] == [2, 3]
    assert space.backbone(P, k=9).tolist() == [[0, 1], [0, 2], [0, 3], [0, 4], [1, 2], [1, 3], [2, 3]]
    # Without a floor, k = 4 (= n - 1) takes every positive link: 1-4, 2-4, 3-4 are the fourth of 1, 2, 3.
    every = [[i, j] for i in range(5) for j in range(i + 1, 5)]
    assert space.backbone(P, k=9, min_proximity=0.0).tolist() == every
    # The second strongest, not any other: 4's is 1 (0.05) over 2 (0.04) and 3 (0.03).
    assert [1, 4] in space.backbone(P, k=2, min_proximity=0.0).tolist()
    assert [2, 4] not in space.backbone(P, k=2, min_proximity=0.0).tolist()


def _start(n, init, seed):
    """The documented start: ``init`` (else a seeded uniform draw), plus a seeded normal jitter of 0.02."""
    rng = np.random.default_rng(seed)
    start = np.asarray(init, float) if init is not None else rng.uniform(size=(n, 2))
    return start + rng.normal(scale=0.02, size=(n, 2))


def _reference_layout(pos0, edges, weights, iterations):
    """Fruchterman-Reingold as the docstring states it, one node and one edge at a time in float64."""
    n = len(pos0)
    pos = [list(p) for p in pos0]
    k = 1.0 / np.sqrt(n)
    for step in range(iterations):
        disp = [[0.0, 0.0] for _ in range(n)]
        for i in range(n):
            for j in range(n):
                if i != j:
                    dx, dy = pos[i][0] - pos[j][0], pos[i][1] - pos[j][1]
                    force = k * k / max(dx * dx + dy * dy, 1e-6)
                    disp[i][0] += dx * force
                    disp[i][1] += dy * force
        for (s, d), w in zip(edges, weights, strict=True):
            ex, ey = pos[s][0] - pos[d][0], pos[s][1] - pos[d][1]
            pull = np.hypot(ex, ey) * w / k
            disp[s][0] -= ex * pull
            disp[s][1] -= ey * pull
            disp[d][0] += ex * pull
            disp[d][1] += ey * pull
        t = 0.1 * (1.0 - step / iterations) + 1e-3
        for i in range(n):
            length = np.hypot(*disp[i])
            scale = min(length, t) / max(length, 1e-9)
            pos[i][0] += disp[i][0] * scale
            pos[i][1] += disp[i][1] * scale
    out = np.array(pos)
    return (out - out.min(axis=0)) / (out.max(axis=0) - out.min(axis=0))


def test_layout_matches_the_force_model_step_by_step():
    init = np.array([[0.1, 0.2], [0.9, 0.1], [0.5, 0.8], [0.4, 0.45], [0.7, 0.6]])
    edges = np.array([[0, 1], [1, 2], [2, 3], [0, 3], [3, 4]])
    weights = [0.9, 0.4, 0.7, 0.3, 0.6]
    for iterations in (1, 2, 7):
        got = space.layout(5, edges, np.array(weights), init=init, iterations=iterations, seed=5)
        want = _reference_layout(_start(5, init, 5), edges.tolist(), weights, iterations)
        np.testing.assert_allclose(got, want, rtol=0, atol=2e-5)  # float32 steps against float64
    # Unit weights, 60 steps and seed 12218 by default; without init the start is the seeded uniform draw.
    np.testing.assert_allclose(space.layout(5, edges, init=init),
                               _reference_layout(_start(5, init, 12218), edges.tolist(), [1.0] * 5, 60),
                               rtol=0, atol=2e-4)
    # A last node without links (bincount's length is the node count, not the highest linked index).
    loose = np.array([[0, 1], [1, 2]])
    np.testing.assert_allclose(space.layout(4, loose, init=init[:4], iterations=3),
                               _reference_layout(_start(4, init[:4], 12218), loose.tolist(), [1.0] * 2, 3),
                               rtol=0, atol=2e-5)
    np.testing.assert_allclose(space.layout(5, edges, iterations=3, seed=3),
                               _reference_layout(_start(5, None, 3), edges.tolist(), [1.0] * 5, 3),
                               rtol=0, atol=2e-5)


def _principal_components(P):
    """The first two principal components of the proximity rows, scaled to [0, 1] (dense SVD)."""
    Z = np.nan_to_num(P) - np.nan_to_num(P).mean(axis=0)
    U, S, _ = np.linalg.svd(Z)
    exact = U[:, :2] * S[:2]
    return (exact - exact.min(axis=0)) / (exact.max(axis=0) - exact.min(axis=0))


def test_embedding_is_the_first_two_principal_components():
    six = np.array([
        [0.0, 0.8, 0.7, 0.1, 0.0, 0.2],
        [0.8, 0.0, 0.6, 0.2, 0.1, 0.0],
        [0.7, 0.6, 0.0, 0.3, 0.2, 0.1],
        [0.1, 0.2, 0.3, 0.0, 0.9, 0.5],
        [0.0, 0.1, 0.2, 0.9, 0.0, 0.6],
        [0.2, 0.0, 0.1, 0.5, 0.6, np.nan],  # NaN counts as 0
    ])
    three = np.array([[0.0, 0.9, 0.1], [0.9, 0.0, 0.2], [0.1, 0.2, 0.0]])  # the smallest that gets components
    # Fewer activities than the twelve random directions, so every seed gives the exact components.
    for P in (six, three):
        exact = _principal_components(P)
        for seed in (12218, 1):
            got = space.embedding(P, seed=seed)
            for axis in range(2):  # a component's sign is arbitrary: scaled to [0, 1], a flip is 1 - x
                assert (np.allclose(got[:, axis], exact[:, axis], rtol=0, atol=1e-9)
                        or np.allclose(got[:, axis], 1.0 - exact[:, axis], rtol=0, atol=1e-9))
    assert space.embedding(np.ones((2, 2))).tolist() == [[0.5, 0.5], [0.5, 0.5]]
    assert space.embedding(np.zeros((3, 3))).tolist() == [[0.0, 0.0]] * 3  # nothing to spread: no division by 0
    # Above twelve activities the random directions matter: the default seed is 12218.
    big = np.random.default_rng(7).uniform(size=(20, 20))
    np.testing.assert_array_equal(space.embedding(big), space.embedding(big, seed=12218))
