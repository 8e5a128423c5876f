"""Targets (发展目标) imported from a file, beside the pack's own targets.yaml.

A row says that a node (or the city) should reach a value of a scale metric by a year, e.g.
节点 biomed, 指标 工业总产值, 目标值 3000, 单位 亿元, 年份 2027, 来源 ... Each row is validated by the same
pydantic model as the pack's targets; the file lands whole or not at all, and every bad row is reported
with its row number and reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from chanye.errors import InputError
from chanye.framework.model import SCALE_METRICS, Framework, Target
from chanye.registry.store import Store

HEADERS = {  # file header -> Target field
    "编号": "id", "id": "id", "节点": "node", "node": "node", "指标": "metric", "metric": "metric",
    "目标值": "value", "value": "value", "单位": "unit", "unit": "unit", "年份": "year", "目标年份": "year",
    "year": "year", "状态": "status", "status": "status", "来源": "sources", "sources": "sources",
    "说明": "note", "note": "note",
}
METRIC_WORDS = {"工业总产值": "industrial_output", "产值": "industrial_output", "营业收入": "revenue",
                "增加值": "value_added"}
STATUS_WORDS = {"已确认": "confirmed", "确认": "confirmed", "暂定": "provisional"}


@dataclass
class TargetImport:
    file: str
    imported: list[Target] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(f"文件不存在: {path} (no such file)")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return pd.read_excel(path, dtype=str).fillna("")
    if path.suffix.lower() == ".csv":
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
            except UnicodeDecodeError:
                continue
        raise InputError(f"{path.name}: 无法识别文件编码 (unknown encoding)")
    raise InputError(f"{path.name}: 目标文件只支持 CSV 或 XLSX (targets must be CSV or XLSX)")


def city_words(framework: Framework) -> frozenset[str]:
    """What a 节点 cell may say for the whole city: 全市, city, or the pack's city by name (深圳市, 深圳,
    Shenzhen)."""
    city = framework.city
    return frozenset({"全市", "city", city.name, city.name.removesuffix("市"), city.label("en")})


def parse_targets(path: str | Path, framework: Framework) -> TargetImport:
    """Validate every row; a node must exist in the pack (or name the whole city: see `city_words`)."""
    path = Path(path)
    frame = _read(path).rename(columns=lambda c: HEADERS.get(str(c).strip(), str(c).strip()))
    missing = [f for f in ("node", "metric", "value", "unit", "year") if f not in frame.columns]
    if missing:
        raise InputError(f"{path.name}: 缺少列 {', '.join(missing)} (missing columns)",
                         hint="需要 节点、指标、目标值、单位、年份 列（可选 编号、状态、来源、说明）")
    result = TargetImport(str(path))
    nodes = {n.id for n in framework.nodes}
    whole_city = city_words(framework)
    for number, row in enumerate(frame.to_dict("records"), start=2):  # row 1 is the header
        node = "city" if row["node"] in whole_city else row["node"]
        if node != "city" and node not in nodes:
            result.errors.append(f"第 {number} 行: 节点 {node!r} 不在框架 {framework.id} 中 (unknown node)")
            continue
        metric = METRIC_WORDS.get(row["metric"], row["metric"])
        if metric not in SCALE_METRICS and metric not in {m.id for m in framework.metrics if m.method == "published"}:
            result.errors.append(f"第 {number} 行: 指标 {metric!r} 不是规模指标（工业总产值、营业收入、增加值）"
                                 f"或框架的公开指标 (unknown metric)")
            continue
        data = {
            "id": row.get("id") or f"{node}-{METRIC_WORDS.get(row['metric'], 'target')}-{row['year']}".replace("_", "-"),
            "node": node, "metric": METRIC_WORDS.get(row["metric"], row["metric"]),
            "value": row["value"].replace(",", ""), "unit": row["unit"], "year": row["year"],
            "status": STATUS_WORDS.get(row.get("status") or "", row.get("status") or "provisional"),
            "sources": tuple(s for s in str(row.get("sources") or "").replace("；", ",").split(",") if s),
            "note": row.get("note") or "",
        }
        try:
            result.imported.append(Target.model_validate(data))
        except ValidationError as exc:
            reasons = "；".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False))
            result.errors.append(f"第 {number} 行: {reasons}")
    return result


def import_targets(store: Store, path: str | Path, framework: Framework) -> TargetImport:
    """Store the file's targets (replacing those with the same id); nothing is written if any row is bad."""
    result = parse_targets(path, framework)
    if result.errors:
        raise InputError(f"{Path(path).name}: {len(result.errors)} 行有误，未导入 (rejected): " + "；".join(result.errors[:5]))
    with store.transaction():
        for t in result.imported:
            store.con.execute("DELETE FROM targets WHERE pack = ? AND id = ?", [framework.id, t.id])
            store.con.execute(
                "INSERT INTO targets (id, pack, node, metric, value, unit, year, status, sources, note, file) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [t.id, framework.id, t.node, t.metric, t.value, t.unit, t.year, t.status, ",".join(t.sources),
                 t.note, result.file],
            )
    return result


def load_targets(store: Store, framework: Framework) -> tuple[Target, ...]:
    """The pack's targets plus the imported ones (an imported target replaces a pack target of the same id)."""
    if store.version < 3:
        return framework.targets
    rows = store.query("SELECT * FROM targets WHERE pack = ? ORDER BY id", [framework.id])
    imported = {
        r["id"]: Target(id=r["id"], node=r["node"], metric=r["metric"], value=r["value"], unit=r["unit"],
                        year=int(r["year"]), status=r["status"],
                        sources=tuple(s for s in (r["sources"] or "").split(",") if s), note=r["note"] or "")
        for r in rows.to_dict("records")
    }
    return tuple(t for t in framework.targets if t.id not in imported) + tuple(imported.values())
