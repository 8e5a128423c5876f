"""The classifications table: what classifying reads of each enterprise, the codes predicted from business
scopes, and each enterprise's links to a pack's nodes (the rules and the model run in `classify/`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from chanye.registry.scans import literal, query_with
from chanye.registry.store import Store


def classification_inputs(store: Store, usccs: pd.Series | None = None) -> pd.DataFrame:
    """What classification reads of each enterprise (all, or those in `usccs`): uscc, name, industry_code,
    business_scope, predicted_code, predicted_score."""
    con = store.con
    where = ""
    if usccs is not None:
        con.register("c_keys", pd.DataFrame({"uscc": usccs.astype(str)}))
        where = "WHERE uscc IN (SELECT uscc FROM c_keys)"
    try:
        return con.execute(f"SELECT uscc, name, industry_code, business_scope, predicted_code, predicted_score "
                           f"FROM enterprises {where}").df()
    finally:
        if usccs is not None:
            con.unregister("c_keys")


def save_predictions(store: Store, predictions: pd.DataFrame) -> None:
    """Store codes predicted from the business scope (uscc, predicted_code, predicted_score)."""
    if not len(predictions):
        return
    con = store.con
    con.register("p_stage", predictions[["uscc", "predicted_code", "predicted_score"]])
    con.execute("""
        UPDATE enterprises SET predicted_code = p.predicted_code, predicted_score = p.predicted_score
        FROM p_stage p WHERE enterprises.uscc = p.uscc
    """)
    con.unregister("p_stage")


def replace_classifications(store: Store, pack: str, links: pd.DataFrame, usccs: pd.Series | None = None) -> None:
    """Replace the stored node links of `pack` (of every enterprise, or of those in `usccs`) by `links`
    (uscc, node, method, code, evidence, confidence)."""
    con = store.con
    if usccs is None:
        con.execute("DELETE FROM classifications WHERE pack = ?", [pack])
    else:
        con.register("c_keys", pd.DataFrame({"uscc": usccs.astype(str)}))
        con.execute("DELETE FROM classifications WHERE pack = ? AND uscc IN (SELECT uscc FROM c_keys)", [pack])
        con.unregister("c_keys")
    if len(links):
        stage = links[["uscc", "node", "method", "code", "evidence", "confidence"]].assign(pack=pack)
        con.register("l_stage", stage)
        con.execute("""
            INSERT INTO classifications (uscc, pack, node, method, code, evidence, confidence)
            SELECT uscc, pack, node, method, code, evidence, confidence FROM l_stage
        """)
        con.unregister("l_stage")


# --- at import scale (issue 14 item 1): the touched firms staged in temp tables, links expanded by joins --------
#
# Classification and chain linking depend on a firm only through its code, its business scope and, when it holds
# one of the rules' words, its name; `classify/` computes the links once per distinct (code, scope, name key) and
# these statements expand them to the firms by joins, so no million-row frame crosses into Python.

TOUCHED = "_cl_touched"  # uscc of the firms being (re)classified
FIRMS = "_cl_firms"  # pos (the firm's rowid: table order), uscc, industry_code, scope, name_key, labelled


def _keys_table(usccs) -> pa.Table:
    """The USCCs as a one-column Arrow table (from a Series, a list, an Arrow array or a table with a uscc
    column)."""
    if isinstance(usccs, pa.Table):
        usccs = usccs.column("uscc" if "uscc" in usccs.column_names else 0)
    if isinstance(usccs, pa.ChunkedArray):
        usccs = usccs.combine_chunks()
    if not isinstance(usccs, pa.Array):
        try:  # strings already (what an import passes): no per-value conversion in Python
            usccs = pa.array(usccs if isinstance(usccs, pd.Series) else list(usccs), pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            usccs = pa.array(pd.Series(list(usccs), dtype=object).astype(str).to_numpy(dtype=object), pa.string())
    return pa.table({"uscc": usccs.cast(pa.string())})


def stage_touched(store: Store, usccs=None, *, but_early: bool = False) -> None:
    """Stage the firms being classified (all enterprises when `usccs` is None) as TEMP table `TOUCHED`;
    `but_early`: not those of `EARLY` (linked chunk by chunk already)."""
    con = store.con
    if usccs is None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {TOUCHED} AS SELECT uscc FROM enterprises")
        return
    but = f" WHERE uscc NOT IN (SELECT uscc FROM {EARLY})" if but_early else ""
    query_with(con, "_cl_keys", _keys_table(usccs),
               f"CREATE OR REPLACE TEMP TABLE {TOUCHED} AS SELECT DISTINCT uscc FROM _cl_keys{but}")


def touched_names(store: Store) -> pa.Table:
    """pos and name of the touched firms (to find the names that hold a rule's word)."""
    return store.con.sql(f"""SELECT e.rowid AS pos, e.name FROM enterprises e
                             WHERE e.uscc IN (SELECT uscc FROM {TOUCHED})""").to_arrow_table()


def stage_firms(store: Store, named: pa.Table) -> None:
    """Stage the touched firms as TEMP table `FIRMS`: pos, uscc, code (the declared one), link_code (what chain
    linking reads: the declared code, else the predicted one, '' for none), scope ('' for none), name_key (the
    name for the firms of `named` (pos, name), '' for the others: their name holds no word any rule searches)
    and labelled (an analyst's label exists)."""
    query_with(store.con, "_cl_named", named, f"""CREATE OR REPLACE TEMP TABLE {FIRMS} AS
        SELECT e.rowid AS pos, e.uscc, e.industry_code AS code,
               coalesce(coalesce(e.industry_code, e.predicted_code), '') AS link_code,
               coalesce(e.business_scope, '') AS scope, coalesce(n.name, '') AS name_key,
               l.uscc IS NOT NULL AS labelled
        FROM enterprises e LEFT JOIN _cl_named n ON n.pos = e.rowid LEFT JOIN manual_labels l ON l.uscc = e.uscc
        WHERE e.uscc IN (SELECT uscc FROM {TOUCHED})""")


def drop_staged(store: Store) -> None:
    """Drop the staged firms: temp tables, or views (`stage_new_coded`)."""
    con = store.con
    views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE temporary AND view_name IN (?, ?)",
                                       [FIRMS, TOUCHED]).fetchall()}
    for name in (TOUCHED, FIRMS):  # TOUCHED may be a view of FIRMS
        con.execute(f"DROP {'VIEW' if name in views else 'TABLE'} IF EXISTS {name}")


