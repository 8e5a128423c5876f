"""Validate a raw sheet, column by column (vectorised), into canonical rows, reasons and warnings.

Every input row ends in exactly one of two places: `Validated.rows` (valid) or `Validated.rejected` (with
every reason). Warnings (e.g. a 2011-vintage code converted) travel with valid rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa

from chanye.errors import InputError
from chanye.registry import parse, uscc
from chanye.registry.fields import FIELDS, MEASURES, TAG_ALIASES
from chanye.registry.read import RawSheet, recognise
from chanye.standards import gbt4754, regions
from chanye.standards.regions import City

NON_NEGATIVE = ("revenue", "industrial_output", "employees", "rd_expense", "energy_use", "registered_capital")
# Free-text columns validation keeps as Arrow strings (parse.clean_text(arrow=True); issue 14)
TEXT_COLUMNS = ("name", "address", "business_scope", "industry_name")


@dataclass
class Mapping:
    """How the file's columns map to fields; from header recognition, overridden by a mapping file."""

    columns: dict[str, str] = field(default_factory=dict)  # header -> field name or 'tag:<id>' or 'ignore'
    units: dict[str, str] = field(default_factory=dict)  # field -> unit of the values in the file
    year: int | None = None
    city: str | None = None  # adcode or name of the city the file is about when it has no city column
    vintage: str = "auto"  # GB/T 4754 vintage of the codes: 2017, 2011 or auto (2017 first)

    @classmethod
    def from_yaml(cls, path: str) -> Mapping:
        import yaml

        try:
            with open(path, encoding="utf-8") as fh:
                data = yaml.safe_load(fh) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(f"无法读取映射文件 {path}: {exc} (cannot read mapping file)") from None
        allowed = {"columns", "units", "year", "city", "vintage"}
        unknown = set(data) - allowed
        if unknown:
            raise InputError(
                f"映射文件 {path} 含未知键 {', '.join(sorted(unknown))} (unknown keys)", hint=f"可用: {', '.join(sorted(allowed))}"
            )
        columns = {str(k): str(v) for k, v in (data.get("columns") or {}).items()}
        for header, target in columns.items():
            if target not in FIELDS and target != "ignore" and not (
                target.startswith("tag:") and target[4:] in set(TAG_ALIASES.values())
            ):
                raise InputError(f"映射文件 {path}: 列 {header!r} 指向未知字段 {target!r} (unknown field)",
                                 hint=f"可用字段: {', '.join(FIELDS)}")
        units = {str(k): str(v) for k, v in (data.get("units") or {}).items()}
        for target, unit in units.items():  # checked here: the parsers take an unknown unit for a programming error
            if target not in FIELDS or not FIELDS[target].unit:
                raise InputError(f"映射文件 {path}: units 中的 {target!r} 不是带单位的字段 (not a field with a unit)",
                                 hint=f"可用字段: {', '.join(f for f in FIELDS if FIELDS[f].unit)}")
            info, kind = parse.unit_info(unit), parse.unit_info(FIELDS[target].unit)[0]
            if info is None or info[0] != kind:  # else every row of the column would be quarantined for it
                why = ("无法识别的单位 (unknown unit)" if info is None else
                       "外币需先折算为人民币 (foreign currency: convert to yuan first)" if info[0] == "foreign" else
                       f"与字段的单位 {FIELDS[target].unit} 不是同一类 (not the kind of unit the field takes)")
                raise InputError(f"映射文件 {path}: 字段 {target!r} 的单位 {unit!r}：{why}",
                                 hint=f"可用单位: {', '.join(u for u, (k, _) in parse.UNITS.items() if k == kind)}")
        return cls(columns, units, data.get("year"), str(data["city"]) if data.get("city") else None,
                   str(data.get("vintage", "auto")))


@dataclass
class ColumnPlan:
    index: int
    header: str
    target: str | None  # field name, 'tag:<id>', or None (ignored)
    unit: str | None


def plan_columns(sheet: RawSheet, mapping: Mapping) -> list[ColumnPlan]:
    plans, taken = [], set()
    for j, header in enumerate(sheet.headers):
        target, unit = recognise(header)
        if header in mapping.columns:
            target = None if mapping.columns[header] == "ignore" else mapping.columns[header]
        if target is not None and target in taken:
            target = None  # a second column for the same field is ignored (listed in the report)
        if target is not None:
            taken.add(target)
            unit = mapping.units.get(target, unit)
        plans.append(ColumnPlan(j, header, target, unit))
    return plans


