"""Issue 14: an import links its new firms with a declared code chunk by chunk (`services.imports.EarlyLinks`),
while the worker validates the next chunk, and leaves to the end only what needs the whole file; the first chunk
of a large file is split so that the import starts writing sooner. Both change when the work is done, never what
is stored."""

from __future__ import annotations

import csv
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from chanye.classify import ahead, chain_links, chunk_links, enterprises
from chanye.framework import load_pack
from chanye.registry import classifications, import_worker, read, review
from chanye.registry.import_worker import ImportLimitExceeded, ImportLimits
from chanye.registry.ingest import import_file
from chanye.registry.read import RawSheet, read_sheets
from chanye.registry.store import Store
from chanye.registry.validate import Mapping, validate_sheet
from chanye.services.imports import EarlyLinks, classify_and_link

from .test_ingest import good_uscc

PACK = load_pack("guangzhou-12218")
HEADER = ["统一社会信用代码", "企业名称", "所属区", "行业代码", "经营范围", "年份", "营业收入"]


def firms_file(path: Path) -> Path:
    """20 firms of 2024: odd ones 3612 (icv-nev), even ones 2720 (biomed), every fifth (4, 9, 14, 19) without a
    code (read from the scope: 汽车零部件研发 -> 3670 icv-nev, 生物药品制造 -> 2761 biomed); firm 3 again as its
    2023 row, last in the file, with 3974 (uhd-display)."""
    rows = [[good_uscc(i), f"示例{'汽车电子' if i % 4 == 0 else ''}企业{i:02d}有限公司", "天河区",
             "" if i % 5 == 4 else ("3612" if i % 2 else "2720"), "汽车零部件研发" if i % 3 else "生物药品制造",
             "2024", "100"] for i in range(20)]
    rows.append([good_uscc(3), "示例企业03有限公司", "天河区", "3974", "显示器件制造", "2023", "90"])
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return path


TABLES = {"classifications": "SELECT uscc, node, method, code, evidence, confidence FROM classifications",
          "chain_links": "SELECT uscc, chain, chain_node, role, method, evidence, confidence FROM chain_links",
          "review_queue": "SELECT uscc, pack, probability FROM review_queue",
          "enterprises": "SELECT uscc, industry_code, predicted_code, predicted_score FROM enterprises"}


def test_firms_linked_chunk_by_chunk_land_as_linked_at_the_end(tmp_path: Path, monkeypatch) -> None:
    """The file in 7-row chunks (3 chunks) stores exactly the links, predictions and queue it stores in one chunk,
    and reports the same counts: firm 3, new in chunk 1 and again in chunk 3, takes its last row's links; firm 5,
    labelled by an analyst, and the uncoded firms are linked at the end."""
    path = firms_file(tmp_path / "firms.csv")
    calls: list[int] = []
    real = EarlyLinks.chunk
    monkeypatch.setattr(EarlyLinks, "chunk", lambda self, *a, **k: calls.append(1) or real(self, *a, **k))
    stored = []
    for chunk_rows in (read.CHUNK_ROWS, 7):
        monkeypatch.setattr(read, "CHUNK_ROWS", chunk_rows)
        calls.clear()
        with Store(":memory:") as s:
            with s.transaction():
                review.save_label(s, good_uscc(5), "2720", "correct", "analyst")
                # the evidence names when the label was made: one time for both stores (a minute may turn between)
                s.con.execute("UPDATE manual_labels SET decided_at = TIMESTAMP '2026-12-04 11:01:00'")
            report = import_file(s, path, pack=PACK, on_write=classify_and_link)
            # 20 firms, all linked: 15 by their code, firm 5 by its label, 4 from their scope
            assert (report.classified, report.predicted, report.queued) == (20, 4, 0)
            links = s.query("SELECT uscc, node, method, code FROM classifications ORDER BY uscc, node")
            by_firm = {u: list(zip(g["node"], g["method"], g["code"], strict=True)) for u, g in links.groupby("uscc")}
            assert by_firm[good_uscc(3)] == [("uhd-display", "code", "3974")]  # its last row, not chunk 1's 3612
            assert by_firm[good_uscc(5)] == [("biomed", "manual", "2720")]
            assert by_firm[good_uscc(4)] == [("icv-nev", "text", "3670")]
            assert by_firm[good_uscc(2)] == [("biomed", "code", "2720")]
            assert s.scalar(f"SELECT count(*) FROM chain_links WHERE uscc = '{good_uscc(3)}' AND chain = 'icv-nev'") == 0
            stored.append({t: s.query(f"{q} ORDER BY ALL") for t, q in TABLES.items()})
        assert len(calls) == (1 if chunk_rows > 21 else 3)
    for t in TABLES:
        pd.testing.assert_frame_equal(stored[0][t], stored[1][t])


