"""The framework pack as typed results: its industry nodes counted by kind and status, its node tree as a
table, one node with its concordance. Machine keys; `chanye.present.labels` words kinds and statuses."""

from __future__ import annotations

from collections import Counter

from chanye.framework.model import Framework, Target
from chanye.framework.summary import node_rows
from chanye.services.results import PACK, Column, Table, table

# A pack's unit words -> machine units (targets.yaml writes 亿元).
UNIT_OF_TEXT = {"元": "yuan", "万元": "wan_yuan", "亿元": "yi_yuan", "%": "percent", "家": "firms", "人": "persons",
                "个": "count"}

INDUSTRY_KINDS = ("cluster", "future", "service")

NODE_COLUMNS = (
    Column("id", "code", label="node_id"),
    Column("parent", "code", label="parent_id"),
    Column("depth", "integer", "count", label="depth"),
    Column("kind", "code", codes="kind"),
    Column("label", "code", label="node_label"),
    Column("name", "name", label="node"),
    Column("status", "code", codes="status"),
    Column("is_industry", "boolean", label="is_industry"),
    Column("codes_whole", "integer", "count", label="codes_whole"),
    Column("codes_partial", "integer", "count", label="codes_partial"),
    Column("sources", "list", label="node_sources"),
    Column("metrics", "list", label="node_metrics"),
)


def counts(fw: Framework) -> dict[str, int]:
    """Industry nodes by kind and by status: {'cluster': 15, 'future': 6, 'service': 8, 'confirmed': ..,
    'provisional': ..} (every kind and status present, zero when none)."""
    industries = fw.industry_nodes()
    kinds = Counter(node.kind for node in industries)
    status = Counter(node.status for node in industries)
    out = {kind: kinds.get(kind, 0) for kind in INDUSTRY_KINDS}
    out.update({k: n for k, n in kinds.items() if k not in out})
    out["confirmed"] = status.get("confirmed", 0)
    out["provisional"] = status.get("provisional", 0)
    return out


def nodes_table(fw: Framework, root: str | None = None) -> Table:
    """The node tree from `root` (default the whole pack) in depth-first order, one row per node."""
    rows = [{**r, "name": {"zh": r["name"], "en": r["name_en"]}} for r in node_rows(fw, root)]
    return table("framework_nodes", NODE_COLUMNS, rows, PACK, pack=fw.id)


def node_info(fw: Framework, node_id: str) -> dict:
    """One node: status, sources, ancestors, children, scale metric and its GB/T 4754 concordance."""
    from chanye.standards import gbt4754

    node = fw.node(node_id)
    std = gbt4754.load()
    return {
        "id": node.id, "kind": node.kind, "label": node.label, "name": node.name.zh, "name_en": node.name.en,
        "status": node.status, "description": node.description, "keywords": list(node.keywords),
        "sources": [fw.source(s).model_dump() for s in node.sources if fw.source(s)],
        "ancestors": [{"id": a.id, "name": a.name.zh, "name_en": a.name.en} for a in fw.ancestors(node.id)],
        "children": [{"id": c.id, "name": c.name.zh, "name_en": c.name.en, "status": c.status}
                     for c in fw.children(node.id)],
        "scale_metric": fw.scale_metric(node.id) if node.is_industry else None,
        "codes": [
            {"code": r.code, "name": std.name(r.code) if r.code in std else "", "scope": r.scope,
             "keywords": list(r.keywords), "exclude": list(r.exclude), "note": r.note,
             "note_en": r.note_en}
            for r in node.codes
        ],
    }


TARGET_COLUMNS = (
    Column("target_id", "code"),
    Column("node", "code", label="node_id"),
    Column("metric", "code", codes="metric"),
    Column("target", "number", unit_from="unit"),
    Column("unit", "code", codes="unit"),
    Column("target_year", "year"),
    Column("status", "code", codes="status"),
    Column("target_sources", "list"),
)


def targets_table(targets: tuple[Target, ...] | list[Target]) -> Table:
    """Targets (the pack's and the imported ones) as a table; units as machine units."""
    rows = [{"target_id": t.id, "node": t.node, "metric": t.metric, "target": t.value,
             "unit": UNIT_OF_TEXT.get(str(t.unit).strip(), str(t.unit)), "target_year": t.year, "status": t.status,
             "target_sources": list(t.sources)} for t in targets]
    return table("targets", TARGET_COLUMNS, rows, PACK)
