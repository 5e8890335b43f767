"""The question guard's trained classifier: a softmax head on MiniLM sentence embeddings.

The head is trained by `greenroom train guard` (`greenroom.training.guard_train.train_guard_head`) and
shipped as `data/guard_head.json` (weights, bias, class names, decision threshold, provenance) with a
model card `data/guard_head_card.md`. Inference is one matrix product in numpy: no training library
is needed at run time.

A sentence is improper when `p_improper = 1 - P(proper) >= threshold`; its category is the most likely
improper class. `score` maps `p_improper` piecewise-linearly so that 0.5 is exactly the threshold
(the `GuardVerdict` convention).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from greenroom.errors import InputError

PROPER = "proper"
HEAD_FILE = "guard_head.json"


@dataclass(frozen=True)
class HeadMatch:
    """The head's view of one sentence."""

    p_improper: float
    category: str
    threshold: float

    @property
    def is_bad(self) -> bool:
        return self.p_improper >= self.threshold

    @property
    def score(self) -> float:
        t, p = self.threshold, self.p_improper
        if p >= t:
            return 0.5 + 0.5 * (p - t) / max(1e-9, 1.0 - t)
        return 0.5 * p / max(1e-9, t)


@dataclass(frozen=True)
class GuardHead:
    """Softmax weights over (proper, category...) classes and the decision threshold on p_improper."""

    classes: tuple[str, ...]
    weights: np.ndarray  # (n_classes, dim)
    bias: np.ndarray  # (n_classes,)
    threshold: float
    meta: dict[str, Any]

    def __post_init__(self) -> None:
        if PROPER not in self.classes or len(self.classes) < 2:
            raise InputError("A guard head needs the class 'proper' and at least one improper class.")
        if self.weights.shape != (len(self.classes), self.weights.shape[1]) or self.bias.shape != (len(self.classes),):
            raise InputError("Guard head weights do not match its classes.")
        if not 0.0 < self.threshold < 1.0:
            raise InputError(f"Guard head threshold must be in (0, 1), not {self.threshold}.")

    def probabilities(self, vecs: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (n, n_classes)."""
        logits = vecs.astype(np.float64) @ self.weights.T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return np.asarray(e / e.sum(axis=1, keepdims=True))

    def predict(self, vecs: np.ndarray) -> list[HeadMatch]:
        if len(vecs) == 0:
            return []
        probs = self.probabilities(vecs)
        proper = self.classes.index(PROPER)
        improper_idx = [i for i in range(len(self.classes)) if i != proper]
        out = []
        for row in probs:
            best = max(improper_idx, key=lambda i: row[i])
            out.append(HeadMatch(float(1.0 - row[proper]), self.classes[best], self.threshold))
        return out

    # --- persistence ----------------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps(
            {
                "format": "greenroom-guard-head/1",
                "classes": list(self.classes),
                "threshold": self.threshold,
                "bias": [round(float(x), 6) for x in self.bias],
                "weights": [[round(float(x), 6) for x in row] for row in self.weights],
                "meta": self.meta,
            },
            indent=None,
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json() + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> GuardHead:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                classes=tuple(str(c) for c in data["classes"]),
                weights=np.asarray(data["weights"], dtype=np.float64),
                bias=np.asarray(data["bias"], dtype=np.float64),
                threshold=float(data["threshold"]),
                meta=dict(data.get("meta") or {}),
            )
        except FileNotFoundError:
            raise InputError(f"Guard head not found: {path}") from None
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"Malformed guard head {path}: {exc}") from None


def default_head_path() -> Path:
    from greenroom.ethics.datasets import data_path

    return data_path(HEAD_FILE)


def load_default_head() -> GuardHead | None:
    """The shipped head, or None when this build has none (the guard then uses the exemplar stage)."""
    path = default_head_path()
    return GuardHead.load(path) if path.exists() else None
