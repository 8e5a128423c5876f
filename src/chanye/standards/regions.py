"""China's 行政区划 (administrative divisions), from the NBS 统计用区划代码 (statistical division codes).

`data/regions.csv` (rebuilt by `tools/build_data.py`) holds every province (省级), prefecture city (地级),
county/district (县级) of China, and the streets/towns (街道/镇) of the cities the tool curates. Columns:
code,name,level,parent,province,city,stat_name.

- code: a 6-digit adcode for provinces (440000), cities (440300) and counties (440305); 9 digits for streets.
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
    """The 街道 and 镇 of a district (shipped for the cities tools/build_data.py curates; [] elsewhere)."""
    key = _code(district_code)
    return list(_table().children.get(("county", key), ())) if key else []


def district_short_name(region: Region | str) -> str:
    """The name without its 区/县/市 suffix: '天河区' -> '天河'. Names that would be left with one
    character keep the suffix ('城区')."""
    name = region.name if isinstance(region, Region) else str(region)
    if len(name) > 2 and name[-1] in "区县市":
        return name[:-1]
    return name



def _latin_key(text: str, city_en: str = "") -> str:
    """'Tiānhé District' -> 'tianhe': no tone marks, case, spaces, hyphens, city prefix or District/Qu suffix."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    key = re.sub(r"[\s\-_'’.,]+", "", plain).lower()
    if city_en:
        key = re.sub(rf"^{re.escape(_latin_key(city_en))}(shi)?", "", key)
    return re.sub(r"(district|qu)$", "", key) or key


def _short(name: str, suffixes: str) -> str:
    return name[:-1] if len(name) > 2 and name[-1] in suffixes else name


@dataclass(frozen=True)
class City:
    """A prefecture city and its districts as a framework pack declares them: the adcode, the English names
    of the city and its districts, and former district names that old registrations still carry.

    Every place lookup (a district named in a form, an address, an API parameter) goes through the pack's
    City, so no city is written in code.
    """

    code: str
    name_en: str = ""
    english: tuple[tuple[str, str], ...] = ()  # (district adcode, English name)
    former: tuple[tuple[str, str], ...] = ()  # (former name, district adcode)

    def __post_init__(self) -> None:
        if city(self.code) is None:
            raise ValueError(f"unknown city adcode {self.code!r}")

    @functools.cached_property
    def region(self) -> Region:
        return city(self.code)

    @property
    def name(self) -> str:
        """The Chinese name, e.g. 深圳市."""
        return self.region.name

    def label(self, lang: str = "zh") -> str:
        return (self.name_en or self.name) if lang == "en" else self.name

    @functools.cached_property
    def districts(self) -> tuple[Region, ...]:
        """The city's counties and districts (县级), in code order."""
        return tuple(counties(self.code))

    @functools.cached_property
    def _by_code(self) -> dict[str, Region]:
        """The districts by adcode (a dict lookup: list pages name a district per row)."""
        return {d.code: d for d in self.districts}

    @functools.cached_property
    def _english_by_code(self) -> dict[str, str]:
        return dict(self.english)

    def district(self, code: object) -> Region | None:
        """The city's district with adcode `code` (str or int), or None."""
        key = _code(code)
        return self._by_code.get(key) if key else None

    def district_label(self, code: str, lang: str = "zh") -> str:
        """A district's name in `lang` (the pack's English name; the Chinese one when the pack gives none)."""
        found = self.district(code)
        if found is None:
            return code
        return self._english_by_code.get(found.code, found.name) if lang == "en" else found.name

    def area_label(self, code: str | None, lang: str = "zh") -> str:
        """The city itself (None or its code) or one of its districts, by name."""
        return self.label(lang) if code in (None, "", self.code) else self.district_label(code, lang)

    @functools.cached_property
    def _prefix(self) -> re.Pattern[str]:
        province = self.region.province
        names = {province, _short(province, "省市")} if province else set()
        city_names = {self.name, _short(self.name, "市")}
        alt = lambda words: "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))  # noqa: E731
        return re.compile(f"^({alt(names)})?({alt(city_names)})?" if names else f"^({alt(city_names)})?")

    @functools.cached_property
    def _lookup(self) -> dict[str, Region]:
        """Every accepted spelling of a district -> the district."""
        out: dict[str, Region] = {}
        english = dict(self.english)
        for d in self.districts:
            out[d.name] = d
            out[district_short_name(d)] = d
            out[d.code] = d
            if d.code in english:
                out[_latin_key(english[d.code], self.name_en)] = d
        for name, code in self.former:
            if code in self._by_code:
                out[name] = self._by_code[code]
        return out

    def close_districts(self, text: object, n: int = 3) -> list[Region]:
        """The districts whose names are closest to a misspelt `text` (difflib), for an error's hint (issue 15)."""
        import difflib

        names = {d.name: d for d in self.districts} | {district_short_name(d): d for d in self.districts}
        found = difflib.get_close_matches("".join(str(text).split()), list(names), n=2 * n, cutoff=0.6)
        return list(dict.fromkeys(names[m] for m in found))[:n]

    def resolve_district(self, text: object) -> Region | None:
        """The district that `text` names: full name 天河区, short name 天河, adcode 440106 (str or int),
        the English name 'Tianhe' (any case, tone marks, 'District' allowed), with the province and city
        before it (…省…市天河区), or a former name the pack lists. None when `text` names no district of this city."""
        if text is None or isinstance(text, bool):
            return None
        code = _code(text)
        if code is not None:
            return self._lookup.get(code)
        raw = "".join(unicodedata.normalize("NFKC", str(text)).split())
        if not raw:
            return None
        if _latin_key(raw).isascii():
            return self._lookup.get(_latin_key(raw, self.name_en))
        return self._lookup.get(self._prefix.sub("", raw, count=1))

    @functools.cached_property
    def _address_tables(self) -> tuple[re.Pattern[str], dict[str, Region], re.Pattern[str], dict[str, Region], tuple]:
        """Patterns for district names, street/town names, and names of places elsewhere."""
        by_code = {d.code: d for d in self.districts}
        names = {d.name: d for d in self.districts}
        for name, code in self.former:
            if code in by_code:
                names[name] = by_code[code]
        short_city = _short(self.name, "市")
        # the city's name and a district's without 区 ('…市天河') is a common way to write it.
        for d in self.districts:
            names[short_city + district_short_name(d)] = d
            names[self.name + district_short_name(d)] = d
        street_map = {s.name: by_code[s.parent] for d in by_code.values() for s in streets(d.code)}

        def alternation(words) -> re.Pattern[str]:
            # Longest first so '…市天河' wins over shorter overlaps; a pattern that never matches
            # when there is nothing to find.
            return re.compile("|".join(re.escape(n) for n in sorted(words, key=lambda n: (-len(n), n))) or r"(?!)")

        province_code = self.code[:2] + "0000"
        elsewhere = tuple(
            r.name
            for r in _table().rows
            if (r.level == "province" and r.code != province_code)
            or (r.level == "city" and r.code not in _table().pseudo_cities and r.city and r.code != self.code)
        )
        return alternation(names), names, alternation(street_map), street_map, elsewhere

    def district_from_address(self, address: str | None) -> Region | None:
        """The district an address lies in, or None when it names none, names several, or names another
        province or city (and not this one).

        Reads the district name (天河区; the city's short name and 天河; the pack's former names) and, failing that, the name of one
        of the district's 街道/镇 where those are shipped ('番禺区' for '...石楼镇...').
        """
        if not address:
            return None
        text = "".join(unicodedata.normalize("NFKC", str(address)).split())
        dist_re, dist_map, street_re, street_map, elsewhere = self._address_tables
        # 白云区 is also a district of 贵阳市; a 新塘镇 exists in many provinces.
        if _short(self.name, "市") not in text and any(place in text for place in elsewhere):
            return None
        found = {dist_map[m].code: dist_map[m] for m in dist_re.findall(text)}
        if len(found) == 1:
            return next(iter(found.values()))
        if found:
            return None
        by_street = {street_map[m].code: street_map[m] for m in street_re.findall(text)}
        return next(iter(by_street.values())) if len(by_street) == 1 else None
