"""Complexity end to end (issue 14): the year stream equals `complexity()`, and `complexity_files` reads and
writes the same files as the pandas path it replaces (Parquet: equal tables with equal schema and metadata;
CSV: byte for byte), on the Stata fixtures and on hand-made panels with the awkward cases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from chanye import complexity_files as service
from chanye.analytics.complexity import CodedPanel, complexity, complexity_stream
from chanye.errors import InputError
from chanye.export import write_frame

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "peer" / "py-ecomplexity"
TRADE = {"location": "origin", "activity": "hs92", "value": "export_val", "year": "year"}


def pandas_read(path: Path) -> pd.DataFrame:
    """The reader the CLI used before issue 14."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


def old_and_new(tmp_path: Path, panel: pd.DataFrame, suffix: str, **options) -> tuple[Path, Path, object]:
    old, new = tmp_path / f"old.{suffix}", tmp_path / f"new.{suffix}"
    write_frame(complexity(panel, **options), old)
    run = service.run(panel, new, **options)
    return old, new, run


def test_the_stream_yields_complexity_one_year_at_a_time() -> None:
    panel = pd.read_csv(FIX / "trade_data_sample.csv", dtype={"hs92": str})
    whole = complexity(panel, **TRADE)
    stream = complexity_stream(panel, **TRADE)
    assert stream.columns == list(whole.columns)
    assert stream.rows == 600 and stream.extra == []
    parts = list(stream)
    assert [p.year for p in parts] == [0, 1] and [len(p) for p in parts] == [300, 300]
    assert list(stream.years) == [1995, 1996]
    first = parts[0]
    # Row 0 of 1995: the first location (aut) and the first activity, as codes into the stream's labels.
    assert (stream.locs[first.loc_codes[0]], stream.acts[first.act_codes[0]]) == ("aut", whole["hs92"].iloc[0])
    for name, values in first.columns.items():
        np.testing.assert_array_equal(values, whole[name].to_numpy()[:300], err_msg=name)
    np.testing.assert_array_equal(parts[1].columns["eci"], whole["eci"].to_numpy()[300:])
    assert stream.notes == whole.attrs["notes"] == []


def test_parquet_output_equals_the_pandas_path_on_the_stata_sample(tmp_path) -> None:
    panel = service.read_panel(FIX / "trade_data_sample.csv", numeric=("export_val",))
    old, new, run = old_and_new(tmp_path, panel, "parquet", **TRADE)
    assert run.streamed and run.rows == 600
    a, b = pq.read_table(old), pq.read_table(new)
    assert a.schema.equals(b.schema, check_metadata=True)
    assert a.equals(b)
    # And the values still match Stata: one row worked out in tests/analytics/test_complexity.py.
    row = pd.read_parquet(new).query("year == '1995' and origin == 'aut' and hs92 == '1704'").iloc[0]
    assert row["rca"] == pytest.approx(0.5708342888507129, rel=1e-6)
    assert row["M"] == 0


def test_parquet_keeps_notes_nan_extra_columns_and_mcp(tmp_path) -> None:
    # w sums to 0 in year 7 (dropped, a note); y is absent for b (filled with 0, `tag` missing there).
    panel = pd.DataFrame({"yr": ["7"] * 5, "loc": ["a", "a", "a", "b", "b"], "act": ["x", "y", "w", "x", "w"],
                          "v": [1.0, 2.0, 0.0, 3.0, 0.0], "tag": ["t1", "t2", None, "t4", "t5"]})
    opts = {"location": "loc", "activity": "act", "value": "v", "year": "yr"}
    old, new, run = old_and_new(tmp_path, panel, "parquet", **opts)
    # Two locations with one activity each: the network falls apart, density, COI and COG are NaN (nulls).
    notes = [("dropped_activities_zero", {"count": 1, "names": ["w"], "more": 0, "year": "7"}),
             ("network_disconnected", {"gap": 0.0, "year": "7"}),
             ("density_and_coi_undefined", {"count": 2, "year": "7"}), ("cog_undefined", {"year": "7"})]
    assert run.notes == notes
    a, b = pq.read_table(old), pq.read_table(new)
    assert a.schema.equals(b.schema, check_metadata=True) and a.equals(b)
    assert b["density"].null_count == 4
    frame = pd.read_parquet(new)
    assert frame.attrs["notes"] == [[code, params] for code, params in notes]
    assert frame["rca"].tolist() == [0.5, 2.0, 1.5, 0.0]
    assert frame["tag"].tolist()[:3] == ["t1", "t2", "t4"] and pd.isna(frame["tag"].iloc[3])
    mcp = pd.DataFrame({"loc": list("aabb"), "act": list("xyxy"), "v": [1.0, 1, 1, 0], "m": [1, 0, 0, 1]})
    old, new, _ = old_and_new(tmp_path, mcp, "parquet", location="loc", activity="act", value="v", mcp="m")
    assert pq.read_table(old).equals(pq.read_table(new))


