"""YAML files with line numbers, parsed into pydantic models; errors become `Finding`s naming file and line.

The lowest piece of pack loading: `chains.py` (chain templates) and `read.py` (the pack's own files) use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from chanye.errors import PackInvalid
from chanye.framework.findings import Finding


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


# libyaml's loader where PyYAML was built with it: the pack's 27 files parse ~10x faster than in pure Python
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path, label: str) -> YamlDoc:
    """Parse one YAML file; a syntax error becomes PackInvalid naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
        loader = _LOADER(text)  # composed once; the nodes give the lines, the same nodes the data
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
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
