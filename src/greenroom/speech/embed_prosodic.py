"""The default voice features: a small prosodic vector from parselmouth (no neural model)."""

from __future__ import annotations

import numpy as np

from greenroom.speech.base import SAMPLE_RATE, NoSpeechError
from greenroom.speech.prosody import PITCH_CEILING, PITCH_FLOOR, frame_levels_db, pitch_stats, pitch_track

FEATURES = (
    "log2_pitch_median_hz",
    "pitch_sd_st",
    "pitch_range_st",
    "voiced_fraction",
    "jitter_local",
    "shimmer_local",
    "hnr_db",
    "level_median_db",
    "level_sd_db",
)


class ProsodicEmbedder:
    """Pitch, voice quality (jitter, shimmer, HNR) and level statistics as a 9-dimensional vector."""

    name = "prosodic"
    dim = len(FEATURES)
    features = FEATURES

    def embed(self, audio: np.ndarray) -> np.ndarray:
        import parselmouth
        from parselmouth.praat import call

        audio = np.asarray(audio, np.float32).reshape(-1)
        ps = pitch_stats(pitch_track(audio))
        if ps is None:
            raise NoSpeechError("No voiced speech to describe.")
        snd = parselmouth.Sound(audio.astype(np.float64), sampling_frequency=SAMPLE_RATE)
        points = call(snd, "To PointProcess (periodic, cc)", PITCH_FLOOR, PITCH_CEILING)
        jitter = call(points, "Get jitter (local)", 0, 0, 0.0001, 0.02, 1.3)
        shimmer = call([snd, points], "Get shimmer (local)", 0, 0, 0.0001, 0.02, 1.3, 1.6)
        hnr = call(call(snd, "To Harmonicity (cc)", 0.01, PITCH_FLOOR, 0.1, 1.0), "Get mean", 0, 0)
        levels = frame_levels_db(audio)
        loud = levels[levels > levels.max() - 40] if len(levels) else np.zeros(1)
        vec = [
            np.log2(ps.median_hz),
            ps.sd_semitones,
            ps.range_semitones,
            ps.voiced_fraction,
            jitter,
            shimmer,
            hnr,
            float(np.median(loud)),
            float(np.std(loud)),
        ]
        return np.nan_to_num(np.asarray(vec, np.float32), nan=0.0)