def test_csv_output_is_byte_identical_with_formula_text_and_missing_cells(tmp_path) -> None:
    # "=x", "-y" and "@n2" would start formulas in Excel: both writers prefix an apostrophe. b has no -y (filled
    # with 0, `note` missing there); every location has one activity, so density, coi and cog are NaN (empty).
    panel = pd.DataFrame({"loc": ["a", "a", "b", "c", "c"], "act": ["=x", "-y", "=x", "=x", "-y"],
                          "v": [1.0, 2.5, 3.0, 1e-7, 12345678901234567.0], "note": ["n1", "@n2", "n3", "n4", None]})
    old, new, run = old_and_new(tmp_path, panel, "csv", location="loc", activity="act", value="v")
    assert run.streamed and run.rows == 6
    assert new.read_bytes() == old.read_bytes()
    text = new.read_text(encoding="utf-8-sig").splitlines()
    assert text[0] == "loc,act,v,note,rca,M,density,eci,pci,diversity,ubiquity,coi,cog"
    assert text[1] == "a,'-y,2.5,'@n2,0.7142857142857145,0,,-0.6454972243679028,1.2909944487358056,1,1,,"
    assert text[3] == "b,'-y,0.0,,0.0,0,,-0.6454972243679028,1.2909944487358056,1,1,,"
    assert text[5].startswith("c,'-y,1.2345678901234568e+16,,") and text[6].startswith("c,'=x,1e-07,n4,")


def test_csv_with_text_that_needs_quoting_takes_the_pandas_path(tmp_path) -> None:
    panel = pd.DataFrame({"loc": ["a, inc", "a, inc", "b"], "act": ["x", "y", "x"], "v": [1.0, 2.0, 3.0]})
    old, new, run = old_and_new(tmp_path, panel, "csv", location="loc", activity="act", value="v")
    assert not run.streamed
    assert new.read_bytes() == old.read_bytes()
    assert new.read_text(encoding="utf-8-sig").splitlines()[1].startswith('"a, inc",x,1.0,')


def test_the_big_csv_is_byte_identical_through_the_cli_path(tmp_path) -> None:
    panel = service.read_panel(FIX / "trade_data_sample.csv", numeric=("export_val",))
    old, new, run = old_and_new(tmp_path, panel, "csv", **TRADE)
    assert run.streamed and new.read_bytes() == old.read_bytes()


@pytest.mark.parametrize(
    "text",
    [
        "year,loc,act,v\n2000,L1,A1,1.5\n2000,L2,A1,\n",  # an empty cell: NaN, as pandas reads it
        "\ufeffyear,loc,act,v\n2000,L1,A1,1.5\n",  # a byte-order mark (Excel's CSV)
        'year,loc,act,v\n2000,"L1\nsecond line",A1,2\n2000,L2,"A ""q""",3\n',  # quoted newline and quote
        "year,loc,act,v\n0007,L1,A1,1e3\n\n2000, L2 ,A1,NA\n",  # text kept as written; "NA" is not missing
    ],
)
def test_read_panel_reads_csv_like_pandas(tmp_path, text) -> None:
    path = tmp_path / "p.csv"
    path.write_text(text, encoding="utf-8")
    pd.testing.assert_frame_equal(service.read_panel(path), pandas_read(path))


