"""The shipped 行政区划 table: Guangzhou's districts in every spelling, addresses, cities and counties."""

from __future__ import annotations

import pytest

from chanye.framework import load_pack
from chanye.standards import regions
from chanye.standards.regions import City, Region

GUANGZHOU = "440100"
GZ = load_pack("guangzhou-12218").city

DISTRICTS = [
    ("440103", "荔湾区", "荔湾", "Liwan"),
    ("440104", "越秀区", "越秀", "Yuexiu"),
    ("440105", "海珠区", "海珠", "Haizhu"),
    ("440106", "天河区", "天河", "Tianhe"),
    ("440111", "白云区", "白云", "Baiyun"),
    ("440112", "黄埔区", "黄埔", "Huangpu"),
    ("440113", "番禺区", "番禺", "Panyu"),
    ("440114", "花都区", "花都", "Huadu"),
    ("440115", "南沙区", "南沙", "Nansha"),
    ("440117", "从化区", "从化", "Conghua"),
    ("440118", "增城区", "增城", "Zengcheng"),
]


def test_guangzhou_districts() -> None:
    got = list(GZ.districts)
    assert [(d.code, d.name) for d in got] == [(code, name) for code, name, _, _ in DISTRICTS]
    assert all(d.level == "county" and d.parent == GUANGZHOU for d in got)
    assert all(d.province == "广东省" and d.city == "广州市" for d in got)
    assert GUANGZHOU == "440100"


@pytest.mark.parametrize(("code", "name", "short", "pinyin"), DISTRICTS)
def test_resolve_district_every_form(code: str, name: str, short: str, pinyin: str) -> None:
    forms = [
        name,
        short,
        code,
        int(code),
        pinyin,
        pinyin.upper(),
        pinyin.lower(),
        f"{pinyin} District",
        f" {name} ",
        f"广州市{name}",
        f"广州{short}",
    ]
    for form in forms:
        got = GZ.resolve_district(form)
        assert got is not None and got.code == code, form
    assert regions.district_short_name(GZ.resolve_district(code)) == short


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Tiānhé", "440106"),
        ("Pānyú Qu", "440113"),
        ("Guangzhou Tianhe", "440106"),
        ("萝岗区", "440112"),  # merged into 黄埔区 in 2014
        ("增城市", "440118"),  # a county-level city until 2014
        ("东山区", "440104"),
        ("440106.0", "440106"),
    ],
)
def test_resolve_district_variants(text: str, code: str) -> None:
    got = GZ.resolve_district(text)
    assert got is not None and got.code == code


@pytest.mark.parametrize(
    "text", [None, "", "  ", "南山区", "深圳", "440305", 440100, "广州市", "Shenzhen", "天", 4401]
)
def test_resolve_district_none(text: object) -> None:
    assert GZ.resolve_district(text) is None


def test_district_short_name() -> None:
    assert regions.district_short_name("天河区") == "天河"
    assert regions.district_short_name("城区") == "城区"  # 阳泉's 城区 keeps its suffix
    assert regions.district_short_name(regions.city("北京市")) == "北京"


@pytest.mark.parametrize(
    ("address", "name"),
    [
        ("广州市天河区珠江新城花城大道85号", "天河区"),
        ("广东省广州市黄埔区科学大道", "黄埔区"),
        ("广州天河体育西路", "天河区"),
        ("番禺区石楼镇大岭村", "番禺区"),
        ("石楼镇大岭村委会旁", "番禺区"),  # names only a town
        ("广州市五山街道华南理工大学", "天河区"),  # names only a 街道
        ("广州市萝岗区开创大道", "黄埔区"),  # former district
        ("广州市增城市新塘镇", "增城区"),
        ("  广州市 越秀区 北京路 ", "越秀区"),  # 北京路 is a Guangzhou street, not 北京市
    ],
)
def test_district_from_address(address: str, name: str) -> None:
    got = GZ.district_from_address(address)
    assert got is not None and got.name == name and got.city == "广州市"


@pytest.mark.parametrize(
    "address",
    [
        None,
        "",
        "广州市",  # no district
        "深圳市南山区科技园",
        "贵州省贵阳市白云区",  # 白云区 of another city
        "广州市越秀区与海珠区交界处",  # ambiguous
        "江苏省苏州市新塘镇",  # no such town of Guangzhou there
    ],
)
def test_district_from_address_none(address: str | None) -> None:
    assert GZ.district_from_address(address) is None


