"""Web app fixtures: an app on a fresh data directory with a known token, and an authorised client.

Browser tests (marked `browser`) start a real `greenroom serve`-equivalent uvicorn server in a thread and
drive Debian's Chromium through pip playwright (see `browser.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from greenroom.config import Settings
from greenroom.server.app import create_app
from greenroom.server.security import Auth

TOKEN = "test-token-0123456789"
BASE = "http://127.0.0.1:8000"


@pytest.fixture
def web_settings(tmp_path: Path, model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("GREENROOM_CONFIG_FILE", str(tmp_path / "config.toml"))
    return Settings(data_dir=tmp_path / "data", models_dir=model_dir, server_preload_models=False)


@pytest.fixture
def auth() -> Auth:
    return Auth(token=TOKEN)


@pytest.fixture
def client(web_settings: Settings, auth: Auth) -> Iterator[TestClient]:
    """Signed in with the Bearer token."""
    app = create_app(web_settings, auth=auth)
    with TestClient(app, base_url=BASE, headers={"authorization": f"Bearer {TOKEN}"}) as c:
        yield c


@pytest.fixture
def anon(web_settings: Settings, auth: Auth) -> Iterator[TestClient]:
    """No token."""
    app = create_app(web_settings, auth=auth)
    with TestClient(app, base_url=BASE) as c:
        yield c
