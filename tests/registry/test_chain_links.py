"""Chain links in the store (`registry.chain_links`, written by `classify.chain_links`): written when the demo is
built, replaced for the firms an import touches, relinked by `chanye classify` after a template edit; and the
fallback for a database from before chain links or with links of an older format."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from chanye.classify.chain_links import link_chains, link_status
from chanye.classify.chains import LINK_COLUMNS, LINK_FORMAT, fingerprint, link_enterprises
from chanye.cli import app
from chanye.framework import load_pack
from chanye.registry import uscc
from chanye.registry.chain_links import COLUMNS, FIRMS_SQL, read_links
from chanye.registry.ingest import import_file
from chanye.registry.store import MIGRATIONS, Store
from chanye.services import chains as svc
from chanye.services.imports import classify_and_link, reclassify

PACK = "guangzhou-12218"


@pytest.fixture(scope="module")
def framework():
    return load_pack(None)


@pytest.fixture
def copy_db(demo_db, tmp_path) -> Path:
    path = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, path)
    return path


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame[LINK_COLUMNS].astype({c: object for c in LINK_COLUMNS if c != "confidence"})
    return frame.sort_values(["chain", "chain_node", "role", "uscc"]).reset_index(drop=True)


def test_migrations_add_the_chain_tables() -> None:
    with Store(":memory:") as store:
        assert store.version == len(MIGRATIONS) == 10  # 3 imported targets, 4 English notes, 5 accounts, 6 review queue, 7 projects, 8 transformation, 9 links and 10 firms without primary keys
        columns = store.query(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'chain_links' "
            "ORDER BY ordinal_position"
        )["column_name"].tolist()
        assert columns == ["uscc", "pack", "chain", "chain_node", "role", "method", "evidence", "confidence"]
        assert list(COLUMNS) == LINK_COLUMNS == [c for c in columns if c != "pack"]
        assert store.count("chain_link_runs") == 0


def test_the_demo_build_stores_every_chains_links(demo_db, framework) -> None:
    with Store(demo_db, read_only=True) as store:  # it only reads; web fixtures may hold the file
        stored = read_links(store, PACK)
        firms = store.query(FIRMS_SQL)
        runs = store.query("SELECT chain, fingerprint FROM chain_link_runs WHERE pack = ?", [PACK])
        status = link_status(store, framework)
    expected = link_enterprises(firms, list(framework.chains))
    assert len(stored) > 1000
    pd.testing.assert_frame_equal(_sorted(stored), _sorted(expected))
    assert set(stored["chain"]) <= {c.id for c in framework.chains}
    assert dict(zip(runs["chain"], runs["fingerprint"], strict=True)) == {
        c.id: fingerprint(c) for c in framework.chains
    }
    assert set(status.values()) == {"current"}
    # every link explains itself
    assert stored["evidence"].str.len().min() > 0
    assert set(stored["role"]) == {"producer", "seller", "user"}
    assert all(f.startswith(f"{LINK_FORMAT}.") and len(f) == len(LINK_FORMAT) + 17 for f in runs["fingerprint"])


def _firm_csv(path: Path, code: str, scope: str, name: str = "示例链条测试有限公司") -> str:
    body = "00012218"
    check = 11 - sum(int(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    number = uscc.make_uscc(f"91440112{body}{ {10: 'X', 11: '0'}.get(check, str(check)) }")
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["统一社会信用代码", "企业名称", "所属区", "行业代码", "经营范围", "营业收入"])
        writer.writerow([number, name, "黄埔区", code, scope, "50000"])
    return number


def test_an_import_links_the_firms_it_touched_and_only_those(copy_db, tmp_path) -> None:
    path = tmp_path / "firm.csv"
    number = _firm_csv(path, "3841", "动力电池、电池模组的研发、生产和销售")
    with Store(copy_db) as store:
        before = read_links(store, PACK)
        import_file(store, path, on_write=classify_and_link, year=2024)
        after = read_links(store, PACK)
        mine = after[after["uscc"] == number]
        battery = mine[(mine["chain"] == "icv-nev") & (mine["chain_node"] == "battery")].iloc[0]
        assert (battery["role"], battery["method"], battery["confidence"]) == ("producer", "code+keyword", 0.8)
        assert battery["evidence"] == "3841|3841|动力电池"  # the firm's code, the rule's code, the word
        # everyone else's links are untouched
        pd.testing.assert_frame_equal(_sorted(after[after["uscc"] != number]), _sorted(before))

        # the same firm again, now a textile maker: its battery links go, the new ones come
        _firm_csv(path, "1713", "棉纺织品、面料的生产")
        import_file(store, path, on_write=classify_and_link, year=2024)
        again = read_links(store, PACK)
        mine = again[again["uscc"] == number]
        assert not ((mine["chain"] == "icv-nev") & (mine["role"] == "producer")).any()
        textiles = mine[(mine["chain"] == "fashion") & (mine["chain_node"] == "textiles")].iloc[0]
        assert (textiles["role"], textiles["method"], textiles["evidence"]) == ("producer", "code", "1713|171")
        pd.testing.assert_frame_equal(_sorted(again[again["uscc"] != number]), _sorted(before))


DUPLICATE_KEYS = {
    "classifications": "SELECT count(*) FROM (SELECT uscc, pack, node FROM classifications GROUP BY ALL "
                       "HAVING count(*) > 1)",
    "chain_links": "SELECT count(*) FROM (SELECT uscc, pack, chain, chain_node FROM chain_links GROUP BY ALL "
                   "HAVING count(*) > 1)",
    "enterprises": "SELECT count(*) FROM (SELECT uscc FROM enterprises GROUP BY ALL HAVING count(*) > 1)",
    "enterprise_years": "SELECT count(*) FROM (SELECT uscc, year FROM enterprise_years GROUP BY ALL "
                        "HAVING count(*) > 1)",
}


def test_links_stay_one_per_key_without_primary_keys(copy_db, tmp_path) -> None:
    """Migrations 9 and 10 dropped the primary keys of the link tables, the firms and their figures (issue 14:
    their indexes cost 5 s of a 1 M-row import, then 2.5 s): the same firm imported twice and a full
    re-classification still leave one row per key, and the counts are what they were."""
    path = tmp_path / "firm.csv"
    number = _firm_csv(path, "3841", "动力电池、电池模组的研发、生产和销售")
    with Store(copy_db) as store:
        counts = {t: store.count(t) for t in DUPLICATE_KEYS}
        import_file(store, path, on_write=classify_and_link, year=2024)
        import_file(store, path, on_write=classify_and_link, year=2024)
        mine = store.scalar("SELECT count(*) FROM chain_links WHERE uscc = ?", [number])
        assert mine > 0 and store.count("chain_links") == counts["chain_links"] + mine
        reclassify(store)
        assert {t: store.scalar(sql) for t, sql in DUPLICATE_KEYS.items()} == {
            "classifications": 0, "chain_links": 0, "enterprises": 0, "enterprise_years": 0}
        assert store.scalar("SELECT count(*) FROM chain_links WHERE uscc = ?", [number]) == mine


def test_a_dry_run_import_leaves_the_links_as_they_were(copy_db, tmp_path) -> None:
    path = tmp_path / "firm.csv"
    number = _firm_csv(path, "3841", "动力电池的生产")
    with Store(copy_db) as store:
        before = store.count("chain_links")
        import_file(store, path, on_write=classify_and_link, year=2024, dry_run=True)
        assert store.count("chain_links") == before
        assert store.scalar("SELECT count(*) FROM chain_links WHERE uscc = ?", [number]) == 0


def test_classify_relinks_after_a_template_change(copy_db, framework) -> None:
    with Store(copy_db) as store:
        original = _sorted(read_links(store, PACK))
        # a template edited since the last link: its links are gone or wrong, its fingerprint differs
        store.con.execute("DELETE FROM chain_links WHERE chain = 'icv-nev'")
        store.con.execute(f"UPDATE chain_link_runs SET fingerprint = '{LINK_FORMAT}.old' WHERE chain = 'icv-nev'")
        assert link_status(store, framework)["icv-nev"] == "stale"
        inputs = svc.load_inputs(store, framework)
        links = svc.read_chain_links(store, framework, "icv-nev", inputs)
        assert svc.view(inputs, framework, "icv-nev", links=links).status == "stale"
    result = CliRunner().invoke(app, ["classify", "--db", str(copy_db), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert '"chain_links": ' + str(len(original)) in result.stdout
    with Store(copy_db) as store:
        pd.testing.assert_frame_equal(_sorted(read_links(store, PACK)), original)
        assert set(link_status(store, framework).values()) == {"current"}


def test_link_chains_returns_the_number_written_and_replaces(copy_db, framework) -> None:
    with Store(copy_db) as store, store.transaction():
        total = store.count("chain_links")
        assert link_chains(store, framework) == total  # relinking all: the same links again, no duplicates
        assert store.count("chain_links") == total
        some = store.query("SELECT DISTINCT uscc FROM chain_links ORDER BY uscc LIMIT 5")["uscc"].tolist()
        n = store.scalar(
            f"SELECT count(*) FROM chain_links WHERE uscc IN ({', '.join('?' * len(some))})", some
        )
        assert n >= 5
        assert link_chains(store, framework, some) == n
        assert store.count("chain_links") == total


def test_a_database_from_before_chain_links_is_linked_in_memory(tmp_path, framework, copy_db) -> None:
    old = tmp_path / "v1.duckdb"
    with duckdb.connect(str(old)) as con:  # schema version 1 only, a few firms copied from the demo
        con.execute(MIGRATIONS[0])
        con.execute("INSERT INTO schema_version (version) VALUES (1)")
        con.execute(f"ATTACH '{copy_db}' AS demo (READ_ONLY)")
        con.execute("INSERT INTO enterprises SELECT * FROM demo.enterprises LIMIT 3000")
        con.execute(
            "INSERT INTO enterprise_years SELECT * FROM demo.enterprise_years "
            "WHERE uscc IN (SELECT uscc FROM enterprises)"
        )
    with Store(old, read_only=True) as store:
        assert store.version == 1
        assert set(link_status(store, framework).values()) == {"missing"}
        inputs = svc.load_inputs(store, framework)
        links = svc.read_chain_links(store, framework, "icv-nev", inputs)
        firms = store.query(FIRMS_SQL)
    pd.testing.assert_frame_equal(
        _sorted(links), _sorted(link_enterprises(firms, framework.chain("icv-nev")))
    )
    v = svc.view(inputs, framework, "icv-nev", links=links)
    assert v.status == "missing" and len(v.diagnosis) == len(framework.chain("icv-nev").nodes)


def test_links_of_an_older_format_are_relinked_in_memory(copy_db, framework) -> None:
    """Links stored by the first version (Chinese roles and evidence sentences, a bare fingerprint) cannot be
    read: the chain counts as not linked, views link it in memory, and `chanye classify` stores new links."""
    with Store(copy_db) as store:
        current = _sorted(read_links(store, PACK))
        store.con.execute("UPDATE chain_links SET role = '生产', evidence = '行业代码 3612（整体归属）'")
        store.con.execute(f"UPDATE chain_link_runs SET fingerprint = substr(fingerprint, {len(LINK_FORMAT) + 2})")
        assert set(link_status(store, framework).values()) == {"missing"}
        inputs = svc.load_inputs(store, framework)
        links = svc.read_chain_links(store, framework, None, inputs)
    pd.testing.assert_frame_equal(_sorted(links), current)
    result = CliRunner().invoke(app, ["classify", "--db", str(copy_db), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with Store(copy_db) as store:
        assert set(link_status(store, framework).values()) == {"current"}
        pd.testing.assert_frame_equal(_sorted(read_links(store, PACK)), current)