# --- chunk by chunk during an import (issue 14): the new firms with a declared code are linked as their chunk
# goes in, while the worker validates the next one; the firms linked so far are kept in `EARLY`.

EARLY = "_cl_early"  # uscc of the firms an import classified and linked chunk by chunk


def holds_links(store: Store, pack: str) -> bool:
    """Whether the store holds any node link, chain link or queued firm of the pack (none: a new firm has none to
    replace)."""
    return bool(store.con.execute("""SELECT (SELECT count(*) FROM (SELECT 1 FROM classifications WHERE pack = $1 LIMIT 1))
                                          + (SELECT count(*) FROM (SELECT 1 FROM chain_links WHERE pack = $1 LIMIT 1))
                                          + (SELECT count(*) FROM (SELECT 1 FROM review_queue WHERE pack = $1 LIMIT 1))""",
                                  [pack]).fetchall()[0][0])


def stage_new_coded(store: Store, chunk: str, batch: int, *, first: bool, dedupe: bool, touched: bool,
                    file: Path, unique: bool = False, coded: Path | None = None) -> int:
    """Stage as `FIRMS` (as `stage_firms` does) the firms of `chunk` (an import's stage relation: uscc, position,
    name_hit) that batch `batch` inserted from it, with a declared code, without an analyst's label and not
    linked by an earlier chunk (`EARLY`, created anew when `first`); how many. Such a firm's row is the chunk's
    last for its USCC (`dedupe`: the chunk may hold a USCC twice) and its links depend on that row alone; its name
    is its key where `name_hit`. `touched`: stage their USCCs as `TOUCHED` too (to drop links held before).
    `unique`: every row of the chunk went in, in the file's order (no USCC of it was in the store, an earlier
    chunk or twice in it): the firms are staged from the chunk alone, numbered by their place in the file (in the
    table's order); `coded` (with `unique`, in a store without analysts' labels): those firms as the import
    worker staged them (`registry.import_worker.coded_firms`), read as they are.

    Staged in the Parquet `file` (a new one each chunk; the caller removes it after `drop_staged`), read through
    temp views: the store keeps a dropped temp table's rows, and a registered Arrow table, until the commit, and an
    import commits once, so a file of 8 M registry-like firms held every chunk's staged scopes, about 420 bytes a
    firm (3.4 GB; issue 14)."""
    con = store.con
    if first:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {EARLY} (uscc VARCHAR, linked BOOLEAN)")
    if unique and coded is not None:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {FIRMS} AS SELECT * FROM read_parquet({literal(str(coded))})")
        if touched:
            con.execute(f"CREATE OR REPLACE TEMP VIEW {TOUCHED} AS SELECT uscc FROM {FIRMS}")
        return int(con.execute(f"SELECT count(*) FROM {FIRMS}").fetchall()[0][0])
    if unique:  # every row of the chunk went in as it is, in the file's order: no need to look for it in the store
        firms = f"""
            SELECT s.position AS pos, s.uscc, s.industry_code AS code,
                   s.industry_code AS link_code, coalesce(s.business_scope, '') AS scope,
                   CASE WHEN s.name_hit THEN s.name ELSE '' END AS name_key, FALSE AS labelled
            FROM {chunk} s
            WHERE s.industry_code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM manual_labels l WHERE l.uscc = s.uscc)"""
    else:
        rows = chunk if not dedupe else \
            f"(SELECT * FROM {chunk} QUALIFY row_number() OVER (PARTITION BY uscc ORDER BY position DESC) = 1)"
        firms = f"""
            SELECT e.rowid AS pos, e.uscc, e.industry_code AS code, e.industry_code AS link_code,
                   coalesce(e.business_scope, '') AS scope, CASE WHEN s.name_hit THEN e.name ELSE '' END AS name_key,
                   FALSE AS labelled
            FROM {rows} s JOIN enterprises e ON e.uscc = s.uscc
            WHERE e.batch_id = {int(batch)} AND e.industry_code IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM manual_labels l WHERE l.uscc = s.uscc)
              AND NOT EXISTS (SELECT 1 FROM {EARLY} p WHERE p.uscc = s.uscc)"""
    n = int(con.execute(f"COPY ({firms}) TO {literal(str(file))} (FORMAT parquet)").fetchall()[0][0])
    con.execute(f"CREATE OR REPLACE TEMP VIEW {FIRMS} AS SELECT * FROM read_parquet({literal(str(file))})")
    if touched:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {TOUCHED} AS SELECT uscc FROM {FIRMS}")
    return n


