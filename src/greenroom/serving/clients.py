"""The pool seen as ordinary models: `PoolChatModel` is a `ChatModel`, `PoolTranscriber` a `Transcriber`.

Each call is one pool request; the calling thread blocks on the reply (callers already run model calls
in worker threads, never on the event loop). Latency is measured around any engine's models by
`metrics.MeteredChatModel`, not here.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator, Sequence
from typing import Any

from greenroom.errors import ServingError
from greenroom.llm.base import M, Message
from greenroom.serving.pool import LocalPool, Request


def _wait(pool: LocalPool, req: Request) -> Iterator[tuple[str, Any]]:
    """The request's messages until it is done; raises its error.

    Time waiting in the queue does not count (the queue is bounded and the interviewer goes first); once
    a worker has the request, the pool's health check replaces a silent worker, so this only gives up
    when even that did not answer: far past `serving_request_timeout_s` without progress."""
    limit = pool.settings.serving_request_timeout_s * 2 + 30
    while True:
        try:
            kind, value = req.out.get(timeout=0.5)
        except queue.Empty:
            if req.worker is not None and time.monotonic() - req.last_progress > limit:
                raise ServingError(f"No answer from a model worker for {limit:.0f} s.") from None
            continue
        if kind == "error":
            raise value
        yield kind, value
        if kind == "done":
            return


class PoolChatModel:
    """A `ChatModel` whose calls run on the least busy pool worker."""

    def __init__(self, pool: LocalPool, *, high: bool) -> None:
        self.pool = pool
        self.high = high
        self.name = str(pool.info.get("name") or pool.settings.llm_preset)
        self.constrained_json = bool(pool.info.get("constrained_json", False))

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> Iterator[str]:
        kwargs = {"max_tokens": max_tokens, "temperature": temperature, "stop": list(stop) if stop else None}
        req = self.pool.submit("stream", (list(messages), kwargs), high=self.high)
        for kind, value in _wait(self.pool, req):
            if kind == "chunk":
                yield value

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> str:
        kwargs = {"max_tokens": max_tokens, "temperature": temperature, "stop": list(stop) if stop else None}
        req = self.pool.submit("complete", (list(messages), kwargs), high=self.high)
        return str(_last(_wait(self.pool, req)))

    def structured(
        self,
        messages: Sequence[Message],
        schema: type[M],
        *,
        max_tokens: int | None = None,
        temperature: float = 0.0,
    ) -> M:
        kwargs = {"max_tokens": max_tokens, "temperature": temperature}
        req = self.pool.submit("structured", (list(messages), schema, kwargs), high=self.high)
        return schema.model_validate_json(_last(_wait(self.pool, req)))

    def choice_logits(self, messages: Sequence[Message], choices: Sequence[str]) -> dict[str, float]:
        """`llm.base.ChoiceScorer` on a worker; a worker whose model has no logits answers with an error."""
        req = self.pool.submit("choice_logits", (list(messages), list(choices)), high=self.high)
        return dict(_last(_wait(self.pool, req)))


class PoolTranscriber:
    """A `Transcriber` whose calls run on a pool worker (which loads Whisper on first use)."""

    def __init__(self, pool: LocalPool) -> None:
        self.pool = pool
        self.name = "pool:asr"

    def transcribe(
        self, audio: Any, *, offset: float = 0.0, prompt: str | None = None, language: str | None = None
    ) -> Any:
        kwargs = {"offset": offset, "prompt": prompt, "language": language}
        req = self.pool.submit("transcribe", (audio, kwargs), high=True)
        return _last(_wait(self.pool, req))


def _last(messages: Iterator[tuple[str, Any]]) -> Any:
    last: Any = None
    for _kind, value in messages:
        last = value
    return last