def test_a_second_import_links_into_a_store_holding_links(tmp_path: Path, monkeypatch) -> None:
    """Into a store that holds links already, the chunks drop any a new firm has (none here) and the firms held
    before are linked again at the end: importing the file twice in 7-row chunks leaves the links of one import."""
    path = firms_file(tmp_path / "firms.csv")
    monkeypatch.setattr(read, "CHUNK_ROWS", 7)
    with Store(":memory:") as s:
        first = import_file(s, path, pack=PACK, on_write=classify_and_link)
        once = {t: s.query(f"{q} ORDER BY ALL") for t, q in TABLES.items()}
        again = import_file(s, path, pack=PACK, on_write=classify_and_link)
        assert (first.classified, again.classified, again.enterprises.unchanged) == (20, 20, 20)
        for t, q in TABLES.items():
            pd.testing.assert_frame_equal(s.query(f"{q} ORDER BY ALL"), once[t])


def test_each_chunks_firms_are_staged_in_a_file_gone_once_linked(tmp_path: Path, monkeypatch) -> None:
    """A chunk's new coded firms are staged in a Parquet file read through temp views (the store would keep a
    dropped temp table's rows, or a registered Arrow table, until the import's one commit): in 7-row chunks,
    chunk 1 stages firms 0, 1, 2, 3, 6 (4 has no code, 5 a label), chunk 2 firms 7, 8, 10-13, chunk 3 firms
    15-18 (firm 3's 2023 row: linked in chunk 1). After each chunk neither the file nor the views are left, and
    the folder goes with the import."""
    path = firms_file(tmp_path / "firms.csv")
    monkeypatch.setattr(read, "CHUNK_ROWS", 7)
    staged: list[tuple[list[str], Path]] = []
    real = classifications.stage_new_coded

    def stage(store, *a, file: Path, **k) -> int:
        n = real(store, *a, file=file, **k)
        staged.append((store.con.execute(f"SELECT uscc FROM {classifications.FIRMS} ORDER BY pos").fetchnumpy()["uscc"]
                       .tolist(), file))
        assert file.is_file() and n == len(staged[-1][0])
        return n

    monkeypatch.setattr(classifications, "stage_new_coded", stage)
    after: list[tuple[bool, int]] = []
    real_chunk = EarlyLinks.chunk

    def chunk(self, store, *a, **k) -> None:
        real_chunk(self, store, *a, **k)
        after.append((staged[-1][1].exists(), store.scalar(
            f"SELECT count(*) FROM duckdb_views() WHERE view_name IN ('{classifications.FIRMS}', '{classifications.TOUCHED}')")))

    monkeypatch.setattr(EarlyLinks, "chunk", chunk)
    with Store(":memory:") as s:
        with s.transaction():
            review.save_label(s, good_uscc(5), "2720", "correct", "analyst")
        import_file(s, path, pack=PACK, on_write=classify_and_link)
    assert [firms for firms, _ in staged] == [[good_uscc(i) for i in ids] for ids in
                                               ([0, 1, 2, 3, 6], [7, 8, 10, 11, 12, 13], [15, 16, 17, 18])]
    assert after == [(False, 0)] * 3
    assert [f.name for _, f in staged] == ["firms-1.parquet", "firms-2.parquet", "firms-3.parquet"]
    assert not staged[0][1].parent.exists()


def test_the_staged_rows_say_which_names_may_hold_a_linking_word(tmp_path: Path) -> None:
    """The worker stages name_hit, so the importing process scans no name: 示例汽车电子企业00有限公司 holds the
    chain word 汽车电子; 示例企业01有限公司 holds none of the pack's words."""
    path = firms_file(tmp_path / "firms.csv")
    v = validate_sheet(read_sheets(path)[0], Mapping(), city=PACK.city, file_label=path.name)
    test = EarlyLinks.name_test(PACK)
    assert "汽车电子" in test.keywords["words"]
    table = import_worker.stage_rows(v, 0, test)
    assert table["name"].to_pylist()[:2] == ["示例汽车电子企业00有限公司", "示例企业01有限公司"]
    assert table["name_hit"].to_pylist()[:2] == [True, False]
    assert "name_hit" not in import_worker.stage_rows(v, 0).column_names


