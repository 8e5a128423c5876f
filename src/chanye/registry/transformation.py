"""数智化、绿色化 transformation indicators of firms (issue 13 §6): the file format, its import and the query.

One row per firm (统一社会信用代码) and year: 智能制造能力成熟度 level (GB/T 39116-2020, 1–5), 两化融合管理体系
评定 level (GB/T 23001 分级, 1–5 or A–AAAAA), 工业互联网平台应用, 数字化车间 / 智能工厂 / 绿色工厂 designations
(是/否; 国家级/省级/市级 count as 是), 综合能源消费量 (吨标准煤) and 二氧化碳排放量 (吨 CO2). The table is
`firm_transformation` (migration 8 in registry/store.py MIGRATIONS).

`import_file` reads a CSV or XLSX, checks every row and writes in one transaction: good rows upserted by
USCC + year (a blank cell keeps the stored value; the same file again changes nothing), bad rows to the
quarantine with their file, row number, field and reason, and a batch record (kind 'transformation'). A row
whose firm is not in the registry is quarantined: import the firm first. The template's rows marked 示例 in
the 备注 column are skipped.
"""

from __future__ import annotations

import json
import re
import time
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from chanye.errors import InputError
from chanye.registry import uscc as uscc_codes
from chanye.registry.store import Store
from chanye.registry.xlsx_guard import check_workbook

TABLE = "firm_transformation"
KIND = "transformation"
SHEET = "转型指标"


@dataclass(frozen=True)
class Item:
    """One column of the file: machine key, Chinese and English header, unit word, kind, example value."""

    key: str
    zh: str
    en: str
    unit: str
    kind: str  # uscc | year | level | flag | amount | note
    example: Any
    aliases: tuple[str, ...] = ()


ITEMS: tuple[Item, ...] = (
    Item("uscc", "统一社会信用代码", "USCC", "", "uscc", "91440101MA59XXXXXX", ("社会信用代码", "信用代码", "uscc")),
    Item("year", "年份", "Year", "", "year", 2024, ("年度", "year")),
    Item("smart_level", "智能制造能力成熟度等级", "Smart manufacturing maturity level", "1–5", "level", 3,
         ("智能制造能力成熟度", "智能制造等级", "智能制造水平", "smart_level")),
    Item("integration_level", "两化融合管理体系评定等级", "IT-industrialisation integration level", "1–5 或 A–AAAAA",
         "level", "AA", ("两化融合评定等级", "两化融合等级", "两化融合", "integration_level")),
    Item("iip_platform", "工业互联网平台应用", "Uses an industrial internet platform", "是/否", "flag", "是",
         ("工业互联网", "上云上平台", "iip_platform")),
    Item("digital_workshop", "数字化车间", "Digital workshop", "是/否", "flag", "否", ("digital_workshop",)),
    Item("smart_factory", "智能工厂", "Smart factory", "是/否", "flag", "省级", ("smart_factory",)),
    Item("green_factory", "绿色工厂", "Green factory", "是/否", "flag", "国家级", ("green_factory",)),
    Item("energy_tce", "综合能源消费量", "Energy use", "吨标准煤", "amount", 1250.5,
         ("能源消费量", "能耗", "energy_tce", "energy")),
    Item("carbon_tco2", "二氧化碳排放量", "CO2 emissions", "吨CO2", "amount", 2980,
         ("碳排放量", "碳排放", "二氧化碳排放", "carbon_tco2", "carbon")),
    Item("note", "备注", "Note", "", "note", "示例，导入前删除本行", ("说明", "note")),
)
BY_KEY = {i.key: i for i in ITEMS}
# Unit words a header may carry in brackets, as the factor to the stored unit (吨标准煤, 吨 CO2).
UNIT_FACTORS = {"energy_tce": {"吨标准煤": 1.0, "tce": 1.0, "吨": 1.0, "万吨标准煤": 1e4, "万吨": 1e4},
                "carbon_tco2": {"吨co2": 1.0, "吨": 1.0, "tco2": 1.0, "吨二氧化碳": 1.0, "万吨co2": 1e4, "万吨": 1e4,
                                "万吨二氧化碳": 1e4}}
YES = frozenset({"是", "有", "y", "yes", "true", "1", "已认定", "国家级", "省级", "市级", "区级"})
NO = frozenset({"否", "无", "n", "no", "false", "0", "未认定"})
LEVEL_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
_BRACKET = re.compile(r"^(.*?)[（(]([^）)]*)[）)]\s*$")
_MISSING = frozenset({"", "—", "——", "-", "nan", "none", "null", "n/a", "/"})


