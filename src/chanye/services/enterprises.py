"""Enterprises: the search directory (built once per data generation), search results, tag counts, one firm's
profile and the city's district table, as typed results with machine keys.

Every function takes the platform (`services.platform.Platform`, or any object with its `framework`,
`cursor()`, `cached()` and `generation`): the registry is read through `registry.views`, the search itself runs
in `services.search`.
"""

from __future__ import annotations

import functools
import threading
import weakref
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from chanye.errors import NotFound
from chanye.framework.memo import per_pack
from chanye.registry import views
from chanye.registry.fields import MEASURES
from chanye.registry.store import DatabaseError, background
from chanye.services import search as engine
from chanye.services.access import LOCAL, Viewer, require_firm, require_firms
from chanye.services.results import REGISTRY, SYNTHETIC, Column, Provenance, Table, table
from chanye.standards import regions
from chanye.standards.regions import City
from chanye.standards.tags import TAGS

FIGURES = engine.FIGURES
WAN_YUAN = "wan_yuan"  # the registry stores money in 万元 (registry/fields.py)
METHODS = ("code", "keyword", "text", "predicted", "manual")  # how a firm was linked to a node

# --------------------------------------------------------------------------------------------------------
# Typed results
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchQuery:
    """A search as asked (`sort` None: by relevance with words, else by the node's scale metric or revenue;
    `year` None: the latest; `limit` set: the first `limit` rows instead of a page)."""

    q: str = ""
    node: str | None = None
    district: str | None = None
    city: str | None = None
    tag: str | None = None
    sort: str | None = None
    order: str = "desc"
    page: int = 1
    per_page: int = 20
    year: int | None = None
    limit: int | None = None

    def as_dict(self) -> dict:
        return {"q": self.q, "node": self.node, "district": self.district, "city": self.city, "tag": self.tag,
                "sort": self.sort, "order": self.order, "page": self.page, "per_page": self.per_page,
                "year": self.year}


@dataclass(frozen=True)
class SearchResult:
    """One page of matching enterprises with their figures of `year`, and the count per district of the
    matches before the district filter (`facets`). `query` is the search as run (sort and year resolved);
    `mode` is 'uscc', 'text' or 'all'."""

    query: SearchQuery
    mode: str
    tokens: tuple[str, ...]
    year: int | None
    years: tuple[int, ...]
    total: int
    pages: int
    firms: Table
    facets: Table

    @property
    def provenance(self) -> Provenance:
        return self.firms.provenance


@dataclass(frozen=True)
class EnterpriseDetail:
    """One enterprise: its attributes (a one-row table), figures over time, tags and node links."""

    uscc: str
    name: str
    attributes: Table
    figures: Table
    tags: tuple[str, ...]
    links: Table
    chains: Table | None = None  # issue 15: its chain links and roles (chain_roles)

    @property
    def provenance(self) -> Provenance:
        return self.attributes.provenance

    @property
    def district_code(self) -> str | None:
        return self.attributes.rows[0].get("district_code")


# --------------------------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------------------------

FIRM_COLUMNS = (
    Column("uscc", "code", label="uscc"),
    Column("name", label="firm_name"),
    Column("district", "name", label="firm_district"),
    Column("district_code", "code", label="adcode"),
    Column("industry_code", "code", label="industry_code"),
    Column("revenue", "number", WAN_YUAN),
    Column("industrial_output", "number", WAN_YUAN),
    Column("value_added", "number", WAN_YUAN),
    Column("employees", "number", "persons"),
    Column("registered_capital", "number", WAN_YUAN),
    Column("founded", label="founded"),
    Column("tags", "list", codes="tag", label="firm_tags"),
    Column("nodes", "list", label="node_ids"),
    Column("node_names", "name", label="firm_nodes"),
    Column("provenance", "provenance"),
)
FACET_COLUMNS = (Column("district_code", "code", label="adcode"), Column("district", "name", label="firm_district"),
                 Column("enterprises", "integer", "firms"))
