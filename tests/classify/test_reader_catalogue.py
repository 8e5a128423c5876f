"""Items in the wording of SAMR's 《经营范围登记规范表述目录》 (the items every registration since 2021 is made of),
read one by one (issue 11, fifth and sixth waves). `tests/fixtures/scopes/catalogue_items.csv` holds 813 such
items written for chanye from the catalogue's wording and the standard's class names, never taken from an
evaluation file, each with the GB/T 4754-2017 小类 a statistician would code it to (several where the item covers
several, as 食品销售 covers the food trade classes); every expected code was checked against the standard's class
names. Written in eight batches, each before the changes it led to: the reader before the fifth wave reads 535 of
the first 603 right, after it 582. Batch 5 was written after every change before it: 62 of 75 before the fifth
wave, 72 after it. Batches 6 (97 service items: transport, leasing and business services, research, residents'
services, finance, culture) and 7 (67 manufacturing, utility, construction and trade items) were written blind
after the fifth wave: 92 of 97 and 66 of 67 right before the sixth wave (93 of 97 with the one expectation
widened since: 游览景区管理 is its 中类's name, so 7861 as well as 7869), all 164 after it. Batch 8, 46 licence
items (许可项目: 生猪屠宰, 种畜禽生产, 特种设备制造, 出版物印刷, 广播电视节目传送, …), written blind after batches 6
and 7 were read: 24 of 46 right before the words it led to, 44 after (with one expectation widened: 特种设备安装改造
修理 repairs 3332 金属压力容器 too, whose repair class is 4310)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from chanye.classify.reader import clear_caches, parse_scope, read_scope

CATALOGUE = Path(__file__).resolve().parents[1] / "fixtures" / "scopes" / "catalogue_items.csv"

# The items the reader still gets wrong, with the class it reads (blank: it names none; ~: it reads no word and
# the class is only the nearest in wording, `reader.nearest_reading`). A fix or a new miss
# changes this set, and the test says which.
KNOWN_MISSES = {
    # the eighth wave's catalogue words (written by helpers) code it 0511 种子种苗培育活动; this file says 0142
    "食用菌菌种生产": "0511",
    "消防技术服务": "~7459",  # no class of its own (7249 / 7299)
    "汽车、摩托车等修理与维护": "5172",  # a 中类 name of four 小类 without a catch-all: no class word
    "水质污染物监测及检测仪器仪表制造": "4090",  # 仪器仪表 (the catch-all) outweighs 监测, the word of 4021
    "物料搬运装备制造": "3435",  # curated for the 12218 智能装备 chain's 3435; the standard's own word is 3439
    "金属材料制造": "3130",  # a helper's catalogue word: 3130 钢压延加工 first (this file: 3140 / 3399)
    "生物农药技术研发": "2632",  # research on a product reads the product's class (as 研发 items do)
    "面料纺织加工": "1713",  # 面料 is a word of 1713 棉印染精加工 only
    "羽毛(绒)及制品销售": "5133",  # the 19 大类's trade class is 鞋帽批发: 羽毛 has none of its own
    "皮革销售": "5179",  # 皮革 has no trade class of its own either
    "咖啡零售": "~6232",  # coffee: roasted (1529?), beans (0169) or drinks (6232): no one class word
    "体育赛事策划": "9052",  # curated as 9052 体育表演服务 in the second wave; 8911 体育竞赛组织 by its 说明
    # a regulatory category, not a product: the chemicals made could be of any 26 class; a helper's catalogue word
    # names 2614, 2619 and 2611 alike, and the tie goes to the lowest code
    "危险化学品生产": "2611",
    # read as the construction of power works (4879 其他电力工程施工), not 4910 电气安装
    "输电、供电、受电电力设施的安装、维修和试验": "4879",
}


@pytest.fixture(autouse=True)
def read_afresh() -> None:
    """Each test reads its scopes afresh: the reader caches clauses and items, and a test served from the cache
    would not run the functions it pins (mutation testing maps each function to the tests that call it)."""
    clear_caches()


def best(text: str) -> str:
    """The best class read; "~code" when no word is read and the class is only the nearest in wording."""
    reading = read_scope(text)
    return ("~" if reading.nearest else "") + reading.suggestions[0]["code"] if reading.suggestions else ""


def test_catalogue_items_read_to_a_class_the_standard_gives_them():
    rows = pd.read_csv(CATALOGUE, dtype=str)
    assert len(rows) == 813 and rows["item"].is_unique
    misses = {item: got for item, codes in zip(rows["item"], rows["codes"], strict=True)
              if (got := best(item)) not in codes.split(";")}
    assert misses == KNOWN_MISSES


@pytest.mark.parametrize(("scope", "items"), [
    # a class name written with a 、 is one item (before: 米 / 面制品及食用油批发, read 5129 at p 0.41)
    ("米、面制品及食用油批发", ["米、面制品及食用油批发"]),
    ("食品、酒、饮料及茶生产专用设备制造", ["食品、酒、饮料及茶生产专用设备制造"]),
    # a stem after verbs, and a 中类 name
    ("销售肉、禽、蛋、奶及水产品", ["销售肉、禽、蛋、奶及水产品"]),
    ("食品、饮料及烟草制品批发；服装零售", ["食品、饮料及烟草制品批发", "服装零售"]),
    # a curated compound with its verb after it
    ("食品用纸包装、容器制品生产", ["食品用纸包装、容器制品生产"]),
    # a list that only begins like a class name stays a list (大米 is no 米、 at a piece's start)
    ("销售大米、面粉", ["销售大米", "销售面粉"]),
    ("米、大豆", ["米", "大豆"]),
])
def test_items_written_with_a_dun_inside_stay_whole(scope: str, items: list[str]):
    assert [i.text for i in parse_scope(scope)] == items


@pytest.mark.parametrize(("scope", "code"), [
    ("米、面制品及食用油批发", "5121"),
    ("食品、酒、饮料及茶生产专用设备制造", "3531"),  # before: 1499 其他未列明食品制造, by 食品
    ("食品、饮料及烟草制品批发", "5129"),  # the 中类's catch-all
    ("食品用纸包装、容器制品生产", "2231"),  # before: 2926 塑料包装箱, by 容器
    # a bracket inside a class name: the scope's bracket is dropped as a qualifier, the name read without it
    ("瓶（罐）装饮用水制造", "1522"),  # before: no class
    ("三维（3D）打印技术推广服务", "7517"),
    # foods whose trade class the standard names (before: 5129 其他食品批发 for every processed food)
    ("乳制品批发", "5124"),
    ("食用植物油销售", "5121"),
    ("调味品零售", "5229"),
    ("糕点零售", "5222"),
    # 卫生材料及医药用品 (2770) trade in 医疗用品及器材 (before: 5151 西药批发)
    ("卫生用品和一次性使用医疗用品销售", "5154"),
    # food words curated in the fifth wave
    ("食品添加剂生产", "1495"),  # before: 1525 固体饮料制造, a 说明 word of it
    ("食品生产机械销售", "5179"),  # before: 5126 营养和保健品批发, by 食品生产
    ("鲜蛋批发", "5124"),
    ("家禽屠宰", "1352"),
    ("移动通信设备制造", "3921"),  # before: 6312 移动电信服务
    # third probe: vegetables and fruit trade in 5123 (before: 5119 其他农牧产品批发); the goods of a 租赁 item
    ("蔬菜、水果批发", "5123"),
    ("水果零售", "5223"),
    ("宠物食品生产", "1321"),  # before: 1499 by 食品生产
    ("光伏发电设备租赁", "7119"),  # before: 4416 太阳能发电, a service word
    ("太阳能热利用装备销售", "5175"),
])
def test_catalogue_wording_reads_its_class(scope: str, code: str):
    assert best(scope) == code


OLDER = CATALOGUE.with_name("older_service_scopes.csv")


def test_older_service_scopes_read_to_their_class():
    """109 service firms' scopes in the free-form wording of older registrations (the kind of text the BDCI rows
    are), written for chanye with the 小类 a registry would declare (two where the first items weigh alike). The
    first 50: 47 of 50 at 大类 before the last two curated words of the fifth wave, 49 after. The last 29 (with
    the older registries' own furniture: "许可经营项目：无。", numbered items, a Beijing-style run of stock items
    before the main one, "设计、制作、代理、发布国内各类广告") written blind after the fifth wave: 24 of 29 right (27 at
    大类) before the sixth, 26 (29 at 大类) after it. The last 30 in Guangzhou's older wording (商品批发贸易（许可审批类
    商品除外）, 广告业, 策划创意服务, 美术图案设计服务, …), written blind after that: 26 of 30 (27 at 大类), 29 after four
    words. The seventh wave read two more right: the auto-parts trader (its first 销售 item now weighs as a trader's
    main item, 0.75, against the repair item's 0.7) and the culture firm (组织文化艺术交流活动 is 9051 文化活动服务;
    its expectation, 8890/8810, was widened to 9051, the class whose 说明 names 组织 of cultural activities). The
    misses left, with the class read:"""
    rows = pd.read_csv(OLDER, dtype=str)
    assert len(rows) == 109 and rows["scope"].is_unique
    misses = {scope: got for scope, codes in zip(rows["scope"], rows["codes"], strict=True)
              if (got := best(scope)) not in codes.split(";")}
    assert misses == {
        # 苗木种植 is a 种植 item and outweighs the 工程 item before it
        "园林绿化工程；苗木种植、销售。": "0212",
        # the first item after the stock run is 计算机系统服务 (6531), the software items after it weigh less
        "技术开发、技术推广、技术转让、技术咨询、技术服务；计算机系统服务；基础软件服务；应用软件服务；软件开发；软件咨询；"
        "销售计算机、软件及辅助设备、电子产品。": "6531",
        "游泳馆经营；游泳培训；体育用品零售。": "8921",  # 体育场馆管理: a 游泳馆 is a 场馆 too
    }


@pytest.mark.parametrize(("scope", "code"), [
    # sixth wave: a catch-all read beside a named class in the same service item gives way to it (before: 7249
    # 其他专业咨询与调查 by 咨询服务, a tie broken by code order)
    ("企业信用管理咨询服务", "7295"),
    # a curated term of a repair class names the repair itself (before: no class, as 护理 is no repair word)
    ("皮革护理服务", "8192"),
    ("国内船舶管理业务", "5539"),  # before: 3731 金属船舶制造 by 船舶
    ("特种作业人员安全技术培训", "8391"),  # before: 8399 其他未列明教育 by 培训
    # curated words that contradicted the standard's own class names
    ("船舶改装", "3735"),  # was curated as 4342 船舶修理; 3735 is 船舶改装
    ("低温仓储", "5930"),  # was curated as 5920 通用仓储; 5930 is 低温仓储
    ("铁路机车车辆配件制造", "3715"),  # was curated as 3716; 3715 is 铁路机车车辆配件制造
    ("皮革制品制造", "1929"),  # the catch-all 其他皮革制品制造, not 1923 皮手套及皮装饰制品制造
    # a repair, rental or installation written before the goods ("维修空调"; before: 3852 家用空气调节器制造)
    ("维修空调", "8132"),
    ("安装、维修空调", "8132"),
    ("煤炭开采", "0610"),  # before: 1110 煤炭开采和洗选专业及辅助性活动
    ("基础软件服务", "6511"),  # before: 5176 by 软件
])
def test_sixth_wave_reads_its_class(scope: str, code: str):
    assert best(scope) == code


def test_no_curated_word_contradicts_a_class_name():
    """A curated term written exactly as a 小类's name names that class (船舶改装 and 低温仓储 did not)."""
    from chanye.classify.reader import _names, curated_terms

    by_name: dict[str, set[str]] = {}
    for code, name in _names().items():
        for variant in {name.strip(), name.strip().replace("（", "").replace("）", "")}:
            by_name.setdefault(variant, set()).add(code)
    contradictions = {term: codes for term, (codes, _kind) in curated_terms().items()
                      if term in by_name and not set(codes) & by_name[term]}
    assert contradictions == {}


