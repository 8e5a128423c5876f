"""The classification review queue (issue 11): firms the classifier abstained on, an analyst's confirm/correct,
and re-classification. Typed results with machine keys; the words live in present/labels.py."""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

from chanye.errors import InputError
from chanye.registry import review as stored
from chanye.registry.read import read_sheets
from chanye.registry.uscc import normalise as normalise_uscc
from chanye.services.access import LOCAL, Viewer, require_import
from chanye.services.results import REGISTRY, Column, Table, plain, table
from chanye.standards import gbt4754

QUEUE_COLUMNS = (
    Column("uscc", "text"),
    Column("name", "text", label="firm_name"),
    Column("business_scope", "text"),
    Column("probability", "number", unit="ratio"),
    Column("suggestions", "list"),
    Column("revenue", "number", "wan_yuan", label="review_revenue"),  # the registry keeps money in 万元
    Column("revenue_year", "year", label="review_revenue_year"),
)


@dataclass(frozen=True)
class ReviewItem:
    """One queued firm with its top suggestions (code, name, probability, evidence)."""

    uscc: str
    name: str
    business_scope: str
    probability: float
    suggestions: tuple[dict, ...]


def queue(p, *, limit: int | None = None, offset: int = 0, order: str = "probability") -> Table:
    """The pack's review queue, lowest probability first, or (`order` 'revenue') the firms with the largest latest
    营业收入 first: those weigh most in a cluster's totals; `limit`/`offset`: one page of it, read in the store,
    with `total` the whole queue's length (a registry without codes can queue tens of thousands)."""
    if order not in stored.QUEUE_ORDERS:
        raise InputError(f"复核队列的排序只能是 {'、'.join(stored.QUEUE_ORDERS)}，而不是 {order[:20]!r} (unknown order)",
                         hint="probability：概率从低到高；revenue：营业收入从大到小")
    store = p.cursor()
    try:
        found = stored.read_queue(store, p.framework.id, limit=limit, offset=offset, order=order)
        total = len(found) if limit is None and not offset else stored.queue_count(store, p.framework.id)
    finally:
        store.close()
    rows = [{"uscc": r.uscc, "name": r.name or "", "business_scope": r.business_scope or "",
             "probability": round(float(r.probability), 4), "suggestions": list(r.suggestions),
             "revenue": plain(r.revenue), "revenue_year": plain(r.revenue_year)}
            for r in found.itertuples()]
    return table("review_queue", QUEUE_COLUMNS, rows, REGISTRY, pack=p.framework.id, count=len(rows), total=total,
                 order=order)


SHEET_COLUMNS = (
    *QUEUE_COLUMNS[:4], *QUEUE_COLUMNS[5:],
    Column("suggestion_1", "code"), Column("suggestion_1_name"), Column("suggestion_1_evidence"),
    Column("suggestion_2", "code"), Column("suggestion_2_name"), Column("suggestion_3", "code"),
    Column("suggestion_3_name"), Column("review_code", "code"), Column("review_note"),
)


def queue_sheet(p, order: str = "probability") -> Table:
    """The whole queue as a sheet to review in Excel: the suggestions in columns of their own, and two empty
    columns, 复核小类 and 备注, that `import_decisions` reads back."""
    rows = []
    for r in queue(p, order=order).rows:
        row = {k: r[k] for k in ("uscc", "name", "business_scope", "probability", "revenue", "revenue_year")}
        for n in (1, 2, 3):
            s = r["suggestions"][n - 1] if len(r["suggestions"]) >= n else {}
            row[f"suggestion_{n}"], row[f"suggestion_{n}_name"] = s.get("code"), s.get("name")
        row["suggestion_1_evidence"] = r["suggestions"][0]["evidence"] if r["suggestions"] else None
        rows.append(row | {"review_code": None, "review_note": None})
    return table("review_sheet", SHEET_COLUMNS, rows, REGISTRY, pack=p.framework.id, count=len(rows))


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
    normal = class_code(code)
    if normal is None:
        raise InputError(f"企业 {uscc}：{code!r} 不是 GB/T 4754-2017 小类代码 (not a 4-digit 2017 class)",
                         hint="例如 3841")
    who = by or viewer.user or "local"
    with p.writer() as store, store.transaction():
        if not stored.firm_exists(store, uscc):
            raise InputError(f"找不到企业 {uscc} (no such enterprise)", hint="检查统一社会信用代码")
        stored.save_label(store, uscc, normal, action, who, note)
        links = _relink(store, p, [uscc])
    return {"uscc": uscc, "code": normal, "action": action, "decided_by": who, "links": links}


