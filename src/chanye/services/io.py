"""投入产出 Input-output: the service behind `chanye io tables` and `chanye io linkages` (issue 13).

Loads a shipped national table (`standards/data/io/`, curated by `tools/build_io.py`) or a folder of CSVs in
the layout of the NBS tables (Z, Y, V, totals or x, sectors), runs the pure `analytics.io`, and returns typed
tables with machine keys, units and provenance: a shipped table is a published figure (`nbs_io_<year>`), a
user's folder is registry data, a table regionalised from registry firm sizes is registry data or 示例数据.
"""

from __future__ import annotations

import csv
import io as _io
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chanye.analytics import io as ioa
from chanye.errors import InputError, NotFound
from chanye.registry import io_views
from chanye.registry.store import Store
from chanye.services.results import REGISTRY, Column, Provenance, Table, table

FINAL_USE = ("FU101", "FU102", "FU103", "FU201", "FU202", "EX", "TC")  # TC only in the 42-sector tables
LINKAGE_COLUMNS = (
    Column("sector_code", "code"),
    Column("sector", "name"),
    Column("backward_linkage", "number", "ratio"),
    Column("forward_linkage", "number", "ratio"),
    Column("output_multiplier", "number", "ratio"),
    Column("key_sector", "code", codes="io_key_sector"),
    Column("extraction_share", "number", "percent"),
    Column("output", "number", "wan_yuan"),
)


@dataclass(frozen=True)
class IOData:
    """One input-output table: sector codes and names, Z, total output x, final demand net of imports and
    value added (all in `unit`)."""

    id: str
    codes: tuple[str, ...]
    names_zh: tuple[str, ...]
    names_en: tuple[str, ...]
    Z: np.ndarray
    x: np.ndarray
    final_demand: np.ndarray
    value_added: np.ndarray
    provenance: Provenance
    unit: str = "wan_yuan"
    year: int | None = None
    sector42: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        return len(self.codes)


def _shipped_text(*parts: str) -> str:
    return resources.files("chanye.standards").joinpath("data", "io", *parts).read_text(encoding="utf-8")


@cache
def shipped_index() -> tuple[dict[str, str], ...]:
    return tuple(csv.DictReader(_io.StringIO(_shipped_text("tables.csv"))))


def _frame(text: str, where: str) -> pd.DataFrame:
    try:
        return pd.read_csv(_io.StringIO(text), dtype={"code": str}, keep_default_na=False).set_index("code")
    except (ValueError, KeyError) as exc:
        raise InputError(f"{where}: 无法读取，需要首列 code ({where}: unreadable, needs a first column 'code': {exc})") from None


def _numbers(frame: pd.DataFrame, rows: list[str], cols: list[str], where: str) -> np.ndarray:
    missing_rows = [r for r in rows if r not in frame.index]
    missing_cols = [c for c in cols if c not in frame.columns]
    if missing_rows or missing_cols:
        raise InputError(f"{where}: 缺少行 {missing_rows[:5]} 或列 {missing_cols[:5]} "
                         f"({where}: missing rows {missing_rows[:5]} or columns {missing_cols[:5]})")
    block = frame.loc[rows, cols].apply(pd.to_numeric, errors="coerce")
    bad = block.isna().to_numpy()
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        raise InputError(f"{where}: 第 {rows[i]} 行 {cols[j]} 列不是数字 ({where}: row {rows[i]}, column {cols[j]} "
                         "is not a number)")
    return block.to_numpy(float)


