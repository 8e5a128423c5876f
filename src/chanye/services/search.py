"""The enterprise search engine: an in-memory directory with an inverted index, tokenising, matching, ranking
and facets. Pure: frames in, row positions out; `services/enterprises.py` loads the frames from the registry
and turns the positions into typed results.

The directory holds one row per enterprise with its latest-year figures, tags and nodes, and an inverted index
of character bigrams over name and business scope. A query is cut into words by jieba; each word's bigram
posting lists are intersected and the candidates checked by substring, so every word must occur in the name or
the scope. Measured on 200,000 synthetic firms (docs/web.md): building takes ~3 s, a query a few ms; DuckDB
`contains()` over the same columns takes 30-55 ms a query.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from array import array
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from chanye.errors import NotFound
from chanye.standards.regions import City

FIGURES = ("revenue", "industrial_output", "value_added", "employees")
SORT_KEYS = ("relevance", "revenue", "industrial_output", "value_added", "employees", "registered_capital",
             "founded", "name")
BIG = 20_000  # above this many rows, filter a presorted order of every row instead of sorting the rows

_USCC_LIKE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{6,18}$")
_PUNCT = re.compile(r"^[\s\W_]+$")
_STOP = frozenset(["的", "和", "与", "及", "、", "或", "等", "有限", "公司", "有限公司", "责任", "股份"])
_JIEBA_LOCK = threading.Lock()


# --------------------------------------------------------------------------------------------------------
# Sorted-set helpers and the bigram index
# --------------------------------------------------------------------------------------------------------


def intersect_sorted(a: np.ndarray, b: np.ndarray, size: int | None = None) -> np.ndarray:
    """The common values of two sorted arrays of unique ints, by binary search of the shorter in the longer
    (np.intersect1d sorts both again); `size`: see `member_of`."""
    small, big = (a, b) if len(a) <= len(b) else (b, a)
    if not len(small) or not len(big):
        return small[:0]
    return small[member_of(small, big, size)]


DENSE = 32  # member_of marks a table of `size` flags once `values` exceed size / DENSE; BigramIndex a bitmap
DENSE_MIN = 4096  # texts below which a BigramIndex keeps every bigram as a list


def member_of(values: np.ndarray, sorted_set: np.ndarray, size: int | None = None) -> np.ndarray:
    """A mask: which of `values` are in `sorted_set` (sorted, unique). `size`: both hold row ids below it; with
    many values (a node's list, a word every firm has: issue 14) a table of `size` flags is cheaper than a
    binary search per value (0.3 ms against 6 ms for 210,000 rows)."""
    if not len(sorted_set):
        return np.zeros(len(values), dtype=bool)
    if size is not None and len(values) * DENSE > size:
        flags = np.zeros(size, dtype=bool)
        flags[sorted_set] = True
        return flags[values]
    idx = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[idx] == values


def _firsts(ordered: np.ndarray) -> np.ndarray:
    """A mask over a sorted array: the first of each run of equal values."""
    keep = np.empty(len(ordered), dtype=bool)
    if len(ordered):
        keep[0] = True
        np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return keep


class BigramIndex:
    """An inverted index of character bigrams: `rows_with(word)` returns the (sorted) rows whose text contains
    `word`.

    Compact (issue 14: a server that stays small): the texts are kept as one string with the offsets of each
    (no object per text), the characters as a sorted array of code points (a bigram's key is the pair of their
    ranks), and the postings as one uint32 array of rows grouped by key (CSR: `starts` per distinct key).
    On the full demo's 210,000 names and business scopes that is 4 bytes per (bigram, row) pair where a
    (key, row) pair of int64 took 16."""

    def __init__(self, texts: list[str]) -> None:
        self.size = len(texts)
        self.text = "\x00".join(texts)  # text i is text[bounds[i]:bounds[i + 1] - 1]
        lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
        self.bounds = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
        self.chars = np.zeros(0, np.uint32)  # the code points that occur (sorted); a char's rank = position + 1
        self.width = 1
        self.keys = np.zeros(0, np.uint64)  # distinct bigram keys, sorted
        self.starts = np.zeros(1, np.int64)  # key j's rows are rows[starts[j]:starts[j + 1]]
        self.rows = np.zeros(0, np.uint32)
        self.dense: dict[int, int] = {}  # key position -> its row in `bitmaps` (`_densify`)
        self.bitmaps = np.zeros((0, 0), np.uint8)
        if not texts:
            return
        cp = np.frombuffer(self.text.encode("utf-32-le"), dtype=np.uint32)
        present = np.zeros(0x110000, dtype=bool)
        present[cp] = True
        present[:2] = False  # the separators \x00 and \x01 never form a bigram
        self.chars = np.flatnonzero(present).astype(np.uint32)
        self.width = len(self.chars) + 1
        ranks = (np.cumsum(present, dtype=np.int32) * present)[cp].astype(np.uint64)  # 0 for the separators
        del present, cp
        rows = np.repeat(np.arange(len(texts), dtype=np.uint64), lengths)[: len(ranks)]
        ok = (ranks[:-1] > 0) & (ranks[1:] > 0)
        keys = ranks[:-1][ok] * np.uint64(self.width) + ranks[1:][ok]
        del ranks
        bits = max(1, len(texts).bit_length())
        if (self.width * self.width).bit_length() + bits > 63:  # pragma: no cover - millions of firms
            raise NotFound("企业目录过大，无法建立索引 (directory too large to index)")
        combined = (keys << np.uint64(bits)) | rows[:-1][ok]
        del keys, rows, ok
        combined.sort()  # (np.unique hashes: 50x slower on 20M values)
        combined = combined[_firsts(combined)]  # each (bigram, row) once
        self.rows = (combined & np.uint64((1 << bits) - 1)).astype(np.uint32)
        combined >>= np.uint64(bits)
        first = np.flatnonzero(_firsts(combined))
        self.keys = combined[first]
        self.starts = np.append(first, len(combined)).astype(np.int64)
        self._densify()

    def _densify(self) -> None:
        """Keep each bigram that more than one text in DENSE holds as a bitmap of the texts (one bit a text)
        instead of a list (4 bytes a text): on the full demo 350 of 36,000 bigrams hold 72% of the postings, and
        the index shrinks from 70 to 28 MB (issue 14). Small indexes (under DENSE_MIN texts) stay lists."""
        counts = np.diff(self.starts)
        dense = np.flatnonzero(counts * DENSE > self.size) if self.size >= DENSE_MIN else np.zeros(0, np.int64)
        if not len(dense):
            return
        bitmaps = np.zeros((len(dense), (self.size + 7) // 8), dtype=np.uint8)
        keep = np.ones(len(self.rows), dtype=bool)
        for b, j in enumerate(dense.tolist()):
            lo, hi = int(self.starts[j]), int(self.starts[j + 1])
            flags = np.zeros(self.size, dtype=bool)
            flags[self.rows[lo:hi]] = True
            bitmaps[b] = np.packbits(flags)
            keep[lo:hi] = False
        counts[dense] = 0
        self.rows = self.rows[keep]
        self.starts = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        self.dense = dict(zip(dense.tolist(), range(len(dense)), strict=True))
        self.bitmaps = bitmaps

    @property
    def texts(self) -> list[str]:
        """The texts (for tests and debugging; the index itself keeps one string)."""
        return self.text.split("\x00") if self.size else []

    def _rank(self, ch: str) -> int:
        code = ord(ch)
        at = int(np.searchsorted(self.chars, code))
        return at + 1 if at < len(self.chars) and int(self.chars[at]) == code else 0

    def postings(self, a: str, b: str) -> np.ndarray:
        ka, kb = self._rank(a), self._rank(b)
        if not ka or not kb:
            return np.zeros(0, np.int64)
        j = int(np.searchsorted(self.keys, np.uint64(ka * self.width + kb)))
        if j >= len(self.keys) or int(self.keys[j]) != ka * self.width + kb:
            return np.zeros(0, np.int64)
        b = self.dense.get(j)
        if b is not None:
            return np.flatnonzero(np.unpackbits(self.bitmaps[b], count=self.size)).astype(np.int64)
        return self.rows[self.starts[j]:self.starts[j + 1]].astype(np.int64)

    def rows_with(self, word: str, within: np.ndarray | None = None) -> np.ndarray:
        """Rows whose text contains `word` (among `within` when given)."""
        return self.rows_with_all([word], within)

    def rows_with_all(self, words: list[str], within: np.ndarray | None = None) -> np.ndarray:
        """Rows whose text contains every word (among `within` when given): the bigram lists of all words
        intersected, rarest first, then one substring check of the survivors for the words that need it
        (a two-character word needs none; a one-character word is only checked, never looked up)."""
        cand = within
        lists = [self.postings(w[i], w[i + 1]) for w in words if len(w) >= 2 for i in range(len(w) - 1)]
        for p in sorted(lists, key=len):
            cand = p if cand is None else intersect_sorted(cand, p, self.size)
            if not len(cand):
                return cand
        check = [w for w in words if len(w) != 2]
        if not check:
            return cand if cand is not None else np.arange(self.size)
        if cand is None:
            cand = np.arange(self.size)
        text = self.text
        lo, hi = self.bounds[cand].tolist(), (self.bounds[cand + 1] - 1).tolist()
        return np.fromiter((i for i, a, b in zip(cand.tolist(), lo, hi, strict=True)
                            if all(text.find(w, a, b) >= 0 for w in check)), dtype=np.int64)


# --------------------------------------------------------------------------------------------------------
# The directory: one row per enterprise
# --------------------------------------------------------------------------------------------------------


@dataclass
class Directory:
    cols: dict[str, np.ndarray]  # row id = position: uscc, name, district_code, ..., latest-year figures
    year: int | None  # the latest year with figures
    years: list[int]
    text_index: BigramIndex  # name + "\x01" + business scope
    name_index: BigramIndex  # name only (for relevance)
    uscc_sorted: np.ndarray
    uscc_order: np.ndarray
    node_rows: dict[str, np.ndarray]
    tag_rows: dict[str, np.ndarray]
    node_members: Members  # row -> its nodes
    tag_members: Members  # row -> its tags
    synthetic: bool
    districts: tuple[str, ...] = ()  # the adcodes of the pack city's districts (the facets' slots)
    cities: tuple[str, ...] = ()  # every firm's city code, sorted: cols["city_slot"] indexes it (-1: none)
    unnamed: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # rows without a name (sorted)
    orders: dict[tuple, np.ndarray] = field(default_factory=dict)  # (year, key, descending) -> every row, sorted
    recent: OrderedDict = field(default_factory=OrderedDict)  # search key -> Ranked (`recall`, `remember`)
    recent_rows: int = 0

    @property
    def size(self) -> int:
        return len(self.cols["uscc"])

    def uscc(self, row: int) -> str:
        return self.cols["uscc"][row].decode()

    def usccs(self) -> np.ndarray:
        """Every row's USCC as str (an array of them, made on demand)."""
        return np.array([u.decode() for u in self.cols["uscc"].tolist()], dtype=object)

    def names(self, rows: np.ndarray) -> np.ndarray:
        """The names of `rows` (an object array; None where a firm has none), read from the name index."""
        text, bounds = self.name_index.text, self.name_index.bounds
        rows = np.asarray(rows, dtype=np.int64)
        out = np.array([text[a:b] for a, b in zip(bounds[rows].tolist(), (bounds[rows + 1] - 1).tolist(),
                                                  strict=True)] + [None], dtype=object)[:-1]
        if len(self.unnamed):
            out[member_of(rows, self.unnamed)] = None
        return out

    @property
    def row_nodes(self) -> list[list[str]]:
        """Every row's nodes (for tests and debugging; a page reads `node_members.of(row)`)."""
        return self.node_members.lists()

    @property
    def row_tags(self) -> list[list[str]]:
        return self.tag_members.lists()

    def slot(self, district: str) -> int | None:
        """The facet slot of one of the city's districts (None for any other adcode)."""
        return self.districts.index(district) if district in self.districts else None


def text_array(series: pd.Series, *, shared: bool = False) -> np.ndarray:
    """An object array of str/None (plain numpy: Arrow-backed strings are slow to index one by one). `shared`:
    equal values share one str object (district and industry codes, dates: a few thousand distinct values over
    200,000 rows, issue 14)."""
    values = [None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else str(v)
              for v in series.tolist()]
    if shared:
        seen: dict[str, str] = {}
        values = [v if v is None else seen.setdefault(v, v) for v in values]
    return np.array(values, dtype=object)


def figure_arrays(figures: pd.DataFrame | None, usccs: pd.Index) -> dict[str, np.ndarray]:
    """One year's figures (`uscc` and the FIGURES) as float arrays aligned with the directory's rows (NaN where
    not reported; all NaN when `figures` is None)."""
    if figures is None:
        return {m: np.full(len(usccs), np.nan) for m in FIGURES}
    aligned = figures.set_index("uscc").reindex(usccs)
    return {m: aligned[m].to_numpy(dtype=float, na_value=np.nan) for m in FIGURES}


class Members:
    """Row -> the values it holds (its tags or nodes, in value order), as two arrays (CSR: row i's values are
    `values[ids[starts[i]:starts[i + 1]]]`) where a list per row took 28 MB on the full demo (issue 14)."""

    def __init__(self, values: tuple[str, ...], starts: np.ndarray, ids: np.ndarray) -> None:
        self.values, self.starts, self.ids = values, starts, ids

    def of(self, row: int) -> list[str]:
        values = self.values
        return [values[j] for j in self.ids[self.starts[row]:self.starts[row + 1]].tolist()]

    def lists(self) -> list[list[str]]:
        return [self.of(i) for i in range(len(self.starts) - 1)]


def _memberships(keys: pd.DataFrame, column: str, usccs: pd.Index, n: int) -> tuple[dict[str, np.ndarray], Members]:
    """(value -> sorted rows holding it, row -> its values) for tags or node links."""
    rows_of: dict[str, np.ndarray] = {}
    positions = usccs.get_indexer(keys["uscc"])
    value_rows, value_ids = [], []
    for value, part in pd.Series(positions).groupby(keys[column].to_numpy()):
        pos = np.sort(part.to_numpy()[part.to_numpy() >= 0])
        rows_of[str(value)] = pos
        value_rows.append(pos)
        value_ids.append(np.full(len(pos), len(rows_of) - 1, dtype=np.int32))
    values = tuple(rows_of)
    rows = np.concatenate(value_rows) if value_rows else np.zeros(0, np.int64)
    ids = np.concatenate(value_ids) if value_ids else np.zeros(0, np.int32)
    order = np.argsort(rows, kind="stable")  # by row, each row's values in value order (the groups' order)
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=starts[1:])
    return rows_of, Members(values, starts, ids[order])


