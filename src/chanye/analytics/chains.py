"""产业链分析 Industrial-chain analytics: link enterprises to chain nodes, diagnose 强链/弱链/缺链, pick 链主,
and draw up the 招商清单 (recruitment list) and 增资扩产清单 (expansion list).

Pure: DataFrames and a `ChainTemplate` in, DataFrames out; no I/O. Every row carries its evidence or reason
in Chinese with the numbers behind it. docs/chains.md states each rule, threshold and formula; the named
constants below are the defaults and every one of them is a parameter.

Input frames (column names as in the registry's store):

* firms: ``uscc, name, industry_code, business_scope`` and, for the area analyses, ``city_code,
  district_code``. The national sample: every firm the analysis may compare with, the area's included.
* figures: ``uscc, year, revenue`` (万元), optionally ``rd_expense`` (万元). One row per firm and year.
* tags: ``uscc, tag`` with tag ids from `chanye.registry.fields.TAGS` (above_scale, high_tech, srdi,
  little_giant, listed). May be None.
* links: what `link_enterprises` returns (one or several chains).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from chanye.classify.scope import clean_scopes
from chanye.errors import InputError
from chanye.framework.chains import ChainNode, ChainTemplate

__all__ = [
    "DIAGNOSIS_COLUMNS",
    "EXPANSION_COLUMNS",
    "LEADER_COLUMNS",
    "LINK_COLUMNS",
    "RECRUITMENT_COLUMNS",
    "ExpansionWeights",
    "RecruitmentWeights",
    "diagnose",
    "expansion_list",
    "leaders",
    "link_enterprises",
    "recruitment_list",
]

GUANGZHOU = "440100"

# --- linking ----------------------------------------------------------------------------------------------

PRODUCER, SELLER, USER = "生产", "销售", "依赖"
ROLE_ORDER = {PRODUCER: 0, SELLER: 1, USER: 2}

# Confidence of a link by the rule that made it (method). Code evidence beats words; a user (依赖) link is an
# inference from the chain's structure, so it is the weakest.
CONFIDENCE: dict[str, float] = {
    "code": 0.9,  # 生产: the firm's GB/T 4754 class is owned whole by the node
    "code+keyword": 0.8,  # 生产: class owned in part, and the scope or name holds one of the rule's keywords
    "keyword": 0.5,  # 生产: a node keyword in the scope or name, any class except wholesale/retail
    "trade+keyword": 0.6,  # 销售: wholesale/retail class and a clause that sells one of the node's products
    "edge+keyword": 0.6,  # 依赖: both user rules below hold
    "scope+keyword": 0.5,  # 依赖: produces a node downstream and the scope names this node's product
    "edge": 0.4,  # 依赖: produces a node this node directly supplies (a supply edge)
}
TRADE_DIVISIONS: tuple[str, ...] = ("51", "52")  # 批发业, 零售业
SALES_VERBS: tuple[str, ...] = ("销售", "批发", "零售", "经销", "分销", "代销")

LINK_COLUMNS = ["uscc", "chain", "chain_node", "role", "method", "evidence", "confidence"]


def _alternation(words: Iterable[str]) -> str:
    # Longest first, so that 动力锂电池 is reported rather than 锂电池 when both match.
    unique = sorted(set(words), key=lambda w: (-len(w), w))
    return "|".join(re.escape(w) for w in unique)


def _text(series: pd.Series | None, index: pd.Index) -> pd.Series:
    if series is None:
        return pd.Series("", index=index, dtype=object)
    return series.astype(object).where(series.notna(), "").astype(str)


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{what} 缺少列 {', '.join(missing)} (missing columns)")


def link_enterprises(firms: pd.DataFrame, chain: ChainTemplate | Sequence[ChainTemplate]) -> pd.DataFrame:
    """Link firms to the chain's nodes, one row per (firm, node) with the firm's role there.

    Rules, in priority order (a firm gets at most one role per node: 生产 over 销售 over 依赖):

    * 生产 (producer): the firm's GB/T 4754 class lies under a node's code rule: ``whole`` (method ``code``),
      or ``partial`` with one of the rule's keywords and none of its ``exclude`` words in the cleaned business
      scope or the name (``code+keyword``). Failing that, one of the node's own ``keywords`` in the scope or
      name of a firm outside wholesale/retail (``keyword``).
    * 销售 (seller): a wholesale/retail class (51xx/52xx) and a scope clause (between ；/。) that holds a sales
      verb (销售/批发/零售/经销/分销/代销) and one of the node's terms (`ChainNode.terms`) (``trade+keyword``).
    * 依赖 (user): a producer of node B depends on node A when A -> B is a supply edge (``edge``), or when A
      is upstream of B (a path of edges) and the firm's scope names one of A's terms (``scope+keyword``);
      both: ``edge+keyword``. A producer of A is never also its user.

    A node's ``roles`` hint, when given, limits the roles assigned on it. `chain` may be a list of templates:
    the scopes are then cleaned once for all of them. Columns: `LINK_COLUMNS`; rows in template order, node
    order, role order, then the firms' order.

    Speed: every rule needs one of the template's codes or one of its words, so per template the firms are
    first cut down to those with a code under one of its rules or any of its words in the scope or name (one
    regular-expression pass); the per-node rules run on that short list only.
    """
    _require(firms, ["uscc", "industry_code"], "企业表 firms")
    chains = [chain] if isinstance(chain, ChainTemplate) else list(chain)
    prepared = _Prepared.of(firms)
    parts = [_link_one(prepared.take(_candidates(prepared, [c])), c) for c in chains]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=float if c == "confidence" else object) for c in LINK_COLUMNS})
    return pd.concat(parts, ignore_index=True)


@dataclass
class _Prepared:
    """The firms' columns every rule reads, computed once: code, cleaned scope, scope + name, trade flag.
    Indexed by the firm's row in the input (kept through `take`, so output order follows the input)."""

    uscc: pd.Series
    code: pd.Series
    scope: pd.Series
    text: pd.Series
    trade: pd.Series
    all_uscc: np.ndarray  # every input row's USCC, by row number (the index above)
    unique: bool  # no USCC on two input rows

    @classmethod
    def of(cls, firms: pd.DataFrame) -> _Prepared:
        firms = firms.reset_index(drop=True)
        index = firms.index
        code = _text(firms["industry_code"], index).str.strip()
        # pandas' arrow-backed strings run str.contains through RE2, an order of magnitude faster than re.
        scope = clean_scopes(_text(firms.get("business_scope"), index)).astype("str")
        text = (scope + "；" + _text(firms.get("name"), index).astype("str")).astype("str")
        trade = code.str[:2].isin(TRADE_DIVISIONS)
        uscc = firms["uscc"].astype(str)
        return cls(uscc, code, scope, text, trade, uscc.to_numpy(dtype=object), bool(uscc.is_unique))

    def take(self, mask: pd.Series) -> _Prepared:
        if bool(mask.all()):
            return self
        return _Prepared(self.uscc[mask], self.code[mask], self.scope[mask], self.text[mask], self.trade[mask],
                         self.all_uscc, self.unique)


