"""Build the embedded demo database (示例数据库): the synthetic registry from `demo.build` plus the real
published figures with their sources, written atomically (a temporary file renamed into place)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pandas as pd

from chanye.classify.chain_links import link_chains
from chanye.classify.enterprises import classify_enterprises
from chanye.demo import synthetic as demo
from chanye.demo import transformation as demo_transformation
from chanye.errors import ChanyeError
from chanye.framework import Framework, load_pack
from chanye.registry import bulk
from chanye.registry.fields import MEASURES
from chanye.registry.ingest import ENTERPRISE_COLUMNS, Progress
from chanye.registry.store import Store


def load_published_into(store: Store, framework: Framework | None = None) -> int:
    """Replace the published figures and their sources with the cited ones of `framework`'s pack (the default
    pack when None; none for a pack without `published.yaml`), each note in Chinese (`note`) and English
    (`note_en`)."""
    published, sources = demo.load_published(framework)
    return bulk.replace_published(store, published, sources)


def build_database(
    path: str | Path,
    *,
    scale: float = 1.0,
    seed: int = 12218,
    force: bool = False,
    pack: str | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Generate the synthetic registry of `pack`'s city (the default pack when None) and load it into a new
    database at `path`."""
    path = Path(path)
    if path.exists() and not force:
        raise ChanyeError(f"数据库已存在: {path} (database exists)", hint="加 --force 覆盖，或用 --db 指定新文件")
    step = progress or (lambda _s, _f: None)
    started = time.perf_counter()
    framework = load_pack(pack)
    data = demo.build(seed, scale=scale, pack=framework, progress=lambda stage, f: step(stage, 0.7 * f))
    tmp = path.with_name(path.name + ".building")
    for leftover in (tmp, Path(str(tmp) + ".wal")):
        leftover.unlink(missing_ok=True)
    store = Store(tmp)
    try:
        with store.transaction():
            step("写入 writing", 0.75)
            batch = store.new_batch_id()
            enterprises = data.enterprises.reindex(columns=list(ENTERPRISE_COLUMNS)).copy()
            enterprises["code_vintage"] = "2017"
            enterprises["industry_code_raw"] = enterprises["industry_code"]
            enterprises["founded"] = pd.to_datetime(enterprises["founded"]).dt.date
            enterprises["synthetic"] = True
            enterprises["batch_id"] = batch
            bulk.insert_frame(store, "enterprises", enterprises)
            figures = data.figures.reindex(columns=["uscc", "year", *MEASURES]).assign(synthetic=True, batch_id=batch)
            bulk.insert_frame(store, "enterprise_years", figures)
            bulk.insert_frame(store, "tags", data.tags[["uscc", "tag"]].assign(batch_id=batch))
            published = load_published_into(store, framework)
            # issue 13 §6: synthetic transformation indicators, from their own seeded generator
            transformation = demo_transformation.load_into(store, framework, seed=seed, batch=batch)
            step("归类 classifying", 0.85)
            _, classified = classify_enterprises(store, None, framework)
            step("产业链关联 chain links", 0.92)
            chain_links = link_chains(store, framework)
            from chanye.demo import projects as demo_projects  # issue 12: its own seeded generator

            demo_projects.load(store, framework, seed, batch)
            summary = {
                "enterprises": len(enterprises), "figures": len(figures), "tags": len(data.tags),
                "classified": classified, "chain_links": chain_links, "transformation": transformation,
                "published": published,
            }
            bulk.record_demo_batch(store, batch, len(enterprises), {"seed": seed, "scale": scale, **summary})
        bulk.checkpoint(store)
    finally:
        store.close()
    os.replace(tmp, path)
    step("完成 done", 1.0)
    summary["seconds"] = round(time.perf_counter() - started, 1)
    return summary


# --- starting from one's own data (issue 15): an empty database, and the demo taken out of one ---------------------


def init_database(path: str | Path) -> Path:
    """Create an empty database at `path` (every migration applied, no demo firms); refused when it exists."""
    path = Path(path)
    if path.exists():
        raise ChanyeError(f"数据库已存在: {path} (database exists)",
                          hint="换一个 --db 文件，或用 chanye demo --remove 删除其中的示例数据")
    Store(path).close()
    return path


def remove_demo(path: str | Path) -> dict[str, int]:
    """Delete the synthetic firms and everything keyed by them from the database at `path`, in one transaction;
    rows deleted per table. Imported firms and the published figures stay."""
    path = Path(path)
    if not path.exists():
        raise ChanyeError(f"数据库不存在: {path} (no database there)", hint="用 --db 指定数据库文件")
    with Store.reader(path) as store:
        counts = bulk.remove_synthetic(store)
        from chanye.registry import projects as demo_projects

        with store.transaction():  # issue 12: the demo projects go with the demo firms
            demo_projects.delete_synthetic(store)
    return counts
