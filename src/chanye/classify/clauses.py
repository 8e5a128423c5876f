"""子句 Clauses: texts cut at ；/。 with each distinct clause held once, so that a pattern no match of which can
cross a ；/。 runs once per distinct clause instead of once per text.

Chain linking (`classify.chains`) searches every firm's cleaned scope and name for hundreds of words; a registry's
scopes are mostly the same standard items (规范表述) in other combinations, so the 1 M registry-style firms of
`benchmarks/import_bench.py --scopes registry` (812,741 distinct scopes) hold 5.0 M clauses, 40 of them distinct,
once cleaned (issue 14). Real registries are less regular, but mostly SAMR's standard items.
A text's leftmost match is its first matching clause's leftmost match: the clauses are in order and no match
spans two of them. Patterns hold no anchors (^, $: a clause's ends are not the text's).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chanye.framework.model import CLAUSE_ENDS

CUT = f"[{CLAUSE_ENDS}]"  # what ends a clause (no rule's word holds one: the packs' check refuses it)
SAMPLE = 4096  # texts whose clauses are counted to tell whether clauses repeat (`repeats`)


def repeats(texts: pa.Array) -> bool:
    """Whether the clauses of `texts` repeat enough to be searched one by one: at most half of those of the first
    `SAMPLE` texts distinct. Cut into clauses that each come once, the texts cost RE2 about 1.5x what they cost
    whole (a search per clause); made of standard items, 0.6x (issue 14, docs/benchmarks.md)."""
    clauses = pc.split_pattern_regex(texts.slice(0, SAMPLE), CUT).flatten()
    return 2 * len(pc.unique(clauses)) <= len(clauses)


@dataclass(frozen=True)
class Clauses:
    """The clauses of n texts. Text i's clauses are `ids[starts[i]:starts[i + 1]]`, each an index into
    `distinct`; `heads[i]` ends those of its first part (`of`), e.g. the scope before the name."""

    distinct: pa.Array
    ids: np.ndarray
    starts: np.ndarray
    heads: np.ndarray

    @classmethod
    def of(cls, *parts: pa.Array | pa.ChunkedArray, cut: bool | None = None) -> Clauses:
        """n texts given as their parts (arrays of n strings, no nulls; a text is its parts joined by ；), cut
        into clauses when `cut` (by default when they do: `repeats`), else each part one clause: a match crosses no
        ；/。 either way, so the answers are the same."""
        parts = tuple(p.combine_chunks() if isinstance(p, pa.ChunkedArray) else p for p in parts)
        if cut is None:
            cut = repeats(parts[0])
        if not cut:  # text i's clauses are its parts, at i * k ... i * k + k - 1
            n, k = len(parts[0]), len(parts)
            encoded = pc.dictionary_encode(pa.concat_arrays(parts))
            ids = encoded.indices.to_numpy().astype(np.int64).reshape(k, n).T.ravel()
            starts = np.arange(0, n * k + 1, k, dtype=np.int64)
            return cls(encoded.dictionary, ids, starts, starts[:-1] + 1)
        pieces = pc.split_pattern_regex(pc.binary_join_element_wise(*parts, "；"), CUT)
        encoded = pc.dictionary_encode(pieces.flatten())
        starts = pieces.offsets.to_numpy().astype(np.int64)  # from 0: a computed array has no offset
        heads = starts[:-1] + pc.count_substring_regex(parts[0], CUT).to_numpy(zero_copy_only=False) + 1
        return cls(encoded.dictionary, encoded.indices.to_numpy().astype(np.int64), starts, heads)

    def _clauses(self, rows: np.ndarray, head: bool) -> tuple[np.ndarray, np.ndarray]:
        """For the texts `rows`: each of their clauses' text (position in `rows`) and distinct clause, in order."""
        begin = self.starts[rows]
        lengths = (self.heads[rows] if head else self.starts[rows + 1]) - begin
        owner = np.repeat(np.arange(len(rows)), lengths)
        at = np.arange(int(lengths.sum())) + np.repeat(begin - (np.cumsum(lengths) - lengths), lengths)
        return owner, self.ids[at]

    def _matching(self, ids: np.ndarray, pattern: str) -> np.ndarray:
        """Whether each of the clauses `ids` matches `pattern` (searched once per distinct clause among them)."""
        if len(ids) * 8 < len(self.distinct):
            needed = np.unique(ids)
        else:
            seen = np.zeros(len(self.distinct), dtype=bool)
            seen[ids] = True
            needed = np.flatnonzero(seen)
        found = pc.match_substring_regex(self.distinct.take(pa.array(needed)), pattern)
        table = np.zeros(len(self.distinct), dtype=bool)
        table[needed[found.to_numpy(zero_copy_only=False)]] = True
        return table[ids]

    def contains(self, rows: np.ndarray, pattern: str, *, head: bool = False) -> np.ndarray:
        """Whether each text of `rows` (or its head) holds a match of `pattern`."""
        rows = np.asarray(rows, dtype=np.int64)
        owner, ids = self._clauses(rows, head)
        out = np.zeros(len(rows), dtype=bool)
        out[owner[self._matching(ids, pattern)]] = True
        return out

    def first_match(self, rows: np.ndarray, pattern: str, *, head: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """The texts of `rows` (or their heads) that hold a match of `pattern`, as positions in `rows`, and each
        one's leftmost match (RE2's: the first alternative that matches there), as Python strings."""
        rows = np.asarray(rows, dtype=np.int64)
        owner, ids = self._clauses(rows, head)
        at = np.flatnonzero(self._matching(ids, pattern))
        if not len(at):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object)
        first = at[np.r_[True, owner[at][1:] != owner[at][:-1]]]  # each text's first matching clause
        chosen, where = np.unique(ids[first], return_inverse=True)
        words = pc.extract_regex(self.distinct.take(pa.array(chosen)), f"(?P<w>{pattern})").field("w")
        return owner[first], words.to_numpy(zero_copy_only=False).astype(object)[where]
