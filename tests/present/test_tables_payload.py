"""present.tables.payload and its `columns` block (issue 14 item 2: the block's words are worked out once per
columns tuple and language, and every payload gets dicts of its own)."""

from __future__ import annotations

import gc

from chanye.present import tables as present
from chanye.services.results import SYNTHETIC, Column, table

COLUMNS = (Column("district", "name", label="firm_district"), Column("revenue", "number", "wan_yuan"),
           Column("share", "number", "percent", names=("本地占比", "Local share")))
ROWS = [{"district": {"zh": "黄埔区", "en": "Huangpu"}, "revenue": 12.5, "share": None}]

ZH = [
    {"key": "district", "label": "所属区", "label_zh": "所属区", "label_en": "District", "type": "name",
     "unit": None, "unit_label": None},
    {"key": "revenue", "label": "营业收入", "label_zh": "营业收入", "label_en": "Revenue", "type": "number",
     "unit": "wan_yuan", "unit_label": "万元"},
    {"key": "share", "label": "本地占比", "label_zh": "本地占比", "label_en": "Local share", "type": "number",
     "unit": "percent", "unit_label": "%"},
]


def test_the_columns_block_in_both_languages_and_a_payload() -> None:
    t = table("firms", COLUMNS, ROWS, SYNTHETIC, year=2024)
    assert present.columns_block(t, "zh") == ZH
    en = present.columns_block(t, "en")
    assert [(c["label"], c["unit_label"]) for c in en] == [("District", None), ("Revenue", "10k yuan"),
                                                          ("Local share", "%")]
    assert present.columns_block(t, "zh") == ZH  # asked again: the kept block, same words
    assert present.payload(t, "zh", total=1) == {
        "name": "firms", "title": present.labels.word("firms", "zh"), "provenance": "synthetic", "synthetic": True,
        "year": 2024, "total": 1, "columns": ZH,
        "rows": [{"district": {"zh": "黄埔区", "en": "Huangpu"},
                  "revenue": {"value": 12.5, "unit": "wan_yuan", "provenance": "synthetic"},
                  "share": {"value": None, "unit": "percent", "provenance": "synthetic"}}]}


def test_each_payload_has_its_own_column_dicts() -> None:
    t = table("firms", COLUMNS, ROWS, SYNTHETIC)
    first = present.payload(t, "zh")["columns"]
    first[0]["label"] = "changed"
    first.append({"key": "extra"})
    assert present.payload(t, "zh")["columns"] == ZH


def test_a_new_columns_tuple_gets_its_own_words_even_at_a_reused_address() -> None:
    # tuples built per call (a pack's metric columns) may be freed and another built at the same address: the
    # block kept for the first must not be given to the second
    for zh, en in (("甲指标", "Metric A"), ("乙指标", "Metric B"), ("丙指标", "Metric C")):
        columns = (Column("value", "number", "count", names=(zh, en)),)
        block = present.columns_block(table("t", columns, [], SYNTHETIC), "en")
        assert [(c["label"], c["label_zh"]) for c in block] == [(en, zh)]
        del columns
        gc.collect()