def test_read_panel_parses_the_value_column_exactly_or_leaves_it_text(tmp_path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("loc,v\na,0.1\nb,2158.02\nc,1e-05\nd,0.30000000000000004\n", encoding="utf-8")
    values = service.read_panel(path, numeric=("v",))["v"]
    assert values.dtype == np.float64
    assert values.tolist() == [0.1, 2158.02, 1e-05, 0.30000000000000004]
    for bad in ("abc", "nan", "inf", ""):
        path.write_text(f"loc,v\na,1\nb,{bad}\n", encoding="utf-8")
        kept = service.read_panel(path, numeric=("v",))["v"]
        assert kept.dtype != np.float64
        assert kept.tolist()[0] == "1"


def test_read_panel_leaves_odd_files_to_pandas(tmp_path) -> None:
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1,2\n3,4,5\n", encoding="utf-8")
    with pytest.raises(pd.errors.ParserError, match="Expected 2 fields in line 3, saw 3"):
        service.read_panel(ragged)
    twice = tmp_path / "twice.csv"
    twice.write_text("a,a\n1,2\n", encoding="utf-8")
    assert list(service.read_panel(twice).columns) == ["a", "a.1"]
    with pytest.raises(InputError, match="面板只支持 CSV 或 Parquet"):
        service.read_panel(_touch(tmp_path / "p.xlsx"))
    with pytest.raises(InputError, match="文件不存在"):
        service.read_panel(tmp_path / "missing.csv")


def _touch(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def test_object_columns_take_the_pandas_path_and_still_write_the_same_parquet(tmp_path) -> None:
    panel = pd.DataFrame({"loc": pd.Series(["a", "a", "b", "b"], dtype=object), "act": list("xyxy"),
                          "v": [1.0, 2.0, 3.0, 0.5], "note": pd.Series(["p", "q", None, "r"], dtype=object)})
    old, new, run = old_and_new(tmp_path, panel, "parquet", location="loc", activity="act", value="v")
    assert not run.streamed and run.rows == 4
    assert pq.read_table(old).equals(pq.read_table(new))


# --- the pandas-free path of `chanye complexity` (issue 14, item 3): open_panel codes the keys from Arrow -------


def test_open_panel_codes_the_keys_like_pd_factorize() -> None:
    panel = service.open_panel(FIX / "trade_data_sample.csv", **TRADE)
    assert panel.coded is not None and panel.coded.rows == 600
    frame = pandas_read(FIX / "trade_data_sample.csv")
    for key in ("origin", "hs92", "year"):
        codes, labels = panel.coded.keys[key]
        want_codes, want_labels = pd.factorize(frame[key], sort=True)
        np.testing.assert_array_equal(codes, want_codes)
        assert list(labels) == list(want_labels) and all(type(x) is str for x in labels)
        assert panel.labels[key].to_pylist() == list(want_labels)
    assert list(panel.coded.keys["year"][1]) == ["1995", "1996"] and panel.distinct("year") == 2
    np.testing.assert_array_equal(panel.coded.numbers["export_val"], frame["export_val"].astype(float).to_numpy())


@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_the_coded_path_writes_the_pandas_paths_files_on_the_stata_sample(tmp_path, suffix) -> None:
    old, new = tmp_path / f"old.{suffix}", tmp_path / f"new.{suffix}"
    write_frame(complexity(service.read_panel(FIX / "trade_data_sample.csv", numeric=("export_val",)), **TRADE), old)
    run = service.run(service.open_panel(FIX / "trade_data_sample.csv", **TRADE), new, **TRADE)
    assert run.streamed and run.rows == 600 and run.notes == []
    if suffix == "csv":
        assert new.read_bytes() == old.read_bytes()
    else:
        a, b = pq.read_table(old), pq.read_table(new)
        assert a.schema.equals(b.schema, check_metadata=True) and a.equals(b)
        row = pd.read_parquet(new).query("year == '1995' and origin == 'aut' and hs92 == '1704'").iloc[0]
        assert row["rca"] == pytest.approx(0.5708342888507129, rel=1e-6) and row["M"] == 0


# Rows out of order, a carried-over column with an empty cell, an activity summing to 0 (dropped with a note), a
# pair absent from the panel (B, z: filled with 0), labels in code-point order ("B" < "a" < "é").
AWKWARD = ("yr,loc,act,v,tag\n7,é,x,1,t1\n7,a,w,0,t2\n7,B,y,2,\n7,a,x,3,t4\n7,é,w,0,t5\n7,B,x,1.5,t6\n7,é,y,2.5,t7\n"
           "7,a,z,1,t8\n7,é,z,4,t9\n")
AWKWARD_KEYS = {"location": "loc", "activity": "act", "value": "v", "year": "yr"}


@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_the_coded_path_equals_the_pandas_path_on_an_awkward_panel(tmp_path, suffix) -> None:
    path = tmp_path / "p.csv"
    path.write_text(AWKWARD, encoding="utf-8")
    panel = service.open_panel(path, **AWKWARD_KEYS)
    assert panel.coded is not None and list(panel.coded.keys["loc"][1]) == ["B", "a", "é"]
    old, new = tmp_path / f"old.{suffix}", tmp_path / f"new.{suffix}"
    write_frame(complexity(service.read_panel(path, numeric=("v",)), **AWKWARD_KEYS), old)
    run = service.run(panel, new, **AWKWARD_KEYS)
    assert run.streamed and run.rows == 9
    assert run.notes == [("dropped_activities_zero", {"count": 1, "names": ["w"], "more": 0, "year": "7"})]
    if suffix == "csv":
        assert new.read_bytes() == old.read_bytes()
        assert new.read_text(encoding="utf-8-sig").splitlines()[3].startswith("7,B,z,0.0,,0.0,0,")
        return
    a, b = pq.read_table(old), pq.read_table(new)
    assert a.schema.equals(b.schema, check_metadata=True) and a.equals(b)
    assert b["tag"].to_pylist() == ["t6", None, None, "t4", None, "t8", "t1", "t7", "t9"]
    # RCA by hand (total 15; rows B 3.5, a 4, é 7.5; columns x 5.5, y 4.5, z 5): B has x (1.17) and y (1.90), a
    # has x (2.05), é has y (1.11) and z (1.6).
    assert b["M"].to_pylist() == [1, 1, 0, 1, 0, 0, 0, 1, 1]
    assert b["diversity"].to_pylist() == [2, 2, 2, 1, 1, 1, 2, 2, 2]
    assert b["ubiquity"].to_pylist() == [2, 2, 1] * 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("loc,act,v\na,x,1\na,y,abc\nb,x,2\nb,y,3\n", "列 v 含 1 个非数值 column v has 1 non-numeric value(s) (first: 'abc' at row 1)"),
        ("loc,act,v\na,x,1\na,y,\nb,x,2\nb,y,3\n", "列 v 有 1 个缺失值 column v has 1 missing value(s) (first at row 1)"),
        ("loc,act,v\na,x,1\n,y,1\nb,x,2\nb,y,3\n", "列 loc 有 1 个缺失值 column loc has 1 missing value(s) (first at row 1)"),
        ("loc,act,v\na,x,1\na,y,inf\nb,x,2\nb,y,3\n", "列 v 有 1 个无穷值 column v has 1 infinite value(s) (first at row 1)"),
        ("loc,act,v\na,x,1\na,y, 2\nb,x,2\nb,y,3\n", None),  # " 2": pandas' number, not Arrow's cast: pandas path
    ],
)
def test_what_the_coded_path_cannot_check_goes_to_pandas(tmp_path, text, message) -> None:
    path = tmp_path / "p.csv"
    path.write_text(text, encoding="utf-8")
    keys = {"location": "loc", "activity": "act", "value": "v"}
    panel = service.open_panel(path, **keys)
    assert panel.coded is None
    if message is None:
        run = service.run(panel, tmp_path / "out.parquet", **keys)
        assert run.streamed and pd.read_parquet(tmp_path / "out.parquet")["v"].tolist() == [1.0, 2.0, 2.0, 3.0]
        return
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        service.run(panel, tmp_path / "out.parquet", **keys)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("loc,act,v\na,x,1\na,y,-2\nb,x,2\nb,y,-3\n", "列 v 含 2 个负值 column v has 2 negative value(s) (first: -2 at row 1)"),
        ("loc,act,v\nb,y,1\na,x,1\nb,y,2\na,x,3\n", "键重复 duplicate keys (loc, act): 2 组 key(s) appear more than once, e.g. (a, x)"),
        ("loc,act,v\na,x,0\nb,y,0\n", "列 v 全部为 0 column v is zero everywhere"),
        ("loc,act,v\na,x,1\na,y,2\n", "只有一个地区 only one location ('a')"),
        ("loc,act,v\na,x,1\nb,x,2\n", "只有 1 个活动有数据 only 1 activity(ies) with data"),
    ],
)
def test_the_coded_path_raises_the_pandas_paths_messages(tmp_path, text, message) -> None:
    path = tmp_path / "p.csv"
    path.write_text(text, encoding="utf-8")
    keys = {"location": "loc", "activity": "act", "value": "v"}
    panel = service.open_panel(path, **keys)
    assert panel.coded is not None
    pattern = message.replace("(", r"\(").replace(")", r"\)")
    with pytest.raises(InputError, match=pattern) as coded:
        service.run(panel, tmp_path / "out.parquet", **keys)
    with pytest.raises(InputError, match=pattern) as pandas_path:
        complexity(service.read_panel(path, numeric=("v",)), **keys)
    assert str(coded.value) == str(pandas_path.value)


