"""Every text of the shipped packs that a page shows has its English (issue 10): each chain template's
`description_en`, each code rule's and edge's `note_en`, each chain link's `description_en`; and no English
text holds a Chinese character (CJK ideographs, CJK punctuation or full-width forms)."""

from __future__ import annotations

import re

import pytest

from chanye.framework import load_pack
from chanye.framework.read import available_packs

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
PACKS = [p.name for p in available_packs()]
# pack -> (chain templates, framework code rules with a note, chain code rules with a note, edges with a note,
# chain links with a description), counted in the YAML files
COUNTS = {"guangzhou-12218": (22, 52, 1, 10, 4), "guangzhou-14th-fyp": (0, 1, 0, 0, 0),
          "shenzhen-20-8": (4, 19, 0, 0, 0)}


def pairs(fw) -> dict[str, list[tuple[str, str, str]]]:
    """kind -> (where, Chinese text, English text) for every text that has or should have an English twin."""
    return {
        "template": [(c.id, c.description, c.description_en) for c in fw.chains],
        "rule": [(f"{n.id}/{r.code}", r.note, r.note_en) for n in fw.nodes for r in n.codes],
        "chain_rule": [(f"{c.id}/{n.id}/{r.code}", r.note, r.note_en)
                       for c in fw.chains for n in c.nodes for r in n.codes],
        "edge": [(f"{c.id}/{e.source}->{e.target}", e.note, e.note_en) for c in fw.chains for e in c.edges],
        "link": [(f"{c.id}/{n.id}", n.description, n.description_en) for c in fw.chains for n in c.nodes],
    }


def test_the_shipped_packs_are_the_three_counted():
    assert sorted(PACKS) == sorted(COUNTS)


@pytest.mark.parametrize("pack", PACKS)
def test_every_chinese_text_has_english_without_chinese(pack):
    found = pairs(load_pack(pack, check=True))
    missing = [(kind, where) for kind, rows in found.items() for where, zh, en in rows if zh and not en.strip()]
    orphans = [(kind, where) for kind, rows in found.items() for where, zh, en in rows if en and not zh]
    chinese = [(kind, where, en) for kind, rows in found.items() for where, _, en in rows if CJK.search(en)]
    assert missing == [] and orphans == [] and chinese == []
    counted = tuple(sum(1 for _, zh, _ in found[k] if zh) for k in ("template", "rule", "chain_rule", "edge", "link"))
    assert counted == COUNTS[pack]


def test_the_english_of_one_case_each():
    fw = load_pack("guangzhou-12218", check=True)
    chain = next(c for c in fw.chains if c.id == "icv-nev")
    assert chain.description_en.startswith(
        "Upstream: lithium resources and battery materials, automotive chips and on-board sensors; midstream: the "
        "'three electrics' (traction batteries, drive motors, electronic controls),")
    assert chain.description_en.endswith(
        "so conventional fuel vehicles (3611) are also counted in vehicle manufacturing.")
    rule = next(r for n in fw.nodes if n.id == "icv-nev" for r in n.codes if r.code == "3611")
    assert (rule.note, rule.note_en) == (
        "燃油整车：广州汽车集群的存量主体，按本市口径计入",
        "Conventional (fuel) vehicles: the established core of Guangzhou's automotive cluster, counted under the "
        "city's scope")
    edge = next(e for e in chain.edges if (e.source, e.target) == ("battery", "charging"))
    assert (edge.note, edge.note_en) == ("换电站的周转电池", "Circulating batteries for battery-swap stations")
    shenzhen = load_pack("shenzhen-20-8", check=True)
    rule = next(r for n in shenzhen.nodes for r in n.codes if r.note == "水贝珠宝批发")
    assert rule.note_en == "Shuibei jewellery wholesale"
