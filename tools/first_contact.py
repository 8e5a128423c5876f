"""First contact: a full-page screenshot of every page of the dashboard at two widths, for people to look at
before a release (issue 15). It plays a new user's first visit: every page the app serves, one of each kind of
detail page (a cluster, a provisional cluster, a district, a firm of the pack's city, a chain), in Chinese.

    .venv/bin/python tools/first_contact.py                    # builds a small demo database, serves it, shoots
    .venv/bin/python tools/first_contact.py --db data/chanye.duckdb
    .venv/bin/python tools/first_contact.py --url http://127.0.0.1:8218 --out /tmp/shots --widths 1440,1024,768

Writes OUT/<width>/<nn>-<page>.png (default ./first-contact/) and prints a line per page: the charts drawn,
console errors, and requests that left the machine. The pages come from the app's own list of HTML pages
(/openapi.json) plus the ones it keeps out of it (/review, /glossary when served), so a new page is shot
without editing this file. Uses Debian's chromium (/usr/bin/chromium or $CHANYE_CHROMIUM) through
Playwright; never downloads a browser. Exit status 1 when a page failed to load or logged a console error.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

CHROMIUM = os.environ.get("CHANYE_CHROMIUM", "/usr/bin/chromium")
# The flags of tests/browser/conftest.py: headless, no sandbox (containers), nothing fetched from outside.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
# Pages the app keeps out of /openapi.json; shot when they answer 200.
UNLISTED = ["/review", "/glossary"]
# HTML pages that are not for a first visit: sign-in, administration (needs accounts), downloads.
SKIP = re.compile(r"^/(login|logout|admin|vendor|report\.|docs)")


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=60) as r:
        return json.load(r)


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status
    except urllib.error.HTTPError as err:
        return err.code


def samples(base: str) -> dict[str, list[str]]:
    """Values for the path parameters of detail pages, read from the app's JSON twins: the first cluster and
    the first provisional one, the district with the largest revenue, that district's largest firm, the
    first chain in the framework's order."""
    clusters = _get_json(f"{base}/cluster.json")["clusters"]
    nodes = [clusters[0]["id"]] if clusters else []
    nodes += [c["id"] for c in clusters if c.get("status") == "provisional"][:1]
    districts = sorted(_get_json(f"{base}/district.json")["rows"], key=lambda r: -(r.get("revenue") or 0))
    adcodes = [districts[0]["code"]] if districts else []
    firms: list[str] = []
    if adcodes:
        rows = _get_json(f"{base}/enterprises.json?district={adcodes[0]}&sort=revenue&per_page=1")["rows"]
        firms = [r["uscc"] for r in rows[:1]]
    chains = [c["id"] for c in _get_json(f"{base}/chains.json").get("chains", [])[:1]]
    return {"node_id": nodes, "adcode": adcodes, "uscc": firms, "chain_id": chains}


def page_paths(base: str) -> list[str]:
    """Every HTML page of the app (its openapi paths answering text/html), detail pages filled with samples."""
    spec = _get_json(f"{base}/openapi.json")
    fill = samples(base)
    paths: list[str] = []
    for path, ops in spec["paths"].items():
        content = ops.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
        if "text/html" not in content or path.startswith("/api") or SKIP.match(path):
            continue
        params = re.findall(r"{(\w+)}", path)
        if not params:
            paths.append(path)
            continue
        if len(params) > 1 or not fill.get(params[0]):
            print(f"  skip {path}: no sample for {params}", flush=True)
            continue
        paths += [path.replace("{" + params[0] + "}", value) for value in fill[params[0]]]
    paths += [p for p in UNLISTED if p not in paths and _status(base + p) == 200]
    return paths