def test_a_missing_column_or_a_population_table_takes_the_pandas_path(tmp_path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("loc,act,v\na,x,1\na,y,2\nb,x,3\nb,y,1\n", encoding="utf-8")
    keys = {"location": "loc", "activity": "act", "value": "v"}
    assert service.open_panel(path, **{**keys, "year": "yr"}).coded is None
    assert service.open_panel(path, location="loc", activity="act", value="loc").coded is None  # a key as value
    with pytest.raises(InputError, match="输入缺少列 missing column"):
        service.run(service.open_panel(path, **{**keys, "year": "yr"}), tmp_path / "o.parquet", **keys, year="yr")
    pop = pd.DataFrame({"loc": ["a", "b"], "population": [10.0, 30.0]})
    run = service.run(service.open_panel(path, **keys), tmp_path / "o.parquet", **keys, presence="rpop",
                      population=pop)
    old = complexity(service.read_panel(path, numeric=("v",)), **keys, presence="rpop", population=pop)
    assert run.streamed and pd.read_parquet(tmp_path / "o.parquet")["rpop"].tolist() == old["rpop"].tolist()
    with pytest.raises(ValueError, match=r"CodedPanel lacks codes or numbers for \['act'\]"):
        complexity_stream(CodedPanel(columns=("loc", "act", "v"), keys={"loc": (np.zeros(1), np.array(["a"]))},
                                     numbers={"v": np.ones(1)}, rows=1), **keys)


def test_the_coded_schema_is_the_one_pandas_writes() -> None:
    panel = pd.DataFrame({"yr": ["7", "7", "7", "7"], "loc": list("aabb"), "act": list("xyxy"),
                          "v": [1.0, 2.0, 3.0, 0.5], "tag": ["p", "q", None, "r"], "eci": ["replaced"] * 4})
    stream = complexity_stream(panel, location="loc", activity="act", value="v", year="yr")
    attrs = {"notes": [("columns_replaced", {"columns": ["eci"]})], "conventions": "stata"}
    for given in (None, attrs):
        assert service._coded_schema(stream, given).equals(service._pandas_schema(stream, given), check_metadata=True)
    mcp = complexity_stream(pd.DataFrame({"loc": list("aabb"), "act": list("xyxy"), "v": [1.0, 1, 1, 0],
                                          "m": [1, 0, 0, 1]}), location="loc", activity="act", value="v", mcp="m")
    assert service._coded_schema(mcp, attrs).equals(service._pandas_schema(mcp, attrs), check_metadata=True)


def test_chanye_complexity_imports_neither_pandas_nor_scipy_linalg(tmp_path) -> None:
    # The whole process, as a user runs it: a clean CSV in, Parquet out (issue 14: imports cost as much as maths).
    path = tmp_path / "p.csv"
    path.write_text(AWKWARD, encoding="utf-8")
    code = ("import atexit, sys\n"
            "atexit.register(lambda: print('loaded:', sorted(m for m in ('pandas', 'scipy.linalg') if m in sys.modules)))\n"
            "from chanye.cli import app\nsys.argv[0] = 'chanye'\napp()\n")
    out = tmp_path / "out.parquet"
    args = [str(path), "--location", "loc", "--activity", "act", "--value", "v", "--year", "yr", "-o", str(out)]
    done = subprocess.run([sys.executable, "-c", code, "complexity", *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "COLUMNS": "120"})
    assert done.returncode == 0, done.stderr
    assert "已写出 9 行" in done.stdout and "loaded: []" in done.stdout
    assert pd.read_parquet(out).attrs["notes"] == [
        ["dropped_activities_zero", {"count": 1, "names": ["w"], "more": 0, "year": "7"}]]


def test_the_eigensolver_is_scipys_eigh_bit_for_bit() -> None:
    from scipy import linalg

    from chanye.analytics import complexity as engine

    assert engine._flapack() is not None  # loaded straight from scipy's LAPACK module
    rng = np.random.default_rng(7)
    for n in (2, 3, 17, 300):
        A = rng.random((n, 2 * n))
        S = A @ A.T
        w, V = engine._top_two(S)
        w_scipy, V_scipy = linalg.eigh(S, subset_by_index=[n - 2, n - 1])
        assert w.tobytes() == w_scipy.tobytes() and V.tobytes() == V_scipy.tobytes()


def test_symmetric_proximity_is_the_smaller_conditional_probability_bit_for_bit() -> None:
    from chanye.analytics.complexity import proximity_discrete

    M = (np.random.default_rng(3).random((40, 90)) < 0.3).astype(float)
    M[:, 0] = 1.0  # ubiquity 40 next to ubiquities near 12: both orders of the max occur
    C = (M.T @ M).astype(float)
    P = C / M.sum(axis=0)[:, None]
    expected = np.minimum(P, P.T)
    np.fill_diagonal(expected, 0.0)
    got = proximity_discrete(M)
    assert got.tobytes() == expected.tobytes() and got.flags["C_CONTIGUOUS"]
    assert got[0, 1] == C[0, 1] / 40.0


def test_rows_in_any_order_give_the_same_rows_out() -> None:
    panel = pd.read_csv(FIX / "trade_data_sample.csv", dtype={"hs92": str})
    shuffled = panel.sample(frac=1.0, random_state=5).reset_index(drop=True)
    pd.testing.assert_frame_equal(complexity(shuffled, **TRADE), complexity(panel, **TRADE))
    twice = pd.concat([shuffled, shuffled.iloc[[123]]], ignore_index=True)
    first = shuffled.iloc[123]
    with pytest.raises(InputError, match=rf"1 组 key\(s\) appear more than once, e.g. \({first['origin']}, "
                                         rf"{first['hs92']}, {first['year']}\)"):
        complexity(twice, **TRADE)


def test_parquet_pages_handed_over_whole_write_the_same_bytes(tmp_path, monkeypatch) -> None:
    # issue 14: the writer takes 20,000-value batches (a page) instead of pyarrow's 1,024; same pages, same file.
    # 2 years x 40 locations x 600 activities: 24,000 rows a year, two pages of each column and 24 default batches.
    rng = np.random.default_rng(7)
    loc, act = np.meshgrid(np.arange(40), np.arange(600), indexing="ij")
    panel = pd.concat([pd.DataFrame({"yr": str(2020 + y), "loc": [f"L{i}" for i in loc.ravel()],
                                     "act": [f"A{j}" for j in act.ravel()],
                                     "v": np.round(rng.lognormal(0, 1, loc.size) * 100, 2)}) for y in range(2)])
    path = tmp_path / "p.csv"
    panel.to_csv(path, index=False)
    keys = {"location": "loc", "activity": "act", "value": "v", "year": "yr"}
    whole, small = tmp_path / "whole.parquet", tmp_path / "small.parquet"
    run = service.run(service.open_panel(path, **keys), whole, **keys)
    assert run.streamed and run.rows == 48_000 and service._PAGE_ROWS == 20_000
    monkeypatch.setattr(service, "_PAGE_ROWS", 1024)
    service.run(service.open_panel(path, **keys), small, **keys)
    assert whole.read_bytes() == small.read_bytes()
    meta = pq.ParquetFile(whole).metadata
    assert meta.num_row_groups == 2 and meta.row_group(0).num_rows == 24_000  # one row group a year
