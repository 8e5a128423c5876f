"""Load a framework pack from its folder of YAML files, with errors that name the file, line and node."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from chanye.errors import PackInvalid, UnknownPack
from chanye.framework.findings import Finding
from chanye.framework.model import Framework, Metric, Node, PackInfo, Source, Target

DEFAULT_PACK = "guangzhou-12218"
PACK_FILES = ("framework.yaml", "sources.yaml", "metrics.yaml", "targets.yaml")


def packs_dir() -> Path:
    return Path(str(resources.files("chanye.framework") / "packs"))


def available_packs() -> list[Path]:
    """The packs shipped with chanye, one folder each."""
    return sorted(p for p in packs_dir().iterdir() if (p / "framework.yaml").is_file())


def resolve_pack(name_or_path: str | Path | None) -> Path:
    """A shipped pack's name (guangzhou-12218) or a path to a pack folder (or its framework.yaml)."""
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


# --- YAML with line numbers -------------------------------------------------------------------------------


@dataclass
class YamlDoc:
    """A parsed YAML file and the line (1-based) of every mapping key and sequence item, by path."""

    file: str
    data: Any
    lines: dict[tuple, int]

    def line(self, loc: tuple) -> int | None:
        # Walk up the path until a located ancestor: pydantic may point at a key the file lacks.
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return None


def _index_lines(node: yaml.Node, path: tuple, out: dict[tuple, int]) -> None:
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, key.value)
            out[child] = key.start_mark.line + 1
            _index_lines(value, child, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, (*path, i), out)


def read_yaml(path: Path, label: str) -> YamlDoc:
    """Parse one YAML file; a syntax error becomes PackInvalid naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except UnicodeDecodeError as exc:
        raise PackInvalid(f"{label}: 不是 UTF-8 编码 (file is not UTF-8): {exc.reason}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        finding = Finding("error", "yaml", f"YAML 语法错误 (bad YAML): {problem}", label, line)
        raise PackInvalid(str(finding), [finding]) from None
    lines: dict[tuple, int] = {}
    if root is not None:
        _index_lines(root, (), lines)
    return YamlDoc(label, data if data is not None else {}, lines)


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


def _node_id_at(doc: YamlDoc, loc: tuple) -> str | None:
    """The id of the list item a validation error sits in (e.g. nodes[3] -> its id), for the message."""
    if len(loc) >= 2 and isinstance(loc[1], int):
        items = doc.data.get(loc[0]) if isinstance(doc.data, dict) else None
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            value = items[loc[1]].get("id")
            return str(value) if value is not None else None
    return None


def validation_findings(doc: YamlDoc, error: ValidationError) -> list[Finding]:
    findings = []
    for err in error.errors(include_url=False):
        loc = tuple(err["loc"])
        field = ".".join(str(p) for p in loc)
        message = err["msg"].removeprefix("Value error, ")
        findings.append(
            Finding("error", "schema", f"{field}: {message}", doc.file, doc.line(loc), _node_id_at(doc, loc))
        )
    return findings


def parse_file(doc: YamlDoc, model: type[BaseModel]) -> tuple[BaseModel | None, list[Finding]]:
    try:
        return model.model_validate(doc.data), []
    except ValidationError as exc:
        return None, validation_findings(doc, exc)


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
    from chanye.framework.chains import read_chains

    chain_set = read_chains(folder)
    findings.extend(chain_set.findings)
    docs.update(chain_set.docs)
    if findings:
        raise PackInvalid(_summary(findings), findings)
    fw = parsed["framework.yaml"]
    framework = Framework(
        info=fw.pack,
        nodes=tuple(fw.nodes),
        sources=tuple(parsed["sources.yaml"].sources),
        metrics=tuple(parsed["metrics.yaml"].metrics) if "metrics.yaml" in parsed else (),
        targets=tuple(parsed["targets.yaml"].targets) if "targets.yaml" in parsed else (),
        chains=tuple(chain_set.templates),
        chain_sources=tuple(chain_set.sources),
        path=str(folder),
    )
    return LoadedPack(framework, docs)


def _summary(findings: list[Finding]) -> str:
    first = findings[0]
    more = f"（另有 {len(findings) - 1} 处问题 and {len(findings) - 1} more）" if len(findings) > 1 else ""
    return f"框架包无效 (invalid pack): {first}{more}"


def load_pack(name_or_path: str | Path | None = None, *, check: bool = True) -> Framework:
    """Load a pack by name or path. With `check`, cross-file errors (unknown codes, ...) raise PackInvalid."""
    return _load_cached(str(resolve_pack(name_or_path)), check)


@functools.lru_cache(maxsize=8)
def _load_cached(folder: str, check: bool) -> Framework:
    loaded = read_pack(folder)
    if check:
        from chanye.framework.check import check_loaded

        errors = [f for f in check_loaded(loaded) if f.level == "error"]
        if errors:
            raise PackInvalid(_summary(errors), errors, hint="运行 chanye framework check 查看全部问题")
    return loaded.framework
