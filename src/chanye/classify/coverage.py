"""Does each cluster own the codes its chain template uses? (issue 11, coverage holes)

A chain template's producer rules name GB/T 4754 小类. A firm reaches a chain node through those rules, but it
reaches the *cluster* (the 12218 node the chain belongs to) only when the cluster owns the code. `chain_gaps`
lists every chain code its cluster does not own, with the reason the difference is allowed:

=================== ================================================================================================
other_cluster       another industry node owns it: the segment is a supplier or user from that cluster (a chip
                    maker in the vehicle chain is counted in 半导体与集成电路, not twice)
upstream_input      no node owns it and the segment is upstream: a raw material or resource input (采矿, 农业,
                    冶炼) that the 12218 system does not count as the cluster's industry
downstream_service  no node owns it and the segment is downstream: a service using the cluster's products
unexplained         no node owns it and the segment is midstream: a hole to close in the concordance
=================== ================================================================================================
"""

from __future__ import annotations

import pandas as pd

from chanye.framework.concordance import expand
from chanye.framework.model import Framework
from chanye.standards import gbt4754

GAP_COLUMNS = ("chain", "chain_node", "segment", "code", "owners", "reason")


def chain_gaps(framework: Framework) -> pd.DataFrame:
    """One row per (chain, chain node, 小类) the chain uses and its cluster does not own."""
    std = gbt4754.load()
    owned: dict[str, set[str]] = {}
    for own in expand(framework):
        owned.setdefault(own.node, set()).add(own.code)
    owners_of: dict[str, list[str]] = {}
    for node, codes in owned.items():
        for code in codes:
            owners_of.setdefault(code, []).append(node)
    rows = []
    for chain in framework.chains:
        mine = owned.get(chain.cluster, set())
        for node in chain.nodes:
            for rule in node.codes:
                if rule.code not in std:
                    continue
                for code in std.small_classes_under(rule.code):
                    if code in mine:
                        continue
                    others = sorted(owners_of.get(code, []))
                    if others:
                        reason = "other_cluster"
                    elif node.segment == "upstream":
                        reason = "upstream_input"
                    elif node.segment == "downstream":
                        reason = "downstream_service"
                    else:
                        reason = "unexplained"
                    rows.append((chain.id, node.id, node.segment, code, ",".join(others), reason))
    frame = pd.DataFrame(rows, columns=list(GAP_COLUMNS))
    return frame.drop_duplicates().reset_index(drop=True)
