"""/api/v1/chains on the small demo database: exact counts against the store, every number a cell
{value, unit, provenance} with a machine unit, a `columns` block naming each key, the lists with their
reasons (in Chinese or English), the XLSX downloads, and the JSON errors."""

from __future__ import annotations

import io
import math

import pytest
from openpyxl import load_workbook

from chanye.framework import load_pack

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PLAIN_NUMBERS = {
    "year",
    "total",
    "rank",
    "size_rank",
    "connectivity_rank",
    "recruitment",
    "expansion",
    "leaders",
}  # row counts, ranks and years, not figures
UNITS = {"firms", "count", "yi_yuan", "wan_yuan", "percent", "ratio", "score", "year"}


@pytest.fixture(scope="module")
def framework():
    return load_pack(None)


def _uncelled(data, path="") -> list[str]:
    """Paths of numbers that are not the value of a cell {value, unit, provenance}."""
    found = []
    if isinstance(data, dict):
        if set(data) == {"value", "unit", "provenance"}:
            return (
                []
                if data["provenance"] in ("synthetic", "registry") and data["unit"] in UNITS
                else [f"{path}: bad cell {data}"]
            )
        for key, value in data.items():
            if isinstance(value, bool) or value is None:
                continue
            if isinstance(value, int | float) and key not in PLAIN_NUMBERS:
                found.append(f"{path}.{key}")
            else:
                found += _uncelled(value, f"{path}.{key}")
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += _uncelled(value, f"{path}[{i}]")
    return found


def _columns_name_every_key(table: dict) -> list[str]:
    """Keys of the rows that the `columns` block lacks, and number columns whose cells lack the column's unit."""
    columns = {c["key"]: c for c in table["columns"]}
    problems = [k for row in table["rows"] for k in row if k not in columns]
    for row in table["rows"]:
        for key, c in columns.items():
            if c["type"] in ("number", "integer") and row[key]["unit"] != c["unit"]:
                problems.append(f"{key}: {row[key]} vs {c['unit']}")
    return problems + [c["key"] for c in columns.values() if not (c["label_zh"] and c["label_en"])]


def test_list_has_all_21_chains_with_counts(client, framework) -> None:
    data = client.get("/api/v1/chains").json()
    assert data["area"] == {"code": "440100", "name": "广州市"} and data["synthetic"] is True
    assert data["provenance"] == "synthetic" and data["title"] == "产业链概览"
    assert [r["chain_id"] for r in data["rows"]] == [c.id for c in framework.chains]
    for row, chain in zip(data["rows"], framework.chains, strict=True):
        counts = [row[k]["value"] for k in ("strong", "weak", "missing")]
        assert sum(counts) == row["nodes"]["value"] == len(chain.nodes)
        assert row["strong"] == {"value": counts[0], "unit": "count", "provenance": "synthetic"}
        assert row["local_producers"]["unit"] == "firms"
        assert row["chain"] == {"zh": chain.name.zh, "en": chain.name.en}
        assert row["cluster_status"] == framework.node(chain.cluster).status and row["link_status"] == "current"
    columns = {c["key"]: c for c in data["columns"]}
    assert columns["strong"] == {"key": "strong", "label": "强链", "label_zh": "强链", "label_en": "Strong",
                                 "type": "integer", "unit": "count", "unit_label": "个"}
    assert (columns["local_producers"]["unit"], columns["local_producers"]["unit_label"]) == ("firms", "家")
    assert _uncelled(data) == [] and _columns_name_every_key(data) == []
    en = client.get("/api/v1/chains", params={"lang": "en"}).json()
    assert en["area"] == {"code": "440100", "name": "Guangzhou"} and en["title"] == "Chains overview"
    assert en["rows"] == data["rows"]  # the numbers and codes do not depend on the language


