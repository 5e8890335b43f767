"""The live path yields when it falls behind real time: background work is held, no speculative reply is
started, camera frames are skipped, and the room is told it is catching up (then caught up). Logic only:
a listening stage that returns recorded events stands in for VAD and ASR, so no model is loaded."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from greenroom.config import Settings
from greenroom.live.session import LiveSession
from greenroom.live.stages.events import Partial
from greenroom.live.stages.lag import CatchUp, LagMonitor

PCM = b"\0\0" * 1600  # 100 ms of silence, as the page sends it
JPEG = b"\xff\xd8\xff\xe0"  # the start of a camera frame (the stand-in vision stage does not decode it)


def test_lag_monitor_says_once_when_behind_and_once_when_caught_up() -> None:
    m = LagMonitor(2.0)
    assert [m.observe(x) for x in (0.1, 1.9, 2.5, 3.0, 1.5, 0.9, 0.2, 2.1)] == [
        None, None, True, None, None, False, None, True,
    ]  # fmt: skip
    assert m.behind and m.worst_s == 3.0
    assert m.reset() and not m.behind and not m.reset()
    with pytest.raises(ValueError):
        LagMonitor(0)


def test_catch_up_holds_background_work_in_balanced_calls() -> None:
    calls: list[bool] = []
    c = CatchUp(2.0, calls.append)
    c.observe(2.5)
    c.observe(4.0)
    assert c.behind and calls == [True]
    assert c.end() and calls == [True, False] and not c.end()
    c.observe(3.0)
    c.observe(0.5)
    assert not c.behind and calls == [True, False, True, False]
    c.observe(3.0)
    c.close()  # the session closes: let go, and never hold again
    assert c.observe(5.0) is None and calls == [True, False, True, False, True, False]


class Resources:
    """The `Models` protocol's background hold, recorded (nothing is loaded)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.holds: list[bool] = []

    def pause_background(self, on: bool) -> None:
        self.holds.append(on)


class RecordedStage:
    """A listening stage that answers each batch with a recorded partial transcript."""

    def feed(self, batch: list[tuple[bytes, float]]) -> list[Any]:
        return [Partial("I would use a hash table.", True)]


class Speculation:
    def __init__(self) -> None:
        self.started: list[str] = []

    def speculate(self, text: str) -> bool:
        self.started.append(text)
        return True


class Frames:
    """A vision stage that records the camera frames it was given."""

    def __init__(self) -> None:
        self.pushed: list[bytes] = []

    async def push(self, payload: bytes) -> None:
        self.pushed.append(payload)


def test_the_room_catches_up_and_background_work_yields(settings: Settings) -> None:
    async def scenario() -> tuple[list[dict[str, Any]], Resources, Speculation, LiveSession]:
        res = Resources(settings)
        session = LiveSession("lag-test", settings, res, None, {"setup": {}}, None, [])  # type: ignore[arg-type]
        sent: list[dict[str, Any]] = []

        async def send_json(ev: dict[str, Any]) -> None:
            sent.append(ev)

        spec, frames = Speculation(), Frames()
        session._send_json, session._reply, session._vision = send_json, spec, frames  # type: ignore[assignment]
        session.phase, session.voice, session._listening = "listening", True, RecordedStage()  # type: ignore[assignment]
        loop = asyncio.create_task(session._audio_loop())
        session.mic.queue.put_nowait((PCM, time.perf_counter() - 3.0))  # audio that waited 3 s: behind
        await asyncio.sleep(0.05)
        assert session.lag.behind and res.holds == [True] and not spec.started  # no speculation while behind
        await session.on_frame(JPEG)  # a camera frame while behind: skipped
        assert frames.pushed == []
        session.mic.queue.put_nowait((PCM, time.perf_counter()))  # fresh audio: caught up
        await asyncio.sleep(0.05)
        await session.on_frame(JPEG)
        assert frames.pushed == [JPEG]
        await session.mic.queue.put(None)
        await loop
        return sent, res, spec, session

    sent, res, spec, session = asyncio.run(scenario())
    notes = [e for e in sent if e["type"] == "catching_up"]
    assert [n["on"] for n in notes] == [True, False], sent
    assert notes[0]["behind_s"] >= 2.9 and notes[1]["behind_s"] < 1.0
    assert res.holds == [True, False] and not session.lag.behind
    assert spec.started == ["I would use a hash table."]  # caught up: the reply is prepared during the pause
