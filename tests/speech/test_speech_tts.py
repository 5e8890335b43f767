"""TTS: Piper (embedded), the espeak-ng fallback, the optional Coqui back-end, sentence streaming."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import numpy as np
import pytest

from greenroom.config import Settings
from greenroom.errors import BackendUnavailableError, ConfigError, InputError, UnknownNameError
from greenroom.speech.audio import decode_audio, wav_bytes
from greenroom.speech.tts import create_synthesizer, split_sentences

from .speechgen import wer

QUESTION = (
    "Thanks for joining me today. Tell me about a project you are proud of. "
    "What was the hardest technical problem, and how did you solve it?"
)


def test_split_sentences() -> None:
    assert split_sentences("Hi there. Dr. Smith asked: why? Fine!") == ["Hi there.", "Dr. Smith asked: why?", "Fine!"]
    long = "word, " * 100
    assert all(len(s) <= 240 for s in split_sentences(long))


def test_piper_streams_one_chunk_per_sentence(piper) -> None:
    assert piper.fallback is False and piper.sample_rate == 22050
    start = time.perf_counter()
    stream = piper.stream(QUESTION)
    first = next(stream)
    first_s = time.perf_counter() - start
    rest = list(stream)
    total_s = time.perf_counter() - start
    assert len(rest) == 2 and len(first) > 0.5 * piper.sample_rate
    assert first_s < total_s  # the first sentence is ready before the others are synthesised


@pytest.mark.slow
def test_piper_output_transcribes_back(piper, base_asr) -> None:
    audio = piper.synthesize(QUESTION)
    assert audio.voice.startswith("piper:") and not audio.fallback
    assert 0.5 < np.max(np.abs(audio.samples)) <= 1.0
    decoded = decode_audio(wav_bytes(audio.samples, audio.sample_rate))
    err = wer(QUESTION, base_asr.transcribe(decoded.samples).text)
    print(f"Piper -> Whisper base WER {err:.3f}")
    assert err <= 0.10


@pytest.mark.slow
def test_espeak_fallback_is_labelled_and_intelligible(speech_settings: Settings, base_asr) -> None:
    synth = create_synthesizer(speech_settings, "espeak")
    assert synth.fallback is True and "fallback" in synth.name
    audio = synth.synthesize("Tell me about a project you are proud of.")
    assert audio.fallback
    text = base_asr.transcribe(decode_audio(wav_bytes(audio.samples, audio.sample_rate)).samples).text
    assert wer("Tell me about a project you are proud of.", text) <= 0.25


def test_missing_voice_raises_or_falls_back_labelled(speech_settings: Settings, tmp_path: Path) -> None:
    s = speech_settings.model_copy(update={"speech_tts_model_path": tmp_path / "nope.onnx"})
    with pytest.raises(ConfigError, match="No Piper voice"):
        create_synthesizer(s, "piper")
    synth = create_synthesizer(s, "piper", allow_fallback=True)
    assert synth.fallback is True


def test_bad_text_and_names(piper, speech_settings: Settings) -> None:
    with pytest.raises(InputError, match="empty"):
        piper.synthesize("   ")
    with pytest.raises(InputError, match="characters"):
        piper.synthesize("x" * 6000)
    with pytest.raises(UnknownNameError):
        create_synthesizer(speech_settings, "festival")


def test_coqui_backend(speech_settings: Settings, tmp_path: Path) -> None:
    """Coqui is optional: without the package it says so clearly; it is exercised only where installed."""
    with pytest.raises(ConfigError, match="needs a local model"):
        create_synthesizer(speech_settings, "coqui")
    s = speech_settings.model_copy(update={"speech_tts_model_path": tmp_path})
    if importlib.util.find_spec("TTS") is None:
        with pytest.raises(BackendUnavailableError, match="Coqui TTS is not installed"):
            create_synthesizer(s, "coqui")
    else:  # pragma: no cover - only where Coqui is installed
        with pytest.raises(ConfigError, match="No Coqui checkpoint"):
            create_synthesizer(s, "coqui")


def test_long_first_sentence_starts_with_its_first_clause() -> None:
    from greenroom.speech.tts import first_clause_first

    parts = first_clause_first(["Before we start on the technical part, tell me briefly about your background.", "Ok."])
    assert parts == ["Before we start on the technical part,", "tell me briefly about your background.", "Ok."]
    assert first_clause_first(["Short one, fine."]) == ["Short one, fine."]