def build_directory(firms: pd.DataFrame, years: list[int], figures: pd.DataFrame | None, tags: pd.DataFrame,
                    links: pd.DataFrame, city: City) -> Directory:
    """The directory of `firms` (ordered by USCC, as `registry.views.directory_firms` reads them) with the
    figures of the latest year, tags (uscc, tag; ordered) and node links (uscc, node; ordered); facets count
    the districts of `city`."""
    usccs = pd.Index(firms["uscc"])
    n = len(firms)
    # Issue 14 (a server that stays small): no str object per firm. The USCCs are one bytes array (3.8 MB where
    # 210,400 str took 16 MB) and the names are read from the name index's text (`Directory.names`: 23 MB).
    cols = {c: text_array(firms[c], shared=True) for c in ("district_code", "city_code", "industry_code", "founded")}
    cols["uscc"] = np.array([u.encode() for u in firms["uscc"].astype(str).tolist()], dtype=bytes) if n else \
        np.zeros(0, dtype="S18")
    cols["registered_capital"] = firms["registered_capital"].to_numpy(dtype=float, na_value=np.nan)
    cols["synthetic"] = firms["synthetic"].to_numpy(dtype=bool, na_value=False)
    cols.update(figure_arrays(figures, usccs))
    districts = tuple(d.code for d in city.districts)
    slot_of = {code: j for j, code in enumerate(districts)}
    cols["district_slot"] = np.fromiter((slot_of.get(c, -1) for c in cols["district_code"]), dtype=np.int64,
                                        count=n)
    cities = tuple(sorted({c for c in cols["city_code"] if c is not None}))
    city_of = {code: j for j, code in enumerate(cities)}
    cols["city_slot"] = np.fromiter((city_of.get(c, -1) for c in cols["city_code"]), dtype=np.int32, count=n)
    tag_rows, tag_members = _memberships(tags, "tag", usccs, n)
    node_rows, node_members = _memberships(links, "node", usccs, n)
    names = firms["name"].fillna("").astype(str).tolist()
    unnamed = np.flatnonzero(firms["name"].isna().to_numpy())
    texts = [f"{a}\x01{b}" for a, b in zip(names, firms["business_scope"].astype(str).tolist(), strict=True)]
    order = np.argsort(cols["uscc"], kind="stable")
    # ordered by USCC as read (the usual case): the column itself is the sorted one (issue 14: 15 MB)
    uscc_sorted = cols["uscc"] if (order == np.arange(n)).all() else cols["uscc"][order]
    return Directory(
        cols=cols, year=years[-1] if years else None, years=list(years), text_index=BigramIndex(texts),
        name_index=BigramIndex(names), uscc_sorted=uscc_sorted, uscc_order=order,
        node_rows=node_rows, tag_rows=tag_rows, node_members=node_members, tag_members=tag_members,
        synthetic=bool(cols["synthetic"].any()), districts=districts, cities=cities, unnamed=unnamed,
    )


