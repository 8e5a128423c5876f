"""Vectorised parsers for messy spreadsheet values (Chinese number formats, unit words, dates, yes/no, tags).

Every parser takes a pandas Series and returns a `ParseResult`: `.values` (the parsed Series) and `.error`
(an object Series holding None or one reason string per row), both aligned to the input's index. Parsers never
raise on bad cells: a cell that cannot be parsed gets a reason and a missing value, so the import can move the
row to quarantine with every reason. A cell that is merely empty ("", "—", "-", "/", "无", "N/A", "nan") is
missing, without an error; whether a missing value is acceptable is the caller's decision.

Speed: the work runs on Arrow string arrays with RE2 regexes (pyarrow.compute) and numpy. Clean cells take a
fast path (e.g. plain numbers are cast directly); only the residue goes through the slower regexes, and
low-cardinality columns (yes/no, tags, unit words) are decoded once per distinct value.

Unit handling follows the project rule "never mix units silently": a unit word in a cell wins, else the
header's unit (see `split_header_unit`), else the target unit is assumed; values are converted to the target
unit (money to 万元 by default) and a unit of the wrong kind is an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from chanye.registry.fields import TAG_ALIASES

__all__ = [
    "MISSING_TOKENS",
    "UNITS",
    "ParseResult",
    "clean_text",
    "halfwidth",
    "parse_amount",
    "parse_count",
    "parse_date",
    "parse_flag",
    "parse_tags",
    "parse_year",
    "split_header_unit",
    "unit_info",
]


@dataclass
class ParseResult:
    """What a parser returns: parsed `values` and one `error` (None or a reason) per row, same index."""

    values: pd.Series
    error: pd.Series

    @property
    def ok(self) -> pd.Series:
        """True where the row parsed (or was simply empty)."""
        return self.error.isna()

    @property
    def n_errors(self) -> int:
        return int(self.error.notna().sum())


# --- units ---------------------------------------------------------------------------------------------

# Canonical units: unit -> (dimension, factor to the dimension's base unit: 元, 人, %, 吨标准煤).
UNITS: dict[str, tuple[str, float]] = {
    "元": ("money", 1.0),
    "千元": ("money", 1e3),
    "万元": ("money", 1e4),
    "百万元": ("money", 1e6),
    "亿元": ("money", 1e8),
    "人": ("people", 1.0),
    "万人": ("people", 1e4),
    "%": ("percent", 1.0),
    "吨标准煤": ("energy", 1.0),
    "万吨标准煤": ("energy", 1e4),
}

_MULTIPLIERS = {"十": 10.0, "百": 100.0, "千": 1e3, "万": 1e4, "亿": 1e8}
_BASE_WORDS = {
    "元": "money",
    "块": "money",
    "人": "people",
    "名": "people",
    "吨标准煤": "energy",
    "吨标煤": "energy",
    "%": "percent",
    "": None,  # a bare multiplier such as 万 / 亿: the dimension of the field
}
_FOREIGN_CURRENCIES = (
    "美元",
    "美金",
    "港元",
    "港币",
    "欧元",
    "日元",
    "英镑",
    "澳元",
    "澳门元",
    "新台币",
    "加元",
)
_CELL_UNIT_RE = re.compile(r"^([十百千万亿]*)(元|块|人|名|吨标准煤|吨标煤|%|)$")
_RMB_RE = re.compile(r"^(?:人民币|RMB|CNY)|(?:人民币|RMB|CNY)$", re.IGNORECASE)

# Header units in English, lower-cased with single spaces.
_ENGLISH_UNITS = {
    "yuan": "元",
    "rmb": "元",
    "cny": "元",
    "yuan rmb": "元",
    "1000 yuan": "千元",
    "1,000 yuan": "千元",
    "thousand yuan": "千元",
    "k yuan": "千元",
    "1k yuan": "千元",
    "10k yuan": "万元",
    "10,000 yuan": "万元",
    "10000 yuan": "万元",
    "ten thousand yuan": "万元",
    "10 thousand yuan": "万元",
    "wan yuan": "万元",
    "10k rmb": "万元",
    "10k cny": "万元",
    "million yuan": "百万元",
    "mn yuan": "百万元",
    "1m yuan": "百万元",
    "million rmb": "百万元",
    "100 million yuan": "亿元",
    "100m yuan": "亿元",
    "100mn yuan": "亿元",
    "hundred million yuan": "亿元",
    "yi yuan": "亿元",
    "100 million rmb": "亿元",
    "person": "人",
    "persons": "人",
    "people": "人",
    "employees": "人",
    "headcount": "人",
    "10k persons": "万人",
    "10k people": "万人",
    "10,000 persons": "万人",
    "10,000 people": "万人",
    "percent": "%",
    "pct": "%",
    "per cent": "%",
    "tce": "吨标准煤",
    "t tce": "吨标准煤",
    "tonnes of standard coal": "吨标准煤",
    "t standard coal": "吨标准煤",
    "10k tce": "万吨标准煤",
    "10,000 tce": "万吨标准煤",
}
_HEADER_UNIT_ALIASES = {
    **{u: u for u in UNITS},
    "元人民币": "元",
    "人民币元": "元",
    "人民币": "元",
    "千元人民币": "千元",
    "人民币千元": "千元",
    "万元人民币": "万元",
    "人民币万元": "万元",
    "百万元人民币": "百万元",
    "人民币百万元": "百万元",
    "亿元人民币": "亿元",
    "人民币亿元": "亿元",
    "百分比": "%",
    "百分数": "%",
    "吨标煤": "吨标准煤",
    "万吨标煤": "万吨标准煤",
    **_ENGLISH_UNITS,
}


def unit_info(unit: str) -> tuple[str | None, float] | None:
    """(dimension, factor to base unit) of a unit word as written in a cell or header, e.g. '亿元' ->
    ('money', 1e8), '万' -> (None, 1e4) (a bare multiplier), '人' -> ('people', 1.0); 'foreign' for a
    foreign currency ('万美元'); None when the word is not a unit."""
    u = unit.strip()
    if u in _HEADER_UNIT_ALIASES:
        return UNITS[_HEADER_UNIT_ALIASES[u]]
    if u.lower() in _HEADER_UNIT_ALIASES:
        return UNITS[_HEADER_UNIT_ALIASES[u.lower()]]
    if any(c in u for c in _FOREIGN_CURRENCIES):
        return ("foreign", float("nan"))
    rmb = bool(_RMB_RE.search(u))
    if rmb:
        u = _RMB_RE.sub("", u)
    m = _CELL_UNIT_RE.match(u)
    if not m:
        return None
    mult, base = m.groups()
    if base == "%" and mult:
        return None
    factor = 1.0
    for c in mult:
        factor *= _MULTIPLIERS[c]
    dim = _BASE_WORDS[base]
    if rmb:
        if dim not in (None, "money"):
            return None
        dim = "money"
    if dim is None and not mult:
        return None
    return dim, factor


def split_header_unit(header: str) -> tuple[str, str | None]:
    """Split a column header into (name, canonical unit): '营业收入(万元)', '营业收入（万元）', '营业收入_万元',
    '营业收入 万元', '营业收入（单位：万元）' -> ('营业收入', '万元'); 'Revenue (10k yuan)' -> ('Revenue', '万元').
    A cell that is only a unit ('单位：万元', '（万元）', '万元') -> ('', '万元'). A header without a recognised
    unit comes back (half-width, whitespace collapsed) with None."""
    text = _halfwidth_str(str(header)).strip()
    text = re.sub(r"\s+", " ", text)
    only = _HEADER_UNIT_ONLY_RE.match(text)  # a group-header cell such as '单位：万元' or '（万元）'
    if only:
        canon = _HEADER_UNIT_ALIASES.get(only.group(1)) or _HEADER_UNIT_ALIASES.get(only.group(1).lower())
        if canon:
            return "", canon
    for pattern in (_HEADER_BRACKET_RE, _HEADER_SEP_RE):
        m = pattern.match(text)
        if m:
            name, unit = m.group(1).strip(), m.group(2).strip()
            canon = _HEADER_UNIT_ALIASES.get(unit) or _HEADER_UNIT_ALIASES.get(unit.lower())
            if name and canon:
                return name, canon
    return text, None


_HEADER_UNIT_ONLY_RE = re.compile(
    r"^[(\[【〔]?\s*(?:单位\s*[:：]?\s*)?([^()\[\]【】〔〕:：]+?)\s*[)\]】〕]?$"
)
_HEADER_BRACKET_RE = re.compile(
    r"^(.*?)\s*[(\[【〔]\s*(?:单位\s*[:：]?\s*)?([^()\[\]【】〔〕]+?)\s*[)\]】〕]$"
)
_HEADER_SEP_RE = re.compile(
    r"^(.*?)\s*(?:[_/|\-]|\s)\s*(?:单位\s*[:：]?\s*)?(\d[\d,]*\s*[A-Za-z ]+|[A-Za-z][A-Za-z ]*|[^\s_/|\-]+)$"
)


# --- shared Arrow helpers ------------------------------------------------------------------------------

_HALF_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

MISSING_TOKENS: frozenset[str] = frozenset(
    {"", "—", "——", "–", "-", "--", "/", "无", "N/A", "NA", "NAN", "NONE", "NULL", "NAT", "…"}
)
_MISSING_ARRAY = pa.array(sorted(MISSING_TOKENS))


def _halfwidth_str(text: str) -> str:
    return text.translate(_HALF_TABLE)


def _arrow(series: pd.Series) -> pa.Array:
    """The series as an Arrow string array (null where missing); non-strings through str()."""
    if not (isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow"):
        if series.dtype.kind == "f":
            series = _float_to_text(series)
        series = series.astype(pd.StringDtype("pyarrow", na_value=np.nan))
    arr = pa.array(series.array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.type != pa.large_string():
        arr = arr.cast(pa.large_string())
    if arr.offset or (len(arr) and _first_offset(arr)):
        # pyarrow 26's ascii_upper (and the byte-level code here) misread an array whose offsets do not start
        # at 0, as a cast of a sliced `string` array gives: rebuild it from 0 (concat with an empty array copies)
        arr = pa.concat_arrays([arr, pa.array([], pa.large_string())])
    return arr


def _first_offset(arr: pa.Array) -> int:
    return int(np.frombuffer(arr.buffers()[1], dtype=np.int64, count=1, offset=arr.offset * 8)[0])


def _float_to_text(series: pd.Series) -> pd.Series:
    """Floats as text, integral ones without '.0' (so 3911.0 reads '3911')."""
    values = series.to_numpy(dtype=float, na_value=np.nan)
    integral = np.isfinite(values) & (np.abs(values) < 2**53)
    integral[integral] = values[integral] == np.round(values[integral])
    out = series.astype(object)
    out[~np.isfinite(values)] = None
    if integral.any():
        out[integral] = pd.Series(values[integral].astype(np.int64)).astype(str).to_numpy(dtype=object)
    return out


# UTF-8 lead bytes of the characters that _recode rewrites (U+0085/U+00A0, U+1680, U+2000.., U+3000, U+FF01..)
_LEAD = np.zeros(256, dtype=bool)
_LEAD[[0xC2, 0xE1, 0xE2, 0xE3, 0xEF]] = True
_UNICODE_SPACES = np.array([0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F])
_ZERO_WIDTH = np.array([0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF])
_LINE_BREAKS = np.array([0x85, 0x2028, 0x2029])  # NEL, line and paragraph separator: breaks, as \n is
_ASCII_WS = r"[\t-\r\x1c-\x1f ]"  # what str.isspace() calls whitespace in ASCII


def _recode(arr: pa.Array, spaces: bool = False, lines: bool = False) -> pa.Array:
    """Full-width ASCII (U+FF01..FF5E) -> ASCII and U+3000 -> ' ', on the Arrow bytes with numpy (no Python
    per row). With `spaces`, also every other Unicode space -> ' ' and zero-width characters removed, so
    that afterwards ASCII whitespace is the only whitespace left; with `lines` too, the Unicode line breaks
    (U+0085, U+2028, U+2029) -> \n rather than ' '."""
    if pc.all(pc.fill_null(pc.string_is_ascii(arr), True)).as_py():
        return arr
    if arr.offset:
        arr = pa.concat_arrays([arr])
    n = len(arr)
    validity, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[: n + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8)[: offsets[-1]]
    pos = np.flatnonzero(_LEAD[data])
    if not len(pos):
        return arr
    b0 = data[pos].astype(np.int64)
    b1 = data[np.minimum(pos + 1, len(data) - 1)].astype(np.int64)
    b2 = data[np.minimum(pos + 2, len(data) - 1)].astype(np.int64)
    two = b0 == 0xC2
    cp = np.where(
        two, ((b0 & 0x1F) << 6) | (b1 & 0x3F), ((b0 & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F)
    )
    repl = np.full(len(pos), -2)  # -2 leave alone, -1 delete, else the new byte
    fullwidth = (cp >= 0xFF01) & (cp <= 0xFF5E)
    repl[fullwidth] = cp[fullwidth] - 0xFEE0
    repl[cp == 0x3000] = 0x20
    if spaces:
        repl[np.isin(cp, _UNICODE_SPACES)] = 0x20
        repl[np.isin(cp, _ZERO_WIDTH)] = -1
        if lines:
            repl[np.isin(cp, _LINE_BREAKS)] = 0x0A
    hit = repl != -2
    if not hit.any():
        return arr
    pos, repl, width = pos[hit], repl[hit], np.where(two[hit], 2, 3)
    kept = repl >= 0
    out = data.copy()
    out[pos[kept]] = repl[kept]
    drop = np.zeros(len(data), dtype=bool)
    drop[pos[~kept]] = True
    drop[pos + 1] = True
    drop[(pos + 2)[width == 3]] = True
    removed = np.concatenate([[0], np.cumsum(width - kept)])
    new_offsets = offsets - removed[np.searchsorted(pos, offsets, side="left")]
    return pa.Array.from_buffers(
        pa.large_string(),
        n,
        [validity, pa.py_buffer(new_offsets), pa.py_buffer(out[~drop])],
        null_count=arr.null_count,
    )


def _halfwidth_arrow(arr: pa.Array) -> pa.Array:
    return _recode(arr, spaces=False)


# The bytes of ASCII whitespace (_ASCII_WS): a column without any needs no regular expression at all
_WS_BYTE = np.zeros(256, dtype=bool)
_WS_BYTE[[*range(0x09, 0x0E), *range(0x1C, 0x20), 0x20]] = True


def _has_ascii_space(arr: pa.Array) -> bool:
    """Whether any byte of the (large_string) array's text is ASCII whitespace; True when unsure."""
    if not isinstance(arr, pa.LargeStringArray):
        return True
    _, offsets_buf, data_buf = arr.buffers()
    if data_buf is None or not len(arr):
        return False
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset: arr.offset + len(arr) + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8)[offsets[0]: offsets[-1]]
    return bool(_WS_BYTE[data].any())  # null slots' bytes count too: at worst the regex runs for nothing


