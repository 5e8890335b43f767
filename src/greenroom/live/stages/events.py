"""The typed events that pass between the live stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SpeechStarted:
    """The candidate started speaking."""


@dataclass(frozen=True)
class Partial:
    """A pause closed a stretch of speech: the text so far, and whether the answer sounds finished."""

    text: str
    sounds_finished: bool


@dataclass(frozen=True)
class TurnDue:
    """The silence would end the turn now and only the text of the last stretch is missing (the ASR tail)."""


@dataclass(frozen=True)
class NoAnswer:
    """Nothing was said within the thinking time."""

    detail: str


@dataclass(frozen=True)
class TurnEnded:
    """The turn is over: the whole transcript (not yet redacted) and wall-clock times for the observer."""

    text: str
    transcript: Any
    reason: str
    times: dict[str, float] = field(default_factory=dict)  # speech_end, turn_end, asr_done (perf_counter)


TurnEvent = SpeechStarted | Partial | TurnDue | NoAnswer | TurnEnded
