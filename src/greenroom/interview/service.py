"""One interview from plan to report: the one service that the terminal (`cli.interview`) and the web
(`live.session`) both drive.

    plan -> tailor (once) -> start -> answer | skip (the interviewer picks follow-ups) ... -> finish -> Report

Each finished question is graded in the background while the next one is asked. A skipped question is
recorded as unanswered: it is never graded and never averaged in as a 0. `prepare` works on a copy of
the state, so a face can prepare a reply speculatively and throw it away; `adopt` makes it real.
Everything here blocks (LLM calls): the web calls it through `asyncio.to_thread`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from greenroom.interview.background import BackgroundGrader
from greenroom.interview.bank import QuestionBank
from greenroom.interview.delivery import delivery_summary
from greenroom.interview.grading import Grade
from greenroom.interview.interviewer import Interviewer, Utterance
from greenroom.interview.plan import fallback_questions, new_interview
from greenroom.interview.report import Report, build_report
from greenroom.interview.state import InterviewState

log = logging.getLogger(__name__)
Source = Literal["typed", "voice", "skipped"]


class StoredTurn(BaseModel):
    """One exchange as it is stored and shown: the same shape from the terminal and from the web."""

    model_config = ConfigDict(extra="forbid")

    question_id: str
    kind: Literal["question", "follow_up"]
    question: str = Field(description="The bank question, or the follow-up as asked.")
    asked: str = Field(description="What the interviewer said (with the transition or greeting).")
    answer: str = Field(default="", description="The candidate's answer, anonymised; empty when skipped.")
    source: Source = "typed"
    skipped: bool = False
    grade: Grade | None = Field(default=None, description="On the first turn of a question, once graded.")
    delivery_metrics: dict[str, Any] | None = None
    delivery_note: str | None = None
    vision_metrics: dict[str, Any] | None = None


class Asked(BaseModel):
    """What the interviewer is saying now (kept for a resume)."""

    text: str
    kind: Literal["question", "follow_up", "closing"]
    question_id: str | None = None
    done: bool = False
    degraded: str | None = None

    @classmethod
    def of(cls, utt: Utterance) -> Asked:
        return cls(text=utt.text, kind=utt.kind, question_id=utt.question_id, done=utt.done, degraded=utt.degraded)


class ResumeState(BaseModel):
    """Everything needed to pick an interview up again; stored on its own and deleted at the finish."""

    state: InterviewState
    current: Asked | None = None
    phase: str = "new"
    turns: list[StoredTurn] | None = Field(
        default=None, description="The recorded turns, in the terminal's state file (the web stores them as rows)."
    )


@dataclass(frozen=True)
class Reply:
    """A prepared answer: the state after it, what the interviewer says next, and the turn as recorded."""

    state: InterviewState
    asked: Asked
    turn: StoredTurn


def plan(
    bank: QuestionBank,
    track: str,
    role: str | None,
    difficulty: str | None,
    n: int,
    seed: int | None = None,
    interview_id: str | None = None,
) -> InterviewState:
    """A new interview's state: `n` bank questions (validates track, role and difficulty)."""
    state = new_interview(bank, track, role, difficulty, n=n, seed=seed)
    return state.model_copy(update={"id": interview_id}) if interview_id else state