def _squash(arr: pa.Array, keep_spaces: bool = False, keep_lines: bool = False) -> pa.Array:
    """Half-width, zero-width characters removed, and whitespace removed (or, keep_spaces, trimmed/collapsed;
    keep_lines too: a run of whitespace holding a line break (\n, \r or a Unicode one) becomes one \n)."""
    arr = _recode(arr, spaces=True, lines=keep_lines)
    if not _has_ascii_space(arr):  # names, scopes and districts mostly have none (1 M cells: ~0.1 s saved each)
        return arr
    if keep_lines:
        arr = pc.replace_substring_regex(arr, _ASCII_WS + r"*[\n\r]" + _ASCII_WS + "*", "\n")
        arr = pc.replace_substring_regex(arr, r"[\t\x0b\x0c\x1c-\x1f ]+", " ")  # the rest: no \n or \r left
        return pc.utf8_trim(arr, " \n")
    if keep_spaces:
        arr = pc.replace_substring_regex(arr, _ASCII_WS + "+", " ")
        return pc.utf8_trim(arr, " ")
    return pc.replace_substring_regex(arr, _ASCII_WS + "+", "")


def _is_missing_token(arr: pa.Array) -> np.ndarray:
    """True where the (squashed) cell is null or a missing-value token such as '—', '/', 'N/A'."""
    upper = pc.utf8_upper(arr)
    return _np_bool(pc.or_kleene(pc.is_null(arr), pc.is_in(upper, value_set=_MISSING_ARRAY)))