def _relink(store, p, usccs: list[str]) -> int:
    """Re-classify the labelled firms and relink their chains (inside the caller's transaction); their node links'
    count."""
    import pandas as pd

    from chanye.classify.chain_links import link_chains
    from chanye.classify.enterprises import classify_enterprises

    classify_enterprises(store, pd.Series(usccs), p.framework)
    link_chains(store, p.framework, usccs)
    return stored.link_count(store, usccs, p.framework.id)


def class_code(code: object) -> str | None:
    """A GB/T 4754-2017 小类 in canonical form ('C3841', 3841.0, '３８４１' -> '3841'), or None for anything else."""
    normal = gbt4754.normalise_code(code, digits=4) if code not in (None, "") else None
    std = gbt4754.load()
    return normal if normal is not None and normal in std and std.get(normal).level == "class" else None


# A file of decisions (the queue's sheet filled in, or any list of firms and classes): field -> the headers that
# name it, compared without spaces, width, case or a "（填写）".
DECISION_HEADERS: dict[str, tuple[str, ...]] = {
    "uscc": ("统一社会信用代码", "信用代码", "uscc"),
    "code": ("复核小类", "改为", "改为小类", "正确小类", "确认小类", "review class", "review code"),
    "note": ("备注", "复核备注", "复核说明", "note"),
}


def _header_key(text: str) -> str:
    text = "".join(unicodedata.normalize("NFKC", text or "").split()).lower()
    return text.removesuffix("(填写)").removesuffix("(fillin)")


_DECISION_FIELD = {_header_key(h): f for f, headers in DECISION_HEADERS.items() for h in headers}


@dataclass
class DecisionImport:
    """What a file of decisions did: rows read, labels written (new, replaced, already so), rows left blank (not
    decided) and rows rejected, each with its file, sheet, row, field and reason (also in the batch's
    quarantine)."""

    file: str
    batch: int | None = None
    rows_total: int = 0
    loaded: int = 0
    skipped: int = 0
    quarantined: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    links: int = 0
    rejected: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _decision_rows(path: Path, sheet: str | None, result: DecisionImport) -> list[dict]:
    """The rows of the file that decide a class (counting the rows read and those left blank in `result`), each
    with its sheet, row number, raw cells, the headers of its fields, USCC and class (None when not one)."""
    rows: list[dict] = []
    found = False
    for raw in read_sheets(path, sheet=sheet, headers={h for hs in DECISION_HEADERS.values() for h in hs}):
        where = {key: i for i, h in enumerate(raw.headers) if (key := _DECISION_FIELD.get(_header_key(h)))}
        if "uscc" not in where or "code" not in where:
            continue  # a sheet of notes, or another table
        found = True
        headers = {f: raw.headers[i] for f, i in where.items()}
        for values, number in zip(raw.data.itertuples(index=False), raw.row_numbers, strict=True):
            result.rows_total += 1
            cell = {f: values[i].strip() if isinstance(values[i], str) else "" for f, i in where.items()}  # None, NaN
            if not cell["code"]:
                result.skipped += 1
                continue
            rows.append({"sheet": raw.name, "row": int(number),
                         "raw": {h: v if isinstance(v, str) else None for h, v in zip(raw.headers, values, strict=True)},
                         "headers": headers, "uscc": normalise_uscc(cell["uscc"]), "code": class_code(cell["code"]),
                         "given": cell["code"], "note": cell.get("note", "")})
    if not found:
        raise InputError(f"{path.name}: 没有找到“统一社会信用代码”和“复核小类”两列 (no uscc and review class columns)",
                         hint="用复核页下载的 XLSX 填写“复核小类（填写）”列，或自备两列：统一社会信用代码、复核小类")
    return rows


