"""A live interview survives a closed socket (also one closed while listening) and a server restart: the state
saved after each turn is resumed, the current question is asked again after a short "welcome back" and listening
starts again, and the report covers every answer. Real models (slow)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from greenroom.config import Settings
from greenroom.server.app import create_app
from greenroom.server.security import Auth
from greenroom.storage.schema import SPECS, violations

from .conftest import BASE, TOKEN

pytestmark = pytest.mark.slow
WS = "ws://127.0.0.1:8000"
ANSWERS = [
    "A process has its own memory space while threads share the memory of their process, so threads are "
    "cheaper to create but need locks around shared data.",
    "I would add an index on the filtered column and check the query plan with EXPLAIN.",
]


def until(ws: Any, kind: str, seen: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Read events (skipping audio frames) until one of `kind`; fail on an error event."""
    for _ in range(2000):
        msg = ws.receive()
        if msg.get("text") is None:
            continue
        import json

        ev = json.loads(msg["text"])
        if seen is not None:
            seen.append(ev)
        assert ev["type"] != "error", ev
        if ev["type"] == kind:
            return dict(ev)
    raise AssertionError(f"no {kind} event")


def hello(ws: Any) -> dict[str, Any]:
    ws.send_json({"type": "hello", "voice": False, "camera": False})
    return until(ws, "ready")


def answer(ws: Any, text: str) -> dict[str, Any]:
    until(ws, "audio_end")
    ws.send_json({"type": "playback_done"})
    until(ws, "listening")
    ws.send_json({"type": "answer_text", "text": text})
    return until(ws, "question")


def test_reconnect_and_server_restart_resume(web_settings: Settings) -> None:
    settings = web_settings.model_copy(update={"interview_max_follow_ups": 0})
    headers = {"authorization": f"Bearer {TOKEN}"}
    with TestClient(create_app(settings, auth=Auth(token=TOKEN)), base_url=BASE, headers=headers) as c:
        r = c.post("/api/interviews", json={"questions": 2, "voice": False, "camera": False, "consent": True})
        sid = r.json()["id"]
        with c.websocket_connect(f"{WS}/api/interviews/{sid}/live") as ws:
            ready = hello(ws)
            assert ready["resumed"] is False and ready["total"] == 2
            q1 = until(ws, "question")
            q2 = answer(ws, ANSWERS[0])
            assert q2["text"] != q1["text"] and q2["index"] == 1
        # the socket closed mid-interview: a new one resumes at question 2, with a short welcome back
        with c.websocket_connect(f"{WS}/api/interviews/{sid}/live") as ws:
            ready = hello(ws)
            assert ready["resumed"] is True and [t["a"] for t in ready["transcript"]] == [ANSWERS[0]]
            assert ready["max_text_chars"] == 20000
            again = until(ws, "question")
            assert again["again"] is True and again["text"].startswith("Welcome back. ")
            assert again["text"].removeprefix("Welcome back. ") in q2["text"]
            until(ws, "audio_end")
            ws.send_json({"type": "playback_done"})
            until(ws, "listening")
        store = c.app.state.store  # type: ignore[attr-defined]
        assert store.load_resume(sid)["phase"] == "speaking"  # the resume state, in its own column
        assert [t["answer"] for t in store.export_session(sid)["sessions"][0]["turns"]] == ANSWERS[:1]
        # closed while listening (a reload): the replayed question is followed by listening again
        with c.websocket_connect(f"{WS}/api/interviews/{sid}/live") as ws:
            ready = hello(ws)
            assert ready["phase"] == "speaking"
            again = until(ws, "question")
            assert again["text"].startswith("Welcome back. ")
            until(ws, "audio_end")
            ws.send_json({"type": "playback_done"})
            until(ws, "listening")
    # the server stopped; a new server process on the same data resumes too
    with TestClient(create_app(settings, auth=Auth(token=TOKEN)), base_url=BASE, headers=headers) as c:
        with c.websocket_connect(f"{WS}/api/interviews/{sid}/live") as ws:
            ready = hello(ws)
            assert ready["resumed"] is True and ready["index"] == 1
            again = until(ws, "question")
            assert again["text"].removeprefix("Welcome back. ") in q2["text"]
            closing = answer(ws, ANSWERS[1])
            assert closing["done"] is True
            finished = until(ws, "finished")
            assert finished["session_id"] == sid
        data = c.get(f"/api/sessions/{sid}").json()
        assert [t["answer"] for t in data["turns"]] == ANSWERS
        assert all(isinstance(t["grade"]["technical_score"], float) for t in data["turns"])
        assert data["report"]["technical_score"] is not None and data["meta"]["status"] == "done"
        assert data["report"]["overall"]["answered"] == 2
        # what is on disk: only allow-listed fields, each turn once, and no resume state after the finish
        store = c.app.state.store  # type: ignore[attr-defined]
        assert store.load_resume(sid) is None
        docs = store.stored_documents()
        bad = {kind: violations(doc, SPECS[kind]) for kind, items in docs.items() for doc in items}
        assert not any(bad.values()), bad
        assert "resume" not in docs and sorted(t["answer"] for t in docs["turn"]) == sorted(ANSWERS)
        exported = store.export_session(sid)["sessions"][0]
        assert [t["answer"] for t in exported["turns"]] == ANSWERS and "turns_done" not in str(exported)
