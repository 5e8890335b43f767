"""The Hugging Face back-end: the seed's `LocalModelService`, made real.

`AutoModelForCausalLM` with `device_map="auto"`, loaded from a local folder only (no hub). Sampling
with `temperature` and `do_sample`, a max-token limit, and streaming through `TextIteratorStreamer`.
There is no grammar here: structured output is prompted, validated and retried once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from greenroom.errors import ModelNotAvailableError
from greenroom.llm.base import BaseChatModel, Message
from greenroom.llm.templates import render

_CACHE: dict[str, tuple[Any, Any]] = {}
_LOCK = threading.Lock()


def load_hf(path: Path) -> tuple[Any, Any]:
    """Load (once per process) a causal LM and its tokenizer from a local folder."""
    key = str(path)
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
        if not (path / "config.json").is_file():
            raise ModelNotAvailableError(f"No Hugging Face checkpoint (config.json) in {path}.")
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tok = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(str(path), device_map="auto", local_files_only=True)
        model.eval()
        _CACHE[key] = (tok, model)
        return tok, model


class TransformersChatModel(BaseChatModel):
    """A local Hugging Face checkpoint."""

    constrained_json = False

    def __init__(
        self,
        path: Path,
        *,
        name: str | None = None,
        chat_template: str = "plain",
        max_tokens: int = 512,
        temperature: float = 0.7,
        seed: int = 42,
    ) -> None:
        self.path = Path(path)
        self.name = name or self.path.name
        self.chat_template = chat_template
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.seed = seed

    def _prompt(self, tok: Any, messages: Sequence[Message]) -> str:
        if getattr(tok, "chat_template", None):
            return str(
                tok.apply_chat_template([m.as_dict() for m in messages], tokenize=False, add_generation_prompt=True)
            )
        return render(self.chat_template, messages)

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> Iterator[str]:
        import torch
        from transformers import TextIteratorStreamer

        tok, model = load_hf(self.path)
        inputs = tok(self._prompt(tok, messages), return_tensors="pt").to(model.device)
        temp = self.temperature if temperature is None else temperature
        streamer = TextIteratorStreamer(tok, skip_prompt=True, skip_special_tokens=True)
        gen_kwargs: dict[str, Any] = {
            **inputs,
            "max_new_tokens": max_tokens or self.max_tokens,
            "streamer": streamer,
            "pad_token_id": tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id,
        }
        if temp > 0:
            gen_kwargs |= {"do_sample": True, "temperature": temp}
        else:
            gen_kwargs |= {"do_sample": False}
        torch.manual_seed(self.seed)
        errors: list[BaseException] = []

        def run() -> None:
            try:
                with torch.no_grad():
                    model.generate(**gen_kwargs)
            except BaseException as exc:  # surfaced to the caller below
                errors.append(exc)
                streamer.end()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        text, emitted = "", 0
        for piece in streamer:
            text += piece
            cuts = [text.find(s) for s in stop or () if s in text]
            if cuts:
                if min(cuts) > emitted:
                    yield text[emitted : min(cuts)]
                break
            if piece:
                yield piece
                emitted = len(text)
        thread.join()
        if errors:
            raise errors[0]