@dataclass
class Validated:
    """A validated sheet. The valid rows are held flat (`core`: one scalar per cell) with their tags and
    warnings as long tables keyed by the row's position in `core`, so that a million rows cost no million
    Python lists on the way to the store; `rows` is the same as one frame with list cells (built on demand)."""

    sheet: str
    core: pd.DataFrame  # canonical columns + row_number (no list cells)
    rejected: pd.DataFrame  # row_number, uscc, raw (dict header -> text), reasons (list of {field, reason})
    plans: list[ColumnPlan]
    blank_rows: int
    has_figures: bool
    tags: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"position": np.array([], "int64"),
                                                                     "tag": np.array([], object)}))
    warnings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({
        "position": np.array([], "int64"), "field": np.array([], object), "reason": np.array([], object)}))

    @cached_property
    def rows(self) -> pd.DataFrame:
        """`core` plus `tags` (list of tag ids) and `warnings` (list of {field, reason}) per row."""
        n = len(self.core)
        tags: list[list[str]] = [[] for _ in range(n)]
        for p, t in zip(self.tags["position"].tolist(), self.tags["tag"].tolist(), strict=True):
            tags[p].append(t)
        warnings: list[list[dict]] = [[] for _ in range(n)]
        for p, f, r in zip(self.warnings["position"].tolist(), self.warnings["field"].tolist(),
                           self.warnings["reason"].tolist(), strict=True):
            warnings[p].append({"field": f, "reason": r})
        frame = self.core.copy()
        for c in TEXT_COLUMNS:  # str / None, as every reader of the rows had them
            if c in frame and frame[c].dtype != object:
                frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
        frame["tags"] = pd.Series(tags, index=frame.index, dtype=object)
        frame["warnings"] = warnings
        return frame


class _Reasons:
    """Per-field reason Series (None = fine), combined at the end into one list per row."""

    def __init__(self, index: pd.Index) -> None:
        self.index = index
        self.columns: list[tuple[str, pd.Series]] = []

    def add(self, field_name: str, reasons: pd.Series) -> None:
        if reasons.notna().any():
            self.columns.append((field_name, reasons))

    def any(self) -> np.ndarray:
        mask = np.zeros(len(self.index), dtype=bool)
        for _, series in self.columns:
            mask |= series.notna().to_numpy()
        return mask

    def items(self, mask: np.ndarray) -> pd.DataFrame:
        """The reasons of the rows in `mask` as a long table: position among those rows, field, reason; in
        row order, then in the order the fields were added (what `lists` gives, without a list per row)."""
        rank = np.cumsum(mask) - 1
        parts = []
        for name, series in self.columns:
            values = series.to_numpy()
            hit = np.flatnonzero(pd.notna(values) & mask)
            parts.append((hit, name, values[hit]))
        if not parts:
            return pd.DataFrame({"position": np.array([], "int64"), "field": np.array([], object),
                                 "reason": np.array([], object)})
        hits = np.concatenate([h for h, _, _ in parts])
        order = np.argsort(hits, kind="stable")
        fields = np.concatenate([np.full(len(h), name, dtype=object) for h, name, _ in parts])
        reasons = np.concatenate([v.astype(object) for _, _, v in parts])
        return pd.DataFrame({"position": rank[hits[order]].astype("int64"), "field": fields[order],
                             "reason": reasons[order]})

    def lists(self, mask: np.ndarray) -> list[list[dict]]:
        out: list[list[dict]] = [[] for _ in range(int(mask.sum()))]
        positions = np.flatnonzero(mask)
        where = {p: i for i, p in enumerate(positions)}
        for name, series in self.columns:
            values = series.to_numpy()
            for p in np.flatnonzero(pd.notna(values) & mask):
                out[where[p]].append({"field": name, "reason": values[p]})
        return out


