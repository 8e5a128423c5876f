"""Issue 14 item 2: an uncached enterprise profile puts the firm's stored chain links in the pack's chain order with
one sort (not a mask per chain), `chain_roles` groups them once, and district names are worked out once per code.
Exact rows on a hand-made store of the Guangzhou pack: its chains run icv-nev, uhd-display, biomed, ... (not
alphabetical), its icv-nev template lists lithium before electrode-materials (not alphabetical either)."""

from __future__ import annotations

import pandas as pd
import pytest

from chanye.classify.chain_links import stored as chain_store
from chanye.classify.chains import LINK_COLUMNS, fingerprint
from chanye.framework import load_pack
from chanye.registry.store import Store
from chanye.services import chains, enterprises
from chanye.services.platform import Platform

PACK = "guangzhou-12218"
FIRM, BARE = "91440101MA0000001X", "91440101MA0000002X"
LINKS = [  # (uscc, chain, chain_node, role, method, evidence, confidence), stored in no particular order
    (FIRM, "biomed", "api", "user", "keyword", "原料药", 0.8),
    (FIRM, "retired-chain", "old-node", "producer", "code", "2710|2710", 1.0),  # a chain the pack no longer has
    (FIRM, "icv-nev", "lithium", "producer", "code+keyword", "3841|3841|锂电池", 1.0),
    (FIRM, "uhd-display", "driver-ic", "seller", "keyword", None, None),
    (FIRM, "icv-nev", "electrode-materials", "producer", "code", "lithium|lithium", 0.9),
    ("91440101MA0000003X", "icv-nev", "lithium", "user", "keyword", "锂", 0.7),
]


