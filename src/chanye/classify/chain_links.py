"""Link the registry's enterprises to a pack's chain templates and store the links: `classify.chains` links,
`registry.chain_links` reads and writes. The caller holds the transaction (an import, the demo build,
`chanye classify`)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from chanye.classify.chains import LINK_COLUMNS, LINK_FORMAT, fingerprint, link_enterprises
from chanye.framework import Framework, load_pack
from chanye.registry import chain_links as stored
from chanye.registry.store import Store

__all__ = ["link_chains", "link_status"]


def _framework(framework: Framework | str | None) -> Framework:
    return framework if isinstance(framework, Framework) else load_pack(framework)


def link_chains(store: Store, framework: Framework | str | None = None, usccs: Iterable[str] | None = None) -> int:
    """(Re)link enterprises to every chain template of `framework` (a Framework, a pack name or path, or the
    default pack); `usccs` limits it to those enterprises (after an import). Replaces their stored links and
    returns the number of links written. With all enterprises, also records each template's fingerprint."""
    fw = _framework(framework)
    chains = list(fw.chains)
    keys = None if usccs is None else list(usccs)
    firms = stored.linking_firms(store, keys)
    links = link_enterprises(firms, chains) if chains and len(firms) else pd.DataFrame(columns=LINK_COLUMNS)
    written = stored.replace_links(store, fw.id, links, keys)
    if keys is None:
        stored.record_runs(store, fw.id, {c.id: fingerprint(c) for c in chains})
    return written


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
