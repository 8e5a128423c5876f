"""Import a 重点项目清单 (issue 12): the bureaus' own sheets (XLSX or CSV: 序号, 项目名称, 投资主体, 总投资（亿元）,
建设内容, 所在区, 进度 ...) into the projects and their stage history.

The file is read by the enterprise import's reader (`registry.read.read_sheets`: title rows above the header,
merged group headers, CSV encodings) and its cell parsers (`registry.parse`: 亿元 and 万元 mixed, thousands
separators, full-width digits). Headers are recognised by `HEADERS` (the unit in a header such as 总投资（万元）
applies to its column; a unit in a cell wins). A row is quarantined, with every reason (file, row, field,
reason), when it has no name, a number that is not one, no district or one the city does not have, a node
or progress the pack does not know, or repeats an earlier row (same id, or same name and investor). A row
whose progress moves its project backwards is loaded without the stage (the history is never overwritten)
and noted; one that skips a required stage (投产 without 开工) is quarantined.

Idempotent: a project is found again by its id (项目编号) or by name + investor, so importing the same file
twice adds nothing (`unchanged`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from chanye.analytics import projects as ap
from chanye.errors import ChanyeError, InputError
from chanye.registry import projects as stored
from chanye.registry.parse import parse_amount, parse_date, split_header_unit
from chanye.registry.read import read_sheets
from chanye.services.access import LOCAL, Viewer, require_import
from chanye.services.projects import project_id

# field -> the headers that name it (compared without spaces, case or width)
HEADERS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "No.", "编号序号"),
    "id": ("项目编号", "项目代码", "项目ID", "项目id", "project id"),
    "name": ("项目名称", "项目", "名称", "project", "project name"),
    "investor_name": ("投资主体", "投资方", "投资企业", "建设单位", "项目单位", "业主单位", "投资主体名称", "investor"),
    "investor_uscc": ("统一社会信用代码", "投资主体信用代码", "信用代码", "uscc"),
    "investor_city": ("投资方所在地", "投资方来源地", "来源地"),
    "kind": ("项目类型", "项目类别", "类型", "kind"),
    "node": ("所属产业", "产业领域", "产业类别", "产业", "产业集群", "node"),
    "total_investment": ("总投资", "计划总投资", "投资总额", "总投资额", "total investment"),
    "fixed_investment": ("固定资产投资", "固投", "固定资产投资额"),
    "content": ("建设内容", "主要建设内容", "建设规模及内容", "建设内容及规模"),
    "district": ("所在区", "所属区", "区", "行政区", "建设地点", "项目地点", "所在区县", "district"),
    "park": ("载体", "园区", "所在园区", "产业园区", "载体名称"),
    "land_mu": ("用地面积", "用地", "占地面积", "供地面积"),
    "annual_output": ("达产产值", "预计年产值", "达产后年产值", "达产年产值"),
    "annual_tax": ("达产税收", "预计年税收", "达产后年税收"),
    "stage": ("进度", "项目进度", "当前阶段", "进展阶段", "状态", "stage"),
    "stage_date": ("进度日期", "更新日期", "阶段日期", "日期"),
    "note": ("进展情况", "备注", "进展说明", "最新进展", "note"),
    "reason": ("终止原因", "原因"),
    "responsible_unit": ("责任单位", "牵头单位", "责任部门"),
    "cluster": ("链长", "所属链长", "链长单位"),
}
MONEY = ("total_investment", "fixed_investment", "annual_output", "annual_tax")
# Words of a 进度 cell -> stage, tried in this order (终止 before the rest; 投产 before 开工: "开工投产").
STAGE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("terminated", ("终止", "退出", "取消", "中止")),
    ("full", ("达产",)),
    ("production", ("投产", "竣工", "试生产", "运营")),
    ("started", ("开工", "在建", "施工", "动工", "封顶", "建设中")),
    ("land", ("供地", "摘牌", "拿地", "土地出让", "用地")),
    ("registered", ("注册", "设立", "落户")),
    ("signed", ("签约", "前期", "协议")),
    ("talks", ("洽谈", "在谈", "对接", "谈判", "考察")),
    ("lead", ("线索", "储备", "谋划", "意向", "在库")),
)
KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("expand", ("增资", "扩产", "增资扩产")),
    ("upgrade", ("技改", "技术改造")),
    ("attract", ("招商", "引资", "新引进", "招商引资")),
    ("construction", ("重点建设", "建设", "产业建设")),
)
STAGE_NAMES = {"线索": "lead", "洽谈": "talks", "签约": "signed", "注册": "registered", "供地": "land",
               "开工": "started", "投产": "production", "达产": "full", "终止": "terminated"}


def _norm(text: object) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text)).split()).lower()


_ALIASES = {_norm(a): f for f, names in HEADERS.items() for a in names}


def recognise(header: str) -> tuple[str | None, str | None]:
    """A header -> (field, unit from the header): '总投资（万元）' -> ('total_investment', '万元')."""
    clean, unit = split_header_unit(str(header))
    return _ALIASES.get(_norm(clean)), unit


def _header_words() -> set[str]:
    """Every header the reader should count when it looks for the header row (with the usual unit suffixes)."""
    out = set()
    for names in HEADERS.values():
        for n in names:
            for suffix in ("", "（亿元）", "(亿元)", "（万元）", "(万元)", "（亩）", "(亩)"):
                out.add(n + suffix)
    return out


def stage_of(text: object) -> str | None:
    """The stage a 进度 cell names (None when it names none)."""
    if text is None:
        return None
    clean = str(text).strip()
    if clean in ap.ALL_STAGES:
        return clean
    if clean in STAGE_NAMES:
        return STAGE_NAMES[clean]
    for stage, words in STAGE_WORDS:
        if any(w in clean for w in words):
            return stage
    return None


def kind_of(text: object, default: str) -> str | None:
    if text is None or not str(text).strip():
        return default
    clean = str(text).strip()
    if clean in ap.KINDS:
        return clean
    for kind, words in KIND_WORDS:
        if any(w in clean for w in words):
            return kind
    return None


@dataclass
class ImportResult:
    """What an import did: counts, the batch, and each quarantined row's reasons (file, row, field, reason)."""

    file: str
    batch: int
    rows_total: int = 0
    loaded: int = 0
    quarantined: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    stages_added: int = 0
    behind: int = 0  # rows whose progress lies behind the recorded stage (kept as recorded)
    rejected: list[dict] = field(default_factory=list)  # {file, sheet, row, field, reason}

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("file", "batch", "rows_total", "loaded", "quarantined", "inserted",
                                               "updated", "unchanged", "stages_added", "behind", "rejected")}


