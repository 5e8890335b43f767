"""Session-scoped vision models (each loads once per test session) and test-clip helpers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from greenroom.config import Settings
from greenroom.vision.backends import Analyzers, load_analyzers


@pytest.fixture(scope="session")
def vision_settings(settings: Settings) -> Settings:
    """Default vision settings (pose on, hands off, emotions off)."""
    return settings


@pytest.fixture(scope="session")
def analyzers(vision_settings: Settings) -> Iterator[Analyzers]:
    """Face mesh + detector, BlazePose and the FER classifier, loaded once."""
    a = load_analyzers(vision_settings.model_copy(update={"vision_emotion_enabled": True}))
    yield a
    a.close()


@pytest.fixture
def models(analyzers: Analyzers) -> Analyzers:
    """The default set: emotions off (they are opt-in)."""
    return Analyzers(face=analyzers.face, body=analyzers.body, emotion=None)


@pytest.fixture
def models_with_emotion(analyzers: Analyzers) -> Analyzers:
    return analyzers
