"""The built wheel alone serves a working dashboard (issue 15, install).

The wheel is built from the checkout (`pip wheel --no-deps .`, running hatch_build.py, which copies ECharts,
Swagger UI and the packs' district maps into `chanye/web/vendor/`), installed into a fresh venv OUTSIDE the
checkout, and `chanye serve` runs from an empty temp folder, where no node_modules can be found.

Which venv, measured on the dev box (2 CPUs, shared): a fresh venv installing the wheel with all its pinned
dependencies from PyPI and the pip cache took 5 min 48 s (scipy, scikit-learn, pyarrow, pandas, matplotlib, duckdb,
typst...), too slow for `make test`; building the wheel takes ~13 s. So the test uses the fastest honest variant
(47 s measured, building the shared demo database included; 3.5 min on a box loaded by other jobs): a fresh venv whose only link to
the dev environment is a .pth line naming the dev venv's site-packages (the same pinned dependencies, already
installed), and `pip install --no-deps` of the wheel. A .pth line adds a folder without running the .pth files
in it, so the dev venv's editable `chanye` is not visible: the test asserts that `chanye` is imported from the
new venv and that the served JS comes from the wheel's vendor folder.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import httpx
import pytest

from chanye.framework import load_pack

pytestmark = pytest.mark.wheel

ROOT = Path(__file__).resolve().parents[1]
ECHARTS = ROOT / "node_modules" / "echarts" / "dist" / "echarts.min.js"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*args: str | Path, cwd: Path | None = None, env: dict | None = None, timeout: float = 300) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv outside the checkout with only the wheel's chanye; its bin folder."""
    if shutil.which("npm") is None and not ECHARTS.exists():
        pytest.fail("npm and node_modules missing: the wheel cannot bundle the front-end libraries (make setup)")
    base = tmp_path_factory.mktemp("wheel")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", ROOT, "-w", base / "dist", cwd=base)
    (wheel,) = (base / "dist").glob("chanye-*.whl")
    venv = base / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    purelib = Path(run(venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").strip())
    (purelib / "dev-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", "utf-8")
    run(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--no-deps", "--quiet", wheel)
    return venv / "bin"


def test_the_installed_wheel_serves_the_dashboard_with_its_charts(installed, demo_db, tmp_path) -> None:
    where = run(installed / "python", "-c", "import chanye, chanye.web.app as a; print(chanye.__file__); "
                "print(a.vendor_dir('echarts'))", cwd=tmp_path).split()
    assert Path(where[0]).is_relative_to(installed.parent) and Path(where[1]).is_relative_to(installed.parent)
    assert where[1].endswith("chanye/web/vendor/echarts")
    env = {k: v for k, v in os.environ.items() if k not in ("CHANYE_NODE_MODULES", "CHANYE_MAP_FILE", "CHANYE_DB")}
    # installed, the default database is the user's data folder; a reading command without one refuses
    xdg = tmp_path / "xdg"
    refused = subprocess.run([installed / "chanye", "chains"], cwd=tmp_path, capture_output=True, text=True,
                             env=env | {"XDG_DATA_HOME": str(xdg), "COLUMNS": "200"}, timeout=120)
    default = xdg / "chanye" / "chanye.duckdb"
    assert refused.returncode == 1 and f"错误 Error: 数据库 {default} 不存在 (no database at" in refused.stderr
    assert list(tmp_path.iterdir()) == []
    db = tmp_path / "chanye.duckdb"
    shutil.copy(demo_db, db)
    port = str(free_port())
    proc = subprocess.Popen([installed / "chanye", "serve", "--db", db, "--port", port, "--no-demo"], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            for _ in range(600):
                if proc.poll() is not None:
                    raise AssertionError(proc.stderr.read().decode()[-2000:])
                try:
                    home = client.get("/")
                    if home.status_code != 503:  # 503: 数据准备中 while the start-up warm-up runs (issue 14)
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            else:
                raise AssertionError("server did not start and warm up in 120 s")
            assert home.status_code == 200 and '<script src="/vendor/echarts/echarts.min.js"' in home.text
            js = client.get("/vendor/echarts/echarts.min.js")
            assert (js.status_code, len(js.content)) == (200, ECHARTS.stat().st_size) == (200, 1121883)
            city = load_pack().city.code
            shape = client.get(f"/vendor/maps/{city}.json")
            assert shape.status_code == 200 and shape.json()["type"] == "FeatureCollection"
            assert len(shape.json()["features"]) == len(load_pack().city.districts) == 11
            assert client.get("/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    # one request line per page; the vendored files stay out of the log (issue 15)
    requests = [line.split(" ", 3)[3] for line in proc.stdout.read().decode().splitlines() if '"GET ' in line]
    assert requests[-1] == '"GET / HTTP/1.1" 200 OK'
    assert set(requests[:-1]) <= {'"GET / HTTP/1.1" 503 Service Unavailable'}
