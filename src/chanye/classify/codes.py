"""Enterprise -> framework node links, by GB/T 4754 code and keyword rules, with evidence (pure: frames in/out).

A framework node owns 小类 either `whole` (every firm with the code belongs to it) or `partial` (only firms
whose cleaned business scope or name contains one of the rule's `keywords` and none of its `exclude`). One
firm may link to several nodes (a 3841 battery maker with 动力电池 in its scope belongs to 储能 by code and to
汽车 by keyword).

Every link is a row of `LINK_COLUMNS`:

=========== =================================================================================================
uscc        the firm's 统一社会信用代码
node        the framework node id
method      'code' (a whole code), 'keyword' (a partial code confirmed by keywords), 'text' (a code predicted
            from the business scope by the text model), 'manual' (an analyst's override)
evidence    Chinese text an analyst can check: "行业代码 3612 新能源车整车制造 整体归属",
            "行业代码 3841 锂离子电池制造 部分归属；经营范围含“动力电池”", "经营范围预测小类 2720 化学药品制剂制造 (p=0.83)"
confidence  whole code 1.0; partial code min(0.95, 0.7 + 0.1 x distinct keywords found): 0.8 for one, 0.9 for
            two, 0.95 for three or more; text = model probability x that rule confidence; manual 1.0
code        the 小类 that carried the link (the predicted one for 'text'; None for a manual add of a firm
            without links)
=========== =================================================================================================

Speed: codes are joined to the expanded concordance with one pandas merge; only rows whose code has a
partial rule get their scope cleaned, and each rule tests its rows with one compiled alternation regex
(pandas' vectorised `str.contains`), so a million firms classify in seconds (benchmarks/classify_bench.py).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from chanye.classify.scope import clean_scopes
from chanye.errors import InputError
from chanye.framework.concordance import expand
from chanye.framework.memo import per_pack
from chanye.framework.model import CodeRule, Framework
from chanye.standards import gbt4754

if TYPE_CHECKING:
    from chanye.classify.text import ScopeClassifier

LINK_COLUMNS: tuple[str, ...] = ("uscc", "node", "method", "evidence", "confidence", "code")
METHODS: tuple[str, ...] = ("code", "keyword", "text", "manual")
MANUAL_ACTIONS: tuple[str, ...] = ("add", "remove")

WHOLE_CONFIDENCE = 1.0
KEYWORD_BASE = 0.7
KEYWORD_STEP = 0.1
KEYWORD_MAX = 0.95


def keyword_confidence(n_keywords: int | np.ndarray) -> float | np.ndarray:
    """Confidence of a partial-code link that found `n_keywords` distinct keywords (0.8, 0.9, 0.95, ...)."""
    raw = KEYWORD_BASE + KEYWORD_STEP * np.asarray(n_keywords, dtype=float)
    return np.round(np.minimum(KEYWORD_MAX, raw), 4)


def empty_links() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "uscc": pd.Series(dtype=object),
            "node": pd.Series(dtype=object),
            "method": pd.Series(dtype=object),
            "evidence": pd.Series(dtype=object),
            "confidence": pd.Series(dtype="float64"),
            "code": pd.Series(dtype=object),
        }
    )


# --- codes ------------------------------------------------------------------------------------------------


@functools.cache
def _small_classes() -> dict[str, str]:
    """小类 code -> name."""
    return {c.code: c.name for c in gbt4754.load().classes("class")}


def normalise_codes(codes: pd.Series) -> pd.Series:
    """Each value as a 4-digit 2017 小类 code, or None when blank, malformed or not a 小类 of the standard.

    Vectorised over the distinct values (a million rows hold at most a few thousand).
    """
    classes = _small_classes()
    values = pd.Series(codes, copy=False)
    uniques = pd.unique(values.dropna())
    mapping: dict[Any, str | None] = {}
    for raw in uniques:
        try:
            code = gbt4754.normalise_code(raw, digits=4)
        except (TypeError, ValueError):
            code = None
        mapping[raw] = code if code in classes else None
    out = values.map(mapping)
    return out.astype(object).where(out.notna(), None)


def code_status(codes: pd.Series) -> pd.Series:
    """'ok', 'missing' (blank) or 'invalid' (not a 2017 小类) per value, e.g. to pick rows for the text model."""
    normal = normalise_codes(codes)
    blank = pd.Series(codes, copy=False).isna() | (pd.Series(codes, copy=False).astype(str).str.strip() == "")
    return pd.Series(
        np.where(normal.notna(), "ok", np.where(blank, "missing", "invalid")), index=normal.index
    )


# --- the expanded concordance -----------------------------------------------------------------------------


@per_pack
def concordance_frame(framework: Framework) -> tuple[pd.DataFrame, dict[int, CodeRule]]:
    """The expanded concordance: one row per (node, 小类) claim (node, code, scope, rule, node_order) and
    the CodeRule behind each rule id. Worked out once per pack (it cost 0.05-0.07 s, about a fifth of linking
    40,000 keys, and an import links chunk by chunk, issue 14): callers read it, never change it."""
    order = {n.id: i for i, n in enumerate(framework.industry_nodes())}
    rule_ids: dict[tuple[str, int], int] = {}
    rules: dict[int, CodeRule] = {}
    rows = []
    for own in expand(framework):
        rid = rule_ids.setdefault((own.node, id(own.rule)), len(rule_ids))
        rules[rid] = own.rule
        rows.append((own.node, own.code, own.scope, rid, order[own.node]))
    return pd.DataFrame(rows, columns=["node", "code", "scope", "rule", "node_order"]), rules


_ALNUM = re.compile(r"[A-Za-z0-9]")

# A keyword that is part of a longer word naming something else (issue 11): "量子" must not find 量子点 (quantum
# dot displays). Occurrences inside a false friend are masked before the keyword is searched, unless the rule
# lists the false friend itself as a keyword.
FALSE_FRIENDS: dict[str, tuple[str, ...]] = {"量子": ("量子点",), "氢": ("镍氢", "氢氧化"), "雷达": ("雷达表",)}


def _pattern(word: str) -> str:
    """A keyword as RE2: a Latin or digit edge matches only at a word boundary ("AI" never inside "RAID" or
    "EMAIL"), written without look-arounds so pyarrow's RE2 runs it."""
    body = re.escape(word)
    if _ALNUM.match(word[0]):
        body = "(?:^|[^A-Za-z0-9])" + body
    if _ALNUM.match(word[-1]):
        body = body + "(?:[^A-Za-z0-9]|$)"
    return body


