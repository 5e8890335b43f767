"""`/metrics`: Prometheus metrics (text format), behind the session token like the API.

For a Prometheus on the same machine without the token, set `metrics_port`: the same metrics are then
also served on 127.0.0.1:<port> only (`serve_metrics_port`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from greenroom.server.api import require_token
from greenroom.serving import metrics

router = APIRouter(dependencies=[Depends(require_token)])
DEGRADED_CODES = ("fallback_voice", "no_voice", "no_asr", "no_llm", "llm_loading", "small_model")


def refresh(resources: Any, settings: Any) -> None:
    """Update the gauges that are read rather than counted: workers, queue, degraded flags."""
    engine = getattr(resources, "engine", None)
    if engine is not None:
        st = engine.status()
        metrics.WORKERS.set(st.get("workers", 0))
        metrics.MIN_WORKERS.set(st.get("min", 0))
        metrics.QUEUE_DEPTH.set(st.get("queue_depth", 0))
        metrics.MAX_QUEUE.set(st.get("max_queue", settings.serving_max_queue))
        if "utilisation" in st:
            metrics.UTILISATION.set(st["utilisation"])
    else:
        metrics.WORKERS.set(1)
        metrics.MIN_WORKERS.set(1)
        metrics.MAX_QUEUE.set(settings.serving_max_queue)
    metrics.set_degraded([d["code"] for d in resources.degraded()], DEGRADED_CODES)


@router.get("/metrics", include_in_schema=False)
async def prometheus_metrics(request: Request) -> Response:
    refresh(request.app.state.resources, request.app.state.settings)
    return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


def serve_metrics_port(port: int, resources: Any, settings: Any) -> tuple[Any, Any]:
    """Serve the metrics on 127.0.0.1:`port` without a token; returns (server, collector) for `stop_metrics_port`."""
    from prometheus_client import start_http_server

    class _Refresh:
        def collect(self) -> list[Any]:
            refresh(resources, settings)
            return []

    collector = _Refresh()
    metrics.REGISTRY.register(collector)  # type: ignore[arg-type]
    server, _thread = start_http_server(port, addr="127.0.0.1", registry=metrics.REGISTRY)
    return server, collector


def stop_metrics_port(handle: tuple[Any, Any]) -> None:
    server, collector = handle
    server.shutdown()
    server.server_close()
    metrics.REGISTRY.unregister(collector)