def _chain_words(chains: Sequence[ChainTemplate]) -> set[str]:
    words: set[str] = set()
    for chain in chains:
        for node in chain.nodes:
            words.update(node.terms())
            words.update(node.keywords)
            for rule in node.codes:
                words.update(rule.keywords)
    return {w for w in words if w}


def _candidates(prepared: _Prepared, chains: Sequence[ChainTemplate]) -> pd.Series:
    """Firms some rule of `chains` could link: a code under one of their code rules, or one of their words
    (products, keywords; `_chain_words`) in the scope or name. Every other firm has no link on them."""
    codes = tuple(sorted({rule.code for c in chains for node in c.nodes for rule in node.codes}))
    if prepared.code.empty or not codes:
        mask = pd.Series(False, index=prepared.code.index)
    else:
        mask = prepared.code.str.startswith(codes).fillna(False).astype(bool)
    words = sorted(_chain_words(chains))
    rest = prepared.text[~mask]
    # RE2 (behind str.contains) slows down sharply past a few hundred alternatives: match in chunks.
    for i in range(0, len(words), _WORDS_PER_PASS):
        if rest.empty:
            break
        hit = rest.str.contains(_alternation(words[i:i + _WORDS_PER_PASS]), regex=True).fillna(False).astype(bool)
        mask.loc[hit.index[hit.to_numpy()]] = True
        rest = rest[~hit]
    return mask


_WORDS_PER_PASS = 300


def _first_match(texts: pd.Series, pattern: str) -> pd.Series:
    """The first (leftmost, then first alternative) match of `pattern` in each text that has one, index kept:
    RE2's fast matcher (pyarrow's match_substring_regex) picks the rows, RE2 extracts the words from those."""
    if texts.empty:
        return pd.Series(dtype=object)
    arr = pa.array(texts.astype("str"))
    hit = pc.match_substring_regex(arr, pattern).to_numpy(zero_copy_only=False)
    if not hit.any():
        return pd.Series(dtype=object)
    found = pc.extract_regex(arr.filter(pa.array(hit)), f"(?P<w>{pattern})").field("w")
    return pd.Series(found.to_numpy(zero_copy_only=False).astype(object), index=texts.index[hit], dtype=object)


def _link_one(prepared: _Prepared, chain: ChainTemplate) -> pd.DataFrame:
    if prepared.uscc.empty:
        return pd.DataFrame(columns=LINK_COLUMNS)
    # (node id -> frame of method, evidence) per role, indexed by the firm's row
    producers: dict[str, pd.DataFrame] = {}
    sellers: dict[str, pd.DataFrame] = {}
    for node in chain.nodes:
        if PRODUCER in node.allowed_roles:
            producers[node.id] = _producers(node, prepared)
        if SELLER in node.allowed_roles:
            sellers[node.id] = _sellers(node, prepared)
    users = _users(chain, producers, prepared.scope)

    # Per node: producers, then sellers, then users not already taken; arrays only (no per-row Python).
    rows, nodes, roles, methods, evidence = [], [], [], [], []
    for n_pos, node in enumerate(chain.nodes):
        taken: np.ndarray | None = None
        for r_pos, table in enumerate((producers, sellers, users)):
            found = table.get(node.id)
            if found is None or found.empty:
                continue
            at = found.index.to_numpy()
            keep = np.ones(len(at), dtype=bool) if taken is None else ~np.isin(at, taken)
            if not keep.any():
                continue
            at = at[keep]
            taken = at if taken is None else np.concatenate([taken, at])
            rows.append(at)
            nodes.append(np.full(len(at), n_pos))
            roles.append(np.full(len(at), r_pos))
            methods.append(found["method"].to_numpy(dtype=object)[keep])
            evidence.append(found["evidence"].to_numpy(dtype=object)[keep])
    if not rows:
        return pd.DataFrame(columns=LINK_COLUMNS)
    row, node_pos, role_pos = np.concatenate(rows), np.concatenate(nodes), np.concatenate(roles)
    sort = np.lexsort((row, role_pos, node_pos))  # node order, role order, then the firms' order
    method = np.concatenate(methods)[sort]
    out = pd.DataFrame({
        "uscc": prepared.all_uscc[row[sort]],
        "chain": chain.id,
        "chain_node": np.array([n.id for n in chain.nodes], dtype=object)[node_pos[sort]],
        "role": np.array([PRODUCER, SELLER, USER], dtype=object)[role_pos[sort]],
        "method": method,
        "evidence": np.concatenate(evidence)[sort],
        "confidence": pd.Series(method).map(CONFIDENCE).to_numpy(dtype=float),
    })
    if not prepared.unique:  # the same USCC on several input rows: keep its first link per node
        out = out.drop_duplicates(["uscc", "chain", "chain_node"], keep="first").reset_index(drop=True)
    return out[LINK_COLUMNS]


def _empty_found() -> pd.DataFrame:
    return pd.DataFrame({"method": pd.Series(dtype=object), "evidence": pd.Series(dtype=object)})


def _producers(node: ChainNode, prepared: _Prepared) -> pd.DataFrame:
    code, text, trade = prepared.code, prepared.text, prepared.trade
    parts = []
    done = pd.Series(False, index=code.index)
    for rule in node.codes:
        in_code = code.str.startswith(rule.code) & ~done
        if not in_code.any():
            continue
        if rule.scope == "whole":
            hit = code[in_code].astype(object)
            evidence = "行业代码 " + hit + np.where(hit == rule.code, "（整体归属）", f"（属 {rule.code}，整体归属）")
            parts.append(pd.DataFrame({"method": "code", "evidence": evidence}, index=hit.index))
            done |= in_code
            continue
        sub = text[in_code]
        word = _first_match(sub, _alternation(rule.keywords))
        if rule.exclude and not word.empty:
            word = word[~sub[word.index].str.contains(_alternation(rule.exclude), regex=True)]
        if word.empty:
            continue
        hit = code[word.index].astype(object)
        evidence = (
            "行业代码 " + hit + np.where(hit == rule.code, "（部分归属）", f"（属 {rule.code}，部分归属）")
            + "，经营范围或名称含「" + word + "」"
        )
        parts.append(pd.DataFrame({"method": "code+keyword", "evidence": evidence}, index=word.index))
        done.loc[word.index] = True
    if node.keywords:
        word = _first_match(text[~done & ~trade], _alternation(node.keywords))
        if not word.empty:
            evidence = "经营范围或名称含「" + word + "」"
            parts.append(pd.DataFrame({"method": "keyword", "evidence": evidence}, index=word.index))
    return pd.concat(parts) if parts else _empty_found()


