"""Rebuild the standards data shipped in `src/chanye/standards/data/` from the raw sources.

Reads `../shared/data/raw/*` (or `--raw DIR`) and writes:

- `gbt4754_2017.csv`: GB/T 4754-2017 国民经济行业分类 (industrial classification), every 门类/大类/中类/小类,
  reconciled from three sources that disagree (see `reconcile_gbt4754` and SOURCES.md);
- `gbt4754_2011_2017.csv`: the 2011 -> 2017 小类 crosswalk (对照表) with the names of both sides;
- `regions.csv`: 统计用区划代码 (administrative divisions): provinces, prefecture cities and counties of all
  China, and Guangzhou's streets/towns (街道/镇).

Output is deterministic (sorted rows, UTF-8 without BOM, LF, the csv module), so a second run gives
byte-identical files and `tests/standards/test_build_data.py` can compare them with the shipped ones.

    .venv/bin/python tools/build_data.py [--raw DIR] [--out DIR] [-v]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_RAW = REPO.parent / "shared" / "data" / "raw"
DEFAULT_OUT = REPO / "src" / "chanye" / "standards" / "data"

GBT_COLUMNS = ("code", "name", "level", "parent", "section", "note")
CROSSWALK_COLUMNS = ("code_2011", "name_2011", "code_2017", "name_2017", "remark", "pdf_page")
REGION_COLUMNS = ("code", "name", "level", "parent", "province", "city", "stat_name")

LEVEL_BY_LENGTH = {1: "section", 2: "division", 3: "group", 4: "class"}
REGION_LEVEL_RANK = {"province": 0, "city": 1, "county": 2, "street": 3}
GUANGZHOU_PREFIX = "4401"

# A 说明 glued onto a name starts with 指 and runs on; real names that contain 指 (7264 创业指导服务) have
# only a few characters after it.
MIN_GLUED_NOTE = 8

# The appendix row "7289 其他会议、展览及相关服务 7289 会议及展览服务 新增，将原 7292 分解" prints 2011 code
# 7289 where its own remark and name say 7292 (2011's 7289 is 其他安全保护服务, which goes to 2017's 7279).
CROSSWALK_PAIR_FIXES = {("7289", "7289"): ("7292", "7289")}

# NBS groups the counties that a province (not a prefecture) administers under a pseudo city.
PSEUDO_CITY = re.compile(r"直辖县级行政区划$")


@dataclass
class Log:
    """What the build changed relative to its sources, by topic, for `-v` and for SOURCES.md's tests."""

    entries: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, topic: str, text: str) -> None:
        self.entries[topic].append(text)

    def print(self, out=sys.stderr) -> None:
        for topic in sorted(self.entries):
            lines = self.entries[topic]
            print(f"## {topic} ({len(lines)})", file=out)
            for line in lines:
                print(f"  {line}", file=out)


# ---------------------------------------------------------------------------------------------- GB/T 4754


def _paren(name: str) -> str:
    """The standard writes full-width brackets; the PDF-parsed crosswalk mixes in ASCII ones."""
    return name.replace("(", "（").replace(")", "）")


def _read_tree(raw: Path) -> dict[str, tuple[str, str | None]]:
    """code -> (name, parent code) from the tree source, in document order."""
    out: dict[str, tuple[str, str | None]] = {}

    def walk(node: dict, parent: str | None) -> None:
        out[node["code"]] = (node["name"], parent)
        for child in node.get("children", []):
            walk(child, node["code"])

    for node in json.loads((raw / "gbt4754_2017_tree.json").read_text(encoding="utf-8")):
        walk(node, None)
    return out


def _read_flat(raw: Path) -> dict[str, dict]:
    """code -> record from the flat source (门类 records carry no code, only their letter)."""
    records = json.loads((raw / "gbt4754_2017_flat.json").read_text(encoding="utf-8"))
    return {rec.get("code", rec["category"]): rec for rec in records}


_LINE = re.compile(r"^(\d{4}) (\S+) (\d{4}) (\S+)(?: (.*))?$")


@dataclass(frozen=True)
class RawPair:
    code_2011: str
    code_2017: str
    page: str
    line_2017: str  # the 2017 code printed on the source line
    name_2017: str
    line_2011: str
    name_2011: str
    remark: str


