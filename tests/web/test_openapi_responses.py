"""/openapi.json declares what each endpoint really answers (issue 17): the XLSX and CSV of every download, the
HTML of every page, a 404 for every route with a path parameter, and errors in the app's one shape (ErrorBody),
never FastAPI's default `HTTPValidationError` (which the app does not send)."""

from __future__ import annotations

import pytest

from chanye.web.schemas import CSV_TYPE, HTML_TYPE, XLSX_TYPE, ErrorBody, responses

ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}

# Worked out by hand from the routes: every `?format=xlsx` (or .xlsx) download, every page with tables.
XLSX_ROUTES = {
    "/api/v1/data/transformation/template",  # the indicators template (always XLSX)
    "/api/v1/scoreboard/nodes", "/api/v1/scoreboard/districts", "/api/v1/scoreboard/milestones",
    "/api/v1/scoreboard/targets", "/api/v1/scoreboard/reconcile", "/api/v1/scoreboard.xlsx",
    "/api/v1/complexity/opportunities",
    "/api/v1/enterprises", "/api/v1/enterprises/tags", "/api/v1/enterprises/{uscc}",
    "/api/v1/data/batches", "/api/v1/data/quarantine", "/api/v1/data/sources", "/api/v1/data/published",
    "/api/v1/data/published/consistency",
    "/api/v1/chains", "/api/v1/chains/{chain_id}", "/api/v1/chains/{chain_id}/recruitment",
    "/api/v1/chains/{chain_id}/expansion", "/api/v1/chains/{chain_id}/leaders",
    "/", "/cluster", "/cluster/{node_id}", "/district", "/district/{adcode}", "/fusion",
    "/api/v1/data/template",  # the import template (issue 15 data in)
    "/projects", "/projects/{project_id}",  # 项目 (issue 12 projects)
}
CSV_ROUTES = {"/api/v1/scoreboard/nodes", "/api/v1/scoreboard/districts", "/api/v1/scoreboard/milestones",
              "/api/v1/scoreboard/targets", "/api/v1/scoreboard/reconcile",
              "/api/v1/data/template"}  # the import template (issue 15 data in)
# a route named like a file declares that file's media type (binary)
SUFFIXES = {".xlsx": XLSX_TYPE, ".pdf": "application/pdf",
            ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
PAGES = {"/", "/cluster", "/cluster/{node_id}", "/district", "/district/{adcode}", "/enterprises",
         "/enterprise/{uscc}", "/data", "/chains", "/chains/{chain_id}", "/opportunities", "/fusion",
         "/glossary",  # 术语 (issue 15 pages)
         "/projects", "/projects/{project_id}"}  # 项目 (issue 12 projects)


@pytest.fixture(scope="module")
def spec(client) -> dict:
    return client.get("/openapi.json").json()


def operations(spec: dict):
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            yield path, method, op


def ok_content(op: dict) -> dict:
    return next(r for code, r in op["responses"].items() if code.startswith("2"))["content"]


def test_every_download_declares_its_media_types(spec) -> None:
    xlsx, csv = set(), set()
    for path, _method, op in operations(spec):
        content = ok_content(op)
        formats = {p["name"]: p["schema"] for p in op.get("parameters", []) if p["name"] == "format"}
        offered = set(formats.get("format", {}).get("enum", []))
        for suffix, media in SUFFIXES.items():
            if path.endswith(suffix):
                assert content == {media: {"schema": {"type": "string", "format": "binary"}}}, path
                # outside /api/ a browser gets the error page, a client that accepts JSON ErrorBody
                errors = set(op["responses"]["404"]["content"])
                assert errors == ({"application/json"} if path.startswith("/api/") else {"application/json", HTML_TYPE})
        if "xlsx" in offered:
            assert content.get(XLSX_TYPE) == {"schema": {"type": "string", "format": "binary"}}, path
        if "csv" in offered:
            assert content.get(CSV_TYPE) == {"schema": {"type": "string"}}, path
        if XLSX_TYPE in content:
            xlsx.add(path)
        if CSV_TYPE in content:
            csv.add(path)
    assert xlsx == XLSX_ROUTES
    assert csv == CSV_ROUTES


def test_pages_declare_html_and_their_twins_json(spec) -> None:
    html = {path for path, _m, op in operations(spec) if HTML_TYPE in ok_content(op)}
    assert html == PAGES
    for page in PAGES:
        twin = "/index.json" if page == "/" else f"{page}.json"
        assert set(ok_content(spec["paths"][twin]["get"])) == {"application/json"}, twin
        # a page's errors: the error page for a browser, ErrorBody for a client that accepts JSON
        errors = spec["paths"][page]["get"]["responses"]["404"]["content"]
        assert errors == {"application/json": {"schema": ERROR_REF}, HTML_TYPE: {"schema": {"type": "string"}}}


def test_every_route_with_a_path_parameter_declares_404(spec) -> None:
    with_params = [(path, method) for path, method, _op in operations(spec) if "{" in path]
    assert len(with_params) >= 15  # the chains, enterprises, framework, data, pages and map routes
    for path, method in with_params:
        declared = spec["paths"][path][method]["responses"]
        assert declared["404"]["content"]["application/json"]["schema"] == ERROR_REF, (method, path)


def test_errors_are_declared_in_the_app_shape(spec) -> None:
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    error = spec["components"]["schemas"]["ErrorBody"]
    assert error["required"] == ["error"]
    detail = spec["components"]["schemas"]["ErrorDetail"]
    assert set(detail["properties"]) == {"status", "title", "message", "hint"}
    for path, method, op in operations(spec):
        if op.get("parameters") or op.get("requestBody"):
            assert op["responses"]["422"]["content"]["application/json"]["schema"] == ERROR_REF, (method, path)
    upload = spec["paths"]["/api/v1/data/imports"]["post"]["responses"]
    assert sorted(upload) == ["202", "413", "422"]


def test_the_error_body_model_is_what_the_handler_sends(client) -> None:
    r = client.get("/api/v1/framework/nodes/nosuch")
    assert r.status_code == 404
    body = ErrorBody.model_validate(r.json())
    assert body.error.status == 404 and body.error.title == "未找到 Not found"


def test_responses_helper_builds_one_shape() -> None:
    declared = responses(xlsx=True, csv=True, not_found=True)
    assert sorted(declared) == [200, 404, 422]
    assert declared[200] == {"description": "JSON / XLSX (format=xlsx) / CSV (format=csv)", "content": {
        "application/json": {}, XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
        CSV_TYPE: {"schema": {"type": "string"}}}}
    assert declared[404]["model"] is ErrorBody
    page = responses(json=False, html=True, invalid=False, not_found=True)
    assert sorted(page) == [200, 404]
    assert "model" not in page[404]  # FastAPI would file the model under text/html
    assert set(page[404]["content"]) == {"application/json", HTML_TYPE}
    download = responses(json=False, xlsx=True, not_found=True, error_page=True)
    assert download[404]["model"] is ErrorBody
    assert download[404]["content"] == {"application/json": {"schema": ERROR_REF}, HTML_TYPE: {"schema": {"type": "string"}}}
    assert set(responses(json=False, xlsx=True, not_found=True)[404]["content"]) == {"application/json"}