# --------------------------------------------------------------------------------------------------------
# Recent results: a search's every match in display order, so that its pages (and the same search by other
# visitors) are slices (issue 14: a node's list cost 9 ms, a word every firm has 18 ms, on every page)
# --------------------------------------------------------------------------------------------------------

Ranked = tuple  # (rows in display order, facet counts, tokens, mode, sort)
RECENT_ROWS = 2_000_000  # row ids kept over all recent results of one directory (8 MB as int32)
RECENT_ENTRIES = 256
_RECENT_LOCK = threading.Lock()


def recall(d: Directory, key: tuple) -> Ranked | None:
    """The result of a search run recently on this directory (None when not kept)."""
    with _RECENT_LOCK:
        found = d.recent.get(key)
        if found is not None:
            d.recent.move_to_end(key)
        return found


def remember(d: Directory, key: tuple, result: Ranked) -> Ranked:
    """Keep `result` (its rows as int32), forgetting the least recently used beyond RECENT_ROWS row ids or
    RECENT_ENTRIES results. A result larger than the whole budget is not kept."""
    rows = np.asarray(result[0]).astype(np.int32)
    rows.flags.writeable = False  # shared by every request that slices it
    result = (rows, *result[1:])
    if len(rows) > RECENT_ROWS:
        return result
    with _RECENT_LOCK:
        old = d.recent.pop(key, None)
        d.recent_rows += len(rows) - (len(old[0]) if old is not None else 0)
        d.recent[key] = result
        while d.recent_rows > RECENT_ROWS or len(d.recent) > RECENT_ENTRIES:
            _, dropped = d.recent.popitem(last=False)
            d.recent_rows -= len(dropped[0])
    return result


