"""`Platform`: the one object the CLI, the web app and a notebook use, in the spirit of sqlite-utils'
`Database`. It holds the database path, the framework pack (and through it the city) and a cache of results
per data generation; each capability is one method that calls its service module.

    >>> from chanye.services.platform import Platform
    >>> p = Platform("data/chanye.duckdb")                  # doctest: +SKIP
    >>> p.scoreboard().nodes                                 # doctest: +SKIP
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from chanye.framework import DEFAULT_PACK, Framework, load_pack
from chanye.registry.store import Store, default_path
from chanye.standards.regions import City


class Platform:
    """A registry (DuckDB file) read through one framework pack."""

    def __init__(self, db: str | Path | None = None, pack: str | Framework | None = None, *,
                 store: Store | None = None, max_cache_entries: int = 512) -> None:
        self.db_path = str(db or default_path())
        self.framework = pack if isinstance(pack, Framework) else load_pack(pack or DEFAULT_PACK)
        self._store = store
        self.generation = 0
        self.max_cache_entries = max_cache_entries  # least recently used go first: memory stays bounded
        self._cache: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict = {}

    @property
    def city(self) -> City:
        """The pack's city and its districts."""
        return self.framework.city

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.db_path)
        return self._store

    def cursor(self) -> Store:
        return self.store.cursor()

    # --- cache -------------------------------------------------------------------------------------------------

    def cached(self, key: tuple, compute):
        """Memoise an expensive result per data generation. One lock per key: the thread that computes a key
        makes only the requests for that key wait, never those for another."""
        full = (self.generation, *key)
        with self._lock:
            if full in self._cache:
                self._cache.move_to_end(full)
                return self._cache[full]
            key_lock = self._key_locks.setdefault(full, threading.Lock())
        with key_lock:
            try:
                with self._lock:
                    if full in self._cache:
                        return self._cache[full]
                value = compute()
                with self._lock:
                    self._cache[full] = value
                    while len(self._cache) > self.max_cache_entries:
                        self._cache.popitem(last=False)
                return value
            finally:
                with self._lock:
                    self._key_locks.pop(full, None)

    def data_changed(self) -> None:
        """Drop every cached result (an import made a new data generation)."""
        with self._lock:
            self.generation += 1
            self._cache.clear()
            self._key_locks.clear()

    # --- scoreboard (services/scoreboard.py) -------------------------------------------------------------------

    # --- chains (services/chains.py) ---------------------------------------------------------------------------

    # --- opportunities (services/opportunities.py) -------------------------------------------------------------

    # --- enterprises, search and imports (services/enterprises.py, services/search.py, services/imports.py) ------
