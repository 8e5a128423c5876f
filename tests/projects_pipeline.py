"""The hand-built pipeline of 12 projects (issue 12) the projects tests work out by hand.

Days are offsets from 2024-01-01; the view is taken on day 546 (2025-06-30). Districts A/B/C stand for three
districts of the pack's city (the tests map them to real codes); nodes n1, n2 are strategic, n3 is not.

    id   district nodes  亿元  changes (day: stage)                                              reached
    P01  A        n1     10   0 lead, 30 talks, 90 signed, 120 registered, 180 land, 240 started,   full
                              420 production, 480 full
    P02  A        n1     20   10 lead, 70 signed, 200 started, 500 production                      production
    P03  B        n2      5   20 lead, 50 talks, 110 signed, 150 registered, 250 land, 300 started  started
    P04  B        n2      8   30 lead, 60 talks, 200 terminated (投资方战略调整)                       talks
    P05  C        n1,n2  30   40 lead, 100 talks, 160 signed                                        signed
    P06  C        n3      2   50 lead                                                               lead
    P07  A        n3      4   400 lead, 450 talks                                                   talks
    P08  B        n1     12   380 lead, 420 talks, 500 signed                                       signed
    P09  A        n2      6   60 lead, 90 talks, 150 signed, 200 registered                         registered
    P10  C        n1     15   5 lead, 35 talks, 65 signed, 95 registered, 155 land, 215 started,    production
                              395 production
    P11  B        n3      3   500 lead                                                              lead
    P12  C        n3      7   70 lead, 100 terminated (项目落户外市)                                  lead
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

BASE = date(2024, 1, 1)
AS_OF = BASE + timedelta(days=546)  # 2025-06-30

PROJECTS = [  # id, district, nodes, investment (亿元), annual output promised (亿元), investor, uscc
    ("P01", "A", ("n1",), 10.0, 10.0, "甲公司", "U01"),
    ("P02", "A", ("n1",), 20.0, 8.0, "乙公司", None),
    ("P03", "B", ("n2",), 5.0, None, "丙公司", None),
    ("P04", "B", ("n2",), 8.0, None, "丁公司", None),
    ("P05", "C", ("n1", "n2"), 30.0, None, "戊公司", None),
    ("P06", "C", ("n3",), 2.0, None, "己公司", None),
    ("P07", "A", ("n3",), 4.0, None, "庚公司", None),
    ("P08", "B", ("n1",), 12.0, None, "辛公司", None),
    ("P09", "A", ("n2",), 6.0, 3.0, "壬公司", "U09"),
    ("P10", "C", ("n1",), 15.0, None, "癸公司", "U10"),
    ("P11", "B", ("n3",), 3.0, None, "子公司", None),
    ("P12", "C", ("n3",), 7.0, None, "丑公司", None),
]
CHANGES = {
    "P01": [(0, "lead"), (30, "talks"), (90, "signed"), (120, "registered"), (180, "land"), (240, "started"),
            (420, "production"), (480, "full")],
    "P02": [(10, "lead"), (70, "signed"), (200, "started"), (500, "production")],
    "P03": [(20, "lead"), (50, "talks"), (110, "signed"), (150, "registered"), (250, "land"), (300, "started")],
    "P04": [(30, "lead"), (60, "talks"), (200, "terminated")],
    "P05": [(40, "lead"), (100, "talks"), (160, "signed")],
    "P06": [(50, "lead")],
    "P07": [(400, "lead"), (450, "talks")],
    "P08": [(380, "lead"), (420, "talks"), (500, "signed")],
    "P09": [(60, "lead"), (90, "talks"), (150, "signed"), (200, "registered")],
    "P10": [(5, "lead"), (35, "talks"), (65, "signed"), (95, "registered"), (155, "land"), (215, "started"),
            (395, "production")],
    "P11": [(500, "lead")],
    "P12": [(70, "lead"), (100, "terminated")],
}
REASONS = {"P04": "投资方战略调整", "P12": "项目落户外市"}


def day(offset: int) -> pd.Timestamp:
    return pd.Timestamp(BASE + timedelta(days=offset))


def projects_frame(districts: dict[str, str] | None = None, nodes: dict[str, str] | None = None) -> pd.DataFrame:
    """The projects as `analytics.projects` reads them (money in 亿元)."""
    districts = districts or {}
    nodes = nodes or {}
    return pd.DataFrame([{
        "id": pid, "name": f"项目{pid}", "district_code": districts.get(d, d),
        "nodes": tuple(nodes.get(n, n) for n in ns), "total_investment": inv, "annual_output": out,
        "investor_name": investor, "investor_uscc": uscc,
    } for pid, d, ns, inv, out, investor, uscc in PROJECTS])


def stages_frame() -> pd.DataFrame:
    rows, i = [], 0
    for pid, changes in CHANGES.items():
        for offset, stage in changes:
            i += 1
            rows.append({"id": i, "project_id": pid, "stage": stage, "happened_on": day(offset),
                         "reason": REASONS.get(pid) if stage == "terminated" else None})
    return pd.DataFrame(rows)


NODES = {"n1": "icv-nev", "n2": "semiconductor", "n3": "finance"}  # two strategic clusters, one service node


def district_codes(city) -> dict[str, str]:
    """A, B, C -> the city's first three districts."""
    return dict(zip("ABC", (d.code for d in city.districts[:3]), strict=True))


def load_into(platform, *, synthetic: bool = False) -> dict[str, str]:
    """Store the 12 projects and their history in the platform's database (money in 万元, as the store keeps it);
    returns the district mapping."""
    from chanye.registry import projects as stored

    codes = district_codes(platform.city)
    frame = projects_frame(codes, NODES)
    rows = pd.DataFrame({
        "id": frame["id"], "pack": platform.framework.id, "name": frame["name"], "kind": "attract",
        "investor_name": frame["investor_name"], "investor_uscc": frame["investor_uscc"],
        "nodes": [",".join(n) for n in frame["nodes"]], "district_code": frame["district_code"],
        "total_investment": frame["total_investment"] * 1e4, "annual_output": frame["annual_output"] * 1e4,
        "responsible_unit": "市工信局", "source": "import", "synthetic": synthetic,
    })
    rows.loc[rows["id"] == "P01", "chain_nodes"] = "icv-nev/lithium"
    stages = stages_frame().drop(columns=["id"]).assign(recorded_by="tester", note=None)
    with platform.writer() as store, store.transaction():
        stored.save_projects(store, rows)
        stored.add_stages(store, stages)
    return codes