# --------------------------------------------------------------------------------------------------------
# Tokens, matching, filters, ranking, facets
# --------------------------------------------------------------------------------------------------------


class Frequencies:
    """jieba's dictionary (every word and every word's prefixes -> frequency, 0 for a prefix only) as one sorted
    string, its words' offsets and their frequencies, read by binary search. Issue 14 (a server that stays small):
    jieba keeps it as a dict of 498,000 str keys, 50 MB of the server's RSS; this is 11 MB. It answers what
    jieba's cut asks of its dict (`in`, `[]`, `get`) as the dict does, ~10x slower a word (~0.2 ms a query)."""

    __slots__ = ("_freqs", "_n", "_starts", "_text")

    def __init__(self, freq: Mapping[str, int]) -> None:
        words = sorted(freq)
        starts = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum(np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words)), out=starts[1:])
        self._text = "".join(words)
        self._starts = array("q", starts.tobytes())  # bisecting an array.array makes plain ints: faster than numpy
        self._freqs = array("q", [int(freq[w]) for w in words])
        self._n = len(words)

    def _find(self, key: object) -> int:
        if not isinstance(key, str):
            return -1
        text, starts = self._text, self._starts
        lo, hi = 0, self._n
        while lo < hi:
            mid = (lo + hi) // 2
            if text[starts[mid]:starts[mid + 1]] < key:
                lo = mid + 1
            else:
                hi = mid
        return lo if lo < self._n and text[starts[lo]:starts[lo + 1]] == key else -1

    def __contains__(self, key: object) -> bool:
        return self._find(key) >= 0

    def __getitem__(self, key: str) -> int:
        at = self._find(key)
        if at < 0:
            raise KeyError(key)
        return self._freqs[at]

    def get(self, key: str, default: int | None = None) -> int | None:
        at = self._find(key)
        return default if at < 0 else self._freqs[at]

    def __len__(self) -> int:
        return self._n


