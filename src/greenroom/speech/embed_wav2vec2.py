"""wav2vec2 voice embeddings through transformers, from a local checkpoint folder (never downloaded)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from greenroom.errors import ConfigError, InputError
from greenroom.speech.base import SAMPLE_RATE

_LOCK = threading.Lock()
_MODELS: dict[str, Any] = {}


class Wav2Vec2Embedder:
    """Mean-pooled last hidden state of a `Wav2Vec2Model` (dimension = the model's hidden size)."""

    name = "wav2vec2"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not (self.path / "config.json").is_file():
            raise ConfigError(f"{self.path} is not a wav2vec2 checkpoint folder (no config.json).")
        import json

        cfg = json.loads((self.path / "config.json").read_text())
        self.dim = int(cfg.get("hidden_size", 0))

    def _model(self) -> Any:
        with _LOCK:
            key = str(self.path)
            if key not in _MODELS:
                from transformers import Wav2Vec2Model

                model = Wav2Vec2Model.from_pretrained(key, local_files_only=True)
                model.eval()
                _MODELS[key] = model
            return _MODELS[key]

    def embed(self, audio: np.ndarray) -> np.ndarray:
        import torch

        x = np.asarray(audio, np.float32).reshape(-1)
        if len(x) < SAMPLE_RATE // 10:
            raise InputError("Audio too short for wav2vec2 features (need at least 0.1 s).")
        x = (x - x.mean()) / (x.std() + 1e-7)  # what Wav2Vec2FeatureExtractor(do_normalize=True) does
        with torch.inference_mode():
            out = self._model()(torch.from_numpy(x)[None, :]).last_hidden_state
        return out.mean(dim=1)[0].numpy().astype(np.float32)
