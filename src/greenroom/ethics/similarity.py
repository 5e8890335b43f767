"""Nearest-neighbour margin over an exemplar bank of improper and proper sentences (MiniLM embeddings).

For a sentence, `s_bad` is its highest cosine similarity to an improper exemplar (whose category it
takes) and `s_good` its highest similarity to a proper one. It is judged improper when
`s_bad >= min_similarity` and `s_bad - s_good >= margin`. The score maps the smaller of the two
slacks through a logistic, so 0.5 is exactly the decision boundary.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Match:
    """How close a sentence is to each side of the exemplar bank."""

    s_bad: float
    s_good: float
    category: str
    bad_exemplar: str
    good_exemplar: str

    @property
    def margin(self) -> float:
        return self.s_bad - self.s_good


@dataclass(frozen=True)
class Thresholds:
    """The two thresholds of the embedding stage."""

    min_similarity: float
    margin: float

    def is_bad(self, m: Match) -> bool:
        return m.s_bad >= self.min_similarity and m.margin >= self.margin

    def score(self, m: Match, temperature: float = 0.04) -> float:
        slack = min(m.s_bad - self.min_similarity, m.margin - self.margin)
        return 1.0 / (1.0 + math.exp(-slack / temperature))


def _key(sentence: str) -> str:
    return " ".join(sentence.lower().split())


class ExemplarIndex:
    """Embeds the exemplars once; `match` embeds a batch of sentences and finds their nearest exemplars."""

    def __init__(self, embedder: Any, improper: Mapping[str, Sequence[str]], proper: Sequence[str]) -> None:
        self.embedder = embedder
        self.bad_texts = [s for cat in improper.values() for s in cat]
        self.bad_cats = [cat for cat, items in improper.items() for _ in items]
        self.good_texts = list(proper)
        if not self.bad_texts or not self.good_texts:
            raise ValueError("the exemplar bank needs improper and proper sentences")
        self._bad: np.ndarray | None = None
        self._good: np.ndarray | None = None

    def _vectors(self) -> tuple[np.ndarray, np.ndarray]:
        if self._bad is None or self._good is None:
            vecs = self.embedder.encode(self.bad_texts + self.good_texts)
            self._bad, self._good = vecs[: len(self.bad_texts)], vecs[len(self.bad_texts) :]
        return self._bad, self._good

    def match(self, sentences: Sequence[str], *, exclude_self: bool = False) -> list[Match]:
        """Nearest exemplars of each sentence; `exclude_self` ignores exemplars equal to it (leave-one-out)."""
        if not sentences:
            return []
        bad, good = self._vectors()
        q = self.embedder.encode(list(sentences))
        sb, sg = q @ bad.T, q @ good.T
        if exclude_self:
            keys = [_key(s) for s in sentences]
            bad_keys, good_keys = [_key(s) for s in self.bad_texts], [_key(s) for s in self.good_texts]
            for i, k in enumerate(keys):
                sb[i, [j for j, b in enumerate(bad_keys) if b == k]] = -1.0
                sg[i, [j for j, g in enumerate(good_keys) if g == k]] = -1.0
        out = []
        for i in range(len(sentences)):
            jb, jg = int(np.argmax(sb[i])), int(np.argmax(sg[i]))
            out.append(
                Match(
                    s_bad=float(sb[i, jb]),
                    s_good=float(sg[i, jg]),
                    category=self.bad_cats[jb],
                    bad_exemplar=self.bad_texts[jb],
                    good_exemplar=self.good_texts[jg],
                )
            )
        return out
