"""The rules on an import's chunk, beside its writes (issue 14): while the import writes a chunk's rows, a thread
runs the rules on the chunk's distinct keys (code, scope, name key), as its import worker staged them
(`registry.classifications.chunk_keys`), not read from the store the import is writing; each key once per import
(`KeyMemo`), many new keys in processes of their own (`Linkers`). The results are `classify.ahead.Ahead`."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from chanye.classify.ahead import Ahead
from chanye.classify.chain_links import chain_keyed_links
from chanye.classify.enterprises import coded_links
from chanye.framework.model import Framework


class KeyMemo:
    """The links of the keys (code, scope, name key) already linked during one import: chunk after chunk brings
    mostly the same keys, and the rules cost the same for ten keys as for none (issue 14), so each key is linked
    once. A key's links do not depend on the other keys linked with it.

    Bounded: a registry's scopes mostly differ, so most keys come once and remembering them all only holds
    memory. Up to `limit` keys are remembered, a chunk's new keys all or none; a key not remembered is linked
    again when it comes again."""

    ON = ("code", "scope", "name_key")

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self.seen = pa.table({c: pa.array([], pa.string()) for c in self.ON})
        self.tables: list[pa.Table] = []

    def links(self, keys: pa.Table, compute: Callable[[pd.DataFrame], pa.Table]) -> pa.Table:
        """The links of every key of `keys` (distinct; code, scope and name_key as text) and of the keys
        remembered: `compute` on the keys not remembered."""
        todo = keys.select(self.ON)
        if self.seen.num_rows:  # an anti-join in Arrow; a missing value matches a missing one, as in a set
            numbered = _joinable(todo).append_column("_at", pa.array(np.arange(todo.num_rows)))
            new = numbered.join(_joinable(self.seen), list(self.ON), join_type="left anti", use_threads=False)["_at"]
            todo = todo.take(np.sort(new.to_numpy()))  # in the chunk's order (a join's is its own)
        computed = compute(todo.to_pandas())
        tables = [*self.tables, computed] if computed.num_rows else list(self.tables)
        if self.seen.num_rows + todo.num_rows <= self.limit:
            self.seen = pa.concat_tables([self.seen, todo.cast(self.seen.schema)])
            self.tables = tables
        # a column all null in one chunk's links (evidence, say) is typed null there: promoted to the others' type
        return pa.concat_tables(tables, promote_options="default") if tables else computed


def _joinable(keys: pa.Table) -> pa.Table:
    """Keys with a missing value as a text no key holds (Arrow's joins match no null)."""
    return pa.table({c: pc.fill_null(keys[c].cast(pa.string()), "\x00") for c in keys.column_names})


LARGE = 20_000  # new keys in a chunk that go to the linking processes: about half a second of rules
JOB = 40_000  # keys a linking process links at a time


class Linkers:
    """Where the rules run on a chunk's new keys: here, or, for `LARGE` keys or more and given `processes`, split
    among that many processes of their own (on registry-like data, where nearly every firm has a scope of its own,
    the rules are most of an import's work, and the interpreter runs one thread at a time). Started at the first
    chunk that needs them; `close` stops them."""

    def __init__(self, framework: Framework, processes: int = 0) -> None:
        self.framework, self.processes = framework, processes
        self._pool: ProcessPoolExecutor | None = None

    def run(self, kind: str, keys: pd.DataFrame) -> pa.Table:
        """The links of `kind` (nodes | chains) of distinct keys (code, scope, name_key), per key."""
        if self.processes < 1 or len(keys) < LARGE:
            return _link(kind, keys, self.framework)
        from chanye.registry.import_worker import ImportLimitExceeded, context

        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.processes, mp_context=context(), initializer=_start,
                                             initargs=(self.framework,))
        # in parts of at most JOB keys: a process's memory follows the part (110,000 keys held about 700 MB)
        parts = np.array_split(np.arange(len(keys)), max(self.processes, -(-len(keys) // JOB)))
        try:
            futures = [self._pool.submit(_link, kind, keys.iloc[p].reset_index(drop=True)) for p in parts]
            return pa.concat_tables([f.result() for f in futures], promote_options="default")
        except BrokenProcessPool as exc:
            raise ImportLimitExceeded(
                "关联产业节点与产业链的进程意外结束（可能内存不足），导入已取消，未写入任何数据 "
                "(a process linking firms to nodes and chains died, perhaps out of memory; nothing was written)",
                hint="拆分文件后再导入 (split the file, then import it)") from exc

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


_FRAMEWORK: list[Framework] = []  # in a linking process: the pack it links with


def _start(framework: Framework) -> None:
    _FRAMEWORK[:] = [framework]


def _link(kind: str, keys: pd.DataFrame, framework: Framework | None = None) -> pa.Table:
    """Node or chain links of distinct keys, with `framework` (by default the linking process's)."""
    framework = framework or _FRAMEWORK[0]
    return coded_links(keys, framework) if kind == "nodes" else chain_keyed_links(keys, list(framework.chains))


def link(keys: pa.Table, kind: str, memo: KeyMemo, linkers: Linkers) -> Ahead:
    """The links of `kind` (nodes | chains) of a chunk's keys (`registry.classifications.chunk_keys`), per key
    (`memo`: the keys linked for earlier chunks; `linkers`: where the rules run)."""
    return Ahead(keys, memo.links(keys, lambda todo: linkers.run(kind, todo)))
