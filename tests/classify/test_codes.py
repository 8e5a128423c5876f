"""Code and keyword rules on the tiny pack: the exact links table, evidence strings and confidences."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from chanye.classify.codes import (
    LINK_COLUMNS,
    apply_manual,
    classify,
    classify_by_rules,
    classify_by_text_codes,
    code_status,
    keyword_confidence,
    normalise_codes,
    predict_codes,
)
from chanye.errors import InputError, UnknownNode
from chanye.framework import load_pack

TINY = Path(__file__).parents[1] / "fixtures" / "packs" / "tiny"


@pytest.fixture(scope="module")
def tiny():
    return load_pack(TINY)


def firms() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "uscc": ["A", "B", "C", "D", "E", "F"],
            "industry_code": ["3612", "3841", "3841", "2761", None, "3841.0"],
            "business_scope": [
                None,
                "一般项目：动力电池研发、制造；货物进出口（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）",
                "锂离子电池制造；储能系统集成",
                "生物药品制造(依法须经批准的项目,经相关部门批准后方可开展经营活动)",
                "化学药品制剂的生产与销售",
                "动力电池组装",
            ],
            "name": [
                "甲汽车有限公司",
                "乙电池有限公司",
                "丙储能有限公司",
                "丁药业有限公司",
                "戊药业有限公司",
                "广州车用电池科技有限公司",
            ],
        }
    )


EXPECTED = [
    ("A", "cars", "code", "行业代码 3612 新能源车整车制造 整体归属", 1.0, "3612"),
    ("B", "cars", "keyword", "行业代码 3841 锂离子电池制造 部分归属；经营范围含“动力电池”", 0.8, "3841"),
    ("B", "batteries", "code", "行业代码 3841 锂离子电池制造 整体归属", 1.0, "3841"),
    ("C", "batteries", "code", "行业代码 3841 锂离子电池制造 整体归属", 1.0, "3841"),
    ("D", "pharma", "code", "行业代码 2761 生物药品制造 整体归属", 1.0, "2761"),
    (
        "F",
        "cars",
        "keyword",
        "行业代码 3841 锂离子电池制造 部分归属；经营范围含“动力电池”；企业名称含“车用电池”",
        0.9,
        "3841",
    ),
    ("F", "batteries", "code", "行业代码 3841 锂离子电池制造 整体归属", 1.0, "3841"),
]


def rows(links: pd.DataFrame) -> list[tuple]:
    assert list(links.columns) == list(LINK_COLUMNS)
    return [tuple(r) for r in links.itertuples(index=False)]


def test_exact_links_table(tiny) -> None:
    assert rows(classify_by_rules(firms(), tiny)) == EXPECTED


def test_input_index_and_missing_optional_columns(tiny) -> None:
    shuffled = firms().set_index(pd.Index([50, 40, 30, 20, 10, 0]))
    assert rows(classify_by_rules(shuffled, tiny)) == EXPECTED
    codes_only = classify_by_rules(firms()[["uscc", "industry_code"]], tiny)
    assert [(r[0], r[1], r[2]) for r in rows(codes_only)] == [
        ("A", "cars", "code"),
        ("B", "batteries", "code"),
        ("C", "batteries", "code"),
        ("D", "pharma", "code"),
        ("F", "batteries", "code"),
    ]
    assert rows(classify_by_rules(firms().iloc[:0], tiny)) == []
    with pytest.raises(InputError, match="industry_code"):
        classify_by_rules(firms().drop(columns="industry_code"), tiny)


def test_exclude_words_veto_a_keyword(tmp_path: Path) -> None:
    pack = tmp_path / "tiny"
    shutil.copytree(TINY, pack)
    yaml = pack / "framework.yaml"
    text = yaml.read_text(encoding="utf-8")
    yaml.write_text(
        text.replace(
            "keywords: [动力电池, 车用电池]}", "keywords: [动力电池, 车用电池], exclude: [电动自行车]}"
        )
    )
    framework = load_pack(pack)
    frame = pd.DataFrame(
        {
            "uscc": ["X", "Y"],
            "industry_code": ["3841", "3841"],
            "business_scope": ["电动自行车动力电池制造", "动力电池、车用电池及电池管理系统研发"],
            "name": ["", "某某新能源"],
        }
    )
    assert rows(classify_by_rules(frame, framework)) == [
        ("X", "batteries", "code", "行业代码 3841 锂离子电池制造 整体归属", 1.0, "3841"),
        (
            "Y",
            "cars",
            "keyword",
            "行业代码 3841 锂离子电池制造 部分归属；经营范围含“动力电池”“车用电池”",
            0.9,
            "3841",
        ),
        ("Y", "batteries", "code", "行业代码 3841 锂离子电池制造 整体归属", 1.0, "3841"),
    ]


def test_keyword_confidence_scale() -> None:
    assert list(keyword_confidence([1, 2, 3, 4])) == [0.8, 0.9, 0.95, 0.95]


def test_code_normalisation_and_status() -> None:
    raw = pd.Series(["3612", None, "9999", "", 3841, "36", "C3670", 2720.0, "  2761 "])
    assert normalise_codes(raw).tolist() == ["3612", None, None, None, "3841", None, "3670", "2720", "2761"]
    assert code_status(raw).tolist() == [
        "ok",
        "missing",
        "invalid",
        "missing",
        "ok",
        "invalid",
        "ok",
        "ok",
        "ok",
    ]


def test_text_links(tiny) -> None:
    predicted = pd.DataFrame(
        {
            "uscc": ["E", "G"],
            "code": ["2720", "3841"],
            "probability": [0.83, 0.5],
            "business_scope": ["化学药品制剂的生产与销售", "车用电池研发"],
            "name": ["戊药业有限公司", None],
        }
    )
    assert rows(classify_by_text_codes(predicted, tiny)) == [
        ("E", "pharma", "text", "经营范围预测小类 2720 化学药品制剂制造 (p=0.83)", 0.83, "2720"),
        (
            "G",
            "cars",
            "text",
            "经营范围预测小类 3841 锂离子电池制造 (p=0.50)；部分归属；经营范围含“车用电池”",
            0.4,
            "3841",
        ),
        ("G", "batteries", "text", "经营范围预测小类 3841 锂离子电池制造 (p=0.50)", 0.5, "3841"),
    ]


def test_manual_overrides(tiny) -> None:
    links = classify_by_rules(firms(), tiny)
    manual = pd.DataFrame(
        {
            "uscc": ["A", "C", "B", "B"],
            "node": ["batteries", "batteries", "cars", "cars"],
            "action": ["add", "remove", "remove", "add"],
            "note": ["整车厂自建电池线", "", "", None],
        }
    )
    out = rows(apply_manual(links, manual, tiny))
    assert ("C", "batteries", "code", "行业代码 3841 锂离子电池制造 整体归属", 1.0, "3841") not in out
    assert ("A", "batteries", "manual", "人工指定：整车厂自建电池线", 1.0, "3612") in out
    # The last row for (B, cars) wins: the keyword link is replaced by a manual one.
    assert [r for r in out if r[:2] == ("B", "cars")] == [("B", "cars", "manual", "人工指定", 1.0, "3841")]
    assert len(out) == len(EXPECTED)  # -C/batteries, +A/batteries, B/cars replaced
    with pytest.raises(UnknownNode, match="'nowhere'"):
        apply_manual(links, manual.assign(node="nowhere"), tiny)
    with pytest.raises(InputError, match="add 或 remove"):
        apply_manual(links, manual.assign(action="delete"))


class _FixedModel:
    """Stands in for ScopeClassifier: always predicts 2720 then 2761."""

    def top_k(self, texts, k=3):
        import numpy as np

        n = len(texts)
        codes = np.array([["2720", "2761"]] * n, dtype=object)[:, :k]
        return codes, np.array([[0.7, 0.2]] * n)[:, :k]


def test_classify_uses_the_model_only_for_missing_or_invalid_codes(tiny) -> None:
    frame = firms()
    frame.loc[2, "industry_code"] = "9999"  # C: invalid code -> predicted
    predicted = predict_codes(frame, _FixedModel(), k=2, min_probability=0.5)
    assert predicted[["uscc", "code", "probability", "rank"]].values.tolist() == [
        ["C", "2720", 0.7, 1],
        ["E", "2720", 0.7, 1],
    ]
    links = classify(frame, tiny, model=_FixedModel(), min_probability=0.5)
    assert [(r[0], r[1], r[2], r[4]) for r in rows(links) if r[2] == "text"] == [
        ("C", "pharma", "text", 0.7),
        ("E", "pharma", "text", 0.7),
    ]
    assert not any(r[0] == "C" and r[2] == "code" for r in rows(links))
