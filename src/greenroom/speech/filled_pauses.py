"""Filled pauses ("uh", "um", "er", "hmm") found in the audio, between Whisper's words.

Whisper leaves most filled pauses of real speech out of its text, so counting fillers from its words alone
misses most of them. A filled pause is acoustically plain: a sustained central vowel (often closing into a
nasal /m/), voiced throughout, with a flat or slowly falling pitch and formants that hardly move, lasting
roughly 150 ms to 1 s (Shriberg 2001, "To 'errrr' is human"; O'Shaughnessy 1992; Audhkhasi et al. 2009).
Words, by contrast, move their formants and their spectrum every few tens of milliseconds.

So, in the stretches that no transcribed word covers:

1. voiced runs (Praat's pitch tracker via parselmouth) of 150-1000 ms are candidates;
2. a candidate must be as loud as the speaker's own speech (within `LEVEL_DROP_DB` of the median level
   of the transcribed words): other voices bleeding into a headset microphone are quieter;
3. it must be steady, *relative to the same speaker's words*: its pitch (SD in semitones), its first two
   formants (SD in Bark) and its spectral change (mean frame-to-frame log-spectrum flux) must each be
   below the lower quartile of the same measure over 300 ms windows of the speaker's words. A threshold
   relative to the speaker, not an absolute number, because microphones, voices and rooms differ.

A filler is labelled "um" when its last third loses its high-frequency energy (the nasal murmur of /m/),
else "uh". Whisper's own hesitation words are kept; an acoustic candidate that overlaps one is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from greenroom.speech.base import SAMPLE_RATE, Word

MIN_S, MAX_S = 0.15, 1.0
#: Words' time stamps are approximate: keep this margin (s) around each word.
WORD_MARGIN_S = 0.04
LEVEL_DROP_DB = 10.0
#: A measure is steady when below this quantile (the median) of the same measure over the speaker's words.
STEADY_QUANTILE = 0.5
WINDOW_S = 0.3
STEP_S = 0.01


@dataclass(frozen=True)
class Candidate:
    """One voiced stretch between words, with its steadiness measures."""

    start: float
    end: float
    level_db: float
    pitch_sd_st: float
    formant_sd_bark: float
    flux: float
    nasal_drop_db: float


def _bark(hz: np.ndarray) -> np.ndarray:
    return 13.0 * np.arctan(0.00076 * hz) + 3.5 * np.arctan((hz / 7500.0) ** 2)


@dataclass
class _Tracks:
    t: np.ndarray  # frame centres, s
    f0: np.ndarray  # Hz, 0 unvoiced
    f1: np.ndarray  # Bark, nan where undefined
    f2: np.ndarray
    level: np.ndarray  # dBFS
    flux: np.ndarray  # log-spectrum change to the previous frame
    hi_lo_db: np.ndarray  # energy above 1 kHz minus energy below, dB


def _tracks(audio: np.ndarray) -> _Tracks:
    import parselmouth

    snd = parselmouth.Sound(np.asarray(audio, np.float64), sampling_frequency=SAMPLE_RATE)
    n = int(len(audio) / SAMPLE_RATE / STEP_S)
    t = (np.arange(n) + 0.5) * STEP_S
    pitch = snd.to_pitch_ac(time_step=STEP_S, pitch_floor=75.0, pitch_ceiling=500.0)
    f0 = np.nan_to_num(np.array([pitch.get_value_at_time(x) for x in t], dtype=float), nan=0.0)
    formant = snd.to_formant_burg(time_step=STEP_S, max_number_of_formants=5, maximum_formant=5500.0)
    f1 = np.array([formant.get_value_at_time(1, x) for x in t], dtype=float)
    f2 = np.array([formant.get_value_at_time(2, x) for x in t], dtype=float)

    win = int(0.025 * SAMPLE_RATE)
    hop = int(STEP_S * SAMPLE_RATE)
    x = np.asarray(audio, np.float64)
    pad = np.pad(x, (win // 2, win))
    idx = np.arange(n)[:, None] * hop + np.arange(win)[None, :]
    frames = pad[idx] * np.hanning(win)[None, :]
    spec = np.abs(np.fft.rfft(frames, axis=1)) ** 2 + 1e-10
    freqs = np.fft.rfftfreq(win, 1.0 / SAMPLE_RATE)
    band = (freqs >= 100) & (freqs <= 4000)
    logspec = 10.0 * np.log10(spec[:, band])
    flux = np.zeros(n)
    flux[1:] = np.mean(np.abs(np.diff(logspec, axis=0)), axis=1)
    level = 10.0 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    lo = spec[:, (freqs >= 100) & (freqs < 1000)].sum(axis=1)
    hi = spec[:, (freqs >= 1000) & (freqs <= 4000)].sum(axis=1)
    return _Tracks(t, f0, _bark(f1), _bark(f2), level, flux, 10.0 * np.log10(hi / lo))


def _measures(tr: _Tracks, sel: np.ndarray) -> tuple[float, float, float] | None:
    """How fast the voiced frames change, per 10 ms step: (median |delta F0| in semitones, median |delta F1|
    and |delta F2| in Bark (mean of the two), median spectral flux).

    Medians of frame-to-frame changes, not standard deviations: a filled pause has one transition at most
    (the vowel closing into /m/), which a median ignores, while a word keeps moving throughout.
    """
    voiced = sel & (tr.f0 > 0)
    if voiced.sum() < 5:
        return None
    idx = np.flatnonzero(voiced)
    pairs = idx[1:][np.diff(idx) == 1]  # consecutive voiced frames
    if len(pairs) < 4:
        return None
    st = 12.0 * np.log2(tr.f0[pairs] / tr.f0[pairs - 1])
    d1 = np.abs(tr.f1[pairs] - tr.f1[pairs - 1])
    d2 = np.abs(tr.f2[pairs] - tr.f2[pairs - 1])
    ok = np.isfinite(d1) & np.isfinite(d2)
    if ok.sum() < 4:
        return None
    fd = (float(np.median(d1[ok])) + float(np.median(d2[ok]))) / 2
    return float(np.median(np.abs(st))), fd, float(np.median(tr.flux[pairs]))


def _word_mask(t: np.ndarray, words: Sequence[Word]) -> np.ndarray:
    covered = np.zeros(len(t), bool)
    for w in words:
        covered |= (t >= w.start - WORD_MARGIN_S) & (t <= w.end + WORD_MARGIN_S)
    return covered


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[i, j) index runs where mask is True."""
    out: list[tuple[int, int]] = []
    i, n = 0, len(mask)
    while i < n:
        if mask[i]:
            j = i
            while j < n and mask[j]:
                j += 1
            out.append((i, j))
            i = j
        else:
            i += 1
    return out