_TOKENIZER = None  # the query cut's own jieba tokenizer (jieba.dt, the text classifier's, stays as it is)


def _tokenizer():
    """jieba's default dictionary in a tokenizer of its own, its dict made `Frequencies` (called with the lock)."""
    global _TOKENIZER
    if _TOKENIZER is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        tokenizer.FREQ = Frequencies(tokenizer.FREQ)
        _TOKENIZER = tokenizer
    return _TOKENIZER


def tokens_of(q: str) -> list[str]:
    """The words of a query: jieba's precise cut, without punctuation and stop words (kept if nothing else)."""
    text = q.strip()
    return list(_cut(text)) if text else []


@functools.lru_cache(maxsize=4096)  # a list's pages and a search's repeats cut their query once
def _cut(text: str) -> tuple[str, ...]:
    with _JIEBA_LOCK:  # jieba initialises its dictionary lazily and not thread-safely
        words = _tokenizer().lcut(text)
    words = [w.strip() for w in words if w.strip() and not _PUNCT.match(w)]
    kept = [w for w in words if w not in _STOP]
    out: list[str] = []
    for w in kept or words:
        if w not in out:
            out.append(w)
    return tuple(out)


def match_rows(d: Directory, q: str) -> tuple[np.ndarray, np.ndarray, list[str], str]:
    """(rows, relevance, tokens, mode) for a query: 3 = the query is in the name, 2 = every word in the name,
    1 = in the name or scope. mode: 'uscc' (a full or partial credit code), 'text', or 'all' (no words)."""
    q = q.strip()
    upper = q.upper().replace(" ", "")
    if _USCC_LIKE.match(upper) and any(ch.isdigit() for ch in upper):
        key = upper.encode()
        lo = np.searchsorted(d.uscc_sorted, key, "left")
        hi = np.searchsorted(d.uscc_sorted, key + b"\xff", "right")  # every USCC the query begins (no UTF-8 byte is ff)
        rows = np.sort(d.uscc_order[lo:hi])
        if len(rows):
            return rows, np.full(len(rows), 3), [upper], "uscc"
    tokens = tokens_of(q)
    n = d.size
    if not tokens:
        return np.arange(n), np.zeros(n, dtype=np.int64), [], "all"
    rows = d.text_index.rows_with_all(tokens).astype(np.int64)
    rel = np.ones(len(rows), dtype=np.int64)
    if len(rows):
        in_name = d.name_index.rows_with_all(tokens, rows)
        in_name_mask = member_of(rows, in_name, n)
        rel += in_name_mask
        whole = "".join(q.split())
        if len(in_name) and len(tokens) > 1 and len(whole) >= 2:
            rel += member_of(rows, d.name_index.rows_with(whole, in_name), n)
        elif len(tokens) == 1:
            rel += in_name_mask
    return rows, rel, tokens, "text"


