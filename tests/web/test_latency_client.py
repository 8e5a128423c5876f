"""benchmarks/web_latency.py's client (issue 14 item 2): closed-loop asyncio connections that read whole HTTP/1.1
answers (Content-Length or chunked) on a keep-alive connection, so its own cost stays small next to the server's."""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import web_latency

from .conftest import in_thread

BODY = b"0123456789"


def serve(answers: dict[bytes, bytes]) -> tuple[int, list[bytes]]:
    """A tiny HTTP/1.1 server in a thread: each request line's path -> its raw answer. Returns (port, paths seen)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    seen: list[bytes] = []

    def handle(conn: socket.socket) -> None:
        buf = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in buf:
                    data = conn.recv(4096)
                    if not data:
                        return
                    buf += data
                head, buf = buf.split(b"\r\n\r\n", 1)
                path = head.split(b" ")[1]
                seen.append(path)
                conn.sendall(answers[path])

    def accept() -> None:
        while True:
            conn, _ = sock.accept()
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return sock.getsockname()[1], seen


def test_the_client_reads_whole_answers_and_counts_errors() -> None:
    port, seen = serve({
        b"/fixed": b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n" + BODY,
        b"/chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n0123\r\n6\r\n456789\r\n0\r\n\r\n",
        b"/missing": b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno!",
    })
    for path, errors in ((b"/fixed", 0), (b"/chunked", 0), (b"/missing", 12)):
        times, failed = in_thread(web_latency._process, port, path.decode(), 3, 30.0, 12)
        assert len(times) == 12 and failed == errors  # 3 clients, 4 requests each, every answer read whole
        assert all(t > 0 for t in times)
    assert seen.count(b"/fixed") == seen.count(b"/chunked") == seen.count(b"/missing") == 12


def test_a_response_is_parsed_to_its_status_and_close() -> None:
    async def parse(raw: bytes) -> tuple[int, bool, bytes]:
        reader = asyncio.StreamReader()
        reader.feed_data(raw + b"NEXT")
        reader.feed_eof()
        status, close = await web_latency._response(reader)
        return status, close, await reader.read()

    assert in_thread(asyncio.run, parse(b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok")) \
        == (503, True, b"NEXT")
    assert in_thread(asyncio.run, parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;x=y\r\nab\r\n0\r\nT: 1\r\n\r\n")) \
        == (200, False, b"NEXT")
