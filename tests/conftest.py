"""Shared test fixtures: isolated settings per test session, with the real packaged-model cache.

Each concern's tests live in their own folder (tests/llm, tests/speech, ...) with their own conftest
for the heavy, session-scoped model fixtures: each model loads once per test session.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# Apps and sessions in tests run their models in the test process (session-scoped fixtures): no pool
# workers, whose spawn and model load per app would slow the suite. tests/serving selects the pool itself.
os.environ.setdefault("GREENROOM_SERVING_ENGINE", "single")
# The LLM runs on every core in tests, as it did before `llm_threads` defaulted to all cores but one (that
# default leaves a core to a live room's ASR and VAD; most tests grade with no live audio beside them). On 2
# cores it halves the rubric calls' time, which are most of the suite's. tests/test_config.py checks the default.
os.environ.setdefault("GREENROOM_LLM_THREADS", str(os.cpu_count() or 1))

from greenroom.config import Settings, default_data_dir  # noqa: E402

#: Where `make test`'s setup assembled the packaged models (shared, read-only for tests).
MODEL_DIR = Path(os.environ.get("GREENROOM_MODELS_DIR") or default_data_dir() / "models")


@pytest.fixture(scope="session")
def model_dir() -> Path:
    return MODEL_DIR


@pytest.fixture(scope="session")
def embedder() -> Any:
    """The real MiniLM sentence embedder, loaded and warmed once for the whole test session."""
    from greenroom.embeddings import get_embedder

    emb = get_embedder()
    emb.encode(["warm up"])
    return emb


@pytest.fixture(scope="session")
def session_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("greenroom-data")


@pytest.fixture(scope="session")
def settings(session_data_dir: Path) -> Settings:
    """Settings for the whole test session: a temporary data dir, the real model cache."""
    return Settings(data_dir=session_data_dir, models_dir=MODEL_DIR)


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    """A fresh, empty data directory for one test."""
    d = tmp_path / "data"
    d.mkdir()
    yield d
