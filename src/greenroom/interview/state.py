"""The interview's explicit, serialisable state: everything needed to resume a session or drive it from a browser.

`InterviewState.model_dump_json()` / `InterviewState.model_validate_json()` round-trip it exactly. The
`Interviewer` reads and mutates it; nothing about a session lives anywhere else.
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field

from greenroom.interview.bank import Question

Phase = Literal["opening", "asking", "follow_up", "closing", "done"]


class Turn(BaseModel):
    """One exchange: what the interviewer asked and what the candidate answered (anonymised)."""

    question_id: str
    kind: Literal["question", "follow_up"]
    prompt: str
    answer: str | None = None
    target: str | None = Field(default=None, description="What a follow-up probed: a key point or a STAR part.")
    skipped: bool = Field(default=False, description="The candidate skipped it: unanswered, never scored as 0.")


class InterviewState(BaseModel):
    """A whole interview session."""

    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    track: str
    role: str = "general"
    difficulty: str | None = None
    seed: int | None = None
    questions: list[Question]
    index: int = 0
    phase: Phase = "opening"
    follow_ups_asked: int = 0
    turns: list[Turn] = Field(default_factory=list)
    degraded: list[str] = Field(default_factory=list)
    submitted: list[str] = Field(default_factory=list, description="Question ids finished (graded unless skipped).")
    tailored: bool = Field(default=False, description="Tailored questions were added (done once per interview).")

    @property
    def current(self) -> Question | None:
        return self.questions[self.index] if 0 <= self.index < len(self.questions) else None

    @property
    def done(self) -> bool:
        return self.phase == "done"

    def pending_turn(self) -> Turn | None:
        """The last turn if it still waits for an answer."""
        return self.turns[-1] if self.turns and self.turns[-1].answer is None else None

    def turns_for(self, question_id: str) -> list[Turn]:
        return [t for t in self.turns if t.question_id == question_id]

    def answer_for(self, question_id: str) -> str:
        """The candidate's whole answer to one question: the main answer and the follow-up answers, in order."""
        parts = [t.answer.strip() for t in self.turns_for(question_id) if t.answer and t.answer.strip()]
        return "\n\n".join(parts)

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def note(self, text: str) -> None:
        if text not in self.degraded:
            self.degraded.append(text)
