"""Read a business scope (经营范围) the way a statistician codes it: find the main activity, then its class.

A registered scope is a list of items. SAMR's 规范表述 style splits it into 一般项目 and 许可项目; older scopes
are free-form ("研发、生产、销售激光雷达"). A statistician codes the firm by its *main* activity: the first
制造/生产 item outranks 研发, services, 销售/批发/零售 and licence items; stock items every firm lists (货物进出口,
技术服务、技术开发……) hardly count; qualifiers such as "（不含危险化学品）" and the legal boilerplate are not
activities at all. `parse_scope` turns a scope into weighted `Item`s; `ScopeReader` matches each item's object
against a vocabulary and scores the 小类:

- the vocabulary (`vocabulary()`): the curated list `standards/data/scope_terms.csv` (tools/build_scope_terms.py),
  then every 2017 小类's name, its stem without the activity word ("锂离子电池制造" -> 锂离子电池) and the parts of
  the stem, then the list members of its 说明 (weaker); a term is matched whole, longest first, and a Latin term
  only as a whole word ("AI" never inside "RAID" or "EMAIL");
- the activity of the item picks among the term's classes: a 制造 item wants goods (门类 A-D), a 销售 item a
  批发/零售 class, a service item a service or construction (E) class; a curated term that is the whole item
  ("广告制作", "餐饮服务") carries its own activity;
- the lead item (the first that can be a main activity: not 货物进出口 or the 技术服务 block) weighs x 1.25 (a 销售
  lead item as a trader's main item, 0.6 instead of 0.45), and a stock item there is not discounted: registrations
  list their main item first ("物业管理；停车场服务；……" is a property manager); a scope of stock items only counts
  them in full; standard items written with a 、 inside ("广告设计、代理", "专业保洁、清洗、消毒服务") stay one item;
- score of a class = the sum over items of item weight x match quality x term weight; a maker selling what it
  makes counts the selling as making (unless its lead item sells);
- probability: the raw margin s1 / (s1 + s2 + 0.2), with s1, s2 the two best scores, calibrated by the shipped
  isotonic curve (tools/build_scope_calibration.py, synthetic scopes); p >= `THRESHOLD` (0.5) is accepted,
  below it the firm goes to review (no node link is written);
- multi-label: a second class whose score is at least `SECOND_SHARE` of the best, from another main item in
  another 中类, is accepted beside it (a firm with two real main activities);
- no word found at all: the classes nearest the scope's wording (`nearest_reading`, `classify.nearest`) are its
  suggestions for review, never accepted.

Each decision carries its evidence ("“锂离子电池制造”（一般项目第1项，制造）→ 3841 锂离子电池制造"). Clauses, pieces
and items are analysed once per process (LRU caches; `clear_caches` empties them): registered scopes repeat the
same items. What keeps a cold read fast (issue 11): the boilerplate expressions run only where their text can
occur (a phrase search first; the standard notes are cut as plain text), a clause's plan carries its items'
classes, the vocabulary walk starts only at positions whose first two characters begin a term, and the
regular-expression tests of a piece's ending are str.endswith checks; every result is the same as before.
"""

from __future__ import annotations

import bisect
import csv
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import NamedTuple, TypeVar

import pandas as pd

from chanye.classify.nearest import BigramIndex
from chanye.classify.scope import _PHRASE, _RX_BRACKETED, _RX_SENTENCE, _RX_STOCK, _RX_WS, _WIDTH
from chanye.standards import gbt4754

THRESHOLD = 0.5  # accepted when p >= THRESHOLD; below: review queue, no node link
SECOND_SHARE = 0.6  # a second main activity is kept when its score >= this share of the best
MARGIN_PRIOR = 0.2  # the constant in p = s1 / (s1 + s2 + MARGIN_PRIOR): weak evidence cannot be sure
TOP_K = 3

# --- items --------------------------------------------------------------------------------------------------

SECTION_WEIGHT = {"main": 1.3, "general": 1.0, "free": 1.0, "licence": 0.8}
LEAD_BONUS = 1.25  # the first item that can be a main activity: registrations list their main item first
VERB_WEIGHT = {"make": 1.0, "farm": 1.0, "rd": 0.75, "service": 0.7, "trade": 0.45}
TRADE_LEAD = 0.6  # a 销售 item listed first is a trader's main activity, not a maker's sideline
GENERIC_WEIGHT = 0.12  # stock items almost every firm lists
POSITION_DECAY = 0.5  # the n-th item of a kind weighs 1 / (1 + 0.5 n): the first listed is the main one

_VERBS = {
    "make": ("制造", "生产", "加工", "制作", "研制", "组装", "装配", "冶炼", "印刷", "铸造", "生产加工", "加工制造",
             "制品生产"),
    "farm": ("种植", "养殖", "饲养", "捕捞", "开采", "采选", "采摘", "育苗"),
    "rd": ("研发", "研究", "研究和试验发展", "试验发展", "技术研发", "研发和应用", "技术开发和应用"),
    "service": ("制售",),  # food made and sold where it is made: a restaurant's, café's or tea shop's work
    "trade": ("销售", "批发", "零售", "批发兼零售", "购销", "经销", "代销", "进出口", "经营", "销售代理",
              "网上销售", "网络销售", "互联网销售", "线上销售", "网上零售", "网络零售", "收购", "进口", "出口"),
}
_VERB_OF = {v: kind for kind, verbs in _VERBS.items() for v in verbs}
_VERB_LIST = sorted(_VERB_OF, key=len, reverse=True)
_RX_VERBS = "(?:" + "|".join(map(re.escape, _VERB_LIST)) + ")"
# Services written after a verb are part of the verb run: "生产销售", "生产和销售", "销售及维修", "销售、安装"
_SUFFIX_TAILS = ("维修", "修理", "安装", "维护", "保养", "租赁", "配送", "代理")
# Possessive (`*+`): a verb is often two verbs written together (生产加工 = 生产 + 加工), and a run of them that does
# not reach the end would otherwise be retried in every split, 2^n of them (a crafted 40-verb scope: hours).
_RX_SUFFIX = re.compile(f"{_RX_VERBS}(?:[和及与]?(?:{_RX_VERBS}|{'|'.join(_SUFFIX_TAILS)}))*+$")
_RX_PREFIX = re.compile("^(?:(?:" + "|".join(map(re.escape, _VERB_LIST)) + ")[及和与、：:]?)+")
_RX_OF = re.compile("的(?=" + "|".join(map(re.escape, _VERB_LIST)) + ")")

# Stock items: listed by nearly every registration, whatever the industry.
GENERIC_ITEMS = frozenset((
    "货物进出口", "技术进出口", "进出口代理", "货物及技术进出口", "技术服务", "技术开发", "技术咨询", "技术交流",
    "技术转让", "技术推广", "企业管理咨询", "信息咨询服务", "社会经济咨询服务", "市场营销策划", "会议及展览服务",
    "办公用品销售", "日用百货销售", "非居住房地产租赁", "住房租赁", "机械设备租赁", "劳务服务", "广告设计、代理",
    "信息技术咨询服务", "包装服务", "国内贸易代理", "销售代理", "供应链管理服务", "五金产品批发", "五金产品零售",
    "物业管理", "企业形象策划", "专业设计服务", "软件开发", "软件销售", "计算机软硬件及辅助设备零售",
    "计算机软硬件及辅助设备批发", "电子产品销售", "对外承包工程", "停车场服务", "装卸搬运", "图文设计制作",
    "组织文化艺术交流活动", "品牌管理", "咨询策划服务", "工程管理服务", "互联网销售", "本公司产品",
    # the stock items of today's 规范表述 registrations (SAMR's catalogue wording), listed whatever the trade
    "技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广", "互联网销售（除销售需要许可的商品）",
    "商务代理代办服务", "礼仪服务", "办公服务", "家政服务", "专业保洁、清洗、消毒服务", "日用品销售",
    "日用杂品销售", "文具用品零售", "文具用品批发", "体育用品及器材零售", "化妆品零售", "服装服饰零售",
    "针纺织品销售", "家用电器销售", "电子元器件零售", "办公设备销售", "计算机及办公设备维修", "通讯设备销售",
    "数字文化创意内容应用服务", "市场调查（不含涉外调查）", "翻译服务", "摄像及视频制作服务", "文艺创作",
    "教育咨询服务", "业务培训", "人力资源服务", "安全咨询服务", "普通货物仓储服务", "国内货物运输代理",
    "住房租赁", "土地使用权租赁", "柜台、摊位出租", "建筑材料销售", "五金产品零售", "金属材料销售",
    "国内贸易",  # older scopes' stock wording
))
# Stock items that never name the main activity, even listed first (the others do when they come first:
# a registration lists its main item first, so "物业管理；停车场服务；……" is a property manager).
NEVER_MAIN = frozenset((
    "货物进出口", "技术进出口", "进出口代理", "货物及技术进出口", "技术服务", "技术开发", "技术咨询", "技术交流",
    "技术转让", "技术推广", "技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广", "本公司产品",
    "销售代理", "国内贸易代理",
))

_SECTION_LABEL = re.compile(
    r"(一般经营项目|一般项目|许可经营项目|前置许可经营项目|后置许可经营项目|许可项目|主营项目|兼营项目|经营范围|主营|兼营)是?；?[：]"
)
_SECTION_KIND = {"一般经营项目": "general", "一般项目": "general", "许可经营项目": "licence",
                 "前置许可经营项目": "licence", "后置许可经营项目": "licence", "许可项目": "licence",
                 "主营项目": "general", "兼营项目": "general", "经营范围": "free", "主营": "general", "兼营": "general"}
