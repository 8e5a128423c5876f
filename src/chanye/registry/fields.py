"""The registry's fields (字段): canonical names, Chinese/English labels, stored units and the headers that
imports recognise. One place, used by the import, the store, the demo builder, the API and the docs."""

from __future__ import annotations

from dataclasses import dataclass

from chanye.standards.tags import TAGS

__all__ = ["ENTERPRISE_COLUMNS", "ENTERPRISE_FIELDS", "FIELDS", "FIGURE_FIELDS", "MEASURES", "TAGS", "TAG_ALIASES", "Field", "label"]


@dataclass(frozen=True)
class Field:
    name: str
    zh: str
    en: str
    kind: str  # text | code | money | number | date | tags | year
    unit: str = ""  # the unit stored in the database (money in 万元)
    aliases: tuple[str, ...] = ()


# Enterprise attributes (企业名录), one row per 统一社会信用代码 (USCC).
ENTERPRISE_FIELDS: tuple[Field, ...] = (
    Field("uscc", "统一社会信用代码", "USCC", "code",
          aliases=("统一社会信用代码", "社会信用代码", "信用代码", "USCC", "credit_code", "unified_social_credit_code")),
    Field("name", "企业名称", "Enterprise name", "text",
          aliases=("企业名称", "单位名称", "单位详细名称", "名称", "公司名称", "企业", "name", "enterprise", "company")),
    Field("district", "所属区", "District", "text",
          aliases=("所属区", "所属区县", "区县", "所在区", "行政区", "区", "所属区域", "district", "county")),
    Field("city", "所在城市", "City", "text", aliases=("所在城市", "城市", "所属城市", "地市", "city")),
    Field("address", "注册地址", "Registered address", "text",
          aliases=("注册地址", "住所", "企业地址", "地址", "经营地址", "address", "registered_address")),
    Field("industry_code", "国民经济行业代码", "GB/T 4754 code", "code",
          aliases=("国民经济行业代码", "行业代码", "国民经济行业小类代码", "行业小类代码", "所属行业代码", "industry_code",
                   "gbt4754", "code")),
    Field("industry_name", "行业名称", "Industry name", "text",
          aliases=("行业名称", "国民经济行业名称", "所属行业", "industry", "industry_name")),
    Field("business_scope", "经营范围", "Business scope", "text",
          aliases=("经营范围", "主营业务", "主要业务", "business_scope", "scope")),
    Field("registered_capital", "注册资本", "Registered capital", "money", "万元",
          aliases=("注册资本", "注册资金", "registered_capital", "capital")),
    Field("founded", "成立日期", "Founded", "date",
          aliases=("成立日期", "成立时间", "注册日期", "开业日期", "founded", "established", "founding_date")),
    Field("tags", "企业标签", "Tags", "tags", aliases=("企业标签", "标签", "资质", "tags")),
)

# Yearly figures (企业年度指标), one row per USCC and year.
FIGURE_FIELDS: tuple[Field, ...] = (
    Field("year", "年份", "Year", "year", aliases=("年份", "年度", "统计年度", "报告期", "year")),
    Field("revenue", "营业收入", "Revenue", "money", "万元",
          aliases=("营业收入", "营业总收入", "主营业务收入", "revenue", "operating_revenue")),
    Field("industrial_output", "工业总产值", "Industrial output", "money", "万元",
          aliases=("工业总产值", "总产值", "产值", "industrial_output", "gross_output")),
    Field("value_added", "增加值", "Value added", "money", "万元",
          aliases=("增加值", "工业增加值", "value_added")),
    Field("employees", "从业人员", "Employees", "number", "人",
          aliases=("从业人员", "从业人员期末人数", "从业人数", "职工人数", "员工人数", "employees", "headcount")),
    Field("rd_expense", "研发费用", "R&D expense", "money", "万元",
          aliases=("研发费用", "研发投入", "R&D经费", "研究开发费用", "rd_expense", "r_and_d")),
    Field("tax", "税收", "Tax", "money", "万元", aliases=("税收", "纳税额", "纳税总额", "税金", "tax")),
    Field("energy_use", "综合能源消费量", "Energy use", "number", "吨标准煤",
          aliases=("综合能源消费量", "能源消费量", "能耗", "energy_use", "energy")),
)

FIELDS: dict[str, Field] = {f.name: f for f in (*ENTERPRISE_FIELDS, *FIGURE_FIELDS)}
MEASURES: tuple[str, ...] = tuple(f.name for f in FIGURE_FIELDS if f.name != "year")

# The columns of the store's `enterprises` table an import writes (the import's typed stage holds them)
ENTERPRISE_COLUMNS: tuple[str, ...] = (
    "uscc", "name", "city_code", "district_code", "address", "industry_code", "industry_code_raw",
    "code_vintage", "business_scope", "registered_capital", "founded",
)

# Enterprise tags (企业标签, chanye.standards.tags). Columns such as 是否高新技术企业 (是/否) map here too.
TAG_ALIASES: dict[str, str] = {
    "规上": "above_scale", "规上企业": "above_scale", "规模以上": "above_scale", "规模以上企业": "above_scale",
    "是否规上": "above_scale", "是否规上企业": "above_scale",
    "高新技术企业": "high_tech", "高新": "high_tech", "高企": "high_tech", "国家高新技术企业": "high_tech",
    "是否高新技术企业": "high_tech",
    "专精特新": "srdi", "专精特新企业": "srdi", "专精特新中小企业": "srdi", "是否专精特新": "srdi",
    "小巨人": "little_giant", "专精特新小巨人": "little_giant", "专精特新“小巨人”": "little_giant",
    '专精特新"小巨人"': "little_giant", "国家级专精特新小巨人": "little_giant", "是否小巨人": "little_giant",
    "上市": "listed", "上市企业": "listed", "上市公司": "listed", "是否上市": "listed",
}


def label(name: str, lang: str = "zh") -> str:
    """A field's or tag's display name with its unit, e.g. '营业收入（万元）'."""
    if name in TAGS:
        return TAGS[name][1 if lang == "en" else 0]
    field = FIELDS[name]
    text = field.en if lang == "en" else field.zh
    return f"{text}（{field.unit}）" if field.unit else text