def test_the_first_chunk_of_a_large_file_is_split(monkeypatch) -> None:
    """With FIRST_ROWS = 3: a first chunk of 7 rows goes as 3 + 4 (row numbers kept, the blank rows counted in
    the first part); a first chunk of 6 (not over twice 3) and every later chunk go whole."""
    monkeypatch.setattr(import_worker, "FIRST_ROWS", 3)

    def sheet(n: int, start: int, blank: int) -> RawSheet:
        return RawSheet("", ["a"], pd.DataFrame({0: [str(i) for i in range(n)]}),
                        pd.Series(range(start, start + n)), blank)

    parts = list(import_worker._first_small(iter([sheet(7, 2, 1), sheet(7, 10, 2)])))
    assert [p.data[0].tolist() for p in parts] == [["0", "1", "2"], ["3", "4", "5", "6"],
                                                   ["0", "1", "2", "3", "4", "5", "6"]]
    assert [p.row_numbers.tolist() for p in parts] == [[2, 3, 4], [5, 6, 7, 8], list(range(10, 17))]
    assert [p.blank_rows for p in parts] == [1, 0, 2]
    assert [len(p.data) for p in import_worker._first_small(iter([sheet(6, 2, 0)]))] == [6]


def test_each_chunk_s_node_links_go_in_on_one_thread(tmp_path: Path, monkeypatch) -> None:
    """Issue 14: a chunk's node links are written on one DuckDB thread (two left two partly filled row groups a
    chunk, which the checkpoint merged: 0.3-0.5 s after 1 M firms), and the setting is as it was afterwards, after
    a failed block too (`Store.threads`)."""
    monkeypatch.setattr(read, "CHUNK_ROWS", 4)
    seen, real = [], enterprises.classify_coded
    monkeypatch.setattr(enterprises, "classify_coded", lambda store, *a, **k: seen.append(
        store.scalar("SELECT current_setting('threads')")) or real(store, *a, **k))
    with Store(tmp_path / "t.duckdb") as store:
        store.con.execute("SET threads = 2")
        import_file(store, firms_file(tmp_path / "firms.csv"), on_write=classify_and_link)
        assert seen == [1] * 5  # five chunks of four new firms; the sixth (firm 3 again, 2023) has no new firm
        assert store.scalar("SELECT current_setting('threads')") == 2
        with pytest.raises(ZeroDivisionError, match="division"), store.threads(1):
            1 / 0  # noqa: B018
        assert store.scalar("SELECT current_setting('threads')") == 2


def test_a_streamed_csv_reads_a_smaller_first_chunk(tmp_path: Path) -> None:
    """`iter_sheets(first_rows=...)`: a regular CSV's first two chunks hold at most `first_rows` rows and every
    later one `chunk_rows`, row numbers running on from chunk to chunk; a `first_rows` above `chunk_rows` gives
    `chunk_rows` (the tests' small chunks stay small)."""
    path = tmp_path / "rows.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["统一社会信用代码", "企业名称"], *[[good_uscc(i), f"示例企业{i}"] for i in range(23)]])
    chunks = list(read.iter_sheets(path, chunk_rows=5, first_rows=2))
    assert [len(c.data) for c in chunks] == [2, 2, 5, 5, 5, 4]
    assert [c.row_numbers.tolist()[0] for c in chunks] == [2, 4, 6, 11, 16, 21]
    assert (chunks[1].data.iloc[0, 0], chunks[5].data.iloc[3, 0]) == (good_uscc(2), good_uscc(22))
    assert [len(c.data) for c in read.iter_sheets(path, chunk_rows=5, first_rows=9)] == [5, 5, 5, 5, 3]


