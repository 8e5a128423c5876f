"""Learn from the labelled rows a bureau already has (issue 11): when most rows of the registry carry an industry
code (or an analyst labelled them), fit a small text model on (business scope -> 小类) and use it for the rows
without a code where the vocabulary reader abstains.

The model is a cosine nearest-neighbour vote (k = 5, distance-weighted) over character 1-2-gram TF-IDF of the
parsed, non-generic items (boilerplate and qualifiers gone): fitting is instant and a registry's few thousand
labelled rows predict in milliseconds; its probability is the weighted vote share times the nearest row's cosine similarity; `fit_labelled` reports the k-fold cross-validated accuracy
(3 folds, shuffled, seed 0) of that model on those rows, which `chanye review` shows the user. Classes with a
single row are kept for fitting but cannot be scored by cross-validation; below `MIN_ROWS` labelled rows (or
one class) nothing is learned; above `MAX_ROWS` a seeded sample of that size is used.

The same rows also recalibrate the vocabulary reader (`OwnCurve`): the shipped curve was fitted on synthetic
scopes and is optimistic on real registrations (on the BDCI rows, under 0.4 of the scopes it accepts are right
at 大类). With at least `MIN_CURVE_ROWS` coded firms whose scopes the reader reads, an isotonic regression of "the
reader's best class is the firm's own code" on the reader's raw margin replaces the shipped curve for this
registry's firms without a code: the probability, the threshold and the review queue then mean what they say on
this registry's own wording.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from chanye.classify.reader import THRESHOLD, Reading, calibrated, interpolate, parse_scope, read_scope
from chanye.standards import gbt4754

MIN_ROWS = 30
FOLDS = 3
MAX_ROWS = 5000  # a larger registry is sampled (seed 0), so an import stays quick
MIN_CURVE_ROWS = 200  # fewer coded firms read by the reader: the shipped curve stays


def _text(scope: str | None) -> str:
    return "；".join(i.text for i in parse_scope(scope) if not i.generic)


@dataclass(frozen=True)
class OwnCurve:
    """The reader's raw margin -> P(its best class is the firm's own code), fitted on a registry's coded firms.

    `rows`: coded firms the reader found a class for; `right`: the share whose best class is their code (小类),
    `division_right` at 大类; `shipped_accepted` / `shipped_right`: the share the shipped curve would accept and,
    of those, the share right; `own_accepted` / `own_right`: the same under this curve (in sample)."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]
    rows: int
    right: float
    division_right: float
    shipped_accepted: float
    shipped_right: float | None
    own_accepted: float
    own_right: float | None

    def __call__(self, raw: float) -> float:
        return interpolate(self.xs, self.ys, raw)

    def check(self) -> dict:
        """What the fit found (every field but the knots), for an import's or a re-classification's report."""
        return {k: v for k, v in asdict(self).items() if k not in ("xs", "ys")}


def _share(mask: np.ndarray, of: np.ndarray) -> float | None:
    return round(float(of[mask].mean()), 4) if mask.any() else None


def fit_own_curve(scopes, codes, threshold: float = THRESHOLD) -> OwnCurve | None:
    """Isotonic curve of the reader's correctness on its raw margin over labelled scopes (codes: 4-digit 小类);
    None below `MIN_CURVE_ROWS` read scopes or when they are all right or all wrong (nothing to fit)."""
    from sklearn.isotonic import IsotonicRegression

    margins, right, division = [], [], []
    for scope, code in zip(scopes, codes, strict=True):
        # a threshold above 1 accepts nothing, so the probability is the best class's own raw margin
        reading = read_scope(scope, threshold=2.0, calibrate=False)
        if reading.suggestions and not reading.nearest:  # a class only like the wording is no reading to calibrate
            best = reading.suggestions[0]["code"]
            margins.append(reading.probability)
            right.append(best == code)
            division.append(best[:2] == code[:2])
    if len(margins) < MIN_CURVE_ROWS or len(set(right)) < 2:
        return None
    x, y = np.asarray(margins), np.asarray(right, dtype=float)
    fitted = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip").fit(x, y)
    xs = tuple(round(float(v), 4) for v in fitted.X_thresholds_)
    ys = tuple(round(float(v), 4) for v in fitted.y_thresholds_)
    shipped = np.array([calibrated(m) for m in margins]) >= threshold
    own = np.array([interpolate(xs, ys, m) for m in margins]) >= threshold
    return OwnCurve(xs, ys, len(margins), round(float(y.mean()), 4), round(float(np.mean(division)), 4),
                    round(float(shipped.mean()), 4), _share(shipped, y), round(float(own.mean()), 4), _share(own, y))


