"""Edges of the indicators: zero bases, equality boundaries, blanks, provenance, errors, and a generated pack.

The frames here are either hand-made long frames (every expected number is worked out in the comments) or a
generated registry of more than 52 group nodes and a few thousand firms that `scale` must reproduce exactly,
checked against an independent plain pandas computation.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from chanye.analytics import indicators as ind
from chanye.errors import InputError, UnknownNode
from chanye.framework.model import Framework, Name, Node, PackInfo, Target

REL = 1e-12
CITY = "440100"
D1, D2 = "440103", "440104"
OUT = "440300"  # another city
AF = ind.ALL_FIRMS
SCALE_COLUMNS = ["scope", "node", "area_type", "area", "year", "metric", "value", "unit", "provenance"]
LONG_COLUMNS = [
    "scope",
    "node",
    "area_type",
    "area",
    "year",
    "metric",
    "indicator",
    "value",
    "unit",
    "provenance",
]


def node(id_: str, parent: str | None, kind: str, **extra: object) -> Node:
    return Node(
        id=id_, parent=parent, kind=kind, name=Name(zh=f"{id_}中", en=id_), status="provisional", **extra
    )


def pack(
    *nodes: Node, scale_metric: str = "industrial_output", targets: tuple[Target, ...] = ()
) -> Framework:
    return Framework(
        info=PackInfo(
            id="edge", name=Name(zh="边", en="Edge"), city=CITY, version="1", scale_metric=scale_metric
        ),
        nodes=nodes,
        targets=targets,
    )


def lf(rows: list[tuple], scopes: dict[str, str] | None = None) -> pd.DataFrame:
    """A hand-made long (scale) frame from (node, area_type, area, year, metric, value[, provenance])."""
    scopes = {AF: "total", **(scopes or {})}
    records = []
    for r in rows:
        node_id, area_type, area, year, metric, value = r[:6]
        records.append(
            {
                "scope": scopes.get(node_id, "node"),
                "node": node_id,
                "area_type": area_type,
                "area": area,
                "year": year,
                "metric": metric,
                "value": float(value),
                "unit": ind._METRIC_UNIT.get(metric, "亿元"),
                "provenance": r[6] if len(r) > 6 else "registry",
            }
        )
    return pd.DataFrame.from_records(records, columns=SCALE_COLUMNS)


def pick(frame: pd.DataFrame, **match: object) -> pd.Series:
    sel = np.ones(len(frame), dtype=bool)
    for col, value in match.items():
        sel &= (frame[col] == value).to_numpy()
    rows = frame[sel]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def val(frame: pd.DataFrame, **match: object) -> float:
    return float(pick(frame, **match)["value"])


# ---------------------------------------------------------------------------------------------------------
# helpers with a documented contract
# ---------------------------------------------------------------------------------------------------------


def test_convert_units_within_a_family() -> None:
    assert ind._convert(2, "万亿元", "亿元") == 20_000.0  # 2 x 1e4 / 1
    assert ind._convert(5, "万元", "亿元") == pytest.approx(5e-4, rel=REL)  # 5 x 1e-4
    assert ind._convert(3e8, "元", "亿元") == pytest.approx(3.0, rel=REL)  # 3e8 x 1e-8
    assert ind._convert(250, "亿元", "万元") == pytest.approx(2_500_000, rel=REL)  # 250 / 1e-4
    assert ind._convert(7, " 亿元 ", "亿元") == 7.0  # the unit is stripped
    assert ind._convert(0.5, "万人", "人") == 5_000.0
    assert ind._convert(3, "人", "人") == 3.0
    assert ind._convert(4, "个", "家") == 4.0
    assert ind._convert(12.5, "%", "%") == 12.5
    assert ind._convert(1, None, "亿元") is None
    assert ind._convert(1, "", "亿元") is None
    assert ind._convert(1, "吨", "亿元") is None
    assert ind._convert(1, "亿元", "吨") is None
    assert ind._convert(1, "亿元", "人") is None  # money vs people
    assert ind._convert(1, "家", "%") is None


def test_code_text() -> None:
    assert ind._code_text(None) is None
    assert ind._code_text(pd.NA) is None
    assert ind._code_text(float("nan")) is None
    assert ind._code_text(np.float64("nan")) is None
    assert ind._code_text(440100) == "440100"
    assert ind._code_text(np.int64(440106)) == "440106"
    assert ind._code_text(440100.0) == "440100"
    assert ind._code_text(np.float64(440112.0)) == "440112"
    assert ind._code_text(4401.5) == "4401.5"
    assert ind._code_text(" 440100 ") == "440100"
    assert ind._code_text("   ") is None
    assert ind._code_text("") is None


def test_distinct_small_and_large_ranges() -> None:
    assert ind._distinct(np.zeros(0, dtype=np.int64)).tolist() == []
    assert ind._distinct(np.zeros(0, dtype=np.int64)).dtype == np.int64
    # small range (presence count), offset by the minimum
    assert ind._distinct(np.array([2024, 2021, 2024, 2022])).tolist() == [2021, 2022, 2024]
    assert ind._distinct(np.array([5, 5, 5])).tolist() == [5]
    # range 200,000 > max(4 x 5, 65,536): the sort path; the first value is always kept
    assert ind._distinct(np.array([200_000, 7, 7, 200_000, 90_000])).tolist() == [7, 90_000, 200_000]
    assert ind._distinct(np.array([300_000, 0, 0])).tolist() == [0, 300_000]


def test_first_occurrence_wins() -> None:
    # index 2 appears twice: its first value (10) wins; position 1 keeps the fill
    out = ind._first(3, np.array([2, 0, 2]), np.array([10, 20, 30]), -1)
    assert out.tolist() == [20, -1, 10]
    empty = ind._first(2, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), -1)
    assert empty.tolist() == [-1, -1]


def test_run_codes_number_all_parts_together() -> None:
    parts = [
        pd.Series(["a", "a", "b"]),
        pd.Series([], dtype=object),
        pd.Series(["b", None, None, "c"], dtype=object),
        pd.Series(["c", pd.NA, pd.NA, "a"], dtype="string"),  # NA compares as NA: still a new run
    ]
    codes, n = ind._run_codes(parts)
    assert n == 3
    assert [c.tolist() for c in codes] == [[0, 0, 1], [], [1, -1, -1, 2], [2, -1, -1, 0]]
    assert all(c.dtype == np.int64 for c in codes)
    codes, n = ind._run_codes([pd.Series([], dtype=object), pd.Series([], dtype=object)])
    assert (n, [c.tolist() for c in codes]) == (0, [[], []])


# ---------------------------------------------------------------------------------------------------------
# scale: inputs, notes, attrs, errors
# ---------------------------------------------------------------------------------------------------------


def small_pack() -> Framework:
    return pack(
        node("root", None, "system"),
        node("tier-a", "root", "tier"),
        node("cars", "tier-a", "cluster"),
        node("tier-b", "root", "tier"),
        node("idle", "tier-b", "service"),
        node("tier-c", "root", "tier"),  # no industry node under it and never linked: not a group
        node("theme", "root", "theme"),  # linked directly: a group of its own
    )


def small_registry() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A1 (cars, D1), A2 (cars, D2, synthetic firm), A3 (theme, city without district), A4 (outside),
    Z9 (figures, no firm row, linked to cars). Output in 万元."""
    firms = pd.DataFrame(
        {
            "uscc": ["A1", "A2", "A3", "A4", None],
            "city_code": [CITY, CITY, CITY, OUT, CITY],
            "district_code": [D1, D2, "", D1, D2],  # A4's code is in another city: not a district of CITY
            "synthetic": [False, True, None, False, True],
        }
    )
    figures = pd.DataFrame(
        {
            "uscc": ["A1", "A1", "A2", "A2", "A3", "A4", "Z9", "Z9", None],
            "year": [2023, 2024, 2023, 2024, 2024, 2024, 2023, 2024, 2024],
            "industrial_output": [10_000.0, 20_000.0, 30_000.0, np.nan, 50_000.0, 70_000.0, 1.0, 2.0, 9e9],
            "revenue": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0],
            "employees": [10.0, 11.0, 20.0, 21.0, 30.0, 40.0, 1.0, 1.0, 1.0],
            "synthetic": [False, False, False, False, True, False, False, False, False],
        }
    )
    tags = pd.DataFrame(
        {"uscc": ["A1", "A1", "A3", "Z9", None], "tag": ["above_scale", "other", "srdi", "srdi", "srdi"]}
    )
    links = pd.DataFrame(
        {
            "uscc": ["A1", "A2", "A2", "A3", "Z9", "A1", None] + [f"A{i}" for i in range(11)],
            "node": ["cars", "cars", "cars", "theme", "cars", "gone-x", "cars"]
            + [f"gone-{i:02d}" for i in range(11)],
        }
    )
    return firms, figures, tags, links


def test_scale_groups_areas_and_attrs() -> None:
    firms, figures, tags, links = small_registry()
    out = ind.scale(firms, figures, tags, links, small_pack())
    assert list(out.columns) == SCALE_COLUMNS
    assert list(out["node"].unique()) == ["root", "tier-a", "cars", "tier-b", "idle", "theme", AF]
    scopes = out.drop_duplicates("node").set_index("node")["scope"].to_dict()
    assert scopes == {
        "root": "all",
        "tier-a": "tier",
        "cars": "node",
        "tier-b": "tier",
        "idle": "node",
        "theme": "tier",
        AF: "total",
    }
    areas = out.drop_duplicates(["area_type", "area"])[["area_type", "area"]].to_records(index=False).tolist()
    assert areas == [("district", D1), ("district", D2), ("city", CITY), ("registry", "registry")]
    # 7 groups x 4 areas x 2 years x 11 metrics
    assert len(out) == 7 * 4 * 2 * 11
    unknown = sorted(["gone-x", *(f"gone-{i:02d}" for i in range(11))])[:10]
    assert out.attrs == {
        "city": CITY,
        "years": [2023, 2024],
        "districts": [D1, D2],
        "notes": [
            "1 行年度指标缺少统一社会信用代码，已忽略 (figure rows without uscc ignored)",
            "1 家企业有年度指标但不在企业名录中，只计入 registry (figures without a firm row)",
            f"分类中的节点不在框架 edge 中，已忽略 (links to unknown nodes ignored): {unknown}",
        ],
    }
    assert "gone-10" not in out.attrs["notes"][2]  # only the first ten names


