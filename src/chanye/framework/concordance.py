"""The concordance (对照表) between framework nodes and GB/T 4754-2017 小类 (4-digit classes)."""

from __future__ import annotations

from dataclasses import dataclass

from chanye.framework.model import CodeRule, Framework
from chanye.standards import gbt4754


@dataclass(frozen=True)
class Ownership:
    """One node's claim on one 小类, expanded from a rule that may name a 大类 or 中类."""

    node: str
    code: str
    rule: CodeRule

    @property
    def scope(self) -> str:
        return self.rule.scope


def expand(framework: Framework) -> list[Ownership]:
    """Every (node, 小类) claim in the pack, in node order. Unknown codes are skipped (check.py reports them)."""
    std = gbt4754.load()
    out = []
    for node in framework.industry_nodes():
        for rule in node.codes:
            if rule.code not in std:
                continue
            out.extend(Ownership(node.id, code, rule) for code in std.small_classes_under(rule.code))
    return out


def owners_by_code(framework: Framework) -> dict[str, list[Ownership]]:
    """小类 -> the nodes that claim it (whole or partial)."""
    table: dict[str, list[Ownership]] = {}
    for own in expand(framework):
        table.setdefault(own.code, []).append(own)
    return table


@dataclass(frozen=True)
class CoverageRow:
    code: str
    name: str
    owners: tuple[str, ...]  # "node_id:whole" / "node_id:partial"

    @property
    def status(self) -> str:
        return "none" if not self.owners else ("single" if len(self.owners) == 1 else "several")


def coverage(framework: Framework, section: str = "C") -> list[CoverageRow]:
    """Each 小类 of a 门类 (manufacturing, C, by default) with the nodes that own it."""
    std = gbt4754.load()
    table = owners_by_code(framework)
    rows = []
    for cls in std.classes("class"):
        if cls.section != section:
            continue
        owners = tuple(f"{o.node}:{o.scope}" for o in table.get(cls.code, []))
        rows.append(CoverageRow(cls.code, cls.name, owners))
    return rows
