"""The fallback voice: Debian espeak-ng through its command line. Intelligible but robotic; always labelled fallback."""

from __future__ import annotations

import io
import shutil
import subprocess
import wave

import numpy as np

from greenroom.errors import BackendUnavailableError
from greenroom.speech.tts import SentenceSynth


class EspeakSynthesizer(SentenceSynth):
    """espeak-ng (`-v en-us`), one process per sentence, 22.05 kHz."""

    fallback = True

    def __init__(self, *, voice: str = "en-us", rate: int = 165) -> None:
        self.voice = voice
        self.rate = rate
        self.name = "espeak-ng (fallback voice)"
        self.sample_rate = 22_050

    def load(self) -> EspeakSynthesizer:
        if shutil.which("espeak-ng") is None:
            raise BackendUnavailableError("espeak-ng is not installed.", hint="apt-get install espeak-ng")
        return self

    def _sentence(self, sentence: str) -> np.ndarray:
        self.load()
        proc = subprocess.run(
            ["espeak-ng", "-v", self.voice, "-s", str(self.rate), "--stdout", sentence],
            capture_output=True,
            check=False,
            timeout=60,
        )
        if proc.returncode != 0 or not proc.stdout:
            raise BackendUnavailableError(f"espeak-ng failed: {proc.stderr.decode(errors='replace').strip()[:200]}")
        with wave.open(io.BytesIO(proc.stdout)) as w:
            self.sample_rate = w.getframerate()
            frames = w.readframes(w.getnframes())
        return np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0