@pytest.mark.parametrize(("scope", "items"), [
    # bare activities written before their object are its activities, not items of their own (before: 设计 /
    # 代理 (read as made, by the 制作 before it) / 发布国内各类广告)
    ("设计、制作、代理、发布国内各类广告；会议服务", ["发布国内各类广告", "会议服务"]),
    ("广告设计、制作、代理、发布；会议服务", ["广告设计", "会议服务"]),
    # a bare activity before an item with an activity of its own stays an item
    ("咨询，包装服务", ["咨询", "包装服务"]),
    ("设计", ["设计"]),
    # more work on the same goods after an item ("安装及维修") joins it, and the pieces after it are read on
    ("空调的销售、安装及维修、冰箱的销售", ["空调的销售、安装及维修", "冰箱的销售"]),
    # an older registry's "no licensed items" is no item
    ("许可经营项目：无。一般经营项目：餐饮配送；预包装食品零售。", ["餐饮配送", "预包装食品零售"]),
])
def test_older_registry_wording_parses_to_its_items(scope: str, items: list[str]):
    assert [i.text for i in parse_scope(scope)] == items


def test_stock_items_listed_before_the_main_one_do_not_push_it_down():
    """"技术开发、技术推广……；计算机系统服务": the stock run first (as Beijing's older registrations write it) leaves
    the first real item the full weight of a first service item: 0.7 x lead 1.25 = 0.875 (before: the sixth
    service item, 0.7 x 1.25 / (1 + 0.5 x 5) = 0.25). The stock items keep their places among themselves (a scope
    of stock items only reads its first as the firm's trade)."""
    items = parse_scope("技术开发、技术推广、技术转让、技术咨询、技术服务；计算机系统服务；软件咨询")
    assert [(i.text, i.weight) for i in items] == [
        ("技术开发", 0.084), ("技术推广", 0.056), ("技术转让", 0.042), ("技术咨询", 0.0336), ("技术服务", 0.028),
        ("计算机系统服务", 0.875), ("软件咨询", 0.4667)]


