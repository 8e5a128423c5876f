"""统一社会信用代码 (Unified Social Credit Code, USCC), GB 32100-2015: normalise, check and generate.

Structure of the 18 characters:

    1      登记管理部门代码 registration authority (1 机构编制, 5 民政, 9 工商/市场监管, Y 其他, and later ones)
    2      机构类别代码 organisation type (e.g. 91 = enterprise registered by 市场监管)
    3-8    登记管理机关行政区划码: the division of the REGISTERING OFFICE. Never use it as the enterprise's
           district: a company registered by the city office reads 440101 wherever it is (domain rule).
    9-17   主体标识码 = 组织机构代码 (GB 11714): 8 body characters + its own check character (0-9 or X)
    18     check character over positions 1-17

Check character (GB 32100): values 0-30 over the charset "0123456789ABCDEFGHJKLMNPQRTUWXY" (no I O S V Z),
weights 3^(i-1) mod 31, check = 31 - (sum mod 31), 31 -> 0.
GB 11714 check on positions 9-17: values 0-9 for digits and ord(c) - 55 for letters (A = 10 ... Z = 35),
weights 3 7 9 10 5 8 4 2, check = 11 - (sum mod 11), 10 -> 'X', 11 -> '0'. It is reported as a warning,
not an error: the 18th character is what the standard makes authoritative.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from chanye.registry.parse import _arrow, _halfwidth_arrow, _halfwidth_str, _np_bool

__all__ = [
    "CHARSET",
    "ERR_BAD_CHARS",
    "ERR_CHECK",
    "ERR_LENGTH",
    "ERR_MISSING",
    "ORG_WEIGHTS",
    "WARN_AUTHORITY",
    "WARN_ORG_CODE",
    "WEIGHTS",
    "UsccResult",
    "check_character",
    "is_valid",
    "make_uscc",
    "normalise",
    "org_code_ok",
    "random_valid",
    "validate",
]

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(
    pow(3, i, 31) for i in range(17)
)  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# Registration authorities: GB 32100-2015 lists 1, 5, 9, Y; the others were assigned since (2 外交, 3 司法行政,
# 4 文化, 6 旅游, 7 宗教, 8 工会, A 中央军委改革和编制办公室, N 农业农村). Anything else is only a warning.
AUTHORITIES = frozenset("123456789ANY")

ERR_MISSING = "缺少统一社会信用代码 (missing USCC)"
ERR_LENGTH = "统一社会信用代码长度应为18位，实际 {n} 位 (USCC must have 18 characters)"
ERR_BAD_CHARS = "统一社会信用代码含非法字符 {chars} (invalid characters; I O S V Z are not used)"
ERR_CHECK = "统一社会信用代码校验位错误，应为 {expected} (check character wrong)"
WARN_ORG_CODE = "组织机构代码校验位不符 (GB 11714 check on positions 9-17 fails)"
WARN_AUTHORITY = "登记管理部门代码 {c} 不在已知列表中 (position 1 is not a known registration authority)"

_MISSING_WORDS = frozenset({"", "—", "——", "–", "NAN", "NONE", "NULL", "N/A", "NA", "/", "无"})
_MISSING_ARRAY = pa.array(sorted(_MISSING_WORDS))
# Removed from codes: whitespace as Python's str.isspace() sees it (RE2's \s is ASCII only), zero-width
# characters and hyphens. The two patterns match the same characters.
_STRIP_RE = r"[\s\x{0b}\pZ\x{1c}-\x{1f}\x{85}\x{200b}\x{feff}\-\x{2010}-\x{2012}]"
_STRIP_PY = re.compile("[\\s\u200b\ufeff\\-\u2010-\u2012]")

# byte -> charset value (255 = not in the charset); byte -> GB 11714 value (255 = not allowed)
_VALUE = np.full(256, 255, dtype=np.uint8)
for _i, _c in enumerate(CHARSET):
    _VALUE[ord(_c)] = _i
_ORG_VALUE = np.full(256, 255, dtype=np.uint8)
for _c in "0123456789":
    _ORG_VALUE[ord(_c)] = int(_c)
for _c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
    _ORG_VALUE[ord(_c)] = ord(_c) - 55
_CHARSET_BYTES = np.frombuffer(CHARSET.encode(), dtype=np.uint8)
_ORG_CHECK_BYTES = np.frombuffer(b"0123456789X0", dtype=np.uint8)  # index 11 - (sum mod 11), 1..11
_AUTHORITY_BYTE = np.zeros(256, dtype=bool)
_AUTHORITY_BYTE[[ord(c) for c in AUTHORITIES]] = True
_W = np.array(WEIGHTS, dtype=np.int64)
_OW = np.array(ORG_WEIGHTS, dtype=np.int64)


@dataclass
class UsccResult:
    """`normalised`: the cleaned code, in pandas' str dtype (Arrow strings; NaN when missing); `error` /
    `warning`: None or a reason."""

    normalised: pd.Series
    error: pd.Series
    warning: pd.Series

    @property
    def ok(self) -> pd.Series:
        return self.error.isna()


# --- single codes ---------------------------------------------------------------------------------------


def normalise(raw: Any) -> str | None:
    """Full-width -> half-width, every whitespace (incl. U+3000, NBSP) and '-' removed, upper-case.
    None, NaN, blank, '—', '-', 'nan' -> None."""
    if raw is None or (isinstance(raw, float) and raw != raw) or raw is pd.NA:
        return None
    text = _STRIP_PY.sub("", _halfwidth_str(str(raw))).upper()
    return None if text in _MISSING_WORDS else text


def check_character(first17: str) -> str:
    """The 18th character for 17 charset characters (ValueError for anything else)."""
    if len(first17) != 17 or any(c not in CHARSET for c in first17):
        raise ValueError(f"need 17 characters from {CHARSET!r}, got {first17!r}")
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def is_valid(code: str) -> bool:
    """True when `code` (after `normalise`) has 18 charset characters and the right check character."""
    text = normalise(code)
    if text is None or len(text) != 18 or any(c not in CHARSET for c in text):
        return False
    return check_character(text[:17]) == text[17]


def _org_check(body8: str) -> str:
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body8, ORG_WEIGHTS, strict=True))
    return "0123456789X0"[11 - total % 11]


def org_code_ok(code: str) -> bool:
    """GB 11714 check of the 组织机构代码: positions 9-17 of an 18-character USCC, or a bare 9-character
    organisation code (e.g. '19220382-1'). Letters count as ord - 55 (A = 10)."""
    text = normalise(code)
    if text is None or len(text) not in (9, 18):
        return False
    org = text[8:17] if len(text) == 18 else text
    if any(not (c.isdigit() or "A" <= c <= "Z") for c in org[:8]) or not org.isascii():
        return False
    return _org_check(org[:8]) == org[8]


def make_uscc(body17: str) -> str:
    """`body17` plus its check character."""
    body = body17.upper()
    return body + check_character(body)


# --- vectorised -----------------------------------------------------------------------------------------


def _normalise_arrow(arr: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """The full normalisation (half-width, whitespace/zero-width/hyphens removed, upper-case) and the
    missing mask."""
    arr = _halfwidth_arrow(arr)
    arr = pc.utf8_upper(pc.replace_substring_regex(arr, _STRIP_RE, ""))
    missing = _np_bool(pc.or_kleene(pc.is_null(arr), pc.is_in(arr, value_set=_MISSING_ARRAY)))
    return arr, missing


def _fixed_width_bytes(arr: pa.Array) -> np.ndarray:
    """(n, 18) uint8 view of a null-free array of 18-byte strings (no copy of the text)."""
    arr = arr.cast(pa.large_binary())  # zero-copy
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8)
    return data[offsets[0] : offsets[-1]].reshape(-1, 18)


def _row_max(values: np.ndarray) -> np.ndarray:
    """Row-wise max of a narrow (n, k) array, column by column (faster than .max(axis=1) for small k)."""
    out = values[:, 0].copy()
    for j in range(1, values.shape[1]):
        np.maximum(out, values[:, j], out=out)
    return out


def _expected_check(values: np.ndarray) -> np.ndarray:
    """Charset value of the check character for (n, >=17) charset values."""
    total = values[:, :17].astype(np.float32) @ _W.astype(np.float32)  # exact: at most 30 * 30 * 17
    return (31 - total.astype(np.int64) % 31) % 31


def validate(series: pd.Series) -> UsccResult:
    """Normalise and check a column of USCCs. Errors (one per row, None when fine): missing, wrong length,
    characters outside the charset, wrong check character. Warnings: the GB 11714 check on positions 9-17
    fails; position 1 is not a known registration authority (joined with '；' when both).

    Fast path: cells that are already 18 ASCII charset characters (any case) are checked directly on an
    (n, 18) uint8 view of the Arrow buffer; only the rest go through the full normalisation."""
    n = len(series)
    raw = _arrow(series)
    upper = pc.ascii_upper(raw)
    errors = np.full(n, None, dtype=object)
    warnings = np.full(n, None, dtype=object)

    # 1. fast path: 18 ASCII bytes, all in the charset after upper-casing
    blen = pc.fill_null(pc.binary_length(raw), -1).to_numpy(zero_copy_only=False)
    fast = (blen == 18) & _np_bool(pc.string_is_ascii(raw))
    if fast.any():
        fast_chars = _fixed_width_bytes(pc.filter(upper, pa.array(fast)))
        fast_values = _VALUE[fast_chars]
        legal = _row_max(fast_values) != 255
        fast[np.flatnonzero(fast)[~legal]] = False
        fast_chars, fast_values = fast_chars[legal], fast_values[legal]
    else:
        fast_chars = np.empty((0, 18), np.uint8)
        fast_values = fast_chars

    # 2. the rest: full normalisation, then missing / length / characters
    slow = ~fast & (blen >= 0)
    normal = upper
    slow_rows = np.flatnonzero(slow)
    missing = blen < 0
    slow_chars = np.empty((0, 18), np.uint8)
    slow_values = slow_chars
    slow_ok_rows = slow_rows[:0]
    if len(slow_rows):
        fixed, slow_missing = _normalise_arrow(raw.take(pa.array(slow_rows)))
        normal = pc.replace_with_mask(upper, pa.array(slow), fixed)
        missing[slow_rows[slow_missing]] = True
        texts = fixed.to_pylist()
        lengths = pc.fill_null(pc.utf8_length(fixed), 0).to_numpy(zero_copy_only=False)
        nbytes = pc.fill_null(pc.binary_length(fixed), 0).to_numpy(zero_copy_only=False)
        for k in np.flatnonzero(~slow_missing & (lengths != 18)):
            errors[slow_rows[k]] = ERR_LENGTH.format(n=int(lengths[k]))
        cand = ~slow_missing & (lengths == 18)
        for k in np.flatnonzero(cand & (nbytes != 18)):
            errors[slow_rows[k]] = _bad_chars_reason(texts[k])
        cand &= nbytes == 18
        if cand.any():
            chars = _fixed_width_bytes(pc.filter(fixed, pa.array(cand)))
            values = _VALUE[chars]
            legal = _row_max(values) != 255
            for k in np.flatnonzero(cand)[~legal]:
                errors[slow_rows[k]] = _bad_chars_reason(texts[k])
            slow_chars, slow_values = chars[legal], values[legal]
            slow_ok_rows = slow_rows[np.flatnonzero(cand)[legal]]
    errors[missing] = ERR_MISSING

    # 3. check characters and warnings on every well-formed row
    rows = np.concatenate([np.flatnonzero(fast), slow_ok_rows])
    chars = np.concatenate([fast_chars, slow_chars])
    values = np.concatenate([fast_values, slow_values])
    if len(rows):
        expected = _expected_check(values)
        wrong = values[:, 17] != expected
        errors[rows[wrong]] = [ERR_CHECK.format(expected=CHARSET[e]) for e in expected[wrong]]
        good = ~wrong
        warn_org = ~_org_ok_bytes(chars) & good
        warn_auth = ~_AUTHORITY_BYTE[chars[:, 0]] & good
        for k in np.flatnonzero(warn_org | warn_auth):
            reasons = []
            if warn_org[k]:
                reasons.append(WARN_ORG_CODE)
            if warn_auth[k]:
                reasons.append(WARN_AUTHORITY.format(c=chr(chars[k, 0])))
            warnings[rows[k]] = "；".join(reasons)

    # kept as Arrow strings (pandas' str dtype, missing as NaN): no Python string per row (issue 14)
    normalised = pd.array(pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), normal.cast(pa.string())),
                          dtype=pd.StringDtype("pyarrow", na_value=np.nan))
    index, name = series.index, series.name
    return UsccResult(
        normalised=pd.Series(normalised, index=index, name=name),
        error=pd.Series(errors, index=index, name=name, dtype=object),
        warning=pd.Series(warnings, index=index, name=name, dtype=object),
    )


def _bad_chars_reason(code: str) -> str:
    bad = dict.fromkeys(c for c in code if c not in CHARSET)  # distinct, in order of appearance
    return ERR_BAD_CHARS.format(chars="".join(bad))


def _org_ok_bytes(chars: np.ndarray) -> np.ndarray:
    """GB 11714 check for an (n, 18) uint8 array of USCCs (positions 9-17)."""
    body = _ORG_VALUE[chars[:, 8:16]]
    legal = _row_max(body) != 255
    total = (body.astype(np.float32) @ _OW.astype(np.float32)).astype(np.int64)  # exact: at most 35 * 58
    expected = _ORG_CHECK_BYTES[11 - total % 11]
    return legal & (chars[:, 16] == expected)


# --- synthetic codes ------------------------------------------------------------------------------------


def random_valid(rng: np.random.Generator, n: int, region_codes: Sequence[str]) -> list[str]:
    """`n` distinct valid synthetic USCCs for demo data: '91' (enterprise, 市场监管), a division code drawn from
    `region_codes` (6 digits each), a random 组织机构代码 with a valid GB 11714 check (half old-style all
    digits, half post-2015 style 'MA' + 6 charset characters), then the check character."""
    regions = [str(r) for r in region_codes]
    if not regions or any(len(r) != 6 or not r.isascii() or not r.isdigit() for r in regions):
        raise ValueError("region_codes must be non-empty 6-digit division codes")
    if n <= 0:
        return []
    region_bytes = np.frombuffer("".join(regions).encode(), dtype=np.uint8).reshape(-1, 6)
    out = np.empty((0, 18), dtype=np.uint8)
    stalled = 0
    while len(out) < n:
        if stalled > 50:  # only when n nears the number of distinct codes the generator can make
            raise RuntimeError(f"could not draw {n} distinct codes (got {len(out)})")
        m = int((n - len(out)) * 1.05) + 16
        codes = np.empty((m, 18), dtype=np.uint8)
        codes[:, 0] = ord("9")
        codes[:, 1] = ord("1")
        codes[:, 2:8] = region_bytes[rng.integers(0, len(region_bytes), m)]
        new_style = rng.random(m) < 0.5
        body = _CHARSET_BYTES[rng.integers(0, 10, (m, 8))]  # digits
        letters = _CHARSET_BYTES[rng.integers(0, len(CHARSET), (m, 6))]
        body[new_style, 0] = ord("M")
        body[new_style, 1] = ord("A")
        body[new_style, 2:] = letters[new_style]
        codes[:, 8:16] = body
        total = _ORG_VALUE[body].astype(np.int64) @ _OW
        codes[:, 16] = _ORG_CHECK_BYTES[11 - total % 11]
        values = _VALUE[codes[:, :17]].astype(np.int64)
        codes[:, 17] = _CHARSET_BYTES[(31 - (values @ _W) % 31) % 31]
        both = np.concatenate([out, codes])
        _, first = np.unique(both.view("S18").ravel(), return_index=True)
        stalled = stalled + 1 if len(first) == len(out) else 0
        out = both[np.sort(first)]  # earlier codes keep their place; duplicates dropped
    return out[:n].view("S18").ravel().astype("U18").tolist()