def test_chain_graph_matches_the_store(client, store, framework) -> None:
    chain = framework.chain("icv-nev")
    data = client.get("/api/v1/chains/icv-nev").json()
    assert [n["id"] for n in data["nodes"]] == chain.node_ids()
    assert data["edges"] == [{"source": e.source, "target": e.target, "note": e.note, "note_en": e.note_en}
                             for e in chain.edges]
    assert data["chain"]["cluster_status"] == "confirmed" and data["chain"]["sources"][0]["title"]
    assert data["link_status"] == "current"
    assert sum(c["value"] for c in data["counts"].values()) == len(chain.nodes)
    assert list(data["counts"]) == ["strong", "weak", "missing"]
    assert data["counts"]["strong"]["unit"] == "count"
    expected = store.query("""
        SELECT l.chain_node, count(DISTINCT l.uscc) AS n, coalesce(sum(y.revenue), 0) / 1e4 AS revenue_yi
        FROM chain_links l JOIN enterprises e USING (uscc)
        LEFT JOIN enterprise_years y ON y.uscc = l.uscc AND y.year = 2024
        WHERE l.chain = 'icv-nev' AND l.role = 'producer' AND e.city_code = '440100'
        GROUP BY 1""").set_index("chain_node")
    words = {"strong": "强链", "weak": "弱链", "missing": "缺链"}
    for node in data["nodes"]:
        n = int(expected["n"].get(node["id"], 0))
        assert node["producers"] == {"value": n, "unit": "firms", "provenance": "synthetic"}
        assert math.isclose(
            node["revenue"]["value"], float(expected["revenue_yi"].get(node["id"], 0.0)), rel_tol=1e-9
        )
        assert node["revenue"]["unit"] == "yi_yuan" and node["share"]["unit"] == "percent"
        assert node["lq"]["unit"] == "ratio"
        assert node["status"] == ("missing" if n == 0 else node["status"]) and node["status"] in words
        assert node["status_label"] == words[node["status"]]
        assert node["reason"].startswith(words[node["status"]] + "：")
        assert node["segment"] in ("upstream", "midstream", "downstream")
    diagnosis = data["diagnosis"]
    assert [r["chain_node"] for r in diagnosis["rows"]] == chain.node_ids()
    assert [r["status"] for r in diagnosis["rows"]] == [n["status"] for n in data["nodes"]]
    for row in diagnosis["rows"]:
        assert set(row["problems"]) <= {"no_producers", "few_producers", "no_above_scale", "no_lq",
                                        "lq_below_floor", "lq_below_peers"}
        assert (row["status"] == "strong") == (row["problems"] == [])
    assert _uncelled(data) == [] and _columns_name_every_key(diagnosis) == []


def test_a_cluster_id_and_a_district_filter(client) -> None:
    data = client.get("/api/v1/chains/icv-nev", params={"district": "黄埔"}).json()
    assert data["area"] == {"code": "440112", "name": "黄埔区"}
    assert client.get("/api/v1/chains/icv-nev", params={"district": "Huangpu", "lang": "en"}).json()["area"] == {
        "code": "440112", "name": "Huangpu"}
    whole = client.get("/api/v1/chains/icv-nev").json()
    for part, city in zip(data["nodes"], whole["nodes"], strict=True):
        assert part["producers"]["value"] <= city["producers"]["value"]
    assert (
        client.get("/api/v1/chains/icv-nev", params={"district": "440112"}).json()["nodes"] == data["nodes"]
    )


