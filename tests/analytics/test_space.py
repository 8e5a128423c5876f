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