def template_header(item: Item, lang: str = "zh") -> str:
    """'综合能源消费量（吨标准煤）': the header, with the unit in brackets where there is one."""
    name = item.en if lang == "en" else item.zh
    return f"{name}（{item.unit}）" if item.unit else name


def _headers() -> dict[str, str]:
    out = {}
    for item in ITEMS:
        for text in (item.zh, item.en, item.key, *item.aliases):
            out[text.strip().lower()] = item.key
    return out


HEADERS = _headers()


def map_headers(columns: list[str], file: str) -> tuple[dict[str, str], dict[str, float]]:
    """header -> key, and key -> unit factor; unknown columns are ignored, a missing 统一社会信用代码 or 年份 or
    an unknown unit is an error naming the column."""
    found: dict[str, str] = {}
    factors: dict[str, float] = {}
    for header in columns:
        text = str(header).strip()
        match = _BRACKET.match(text)
        name, unit = (match.group(1).strip(), match.group(2).strip()) if match else (text, "")
        key = HEADERS.get(name.lower())
        if key is None or key in found.values():
            continue
        found[header] = key
        if key in UNIT_FACTORS and unit:
            factor = UNIT_FACTORS[key].get(unit.replace(" ", "").replace("₂", "2").lower())
            if factor is None:
                raise InputError(f"{file}: 列「{text}」的单位 {unit!r} 无法识别 (unknown unit in column {text!r})",
                                 hint="可用: " + "、".join(UNIT_FACTORS[key]))
            factors[key] = factor
    missing = [BY_KEY[k].zh for k in ("uscc", "year") if k not in found.values()]
    if missing:
        raise InputError(f"{file}: 缺少列 {'、'.join(missing)} (missing columns)",
                         hint="用 chanye io transformation template 生成模板 (make a template)")
    return found, factors


def read_frame(path: Path) -> pd.DataFrame:
    """The file's first sheet (or the sheet named 转型指标) as text."""
    if not path.is_file():
        raise InputError(f"文件不存在: {path} (no such file)")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        check_workbook(path)
        try:
            sheets = pd.ExcelFile(path, engine="openpyxl").sheet_names
            sheet = SHEET if SHEET in sheets else sheets[0]
            return pd.read_excel(path, sheet_name=sheet, dtype=str, engine="openpyxl").fillna("")
        except (ValueError, OSError, KeyError, zipfile.BadZipFile) as exc:  # not a workbook, or a broken one
            raise InputError(f"{path.name}: 无法读取 XLSX 文件 (unreadable workbook): {exc}") from None
    if suffix == ".csv":
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
            except UnicodeDecodeError:
                continue
        raise InputError(f"{path.name}: 无法识别文件编码 (unknown encoding)", hint="请另存为 UTF-8 CSV")
    raise InputError(f"{path.name}: 只支持 CSV 或 XLSX (only CSV or XLSX)")


def _blank(text: str) -> bool:
    return text.strip().lower() in _MISSING


def _level(text: str) -> int | None:
    t = text.strip().upper().replace("级", "").replace("L", "")
    if re.fullmatch(r"A{1,5}", t):
        return len(t)
    if t in LEVEL_WORDS:
        return LEVEL_WORDS[t]
    try:
        value = float(t)
    except ValueError:
        return None
    return int(value) if value.is_integer() and 1 <= value <= 5 else None


def _number(text: str) -> float | None:
    try:
        return float(text.strip().replace(",", "").replace("，", ""))
    except ValueError:
        return None


