"""The ethics package's roles, as Protocols, and the verdict every guard returns.

- `TextGuard`: checks one piece of generated text (a question, a piece of feedback) and returns a
  `GuardVerdict`. Implementations: `guard.QuestionGuard`, `feedback.FeedbackGuard`.
- `GradeFn`: grades an answer to a question on the 0-10 scale (the fairness and reliability harnesses
  are written against it, so they never import the interview package).
- `Anonymizer`: rewrites a text with personal data removed (the privacy package provides one).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field


class GuardVerdict(BaseModel):
    """The result of checking one text. `allowed` is False when the text must not be shown or spoken."""

    model_config = ConfigDict(frozen=True)

    allowed: bool
    category: str | None = Field(default=None, description="The blocked category (None when allowed).")
    score: float = Field(ge=0.0, le=1.0, description="Impropriety score; 0.5 or more blocks.")
    lawful_variant: str | None = Field(default=None, description="A lawful question (or advice) to use instead.")
    reason: str = Field(default="", description="How the verdict was reached: rule name, exemplar match, ...")

    def public(self) -> dict[str, object]:
        """The four fields of the CLI's JSON output."""
        return {
            "allowed": self.allowed,
            "category": self.category,
            "score": round(self.score, 4),
            "lawful_variant": self.lawful_variant,
        }


@runtime_checkable
class TextGuard(Protocol):
    """Checks generated text before it reaches the candidate."""

    name: str

    def check(self, text: str) -> GuardVerdict: ...


class GradeFn(Protocol):
    """Grades `answer` to `question`: a score on the 0-10 scale."""

    def __call__(self, question: str, answer: str) -> float: ...


class Anonymizer(Protocol):
    """Returns `text` with personal data (names, places...) replaced."""

    def __call__(self, text: str) -> str: ...