@dataclass
class LabelledModel:
    """A fitted model and how well it did: `cv_accuracy` (3-fold cross-validated accuracy); `curve`: the
    reader's probability recalibrated on the same rows (None when too few)."""

    pipeline: object
    rows: int
    classes: int
    cv_accuracy: float
    curve: OwnCurve | None = None

    def predict(self, scopes: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
        """Best class per scope and its probability: the neighbours' weighted vote share times the cosine
        similarity of the nearest one (a scope unlike every labelled row is never sure)."""
        features = self.pipeline[0].transform([_text(s) for s in scopes])
        knn = self.pipeline[-1]
        proba = knn.predict_proba(features)
        distance, _ = knn.kneighbors(features, n_neighbors=1)
        best = proba.argmax(axis=1)
        similarity = np.clip(1.0 - distance[:, 0], 0.0, 1.0)
        return knn.classes_[best], proba[np.arange(len(best)), best] * similarity

    def combine(self, scopes: list[str | None], readings: list[Reading], threshold: float) -> list[Reading]:
        """Where the reader abstained and this model is sure (p >= threshold), take this model's class."""
        todo = [i for i, r in enumerate(readings) if not r.accepted and isinstance(scopes[i], str)]
        if not todo:
            return readings
        codes, probs = self.predict([scopes[i] for i in todo])
        std = gbt4754.load()
        out = list(readings)
        for i, code, p in zip(todo, codes, probs, strict=True):
            if p >= threshold:
                suggestion = {"code": str(code), "name": std.name(str(code)), "probability": round(float(p), 4),
                              "evidence": f"按本库已有行业代码的企业学习（{self.rows} 行）→ {code} {std.name(str(code))}"}
                out[i] = Reading((str(code),), round(float(p), 4), [suggestion, *readings[i].suggestions][:3])
        return out


NEIGHBOURS = 5


def _pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline

    return make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True),
                         KNeighborsClassifier(n_neighbors=NEIGHBOURS, metric="cosine", algorithm="brute",
                                              weights="distance"))


def _sample(rows: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """The labelled rows learned from: raw scopes and their 4-digit 2017 小类 (other codes and blank scopes left
    out), a seeded sample of `MAX_ROWS` beyond that."""
    if rows is None or not len(rows):
        return np.array([], dtype=object), np.array([], dtype=object)
    std = gbt4754.load()

    def class_code(value) -> str | None:
        code = gbt4754.normalise_code(value, digits=4)
        return code if code is not None and code in std and std.get(code).level == "class" else None

    # Sample before reading: a registry of 200k coded firms parsed every scope (10 s) to keep 5,000 of them.
    codes = rows["code"].map({c: class_code(c) for c in rows["code"].dropna().unique()})
    scopes = rows["business_scope"]
    keep = codes.notna() & scopes.notna() & (scopes.astype(str).str.strip() != "")
    positions = np.flatnonzero(keep.to_numpy())
    if len(positions) > MAX_ROWS:
        positions = np.sort(np.random.default_rng(0).choice(positions, MAX_ROWS, replace=False))
    return scopes.to_numpy(dtype=object)[positions], codes.to_numpy(dtype=object)[positions]


def own_curve(rows: pd.DataFrame | None) -> OwnCurve | None:
    """The registry's own curve from its labelled rows (business_scope, code), as `fit_labelled` fits it."""
    return fit_own_curve(*_sample(rows))


def fit_labelled(rows: pd.DataFrame) -> LabelledModel | None:
    """Fit on rows of business_scope and code (4-digit 2017 小类; others skipped); None when too few."""
    raw, labels = _sample(rows)
    if not len(raw):
        return None
    texts = [_text(s) for s in raw]
    curve = fit_own_curve(raw, labels)
    usable = [i for i, t in enumerate(texts) if t]  # a scope of generic items only says nothing
    texts, labels = [texts[i] for i in usable], labels[usable]
    if len(texts) < MIN_ROWS or len(set(labels)) < 2:
        return None
    from sklearn.model_selection import KFold, cross_val_score

    # MIN_ROWS (30) rows always fold three ways
    folds = KFold(n_splits=FOLDS, shuffle=True, random_state=0)
    score = round(float(np.mean(cross_val_score(_pipeline(), texts, labels, cv=folds))), 4)
    pipeline = _pipeline().fit(texts, labels)
    return LabelledModel(pipeline, len(texts), len(set(labels)), score, curve)
