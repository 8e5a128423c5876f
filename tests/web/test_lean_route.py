"""Issue 14 item 2: GET /api/v1/enterprises answered by the lean path (web/lean.py) in front of FastAPI gives the
same status, headers and body as FastAPI's route, for valid and invalid queries alike; what the lean path does
not read exactly as FastAPI does goes on to the route."""

from __future__ import annotations

from typing import Literal

import pytest
from fastapi import Query, Request
from fastapi.testclient import TestClient

from chanye.web.api import enterprises as api
from chanye.web.app import create_app
from chanye.web.lean import LeanRoute, Param, params_of, read_query

from .conftest import app_with_accounts, sign_in

# (query, status, answered by the lean path); the statuses are FastAPI's (the route without the lean path)
QUERIES = [
    ("", 200, True), ("q=示例", 200, True), ("q=", 200, True), ("q=锂离子电池&district=440112", 200, True),
    ("node=icv-nev&city=440100", 200, True), ("node=biomed&city=440100&sort=employees&page=3", 200, True),
    ("tag=high_tech&order=asc", 200, True), ("sort=name&order=asc&per_page=200", 200, True),
    ("per_page=1&page=100000", 200, True), ("year=2024", 200, True), ("lang=en&q=汽车", 200, True),
    ("q=" + "车" * 100, 200, True), ("format=json&other=1", 200, True),
    ("q=%E6%B1%BD%E8%BD%A6+%E9%9B%B6%E9%83%A8%E4%BB%B6", 200, True), ("per_page=5&page=2&lang=en", 200, True),
    # values the lean path leaves to FastAPI, which reads them its own way
    ("page=007", 200, False), ("page=+3", 200, False), ("page=%203", 200, False), ("q=a&q=b", 200, False),
    ("node=", 404, False), ("district=%D9%A4%D9%A4%D9%A0%D9%A1%D9%A1%D9%A2", 404, False),  # Arabic-Indic digits
    # refused by FastAPI's validation
    ("district=", 422, False), ("tag=", 422, False), ("year=", 422, False), ("page=99999999999999999999", 422, False),
    ("page=0", 422, False), ("page=100001", 422, False), ("page=abc", 422, False), ("page=1.5", 422, False),
    ("per_page=201", 422, False), ("year=1989", 422, False), ("year=2101", 422, False), ("district=44011", 422, False),
    ("district=4401123", 422, False), ("district=440112%0A", 422, False), ("city=abc", 422, False),
    ("tag=bogus", 422, False), ("sort=bogus", 422, False), ("order=up", 422, False), ("order=DESC", 422, False),
    ("format=csv", 422, False), ("q=" + "x" * 101, 422, False), ("node=" + "n" * 65, 422, False),
    # read by the lean path, refused by the service: FastAPI runs the route again and answers
    ("node=nope", 404, False), ("district=999999", 404, False), ("city=999999", 404, False), ("year=1995", 404, False),
]


def lean_of(app) -> LeanRoute:
    """The app's LeanRoute instance (the middleware stack is built on the first request)."""
    layer = app.middleware_stack
    while not isinstance(layer, LeanRoute):
        layer = layer.app
    return layer


@pytest.fixture(scope="module")
def pair(web_db):
    """The app as served, and the same app without the lean path (FastAPI's route answers everything)."""
    lean_app, plain_app = create_app(web_db), create_app(web_db)
    plain_app.user_middleware = [m for m in plain_app.user_middleware if m.cls is not LeanRoute]
    with TestClient(lean_app) as lean, TestClient(plain_app) as plain:
        yield lean_app, lean, plain
    lean_app.state.ctx.close()
    plain_app.state.ctx.close()


@pytest.mark.parametrize(("query", "status", "answered"), QUERIES)
def test_the_lean_path_answers_as_fastapi_does(pair, query: str, status: int, answered: bool) -> None:
    app, lean, plain = pair
    url = "/api/v1/enterprises" + (f"?{query}" if query else "")
    before = lean_of(app).answered if app.middleware_stack is not None else 0
    mine, theirs = lean.get(url), plain.get(url)
    assert mine.status_code == status
    assert (mine.status_code, dict(mine.headers), mine.content) == (theirs.status_code, dict(theirs.headers),
                                                                    theirs.content)
    assert lean_of(app).answered - before == (1 if answered else 0)


