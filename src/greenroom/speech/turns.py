"""Turn-taking: speech start/end events from Silero VAD, and when the candidate's turn is over.

Rules (times configurable in settings):
- Thinking time: silence before the answer starts never ends the turn; after `thinking_s` without
  any speech a `no_answer` event fires instead.
- The turn ends after `end_silence_s` of silence once the answer is under way.
- When the answer sounds unfinished the longer `hold_silence_s` applies: while the candidate has said
  less than `min_answer_speech_s` of speech, or the transcript so far (given with `set_text`) ends in
  a thinking phrase ("let me think", "give me a second"), a filler, or a word that cannot end a
  sentence ("and", "because", "the"...).

Semantic end of turn (`policy` "model" or "both", with a `TurnEndModel` such as Smart Turn): at each pause of
`pause_s` the model reads the last 8 s of audio once. Finished (probability >= `complete_threshold`): the
turn ends after `complete_silence_s`. Unfinished: it holds until `incomplete_silence_s` (thinking time).
With "both", the text rules are the second opinion: when the transcript sounds unfinished (a thinking
phrase, a dangling word) the long hold applies whatever the model says, and a very short answer the model
calls finished waits the plain `end_silence_s`.
Without a model (or with policy "rules") the rules above run alone: the degraded mode.
A listener that transcribes in the background sets `await_text`: the turn then never ends while the text of
the last stretch is still being made (`text_pending`), so the rules always read what was said.

Barge-in (`reopen`): after a turn end the detector can be reopened for the candidate to go on. It then waits
for new speech (it never ends the turn again on the silence it already ended on); the live session gives the
candidate a short window (`speech_barge_in_s`) in which going on takes the turn back from the interviewer, and
`replay(..., rejoin_s=...)` measures the same on recorded traces.

Events carry times in seconds from the first sample fed. `speech_start` and `speech_end` mark each
stretch of speech (a pause of `utterance_gap_s` closes one); the live session uses them to show the
candidate is heard and to transcribe each stretch as soon as it closes.
"""

from __future__ import annotations

import re
import time as _time
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from greenroom.config import Settings
from greenroom.speech.base import TurnEndModel
from greenroom.speech.vad import WINDOW, WINDOW_S, StreamingVad

EventKind = Literal["speech_start", "speech_end", "turn_end", "no_answer", "barge_in"]
Policy = Literal["both", "model", "rules"]
#: Audio kept for the end-of-turn model (it reads the last 8 s).
KEEP_SAMPLES = 8 * 16_000

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


@dataclass
class TurnTrace:
    """What the detector saw, to replay its decisions offline: VAD probabilities (one per 32 ms window), the
    model's verdict at each pause and the transcript as it grew, each keyed by window index."""

    probs: list[float] = field(default_factory=list)
    scores: dict[int, float] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)
    model_ms: list[float] = field(default_factory=list)


class RecordedVerdicts:
    """A `TurnEndModel` that answers with the verdicts a real model gave on a recorded trace (see `replay`)."""

    def __init__(self, trace: TurnTrace, name: str = "recorded") -> None:
        self.name = name
        self.trace = trace
        self.at = 0

    def probability(self, audio: np.ndarray) -> float:
        if self.at not in self.trace.scores:
            raise KeyError(f"no recorded verdict at window {self.at}: the trace and the settings differ")
        return self.trace.scores[self.at]


