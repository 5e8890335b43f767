"""`create_app(settings)`: the FastAPI application.

The lifespan opens the encrypted store, runs the retention purge now and every
`privacy_purge_interval_s` (`privacy.retention.PeriodicPurge`), and preloads the models in a background
thread; with `serving_engine` pool or ray it starts the engine first, then the in-process monitor and,
with `metrics_port`, a loopback-only metrics port. Errors become JSON problems (`GreenroomError.to_problem`)
with the error's 4xx/5xx status; a browser asking for a page gets the same error as an HTML page with a way
back (`pages.error_page`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from greenroom import __version__
from greenroom.config import Settings
from greenroom.errors import GreenroomError
from greenroom.server.security import Auth, GuardMiddleware, allowed_hosts, is_loopback

log = logging.getLogger("greenroom.server")
PROBLEM = "application/problem+json"


def problem(
    status: int, code: str, detail: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    return JSONResponse(
        {"error": code, "detail": detail, **extra}, status_code=status, media_type=PROBLEM, headers=headers
    )


def allowed_methods(request: Request) -> list[str]:
    """The methods some route answers at this request's path (for a 405's `Allow` header, RFC 9110)."""
    from starlette.routing import Match

    found = []
    for method in ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            found.append(method)
    return found


def create_app(
    settings: Settings,
    *,
    auth: Auth | None = None,
    store: Any = None,
    passphrase: str | None = None,
    preload: bool | None = None,
) -> FastAPI:
    """The app. `store` replaces the one opened from `settings` (tests); `auth` fixes the token."""
    auth = auth or (Auth(token=settings.server_token) if settings.server_token else Auth())
    remote = not is_loopback(settings.server_host)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from greenroom.live.manager import SessionManager
        from greenroom.privacy.retention import PeriodicPurge
        from greenroom.server.metrics import serve_metrics_port, stop_metrics_port
        from greenroom.server.resources import Resources
        from greenroom.serving.monitor import Monitor

        own_store = store is None
        if own_store:
            from greenroom.storage.repository import open_store

            app.state.store = open_store(settings, passphrase=passphrase)
        else:
            app.state.store = store
        purge = PeriodicPurge(app.state.store, settings.privacy_purge_interval_s).start()
        app.state.purge = purge
        resources = Resources(settings)
        app.state.resources = resources
        if settings.serving_engine != "single":  # workers or replicas load their models before we serve
            await asyncio.to_thread(resources.start_engine)
        app.state.sessions = SessionManager(settings, resources, app.state.store)
        if settings.server_preload_models if preload is None else preload:
            resources.start_preload()
        canary = await asyncio.to_thread(resources.canary)
        app.state.monitor = (
            Monitor(settings, resources.engine, listeners=[canary.on_alert]).start()
            if settings.monitor_enabled
            else None
        )
        metrics_port = serve_metrics_port(settings.metrics_port, resources, settings) if settings.metrics_port else None
        try:
            yield
        finally:
            if app.state.monitor is not None:
                app.state.monitor.stop()
            if metrics_port is not None:
                stop_metrics_port(metrics_port)
            await app.state.sessions.close()
            await asyncio.to_thread(resources.close_candidate)
            if resources.engine is not None:
                await asyncio.to_thread(resources.engine.close)
            purge.stop()
            if own_store:
                app.state.store.close()

    app = FastAPI(
        title="Greenroom",
        version=__version__,
        description="A private, local AI mock-interview coach. Every /api route needs the session token "
        "(the cookie set by the printed link, or `Authorization: Bearer <token>`).",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.auth = auth
    app.state.require_auth_everywhere = remote

    from greenroom.server import pages

    @app.exception_handler(GreenroomError)
    async def greenroom_error(request: Request, exc: GreenroomError) -> Response:
        if pages.wants_html(request):
            return pages.error_page(exc.http_status, exc.message, getattr(exc, "hint", None))
        return JSONResponse(exc.to_problem(), status_code=exc.http_status, media_type=PROBLEM)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errs = exc.errors()
        first = errs[0] if errs else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return problem(422, "bad_input", f"{where}: {first.get('msg', 'invalid')}".strip(": "))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}
        headers = exc.headers
        if exc.status_code == 405:  # `Allow` lists every method of the path (Starlette names one route's only)
            headers = {"Allow": ", ".join(allowed_methods(request))}
        if pages.wants_html(request):
            detail = "There is no page at this address." if exc.status_code == 404 else str(exc.detail)
            page = pages.error_page(exc.status_code, detail)
            page.headers.update(headers or {})
            return page
        return problem(exc.status_code, codes.get(exc.status_code, "error"), str(exc.detail), headers=headers)

    from greenroom.server import api, ws
    from greenroom.server import metrics as metrics_route

    app.include_router(api.router)
    if settings.metrics_enabled:
        app.include_router(metrics_route.router)
    app.include_router(ws.router)
    app.include_router(pages.router)
    pages.mount_static(app)
    app.add_middleware(
        GuardMiddleware,
        hosts=allowed_hosts(settings.server_host, settings.server_allowed_hosts),
        max_body=int(settings.server_max_upload_mb * 2**20),
    )
    return app
