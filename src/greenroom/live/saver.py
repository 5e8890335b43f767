"""Saving a live interview when storage may be away: a full disk, a database server that restarts.

`RetryingSaver.save()` writes the session's newest state (`prepare` reads it on the event loop, each try).
When the store answers `StorageUnavailableError`, the interview goes on from memory: the page gets a
`storage` event (`ok: false`, shown as a banner), and the save is retried every `retry_s` seconds with
whatever the state is by then, until it succeeds (`storage` event with `ok: true`). Nothing is dropped:
the state in memory is always the full interview, and every write replaces the previous one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from greenroom.errors import StorageUnavailableError

log = logging.getLogger("greenroom.live")


class RetryingSaver:
    """One interview's saves; `notify(ok, detail)` tells the page when storage goes away and comes back."""

    def __init__(
        self,
        prepare: Callable[[], Callable[[], None]],
        write: Callable[[Callable[[], None]], None],
        notify: Callable[[bool, str], Awaitable[None]],
        retry_s: float = 2.0,
    ) -> None:
        self._prepare = prepare  # on the event loop: the newest state, as a blocking call
        self._write = write  # in a worker thread: runs it
        self._notify = notify
        self.retry_s = retry_s
        self.unavailable: str | None = None  # why the last save failed; None when the store is up to date
        self._retry: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def save(self) -> bool:
        """Write now; on a storage failure keep the state, tell the page and retry in the background."""
        async with self._lock:
            try:
                await asyncio.to_thread(self._write, self._prepare())
            except StorageUnavailableError as exc:
                first = self.unavailable is None
                self.unavailable = exc.message
                if first:
                    log.warning("live: storage unavailable, retrying every %.1f s: %s", self.retry_s, exc.message)
                    await self._notify(
                        False,
                        f"Storage is unavailable: {exc.message} Your answers are kept and saved as soon as it is back.",
                    )
                if self._retry is None or self._retry.done():
                    self._retry = asyncio.ensure_future(self._retry_loop())
                return False
            if self.unavailable is not None:
                self.unavailable = None
                log.info("live: storage is back; the interview is saved")
                await self._notify(True, "Storage is back: the interview is saved.")
            return True

    async def _retry_loop(self) -> None:
        while self.unavailable is not None:
            await asyncio.sleep(self.retry_s)
            if self.unavailable is not None:
                await self.save()

    async def wait(self) -> None:
        """Until the newest state is saved (the retries go on meanwhile)."""
        while self.unavailable is not None:
            task = self._retry
            if task is None or task.done():
                await self.save()
            else:
                await asyncio.shield(task)

    def cancel(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