class InterviewService:
    """One interview: its state, the turns as recorded, the interviewer and the background grader."""

    def __init__(
        self,
        state: InterviewState,
        interviewer: Interviewer,
        grader: BackgroundGrader,
        *,
        bank: QuestionBank | None = None,
        turns: list[StoredTurn] | None = None,
        current: Asked | None = None,
    ) -> None:
        self.state = state
        self.interviewer = interviewer
        self.grader = grader
        self.bank = bank
        self.turns = list(turns or [])
        self.current = current
        self._lock = threading.Lock()
        self._closed = False
        self._graded: set[str] = set()
        for qid in state.submitted:  # resumed: grades live in memory only, grade finished questions again
            self._submit(qid)

    # --- planning --------------------------------------------------------------------------------------
    def tailor(self, job_description: str | None, resume: str | None) -> None:
        """Add the LLM-written question(s) fitted to the job description / résumé, once per interview
        (guarded, with bank fallbacks; a fallback is noted in the state's degraded notes)."""
        jd, cv = (job_description or "").strip() or None, (resume or "").strip() or None
        if self.state.tailored or not (jd or cv):
            return
        s = self.state
        fallbacks = fallback_questions(self.bank, s.questions, s.track, s.role) if self.bank is not None else []
        extra = self.interviewer.tailor(jd, cv, track=s.track, role=s.role or "general", fallbacks=fallbacks)
        known = {q.id for q in s.questions}
        s.questions += [q for q in extra if q.id not in known]
        for note in getattr(self.interviewer, "tailor_notes", []):
            s.note(note)
        s.tailored = True

    # --- the conversation ------------------------------------------------------------------------------
    def start(self) -> Asked:
        """The opening and first question, or the open question again on a resume."""
        with self._lock:
            self.current = Asked.of(self.interviewer.start(self.state))
        return self.current

    def redact(self, text: str) -> str:
        """The answer with names, contacts and IDs replaced by placeholders (this interview's anonymiser)."""
        anonymize = self.interviewer.anonymize
        return anonymize(text) if anonymize is not None and text.strip() else text

    def prepare(self, answer: str | None, source: Source = "typed", *, redacted: bool = False) -> Reply:
        """The reply to `answer` (None: skip) on a copy of the state; nothing changes until `adopt`.
        `redacted`: the answer already went through `redact` (the live path's redaction stage)."""
        with self._lock:
            new = self.state.model_copy(deep=True)
            pending = new.pending_turn()
            if answer is None:
                utt = self.interviewer.skip(new)
            else:
                utt = self.interviewer.respond(new, answer, redacted=redacted)
            assert pending is not None  # respond/skip raise when nothing waits for an answer
            bank_text = new.question(pending.question_id).text if pending.kind == "question" else None
            turn = StoredTurn(
                question_id=pending.question_id,
                kind=pending.kind,
                question=bank_text or pending.prompt,
                asked=self.current.text if self.current is not None else pending.prompt,
                answer=pending.answer or "",
                source="skipped" if answer is None else source,
                skipped=answer is None,
            )
            return Reply(new, Asked.of(utt), turn)

    def prephrase(self, question_id: str | None = None, stop: Callable[[], bool] = lambda: False) -> int:
        """Phrase the possible follow-ups of `question_id` (default: the open question) ahead
        (`Interviewer.prephrase`), until the interview moves past that question, ends or is closed, or
        `stop()`. The live room calls it as soon as a reply asks a new question, while it is spoken and before
        it is adopted. Safe beside `prepare`: phrasings are made once."""
        with self._lock:
            s = self.state
            ids = [q.id for q in s.questions]
            index = ids.index(question_id) if question_id in ids else s.index
            if s.phase == "done" or not 0 <= index < len(s.questions) or index < s.index:
                return 0
            q = s.questions[index]

        def moved_on() -> bool:
            return self._closed or self.state.index > index or self.state.phase == "done" or stop()

        return self.interviewer.prephrase(q, moved_on)

    def adopt(self, reply: Reply) -> int:
        """`reply` is now the interview: record its turn, grade the questions it finished. Returns the
        turn's index."""
        with self._lock:
            self.state = reply.state
            self.current = reply.asked
            self.turns.append(reply.turn)
            index = len(self.turns) - 1
            for qid in self.state.submitted:
                self._submit(qid)
        if reply.asked.kind == "follow_up":
            self.grader.warm()  # the follow-up call evicted the rubric prefix: restore it while they answer
        return index

    def answer(self, text: str, source: Source = "typed") -> Asked:
        self.adopt(self.prepare(text, source))
        return self.current  # type: ignore[return-value]

    def skip(self) -> Asked:
        self.adopt(self.prepare(None))
        return self.current  # type: ignore[return-value]

    def end_early(self) -> None:
        """Stop now: a question answered so far is graded; the report covers the answers given."""
        with self._lock:
            if self.state.phase == "done":
                return
            pending = self.state.pending_turn()
            if pending is not None and self.state.answer_for(pending.question_id):
                self.interviewer.finish_question(self.state)
            for qid in self.state.submitted:
                self._submit(qid)
            self.state.note("the interview was ended early")
            self.state.phase = "done"

    def _submit(self, qid: str) -> None:
        if qid in self._graded:
            return
        self._graded.add(qid)
        answer = self.state.answer_for(qid)
        if answer:  # a skipped question is unanswered: not graded
            self.grader.submit(self.state.question(qid), answer)

    # --- the end -----------------------------------------------------------------------------------------
    def finish(self, timeout: float | None = None) -> Report:
        """Wait for the grades, put each on its question's first turn, and build the report. A failed grade
        is reported as "grading failed: <why>"; one still running after `timeout` as not graded."""
        if self.state.phase != "done":
            self.end_early()
        grades = self.grader.wait(timeout)
        errors = self.grader.errors()
        for qid, why in errors.items():
            log.warning("grading %s failed: %s", qid, why)
        seen: set[str] = set()
        for turn in self.turns:
            if turn.question_id in grades and turn.question_id not in seen:
                turn.grade = grades[turn.question_id]
                seen.add(turn.question_id)
        delivery = delivery_summary([t.delivery_metrics for t in self.turns])
        return build_report(self.state, grades, delivery, bank=self.bank, errors=errors)

    def resume_state(self, phase: str, *, with_turns: bool = False) -> ResumeState:
        turns = list(self.turns) if with_turns else None
        return ResumeState(state=self.state, current=self.current, phase=phase, turns=turns)

    def close(self) -> None:
        self._closed = True
        self.grader.close()


def create_service(
    state: InterviewState,
    *,
    llm: Any,
    grader: Any,
    embedder: Any,
    guard: Any = None,
    anonymize: Callable[[str], str] | None = None,
    max_follow_ups: int = 2,
    bank: QuestionBank | None = None,
    turns: list[StoredTurn] | None = None,
    current: Asked | None = None,
) -> InterviewService:
    """The service over an interviewer on `llm` and a background `grader` (a `Grader`)."""
    interviewer = Interviewer(
        llm, guard=guard, anonymize=anonymize, embedder=embedder, grader=None, max_follow_ups=max_follow_ups
    )
    return InterviewService(state, interviewer, BackgroundGrader(grader), bank=bank, turns=turns, current=current)