_MAIN_NOTE = re.compile(r"[（【]主营(?:产品|业务)?[：]?([^（）【】]+)[）】]")
_QUALIFIER = re.compile(r"[（【〔][^（）【】〔〕]*[）】〕]")  # any remaining bracket: a qualifier, never an activity
_CLAUSE = re.compile(r"[；;。\n]+")
_PIECE = re.compile(r"[、，,]+|及(?=(?:" + "|".join(map(re.escape, _VERB_LIST)) + "))")
_LATIN = re.compile(r"[A-Za-z]")
# A piece ending so is an activity of its own, not an object waiting for the verb written after it.
_SERVICE_ENDS = (
    "服务", "维修", "修理", "保养", "咨询", "设计", "租赁", "管理", "运输", "施工", "工程", "安装", "培训", "策划", "代理",
    "经纪", "开发", "活动", "中介", "检测", "运营", "发布", "推广", "转让", "交流", "出租", "回收", "清洗", "美容", "养护",
    "处置", "治理", "业务", "经营", "发电", "仓储", "搬运", "装卸", "演出", "表演", "娱乐", "休闲", "游乐", "会展",
)
_SERVICE_ENDS += ("装修", "装潢", "保洁")
_BARE_SERVICES = frozenset(_SERVICE_ENDS) - {"服务", "业务", "活动", "工程"}
_BARE_START = tuple(_BARE_SERVICES)
_GOODS_WORK = ("维修", "修理", "保养", "安装", "租赁", "出租")  # work done on goods, which names them
_RX_SERVICE_END = re.compile("(?:" + "|".join(_SERVICE_ENDS) + ")$")


class Item(NamedTuple):
    """One activity of a scope: its text, section (main/general/licence/free), activity verb, object and weight.
    (A named tuple: a scope has many items, and a tuple is several times cheaper to make than a dataclass.)"""

    text: str
    section: str
    verb: str
    object: str
    position: int
    generic: bool
    weight: float


_VERB_FIRST = frozenset(v[0] for v in _VERB_LIST)  # a piece starting with none of these has no verb prefix
_VERB_TUPLE = tuple(_VERB_LIST)
_SUFFIX_ENDS = _VERB_TUPLE + _SUFFIX_TAILS
_RX_TAILS = re.compile(f"(?:{'|'.join(_SUFFIX_TAILS)})(?:[和及与]?(?:{'|'.join(_SUFFIX_TAILS)}))*$")


# last characters of verbs, services and the work written after a verb
_ENDS_WITH = frozenset(w[-1] for w in (*_VERB_LIST, *_SERVICE_ENDS, *_SUFFIX_TAILS))


def _suffix(piece: str) -> re.Match[str] | None:
    """`_RX_SUFFIX.search(piece)`, skipped unless the piece ends with a verb (the search tries every start; `$`
    also matches before a final newline, so such a piece is searched too)."""
    last = piece[-1:]
    if last == "\n" or (last in _ENDS_WITH and piece.endswith(_SUFFIX_ENDS)):
        return _RX_SUFFIX.search(piece)
    return None


def _ends(piece: str, words: tuple[str, ...], rx: re.Pattern[str]) -> bool:
    """`rx.search(piece)` for rx = (?:words)$ (or a run of them): str.endswith in C, the search only where `$`
    could match before a final newline."""
    last = piece[-1:]
    if last == "\n":
        return rx.search(piece) is not None
    return last in _ENDS_WITH and piece.endswith(words)


def _split_verbs(piece: str) -> tuple[list[str], str]:
    """Verbs written before or after the object ("研发、生产激光雷达", "电池制造") and the object left."""
    if "的" in piece:
        piece = _RX_OF.sub("", piece)
    verbs: list[str] = []
    m = _RX_PREFIX.match(piece) if piece[:1] in _VERB_FIRST else None
    if m and m.end() < len(piece):
        verbs += [v for v in _VERB_LIST if v in m.group(0)][:3]
        piece = piece[m.end():]
    m = _suffix(piece)
    if m and m.start() > 0:
        verbs.append(m.group(0))
        obj = piece[: m.start()]
    else:
        obj = piece
    if not verbs and m is not None and m.start() == 0:  # a bare verb ("生产")
        return [piece], ""
    return verbs, obj


@functools.lru_cache(maxsize=200_000)
def _piece(piece: str) -> tuple[tuple[str, ...], str, bool, bool]:
    """(verbs, object, ends as a service, ends with a verb) of one piece of a clause (cached: pieces repeat)."""
    verbs, obj = _split_verbs(piece)
    return (tuple(verbs), obj, _ends(piece, _SERVICE_ENDS, _RX_SERVICE_END),
            _ends(piece, _VERB_TUPLE, _RX_SUFFIX))


@functools.lru_cache(maxsize=4096)
def _verb_kind(verbs: Sequence[str]) -> str:
    kinds = {_VERB_OF.get(v) or _VERB_OF.get(next((x for x in _VERB_LIST if v.startswith(x)), ""), "service")
             for v in verbs}
    for kind in ("make", "farm", "rd", "service", "trade"):
        if kind in kinds:
            return kind
    return "service"


def _sections(text: str) -> list[tuple[str, str]]:
    """(section kind, its text) in order; text before any label is 'free'."""
    if "：" not in text:  # every label ends with one: a scope without labels is one free section
        return [("free", text)] if text.strip("；。，、 ") else []
    out: list[tuple[str, str]] = []
    pos, kind = 0, "free"
    for m in _SECTION_LABEL.finditer(text):
        out.append((kind, text[pos : m.start()]))
        kind, pos = _SECTION_KIND[m.group(1)], m.end()
    out.append((kind, text[pos:]))
    return [(k, t) for k, t in out if t.strip("；。，、 ")]


_GLUE = "\x1f"  # stands for a 、 inside a standard item while the clause is split


@functools.cache
def _compound_terms() -> tuple[frozenset[str], frozenset[str]]:
    """Items written with a 、 inside, which the clause split must not cut: (whole items, item beginnings).
    Whole items are the curated and stock items ("广告设计、代理", "专业保洁、清洗、消毒服务"); beginnings are the
    standard's class names and stems ("米、面制品及食用油" of 5121, "食品、酒、饮料及茶生产专用设备制造" of 3531),
    which SAMR's 规范表述 items take over with a verb of their own ("米、面制品及食用油批发", "……销售")."""
    whole = frozenset(t for t in (*curated_terms(), *GENERIC_ITEMS) if "、" in t)
    named = frozenset(t for t, entries in vocabulary().items()
                      if "、" in t and t not in whole and entries[0].source != "curated")
    return whole, named


@functools.cache
def _rx_compound() -> re.Pattern[str] | None:
    """A compound item where a piece begins: a whole item with any verbs after it up to the next 、，, (or the
    end: "食品用纸包装、容器制品生产"), a class name or stem after any verbs ("销售肉、禽、蛋、奶及水产品")."""
    whole, named = _compound_terms()
    if not whole and not named:
        return None

    def alternatives(terms: frozenset[str]) -> str:
        return "|".join(map(re.escape, sorted(terms, key=len, reverse=True))) or "(?!)"

    # The verb runs are bounded: possessive after a whole item, at most three before a name (a name may begin
    # with a verb: 印刷、制药…), so a long run of verbs is never retried in all its splits (see `_RX_SUFFIX`).
    return re.compile(f"(?:(?<=^)|(?<=[、，,]))(?:(?:{alternatives(whole)}){_RX_VERBS}*+(?=$|[、，,])"
                      f"|(?:{_RX_VERBS}[：:]?){{0,3}}(?:{alternatives(named)}))")


@functools.cache
def _compound_heads() -> frozenset[str]:
    """What each compound item begins with, up to its first 、 included: no head in a clause, no compound."""
    return frozenset(t[: t.index("、") + 1] for terms in _compound_terms() for t in terms)


@functools.cache
def _rx_compound_heads() -> re.Pattern[str] | None:
    """One search for any compound head (instead of a substring test per head)."""
    heads = _compound_heads()
    return re.compile("|".join(map(re.escape, sorted(heads)))) if heads else None


def _glue(match: re.Match[str]) -> str:
    return match.group(0).replace("、", _GLUE)


def _pieces(clause: str) -> list[str]:
    """A clause cut into its pieces at 、，, (and at 及 before a verb); standard items written with a 、 inside
    stay whole."""
    glued = False
    if "、" in clause:
        heads = _rx_compound_heads()
        rx = _rx_compound()
        glued = rx is not None and heads is not None and heads.search(clause) is not None
        if glued:
            clause = rx.sub(_glue, clause)
    if "及" in clause:
        parts = _PIECE.split(clause)
    else:  # no 及: the split is on runs of 、，, alone (the empty strings between two of them are dropped below)
        parts = clause.replace("，", "、").replace(",", "、").split("、")
    pieces = [q for p in parts if (q := p.strip("：: "))]
    if glued:
        pieces = [p.replace(_GLUE, "、") for p in pieces]
    return pieces


@functools.cache
def _service_terms() -> frozenset[str]:
    """Curated terms of service and construction classes: an activity of its own, never an object of a verb
    carried on from the piece before ("销售建材、室内装潢")."""
    return frozenset(t for t, (codes, _kind) in curated_terms().items()
                     if all(code_kind(c) in ("service", "build") for c in codes))


def _bare_or_object(piece: str) -> bool:
    """A bare verb or activity, or an object with neither: what a bare activity before it may be the work on."""
    verbs, obj, service_end, _verb_end = _piece(piece)
    return piece in _BARE_SERVICES or (not obj and bool(verbs)) or (not verbs and not service_end)


