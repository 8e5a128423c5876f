"""The shipped GB/T 4754-2017 table: shape, reconciled names, lookups, and the 2011 -> 2017 crosswalk."""

from __future__ import annotations

import re
import string

import pytest

from chanye.errors import ChanyeError, UnknownCode
from chanye.standards import gbt4754
from chanye.standards.gbt4754 import LEVEL_ZH, LEVELS, IndustryClass

# The flat source's 3546, a name with its 说明 glued on, as published.
RAW_FLAT_3546 = (
    "玻璃、陶瓷和搪瓷制品生产专用设备制造指用于生产加工玻璃制品、玻璃器皿的专用机械，陶瓷器等类似产品的"
    "加工机床和生产专用机械，以及搪瓷制品生产设备的制造"
)
LONGEST_NAME = 21  # 印刷、制药、日化及日用品生产专用设备制造 and three others


def looks_glued(name: str) -> bool:
    """A name carrying (part of) a 说明: notes start with 指 and run on, use full stops, commas, spaces.
    Real names hold 指 only in a short word (7264 创业指导服务) and 包括 only in 6999 其他未包括金融业."""
    return (
        len(name) > 30
        or re.search(r"指.{7,}", name) is not None
        or re.search(r"[，；。：\s]", name) is not None
        or ("包括" in name and name != "其他未包括金融业")
    )


@pytest.fixture(scope="module")
def std() -> gbt4754.Gbt4754:
    return gbt4754.load()


def test_levels_constants() -> None:
    assert LEVELS == ("section", "division", "group", "class")
    assert [LEVEL_ZH[lv] for lv in LEVELS] == ["门类", "大类", "中类", "小类"]


def test_counts(std: gbt4754.Gbt4754) -> None:
    assert [len(std.classes(lv)) for lv in LEVELS] == [20, 97, 473, 1381]
    assert len(std) == 20 + 97 + 473 + 1381
    assert [c.code for c in std.classes("section")] == list(string.ascii_uppercase[:20])


def test_hierarchy(std: gbt4754.Gbt4754) -> None:
    parent_level = {"division": "section", "group": "division", "class": "group"}
    for c in std.classes():
        assert re.fullmatch(r"[A-T]|\d{2}|\d{3}|\d{4}", c.code), c
        if c.level == "section":
            assert c.parent is None and c.section == c.code
            continue
        parent = std.get(c.parent)
        assert parent.level == parent_level[c.level], c
        assert parent.section == c.section, c
        if parent.level != "section":
            assert c.code.startswith(parent.code), c
    # Every 中类 and 大类 has at least one 小类: nothing dangles.
    assert all(std.children(c.code) for c in std.classes() if c.level != "class")


def test_class_order_is_depth_first(std: gbt4754.Gbt4754) -> None:
    codes = [c.code for c in std.classes()]
    assert codes[:6] == ["A", "01", "011", "0111", "0112", "0113"]
    assert codes[-3:] == ["97", "970", "9700"]
    small = [c.code for c in std.classes("class")]
    assert small == sorted(small)


def test_no_name_carries_a_note(std: gbt4754.Gbt4754) -> None:
    assert looks_glued(RAW_FLAT_3546)
    assert not looks_glued("创业指导服务")
    assert [c.code for c in std.classes() if looks_glued(c.name)] == []
    assert max(len(c.name) for c in std.classes()) == LONGEST_NAME
    assert all(c.name == c.name.strip() and c.name for c in std.classes())