def holds_labels(store: Store) -> bool:
    """Whether an analyst labelled any firm (`manual_labels`)."""
    return bool(store.con.execute("SELECT count(*) FROM (SELECT 1 FROM manual_labels LIMIT 1)").fetchall()[0][0])


def add_early(store: Store, linked: pa.Table | None) -> None:
    """Add the staged firms to `EARLY`, each with whether it has a node link (`linked`: the keys with links,
    k_code, k_scope, k_name_key, as `insert_keyed_links` took them; None: no link)."""
    con = store.con
    if linked is None or not linked.num_rows:
        con.execute(f"INSERT INTO {EARLY} SELECT uscc, FALSE FROM {FIRMS}")
        return
    query_with(con, "_cl_linked", linked.select(["k_code", "k_scope", "k_name_key"]),
               f"""INSERT INTO {EARLY} SELECT f.uscc, EXISTS (SELECT 1 FROM _cl_linked k WHERE
                   f.code = k.k_code AND f.scope = k.k_scope AND f.name_key = k.k_name_key) FROM {FIRMS} f""")


def unsettle(store: Store, rewritten: str) -> int:
    """Firms of `EARLY` whose row the import wrote again afterwards (the relation `rewritten`, with uscc: a new
    firm in two chunks takes its last row) are classified again at the end; how many."""
    return int(store.con.execute(f"DELETE FROM {EARLY} WHERE uscc IN (SELECT uscc FROM {rewritten})").fetchall()[0][0])


