"""Reply: the interviewer's next words for a redacted answer, through the interview service.

While the candidate pauses and the answer already sounds finished, the reply is prepared speculatively
(`speculate`), on a copy of the interview state. If the turn then ends with the same words, that reply is
used (`reply`) and the end-of-turn silence has paid for the LLM; otherwise it is thrown away. One
speculation at a time (two cores), on a background-priority thread (`greenroom.priority`); the reply the
candidate waits for, when there is no usable speculation, runs at normal priority. Every prepared reply
is owned here and awaited or logged, never lost.

Once a question is asked, its possible follow-ups are phrased ahead (`prephrase`, on a background thread of
its own so that a speculation never queues behind it): a follow-up's words depend on the question and the
missed point only, so whichever one the answer calls for is usually ready when the turn ends.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any

from greenroom.priority import shared_background

log = logging.getLogger("greenroom.live")


def norm(text: str) -> str:
    """Text compared for speculation: words only (Whisper may add a stray '.' on the trailing silence)."""
    return " ".join(re.findall(r"[\w']+", text.lower()))


class ReplyStage:
    def __init__(self, service: Any, redact: Any) -> None:
        self.service = service
        self.redact = redact
        self._spec: tuple[str, asyncio.Future[Any]] | None = None
        self._ahead: asyncio.Future[Any] | None = None

    def speculate(self, text: str) -> bool:
        """Start preparing the reply to `text` (raw ASR text) in a worker thread; False when not started."""
        key = norm(text)
        if not key or (self._spec is not None and (self._spec[0] == key or not self._spec[1].done())):
            return False
        pool = shared_background("speculation")  # at a lower OS priority than the live path
        task = asyncio.get_running_loop().run_in_executor(pool, self._prepare, text, "voice")
        task.add_done_callback(_log_failure)
        self._spec = (key, task)
        return True

    def prephrase(self, question_id: str | None, stop: Callable[[], bool]) -> None:
        """Phrase the follow-ups of `question_id` in the background (`InterviewService.prephrase`: it stops when
        the interview moves past that question, or at `stop()`). Runs go one after the other."""
        pool = shared_background("prephrase")
        self._ahead = asyncio.get_running_loop().run_in_executor(pool, self.service.prephrase, question_id, stop)
        self._ahead.add_done_callback(_log_failure)

    def _prepare(self, text: str | None, source: str) -> Any:
        redacted = self.redact(text) if text is not None else None
        return self.service.prepare(redacted, source, redacted=True)

    async def reply(self, text: str | None, source: str) -> tuple[Any, bool]:
        """(the prepared `Reply`, whether it was the speculative one). `text` None: a skip."""
        spec, self._spec = self._spec, None
        if spec is not None and text is not None and spec[0] == norm(text):
            try:
                return await spec[1], True
            except Exception as exc:  # logged by `_log_failure` too; prepare it again below
                log.warning("speculative reply failed (%s); preparing it again", type(exc).__name__)
        return await asyncio.to_thread(self._prepare, text, source), False

    def drop(self) -> None:
        """A new listening window: any speculation belongs to the old one."""
        self._spec = None

    async def settle(self) -> None:
        """Wait for a speculation or a prephrasing still running (a failure is already logged)."""
        running = [f for f in (self._spec[1] if self._spec else None, self._ahead) if f is not None and not f.done()]
        if running:
            await asyncio.wait(running)


def _log_failure(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning(
            "background interviewer work failed (a speculative reply, or follow-ups phrased ahead): %s",
            task.exception(),
        )
