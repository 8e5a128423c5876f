"""The embedded demo data (示例数据): a seeded generator of a SYNTHETIC enterprise registry, plus the REAL
published figures (with their sources) that it is calibrated to.

Nothing `build` makes is real: every enterprise name carries the marker 示例, every record `synthetic=True`,
every USCC is a random valid code. What is real lives in the pack's own `published.yaml` (figures and the
sources they cite, curated by hand from the project's notes; notes in zh and en): `load_published(framework)`
reads the file of the pack being built, and a pack without one has no published figures.

`build(seed)` makes about 60,000 Guangzhou enterprises (the 11 districts, all 29 industry nodes of the
guangzhou-12218 pack, and firms outside them) and about 150,000 enterprises in 39 other Chinese cities with
their own specialisations, five years of figures, and tags. It then calibrates the Guangzhou registry: the
node totals (node membership = `classify_by_rules` links; a firm in two nodes counts in both) hit a target
path per node and year exactly, and the targets honour the published figures where such exist (生物医药与健康
output 2024 > 2000亿元, +20%; six 千亿级 clusters in 2023, twelve in 2024; 八大战略性新兴产业增加值 2023 =
9,333.54亿元). `calibration` lists every target with what was achieved; docs/demo-data.md explains the design.

`build(seed, pack=...)` makes the same kind of registry for any other pack's city, with nothing written for
it in code (a `Design` derived from the pack): its districts, every industry node that owns codes (firm
counts from the breadth of the node's concordance, targets and growth from its kind, district mixes and one
weak link per chain template drawn from the seed), and the 39 peer cities less the focal one plus Guangzhou,
their specialisations carried over to the pack's nodes through the GB/T 4754 classes both packs claim. Its
calibration targets are the design's own (basis "design"): no published figure is used or seeded for a pack
it does not belong to (`load_published(framework)`).

Everything is vectorised numpy/pandas; the same seed gives identical frames.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from chanye.framework import load_pack
from chanye.framework.concordance import expand
from chanye.framework.model import Framework
from chanye.framework.published import published_doc
from chanye.registry import uscc as uscc_mod
from chanye.registry.fields import TAGS
from chanye.standards import gbt4754, regions

Progress = Callable[[str, float], None]

SEED = 12218
YEARS: tuple[int, ...] = (2020, 2021, 2022, 2023, 2024)
GUANGZHOU = "440100"  # the demo builds Guangzhou's synthetic registry (the one place allowed to name it)
GUANGZHOU_PACK = "guangzhou-12218"  # the pack the hand-written profiles below describe
MARKER = "示例"  # in every enterprise name: no generated name can be a real company's
WAN_PER_YI = 1e4  # 1 亿元 = 10,000 万元
# Firm sizes are lognormal with the tail beyond 2.5 standard deviations halved (monotone, so no two firms tie):
# the plain tail put a 示例 trading firm at 4,123 亿元 (5.6% of its node) with 136,580 staff
Z_KNEE = 2.5
INDUSTRY_SECTIONS = ("B", "C", "D")  # 采矿业, 制造业, 电力热力燃气水: firms that report 工业总产值

# Guangzhou's 11 districts in adcode order; every per-district weight tuple below follows this order.
GZ_DISTRICTS = ("440103", "440104", "440105", "440106", "440111", "440112",
                "440113", "440114", "440115", "440117", "440118")
#                荔湾      越秀      海珠      天河      白云      黄埔
#                番禺      花都      南沙      从化      增城


# --- node profiles --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """How one industry node (or one group of firms outside the nodes) is generated in the focal city.

    `count`: firms at scale 1. `districts`: weights over the design's districts (GZ_DISTRICTS for Guangzhou).
    `anchor`: the node's 2023 total of its scale metric (亿元), the calibration target; `growth`: % change of
    that total in 2021..2024 (the target path). `va`: value added / revenue; `rd`: R&D / revenue (%, median of firms doing R&D); `energy`:
    tce per 万元 of revenue; `productivity`: 万元 revenue per employee; `sigma`: lognormal spread of firm size.
    `words`: name words. `nat_growth`: the path elsewhere in China when it differs from Guangzhou's.
    Outside groups (no node) have `anchor=None`, and `median` (万元 revenue) fixes their size instead.
    """

    count: int
    districts: tuple[float, ...]
    anchor: float | None
    growth: tuple[float, float, float, float]  # 2021, 2022, 2023, 2024 (%)
    va: float
    rd: float
    energy: float
    productivity: float
    words: tuple[str, ...]
    sigma: float = 2.0
    nat_growth: tuple[float, float, float, float] | None = None
    median: float = 1000.0
    tech: bool = True


P = Profile
NODES: dict[str, Profile] = {
    # 新兴支柱产业
    "icv-nev": P(2200, (0.5, 0.3, 0.5, 1, 2, 5, 5, 5, 5, 0.5, 4), 6300, (12, 4, 2, -7.9), 0.22, 3.0, 0.02, 260,
                 ("汽车科技", "新能源汽车", "汽车零部件", "汽车电子", "智驾科技", "汽车部件", "动力科技", "车辆技术"),
                 nat_growth=(6, 5, 10, 12)),
    "uhd-display": P(900, (0.5, 0.5, 1, 2, 1.5, 8, 2, 1, 1, 0.3, 6), 1900, (10, 3, 5, 6), 0.22, 4.0, 0.04, 200,
                     ("显示科技", "光电科技", "视讯科技", "显示技术", "光学科技", "电子科技")),
    "biomed": P(3600, (1.5, 2, 2, 3, 5, 8, 4, 1.5, 2, 1, 1.5), 2050 / 1.2, (9, 6, 8, 20), 0.38, 6.0, 0.03, 150,
                ("生物医药", "医药", "生物科技", "医疗器械", "制药", "药业", "健康科技", "医疗科技"),
                nat_growth=(10, 3, 4, 6)),
    "petrochem-materials": P(2400, (1, 0.3, 0.5, 1, 3, 8, 3, 3, 6, 1, 3), 3200, (14, 2, 3, 4), 0.20, 1.5, 0.25,
                             350, ("石化", "化工", "新材料", "化学", "高分子材料", "精细化工", "材料科技")),
    "software-internet": P(6500, (2, 4, 7, 12, 2, 4, 3, 0.8, 1.2, 0.2, 0.8), 6800, (14, 6, 9, 7.4), 0.50, 8.0,
                           0.003, 80, ("软件", "信息技术", "网络科技", "数据科技", "互联网科技", "信息科技",
                                       "数字科技", "云计算科技")),
    "equipment-robotics": P(3000, (1, 0.5, 1, 1.5, 3, 7, 5, 4, 4, 1, 3), 1650, (11, 4, 6, 8), 0.28, 4.0, 0.02,
                            150, ("智能装备", "机器人", "自动化设备", "智能科技", "精密机械", "机电设备", "数控科技")),
    # 战略先导产业
    "ai": P(1300, (1, 3, 6, 10, 1.5, 5, 2.5, 0.5, 2, 0.2, 0.5), 900, (20, 15, 18, 22), 0.50, 12.0, 0.005, 90,
            ("人工智能科技", "智能科技", "智算科技", "视觉科技", "数据智能")),
    "semiconductor": P(350, (0.3, 0.5, 1, 2, 1, 8, 1.5, 0.8, 2, 0.2, 3), 360, (22, 15, 10, 16.7), 0.35, 12.0,
                       0.06, 150, ("半导体", "微电子", "集成电路", "芯片科技", "电子材料")),
    "new-energy-storage": P(700, (0.5, 0.5, 0.5, 2, 1.5, 5, 4, 2, 6, 1, 3), 960, (25, 30, 18, 13.5), 0.24, 4.0,
                            0.05, 220, ("新能源", "储能科技", "能源科技", "电池科技", "光伏科技", "电力科技"),
                            nat_growth=(30, 35, 12, 5)),
    "low-altitude-aerospace": P(450, (0.3, 0.5, 1, 2, 3, 6, 3, 4, 3, 1, 2), 880, (8, 9, 12, 15), 0.28, 6.0, 0.02,
                                150, ("航空科技", "无人机", "航天科技", "飞行器", "通用航空", "航空设备")),
    "biomanufacturing": P(300, (0.3, 0.3, 0.5, 1, 2, 6, 2, 1, 4, 2, 2), 260, (8, 9, 10, 15), 0.30, 5.0, 0.12, 180,
                          ("生物工程", "生物技术", "合成生物", "发酵科技", "生物材料")),
    # 特色优势产业
    "fashion": P(4500, (3, 3, 3, 2, 6, 2, 6, 5, 2, 1.5, 4), 2600, (8, 1, 3, 3), 0.25, 1.2, 0.02, 100,
                 ("服饰", "服装", "皮具", "化妆品", "日化", "珠宝", "家居", "食品", "饮料", "电器", "纺织"), tech=False),
    "rail-transit": P(350, (1, 2, 1.5, 3, 2, 3, 4, 2, 2, 0.5, 1.5), 980, (8, 3, 9, 8), 0.30, 3.0, 0.01, 120,
                      ("轨道交通", "轨道装备", "交通科技", "轨道技术")),
    "shipbuilding-marine": P(300, (0.5, 0.3, 1.5, 1, 0.3, 2, 2, 0.3, 12, 0.1, 0.5), 420, (5, 6, 9, 12), 0.22, 2.5,
                             0.03, 160, ("船舶", "海洋工程", "船舶设备", "海工装备", "船务工程")),
    "smart-construction": P(900, (2, 3, 3, 4, 4, 4, 4, 2, 3, 1, 3), 940, (9, 5, 6, 8.5), 0.22, 2.0, 0.08, 120,
                            ("建筑科技", "建设", "装配式建筑", "建材科技", "钢结构", "建设工程")),
    # 未来产业
    "embodied-ai": P(120, (0.3, 0.5, 2, 4, 0.5, 5, 3, 1, 2, 0.2, 1), 25, (40, 50, 60, 80), 0.45, 15.0, 0.01, 80,
                     ("机器人科技", "具身智能", "智能机器人", "仿生科技")),
    "cell-gene": P(150, (0.5, 1, 1.5, 3, 1, 8, 1, 0.3, 2, 0.3, 0.5), 60, (25, 20, 18, 25), 0.45, 18.0, 0.01, 70,
                   ("基因科技", "细胞科技", "生物科技", "基因技术")),
    "quantum": P(30, (0.2, 0.5, 1, 3, 0.5, 4, 2, 0.2, 3, 0.1, 0.3), 6, (25, 25, 30, 33), 0.45, 20.0, 0.01, 60,
                 ("量子科技", "量子技术", "量子信息")),
    "hydrogen-fusion": P(80, (0.2, 0.2, 0.5, 1, 1, 6, 2, 1, 6, 0.5, 2), 40, (30, 28, 25, 30), 0.35, 10.0, 0.03,
                         120, ("氢能科技", "氢能源", "能源科技", "燃料电池")),
    "bci": P(30, (0.3, 1, 2, 4, 0.5, 4, 2, 0.2, 1, 0.1, 0.3), 5, (30, 30, 35, 40), 0.45, 18.0, 0.01, 60,
             ("脑科技", "神经科技", "脑机科技")),
    "6g": P(40, (0.2, 1, 2, 5, 0.5, 4, 2, 0.3, 3, 0.1, 0.3), 8, (20, 20, 25, 37.5), 0.45, 15.0, 0.01, 80,
            ("通信科技", "通信技术", "太赫兹科技")),
    # 8个现代服务业 (value added)
    "finance": P(2200, (2, 8, 3, 14, 1.5, 1.5, 1.5, 0.5, 3, 0.2, 0.5), 2700, (7, 6, 5, 5), 0.60, 0.3, 0.001, 300,
                 ("投资", "资产管理", "融资租赁", "保险代理", "金融服务", "基金管理", "股权投资"), tech=False),
    "tech-services": P(3200, (1.5, 4, 4, 10, 2, 6, 3, 1, 2, 0.5, 1), 1250, (10, 7, 8, 7), 0.45, 6.0, 0.005, 60,
                       ("技术服务", "检测技术", "科技服务", "工程设计", "认证服务", "知识产权代理")),
    "commerce": P(6000, (6, 6, 4, 7, 7, 2, 4, 3, 2, 1, 3), 3300, (8, 1, 5, 3), 0.15, 0.2, 0.002, 400,
                  ("贸易", "商贸", "进出口", "商业", "电子商务", "会展服务"), sigma=2.2, tech=False),
    "logistics": P(2500, (1.5, 1, 1.5, 2, 6, 4, 2, 6, 5, 0.5, 2), 1350, (12, 2, 8, 5), 0.30, 0.3, 0.03, 100,
                   ("物流", "供应链管理", "货运代理", "仓储", "国际货运代理", "快递服务"), tech=False),
    "business-services": P(2800, (2, 7, 4, 10, 3, 3, 3, 1, 2, 0.3, 1), 1900, (9, 3, 7, 6), 0.40, 0.3, 0.002, 60,
                           ("企业管理", "管理咨询", "人力资源", "商务服务", "咨询", "园区管理"), tech=False),
    "culture-creative": P(2200, (2, 5, 6, 8, 2, 2, 3, 0.8, 1, 0.3, 1), 1050, (12, 2, 8, 6), 0.40, 1.5, 0.003, 70,
                          ("文化传播", "传媒", "影视", "广告", "文化创意", "动漫", "出版"), tech=False),
    "tourism": P(2000, (3, 5, 3, 5, 3, 1.5, 4, 1.5, 2, 2, 2), 720, (15, -8, 25, 4), 0.40, 0.1, 0.02, 25,
                 ("餐饮管理", "酒店管理", "旅游", "旅行社", "餐饮", "文旅"), sigma=1.7, tech=False),
    "health-services": P(1200, (2, 6, 4, 5, 4, 2, 3, 2, 1, 1, 2), 980, (8, 6, 6, 5), 0.50, 0.8, 0.01, 40,
                         ("医疗管理", "健康管理", "养老服务", "康复医疗", "医疗投资"), tech=False),
}

# Firms outside every node: GB/T 4754 sections (or divisions) they are drawn from; only 小类 that no node
# claims are used, so these firms stay outside the 12218 nodes.
OUTSIDE: dict[str, tuple[Profile, tuple[str, ...]]] = {
    "traditional-manufacturing": (
        P(3300, (1, 0.3, 0.8, 0.5, 4, 2, 3, 4, 2, 1.5, 4), None, (8, 0, 2, 2), 0.22, 1.0, 0.08, 100,
          ("实业", "制品", "五金", "包装", "印刷", "纸业", "金属制品", "工业"), median=800, tech=False),
        ("C",)),
    "utilities-mining": (
        P(150, (0.5, 0.5, 0.5, 1, 2, 3, 1, 1, 2, 1, 1), None, (6, 4, 4, 3), 0.30, 0.5, 0.4, 500,
          ("电力", "能源", "燃气", "水务", "热力"), median=3000, sigma=2.0, tech=False),
        ("B", "D")),
    "construction": (
        P(2200, (2, 3, 3, 4, 4, 2, 4, 2, 2, 0.8, 2), None, (8, 2, 3, 1), 0.25, 0.5, 0.01, 90,
          ("建筑工程", "建设工程", "装饰工程", "工程"), median=1500, tech=False),
        ("E",)),
    "real-estate": (
        P(1400, (2, 3, 3, 5, 3, 2, 4, 2, 2, 0.8, 2), None, (6, -10, -8, -6), 0.35, 0.05, 0.003, 400,
          ("置业", "房地产开发", "物业管理", "地产"), median=1200, sigma=2.1, tech=False),
        ("K",)),
    "transport": (
        P(900, (1.5, 1, 1.5, 2, 4, 2, 2, 3, 2, 0.5, 2), None, (15, -5, 12, 5), 0.35, 0.2, 0.06, 60,
          ("运输", "客运", "汽车租赁", "交通服务"), median=500, tech=False),
        ("G",)),
    "other-services": (
        P(2150, (2.5, 3, 3, 4, 3.5, 2, 4, 2, 2, 1, 2.5), None, (8, 0, 6, 4), 0.40, 0.2, 0.004, 30,
          ("家政服务", "清洁服务", "教育咨询", "美容美发", "体育文化", "环保科技", "信息咨询"), median=200, sigma=1.5,
          tech=False),
        ("A", "I", "L", "N", "O", "P", "R")),
}

# Codes to favour within a node (all cities): most firms of a node sit in a few classes. Keys are code
# prefixes (longest match wins); values multiply the class's share.
CODE_WEIGHT: dict[str, dict[str, float]] = {
    "icv-nev": {"3670": 8, "3611": 0.08, "3612": 0.08, "3660": 1.5, "5267": 1.5},
    "biomed": {"358": 1.6, "515": 2.5, "525": 2.0, "27": 1.2},
    "software-internet": {"651": 3, "659": 2, "6513": 1.5},
    "commerce": {"51": 1.5, "728": 2},
    "fashion": {"18": 1.5, "268": 1.5, "19": 1.3, "243": 1.2},
    "finance": {"662": 1.2, "676": 3, "6631": 2},
    "tech-services": {"745": 2, "748": 2},
    "tourism": {"62": 3, "61": 1.5},
    "health-services": {"84": 2},
}
# Leaders: a log-size shift for the classes where the big firms sit (整车, 炼油, 显示面板, fabs, banks ...).
CODE_SIZE: dict[str, float] = {
    "3611": 4.5, "3612": 4.2, "2511": 3.5, "3974": 2.8, "3951": 1.5, "3973": 2.5, "2710": 0.8, "2720": 0.8,
    "3841": 1.5, "3741": 1.5, "4343": 1.8, "5412": 4.0, "4811": 2.0, "3731": 2.2, "3720": 2.0, "662": 2.5,
    "681": 2.0, "6421": 1.2, "6432": 1.0, "441": 2.0, "8411": 2.0, "515": 0.6, "3430": 1.0,
}
# Guangzhou's chain gaps, applied to every node's firms in Guangzhou only (peers keep full weight):
# 0 = a missing link (no Guangzhou firm has the class), < 1 = a weak link. See docs/demo-data.md.
GZ_GAPS: dict[str, float] = {
    "3562": 0.0,  # 半导体器件专用设备制造: no semiconductor equipment makers
    "3569": 0.0,  # 其他电子专用设备制造: no panel / wafer process equipment
    "3415": 0.0,  # 风能原动设备制造: no wind turbines
    "3218": 0.0,  # 硅冶炼: no polysilicon
    "3742": 0.0,  # 航天器及运载火箭制造: no spacecraft or launchers
    "3985": 0.15,  # 电子专用材料: few wafer / photoresist / display-material makers
    "3973": 0.35,  # 集成电路制造: a single fab and little else
    "6520": 0.5,  # 集成电路设计
    "3825": 0.2,  # 光伏设备及元器件
    "2613": 0.1,  # 无机盐制造 (lithium salts)
    "3042": 0.2,  # 特种玻璃 (glass substrates)
    "3743": 0.2,  # 航天相关设备
    "3741": 0.5,  # 飞机制造
    "3812": 0.3,  # 电动机 (drive motors)
    "3940": 0.3,  # 雷达 (vehicle radar)
    "3983": 0.2,  # 敏感元件及传感器
    "342": 0.5,  # 金属加工机械 (machine tools)
    "3544": 0.4,  # 制药专用设备
}
# Share of a node's firms drawn link by link from its chain template (chains/*.yaml), and Guangzhou's gaps
# and strengths by chain node (环节): 0 = missing, < 1 = weak, > 1 = strong. Peers keep weight 1.
CHAIN_SHARE = 0.5
MIN_OWN_FIRMS = 3
GZ_CHAIN_GAPS: dict[str, dict[str, float]] = {
    "icv-nev": {"lithium": 0.0, "electrode-materials": 0.3, "electrolyte": 0.3, "separator": 0.0,
                "auto-chips": 0.15, "sensors": 0.4, "drive-motor": 0.5, "vehicle": 1.5, "parts": 1.5},
    "uhd-display": {"panel-equipment": 0.0, "glass-substrate": 0.2, "display-materials": 0.3,
                    "optical-films": 0.3, "driver-ic": 0.2, "led-chips": 0.5, "lcd-panel": 1.5, "oled-panel": 1.5},
    "biomed": {"bio-reagents": 0.3, "pharma-equipment": 0.3, "excipients": 0.5, "tcm-products": 1.5,
               "ivd": 1.5, "distribution": 1.3},
    "semiconductor": {"wafers": 0.1, "equipment": 0.0, "eda-ip": 0.3, "foundry": 0.3, "mems": 0.3},
    "new-energy-storage": {"battery-materials": 0.2, "polysilicon": 0.0, "wind": 0.3, "pv-modules": 0.5},
    "equipment-robotics": {"machine-tools": 0.5, "sensors-vision": 0.4, "reducers": 0.6},
}
# ... and Guangzhou's strengths by code.
GZ_STRENGTHS: dict[str, dict[str, float]] = {
    "icv-nev": {"3670": 1.5},
    "fashion": {"19": 2.0, "268": 2.0, "2438": 3.0, "18": 1.5},
    "biomed": {"2740": 1.5},
}

# Other cities: (name, weight, node multipliers, code multipliers). Weights are relative firm counts; node
# multipliers shift the mix of firms (and their size) towards a city's specialisations.
OTHER_CITIES: tuple[tuple[str, float, dict[str, float], dict[str, float]], ...] = (
    ("深圳市", 16, {"semiconductor": 3, "uhd-display": 2.5, "ai": 2.2, "icv-nev": 1.5, "new-energy-storage": 2.5,
                    "low-altitude-aerospace": 3, "software-internet": 1.6, "equipment-robotics": 1.5,
                    "embodied-ai": 2.5, "6g": 3, "finance": 1.3, "petrochem-materials": 0.4,
                    "shipbuilding-marine": 0.3}, {"6520": 3, "3963": 4, "3562": 2, "3841": 2}),
    ("上海市", 16, {"semiconductor": 3, "biomed": 2, "icv-nev": 1.6, "low-altitude-aerospace": 2, "finance": 2,
                    "ai": 1.8, "cell-gene": 2.5, "shipbuilding-marine": 2, "petrochem-materials": 1.2,
                    "quantum": 1.5, "commerce": 1.2}, {"3973": 3, "3562": 3, "3741": 4, "3985": 2}),
    ("北京市", 14, {"software-internet": 2.5, "ai": 2.8, "biomed": 1.6, "semiconductor": 1.8, "finance": 2,
                    "tech-services": 2.2, "quantum": 3, "bci": 3, "cell-gene": 2, "culture-creative": 1.8,
                    "fashion": 0.4, "petrochem-materials": 0.4, "shipbuilding-marine": 0.1},
     {"3742": 4, "3562": 2, "6520": 2}),
    ("苏州市", 8, {"biomed": 2, "semiconductor": 2, "uhd-display": 1.8, "equipment-robotics": 2,
                   "petrochem-materials": 1.4, "new-energy-storage": 1.3, "fashion": 1.2, "icv-nev": 1.2},
     {"3985": 2, "3974": 1.5}),
    ("杭州市", 7, {"software-internet": 2.8, "ai": 2, "commerce": 1.5, "fashion": 1.2, "biomed": 1.2,
                   "culture-creative": 1.5, "semiconductor": 1.1, "embodied-ai": 2.5}, {"3964": 2}),
    ("东莞市", 5, {"uhd-display": 1.8, "equipment-robotics": 1.8, "fashion": 1.8, "new-energy-storage": 1.4,
                   "semiconductor": 1.0}, {}),
    ("佛山市", 5, {"fashion": 2.2, "equipment-robotics": 2.2, "petrochem-materials": 1.2, "icv-nev": 1.1,
                   "smart-construction": 1.8, "hydrogen-fusion": 2.5}, {"385": 3, "3491": 2}),
    ("成都市", 5, {"semiconductor": 1.8, "uhd-display": 1.8, "low-altitude-aerospace": 2.5, "biomed": 1.6,
                   "software-internet": 1.3, "rail-transit": 1.5}, {"3741": 3, "3974": 2}),
    ("武汉市", 5, {"uhd-display": 2, "semiconductor": 2, "icv-nev": 1.8, "biomed": 1.4, "6g": 1.5},
     {"3973": 3, "3976": 3}),
    ("重庆市", 4, {"icv-nev": 2.5, "uhd-display": 1.5, "semiconductor": 1.2, "equipment-robotics": 1.2}, {}),
    ("天津市", 4, {"petrochem-materials": 2, "low-altitude-aerospace": 1.6, "biomed": 1.2,
                   "shipbuilding-marine": 1.5, "new-energy-storage": 1.3}, {"3742": 2}),
    ("南京市", 4, {"software-internet": 1.6, "icv-nev": 1.3, "biomed": 1.4, "rail-transit": 1.8,
                   "semiconductor": 1.3, "6g": 1.3}, {}),
    ("西安市", 3, {"low-altitude-aerospace": 2.8, "semiconductor": 1.8, "new-energy-storage": 2, "icv-nev": 1.5},
     {"3742": 3, "3825": 3}),
    ("合肥市", 3, {"uhd-display": 3, "icv-nev": 2.5, "semiconductor": 2, "new-energy-storage": 2.5, "quantum": 5,
                   "ai": 1.5}, {"3974": 3, "3973": 2, "3569": 3}),
    ("长沙市", 3, {"equipment-robotics": 2.2, "rail-transit": 1.6, "icv-nev": 1.1, "smart-construction": 1.8},
     {"351": 3}),
    ("宁波市", 3, {"petrochem-materials": 2.5, "fashion": 1.5, "icv-nev": 1.4, "equipment-robotics": 1.3,
                   "new-energy-storage": 1.2}, {}),
    ("青岛市", 3, {"fashion": 1.6, "rail-transit": 2.5, "shipbuilding-marine": 2, "petrochem-materials": 1.3}, {}),
    ("无锡市", 2.5, {"semiconductor": 2.8, "biomed": 1.4, "new-energy-storage": 1.6, "equipment-robotics": 1.4},
     {"3973": 3, "3825": 2}),
    ("厦门市", 2, {"uhd-display": 2.5, "fashion": 1.2, "new-energy-storage": 1.4, "semiconductor": 1.2}, {}),
    ("郑州市", 2, {"icv-nev": 1.4, "uhd-display": 1.2, "fashion": 1.1}, {}),
    ("济南市", 1.5, {"software-internet": 1.5, "quantum": 2, "equipment-robotics": 1.2}, {}),
    ("福州市", 1.2, {"uhd-display": 1.3, "fashion": 1.3}, {}),
    ("珠海市", 1.5, {"fashion": 2, "semiconductor": 1.6, "low-altitude-aerospace": 2, "biomed": 1.3,
                   "shipbuilding-marine": 1.5}, {"385": 3}),
    ("惠州市", 1.5, {"petrochem-materials": 2.8, "uhd-display": 1.8, "new-energy-storage": 2}, {"2511": 2}),
    ("中山市", 1.2, {"fashion": 2, "equipment-robotics": 1.3}, {}),
    ("常州市", 1.5, {"new-energy-storage": 3.5, "icv-nev": 1.5, "rail-transit": 1.2, "equipment-robotics": 1.3},
     {"3825": 3, "3841": 2}),
    ("宁德市", 0.5, {"new-energy-storage": 8, "icv-nev": 2}, {"3841": 5, "2613": 3}),
    ("株洲市", 0.5, {"rail-transit": 8, "low-altitude-aerospace": 2.5}, {"371": 3}),
    ("大连市", 1.2, {"shipbuilding-marine": 4, "petrochem-materials": 2, "equipment-robotics": 1.4}, {}),
    ("南通市", 1.2, {"shipbuilding-marine": 4, "fashion": 1.5}, {}),
    ("沈阳市", 1.2, {"equipment-robotics": 1.8, "low-altitude-aerospace": 1.8, "icv-nev": 1.3}, {"3491": 2}),
    ("长春市", 1.0, {"icv-nev": 4, "rail-transit": 2}, {"3611": 2}),
    ("柳州市", 0.5, {"icv-nev": 5}, {}),
    ("哈尔滨市", 0.8, {"low-altitude-aerospace": 2, "equipment-robotics": 1.5}, {}),
    ("江门市", 0.8, {"fashion": 1.5, "new-energy-storage": 1.3, "rail-transit": 1.2}, {}),
    ("肇庆市", 0.5, {"icv-nev": 1.8, "new-energy-storage": 1.8}, {}),
    ("泉州市", 1.2, {"fashion": 2.5, "petrochem-materials": 1.5}, {}),
    ("温州市", 1.0, {"fashion": 2, "equipment-robotics": 1.2}, {}),
    ("嘉兴市", 1.0, {"new-energy-storage": 1.8, "fashion": 1.4}, {"3825": 2}),
)
OTHER_TOTAL = 150_000
GZ_OUTSIDE_SHARE_ELSEWHERE = 0.20  # share of other cities' firms outside every node

# Published figures the generator is calibrated to (亿元 unless stated); see the pack's published.yaml.
BIOMED_OUTPUT_2024 = 2050.0  # published: > 2000亿元
BIOMED_GROWTH_2024 = 20.0  # published: +20%
STRATEGIC_EMERGING_VA_2023 = 9333.54  # published: 八大战略性新兴产业增加值
THOUSAND = 1000.0  # 千亿级: at least 1000亿元
CLUSTERS_2023 = ("icv-nev", "uhd-display", "petrochem-materials", "fashion", "equipment-robotics", "biomed")
STRATEGIC_TIERS = ("gz-21-pillar", "gz-21-leading")  # 新兴支柱 + 战略先导 = our 战略性新兴产业


# --- the design: the focal city and how its firms are drawn ------------------------------------------------


@dataclass(frozen=True)
class Design:
    """Everything the generator knows about the focal city: its adcode and districts (the order of every
    `Profile.districts`), the node and outside-group profiles, code weights, the city's gaps and strengths
    (by code and by chain node), the peer cities (name, weight, node multipliers, code multipliers) and
    whether the calibration follows Guangzhou's published figures."""

    city: str
    districts: tuple[str, ...]
    nodes: dict[str, Profile]
    outside: dict[str, tuple[Profile, tuple[str, ...]]]
    code_weight: dict[str, dict[str, float]]
    gaps: dict[str, float]
    strengths: dict[str, dict[str, float]]
    chain_gaps: dict[str, dict[str, float]]
    peers: tuple[tuple[str, float, dict[str, float], dict[str, float]], ...]
    published: bool = False


