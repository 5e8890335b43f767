"""Whisper log-mel features (80 mel bands, 10 ms hop) in numpy, as the Smart Turn v3 model reads them.

The same computation as `transformers.WhisperFeatureExtractor(chunk_length=8)` with `do_normalize=True`:
the 8 s window (128 000 samples at 16 kHz; shorter input is zero-padded at the end) is normalised to zero
mean and unit variance, then a centred, reflect-padded 400-point STFT with a periodic Hann window, a
Slaney mel filter bank (0-8 kHz), log10 with a floor, clamped to 8 below the maximum and scaled by
(x + 4) / 4. The result is float32 of shape (80, 800). A test checks it against pipecat's own copy.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from greenroom.speech.base import SAMPLE_RATE

N_FFT = 400
HOP = 160
N_MELS = 80
WINDOW_SAMPLES = 8 * SAMPLE_RATE  #: the model's input: the last 8 s


def _hz_to_mel(f: np.ndarray) -> np.ndarray:
    """Slaney mel scale: linear below 1 kHz, logarithmic above."""
    f = np.asarray(f, np.float64)
    lin = 3.0 * f / 200.0
    log = 15.0 + np.log(np.maximum(f, 1e-12) / 1000.0) * (27.0 / np.log(6.4))
    return np.where(f >= 1000.0, log, lin)


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, np.float64)
    lin = 200.0 * m / 3.0
    log = 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0))
    return np.where(m >= 15.0, log, lin)


def mel_filters(n_freqs: int = N_FFT // 2 + 1, n_mels: int = N_MELS, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Triangular Slaney-normalised filters, shape (n_freqs, n_mels)."""
    edges = _mel_to_hz(np.linspace(_hz_to_mel(np.array(0.0)), _hz_to_mel(np.array(sr / 2.0)), n_mels + 2))
    fft_freqs = np.linspace(0, sr // 2, n_freqs)
    slopes = edges[None, :] - fft_freqs[:, None]
    widths = np.diff(edges)
    down = -slopes[:, :-2] / widths[:-1]
    up = slopes[:, 2:] / widths[1:]
    filters = np.maximum(0.0, np.minimum(down, up))
    return filters * (2.0 / (edges[2 : n_mels + 2] - edges[:n_mels]))[None, :]


_FILTERS = mel_filters()
_HANN = np.hanning(N_FFT + 1)[:-1]  # periodic, as torch.hann_window


def fit_window(audio: np.ndarray) -> np.ndarray:
    """The last 8 s of `audio`, zero-padded at the front when shorter (the model's input window)."""
    x = np.asarray(audio, np.float32).reshape(-1)[-WINDOW_SAMPLES:]
    return np.pad(x, (WINDOW_SAMPLES - len(x), 0)) if len(x) < WINDOW_SAMPLES else x


def log_mel(audio: np.ndarray) -> np.ndarray:
    """Features of an 8 s window of 16 kHz audio (see the module docstring): float32 (80, 800)."""
    x = np.asarray(audio, np.float32).reshape(-1)
    if len(x) > WINDOW_SAMPLES:
        raise ValueError(f"at most {WINDOW_SAMPLES} samples (8 s): use fit_window first")
    x = np.pad(x, (0, WINDOW_SAMPLES - len(x)))
    x = (x - x.mean()) / np.sqrt(x.var() + 1e-7)
    padded = np.pad(x.astype(np.float64), (N_FFT // 2, N_FFT // 2), mode="reflect")
    frames = sliding_window_view(padded, N_FFT)[::HOP]
    power = np.abs(np.fft.rfft(frames * _HANN, axis=-1)) ** 2  # (frames, freqs)
    mel = np.log10(np.maximum(1e-10, power @ _FILTERS)).T[:, :-1]  # (80, 800): the last frame dropped
    mel = np.maximum(mel, mel.max() - 8.0)
    return ((mel + 4.0) / 4.0).astype(np.float32)
