"""What is worked out from a loaded pack once per pack: a `Framework` is immutable (a frozen pydantic model) but
not hashable, so `functools.cache` cannot key on it; `per_pack` keys on the object itself."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from chanye.framework.model import Framework

T = TypeVar("T")
HELD = 16  # packs remembered per function (a process loads a few: `load_pack` keeps 8)


def per_pack(compute: Callable[[Framework], T]) -> Callable[[Framework], T]:
    """`compute(framework)` once per framework object; later calls with the same object return the same result,
    which callers must not change."""
    held: dict[int, tuple[Framework, T]] = {}

    @functools.wraps(compute)
    def once(framework: Framework) -> T:
        hit = held.get(id(framework))
        if hit is None or hit[0] is not framework:
            if len(held) >= HELD:
                held.clear()
            hit = held[id(framework)] = (framework, compute(framework))  # holding the pack keeps its id its own
        return hit[1]

    return once
