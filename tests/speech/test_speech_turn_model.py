"""Semantic end of turn: the Whisper features against pipecat's own code on real audio, Smart Turn v3.2 on real
and generated speech, the decision logic on feature traces (hand-made and recorded from the real models), and
the labelled degraded mode without the model."""

from __future__ import annotations

import importlib.util
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from greenroom.config import Settings
from greenroom.errors import ConfigError
from greenroom.speech import models, smart_turn
from greenroom.speech.base import TurnEndModel
from greenroom.speech.listener import Listener
from greenroom.speech.turns import TurnDetector, TurnTrace, replay
from greenroom.speech.vad import WINDOW_S
from greenroom.speech.whisper_features import fit_window, log_mel

from .speechgen import SR, compose

MEDIA = Path(__file__).resolve().parents[2] / ".." / "shared" / "media"
needs_media = pytest.mark.skipif(not (MEDIA / "jfk.flac").is_file(), reason="../shared/media is not here")


@pytest.fixture(scope="session")
def st_model() -> TurnEndModel:
    return smart_turn.SmartTurn()


@pytest.fixture(scope="session")
def jfk(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    """jfk.flac (44.1 kHz) resampled to 16 kHz mono by sox."""
    out = tmp_path_factory.mktemp("jfk") / "jfk16.wav"
    subprocess.run(["sox", str(MEDIA / "jfk.flac"), "-r", str(SR), "-c", "1", "-b", "16", str(out)], check=True)
    audio, sr = sf.read(out, dtype="float32")
    assert sr == SR
    return np.asarray(audio, np.float32)


def _pipecat_features() -> Callable[[np.ndarray], np.ndarray]:
    """pipecat's own numpy Whisper features, loaded from its file (importing pipecat would need its dependencies)."""
    pkg = models._package_dir("pipecat")
    assert pkg is not None, "pipecat-ai is not installed (pip install --no-deps pipecat-ai==1.14.0)"
    spec = importlib.util.spec_from_file_location(
        "pipecat_whisper_features", pkg / "audio/turn/smart_turn/_whisper_features.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.compute_whisper_log_mel_features  # type: ignore[no-any-return]


@needs_media
def test_features_match_pipecats_on_real_audio(jfk: np.ndarray) -> None:
    reference = _pipecat_features()
    ami, sr = sf.read(MEDIA / "ami_seriously_source1.wav", dtype="float32")
    assert sr == SR
    for clip in (jfk, jfk[: 3 * SR], np.asarray(ami, np.float32)[: 20 * SR]):
        x = fit_window(clip)  # the last 8 s, zero-padded at the front when shorter (as pipecat does)
        ours = log_mel(x)
        assert ours.shape == (80, 800) and ours.dtype == np.float32
        np.testing.assert_allclose(ours, reference(x), atol=1e-5)
    assert not np.allclose(log_mel(fit_window(jfk)), log_mel(fit_window(jfk[: 3 * SR])))


@needs_media
def test_smart_turn_tells_a_finished_sentence_from_a_pause_in_it(st_model: TurnEndModel, jfk: np.ndarray) -> None:
    pause = np.zeros(int(0.2 * SR), np.float32)
    # "... ask what you can do for your country." ends near 10.6 s; 5 s in is mid-sentence
    finished = st_model.probability(np.concatenate([jfk[: int(10.6 * SR)], pause]))
    middle = st_model.probability(np.concatenate([jfk[: 5 * SR], pause]))
    assert finished > 0.7 > 0.3 > middle, (finished, middle)


def _trace(parts: list[tuple[float, float]], verdicts: dict[float, float]) -> TurnTrace:
    """A feature trace by hand: (seconds, VAD probability) stretches, and the model's verdict at given seconds."""
    probs: list[float] = []
    for seconds, p in parts:
        probs += [p] * round(seconds / WINDOW_S)
    scores = {round(t / WINDOW_S): v for t, v in verdicts.items()}
    return TurnTrace(probs=probs, scores=scores)


def _detector(policy: str = "both", **kw: float) -> TurnDetector:
    args = {"end_silence_s": 2.0, "hold_silence_s": 5.0, "complete_silence_s": 0.5, "incomplete_silence_s": 3.0}
    args.update(kw)
    return TurnDetector(policy=policy, **args)  # type: ignore[arg-type]  # `replay` gives it the recorded verdicts


# speech 0.5-2.5 s, a 1.5 s thinking pause, speech 4.0-5.5 s, then silence
THINKING_PAUSE = [(0.5, 0.0), (2.0, 0.9), (1.5, 0.0), (1.5, 0.9), (4.0, 0.0)]
# the model is asked once per pause, 0.2 s in: at 2.7 s (unfinished) and 5.7 s (finished)
WINDOWS_AT = {2.5 + 7 * WINDOW_S: 0.08, 5.5 + 7 * WINDOW_S: 0.93}


def test_decisions_on_a_trace_model_holds_the_pause_and_ends_soon_after_the_answer() -> None:
    trace = _trace(THINKING_PAUSE, WINDOWS_AT)
    events = replay(trace, _detector("both"))
    ends = [e for e in events if e.kind == "turn_end"]
    assert len(ends) == 1 and 5.9 <= ends[0].time <= 6.1, events  # 0.5 s after the answer, not in the pause
    # the walkie-talkie: rules alone with a short silence cut the answer in its pause
    cut = [e for e in replay(trace, _detector("rules", end_silence_s=0.8)) if e.kind == "turn_end"]
    assert cut and cut[0].time < 4.0
    # rules alone with the long silence wait 2 s after the answer
    slow = [e for e in replay(trace, _detector("rules")) if e.kind == "turn_end"]
    assert slow and slow[0].time >= 7.4


def test_text_rules_are_the_second_opinion() -> None:
    # the model wrongly calls the pause finished; the transcript ends in "and then": the rules' hold applies
    trace = _trace(THINKING_PAUSE, {2.5 + 7 * WINDOW_S: 0.95, 5.5 + 7 * WINDOW_S: 0.93})
    trace.texts[round(2.9 / WINDOW_S)] = "First I would profile the query and then"
    trace.texts[round(5.9 / WINDOW_S)] = "First I would profile the query and then add an index."
    both = [e for e in replay(trace, _detector("both")) if e.kind == "turn_end"]
    assert len(both) == 1 and 5.9 <= both[0].time <= 6.1, both
    model_only = [e for e in replay(trace, _detector("model")) if e.kind == "turn_end"]
    assert model_only and model_only[0].time < 4.0  # the model alone cuts it


def test_thinking_time_ends_a_turn_the_model_calls_unfinished() -> None:
    trace = _trace(THINKING_PAUSE, {2.5 + 7 * WINDOW_S: 0.08, 5.5 + 7 * WINDOW_S: 0.10})
    ends = [e for e in replay(trace, _detector("both")) if e.kind == "turn_end"]
    assert ends and abs(ends[0].time - (5.5 + 3.0)) < 0.1 and "unfinished" in ends[0].reason


@pytest.mark.slow
def test_a_recorded_trace_replays_the_live_decisions(st_model: TurnEndModel, tiny_asr) -> None:  # type: ignore[no-untyped-def]
    g = compose(["I would use", 1.5, "a hash table, so every lookup takes constant time on average.", 3.0])
    kw = {"end_silence_s": 2.0, "hold_silence_s": 5.0, "complete_silence_s": 0.5, "incomplete_silence_s": 2.0}
    recorder = TurnDetector(model=st_model, record=True, **{k: 99.0 for k in kw}, thinking_s=99.0)
    Listener(tiny_asr, recorder).feed_all(g.audio, chunk_s=0.1)
    trace = recorder.trace
    assert trace is not None and len(trace.scores) >= 2 and trace.texts
    live = [
        e for e in Listener(tiny_asr, TurnDetector(model=st_model, **kw)).feed_all(g.audio, 0.1) if e.kind == "turn_end"
    ]
    replayed = [e for e in replay(trace, TurnDetector(model=st_model, **kw)) if e.kind == "turn_end"]
    assert live and replayed and abs(live[0].time - replayed[0].time) < 0.15, (live, replayed)
    answer_end = g.speech_spans[-1][1]
    assert answer_end < replayed[0].time < answer_end + 2.2, (replayed, trace.scores)  # not cut in the pause


def test_degraded_without_the_model(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    off = TurnDetector.from_settings(settings.model_copy(update={"speech_turn_model": "none"}))
    assert off.model is None and off.degraded and "silence" in off.degraded
    monkeypatch.setattr(models, "SMART_TURN_FILE", ("missing", "smart-turn.onnx"))
    monkeypatch.setattr(smart_turn, "_CACHE", {})
    detector = TurnDetector.from_settings(settings.model_copy(update={"speech_turn_end_silence_s": 1.0}))
    assert detector.model is None and detector.degraded and "pipecat-ai" in detector.degraded
    g = compose(["I would use a hash table.", 2.0])
    ends = [e for e in detector.feed(g.audio) if e.kind == "turn_end"]  # the rules still end the turn
    assert ends and ends[0].time >= g.speech_spans[-1][1] + 0.9
    with pytest.raises(ConfigError, match="smart-turn-v3.2"):
        smart_turn.load_turn_model(settings.model_copy(update={"speech_turn_model": "nope"}))
