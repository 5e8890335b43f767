"""Piper TTS (ONNX, via piper-tts) with the embedded CC0 voice `en_US-joe-medium`, or any local Piper voice."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from greenroom.errors import ConfigError
from greenroom.speech.tts import SentenceSynth

_LOCK = threading.Lock()
_VOICES: dict[str, Any] = {}


def load_voice(path: Path) -> Any:
    """A PiperVoice, loaded once per process per file."""
    with _LOCK:
        if str(path) not in _VOICES:
            from piper import PiperVoice

            config = Path(f"{path}.json")
            if not path.is_file() or not config.is_file():
                raise ConfigError(f"No Piper voice at {path} (needs the .onnx file and its .onnx.json beside it).")
            _VOICES[str(path)] = PiperVoice.load(path, config_path=config)
        return _VOICES[str(path)]


class PiperSynthesizer(SentenceSynth):
    """Piper voice; `length_scale` < 1 speaks faster."""

    def __init__(self, path: Path | None = None, *, length_scale: float = 1.0) -> None:
        if path is None:
            from greenroom.speech.models import piper_voice_path

            path = piper_voice_path()
        self.path = path
        self.name = f"piper:{path.stem}"
        self.length_scale = length_scale
        self._voice: Any = None

    def load(self) -> PiperSynthesizer:
        self._voice = load_voice(self.path)
        self.sample_rate = int(self._voice.config.sample_rate)
        return self

    def _sentence(self, sentence: str) -> np.ndarray:
        if self._voice is None:
            self.load()
        from piper import SynthesisConfig

        cfg = SynthesisConfig(length_scale=self.length_scale)
        parts = [c.audio_float_array for c in self._voice.synthesize(sentence, syn_config=cfg)]
        return np.concatenate(parts) if parts else np.zeros(0, np.float32)
