"""benchmarks/catalogue_draft.py (issue 11): the catalogue draft's items read from its TypeScript array or a CSV
of it, and the counts it prints."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import catalogue_draft

TS = """export const BUSINESS_SCOPES: BusinessScope[] = [
  { id: 'C1001', name: '锂离子电池制造', category: '制造业', categoryCode: 'C', licenseType: 'general' },
  { id: 'F1045', name: '烟叶收购', category: '批发和零售业', categoryCode: 'F', licenseType: 'post' },
  { id: 'O1001', name: '理发\n服务', category: '居民服务、修理和其他服务业', categoryCode: 'O', licenseType: 'general' },
  { id: 'O1001', name: '理发\n服务', category: '居民服务、修理和其他服务业', categoryCode: 'O', licenseType: 'general' },
];
"""


def test_items_from_the_typescript_array_or_a_csv(tmp_path):
    ts = tmp_path / "business-scopes-official.ts"
    ts.write_text(TS, encoding="utf-8")
    items = catalogue_draft.load_items(ts)
    # the name broken over two lines is joined; the item listed twice is kept once
    assert items.to_dict("records") == [{"id": "C1001", "name": "锂离子电池制造", "categoryCode": "C"},
                                        {"id": "F1045", "name": "烟叶收购", "categoryCode": "F"},
                                        {"id": "O1001", "name": "理发服务", "categoryCode": "O"}]
    csv = tmp_path / "items.csv"
    items.assign(category="x").to_csv(csv, index=False)
    assert catalogue_draft.load_items(csv).equals(items)


def test_the_counts_and_the_section_agreement():
    items = pd.DataFrame({"id": ["C1001", "F1045", "O1001"], "name": ["锂离子电池制造", "烟叶收购", "理发服务"],
                          "categoryCode": ["C", "F", "C"]})  # the last filed under the wrong 门类 on purpose
    # 3841 (C) accepted; 烟叶收购 reads no word, its nearest 5128 (F); 理发服务 8040 (O), not C
    assert catalogue_draft.measure(items) == {
        "items": 3, "accept": 2, "review": 0, "empty": 1, "section_agrees": 0.667, "section_agrees_accept": 0.5,
        "section_agrees_review": None, "section_agrees_empty": 1.0}


def test_the_reader_against_a_coder_and_its_misses():
    items = pd.DataFrame({"id": ["C1001", "F1045", "O1001"], "name": ["锂离子电池制造", "烟叶收购", "理发服务"],
                          "categoryCode": ["C", "F", "O"]})
    coded = pd.DataFrame({"id": ["C1001", "F1045", "O1001", "X9999"], "code": ["3841", "1610", "8090", "0111"],
                          "also": ["", "", "8040", ""]})  # X9999 is no item of the list: left out
    figures, misses = catalogue_draft.against_coder(items, coded)
    # 3841 the coder's own; 8040 one the coder also defends; 烟叶收购's nearest 5128 neither, nor of 大类 16
    assert figures == {"items": 3, "class_same": 0.333, "class_defended": 0.667, "division_defended": 0.667,
                       "accept": 2, "class_defended_accept": 1.0}
    assert misses[["id", "read", "read_name", "decision", "code", "coder_name"]].to_dict("records") == [
        {"id": "F1045", "read": "5128", "read_name": "烟草制品批发", "decision": "empty", "code": "1610",
         "coder_name": "烟叶复烤"}]
