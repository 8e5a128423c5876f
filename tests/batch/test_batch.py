"""The batch pipeline (chanye.batch, issue 14 item 5): the single-machine engine against hand-worked values,
and Spark local[2] against the single-machine engine on the small demo (exact counts, values to 1e-9).

One SparkSession and one Spark run of every step serve all the Spark tests (module fixtures). Without Java
the Spark tests skip locally and FAIL under CI=true (.ci/run installs openjdk-17-jre-headless)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from chanye.batch import steps as S
from chanye.errors import InputError
from chanye.framework import load_pack

YEAR = 2024
HEADERS = ["统一社会信用代码", "企业名称", "所在城市", "所属区", "行业代码", "经营范围", "年份", "营业收入(万元)", "成立日期"]


@pytest.fixture(scope="module")
def framework():
    return load_pack(None)


@pytest.fixture(scope="module")
def inputs(demo_db: Path, tmp_path_factory) -> Path:
    """The demo's enterprises, figures and tags as Parquet, plus raw rows of its 2024 figures with five faults."""
    from chanye.registry.batch_export import export_inputs
    from chanye.registry.store import Store

    folder = tmp_path_factory.mktemp("batch-in")
    store = Store(demo_db, read_only=True)
    try:
        export_inputs(store, folder)
    finally:
        store.close()
    firms = pq.read_table(folder / "enterprises.parquet").to_pandas()
    figures = pq.read_table(folder / "figures.parquet").to_pandas()
    y = figures[figures["year"] == YEAR].merge(firms, on="uscc").sort_values("uscc").reset_index(drop=True)
    rows = pd.DataFrame({
        "row_number": np.arange(2, len(y) + 2), "统一社会信用代码": y["uscc"], "企业名称": y["name"],
        "所在城市": y["city_code"], "所属区": y["district_code"], "行业代码": y["industry_code"],
        "经营范围": y["business_scope"], "年份": str(YEAR),
        "营业收入(万元)": [None if pd.isna(v) else f"{v:.2f}" for v in y["revenue"]], "成立日期": "2019-03-01",
    })
    good = rows.iloc[0, 1]
    rows.iloc[0, 1] = good[:-1] + ("0" if good[-1] != "0" else "1")  # row 2: a wrong check character
    rows.iloc[1, 2] = "  "  # row 3: a blank name
    rows.iloc[2, 8] = "-5"  # row 4: negative revenue
    rows.iloc[3, 9] = "2023-02-30"  # row 5: no such date
    last = len(rows) + 2
    dup = rows.iloc[[10]].assign(row_number=last, 企业名称="重复企业")  # the last row repeats row 12's USCC
    rows = pd.concat([rows, dup], ignore_index=True)
    pq.write_table(pa.Table.from_pandas(rows, preserve_index=False), folder / "rows.parquet")
    return folder


