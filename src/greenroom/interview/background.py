"""Grading in the background: answers are graded on a worker thread while the next question is asked.

`submit` returns at once; `wait(timeout)` collects what is done. One worker: the embedded model runs
one generation at a time anyway, and grades then finish in the order they were submitted. The worker
runs at background priority (`greenroom.priority`): a grade never competes on equal terms with live ASR.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import threading
import time

from greenroom.interview.bank import Question
from greenroom.interview.grading import Grade, Grader
from greenroom.priority import background_executor

log = logging.getLogger(__name__)


class BackgroundGrader:
    """A queue of grading jobs keyed by question id."""

    def __init__(self, grader: Grader) -> None:
        self.grader = grader
        self._pool = background_executor("greenroom-grader")  # at a lower OS priority than the live path
        self._futures: dict[str, cf.Future[Grade]] = {}
        self._lock = threading.Lock()
        self.seconds: dict[str, float] = {}

    def _run(self, key: str, question: Question, answer: str) -> Grade:
        start = time.perf_counter()
        try:
            return self.grader.grade(question, answer)
        finally:
            self.seconds[key] = time.perf_counter() - start

    def submit(self, question: Question, answer: str) -> str:
        """Queue a grade; returns its key (the question id, made unique if graded twice)."""
        with self._lock:
            key = question.id
            n = 2
            while key in self._futures:
                key = f"{question.id}#{n}"
                n += 1
            self._futures[key] = self._pool.submit(self._run, key, question, answer)
        return key

    def warm(self) -> None:
        """Queue a warm-up of the grader's LLM prefix (after another LLM call evicted it); never blocks."""
        warm = getattr(self.grader, "warm", None)
        if callable(warm):
            self._pool.submit(warm)

    def pending(self) -> int:
        with self._lock:
            return sum(not f.done() for f in self._futures.values())

    def results(self) -> dict[str, Grade]:
        """The grades finished so far."""
        with self._lock:
            items = list(self._futures.items())
        return {k: f.result() for k, f in items if f.done() and not f.cancelled() and f.exception() is None}

    def errors(self) -> dict[str, str]:
        with self._lock:
            items = list(self._futures.items())
        return {
            k: "cancelled: the grader was closed" if f.cancelled() else str(f.exception())
            for k, f in items
            if f.done() and (f.cancelled() or f.exception() is not None)
        }

    def wait(self, timeout: float | None = None) -> dict[str, Grade]:
        """Wait up to `timeout` seconds for every submitted grade; returns those that finished."""
        with self._lock:
            futures = list(self._futures.values())
        # polled: `cf.wait` never returns for a queued grade that `close` cancelled (Future.cancel does not wake
        # its waiters), which hung a report being built while the server shut down
        deadline = None if timeout is None else time.monotonic() + timeout
        while not all(f.done() for f in futures):
            left = 0.5 if deadline is None else min(0.5, deadline - time.monotonic())
            if left <= 0:
                break
            cf.wait(futures, timeout=left)
        for key, err in self.errors().items():
            log.warning("grading %s failed: %s", key, err)
        return self.results()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
