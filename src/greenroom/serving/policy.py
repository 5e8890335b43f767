"""The pool's decisions that are plain arithmetic: how many LLM threads each worker gets, and which worker
(if any) is slow enough to replace on a latency alert."""

from __future__ import annotations

import logging
import os
import statistics
from collections.abc import Iterable

log = logging.getLogger("greenroom.serving")


def threads_per_worker(max_workers: int, cores: int | None = None) -> int:
    """Cores divided among the most workers the pool may run, at least one each (Ray's replicas)."""
    return max(1, (cores or os.cpu_count() or 1) // max_workers)


def threads_for(live: int, cores: int | None = None, cap: int | None = None) -> int:
    """Each worker's LLM threads while `live` workers run: the LLM's cores (`Settings.llm_thread_count`:
    all cores but one by default, so the live path's ASR and VAD keep a core) divided among them (at least
    one), capped by `cap` when given."""
    share = max(1, (cores or os.cpu_count() or 1) // max(1, live))
    return min(share, cap) if cap else share


def split_log(
    log_rows: Iterable[tuple[float, int, float, bool]], live: set[int], since: float
) -> tuple[dict[int, list[tuple[float, bool]]], dict[int, list[float]]]:
    """The pool's request log (time, worker, seconds, ok) of live workers: per worker the (seconds, ok) since
    `since`, and the seconds of the successful requests before it."""
    recent: dict[int, list[tuple[float, bool]]] = {}
    earlier: dict[int, list[float]] = {}
    for t, wid, secs, ok in log_rows:
        if wid in live:
            if t >= since:
                recent.setdefault(wid, []).append((secs, ok))
            elif ok:
                earlier.setdefault(wid, []).append(secs)
    return recent, earlier


def failing_worker(recent: dict[int, list[tuple[float, bool]]]) -> int | None:
    """The worker with the highest share of failed requests, or None when none failed."""
    if not recent:
        return None
    wid, rows = max(recent.items(), key=lambda kv: sum(not ok for _, ok in kv[1]) / len(kv[1]))
    return None if all(ok for _, ok in rows) else wid


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[int(0.95 * (len(values) - 1))]


def slow_outlier(
    recent: dict[int, list[tuple[float, bool]]], earlier: dict[int, list[float]], outlier: float
) -> int | None:
    """The worker to replace for latency: the slowest by p95 over the window (`recent`: seconds, ok per
    request), only when that p95 is `outlier` times the other workers' median p95 or, with no other worker
    answering, its own median before the window (`earlier`). None when every worker is about as slow:
    the machine is loaded, and replacing a worker would only lose its loaded model."""
    by_worker = {wid: p95([secs for secs, _ in rows]) for wid, rows in recent.items() if rows}
    if not by_worker:
        return None
    wid = max(by_worker, key=lambda k: by_worker[k])
    others = [p for k, p in by_worker.items() if k != wid]
    if others:
        ref = statistics.median(others)
    elif earlier.get(wid):
        ref = statistics.median(earlier[wid])
    else:
        return None
    if by_worker[wid] <= outlier * ref:
        log.info("pool: worker %d p95 %.1f s is not %g x %.1f s: not replaced", wid, by_worker[wid], outlier, ref)
        return None
    return wid
