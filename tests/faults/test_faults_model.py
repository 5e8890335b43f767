"""The model file deleted or truncated while the server runs: a request that needs the model fails with a
clear error naming the file and how to restore it, and the server recovers once the file is back, with no
restart. Works on a COPY of the packaged 0.5B model in a temporary models folder (the shared model cache is
never touched)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from greenroom.config import Settings
from greenroom.llm.base import user
from greenroom.llm.presets import QWEN_0_5B
from greenroom.modelstore import ModelStore
from greenroom.server.app import create_app
from greenroom.server.security import Auth

from .conftest import BASE, TOKEN

pytestmark = pytest.mark.slow
JOB = "Backend engineer: Python services, PostgreSQL tuning and on-call for payment APIs."


def test_model_file_deleted_or_truncated_while_serving(tmp_path: Path, model_dir: Path) -> None:
    packaged = ModelStore(model_dir).ensure(QWEN_0_5B)
    models = tmp_path / "models"
    models.mkdir()
    gguf = models / packaged.name
    shutil.copyfile(packaged, gguf)
    settings = Settings(
        data_dir=tmp_path / "data",
        models_dir=models,
        llm_model_path=gguf,
        llm_preset="qwen2.5-coder-0.5b",
        server_preload_models=False,
        llm_max_tokens=64,
    )
    setup = {"questions": 1, "voice": False, "camera": False, "consent": True, "job_description": JOB}
    headers = {"authorization": f"Bearer {TOKEN}"}
    with TestClient(create_app(settings, auth=Auth(token=TOKEN)), base_url=BASE, headers=headers) as c:
        os.truncate(gguf, gguf.stat().st_size // 3)  # truncated under the running server
        r = c.post("/api/interviews", json=setup)
        assert r.status_code == 503, r.text
        body = r.json()
        assert body["error"] == "model_corrupt" and str(gguf) in body["detail"], body
        assert "truncated" in body["detail"] and "models fetch" in body["hint"], body

        gguf.unlink()  # deleted
        r = c.post("/api/interviews", json=setup)
        assert r.status_code == 503 and r.json()["error"] == "model_not_available", r.text
        assert str(gguf) in r.json()["detail"]
        assert c.post("/api/interviews", json={**setup, "job_description": ""}).status_code == 201  # no LLM needed

        shutil.copyfile(packaged, gguf)  # restored: the same server recovers, no restart
        resources = c.app.state.resources  # type: ignore[attr-defined]
        llm = resources.try_load("llm")  # what the next request that needs the model does first
        assert llm is not None, resources.errors
        assert llm.complete([user("Reply with the word OK.")], max_tokens=3, temperature=0.0).strip()
        status = c.get("/api/status").json()
        assert status["loaded"]["llm"] is True and "llm" not in status["errors"], status
