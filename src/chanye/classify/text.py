"""Business scope (经营范围) -> GB/T 4754-2017 小类: a text classifier for firms whose code is missing or invalid.

`ScopeClassifier` is a scikit-learn estimator (STYLE.md item 11: `__init__` stores parameters, `fit` does the
work, learned attributes end in `_`). Features are the union of two TF-IDF views of the cleaned scope:

- character n-grams (1-3 by default): robust to the lack of word boundaries and to unseen compounds;
- words of jieba's dictionary, found item by item (`split_items`) by reverse maximum matching (5-6x faster
  than jieba's own DAG search, which `jieba="dag"` selects), with a cache per item: registered scopes repeat
  the same standard items (货物进出口, 技术服务, ...), so most items are segmented once per process.

The model is a linear SVM (liblinear `LinearSVC`, one-vs-rest over ~1,400 classes). Its weight matrix would be
~1,400 x 50,000 dense floats (~550 MB); after fitting, weights below the `prune` quantile of |w| are set to
zero and the matrix is stored sparse (about 1% of the weights carry the decision; accuracy is unchanged to
the third decimal on the synthetic evaluation, see docs/classification.md). Scores become probabilities by a
softmax over the margins scaled by `temperature` (fixed, chosen on synthetic validation scopes).

With no labelled rows the model is seeded from the standard itself (`seed_documents`): each 小类's name, its
说明 and the clauses of the 说明, its 中类's name, and the keywords of framework nodes that own the class
whole. `train(labelled)` adds labelled (scope, code) rows from the registry. `default_model()` trains once
and caches the fitted model on disk (`$CHANYE_CACHE` or ~/.cache/chanye), keyed by a hash of the training
data, the parameters and the package versions. Nothing is ever downloaded.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from chanye.classify.scope import clean_scopes, split_items

if TYPE_CHECKING:
    from chanye.framework.model import Framework

MODEL_FORMAT = 2  # bump when the pickled layout changes


# --- tokenisation -----------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


@functools.lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    """jieba's dictionary words of two or more characters (about 340,000)."""
    return frozenset(w for w, freq in _jieba().dt.FREQ.items() if freq > 0 and len(w) > 1)


_MAX_WORD = 6  # longest dictionary word tried; longer compounds come out as their parts


@functools.lru_cache(maxsize=200_000)
def _item_words(item: str) -> tuple[str, ...]:
    """Reverse maximum matching over jieba's dictionary; characters outside any word are skipped (the char
    n-gram view covers them). 5-6x faster than jieba's own DAG search, same words on typical scope items."""
    words = _dictionary()
    out: list[str] = []
    end = len(item)
    while end > 0:
        for size in range(min(_MAX_WORD, end), 1, -1):
            if item[end - size : end] in words:
                out.append(item[end - size : end])
                end -= size
                break
        else:
            end -= 1
    out.reverse()
    return tuple(out)


@functools.lru_cache(maxsize=200_000)
def _item_words_dag(item: str) -> tuple[str, ...]:
    return tuple(w for w in _jieba().lcut(item, HMM=False) if len(w) > 1)


def scope_words(text: str) -> list[str]:
    """Dictionary words of a cleaned scope, item by item; a module function so a fitted model pickles."""
    return [w for item in split_items(text) for w in _item_words(item)]


def scope_words_dag(text: str) -> list[str]:
    """As `scope_words`, segmented by jieba's own DAG search (`jieba="dag"`; slower)."""
    return [w for item in split_items(text) for w in _item_words_dag(item)]


def _as_texts(texts: Iterable[str | None] | pd.Series) -> pd.Series:
    series = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
    return series.reset_index(drop=True)


# --- the estimator ----------------------------------------------------------------------------------------