# --- seventh wave: scopes written by others ---------------------------------------------------------------------

INDEPENDENT = CATALOGUE.with_name("independent_scopes.csv")
INDEPENDENT_2 = CATALOGUE.with_name("independent_scopes_2.csv")
INDEPENDENT_3 = CATALOGUE.with_name("independent_items_3.csv")


def test_scopes_written_by_others_read_to_their_class():
    """280 scopes and items written for chanye by three writers who saw neither the vocabulary nor the reader (nor
    any evaluation file), each with the 小类 they would code it to and the ones a careful statistician might also
    accept: 80 older free-form scopes of service and trade firms (`older`: Shanghai's 从事…领域内的, Beijing's stock
    run first, Guangdong's 商品批发贸易, 批发、零售：…, numbered items), 80 of today's 规范表述 registrations
    (`registered`) and 120 catalogue items (`item`). Read blind by the reader of the sixth wave: 56 of 80 (66 at
    大类), 69 of 80 (73) and 109 of 120 (113) right; after the seventh wave: 64 (73), 73 (75) and 113 (116); after
    the eighth: 65 (72), 73 (75) and 115 (117). The misses left, with the class read:"""
    rows = pd.read_csv(INDEPENDENT, dtype=str)
    assert len(rows) == 280 and rows["scope"].is_unique
    assert rows["probe"].value_counts().to_dict() == {"item": 120, "older": 80, "registered": 80}
    misses = {scope[:24]: got for scope, codes in zip(rows["scope"], rows["codes"], strict=True)
              if (got := best(scope)) not in codes.split(";")}
    assert misses == {
        # the right 大类, another 小类: a catch-all where the writer named a class, or the other of two readings
        "商品批发贸易（许可审批类商品除外）；商品零售贸易": "5199",  # 商品批发贸易 leads, the clothes come after it
        "零售：日用百货、针纺织品、文化办公用品、化妆品、": "5211",  # 百货零售 against the writer's 便利店零售
        "网上贸易代理；网上销售：服装、鞋帽、化妆品、日用": "5232",  # the goods sold on line, not 互联网零售
        "住宿服务（凭卫生许可证、特种行业许可证经营）；预": "6110",  # 旅游饭店 against 一般旅馆: no word tells
        "第二类增值电信业务中的信息服务业务（仅限互联网信": "6490",
        "企业形象策划；市场营销策划；会务服务；展览展示服": "7299",  # six 策划/会务 items before the 广告 one
        "清洁服务；外墙清洗；石材养护；虫害防治（不含危险": "8219",  # 其他清洁服务 against 建筑物清洁服务
        "许可项目：住宿服务；餐饮服务；食品销售。（依法须": "6110",  # a 民宿 by the writer's note only
        "许可项目：建设工程施工。（依法须经批准的项目，经": "4790",  # the writer codes the 消防 installation of later items
        "许可项目：发电业务、输电业务、供（配）电业务；建": "4411",  # 发电业务 names no source: 4411, the first; the firm is solar
        # a builder-decorator whose 室内外装饰设计 is now design (7492), leaving the trade items the most
        "一般经营项目（不含国家法律、行政法规、国务院决定": "5165",
        "五金产品制造": "3399", "家用电器制造": "3859",  # the catch-all of a 中类 the item names whole
        # another 大类
        "化肥、农药（不含剧毒、限制使用农药）、种子（凭许": "7511",  # six goods, each its own trade class, one 推广
        "受托从事纺织品、服装、鞋帽、五金、工艺品、玩具的": "7243",  # six goods sold through an agency, one 商务信息咨询
        "计算机软硬件技术开发；企业营销策划；会务服务；批": "6513",  # the first item is software (the writer: trade)
        "会议服务；商务信息咨询；住宿；中餐、西餐制售；洗": "7289",  # a hotel that lists 会议服务 first
        "服务：计算机软硬件、网络技术、电子产品的技术开发": "6490",  # 网络技术开发 (6490) against 计算机软硬件 (6513)
        "动漫设计；计算机软件开发；网络游戏开发；数字内容": "7492",  # 动漫设计 is curated as 专业设计服务
        "城市园林绿化工程设计、施工（凭资质证书经营）；花": "0143",  # the first 种植 item outweighs 工程设计
        "许可项目：第二类增值电信业务；互联网信息服务；网": "6319",  # 增值电信业务 first
        "一般项目：技术服务、技术开发、技术咨询、技术交流": "7249",  # stock items first, 信息咨询服务 next
        "许可项目：检验检测服务。（依法须经批准的项目，经": "5179",  # a licence item (0.7) against 研发 and 销售
        # a licence item (0.7) against two 销售 items of one class, 电力设施器材 and 电线、电缆 (before the eighth
        # wave's words 电力设施器材销售 read 4419 其他电力生产 and the installer won)
        "许可项目：输电、供电、受电电力设施的安装、维修和": "5175",
        "太阳能发电技术服务": "7515", "以自有资金从事投资活动": "6760",  # the writers' codes differ from the words
        # no class: a regulatory category or a whole 门类, not a product
        "矿产资源（非煤矿山）开采": "~0921",
    }


