"""A finding: one problem in a framework pack, located by file, line and node."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal


@dataclass(frozen=True)
class Finding:
    level: Literal["error", "warning"]
    rule: str
    message: str
    file: str = ""
    line: int | None = None
    node: str | None = None

    def where(self) -> str:
        place = self.file + (f":{self.line}" if self.line else "")
        if self.node:
            place += f" [{self.node}]" if place else f"[{self.node}]"
        return place

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message

    def to_dict(self) -> dict:
        return asdict(self)
