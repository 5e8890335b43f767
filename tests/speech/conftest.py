"""Speech test fixtures: each model loads once per session; test audio is generated with espeak-ng."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from greenroom.config import Settings
from greenroom.speech.asr import FasterWhisperTranscriber, create_transcriber
from greenroom.speech.base import Synthesizer

from .speechgen import Generated, compose

if shutil.which("espeak-ng") is None or shutil.which("sox") is None:  # pragma: no cover
    pytest.exit("tests/speech needs espeak-ng and sox (scripts/install.sh installs them)", returncode=2)

ANSWER = [
    "I designed the payment service and led a team of four engineers.",
    1.5,
    "We moved the whole platform to containers over six months.",
    2.5,
    "Then we added a cache in front of the database to cut the latency.",
]


@pytest.fixture(scope="session")
def speech_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"speech_asr_threads": 2})


@pytest.fixture(scope="session")
def base_asr(speech_settings: Settings) -> FasterWhisperTranscriber:
    t = create_transcriber(speech_settings, "whisper-base")
    assert isinstance(t, FasterWhisperTranscriber)
    return t.load()


@pytest.fixture(scope="session")
def tiny_asr(speech_settings: Settings) -> FasterWhisperTranscriber:
    t = create_transcriber(speech_settings, "whisper-tiny.en")
    assert isinstance(t, FasterWhisperTranscriber)
    return t.load()


@pytest.fixture(scope="session")
def piper(speech_settings: Settings) -> Synthesizer:
    from greenroom.speech.tts import create_synthesizer

    return create_synthesizer(speech_settings, "piper")


@pytest.fixture(scope="session")
def answer() -> Generated:
    """A spoken answer at espeak -s 140 with two inserted pauses (1.5 s and 2.5 s)."""
    return compose(ANSWER, rate=140)


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("speech-audio")


@pytest.fixture(scope="session")
def answer_wav(answer: Generated, audio_dir: Path) -> Path:
    from .speechgen import write

    return write(audio_dir / "answer.wav", answer.audio)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))
