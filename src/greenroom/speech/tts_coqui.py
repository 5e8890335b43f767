"""Optional Coqui TTS back-end, loading a model from a local path (no download).

Coqui (`pip install TTS` or the maintained fork `coqui-tts`) needs torchaudio and ships no model
offline: point `GREENROOM_SPEECH_TTS_MODEL_PATH` at a model folder holding `config.json` and the
checkpoint (`model.pth` / `model_file.pth`), or at the checkpoint file itself with `config.json` beside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from greenroom.errors import BackendUnavailableError, ConfigError
from greenroom.speech.tts import SentenceSynth


def _checkpoint(path: Path) -> tuple[Path, Path]:
    if path.is_file():
        return path, path.parent / "config.json"
    for name in ("model.pth", "model_file.pth", "best_model.pth", "checkpoint.pth"):
        if (path / name).is_file():
            return path / name, path / "config.json"
    raise ConfigError(f"No Coqui checkpoint (model.pth) in {path}.")


class CoquiSynthesizer(SentenceSynth):
    """Coqui TTS on CPU from a local checkpoint and config."""

    def __init__(self, path: Path | None) -> None:
        if path is None:
            raise ConfigError(
                "The coqui TTS back-end needs a local model.", hint="Set GREENROOM_SPEECH_TTS_MODEL_PATH to its folder."
            )
        self.path = Path(path)
        self.name = f"coqui:{self.path.name}"
        self._tts: Any = None

    def load(self) -> CoquiSynthesizer:
        if self._tts is not None:
            return self
        try:
            from TTS.api import TTS
        except ImportError as exc:
            raise BackendUnavailableError(
                "Coqui TTS is not installed (optional; it needs torchaudio).", hint="pip install coqui-tts"
            ) from exc
        model, config = _checkpoint(self.path)
        if not config.is_file():
            raise ConfigError(f"No config.json beside the Coqui checkpoint {model}.")
        self._tts = TTS(model_path=str(model), config_path=str(config), progress_bar=False).to("cpu")
        self.sample_rate = int(self._tts.synthesizer.output_sample_rate)
        return self

    def _sentence(self, sentence: str) -> np.ndarray:
        self.load()
        return np.asarray(self._tts.tts(sentence), dtype=np.float32)