def count_classified_early(store: Store) -> int:
    """Firms of `EARLY` with at least one node link; `EARLY` is dropped."""
    n = int(store.con.execute(f"SELECT count(*) FROM {EARLY} WHERE linked").fetchall()[0][0])
    store.con.execute(f"DROP TABLE {EARLY}")
    return n


def distinct_coded(store: Store, without: pa.Table | None = None) -> pd.DataFrame:
    """Distinct (code, scope, name_key) of the staged firms with a declared code and no label; `without`: not
    the keys of that table (code, scope, name_key: those linked ahead, `chunk_keys`)."""
    sql = f"SELECT DISTINCT code, scope, name_key FROM {FIRMS} WHERE code IS NOT NULL AND NOT labelled"
    return distinct_but(store, sql, without)


def distinct_but(store: Store, sql: str, without: pa.Table | None) -> pd.DataFrame:
    """The keys `sql` selects (code, scope, name_key), less those of `without` (None: all of them)."""
    if without is None:
        return store.con.execute(sql).df()
    return store.con.from_arrow(without).query("_cl_ahead",
                                               f"{sql} EXCEPT SELECT code, scope, name_key FROM _cl_ahead").df()


def chunk_keys(keys_file: str | Path) -> pa.Table:
    """The distinct keys (code, scope, name_key) of a chunk's coded rows, as its import worker staged them
    (`registry.import_worker.stage_keys`): what `services.imports.EarlyLinks` links ahead, in a thread, while the
    import writes the chunk."""
    return pq.read_table(keys_file)


def distinct_uncoded_scopes(store: Store) -> list[str]:
    """Distinct scopes of the staged firms without a declared code and without a label."""
    rows = store.con.execute(f"SELECT DISTINCT scope FROM {FIRMS} WHERE code IS NULL AND NOT labelled").fetchall()
    return [r[0] for r in rows]


def distinct_uncoded(store: Store, scopes: pa.Table) -> pd.DataFrame:
    """Distinct (scope, name_key) of the staged firms without code or label whose scope is in `scopes`."""
    con = store.con
    con.register("_cl_scopes", scopes)
    try:
        return con.execute(f"""SELECT DISTINCT scope, name_key FROM {FIRMS}
                               WHERE code IS NULL AND NOT labelled AND scope IN (SELECT scope FROM _cl_scopes)""").df()
    finally:
        con.unregister("_cl_scopes")


def labelled_firms(store: Store, no_code: bool) -> pd.DataFrame:
    """The staged labelled firms without (`no_code`) or with a declared code, in table order: uscc, name,
    business_scope, industry_code."""
    return store.con.execute(f"""SELECT f.uscc, e.name, e.business_scope, e.industry_code FROM {FIRMS} f
                                 JOIN enterprises e ON e.uscc = f.uscc
                                 WHERE f.labelled AND f.code IS {'' if no_code else 'NOT '}NULL ORDER BY f.pos""").df()


