"""The chain board (产业链图谱): the service behind `chanye chains`, /api/v1/chains and the 产业链 page.

Enterprise-to-chain-node links are computed when the store is written (the demo build, every import for the
firms it touched, `chanye classify` after a template edit; `registry.chain_links`) and read back here. The
pure `analytics.chains` then diagnoses 强链/弱链/缺链, names the 链主 and draws up the 招商清单 and
增资扩产清单 for Guangzhou or one district. The per-firm measures (revenue, growth, tags) are computed once
per `Inputs` and shared by every chain.

The tables below (`*_table`) are the one layout of each result: the CLI prints them, the API turns them into
cells {value, unit, provenance} (units come from the column labels, provenance from 来源), and the XLSX work
lists write them. A district is given by name, short name or adcode (`resolve_district`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from chanye.analytics import chains as ch
from chanye.framework.model import Framework
from chanye.registry import views
from chanye.registry.chain_links import link_chains, link_status, read_links
from chanye.registry.store import Store
from chanye.standards import regions

__all__ = [
    "ChainView",
    "Inputs",
    "area_name",
    "diagnosis_table",
    "expansion_table",
    "leaders_table",
    "link_chains",
    "load_inputs",
    "node_view",
    "open_view",
    "read_chain_links",
    "recruitment_table",
    "resolve_district",
    "summary",
    "view",
    "work_lists",
    "write_lists",
]

SYNTHETIC, REGISTRY = "示例数据", "登记数据"  # the 来源 column: web/api/scoreboard.cells() maps them


@dataclass
class Inputs:
    """The registry frames every chain needs, read once, with the per-firm measures computed once."""

    firms: pd.DataFrame
    figures: pd.DataFrame
    tags: pd.DataFrame
    synthetic: bool
    year: int | None
    measures: pd.DataFrame
    status: dict[str, str] = field(default_factory=dict)  # chain id -> current | stale | missing
    info: pd.DataFrame | None = None  # one row per firm, indexed by USCC (object dtype): name, city, district

    @property
    def provenance(self) -> str:
        return SYNTHETIC if self.synthetic else REGISTRY


def load_inputs(store: Store, framework: Framework) -> Inputs:
    firms = views.chain_firms(store)
    years = views.years(store)
    year = years[-1] if years else None
    figures, tags = views.figures(store), views.tags(store)
    measures = ch.firm_measures(firms, figures, tags, year)
    info = firms[["uscc", "name", "city_code", "district_code"]].drop_duplicates("uscc")
    info = info.set_index(
        pd.Index(info["uscc"].astype(str).to_numpy(dtype=object), dtype=object, name="uscc")
    )
    return Inputs(
        firms,
        figures,
        tags,
        views.is_synthetic(store),
        year,
        measures,
        link_status(store, framework),
        info.drop(columns="uscc"),
    )


def read_chain_links(
    store: Store, framework: Framework, chain_id: str | None = None, inputs: Inputs | None = None
) -> pd.DataFrame:
    """The stored links of one chain (or all). A chain this store has never linked (a database older than
    chain links) is linked in memory from `inputs`, without writing; `chanye classify` stores them."""
    chains = [framework.chain(chain_id)] if chain_id else list(framework.chains)
    status = inputs.status if inputs is not None else link_status(store, framework)
    missing = [c for c in chains if status.get(c.id) == "missing"]
    if len(missing) == len(chains):
        stored = pd.DataFrame(columns=ch.LINK_COLUMNS)
    else:
        stored = read_links(store, framework.id, chains[0].id if chain_id else None)
    if not missing:
        return stored
    firms = inputs.firms if inputs is not None else views.chain_firms(store)
    fresh = ch.link_enterprises(firms, missing)
    stored = stored[~stored["chain"].isin([c.id for c in missing])]
    return pd.concat([stored, fresh], ignore_index=True) if len(stored) else fresh


def resolve_district(district: str | None) -> str | None:
    """A Guangzhou district's adcode from its name, short name or code; None for the whole city."""
    from chanye.scoreboard import resolve_area

    if district is None or district == "":
        return None
    code = resolve_area(district)
    return None if code == regions.GUANGZHOU else code


def _in_area(firms: pd.DataFrame, district: str | None) -> np.ndarray:
    """Whether each firm lies in Guangzhou (or in the district)."""
    column, code = ("district_code", district) if district else ("city_code", regions.GUANGZHOU)
    return (firms[column].astype(object).astype(str) == code).to_numpy()


def area_name(district: str | None) -> str:
    if district is None:
        return "广州市"
    found = regions.region("county", district)
    return found.name if found else district


