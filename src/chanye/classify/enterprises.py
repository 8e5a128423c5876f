"""Classify the registry's enterprises into a pack's nodes (issue 11): the pack's rules on the declared code; for
firms without one, the scope reader (`classify.reader`, plus a model learned from the registry's labelled rows)
— accepted when its probability reaches the threshold, otherwise no node link and the firm goes to the review
queue; an analyst's label (`registry.review.manual_labels`) overrides both. Reads and writes through
`registry.classifications` and `registry.review`; the caller holds the transaction."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa

from chanye.classify.ahead import Ahead, with_ahead
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


SEPARATOR = "；"  # the rules search scope + SEPARATOR + name


def names_to_key(store: Store, words: set[str]) -> pa.Table:
    """pos and name of the staged firms whose name may hold one of `words` (`prefilter.may_hold_any`): only those
    names take part in the keys links are computed on; any other name holds no word a rule searches, so it
    links as the empty name does."""
    from chanye.classify.prefilter import may_hold_any

    names = classifications.touched_names(store)
    if any(SEPARATOR in w for w in words):  # a word could then span the scope's end and the name's start
        return names
    return names.filter(pa.array(may_hold_any(names["name"], words)))


def _key_frame(keys: pd.DataFrame, code: str | None) -> pd.DataFrame:
    """The distinct keys as firms for the rules: uscc = the key's number, its code, scope and name. The key
    columns go in as they are (no round trip of a million texts through Python objects)."""
    frame = pd.DataFrame({"uscc": pd.Series(np.arange(len(keys)).astype(str), dtype=object),
                          "business_scope": keys["scope"].array, "name": keys["name_key"].array})
    if code is not None:
        frame["industry_code"] = keys[code].to_numpy(dtype=object)
    return frame


def _text_column(values: pd.Series | pd.Index | np.ndarray) -> pa.Array:
    """Text as one Arrow type (large_string; missing as null), from str or object values."""
    return pa.array(values, type=pa.large_string(), from_pandas=True)


def _per_link(values: pa.Array | pa.ChunkedArray, at: pa.Array) -> pa.DictionaryArray:
    """Each link's key text, `values[at]`, dictionary-encoded: a key's scope is written once, not once per link (a
    firm has three chain links), for the linking processes' results cross a pipe (issue 14); DuckDB reads it as
    text."""
    if isinstance(values, pa.ChunkedArray):  # (of no chunk, its type would be lost)
        values = values.combine_chunks()
    missing = values.is_null().take(at).to_numpy(zero_copy_only=False)
    return pa.DictionaryArray.from_arrays(pa.array(at.to_numpy(), pa.int32(), mask=missing), values)


def keyed_table(keys: pd.DataFrame, links: pd.DataFrame, key_columns: dict[str, str], texts: tuple[str, ...],
                extra: dict[str, np.ndarray] | None = None) -> pa.Table:
    """Links computed on key numbers (links' uscc), as Arrow: each link's key columns (`key_columns`: name in
    `keys` -> name in the table), `extra`, its `texts` and its confidence; built column by column in Arrow."""
    at = pa.array(links["uscc"].astype(int).to_numpy() if len(links) else np.zeros(0), pa.int32())
    columns = {out: _per_link(_text_column(keys[c]), at) for c, out in key_columns.items()}
    columns |= {c: pa.array(v) for c, v in (extra or {}).items()}
    columns |= {c: _text_column(links[c]) for c in texts}
    columns["confidence"] = pa.array(links["confidence"].to_numpy(dtype="float64"))
    return pa.table(columns)


def _keyed(keys: pd.DataFrame, links: pd.DataFrame, on: tuple[str, ...]) -> pa.Table:
    """Links computed on key numbers (uscc), with each key's columns `on` (as k_<column>: a link has a code of its
    own) and the link's rank within its key."""
    return keyed_table(keys, links, {c: f"k_{c}" for c in on}, ("node", "method", "code", "evidence"),
                       {"link_no": np.arange(len(links), dtype=np.int64)})


def classify_enterprises(store: Store, usccs, framework: Framework, report: dict | None = None, *,
                         staged: bool = False) -> tuple[int, int]:
    """(Re)classify enterprises (all when `usccs` is None; else a Series, list or Arrow array of USCCs); returns
    (codes predicted from text and accepted, enterprises linked to at least one node). `report`, when given,
    receives queued (firms sent to review; queued_unread of them read no class), labelled_rows and
    learned_cv_accuracy (of the model learned from the registry's labelled rows, or None) and reader_check
    (`OwnCurve.check`: how the scope reader did on those rows, whose own curve then calibrates its probabilities;
    None when too few).

    At import scale (issue 14): the rules run once per distinct (code, scope, name key) and the scope reader once
    per distinct scope; joins in the store expand the links, predictions and queue to the firms (in table order,
    as if the firms were classified one by one). `staged`: the caller staged the firms
    (`registry.classifications` stage_touched and stage_firms, with the names that may hold a rule's word:
    `names_to_key`) and drops them."""
    from chanye.classify.codes import classify_by_text_codes, rule_words

    if not staged:
        classifications.stage_touched(store, usccs)
    try:
        if not staged:
            classifications.stage_firms(store, names_to_key(store, rule_words(framework)))
        return _classify_staged(store, usccs is None, framework, report, classify_by_text_codes)
    finally:
        if not staged:
            classifications.drop_staged(store)


def coded_links(keys: pd.DataFrame, framework: Framework) -> pa.Table:
    """Node links of distinct keys (code, scope, name_key) with a declared code: the rules once per key, as
    `_keyed` tables them."""
    from chanye.classify.codes import classify_by_rules

    return _keyed(keys, classify_by_rules(_key_frame(keys, "code"), framework), ("code", "scope", "name_key"))


