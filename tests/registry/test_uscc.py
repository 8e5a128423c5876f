"""统一社会信用代码 (GB 32100-2015): check characters, normalisation, vectorised validation, synthetic codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chanye.registry import uscc

# Public filings (shared/data/README.md).
VALID = [
    "914403001922038216",  # 华为技术有限公司
    "9144030071526726XG",  # 腾讯科技(深圳)有限公司
    "91440300192317458F",  # 比亚迪股份有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
    "91440101MA5D3RX40T",  # registered in 番禺 although positions 3-8 read 440101
]
INVALID = "914403001922038217"  # check character should be 6


def test_constants_follow_the_standard():
    assert uscc.CHARSET == "0123456789ABCDEFGHJKLMNPQRTUWXY"
    assert len(uscc.CHARSET) == 31 and not set("IOSVZ") & set(uscc.CHARSET)
    assert uscc.WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert uscc.ORG_WEIGHTS == (3, 7, 9, 10, 5, 8, 4, 2)


@pytest.mark.parametrize("code", VALID)
def test_public_vectors_are_valid(code):
    assert uscc.check_character(code[:17]) == code[17]
    assert uscc.is_valid(code)
    assert uscc.make_uscc(code[:17]) == code


@pytest.mark.parametrize("code", VALID)
def test_public_vectors_pass_the_gb11714_check(code):
    # Finding: all five pass GB 11714 on positions 9-17, including the post-2015 letter body MA5D3RX4
    # (letters valued ord - 55: M=22, A=10, D=13, R=27, X=33 -> check 0).
    assert uscc.org_code_ok(code)


def test_hand_computed_org_check():
    # 19220382: 1*3 + 9*7 + 2*9 + 2*10 + 0*5 + 3*8 + 8*4 + 2*2 = 164; 164 mod 11 = 10; 11 - 10 = 1
    assert uscc.org_code_ok("19220382-1")
    assert not uscc.org_code_ok("19220382-2")
    # 71526726: 7*3+1*7+5*9+2*10+6*5+7*8+2*4+6*2 = 199; 199 mod 11 = 1; 11 - 1 = 10 -> X
    assert uscc.org_code_ok("71526726-X")
    assert not uscc.org_code_ok("12345")


def test_invalid_vector():
    assert not uscc.is_valid(INVALID)
    assert uscc.check_character(INVALID[:17]) == "6"
    result = uscc.validate(pd.Series([INVALID]))
    assert result.error.tolist() == ["统一社会信用代码校验位错误，应为 6 (check character wrong)"]


def test_check_character_wraps_31_to_0():
    # a body whose weighted sum is divisible by 31 gets '0', not CHARSET[31]
    body = "00000000000000000"
    assert uscc.check_character(body) == "0"


def test_check_character_rejects_bad_input():
    with pytest.raises(ValueError):
        uscc.check_character("9144030019220382")  # 16 characters
    with pytest.raises(ValueError):
        uscc.check_character("9144030019220382O")  # O is not in the charset


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("９１４４０３００１９２２０３８２１６", "914403001922038216"),  # full-width
        (" 9144 0300\u30001922\u00a00382 16 ", "914403001922038216"),  # spaces, U+3000, NBSP
        ("9144-0300-1922-0382-16", "914403001922038216"),
        ("9144030071526726xg", "9144030071526726XG"),
        ("\t91440101ma5d3rx40t\n", "91440101MA5D3RX40T"),
        (None, None),
        (float("nan"), None),
        ("", None),
        ("   ", None),
        ("—", None),
        ("-", None),
        ("nan", None),
        ("NaN", None),
    ],
)
def test_normalise(raw, expected):
    assert uscc.normalise(raw) == expected


def test_is_valid_normalises_first():
    assert uscc.is_valid(" 9144 0300 1922 0382 16")
    assert uscc.is_valid("9144030071526726xg")
    assert not uscc.is_valid("")
    assert not uscc.is_valid("91440300192203821")


ERR_MISSING = "缺少统一社会信用代码 (missing USCC)"


def test_validate_error_texts_and_alignment():
    raw = pd.Series(
        [
            VALID[0],
            INVALID,
            None,
            "",
            "—",
            "91440300192203821",
            "9144030019220382161",
            "91440300192203821O",
            "9144030019220382I6",
            "91440300192203821é",
            "９１４４０３００１９２２０３８２１６",
            "9144030071526726xg",
            np.nan,
        ],
        index=range(100, 113),
        name="信用代码",
        dtype=object,
    )
    result = uscc.validate(raw)
    assert result.error.index.equals(raw.index) and result.normalised.index.equals(raw.index)
    assert result.normalised.name == "信用代码"
    assert result.error.tolist() == [
        None,
        "统一社会信用代码校验位错误，应为 6 (check character wrong)",
        ERR_MISSING,
        ERR_MISSING,
        ERR_MISSING,
        "统一社会信用代码长度应为18位，实际 17 位 (USCC must have 18 characters)",
        "统一社会信用代码长度应为18位，实际 19 位 (USCC must have 18 characters)",
        "统一社会信用代码含非法字符 O (invalid characters; I O S V Z are not used)",
        "统一社会信用代码含非法字符 I (invalid characters; I O S V Z are not used)",
        "统一社会信用代码含非法字符 É (invalid characters; I O S V Z are not used)",
        None,
        None,
        ERR_MISSING,
    ]
    assert result.normalised.tolist() == [
        VALID[0],
        INVALID,
        None,
        None,
        None,
        "91440300192203821",
        "9144030019220382161",
        "91440300192203821O",
        "9144030019220382I6",
        "91440300192203821É",
        VALID[0],
        "9144030071526726XG",
        None,
    ]
    assert result.warning.isna().all()
    assert result.ok.tolist() == [e is None for e in result.error]


def test_validate_lists_every_illegal_character_once():
    result = uscc.validate(pd.Series(["9144O300S922O38216"]))
    assert (
        result.error.iloc[0] == "统一社会信用代码含非法字符 OS (invalid characters; I O S V Z are not used)"
    )


def test_validate_warns_on_org_code_and_authority():
    bad_org = uscc.make_uscc("91440300" + "19220382" + "2")  # GB 11714 check should be 1
    odd_authority = uscc.make_uscc("B1440300" + "19220382" + "1")  # position 1 'B' is not assigned
    both = uscc.make_uscc("B1440300" + "19220382" + "2")
    result = uscc.validate(pd.Series([bad_org, odd_authority, both, VALID[4]]))
    assert result.error.isna().all()
    assert result.warning.tolist() == [
        "组织机构代码校验位不符 (GB 11714 check on positions 9-17 fails)",
        "登记管理部门代码 B 不在已知列表中 (position 1 is not a known registration authority)",
        "组织机构代码校验位不符 (GB 11714 check on positions 9-17 fails)；"
        "登记管理部门代码 B 不在已知列表中 (position 1 is not a known registration authority)",
        None,
    ]


def test_validate_accepts_str_dtype_and_empty_series():
    result = uscc.validate(pd.Series(VALID))  # pandas' Arrow-backed str dtype
    assert result.error.isna().all() and result.normalised.tolist() == VALID
    empty = uscc.validate(pd.Series([], dtype=object))
    assert len(empty.error) == 0 and len(empty.normalised) == 0


def test_validate_matches_scalar_functions():
    raw = [
        *VALID,
        INVALID,
        " 9144 0300 1922 0382 16",
        "9144030071526726xg",
        "91440300192203821",
        "\u200b914403001922038216\ufeff",
        "9144\u2003030019220382\u008516",
        "ABCDEFGHJKLMNPQRTU",
        None,
        "",
    ]
    result = uscc.validate(pd.Series(raw, dtype=object))
    assert result.normalised.tolist() == [uscc.normalise(r) for r in raw]
    assert result.error.isna().tolist() == [r is not None and uscc.is_valid(r) for r in raw]


def test_make_uscc():
    assert uscc.make_uscc("91440300192203821") == "914403001922038216"
    assert uscc.make_uscc("91440101ma5d3rx40") == "91440101MA5D3RX40T"


def test_random_valid():
    regions = ["440103", "440106", "440112"]
    codes = uscc.random_valid(np.random.default_rng(7), 20_000, regions)
    assert len(codes) == 20_000 and len(set(codes)) == 20_000
    assert all(c[:2] == "91" and c[2:8] in regions for c in codes)
    result = uscc.validate(pd.Series(codes))
    assert result.error.isna().all() and result.warning.isna().all()  # GB 11714 check valid too
    assert all(uscc.org_code_ok(c) for c in codes[:500])
    assert any(c[8:10] == "MA" for c in codes) and any(c[8:16].isdigit() for c in codes)
    assert uscc.random_valid(np.random.default_rng(7), 20_000, regions) == codes  # reproducible
    assert uscc.random_valid(np.random.default_rng(7), 0, regions) == []


class _NarrowRng:
    """A generator that draws from a tiny space, so that duplicates are certain."""

    def __init__(self) -> None:
        self.rng = np.random.default_rng(0)

    def integers(self, low, high, size):
        return self.rng.integers(low, min(high, low + 2), size)

    def random(self, size):
        return self.rng.random(size)


def test_random_valid_drops_duplicates():
    # 2 regions x (256 digit bodies + 64 'MA' bodies) = 640 distinct codes at most
    codes = uscc.random_valid(_NarrowRng(), 600, ["440103", "440106"])
    assert len(codes) == 600 == len(set(codes))
    assert all(uscc.is_valid(c) for c in codes)
    with pytest.raises(RuntimeError):
        uscc.random_valid(_NarrowRng(), 700, ["440103", "440106"])


def test_random_valid_rejects_bad_regions():
    with pytest.raises(ValueError):
        uscc.random_valid(np.random.default_rng(0), 10, ["4401"])
    with pytest.raises(ValueError):
        uscc.random_valid(np.random.default_rng(0), 10, [])


bodies = st.text(alphabet=uscc.CHARSET, min_size=17, max_size=17)


@settings(max_examples=300, deadline=None)
@given(bodies)
def test_make_uscc_always_validates(body):
    code = uscc.make_uscc(body)
    assert uscc.is_valid(code)
    assert uscc.validate(pd.Series([code])).error.iloc[0] is None


@settings(max_examples=300, deadline=None)
@given(bodies, st.integers(0, 17), st.integers(1, 30))
def test_any_single_substitution_is_caught(body, position, shift):
    code = uscc.make_uscc(body)
    replacement = uscc.CHARSET[(uscc.CHARSET.index(code[position]) + shift) % 31]
    changed = code[:position] + replacement + code[position + 1 :]
    assert changed != code
    assert not uscc.is_valid(changed)
    error = uscc.validate(pd.Series([changed])).error.iloc[0]
    assert error is not None and error.startswith("统一社会信用代码校验位错误")
