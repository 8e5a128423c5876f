"""ScopeClassifier on a small standard-seeded model (a few divisions, fitted once per module)."""

from __future__ import annotations

import inspect
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from chanye.classify import text
from chanye.classify.text import ScopeClassifier, default_model, seed_documents, train

DIVISIONS = ("27", "36", "38", "39", "65")  # pharma, cars, electrical, electronics, software


def small_seeds(framework=None) -> pd.DataFrame:
    seeds = seed_documents(framework)
    return seeds[seeds["code"].str[:2].isin(DIVISIONS)].reset_index(drop=True)


@pytest.fixture(scope="module")
def seeds() -> pd.DataFrame:
    return small_seeds()


@pytest.fixture(scope="module")
def model(seeds) -> ScopeClassifier:
    return ScopeClassifier().fit(seeds["text"], seeds["code"])


def test_clear_scopes_get_their_class(model) -> None:
    scopes = [
        "化学药品制剂的生产与销售",
        "一般项目：新能源汽车整车制造；货物进出口（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）",
        "应用软件开发与销售；技术服务",
        "集成电路制造；电子元器件销售",
    ]
    assert model.predict(scopes).tolist() == ["2720", "3612", "6513", "3973"]


def test_top_k_shapes_order_and_probabilities(model) -> None:
    codes, probs = model.top_k(["化学药品制剂的生产与销售", "锂离子电池制造", ""], k=3)
    assert codes.shape == probs.shape == (3, 3)
    assert codes[0, 0] == "2720"
    assert codes[1, 0] == "3841"
    assert np.all(np.diff(probs, axis=1) <= 0)
    assert np.all((probs > 0) & (probs <= 1))
    full = model.predict_proba(["化学药品制剂的生产与销售"])
    assert full.shape == (1, len(model.classes_))
    assert full.sum() == pytest.approx(1.0, abs=1e-5)
    assert probs[0, 0] == pytest.approx(full.max(), rel=1e-5)
    assert model.top_k(["锂离子电池制造"], k=1)[0].shape == (1, 1)


def test_follows_scikit_learn_conventions(model, seeds) -> None:
    params = inspect.signature(ScopeClassifier.__init__).parameters
    fresh = ScopeClassifier(C=0.5, jieba=False)
    assert set(vars(fresh)) == set(params) - {"self"}  # __init__ only stores its parameters
    assert fresh.get_params()["C"] == 0.5
    assert clone(fresh).get_params() == fresh.get_params()
    assert fresh.set_params(min_df=2).min_df == 2
    with pytest.raises(NotFittedError, match="ScopeClassifier instance is not fitted yet"):
        fresh.predict(["锂离子电池制造"])
    learned = {k for k in vars(model) if k not in params}
    assert learned and all(k.endswith("_") for k in learned)
    assert {"classes_", "vectorizer_", "model_"} <= learned
    assert set(model.classes_) == set(seeds["code"])
    assert fresh.fit(seeds["text"], seeds["code"]) is fresh
    assert fresh.score(["锂离子电池制造", "化学药品制剂制造"], ["3841", "2720"]) == 1.0
    with pytest.raises(ValueError, match="2 labels"):
        ScopeClassifier().fit(["a", "b", "c"], ["2720", "3841"])


def test_pickles(model) -> None:
    again = pickle.loads(pickle.dumps(model))
    texts = ["化学药品制剂的生产与销售", "应用软件开发"]
    assert again.predict(texts).tolist() == model.predict(texts).tolist()
    assert model.model_.coef_.nnz < 0.02 * np.prod(model.model_.coef_.shape)  # pruned and sparse


def test_labelled_rows_teach_new_phrasing(monkeypatch) -> None:
    monkeypatch.setattr(text, "seed_documents", small_seeds)
    phrase = "晶圆封测代工"
    labelled = pd.DataFrame(
        {
            "business_scope": [f"{phrase}；货物进出口", f"{phrase}服务", "", None],
            "industry_code": ["3973"] * 2 + ["3973", "9999"],
        }
    )
    assert train(labelled).predict([phrase]).tolist() == ["3973"]


def test_default_model_is_cached_on_disk(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(text, "seed_documents", small_seeds)
    monkeypatch.setenv("CHANYE_CACHE", str(tmp_path))
    monkeypatch.setattr(text, "_MEMORY", {})
    first = default_model(jieba=False)
    files = list(tmp_path.glob("scope-classifier-*.joblib"))
    assert len(files) == 1
    monkeypatch.setattr(text, "_MEMORY", {})
    monkeypatch.setattr(
        ScopeClassifier, "fit", lambda *a, **k: pytest.fail("refitted instead of reading the cache")
    )
    second = default_model(jieba=False)
    assert second is not first
    assert second.predict(["化学药品制剂的生产与销售"]).tolist() == ["2720"]
    assert default_model(jieba=False) is second  # kept in memory too
