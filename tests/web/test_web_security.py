"""The server's defences over HTTP: token, one-time link, Host check, CSP and headers, no CORS, upload limits,
magic-byte checks, loopback-only binding, JSON problems."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from greenroom.config import Settings
from greenroom.errors import ConfigError
from greenroom.server.app import create_app
from greenroom.server.security import COOKIE, Auth

from .conftest import BASE, TOKEN


def test_api_needs_the_token(anon: TestClient) -> None:
    for path in ("/api/sessions", "/api/history", "/api/privacy", "/api/options", "/api/export", "/api/status"):
        r = anon.get(path)
        assert r.status_code == 401, path
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["error"] == "unauthorized"
    assert anon.get("/api/sessions", headers={"authorization": "Bearer wrong"}).status_code == 401
    assert anon.post("/api/delete-all", json={"confirm": True}).status_code == 401


def test_bearer_and_cookie_both_work(anon: TestClient) -> None:
    assert anon.get("/api/sessions", headers={"authorization": f"Bearer {TOKEN}"}).json() == []
    anon.cookies.set(COOKIE, TOKEN)
    assert anon.get("/api/sessions").status_code == 200


def test_one_time_link_sets_a_strict_httponly_cookie(anon: TestClient, auth: Auth) -> None:
    assert anon.get("/").status_code == 200 and "one-time link" in anon.get("/").text  # the sign-in help page
    code = auth.new_login_code()
    r = anon.get(f"/auth?code={code}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert f"{COOKIE}={TOKEN}" in cookie and "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    assert anon.get("/api/sessions").status_code == 200  # the client kept the cookie
    again = anon.get(f"/auth?code={code}", follow_redirects=False)
    assert again.status_code == 401 and "already used" in again.json()["detail"]
    assert anon.get("/auth?code=made-up", follow_redirects=False).status_code == 401


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "192.168.1.5:8000", "127.0.0.1.nip.io"])
def test_host_header_check_blocks_dns_rebinding(client: TestClient, host: str) -> None:
    r = client.get("/api/sessions", headers={"host": host})
    assert r.status_code == 421
    assert r.json()["error"] == "bad_host"
    assert client.get("/", headers={"host": host}).status_code == 421


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "localhost", "[::1]:8000"])
def test_loopback_hosts_pass(client: TestClient, host: str) -> None:
    assert client.get("/api/sessions", headers={"host": host}).status_code == 200


def test_security_headers_and_csp(client: TestClient) -> None:
    for path in ("/", "/room", "/report", "/history", "/privacy", "/api/sessions", "/static/room.js"):
        r = client.get(path)
        assert r.status_code == 200, path
        csp = r.headers["content-security-policy"]
        script = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
        assert script.strip() == "script-src 'self'", csp
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert "access-control-allow-origin" not in r.headers
    assert client.get("/api/sessions").headers["cache-control"] == "no-store"


def test_pages_have_no_inline_script_and_no_cdn(client: TestClient) -> None:
    import re

    for path in ("/", "/room", "/report", "/history", "/privacy"):
        html = client.get(path).text
        for tag in re.findall(r"<script[^>]*>.*?</script>", html, re.S):
            assert re.search(r'src="/', tag) and tag.endswith("></script>"), tag
        assert "http://" not in html and "https://" not in html, path
        assert re.search(r"<html lang=\"en\">", html) and '<main id="main">' in html


def test_no_cors_even_for_a_foreign_origin(client: TestClient) -> None:
    r = client.get("/api/sessions", headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers
    pre = client.options(
        "/api/sessions", headers={"origin": "https://evil.example", "access-control-request-method": "DELETE"}
    )
    assert "access-control-allow-origin" not in pre.headers
    assert pre.status_code in (401, 405)


def test_oversize_upload_is_413(client: TestClient, web_settings: Settings) -> None:
    limit = int(web_settings.server_max_upload_mb * 2**20)
    r = client.post("/api/uploads/text", content=b"a" * (limit + 1), headers={"content-type": "text/plain"})
    assert r.status_code == 413 and r.json()["error"] == "too_large"

    def chunks():  # no Content-Length: the streamed body is counted
        for _ in range(limit // 2**20 + 2):
            yield b"b" * 2**20

    r = client.post("/api/uploads/text", content=chunks(), headers={"content-type": "text/plain"})
    assert r.status_code == 413


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "PNG"),
        (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "ZIP"),
        (b"abc\x00def" * 10, "binary"),
        ("Résumé".encode("latin-1") * 5, "UTF-8"),
    ],
)
def test_bad_magic_bytes_are_415(client: TestClient, body: bytes, words: str) -> None:
    r = client.post("/api/uploads/text", content=body, headers={"content-type": "text/plain"})
    assert r.status_code == 415, r.text
    assert words in r.json()["detail"]


def test_text_upload_is_checked_by_content_not_type(client: TestClient) -> None:
    text = "Jane Doe\nBackend engineer: Python, PostgreSQL, Kubernetes.\n"
    r = client.post("/api/uploads/text", content=text.encode(), headers={"content-type": "application/pdf"})
    assert r.status_code == 200 and r.json()["text"] == text.strip()
    assert client.post("/api/uploads/text", content=b"   ").status_code == 422


def test_openapi_schema_is_served(client: TestClient, anon: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    assert schema["info"]["title"] == "Greenroom"
    for path in ("/api/interviews", "/api/sessions/{session_id}", "/api/history", "/api/uploads/text"):
        assert path in schema["paths"], path
    assert anon.get("/api/openapi.json").status_code == 200  # the schema itself holds no data


def test_validation_errors_are_json_problems(client: TestClient) -> None:
    r = client.post("/api/interviews", json={"questions": "many"})
    assert r.status_code == 422 and r.json()["error"] == "bad_input" and "questions" in r.json()["detail"]
    r = client.post("/api/interviews", json={"track": "technical", "consent": False})
    assert r.status_code == 422 and "consent" in r.json()["detail"]
    r = client.post("/api/interviews", json={"track": "astrology", "consent": True})
    assert r.status_code == 404 and "behavioral" in r.json()["detail"]
    assert client.get("/api/sessions/nope").status_code == 404
    assert client.get("/api/no-such-route").json()["error"] == "not_found"


def test_refuses_non_loopback_without_allow_remote() -> None:
    from greenroom.cli.server import serve

    with pytest.raises(ConfigError, match="Refusing to listen on 0.0.0.0"):
        serve("0.0.0.0", 0)
    with pytest.raises(ConfigError, match="--allow-remote"):
        serve("192.168.1.10", 0)


def test_remote_mode_requires_the_token_on_pages_too(web_settings: Settings) -> None:
    settings = web_settings.model_copy(update={"server_host": "0.0.0.0", "server_allow_remote": True})
    app = create_app(settings, auth=Auth(token=TOKEN))
    with TestClient(app, base_url=BASE) as c:
        assert c.get("/").status_code == 401
        assert c.get("/history").status_code == 401
        assert c.get("/", headers={"authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_browser_errors_are_html_pages_with_a_way_back_and_the_api_stays_json(anon: TestClient, auth: Auth) -> None:
    html = {"accept": "text/html,application/xhtml+xml"}
    code = auth.new_login_code()
    assert anon.get(f"/auth?code={code}", follow_redirects=False).status_code == 303
    again = anon.get(f"/auth?code={code}", headers=html, follow_redirects=False)
    assert again.status_code == 401 and again.headers["content-type"].startswith("text/html")
    assert "already used" in again.text and 'href="/"' in again.text and "{" not in again.text
    unknown = anon.get("/no-such-page", headers=html)
    assert unknown.status_code == 404 and "Page not found" in unknown.text and 'href="/"' in unknown.text
    api = anon.get("/api/no-such-route", headers=html)
    assert api.status_code in (401, 404) and api.headers["content-type"].startswith("application/")
    assert api.json()["detail"]