def _clause_items(section: str, clause: str) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(item text, object, verbs) of one clause: bare verbs and objects written apart are joined."""
    pending_verbs: tuple[str, ...] = ()
    pending_objects: list[str] = []
    parsed: list[tuple[str, str, tuple[str, ...]]] = []  # (text, object, verbs)
    # A verb written before its object carries on to the objects listed after it ("销售钢材、建材、五金交电",
    # "销售：服装、鞋帽"), up to a piece with verbs of its own, an activity (服务, 维修, a curated service
    # term) or a stock item.
    carry: tuple[str, ...] = ()
    carry_text = ""
    services = _service_terms()
    # Bare verbs written after an item whose verb ends it ("激光雷达的研发、生产、销售", "服装、鞋帽生产、销售",
    # "家具的设计、生产、销售") are more verbs of that item's object: the items of the piece just before stay
    # open to them (`open_at`, the index of their first item; -1: none).
    open_at = -1
    pieces = _pieces(clause)
    last = len(pieces) - 1
    for i, piece in enumerate(pieces):
        if piece in _BARE_SERVICES and not pending_objects and not carry and (
                parsed if i == last else _bare_or_object(pieces[i + 1])):
            # a bare activity written before its object ("设计、制作、代理、发布国内各类广告") or after an item of
            # its own ("广告设计、制作、代理、发布"): the object's item reads it; alone it names nothing
            continue
        verbs, obj, service_end, verb_end = _piece(piece)
        if carry:
            if verbs or service_end or piece in GENERIC_ITEMS or piece in services:
                carry = ()
            else:
                parsed.append((carry_text + piece, obj, carry))
                continue
        if not obj and verbs:  # a bare verb: it belongs to the objects around it
            if pending_objects:
                open_at = len(parsed)
                parsed += [(o + verbs[0], o, verbs) for o in pending_objects]
                pending_objects = []
            elif open_at >= 0:
                parsed[open_at:] = [(t + "、" + piece, o.partition("的")[0] or o, v + verbs)
                                    for t, o, v in parsed[open_at:]]
            else:
                pending_verbs += verbs
            continue
        if open_at >= 0 and _RX_TAILS.match(piece):  # "空调的销售、安装及维修": more work on the same goods
            parsed[open_at:] = [(t + "、" + piece, o, v) for t, o, v in parsed[open_at:]]
            continue
        open_at = -1
        if (not verbs and not pending_verbs and piece not in GENERIC_ITEMS and section != "main"
                and not service_end):
            pending_objects.append(obj)  # an object waiting for the verb written after it
            continue
        text = piece
        if pending_verbs:
            # an object without an activity of its own has the verbs written in its item ("批发、零售机械设备、轴承":
            # 批发轴承), so that a curated goods word that is the whole piece ("轴承") is read as the goods sold
            # ("批发、零售五金交电": selling verbs written apart are one run, 批发零售五金交电)
            own = ((verbs and not (_verb_kind(pending_verbs) == "trade" and _RX_PREFIX.match(piece)))
                   or service_end or piece.startswith(_BARE_START))  # "制作、发布广告": 发布 is its own
            text = piece if own else "".join(pending_verbs) + piece
            verbs = pending_verbs + verbs
        start = len(parsed)
        if pending_objects:
            # the objects before take the piece's last verb, or the work on goods it ends with ("空调、冰箱维修",
            # "计算机、办公设备的维修"; a bare "维修" after them is an item of its own)
            tail = verbs[-1] if verbs else next((w for w in _GOODS_WORK if piece.endswith(w) and piece != w), "")
            parsed += [(o + tail, o, verbs) for o in pending_objects]
            pending_objects = []
        parsed.append((text, obj, verbs))
        if verb_end or (service_end and "的" in piece):
            open_at = start
        if verb_end:  # else a prefix list ("研发、生产、销售X、Y") carries its verbs on
            pending_verbs = ()
        elif verbs and obj and not pending_verbs and piece.endswith(obj):
            carry, carry_text = verbs, piece[: len(piece) - len(obj)]
    parsed += [(o, o, ()) for o in pending_objects]
    if not parsed and pending_verbs:  # the clause is one bare verb ("互联网销售"): the item is the verb itself
        parsed.append(("".join(pending_verbs), "", pending_verbs))
    return tuple(parsed)


def _item_plan(section: str, item_text: str, obj: str, verbs: tuple[str, ...]) -> tuple:
    """(item text, object, activity kind, stock item?, never main?, the item's classes) of one item."""
    kind = _verb_kind(verbs) if verbs else ("make" if section == "main" else "service")
    whole = obj or item_text
    codes = _item_codes(item_text, whole, kind)
    if obj and verbs[-1:] in (("经营",), ("制作",)) and kind in ("trade", "make"):
        # 经营 runs a service as well as it trades goods ("体育场地设施经营", "道路旅客运输经营"), and 制作 makes
        # a service's work as well as goods ("设计、制作、代理、发布广告"): when the object's best class is a
        # service, the item is that service
        served = _item_codes(item_text, whole, "service")
        if served and code_kind(served[0][0]) in ("service", "build"):
            kind, codes = "service", served
    stock = "口" in item_text and _RX_STOCK_TRADE.search(item_text) is not None
    return (item_text, whole, kind, stock or item_text in GENERIC_ITEMS or obj in GENERIC_ITEMS,
            stock or item_text in NEVER_MAIN or obj in NEVER_MAIN, codes)


# The import-export sentences older registrations carry whatever the trade ("自营和代理各类商品及技术的进出口业务",
# "从事货物及技术的进出口业务", "经营本企业自产产品及技术的出口业务和本企业所需的机械设备、零配件、原辅材料及技术的
# 进口业务"): stock items, never the main activity, as 货物进出口 is.
_RX_STOCK_TRADE = re.compile(r"(?:货物|技术|商品|产品)[^；]{0,8}(?:进出口|进口|出口)")
_RX_STOCK_SENTENCE = re.compile(r"本企业(?:自产|所需)")


@functools.lru_cache(maxsize=100_000)
def _clause_plan(section: str, clause: str) -> tuple[tuple[str, str, str, bool, bool, tuple], ...]:
    """(item text, object, activity kind, stock item?, never main?, the item's classes) of each item of one
    clause: what `parse_scope` and `read_scope` need of it besides its position (cached: registered scopes
    repeat the same clauses; pieces and items are cached too, since they repeat across clauses)."""
    if "技术" in clause and ("领域" in clause or "的技术" in clause):
        clause = _fields(clause)
    if "：" in clause:
        clause = _colon_head(clause)
    plan = tuple(_item_plan(section, t, o, v) for t, o, v in _clause_items(section, clause))
    if "本企业" in clause and _RX_STOCK_SENTENCE.search(clause):  # the whole sentence is the stock one
        plan = tuple((t, o, k, True, True, c) for t, o, k, _g, _n, c in plan)
    return plan


_RX_VERB_RUN = re.compile("[、和及与]")  # what joins the verbs of `_RX_PREFIX` (its colon is the head's end)


def _colon_head(clause: str) -> str:
    """"培训服务：电脑、外语、会计": an activity before a colon names what the firm does, the list after it only
    its subjects (which would read as 会计 services): the clause is the activity alone. A verb before the colon
    ("销售：服装、鞋帽") is no such head: it is carried on to the objects after it."""
    head, _, rest = clause.partition("：")
    if rest and (run := _RX_PREFIX.match(head)) is not None and run.end() == len(head):
        return _RX_VERB_RUN.sub("", head) + rest  # "批发、零售：服装、鞋帽", "生产销售：塑料制品": verbs only
    if (len(head) >= 3 and rest and "、" not in head and "，" not in head and head not in GENERIC_ITEMS
            and _ends(head, _SERVICE_ENDS, _RX_SERVICE_END) and _suffix(head) is None):
        return head
    return clause


# "从事计算机科技领域内的技术开发、技术咨询……", "网络科技、信息科技领域内的技术开发", "计算机软硬件的技术开发":
# the fields name the trade, the 技术开发 after them is what the firm does in it. Each field becomes an item of
# its own ("计算机技术开发"), read by the curated field terms (计算机技术, 生物技术, 环保技术, …); the stock items
# after it (技术咨询, 技术服务, …) stay as they are.
_RX_FIELD = re.compile(r"(?:科技|技术)?(?:领域[内中]?的?|的)(技术(?:开发|研发|咨询|服务|转让|推广|交流|研究))")
_RX_FIELD_END = re.compile(r"(?:科技|技术)$")


def _fields(clause: str) -> str:
    m = _RX_FIELD.search(clause)
    if m is None or m.start() == 0:
        return clause
    before = re.split(r"([、，,])", clause[: m.start()])
    # pieces and separators alternate; the last piece is the field right before 领域, earlier ones join it
    # while they too end with 科技/技术 ("网络科技、信息科技领域内的")
    fields = [before.pop()]
    while len(before) >= 2 and _RX_FIELD_END.search(before[-2]):
        before.pop()
        fields.insert(0, before.pop())
    fields = [_RX_FIELD_END.sub("", f.removeprefix("从事")) for f in fields]
    fields = [f for f in fields if f]
    if not fields:
        return clause
    return "".join(before) + "、".join(f + "技术" + m.group(1)[2:] for f in fields) + clause[m.end():]


_HALF_WIDTH = tuple((chr(k), v) for k, v in _WIDTH.items())
# Any character `_normalise` changes: a half-width mark or a whitespace character (the class of scope._WS).
_RX_TO_NORMALISE = re.compile("[" + re.escape("".join(chr(k) for k in _WIDTH) + " \t\r\n\f\v\u3000\xa0") + "]")
_RX_PHRASE = re.compile(_PHRASE)  # a boilerplate phrase: without one, neither bracketed nor sentence removal applies
_RX_STOCK_HINT = re.compile("以上|依法须经批准|具体经营项目以|法律|涉及许可经营项目")  # how every stock sentence begins
_BRACKETS = ("（", "【", "〔")
# The bracketed notes most registrations end with (after `_normalise`): each is one match of the bracket
# expression (scope._BRACKETED: a bracket, no bracket inside, a boilerplate phrase).
_STANDARD_NOTES = (
    "（依法须经批准的项目，经相关部门批准后方可开展经营活动，具体经营项目以相关部门批准文件或许可证件为准）",
    "（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
    "（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）",
)


def _normalise(text: str) -> str:
    """Full-width punctuation, line breaks as ；, no whitespace (`scope._WIDTH`): the same text as
    the regular expressions of `chanye.classify.scope` give, each run only where its text can occur."""
    if _RX_TO_NORMALISE.search(text) is None:  # one scan: most scopes have no half-width mark and no space
        return text
    for half, full in _HALF_WIDTH:  # str.replace per character: several times faster than str.translate
        if half in text:
            text = text.replace(half, full)
    return _RX_WS.sub("", text)


# An item's number: 1、 1. 一、 where a clause or section begins, and 2、 written right after the item before it
# ("……电动工具2、机械设备维修"), not a number in a list ("第1、2类", "第二、第三类") or a word ("统一、规范").
_RX_NUMBERED = re.compile(r"(?:[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})[、.．](?=[\u4e00-\u9fff])")
_RX_NUMBER_HINT = re.compile(r"[0-9０-９一二三四五六七八九十][、.．]")  # a first-character set: a fast scan
_RX_HAN = re.compile("[\u4e00-\u9fff]")


def _item_number(m: re.Match[str]) -> str:
    """A clause break for an item's number, else the text as it was."""
    before = m.string[m.start() - 1] if m.start() else "；"
    if before in "；。：，" or (m.group(0)[0].isdigit() and _RX_HAN.match(before)):
        return "；"
    return m.group(0)


_NOTHING = frozenset(("无", "暂无", "无许可经营项目", "无前置许可经营项目", "/", "-"))
_new_item = tuple.__new__  # Item(*fields) runs a Python-level __new__; tuple.__new__(Item, fields) is the same
_WEIGHTS: dict[tuple[str, str, int, int], float] = {}  # (section, kind, n, lead 1 / stock 2 / other 0) -> weight


def _weight(section: str, kind: str, n: int, mode: int) -> float:
    """An item's weight: section x activity / (1 + 0.5 n), x the lead bonus or the stock-item discount."""
    activity = TRADE_LEAD if mode == 1 and kind == "trade" else VERB_WEIGHT[kind]
    weight = SECTION_WEIGHT[section] * activity / (1 + POSITION_DECAY * n)
    if mode == 1:
        weight *= LEAD_BONUS
    elif mode == 2:
        weight *= GENERIC_WEIGHT
    weight = _WEIGHTS[(section, kind, n, mode)] = round(weight, 4)
    return weight


def _plan(text: str | None) -> tuple[list[tuple], list[tuple], bool, str]:
    """The scope's items (the fields of `Item`, as plain tuples: cheaper to make), the classes each names
    (`_item_codes`), whether all are stock items, and the lead item's activity ('' when no item leads)."""
    if not isinstance(text, str) or not text.strip():
        return [], [], False, ""
    raw = _normalise(text)
    notes: list[str] = []
    if "主营" in raw:
        notes = [m.group(1) for m in _MAIN_NOTE.finditer(raw)]
        raw = _MAIN_NOTE.sub("；", raw)
    phrase = _RX_PHRASE.search(raw) is not None
    if phrase:
        # The standard notes are replaced as text; when no boilerplate phrase is left after that, the bracket
        # expression would have removed exactly those notes (each is a match of it, and any other match holds
        # a phrase of its own), and nothing is left for the sentence expression either.
        cut = raw
        for note in _STANDARD_NOTES:
            if note in cut:
                cut = cut.replace(note, "；")
        if cut is not raw and _RX_PHRASE.search(cut) is None:
            raw, phrase = cut, False
        else:
            raw = _RX_BRACKETED.sub("；", raw)
    if _RX_STOCK_HINT.search(raw):
        raw = _RX_STOCK.sub("；", raw)
    if phrase and _RX_PHRASE.search(raw):
        raw = _RX_SENTENCE.sub("；", raw)
    if "（" in raw or "【" in raw or "〔" in raw:
        raw = _QUALIFIER.sub("", raw)
    if _RX_NUMBER_HINT.search(raw):  # "1、批发、零售：……；2、机械设备维修": each number begins an item of its own
        raw = _RX_NUMBERED.sub(_item_number, raw)
    items: list[tuple] = []
    codes: list[tuple] = []
    add_item, add_codes = items.append, codes.append
    counts = {"make": 0, "farm": 0, "rd": 0, "service": 0, "trade": 0}
    lead = True  # the first item that can be a main activity: a stock item there is the firm's own trade
    lead_kind = ""
    stock_first: dict[str, int] = {}  # stock items before it, by kind
    all_generic = True
    weights = _WEIGHTS
    sections = [("main", n) for n in notes] + _sections(raw) if notes else _sections(raw)
    for section, body in sections:
        # Clauses end at ；or 。(`_normalise` made ; and line breaks ；): one str.split (the empty strings between
        # two of them are skipped).
        if "。" in body:
            body = body.replace("。", "；")
        for clause in body.split("；"):
            if not clause or clause in _NOTHING:  # between two separators, or "许可经营项目：无": no item
                continue
            for item_text, obj, kind, generic, never_main, item_codes in _clause_plan(section, clause):
                n = counts[kind]
                counts[kind] = n + 1
                if lead and not never_main and item_codes:  # an item naming no class cannot be the main one
                    lead, lead_kind, generic, mode = False, kind, False, 1
                    if stock_first:  # stock items listed before the main one ("技术开发、技术推广……；计算机系统
                        for k, c in stock_first.items():  # 服务") push neither it nor the items after it down
                            counts[k] -= c
                        n = counts[kind] - 1
                else:
                    if lead and generic:
                        stock_first[kind] = stock_first.get(kind, 0) + 1
                    mode = 2 if generic else 0
                    all_generic = all_generic and generic
                weight = weights.get((section, kind, n, mode)) or _weight(section, kind, n, mode)
                add_item((item_text, section, kind, obj, len(items), generic, weight))
                add_codes(item_codes)
    return items, codes, bool(items) and lead and all_generic, lead_kind


def clear_caches() -> None:
    """Forget every clause, piece and item read so far (what a cold read starts from; the vocabulary stays)."""
    for cached in (_clause_plan, _item_codes, _piece, _verb_kind):
        cached.cache_clear()
    _WEIGHTS.clear()


def parse_scope(text: str | None) -> list[Item]:
    """The scope's activities, boilerplate and qualifiers removed, each with its section, verb and weight."""
    return [_new_item(Item, fields) for fields in _plan(text)[0]]


# --- the vocabulary -----------------------------------------------------------------------------------------

_NAME_SUFFIX = re.compile(
    r"(?:及其?)?(?:制造|加工|生产|批发|零售|服务|修理|维修|养殖|种植|开采|采选|冶炼|活动|业|制作|出租|租赁|代理|"
    r"研究和试验发展|工程建筑|施工|安装|发电|运输|销售)$"
)
_NAME_PREFIX = re.compile(r"^(?:其他|其它)")
_NAME_PARTS = re.compile(r"[、及和与]")
_RX_NAME_BRACKET = re.compile(r"（[^）]*）")
_NOTE_CUT = re.compile(r"[，；。、（）]|以及|及其|包括|指|等")


# Words too general to name a class on their own (unless the curated list says so).
_STOP = frozenset((
    "其他", "制品", "产品", "设备", "服务", "维修", "修理", "设计", "制作", "代理", "工业", "压力", "技术", "材料",
    "用品", "器材", "配件", "零件", "工程", "管理", "咨询", "信息", "活动", "项目", "系统", "装置", "专用", "机械",
    "电子", "电器", "批发", "零售", "经营", "租赁", "安装", "施工", "运输", "开发", "研究", "推广", "交流", "加工",
    "综合",  # a part of 5219 其他综合零售's name: alone it sent `卫星技术综合应用系统集成` to a retail class
    "人工智能",  # a technology 3962's 说明 lists among others: alone it sent AI software firms to 智能车载设备制造
    "其制品",  # of "X及其制品" in 说明 lists: "野生动物及其制品经营" named 5174 五金产品批发
    "相关", "利用", "资源",  # parts of names (…及相关服务, 水的处理、利用与分配, 资源与产权交易): "风电场相关装备" was 6410
))

# A 销售/批发/零售 item whose object names goods: the trade class of those goods, (wholesale, retail), by the
# longest matching prefix of the goods' code (大类, 中类 or 小类).
TRADE_OF_GOODS: dict[str, tuple[str, str]] = {  # by code; the food 中类/小类 are those whose trade class the
    # standard names (米、面制品及食用油; 糕点、糖果及糖; 肉、禽、蛋、奶及水产品; 盐及调味品); wood goods that build
    # nothing (木制容器, 软木制品) are 其他未列明批发, those of bamboo, rattan, palm and straw 日用杂品
    "01": ("5119", "5223"), "011": ("5111", "5221"), "0121": ("5111", "5221"), "0123": ("5111", "5221"),
    "0131": ("5114", "5299"), "0132": ("5114", "5299"), "0141": ("5123", "5223"), "015": ("5123", "5223"),
    "02": ("5115", "5299"), "03": ("5116", "5224"), "04": ("5117", "5224"), "13": ("5129", "5229"),
    "131": ("5121", "5221"), "132": ("5113", "5299"), "1331": ("5121", "5221"), "1340": ("5122", "5229"),
    "135": ("5124", "5224"), "136": ("5124", "5224"), "1393": ("5124", "5224"), "14": ("5129", "5229"),
    "141": ("5122", "5222"), "142": ("5122", "5229"), "144": ("5124", "5224"), "146": ("5125", "5229"),
    "149": ("5126", "5225"), "15": ("5127", "5226"), "16": ("5128", "5227"), "17": ("5131", "5231"),
    "18": ("5132", "5232"), "19": ("5133", "5233"), "192": ("5139", "5237"), "20": ("5165", "5286"),
    "2035": ("5199", "5299"), "2039": ("5199", "5299"), "204": ("5135", "5235"),
    "21": ("5139", "5283"), "22": ("5199", "5299"), "23": ("5141", "5241"), "24": ("5149", "5249"),
    "241": ("5141", "5241"), "242": ("5147", "5247"), "243": ("5146", "5245"), "244": ("5142", "5242"),
    "25": ("5162", "5265"), "26": ("5169", "5299"), "262": ("5166", "5299"), "263": ("5167", "5299"),
    "264": ("5169", "5284"), "268": ("5134", "5234"), "27": ("5151", "5251"), "274": ("5152", "5252"),
    "275": ("5153", "5253"), "277": ("5154", "5254"), "28": ("5169", "5299"), "29": ("5169", "5299"),
    "2911": ("5172", "5263"), "30": ("5165", "5287"),
    # the non-metal mineral goods that are no building material: 非金属矿及制品 (光学玻璃, 特种陶瓷, 云母, 石墨), the
    # household ones 日用杂品, 玻璃仪器 instruments
    "3052": ("5163", "5299"), "3053": ("5179", "5299"), "3054": ("5135", "5235"), "3056": ("5135", "5235"),
    "3072": ("5135", "5285"), "3073": ("5163", "5299"), "3074": ("5135", "5235"), "308": ("5163", "5299"),
    "309": ("5163", "5299"), "31": ("5164", "5299"), "32": ("5164", "5299"),
    "33": ("5174", "5281"), "338": ("5135", "5235"), "34": ("5179", "5299"), "35": ("5179", "5299"),
    "357": ("5171", "5299"), "358": ("5154", "5254"), "3587": ("5139", "5236"), "36": ("5172", "5263"),
    "361": ("5172", "5261"), "37": ("5179", "5299"), "375": ("5173", "5264"), "376": ("5179", "5238"),
    "377": ("5179", "5238"), "38": ("5175", "5299"), "385": ("5138", "5272"), "387": ("5136", "5282"),
    "39": ("5179", "5279"), "391": ("5176", "5273"), "392": ("5177", "5274"), "393": ("5178", "5271"),
    "395": ("5137", "5271"), "40": ("5179", "5299"),
}


DERIVED_WEIGHT = 0.8  # a goods class read from a trade class's word (箱包 of 5237 箱包零售 in "箱包制造")
# A catch-all service class (其他…) read beside a named one in the same service item gives way to it: a
# statistician codes to the class the item names ("企业信用管理咨询服务" is 7295 信用服务, not 7249
# 其他专业咨询与调查 by 咨询服务).
CATCH_ALL_WEIGHT = 0.8

# Repair and rental classes name goods ("通用设备修理" -> 通用设备, "医疗设备经营租赁" -> 医疗设备): an item that
# makes, sells or researches those goods means the goods class (`GOODS_OF_SERVICE`), and a 维修/修理/保养 or
# 租赁/出租 item whose object names goods means the repair or rental class of those goods (`REPAIR_OF_GOODS`,
# `RENTAL_OF_GOODS`, by the longest matching prefix of the goods' code, as `TRADE_OF_GOODS`).
GOODS_OF_SERVICE: dict[str, str] = {
    "4310": "3399", "4320": "3499", "4330": "3599", "4341": "3719", "4342": "3731", "4343": "3749",
    "4349": "3799", "4350": "3899", "4360": "4090", "8121": "3919", "8122": "3922", "8132": "3859",
    "8191": "3761", "8193": "2190", "7111": "3611", "7112": "3579", "7113": "3514", "7114": "3919",
    "7115": "3589",
}
REPAIR_OF_GOODS: dict[str, str] = {
    "33": "4310", "34": "4320", "35": "4330", "36": "8111", "37": "4349", "371": "4341", "373": "4342",
    "374": "4343", "375": "8113", "376": "8191", "38": "4350", "385": "8132", "39": "4390", "391": "8121",
    "392": "8122", "395": "8131", "40": "4360", "21": "8193",
}
RENTAL_OF_GOODS: dict[str, str] = {
    "18": "7130", "19": "7130", "21": "7130", "24": "7129",
    "33": "7119", "34": "7119", "35": "7119", "351": "7113", "357": "7112", "358": "7115", "36": "7111",
    "37": "7119", "38": "7119", "39": "7119", "391": "7114", "392": "7114", "40": "7119",
}
# An 安装 item whose object names equipment installs it: 电气安装 for electrical goods, else 管道和设备安装.
INSTALL_OF_GOODS: dict[str, str] = {
    "33": "4920", "34": "4920", "35": "4920", "36": "4920", "37": "4920", "38": "4910", "385": "4920",
    "39": "4999", "40": "4920",
}
# A 设计 item whose object names goods designs them: 专业设计 for consumer goods (大类 13-24: clothes, jewels,
# furniture, toys), 工业设计 for the rest; a 检验/检测 item tests them, whatever goods, farm and mine goods too
# ("农作物种子质量检验", "矿产品检测"): 7452 检测服务.
DESIGN_OF_GOODS: dict[str, str] = {str(d): "7492" if d <= 24 else "7491" for d in range(13, 44)}
INSPECTION = "7452"
_SERVICE_OF_GOODS = {"repair": REPAIR_OF_GOODS, "rental": RENTAL_OF_GOODS, "install": INSTALL_OF_GOODS,
                     "design": DESIGN_OF_GOODS}
# The professional work done on construction works (门类 E, 大类 47-50) named before it: "地质灾害治理工程设计" is
# design (7484), not the works' construction (4899); likewise 勘察 (7483), 监理 (7482) and 检测 (7452).
WORK_ON_WORKS = {"design": "7484", "survey": "7483", "supervise": "7482", "inspect": "7452"}
_WORKS = ("47", "48", "49", "50")
_WORK_ENDS = {"design": ("设计",), "inspect": ("检验", "检测"), "survey": ("勘察", "勘查"), "supervise": ("监理",)}
_INSTALL_ENDS = ("安装", "安装服务", "安装工程")
_REPAIR_ENDS = ("维修", "修理", "保养", "维护", "维保", "检修")
_RX_REPAIR = re.compile("|".join(_REPAIR_ENDS))
_NOT_SHOPS = ("酒店", "饭店", "旅店", "客店", "商店")  # lodging, or a shop of no goods named
_RENTAL_ENDS = ("租赁", "出租")
# A 销售 item sold on line is retail ("网上销售", "互联网销售"): the retail class of the goods.
_ONLINE = ("网上销售", "网络销售", "互联网销售", "网上零售", "网络零售", "电子商务", "电商", "网店")
_RX_ONLINE = re.compile("|".join(_ONLINE))


# A trade item that says 零售 only means the retail twin of a 批发 class its words name ("报刊零售": 报刊 is a
# word of 5144 报刊批发 -> 5243), and one that says 批发 only the wholesale twin of a 零售 class.
RETAIL_OF_WHOLESALE: dict[str, str] = {
    "5121": "5221", "5122": "5222", "5123": "5223", "5124": "5224", "5125": "5229", "5126": "5225",
    "5127": "5226", "5128": "5227", "5129": "5229", "5131": "5231", "5132": "5232", "5133": "5233",
    "5134": "5234", "5135": "5235", "5136": "5282", "5137": "5271", "5138": "5272", "5141": "5241",
    "5142": "5242", "5143": "5243", "5144": "5243", "5145": "5244", "5146": "5245", "5147": "5247",
    "5149": "5249", "5151": "5251", "5152": "5252", "5153": "5253", "5154": "5254", "5162": "5265",
    "5172": "5263", "5173": "5264", "5174": "5281", "5176": "5273", "5177": "5274", "5192": "5297",
    "5193": "5292",
}
WHOLESALE_OF_RETAIL: dict[str, str] = {r: w for w, r in RETAIL_OF_WHOLESALE.items() if w != "5144"}


@functools.cache
def _goods_of_trade() -> dict[str, str]:
    """trade class -> the goods class it sells, where `TRADE_OF_GOODS` names one goods code for it: that
    小类, or the catch-all 小类 (其他…) of that 大类 or 中类. A trade class's word in a 制造 or 研发 item names the
    goods ("箱包制造": 箱包 is a word of 5237 箱包零售)."""
    std = gbt4754.load()
    sources: dict[str, set[str]] = {}
    for prefix, pair in TRADE_OF_GOODS.items():
        for trade in pair:
            sources.setdefault(trade, set()).add(prefix)
    out: dict[str, str] = {}
    for trade, prefixes in sources.items():
        if len(prefixes) != 1:
            continue
        (prefix,) = prefixes
        kids = std.small_classes_under(prefix)
        catch = [c for c in kids if std.get(c).name.startswith("其他")]
        out[trade] = prefix if len(prefix) == 4 else (catch[-1] if catch else kids[-1])
    return out


@functools.cache
def _repair_or_rental() -> frozenset[str]:
    """The repair classes (大类 43, 中类 811-819) and the rental ones (大类 71)."""
    return frozenset(c.code for c in gbt4754.load().classes("class") if c.code[:2] in ("43", "71", "81"))


T = TypeVar("T")


def _by_prefix(table: dict[str, T], code: str) -> T | None:
    """The value of the longest prefix of `code` (小类, 中类, then 大类) that `table` holds."""
    for size in (4, 3, 2):
        found = table.get(code[:size])
        if found:
            return found
    return None


def trade_of_goods(code: str, retail: bool = False) -> str | None:
    """The 批发 (or 零售) class that sells the goods of `code`, or None."""
    pair = _by_prefix(TRADE_OF_GOODS, code)
    return None if pair is None else (pair[1] if retail else pair[0])


@dataclass(frozen=True)
class Entry:
    code: str
    weight: float
    source: str  # curated / name / stem / part / note / group / fallback


@functools.cache
def code_kind(code: str) -> str:
    """primary (门类 A-B: farming, mining), goods (C-D), build (E: construction, a service item's work),
    trade (大类 51-52) or service."""
    if code[:2] in ("51", "52"):
        return "trade"
    section = gbt4754.load().get(code).section
    return "primary" if section in "AB" else "goods" if section in "CD" else "build" if section == "E" else "service"


@functools.cache
def curated_terms() -> dict[str, tuple[tuple[str, ...], str]]:
    """term -> (codes, kind) from standards/data/scope_terms.csv."""
    path = resources.files("chanye.standards") / "data" / "scope_terms.csv"
    with path.open(encoding="utf-8") as handle:
        return {r["term"]: (tuple(r["codes"].split(";")), r["kind"]) for r in csv.DictReader(handle)}


@functools.cache
def vocabulary() -> dict[str, tuple[Entry, ...]]:
    """term -> the classes it names, strongest source first (curated > name > stem > part > note)."""
    std = gbt4754.load()
    table: dict[str, list[Entry]] = {}

    def add(term: str, entry: Entry) -> None:
        if entry.source != "curated" and (len(term) < 2 or term in _STOP or term in _VERB_OF):
            return
        entries = table.setdefault(term, [])
        if all(e.code != entry.code for e in entries):
            entries.append(entry)

    for term, (codes, _kind) in curated_terms().items():
        for code in codes:
            add(term, Entry(code, 1.0, "curated"))
    note_terms: dict[str, set[str]] = {}
    for cls in std.classes("class"):
        # A bracket in a name is read both ways: its words kept ("瓶罐装饮用水制造") and, as the parser drops every
        # bracket of a scope as a qualifier, without them ("瓶（罐）装饮用水制造" in a scope reads 瓶装饮用水制造).
        names = (cls.name.replace("（", "").replace("）", ""), _RX_NAME_BRACKET.sub("", cls.name))
        for name in dict.fromkeys(names):
            add(name, Entry(cls.code, 1.0, "name"))
            stem = _NAME_PREFIX.sub("", _NAME_SUFFIX.sub("", name))
            if stem != name:
                add(stem, Entry(cls.code, 0.9 if not cls.name.startswith("其他") else 0.6, "stem"))
            for part in _NAME_PARTS.split(stem):
                part = _NAME_PREFIX.sub("", part)
                if part != stem:
                    add(part, Entry(cls.code, 0.6, "part"))
        for frag in _NOTE_CUT.split(re.sub(r"不包括.*", "", cls.note or "")):
            frag = re.sub(r"^(?:从事|对|以|用于|将|各种|各类|其他)", "", frag.strip())
            frag = re.sub(r"(?:的制造|的生产|的加工|的活动|的服务|活动|制造|生产|服务)$", "", frag)
            if 4 <= len(frag) <= 12:
                note_terms.setdefault(frag, set()).add(cls.code)
    for frag, codes in note_terms.items():
        if len(codes) <= 2 and frag not in table:  # a note word shared by many classes names none of them
            for code in sorted(codes):  # sorted: set order changes with the process's hash seed
                add(frag, Entry(code, 0.5, "note"))
    # The 中类 and 大类 names (and their stems) name their catch-all 小类 ("通用设备制造" -> 3499 其他未列明通用设备
    # 制造业, "家具制造业" -> 2190), or every 小类 of a group of at most three; weaker than a 小类's own words, and
    # only where no 小类 word is the same. Names of four characters or more (one with a 、 is kept whole by
    # `_compound_terms`: "食品、饮料及烟草制品批发" -> 5129).
    for level in ("group", "division"):
        for grp in std.classes(level):
            kids = std.small_classes_under(grp.code)
            catch = [c for c in kids if std.get(c).name.startswith("其他")]
            codes = catch[-1:] or (kids if len(kids) <= 3 else [])
            name = grp.name.replace("（", "").replace("）", "")
            stem = _NAME_PREFIX.sub("", _NAME_SUFFIX.sub("", name))
            if stem in table or name in table:  # a 小类's word reads it already ("电池制造": 电池)
                continue
            for term in dict.fromkeys((name, stem)):
                if len(term) >= 4 and not term.startswith("其他"):
                    for code in codes:
                        add(term, Entry(code, 0.6, "group"))
    # Registrations shorten the standard's 零部件及配件 to 零配件 ("摩托车零配件制造" is 3752's 摩托车零部件及配件制造)
    for term in [t for t in table if "零部件及配件" in t]:
        for entry in tuple(table[term]):
            add(term.replace("零部件及配件", "零配件"), entry)
    # A consulting item whose field names no consulting class of its own ("汽车咨询", "物流咨询") is consulting
    # all the same: 咨询 is a weak word of 7249 其他专业咨询与调查 (weaker than a field's own word, even a 说明 word
    # of 0.5: 婚姻咨询 is 8070).
    table.setdefault("咨询", []).append(Entry("7249", 0.3, "fallback"))
    # Curated entries override the standard's readings of the same term.
    for term in curated_terms():
        table[term] = [e for e in table[term] if e.source == "curated"]
    return {t: tuple(e) for t, e in table.items()}


_END = ""  # the trie's end-of-term key


@functools.cache
def _trie() -> tuple[dict, frozenset[str]]:
    """The vocabulary as a character trie (a walk per start position instead of a lookup per substring)."""
    root: dict = {}
    for term in vocabulary():
        node = root
        for ch in term:
            node = node.setdefault(ch, {})
        node[_END] = term
    return root, frozenset(t for t in vocabulary() if _LATIN.search(t))


def _word_edge(text: str, start: int, end: int, term: str) -> bool:
    """A Latin term matches only as a whole word: no Latin letter right before or after it."""
    if _LATIN.match(term[0]) and start > 0 and _LATIN.match(text[start - 1]):
        return False
    return not (_LATIN.match(term[-1]) and end < len(text) and _LATIN.match(text[end]))


@functools.cache
def _starts() -> tuple[dict[str, dict], dict[str, str], re.Pattern[str] | None]:
    """The trie entered by a position's first two characters (most positions start no two-character prefix
    of a term: one lookup and on), the one-character terms by their character and a search for any of them."""
    root, _latin = _trie()
    two = {a + b: node for a, child in root.items() if a != _END for b, node in child.items() if b != _END}
    single = {ch: child[_END] for ch, child in root.items() if ch != _END and _END in child}
    return two, single, re.compile("[" + re.escape("".join(single)) + "]") if single else None


def find_terms(text: str) -> list[tuple[int, int, str]]:
    """Maximal vocabulary terms in `text`, longest first, non-overlapping: (start, end, term)."""
    _root, latin = _trie()
    two, single, rx_single = _starts()
    found: list[tuple[int, int, str]] = []
    n = len(text)
    enter = two.get
    for start in range(n - 1):
        node = enter(text[start : start + 2])  # most positions start no two-character prefix of a term
        if node is None:
            continue
        longest = None
        pos = start + 1
        while True:
            term = node.get(_END)
            if term is not None and (term not in latin or _word_edge(text, start, pos + 1, term)):
                longest = (start, pos + 1, term)
            pos += 1
            if pos == n:
                break
            node = node.get(text[pos])
            if node is None:
                break
        if longest is not None:
            found.append(longest)
    if rx_single is not None and rx_single.search(text) is not None:
        # A one-character term where no longer one starts (rare: the vocabulary has one or two).
        starts = {f[0] for f in found}
        for m in rx_single.finditer(text):
            start = m.start()
            term = single[text[start]]
            if start not in starts and (term not in latin or _word_edge(text, start, start + 1, term)):
                found.append((start, start + 1, term))
        found.sort()
    if len(found) < 2:
        return found
    # Terms that do not overlap are all kept (found is in order of start): the longest-first pass only
    # decides between overlapping ones.
    end = found[0][1]
    for f in found[1:]:
        if f[0] < end:
            break
        end = f[1]
    else:
        return found
    found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
    taken: list[tuple[int, int, str]] = []
    for f in found:
        if all(f[1] <= t[0] or f[0] >= t[1] for t in taken):
            taken.append(f)
    return sorted(taken)


_KIND_FIT = {  # item verb -> class kind -> factor
    "make": {"goods": 1.0, "primary": 0.5, "build": 0.5, "service": 0.35, "trade": 0.2},
    "farm": {"goods": 0.5, "primary": 1.0, "build": 0.35, "service": 0.35, "trade": 0.2},
    "rd": {"goods": 0.8, "primary": 0.5, "build": 0.5, "service": 1.0, "trade": 0.2},
    "service": {"goods": 0.5, "primary": 0.5, "build": 1.0, "service": 1.0, "trade": 0.4},
    "trade": {"goods": 0.35, "primary": 0.35, "build": 0.3, "service": 0.3, "trade": 1.0},
}


_RX_FILLER = re.compile("国内外|国内|境内外|境内|各类|各种")
# A 销售 item whose goods end in an equipment word no term reaches sells equipment, whatever the words before it
# name: those words say what the equipment serves ("管道运输设备销售" is no 陆地管道运输, "新能源汽车生产测试设备销售"
# sells no cars). It reads the trade class of machinery at large, 5179 其他机械设备及电子产品批发 (retail: 5299),
# and the words before weigh `MODIFIER_WEIGHT` of their reading.
_EQUIPMENT_HEADS = ("设备", "装备", "仪器", "仪表", "装置", "机械", "器械", "机具", "笼具")
EQUIPMENT_TRADE = ("5179", "5299")
MODIFIER_WEIGHT = 0.5
_WHOLE_MAKE_SERVICE = VERB_WEIGHT["service"] / VERB_WEIGHT["make"]


@functools.cache
def _term_info() -> dict[str, tuple[float, bool, tuple[tuple[str, float, str], ...]]]:
    """term -> (1 / sqrt(classes it names), curated?, ((code, weight, code_kind), ...)): what `_item_codes`
    needs of a vocabulary entry, looked up once per term instead of per match."""
    return {term: (1.0 / len(entries) ** 0.5, entries[0].source == "curated",
                   tuple((e.code, e.weight, code_kind(e.code)) for e in entries))
            for term, entries in vocabulary().items()}


@functools.lru_cache(maxsize=200_000)
def _item_codes(text: str, obj: str, verb: str) -> tuple[tuple[str, float, str, str], ...]:
    """(code, score before the item's weight, term, goods code sold) for one item: match quality x term weight
    x kind fit; the last field names the goods class a 销售 item's trade class sells ('' otherwise)."""
    out: dict[str, tuple[float, str, str]] = {}
    info = _term_info()
    fits = _KIND_FIT[verb]
    # One walk over the item (its object is inside it); quality measures the term against the object, the
    # part of the item that names what is made, sold or served.
    size = len(obj or text)
    if "各" in text or "内" in text:  # "国内各类广告": words of reach, not of what is made or served
        size -= sum(len(m) for m in _RX_FILLER.findall(obj or text))
    size = max(1, size)
    n = len(text)
    # What the item does to the goods it names: repairs, rents or installs them (its ending or its first word),
    # sells them on line (retail).
    mode, shop = "", False
    if verb == "service":
        core = text[:-2] if text.endswith(("服务", "业务", "活动")) else text  # "机械设备的租赁服务"
        if core.endswith(_REPAIR_ENDS) or core.startswith(_REPAIR_ENDS):  # "空调维修", "维修空调"
            mode = "repair"
        elif core.endswith(_RENTAL_ENDS) or core.startswith(_RENTAL_ENDS):
            mode = "rental"
        elif core.endswith(_INSTALL_ENDS) or core.startswith("安装"):
            mode = "install"
        elif work := next((m for m, ends in _WORK_ENDS.items() if core.endswith(ends)), ""):
            mode = work  # "特种设备设计", "船舶检验", "地质灾害治理工程监理"
        elif text.endswith("店") and not text.endswith(_NOT_SHOPS):  # "眼镜店": a shop retails its goods
            verb, fits, shop = "trade", _KIND_FIT["trade"], True
    # A repair or rental class needs its activity in the item: "计算机" is a word of 8121 计算机和辅助设备修理
    # and 7114 计算机及通讯设备经营租赁, but "计算机网络工程服务" neither mends nor rents computers. A curated
    # term names the activity itself ("皮革护理" is 8192 鞋和皮革修理).
    repairs = _RX_REPAIR.search(text) is not None if "修" in text or "维" in text or "保养" in text else False
    repair_rental = _repair_or_rental()
    goods_of_trade = _goods_of_trade()
    rents = "租" in text
    retail = shop or ("零售" in text and "批发" not in text) or (verb == "trade" and "批发" not in text and _RX_ONLINE.search(text) is not None)
    wholesale = "批发" in text  # "批发、零售X" reads the 批发 class
    found = find_terms(text)
    head = -1  # where the equipment word of a 销售 item's goods starts, when no term reaches it
    goods_text = obj or text
    if verb == "trade" and goods_text.endswith(_EQUIPMENT_HEADS) and (at := text.rfind(goods_text)) >= 0:
        head = at + len(goods_text) - 2
        if any(end > head for _s, end, _t in found):
            head = -1
    for start, end, term in found:
        share = (end - start) / size
        quality = 0.5 + 0.5 * (share if share < 1.0 else 1.0)  # min(1.0, share), without the call
        spread, curated, entries = info[term]  # spread: a term naming several classes is weaker evidence for each
        # A curated term that is the whole item ("广告制作", "餐饮服务") carries its own activity word: the
        # item's verb cannot contradict it.
        whole = start == 0 and end == n and curated
        for code, weight, kind in entries:
            goods = ""
            if not whole:
                if code in repair_rental and not curated and not (rents if code[:2] == "71" else repairs):
                    if code not in GOODS_OF_SERVICE or verb == "service":  # a service item: another service
                        continue
                    code, kind = GOODS_OF_SERVICE[code], "goods"  # making or selling what a repairer mends
                elif kind == "trade" and verb in ("make", "rd") and code in goods_of_trade:
                    # making what a trade class sells: a derived reading, weaker than a goods word's own
                    code, kind, weight = goods_of_trade[code], "goods", weight * DERIVED_WEIGHT
                elif mode == "inspect" and kind in ("goods", "trade", "primary"):
                    code, kind = INSPECTION, "service"  # testing goods, sold ("种子" of 5112) or made
                elif mode in _SERVICE_OF_GOODS and kind in ("goods", "trade"):
                    # repairing, renting, installing or designing goods: that service
                    goods_code = goods_of_trade.get(code) if kind == "trade" else code  # "灯具安装": 灯具 of 5282
                    served = _by_prefix(_SERVICE_OF_GOODS[mode], goods_code) if goods_code else None
                    if served:
                        code, kind = served, "service"
                elif mode in WORK_ON_WORKS and code[:2] in _WORKS:
                    # (an interior's design is 专业设计, not the 工程设计 of works: "室内装饰设计")
                    code = "7492" if mode == "design" and code[:2] == "50" else WORK_ON_WORKS[mode]
                    kind = "service"
                elif verb == "trade" and kind == "trade":
                    if retail:
                        code = RETAIL_OF_WHOLESALE.get(code, code)
                    elif wholesale:
                        code = WHOLESALE_OF_RETAIL.get(code, code)
            if verb == "trade" and kind in ("goods", "primary") and not whole:
                # selling goods: the trade class of those goods
                traded = trade_of_goods(code, retail=retail)
                if traded:
                    code, kind, goods = traded, "trade", code
            fit = fits[kind]
            if whole:  # its weight is a service's when a 制作 item names a service ("广告制作")
                fit = _WHOLE_MAKE_SERVICE if verb == "make" and kind in ("service", "build") else 1.0
            score = quality * weight * fit * spread
            if head >= 0:
                score *= MODIFIER_WEIGHT
            held = out.get(code)
            if score > (held[0] if held is not None else 0.0):
                out[code] = (score, term, goods)
    if head >= 0:  # the equipment word read as a term of its own: the trade class of machinery
        trade, quality = EQUIPMENT_TRADE[retail], 0.5 + 0.5 * min(1.0, 2 / size)
        if quality > out.get(trade, (0.0,))[0]:
            out[trade] = (quality, text[head:head + 2], "")
    if len(out) == 1:
        ((c, (s, t, g)),) = out.items()
        return ((c, round(s, 4), t, g),)
    catch_all = _service_catch_alls()
    if verb == "service" and not catch_all.isdisjoint(out):
        named = [(s, t) for c, (s, t, _g) in out.items() if c not in catch_all and code_kind(c) == "service"]
        if named:
            # only a catch-all no stronger than the best named class yields (a tie, mostly); the named class's
            # own term may name a catch-all too: that one stays whole
            top, term = max(named)
            out = {c: (s * CATCH_ALL_WEIGHT, t, g) if c in catch_all and s <= top and t != term else (s, t, g)
                   for c, (s, t, g) in out.items()}
    ranked = sorted(((c, round(s, 4), t, g) for c, (s, t, g) in out.items()), key=lambda r: (-r[1], r[0]))
    return tuple(ranked[:6])


# --- the reader ---------------------------------------------------------------------------------------------


@dataclass
class Reading:
    """What the reader made of one scope."""

    codes: tuple[str, ...]  # accepted 小类 (empty: abstained)
    probability: float  # of the best class
    suggestions: list[dict] = field(default_factory=list)  # top-k: code, name, probability, evidence
    nearest: bool = False  # no word read: the suggestions are the classes nearest the wording (`nearest_reading`)

    @property
    def accepted(self) -> bool:
        return bool(self.codes)


_MAKING = frozenset(("make", "farm", "rd"))
_VERB_ZH = {"make": "制造", "farm": "种养采掘", "rd": "研发", "service": "服务", "trade": "销售"}
_SECTION_ZH = {"main": "主营", "general": "一般项目", "licence": "许可项目", "free": "经营范围"}


@functools.cache
def _names() -> dict[str, str]:
    return {c.code: c.name for c in gbt4754.load().classes("class")}


@functools.cache
def _service_catch_alls() -> frozenset[str]:
    """The service 小类 that hold what their 中类's other classes do not (其他…)."""
    return frozenset(c for c, name in _names().items() if name.startswith(("其他", "其它")) and code_kind(c) == "service")


@functools.cache
def _calibration() -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The isotonic curve raw margin -> P(right) (tools/build_scope_calibration.py); identity when not shipped."""
    path = resources.files("chanye.standards") / "data" / "scope_calibration.csv"
    if not path.is_file():
        return (0.0, 1.0), (0.0, 1.0)
    with path.open(encoding="utf-8") as handle:
        rows = [(float(r["raw"]), float(r["calibrated"])) for r in csv.DictReader(handle)]
    return tuple(x for x, _ in rows), tuple(y for _, y in rows)


def calibrated(raw: float) -> float:
    """P(the best class is right) for a raw margin, by linear interpolation on the shipped isotonic curve."""
    return interpolate(*_calibration(), raw)


def interpolate(xs: Sequence[float], ys: Sequence[float], raw: float) -> float:
    """An isotonic curve's value at `raw`: linear between knots (xs ascending), flat beyond the ends."""
    if raw <= xs[0]:
        return ys[0]
    i = bisect.bisect_left(xs, raw, 1)  # the first knot at or above raw
    if i == len(xs):
        return ys[-1]
    x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]  # x0 < raw <= x1, so x0 < x1
    return y0 + (y1 - y0) * (raw - x0) / (x1 - x0)


