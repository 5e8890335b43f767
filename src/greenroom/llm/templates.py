"""Chat templates for checkpoints that do not carry one (GGUF files and most HF tokenizers do)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from greenroom.errors import UnknownNameError
from greenroom.llm.base import Message


def _llama2(msgs: Sequence[Message]) -> str:
    sys = "\n".join(m.content for m in msgs if m.role == "system")
    out, first = "", True
    for m in msgs:
        if m.role == "user":
            content = f"<<SYS>>\n{sys}\n<</SYS>>\n\n{m.content}" if first and sys else m.content
            out += f"<s>[INST] {content} [/INST]"
            first = False
        elif m.role == "assistant":
            out += f" {m.content} </s>"
    return out


def _chatml(msgs: Sequence[Message]) -> str:
    body = "".join(f"<|im_start|>{m.role}\n{m.content}<|im_end|>\n" for m in msgs)
    return body + "<|im_start|>assistant\n"


def _falcon(msgs: Sequence[Message]) -> str:
    names = {"system": "System", "user": "User", "assistant": "Assistant"}
    return "".join(f"{names[m.role]}: {m.content}\n" for m in msgs) + "Assistant:"


def _plain(msgs: Sequence[Message]) -> str:
    return "\n\n".join(m.content for m in msgs) + "\n\n"


TEMPLATES: dict[str, Callable[[Sequence[Message]], str]] = {
    "llama-2": _llama2,
    "chatml": _chatml,
    "falcon": _falcon,
    "plain": _plain,
}


def render(template: str, messages: Sequence[Message]) -> str:
    try:
        fn = TEMPLATES[template]
    except KeyError:
        raise UnknownNameError("chat template", template, TEMPLATES) from None
    return fn(messages)