TAG_COLUMNS = (Column("tag", "code", codes="tag", label="firm_tag"), Column("enterprises", "integer", "firms"))
FIGURE_COLUMNS = (
    Column("year", "year"),
    Column("revenue", "number", WAN_YUAN),
    Column("industrial_output", "number", WAN_YUAN),
    Column("value_added", "number", WAN_YUAN),
    Column("employees", "number", "persons"),
    Column("rd_expense", "number", WAN_YUAN),
    Column("tax", "number", WAN_YUAN),
    Column("energy_use", "number", unit_from="energy_unit"),  # 吨标准煤 (tce): a unit only this column has
)
ATTRIBUTE_COLUMNS = (
    Column("uscc", "code", label="uscc"),
    Column("name", label="firm_name"),
    Column("district", "name", label="firm_district"),
    Column("district_code", "code", label="adcode"),
    Column("city_code", "code", label="city_code"),
    Column("address", label="address"),
    Column("industry_code", "code", label="industry_code"),
    Column("predicted_code", "code", label="predicted_code"),
    Column("predicted_score", "number", "score", label="predicted_score"),
    Column("registered_capital", "number", WAN_YUAN),
    Column("founded", label="founded"),
    Column("business_scope", label="business_scope"),
    Column("tags", "list", codes="tag", label="firm_tags"),
    Column("batch_id", "code", label="batch_id"),
    Column("provenance", "provenance"),
)
LINK_COLUMNS = (
    Column("node", "code", label="node_id"),
    Column("node_name", "name", label="node"),
    Column("status", "code", codes="status"),
    Column("kind", "code", codes="kind"),
    Column("method", "code", codes="method"),
    Column("code", "code", label="industry_code"),
    Column("evidence", label="evidence"),
    Column("confidence", "number", "score", label="confidence"),
)

# issue 15 pages: where the firm sits in the chains (services.chains' stored links, one row per chain link)
CHAIN_ROLE_COLUMNS = (
    Column("chain", "code", label="chain_id"),
    Column("chain_name", "name", label="col_chain"),
    Column("chain_node", "code", label="chain_node_id"),
    Column("chain_node_name", "name", label="col_chain_node"),
    Column("segment", "code", label="col_chain_segment", codes="chain_segment"),
    Column("role", "code", label="col_chain_role", codes="chain_role"),
    Column("method", "code", codes="chain_method", label="method"),
    Column("evidence", "name", label="evidence"),
    Column("confidence", "number", "score", label="confidence"),
)


# --------------------------------------------------------------------------------------------------------
# The district table and the directory
# --------------------------------------------------------------------------------------------------------


def district_table(city: City | str) -> dict[str, dict]:
    """The city's districts by adcode: {code, name, name_en} (English names from the pack's City; a bare
    adcode gives a City without them, so the Chinese name stands in)."""
    place = city if isinstance(city, City) else regions.City(str(city))
    return {d.code: {"code": d.code, "name": d.name, "name_en": place.district_label(d.code, "en")}
            for d in place.districts}


def place_name(city: City, code: str | None) -> dict[str, str] | None:
    """{"zh", "en"} of a district: the city's own by the pack's names; another city's district as
    '<city><district>' (e.g. 深圳市南山区), the same in both languages; None when the code is unknown."""
    if not code:
        return None
    if isinstance(code, str):  # issue 14: a list page names its rows' districts; each pair worked out once
        found = _place_name(city, code)
        return None if found is None else dict(found)  # a fresh dict: a caller may change its own
    return _place_name.__wrapped__(city, code)


@functools.lru_cache(maxsize=4096)  # bounded: a few thousand counties in all
def _place_name(city: City, code: str) -> dict[str, str] | None:
    if city.district(code) is not None:
        return {"zh": city.district_label(code, "zh"), "en": city.district_label(code, "en")}
    county = regions.region("county", code)
    if county is None:
        return None
    name = f"{county.city}{county.name}" if county.city and county.city != county.name else county.name
    return {"zh": name, "en": name}


