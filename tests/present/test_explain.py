"""`chanye classify --text`'s lines (present/explain.py, issue 11): items, candidates named as score shares, the
decision against the threshold with the calibrated probability, the nodes; in Chinese and English."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from chanye.cli import app
from chanye.present.explain import explain_lines

# A reading written by hand in the shape of classify.explain.explain_text.
RESULT = {
    "clean_scope": "锂离子电池制造；货物进出口",
    "items": [{"text": "锂离子电池制造", "section": "general", "verb": "make", "weight": 1.25, "generic": False},
              {"text": "货物进出口", "section": "general", "verb": "trade", "weight": 0.054, "generic": True}],
    "classes": [{"code": "3841", "name": "锂离子电池制造", "score": 0.6612, "evidence": "“锂离子电池制造”→ 3841"}],
    "accepted": ["3841"], "probability": 0.7273, "threshold": 0.5, "code": None, "decision": "accept",
    "links": [{"node": "new-energy-storage", "node_name": {"zh": "新能源与新型储能", "en": "New energy and storage"},
               "method": "text", "code": "3841", "evidence": "经营范围预测小类 3841 锂离子电池制造 (p=0.73)",
               "confidence": 0.7273}],
}


def test_an_accepted_reading_in_chinese():
    assert explain_lines(RESULT) == [
        "经营范围（清洗后）：锂离子电池制造；货物进出口",
        "条目（区块，活动，权重）",
        "  1. 锂离子电池制造（一般项目，制造，1.25）",
        "  2. 货物进出口（一般项目，销售，0.05，常见套话）",
        "候选小类（得分占比：各候选得分之比，不是概率）",
        "  1. 3841 锂离子电池制造  0.66",
        "     “锂离子电池制造”→ 3841",
        "判定：采纳 3841，概率 0.727 ≥ 阈值 0.5",
        "节点",
        "  -> new-energy-storage 新能源与新型储能  [文本模型] 置信度 0.73  经营范围预测小类 3841 锂离子电池制造 (p=0.73)",
    ]


def test_review_empty_and_given_code_decisions_in_english():
    review = RESULT | {"accepted": [], "probability": 0.3812, "decision": "review", "links": []}
    lines = explain_lines(review, "en")
    assert lines[2:4] == ["  1. 锂离子电池制造 (general items, making, 1.25)",
                          "  2. 货物进出口 (general items, trade, 0.05, stock item)"]
    assert lines[-3:] == ["Decision: sent to review, probability 0.381 < threshold 0.5; no node link", "Nodes", "  no node"]
    assert explain_lines(review | {"curve_rows": 4996}, "en")[-3] == (
        "Decision: sent to review, probability 0.381 < threshold 0.5; no node link (probability calibrated on a "
        "sample of 4,996 coded firms of this registry)")
    empty = review | {"classes": [], "probability": 0.0, "decision": "empty"}
    assert explain_lines(empty)[4:7] == ["候选小类（得分占比：各候选得分之比，不是概率）", "  经营范围未读出任何小类",
                                          "判定：转人工复核，经营范围未读出任何小类"]
    coded = RESULT | {"code": "3841"}
    assert explain_lines(coded)[7] == "判定：按给定行业代码 3841 归类（经营范围只用于部分归属的代码）"
    assert explain_lines(coded, "en")[-1].startswith("  -> new-energy-storage New energy and storage  [text model] Confidence 0.73")


def test_a_scope_no_word_reads_shows_its_nearest_classes_as_likeness(tmp_path):
    """`classify --text` on a scope the reader reads no word of: the nearest classes, each with its similarity
    (not a score share), and the decision says they are only alike; `review list` and `review confirm` on such
    firms, one with suggestions and one without."""
    from chanye.classify.enterprises import classify_enterprises
    from chanye.framework import load_pack
    from chanye.registry.store import Store

    runner = CliRunner()
    result = json.loads(runner.invoke(app, ["classify", "--text", "烟叶收购", "--json"],
                                      catch_exceptions=False).stdout)
    assert (result["decision"], result["accepted"], result["probability"]) == ("empty", [], 0.0)
    assert [(c["code"], c["similarity"]) for c in result["classes"]] == [("5128", 0.4338), ("5124", 0.2045),
                                                                          ("5116", 0.1772)]
    lines = explain_lines(result)
    assert lines[3:5] == ["候选小类（未读出任何小类：只是名称和词语字面最相近的小类，字符相似度 0–1，不是概率）",
                          "  1. 5128 烟草制品批发  字面相近 0.43"]
    assert lines[-3] == "判定：转人工复核，经营范围未读出任何小类；上列候选只是名称和词语字面最相近的小类（相似度），仅供复核"
    assert explain_lines(result, "en")[4] == "  1. 5128 烟草制品批发  similarity 0.43"
    db = tmp_path / "n.duckdb"
    with Store(db) as store:
        store.con.executemany("INSERT INTO enterprises (uscc, name, industry_code, business_scope) VALUES (?, ?, NULL, ?)",
                              [("91440101MA00000005", "戊", "烟叶收购"), ("91440101MA00000006", "己", "货物进出口")])
        with store.transaction():
            classify_enterprises(store, None, load_pack())
    listed = runner.invoke(app, ["review", "list", "--db", str(db)], catch_exceptions=False,
                           env={"COLUMNS": "200"}).stdout.splitlines()
    assert listed[3].startswith("  1. 5128 烟草制品批发  字面相近 0.43  “烟叶收购”（经营范围第1项）无词表词语")
    assert "  经营范围未读出任何小类，也没有字面相近的小类：请用 chanye review correct 填写小类" in listed
    refused = runner.invoke(app, ["review", "confirm", "91440101MA00000006", "--db", str(db)])
    assert refused.exit_code != 0
    assert "企业 91440101MA00000006 没有建议小类可确认，请用 review correct 填写小类" in refused.output
    ran = runner.invoke(app, ["review", "run", "--db", str(db)], catch_exceptions=False).stdout.splitlines()
    assert ran[1] == "按本库已有行业代码的 0 家企业学习，交叉验证准确率 —；待复核 2 家；其中 2 家的经营范围未读出任何小类，只有字面相近的建议或没有建议"


def test_the_command_shows_the_decision_probability_the_links_carry():
    """The decision's probability is the calibrated one the node links are written with, not the top
    candidate's score share (they differed on the command line before: p=0.64 above, p=0.73 in the link)."""
    runner = CliRunner()
    scope = "一般项目：锂离子电池制造；电池销售。"
    result = json.loads(runner.invoke(app, ["classify", "--text", scope, "--json"], catch_exceptions=False).stdout)
    # 电池销售 sells what the firm makes: 5175 is the 批发 class of 3841's goods (before the eighth wave it read 3849's
    # 电池 and stayed a second class, 5175)
    assert (result["decision"], result["accepted"], [c["code"] for c in result["classes"]]) == (
        "accept", ["3841"], ["3841"])
    assert [link["confidence"] for link in result["links"]] == [result["probability"]]
    assert result["probability"] != result["classes"][0]["score"]
    text = runner.invoke(app, ["classify", "--text", scope], catch_exceptions=False, env={"COLUMNS": "200"}).stdout
    assert f"判定：采纳 3841，概率 {result['probability']:.3f} ≥ 阈值 0.5" in text.splitlines()
    assert "  1. 锂离子电池制造（一般项目，制造，1.25）" in text.splitlines()


