"""Read a framework pack from its folder of YAML files (schema-validated, not yet cross-checked: `check.py`),
with errors that name the file, line and node. `load.load_pack` reads, checks and caches."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from chanye.errors import PackInvalid, UnknownPack
from chanye.framework.chains import read_chains
from chanye.framework.findings import Finding
from chanye.framework.model import Framework, Metric, Node, PackInfo, Source, Target
from chanye.framework.yamlfile import YamlDoc, parse_file, read_yaml

PACK_FILES = ("framework.yaml", "sources.yaml", "metrics.yaml", "targets.yaml")


def packs_dir() -> Path:
    return Path(str(resources.files("chanye.framework") / "packs"))


def available_packs() -> list[Path]:
    """The packs shipped with chanye, one folder each."""
    return sorted(p for p in packs_dir().iterdir() if (p / "framework.yaml").is_file())


def default_pack() -> str:
    """`CHANYE_PACK` if set, else the shipped pack whose header says `default: true` (the city is data, not
    code). Reads only each header, so importing stays fast."""
    import os

    if os.environ.get("CHANYE_PACK"):
        return os.environ["CHANYE_PACK"]
    for folder in available_packs():
        with (folder / "framework.yaml").open(encoding="utf-8") as f:
            lines = []
            for line in f:
                if line.startswith("nodes:"):
                    break
                lines.append(line)
        info = (yaml.safe_load("".join(lines)) or {}).get("pack") or {}
        if info.get("default") is True:
            return folder.name
    return available_packs()[0].name


DEFAULT_PACK = default_pack()


def resolve_pack(name_or_path: str | Path | None) -> Path:
    """A shipped pack's name (a folder of `packs/`) or a path to a pack folder (or its framework.yaml)."""
    if name_or_path is None:
        name_or_path = DEFAULT_PACK
    path = Path(name_or_path)
    if path.is_file() and path.name == "framework.yaml":
        path = path.parent
    if (path / "framework.yaml").is_file():
        return path
    shipped = packs_dir() / str(name_or_path)
    if (shipped / "framework.yaml").is_file():
        return shipped
    names = ", ".join(p.name for p in available_packs())
    raise UnknownPack(
        f"找不到框架包 {name_or_path!s} (no such framework pack)", hint=f"可用的包 available: {names}"
    )


# --- validation -------------------------------------------------------------------------------------------


class _FrameworkFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pack: PackInfo
    nodes: list[Node]


class _SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sources: list[Source]


class _MetricsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    metrics: list[Metric] = []


class _TargetsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    targets: list[Target] = []


_FILE_MODELS: dict[str, type[BaseModel]] = {
    "framework.yaml": _FrameworkFile,
    "sources.yaml": _SourcesFile,
    "metrics.yaml": _MetricsFile,
    "targets.yaml": _TargetsFile,
}


@dataclass
class LoadedPack:
    """A pack as read from disk: the validated framework plus the parsed files (for line lookups)."""

    framework: Framework
    docs: dict[str, YamlDoc]


def read_pack(name_or_path: str | Path | None = None) -> LoadedPack:
    """Read and validate every file of a pack. Raises PackInvalid listing every schema error found."""
    folder = resolve_pack(name_or_path)
    docs: dict[str, YamlDoc] = {}
    parsed: dict[str, Any] = {}
    findings: list[Finding] = []
    for name in PACK_FILES:
        path = folder / name
        if not path.is_file():
            if name in ("framework.yaml", "sources.yaml"):
                findings.append(Finding("error", "missing-file", f"缺少文件 {name} (missing file)", name))
            continue
        doc = read_yaml(path, f"{folder.name}/{name}")
        docs[name] = doc
        if not isinstance(doc.data, dict):
            findings.append(Finding("error", "schema", "文件顶层必须是映射 (top level must be a mapping)", doc.file, 1))
            continue
        model, errs = parse_file(doc, _FILE_MODELS[name])
        findings.extend(errs)
        parsed[name] = model
    chain_set = read_chains(folder)
    findings.extend(chain_set.findings)
    docs.update(chain_set.docs)
    if findings:
        raise PackInvalid(summary(findings), findings)
    fw = parsed["framework.yaml"]
    # Chains in the framework's own order (their clusters' places in framework.yaml), not their file names'.
    place = {n.id: i for i, n in enumerate(fw.nodes)}
    chains = sorted(chain_set.templates, key=lambda c: place.get(c.cluster, len(place)))
    framework = Framework(
        info=fw.pack,
        nodes=tuple(fw.nodes),
        sources=tuple(parsed["sources.yaml"].sources),
        metrics=tuple(parsed["metrics.yaml"].metrics) if "metrics.yaml" in parsed else (),
        targets=tuple(parsed["targets.yaml"].targets) if "targets.yaml" in parsed else (),
        chains=tuple(chains),
        chain_sources=tuple(chain_set.sources),
        path=str(folder),
    )
    return LoadedPack(framework, docs)


def summary(findings: list[Finding]) -> str:
    first = findings[0]
    more = f"（另有 {len(findings) - 1} 处问题 and {len(findings) - 1} more）" if len(findings) > 1 else ""
    return f"框架包无效 (invalid pack): {first}{more}"