def _factor(series: pd.Series) -> tuple[np.ndarray, list]:
    """(codes, distinct values): codes index the distinct values, missing cells get len(values)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    codes = np.asarray(codes, dtype=np.int64)
    codes[codes < 0] = len(uniques)
    return codes, list(uniques)


def _lookup(values: list, codes: np.ndarray, missing: object) -> np.ndarray:
    """`values[code]` for every code as an object array; the code len(values) gives `missing`."""
    table = np.empty(len(values) + 1, dtype=object)
    for i, v in enumerate(values):
        table[i] = v
    table[-1] = missing
    return table[codes]


def _lookup_text(values: list, codes: np.ndarray, missing: str | None = None) -> pd.api.extensions.ExtensionArray:
    """`_lookup` for text (None or NaN: missing) as pandas' str array, taken by Arrow: a column of a few distinct
    values is not built from a Python object per row (pandas spent about 10 ms a 250k-row column, issue 14)."""
    return pd.array(pa.array([*values, missing], pa.string(), from_pandas=True).take(pa.array(codes)),
                    dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def _map_unique(series: pd.Series, func) -> pd.Series:
    """Apply a per-value function once per distinct value (codes, districts repeat a lot); a missing cell
    gives NaN (as Series.map with a dict does)."""
    codes, uniques = _factor(series)
    if not uniques:
        return series.map({})
    return pd.Series(_lookup([func(u) for u in uniques], codes, np.nan), index=series.index, dtype=object)


def _message(n: int, where: np.ndarray, texts: pd.Series | np.ndarray, template: str) -> np.ndarray:
    """An object array: `template` filled with the cell's text where `where`, else None (built for the few
    rows concerned only)."""
    out = np.full(n, None, dtype=object)
    hit = np.flatnonzero(where)
    if len(hit):
        out[hit] = [template.format("" if pd.isna(v) else str(v)) for v in np.asarray(texts, dtype=object)[hit]]
    return out


def validate_sheet(sheet: RawSheet, mapping: Mapping, *, city: City, file_label: str = "",
                   seen: SeenKeys | None = None) -> Validated:
    """Check every row of `sheet`. `city` is the pack's city: the default place of every row (unless the
    mapping names another), whose districts are resolved from the district column or the address. `seen`:
    the keys of the sheet's earlier chunks, when it is validated chunk by chunk (updated)."""
    plans = plan_columns(sheet, mapping)
    by_field = {p.target: p for p in plans if p.target}
    label = f"{file_label}（{sheet.name}）" if sheet.name else file_label
    for required in ("uscc", "name"):
        if required not in by_field:
            raise InputError(
                f"{label}: 找不到“{FIELDS[required].zh}”列 (no {FIELDS[required].en} column)",
                hint="检查表头，或用 --mapping 映射文件指定列名",
            )
    data = sheet.data
    n = len(data)
    index = pd.RangeIndex(n)
    reasons = _Reasons(index)
    warnings = _Reasons(index)
    out = pd.DataFrame({"row_number": sheet.row_numbers.to_numpy()}, index=index)

    def column(name: str) -> pd.Series:
        plan = by_field.get(name)
        return data[plan.index] if plan else pd.Series([None] * n, index=index, dtype=object)

    # 统一社会信用代码
    checked = uscc.validate(column("uscc"))
    out["uscc"] = checked.normalised
    reasons.add("uscc", checked.error)
    warnings.add("uscc", checked.warning)

    for name in TEXT_COLUMNS:  # kept as Arrow strings (what the stage writes); `Validated.rows` gives objects
        out[name] = parse.clean_text(column(name), arrow=True, lines=name == "business_scope").values \
            if name in by_field else None
    reasons.add("name", pd.Series(np.where(out["name"].isna(), "缺少企业名称 (missing name)", None), index=index))

    _validate_place(out, column, by_field, mapping, reasons, city)
    _validate_code(out, column("industry_code"), mapping.vintage, reasons, warnings)

    money = parse.parse_amount(column("registered_capital"), by_field["registered_capital"].unit, "万元") \
        if "registered_capital" in by_field else None
    out["registered_capital"] = money.values if money is not None else np.nan
    if money is not None:
        reasons.add("registered_capital", money.error)
    if "founded" in by_field:
        founded = parse.parse_date(column("founded"))
        out["founded"] = founded.values
        reasons.add("founded", founded.error)
    else:
        out["founded"] = pd.NaT

    measure_plans = [by_field[m] for m in MEASURES if m in by_field]
    has_figures = bool(measure_plans)
    if "year" in by_field:
        years = parse.parse_year(column("year"))
        out["year"] = years.values
        reasons.add("year", years.error)
        if mapping.year is not None:
            out["year"] = out["year"].fillna(mapping.year)
    else:
        out["year"] = mapping.year
    if has_figures and mapping.year is None and "year" not in by_field:
        raise InputError(f"{label}: 有年度指标列但没有年份列 (figures without a year)", hint="用 --year 指定年份，例如 --year 2024")
    if has_figures:
        reasons.add("year", pd.Series(np.where(pd.isna(out["year"]), "缺少年份 (missing year)", None), index=index))
    for m in MEASURES:
        plan = by_field.get(m)
        if plan is None:
            out[m] = np.nan
            continue
        if m == "employees":
            result = parse.parse_count(column(m), plan.unit)
        else:
            result = parse.parse_amount(column(m), plan.unit, FIELDS[m].unit)
        out[m] = result.values
        reasons.add(m, result.error)
    for m in NON_NEGATIVE:
        if m in out and by_field.get(m):
            negative = (pd.to_numeric(out[m], errors="coerce").astype("float64") < 0).to_numpy()
            reasons.add(m, pd.Series(np.where(negative, f"{FIELDS[m].zh}不能为负 (must not be negative)", None),
                                     index=index))

    tag_rows = _validate_tags(data, plans, reasons, n)

    _reject_duplicates(out, reasons, "year" in by_field or mapping.year is not None, seen)

    bad = reasons.any()
    valid = out[~bad].reset_index(drop=True)
    rank = np.cumsum(~bad) - 1
    kept = [(int(rank[p]), t) for p, tags in sorted(tag_rows.items()) if not bad[p] for t in tags]
    tag_table = pd.DataFrame({"position": np.array([p for p, _ in kept], dtype="int64"),
                              "tag": np.array([t for _, t in kept], dtype=object)})
    rejected = pd.DataFrame({
        "row_number": out.loc[bad, "row_number"].to_numpy(),
        "uscc": out.loc[bad, "uscc"].to_numpy(),
        "raw": _raw_records(sheet, np.flatnonzero(bad)),
        "reasons": reasons.lists(bad),
    })
    return Validated(sheet.name, valid, rejected, plans, sheet.blank_rows, has_figures, tag_table,
                     warnings.items(~bad))


