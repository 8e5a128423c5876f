"""Imported targets: validated row by row, stored atomically, and fed into the scoreboard's 目标进度."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chanye.errors import InputError
from chanye.framework import load_pack
from chanye.registry.store import Store
from chanye.registry.targets import city_words, import_targets, load_targets, parse_targets
from chanye.services import scoreboard


def test_imported_target_appears_in_the_scoreboard_with_hand_computed_pace(demo_db, tmp_path: Path) -> None:
    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, db)
    path = tmp_path / "目标.csv"
    path.write_text("节点,指标,目标值,单位,年份,状态\nbiomed,工业总产值,\"3,000\",亿元,2027,暂定\n", encoding="utf-8")
    fw = load_pack()
    with Store(db) as store:
        result = import_targets(store, path, fw)
        assert [t.id for t in result.imported] == ["biomed-industrial-output-2027"]
        assert [t.id for t in load_targets(store, fw)][-1] == "biomed-industrial-output-2027"
        board = scoreboard.compute(store, fw)
    row = board.targets.set_index("id").loc["biomed-industrial-output-2027"]
    # biomed output 2024 = 2,050亿 (calibrated); (3000 / 2050) ** (1/3) - 1 = 13.533%
    assert row["latest"] == pytest.approx(2050, rel=1e-6)
    assert row["required_cagr"] == pytest.approx(((3000 / 2050) ** (1 / 3) - 1) * 100, rel=1e-6)


def test_a_bad_row_refuses_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("节点,指标,目标值,单位,年份\nbiomed,工业总产值,10,亿元,2027\nnowhere,工业总产值,1,亿元,2027\n",
                    encoding="utf-8")
    fw = load_pack()
    with Store(":memory:") as store:
        with pytest.raises(InputError, match=r"bad\.csv: 1 行有误，未导入") as info:
            import_targets(store, path, fw)
        assert "第 3 行: 节点 'nowhere' 不在框架 guangzhou-12218 中 (unknown node)" in str(info.value)
        assert store.count("targets") == 0
        assert load_targets(store, fw) == fw.targets


def test_the_whole_city_is_named_by_the_packs_city(tmp_path: Path) -> None:
    shenzhen = load_pack("shenzhen-20-8")
    assert city_words(shenzhen) == {"全市", "city", "深圳市", "深圳", "Shenzhen"}
    assert city_words(load_pack()) == {"全市", "city", "广州市", "广州", "Guangzhou"}
    path = tmp_path / "t.csv"
    path.write_text("节点,指标,目标值,单位,年份\n深圳,营业收入,1,亿元,2030\n广州,营业收入,1,亿元,2030\n", encoding="utf-8")
    result = parse_targets(path, shenzhen)
    assert [(t.id, t.node) for t in result.imported] == [("city-revenue-2030", "city")]
    assert result.errors == ["第 3 行: 节点 '广州' 不在框架 shenzhen-20-8 中 (unknown node)"]
