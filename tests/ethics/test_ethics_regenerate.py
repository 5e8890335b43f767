"""Regenerate-then-fallback with the real question guard; events counted, never the text."""

from __future__ import annotations

from typing import Any

import pytest

from greenroom.ethics.base import GuardVerdict
from greenroom.ethics.events import GuardMetrics
from greenroom.ethics.regenerate import GuardFallbackError, guarded_generate

pytestmark = pytest.mark.slow

BANK_QUESTION = "Tell me about a project you are proud of."


class Script:
    """Returns scripted generations in turn and remembers the verdicts it was handed."""

    def __init__(self, *texts: str) -> None:
        self.texts = list(texts)
        self.seen: list[GuardVerdict | None] = []

    def __call__(self, attempt: int, previous: GuardVerdict | None) -> str:
        self.seen.append(previous)
        return self.texts[attempt]


def test_first_allowed_generation_is_used(question_guard: Any) -> None:
    m = GuardMetrics()
    out = guarded_generate(Script("How would you design a cache?"), question_guard, lambda: BANK_QUESTION, metrics=m)
    assert out.source == "generated" and out.attempts == 1 and not out.degraded
    assert out.text == "How would you design a cache?"
    assert m.count() == 0


def test_blocked_generation_is_regenerated_with_the_verdict(question_guard: Any) -> None:
    m = GuardMetrics()
    script = Script("How old will you be next year?", "Are you at least 18 years old?")
    out = guarded_generate(script, question_guard, lambda: BANK_QUESTION, max_tries=2, metrics=m)
    assert out.source == "generated" and out.attempts == 2
    assert out.text == "Are you at least 18 years old?"
    assert out.blocked == ["age"]
    assert script.seen[0] is None
    assert script.seen[1] is not None and script.seen[1].category == "age"
    assert m.count(action="regenerated", category="age") == 1


def test_falls_back_to_the_bank_after_n_tries(question_guard: Any) -> None:
    m = GuardMetrics()
    script = Script("Are you married?", "Do you have kids?", "Who minds your children?")
    out = guarded_generate(script, question_guard, lambda: BANK_QUESTION, max_tries=2, metrics=m)
    assert out.source == "fallback" and out.degraded
    assert out.text == BANK_QUESTION and out.verdict.allowed
    assert out.blocked == ["family_status"] * 3
    assert m.count(action="fallback") == 1
    assert m.count(action="regenerated") == 2
    assert all(set(e.to_dict()) == {"guard", "category", "action", "timestamp"} for e in m.events())


def test_empty_generation_counts_as_a_failed_attempt(question_guard: Any) -> None:
    out = guarded_generate(
        Script("", "What is a closure?"), question_guard, lambda: BANK_QUESTION, metrics=GuardMetrics()
    )
    assert out.source == "generated" and out.attempts == 2 and out.blocked == ["invalid_text"]


def test_an_improper_fallback_is_a_clear_error(question_guard: Any) -> None:
    with pytest.raises(GuardFallbackError, match="fallback"):
        guarded_generate(Script("Are you pregnant?"), question_guard, lambda: "Are you pregnant?", max_tries=0)