def test_an_import_s_chunks_fill_whole_row_groups_of_the_store(tmp_path: Path) -> None:
    """The chunks of a large CSV hold whole row groups of DuckDB's (the first one, the others two), so the inserts of
    each chunk's firms and figures leave no partly filled row group for the checkpoint to merge (0.4-0.9 s after a
    1 M-row import, issue 14). Fails if DuckDB's row group size changes: then the two sizes should follow it."""
    import duckdb

    con = duckdb.connect(str(tmp_path / "rg.duckdb"))
    con.execute("CREATE TABLE t AS SELECT range AS x FROM range(300000)")
    con.execute("CHECKPOINT")
    sizes = [r[0] for r in con.execute("""SELECT count FROM pragma_storage_info('t')
                                          WHERE column_id = 0 AND segment_type <> 'VALIDITY' ORDER BY row_group_id""").fetchall()]
    con.close()
    assert sizes[0] == 122_880
    assert (sizes[0], 2 * sizes[0]) == (import_worker.FIRST_ROWS, read.CHUNK_ROWS)


def test_the_import_worker_runs_blas_on_one_thread() -> None:
    """The worker restricts itself to one BLAS thread: OpenBLAS's idle threads spin after each call (the USCC
    checks' matrix products) and took the core the importing process writes on (issue 14)."""
    import subprocess
    import sys

    code = ("from threadpoolctl import threadpool_info; import numpy; "
            "from chanye.registry.import_worker import ImportLimits, restrict; restrict(ImportLimits()); "
            "print(sorted({i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[1]"


def test_linking_chunk_by_chunk_stores_what_linking_at_the_end_stores(tmp_path: Path, monkeypatch) -> None:
    """The same import with an `on_write` that has no `early` (every firm linked at the end, as before issue 14's
    chunks) stores the same links, predictions and queue and reports the same counts: for the mixed file, and for
    a file of coded new firms only (all linked chunk by chunk; nothing left for the end: 10 firms, 10 linked)."""
    monkeypatch.setattr(read, "CHUNK_ROWS", 4)
    mixed = firms_file(tmp_path / "firms.csv")
    coded = tmp_path / "coded.csv"
    with coded.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *([good_uscc(i), f"示例企业{i:02d}有限公司", "天河区", "3612" if i % 2 else "2720",
                                             "汽车零部件研发", "2024", "100"] for i in range(10))])
    for path, counts in ((mixed, (20, 4, 0)), (coded, (10, 0, 0))):
        stored = []
        for hook in (classify_and_link, lambda *a: classify_and_link(*a)):
            with Store(":memory:") as s:
                report = import_file(s, path, pack=PACK, on_write=hook)
                assert (report.classified, report.predicted, report.queued) == counts
                stored.append({t: s.query(f"{q} ORDER BY ALL") for t, q in TABLES.items()})
        for t in TABLES:
            pd.testing.assert_frame_equal(stored[0][t], stored[1][t])


def test_unique_chunks_link_the_firms_their_worker_staged(tmp_path: Path, monkeypatch) -> None:
    """A file without a year column into an empty store: every chunk's firms go in as they are (`unique`), so the
    import links the coded firms its worker staged (`import_worker.coded_firms`) instead of copying them out of the
    stage file, and stores what linking at the end stores. With an analyst's label in the store it copies them (the
    label's firm is left out there)."""
    monkeypatch.setattr(read, "CHUNK_ROWS", 4)
    path = tmp_path / "unique.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([[h for h in HEADER if h != "年份"], *(
            [good_uscc(i), f"示例{'汽车电子' if i % 4 == 0 else ''}企业{i:02d}有限公司", "天河区",
             "" if i % 5 == 4 else ("3612" if i % 2 else "2720"), "汽车零部件研发" if i % 3 else "生物药品制造", "100"]
            for i in range(12))])
    passed, real = [], classifications.stage_new_coded
    monkeypatch.setattr(classifications, "stage_new_coded",
                        lambda *a, **k: passed.append(k.get("coded") is not None) or real(*a, **k))
    for label in (False, True):
        stored = []
        for hook in (classify_and_link, lambda *a: classify_and_link(*a)):
            passed.clear()
            with Store(":memory:") as s:
                if label:
                    review.save_label(s, good_uscc(99), "2720", "correct", "analyst")
                report = import_file(s, path, year=2024, pack=PACK, on_write=hook)
                assert (report.classified, report.predicted, report.queued) == (12, 2, 0)
                stored.append({t: s.query(f"{q} ORDER BY ALL") for t, q in TABLES.items()})
            assert passed == ([] if len(stored) == 2 else [not label] * 3)  # three chunks of four firms
        for t in TABLES:
            pd.testing.assert_frame_equal(stored[0][t], stored[1][t])


