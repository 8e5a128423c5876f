"""数智化、绿色化 indicators (issue 13 §6) on a tiny fixture, every value worked by hand."""

from __future__ import annotations

import math

import pandas as pd

from chanye.analytics import transformation as tf

N = None
COLS = ["group", "uscc", "year", "smart_level", "integration_level", "iip_platform", "digital_workshop",
        "smart_factory", "green_factory", "energy_tce", "carbon_tco2", "output"]
ROWS = [
    # group G: A and B both years, C only 2023 (energy only), D only 2024 (output 0: out of the intensity)
    ("G", "A", 2023, 3, 2, True, False, True, False, 100.0, 200.0, 1000.0),
    ("G", "B", 2023, 1, N, False, False, False, True, 50.0, 90.0, 500.0),
    ("G", "C", 2023, N, N, N, N, N, N, 30.0, N, 100.0),
    ("G", "A", 2024, 4, 3, True, True, True, False, 90.0, 170.0, 1200.0),
    ("G", "B", 2024, 2, N, False, N, False, True, 60.0, 100.0, 500.0),
    ("G", "D", 2024, 5, N, True, False, False, False, 10.0, N, 0.0),
    ("H", "A", 2023, 3, 2, True, False, True, False, 100.0, 200.0, 1000.0),
    ("H", "A", 2024, 4, 3, True, True, True, False, 90.0, 170.0, 1200.0),
    ("H", "E", 2024, N, N, N, N, N, N, N, N, 800.0),  # no item at all: not a reporting firm
]


def frame() -> pd.DataFrame:
    return pd.DataFrame(ROWS, columns=COLS)


def test_indicators_by_hand() -> None:
    out = tf.indicators(frame()).set_index(["group", "year"])
    g23, g24 = out.loc[("G", 2023)], out.loc[("G", 2024)]
    assert g23["firms"] == 3 and g24["firms"] == 3
    # 2023: designated A (smart factory) yes, B no, C unanswered -> 1/2; green B of A, B -> 1/2; iip 1/2;
    # level ≥ 3: A (3) of A, B -> 1/2; integration ≥ 3: A is 2, B unanswered -> 0/1
    assert [g23[k] for k in ("smart_designated_share", "green_factory_share", "iip_share", "smart_level3_share",
                             "integration_level3_share")] == [50.0, 50.0, 50.0, 50.0, 0.0]
    # 2024: designated A yes, B no (workshop blank, factory no), D no -> 1/3; green B -> 1/3; iip A, D -> 2/3;
    # level ≥ 3: A (4), D (5) -> 2/3; integration ≥ 3: A (3) -> 1/1
    assert math.isclose(g24["smart_designated_share"], 100 / 3, rel_tol=1e-15)
    assert math.isclose(g24["green_factory_share"], 100 / 3, rel_tol=1e-15)
    assert math.isclose(g24["iip_share"], 200 / 3, rel_tol=1e-15)
    assert math.isclose(g24["smart_level3_share"], 200 / 3, rel_tol=1e-15)
    assert g24["integration_level3_share"] == 100.0
    # sums over reporting firms; intensity 1000·ΣE/ΣY (kg per 万元) over firms with both and output > 0
    assert (g23["energy_tce"], g23["carbon_tco2"], g24["energy_tce"], g24["carbon_tco2"]) == (180.0, 290.0, 160.0, 270.0)
    assert g23["energy_intensity"] == 112.5  # 1000 · 180 / 1600
    assert math.isclose(g23["carbon_intensity"], 1000 * 290 / 1500, rel_tol=1e-15)  # C has no carbon
    assert math.isclose(g24["energy_intensity"], 1000 * 150 / 1700, rel_tol=1e-15)  # D's output is 0
    assert math.isnan(g23["energy_intensity_change"])  # no 2022
    # like for like over A and B: 150/1500 -> 150/1700, −200/17 % (C and D do not move it)
    assert math.isclose(g24["energy_intensity_change"], -200 / 17, rel_tol=1e-12)
    h24 = out.loc[("H", 2024)]
    assert h24["firms"] == 1  # E reports nothing
    assert math.isclose(h24["energy_intensity_change"], -25.0, rel_tol=1e-12)  # 100/1000 -> 90/1200


