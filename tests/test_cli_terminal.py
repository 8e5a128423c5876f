"""Terminal tables fit 120 columns (issue 15): headers break between name and unit, never inside a word; one
number format per column; long reasons cut to one line unless --wide (the XLSX keeps them whole)."""

from __future__ import annotations

import pandas as pd
from openpyxl import load_workbook
from rich.cells import cell_len
from rich.console import Console
from typer.testing import CliRunner

from chanye.cli import app
from chanye.present.terminal import frame_table, header_lines, rich_table
from chanye.services.results import SYNTHETIC, Column, table

runner = CliRunner()


def render(renderable) -> list[str]:
    console = Console(width=120, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(renderable)
    return console.export_text().splitlines()


def test_headers_break_between_name_and_unit() -> None:
    assert header_lines("工业总产值（亿元）") == ("工业总产值\n（亿元）", 10)
    assert header_lines("Revenue (100m yuan)") == ("Revenue\n(100m yuan)", 7)
    assert header_lines("区位商") == ("区位商", 6)
    assert header_lines("RCA") == ("RCA", 3)


REASON = "弱链：生产企业 1 家，少于 3 家；区位商 0.01 低于 1；区位商 0.01 低于 2 个同类城市的第 40 百分位 14.97"


def typed():
    columns = [Column("node", "name"), Column("industrial_output", "number", "yi_yuan"),
               Column("enterprises", "integer", "firms"), Column("reason")]
    rows = [{"node": {"zh": f"智能网联与新能源汽车{i}", "en": f"ICV {i}"}, "industrial_output": v, "enterprises": n,
             "reason": REASON} for i, (v, n) in enumerate([(5802.300000000007, 11), (7.0, 7)])]
    return table("diagnosis", columns, rows, SYNTHETIC)


def test_a_typed_table_fits_120_columns_with_one_format_per_column() -> None:
    lines = render(rich_table(typed(), "zh"))
    assert max(cell_len(line) for line in lines) <= 120
    assert lines[1:7] == [
        "┏━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓",
        "┃ 节点                  ┃ 工业总产值（亿元） ┃ 企业数（家） ┃ 说明                           ┃",
        "┡━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩",
        "│ 智能网联与新能源汽车0 │           5,802.30 │           11 │ 弱链：生产企业 1 家，少于 3  … │",
        "│ 智能网联与新能源汽车1 │               7.00 │            7 │ 弱链：生产企业 1 家，少于 3  … │",
        "└───────────────────────┴────────────────────┴──────────────┴────────────────────────────────┘",
    ]
    wide = render(rich_table(typed(), "zh", wide=True))
    assert max(cell_len(line) for line in wide) <= 120
    assert wide[5:7] == [
        "│ 智能网联与新能源汽车0 │   5,802.30 │     11 │ 弱链：生产企业 1 家，少于 3 家；区位商 0.01 低于 1；区位商 0.01 低于 2 │",
        "│                       │            │        │ 个同类城市的第 40 百分位 14.97                                         │"]


def test_a_table_too_wide_for_one_line_headers_puts_units_on_a_second_line() -> None:
    columns = [Column("node", "name"), *(Column(k, "number", "yi_yuan") for k in
                                         ("industrial_output", "revenue", "value_added", "tax", "rd_expense",
                                          "energy_use", "fixed_investment", "exports"))]
    row = {"node": {"zh": "广州现代化产业体系", "en": "x"}, **dict.fromkeys([c.key for c in columns[1:]], 22206.03)}
    lines = render(rich_table(table("wide", columns, [row], SYNTHETIC), "zh"))
    assert max(cell_len(line) for line in lines) <= 120
    assert lines[2:4] == [
        "┃         ┃ 工业总产值 ┃  营业收入 ┃    增加值 ┃      税收 ┃  研发费用 ┃ 综合能源消费量 ┃ fixed_investment ┃   exports ┃",
        "┃ 节点    ┃   （亿元） ┃  （亿元） ┃  （亿元） ┃  （亿元） ┃  （亿元） ┃       （亿元） ┃         （亿元） ┃  （亿元） ┃",
    ]
    assert lines[3].count("（亿元）") == 8


def test_a_display_frame_gets_one_number_format_per_column() -> None:
    frame = pd.DataFrame({"节点": ["甲", "乙", "丙"], "数量": [11.0, 7.0, None], "比重（%）": [11, 7.5, 3],
                          "年份": [2020, 2024, 2023], "是否": [True, False, None]})
    body = [line for line in render(frame_table(frame, "表")) if line.startswith("│")]
    assert body == ["│ 甲   │   11 │     11.00 │ 2020 │ 是   │",
                    "│ 乙   │    7 │      7.50 │ 2024 │ 否   │",
                    "│ 丙   │    — │      3.00 │ 2023 │ —    │"]


def test_chains_fit_120_columns_and_wide_shows_the_whole_reason(demo_db, tmp_path) -> None:
    short = runner.invoke(app, ["chains", "icv-nev", "--db", str(demo_db)], catch_exceptions=False)
    wide = runner.invoke(app, ["chains", "icv-nev", "--wide", "--db", str(demo_db)], catch_exceptions=False)
    assert short.exit_code == wide.exit_code == 0
    for out in (short.stdout, wide.stdout):  # the tables; a note is one line the terminal wraps itself
        assert max(cell_len(line) for line in out.splitlines() if line[:1] in "┏┃┡│└") <= 120
    assert "…" in short.stdout
    summary = runner.invoke(app, ["chains", "--db", str(demo_db)], catch_exceptions=False).stdout
    assert max(cell_len(line) for line in summary.splitlines()) <= 120
    # the banner, the title, the header (top, 2 lines, rule), 22 chains, the bottom: 29 lines (233 before issue 15)
    assert len(summary.splitlines()) == 1 + 1 + 4 + 22 + 1
    # the long reasons, whole, in the XLSX
    path = tmp_path / "lists.xlsx"
    assert runner.invoke(app, ["chains", "icv-nev", "-f", "xlsx", "-o", str(path), "--db", str(demo_db)]).exit_code == 0
    sheet = load_workbook(path, read_only=True)["链条诊断"]
    rows = list(sheet.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and "依据" in r)
    reasons = [r[rows[head].index("依据")] for r in rows[head + 1:] if r and r[0]]
    assert max(len(r) for r in reasons) > 60 and all("…" not in r for r in reasons)


def test_the_scoreboard_workbook_rounds_for_display_keeps_precision_and_speaks_chinese(demo_db, tmp_path) -> None:
    path = tmp_path / "看板.xlsx"
    done = runner.invoke(app, ["scoreboard", "-f", "xlsx", "-o", str(path), "--db", str(demo_db)],
                         catch_exceptions=False)
    assert done.exit_code == 0, done.output
    book = load_workbook(path)
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if isinstance(c.value, bool) or c.value in ("TRUE", "FALSE", "True", "False")]
    floats = [c for c in cells if isinstance(c.value, float)]
    assert floats and all(c.number_format != "General" for c in floats)  # every number shown rounded
    assert any(c.value != round(c.value, 2) for c in floats)  # ... while the cell keeps full precision
    sheet = book["公开数据对照"]
    head = [c.value for c in sheet[2]]
    metrics = {row[head.index("指标")] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert "集群规模（千亿级）" in metrics and "cluster_scale" not in metrics
    milestones = book["千亿级"]
    head = [c.value for c in milestones[2]]
    flags = {row[head.index(h)] for row in milestones.iter_rows(min_row=3, values_only=True)
             for h in ("千亿级", "首次过千亿为该年或更早", "万亿级")}
    assert flags == {"是", "否"}