def check_row(raw: dict[str, str], factors: dict[str, float]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """One row's values (keys of ITEMS) and its reasons [{field, reason}] (bilingual); no reasons: it lands."""
    values: dict[str, Any] = {}
    reasons: list[dict[str, str]] = []

    def bad(key: str, zh: str, en: str) -> None:
        reasons.append({"field": key, "reason": f"{BY_KEY[key].zh}{zh} ({BY_KEY[key].en} {en})"})

    code = uscc_codes.normalise(raw.get("uscc", ""))
    if code is None:
        bad("uscc", "为空", "is blank")
    elif not uscc_codes.is_valid(code):
        bad("uscc", f" {code!r} 不是有效的统一社会信用代码（长度或校验位错误）",
            f"{code!r} is not a valid code (length or check character)")
    values["uscc"] = code
    year_text = str(raw.get("year", "")).strip().removesuffix("年").removesuffix(".0")
    if not year_text.isdigit() or not 1990 <= int(year_text) <= 2100:
        bad("year", f" {raw.get('year', '')!r} 不是 1990–2100 之间的年份", f"{raw.get('year', '')!r} is not a year "
            "between 1990 and 2100")
    else:
        values["year"] = int(year_text)
    answered = 0
    for item in ITEMS:
        text = str(raw.get(item.key, "") or "")
        if item.kind not in ("level", "flag", "amount") or _blank(text):
            continue
        answered += 1
        if item.kind == "level":
            level = _level(text)
            if level is None:
                bad(item.key, f" {text!r} 不是 1–5 级", f"{text!r} is not a level 1-5")
            values[item.key] = level
        elif item.kind == "flag":
            word = text.strip().lower()
            if word not in YES and word not in NO:
                bad(item.key, f" {text!r} 应为 是/否", f"{text!r} should be yes/no")
            values[item.key] = word in YES
        else:
            number = _number(text)
            if number is None:
                bad(item.key, f" {text!r} 不是数字", f"{text!r} is not a number")
            elif number < 0:
                bad(item.key, f" {text!r} 不能为负", f"{text!r} is negative")
            else:
                values[item.key] = number * factors.get(item.key, 1.0)
    if not answered and not reasons:
        reasons.append({"field": "smart_level", "reason": "没有任何转型指标 (no indicator given)"})
    return values, reasons


@dataclass
class TransformationImport:
    """What an import did: rows read, landed, quarantined (with reasons by kind), and upsert counts."""

    file: str
    batch_id: int | None
    rows_total: int = 0
    rows_skipped: int = 0  # the template's example rows
    rows_loaded: int = 0
    rows_quarantined: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


COLUMNS = ("smart_level", "integration_level", "iip_platform", "digital_workshop", "smart_factory", "green_factory",
           "energy_tce", "carbon_tco2")


def import_file(store: Store, path: str | Path, *, synthetic: bool = False,
                label: str | None = None) -> TransformationImport:
    """Check every row of the file and land it atomically (see the module docstring). `label`: the file name
    the import history records (an upload's own name, not its temporary path; default the path)."""
    started = time.perf_counter()
    path = Path(path)
    frame = read_frame(path)
    mapping, factors = map_headers(list(frame.columns), path.name)
    frame = frame[list(mapping)].rename(columns=mapping)
    report = TransformationImport(file=label or str(path), batch_id=None)
    good: list[dict[str, Any]] = []
    bad: list[tuple[int, str | None, dict, list]] = []
    seen: dict[tuple[str, int], int] = {}
    known = _known_firms(store, frame.get("uscc", pd.Series(dtype=str)))
    for number, raw in enumerate(frame.to_dict("records"), start=2):  # row 1 is the header
        raw = {k: ("" if v is None else str(v)) for k, v in raw.items()}
        if all(_blank(v) for v in raw.values()):
            continue
        if str(raw.get("note", "")).strip().startswith("示例"):
            report.rows_skipped += 1
            continue
        report.rows_total += 1
        values, reasons = check_row(raw, factors)
        code = values.get("uscc")
        if not reasons and code not in known:
            reasons.append({"field": "uscc", "reason": f"统一社会信用代码 {code} 不在登记库中，请先导入该企业 "
                                                      "(USCC not in the registry: import the firm first)"})
        key = (code, values.get("year"))
        if not reasons and key in seen:
            reasons.append({"field": "year", "reason": f"年份与第 {seen[key]} 行重复（同一企业同一年） "
                                                       f"(Year duplicates row {seen[key]} for the same firm)"})
        if reasons:
            bad.append((number, code, {k: v for k, v in raw.items()}, reasons))
            for r in reasons:
                kind = r["reason"].split(" (")[0]
                kind = re.sub(r"'[^']*'|\b[0-9A-Z]{18}\b|第 \d+ 行", "…", kind)
                report.reasons[f"{r['field']}: {kind}"] = report.reasons.get(f"{r['field']}: {kind}", 0) + 1
            continue
        seen[key] = number
        good.append(values)
    report.rows_loaded, report.rows_quarantined = len(good), len(bad)
    report.reasons = dict(sorted(report.reasons.items(), key=lambda kv: (-kv[1], kv[0])))
    with store.transaction() as con:
        batch = store.new_batch_id()
        report.batch_id = batch
        if bad:
            con.executemany("INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?)",
                            [(batch, SHEET, n, code, json.dumps(raw, ensure_ascii=False),
                              json.dumps(reasons, ensure_ascii=False)) for n, code, raw, reasons in bad])
        counts = upsert(store, pd.DataFrame(good, columns=["uscc", "year", *COLUMNS]), batch, synthetic)
        report.inserted, report.updated, report.unchanged = counts
        report.seconds = round(time.perf_counter() - started, 3)
        con.execute(
            "INSERT INTO import_batches VALUES (?, ?, ?, now(), now(), 'done', ?, ?, ?, ?, ?, ?, ?, ?)",
            [batch, report.file, KIND, report.rows_total, report.rows_loaded, report.rows_quarantined, report.inserted,
             report.updated, report.unchanged, synthetic, json.dumps(report.to_dict(), ensure_ascii=False)])
    return report


def _known_firms(store: Store, codes: pd.Series) -> set[str]:
    normal = {c for c in (uscc_codes.normalise(v) for v in codes) if c}
    if not normal:
        return set()
    frame = store.query("SELECT uscc FROM enterprises WHERE uscc IN (SELECT unnest(?))", [sorted(normal)])
    return set(frame["uscc"])


def upsert(store: Store, rows: pd.DataFrame, batch: int, synthetic: bool) -> tuple[int, int, int]:
    """Upsert by USCC + year inside the caller's transaction; a blank keeps the stored value. (inserted,
    updated, unchanged)."""
    if rows.empty:
        return 0, 0, 0
    stage = rows[["uscc", "year", *COLUMNS]].copy()
    stage["year"] = stage["year"].astype("int64")
    for key in ("smart_level", "integration_level"):
        stage[key] = pd.array(stage[key], dtype="Int64")
    for key in ("iip_platform", "digital_workshop", "smart_factory", "green_factory"):
        stage[key] = pd.array(stage[key], dtype="boolean")
    for key in ("energy_tce", "carbon_tco2"):
        stage[key] = pd.to_numeric(stage[key], errors="coerce").astype("float64")
    stage["synthetic"], stage["batch_id"] = synthetic, batch
    con = store.con
    con.register("t_stage", stage)
    merged = ", ".join(f"coalesce(s.{c}, f.{c}) AS {c}" for c in COLUMNS)
    changed = " OR ".join(f"(s.{c} IS NOT NULL AND s.{c} IS DISTINCT FROM f.{c})" for c in COLUMNS)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE t_merged AS
        SELECT s.uscc, s.year, {merged}, s.synthetic OR coalesce(f.synthetic, FALSE) AS synthetic, s.batch_id,
               CASE WHEN f.uscc IS NULL THEN 'inserted' WHEN {changed} THEN 'updated' ELSE 'unchanged' END AS change
        FROM t_stage s LEFT JOIN firm_transformation f USING (uscc, year)
    """)
    con.unregister("t_stage")
    counts = dict(con.execute("SELECT change, count(*) FROM t_merged GROUP BY change").fetchall())
    con.execute("DELETE FROM firm_transformation WHERE (uscc, year) IN "
                "(SELECT (uscc, year) FROM t_merged WHERE change = 'updated')")
    columns = ", ".join(("uscc", "year", *COLUMNS, "synthetic", "batch_id"))
    con.execute(f"INSERT INTO firm_transformation ({columns}) SELECT {columns} FROM t_merged "
                "WHERE change IN ('inserted', 'updated')")
    con.execute("DROP TABLE t_merged")
    return counts.get("inserted", 0), counts.get("updated", 0), counts.get("unchanged", 0)


def panel(store: Store, *, city: str, pack: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The city's firm-years with indicators, each with its district, `output` (工业总产值, 万元, of the same
    year) and `synthetic`; and (uscc, node) of the pack's classification for those firms."""
    firms = store.query(
        f"""
        SELECT t.uscc, t.year, e.district_code AS district, {', '.join('t.' + c for c in COLUMNS)},
               y.industrial_output AS output, t.synthetic OR e.synthetic AS synthetic
        FROM firm_transformation t JOIN enterprises e USING (uscc)
        LEFT JOIN enterprise_years y ON y.uscc = t.uscc AND y.year = t.year
        WHERE e.city_code = ? ORDER BY t.uscc, t.year
        """,
        [city],
    )
    nodes = store.query(
        "SELECT DISTINCT c.uscc, c.node FROM classifications c WHERE c.pack = ? AND c.uscc IN "
        "(SELECT t.uscc FROM firm_transformation t JOIN enterprises e USING (uscc) WHERE e.city_code = ?)",
        [pack, city],
    )
    return firms, nodes


def has_table(store: Store) -> bool:
    """Whether the database has the table (a file from before migration 8 opened read-only has not)."""
    return bool(store.scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [TABLE]))


def manufacturing_firm_years(store: Store, *, city: str) -> pd.DataFrame:
    """The city's manufacturing firms (门类 C: 大类 13–43 of the declared, else predicted code) by year with
    their 工业总产值 and 综合能源消费量 (what the demo's transformation sample draws from)."""
    return store.query(
        """
        SELECT e.uscc, y.year, y.industrial_output AS output, y.energy_use
        FROM enterprises e JOIN enterprise_years y USING (uscc)
        WHERE e.city_code = ? AND substr(coalesce(e.industry_code, e.predicted_code), 1, 2) BETWEEN '13' AND '43'
        ORDER BY e.uscc, y.year
        """,
        [city],
    )
