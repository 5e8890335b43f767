"""The live WebSocket's defences: the token, our own origin only, malformed and oversized messages answered
with an `error` event while the socket and the server keep serving."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from .conftest import TOKEN

WS = "ws://127.0.0.1:8000"


def _interview(client: TestClient) -> str:
    r = client.post("/api/interviews", json={"track": "technical", "questions": 1, "consent": True})
    assert r.status_code == 201
    return str(r.json()["id"])


def test_socket_needs_the_token(client: TestClient, anon: TestClient) -> None:
    sid = _interview(client)
    with pytest.raises(WebSocketDisconnect) as exc:
        with anon.websocket_connect(f"{WS}/api/interviews/{sid}/live") as ws:
            ws.receive_json()
    assert exc.value.code == 1008 and exc.value.reason == "token required"


def test_socket_refuses_a_foreign_origin(client: TestClient) -> None:
    sid = _interview(client)
    with pytest.raises(WebSocketDisconnect) as exc:
        with client.websocket_connect(
            f"{WS}/api/interviews/{sid}/live", headers={"origin": "http://evil.example"}
        ) as ws:
            ws.receive_json()
    assert exc.value.code == 1008 and exc.value.reason == "bad origin"


def test_socket_refuses_a_foreign_host(client: TestClient) -> None:
    sid = _interview(client)
    with pytest.raises(WebSocketDisconnect) as exc:
        with client.websocket_connect(f"ws://evil.example:8000/api/interviews/{sid}/live") as ws:
            ws.receive_json()
    assert exc.value.code == 1008 and exc.value.reason == "bad host"


def test_unknown_interview_gets_a_fatal_error(client: TestClient) -> None:
    with client.websocket_connect(f"{WS}/api/interviews/nope/live") as ws:
        ev = ws.receive_json()
    assert ev["type"] == "error" and ev["fatal"] and ev["code"] == "not_found"


def test_malformed_messages_get_error_events_and_the_server_keeps_serving(client: TestClient) -> None:
    sid = _interview(client)
    with client.websocket_connect(f"{WS}/api/interviews/{sid}/live", headers={"origin": "http://127.0.0.1:8000"}) as ws:
        ws.send_text("this is not json")
        ev = ws.receive_json()
        assert ev == {"type": "error", "code": "bad_input", "detail": "The message is not valid JSON.", "fatal": False}
        ws.send_text('["a list"]')
        assert "JSON object" in ws.receive_json()["detail"]
        ws.send_text('{"type": "launch_missiles"}')
        assert ws.receive_json()["type"] == "error"
        ws.send_text('{"type": "answer_text"}')
        ev = ws.receive_json()
        assert ev["type"] == "error" and "text" in ev["detail"]
        ws.send_bytes(b"\x02" + b"\xff" * (600 * 1024))  # over server_max_ws_frame_kb
        assert "over 512 KiB" in ws.receive_json()["detail"]
        ws.send_text('{"type": "done"}')  # before hello
        assert "hello" in ws.receive_json()["detail"]
        ws.send_text('{"type": "ping"}')
        assert ws.receive_json() == {"type": "pong"}  # the same socket still answers
        assert client.get("/api/sessions").status_code == 200  # and so does the server
    with client.websocket_connect(f"{WS}/api/interviews/{sid}/live") as ws2:
        ws2.send_text('{"type": "ping"}')
        assert ws2.receive_json() == {"type": "pong"}


def test_bearer_token_also_works_for_the_socket(anon: TestClient, client: TestClient) -> None:
    sid = _interview(client)
    with anon.websocket_connect(f"{WS}/api/interviews/{sid}/live", headers={"authorization": f"Bearer {TOKEN}"}) as ws:
        ws.send_text('{"type": "ping"}')
        assert ws.receive_json() == {"type": "pong"}


def test_calibration_messages_parse_and_bad_actions_are_refused() -> None:
    from greenroom.errors import InputError
    from greenroom.live import protocol as p

    assert p.parse_client_message('{"type": "hello", "calibrate": true}').calibrate is True
    assert p.parse_client_message('{"type": "hello"}').calibrate is False
    for action in ("start", "end", "skip"):
        assert p.parse_client_message(f'{{"type": "calibrate", "action": "{action}"}}').action == action
    with pytest.raises(InputError, match="calibrate"):
        p.parse_client_message('{"type": "calibrate", "action": "forever"}')