@pytest.mark.parametrize(("scope", "code"), [
    # a 销售 item listed first is a trader's main item (0.6 x 1.25 = 0.75), not a maker's sideline (0.45 x 1.25):
    # one service item after six goods no longer takes the lead (before: 7492 by 服装设计, 0.7)
    ("服装、鞋帽、箱包、皮具、饰品、针纺织品零售；服装设计；服装干洗（代收）。", "5232"),
    ("卷烟、雪茄烟零售（凭许可证经营）；酒类批发、零售；企业营销策划。", "5227"),  # before: 7299 by 营销策划
    ("汽车零配件批发；汽车零配件零售；汽车维修。", "5172"),  # before: 8111 by the one repair item
    # numbered items, and verbs before a colon written with a 、 (before: "1批发" an item, "零售：机械设备及配件"
    # retail, and 5299 其他未列明零售业)
    ("一般经营项目：1、批发、零售：机械设备及配件、轴承；2、机械设备维修、安装；3、货物进出口。", "5179"),
    # verbs before a colon are every object's (before: 5299, "零售：轴承" retail only, 阀门 without a verb)
    ("批发、零售：轴承、阀门", "5179"),
    # work on goods written after a list of them is the work on each (before: 3852 家用空气调节器制造, 空调 read
    # without a verb and so as made)
    ("空调、冰箱维修", "8132"),
    # words: 组织文化艺术交流活动 is 9051 文化活动服务 (策划、组织、实施各类文化……活动), not 8870 群众文体活动 (the
    # 公益性 management of mass culture); 采砂, 零部件加工
    ("组织文化艺术交流活动（不含营业性演出）；文艺创作。", "9051"),
    ("河道采砂", "1019"),
    ("机械零件、零部件加工", "3484"),  # before: 3489 其他通用零部件制造 by 机械零件
])
def test_seventh_wave_reads_its_class(scope: str, code: str):
    assert best(scope) == code


