"""`chanye serve` logs one line per page request (issue 15); static files and vendored libraries stay out."""

from __future__ import annotations

import logging
import logging.config

import pytest

from chanye.cli import serve_log_config


def test_the_access_log_has_a_line_per_page_and_none_for_assets(capsys) -> None:
    logging.config.dictConfig(serve_log_config())
    log = logging.getLogger("uvicorn.access")
    for path, status in (("/chains/icv-nev", 200), ("/static/chanye.css", 200), ("/vendor/echarts/echarts.min.js", 200),
                         ("/api/v1/framework", 200), ("/favicon.ico", 404), ("/nope", 404)):
        log.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", path, "1.1", status)
    logging.getLogger("uvicorn.error").info("Started server process")  # below WARNING: not shown
    out = capsys.readouterr()
    lines = [line.split(" ", 2)[2] for line in out.out.splitlines()]
    assert lines == ['127.0.0.1:5000 "GET /chains/icv-nev HTTP/1.1" 200 OK',
                     '127.0.0.1:5000 "GET /api/v1/framework HTTP/1.1" 200 OK',
                     '127.0.0.1:5000 "GET /nope HTTP/1.1" 404 Not Found']
    assert out.err == ""


@pytest.fixture(autouse=True)
def _restore_logging():
    yield
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers, logger.propagate, logger.level = [], True, logging.NOTSET
