"""Plain views of a pack (rows and counts) shared by the CLI, the API and the pages."""

from __future__ import annotations

from collections import Counter

import pandas as pd

from chanye.framework.concordance import coverage
from chanye.framework.model import Framework

KIND_ZH = {"cluster": "战略性产业集群", "future": "未来产业", "service": "现代服务业"}


def node_rows(fw: Framework, root: str | None = None) -> list[dict]:
    """Nodes in tree order (depth first, file order among siblings) from `root` (default: the pack's root)."""
    start = [fw.node(root)] if root else [n for n in fw.nodes if n.parent is None]
    rows: list[dict] = []

    def visit(node, depth: int) -> None:
        whole = sum(1 for c in node.codes if c.scope == "whole")
        rows.append({
            "id": node.id, "parent": node.parent, "depth": depth, "kind": node.kind, "label": node.label,
            "name": node.name.zh, "name_en": node.name.en, "status": node.status,
            "is_industry": node.is_industry, "codes_whole": whole, "codes_partial": len(node.codes) - whole,
            "sources": list(node.sources), "metrics": list(node.metrics),
        })
        for child in fw.children(node.id):
            visit(child, depth + 1)

    for node in start:
        visit(node, 0)
    return rows


def system_counts(fw: Framework) -> dict[str, int]:
    """Industry nodes by kind and status, e.g. {'战略性产业集群': 15, '未来产业': 6, ...}."""
    industries = fw.industry_nodes()
    counts: dict[str, int] = {}
    for kind, n in Counter(node.kind for node in industries).items():
        counts[KIND_ZH.get(kind, kind)] = n
    status = Counter(node.status for node in industries)
    counts["已确认 confirmed"] = status.get("confirmed", 0)
    counts["暂定 provisional"] = status.get("provisional", 0)
    return counts


def coverage_frame(fw: Framework, section: str = "C") -> pd.DataFrame:
    rows = coverage(fw, section)
    return pd.DataFrame(
        {
            "code": [r.code for r in rows],
            "name": [r.name for r in rows],
            "status": [r.status for r in rows],
            "owners": ["；".join(r.owners) for r in rows],
        }
    )