def test_the_worker_s_coded_firms_equal_the_store_s_copy_of_them(tmp_path: Path) -> None:
    """`coded_firms` (the worker's Arrow) and `stage_new_coded`'s copy out of the stage file (SQL) are two writings
    of one staging: for the same chunk, with blanks and name keys, they stage the same rows, column for column."""
    path = firms_file(tmp_path / "firms.csv")
    v = validate_sheet(read_sheets(path)[0], Mapping(), city=PACK.city, file_label=path.name)
    staged = import_worker.stage(v, tmp_path, 0, 100, EarlyLinks.name_test(PACK))
    staged_rows = []
    with Store(":memory:") as s:
        for coded in (None, staged.firms_file):
            n = classifications.stage_new_coded(s, f"read_parquet('{staged.rows_file}')", 1, first=True, dedupe=False,
                                                touched=False, file=tmp_path / "copy.parquet", unique=True,
                                                coded=coded)
            staged_rows.append((n, s.query(f"SELECT * FROM {classifications.FIRMS} ORDER BY pos")))
            classifications.drop_staged(s)
    (n_copy, copy), (n_worker, worker) = staged_rows
    assert n_copy == n_worker == 17  # 21 rows, four without a code
    assert worker["pos"].tolist()[:3] == [100, 101, 102]
    pd.testing.assert_frame_equal(copy, worker)


def test_the_worker_stages_the_keys_a_chunk_is_linked_on(tmp_path: Path) -> None:
    """`stage_keys`, read back by `chunk_keys`: the distinct (code, scope, name_key) of the coded rows, in the order
    they first come, worked out by hand from `firms_file`:
    firms 0, 8, 12, 16 hold 汽车电子 in their names (their names are keys); odd firms 3612, even 2720, scope 生物药品制造
    where i % 3 == 0; firms 4, 9, 14, 19 have no code; firm 3's 2023 row 3974 显示器件制造. Nine keys."""
    path = firms_file(tmp_path / "firms.csv")
    v = validate_sheet(read_sheets(path)[0], Mapping(), city=PACK.city, file_label=path.name)
    staged = import_worker.stage(v, tmp_path, 0, 0, EarlyLinks.name_test(PACK))
    keys = list(zip(*classifications.chunk_keys(staged.keys_file).to_pydict().values(), strict=True))
    assert staged.keys_file.name == "stage-keys-000000.parquet"
    assert keys == [
        ("2720", "生物药品制造", "示例汽车电子企业00有限公司"), ("3612", "汽车零部件研发", ""), ("2720", "汽车零部件研发", ""),
        ("3612", "生物药品制造", ""), ("2720", "生物药品制造", ""), ("2720", "汽车零部件研发", "示例汽车电子企业08有限公司"),
        ("2720", "生物药品制造", "示例汽车电子企业12有限公司"), ("2720", "汽车零部件研发", "示例汽车电子企业16有限公司"),
        ("3974", "显示器件制造", "")]
    assert import_worker.stage(v, tmp_path, 1, 0).keys_file is None  # no name test: not an import that links early


def test_the_worker_stages_coded_firms_as_the_store_s_staging_does() -> None:
    """`coded_firms`: a row without a code is not staged; a missing scope is '' and a name is the key only where
    name_hit is true (missing: not), as `registry.classifications.stage_new_coded` stages them; `stage_keys` gives
    each key once, in the order it first comes."""
    rows = pa.table({"position": pa.array([7, 8, 9, 10, 11], pa.int64()), "uscc": ["a", "b", "c", "d", "e"],
                     "industry_code": ["3612", None, "3612", "3612", "2720"],
                     "business_scope": [None, "x", "", None, "生物药品制造"],
                     "name": ["甲", "乙", "丙", "丁", "戊"], "name_hit": [None, True, False, True, True]})
    firms = import_worker.coded_firms(rows)
    assert firms.to_pydict() == {
        "pos": [7, 9, 10, 11], "uscc": ["a", "c", "d", "e"], "code": ["3612", "3612", "3612", "2720"],
        "link_code": ["3612", "3612", "3612", "2720"], "scope": ["", "", "", "生物药品制造"],
        "name_key": ["", "", "丁", "戊"], "labelled": [False] * 4}
    assert import_worker.stage_keys(firms).to_pylist() == [
        {"code": "3612", "scope": "", "name_key": ""}, {"code": "3612", "scope": "", "name_key": "丁"},
        {"code": "2720", "scope": "生物药品制造", "name_key": "戊"}]


