"""/api/v1/framework: the pack's city and districts, industry nodes counted by machine keys, the node tree as a
typed table; and every enterprise/data/framework endpoint documents its response model in /openapi.json."""

from __future__ import annotations

import pytest


def test_the_pack_its_city_and_counts(client):
    data = client.get("/api/v1/framework").json()
    pack = data["pack"]
    assert (pack["id"], pack["city"], pack["city_name"], pack["city_name_en"], pack["map_file"]) == (
        "guangzhou-12218", "440100", "广州市", "Guangzhou", "440100.json")
    assert len(pack["districts"]) == 11
    assert pack["districts"][3] == {"code": "440106", "name": "天河区", "name_en": "Tianhe"}
    counts = data["counts"]
    assert (counts["cluster"], counts["future"], counts["service"]) == (15, 6, 8)
    assert counts["confirmed"] + counts["provisional"] == 29
    nodes = data["nodes"]
    assert (nodes["name"], nodes["provenance"]) == ("framework_nodes", "pack")
    assert len(nodes["rows"]) == 41
    root = nodes["rows"][0]
    assert (root["id"], root["parent"], root["kind"], root["label"]) == ("gz12218", None, "system", "12218")
    assert root["depth"] == {"value": 0, "unit": "count", "provenance": "pack"}
    icv = next(r for r in nodes["rows"] if r["id"] == "icv-nev")
    assert icv["name"]["zh"] == "智能网联与新能源汽车" and icv["is_industry"] is True
    assert icv["codes_whole"]["unit"] == "count" and icv["codes_whole"]["value"] >= 1


def test_one_node(client):
    node = client.get("/api/v1/framework/nodes/icv-nev").json()
    assert (node["id"], node["kind"], node["status"], node["scale_metric"]) == (
        "icv-nev", "cluster", "confirmed", "industrial_output")
    assert node["codes"][0]["code"] == "3611"
    assert node["ancestors"][-1] == {"id": "gz12218", "name": "广州\"12218\"现代化产业体系",
                                     "name_en": "Guangzhou \"12218\" modern industrial system"}
    r = client.get("/api/v1/framework/nodes/nope")
    assert r.status_code == 404
    assert r.json()["error"]["message"] == "框架 guangzhou-12218 中没有节点 'nope' (unknown node)"


@pytest.mark.parametrize(("path", "model"), [
    ("/api/v1/enterprises", "SearchPayload"), ("/api/v1/enterprises/tags", "TagCountsPayload"),
    ("/api/v1/enterprises/{uscc}", "EnterprisePayload"), ("/api/v1/data/batches", "TablePayload"),
    ("/api/v1/data/quarantine", "QuarantinePayload"), ("/api/v1/data/sources", "TablePayload"),
    ("/api/v1/data/published", "TablePayload"), ("/api/v1/data/imports/{job_id}", "ImportJobPayload"),
    ("/api/v1/framework", "FrameworkPayload"), ("/api/v1/framework/nodes/{node_id}", "NodePayload"),
])
def test_every_endpoint_declares_its_response_model(client, path, model):
    spec = client.get("/openapi.json").json()
    content = spec["paths"][path]["get"]["responses"]["200"]["content"]
    assert content["application/json"]["schema"] == {"$ref": f"#/components/schemas/{model}"}
    assert model in spec["components"]["schemas"]


def test_the_upload_declares_its_job_model(client):
    spec = client.get("/openapi.json").json()
    responses = spec["paths"]["/api/v1/data/imports"]["post"]["responses"]
    assert responses["202"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ImportJobPayload"}
