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
from greenroom.live.base import Models

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


def tailor_state(resources: Models, state: Any, setup: Setup) -> Any:
    """Add the LLM-written question(s) fitted to the pasted job description / résumé (guarded, with bank
    fallbacks); a fallback or failure is noted in the state's degraded notes. Blocking: call in a thread."""
    from greenroom.interview.interviewer import Interviewer
    from greenroom.interview.plan import fallback_questions

    if not (setup.job_description.strip() or setup.resume.strip()):
        return state
    interviewer = Interviewer(
        resources.interviewer_llm(),
        guard=resources.try_load("question_guard"),
        anonymize=resources.new_anonymizer(),
        embedder=resources.embedder(),
    )
    extra = interviewer.tailor(
        setup.job_description.strip() or None,
        setup.resume.strip() or None,
        track=state.track,
        role=state.role,
        fallbacks=fallback_questions(question_bank(resources.settings), state.questions, state.track, state.role),
    )
    known = {q.id for q in state.questions}
    state.questions += [q for q in extra if q.id not in known]
    for note in getattr(interviewer, "tailor_notes", []):
        state.note(note)
    return state


@dataclass
class Engine:
    """One interview's interviewer and background grader.

    `respond` works on a copy of the state, so a reply can be prepared speculatively while the candidate
    pauses and thrown away if they go on; `adopt` makes a copy the real state and hands the questions it
    finished to the background grader (grading runs while the next question is asked).
    """

    resources: Models
    interviewer: Any
    grader: Any
    anonymizer: Any
    submitted: set[str] = field(default_factory=set)  # question ids graded by this process
    lost: list[str] = field(default_factory=list)  # handed to an earlier server process's grader: redo
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(cls, resources: Models, state: Any) -> Engine:
        from greenroom.interview.background import BackgroundGrader
        from greenroom.interview.grading import create_grader
        from greenroom.interview.interviewer import Interviewer

        anonymizer = resources.new_anonymizer()
        guard = resources.try_load("question_guard")
        embedder = resources.embedder()
        grader = BackgroundGrader(create_grader(resources.settings, llm=resources.grader_llm(), embedder=embedder))
        interviewer = Interviewer(
            resources.interviewer_llm(),
            guard=guard,
            anonymize=anonymizer,
            embedder=embedder,
            grader=None,  # `adopt` hands finished questions to the grader
            max_follow_ups=resources.settings.interview_max_follow_ups,
        )
        return cls(resources, interviewer, grader, anonymizer, lost=list(state.submitted))

    def start(self, state: Any) -> Any:
        with self.lock:
            return self.interviewer.start(state)

    def respond(self, state: Any, answer: str) -> tuple[Any, Any, str]:
        """(new state, next utterance, the answer as recorded, anonymised); `state` itself is not changed."""
        with self.lock:
            new = state.model_copy(deep=True)
            pending = new.pending_turn()
            utt = self.interviewer.respond(new, answer)
            recorded = pending.answer if pending is not None and pending.answer is not None else answer
            return new, utt, recorded

    def adopt(self, new: Any) -> None:
        """`new` is now the interview's state: grade the questions it finished."""
        for qid in new.submitted:
            if qid not in self.submitted and qid not in self.lost:
                self.submitted.add(qid)
                self.grader.submit(new.question(qid), new.answer_for(qid))

    def grades(self, state: Any, timeout: float | None = None) -> dict[str, Any]:
        """Grades by question id, waiting up to `timeout` seconds. Questions an earlier server process was
        grading, and answered questions of an interview ended early, are graded now."""
        for q in state.questions:
            answered = bool(state.answer_for(q.id).strip())
            if q.id not in self.submitted and (q.id in self.lost or answered):
                self.submitted.add(q.id)
                self.grader.submit(q, state.answer_for(q.id))
        return dict(self.grader.wait(timeout))

    def close(self) -> None:
        self.grader.close()


def delivery_for_report(turns: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Delivery figures over the spoken answers, with advice lines for the report's improvement areas."""
    metrics = [t["delivery_metrics"] for t in turns if t.get("delivery_metrics")]
    if not metrics:
        return None

    def mean(key: str) -> float | None:
        xs = [float(m[key]) for m in metrics if isinstance(m.get(key), int | float)]
        return round(sum(xs) / len(xs), 2) if xs else None

    advice: list[str] = []
    wpm, fpm, sd = mean("wpm"), mean("fillers_per_min"), mean("pitch_sd_st")
    if wpm is not None and wpm > 165:
        advice.append(f"Slow down: {wpm:.0f} words a minute is above the 100-165 target.")
    elif wpm is not None and wpm < 100:
        advice.append(f"Pick up the pace a little: {wpm:.0f} words a minute is below the 100-165 target.")
    if fpm is not None and fpm > 5:
        advice.append(f"Cut fillers (um, uh, like): {fpm:.1f} a minute, aim for 5 or fewer.")
    if sd is not None and sd < 2:
        advice.append("Vary your pitch more: your voice sounded monotone.")
    if sum(int(m.get("pauses_over_2s") or 0) for m in metrics) >= 2:
        advice.append("Replace long silences with a short signpost ('Let me structure this in two parts').")
    return {
        "answers": len(metrics),
        "wpm": wpm,
        "fillers_per_min": fpm,
        "pitch_sd_st": sd,
        "pauses_over_2s": sum(int(m.get("pauses_over_2s") or 0) for m in metrics),
        "advice": advice,
    }


def build_report(state: Any, grades: dict[str, Any], delivery: dict[str, Any] | None) -> dict[str, Any]:
    """The end-of-interview report as JSON-ready data."""
    from greenroom.interview.report import build_report as build

    report = build(state, grades, delivery)
    return dict(report.model_dump(mode="json", by_alias=True))