def read_scope(text: str | None, *, threshold: float = THRESHOLD, k: int = TOP_K, calibrate: bool = True,
               curve: Callable[[float], float] | None = None) -> Reading:
    """One scope's classes: accepted codes (or none: abstain), the best probability (calibrated on the shipped
    curve, or on `curve` (a registry's own, `classify.learned.OwnCurve`); `calibrate=False` gives the raw
    margin) and the top-k with evidence."""
    curve = curve or calibrated
    items, item_codes, all_generic, lead_kind = _plan(text)
    scores: dict[str, float] = {}
    best: dict[str, tuple[float, tuple, str]] = {}  # code -> (score, item fields, term) of its best item
    sold: list[tuple[str, str, float]] = []  # (trade class, goods class, score): a maker selling its goods
    # Only stock items (货物进出口, 技术服务……): they are all the firm says, so they count in full.
    restore = 1.0 / GENERIC_WEIGHT if all_generic else 1.0
    get_score, get_best = scores.get, best.get
    for item, codes in zip(items, item_codes, strict=True):
        weight = item[6]  # Item fields: text, section, verb, object, position, generic, weight
        for code, base, term, goods in codes:
            value = base * weight
            if restore != 1.0:
                value *= restore
            scores[code] = get_score(code, 0.0) + value
            if goods or (item[2] == "trade" and code[0] == "5"):
                sold.append((code, goods, value))
            held = get_best(code)
            if value > (held[0] if held is not None else 0.0):
                best[code] = (value, item, term)
    # What the firm makes: the classes of its 制造/种养/研发 items and of a goods list with no verb ("雷达整机").
    made = {c[0] for item, codes in zip(items, item_codes, strict=True)
            if item[2] in _MAKING or (item[2] == "service" and not _ends(item[0], _SERVICE_ENDS, _RX_SERVICE_END))
            for c in codes} if sold else set()
    # A trade item whose words name no goods class ("食品销售", a curated trade term) sells what the firm makes
    # when its class is a trade class of a class made in the 大类 it makes most in ("调味品生产；食品销售": 5229
    # is 1469's retail twin). Not for a firm whose main, first, item sells: a trader that also processes
    # something ("水产品批发；……；水产品冷冻加工") keeps its trade unless the goods it sells are those it makes.
    sellers: dict[str, str] = {}
    if made and lead_kind != "trade":
        ranked_made = sorted(made, key=lambda c: (-scores.get(c, 0.0), c))
        for m in ranked_made:
            if m[:2] == ranked_made[0][:2]:  # what it makes most, and what it makes beside it in that 大类
                for t in (trade_of_goods(m), trade_of_goods(m, retail=True)):
                    if t:
                        sellers.setdefault(t, m)
    for trade, goods, value in sold:  # selling what it makes is part of making it, not a rival activity
        # (only what an item makes: "首饰的设计" names 首饰's class, but a jeweller that designs is no maker)
        if goods not in made:
            goods = sellers.get(trade, "")
        if goods and trade in scores and goods != trade:
            moved = min(value, scores[trade])
            scores[trade] -= moved
            scores[goods] += moved
            if scores[trade] <= 1e-9:
                del scores[trade]
    if not scores:
        return nearest_reading(items, k) if items else Reading((), 0.0, [])
    # Best first, ties by code: (-score, code) tuples sort in that order without a key function.
    ranked = sorted([(-s, c) for c, s in scores.items()])
    s1 = -ranked[0][0]
    s2 = -ranked[1][0] if len(ranked) > 1 else 0.0
    s3 = -ranked[2][0] if len(ranked) > 2 else 0.0
    top = [(c, -s) for s, c in ranked[:k]]
    total = sum(s for _, s in top) + MARGIN_PRIOR
    names = _names()
    suggestions = []
    for c, s in top:
        _, item, term = best[c]
        suggestions.append({
            "code": c, "name": names[c], "probability": round(s / total, 4),
            "evidence": f"“{item[0]}”（{_SECTION_ZH[item[1]]}第{item[4] + 1}项，{_VERB_ZH[item[2]]}，词“{term}”）→ {c} {names[c]}",
        })
    p1 = s1 / (s1 + s2 + MARGIN_PRIOR)
    if calibrate:
        p1 = curve(p1)
    codes: tuple[str, ...] = ()
    second = False
    if len(ranked) > 1 and s2 >= SECOND_SHARE * s1:
        # Two real main activities: different 中类, each the best of a non-generic main item of its own.
        c1, c2 = ranked[0][1], ranked[1][1]
        i1, i2 = best[c1][1], best[c2][1]  # position 4, generic 5, verb 2
        second = (c1[:3] != c2[:3] and i1[4] != i2[4] and not (i1[5] or i2[5])
                  and i1[2] in ("make", "service") and i2[2] in ("make", "service"))
    if p1 >= threshold:
        codes = (ranked[0][1], ranked[1][1]) if second else (ranked[0][1],)
    elif second:
        joint = (s1 + s2) / (s1 + s2 + s3 + MARGIN_PRIOR)
        joint = curve(joint) if calibrate else joint
        if joint >= threshold:
            codes, p1 = (ranked[0][1], ranked[1][1]), joint
    return Reading(codes, round(p1, 4), suggestions)


