"""The app with `serving_engine = "pool"` (the default): the server answers at once and says the model is
loading until a worker is ready; a lone worker runs on every core; the interviewer's model is the pool
behind the same `ChatModel` protocol; /api/status and /metrics show the workers; a missing model file is
the labelled degraded mode, not a crash."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.serving.conftest import PROMPT, pool_settings, wait_for

from greenroom.config import Settings
from greenroom.llm.base import ChatModel
from greenroom.server.app import create_app
from greenroom.server.security import Auth

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]  # a hang fails here, not at the end of CI
TOKEN = "pool-token-0123456789"


def _codes(c: TestClient) -> list[str]:
    return [d["code"] for d in c.get("/api/status").json()["degraded"]]


def test_the_app_runs_its_models_on_the_pool(tmp_path: Path, model_dir: Path) -> None:
    assert Settings.model_fields["serving_engine"].default == "pool"
    settings = pool_settings(
        tmp_path,
        model_dir,
        serving_min_workers=1,
        serving_max_workers=2,
        serving_upscale_delay_s=600.0,  # one worker here: its threads are the point
        server_preload_models=False,
    )
    app = create_app(settings, auth=Auth(token=TOKEN))
    with TestClient(app, base_url="http://127.0.0.1:8000", headers={"authorization": f"Bearer {TOKEN}"}) as c:
        resources = app.state.resources
        assert resources.engine.status()["ready"] == 0  # the server answers before the worker has loaded...
        assert "llm_loading" in _codes(c)  # ...and says so
        wait_for(lambda: resources.engine.status()["ready"] == 1, 120, "the worker")
        assert "llm_loading" not in _codes(c)
        cores = os.cpu_count() or 1
        assert resources.engine.status()["threads_per_worker"] == cores  # alone, it has every core
        worker = resources.engine._workers[resources.engine.worker_ids()[0]]  # noqa: SLF001
        wait_for(lambda: worker.info.get("threads") == cores, 10, "the worker to report its threads")
        llm = resources.interviewer_llm()
        assert isinstance(llm, ChatModel)
        assert llm.complete(PROMPT).strip()
        assert resources.llm() is not None and resources._llm.__class__.__name__ == "PoolChatModel"  # noqa: SLF001
        serving = c.get("/api/status").json()["serving"]
        assert serving["engine"] == "pool" and serving["ready"] == 1
        text = c.get("/metrics").text
        assert "greenroom_workers 1.0" in text
        assert 'greenroom_stage_latency_seconds_count{stage="llm_total"}' in text
    assert resources.engine.status()["workers"] == 0  # closed with the app


def test_a_missing_model_is_the_labelled_degraded_mode(tmp_path: Path, model_dir: Path) -> None:
    missing = tmp_path / "gone.gguf"
    settings = pool_settings(tmp_path, model_dir, serving_min_workers=1, serving_max_workers=2, llm_model_path=missing)
    setup = {"questions": 1, "voice": False, "camera": False, "consent": True, "job_description": "Python backend."}
    app = create_app(settings, auth=Auth(token=TOKEN))
    with TestClient(app, base_url="http://127.0.0.1:8000", headers={"authorization": f"Bearer {TOKEN}"}) as c:
        wait_for(lambda: app.state.resources.engine.status()["load_error"] is not None, 60, "the worker to fail")
        r = c.post("/api/interviews", json=setup)  # needs the LLM (tailoring to the job)
        assert r.status_code == 503 and r.json()["error"] == "model_not_available", r.text
        assert str(missing) in r.json()["detail"]
        status = c.get("/api/status").json()
        note = next(d for d in status["degraded"] if d["code"] == "no_llm")
        assert str(missing) in note["detail"]
        assert c.post("/api/interviews", json={**setup, "job_description": ""}).status_code == 201  # no LLM needed
