"""The speech roles as Protocols (`Transcriber`, `Synthesizer`, `VoiceEmbedder`, `TurnEndModel`) and their result types."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from greenroom.errors import InputError

#: The sample rate every speech component works at (Whisper and Silero VAD expect it).
SAMPLE_RATE = 16_000


class NoSpeechError(InputError):
    """The audio holds no speech: no metric is computed from it (never "0 wpm")."""

    code = "no_speech"


@dataclass(frozen=True)
class Word:
    """One transcribed word with its times in seconds from the start of the audio."""

    text: str
    start: float
    end: float
    probability: float = 1.0


@dataclass(frozen=True)
class Transcript:
    """The result of a transcription."""

    text: str
    words: tuple[Word, ...]
    language: str
    language_probability: float
    duration: float
    model: str

    def to_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "language": self.language,
            "language_probability": round(self.language_probability, 3),
            "duration": round(self.duration, 3),
            "model": self.model,
            "words": [
                {
                    "text": w.text,
                    "start": round(w.start, 2),
                    "end": round(w.end, 2),
                    "probability": round(w.probability, 3),
                }
                for w in self.words
            ],
        }


@dataclass(frozen=True)
class SpeechAudio:
    """Synthesised speech: float32 mono samples in [-1, 1]."""

    samples: np.ndarray
    sample_rate: int
    voice: str
    fallback: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate


@runtime_checkable
class Transcriber(Protocol):
    """Speech to text with word timestamps. `audio` is float32 mono at 16 kHz."""

    name: str

    def transcribe(
        self, audio: np.ndarray, *, offset: float = 0.0, prompt: str | None = None, language: str | None = None
    ) -> Transcript:
        """`language`: a code to force, or None for the configured one or detection."""
        ...


@runtime_checkable
class Synthesizer(Protocol):
    """Text to speech. `stream` yields one float32 chunk per sentence, as soon as it is ready."""

    name: str
    sample_rate: int
    #: True for a degraded fallback voice; the UI says so.
    fallback: bool

    def stream(self, text: str) -> Iterator[np.ndarray]: ...

    def synthesize(self, text: str) -> SpeechAudio: ...


@runtime_checkable
class VoiceEmbedder(Protocol):
    """A fixed-size vector describing a voice recording (float32 mono at 16 kHz)."""

    name: str
    dim: int

    def embed(self, audio: np.ndarray) -> np.ndarray: ...


@runtime_checkable
class TurnEndModel(Protocol):
    """Whether the speaker has finished their turn, from the last seconds of audio (float32 mono, 16 kHz,
    ending at the current moment of a pause): a probability in [0, 1] that the turn is complete."""

    name: str

    def probability(self, audio: np.ndarray) -> float: ...
