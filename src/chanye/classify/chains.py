"""产业链关联 Chain linking: which enterprises make, sell or depend on each node of a chain template, with the
rule that linked them (method), its evidence and a confidence. Classification, like `classify.codes` for the
framework's nodes; `registry.chain_links` stores what this returns and `analytics.chains` reads it back.

Pure: a firms frame and templates in, a links frame out (`LINK_COLUMNS`). Roles and methods are machine codes;
the evidence holds only the facts a rule matched, joined by `SEP`, and `chanye.present.chains` words it:

    method           role      evidence                       e.g.
    code             producer  firm's code|rule's code        3612|3612, 1713|171
    code+keyword     producer  firm's code|rule's code|word   3611|3611|新能源
    keyword          producer  word                           自动驾驶算法
    trade+keyword    seller    firm's code|scope clause       5172|动力电池销售
    edge             user      node it makes (a customer)     vehicle
    edge+keyword     user      customer node|word             vehicle|动力电池
    scope+keyword    user      first downstream node|word     vehicle|碳酸锂

`fingerprint` hashes what linking reads from a template plus `LINK_FORMAT`: a stored link made by another
template or another version of these rules is recognised as such.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa

from chanye.classify.clauses import Clauses
from chanye.classify.scope import clean_scopes
from chanye.errors import InputError
from chanye.framework.chains import ROLE_EN, ChainNode, ChainTemplate

__all__ = [
    "CONFIDENCE",
    "LINK_COLUMNS",
    "LINK_FORMAT",
    "PRODUCER",
    "ROLES",
    "SELLER",
    "SEP",
    "USER",
    "fingerprint",
    "link_enterprises",
    "parse_evidence",
]

PRODUCER, SELLER, USER = "producer", "seller", "user"
ROLES: tuple[str, ...] = (PRODUCER, SELLER, USER)  # the order a node lists them in
ROLE_ORDER = {role: i for i, role in enumerate(ROLES)}
SEP = "|"  # joins the parts of a link's evidence; the last part (a scope clause) may hold it too
LINK_FORMAT = "2"  # 2: machine roles and evidence (1 stored Chinese sentences)

# The parts of each method's evidence, in order (`parse_evidence`).
EVIDENCE_PARTS: dict[str, tuple[str, ...]] = {
    "code": ("code", "rule"),
    "code+keyword": ("code", "rule", "word"),
    "keyword": ("word",),
    "trade+keyword": ("code", "clause"),
    "edge": ("via",),
    "edge+keyword": ("via", "word"),
    "scope+keyword": ("via", "word"),
}

_LINKING_FIELDS = {
    "nodes": {"__all__": {"id", "products", "codes", "keywords", "roles"}},
    "edges": {"__all__": {"source", "target"}},
}


def fingerprint(chain: ChainTemplate) -> str:
    """`LINK_FORMAT` and a short hash of what linking reads from a chain template (node ids, products, code
    rules, keywords, roles, edges): it changes when a relink would give other links, not when a name or
    description does."""
    digest = hashlib.sha1(chain.model_dump_json(include=_LINKING_FIELDS).encode()).hexdigest()[:16]
    return f"{LINK_FORMAT}.{digest}"


def parse_evidence(method: str, evidence: str | None) -> dict[str, str] | None:
    """The named parts of a link's evidence (`EVIDENCE_PARTS`), or None when it is not in this format."""
    parts = EVIDENCE_PARTS.get(method)
    if parts is None or not isinstance(evidence, str) or not evidence:
        return None
    values = evidence.split(SEP, len(parts) - 1)
    if len(values) != len(parts) or not all(values):
        return None
    return dict(zip(parts, values, strict=True))


