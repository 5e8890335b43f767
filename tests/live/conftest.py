"""Live stage fixtures: the real Whisper transcriber and the real anonymiser, each loaded once."""

from __future__ import annotations

from typing import Any

import pytest

from greenroom.config import Settings


@pytest.fixture(scope="session")
def transcriber(settings: Settings) -> Any:
    from greenroom.speech.asr import create_transcriber

    t = create_transcriber(settings)
    getattr(t, "load", lambda: None)()
    return t


@pytest.fixture(scope="session")
def anonymize() -> Any:
    from greenroom.privacy.pii import Anonymizer

    return Anonymizer().anonymize


@pytest.fixture(scope="session")
def bank(settings: Settings) -> Any:
    from greenroom.interview.bank import QuestionBank

    return QuestionBank.load(settings)
