"""Time to first painted chart per page, in headless Chromium (Debian's /usr/bin/chromium via Playwright).

    .venv/bin/python benchmarks/first_chart.py --db /tmp/full.duckdb [--runs 5]

Serves the dashboard with uvicorn on 127.0.0.1 (in a thread), opens each page `--runs` times in a fresh
browser context (empty HTTP cache: ECharts' 1 MB is fetched every time) and reads:

- first chart: `window.__chanyeFirstChart`, the performance.now() (ms since navigation start) at the first
  ECharts 'finished' event, which static/chanye.js records;
- all charts: when the last chart on the page has rendered (the map waits for its GeoJSON);
- HTML: responseEnd of the page's own request (server time + transfer).

The first visit of a page (cold server caches) is reported apart; then the medians of `--runs` visits with a
fresh context each (no HTTP cache) and of `--runs` visits in one context (ECharts from the HTTP cache).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import threading
import time
from pathlib import Path

CHROMIUM = os.environ.get("CHANYE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PAGES = ["/", "/cluster", "/cluster/icv-nev", "/district", "/district/440112", "/enterprises?q=新能源汽车",
         "/enterprise/{uscc}", "/data"]


def serve(db: str):
    import uvicorn

    from chanye.web.app import create_app

    app = create_app(db)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, app, f"http://127.0.0.1:{port}"


def visit(browser, url: str, context=None) -> dict:
    own = context is None
    context = context or browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="domcontentloaded")
    n = page.eval_on_selector_all("[data-chart]", "els => els.length")
    page.wait_for_function(f"window.__chanyeRendered && window.__chanyeRendered.length >= {n}", timeout=60_000)
    result = page.evaluate("""() => ({
        first: window.__chanyeFirstChart,
        all: performance.now(),
        html: performance.getEntriesByType('navigation')[0].responseEnd,
        charts: window.__chanyeRendered.length })""")
    # 'all' above is read after the wait; the precise moment is the last 'finished' event:
    result["all"] = page.evaluate("window.__chanyeLastChart || performance.now()")
    page.close()
    if own:
        context.close()
    if errors:
        raise SystemExit(f"{url}: {errors}")
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", default=os.environ.get("CHANYE_DB", "data/chanye.duckdb"))
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    if not Path(args.db).exists():
        raise SystemExit(f"no database at {args.db}: run `chanye demo --db {args.db}` first")
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no chromium at {CHROMIUM}: apt-get install chromium fonts-noto-cjk")
    from playwright.sync_api import sync_playwright

    server, app, base = serve(args.db)
    store = app.state.ctx.cursor()
    uscc = store.scalar("""SELECT e.uscc FROM enterprises e JOIN enterprise_years y USING (uscc)
                           WHERE e.city_code = '440100' ORDER BY y.revenue DESC NULLS LAST LIMIT 1""")
    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for path in PAGES:
            url = base + path.replace("{uscc}", uscc)
            cold = visit(browser, url)
            fresh = [visit(browser, url) for _ in range(args.runs)]
            shared = browser.new_context(viewport={"width": 1440, "height": 900})
            visit(browser, url, shared)  # fills the HTTP cache
            cached = [visit(browser, url, shared) for _ in range(args.runs)]
            shared.close()
            med = {k: statistics.median(r[k] for r in fresh) for k in ("first", "all", "html")}
            med["cached_first"] = statistics.median(r["first"] for r in cached)
            med["cached_all"] = statistics.median(r["all"] for r in cached)
            rows.append((path, cold, med, cold["charts"]))
        browser.close()
    server.should_exit = True
    print(f"db {args.db}; medians of {args.runs} runs per page; {os.cpu_count()} CPUs. ms since navigation start.\n"
          "cold: first visit (server caches empty). fresh: new browser context (no HTTP cache). "
          "cached: one context (ECharts from the HTTP cache).\n")
    head = (f"{'page':<24}  {'charts':>6}  {'cold first':>10}  {'HTML':>5}  {'fresh first':>11}  {'fresh all':>9}  "
            f"{'cached first':>12}  {'cached all':>10}")
    print(head)
    print("-" * len(head))
    for path, cold, med, n in rows:
        print(f"{path:<24}  {n:>6}  {cold['first']:>10.0f}  {med['html']:>5.0f}  {med['first']:>11.0f}  "
              f"{med['all']:>9.0f}  {med['cached_first']:>12.0f}  {med['cached_all']:>10.0f}")


if __name__ == "__main__":
    main()