def import_file(p, path: str | Path, *, viewer: Viewer = LOCAL, by: str | None = None,
                when: str | date | None = None, default_kind: str = "construction", sheet: str | None = None,
                source: str = "import", synthetic: bool = False, label: str | None = None) -> ImportResult:
    """Import a 项目清单 (module doc). `when`: the date of the progress read from the file when it has no
    进度日期 column (default today); `default_kind`: the kind of rows without 项目类型 (a 重点项目清单's
    重点建设 by default); `label`: the file name the import history records (default the path)."""
    require_import(viewer)
    path = Path(path)
    if default_kind not in ap.KINDS:
        raise InputError(f"未知项目类型 {default_kind!r} (unknown project kind)", hint="可用: " + ", ".join(ap.KINDS))
    day = pd.Timestamp(when or date.today()).normalize()
    who = by or viewer.user or "local"
    sheets = read_sheets(path, sheet=sheet, headers=_header_words())
    fw = p.framework
    pack = fw.id
    with p.writer() as store, store.transaction():
        batch = store.new_batch_id()
        result = ImportResult(path.name, batch)
        existing = stored.read_projects(store, pack)
        by_key = {(_norm(n), _norm(i or "")): pid for pid, n, i in
                  zip(existing["id"], existing["name"], existing["investor_name"], strict=True)}
        history = stored.read_stages(store, pack)
        projects, events, rejected = [], [], []
        for raw in sheets:
            rows, bad = _validate(raw, fw, day, default_kind, path.name)
            result.rows_total += len(raw.data)
            seen: dict[str, int] = {}
            for r in rows:
                key = (_norm(r["name"]), _norm(r.get("investor_name") or ""))
                pid = r.get("id") or by_key.get(key) or project_id(pack, r["name"], r.get("investor_name"))
                first = seen.get(pid) or seen.get("key:" + "|".join(key))
                if first is not None:
                    bad.append(_reject(path.name, raw.name, r["_row"], r["_raw"], "name",
                                       f"与第 {first} 行重复（同一项目编号或同名同投资主体）(duplicate of row {first})"))
                    continue
                seen[pid] = seen["key:" + "|".join(key)] = r["_row"]
                mine = history[history["project_id"] == pid]
                stage, stage_day = r["stage"], r["stage_date"] or day
                add = None
                if not len(mine):
                    add = stage
                else:
                    reached = ap.state_at(mine).iloc[0]
                    same = stage == reached["stage"] or (stage != ap.TERMINATED and reached["reached"] is not None
                                                         and ap.ORDER[stage] <= ap.ORDER[reached["reached"]])
                    if same:
                        result.behind += int(stage != reached["stage"])
                    else:
                        try:
                            ap.check_change(mine, stage, stage_day, reason=r.get("reason"), project=pid)
                        except ChanyeError as exc:
                            bad.append(_reject(path.name, raw.name, r["_row"], r["_raw"], "stage", exc.message))
                            continue
                        add = stage
                if add == ap.TERMINATED and not (r.get("reason") or "").strip():
                    bad.append(_reject(path.name, raw.name, r["_row"], r["_raw"], "reason",
                                       "终止项目须写明原因（终止原因或备注）(terminating a project needs a reason)"))
                    continue
                old = existing[existing["id"] == pid]
                projects.append(_merge(r, old, pid, pack, batch, source, synthetic))
                if add is not None:
                    events.append({"project_id": pid, "stage": add, "happened_on": stage_day, "recorded_by": who,
                                   "note": r.get("note"), "reason": r.get("reason") if add == ap.TERMINATED else None,
                                   "batch_id": batch})
            rejected += bad
            if bad:
                stored.quarantine_rows(store, batch, raw.name, [{"row_number": b["row"], "raw": b.pop("_raw"),
                                                                 "reasons": b.pop("_reasons")} for b in _group(bad)])
        frame = pd.DataFrame(projects)
        result.inserted, result.updated, result.unchanged = stored.save_projects(store, frame)
        result.stages_added = stored.add_stages(store, pd.DataFrame(events))
        result.loaded = len(projects)
        result.quarantined = len({(b["sheet"], b["row"]) for b in rejected})
        result.rejected = [{k: b[k] for k in ("file", "sheet", "row", "field", "reason")} for b in rejected]
        stored.record_batch(store, batch, label or str(path), rows_total=result.rows_total, loaded=result.loaded,
                            quarantined=result.quarantined, inserted=result.inserted, updated=result.updated,
                            unchanged=result.unchanged, synthetic=synthetic, report=result.to_dict())
    return result