def test_a_group_without_energy_has_no_intensity() -> None:
    data = pd.DataFrame([("G", "A", 2024, 3, N, N, N, N, N, N, N, 100.0)], columns=COLS)
    row = tf.indicators(data).iloc[0]
    assert row["firms"] == 1 and row["smart_level3_share"] == 100.0
    assert math.isnan(row["energy_intensity"]) and math.isnan(row["energy_tce"]) and math.isnan(row["iip_share"])


def test_flags_read_true_false_and_every_kind_of_missing() -> None:
    got = tf._flag(pd.Series([True, False, None, float("nan"), pd.NA, 1.0, 0.0, "是"], dtype=object))
    assert got.dtype == float
    assert [None if math.isnan(v) else v for v in got] == [1.0, 0.0, None, None, None, 1.0, 0.0, 1.0]


def test_text_becomes_missing_rows_come_out_sorted_and_like_for_like_edges() -> None:
    rows = [  # given out of order (K before H before G, 2024 before 2023), with text where numbers belong
        ("K", "Y", 2024, N, N, N, N, N, N, 5.0, N, 10.0),
        ("K", "Y", 2023, N, N, N, N, N, N, 0.0, N, 10.0),  # energy 0 the year before: no change to report
        ("H", "A", 2024, "三级", N, True, N, N, N, "n/a", N, "x"),
        ("G", "A", 2024, 3, "AA", N, N, N, N, 0.5, 1.0, 0.5),  # output 0.5 counts (> 0)
        ("G", "Z", 2024, N, N, N, N, N, N, 5.0, N, 0.0),  # output 0 in both years: never counted
        ("G", "A", 2023, 2, N, N, N, N, N, 1.0, N, 0.5),
        ("G", "Z", 2023, N, N, N, N, N, N, 5.0, N, 0.0),
        ("G", "B", 2023, N, N, N, N, N, N, 0.0, N, 10.0),
    ]
    out = tf.indicators(pd.DataFrame(rows, columns=COLS))
    assert list(zip(out["group"], out["year"], strict=True)) == [
        ("G", 2023), ("G", 2024), ("H", 2024), ("K", 2023), ("K", 2024)]
    g23, g24, h24, k24 = out.iloc[0], out.iloc[1], out.iloc[2], out.iloc[4]
    assert (h24["firms"], h24["iip_share"]) == (1, 100.0)
    assert math.isnan(h24["smart_level3_share"]) and math.isnan(h24["energy_tce"])  # '三级', 'n/a': not numbers
    assert math.isnan(g24["integration_level3_share"])  # 'AA' is not a number
    assert g23["energy_intensity"] == 1000 * 1.0 / 10.5 and g24["energy_intensity"] == 1000.0
    assert g24["carbon_tco2"] == 1.0  # one reporting firm is a sum
    # A alone in both years (Z has no output): (0.5 / 0.5) / (1.0 / 0.5) − 1 = −50 %
    assert math.isclose(g24["energy_intensity_change"], -50.0, rel_tol=1e-12)
    assert math.isnan(k24["energy_intensity_change"])


def test_no_reporting_firm_gives_an_empty_table_with_every_column() -> None:
    out = tf.indicators(pd.DataFrame([("G", "A", 2024, N, N, N, N, N, N, N, N, 500.0)], columns=COLS))
    assert len(out) == 0
    assert list(out.columns) == ["group", "year", "firms", "smart_designated_share", "green_factory_share", "iip_share",
                                 "smart_level3_share", "integration_level3_share", "energy_tce", "carbon_tco2",
                                 "energy_intensity", "carbon_intensity", "energy_intensity_change"]
