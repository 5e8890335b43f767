"""VAD and turn-taking on generated speech: the turn ends after the silence threshold, not in a shorter pause."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from greenroom.speech.base import Transcriber, Transcript
from greenroom.speech.listener import Listener
from greenroom.speech.turns import SpeechEvent, TurnDetector, TurnTrace, replay
from greenroom.speech.vad import StreamingVad, speech_probabilities, speech_regions

from .speechgen import SR, Generated, compose


def run(detector: TurnDetector, audio: np.ndarray, chunk_s: float = 0.25) -> list[SpeechEvent]:
    step = int(chunk_s * SR)
    events: list[SpeechEvent] = []
    for i in range(0, len(audio), step):
        events += detector.feed(audio[i : i + step])
    return events


def test_streaming_vad_matches_whole_clip(answer: Generated) -> None:
    whole = speech_probabilities(answer.audio)
    vad = StreamingVad()
    pieces = [vad.feed(answer.audio[i : i + 3001]) for i in range(0, len(answer.audio), 3001)]
    streamed = np.concatenate(pieces)
    assert np.allclose(streamed, whole[: len(streamed)], atol=1e-4)


def test_vad_regions_match_the_spoken_parts(answer: Generated) -> None:
    regions = speech_regions(speech_probabilities(answer.audio), min_silence_s=1.0)
    assert len(regions) == len(answer.speech_spans)
    for r, (start, end) in zip(regions, answer.speech_spans, strict=True):
        assert abs(r.start - start) < 0.2 and abs(r.end - end) < 0.2


def test_end_of_turn_after_threshold_not_in_shorter_pause() -> None:
    g = compose(["I would start with the database schema.", 1.5, "Then I would add a cache in front of it.", 4.0])
    events = run(TurnDetector(end_silence_s=2.0, hold_silence_s=5.0), g.audio)
    ends = [e for e in events if e.kind == "turn_end"]
    assert len(ends) == 1
    last_speech_end = g.speech_spans[-1][1]
    assert ends[0].time == pytest.approx(last_speech_end + 2.0, abs=0.25)
    assert ends[0].time > g.speech_spans[1][0]  # not during the 1.5 s mid-answer pause
    kinds = [e.kind for e in events]
    assert kinds == ["speech_start", "speech_end", "speech_start", "speech_end", "turn_end"]
    starts = [e.time for e in events if e.kind == "speech_start"]
    assert starts == pytest.approx([s for s, _ in g.speech_spans], abs=0.15)


def test_thinking_time_before_the_answer_does_not_end_the_turn() -> None:
    g = compose([6.0, "My answer starts after a long think.", 3.0])
    events = run(TurnDetector(end_silence_s=2.0, hold_silence_s=4.0, thinking_s=30.0), g.audio)
    assert [e.kind for e in events] == ["speech_start", "speech_end", "turn_end"]
    assert events[0].time == pytest.approx(6.3, abs=0.15)


def test_no_answer_after_thinking_limit() -> None:
    events = run(TurnDetector(thinking_s=3.0), np.zeros(5 * SR, np.float32))
    assert [e.kind for e in events] == ["no_answer"]
    assert events[0].time == pytest.approx(3.0, abs=0.05)


def test_unfinished_answer_waits_for_the_longer_threshold() -> None:
    g = compose(["The main trade off here is between consistency and.", 3.0, "Availability, in the end.", 3.0])
    d = TurnDetector(end_silence_s=2.0, hold_silence_s=4.0)
    d.set_text("The main trade off here is between consistency and")
    events = run(d, g.audio[: int(g.pauses[0][0] * SR) + int(2.9 * SR)])
    assert "turn_end" not in [e.kind for e in events]  # 2.9 s of silence after "and": held
    assert d.unfinished() == "sentence unfinished"
    d.set_text("The main trade off here is between consistency and availability, in the end.")
    events = run(d, g.audio[int(g.pauses[0][0] * SR) + int(2.9 * SR) :])
    assert [e.kind for e in events][-1] == "turn_end"


def test_a_reopened_turn_waits_for_new_speech_then_ends_again() -> None:
    """Barge-in: after a turn end inside a pause the detector is reopened; the silence it ended on never ends it
    again, the candidate going on starts speech, and the turn ends once more after the whole answer."""
    g = compose(["I would start with the database schema.", 1.6, "Then I would add a cache in front of it.", 3.0])
    d = TurnDetector(policy="rules", end_silence_s=0.6, hold_silence_s=1.0)
    cut = int((g.pauses[0][0] + 1.2) * SR)  # 1.2 s into the 1.6 s pause
    first = run(d, g.audio[:cut])
    assert [e.kind for e in first][-1] == "turn_end" and first[-1].time < g.speech_spans[1][0]
    d.reopen()
    assert not d.due()
    assert run(d, np.zeros(SR, np.float32)) == []  # more silence: no end before new speech
    d2 = TurnDetector(policy="rules", end_silence_s=0.6, hold_silence_s=1.0)
    run(d2, g.audio[:cut])
    d2.reopen()
    rest = run(d2, g.audio[cut:])
    assert [e.kind for e in rest] == ["speech_start", "speech_end", "turn_end"]
    assert rest[0].time == pytest.approx(g.speech_spans[1][0], abs=0.15)
    assert rest[-1].time == pytest.approx(g.speech_spans[1][1] + 0.6, abs=0.25)


def test_replay_with_a_barge_in_window_keeps_the_answer_whole() -> None:
    """The same decisions replayed on a recorded trace (as `benchmarks/turn_end.py` does): without a window the
    turn end in the pause stands; with a window longer than the rest of the pause, the candidate takes the turn
    back (`barge_in`) and the end that stands is after the answer; with a shorter one, the cut stands."""
    g = compose(["I would start with the database schema.", 1.6, "Then I would add a cache in front of it.", 3.0])
    trace = TurnTrace(probs=[float(p) for p in speech_probabilities(g.audio)])

    def make() -> TurnDetector:
        return TurnDetector(policy="rules", end_silence_s=0.6, hold_silence_s=1.0)

    plain = [e.kind for e in replay(trace, make())]
    assert plain[-1] == "turn_end" and "barge_in" not in plain
    events = replay(trace, make(), rejoin_s=2.0)
    kinds = [e.kind for e in events]
    assert kinds.count("turn_end") == 2 and kinds.count("barge_in") == 1
    assert kinds.index("turn_end") < kinds.index("barge_in") < len(kinds) - 1 and kinds[-1] == "turn_end"
    assert events[-1].time > g.speech_spans[1][1]
    short = [e.kind for e in replay(trace, make(), rejoin_s=0.5)]  # the pause goes on 1 s after the end
    assert short.count("turn_end") == 1 and "barge_in" not in short


def test_hold_must_not_be_shorter_than_end() -> None:
    with pytest.raises(ValueError):
        TurnDetector(end_silence_s=3.0, hold_silence_s=2.0)


@pytest.mark.slow
def test_listener_let_me_think_pause_then_answer(base_asr) -> None:
    g = compose(
        [
            "Hmm, that is a good question, let me think.",
            3.0,
            "I would put a message queue between the two services.",
            3.0,
        ]
    )
    listener = Listener(base_asr, TurnDetector(end_silence_s=2.0, hold_silence_s=4.0))
    events = listener.feed_all(g.audio, chunk_s=0.5)
    kinds = [e.kind for e in events]
    assert kinds.count("turn_end") == 1 and kinds[-1] == "turn_end"
    first_end = next(e for e in events if e.kind == "speech_end")
    assert "think" in first_end.text.lower()  # transcribed while the candidate was still in the turn
    end = events[-1]
    assert end.time == pytest.approx(g.speech_spans[-1][1] + 2.0, abs=0.3)
    assert end.transcript is not None and "between the two services" in end.transcript.text.lower()
    assert listener.feed(np.zeros(SR, np.float32)) == []  # ended: nothing more until reset


@pytest.mark.slow
def test_listener_transcribes_in_the_background_and_ends_once_the_text_is_in(base_asr) -> None:
    """`background_asr` (the live room's setting): `feed` returns while a stretch is still being transcribed
    (VAD and end of turn keep up with real time), the stretch's text comes out of a later `feed`, and the
    turn ends only once the text is in (a `turn_due` first when the silence sufficed before it; `settle` at
    the end of the audio): the same events and transcript as when everything runs in order."""
    g = compose(["I would use a hash table.", 1.0, "Because every lookup takes constant time.", 3.0])
    in_order = Listener(base_asr, TurnDetector(end_silence_s=2.0, hold_silence_s=4.0)).feed_all(g.audio, 0.1)
    listener = Listener(base_asr, TurnDetector(end_silence_s=2.0, hold_silence_s=4.0), background_asr=True)
    events, held = [], False
    step = int(0.1 * SR)
    for i in range(0, len(g.audio), step):
        events += listener.feed(g.audio[i : i + step])
        held |= listener.detector.text_pending  # this feed returned before its stretch was transcribed
    events += listener.settle()  # no more audio: wait for the text still being made
    assert held
    due = [e for e in events if e.kind == "turn_due"]  # said once the silence sufficed and only the text was missing
    assert len(due) <= 1 and all(d.time <= events[-1].time for d in due)
    events = [e for e in events if e.kind != "turn_due"]
    kinds = [e.kind for e in events]  # fed faster than real time: stretches may still be in ASR at the end
    assert kinds.count("speech_start") == 2 and kinds.count("turn_end") == 1, events
    ends = [e.time for e in in_order if e.kind == "speech_end"]
    assert [e.time for e in events if e.kind == "speech_end"] == ends[: kinds.count("speech_end")]
    end, expected = events[-1], in_order[-1]
    assert end.kind == "turn_end" and end.time >= expected.time - 0.05
    assert end.transcript is not None and expected.transcript is not None
    assert end.transcript.text == expected.transcript.text and "constant time" in end.transcript.text.lower()


class _HeldAsr:
    """The real transcriber, held until `go` is set: a loaded machine whose ASR tail outlasts the pause."""

    def __init__(self, inner: Transcriber) -> None:
        self.inner, self.name, self.go = inner, inner.name, threading.Event()

    def transcribe(
        self, audio: np.ndarray, *, offset: float = 0.0, prompt: str | None = None, language: str | None = None
    ) -> Transcript:
        assert self.go.wait(120)
        return self.inner.transcribe(audio, offset=offset, prompt=prompt, language=language)


@pytest.mark.slow
def test_going_on_before_the_last_words_are_transcribed_keeps_one_turn(base_asr) -> None:
    """The silence sufficed (`turn_due`: the room says "Thank you." there), but the candidate goes on before the
    text of the last stretch is in (CI saw it with the live room on a loaded machine): the turn does not end in
    that pause, the new words join it, and it ends once after them, with the whole answer."""
    g = compose(["I would use a hash table.", 1.2, "Because every lookup takes constant time.", 2.0])
    asr = _HeldAsr(base_asr)
    listener = Listener(asr, TurnDetector(end_silence_s=0.5, hold_silence_s=0.8), background_asr=True)
    resumed = int((g.speech_spans[1][0] + 0.05) * SR)
    step, events = int(0.1 * SR), []
    for i in range(0, resumed, step):
        events += listener.feed(g.audio[i : min(i + step, resumed)])
    kinds = [e.kind for e in events]
    assert "turn_due" in kinds and "turn_end" not in kinds, kinds  # due in the pause, but the text is held
    for i in range(resumed, int(g.speech_spans[1][1] * SR), step):
        events += listener.feed(g.audio[i : i + step])
    assert [e.kind for e in events].count("speech_start") == 2 and not listener.detector.ended
    asr.go.set()
    for i in range(int(g.speech_spans[1][1] * SR), len(g.audio), step):
        events += listener.feed(g.audio[i : i + step])
    events += listener.settle()
    ends = [e for e in events if e.kind == "turn_end"]
    assert len(ends) == 1 and ends[0].time > g.speech_spans[1][1], events
    text = ends[0].transcript.text.lower() if ends[0].transcript else ""
    assert "hash table" in text and "constant time" in text, text
