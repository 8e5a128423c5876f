"""Shared fixtures: the small demo database (built once per session from seeded code) and tiny packs."""

from __future__ import annotations

from pathlib import Path

import pytest

DEMO_SCALE = 0.03
DEMO_SEED = 12218
TINY_PACK = Path(__file__).parent / "fixtures" / "packs" / "tiny"


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """A demo database at 3% of the full size (same seed, same calibration targets)."""
    from chanye.demo.seed import build_database

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_database(path, scale=DEMO_SCALE, seed=DEMO_SEED)
    return path


@pytest.fixture(scope="session")
def demo_calibration():
    from chanye.demo import synthetic as demo

    return demo.build(DEMO_SEED, scale=DEMO_SCALE).calibration
