"""Link the registry's enterprises to a pack's chain templates and store the links: `classify.chains` links,
`registry.chain_links` reads and writes. The caller holds the transaction (an import, the demo build,
`chanye classify`)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import pyarrow as pa

from chanye.classify.ahead import Ahead, with_ahead
from chanye.classify.chains import LINK_COLUMNS, LINK_FORMAT, fingerprint, link_enterprises, name_words
from chanye.classify.enterprises import _key_frame, keyed_table, names_to_key
from chanye.framework import Framework, load_pack
from chanye.registry import chain_links as stored
from chanye.registry import classifications
from chanye.registry.store import Store

__all__ = ["link_chains", "link_status"]


def _framework(framework: Framework | str | None) -> Framework:
    return framework if isinstance(framework, Framework) else load_pack(framework)


def chain_words(framework: Framework) -> set[str]:
    """Every word chain linking searches in a name (`classify.chains.name_words`)."""
    return name_words(list(framework.chains))


def link_chains(store: Store, framework: Framework | str | None = None, usccs: Iterable[str] | None = None, *,
                staged: bool = False, fresh: bool = False, ahead: Ahead | None = None) -> int:
    """(Re)link enterprises to every chain template of `framework` (a Framework, a pack name or path, or the
    default pack); `usccs` limits it to those enterprises (after an import; a Series, list or Arrow array).
    Replaces their stored links and returns the number of links written. With all enterprises, also records each
    template's fingerprint.

    At import scale (issue 14): a firm's links depend only on its code, its scope and, when it holds one of the
    templates' words, its name, so `link_enterprises` runs once per distinct (code, scope, name key) and a join
    in the store expands the links to the firms. `staged`: the caller staged the firms (`registry.classifications`
    stage_touched and stage_firms, with the names that may hold a chain's word) and drops them. `fresh`: the staged
    firms are new and the store held no chain link of the pack before (an import's chunk): nothing to replace.
    `ahead`: the links of the keys of an import's chunk, computed already (`classify.ahead.Ahead`).
    """
    fw = _framework(framework)
    chains = list(fw.chains)
    if not staged:
        classifications.stage_touched(store, usccs)
    try:
        if not staged:
            classifications.stage_firms(store, names_to_key(store, chain_words(fw)))
        keys = stored.distinct_keys(store, without=None if ahead is None else ahead.keys)

        def compute(todo: pd.DataFrame) -> pa.Table:
            return chain_keyed_links(todo, chains)

        keyed = compute(keys) if ahead is None else with_ahead(ahead, keys, compute)
        written = stored.replace_staged_links(store, fw.id, keyed, usccs is None, replace=not fresh)
    finally:
        if not staged:
            classifications.drop_staged(store)
    if usccs is None:
        stored.record_runs(store, fw.id, {c.id: fingerprint(c) for c in chains})
    return written


def chain_keyed_links(keys: pd.DataFrame, chains: list) -> pa.Table:
    """Chain links of distinct keys (code, scope, name_key): `link_enterprises` once per key, with each key's
    columns."""
    links = (link_enterprises(_key_frame(keys, "code"), chains) if chains and len(keys)
             else pd.DataFrame(columns=LINK_COLUMNS))
    return _keyed_links(keys, links)


def _keyed_links(keys: pd.DataFrame, links: pd.DataFrame) -> pa.Table:
    """Links computed on key numbers (uscc), with each key's (code, scope, name_key)."""
    return keyed_table(keys, links, {c: c for c in ("code", "scope", "name_key")},
                       ("chain", "chain_node", "role", "method", "evidence"))


def link_status(store: Store, framework: Framework) -> dict[str, str]:
    """Per chain of `framework`: 'current' (linked with this template), 'stale' (linked with an earlier
    version: run `chanye classify`) or 'missing' (never linked in this store, or linked by an older format of
    the rules whose links this version cannot read: views link it in memory until `chanye classify`)."""
    runs = stored.fingerprints(store, framework.id)
    if runs is None:
        return dict.fromkeys((c.id for c in framework.chains), "missing")
    readable = {chain: f for chain, f in runs.items() if str(f).startswith(f"{LINK_FORMAT}.")}
    return {
        c.id: ("missing" if c.id not in readable else "current" if readable[c.id] == fingerprint(c) else "stale")
        for c in framework.chains
    }
