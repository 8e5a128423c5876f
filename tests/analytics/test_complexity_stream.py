"""Complexity end to end (issue 14): the year stream equals `complexity()`, and `complexity_files` reads and
writes the same files as the pandas path it replaces (Parquet: equal tables with equal schema and metadata;
CSV: byte for byte), on the Stata fixtures and on hand-made panels with the awkward cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from chanye import complexity_files as service
from chanye.analytics.complexity import complexity, complexity_stream
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
