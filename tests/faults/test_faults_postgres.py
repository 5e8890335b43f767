"""PostgreSQL stopped in the middle of an interview, then started again: the interview goes on, its saves
are retried, the page is told storage is unavailable (and when it is back), and nothing is lost.

A real typed interview over the socket, with the real server stopped as a crash would stop it. Follow-ups
and the LLM rubric are off so that no LLM call is needed (the embeddings grade); the voice speaks."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pg_testserver import PgServer

from greenroom.config import Settings
from greenroom.server.app import create_app
from greenroom.server.security import Auth

from .conftest import BASE, TOKEN, WS, answer, until

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
ANSWERS = [
    "A process has its own memory space while threads share the memory of their process, so threads are "
    "cheaper to create but need locks around shared data.",
    "I would add an index on the filtered column and check the query plan with EXPLAIN.",
]
_n = itertools.count()


def test_postgres_stopped_mid_interview_loses_nothing(pg_server: PgServer, tmp_path: Path, model_dir: Path) -> None:
    pg = pg_server
    url = pg.create_database(f"greenroom_fault_{next(_n)}")
    settings = Settings(
        data_dir=tmp_path / "data",
        models_dir=model_dir,
        database_url=url,
        server_preload_models=False,
        interview_max_follow_ups=0,
        interview_rubric=False,
        llm_preset="qwen2.5-coder-0.5b",  # loaded by the session, never asked: the smaller one loads faster
        storage_retry_s=0.3,
    )
    headers = {"authorization": f"Bearer {TOKEN}"}
    seen: list[dict[str, Any]] = []
    with TestClient(create_app(settings, auth=Auth(token=TOKEN)), base_url=BASE, headers=headers) as c:
        r = c.post("/api/interviews", json={"questions": 2, "voice": False, "camera": False, "consent": True})
        sid = r.json()["id"]
        with c.websocket_connect(f"{WS}/api/interviews/{sid}/live") as ws:
            ws.send_json({"type": "hello", "voice": False, "camera": False})
            until(ws, "ready", seen)
            until(ws, "question", seen)
            pg.halt()
            try:
                q2 = answer(ws, ANSWERS[0], seen)  # the interview goes on without its database
                assert q2["index"] == 1 and not q2["done"]
                down = [e for e in seen if e["type"] == "storage"]
                assert down and down[0]["ok"] is False and "unavailable" in down[0]["detail"], down
                assert c.get("/api/sessions").status_code == 503  # the API says so too, as JSON
            finally:
                pg.resume()
            back = until(ws, "storage", seen)  # the retry succeeds once the server is back
            assert back["ok"] is True
            closing = answer(ws, ANSWERS[1], seen)
            assert closing["done"] is True
            assert until(ws, "finished", seen)["session_id"] == sid
        data = c.get(f"/api/sessions/{sid}").json()
        assert [t["answer"] for t in data["turns"]] == ANSWERS
        assert data["report"] is not None and data["meta"]["status"] == "done"
