"""Industrial chain templates (产业链图谱): which segments make up a cluster's chain and who supplies whom.

A pack keeps one template per strategic cluster or future industry in `chains/<id>.yaml`, and the public
sources the templates cite (beyond the pack's own `sources.yaml`) in `chains/_sources.yaml`. A template is a
tree of chain nodes (环节) in three segments (上游 upstream, 中游 midstream, 下游 downstream), each with its key
products and the GB/T 4754-2017 rules that find its producers, plus supply edges (供应关系: node A feeds B).
docs/chains.md describes the format; `analytics/chains.py` links enterprises to the nodes and diagnoses them.

Schema errors (pydantic) and cross-file errors (`check_chains`: unknown codes, dangling references, cycles)
are `Finding`s naming the file, line and node, like the rest of the pack's checks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from chanye.errors import PackInvalid
from chanye.framework.findings import Finding
from chanye.framework.model import CodeRule, Framework, Name, Source, words_in_one_clause
from chanye.framework.yamlfile import YamlDoc, parse_file, read_yaml
from chanye.standards import gbt4754

CHAINS_DIR = "chains"
CHAIN_SOURCES_FILE = "_sources.yaml"  # files starting with "_" are not templates

Segment = Literal["upstream", "midstream", "downstream"]
SEGMENTS: tuple[str, ...] = ("upstream", "midstream", "downstream")
SEGMENT_ZH: dict[str, str] = {"upstream": "上游", "midstream": "中游", "downstream": "下游"}
_SEGMENT_ALIASES = {zh: en for en, zh in SEGMENT_ZH.items()}

# The roles an enterprise can play on a chain node (see analytics/chains.py for the rules).
Role = Literal["生产", "销售", "依赖"]
ROLES: tuple[str, ...] = ("生产", "销售", "依赖")
ROLE_EN: dict[str, str] = {"生产": "producer", "销售": "seller", "依赖": "user"}
_ROLE_ALIASES = {en: zh for zh, en in ROLE_EN.items()}

_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
Word = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChainNode(_Strict):
    """One link (环节) of a chain: a segment of the tree with its products and matching rules."""

    id: str = Field(pattern=_ID_PATTERN)
    name: Name
    segment: Segment = Field(description="upstream | midstream | downstream (上游 | 中游 | 下游 accepted)")
    parent: str | None = Field(None, description="the chain node this one refines (the tree); null at the top")
    products: tuple[Word, ...] = Field((), description="key products (关键产品), shown and matched as words")
    codes: tuple[CodeRule, ...] = Field((), description="GB/T 4754-2017 rules that find the node's producers")
    keywords: tuple[Word, ...] = Field(
        (), description="business-scope phrases that mark a producer whatever its code (except trade 51/52)"
    )
    roles: tuple[Role, ...] = Field((), description="roles that apply here (default: all three)")
    description: str = ""
    description_en: str = ""  # the description in English (issue 10)

    _one_clause = field_validator("products", "keywords")(words_in_one_clause)

    @field_validator("segment", mode="before")
    @classmethod
    def _segment_zh(cls, value: object) -> object:
        return _SEGMENT_ALIASES.get(value, value) if isinstance(value, str) else value

    @field_validator("roles", mode="before")
    @classmethod
    def _roles_en(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            return [_ROLE_ALIASES.get(v, v) if isinstance(v, str) else v for v in value]
        return value

    @property
    def segment_zh(self) -> str:
        return SEGMENT_ZH[self.segment]

    @property
    def allowed_roles(self) -> tuple[str, ...]:
        return self.roles or ROLES

    def terms(self) -> tuple[str, ...]:
        """The words that name what the node makes: products, partial-rule keywords and keywords, deduplicated
        in that order. Used to recognise sellers (销售) and users (依赖) in business scopes."""
        words = [*self.products, *(k for rule in self.codes for k in rule.keywords), *self.keywords]
        return tuple(dict.fromkeys(w.strip() for w in words if w.strip()))


class ChainEdge(_Strict):
    """A supply relation: `source` feeds `target` (its products are inputs of the target node)."""

    source: str
    target: str
    note: str = ""
    note_en: str = ""  # the note in English (issue 10)


class ChainTemplate(_Strict):
    """A cluster's industrial chain: nodes (a tree in three segments) and supply edges between them."""

    id: str = Field(pattern=_ID_PATTERN)
    cluster: str = Field(description="the framework's industry node (cluster or future industry) it describes")
    name: Name
    description: str = Field(min_length=1, description="what the chain covers and where its structure comes from")
    description_en: str = Field("", description="the description in English, shown on English pages (issue 10)")
    sources: tuple[str, ...] = Field(min_length=1)
    nodes: tuple[ChainNode, ...] = Field(min_length=1)
    edges: tuple[ChainEdge, ...] = ()

    _file: str = PrivateAttr("")  # the docs key ("chains/<name>.yaml") it was read from, for line lookups

    @property
    def file(self) -> str:
        return self._file

    def node(self, node_id: str) -> ChainNode:
        from chanye.errors import UnknownNode

        for node in self.nodes:
            if node.id == node_id:
                return node
        raise UnknownNode(f"产业链 {self.id} 中没有环节 {node_id!r} (unknown chain node)")

    def node_ids(self) -> list[str]:
        return [n.id for n in self.nodes]

    def children(self, node_id: str | None) -> list[ChainNode]:
        return [n for n in self.nodes if n.parent == node_id]

    def suppliers(self, node_id: str) -> list[str]:
        """Nodes with an edge into `node_id` (its direct inputs)."""
        return [e.source for e in self.edges if e.target == node_id]

    def customers(self, node_id: str) -> list[str]:
        """Nodes `node_id` has an edge to (where its products go)."""
        return [e.target for e in self.edges if e.source == node_id]

    def graph(self):
        """The supply graph as a networkx DiGraph: one vertex per chain node (with name and segment)."""
        import networkx as nx

        g = nx.DiGraph()
        for n in self.nodes:
            g.add_node(n.id, name=n.name.zh, segment=n.segment)
        g.add_edges_from((e.source, e.target) for e in self.edges if e.source in g and e.target in g)
        return g

    @model_validator(mode="after")
    def _unique_sources(self) -> ChainTemplate:
        dupes = [s for s, n in Counter(self.sources).items() if n > 1]
        if dupes:
            raise ValueError(f"来源重复列出: {', '.join(dupes)} (source listed twice)")
        return self


