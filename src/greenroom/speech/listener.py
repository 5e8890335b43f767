"""The live listener: VAD turn-taking plus transcription while the candidate speaks.

Feed microphone audio (16 kHz float32, or PCM16 bytes through `audio.pcm16_to_float`) as it arrives.
Each stretch of speech is transcribed as soon as a pause closes it, and the running text tells the
turn detector whether the answer sounds finished. At `turn_end` only the last stretch is left to
transcribe. `feed` blocks while it transcribes: call it from a worker thread (`asyncio.to_thread`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from greenroom.config import Settings
from greenroom.speech.asr import IncrementalTranscriber
from greenroom.speech.base import SAMPLE_RATE, Transcriber, Transcript
from greenroom.speech.turns import EventKind, TurnDetector

#: How far into a pause a stretch is cut before it is transcribed.
CUT_MARGIN_S = 0.15


@dataclass(frozen=True)
class ListenerEvent:
    """A turn-taking event, with the text so far (`speech_end`) or the whole transcript (`turn_end`)."""

    kind: EventKind
    time: float
    reason: str = ""
    text: str = ""
    transcript: Transcript | None = None


class Listener:
    """One candidate turn: `feed` audio until a `turn_end` or `no_answer` event, then `reset`."""

    def __init__(self, transcriber: Transcriber, detector: TurnDetector) -> None:
        self.transcriber = transcriber
        self.detector = detector
        self.reset()

    @classmethod
    def from_settings(cls, transcriber: Transcriber, settings: Settings) -> Listener:
        return cls(transcriber, TurnDetector.from_settings(settings))

    def reset(self) -> None:
        self.detector.reset()
        self.asr = IncrementalTranscriber(self.transcriber)

    def feed(self, audio: np.ndarray) -> list[ListenerEvent]:
        audio = np.asarray(audio, np.float32).reshape(-1)
        if self.detector.ended:
            return []
        self.asr.add(audio)
        out: list[ListenerEvent] = []
        for ev in self.detector.feed(audio):
            if ev.kind == "speech_end":
                self.asr.commit_until(min(ev.time + CUT_MARGIN_S, self.asr.duration))
                self.detector.set_text(self.asr.text)
                out.append(ListenerEvent(ev.kind, ev.time, text=self.asr.text))
            elif ev.kind == "turn_end":
                transcript = self.asr.finish()
                out.append(ListenerEvent(ev.kind, ev.time, ev.reason, transcript.text, transcript))
            else:
                out.append(ListenerEvent(ev.kind, ev.time, ev.reason))
        # A long stretch with no pause: transcribe what is safely behind us to keep the tail short.
        if self.asr.pending_s() > self.asr.max_pending_s and not self.detector.ended:
            self.asr.commit_until(self.asr.duration - 1.0)
            self.detector.set_text(self.asr.text)
        return out

    def feed_all(self, audio: np.ndarray, chunk_s: float = 0.5) -> list[ListenerEvent]:
        """Feed a whole clip in microphone-sized chunks (tests and file replay)."""
        step = int(chunk_s * SAMPLE_RATE)
        events: list[ListenerEvent] = []
        for i in range(0, len(audio), step):
            events += self.feed(audio[i : i + step])
        return events
