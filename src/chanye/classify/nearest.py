"""The classes nearest an item's wording (最相近的小类): character-bigram TF-IDF cosine between the item and each
class's words (its name and the curated terms that name it).

The scope reader's fallback: when no word of its vocabulary is in a scope, it has no evidence to weigh, and the
firm still needs a class. These suggestions are for the analyst who reviews the firm, never accepted on their
own (a word shared by two texts is no reading of either).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping


def bigrams(text: str) -> list[str]:
    """The text's overlapping two-character pieces ("林木采伐" -> 林木, 木采, 采伐); one character is its own."""
    return [text[i:i + 2] for i in range(len(text) - 1)] if len(text) > 1 else [text] if text else []


class BigramIndex:
    """Each class's words as one sublinear TF-IDF vector of bigrams (unit length), with the bigram -> classes
    postings that find the nearest classes without touching the others."""

    def __init__(self, documents: Mapping[str, Iterable[str]]) -> None:
        counts = {key: Counter(b for phrase in phrases for b in bigrams(phrase)) for key, phrases in documents.items()}
        df = Counter(b for c in counts.values() for b in c)
        n = len(counts)
        # the smoothed idf of scikit-learn's TfidfVectorizer: a bigram in every class still counts a little
        self.idf = {b: math.log((n + 1) / (d + 1)) + 1.0 for b, d in df.items()}
        self.postings: dict[str, list[tuple[str, float]]] = {}
        for key, c in counts.items():
            weights = {b: (1.0 + math.log(tf)) * self.idf[b] for b, tf in c.items()}
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            for b, w in weights.items():
                self.postings.setdefault(b, []).append((key, w / norm))

    def nearest(self, text: str, k: int = 3, floor: float = 0.0) -> list[tuple[str, float]]:
        """The k classes most like `text` (cosine, best first, ties by key), each at least `floor`; bigrams no
        class has are left out, as a fitted vectoriser leaves out words it never saw."""
        c = Counter(b for b in bigrams(text) if b in self.idf)
        weights = {b: (1.0 + math.log(tf)) * self.idf[b] for b, tf in c.items()}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        if not norm:
            return []
        scores: dict[str, float] = {}
        for b, w in weights.items():
            for key, v in self.postings[b]:
                scores[key] = scores.get(key, 0.0) + w * v
        ranked = sorted(((-s / norm, key) for key, s in scores.items()))
        return [(key, round(-s, 4)) for s, key in ranked[:k] if -s >= floor]