def test_a_workbook_and_other_methods_go_to_fastapi(pair) -> None:
    app, lean, plain = pair
    before = lean_of(app).answered
    mine = lean.get("/api/v1/enterprises?format=xlsx&per_page=5")
    assert mine.status_code == 200 and mine.headers["content-type"] == api.XLSX_TYPE
    assert mine.headers["content-disposition"] == plain.get("/api/v1/enterprises?format=xlsx").headers[
        "content-disposition"]
    for method in ("post", "head"):
        assert getattr(lean, method)("/api/v1/enterprises").status_code == getattr(plain, method)(
            "/api/v1/enterprises").status_code == 405
    slash = [c.get("/api/v1/enterprises/", follow_redirects=False) for c in (lean, plain)]
    assert [(a.status_code, a.headers["location"]) for a in slash] == [(307, "http://testserver/api/v1/enterprises")] * 2
    assert lean_of(app).answered == before


def test_a_district_analyst_gets_the_same_answer_from_either_path(web_db, tmp_path) -> None:
    from chanye.framework import load_pack

    home = load_pack(None).city.districts[5].code
    roles, passwords = {"li": ("district_analyst", home)}, {"li": "li-password-1"}
    apps = []
    for name in ("lean", "plain"):
        (tmp_path / name).mkdir()
        apps.append(app_with_accounts(web_db, tmp_path / name, roles, passwords))
    lean_app, plain_app = apps
    plain_app.user_middleware = [m for m in plain_app.user_middleware if m.cls is not LeanRoute]
    mine, theirs = sign_in(lean_app, "li", "li-password-1"), sign_in(plain_app, "li", "li-password-1")
    for url in ("/api/v1/enterprises?q=汽车", "/api/v1/enterprises?district=440112", "/api/v1/enterprises"):
        a, b = mine.get(url), theirs.get(url)
        assert (a.status_code, a.content) == (b.status_code, b.content)
    rows = mine.get("/api/v1/enterprises?per_page=200").json()["rows"]
    assert rows and {r["district_code"] for r in rows} == {home}  # only their own district's firms
    assert lean_of(lean_app).answered == 4
    assert TestClient(lean_app).get("/api/v1/enterprises").status_code == 401  # nobody signed in: refused first
    for app in (lean_app, plain_app):
        app.state.ctx.close()


def test_the_parameters_are_read_from_the_routes_signature() -> None:
    params = params_of(api.get_enterprises)
    assert list(params) == ["q", "node", "district", "city", "tag", "sort", "order", "page", "per_page", "year",
                            "format"]
    assert params["q"] == Param("q", "str", "", max_length=100)
    assert params["page"] == Param("page", "int", 1, ge=1, le=100_000)
    assert params["district"].pattern.pattern == r"^\d{6}$" and params["district"].default is None
    assert params["order"] == Param("order", "choice", "desc", choices=("desc", "asc"))
    assert params["tag"].choices == ("above_scale", "high_tech", "srdi", "little_giant", "listed")
    assert read_query(params, b"page=3&lang=en&q=%E8%BD%A6") == {
        "q": "车", "node": None, "district": None, "city": None, "tag": None, "sort": None, "order": "desc",
        "page": 3, "per_page": 20, "year": None, "format": "json"}
    assert read_query(params, b"page=03") is None and read_query(params, b"order=asc&order=desc") is None


def test_a_parameter_the_lean_path_cannot_read_fails_at_start_up() -> None:
    async def floats(request: Request, x: float = Query(1.0)) -> None:
        return None

    async def multiple(request: Request, x: int = Query(1, multiple_of=2)) -> None:
        return None

    async def literal_int(request: Request, x: Literal[1, 2] = 1) -> None:
        return None

    with pytest.raises(TypeError, match=r"floats\(x\): a type the lean path does not read"):
        params_of(floats)
    with pytest.raises(TypeError, match=r"multiple\(x\): a rule the lean path does not read"):
        params_of(multiple)
    with pytest.raises(TypeError, match=r"literal_int\(x\): a type the lean path does not read"):
        params_of(literal_int)
