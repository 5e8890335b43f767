"""A back-end for OpenAI-compatible servers: the llama.cpp server, llama-cpp-python's server, Ollama, vLLM.

Text streams over server-sent events. Structured output asks for the `json_schema` response format
(llama.cpp server, Ollama, vLLM); a server that rejects it (llama-cpp-python's own server) is asked
again with `{"type": "json_object", "schema": ...}`, and the form that worked is remembered.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
from pydantic import BaseModel

from greenroom.errors import BackendUnavailableError, ModelOutputError
from greenroom.llm.base import BaseChatModel, Message, constrained_schema

log = logging.getLogger(__name__)


class OpenAICompatChatModel(BaseChatModel):
    """Talks to `<base_url>/chat/completions` (the base URL may or may not end in `/v1`)."""

    constrained_json = True

    def __init__(
        self,
        base_url: str,
        *,
        model: str = "default",
        api_key: str | None = None,
        max_tokens: int = 512,
        temperature: float = 0.7,
        seed: int = 42,
        timeout_s: float = 120.0,
    ) -> None:
        base = base_url.rstrip("/")
        self.base_url = base if base.endswith("/v1") else base + "/v1"
        self.name = f"{model}@{self.base_url}"
        self.model = model
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.seed = seed
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=httpx.Timeout(timeout_s, connect=5.0), headers=headers)
        self._json_form: str | None = None  # "json_schema" or "json_object", once known

    def _body(self, messages: Sequence[Message], max_tokens: int | None, temperature: float | None) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": [m.as_dict() for m in messages],
            "max_tokens": max_tokens or self.max_tokens,
            "temperature": self.temperature if temperature is None else temperature,
            "seed": self.seed,
        }

    def _unreachable(self, exc: Exception) -> BackendUnavailableError:
        return BackendUnavailableError(
            f"Cannot reach the model server at {self.base_url}: {type(exc).__name__}.",
            hint="Is it running? Check GREENROOM_LLM_BASE_URL.",
        )

    def _post(self, body: dict[str, Any]) -> httpx.Response:
        try:
            return self._client.post(f"{self.base_url}/chat/completions", json=body)
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from exc

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> Iterator[str]:
        body = self._body(messages, max_tokens, temperature) | {"stream": True}
        if stop:
            body["stop"] = list(stop)
        try:
            with self._client.stream("POST", f"{self.base_url}/chat/completions", json=body) as resp:
                if resp.status_code >= 400:
                    resp.read()
                    raise BackendUnavailableError(
                        f"The model server at {self.base_url} answered {resp.status_code}: {resp.text[:200]}"
                    )
                for line in resp.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    event = json.loads(data)
                    choices = event.get("choices") or []
                    piece = choices[0].get("delta", {}).get("content") if choices else None
                    if piece:
                        yield piece
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from exc

    def _json_reply(
        self, messages: Sequence[Message], schema: type[BaseModel], max_tokens: int | None, temperature: float
    ) -> str:
        js = constrained_schema(schema)
        forms = {
            "json_schema": {
                "type": "json_schema",
                "json_schema": {"name": schema.__name__, "schema": js, "strict": True},
            },
            "json_object": {"type": "json_object", "schema": js},
        }
        order = [self._json_form] if self._json_form else ["json_schema", "json_object"]
        resp: httpx.Response | None = None
        for form in order:
            assert form is not None
            resp = self._post(self._body(messages, max_tokens, temperature) | {"response_format": forms[form]})
            if resp.status_code < 400:
                self._json_form = form
                break
            log.info("server rejected response_format %s (%d); trying the next form", form, resp.status_code)
        assert resp is not None
        if resp.status_code >= 400:
            raise ModelOutputError(f"The model server at {self.base_url} refused structured output: {resp.text[:200]}")
        return str(resp.json()["choices"][0]["message"]["content"] or "")