GUANGZHOU_DESIGN = Design(GUANGZHOU, GZ_DISTRICTS, NODES, OUTSIDE, CODE_WEIGHT, GZ_GAPS, GZ_STRENGTHS,
                          GZ_CHAIN_GAPS, OTHER_CITIES, published=True)

# Guangzhou as a peer of another focal city, its specialisations named by guangzhou-12218 nodes like the
# other peers' (carried over to the focal pack's nodes through the classes both packs claim).
GUANGZHOU_AS_PEER: tuple[str, float, dict[str, float], dict[str, float]] = (
    "广州市", 14, {"icv-nev": 1.8, "biomed": 1.6, "fashion": 1.8, "petrochem-materials": 1.6, "commerce": 1.4,
                  "rail-transit": 1.6, "uhd-display": 1.4, "shipbuilding-marine": 1.3, "semiconductor": 0.6,
                  "low-altitude-aerospace": 1.2}, {"3670": 1.5, "2682": 2.0, "2740": 1.5})

# A pack without hand-written profiles: by node kind, firms at scale 1 (before the breadth factor), 亿元 of the
# node's scale metric per firm in 2023 (times the kind's firm count: the node's 2023 target before its random
# factor, whatever its breadth), and the yearly growth path (%) of 2021..2024.
GENERIC_KIND: dict[str, tuple[int, float, tuple[float, float, float, float]]] = {
    "cluster": (1500, 0.8, (10.0, 5.0, 8.0, 9.0)),
    "future": (120, 0.3, (30.0, 25.0, 30.0, 35.0)),
    "service": (2200, 0.5, (8.0, 3.0, 7.0, 6.0)),
}
GENERIC_BREADTH = 6.0  # a node claiming this many 小类 (whole = 1, partial = 0.3) has the kind's firm count;
# the count grows with breadth ** 0.35 within 0.6..1.5 of it, so broad traditional classes do not swamp the rest
GENERIC_WEAK_LINK = 0.2  # the weight of the one weak chain node per template in a derived design