@dataclass
class ChainView:
    chain: object  # framework.chains.ChainTemplate
    links: pd.DataFrame
    diagnosis: pd.DataFrame
    leaders: pd.DataFrame
    recruitment: pd.DataFrame
    expansion: pd.DataFrame
    district: str | None
    synthetic: bool
    year: int | None
    status: str = "current"  # of the stored links: current | stale | missing

    @property
    def area_name(self) -> str:
        return area_name(self.district)

    @property
    def provenance(self) -> str:
        return SYNTHETIC if self.synthetic else REGISTRY


def view(
    inputs: Inputs,
    framework: Framework,
    chain_id: str,
    *,
    district: str | None = None,
    links: pd.DataFrame | None = None,
) -> ChainView:
    """Everything about one chain in Guangzhou (or one district): diagnosis, 链主 and the full lists.
    `links`: the chain's links (`read_chain_links`); computed in memory when not given."""
    chain = framework.chain(chain_id)
    district = resolve_district(district)
    if links is None:
        links = ch.link_enterprises(inputs.firms, chain)
    city, year, m = regions.GUANGZHOU, inputs.year, inputs.measures
    args = (links, inputs.firms, inputs.figures, inputs.tags, chain)
    diagnosis = ch.diagnose(*args, city, district, year=year, measures=m)
    leaders = ch.leaders(links, inputs.firms, inputs.figures, chain, city, district, year=year, measures=m)
    recruitment = ch.recruitment_list(*args, diagnosis, city, year=year, measures=m)
    expansion = ch.expansion_list(*args, diagnosis, city, district, year=year, measures=m)
    return ChainView(
        chain,
        links,
        diagnosis,
        leaders,
        recruitment,
        expansion,
        district,
        inputs.synthetic,
        year,
        inputs.status.get(chain.id, "current"),
    )


def open_view(store: Store, framework: Framework, chain_id: str, *, district: str | None = None) -> ChainView:
    """`view` straight from a store (the CLI): inputs, the chain's stored links, the view."""
    chain = framework.chain(chain_id)
    district = resolve_district(district)  # a bad district fails before any work
    inputs = load_inputs(store, framework)
    return view(
        inputs,
        framework,
        chain.id,
        district=district,
        links=read_chain_links(store, framework, chain.id, inputs),
    )


# --- tables: one layout for the CLI, the API (cells) and the XLSX work lists ------------------------------


def summary(
    inputs: Inputs, framework: Framework, links: pd.DataFrame, *, district: str | None = None
) -> pd.DataFrame:
    """One row per chain: its cluster, the cluster's status, and how many links are 强/弱/缺 in the area.
    `links`: every chain's links (`read_chain_links(store, framework)`); one diagnosis call for all."""
    district = resolve_district(district)
    chains = list(framework.chains)
    diagnosis = ch.diagnose(
        links,
        inputs.firms,
        inputs.figures,
        inputs.tags,
        chains,
        regions.GUANGZHOU,
        district,
        year=inputs.year,
        measures=inputs.measures,
    )
    local_ids = set(inputs.firms.loc[_in_area(inputs.firms, district), "uscc"].astype(str))
    made = links[links["role"] == ch.PRODUCER]
    made = made[made["uscc"].astype(str).isin(local_ids)]
    firms_by_chain = made.groupby("chain")["uscc"].nunique()
    rows = []
    for chain in chains:
        d = diagnosis[diagnosis["chain"] == chain.id]
        counts = d["status"].value_counts()
        cluster = framework.node(chain.cluster)
        rows.append(
            {
                "产业链编号": chain.id,
                "产业链": chain.name.zh,
                "集群编号": chain.cluster,
                "集群": cluster.name.zh,
                "集群状态": "已确认" if cluster.status == "confirmed" else "暂定",
                "环节（个）": len(chain.nodes),
                "强链（个）": int(counts.get(ch.STRONG, 0)),
                "弱链（个）": int(counts.get(ch.WEAK, 0)),
                "缺链（个）": int(counts.get(ch.MISSING, 0)),
                "本地生产企业（家）": int(firms_by_chain.get(chain.id, 0)),
                "关联状态": {
                    "current": "最新",
                    "stale": "模板已修改，待重新关联",
                    "missing": "未保存（临时计算）",
                }[inputs.status.get(chain.id, "current")],
                "来源": inputs.provenance,
            }
        )
    frame = pd.DataFrame(rows)
    frame.attrs["area"] = district or regions.GUANGZHOU
    return frame


def _pct(series: pd.Series) -> pd.Series:
    return series.astype(float) * 100.0


