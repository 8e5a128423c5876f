"""Issue 15 polish on the server side: a cluster page's 各区数据 leaves out the districts with no firms and no
figures and says how many (and which) have none, in Chinese and in English; the chain, opportunities and
fusion pages link their terms to the glossary; the data page's file button is worded in the page's language.

Numbers are those of the small demo database (scale 0.03, seed 12218): 具身智能 (embodied-ai) has firms or
figures in 3 of Guangzhou's 11 districts (黄埔, 番禺, 南沙), 生物医药 (biomed) in all 11."""

from __future__ import annotations

import html as markup
import re

import pytest

from chanye.present import labels


@pytest.fixture(autouse=True)
def back_to_chinese(client):
    """`?lang=en` sets the language cookie on the shared client: set it back for the tests after these."""
    yield
    client.get("/glossary", params={"lang": "zh"})


def district_rows(html: str) -> list[str]:
    table = html.split("<h2>各区数据")[1].split("</table>")[0]
    return re.findall(r'<a href="/district/(\d{6})">', table)


def test_a_cluster_lists_only_the_districts_with_firms_or_figures(client) -> None:
    html = client.get("/cluster/embodied-ai", params={"lang": "zh"}).text
    assert district_rows(html) == ["440112", "440113", "440115"]
    assert re.search(r'<p class="note" id="districts-none" data-count="8">([^<]+)</p>', html).group(1) == \
        "另有 8 个区没有该产业的企业和数据：荔湾区、越秀区、海珠区、天河区、白云区、花都区、从化区、增城区"
    english = client.get("/cluster/embodied-ai", params={"lang": "en"}).text
    assert re.search(r'id="districts-none" data-count="8">([^<]+)</p>', english).group(1) == \
        "8 more districts have no firms or figures in this industry: Liwan, Yuexiu, Haizhu, Tianhe, Baiyun, Huadu, Conghua, Zengcheng"
    # the page's JSON twin keeps every district (the data), the page leaves the empty ones out (the reading)
    assert len(client.get("/cluster/embodied-ai.json").json()["districts"]["rows"]) == 11


def test_a_cluster_with_firms_everywhere_says_nothing_about_empty_districts(client) -> None:
    html = client.get("/cluster/biomed", params={"lang": "zh"}).text
    assert len(district_rows(html)) == 11 and 'id="districts-none"' not in html


def test_chain_opportunities_and_fusion_terms_link_to_the_glossary(client) -> None:
    cases = {
        "/chains/icv-nev": {"chain_status", "chain_role", "lq", "above_scale"},
        "/opportunities": {"eci", "pci", "cog", "density", "rca"},
        "/fusion": {"lq"},
    }
    for path, keys in cases.items():
        for lang in ("zh", "en"):
            html = client.get(path, params={"lang": lang}).text
            found = {k for k, title in re.findall(r'<a class="term" href="/glossary#(\w+)" title="([^"]+)">', html)
                     if markup.unescape(title) == labels.pick(labels.GLOSSARY[k][1], lang)}
            assert keys <= found, (path, lang, found)


def test_the_file_button_is_worded_in_the_pages_language(client) -> None:
    zh = client.get("/data", params={"lang": "zh"}).text
    assert '<label for="upload-file" class="btn file-button" id="upload-file-button">选择文件</label>' in zh
    assert '<span class="file-name" id="upload-file-name" aria-live="polite">未选择文件</span>' in zh
    en = client.get("/data", params={"lang": "en"}).text
    assert 'id="upload-file-button">Choose file</label>' in en and ">No file chosen</span>" in en