def _roles(node: ChainNode) -> set[str]:
    """The roles a node allows, as machine codes (the template may write them in Chinese)."""
    return {ROLE_EN.get(r, r) for r in node.allowed_roles}


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

    Rules, in priority order (a firm gets at most one role per node: producer over seller over user):

    * producer (生产): the firm's GB/T 4754 class lies under a node's code rule: ``whole`` (method ``code``),
      or ``partial`` with one of the rule's keywords and none of its ``exclude`` words in the cleaned business
      scope or the name (``code+keyword``). Failing that, one of the node's own ``keywords`` in the scope or
      name of a firm outside wholesale/retail (``keyword``).
    * seller (销售): a wholesale/retail class (51xx/52xx) and a scope clause (between ；/。) that holds a sales
      verb (销售/批发/零售/经销/分销/代销) and one of the node's terms (`ChainNode.terms`) (``trade+keyword``).
    * user (依赖): a producer of node B depends on node A when A -> B is a supply edge (``edge``), or when A
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
    """The firms' columns every rule reads, computed once: code, trade flag, and the cleaned scope + name cut into
    clauses (`classify.clauses`: the rules' patterns run once per distinct clause). Indexed by the firm's row in
    the input (kept through `take`, so output order follows the input; the clauses stay the input's)."""

    uscc: pd.Series
    code: pd.Series
    trade: pd.Series
    clauses: Clauses  # of scope + "；" + name, the scope's clauses first (the head)
    all_uscc: np.ndarray  # every input row's USCC, by row number (the index above)
    unique: bool  # no USCC on two input rows
    code_ids: np.ndarray  # every input row's code as its place in `code_values` (the distinct codes)
    code_values: np.ndarray
    _present: frozenset[str] | None = None  # codes_present()

    @classmethod
    def of(cls, firms: pd.DataFrame) -> _Prepared:
        firms = firms.reset_index(drop=True)
        index = firms.index
        code = _text(firms["industry_code"], index).str.strip()
        scope = pa.array(clean_scopes(_text(firms.get("business_scope"), index), arrow=True), pa.string())
        name = pa.array(_text(firms.get("name"), index), pa.string())
        clauses = Clauses.of(scope, name)
        trade = code.str[:2].isin(TRADE_DIVISIONS)
        uscc = firms["uscc"].astype(str)
        code_ids, code_values = pd.factorize(code.to_numpy(dtype=object))
        return cls(uscc, code, trade, clauses, uscc.to_numpy(dtype=object), bool(uscc.is_unique), code_ids,
                   np.asarray(code_values, dtype=object))

    def codes_present(self) -> frozenset[str]:
        """The distinct codes (computed once: a few thousand at most, against hundreds of rules)."""
        if self._present is None:
            self._present = frozenset(pd.unique(self.code.to_numpy(dtype=object)))
        return self._present

    def take(self, mask: pd.Series) -> _Prepared:
        if bool(mask.all()):
            return self
        return _Prepared(self.uscc[mask], self.code[mask], self.trade[mask], self.clauses, self.all_uscc, self.unique,
                         self.code_ids, self.code_values)

    def under(self, codes: Iterable[str]) -> pd.Series:
        """Whether each firm's code starts with one of `codes`, worked out once per distinct code: its first k
        characters looked up among the codes of length k (2-4; a template has dozens of codes)."""
        by_length: dict[int, set[str]] = {}
        for c in codes:
            by_length.setdefault(len(c), set()).add(c)
        table = np.array([any(v[:k] in group for k, group in by_length.items()) for v in self.code_values],
                         dtype=bool)
        return pd.Series(table[self.code_ids[self.code.index.to_numpy()]], index=self.code.index)

    def contains(self, index: pd.Index, pattern: str) -> np.ndarray:
        """Whether the scope or name of each firm of `index` holds a match of `pattern`."""
        return self.clauses.contains(index.to_numpy(), pattern)

    def first_match(self, index: pd.Index, pattern: str, *, scope_only: bool = False) -> pd.Series:
        """The leftmost match of `pattern` in the scope + name (or the scope alone) of each firm of `index` that
        has one, indexed by the firm's row."""
        if index.empty:
            return pd.Series(dtype=object)
        at, words = self.clauses.first_match(index.to_numpy(), pattern, head=scope_only)
        return pd.Series(words, index=index[at], dtype=object)


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
    mask = prepared.under(codes)
    words = sorted(_chain_words(chains))
    rest = mask.index[~mask.to_numpy()]
    # RE2 slows down sharply past a few hundred alternatives: match in chunks.
    for i in range(0, len(words), _WORDS_PER_PASS):
        if rest.empty:
            break
        hit = prepared.contains(rest, _alternation(words[i:i + _WORDS_PER_PASS]))
        mask.loc[rest[hit]] = True
        rest = rest[~hit]
    return mask


