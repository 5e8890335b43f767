"""The model locks: one per model (not one per process, not one per wrapper), the interviewer going before
waiting grading calls, grading held while the candidate speaks, and every lock visible in one place."""

from __future__ import annotations

import threading
import time
from typing import Any

from greenroom.server.llmlock import LockedChatModel, PriorityLock, lock_for, lock_status


class Named:
    def __init__(self, name: str) -> None:
        self.name = name
        self.constrained_json = False

    def complete(self, messages: Any, **kwargs: Any) -> str:
        return self.name


def test_one_lock_per_model_whatever_the_wrapper() -> None:
    a1, a2, b = Named("model-a"), Named("model-a"), Named("model-b")
    assert lock_for(a1) is lock_for(a2)  # the same model under two wrapper objects
    assert lock_for(a1) is not lock_for(b)
    wrapped = LockedChatModel(a1, lock_for(a1), high=True)
    assert lock_for(wrapped) is lock_for(a1)
    assert wrapped.complete([]) == "model-a"
    assert lock_status()["Named:model-a"]["calls"] >= 1 and "Named:model-b" in lock_status()


def test_high_priority_overtakes_waiting_low_and_pause_holds_low() -> None:
    lock = PriorityLock("test")
    order: list[str] = []
    lock.acquire(high=True)  # the interviewer holds the model

    def run(name: str, high: bool) -> threading.Thread:
        def body() -> None:
            lock.acquire(high)
            order.append(name)
            lock.release()

        th = threading.Thread(target=body)
        th.start()
        return th

    low = run("grader", False)
    time.sleep(0.1)
    high = run("interviewer", True)
    time.sleep(0.1)
    assert lock.status()["high_waiting"] == 1
    lock.pause_low()  # the candidate starts speaking
    lock.release()
    high.join(2)
    time.sleep(0.1)
    assert order == ["interviewer"]  # the grader waits while the candidate speaks
    lock.resume_low()
    low.join(2)
    assert order == ["interviewer", "grader"] and lock.status()["held"] is False