@pytest.mark.parametrize(("scope", "items"), [
    ("一般经营项目：1、批发、零售：机械设备及配件、轴承；2、机械设备维修、安装；3、货物进出口。",
     ["批发零售机械设备及配件", "批发零售轴承", "机械设备维修", "货物进出口"]),
    ("1.销售服装；2.服装设计", ["销售服装", "服装设计"]),
    ("一、销售服装；二、服装设计", ["销售服装", "服装设计"]),
    ("１、销售服装；２．服装设计", ["销售服装", "服装设计"]),  # full-width digits and point
    # verbs before a colon, with a 、 or written together, are every object's; a head naming work is the item
    ("生产销售：塑料制品、五金", ["生产销售塑料制品", "生产销售五金"]),
    ("研发、生产：电池", ["研发生产电池"]),
    ("生产与销售：电池", ["生产销售电池"]),
    ("培训服务：电脑、外语、会计", ["培训服务"]),
    ("一般项目：销售服装2、服装设计", ["销售服装", "服装设计"]),  # a number written right after the item before
    # numbers that are no item's: in a list of classes, inside a word, before a Latin letter
    ("销售第二类、第三类医疗器械", ["销售第二类", "销售第三类医疗器械"]),
    ("3D打印服务", ["3D打印服务"]),
    ("销售X2、服装", ["销售X2", "销售服装"]),  # a model number after a Latin letter
    ("统一、规范服装销售", ["统一销售", "规范服装销售"]),
    # the objects before an item of work on goods take that work; a bare activity after them stays its own item
    ("计算机及外部设备、办公设备、通讯设备的维修、安装", ["计算机及外部设备维修", "办公设备维修", "通讯设备的维修"]),
    ("电池、手机、维修", ["电池", "手机", "维修"]),
    # verbs carried on to an object without verbs of its own are written in its item; one with its own keeps its text
    ("批发、零售机械设备及配件、轴承", ["批发零售机械设备及配件", "批发轴承"]),
    ("设计、制作、代理、发布国内各类广告", ["发布国内各类广告"]),
])
def test_seventh_wave_parses_to_its_items(scope: str, items: list[str]):
    assert [i.text for i in parse_scope(scope)] == items


def test_a_clause_of_bare_verbs_is_one_item_of_them():
    # no object to wait for: the verbs are the item, its text and its object (it names no class, so no lead)
    assert [(i.text, i.object, i.verb, i.weight) for i in parse_scope("生产、销售")] == [("生产销售", "生产销售", "make", 1.0)]


def test_a_goods_word_carried_a_selling_verb_is_the_goods_sold():
    # 轴承 takes 批发 from the verbs before the list and has it written in its item: 批发轴承, a 销售 item whose goods
    # word reads its trade class (before: the item was 轴承 alone, the curated goods word whole, 3451 滚动轴承制造).
    # Both items now read the same wholesale class (eighth wave: 批发、零售 is one run, read 批发; before, the
    # first item was 零售机械设备及配件 and read 5299 其他未列明零售业, with 批发轴承's 5179 second)
    reading = read_scope("批发、零售机械设备及配件、轴承")
    assert [(s["code"], s["evidence"]) for s in reading.suggestions] == [
        ("5179", "“批发零售机械设备及配件”（经营范围第1项，销售，词“机械设备及配件”）→ 5179 其他机械设备及电子产品批发")]
    assert [(i.text, i.object) for i in parse_scope("批发、零售机械设备及配件、轴承")][1] == ("批发轴承", "轴承")


# --- eighth wave: 344 scopes and items written blind by three more helpers (see
# `test_scopes_written_by_others_second_wave`); each rule below pinned on the scope that led to it.

@pytest.mark.parametrize(("scope", "items"), [
    # 配送 and 代理 end a verb run as 维修 does: the goods before them are sold (before: 配送 ended no run, the
    # objects waited for a verb that never came and read as goods alone)
    ("新鲜蔬菜、水果的批发及配送", ["新鲜蔬菜批发及配送", "水果的批发及配送"]),
    # selling verbs written apart are one run (before: 零售五金交电, then 批发建筑材料 from the carried 批发)
    ("批发、零售五金交电、建筑材料", ["批发零售五金交电", "批发建筑材料"]),
    # 制售 (made and sold where it is made) is a verb of its own: the objects before it take it
    ("咖啡、西式简餐、甜品、饮品的制售", ["咖啡制售", "西式简餐制售", "甜品制售", "饮品的制售"]),
])
def test_eighth_wave_parses_to_its_items(scope: str, items: list[str]):
    assert [i.text for i in parse_scope(scope)] == items


def test_an_import_export_agency_sells_the_goods_it_names():
    # 进出口代理 ends a verb run: 服装 is the object, sold (before: the whole item was the object, read as goods)
    assert [(i.object, i.verb) for i in parse_scope("服装的进出口代理")] == [("服装", "trade")]


def test_a_section_label_may_say_shi_before_its_colon():
    # Shenzhen's older labels: 一般经营项目是： (before: the label was read as the first item's words, free-form)
    items = parse_scope("一般经营项目是：服装批发。许可经营项目是：无")
    assert [(i.text, i.section) for i in items] == [("服装批发", "general")]