def _alternation(words: Iterable[str]) -> str | None:
    """One regular expression matching any of `words` (longest first), or None for no words."""
    words = sorted({w for w in words if w}, key=len, reverse=True)
    return "|".join(_pattern(w) for w in words) if words else None


def _masks(words: Iterable[str]) -> list[str]:
    """The false friends to mask before searching `words` (those the words do not include themselves)."""
    words = set(words)
    return sorted({f for w in words for f in FALSE_FRIENDS.get(w, ()) if f not in words}, key=len, reverse=True)


def contains_word(text: str, word: str, masks: Iterable[str] = ()) -> bool:
    """`word` in `text` as the rule engine finds it: whole Latin words, false friends masked."""
    for mask in masks:
        text = text.replace(mask, "□" * len(mask))
    return _compiled(word).search(text) is not None


@functools.cache
def _compiled(word: str) -> re.Pattern:
    """A keyword's pattern (`_pattern`), compiled once (the packs' words: a few thousand): the evidence of every
    matched firm tests each word."""
    return re.compile(_pattern(word))


def _quote(words: list[str]) -> str:
    return "".join(f"“{w}”" for w in words)


@dataclass
class _Input:
    """The columns the rule engine reads, by row position."""

    uscc: np.ndarray
    codes: np.ndarray  # normalised 小类 or None
    scope: pd.Series | None
    name: pd.Series | None


def _read_input(enterprises: pd.DataFrame, code_column: str) -> _Input:
    missing = [c for c in ("uscc", code_column) if c not in enterprises.columns]
    if missing:
        raise InputError(
            f"企业表缺少列 {', '.join(missing)} (missing columns)", hint="需要 uscc 与 industry_code 列"
        )
    frame = enterprises.reset_index(drop=True)
    return _Input(
        uscc=frame["uscc"].to_numpy(dtype=object),
        codes=normalise_codes(frame[code_column]).to_numpy(dtype=object),
        scope=frame["business_scope"] if "business_scope" in frame.columns else None,
        name=frame["name"] if "name" in frame.columns else None,
    )


def _texts(series: pd.Series | None, rows: np.ndarray, clean: bool) -> pd.Series:
    if series is None:
        return pd.Series([""] * len(rows), dtype="str")
    picked = series.iloc[rows].reset_index(drop=True)
    if clean:
        return clean_scopes(picked, arrow=True)
    return picked.astype("str").fillna("") if len(picked) else picked.astype("str")


