"""Turn-taking: speech start/end events from Silero VAD, and when the candidate's turn is over.

Rules (times configurable in settings):
- Thinking time: silence before the answer starts never ends the turn; after `thinking_s` without
  any speech a `no_answer` event fires instead.
- The turn ends after `end_silence_s` of silence once the answer is under way.
- When the answer sounds unfinished the longer `hold_silence_s` applies: while the candidate has said
  less than `min_answer_speech_s` of speech, or the transcript so far (given with `set_text`) ends in
  a thinking phrase ("let me think", "give me a second"), a filler, or a word that cannot end a
  sentence ("and", "because", "the"...).

Events carry times in seconds from the first sample fed. `speech_start` and `speech_end` mark each
stretch of speech (a pause of `utterance_gap_s` closes one); the live session uses them to show the
candidate is heard and to transcribe each stretch as soon as it closes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np

from greenroom.config import Settings
from greenroom.speech.vad import WINDOW_S, StreamingVad

EventKind = Literal["speech_start", "speech_end", "turn_end", "no_answer"]

THINKING = re.compile(
    r"(let me (think|see|recall|remember)|give me a (second|moment|minute|sec)|one (second|moment)|"
    r"good question|hold on|how do i put (it|this)|thinking)\W*$",
    re.I,
)
UNFINISHED = re.compile(
    r"\b(and|but|so|or|because|then|which|that|the|a|an|to|of|with|if|when|like|um+|uh+|er+m?|hmm+|ah+)\W*$"
    r"|(\.\.\.|…|,|-)\s*$",
    re.I,
)


@dataclass(frozen=True)
class SpeechEvent:
    """A turn-taking event at `time` seconds; `reason` says why a turn ended."""

    kind: EventKind
    time: float
    reason: str = ""


class TurnDetector:
    """Feed audio (16 kHz float32) in any piece size; get speech and turn events."""

    def __init__(
        self,
        *,
        end_silence_s: float = 2.0,
        hold_silence_s: float = 5.0,
        thinking_s: float = 30.0,
        threshold: float = 0.5,
        min_speech_s: float = 0.15,
        utterance_gap_s: float = 0.3,
        min_answer_speech_s: float = 1.0,
    ) -> None:
        if hold_silence_s < end_silence_s:
            raise ValueError("hold_silence_s must be at least end_silence_s")
        self.end_silence_s = end_silence_s
        self.hold_silence_s = hold_silence_s
        self.thinking_s = thinking_s
        self.threshold = threshold
        self.min_speech_s = min_speech_s
        self.utterance_gap_s = utterance_gap_s
        self.min_answer_speech_s = min_answer_speech_s
        self._vad: StreamingVad | None = None
        self.reset()

    @classmethod
    def from_settings(cls, settings: Settings) -> TurnDetector:
        return cls(
            end_silence_s=settings.speech_turn_end_silence_s,
            hold_silence_s=max(settings.speech_turn_hold_silence_s, settings.speech_turn_end_silence_s),
            thinking_s=settings.speech_turn_thinking_s,
            threshold=settings.speech_vad_threshold,
        )

    def reset(self) -> None:
        """Start listening for a new turn."""
        self._vad = None
        self._i = 0  # windows seen
        self._speech_frame = False
        self._run_speech = 0  # consecutive speech windows
        self._run_silence = 0  # consecutive silence windows
        self._in_utterance = False
        self._speech_windows = 0
        self._text = ""
        self.started = False
        self.ended = False

    @property
    def time(self) -> float:
        """Seconds of audio seen."""
        return self._i * WINDOW_S

    @property
    def trailing_silence_s(self) -> float:
        """Seconds of silence since the last speech (how long ago the candidate stopped)."""
        return self._run_silence * WINDOW_S

    @property
    def speech_seconds(self) -> float:
        return self._speech_windows * WINDOW_S

    def set_text(self, text: str) -> None:
        """The transcript of the turn so far (decides whether the answer sounds unfinished)."""
        self._text = text.strip()

    def unfinished(self) -> str | None:
        """Why the answer sounds unfinished (so the longer silence applies), or None."""
        if self.speech_seconds < self.min_answer_speech_s:
            return "answer not started"
        if self._text and THINKING.search(self._text):
            return "thinking aloud"
        if self._text and UNFINISHED.search(self._text):
            return "sentence unfinished"
        return None

    def feed(self, audio: np.ndarray) -> list[SpeechEvent]:
        if self._vad is None:
            self._vad = StreamingVad()
        return self.feed_probabilities(self._vad.feed(audio))

    def feed_probabilities(self, probs: np.ndarray) -> list[SpeechEvent]:
        """The same as `feed`, from Silero window probabilities (one per 32 ms)."""
        events: list[SpeechEvent] = []
        off = max(self.threshold - 0.15, 0.01)
        need_speech = max(1, round(self.min_speech_s / WINDOW_S))
        gap = max(1, round(self.utterance_gap_s / WINDOW_S))
        for p in probs:
            if self.ended:
                break
            if p >= self.threshold:
                self._speech_frame = True
            elif p < off:
                self._speech_frame = False
            self._i += 1
            if self._speech_frame:
                self._run_speech += 1
                self._run_silence = 0
                if self._in_utterance:
                    self._speech_windows += 1
                elif self._run_speech >= need_speech:
                    self._in_utterance = True
                    self.started = True
                    self._speech_windows += self._run_speech
                    events.append(SpeechEvent("speech_start", (self._i - self._run_speech) * WINDOW_S))
                continue
            self._run_speech = 0
            self._run_silence += 1
            silence = self._run_silence * WINDOW_S
            if self._in_utterance and self._run_silence >= gap:
                self._in_utterance = False
                events.append(SpeechEvent("speech_end", (self._i - self._run_silence) * WINDOW_S))
            if not self.started:
                if self.time >= self.thinking_s:
                    self.ended = True
                    events.append(SpeechEvent("no_answer", self.time, f"no speech in {self.thinking_s:g} s"))
                continue
            if self._in_utterance:
                continue
            why = self.unfinished()
            limit = self.hold_silence_s if why else self.end_silence_s
            if silence >= limit:
                self.ended = True
                reason = f"{silence:.1f} s of silence" + (f" ({why})" if why else "")
                events.append(SpeechEvent("turn_end", self.time, reason))
        return events