def design_for(framework: Framework, rng: np.random.Generator) -> Design:
    """The hand-written Guangzhou design for guangzhou-12218, otherwise one derived from the pack."""
    if framework.id == GUANGZHOU_PACK:
        return GUANGZHOU_DESIGN
    return _derived_design(framework, rng)


def _words(node) -> tuple[str, ...]:
    """Name words for a node's firms: the parts of its Chinese name ('网络与通信' -> 网络, 通信), each also with
    科技, and a few short Chinese business-scope keywords."""
    parts = [p for p in re.split(r"[与和及、·]", node.name.zh) if len(p) >= 2]
    keywords = [k for k in node.keywords if 2 <= len(k) <= 4 and re.fullmatch(r"[\u4e00-\u9fff]+", k)]
    words = [*parts, *(p + "科技" for p in parts if not p.endswith("科技")), *keywords[:4]]
    return tuple(dict.fromkeys(words)) or ("科技",)


def _derived_design(framework: Framework, rng: np.random.Generator) -> Design:
    """A design for any pack: every industry node that owns codes gets a profile from its kind and the breadth
    of its concordance; district mixes, sizes, growth paths and one weak link per chain are drawn from `rng`."""
    std = gbt4754.load()
    claims = _claims(framework.path)
    districts = tuple(d.code for d in framework.city.districts)
    nd = len(districts)
    nodes: dict[str, Profile] = {}
    for node in framework.industry_nodes():
        codes, weights, kws = claims.get(node.id, ((), (), ()))
        if not codes:
            continue  # a node without codes cannot be given firms
        base, per_firm, growth = GENERIC_KIND[node.kind]
        breadth = sum(0.3 if kw else 1.0 for kw in kws)
        count = max(round(base * np.clip((breadth / GENERIC_BREADTH) ** 0.35, 0.6, 1.5)
                          * np.exp(0.25 * rng.standard_normal())), 30)
        w = np.asarray(weights, dtype=float)
        industrial = float(w[[std.get(c).section in INDUSTRY_SECTIONS for c in codes]].sum() / w.sum())
        making = industrial >= 0.5
        nodes[node.id] = Profile(
            count=count,
            districts=tuple(np.round(rng.gamma(2.0, 1.0, nd) + 0.05, 3)),
            anchor=round(base * per_firm * float(np.exp(0.4 * rng.standard_normal())), 1),
            growth=tuple(np.round(np.array(growth) + 2.5 * rng.standard_normal(4), 1)),
            va=0.25 if making else 0.45,
            rd={"cluster": 5.0, "future": 15.0, "service": 1.0}[node.kind],
            energy=0.05 if making else 0.005,
            productivity=180.0 if making else 80.0,
            words=_words(node),
            tech=node.kind != "service",
        )
    outside = {}
    for group, (prof, sections) in OUTSIDE.items():
        if _unowned_codes(framework.path, sections):
            outside[group] = (replace(prof, districts=tuple(np.round(rng.gamma(2.0, 1.0, nd) + 0.05, 3))), sections)
    chain_gaps: dict[str, dict[str, float]] = {}
    for cluster, entries in sorted(_chain_entries(framework.path).items()):
        if cluster in nodes:
            links = sorted({link for link, *_ in entries})
            chain_gaps[cluster] = {links[int(rng.integers(len(links)))]: GENERIC_WEAK_LINK}
    return Design(framework.info.city, districts, nodes, outside, {}, {}, {}, chain_gaps,
                  _peers_for(framework, nodes))


