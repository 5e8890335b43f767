"""Prometheus metrics (prometheus-client) in Greenroom's own registry, and the wrappers that feed them.

Labels hold only fixed names (stage, error kind, reason, degraded code): never an interview id, a
name or any text. `RECENT` keeps the last observations in memory for the in-process monitor.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

REGISTRY = CollectorRegistry(auto_describe=True)
#: Stages with a latency histogram (seconds).
STAGES = (
    "turn_to_first_audio",  # end of the candidate's turn to the interviewer's first audio
    "asr",
    "llm_first_token",
    "llm_total",
    "grading_total",
    "tts_first_audio",  # text ready to first audio
)
BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60, 120)

STAGE_LATENCY = Histogram(
    "greenroom_stage_latency_seconds", "Latency of one stage of a turn.", ["stage"], buckets=BUCKETS, registry=REGISTRY
)
REQUESTS = Counter("greenroom_model_requests_total", "Model calls, by stage.", ["stage"], registry=REGISTRY)
ERRORS = Counter("greenroom_errors_total", "Errors, by kind.", ["kind"], registry=REGISTRY)
QUEUE_DEPTH = Gauge("greenroom_queue_depth", "Model requests waiting for a worker.", registry=REGISTRY)
MAX_QUEUE = Gauge("greenroom_queue_capacity", "Most requests allowed to wait.", registry=REGISTRY)
WORKERS = Gauge("greenroom_workers", "Model workers (pool) or replicas (Ray) alive.", registry=REGISTRY)
MIN_WORKERS = Gauge("greenroom_workers_min", "The configured minimum of workers or replicas.", registry=REGISTRY)
UTILISATION = Gauge("greenroom_utilisation", "Requests running or waiting over capacity.", registry=REGISTRY)
WORKER_RESTARTS = Counter(
    "greenroom_worker_restarts_total",
    "Workers replaced, by reason (died, hung, slow, failing).",
    ["reason"],
    registry=REGISTRY,
)
DEGRADED = Gauge("greenroom_degraded", "1 while a degraded mode is on, by code.", ["code"], registry=REGISTRY)
ALERTS = Counter("greenroom_monitor_alerts_total", "In-process monitor alerts, by rule.", ["rule"], registry=REGISTRY)

#: (monotonic time, stage, seconds or None for an error) for the in-process monitor.
RECENT: deque[tuple[float, str, float | None]] = deque(maxlen=5000)
_recent_lock = threading.Lock()


class _GuardRegenerations(Collector):
    """Guard regenerations and fallbacks, read from the ethics guards' own counters at scrape time."""

    def collect(self) -> Iterator[CounterMetricFamily]:
        from greenroom.ethics.events import default_metrics

        m = default_metrics()
        fam = CounterMetricFamily(
            "greenroom_guard_actions", "Guard actions on generated text (regenerated, fallback).", labels=["action"]
        )
        for action in ("regenerated", "fallback"):
            fam.add_metric([action], m.count(action=action))
        yield fam


REGISTRY.register(_GuardRegenerations())


def observe(stage: str, seconds: float) -> None:
    STAGE_LATENCY.labels(stage=stage).observe(seconds)
    with _recent_lock:
        RECENT.append((time.monotonic(), stage, seconds))


def error(kind: str) -> None:
    ERRORS.labels(kind=kind).inc()
    with _recent_lock:
        RECENT.append((time.monotonic(), kind, None))


def recent(since: float) -> list[tuple[float, str, float | None]]:
    with _recent_lock:
        return [r for r in RECENT if r[0] >= since]


@contextmanager
def track(stage: str, t0: float | None = None) -> Iterator[None]:
    """Time a block as `stage`; an exception counts as an error of kind `stage` and propagates."""
    start = time.perf_counter() if t0 is None else t0
    REQUESTS.labels(stage=stage).inc()
    try:
        yield
    except Exception:
        error(stage)
        raise
    observe(stage, time.perf_counter() - start)


def observe_turn(timing: dict[str, Any]) -> None:
    """A live turn's timings (`LiveSession._record_timing`): end of turn to first audio, and TTS."""
    if isinstance(timing.get("total"), (int, float)):
        observe("turn_to_first_audio", float(timing["total"]))
    if isinstance(timing.get("first_audio"), (int, float)):
        observe("tts_first_audio", float(timing["first_audio"]))


def set_degraded(codes: Sequence[str], known: Sequence[str]) -> None:
    for code in known:
        DEGRADED.labels(code=code).set(1 if code in codes else 0)


def exposition() -> bytes:
    """The metrics in the Prometheus text format."""
    return generate_latest(REGISTRY)


class MeteredChatModel:
    """A `ChatModel` proxy timing each call: `<stage>_first_token` and `<stage>_total`, errors by stage."""

    def __init__(self, model: Any, stage: str) -> None:
        self.model = model
        self.stage = stage
        self.name = model.name
        self.constrained_json = model.constrained_json

    def stream(self, messages: Sequence[Any], **kwargs: Any) -> Iterator[str]:
        t0 = time.perf_counter()
        first = True
        with track(self.stage + "_total", t0):
            for piece in self.model.stream(messages, **kwargs):
                if first:
                    observe(self.stage + "_first_token", time.perf_counter() - t0)
                    first = False
                yield piece

    def complete(self, messages: Sequence[Any], **kwargs: Any) -> str:
        with track(self.stage + "_total"):
            return str(self.model.complete(messages, **kwargs))

    def structured(self, messages: Sequence[Any], schema: Any, **kwargs: Any) -> Any:
        with track(self.stage + "_total"):
            return self.model.structured(messages, schema, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)


class MeteredTranscriber:
    """A `Transcriber` proxy timing each call as the `asr` stage."""

    def __init__(self, transcriber: Any) -> None:
        self.transcriber = transcriber
        self.name = transcriber.name

    def transcribe(self, audio: Any, **kwargs: Any) -> Any:
        with track("asr"):
            return self.transcriber.transcribe(audio, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transcriber, name)
