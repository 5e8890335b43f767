"""A full disk while a session is saved: a clear error, the earlier sessions intact, and the interview's
state kept in memory so that its save succeeds once there is space. The data directory is a small tmpfs
filled to the last byte (root, as CI runs)."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from greenroom.config import Settings
from greenroom.live.saver import RetryingSaver
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
        store = c.app.state.store  # type: ignore[attr-defined]
        filler = fill(tmpfs)

        r = c.post("/api/interviews", json=SETUP)  # a new session cannot be written: a clear error
        assert r.status_code == 503, r.text
        body = r.json()
        assert body["error"] == "storage_unavailable" and "full" in body["detail"], body

        # the interview goes on from memory: its newest state cannot be saved yet, and is kept and retried
        # (the live session's saver, on the real store; tests/faults/test_faults_postgres.py drives it live)
        answer = "Kept through a full disk. " * 400  # large enough to need new pages
        turn = {"question_id": "q1", "kind": "question", "question": "Tell me about a project.", "answer": answer}
        resume = {"phase": "speaking", "current": {"text": "Next question?", "kind": "question", "done": False}}
        told: list[tuple[bool, str]] = []

        async def notify(ok: bool, detail: str) -> None:
            told.append((ok, detail))

        saver = RetryingSaver(
            lambda: lambda: store.save_progress(current, resume, {0: turn}), lambda call: call(), notify, retry_s=0.2
        )
        assert c.portal.call(saver.save) is False
        assert told and told[0][0] is False and "full" in told[0][1], told
        assert saver.unavailable and "full" in saver.unavailable

        # the earlier sessions are intact and readable while the disk is full
        assert c.get(f"/api/sessions/{earlier}").status_code == 200
        assert {s["id"] for s in c.get("/api/sessions").json()} == {earlier, current}

        filler.unlink()  # space again: the retry saves the kept state
        deadline = time.monotonic() + 15
        while saver.unavailable is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert saver.unavailable is None, "the save was not retried once there was space"
        assert told[-1][0] is True
        assert store.load_resume(current) == resume
        assert [t["answer"] for t in store.get_session(current)["turns"]] == [answer]
        assert c.post("/api/interviews", json=SETUP).status_code == 201