def test_a_section_label_keeps_its_section_when_a_stock_qualifier_follows_it():
    # the label's qualifier is a stock sentence, replaced by a ； before the sections are read (before: the label
    # became an item of its own, 一般经营项目, and the scope one free-form section)
    items = parse_scope("一般经营项目（不含国家法律、行政法规限制的项目）：服装批发")
    assert [(i.text, i.section) for i in items] == [("服装批发", "general")]


@pytest.mark.parametrize(("scope", "codes"), [
    ("新鲜蔬菜、水果的批发及配送", ["5123", "5129"]),  # before: 0141 蔬菜种植 / 1371 蔬菜加工 from the goods alone
    ("服装的进出口代理；纺织品销售", ["5132", "5131", "5231"]),  # before: 1819 其他机织服装制造 first
    # 批发、零售 reads the wholesale class, the first-named (before: 5281 五金零售 first)
    ("批发、零售五金交电、建筑材料", ["5174", "5165"]),
    ("咖啡、西式简餐、甜品、饮品的制售", ["6232", "6299"]),  # before: 5229 其他食品零售 from a later item
    ("冷食类食品制售；烟酒零售", ["6210"]),  # before: 1495 食品及饲料添加剂制造, by 食品
    # a 首饰 designer that trades them is a trader: only what an item makes takes the selling of it (before: 2438
    # 珠宝首饰及有关物品制造 took 5146's score, as if 设计 made the jewels), and designing consumer goods is 7492
    ("黄金饰品、珠宝首饰的批发与零售；首饰的设计", ["5146", "7492"]),
    ("首饰制造；首饰销售", ["2438"]),  # a maker's selling of its goods is still part of making them
    ("雷达及配套设备销售；空管研发；雷达整机", ["3940"]),  # a goods list with no verb names what is made
    # a trade term naming no goods sells what the firm makes when it is the trade class of a class made
    # (5229 is 1469's retail twin; before: 5229 其他食品零售 led, its score counted as a rival activity)
    ("调味品生产；食品销售", ["1469"]),
    ("许可项目：调味品生产；食品生产；食品销售。", ["1469", "1499"]),
    # registrations shorten 零部件及配件 to 零配件 (before: 摩托车 and 零配件 read apart, 3484 won the scope)
    ("摩托车零配件制造", ["3752"]),
    # professional work named after what it is done on: designing goods (7492 for consumer goods, 7491 for the
    # rest), and designing, surveying, supervising or testing works or goods (before: the goods' or the works'
    # own class, 3332 金属压力容器, 4899 其他土木工程建筑施工, 3731 金属船舶制造, 5011 装饰和装修)
    ("特种设备设计", ["7491"]),
    ("铁路机车车辆设计", ["7491"]),
    ("地质灾害治理工程设计", ["7484"]),
    ("地质灾害治理工程勘查", ["7483"]),
    ("地质灾害治理工程监理", ["7482"]),
    ("船舶检验服务", ["7452"]),
    ("室内装饰设计", ["7492"]),  # an interior's design is 专业设计, not the 工程设计 of works
    # words of the eighth wave
    ("旅业（凭特种行业许可证经营）；日用百货零售", ["6129", "5211"]),
    ("科技成果转化服务；技术交易咨询", ["7530", "7249"]),  # 咨询 is 7249's weak fallback word
    ("口腔科诊疗服务；口腔健康咨询", ["8425", "7244"]),
    ("歌舞娱乐；酒水零售", ["9011"]),  # before: 9090 其他娱乐业, by 娱乐 (酒水 is no goods word)
    ("水产苗种生产", ["0541"]),
    ("证券业务", ["6712"]),
    ("征信业务", ["7295"]),
    ("互联网新闻信息服务", ["6429"]),
    ("公共铁路运输", ["5313", "5320"]),
])
def test_eighth_wave_reads_its_classes(scope: str, codes: list[str]):
    assert [s["code"] for s in read_scope(scope).suggestions] == codes


@pytest.mark.parametrize(("scope", "codes", "probability"), [
    # testing goods of any kind is 7452 检测服务 (before: farm and mine goods kept their own or their trade class)
    ("农作物种子质量检验", ("7452",), 0.7389),  # before: 5112 种子批发, review
    ("矿产品检测", ("7452",), 0.7832),
    # a 说明's list member that names no class: 其制品 (of 5174's "…及其制品") read 5174 五金产品批发 at 0.74
    ("国家重点保护水生野生动物及其制品经营", (), 0.0),
    # 工程建设 is construction, not 6560 信息技术咨询服务 (a word of its 说明), accepted at 0.74 before
    ("各类工程建设活动", (), 0.2939),
    # words of the catalogue draft's items that read none before
    ("烟花爆竹批发", ("5169",), 0.8398),
    ("烟花爆竹零售", ("5299",), 0.8398),
    ("可可豆种植", ("0169",), 0.8761),
    ("动物肠衣加工", ("1353",), 0.8761),
    ("客运索道经营", ("5419",), 0.8466),
    ("黄金及其制品进出口", ("5164",), 0.7803),  # 黄金 is 3221 金冶炼's goods, traded as 金属
    ("馆藏文物修复、复制、拓印", ("8840",), 0.8466),  # before: 7726 土壤污染治理与修复服务, by 修复
    ("民用航空油料储运及加注油服务", ("5162",), 0.5991),  # before: 0122 油料种植, by 油料
])
def test_tenth_wave_reads_its_classes(scope: str, codes: tuple, probability: float):
    """The tenth wave: items of SAMR's 2021 catalogue draft (names and 门类 only) that read no class or a wrong one
    (benchmarks/catalogue_draft.py); the 小类 chosen by hand from the standard."""
    got = read_scope(scope)
    assert (got.codes, got.probability) == (codes, probability)
    assert not any(s["code"] in ("5174", "6560") for s in got.suggestions)


