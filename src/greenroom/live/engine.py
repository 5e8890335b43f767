"""The bridge to the interview package: set-up -> `InterviewState`, answers -> next utterance, grades -> report.

Everything here blocks (LLM calls): the live session calls it through `asyncio.to_thread`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

from greenroom.config import Settings
from greenroom.errors import InputError
from greenroom.live.resources import Resources

Difficulty = Literal["easy", "medium", "hard"]


class Setup(BaseModel):
    """What the set-up page sends."""

    track: str = Field(default="technical", max_length=40)
    role: str = Field(default="general", max_length=40)
    difficulty: Difficulty = "medium"
    questions: int = Field(default=2, ge=1, le=50)
    job_description: str = Field(default="", max_length=20000)
    resume: str = Field(default="", max_length=20000)
    camera: bool = True
    voice: bool = True
    consent: bool = Field(default=False, description="The candidate read the privacy notice and agreed.")
    seed: int | None = None


def question_bank(settings: Settings) -> Any:
    from greenroom.interview.bank import QuestionBank

    return QuestionBank.load(settings)


def tracks_and_roles() -> dict[str, list[str]]:
    from greenroom.interview import bank

    return {"tracks": list(bank.TRACKS), "roles": list(bank.ROLES), "difficulties": ["easy", "medium", "hard"]}


def new_state(settings: Settings, setup: Setup, interview_id: str) -> Any:
    """A fresh `InterviewState` with questions drawn from the bank (validates track, role and difficulty)."""
    from greenroom.interview import bank as qbank
    from greenroom.interview.state import InterviewState

    if setup.questions > settings.server_max_questions:
        raise InputError(f"At most {settings.server_max_questions} questions per interview.")
    track = qbank.normalize_track(setup.track)
    role = qbank.normalize_role(setup.role or "general")
    questions = question_bank(settings).select(
        track, role=role, difficulty=setup.difficulty, n=setup.questions, seed=setup.seed
    )
    return InterviewState(
        id=interview_id, track=track, role=role, difficulty=setup.difficulty, seed=setup.seed, questions=questions
    )


@dataclass
class Engine:
    """One interview's interviewer and background grader."""

    resources: Resources
    interviewer: Any
    grader: Any
    anonymizer: Any
    keys: dict[str, Any] = field(default_factory=dict)  # question id -> grading key
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(cls, resources: Resources) -> Engine:
        from greenroom.interview.background import BackgroundGrader
        from greenroom.interview.grading import create_grader
        from greenroom.interview.interviewer import Interviewer
        from greenroom.privacy.pii import Anonymizer

        anonymizer = Anonymizer()
        guard = resources.try_load("question_guard")
        interviewer = Interviewer(resources.interviewer_llm(), guard=guard, anonymize=anonymizer.anonymize)
        grader = create_grader(resources.settings, llm=resources.grader_llm(), embedder=resources.embedder())
        return cls(resources, interviewer, BackgroundGrader(grader), anonymizer)

    def start(self, state: Any) -> Any:
        with self.lock:
            return self.interviewer.start(state)

    def respond(self, state: Any, answer: str) -> Any:
        with self.lock:
            return self.interviewer.respond(state, answer)

    def redact(self, text: str) -> str:
        return str(self.anonymizer.anonymize(text)) if text.strip() else text

    def submit_finished(self, state: Any) -> None:
        """Hand every question that is over (the interview moved past it) to the background grader."""
        current = state.current.id if state.current is not None and not state.done else None
        for q in state.questions:
            if q.id in self.keys or q.id == current or not state.turns_for(q.id):
                continue
            self.keys[q.id] = self.grader.submit(q, state.answer_for(q.id))

    def grades(self, state: Any, timeout: float | None = None) -> dict[str, Any]:
        """Grades by question id, waiting up to `timeout` seconds for those still running."""
        self.submit_finished(state)
        self.grader.wait(timeout)
        results = self.grader.results()
        return {qid: results[k] for qid, k in self.keys.items() if k in results}


def build_report(state: Any, grades: dict[str, Any], delivery: dict[str, Any] | None) -> dict[str, Any]:
    """The end-of-interview report as JSON-ready data."""
    from greenroom.interview.report import build_report as build

    report = build(state, grades, delivery)
    return dict(report.model_dump(mode="json"))
