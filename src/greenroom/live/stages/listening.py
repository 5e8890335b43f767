"""Listening: one window of the candidate's turn. Microphone PCM in, `TurnEvent`s out.

The lead-silence gate (`speech.leadgate`) drops speech already under way; the `speech.listener.Listener`
detects the end of the turn (VAD + semantic end of turn) and transcribes while the candidate speaks, so
only the last stretch is left at the end. After a turn end the stage can be reopened (`reopen`) for a
barge-in: new speech then continues the same turn, and `close` settles the audio if nobody went on. Arrival times map the microphone's clock to wall time, so
the timing observer can say when the candidate really stopped. `feed` blocks (VAD, ASR): call it in a
worker thread.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np

from greenroom.live.stages.events import NoAnswer, Partial, SpeechStarted, TurnDue, TurnEnded, TurnEvent
from greenroom.speech.audio import pcm16_to_float
from greenroom.speech.base import SAMPLE_RATE
from greenroom.speech.leadgate import LeadSilenceGate


class ListeningStage:
    """Feed batches of (PCM16 bytes, arrival time); get speech start, partial text, no answer, turn end."""

    def __init__(self, listener: Any, gate: LeadSilenceGate | None = None) -> None:
        self.listener = listener
        self.gate = gate
        self.audio: list[np.ndarray] = []  # the turn's audio after the gate (for delivery metrics)
        self.ended = False
        self._kept: int | None = None  # reopened: the audio pieces of the turn as it ended
        self._due_at: float | None = None  # when the silence sufficed and only the text was missing
        self._lock = threading.Lock()  # `feed` (a worker thread) against `close` (the session's loop)
        self._arrivals: list[tuple[float, float]] = []  # (audio seconds received, wall time)
        self._fed_s = 0.0

    def feed(self, batch: list[tuple[bytes, float]]) -> list[TurnEvent]:
        if self.ended or not batch:
            return []
        for payload, arrived in batch:
            self._fed_s += len(payload) / 2 / SAMPLE_RATE
            self._arrivals.append((self._fed_s, arrived))
        audio = pcm16_to_float(b"".join(p for p, _ in batch))
        now = batch[-1][1]
        if self.gate is not None and not self.gate.is_open:
            audio = self.gate.feed(audio)
        if not len(audio):
            return []
        with self._lock:
            if self.ended:  # closed meanwhile
                return []
            self.audio.append(audio)
        return self._events(self.listener.feed(audio), now)

    @property
    def text_due(self) -> bool:
        """The turn waits only for the text being made (the silence would end it)."""
        return not self.ended and self.listener.text_due

    def settle(self) -> list[TurnEvent]:
        """No audio came for a while: if the turn waits only for the text being made, wait for it and decide
        (blocks on ASR: call it in a worker thread)."""
        if not self.text_due:
            return []
        return self._events(self.listener.settle(), time.perf_counter())

    def _events(self, events: list[Any], now: float) -> list[TurnEvent]:
        out: list[TurnEvent] = []
        for ev in events:
            if ev.kind == "speech_start":
                self._due_at = None
                out.append(SpeechStarted())
            elif ev.kind == "speech_end":
                # sounds finished by the text rules: the reply is prepared during the pause, also when the model
                # says unfinished (it then waits the longer silence, time enough for the LLM)
                out.append(Partial(ev.text, self.listener.detector.text_unfinished() is None))
            elif ev.kind == "turn_due":
                self._due_at = now
                out.append(TurnDue())
            elif ev.kind == "no_answer":
                out.append(NoAnswer(ev.reason))
                self.listener.reset()
            elif ev.kind == "turn_end":
                self.ended = True
                offset = self.gate.dropped_s if self.gate is not None else 0.0
                spoke_until = max(0.0, ev.time - self.listener.detector.trailing_silence_s)
                decided = self._due_at if self._due_at is not None else now  # the ASR tail from there
                times = {"speech_end": self._wall_at(offset + spoke_until), "turn_end": decided}
                times["asr_done"] = time.perf_counter()
                out.append(TurnEnded(ev.text, ev.transcript, ev.reason, times))
        return out

    def finish(self) -> TurnEnded | None:
        """End the turn now (the "done" button) with what was heard; None when nothing was."""
        t0 = time.perf_counter()
        transcript = self.listener.finish()
        if not transcript.text.strip():
            return None
        self.ended = True
        return TurnEnded(
            transcript.text,
            transcript,
            "done button",
            {"speech_end": t0, "turn_end": t0, "asr_done": time.perf_counter()},
        )

    def reopen(self) -> None:
        """After a turn end: listen on, so that new speech (a `SpeechStarted`) can take the turn back; the
        turn so far is kept and goes on."""
        self.ended = False
        self._kept = len(self.audio)
        self.listener.detector.reopen()

    def close(self) -> None:
        """Nobody went on after the turn end: the turn stands, without the audio heard since."""
        with self._lock:
            self.ended = True
            if self._kept is not None:
                del self.audio[self._kept :]
                self._kept = None

    def went_on(self) -> None:
        """The candidate went on after a turn end: the audio since is part of the turn."""
        self._kept = None

    def turn_audio(self) -> np.ndarray | None:
        return np.concatenate(self.audio) if self.audio else None

    def _wall_at(self, audio_s: float) -> float:
        for fed, wall in self._arrivals:
            if fed >= audio_s:
                return wall
        return self._arrivals[-1][1] if self._arrivals else time.perf_counter()
