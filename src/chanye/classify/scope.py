"""Business-scope (经营范围) text: strip the registration boilerplate, split into items.

A registered business scope mixes the activities a firm may carry on with legal boilerplate that every
registration office appends ("依法须经批准的项目，经相关部门批准后方可开展经营活动", "一般项目：", ...). The
boilerplate says nothing about the industry and, left in, it makes every firm look alike to a text model and
can trip keyword rules. `clean_scope` removes it; `split_scope` cuts a scope into its items.

Both have vectorised twins over a pandas Series (`clean_scopes`, `split_scopes`) that run the same regular
expressions through pandas' string methods, so a million scopes clean in seconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

# Half-width punctuation -> the full-width forms Chinese registrations mostly use, and a line break (a cell's
# Alt+Enter between items; also the Unicode line breaks U+0085, U+2028, U+2029) -> ；, before whitespace goes:
# "电池制造\n服装制造" is two items, not one. Applied first, so every pattern below needs to know only one form.
_WIDTH = str.maketrans({"(": "（", ")": "）", ":": "：", ";": "；", ",": "，", "[": "【", "]": "】",
                        **dict.fromkeys("\n\r\x85\u2028\u2029", "；")})

# Phrases that only boilerplate contains. A bracketed clause containing one is dropped whole; so is an
# unbracketed sentence (up to the next 。；) containing one.
_BOILER_PHRASES = (
    "依法须经批准",
    "依法需经批准",
    "经相关部门批准后",
    "经有关部门批准后",
    "批准后方可",
    "许可后方可",
    "方可开展经营",
    "方可经营",
    "许可证件为准",
    "批准文件为准",
    "许可证为准",
    "凭营业执照",
    "自主开展经营",
    "外商投资准入",
    "特别管理措施",
    "不得经营",
    "禁止经营",
    "禁止的项目",
    "限制的项目",
    "登记前须经批准",
    "取得许可后",
    "取得相关许可",
    "取得有关部门",
    "涉及许可经营",
    "涉及行政许可",
    "涉及专项审批",
    "法律、法规",
    "法律法规",
)
_PHRASE = "|".join(re.escape(p) for p in _BOILER_PHRASES)

# 1. A bracketed clause (no nested brackets) that contains a boilerplate phrase.
_BRACKETED = rf"[（【〔][^（）【】〔〕]*?(?:{_PHRASE})[^（）【】〔〕]*?[）】〕]"
# 2. Stock boilerplate sentences written without brackets, removed wherever they stand (even glued to the
#    item before them, as in "……技术推广以上项目不涉及外商投资准入特别管理措施").
_STOCK = "|".join(
    (
        r"以上(?:经营)?(?:项目|范围)?均?不涉及外商投资准入特别管理措施(?:范围内的?项目)?",
        r"除?依法须经批准的项目外?[，]?(?:经相关部门批准后方可开展经营活动|凭营业执照依法自主开展经营活动)",
        r"具体经营项目以[^。；，、]*为准",
        r"法律[、]?(?:行政)?法规[^。；，]*?(?:除外|不得经营|方可经营)",
        r"涉及许可经营项目[^。；]*?方可经营",
    )
)
# 3. Any other unbracketed clause that contains a phrase: between the separators 。；，、 around it.
_SENTENCE = rf"[^。；，、\n]*(?:{_PHRASE})[^。；，、\n]*"
# What steps 1-3 need to find in a scope (`clean_scopes` runs them only where it is).
_BOILER = rf"(?:{_PHRASE})|(?:{_STOCK})"
# 4. Section labels: 一般项目：, 许可项目：, 一般经营项目：, 许可经营项目：, 经营范围：, 主营：, 兼营：.
_LABEL = (
    r"(?:一般|许可|前置许可|后置许可)?(?:经营)?项目[：]|经营范围[：]|主营[：]|兼营[：]|[0-9０-９]{1,2}[、．]"
)

# Whitespace, spelled out: pyarrow's RE2 (which pandas uses when it can) has a narrower \s than Python.
_WS = "[ \t\r\n\f\v\u3000\xa0]+"
_HALF_WIDTH = "[" + re.escape("".join(map(chr, _WIDTH))) + "]"  # any character `_WIDTH` replaces
# A removed clause leaves a "；" so the items on either side stay apart; runs of separators collapse to one.
_SEP_RUN = r"[；。，、]*[；。][；。，、]*"
_SEP_PAIR = "[；。，、][；。，、]|。"  # what a run `_SEP_RUN` changes holds (a lone ； it leaves as it is)
_EDGE = "；。，、"  # stripped from both ends

_RX_BRACKETED = re.compile(_BRACKETED)
_RX_STOCK = re.compile(_STOCK)
_RX_SENTENCE = re.compile(_SENTENCE)
_RX_LABEL = re.compile(_LABEL)
_RX_WS = re.compile(_WS)
_RX_SEP_RUN = re.compile(_SEP_RUN)

_SPLIT = r"[；;、,，。\n]+"
_RX_SPLIT = re.compile(_SPLIT)
_ITEM_STRIP = " \t\r　：:"


def clean_scope(text: str | None) -> str:
    """The scope without boilerplate, with full-width punctuation and no whitespace; '' for None/NaN."""
    if text is None or not isinstance(text, str):
        return ""
    out = text.translate(_WIDTH)
    out = _RX_WS.sub("", out)
    out = _RX_BRACKETED.sub("；", out)
    out = _RX_STOCK.sub("；", out)
    out = _RX_SENTENCE.sub("；", out)
    out = _RX_LABEL.sub("；", out)
    out = _RX_SEP_RUN.sub("；", out)
    return out.strip(_EDGE)


def split_items(cleaned: str) -> list[str]:
    """Split an already cleaned scope into items (no boilerplate removal; see `split_scope`)."""
    return [item for part in _RX_SPLIT.split(cleaned) if (item := part.strip(_ITEM_STRIP))]


def split_scope(text: str | None) -> list[str]:
    """A scope's items, split on ；;、,，。 and newlines, boilerplate removed, empty items dropped."""
    return split_items(clean_scope(text))


