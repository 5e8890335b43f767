"""One pool worker process: loads the chat model (and ASR when asked) once, then answers requests on a pipe.

Messages from the parent are tuples `(op, request_id, payload)`; answers are `("ready", info)`,
`("chunk", rid, text)`, `("progress", rid, None)` (a token of a non-streamed reply), `("done", rid, value)`, `("error", rid, (kind, message))` and `("pong", rid, threads)`.
A `fault` op (tests and drills only) makes the worker slow, failing, hung or dead, so that health checks
and the monitor can be exercised against a real process.
`("threads", 0, n)` sets the LLM's CPU threads at once, even in the middle of a reply (a reader thread
applies it; llama.cpp reads the count per decoded batch): the pool divides the cores among its live workers.
A worker never outlives the server: a thread watches the parent (`watch_parent`) from before the model loads,
so a server killed by SIGKILL or a crash does not leave workers holding the model's memory.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue
import threading
import time
from multiprocessing.connection import Connection, wait
from typing import Any

from greenroom import errors
from greenroom.config import Settings
from greenroom.errors import GreenroomError, ServingError


def watch_parent(poll_s: float = 1.0) -> threading.Thread | None:
    """Exit this process as soon as the process that spawned it ends, however it ends.

    `multiprocessing` gives a spawned child a sentinel: the read end of a pipe whose write end only the
    parent holds, so it turns readable when the parent dies (even by SIGKILL). A change of parent pid is
    checked too. None when this process was not started by `multiprocessing`."""
    parent = mp.parent_process()
    if parent is None:
        return None
    sentinel, ppid = parent.sentinel, os.getppid()

    def watch() -> None:
        while not wait([sentinel], timeout=poll_s) and os.getppid() == ppid:
            pass
        os._exit(0)  # no cleanup to do: the parent that wanted our answers is gone

    t = threading.Thread(target=watch, name="watch-parent", daemon=True)
    t.start()
    return t


class _Channel:
    """The pipe to the pool: a reader thread applies thread changes at once and queues every other message
    for the main loop (pings too: a pong says the main loop is alive)."""

    def __init__(self, conn: Connection, model: Any) -> None:
        self.conn = conn
        self.model = model
        self._lock = threading.Lock()
        self.inbox: queue.Queue[tuple[str, int, Any] | None] = queue.Queue()
        threading.Thread(target=self._read, name="worker-reader", daemon=True).start()

    def send(self, msg: tuple[Any, ...]) -> None:
        with self._lock:
            self.conn.send(msg)

    def _read(self) -> None:
        while True:
            try:
                msg = self.conn.recv()
            except (EOFError, OSError):
                self.inbox.put(None)
                return
            op, rid, payload = msg
            if op == "threads":
                set_threads = getattr(self.model, "set_threads", None)
                try:
                    if set_threads is not None:
                        set_threads(int(payload))
                except Exception:  # keep reading: a thread count that did not apply is not worth a dead worker
                    logging.getLogger("greenroom.serving").exception("worker: could not set %s threads", payload)
            else:
                self.inbox.put(msg)


def worker_main(conn: Connection, settings: Settings, threads: int) -> None:
    """The process entry point (spawned)."""
    watch_parent()
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    try:
        from greenroom.llm.factory import create_chat_model

        model = create_chat_model(settings.model_copy(update={"llm_threads": threads}))
        if load := getattr(model, "load", None):  # llama.cpp loads lazily: load before saying ready
            load()
    except Exception as exc:
        message = str(getattr(exc, "message", None) or exc)
        hint = getattr(exc, "hint", None)
        conn.send(("failed", (type(exc).__name__, f"{type(exc).__name__}: {exc}", message, hint)))
        return
    chan = _Channel(conn, model)
    chan.send(("ready", {"name": model.name, "constrained_json": model.constrained_json, "pid": os.getpid()}))
    transcriber: Any = None
    delay = 0.0
    failing = False
    while True:
        msg = chan.inbox.get()
        if msg is None:
            return
        op, rid, payload = msg
        if op == "stop":
            return
        if op == "ping":  # with the LLM threads it runs on (the pool divides the cores)
            chan.send(("pong", rid, getattr(model, "n_threads", None)))
            continue
        if op == "fault":
            kind, value = payload
            if kind == "exit":
                os._exit(3)
            if kind == "hang":
                time.sleep(3600)
            if kind == "latency":
                delay = float(value)
            if kind == "error":
                failing = bool(value)
            if kind == "clear":
                delay, failing = 0.0, False
            chan.send(("done", rid, None))
            continue
        try:
            if delay:
                time.sleep(delay)
            if failing:
                raise RuntimeError("injected fault")
            if op == "stream":
                messages, kwargs = payload
                for piece in model.stream(messages, **kwargs):
                    chan.send(("chunk", rid, piece))
                chan.send(("done", rid, None))
            elif op == "complete":  # streamed inside, so that every token tells the pool we are alive
                messages, kwargs = payload
                pieces: list[str] = []
                for piece in model.stream(messages, **kwargs):
                    pieces.append(piece)
                    chan.send(("progress", rid, None))
                chan.send(("done", rid, "".join(pieces)))
            elif op == "structured":
                messages, schema, kwargs = payload
                chan.send(("done", rid, model.structured(messages, schema, **kwargs).model_dump_json()))
            elif op == "choice_logits":  # llm.base.ChoiceScorer (the grader's truth check), where the model has it
                messages, choices = payload
                scorer = getattr(model, "choice_logits", None)
                if scorer is None:
                    raise ValueError(f"{model.name} cannot score fixed replies (no logits)")
                chan.send(("done", rid, dict(scorer(messages, choices))))
            elif op == "transcribe":
                audio, kwargs = payload
                if transcriber is None:
                    from greenroom.speech.asr import create_transcriber

                    transcriber = create_transcriber(settings)
                    if load := getattr(transcriber, "load", None):
                        load()
                chan.send(("done", rid, transcriber.transcribe(audio, **kwargs)))
            else:
                chan.send(("error", rid, ("bad_op", f"unknown operation {op!r}")))
        except Exception as exc:
            chan.send(("error", rid, (type(exc).__name__, str(getattr(exc, "message", None) or exc))))


def rebuild_error(kind: str, message: str, hint: str | None = None) -> Exception:
    """A worker's error, in the pool's process: the same `GreenroomError` class when it is one (so a missing
    model is `ModelNotAvailableError` there too), else a `ServingError`."""
    from greenroom.serving import metrics

    cls = getattr(errors, kind, None)
    if isinstance(cls, type) and issubclass(cls, GreenroomError):
        try:
            return cls(message, hint=hint)
        except TypeError:
            pass
    metrics.error("model_error")
    return ServingError(f"The model worker failed: {message}")
