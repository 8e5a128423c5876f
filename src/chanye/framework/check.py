"""Cross-file checks of a framework pack (校验): what pydantic alone cannot see.

Errors make a pack unusable (`chanye framework check` exits 1); warnings are listed for the editor.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from chanye.errors import PackInvalid
from chanye.framework.chains import check_chains
from chanye.framework.concordance import expand
from chanye.framework.findings import Finding
from chanye.framework.model import SCALE_METRICS
from chanye.framework.read import LoadedPack, read_pack
from chanye.standards import gbt4754


def check_pack(name_or_path: str | Path | None = None) -> list[Finding]:
    """Every finding for a pack: schema errors if it does not parse, otherwise the cross-file checks."""
    try:
        loaded = read_pack(name_or_path)
    except PackInvalid as exc:
        return list(exc.findings) or [Finding("error", "load", exc.message)]
    return check_loaded(loaded)


def check_loaded(loaded: LoadedPack) -> list[Finding]:
    checker = _Checker(loaded)
    checker.run()
    return checker.findings


class _Checker:
    def __init__(self, loaded: LoadedPack) -> None:
        self.fw = loaded.framework
        self.docs = loaded.docs
        self.findings: list[Finding] = []

    def add(self, level: str, rule: str, message: str, file: str, loc: tuple, node: str | None = None) -> None:
        doc = self.docs.get(file)
        label = doc.file if doc else file
        self.findings.append(Finding(level, rule, message, label, doc.line(loc) if doc else None, node))  # type: ignore[arg-type]

    def run(self) -> None:
        self.duplicate_ids()
        self.tree()
        self.references()
        self.codes()
        self.status()
        self.findings.extend(check_chains(self.fw.chains, self.fw, self.docs, sources=self.fw.chain_sources))

    def duplicate_ids(self) -> None:
        for file, key, items in (
            ("framework.yaml", "nodes", self.fw.nodes),
            ("sources.yaml", "sources", self.fw.sources),
            ("metrics.yaml", "metrics", self.fw.metrics),
            ("targets.yaml", "targets", self.fw.targets),
        ):
            seen: dict[str, int] = {}
            for i, item in enumerate(items):
                if item.id in seen:
                    self.add(
                        "error", "duplicate-id",
                        f"重复的 id {item.id!r}（第 {seen[item.id] + 1} 项已用）(duplicate id)",
                        file, (key, i, "id"), item.id,
                    )
                else:
                    seen[item.id] = i

    def tree(self) -> None:
        ids = {n.id for n in self.fw.nodes}
        roots = [n for n in self.fw.nodes if n.parent is None]
        if len(roots) != 1:
            names = ", ".join(n.id for n in roots) or "无 none"
            self.add("error", "tree", f"框架必须恰有一个根节点，现有: {names} (exactly one root node)",
                     "framework.yaml", ("nodes",))
        for i, node in enumerate(self.fw.nodes):
            if node.parent is not None and node.parent not in ids:
                self.add("error", "unknown-parent", f"上级节点 {node.parent!r} 不存在 (unknown parent)",
                         "framework.yaml", ("nodes", i, "parent"), node.id)
        # A cycle would make ancestors() loop: walk each chain with a step bound.
        parent = {n.id: n.parent for n in self.fw.nodes}
        for i, node in enumerate(self.fw.nodes):
            current, steps = node.parent, 0
            while current is not None and current in parent and steps <= len(parent):
                current, steps = parent[current], steps + 1
            if steps > len(parent):
                self.add("error", "cycle", "节点的上级关系成环 (parent chain has a cycle)",
                         "framework.yaml", ("nodes", i, "parent"), node.id)

    def references(self) -> None:
        sources = {s.id for s in self.fw.sources}
        nodes = {n.id for n in self.fw.nodes}
        metrics = {m.id for m in self.fw.metrics}

        def cite(file: str, key: str, i: int, item_id: str, cited: tuple[str, ...]) -> None:
            for j, source in enumerate(cited):
                if source not in sources:
                    self.add("error", "missing-source", f"引用的来源 {source!r} 不在 sources.yaml 中 (missing source)",
                             file, (key, i, "sources", j), item_id)

        for j, source in enumerate(self.fw.info.sources):
            if source not in sources:
                self.add("error", "missing-source", f"引用的来源 {source!r} 不在 sources.yaml 中 (missing source)",
                         "framework.yaml", ("pack", "sources", j))
        for i, node in enumerate(self.fw.nodes):
            cite("framework.yaml", "nodes", i, node.id, node.sources)
            for j, metric in enumerate(node.metrics):
                if metric not in metrics:
                    self.add("error", "unknown-metric", f"指标 {metric!r} 不在 metrics.yaml 中 (unknown metric)",
                             "framework.yaml", ("nodes", i, "metrics", j), node.id)
        for i, metric in enumerate(self.fw.metrics):
            cite("metrics.yaml", "metrics", i, metric.id, metric.sources)
            if metric.node not in nodes:
                self.add("error", "unknown-node", f"指标所属节点 {metric.node!r} 不存在 (unknown node)",
                         "metrics.yaml", ("metrics", i, "node"), metric.id)
        published = {m.id for m in self.fw.metrics if m.method == "published"}
        for i, target in enumerate(self.fw.targets):
            cite("targets.yaml", "targets", i, target.id, target.sources)
            if target.metric not in SCALE_METRICS and target.metric not in published:
                self.add("error", "unknown-metric",
                         f"目标指标 {target.metric!r} 既不是规模指标也不是 metrics.yaml 中的公开指标 (unknown metric)",
                         "targets.yaml", ("targets", i, "metric"), target.id)
            if target.node != "city" and target.node not in nodes:
                self.add("error", "unknown-node", f"目标所属节点 {target.node!r} 不存在 (unknown node)",
                         "targets.yaml", ("targets", i, "node"), target.id)

    def codes(self) -> None:
        std = gbt4754.load()
        for i, node in enumerate(self.fw.nodes):
            if node.is_industry and not node.codes:
                self.add("warning", "no-codes", "产业节点没有行业代码，无法归类企业 (industry node has no codes)",
                         "framework.yaml", ("nodes", i), node.id)
            counts = Counter(rule.code for rule in node.codes)
            for j, rule in enumerate(node.codes):
                loc = ("nodes", i, "codes", j, "code")
                if rule.code not in std:
                    self.add("error", "unknown-code",
                             f"行业代码 {rule.code} 不在 GB/T 4754-2017 中 (unknown GB/T 4754-2017 code)",
                             "framework.yaml", loc, node.id)
                elif counts[rule.code] > 1:
                    self.add("error", "duplicate-code", f"行业代码 {rule.code} 在同一节点重复列出 (code listed twice)",
                             "framework.yaml", loc, node.id)
        self.overlaps()

    def overlaps(self) -> None:
        index = {n.id: i for i, n in enumerate(self.fw.nodes)}
        whole: dict[str, list] = {}
        for own in expand(self.fw):
            if own.scope == "whole":
                whole.setdefault(own.code, []).append(own)
        reported: set[tuple[str, str, str]] = set()
        for code, claims in sorted(whole.items()):
            if len({c.node for c in claims}) < 2 or all(c.rule.shared for c in claims):
                continue
            first, *others = claims
            for other in others:
                key = (first.node, other.node, other.rule.code)
                if key in reported:
                    continue
                reported.add(key)
                i = index[other.node]
                j = self.fw.nodes[i].codes.index(other.rule)
                self.add(
                    "error", "overlap",
                    f"行业代码 {code} 被 {first.node} 与 {other.node} 同时整体拥有；改为 partial 加关键词，"
                    "或在两处都写 shared: true (whole code owned by two nodes)",
                    "framework.yaml", ("nodes", i, "codes", j, "code"), other.node,
                )

    def status(self) -> None:
        for i, node in enumerate(self.fw.nodes):
            if node.status == "provisional":
                self.add("warning", "provisional", f"{node.name.zh}: 暂定节点，尚无官方名单确认 (provisional)",
                         "framework.yaml", ("nodes", i, "status"), node.id)