@pytest.mark.parametrize(("scope", "codes", "probability", "before"), [
    ("管道运输设备销售", ("5179",), 0.7389, "5720"),  # before: 陆地管道运输 at 0.50, by 管道运输
    ("药物检测仪器销售", ("5179",), 0.7389, "7452"),  # before: 检测服务, review
    ("新能源汽车生产测试设备销售", ("5179",), 0.5046, "5172"),  # before: 汽车及零配件批发 at 0.79
    ("终端计量设备零售", ("5299",), 0.7389, "7453"),  # retail: 其他未列明零售业 (before: 计量服务, review)
    ("涂装设备销售", ("5179",), 0.7832, None),  # before: no word read
    # a term that reaches the equipment word names the goods itself: its own trade class
    ("医疗设备销售", ("5154",), 0.7389, None),
    ("气体、液体分离及纯净设备销售", ("5179",), 0.8029, None),
])
def test_equipment_sold_is_machinery_trade_whatever_it_serves(scope, codes, probability, before):
    """A 销售 item whose goods end in an equipment word no term reaches (设备, 装备, 仪器, …) sells equipment: the
    words before it say what the equipment serves. Found by the blind coder's 小类 for the catalogue draft's items
    (benchmarks/catalogue_draft.py --coded), where the coder read 5179 其他机械设备及电子产品批发."""
    got = read_scope(scope)
    assert (got.codes, got.probability) == (codes, probability)
    if before:  # what the words before the equipment name is left as a weaker suggestion, or none
        assert before not in got.codes and all(s["probability"] < 0.3 for s in got.suggestions[1:])


def test_scopes_written_by_others_second_wave():
    """717 more scopes and items written for chanye blind by six helpers (the eighth wave), who saw neither the
    vocabulary, the reader, the first wave's file nor any evaluation file, each with the 小类 they would code it to
    and the ones a careful statistician might also accept; items that are items of an evaluation file (by their
    text) were dropped unread. Batches: A, 100 older free-form scopes of one city's service and trading firms; B,
    100 规范表述 scopes (72 service and trading firms, 28 makers); C, 144 catalogue items; D, 78 licence items;
    E, 146 licence items and F, 149 general items not among the items chanye's fixtures already held (the
    writers had that list). Read blind by the reader of the seventh wave: A 84 (88 at 大类), B 79 (93), C 138
    (142), D 59 (64), E 49 (62), F 105 (112). After the eighth wave: A 90 (95), B 81 (94), C 139 (142), D 72 (74),
    E 101 (111), F 139 (144). F is no blind measure of the catalogue words the wave added: its misses were named as
    examples to the helpers who wrote them. E is, for the first two sets of words (its writer and theirs never saw
    each other's lists): of its items, the 43 the first set holds read 17 -> 42, the 35 the second holds 16 -> 29,
    the 68 neither holds 16 -> 21 (words help the items they hold); the third, small set's prompt named kinds of
    items among E's misses (92 -> 101). The misses left, by row, with the class read (blank: none; ~: nearest
    in wording):"""
    rows = pd.read_csv(INDEPENDENT_2, dtype=str)
    assert len(rows) == 717 and rows["scope"].is_unique
    assert rows["batch"].value_counts().sort_index().to_dict() == {"A": 100, "B": 100, "C": 144, "D": 78, "E": 146,
                                                                   "F": 149}
    misses = {i: got for i, (scope, codes) in enumerate(zip(rows["scope"], rows["codes"], strict=True))
              if (got := best(scope)) not in codes.split(";")}
    assert misses == {
        # A: 10 of 100
        0: "5211", 3: "7492", 11: "5279", 12: "5129", 16: "3911", 25: "5181", 29: "3911", 47: "6490", 48: "6490",
        50: "7492",
        # B: 18 of 100
        103: "6319", 117: "8411", 122: "9051", 130: "0121", 132: "5211", 135: "5229", 148: "1361", 149: "7298",
        154: "6513", 155: "6560", 168: "6110", 174: "2190", 177: "1499", 182: "2629", 183: "1819", 194: "3879",
        195: "3859", 198: "1519",
        # C: 5 of 144
        254: "7515", 286: "6760", 293: "7299", 330: "8391", 335: "7244",
        # D: 6 of 78
        350: "~0921", 355: "3589", 364: "2926", 370: "4910", 371: "8840", 395: "6999",
        # E: 33 of 146 (since the twelfth session 射线装置销售 reads 5179, by the equipment rule, and 船员、引航员培训
        # 8391, by its words)
        423: "5112", 426: "5119", 427: "5119", 429: "5112", 433: "~0211", 434: "~7713", 435: "~0411", 437: "5449",
        441: "7320", 442: "~1020", 444: "4852", 448: "~5128", 451: "0134", 457: "~8432", 467: "7271", 468: "3411",
        477: "5339", 490: "~4899", 492: "~4920", 498: "", 499: "", 500: "", 505: "8629", 506: "5174",
        518: "~4420", 534: "7212", 539: "7249", 546: "", 547: "2666", 549: "7299", 552: "~8334",
        555: "8629", 560: "8629",
        # F: 9 of 149
        623: "", 626: "5174", 636: "5172", 641: "5181", 656: "4013", 663: "6599", 674: "7481", 678: "7249",
        688: "3964",
    }


