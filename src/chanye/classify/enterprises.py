"""Classify the registry's enterprises into a pack's nodes (issue 11): the pack's rules on the declared code; for
firms without one, the scope reader (`classify.reader`, plus a model learned from the registry's labelled rows)
— accepted when its probability reaches the threshold, otherwise no node link and the firm goes to the review
queue; an analyst's label (`registry.review.manual_labels`) overrides both. Reads and writes through
`registry.classifications` and `registry.review`; the caller holds the transaction."""

from __future__ import annotations

import numpy as np
import pandas as pd

from chanye.framework.model import Framework
from chanye.registry import classifications, review
from chanye.registry.store import Store


def _manual_links(labelled: pd.DataFrame, labels: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Links from analysts' labels: the rules on the labelled 小类, method 'manual', evidence who and when."""
    from chanye.classify.codes import classify_by_rules

    firms = labelled[["uscc", "name", "business_scope"]].merge(labels, on="uscc")
    links = classify_by_rules(firms.rename(columns={"code": "industry_code"}), framework)
    if not len(links):
        return links
    who = firms.set_index("uscc")
    links["method"] = "manual"
    links["evidence"] = [
        f"人工{'确认' if who.at[u, 'action'] == 'confirm' else '改正'}小类 {c}（{who.at[u, 'decided_by']}，"
        f"{pd.Timestamp(who.at[u, 'decided_at']):%Y-%m-%d %H:%M}）"
        for u, c in zip(links["uscc"], links["code"], strict=True)
    ]
    links["confidence"] = 1.0
    return links


def classify_enterprises(store: Store, usccs: pd.Series | None, framework: Framework,
                         report: dict | None = None) -> tuple[int, int]:
    """(Re)classify enterprises (all when `usccs` is None); returns (codes predicted from text and accepted,
    enterprises linked to at least one node). `report`, when given, receives queued (firms sent to review),
    labelled_rows and learned_cv_accuracy (of the model learned from the registry's labelled rows, or None)."""
    from chanye.classify.codes import classify_by_rules, classify_by_text_codes
    from chanye.classify.reader import ScopeReader

    firms = classifications.classification_inputs(store, usccs)
    labels = review.read_labels(store)
    labelled = firms["uscc"].isin(labels["uscc"]).to_numpy()
    no_code = firms["industry_code"].isna().to_numpy()
    has_scope = (firms["business_scope"].fillna("").astype(str).str.strip() != "").to_numpy()
    need = no_code & has_scope & ~labelled
    info = {"queued": 0, "labelled_rows": 0, "learned_cv_accuracy": None}

    firms["predicted_code"] = None
    firms["predicted_score"] = np.nan
    text_rows = pd.DataFrame(columns=["uscc", "code", "probability", "business_scope", "name"])
    queued = pd.DataFrame(columns=["uscc", "probability", "suggestions"])
    if need.any():
        from chanye.classify.learned import fit_labelled

        learned = fit_labelled(review.labelled_rows(store))
        if learned is not None:
            info["labelled_rows"], info["learned_cv_accuracy"] = learned.rows, learned.cv_accuracy
        todo = firms[need]
        readings = ScopeReader(learned=learned).frame(todo["business_scope"].tolist())
        readings.index = todo.index
        accepted = readings["decision"] == "accept"
        firms.loc[readings.index[accepted], "predicted_code"] = readings.loc[accepted, "code"]
        firms.loc[readings.index[accepted], "predicted_score"] = readings.loc[accepted, "probability"]
        rows = [{"uscc": todo.at[i, "uscc"], "code": c, "probability": readings.at[i, "probability"],
                 "business_scope": todo.at[i, "business_scope"], "name": todo.at[i, "name"]}
                for i in readings.index[accepted] for c in readings.at[i, "codes"]]
        if rows:
            text_rows = pd.DataFrame(rows)
        review_rows = readings[readings["decision"] == "review"]
        queued = pd.DataFrame({"uscc": todo.loc[review_rows.index, "uscc"].to_numpy(),
                               "probability": review_rows["probability"].to_numpy(),
                               "suggestions": review_rows["suggestions"].tolist()})
    # Labels override: the labelled code stands in for the prediction (chains link on it too).
    if labelled.any():
        code_of = labels.set_index("uscc")["code"]
        firms.loc[labelled, "predicted_code"] = firms.loc[labelled, "uscc"].map(code_of)
        firms.loc[labelled, "predicted_score"] = 1.0
    classifications.save_predictions(store, firms.loc[no_code])

    links = classify_by_rules(firms, framework)
    parts = [links]
    if len(text_rows):
        parts.append(classify_by_text_codes(text_rows, framework))
    if labelled.any():
        parts.append(_manual_links(firms[labelled & no_code], labels, framework))
        declared = firms[labelled & ~no_code]  # a label on a firm with a declared code replaces the code's links
        if len(declared):
            parts[0] = links[~links["uscc"].isin(declared["uscc"])]
            parts.append(_manual_links(declared, labels, framework))
    parts = [p for p in parts if len(p)]
    links = pd.concat(parts, ignore_index=True) if parts else links
    classifications.replace_classifications(store, framework.id, links, usccs)
    review.clear_queue(store, framework.id, usccs if usccs is not None else None)
    info["queued"] = review.queue(store, framework.id, queued)
    if report is not None:
        report.update(info)
    predicted = int(firms["predicted_code"].notna().sum() - labelled.sum()) if need.any() else 0
    return predicted, int(links["uscc"].nunique()) if len(links) else 0
