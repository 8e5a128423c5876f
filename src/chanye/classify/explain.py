"""Explain one business scope: the 小类 the scope reader finds (top 3, with evidence and probability), whether it
accepts one (p >= threshold) or would send the firm to review, and the nodes the rules then give
(`chanye classify --text ...`)."""

from __future__ import annotations

import pandas as pd

from chanye.classify.codes import classify_by_rules, classify_by_text_codes
from chanye.classify.reader import THRESHOLD, parse_scope, read_scope
from chanye.framework import load_pack
from chanye.standards import gbt4754


def explain_text(text: str, *, code: str | None = None, pack: str | None = None, k: int = 3, curve=None) -> dict:
    """With `code`, the rules run on that code (the text still decides partial codes); without, on the codes
    the reader accepts (method 'text'); when it abstains, no link and `decision` 'review'. `curve`: a registry's
    own curve (`classify.learned.OwnCurve`) instead of the shipped one, as that registry's import would read the
    scope (`curve_rows` then says on how many coded firms it was fitted)."""
    framework = load_pack(pack)
    reading = read_scope(text, k=k, curve=curve)
    classes = [{"code": s["code"], "name": s["name"], "score": float(s["probability"]), "evidence": s["evidence"]}
               | ({"similarity": s["similarity"]} if "similarity" in s else {}) for s in reading.suggestions]
    firm = {"uscc": "text", "name": "", "business_scope": text}
    if code:
        code = gbt4754.normalise_code(code, digits=4)
        gbt4754.load().get(code)  # UnknownCode names the bad code
        links = classify_by_rules(pd.DataFrame([{**firm, "industry_code": code}]), framework)
    elif reading.codes:
        links = classify_by_text_codes(
            pd.DataFrame([{**firm, "code": c, "probability": reading.probability} for c in reading.codes]), framework)
    else:
        links = pd.DataFrame(columns=["node", "method", "code", "evidence", "confidence"])
    return {
        "clean_scope": "；".join(i.text for i in parse_scope(text)),
        "items": [{"text": i.text, "section": i.section, "verb": i.verb, "weight": i.weight, "generic": i.generic}
                  for i in parse_scope(text)],
        "classes": classes,
        "accepted": list(reading.codes),
        "probability": reading.probability,
        "threshold": THRESHOLD,
        "curve_rows": curve.rows if curve is not None else None,
        "code": code,
        "decision": "accept" if reading.codes or code else ("empty" if reading.nearest or not classes else "review"),
        "links": [
            {"node": r.node, "node_name": {"zh": framework.node(r.node).name.zh, "en": framework.node(r.node).name.en},
             "method": r.method, "code": r.code,
             "evidence": r.evidence, "confidence": float(r.confidence)}
            for r in links.itertuples()
        ],
    }
