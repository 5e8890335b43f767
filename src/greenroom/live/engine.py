"""The bridge to the interview package: the set-up page's `Setup`, the plan, the `InterviewService`
of a live interview built on the server's shared models, and the "welcome back" of a resumed socket.

The plan and the service block (LLM calls): the live session calls them through `asyncio.to_thread`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from greenroom.config import Settings
from greenroom.errors import InputError
from greenroom.live.base import Models

Difficulty = Literal["easy", "medium", "hard"]


class Setup(BaseModel):
    """What the set-up page sends (strict JSON types: `true` is not the number 1, `"2"` not 2)."""

    model_config = ConfigDict(strict=True)

    track: str = Field(default="technical", max_length=40)
    role: str = Field(default="general", max_length=40)
    difficulty: Difficulty = "medium"
    questions: int = Field(default=2, ge=1, le=50)
    job_description: str = Field(default="", max_length=20000)
    resume: str = Field(default="", max_length=20000)
    camera: bool = True
    voice: bool = True
    consent: bool = Field(default=False, description="The candidate read the privacy notice and agreed.")
    training_consent: bool = Field(
        default=False, description="Opt-in: `greenroom train data` may use this session, anonymised. Off by default."
    )
    seed: int | None = None


def question_bank(settings: Settings) -> Any:
    from greenroom.interview.bank import QuestionBank

    return QuestionBank.load(settings)


def tracks_and_roles() -> dict[str, list[str]]:
    from greenroom.interview import bank

    return {"tracks": list(bank.TRACKS), "roles": list(bank.ROLES), "difficulties": ["easy", "medium", "hard"]}


def new_state(settings: Settings, setup: Setup, interview_id: str) -> Any:
    """A fresh `InterviewState` with questions drawn from the bank (validates track, role and difficulty)."""
    from greenroom.interview.service import plan

    if setup.questions > settings.server_max_questions:
        raise InputError(f"At most {settings.server_max_questions} questions per interview.")
    bank = question_bank(settings)
    return plan(bank, setup.track, setup.role or "general", setup.difficulty, setup.questions, setup.seed, interview_id)


def new_service(resources: Models, state: Any, turns: list[Any] | None = None, current: Any = None) -> Any:
    """The interview service of one live interview, on the shared models (blocking: call in a thread)."""
    from greenroom.interview.grading import create_grader
    from greenroom.interview.service import create_service

    embedder = resources.embedder()
    return create_service(
        state,
        llm=resources.interviewer_llm(state.id),
        grader=create_grader(resources.settings, llm=resources.grader_llm(), embedder=embedder),
        embedder=embedder,
        guard=resources.question_guard_for(state.id),
        anonymize=resources.new_anonymizer(),
        max_follow_ups=resources.settings.interview_max_follow_ups,
        bank=question_bank(resources.settings),
        turns=turns,
        current=current,
    )


def welcome_back(state: Any, asked: Any) -> Any:
    """The current utterance for a resumed socket: "Welcome back" and the question alone (not the welcome)."""
    if asked.done:
        return asked
    text = asked.text
    if asked.kind == "question" and asked.question_id:
        try:
            text = state.question(asked.question_id).text
        except KeyError:
            pass
    return asked.model_copy(update={"text": f"Welcome back. {text}"})
