"""Silero VAD v6 on onnxruntime (the ONNX file bundled in faster-whisper; no torch), offline and streaming.

The model scores 32 ms windows (512 samples at 16 kHz, with 64 samples of context) and carries an
LSTM state, so feeding audio in pieces gives the same scores as one call on the whole clip.
`speech_regions` turns scores into speech intervals; `pauses` are the gaps between them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from greenroom.speech.base import SAMPLE_RATE

WINDOW = 512
CONTEXT = 64
WINDOW_S = WINDOW / SAMPLE_RATE

_LOCK = threading.Lock()
_SESSION: list[object] = []


def _session() -> object:
    with _LOCK:
        if not _SESSION:
            import onnxruntime

            from greenroom.speech.models import silero_vad_path

            opts = onnxruntime.SessionOptions()
            opts.inter_op_num_threads = 1
            opts.intra_op_num_threads = 1
            opts.log_severity_level = 4
            _SESSION.append(
                onnxruntime.InferenceSession(
                    str(silero_vad_path()), providers=["CPUExecutionProvider"], sess_options=opts
                )
            )
        return _SESSION[0]


class StreamingVad:
    """Feed 16 kHz float32 audio in any piece size; get one speech probability per 32 ms window."""

    def __init__(self) -> None:
        self._session = _session()
        self._h = np.zeros((1, 1, 128), np.float32)
        self._c = np.zeros((1, 1, 128), np.float32)
        self._context = np.zeros(CONTEXT, np.float32)
        self._pending = np.zeros(0, np.float32)
        self.windows_done = 0

    def feed(self, audio: np.ndarray) -> np.ndarray:
        """Speech probabilities for every complete window now available (may be empty)."""
        buf = np.concatenate([self._pending, np.asarray(audio, np.float32).reshape(-1)])
        n = len(buf) // WINDOW
        self._pending = buf[n * WINDOW :]
        if n == 0:
            return np.zeros(0, np.float32)
        wins = buf[: n * WINDOW].reshape(n, WINDOW)
        ctx = np.concatenate([self._context[None, :], wins[:-1, -CONTEXT:]], axis=0)
        batch = np.concatenate([ctx, wins], axis=1).astype(np.float32)
        self._context = wins[-1, -CONTEXT:].copy()
        out, self._h, self._c = self._session.run(None, {"input": batch, "h": self._h, "c": self._c})  # type: ignore[attr-defined]
        self.windows_done += n
        return np.asarray(out, np.float32).reshape(-1)


def speech_probabilities(audio: np.ndarray) -> np.ndarray:
    """One probability per 32 ms window over a whole clip (the tail is zero-padded to a window)."""
    pad = (-len(audio)) % WINDOW
    return StreamingVad().feed(np.pad(np.asarray(audio, np.float32), (0, pad)))


@dataclass(frozen=True)
class Region:
    """An interval in seconds."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


def speech_regions(
    probs: np.ndarray,
    *,
    threshold: float = 0.5,
    min_silence_s: float = 0.25,
    min_speech_s: float = 0.1,
) -> list[Region]:
    """Speech intervals from window probabilities, with hysteresis (off below threshold - 0.15).

    Silences shorter than `min_silence_s` are bridged; speech bursts shorter than `min_speech_s` dropped.
    """
    off = max(threshold - 0.15, 0.01)
    raw: list[list[int]] = []
    active = False
    for i, p in enumerate(probs):
        if not active and p >= threshold:
            active = True
            raw.append([i, i + 1])
        elif active:
            if p < off:
                active = False
            else:
                raw[-1][1] = i + 1
    merged: list[list[int]] = []
    gap = min_silence_s / WINDOW_S
    for r in raw:
        if merged and r[0] - merged[-1][1] < gap:
            merged[-1][1] = r[1]
        else:
            merged.append(r)
    return [Region(a * WINDOW_S, b * WINDOW_S) for a, b in merged if (b - a) * WINDOW_S >= min_speech_s]


def pauses_between(regions: list[Region]) -> list[Region]:
    """The silent gaps between consecutive speech regions."""
    return [Region(a.end, b.start) for a, b in zip(regions, regions[1:], strict=False) if b.start > a.end]