def test_scale_values_of_the_small_registry() -> None:
    firms, figures, tags, links = small_registry()
    out = ind.scale(firms, figures, tags, links, small_pack())

    def v(node_id: str, metric: str, year: int, area: str = CITY) -> float:
        return val(out, node=node_id, metric=metric, year=year, area=area)

    # cars 2024 in the city: A1 20,000 万元 (A2 blank) = 2 亿元; Z9 (no firm row) only in the registry
    assert v("cars", "industrial_output", 2024) == pytest.approx(2.0, rel=REL)
    assert v("cars", "industrial_output", 2024, "registry") == pytest.approx(2.0002, rel=REL)  # + 2 万元
    # cars 2023: A1 10,000 + A2 30,000 = 4 亿元; D2 2024: A2 reported nothing -> NaN, not 0
    assert v("cars", "industrial_output", 2023) == pytest.approx(4.0, rel=REL)
    assert math.isnan(v("cars", "industrial_output", 2024, D2))
    assert v("cars", "enterprises", 2024) == 2  # A1, A2 (A2 linked twice: once)
    assert v("cars", "enterprises", 2024, "registry") == 3  # + Z9
    # above-scale output: A1 is the only above-scale firm; in D2 none: 0, not NaN
    assert v("cars", "industrial_output_above_scale", 2024) == pytest.approx(2.0, rel=REL)
    assert v("cars", "industrial_output_above_scale", 2024, D2) == 0.0
    assert v("cars", "enterprises_srdi", 2024, "registry") == 1  # Z9; the 'other' tag is ignored
    # value_added is not a column: NaN where there are enterprises, 0 where there are none
    assert math.isnan(v("cars", "value_added", 2024))
    assert v("idle", "value_added", 2024) == 0.0
    assert v("idle", "enterprises", 2024) == 0.0
    # A3 has no district: in the city, not in D1 or D2; A4 is outside the city
    assert v("theme", "industrial_output", 2024) == pytest.approx(5.0, rel=REL)
    assert v("theme", "industrial_output", 2024, D1) == 0.0
    assert v(AF, "industrial_output", 2024, D1) == pytest.approx(2.0, rel=REL)  # A1 only, not A4
    # all firms, city 2024: A1 2 + A3 5 = 7 亿元; registry adds A4 7 and Z9 0.0002
    assert v(AF, "industrial_output", 2024) == pytest.approx(7.0, rel=REL)
    assert v(AF, "industrial_output", 2024, "registry") == pytest.approx(14.0002, rel=REL)
    assert v(AF, "enterprises", 2024) == 3  # A1, A2, A3
    assert v("root", "enterprises", 2024) == 3
    assert v("root", "employees", 2024) == 11 + 21 + 30
    assert v("tier-b", "employees", 2024) == 0.0
    # provenance: A2's firm row is synthetic (2023 and 2024), A3's 2024 figure row is synthetic
    prov = out.set_index(["node", "area", "year", "metric"])["provenance"]
    assert prov[("cars", D1, 2024, "revenue")] == "registry"
    assert prov[("cars", D2, 2024, "revenue")] == "synthetic"
    assert prov[("cars", CITY, 2023, "revenue")] == "synthetic"
    assert prov[("theme", CITY, 2024, "revenue")] == "synthetic"
    assert prov[("idle", CITY, 2024, "revenue")] == "registry"
    assert prov[(AF, D1, 2024, "revenue")] == "registry"
    units = out.drop_duplicates("metric").set_index("metric")["unit"].to_dict()
    assert units == {
        "industrial_output": "亿元",
        "revenue": "亿元",
        "value_added": "亿元",
        "employees": "人",
        "industrial_output_above_scale": "亿元",
        "enterprises": "家",
        **{f"enterprises_{t}": "家" for t in ind.TAGS},
    }


def test_scale_city_argument() -> None:
    firms, figures, tags, links = small_registry()
    fw = small_pack()
    # an integer city reads as text; the other city has one district (A4's 440103)
    out = ind.scale(firms, figures, tags, links, fw, city=440300)
    assert out.attrs["city"] == OUT
    assert out.attrs["districts"] == [D1]
    assert val(out, node=AF, metric="industrial_output", year=2024, area=OUT) == pytest.approx(7.0, rel=REL)
    assert val(out, node=AF, metric="industrial_output", year=2024, area=D1) == pytest.approx(7.0, rel=REL)
    # no city, or a blank one (a form field left empty): the pack's
    assert ind.scale(firms, figures, tags, links, fw).attrs["city"] == CITY
    assert ind.scale(firms, figures, tags, links, fw, city=" ").attrs["city"] == CITY
    assert ind.scale(firms, figures, tags, links, fw, city=float("nan")).attrs["city"] == CITY


def test_scale_codes_as_numbers_merge_with_text() -> None:
    firms = pd.DataFrame(
        {
            "uscc": ["B1", "B2", "B3", "B4"],
            "city_code": [CITY, 440100, 440100.0, None],
            "district_code": [D1, 440103.0, None, D1],
        }
    )
    figures = pd.DataFrame(
        {"uscc": ["B1", "B2", "B3", "B4"], "year": [2024] * 4, "revenue": [1e4, 2e4, 4e4, 8e4]}
    )
    tags = pd.DataFrame({"uscc": ["B1", "B2"], "tag": [None, "listed"]})
    links = pd.DataFrame({"uscc": ["B1", "B2"], "node": [None, "x"]})
    fw = pack(node("root", None, "system"), node("x", "root", "cluster"))
    out = ind.scale(firms, figures, tags, links, fw)
    assert out.attrs["districts"] == [D1]  # "440103" and 440103.0: one district; B4 has no city
    assert out.attrs["notes"] == []  # a blank node is not an unknown node

    def v(node_id: str, metric: str, area: str) -> float:
        return val(out, node=node_id, metric=metric, year=2024, area=area)

    # D1: B1 1 + B2 2 = 3 亿元; the city adds B3 (no district) 4 = 7; B4 (no city) only in the registry: 15
    assert v(AF, "revenue", D1) == pytest.approx(3.0, rel=REL)
    assert v(AF, "revenue", CITY) == pytest.approx(7.0, rel=REL)
    assert v(AF, "revenue", "registry") == pytest.approx(15.0, rel=REL)
    # the blank tag and the blank link count nowhere: x = B2 only, one listed firm
    assert list(out["node"].unique()) == ["root", "x", AF]
    assert v("x", "revenue", CITY) == pytest.approx(2.0, rel=REL)
    assert v(AF, "enterprises_listed", CITY) == 1.0
    assert sum(v(AF, f"enterprises_{t}", "registry") for t in ind.TAGS) == 1.0
    # no firm is synthetic (no column): every row is registry
    assert set(out["provenance"]) == {"registry"}


def test_scale_without_any_group() -> None:
    firms = pd.DataFrame({"uscc": ["C1"], "city_code": [CITY], "district_code": [D2]})
    figures = pd.DataFrame({"uscc": ["C1", "C1"], "year": [2023, 2024], "employees": [5.0, 6.0]})
    tags = pd.DataFrame({"uscc": ["C1"], "tag": ["listed"]})
    links = pd.DataFrame({"uscc": pd.Series([], dtype=object), "node": pd.Series([], dtype=object)})
    out = ind.scale(firms, figures, tags, links, pack(node("root", None, "system")))
    assert set(out["node"]) == {AF}
    assert len(out) == 1 * 3 * 2 * 11
    assert val(out, node=AF, metric="employees", year=2024, area=D2) == 6.0
    assert val(out, node=AF, metric="enterprises_listed", year=2023, area="registry") == 1.0


def test_scale_without_figures() -> None:
    firms = pd.DataFrame({"uscc": ["C1"], "city_code": [CITY], "district_code": [D2]})
    figures = pd.DataFrame({"uscc": pd.Series([], dtype=object), "year": pd.Series([], dtype=float)})
    tags = pd.DataFrame({"uscc": ["C1"], "tag": ["listed"]})
    links = pd.DataFrame({"uscc": ["C1"], "node": ["x"]})
    out = ind.scale(
        firms, figures, tags, links, pack(node("root", None, "system"), node("x", "root", "cluster"))
    )
    assert list(out.columns) == SCALE_COLUMNS
    assert len(out) == 0
    assert (out.attrs["years"], out.attrs["districts"], out.attrs["notes"]) == ([], [D2], [])


def test_scale_figure_synthetic_flag_and_blank_flags() -> None:
    firms = pd.DataFrame({"uscc": ["E1", "E2"], "city_code": [CITY, CITY], "district_code": [D1, D1]})
    firms["synthetic"] = [None, None]
    figures = pd.DataFrame(
        {"uscc": ["E1", "E2"], "year": [2024, 2024], "revenue": [1.0, 1.0], "synthetic": [None, True]}
    )
    tags = pd.DataFrame({"uscc": [], "tag": []})
    links = pd.DataFrame({"uscc": ["E1", "E2"], "node": ["a", "b"]})
    fw = pack(node("root", None, "system"), node("a", "root", "cluster"), node("b", "root", "cluster"))
    out = ind.scale(firms, figures, tags, links, fw)
    assert pick(out, node="a", metric="revenue", year=2024, area=D1)["provenance"] == "registry"
    assert pick(out, node="b", metric="revenue", year=2024, area=D1)["provenance"] == "synthetic"
    assert pick(out, node="root", metric="revenue", year=2024, area=D1)["provenance"] == "synthetic"


def test_scale_errors() -> None:
    firms, figures, tags, links = small_registry()
    fw = small_pack()
    with pytest.raises(
        InputError,
        match=re.escape(
            "firms 缺少列 district_code (firms lacks column(s) district_code)（firms 需要列 needs columns: uscc, city_code, district_code）"
        ),
    ):
        ind.scale(firms.drop(columns="district_code"), figures, tags, links, fw)
    with pytest.raises(
        InputError, match=re.escape("figures 缺少列 uscc, year (figures lacks column(s) uscc, year)")
    ):
        ind.scale(firms, figures.drop(columns=["uscc", "year"]), tags, links, fw)
    with pytest.raises(
        InputError, match=re.escape("tags lacks column(s) tag)（tags 需要列 needs columns: uscc, tag")
    ):
        ind.scale(firms, figures, tags.drop(columns="tag"), links, fw)
    with pytest.raises(
        InputError, match=re.escape("links lacks column(s) node)（links 需要列 needs columns: uscc, node")
    ):
        ind.scale(firms, figures, tags, links.drop(columns="node"), fw)
    blank_year = figures.assign(year=figures["year"].astype(object))
    blank_year.loc[0, "year"] = "n/a"
    with pytest.raises(
        InputError,
        match=re.escape("figures 的 year 列有空值或非数字 (figures.year has blanks)（每行须有年份）"),
    ):
        ind.scale(firms, blank_year, tags, links, fw)
    twice = pd.concat([figures.iloc[[0, 1, 0, 1]], figures], ignore_index=True)
    message = (
        "figures 中同一企业同一年份出现多行 (duplicate uscc+year), 例如 "
        "[{'uscc': 'A1', 'year': 2023}, {'uscc': 'A1', 'year': 2024}, {'uscc': 'A1', 'year': 2023}]"
        "（每家企业每年只能有一行年度指标）"
    )
    with pytest.raises(InputError, match=f"^{re.escape(message)}$"):
        ind.scale(firms, twice, tags, links, fw)
    reserved = pack(node("root", None, "system"), node(AF, "root", "cluster"))
    with pytest.raises(
        InputError,
        match=re.escape("框架节点 id 不能是保留字 'all-firms' (reserved node id)（在框架包中改名）"),
    ):
        ind.scale(firms, figures, tags, links, reserved)


# ---------------------------------------------------------------------------------------------------------
# scale on a generated pack: > 52 groups (two signature words), code ranges over 65,536
# ---------------------------------------------------------------------------------------------------------

N_INDUSTRY = 100  # 108 groups: more than two words of 52
BIG_YEARS = (2021, 2022, 2024)
BIG_DISTRICTS = ("440103", "440104", "440105", "440106", "440111")


def big_pack() -> Framework:
    nodes = [node("root", None, "system"), node("sub", "t0", "tier")]
    nodes += [node(f"t{i}", "root", "tier") for i in range(5)]
    kinds = ("cluster", "future", "service")
    for i in range(N_INDUSTRY):
        parent = "sub" if i % 7 == 0 else f"t{i % 5}"
        nodes.append(node(f"n{i:02d}", parent, kinds[i % 3]))
    nodes.append(node("t-empty", "root", "tier"))
    nodes.append(node("lonely", "t4", "cluster"))  # never linked: a group of zeros
    return pack(*nodes)