def replay(trace: TurnTrace, detector: TurnDetector, rejoin_s: float = 0.0) -> list[SpeechEvent]:
    """Run `detector`'s decisions over a recorded trace; unless its policy is "rules", its model is the
    recorded verdicts. The trace must have been recorded with the same `pause_s` and VAD settings, so that
    the model is asked at the same pauses.

    `rejoin_s` > 0 replays the live session's barge-in: after a turn end the detector is reopened, and speech
    within `rejoin_s` takes the turn back (a `barge_in` event, and the answer goes on); after that window the
    turn end stands."""
    verdicts = RecordedVerdicts(trace)
    if detector.policy != "rules":
        detector.model = verdicts
    events: list[SpeechEvent] = []
    ended_at: float | None = None
    for i, p in enumerate(trace.probs):
        if i in trace.texts:
            detector.set_text(trace.texts[i])
        verdicts.at = i + 1
        new = detector.feed_probabilities(np.array([p], np.float32))
        if ended_at is not None:
            if any(e.kind == "speech_start" for e in new):
                events.append(SpeechEvent("barge_in", detector.time, f"went on {detector.time - ended_at:.1f} s later"))
                ended_at = None
            elif detector.time - ended_at >= rejoin_s - 1e-9:
                break
        events += new
        if detector.ended:
            if rejoin_s <= 0 or not any(e.kind == "turn_end" for e in new):
                break
            ended_at = detector.time
            detector.reopen()
    return events


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
        model: TurnEndModel | None = None,
        policy: Policy = "both",
        pause_s: float = 0.2,
        complete_threshold: float = 0.5,
        complete_silence_s: float = 1.3,
        incomplete_silence_s: float = 2.0,
        record: bool = False,
    ) -> None:
        if hold_silence_s < end_silence_s:
            raise ValueError("hold_silence_s must be at least end_silence_s")
        if policy not in ("both", "model", "rules"):
            raise ValueError(f"unknown turn policy {policy!r}: both, model or rules")
        self.model = model
        self.policy: Policy = policy
        self.pause_s = pause_s
        self.complete_threshold = complete_threshold
        self.complete_silence_s = complete_silence_s
        self.incomplete_silence_s = incomplete_silence_s
        #: Why the detector runs on rules alone (no model), shown to the user; None when the model runs.
        self.degraded: str | None = None
        #: Set by a listener that transcribes in the background: each `speech_end` marks the text pending, and
        #: the turn does not end until the listener clears `text_pending` (the rules have read the new text).
        self.await_text = False
        self.record = record
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
    def from_settings(cls, settings: Settings, **overrides: object) -> TurnDetector:
        """The configured detector; loads the end-of-turn model (once per process) unless the policy is rules."""
        model, why = None, None
        if settings.speech_turn_policy != "rules":
            from greenroom.speech.smart_turn import load_turn_model

            model, why = load_turn_model(settings)
        kwargs: dict[str, object] = {
            "end_silence_s": settings.speech_turn_end_silence_s,
            "hold_silence_s": max(settings.speech_turn_hold_silence_s, settings.speech_turn_end_silence_s),
            "thinking_s": settings.speech_turn_thinking_s,
            "threshold": settings.speech_vad_threshold,
            "model": model,
            "policy": settings.speech_turn_policy,
            "pause_s": settings.speech_turn_pause_s,
            "complete_threshold": settings.speech_turn_complete_threshold,
            "complete_silence_s": settings.speech_turn_complete_silence_s,
            "incomplete_silence_s": settings.speech_turn_incomplete_silence_s,
        }
        kwargs.update(overrides)
        detector = cls(**kwargs)  # type: ignore[arg-type]
        detector.degraded = why
        return detector

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
        self._verdict: float | None = None  # the model's probability at the current pause
        self._audio = np.zeros(0, np.float32)  # the last audio fed (for the model)
        self._audio_end = 0  # samples fed in all
        self.text_pending = False
        self.started = False
        self.ended = False
        self._reopened = False  # reopened after a turn end: no end again before new speech
        self._rest = np.zeros(0, np.float32)  # VAD windows fed after the turn end, kept for a reopen
        self.trace = TurnTrace() if self.record else None

    def reopen(self) -> None:
        """Go on after a turn end (the candidate may barge in): everything heard so far is kept, and the turn
        can end again only after new speech."""
        self.ended = False
        self._reopened = True

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
        if self.trace is not None:
            self.trace.texts[self._i] = self._text

    @property
    def text(self) -> str:
        """The transcript of the turn so far, as last given to `set_text`."""
        return self._text

    @property
    def verdict(self) -> float | None:
        """The end-of-turn model's probability at the current pause (None: not asked yet, or no model)."""
        return self._verdict

    def unfinished(self) -> str | None:
        """Why the turn is not expected to end soon (a longer silence applies), or None."""
        return self.limit()[1] or None

    def limit(self) -> tuple[float, str]:
        """(silence that ends the turn now, why it is longer than the shortest: "" when it is not)."""
        why = self.text_unfinished()
        p = self._verdict
        if self.model is None or self.policy == "rules" or p is None:
            return (self.hold_silence_s, why) if why else (self.end_silence_s, "")
        done = p >= self.complete_threshold
        said = f"model {p:.2f}"
        if self.policy == "model":
            return (self.complete_silence_s, "") if done else (self.incomplete_silence_s, f"{said}: unfinished")
        if why == "answer not started" and done and not self._text_says_unfinished():  # "Yes.", called finished
            return self.end_silence_s, f"{why}; {said}: finished"
        if why:  # thinking aloud or a dangling word: the text rules hold, whatever the model says
            return max(self.hold_silence_s, self.incomplete_silence_s), f"{why}; {said}"
        if done:
            return self.complete_silence_s, ""
        return self.incomplete_silence_s, f"{said}: unfinished"

    def text_unfinished(self) -> str | None:
        """Why the answer sounds unfinished by the text rules, or None."""
        if self.speech_seconds < self.min_answer_speech_s:
            return "answer not started"
        return self._text_says_unfinished()

    def _text_says_unfinished(self) -> str | None:
        if self._text and THINKING.search(self._text):
            return "thinking aloud"
        if self._text and UNFINISHED.search(self._text):
            return "sentence unfinished"
        return None

    def feed(self, audio: np.ndarray) -> list[SpeechEvent]:
        if self._vad is None:
            self._vad = StreamingVad()
        audio = np.asarray(audio, np.float32).reshape(-1)
        if self.model is not None:
            self._audio = np.concatenate([self._audio, audio])[-(KEEP_SAMPLES + len(audio)) :]
            self._audio_end += len(audio)
        return self.feed_probabilities(self._vad.feed(audio))

    def _ask_model(self) -> float:
        """The model's verdict on the last 8 s up to the current window."""
        assert self.model is not None
        cut = len(self._audio) - max(0, self._audio_end - self._i * WINDOW)
        audio = self._audio[max(0, cut - KEEP_SAMPLES) : max(0, cut)]
        t0 = _time.perf_counter()
        p = float(self.model.probability(audio))
        if self.trace is not None:
            self.trace.scores[self._i] = p
            self.trace.model_ms.append((_time.perf_counter() - t0) * 1000)
        return p

    def feed_probabilities(self, probs: np.ndarray) -> list[SpeechEvent]:
        """The same as `feed`, from Silero window probabilities (one per 32 ms)."""
        events: list[SpeechEvent] = []
        if len(self._rest) and not self.ended:  # reopened: the windows after the old end come first
            probs, self._rest = np.concatenate([self._rest, probs]), np.zeros(0, np.float32)
        off = max(self.threshold - 0.15, 0.01)
        need_speech = max(1, round(self.min_speech_s / WINDOW_S))
        gap = max(1, round(self.utterance_gap_s / WINDOW_S))
        for k, p in enumerate(probs):
            if self.ended:
                self._rest = np.concatenate([self._rest, probs[k:]]).astype(np.float32)  # a reopen goes on here
                break
            if self.trace is not None:
                self.trace.probs.append(float(p))
            if p >= self.threshold:
                self._speech_frame = True
            elif p < off:
                self._speech_frame = False
            self._i += 1
            if self._speech_frame:
                self._run_speech += 1
                self._run_silence = 0
                self._verdict = None
                if self._run_speech >= need_speech:
                    self._reopened = False
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
                self.text_pending = self.await_text
            if not self.started:
                if self.time >= self.thinking_s:
                    self.ended = True
                    events.append(SpeechEvent("no_answer", self.time, f"no speech in {self.thinking_s:g} s"))
                continue
            if (
                self.model is not None
                and self.policy != "rules"
                and self._verdict is None
                and self._speech_windows
                and silence >= self.pause_s - 1e-9
            ):
                self._verdict = self._ask_model()
            if self._in_utterance or self.text_pending or self._reopened:  # still speaking, the text of the
                continue  # stretch not in yet, or reopened after a turn end and no new speech yet
            events += self.end_if_due()
        return events

    def due(self) -> bool:
        """Whether the silence so far would end the turn now, on the text as it is (pending or not)."""
        if self.ended or not self.started or self._in_utterance or self._reopened or not self._run_silence:
            return False
        return self.trailing_silence_s >= self.limit()[0] - 1e-9

    def end_if_due(self) -> list[SpeechEvent]:
        """End the turn now if the silence is long enough and the text is in (a listener calls it once the text
        it waited for has come in; `feed` at every window)."""
        if self.text_pending or not self.due():
            return []
        self.ended = True
        why = self.limit()[1]
        reason = f"{self.trailing_silence_s:.1f} s of silence" + (f" ({why})" if why else "")
        return [SpeechEvent("turn_end", self.time, reason)]