def _read(texts: dict[str, str], table_id: str, provenance: Provenance, year: int | None) -> IOData:
    sectors = pd.read_csv(_io.StringIO(texts["sectors.csv"]), dtype=str, keep_default_na=False)
    if "code" not in sectors.columns or "name_zh" not in sectors.columns:
        raise InputError("sectors.csv: 需要 code 与 name_zh 列 (sectors.csv needs columns code and name_zh)")
    codes = sectors["code"].tolist()
    Z = _numbers(_frame(texts["Z.csv"], "Z.csv"), codes, codes, "Z.csv")
    Y = _frame(texts["Y.csv"], "Y.csv")
    use = [c for c in FINAL_USE if c in Y.columns]
    y = _numbers(Y, codes, use, "Y.csv").sum(axis=1) - (_numbers(Y, codes, ["IM"], "Y.csv")[:, 0]
                                                        if "IM" in Y.columns else 0.0)
    if "x.csv" in texts:
        x = _numbers(_frame(texts["x.csv"], "x.csv"), codes, ["GO"], "x.csv")[:, 0]
    else:
        x = _numbers(_frame(texts["totals.csv"], "totals.csv"), codes, ["GO"], "totals.csv")[:, 0]
    V = _frame(texts["V.csv"], "V.csv")
    va = _numbers(V, list(V.index), codes, "V.csv").sum(axis=0)
    if np.any(x <= 0):
        bad = codes[int(np.argmax(x <= 0))]
        raise InputError(f"部门 {bad} 的总产出不为正 (sector {bad} has no positive total output)")
    return IOData(table_id, tuple(codes), tuple(sectors["name_zh"]),
                  tuple(sectors["name_en"]) if "name_en" in sectors.columns else tuple(sectors["name_zh"]),
                  Z, x, y, va, provenance, year=year,
                  sector42=tuple(sectors["sector42"]) if "sector42" in sectors.columns else ())


@cache
def _load_shipped(table_id: str) -> IOData:
    entry = next(e for e in shipped_index() if e["id"] == table_id)
    names = ("sectors.csv", "Z.csv", "Y.csv", "V.csv", "x.csv")
    texts = {name: _shipped_text(table_id, name) for name in names}
    return _read(texts, table_id, Provenance("published", f"nbs_io_{entry['year']}"), int(entry["year"]))


def load_table(spec: str | Path) -> IOData:
    """A shipped table by id (`china-2018-153`), or a folder of CSVs (Z, Y, V, totals or x, sectors)."""
    ids = [e["id"] for e in shipped_index()]
    if str(spec) in ids:
        return _load_shipped(str(spec))
    folder = Path(spec)
    if not folder.is_dir():
        raise NotFound(f"没有投入产出表 {spec!r} (no such input-output table)",
                       hint="可用 (shipped): " + ", ".join(ids) + "，或 CSV 文件夹 (or a folder of CSVs)")
    needed = ["sectors.csv", "Z.csv", "Y.csv", "V.csv"]
    missing = [n for n in needed if not (folder / n).is_file()]
    if missing or not ((folder / "totals.csv").is_file() or (folder / "x.csv").is_file()):
        raise InputError(f"{folder}: 缺少文件 {missing or ['totals.csv']} ({folder}: missing files)")
    texts = {p.name: p.read_text(encoding="utf-8-sig") for p in folder.glob("*.csv")}
    return _read(texts, folder.name, REGISTRY, None)


# --- tables -------------------------------------------------------------------------------------------------


def tables_table() -> Table:
    """The shipped tables: id, year, sectors, layout, unit."""
    cols = (Column("table_id", "code"), Column("year", "year"), Column("sectors", "integer", "count"),
            Column("layout", "code", codes="io_layout"), Column("output", "number", "wan_yuan"),
            Column("provenance", "provenance"))
    rows = []
    for entry in shipped_index():
        data = _load_shipped(entry["id"])
        rows.append({"table_id": entry["id"], "year": int(entry["year"]), "sectors": int(entry["sectors"]),
                     "layout": entry["layout"], "output": float(data.x.sum()),
                     "provenance": data.provenance.key})
    return table("io_tables", cols, rows, Provenance("published", "nbs_io"))


def _linkage_rows(data: IOData, A: np.ndarray, x: np.ndarray) -> list[dict[str, Any]]:
    link = ioa.linkages(A)
    keys = ioa.key_sectors(link.backward, link.forward)
    loss = ioa.extraction_loss(A, x)
    total = float(x.sum())
    return [{"sector_code": code, "sector": {"zh": zh, "en": en},
             "backward_linkage": float(link.backward[i]), "forward_linkage": float(link.forward[i]),
             "output_multiplier": float(link.backward_sum[i]),
             "key_sector": str(keys[i]), "extraction_share": 100.0 * float(loss[i]) / total, "output": float(x[i])}
            for i, (code, zh, en) in enumerate(zip(data.codes, data.names_zh, data.names_en, strict=True))]