def _np_bool(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def _errors(n: int) -> np.ndarray:
    return np.full(n, None, dtype=object)


def _raw_repr(series: pd.Series, positions: np.ndarray, template: str, key: str = "raw") -> list[str]:
    raw = series.iloc[positions].tolist() if len(positions) else []
    return [template.format(**{key: v}) for v in raw]


def _result(series: pd.Series, values, errors: np.ndarray) -> ParseResult:
    index = series.index
    vals = values if isinstance(values, pd.Series) else pd.Series(values, index=index, name=series.name)
    vals.index = index
    return ParseResult(vals, pd.Series(errors, index=index, name=series.name, dtype=object))


# --- text ----------------------------------------------------------------------------------------------


def halfwidth(series: pd.Series) -> pd.Series:
    """Full-width ASCII (U+FF01..U+FF5E) -> ASCII, U+3000 -> space. Returns a str Series (missing stays
    missing; non-strings are converted with str()). A plain helper: it returns a Series, not a ParseResult."""
    arr = _halfwidth_arrow(_arrow(series))
    return pd.Series(
        arr, index=series.index, name=series.name, dtype=pd.StringDtype("pyarrow", na_value=np.nan)
    )


_FLOATY = {"floating", "mixed-integer-float", "mixed"}


def _float_text(v):
    if isinstance(v, float) and v == v and v.is_integer() and abs(v) < 2**53:
        return str(int(v))
    return v


def clean_text(series: pd.Series, *, arrow: bool = False, lines: bool = False) -> ParseResult:
    """Free text: half-width ASCII, zero-width characters removed, whitespace runs collapsed to one space,
    trimmed; '' -> None. Values are an object Series of str / None; there are never errors. `arrow`: the
    values stay Arrow strings instead (pandas' str dtype, missing as NaN), so that a column the import only
    stores never becomes a million Python strings (issue 14: 1 M names, ~0.35 s each way). `lines`: a run of
    whitespace holding a line break becomes one \n (a business scope's items on lines of their own in a cell stay
    apart: the classifier reads a line break as ；)."""
    if series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) in _FLOATY:
        series = series.map(_float_text)  # a Python loop, only for columns that hold floats
    arr = _squash(_arrow(series), keep_spaces=True, keep_lines=lines)
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)
    if arrow:
        values = pd.Series(pd.array(arr.cast(pa.string()), dtype=pd.StringDtype("pyarrow", na_value=np.nan)),
                           index=series.index, name=series.name)
    else:
        values = pd.Series(arr.to_numpy(zero_copy_only=False), index=series.index, name=series.name, dtype=object)
    return _result(series, values, _errors(len(series)))


