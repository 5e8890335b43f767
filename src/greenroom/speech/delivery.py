"""Delivery metrics from the audio and the word timestamps: pace, pauses, fillers, pitch, energy, timelines.

Every figure is compared with a target range whose source is named (docs/speech.md lists them).
Where no published norm exists the source says "Greenroom heuristic". Audio without speech raises
`NoSpeechError` ("no speech detected"): no metric is ever made up from silence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from greenroom.speech.base import SAMPLE_RATE, NoSpeechError, Transcript, Word
from greenroom.speech.disfluency import find_disfluencies
from greenroom.speech.filled_pauses import find_filled_pauses
from greenroom.speech.fillers import HESITATION, filler_counts, find_fillers, merge_fillers
from greenroom.speech.prosody import FRAME_S, clipped_fraction, frame_levels_db, pitch_stats, pitch_track
from greenroom.speech.vad import Region, pauses_between, speech_probabilities, speech_regions

SPEAKER_COACH = "Microsoft PowerPoint Speaker Coach (100-165 wpm)"
FILLER_SOURCE = "About 5 fillers/min: Laske et al. 2024 (JABA), as summarised by Speech Away; see docs/speech.md"
PITCH_SOURCE = "F0 SD in semitones (Hincks & Edlund 2009); the 2-semitone cut-off is a Greenroom heuristic"
HEURISTIC = "Greenroom heuristic (no published norm)"

WPM_RANGE = (100.0, 165.0)
MAX_FILLERS_PER_MIN = 5.0
MONOTONE_SD_ST = 2.0
QUIET_DBFS = -35.0
CLIP_FRACTION = 0.001
MIN_PAUSE_S = 0.25
LONG_PAUSE_S = 2.0
WINDOW_S = 10.0


class Pause(BaseModel):
    start: float
    end: float
    duration: float


class FillerItem(BaseModel):
    text: str
    start: float
    end: float
    source: Literal["asr", "acoustic"] = Field(
        default="asr", description="asr: a word Whisper wrote; acoustic: a filled pause heard between its words."
    )


class DisfluencyItem(BaseModel):
    kind: str = Field(description="repetition, restart or repeated phrase.")
    text: str
    start: float
    end: float


class TargetCheck(BaseModel):
    metric: str
    value: float
    low: float | None
    high: float | None
    status: Literal["ok", "low", "high"]
    source: str


class TimelinePoint(BaseModel):
    start: float
    end: float
    wpm: float
    fillers: int
    pitch_median_hz: float | None
    level_db: float | None


class DeliveryMetrics(BaseModel):
    """How the answer was delivered. Times in seconds; levels in dBFS; pitch in Hz and semitones."""

    duration_s: float
    speaking_time_s: float = Field(description="From the first to the last speech, pauses included.")
    phonation_time_s: float = Field(description="Time actually speaking (pauses of 0.25 s or more removed).")
    word_count: int = Field(description="Words, hesitations (um, uh) excluded.")
    wpm: float = Field(description="Speaking rate: words per minute of speaking time.")
    articulation_wpm: float = Field(description="Articulation rate: words per minute of phonation time.")
    pause_count: int
    pause_mean_s: float | None
    pause_longest_s: float | None
    pauses_over_2s: int
    pauses: list[Pause]
    filler_count: int
    fillers_per_min: float
    filler_counts: dict[str, int]
    fillers: list[FillerItem]
    acoustic_fillers: int = Field(default=0, description="How many of the fillers were heard, not transcribed.")
    restart_count: int = Field(default=0, description="Restarts and repetitions (their own figure, not fillers).")
    restarts: list[DisfluencyItem] = Field(default_factory=list)
    pitch_median_hz: float | None
    pitch_range_st: float | None
    pitch_sd_st: float | None
    monotone: bool | None = Field(description="None when too little voiced speech to judge.")
    level_median_db: float
    level_sd_db: float = Field(description="Energy variability: SD of the speech frames' level.")
    too_quiet: bool
    clipping_fraction: float
    clipping: bool
    timeline: list[TimelinePoint]
    checks: list[TargetCheck]
    notes: list[str]


def _check(metric: str, value: float, low: float | None, high: float | None, source: str) -> TargetCheck:
    status: Literal["ok", "low", "high"] = "ok"
    if low is not None and value < low:
        status = "low"
    elif high is not None and value > high:
        status = "high"
    return TargetCheck(metric=metric, value=round(value, 3), low=low, high=high, status=status, source=source)


def _lexical(words: Sequence[Word]) -> list[Word]:
    return [w for w in words if not HESITATION.match(w.text.lower().strip(" ,.?!;:-…"))]


def find_speech(audio: np.ndarray, threshold: float = 0.5) -> list[Region]:
    """Speech regions by Silero VAD; raises `NoSpeechError` when there are none."""
    regions = speech_regions(speech_probabilities(audio), threshold=threshold, min_silence_s=MIN_PAUSE_S)
    if not regions or sum(r.duration for r in regions) < 0.2:
        raise NoSpeechError("No speech detected in the audio.")
    return regions


def analyze_delivery(
    audio: np.ndarray,
    transcript: Transcript,
    *,
    regions: list[Region] | None = None,
    vad_threshold: float = 0.5,
) -> DeliveryMetrics:
    """All delivery metrics for one answer (16 kHz mono float32 audio and its transcript)."""
    audio = np.asarray(audio, np.float32).reshape(-1)
    duration = len(audio) / SAMPLE_RATE
    regions = regions if regions is not None else find_speech(audio, vad_threshold)
    if not transcript.words:
        raise NoSpeechError("No speech detected: no words could be recognised in the audio.")
    notes: list[str] = []
    span = regions[-1].end - regions[0].start
    phonation = sum(r.duration for r in regions)
    words = _lexical(transcript.words)
    n = len(words)
    wpm = n / (span / 60.0)
    artic = n / (phonation / 60.0)
    if span < 10:
        notes.append(f"Only {span:.1f} s of speech: rates are rough.")

    pauses = [
        Pause(start=round(p.start, 3), end=round(p.end, 3), duration=round(p.duration, 3))
        for p in pauses_between(regions)
    ]
    durs = [p.duration for p in pauses]
    fillers = merge_fillers(find_fillers(transcript.words), find_filled_pauses(audio, transcript.words))
    restarts = find_disfluencies(transcript.words)
    fpm = len(fillers) / (span / 60.0)

    track = pitch_track(audio)
    ps = pitch_stats(track)
    if ps is None:
        notes.append("Too little voiced speech to measure pitch.")

    levels = frame_levels_db(audio)
    frame_t = (np.arange(len(levels)) + 0.5) * FRAME_S
    in_speech = np.zeros(len(levels), bool)
    for r in regions:
        in_speech |= (frame_t >= r.start) & (frame_t < r.end)
    speech_levels = levels[in_speech] if in_speech.any() else levels
    level_median = float(np.median(speech_levels))
    level_sd = float(np.std(speech_levels))
    clip = clipped_fraction(audio)

    timeline: list[TimelinePoint] = []
    t0 = 0.0
    while t0 < duration - 1e-6:
        t1 = min(duration, t0 + WINDOW_S)
        count = sum(1 for w in words if t0 <= w.start < t1)
        f_in = [f for f in fillers if t0 <= f.start < t1]
        sel = (track.times >= t0) & (track.times < t1) & (track.f0 > 0)
        lv = levels[(frame_t >= t0) & (frame_t < t1) & in_speech]
        timeline.append(
            TimelinePoint(
                start=round(t0, 2),
                end=round(t1, 2),
                wpm=round(count / ((t1 - t0) / 60.0), 1),
                fillers=len(f_in),
                pitch_median_hz=round(float(np.median(track.f0[sel])), 1) if sel.sum() >= 5 else None,
                level_db=round(float(np.median(lv)), 1) if len(lv) else None,
            )
        )
        t0 = t1

    checks = [
        _check("wpm", wpm, *WPM_RANGE, SPEAKER_COACH),
        _check("fillers_per_min", fpm, None, MAX_FILLERS_PER_MIN, FILLER_SOURCE),
        _check("pauses_over_2s_per_min", sum(d > LONG_PAUSE_S for d in durs) / (span / 60.0), None, 2.0, HEURISTIC),
        _check("level_median_db", level_median, QUIET_DBFS, None, HEURISTIC),
        _check("clipping_fraction", clip, None, CLIP_FRACTION, HEURISTIC),
    ]
    if ps is not None:
        checks.append(_check("pitch_sd_st", ps.sd_semitones, MONOTONE_SD_ST, None, PITCH_SOURCE))
    return DeliveryMetrics(
        duration_s=round(duration, 3),
        speaking_time_s=round(span, 3),
        phonation_time_s=round(phonation, 3),
        word_count=n,
        wpm=round(wpm, 1),
        articulation_wpm=round(artic, 1),
        pause_count=len(pauses),
        pause_mean_s=round(float(np.mean(durs)), 3) if durs else None,
        pause_longest_s=round(max(durs), 3) if durs else None,
        pauses_over_2s=sum(d > LONG_PAUSE_S for d in durs),
        pauses=pauses,
        filler_count=len(fillers),
        fillers_per_min=round(fpm, 2),
        filler_counts=filler_counts(fillers),
        fillers=[
            FillerItem(text=f.text, start=round(f.start, 2), end=round(f.end, 2), source=f.source) for f in fillers
        ],
        acoustic_fillers=sum(f.source == "acoustic" for f in fillers),
        restart_count=len(restarts),
        restarts=[
            DisfluencyItem(kind=d.kind, text=d.text, start=round(d.start, 2), end=round(d.end, 2)) for d in restarts
        ],
        pitch_median_hz=round(ps.median_hz, 1) if ps else None,
        pitch_range_st=round(ps.range_semitones, 2) if ps else None,
        pitch_sd_st=round(ps.sd_semitones, 2) if ps else None,
        monotone=(ps.sd_semitones < MONOTONE_SD_ST) if ps else None,
        level_median_db=round(level_median, 1),
        level_sd_db=round(level_sd, 2),
        too_quiet=level_median < QUIET_DBFS,
        clipping_fraction=round(clip, 5),
        clipping=clip > CLIP_FRACTION,
        timeline=timeline,
        checks=checks,
        notes=notes,
    )
