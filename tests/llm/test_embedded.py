"""The embedded model really generates: an interviewer question (streamed) and a valid structured object."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field

from greenroom.llm.base import ChatModel, system, user

pytestmark = pytest.mark.slow


class QuestionIdea(BaseModel):
    topic: str
    question: str
    difficulty: int = Field(ge=1, le=5)


def test_streams_an_interview_question(embedded_model: ChatModel) -> None:
    msgs = [
        system("You are a job interviewer. Ask exactly one short technical interview question."),
        user("Ask a question about Python dictionaries."),
    ]
    pieces = list(embedded_model.stream(msgs, max_tokens=60, temperature=0.0))
    text = "".join(pieces)
    assert len(pieces) > 3, "streaming should yield several pieces"
    assert "?" in text
    assert "dict" in text.lower()


def test_structured_output_is_a_validated_object(embedded_model: ChatModel) -> None:
    assert embedded_model.constrained_json
    idea = embedded_model.structured(
        [system("You write interview questions."), user("One question about SQL indexes, difficulty 3.")],
        QuestionIdea,
        max_tokens=120,
    )
    assert isinstance(idea, QuestionIdea)
    assert 1 <= idea.difficulty <= 5
    assert idea.question.strip()
    assert "index" in (idea.question + idea.topic).lower()


def test_structured_output_is_deterministic_at_temperature_zero(embedded_model: ChatModel) -> None:
    msgs = [system("You write interview questions."), user("One question about HTTP caching.")]
    a = embedded_model.structured(msgs, QuestionIdea, max_tokens=100)
    b = embedded_model.structured(msgs, QuestionIdea, max_tokens=100)
    assert a == b