def in_district(d: Directory, rows: np.ndarray, district: str) -> np.ndarray:
    """A mask over `rows`: the firm lies in `district` (one of the city's, by slot; any other by code)."""
    slot = d.slot(district)
    return (d.cols["district_slot"][rows] == slot) if slot is not None else (d.cols["district_code"][rows] == district)


def filter_mask(d: Directory, rows: np.ndarray, *, node: str | None = None, tag: str | None = None,
                city: str | None = None) -> np.ndarray:
    """A mask over `rows`: linked to `node`, holding `tag`, registered in `city` (each when given)."""
    keep = np.ones(len(rows), dtype=bool)
    if node:
        keep &= member_of(rows, d.node_rows.get(node, np.zeros(0, np.int64)), d.size)
    if tag:
        keep &= member_of(rows, d.tag_rows.get(tag, np.zeros(0, np.int64)), d.size)
    if city:  # by the city's number (issue 14: comparing 210,000 strings took 6 ms)
        keep &= d.cols["city_slot"][rows] == (d.cities.index(city) if city in d.cities else -2)
    return keep


def district_counts(d: Directory, rows: np.ndarray) -> list[int]:
    """How many of `rows` lie in each of the city's districts (in `d.districts` order)."""
    slot = d.cols["district_slot"][rows]
    return [int(c) for c in np.bincount(slot[slot >= 0], minlength=len(d.districts))]