def linkages_table(spec: str | Path) -> Table:
    """Each sector's 影响力系数 and 感应度系数 (Leontief-based, normalised by the mean), output multiplier,
    key-sector class and the share of total output lost if it were extracted. (No value-added multiplier: in a
    competitive-import table v'L = 1' for every sector, so it carries no information.)"""
    data = load_table(spec)
    A = ioa.technical_coefficients(data.Z, data.x)
    return table("io_linkages", LINKAGE_COLUMNS, _linkage_rows(data, A, data.x), data.provenance,
                 table_id=data.id, year=data.year, sectors=data.n, unit=data.unit, forward_basis="leontief")


# --- the concordance and the regional table ----------------------------------------------------------------


@cache
def concordance() -> pd.DataFrame:
    """GB/T 4754-2017 小类 -> IO sector (153 and 149), with the basis ('name' or 'judgement')."""
    return pd.read_csv(_io.StringIO(_shipped_text("concordance.csv")), dtype=str, keep_default_na=False)


def sector_of_classes(data: IOData) -> dict[str, str]:
    """小类 -> this table's sector code (153, 149 or 42 sectors)."""
    conc = concordance()
    if data.n == 153:
        return dict(zip(conc["gbt_code"], conc["sector_153"], strict=True))
    if data.n == 149:
        return dict(zip(conc["gbt_code"], conc["sector_149"], strict=True))
    if data.n == 42:
        to42 = dict(zip(_load_shipped("china-2018-153").codes, _load_shipped("china-2018-153").sector42, strict=True))
        return {g: to42[s] for g, s in zip(conc["gbt_code"], conc["sector_153"], strict=True)}
    raise InputError(f"只有 149、153、42 部门的表有行业对照 (only 149-, 153- and 42-sector tables have a "
                     f"concordance; this one has {data.n})")


REGIONAL_COLUMNS = (
    Column("sector_code", "code"),
    Column("sector", "name"),
    Column("city_size", "number", unit_from="size_unit"),
    Column("all_size", "number", unit_from="size_unit"),
    Column("slq", "number", "ratio"),
    Column("covered", "boolean"),
    Column("backward_linkage", "number", "ratio"),
    Column("forward_linkage", "number", "ratio"),
    Column("output_multiplier", "number", "ratio"),
    Column("national_output_multiplier", "number", "ratio"),
    Column("key_sector", "code", codes="io_key_sector"),
)
SIZE_UNITS = {"employees": "persons", "revenue": "wan_yuan", "industrial_output": "wan_yuan",
              "value_added": "wan_yuan"}


