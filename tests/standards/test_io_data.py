"""The curated input-output data: `tools/build_io.py` rebuilds it byte for byte from ../shared/data/io, the
shipped tables keep the NBS accounting identities and the io README's sums, and the IO-sector ↔ GB/T 4754
concordance puts every 小类 in exactly one sector."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from chanye.errors import InputError, NotFound
from chanye.services import io as io_service
from chanye.standards.gbt4754 import load as load_gbt

REPO = Path(__file__).resolve().parents[2]
SHARED_IO = REPO.parent / "shared" / "data" / "io"
SHIPPED = REPO / "src" / "chanye" / "standards" / "data" / "io"
FIXTURES = REPO / "tests" / "fixtures"


@pytest.mark.skipif(not SHARED_IO.is_dir(), reason=f"raw IO data not present at {SHARED_IO}")
def test_rebuild_is_byte_identical(tmp_path: Path) -> None:
    for run in ("a", "b"):
        proc = subprocess.run([sys.executable, str(REPO / "tools" / "build_io.py"), "--out", str(tmp_path / run),
                               "--fixtures", str(tmp_path / f"fix_{run}")], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip().endswith(f"5 tables, 1380 小类 in the concordance -> {tmp_path / run}")
    for folder, shipped in ((tmp_path / "a", SHIPPED), (tmp_path / "fix_a", FIXTURES)):
        files = sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())
        assert files, folder
        for rel in files:
            assert filecmp.cmp(folder / rel, shipped / rel, shallow=False), rel
            assert filecmp.cmp(folder / rel, tmp_path / ("b" if folder.name == "a" else "fix_b") / rel, shallow=False)


def test_shipped_index() -> None:
    index = {e["id"]: (int(e["year"]), int(e["sectors"]), e["layout"]) for e in io_service.shipped_index()}
    assert index == {"china-2017-149": (2017, 149, "competitive"), "china-2018-153": (2018, 153, "competitive"),
                     "china-2020-153": (2020, 153, "competitive"), "china-2018-42": (2018, 42, "noncompetitive"),
                     "china-2020-42": (2020, 42, "noncompetitive")}


@pytest.mark.parametrize(("table_id", "z_sum", "go_sum", "va_sum"), [
    ("china-2017-149", 14_345_178_227.96, 22_577_335_292.36, 8_232_157_064.40),
    ("china-2018-153", 15_734_410_971.06, 24_954_982_693.14, 9_220_571_722.08),
    ("china-2020-153", 16_826_058_032.78, 26_990_278_045.43, 10_164_220_012.65),
    ("china-2018-42", 15_734_410_971.06, 24_954_982_693.14, 9_220_571_722.08),
])
def test_sums_of_the_readme_and_identities(table_id: str, z_sum: float, go_sum: float, va_sum: float) -> None:
    t = io_service.load_table(table_id)
    assert round(float(t.Z.sum()), 2) == z_sum
    assert round(float(t.x.sum()), 2) == go_sum
    assert round(float(t.value_added.sum()), 2) == va_sum
    # GO = TIU + TFU − IM and GO = TII + TVA
    assert np.abs(t.Z.sum(axis=1) + t.final_demand - t.x).max() / t.x.max() < 1e-12
    assert np.abs(t.Z.sum(axis=0) + t.value_added - t.x).max() / t.x.max() < 1e-12
    # GDP by expenditure = total value added
    assert abs(float(t.final_demand.sum()) - va_sum) / va_sum < 1e-12


def test_service_share_of_manufacturing_inputs_2018() -> None:
    t = io_service.load_table("china-2018-153")
    codes = list(t.codes)
    manuf = [codes.index(f"{i:03d}") for i in range(12, 100)]
    services = [codes.index(f"{i:03d}") for i in range(109, 154)]
    share = t.Z[np.ix_(services, manuf)].sum() / t.Z[:, manuf].sum()
    assert round(float(share), 6) == 0.171175
    assert round(float(t.Z[np.ix_(services, manuf)].sum()), 2) == 1_404_176_510.75


def test_concordance_every_class_in_exactly_one_sector() -> None:
    conc = io_service.concordance()
    gbt = load_gbt()
    classes = {c.code for c in gbt.classes("class")}
    assert len(classes) == 1381
    assert conc["gbt_code"].is_unique
    # every 小类 except 9700 国际组织 (outside the domestic economy) has one sector
    assert set(conc["gbt_code"]) == classes - {"9700"}
    assert sorted(set(conc["sector_153"])) == [f"{i:03d}" for i in range(1, 154)]
    assert sorted(set(conc["sector_149"])) == [f"{i:03d}" for i in range(1, 150)]
    row = conc.set_index("gbt_code")
    assert tuple(row.loc["3612", ["sector_153", "name_153", "sector_149", "basis"]]) == ("079", "汽车整车", "077", "name")
    assert tuple(row.loc["3670", ["sector_153", "sector_149"]]) == ("080", "078")
    assert tuple(row.loc["5611", ["sector_153", "name_153"]]) == ("117", "航空旅客运输")
    assert tuple(row.loc["5612", ["sector_153", "name_153"]]) == ("118", "航空货物运输和运输辅助活动")
    assert tuple(row.loc["3581", ["sector_153", "sector_149", "name_149"]]) == ("077", "076", "其他专用设备")
    assert tuple(row.loc["4710", ["sector_153", "sector_149", "name_149"]]) == ("103", "101", "房屋建筑")
    assert tuple(row.loc["6520", ["sector_153", "basis"]]) == ("128", "judgement")
    assert int((conc["basis"] == "judgement").sum()) == 29


def test_folder_of_csvs_and_bad_input(tmp_path: Path) -> None:
    src = SHIPPED / "china-2018-42"
    for name in ("Z.csv", "Y.csv", "V.csv", "x.csv", "sectors.csv"):
        (tmp_path / name).write_bytes((src / name).read_bytes())
    t = io_service.load_table(tmp_path)
    assert t.n == 42 and t.provenance.key == "registry"
    assert np.array_equal(t.Z, io_service.load_table("china-2018-42").Z)
    with pytest.raises(NotFound, match="no such input-output table"):
        io_service.load_table(tmp_path / "missing")
    lines = (tmp_path / "Z.csv").read_text().split("\n")
    row = next(i for i, line in enumerate(lines) if line.startswith("02,"))
    lines[row] = ",".join(["02", "abc", *lines[row].split(",")[2:]])  # sector 02's input from 01
    text = "\n".join(lines)
    (tmp_path / "Z.csv").write_text(text)
    with pytest.raises(InputError, match=r"Z.csv: row 02, column 01 is not a number"):
        io_service.load_table(tmp_path)
