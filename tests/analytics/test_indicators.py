"""Indicators on a tiny registry built in code; every expected number is worked out by hand in the comments.

The registry (money in 万元; 1 亿元 = 10,000 万元). City 广州 440100 with 天河 440106 (T) and 黄埔 440112 (H);
two firms in 深圳 440300 (district 440305). Framework: root -> tier-a -> cars, batteries, pharma.

    firm  node(s)            area       tags                       output 2022 / 2023 / 2024 (万元)
    F1    cars               H          above_scale, listed         9,000,000 / 10,500,000 / 11,000,000
    F2    cars               T          above_scale, high_tech        100,000 /    120,000 /    150,000
    F3    cars + batteries   H          above_scale, high_tech, srdi  200,000 /    300,000 /    400,000
    F4    batteries          T          srdi, little_giant             50,000 /     60,000 /     80,000
    F5    pharma             T          above_scale, high_tech        400,000 /    440,000 /    500,000
    F6    pharma (synthetic) H          -                             100,000 /    100,000 /    120,000
    F7    - (no node)        T          above_scale                 1,000,000 /  1,100,000 /  1,200,000
    F8    pharma             T          high_tech                           - /          - /     30,000
    F11   - (no node)        city, no district  -                      20,000 /     20,000 /     20,000
    F9    cars               440300     above_scale                   500,000 /    500,000 /    600,000
    F10   - (no node)        440300     above_scale                 4,000,000 /  4,500,000 /  5,000,000

revenue = output; value_added = output / 4, except F4 whose value added is blank (not reported);
employees (every year): F1 50,000, F2 1,000, F3 2,000, F4 500, F5 3,000, F6 800, F7 5,000, F8 100, F11 50,
F9 4,000, F10 20,000.

Output in 亿元 (万元 / 10,000), city 440100:
    cars      = F1 + F2 + F3:            930 / 1092 / 1155   (9,300,000; 10,920,000; 11,550,000 万元)
    batteries = F3 + F4:                  25 /   36 /   48
    pharma    = F5 + F6 (+ F8 in 2024):   50 /   54 /   65
    tier-a    = F1..F6 (+F8), F3 ONCE:   985 / 1152 / 1228   (sum of nodes would be 1005 / 1182 / 1268)
    all firms = tier-a + F7 + F11:      1087 / 1264 / 1350
Districts: H cars = F1 + F3 = 920 / 1080 / 1140; T cars = F2 = 10 / 12 / 15;
           H pharma = F6 = 10 / 10 / 12; T pharma = F5 (+F8) = 40 / 44 / 53;
           H all = F1 + F3 + F6 = 930 / 1090 / 1152; T all = F2 + F4 + F5 + F7 (+F8) = 155 / 172 / 196
           (H + T + F11's 2 = the city's 1087 / 1264 / 1350).
Registry (both cities): cars = 930 + 50, 1092 + 50, 1155 + 60 = 980 / 1142 / 1215;
                        all firms = 1087 + 450, 1264 + 500, 1350 + 560 = 1537 / 1764 / 1910.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from chanye.analytics import indicators as ind
from chanye.errors import InputError
from chanye.framework.model import Framework, Name, Node, PackInfo, Target

REL = 1e-12
T, H, SZ = "440106", "440112", "440305"
CITY = "440100"

# fmt: off
FIRMS = {
    # uscc: (city, district, synthetic, nodes, tags, outputs 2022..2024 in 万元, employees)
    "F1": (CITY, H, False, ["cars"], ["above_scale", "listed"], (9_000_000, 10_500_000, 11_000_000), 50_000),
    "F2": (CITY, T, False, ["cars"], ["above_scale", "high_tech"], (100_000, 120_000, 150_000), 1_000),
    "F3": (CITY, H, False, ["cars", "batteries"], ["above_scale", "high_tech", "srdi"],
           (200_000, 300_000, 400_000), 2_000),
    "F4": (CITY, T, False, ["batteries"], ["srdi", "little_giant"], (50_000, 60_000, 80_000), 500),
    "F5": (CITY, T, False, ["pharma"], ["above_scale", "high_tech"], (400_000, 440_000, 500_000), 3_000),
    "F6": (CITY, H, True, ["pharma"], [], (100_000, 100_000, 120_000), 800),
    "F7": (CITY, T, False, [], ["above_scale"], (1_000_000, 1_100_000, 1_200_000), 5_000),
    "F8": (CITY, T, False, ["pharma"], ["high_tech"], (None, None, 30_000), 100),
    "F11": (CITY, None, False, [], [], (20_000, 20_000, 20_000), 50),
    "F9": ("440300", SZ, False, ["cars"], ["above_scale"], (500_000, 500_000, 600_000), 4_000),
    "F10": ("440300", SZ, False, [], ["above_scale"], (4_000_000, 4_500_000, 5_000_000), 20_000),
}
# fmt: on
YEARS = (2022, 2023, 2024)


def tiny_framework(targets: tuple[Target, ...] = ()) -> Framework:
    def node(id_: str, parent: str | None, kind: str) -> Node:
        return Node(id=id_, parent=parent, kind=kind, name=Name(zh=id_, en=id_), status="provisional")

    return Framework(
        info=PackInfo(id="tiny", name=Name(zh="测试", en="Test"), city=CITY, version="1"),
        nodes=(
            node("root", None, "system"),
            node("tier-a", "root", "tier"),
            node("cars", "tier-a", "cluster"),
            node("batteries", "tier-a", "cluster"),
            node("pharma", "tier-a", "cluster"),
        ),
        targets=targets
        or (
            Target(
                id="pharma-2027",
                node="pharma",
                metric="industrial_output",
                value=100,
                unit="亿元",
                year=2027,
                status="provisional",
            ),
        ),
    )


def tiny_registry() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    firms, figures, tags, links = [], [], [], []
    for uscc, (city, district, synthetic, nodes, tag_list, outputs, employees) in FIRMS.items():
        firms.append({"uscc": uscc, "city_code": city, "district_code": district, "synthetic": synthetic})
        links.extend({"uscc": uscc, "node": n} for n in nodes)
        tags.extend({"uscc": uscc, "tag": t} for t in tag_list)
        for year, output in zip(YEARS, outputs, strict=True):
            if output is None:
                continue
            figures.append(
                {
                    "uscc": uscc,
                    "year": year,
                    "revenue": float(output),
                    "industrial_output": float(output),
                    "value_added": np.nan if uscc == "F4" else output / 4,
                    "employees": float(employees),
                    "rd_expense": 0.0,
                    "tax": 0.0,
                    "energy_use": 0.0,
                }
            )
    return pd.DataFrame(firms), pd.DataFrame(figures), pd.DataFrame(tags), pd.DataFrame(links)


@pytest.fixture(scope="module")
def framework() -> Framework:
    return tiny_framework()


@pytest.fixture
def frame(framework: Framework) -> pd.DataFrame:
    # function-scoped: mutmut credits a function to every test that calls it, not only the first
    firms, figures, tags, links = tiny_registry()
    return ind.scale(firms, figures, tags, links, framework, city=CITY)


def get(frame: pd.DataFrame, node: str, metric: str, year: int, area: str = CITY, **extra: str) -> float:
    sel = (
        (frame["node"] == node)
        & (frame["metric"] == metric)
        & (frame["year"] == year)
        & (frame["area"] == area)
    )
    for col, value in extra.items():
        sel &= frame[col] == value
    rows = frame[sel]
    assert len(rows) == 1, rows
    return float(rows["value"].iloc[0])


def row(frame: pd.DataFrame, **match: object) -> pd.Series:
    sel = np.ones(len(frame), dtype=bool)
    for col, value in match.items():
        sel &= (frame[col] == value).to_numpy()
    rows = frame[sel]
    assert len(rows) == 1, rows
    return rows.iloc[0]


# ---------------------------------------------------------------------------------------------------------
# scale
# ---------------------------------------------------------------------------------------------------------


def test_scale_shape_and_columns(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == [
        "scope",
        "node",
        "area_type",
        "area",
        "year",
        "metric",
        "value",
        "unit",
        "provenance",
    ]
    # groups: root, tier-a, cars, batteries, pharma, all-firms = 6; areas: T, H, city, registry = 4;
    # years 3; metrics 11 (4 measures + above-scale output + enterprises + 5 tags).
    assert len(frame) == 6 * 4 * 3 * 11
    assert frame.attrs["districts"] == [T, H]
    scopes = frame.drop_duplicates("node").set_index("node")["scope"].to_dict()
    assert scopes == {
        "root": "all",
        "tier-a": "tier",
        "cars": "node",
        "batteries": "node",
        "pharma": "node",
        ind.ALL_FIRMS: "total",
    }
    assert set(frame["area_type"]) == {"district", "city", "registry"}


def test_node_totals_in_yi_yuan(frame: pd.DataFrame) -> None:
    # cars 2022: (9,000,000 + 100,000 + 200,000) 万元 / 10,000 = 930 亿元
    assert get(frame, "cars", "industrial_output", 2022) == pytest.approx(930, rel=REL)
    # cars 2023: (10,500,000 + 120,000 + 300,000) / 10,000 = 1092
    assert get(frame, "cars", "industrial_output", 2023) == pytest.approx(1092, rel=REL)
    # cars 2024: (11,000,000 + 150,000 + 400,000) / 10,000 = 1155
    assert get(frame, "cars", "industrial_output", 2024) == pytest.approx(1155, rel=REL)
    # batteries 2024: F3 400,000 + F4 80,000 = 480,000 -> 48 (F3 counts in cars AND batteries)
    assert get(frame, "batteries", "industrial_output", 2024) == pytest.approx(48, rel=REL)
    # pharma 2024: F5 500,000 + F6 120,000 + F8 30,000 = 650,000 -> 65; 2022 without F8: 50
    assert get(frame, "pharma", "industrial_output", 2024) == pytest.approx(65, rel=REL)
    assert get(frame, "pharma", "industrial_output", 2022) == pytest.approx(50, rel=REL)
    assert set(frame.loc[frame["metric"] == "industrial_output", "unit"]) == {"亿元"}
    # revenue = output here
    assert get(frame, "cars", "revenue", 2024) == pytest.approx(1155, rel=REL)


def test_tier_counts_the_multi_label_firm_once(frame: pd.DataFrame) -> None:
    # tier-a 2024 = F1 11,000,000 + F2 150,000 + F3 400,000 + F4 80,000 + F5 500,000 + F6 120,000 + F8 30,000
    #             = 12,280,000 万元 = 1228 亿元; the sum of the node totals 1155 + 48 + 65 = 1268 counts F3 twice.
    tier = get(frame, "tier-a", "industrial_output", 2024)
    assert tier == pytest.approx(1228, rel=REL)
    node_sum = sum(get(frame, n, "industrial_output", 2024) for n in ("cars", "batteries", "pharma"))
    assert node_sum == pytest.approx(1268, rel=REL)
    # 2022: 9,000,000 + 100,000 + 200,000 + 50,000 + 400,000 + 100,000 = 9,850,000 -> 985
    assert get(frame, "tier-a", "industrial_output", 2022) == pytest.approx(985, rel=REL)
    # the root holds exactly the tier's firms
    assert get(frame, "root", "industrial_output", 2024) == pytest.approx(1228, rel=REL)
    # enterprises 2024: tier-a = F1, F2, F3, F4, F5, F6, F8 = 7 (nodes: cars 3 + batteries 2 + pharma 3 = 8)
    assert get(frame, "tier-a", "enterprises", 2024) == 7
    assert get(frame, "cars", "enterprises", 2024) == 3
    assert get(frame, "batteries", "enterprises", 2024) == 2
    assert get(frame, "pharma", "enterprises", 2024) == 3
    assert get(frame, "pharma", "enterprises", 2022) == 2  # F8 reports from 2024 only
    # employees 2024 tier-a: 50,000 + 1,000 + 2,000 + 500 + 3,000 + 800 + 100 = 57,400 人
    assert get(frame, "tier-a", "employees", 2024) == 57_400
    assert row(frame, node="tier-a", metric="employees", year=2024, area=CITY)["unit"] == "人"


def test_all_firms_total_includes_firms_outside_nodes(frame: pd.DataFrame) -> None:
    # city 2024: tier 12,280,000 + F7 1,200,000 + F11 20,000 = 13,500,000 -> 1350; 2023: 1264; 2022: 1087
    assert get(frame, ind.ALL_FIRMS, "industrial_output", 2024) == pytest.approx(1350, rel=REL)
    assert get(frame, ind.ALL_FIRMS, "industrial_output", 2023) == pytest.approx(1264, rel=REL)
    assert get(frame, ind.ALL_FIRMS, "industrial_output", 2022) == pytest.approx(1087, rel=REL)
    # enterprises 2024: 7 + F7 + F11 = 9
    assert get(frame, ind.ALL_FIRMS, "enterprises", 2024) == 9
    # F11 has no district: T 196 + H 1152 = 1348 < 1350
    assert get(frame, ind.ALL_FIRMS, "industrial_output", 2024, area=T) == pytest.approx(196, rel=REL)
    assert get(frame, ind.ALL_FIRMS, "industrial_output", 2024, area=H) == pytest.approx(1152, rel=REL)
    # registry: + 深圳 F9 600,000 + F10 5,000,000 = 1350 + 560 = 1910
    assert get(frame, ind.ALL_FIRMS, "industrial_output", 2024, area="registry") == pytest.approx(
        1910, rel=REL
    )
    assert get(frame, "cars", "industrial_output", 2024, area="registry") == pytest.approx(1215, rel=REL)


def test_district_totals(frame: pd.DataFrame) -> None:
    # cars H = F1 + F3 = 11,400,000 -> 1140; T = F2 150,000 -> 15
    assert get(frame, "cars", "industrial_output", 2024, area=H) == pytest.approx(1140, rel=REL)
    assert get(frame, "cars", "industrial_output", 2024, area=T) == pytest.approx(15, rel=REL)
    # tier-a T 2024 = F2 150,000 + F4 80,000 + F5 500,000 + F8 30,000 = 760,000 -> 76
    assert get(frame, "tier-a", "industrial_output", 2024, area=T) == pytest.approx(76, rel=REL)
    # batteries H = F3 only: 2 firms in the city, 1 in H
    assert get(frame, "batteries", "enterprises", 2024, area=H) == 1


def test_counts_by_tag(frame: pd.DataFrame) -> None:
    # tier-a 2024: above_scale F1, F2, F3, F5 = 4; high_tech F2, F3, F5, F8 = 4; srdi F3, F4 = 2 (cars 1 +
    # batteries 2 = 3 would count F3 twice); little_giant F4 = 1; listed F1 = 1
    assert get(frame, "tier-a", "enterprises_above_scale", 2024) == 4
    assert get(frame, "tier-a", "enterprises_high_tech", 2024) == 4
    assert get(frame, "tier-a", "enterprises_high_tech", 2022) == 3  # F8 has no figures in 2022
    assert get(frame, "tier-a", "enterprises_srdi", 2024) == 2
    assert get(frame, "cars", "enterprises_srdi", 2024) == 1
    assert get(frame, "batteries", "enterprises_srdi", 2024) == 2
    assert get(frame, "tier-a", "enterprises_little_giant", 2024) == 1
    assert get(frame, "tier-a", "enterprises_listed", 2024) == 1
    # all firms: above_scale 4 + F7 = 5; registry adds F9, F10 = 7
    assert get(frame, ind.ALL_FIRMS, "enterprises_above_scale", 2024) == 5
    assert get(frame, ind.ALL_FIRMS, "enterprises_above_scale", 2024, area="registry") == 7
    assert row(frame, node="tier-a", metric="enterprises_srdi", year=2024, area=CITY)["unit"] == "家"
    # above-scale output tier-a 2024: F1 + F2 + F3 + F5 = 11,000,000 + 150,000 + 400,000 + 500,000 -> 1205
    assert get(frame, "tier-a", "industrial_output_above_scale", 2024) == pytest.approx(1205, rel=REL)


def test_blank_figures_are_not_zero(frame: pd.DataFrame) -> None:
    # F4's value added is blank: batteries VA 2024 = F3 400,000 / 4 = 100,000 万元 = 10 亿元
    assert get(frame, "batteries", "value_added", 2024) == pytest.approx(10, rel=REL)
    # T's batteries = F4 only, who reported no value added: NaN, not 0
    assert math.isnan(get(frame, "batteries", "value_added", 2024, area=T))
    # tier-a VA 2024 = (12,280,000 - F4 80,000) / 4 = 3,050,000 万元 = 305 亿元
    assert get(frame, "tier-a", "value_added", 2024) == pytest.approx(305, rel=REL)


def test_provenance(frame: pd.DataFrame) -> None:
    # F6 (pharma, H) is synthetic: pharma, tier, root and all-firms rows of the city and H are synthetic
    assert (
        row(frame, node="pharma", metric="industrial_output", year=2024, area=CITY)["provenance"]
        == "synthetic"
    )
    assert row(frame, node="tier-a", metric="enterprises", year=2022, area=CITY)["provenance"] == "synthetic"
    assert (
        row(frame, node="cars", metric="industrial_output", year=2024, area=CITY)["provenance"] == "registry"
    )
    assert (
        row(frame, node="pharma", metric="industrial_output", year=2024, area=T)["provenance"] == "registry"
    )


def test_unknown_nodes_and_duplicates(framework: Framework) -> None:
    firms, figures, tags, links = tiny_registry()
    links = pd.concat([links, pd.DataFrame([{"uscc": "F7", "node": "gone"}])], ignore_index=True)
    out = ind.scale(firms, figures, tags, links, framework)
    assert any("gone" in n for n in out.attrs["notes"])
    assert get(out, "tier-a", "enterprises", 2024) == 7  # F7 still outside every node
    # a repeated firm row counts as its first: F2 stays in T, 440103 never appears
    again = pd.concat([firms, firms[firms["uscc"] == "F2"].assign(district_code="440103")], ignore_index=True)
    out = ind.scale(again, figures, tags, links, framework)
    assert out.attrs["districts"] == [T, H]
    assert get(out, "cars", "industrial_output", 2024, area=T) == pytest.approx(15, rel=REL)
    with pytest.raises(InputError, match="duplicate"):
        ind.scale(firms, pd.concat([figures, figures.head(1)]), tags, links, framework)
    with pytest.raises(InputError, match="district_code"):
        ind.scale(firms.drop(columns="district_code"), figures, tags, links, framework)


def test_scale_accepts_integer_codes(framework: Framework) -> None:
    firms, figures, tags, links = tiny_registry()
    firms = firms.assign(
        city_code=firms["city_code"].astype(int), district_code=firms["district_code"].astype(float)
    )
    out = ind.scale(firms, figures, tags, links, framework)
    assert get(out, "cars", "industrial_output", 2024, area=H) == pytest.approx(1140, rel=REL)


# ---------------------------------------------------------------------------------------------------------
# dynamics and CAGR
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def dyn(frame: pd.DataFrame) -> pd.DataFrame:
    return ind.dynamics(frame)


def indicator(
    frame: pd.DataFrame, node: str, name: str, year: int, area: str = CITY, metric: str = "industrial_output"
) -> float:
    return float(row(frame, node=node, indicator=name, year=year, area=area, metric=metric)["value"])


def test_yoy(dyn: pd.DataFrame) -> None:
    # cars 2023: 1092 / 930 - 1 = 0.174193548...; 2024: 1155 / 1092 - 1 = 0.057692307...
    assert indicator(dyn, "cars", "yoy", 2023) == pytest.approx((1092 / 930 - 1) * 100, rel=REL)
    assert indicator(dyn, "cars", "yoy", 2023) == pytest.approx(17.4193548387, rel=1e-10)
    assert indicator(dyn, "cars", "yoy", 2024) == pytest.approx(5.7692307692, rel=1e-10)
    # tier-a 2024: 1228 / 1152 - 1 = 6.597222...%
    assert indicator(dyn, "tier-a", "yoy", 2024) == pytest.approx(6.5972222222, rel=1e-10)
    assert math.isnan(indicator(dyn, "cars", "yoy", 2022))  # no 2021
    assert (
        row(dyn, node="cars", indicator="yoy", year=2024, area=CITY, metric="industrial_output")["unit"]
        == "%"
    )


def test_contribution_in_percentage_points(dyn: pd.DataFrame) -> None:
    # cars 2024: (1155 - 1092) / 1264 x 100 = 63 / 1264 x 100 = 4.984177... pp
    assert indicator(dyn, "cars", "contribution", 2024) == pytest.approx(63 / 1264 * 100, rel=REL)
    assert indicator(dyn, "cars", "contribution", 2024) == pytest.approx(4.9841772152, rel=1e-10)
    # pharma 2024: (65 - 54) / 1264 x 100 = 0.870253... pp
    assert indicator(dyn, "pharma", "contribution", 2024) == pytest.approx(0.8702531646, rel=1e-10)
    # tier-a: 76 / 1264 x 100 = 6.012658...; all firms: 86 / 1264 x 100 = 6.803797... = its own yoy
    assert indicator(dyn, "tier-a", "contribution", 2024) == pytest.approx(6.0126582278, rel=1e-10)
    total = indicator(dyn, ind.ALL_FIRMS, "contribution", 2024)
    assert total == pytest.approx(86 / 1264 * 100, rel=REL)
    assert total == pytest.approx(indicator(dyn, ind.ALL_FIRMS, "yoy", 2024), rel=REL)
    assert (
        row(dyn, node="cars", indicator="contribution", year=2024, area=CITY, metric="industrial_output")[
            "unit"
        ]
        == "百分点"
    )


def test_share_of_city_total(dyn: pd.DataFrame) -> None:
    # cars 2024: 1155 / 1350 = 85.5555...%; pharma 65 / 1350 = 4.814814...%
    assert indicator(dyn, "cars", "share", 2024) == pytest.approx(1155 / 1350 * 100, rel=REL)
    assert indicator(dyn, "pharma", "share", 2024) == pytest.approx(4.8148148148, rel=1e-10)
    # share in a district is of that district's total: pharma T 53 / 196 = 27.0408...%
    assert indicator(dyn, "pharma", "share", 2024, area=T) == pytest.approx(53 / 196 * 100, rel=REL)
    # the share of enterprises: tier-a 7 of 9
    assert indicator(dyn, "tier-a", "share", 2024, metric="enterprises") == pytest.approx(700 / 9, rel=REL)
    # provenance: cars is real, but the city total includes synthetic F6
    assert (
        row(dyn, node="cars", indicator="share", year=2024, area=CITY, metric="industrial_output")[
            "provenance"
        ]
        == "synthetic"
    )
    assert (
        row(dyn, node="cars", indicator="yoy", year=2024, area=CITY, metric="industrial_output")["provenance"]
        == "registry"
    )


def test_cagr(frame: pd.DataFrame) -> None:
    out = ind.cagr(frame, 2022, 2024)
    r = row(out, node="cars", area=CITY, metric="industrial_output")
    # (1155 / 930) ** (1 / 2) - 1 = sqrt(1.2419354839) - 1 = 1.1144215916 - 1 = 0.1144215916
    assert r["value"] == pytest.approx(((1155 / 930) ** 0.5 - 1) * 100, rel=REL)
    assert r["value"] == pytest.approx(11.4421591621, rel=1e-10)
    assert (r["value_start"], r["value_end"], r["unit"]) == (pytest.approx(930), pytest.approx(1155), "%")
    # pharma: (65 / 50) ** 0.5 - 1 = sqrt(1.3) - 1 = 14.0175425...%
    assert row(out, node="pharma", area=CITY, metric="industrial_output")["value"] == pytest.approx(
        (math.sqrt(1.3) - 1) * 100, rel=REL
    )
    with pytest.raises(InputError, match="end must be after start"):
        ind.cagr(frame, 2024, 2022)


# ---------------------------------------------------------------------------------------------------------
# structure
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def struct(frame: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    return ind.structure(frame, framework)


def test_district_shares_and_hhi(struct: pd.DataFrame) -> None:
    # cars 2024: H 1140 / 1155 = 98.7012987%, T 15 / 1155 = 1.2987013%
    assert indicator(struct, "cars", "district_share", 2024, area=H) == pytest.approx(
        1140 / 1155 * 100, rel=REL
    )
    assert indicator(struct, "cars", "district_share", 2024, area=T) == pytest.approx(1.2987012987, rel=1e-10)
    # HHI cars 2024 = (1140^2 + 15^2) / 1155^2 x 10,000 = 1,299,825 / 1,334,025 x 10,000 = 9743.633...
    assert indicator(struct, "cars", "hhi", 2024) == pytest.approx(1_299_825 / 1_334_025 * 10_000, rel=1e-12)
    # HHI pharma 2024 = (53^2 + 12^2) / 65^2 x 10,000 = 2953 / 4225 x 10,000 = 6989.349...
    assert indicator(struct, "pharma", "hhi", 2024) == pytest.approx(6989.3491124, rel=1e-10)
    # all firms: F11 (no district) makes the shares add to (196 + 1152) / 1350 < 100
    shares = struct[
        (struct["node"] == "tier-a") & (struct["indicator"] == "district_share") & (struct["year"] == 2024)
    ]
    assert shares["value"].sum() == pytest.approx(100.0, rel=REL)  # the tier has no firm without a district
    assert row(struct, node="cars", indicator="hhi", year=2024)["unit"] == "0-10000"


def test_location_quotients(struct: pd.DataFrame) -> None:
    # pharma in T 2024: (53 / 196) / (65 / 1350) = 53 x 1350 / (196 x 65) = 71,550 / 12,740 = 5.616169...
    assert indicator(struct, "pharma", "lq", 2024, area=T) == pytest.approx(71_550 / 12_740, rel=1e-12)
    # cars in H 2024: (1140 / 1152) / (1155 / 1350) = 1,539,000 / 1,330,560 = 1.156656...
    assert indicator(struct, "cars", "lq", 2024, area=H) == pytest.approx(1_539_000 / 1_330_560, rel=1e-12)
    # city vs registry, cars 2024: (1155 / 1350) / (1215 / 1910) = 2,206,050 / 1,640,250 = 1.344947...
    assert indicator(struct, "cars", "lq_registry", 2024) == pytest.approx(2_206_050 / 1_640_250, rel=1e-12)
    # pharma has no firm outside the city: (65 / 1350) / (65 / 1910) = 1910 / 1350 = 1.414814...
    assert indicator(struct, "pharma", "lq_registry", 2024) == pytest.approx(1910 / 1350, rel=1e-12)


def test_structure_with_another_measure(frame: pd.DataFrame, framework: Framework) -> None:
    out = ind.structure(frame, framework, measure="enterprises")
    # pharma enterprises 2024: T 2 (F5, F8), H 1 (F6); all firms T 5 (F2, F4, F5, F7, F8), city 9
    # LQ T = (2 / 5) / (3 / 9) = 1.2
    assert indicator(out, "pharma", "lq", 2024, area=T, metric="enterprises") == pytest.approx(1.2, rel=1e-12)
    with pytest.raises(
        InputError, match=r"未知指标 'gdp' \(unknown measure\)（可选: industrial_output, revenue"
    ):
        ind.structure(frame, framework, measure="gdp")


# ---------------------------------------------------------------------------------------------------------
# milestones
# ---------------------------------------------------------------------------------------------------------


def test_milestones(frame: pd.DataFrame, framework: Framework) -> None:
    out = ind.milestones(frame, framework)
    assert list(out["node"]) == ["cars", "batteries", "pharma"]
    cars = out.set_index("node").loc["cars"]
    # cars: 930 (2022) < 1000 <= 1092 (2023): crossed 1000亿 in 2023; latest 1155 亿元 in 2024
    assert cars["metric"] == "industrial_output"
    assert cars["value"] == pytest.approx(1155, rel=REL)
    assert cars["unit"] == "亿元"
    assert cars["latest_year"] == 2024
    assert bool(cars["thousand_billion"]) is True
    assert cars["crossed_1000"] == "2023"
    assert cars["first_year_1000"] == 2023
    assert bool(cars["ten_thousand_billion"]) is False
    assert pd.isna(cars["crossed_10000"])
    pharma = out.set_index("node").loc["pharma"]
    assert bool(pharma["thousand_billion"]) is False
    assert pd.isna(pharma["crossed_1000"])
    assert pharma["provenance"] == "synthetic"


def test_milestone_already_above_in_first_year(frame: pd.DataFrame, framework: Framework) -> None:
    doubled = frame.copy()
    doubled["value"] = np.where(doubled["node"] == "cars", doubled["value"] * 10, doubled["value"])
    # cars x10: 9300 / 10920 / 11550 亿元: above 1000 in 2022 (before the data) and 10,000 from 2023
    cars = ind.milestones(doubled, framework).set_index("node").loc["cars"]
    assert cars["crossed_1000"] == "before 2022"
    assert cars["crossed_10000"] == "2023"
    assert bool(cars["ten_thousand_billion"]) is True


def test_milestone_counts(frame: pd.DataFrame, framework: Framework) -> None:
    counts = ind.milestone_counts(frame, framework)
    # 2024: only cars (1155) is 千亿级; 2022: none (cars 930)
    assert get(counts, "root", "thousand_billion_clusters", 2024) == 1
    assert get(counts, "tier-a", "thousand_billion_clusters", 2022) == 0
    assert get(counts, "root", "thousand_billion_services", 2024) == 0
    # in H cars = 1140 -> 1
    assert get(counts, "root", "thousand_billion_clusters", 2024, area=H) == 1


# ---------------------------------------------------------------------------------------------------------
# targets
# ---------------------------------------------------------------------------------------------------------


def test_target_behind(frame: pd.DataFrame, framework: Framework) -> None:
    out = ind.target_progress(frame, framework.targets, 2024)
    r = out.set_index("id").loc["pharma-2027"]
    # latest 65 亿元 (2024), target 100 亿元 (2027)
    # required = (100 / 65) ** (1 / 3) - 1 = 1.5384615 ** 0.3333 - 1 = 1.1544157 - 1 = 15.44157%
    assert r["required_cagr"] == pytest.approx(((100 / 65) ** (1 / 3) - 1) * 100, rel=REL)
    assert r["required_cagr"] == pytest.approx(15.4415673264, rel=1e-10)
    # achieved: 2021 is not in the data, so from 2022: (65 / 50) ** (1 / 2) - 1 = 14.0175...%
    assert r["base_year"] == 2022
    assert r["achieved_cagr"] == pytest.approx((math.sqrt(1.3) - 1) * 100, rel=REL)
    # projected: ln(100 / 65) / ln(1.1401754) = 0.4307829 / 0.1311821 = 3.2839 -> ceil 4 -> 2028 > 2027
    assert r["projected_year"] == 2028
    assert (r["status"], r["years_behind"]) == ("behind", 1)
    assert (r["target"], r["unit"], r["latest"]) == (100, "亿元", pytest.approx(65, rel=REL))


def test_target_on_track_reached_declining(frame: pd.DataFrame) -> None:
    targets = (
        # cars 1200亿 by 2026: g = (1155/930)^(1/2) - 1 = 11.4422%; ln(1200/1155) / ln(1.1144216) = 0.0382212 /
        # 0.1083355 = 0.3528 -> 1 year -> 2025 <= 2026: on track. required = (1200/1155)^(1/2) - 1 = 1.929%
        Target(
            id="cars-2026",
            node="cars",
            metric="industrial_output",
            value=12_000_000,
            unit="万元",
            year=2026,
            status="provisional",
        ),
        # the city's all firms 1000亿 by 2025: 1350 >= 1000: reached
        Target(
            id="city-2025",
            node="city",
            metric="industrial_output",
            value=1e11,
            unit="元",
            year=2025,
            status="provisional",
        ),
        # cars 3000亿 by 2030: projected ln(3000/1155)/ln(1.1144216) = 0.9545119 / 0.1083355 = 8.81 -> 9 -> 2033
        Target(
            id="cars-2030",
            node="cars",
            metric="industrial_output",
            value=3000,
            unit="亿元",
            year=2030,
            status="provisional",
        ),
    )
    out = ind.target_progress(frame, targets, 2024).set_index("id")
    assert out.loc["cars-2026", "target"] == pytest.approx(1200, rel=REL)
    assert out.loc["cars-2026", "required_cagr"] == pytest.approx(((1200 / 1155) ** 0.5 - 1) * 100, rel=REL)
    assert out.loc["cars-2026", "projected_year"] == 2025
    assert out.loc["cars-2026", "status"] == "on_track"
    assert out.loc["city-2025", "target"] == pytest.approx(1000, rel=REL)
    assert out.loc["city-2025", "status"] == "reached"
    assert out.loc["cars-2030", "projected_year"] == 2033
    assert (out.loc["cars-2030", "status"], out.loc["cars-2030", "years_behind"]) == ("behind", 3)

    # declining: a hand-made frame where the node shrinks 80 -> 60
    shrinking = pd.DataFrame(
        {
            "scope": "node",
            "node": "x",
            "area_type": "city",
            "area": CITY,
            "year": [2021, 2024],
            "metric": "industrial_output",
            "value": [80.0, 60.0],
            "unit": "亿元",
            "provenance": "registry",
        }
    )
    t = pd.DataFrame(
        [
            {
                "id": "x-2030",
                "node": "x",
                "metric": "industrial_output",
                "value": 100,
                "unit": "亿元",
                "year": 2030,
            }
        ]
    )
    r = ind.target_progress(shrinking, t, 2024).iloc[0]
    # g = (60 / 80) ** (1 / 3) - 1 = 0.9085603 - 1 = -9.14397% <= 0
    assert r["achieved_cagr"] == pytest.approx(((60 / 80) ** (1 / 3) - 1) * 100, rel=REL)
    assert r["status"] == "declining"
    assert pd.isna(r["projected_year"])


# ---------------------------------------------------------------------------------------------------------
# reconcile
# ---------------------------------------------------------------------------------------------------------


def test_reconcile(frame: pd.DataFrame, framework: Framework) -> None:
    published = pd.DataFrame(
        [
            # cars output 2024 "over 1150亿": registry 1155 > 1150 -> match
            {
                "id": "p1",
                "area": CITY,
                "node": "cars",
                "metric": "industrial_output",
                "year": 2024,
                "value": 1150,
                "unit": "亿元",
                "comparison": ">",
                "source": "src-a",
            },
            # pharma 70亿: registry 65, gap -5 = -7.142857% -> gap
            {
                "id": "p2",
                "area": CITY,
                "node": "pharma",
                "metric": "industrial-output",
                "year": 2024,
                "value": 70,
                "unit": "亿元",
                "comparison": "=",
                "source": "src-a",
            },
            {
                "id": "p3",
                "area": CITY,
                "node": None,
                "metric": "gdp",
                "year": 2024,
                "value": 31000,
                "unit": "亿元",
                "comparison": ">",
                "source": "src-b",
            },
            # one 千亿级 cluster in 2024 (cars) -> match
            {
                "id": "p4",
                "area": CITY,
                "node": None,
                "metric": "thousand-billion-clusters",
                "year": 2024,
                "value": 1,
                "unit": "个",
                "comparison": "=",
                "source": "src-b",
            },
            # 11,500,000 万元 = 1150 亿元 vs 1155: +0.4348% within 1% -> match
            {
                "id": "p5",
                "area": CITY,
                "node": "cars",
                "metric": "工业总产值",
                "year": 2024,
                "value": 11_500_000,
                "unit": "万元",
                "comparison": None,
                "source": "src-c",
            },
            # strategic-emerging value added of tier-a 300亿: registry 305 -> +1.667% -> gap
            {
                "id": "p6",
                "area": CITY,
                "node": "tier-a",
                "metric": "sei_value_added",
                "year": 2024,
                "value": 300,
                "unit": "亿元",
                "comparison": "=",
                "source": "src-c",
            },
            {
                "id": "p7",
                "area": CITY,
                "node": "cars",
                "metric": "industrial_output",
                "year": 2030,
                "value": 2000,
                "unit": "亿元",
                "comparison": "=",
                "source": "src-c",
            },
            # district: H cars 1140 vs 1140 -> match
            {
                "id": "p8",
                "area": H,
                "node": "cars",
                "metric": "output",
                "year": 2024,
                "value": 1140,
                "unit": "亿元",
                "comparison": "=",
                "source": "src-d",
            },
        ]
    )
    out = ind.reconcile(published, frame, framework).set_index("id")
    assert list(out["status"]) == [
        "match",
        "gap",
        "not in registry",
        "match",
        "match",
        "gap",
        "no data",
        "match",
    ]
    assert out.loc["p1", "registry"] == pytest.approx(1155, rel=REL)
    assert out.loc["p1", "gap"] == pytest.approx(5, rel=1e-9)
    assert out.loc["p2", "gap"] == pytest.approx(-5, rel=1e-9)
    assert out.loc["p2", "gap_pct"] == pytest.approx(-5 / 70 * 100, rel=1e-9)
    assert pd.isna(out.loc["p3", "registry_metric"])
    assert "GDP" in out.loc["p3", "note"]
    assert out.loc["p4", "registry"] == 1
    assert out.loc["p5", "published"] == pytest.approx(1150, rel=REL)
    assert out.loc["p5", "gap_pct"] == pytest.approx(5 / 1150 * 100, rel=1e-9)
    assert out.loc["p6", "registry"] == pytest.approx(305, rel=REL)
    assert out.loc["p6", "gap_pct"] == pytest.approx(5 / 300 * 100, rel=1e-9)
    assert out.loc["p1", "provenance"] == "src-a"
    assert out.loc["p1", "registry_provenance"] == "registry"
    assert out.loc["p6", "registry_provenance"] == "synthetic"
    # without the framework, the 千亿级 counts are unknown to the registry frame
    assert ind.reconcile(published, frame).set_index("id").loc["p4", "status"] == "no data"


def test_matching_table_is_explicit() -> None:
    names = [n for m in ind.PUBLISHED_METRICS for n in m.published]
    assert len(names) == len(set(names))
    by_name = {n: m for m in ind.PUBLISHED_METRICS for n in m.published}
    assert by_name["gdp"].registry is None
    assert by_name["industrial_output"].registry == "industrial_output"
    registry_metrics = {m.name for m in ind.SCALE_METRICS} | {
        "thousand_billion_industries",
        "thousand_billion_clusters",
        "thousand_billion_services",
    }
    assert {m.registry for m in ind.PUBLISHED_METRICS if m.registry} <= registry_metrics


def test_every_output_has_unit_and_provenance(frame: pd.DataFrame, framework: Framework) -> None:
    outputs = [
        frame,
        ind.dynamics(frame),
        ind.cagr(frame, 2022, 2024),
        ind.structure(frame, framework),
        ind.milestones(frame, framework),
        ind.milestone_counts(frame, framework),
        ind.target_progress(frame, framework.targets, 2024),
    ]
    for out in outputs:
        assert {"unit", "provenance"} <= set(out.columns)
        assert out["unit"].notna().all() and out["provenance"].isin(["registry", "synthetic"]).all()


# ---------------------------------------------------------------------------------------------------------
# scale against a plain pandas reference on a random registry
# ---------------------------------------------------------------------------------------------------------


def reference_scale(firms, figures, tags, links, framework, city):
    """The obvious, slow way: explode links to every ancestor, drop duplicate (uscc, group), merge, group."""
    rows = []
    for uscc, node in zip(links["uscc"], links["node"], strict=True):
        rows.append((uscc, node))
        rows.extend((uscc, a.id) for a in framework.ancestors(node))
    member = pd.DataFrame(rows, columns=["uscc", "group"]).drop_duplicates()
    member = pd.concat([member, pd.DataFrame({"uscc": figures["uscc"].unique(), "group": ind.ALL_FIRMS})])
    flags = pd.crosstab(tags["uscc"], tags["tag"]).clip(upper=1).reindex(columns=list(ind.TAGS), fill_value=0)
    df = figures.merge(firms, on="uscc", how="left").merge(
        flags, left_on="uscc", right_index=True, how="left"
    )
    df[list(ind.TAGS)] = df[list(ind.TAGS)].fillna(0)
    df["enterprises"] = 1
    for tag in ind.TAGS:
        df[f"enterprises_{tag}"] = df[tag]
    # 规上 output: blank when above-scale firms exist but none reported; 0 when there are none
    df["industrial_output_above_scale"] = df["industrial_output"].where(df["above_scale"] == 1)
    df = df.merge(member, on="uscc")
    in_city = df["city_code"] == city
    scoped = [
        df[in_city & df["district_code"].notna()].assign(area=lambda f: f["district_code"]),
        df[in_city].assign(area=city),
        df.assign(area="registry"),
    ]
    sums = ["industrial_output", "revenue", "value_added", "employees", "industrial_output_above_scale"]
    counts = ["enterprises", *(f"enterprises_{t}" for t in ind.TAGS)]
    out = []
    for part in scoped:
        g = part.groupby(["group", "area", "year"])
        agg = pd.concat([g[sums].sum(min_count=1) / [1e4, 1e4, 1e4, 1, 1e4], g[counts].sum()], axis=1)
        none_above = agg["enterprises_above_scale"] == 0
        agg.loc[none_above, "industrial_output_above_scale"] = 0.0
        out.append(agg)
    long = pd.concat(out).stack().rename("value").reset_index()
    return long.rename(columns={"group": "node", "level_3": "metric"})


def test_scale_matches_pandas_reference() -> None:
    def node(id_: str, parent: str | None, kind: str) -> Node:
        return Node(id=id_, parent=parent, kind=kind, name=Name(zh=id_, en=id_), status="provisional")

    fw = Framework(
        info=PackInfo(id="deep", name=Name(zh="深", en="Deep"), city=CITY, version="1"),
        nodes=(
            node("root", None, "system"),
            node("t1", "root", "tier"),
            node("a", "t1", "cluster"),
            node("b", "t1", "future"),
            node("t2", "root", "tier"),
            node("t3", "t2", "tier"),
            node("c", "t3", "cluster"),
            node("d", "t2", "service"),
        ),
    )
    rng = np.random.default_rng(7)
    n = 400
    uscc = np.array([f"U{i:04d}" for i in range(n)], dtype=object)
    city = np.where(rng.random(n) < 0.75, CITY, "440300")
    district = np.where(city == CITY, rng.choice([T, H, "440103", None], n), SZ)
    firms = pd.DataFrame(
        {"uscc": uscc, "city_code": city, "district_code": district, "synthetic": rng.random(n) < 0.05}
    )
    fu, fy = np.repeat(uscc, 4), np.tile([2020, 2021, 2022, 2024], n)
    keep = rng.random(len(fu)) < 0.85
    m = int(keep.sum())
    figures = pd.DataFrame(
        {
            "uscc": fu[keep],
            "year": fy[keep],
            "industrial_output": np.where(
                rng.random(m) < 0.1, np.nan, rng.integers(0, 10**7, m).astype(float)
            ),
            "revenue": rng.integers(0, 10**7, m).astype(float),
            "value_added": np.where(rng.random(m) < 0.5, np.nan, rng.integers(0, 10**6, m).astype(float)),
            "employees": rng.integers(0, 5000, m).astype(float),
        }
    ).sample(frac=1, random_state=1)  # any row order
    tags = pd.DataFrame({"uscc": rng.choice(uscc, 300), "tag": rng.choice([*ind.TAGS, "other"], 300)})
    links = pd.DataFrame({"uscc": rng.choice(uscc, 500), "node": rng.choice(["a", "b", "c", "d", "t3"], 500)})
    links = links.drop_duplicates()
    got = ind.scale(firms, figures, tags, links, fw, city=CITY)
    want = reference_scale(firms, figures, tags[tags["tag"] != "other"], links, fw, CITY)
    merged = want.merge(got, on=["node", "area", "year", "metric"], how="left", suffixes=("_want", ""))
    assert merged["value"].notna().sum() == merged["value_want"].notna().sum()
    np.testing.assert_allclose(merged["value"], merged["value_want"], rtol=1e-12, equal_nan=True)
    # combinations without any enterprise are zero (counts) in the scale frame
    missing = got.merge(want, on=["node", "area", "year", "metric"], how="left", indicator=True)
    missing = missing[missing["_merge"] == "left_only"]
    assert (missing.loc[missing["metric"].str.startswith("enterprises"), "value_x"] == 0).all()
    # every district listed is in the city
    assert set(got.loc[got["area_type"] == "district", "area"]) == {T, H, "440103"}