def _read_crosswalk(raw: Path) -> list[RawPair]:
    """The appendix lines: '2017 code, 2017 name, 2011 code, 2011 name[, remark]' (2017 side first)."""
    out = []
    with (raw / "gbt4754_2011_2017_crosswalk_raw.csv").open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            m = _LINE.match(row["source_line"])
            if not m:
                raise ValueError(f"unparsed crosswalk line: {row['source_line']!r}")
            c17, n17, c11, n11, remark = m.groups()
            out.append(
                RawPair(row["S_2011"], row["S_2017"], row["pdf_page"], c17, n17, c11, n11, remark or "")
            )
    return out


def _split_glued(name: str, stem: str) -> tuple[str, str]:
    """Split `name` into (name, 说明) where a note starting with 指 was glued on; `stem` is another
    source's name for the code (possibly cut short), which the real name must start with."""
    for i, ch in enumerate(name):
        if ch == "指" and len(name) - i >= MIN_GLUED_NOTE and name[:i].startswith(stem):
            return name[:i], name[i:]
    return name, ""


def _pick(code: str, candidates: dict[str, str], log: Log) -> str:
    """Choose one name from the sources' candidates: the longest one the others are prefixes of (names
    are only ever cut at the end); when two sources conflict, the name most sources share."""
    values = {v for v in candidates.values() if v}
    if len(values) == 1:
        return values.pop()
    complete = [v for v in values if all(v.startswith(o) for o in values)]
    if complete:
        best = max(complete, key=len)
        cut = sorted(src for src, v in candidates.items() if v and v != best)
        log.add("names completed", f"{code} {best} (cut short in: {', '.join(cut)})")
        return best
    votes = Counter(v for v in candidates.values() if v)
    best, n = votes.most_common(1)[0]
    if n < 2:
        # No majority: the crosswalk comes from the standard's own appendix.
        best = candidates.get("crosswalk") or best
    others = sorted(f"{src}: {v}" for src, v in candidates.items() if v and v != best)
    log.add("names in conflict", f"{code} {best} (rejected {'; '.join(others)})")
    return best


def reconcile_gbt4754(raw: Path, log: Log) -> list[dict[str, str]]:
    """Reconcile the tree, flat and crosswalk sources into one row per code (columns GBT_COLUMNS)."""
    tree = _read_tree(raw)
    flat = _read_flat(raw)
    pairs = _read_crosswalk(raw)

    cw_names: dict[str, str] = {}
    for p in pairs:
        if p.line_2017 == p.code_2017:
            cw_names[p.code_2017] = _paren(p.name_2017)

    children: dict[str, list[str]] = defaultdict(list)
    for code, (_, parent) in tree.items():
        if parent:
            children[parent].append(code)

    names: dict[str, str] = {}
    notes: dict[str, str] = {}
    moved_notes: dict[str, str] = {}
    # Parents before children: a 小类 coded 中类+"0" repeats its 中类's name, which is decided first.
    for code, (tree_name, parent) in tree.items():
        cands: dict[str, str] = {}
        t = tree_name.strip()
        if t != tree_name:
            log.add("whitespace stripped", f"{code} {t} (tree: {tree_name!r})")
        t_parts = re.split(r"\s+", t, maxsplit=1)
        if len(t_parts) == 2:
            log.add("glued notes removed", f"{code} {t_parts[0]} (tree: {t!r})")
        cands["tree"] = _paren(t_parts[0])

        rec = flat.get(code)
        note = ""
        if rec is not None:
            f = rec["name"].strip()
            note = rec.get("comment", "").strip()
            kids = children.get(code, [])
            if kids and f != t and f == t + tree[kids[0]][0].strip():
                # The flat source merged a 中类 with its first 小类 (905 + 9051 文化活动服务); the note
                # it carries is that 小类's.
                log.add("garbled names fixed", f"{code} {t} (flat: {f}; its 说明 moved to {kids[0]})")
                moved_notes[kids[0]] = note
                f, note = t, ""
            else:
                f, glued = _split_glued(f, cands["tree"])
                if glued:
                    log.add("glued notes removed", f"{code} {f} (flat: name + {glued[:12]}…)")
                    note = note or glued
            cands["flat"] = _paren(f)
        if code in cw_names:
            cands["crosswalk"] = cw_names[code]
        if len(code) == 4 and code.endswith("0") and parent in names:
            cands["group"] = names[parent]
        names[code] = _pick(code, cands, log)
        notes[code] = note

    for code, note in moved_notes.items():
        if not notes.get(code):
            notes[code] = note
    for code, (_, parent) in tree.items():
        # In the standard a 小类 coded 中类+"0" shares its 中类's row, and so its 说明; the flat source
        # omits these 小类 altogether.
        if len(code) == 4 and code.endswith("0") and not notes[code] and parent and notes.get(parent):
            notes[code] = notes[parent]
            log.add("notes shared with 中类", f"{code} {names[code]}")
        # One 门类 note reads "本类包括"; the other nineteen say "本门类包括".
        if len(code) == 1 and notes[code].startswith("本类包括"):
            notes[code] = "本门类" + notes[code][len("本类") :]
            log.add("notes normalised", f"{code} {notes[code]}")

    rows = []
    for code, (_, parent) in tree.items():
        section = code if code.isalpha() else _section_of(code, tree)
        rows.append(
            {
                "code": code,
                "name": names[code],
                "level": LEVEL_BY_LENGTH[len(code)],
                "parent": parent or "",
                "section": section,
                "note": re.sub(r"\s+", " ", notes[code]),
            }
        )
    _check_gbt(rows)
    # Depth-first document order: a 门类's letter, then its codes (a prefix sorts before its extensions).
    rows.sort(key=lambda r: (r["section"], "" if r["level"] == "section" else r["code"]))
    return rows


