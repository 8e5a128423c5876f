"""Classify the registry's enterprises into a pack's nodes: codes predicted from the business scope where none
was declared (the text model), then the pack's rules on the declared or predicted codes. Reads and writes
through `registry.classifications`; the caller holds the transaction."""

from __future__ import annotations

import pandas as pd

from chanye.framework.model import Framework
from chanye.registry import classifications
from chanye.registry.store import Store


def classify_enterprises(store: Store, usccs: pd.Series | None, framework: Framework) -> tuple[int, int]:
    """(Re)classify enterprises (all when `usccs` is None); returns (codes predicted from text, enterprises
    linked to at least one node)."""
    from chanye.classify.codes import classify_by_rules, classify_by_text_codes

    firms = classifications.classification_inputs(store, usccs)
    need = firms["industry_code"].isna() & firms["business_scope"].notna() & firms["predicted_code"].isna()
    predicted = 0
    if need.any():
        from chanye.classify.text import default_model

        codes, scores = default_model().top_k(firms.loc[need, "business_scope"].tolist(), k=1)
        firms.loc[need, "predicted_code"] = codes[:, 0]
        firms.loc[need, "predicted_score"] = scores[:, 0]
        predicted = int(need.sum())
        classifications.save_predictions(store, firms.loc[need])
    links = classify_by_rules(firms, framework)
    with_prediction = firms[firms["industry_code"].isna() & firms["predicted_code"].notna()]
    if len(with_prediction):
        predictions = with_prediction.rename(columns={"predicted_code": "code", "predicted_score": "probability"})
        text_links = classify_by_text_codes(predictions[["uscc", "code", "probability", "business_scope", "name"]],
                                            framework)
        links = pd.concat([links, text_links], ignore_index=True)
    classifications.replace_classifications(store, framework.id, links, usccs)
    return predicted, int(links["uscc"].nunique()) if len(links) else 0
