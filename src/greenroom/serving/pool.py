"""`LocalPool`: worker processes that each hold a loaded model, least-busy dispatch, autoscaling, health.

- Requests wait in one queue in the server process; the interviewer's go before the grader's, and the
  grader's are held while a candidate speaks (`pause_low`). A request goes to the ready worker with the
  fewest requests running, and only while that worker is under its capacity.
- Utilisation = (requests running + waiting) / (workers x capacity). Above `serving_scale_threshold`
  for `serving_upscale_delay_s` a worker is added (up to `serving_max_workers`); when one worker fewer
  would still be under the threshold for `serving_downscale_delay_s`, an idle worker is retired (down
  to `serving_min_workers`). Workers still loading count as capacity, so a burst adds one at a time.
- Threads: the cores are divided among the workers that are answering (`threads_for` the busy count), so
  one request alone runs on all the LLM's cores (as fast as the single process), even while a second, idle worker
  is loaded, and the pool never oversubscribes: before a request goes to a worker, the busy ones are told
  their new share (a worker applies it at once, even mid-reply, and its own share before the request);
  when a worker finishes, the others get its cores. The cores shared are the LLM's (`Settings.llm_thread_count`:
  `llm_threads`, else all cores but one).
- A worker that cannot load its model (a missing or damaged file) makes `load_error` the same error the
  single engine raises; requests fail with it at once, and a new worker is tried at most every
  `RETRY_LOAD_S` seconds, so the pool recovers once the file is restored.
- Health: a worker whose process ends, that is silent past `serving_request_timeout_s` on a request, or
  that does not answer a ping within `serving_ping_timeout_s` when idle, is killed and replaced. Its requests are retried once on another worker (a stream only if
  nothing was sent yet, so no text is repeated); a second failure raises `ServingError`.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing as mp
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, cast

from greenroom.config import Settings
from greenroom.errors import ConfigError, ServingError
from greenroom.serving import metrics
from greenroom.serving.policy import failing_worker, slow_outlier, split_log, threads_for
from greenroom.serving.worker import rebuild_error, worker_main

log = logging.getLogger("greenroom.serving")
#: Workers that die while loading, in a row, before the pool stops replacing them (no crash loop).
MAX_START_FAILURES = 3
#: Least time between two attempts to start a worker after one failed to load its model.
RETRY_LOAD_S = 5.0


@dataclass
class Request:
    """One model call in flight. `out` receives ("chunk", text), ("done", value) or ("error", exc)."""

    id: int
    op: str
    payload: Any
    high: bool
    out: queue.Queue[tuple[str, Any]] = field(default_factory=queue.Queue)
    attempts: int = 0
    sent_chunks: int = 0
    worker: int | None = None
    last_progress: float = 0.0
    dispatched: float = 0.0


@dataclass
class Worker:
    """A worker process and what the pool knows about it."""

    id: int
    proc: BaseProcess
    conn: Connection
    state: str = "starting"  # starting | ready | dead
    running: dict[int, Request] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    last_seen: float = field(default_factory=time.monotonic)
    ping_out: bool = False
    threads: int = 1
    send_lock: threading.Lock = field(default_factory=threading.Lock)


class LocalPool:
    """The local model pool (`serving_engine = "pool"`). Implements `serving.base.Engine`."""

    name = "pool"

    def __init__(self, settings: Settings) -> None:
        if settings.serving_min_workers > settings.serving_max_workers:
            raise ConfigError(
                f"serving_min_workers ({settings.serving_min_workers}) is above "
                f"serving_max_workers ({settings.serving_max_workers})."
            )
        self.settings = settings
        self.min = settings.serving_min_workers
        self.max = settings.serving_max_workers
        self.capacity = settings.serving_worker_capacity
        self.threshold = settings.serving_scale_threshold
        self.threads = threads_for(1, cores=settings.llm_thread_count)  # the share of each busy worker
        self.load_error: Exception | None = None  # why the last worker could not load its model
        self._load_failed_at = 0.0
        self._ctx = mp.get_context("spawn")
        self._cond = threading.Condition()
        self._workers: dict[int, Worker] = {}
        self._waiting: deque[Request] = deque()
        self._ids = itertools.count(1)
        self._rids = itertools.count(1)
        self._paused = 0
        self._start_failures = 0
        self._above_since: float | None = None
        self._low_since: float | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.t0 = time.monotonic()
        #: (seconds since start, workers) at every change, for "worker count over time".
        self.history: list[tuple[float, int]] = []
        #: Scale and replacement events: (seconds since start, what, worker id).
        self.events: list[tuple[float, str, int]] = []
        self.info: dict[str, Any] = {}
        #: (time, worker id, seconds, ok) per finished request, for maintenance decisions.
        self.worker_log: deque[tuple[float, int, float, bool]] = deque(maxlen=2000)

    # --- lifecycle ----------------------------------------------------------------------------------
    def start(self, wait_ready: bool = True, timeout: float = 300.0) -> None:
        with self._cond:
            for _ in range(self.min):
                self._spawn("start")
        for target, name in ((self._receive_loop, "pool-receive"), (self._manage_loop, "pool-manage")):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)
        if wait_ready:
            self.wait_ready(self.min, timeout)

    def wait_ready(self, n: int, timeout: float) -> None:
        """Block until `n` workers are ready; raises `ServingError` after `timeout` or if loading fails."""
        end = time.monotonic() + timeout
        with self._cond:
            while self.ready_count() < n:
                if self.info.get("failed"):
                    raise ServingError(f"A model worker could not load its model: {self.info['failed']}")
                left = end - time.monotonic()
                if left <= 0:
                    raise ServingError(f"{n} model worker(s) were not ready after {timeout:.0f} s.")
                self._cond.wait(min(left, 0.5))

    def retry_load(self, wait_s: float) -> None:
        """After a worker failed to load the model: start another (at most every `RETRY_LOAD_S`) and wait
        up to `wait_s` for it; raises the load error while the model still cannot load. No-op otherwise."""
        end = time.monotonic() + wait_s
        with self._cond:
            if self.load_error is None:
                return
            if not self._live() and time.monotonic() - self._load_failed_at >= RETRY_LOAD_S:
                self._spawn("start (retry after a load failure)")
            while self.load_error is not None and self._live() and time.monotonic() < end:
                self._cond.wait(0.5)
            if self.load_error is not None:
                raise self.load_error

    def close(self, grace_s: float = 1.0) -> None:
        """Stop every worker: each is asked to stop, all get `grace_s` together, the rest are killed."""
        self._stop.set()
        with self._cond:
            workers = list(self._workers.values())
            self._workers.clear()
            for req in self._waiting:
                req.out.put(("error", ServingError("The model pool was shut down.")))
            self._waiting.clear()
            self._cond.notify_all()
        for w in workers:
            self._send(w, ("stop", 0, None))
        end = time.monotonic() + grace_s
        for w in workers:
            w.proc.join(timeout=max(0.0, end - time.monotonic()))
        for w in workers:
            self._stop_worker(w, kill=True)
        for t in self._threads:
            t.join(timeout=5)

    # --- the Engine protocol ------------------------------------------------------------------------
    def chat_model(self, *, high: bool) -> Any:
        from greenroom.serving.clients import PoolChatModel

        return PoolChatModel(self, high=high)

    def transcriber(self) -> Any | None:
        if not self.settings.serving_worker_asr:
            return None
        from greenroom.serving.clients import PoolTranscriber

        return PoolTranscriber(self)

    def pause_low(self, on: bool) -> None:
        with self._cond:
            self._paused = self._paused + 1 if on else max(0, self._paused - 1)
            if not on:
                self._dispatch()

    def _live(self) -> list[Worker]:
        return [w for w in self._workers.values() if w.state != "dead"]

    def ready_count(self) -> int:
        return sum(1 for w in self._workers.values() if w.state == "ready")

    def utilisation(self) -> float:
        """(running + waiting) / (live workers x capacity); call with the lock held or accept a race."""
        live = [w for w in self._workers.values() if w.state != "dead"]
        busy = sum(len(w.running) for w in live) + len(self._waiting)
        return busy / max(1, len(live) * self.capacity)

    def status(self) -> dict[str, Any]:
        with self._cond:
            return {
                "engine": self.name,
                "workers": len(self._workers),
                "ready": self.ready_count(),
                "min": self.min,
                "max": self.max,
                "capacity": self.capacity,
                "threads_per_worker": self.threads,
                "running": sum(len(w.running) for w in self._workers.values()),
                "queue_depth": len(self._waiting),
                "max_queue": self.settings.serving_max_queue,
                "utilisation": round(self.utilisation(), 3),
                "load_error": str(getattr(self.load_error, "message", None) or self.load_error or "")
                or (self.info.get("failed") if not self._live() else None),
            }

    # --- requests -----------------------------------------------------------------------------------
    def submit(self, op: str, payload: Any, *, high: bool) -> Request:
        req = Request(next(self._rids), op, payload, high)
        with self._cond:
            if self._stop.is_set():
                raise ServingError("The model pool is shut down.")
            if self.load_error is not None and not self._live():
                if time.monotonic() - self._load_failed_at < RETRY_LOAD_S:
                    raise self.load_error
                self._spawn("start (retry after a load failure)")  # the model may be back: try again
            if self.info.get("failed") and not self._live():  # workers died while loading: no crash loop
                raise ServingError(f"No model worker could start: {self.info['failed']}.")
            if len(self._waiting) >= self.settings.serving_max_queue:
                metrics.error("queue_full")
                raise ServingError(
                    f"The server is busy: {len(self._waiting)} requests are already waiting for a model worker.",
                    hint="Try again in a moment, or raise serving_max_workers.",
                )
            self._waiting.append(req)
            self._dispatch()
        return req

    def inject_fault(self, worker_id: int, kind: str, value: float = 0.0) -> None:
        """Make one worker slow (`latency`, seconds), failing (`error`, 1/0), `hang` or `exit` (drills, tests)."""
        with self._cond:
            w = self._workers[worker_id]
        self._send(w, ("fault", 0, (kind, value)))

    def worker_ids(self) -> list[int]:
        with self._cond:
            return [w.id for w in self._workers.values() if w.state == "ready"]

    def replace_worker(self, worker_id: int, reason: str) -> bool:
        """Kill a worker and start another (maintenance); its requests are retried once. False if gone."""
        with self._cond:
            w = self._workers.get(worker_id)
            if w is None or w.state == "dead":
                return False
            self._fail_worker(w, reason)
            return True

    def maintain(self, rule: str, window_s: float, outlier: float = 2.0) -> int | None:
        """Maintenance for a monitor alert over the last `window_s` seconds: replace the worker with the
        highest error share (`error_rate`), or the slowest (`latency_p95`) only when it is an outlier
        (`policy.slow_outlier`). Returns the replaced worker's id, or None."""
        with self._cond:
            recent, earlier = split_log(self.worker_log, set(self._workers), time.monotonic() - window_s)
            if rule == "error_rate":
                wid, reason = failing_worker(recent), "failing"
            else:
                wid, reason = slow_outlier(recent, earlier, outlier), "slow"
            if wid is None:
                return None
            self._fail_worker(self._workers[wid], reason)
            self.worker_log = deque((r for r in self.worker_log if r[1] != wid), maxlen=2000)
            return wid

    # --- internals (call with self._cond held unless said otherwise) ---------------------------------
    def _spawn(self, why: str) -> Worker:
        threads = self.threads  # its share is set again when it gets a request
        parent, child = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(
            target=worker_main, args=(child, self.settings, threads), name="greenroom-worker", daemon=True
        )
        proc.start()
        child.close()
        w = Worker(next(self._ids), proc, parent, threads=threads)
        self._workers[w.id] = w
        self._note(why, w.id)
        return w

    def _rebalance(self) -> None:
        """Give every busy worker its share of the cores (`threads_for` the busy count). Idle workers keep
        theirs until they get a request: `_dispatch` rebalances before it sends one."""
        busy = [w for w in self._live() if w.running]
        self.threads = threads_for(max(1, len(busy)), cores=self.settings.llm_thread_count)
        for w in busy:
            if w.threads != self.threads and self._send(w, ("threads", 0, self.threads)):
                w.threads = self.threads

    def _note(self, what: str, worker_id: int) -> None:
        now = round(time.monotonic() - self.t0, 3)
        self.events.append((now, what, worker_id))
        live = len(self._live())
        self.history.append((now, live))
        metrics.WORKERS.set(live)
        log.info("pool: %s worker %d (%d workers)", what, worker_id, live)

    def _send(self, w: Worker, msg: tuple[str, int, Any]) -> bool:
        try:
            with w.send_lock:
                w.conn.send(msg)
            return True
        except (OSError, ValueError, EOFError):
            return False

    def _pick(self) -> Worker | None:
        free = [w for w in self._workers.values() if w.state == "ready" and len(w.running) < self.capacity]
        return min(free, key=lambda w: (len(w.running), w.id), default=None)

    def _next_request(self) -> Request | None:
        for req in self._waiting:
            if req.high:
                self._waiting.remove(req)
                return req
        if self._paused or not self._waiting:
            return None
        return self._waiting.popleft()

    def _dispatch(self) -> None:
        while self._waiting:
            w = self._pick()
            if w is None:
                break
            req = self._next_request()
            if req is None:
                break
            req.attempts += 1
            req.worker = w.id
            req.last_progress = req.dispatched = time.monotonic()
            w.running[req.id] = req
            self._rebalance()  # w is busy now: every busy worker's share, w's before its request
            if not self._send(w, (req.op, req.id, req.payload)):
                self._fail_worker(w, "died")
        self._rebalance()  # a worker that finished or went leaves its cores to the others
        metrics.QUEUE_DEPTH.set(len(self._waiting))

    def _fail_worker(self, w: Worker, reason: str) -> None:
        """Kill `w`, retry its requests once elsewhere, start a replacement if below the minimum."""
        if w.state == "dead":
            return
        if w.state == "starting":
            self._start_failures += 1
        w.state = "dead"
        self._workers.pop(w.id, None)
        metrics.WORKER_RESTARTS.labels(reason=reason).inc()
        self._note(f"replace ({reason})", w.id)
        threading.Thread(target=self._stop_worker, args=(w, True), daemon=True).start()
        retry: list[Request] = []
        for req in w.running.values():
            if req.attempts < 2 and req.sent_chunks == 0:
                req.worker = None  # back in the queue
                retry.append(req)
            else:
                metrics.error("worker_failed")
                req.out.put(
                    (
                        "error",
                        ServingError(
                            f"A model worker {'hung' if reason == 'hung' else 'stopped'} while answering, "
                            + (
                                "and the retry failed too."
                                if req.attempts >= 2
                                else "after part of the reply was sent."
                            )
                        ),
                    )
                )
        w.running.clear()
        self._waiting.extendleft(reversed(retry))
        if self._start_failures >= MAX_START_FAILURES:
            self.info["failed"] = f"{self._start_failures} workers in a row died while loading the model"
            log.error("pool: %s; not starting more", self.info["failed"])
        elif not self._stop.is_set():
            self._spawn("start (replacement)")
        self._dispatch()
        self._cond.notify_all()

    def _stop_worker(self, w: Worker, kill: bool) -> None:
        if not kill:
            self._send(w, ("stop", 0, None))
            w.proc.join(timeout=5)
        if w.proc.is_alive():
            w.proc.kill()
            w.proc.join(timeout=5)
        w.conn.close()

    # --- threads ------------------------------------------------------------------------------------
    def _receive_loop(self) -> None:
        while not self._stop.is_set():
            with self._cond:
                conns = {w.conn: w for w in self._workers.values() if w.state != "dead"}
            if not conns:
                time.sleep(0.05)
                continue
            try:
                ready = wait(list(conns), timeout=0.1)
            except (OSError, ValueError):  # a connection closed under us: the next round skips it
                continue
            for ready_conn in ready:
                conn = cast(Connection, ready_conn)
                w = conns[conn]
                try:
                    msg = conn.recv()
                except (EOFError, OSError):
                    with self._cond:
                        if not self._stop.is_set():
                            self._fail_worker(w, "died")
                    continue
                self._handle(w, msg)

    def _handle(self, w: Worker, msg: tuple[Any, ...]) -> None:
        kind = msg[0]
        with self._cond:
            w.last_seen = time.monotonic()
            if kind == "ready":
                w.state, w.info = "ready", msg[1]
                self._start_failures = 0
                self.load_error = None
                self.info.pop("failed", None)
                self.info.update(name=msg[1]["name"], constrained_json=msg[1]["constrained_json"])
                self._note("ready", w.id)
            elif kind == "failed":
                err_kind, text, message, hint = msg[1]
                self.info["failed"] = text
                self.load_error = rebuild_error(err_kind, message, hint)
                self._load_failed_at = time.monotonic()
                metrics.error("worker_load")
                w.state = "dead"
                self._workers.pop(w.id, None)
                self._note("load failed", w.id)
                if not self._live():  # nobody left to answer: the waiting requests get the reason now
                    for waiting in self._waiting:
                        waiting.out.put(("error", self.load_error))
                    self._waiting.clear()
            elif kind == "pong":
                w.ping_out = False
                w.info["threads"] = msg[2] if len(msg) > 2 else None
            elif kind == "chunk":
                req = w.running.get(msg[1])
                if req is not None:
                    req.sent_chunks += 1
                    req.last_progress = w.last_seen
                    req.out.put(("chunk", msg[2]))
            elif kind == "progress":
                req = w.running.get(msg[1])
                if req is not None:
                    req.last_progress = w.last_seen
            elif kind in ("done", "error"):
                req = w.running.pop(msg[1], None)
                if req is not None:
                    self.worker_log.append((w.last_seen, w.id, w.last_seen - req.dispatched, kind == "done"))
                    if kind == "done":
                        req.out.put(("done", msg[2]))
                    else:
                        req.out.put(("error", rebuild_error(*msg[2])))
                self._dispatch()
            self._cond.notify_all()

    def _manage_loop(self) -> None:
        interval = self.settings.serving_health_interval_s
        while not self._stop.wait(interval):
            with self._cond:
                self._check_health()
                self._autoscale()
                self._dispatch()
                metrics.UTILISATION.set(self.utilisation())

    def _check_health(self) -> None:
        now = time.monotonic()
        timeout = self.settings.serving_request_timeout_s
        for w in list(self._workers.values()):
            if w.state == "dead":
                continue
            if not w.proc.is_alive():
                self._fail_worker(w, "died")
            elif w.state == "ready" and any(now - r.last_progress > timeout for r in w.running.values()):
                self._fail_worker(w, "hung")
            elif w.state == "ready" and w.ping_out and now - w.last_seen > self.settings.serving_ping_timeout_s:
                self._fail_worker(w, "hung")
            elif w.state == "ready" and not w.running and not w.ping_out:
                w.ping_out = True
                w.last_seen = now
                self._send(w, ("ping", 0, None))

    def _autoscale(self) -> None:
        now = time.monotonic()
        live = [w for w in self._workers.values() if w.state != "dead"]
        demand = sum(len(w.running) for w in live) + len(self._waiting)
        util = demand / max(1, len(live) * self.capacity)
        if util > self.threshold and len(live) < self.max and not self.info.get("failed"):
            self._low_since = None
            self._above_since = self._above_since or now
            if now - self._above_since >= self.settings.serving_upscale_delay_s:
                self._spawn("scale up")
                self._above_since = None
            return
        self._above_since = None
        fewer = len(live) - 1
        if fewer >= self.min and demand / (fewer * self.capacity) <= self.threshold:
            self._low_since = self._low_since or now
            idle = [w for w in live if w.state == "ready" and not w.running]
            if idle and now - self._low_since >= self.settings.serving_downscale_delay_s:
                w = max(idle, key=lambda x: x.id)
                w.state = "dead"
                self._workers.pop(w.id, None)
                self._note("scale down", w.id)
                threading.Thread(target=self._stop_worker, args=(w, False), daemon=True).start()
                self._low_since = None
        else:
            self._low_since = None