@dataclass(frozen=True)
class SpeakerNorms:
    """The speaker's own word-speech figures the candidates are compared with."""

    level_db: float
    pitch_sd_st: float
    formant_sd_bark: float
    flux: float


def _norms(tr: _Tracks, words: Sequence[Word]) -> SpeakerNorms | None:
    levels: list[float] = []
    rows: list[tuple[float, float, float]] = []
    for w in words:
        inside = (tr.t >= w.start) & (tr.t <= w.end)
        if inside.any():
            levels.append(float(np.median(tr.level[inside])))
        if w.end - w.start < MIN_S:
            continue
        for s in np.arange(w.start, max(w.start, w.end - WINDOW_S) + 1e-6, WINDOW_S / 2):
            m = _measures(tr, (tr.t >= s) & (tr.t <= min(s + WINDOW_S, w.end)))
            if m is not None:
                rows.append(m)
    if len(rows) < 8 or not levels:
        return None
    a = np.array(rows)
    q = np.quantile(a, STEADY_QUANTILE, axis=0)
    return SpeakerNorms(float(np.median(levels)), float(q[0]), float(q[1]), float(q[2]))


def candidates(audio: np.ndarray, words: Sequence[Word]) -> tuple[list[Candidate], SpeakerNorms | None]:
    """Voiced stretches between words, with their measures, and the speaker's norms."""
    tr = _tracks(audio)
    norms = _norms(tr, words)
    free = ~_word_mask(tr.t, words)
    voiced = tr.f0 > 0
    # Bridge one- or two-frame voicing drop-outs.
    v = voiced.copy()
    for k in range(1, len(v) - 2):
        if not v[k] and voiced[k - 1] and (voiced[k + 1] or voiced[k + 2]):
            v[k] = True
    out: list[Candidate] = []
    for i, j in _runs(v & free):
        dur = (j - i) * STEP_S
        if not MIN_S <= dur <= MAX_S:
            continue
        sel = np.zeros(len(tr.t), bool)
        sel[i:j] = True
        m = _measures(tr, sel)
        if m is None:
            continue
        third = max(1, (j - i) // 3)
        nasal = float(np.mean(tr.hi_lo_db[i : i + third]) - np.mean(tr.hi_lo_db[j - third : j]))
        out.append(
            Candidate(
                start=round(float(tr.t[i] - STEP_S / 2), 3),
                end=round(float(tr.t[j - 1] + STEP_S / 2), 3),
                level_db=float(np.median(tr.level[i:j])),
                pitch_sd_st=m[0],
                formant_sd_bark=m[1],
                flux=m[2],
                nasal_drop_db=nasal,
            )
        )
    return out, norms


def is_filled_pause(c: Candidate, norms: SpeakerNorms) -> bool:
    """Loud enough to be the speaker, and steadier than their typical word on at least two of the three
    measures (each tracker alone fails now and then on real microphones: Burg formants on nasals and in
    noise, octave jumps in pitch; a majority vote is robust to one of them failing)."""
    if c.level_db < norms.level_db - LEVEL_DROP_DB:
        return False
    steady = (
        (c.pitch_sd_st <= norms.pitch_sd_st) + (c.formant_sd_bark <= norms.formant_sd_bark) + (c.flux <= norms.flux)
    )
    return steady >= 2


#: A filler's last third this many dB duller (above 1 kHz vs below) than its first third: a closing /m/.
NASAL_DROP_DB = 6.0


def find_filled_pauses(audio: np.ndarray, words: Sequence[Word]) -> list[tuple[str, float, float]]:
    """(label, start, end) of the filled pauses between `words` in 16 kHz mono `audio`, in time order.

    Returns nothing when there are too few words to learn the speaker's norms from (under about 3 s).
    """
    found, norms = candidates(audio, words)
    if norms is None:
        return []
    return [
        ("um" if c.nasal_drop_db >= NASAL_DROP_DB else "uh", c.start, c.end) for c in found if is_filled_pause(c, norms)
    ]