# --- numbers -------------------------------------------------------------------------------------------

_CLEAN_NUMBER_RE = r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d{1,3})?$"
_AMOUNT_RE = (
    r"^(?P<s1>[-+]?)(?P<cur>人民币|RMB|CNY|¥|\x{ffe5})?(?P<p1>\(?)(?P<s2>[-+]?)"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)(?P<exp>[eE][-+]?\d{1,3})?"
    r"(?P<u1>[^\d()]*?)(?P<p2>\)?)(?P<u2>[^\d()]*)$"
)
_NOT_A_NUMBER = "无法解析的数值 {raw!r} (not a number)"
_WRONG_UNIT = "单位 {u} 与字段不符 (unit does not fit the field)"
_FOREIGN = "外币金额 {raw!r} 需先折算为人民币 (foreign currency: convert to yuan first)"


def _target_info(target: str) -> tuple[str, float]:
    info = unit_info(target)
    if info is None or info[0] in (None, "foreign"):
        raise ValueError(f"unknown target unit {target!r}; use one of {', '.join(UNITS)}")
    return info  # type: ignore[return-value]


def _convert(values: np.ndarray, scale: float | np.ndarray, target_scale: float) -> np.ndarray:
    """values * scale / target_scale with one rounding where the ratio is a whole number."""
    scale = np.asarray(scale, dtype=float)
    up = scale >= target_scale
    with np.errstate(invalid="ignore", over="ignore"):
        return np.where(up, values * (scale / target_scale), values / (target_scale / scale))