def _raw_records(sheet: RawSheet, positions: np.ndarray) -> list[dict]:
    if len(positions) == 0:
        return []
    rows = sheet.data.iloc[positions]
    return [
        {sheet.headers[j]: value for j, value in enumerate(rec) if j < len(sheet.headers)}
        for rec in rows.itertuples(index=False, name=None)
    ]


def _validate_place(out: pd.DataFrame, column, by_field: dict, mapping: Mapping, reasons: _Reasons,
                    home: City) -> None:
    """City and district (所属区). Never from USCC positions 3-8: from the column, else the address. The
    districts of `home` (the pack's city) are required and checked; another city's are matched by name. Both
    columns repeat a few names: each distinct text is cleaned and resolved once (issue 14)."""
    n = len(out)
    default_city = regions.city(mapping.city) if mapping.city else home.region
    if mapping.city and default_city is None:
        raise InputError(f"无法识别的城市 {mapping.city!r} (unknown city in mapping)")
    if "city" in by_field:
        at_city, names = _distinct_clean(column("city"))
        found = [None if v is None else (c.code if (c := regions.city(v)) else "?") for v in names]
        bad = np.array([f == "?" for f in found] + [False])[at_city]
        reasons.add("city", pd.Series(_message(n, bad, _lookup(names, at_city, None), "无法识别的城市 '{}' (unknown city)"),
                                      index=out.index))
        cities = [default_city.code if f in (None, "?") else f for f in found]
    else:
        at_city, cities = np.zeros(n, np.int64), []  # every row has the missing code: the default city
    out["city_code"] = _lookup_text(cities, at_city, default_city.code)
    in_home = np.array([c == home.code for c in [*cities, default_city.code]])[at_city]

    at, names = _distinct_clean(column("district")) if "district" in by_field else (np.zeros(n, np.int64), [])
    named = np.array([v is not None for v in names] + [False])[at]
    district_raw = _lookup(names, at, None)
    resolved = [None if v is None else (d.code if (d := home.resolve_district(v)) else None) for v in names]
    district = _lookup(resolved, at, None)
    district[~in_home] = None
    # Other cities: match the county by name within that city; no error when it does not resolve.
    others = ~in_home & named
    if others.any():
        pairs = pd.Series(list(zip(_lookup(cities, at_city[others], default_city.code), district_raw[others],
                                   strict=True)))
        district[others] = _map_unique(pairs, _county_code).to_numpy()
    unresolved_named = in_home & np.array([v is not None and r is None for v, r in zip(names, resolved, strict=True)]
                                          + [False])[at]
    template = "无法识别的区 '{}'" + f"：不是{home.name}的区 (not a district of {home.label('en')})"
    reasons.add("district", pd.Series(_message(n, unresolved_named, district_raw, template), index=out.index))
    need_address = in_home & ~named
    missing = np.zeros(n, dtype=bool)
    if need_address.any():
        from_address = _map_unique(out["address"][need_address],
                                   lambda a: (d.code if (d := home.district_from_address(a)) else None)).to_numpy()
        district[need_address] = from_address
        missing[need_address] = pd.isna(from_address)
    reasons.add("district", pd.Series(np.where(
        missing, "缺少所属区，且无法从注册地址判断 (district missing and not found in the address)", None
    ), index=out.index))
    out["district_code"] = district


