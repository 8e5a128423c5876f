"""统一社会信用代码 (GB 32100-2015): check characters, normalisation, vectorised validation, synthetic codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
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


def _texts(series: pd.Series) -> list:
    """The values of a str column as a list, None for a missing one."""
    return [None if pd.isna(v) else v for v in series]


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


NEED_17 = r"^need 17 characters from '0123456789ABCDEFGHJKLMNPQRTUWXY', got "


def test_check_character_rejects_bad_input():
    # its own message, not zip()'s length error or str.index()'s "substring not found"
    with pytest.raises(ValueError, match=NEED_17 + r"'9144030019220382'$"):
        uscc.check_character("9144030019220382")  # 16 characters, all in the charset
    with pytest.raises(ValueError, match=NEED_17 + r"'9144030019220382O'$"):
        uscc.check_character("9144030019220382O")  # 17 characters, O is not in the charset
    with pytest.raises(ValueError, match=NEED_17 + r"'914403001922038216'$"):
        uscc.check_character("914403001922038216")  # 18 characters


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
    assert _texts(result.normalised) == [
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
    assert result.error.isna().all() and _texts(result.normalised) == VALID
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
    assert _texts(result.normalised) == [uscc.normalise(r) for r in raw]
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
    # 2 regions x (256 digit bodies + 64 'MA' bodies) = 640 distinct codes at most; the 700 run draws them all
    # before 51 draws in a row bring nothing new
    codes = uscc.random_valid(_NarrowRng(), 600, ["440103", "440106"])
    assert len(codes) == 600 == len(set(codes))
    assert all(uscc.is_valid(c) for c in codes)
    with pytest.raises(RuntimeError, match=r"^could not draw 700 distinct codes \(got 640\)$"):
        uscc.random_valid(_NarrowRng(), 700, ["440103", "440106"])


BAD_REGIONS = r"^region_codes must be non-empty 6-digit division codes$"


@pytest.mark.parametrize(
    "regions",
    [
        ["4401"],  # too short
        [],  # none
        ["440103", "4401030"],  # one too long
        ["44010A"],  # six ASCII characters, not all digits
        ["４４０１０３"],  # six digits, but full-width (str.isdigit() is True)
    ],
)
def test_random_valid_rejects_bad_regions(regions):
    with pytest.raises(ValueError, match=BAD_REGIONS):
        uscc.random_valid(np.random.default_rng(0), 10, regions)


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


# --- single codes: edges --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (pd.NA, None),
        (np.float64("nan"), None),
        (9.5, "9.5"),  # a float that is not NaN is not missing: its text (which then fails the length check)
        (914403001922038216, "914403001922038216"),  # an int keeps all its digits
    ],
)
def test_normalise_missing_markers_and_numbers(raw, expected):
    assert uscc.normalise(raw) == expected


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        # Z counts 35: 35*3 = 105; 105 mod 11 = 6; 11 - 6 = 5
        ("Z0000000-5", True),
        ("Z0000000-4", False),
        # '*' is not allowed although its value would match: ord('*') - 55 = -13;
        # 1*3 + 9*7 + 2*9 + 2*10 + 0*5 + 3*8 + 8*4 - 13*2 = 134; 134 mod 11 = 2; 11 - 2 = 9
        ("1922038*9", False),
        # '_' (ord 95, between 'Z' and 'z') is not allowed: 40*3 = 120; 120 mod 11 = 10; 11 - 10 = 1
        ("_0000000-1", False),
        # only positions 9-17 count: the 18th character may be anything, even not ASCII
        ("91440300192203821é", True),
        ("914403001922038217", True),  # INVALID: wrong 18th character, GB 11714 part fine
        ("91440300192203821", False),  # 17 characters: neither 9 nor 18
        ("1922038-1", False),  # 8 characters
        (None, False),
        ("", False),
    ],
)
def test_org_code_ok_edges(code, ok):
    assert uscc.org_code_ok(code) is ok


def test_is_valid_rejects_characters_outside_the_charset():
    # 18 characters, but I is not in the charset (it would be read as 1)
    assert not uscc.is_valid("9144030019220382I6")
    assert not uscc.is_valid(None)


# --- vectorised: positions, paths, secondary outputs ------------------------------------------------------

BAD = "统一社会信用代码含非法字符 {} (invalid characters; I O S V Z are not used)"
CHECK = "统一社会信用代码校验位错误，应为 {} (check character wrong)"
LENGTH = "统一社会信用代码长度应为18位，实际 {} 位 (USCC must have 18 characters)"
WARN_ORG = "组织机构代码校验位不符 (GB 11714 check on positions 9-17 fails)"
WARN_AUTH = "登记管理部门代码 {} 不在已知列表中 (position 1 is not a known registration authority)"


@pytest.mark.parametrize("position", range(18))
def test_validate_flags_an_illegal_character_in_every_position(position):
    code = VALID[0][:position] + "O" + VALID[0][position + 1 :]
    result = uscc.validate(pd.Series([code, code.lower()]))  # both take the fast path first
    assert result.error.tolist() == [BAD.format("O")] * 2
    assert _texts(result.normalised) == [code] * 2


def test_validate_slow_rows_only():
    # no cell is 18 ASCII charset characters: everything goes through the full normalisation
    raw = pd.Series(
        [
            "9144-0300-1922-0382-16",
            " b1440300 19220382 2" + uscc.check_character("B1440300192203822").lower(),
            "９１４４０３００１９２２０３８２１７",  # full-width INVALID
        ],
        index=["a", "b", "c"],
        name="code",
    )
    result = uscc.validate(raw)
    assert result.error.tolist() == [None, None, CHECK.format("6")]
    assert result.warning.tolist() == [None, WARN_ORG + "；" + WARN_AUTH.format("B"), None]
    assert _texts(result.normalised) == [
        VALID[0],
        "B1440300192203822" + uscc.check_character("B1440300192203822"),
        INVALID,
    ]
    for part in (result.normalised, result.error, result.warning):
        assert part.index.tolist() == ["a", "b", "c"] and part.name == "code"


def test_validate_fast_rows_with_slow_rows_that_all_fail():
    # one fast row, and slow rows none of which reaches the check-character step
    raw = pd.Series([VALID[1], "", "9144", "N/A", VALID[2].lower()], name="统一社会信用代码")
    result = uscc.validate(raw)
    assert result.error.tolist() == [None, ERR_MISSING, LENGTH.format(4), ERR_MISSING, None]
    assert _texts(result.normalised) == [VALID[1], None, "9144", None, VALID[2]]
    assert result.warning.tolist() == [None] * 5
    assert result.ok.tolist() == [True, False, False, False, True]


def test_validate_length_counts_characters_not_bytes():
    # 16 ASCII + 'é' = 17 characters in 18 UTF-8 bytes; 16 ASCII + '中国' = 18 characters in 22 bytes
    result = uscc.validate(pd.Series(["9144030019220382é", "9144030019220382中国", "9144030019220382ÉÉ"]))
    assert result.error.tolist() == [LENGTH.format(17), BAD.format("中国"), BAD.format("É")]


def test_validate_secondary_outputs_keep_index_and_name():
    bad_org = uscc.make_uscc("91440300" + "19220382" + "2")
    raw = pd.Series([bad_org, None, INVALID], index=[7, 3, 5], name="信用代码")
    result = uscc.validate(raw)
    for part in (result.normalised, result.error, result.warning, result.ok):
        assert part.index.tolist() == [7, 3, 5]
    assert result.error.name == result.warning.name == result.normalised.name == "信用代码"
    assert result.warning.tolist() == [WARN_ORG, None, None]  # no warning on a row with an error
    assert result.error.tolist() == [None, ERR_MISSING, CHECK.format("6")]
    assert result.error.dtype == result.warning.dtype == object
    assert result.normalised.dtype == pd.StringDtype("pyarrow", na_value=np.nan)  # Arrow strings, missing as NaN


def test_validate_sliced_arrow_input():
    # a slice of an Arrow-backed column: the Arrow array starts at an offset into its buffers
    full = pd.Series(["9144O30019220382I6", *VALID, INVALID], dtype=pd.StringDtype("pyarrow"))
    part = full.iloc[2:]
    result = uscc.validate(part)
    assert result.error.tolist() == [None, None, None, None, CHECK.format("6")]
    assert _texts(result.normalised) == [*VALID[1:], INVALID]
    assert result.error.index.tolist() == [2, 3, 4, 5, 6]


def test_fixed_width_bytes_of_a_sliced_array():
    arr = pa.array([VALID[0], VALID[1], VALID[2]], pa.large_string()).slice(1, 1)
    out = uscc._fixed_width_bytes(arr)
    assert out.shape == (1, 18)
    assert out.tobytes().decode() == VALID[1]


# --- synthetic codes: size, spread, stall counter ---------------------------------------------------------


def test_random_valid_small_n():
    regions = ["440103"]
    one = uscc.random_valid(np.random.default_rng(1), 1, regions)
    assert len(one) == 1 and uscc.is_valid(one[0]) and one[0][:8] == "91440103"
    assert uscc.random_valid(np.random.default_rng(1), -3, regions) == []


def test_random_valid_spread():
    regions = ["440103", "440106", "440112"]
    codes = uscc.random_valid(np.random.default_rng(11), 4_000, regions)
    assert {c[2:8] for c in codes} == set(regions)  # every region drawn, not one for all
    old = [c[8:16] for c in codes if c[8:10] != "MA"]
    new = [c[10:16] for c in codes if c[8:10] == "MA"]
    assert {ch for body in old for ch in body} == set("0123456789")  # 0 included, no letters
    assert {ch for body in new for ch in body} == set(uscc.CHARSET)  # 0 and Y included
    assert 1_800 < len(new) < 2_200  # about half: binomial(4000, 0.5) has sd 32


class _ScriptedRng:
    """Stands in for np.random.Generator: every code is old-style with region 0, and draw k holds
    `fresh[k]` bodies never seen before (the numbers 1, 2, ... as 8 digits) followed by the body 00000000;
    after the script, draws hold only 00000000."""

    def __init__(self, fresh: list[int]) -> None:
        self.fresh = list(fresh)
        self.next_id = 1

    def integers(self, low, high, size):
        if not (isinstance(size, tuple) and size[1] == 8):
            return np.zeros(size, dtype=np.int64)  # region 0; letters unused
        new = self.fresh.pop(0) if self.fresh else 0
        ids = np.zeros(size[0], dtype=np.int64)
        ids[:new] = np.arange(self.next_id, self.next_id + new)
        self.next_id += new
        return np.array([[int(d) for d in f"{i:08d}"] for i in ids])

    def random(self, size):
        return np.ones(size)  # never < 0.5: no 'MA' bodies


# '91' + '440103' + body + GB 11714 check + check character:
# 00000001: 1*2 = 2; 2 mod 11 = 2; 11 - 2 = 9. 00000000: 0; 11 - 0 = 11 -> '0'. 00000002: 4; 11 - 4 = 7.
# check characters (weights 1 3 9 27 19 26 16 17 ... 30 28): 91440103 gives 9 + 3 + 36 + 108 + 26 + 51 = 233;
# ...019: 233 + 1*30 + 9*28 = 515 = 16*31 + 19 -> 31 - 19 = 12 = 'C';
# ...000: 233 = 7*31 + 16 -> 15 = 'F'; ...027: 233 + 2*30 + 7*28 = 489 = 15*31 + 24 -> 7 = '7'
ID1, ID0, ID2 = "91440103000000019C", "91440103000000000F", "914401030000000277"


def test_random_valid_survives_fifty_fruitless_draws():
    # draw 1 brings 2 codes, then 50 draws bring nothing (stall count 50, not over 50), then draw 52 succeeds
    codes = uscc.random_valid(_ScriptedRng([1] + [0] * 50 + [5]), 3, ["440103"])
    assert codes == [ID1, ID0, ID2]


def test_random_valid_gives_up_after_fifty_one_fruitless_draws():
    with pytest.raises(RuntimeError, match=r"^could not draw 3 distinct codes \(got 2\)$"):
        uscc.random_valid(_ScriptedRng([1] + [0] * 51 + [5]), 3, ["440103"])


def test_random_valid_counts_only_consecutive_fruitless_draws():
    # 60 draws each bring one new code (61 draws in all): never stalled, however many draws it takes
    codes = uscc.random_valid(_ScriptedRng([1] * 70), 62, ["440103"])
    assert len(set(codes)) == 62 and codes[:3] == [ID1, ID0, ID2]


def test_random_valid_stops_as_soon_as_it_has_n():
    # draw 1 brings exactly n = 3 codes and no later draw brings anything: no second draw is needed
    codes = uscc.random_valid(_ScriptedRng([2]), 3, ["440103"])
    assert codes == [ID1, ID2, ID0]
