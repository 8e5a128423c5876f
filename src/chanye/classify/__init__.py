"""Enterprise -> framework node classification, explainable: GB/T 4754 code rules, keyword rules for partial
codes, the scope reader for firms whose code is missing or invalid (abstaining below `THRESHOLD`: those go
to the review queue), analysts' labels, and manual overrides.

    from chanye.classify import classify, default_model
    links = classify(enterprises, framework, model=default_model(framework))

See docs/classification.md for the method, the rules, accuracy and throughput.
"""

import importlib

# Each name's module, loaded when the name is first asked for: a module of the package (the import worker's
# `prefilter`) loads without the rules, and the text model without scikit-learn and jieba until it is used.
_MODULES = {
    **dict.fromkeys(("LINK_COLUMNS", "apply_manual", "classify", "classify_by_rules", "classify_by_text_codes",
                     "code_status", "normalise_codes", "predict_codes"), "codes"),
    **dict.fromkeys(("THRESHOLD", "ScopeReader", "parse_scope", "read_scope"), "reader"),
    **dict.fromkeys(("clean_scope", "clean_scopes", "split_scope", "split_scopes"), "scope"),
    **dict.fromkeys(("ScopeClassifier", "default_model", "seed_documents", "train"), "text"),
}


def __getattr__(name: str):
    if name in _MODULES:
        return getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)
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
