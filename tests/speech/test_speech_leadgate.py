"""The lead-silence gate (moved here from the live session): speech already under way when listening
starts is dropped; audio passes from the end of the first 0.8 s silence. Real Silero VAD, espeak-ng speech."""

from __future__ import annotations

import numpy as np

from greenroom.speech.leadgate import LeadSilenceGate

from .speechgen import SR, espeak, silence


def test_speech_under_way_is_dropped_until_a_silence() -> None:
    tail = espeak("the end of the interviewer's question")
    answer = espeak("my answer starts here")
    audio = np.concatenate([tail, silence(1.2), answer, silence(0.3)])
    gate = LeadSilenceGate()
    out = [gate.feed(audio[i : i + 1600]) for i in range(0, len(audio), 1600)]  # 0.1 s microphone chunks
    kept = np.concatenate(out)
    assert gate.is_open
    opened = len(tail) / SR + 0.8
    assert abs(gate.dropped_s - opened) < 0.15, gate.dropped_s  # on the microphone's clock
    assert len(kept) + round(gate.dropped_s * SR) == len(audio)
    assert float(np.abs(kept[: int(0.2 * SR)]).max()) < 0.01  # it opens in the silence, before the answer
    assert float(np.abs(kept).max()) > 0.1  # and the answer passes


def test_the_gate_stays_shut_while_speech_goes_on() -> None:
    gate = LeadSilenceGate()
    speech = espeak("talking over the interviewer without any pause at all")
    assert len(gate.feed(speech)) == 0 and not gate.is_open