def diagnosis_table(v: ChainView) -> pd.DataFrame:
    d = v.diagnosis
    return pd.DataFrame(
        {
            "链条环节": d["node_name"],
            "环节编号": d["chain_node"],
            "环节位置": d["segment_zh"],
            "诊断": d["status"],
            "本地生产企业（家）": d["producers"],
            "规上生产企业（家）": d["above_scale"],
            "专精特新（家）": d["srdi"],
            "小巨人（家）": d["little_giant"],
            "高新技术企业（家）": d["high_tech"],
            "上市企业（家）": d["listed"],
            "本地销售企业（家）": d["sellers"],
            "本地依赖企业（家）": d["users"],
            "本地营业收入（亿元）": d["revenue_yi"],
            "全国样本生产企业（家）": d["national_producers"],
            "全国样本营业收入（亿元）": d["national_revenue_yi"],
            "占全国样本比重（%）": _pct(d["share_national"]),
            "区位商（倍）": d["lq"],
            "同类城市区位商阈值（倍）": d["lq_threshold"],
            "区位商百分位（%）": d["lq_percentile"],
            "同类城市（个）": d["peer_cities"],
            "依据": d["reason"],
            "来源": v.provenance,
        }
    )


def recruitment_table(v: ChainView, top: int | None = None) -> pd.DataFrame:
    r = v.recruitment if top is None else v.recruitment.head(top)
    return pd.DataFrame(
        {
            "序号": r["序号"],
            "企业名称": r["企业名称"],
            "所在城市": r["所在城市"],
            "链条环节": r["链条环节"],
            "推荐理由": r["推荐理由"],
            "综合得分（0–1）": r["score"],
            "营业收入（亿元）": r["revenue_yi"],
            "近年营业收入年均增长（%）": _pct(r["cagr"]),
            "资质": r["tag_names"],
            "规模分（0–1）": r["size"],
            "成长分（0–1）": r["growth"],
            "资质分（0–1）": r["tags"],
            "配套分（0–1）": r["connectivity"],
            "统一社会信用代码": r["uscc"],
            "环节编号": r["chain_nodes"],
            "来源": v.provenance,
        }
    )


def expansion_table(v: ChainView, top: int | None = None) -> pd.DataFrame:
    e = v.expansion if top is None else v.expansion.head(top)
    return pd.DataFrame(
        {
            "序号": e["序号"],
            "企业名称": e["企业名称"],
            "所在区": e["所在区"],
            "链条环节": e["链条环节"],
            "推荐理由": e["推荐理由"],
            "综合得分（0–1）": e["score"],
            "营业收入（亿元）": e["revenue_yi"],
            "近年营业收入年均增长（%）": _pct(e["cagr"]),
            "研发投入强度（%）": _pct(e["rd_intensity"]),
            "资质": e["tag_names"],
            "成长分（0–1）": e["growth"],
            "研发分（0–1）": e["rd"],
            "资质分（0–1）": e["tags"],
            "规上分（0–1）": e["scale"],
            "统一社会信用代码": e["uscc"],
            "环节编号": e["chain_nodes"],
            "来源": v.provenance,
        }
    )


def leaders_table(v: ChainView) -> pd.DataFrame:
    x = v.leaders
    return pd.DataFrame(
        {
            "企业名称": x["name"],
            "所在环节": x["node_names"],
            "依据": x["basis"],
            "说明": x["reason"],
            "营业收入（亿元）": x["revenue_yi"],
            "生产环节（个）": x["node_count"],
            "连接环节（个）": x["connectivity"],
            "规模排名（位）": x["size_rank"].astype(float),
            "连接度排名（位）": x["connectivity_rank"].astype(float),
            "统一社会信用代码": x["uscc"],
            "环节编号": x["chain_nodes"],
            "来源": v.provenance,
        }
    )


ROLE_SORT = {ch.PRODUCER: 0, ch.SELLER: 1, ch.USER: 2}
TAG_NAMES = {"above_scale": "规上", **{t: ch.TAG_ZH[t] for t in ch.TAG_IDS}}