@pytest.fixture(scope="module")
def local_out(inputs: Path, framework, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("batch-local")
    S.run_local(inputs, out, framework, activity_digits=2)
    return out


def _read(folder: Path, name: str) -> pd.DataFrame:
    return S.sort_for_compare(pq.read_table(S.table_path(folder, name)).to_pandas(), S.KEYS[name])


# --- the single-machine engine ----------------------------------------------------------------------------


def test_validate_quarantines_exactly_the_faulty_rows_with_the_import_reasons(inputs: Path, local_out: Path) -> None:
    raw = pq.read_table(inputs / "rows.parquet").to_pandas()
    rejected = _read(local_out, "rejected")
    valid = _read(local_out, "valid")
    last = int(raw["row_number"].max())
    assert rejected["row_number"].tolist() == [2, 3, 4, 5, last]
    assert len(valid) == len(raw) - 5
    reasons = {r: [(x["field"], x["reason"]) for x in json.loads(t)] for r, t in zip(rejected["row_number"],
                                                                                    rejected["reasons"], strict=True)}
    assert reasons[2][0][0] == "uscc" and reasons[2][0][1].startswith("统一社会信用代码校验位错误，应为 ")
    assert reasons[3] == [("name", "缺少企业名称 (missing name)")]
    assert reasons[4] == [("revenue", "营业收入不能为负 (must not be negative)")]
    assert [f for f, _ in reasons[5]] == ["founded"]
    assert reasons[last] == [("uscc", "与第 12 行重复 (duplicate of row 12)")]
    first = valid[valid["row_number"] == 12].iloc[0]
    source = raw[raw["row_number"] == 12].iloc[0]
    assert first["uscc"] == source["统一社会信用代码"]
    assert first["revenue"] == float(source["营业收入(万元)"])
    assert (first["year"], first["founded"], json.loads(first["tags"])) == (YEAR, "2019-03-01", [])


def test_classify_and_chains_are_the_platform_functions_on_the_first_row_of_each_firm(
    inputs: Path, local_out: Path, framework
) -> None:
    from chanye.classify.chains import link_enterprises
    from chanye.classify.codes import classify_by_rules

    firms = pq.read_table(inputs / "enterprises.parquet").to_pandas()
    links = _read(local_out, "links")
    direct = S.sort_for_compare(classify_by_rules(firms, framework), S.KEYS["links"])
    assert len(links) == len(direct) > 0
    cols = ["uscc", "node", "method", "evidence", "code"]
    assert links[cols].values.tolist() == direct[cols].values.tolist()
    assert links["confidence"].tolist() == direct["confidence"].tolist()
    chain = _read(local_out, "chain_links")
    assert len(chain) == len(link_enterprises(firms, list(framework.chains))) > 0


def test_indicators_sum_the_city_and_count_its_firms(inputs: Path, local_out: Path, framework) -> None:
    firms = pq.read_table(inputs / "enterprises.parquet").to_pandas()
    figures = pq.read_table(inputs / "figures.parquet").to_pandas()
    city = framework.city.code
    mine = figures[(figures["year"] == YEAR) & figures["uscc"].isin(firms.loc[firms["city_code"] == city, "uscc"])]
    scale = _read(local_out, "scale").set_index(["node", "area_type", "year", "metric"])["value"]
    assert scale[("all-firms", "city", YEAR, "enterprises")] == len(mine)
    assert scale[("all-firms", "city", YEAR, "revenue")] == pytest.approx(mine["revenue"].sum() / 10_000, rel=1e-12)
    assert scale[("all-firms", "registry", YEAR, "enterprises")] == (figures["year"] == YEAR).sum()
    lq = _read(local_out, "structure")
    assert set(lq["indicator"]) == {"district_share", "hhi", "lq", "lq_registry"}


def test_complexity_rca_of_one_cell_by_hand(local_out: Path) -> None:
    table = _read(local_out, "complexity")
    year = table[table["year"] == YEAR]
    cell = year[year["value"] > 0].iloc[0]
    row = year.loc[year["location"] == cell["location"], "value"].sum()
    col = year.loc[year["activity"] == cell["activity"], "value"].sum()
    assert cell["rca"] == pytest.approx((cell["value"] / row) / (col / year["value"].sum()), rel=1e-12)
    assert cell["M"] == int(cell["rca"] > 1)
    prox = _read(local_out, "proximity")
    diagonal = prox[prox["activity_1"] == prox["activity_2"]]
    assert len(prox) == sum(len(set(g["activity"])) ** 2 for _, g in table.groupby("year"))
    assert (diagonal["proximity"] == 0).all()


def test_row_steps_stream_in_small_batches_with_the_whole_file_results(inputs: Path, local_out: Path, framework,
                                                                        tmp_path: Path) -> None:
    """97 rows a batch: the repeated USCC (rows 12 and the last) falls in different batches and is still found,
    naming row 12; every row table equals the one-batch run's."""
    out = tmp_path / "small"
    run = S.run_local(inputs, out, framework, steps=["validate", "classify", "chains"], batch_rows=97)
    for name in ("valid", "rejected", "links", "chain_links"):
        pd.testing.assert_frame_equal(_read(out, name), _read(local_out, name), check_exact=True, obj=name)
        assert run.rows[name] == len(_read(local_out, name))
    rejected = _read(out, "rejected")
    last = int(pq.read_table(inputs / "rows.parquet", columns=["row_number"]).column(0).to_numpy().max())
    assert json.loads(rejected.iloc[-1]["reasons"]) == [
        {"field": "uscc", "reason": "与第 12 行重复 (duplicate of row 12)"}
    ] and rejected.iloc[-1]["row_number"] == last
    assert pq.read_table(S.table_path(out, "valid")).column("row_number").to_pylist() == sorted(
        pq.read_table(S.table_path(out, "valid")).column("row_number").to_pylist())  # written in row order
    assert not list(out.glob(".batch-*"))  # the temporary folder is gone


def test_a_firm_counts_by_its_first_row_across_batches_and_part_files(tmp_path: Path, framework) -> None:
    """enterprises as a folder of two part files, two rows a batch: 甲's second row (another code) is skipped,
    乙's row without a USCC too; links are those of the first rows alone."""
    a, b, c = "91440101MA59TEST1X", "91440101MA59TEST2X", "91440101MA59TEST3X"
    part = tmp_path / "enterprises.parquet"
    part.mkdir()
    first = pd.DataFrame({"uscc": [a, b, None], "name": ["甲汽车公司", "乙药业公司", "乙药业公司"],
                          "industry_code": ["3612", "2720", "2720"], "business_scope": ["汽车整车制造", "化学药品制剂生产", ""]})
    second = pd.DataFrame({"uscc": [c, a], "name": ["丙软件公司", "甲汽车公司"], "industry_code": ["6513", "2761"],
                           "business_scope": ["应用软件开发", "生物药品制造"]})
    pq.write_table(pa.Table.from_pandas(first, preserve_index=False), part / "part-0.parquet")
    pq.write_table(pa.Table.from_pandas(second, preserve_index=False), part / "part-1.parquet")
    pq.write_table(pa.table({"_ignored": [1]}), part / "_SUCCESS.parquet")
    run = S.run_local(tmp_path, tmp_path / "out", framework, steps=["classify"], batch_rows=2)
    links = _read(tmp_path / "out", "links")
    firms = pd.concat([first.iloc[[0, 1]], second.iloc[[0]]], ignore_index=True)
    expected = S.sort_for_compare(S.classify_part(firms, framework), S.KEYS["links"])
    assert run.rows["links"] == len(expected) > 0
    assert links.values.tolist() == expected.values.tolist()
    assert links[["uscc", "node", "method", "code"]].values.tolist() == [
        [a, "icv-nev", "code", "3612"], [b, "biomed", "code", "2720"], [c, "software-internet", "code", "6513"]]



def test_indicators_in_batches_equal_scale_of_the_whole_tables_bit_for_bit(inputs: Path, local_out: Path,
                                                                            framework, tmp_path: Path) -> None:
    """The engine's indicators read the inputs 997 rows a batch (several batches of firms, figures and links:
    `analytics.indicators.scale_batches`); `scale` of the whole tables gives the same frame, every value the
    same float, and so does the one-batch run."""
    from chanye.analytics.indicators import scale, structure

    out = tmp_path / "batched"
    S.run_local(inputs, out, framework, steps=["classify", "indicators"], batch_rows=997)
    firms = pq.read_table(inputs / "enterprises.parquet").to_pandas()
    figures = pq.read_table(inputs / "figures.parquet").to_pandas()
    tags = pq.read_table(inputs / "tags.parquet").to_pandas()
    links = pq.read_table(out / "links.parquet").to_pandas()
    assert len(firms) > 997 * 3 and len(figures) > 997 * 3 and len(links) > 997 * 2  # several batches each
    whole = scale(firms, figures, tags, links, framework, framework.city.code)
    whole["year"] = whole["year"].astype("int64")
    batched = _read(out, "scale")
    expected = S.sort_for_compare(whole, S.KEYS["scale"])
    pd.testing.assert_frame_equal(batched, expected, check_exact=True)
    assert batched["value"].to_numpy().tobytes() == expected["value"].to_numpy().tobytes()  # NaN and -0.0 too
    assert batched["value"].isna().any() and (batched["value"] > 0).any()
    pd.testing.assert_frame_equal(_read(local_out, "scale"), expected, check_exact=True)
    struct = structure(whole, framework)
    struct["year"] = struct["year"].astype("int64")
    pd.testing.assert_frame_equal(_read(out, "structure"), S.sort_for_compare(struct, S.KEYS["structure"]),
                                  check_exact=True)


def _numbered(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def test_scale_batches_by_hand_across_batches(framework) -> None:
    """Four firms (integer codes), two rows a batch: firm 7's second row (another district) is skipped, firm 9
    is linked to two industry nodes of one tier and counts once in it, firm 8 has no revenue (so a sum over
    it alone is missing, not 0), firm 11 has figures but no firm row (registry only)."""
    from chanye.analytics.indicators import scale, scale_batches

    city = framework.city.code
    d1, d2 = (d.code for d in framework.city.districts[:2])
    industry = [n for n in framework.nodes if n.is_industry]
    a, b = next((x, y) for x in industry for y in industry if x.id < y.id and x.parent == y.parent)
    firms = _numbered([(7, city, d1), (9, city, d1), (7, city, d2), (8, city, d2)],
                      ["uscc", "city_code", "district_code"])
    figures = _numbered([(7, 2024, 100.0), (9, 2024, 50.5), (8, 2024, None), (11, 2024, 30.0)], ["uscc", "year", "revenue"])
    tags = _numbered([(9, "high_tech")], ["uscc", "tag"])
    links = _numbered([(9, a.id), (9, b.id), (7, a.id), (8, b.id)], ["uscc", "node"])

    def twos(frame: pd.DataFrame):
        return lambda: (frame.iloc[i:i + 2] for i in range(0, len(frame), 2))

    got = scale_batches(twos(firms), twos(figures), twos(tags), twos(links), framework, city)
    pd.testing.assert_frame_equal(got, scale(firms, figures, tags, links, framework, city), check_exact=True)
    value = got.set_index(["node", "area", "year", "metric"])["value"]
    assert value[(a.id, d1, 2024, "enterprises")] == 2  # firms 7 and 9
    assert value[(a.id, d1, 2024, "revenue")] == (100.0 + 50.5) * (1 / 10_000)
    assert value[(a.parent, d1, 2024, "enterprises")] == 2  # 9 once, though in two of its nodes
    assert value[(b.id, city, 2024, "enterprises")] == 2  # 9 (d1) and 8 (d2)
    assert value[(b.id, city, 2024, "revenue")] == 50.5 * (1 / 10_000)
    assert np.isnan(value[(b.id, d2, 2024, "revenue")])  # firm 8 alone, revenue unreported
    assert value[(b.id, d1, 2024, "enterprises_high_tech")] == 1
    assert value[("all-firms", city, 2024, "revenue")] == (100.0 + 50.5) * (1 / 10_000)
    assert value[("all-firms", "registry", 2024, "revenue")] == (100.0 + 50.5 + 30.0) * (1 / 10_000)
    assert got.attrs["notes"] == ["1 家企业有年度指标但不在企业名录中，只计入 registry (figures without a firm row)"]
    with pytest.raises(InputError, match=r"firms.uscc 须为整数编号 \(firms.uscc must be integer codes"):
        scale_batches(lambda: iter([firms.assign(uscc="x")]), twos(figures), twos(tags), twos(links), framework, city)
    twice = pd.concat([figures, figures.iloc[[1]]], ignore_index=True)
    with pytest.raises(InputError, match=r"figures 中同一企业同一年份出现多行 \(duplicate uscc\+year\)"):
        scale_batches(twos(firms), twos(twice), twos(tags), twos(links), framework, city)

def test_eigen_columns_from_m_density_and_proximity_equal_analytics_complexity() -> None:
    """What the Spark engine computes on the driver from Spark's M, density and proximity: ECI, PCI, diversity,
    ubiquity, COI and COG of `analytics.complexity` (Stata conventions) to 1e-12."""
    from chanye.analytics.complexity import complexity, proximity_frame
    from chanye.batch.spark import eigen_columns

    values = {"L1": [10, 0, 5, 1, 3], "L2": [0, 10, 5, 1, 2], "L3": [5, 5, 0, 10, 1], "L4": [1, 2, 3, 12, 20]}
    panel = pd.DataFrame([(loc, act, float(v)) for loc, row in values.items() for act, v in zip("abcde", row, strict=True)],
                         columns=["location", "activity", "value"])
    options = {"location": "location", "activity": "activity", "value": "value"}
    table = complexity(panel, **options).sort_values(["location", "activity"]).reset_index(drop=True)
    # RCA > 1 by hand (row sums 19, 18, 21, 38; column sums 16, 17, 13, 24, 26; total 96): L1 a,c; L2 b,c;
    # L3 a,b,d (L3 d: (10/21)/(24/96) = 1.9); L4 d,e (L4 d: (12/38)/(24/96) = 1.26; L4 c: (3/38)/(13/96) = 0.58)
    assert table.loc[table["M"] == 1, ["location", "activity"]].values.tolist() == [
        ["L1", "a"], ["L1", "c"], ["L2", "b"], ["L2", "c"], ["L3", "a"], ["L3", "b"], ["L3", "d"], ["L4", "d"],
        ["L4", "e"]]
    prox = proximity_frame(panel, **options)
    got = eigen_columns(table[["location", "activity", "M", "density"]], prox[["activity_1", "activity_2", "proximity"]])
    assert got["diversity"].tolist() == table["diversity"].tolist() == [2] * 5 + [2] * 5 + [3] * 5 + [2] * 5
    assert got["ubiquity"].tolist() == table["ubiquity"].tolist() == [2, 2, 2, 2, 1] * 4
    for column in ("eci", "pci", "coi", "cog"):
        assert np.isfinite(got[column].to_numpy(float)).all(), column  # a connected network: all defined
        assert S.nan_equal(got[column].to_numpy(float), table[column].to_numpy(float), 1e-12), column


def test_bad_input_is_one_clear_error(tmp_path: Path, framework) -> None:
    with pytest.raises(InputError, match=r"输入目录缺少 enterprises.parquet \(missing input table enterprises\)"):
        S.run_local(tmp_path, tmp_path / "out", framework, steps=["classify"])
    with pytest.raises(InputError, match=r"未知步骤 merge \(unknown batch steps\)"):
        S.run_local(tmp_path, tmp_path / "out", framework, steps=["merge"])
    pq.write_table(pa.table({"row_number": [2], "企业名称": ["甲"]}), tmp_path / "rows.parquet")
    with pytest.raises(InputError, match=r"找不到“统一社会信用代码”列 \(no USCC column\)"):
        S.run_local(tmp_path, tmp_path / "out", framework, steps=["validate"])


def test_cli_batch_runs_the_duckdb_engine_and_refuses_an_unknown_engine(inputs: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from chanye.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["batch", "--input", str(inputs), "--output", str(tmp_path), "--steps", "classify"])
    assert result.exit_code == 0, result.output
    links = pq.read_table(tmp_path / "links.parquet").num_rows
    assert f"links │ {links:,}" in result.output.replace("  ", " ").replace("  ", " ") or f"{links:,}" in result.output
    bad = runner.invoke(app, ["batch", "--input", str(inputs), "--output", str(tmp_path), "--engine", "flink"])
    assert bad.exit_code == 1
    assert "未知引擎 'flink' (unknown engine)" in bad.output


# --- Spark local[2] against the single-machine engine --------------------------------------------------------


def _java() -> None:
    if shutil.which("java") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("the Spark tests need Java under CI=true: apt-get install openjdk-17-jre-headless",
                        pytrace=False)
        pytest.skip("no Java runtime: the Spark tests need openjdk-17-jre-headless")


@pytest.fixture(scope="module")
def spark():
    _java()
    pytest.importorskip("pyspark")
    from chanye.batch.spark import session

    active = session("local[2]", app="chanye-tests", shuffle_partitions=2, driver_memory="768m",
                     conf={"spark.sql.adaptive.enabled": "false"})
    yield active
    active.stop()


@pytest.fixture(scope="module")
def spark_out(spark, inputs: Path, framework, tmp_path_factory) -> Path:
    from chanye.batch.spark import run_spark

    out = tmp_path_factory.mktemp("batch-spark")
    run_spark(spark, str(inputs), str(out), framework, activity_digits=2)
    return out


@pytest.mark.spark
@pytest.mark.parametrize("name", list(S.KEYS))
def test_spark_equals_the_single_machine_engine(name: str, spark_out: Path, local_out: Path) -> None:
    a, b = _read(spark_out, name), _read(local_out, name)
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b) > 0
    for column in a.columns:
        x, y = a[column], b[column]
        if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
            assert S.nan_equal(x.to_numpy(float, na_value=np.nan), y.to_numpy(float, na_value=np.nan), 1e-9), column
        else:
            assert x.astype(object).where(x.notna(), None).tolist() == y.astype(object).where(y.notna(), None).tolist(), column


@pytest.mark.spark
def test_spark_reports_a_missing_table_in_words(spark, tmp_path: Path, framework) -> None:
    from chanye.batch.spark import run_spark

    with pytest.raises(InputError, match=r"输入目录缺少 figures.parquet \(missing input table figures\)"):
        pq.write_table(pa.table({"uscc": ["x"], "industry_code": ["3612"]}), tmp_path / "enterprises.parquet")
        run_spark(spark, str(tmp_path), str(tmp_path / "out"), framework, steps=["complexity"])


@pytest.mark.spark
def test_cli_batch_on_spark_writes_the_same_links(spark, inputs: Path, local_out: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from chanye.cli import app

    result = CliRunner().invoke(app, ["batch", "--engine", "spark", "--master", "local[2]", "--input", str(inputs),
                                      "--output", str(tmp_path), "--steps", "classify", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Batch done (spark)" in result.output
    assert _read(tmp_path, "links").values.tolist() == _read(local_out, "links").values.tolist()
    assert spark.sparkContext._jsc is not None  # the module's session is still up
