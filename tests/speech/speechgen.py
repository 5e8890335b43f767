"""Test speech generated with espeak-ng: known words, a set rate (`-s`), and inserted pauses of known length."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 16_000


def espeak(text: str, rate: int = 150, voice: str = "en-us", pitch: int = 50) -> np.ndarray:
    """espeak-ng speech resampled to 16 kHz by sox, leading/trailing silence trimmed (float32)."""
    with tempfile.TemporaryDirectory() as d:
        raw, out = Path(d) / "raw.wav", Path(d) / "out.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(rate), "-p", str(pitch), "-w", str(raw), text],
            check=True,
            capture_output=True,
        )
        subprocess.run(["sox", str(raw), "-r", str(SR), "-c", "1", "-b", "16", str(out)], check=True)
        audio, sr = sf.read(out, dtype="float32")
    assert sr == SR
    return trim(audio)


def trim(audio: np.ndarray, level: float = 0.003) -> np.ndarray:
    idx = np.nonzero(np.abs(audio) > level)[0]
    return audio[idx[0] : idx[-1] + 1] if len(idx) else audio[:0]


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(round(seconds * SR)), np.float32)


@dataclass
class Generated:
    """Audio with the truth about it."""

    audio: np.ndarray
    text: str
    pauses: list[tuple[float, float]]  # inserted pauses (start, length) in seconds
    speech_spans: list[tuple[float, float]]  # (start, end) of each spoken piece

    @property
    def duration(self) -> float:
        return len(self.audio) / SR


def compose(parts: list[str | float], rate: int = 150, lead: float = 0.3, tail: float = 0.3) -> Generated:
    """Concatenate spoken sentences (str) and pauses of known length (float seconds)."""
    chunks = [silence(lead)]
    t = lead
    pauses: list[tuple[float, float]] = []
    spans: list[tuple[float, float]] = []
    texts: list[str] = []
    for p in parts:
        if isinstance(p, str):
            a = espeak(p, rate)
            spans.append((t, t + len(a) / SR))
            texts.append(p)
        else:
            a = silence(p)
            pauses.append((t, p))
        chunks.append(a)
        t += len(a) / SR
    chunks.append(silence(tail))
    return Generated(np.concatenate(chunks).astype(np.float32), " ".join(texts), pauses, spans)


def write(path: Path, audio: np.ndarray, sr: int = SR) -> Path:
    sf.write(path, audio, sr, subtype="PCM_16")
    return path


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate after lower-casing and stripping punctuation (numbers as digits or words both count)."""
    import re

    def norm(s: str) -> list[str]:
        return re.sub(r"[^a-z0-9' ]", " ", s.lower().replace("-", " ")).split()

    r, h = norm(reference), norm(hypothesis)
    d = np.zeros((len(r) + 1, len(h) + 1), dtype=int)
    d[:, 0] = np.arange(len(r) + 1)
    d[0, :] = np.arange(len(h) + 1)
    for i in range(1, len(r) + 1):
        for j in range(1, len(h) + 1):
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + (r[i - 1] != h[j - 1]))
    return float(d[len(r), len(h)]) / max(1, len(r))