def _distinct_clean(series: pd.Series) -> tuple[np.ndarray, list]:
    """(codes, the distinct texts cleaned as `parse.clean_text` cleans them, None for a blank one): the column
    cleaned once per distinct text; the code len(texts) is a missing cell."""
    codes, uniques = _factor(series)
    return codes, list(parse.clean_text(pd.Series(uniques, dtype=object)).values) if uniques else []


def _county_code(pair: tuple[str, str]) -> str | None:
    city_code, name = pair
    for county in regions.counties(city_code):
        if name in (county.name, regions.district_short_name(county), county.code):
            return county.code
    return None


def _validate_code(out: pd.DataFrame, raw: pd.Series, vintage: str, reasons: _Reasons, warnings: _Reasons) -> None:
    """GB/T 4754-2017 小类; 2011-vintage codes via the crosswalk (flagged); unknown codes predicted later."""
    std = gbt4754.load()

    def decide(code: str) -> tuple[str | None, str, str | None, str | None]:
        # -> (2017 小类 or None, vintage, error, warning)
        if vintage != "2011" and code in std:
            level = std.get(code).level
            if level == "class":
                return code, "2017", None, None
            return None, "2017", None, f"行业代码 {code} 只到{gbt4754.LEVEL_ZH[level]}，将按经营范围预测小类 (code is not a 4-digit class)"
        if vintage in ("2011", "auto"):
            mapped = gbt4754.map_2011_code(code)
            if mapped:
                extra = f"（另可对应 {'、'.join(mapped[1:])}）" if len(mapped) > 1 else ""
                return mapped[0], "2011", None, f"2011版代码 {code} 已转换为2017版 {mapped[0]}{extra} (converted from GB/T 4754-2011)"
        return None, None, f"行业代码 {code} 不在 GB/T 4754-2017 中 (unknown GB/T 4754 code)", None

    # Decided once per distinct raw cell, then spread to the rows by code (no per-row Python).
    codes, uniques = _factor(raw)
    normal = [gbt4754.normalise_code(u) for u in uniques]
    parts = [decide(c) if isinstance(c, str) else None for c in normal]
    out["industry_code_raw"] = _lookup_text(normal, codes) if uniques else raw.map({}).to_numpy()
    out["industry_code"] = _lookup_text([p[0] if p else None for p in parts], codes)
    out["code_vintage"] = _lookup_text([p[1] if p else None for p in parts], codes)
    error = _lookup([p[2] if p else None for p in parts], codes, None)
    warning = _lookup([p[3] if p else None for p in parts], codes, None)
    predicted = _lookup([p[2].replace(" (unknown GB/T 4754 code)", "，将按经营范围预测 (unknown code; predicted from the "
                                      "business scope)") if p and p[2] else None for p in parts], codes, None)
    # An unknown code is an error only when no business scope lets the text model predict the class.
    has_scope = out["business_scope"].notna().to_numpy()
    has_error = pd.notna(error)
    warning = pd.Series(np.where(has_error & has_scope, predicted, warning), index=out.index, dtype=object)
    error = pd.Series(np.where(has_scope, None, error), index=out.index, dtype=object)
    reasons.add("industry_code", error)
    warnings.add("industry_code", warning)


