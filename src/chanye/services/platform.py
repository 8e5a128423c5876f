"""`Platform`: the one object the CLI, the web app and a notebook use, in the spirit of sqlite-utils'
`Database`. It holds the database path, the framework pack (and through it the city) and a cache of results
per data generation; each capability is one method that calls its service module.

    >>> from chanye.services.platform import Platform
    >>> p = Platform("data/chanye.duckdb")                  # doctest: +SKIP
    >>> p.scoreboard().nodes                                 # doctest: +SKIP

The database file is shared with other processes (a CLI next to `chanye serve`): a Platform reads through
read-only connections (`registry.store.StorePool`) and writes through a short read-write one (`writer()`, or
`transaction()` on any Store it hands out). When the file changes under it (another process imported), a
`cached()` or `cursor()` call within `refresh_every` (half a second) starts a new data generation, and no
result of the old data is served after that.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from chanye.framework import DEFAULT_PACK, Framework, load_pack
from chanye.registry.store import Store, StorePool, default_path
from chanye.services.access import LOCAL, Viewer
from chanye.standards.regions import City


class Platform:
    """A registry (DuckDB file) read through one framework pack.

    `store`: a Store to use for everything instead of opening the file (an in-memory database in tests).
    `linger`: seconds the file stays open after the last read (the server keeps it warm between requests; a
    command closes it at once). `wait`: seconds to wait while another process holds the file (default
    `CHANYE_DB_WAIT`, 10).
    """

    # Seconds between two looks at the file (two stat calls). Not on every call: a system call lets go of the
    # GIL, and under 20 concurrent requests winning it back costs milliseconds each time.
    refresh_every = 0.5

    def __init__(self, db: str | Path | None = None, pack: str | Framework | None = None, *,
                 store: Store | None = None, max_cache_entries: int = 512, linger: float = 0.0,
                 wait: float | None = None) -> None:
        self.db_path = str(db or default_path())
        self.framework = pack if isinstance(pack, Framework) else load_pack(pack or DEFAULT_PACK)
        if store is None and self.db_path == ":memory:":
            store = Store(":memory:")
        self._shared = store
        self._pool = None if store is not None else StorePool(self.db_path, linger=linger, wait=wait)
        self._seen: tuple | None = None  # the file's signature when the current generation began
        self._looked = float("-inf")  # when refresh() last looked at the file
        self._writes = 0  # the pool's count of writes at that look
        self.generation = 0
        self.max_cache_entries = max_cache_entries  # least recently used go first: memory stays bounded
        self._cache: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict = {}

    @property
    def city(self) -> City:
        """The pack's city and its districts."""
        return self.framework.city

    # --- the store ---------------------------------------------------------------------------------------------

    @property
    def store(self) -> Store | StorePool:
        """The Store given at construction, else the pool of this file's connections (`cursor()`, `close()`)."""
        return self._shared if self._shared is not None else self._pool  # type: ignore[return-value]

    def open(self) -> Platform:
        """Create or migrate the database file now, instead of at the first read."""
        if self._pool is not None:
            self._pool.prepare()
        return self

    def cursor(self) -> Store:
        """A Store for this thread or request, read-only; its `transaction()` borrows a write connection. Drop
        it (or close it) when done: while any is out, other processes cannot write the file."""
        if self._shared is not None:
            return self._shared.cursor()
        self.refresh()
        return self._pool.cursor()  # type: ignore[union-attr]

    @contextmanager
    def writer(self) -> Iterator[Store]:
        """A read-write Store for one import or edit; a new data generation begins when it closes."""
        try:
            if self._shared is not None:
                yield self._shared
            else:
                with self._pool.writer() as store:  # type: ignore[union-attr]
                    yield store
        finally:
            self.data_changed()

    def refresh(self, *, now: bool = False) -> bool:
        """Start a new data generation if the file changed since the current one began (another process
        imported); True if it did. Looks at the file at most every `refresh_every` seconds unless `now`."""
        pool = self._pool
        if pool is None or pool.writing:
            return False
        clock = time.monotonic()
        if not now and clock - self._looked < self.refresh_every and pool.writes == self._writes:
            return False  # a write through this platform is noticed at once, one elsewhere within refresh_every
        self._writes = pool.writes
        self._looked = clock
        seen = pool.signature()
        with self._lock:
            if seen == self._seen:
                return False
            first, self._seen = self._seen is None, seen
        if first:
            return False
        self.data_changed(seen)
        return True

    def close(self) -> None:
        """Let go of the database file now (Stores still out are closed with it)."""
        if self._pool is not None:
            self._pool.close()
        elif self._shared is not None:
            self._shared.close()

    def __enter__(self) -> Platform:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- cache -------------------------------------------------------------------------------------------------

    def cached(self, key: tuple, compute):
        """Memoise an expensive result per data generation. One lock per key: the thread that computes a key
        makes only the requests for that key wait, never those for another."""
        self.refresh()
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
                    if full[0] == self.generation:  # a result of older data never enters the new generation
                        self._cache[full] = value
                    while len(self._cache) > self.max_cache_entries:
                        self._cache.popitem(last=False)
                return value
            finally:
                with self._lock:
                    self._key_locks.pop(full, None)

    def data_changed(self, seen: tuple | None = None) -> None:
        """Drop every cached result (an import made a new data generation)."""
        if seen is None and self._pool is not None and not self._pool.writing:
            seen = self._pool.signature()
        with self._lock:
            self.generation += 1
            self._cache.clear()
            self._key_locks.clear()
            if seen is not None:
                self._seen = seen

    # --- accounts, sessions and the audit log (registry/users.py, web/auth.py; issue 17) -------------------------

    @contextmanager
    def bookkeeping(self) -> Iterator[Store]:
        """A read-write Store for accounts, sessions and the audit log. These tables feed no cached result, so
        the write starts no new data generation (a change another process made before it still does)."""
        if self._pool is None:
            yield self._shared  # type: ignore[misc]
            return
        self.refresh(now=True)
        before = self._seen
        with self._pool.writer() as store:
            unchanged = before is not None and self._pool.signature() == before
            yield store
        with self._lock:
            self._writes = self._pool.writes
            if unchanged:
                self._seen = self._pool.signature()
        if not unchanged:
            self.data_changed()

    # --- scoreboard (services/scoreboard.py) -------------------------------------------------------------------

    def scoreboard(self):
        """Every indicator of every node, area and year (`services.scoreboard.Scoreboard`), per generation."""
        from chanye.services import scoreboard

        return self.cached(("scoreboard",), lambda: scoreboard.compute(self.cursor(), self.framework))

    def scoreboard_tables(self, *, year: int | None = None, node: str | None = None,
                          district: str | None = None, viewer: Viewer = LOCAL) -> dict:
        """The scoreboard's typed views: nodes, districts, milestones, targets, reconcile, sources. `viewer`
        (`services.access.Viewer`, default the local analyst): visitors and cross-district users get the
        aggregates under disclosure control (`services.disclosure`)."""
        from chanye.services import scoreboard

        board = self.scoreboard()
        return scoreboard.tables(board, year=year, node=node, district=district, viewer=viewer)

    def disclosure_table(self, *, year: int | None = None, measure: str = "revenue", viewer: Viewer = LOCAL):
        """The node x district table of a year and measure with its margins as `viewer` may see it: suppressed
        cells None with their status (`services.disclosure.node_district_table`; issue 17)."""
        from chanye.services import disclosure

        board = self.scoreboard()
        year = board.year(year)
        return self.cached(("disclosure", year, measure, viewer.role, viewer.firm_district),
                           lambda: disclosure.node_district_table(board.cells, self.framework, year=year,
                                                                  measure=measure, viewer=viewer,
                                                                  provenance=board.provenance))

    # --- chains (services/chains.py) ---------------------------------------------------------------------------

    def chains(self, district: str | None = None):
        """Every chain's strong/weak/missing links in the city or one district (`services.chains.ChainsOverview`)."""
        from chanye.services import chains

        return chains.overview(self, district)

    def chain(self, chain_id: str, district: str | None = None, *, viewer: Viewer = LOCAL, feasible: bool = True):
        """One chain (or its cluster's node id) in the city or one district: diagnosis, chain leaders,
        recruitment and expansion lists (`services.chains.ChainBoard`; the lists `viewer` may see;
        `feasible=False`: without the feasibility filters, issue 11)."""
        from chanye.services import chains

        return chains.board(self, chain_id, district, viewer=viewer, feasible=feasible)

    def chain_node(self, chain_id: str, node_id: str, district: str | None = None, *, limit: int | None = 100,
                   viewer: Viewer = LOCAL):
        """One link of a chain: its local enterprises with evidence and its recruitment targets
        (`services.chains.NodeDetail`; the firms `viewer` may see)."""
        from chanye.services import chains

        return chains.node(self, chain_id, node_id, district, limit=limit, viewer=viewer)

    # --- opportunities (services/opportunities.py) -------------------------------------------------------------

    def opportunity_space(self, measure: str = "enterprises", year: int | None = None, *,
                          min_presence_firms: int | None = None):
        """The industry space of one measure and year (estimated once per data generation)."""
        from chanye.services import opportunities as svc

        return self.cached(("opportunities", "space", measure, year, min_presence_firms),
                           lambda: svc.estimate(self.cursor(), self.city.code, measure, year,
                                                min_presence_firms=min_presence_firms))

    def opportunities(self, place: str | None = None, measure: str = "enterprises", strategy: str = "balanced",
                      by: str = "pci", scope: str = "traded", year: int | None = None, *, limit: int | None = 50,
                      min_presence_firms: int | None = None, feasible: bool = True):
        """A place's growth opportunities (`services.opportunities.Ranking`); place None means the pack's city.
        `feasible=False` keeps the candidates the feasibility filters would take off (issue 11)."""
        from chanye.services import opportunities as svc

        space = self.opportunity_space(measure, year, min_presence_firms=min_presence_firms)
        code = svc.resolve_place(self.city, place)
        return self.cached(("opportunities", "ranking", code, measure, strategy, by, scope, year, limit,
                            min_presence_firms, feasible),
                           lambda: svc.ranking(space, self.framework, code, strategy=strategy, by=by, scope=scope,
                                               limit=limit, feasible=feasible))

    def complexity_places(self, measure: str = "enterprises", year: int | None = None):
        """Every place on the industry space with its ECI, COI and diversity (a `Table`)."""
        from chanye.services import opportunities as svc

        space = self.opportunity_space(measure, year)
        return self.cached(("opportunities", "places", measure, year), lambda: svc.places(space, self.city))

    def industry_space(self, place: str | None = None, measure: str = "enterprises", year: int | None = None):
        """The industry space drawn for one place (`services.opportunities.IndustrySpace`)."""
        from chanye.services import opportunities as svc

        space = self.opportunity_space(measure, year)
        code = svc.resolve_place(self.city, place)
        return self.cached(("opportunities", "industry_space", code, measure, year),
                           lambda: svc.industry_space(space, self.framework, code))

    # --- enterprises, search and imports (services/enterprises.py, services/search.py, services/imports.py) ------

    def search(self, q: str = "", *, viewer: Viewer = LOCAL, **filters):
        """Enterprises matching `q` (name, USCC or business-scope words) and filters (node, district, city, tag,
        sort, order, page, per_page, year, limit): a `services.enterprises.SearchResult`. `viewer`: whose
        firms the result may hold (services.access)."""
        from chanye.services import enterprises

        return enterprises.search(self, q=q, viewer=viewer, **filters)

    def tag_counts(self, *, node: str | None = None, district: str | None = None, city: str | None = None):
        """How many enterprises hold each tag (a `Table`; meta `total`)."""
        from chanye.services import enterprises

        return enterprises.tag_counts(self, node=node, district=district, city=city)

    def enterprise(self, uscc: str, *, viewer: Viewer = LOCAL):
        """One enterprise's profile (`services.enterprises.EnterpriseDetail`), cached until the next import;
        AccessDenied when `viewer` may not see that firm."""
        from chanye.services import enterprises

        return enterprises.profile(self, uscc, viewer=viewer)

    def warm(self) -> bool:
        """Build the search directory in the background (once per data generation)."""
        from chanye.services import enterprises

        return enterprises.warm(self)

    def import_file(self, path, *, viewer: Viewer = LOCAL, **options):
        """Import a CSV/XLSX/Parquet file through this pack (mapping, year, sheet, synthetic, dry_run,
        progress); a real import starts a new data generation. Returns the `registry.ingest.ImportReport`."""
        from chanye.services import imports

        return imports.import_file(self, path, viewer=viewer, **options)

    def batches(self):
        """The import history, newest first (a `Table`)."""
        from chanye.services import imports

        return imports.batches(self)

    def quarantine(self, batch: int | None = None, *, limit: int = 500, offset: int = 0, viewer: Viewer = LOCAL):
        """One page of a batch's rejected rows (`services.imports.QuarantinePage`; default the latest batch)."""
        from chanye.services import imports

        return imports.quarantine_page(self, batch, limit=limit, offset=offset, viewer=viewer)

    def published(self, *, scope: str | None = None, area: str | None = None, node: str | None = None):
        """Published figures with their sources (a `Table`; provenance = each figure's source)."""
        from chanye.services import published

        return self.cached(("published", scope, area, node),
                           lambda: published.figures(self, scope=scope, area=area, node=node))

    def sources(self):
        """The public sources the published figures cite (a `Table`)."""
        from chanye.services import published

        return self.cached(("sources",), lambda: published.sources_table(self))

    def published_consistency(self):
        """The pack's consistency checks of published figures against each other and national totals (issue 11)."""
        from chanye.services import published

        return self.cached(("published_consistency",), lambda: published.consistency_table(self))
