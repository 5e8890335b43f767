"""The transformers back-end on a tiny randomly initialised checkpoint built in the test."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from greenroom.config import Settings
from greenroom.errors import ModelNotAvailableError, ModelOutputError
from greenroom.llm.backends.transformers_hf import TransformersChatModel
from greenroom.llm.base import user
from greenroom.llm.factory import create_chat_model


class Thing(BaseModel):
    name: str


def test_streams_tokens_from_a_local_checkpoint(tiny_hf_checkpoint: Path, settings: Settings) -> None:
    model = create_chat_model(
        settings.model_copy(update={"llm_backend": "transformers", "llm_model_path": tiny_hf_checkpoint})
    )
    assert isinstance(model, TransformersChatModel)
    pieces = list(model.stream([user("tell me about your experience")], max_tokens=12))
    text = "".join(pieces).split()
    assert 1 <= len(text) <= 12
    vocab = set("hello interview question answer the a of to tell me about your experience with python design".split())
    assert set(text) <= vocab | {"{", "}", ":", '"', "?"}


def test_greedy_generation_is_reproducible(tiny_hf_checkpoint: Path) -> None:
    model = TransformersChatModel(tiny_hf_checkpoint, temperature=0.0)
    a = model.complete([user("hello")], max_tokens=8)
    b = model.complete([user("hello")], max_tokens=8)
    assert a == b


def test_invalid_structured_output_is_retried_then_reported(tiny_hf_checkpoint: Path) -> None:
    model = TransformersChatModel(tiny_hf_checkpoint, temperature=0.0)
    with pytest.raises(ModelOutputError, match="after a retry"):
        model.structured([user("name a thing")], Thing, max_tokens=8)


def test_missing_checkpoint_is_clear(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailableError, match="config.json"):
        TransformersChatModel(tmp_path).complete([user("hi")], max_tokens=2)
