"""/docs: the OpenAPI explorer works offline, with Swagger UI served from node_modules like ECharts."""

from __future__ import annotations

import re


def test_docs_page_loads_swagger_ui_from_this_server(client) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.text
    assert "<title>chanye 产业 API</title>" in html
    # every script, stylesheet and icon is a local path; the OpenAPI document too
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert sorted(urls) == [
        "/static/swagger-init.js",
        "/vendor/swagger-ui/favicon-32x32.png",
        "/vendor/swagger-ui/swagger-ui-bundle.js",
        "/vendor/swagger-ui/swagger-ui.css",
    ]
    assert 'data-openapi="/openapi.json"' in html
    assert "cdn" not in html.lower() and "https://" not in html
    # no inline script: every <script> has a src
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []


def test_the_swagger_assets_are_served(client) -> None:
    js = client.get("/vendor/swagger-ui/swagger-ui-bundle.js")
    css = client.get("/vendor/swagger-ui/swagger-ui.css")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "SwaggerUIBundle" in js.text
    assert client.get("/openapi.json").json()["info"]["title"] == "chanye 产业 API"
