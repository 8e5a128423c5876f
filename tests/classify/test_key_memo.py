"""The per-key linking of an import (issue 14): `KeyMemo` computes each key once, even one with a missing column,
and `keyed_table` builds the keyed links in Arrow with one text type."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from chanye.classify.chunk_links import KeyMemo
from chanye.classify.enterprises import keyed_table


def _keys(rows: list[tuple]) -> pa.Table:
    code, scope, name_key = zip(*rows, strict=True)
    return pa.table({"code": pa.array(code, pa.string()), "scope": pa.array(scope, pa.string()),
                     "name_key": pa.array(name_key, pa.string())})


def test_each_key_is_computed_once_across_chunks() -> None:
    memo, asked = KeyMemo(), []

    def compute(todo: pd.DataFrame) -> pa.Table:
        asked.append(list(zip(todo["code"].tolist(), todo["scope"].tolist(), strict=True)))
        return pa.table({"scope": pa.array(todo["scope"].tolist(), pa.large_string())})

    first = memo.links(_keys([("3612", "电池制造", ""), (None, "软件开发", "")]), compute)
    assert first["scope"].to_pylist() == ["电池制造", "软件开发"]
    # the same two keys (the one without a code too) and a new one: only the new one is computed
    second = memo.links(_keys([("3612", "电池制造", ""), ("6513", "软件开发", "示例"), (None, "软件开发", "")]), compute)
    assert len(asked) == 2 and asked[1][0][0] == "6513" and len(asked[1]) == 1
    assert second["scope"].to_pylist() == ["电池制造", "软件开发", "软件开发"]
    assert len(memo.links(_keys([(None, "软件开发", "")]), compute)) == 3 and asked[2] == []


def test_keyed_table_takes_each_links_key_and_keeps_its_texts() -> None:
    keys = _keys([("3612", "电池制造", ""), (None, "软件开发", "示例")]).to_pandas()
    links = pd.DataFrame({"uscc": ["1", "0", "1"], "node": ["a", "b", "c"], "evidence": ["x", None, "z"],
                          "confidence": [0.5, 1.0, 0.25]})
    table = keyed_table(keys, links, {"code": "k_code", "name_key": "k_name_key"}, ("node", "evidence"),
                        {"link_no": np.arange(3, dtype=np.int64)})
    assert table.column_names == ["k_code", "k_name_key", "link_no", "node", "evidence", "confidence"]
    assert table.to_pydict() == {"k_code": [None, "3612", None], "k_name_key": ["示例", "", "示例"], "link_no": [0, 1, 2],
                                 "node": ["a", "b", "c"], "evidence": ["x", None, "z"], "confidence": [0.5, 1.0, 0.25]}
    # a key's text is written once however many links it has (the links cross a pipe): dictionary-encoded
    per_key = pa.dictionary(pa.int32(), pa.large_string())
    assert {table.schema.field(c).type for c in ("k_code", "k_name_key")} == {per_key}
    assert table["k_name_key"].chunk(0).dictionary.to_pylist() == ["", "示例"]
    assert table["k_name_key"].chunk(0).indices.to_pylist() == [1, 0, 1]
    assert {table.schema.field(c).type for c in ("node", "evidence")} == {pa.large_string()}
    empty = keyed_table(keys, links.iloc[:0], {"code": "code"}, ("node",))
    assert empty.num_rows == 0 and empty.schema.field("code").type == per_key
    none = keyed_table(_keys([("3612", "a", "")]).slice(0, 0).to_pandas(), links.iloc[:0], {"code": "code"}, ("node",))
    assert none.schema.field("code").type == per_key


def test_the_memo_is_bounded_and_a_key_not_remembered_is_linked_again() -> None:
    """With room for two keys: the first chunk's two are remembered; the next chunk's two new keys do not fit, so
    they are computed, returned with the remembered ones, and computed again when they come again."""
    memo, asked = KeyMemo(limit=2), []

    def compute(todo: pd.DataFrame) -> pa.Table:
        asked.append(todo["scope"].tolist())
        return pa.table({"scope": pa.array(todo["scope"].tolist(), pa.large_string())})

    memo.links(_keys([("3612", "a", ""), ("3612", "b", "")]), compute)
    second = memo.links(_keys([("3612", "a", ""), ("3612", "c", ""), ("3612", "d", "")]), compute)
    assert second["scope"].to_pylist() == ["a", "b", "c", "d"] and asked[1] == ["c", "d"]
    third = memo.links(_keys([("3612", "c", ""), ("3612", "b", "")]), compute)
    assert asked[2] == ["c"] and third["scope"].to_pylist() == ["a", "b", "c"]
    assert set(zip(*memo.seen.to_pydict().values(), strict=True)) == {("3612", "a", ""), ("3612", "b", "")}
