"""Published figures and their sources through the Platform: loaded from the pack being built (Guangzhou's pack
ships them, Shenzhen's has none), each note carried into the store in Chinese and English and shown in one
language; a figure stored with one note shows it in both."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from chanye.demo.seed import load_published_into
from chanye.present import tables as present
from chanye.registry import views
from chanye.registry.store import Store
from chanye.services import published
from chanye.services.platform import Platform
from chanye.services.scoreboard import source_table


def platform_of(pack: str) -> Platform:
    store = Store(":memory:")
    p = Platform(":memory:", pack, store=store)
    with store.transaction():
        load_published_into(store, p.framework)
    return p


@pytest.fixture
def guangzhou():
    p = platform_of("guangzhou-12218")
    yield p
    p.close()


def test_the_store_holds_both_notes(guangzhou):
    store = guangzhou.cursor()
    assert store.count("published") == 34 and store.count("sources") == 5
    assert store.query("SELECT note, note_en FROM published WHERE id = 'tianhe-2024-gdp'").iloc[0].tolist() == [
        "未核实：仅见于转载网站", "unverified: secondary sites"]
    assert store.scalar("SELECT count(*) FROM published WHERE note = '' OR note_en = ''") == 0
    assert store.scalar("SELECT count(*) FROM sources WHERE note = '' OR note_en = ''") == 0


def test_figures_and_sources_carry_zh_and_en_notes(guangzhou):
    figures = guangzhou.published(scope="city")
    gdp = next(r for r in figures.rows if r["figure_id"] == "gz-2024-gdp")
    assert gdp["note"] == {"zh": "据报道：GDP超过3.1万亿元", "en": "as reported: GDP over 3.1 trillion yuan"}
    assert next(c for c in figures.columns if c.key == "note").type == "name"
    zh = present.frame(figures, "zh").set_index("公开数据")
    en = present.frame(figures, "en").set_index("Published figure")
    assert zh.loc["gz-2024-gdp", "说明"] == "据报道：GDP超过3.1万亿元"
    assert en.loc["gz-2024-gdp", "Note"] == "as reported: GDP over 3.1 trillion yuan"
    sources = guangzhou.sources()
    gwr = next(r for r in sources.rows if r["source_id"] == "gz-gwr-2026")
    assert gwr["note"]["zh"].startswith("据报道：6个产值超千亿元的先进制造业集群")
    assert gwr["note"]["en"].startswith("As reported: 6 advanced manufacturing clusters with output over 100 billion")


def test_the_scoreboard_source_table_shows_one_language(guangzhou):
    t = source_table(SimpleNamespace(sources=views.sources(guangzhou.cursor())))  # all it reads of a Scoreboard
    assert next(c for c in t.columns if c.key == "note").type == "name"
    rows = {r["source_id"]: r["note"] for r in t.rows}
    assert rows["haizhu-gwr-2025"] == {
        "zh": "海珠区2024年地区生产总值（3008.35亿元，增长5.4%），出自该区自己的政府工作报告。",
        "en": "Haizhu District's 2024 GDP (300.835 billion yuan, +5.4%), from the district's own report."}
    zh = present.frame(t, "zh")
    en = present.frame(t, "en")
    ids = list(zh.iloc[:, 0])
    assert zh.iloc[ids.index("haizhu-gwr-2025"), -1] == rows["haizhu-gwr-2025"]["zh"]
    assert en.iloc[ids.index("haizhu-gwr-2025"), -1] == rows["haizhu-gwr-2025"]["en"]


def test_a_figure_stored_with_one_note_shows_it_in_both_languages():
    store = Store(":memory:")
    p = Platform(":memory:", "guangzhou-12218", store=store)
    with store.transaction():
        store.con.execute("INSERT INTO sources (id, title, publisher, date, url, note) "
                          "VALUES ('mine', '我的报告', '我', '2025', NULL, '自行录入')")
        store.con.execute("INSERT INTO published (id, scope, area, node, metric, year, value, unit, comparison, "
                          "growth, source, note) VALUES ('x', 'city', '440100', NULL, 'gdp', 2024, 1.0, '亿元', '=', "
                          "NULL, 'mine', '用户导入')")
        store.con.execute("INSERT INTO published (id, scope, area, node, metric, year, value, unit, comparison, "
                          "growth, source, note) VALUES ('y', 'city', '440100', NULL, 'gdp', 2023, 1.0, '亿元', '=', "
                          "NULL, 'mine', NULL)")
    rows = {r["figure_id"]: r for r in p.published().rows}
    assert rows["x"]["note"] == {"zh": "用户导入", "en": "用户导入"}
    assert rows["y"]["note"] is None
    assert p.sources().rows[0]["note"] == {"zh": "自行录入", "en": "自行录入"}
    assert present.frame(p.published(), "en").set_index("Published figure").loc["x", "Note"] == "用户导入"
    assert published.bilingual_note({"note": "", "note_en": "only English"}) == {
        "zh": "only English", "en": "only English"}
    assert published.bilingual_note({"note": "只有中文"}) == {"zh": "只有中文", "en": "只有中文"}
    p.close()


def test_shenzhen_has_no_published_figures():
    p = platform_of("shenzhen-20-8")
    try:
        assert p.cursor().count("published") == 0 and p.cursor().count("sources") == 0
        assert p.published().rows == () and p.published().meta["total"] == 0
        assert p.sources().rows == ()
    finally:
        p.close()
