"""China's 行政区划 (administrative divisions), from the NBS 统计用区划代码 (statistical division codes).

`data/regions.csv` (rebuilt by `tools/build_data.py`) holds every province (省级), prefecture city (地级),
county/district (县级) of China, and the streets/towns (街道/镇) of Guangzhou only. Columns:
code,name,level,parent,province,city,stat_name.

- code: a 6-digit adcode for provinces (440000), cities (440100) and counties (440106); 9 digits for streets.
  A code is unique within a level, not across levels: 东莞市 is both city 441900 and county 441900.
- name: the name to show. A municipality's city-level unit, which NBS calls 市辖区 (and Chongqing's 县),
  is named after the municipality (110100 北京市); `stat_name` keeps the NBS name.
- city: the prefecture city a row belongs to (the municipality for 北京/天津/上海/重庆); empty for provinces
  and for the county-level cities a province administers directly (NBS groups those under a pseudo city
  named 省直辖县级行政区划, e.g. 429000 -> 429004 仙桃市).
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources

REGIONS_CSV = "regions.csv"
LEVELS = ("province", "city", "county", "street")

GUANGZHOU = "440100"  # adcode of 广州市

# The 11 districts' names in Hanyu Pinyin, as on road signs and in English-language addresses.
GUANGZHOU_PINYIN = {
    "440103": "Liwan",
    "440104": "Yuexiu",
    "440105": "Haizhu",
    "440106": "Tianhe",
    "440111": "Baiyun",
    "440112": "Huangpu",
    "440113": "Panyu",
    "440114": "Huadu",
    "440115": "Nansha",
    "440117": "Conghua",
    "440118": "Zengcheng",
}

# Names of districts merged or renamed since 2005 that older registrations still carry: 东山 and 芳村
# merged into 越秀 and 荔湾 (2005), 萝岗 into 黄埔 (2014); 从化 and 增城 were county-level cities until 2014.
GUANGZHOU_FORMER = {
    "东山区": "440104",
    "芳村区": "440103",
    "萝岗区": "440112",
    "从化市": "440117",
    "增城市": "440118",
}


@dataclass(frozen=True)
class Region:
    """One administrative division. `province` and `city` are names, not codes."""

    code: str
    name: str
    level: str  # "province" | "city" | "county" | "street"
    parent: str | None
    province: str
    city: str


@dataclass(frozen=True)
class _Table:
    rows: tuple[Region, ...]
    by_level_code: dict[tuple[str, str], Region]
    children: dict[tuple[str, str], tuple[Region, ...]]  # (level, code) of the parent -> children
    pseudo_cities: frozenset[str]  # NBS groupings, not prefecture cities


_CHILD_LEVEL = {"province": "city", "city": "county", "county": "street"}
_PSEUDO = re.compile(r"直辖县级行政区划$|^县$")


@functools.cache
def _table() -> _Table:
    text = resources.files("chanye.standards").joinpath("data", REGIONS_CSV).read_text(encoding="utf-8")
    rows = []
    pseudo = set()
    for r in csv.DictReader(io.StringIO(text)):
        rows.append(Region(r["code"], r["name"], r["level"], r["parent"] or None, r["province"], r["city"]))
        if r["level"] == "city" and _PSEUDO.search(r["stat_name"]):
            pseudo.add(r["code"])
    children: dict[tuple[str, str], list[Region]] = {}
    for reg in rows:
        if reg.parent is not None:
            parent_level = LEVELS[LEVELS.index(reg.level) - 1]
            children.setdefault((parent_level, reg.parent), []).append(reg)
    return _Table(
        rows=tuple(rows),
        by_level_code={(r.level, r.code): r for r in rows},
        children={k: tuple(v) for k, v in children.items()},
        pseudo_cities=frozenset(pseudo),
    )


def _code(value: object) -> str | None:
    """A numeric code as text ('440106', 440106, ' 440106 ' and 440106.0 all give '440106')."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if text.endswith(".0"):
        text = text[:-2]
    return text if text.isdigit() else None


def region(level: str, code: object) -> Region | None:
    """The region of `level` with `code`, or None."""
    key = _code(code)
    return _table().by_level_code.get((level, key)) if key else None


def provinces() -> list[Region]:
    """The 31 provinces, autonomous regions and municipalities (省级), in code order."""
    return [r for r in _table().rows if r.level == "province"]


def cities() -> list[Region]:
    """Prefecture-level cities (地级行政区) incl. the four municipalities, in code order.

    NBS's statistical groupings are left out (省直辖县级行政区划, Chongqing's 县): `city()` and `counties()`
    still know them by code.
    """
    t = _table()
    return [r for r in t.rows if r.level == "city" and r.code not in t.pseudo_cities]


def city(code_or_name: object) -> Region | None:
    """A city by adcode (440300, '4403' as in the raw NBS files) or by name ('深圳市', '深圳', '北京市')."""
    if code_or_name is None:
        return None
    key = _code(code_or_name)
    if key is not None:
        if len(key) == 4:
            key += "00"
        return region("city", key)
    name = unicodedata.normalize("NFKC", str(code_or_name)).strip()
    if not name:
        return None
    listed = cities()
    for r in listed:
        if name in (r.name, r.city):
            return r
    # A short name ('深圳') counts only when exactly one city's name starts with it.
    short = [r for r in listed if len(name) >= 2 and r.name.startswith(name)]
    return short[0] if len(short) == 1 else None