class ScopeClassifier(ClassifierMixin, BaseEstimator):
    """Classify business-scope texts into GB/T 4754-2017 小类 codes.

    :param ngram_range: character n-gram range of the char TF-IDF view.
    :param jieba: add a word TF-IDF view over jieba's dictionary: True (or "rmm") segments by reverse maximum
        matching, "dag" by jieba's own search (slower, same words on most items), False leaves it out.
    :param C: inverse regularisation strength of the linear SVM.
    :param max_features: cap on each TF-IDF vocabulary (None: no cap).
    :param min_df: minimum document frequency of a feature.
    :param class_weight: passed to LinearSVC (None or "balanced").
    :param prune: quantile of |weight| below which weights are zeroed (0 keeps all; the matrix is then dense).
    :param temperature: margins are multiplied by this before the softmax that yields probabilities.
    :param clean: strip registration boilerplate (`clean_scope`) before vectorising.
    :param random_state: seed of LinearSVC's coordinate descent.
    """

    def __init__(
        self,
        ngram_range: tuple[int, int] = (1, 3),
        jieba: bool | str = True,
        C: float = 1.0,
        max_features: int | None = None,
        min_df: int = 1,
        class_weight: str | dict | None = None,
        prune: float = 0.99,
        temperature: float = 10.0,
        clean: bool = True,
        random_state: int | None = 0,
    ) -> None:
        self.ngram_range = ngram_range
        self.jieba = jieba
        self.C = C
        self.max_features = max_features
        self.min_df = min_df
        self.class_weight = class_weight
        self.prune = prune
        self.temperature = temperature
        self.clean = clean
        self.random_state = random_state

    # sklearn's tags: the input is raw text, not a 2-D numeric array.
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

    def _prepare(self, texts) -> pd.Series:
        series = _as_texts(texts)
        return clean_scopes(series) if self.clean else series.fillna("").astype(str)

    def fit(self, X: Iterable[str], y: Sequence[str]) -> ScopeClassifier:
        """Fit on texts `X` (business scopes or seed documents) and their 小类 codes `y`."""
        texts = self._prepare(X)
        labels = np.asarray([str(c) for c in y], dtype=object)
        if len(texts) != len(labels):
            raise ValueError(f"X has {len(texts)} texts but y has {len(labels)} labels")
        if len(np.unique(labels)) < 2:
            raise ValueError("ScopeClassifier needs at least two classes")
        views = [
            (
                "char",
                TfidfVectorizer(
                    analyzer="char",
                    ngram_range=tuple(self.ngram_range),
                    sublinear_tf=True,
                    min_df=self.min_df,
                    max_features=self.max_features,
                    dtype=np.float32,
                ),
            )
        ]
        if self.jieba not in (True, False, "rmm", "dag"):
            raise ValueError(f"jieba must be True, False, 'rmm' or 'dag', not {self.jieba!r}")
        if self.jieba:
            views.append(
                (
                    "word",
                    TfidfVectorizer(
                        analyzer=scope_words_dag if self.jieba == "dag" else scope_words,
                        sublinear_tf=True,
                        min_df=self.min_df,
                        max_features=self.max_features,
                        dtype=np.float32,
                    ),
                )
            )
        self.vectorizer_ = FeatureUnion(views)
        features = self.vectorizer_.fit_transform(texts.tolist())
        model = LinearSVC(C=self.C, class_weight=self.class_weight, random_state=self.random_state)
        model.fit(features, labels)
        if self.prune > 0:
            weights = model.coef_
            cut = np.quantile(np.abs(weights), self.prune)
            weights[np.abs(weights) < cut] = 0.0
            model.coef_ = weights.astype(np.float32)
            model.sparsify()
        self.model_ = model
        self.classes_ = model.classes_
        self.n_features_ = features.shape[1]
        return self

    def decision_function(self, X: Iterable[str]) -> np.ndarray:
        """Margins, shape (n, n_classes), columns in `classes_` order."""
        check_is_fitted(self, "model_")
        features = self.vectorizer_.transform(self._prepare(X).tolist())
        scores = self.model_.decision_function(features)
        return np.asarray(scores, dtype=np.float32)

    def _softmax(self, scores: np.ndarray) -> np.ndarray:
        z = scores * np.float32(self.temperature)
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Probabilities, shape (n, n_classes): the softmax of `temperature` x margins."""
        return self._softmax(self.decision_function(X))

    def predict(self, X: Iterable[str]) -> np.ndarray:
        """The most likely 小类 per text."""
        scores = self.decision_function(X)
        return self.classes_[scores.argmax(axis=1)]

    def top_k(self, X: Iterable[str], k: int = 3) -> tuple[np.ndarray, np.ndarray]:
        """The k most likely codes per text and their probabilities, both of shape (n, k), best first."""
        scores = self.decision_function(X)
        k = max(1, min(k, scores.shape[1]))
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        part_scores = np.take_along_axis(scores, part, axis=1)
        order = np.argsort(-part_scores, axis=1, kind="stable")
        idx = np.take_along_axis(part, order, axis=1)
        # Softmax of the k best without materialising every probability: p = exp(T(s - max)) / sum exp(...).
        z = scores * np.float32(self.temperature)
        top = np.take_along_axis(z, idx, axis=1)
        z -= top[:, :1]
        np.exp(z, out=z)
        probs = np.exp(top - top[:, :1]) / z.sum(axis=1, keepdims=True)
        return self.classes_[idx], probs.astype(np.float64)


# --- seed documents and training --------------------------------------------------------------------------

_EXCLUSION = re.compile(r"[，；,]?(?:但|也)?不(?:包括|含)[^；。]*")


def seed_documents(framework: Framework | None = None) -> pd.DataFrame:
    """Training texts from the standard (and a framework's keywords): columns text, code.

    Per 小类: its name; name + 说明 (exclusions "不包括……" removed); the 说明 alone and each of its clauses;
    the 中类 name + the name; the 中类's 说明 when the class has none. With a framework, each industry node's
    `keywords` are added as one document for every 小类 the node owns whole.
    """
    from chanye.classify.synthetic_scope import note_fragments
    from chanye.standards import gbt4754

    std = gbt4754.load()
    texts: list[str] = []
    codes: list[str] = []
    for cls in std.classes("class"):
        group = std.get(cls.parent) if cls.parent else None
        note = _EXCLUSION.sub("", cls.note)
        docs = [cls.name, cls.name + note, note]
        if group is not None:
            docs.append(group.name + cls.name)
            if not cls.note and group.note:
                docs.append(_EXCLUSION.sub("", group.note))
        docs.extend(note_fragments(cls.note))
        for doc in dict.fromkeys(d for d in docs if d):
            texts.append(doc)
            codes.append(cls.code)
    if framework is not None:
        from chanye.framework.concordance import expand

        keywords = {n.id: n.keywords for n in framework.industry_nodes() if n.keywords}
        for own in expand(framework):
            if own.scope == "whole" and own.node in keywords:
                texts.append("、".join(keywords[own.node]))
                codes.append(own.code)
    return pd.DataFrame({"text": texts, "code": codes})


def _labelled_rows(labelled: pd.DataFrame | None) -> pd.DataFrame:
    if labelled is None or labelled.empty:
        return pd.DataFrame({"text": [], "code": []}, dtype=object)
    text_col = next((c for c in ("business_scope", "scope", "text") if c in labelled.columns), None)
    code_col = next((c for c in ("industry_code", "code") if c in labelled.columns), None)
    if text_col is None or code_col is None:
        from chanye.errors import InputError

        raise InputError(
            f"训练数据缺少经营范围或行业代码列 (labelled rows need a scope and a code column): {list(labelled.columns)}",
            hint="列名用 business_scope 与 industry_code",
        )
    from chanye.standards import gbt4754

    std = gbt4754.load()
    rows = labelled[[text_col, code_col]].dropna()
    rows = rows[rows[text_col].astype(str).str.strip() != ""]
    codes = rows[code_col].map(lambda c: gbt4754.normalise_code(c, digits=4))
    known = codes.map(lambda c: c is not None and c in std and std.get(c).level == "class")
    return pd.DataFrame(
        {"text": rows[text_col][known].astype(str).to_numpy(), "code": codes[known].to_numpy()}
    )


def train(
    labelled: pd.DataFrame | None = None, framework: Framework | None = None, **params
) -> ScopeClassifier:
    """Fit a ScopeClassifier on the seed documents plus `labelled` rows (business_scope, industry_code).

    Labelled rows with a blank scope or a code that is not a 2017 小类 are skipped.
    """
    data = pd.concat([seed_documents(framework), _labelled_rows(labelled)], ignore_index=True)
    return ScopeClassifier(**params).fit(data["text"], data["code"])


def cache_dir() -> Path:
    """Where fitted models are cached: $CHANYE_CACHE, else ~/.cache/chanye."""
    root = os.environ.get("CHANYE_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "chanye"


def _cache_key(data: pd.DataFrame, params: dict) -> str:
    import sklearn

    import chanye

    digest = hashlib.sha256()
    for part in (chanye.__version__, sklearn.__version__, str(MODEL_FORMAT), repr(sorted(params.items()))):
        digest.update(part.encode() + b"\0")
    for text, code in zip(data["text"], data["code"], strict=True):
        digest.update(f"{code}\t{text}\n".encode())
    return digest.hexdigest()[:16]


_MEMORY: dict[str, ScopeClassifier] = {}


def default_model(
    framework: Framework | None = None, labelled: pd.DataFrame | None = None, **params
) -> ScopeClassifier:
    """The fitted model for the standard's seed documents (+ a framework's keywords, + labelled rows).

    Fitted once (half a minute to a minute on one core), then read from the disk cache (under a second) and kept in
    memory for the process. A cache file that cannot be read is refitted and rewritten.
    """
    import joblib

    data = pd.concat([seed_documents(framework), _labelled_rows(labelled)], ignore_index=True)
    key = _cache_key(data, params)
    if key in _MEMORY:
        return _MEMORY[key]
    path = cache_dir() / f"scope-classifier-{key}.joblib"
    model = None
    if path.is_file():
        try:
            model = joblib.load(path)
        except Exception:  # a truncated or stale file: refit below
            model = None
    if not isinstance(model, ScopeClassifier):
        model = ScopeClassifier(**params).fit(data["text"], data["code"])
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as tmp:
            joblib.dump(model, tmp.name, compress=3)
        os.replace(tmp.name, path)
    _MEMORY[key] = model
    return model