# --- loading ----------------------------------------------------------------------------------------------


class _ChainSourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sources: list[Source] = []


@dataclass
class ChainSet:
    """The chain templates of a pack as read from disk, with the sources they add and the parsed files."""

    templates: list[ChainTemplate] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)  # from chains/_sources.yaml
    docs: dict[str, YamlDoc] = field(default_factory=dict)  # "chains/<name>.yaml" -> parsed file
    findings: list[Finding] = field(default_factory=list)  # schema errors; empty when all files parse


def _doc_key(name: str) -> str:
    return f"{CHAINS_DIR}/{name}"


def read_chains(pack_folder: str | Path) -> ChainSet:
    """Read and validate `chains/*.yaml` of a pack. Schema errors are collected in `findings`, not raised;
    a pack without a chains folder has no templates."""
    folder = Path(pack_folder)
    out = ChainSet()
    chains_dir = folder / CHAINS_DIR
    if not chains_dir.is_dir():
        return out
    for path in sorted(chains_dir.glob("*.yaml")):
        key = _doc_key(path.name)
        label = f"{folder.name}/{key}"
        try:
            doc = read_yaml(path, label)
        except PackInvalid as exc:
            out.findings.extend(exc.findings or [Finding("error", "yaml", exc.message, label)])
            continue
        out.docs[key] = doc
        if not isinstance(doc.data, dict):
            out.findings.append(Finding("error", "schema", "文件顶层必须是映射 (top level must be a mapping)", label, 1))
            continue
        if path.name == CHAIN_SOURCES_FILE:
            model, errs = parse_file(doc, _ChainSourcesFile)
            out.findings.extend(errs)
            if model is not None:
                out.sources.extend(model.sources)  # type: ignore[attr-defined]
            continue
        if path.name.startswith("_"):
            continue
        model, errs = parse_file(doc, ChainTemplate)
        out.findings.extend(errs)
        if model is not None:
            model._file = key
            out.templates.append(model)  # type: ignore[arg-type]
    return out