def order_of(key: np.ndarray, rows: np.ndarray, descending: bool) -> np.ndarray:
    """Positions that sort `rows` by `key` (missing last, either direction), ties by row."""
    if key.dtype == object:  # text: rank it
        present = np.array([v is not None for v in key], dtype=bool)
        ranks = np.full(len(key), np.nan)
        if present.any():
            ranks[present] = np.unique(key[present].astype(str), return_inverse=True)[1]
        key = ranks
    key = key.astype(float)
    key = np.where(np.isnan(key), np.inf, -key if descending else key)
    return np.lexsort((rows, key))


def _global_order(d: Directory, figs: dict, year, key: str, descending: bool) -> np.ndarray:
    """Every row sorted by `key` (missing last, ties by row), computed once per directory and year."""
    k = (year, key, descending)
    found = d.orders.get(k)
    if found is None:
        every = np.arange(d.size)
        found = d.orders[k] = order_of(_values(d, figs, key, every), every, descending)
    return found


def rank(d: Directory, figs: dict, year, rows: np.ndarray, rel: np.ndarray, sort: str,
         descending: bool, *, big: int = BIG) -> np.ndarray:
    """`rows` in display order: by `sort` (relevance: then revenue, largest first), missing last, ties by row.
    `figs` holds the figures of `year` aligned with the directory's rows. Above `big` rows, a presorted order
    of every row is filtered instead (same result, faster)."""
    if sort == "relevance":
        levels = sorted(set(rel.tolist()), reverse=descending)
        if len(rows) > big:
            base = _global_order(d, figs, year, "revenue", True)
            level_of = np.full(len(base), -1, dtype=np.int64)  # each row's relevance (-1: not matched)
            level_of[rows] = rel
            in_base = level_of[base]
            parts = [base[in_base == level] for level in levels]
            return np.concatenate(parts) if parts else rows
        revenue = figs["revenue"][rows]
        revenue = np.where(np.isnan(revenue), np.inf, -revenue)
        return rows[np.lexsort((rows, revenue, -rel if descending else rel))]
    if len(rows) > big:
        base = _global_order(d, figs, year, sort, descending)
        mask = np.zeros(len(base), dtype=bool)
        mask[rows] = True
        return base[mask[base]]
    return rows[order_of(_values(d, figs, sort, rows), rows, descending)]


def _values(d: Directory, figs: dict, key: str, rows: np.ndarray) -> np.ndarray:
    """The sort key `key` of `rows`: a figure of the year, the name, or a directory column."""
    if key in FIGURES:
        return figs[key][rows]
    return d.names(rows) if key == "name" else d.cols[key][rows]
