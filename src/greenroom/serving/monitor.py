"""The in-process monitor: the alert rules of deploy/prometheus/alerts.yml, for when no Prometheus runs.

Every `monitor_interval_s` it looks at the last `monitor_window_s` of observations (`metrics.RECENT`)
and the engine's status. Rules: a stage's p95 latency over `monitor_latency_p95_s` times the machine's
load per core when that is above 1 (on a machine loaded 5x, everything is 5x slower and no worker is at
fault); the share of
failed model calls over `monitor_error_rate`; fewer ready workers than the minimum (a dead worker); a
full queue. An alert fires once when its condition starts: it is logged, counted, posted as JSON to
the optional webhook (loopback or an allowed host only) and, for latency and errors, starts maintenance:
the engine replaces the failing worker, or the slow one only when it is an outlier
(`monitor_latency_outlier` times the other workers' p95, or its own earlier median), so healthy workers
on a slow machine are never replaced.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from greenroom.config import Settings
from greenroom.errors import ConfigError
from greenroom.serving import metrics

log = logging.getLogger("greenroom.monitor")
MIN_SAMPLES = 3


@dataclass(frozen=True)
class Alert:
    """One alert: the rule, one line for a person, and what maintenance did."""

    rule: str
    detail: str
    at: float
    maintenance: str = ""


def _p95(values: list[float]) -> float:
    values = sorted(values)
    return values[int(0.95 * (len(values) - 1))]


def check_webhook(url: str, settings: Settings) -> str:
    """The webhook URL if its host is loopback or allowed; else `ConfigError`."""
    host = urlsplit(url).hostname or ""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ConfigError(f"The monitor webhook {url!r} is not an http(s) URL.")
    if host not in ("127.0.0.1", "localhost", "::1") and host not in settings.allowed_hosts:
        raise ConfigError(
            f"The monitor webhook host {host!r} is not allowed.", hint="Add it to GREENROOM_ALLOWED_HOSTS."
        )
    return url


class Monitor:
    """Watches latency, errors, workers and the queue; alerts and starts maintenance."""

    def __init__(
        self,
        settings: Settings,
        engine: Any | None,
        listeners: list[Callable[[Alert], None]] | None = None,
        load: Callable[[], float] | None = None,
    ) -> None:
        self.settings = settings
        #: The machine's load average over a minute (injected in tests); divided by the cores.
        self.load = load or (lambda: os.getloadavg()[0])
        self.engine = engine
        self.listeners = list(listeners or [])  # called with each fired alert (e.g. the canary's rollback)
        self.webhook = check_webhook(settings.monitor_webhook_url, settings) if settings.monitor_webhook_url else None
        self.alerts: list[Alert] = []
        self._active: set[str] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Monitor:
        self._thread = threading.Thread(target=self._loop, name="greenroom-monitor", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.settings.monitor_interval_s):
            try:
                self.check()
            except Exception:  # the monitor must never take the server down
                log.exception("monitor: check failed")

    def conditions(self) -> dict[str, str]:
        """The rules that hold now, each with one line saying why."""
        s = self.settings
        found: dict[str, str] = {}
        rows = metrics.recent(time.monotonic() - s.monitor_window_s)
        by_stage: dict[str, list[float]] = {}
        errors = 0
        for _, stage, secs in rows:
            if secs is None:
                errors += 1
            else:
                by_stage.setdefault(stage, []).append(secs)
        limit, per_core = self.latency_limit()
        slow = {k: _p95(v) for k, v in by_stage.items() if len(v) >= MIN_SAMPLES}
        slow = {k: p for k, p in slow.items() if p > limit}
        if slow:
            stage, p = max(slow.items(), key=lambda kv: kv[1])
            scaled = f" = {s.monitor_latency_p95_s:g} s x load {per_core:.1f} per core" if per_core > 1 else ""
            found["latency_p95"] = f"p95 of {stage} is {p:.1f} s (limit {limit:.1f} s{scaled})"
        total = errors + sum(len(v) for v in by_stage.values())
        if total >= MIN_SAMPLES and errors / total > s.monitor_error_rate:
            found["error_rate"] = f"{errors} of {total} model calls failed in {s.monitor_window_s:g} s"
        if self.engine is not None:
            st = self.engine.status()
            if st.get("ready", 0) < st.get("min", 0):
                found["dead_worker"] = f"{st.get('ready')} of at least {st.get('min')} workers ready"
            if st.get("max_queue") and st.get("queue_depth", 0) >= 0.9 * st["max_queue"]:
                found["queue_full"] = f"{st['queue_depth']} of {st['max_queue']} queue places taken"
        return found

    def latency_limit(self) -> tuple[float, float]:
        """The latency limit now, and the machine's load per core it was scaled by (when above 1)."""
        per_core = max(0.0, self.load()) / (os.cpu_count() or 1)
        return self.settings.monitor_latency_p95_s * max(1.0, per_core), per_core

    def check(self) -> list[Alert]:
        """One pass: fire alerts for new conditions, re-arm the ones that cleared."""
        now = self.conditions()
        fired: list[Alert] = []
        for rule, detail in now.items():
            if rule in self._active:
                continue
            self._active.add(rule)
            fired.append(self._fire(rule, detail))
        self._active &= set(now)
        return fired

    def _fire(self, rule: str, detail: str) -> Alert:
        done = ""
        maintain = getattr(self.engine, "maintain", None)
        if rule in ("latency_p95", "error_rate") and maintain is not None:
            wid = maintain(rule, self.settings.monitor_window_s, self.settings.monitor_latency_outlier)
            done = f"replaced worker {wid}" if wid is not None else "no single worker to blame: none replaced"
        alert = Alert(rule, detail, time.time(), done)
        self.alerts.append(alert)
        metrics.ALERTS.labels(rule=rule).inc()
        log.warning("alert %s: %s%s", rule, detail, f"; maintenance: {done}" if done else "")
        for listener in self.listeners:
            try:
                listener(alert)
            except Exception:  # a listener must never stop the monitor
                log.exception("monitor: alert listener failed")
        if self.webhook:
            self._post(alert)
        return alert

    def _post(self, alert: Alert) -> None:
        body = json.dumps({"source": "greenroom", **asdict(alert)}).encode()
        req = urllib.request.Request(
            self.webhook or "", data=body, headers={"content-type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(req, timeout=5):  # noqa: S310 (host checked in check_webhook)
                pass
        except OSError as exc:
            log.warning("monitor: webhook failed: %s", exc)