def _validate_tags(data: pd.DataFrame, plans: list[ColumnPlan], reasons: _Reasons, n: int) -> dict[int, list[str]]:
    """Tags from a 标签 column ("高新技术企业；专精特新") and from flag columns (是否高新技术企业: 是/否):
    row position -> its tags (column order, then flags not already there), for the rows that have any."""
    tags: dict[int, list[str]] = {}
    for plan in plans:
        if plan.target == "tags":
            result = parse.parse_tags(data[plan.index])
            reasons.add("tags", result.error)
            values = result.values.to_numpy(dtype=object)
            for p in np.flatnonzero([isinstance(v, list) and len(v) > 0 for v in values]):
                row = tags.setdefault(int(p), [])  # parse_tags shares list objects between equal cells: copy
                row.extend(t for t in values[p] if t not in row)
        elif plan.target and plan.target.startswith("tag:"):
            tag = plan.target[4:]
            result = parse.parse_flag(data[plan.index])
            reasons.add(plan.header, result.error)
            for p in np.flatnonzero(result.values.fillna(False).to_numpy(bool)):
                row = tags.setdefault(int(p), [])
                if tag not in row:
                    row.append(tag)
    return tags


class SeenKeys:
    """The keys (USCC, or USCC + year) of a sheet's rows validated so far, with the row each was first seen
    on, so that a sheet validated in chunks quarantines a repeat in a later chunk just as a whole sheet would.
    Held in a private in-memory DuckDB table (compact; a chunk is matched by one hash join, not row by row)."""

    def __init__(self) -> None:
        self.con = None

    def first_rows(self, uscc_codes: pa.Array, years: np.ndarray, rows: np.ndarray, new: np.ndarray) -> np.ndarray:
        """For each key, the row number an earlier chunk first had it on (-1: none); then remembers the keys
        where `new` (first in this chunk and not seen before) is true."""
        import duckdb

        n = len(uscc_codes)
        chunk = pa.table({"i": pa.array(np.arange(n, dtype=np.int64)), "k": uscc_codes,
                          "y": pa.array(years, pa.int64()), "r": pa.array(rows.astype(np.int64))})
        earlier = np.full(n, -1, dtype=np.int64)
        if self.con is None:
            self.con = duckdb.connect(config={"threads": 1, "memory_limit": "512MB"})
            self.con.execute("CREATE TABLE seen (k VARCHAR, y BIGINT, r BIGINT)")
        else:
            hits = self.con.execute("SELECT c.i, s.r FROM chunk c JOIN seen s ON c.k = s.k AND c.y = s.y").fetchnumpy()
            earlier[hits["i"]] = hits["r"]
            new = new & (earlier < 0)
        self.con.register("fresh", chunk.filter(pa.array(new)))
        self.con.execute("INSERT INTO seen SELECT k, y, r FROM fresh")
        self.con.unregister("fresh")
        return earlier


def _reject_duplicates(out: pd.DataFrame, reasons: _Reasons, by_year: bool, seen: SeenKeys | None = None) -> None:
    """The second and later rows with the same USCC (and year) are quarantined, naming the first row (in an
    earlier chunk of the sheet too, with `seen`)."""
    keys = ["uscc", "year"] if by_year else ["uscc"]
    present = out["uscc"].notna()
    if not present.any():
        return
    frame = out.loc[present, [*keys, "row_number"]]
    dup = frame.duplicated(keys, keep="first")
    earlier = None
    if seen is not None:
        years = pd.to_numeric(frame["year"], errors="coerce").to_numpy("float64", na_value=np.nan) if by_year \
            else np.zeros(len(frame))
        years = np.where(np.isnan(years), -1, years).astype(np.int64)  # -1: no year (years are positive)
        earlier = seen.first_rows(pa.array(frame["uscc"].array, pa.string()), years, frame["row_number"].to_numpy(),
                                  ~dup.to_numpy())
        if (earlier >= 0).any():
            dup = dup | (earlier >= 0)
    if not dup.any():
        return
    first = frame.drop_duplicates(keys, keep="first").set_index(keys)["row_number"]
    firsts = frame.loc[dup].join(first.rename("first"), on=keys)["first"]
    if earlier is not None:
        before = earlier[dup.to_numpy()]
        firsts = pd.Series(np.where(before >= 0, before, firsts.to_numpy()), index=firsts.index)
    message = pd.Series(None, index=out.index, dtype=object)
    message.loc[firsts.index] = [f"与第 {int(r)} 行重复 (duplicate of row {int(r)})" for r in firsts]
    reasons.add("uscc", message)