def load_directory(store, framework) -> engine.Directory:
    """Read what the directory needs from the registry and build it (every firm, the latest year's figures)."""
    firms = views.directory_firms(store)
    years = views.years(store)
    figures = views.figures_of_year(store, years[-1], FIGURES) if years else None
    return engine.build_directory(firms, years, figures, views.tags(store, ordered=True),
                                  views.links(store, framework.id, ordered=True), framework.city)


def directory(p) -> engine.Directory:
    """The directory of the platform's registry, built once per data generation."""
    d = p.cached(("directory",), lambda: load_directory(p.cursor(), p.framework))
    _BUILT[p] = (p.generation, d)  # for `quick`, which must never build one
    return d


# each platform's directory of the generation it was last asked for (`quick` reads it without building anything)
_BUILT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


_warming: set[tuple[int, int]] = set()
_warming_lock = threading.Lock()


def warm(p) -> bool:
    """Build the directory (and load jieba's dictionary) in a background thread, once per data generation, so
    that the first search does not wait for it. True when a thread was started."""
    key = (id(p), p.generation)
    with _warming_lock:
        if key in _warming:
            return False
        _warming.add(key)

    def run() -> None:
        try:
            directory(p)
        except DatabaseError:  # the app shut down (its store closed) while warming: nothing left to warm for
            return
        engine.tokens_of("预热")

    background(run, name="chanye-warm-directory")
    return True


def figures_in_year(p, year: int) -> dict[str, np.ndarray]:
    d = directory(p)  # outside p.cached below: its lock is not re-entrant
    return p.cached(("directory-figures", year), lambda: engine.figure_arrays(
        views.figures_of_year(p.cursor(), year, FIGURES), pd.Index(d.usccs())))


def check_filters(p, d: engine.Directory, node: str | None, district: str | None, city: str | None) -> None:
    """404s for a node, district or city that does not exist."""
    home = p.framework.city
    if city is not None and regions.city(city) is None:
        raise NotFound(f"没有行政区划代码为 {city} 的城市 (unknown city)", hint=f"如 {home.code} {home.name}")
    if node is not None:
        p.framework.node(node)  # UnknownNode -> 404
    if district is not None and district not in d.districts and regions.region("county", district) is None:
        raise NotFound(f"没有行政区划代码为 {district} 的区 (unknown district)",
                       hint=f"可用: {', '.join(d.districts)}")


# --------------------------------------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------------------------------------