_WORDS_PER_PASS = 300


def _link_one(prepared: _Prepared, chain: ChainTemplate) -> pd.DataFrame:
    if prepared.uscc.empty:
        return pd.DataFrame(columns=LINK_COLUMNS)
    # (node id -> frame of method, evidence) per role, indexed by the firm's row
    producers: dict[str, pd.DataFrame] = {}
    sellers: dict[str, pd.DataFrame] = {}
    for node in chain.nodes:
        roles = _roles(node)
        if PRODUCER in roles:
            producers[node.id] = _producers(node, prepared)
        if SELLER in roles:
            sellers[node.id] = _sellers(node, prepared)
    users = _users(chain, producers, prepared)

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


_EMPTY_FOUND: pd.DataFrame | None = None


def _empty_found() -> pd.DataFrame:
    """No firm found (one shared frame: it is only read, never changed, and building one costs more than the
    rules on a few distinct keys)."""
    global _EMPTY_FOUND
    if _EMPTY_FOUND is None:
        _EMPTY_FOUND = pd.DataFrame({"method": pd.Series(dtype=object), "evidence": pd.Series(dtype=object)})
    return _EMPTY_FOUND


def _producers(node: ChainNode, prepared: _Prepared) -> pd.DataFrame:
    code, trade = prepared.code, prepared.trade
    parts = []
    done = pd.Series(False, index=code.index)
    present = prepared.codes_present()
    for rule in node.codes:
        if not any(c.startswith(rule.code) for c in present):  # no firm under the rule: skip the column scan
            continue
        in_code = prepared.under((rule.code,)) & ~done
        if not in_code.any():
            continue
        if rule.scope == "whole":
            hit = code[in_code].astype(object)
            evidence = hit + SEP + rule.code
            parts.append(pd.DataFrame({"method": "code", "evidence": evidence}, index=hit.index))
            done |= in_code
            continue
        word = prepared.first_match(code.index[in_code.to_numpy()], _alternation(rule.keywords))
        if rule.exclude and not word.empty:
            word = word[~prepared.contains(word.index, _alternation(rule.exclude))]
        if word.empty:
            continue
        hit = code[word.index].astype(object)
        evidence = hit + SEP + rule.code + SEP + word
        parts.append(pd.DataFrame({"method": "code+keyword", "evidence": evidence}, index=word.index))
        done.loc[word.index] = True
    if node.keywords:
        word = prepared.first_match(code.index[(~done & ~trade).to_numpy()], _alternation(node.keywords))
        if not word.empty:
            evidence = word.astype(object)
            parts.append(pd.DataFrame({"method": "keyword", "evidence": evidence}, index=word.index))
    return pd.concat(parts) if parts else _empty_found()


def _sellers(node: ChainNode, prepared: _Prepared) -> pd.DataFrame:
    terms = node.terms()
    trade = prepared.trade
    if not terms or not trade.any():
        return _empty_found()
    verbs, words = _alternation(SALES_VERBS), _alternation(terms)
    clause = rf"(?:{verbs})[^；。]*?(?:{words})|(?:{words})[^；。]*?(?:{verbs})"
    found = prepared.first_match(trade.index[trade.to_numpy()], clause, scope_only=True)
    if found.empty:
        return _empty_found()
    evidence = prepared.code[found.index].astype(object) + SEP + found
    return pd.DataFrame({"method": "trade+keyword", "evidence": evidence}, index=found.index)