def _reject(file: str, sheet: str, row: int, raw: dict, field_name: str, reason: str) -> dict:
    return {"file": file, "sheet": sheet, "row": int(row), "field": field_name, "reason": reason, "_raw": raw}


def _group(bad: list[dict]) -> list[dict]:
    """One quarantine row per file row, with all its reasons."""
    out: dict[int, dict] = {}
    for b in bad:
        entry = out.setdefault(b["row"], {"row": b["row"], "_raw": b["_raw"], "_reasons": []})
        entry["_reasons"].append({"field": b["field"], "reason": b["reason"]})
    return list(out.values())


def _merge(r: dict, old: pd.DataFrame, pid: str, pack: str, batch: int, source: str, synthetic: bool) -> dict:
    """The project's row: the file's values, and for what the file leaves empty the recorded ones."""
    before = old.iloc[0].to_dict() if len(old) else {}
    out = {"id": pid, "pack": pack, "batch_id": batch, "synthetic": synthetic}
    for f in stored.PROJECT_FIELDS:
        if f in out:
            continue
        value = r.get(f)
        if value is None or (isinstance(value, float) and pd.isna(value)):
            value = before.get(f)
        out[f] = value
    out["source"] = out.get("source") or source
    if before:
        out["batch_id"], out["synthetic"] = before.get("batch_id"), bool(before.get("synthetic"))
    return out


