"""Key-point coverage with MiniLM sentence embeddings.

Each key point is compared with every chunk of the answer (sentences, their clauses, and pairs of
neighbouring sentences); its similarity is the best cosine. The similarity becomes a credit between 0
and 1 on a linear ramp from `LOW` to `HIGH`, and a key point counts as covered at `COVERED`. The three
thresholds were calibrated on the ethics grading set (a dev set) and checked on tests/interview's
labelled set (docs/interview.md). Relevance is the best similarity of any answer sentence to the
question or a key point: an off-topic answer has low relevance. Density is the share of the answer's
words in sentences that are about the question (similarity at least `low`): a dump of many topics has a
low density, however well one of its paragraphs matches.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from greenroom.interview.checks import chunks, words

LOW = 0.30
HIGH = 0.62
COVERED = 0.50
OFF_TOPIC = 0.22
#: Behavioural key points are abstract ("a concrete result"), so stories match them less closely.
THRESHOLDS = {"behavioral": (0.15, 0.45, 0.35, 0.15)}


def thresholds(track: str) -> tuple[float, float, float, float]:
    """(low, high, covered, off_topic) for a track."""
    return THRESHOLDS.get(track, (LOW, HIGH, COVERED, OFF_TOPIC))


@dataclass(frozen=True)
class Coverage:
    similarities: list[float]
    credits: list[float]
    evidence: list[str]
    relevance: float
    covered_at: float = COVERED
    off_topic_below: float = OFF_TOPIC
    density: float = 1.0

    @property
    def off_topic(self) -> bool:
        return self.relevance < self.off_topic_below

    @property
    def score(self) -> float:
        """Mean credit over the key points, 0 to 1."""
        return float(np.mean(self.credits)) if self.credits else 0.0

    def covered(self, key_points: Sequence[str]) -> list[str]:
        return [k for k, s in zip(key_points, self.similarities, strict=True) if s >= self.covered_at]

    def missed(self, key_points: Sequence[str]) -> list[str]:
        return [k for k, s in zip(key_points, self.similarities, strict=True) if s < self.covered_at]


def credit(similarity: float, low: float = LOW, high: float = HIGH) -> float:
    return float(min(1.0, max(0.0, (similarity - low) / (high - low))))


class CoverageScorer:
    """Embeds key points once per question (cached) and answer chunks per call."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder
        self._cache: dict[tuple[str, ...], np.ndarray] = {}
        self._lock = threading.Lock()

    def _refs(self, question: str, key_points: Sequence[str]) -> np.ndarray:
        key = (question, *key_points)
        with self._lock:
            if key not in self._cache:
                self._cache[key] = self.embedder.encode([question, *key_points])
            return self._cache[key]

    def score(self, question: str, key_points: Sequence[str], sents: list[str], track: str = "technical") -> Coverage:
        low, high, covered_at, off = thresholds(track)
        refs = self._refs(question, key_points)
        pieces = chunks(sents)
        if not pieces:
            zeros = [0.0] * len(key_points)
            return Coverage(zeros, zeros, [""] * len(key_points), 0.0, covered_at, off)
        vecs = self.embedder.encode(pieces)
        sims = vecs @ refs.T  # (chunks, 1 + key points)
        kp = sims[:, 1:]
        best = kp.argmax(axis=0) if kp.size else np.zeros(0, dtype=int)
        sim_list = [float(kp[best[j], j]) for j in range(kp.shape[1])]
        relevance = float(sims.max())
        index = {p: i for i, p in enumerate(pieces)}
        sent_words = [max(1, len(words(s))) for s in sents]
        on_topic = [float(sims[index[s]].max()) >= low for s in sents]
        density = sum(w for w, ok in zip(sent_words, on_topic, strict=True) if ok) / sum(sent_words)
        return Coverage(
            similarities=sim_list,
            credits=[credit(s, low, high) for s in sim_list],
            evidence=[pieces[int(best[j])] for j in range(len(sim_list))],
            relevance=relevance,
            covered_at=covered_at,
            off_topic_below=off,
            density=density,
        )

    def similarity_to(self, texts: Sequence[str], refs: Sequence[str]) -> np.ndarray:
        """Cosine matrix (texts x refs), for the injection exemplars and follow-up hints."""
        if not texts or not refs:
            return np.zeros((len(texts), len(refs)), dtype=np.float32)
        key = ("__refs__", *refs)
        with self._lock:
            if key not in self._cache:
                self._cache[key] = self.embedder.encode(list(refs))
            ref_vecs = self._cache[key]
        return np.asarray(self.embedder.encode(list(texts)) @ ref_vecs.T)