def search(p, query: SearchQuery | None = None, *, viewer: Viewer = LOCAL, **kwargs) -> SearchResult:
    """Enterprises matching a query and filters, sorted and paged, with their year's figures and facets.
    Pass a SearchQuery or its fields as keywords. `viewer`: a visitor is refused; a district analyst finds only
    the firms of their own district (the facets count those only, so a name search reveals no other district's
    firm)."""
    query = query or SearchQuery(**kwargs)
    require_firms(viewer)
    d = directory(p)
    check_filters(p, d, query.node, query.district, query.city)
    if query.year is not None and query.year not in d.years:
        raise NotFound(f"没有 {query.year} 年的企业指标 (no figures for that year)",
                       hint=f"可用年份: {', '.join(map(str, d.years)) or '无'}")
    year = query.year if query.year is not None else d.year
    figs = d.cols if year == d.year else figures_in_year(p, year)
    key = _ranking_key(query, viewer, year)
    found = engine.recall(d, key)
    if found is None:
        found = engine.remember(d, key, _ranked(p, d, query, viewer, figs, year))
    ranked, counts, tokens, mode, sort = found
    total = len(ranked)
    page, per_page = query.page, query.per_page
    if query.limit is not None:
        chosen = ranked[:query.limit]
        page, per_page = 1, max(1, len(chosen))
    else:
        chosen = ranked[(page - 1) * per_page:page * per_page]
    provenance = SYNTHETIC if d.synthetic else REGISTRY
    firms = table("firms", FIRM_COLUMNS, _firm_rows(p.framework, d, figs, chosen), provenance, year=year)
    city = p.framework.city
    facets = table("district_facets", FACET_COLUMNS,
                   [{"district_code": code, "district": place_name(city, code), "enterprises": n}
                    for code, n in zip(d.districts, counts, strict=True)], provenance)
    return SearchResult(query=replace(query, sort=sort, year=year, page=page, per_page=per_page), mode=mode,
                        tokens=tuple(tokens), year=year, years=tuple(d.years), total=total,
                        pages=max(1, -(-total // per_page)), firms=firms, facets=facets)


def _ranking_key(query: SearchQuery, viewer: Viewer, year: int | None) -> tuple:
    """What a ranking depends on (not the page): the key under which `engine.remember` keeps it."""
    return ((query.q or "").strip(), query.node, query.tag, query.city, query.district, viewer.firm_district,
            query.sort, query.order, year)


def quick(p, query: SearchQuery, viewer: Viewer = LOCAL) -> bool:
    """Whether `search(p, query, viewer=viewer)` only slices a page out of a ranking kept from an earlier search
    of the same data generation (no directory to build, no ranking to compute, no other year's figures to read):
    a fraction of a millisecond, so the web may answer it in its event loop instead of a worker thread (issue 14
    item 2). Reads what is held; builds nothing. (The web checks it right after `refresh()`, so another process'
    import is seen first; only an import in this process landing between the check and the search would make that
    one search build the new directory where it runs.)"""
    held = _BUILT.get(p)
    if held is None or held[0] != p.generation or query.limit is not None:
        return False
    d = held[1]
    if query.year is not None and query.year != d.year:
        return False
    return _ranking_key(query, viewer, d.year) in d.recent


def _ranked(p, d: engine.Directory, query: SearchQuery, viewer: Viewer, figs: dict[str, np.ndarray], year
            ) -> engine.Ranked:
    """Every match of `query` in display order, the facets' counts, and how it was read (tokens, mode, sort)."""
    rows, rel, tokens, mode = engine.match_rows(d, query.q or "")
    keep = engine.filter_mask(d, rows, node=query.node, tag=query.tag, city=query.city)
    if viewer.firm_district is not None:  # a district analyst: their own district's firms only (issue 17)
        keep &= engine.in_district(d, rows, viewer.firm_district)
    counts = engine.district_counts(d, rows[keep])  # the facets: before the district filter
    if query.district:
        keep &= engine.in_district(d, rows, query.district)
    rows, rel = rows[keep], rel[keep]
    sort = query.sort or ("relevance" if mode == "text" and query.q else (
        p.framework.scale_metric(query.node) if query.node else "revenue"))
    if sort == "relevance" and mode != "text":
        sort = "revenue"
    ranked = engine.rank(d, figs, year, rows, rel, sort, query.order == "desc", big=engine.BIG)
    return ranked, tuple(counts), tuple(tokens), mode, sort


def _firm_rows(fw, d: engine.Directory, figs: dict[str, np.ndarray], chosen: np.ndarray) -> list[dict]:
    """The rows of a page: each column read for the page's rows at once (issue 14 item 2: one numpy scalar per
    cell cost a fifth of an uncached page); the same values (`tolist` gives the floats numpy's float64 are)."""
    c = d.cols
    city = fw.city
    node_names = _node_names(fw)
    picked = {key: c[key][chosen].tolist() for key in ("district_code", "industry_code", "registered_capital",
                                                       "founded", "synthetic")}
    figures = {m: figs[m][chosen].tolist() for m in FIGURES}
    rows = chosen.tolist()
    usccs = [u.decode() for u in c["uscc"][chosen].tolist()]
    firm_names = d.names(chosen).tolist()
    out = []
    for k, i in enumerate(rows):
        nodes = d.node_members.of(i)
        district = picked["district_code"][k]
        out.append({
            "uscc": usccs[k], "name": firm_names[k], "district": place_name(city, district),
            "district_code": district, "industry_code": picked["industry_code"][k],
            **{m: figures[m][k] for m in FIGURES}, "registered_capital": picked["registered_capital"][k],
            "founded": picked["founded"][k], "tags": d.tag_members.of(i), "nodes": nodes,
            "node_names": _joined_names(node_names, nodes),
            "provenance": (SYNTHETIC if picked["synthetic"][k] else REGISTRY).key,
        })
    return out


@per_pack
def _node_names(fw) -> dict[str, tuple[str, str]]:
    """{node id: (zh, en)} of the pack, worked out once per pack."""
    return {n.id: (n.name.zh, n.name.en) for n in fw.nodes}


def _joined_names(names: dict[str, tuple[str, str]], nodes: list[str]) -> dict[str, str]:
    """{"zh": "节点；节点", "en": "node; node"}: a node the pack no longer has by its id."""
    pairs = [names.get(n, (n, n)) for n in nodes]
    return {"zh": "；".join(zh for zh, _ in pairs), "en": "; ".join(en for _, en in pairs)}


# --------------------------------------------------------------------------------------------------------
# Tag counts
# --------------------------------------------------------------------------------------------------------


def tag_counts(p, *, node: str | None = None, district: str | None = None, city: str | None = None) -> Table:
    """How many enterprises (in a node, district and/or city) hold each tag; meta `total` = all of them."""
    d = directory(p)
    check_filters(p, d, node, district, city)
    rows = np.arange(d.size)
    mask = engine.filter_mask(d, rows, node=node, city=city)
    if district:
        mask &= engine.in_district(d, rows, district)
    counts = [{"tag": t, "enterprises": int(mask[d.tag_rows.get(t, np.zeros(0, np.int64))].sum())} for t in TAGS]
    return table("tag_counts", TAG_COLUMNS, counts, SYNTHETIC if d.synthetic else REGISTRY,
                 node=node, district=district, city=city, total=int(mask.sum()))


# --------------------------------------------------------------------------------------------------------
# One enterprise
# --------------------------------------------------------------------------------------------------------


def profile(p, uscc: str, *, viewer: Viewer = LOCAL) -> EnterpriseDetail:
    """One enterprise's profile, built once per data generation, if `viewer` may see it (else AccessDenied:
    a visitor sees no firm, a district analyst only their own district's)."""
    require_firms(viewer)
    detail = p.cached(("profile", uscc.strip().upper()), lambda: _with_chains(p, enterprise(p, uscc)))
    require_firm(viewer, detail.district_code)
    return detail


def _with_chains(p, detail: EnterpriseDetail) -> EnterpriseDetail:
    """The profile with its chain roles, kept with it (issue 14: the API's and the page's first visits, in either
    language, work them out once a data generation; a few rows in the cache's entry the profile already has).
    `chains.firm_links` may cache a never-linked chain's links under its own key: `cached()` locks per key."""
    return replace(detail, chains=chain_roles(p, detail.uscc, detail.provenance))


def chain_roles(p, uscc: str, provenance: Provenance = REGISTRY) -> Table:
    """The firm's links to chain nodes (issue 15): each chain, node, segment, role (producer/seller/user) with
    the evidence, in the framework's chain order and each template's node order."""
    from chanye.services import chains as chain_service

    rows = []
    by_chain: dict[str, list[dict]] = {}  # the firm's links grouped once (issue 14: not a mask per chain)
    for link in chain_service.firm_links(p, uscc).to_dict("records"):
        by_chain.setdefault(link["chain"], []).append(link)
    for chain in p.framework.chains:
        mine = by_chain.get(chain.id)
        if not mine:
            continue
        order = {n: i for i, n in enumerate(chain.node_ids())}
        for link in sorted(mine, key=lambda r: (order.get(r["chain_node"], 10**6), r["role"])):
            node = _chain_node(chain, link["chain_node"])
            rows.append({
                "chain": chain.id, "chain_name": {"zh": chain.name.zh, "en": chain.name.en},
                "chain_node": link["chain_node"],
                "chain_node_name": {"zh": node.name.zh, "en": node.name.en} if node else
                {"zh": link["chain_node"], "en": link["chain_node"]},
                "segment": node.segment if node else None, "role": link["role"], "method": link.get("method"),
                "evidence": _evidence(chain, link.get("evidence")), "confidence": link.get("confidence"),
            })
    return table("firm_chains", CHAIN_ROLE_COLUMNS, rows, provenance)


def _evidence(chain, text: object) -> dict[str, str] | None:
    """The evidence in words: the parts that are node ids of the chain (a supply edge) as the node's name."""
    if not isinstance(text, str) or not text:
        return None
    parts = list(dict.fromkeys(p for p in text.split("|") if p))  # "2669|2669|六氟磷酸锂": code, rule, word
    named = [_chain_node(chain, part) for part in parts]
    return {lang: " · ".join(getattr(n.name, lang) if n else part for n, part in zip(named, parts, strict=True))
            for lang in ("zh", "en")}


def _chain_node(chain, node_id: str):
    from chanye.errors import UnknownNode

    try:
        return chain.node(node_id)
    except UnknownNode:  # a node the template no longer has, or evidence that is not a node id
        return None


def enterprise(p, uscc: str, *, viewer: Viewer = LOCAL) -> EnterpriseDetail:
    """One enterprise: attributes, figures over time (with units), tags and its nodes with evidence."""
    require_firms(viewer)
    detail = _build(p, uscc)
    require_firm(viewer, detail.district_code)
    return detail


def _build(p, uscc: str) -> EnterpriseDetail:
    key = uscc.strip().upper()
    if not key or len(key) > 40:
        raise NotFound(f"没有统一社会信用代码为 {uscc[:40]} 的企业 (no such enterprise)", hint="用企业搜索查找")
    fw = p.framework
    record = views.enterprise(p.cursor(), key, fw.id)
    provenance = Provenance.of_data(bool(record.get("synthetic")))
    code = record.get("district_code") if isinstance(record.get("district_code"), str) else None
    founded = record.get("founded")
    tags = tuple(record["tags"])
    attributes = table("enterprise", ATTRIBUTE_COLUMNS, [{
        "uscc": record["uscc"], "name": record["name"], "district": place_name(fw.city, code),
        "district_code": code, "city_code": record.get("city_code"), "address": record.get("address"),
        "industry_code": record.get("industry_code"), "predicted_code": record.get("predicted_code"),
        "predicted_score": record.get("predicted_score"), "registered_capital": record.get("registered_capital"),
        "founded": None if founded is None or pd.isna(founded) else str(founded)[:10],
        "business_scope": record.get("business_scope"), "tags": list(tags),
        "batch_id": None if pd.isna(record.get("batch_id")) else str(int(record["batch_id"])),
    }], provenance)
    figures = table("firm_figures", FIGURE_COLUMNS,
                    [{"year": int(f["year"]), **{m: f.get(m) for m in MEASURES}, "energy_unit": "tce"}
                     for f in record["figures"]], provenance)
    links = []
    for link in record["links"]:
        try:
            node = fw.node(link["node"])
            name, status, kind = {"zh": node.name.zh, "en": node.name.en}, node.status, node.kind
        except NotFound:  # a node the pack no longer has
            name, status, kind = {"zh": link["node"], "en": link["node"]}, "provisional", None
        links.append({"node": link["node"], "node_name": name, "status": status, "kind": kind,
                      "method": link["method"], "code": link.get("code"), "evidence": link.get("evidence"),
                      "confidence": link.get("confidence")})
    return EnterpriseDetail(uscc=record["uscc"], name=record["name"], attributes=attributes, figures=figures,
                            tags=tags, links=table("firm_links", LINK_COLUMNS, links, provenance))