def test_linking_processes_store_what_linking_here_stores(tmp_path: Path, monkeypatch) -> None:
    """With the worker (as the CLI imports), a chunk with at least `chunk_links.LARGE` new keys is linked in
    processes of their own, `JOB` keys at a time; LARGE = 1 sends every chunk there, JOB = 3 splits its nine keys
    three ways. The stored links, predictions and queue equal those of the import in this process, and the
    processes were used."""
    path = firms_file(tmp_path / "firms.csv")
    monkeypatch.setattr(chunk_links, "LARGE", 1)
    monkeypatch.setattr(chunk_links, "JOB", 3)
    split, sections = np.array_split, []
    monkeypatch.setattr(np, "array_split", lambda a, n: sections.append(n) or split(a, n))
    pools: list[bool] = []
    close = chunk_links.Linkers.close
    monkeypatch.setattr(chunk_links.Linkers, "close", lambda self: pools.append(self._pool is not None) or close(self))
    stored = []
    for limits in (None, ImportLimits()):
        with Store(tmp_path / f"{limits is None}.duckdb") as s:
            report = import_file(s, path, pack=PACK, on_write=classify_and_link, limits=limits)
            assert (report.classified, report.predicted, report.queued) == (20, 4, 0)
            stored.append({t: s.query(f"{q} ORDER BY ALL") for t, q in TABLES.items()})
    assert pools == [False, True] and sections == [3, 3]  # node links, then chain links
    for t in TABLES:
        pd.testing.assert_frame_equal(stored[0][t], stored[1][t])


def test_a_linking_process_that_dies_fails_the_import_with_a_message(monkeypatch) -> None:
    """A linking process that dies (here at its start; in life the kernel's out-of-memory killer) is reported as
    such, not as a traceback."""
    monkeypatch.setattr(chunk_links, "LARGE", 1)
    linkers = chunk_links.Linkers(PACK, processes=1)
    linkers._pool = ProcessPoolExecutor(1, mp_context=import_worker.context(), initializer=os._exit, initargs=(3,))
    keys = pd.DataFrame({"code": ["3612"], "scope": ["汽车零部件研发"], "name_key": [""]})
    try:
        with pytest.raises(ImportLimitExceeded, match="关联产业节点与产业链的进程意外结束"):
            linkers.run("chains", keys)
    finally:
        linkers.close()


def test_keys_the_stage_file_missed_are_linked_in_place(tmp_path: Path, monkeypatch) -> None:
    """Should the keys read from a chunk's stage file miss some of the firms it stages (none do, as an import
    stages them), the import links those keys itself (`distinct_coded`/`distinct_keys` without the keys linked
    ahead, `ahead.with_ahead`): with only every other key linked ahead, or none, it stores what it stores with all
    of them, and the missing keys were asked for."""
    path = firms_file(tmp_path / "firms.csv")
    real = classifications.chunk_keys
    asked: list[int] = []
    compute = ahead.with_ahead
    monkeypatch.setattr(ahead, "with_ahead", lambda a, keys, f: asked.append(len(keys)) or compute(a, keys, f))
    monkeypatch.setattr(enterprises, "with_ahead", ahead.with_ahead)
    monkeypatch.setattr(chain_links, "with_ahead", ahead.with_ahead)
    stored = []
    for keep in (1, 2, 0):  # every key, every other key, none

        def some_keys(keys_file, keep=keep):
            keys = real(keys_file)
            return keys.take(list(range(0, keys.num_rows, keep))) if keep else keys.slice(0, 0)

        monkeypatch.setattr(classifications, "chunk_keys", some_keys)
        asked.clear()
        with Store(":memory:") as s:
            report = import_file(s, path, pack=PACK, on_write=classify_and_link)
            assert (report.classified, report.predicted, report.queued) == (20, 4, 0)
            stored.append({t: s.query(f"{q} ORDER BY ALL") for t, q in TABLES.items()})
        # node links, then chain links: the keys of the 17 coded rows are nine (the stage file test above)
        assert asked == {1: [0, 0], 2: [4, 4], 0: [9, 9]}[keep]
    for other in stored[1:]:
        for t in TABLES:
            pd.testing.assert_frame_equal(stored[0][t], other[t])