def _section_of(code: str, tree: dict[str, tuple[str, str | None]]) -> str:
    parent = tree[code][1]
    while parent and not parent.isalpha():
        parent = tree[parent][1]
    if not parent:
        raise ValueError(f"{code} has no 门类")
    return parent


def _check_gbt(rows: list[dict[str, str]]) -> None:
    """Fail the build rather than ship a standard with the wrong shape."""
    by_code = {r["code"]: r for r in rows}
    counts = Counter(r["level"] for r in rows)
    expected = {"section": 20, "division": 97, "group": 473, "class": 1381}
    if dict(counts) != expected:
        raise ValueError(f"GB/T 4754-2017 counts {dict(counts)} != {expected}")
    parent_level = {"division": "section", "group": "division", "class": "group"}
    for r in rows:
        if r["level"] == "section":
            continue
        p = by_code.get(r["parent"])
        if (
            p is None
            or p["level"] != parent_level[r["level"]]
            or not r["code"].startswith("" if p["level"] == "section" else p["code"])
        ):
            raise ValueError(f"bad parent for {r['code']}: {r['parent']!r}")


def build_crosswalk(raw: Path, names_2017: dict[str, str], log: Log) -> list[dict[str, str]]:
    """The 2011 -> 2017 小类 crosswalk, one row per pair, with both sides' names."""
    pairs = _read_crosswalk(raw)

    # A 2011 name is known from lines whose printed 2011 code is the row's own; merged-cell rows print
    # another 2011 code (the one their remark names first) and say nothing about this one's name.
    printed_2011: dict[str, Counter] = defaultdict(Counter)
    for p in pairs:
        if (p.code_2011, p.code_2017) in CROSSWALK_PAIR_FIXES:
            continue
        if p.line_2011 == p.code_2011:
            printed_2011[p.code_2011][_paren(p.name_2011)] += 1

    rows = []
    for p in pairs:
        code_2011, code_2017 = CROSSWALK_PAIR_FIXES.get(
            (p.code_2011, p.code_2017), (p.code_2011, p.code_2017)
        )
        if (code_2011, code_2017) != (p.code_2011, p.code_2017):
            log.add(
                "crosswalk pairs fixed", f"{p.code_2011} -> {p.code_2017} read as {code_2011} -> {code_2017}"
            )
        if code_2017 not in names_2017:
            raise ValueError(f"crosswalk names unknown 2017 code {code_2017}")
        found = printed_2011.get(code_2011)
        if found and len(found) > 1:
            raise ValueError(f"2011 code {code_2011} printed with several names: {sorted(found)}")
        name_2011 = next(iter(found)) if found else ""
        full_2017 = names_2017[code_2017]
        # The appendix cuts names at its column width. A row with no remark is a class that changed
        # nothing but perhaps its code, so a cut 2011 name that the full 2017 name extends is that name.
        if (
            name_2011
            and name_2011 != full_2017
            and full_2017.startswith(name_2011)
            and not p.remark
            and code_2011 == p.line_2011
        ):
            log.add("2011 names completed", f"{code_2011} {full_2017} (printed: {name_2011})")
            name_2011 = full_2017
        rows.append(
            {
                "code_2011": code_2011,
                "name_2011": name_2011,
                "code_2017": code_2017,
                "name_2017": full_2017,
                "remark": p.remark,
                "pdf_page": p.page,
            }
        )
    # The row fix above completes some 2011 names via one row only; give every row of a code the same name.
    best_2011: dict[str, str] = {}
    for r in rows:
        if len(r["name_2011"]) > len(best_2011.get(r["code_2011"], "")):
            best_2011[r["code_2011"]] = r["name_2011"]
    for r in rows:
        r["name_2011"] = best_2011.get(r["code_2011"], "")
    rows.sort(key=lambda r: (r["code_2011"], r["code_2017"]))
    keys = [(r["code_2011"], r["code_2017"]) for r in rows]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate crosswalk pairs")
    if {r["code_2017"] for r in rows} != set(names_2017):
        raise ValueError("crosswalk does not cover every 2017 小类")
    return rows