def _sellers(node: ChainNode, prepared: _Prepared) -> pd.DataFrame:
    terms = node.terms()
    trade = prepared.trade
    if not terms or not trade.any():
        return _empty_found()
    verbs, words = _alternation(SALES_VERBS), _alternation(terms)
    clause = rf"(?:{verbs})[^；。]*?(?:{words})|(?:{words})[^；。]*?(?:{verbs})"
    found = _first_match(prepared.scope[trade], clause)
    if found.empty:
        return _empty_found()
    evidence = "批发零售业代码 " + prepared.code[found.index].astype(object) + "，经营范围「" + found + "」"
    return pd.DataFrame({"method": "trade+keyword", "evidence": evidence}, index=found.index)


def _users(chain: ChainTemplate, producers: dict[str, pd.DataFrame], scope: pd.Series) -> dict[str, pd.DataFrame]:
    """依赖 links of every node, vectorised: per node A, the producers of the nodes downstream of A (in template
    order) less A's own producers; the first direct customer B gives the edge evidence, the first downstream
    node the scope evidence (when the scope names one of A's terms)."""
    graph = chain.graph()
    names = {n.id: n.name.zh for n in chain.nodes}
    order = {n.id: i for i, n in enumerate(chain.nodes)}
    made = [(nid, f.index) for nid, f in producers.items() if f is not None and not f.empty]
    if not made:
        return {}
    # every (firm row, node it produces on), with the node's template position
    made_rows = pd.DataFrame({
        "row": np.concatenate([np.asarray(ix) for _, ix in made]),
        "target": np.concatenate([np.repeat(nid, len(ix)).astype(object) for nid, ix in made]),
    })
    made_rows["pos"] = made_rows["target"].map(order)
    made_rows = made_rows.sort_values(["pos", "row"], kind="stable")
    out: dict[str, pd.DataFrame] = {}
    for node in chain.nodes:
        if USER not in node.allowed_roles:
            continue
        downstream = nx.descendants(graph, node.id)
        if not downstream:
            continue
        own = producers.get(node.id)
        candidates = made_rows[made_rows["target"].isin(downstream)]
        if own is not None and not own.empty:
            candidates = candidates[~candidates["row"].isin(own.index)]
        if candidates.empty:
            continue
        first = candidates.drop_duplicates("row", keep="first").set_index("row")["target"]
        direct = set(graph.successors(node.id))
        edge_to = candidates[candidates["target"].isin(direct)].drop_duplicates("row", keep="first")
        edge_to = edge_to.set_index("row")["target"]
        terms = node.terms()
        word = _first_match(scope.loc[first.index], _alternation(terms)) if terms else pd.Series(dtype=object)
        index = edge_to.index.union(word.index)
        if index.empty:
            continue
        name = names[node.id]
        edge_name = edge_to.map(names).astype(object)
        edge_ev = ("生产「" + edge_name + "」，供应关系 " + name + " → " + edge_name).reindex(index)
        scope_word = ("经营范围含上游产品「" + word.astype(object) + "」").reindex(index)
        scope_ev = "生产「" + first.reindex(index).map(names).astype(object) + "」，" + scope_word
        has_edge, has_scope = edge_ev.notna().to_numpy(), scope_word.notna().to_numpy()
        method = np.where(has_edge & has_scope, "edge+keyword", np.where(has_edge, "edge", "scope+keyword"))
        evidence = np.where(has_edge & has_scope, (edge_ev + "；" + scope_word).to_numpy(dtype=object),
                            np.where(has_edge, edge_ev.to_numpy(dtype=object), scope_ev.to_numpy(dtype=object)))
        out[node.id] = pd.DataFrame({"method": method, "evidence": evidence}, index=index)
    return out


# --- firm-level measures ----------------------------------------------------------------------------------

TAG_IDS: tuple[str, ...] = ("srdi", "little_giant", "high_tech", "listed")  # the tags a score rewards
TAG_ZH: dict[str, str] = {
    "above_scale": "规上",
    "srdi": "专精特新",
    "little_giant": "专精特新“小巨人”",
    "high_tech": "高新技术企业",
    "listed": "上市",
}
GROWTH_YEARS = 3  # CAGR over the last three years
GROWTH_CAP = 0.30  # a CAGR of 30% or more scores the full growth component
RD_CAP = 0.10  # an R&D intensity (研发费用/营业收入) of 10% or more scores the full R&D component


def _latest_year(figures: pd.DataFrame | None, year: int | None) -> int | None:
    if year is not None:
        return int(year)
    if figures is None or figures.empty:
        return None
    return int(pd.to_numeric(figures["year"]).max())


def _keys(values: pd.Series) -> pd.Series:
    """USCCs as an object-dtype Series (index kept). pandas' arrow-backed strings convert to numpy on every
    index lookup, which dominates the many lookups below; object keys hash once."""
    return pd.Series(values.astype(str).to_numpy(dtype=object), index=values.index, dtype=object)