def load_chains(pack_folder: str | Path) -> list[ChainTemplate]:
    """The pack's chain templates in file-name order. Raises PackInvalid listing every schema error."""
    chains = read_chains(pack_folder)
    if chains.findings:
        first = chains.findings[0]
        more = len(chains.findings) - 1
        extra = f"（另有 {more} 处问题 and {more} more）" if more else ""
        raise PackInvalid(f"产业链模板无效 (invalid chain template): {first}{extra}", chains.findings)
    return chains.templates


def chain_for(chains: Iterable[ChainTemplate], cluster: str) -> ChainTemplate | None:
    """The template of a framework node (by cluster id), or None."""
    return next((c for c in chains if c.cluster == cluster), None)


# --- checks -----------------------------------------------------------------------------------------------


def check_chains(
    chains: Sequence[ChainTemplate],
    framework: Framework,
    docs: Mapping[str, YamlDoc] | None = None,
    *,
    sources: Iterable[Source] = (),
) -> list[Finding]:
    """Cross-file checks of chain templates against the framework and GB/T 4754-2017.

    Errors: duplicate template, node or source ids; a cluster the framework lacks (or that is not an industry
    node); cited sources in neither the pack's sources nor `sources` (chains/_sources.yaml); unknown GB/T codes
    or a code listed twice in one node; a parent or edge end that is not a node of the template; a parent
    cycle; a self-loop; a node with neither codes nor keywords. Warnings: a duplicate edge, a node that no edge
    touches (unless it groups children).
    """
    return _ChainChecker(chains, framework, docs or {}, list(sources)).run()