def node_view(inputs: Inputs, v: ChainView, node_id: str, *, limit: int | None = 100) -> dict:
    """One chain node in the area: its diagnosis row, its local enterprises (role, method, evidence,
    confidence, revenue, tags; producers first, then by revenue) and its 招商 targets (the recruitment rows
    on this node). `total_*` count before `limit`."""
    node = v.chain.node(node_id)
    diag = diagnosis_table(v)
    row = diag[diag["环节编号"] == node.id]
    links = v.links[v.links["chain_node"] == node.id]
    firms = inputs.info
    if firms is None:
        firms = inputs.firms.drop_duplicates("uscc")
        firms = firms.set_index(pd.Index(firms["uscc"].astype(str).to_numpy(dtype=object), dtype=object))
    ids = pd.Index(links["uscc"].astype(str).to_numpy(dtype=object), dtype=object)
    keep = firms.reindex(ids)
    keep = _in_area(keep.fillna({"city_code": "", "district_code": ""}), v.district)
    local, ids = links[keep], ids[keep]
    m = inputs.measures.reindex(ids)
    flags = m[list(TAG_NAMES)].fillna(False).astype(bool).to_dict("records")
    tags = ["、".join(TAG_NAMES[t] for t in TAG_NAMES if f[t]) for f in flags]
    district = firms["district_code"].reindex(ids)
    district_names = {c: area_name(c) if isinstance(c, str) else "" for c in district.unique()}
    table = pd.DataFrame(
        {
            "企业名称": firms["name"].reindex(ids).to_numpy(),
            "统一社会信用代码": ids.to_numpy(),
            "所在区": district.map(district_names).fillna("").to_numpy(),
            "角色": local["role"].to_numpy(),
            "方法": local["method"].to_numpy(),
            "证据": local["evidence"].to_numpy(),
            "置信度（0–1）": local["confidence"].to_numpy(dtype=float),
            "营业收入（万元）": m["revenue"].fillna(0.0).to_numpy(dtype=float),
            "资质": tags,
            "来源": v.provenance,
        }
    )
    table = (
        table.assign(_r=table["角色"].map(ROLE_SORT))
        .sort_values(["_r", "营业收入（万元）", "统一社会信用代码"], ascending=[True, False, True])
        .drop(columns="_r")
    )
    recruit = recruitment_table(v)
    on_node = recruit["环节编号"].str.split(",").map(lambda nodes: node.id in nodes) if len(recruit) else []
    targets = recruit[np.asarray(on_node, dtype=bool)] if len(recruit) else recruit
    roles = table["角色"].value_counts()
    return {
        "node": node,
        "diagnosis": row,
        "firms": table.head(limit) if limit else table,
        "total_firms": len(table),
        "roles": {r: int(roles.get(r, 0)) for r in ch.ROLE_ORDER},
        "targets": targets.head(limit) if limit else targets,
        "total_targets": len(targets),
    }


# --- XLSX: the government work-list layout ----------------------------------------------------------------


def work_lists(v: ChainView, top: int | None = None) -> dict[str, pd.DataFrame]:
    """The sheets of the work lists: 招商清单 and 增资扩产清单 (序号, 企业名称, 所在城市/所在区, 链条环节,
    推荐理由, ...), 链条诊断 and 链主企业. The 来源 column becomes each sheet's note line."""

    def plain(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.drop(columns="来源")

    return {
        "招商清单": plain(recruitment_table(v, top)),
        "增资扩产清单": plain(expansion_table(v, top)),
        "链条诊断": plain(diagnosis_table(v)),
        "链主企业": plain(leaders_table(v)),
    }


NUMBER_FORMATS = {
    "综合得分（0–1）": "0.000",
    "规模分（0–1）": "0.000",
    "成长分（0–1）": "0.000",
    "资质分（0–1）": "0.000",
    "配套分（0–1）": "0.000",
    "研发分（0–1）": "0.000",
    "规上分（0–1）": "0.000",
    "营业收入（亿元）": "#,##0.00",
    "本地营业收入（亿元）": "#,##0.00",
    "全国样本营业收入（亿元）": "#,##0.00",
    "区位商（倍）": "0.00",
    "同类城市区位商阈值（倍）": "0.00",
    "占全国样本比重（%）": "0.0",
    "近年营业收入年均增长（%）": "0.0",
    "研发投入强度（%）": "0.0",
    "区位商百分位（%）": "0.0",
    "营业收入（万元）": "#,##0",
    "置信度（0–1）": "0.00",
}


def note(v: ChainView) -> str:
    """The line above each sheet: provenance, chain, area and year."""
    source = "示例数据：企业均为合成数据，名称非真实企业。" if v.synthetic else "数据来源：导入的企业登记库。"
    return f"{source} 产业链 {v.chain.name.zh}，{v.area_name}，{v.year} 年。金额单位见列名。"


def write_lists(
    v: ChainView, path: str | Path, *, sheets: list[str] | None = None, top: int | None = None
) -> Path:
    """Write the work lists (all four sheets, or those named in `sheets`) to an XLSX file."""
    from chanye.export import write_xlsx

    lists = work_lists(v, top)
    if sheets is not None:
        lists = {name: lists[name] for name in sheets}
    return write_xlsx(lists, path, notes=dict.fromkeys(lists, note(v)), number_formats=NUMBER_FORMATS)
