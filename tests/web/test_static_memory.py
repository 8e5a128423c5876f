"""Static files from memory (issue 14 item 2, the request path): `asgi.MemoryStaticFiles` answers exactly as
Starlette's StaticFiles does (status, headers, body; 304 by ETag and by date; HEAD; Range; 404; 405) while it
reads a small file once, and notices a file changed or removed on disk."""

from __future__ import annotations

import email.utils
import hashlib
import os
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient

from chanye.web import asgi

CSS = b"body { color: #123456; }\n"  # 25 bytes
MTIME = 1_700_000_000  # 2023-11-14 22:13:20 UTC


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    (tmp_path / "site.css").write_bytes(CSS)
    (tmp_path / "data.bin").write_bytes(bytes(range(100)))
    (tmp_path / "big.js").write_bytes(b"x" * 3000)
    (tmp_path / "sub").mkdir()
    for name in ("site.css", "data.bin", "big.js"):
        os.utime(tmp_path / name, (MTIME, MTIME))
    return tmp_path


def clients(folder: Path, **options) -> tuple[TestClient, asgi.MemoryStaticFiles]:
    """One client of both apps: /m/ the memory one (files up to 2,000 bytes kept), /s/ Starlette's."""
    memory = asgi.MemoryStaticFiles(directory=folder, max_file=2000, **options)
    both = Starlette(routes=[Mount("/m", memory), Mount("/s", StaticFiles(directory=folder))])
    return TestClient(both), memory


def etag_of(path: Path) -> str:
    st = path.stat()
    return '"' + hashlib.md5(f"{st.st_mtime}-{st.st_size}".encode(), usedforsecurity=False).hexdigest() + '"'


def same(client: TestClient, method: str, name: str, headers: dict[str, str] | None = None):
    """The answer of both apps to one request, asserted equal (status, every header, body); the memory one."""
    mine = client.request(method, f"/m/{name}", headers=headers)
    theirs = client.request(method, f"/s/{name}", headers=headers)
    assert (mine.status_code, mine.headers.items(), mine.content) == (
        theirs.status_code, theirs.headers.items(), theirs.content)
    return mine


def test_a_small_file_is_read_once_and_answered_with_staticfiles_headers(folder: Path) -> None:
    client, memory = clients(folder)
    first = same(client, "GET", "site.css")
    assert first.status_code == 200 and first.content == CSS
    assert dict(first.headers) == {
        "content-type": "text/css; charset=utf-8", "accept-ranges": "bytes", "content-length": "25",
        "last-modified": "Tue, 14 Nov 2023 22:13:20 GMT", "etag": etag_of(folder / "site.css")}
    assert list(memory._files) == ["site.css"] and memory._size == 25
    # read from memory now: the file's bytes on disk may change without its size or time (the test's only way to
    # tell the copy is served); StaticFiles would read the new bytes
    (folder / "site.css").write_bytes(CSS.upper())
    os.utime(folder / "site.css", (MTIME, MTIME))
    assert client.get("/m/site.css").content == CSS
    assert client.get("/s/site.css").content == CSS.upper()


def test_head_304_and_range_as_staticfiles(folder: Path) -> None:
    client, _ = clients(folder)
    same(client, "GET", "site.css")  # kept
    head = same(client, "HEAD", "site.css")
    assert (head.status_code, head.content, head.headers["content-length"]) == (200, b"", "25")
    etag = etag_of(folder / "site.css")
    for headers in ({"if-none-match": etag}, {"if-none-match": f'W/{etag}, "other"'}, {"if-none-match": "*"},
                    {"if-modified-since": "Tue, 14 Nov 2023 22:13:20 GMT"},
                    {"if-modified-since": "Wed, 15 Nov 2023 00:00:00 GMT"}):
        answer = same(client, "GET", "site.css", headers)
        assert (answer.status_code, answer.content, dict(answer.headers)) == (304, b"", {"etag": etag})
    for headers in ({"if-none-match": '"other"'}, {"if-modified-since": "Tue, 14 Nov 2023 22:13:19 GMT"}):
        assert same(client, "GET", "site.css", headers).status_code == 200
    same(client, "GET", "data.bin")  # kept too; a Range goes to StaticFiles, whose answer it is
    part = same(client, "GET", "data.bin", {"range": "bytes=10-19"})
    assert (part.status_code, part.content, part.headers["content-range"]) == (206, bytes(range(10, 20)),
                                                                             "bytes 10-19/100")
    assert same(client, "GET", "data.bin", {"range": "bytes=500-"}).status_code == 416


def test_what_is_not_kept_is_answered_by_staticfiles(folder: Path) -> None:
    client, memory = clients(folder)
    assert same(client, "GET", "big.js").content == b"x" * 3000  # over max_file (2000 bytes)
    for name in ("missing.css", "sub", "../etc/passwd", "sub/../../site.css"):
        assert same(client, "GET", name).status_code == 404
    post = client.post("/m/site.css")
    assert (post.status_code, post.headers["allow"]) == (405, "GET, HEAD")
    assert memory._files == {} and memory._size == 0


def test_a_changed_or_removed_file_is_noticed_at_the_next_check(folder: Path) -> None:
    client, memory = clients(folder, recheck=0.0)
    same(client, "GET", "site.css")
    (folder / "site.css").write_bytes(b"p { margin: 0; }")
    os.utime(folder / "site.css", (MTIME + 60, MTIME + 60))
    changed = same(client, "GET", "site.css")
    assert (changed.content, changed.headers["content-length"], changed.headers["etag"]) == (
        b"p { margin: 0; }", "16", etag_of(folder / "site.css"))
    assert changed.headers["last-modified"] == email.utils.formatdate(MTIME + 60, usegmt=True)
    assert memory._size == 16
    (folder / "site.css").unlink()
    assert same(client, "GET", "site.css").status_code == 404
    assert memory._files == {} and memory._size == 0


def test_the_app_serves_its_static_files_from_memory_with_the_security_headers(app, client: TestClient) -> None:
    mounts = {route.path: type(route.app).__name__ for route in app.routes if isinstance(route, Mount)}
    assert mounts == {"/static": "MemoryStaticFiles", "/vendor/echarts": "MemoryStaticFiles",
                      "/vendor/swagger-ui": "MemoryStaticFiles"}
    css = Path(__file__).parents[2] / "src/chanye/web/static/chanye.css"
    for _ in range(2):  # read, then from memory
        answer = client.get("/static/chanye.css")
        assert (answer.status_code, answer.content) == (200, css.read_bytes())
        assert answer.headers["content-type"] == "text/css; charset=utf-8"
        assert answer.headers["x-content-type-options"] == "nosniff"
    assert client.get("/static/chanye.css", headers={"if-none-match": answer.headers["etag"]}).status_code == 304
