"""Commands take the names analysts type (issue 15): a node, chain or district by its id, Chinese name or short
name gives the same output as by id; an unknown name gives one bilingual line with the close matches."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from chanye.cli import app
from chanye.errors import NotFound, UnknownNode
from chanye.framework import load_pack

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False, env={"COLUMNS": "200"})


def line(output: str) -> str:
    return re.sub(r" ?\n", " ", output.strip())


@pytest.mark.parametrize(
    ("text", "chain"),
    [("icv-nev", "icv-nev"), ("ICV-NEV", "icv-nev"), ("智能网联与新能源汽车", "icv-nev"),
     ("智能网联与新能源汽车产业链", "icv-nev"), (" 智能网联与新能源汽车 ", "icv-nev"), ("低空经济", "low-altitude"),
     ("商业航天产业链", "space-commercial"), ("低空经济与航空航天", "low-altitude"), ("人工智能", "ai"),
     ("Artificial intelligence", "ai")],
)
def test_a_chain_by_id_chinese_or_short_name(text: str, chain: str) -> None:
    assert load_pack().resolve_chain(text).id == chain
    assert load_pack().chain(text).id == chain


@pytest.mark.parametrize(
    ("text", "node"),
    [("finance", "finance"), ("现代金融", "finance"), ("现代金融产业", "finance"), ("21", "gz-21"),
     ("未来产业", "gz-21-future"), ("生物医药与健康", "biomed"), ("Modern finance", "finance")],
)
def test_a_node_by_id_label_chinese_or_short_name(text: str, node: str) -> None:
    assert load_pack().resolve_node(text).id == node


def test_unknown_names_say_so_in_both_languages_with_close_matches() -> None:
    fw = load_pack()
    with pytest.raises(NotFound, match=r"^框架 guangzhou-12218 中没有产业链 '新能源汽车' \(unknown chain\)"
                                       r"（相近的有 close matches: 智能网联与新能源汽车产业链（icv-nev））$"):
        fw.resolve_chain("新能源汽车")
    with pytest.raises(UnknownNode, match=r"^框架 guangzhou-12218 中没有节点 '金融' \(unknown node\)"
                                          r"（相近的有 close matches: 现代金融（finance））$"):
        fw.node("金融")
    with pytest.raises(NotFound, match=r"^框架 guangzhou-12218 中没有产业链 'nosuch' \(unknown chain\)（用 chanye chains 查看）$"):
        fw.chain("nosuch")


def test_chains_by_chinese_name_prints_what_the_id_prints(demo_db) -> None:
    by_id = run("chains", "icv-nev", "--district", "黄埔区", "--db", str(demo_db))
    assert by_id.exit_code == 0, by_id.output
    for args in (("智能网联与新能源汽车", "--district", "黄埔"), ("智能网联与新能源汽车产业链", "--district", "440112")):
        by_name = run("chains", *args, "--db", str(demo_db))
        assert by_name.exit_code == 0, by_name.output
        assert by_name.stdout == by_id.stdout
    wrong = run("chains", "新能源汽车", "--db", str(demo_db))
    assert wrong.exit_code == 1
    assert line(wrong.output) == ("错误 Error: 框架 guangzhou-12218 中没有产业链 '新能源汽车' (unknown chain)"
                                  "（相近的有 close matches: 智能网联与新能源汽车产业链（icv-nev））")


def test_framework_show_and_scoreboard_take_a_node_name(demo_db) -> None:
    assert run("framework", "show", "现代金融").stdout == run("framework", "show", "finance").stdout
    by_id = run("scoreboard", "--node", "biomed", "--db", str(demo_db), "--format", "json")
    by_name = run("scoreboard", "--node", "生物医药与健康", "--db", str(demo_db), "--format", "json")
    assert by_id.exit_code == 0, by_id.output
    assert by_name.stdout == by_id.stdout


def test_a_misspelt_district_names_the_close_match(demo_db) -> None:
    wrong = run("chains", "icv-nev", "--district", "黄浦区", "--db", str(demo_db))
    assert wrong.exit_code == 1
    assert line(wrong.output) == "错误 Error: 没有这个区: 黄浦区 (not a district of Guangzhou)（相近的有 close matches: 黄埔区）"
    board = run("scoreboard", "--district", "天和区", "--db", str(demo_db))
    assert line(board.output) == "错误 Error: 没有这个区: 天和区 (not a district of Guangzhou)（相近的有 close matches: 天河区）"
    assert [d.name for d in load_pack().city.close_districts("火星区")] == []