def parse_amount(series: pd.Series, unit: str | None = None, target: str = "万元") -> ParseResult:
    """Numbers as Chinese spreadsheets write them, converted to `target` (float64).

    Accepts thousands separators ('1,234.5', '1，234.5'), full-width digits, unit words in the cell ('1.2亿元',
    '3,500万元', '800万', '1.5亿', '12000元', '5千万'), a sign or accounting parentheses ('(1,234)'), percent
    ('12.5%' in a % field) and exponents. Unit precedence: the cell's unit word, else `unit` (the header's),
    else `target`. Empty cells ('', '—', '-', '/', '无', 'N/A', 'nan') are NaN without an error. Errors:
    "无法解析的数值 '...' (not a number)", "单位 万人 与字段不符 (unit does not fit the field)", and for a
    foreign-currency amount ('500万美元') "外币金额 '...' 需先折算为人民币 (...)".
    """
    dim, target_scale = _target_info(target)
    if unit is None:
        header_scale, header_bad = target_scale, None
    else:
        info = unit_info(unit)
        if info is None or info[0] == "foreign":
            raise ValueError(f"unknown unit {unit!r}")
        header_bad = unit if info[0] not in (None, dim) else None
        header_scale = info[1]

    n = len(series)
    errors = _errors(n)
    out = np.full(n, np.nan)

    if series.dtype.kind in "iuf":  # already numbers: only the header unit applies
        values = series.to_numpy(dtype=float, na_value=np.nan)
        out = _convert(values, header_scale, target_scale)
        bad = np.isinf(values)
        if header_bad is not None:
            bad |= ~np.isnan(values)
            errors[bad] = _WRONG_UNIT.format(u=header_bad)
        else:
            pos = np.flatnonzero(bad)
            errors[pos] = _raw_repr(series, pos, _NOT_A_NUMBER)
        out[bad] = np.nan
        return _result(series, out, errors)

    arr = _arrow(series)
    clean = _np_bool(pc.match_substring_regex(arr, _CLEAN_NUMBER_RE))
    clean_pos = np.flatnonzero(clean)
    if len(clean_pos):
        out[clean_pos] = pc.cast(pc.filter(arr, pa.array(clean)), pa.float64()).to_numpy()
        out[clean_pos] = _convert(out[clean_pos], header_scale, target_scale)
        if header_bad is not None:
            errors[clean_pos] = _WRONG_UNIT.format(u=header_bad)
            out[clean_pos] = np.nan

    rest_pos = np.flatnonzero(~clean & _np_bool(pc.is_valid(arr)))
    if len(rest_pos):
        rest = _squash(arr.take(pa.array(rest_pos)))
        rest = pc.replace_substring(rest, "\u2212", "-")  # U+2212 MINUS SIGN
        missing = _is_missing_token(rest)
        values, scales, reasons, words = _parse_residue(rest, dim, header_scale, header_bad)
        values = _convert(values, scales, target_scale)
        values[missing] = np.nan
        out[rest_pos] = values
        for i in np.flatnonzero(~missing & (reasons != _OK)):
            p = rest_pos[i]
            if reasons[i] == _BAD_NUMBER:
                errors[p] = _NOT_A_NUMBER.format(raw=series.iloc[p])
            elif reasons[i] == _BAD_CURRENCY:
                errors[p] = _FOREIGN.format(raw=series.iloc[p])
            else:
                errors[p] = _WRONG_UNIT.format(u=words[i])
            out[p] = np.nan

    nonfinite = np.isinf(out)
    if nonfinite.any():
        pos = np.flatnonzero(nonfinite)
        errors[pos] = _raw_repr(series, pos, _NOT_A_NUMBER)
        out[pos] = np.nan
    return _result(series, out, errors)


_OK, _BAD_NUMBER, _BAD_CURRENCY, _BAD_UNIT = 0, 1, 2, 3


def _parse_residue(rest: pa.Array, dim: str, header_scale: float, header_bad: str | None):
    """Regex-parse the non-clean cells. Returns the numbers, their unit factors, a reason code per row
    (_OK, _BAD_NUMBER, _BAD_CURRENCY, _BAD_UNIT) and, for _BAD_UNIT, the offending unit word."""
    m = len(rest)
    parts = pc.extract_regex(rest, _AMOUNT_RE)
    matched = _np_bool(pc.is_valid(parts))
    s1, cur, p1, s2, num, exp, u1, p2, u2 = (
        parts.field(k) for k in ("s1", "cur", "p1", "s2", "num", "exp", "u1", "p2", "u2")
    )
    text = pc.binary_join_element_wise(pc.replace_substring(num, ",", ""), exp, pa.scalar("", num.type))
    text = pc.if_else(pa.array(matched), text, pa.scalar("0", text.type))
    values = pc.cast(pc.fill_null(text, "0"), pa.float64()).to_numpy(zero_copy_only=False).copy()

    s1n, s2n = (np.asarray(x.to_numpy(zero_copy_only=False), dtype=object) for x in (s1, s2))
    p1b = _np_bool(pc.equal(p1, "("))
    p2b = _np_bool(pc.equal(p2, ")"))
    has_s1 = _np_bool(pc.not_equal(s1, ""))
    has_s2 = _np_bool(pc.not_equal(s2, ""))
    u1e = _np_bool(pc.not_equal(u1, ""))
    u2e = _np_bool(pc.not_equal(u2, ""))
    shape_ok = matched & (p1b == p2b) & ~(has_s1 & has_s2) & ~(p1b & (has_s1 | has_s2)) & ~(u1e & u2e)
    shape_ok &= ~(u1e & ~p1b)  # a unit between number and ')' needs the '('
    negative = p1b | (s1n == "-") | (s2n == "-")
    values = np.where(negative, -values, values)

    reasons = np.where(shape_ok, _OK, _BAD_NUMBER).astype(np.int64)
    words = np.full(m, header_bad, dtype=object)
    scales = np.full(m, header_scale)
    if header_bad is not None:
        reasons[shape_ok] = _BAD_UNIT
    has_cur = shape_ok & _np_bool(pc.not_equal(cur, ""))
    if dim != "money" and has_cur.any():  # '¥12' in a headcount column
        reasons[has_cur] = _BAD_UNIT
        words[has_cur] = np.asarray(pc.filter(cur, pa.array(has_cur)).to_pylist(), dtype=object)

    units = pc.if_else(pa.array(u1e), u1, u2)
    has_unit = shape_ok & (u1e | u2e)
    if has_unit.any():
        enc = pc.dictionary_encode(pc.filter(units, pa.array(has_unit)))
        codes = enc.indices.to_numpy(zero_copy_only=False)
        dict_words = enc.dictionary.to_pylist()
        dict_scale = np.full(len(dict_words), np.nan)
        dict_reason = np.full(len(dict_words), _OK, dtype=np.int64)
        for k, word in enumerate(dict_words):
            info = unit_info(word)
            if info is None:
                dict_reason[k] = _BAD_NUMBER
            elif info[0] == "foreign":
                dict_reason[k] = _BAD_CURRENCY
            elif info[0] is not None and info[0] != dim:
                dict_reason[k] = _BAD_UNIT
            else:
                dict_scale[k] = info[1]
        idx = np.flatnonzero(has_unit)
        scales[idx] = dict_scale[codes]
        reasons[idx] = dict_reason[codes]
        words[idx] = np.array(dict_words, dtype=object)[codes]
    return values, scales, reasons, words