def test_cities() -> None:
    cities = regions.cities()
    assert len(cities) == 337  # 333 prefecture-level units + 4 municipalities
    assert all(c.level == "city" and len(c.code) == 6 and c.code.endswith("00") for c in cities)
    assert [c.code for c in cities] == sorted(c.code for c in cities)
    assert regions.city(440300) == Region("440300", "深圳市", "city", "440000", "广东省", "深圳市")
    assert regions.city("440100").name == "广州市"
    assert regions.city("4401").code == "440100"  # the raw files' 4-digit code
    assert regions.city("深圳").code == "440300"
    assert regions.city("不存在市") is None and regions.city(None) is None and regions.city("999900") is None


@pytest.mark.parametrize(
    ("name", "code"), [("北京市", "110100"), ("天津市", "120100"), ("上海市", "310100"), ("重庆市", "500100")]
)
def test_municipalities_are_named(name: str, code: str) -> None:
    c = regions.city(name)
    assert c is not None and c.code == code and c.name == name and c.city == name and c.province == name
    assert all(d.city == name for d in regions.counties(code))


def test_counties() -> None:
    everything = regions.counties()
    assert len(everything) == 2978
    assert regions.counties(GUANGZHOU) == list(GZ.districts)
    assert [c.name for c in regions.counties("110100")][:2] == ["东城区", "西城区"]
    # Counties a province runs directly: listed under NBS's pseudo city, with no city name.
    xiantao = [c for c in regions.counties("429000") if c.name == "仙桃市"]
    assert xiantao and xiantao[0].city == "" and xiantao[0].province == "湖北省"
    assert regions.counties("999900") == []
    city_codes = {c.code for c in everything}
    assert "441900" in city_codes  # 东莞市 is a city and its own county-level unit


def test_streets() -> None:
    panyu = regions.streets("440113")
    assert "石楼镇" in {s.name for s in panyu}
    assert all(s.level == "street" and s.parent == "440113" and len(s.code) == 9 for s in panyu)
    assert sum(len(regions.streets(d.code)) for d in list(GZ.districts)) == 178
    assert regions.streets(440106)[0].name == "五山街道"
    assert regions.streets("110101") == []  # only Guangzhou's are shipped


def test_provinces() -> None:
    provs = regions.provinces()
    assert len(provs) == 31
    assert (provs[0].code, provs[0].name) == ("110000", "北京市")
    assert regions.region("province", "440000").name == "广东省"


SZ = City("440300", "Shenzhen", (("440305", "Nanshan"), ("440306", "Bao'an")), (("宝安县", "440306"),))


@pytest.mark.parametrize("text", ["南山区", "南山", "440305", 440305, "Nanshan", "nanshan district", "深圳市南山区",
                                  "广东省深圳市南山区", "深圳南山区", "Shenzhen Nanshan"])
def test_a_city_from_any_pack_resolves_its_districts(text: object) -> None:
    assert SZ.resolve_district(text).code == "440305"


def test_a_city_knows_english_and_former_names_only_from_the_pack() -> None:
    assert SZ.resolve_district("Bao'an").code == "440306"
    assert SZ.resolve_district("宝安县").code == "440306"
    assert SZ.resolve_district("Futian") is None  # the pack gives no English name for 福田区
    assert SZ.resolve_district("天河区") is None  # another city's district
    assert SZ.district_label("440304", "en") == "福田区"  # no English name: the Chinese one
    assert SZ.district_label("440305", "en") == "Nanshan"
    assert SZ.area_label(None, "zh") == "深圳市" and SZ.area_label("440300", "en") == "Shenzhen"
    assert [d.code for d in SZ.districts] == ["440303", "440304", "440305", "440306", "440307", "440308",
                                              "440309", "440310", "440311"]


@pytest.mark.parametrize(("address", "code"), [
    ("广东省深圳市南山区粤海街道科技园", "440305"),
    ("深圳宝安区西乡", "440306"),
    ("深圳市龙华区民治街道", "440309"),
])
def test_district_from_address_in_another_city(address: str, code: str) -> None:
    assert SZ.district_from_address(address).code == code


@pytest.mark.parametrize("address", ["广州市天河区", "深圳市南山区与福田区交界", "上海市浦东新区", "某路1号"])
def test_district_from_address_in_another_city_none(address: str) -> None:
    assert SZ.district_from_address(address) is None


def test_a_city_needs_a_city_adcode() -> None:
    with pytest.raises(ValueError, match="unknown city adcode '440305'"):
        City("440305")
