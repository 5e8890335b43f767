"""The in-process monitor on a real pool: a latency fault and an error fault each raise an alert, post it
to a loopback webhook and make maintenance replace the worker at fault."""

from __future__ import annotations

import json
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


def _monitor(pool: LocalPool, url: str) -> Monitor:
    s = pool.settings.model_copy(
        update={
            "monitor_latency_p95_s": 1.0,
            "monitor_error_rate": 0.3,
            "monitor_window_s": 120,
            "monitor_webhook_url": url,
        }
    )
    return Monitor(s, pool)


def test_webhook_host_must_be_allowed(pool: LocalPool) -> None:
    with pytest.raises(ConfigError, match="not allowed"):
        check_webhook("http://alerts.example.com/x", pool.settings)


def test_latency_fault_alerts_and_replaces_the_slow_worker(pool: LocalPool, webhook: Any) -> None:
    url, received = webhook
    wait_for(lambda: pool.status()["ready"] == pool.status()["workers"], 120, "all workers ready")
    metrics.RECENT.clear()
    pool.worker_log.clear()
    slow = min(pool.worker_ids())  # idle requests go to the lowest id
    pool.inject_fault(slow, "latency", 1.5)
    model = metrics.MeteredChatModel(pool.chat_model(high=True), "llm")
    monitor = _monitor(pool, url)
    assert monitor.check() == []
    for _ in range(3):
        model.complete(PROMPT, max_tokens=2)
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
