"""/api/v1/chains on the small demo database: exact counts against the store, every number a cell
{value, unit, provenance}, the lists with their reasons, the XLSX downloads, and the JSON errors."""

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
    "序号",
    "recruitment",
    "expansion",
    "leaders",
}  # row counts and years, not figures


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
                if data["provenance"] in ("synthetic", "registry") and isinstance(data["unit"], str)
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


def test_list_has_all_21_chains_with_counts(client, framework) -> None:
    data = client.get("/api/v1/chains").json()
    assert data["area"] == {"code": "440100", "name": "广州市"} and data["synthetic"] is True
    assert [r["产业链编号"] for r in data["rows"]] == [c.id for c in framework.chains]
    for row, chain in zip(data["rows"], framework.chains, strict=True):
        counts = [row[k]["value"] for k in ("强链（个）", "弱链（个）", "缺链（个）")]
        assert sum(counts) == row["环节（个）"]["value"] == len(chain.nodes)
        assert row["强链（个）"] == {"value": counts[0], "unit": "个", "provenance": "synthetic"}
        assert row["本地生产企业（家）"]["unit"] == "家"
    assert _uncelled(data) == []


def test_chain_graph_matches_the_store(client, store, framework) -> None:
    chain = framework.chain("icv-nev")
    data = client.get("/api/v1/chains/icv-nev").json()
    assert [n["id"] for n in data["nodes"]] == chain.node_ids()
    assert data["edges"] == [{"source": e.source, "target": e.target, "note": e.note} for e in chain.edges]
    assert data["chain"]["cluster_status"] == "confirmed" and data["chain"]["sources"][0]["title"]
    assert data["link_status"] == "current"
    assert sum(c["value"] for c in data["counts"].values()) == len(chain.nodes)
    assert data["counts"]["强链"]["unit"] == "个"
    expected = store.query("""
        SELECT l.chain_node, count(DISTINCT l.uscc) AS n, coalesce(sum(y.revenue), 0) / 1e4 AS revenue_yi
        FROM chain_links l JOIN enterprises e USING (uscc)
        LEFT JOIN enterprise_years y ON y.uscc = l.uscc AND y.year = 2024
        WHERE l.chain = 'icv-nev' AND l.role = '生产' AND e.city_code = '440100'
        GROUP BY 1""").set_index("chain_node")
    for node in data["nodes"]:
        n = int(expected["n"].get(node["id"], 0))
        assert node["producers"] == {"value": n, "unit": "家", "provenance": "synthetic"}
        assert math.isclose(
            node["revenue"]["value"], float(expected["revenue_yi"].get(node["id"], 0.0)), rel_tol=1e-9
        )
        assert node["revenue"]["unit"] == "亿元"
        assert node["status"] == ("缺链" if n == 0 else node["status"]) and node["status"] in (
            "强链",
            "弱链",
            "缺链",
        )
        assert node["reason"].startswith(node["status"] + "：")
        assert node["segment"] in ("upstream", "midstream", "downstream")
    assert _uncelled(data) == []


def test_a_cluster_id_and_a_district_filter(client) -> None:
    data = client.get("/api/v1/chains/icv-nev", params={"district": "黄埔"}).json()
    assert data["area"] == {"code": "440112", "name": "黄埔区"}
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
    assert data["enterprises"]["total"] == n == sum(roles.values()) == len(data["enterprises"]["rows"])
    producers = [r for r in data["enterprises"]["rows"] if r["角色"] == "生产"]
    assert len(producers) == data["diagnosis"]["本地生产企业（家）"]["value"] == roles["生产"]
    for row in data["enterprises"]["rows"]:
        assert row["证据"] and row["方法"] and row["营业收入（万元）"]["unit"] == "万元"
    # producers first, then by revenue
    revenues = [r["营业收入（万元）"]["value"] for r in producers]
    assert revenues == sorted(revenues, reverse=True)
    for target in data["targets"]["rows"]:
        assert "动力电池" in target["链条环节"] and target["推荐理由"] and target["所在城市"] != "广州市"
    assert _uncelled(data) == []


def test_targets_on_a_weak_or_missing_node(client) -> None:
    chain = client.get("/api/v1/chains/icv-nev").json()
    weak = [n for n in chain["nodes"] if n["status"] != "强链"]
    assert weak
    node = client.get(f"/api/v1/chains/icv-nev/nodes/{weak[0]['id']}").json()
    recruit = client.get("/api/v1/chains/icv-nev/recruitment", params={"limit": 20000}).json()
    on_node = [r for r in recruit["rows"] if weak[0]["id"] in r["环节编号"].split(",")]
    assert node["targets"]["total"] == len(on_node)


def test_recruitment_rows_carry_a_reason(client) -> None:
    data = client.get("/api/v1/chains/icv-nev/recruitment", params={"limit": 50}).json()
    assert data["title"] == "招商清单" and data["total"] >= len(data["rows"]) > 0
    assert [r["序号"] for r in data["rows"]] == list(range(1, len(data["rows"]) + 1))
    scores = [r["综合得分（0–1）"]["value"] for r in data["rows"]]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    for row in data["rows"]:
        assert row["推荐理由"].startswith(f"位于{row['所在城市']}，生产") and row["所在城市"] != "广州市"
        assert row["综合得分（0–1）"]["unit"] == "0–1" and row["营业收入（亿元）"]["unit"] == "亿元"
    assert _uncelled(data) == []


def test_expansion_rows_are_local_firms_on_weak_links(client) -> None:
    data = client.get("/api/v1/chains/icv-nev/expansion", params={"district": "440112"}).json()
    assert data["rows"]
    for row in data["rows"]:
        assert (
            row["所在区"] == "黄埔区"
            and "弱链" in row["链条环节"]
            and row["推荐理由"].startswith("黄埔区企业")
        )
    assert _uncelled(data) == []


def test_leaders(client) -> None:
    data = client.get("/api/v1/chains/icv-nev/leaders").json()
    assert 0 < len(data["rows"]) <= 6
    assert all(r["依据"] in ("规模", "连接", "规模、连接") and r["说明"] for r in data["rows"])
    assert _uncelled(data) == []


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


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/api/v1/chains/nosuch", "框架 guangzhou-12218 中没有产业链 'nosuch' (unknown chain)"),
        ("/api/v1/chains/nosuch/recruitment", "框架 guangzhou-12218 中没有产业链 'nosuch' (unknown chain)"),
        ("/api/v1/chains/icv-nev/nodes/nowhere", "产业链 icv-nev 中没有环节 'nowhere' (unknown chain node)"),
        ("/api/v1/chains/icv-nev?district=火星区", "没有这个区: 火星区 (not a Guangzhou district)"),
        ("/api/v1/chains?district=火星区", "没有这个区: 火星区 (not a Guangzhou district)"),
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
