"""Enterprise-to-chain-node links (产业链关联) in the store.

`link_chains` runs `analytics.chains.link_enterprises` for every chain template of a pack and replaces the
stored links: for every enterprise (the demo build, `chanye classify` after a template edit) or for the
enterprises an import touched. Each link keeps its role, method, evidence and confidence. `chain_link_runs`
records the template each chain was last linked with (a fingerprint), so a view can say when a template has
changed since (`link_status`).

Like `ingest.classify_enterprises`, `link_chains` writes on the caller's connection and opens no transaction
of its own: call it inside `store.transaction()` with the writes it belongs to.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import pandas as pd

from chanye.analytics.chains import LINK_COLUMNS, link_enterprises
from chanye.framework import Framework, load_pack
from chanye.registry.store import Store

# The firms' columns linking reads: a reported code, else the one predicted from the business scope.
FIRMS_SQL = """SELECT uscc, name, coalesce(industry_code, predicted_code) AS industry_code, business_scope
               FROM enterprises"""


_LINKING_FIELDS = {
    "nodes": {"__all__": {"id", "products", "codes", "keywords", "roles"}},
    "edges": {"__all__": {"source", "target"}},
}


def fingerprint(chain) -> str:
    """A short hash of what linking reads from a chain template (node ids, products, code rules, keywords,
    roles, edges): it changes when a relink would give other links, not when a name or description does."""
    return hashlib.sha1(chain.model_dump_json(include=_LINKING_FIELDS).encode()).hexdigest()[:16]


def _framework(framework: Framework | str | None) -> Framework:
    return framework if isinstance(framework, Framework) else load_pack(framework)


def link_chains(
    store: Store, framework: Framework | str | None = None, usccs: Iterable[str] | None = None
) -> int:
    """(Re)link enterprises to every chain template of `framework` (a Framework, a pack name or path, or the
    default pack); `usccs` limits it to those enterprises (after an import). Replaces their stored links and
    returns the number of links written. With all enterprises, also records each template's fingerprint."""
    fw = _framework(framework)
    chains = list(fw.chains)
    con = store.con
    keys = None
    if usccs is not None:
        keys = pd.DataFrame({"uscc": pd.Series(list(usccs), dtype=object).astype(str).drop_duplicates()})
        con.register("cl_keys", keys)
    try:
        where = " WHERE uscc IN (SELECT uscc FROM cl_keys)" if keys is not None else ""
        firms = con.execute(FIRMS_SQL + where).df()
        con.execute(f"DELETE FROM chain_links WHERE pack = ?{where.replace(' WHERE', ' AND')}", [fw.id])
    finally:
        if keys is not None:
            con.unregister("cl_keys")
    links = link_enterprises(firms, chains) if chains and len(firms) else pd.DataFrame(columns=LINK_COLUMNS)
    if len(links):
        stage = links.assign(pack=fw.id)
        con.register("cl_stage", stage)
        con.execute("""
            INSERT INTO chain_links (uscc, pack, chain, chain_node, role, method, evidence, confidence)
            SELECT uscc, pack, chain, chain_node, role, method, evidence, confidence FROM cl_stage
        """)
        con.unregister("cl_stage")
    if usccs is None:
        con.execute("DELETE FROM chain_link_runs WHERE pack = ?", [fw.id])
        con.executemany(
            "INSERT INTO chain_link_runs VALUES (?, ?, ?, now())",
            [(fw.id, c.id, fingerprint(c)) for c in chains],
        )
    return len(links)


def read_links(store: Store, pack: str, chain: str | None = None) -> pd.DataFrame:
    """Stored links of a pack (one chain, or all), columns `LINK_COLUMNS`, ordered by chain, node, role, USCC."""
    where, params = "WHERE pack = ?", [pack]
    if chain is not None:
        where, params = where + " AND chain = ?", [pack, chain]
    return store.query(
        f"SELECT {', '.join(LINK_COLUMNS)} FROM chain_links {where} ORDER BY chain, chain_node, role, uscc",
        params,
    )


def link_status(store: Store, framework: Framework) -> dict[str, str]:
    """Per chain of `framework`: 'current' (linked with this template), 'stale' (linked with an earlier
    version: run `chanye classify`) or 'missing' (never linked in this store)."""
    if store.version < 2:  # a read-only handle on a database from before chain links
        return dict.fromkeys((c.id for c in framework.chains), "missing")
    runs = dict(
        store.con.execute(
            "SELECT chain, fingerprint FROM chain_link_runs WHERE pack = ?", [framework.id]
        ).fetchall()
    )
    return {
        c.id: ("missing" if c.id not in runs else "current" if runs[c.id] == fingerprint(c) else "stale")
        for c in framework.chains
    }