def _users(chain: ChainTemplate, producers: dict[str, pd.DataFrame], prepared: _Prepared) -> dict[str, pd.DataFrame]:
    """依赖 links of every node, vectorised: per node A, the producers of the nodes downstream of A (in template
    order) less A's own producers; the first direct customer B gives the edge evidence, the first downstream
    node the scope evidence (when the scope names one of A's terms). Arrays throughout: with a few thousand keys
    per call, pandas' per-node overhead was most of the cost (issue 14)."""
    graph = chain.graph()
    order = {n.id: i for i, n in enumerate(chain.nodes)}
    ids = np.array([n.id for n in chain.nodes], dtype=object)
    made = [(order[nid], f.index.to_numpy()) for nid, f in producers.items() if f is not None and not f.empty]
    if not made:
        return {}
    # every (firm row, position of a node it produces on), by position, then row
    row = np.concatenate([ix for _, ix in made])
    pos = np.concatenate([np.full(len(ix), p) for p, ix in made])
    by = np.lexsort((row, pos))
    row, pos = row[by], pos[by]
    out: dict[str, pd.DataFrame] = {}
    for node in chain.nodes:
        if USER not in _roles(node):
            continue
        downstream = nx.descendants(graph, node.id)
        if not downstream:
            continue
        keep = _positions(order, downstream, len(ids))[pos]
        own = producers.get(node.id)
        if own is not None and not own.empty:
            keep &= ~np.isin(row, own.index.to_numpy())
        if not keep.any():
            continue
        rows, at = np.unique(row[keep], return_index=True)  # each firm's first downstream node (template order)
        first = pos[keep][at]
        direct = _positions(order, graph.successors(node.id), len(ids))[pos[keep]]
        edge_rows, at = np.unique(row[keep][direct], return_index=True)
        edge = pos[keep][direct][at]
        terms = node.terms()
        word = prepared.first_match(pd.Index(rows), _alternation(terms), scope_only=True) if terms \
            else pd.Series(dtype=object)
        index = np.union1d(edge_rows, word.index.to_numpy())
        if not len(index):
            continue
        has_edge, has_scope = np.isin(index, edge_rows), np.isin(index, word.index.to_numpy())
        via_edge = np.full(len(index), "", dtype=object)
        via_edge[has_edge] = ids[edge]  # edge_rows is sorted, as index is, and all in it
        via_first = ids[first[np.searchsorted(rows, index)]]
        said = np.full(len(index), "", dtype=object)
        said[has_scope] = word.sort_index().to_numpy(dtype=object)
        method = np.where(has_edge & has_scope, "edge+keyword", np.where(has_edge, "edge", "scope+keyword"))
        evidence = np.where(has_edge & has_scope, via_edge + SEP + said,
                            np.where(has_edge, via_edge, via_first + SEP + said))
        out[node.id] = pd.DataFrame({"method": method, "evidence": evidence}, index=pd.Index(index))
    return out


def _positions(order: dict[str, int], nodes: Iterable[str], size: int) -> np.ndarray:
    """A lookup by template position: whether the node there is one of `nodes`."""
    flags = np.zeros(size, dtype=bool)
    flags[[order[n] for n in nodes]] = True
    return flags


def name_words(chains: Sequence[ChainTemplate]) -> set[str]:
    """Every word linking searches in a firm's scope + name (`_chain_words` and the code rules' exclusions): a
    name holding none links as the empty name does (issue 14: links are computed per distinct key)."""
    words = _chain_words(chains)
    words.update(w for chain in chains for node in chain.nodes for rule in node.codes for w in rule.exclude if w)
    return words
