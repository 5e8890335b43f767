"""Delivery metrics on generated speech with a known rate, known pauses and known fillers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from greenroom.speech.analyze import analyze_audio_file
from greenroom.speech.base import NoSpeechError, Transcript, Word
from greenroom.speech.delivery import analyze_delivery, find_speech
from greenroom.speech.fillers import find_fillers, words_from_text
from greenroom.speech.vad import Region

from .speechgen import SR, Generated, compose, silence, write

pytestmark = pytest.mark.slow

TEXT = [
    "I designed the payment service and led a team of four engineers through the migration.",
    "We measured every release and rolled back quickly when the error rate went up.",
    "The hardest part was keeping the old and new systems consistent during the move.",
]


def true_wpm(g: Generated) -> float:
    """The real rate of the generated speech: known words over the span from first to last speech."""
    span = g.speech_spans[-1][1] - g.speech_spans[0][0]
    return len(g.text.split()) / (span / 60.0)


@pytest.mark.parametrize("rate", [120, 160])
def test_wpm_within_ten_percent(rate: int, base_asr) -> None:
    g = compose([TEXT[0], 0.4, TEXT[1], 0.4, TEXT[2]], rate=rate)
    truth = true_wpm(g)
    m = analyze_delivery(g.audio, base_asr.transcribe(g.audio))
    print(f"espeak -s {rate}: real {truth:.0f} wpm, measured {m.wpm:.0f} wpm, articulation {m.articulation_wpm:.0f}")
    assert m.wpm == pytest.approx(truth, rel=0.10)
    assert m.articulation_wpm >= m.wpm


def test_inserted_pauses_are_found(answer: Generated, base_asr) -> None:
    m = analyze_delivery(answer.audio, base_asr.transcribe(answer.audio))
    for start, length in answer.pauses:
        assert length > 1.0
        match = [p for p in m.pauses if abs(p.start - start) < 0.3]
        assert len(match) == 1, (start, m.pauses)
        assert match[0].duration == pytest.approx(length, abs=0.2)
    assert m.pauses_over_2s == 1
    assert m.pause_longest_s == pytest.approx(2.5, abs=0.2)


def test_fillers_per_minute(base_asr) -> None:
    g = compose(
        [
            "So, um, I built the service in Python.",
            0.5,
            "Uh, it was, like, a queue, you know.",
            0.5,
            "Then we shipped it.",
        ]
    )
    m = analyze_delivery(g.audio, base_asr.transcribe(g.audio))
    assert m.filler_count >= 3
    assert m.fillers_per_min == pytest.approx(m.filler_count / (m.speaking_time_s / 60), rel=0.01)
    assert {f.text for f in m.fillers} <= {"um", "uh", "like", "you know"}


def test_filler_rules_on_text() -> None:
    def fill(t: str) -> list[str]:
        return [f.text for f in find_fillers(words_from_text(t))]

    assert fill("I like Python and it looks like a queue.") == []
    assert fill("It was, like, slow. You know, basically fine.") == ["like", "you know", "basically"]
    assert fill("You know what I mean? I mean that.") == []
    assert fill("It sort of works. A sort of cache.") == ["sort of"]
    assert fill("Umm, er, hmm, uh.") == ["umm", "er", "hmm", "uh"]


def test_pauses_in_word_timing_count_for_fillers() -> None:
    words = [Word("I", 0.0, 0.2), Word("like", 0.9, 1.1), Word("apples", 1.6, 2.0)]
    assert [f.text for f in find_fillers(words)] == ["like"]  # set off by pauses on both sides


def test_silence_is_no_speech_not_zero_wpm(answer_wav: Path, speech_settings, tmp_path: Path) -> None:
    quiet = write(tmp_path / "silence.wav", silence(4.0))
    with pytest.raises(NoSpeechError, match="No speech detected"):
        analyze_audio_file(quiet, speech_settings)
    noise = write(tmp_path / "hiss.wav", (np.random.default_rng(0).normal(0, 0.003, 4 * SR)).astype(np.float32))
    with pytest.raises(NoSpeechError):
        analyze_audio_file(noise, speech_settings)
    with pytest.raises(NoSpeechError):
        empty = Transcript("", (), "en", 1.0, 4.0, "x")
        analyze_delivery(silence(4.0), empty)


def test_pitch_monotone_flag() -> None:
    t = np.arange(4 * SR) / SR
    buzz = lambda f0: (0.3 * np.sign(np.sin(2 * np.pi * np.cumsum(f0) / SR))).astype(np.float32)  # noqa: E731
    flat = buzz(np.full(len(t), 120.0))
    lively = buzz(120.0 * 2 ** (4 * np.sin(2 * np.pi * 0.5 * t) / 12))  # +-4 semitones
    words = (Word("hello", 0.1, 3.9),)
    regions = [Region(0.0, 4.0)]  # a buzz is not speech to Silero: give the region
    m_flat = analyze_delivery(flat, Transcript("hello", words, "en", 1, 4, "x"), regions=regions)
    m_lively = analyze_delivery(lively, Transcript("hello", words, "en", 1, 4, "x"), regions=regions)
    assert m_flat.monotone is True and m_flat.pitch_median_hz == pytest.approx(120, rel=0.03)
    assert m_lively.monotone is False and m_lively.pitch_range_st > 6


def test_level_quiet_and_clipping(answer: Generated, base_asr) -> None:
    t = base_asr.transcribe(answer.audio)
    normal = analyze_delivery(answer.audio, t)
    quiet = analyze_delivery(answer.audio * 0.01, t, regions=find_speech(answer.audio))
    loud = analyze_delivery(np.clip(answer.audio * 8, -1, 1), t, regions=find_speech(answer.audio))
    assert not normal.too_quiet and not normal.clipping
    assert quiet.too_quiet and quiet.level_median_db == pytest.approx(normal.level_median_db - 40, abs=0.5)
    assert loud.clipping and loud.clipping_fraction > 0.001
    assert {c.metric: c.status for c in quiet.checks}["level_median_db"] == "low"


def test_timeline_and_checks(answer: Generated, base_asr) -> None:
    m = analyze_delivery(answer.audio, base_asr.transcribe(answer.audio))
    assert m.timeline[0].start == 0 and m.timeline[-1].end == pytest.approx(m.duration_s, abs=0.01)
    assert all(b.start == a.end for a, b in zip(m.timeline, m.timeline[1:], strict=False))
    words_in_windows = sum(p.wpm * (p.end - p.start) / 60 for p in m.timeline)
    assert words_in_windows == pytest.approx(m.word_count, abs=0.5)
    checks = {c.metric: c for c in m.checks}
    assert checks["wpm"].low == 100 and checks["wpm"].high == 165 and "Speaker Coach" in checks["wpm"].source
    assert checks["fillers_per_min"].high == 5


def test_analyze_audio_file_result(answer_wav: Path, speech_settings, base_asr) -> None:
    r = analyze_audio_file(answer_wav, speech_settings, transcriber=base_asr)
    assert r.language == "en" and r.asr_model == "whisper-base" and r.words
    data = r.model_dump()
    assert data["delivery"]["wpm"] > 0 and data["source_rate"] == SR
