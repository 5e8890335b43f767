"""The live listener: VAD turn-taking plus transcription while the candidate speaks.

Feed microphone audio (16 kHz float32, or PCM16 bytes through `audio.pcm16_to_float`) as it arrives.
Each stretch of speech is transcribed as soon as a pause closes it, and the running text tells the
turn detector whether the answer sounds finished. At `turn_end` only the last stretch is left to
transcribe. `feed` blocks (VAD; ASR too unless in the background): call it from a worker thread.

With `background_asr` (the live room's setting, `speech_asr_background`) a stretch is transcribed on the
process's ASR thread while `feed` goes on with VAD and end-of-turn detection, so a long stretch never holds
the live path behind real time; its `speech_end` event (with the text) comes out of the first `feed` after
the transcription is done, and the detector does not end the turn while the text it reads is still being
made (`TurnDetector.text_pending`). Once the silence would end the turn and only that text is missing,
`feed` says so at once (a `turn_due` event: the live room acknowledges the answer then, without waiting for
the ASR tail) and does not block: the first `feed` after the text is in decides on it (`settle` waits for it
instead, for a caller with no more audio to feed). Without it (tests, traces) everything runs inside `feed`,
in order.
"""

from __future__ import annotations

import concurrent.futures as cf
from dataclasses import dataclass
from typing import Literal

import numpy as np

from greenroom.config import Settings
from greenroom.priority import shared_executor
from greenroom.speech.asr import IncrementalTranscriber
from greenroom.speech.base import SAMPLE_RATE, Transcriber, Transcript
from greenroom.speech.turns import EventKind, SpeechEvent, TurnDetector

ListenerEventKind = EventKind | Literal["turn_due"]

#: How far into a pause a stretch is cut before it is transcribed.
CUT_MARGIN_S = 0.15


def asr_pool() -> cf.ThreadPoolExecutor:
    """The process's one ASR thread for background stretches (Whisper already uses the cores it is given),
    at the live path's priority: it is the live path."""
    return shared_executor("asr", background=False)


@dataclass(frozen=True)
class ListenerEvent:
    """A turn-taking event, with the text so far (`speech_end`) or the whole transcript (`turn_end`)."""

    kind: ListenerEventKind
    time: float
    reason: str = ""
    text: str = ""
    transcript: Transcript | None = None


class Listener:
    """One candidate turn: `feed` audio until a `turn_end` or `no_answer` event, then `reset`."""

    def __init__(self, transcriber: Transcriber, detector: TurnDetector, *, background_asr: bool = False) -> None:
        self.transcriber = transcriber
        self.detector = detector
        self.background_asr = background_asr
        self.reset()

    @classmethod
    def from_settings(cls, transcriber: Transcriber, settings: Settings) -> Listener:
        return cls(transcriber, TurnDetector.from_settings(settings), background_asr=settings.speech_asr_background)

    def reset(self) -> None:
        self.detector.reset()
        self.detector.await_text = self.background_asr
        self.asr = IncrementalTranscriber(self.transcriber)
        self._pending: list[tuple[float | None, cf.Future[str]]] = []  # (speech_end time or None, commit)
        self._due_said = False  # `turn_due` said in this pause

    def _commit(self, until: float, at: float | None) -> list[ListenerEvent]:
        """Transcribe up to `until`; `at`: the time of the `speech_end` that closed the stretch (None: a long
        stretch cut without a pause, no event)."""
        if self.background_asr:
            self._pending.append((at, asr_pool().submit(self.asr.commit_until, until)))
            self.detector.text_pending = True
            return []
        self.asr.commit_until(until)
        self.detector.set_text(self.asr.text)
        return [ListenerEvent("speech_end", at, text=self.asr.text)] if at is not None else []

    def _collect(self, *, wait: bool = False) -> list[ListenerEvent]:
        """The stretches transcribed in the background since the last call (all of them with `wait`); an
        ASR failure is raised here, as it would be from `feed`."""
        out: list[ListenerEvent] = []
        try:
            while self._pending and (wait or self._pending[0][1].done()):
                at, done = self._pending.pop(0)
                done.result()
                self.detector.set_text(self.asr.text)
                if at is not None:
                    out.append(ListenerEvent("speech_end", at, text=self.asr.text))
        finally:
            self.detector.text_pending = bool(self._pending)
        return out

    def finish(self) -> Transcript:
        """The whole turn's transcript now (after any stretch still being transcribed)."""
        self._collect(wait=True)
        return self.asr.finish()

    def feed(self, audio: np.ndarray) -> list[ListenerEvent]:
        audio = np.asarray(audio, np.float32).reshape(-1)
        if self.detector.ended:
            return []
        self.asr.add(audio)
        out = self._collect()
        for ev in self.detector.feed(audio):
            if ev.kind == "speech_start":
                self._due_said = False
            if ev.kind == "speech_end":
                out += self._commit(min(ev.time + CUT_MARGIN_S, self.asr.duration), ev.time)
            elif ev.kind == "turn_end":
                out.append(self._ended(ev))
            else:
                out.append(ListenerEvent(ev.kind, ev.time, ev.reason))
        if self._pending and self.detector.due() and not self._due_said:  # only the text is missing (the ASR tail)
            self._due_said = True
            out.append(ListenerEvent("turn_due", self.detector.time))
        # A long stretch with no pause: transcribe what is safely behind us to keep the tail short.
        if self.asr.pending_s() > self.asr.max_pending_s and not self.detector.ended and not self._pending:
            out += self._commit(self.asr.duration - 1.0, None)
        return out

    @property
    def text_due(self) -> bool:
        """The silence would end the turn and only the text still being made is missing."""
        return bool(self._pending) and self.detector.due()

    def settle(self) -> list[ListenerEvent]:
        """No more audio for now: wait for the text still being made, and end the turn if the silence so far
        is enough (its partial events are dropped: if the turn ends, the end has the text)."""
        if not self._pending or self.detector.ended:
            return []
        self._collect(wait=True)
        return [self._ended(ev) for ev in self.detector.end_if_due()]

    def _ended(self, ev: SpeechEvent) -> ListenerEvent:
        """The `turn_end` event with the whole turn's transcript."""
        transcript = self.finish()
        return ListenerEvent(ev.kind, ev.time, ev.reason, transcript.text, transcript)

    def feed_all(self, audio: np.ndarray, chunk_s: float = 0.5) -> list[ListenerEvent]:
        """Feed a whole clip in microphone-sized chunks (tests and file replay), then `settle`."""
        step = int(chunk_s * SAMPLE_RATE)
        events: list[ListenerEvent] = []
        for i in range(0, len(audio), step):
            events += self.feed(audio[i : i + step])
        return events + self.settle()