def regional_table(store: Store, *, city: str, spec: str | Path = "china-2018-153", method: ioa.LQMethod = "flq",
                   delta: float = ioa.DEFAULT_DELTA, measure: str = "employees", year: int | None = None) -> Table:
    """The city's table regionalised from the national one: r_ij = a_ij · min(LQ_ij, 1), the LQs from the
    registry's firm sizes by sector (city against every firm in the registry), and the city's linkages and
    multipliers on the regional coefficients. Sectors the registry does not observe keep SLQ 1."""
    if measure not in SIZE_UNITS:
        raise InputError(f"未知的规模指标 {measure!r} (unknown measure)", hint="可用 " + ", ".join(SIZE_UNITS))
    data = load_table(spec)
    year = year if year is not None else io_views.latest_year(store)
    if year is None:
        raise NotFound("登记库没有年度数据 (the registry has no yearly figures)", hint="先在「数据」页或用命令行导入企业数据 (import firms on the Data page or with the CLI)")
    sizes = io_views.class_sizes(store, city=city, year=year, measure=measure)
    mapping = sector_of_classes(data)
    sizes["sector"] = sizes["gbt_code"].map(mapping)
    unmapped = int(sizes["sector"].isna().sum())
    grouped = sizes.dropna(subset=["sector"]).groupby("sector")[["city_value", "all_value"]].sum()
    grouped = grouped.reindex(list(data.codes)).fillna(0.0)
    regional, national = grouped["city_value"].to_numpy(float), grouped["all_value"].to_numpy(float)
    if regional.sum() <= 0:
        raise NotFound(f"{year} 年本市企业没有{measure}数据，无法计算区位商 (the city's firms have no {measure} "
                       f"figures in {year}: no location quotients)")
    covered = national > 0
    q = ioa.location_quotients(regional, national, delta, covered=covered)
    A = ioa.technical_coefficients(data.Z, data.x)
    R = ioa.regional_coefficients(A, q, method)
    link = ioa.linkages(R)
    national_mult = ioa.output_multipliers(A)
    keys = ioa.key_sectors(link.backward, link.forward)
    synthetic = bool(sizes["synthetic"].fillna(False).any())
    provenance = Provenance.of_data(synthetic)
    unit = SIZE_UNITS[measure]
    rows = [{"sector_code": code, "sector": {"zh": zh, "en": en}, "city_size": float(regional[i]),
             "all_size": float(national[i]), "size_unit": unit, "slq": float(q.slq[i]), "covered": bool(covered[i]),
             "backward_linkage": float(link.backward[i]), "forward_linkage": float(link.forward[i]),
             "output_multiplier": float(link.backward_sum[i]), "national_output_multiplier": float(national_mult[i]),
             "key_sector": str(keys[i])}
            for i, (code, zh, en) in enumerate(zip(data.codes, data.names_zh, data.names_en, strict=True))]
    notes = [("regional_uncovered", {"sectors": int((~covered).sum())})] if (~covered).any() else []
    if unmapped:
        notes.append(("regional_unmapped_classes", {"classes": unmapped}))
    return table("io_regional", REGIONAL_COLUMNS, rows, provenance, table_id=data.id, city=city, year=year,
                 method=method, delta=delta, scale=q.scale, measure=measure, notes=notes,
                 national_provenance=data.provenance.key)


# --- 两业融合 (issue 13 §4) -------------------------------------------------------------------------------------

# Producer-service types by GB/T 4754-2017 大类 (after 国家统计局《生产性服务业统计分类（2019）》, coarsened to
# divisions): the same definition serves IO sectors (through the concordance) and registry firms.
SERVICE_TYPES: dict[str, tuple[str, ...]] = {
    "rd_design": ("73", "74", "75"),  # 研发设计与其他技术服务 (R&D, design, testing, tech transfer)
    "logistics": ("53", "54", "55", "56", "57", "58", "59", "60"),  # 货物运输、仓储和邮政快递服务
    "finance": ("66", "67", "68", "69"),  # 金融服务
    "information": ("63", "64", "65"),  # 信息服务
    "business": ("71", "72"),  # 租赁和商务服务
    "trade": ("51",),  # 批发经纪代理服务
}
MANUFACTURING = tuple(f"{d:02d}" for d in range(13, 44))  # 门类 C
SERVICES = tuple(f"{d:02d}" for d in range(51, 98))  # 门类 F 之后: G–T


def _group_weights(data: IOData, groups: dict[str, tuple[str, ...]]) -> np.ndarray:
    """(groups × sectors): the fraction of each sector's 小类 whose 大类 is in each group."""
    mapping = sector_of_classes(data)
    frame = pd.DataFrame({"sector": list(mapping.values()), "division": [c[:2] for c in mapping]})
    count = frame.groupby("sector").size().reindex(list(data.codes)).fillna(0).to_numpy(float)
    out = np.zeros((len(groups), data.n))
    for k, divisions in enumerate(groups.values()):
        inside = frame[frame["division"].isin(divisions)].groupby("sector").size()
        out[k] = inside.reindex(list(data.codes)).fillna(0).to_numpy(float)
    return out / np.where(count > 0, count, 1.0)[np.newaxis, :]