class _ChainChecker:
    def __init__(
        self, chains: Sequence[ChainTemplate], fw: Framework, docs: Mapping[str, YamlDoc], sources: list[Source]
    ) -> None:
        self.chains = chains
        self.fw = fw
        self.docs = docs
        self.sources = sources
        self.findings: list[Finding] = []

    def add(self, level: str, rule: str, message: str, chain: ChainTemplate | str, loc: tuple,
            node: str | None = None) -> None:
        key = chain.file if isinstance(chain, ChainTemplate) else chain
        doc = self.docs.get(key)
        label = doc.file if doc else key
        line = doc.line(loc) if doc else None
        self.findings.append(Finding(level, rule, message, label, line, node))  # type: ignore[arg-type]

    def run(self) -> list[Finding]:
        self.source_ids()
        seen: dict[str, ChainTemplate] = {}
        clusters: dict[str, ChainTemplate] = {}
        for chain in self.chains:
            if chain.id in seen:
                self.add("error", "duplicate-id",
                         f"重复的产业链 id {chain.id!r}（{seen[chain.id].file} 已用）(duplicate chain id)",
                         chain, ("id",), chain.id)
            else:
                seen[chain.id] = chain
            # A cluster may have several chains (低空经济 and 商业航天, issue 11); two that share a chain-node id
            # look like a copy.
            if chain.cluster in clusters and {n.id for n in chain.nodes} & {n.id for n in clusters[chain.cluster].nodes}:
                self.add("warning", "duplicate-cluster",
                         f"集群 {chain.cluster!r} 已有产业链 {clusters[chain.cluster].id}（同一集群两个模板）"
                         "(cluster has two chain templates)", chain, ("cluster",), chain.id)
            elif chain.cluster not in clusters:
                clusters[chain.cluster] = chain
            self.cluster(chain)
            self.cited(chain)
            self.nodes(chain)
            self.tree(chain)
            self.edges(chain)
            self.codes(chain)
        return self.findings

    def source_ids(self) -> None:
        # The pack's own sources: framework.sources less the chain sources, should the caller have merged them.
        own = [s for s in self.fw.sources if not any(s is c for c in self.sources)]
        pack = {s.id for s in own}
        counts = Counter(s.id for s in self.sources)
        for i, source in enumerate(self.sources):
            key = _doc_key(CHAIN_SOURCES_FILE)
            if source.id in pack:
                self.add("error", "duplicate-id",
                         f"来源 id {source.id!r} 已在 sources.yaml 中 (source id already in sources.yaml)",
                         key, ("sources", i, "id"), source.id)
            elif counts[source.id] > 1 and [s.id for s in self.sources].index(source.id) != i:
                self.add("error", "duplicate-id", f"重复的来源 id {source.id!r} (duplicate source id)",
                         key, ("sources", i, "id"), source.id)

    def cluster(self, chain: ChainTemplate) -> None:
        ids = {n.id: n for n in self.fw.nodes}
        node = ids.get(chain.cluster)
        if node is None:
            self.add("error", "unknown-cluster",
                     f"产业链所属集群 {chain.cluster!r} 不在框架 {self.fw.id} 中 (unknown cluster)",
                     chain, ("cluster",), chain.id)
        elif not node.is_industry:
            self.add("error", "unknown-cluster",
                     f"{chain.cluster!r} 是 {node.kind} 节点，不是产业集群 (cluster must be an industry node)",
                     chain, ("cluster",), chain.id)

    def cited(self, chain: ChainTemplate) -> None:
        known = {s.id for s in self.fw.sources} | {s.id for s in self.sources}
        for j, source in enumerate(chain.sources):
            if source not in known:
                self.add("error", "missing-source",
                         f"引用的来源 {source!r} 不在 sources.yaml 或 chains/_sources.yaml 中 (missing source)",
                         chain, ("sources", j), chain.id)

    def nodes(self, chain: ChainTemplate) -> None:
        seen: dict[str, int] = {}
        has_children = {n.parent for n in chain.nodes}
        touched = {e.source for e in chain.edges} | {e.target for e in chain.edges}
        for i, node in enumerate(chain.nodes):
            if node.id in seen:
                self.add("error", "duplicate-id",
                         f"重复的环节 id {node.id!r}（第 {seen[node.id] + 1} 项已用）(duplicate chain node id)",
                         chain, ("nodes", i, "id"), node.id)
            else:
                seen[node.id] = i
            if not node.codes and not node.keywords:
                self.add("error", "no-rules",
                         "环节既没有行业代码也没有关键词，无法关联企业 (chain node has neither codes nor keywords)",
                         chain, ("nodes", i), node.id)
            if node.id not in touched and node.id not in has_children:
                self.add("warning", "isolated", "环节没有任何供应关系 (no edge touches this chain node)",
                         chain, ("nodes", i), node.id)

    def tree(self, chain: ChainTemplate) -> None:
        ids = set(chain.node_ids())
        for i, node in enumerate(chain.nodes):
            if node.parent is not None and node.parent not in ids:
                self.add("error", "unknown-parent", f"上级环节 {node.parent!r} 不存在 (unknown parent)",
                         chain, ("nodes", i, "parent"), node.id)
        parent = {n.id: n.parent for n in chain.nodes}
        for i, node in enumerate(chain.nodes):
            current, steps = node.parent, 0
            while current is not None and current in parent and steps <= len(parent):
                current, steps = parent[current], steps + 1
            if steps > len(parent):
                self.add("error", "cycle", "环节的上级关系成环 (parent chain has a cycle)",
                         chain, ("nodes", i, "parent"), node.id)

    def edges(self, chain: ChainTemplate) -> None:
        ids = set(chain.node_ids())
        seen: set[tuple[str, str]] = set()
        for i, edge in enumerate(chain.edges):
            for end in ("source", "target"):
                value = getattr(edge, end)
                if value not in ids:
                    self.add("error", "unknown-node",
                             f"供应关系的{'起点' if end == 'source' else '终点'} {value!r} 不是本链的环节 "
                             f"(edge {end} is not a chain node)", chain, ("edges", i, end), chain.id)
            if edge.source == edge.target:
                self.add("error", "self-loop", f"环节 {edge.source!r} 不能供应自身 (edge from a node to itself)",
                         chain, ("edges", i), edge.source)
            key = (edge.source, edge.target)
            if key in seen:
                self.add("warning", "duplicate-edge",
                         f"供应关系 {edge.source} → {edge.target} 重复 (edge listed twice)", chain, ("edges", i),
                         edge.source)
            seen.add(key)

    def codes(self, chain: ChainTemplate) -> None:
        std = gbt4754.load()
        for i, node in enumerate(chain.nodes):
            seen: set[str] = set()
            for j, rule in enumerate(node.codes):
                loc = ("nodes", i, "codes", j, "code")
                if rule.code not in std:
                    self.add("error", "unknown-code",
                             f"行业代码 {rule.code} 不在 GB/T 4754-2017 中 (unknown GB/T 4754-2017 code)",
                             chain, loc, node.id)
                elif rule.code in seen:
                    self.add("error", "duplicate-code",
                             f"行业代码 {rule.code} 在同一环节重复列出 (code listed twice)", chain, loc, node.id)
                seen.add(rule.code)