def _links_for(data: _Input, framework: Framework) -> pd.DataFrame:
    """The rule engine: row, node, node_order, code, scope ('whole'/'partial'), rule_confidence and, for
    partial rules, the evidence tail ("经营范围含“…”", "企业名称含“…”")."""
    conc, rules = concordance_frame(framework)
    out_cols = ["row", "node", "node_order", "code", "scope", "rule_confidence", "keywords"]
    if conc.empty or len(data.codes) == 0:
        return pd.DataFrame(columns=out_cols)
    # Join on small integers: each firm's code as its position among the concordance's codes (-1: none).
    claimed = pd.Index(pd.unique(conc["code"]))
    code_id = claimed.get_indexer(data.codes)
    rows = np.flatnonzero(code_id >= 0)
    if len(rows) == 0:
        return pd.DataFrame(columns=out_cols)
    left = pd.DataFrame({"row": rows, "code_id": code_id[rows]})
    right = conc.assign(code_id=claimed.get_indexer(conc["code"]))
    joined = left.merge(right[["code_id", "node", "scope", "rule", "node_order"]], on="code_id", sort=False)
    joined["code"] = claimed.to_numpy(dtype=object)[joined["code_id"].to_numpy()]
    is_whole = (joined["scope"] == "whole").to_numpy()
    whole = joined[is_whole].assign(rule_confidence=WHOLE_CONFIDENCE, keywords="")
    parts = [whole]

    partial = joined[~is_whole].sort_values(["rule", "row"], kind="stable")
    if not partial.empty:
        # Clean each candidate firm's scope once, then test every rule on a zero-copy slice of one array.
        firms = np.unique(partial["row"].to_numpy())
        scopes = _texts(data.scope, firms, clean=True)
        names = _texts(data.name, firms, clean=False)
        both = pa.array(scopes + "；" + names)
        pair_rows = partial["row"].to_numpy()
        pair_text = pc.take(both, pa.array(np.searchsorted(firms, pair_rows)))
        pair_rule = partial["rule"].to_numpy()
        bounds = np.flatnonzero(np.diff(pair_rule)) + 1
        starts = np.concatenate([[0], bounds])
        ends = np.concatenate([bounds, [len(pair_rule)]])
        hit = np.zeros(len(pair_rule), dtype=bool)
        for start, end in zip(starts, ends, strict=True):
            rule = rules[int(pair_rule[start])]
            chunk = pair_text.slice(start, end - start)
            for mask in _masks(rule.keywords):
                chunk = pc.replace_substring(chunk, mask, "□" * len(mask))
            found = pc.match_substring_regex(chunk, _alternation(rule.keywords)).to_numpy(
                zero_copy_only=False
            )
            excluded = _alternation(rule.exclude)
            if excluded is not None:
                found &= ~pc.match_substring_regex(chunk, excluded).to_numpy(zero_copy_only=False)
            hit[start:end] = found
        matched = partial[hit].copy()
        if len(matched):
            where = np.searchsorted(firms, matched["row"].to_numpy())
            scope_list = scopes.to_numpy(dtype=object)[where]
            name_list = names.to_numpy(dtype=object)[where]
            evidence, counts = [], []
            for rid, s, n in zip(matched["rule"].to_numpy(), scope_list, name_list, strict=True):
                # a blank keyword never matches (see _alternation), so it is neither evidence nor counted
                words = list(dict.fromkeys(w for w in rules[int(rid)].keywords if w))
                masks = _masks(words)
                in_scope = [w for w in words if contains_word(s, w, masks)]
                in_name = [w for w in words if contains_word(n, w, masks) and w not in in_scope]
                text = []
                if in_scope:
                    text.append(f"经营范围含{_quote(in_scope)}")
                if in_name:
                    text.append(f"企业名称含{_quote(in_name)}")
                evidence.append("；".join(text))
                counts.append(len(in_scope) + len(in_name))
            matched["rule_confidence"] = keyword_confidence(np.array(counts))
            matched["keywords"] = evidence
            parts.append(matched)
    links = pd.concat(parts, ignore_index=True)
    # A node may claim a 小类 twice (a whole 大类 and a partial 小类): keep its strongest link per firm.
    links = links.sort_values(
        ["row", "node_order", "rule_confidence"], ascending=[True, True, False], kind="stable"
    )
    links = links.drop_duplicates(["row", "node"], keep="first")
    return links[out_cols].reset_index(drop=True)