def _link_coded(store: Store, framework: Framework, ahead: Ahead | None = None) -> pa.Table | None:
    """Node links of the staged firms with a declared code and no label: the rules once per distinct (code, scope,
    name key) (`ahead`: those of its keys, computed already), expanded to the firms in the store; the links per key
    (None: no key)."""
    keys = classifications.distinct_coded(store, without=None if ahead is None else ahead.keys)
    if ahead is None and not len(keys):
        return None
    links = coded_links(keys, framework) if ahead is None else with_ahead(ahead, keys, lambda k: coded_links(k, framework))
    classifications.insert_keyed_links(store, framework.id, links, ("code", "scope", "name_key"),
                                       "f.code IS NOT NULL AND NOT f.labelled")
    return links


def classify_coded(store: Store, framework: Framework, *, fresh: bool, ahead: Ahead | None = None) -> pa.Table | None:
    """Node links of the staged firms (`registry.classifications` stage_touched or stage_new_coded, then
    stage_firms), all with a declared code and no label (what an import links chunk by chunk): the rules on the
    code, as `classify_enterprises` links them; the links per key (k_code, k_scope, k_name_key, ...; None: no
    key). `fresh`: the store holds no link or queued firm of the pack from before this import, so none of these
    new firms has one to drop. `ahead`: the links of the chunk's keys, computed already (`Ahead`)."""
    if not fresh:
        classifications.delete_staged_links(store, framework.id, False)
        review.clear_queue_staged(store, framework.id)
    return _link_coded(store, framework, ahead)


def _review_table(readings: pd.DataFrame) -> pa.Table:
    """The queue's rows of the readings (scope, probability, suggestions as JSON text)."""
    return pa.table({
        "scope": pa.array(readings["scope"].tolist(), pa.string()),
        "probability": pa.array(readings["probability"].astype(float).to_numpy(), pa.float64()),
        "suggestions": pa.array([json.dumps(x, ensure_ascii=False) for x in readings["suggestions"]], pa.string()),
    })


def _classify_staged(store: Store, everything: bool, framework: Framework, report: dict | None,
                     by_text) -> tuple[int, int]:
    info = {"queued": 0, "queued_unread": 0, "labelled_rows": 0, "learned_cv_accuracy": None, "reader_check": None}
    pack = framework.id

    # Firms without a declared code or a label: the scope reader, once per distinct non-blank scope.
    scopes = [s for s in classifications.distinct_uncoded_scopes(store) if s.strip()]
    accepted = pd.DataFrame({"scope": pd.Series(dtype=object), "code": pd.Series(dtype=object),
                             "probability": pd.Series(dtype="float64")})
    reviewing = unread = _review_table(pd.DataFrame({"scope": [], "probability": [], "suggestions": []}))
    codes_of: list = []
    if scopes:
        from chanye.classify.learned import fit_labelled
        from chanye.classify.reader import ScopeReader

        learned = fit_labelled(review.labelled_rows(store))
        if learned is not None:
            info["labelled_rows"], info["learned_cv_accuracy"] = learned.rows, learned.cv_accuracy
            info["reader_check"] = learned.curve.check() if learned.curve is not None else None
        readings = ScopeReader(learned=learned).frame(scopes)
        readings["scope"] = scopes
        ok = readings[readings["decision"] == "accept"]
        accepted = ok[["scope", "code", "probability"]].reset_index(drop=True)
        codes_of = ok["codes"].tolist()
        # a scope that reads no class ("empty") needs an analyst most: queued too, and counted apart
        reviewing = _review_table(readings[readings["decision"] == "review"])
        unread = _review_table(readings[readings["decision"] == "empty"])
    accepted_table = pa.Table.from_pandas(accepted.astype({"scope": object, "code": object}), preserve_index=False)
    # Labels override: the labelled code stands in for the prediction (chains link on it too).
    classifications.save_staged_predictions(store, accepted_table)

    classifications.delete_staged_links(store, pack, everything)
    # 1. the rules on declared codes, once per distinct (code, scope, name key)
    _link_coded(store, framework)
    # 2. the rules on the codes the reader accepted, once per distinct (scope, name key)
    if len(accepted):
        keys = classifications.distinct_uncoded(store, pa.table({"scope": pa.array(accepted["scope"].tolist(),
                                                                                   pa.string())}))
        row_of = {s: i for i, s in enumerate(accepted["scope"])}
        rows = []
        for k, (scope, name) in enumerate(zip(keys["scope"], keys["name_key"], strict=True)):
            i = row_of[scope]
            rows.extend({"uscc": str(k), "code": c, "probability": accepted.at[i, "probability"],
                         "business_scope": scope, "name": name} for c in codes_of[i])
        if rows:
            links = by_text(pd.DataFrame(rows), framework)
            classifications.insert_keyed_links(store, pack, _keyed(keys, links, ("scope", "name_key")),
                                               ("scope", "name_key"), "f.code IS NULL AND NOT f.labelled")
    # 3. analysts' labels (few): firms without a code, then firms whose label replaces their code's links
    labels = review.read_labels(store)
    for no_code in (True, False):
        firms = classifications.labelled_firms(store, no_code)
        if len(firms):
            classifications.insert_links(store, pack, _manual_links(firms, labels, framework))

    if everything:
        review.clear_queue(store, pack)
    else:
        review.clear_queue_staged(store, pack)
    info["queued_unread"] = review.queue_staged(store, pack, unread)
    info["queued"] = review.queue_staged(store, pack, reviewing) + info["queued_unread"]
    if report is not None:
        report.update(info)
    predicted = classifications.count_accepted(store, accepted_table.select(["scope"])) if len(accepted) else 0
    return predicted, classifications.count_classified(store, pack)
