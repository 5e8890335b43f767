"""The server's defences: session token (cookie or Bearer), Host and Origin checks, security headers,
body size limits and content checks by magic bytes.

- One random token per server start (or `server_token`). The terminal prints a one-time link
  `/auth?code=...`; opening it sets the token as an HttpOnly, SameSite=Strict cookie. API clients send
  `Authorization: Bearer <token>`.
- The `Host` header must name this machine (loopback names, the bound address, `server_allowed_hosts`):
  a DNS-rebinding page on another name gets 421. WebSockets must also come from our own origin.
- A strict Content-Security-Policy (no inline script, no third-party source), no CORS headers at all.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from greenroom.errors import GreenroomError, InputError

COOKIE = "greenroom_token"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(self), microphone=(self), geolocation=(), payment=(), usb=()",
}


class AuthRequiredError(GreenroomError):
    http_status = 401
    code = "unauthorized"


class ForbiddenHostError(GreenroomError):
    http_status = 421
    code = "bad_host"


class PayloadTooLargeError(GreenroomError):
    http_status = 413
    code = "too_large"


class UnsupportedMediaError(GreenroomError):
    http_status = 415
    code = "unsupported_media"


def is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class Auth:
    """The session token and the one-time login codes that hand it to a browser."""

    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    _codes: set[str] = field(default_factory=set)

    def new_login_code(self) -> str:
        code = secrets.token_urlsafe(24)
        self._codes.add(code)
        return code

    def redeem(self, code: str) -> bool:
        """True once per code: a printed link cannot be replayed from the history or a log."""
        for known in list(self._codes):
            if hmac.compare_digest(known.encode(), code.encode()):
                self._codes.discard(known)
                return True
        return False

    def check(self, presented: str | None) -> bool:
        return bool(presented) and hmac.compare_digest(str(presented).encode(), self.token.encode())

    def token_from(self, headers: Headers, cookies: dict[str, str]) -> str | None:
        value = headers.get("authorization", "")
        if value.lower().startswith("bearer "):
            return value[7:].strip()
        return cookies.get(COOKIE)


def host_name(host_header: str) -> str:
    """The name part of a Host header ('[::1]:8000' -> '::1', 'a.b:80' -> 'a.b')."""
    h = host_header.strip().lower()
    if h.startswith("["):
        return h[1 : h.find("]")] if "]" in h else h
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


def allowed_hosts(bind_host: str, extra: Iterable[str]) -> frozenset[str]:
    names = set(LOOPBACK_NAMES) | {h.lower().strip("[]") for h in extra}
    if bind_host not in ("0.0.0.0", "::"):
        names.add(bind_host.lower().strip("[]"))
    return frozenset(n.strip("[]") for n in names)


def token_required_error() -> AuthRequiredError:
    return AuthRequiredError(
        "The session token is missing or wrong.",
        hint="Open the link `greenroom serve` printed, or send `Authorization: Bearer <token>`.",
    )


#: /api paths answered without the token (the schema holds no data).
PUBLIC_API = frozenset({"/api/openapi.json"})


class GuardMiddleware:
    """Host check, the token on every /api request before anything reads its body, security headers on
    every answer, and a cap on request bodies (413)."""

    def __init__(self, app: ASGIApp, *, hosts: frozenset[str], max_body: int, any_host: bool = False) -> None:
        self.app = app
        self.hosts = hosts
        self.max_body = max_body
        self.any_host = any_host

    async def _problem(self, send: Send, err: GreenroomError) -> None:
        import json

        body = json.dumps(err.to_problem()).encode()
        headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
        headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
        await send({"type": "http.response.start", "status": err.http_status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        name = host_name(headers.get("host", ""))
        if not self.any_host and name not in self.hosts:
            err = ForbiddenHostError(f"Host {name!r} is not served here (DNS-rebinding protection).")
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008, "reason": "bad host"})
                return
            await self._problem(send, err)
            return
        if scope["type"] == "websocket":
            origin = headers.get("origin")
            if origin and host_name(origin.split("://", 1)[-1]) not in self.hosts:
                await send({"type": "websocket.close", "code": 1008, "reason": "bad origin"})
                return
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path.startswith("/api/") and path not in PUBLIC_API and "app" in scope:
            auth = scope["app"].state.auth  # before routing: a body or a method never answers before the token
            if not auth.check(auth.token_from(headers, Request(scope).cookies)):
                await self._problem(send, token_required_error())
                return
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            mb = self.max_body / 2**20
            await self._problem(send, PayloadTooLargeError(f"The request body is over the {mb:g} MiB limit."))
            return

        received = 0
        too_big = False

        async def limited_receive() -> Message:
            nonlocal received, too_big
            msg = await receive()
            if msg["type"] == "http.request":
                received += len(msg.get("body", b""))
                if received > self.max_body:
                    too_big = True
                    raise PayloadTooLargeError(f"The request body is over the {self.max_body / 2**20:g} MiB limit.")
            return msg

        async def send_with_headers(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                hdrs = [(k, v) for k, v in msg.get("headers", []) if k.decode().lower() not in SECURITY_HEADERS]
                hdrs += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                if scope["path"].startswith("/api/"):
                    hdrs.append((b"cache-control", b"no-store"))
                msg = {**msg, "headers": hdrs}
            await send(msg)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except PayloadTooLargeError as exc:
            if too_big:
                await self._problem(send, exc)
            else:
                raise


# --- content checks by magic bytes -------------------------------------------------------------------

BINARY_MAGIC: dict[bytes, str] = {
    b"%PDF-": "a PDF",
    b"PK\x03\x04": "a ZIP/Office document",
    b"\xd0\xcf\x11\xe0": "an old Office document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x7fELF": "a program",
    b"MZ": "a program",
    b"RIFF": "a RIFF (audio/video) file",
    b"\x1aE\xdf\xa3": "a WebM/Matroska file",
    b"OggS": "an Ogg file",
    b"{\\rtf": "an RTF document",
}


def check_text_document(data: bytes, max_chars: int) -> str:
    """The UTF-8 text of an uploaded résumé or job description, or a clear 415/422."""
    for magic, what in BINARY_MAGIC.items():
        if data.startswith(magic):
            raise UnsupportedMediaError(
                f"The file looks like {what}, not plain text.",
                hint="Save it as a .txt file, or paste the text.",
            )
    if b"\x00" in data[:4096]:
        raise UnsupportedMediaError("The file is binary, not plain text.", hint="Paste the text instead.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnsupportedMediaError("The file is not UTF-8 text.", hint="Save it as UTF-8, or paste it.") from exc
    text = text.strip()
    if not text:
        raise InputError("The file is empty.")
    if len(text) > max_chars:
        raise PayloadTooLargeError(f"The text is {len(text)} characters; at most {max_chars} are accepted.")
    return text


def is_jpeg(data: bytes) -> bool:
    return data[:3] == b"\xff\xd8\xff" and len(data) > 100
