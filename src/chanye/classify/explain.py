"""Explain one business scope: the 小类 the text model predicts and the nodes the rules then give, with the
evidence and confidence of each link (`chanye classify --text ...`)."""

from __future__ import annotations

import pandas as pd

from chanye.classify.codes import classify_by_rules, classify_by_text_codes
from chanye.classify.scope import clean_scope
from chanye.classify.text import default_model
from chanye.framework import load_pack
from chanye.standards import gbt4754


def explain_text(text: str, *, code: str | None = None, pack: str | None = None, k: int = 3) -> dict:
    """With `code`, the rules run on that code (the text still decides partial codes); without, on the
    model's best guess, marked method 'text' with its probability."""
    framework = load_pack(pack)
    std = gbt4754.load()
    codes, scores = default_model().top_k([text], k=k)
    classes = [{"code": c, "name": std.name(c), "score": float(s)} for c, s in zip(codes[0], scores[0], strict=True)]
    firm = {"uscc": "text", "name": "", "business_scope": text}
    if code:
        code = gbt4754.normalise_code(code, digits=4)
        std.get(code)  # UnknownCode names the bad code
        links = classify_by_rules(pd.DataFrame([{**firm, "industry_code": code}]), framework)
    else:
        best = classes[0]
        links = classify_by_text_codes(
            pd.DataFrame([{**firm, "code": best["code"], "probability": best["score"]}]), framework
        )
    return {
        "clean_scope": clean_scope(text),
        "classes": classes,
        "links": [
            {"node": r.node, "node_name": framework.node(r.node).name.zh, "method": r.method, "code": r.code,
             "evidence": r.evidence, "confidence": float(r.confidence)}
            for r in links.itertuples()
        ],
    }