def make_platform(linked: tuple[str, ...] | None = None) -> Platform:
    """A store holding LINKS, with the link runs of every chain of the pack (or of `linked` only: the others
    are 'missing', linked in memory from the store's firms, of which it has none)."""
    store = Store(":memory:")
    p = Platform(":memory:", PACK, store=store)
    p.open()
    store.con.executemany("INSERT INTO chain_links VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                          [(u, PACK, c, n, r, m, e, f) for u, c, n, r, m, e, f in LINKS])
    chain_store.record_runs(store, PACK, {c.id: fingerprint(c) for c in p.framework.chains
                                          if linked is None or c.id in linked})
    return p


def rows(frame: pd.DataFrame) -> list[tuple]:
    return [tuple(None if pd.isna(v) else v for v in r) for r in frame.itertuples(index=False)]


def test_a_firms_links_come_in_the_packs_chain_order() -> None:
    p = make_platform()
    mine = chains.firm_links(p, FIRM)
    assert list(mine.columns) == LINK_COLUMNS
    assert list(mine.index) == [0, 1, 2, 3]  # a fresh index, as the concatenation of the chains gave
    assert rows(mine) == [  # icv-nev's rows by node id as stored (electrode-materials < lithium); the retired chain's dropped
        (FIRM, "icv-nev", "electrode-materials", "producer", "code", "lithium|lithium", 0.9),
        (FIRM, "icv-nev", "lithium", "producer", "code+keyword", "3841|3841|锂电池", 1.0),
        (FIRM, "uhd-display", "driver-ic", "seller", "keyword", None, None),
        (FIRM, "biomed", "api", "user", "keyword", "原料药", 0.8),
    ]
    bare = chains.firm_links(p, BARE)
    assert list(bare.columns) == LINK_COLUMNS and len(bare) == 0


def test_a_chain_never_linked_in_the_store_is_linked_in_memory() -> None:
    """With icv-nev and biomed 'missing', their stored rows are not read: the in-memory links (none: the store has
    no firms) stand for them, chain by chain, as before."""
    p = make_platform(linked=tuple(c.id for c in load_pack(PACK).chains if c.id not in ("icv-nev", "biomed")))
    assert chains.inputs_of(p).status["icv-nev"] == "missing"
    assert rows(chains.firm_links(p, FIRM)) == [(FIRM, "uhd-display", "driver-ic", "seller", "keyword", None, None)]


def test_chain_roles_group_the_links_once_in_template_order() -> None:
    p = make_platform()
    t = enterprises.chain_roles(p, FIRM)
    icv = {"zh": "智能网联与新能源汽车产业链", "en": "Intelligent connected and new-energy vehicle chain"}
    assert [(r["chain"], r["chain_node"], r["role"], r["method"], r["confidence"]) for r in t.rows][:2] == [
        ("icv-nev", "lithium", "producer", "code+keyword", 1.0),  # the template's order: lithium first
        ("icv-nev", "electrode-materials", "producer", "code", 0.9)]
    assert [(r["chain"], r["chain_node"], r["role"], r["method"], pd.isna(r["confidence"])) for r in t.rows][2:] == [
        ("uhd-display", "driver-ic", "seller", "keyword", True),  # no confidence stored: NaN, as before
        ("biomed", "api", "user", "keyword", False),
    ]
    assert t.rows[3]["confidence"] == 0.8
    first, second, third, fourth = t.rows
    assert first["chain_name"] == icv and first["segment"] == "upstream"
    assert first["chain_node_name"] == {"zh": "锂矿与锂盐", "en": "Lithium ore and salts"}
    assert first["evidence"] == {"zh": "3841 · 锂电池", "en": "3841 · 锂电池"}
    assert second["evidence"] == {"zh": "锂矿与锂盐", "en": "Lithium ore and salts"}  # a supply edge: the node named
    assert third["evidence"] is None
    assert fourth["chain_name"] == {"zh": "生物医药与健康产业链", "en": "Biomedicine and health chain"}
    assert fourth["chain_node_name"] == {"zh": "原料药与医药中间体", "en": "APIs and intermediates"}
    assert enterprises.chain_roles(p, BARE).rows == ()


def test_district_names_are_worked_out_once_and_handed_out_fresh() -> None:
    city = load_pack("shenzhen-20-8").city
    first = enterprises.place_name(city, "440305")
    assert first == {"zh": "南山区", "en": "Nanshan"}
    first["zh"] = "changed by a caller"
    assert enterprises.place_name(city, "440305") == {"zh": "南山区", "en": "Nanshan"}  # the kept pair is untouched
    assert enterprises.place_name(city, "440106") == {"zh": "广州市天河区", "en": "广州市天河区"}  # another city's
    assert enterprises.place_name(city, "999999") is None and enterprises.place_name(city, "") is None
    assert enterprises._place_name.cache_info().maxsize == 4096  # bounded: a few thousand counties in all


@pytest.fixture
def shenzhen(tmp_path) -> Platform:
    from chanye.registry.uscc import make_uscc
    from chanye.services import imports

    firms = [make_uscc(f"91440300MA{i:07d}") for i in range(3)]
    path = tmp_path / "名录.csv"
    path.write_text("统一社会信用代码,企业名称,所属区,行业代码,营业收入（万元）,从业人员,年份\n"
                    f"{firms[0]},示例南山甲公司,南山,3841,1200,80,2024\n"
                    f"{firms[1]},示例南山乙公司,南山,6513,300,40,2024\n"
                    f"{firms[2]},示例福田公司,福田,6513,100,10,2024\n", encoding="utf-8")
    store = Store(":memory:")
    p = Platform(":memory:", "shenzhen-20-8", store=store)
    imports.import_file(p, path)
    yield p
    store.close()


def test_a_list_pages_rows_name_their_districts_each_with_its_own_dict(shenzhen) -> None:
    rows = shenzhen.search("", sort="revenue").firms.rows
    assert [(r["name"], r["district"]) for r in rows] == [
        ("示例南山甲公司", {"zh": "南山区", "en": "Nanshan"}), ("示例南山乙公司", {"zh": "南山区", "en": "Nanshan"}),
        ("示例福田公司", {"zh": "福田区", "en": "Futian"})]
    assert rows[0]["district"] is not rows[1]["district"]  # a dict each: a caller may change its own


def test_a_profile_keeps_its_chain_roles_for_the_data_generation(shenzhen, monkeypatch) -> None:
    """The API's and the page's first visits (either language) work a firm's chain roles out once."""
    calls = []
    real = chains.firm_links
    monkeypatch.setattr(chains, "firm_links", lambda host, uscc: calls.append(uscc) or real(host, uscc))
    uscc = shenzhen.search("", sort="revenue").firms.rows[0]["uscc"]
    first = enterprises.profile(shenzhen, uscc)
    again = enterprises.profile(shenzhen, uscc.lower())
    assert calls == [uscc] and again is first
    assert first.chains.rows == enterprises.chain_roles(shenzhen, uscc).rows and first.chains.name == "firm_chains"
    assert [(r["chain"], r["chain_node"], r["role"], r["method"], r["evidence"], r["confidence"], r["segment"])
            for r in first.chains.rows] == [  # 3841 (batteries): its template's order, battery-materials first
        ("new-energy", "battery-materials", "user", "edge",
         {"zh": "锂离子电池与新型电池", "en": "Lithium-ion and new-type batteries"}, 0.4, "upstream"),
        ("new-energy", "batteries", "producer", "code", {"zh": "3841", "en": "3841"}, 0.9, "midstream")]
    assert enterprises.profile(shenzhen, shenzhen.search("", sort="revenue").firms.rows[1]["uscc"]).chains.rows == ()
