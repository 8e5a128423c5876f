"""The review queue (issue 11): abstained firms are queued without node links; a confirm or a correction is a
manual label (who, when) that overrides the classifier and re-classifies the firm; labelled rows train a model
whose cross-validated accuracy is reported."""

from __future__ import annotations

import pandas as pd
import pytest

from chanye.classify.enterprises import classify_enterprises
from chanye.classify.learned import fit_labelled
from chanye.errors import InputError
from chanye.registry.store import MIGRATIONS, Store
from chanye.services import review
from chanye.services.platform import Platform

LITHIUM = "91440101MA00000001"
SALON = "91440101MA00000002"
TRAVEL = "91440101MA00000003"
CODED = "91440101MA00000004"
TRAVEL_SCOPE = "一般项目：工艺美术品及收藏品零售；票务代理服务；会议及展览服务。许可项目：旅游业务。"


@pytest.fixture
def platform():
    store = Store(":memory:")
    store.con.executemany(
        "INSERT INTO enterprises (uscc, name, industry_code, business_scope) VALUES (?, ?, ?, ?)",
        [(LITHIUM, "甲", None, "一般项目：锂离子电池制造；电池销售；技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广。"),
         (SALON, "乙", None, "理发服务；美容服务。"),
         (TRAVEL, "丙", None, TRAVEL_SCOPE),
         (CODED, "丁", "3841", "锂离子电池制造")])
    p = Platform(None, None, store=store)
    report: dict = {}
    with store.transaction():
        assert classify_enterprises(store, None, p.framework, report) == (2, 2)
    assert report == {"queued": 1, "queued_unread": 0, "labelled_rows": 0, "learned_cv_accuracy": None, "reader_check": None}
    yield p
    store.close()


def links(p, uscc):
    return p.store.query("SELECT node, method, code FROM classifications WHERE uscc = ? ORDER BY node",
                         [uscc]).to_dict("records")


def test_the_migration_adds_the_queue_and_the_labels():
    assert "CREATE TABLE review_queue" in MIGRATIONS[5] and "CREATE TABLE manual_labels" in MIGRATIONS[5]


def test_an_abstained_firm_is_queued_without_links(platform):
    queued = review.queue(platform)
    assert [r["uscc"] for r in queued.rows] == [TRAVEL]
    row = queued.rows[0]
    assert row["probability"] == 0.4483  # a souvenir shop that also runs tours: neither activity clearly main
    assert [(s["code"], s["probability"]) for s in row["suggestions"]] == [("5246", 0.3886), ("7298", 0.3627),
                                                                           ("7291", 0.1451)]
    assert row["suggestions"][2]["evidence"] == "“旅游业务”（许可项目第4项，服务，词“旅游业务”）→ 7291 旅行社及相关服务"
    assert links(platform, TRAVEL) == []
    assert links(platform, SALON) == []  # accepted (8040 理发及美容服务) but no 12218 node owns it
    assert links(platform, LITHIUM) == [{"node": "new-energy-storage", "method": "text", "code": "3841"}]


def test_a_scope_that_reads_no_class_is_queued_too():
    """A firm whose scope names no class has no link either: the analyst is the only one who can code it, so it
    is queued (before, such firms were neither linked nor queued), with the classes nearest its wording, or none."""
    store = Store(":memory:")
    tobacco, stock = "91440101MA00000005", "91440101MA00000006"
    store.con.executemany("INSERT INTO enterprises (uscc, name, industry_code, business_scope) VALUES (?, ?, NULL, ?)",
                          [(tobacco, "戊", "烟叶收购"), (stock, "己", "一般项目：货物进出口；技术进出口")])
    p = Platform(None, None, store=store)
    report: dict = {}
    with store.transaction():
        assert classify_enterprises(store, None, p.framework, report) == (0, 0)
    assert (report["queued"], report["queued_unread"]) == (2, 2)  # both read no class: counted apart
    rows = {r["uscc"]: r for r in review.queue(p).rows}
    assert (rows[tobacco]["probability"], rows[stock]["probability"]) == (0.0, 0.0)
    assert [(s["code"], s["similarity"]) for s in rows[tobacco]["suggestions"]] == [
        ("5128", 0.4338), ("5124", 0.2045), ("5116", 0.1772)]
    assert rows[stock]["suggestions"] == []
    review.decide(p, stock, "5181", action="correct", by="ana")
    assert [r["uscc"] for r in review.queue(p).rows] == [tobacco]
    store.close()


def test_a_correction_overrides_and_is_kept(platform):
    done = review.decide(platform, TRAVEL, "7291", action="correct", by="ana", note="旅行社")
    assert done == {"uscc": TRAVEL, "code": "7291", "action": "correct", "decided_by": "ana", "links": 1}
    assert links(platform, TRAVEL) == [{"node": "tourism", "method": "manual", "code": "7291"}]
    assert review.queue(platform).rows == ()
    label = review.labels(platform).rows[0]
    assert (label["uscc"], label["code"], label["action"], label["decided_by"], label["note"]) == (
        TRAVEL, "7291", "correct", "ana", "旅行社")
    evidence = platform.store.scalar("SELECT evidence FROM classifications WHERE uscc = ?", [TRAVEL])
    assert evidence.startswith("人工改正小类 7291（ana，")
    # a full re-classification keeps the label, and the labelled code is what chains link on
    done = review.reclassify(platform)
    assert (done["queued"], done["classified"]) == (0, 3)
    assert links(platform, TRAVEL) == [{"node": "tourism", "method": "manual", "code": "7291"}]
    assert platform.store.scalar("SELECT predicted_code FROM enterprises WHERE uscc = ?", [TRAVEL]) == "7291"


def test_a_confirmation_overrides_the_model(platform):
    review.decide(platform, LITHIUM, "3841", action="confirm", by="bo")
    assert links(platform, LITHIUM) == [{"node": "new-energy-storage", "method": "manual", "code": "3841"}]


def test_bad_decisions_are_refused_clearly(platform):
    with pytest.raises(InputError, match="不是 GB/T 4754-2017 小类代码"):
        review.decide(platform, TRAVEL, "99", action="correct", by="ana")
    with pytest.raises(InputError, match="复核动作只能是 confirm 或 correct"):
        review.decide(platform, TRAVEL, "7291", action="delete", by="ana")
    with pytest.raises(InputError, match="找不到企业 91440101MA99999999"):
        review.decide(platform, "91440101MA99999999", "7291", action="correct", by="ana")


def test_learning_from_labelled_rows_reports_cross_validated_accuracy():
    rows = pd.DataFrame({
        "business_scope": ["一般项目：锂离子电池制造；电池销售。"] * 10 + ["许可项目：旅游业务。一般项目：票务代理服务。"] * 10
        + ["足疗服务；按摩服务。"] * 10,
        "code": ["3841"] * 10 + ["7291"] * 10 + ["8052"] * 10,
    })
    model = fit_labelled(rows)
    assert (model.rows, model.classes, model.cv_accuracy) == (30, 3, 1.0)
    codes, probs = model.predict(["足疗服务。"])
    assert list(codes) == ["8052"]
    assert probs[0] > 0.5
    assert fit_labelled(rows.head(20)) is None  # fewer than 30 rows: nothing is learned