def _validate(raw, fw, day: pd.Timestamp, default_kind: str, file: str) -> tuple[list[dict], list[dict]]:
    """The sheet's rows as project fields (good) and rejections (one per reason)."""
    plan: dict[str, tuple[int, str | None]] = {}
    for j, header in enumerate(raw.headers):
        target, unit = recognise(header)
        if target is not None and target not in plan:
            plan[target] = (j, unit)
    if "name" not in plan:
        raise InputError(f"{file}{('（' + raw.name + '）') if raw.name else ''}: 找不到“项目名称”列 (no project name column)",
                         hint="表头应包含 项目名称、投资主体、总投资（亿元）、所在区、进度 等")
    n = len(raw.data)
    col = {f: raw.data[j] if j < raw.data.shape[1] else pd.Series([None] * n) for f, (j, _) in plan.items()}
    reasons: dict[str, list[str | None]] = {}
    values: dict[str, list] = {}
    for f in MONEY:
        if f in col:
            unit = plan[f][1] or "亿元"
            try:
                parsed = parse_amount(col[f], unit=unit, target="万元")
            except ValueError:
                raise InputError(f"{file}: 列 {raw.headers[plan[f][0]]!r} 的单位 {unit!r} 无法识别 (unknown unit)") from None
            vals = parsed.values.to_numpy(dtype=float)
            errs = parsed.error.tolist()
            errs = [e if e is not None else ("金额不能为负 (negative amount)" if v < 0 else None)
                    for e, v in zip(errs, vals, strict=True)]
            values[f], reasons[f] = list(vals), errs
    if "land_mu" in col:
        parsed = parse_amount(col["land_mu"], target="元")  # a plain number (亩): no money unit applies
        values["land_mu"], reasons["land_mu"] = list(parsed.values.to_numpy(dtype=float)), parsed.error.tolist()
    if "stage_date" in col:
        parsed = parse_date(col["stage_date"], today=date.today())
        values["stage_date"], reasons["stage_date"] = parsed.values.tolist(), parsed.error.tolist()
    city = fw.city
    good, bad = [], []
    for i in range(n):
        row_number = int(raw.row_numbers.iloc[i])
        cells = {raw.headers[j]: raw.data.iat[i, j] for j in range(min(len(raw.headers), raw.data.shape[1]))}
        problems: list[tuple[str, str]] = []
        text = {f: (None if col[f].iat[i] is None else str(col[f].iat[i]).strip() or None) for f in col}
        name = text.get("name")
        if not name:
            problems.append(("name", "缺少项目名称 (project name missing)"))
        rec: dict = {"_row": row_number, "_raw": cells, "name": name}
        for f in ("id", "investor_name", "investor_city", "content", "park", "note", "reason", "responsible_unit",
                  "cluster"):
            rec[f] = text.get(f)
        uscc = text.get("investor_uscc")
        rec["investor_uscc"] = uscc.upper() if uscc else None
        for f, errs in reasons.items():
            if errs[i] is not None:
                problems.append((f, str(errs[i])))
        for f in (*MONEY, "land_mu"):
            if f in values:
                v = values[f][i]
                rec[f] = None if pd.isna(v) else float(v)
        where = text.get("district")
        if not where:
            problems.append(("district", "缺少所在区 (district missing)"))
        else:
            found = city.resolve_district(where) or city.district_from_address(where)
            if found is None:
                problems.append(("district", f"{where[:40]!r} 不是{city.name}的区 (not a district of {city.label('en')})"))
            else:
                rec["district_code"] = found.code
        node = text.get("node")
        rec["nodes"] = None
        if node:
            try:
                rec["nodes"] = fw.resolve_node(node).id
            except ChanyeError:
                problems.append(("node", f"框架中没有产业 {node[:40]!r} (unknown node)"))
        kind = kind_of(text.get("kind"), default_kind)
        if kind is None:
            problems.append(("kind", f"无法识别的项目类型 {text.get('kind')[:40]!r} (unknown project kind)"))
        rec["kind"] = kind
        progress = text.get("stage")
        stage = stage_of(progress) if progress else "lead"
        if stage is None:
            problems.append(("stage", f"无法识别的进度 {progress[:40]!r} (unknown progress)"))
        rec["stage"] = stage
        rec["stage_date"] = None
        if "stage_date" in values and values["stage_date"][i] is not None and not pd.isna(values["stage_date"][i]):
            rec["stage_date"] = pd.Timestamp(values["stage_date"][i]).normalize()
        if stage == ap.TERMINATED and not rec.get("reason"):
            rec["reason"] = rec.get("note")
        if problems:
            bad += [_reject(file, raw.name, row_number, cells, f, why) for f, why in problems]
        else:
            good.append(rec)
    return good, bad