NEAREST_FLOOR = 0.1  # the least cosine a nearest class needs: one common bigram shared is no likeness
NEAREST_ITEMS = 3  # the first non-stock items searched


@functools.cache
def _nearest_index() -> BigramIndex:
    """Each 小类's words: its name and the curated terms that name it."""
    documents = {code: [name] for code, name in _names().items()}
    for term, (codes, _kind) in curated_terms().items():
        for code in codes:
            documents[code].append(term)
    return BigramIndex(documents)


def nearest_reading(items: Sequence[tuple], k: int = TOP_K) -> Reading:
    """A scope in which no word of the vocabulary is found (`_plan`'s items): the classes nearest the wording of
    its first non-stock items, as suggestions for the analyst who reviews the firm, never accepted (p 0: the
    reader has no evidence). A 销售 item's goods class becomes its trade class, as a read item's does."""
    index, best = _nearest_index(), {}
    for item in [i for i in items if not i[5]][:NEAREST_ITEMS]:  # Item fields: text 0, verb 2, generic 5
        for like, similarity in index.nearest(item[0], k, NEAREST_FLOOR):
            code = like
            if item[2] == "trade" and code_kind(like) in ("goods", "primary"):
                code = trade_of_goods(like, retail="零售" in item[0] and "批发" not in item[0]) or like
            if similarity > best.get(code, (0.0,))[0]:
                best[code] = (similarity, item, like)
    names = _names()
    suggestions = []
    for c, (similarity, item, like) in sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))[:k]:
        sold = f"，销售 → {c} {names[c]}" if like != c else ""
        suggestions.append({"code": c, "name": names[c], "probability": 0.0, "similarity": similarity, "evidence": (
            f"“{item[0]}”（{_SECTION_ZH[item[1]]}第{item[4] + 1}项）无词表词语，与 {like} {names[like]} 的名称和词语"
            f"字面相近（相似度 {similarity:.2f}）{sold}；仅供复核")})
    return Reading((), 0.0, suggestions, nearest=True)


