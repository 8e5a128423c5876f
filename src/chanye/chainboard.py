"""The chain board (产业链图谱): the service behind `chanye chains`, /api/v1/chains and the 产业链 page.

Enterprise-to-chain-node links are computed from the current templates whenever a chain is asked for (so a
template edit takes effect at once), then the pure `analytics.chains` diagnoses 强链/弱链/缺链, names the
链主 and draws up the 招商清单 and 增资扩产清单.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from chanye.analytics import chains as ch
from chanye.framework.model import Framework
from chanye.registry import views
from chanye.registry.store import Store
from chanye.standards import regions


@dataclass
class Inputs:
    """The registry frames every chain needs, read once."""

    firms: pd.DataFrame
    figures: pd.DataFrame
    tags: pd.DataFrame
    synthetic: bool
    year: int | None


def load_inputs(store: Store) -> Inputs:
    firms = store.query(
        """SELECT uscc, name, city_code, district_code, coalesce(industry_code, predicted_code) AS industry_code,
                  business_scope FROM enterprises"""
    )
    year = store.scalar("SELECT max(year) FROM enterprise_years")
    return Inputs(firms, views.figures(store), views.tags(store), views.is_synthetic(store), year)


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


def view(inputs: Inputs, framework: Framework, chain_id: str, *, district: str | None = None,
         links: pd.DataFrame | None = None, top: int | None = 50) -> ChainView:
    """Everything about one chain in Guangzhou (or one district)."""
    chain = framework.chain(chain_id)
    if district is not None:
        from chanye.scoreboard import resolve_area

        district = resolve_area(district)
        district = None if district == regions.GUANGZHOU else district
    if links is None:
        links = ch.link_enterprises(inputs.firms, chain)
    args = (links, inputs.firms, inputs.figures, inputs.tags, chain)
    diagnosis = ch.diagnose(*args, regions.GUANGZHOU, district, year=inputs.year)
    leaders = ch.leaders(links, inputs.firms, inputs.figures, chain, regions.GUANGZHOU, district, year=inputs.year)
    recruitment = ch.recruitment_list(*args, diagnosis, regions.GUANGZHOU, year=inputs.year, top=top)
    expansion = ch.expansion_list(*args, diagnosis, regions.GUANGZHOU, district, year=inputs.year, top=top)
    return ChainView(chain, links, diagnosis, leaders, recruitment, expansion, district, inputs.synthetic, inputs.year)


def summary(inputs: Inputs, framework: Framework, views_by_chain: dict[str, ChainView] | None = None) -> pd.DataFrame:
    """One row per chain: its cluster and how many links are 强/弱/缺."""
    rows = []
    for chain in framework.chains:
        v = (views_by_chain or {}).get(chain.id) or view(inputs, framework, chain.id, top=0)
        counts = v.diagnosis["status"].value_counts()
        rows.append({
            "chain": chain.id, "cluster": chain.cluster, "name": framework.node(chain.cluster).name.zh,
            "nodes": len(chain.nodes), "强链": int(counts.get(ch.STRONG, 0)), "弱链": int(counts.get(ch.WEAK, 0)),
            "缺链": int(counts.get(ch.MISSING, 0)),
        })
    return pd.DataFrame(rows)


GOV_LIST_COLUMNS = {
    "recruitment": ["序号", "企业名称", "所在城市", "链条环节", "推荐理由", "score", "uscc"],
    "expansion": ["序号", "企业名称", "所在区", "链条环节", "推荐理由", "score", "uscc"],
}


def work_lists(v: ChainView) -> dict[str, pd.DataFrame]:
    """The lists in the layout of a government work list (序号, 企业名称, 所在城市, 链条环节, 推荐理由, ...)."""
    recruit = v.recruitment.reindex(columns=GOV_LIST_COLUMNS["recruitment"]).rename(columns={"score": "得分", "uscc": "统一社会信用代码"})
    expand = v.expansion.reindex(columns=GOV_LIST_COLUMNS["expansion"]).rename(columns={"score": "得分", "uscc": "统一社会信用代码"})
    diag = v.diagnosis.rename(columns={
        "node_name": "链条环节", "segment_zh": "环节位置", "producers": "本地生产企业（家）", "revenue_yi": "本地营业收入（亿元）",
        "share_national": "占全国样本比重", "lq": "区位熵", "status": "诊断", "reason": "依据",
    })
    diag = diag[["链条环节", "环节位置", "本地生产企业（家）", "本地营业收入（亿元）", "占全国样本比重", "区位熵", "诊断", "依据"]]
    leaders = v.leaders.rename(columns={"name": "企业名称", "node_names": "所在环节", "revenue_yi": "营业收入（亿元）",
                                        "basis": "依据", "reason": "说明"})
    leaders = leaders.reindex(columns=["企业名称", "所在环节", "营业收入（亿元）", "依据", "说明"])
    return {"链条诊断": diag, "招商清单": recruit, "增资扩产清单": expand, "链主企业": leaders}


def write_lists(v: ChainView, path) -> None:
    from chanye.export import write_xlsx

    note = ("示例数据：企业均为合成数据，名称非真实企业。" if v.synthetic else "数据来源：导入的企业库。") + \
        f" 产业链 {v.chain.name}，{v.year} 年。"
    sheets = work_lists(v)
    write_xlsx(sheets, path, notes=dict.fromkeys(sheets, note),
               number_formats={"得分": "0.000", "本地营业收入（亿元）": "#,##0.00", "营业收入（亿元）": "#,##0.00",
                               "区位熵": "0.00", "占全国样本比重": "0.00%"})