def _finish(
    data: _Input, links: pd.DataFrame, methods: tuple[str, str], evidence: np.ndarray, confidence: np.ndarray
) -> pd.DataFrame:
    if links.empty:
        return empty_links()
    return pd.DataFrame(
        {
            "uscc": data.uscc[links["row"].to_numpy()],
            "node": links["node"].to_numpy(dtype=object),
            "method": np.where(links["scope"].to_numpy() == "whole", *methods).astype(object),
            "evidence": evidence,
            "confidence": np.asarray(confidence, dtype="float64"),
            "code": links["code"].to_numpy(dtype=object),
        }
    )


def classify_by_rules(enterprises: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Links from each firm's recorded code: whole codes ('code') and partial codes confirmed by keywords.

    `enterprises` has uscc, industry_code (2017 小类; blank or invalid codes give no links), and optionally
    business_scope and name (searched by partial rules). Rows come out in input order, then node order.
    """
    data = _read_input(enterprises, "industry_code")
    links = _links_for(data, framework)
    if links.empty:
        return empty_links()
    names = _small_classes()
    codes = links["code"].to_numpy(dtype=object)
    whole = {c: f"行业代码 {c} {names[c]} 整体归属" for c in pd.unique(codes)}
    evidence = np.array(
        [
            whole[c] if k == "" else f"行业代码 {c} {names[c]} 部分归属；{k}"
            for c, k in zip(codes, links["keywords"].to_numpy(dtype=object), strict=True)
        ],
        dtype=object,
    )
    return _finish(data, links, ("code", "keyword"), evidence, links["rule_confidence"].to_numpy())


def classify_by_text_codes(predictions: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Links from codes the text model predicted (method 'text').

    `predictions` has uscc, code (the predicted 小类), probability, and the business_scope (and name) the
    prediction came from, which partial rules search as usual. Confidence = probability x rule confidence;
    evidence "经营范围预测小类 2720 化学药品制剂制造 (p=0.83)", plus "；部分归属；经营范围含“…”" for partial codes.
    """
    if "probability" not in predictions.columns:
        raise InputError("预测表缺少 probability 列 (missing column probability)")
    data = _read_input(predictions, "code")
    links = _links_for(data, framework)
    if links.empty:
        return empty_links()
    names = _small_classes()
    prob = predictions["probability"].to_numpy(dtype="float64")[links["row"].to_numpy()]
    evidence = np.array(
        [
            f"经营范围预测小类 {c} {names[c]} (p={p:.2f})" + (f"；部分归属；{k}" if k else "")
            for c, p, k in zip(links["code"], prob, links["keywords"], strict=True)
        ],
        dtype=object,
    )
    return _finish(
        data, links, ("text", "text"), evidence, np.round(prob * links["rule_confidence"].to_numpy(), 4)
    )


def predict_codes(
    enterprises: pd.DataFrame, model: ScopeClassifier, *, k: int = 1, min_probability: float = 0.0
) -> pd.DataFrame:
    """Predicted 小类 for firms whose code is blank or invalid and whose scope is not.

    Returns uscc, code, probability, rank (1 = best), business_scope, name: up to k rows per firm, those
    below `min_probability` dropped.
    """
    cols = ["uscc", "code", "probability", "rank", "business_scope", "name"]
    if len(enterprises) == 0 or "business_scope" not in enterprises.columns:
        return pd.DataFrame(columns=cols)
    frame = enterprises.reset_index(drop=True)
    if "industry_code" in frame.columns:
        no_code = normalise_codes(frame["industry_code"]).isna().to_numpy()
    else:
        no_code = np.ones(len(frame), dtype=bool)
    has_scope = (frame["business_scope"].astype("str").fillna("").str.strip() != "").to_numpy()
    todo = frame[no_code & has_scope]
    if todo.empty:
        return pd.DataFrame(columns=cols)
    codes, probs = model.top_k(todo["business_scope"], k=k)
    k_got = codes.shape[1]
    names = todo["name"].to_numpy(dtype=object) if "name" in todo.columns else np.full(len(todo), None)
    out = pd.DataFrame(
        {
            "uscc": np.repeat(todo["uscc"].to_numpy(dtype=object), k_got),
            "code": codes.ravel().astype(object),
            "probability": probs.ravel(),
            "rank": np.tile(np.arange(1, k_got + 1), len(todo)),
            "business_scope": np.repeat(todo["business_scope"].to_numpy(dtype=object), k_got),
            "name": np.repeat(names, k_got),
        }
    )
    return out[out["probability"] >= min_probability].reset_index(drop=True)


# --- manual overrides -------------------------------------------------------------------------------------


def apply_manual(
    links: pd.DataFrame, manual: pd.DataFrame, framework: Framework | None = None
) -> pd.DataFrame:
    """Apply analysts' overrides: rows of uscc, node, action ('add' | 'remove'), note.

    'remove' drops every link of that firm to that node, whatever its method; 'add' replaces them with one
    'manual' link (confidence 1, evidence "人工指定：<note>", code = the firm's code from its other links).
    For the same (uscc, node) the last row wins. With `framework`, unknown node ids raise UnknownNode.
    """
    if manual is None or len(manual) == 0:
        return links
    missing = [c for c in ("uscc", "node", "action") if c not in manual.columns]
    if missing:
        raise InputError(
            f"人工调整表缺少列 {', '.join(missing)} (missing columns)", hint="需要 uscc, node, action, note"
        )
    actions = manual["action"].astype(str).str.strip().str.lower()
    bad = sorted(set(actions) - set(MANUAL_ACTIONS))
    if bad:
        raise InputError(f"人工调整动作只能是 add 或 remove，而不是 {', '.join(bad)} (unknown action)")
    if framework is not None:
        for node in pd.unique(manual["node"]):
            framework.node(str(node))
    notes = manual["note"] if "note" in manual.columns else pd.Series([""] * len(manual))
    last = pd.DataFrame(
        {
            "uscc": manual["uscc"].to_numpy(),
            "node": manual["node"].astype(str).to_numpy(),
            "action": actions.to_numpy(),
            "note": notes.fillna("").astype(str).to_numpy(),
        }
    ).drop_duplicates(["uscc", "node"], keep="last")
    key = (
        pd.MultiIndex.from_frame(links[["uscc", "node"]])
        if len(links)
        else pd.MultiIndex.from_arrays([[], []])
    )
    touched = pd.MultiIndex.from_frame(last[["uscc", "node"]])
    kept = links[~key.isin(touched)] if len(links) else links
    adds = last[last["action"] == "add"]
    if adds.empty:
        return kept.reset_index(drop=True)
    code_of = (
        links.dropna(subset=["code"]).drop_duplicates("uscc").set_index("uscc")["code"] if len(links) else {}
    )
    added = pd.DataFrame(
        {
            "uscc": adds["uscc"].to_numpy(),
            "node": adds["node"].to_numpy(),
            "method": "manual",
            "evidence": ["人工指定" + (f"：{n}" if n.strip() else "") for n in adds["note"]],
            "confidence": 1.0,
            "code": [code_of.get(u) if len(code_of) else None for u in adds["uscc"]],
        }
    )
    frames = [f for f in (kept, added) if len(f)]
    return pd.concat(frames, ignore_index=True)[list(LINK_COLUMNS)]


# --- all together -----------------------------------------------------------------------------------------


def classify(
    enterprises: pd.DataFrame,
    framework: Framework,
    *,
    model: ScopeClassifier | None = None,
    manual: pd.DataFrame | None = None,
    k: int = 1,
    min_probability: float = 0.0,
) -> pd.DataFrame:
    """Every link for `enterprises`: rules on recorded codes; with `model`, rules on the codes it predicts for
    firms whose code is blank or invalid; then `manual` overrides."""
    parts = [classify_by_rules(enterprises, framework)]
    if model is not None:
        predicted = predict_codes(enterprises, model, k=k, min_probability=min_probability)
        parts.append(classify_by_text_codes(predicted, framework))
    links = (
        pd.concat([p for p in parts if len(p)], ignore_index=True)
        if any(len(p) for p in parts)
        else empty_links()
    )
    if manual is not None:
        links = apply_manual(links, manual, framework)
    return links


# --- at import scale (issue 14 item 1) ------------------------------------------------------------------------


def rule_words(framework: Framework) -> set[str]:
    """Every word the partial rules search in a scope or a name (keywords, exclusions, their false friends)."""
    _, rules = concordance_frame(framework)
    words = {w for rule in rules.values() for w in (*rule.keywords, *rule.exclude) if w}
    return words | {f for w in words for f in FALSE_FRIENDS.get(w, ())}
