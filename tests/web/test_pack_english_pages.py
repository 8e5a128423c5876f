"""The pack's English texts on the English pages (issue 10): the chain page's description and the cluster page's
code notes, in HTML, the .json twin / API and the XLSX of the concordance; the Chinese pages keep the Chinese."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from .visible import visible

DESC_EN_START = ("Upstream: lithium resources and battery materials, automotive chips and on-board sensors; "
                 "midstream: the 'three electrics' (traction batteries, drive motors, electronic controls),")
DESC_ZH_START = "上游为锂资源与电池材料、汽车芯片和车载传感器；"
NOTE_EN = ("Conventional (fuel) vehicles: the established core of Guangzhou's automotive cluster, counted under the "
           "city's scope")
NOTE_ZH = "燃油整车：广州汽车集群的存量主体，按本市口径计入"


@pytest.fixture(autouse=True)
def no_language_cookie(client):
    """`?lang=en` sets the language cookie: forget it so the session's other tests get Chinese."""
    yield
    client.cookies.clear()


def test_chain_page_shows_the_description_in_its_language(client):
    en = visible(client.get("/chains/icv-nev?lang=en").text)
    client.cookies.clear()
    zh = visible(client.get("/chains/icv-nev?lang=zh").text)
    assert DESC_EN_START in " ".join(en.split()) and DESC_ZH_START not in en
    assert DESC_ZH_START in zh and DESC_EN_START not in zh


def test_chain_api_carries_the_english_description_and_edge_notes(client):
    body = client.get("/api/v1/chains/icv-nev").json()
    assert body["chain"]["description_en"].startswith(DESC_EN_START)
    edge = next(e for e in body["edges"] if (e["source"], e["target"]) == ("battery", "charging"))
    assert (edge["note"], edge["note_en"]) == ("换电站的周转电池", "Circulating batteries for battery-swap stations")


def test_cluster_page_shows_the_code_notes_in_its_language(client):
    en = client.get("/cluster/icv-nev?lang=en").text
    client.cookies.clear()
    zh = client.get("/cluster/icv-nev?lang=zh").text
    shown_en, shown_zh = visible(en), visible(zh)
    assert NOTE_EN in shown_en and NOTE_ZH not in shown_en
    assert NOTE_ZH in shown_zh and NOTE_EN not in shown_zh


def test_cluster_codes_xlsx_gives_the_note_in_its_language(client):
    def sheet(lang: str):
        r = client.get("/cluster/icv-nev", params={"format": "xlsx", "table": "codes", "lang": lang})
        assert r.status_code == 200  # the English sheet title "GB/T 4754 concordance" once broke openpyxl
        return load_workbook(io.BytesIO(r.content)).active

    en = sheet("en")
    client.cookies.clear()
    zh = sheet("zh")
    assert en.title == "GB-T 4754 concordance" and zh.title == "国民经济行业分类对照"
    row_en = {h.value: c.value for h, c in zip(en[2], en[3], strict=True)}
    row_zh = {h.value: c.value for h, c in zip(zh[2], zh[3], strict=True)}
    assert (row_en["GB/T 4754 code"], row_en["Note"]) == ("3611", NOTE_EN)
    assert (row_zh["行业代码"], row_zh["说明"]) == ("3611", NOTE_ZH)