def _peers_for(framework: Framework, nodes: dict[str, Profile]) -> tuple:
    """The peer cities of a derived design: the 39 of the Guangzhou design less the focal city, plus Guangzhou
    when it is not the focal city. A peer's multiplier for a node of this pack is the claim-weighted mean, over
    the node's classes, of the multipliers of the guangzhou-12218 nodes claiming each class (1 where none)."""
    own = _claims(framework.path)
    gz_claims = _claims(load_pack(GUANGZHOU_PACK).path)
    claimed_by: dict[str, list[str]] = {}
    for gz_node, (codes, _, _) in gz_claims.items():
        for code in codes:
            claimed_by.setdefault(code, []).append(gz_node)
    cities = [p for p in OTHER_CITIES if regions.city(p[0]).code != framework.info.city]
    if framework.info.city != GUANGZHOU:
        cities.append(GUANGZHOU_AS_PEER)
    out = []
    for name, weight, mult, code_mult in cities:
        carried = {}
        for node_id in nodes:
            codes, weights, _ = own[node_id]
            m = [np.mean([mult.get(g, 1.0) for g in claimed_by[c]]) if c in claimed_by else 1.0 for c in codes]
            value = round(float(np.average(m, weights=weights)), 3)
            if value != 1.0:
                carried[node_id] = value
        out.append((name, weight, carried, code_mult))
    return tuple(out)


_SYLLABLES = tuple(
    "澜桥瑞丰泓睿星禾川岚昱曜骏朗铭晟弘泰嘉越拓衡恒达远锦辰翔宇聚灵捷汇诚润源盛启航鼎峰岳松柏蓝青橙"
    "晨曦明耀光博优卓凯琪璟珂琳瑜璞祺禧煦熙璐洛溪沐霖雅韵知行致简云帆舟屿澄湛沛芮蔚"
)
_ROAD_END = ("路", "路", "大道", "街", "大街", "二路", "一路")


@dataclass
class DemoData:
    """The synthetic registry (`enterprises`, `figures`, `tags`) and what its calibration hit."""

    enterprises: pd.DataFrame
    figures: pd.DataFrame
    tags: pd.DataFrame
    calibration: pd.DataFrame
    timings: dict[str, float] = field(default_factory=dict)


# --- published figures ------------------------------------------------------------------------------------


PUBLISHED_COLUMNS = ("id", "scope", "area", "node", "metric", "year", "value", "unit", "comparison", "growth",
                     "source", "note", "note_en")
SOURCE_KEYS = ("id", "title", "publisher", "date", "url", "note", "note_en")


def _notes(note) -> tuple[str, str]:
    """A YAML note -> (zh, en): `{zh, en}` as given; one string is both."""
    if isinstance(note, dict):
        zh, en = str(note.get("zh") or ""), str(note.get("en") or "")
        return zh or en, en or zh
    text = "" if note is None else str(note)
    return text, text


def load_published(framework: Framework | None = None) -> tuple[pd.DataFrame, list[dict]]:
    """The real published figures of `framework`'s pack (the default pack when None): one row each, columns
    PUBLISHED_COLUMNS (`note` Chinese, `note_en` English), and the sources they cite (dicts with SOURCE_KEYS),
    from the pack's `published.yaml`. A pack without that file has none (an empty frame and no sources).

    Only the figures that belong to the pack are kept: on its city or one of its districts, and naming none of
    the industry nodes or one of its own; and only the sources those figures cite.
    """
    framework = framework if framework is not None else load_pack()
    doc = published_doc(framework)  # an inheriting pack's: its figures kept below where they fit this pack
    figures = []
    for f in doc.get("figures") or []:
        zh, en = _notes(f.get("note"))
        figures.append({**f, "note": zh, "note_en": en})
    frame = pd.DataFrame(figures, columns=list(PUBLISHED_COLUMNS))
    frame["area"] = frame["area"].astype(str)
    frame["year"] = frame["year"].astype("int64")
    frame["value"] = frame["value"].astype("float64")
    frame["growth"] = pd.to_numeric(frame["growth"]).astype("float64")
    frame["node"] = frame["node"].astype(object).where(frame["node"].notna(), None)
    sources = []
    for s in doc.get("sources") or []:
        zh, en = _notes(s.get("note"))
        sources.append({**{k: s.get(k) for k in SOURCE_KEYS}, "date": str(s.get("date")), "note": zh, "note_en": en})
    city = framework.city
    areas = {city.code, *(d.code for d in city.districts)}
    nodes = {n.id for n in framework.industry_nodes()}
    node = frame["node"]
    keep = frame["area"].isin(areas) & (node.isna() | node.isin(nodes))
    frame = frame[keep].reset_index(drop=True)
    cited = set(frame["source"])
    sources = [s for s in sources if s["id"] in cited]
    return frame, sources


# --- helpers ----------------------------------------------------------------------------------------------


def _target_path(profile: Profile, years: tuple[int, ...]) -> dict[int, float]:
    """The node's target total (亿元) per year: the 2023 anchor moved by Guangzhou's yearly growth rates."""
    out = {}
    for y in years:
        value = profile.anchor or 0.0
        if y > 2023:
            for t in range(2024, y + 1):
                value *= 1 + _growth_of(profile, t, False)
        else:
            for t in range(y + 1, 2024):
                value /= 1 + _growth_of(profile, t, False)
        out[y] = value
    return out


def _growth_of(profile: Profile, year: int, national: bool) -> float:
    rates = profile.nat_growth if national and profile.nat_growth else profile.growth
    table = dict(zip((2021, 2022, 2023, 2024), rates, strict=True))
    return table.get(year, table[2024] if year > 2024 else table[2021]) / 100


def _prefix_lookup(table: dict[str, float], code: str, default: float = 1.0) -> float:
    for n in range(len(code), 0, -1):
        if code[:n] in table:
            return table[code[:n]]
    return default


@functools.cache
def _claims(pack_path: str) -> dict[str, tuple[tuple[str, ...], tuple[float, ...], tuple[tuple[str, ...], ...]]]:
    """node -> (小类 codes, base weights, keywords to guarantee (empty for whole codes)).

    A partial code's keywords are narrowed to those that no other node's partial rule on the same code would
    also match (where any such remain), so that a firm generated for one node does not land in another by
    accident: 基因检测 is a 8492 keyword of both 生物医药与健康 and 细胞与基因.
    """
    framework = load_pack(pack_path)
    std = gbt4754.load()
    partial_words: dict[str, dict[str, set[str]]] = {}  # code -> node -> keywords
    for node in framework.industry_nodes():
        for rule in node.codes:
            if rule.scope == "partial" and rule.code in std:
                for code in std.small_classes_under(rule.code):
                    partial_words.setdefault(code, {}).setdefault(node.id, set()).update(rule.keywords)
    out: dict[str, tuple[list, list, list]] = {}
    for node in framework.industry_nodes():
        codes: dict[str, tuple[float, tuple[str, ...]]] = {}
        for rule in node.codes:
            if rule.code not in std:
                continue
            small = std.small_classes_under(rule.code)
            share = 1.0 / len(small) * (0.6 if rule.scope == "partial" else 1.0)
            for code in small:
                kw: tuple[str, ...] = ()
                if rule.scope == "partial":
                    kw = _safe_words(rule.keywords, code, node.id, partial_words)
                if code in codes and not codes[code][1]:
                    continue  # a whole claim wins over a partial one
                codes[code] = (codes.get(code, (0.0, ()))[0] + share, kw)
        out[node.id] = (list(codes), [w for w, _ in codes.values()], [kw for _, kw in codes.values()])
    return {k: (tuple(a), tuple(b), tuple(c)) for k, (a, b, c) in out.items()}