def save_staged_predictions(store: Store, readings: pa.Table) -> None:
    """Store the predicted code of every staged firm without a declared code: an analyst's label (score 1.0), else
    the accepted reading of its scope (`readings`: scope, code, probability), else none."""
    con = store.con
    con.register("_cl_read", readings)
    try:
        con.execute(f"""
            UPDATE enterprises SET predicted_code = p.code, predicted_score = p.score
            FROM (SELECT f.uscc, CASE WHEN f.labelled THEN l.code ELSE r.code END AS code,
                         CASE WHEN f.labelled THEN 1.0 ELSE r.probability END AS score
                  FROM {FIRMS} f LEFT JOIN manual_labels l ON l.uscc = f.uscc
                  LEFT JOIN _cl_read r ON r.scope = f.scope AND NOT f.labelled
                  WHERE f.code IS NULL) p
            WHERE enterprises.uscc = p.uscc""")
        # chain linking, next, reads the new predictions
        con.execute(f"""UPDATE {FIRMS} SET link_code = coalesce(e.predicted_code, '') FROM enterprises e
                        WHERE {FIRMS}.code IS NULL AND e.uscc = {FIRMS}.uscc""")
    finally:
        con.unregister("_cl_read")


def count_accepted(store: Store, readings: pa.Table) -> int:
    """Staged firms without code or label whose scope's reading was accepted (`readings`: scope)."""
    con = store.con
    con.register("_cl_read", readings)
    try:
        return int(con.execute(f"""SELECT count(*) FROM {FIRMS} WHERE code IS NULL AND NOT labelled
                                   AND scope IN (SELECT scope FROM _cl_read)""").fetchall()[0][0])
    finally:
        con.unregister("_cl_read")


def delete_staged_links(store: Store, pack: str, everything: bool) -> None:
    """Drop the pack's node links of the staged firms (of every firm when `everything`)."""
    if everything:
        store.con.execute("DELETE FROM classifications WHERE pack = ?", [pack])
    else:
        store.con.execute(f"DELETE FROM classifications WHERE pack = ? AND uscc IN (SELECT uscc FROM {TOUCHED})",
                          [pack])


def insert_keyed_links(store: Store, pack: str, links: pa.Table, on: tuple[str, ...], where: str) -> int:
    """Insert node links computed per key (`links`: k_<column> for the columns `on`, link_no, node, method, code, evidence,
    confidence) for every staged firm matching `where` whose key columns equal a link's. In no particular order,
    as `chain_links.replace_staged_links` writes: every reader orders them, and sorting 1 M links by firm cost
    about 0.3 s of a 1 M-row import (issue 14)."""
    if not links.num_rows:
        return 0
    cond = " AND ".join(f"f.{c} = k.k_{c}" for c in on)
    return int(query_with(store.con, "_cl_links", links, f"""
        INSERT INTO classifications (uscc, pack, node, method, code, evidence, confidence)
        SELECT f.uscc, {literal(pack)}, k.node, k.method, k.code, k.evidence, k.confidence
        FROM {FIRMS} f JOIN _cl_links k ON {cond} WHERE {where}""")[0][0])


def insert_links(store: Store, pack: str, links: pd.DataFrame) -> None:
    """Append node links (uscc, node, method, code, evidence, confidence) as they are."""
    if not len(links):
        return
    con = store.con
    con.register("l_stage", links[["uscc", "node", "method", "code", "evidence", "confidence"]].assign(pack=pack))
    try:
        con.execute("""INSERT INTO classifications (uscc, pack, node, method, code, evidence, confidence)
                       SELECT uscc, pack, node, method, code, evidence, confidence FROM l_stage""")
    finally:
        con.unregister("l_stage")


def count_classified(store: Store, pack: str) -> int:
    """Staged firms with at least one node link of the pack."""
    return int(store.con.execute(f"""SELECT count(DISTINCT uscc) FROM classifications
                                     WHERE pack = ? AND uscc IN (SELECT uscc FROM {TOUCHED})""", [pack]).fetchall()[0][0])
