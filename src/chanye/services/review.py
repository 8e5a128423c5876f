"""The classification review queue (issue 11): firms the classifier abstained on, an analyst's confirm/correct,
and re-classification. Typed results with machine keys; the words live in present/labels.py."""

from __future__ import annotations

from dataclasses import dataclass

from chanye.errors import InputError
from chanye.registry import review as stored
from chanye.services.access import LOCAL, Viewer, require_import
from chanye.services.results import REGISTRY, Column, Table, table
from chanye.standards import gbt4754

QUEUE_COLUMNS = (
    Column("uscc", "text"),
    Column("name", "text", label="firm_name"),
    Column("business_scope", "text"),
    Column("probability", "number", unit="ratio"),
    Column("suggestions", "list"),
)


@dataclass(frozen=True)
class ReviewItem:
    """One queued firm with its top suggestions (code, name, probability, evidence)."""

    uscc: str
    name: str
    business_scope: str
    probability: float
    suggestions: tuple[dict, ...]


def queue(p, *, limit: int | None = None, offset: int = 0) -> Table:
    """The pack's review queue, lowest probability first; `limit`/`offset`: one page of it, read in the store,
    with `total` the whole queue's length (a registry without codes can queue tens of thousands)."""
    store = p.cursor()
    try:
        found = stored.read_queue(store, p.framework.id, limit=limit, offset=offset)
        total = len(found) if limit is None and not offset else stored.queue_count(store, p.framework.id)
    finally:
        store.close()
    rows = [{"uscc": r.uscc, "name": r.name or "", "business_scope": r.business_scope or "",
             "probability": round(float(r.probability), 4), "suggestions": list(r.suggestions)}
            for r in found.itertuples()]
    return table("review_queue", QUEUE_COLUMNS, rows, REGISTRY, pack=p.framework.id, count=len(rows), total=total)


def item(p, uscc: str) -> ReviewItem | None:
    store = p.cursor()
    try:
        found = stored.read_queue(store, p.framework.id, uscc)
    finally:
        store.close()
    if not len(found):
        return None
    r = found.iloc[0]
    return ReviewItem(r["uscc"], r["name"] or "", r["business_scope"] or "", float(r["probability"]),
                      tuple(r["suggestions"]))


def decide(p, uscc: str, code: str, *, action: str, viewer: Viewer = LOCAL, by: str | None = None,
           note: str = "") -> dict:
    """Store an analyst's label for `uscc` (confirm a suggestion, or correct to another 小类), then re-classify
    that firm and relink its chains. Returns the firm's new links' count and the label."""
    require_import(viewer)
    if action not in stored.LABEL_ACTIONS:
        raise InputError(f"复核动作只能是 confirm 或 correct，而不是 {action!r} (unknown review action)",
                         hint="confirm：确认建议；correct：改为另一小类")
    normal = gbt4754.normalise_code(code, digits=4) if code else None
    std = gbt4754.load()
    if normal is None or normal not in std or std.get(normal).level != "class":
        raise InputError(f"企业 {uscc}：{code!r} 不是 GB/T 4754-2017 小类代码 (not a 4-digit 2017 class)",
                         hint="例如 3841")
    who = by or viewer.user or "local"
    import pandas as pd

    from chanye.classify.chain_links import link_chains
    from chanye.classify.enterprises import classify_enterprises

    with p.writer() as store, store.transaction():
        if not stored.firm_exists(store, uscc):
            raise InputError(f"找不到企业 {uscc} (no such enterprise)", hint="检查统一社会信用代码")
        stored.save_label(store, uscc, normal, action, who, note)
        keys = pd.Series([uscc])
        classify_enterprises(store, keys, p.framework)
        link_chains(store, p.framework, [uscc])
        links = stored.link_count(store, uscc, p.framework.id)
    return {"uscc": uscc, "code": normal, "action": action, "decided_by": who, "links": links}


def reader_check(p) -> dict | None:
    """How the scope reader did on the registry's coded firms at the latest import that checked it: batch and
    `classify.learned.OwnCurve.check()` (None when no import did)."""
    store = p.cursor()
    try:
        found = stored.last_reader_check(store)
    finally:
        store.close()
    return None if found is None else {"batch": found[0], **found[1]}


def reader_curve(store):
    """The scope reader's curve fitted on the registry's coded firms, as its next import would fit it
    (`classify.learned.own_curve`; None when too few)."""
    from chanye.classify.learned import own_curve

    return own_curve(stored.labelled_rows(store))


def reclassify(p) -> dict:
    """Classify every firm again (labels applied, the learned model refitted) and relink chains."""
    from chanye.classify.chain_links import link_chains
    from chanye.classify.enterprises import classify_enterprises

    report: dict = {}
    with p.writer() as store, store.transaction():
        predicted, classified = classify_enterprises(store, None, p.framework, report)
        chain_links = link_chains(store, p.framework)
    return {"predicted": predicted, "classified": classified, "chain_links": chain_links, **report}


def labels(p) -> Table:
    """Every analyst label: uscc, code, action, decided_by, decided_at, note."""
    store = p.cursor()
    try:
        found = stored.read_labels(store)
    finally:
        store.close()
    cols = (Column("uscc", "text"), Column("code", "code"), Column("action", "text"), Column("decided_by", "text"),
            Column("decided_at", "text"), Column("note", "text"))
    rows = [{"uscc": r.uscc, "code": r.code, "action": r.action, "decided_by": r.decided_by,
             "decided_at": str(r.decided_at)[:19], "note": r.note or ""} for r in found.itertuples()]
    return table("manual_labels", cols, rows, REGISTRY)