class ScopeReader:
    """Vectorised front of `read_scope`, with an optional model learned from labelled rows (`learned`)."""

    def __init__(self, threshold: float = THRESHOLD, learned=None) -> None:
        self.threshold = threshold
        self.learned = learned

    def read(self, scopes: Iterable[str | None]) -> list[Reading]:
        texts = list(scopes)
        # a registry's own curve (fitted on its coded firms) replaces the shipped one when the model has it
        curve = getattr(self.learned, "curve", None)
        readings = [read_scope(t, threshold=self.threshold, curve=curve) for t in texts]
        if self.learned is not None:
            readings = self.learned.combine(texts, readings, self.threshold)
        return readings

    def frame(self, scopes: Iterable[str | None]) -> pd.DataFrame:
        """code (best or None), codes (accepted), probability, decision ('accept' | 'review' | 'empty': no word
        read, the suggestions, if any, only the nearest classes; both go to the review queue)."""
        rows = []
        for r in self.read(scopes):
            decision = "accept" if r.accepted else ("empty" if r.nearest or not r.suggestions else "review")
            best = r.suggestions[0]["code"] if r.suggestions else None
            rows.append({"code": r.codes[0] if r.codes else best, "codes": list(r.codes),
                         "probability": r.probability, "decision": decision, "suggestions": r.suggestions})
        return pd.DataFrame(rows, columns=["code", "codes", "probability", "decision", "suggestions"])