def clean_scopes(texts: pd.Series | Iterable[str | None], *, arrow: bool = False) -> pd.Series:
    """`clean_scope` over a Series (index kept); missing values become ''. Objects (str), or with `arrow` the
    Arrow-backed text the callers that search it with pandas' string methods want (no round trip)."""
    series = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
    out = series.astype("string").fillna("")
    out = _where_found(out, _HALF_WIDTH, [(chr(old), new, False) for old, new in _WIDTH.items()])
    out = out.str.replace(_WS, "", regex=True)
    out = _where_found(out, _BOILER, [(_BRACKETED, "；", True), (_STOCK, "；", True), (_SENTENCE, "；", True)])
    out = out.str.replace(_LABEL, "；", regex=True)
    out = _where_found(out, _SEP_PAIR, [(_SEP_RUN, "；", True)])
    out = out.str.strip(_EDGE)
    return out.astype("str") if arrow else out.astype(object)


def _where_found(texts: pd.Series, find: str, steps: list[tuple[str, str, bool]]) -> pd.Series:
    """`texts` with the replacements `steps` (pattern, replacement, regex) made, in order, on the texts where
    `find` matches: `find` names what each step needs, so the others would come out unchanged (one search pass
    instead of a replacement pass per step over every text)."""
    hit = texts.str.contains(find, regex=True).to_numpy(dtype=bool)
    if not hit.any():
        return texts
    some = texts[hit]
    for pattern, replacement, regex in steps:
        some = some.str.replace(pattern, replacement, regex=regex)
    texts = texts.copy()
    texts[hit] = some
    return texts


def split_scopes(texts: pd.Series | Iterable[str | None]) -> pd.Series:
    """`split_scope` over a Series: a Series of item lists (index kept)."""
    return clean_scopes(texts).map(split_items)