def test_a_registry_named_calibrates_the_decision_on_its_coded_firms(tmp_path):
    """`--db`: the registry's own curve decides, as its next import would (tests/classify/test_own_curve.py's
    350 firms: 美发服务's raw margin 0.814 gives 0.4 x (0.814 - 0.4545) / (0.8621 - 0.4545) = 0.3528, review,
    where the shipped curve accepts it at 0.8466)."""
    from chanye.registry.store import Store

    coded = ([("3849", "电池制造")] * 100 + [("3841", "电池制造")] * 150
             + [("6210", "一般项目：日用百货销售；餐饮管理。")] * 100)
    path = tmp_path / "registry.duckdb"
    with Store(path) as store:
        store.con.executemany("INSERT INTO enterprises (uscc, name, industry_code, business_scope) VALUES (?, ?, ?, ?)",
                              [(f"91440101MA{i:07d}X", f"示例{i}", code, scope) for i, (code, scope) in enumerate(coded)])
    runner = CliRunner()
    own = json.loads(runner.invoke(app, ["classify", "--text", "美发服务", "--db", str(path), "--json"],
                                   catch_exceptions=False).stdout)
    shipped = json.loads(runner.invoke(app, ["classify", "--text", "美发服务", "--json"], catch_exceptions=False).stdout)
    assert (own["decision"], own["probability"], own["curve_rows"]) == ("review", 0.3528, 350)
    assert (shipped["decision"], shipped["probability"], shipped["curve_rows"]) == ("accept", 0.8466, None)
    text = runner.invoke(app, ["classify", "--text", "美发服务", "--db", str(path)], catch_exceptions=False,
                         env={"COLUMNS": "200"}).stdout.splitlines()
    assert "判定：转人工复核，概率 0.353 < 阈值 0.5，不写入节点（概率按本库抽查的 350 家有代码企业校准）" in text
