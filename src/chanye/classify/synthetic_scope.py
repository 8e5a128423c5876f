"""Synthetic business scopes (经营范围) for a GB/T 4754-2017 小类: 示例数据, never real registrations.

There are no real business scopes in this project, yet the text classifier needs held-out texts to be measured
on and the demo database needs scopes that look like the ones analysts see. This module composes them from
the standard itself:

- *name items*: the 小类 name ("锂离子电池制造") and its stem with another verb ("锂离子电池销售");
- *说明 items*: clauses and list members of the class's 说明, its exclusions ("不包括……") removed, with an
  activity verb appended ("电影摄影机制造"); a class without a 说明 borrows its 中类's;
- *node keywords* the caller passes (a framework node's typical words, "动力电池研发");
- *noise*: items almost every firm lists (货物进出口, 技术服务, 企业管理咨询, ...) and now and then an item
  of an unrelated class, as firms do;
- *boilerplate*: "一般项目：", "许可项目：" and the bracketed legal notes, in full- or half-width brackets.

`use_name=False` leaves the name items out, so an evaluation can test phrasing the classifier was not seeded
with word for word. The same (codes, seed) always give the same texts.

    rng = numpy.random.default_rng(0)
    scope_for_code("3841", rng, ["动力电池"])
    scopes_for_codes(["3841", "2720"] * 1000, rng)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from chanye.standards import gbt4754

# Items that almost every registered scope carries, whatever the industry.
GENERIC_ITEMS: tuple[str, ...] = (
    "货物进出口",
    "技术进出口",
    "进出口代理",
    "企业管理咨询",
    "信息咨询服务（不含许可类信息咨询服务）",
    "技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广",
    "市场营销策划",
    "会议及展览服务",
    "办公用品销售",
    "日用百货销售",
    "非居住房地产租赁",
    "机械设备租赁",
    "社会经济咨询服务",
    "劳务服务（不含劳务派遣）",
    "广告设计、代理",
    "信息技术咨询服务",
    "包装服务",
    "普通货物仓储服务（不含危险化学品等需许可审批的项目）",
    "国内贸易代理",
    "销售代理",
    "供应链管理服务",
    "五金产品批发",
    "物业管理",
    "企业形象策划",
    "专业设计服务",
)

_GENERAL_HEAD = ("一般项目：", "一般经营项目：", "经营范围：", "")
_GENERAL_TAIL = (
    "（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）",
    "(除依法须经批准的项目外,凭营业执照依法自主开展经营活动)",
    "",
)
_LICENSED_HEAD = ("许可项目：", "许可经营项目：")
_LICENSED_TAIL = (
    "（依法须经批准的项目，经相关部门批准后方可开展经营活动，具体经营项目以相关部门批准文件或许可证件为准）",
    "(依法须经批准的项目,经相关部门批准后方可开展经营活动)",
)
_FINAL = (
    "",
    "",
    "",
    "以上项目不涉及外商投资准入特别管理措施",
    "（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
)
_SEPARATORS = ("；", "；", "、", "，", ";")

# Verbs appended to a stem, by 门类 (A agriculture, B mining, C manufacturing, D utilities, E construction,
# F trade, G transport, I software); the other sections are services.
_VERBS = {
    "A": ("种植", "养殖", "销售", "技术推广"),
    "B": ("开采", "采选", "销售", "加工"),
    "C": ("制造", "生产", "加工", "销售", "研发", "批发", "制造；销售"),
    "D": ("生产", "供应", "销售", "运营"),
    "E": ("施工", "工程施工", "工程设计", "安装"),
    "F": ("销售", "批发", "零售", "进出口"),
    "G": ("服务", "运输", "代理", "仓储"),
    "I": ("开发", "服务", "咨询", "运营"),
}
_VERBS_OTHER = ("服务", "", "咨询", "")

_NAME_SUFFIX = re.compile(
    r"(?:制造|加工|生产|服务|种植|养殖|饲养|批发|零售|采选|开采|冶炼|修理|活动|施工|建筑|业)+$"
)
_NAME_PREFIX = re.compile(r"^其他(?:未列明)?")
_EXCLUSION = re.compile(r"[，；,]?(?:但|也)?不(?:包括|含)[^；。]*")
_CLAUSE = re.compile(r"[，；。：:]")
_MEMBER = re.compile(r"[、]|以及|或者|及|和|或")
_LEAD = re.compile(r"^(?:指|是指|包括|以及|其中|还包括|含|主要|专门|为|对|从事|各种|各类|用于|利用)+")
_TRAIL = re.compile(r"(?:等|的|活动|等的|之)+$")
_OF_VERB = re.compile(r"的(制造|生产|加工|活动|服务)$")


@dataclass(frozen=True)
class _Phrasebook:
    """The items one 小类 can contribute to a scope."""

    name_items: tuple[str, ...]
    note_items: tuple[str, ...]


def _verbs(section: str) -> tuple[str, ...]:
    return _VERBS.get(section, _VERBS_OTHER)


def note_fragments(note: str) -> list[str]:
    """Clauses and list members of a 说明, exclusions removed, leading 指/包括 and trailing 等/的 stripped."""
    text = _EXCLUSION.sub("", note or "")
    out: list[str] = []
    for clause in _CLAUSE.split(text):
        clause = _OF_VERB.sub(r"\1", _LEAD.sub("", clause.strip()))
        clause = _TRAIL.sub("", clause)
        if 2 <= len(clause) <= 40:
            out.append(clause)
        if "、" in clause or "及" in clause or "和" in clause:
            for member in _MEMBER.split(clause):
                member = _TRAIL.sub("", _LEAD.sub("", member.strip()))
                if 2 <= len(member) <= 20 and member != clause:
                    out.append(member)
    return list(dict.fromkeys(out))


@functools.cache
def _phrasebook(code: str) -> _Phrasebook:
    std = gbt4754.load()
    cls = std.get(code)
    verbs = _verbs(cls.section)
    stem = _NAME_PREFIX.sub("", _NAME_SUFFIX.sub("", cls.name)) or cls.name
    name_items = [cls.name] + [stem + v for v in verbs if stem + v != cls.name]
    note = cls.note
    if not note and cls.parent:
        note = std.get(cls.parent).note
    note_items: list[str] = []
    for frag in note_fragments(note):
        note_items.append(frag)
        if not frag.endswith(("制造", "生产", "加工", "服务", "销售")):
            note_items.extend(frag + v for v in verbs[:3] if v)
    if not note_items:  # no 说明 anywhere above it: fall back to the stem with verbs
        note_items = [stem + v for v in verbs]
    return _Phrasebook(tuple(dict.fromkeys(name_items)), tuple(dict.fromkeys(note_items)))


@functools.cache
def _all_class_names() -> tuple[str, ...]:
    return tuple(c.name for c in gbt4754.load().classes("class"))


def _pick(seq: Sequence[str], u: float) -> str:
    return seq[int(u * len(seq))]


_N_RANDOM = 24  # uniforms drawn per row


def scopes_for_codes(
    codes: Sequence[str],
    rng: np.random.Generator,
    keywords_by_code: dict[str, list[str]] | None = None,
    *,
    use_name: bool = True,
) -> list[str]:
    """One synthetic scope per code (a 4-digit GB/T 4754-2017 小类), drawn from `rng`.

    `keywords_by_code` adds a framework node's words to the firms of its codes (each firm gets one or two of
    them, as an item of its own or glued to a verb). `use_name=False` keeps the class name out of the text.
    Raises UnknownCode for a code the standard lacks.
    """
    keywords_by_code = keywords_by_code or {}
    u = rng.random((len(codes), _N_RANDOM))
    names = _all_class_names()
    out: list[str] = []
    for i, code in enumerate(codes):
        r = u[i]
        book = _phrasebook(str(code))
        core: list[str] = []
        if use_name:
            core.append(book.name_items[0] if r[0] < 0.6 else _pick(book.name_items, r[1]))
            n_note = int(r[2] * 3)  # 0..2 more items from the 说明
        else:
            n_note = 1 + int(r[2] * 3)  # 1..3
        for j in range(n_note):
            item = _pick(book.note_items, r[3 + j])
            if item not in core:
                core.append(item)
        keywords = keywords_by_code.get(str(code))
        if keywords and r[6] < 0.7:
            word = _pick(keywords, r[7])
            core.insert(
                int(r[8] * (len(core) + 1)), word + _pick(("", "研发", "制造", "销售", "技术开发"), r[9])
            )
        if r[10] < 0.25:  # an unrelated activity
            core.append(_pick(names, r[11]))
        generic = [_pick(GENERIC_ITEMS, r[12 + j]) for j in range(int(r[15] * 5))]
        items = core + [g for g in dict.fromkeys(generic) if g not in core]
        sep = _pick(_SEPARATORS, r[16])
        general = _pick(_GENERAL_HEAD, r[17]) + sep.join(items) + _pick(_GENERAL_TAIL, r[18])
        if r[19] < 0.2:
            general += _pick(_LICENSED_HEAD, r[20]) + _pick(
                ("道路货物运输", "食品销售", "第二类增值电信业务"), r[21]
            )
            general += _pick(_LICENSED_TAIL, r[22])
        out.append(general + _pick(_FINAL, r[23]))
    return out


def scope_for_code(
    code: str, rng: np.random.Generator, node_keywords: Sequence[str] = (), *, use_name: bool = True
) -> str:
    """One synthetic scope for one 小类; the same as `scopes_for_codes([code], rng, ...)[0]`."""
    keywords = {str(code): list(node_keywords)} if node_keywords else None
    return scopes_for_codes([code], rng, keywords, use_name=use_name)[0]


# Stock items of today's registrations (规范表述 wording) that service firms list after their main item.
_SERVICE_STOCK: tuple[str, ...] = (
    "技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广",
    "信息咨询服务（不含许可类信息咨询服务）",
    "企业管理咨询",
    "市场营销策划",
    "会议及展览服务",
    "日用百货销售",
    "办公用品销售",
    "非居住房地产租赁",
    "广告设计、代理",
    "组织文化艺术交流活动",
    "礼仪服务",
    "停车场服务",
    "物业管理",
    "互联网销售（除销售需要许可的商品）",
    "货物进出口",
    "食品销售（仅销售预包装食品）",
)


def registry_style_scopes(
    codes: Sequence[str], rng: np.random.Generator, phrases: dict[str, Sequence[str]]
) -> list[str]:
    """Scopes written the way service firms register (示例数据): the main item first, in the wording `phrases`
    gives for its class (e.g. the curated vocabulary and the class name), then 0-4 related activities of other
    classes of the same 大类 (else 门类) and stock items, now and then the main item under 许可项目 listed first.
    One scope in five lists a related activity before the main one (firms do not always put their declared
    class first), so a reader that trusts the first item is not rewarded beyond what registrations warrant.

    The label of each scope is its main (first) item's class. Codes without phrases raise KeyError; the same
    (codes, phrases, seed) always give the same texts.
    """
    std = gbt4754.load()
    by_division: dict[str, list[str]] = {}
    by_section: dict[str, list[str]] = {}
    for code in sorted(phrases):
        by_division.setdefault(code[:2], []).append(code)
        by_section.setdefault(std.get(code).section, []).append(code)
    u = rng.random((len(codes), 17))
    out: list[str] = []
    for i, code in enumerate(codes):
        r = u[i]
        main = _pick(phrases[code], r[0])
        kin = [c for c in by_division[code[:2]] if c != code] or [
            c for c in by_section[std.get(code).section] if c != code]
        related: list[str] = []
        for j in range(int(r[1] * 3)):  # 0..2 related activities
            if kin:
                other = _pick(kin, r[2 + j])
                related.append(_pick(phrases[other], r[5 + j]))
        stock = [_pick(_SERVICE_STOCK, r[8 + j]) for j in range(int(r[11] * 3))]  # 0..2 stock items
        rest = [x for x in dict.fromkeys(related + stock) if x != main]
        if related and related[0] != main and r[16] < 0.2:  # the declared class listed second
            main, rest = related[0], [x for x in dict.fromkeys([main, *related[1:], *stock]) if x != related[0]]
        if r[12] < 0.25:  # a licensed main activity, 许可项目 written first
            text = (_pick(_LICENSED_HEAD, r[13]) + main + _pick(_LICENSED_TAIL, r[14])
                    + ("一般项目：" + "；".join(rest) + _GENERAL_TAIL[0] if rest else ""))
        else:
            text = _pick(_GENERAL_HEAD, r[13]) + "；".join([main, *rest]) + _pick(_GENERAL_TAIL, r[14])
        out.append(text + _pick(_FINAL, r[15]))
    return out
