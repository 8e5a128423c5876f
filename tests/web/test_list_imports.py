"""A 重点项目清单 and a file of transformation indicators uploaded from the browser (/api/v1/data/projects/imports,
/api/v1/data/transformation/imports): exact counts, the first rejected rows with their reasons, the upload's own
name in the import history, idempotent, and the upload's guards (file type, size, date, rights)."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from chanye.framework import load_pack
from chanye.services import projects
from chanye.web.api import list_imports


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    return pd.DataFrame(rows, columns=header).to_csv(index=False).encode("utf-8-sig")


def _projects_file() -> bytes:
    d = [x.name for x in load_pack(None).city.districts]
    return _csv(["项目名称", "投资主体", "总投资（亿元）", "所在区", "进度"], [
        ["网页导入项目甲", "甲公司", 12, d[0], "在建"],  # row 2
        ["网页导入项目乙", "乙公司", "8000万元", d[1], "签约"],  # row 3
        ["网页导入项目丙", "丙公司", 3, "火星区", "洽谈"],  # row 4: not a district
    ])


def test_project_list_upload_lands_counts_and_quarantine(fresh_client: TestClient) -> None:
    city = load_pack(None).city
    files = {"file": ("重点项目清单.csv", _projects_file(), "text/csv")}
    r = fresh_client.post("/api/v1/data/projects/imports", files=files, data={"date": "2025-03-31"})
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["kind"], got["file"], got["rows_total"], got["loaded"], got["quarantined"]) == (
        "projects", "重点项目清单.csv", 3, 2, 1)
    assert (got["inserted"], got["updated"], got["unchanged"]) == (2, 0, 0)
    assert got["links"] == {"view": "/projects?lang=zh",
                            "quarantine": f"/data?batch={got['batch_id']}&lang=zh#quarantine"}
    rejected = got["quarantine"]["rows"]
    assert [(row["row_number"], row["reason_text"]["en"]) for row in rejected] == [
        ("4", f"District: '火星区' 不是{city.name}的区 (not a district of {city.label('en')})")]
    history = fresh_client.get("/api/v1/data/batches").json()["rows"]
    assert (history[0]["batch_id"], history[0]["file"]) == (str(got["batch_id"]), "重点项目清单.csv")  # not a temp path
    listed = projects.pipeline(fresh_client.app.state.ctx, as_of="2025-03-31").projects.rows  # every project
    mine = {row["name"]: (row["total_investment"], row["stage"]) for row in listed if "网页导入" in row["name"]}
    assert mine == {"网页导入项目甲": (12.0, "started"), "网页导入项目乙": (0.8, "signed")}
    again = fresh_client.post("/api/v1/data/projects/imports", files=files, data={"date": "2025-03-31"}).json()
    assert (again["inserted"], again["updated"], again["unchanged"], again["quarantined"]) == (0, 0, 2, 1)


def test_transformation_upload_lands_known_firms(fresh_client: TestClient) -> None:
    firms = fresh_client.get("/api/v1/enterprises?per_page=2").json()["rows"]
    known = [f["uscc"] for f in firms]
    header = ["统一社会信用代码", "年份", "智能制造能力成熟度等级", "绿色工厂"]
    body = _csv(header, [[known[0], "2024", "3", "国家级"], [known[1], "2024", "9", ""]])  # row 3: level 9
    r = fresh_client.post("/api/v1/data/transformation/imports", files={"file": ("转型指标.csv", body, "text/csv")},
                          headers={"Accept-Language": "en"})
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["kind"], got["rows_total"], got["loaded"], got["quarantined"]) == ("transformation", 2, 1, 1)
    assert [row["row_number"] for row in got["quarantine"]["rows"]] == ["3"]
    assert got["quarantine"]["rows"][0]["reasons"][0]["field"] == "smart_level"
    assert got["links"]["view"] == "/fusion?lang=zh"


def test_transformation_template_is_a_workbook(client: TestClient) -> None:
    from openpyxl import load_workbook

    r = client.get("/api/v1/data/transformation/template")
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames[0] == "转型指标"
    assert book.active.cell(1, 1).value == "统一社会信用代码"


@pytest.mark.parametrize(("url", "name", "data", "status", "message"), [
    ("/api/v1/data/projects/imports", "清单.parquet", {}, 422, r"清单.parquet: 不支持的文件类型 .parquet"),
    ("/api/v1/data/projects/imports", "清单.csv", {"date": "2025/03/31"}, 422,
     r"date: 应为 YYYY-MM-DD 日期 \(got '2025/03/31'\)"),
    ("/api/v1/data/projects/imports", "清单.csv", {"kind": "mine"}, 422, r"未知项目类型 'mine'"),
    ("/api/v1/data/transformation/imports", "指标.xls", {}, 422, r"指标.xls: 不支持的文件类型 .xls"),
])
def test_list_upload_guards(fresh_client: TestClient, url, name, data, status, message) -> None:
    import re

    r = fresh_client.post(url, files={"file": (name, _projects_file(), "application/octet-stream")}, data=data)
    assert r.status_code == status
    assert re.search(message, r.json()["error"]["message"]), r.json()


def test_list_upload_size_limit(fresh_client: TestClient, monkeypatch) -> None:
    monkeypatch.setattr(list_imports, "LIST_UPLOAD_BYTES", 1000)
    big = _csv(["项目名称"], [["项目" * 20]] * 40)
    r = fresh_client.post("/api/v1/data/projects/imports", files={"file": ("big.csv", big, "text/csv")})
    assert r.status_code == 413
    assert r.json()["error"]["message"].endswith("超过上限 1 KB (upload too large)")