def parse_count(series: pd.Series, unit: str | None = None) -> ParseResult:
    """Headcounts (人; '3.5万人' = 35000) as nullable Int64. Like `parse_amount` (target 人), plus: negative ->
    "人数不能为负 '...' (headcount cannot be negative)"; a fraction of a person ->
    "人数应为整数 '...' (headcount must be a whole number)" ('12.0' is fine); 2**62 or more (beyond what an int64
    holds safely) -> "人数超出范围 '...' (headcount out of range)"."""
    res = parse_amount(series, unit, target="人")
    values = res.values.to_numpy(dtype=float, na_value=np.nan)
    errors = res.error.to_numpy(dtype=object).copy()
    ok = ~np.isnan(values)
    negative = ok & (values < 0)
    rounded = np.round(values)
    fraction = ok & ~negative & (np.abs(values - rounded) > 1e-9 * np.maximum(1.0, np.abs(values)))
    huge = ok & ~negative & ~fraction & (rounded >= 2**62)
    for mask, template in (
        (negative, "人数不能为负 {raw!r} (headcount cannot be negative)"),
        (fraction, "人数应为整数 {raw!r} (headcount must be a whole number)"),
        (huge, "人数超出范围 {raw!r} (headcount out of range)"),
    ):
        pos = np.flatnonzero(mask)
        errors[pos] = _raw_repr(series, pos, template)
    bad = negative | fraction | huge | np.isnan(values)
    ints = pd.arrays.IntegerArray(np.where(bad, 0, rounded).astype(np.int64), bad)
    return _result(series, pd.Series(ints, index=series.index, name=series.name), errors)


# --- dates and years -----------------------------------------------------------------------------------

_DATE_RE = (
    r"^(?:"
    r"(?P<y1>\d{4}) ?[-/.] ?(?P<m1>\d{1,2}) ?[-/.] ?(?P<d1>\d{1,2})"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)? ?(?:Z|[-+]\d{2}:?\d{2})?)?"
    r"|(?P<y2>\d{4}) ?年 ?(?P<m2>\d{1,2}) ?月(?: ?(?P<d2>\d{1,2}) ?[日号]?)?"
    r"|(?P<y3>\d{4})(?P<m3>\d{2})(?P<d3>\d{2})(?:\.0+)?"
    r"|(?P<y4>\d{4}) ?[-/] ?(?P<m4>\d{1,2})"
    r"|(?P<xl>\d{5}(?:\.\d+)?)"
    r")$"
)
_ISO_DATE_RE = r"^\d{4}-\d{2}-\d{2}(?: 00:00:00)?$"
_NOT_A_DATE = "无法解析的日期 {raw!r} (not a date)"
_FUTURE = "日期晚于今天 (date in the future)"
EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
EXCEL_SERIAL_MIN = (
    18264  # 1950-01-01: smaller numbers are not taken for Excel dates (e.g. a bare 4-digit year)
)
_MIN_YEAR = 1800


