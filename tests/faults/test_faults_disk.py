"""A full disk while a session is saved: a clear error, the earlier sessions intact, and the interview's
state kept in memory so that its save succeeds once there is space. The data directory is a small tmpfs
filled to the last byte (root, as CI runs)."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from greenroom.config import Settings
from greenroom.server.app import create_app
from greenroom.server.security import Auth

from .conftest import BASE, TOKEN, fill

SETUP = {"questions": 1, "voice": False, "camera": False, "consent": True}


def test_full_disk_while_saving_loses_nothing(tmpfs: Path, model_dir: Path) -> None:
    settings = Settings(data_dir=tmpfs / "data", models_dir=model_dir, server_preload_models=False, storage_retry_s=0.2)
    headers = {"authorization": f"Bearer {TOKEN}"}
    with TestClient(create_app(settings, auth=Auth(token=TOKEN)), base_url=BASE, headers=headers) as c:
        earlier = c.post("/api/interviews", json=SETUP).json()["id"]
        current = c.post("/api/interviews", json=SETUP).json()["id"]
        session = c.portal.call(c.app.state.sessions.get, current)  # type: ignore[attr-defined, union-attr]
        filler = fill(tmpfs)

        r = c.post("/api/interviews", json=SETUP)  # a new session cannot be written: a clear error
        assert r.status_code == 503, r.text
        body = r.json()
        assert body["error"] == "storage_unavailable" and "full" in body["detail"], body

        # the interview goes on from memory: an answered turn cannot be saved yet, and is kept
        answer = "Kept through a full disk. " * 400  # large enough to need new pages
        session.turns.append({"question": "Tell me about a project.", "answer": answer, "question_id": "q1"})
        assert c.portal.call(session._save) is False  # type: ignore[union-attr]
        assert [d["code"] for d in session.degraded] == ["storage_unavailable"]
        assert session._saver.unavailable and "full" in session._saver.unavailable

        # the earlier sessions are intact and readable while the disk is full
        assert c.get(f"/api/sessions/{earlier}").status_code == 200
        assert {s["id"] for s in c.get("/api/sessions").json()} == {earlier, current}

        filler.unlink()  # space again: the retry saves the kept state
        deadline = time.monotonic() + 15
        while session._saver.unavailable is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert session._saver.unavailable is None, "the save was not retried once there was space"
        assert session.degraded == []
        data = c.get(f"/api/sessions/{current}").json()
        assert [t["answer"] for t in data["turns"]] == [answer]
        assert c.post("/api/interviews", json=SETUP).status_code == 201
