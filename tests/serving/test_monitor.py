"""The in-process monitor on a real pool: a latency fault and an error fault each raise an alert, post it
to a loopback webhook and make maintenance replace the worker at fault; a machine slow for every worker
replaces none, and its load raises the latency limit."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from tests.serving.conftest import PROMPT, wait_for

from greenroom.errors import ConfigError, ServingError
from greenroom.serving import metrics
from greenroom.serving.monitor import Monitor, check_webhook
from greenroom.serving.pool import LocalPool

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]  # a hang fails here, not at the end of CI


@pytest.fixture(scope="module")
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            received.append(json.loads(self.rfile.read(int(self.headers["content-length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


def _monitor(pool: LocalPool, url: str, load: float = 0.0) -> Monitor:
    s = pool.settings.model_copy(
        update={
            "monitor_latency_p95_s": 1.0,
            "monitor_error_rate": 0.3,
            "monitor_window_s": 120,
            "monitor_webhook_url": url,
        }
    )
    return Monitor(s, pool, load=lambda: load)  # the machine's load, injected: the test's own is not known


def _pairs(model: Any, rounds: int) -> None:
    """`rounds` times two requests at once: least-busy dispatch gives the two lowest worker ids one each."""
    for _ in range(rounds):
        threads = [threading.Thread(target=model.complete, args=(PROMPT,), kwargs={"max_tokens": 2}) for _ in "ab"]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def test_webhook_host_must_be_allowed(pool: LocalPool) -> None:
    with pytest.raises(ConfigError, match="not allowed"):
        check_webhook("http://alerts.example.com/x", pool.settings)


def test_latency_fault_alerts_and_replaces_the_slow_worker(pool: LocalPool, webhook: Any) -> None:
    url, received = webhook
    wait_for(lambda: pool.status()["ready"] == pool.status()["workers"], 120, "all workers ready")
    metrics.RECENT.clear()
    pool.worker_log.clear()
    slow = min(pool.worker_ids())  # idle requests go to the lowest id
    pool.inject_fault(slow, "latency", 3.0)  # 3 s more than its peer: an outlier on any load
    model = metrics.MeteredChatModel(pool.chat_model(high=True), "llm")
    monitor = _monitor(pool, url)
    assert monitor.check() == []
    _pairs(model, 2)
    alerts = monitor.check()
    assert [a.rule for a in alerts] == ["latency_p95"]
    assert "llm_total" in alerts[0].detail
    assert alerts[0].maintenance == f"replaced worker {slow}"
    assert slow not in pool.worker_ids()
    assert received[-1]["rule"] == "latency_p95" and received[-1]["source"] == "greenroom"
    assert "latency_p95" not in [a.rule for a in monitor.check()]  # fires once while the condition lasts


def test_error_fault_alerts_and_replaces_the_failing_worker(pool: LocalPool, webhook: Any) -> None:
    url, received = webhook
    wait_for(lambda: pool.status()["ready"] == pool.status()["workers"], 120, "all workers ready")
    metrics.RECENT.clear()
    pool.worker_log.clear()
    bad = min(pool.worker_ids())
    pool.inject_fault(bad, "error", 1)
    model = metrics.MeteredChatModel(pool.chat_model(high=True), "llm")
    monitor = _monitor(pool, url)
    for _ in range(3):
        with pytest.raises(ServingError, match="injected fault"):
            model.complete(PROMPT, max_tokens=2)
    alerts = monitor.check()
    assert "error_rate" in [a.rule for a in alerts]
    err = next(a for a in alerts if a.rule == "error_rate")
    assert err.maintenance == f"replaced worker {bad}"
    assert bad not in pool.worker_ids()
    assert any(r["rule"] == "error_rate" for r in received)
    assert model.complete(PROMPT, max_tokens=2)  # the pool answers again


def test_a_machine_slow_for_every_worker_replaces_none(pool: LocalPool, webhook: Any) -> None:
    url, _ = webhook
    wait_for(lambda: pool.status()["ready"] == pool.status()["workers"], 120, "all workers ready")
    metrics.RECENT.clear()
    pool.worker_log.clear()
    for wid in pool.worker_ids():
        pool.inject_fault(wid, "latency", 1.2)  # every worker equally slow: the machine, not a worker
    events = len(pool.events)
    model = metrics.MeteredChatModel(pool.chat_model(high=True), "llm")
    _pairs(model, 2)
    loaded = _monitor(pool, url, load=8.0 * (os.cpu_count() or 1))  # 8 x the cores: limit 1 s -> 8 s
    assert loaded.latency_limit()[0] == pytest.approx(8.0) and loaded.check() == []
    alerts = _monitor(pool, url).check()  # idle machine: the same latencies are over the limit...
    assert [a.rule for a in alerts] == ["latency_p95"]
    assert alerts[0].maintenance.startswith("no single worker to blame")  # ...but no worker is replaced
    assert not [e for e in pool.events[events:] if e[1].startswith("replace")]  # (a burst may add one)
    for wid in pool.worker_ids():
        pool.inject_fault(wid, "clear")