def _compose_dates(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(datetime64[D] array, valid mask) from integer year/month/day arrays; Feb 30 etc. are invalid."""
    valid = (y >= _MIN_YEAR) & (y <= 2200) & (m >= 1) & (m <= 12) & (d >= 1)
    months = np.where(valid, (y - 1970) * 12 + (m - 1), 0).astype("M8[M]")
    start = months.astype("M8[D]")
    days = start + np.where(valid, d - 1, 0).astype("m8[D]")
    valid &= days < (months + 1).astype("M8[D]")
    return np.where(valid, days, np.datetime64("NaT")), valid


def _int_field(parts: pa.StructArray, *names: str) -> np.ndarray:
    """The first non-empty of the named regex groups, as int64 (0 where none)."""
    out = None
    for name in names:
        f = parts.field(name)
        out = f if out is None else pc.if_else(pc.equal(out, ""), f, out)
    out = pc.if_else(pc.equal(out, ""), pa.scalar("0", out.type), out)
    return pc.cast(pc.fill_null(out, "0"), pa.int64()).to_numpy(zero_copy_only=False)


_DISTINCT_FROM = 1_000  # rows from which a text column of dates is parsed per distinct text when texts repeat


def parse_date(series: pd.Series, *, today: date | None = None) -> ParseResult:
    """Dates as datetime64[ns] (midnight). Accepts 2019-03-01, 2019/3/1, 2019.3.1 (with or without a time),
    20190301, 2019年3月1日, 2019年3月 and 2019-03 (the 1st), Excel serial numbers from 18264 (1950-01-01),
    datetime / Timestamp / date objects. Errors: "无法解析的日期 '...' (not a date)"; after `today`
    (default: the local date today) "日期晚于今天 (date in the future)". A column of text that repeats (firms
    founded on the same days) is parsed once per distinct text."""
    if isinstance(series.dtype, pd.StringDtype) and len(series) >= _DISTINCT_FROM:  # text: repeats are equal texts
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        if len(uniques) * 4 <= len(series):
            once = _parse_date(pd.Series(uniques, dtype=series.dtype), today)
            take = np.where(codes < 0, len(uniques), codes)
            values = np.append(once.values.to_numpy(), np.datetime64("NaT"))[take]
            errors = np.append(once.error.to_numpy(dtype=object), None)[take]
            return _result(series, pd.Series(values, index=series.index, name=series.name), errors)
    return _parse_date(series, today)


def _parse_date(series: pd.Series, today: date | None) -> ParseResult:
    n = len(series)
    errors = _errors(n)
    out = np.full(n, np.datetime64("NaT"), dtype="M8[D]")
    today64 = np.datetime64(today or date.today(), "D")

    if series.dtype.kind == "M":
        s = series.dt.tz_localize(None) if getattr(series.dt, "tz", None) is not None else series
        out = s.to_numpy().astype("M8[D]")
        candidates = ~np.isnat(out)
    else:
        arr = _arrow(series)  # numbers too: 20190301 and Excel serials such as 43525
        iso = _np_bool(pc.match_substring_regex(arr, _ISO_DATE_RE))
        candidates = np.zeros(n, dtype=bool)
        iso_pos = np.flatnonzero(iso)
        if len(iso_pos):
            head = pc.utf8_slice_codeunits(pc.filter(arr, pa.array(iso)), 0, 10)
            y = pc.cast(pc.utf8_slice_codeunits(head, 0, 4), pa.int64()).to_numpy(zero_copy_only=False)
            m = pc.cast(pc.utf8_slice_codeunits(head, 5, 7), pa.int64()).to_numpy(zero_copy_only=False)
            d = pc.cast(pc.utf8_slice_codeunits(head, 8, 10), pa.int64()).to_numpy(zero_copy_only=False)
            days, valid = _compose_dates(y, m, d)
            out[iso_pos] = days
            candidates[iso_pos] = valid
            bad = iso_pos[~valid]
            errors[bad] = _raw_repr(series, bad, _NOT_A_DATE)
        rest_pos = np.flatnonzero(~iso & _np_bool(pc.is_valid(arr)))
        if len(rest_pos):
            rest = _squash(arr.take(pa.array(rest_pos)), keep_spaces=True)
            missing = _is_missing_token(rest)
            parts = pc.extract_regex(rest, _DATE_RE)
            matched = _np_bool(pc.is_valid(parts)) & ~missing
            y = _int_field(parts, "y1", "y2", "y3", "y4")
            m = _int_field(parts, "m1", "m2", "m3", "m4")
            d = _int_field(parts, "d1", "d2", "d3")
            d = np.where(d == 0, 1, d)  # month precision -> the 1st
            days, valid = _compose_dates(y, m, d)
            xl_text = parts.field("xl")
            is_xl = matched & _np_bool(pc.not_equal(xl_text, ""))
            if is_xl.any():
                xl = pc.cast(
                    pc.if_else(pc.equal(xl_text, ""), pa.scalar("0", xl_text.type), xl_text), pa.float64()
                ).to_numpy(zero_copy_only=False)
                serial = np.floor(np.where(is_xl, xl, 0)).astype(np.int64)
                xl_ok = is_xl & (serial >= EXCEL_SERIAL_MIN)
                days = np.where(is_xl, EXCEL_EPOCH + serial.astype("m8[D]"), days)
                valid = np.where(is_xl, xl_ok, valid)
            valid &= matched
            out[rest_pos] = np.where(valid, days, np.datetime64("NaT"))
            candidates[rest_pos] = valid
            bad = rest_pos[~valid & ~missing]
            errors[bad] = _raw_repr(series, bad, _NOT_A_DATE)

    future = candidates & (out > today64)
    errors[future] = _FUTURE
    out[future] = np.datetime64("NaT")
    return _result(series, pd.Series(out.astype("M8[ns]"), index=series.index, name=series.name), errors)


_YEAR_RE = r"^\d{4}(?:\.0*)?(?:年度?)?$"
_BAD_YEAR = "年份无效 {raw!r} (invalid year)"
YEAR_MIN, YEAR_MAX = 1990, 2100


def parse_year(series: pd.Series) -> ParseResult:
    """Years as nullable Int64: 2023, '2023年', '2023年度', '2023.0', 2023.0. Outside 1990..2100 or not a
    year -> "年份无效 '...' (invalid year)". Empty cells are missing without an error."""
    n = len(series)
    years = np.zeros(n, dtype=np.int64)
    present = np.zeros(n, dtype=bool)
    if series.dtype.kind in "iuf":
        v = series.to_numpy(dtype=float, na_value=np.nan)
        present = ~np.isnan(v)
        whole = present & np.isfinite(v) & (v == np.round(np.where(np.isfinite(v), v, 0)))
        years = np.where(whole, v, 0).astype(np.int64)
        good = whole
    else:
        arr = _squash(_arrow(series))
        present = ~_is_missing_token(arr)
        good = _np_bool(pc.match_substring_regex(arr, _YEAR_RE))
        pos = np.flatnonzero(good)
        if len(pos):
            head = pc.utf8_slice_codeunits(pc.filter(arr, pa.array(good)), 0, 4)
            years[pos] = pc.cast(head, pa.int64()).to_numpy(zero_copy_only=False)
    good &= (years >= YEAR_MIN) & (years <= YEAR_MAX)
    errors = _errors(n)
    bad = np.flatnonzero(present & ~good)
    errors[bad] = _raw_repr(series, bad, _BAD_YEAR)
    values = pd.arrays.IntegerArray(np.where(good, years, 0), ~good)
    return _result(series, pd.Series(values, index=series.index, name=series.name), errors)


# --- flags and tags ------------------------------------------------------------------------------------

_TRUE = {"是", "Y", "YES", "1", "1.0", "√", "✓", "✔", "TRUE", "T", "有", "对"}
_FALSE = {"否", "N", "NO", "0", "0.0", "×", "✗", "✘", "FALSE", "F", "无", "不是", "非"}
_FLAG_MISSING = MISSING_TOKENS - {"无"}
_NOT_A_FLAG = "无法识别的是/否值 {raw!r} (not a yes/no value)"


def parse_flag(series: pd.Series) -> ParseResult:
    """Yes/no cells as nullable boolean: 是/Y/yes/1/√/true/有 -> True; 否/N/no/0/×/false/无 -> False; empty ->
    missing; anything else -> "无法识别的是/否值 '...' (not a yes/no value)"."""
    n = len(series)
    errors = _errors(n)
    if series.dtype.kind == "b":
        return _result(series, series.astype("boolean"), errors)
    arr = pc.utf8_upper(_squash(_arrow(series)))
    enc = pc.dictionary_encode(arr)
    codes = enc.indices.to_numpy(zero_copy_only=False)
    null = _np_bool(pc.is_null(enc.indices))
    codes = np.where(null, 0, codes).astype(np.int64)
    words = enc.dictionary.to_pylist()
    # per distinct word: 1 true, 0 false, 2 missing, 3 error
    kind = np.array(
        [1 if w in _TRUE else 0 if w in _FALSE else 2 if w in _FLAG_MISSING else 3 for w in words] + [2],
        dtype=np.int8,
    )
    k = kind[np.where(null, len(words), codes)]
    bad = np.flatnonzero(k == 3)
    errors[bad] = _raw_repr(series, bad, _NOT_A_FLAG)
    values = pd.arrays.BooleanArray(k == 1, (k == 2) | (k == 3))
    return _result(series, pd.Series(values, index=series.index, name=series.name), errors)


_TAG_SPLIT_RE = re.compile(r"[；;、,，/\s]+")
_UNKNOWN_TAG = "未知标签 {w} (unknown tag)"


def parse_tags(series: pd.Series, aliases: Mapping[str, str] | None = None) -> ParseResult:
    """Tag cells such as '高新技术企业；专精特新、上市' -> ['high_tech', 'srdi', 'listed'] (split on ；;、,，/ and
    whitespace; tag ids themselves are accepted; duplicates dropped, order kept). Empty cells -> []. Unknown
    words -> "未知标签 X (unknown tag)" (several joined with '、').

    Values are an object Series of lists (None where the cell has an error). Cells are decoded once per
    distinct text and rows with the same text share ONE list object: treat the lists as read-only (copy
    before changing one); a fresh list per row would cost ~0.5 s per million rows."""
    table = dict(TAG_ALIASES if aliases is None else aliases)
    lookup = {**{v: v for v in table.values()}, **table}
    folded = {k.casefold(): v for k, v in lookup.items()}
    n = len(series)
    errors = _errors(n)
    arr = _squash(_arrow(series), keep_spaces=True)
    enc = pc.dictionary_encode(arr)
    null = _np_bool(pc.is_null(enc.indices))
    codes = np.where(null, 0, enc.indices.to_numpy(zero_copy_only=False)).astype(np.int64)
    words = enc.dictionary.to_pylist()
    parsed: list[list[str] | None] = []
    reasons: list[str | None] = []
    for cell in words:
        ids: list[str] = []
        unknown: list[str] = []
        for w in _TAG_SPLIT_RE.split(cell):
            if not w or w.upper() in MISSING_TOKENS:
                continue
            tag = lookup.get(w) or folded.get(w.casefold())
            if tag is None:
                unknown.append(w)
            elif tag not in ids:
                ids.append(tag)
        parsed.append(None if unknown else ids)
        reasons.append(_UNKNOWN_TAG.format(w="、".join(unknown)) if unknown else None)
    parsed.append([])  # null cells
    reasons.append(None)
    table_values = np.empty(len(parsed), dtype=object)
    for k, v in enumerate(parsed):
        table_values[k] = v
    index = np.where(null, len(words), codes)
    errors[:] = np.array(reasons, dtype=object)[index]
    values = pd.Series(table_values[index], index=series.index, name=series.name, dtype=object)
    return _result(series, values, errors)
