"""Curate China's national input-output tables and the IO-sector ↔ GB/T 4754-2017 concordance into the package.

Reads `../shared/data/io/` (or `--io DIR`) and `../shared/data/peer/iotables/` (or `--peer DIR`), checks the
accounting identities of every table, and writes:

- `src/chanye/standards/data/io/<table id>/` for each shipped table (`china-2017-149`, `china-2018-153`,
  `china-2020-153`, `china-2018-42`, `china-2020-42`): `Z.csv` (intermediate use), `Y.csv` (final-use
  components FU101 FU102 FU103 FU201 FU202 EX and imports IM, a positive number that is subtracted),
  `V.csv` (value-added rows VA001-VA004 × sectors), `sectors.csv` (code, name_zh, name_en, sector42) — every
  number written with `repr`, so the IEEE doubles round-trip;
- `src/chanye/standards/data/io/tables.csv`: the index (id, year, sectors, unit, layout, source);
- `src/chanye/standards/data/io/concordance.csv`: every GB/T 4754-2017 小类 with its 153-sector and
  149-sector IO sector and the basis of the assignment (see CONCORDANCE below);
- `tests/fixtures/peer/iotables/` and `tests/fixtures/io/`: the published results the tests reproduce
  (byte copies, so the suite does not read ../shared).

Output is deterministic (sorted, UTF-8 without BOM, LF): a second run gives byte-identical files, and
`tests/standards/test_io_data.py` rebuilds into a temporary folder and compares.

    .venv/bin/python tools/build_io.py [--io DIR] [--peer DIR] [--out DIR] [--fixtures DIR]
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
DEFAULT_IO = REPO.parent / "shared" / "data" / "io"
DEFAULT_PEER = REPO.parent / "shared" / "data" / "peer" / "iotables"
DEFAULT_OUT = REPO / "src" / "chanye" / "standards" / "data" / "io"
DEFAULT_FIXTURES = REPO / "tests" / "fixtures"
GBT = REPO / "src" / "chanye" / "standards" / "data" / "gbt4754_2017.csv"

# id -> (source folder, year, sector count, layout)
TABLES = {
    "china-2017-149": ("china_2017_149", 2017, 149, "competitive"),
    "china-2018-153": ("china_2018_153", 2018, 153, "competitive"),
    "china-2020-153": ("china_2020_153", 2020, 153, "competitive"),
    "china-2018-42": ("china_2018_42", 2018, 42, "noncompetitive"),
    "china-2020-42": ("china_2020_42", 2020, 42, "noncompetitive"),
}
FINAL_USE = ("FU101", "FU102", "FU103", "FU201", "FU202", "EX")
FINAL_USE_42 = ("TC", "FU201", "FU202", "EX")
VALUE_ADDED = ("VA001", "VA002", "VA003", "VA004")
SOURCE = "国家统计局 中国投入产出表 (NBS), via ionet 0.2.2 data (Carol-seven/ionet@51145dc), 万元"

# English names the source package has wrong (its README lists them); name_zh is authoritative.
ENGLISH_FIXES = {
    ("china_2017_149", "105"): "Wholesale",
    ("china_2017_149", "106"): "Retail",
}

PEER_FILES = ("README.md", "germany_1995_siot.csv", "netherlands_2000.csv", "uk_2010_siot.csv",
              "uk_2010_coefficients.csv", "uk_2010_leontief_inverse.csv", "uk_test_results.csv")

# CONCORDANCE: 153-sector IO product sector -> GB/T 4754-2017 codes (大类 2 digits, 中类 3, 小类 4; the most
# specific code wins). The NBS publishes the official key (《投入产出表部门分类解释及代码》) but it was not
# available here (../shared/data/io/README.md), so this is ours: each IO sector's name is the name of the
# GB/T 4754 classes it covers, and the assignment follows the names. Where the name alone does not decide,
# the sector is listed in JUDGEMENT with the codes decided by us; docs/io.md lists them.
CONCORDANCE: dict[str, tuple[str, ...]] = {
    "001": ("01",), "002": ("02",), "003": ("03",), "004": ("04",), "005": ("05",),
    "006": ("06",), "007": ("07",), "008": ("08",), "009": ("09",), "010": ("10",), "011": ("11", "12"),
    "012": ("131",), "013": ("132",), "014": ("133",), "015": ("134", "142"), "016": ("135",), "017": ("136",),
    "018": ("137", "139"), "019": ("143",), "020": ("144",), "021": ("146",), "022": ("141", "145", "149"),
    "023": ("151",), "024": ("152",), "025": ("153",), "026": ("16",),
    "027": ("171", "175"), "028": ("172",), "029": ("173", "174"), "030": ("176",), "031": ("177", "178"),
    "032": ("18",), "033": ("191", "192", "193", "194"), "034": ("195",), "035": ("20",), "036": ("21",),
    "037": ("22",), "038": ("23",), "039": ("243",), "040": ("241", "242", "244", "245", "246"),
    "041": ("251", "253", "254"), "042": ("252",),
    "043": ("261",), "044": ("262",), "045": ("263",), "046": ("264",), "047": ("265",), "048": ("266", "267"),
    "049": ("268",), "050": ("27",), "051": ("28",), "052": ("291",), "053": ("292",),
    "054": ("301",), "055": ("302",), "056": ("303",), "057": ("304", "305", "306"), "058": ("307",),
    "059": ("308",), "060": ("309",),
    "061": ("312",), "062": ("313",), "063": ("311", "314"), "064": ("321", "322", "323", "324"), "065": ("325",),
    "066": ("33",), "067": ("341",), "068": ("342",), "069": ("343",), "070": ("344",), "071": ("346",),
    "072": ("347",), "073": ("345", "348", "349"),
    "074": ("351",), "075": ("352",), "076": ("357",), "077": ("358",), "078": ("353", "354", "355", "356", "359"),
    "079": ("361", "363", "364", "365"), "080": ("362", "366", "367"), "081": ("371", "372"), "082": ("373",),
    "083": ("374", "375", "376", "377", "378", "379"),
    "084": ("381",), "085": ("382",), "086": ("383",), "087": ("384",), "088": ("385", "386"), "089": ("387", "389"),
    "090": ("391",), "091": ("392",), "092": ("393", "394"), "093": ("395",), "094": ("397", "398"),
    "095": ("396", "399"), "096": ("40",), "097": ("41",), "098": ("42",), "099": ("43",),
    "100": ("44",), "101": ("45",), "102": ("46",),
    "103": ("471",), "104": ("472", "479"), "105": ("481",), "106": ("482", "483", "484", "485", "486", "487", "489"),
    "107": ("49",), "108": ("50",), "109": ("51",), "110": ("52",),
    "111": ("531",), "112": ("532", "533"), "113": ("541", "542"), "114": ("543", "544"), "115": ("551",),
    "116": ("552", "553"), "117": ("5611",), "118": ("5612", "562", "563"), "119": ("57",), "120": ("58",),
    "121": ("59",), "122": ("60",), "123": ("61",), "124": ("62",), "125": ("631",), "126": ("632", "633"),
    "127": ("64",), "128": ("651", "652"), "129": ("653", "654", "655", "656", "657", "659"),
    "130": ("66", "69"), "131": ("67",), "132": ("68",), "133": ("70",), "134": ("71",), "135": ("72",),
    "136": ("73",), "137": ("74",), "138": ("75",), "139": ("76",), "140": ("77",), "141": ("78", "79"),
    "142": ("80",), "143": ("81", "82"), "144": ("83",), "145": ("84",), "146": ("85",), "147": ("86",),
    "148": ("87",), "149": ("88",), "150": ("89",), "151": ("90",), "152": ("94",),
    "153": ("91", "92", "93", "95", "96"),
}
# Sectors whose codes the names alone do not settle: the codes we placed by judgement.
JUDGEMENT: dict[str, tuple[str, ...]] = {
    "015": ("142",),  # 糖果、巧克力及蜜饯 with 糖及糖制品
    "022": ("141", "145"),  # 焙烤食品, 罐头食品 into 其他食品
    "041": ("254",),  # 生物质燃料加工 with 精炼石油和核燃料加工品
    "073": ("345",),  # 轴承、齿轮和传动部件 into 其他通用设备
    "095": ("396",),  # 智能消费设备 into 其他电子设备
    "128": ("652",),  # 集成电路设计 with 软件服务
    "130": ("69",),  # 其他金融业 with 货币金融和其他金融服务
    "011": ("12",),  # 其他采矿业 with 开采辅助活动
}
# 97 国际组织 lies outside the domestic economy the tables account for.
UNMAPPED = ("97",)

# 153 -> 149 sectors: the 2017 table merges 071+073 (其他通用设备), 077+078 (其他专用设备), 103+104 (房屋建筑)
# and 105+106 (土木工程建筑); 文化、办公用机械 comes before 其他通用设备; all other sectors keep their names, in
# order. `build_concordance` checks every name.
def to_149(code153: str) -> str:
    """The 2017 (149-sector) sector of a 153-sector code."""
    n = int(code153)
    if n <= 70:
        return code153
    fixed = {71: 72, 72: 71, 73: 72, 78: 76, 104: 101, 105: 102, 106: 102}
    if n in fixed:
        m = fixed[n]
    elif n <= 77:
        m = n - 1
    elif n <= 103:
        m = n - 2
    else:
        m = n - 4
    return f"{m:03d}"


# --- writing ------------------------------------------------------------------------------------------------


def fmt(value: object) -> str:
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return "0.0" if v == 0 else repr(v)
    return str(value)


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([fmt(v) for v in row])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode("utf-8"))


def read(folder: Path, name: str, index: str = "code") -> pd.DataFrame:
    # pandas 3 parses floats round-trip by default: the doubles are those of the source files.
    return pd.read_csv(folder / name, dtype={index: str}, keep_default_na=False).set_index(index)


class BuildError(Exception):
    pass


def check(condition: bool, what: str) -> None:
    if not condition:
        raise BuildError(f"check failed: {what}")


def curate_table(table_id: str, src: Path, out: Path) -> dict[str, object]:
    folder, year, n, layout = TABLES[table_id]
    path = src / folder
    sectors = pd.read_csv(path / "sectors.csv", dtype=str, keep_default_na=False)
    codes = sectors["code"].tolist()
    Z = read(path, "Z.csv").loc[codes, codes].astype(float)
    Yraw = read(path, "Y.csv").loc[codes]
    use = FINAL_USE if layout == "competitive" else FINAL_USE_42
    Y = Yraw[[*use, "IM"]].astype(float)
    V = read(path, "V.csv").loc[list(VALUE_ADDED), codes].astype(float)
    totals = read(path, "totals.csv").loc[codes]
    go = totals["GO"].astype(float).to_numpy()
    z = Z.to_numpy()
    check(Z.shape == (n, n), f"{table_id}: Z is {n}x{n}")
    check((z >= 0).all(), f"{table_id}: Z is non-negative")
    check((go > 0).all(), f"{table_id}: every sector has output")
    # GO = TIU + TFU − IM (row identity) and GO = TII + TVA (column identity), to the README's tolerances.
    row_gap = np.abs(z.sum(axis=1) + Y[list(use)].sum(axis=1).to_numpy() - Y["IM"].to_numpy() - go)
    col_gap = np.abs(z.sum(axis=0) + V.to_numpy().sum(axis=0) - go)
    check(float((row_gap / go).max()) < 1e-10, f"{table_id}: GO = TIU + TFU - IM")
    check(float((col_gap / go).max()) < 1e-10, f"{table_id}: GO = TII + TVA")
    dest = out / table_id
    write_csv(dest / "Z.csv", ["code", *codes], [[c, *Z.loc[c].tolist()] for c in codes])
    write_csv(dest / "Y.csv", ["code", *Y.columns], [[c, *Y.loc[c].tolist()] for c in codes])
    write_csv(dest / "V.csv", ["code", *codes], [[r, *V.loc[r].tolist()] for r in VALUE_ADDED])
    write_csv(dest / "x.csv", ["code", "GO"], [[c, g] for c, g in zip(codes, go, strict=True)])
    names = []
    for row in sectors.itertuples(index=False):
        name_en = ENGLISH_FIXES.get((folder, row.code), row.name_en).replace("Eentertainment", "Entertainment")
        names.append([row.code, row.name_zh, name_en, getattr(row, "sector42", row.code)])
    write_csv(dest / "sectors.csv", ["code", "name_zh", "name_en", "sector42"], names)
    return {"id": table_id, "year": year, "sectors": n, "layout": layout, "unit": "wan_yuan", "source": SOURCE}


def build_concordance(src: Path, out: Path) -> int:
    gbt = pd.read_csv(GBT, dtype=str, keep_default_na=False)
    classes = gbt[gbt["level"] == "class"]
    s153 = pd.read_csv(src / "china_2018_153" / "sectors.csv", dtype=str).set_index("code")["name_zh"]
    s149 = pd.read_csv(src / "china_2017_149" / "sectors.csv", dtype=str).set_index("code")["name_zh"]
    check(sorted(CONCORDANCE) == sorted(s153.index), "the concordance names every 153 sector once")
    # 153 -> 149 by names: equal names, or a merged pair whose 149 name the 153 names share.
    for code in s153.index:
        target = to_149(code)
        check(target in s149.index, f"149 sector {target} exists for {code}")
        if code not in ("071", "073", "077", "078", "103", "104", "105", "106"):
            check(s149[target] == s153[code], f"{code} {s153[code]} = 149 {target} {s149[target]}")
    check(sorted({to_149(c) for c in s153.index}) == sorted(s149.index), "every 149 sector is reached")
    owner: dict[str, str] = {}
    for sector, prefixes in CONCORDANCE.items():
        for prefix in prefixes:
            check(prefix not in owner, f"GB/T code {prefix} is assigned once")
            owner[prefix] = sector
    rows = []
    for cls in classes.itertuples(index=False):
        hits = [p for p in (cls.code[:4], cls.code[:3], cls.code[:2]) if p in owner]
        if cls.code[:2] in UNMAPPED:
            check(not hits, f"{cls.code} is outside the tables")
            continue
        check(bool(hits), f"小类 {cls.code} {cls.name} has an IO sector")
        prefix = hits[0]  # the most specific code wins
        sector = owner[prefix]
        basis = "judgement" if prefix in JUDGEMENT.get(sector, ()) else "name"
        rows.append([cls.code, cls.name, sector, s153[sector], to_149(sector), s149[to_149(sector)], basis])
    used = {r[2] for r in rows}
    check(used == set(s153.index), "every IO sector holds at least one 小类")
    write_csv(out / "concordance.csv", ["gbt_code", "gbt_name", "sector_153", "name_153", "sector_149", "name_149",
                                        "basis"], sorted(rows))
    return len(rows)


def build(io_dir: Path, peer: Path, out: Path, fixtures: Path) -> None:
    index = [curate_table(t, io_dir, out) for t in TABLES]
    write_csv(out / "tables.csv", list(index[0]), [list(r.values()) for r in index])
    count = build_concordance(io_dir, out)
    for name in PEER_FILES:
        (fixtures / "peer" / "iotables").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(peer / name, fixtures / "peer" / "iotables" / name)
    (fixtures / "io").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(io_dir / "reference" / "china_2018_153_linkages.csv",
                    fixtures / "io" / "china_2018_153_linkages.csv")
    print(f"{len(index)} tables, {count} 小类 in the concordance -> {out}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--io", type=Path, default=DEFAULT_IO)
    parser.add_argument("--peer", type=Path, default=DEFAULT_PEER)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES)
    args = parser.parse_args(argv)
    try:
        build(args.io, args.peer, args.out, args.fixtures)
    except BuildError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
