"""WebSocket fuzzing: random and truncated JSON, binary frames of the wrong size or kind, messages out of
order, and a flood above the rate limit. Each gets an `error` event (or, for the flood, a close with a
reason), and the server keeps serving another interview. Messages are drawn from a seeded generator, so
a failure replays."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

WS = "ws://127.0.0.1:8000"
VALID = [
    {"type": "hello", "voice": False, "camera": False},
    {"type": "answer_text", "text": "I would add an index."},
    {"type": "done"},
    {"type": "skip"},
    {"type": "finish"},
    {"type": "playback_done"},
    {"type": "ping"},
]


def _interview(client: TestClient) -> str:
    r = client.post("/api/interviews", json={"questions": 1, "voice": False, "camera": False, "consent": True})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _junk(rng: random.Random) -> Any:
    """A random JSON value, nested a little."""
    kind = rng.randrange(7)
    if kind == 0:
        return rng.choice([None, True, False, 0, -1, 2**70, 1e308, "", "hello"])
    if kind == 1:
        return "".join(chr(rng.randrange(1, 0x2FFF)) for _ in range(rng.randrange(20)))
    if kind == 2:
        return [_junk(rng) for _ in range(rng.randrange(3))]
    if kind == 3:  # never a valid hello: before it, every other message is refused anyway
        return {"type": rng.choice(["answer_text", "x", "", 5, None]), "text": _junk(rng)}
    if kind == 4:  # a hello with a field of the wrong type or size
        return {"type": "hello", "camera": [_junk(rng)], "mic_error": "m" * rng.choice([201, 500])}
    if kind == 5:
        return {"type": "answer_text", "text": rng.choice(["", "a" * 20001, 7, None])}
    return {str(_junk(rng))[:10]: _junk(rng) for _ in range(rng.randrange(3))}


def text_cases(seed: int, n: int) -> list[str]:
    """Random JSON that the protocol refuses, and valid messages cut short."""
    rng = random.Random(seed)
    out: list[str] = []
    for _ in range(n):
        if rng.random() < 0.5:
            whole = json.dumps(rng.choice(VALID))
            out.append(whole[: rng.randrange(1, len(whole))])  # truncated
        else:
            out.append(json.dumps(_junk(rng)))
    return out


def binary_cases(max_bytes: int) -> list[bytes]:
    return [
        b"",  # empty
        b"\x07abc",  # unknown tag
        b"\x01\x00\x00\x00",  # audio: 3 bytes = one and a half 16-bit samples
        b"\x02not a jpeg",
        b"\x02" + b"\xff" * (max_bytes + 1),  # too big
    ]


def next_event(ws: Any) -> dict[str, Any]:
    ev = ws.receive_json()
    assert isinstance(ev, dict) and "type" in ev
    return dict(ev)


def test_random_truncated_and_binary_messages_each_get_an_error(client: TestClient) -> None:
    sid = _interview(client)
    max_bytes = client.app.state.settings.server_max_ws_frame_kb * 1024  # type: ignore[attr-defined]
    with client.websocket_connect(f"{WS}/api/interviews/{sid}/live") as ws:
        for raw in text_cases(seed=17, n=40):
            if raw == '{"type": "ping"}':
                continue
            ws.send_text(raw)
            ev = next_event(ws)
            assert ev["type"] == "error" and not ev["fatal"] and ev["detail"], (raw, ev)
        for data in binary_cases(max_bytes):
            ws.send_bytes(data)
            ev = next_event(ws)
            assert ev["type"] == "error" and ev["code"] == "bad_input", (data[:8], ev)
        for msg in VALID[1:6]:  # everything but hello and ping, before hello: out of order
            ws.send_text(json.dumps(msg))
            ev = next_event(ws)
            assert ev["type"] == "error" and "hello" in ev["detail"], (msg, ev)
        ws.send_text('{"type": "ping"}')
        assert next_event(ws) == {"type": "pong"}  # the socket still answers


def test_a_flood_is_closed_with_a_reason_and_other_interviews_go_on(client: TestClient) -> None:
    flooded, other = _interview(client), _interview(client)
    rate = client.app.state.settings.server_ws_max_messages_per_s  # type: ignore[attr-defined]
    with client.websocket_connect(f"{WS}/api/interviews/{other}/live") as calm:
        with client.websocket_connect(f"{WS}/api/interviews/{flooded}/live") as ws:
            n = int(rate * 4)
            for _ in range(n):
                ws.send_text('{"type": "ping"}')
            events: list[dict[str, Any]] = []
            with pytest.raises(WebSocketDisconnect) as closed:
                for _ in range(n + 1):
                    events.append(next_event(ws))
            assert closed.value.code == 1008 and closed.value.reason == "too many messages"
            assert events[-1]["type"] == "error" and events[-1]["code"] == "rate_limited" and events[-1]["fatal"]
            assert sum(e["type"] == "pong" for e in events) < n  # the flood was cut short
        calm.send_text('{"type": "ping"}')
        assert next_event(calm) == {"type": "pong"}
    assert client.get("/api/sessions").status_code == 200
    with client.websocket_connect(f"{WS}/api/interviews/{flooded}/live") as again:  # a new socket is served
        again.send_text('{"type": "ping"}')
        assert next_event(again) == {"type": "pong"}
