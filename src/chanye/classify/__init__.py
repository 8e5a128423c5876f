"""Enterprise -> framework node classification, explainable: GB/T 4754 code rules, keyword rules for partial
codes, the scope reader for firms whose code is missing or invalid (abstaining below `THRESHOLD`: those go
to the review queue), analysts' labels, and manual overrides.

    from chanye.classify import classify, default_model
    links = classify(enterprises, framework, model=default_model(framework))

See docs/classification.md for the method, the rules, accuracy and throughput.
"""

from chanye.classify.codes import (
    LINK_COLUMNS,
    apply_manual,
    classify,
    classify_by_rules,
    classify_by_text_codes,
    code_status,
    normalise_codes,
    predict_codes,
)
from chanye.classify.reader import THRESHOLD, ScopeReader, parse_scope, read_scope
from chanye.classify.scope import clean_scope, clean_scopes, split_scope, split_scopes

_TEXT = ("ScopeClassifier", "default_model", "seed_documents", "train")


def __getattr__(name: str):
    # The text model pulls in scikit-learn and jieba: import it only when asked for.
    if name in _TEXT:
        from chanye.classify import text

        return getattr(text, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "LINK_COLUMNS",
    "THRESHOLD",
    "ScopeClassifier",
    "ScopeReader",
    "apply_manual",
    "classify",
    "classify_by_rules",
    "classify_by_text_codes",
    "clean_scope",
    "clean_scopes",
    "code_status",
    "default_model",
    "normalise_codes",
    "parse_scope",
    "predict_codes",
    "read_scope",
    "seed_documents",
    "split_scope",
    "split_scopes",
    "train",
]
