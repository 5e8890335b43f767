"""Ethics: a guard on every generated question and piece of feedback, and fairness checks of grading.

- `guard.QuestionGuard`: blocks improper interview questions (EEOC categories), suggests lawful variants.
- `feedback.FeedbackGuard`: blocks demeaning, stereotyped or identity-based feedback.
- `regenerate.guarded_generate`: regenerate a blocked text up to N times, then fall back to a bank text.
- `fairness`: counterfactual grading across demographic cues; `reliability`: the grader-reliability report.

Importing this package is cheap: the embedding model loads on a guard's first check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from greenroom.ethics.base import GuardVerdict, TextGuard
from greenroom.registry import Registry

#: Guards by name: a factory taking an optional embedder.
GUARDS: Registry[Callable[..., TextGuard]] = Registry("guard")


def _question_guard(embedder: Any | None = None) -> TextGuard:
    from greenroom.ethics.guard import QuestionGuard

    return QuestionGuard(embedder)


def _feedback_guard(embedder: Any | None = None) -> TextGuard:
    from greenroom.ethics.feedback import FeedbackGuard

    return FeedbackGuard(embedder)


GUARDS.register("question", _question_guard)
GUARDS.register("feedback", _feedback_guard)

__all__ = ["GUARDS", "GuardVerdict", "TextGuard"]
