"""The pages (plain HTML, CSS and JS from `server/web/`), the one-time login link, and plotly.min.js
served from the installed `plotly` package (no CDN)."""

from __future__ import annotations

import html
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from greenroom.server.security import COOKIE, AuthRequiredError

router = APIRouter(include_in_schema=False)
WEB = Path(str(resources.files("greenroom.server") / "web"))
PAGES = {
    "/": "setup.html",
    "/room": "room.html",
    "/report": "report.html",
    "/history": "history.html",
    "/privacy": "privacy.html",
}
COOKIE_MAX_AGE = 7 * 86400


ERROR_TITLES = {401: "Please sign in", 403: "Not allowed", 404: "Page not found", 405: "Not allowed"}


def wants_html(request: Request) -> bool:
    """A browser asking for a page (not the API, not a script): errors are shown as an HTML page."""
    path = request.url.path
    if path.startswith(("/api", "/static", "/vendor")):
        return False
    return "text/html" in request.headers.get("accept", "")


def error_page(status: int, detail: str, hint: str | None = None) -> HTMLResponse:
    """A plain HTML error page with a way back (the API keeps answering JSON)."""
    title = ERROR_TITLES.get(status, "Something went wrong")
    more = f"<p>{html.escape(hint)}</p>" if hint else ""
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{html.escape(title)} – Greenroom</title><link rel="stylesheet" href="/static/app.css"></head>'
        '<body><header class="top"><a class="brand" href="/">Greenroom</a>'
        '<nav aria-label="Main"><a href="/">New interview</a><a href="/history">History</a>'
        '<a href="/privacy">Privacy</a></nav></header>'
        f'<main id="main"><h1>{html.escape(title)}</h1><p class="banner error" role="alert">{html.escape(detail)}</p>'
        f'{more}<p><a class="button" href="/">Back to the start page</a></p></main></body></html>'
    )
    return HTMLResponse(body, status_code=status)


def plotly_js() -> Path | None:
    """plotly.min.js from the installed plotly package, or None (the pages then draw SVG charts)."""
    try:
        import plotly
    except ImportError:
        return None
    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    return path if path.is_file() else None


def _signed_in(request: Request) -> bool:
    auth = request.app.state.auth
    return bool(auth.check(auth.token_from(request.headers, request.cookies)))


def _page(name: str):  # type: ignore[no-untyped-def]
    async def page(request: Request) -> Response:
        if not _signed_in(request):
            if request.app.state.require_auth_everywhere:
                raise AuthRequiredError("Open the link that `greenroom serve` printed to sign in.")
            return FileResponse(WEB / "signin.html", media_type="text/html")
        return FileResponse(WEB / name, media_type="text/html")

    return page


for _path, _file in PAGES.items():
    router.add_api_route(_path, _page(_file), methods=["GET"], response_class=HTMLResponse)


@router.get("/auth")
async def sign_in(request: Request, code: str = "") -> Response:
    """The one-time link: trades its code for the session cookie, then goes to the set-up page."""
    auth = request.app.state.auth
    if not code or not auth.redeem(code):
        raise AuthRequiredError(
            "This sign-in link was already used or is wrong.", hint="Restart `greenroom serve` for a new link."
        )
    resp = RedirectResponse("/", status_code=303)
    resp.set_cookie(
        COOKIE,
        auth.token,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return resp


@router.get("/favicon.ico")
async def favicon() -> Response:
    return Response(status_code=204)


@router.get("/vendor/plotly.min.js")
async def plotly_bundle() -> Response:
    path = plotly_js()
    if path is None:
        return Response("/* plotly is not installed: charts are drawn as SVG */", media_type="text/javascript")
    return FileResponse(path, media_type="text/javascript", headers={"cache-control": "max-age=86400"})


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
