"""Background work at a lower OS priority than the live path (VAD, end of turn, ASR, speech out).

Deferring background work (`pause_background`, the catching-up hold) is not enough on a busy laptop: once
grading, a speculative reply or camera analysis runs, it competes with the live path for the same cores.
So each background thread lowers its own scheduling priority: on Linux `setpriority(PRIO_PROCESS, tid)`
with the thread's native id changes that thread only (its nice value goes up by `BACKGROUND_NICE`, capped
at 19), and the threads it starts afterwards (llama.cpp's compute threads for that call) inherit it.
Raising one's own nice value needs no privilege; it cannot be undone by the thread, which is why only
threads owned by background executors call it, never a shared worker pool such as `asyncio.to_thread`'s.
Elsewhere (macOS, Windows) it is a no-op that says so (`lower_thread_priority` returns False).
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import os
import threading

log = logging.getLogger(__name__)

#: How much nicer than the live path background threads run (0-19; 10 is what `nice` uses by default).
BACKGROUND_NICE = 10
_POOLS: dict[str, cf.ThreadPoolExecutor] = {}
_LOCK = threading.Lock()


def thread_nice() -> int | None:
    """The calling thread's nice value (None where the platform cannot say per thread)."""
    if not hasattr(os, "getpriority") or not os.uname().sysname == "Linux":
        return None
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def lower_thread_priority(by: int = BACKGROUND_NICE) -> bool:
    """Make the calling thread `by` nicer than it is now (capped at 19). False where unsupported."""
    now = thread_nice()
    if now is None:
        return False
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), min(19, now + by))
    except OSError as exc:  # a sandbox that forbids it: the work still runs, at normal priority
        log.info("could not lower a background thread's priority: %s", exc)
        return False
    return True


def background_executor(name: str, workers: int = 1) -> cf.ThreadPoolExecutor:
    """A thread pool whose threads run at background priority (a new pool each call: the caller owns it)."""
    return cf.ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name, initializer=lower_thread_priority)


def shared_executor(role: str, *, background: bool = True) -> cf.ThreadPoolExecutor:
    """The process's one worker thread for `role`, made on first use and kept for the life of the process (its
    idle thread costs nothing): at background priority ("speculation", "vision"), or with `background=False`
    at the live path's own priority ("asr": the listener's stretches)."""
    with _LOCK:
        if role not in _POOLS:
            name = f"greenroom-{role}"
            _POOLS[role] = (
                background_executor(name)
                if background
                else cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
            )
        return _POOLS[role]


def shared_background(role: str) -> cf.ThreadPoolExecutor:
    """The process's one background-priority worker for `role` ("speculation", "vision")."""
    return shared_executor(role)