@pytest.mark.parametrize(
    ("code", "name"),
    [
        # 说明 glued onto the flat source's name, the tree's name cut short
        ("3546", "玻璃、陶瓷和搪瓷制品生产专用设备制造"),
        ("3552", "皮革、毛皮及其制品加工专用设备制造"),
        ("3583", "医疗实验室及医用消毒设备和器具制造"),
        ("4023", "导航、测绘、气象及海洋专用仪器制造"),
        ("3531", "食品、酒、饮料及茶生产专用设备制造"),
        ("3939", "应用电视设备及其他广播电视设备制造"),
        ("526", "汽车、摩托车、零配件和燃料及其他动力销售"),
        # cut short in the tree source
        ("37", "铁路、船舶、航空航天和其他运输设备制造业"),
        ("306", "玻璃纤维和玻璃纤维增强塑料制品制造"),
        ("354", "印刷、制药、日化及日用品生产专用设备制造"),
        ("359", "环保、邮政、社会公共服务及其他专用设备制造"),
        # garbled in the flat source (905 + 9051's name)
        ("905", "文化体育娱乐活动与经纪代理服务"),
        ("9051", "文化活动服务"),
        # cut short in the crosswalk, absent from the flat source
        ("1110", "煤炭开采和洗选专业及辅助性活动"),
        # the crosswalk disagrees with both other sources
        ("7289", "其他会议、会展及相关服务"),
        # leading space in the tree source; ASCII brackets in the crosswalk
        ("2541", "生物质液体燃料生产"),
        ("8432", "专科疾病防治院（所、站）"),
        ("1922", "皮箱、包（袋）制造"),
        # names that legitimately contain 指 and 包括
        ("7264", "创业指导服务"),
        ("6999", "其他未包括金融业"),
    ],
)
def test_reconciled_names(std: gbt4754.Gbt4754, code: str, name: str) -> None:
    assert std.name(code) == name


def test_notes(std: gbt4754.Gbt4754) -> None:
    assert std.get("3546").note.startswith("指用于生产加工玻璃制品、玻璃器皿的专用机械")
    assert std.get("526").note.startswith("指专门经营汽车、摩托车")
    # The flat source hung 9051's 说明 on its garbled 905.
    assert std.get("9051").note.startswith("指策划、组织、实施各类文化")
    assert std.get("905").note == ""
    # A 小类 coded 中类+"0" shares its 中类's row, and 说明, in the standard.
    assert std.get("3670").note == std.get("367").note != ""
    assert std.get("B").note.startswith("本门类包括 06～12 大类")
    assert std.get("S").note == "本门类包括 91～96 大类"
    assert std.get("0111").note == ""


def test_get_and_unknown(std: gbt4754.Gbt4754) -> None:
    c = std.get("3670")
    assert c == IndustryClass("3670", "汽车零部件及配件制造", "class", "367", "C", c.note)
    assert std.get("C3670") is c
    assert "3670" in std and "C" in std and "367" in std
    assert "9999" not in std and "" not in std and None not in std and "U" not in std
    with pytest.raises(UnknownCode, match="没有代码 '9999'") as err:
        std.get("9999")
    assert isinstance(err.value, ChanyeError)
    assert "9999" in str(err.value) and "GB/T 4754-2017" in str(err.value)
    assert "没有代码" in str(err.value) and "has no code" in str(err.value)
    with pytest.raises(UnknownCode, match="没有代码 ''"):
        std.name("")


def test_children(std: gbt4754.Gbt4754) -> None:
    assert [c.code for c in std.children("C")] == [f"{n}" for n in range(13, 44)]
    assert [c.code for c in std.children("367")] == ["3670"]
    assert [(c.code, c.name) for c in std.children("017")] == [
        ("0171", "中草药种植"),
        ("0179", "其他中药材种植"),
    ]
    assert std.children("3670") == []
    with pytest.raises(UnknownCode, match="没有代码 'X1'"):
        std.children("X1")


def test_small_classes_under(std: gbt4754.Gbt4754) -> None:
    assert std.small_classes_under("3670") == ["3670"]
    assert std.small_classes_under("367") == ["3670"]
    assert std.small_classes_under("36") == ["3611", "3612", "3620", "3630", "3640", "3650", "3660", "3670"]
    per_section = [std.small_classes_under(s.code) for s in std.classes("section")]
    assert [code for codes in per_section for code in codes] == [c.code for c in std.classes("class")]
    assert len(std.small_classes_under("C")) == 609
    with pytest.raises(UnknownCode, match="没有代码 '4444'"):
        std.small_classes_under("4444")


def test_is_manufacturing(std: gbt4754.Gbt4754) -> None:
    assert std.is_manufacturing("3670") and std.is_manufacturing("13") and std.is_manufacturing("C")
    assert not std.is_manufacturing("5172") and not std.is_manufacturing("4411")
    assert sum(std.is_manufacturing(c.code) for c in std.classes("class")) == 609
    with pytest.raises(UnknownCode, match="没有代码 '4444'"):
        std.is_manufacturing("4444")