def test_catalogue_items_written_by_others_third_set():
    """The ninth wave's probe (`independent_items_3.csv`): 360 catalogue items, general and licence, from three
    helpers who saw only the standard's class list (G1: 门类 A-C, G2: D-L, G3: M-S), each with the 小类 the
    catalogue links it to first; 12 that are items of the SAMR evaluation sample (by their text, qualifiers
    aside) were dropped unread. Read blind by the reader before the wave (`5f83cf2`): 331 of 348 (341 at 大类).
    329 of the 348 are items the vocabulary or a fixture already held, word for word (313 right after); the 19 others
    read right, all of them: the helpers' recall of the catalogue is what the vocabulary was built from, so this
    set measures what it holds, not the catalogue's items nobody recalled (the SAMR sample's). After the wave
    (the nearest classes of a scope no word reads): 332, the one more a first suggestion alike in wording."""
    rows = pd.read_csv(INDEPENDENT_3, dtype=str)
    assert len(rows) == 348 and rows["item"].is_unique
    assert rows["batch"].value_counts().sort_index().to_dict() == {"G1": 112, "G2": 118, "G3": 118}
    assert rows["kind"].value_counts().to_dict() == {"general": 233, "licence": 115}
    misses = {item: got for item, codes in zip(rows["item"], rows["codes"], strict=True)
              if (got := best(item)) not in codes.split(";")}
    assert misses == {
        "矿产资源（非煤矿山）开采": "~0921",  # a licence for any mine: the helper names 12 classes, 0921 is not one
        "面料纺织加工": "1713",  # 棉印染精加工: the helper says weaving (1712, 1722, ...)
        "特种设备安装改造修理": "4920",  # the helper: 4320/4330 (repair of 锅炉, 压力容器 classes)
        "太阳能发电技术服务": "7515",  # 新能源技术推广服务; the helper: 4416 太阳能发电 or 7514
        "风力发电技术服务": "7515",
        "对外承包工程": "",  # a stock item that names no works
        "航空运营支持服务": "5631",  # 机场; the helper: 5639 其他航空运输辅助活动
        "智能机器人的研发": "3964",  # research on a product reads the product's class (its chain)
        "代驾服务": "8090",  # 其他居民服务业; the helper: 8290 or 5449
        "健康咨询服务（不含诊疗服务）": "7244",  # 健康咨询 is a class of its own; the helper: 8499
        "远程健康管理服务": "7244",
        "心理咨询服务": "7244",
        "网络出版服务": "8629",
        "电子出版物制作": "8629",
        "档案整理服务": "7293",  # 办公服务; the helper: 8832 档案馆 or 7299
    }


@pytest.mark.parametrize(("scope", "codes", "probability"), [
    # 进口 and 出口 are trade verbs, as 进出口 is: the goods' trade class (before: a service item)
    ("汽车进口", ("5172",), 0.7389),  # before: review at 0.13
    ("机电设备进口", ("5179",), 0.8398),  # before: 3499, the goods' manufacture
    ("服装出口", ("5132",), 0.8398),  # before: 1819
    # 农产品, a registry's everyday word, read no word at all
    ("农产品销售", ("5119",), 0.8398),
    ("农产品零售", ("5223",), 0.8398),  # as 食用农产品零售
    ("农产品加工", ("0514",), 0.8761),
    ("农产品深加工", ("1399",), 0.8761),
    # the import-export sentence of older registrations stays a stock item
    ("服装制造；自营和代理各类商品及技术的进出口业务", ("1819",), 0.8761),
])
def test_import_export_verbs_and_farm_produce(scope, codes, probability):
    """The twelfth session: words and verbs found reading the catalogue draft's items against a blind coder's
    小类 (benchmarks/catalogue_draft.py --coded): `新型铁路机车车辆进口` read 3712, the maker's class."""
    got = read_scope(scope)
    assert (got.codes, got.probability) == (codes, probability)


@pytest.mark.parametrize(("scope", "code"), [
    # before: all 5165 建材批发 (竹制品零售: 5286 木质装饰材料零售), the trade class of every goods of 大类 20 and 30
    ("云母制品销售", "5163"), ("石墨及碳素制品销售", "5163"), ("特种陶瓷制品销售", "5163"), ("光学玻璃销售", "5163"),
    ("藤制品销售", "5135"), ("竹制品零售", "5235"), ("木制容器销售", "5199"), ("玻璃仪器销售", "5179"),
    # building materials stay 建材
    ("瓷砖销售", "5165"), ("水泥制品销售", "5165"),
])
def test_non_metal_and_wood_goods_that_build_nothing_are_not_building_materials(scope, code):
    """The standard's 5165 建材批发 is "建筑用材料和装饰装修材料"; 非金属矿物制品 that build nothing are 5163
    非金属矿及制品批发, household goods of bamboo or rattan 5135/5235 日用杂品 (found against the blind coder's 小类 for
    the catalogue draft's items, as above)."""
    got = read_scope(scope)
    assert got.codes == (code,) and got.probability in (0.8029, 0.8398)
