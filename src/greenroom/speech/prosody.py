"""Pitch and energy with praat-parselmouth and numpy: the prosodic half of the delivery metrics.

Pitch is Praat's autocorrelation tracker (10 ms steps, 75-500 Hz). Variability is the standard
deviation of F0 in semitones around the median, the measure Hincks & Edlund (2009) used to tell flat
from lively presentation speech. Energy is the RMS level in dBFS over 50 ms frames inside speech.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from greenroom.speech.base import SAMPLE_RATE

PITCH_FLOOR = 75.0
PITCH_CEILING = 500.0
FRAME_S = 0.05


@dataclass(frozen=True)
class PitchTrack:
    times: np.ndarray  # seconds
    f0: np.ndarray  # Hz, 0 where unvoiced


def pitch_track(audio: np.ndarray, time_step: float = 0.01) -> PitchTrack:
    import parselmouth

    snd = parselmouth.Sound(np.asarray(audio, np.float64), sampling_frequency=SAMPLE_RATE)
    pitch = snd.to_pitch_ac(time_step=time_step, pitch_floor=PITCH_FLOOR, pitch_ceiling=PITCH_CEILING)
    return PitchTrack(np.asarray(pitch.xs(), np.float64), np.asarray(pitch.selected_array["frequency"], np.float64))


@dataclass(frozen=True)
class PitchStats:
    median_hz: float
    range_semitones: float  # 5th to 95th percentile
    sd_semitones: float
    voiced_fraction: float


def pitch_stats(track: PitchTrack) -> PitchStats | None:
    """Summary of the voiced frames, or None with fewer than 20 voiced frames (0.2 s)."""
    voiced = track.f0[track.f0 > 0]
    if len(voiced) < 20:
        return None
    med = float(np.median(voiced))
    st = 12.0 * np.log2(voiced / med)
    p5, p95 = np.percentile(voiced, [5, 95])
    return PitchStats(
        median_hz=med,
        range_semitones=float(12.0 * np.log2(p95 / p5)),
        sd_semitones=float(np.std(st)),
        voiced_fraction=float(len(voiced) / max(1, len(track.f0))),
    )


def frame_levels_db(audio: np.ndarray, frame_s: float = FRAME_S) -> np.ndarray:
    """RMS level in dBFS of consecutive frames (a full-scale sine is -3 dBFS)."""
    n = int(frame_s * SAMPLE_RATE)
    frames = len(audio) // n
    if frames == 0:
        return np.zeros(0)
    x = np.asarray(audio[: frames * n], np.float64).reshape(frames, n)
    rms = np.sqrt(np.mean(x * x, axis=1))
    return 20.0 * np.log10(np.maximum(rms, 1e-6))


def clipped_fraction(audio: np.ndarray, level: float = 0.999) -> float:
    """Share of samples at or beyond full scale."""
    if len(audio) == 0:
        return 0.0
    return float(np.mean(np.abs(audio) >= level))
