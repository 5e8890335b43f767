"""Structured-output helpers: schema rewriting for llama.cpp grammars, JSON extraction, retry."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from pydantic import BaseModel, Field

from greenroom.errors import ModelOutputError
from greenroom.llm.base import BaseChatModel, Message, constrained_schema, extract_json, user


class Scored(BaseModel):
    reasoning: str
    score: int = Field(ge=0, le=10)


def test_bounded_integers_become_enums_and_order_is_kept() -> None:
    schema = constrained_schema(Scored)
    assert schema["properties"]["score"]["enum"] == list(range(11))
    assert list(schema["properties"]) == ["reasoning", "score"]


@pytest.mark.parametrize(
    "text",
    [
        '{"reasoning": "ok", "score": 3}',
        'Sure!\n```json\n{"reasoning": "ok", "score": 3}\n```',
        'x {"reasoning": "ok", "score": 3} y',
    ],
)
def test_extract_json(text: str) -> None:
    assert Scored.model_validate_json(extract_json(text)).score == 3


class Scripted(BaseChatModel):
    """Replies from a script: exercises the retry logic of the shared base class (no model needed)."""

    name = "scripted"

    def __init__(self, replies: list[str]) -> None:
        self.replies = replies
        self.calls = 0

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> Iterator[str]:
        self.calls += 1
        yield self.replies.pop(0)


def test_one_retry_then_success() -> None:
    m = Scripted(["not json", '{"reasoning": "fine", "score": 7}'])
    assert m.structured([user("grade")], Scored).score == 7
    assert m.calls == 2


def test_out_of_range_twice_is_a_model_output_error() -> None:
    m = Scripted(['{"reasoning": "x", "score": 11}', '{"reasoning": "x", "score": 12}'])
    with pytest.raises(ModelOutputError, match="Scored"):
        m.structured([user("grade")], Scored)
    assert m.calls == 2