def test_node_lists_local_enterprises_with_evidence_and_its_targets(client, store) -> None:
    data = client.get("/api/v1/chains/icv-nev/nodes/battery", params={"limit": 500}).json()
    assert data["node"]["id"] == "battery" and "vehicle" in data["node"]["customers"]
    n = store.scalar("""SELECT count(*) FROM chain_links l JOIN enterprises e USING (uscc)
                        WHERE l.chain = 'icv-nev' AND l.chain_node = 'battery' AND e.city_code = '440100'""")
    roles = {k: c["value"] for k, c in data["roles"].items()}
    assert list(roles) == ["producer", "seller", "user"]
    assert data["enterprises"]["total"] == n == sum(roles.values()) == len(data["enterprises"]["rows"])
    rows = data["enterprises"]["rows"]
    producers = [r for r in rows if r["role"] == "producer"]
    assert len(producers) == data["diagnosis"]["producers"]["value"] == roles["producer"]
    for row in rows:
        assert row["evidence"] and row["evidence_text"] and row["method"] and row["revenue"]["unit"] == "wan_yuan"
        assert row["confidence"]["unit"] == "score" and 0 < row["confidence"]["value"] <= 1
    # producers first, then sellers, then users; each by revenue
    order = {"producer": 0, "seller": 1, "user": 2}
    assert [order[r["role"]] for r in rows] == sorted(order[r["role"]] for r in rows)
    revenues = [r["revenue"]["value"] for r in producers]
    assert revenues == sorted(revenues, reverse=True)
    assert data["targets"]["total"] == len(data["targets"]["rows"])
    for target in data["targets"]["rows"]:
        assert "battery" in target["chain_nodes"] and "动力电池" in target["nodes_text"]
        assert target["reason"] and target["city"] != "广州市" and target["city_code"] != "440100"
    assert _uncelled(data) == []
    assert _columns_name_every_key(data["enterprises"]) == [] and _columns_name_every_key(data["targets"]) == []


def test_targets_on_a_weak_or_missing_node(client) -> None:
    chain = client.get("/api/v1/chains/icv-nev").json()
    weak = [n for n in chain["nodes"] if n["status"] != "strong"]
    assert weak
    node = client.get(f"/api/v1/chains/icv-nev/nodes/{weak[0]['id']}").json()
    recruit = client.get("/api/v1/chains/icv-nev/recruitment", params={"limit": 20000}).json()
    on_node = [r for r in recruit["rows"] if weak[0]["id"] in r["chain_nodes"]]
    assert node["targets"]["total"] == len(on_node) > 0
    assert all(s in ("weak", "missing") for r in recruit["rows"] for s in r["node_statuses"])


def test_recruitment_rows_carry_a_reason(client) -> None:
    data = client.get("/api/v1/chains/icv-nev/recruitment", params={"limit": 50}).json()
    assert data["title"] == "招商清单" and data["total"] >= len(data["rows"]) > 0
    assert [r["rank"] for r in data["rows"]] == list(range(1, len(data["rows"]) + 1))
    scores = [r["score"]["value"] for r in data["rows"]]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    for row in data["rows"]:
        assert row["reason"].startswith(f"位于{row['city']}，生产") and row["city"] != "广州市"
        assert row["reason"].endswith(f"综合得分 {row['score']['value']:.3f}")
        assert row["score"]["unit"] == "score" and row["revenue"]["unit"] == "yi_yuan"
        assert row["cagr"]["unit"] == "percent" and row["connectivity"]["unit"] == "score"
    assert _uncelled(data) == [] and _columns_name_every_key(data) == []
    en = client.get("/api/v1/chains/icv-nev/recruitment", params={"limit": 50, "lang": "en"}).json()
    assert en["title"] == "Recruitment list"
    for row, zh in zip(en["rows"], data["rows"], strict=True):
        assert row["reason"].startswith(f"in {row['city']}, makes ") and row["reason"].endswith(
            f"Score {row['score']['value']:.3f}")
        assert row["score"] == zh["score"] and row["uscc"] == zh["uscc"]


def test_expansion_rows_are_local_firms_on_the_chain(client) -> None:
    """Every local producer on the chain, strong links too (issue 11), with size counted."""
    data = client.get("/api/v1/chains/icv-nev/expansion", params={"district": "440112"}).json()
    assert data["rows"]
    for row in data["rows"]:
        assert (
            row["district"] == "黄埔区"
            and row["district_code"] == "440112"
            and ("弱链" in row["nodes_text"] or "强链" in row["nodes_text"])
            and set(row["node_statuses"]) <= {"weak", "strong"}
            and row["reason"].startswith("黄埔区企业")
        )
        assert row["size"]["unit"] == "score" and 0 <= row["size"]["value"] <= 1
        assert row["rd_intensity"]["unit"] == "percent" and isinstance(row["above_scale"], bool)
    assert {s for r in data["rows"] for s in r["node_statuses"]} == {"weak", "strong"}
    assert _uncelled(data) == [] and _columns_name_every_key(data) == []
    en = client.get("/api/v1/chains/icv-nev/expansion", params={"district": "440112", "lang": "en"}).json()
    assert all(r["district"] == "Huangpu" and r["reason"].startswith("Huangpu firm, makes ") for r in en["rows"])


