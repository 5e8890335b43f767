"""Background work runs at a lower OS priority than the live path: grading, speculative replies and camera
analysis each on their own niced thread, while the caller's thread (the live path) keeps its priority.

No model is loaded: the grader, interview service and vision analyser here only record the nice value of
the thread they were called on (what is under test is where the work runs, not what it computes).
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading

import pytest

from greenroom.priority import BACKGROUND_NICE, background_executor, lower_thread_priority, thread_nice

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="per-thread nice values are Linux's")


def expected_background() -> int:
    base = thread_nice()
    assert base is not None
    return min(19, base + BACKGROUND_NICE)


def test_lowering_a_thread_leaves_the_others_alone() -> None:
    before = thread_nice()
    seen: list[int | None] = []

    def work() -> None:
        assert lower_thread_priority()
        seen.append(thread_nice())
        inner = threading.Thread(target=lambda: seen.append(thread_nice()))  # a thread it starts inherits it
        inner.start()
        inner.join()

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert seen == [expected_background(), expected_background()]
    assert thread_nice() == before  # the calling (live) thread is untouched
    assert os.getpriority(os.PRIO_PROCESS, 0) == before  # and so is the process's main thread


def test_background_executor_threads_are_niced() -> None:
    pool = background_executor("test-bg", workers=2)
    try:
        assert pool.submit(thread_nice).result(timeout=10) == expected_background()
    finally:
        pool.shutdown()


class _RecordingGrader:
    def __init__(self) -> None:
        self.nice: int | None = None

    def warm(self) -> None:
        self.nice = thread_nice()


def test_background_grading_runs_niced() -> None:
    from greenroom.interview.background import BackgroundGrader

    grader = _RecordingGrader()
    bg = BackgroundGrader(grader)  # type: ignore[arg-type]
    try:
        bg.warm()
        bg._pool.submit(lambda: None).result(timeout=10)  # the one worker ran `warm` first
    finally:
        bg.close()
    assert grader.nice == expected_background()


class _RecordingService:
    def __init__(self) -> None:
        self.nice: list[int | None] = []

    def prepare(self, text: str | None, source: str, redacted: bool) -> str:
        self.nice.append(thread_nice())
        return f"reply to {text}"


def test_speculative_reply_is_niced_and_the_awaited_reply_is_not() -> None:
    from greenroom.live.stages.reply import ReplyStage

    service = _RecordingService()
    stage = ReplyStage(service, lambda t: t)

    async def run() -> tuple[object, bool, object, bool]:
        assert stage.speculate("I would use a hash table.")
        spec = await stage.reply("I would use a hash table", "voice")  # the same words: the speculation
        fresh = await stage.reply("Something else entirely.", "voice")  # none prepared: at normal priority
        return (*spec, *fresh)

    reply, speculative, fresh, fresh_speculative = asyncio.run(run())
    assert (reply, speculative) == ("reply to I would use a hash table.", True)
    assert (fresh, fresh_speculative) == ("reply to Something else entirely.", False)
    assert service.nice == [expected_background(), thread_nice()]


class _RecordingAnalyzer:
    frames_analysed = 0

    def __init__(self) -> None:
        self.nice: int | None = None

    def push_frame(self, payload: bytes, t: float) -> None:
        self.nice = thread_nice()


def test_camera_frames_are_analysed_niced() -> None:
    from greenroom.live.stages.vision import VisionStage

    analyzer = _RecordingAnalyzer()
    stage = VisionStage(analyzer, fps=5.0)
    assert asyncio.run(stage.push(b"\xff\xd8\xff\xe0 a jpeg")) is None
    assert analyzer.nice == expected_background()
