"""Session-scoped fixtures of the ethics tests: the real MiniLM embedder and the two guards, loaded once."""

from __future__ import annotations

from typing import Any

import pytest

from greenroom.ethics.events import GuardMetrics


@pytest.fixture(scope="session")
def question_guard(embedder: Any) -> Any:
    from greenroom.ethics.guard import QuestionGuard

    return QuestionGuard(embedder, metrics=GuardMetrics())


@pytest.fixture(scope="session")
def feedback_guard(embedder: Any) -> Any:
    from greenroom.ethics.feedback import FeedbackGuard

    return FeedbackGuard(embedder, metrics=GuardMetrics())


@pytest.fixture
def fresh_question_guard(question_guard: Any) -> Any:
    """The session guard with fresh counters (shares the loaded model and exemplar vectors)."""
    question_guard.metrics = GuardMetrics()
    return question_guard
