"""产业空间 The industry space as a drawable network: a sparse backbone of the proximity matrix and fixed 2-D
positions for it.

Pure: a proximity matrix (numpy, activity x activity) in, edge lists and coordinates out; no I/O.

* :func:`backbone` keeps the maximum spanning tree of proximity (so that the network is connected wherever
  proximity is positive) plus each activity's ``k`` strongest links at or above ``min_proximity``. This is
  how Hidalgo et al. (2007) drew the product space and how the Growth Lab's Atlas and Metroverse prune it.
* :func:`layout` places the backbone's nodes with a Fruchterman-Reingold force layout run in numpy, started
  from :func:`embedding` (the first two principal components of each activity's proximities). Positions depend only on the backbone and the seed, so they are the
  same for every place: like the Atlas, one map, coloured per place.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import minimum_spanning_tree

from chanye.errors import InputError

__all__ = ["backbone", "embedding", "layout"]


def backbone(proximity: np.ndarray, *, k: int = 2, min_proximity: float = 0.3) -> np.ndarray:
    """Edges ``(i, j)`` with ``i < j``, shape (n_edges, 2), sorted: the maximum spanning tree (forest) of the
    positive proximities plus, for each activity, its ``k`` strongest links with proximity >=
    ``min_proximity``. NaN proximities count as 0 (no link)."""
    P = np.asarray(proximity, dtype=float)
    n = P.shape[0]
    if P.ndim != 2 or P.shape != (n, n):
        raise InputError(f"邻近度必须是方阵 proximity must be square, got shape {P.shape}")
    P = np.where(np.isfinite(P), P, 0.0)
    np.fill_diagonal(P, 0.0)
    # The maximum spanning tree of proximity is the minimum spanning tree of (2 - proximity) on the links
    # that exist (proximity in (0, 1], so 2 - proximity is in [1, 2): no link gets weight 0, i.e. "absent").
    tree = minimum_spanning_tree(np.where(P > 0, 2.0 - P, 0.0)).tocoo()
    pairs = set(zip(np.minimum(tree.row, tree.col).tolist(), np.maximum(tree.row, tree.col).tolist(), strict=True))
    if k > 0 and n > 1:
        kk = min(k, n - 1)
        top = np.argpartition(-P, kk - 1, axis=1)[:, :kk]
        rows = np.repeat(np.arange(n), top.shape[1])
        cols = top.ravel()
        keep = (P[rows, cols] >= min_proximity) & (P[rows, cols] > 0)
        rows, cols = rows[keep], cols[keep]
        pairs.update(zip(np.minimum(rows, cols).tolist(), np.maximum(rows, cols).tolist(), strict=True))
    if not pairs:
        return np.empty((0, 2), dtype=np.int64)
    return np.array(sorted(pairs), dtype=np.int64)


def layout(n: int, edges: np.ndarray, weights: np.ndarray | None = None, *, init: np.ndarray | None = None,
           iterations: int = 60, seed: int = 12218) -> np.ndarray:
    """Positions (n x 2, each axis scaled to [0, 1]) of a graph's nodes by Fruchterman-Reingold.

    Starts from ``init`` (n x 2, e.g. :func:`embedding`; default uniform random), jittered by a seeded random
    offset, then runs ``iterations`` steps of the force model with a linearly cooling
    temperature: every pair repels with ``k^2 / d``, every edge attracts with ``w d^2 / k`` (``w`` the edge
    weight, default 1), ``k = 1 / sqrt(n)``. Disconnected pieces and isolated nodes are kept apart by the
    repulsion. Deterministic for a given input and seed.
    """
    if n == 0:
        return np.empty((0, 2))
    rng = np.random.default_rng(seed)
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    w = np.ones(len(edges)) if weights is None else np.asarray(weights, dtype=float)
    start = np.asarray(init, dtype=float) if init is not None else rng.uniform(size=(n, 2))
    pos = start + rng.normal(scale=0.02, size=(n, 2))
    if n == 1:
        return np.full((1, 2), 0.5)
    k = 1.0 / np.sqrt(n)
    t0 = 0.1
    src, dst = edges[:, 0], edges[:, 1]
    x = pos[:, 0].astype(np.float32)
    y = pos[:, 1].astype(np.float32)
    wk = (w / k).astype(np.float32)
    k2 = np.float32(k * k)
    dx = np.empty((n, n), dtype=np.float32)
    dy = np.empty((n, n), dtype=np.float32)
    f = np.empty((n, n), dtype=np.float32)
    for step in range(iterations):
        np.subtract(x[:, None], x[None, :], out=dx)
        np.subtract(y[:, None], y[None, :], out=dy)
        # Repulsion k^2 / d along the unit vector = k^2 (dx, dy) / d^2.
        np.multiply(dx, dx, out=f)
        f += dy * dy
        np.maximum(f, 1e-6, out=f)
        np.divide(k2, f, out=f)
        disp_x = (dx * f).sum(axis=1)
        disp_y = (dy * f).sum(axis=1)
        if len(edges):
            ex = x[src] - x[dst]
            ey = y[src] - y[dst]
            pull = np.sqrt(ex * ex + ey * ey) * wk  # attraction d^2 / k along the unit vector
            px, py = ex * pull, ey * pull
            disp_x -= np.bincount(src, px, minlength=n).astype(np.float32)
            disp_x += np.bincount(dst, px, minlength=n).astype(np.float32)
            disp_y -= np.bincount(src, py, minlength=n).astype(np.float32)
            disp_y += np.bincount(dst, py, minlength=n).astype(np.float32)
        t = t0 * (1.0 - step / iterations) + 1e-3
        length = np.sqrt(disp_x * disp_x + disp_y * disp_y)
        scale = (np.minimum(length, t) / np.maximum(length, 1e-9)).astype(np.float32)
        x += disp_x * scale
        y += disp_y * scale
    pos32 = np.column_stack([x, y])
    out = pos32.astype(float)
    span = out.max(axis=0) - out.min(axis=0)
    return (out - out.min(axis=0)) / np.where(span > 0, span, 1.0)


def embedding(proximity: np.ndarray, *, seed: int = 12218) -> np.ndarray:
    """A starting position for each activity (n x 2, scaled to [0, 1]): the first two principal components of
    its row of proximities, so that activities with similar neighbourhoods start close together. A seeded
    randomized SVD: a few matrix products, no dense eigen-decomposition."""
    P = np.where(np.isfinite(proximity), proximity, 0.0)
    n = P.shape[0]
    if n < 3:
        return np.full((n, 2), 0.5)
    Z = P - P.mean(axis=0, keepdims=True)
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(Z @ rng.normal(size=(n, min(n, 12))))
    for _ in range(2):  # power iterations sharpen the leading components
        Q, _ = np.linalg.qr(Z @ (Z.T @ Q))
    U, S, _ = np.linalg.svd(Q.T @ Z, full_matrices=False)
    xy = (Q @ U[:, :2]) * S[:2]
    span = xy.max(axis=0) - xy.min(axis=0)
    return (xy - xy.min(axis=0)) / np.where(span > 0, span, 1.0)
