"""One LLM, two users: the interviewer (on the critical path) and the background grader.

llama.cpp models are not safe to call from two threads at once, and on two cores the grader must not
slow the next question down. `PriorityLock` lets the interviewer go first: the grader waits while an
interviewer call is running or waiting, and while a candidate is speaking (`pause_low`), so that speech
recognition keeps up with real time. `LockedChatModel` is the `ChatModel` proxy each side uses.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import Any

from greenroom.llm.base import ChatModel, Message


class PriorityLock:
    """A mutex where high-priority acquirers overtake waiting low-priority ones."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._held = False
        self._high_waiting = 0
        self._paused = 0  # while > 0, low-priority callers wait (a candidate is speaking)

    def pause_low(self) -> None:
        with self._cond:
            self._paused += 1

    def resume_low(self) -> None:
        with self._cond:
            self._paused = max(0, self._paused - 1)
            self._cond.notify_all()

    def acquire(self, high: bool) -> None:
        with self._cond:
            if high:
                self._high_waiting += 1
                try:
                    while self._held:
                        self._cond.wait()
                finally:
                    self._high_waiting -= 1
            else:
                while self._held or self._high_waiting or self._paused:
                    self._cond.wait()
            self._held = True

    def release(self) -> None:
        with self._cond:
            self._held = False
            self._cond.notify_all()


_PROCESS_LOCK = PriorityLock()


def lock_for(model: object) -> PriorityLock:
    """The lock for a model: one per process. Back-ends cache the loaded model under new wrapper objects,
    so two apps or sessions may hold the same llama.cpp model; and on a small machine one generation at a
    time is the fastest anyway."""
    return _PROCESS_LOCK


class LockedChatModel:
    """A `ChatModel` that holds the shared `PriorityLock` for the length of each call."""

    def __init__(self, model: ChatModel, lock: PriorityLock, *, high: bool) -> None:
        self.model = model
        self.lock = lock
        self.high = high
        self.name = model.name
        self.constrained_json = model.constrained_json

    def stream(self, messages: Sequence[Message], **kwargs: Any) -> Iterator[str]:
        self.lock.acquire(self.high)
        try:
            yield from self.model.stream(messages, **kwargs)
        finally:
            self.lock.release()

    def complete(self, messages: Sequence[Message], **kwargs: Any) -> str:
        self.lock.acquire(self.high)
        try:
            return self.model.complete(messages, **kwargs)
        finally:
            self.lock.release()

    def structured(self, messages: Sequence[Message], schema: Any, **kwargs: Any) -> Any:
        self.lock.acquire(self.high)
        try:
            return self.model.structured(messages, schema, **kwargs)
        finally:
            self.lock.release()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)
