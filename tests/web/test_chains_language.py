"""The 产业链 outputs speak one language: /api/v1/chains JSON has ASCII snake_case keys and every number cell
carries a machine unit and a provenance in both languages; the Chinese pages, XLSX sheets and terminal tables
hold no English word outside codes and ids; the English ones hold no Chinese outside proper names (firms,
cities, districts, the sources' titles) and the quoted words a link's evidence matched."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from chanye.standards import regions

from .visible import visible

KEY = re.compile(r"^[a-z][a-z0-9_]*$")
WORD = re.compile(r"[A-Za-z]{2,}")
CJK = re.compile(r"[\u3400-\u9fff]+")
USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")
# Words a Chinese output may carry: the product, file formats, the language switch, the API link.
ASCII_OK = {"chanye", "json", "xlsx", "english", "api", "gb"}
UNITS = {"firms", "count", "yi_yuan", "wan_yuan", "percent", "ratio", "score", "year"}
API = ["/api/v1/chains", "/api/v1/chains/icv-nev", "/api/v1/chains/icv-nev?district=440112",
       "/api/v1/chains/icv-nev/nodes/battery", "/api/v1/chains/icv-nev/nodes/lithium",
       "/api/v1/chains/icv-nev/recruitment", "/api/v1/chains/icv-nev/expansion", "/api/v1/chains/icv-nev/leaders",
       "/api/v1/chains/quantum"]
PAGES = ["/chains", "/chains/icv-nev", "/chains/icv-nev?district=440112", "/chains/quantum"]


@pytest.fixture(autouse=True)
def no_language_cookie(client):
    """A page asked for in English remembers the language in a cookie: forget it after each test, so the
    session's other tests get the default language."""
    yield
    client.cookies.clear()


def get(client, url: str, lang: str):
    return client.get(url + ("&" if "?" in url else "?") + f"lang={lang}")


