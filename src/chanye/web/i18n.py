"""UI words in Chinese (default) and English. Data (node names, sources) carry their own zh/en."""

from __future__ import annotations

from fastapi import Request

WORDS: dict[str, tuple[str, str]] = {
    "app": ("chanye 产业大脑", "chanye industry brain"),
    "overview": ("总览", "Overview"),
    "cluster": ("集群", "Clusters"),
    "district": ("区", "Districts"),
    "enterprise": ("企业", "Enterprises"),
    "data": ("数据", "Data"),
    "opportunities": ("机会", "Opportunities"),
    "chains": ("产业链", "Chains"),
    "synthetic": ("示例数据", "Synthetic demo data"),
    "synthetic_note": ("本页企业与指标为合成的示例数据，不代表真实企业或官方统计。",
                       "Enterprises and figures on this page are synthetic demo data, not real firms or official statistics."),
    "confirmed": ("已确认", "confirmed"),
    "provisional": ("暂定", "provisional"),
    "source": ("来源", "Source"),
    "unit": ("单位", "Unit"),
    "year": ("年份", "Year"),
    "download_xlsx": ("下载 XLSX", "Download XLSX"),
    "json": ("JSON", "JSON"),
    "search": ("搜索", "Search"),
    "not_found": ("未找到", "Not found"),
    "back_home": ("返回总览", "Back to overview"),
    "lang_switch": ("English", "中文"),
}


def lang_of(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("lang") or "zh"
    return "en" if lang == "en" else "zh"


def translator(lang: str):
    def t(key: str) -> str:
        pair = WORDS.get(key)
        return (pair[1] if lang == "en" else pair[0]) if pair else key

    return t
