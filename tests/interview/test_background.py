"""The background grader's queue: a report waiting for its grades is not stuck when the grader is closed."""

from __future__ import annotations

import threading
import time
from typing import Any

from greenroom.interview.background import BackgroundGrader


class BlockingGrader:
    """Grades nothing until released (as a long LLM call would), then fails: no grade is made up."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def grade(self, question: Any, answer: str) -> Any:
        self.release.wait(10)
        raise RuntimeError("not graded")


class Q:
    def __init__(self, qid: str) -> None:
        self.id = qid


def test_wait_returns_when_close_cancels_a_queued_grade() -> None:
    grader = BlockingGrader()
    bg = BackgroundGrader(grader)  # type: ignore[arg-type]
    bg.submit(Q("q1"), "an answer")  # type: ignore[arg-type]  # running, blocked
    bg.submit(Q("q2"), "another")  # type: ignore[arg-type]  # queued behind it
    done = threading.Event()
    waiter = threading.Thread(target=lambda: (bg.wait(), done.set()), daemon=True)
    waiter.start()
    time.sleep(0.2)
    bg.close()  # the server shuts down: q2 is cancelled while `wait` waits on it
    grader.release.set()  # q1 ends
    assert done.wait(5), "wait() hung on a grade that close() cancelled"
    assert bg.results() == {} and "not graded" in bg.errors()["q1"] and "cancelled" in bg.errors()["q2"]
    start = time.monotonic()
    assert BackgroundGrader(BlockingGrader()).wait(timeout=0.1) == {}  # nothing submitted: at once
    assert time.monotonic() - start < 1
