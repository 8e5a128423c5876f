"""Enterprise-to-chain-node links (产业链关联) in the store: the SQL behind `classify.chain_links`.

`chain_links` holds one row per (enterprise, pack, chain, node) with the role, method, evidence and confidence
`classify.chains.link_enterprises` gave it; `chain_link_runs` records the fingerprint of the template (and of
the linking rules' format) each chain was last linked with, so a view can tell current links from those of an
edited template or an older format (`classify.chain_links.link_status`).

Like `registry.classifications`, the writers work on the caller's connection and open no transaction of their
own: call them inside `store.transaction()` with the writes they belong to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd
import pyarrow as pa

from chanye.registry.scans import literal, query_with
from chanye.registry.store import Store

__all__ = ["COLUMNS", "FIRMS_SQL", "distinct_keys", "fingerprints", "linking_firms", "read_links",
           "record_runs", "replace_links", "replace_staged_links"]

# The columns of a link (classify.chains.LINK_COLUMNS), as stored beside the pack.
COLUMNS = ("uscc", "chain", "chain_node", "role", "method", "evidence", "confidence")

# The firms' columns linking reads: a reported code, else the one predicted from the business scope.
FIRMS_SQL = """SELECT uscc, name, coalesce(industry_code, predicted_code) AS industry_code, business_scope
               FROM enterprises"""


def _keys(usccs: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame({"uscc": pd.Series(list(usccs), dtype=object).astype(str).drop_duplicates()})


def linking_firms(store: Store, usccs: Iterable[str] | None = None) -> pd.DataFrame:
    """The firms linking reads (`FIRMS_SQL`): all, or those of `usccs`."""
    if usccs is None:
        return store.con.execute(FIRMS_SQL).df()
    store.con.register("cl_keys", _keys(usccs))
    try:
        return store.con.execute(FIRMS_SQL + " WHERE uscc IN (SELECT uscc FROM cl_keys)").df()
    finally:
        store.con.unregister("cl_keys")


def replace_links(store: Store, pack: str, links: pd.DataFrame, usccs: Iterable[str] | None = None) -> int:
    """Replace the pack's stored links (all, or those of `usccs`) by `links`; returns the number written."""
    con = store.con
    if usccs is None:
        con.execute("DELETE FROM chain_links WHERE pack = ?", [pack])
    else:
        con.register("cl_keys", _keys(usccs))
        try:
            con.execute("DELETE FROM chain_links WHERE pack = ? AND uscc IN (SELECT uscc FROM cl_keys)", [pack])
        finally:
            con.unregister("cl_keys")
    if len(links):
        con.register("cl_stage", links[list(COLUMNS)].assign(pack=pack))
        try:
            con.execute("""
                INSERT INTO chain_links (uscc, pack, chain, chain_node, role, method, evidence, confidence)
                SELECT uscc, pack, chain, chain_node, role, method, evidence, confidence FROM cl_stage
            """)
        finally:
            con.unregister("cl_stage")
    return len(links)


def record_runs(store: Store, pack: str, prints: Mapping[str, str]) -> None:
    """Record the fingerprint each chain of the pack was linked with (after linking every enterprise)."""
    store.con.execute("DELETE FROM chain_link_runs WHERE pack = ?", [pack])
    store.con.executemany("INSERT INTO chain_link_runs VALUES (?, ?, ?, now())",
                          [(pack, chain, f) for chain, f in prints.items()])


def fingerprints(store: Store, pack: str) -> dict[str, str] | None:
    """The stored fingerprint of each chain of the pack; None for a database from before chain links."""
    if store.version < 2:  # e.g. a read-only handle on an old database
        return None
    return dict(store.con.execute("SELECT chain, fingerprint FROM chain_link_runs WHERE pack = ?", [pack]).fetchall())


def read_links(store: Store, pack: str, chain: str | None = None) -> pd.DataFrame:
    """Stored links of a pack (one chain, or all), columns `COLUMNS`, ordered by chain, node, role, USCC."""
    where, params = "WHERE pack = ?", [pack]
    if chain is not None:
        where, params = where + " AND chain = ?", [pack, chain]
    return store.query(f"SELECT {', '.join(COLUMNS)} FROM chain_links {where} ORDER BY chain, chain_node, role, uscc",
                       params)


# --- at import scale (issue 14 item 1): links computed per distinct key, expanded to the staged firms by a join --

def distinct_keys(store: Store, without: pa.Table | None = None) -> pd.DataFrame:
    """Distinct (code, scope, name_key) of the staged firms (`registry.classifications.FIRMS`), code being the one
    linking reads (FIRMS_SQL); `without`: not the keys of that table (those linked ahead)."""
    from chanye.registry.classifications import FIRMS, distinct_but

    return distinct_but(store, f"SELECT DISTINCT link_code AS code, scope, name_key FROM {FIRMS}", without)


def replace_staged_links(store: Store, pack: str, links: pa.Table, everything: bool, replace: bool = True) -> int:
    """Replace the pack's stored links of the staged firms (of every firm when `everything`) by `links` computed
    per key (code, scope, name_key, chain, chain_node, role, method, evidence, confidence), expanded to every
    staged firm with that key. In no particular order: every reader orders them (`read_links`), and sorting them
    added about 40% to writing them (200k firms). `replace` False: the staged firms have no stored link (nothing
    to delete)."""
    from chanye.registry.classifications import FIRMS, TOUCHED

    con = store.con
    if replace and everything:
        con.execute("DELETE FROM chain_links WHERE pack = ?", [pack])
    elif replace:
        con.execute(f"DELETE FROM chain_links WHERE pack = ? AND uscc IN (SELECT uscc FROM {TOUCHED})", [pack])
    if not links.num_rows:
        return 0
    return int(query_with(con, "cl_keyed", links, f"""
        INSERT INTO chain_links (uscc, pack, chain, chain_node, role, method, evidence, confidence)
        SELECT f.uscc, {literal(pack)}, k.chain, k.chain_node, k.role, k.method, k.evidence, k.confidence
        FROM {FIRMS} f JOIN cl_keyed k ON f.link_code = k.code AND f.scope = k.scope AND f.name_key = k.name_key
        """)[0][0])
