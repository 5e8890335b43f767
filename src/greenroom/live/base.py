"""What a live session needs from the process around it: the shared models, as a Protocol.

The server provides it (`server.resources.Resources`); the live package never builds an LLM, a guard
or an anonymiser itself (layering: live uses interview, speech and vision only).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from greenroom.config import Settings


class Models(Protocol):
    """Process-wide models, loaded once; `try_load` returns None (and notes why) when one cannot load."""

    settings: Settings

    def try_load(self, name: str) -> Any | None: ...

    def interviewer_llm(self, interview_id: str | None = None) -> Any:
        """The interviewer's model for one interview (a canary may serve some interviews another model)."""
        ...

    def question_guard_for(self, interview_id: str | None = None) -> Any | None:
        """The question guard for one interview, or None when it cannot load."""
        ...

    def grader_llm(self) -> Any: ...

    def embedder(self) -> Any: ...

    def transcriber(self) -> Any: ...

    def new_anonymizer(self) -> Callable[[str], str]: ...

    def pause_background(self, on: bool) -> None:
        """Hold background work (grading) while the candidate speaks; `on` then `off`, balanced."""
        ...

    def degraded(self) -> list[dict[str, str]]: ...