def slug(path: str) -> str:
    return re.sub(r"[^0-9A-Za-z\u4e00-\u9fff-]+", "-", path.strip("/")).strip("-") or "overview"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(db: Path):
    """The dashboard over `db` on a free 127.0.0.1 port, in a thread (no accounts: the local analyst)."""
    import uvicorn

    from chanye.web.app import create_app

    app = create_app(db)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.time() + 60
    while not server.started:
        if time.time() > deadline or not thread.is_alive():
            raise SystemExit("服务未启动 the server did not start")
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server, thread


def shoot(base: str, paths: list[str], widths: list[int], out: Path, lang: str) -> int:
    """Screenshot every path at every width; returns the number of pages with a problem."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"没有浏览器 no chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)")
    problems = 0
    total = len(paths) * len(widths)
    done = 0
    errors: list[str] = []  # console errors and requests leaving the machine, of the page being shot
    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        for width in widths:
            folder = out / str(width)
            folder.mkdir(parents=True, exist_ok=True)
            context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
            page = context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: outside.append(r.url)
                    if r.url.startswith("http") and not r.url.startswith(base) else None)
            for i, path in enumerate(paths, 1):
                done += 1
                errors.clear()
                outside.clear()
                url = base + path + (("&" if "?" in path else "?") + "lang=en" if lang == "en" else "")
                response = page.goto(url, wait_until="load")
                charts = page.eval_on_selector_all("[data-chart]", "els => els.length")
                drawn = 0
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    drawn = page.evaluate("(window.__chanyeRendered || []).length")
                    if drawn >= charts:
                        break
                    time.sleep(0.1)
                page.wait_for_timeout(200)  # fonts and the last paint
                file = folder / f"{i:02d}-{slug(path)}.png"
                page.screenshot(path=str(file), full_page=True)
                status = response.status if response else 0
                bad = status != 200 or errors or outside or drawn < charts
                problems += bool(bad)
                note = "" if not bad else f"  ！ HTTP {status} errors={errors[:3]} outside={outside[:3]}"
                print(f"[{done:>3}/{total}] {width:>5}px {path:<40} 图表 charts {drawn}/{charts}  -> {file}{note}",
                      flush=True)
            context.close()
        browser.close()
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="已运行的仪表盘 a running dashboard (default: serve --db or a new demo)")
    parser.add_argument("--db", type=Path, help="数据库 a database to serve (default: build a demo)")
    parser.add_argument("--scale", type=float, default=0.03, help="新示例库的规模 scale of the demo built (0.03)")
    parser.add_argument("--out", type=Path, default=Path("first-contact"), help="截图目录 output folder")
    parser.add_argument("--widths", default="1440,1024", help="视口宽度 viewport widths, comma-separated")
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    parser.add_argument("--path", action="append", default=[], help="再加一页 an extra path (repeatable)")
    args = parser.parse_args(argv)
    widths = [int(w) for w in args.widths.split(",") if w.strip()]

    server = thread = None
    tmp = None
    if args.url:
        base = args.url.rstrip("/")
    else:
        db = args.db
        if db is None:
            from chanye.demo.seed import build_database

            tmp = tempfile.TemporaryDirectory(prefix="first-contact-")
            db = Path(tmp.name) / "demo.duckdb"
            print(f"建示例库 building a demo database (scale {args.scale}) at {db} ...", flush=True)
            build_database(db, scale=args.scale, seed=12218, force=True)
        elif not db.exists():
            raise SystemExit(f"数据库不存在 no database at {db}")
        base, server, thread = serve(db)
        print(f"服务 serving {db} at {base}", flush=True)
    try:
        paths = page_paths(base) + args.path
        print(f"{len(paths)} 页 pages × {len(widths)} 宽度 widths -> {args.out}/", flush=True)
        problems = shoot(base, paths, widths, args.out, args.lang)
    finally:
        if server is not None:
            server.should_exit = True
            thread.join(timeout=10)
        if tmp is not None:
            tmp.cleanup()
    print(f"完成 done: {len(paths) * len(widths)} 张截图 screenshots in {args.out}/, "
          f"{problems} 个有问题 with a problem" + ("" if not problems else " (see ！ above)"), flush=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