def _reasons(row: dict, known: set[str], first: dict[str, int]) -> list[dict]:
    """Why a decided row cannot stand (none: it can): {field, reason} each."""
    reasons, uscc = [], row["uscc"]
    if not uscc:
        reasons.append({"field": "uscc", "reason": "缺少统一社会信用代码 (no USCC)"})
    elif uscc not in known:
        reasons.append({"field": "uscc", "reason": f"登记库中没有企业 {uscc} (no such enterprise)"})
    elif uscc in first:
        reasons.append({"field": "uscc", "reason": f"与第 {first[uscc]} 行是同一企业 (decided on row {first[uscc]} already)"})
    if row["code"] is None:
        reasons.append({"field": "code", "reason": f"{row['given'][:20]!r} 不是 GB/T 4754-2017 小类代码 "
                                                   "(not a 4-digit 2017 class)"})
    return reasons


def import_decisions(p, path: str | Path, *, viewer: Viewer = LOCAL, by: str | None = None, sheet: str | None = None,
                     label: str | None = None) -> DecisionImport:
    """Read analysts' decisions from a file (统一社会信用代码 and 复核小类, optional 备注; the review queue's XLSX
    filled in) and store each as a label, as `decide` does for one firm: a class among the firm's queued
    suggestions is a confirmation, any other a correction. Rows without a class are left undecided; a row whose
    firm is not in the registry, whose class is not a 2017 小类 or whose firm an earlier row already decided is
    rejected with every reason; the rest are written, the firms re-classified and their chains relinked, in one
    transaction. `label`: the file name the import history records (default the path)."""
    import pandas as pd

    require_import(viewer)
    path = Path(path)
    who = by or viewer.user or "local"
    result = DecisionImport(path.name)
    rows = _decision_rows(path, sheet, result)
    with p.writer() as store, store.transaction():
        known = stored.known_firms(store, [r["uscc"] for r in rows if r["uscc"]])
        first: dict[str, int] = {}
        good, bad = [], []
        for r in rows:
            if reasons := _reasons(r, known, first):
                bad.append(r | {"reasons": reasons})
            else:
                first[r["uscc"]] = r["row"]
                good.append(r)
        before = stored.label_codes(store, [r["uscc"] for r in good])
        changed = [r for r in good if before.get(r["uscc"]) != r["code"]]
        keys = [r["uscc"] for r in changed]
        result.batch = store.new_batch_id()
        result.loaded, result.quarantined, result.unchanged = len(good), len(bad), len(good) - len(changed)
        result.updated = sum(k in before for k in keys)
        result.inserted = len(changed) - result.updated
        result.rejected = [{"file": path.name, "sheet": b["sheet"], "row": b["row"], **why,
                            "header": b["headers"][why["field"]]} for b in bad for why in b["reasons"]]
        if changed:
            suggested = stored.queued_codes(store, p.framework.id, keys)
            stored.save_labels(store, pd.DataFrame({
                "uscc": keys, "code": [r["code"] for r in changed],
                "action": ["confirm" if r["code"] in suggested.get(r["uscc"], ()) else "correct" for r in changed],
                "decided_by": who, "note": [r["note"] for r in changed]}))
            result.links = _relink(store, p, keys)
        counts = {k: getattr(result, k) for k in ("rows_total", "loaded", "quarantined", "inserted", "updated",
                                                  "unchanged")}
        stored.record_decisions(store, result.batch, label or str(path), counts,
                                [{k: b[k] for k in ("sheet", "row", "uscc", "raw", "reasons")} for b in bad],
                                result.to_dict())
    return result


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


def labels(p, *, latest: int | None = None) -> Table:
    """Every analyst label (uscc, code, action, decided_by, decided_at, note), or the `latest` ones, newest first,
    with `total` the count of all (a file of decisions can add thousands)."""
    store = p.cursor()
    try:
        found = stored.read_labels(store, latest=latest)
        total = len(found) if latest is None else stored.label_count(store)
    finally:
        store.close()
    cols = (Column("uscc", "text"), Column("code", "code"), Column("action", "text"), Column("decided_by", "text"),
            Column("decided_at", "text"), Column("note", "text"))
    rows = [{"uscc": r.uscc, "code": r.code, "action": r.action, "decided_by": r.decided_by,
             "decided_at": str(r.decided_at)[:19], "note": r.note or ""} for r in found.itertuples()]
    return table("manual_labels", cols, rows, REGISTRY, total=total)
