"""The `ChatModel` protocol every LLM back-end implements, and the shared structured-output logic."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, ValidationError

from greenroom.errors import ModelOutputError

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    """One chat message."""

    role: Role
    content: str

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


def system(text: str) -> Message:
    return Message("system", text)


def user(text: str) -> Message:
    return Message("user", text)


@runtime_checkable
class ChatModel(Protocol):
    """A chat LLM. `stream` yields text pieces; `structured` returns a validated pydantic object."""

    name: str
    #: Does `structured` constrain decoding with the JSON schema (grammar), rather than only prompting?
    constrained_json: bool

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> Iterator[str]: ...

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> str: ...

    def structured(
        self,
        messages: Sequence[Message],
        schema: type[M],
        *,
        max_tokens: int | None = None,
        temperature: float = 0.0,
    ) -> M: ...


@runtime_checkable
class ChoiceScorer(Protocol):
    """A chat model that can score fixed one-word replies without generating: `choice_logits(messages, choices)`
    returns, for each choice, the model's logit of the choice's first token as the first token of its reply
    (one prompt evaluation, no sampling). The difference of two logits is their log-odds, free of the bias a
    generated "yes"/"no" carries. Optional: back-ends that cannot read logits do not implement it."""

    def choice_logits(self, messages: Sequence[Message], choices: Sequence[str]) -> dict[str, float]: ...


def constrained_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema of `model`, rewritten for grammar-constrained decoding.

    llama.cpp's schema converter ignores integer `minimum`/`maximum`, so small bounded integers become an
    `enum` of the allowed values. Field order is preserved: put reasoning fields before score fields.
    """
    schema = model.model_json_schema()

    def fix(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "integer" and "minimum" in node and "maximum" in node:
                lo, hi = int(node["minimum"]), int(node["maximum"])
                if hi - lo <= 100:
                    node["enum"] = list(range(lo, hi + 1))
            for v in node.values():
                fix(v)
        elif isinstance(node, list):
            for v in node:
                fix(v)

    fix(schema)
    return schema


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


def extract_json(text: str) -> str:
    """The JSON object in a model's reply: the whole text, a fenced block, or the outermost braces."""
    text = text.strip()
    if m := _FENCE.search(text):
        text = m.group(1).strip()
    start, end = text.find("{"), text.rfind("}")
    if start != -1 and end > start:
        return text[start : end + 1]
    return text


def parse_structured(text: str, schema: type[M]) -> M:
    """Validate a reply against `schema`; raises ValueError with a short reason."""
    try:
        return schema.model_validate_json(extract_json(text))
    except ValidationError as exc:
        raise ValueError(f"{exc.error_count()} validation error(s): {exc.errors()[0]['msg']}") from exc


def schema_instruction(schema: type[BaseModel]) -> str:
    """A prompt line describing the expected JSON, for back-ends without grammar constraints."""
    return "Reply with one JSON object only, no prose, matching this JSON schema:\n" + json.dumps(
        constrained_schema(schema), separators=(",", ":")
    )


class BaseChatModel:
    """Shared behaviour: `complete` joins `stream`; `structured` validates, retries once, then raises."""

    name = "base"
    constrained_json = False

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> Iterator[str]:
        raise NotImplementedError

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> str:
        return "".join(self.stream(messages, max_tokens=max_tokens, temperature=temperature, stop=stop))

    def _json_reply(
        self, messages: Sequence[Message], schema: type[BaseModel], max_tokens: int | None, temperature: float
    ) -> str:
        """One reply that should hold the JSON object. Back-ends with grammars override this."""
        msgs = list(messages)
        hint = schema_instruction(schema)
        if msgs and msgs[0].role == "system":
            msgs[0] = Message("system", msgs[0].content + "\n\n" + hint)
        else:
            msgs.insert(0, Message("system", hint))
        return self.complete(msgs, max_tokens=max_tokens, temperature=temperature)

    def structured(
        self,
        messages: Sequence[Message],
        schema: type[M],
        *,
        max_tokens: int | None = None,
        temperature: float = 0.0,
    ) -> M:
        last_error = ""
        for attempt in (1, 2):
            text = self._json_reply(messages, schema, max_tokens, temperature)
            try:
                return parse_structured(text, schema)
            except ValueError as exc:
                last_error = str(exc)
                log.warning("%s: invalid %s output (attempt %d): %s", self.name, schema.__name__, attempt, exc)
        raise ModelOutputError(
            f"The model {self.name!r} did not return a valid {schema.__name__} after a retry ({last_error})."
        )
