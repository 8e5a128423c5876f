"""`framework.memo.per_pack`: one computation per pack object (a Framework is immutable but not hashable)."""

from __future__ import annotations

from chanye.framework import load_pack
from chanye.framework.memo import HELD, per_pack


def test_a_pack_s_result_is_worked_out_once_and_held_for_that_object_only() -> None:
    calls: list[int] = []

    @per_pack
    def node_count(framework) -> list[int]:
        calls.append(id(framework))
        return [len(framework.nodes)]

    pack = load_pack(None)
    first = node_count(pack)
    assert node_count(pack) is first
    assert calls == [id(pack)]
    copy = pack.model_copy()  # equal, but another object: worked out again
    assert node_count(copy) == first
    assert node_count(copy) is not first
    assert calls == [id(pack), id(copy)]
    assert first == [41]  # the 12218 pack: 41 nodes (groups and industries)


def test_at_most_held_packs_are_remembered() -> None:
    calls: list[int] = []

    @per_pack
    def nothing(framework) -> None:
        calls.append(1)

    packs = [load_pack(None).model_copy() for _ in range(HELD + 1)]
    for p in packs:
        nothing(p)
    nothing(packs[0])  # forgotten when the HELD + 1st came: worked out again
    nothing(packs[-1])  # held
    assert len(calls) == HELD + 2