def _safe_words(words, code: str, node_id: str, partial_words: dict[str, dict[str, set[str]]]) -> tuple[str, ...]:
    """`words` without those that would also trigger another node's partial rule on `code`."""
    others = [w for n, ws in partial_words.get(code, {}).items() if n != node_id for w in ws]
    safe = tuple(w for w in words if not any(o in w for o in others))
    return safe or tuple(words)


@functools.cache
def _unowned_codes(pack_path: str, sections: tuple[str, ...]) -> tuple[str, ...]:
    framework = load_pack(pack_path)
    owned = {o.code for o in expand(framework)}
    std = gbt4754.load()
    return tuple(c.code for c in std.classes("class") if c.section in sections and c.code not in owned)


def _pick_codes(rng: np.random.Generator, n: int, codes: tuple[str, ...], weights: np.ndarray) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    p = p / p.sum()
    return rng.choice(len(codes), size=n, p=p)


def _counts(total: int, weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Split `total` by `weights` into integers (largest remainders, deterministic)."""
    w = np.asarray(weights, dtype=float)
    raw = total * w / w.sum()
    base = np.floor(raw).astype(int)
    rest = total - base.sum()
    order = np.argsort(-(raw - base) + rng.random(len(w)) * 1e-9, kind="stable")
    base[order[:rest]] += 1
    return base


# --- the generator ----------------------------------------------------------------------------------------


@dataclass
class _Firms:
    """Column arrays of the firms being built (one entry per firm)."""

    city: list[np.ndarray] = field(default_factory=list)
    district: list[np.ndarray] = field(default_factory=list)
    group: list[np.ndarray] = field(default_factory=list)  # node id or outside group
    code: list[np.ndarray] = field(default_factory=list)
    keyword_sets: list[np.ndarray] = field(default_factory=list)  # object: tuple of words to guarantee
    size_shift: list[np.ndarray] = field(default_factory=list)

    def add(self, city, district, group, code, kws, shift) -> None:
        self.city.append(np.asarray(city, dtype=object))
        self.district.append(np.asarray(district, dtype=object))
        self.group.append(np.asarray(group, dtype=object))
        self.code.append(np.asarray(code, dtype=object))
        k = np.empty(len(code), dtype=object)
        k[:] = list(kws)
        self.keyword_sets.append(k)
        self.size_shift.append(np.asarray(shift, dtype=float))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({
            "city_code": np.concatenate(self.city), "district_code": np.concatenate(self.district),
            "group": np.concatenate(self.group), "industry_code": np.concatenate(self.code),
            "keywords": np.concatenate(self.keyword_sets), "size_shift": np.concatenate(self.size_shift),
        })


def _groups(words: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    return (tuple(words),) if words else ()


def _node_firms(rng, node_id: str, n: int, claims, code_factor: dict[str, float], pack_path: str,
                chain_factor: dict[str, float] | None = None,
                code_weight: dict[str, dict[str, float]] = CODE_WEIGHT) -> tuple[np.ndarray, list]:
    """Codes for `n` firms of a node and, per firm, the keyword groups its scope must satisfy (one word of
    each group). A share of the firms (CHAIN_SHARE) is drawn link by link from the node's chain template, so
    that every chain node (环节) has producers: a chain node's code and, for a partial rule, one of its words
    (plus the 12218 rule's word when the code is a partial claim of the node)."""
    codes, weights, kws = claims[node_id]
    w = np.array([wt * _prefix_lookup(code_weight.get(node_id, {}), c) * _prefix_lookup(code_factor, c)
                  for c, wt in zip(codes, weights, strict=True)])
    idx = _pick_codes(rng, n, codes, w)
    out_codes = np.array(codes, dtype=object)[idx]
    out_kws = [_groups(kws[i]) for i in idx]
    entries = _chain_entries(pack_path).get(node_id)
    if not entries:
        return out_codes, out_kws
    claim_kw = dict(zip(codes, kws, strict=True))
    chain_factor = chain_factor or {}
    ew = np.array([wt * chain_factor.get(link, 1.0) * (_prefix_lookup(code_factor, code) if code else 1.0)
                   * (1.0 if code is None or code in claim_kw else 0.4)
                   for link, code, _, wt in entries])
    chained = np.flatnonzero(rng.random(n) < CHAIN_SHARE)
    chained = chained[chained >= MIN_OWN_FIRMS]  # the first few always come from the node's own rules
    if not len(chained) or ew.sum() <= 0:
        return out_codes, out_kws
    picks = rng.choice(len(entries), size=len(chained), p=ew / ew.sum())
    for i, e in zip(chained, picks, strict=True):
        _, code, words, _ = entries[e]
        if code is not None:
            out_codes[i] = code
        groups = _groups(words)
        own = claim_kw.get(out_codes[i], ())
        if own and not (set(own) & set(words)):
            groups = (*groups, own)
        out_kws[i] = groups
    return out_codes, out_kws


@functools.cache
def _chain_entries(pack_path: str) -> dict[str, list[tuple[str, str | None, tuple[str, ...], float]]]:
    """cluster -> (chain node, 小类 or None, words to put in the scope, weight) for every producer rule of its
    chain template; each chain node weighs 1 in all. A chain node found by keywords alone gets None: the
    firm keeps its node's code and gains the keyword."""
    from chanye.framework.chains import load_chains

    try:
        chains = load_chains(pack_path)
    except Exception:  # no or invalid chain templates: firms are drawn from the node's codes only
        return {}
    std = gbt4754.load()
    out: dict[str, list] = {}
    for chain in chains:
        entries = []
        for node in chain.nodes:
            if "生产" not in node.allowed_roles:
                continue
            rules = [r for r in node.codes if r.code in std]
            found = []
            for rule in rules:
                small = [c for c in std.small_classes_under(rule.code) if c[:2] not in ("51", "52")]
                words = tuple(rule.keywords) if rule.scope == "partial" else ()
                found.extend((node.id, c, words, 1.0 / len(rules) / len(small)) for c in small)
            if not found and node.keywords:
                found = [(node.id, None, tuple(node.keywords), 1.0)]
            entries.extend(found)
        if entries:  # a cluster may have several chains (低空经济 and 商业航天): their links together
            out.setdefault(chain.cluster, []).extend(entries)
    return out


def _focal_firms(rng, firms: _Firms, claims, pack_path: str, scale: float, framework: Framework,
                 design: Design) -> None:
    std = gbt4754.load()
    districts = np.array(design.districts, dtype=object)
    for node_id, prof in design.nodes.items():
        n = max(round(prof.count * scale), 3)
        factor = dict(design.gaps)
        for k, v in design.strengths.get(node_id, {}).items():
            factor[k] = factor.get(k, 1.0) * v
        codes, kws = _node_firms(rng, node_id, n, claims, factor, pack_path, design.chain_gaps.get(node_id),
                                 design.code_weight)
        # The largest firm of a node that is measured by industrial output must make something.
        if framework.scale_metric(node_id) == "industrial_output":
            industrial = [i for i, c in enumerate(claims[node_id][0]) if std.get(c).section in INDUSTRY_SECTIONS
                          and _prefix_lookup(factor, c) > 0]
            if industrial:
                j = industrial[int(rng.integers(len(industrial)))]
                codes[0], kws[0] = claims[node_id][0][j], _groups(claims[node_id][2][j])
        dist = districts[_pick_codes(rng, n, design.districts, np.array(prof.districts))]
        shift = np.array([_prefix_lookup(CODE_SIZE, c, 0.0) for c in codes])
        shift[0] += 2.0  # a leader per node
        firms.add([design.city] * n, dist, [node_id] * n, codes, kws, shift)
    for group, (prof, sections) in design.outside.items():
        n = max(round(prof.count * scale), 3)
        pool = _unowned_codes(pack_path, sections)
        codes = np.array(pool, dtype=object)[rng.integers(0, len(pool), n)]
        dist = districts[_pick_codes(rng, n, design.districts, np.array(prof.districts))]
        shift = np.array([_prefix_lookup(CODE_SIZE, c, 0.0) for c in codes])
        firms.add([design.city] * n, dist, [group] * n, codes, [()] * n, shift)


def _other_firms(rng, firms: _Firms, claims, pack_path: str, scale: float, design: Design) -> None:
    cities = [(regions.city(name), w, nodes, codes) for name, w, nodes, codes in design.peers if w > 0]
    counts = _counts(round(OTHER_TOTAL * scale), np.array([w for _, w, _, _ in cities]), rng)
    node_ids = list(design.nodes)
    base = np.array([design.nodes[k].count for k in node_ids], dtype=float)
    base = base / base.sum() * (1 - GZ_OUTSIDE_SHARE_ELSEWHERE)
    outside_ids = list(design.outside)
    out_base = np.array([design.outside[k][0].count for k in outside_ids], dtype=float)
    out_base = out_base / out_base.sum() * GZ_OUTSIDE_SHARE_ELSEWHERE
    for (city, _, mult, code_mult), n_city in zip(cities, counts, strict=True):
        if n_city == 0:
            continue
        counties = regions.counties(city.code)
        county_codes = np.array([c.code for c in counties], dtype=object)
        county_w = np.array([3.0 if c.name.endswith("区") else 1.0 for c in counties])
        w = np.concatenate([base * np.array([mult.get(k, 1.0) for k in node_ids]), out_base])
        per_group = _counts(n_city, w, rng)
        for gid, n in zip(node_ids + outside_ids, per_group, strict=True):
            if n == 0:
                continue
            if gid in design.nodes:
                codes, kws = _node_firms(rng, gid, n, claims, code_mult, pack_path, code_weight=design.code_weight)
                # A specialisation has more firms (count x mult) and bigger ones (size x sqrt(mult)): with size x mult
                # too, 柳州 (cars x 5) drew one car maker of 3,276 亿元, three times 上海's whole sample of car makers.
                shift = np.array([_prefix_lookup(CODE_SIZE, c, 0.0) for c in codes]) + 0.5 * np.log(mult.get(gid, 1.0))
            else:
                pool = _unowned_codes(pack_path, design.outside[gid][1])
                codes = np.array(pool, dtype=object)[rng.integers(0, len(pool), n)]
                kws = [()] * n
                shift = np.array([_prefix_lookup(CODE_SIZE, c, 0.0) for c in codes])
            dist = county_codes[_pick_codes(rng, n, tuple(county_codes), county_w)]
            firms.add([city.code] * n, dist, [gid] * n, codes, kws, shift)


def _two_syllables(rng, n: int) -> np.ndarray:
    """`n` words of two different syllables ('澜桥')."""
    syl = np.array(_SYLLABLES, dtype=object)
    first = rng.integers(0, len(syl), n)
    second = (first + rng.integers(1, len(syl), n)) % len(syl)
    return syl[first] + syl[second]


def _names(rng, frame: pd.DataFrame, design: Design) -> np.ndarray:
    """'{city}{brand}示例{word}{form}', unique: duplicates are redrawn with a longer brand."""
    city_short = {c.code: regions.district_short_name(c.name) for c in regions.cities()}
    words_by_group = {**{k: p.words for k, p in design.nodes.items()},
                      **{k: p.words for k, (p, _) in design.outside.items()}}
    n = len(frame)
    city = frame["city_code"].map(city_short).to_numpy(dtype=object)
    group = frame["group"].to_numpy(dtype=object)
    u = rng.random((n, 2))
    words = np.empty(n, dtype=object)
    for g, ws in words_by_group.items():
        mask = group == g
        words[mask] = np.array(ws, dtype=object)[(u[mask, 0] * len(ws)).astype(int)]
    forms = np.array(("有限公司", "有限责任公司", "股份有限公司"), dtype=object)[
        np.searchsorted((0.8, 0.93), u[:, 1], side="right")]
    syl = np.array(_SYLLABLES, dtype=object)
    brand = _two_syllables(rng, n)
    names = city + brand + MARKER + words + forms
    length = 3
    while True:
        dup = pd.Series(names).duplicated(keep="first").to_numpy()
        if not dup.any():
            return names
        k = int(dup.sum())
        extra = syl[rng.integers(0, len(syl), k)]
        for _ in range(length - 1):
            extra = extra + syl[rng.integers(0, len(syl), k)]
        names[dup] = city[dup] + extra + MARKER + words[dup] + forms[dup]
        length += 1


def _addresses(rng, frame: pd.DataFrame, focal: str) -> np.ndarray:
    county_names = {c.code: (c.province, c.city, c.name) for c in regions.counties()}
    n = len(frame)
    road = _two_syllables(rng, n) + np.array(_ROAD_END, dtype=object)[rng.integers(0, len(_ROAD_END), n)]
    number = rng.integers(1, 999, n)
    room = rng.integers(1, 30, n) * 100 + rng.integers(1, 20, n)
    with_room = rng.random(n) < 0.6
    street_u = rng.random(n)
    district = frame["district_code"].to_numpy(dtype=object)
    city_code = frame["city_code"].to_numpy(dtype=object)
    street_cache: dict[str, list[str]] = {}
    out = np.empty(n, dtype=object)
    for i in range(n):
        d = district[i]
        prov, city, county = county_names.get(d, ("", "", ""))
        if county == city:  # 东莞市, 中山市: no districts
            county = ""
        head = (city if prov == city else prov + city) + county
        if city_code[i] == focal:
            streets = street_cache.get(d)
            if streets is None:
                streets = street_cache[d] = [s.name for s in regions.streets(d)]
            if streets:
                head += streets[int(street_u[i] * len(streets))]
        tail = f"{road[i]}{number[i]}号" + (f"{room[i]}房" if with_room[i] else "")
        out[i] = head + tail
    return out


def _scopes(rng, frame: pd.DataFrame, framework: Framework, design: Design) -> np.ndarray:
    """Business scopes from synthetic_scope, per group (so each node's words go to its firms); a partial-code
    firm is guaranteed one word of each of its keyword groups (put first, where no boilerplate can swallow it)."""
    from chanye.classify.scope import clean_scopes
    from chanye.classify.synthetic_scope import scopes_for_codes

    out = np.empty(len(frame), dtype=object)
    node_kw = {n.id: list(n.keywords) for n in framework.industry_nodes()}
    groups = frame["group"].to_numpy(dtype=object)
    codes = frame["industry_code"].to_numpy(dtype=object)
    kws = frame["keywords"].to_numpy(dtype=object)
    for g in list(design.nodes) + list(design.outside):
        idx = np.flatnonzero(groups == g)
        if not len(idx):
            continue
        by_code: dict[str, list[str]] = {}
        if g in design.nodes:
            for i in idx:
                if codes[i] not in by_code:
                    by_code[codes[i]] = list(kws[i][0]) if kws[i] else node_kw.get(g, [])
        texts = scopes_for_codes(list(codes[idx]), rng, by_code or None)
        u = rng.random((len(idx), 2))
        # What the classifier reads is the scope without its boilerplate: check the keyword there.
        cleaned = clean_scopes(pd.Series(texts, dtype=object)).tolist()
        for j, i in enumerate(idx):
            text = texts[j]
            for words in kws[i]:
                if any(w in cleaned[j] for w in words):
                    continue
                item = words[int(u[j, 0] * len(words))] + ("研发", "技术开发", "制造", "生产", "")[int(u[j, 1] * 5)]
                for head in ("一般项目：", "一般经营项目：", "经营范围："):
                    if text.startswith(head):
                        text = head + item + "；" + text[len(head):]
                        break
                else:
                    text = item + "；" + text
                cleaned[j] = item + "；" + cleaned[j]
            out[i] = text
    return out


def _registration_codes(rng, frame: pd.DataFrame) -> np.ndarray:
    """Valid synthetic USCCs. Positions 3-8 name a registering office in the firm's city (its district's or
    the city's own), which need not be the firm's district, as in real registrations."""
    out = np.empty(len(frame), dtype=object)
    cities = frame["city_code"].to_numpy(dtype=object)
    for city in pd.unique(cities):
        idx = np.flatnonzero(cities == city)
        offices = sorted({c.code for c in regions.counties(city)} | {city[:4] + "01"})
        out[idx] = uscc_mod.random_valid(rng, len(idx), offices)
    seen = pd.Series(out).duplicated().to_numpy()
    while seen.any():  # distinct within a city already; different cities have different offices
        out[seen] = uscc_mod.random_valid(rng, int(seen.sum()), ["440101"])
        seen = pd.Series(out).duplicated().to_numpy()
    return out


def build(
    seed: int = SEED,
    *,
    scale: float = 1.0,
    years: tuple[int, ...] = YEARS,
    progress: Progress | None = None,
    pack: str | Path | Framework | None = None,
) -> DemoData:
    """Build the synthetic registry. Same seed, scale, years and pack -> identical frames.

    `scale` multiplies the number of firms (1.0: ~60,000 Guangzhou + ~150,000 elsewhere); the calibrated
    Guangzhou totals stay the published ones at any scale, so firms are larger when there are fewer.
    `pack` (a name, a folder or a loaded Framework; the default pack when None) names the focal city and its
    nodes: guangzhou-12218 uses the hand-written Guangzhou design, any other pack a design derived from it.
    `progress(message, fraction)` is called as the stages complete.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    years = tuple(sorted({int(y) for y in years}))
    if not years:
        raise ValueError("years must not be empty")
    report = progress or (lambda message, fraction: None)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str, fraction: float) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now
        report(name, fraction)

    framework = pack if isinstance(pack, Framework) else load_pack(pack)
    pack_path = framework.path
    claims = _claims(pack_path)
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(12)]
    design = design_for(framework, rngs[9])
    missing = set(claims) - set(design.nodes)
    if design is GUANGZHOU_DESIGN and missing:  # a node the profiles do not know: the pack changed
        raise ValueError(f"demo profiles lack nodes {sorted(missing)}")

    firms = _Firms()
    _focal_firms(rngs[0], firms, claims, pack_path, scale, framework, design)
    _other_firms(rngs[1], firms, claims, pack_path, scale, design)
    frame = firms.frame()
    lap("firms", 0.10)

    frame["name"] = _names(rngs[2], frame, design)
    frame["address"] = _addresses(rngs[3], frame, design.city)
    frame["uscc"] = _registration_codes(rngs[4], frame)
    lap("names, addresses, USCCs", 0.25)
    frame["business_scope"] = _scopes(rngs[5], frame, framework, design)
    lap("business scopes", 0.40)

    sim = _simulate(rngs[6], frame, years, framework, design)
    lap("figures", 0.55)
    links = _classify(frame, framework, design.city)
    lap("classification", 0.75)
    calibration = _calibrate(frame, sim, links, years, framework, design)
    lap("calibration", 0.85)

    figures = _figures(frame, sim, years)
    tags = _tags(rngs[7], frame, sim, design)
    enterprises = _enterprises(rngs[8], frame, sim)
    lap("tags and frames", 1.0)
    return DemoData(enterprises, figures, tags, calibration, timings)


# --- figures ----------------------------------------------------------------------------------------------


@dataclass
class _Sim:
    """Per-firm arrays: revenue by year (n x years, 万元, NaN before founding) and fixed ratios."""

    revenue: np.ndarray
    output_ratio: np.ndarray  # NaN for firms outside B/C/D
    va_ratio: np.ndarray
    rd_ratio: np.ndarray
    tax_ratio: np.ndarray
    productivity: np.ndarray
    energy: np.ndarray
    founded: np.ndarray  # datetime64[D]
    raw_last: np.ndarray  # last year's revenue before calibration
    industrial: np.ndarray  # bool
    sections: np.ndarray


def _profile(group: str, design: Design = GUANGZHOU_DESIGN) -> Profile:
    return design.nodes[group] if group in design.nodes else design.outside[group][0]


def _simulate(rng, frame: pd.DataFrame, years: tuple[int, ...], framework: Framework, design: Design) -> _Sim:
    n = len(frame)
    std = gbt4754.load()
    groups = frame["group"].to_numpy(dtype=object)
    section_of = {c.code: c.section for c in std.classes("class")}
    sections = frame["industry_code"].map(section_of).to_numpy(dtype=object)
    industrial = np.isin(sections, INDUSTRY_SECTIONS)
    gz = frame["city_code"].to_numpy(dtype=object) == design.city

    def per_group(attr: str) -> np.ndarray:
        table = {g: getattr(_profile(g, design), attr) for g in list(design.nodes) + list(design.outside)}
        return np.array([table[g] for g in groups], dtype=float)

    sigma = per_group("sigma")
    median = per_group("median")
    is_node = np.isin(groups, list(design.nodes))
    # Log revenue in the last year (万元): node firms start at a common base (calibration sets their level);
    # outside firms at their group's median.
    z = rng.standard_normal(n)
    z = np.where(np.abs(z) > Z_KNEE, np.sign(z) * (Z_KNEE + (np.abs(z) - Z_KNEE) / 2), z)
    log_rev = np.where(is_node, np.log(1000.0), np.log(median)) + sigma * z + frame["size_shift"].to_numpy()
    # Founded: bigger firms are older; nobody before 1980.
    age = np.exp(np.log(9.0) + 0.18 * (log_rev - np.log(1000.0)) + 0.6 * rng.standard_normal(n))
    # at most 44 years: above 36 the ages (up to ~15 x 36 for the largest firms) are spread over 36-44 on a log
    # scale (a plain clip founded 2,890 firms on one day, 1980-12-31)
    age = np.clip(np.where(age > 36.0, 36.0 + 8.0 * np.log(age / 36.0) / np.log(15.0), age), 0.2, 44.0)
    leader = frame.groupby(["city_code", "group"], sort=False).cumcount().to_numpy() == 0
    age = np.where(leader & gz, np.maximum(age, 12.0), age)
    end = np.datetime64(f"{years[-1]}-12-31")
    founded = end - (age * 365.25).astype("timedelta64[D]")
    founded_year = founded.astype("datetime64[Y]").astype(int) + 1970

    # Yearly growth: the group's path (national elsewhere) + a firm trend + yearly noise.
    ny = len(years)
    rev = np.empty((n, ny))
    rev[:, -1] = np.exp(log_rev)
    trend = 0.05 * rng.standard_normal(n)
    noise = 0.10 * rng.standard_normal((n, ny))
    group_ids = list(design.nodes) + list(design.outside)
    gz_growth = {g: [_growth_of(_profile(g, design), y, False) for y in years] for g in group_ids}
    nat_growth = {g: [_growth_of(_profile(g, design), y, True) for y in years] for g in group_ids}
    g_gz = np.array([gz_growth[g] for g in group_ids])
    g_nat = np.array([nat_growth[g] for g in group_ids])
    gidx = pd.Index(group_ids).get_indexer(groups)
    path = np.where(gz[:, None], g_gz[gidx], g_nat[gidx])
    for j in range(ny - 1, 0, -1):
        step = np.maximum(1 + path[:, j] + trend + noise[:, j], 0.4)
        rev[:, j - 1] = rev[:, j] / step
    years_arr = np.array(years)
    rev[founded_year[:, None] > years_arr[None, :]] = np.nan

    va = per_group("va") * np.exp(0.2 * rng.standard_normal(n))
    rd_med = per_group("rd") / 100
    tech = np.array([_profile(g, design).tech for g in groups])
    does_rd = rng.random(n) < np.where(tech, 0.85, 0.45)
    rd = np.where(does_rd, rd_med * np.exp(0.6 * rng.standard_normal(n)), 0.0)
    tax = rng.uniform(0.015, 0.07, n) * np.where(np.isin(sections, ["J", "K"]), 1.8, 1.0)
    prod = per_group("productivity") * np.exp(0.35 * rng.standard_normal(n))
    energy = per_group("energy") * np.exp(0.5 * rng.standard_normal(n))
    out_ratio = np.where(industrial, rng.uniform(0.9, 1.08, n), np.nan)
    return _Sim(rev, out_ratio, np.clip(va, 0.03, 0.9), rd, tax, prod, energy, founded, rev[:, -1].copy(),
                industrial, sections)


def _classify(frame: pd.DataFrame, framework: Framework, focal: str) -> pd.DataFrame:
    """Links (uscc, node, ...) of the focal city's firms, by the pack's code and keyword rules."""
    from chanye.classify.codes import classify_by_rules

    gz = frame[frame["city_code"] == focal]
    return classify_by_rules(gz[["uscc", "name", "industry_code", "business_scope"]].reset_index(drop=True),
                             framework)


def _metric_values(sim: _Sim, metric: str, rows: np.ndarray, j: int) -> np.ndarray:
    r = np.nan_to_num(sim.revenue[rows, j])
    if metric == "revenue":
        return r
    if metric == "industrial_output":
        return r * np.nan_to_num(sim.output_ratio[rows])
    return r * sim.va_ratio[rows]


def _node_totals(sim: _Sim, link_rows: np.ndarray, link_nodes: np.ndarray, node_ids: list[str],
                 metrics: list[str], j: int) -> np.ndarray:
    totals = np.zeros(len(node_ids))
    for k, metric in enumerate(metrics):
        sel = link_nodes == k
        totals[k] = _metric_values(sim, metric, link_rows[sel], j).sum()
    return totals / WAN_PER_YI


def _calibrate(frame: pd.DataFrame, sim: _Sim, links: pd.DataFrame, years: tuple[int, ...],
               framework: Framework, design: Design = GUANGZHOU_DESIGN) -> pd.DataFrame:
    """Rescale each Guangzhou node's firms per year so that the node totals hit the targets exactly.

    A firm is scaled by the factor of the node it was generated for (its primary node); node totals count
    every linked firm, so the factors solve a small linear system A s = t - c per year (A[n, p] = metric of
    the firms of primary node p linked to node n; c = firms of no primary node linked to n). Then one factor
    on the value-added ratio of the strategic-emerging firms hits the published 2023 value added.
    """
    from scipy.optimize import nnls

    node_ids = list(design.nodes)
    metrics = [framework.scale_metric(k) for k in node_ids]
    row_of = pd.Series(np.arange(len(frame)), index=frame["uscc"].to_numpy())
    link_rows = row_of.reindex(links["uscc"].to_numpy()).to_numpy()
    link_nodes = pd.Index(node_ids).get_indexer(links["node"].to_numpy())
    keep = link_nodes >= 0
    link_rows, link_nodes = link_rows[keep], link_nodes[keep]
    groups = frame["group"].to_numpy(dtype=object)
    gz = frame["city_code"].to_numpy(dtype=object) == design.city
    targets = {k: _target_path(design.nodes[k], years) for k in node_ids}
    primary = _primary_nodes(frame, gz, groups, link_rows, link_nodes, node_ids, targets, years)

    notes: dict[tuple[str, int], str] = {}
    for j, year in enumerate(years):
        t = np.array([targets[k][year] for k in node_ids])
        a = np.zeros((len(node_ids), len(node_ids)))
        c = np.zeros(len(node_ids))
        for k, metric in enumerate(metrics):
            sel = link_nodes == k
            rows = link_rows[sel]
            vals = _metric_values(sim, metric, rows, j) / WAN_PER_YI
            prim = primary[rows]
            np.add.at(a[k], prim[prim >= 0], vals[prim >= 0])
            c[k] = vals[prim < 0].sum()
        try:
            s = np.linalg.solve(a, t - c)
            ok = np.all(np.isfinite(s)) and np.all(s > 0)
        except np.linalg.LinAlgError:
            ok = False
        if not ok:
            s, _ = nnls(a, t - c)
            s = np.where(s > 0, s, 1.0)
        factor = np.where(primary >= 0, s[np.maximum(primary, 0)], 1.0)
        sim.revenue[:, j] *= np.where(gz, factor, 1.0)
        if not ok:
            # No positive factor per node hits every target (small samples, where one firm sits in several
            # nodes): finish by raking, i.e. rescale each node's firms in turn until all totals agree.
            residual = _rake(sim, link_rows, link_nodes, metrics, t, j)
            notes[("*", year)] = (f"per-node factors by least squares, then raked firm by firm "
                                  f"(largest residual {residual:.1e})")

    # Other cities' node firms: the level of Guangzhou's firms of the same node (one factor per node, from
    # the last year, so each city keeps its own growth path).
    last = len(years) - 1
    others = ~gz & (pd.Index(node_ids).get_indexer(groups) >= 0)
    for k, node_id in enumerate(node_ids):
        mine = gz & (primary == k)
        ratio = np.nanmedian(np.log(sim.revenue[mine, last]) - np.log(sim.raw_last[mine])) if mine.any() else 0.0
        sel = others & (groups == node_id)
        sim.revenue[sel] *= np.exp(ratio)

    if not design.published:  # a derived design: its own targets, no published figure
        return _design_table(sim, link_rows, link_nodes, node_ids, metrics, years, targets, design, notes)

    # 八大战略性新兴产业增加值 (2023): scale the value-added ratio of the strategic firms not in any node
    # measured by value added (those nodes' totals must not move).
    strategic = [n.id for tier in STRATEGIC_TIERS for n in framework.children(tier)]
    va_nodes = [k for k, m in zip(node_ids, metrics, strict=True) if m == "value_added"]
    s_idx = pd.Index(node_ids).get_indexer(strategic)
    union = np.unique(link_rows[np.isin(link_nodes, s_idx)])
    locked = np.unique(link_rows[np.isin(link_nodes, pd.Index(node_ids).get_indexer(va_nodes))])
    free = np.setdiff1d(union, locked)
    va_factor = np.nan
    if 2023 in years and len(free):
        j = years.index(2023)
        total = (np.nan_to_num(sim.revenue[union, j]) * sim.va_ratio[union]).sum() / WAN_PER_YI
        free_va = (np.nan_to_num(sim.revenue[free, j]) * sim.va_ratio[free]).sum() / WAN_PER_YI
        va_factor = (STRATEGIC_EMERGING_VA_2023 - (total - free_va)) / free_va
        sim.va_ratio[free] *= va_factor

    return _calibration_table(sim, link_rows, link_nodes, node_ids, metrics, years, targets, strategic, union,
                              framework, va_factor, notes)


def _rake(sim: _Sim, link_rows: np.ndarray, link_nodes: np.ndarray, metrics: list[str], targets: np.ndarray,
          j: int, rounds: int = 2000, tol: float = 1e-10) -> float:
    """Iterative proportional fitting of year `j`'s revenue over the node memberships; returns the largest
    relative residual left."""
    members = []
    for k, metric in enumerate(metrics):
        rows = link_rows[link_nodes == k]
        rows = rows[_metric_values(sim, metric, rows, j) > 0]
        members.append(rows)
    worst = np.inf
    for _ in range(rounds):
        worst = 0.0
        for k, rows in enumerate(members):
            current = _metric_values(sim, metrics[k], rows, j).sum() / WAN_PER_YI
            if current <= 0:
                continue
            ratio = targets[k] / current
            worst = max(worst, abs(ratio - 1))
            sim.revenue[rows, j] *= ratio
        if worst < tol:
            break
    return worst


def _primary_nodes(frame, gz, groups, link_rows, link_nodes, node_ids, targets, years) -> np.ndarray:
    """The node whose factor scales each Guangzhou firm: of the nodes it is linked to, the one with the
    smallest target (a firm in 软件与互联网 and 人工智能 is sized like an AI firm, so that the big node cannot
    swamp the small one); the node it was generated for when it has no links. A node left with no firm of
    its own gets back the firms generated for it. -1 outside Guangzhou and for firms outside every node."""
    n_nodes = len(node_ids)
    generated = np.where(gz, pd.Index(node_ids).get_indexer(groups), -1)
    size = np.array([targets[k][years[-1]] for k in node_ids])
    primary = generated.copy()
    if len(link_rows):
        order = np.lexsort((size[link_nodes], link_rows))  # by firm, then smallest target first
        rows_sorted, nodes_sorted = link_rows[order], link_nodes[order]
        first = np.r_[True, rows_sorted[1:] != rows_sorted[:-1]]
        primary[rows_sorted[first]] = nodes_sorted[first]
    for k in range(n_nodes):
        if not (primary == k).any():
            primary[generated == k] = k
    return primary


def _design_table(sim, link_rows, link_nodes, node_ids, metrics, years, targets, design, notes) -> pd.DataFrame:
    """The calibration of a derived design: each node's target (the design's, not a published figure) and what
    was achieved, one row per node and year."""
    achieved = {y: _node_totals(sim, link_rows, link_nodes, node_ids, metrics, j) for j, y in enumerate(years)}
    rows = [{"node": node_id, "area": design.city, "metric": metrics[k], "year": y, "target": targets[node_id][y],
             "achieved": achieved[y][k], "unit": "亿元", "comparison": None, "published": None, "source": None,
             "basis": "design", "note": notes.get(("*", y), "")}
            for y in years for k, node_id in enumerate(node_ids)]
    return pd.DataFrame(rows)


def _calibration_table(sim, link_rows, link_nodes, node_ids, metrics, years, targets, strategic, union,
                       framework, va_factor, notes) -> pd.DataFrame:
    rows = []
    achieved = {y: _node_totals(sim, link_rows, link_nodes, node_ids, metrics, j) for j, y in enumerate(years)}
    clusters = [n.id for n in framework.industry_nodes() if n.kind == "cluster"]
    manufacturing_clusters = [k for k in clusters if framework.scale_metric(k) == "industrial_output"]
    for y in years:
        for k, node_id in enumerate(node_ids):
            source, comparison, published, basis, note = None, None, None, "design", ""
            if node_id == "biomed" and y in (2023, 2024):
                source, basis = "netease-haopin-2025", "published"
                if y == 2024:
                    comparison, published = ">", 2000.0
                    note = "生物医药产业总产值超2000亿元 (2024); target 2050"
                else:
                    note = "2024 target / 1.20: the published +20% growth"
            elif y == 2023 and node_id in CLUSTERS_2023:
                source, comparison, published, basis = "peoples-daily-15-clusters", ">", THOUSAND, "published constraint"
                note = "one of the six 千亿级 clusters of 2023"
            elif y == 2023 and node_id in manufacturing_clusters:
                source, comparison, published, basis = "peoples-daily-15-clusters", "<", THOUSAND, "published constraint"
                note = "not among the six 千亿级 manufacturing clusters of 2023"
            elif y == 2024 and node_id in clusters:
                above = targets[node_id][y] >= THOUSAND
                source, basis = "netease-haopin-2025", "published constraint"
                comparison, published = (">" if above else "<"), THOUSAND
                note = "one of the 12 千亿级 clusters of 2024" if above else "not among the 12 千亿级 clusters of 2024"
            rows.append({
                "node": node_id, "area": GUANGZHOU, "metric": metrics[k], "year": y,
                "target": targets[node_id][y], "achieved": achieved[y][k], "unit": "亿元",
                "comparison": comparison, "published": published, "source": source, "basis": basis,
                "note": "; ".join(x for x in (note, notes.get(("*", y), "")) if x),
            })
    if 2023 in years and 2024 in years:
        k = node_ids.index("biomed")
        rows.append({"node": "biomed", "area": GUANGZHOU, "metric": "industrial_output_growth", "year": 2024,
                     "target": BIOMED_GROWTH_2024,
                     "achieved": (achieved[2024][k] / achieved[2023][k] - 1) * 100, "unit": "%",
                     "comparison": "=", "published": BIOMED_GROWTH_2024, "source": "netease-haopin-2025",
                     "basis": "published", "note": "生物医药产业总产值增长20%"})
    if 2023 in years:
        j = years.index(2023)
        va = (np.nan_to_num(sim.revenue[union, j]) * sim.va_ratio[union]).sum() / WAN_PER_YI
        rows.append({"node": "city", "area": GUANGZHOU, "metric": "strategic_emerging_va", "year": 2023,
                     "target": STRATEGIC_EMERGING_VA_2023, "achieved": va, "unit": "亿元", "comparison": "=",
                     "published": STRATEGIC_EMERGING_VA_2023, "source": "peoples-daily-15-clusters",
                     "basis": "published",
                     "note": f"value added of the firms in {len(strategic)} nodes (新兴支柱 + 战略先导), each counted "
                             f"once; value-added ratio of those firms x{va_factor:.3f}"})

    def count(y: int, nodes: list[str]) -> int:
        return int(sum(achieved[y][node_ids.index(k)] >= THOUSAND for k in nodes))

    if 2023 in years:
        rows.append({"node": "city", "area": GUANGZHOU, "metric": "count_100bn_clusters", "year": 2023,
                     "target": 6.0, "achieved": float(count(2023, manufacturing_clusters)), "unit": "个",
                     "comparison": "=", "published": 6.0, "source": "peoples-daily-15-clusters",
                     "basis": "published",
                     "note": "counted over the clusters measured by industrial output (the list names manufacturing "
                             f"clusters); over all 15 by each one's scale metric: {count(2023, clusters)}"})
    if 2024 in years:
        rows.append({"node": "city", "area": GUANGZHOU, "metric": "count_100bn_clusters", "year": 2024,
                     "target": 12.0, "achieved": float(count(2024, clusters)), "unit": "个", "comparison": "=",
                     "published": 12.0, "source": "netease-haopin-2025", "basis": "published",
                     "note": "the 15 strategic clusters, each by its scale metric"})
        services = [n.id for n in framework.industry_nodes() if n.kind == "service"]
        rows.append({"node": "city", "area": GUANGZHOU, "metric": "count_100bn_services", "year": 2024,
                     "target": 9.0, "achieved": float(count(2024, services)), "unit": "个", "comparison": "=",
                     "published": 9.0, "source": "netease-haopin-2025", "basis": "not reachable",
                     "note": f"only {len(services)} service nodes exist; the report counts another industry list"})
    return pd.DataFrame(rows)


def _figures(frame: pd.DataFrame, sim: _Sim, years: tuple[int, ...]) -> pd.DataFrame:
    rev = sim.revenue
    out = rev * sim.output_ratio[:, None]
    va = rev * sim.va_ratio[:, None]
    rd = rev * sim.rd_ratio[:, None]
    tax = rev * sim.tax_ratio[:, None]
    emp = np.maximum(np.round(rev / sim.productivity[:, None]), 1.0)
    emp[np.isnan(rev)] = np.nan
    energy = np.where(sim.industrial[:, None], out, rev) * sim.energy[:, None]
    exists = ~np.isnan(rev)
    firm, col = np.nonzero(exists)
    year_arr = np.array(years, dtype="int64")
    return pd.DataFrame({
        "uscc": frame["uscc"].to_numpy(dtype=object)[firm],
        "year": year_arr[col],
        "revenue": rev[firm, col],
        "industrial_output": out[firm, col],
        "value_added": va[firm, col],
        "employees": emp[firm, col],
        "rd_expense": rd[firm, col],
        "tax": tax[firm, col],
        "energy_use": energy[firm, col],
    })


# Thresholds (万元 of annual revenue) for 规模以上 by 门类 (simplified from the NBS rules): industry and
# wholesale 2000; retail 500; accommodation and catering 200; listed services 1000; other services 500.
_ABOVE_SCALE = {"B": 2000, "C": 2000, "D": 2000, "E": 2000, "F": 2000, "G": 1000, "H": 200, "I": 1000,
                "K": 1000, "L": 1000, "M": 1000, "N": 1000, "Q": 1000, "J": 1000}


def _tags(rng, frame: pd.DataFrame, sim: _Sim, design: Design) -> pd.DataFrame:
    """Tags from the last year's figures; one row per (firm, tag), in firm order then TAGS order."""
    n = len(frame)
    usccs = frame["uscc"].to_numpy(dtype=object)
    rev = np.nan_to_num(sim.revenue[:, -1])
    rd = rev * sim.rd_ratio
    section = sim.sections
    code = frame["industry_code"].to_numpy(dtype=str)
    threshold = pd.Series(section).map(_ABOVE_SCALE).fillna(500.0).to_numpy(dtype=float)
    threshold = np.where(np.char.startswith(code, "52"), 500.0, threshold)  # 零售业
    tech_groups = [g for g in (*design.nodes, *design.outside) if _profile(g, design).tech]
    tech = frame["group"].isin(tech_groups).to_numpy() | np.isin(section, ["I", "M"])
    log_rev = np.log1p(rev)
    rd_int = np.where(rev > 0, rd / np.maximum(rev, 1e-9), 0.0)
    city_id, _ = pd.factorize(frame["city_code"])

    tags: dict[str, np.ndarray] = {"above_scale": (rev >= threshold) & (rev > 0)}

    def top(eligible: np.ndarray, score: np.ndarray, share: float, base: np.ndarray | None = None) -> np.ndarray:
        """Per city, the `share` (of all its firms, or of `base`) with the best score among `eligible`."""
        counted = np.bincount(city_id, weights=None if base is None else base.astype(float),
                              minlength=city_id.max() + 1)
        quota = np.round(share * counted).astype(int)
        cand = np.flatnonzero(eligible)
        order = cand[np.lexsort((-score[cand], city_id[cand]))]
        ids = city_id[order]
        starts = np.r_[0, np.flatnonzero(ids[1:] != ids[:-1]) + 1]
        rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
        chosen = np.zeros(n, dtype=bool)
        chosen[order[rank < quota[ids]]] = True
        return chosen

    noise = rng.standard_normal((n, 4))
    zr = (log_rev - log_rev.mean()) / (log_rev.std() or 1.0)
    zd = np.log1p(rd_int * 100)
    tags["high_tech"] = top(tech & (rev > 0), 0.6 * zr + 1.2 * zd + 0.8 * noise[:, 0], 0.15, base=tech)
    sme = (rev > 0) & (rev < 200_000) & (rd > 0)
    tags["srdi"] = top(sme, 1.5 * zd + 0.3 * zr + 0.7 * noise[:, 1] + 0.8 * np.isin(section, ["C", "I", "M"]),
                       0.04)
    tags["little_giant"] = top(tags["srdi"] & np.isin(section, ["C", "I"]), 1.5 * zd + 0.6 * zr + noise[:, 2],
                               0.003)
    tags["listed"] = top(rev > 0, log_rev + 0.8 * noise[:, 3], 0.0045)
    names = [t for t in TAGS if t in tags]
    rows = np.concatenate([np.flatnonzero(tags[t]) for t in names])
    kinds = np.concatenate([np.full(int(tags[t].sum()), k) for k, t in enumerate(names)])
    order = np.lexsort((kinds, rows))
    return pd.DataFrame({"uscc": usccs[rows[order]], "tag": np.array(names, dtype=object)[kinds[order]]})


def _enterprises(rng, frame: pd.DataFrame, sim: _Sim) -> pd.DataFrame:
    last = np.nan_to_num(sim.revenue[:, -1], nan=100.0)
    capital = np.exp(np.log(np.maximum(last, 1.0)) * 0.7 + 0.8 * rng.standard_normal(len(frame)))
    capital = np.round(np.clip(capital, 1.0, None) / np.where(capital > 1000, 100, 1)) * np.where(
        capital > 1000, 100, 1)
    return pd.DataFrame({
        "uscc": frame["uscc"].to_numpy(dtype=object),
        "name": frame["name"].to_numpy(dtype=object),
        "city_code": frame["city_code"].to_numpy(dtype=object),
        "district_code": frame["district_code"].to_numpy(dtype=object),
        "address": frame["address"].to_numpy(dtype=object),
        "industry_code": frame["industry_code"].to_numpy(dtype=object),
        "business_scope": frame["business_scope"].to_numpy(dtype=object),
        "registered_capital": capital.astype(float),
        "founded": pd.to_datetime(sim.founded),
        "synthetic": np.ones(len(frame), dtype=bool),
    })
