"""Starting from one's own data (issue 15): `chanye init` makes an empty database, `chanye demo --remove` takes the
demo firms out of one, and a command run in a folder without a database refuses instead of creating one."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from chanye.cli import app
from chanye.registry import store as store_module
from chanye.registry.store import MIGRATIONS, Store

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False, env={"COLUMNS": "200"})


def line(output: str) -> str:
    """One message line (rich folds it at the console's 140 columns, at spaces)."""
    return re.sub(r" ?\n", " ", output.strip())


def counts(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("enterprises", "enterprise_years", "tags", "classifications", "chain_links")}


def test_init_creates_an_empty_migrated_database_and_refuses_an_existing_one(tmp_path: Path) -> None:
    db = tmp_path / "own.duckdb"
    done = run("init", "--db", str(db))
    assert done.exit_code == 0, done.output
    assert done.output.splitlines() == [f"已建空数据库（无示例数据）: {db}", f"下一步：chanye import 文件 --db {db}"]
    with Store(db, read_only=True) as store:
        assert store.version == len(MIGRATIONS)
    assert counts(db) == {"enterprises": 0, "enterprise_years": 0, "tags": 0, "classifications": 0, "chain_links": 0}
    again = run("init", "--db", str(db), "--lang", "en")
    assert again.exit_code == 1
    assert line(again.output) == (f"错误 Error: 数据库已存在: {db} (database exists)（换一个 --db 文件，或用 chanye demo "
                                    "--remove 删除其中的示例数据）")


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """Three firms: A and B synthetic (demo), C imported. A has 2 yearly figures, a tag and a classification;
    B one figure and a chain link; C one figure, a classification and a chain link."""
    db = tmp_path / "mixed.duckdb"
    with Store(db) as store, store.transaction() as con:
        con.execute("INSERT INTO enterprises (uscc, name, synthetic) VALUES ('A', '甲', TRUE), ('B', '乙', TRUE), "
                    "('C', '丙', FALSE)")
        con.execute("INSERT INTO enterprise_years (uscc, year, revenue, synthetic) VALUES ('A', 2023, 1, TRUE), "
                    "('A', 2024, 2, TRUE), ('B', 2024, 3, TRUE), ('C', 2024, 4, FALSE)")
        con.execute("INSERT INTO tags VALUES ('A', '高新技术企业', NULL)")
        con.execute("INSERT INTO classifications (uscc, pack, node, method) VALUES ('A', 'p', 'n1', 'code'), "
                    "('C', 'p', 'n1', 'code')")
        con.execute("INSERT INTO chain_links (uscc, pack, chain, chain_node, role, method) VALUES "
                    "('B', 'p', 'c', 'x', 'core', 'code'), ('C', 'p', 'c', 'x', 'core', 'code')")
    return db


def test_demo_remove_deletes_the_synthetic_firms_and_their_rows_only(mixed: Path) -> None:
    done = run("demo", "--remove", "--db", str(mixed))
    assert done.exit_code == 0, done.output
    assert line(done.output) == f"已删除示例数据 ({mixed}): 企业 2，年度指标 3，标签 1，归类 1，产业链关联 1"
    assert counts(mixed) == {"enterprises": 1, "enterprise_years": 1, "tags": 0, "classifications": 1,
                             "chain_links": 1}
    with duckdb.connect(str(mixed), read_only=True) as con:
        assert con.execute("SELECT uscc, revenue FROM enterprise_years").fetchall() == [("C", 4.0)]
    again = run("demo", "--remove", "--db", str(mixed), "--lang", "en")
    assert again.output.strip() == f"No demo data to remove: {mixed}"


def test_demo_remove_is_all_or_nothing(mixed: Path, monkeypatch) -> None:
    from chanye.registry import bulk

    monkeypatch.setattr(bulk, "FIRM_TABLES", (*bulk.FIRM_TABLES, "no_such_table"))
    with pytest.raises(duckdb.CatalogException, match="no_such_table"):
        runner.invoke(app, ["demo", "--remove", "--db", str(mixed)], catch_exceptions=False,
                      env={"CHANYE_DEBUG": "1"})
    assert counts(mixed) == {"enterprises": 3, "enterprise_years": 4, "tags": 1, "classifications": 2,
                             "chain_links": 2}


def test_a_reading_command_without_a_database_refuses_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "none.duckdb"
    for args in (("scoreboard",), ("chains",), ("quarantine", "--batches"), ("review", "list")):
        done = run(*args, "--db", str(missing))
        assert done.exit_code == 1, (args, done.output)
        assert line(done.output) == (
            f"错误 Error: 数据库 {missing} 不存在 (no database at {missing})（chanye init 建空库，chanye demo 生成示例数据，"
            "或用 --db / CHANYE_DB 指定 (create one with chanye init or chanye demo, or pass --db)）")
    assert list(tmp_path.iterdir()) == []


def test_a_command_in_an_empty_folder_creates_no_database_there(tmp_path: Path) -> None:
    """From the checkout the default is the checkout's data/chanye.duckdb, wherever the command runs."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "CHANYE_DB"} | {"COLUMNS": "200"}
    default = ROOT / "data" / "chanye.duckdb"
    existed = default.exists()
    done = subprocess.run([sys.executable, "-m", "chanye.cli", "chains"], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=300)
    assert list(folder.iterdir()) == []
    assert default.exists() == existed
    if not existed:
        assert done.returncode == 1 and f"数据库 {default} 不存在" in done.stderr


def test_the_default_database_is_never_relative_to_the_working_folder(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CHANYE_DB", str(tmp_path / "x.duckdb"))
    assert store_module.default_path() == tmp_path / "x.duckdb"
    monkeypatch.delenv("CHANYE_DB")
    assert store_module.default_path() == ROOT / "data" / "chanye.duckdb"  # the checkout's
    # installed (no pyproject.toml two folders above the package): the user's data folder
    monkeypatch.setattr(store_module, "__file__", str(tmp_path / "site" / "chanye" / "registry" / "store.py"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert store_module.default_path() == tmp_path / "xdg" / "chanye" / "chanye.duckdb"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert store_module.default_path() == tmp_path / "home" / ".local" / "share" / "chanye" / "chanye.duckdb"
