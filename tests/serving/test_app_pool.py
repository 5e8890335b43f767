"""The app with `serving_engine = "pool"`: the lifespan starts the pool, the interviewer's model is the
pool behind the same `ChatModel` protocol, and /api/status and /metrics show the workers."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.serving.conftest import PROMPT, pool_settings

from greenroom.llm.base import ChatModel
from greenroom.server.app import create_app
from greenroom.server.security import Auth

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]  # a hang fails here, not at the end of CI
TOKEN = "pool-token-0123456789"


def test_the_app_runs_its_models_on_the_pool(tmp_path: Path, model_dir: Path) -> None:
    settings = pool_settings(
        tmp_path, model_dir, serving_min_workers=1, serving_max_workers=1, server_preload_models=False
    )
    app = create_app(settings, auth=Auth(token=TOKEN))
    with TestClient(app, base_url="http://127.0.0.1:8000", headers={"authorization": f"Bearer {TOKEN}"}) as c:
        resources = app.state.resources
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
