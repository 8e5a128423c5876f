"""`City.district` looks a district up by adcode in a dict built once (issue 14 item 2: a list page names a
district per row), with the same answers the linear scan gave."""

from __future__ import annotations

import pytest

from chanye.framework import load_pack
from chanye.standards import regions

GZ = load_pack("guangzhou-12218").city


@pytest.mark.parametrize(("code", "name"), [
    ("440103", "荔湾区"), (440106, "天河区"), ("440118.0", "增城区"), (440112.0, "黄埔区"), (" 440115 ", "南沙区"),
])
def test_district_by_code_in_any_spelling(code: object, name: str) -> None:
    found = GZ.district(code)
    assert found.name == name and found.parent == "440100"


@pytest.mark.parametrize("code", ["440305", "440100", "天河区", "", None, True, 440106.5, "4401O6"])
def test_no_district_for_other_codes(code: object) -> None:
    # 440305 is Shenzhen's 南山区; 440100 the city itself; 天河区 a name, not a code
    assert GZ.district(code) is None


def test_the_index_holds_every_district_once() -> None:
    index = GZ._by_code
    assert list(index) == [d.code for d in GZ.districts]  # 11 districts, in code order
    assert len(index) == 11
    assert all(index[d.code] is d for d in GZ.districts)


def test_labels_by_code() -> None:
    assert GZ.district_label("440106", "en") == "Tianhe"
    assert GZ.district_label("440106", "zh") == "天河区"
    assert GZ.district_label("440305", "en") == "440305"  # not this city's: the code itself
    bare = regions.City("440100")  # no English names from a pack: the Chinese one stands in
    assert bare.district_label("440106", "en") == "天河区"