def firm_measures(
    firms: pd.DataFrame,
    figures: pd.DataFrame | None,
    tags: pd.DataFrame | None,
    year: int | None = None,
    growth_years: int = GROWTH_YEARS,
) -> pd.DataFrame:
    """Per firm (indexed by uscc, object dtype): revenue and rd_expense (万元) in `year` (the latest year of
    `figures` by default), CAGR over the last `growth_years` (cagr, cagr_years), and one boolean column per
    tag (above_scale and `TAG_IDS`).

    `diagnose`, `leaders`, `recruitment_list` and `expansion_list` compute this themselves; a caller running
    several of them over the same frames may compute it once (same `year`, `growth_years`) and pass it as
    ``measures=``. Vectorised: hash joins, no per-row Python."""
    year = _latest_year(figures, year)
    ids = pd.Index(_keys(firms["uscc"]).unique(), name="uscc", dtype=object)
    out = pd.DataFrame(index=ids)
    out["revenue"] = 0.0
    out["rd_expense"] = np.nan
    out["cagr"] = np.nan
    out["cagr_years"] = 0
    if figures is not None and not figures.empty and year is not None:
        _require(figures, ["uscc", "year", "revenue"], "年度指标表 figures")
        years = pd.to_numeric(figures["year"]).astype(int)
        keep = ((years >= year - growth_years) & (years <= year)).to_numpy()
        fig = pd.DataFrame({
            "uscc": pd.Series(_keys(figures["uscc"]).to_numpy()[keep], dtype=object),
            "year": years.to_numpy()[keep],
            "revenue": pd.to_numeric(figures["revenue"], errors="coerce").to_numpy(dtype=float)[keep],
        })
        if "rd_expense" in figures.columns:
            fig["rd_expense"] = pd.to_numeric(figures["rd_expense"], errors="coerce").to_numpy(dtype=float)[keep]
        now = fig[fig["year"] == year].drop_duplicates("uscc", keep="last").set_index("uscc")
        out["revenue"] = now["revenue"].reindex(ids).fillna(0.0).astype(float)
        if "rd_expense" in now.columns:
            out["rd_expense"] = now["rd_expense"].reindex(ids)
        # CAGR from the earliest year in [year - growth_years, year) with positive revenue to `year`.
        window = fig[(fig["year"] < year) & (fig["revenue"] > 0)]
        first = window.sort_values(["uscc", "year"]).drop_duplicates("uscc", keep="first").set_index("uscc")
        base = first["revenue"].reindex(ids)
        span = (year - first["year"]).reindex(ids)
        last = out["revenue"].where(out["revenue"] > 0)
        ok = (base.notna() & last.notna() & span.notna()).to_numpy()
        cagr = (last[ok] / base[ok]) ** (1.0 / span[ok].astype(float)) - 1.0
        out.loc[ok, "cagr"] = cagr.to_numpy()
        out.loc[ok, "cagr_years"] = span[ok].astype(int).to_numpy()
    held = pd.DataFrame({"uscc": pd.Series(dtype=object), "tag": pd.Series(dtype=object)})
    if tags is not None and not tags.empty:
        _require(tags, ["uscc", "tag"], "企业标签表 tags")
        held = pd.DataFrame({"uscc": _keys(tags["uscc"]).to_numpy(), "tag": tags["tag"].astype(str).to_numpy()})
        held = held.astype({"uscc": object})
    for tag in ("above_scale", *TAG_IDS):
        out[tag] = ids.isin(held.loc[held["tag"] == tag, "uscc"])
    return out


def _measures(
    firms: pd.DataFrame,
    figures: pd.DataFrame | None,
    tags: pd.DataFrame | None,
    year: int | None,
    growth_years: int = GROWTH_YEARS,
    measures: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """`firm_measures` for `firms`, or the rows of a precomputed `measures` for them."""
    if measures is None:
        return firm_measures(firms, figures, tags, year, growth_years)
    ids = pd.Index(_keys(firms["uscc"]).unique(), name="uscc", dtype=object)
    out = measures.reindex(ids)
    absent = ~ids.isin(measures.index)
    if absent.any():  # a firm the caller's measures lack: no figures, no tags
        out.loc[absent, ["revenue", "cagr_years"]] = 0
        out.loc[absent, ["above_scale", *TAG_IDS]] = False
        out = out.astype({"cagr_years": int, "above_scale": bool, **dict.fromkeys(TAG_IDS, bool)})
    return out


def _tag_text(row: pd.Series, tags: Sequence[str] = TAG_IDS) -> str:
    return "、".join(TAG_ZH[t] for t in tags if bool(row[t]))


def _tag_texts(frame: pd.DataFrame, tags: Sequence[str] = TAG_IDS) -> list[str]:
    """`_tag_text` of every row, from the boolean tag columns."""
    flags = zip(*(frame[t].to_numpy(dtype=bool) for t in tags), strict=True)
    words = [TAG_ZH[t] for t in tags]
    return ["、".join(w for w, f in zip(words, row, strict=True) if f) for row in flags]


def _growth_component(cagr: pd.Series, cap: float) -> pd.Series:
    return (cagr / cap).clip(lower=0.0, upper=1.0).fillna(0.0)


# --- diagnosis --------------------------------------------------------------------------------------------

STRONG, WEAK, MISSING = "强链", "弱链", "缺链"
WEAK_PERCENTILE = 40.0  # 弱链 when the LQ is below this percentile of the peer cities' LQs for the node
MIN_PRODUCERS = 3  # 弱链 when fewer local producers
STRONG_LQ = 1.0  # 弱链 when the LQ is below this (no specialisation); 0 switches the rule off
MIN_PEER_FIRMS = 20  # peer cities: other cities with at least this many firms in the sample
LQ_BASES = ("revenue", "count")

DIAGNOSIS_COLUMNS = [
    "chain", "chain_node", "node_name", "segment", "segment_zh", "area", "area_name",
    "producers", "above_scale", "srdi", "little_giant", "high_tech", "listed", "sellers", "users",
    "revenue_yi", "national_producers", "national_revenue_yi", "share_national",
    "lq", "lq_threshold", "lq_percentile", "peer_cities", "status", "reason",
]


def _area_name(city: str, district: str | None) -> str:
    from chanye.standards import regions

    if district is not None:
        found = regions.region("county", district)
        return found.name if found else str(district)
    found = regions.city(city)
    return found.name if found else str(city)


def _city_name(code: object) -> str:
    from chanye.standards import regions

    found = regions.city(code) if code is not None else None
    return found.name if found else ("" if code is None else str(code))


def _area_mask(firms: pd.DataFrame, city: str, district: str | None) -> pd.Series:
    if district is not None:
        _require(firms, ["district_code"], "企业表 firms")
        return firms["district_code"].astype(object).astype(str) == str(district)
    _require(firms, ["city_code"], "企业表 firms")
    return firms["city_code"].astype(object).astype(str) == str(city)


def _chain_links(links: pd.DataFrame, chain: ChainTemplate) -> pd.DataFrame:
    _require(links, ["uscc", "chain", "chain_node", "role"], "关联表 links")
    out = links[links["chain"] == chain.id]
    return out.assign(uscc=_keys(out["uscc"]))


def _fmt(value: float, digits: int = 2) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def _pct(value: float) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.1%}"


