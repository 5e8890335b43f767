"""Privacy fixtures: the PII detector (spaCy + presidio) loads once per test session."""

from __future__ import annotations

import pytest

from greenroom.privacy.pii import PiiDetector, get_detector


@pytest.fixture(scope="session")
def detector() -> PiiDetector:
    return get_detector()
