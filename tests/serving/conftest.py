"""Serving fixtures: one real local pool of the small packaged model (qwen2.5-coder-0.5b) per session.

Workers are real processes running llama.cpp with one thread each; prompts are a few tokens long.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from greenroom.config import Settings
from greenroom.llm.base import Message, user
from greenroom.serving.pool import LocalPool

SMALL = "qwen2.5-coder-0.5b"
PROMPT: list[Message] = [user("Say hi.")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(cond: Callable[[], bool], timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def pool_settings(data_dir: Path, model_dir: Path, **extra: object) -> Settings:
    base: dict[str, object] = {
        "data_dir": data_dir,
        "models_dir": model_dir,
        "llm_preset": SMALL,
        "llm_max_tokens": 6,
        "llm_context_size": 512,
        "serving_engine": "pool",
        "serving_min_workers": 2,
        "serving_max_workers": 3,
        "serving_upscale_delay_s": 0.5,
        "serving_downscale_delay_s": 3600.0,
        "serving_request_timeout_s": 60.0,
        "serving_ping_timeout_s": 3.0,
        "serving_health_interval_s": 0.2,
    }
    base.update(extra)
    return Settings(**base)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def pool(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Iterator[LocalPool]:
    p = LocalPool(pool_settings(tmp_path_factory.mktemp("pool"), model_dir))
    p.start(timeout=120)
    yield p
    p.close()