def diagnose(
    links: pd.DataFrame,
    firms: pd.DataFrame,
    figures: pd.DataFrame | None,
    tags: pd.DataFrame | None,
    chain: ChainTemplate | Sequence[ChainTemplate],
    city: str = GUANGZHOU,
    district: str | None = None,
    peers: Sequence[str] | None = None,
    *,
    year: int | None = None,
    basis: str = "revenue",
    weak_percentile: float = WEAK_PERCENTILE,
    min_producers: int = MIN_PRODUCERS,
    strong_lq: float = STRONG_LQ,
    require_above_scale: bool = True,
    min_peer_firms: int = MIN_PEER_FIRMS,
    peer_active_only: bool = True,
    measures: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """强链/弱链/缺链 for every node of `chain` in the city (or one of its districts), against the national sample.

    For each node: the area's producers (生产) and their tags, sellers and users; producers' revenue in `year`
    (the latest year of `figures` by default) in 亿元; the area's share of the sample's revenue on the node;
    the location quotient LQ = (node's revenue in the area / all revenue in the area) / (node's revenue in the
    sample / all revenue in the sample) — with ``basis="count"`` firm counts replace revenue. "All revenue" is
    that of every firm in `firms`, linked or not; a firm active on several nodes counts fully on each.

    Peer cities are `peers`, or else every other city with at least `min_peer_firms` firms in `firms`. For
    each node the comparison set is the peers with at least one producer on it (all peers, zeros included,
    with ``peer_active_only=False``); `peer_cities` counts them. lq_threshold is the `weak_percentile`-th
    percentile of their LQs (numpy's linear interpolation), lq_percentile the share (%) of them with a lower LQ.

    Labels: 缺链 when the area has no producer; 弱链 when any of: fewer than `min_producers` producers, no
    规上 (above_scale) producer (if `require_above_scale`), LQ below `strong_lq`, LQ below lq_threshold, no
    LQ (no revenue figures); 强链 otherwise. `reason` says which, with the numbers. Columns:
    `DIAGNOSIS_COLUMNS`; attrs["units"] and attrs["params"] record units and parameters.

    `chain` may be a list of templates: one call then diagnoses them all (rows in template order), sharing
    the per-firm work, which costs more than the nodes. `measures`: see `firm_measures`.
    """
    if basis not in LQ_BASES:
        raise InputError(f"区位商口径 basis 只能是 {', '.join(LQ_BASES)} (unknown basis {basis!r})")
    _require(firms, ["uscc", "city_code"], "企业表 firms")
    year = _latest_year(figures, year)
    city = str(city)
    firms = firms.assign(uscc=_keys(firms["uscc"]), city_code=firms["city_code"].astype(object))
    measures = _measures(firms, figures, tags, year, measures=measures)
    size = measures["revenue"] if basis == "revenue" else pd.Series(1.0, index=measures.index)
    in_area = pd.Series(_area_mask(firms, city, district).to_numpy(), index=firms["uscc"])
    in_area = _any_by_key(in_area)
    firm_city = firms.drop_duplicates("uscc").set_index("uscc")["city_code"].astype(str)

    # peer cities
    counts = firm_city[firm_city != "nan"].value_counts()
    if peers is None:
        peer_codes = sorted(c for c, n in counts.items() if n >= min_peer_firms and c != city)
    else:
        peer_codes = [str(p) for p in peers if str(p) != city]
    national_total = float(size.sum())
    area_total = float(size[in_area.reindex(size.index, fill_value=False)].sum())
    city_totals = size.groupby(firm_city.reindex(size.index)).sum()

    area_name = _area_name(city, district)
    rows = []
    chains = [chain] if isinstance(chain, ChainTemplate) else list(chain)
    for chain in chains:
        chain_links = _chain_links(links, chain)
        for node in chain.nodes:
            node_links = chain_links[chain_links["chain_node"] == node.id]
            made = pd.Index(node_links.loc[node_links["role"] == PRODUCER, "uscc"].unique(), dtype=object)
            made = made[measures.index.get_indexer(made) >= 0]  # hash lookups into the cached index
            local = made[in_area.reindex(made, fill_value=False).to_numpy()]
            local_m = measures.loc[local]
            local_size = float(size.reindex(local).sum())
            national_size = float(size.reindex(made).sum())
            sellers = node_links.loc[node_links["role"] == SELLER, "uscc"]
            users = node_links.loc[node_links["role"] == USER, "uscc"]

            lq = _lq(local_size, area_total, national_size, national_total)
            by_city = size.reindex(made).groupby(firm_city.reindex(made)).sum()
            compared = [c for c in peer_codes if float(by_city.get(c, 0.0)) > 0] if peer_active_only else peer_codes
            peer_lqs = np.array(
                [_lq(float(by_city.get(c, 0.0)), float(city_totals.get(c, 0.0)), national_size, national_total)
                 for c in compared],
                dtype=float,
            )
            peer_lqs = peer_lqs[~np.isnan(peer_lqs)]
            threshold = float(np.percentile(peer_lqs, weak_percentile)) if peer_lqs.size else math.nan
            percentile = 100.0 * float((peer_lqs < lq).mean()) if peer_lqs.size and not math.isnan(lq) else math.nan
            revenue_yi = float(measures["revenue"].reindex(local).sum()) / 1e4
            national_revenue_yi = float(measures["revenue"].reindex(made).sum()) / 1e4
            share = revenue_yi / national_revenue_yi if national_revenue_yi > 0 else math.nan
            row = {
                "chain": chain.id,
                "chain_node": node.id,
                "node_name": node.name.zh,
                "segment": node.segment,
                "segment_zh": node.segment_zh,
                "area": district if district is not None else city,
                "area_name": area_name,
                "producers": len(local),
                "above_scale": int(local_m["above_scale"].sum()),
                **{t: int(local_m[t].sum()) for t in TAG_IDS},
                "sellers": int(in_area.reindex(pd.Index(sellers.unique(), dtype=object), fill_value=False).sum()),
                "users": int(in_area.reindex(pd.Index(users.unique(), dtype=object), fill_value=False).sum()),
                "revenue_yi": revenue_yi,
                "national_producers": len(made),
                "national_revenue_yi": national_revenue_yi,
                "share_national": share,
                "lq": lq,
                "lq_threshold": threshold,
                "lq_percentile": percentile,
                "peer_cities": int(peer_lqs.size),
            }
            row["status"], row["reason"] = _label(
                row, area_name, basis, weak_percentile, min_producers, strong_lq, require_above_scale
            )
            rows.append(row)
    out = pd.DataFrame(rows, columns=DIAGNOSIS_COLUMNS)
    out.attrs["units"] = {"revenue_yi": "亿元", "national_revenue_yi": "亿元", "share_national": "比例",
                          "lq_percentile": "%"}
    out.attrs["params"] = {
        "city": city, "district": district, "year": year, "basis": basis, "peers": peer_codes,
        "weak_percentile": weak_percentile, "min_producers": min_producers, "strong_lq": strong_lq,
        "require_above_scale": require_above_scale, "min_peer_firms": min_peer_firms,
        "peer_active_only": peer_active_only,
    }
    return out


def _lq(node_area: float, area_total: float, node_national: float, national_total: float) -> float:
    """Location quotient: the node's share of the area's economy over its share of the national sample's."""
    if area_total <= 0 or node_national <= 0 or national_total <= 0:
        return math.nan
    return (node_area / area_total) / (node_national / national_total)


def _label(row: dict, area: str, basis: str, pct: float, min_producers: int, strong_lq: float,
           require_above_scale: bool) -> tuple[str, str]:
    n, lq, thr = row["producers"], row["lq"], row["lq_threshold"]
    basis_zh = "营业收入" if basis == "revenue" else "企业数"
    if n == 0:
        return MISSING, f"缺链：{area}没有该环节的生产企业（全国样本 {row['national_producers']} 家）"
    facts = (
        f"生产企业 {n} 家（规上 {row['above_scale']} 家），营业收入 {_fmt(row['revenue_yi'])} 亿元，"
        f"占全国样本 {_pct(row['share_national'])}，区位商 {_fmt(lq)}（按{basis_zh}计）"
    )
    problems = []
    if n < min_producers:
        problems.append(f"生产企业 {n} 家，少于 {min_producers} 家")
    if require_above_scale and row["above_scale"] == 0:
        problems.append("没有规上生产企业")
    if math.isnan(lq):
        problems.append("缺少营业收入数据，无法计算区位商")
    else:
        if lq < strong_lq:
            problems.append(f"区位商 {_fmt(lq)} 低于 {strong_lq:g}")
        if not math.isnan(thr) and lq < thr:
            problems.append(
                f"区位商 {_fmt(lq)} 低于 {row['peer_cities']} 个同类城市的第 {pct:g} 百分位 {_fmt(thr)}"
            )
    if problems:
        return WEAK, "弱链：" + "；".join(problems) + f"。现有{facts}"
    peer = (
        f"，也不低于 {row['peer_cities']} 个同类城市的第 {pct:g} 百分位 {_fmt(thr)}" if not math.isnan(thr) else ""
    )
    return STRONG, f"强链：{facts}，不低于 {strong_lq:g}{peer}"


# --- 链主 (chain leaders) ----------------------------------------------------------------------------------

LEADER_TOP = 3
LEADER_COLUMNS = [
    "chain", "uscc", "name", "chain_nodes", "node_names", "node_count", "connectivity", "revenue_yi",
    "size_rank", "connectivity_rank", "basis", "reason",
]


def _local_producers(links: pd.DataFrame, chain: ChainTemplate, firms: pd.DataFrame, city: str,
                     district: str | None) -> pd.DataFrame:
    chain_links = _chain_links(links, chain)
    made = chain_links[chain_links["role"] == PRODUCER]
    local = _any_by_key(pd.Series(_area_mask(firms, city, district).to_numpy(), index=_keys(firms["uscc"])))
    return made[local.reindex(made["uscc"], fill_value=False).to_numpy()]


def _any_by_key(mask: pd.Series) -> pd.Series:
    """True per key when any row with that key is True (a no-op on unique keys: no sort of 200k strings)."""
    return mask if mask.index.is_unique else mask.groupby(level=0).any()


def _nodes_by_firm(links: pd.DataFrame, order: dict[str, int]) -> dict[str, list[str]]:
    """Each firm's distinct chain nodes in `links`, in template order."""
    pairs = links[["uscc", "chain_node"]].drop_duplicates()
    by_node = np.argsort(pairs["chain_node"].map(order).to_numpy(), kind="stable")
    out: dict[str, list[str]] = {}
    for uscc, node in zip(pairs["uscc"].to_numpy(dtype=object)[by_node],
                          pairs["chain_node"].to_numpy(dtype=object)[by_node], strict=True):
        out.setdefault(uscc, []).append(node)
    return out


def _neighbourhood(chain: ChainTemplate) -> dict[str, set[str]]:
    """Each node with the nodes one supply edge away in either direction (its closed neighbourhood)."""
    graph = chain.graph().to_undirected()
    return {n: {n, *graph.neighbors(n)} for n in graph.nodes}


def leaders(
    links: pd.DataFrame,
    firms: pd.DataFrame,
    figures: pd.DataFrame | None,
    chain: ChainTemplate,
    city: str = GUANGZHOU,
    district: str | None = None,
    *,
    year: int | None = None,
    top: int = LEADER_TOP,
    measures: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """链主: the area's `top` largest producers on the chain by revenue, and its `top` best-connected ones.

    Connectivity of a firm = the number of chain nodes within one supply edge (either direction) of the nodes
    it produces on, those nodes included; ties go to more nodes produced on, then revenue, then USCC. A firm
    in both lists appears once (basis 规模、连接). Rows come in size order, then the connectivity-only leaders
    in connectivity order. Columns: `LEADER_COLUMNS`.
    """
    year = _latest_year(figures, year)
    made = _local_producers(links, chain, firms, str(city), district)
    if made.empty:
        return pd.DataFrame(columns=LEADER_COLUMNS)
    measures = _measures(pd.DataFrame({"uscc": made["uscc"].unique()}), figures, None, year, measures=measures)
    order = {n.id: i for i, n in enumerate(chain.nodes)}
    names = {n.id: n.name.zh for n in chain.nodes}
    near = _neighbourhood(chain)
    by_firm = _nodes_by_firm(made, order)
    firm_name = firms.assign(uscc=_keys(firms["uscc"])).drop_duplicates("uscc").set_index("uscc")["name"]
    firm_name = firm_name.reindex(pd.Index(list(by_firm), dtype=object)).to_dict()
    revenue = measures["revenue"].to_dict()
    rows = []
    for uscc in sorted(by_firm):
        nodes = by_firm[uscc]
        reach = set().union(*(near[n] for n in nodes))
        name = firm_name.get(uscc)
        rows.append({
            "chain": chain.id, "uscc": uscc, "name": uscc if name is None or name != name else name,
            "chain_nodes": ",".join(nodes),
            "node_names": "、".join(names[n] for n in nodes), "node_count": len(nodes),
            "connectivity": len(reach), "revenue_yi": float(revenue.get(uscc, 0.0)) / 1e4,
        })
    frame = pd.DataFrame(rows)
    by_size = frame[frame["revenue_yi"] > 0].sort_values(["revenue_yi", "uscc"], ascending=[False, True])
    by_conn = frame.sort_values(["connectivity", "node_count", "revenue_yi", "uscc"],
                                ascending=[False, False, False, True])
    frame["size_rank"] = pd.Series(range(1, len(by_size) + 1), index=by_size.index).reindex(frame.index)
    frame["connectivity_rank"] = pd.Series(range(1, len(by_conn) + 1), index=by_conn.index)
    total = len(chain.nodes)
    picked = frame[(frame["size_rank"] <= top) | (frame["connectivity_rank"] <= top)].copy()
    picked["_size"] = picked["size_rank"].where(picked["size_rank"] <= top)
    picked = picked.sort_values(["_size", "connectivity_rank"], na_position="last")

    def describe(r: pd.Series) -> tuple[str, str]:
        basis, reason = [], []
        if r["size_rank"] <= top:
            basis.append("规模")
            reason.append(f"营业收入 {_fmt(r['revenue_yi'])} 亿元，本地该链生产企业第 {int(r['size_rank'])} 位")
        if r["connectivity_rank"] <= top:
            basis.append("连接")
            reason.append(
                f"生产 {r['node_count']} 个环节（{r['node_names']}），经供应关系连接链上 {r['connectivity']}/{total} "
                f"个环节，连接度本地第 {int(r['connectivity_rank'])} 位"
            )
        return "、".join(basis), "；".join(reason)

    described = picked.apply(describe, axis=1, result_type="expand")
    picked["basis"], picked["reason"] = described[0], described[1]
    picked["size_rank"] = picked["size_rank"].astype("Int64")
    picked["connectivity_rank"] = picked["connectivity_rank"].astype("Int64")
    return picked[LEADER_COLUMNS].reset_index(drop=True)


# --- 招商清单 and 增资扩产清单 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecruitmentWeights:
    """Weights of the 招商 score's components (each component lies in [0, 1])."""

    size: float = 0.4
    growth: float = 0.2
    tags: float = 0.2
    connectivity: float = 0.2


@dataclass(frozen=True)
class ExpansionWeights:
    """Weights of the 增资扩产 score's components (each component lies in [0, 1])."""

    growth: float = 0.35
    rd: float = 0.25
    tags: float = 0.2
    scale: float = 0.2


RECRUITMENT_COLUMNS = [
    "序号", "企业名称", "所在城市", "链条环节", "推荐理由", "score", "size", "growth", "tags", "connectivity",
    "uscc", "city_code", "chain_nodes", "revenue_yi", "cagr", "tag_names", "linked_nodes",
]
EXPANSION_COLUMNS = [
    "序号", "企业名称", "所在区", "链条环节", "推荐理由", "score", "growth", "rd", "tags", "scale",
    "uscc", "district_code", "chain_nodes", "revenue_yi", "cagr", "rd_intensity", "tag_names",
]


def _target_nodes(diagnosis: pd.DataFrame, chain: ChainTemplate, statuses: Sequence[str]) -> dict[str, str]:
    _require(diagnosis, ["chain", "chain_node", "status"], "诊断表 diagnosis")
    d = diagnosis[(diagnosis["chain"] == chain.id) & diagnosis["status"].isin(list(statuses))]
    return dict(zip(d["chain_node"], d["status"], strict=True))


def _growth_text(r: pd.Series) -> str:
    if pd.isna(r["cagr"]):
        return "无可比往年营业收入"
    return f"近 {int(r['cagr_years'])} 年营业收入年均增长 {r['cagr']:.1%}"


def recruitment_list(
    links: pd.DataFrame,
    firms: pd.DataFrame,
    figures: pd.DataFrame | None,
    tags: pd.DataFrame | None,
    chain: ChainTemplate,
    diagnosis: pd.DataFrame,
    city: str = GUANGZHOU,
    *,
    year: int | None = None,
    weights: RecruitmentWeights = RecruitmentWeights(),
    statuses: Sequence[str] = (MISSING, WEAK),
    growth_years: int = GROWTH_YEARS,
    growth_cap: float = GROWTH_CAP,
    top: int | None = None,
    measures: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """招商清单: producers outside `city` on the chain's 缺链/弱链 nodes (per `diagnosis`), best first.

    score = w.size·size + w.growth·growth + w.tags·tags + w.connectivity·connectivity, each in [0, 1]:

    * size = ln(1 + revenue in 万元) / the largest such value among the candidates;
    * growth = revenue CAGR over the last `growth_years` / `growth_cap`, clipped to [0, 1] (0 without figures);
    * tags = share of the four tags 专精特新, 小巨人, 高新技术企业, 上市 the firm holds;
    * connectivity = share of the city's chain nodes (those with local producers) that lie one supply edge
      from a node the firm produces on.

    One row per firm (its target nodes joined in 链条环节); ties broken by revenue, then USCC. Columns:
    `RECRUITMENT_COLUMNS`.
    """
    city = str(city)
    targets = _target_nodes(diagnosis, chain, statuses)
    local_nodes = set(diagnosis.loc[(diagnosis["chain"] == chain.id) & (diagnosis["producers"] > 0),
                                    "chain_node"])
    year = _latest_year(figures, year)
    chain_links = _chain_links(links, chain)
    made = chain_links[chain_links["role"] == PRODUCER]
    firm_info = firms.assign(uscc=_keys(firms["uscc"])).drop_duplicates("uscc").set_index("uscc")
    firm_city = firm_info["city_code"].astype(object)
    outside = firm_city.notna() & (firm_city.astype(str) != city)
    made = made[outside.reindex(made["uscc"], fill_value=False).to_numpy()]
    candidates = made[made["chain_node"].isin(list(targets))]
    if candidates.empty:
        return pd.DataFrame(columns=RECRUITMENT_COLUMNS)
    ids = pd.Index(sorted(candidates["uscc"].unique()), name="uscc", dtype=object)
    measures = _measures(firm_info.loc[ids].reset_index(), figures, tags, year, growth_years, measures)
    order = {n.id: i for i, n in enumerate(chain.nodes)}
    names = {n.id: n.name.zh for n in chain.nodes}
    near = _neighbourhood(chain)
    frame = measures.loc[ids].copy()
    frame.index.name = None
    all_nodes = {u: set(nodes) for u, nodes in _nodes_by_firm(made[made["uscc"].isin(ids)], order).items()}
    target_nodes = _nodes_by_firm(candidates, order)
    frame["chain_nodes"] = [",".join(target_nodes[u]) for u in ids]
    frame["链条环节"] = ["、".join(f"{names[n]}（{targets[n]}）" for n in target_nodes[u]) for u in ids]
    linked = []
    for u in ids:
        own = all_nodes[u]
        reach = set().union(*(near[n] for n in own)) - own
        linked.append(sorted(reach & local_nodes, key=order.__getitem__))
    frame["linked_nodes"] = [",".join(x) for x in linked]
    log_size = np.log1p(frame["revenue"].clip(lower=0))
    frame["size"] = log_size / log_size.max() if log_size.max() > 0 else 0.0
    frame["growth"] = _growth_component(frame["cagr"], growth_cap)
    frame["tags"] = frame[list(TAG_IDS)].sum(axis=1) / len(TAG_IDS)
    frame["connectivity"] = [len(x) / len(local_nodes) if local_nodes else 0.0 for x in linked]
    w = weights
    frame["score"] = (w.size * frame["size"] + w.growth * frame["growth"] + w.tags * frame["tags"]
                      + w.connectivity * frame["connectivity"])
    frame["revenue_yi"] = frame["revenue"] / 1e4
    frame["tag_names"] = _tag_texts(frame)
    frame["uscc"] = frame.index
    frame["city_code"] = firm_city.reindex(ids).astype(str).to_numpy()
    frame["企业名称"] = firm_info["name"].reindex(ids).to_numpy() if "name" in firm_info else frame["uscc"]
    city_names = {c: _city_name(c) for c in frame["city_code"].unique()}
    frame["所在城市"] = frame["city_code"].map(city_names)
    frame = frame.sort_values(["score", "revenue", "uscc"], ascending=[False, False, True])
    if top is not None:
        frame = frame.head(top)
    frame["序号"] = range(1, len(frame) + 1)
    frame["_nodes_text"] = ["、".join(f"{names[n]}（本地{targets[n]}）" for n in target_nodes[u]) for u in frame.index]
    frame["推荐理由"] = [_recruit_reason(r, names, len(local_nodes)) for r in frame.to_dict("records")]
    return frame[RECRUITMENT_COLUMNS].reset_index(drop=True)


def _recruit_reason(r: pd.Series, names: dict[str, str], local_count: int) -> str:
    parts = [f"位于{r['所在城市']}，生产{r['_nodes_text']}环节产品",
             f"营业收入 {_fmt(r['revenue_yi'])} 亿元", _growth_text(r)]
    if r["tag_names"]:
        parts.append(f"资质：{r['tag_names']}")
    linked = [names[n] for n in r["linked_nodes"].split(",") if n]
    if linked:
        parts.append(f"可与本地 {len(linked)}/{local_count} 个已有环节配套（{'、'.join(linked)}）")
    else:
        parts.append("与本地已有环节无直接供应关系")
    return "；".join(parts) + f"。综合得分 {r['score']:.3f}"


def expansion_list(
    links: pd.DataFrame,
    firms: pd.DataFrame,
    figures: pd.DataFrame | None,
    tags: pd.DataFrame | None,
    chain: ChainTemplate,
    diagnosis: pd.DataFrame,
    city: str = GUANGZHOU,
    district: str | None = None,
    *,
    year: int | None = None,
    weights: ExpansionWeights = ExpansionWeights(),
    statuses: Sequence[str] = (WEAK,),
    growth_years: int = GROWTH_YEARS,
    growth_cap: float = GROWTH_CAP,
    rd_cap: float = RD_CAP,
    top: int | None = None,
    measures: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """增资扩产清单: the area's producers on 弱链 nodes (per `diagnosis`) with growth and capacity signals.

    score = w.growth·growth + w.rd·rd + w.tags·tags + w.scale·scale, each in [0, 1]:

    * growth = revenue CAGR over the last `growth_years` / `growth_cap`, clipped to [0, 1];
    * rd = R&D intensity (研发费用 / 营业收入 in `year`) / `rd_cap`, clipped to [0, 1] (0 without figures);
    * tags = share of the four tags 专精特新, 小巨人, 高新技术企业, 上市 the firm holds;
    * scale = 1 for a 规上 (above_scale) firm, else 0.

    One row per firm; ties broken by revenue, then USCC. Columns: `EXPANSION_COLUMNS`.
    """
    targets = _target_nodes(diagnosis, chain, statuses)
    year = _latest_year(figures, year)
    made = _local_producers(links, chain, firms, str(city), district)
    candidates = made[made["chain_node"].isin(list(targets))]
    if candidates.empty:
        return pd.DataFrame(columns=EXPANSION_COLUMNS)
    from chanye.standards import regions

    ids = pd.Index(sorted(candidates["uscc"].unique()), name="uscc", dtype=object)
    firm_info = firms.assign(uscc=_keys(firms["uscc"])).drop_duplicates("uscc").set_index("uscc")
    measures = _measures(firm_info.loc[ids].reset_index(), figures, tags, year, growth_years, measures)
    order = {n.id: i for i, n in enumerate(chain.nodes)}
    names = {n.id: n.name.zh for n in chain.nodes}
    frame = measures.loc[ids].copy()
    frame.index.name = None
    target_nodes = _nodes_by_firm(candidates, order)
    frame["chain_nodes"] = [",".join(target_nodes[u]) for u in ids]
    frame["链条环节"] = ["、".join(f"{names[n]}（{targets[n]}）" for n in target_nodes[u]) for u in ids]
    frame["growth"] = _growth_component(frame["cagr"], growth_cap)
    revenue = frame["revenue"].where(frame["revenue"] > 0)
    frame["rd_intensity"] = frame["rd_expense"] / revenue
    frame["rd"] = (frame["rd_intensity"] / rd_cap).clip(lower=0.0, upper=1.0).fillna(0.0)
    frame["tags"] = frame[list(TAG_IDS)].sum(axis=1) / len(TAG_IDS)
    frame["scale"] = frame["above_scale"].astype(float)
    w = weights
    frame["score"] = w.growth * frame["growth"] + w.rd * frame["rd"] + w.tags * frame["tags"] + w.scale * frame["scale"]
    frame["revenue_yi"] = frame["revenue"] / 1e4
    frame["tag_names"] = _tag_texts(frame)
    frame["uscc"] = frame.index
    district_code = (firm_info["district_code"].reindex(ids) if "district_code" in firm_info
                     else pd.Series(None, index=ids, dtype=object))
    frame["district_code"] = district_code.astype(object).where(district_code.notna(), None).to_numpy()
    district_names = {
        c: (found.name if (found := regions.region("county", c)) else str(c)) if c is not None else ""
        for c in set(frame["district_code"])
    }
    frame["所在区"] = [district_names[c] for c in frame["district_code"]]
    frame["企业名称"] = firm_info["name"].reindex(ids).to_numpy() if "name" in firm_info else frame["uscc"]
    frame = frame.sort_values(["score", "revenue", "uscc"], ascending=[False, False, True])
    if top is not None:
        frame = frame.head(top)
    frame["序号"] = range(1, len(frame) + 1)
    frame["_nodes_text"] = ["、".join(f"{names[n]}（{targets[n]}）" for n in target_nodes[u]) for u in frame.index]
    frame["推荐理由"] = [_expand_reason(r) for r in frame.to_dict("records")]
    return frame[EXPANSION_COLUMNS].reset_index(drop=True)


def _expand_reason(r: pd.Series) -> str:
    parts = [f"{r['所在区'] or '本地'}企业，生产{r['_nodes_text']}环节产品", f"营业收入 {_fmt(r['revenue_yi'])} 亿元",
             _growth_text(r)]
    if pd.notna(r["rd_intensity"]):
        parts.append(f"研发投入强度 {r['rd_intensity']:.1%}")
    else:
        parts.append("无研发费用数据")
    signals = (["规上企业"] if r["above_scale"] else []) + ([r["tag_names"]] if r["tag_names"] else [])
    if signals:
        parts.append("、".join(signals))
    return "；".join(parts) + f"。综合得分 {r['score']:.3f}"


def weights_dict(weights: RecruitmentWeights | ExpansionWeights) -> dict[str, float]:
    """The weights as a plain dict (for reports and the API)."""
    return asdict(weights)