def fusion_inputs_table(spec: str | Path = "china-2018-153") -> Table:
    """服务化: each manufacturing sector's intermediate inputs from services, in all and by producer-service type
    (percent of its intermediate inputs), with manufacturing as a whole in the first row."""
    data = load_table(spec)
    types = {**SERVICE_TYPES, "other_services": tuple(d for d in SERVICES
                                                       if not any(d in v for v in SERVICE_TYPES.values()))}
    suppliers = _group_weights(data, types)
    suppliers = np.vstack([suppliers.sum(axis=0), suppliers])  # all services first
    manuf = _group_weights(data, {"manufacturing": MANUFACTURING})[0]
    rows_idx = [i for i in range(data.n) if manuf[i] >= 0.5]
    buyers = np.vstack([manuf, np.eye(data.n)[rows_idx]])
    shares = 100.0 * ioa.group_input_shares(data.Z, suppliers, buyers)
    keys = ["service_share", *(f"{k}_share" for k in types)]
    rows = []
    for m, idx in enumerate([None, *rows_idx]):
        code = "C" if idx is None else data.codes[idx]
        name = {"zh": "制造业合计", "en": "Manufacturing"} if idx is None else \
            {"zh": data.names_zh[idx], "en": data.names_en[idx]}
        rows.append({"sector_code": code, "sector": name, **{k: float(shares[g, m]) for g, k in enumerate(keys)}})
    cols = (Column("sector_code", "code"), Column("sector", "name"),
            *(Column(k, "number", "percent") for k in keys))
    return table("io_fusion_inputs", cols, rows, data.provenance, table_id=data.id, year=data.year)


def fusion_sales_table(spec: str | Path = "china-2018-153") -> Table:
    """Manufacturing's share of each producer-service type's output (its sales), percent."""
    data = load_table(spec)
    sellers = _group_weights(data, SERVICE_TYPES)
    sellers = np.vstack([sellers.sum(axis=0), sellers])
    manuf = _group_weights(data, {"manufacturing": MANUFACTURING})
    shares = 100.0 * ioa.group_sales_shares(data.Z, data.x, sellers, manuf)[:, 0]
    rows = [{"service_type": k, "manufacturing_share": float(shares[i])}
            for i, k in enumerate(["producer_services", *SERVICE_TYPES])]
    cols = (Column("service_type", "code", codes="io_service_type"),
            Column("manufacturing_share", "number", "percent"))
    return table("io_fusion_sales", cols, rows, data.provenance, table_id=data.id, year=data.year)


def _node_weights(data: IOData, framework: Any, nodes: list[Any]) -> np.ndarray:
    """(nodes × sectors): the fraction of each sector's 小类 a node claims (whole or partial codes)."""
    from chanye.framework.concordance import expand

    mapping = sector_of_classes(data)
    count = pd.Series(list(mapping.values())).value_counts().reindex(list(data.codes)).fillna(0).to_numpy(float)
    index = {c: i for i, c in enumerate(data.codes)}
    ids = {n.id: k for k, n in enumerate(nodes)}
    out = np.zeros((len(nodes), data.n))
    seen: set[tuple[str, str]] = set()
    for own in expand(framework):
        if own.node in ids and own.code in mapping and (own.node, own.code) not in seen:
            seen.add((own.node, own.code))
            out[ids[own.node], index[mapping[own.code]]] += 1.0
    return out / np.where(count > 0, count, 1.0)[np.newaxis, :]


def fusion_nodes_table(framework: Any, spec: str | Path = "china-2018-153") -> Table:
    """Which of the pack's service nodes each industry node buys from: the share (percent) of the node's
    intermediate inputs supplied by each service node, IO sectors weighted by the share of their 小类 a node
    claims (output spread evenly over a sector's 小类: an approximation, see docs/io.md)."""
    data = load_table(spec)
    industries = [n for n in framework.industry_nodes() if n.kind != "service"]
    services = [n for n in framework.industry_nodes() if n.kind == "service"]
    shares = 100.0 * ioa.group_input_shares(data.Z, _node_weights(data, framework, services),
                                            _node_weights(data, framework, industries))
    keys = [f"svc_{n.id.replace('-', '_')}" for n in services]
    rows = []
    for m, node in enumerate(industries):
        top = int(np.argmax(shares[:, m])) if shares[:, m].max() > 0 else None
        rows.append({"node": {"zh": node.name.zh, "en": node.name.en}, "node_id": node.id,
                     **{k: float(shares[g, m]) for g, k in enumerate(keys)},
                     "top_service": None if top is None else {"zh": services[top].name.zh, "en": services[top].name.en},
                     "top_service_id": None if top is None else services[top].id})
    cols = (Column("node", "name"), Column("node_id", "code"),
            *(Column(k, "number", "percent", names=(s.name.zh, s.name.en)) for k, s in zip(keys, services, strict=True)),
            Column("top_service", "name"), Column("top_service_id", "code"))
    return table("io_fusion_nodes", cols, rows, data.provenance, table_id=data.id, year=data.year)