# ---------------------------------------------------------------------------------------------- regions


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def build_regions(raw: Path, log: Log) -> list[dict[str, str]]:
    """Provinces, cities and counties of China and Guangzhou's streets/towns, with 6-digit adcodes (the
    raw files code provinces with 2 digits and cities with 4)."""
    provinces = {r["code"]: r["name"] for r in _read_csv(raw / "admin_provinces.csv")}
    rows: list[dict[str, str]] = []
    for code, name in provinces.items():
        rows.append(_region(code + "0000", name, "province", "", name, "", name))

    city_names: dict[str, str] = {}  # 4-digit code -> the name later code should say
    for r in _read_csv(raw / "admin_cities.csv"):
        province = provinces[r["provinceCode"]]
        stat = r["name"]
        if stat in ("市辖区", "县"):
            # A municipality's 市辖区 (and Chongqing's 县) are the municipality itself to a reader.
            name = city = province
            log.add("municipality cities named", f"{r['code']}00 {province} (NBS: {stat})")
        elif PSEUDO_CITY.search(stat):
            name, city = stat, ""  # no prefecture: its counties answer to the province
        else:
            name = city = stat
        city_names[r["code"]] = city
        rows.append(_region(r["code"] + "00", name, "city", r["provinceCode"] + "0000", province, city, stat))

    for r in _read_csv(raw / "admin_areas.csv"):
        province = provinces[r["provinceCode"]]
        rows.append(
            _region(
                r["code"],
                r["name"],
                "county",
                r["cityCode"] + "00",
                province,
                city_names[r["cityCode"]],
                r["name"],
            )
        )

    for r in _read_csv(raw / "admin_streets.csv"):
        if not r["areaCode"].startswith(GUANGZHOU_PREFIX):
            continue
        province = provinces[r["provinceCode"]]
        rows.append(
            _region(
                r["code"], r["name"], "street", r["areaCode"], province, city_names[r["cityCode"]], r["name"]
            )
        )

    rows.sort(key=lambda r: (REGION_LEVEL_RANK[r["level"]], r["code"]))
    keys = [(r["level"], r["code"]) for r in rows]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate region codes within a level")
    return rows


def _region(code: str, name: str, level: str, parent: str, province: str, city: str, stat: str) -> dict:
    return {
        "code": code,
        "name": name,
        "level": level,
        "parent": parent,
        "province": province,
        "city": city,
        "stat_name": stat,
    }


# ---------------------------------------------------------------------------------------------- output


def write_csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    """UTF-8 without BOM, LF endings, minimal quoting: the same bytes on every machine."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n", extrasaction="raise")
        writer.writeheader()
        writer.writerows(rows)


def build(raw: Path, out: Path) -> Log:
    """Write every curated file into `out`; return the log of what was reconciled."""
    if not raw.is_dir():
        raise FileNotFoundError(f"raw data directory not found: {raw}")
    log = Log()
    gbt = reconcile_gbt4754(raw, log)
    names_2017 = {r["code"]: r["name"] for r in gbt if r["level"] == "class"}
    crosswalk = build_crosswalk(raw, names_2017, log)
    regions = build_regions(raw, log)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "gbt4754_2017.csv", GBT_COLUMNS, gbt)
    write_csv(out / "gbt4754_2011_2017.csv", CROSSWALK_COLUMNS, crosswalk)
    write_csv(out / "regions.csv", REGION_COLUMNS, regions)
    return log


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=DEFAULT_RAW, help=f"raw data (default {DEFAULT_RAW})")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print every reconciliation")
    args = parser.parse_args(argv)
    try:
        log = build(args.raw, args.out)
    except (FileNotFoundError, ValueError) as exc:
        print(f"build_data: {exc}", file=sys.stderr)
        return 1
    if args.verbose:
        log.print()
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
