"""openai_compat against a real OpenAI-compatible server (llama-cpp-python's, serving the 0.5B model)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field

from greenroom.config import Settings
from greenroom.errors import BackendUnavailableError, ConfigError
from greenroom.llm.backends.openai_compat import OpenAICompatChatModel
from greenroom.llm.base import system, user
from greenroom.llm.factory import create_chat_model

pytestmark = pytest.mark.slow


class Verdict(BaseModel):
    reasoning: str
    score: int = Field(ge=0, le=10)


def test_streams_over_sse(llama_server: str, settings: Settings) -> None:
    model = create_chat_model(
        settings.model_copy(update={"llm_backend": "openai_compat", "llm_base_url": llama_server}), "qwen2.5-coder-0.5b"
    )
    assert isinstance(model, OpenAICompatChatModel)
    msgs = [system("Answer briefly."), user("List three HTTP methods, separated by commas.")]
    pieces = list(model.stream(msgs, max_tokens=30, temperature=0.0))
    assert len(pieces) > 1  # really streamed, piece by piece
    text = "".join(pieces).upper()
    assert sum(m in text for m in ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD")) >= 2


def test_structured_output_over_http(llama_server: str) -> None:
    model = OpenAICompatChatModel(llama_server, model="qwen-0.5b")
    v = model.structured(
        [system("You grade answers."), user("Grade the answer '2+2=4' to 'What is 2+2?'.")], Verdict, max_tokens=80
    )
    assert 0 <= v.score <= 10 and v.reasoning
    # llama-cpp-python's server rejects the OpenAI json_schema form; the back-end found the form that works.
    assert model._json_form == "json_object"


def test_unreachable_server_names_its_url() -> None:
    model = OpenAICompatChatModel("http://127.0.0.1:9", model="x", timeout_s=3)
    with pytest.raises(BackendUnavailableError, match=r"127\.0\.0\.1:9"):
        list(model.stream([user("hi")]))
    with pytest.raises(BackendUnavailableError, match=r"127\.0\.0\.1:9"):
        model.structured([user("hi")], Verdict)


def test_missing_url_is_a_config_error(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="GREENROOM_LLM_BASE_URL"):
        create_chat_model(settings.model_copy(update={"llm_backend": "openai_compat", "llm_base_url": None}))