COUPLING_INDICATORS = ("firms", "revenue", "value_added", "employees")


def coupling_table(store: Store, city: Any, *, district: str | None = None, alpha: float = 0.5,
                   beta: float = 0.5) -> Table:
    """耦合协调度 between the manufacturing and producer-service subsystems of the city and each district, by
    year, from the registry: each subsystem's indicators (firms, revenue, value added, employees) are divided
    by their maximum over the panel (极大值标准化; the city's years and the districts' area-years are separate
    panels), weighted by the entropy method (熵值法) and summed to U1 and U2; then C, T and D
    (analytics.io.coupling_coordination) and the ten-grade class. `district` keeps one area's rows."""
    panel = io_views.division_panel(store, city=city.code)
    if panel.empty:
        raise NotFound("登记库没有本市企业的年度数据 (no yearly figures for the city's firms)", hint="先在「数据」页或用命令行导入企业数据 (import firms on the Data page or with the CLI)")
    producer = tuple(d for v in SERVICE_TYPES.values() for d in v)
    panel["subsystem"] = np.where(panel["division"].isin(MANUFACTURING), "manufacturing",
                                  np.where(panel["division"].isin(producer), "services", None))
    panel = panel.dropna(subset=["subsystem"])
    by_district = panel.groupby(["district", "year", "subsystem"])[list(COUPLING_INDICATORS)].sum()
    by_city = panel.groupby(["year", "subsystem"])[list(COUPLING_INDICATORS)].sum()
    by_city.index = pd.MultiIndex.from_tuples([(city.code, y, s) for y, s in by_city.index],
                                              names=["district", "year", "subsystem"])
    by_district = by_district.loc[by_district.index.get_level_values(0).notna()]
    # The city's years and the districts' area-years are two panels, each normalised and weighted on its own:
    # a district is compared with districts, the city with its own past.
    rows: list[dict[str, Any]] = []
    weights: dict[str, dict[str, list[float]]] = {}
    for level, data in (("city", by_city), ("district", by_district)):
        if data.empty:
            continue
        wide = data.unstack("subsystem").fillna(0.0)
        u = {}
        weights[level] = {}
        for sub in ("manufacturing", "services"):
            X = np.column_stack([wide[(ind, sub)].to_numpy(float) if (ind, sub) in wide.columns
                                 else np.zeros(len(wide)) for ind in COUPLING_INDICATORS])
            N = ioa.maxnorm(X)
            w = ioa.entropy_weights(N)
            weights[level][sub] = [float(v) for v in w]
            u[sub] = N @ w
        cc = ioa.coupling_coordination(u["manufacturing"], u["services"], alpha, beta)
        levels = ioa.coordination_level(cc.D)
        for i, (area, year) in enumerate(wide.index):
            code = None if level == "city" else area
            name = {"zh": city.area_label(code, "zh"), "en": city.area_label(code, "en")}
            rows.append({"area_code": area, "area_name": name,
                         "year": int(year), "u_manufacturing": float(u["manufacturing"][i]),
                         "u_services": float(u["services"][i]), "coupling_c": float(cc.C[i]),
                         "coupling_t": float(cc.T[i]), "coupling_d": float(cc.D[i]), "coordination": str(levels[i])})
    synthetic = bool(panel["synthetic"].fillna(False).any())
    if district is not None:
        region = city.resolve_district(district)
        if region is None:
            raise NotFound(f"没有这个区: {district!r} (no such district)")
        rows = [r for r in rows if r["area_code"] == region.code]
    cols = (Column("area_code", "code"), Column("area_name", "name"), Column("year", "year"),
            Column("u_manufacturing", "number", "score"), Column("u_services", "number", "score"),
            Column("coupling_c", "number", "score"), Column("coupling_t", "number", "score"),
            Column("coupling_d", "number", "score"), Column("coordination", "code", codes="io_coordination"))
    return table("io_coupling", cols, rows, Provenance.of_data(synthetic), alpha=alpha, beta=beta,
                 indicators=list(COUPLING_INDICATORS), weights=weights)