def counties(city_code: object = None) -> list[Region]:
    """Counties and districts (县级) of one city (by adcode), or of all China when `city_code` is None."""
    t = _table()
    if city_code is None:
        return [r for r in t.rows if r.level == "county"]
    c = city(city_code)
    if c is None:
        return []
    return list(t.children.get(("city", c.code), ()))


def streets(district_code: object) -> list[Region]:
    """The 街道 and 镇 of a Guangzhou district (only Guangzhou's are shipped; [] elsewhere)."""
    key = _code(district_code)
    return list(_table().children.get(("county", key), ())) if key else []


def guangzhou_districts() -> list[Region]:
    """Guangzhou's 11 districts (市辖区), 440103 荔湾区 .. 440118 增城区, in code order."""
    return counties(GUANGZHOU)


def district_short_name(region: Region | str) -> str:
    """The name without its 区/县/市 suffix: '天河区' -> '天河'. Names that would be left with one
    character keep the suffix ('城区')."""
    name = region.name if isinstance(region, Region) else str(region)
    if len(name) > 2 and name[-1] in "区县市":
        return name[:-1]
    return name


@functools.cache
def _district_lookup() -> dict[str, Region]:
    """Every accepted spelling of a Guangzhou district -> the district."""
    out: dict[str, Region] = {}
    for d in guangzhou_districts():
        out[d.name] = d
        out[district_short_name(d)] = d
        out[d.code] = d
        out[_latin_key(GUANGZHOU_PINYIN[d.code])] = d
    by_code = {d.code: d for d in guangzhou_districts()}
    for name, code in GUANGZHOU_FORMER.items():
        out[name] = by_code[code]
    return out


def _latin_key(text: str) -> str:
    """'Tiānhé District' -> 'tianhe': no tone marks, case, spaces, hyphens or District/Qu suffix."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    key = re.sub(r"[\s\-_'’.,]+", "", plain).lower()
    key = re.sub(r"^guangzhou(shi)?", "", key)
    return re.sub(r"(district|qu)$", "", key) or key


_CITY_PREFIX = re.compile(r"^(广东省?)?(广州市?)?")


def resolve_district(text: object) -> Region | None:
    """The Guangzhou district that `text` names: full name 天河区, short name 天河, adcode 440106 (str or
    int), pinyin 'Tianhe' (any case, tone marks, 'District' allowed), 广州市天河区, or a former name (萝岗区
    -> 黄埔区). None when `text` names no Guangzhou district."""
    if text is None or isinstance(text, bool):
        return None
    lookup = _district_lookup()
    code = _code(text)
    if code is not None:
        return lookup.get(code)
    raw = "".join(unicodedata.normalize("NFKC", str(text)).split())
    if not raw:
        return None
    if _latin_key(raw).isascii():  # pinyin, tone marks or not
        return lookup.get(_latin_key(raw))
    name = _CITY_PREFIX.sub("", raw, count=1)
    return lookup.get(name)


@functools.cache
def _address_tables() -> tuple[re.Pattern[str], dict[str, Region], re.Pattern[str], dict[str, Region], tuple]:
    """Patterns for district names, Guangzhou street/town names, and names of places elsewhere."""
    districts = {d.name: d for d in guangzhou_districts()}
    by_code = {d.code: d for d in guangzhou_districts()}
    for name, code in GUANGZHOU_FORMER.items():
        districts[name] = by_code[code]
    # '广州天河' or '广州市天河' without 区 is a common way to write it.
    for d in guangzhou_districts():
        districts["广州" + district_short_name(d)] = d
        districts["广州市" + district_short_name(d)] = d
    street_map = {s.name: by_code[s.parent] for d in by_code.values() for s in streets(d.code)}

    def alternation(names) -> re.Pattern[str]:
        # Longest first so '广州市天河' wins over '广州天河'-like overlaps.
        return re.compile("|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n))))

    elsewhere = tuple(
        r.name
        for r in _table().rows
        if (r.level == "province" and r.code != "440000")
        or (r.level == "city" and r.code not in _table().pseudo_cities and r.city and r.code != GUANGZHOU)
    )
    return alternation(districts), districts, alternation(street_map), street_map, elsewhere


def district_from_address(address: str | None) -> Region | None:
    """The Guangzhou district an address lies in, or None when it names none, names several, or names
    another province or city (and not 广州).

    Reads the district name (天河区; 广州天河; former names like 萝岗区) and, failing that, the name of one
    of Guangzhou's 街道/镇 ('番禺区' for '...石楼镇...').
    """
    if not address:
        return None
    text = "".join(unicodedata.normalize("NFKC", str(address)).split())
    dist_re, dist_map, street_re, street_map, elsewhere = _address_tables()
    # 白云区 is also a district of 贵阳市; a 新塘镇 exists in many provinces.
    if "广州" not in text and any(place in text for place in elsewhere):
        return None
    found = {dist_map[m].code: dist_map[m] for m in dist_re.findall(text)}
    if len(found) == 1:
        return next(iter(found.values()))
    if found:
        return None
    by_street = {street_map[m].code: street_map[m] for m in street_re.findall(text)}
    return next(iter(by_street.values())) if len(by_street) == 1 else None
