"""The classifications table: what classifying reads of each enterprise, the codes predicted from business
scopes, and each enterprise's links to a pack's nodes (the rules and the model run in `classify/`)."""

from __future__ import annotations

import pandas as pd

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
