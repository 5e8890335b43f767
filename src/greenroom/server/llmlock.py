"""One LLM, two users: the interviewer (on the critical path) and the background grader.

llama.cpp models are not safe to call from two threads at once, and on two cores the grader must not
slow the next question down. `PriorityLock` lets the interviewer go first: the grader waits while an
interviewer call is running or waiting, and while a candidate is speaking (`pause_low`), so that speech
recognition keeps up with real time. `LockedChatModel` is the `ChatModel` proxy each side uses.

Each model has a lock of its own (`lock_for`), keyed by what the model is, not by the wrapper object:
back-ends cache a loaded model under new wrappers, so two sessions holding "the same" model share one
lock, and two different models never wait for each other. `lock_status` shows every lock in one place.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import Any

from greenroom.llm.base import ChatModel, Message


class PriorityLock:
    """A mutex where high-priority acquirers overtake waiting low-priority ones."""

    def __init__(self, name: str = "") -> None:
        self.name = name
        self.calls = 0  # acquisitions so far
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
            self.calls += 1

    def status(self) -> dict[str, Any]:
        with self._cond:
            return {"held": self._held, "high_waiting": self._high_waiting, "paused": self._paused, "calls": self.calls}

    def release(self) -> None:
        with self._cond:
            self._held = False
            self._cond.notify_all()


_LOCKS: dict[str, PriorityLock] = {}
_REGISTRY = threading.Lock()


def model_key(model: object) -> str:
    """What a model is: its kind and name (the same loaded model under two wrappers has one key)."""
    inner = getattr(model, "model", None)
    if isinstance(model, LockedChatModel) and inner is not None:
        model = inner
    return f"{type(model).__name__}:{getattr(model, 'name', None) or id(model)}"


def lock_for(model: object) -> PriorityLock:
    """The lock of this model (one per model, created on first use)."""
    key = model_key(model)
    with _REGISTRY:
        if key not in _LOCKS:
            _LOCKS[key] = PriorityLock(key)
        return _LOCKS[key]


def lock_status() -> dict[str, dict[str, Any]]:
    """Every model lock of this process: held, waiting, paused, calls so far."""
    with _REGISTRY:
        locks = dict(_LOCKS)
    return {key: lock.status() for key, lock in locks.items()}


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

    def _locked_choice_logits(self, messages: Sequence[Message], choices: Sequence[str]) -> dict[str, float]:
        self.lock.acquire(self.high)
        try:
            return dict(self.model.choice_logits(messages, choices))  # type: ignore[attr-defined]
        finally:
            self.lock.release()

    def __getattr__(self, name: str) -> Any:
        # `choice_logits` (llm.base.ChoiceScorer) exists here only when the wrapped model has it, under the lock
        if name == "choice_logits" and hasattr(self.model, "choice_logits"):
            return self._locked_choice_logits
        return getattr(self.model, name)
