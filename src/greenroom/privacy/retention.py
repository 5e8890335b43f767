"""Retention: every record carries an expiry (30 days by default); expired ones are purged.

The purge runs at server start (`purge_now`), every `privacy_purge_interval_s` while serving
(`PeriodicPurge`, a daemon thread), and on `greenroom purge`. It deletes rows and media files, then
runs a WAL checkpoint and VACUUM so no readable remnant stays on disk. The clock is injected, so
tests move time past the TTL instead of waiting.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from greenroom.storage.repository import PurgeResult, Store

log = logging.getLogger("greenroom.privacy.retention")


def purge_now(store: Store, now: float | None = None) -> PurgeResult:
    """Purge everything expired at `now` (default: the store's clock)."""
    result = store.purge_expired(now)
    log.info(
        "retention purge: %d sessions, %d profiles, %d media files in %.2fs",
        result.sessions,
        result.profiles,
        result.media_files,
        result.seconds,
    )
    return result


class PeriodicPurge:
    """Runs `purge_now` every `interval_s` seconds in a daemon thread until `stop()`."""

    def __init__(self, store: Store, interval_s: float = 3600.0, *, clock: Callable[[], float] | None = None) -> None:
        self.store = store
        self.interval_s = interval_s
        self.clock = clock
        self.runs = 0
        self.last: PurgeResult | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.last = purge_now(self.store, self.clock() if self.clock else None)
                self.runs += 1
            except Exception:  # keep serving; the next run retries
                log.exception("retention purge failed")

    def start(self, *, run_now: bool = True) -> PeriodicPurge:
        """Purge once now (server start), then every interval."""
        if run_now:
            self.last = purge_now(self.store, self.clock() if self.clock else None)
            self.runs += 1
        self._thread = threading.Thread(target=self._loop, name="greenroom-purge", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)


def expires_in_days(expires_at: float, now: float | None = None) -> float:
    """Days left before a record is purged (negative when overdue)."""
    return (expires_at - (time.time() if now is None else now)) / 86400.0
