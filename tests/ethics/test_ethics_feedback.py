"""The feedback guard on the real MiniLM model."""

from __future__ import annotations

from typing import Any

import pytest

from greenroom.errors import InputError
from greenroom.ethics import evaluation
from greenroom.ethics.feedback import ADVICE, load_feedback_labelled

pytestmark = pytest.mark.slow


def test_labelled_feedback_figures(feedback_guard: Any) -> None:
    items = load_feedback_labelled()
    verdicts = [feedback_guard.check(it.text) for it in items]
    fig = evaluation.figures(items, [(v.allowed, v.category) for v in verdicts])
    assert fig.n_improper >= 15 and fig.n_proper >= 13
    assert fig.recall >= 0.95, fig.missed
    assert fig.false_block_rate == 0.0, fig.false_blocks


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Good structure, but you should work on your accent.", "identity"),
        ("As a woman, you should speak up more.", "stereotype"),
        ("That was an idiotic answer.", "demeaning"),
        ("Nice use of numbers. You would look more professional if you lost some weight.", "identity"),
    ],
)
def test_blocks_feedback_about_the_person(feedback_guard: Any, text: str, category: str) -> None:
    v = feedback_guard.check(text)
    assert not v.allowed and v.category == category and v.lawful_variant == ADVICE


@pytest.mark.parametrize(
    "text",
    [
        "You spoke quickly; slow down and pause between points.",
        "Cut filler words like um and you know.",
        "Keep eye contact with the camera when you state the result.",
        "Your answer missed cache invalidation; mention TTLs and write-through.",
        "Mention lazy loading and code splitting to reduce bundle size.",
    ],
)
def test_allows_feedback_about_the_answer_and_delivery(feedback_guard: Any, text: str) -> None:
    v = feedback_guard.check(text)
    assert v.allowed, v.reason


def test_bad_input(feedback_guard: Any) -> None:
    with pytest.raises(InputError):
        feedback_guard.check("<p></p>")
    assert feedback_guard.check("Habla más despacio y mira a la cámara por favor.").category == "unsupported_language"