def test_leaders(client) -> None:
    data = client.get("/api/v1/chains/icv-nev/leaders").json()
    assert 0 < len(data["rows"]) <= 6
    assert all(r["basis"] in (["size"], ["connectivity"], ["size", "connectivity"]) and r["reason"]
               for r in data["rows"])
    for row in data["rows"]:
        assert ("营业收入" in row["reason"]) == ("size" in row["basis"])
        assert ("连接度本地第" in row["reason"]) == ("connectivity" in row["basis"])
    assert _uncelled(data) == [] and _columns_name_every_key(data) == []


@pytest.mark.parametrize(
    ("url", "sheet"),
    [
        ("/api/v1/chains/icv-nev/recruitment?format=xlsx", "招商清单"),
        ("/api/v1/chains/icv-nev/expansion?format=xlsx&district=天河", "增资扩产清单"),
        ("/api/v1/chains/icv-nev/leaders?format=xlsx", "链主企业"),
        ("/api/v1/chains/icv-nev?format=xlsx", "招商清单"),
        ("/api/v1/chains?format=xlsx", "产业链概览"),
    ],
)
def test_xlsx_downloads(client, url, sheet) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    assert "attachment" in response.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    assert wb.sheetnames[0] == sheet
    rows = list(wb[sheet].iter_rows(values_only=True))
    assert rows[0][0].startswith("示例数据")
    if sheet in ("招商清单", "增资扩产清单"):
        assert list(rows[1][:2]) == ["序号", "企业名称"] and rows[1][4] == "推荐理由"
        assert rows[1][5:7] == ("综合得分", "营业收入（亿元）")
    if sheet == "产业链概览":
        assert len(rows) == 2 + 22 and rows[1][:2] == ("产业链编号", "产业链")  # 低空经济与航空航天 has two chains


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/api/v1/chains/nosuch", "框架 guangzhou-12218 中没有产业链 'nosuch' (unknown chain)"),
        ("/api/v1/chains/nosuch/recruitment", "框架 guangzhou-12218 中没有产业链 'nosuch' (unknown chain)"),
        ("/api/v1/chains/icv-nev/nodes/nowhere", "产业链 icv-nev 中没有环节 'nowhere' (unknown chain node)"),
        ("/api/v1/chains/icv-nev?district=火星区", "没有这个区: 火星区 (not a district of Guangzhou)"),
        ("/api/v1/chains?district=火星区", "没有这个区: 火星区 (not a district of Guangzhou)"),
    ],
)
def test_unknown_chain_node_or_district_is_a_404_json(client, url, message) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["status"] == 404 and error["message"] == message


def test_bad_parameters_are_422(client) -> None:
    assert client.get("/api/v1/chains/icv-nev/recruitment?format=csv").status_code == 422
    assert client.get("/api/v1/chains/icv-nev/recruitment?limit=0").status_code == 422


def test_openapi_describes_every_chain_response(client) -> None:
    spec = client.get("/openapi.json").json()
    schema = {path: op["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
              for path, op in spec["paths"].items() if path.startswith("/api/v1/chains")}
    assert schema == {
        "/api/v1/chains": "ChainsResponse",
        "/api/v1/chains/{chain_id}": "ChainResponse",
        "/api/v1/chains/{chain_id}/nodes/{node_id}": "ChainNodeResponse",
        "/api/v1/chains/{chain_id}/recruitment": "ChainListResponse",
        "/api/v1/chains/{chain_id}/expansion": "ChainListResponse",
        "/api/v1/chains/{chain_id}/leaders": "ChainListResponse",
    }
    components = spec["components"]["schemas"]
    assert {"counts", "nodes", "edges", "diagnosis", "totals"} <= set(components["ChainResponse"]["properties"])
    assert {"columns", "rows", "total", "area"} <= set(components["ChainListResponse"]["properties"])