def big_registry(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = 2_500
    uscc = np.array([f"G{i:05d}" for i in range(n)], dtype=object)
    in_city = rng.random(n) < 0.8
    district = rng.choice([*BIG_DISTRICTS, None, ""], n)
    firms = pd.DataFrame(
        {
            "uscc": uscc,
            "city_code": np.where(in_city, CITY, OUT),
            "district_code": np.where(in_city, district, "440305"),
            "synthetic": rng.random(n) < 0.03,
        }
    )
    # repeated rows (the first counts) and a row without uscc
    again = firms.iloc[:40].assign(city_code=OUT, district_code="440305", synthetic=True)
    firms = pd.concat(
        [firms, again, pd.DataFrame([{"uscc": None, "city_code": CITY, "district_code": "440103"}])]
    )
    orphans = np.array([f"O{i:03d}" for i in range(30)], dtype=object)
    everyone = np.concatenate([uscc, orphans])
    fu = np.repeat(everyone, len(BIG_YEARS))
    fy = np.tile(BIG_YEARS, len(everyone))
    keep = rng.random(len(fu)) < 0.9
    m = int(keep.sum())

    def measure(blank: float, high: int) -> np.ndarray:
        return np.where(rng.random(m) < blank, np.nan, rng.integers(0, high, m).astype(float))

    figures = pd.DataFrame(
        {
            "uscc": fu[keep],
            "year": fy[keep],
            "industrial_output": measure(0.1, 10**7),
            "revenue": measure(0.02, 10**7),
            "value_added": measure(0.5, 10**6),
            "employees": measure(0.05, 5_000),
            "synthetic": rng.random(m) < 0.02,
        }
    )
    tags = pd.DataFrame({"uscc": rng.choice(everyone, 2_000), "tag": rng.choice([*ind.TAGS, "other"], 2_000)})
    industry = [f"n{i:02d}" for i in range(N_INDUSTRY)]
    k = 4_000
    link_nodes = rng.choice(
        [*industry, "t1", "sub", "unknown-node"], k, p=[0.9 / N_INDUSTRY] * N_INDUSTRY + [0.04, 0.04, 0.02]
    )
    links = pd.DataFrame({"uscc": rng.choice(everyone, k), "node": link_nodes})  # duplicates included
    # every firm in one word of 52 groups and the other at once
    links = pd.concat([links, pd.DataFrame({"uscc": uscc[:50], "node": ["n01"] * 25 + ["n59"] * 25})])
    links = pd.concat([links, pd.DataFrame({"uscc": uscc[:50], "node": ["n59"] * 25 + ["n58"] * 25})])
    links = pd.concat([links, pd.DataFrame({"uscc": uscc[50:60], "node": "root"})])  # linked to the root
    return firms, figures, tags, links


def reference(
    firms, figures, tags, links, fw: Framework, city: str
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The plain way: each link adds the node and its ancestors; group sums with pandas groupby."""
    parent = {n.id: n.parent for n in fw.nodes}
    pairs = set()
    for uscc, node_id in zip(links["uscc"], links["node"], strict=True):
        if uscc is None or node_id not in parent:
            continue
        current = node_id
        while current is not None:
            pairs.add((uscc, current))
            current = parent[current]
    groups = {g for _, g in pairs} | {n.id for n in fw.nodes if n.is_industry}
    for g in list(groups):
        while parent[g] is not None:
            g = parent[g]
            groups.add(g)
    order = [n.id for n in fw.nodes if n.id in groups] + [ind.ALL_FIRMS]
    fig = figures[figures["uscc"].notna()].copy()
    member = pd.concat(
        [
            pd.DataFrame(sorted(pairs), columns=["uscc", "node"]),
            pd.DataFrame({"uscc": fig["uscc"].unique(), "node": ind.ALL_FIRMS}),
        ]
    )
    info = firms[firms["uscc"].notna()].drop_duplicates("uscc", keep="first")
    info = info.rename(columns={"synthetic": "firm_synthetic"})
    fig = fig.merge(info, on="uscc", how="left")
    fig["syn"] = fig["firm_synthetic"].fillna(False).astype(bool) | fig["synthetic"].astype(bool)
    fig["in_city"] = fig["city_code"] == city
    fig["district"] = fig["district_code"].where(fig["in_city"] & fig["district_code"].fillna("").ne(""))
    for tag in ind.TAGS:
        fig[f"enterprises_{tag}"] = fig["uscc"].isin(set(tags.loc[tags["tag"] == tag, "uscc"])).astype(float)
    fig["enterprises"] = 1.0
    fig["industrial_output_above_scale"] = fig["industrial_output"].where(fig["enterprises_above_scale"] == 1)
    df = fig.merge(member, on="uscc")
    parts = [
        df[df["district"].notna()].assign(area_type="district", area=lambda f: f["district"]),
        df[df["in_city"]].assign(area_type="city", area=city),
        df.assign(area_type="registry", area="registry"),
    ]
    money = ["industrial_output", "revenue", "value_added", "industrial_output_above_scale"]
    counts = ["enterprises", *(f"enterprises_{t}" for t in ind.TAGS)]
    out = []
    for part in parts:
        g = part.groupby(["node", "area_type", "area", "year"])
        agg = pd.concat(
            [
                g[money].sum(min_count=1) / 1e4,
                g[["employees"]].sum(min_count=1),
                g[counts].sum(),
                g["syn"].any(),
            ],
            axis=1,
        )
        agg.loc[agg["enterprises_above_scale"] == 0, "industrial_output_above_scale"] = 0.0
        out.append(agg)
    wide = pd.concat(out)
    prov = wide.pop("syn").map({True: "synthetic", False: "registry"})
    long = wide.stack(future_stack=True).rename("want").reset_index().rename(columns={"level_4": "metric"})
    long = long.merge(prov.rename("want_provenance").reset_index(), on=["node", "area_type", "area", "year"])
    districts = sorted(
        set(info.loc[(info["city_code"] == city) & info["district_code"].fillna("").ne(""), "district_code"])
    )
    return long, order, districts


def test_scale_on_a_generated_pack_matches_pandas() -> None:
    fw = big_pack()
    firms, figures, tags, links = big_registry(seed=11)
    got = ind.scale(firms, figures, tags, links, fw)
    want, order, districts = reference(firms, figures, tags, links, fw, CITY)
    assert len(order) > 53  # two words of 52 groups
    assert list(got["node"].unique()) == order
    assert "t-empty" not in order
    assert got.attrs["districts"] == districts
    assert got.attrs["years"] == list(BIG_YEARS)
    keys = ["node", "area_type", "area", "year", "metric"]
    merged = got.merge(want, on=keys, how="left")
    assert merged["want_provenance"].notna().sum() == len(want)  # every reference row is in the frame
    # rows the reference lacks hold no enterprise: 0, registry
    empty = merged["want_provenance"].isna()
    merged.loc[empty, "want"] = 0.0
    merged.loc[empty, "want_provenance"] = "registry"
    np.testing.assert_allclose(merged["value"], merged["want"], rtol=1e-12, atol=0, equal_nan=True)
    assert (merged["provenance"] == merged["want_provenance"]).all()
    assert 0 < empty.sum() < len(merged)
    assert merged["value"].isna().any()  # blank measures exercised
    scope = {n.id: ("all" if n.parent is None else "node" if n.is_industry else "tier") for n in fw.nodes}
    assert (got["scope"] == got["node"].map({**scope, ind.ALL_FIRMS: "total"})).all()
    assert len(got) == len(order) * (len(districts) + 2) * len(BIG_YEARS) * len(ind.SCALE_METRICS)


# ---------------------------------------------------------------------------------------------------------
# dynamics
# ---------------------------------------------------------------------------------------------------------


def dyn_frame() -> pd.DataFrame:
    rows = [
        # node a in the city: 0 (2020), 10, -, 12, 15 (no 2022 row)
        ("a", "city", CITY, 2020, "revenue", 0),
        ("a", "city", CITY, 2021, "revenue", 10),
        ("a", "city", CITY, 2023, "revenue", 12),
        ("a", "city", CITY, 2024, "revenue", 15),
        (AF, "city", CITY, 2020, "revenue", 0),
        (AF, "city", CITY, 2021, "revenue", 40),
        (AF, "city", CITY, 2023, "revenue", 50, "synthetic"),
        (AF, "city", CITY, 2024, "revenue", 60),
        # node a in district D1, and a negative base (value added can be negative)
        ("a", "district", D1, 2023, "revenue", 4, "synthetic"),
        ("a", "district", D1, 2024, "revenue", 6),
        (AF, "district", D1, 2023, "revenue", 20),
        (AF, "district", D1, 2024, "revenue", 30),
        ("a", "city", CITY, 2023, "value_added", -4),
        ("a", "city", CITY, 2024, "value_added", 2),
        (AF, "city", CITY, 2023, "value_added", -8),
        (AF, "city", CITY, 2024, "value_added", 8),
    ]
    return lf(rows)


def test_dynamics_zero_base_gap_and_areas() -> None:
    out = ind.dynamics(dyn_frame())
    assert list(out.columns) == LONG_COLUMNS
    assert len(out) == 3 * 16

    def v(node_id: str, indicator: str, year: int, area: str = CITY, metric: str = "revenue") -> float:
        return val(out, node=node_id, indicator=indicator, year=year, area=area, metric=metric)

    # 2021 grows from zero: yoy and contribution are NaN, never inf
    assert math.isnan(v("a", "yoy", 2021))
    assert math.isnan(v("a", "contribution", 2021))
    assert math.isnan(v("a", "share", 2020))  # total 0
    assert v("a", "share", 2021) == 25.0  # 10 / 40 x 100
    # 2023 follows a missing year: no yoy, no contribution; share 12 / 50 x 100 = 24
    assert math.isnan(v("a", "yoy", 2023))
    assert math.isnan(v("a", "contribution", 2023))
    assert v("a", "share", 2023) == pytest.approx(24.0, rel=REL)
    # 2024: yoy (15 / 12 - 1) x 100 = 25; contribution (15 - 12) / 50 x 100 = 6; share 15 / 60 x 100 = 25
    assert v("a", "yoy", 2024) == pytest.approx(25.0, rel=REL)
    assert v("a", "contribution", 2024) == pytest.approx(6.0, rel=REL)
    assert v("a", "share", 2024) == pytest.approx(25.0, rel=REL)
    assert v(AF, "yoy", 2024) == pytest.approx(20.0, rel=REL)  # 60 / 50 - 1
    # the district reads its own previous year and total: yoy 6 / 4 - 1 = 50%, contribution 2 / 20 = 10 pp
    assert v("a", "yoy", 2024, D1) == pytest.approx(50.0, rel=REL)
    assert v("a", "contribution", 2024, D1) == pytest.approx(10.0, rel=REL)
    assert v("a", "share", 2024, D1) == pytest.approx(20.0, rel=REL)
    # a negative base gives no growth rate; the share of a positive total stays: 2 / 8 x 100 = 25
    assert math.isnan(v("a", "yoy", 2024, metric="value_added"))
    assert math.isnan(v("a", "contribution", 2024, metric="value_added"))
    assert v("a", "share", 2024, metric="value_added") == pytest.approx(25.0, rel=REL)
    assert math.isnan(v("a", "share", 2023, metric="value_added"))  # total -8
    units = out.drop_duplicates("indicator").set_index("indicator")["unit"].to_dict()
    assert units == {"yoy": "%", "contribution": "百分点", "share": "%"}


def test_dynamics_provenance() -> None:
    out = ind.dynamics(dyn_frame())

    def p(node_id: str, indicator: str, year: int, area: str = CITY) -> str:
        return pick(out, node=node_id, indicator=indicator, year=year, area=area, metric="revenue")[
            "provenance"
        ]

    # the city total of 2023 is synthetic: a's 2023 share and 2024 contribution (its base) are synthetic
    assert p("a", "share", 2023) == "synthetic"
    assert p("a", "contribution", 2024) == "synthetic"
    assert p("a", "yoy", 2024) == "registry"
    assert p("a", "share", 2024) == "registry"
    assert p(AF, "yoy", 2024) == "synthetic"  # from the synthetic 2023 total
    # a's D1 value of 2023 is synthetic: its 2024 yoy and contribution are, its 2024 share is not
    assert p("a", "yoy", 2024, D1) == "synthetic"
    assert p("a", "contribution", 2024, D1) == "synthetic"
    assert p("a", "share", 2024, D1) == "registry"
    assert p("a", "share", 2021) == "registry"


def test_dynamics_requires_columns() -> None:
    with pytest.raises(InputError, match=re.escape("scale_frame lacks column(s) provenance")):
        ind.dynamics(dyn_frame().drop(columns="provenance"))


# ---------------------------------------------------------------------------------------------------------
# CAGR
# ---------------------------------------------------------------------------------------------------------


def cagr_frame() -> pd.DataFrame:
    return lf(
        [
            ("zero", "city", CITY, 2020, "revenue", 0),
            ("zero", "city", CITY, 2022, "revenue", 10),
            ("gone", "city", CITY, 2020, "revenue", 50),
            ("gone", "city", CITY, 2022, "revenue", 0),
            ("neg", "city", CITY, 2020, "revenue", -10),
            ("neg", "city", CITY, 2022, "revenue", 10),
            ("down", "city", CITY, 2020, "revenue", 10),
            ("down", "city", CITY, 2022, "revenue", -10),
            ("early", "city", CITY, 2020, "revenue", 25),
            ("late", "city", CITY, 2022, "revenue", 25),
            ("grow", "city", CITY, 2020, "revenue", 100, "synthetic"),
            ("grow", "city", CITY, 2021, "revenue", 999),
            ("grow", "city", CITY, 2022, "revenue", 144),
            ("grow", "district", D1, 2020, "revenue", 100),
            ("grow", "district", D1, 2022, "revenue", 121, "synthetic"),
            ("flat", "city", CITY, 2020, "revenue", 30),
            ("flat", "city", CITY, 2022, "revenue", 30),
        ]
    )


def test_cagr_bases_and_missing_years() -> None:
    out = ind.cagr(cagr_frame(), 2020, 2022)
    assert list(out.columns) == [
        "scope",
        "node",
        "area_type",
        "area",
        "metric",
        "start",
        "end",
        "value_start",
        "value_end",
        "indicator",
        "value",
        "unit",
        "provenance",
    ]
    assert len(out) == 9
    r = out.set_index(["node", "area"])
    assert math.isnan(r.loc[("zero", CITY), "value"])  # from zero: NaN, not inf
    assert r.loc[("gone", CITY), "value"] == -100.0  # (0 / 50) ** 0.5 - 1 = -1
    assert math.isnan(r.loc[("neg", CITY), "value"])
    assert math.isnan(r.loc[("down", CITY), "value"])  # a negative end
    assert math.isnan(r.loc[("early", CITY), "value"]) and math.isnan(r.loc[("early", CITY), "value_end"])
    assert math.isnan(r.loc[("late", CITY), "value"]) and math.isnan(r.loc[("late", CITY), "value_start"])
    assert r.loc[("late", CITY), "value_end"] == 25.0
    # (144 / 100) ** (1 / 2) - 1 = 1.2 - 1 = 20%; D1 (121 / 100) ** 0.5 - 1 = 10%; 2021 is not read
    assert r.loc[("grow", CITY), "value"] == pytest.approx(20.0, rel=1e-12)
    assert r.loc[("grow", D1), "value"] == pytest.approx(10.0, rel=1e-12)
    assert r.loc[("flat", CITY), "value"] == 0.0
    assert (r.loc[("grow", CITY), "value_start"], r.loc[("grow", CITY), "value_end"]) == (100.0, 144.0)
    assert set(out["start"]) == {2020} and set(out["end"]) == {2022}
    assert set(out["indicator"]) == {"cagr"} and set(out["unit"]) == {"%"}
    assert r.loc[("grow", CITY), "provenance"] == "synthetic"  # start synthetic
    assert r.loc[("grow", D1), "provenance"] == "synthetic"  # end synthetic
    assert r.loc[("flat", CITY), "provenance"] == "registry"
    # over three years: (144 / 100) ** (1 / 3) - 1
    three = ind.cagr(cagr_frame().assign(year=lambda f: f["year"].replace({2022: 2023})), 2020, 2023)
    assert val(three, node="grow", area=CITY) == pytest.approx((1.44 ** (1 / 3) - 1) * 100, rel=1e-12)


def test_cagr_of_other_long_frames() -> None:
    frame = pd.DataFrame(
        {
            "node": ["a", "a", "a", "a"],
            "metric": ["m", "m", "m", "m"],
            "indicator": ["share", "share", "yoy", "yoy"],
            "year": [2020, 2021, 2020, 2021],
            "value": [10.0, 11.0, 4.0, 2.0],
        }
    )
    out = ind.cagr(frame, 2020, 2021)
    assert list(out.columns) == [
        "node",
        "metric",
        "start",
        "end",
        "value_start",
        "value_end",
        "indicator",
        "value",
        "unit",
        "provenance",
    ]
    # share 10 -> 11: 10%; yoy 4 -> 2: -50%; no provenance column: registry
    assert sorted(out["value"].round(9)) == [-50.0, 10.0]
    assert list(out["provenance"]) == ["registry", "registry"]
    assert list(out["indicator"]) == ["cagr", "cagr"]


def test_cagr_errors_and_helper() -> None:
    with pytest.raises(
        InputError, match=re.escape("CAGR 的结束年份 2022 须晚于起始年份 2022 (end must be after start)")
    ):
        ind.cagr(cagr_frame(), 2022, 2022)
    with pytest.raises(InputError, match=re.escape("frame lacks column(s) value")):
        ind.cagr(cagr_frame().drop(columns="value"), 2020, 2022)
    # years must be positive; start must be positive
    assert np.isnan(ind._cagr(100.0, 121.0, 0))
    assert np.isnan(ind._cagr(100.0, 121.0, -2))
    assert np.isnan(ind._cagr(0.0, 121.0, 2))
    assert float(ind._cagr(100.0, 121.0, 2)) == pytest.approx(10.0, rel=1e-12)
    assert float(ind._cagr(100.0, 0.0, 2)) == -100.0


# ---------------------------------------------------------------------------------------------------------
# structure
# ---------------------------------------------------------------------------------------------------------


def struct_pack() -> Framework:
    return pack(
        node("root", None, "system"),
        node("n1", "root", "cluster"),
        node("n2", "root", "cluster", scale_metric="revenue"),
        node("n3", "root", "service"),
    )


def struct_frame() -> pd.DataFrame:
    io, rev = "industrial_output", "revenue"
    rows = [
        # n1 on industrial output: D1 30, D2 10, city 50 (10 without district), registry 80
        ("n1", "district", D1, 2024, io, 30, "synthetic"),
        ("n1", "district", D2, 2024, io, 10),
        ("n1", "city", CITY, 2024, io, 50),
        ("n1", "registry", "registry", 2024, io, 80),
        # n1's revenue is not its scale metric: ignored
        ("n1", "district", D1, 2024, rev, 999),
        ("n1", "district", D2, 2024, rev, 1),
        ("n1", "city", CITY, 2024, rev, 1000),
        ("n1", "registry", "registry", 2024, rev, 1000),
        # n2 measured by revenue: all in D1
        ("n2", "district", D1, 2024, rev, 20),
        ("n2", "district", D2, 2024, rev, 0),
        ("n2", "city", CITY, 2024, rev, 20),
        ("n2", "registry", "registry", 2024, rev, 20),
        ("n2", "city", CITY, 2024, io, 7777),
        # n3 in one district only (a hand-made frame)
        ("n3", "district", D1, 2024, io, 7),
        ("n3", "city", CITY, 2024, io, 7, "synthetic"),
        ("n3", "registry", "registry", 2024, io, 7),
        # zz is not in the pack: the pack's metric (industrial output); nothing in the city
        ("zz", "district", D1, 2024, io, 0),
        ("zz", "district", D2, 2024, io, 0),
        ("zz", "city", CITY, 2024, io, 0),
        ("zz", "registry", "registry", 2024, io, 5),
        (AF, "district", D1, 2024, io, 60),
        (AF, "district", D2, 2024, io, 40, "synthetic"),
        (AF, "city", CITY, 2024, io, 120),
        (AF, "registry", "registry", 2024, io, 400),
        (AF, "district", D1, 2024, rev, 50),
        (AF, "district", D2, 2024, rev, 50),
        (AF, "city", CITY, 2024, rev, 100),
        (AF, "registry", "registry", 2024, rev, 300, "synthetic"),
    ]
    return lf(rows, {"zz": "tier"})


def test_structure_values() -> None:
    out = ind.structure(struct_frame(), struct_pack())
    assert list(out.columns) == LONG_COLUMNS

    def v(node_id: str, indicator: str, area: str = CITY) -> float:
        return val(out, node=node_id, indicator=indicator, area=area)

    # n1: shares 30 / 50 = 60%, 10 / 50 = 20%; HHI 60^2 + 20^2 = 4000
    assert v("n1", "district_share", D1) == pytest.approx(60.0, rel=REL)
    assert v("n1", "district_share", D2) == pytest.approx(20.0, rel=REL)
    assert v("n1", "hhi") == pytest.approx(4000.0, rel=REL)
    # LQ D1 (30 / 60) / (50 / 120) = 1.2; D2 (10 / 40) / (50 / 120) = 0.6; registry (50/120) / (80/400) = 25/12
    assert v("n1", "lq", D1) == pytest.approx(1.2, rel=REL)
    assert v("n1", "lq", D2) == pytest.approx(0.6, rel=REL)
    assert v("n1", "lq_registry") == pytest.approx(25 / 12, rel=REL)
    # n2 on revenue: 100% in D1, 0 in D2: HHI 10000; LQ D1 (20 / 50) / (20 / 100) = 2, D2 0;
    # registry (20 / 100) / (20 / 300) = 3
    assert set(out.loc[out["node"] == "n2", "metric"]) == {"revenue"}
    assert set(out.loc[out["node"] == "n1", "metric"]) == {"industrial_output"}
    assert v("n2", "district_share", D1) == pytest.approx(100.0, rel=REL)
    assert v("n2", "district_share", D2) == 0.0
    assert v("n2", "hhi") == pytest.approx(10_000.0, rel=REL)
    assert v("n2", "lq", D1) == pytest.approx(2.0, rel=REL)
    assert v("n2", "lq", D2) == 0.0
    assert v("n2", "lq_registry") == pytest.approx(3.0, rel=REL)
    # n3 in one district: share 100, HHI 10000; LQ (7 / 60) / (7 / 120) = 2; registry (7/120) / (7/400) = 10/3
    assert v("n3", "hhi") == pytest.approx(10_000.0, rel=REL)
    assert v("n3", "lq", D1) == pytest.approx(2.0, rel=REL)
    assert v("n3", "lq_registry") == pytest.approx(10 / 3, rel=REL)
    # zz: nothing in the city: shares, HHI and LQs NaN; against the registry 0 / (5 / 400) = 0
    assert math.isnan(v("zz", "district_share", D1))
    assert math.isnan(v("zz", "hhi"))
    assert math.isnan(v("zz", "lq", D2))
    assert v("zz", "lq_registry") == 0.0
    assert pick(out, node="zz", indicator="hhi")["scope"] == "tier"
    # area types and units, per indicator
    n1 = out[out["node"] == "n1"]
    got = n1[["indicator", "area_type", "area", "unit"]].to_records(index=False).tolist()
    assert sorted(got) == sorted(
        [
            ("district_share", "district", D1, "%"),
            ("district_share", "district", D2, "%"),
            ("hhi", "city", CITY, "0-10000"),
            ("lq", "district", D1, "ratio"),
            ("lq", "district", D2, "ratio"),
            ("lq_registry", "city", CITY, "ratio"),
        ]
    )
    assert len(out) == 6 + 6 + 4 + 6  # n1, n2, n3 (one district), zz
    assert set(out["year"]) == {2024}


def test_structure_provenance() -> None:
    out = ind.structure(struct_frame(), struct_pack())

    def p(node_id: str, indicator: str, area: str = CITY) -> str:
        return pick(out, node=node_id, indicator=indicator, area=area)["provenance"]

    # n1 in D1 is synthetic: its D1 share and LQ, and the HHI; D2's share is real, D2's total is synthetic
    assert p("n1", "district_share", D1) == "synthetic"
    assert p("n1", "district_share", D2) == "registry"
    assert p("n1", "hhi") == "synthetic"
    assert p("n1", "lq", D1) == "synthetic"
    assert p("n1", "lq", D2) == "synthetic"
    assert p("n1", "lq_registry") == "registry"
    # n2: only the registry's revenue total is synthetic
    assert p("n2", "hhi") == "registry"
    assert p("n2", "lq", D1) == "registry"
    assert p("n2", "lq_registry") == "synthetic"
    # n3's city value is synthetic: its share, HHI, LQ and registry LQ
    assert p("n3", "district_share", D1) == "synthetic"
    assert p("n3", "hhi") == "synthetic"
    assert p("n3", "lq_registry") == "synthetic"
    assert p("zz", "hhi") == "registry"


def test_structure_with_a_measure() -> None:
    out = ind.structure(struct_frame(), struct_pack(), measure="revenue")
    # every node on revenue now: n1 D1 999 / 1000 = 99.9%
    assert set(out["metric"]) == {"revenue"}
    assert val(out, node="n1", indicator="district_share", area=D1) == pytest.approx(99.9, rel=REL)
    assert set(out["node"]) == {"n1", "n2"}
    with pytest.raises(
        InputError,
        match=re.escape(
            "未知指标 'tax' (unknown measure)（可选: industrial_output, revenue, value_added, employees, industrial_output_above_scale, enterprises, enterprises_above_scale"
        ),
    ):
        ind.structure(struct_frame(), struct_pack(), measure="tax")
    with pytest.raises(InputError, match=re.escape("scale_frame lacks column(s) year")):
        ind.structure(struct_frame().drop(columns="year"), struct_pack())


def test_structure_hhi_of_a_scale_frame_in_one_district() -> None:
    firms = pd.DataFrame({"uscc": ["S1", "S2"], "city_code": [CITY, CITY], "district_code": [D2, D2]})
    figures = pd.DataFrame({"uscc": ["S1", "S2"], "year": [2024, 2024], "industrial_output": [3e4, 1e4]})
    links = pd.DataFrame({"uscc": ["S1"], "node": ["n1"]})
    tags = pd.DataFrame({"uscc": ["S2"], "tag": ["srdi"]})
    fw = struct_pack()
    out = ind.structure(ind.scale(firms, figures, tags, links, fw), fw)
    # n1 = S1 = 3 亿元, all in D2: share 100, HHI 10000; LQ (3 / 4) / (3 / 4) = 1; registry the same: 1
    assert val(out, node="n1", indicator="district_share", area=D2) == pytest.approx(100.0, rel=REL)
    assert val(out, node="n1", indicator="hhi", area=CITY) == pytest.approx(10_000.0, rel=REL)
    assert val(out, node="n1", indicator="lq", area=D2) == pytest.approx(1.0, rel=REL)
    assert val(out, node="n1", indicator="lq_registry", area=CITY) == pytest.approx(1.0, rel=REL)
    # n3 holds nothing: its HHI is NaN, not 0
    assert math.isnan(val(out, node="n3", indicator="hhi", area=CITY))
    assert pick(out, node="root", indicator="hhi", area=CITY)["scope"] == "all"


# ---------------------------------------------------------------------------------------------------------
# milestones and milestone counts
# ---------------------------------------------------------------------------------------------------------


def mile_pack() -> Framework:
    return pack(
        node("root", None, "system"),
        node("t1", "root", "tier"),
        node("a", "t1", "cluster"),
        node("f", "t1", "future", scale_metric="revenue"),
        node("t2", "root", "tier"),
        node("s", "t2", "service", scale_metric="revenue"),
        node("s2", "t2", "service"),
        node("e", "t2", "cluster"),
    )


def mile_frame() -> pd.DataFrame:
    io, rev = "industrial_output", "revenue"
    rows = [
        # a: 900, 1000 (exactly), 9999, 10000 (exactly)
        ("a", "city", CITY, 2021, io, 900),
        ("a", "city", CITY, 2022, io, 1000),
        ("a", "city", CITY, 2023, io, 9999),
        ("a", "city", CITY, 2024, io, 10_000, "synthetic"),
        # f on revenue: 500, blank, 1500, 800 (its output is above 1000 and must not count)
        ("f", "city", CITY, 2021, rev, 500),
        ("f", "city", CITY, 2022, rev, np.nan),
        ("f", "city", CITY, 2023, rev, 1500),
        ("f", "city", CITY, 2024, rev, 800),
        ("f", "city", CITY, 2024, io, 5000),
        # s on revenue: 20000 from the first year
        ("s", "city", CITY, 2021, rev, 20_000),
        ("s", "city", CITY, 2024, rev, 12_000),
        # s2: last year blank
        ("s2", "city", CITY, 2021, io, 1200),
        ("s2", "city", CITY, 2024, io, np.nan),
        # a district row must not be read
        ("a", "district", D1, 2024, io, 1),
    ]
    return lf(rows)


def test_milestones_boundaries_and_gaps() -> None:
    out = ind.milestones(mile_frame(), mile_pack())
    assert list(out.columns) == [
        "node",
        "name",
        "kind",
        "parent",
        "area",
        "metric",
        "latest_year",
        "value",
        "unit",
        "thousand_billion",
        "crossed_1000",
        "first_year_1000",
        "ten_thousand_billion",
        "crossed_10000",
        "first_year_10000",
        "provenance",
    ]
    assert list(out["node"]) == ["a", "f", "s", "s2", "e"]
    r = out.set_index("node")
    # a: 900 -> 1000 in 2022 (equal counts); 9999 -> 10000 in 2024
    assert r.loc["a", ["name", "kind", "parent", "area", "metric", "unit"]].tolist() == [
        "a中",
        "cluster",
        "t1",
        CITY,
        "industrial_output",
        "亿元",
    ]
    assert (r.loc["a", "latest_year"], r.loc["a", "value"]) == (2024, 10_000.0)
    assert bool(r.loc["a", "thousand_billion"]) and bool(r.loc["a", "ten_thousand_billion"])
    assert (r.loc["a", "crossed_1000"], r.loc["a", "first_year_1000"]) == ("2022", 2022)
    assert (r.loc["a", "crossed_10000"], r.loc["a", "first_year_10000"]) == ("2024", 2024)
    assert r.loc["a", "provenance"] == "synthetic"
    # f: 500, blank, 1500: crossed in 2022 or 2023 -> 'before 2023'; latest 800 is below again
    assert r.loc["f", "metric"] == "revenue"
    assert (r.loc["f", "crossed_1000"], r.loc["f", "first_year_1000"]) == ("before 2023", 2023)
    assert not bool(r.loc["f", "thousand_billion"])
    assert r.loc["f", "value"] == 800.0
    # s: above both thresholds from the first year of the data
    assert (r.loc["s", "crossed_1000"], r.loc["s", "crossed_10000"]) == ("before 2021", "before 2021")
    assert r.loc["s", "first_year_10000"] == 2021
    assert bool(r.loc["s", "thousand_billion"]) and bool(r.loc["s", "ten_thousand_billion"])
    # s2: the latest reported value is 2021's
    assert (r.loc["s2", "latest_year"], r.loc["s2", "value"]) == (2021, 1200.0)
    assert bool(r.loc["s2", "thousand_billion"]) and not bool(r.loc["s2", "ten_thousand_billion"])
    assert r.loc["s2", "provenance"] == "registry"
    # e: no data at all
    assert pd.isna(r.loc["e", "latest_year"]) and math.isnan(r.loc["e", "value"])
    assert not bool(r.loc["e", "thousand_billion"]) and not bool(r.loc["e", "ten_thousand_billion"])
    assert pd.isna(r.loc["e", "crossed_1000"]) and pd.isna(r.loc["e", "first_year_1000"])
    assert r.loc["e", "provenance"] == "registry"
    for col in ("latest_year", "first_year_1000", "first_year_10000"):
        assert out[col].dtype == "Int64"


def test_crossing_helper() -> None:
    assert ind._crossing([2020, 2021], [900.0, 1000.0], 1000.0) == ("2021", 2021)
    assert ind._crossing([2020, 2021], [1000.0, 900.0], 1000.0) == ("before 2020", 2020)
    assert ind._crossing([2020, 2021, 2022], [900.0, float("nan"), 1100.0], 1000.0) == ("before 2022", 2022)
    assert ind._crossing([2020, 2021, 2022], [None, 900.0, 1100.0], 1000.0) == ("2022", 2022)
    assert ind._crossing([2020, 2021], [999.0, 999.9], 1000.0) == (None, None)
    assert ind._crossing([], [], 1000.0) == (None, None)


def test_milestones_without_city_rows() -> None:
    frame = lf([("a", "district", D1, 2024, "industrial_output", 2000)])
    out = ind.milestones(frame, mile_pack())
    assert set(out["area"]) == {CITY}  # the pack's city
    assert out["value"].isna().all()


def test_milestone_counts_kinds_and_boundaries() -> None:
    frame = mile_frame()
    # every group needs a row in each area and year to be counted there
    filler = [
        (g, at, area, year, "enterprises", 1)
        for g in ("root", "t1", "t2", "a", "f", "s", "s2", "e", AF)
        for at, area in (("city", CITY), ("district", D1), ("registry", "registry"))
        for year in (2021, 2024)
    ]
    extra = [
        ("f", "district", D1, 2024, "revenue", 1000, "synthetic"),
        ("s", "district", D1, 2024, "revenue", 999),
        ("a", "registry", "registry", 2021, "industrial_output", 5000),
    ]
    frame = pd.concat([frame, lf(filler + extra)], ignore_index=True)
    frame["scope"] = (
        frame["node"].map({"root": "all", "t1": "tier", "t2": "tier", AF: "total"}).fillna("node")
    )
    out = ind.milestone_counts(frame, mile_pack())
    assert list(out.columns) == SCALE_COLUMNS
    assert set(out["area_type"]) == {"city", "district"}
    assert AF not in set(out["node"])
    assert set(out["unit"]) == {"个"}

    def v(g: str, metric: str, year: int = 2024, area: str = CITY) -> float:
        return val(out, node=g, metric=metric, year=year, area=area)

    ind_, clu, ser = "thousand_billion_industries", "thousand_billion_clusters", "thousand_billion_services"
    # city 2024: a 10000 (cluster) and s 12000 (service) are 千亿级; f 800 (revenue) and s2 blank are not
    assert [v(g, ind_) for g in ("root", "t1", "t2", "a", "f", "s", "s2", "e")] == [2, 1, 1, 1, 0, 1, 0, 0]
    assert [v(g, clu) for g in ("root", "t1", "t2", "a", "s")] == [1, 1, 0, 1, 0]
    assert [v(g, ser) for g in ("root", "t1", "t2", "a", "s")] == [1, 0, 1, 0, 1]
    # city 2021: a 900 no; s 20000 yes; s2 1200 yes; f 500 no
    assert [v(g, ind_, 2021) for g in ("root", "t1", "t2")] == [2, 0, 2]
    # D1 2024: f 1000 (exactly: counts), s 999 no, a 1 no
    assert [v(g, clu, area=D1) for g in ("root", "t1", "f")] == [1, 1, 1]
    assert v("root", ser, area=D1) == 0
    assert pick(out, node="t1", metric=clu, year=2024, area=CITY)["scope"] == "tier"
    assert pick(out, node="root", metric=clu, year=2024, area=CITY)["scope"] == "all"
    # provenance: any synthetic member row of the counted kinds
    prov = out.set_index(["node", "metric", "area", "year"])["provenance"]
    assert prov[("root", clu, CITY, 2024)] == "synthetic"  # a 2024
    assert prov[("root", ser, CITY, 2024)] == "registry"
    assert prov[("t1", clu, D1, 2024)] == "synthetic"  # f in D1
    assert prov[("root", ser, D1, 2024)] == "registry"
    assert prov[("root", clu, CITY, 2021)] == "registry"
    assert out["value"].dtype == float


# ---------------------------------------------------------------------------------------------------------
# target progress
# ---------------------------------------------------------------------------------------------------------


def target_frame() -> pd.DataFrame:
    io = "industrial_output"
    rows = [
        ("a", "city", CITY, 2020, io, 10),  # older than latest_year - span: never the base
        ("a", "city", CITY, 2021, io, 100),
        ("a", "city", CITY, 2023, io, 150, "synthetic"),
        ("a", "city", CITY, 2024, io, 200),
        ("b", "city", CITY, 2022, io, 25, "synthetic"),
        ("b", "city", CITY, 2023, io, np.nan),
        ("b", "city", CITY, 2024, io, 100),
        ("c", "city", CITY, 2021, io, 50),
        ("c", "city", CITY, 2024, io, 50),
        ("d", "city", CITY, 2023, io, 70),
        ("e", "city", CITY, 2024, io, 80),
        (AF, "city", CITY, 2021, io, 1000),
        (AF, "city", CITY, 2024, io, 1331, "synthetic"),
        ("a", "district", D1, 2024, io, 1),
    ]
    return lf(rows)


def targets_table(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(
        [dict(zip(("id", "node", "metric", "value", "unit", "year"), r, strict=True)) for r in rows]
    )


def test_target_progress_statuses_on_boundaries() -> None:
    io = "industrial_output"
    targets = targets_table(
        ("reached", "a", io, 200, "亿元", 2026),  # latest = target
        ("on-time", "b", io, 400, "亿元", 2026),  # projected year = target year
        ("late-2", "b", io, 1_600, "亿元", 2026),
        ("flat", "c", io, 60, "亿元", 2030),  # g = 0
        ("no-latest", "d", io, 100, "亿元", 2030),
        ("no-base", "e", io, 100, "亿元", 2030),
        ("same-year", "a", io, 3_000_000, "万元", 2024),
        ("past", "a", io, 300, "亿元", 2023),
        ("city", "city", io, 1_000, "亿元", 2030),
    )
    out = ind.target_progress(target_frame(), targets, 2024)
    assert list(out.columns) == [
        "id",
        "node",
        "metric",
        "area",
        "target_year",
        "target",
        "unit",
        "target_value",
        "target_unit",
        "latest_year",
        "latest",
        "base_year",
        "base",
        "required_cagr",
        "achieved_cagr",
        "projected_year",
        "status",
        "years_behind",
        "sources",
        "provenance",
    ]
    r = out.set_index("id")
    assert list(r["status"]) == [
        "reached",
        "on_track",
        "behind",
        "declining",
        "no_data",
        "insufficient_data",
        "behind",
        "behind",
        "reached",
    ]
    assert [None if pd.isna(v) else v for v in r["years_behind"]] == [None, None, 2, None, None, None, 2, 3, None]
    assert r.loc["reached", "required_cagr"] == 0.0
    assert r.loc["reached", "base_year"] == 2021 and r.loc["reached", "base"] == 100.0
    assert r.loc["reached", "achieved_cagr"] == pytest.approx((2 ** (1 / 3) - 1) * 100, rel=REL)
    assert pd.isna(r.loc["reached", "projected_year"])
    # on time: b's 2023 is blank, base 2022: g = (100 / 25) ** (1 / 2) - 1 = 100%;
    # ln(400 / 100) / ln(2) = 2 exactly -> 2024 + 2 = 2026 = the target year; required (4 ** 0.5 - 1) = 100%
    assert r.loc["on-time", "base_year"] == 2022
    assert r.loc["on-time", "achieved_cagr"] == 100.0
    assert r.loc["on-time", "required_cagr"] == pytest.approx(100.0, rel=REL)
    assert r.loc["on-time", "projected_year"] == 2026
    # 1600: ln(16) / ln(2) = 4 -> 2028, two years late
    assert r.loc["late-2", "projected_year"] == 2028
    # flat: (50 / 50) ** (1 / 3) - 1 = 0 -> declining, no projection
    assert r.loc["flat", "achieved_cagr"] == 0.0 and pd.isna(r.loc["flat", "projected_year"])
    # no latest value: no required or achieved growth
    assert math.isnan(r.loc["no-latest", "latest"]) and math.isnan(r.loc["no-latest", "required_cagr"])
    assert r.loc["no-latest", "base_year"] == 2023 and math.isnan(r.loc["no-latest", "achieved_cagr"])
    # no earlier year: no base; required (100 / 80) ** (1 / 6) - 1
    assert pd.isna(r.loc["no-base", "base_year"]) and math.isnan(r.loc["no-base", "base"])
    assert r.loc["no-base", "required_cagr"] == pytest.approx((1.25 ** (1 / 6) - 1) * 100, rel=REL)
    # target year = latest year: no required growth; 3,000,000 万元 = 300 亿元;
    # ln(300 / 200) / ln(2 ** (1 / 3)) = 3 ln 1.5 / ln 2 = 1.75 -> 2 -> 2026
    assert r.loc["same-year", "target"] == pytest.approx(300.0, rel=REL)
    assert (r.loc["same-year", "target_value"], r.loc["same-year", "target_unit"]) == (3_000_000.0, "万元")
    assert math.isnan(r.loc["same-year", "required_cagr"])
    assert r.loc["same-year", "projected_year"] == 2026
    assert math.isnan(r.loc["past", "required_cagr"])
    # the city reads the all-firms row: 1331 >= 1000
    assert r.loc["city", "node"] == "city" and r.loc["city", "latest"] == 1331.0
    assert r.loc["city", "achieved_cagr"] == pytest.approx(10.0, rel=1e-12)  # (1331 / 1000) ** (1/3) - 1
    # provenance: the base year or the latest year synthetic; a's 2023 is neither
    assert r.loc["reached", "provenance"] == "registry"
    assert r.loc["on-time", "provenance"] == "synthetic"
    assert r.loc["city", "provenance"] == "synthetic"
    assert r.loc["no-latest", "provenance"] == "registry"
    assert set(r["area"]) == {CITY} and set(r["unit"]) == {"亿元"} and set(r["latest_year"]) == {2024}
    assert set(r["sources"]) == {""}
    assert out["base_year"].dtype == "Int64" and out["projected_year"].dtype == "Int64"
    assert r["target_year"].tolist() == [2026, 2026, 2026, 2030, 2030, 2030, 2024, 2023, 2030]


def test_target_progress_span_sources_and_units() -> None:
    targets = (
        Target(
            id="t1",
            node="a",
            metric="industrial_output",
            value=400,
            unit="亿元",
            year=2027,
            status="provisional",
            sources=("src-a", "src-b"),
        ),
    )
    out = ind.target_progress(target_frame(), targets, 2024, span=1)
    r = out.iloc[0]
    # span 1: base 2023 (synthetic) 150: g = 200 / 150 - 1 = 33.33%; ln 2 / ln(4 / 3) = 2.409 -> 3 -> 2027
    assert r["base_year"] == 2023
    assert r["achieved_cagr"] == pytest.approx((200 / 150 - 1) * 100, rel=REL)
    assert r["projected_year"] == 2027 and r["status"] == "on_track"
    assert r["sources"] == "src-a,src-b"
    assert r["provenance"] == "synthetic"
    table = targets_table(("x", "a", "industrial_output", 5, "人", 2030))
    with pytest.raises(
        InputError, match=re.escape("目标 x 的单位 '人' 无法换算为亿元 (unit not convertible to 亿元)")
    ):
        ind.target_progress(target_frame(), table, 2024)
    with pytest.raises(InputError, match=re.escape("targets lacks column(s) year")):
        ind.target_progress(target_frame(), table.drop(columns="year"), 2024)
    listed = targets_table(("y", "a", "industrial_output", 5, "亿元", 2030)).assign(sources=[["s1", "s2"]])
    assert ind.target_progress(target_frame(), listed, 2024)["sources"].tolist() == ["s1,s2"]
    empty = ind.target_progress(target_frame(), (), 2024)
    assert len(empty) == 0


def test_target_progress_without_city_rows() -> None:
    frame = target_frame()
    frame = frame[frame["area_type"] != "city"]
    out = ind.target_progress(frame, targets_table(("x", "a", "industrial_output", 5, "亿元", 2030)), 2024)
    assert out["area"].tolist() == [None]
    assert out["status"].tolist() == ["no_data"] and out["years_behind"].isna().all()


# ---------------------------------------------------------------------------------------------------------
# reconcile
# ---------------------------------------------------------------------------------------------------------


def recon_frame() -> pd.DataFrame:
    io = "industrial_output"
    rows = [
        ("root", "city", CITY, 2024, io, 101),
        ("a", "city", CITY, 2024, io, 102, "synthetic"),
        ("a", "city", CITY, 2023, io, 98),
        ("a", "city", CITY, 2024, "employees", 5000),
        ("a", "city", CITY, 2024, "value_added", -10),
        ("a", "city", CITY, 2024, "enterprises", 0),
        ("a", "city", CITY, 2024, "revenue", np.nan),
        ("a", "district", D1, 2024, io, 40),
        ("a", "registry", "registry", 2024, io, 500),
        (AF, "city", CITY, 2024, io, 300),
    ]
    return lf(rows, {"root": "all"})


def pub(
    id_: str, metric: str, value: object, unit: str = "亿元", comparison: object = "=", **extra: object
) -> dict:
    return {
        "id": id_,
        "scope": "city",
        "area": CITY,
        "node": "a",
        "metric": metric,
        "year": 2024,
        "value": value,
        "unit": unit,
        "comparison": comparison,
        "source": f"src-{id_}",
        **extra,
    }


def test_reconcile_comparisons_on_boundaries() -> None:
    io = "industrial_output"
    published = pd.DataFrame(
        [
            # root 101 vs 100: gap exactly 1% of 100 -> match (blank area, node and comparison; odd spelling)
            pub("tol", " Industrial-Output ", 100, comparison=None, area=None, node=None),
            pub("over", io, 100),  # a 102: +2% -> gap
            pub("under", io, 100, year=2023),  # a 98: -2% -> gap
            pub("ge", io, 102, comparison=" >= "),
            pub("gt", io, 102, comparison=">"),
            pub("le", io, 102, comparison="<="),
            pub("lt", io, 102, comparison="<"),
            pub("lt-ok", io, 103, comparison="<"),
            pub("approx", io, 101.5, comparison="~"),  # 0.5 / 101.5 = 0.49% -> match
            pub("neg", "value_added", -10.05),  # -10 vs -10.05: 0.05 <= 1% of 10.05 -> match
            pub("zero", "enterprises", 0, unit="家"),
            pub("people", "employees", 0.5, unit="万人"),
            pub("d1", "output", 40, area=440103),  # a numeric area code
            pub("blank-area", "output", 102, area=""),  # an empty area is the city
        ]
    )
    out = ind.reconcile(published, recon_frame()).set_index("id")
    assert out["status"].to_dict() == {
        "tol": "match",
        "over": "gap",
        "under": "gap",
        "ge": "match",
        "gt": "gap",
        "le": "match",
        "lt": "gap",
        "lt-ok": "match",
        "approx": "match",
        "neg": "match",
        "zero": "match",
        "people": "match",
        "d1": "match",
        "blank-area": "match",
    }
    assert (out.loc["tol", "area"], out.loc["tol", "node"], out.loc["tol", "comparison"]) == (
        CITY,
        "root",
        "=",
    )
    assert out.loc["tol", "gap"] == 1.0 and out.loc["tol", "gap_pct"] == 1.0
    assert out.loc["tol", "metric"] == " Industrial-Output "
    assert out.loc["ge", "comparison"] == ">="
    assert out.loc["under", "gap"] == -2.0 and out.loc["under", "gap_pct"] == -2.0
    assert out.loc["neg", "gap"] == pytest.approx(0.05, rel=1e-9)
    assert out.loc["zero", "gap"] == 0.0 and math.isnan(out.loc["zero", "gap_pct"])
    assert out.loc["people", "published"] == 5000.0 and out.loc["people", "unit"] == "人"
    assert out.loc["d1", "area"] == "440103" and out.loc["d1", "registry"] == 40.0
    assert out.loc["blank-area", "area"] == CITY
    assert out.loc["over", "registry_provenance"] == "synthetic"
    assert out.loc["under", "registry_provenance"] == "registry"
    assert out.loc["over", "provenance"] == "src-over"
    assert out.loc["over", "scope"] == "city" and out.loc["over", "year"] == 2024
    assert out.loc["over", "note"] == "sum of the node's enterprises' industrial output"
    # a looser tolerance turns the 2% gaps into matches
    loose = ind.reconcile(published, recon_frame(), tolerance=0.02).set_index("id")
    assert (loose.loc["over", "status"], loose.loc["under", "status"]) == ("match", "match")


def test_reconcile_rows_the_registry_cannot_answer() -> None:
    io = "industrial_output"
    published = pd.DataFrame(
        [
            pub("unit", io, 5, unit="人"),
            pub("blank", io, None),
            pub("unknown", "widgets", 5, unit="件"),
            pub("gdp", "gdp", 31_000),
            pub("no-year", io, 5, year=None),
            pub("no-value", "revenue", 5),  # the registry's revenue is blank
            pub("future", io, 5, year=2030),
            pub("count", "千亿级产业集群", 1, unit="个", node=None),
            pub("nosrc", io, 102, source=None),
        ]
    )
    out = ind.reconcile(published, recon_frame()).set_index("id")
    assert out["status"].to_dict() == {
        "unit": "not in registry",
        "blank": "not in registry",
        "unknown": "not in registry",
        "gdp": "not in registry",
        "no-year": "no data",
        "no-value": "no data",
        "future": "no data",
        "count": "no data",
        "nosrc": "match",
    }
    assert out.loc["unit", "note"] == "published unit '人' does not convert to 亿元"
    assert (out.loc["unit", "reason"], out.loc["unknown", "reason"], out.loc["gdp", "reason"],
            out.loc["no-value", "reason"], out.loc["nosrc", "reason"]) == (
        "unit_mismatch", "unknown_metric", "national_accounts", "no_registry_value", "compared")
    assert (out.loc["unit", "published"], out.loc["unit", "unit"]) == (5.0, "亿元")
    assert math.isnan(out.loc["blank", "published"])
    assert out.loc["unknown", "note"] == "unknown metric: not in the matching table"
    assert out.loc["unknown", "unit"] == "件" and pd.isna(out.loc["unknown", "registry_metric"])
    assert out.loc["gdp", "note"] == "GDP is a national-accounts figure, not a sum over enterprises"
    assert pd.isna(out.loc["no-year", "year"])
    assert out.loc["no-year", "note"] == "the registry holds no industrial_output for a in 440100, None"
    assert out.loc["no-value", "note"] == "the registry holds no revenue for a in 440100, 2024"
    assert math.isnan(out.loc["no-value", "registry"]) and pd.isna(out.loc["no-value", "registry_provenance"])
    assert out.loc["count", "note"] == (
        "the registry holds no thousand_billion_clusters for root in 440100, 2024; pass framework= to count 千亿级 nodes"
    )
    assert out.loc["nosrc", "provenance"] == "nosrc"
    assert list(out.reset_index().columns) == [
        "id",
        "scope",
        "area",
        "node",
        "metric",
        "year",
        "comparison",
        "published",
        "registry_metric",
        "registry",
        "unit",
        "gap",
        "gap_pct",
        "status",
        "note",
        "reason",
        "provenance",
        "registry_provenance",
    ]


def test_reconcile_with_a_framework_and_without_a_city() -> None:
    fw = pack(node("root", None, "system"), node("a", "root", "cluster"))
    published = pd.DataFrame(
        [pub("count", "thousand_billion_industries", 0, unit="个", node=None, area=None)]
    )
    # a's city output 102 < 1000: no 千亿级 industry -> 0 = 0
    out = ind.reconcile(published, recon_frame(), fw).iloc[0]
    assert (out["status"], out["registry"], out["area"]) == ("match", 0.0, CITY)
    # counts already in the frame are used as they are
    counts = ind.milestone_counts(recon_frame(), fw).assign(value=3.0)
    both = pd.concat([recon_frame(), counts], ignore_index=True)
    assert ind.reconcile(published, both, fw).iloc[0]["registry"] == 3.0
    # no city rows and no scope 'all': the pack's city; the node stays blank
    districts = recon_frame()
    districts = districts[(districts["area_type"] == "district")].assign(scope="node")
    blank = pd.DataFrame([pub("x", "output", 40, area=None, node=None)])
    r = ind.reconcile(blank, districts, fw).iloc[0]
    assert (r["area"], r["node"], r["status"]) == (CITY, None, "no data")
    assert ind.reconcile(blank, districts).iloc[0]["area"] is None
    # a custom matching table
    custom = (ind.MetricMatch(("sales",), "employees", "人", "custom"),)
    r = ind.reconcile(pd.DataFrame([pub("s", "sales", 5000, unit="人")]), recon_frame(), mapping=custom).iloc[
        0
    ]
    assert (r["status"], r["note"], r["registry_metric"]) == ("match", "custom", "employees")
    with pytest.raises(InputError, match=re.escape("published lacks column(s) unit")):
        ind.reconcile(blank.drop(columns="unit"), recon_frame())
    with pytest.raises(InputError, match=re.escape("computed lacks column(s) provenance")):
        ind.reconcile(blank, recon_frame().drop(columns="provenance"))


def test_structure_unknown_node_needs_pack_default() -> None:
    # a node the pack does not hold reads the pack's own metric; asking the pack for it would fail
    frame = struct_frame()
    with pytest.raises(UnknownNode, match="zz"):
        struct_pack().scale_metric("zz")
    out = ind.structure(frame, pack(node("root", None, "system"), scale_metric="revenue"))
    assert set(out["metric"]) == {"revenue"}


# ---------------------------------------------------------------------------------------------------------
# additions of the second round
# ---------------------------------------------------------------------------------------------------------

# Every published spelling the matching table knows, and the registry metric (and unit) it compares with.
SPELLINGS = {
    ("industrial_output", "亿元"): (
        "industrial_output output gross_output 工业总产值 总产值 产值 cluster_scale biomed_output"
    ),
    ("industrial_output_above_scale", "亿元"): (
        "above_scale_industrial_output industrial_output_above_scale 规上工业总产值 规模以上工业总产值"
    ),
    ("revenue", "亿元"): "revenue operating_revenue 营业收入",
    ("value_added", "亿元"): (
        "value_added 增加值 sei_value_added strategic_emerging_value_added strategic_emerging_va 战略性新兴产业增加值"
    ),
    ("employees", "人"): "employees 从业人员",
    ("enterprises", "家"): "enterprises 企业数",
    ("enterprises_above_scale", "家"): "above_scale_enterprises enterprises_above_scale 规上企业数",
    ("enterprises_high_tech", "家"): "high_tech_enterprises enterprises_high_tech 高新技术企业企业数",
    ("enterprises_srdi", "家"): "srdi_enterprises enterprises_srdi 专精特新企业数",
    (
        "enterprises_little_giant",
        "家",
    ): "little_giant_enterprises enterprises_little_giant 专精特新“小巨人”企业数",
    ("enterprises_listed", "家"): "listed_enterprises enterprises_listed 上市企业数",
    ("thousand_billion_industries", "个"): "thousand_billion_industries 千亿级产业",
    ("thousand_billion_clusters", "个"): (
        "thousand_billion_clusters clusters_over_1000 count_100bn_clusters count_100bn_mfg_clusters 千亿级产业集群"
    ),
    (
        "thousand_billion_services",
        "个",
    ): "thousand_billion_services services_over_1000 count_100bn_services 千亿级服务业",
}
NOT_IN_REGISTRY = {
    "GDP is a national-accounts figure, not a sum over enterprises": "gdp district_gdp 地区生产总值",
    "fixed-asset investment is not in the registry": (
        "industrial_investment industrial_investment_growth tech_renovation_investment_growth "
        "tech_upgrade_investment_growth industrial_projects high_tech_mfg_investment_growth "
        "auto_parts_investment_growth investment 工业投资"
    ),
    "retail sales are city statistics": "retail_sales 社会消费品零售总额",
    "foreign trade is customs statistics": "trade trade_total imports_exports 进出口",
    "a share of GDP needs GDP, which the registry does not hold": (
        "sei_va_share strategic_emerging_va_share mfg_va_share digital_core_va_share producer_services_share"
    ),
    "per unit of GDP": "energy_intensity_gdp energy_intensity_gdp_decline",
    "physical output (辆) is not in the registry": "nev_production nev_output_units nev_national_share 新能源汽车产量",
}


def test_every_published_spelling_reaches_its_registry_metric() -> None:
    spelled = {n: key for key, names in SPELLINGS.items() for n in names.split()}
    dead = {n: note for note, names in NOT_IN_REGISTRY.items() for n in names.split()}
    index = ind._match_index(ind.PUBLISHED_METRICS)
    assert set(index) == set(spelled) | set(dead)
    for name, (metric, unit) in spelled.items():
        assert (index[name].registry, index[name].unit) == (metric, unit), name
    for name, note in dead.items():
        assert (index[name].registry, index[name].note) == (None, note), name


def test_reconcile_the_shipped_published_figures() -> None:
    from chanye.demo.synthetic import load_published

    published, _ = load_published()
    out = ind.reconcile(published, recon_frame())
    computable = {
        "biomed_output": "industrial_output",
        "cluster_scale": "industrial_output",
        "count_100bn_clusters": "thousand_billion_clusters",
        "count_100bn_mfg_clusters": "thousand_billion_clusters",
        "count_100bn_services": "thousand_billion_services",
        "strategic_emerging_va": "value_added",
    }
    for metric, registry, status in zip(out["metric"], out["registry_metric"], out["status"], strict=True):
        assert (registry if isinstance(registry, str) else None) == computable.get(metric), metric
        # the nodes of the pack are not in this small frame: nothing can be compared
        assert status == ("no data" if metric in computable else "not in registry"), metric
    assert "unknown metric: not in the matching table" not in set(out["note"])


def test_scale_of_empty_inputs() -> None:
    def empty(*columns: str) -> pd.DataFrame:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})

    fw = pack(node("root", None, "system"), node("x", "root", "cluster"))
    out = ind.scale(
        empty("uscc", "city_code", "district_code"),
        empty("uscc", "year"),
        empty("uscc", "tag"),
        empty("uscc", "node"),
        fw,
    )
    assert (len(out), list(out.columns)) == (0, SCALE_COLUMNS)
    assert out.attrs == {"city": CITY, "years": [], "districts": [], "notes": []}


def test_milestone_counts_groups_without_counted_kinds() -> None:
    frame = mile_frame()
    filler = [(g, "city", CITY, 2024, "enterprises", 1) for g in ("root", "t1", "t2", "e", AF)]
    frame = pd.concat([frame, lf(filler)], ignore_index=True)
    out = ind.milestone_counts(frame, mile_pack())
    # t2 holds no cluster with data (e is empty): 0 clusters, registry; its services s 12000 -> 1
    r = pick(out, node="t2", metric="thousand_billion_clusters", year=2024, area=CITY)
    assert (r["value"], r["provenance"]) == (0.0, "registry")
    assert val(out, node="t2", metric="thousand_billion_services", year=2024, area=CITY) == 1.0
    # e itself: no row of its scale metric: 0 industries
    assert val(out, node="e", metric="thousand_billion_industries", year=2024, area=CITY) == 0.0


def test_dynamics_rows_without_a_total_and_blank_keys() -> None:
    frame = pd.concat(
        [
            dyn_frame(),
            # a in D2 has no all-firms row: kept, with no contribution or share
            lf([("a", "district", D2, 2023, "revenue", 2), ("a", "district", D2, 2024, "revenue", 3)]),
            # a frame built by hand may leave the scope blank: still one series
            lf([("b", "city", CITY, 2023, "revenue", 10), ("b", "city", CITY, 2024, "revenue", 11)]).assign(
                scope=None
            ),
        ],
        ignore_index=True,
    )
    out = ind.dynamics(frame)
    assert len(out) == 3 * 20
    assert out.index.equals(pd.RangeIndex(len(out)))
    assert val(out, node="a", indicator="yoy", year=2024, area=D2, metric="revenue") == pytest.approx(
        50.0, rel=REL
    )
    assert math.isnan(val(out, node="a", indicator="share", year=2024, area=D2, metric="revenue"))
    assert math.isnan(val(out, node="a", indicator="contribution", year=2024, area=D2, metric="revenue"))
    # b: (11 / 10 - 1) x 100 = 10%; share 11 / 60 x 100
    b = out[out["node"] == "b"]
    assert b["scope"].isna().all()
    assert val(b, indicator="yoy", year=2024) == pytest.approx(10.0, rel=1e-12)
    assert val(b, indicator="share", year=2024) == pytest.approx(11 / 60 * 100, rel=REL)


def test_milestones_latest_exactly_at_the_threshold_and_blank_cells() -> None:
    frame = mile_frame()
    frame.loc[(frame["node"] == "f") & (frame["year"] == 2024) & (frame["metric"] == "revenue"), "value"] = (
        1000.0
    )
    # a blank cell other than the value does not hide the row
    frame.loc[(frame["node"] == "s") & (frame["year"] == 2024), "unit"] = None
    r = ind.milestones(frame, mile_pack()).set_index("node")
    assert bool(r.loc["f", "thousand_billion"]) and r.loc["f", "value"] == 1000.0
    assert (r.loc["s", "latest_year"], r.loc["s", "value"]) == (2024, 12_000.0)
    with pytest.raises(InputError, match=re.escape("scale_frame lacks column(s) provenance")):
        ind.milestones(frame.drop(columns="provenance"), mile_pack())


def test_milestones_and_targets_read_the_frame_city() -> None:
    # one city row, of another city than the pack's: the frame's city is the area
    frame = lf([("a", "city", OUT, 2024, "industrial_output", 1500)])
    assert ind.milestones(frame, mile_pack())["area"].tolist() == [OUT] * 5
    out = ind.target_progress(frame, targets_table(("x", "a", "industrial_output", 100, "亿元", 2030)), 2024)
    assert (out["area"].tolist(), out["status"].tolist()) == ([OUT], ["reached"])
    with pytest.raises(InputError, match=re.escape("scale_frame lacks column(s) value")):
        ind.target_progress(frame.drop(columns="value"), targets_table(), 2024)


def test_target_progress_one_year_ahead_and_slow_growth() -> None:
    io = "industrial_output"
    frame = target_frame()
    frame.loc[(frame["node"] == "c") & (frame["year"] == 2024), "unit"] = None  # a blank unit hides nothing
    frame = pd.concat(
        [frame, lf([("g", "city", CITY, 2021, io, 100), ("g", "city", CITY, 2024, io, 101)])],
        ignore_index=True,
    )
    targets = targets_table(("next", "a", io, 220, "亿元", 2025), ("slow", "g", io, 102, "亿元", 2030))
    targets = pd.concat([targets, targets_table(("c", "c", io, 40, "亿元", 2030))], ignore_index=True)
    r = ind.target_progress(frame, targets, 2024).set_index("id")
    # one year ahead: required 220 / 200 - 1 = 10%
    assert r.loc["next", "required_cagr"] == pytest.approx(10.0, rel=1e-12)
    # g = (101 / 100) ** (1 / 3) - 1 = 0.3322% > 0: ln(102 / 101) / ln(1.003322) = 2.9656 -> 3 -> 2027
    assert r.loc["slow", "achieved_cagr"] == pytest.approx((1.01 ** (1 / 3) - 1) * 100, rel=REL)
    assert (r.loc["slow", "projected_year"], r.loc["slow", "status"]) == (2027, "on_track")
    assert (r.loc["c", "latest"], r.loc["c", "status"]) == (50.0, "reached")


def test_cagr_from_a_base_below_one() -> None:
    # (2 / 0.5) ** (1 / 2) - 1 = 4 ** 0.5 - 1 = 100%: any positive base works, not only >= 1
    assert float(ind._cagr(0.5, 2.0, 2)) == 100.0
    out = ind.cagr(
        lf([("a", "city", CITY, 2020, "revenue", 0.25), ("a", "city", CITY, 2022, "revenue", 1)]), 2020, 2022
    )
    assert out["value"].tolist() == [100.0]  # (1 / 0.25) ** 0.5 - 1


def test_structure_without_districts_or_totals() -> None:
    # no firm has a district: no share, HHI NaN (the city row stays), LQ against the registry only
    firms = pd.DataFrame({"uscc": ["W1", "W2"], "city_code": [CITY, OUT], "district_code": [None, None]})
    figures = pd.DataFrame({"uscc": ["W1", "W2"], "year": [2024, 2024], "industrial_output": [1e4, 3e4]})
    links = pd.DataFrame({"uscc": ["W1", "W2"], "node": ["n1", "n1"]})
    tags = pd.DataFrame({"uscc": [], "tag": []})
    fw = struct_pack()
    out = ind.structure(ind.scale(firms, figures, tags, links, fw), fw)
    n1 = out[out["node"] == "n1"]
    assert sorted(n1["indicator"]) == ["hhi", "lq_registry"]
    assert math.isnan(val(n1, indicator="hhi"))
    # (1 / 1) / (4 / 4) = 1
    assert val(n1, indicator="lq_registry") == 1.0
    # a district row without an all-firms row in that district: a share, but no LQ
    frame = pd.concat([struct_frame(), lf([("n1", "district", "440105", 2024, "industrial_output", 5)])])
    out = ind.structure(frame, fw)
    assert val(out, node="n1", indicator="district_share", area="440105") == pytest.approx(10.0, rel=REL)
    assert math.isnan(val(out, node="n1", indicator="lq", area="440105"))
    # HHI 60^2 + 20^2 + 10^2 = 4100
    assert val(out, node="n1", indicator="hhi", area=CITY) == pytest.approx(4100.0, rel=REL)


def test_scale_duplicate_message_lists_only_true_duplicates() -> None:
    firms, figures, tags, links = small_registry()
    once_more = pd.concat([figures, figures.iloc[[1]]], ignore_index=True)  # A1 2024 twice
    message = "例如 [{'uscc': 'A1', 'year': 2024}, {'uscc': 'A1', 'year': 2024}]（"
    with pytest.raises(InputError, match=re.escape(message)):
        ind.scale(firms, once_more, tags, links, small_pack())


def test_scale_years_stay_integers() -> None:
    firms, figures, tags, links = small_registry()
    out = ind.scale(firms, figures.assign(year=figures["year"].astype(float)), tags, links, small_pack())
    assert out["year"].dtype == np.int64
    assert sorted(set(out["year"].tolist())) == [2023, 2024]


def test_scale_signatures_across_two_words() -> None:
    # root + 53 industry nodes = 54 groups: root, n00..n50 in the first word of 52, n51 and n52 in the second
    fw = pack(node("root", None, "system"), *(node(f"n{i:02d}", "root", "cluster") for i in range(53)))
    links = pd.DataFrame(
        {
            "uscc": ["U0", "U1", "U2", "U2", "U3", "U4"],
            "node": ["n00", "n51", "n00", "n51", "n01", "root"],
        }
    )
    usccs = ["U0", "U1", "U2", "U3", "U4"]
    firms = pd.DataFrame({"uscc": usccs, "city_code": CITY, "district_code": D1})
    # output 1, 2, 4, 8 亿元 (U4: a text cell, not reported, like a blank): every sum names its firms
    figures = pd.DataFrame({"uscc": usccs, "year": 2024, "revenue": [1e4, 2e4, 4e4, 8e4, "n/a"]})
    figures["industrial_output"] = [1e4, 2e4, 4e4, 8e4, "n/a"]
    out = ind.scale(firms, figures, pd.DataFrame({"uscc": [], "tag": []}), links, fw)

    def v(node_id: str, metric: str = "industrial_output") -> float:
        return val(out, node=node_id, metric=metric, year=2024, area=D1)

    # n00 = U0 + U2 = 1 + 4; n01 = U3 = 8; n51 = U1 + U2 = 2 + 4; n52 nothing; root = all five firms
    assert [v("n00"), v("n01"), v("n51"), v("n52")] == [5.0, 8.0, 6.0, 0.0]
    assert [v(n, "enterprises") for n in ("n00", "n01", "n51", "n52", "root")] == [2, 1, 2, 0, 5]
    assert v("root") == 15.0  # U4 is in the root, its output is not reported
    assert v("root", "revenue") == 15.0
    # U4 alone (linked to the root only): its node sums are blank, not 0
    links4 = pd.DataFrame({"uscc": ["U4"], "node": ["root"]})
    alone = ind.scale(firms, figures, pd.DataFrame({"uscc": [], "tag": []}), links4, fw)
    assert val(alone, node="root", metric="enterprises", year=2024, area=D1) == 1.0
    assert math.isnan(val(alone, node="root", metric="revenue", year=2024, area=D1))


def test_outputs_have_a_clean_index_and_partial_rows() -> None:
    io = "industrial_output"
    # q: a district row without a city row; r: a city row without a registry row
    extra = lf(
        [
            ("q", "district", D1, 2024, io, 3),
            ("r", "district", D1, 2024, io, 6),
            ("r", "city", CITY, 2024, io, 12),
        ]
    )
    out = ind.structure(pd.concat([struct_frame(), extra], ignore_index=True), struct_pack())
    assert out.index.equals(pd.RangeIndex(len(out)))
    assert math.isnan(val(out, node="q", indicator="district_share", area=D1))
    # r: 6 / 12 = 50%; LQ D1 (6 / 60) / (12 / 120) = 1; no registry row: lq_registry NaN
    assert val(out, node="r", indicator="district_share", area=D1) == pytest.approx(50.0, rel=REL)
    assert val(out, node="r", indicator="lq", area=D1) == pytest.approx(1.0, rel=REL)
    assert math.isnan(val(out, node="r", indicator="lq_registry", area=CITY))
    counts = ind.milestone_counts(mile_frame(), mile_pack())
    assert counts.index.equals(pd.RangeIndex(len(counts)))


def test_reconcile_inequalities_far_from_the_value_and_empty_input() -> None:
    io = "industrial_output"
    published = pd.DataFrame(
        [
            pub("ge-far", io, 50, comparison=">="),  # 102 >= 50, far beyond 1%
            pub("le-far", io, 200, comparison="<="),  # 102 <= 200
            pub("empty-text", io, ""),  # an empty text value is blank
        ]
    )
    out = ind.reconcile(published, recon_frame()).set_index("id")
    assert out["status"].tolist() == ["match", "match", "not in registry"]
    assert math.isnan(out.loc["empty-text", "published"])
    # one city row only: its area is the city
    single = lf([("a", "city", OUT, 2024, io, 7)])
    r = ind.reconcile(pd.DataFrame([pub("x", io, 7, area=None)]), single).iloc[0]
    assert (r["area"], r["status"]) == (OUT, "match")
    empty = ind.reconcile(pd.DataFrame(columns=list(pub("x", io, 1))), recon_frame())
    assert (len(empty), list(empty.columns)[:3], list(empty.columns)[-1]) == (
        0,
        ["id", "scope", "area"],
        "registry_provenance",
    )
