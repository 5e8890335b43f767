"""Each live stage driven alone with scripted input, as pipecat tests its frame processors: listening
(gate, VAD turn detection, ASR) on espeak-ng speech, redaction, the reply with its speculation, and the
timing observer. Real models (Silero, Whisper, MiniLM, the PII detector); the grader runs without an LLM. The
speculation trigger is checked on a recorded pause, with no model."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import numpy as np
import pytest

from greenroom.config import Settings
from greenroom.live.stages.events import Partial, SpeechStarted, TurnEnded
from greenroom.live.stages.listening import ListeningStage
from greenroom.live.stages.redaction import RedactionStage
from greenroom.live.stages.reply import ReplyStage, norm
from greenroom.live.stages.timing import TimingObserver
from greenroom.speech.leadgate import LeadSilenceGate
from greenroom.speech.listener import Listener
from speech.speechgen import SR, espeak, silence  # tests/speech: espeak-ng test speech

ANSWER = "I would add an index on the customer id column and check the query plan."


def pcm_chunks(audio: np.ndarray, step_s: float = 0.1) -> list[tuple[bytes, float]]:
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()
    step = int(step_s * SR) * 2
    return [(pcm[i : i + step], time.perf_counter()) for i in range(0, len(pcm), step)]


@pytest.mark.slow
def test_listening_stage_turns_speech_into_a_turn(settings: Settings, transcriber: Any) -> None:
    s = settings.model_copy(
        update={
            "speech_turn_end_silence_s": 0.8,
            "speech_turn_hold_silence_s": 1.5,
            "speech_turn_incomplete_silence_s": 1.5,  # when the end-of-turn model calls the answer unfinished
            # fed faster than real time, a stretch transcribed in the background would still be in ASR when the
            # silence ends the turn (no `Partial`): in order here; the background listener has its own test
            "speech_asr_background": False,
        }
    )
    stage = ListeningStage(Listener.from_settings(transcriber, s), LeadSilenceGate())
    speech = espeak(ANSWER)
    audio = np.concatenate([silence(1.0), speech, silence(2.0)])
    events = []
    for chunk in pcm_chunks(audio, 0.5):
        events += stage.feed([chunk])
    kinds = [type(e) for e in events]
    assert kinds[0] is SpeechStarted and kinds[-1] is TurnEnded and Partial in kinds
    ended = events[-1]
    assert isinstance(ended, TurnEnded) and "query plan" in ended.text.lower() and ended.transcript.words
    assert set(ended.times) == {"speech_end", "turn_end", "asr_done"}
    assert ended.times["speech_end"] <= ended.times["turn_end"] <= ended.times["asr_done"]
    turn_audio = stage.turn_audio()
    assert stage.gate is not None and abs(stage.gate.dropped_s - 0.8) < 0.1
    assert turn_audio is not None and len(speech) < len(turn_audio) <= len(audio) - 0.8 * SR
    assert stage.feed(pcm_chunks(silence(0.5))) == []  # the turn is over


@pytest.mark.slow
def test_redaction_stage(anonymize: Any) -> None:
    redact = RedactionStage(anonymize)
    out = redact("My name is Daniel Okafor and I led the Kafka migration.")
    assert "Okafor" not in out and "<PERSON_1>" in out and "Kafka" in out
    assert redact("   ") == ""
    with pytest.raises(ValueError):
        RedactionStage(None)


def test_timing_observer() -> None:
    obs = TimingObserver()
    obs.mark("text", 1.0)  # no turn begun: ignored
    assert obs.finish() is None
    obs.begin({"speech_end": 10.0, "turn_end": 12.0, "asr_done": 12.25})
    obs.mark("text", 12.5)
    obs.speculative = True
    obs.reply = "follow_up"
    obs.mark("first_audio", 13.0)
    assert obs.finish() == {
        "end_of_turn": 2.0,
        "asr_tail": 0.25,
        "next_text": 0.25,
        "first_audio": 0.5,
        "total": 3.0,
        "first_sound": 3.0,
        "acknowledged": False,
        "speculative": True,
        "reply": "follow_up",
        "reason": "",
        "behind_s": 0.0,
    }
    assert obs.turns == [obs.turns[0]] and not obs.active
    obs.begin({"speech_end": 1.0, "turn_end": 1.5, "asr_done": 1.6}, "0.5 s of silence", behind_s=2.4)
    obs.mark("text", 1.7)
    obs.mark("first_audio", 2.0)
    figures = obs.finish() or {}
    assert figures["reason"] == "0.5 s of silence" and figures["behind_s"] == 2.4
    # an acknowledgement said while the reply was prepared: first heard then, the reply's figures unchanged
    obs.begin({"speech_end": 1.0, "turn_end": 1.5, "asr_done": 1.6})
    obs.mark("ack", 1.62)
    obs.mark("text", 3.0)
    obs.mark("first_audio", 3.2)
    figures = obs.finish() or {}
    assert figures["first_sound"] == 0.62 and figures["acknowledged"] and figures["total"] == 2.2
    # the candidate went on after the reply was heard: that reply is marked a false start
    obs.barged_in()
    assert obs.turns[-1]["barge_in"] and not obs.active
    # a reply heard as usual, then the next turn taken back before its reply was heard: nothing is measured for
    # it, and the figures of the turn before are left alone
    obs.begin({"speech_end": 5.0, "turn_end": 5.6, "asr_done": 5.7})
    obs.mark("text", 5.8)
    obs.mark("first_audio", 6.0)
    assert obs.finish() is not None
    count = len(obs.turns)
    obs.begin({"speech_end": 9.0, "turn_end": 9.6, "asr_done": 9.7})
    obs.barged_in()
    obs.barged_in()  # twice, or with nothing begun: still nothing marked
    assert len(obs.turns) == count and "barge_in" not in obs.turns[-1] and not obs.active


@pytest.mark.slow
def test_reply_stage_uses_a_matching_speculation_and_drops_another(bank: Any, embedder: Any, anonymize: Any) -> None:
    from greenroom.interview.grading import Grader
    from greenroom.interview.service import create_service, plan

    state = plan(bank, "technical", "backend", None, n=2, seed=4)
    service = create_service(
        state, llm=None, grader=Grader(None, embedder), embedder=embedder, anonymize=anonymize, max_follow_ups=0
    )
    service.start()
    stage = ReplyStage(service, RedactionStage(anonymize))

    async def run() -> tuple[Any, bool, Any, bool]:
        assert stage.speculate("Daniel Okafor here: " + ANSWER)
        assert not stage.speculate("Daniel Okafor here: " + ANSWER + ".")  # the same words: already under way
        reply, speculative = await stage.reply("daniel okafor here " + ANSWER.lower(), "voice")
        stage.speculate("something the candidate then went on from")
        other, spec2 = await stage.reply("a different answer in the end", "voice")
        return reply, speculative, other, spec2

    reply, speculative, other, spec2 = asyncio.run(run())
    assert speculative and "Okafor" not in reply.turn.answer and reply.turn.source == "voice"
    assert not spec2 and other.turn.answer == "a different answer in the end"
    assert service.turns == [] and service.state.index == 0  # nothing adopted: the state is untouched
    assert norm("Hello, world.") == "hello world"
    service.close()


@pytest.mark.slow
def test_vision_stage_calibration_then_a_calibrated_turn(settings: Settings) -> None:
    """The room's camera check on the vision stage: JPEG frames of a frontal face set the baseline, and the
    turn after it reports calibrated eye contact; ending a check that saw no face fails and says so."""
    import cv2
    from skimage import data

    from greenroom.live.stages.vision import VisionStage
    from greenroom.vision.stream import StreamingVisionAnalyzer

    canvas = np.full((480, 640, 3), 90, np.uint8)
    canvas[:, 16:624] = cv2.resize(data.astronaut(), (624, 624))[40:520, 8:616]
    face = cv2.imencode(".jpg", cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR))[1].tobytes()
    blank = cv2.imencode(".jpg", np.full((480, 640, 3), 90, np.uint8))[1].tobytes()
    stage = VisionStage(StreamingVisionAnalyzer(settings), fps=1000.0)

    async def feed(frame: bytes, n: int) -> None:
        for _ in range(n):  # spaced past the analyser's own frame-rate cap, or an idle machine skips them
            await stage.push(frame)
            await asyncio.sleep(1.0 / settings.vision_stream_max_fps + 0.02)

    try:
        stage.calibrate("start")
        asyncio.run(feed(blank, 2))
        state, detail = stage.end_calibration(measured=True)  # the room's end of the step
        assert state == "failed" and "Calibration failed" in detail
        assert stage.end_calibration(measured=False)[0] == "skipped"
        stage.calibrate("start")
        asyncio.run(feed(face, 5))
        assert stage.calibrate("end").calibrated
        stage.start_turn("turn-0")
        asyncio.run(feed(face, 4))
        figures = stage.end_turn()
        assert figures is not None and figures["face"]["eye_contact_method"] == "calibration"
        assert figures["face"]["eye_contact_calibrated"] and figures["face"]["eye_contact_ratio"] == 1.0
    finally:
        stage.close()


class _Heard:
    """A listener whose VAD and ASR are replaced by one recorded pause; the detector is the real one."""

    def __init__(self, detector: Any, text: str) -> None:
        self.detector, self.text = detector, text

    def feed(self, audio: np.ndarray) -> list[Any]:
        from greenroom.speech.listener import ListenerEvent

        self.detector.set_text(self.text)
        return [ListenerEvent("speech_end", 2.0, text=self.text)]


@pytest.mark.parametrize(("text", "finished"), [("I would use a hash table.", True), ("I would use...", False)])
def test_a_pause_prepares_the_reply_when_the_text_sounds_finished(text: str, finished: bool) -> None:
    from greenroom.speech.turns import TurnDetector, TurnTrace, replay
    from greenroom.speech.vad import WINDOW_S

    # 2 s of speech then a pause at which the (recorded) model says "unfinished", 0.10
    trace = TurnTrace(probs=[0.9] * round(2 / WINDOW_S) + [0.0] * 10, scores={round(2 / WINDOW_S) + 7: 0.10})
    detector = TurnDetector(policy="both", thinking_s=99.0)
    replay(trace, detector)
    stage = ListeningStage(_Heard(detector, text))
    events = stage.feed(pcm_chunks(silence(0.1)))
    assert detector.verdict == 0.10 and detector.unfinished()  # the model holds the turn either way ...
    assert events == [Partial(text, finished)]  # ... but a finished-sounding pause starts the reply