def loose_keys(value, path: str = "") -> list[str]:
    if isinstance(value, dict):
        return [f"{path}.{k}" for k in value if not KEY.match(str(k))] + [
            x for k, v in value.items() for x in loose_keys(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [x for v in value for x in loose_keys(v, path)]
    return []


def tables(value) -> list[dict]:
    """Every typed table (a dict with `columns` and `rows`) in a response."""
    if isinstance(value, dict):
        own = [value] if {"columns", "rows"} <= set(value) else []
        return own + [t for v in value.values() for t in tables(v)]
    if isinstance(value, list):
        return [t for v in value for t in tables(v)]
    return []


def bad_cells(table: dict) -> list[str]:
    """Number cells without the column's machine unit or without a provenance."""
    numbers = {c["key"]: c["unit"] for c in table["columns"] if c["type"] in ("number", "integer")}
    return [f"{table['name']}.{k}: {row[k]}" for row in table["rows"] for k, unit in numbers.items()
            if not (isinstance(row[k], dict) and row[k]["unit"] == unit in UNITS
                    and row[k]["provenance"] in ("synthetic", "registry"))]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("url", API)
def test_json_has_machine_keys_and_every_number_a_cell(client, url, lang) -> None:
    data = get(client, url, lang).json()
    assert loose_keys(data) == []
    found = tables(data)
    assert found, url
    for table in found:
        assert bad_cells(table) == []
        assert all(c["label_zh"] and c["label_en"] and KEY.match(c["key"]) for c in table["columns"])
        assert not CJK.search(" ".join(c["label_en"] + " " + (c["unit"] or "") for c in table["columns"]))


def proper_names(model: dict, framework) -> set[str]:
    """Names an English output may show in Chinese: firms, cities, districts, the sources' titles and
    publishers, and the word 示例数据 of the demo badge (explained in English beside it)."""
    names = {r.name for r in regions.cities()} | {d.name for d in framework.city.districts}
    names |= {"示例数据", "中文", "产"}
    for t in tables(model):
        names |= {r["name"] for r in t["rows"] if isinstance(r.get("name"), str)}
    for s in model.get("chain", {}).get("sources", []):
        names |= {s["title"], s.get("publisher") or ""}
    return {n for n in names if n}


@pytest.mark.parametrize("page", PAGES)
def test_chinese_pages_have_no_english_words(client, app, page) -> None:
    html = visible(get(client, page, "zh").text)
    ids = {w.lower() for c in app.state.ctx.framework.chains for w in WORD.findall(c.id)}
    quoted = {"provisional"}  # the quantum template's description (pack text) quotes the status code
    found = {w for w in WORD.findall(html) if w.lower() not in ASCII_OK | ids | quoted}
    assert found == set(), f"{page}: {sorted(found)}"


@pytest.mark.parametrize("page", PAGES)
def test_english_pages_have_no_chinese_outside_names(client, app, page) -> None:
    fw = app.state.ctx.framework
    path, _, query = page.partition("?")
    model = get(client, path + ".json" + (f"?{query}" if query else ""), "en").json()
    html = visible(get(client, page, "en").text)
    for name in sorted(proper_names(model, fw), key=len, reverse=True):
        html = html.replace(name, " ")
    assert sorted(set(CJK.findall(html))) == [], page


def test_english_node_panel_quotes_only_matched_words(client) -> None:
    data = get(client, "/api/v1/chains/icv-nev/nodes/battery?limit=500", "en").json()
    names = {r["name"] for r in data["enterprises"]["rows"]} | {r.name for r in regions.cities()}
    for row in data["enterprises"]["rows"]:
        text = re.sub(r"「[^」]*」", "", row["evidence_text"])
        assert not CJK.search(text), row["evidence_text"]
    for row in data["targets"]["rows"]:
        text = row["reason"]
        for name in sorted(names, key=len, reverse=True):
            text = text.replace(name, "")
        assert not CJK.search(text), row["reason"]
    zh = get(client, "/api/v1/chains/icv-nev/nodes/battery?limit=500", "zh").json()
    assert all(WORD.search(r["evidence_text"]) is None for r in zh["enterprises"]["rows"])


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("url", ["/api/v1/chains/icv-nev?format=xlsx", "/api/v1/chains?format=xlsx"])
def test_workbooks_speak_one_language(client, app, url, lang) -> None:
    wb = load_workbook(io.BytesIO(get(client, url, lang).content))
    fw = app.state.ctx.framework
    ids = {w.lower() for c in fw.chains for w in WORD.findall(c.id)}
    ids |= {w.lower() for c in fw.chains for n in c.nodes for w in WORD.findall(n.id)}
    ids |= {w.lower() for c in fw.chains for w in WORD.findall(c.cluster)}  # a cluster may have several chains
    for ws in wb.worksheets:
        note, header = ws["A1"].value, [str(c.value) for c in ws[2]]
        values = [v for row in ws.iter_rows(min_row=3, values_only=True) for v in row
                  if isinstance(v, str) and not USCC.fullmatch(v)]  # a USCC is a code
        if lang == "zh":
            assert {w for w in WORD.findall(" ".join(header) + note)} == set(), ws.title
            found = {w for w in WORD.findall(" ".join(values)) if w.lower() not in ids}
            assert found == set(), (ws.title, sorted(found)[:10])
            assert "TRUE" not in values and "FALSE" not in values
        else:
            assert not CJK.search(" ".join(header) + note + ws.title), (ws.title, header)
            text = " ".join(values)
            names = proper_names({"x": {"columns": [], "rows": [{"name": v} for v in values]}}, fw)
            for name in sorted(names | {n.name.zh for c in fw.chains for n in c.nodes if not n.name.en},
                               key=len, reverse=True):
                text = text.replace(name, " ")
            text = re.sub(r"「[^」]*」", "", text)
            assert sorted(set(CJK.findall(text))) == [], ws.title


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("args", [[], ["icv-nev", "--top", "3"]])
def test_terminal_speaks_one_language(web_db, lang, args) -> None:
    from chanye.cli import app as cli

    result = CliRunner().invoke(cli, ["chains", *args, "--db", str(web_db), "--lang", lang])
    assert result.exit_code == 0, result.output
    head = "\n".join(line for line in result.output.splitlines() if "┃" in line)  # the header rows
    titles = "\n".join(line.strip() for line in result.output.splitlines() if line.strip() and line[0] == " ")
    if lang == "zh":
        assert set(WORD.findall(head)) == set()
    else:
        assert not CJK.search(head), head
        assert not CJK.search(titles), titles