def test_frame(std: gbt4754.Gbt4754) -> None:
    df = std.frame()
    assert list(df.columns) == ["code", "name", "level", "parent", "section", "note"]
    assert len(df) == 1971
    assert df["code"].is_unique
    assert df.loc[df["code"] == "3546", "name"].item() == "玻璃、陶瓷和搪瓷制品生产专用设备制造"
    df.loc[0, "name"] = "changed"  # a copy: the loaded standard is untouched
    assert std.name("A") == "农、林、牧、渔业"


def test_load_is_cached() -> None:
    assert gbt4754.load() is gbt4754.load()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("3670", "3670"),
        (" 3670 ", "3670"),
        ("３６７０", "3670"),
        ("3 6 7 0", "3670"),
        ("C3670", "3670"),
        ("c3670", "3670"),
        ("Ｃ３６７０", "3670"),
        ("3670.0", "3670"),
        (3670, "3670"),
        (3670.0, "3670"),
        ("367", "367"),
        ("0111", "0111"),
        ("0111.0", "0111"),
        ("c", "C"),
        ("36", "36"),
        ("xyz", "XYZ"),  # not validated
        ("", None),
        ("  ", None),
        ("\u3000", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_normalise_code(raw: object, code: str | None) -> None:
    assert gbt4754.normalise_code(raw) == code


def test_normalise_code_pandas_missing_and_padding() -> None:
    pd = pytest.importorskip("pandas")
    assert gbt4754.normalise_code(pd.NA) is None
    assert gbt4754.normalise_code(111, digits=4) == "0111"
    assert gbt4754.normalise_code(111) == "111"
    assert gbt4754.normalise_code("C", digits=4) == "C"


def test_crosswalk_frame(std: gbt4754.Gbt4754) -> None:
    cw = gbt4754.crosswalk_2011()
    assert list(cw.columns) == ["code_2011", "name_2011", "code_2017", "name_2017", "remark", "pdf_page"]
    assert len(cw) == 1401
    assert not cw.duplicated(["code_2011", "code_2017"]).any()
    assert cw["code_2011"].nunique() == 1094  # GB/T 4754-2011 has 1,094 小类
    assert set(cw["code_2017"]) == {c.code for c in std.classes("class")}
    assert (cw["name_2017"] == cw["code_2017"].map(std.name)).all()
    row = cw[(cw["code_2011"] == "0169") & (cw["code_2017"] == "0164")].iloc[0]
    assert (row["name_2011"], row["name_2017"], row["remark"]) == (
        "茶及其他饮料作物种植",
        "茶叶种植",
        "新增，将原 0169 分解",
    )


@pytest.mark.parametrize(
    ("code_2011", "codes_2017"),
    [
        ("0111", ["0111"]),
        ("0169", ["0164", "0169"]),  # split
        ("0170", ["0171", "0179"]),
        ("1320", ["1321", "1329"]),
        ("1363", ["1321", "1329"]),  # 水产饲料 merged into the new pet/other feed classes
        ("0511", ["0512"]),  # renamed and renumbered
        ("2450", ["2451", "2452", "2453", "2454", "2455", "2456", "2459"]),
        # the appendix misprints 7292 as 7289 on one row; 2011's 7289 is 其他安全保护服务
        ("7292", ["7281", "7282", "7283", "7284", "7289"]),
        ("7289", ["7279"]),
        ("9999", []),
        ("", []),
        (169, ["0164", "0169"]),  # Excel dropped the leading zero
    ],
)
def test_map_2011_code(code_2011: object, codes_2017: list[str]) -> None:
    assert gbt4754.map_2011_code(code_2011) == codes_2017


def test_crosswalk_2011_names() -> None:
    cw = gbt4754.crosswalk_2011()
    names = dict(zip(cw["code_2011"], cw["name_2011"], strict=True))
    assert names["7289"] == "其他安全保护服务"
    assert names["7292"] == "会议及展览服务"
    assert names["3546"] == "玻璃、陶瓷和搪瓷制品生产专用设备制造"  # printed cut, unchanged class
    assert names["1363"] == ""  # never printed on its own row
