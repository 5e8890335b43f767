"""The interviewer: an opening, each question, up to two follow-ups chosen by what the answer missed,
a transition, and a closing. It reads and mutates an explicit `InterviewState`.

Only follow-ups are phrased by the LLM (short, streamed and stopped at the first question mark, guarded by
the ethics question guard before a word is spoken, with the bank's hint as the fallback); openings, transitions and the closing are fixed templates, so moving on never
waits for the model. Answers are anonymised before they are recorded; finished questions go to a
`BackgroundGrader` when one is given, so grading never blocks the next question.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import random
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from greenroom.errors import GreenroomError, InputError
from greenroom.ethics.base import GuardVerdict, TextGuard
from greenroom.ethics.regenerate import guarded_generate
from greenroom.interview.background import BackgroundGrader
from greenroom.interview.bank import Question
from greenroom.interview.coverage import CoverageScorer
from greenroom.interview.followups import FollowUpTarget, choose_follow_up, follow_up_targets
from greenroom.interview.state import InterviewState, Turn
from greenroom.interview.tailor import tailor_questions
from greenroom.llm.base import ChatModel, system, user

log = logging.getLogger(__name__)
TRACK_NAMES = {"technical": "technical", "behavioral": "behavioural", "system-design": "system-design"}
TRANSITIONS = (
    "Thanks, that's helpful.",
    "Thank you.",
    "Got it, thanks.",
    "Thanks for walking me through that.",
    "Okay, thank you.",
)
FOLLOW_UP_SYSTEM = (
    "You are a friendly job interviewer. Write ONE short follow-up question, under 25 words, that invites the "
    "candidate to talk about the topic given. Do not reveal the answer, do not judge the answer, no preamble."
)


@dataclass(frozen=True)
class Utterance:
    """What the interviewer says next."""

    text: str
    kind: Literal["question", "follow_up", "closing"]
    question_id: str | None
    done: bool = False
    degraded: str | None = None


class Interviewer:
    """Drives an `InterviewState`: `start(state)`, then `respond(state, answer)` until `done`."""

    def __init__(
        self,
        llm: ChatModel | None,
        *,
        guard: TextGuard | None = None,
        anonymize: Callable[[str], str] | None = None,
        embedder: Any | None = None,
        grader: BackgroundGrader | None = None,
        max_follow_ups: int = 2,
        max_tries: int = 2,
        temperature: float = 0.3,
    ) -> None:
        self.llm = llm
        self.guard = guard
        self.anonymize = anonymize
        if embedder is None:
            from greenroom.embeddings import get_embedder

            embedder = get_embedder()
        self.scorer = CoverageScorer(embedder)
        self.grader = grader
        self.max_follow_ups = max(0, min(2, max_follow_ups))
        self.max_tries = max_tries
        self.temperature = temperature
        # the phrasing of each follow-up target, made once: a reply prepared speculatively during a pause and
        # the reply to the final (longer) answer usually probe the same missed point, so the second is instant
        self._phrasings: dict[tuple[str, ...], cf.Future[tuple[str, str | None]]] = {}
        self._phrasings_lock = threading.Lock()

    # --- the conversation --------------------------------------------------------------------------
    def start(self, state: InterviewState) -> Utterance:
        """The opening and the first question (again, if the state was already started: resume)."""
        if not state.questions:
            raise InputError("The interview has no questions.")
        pending = state.pending_turn()
        if state.phase == "done":
            return Utterance(self._closing(state), "closing", None, done=True)
        if pending is not None:  # resuming: ask the open question again
            kind: Literal["question", "follow_up"] = pending.kind
            return Utterance(f"Welcome back. {pending.prompt}", kind, pending.question_id)
        q = state.questions[state.index]
        n = len(state.questions)
        opening = (
            f"Hello, and welcome to your {TRACK_NAMES.get(state.track, state.track)} practice interview. "
            f"I'll ask {n} question{'s' if n != 1 else ''}, and sometimes a follow-up. Take your time, and answer "
            "as you would in a real interview."
        )
        state.phase = "asking"
        state.turns.append(Turn(question_id=q.id, kind="question", prompt=q.text))
        return Utterance(f"{opening}\n\nFirst question: {q.text}", "question", q.id)

    def respond(self, state: InterviewState, answer: str, *, redacted: bool = False) -> Utterance:
        """Record `answer` to the open turn; then a follow-up, the next question, or the closing. The answer
        is anonymised first unless it already was (`redacted`: the live path's redaction stage did it)."""
        if state.phase == "done":
            raise InputError("This interview is already finished.")
        turn = state.pending_turn()
        if turn is None:
            raise InputError("No question is waiting for an answer: call start() first.")
        text = (answer or "").strip()
        if text and self.anonymize is not None and not redacted:
            text = self.anonymize(text)
        turn.answer = text
        q = state.question(turn.question_id)
        if state.follow_ups_asked < self.max_follow_ups and text:
            asked = [t.target for t in state.turns_for(q.id) if t.target]
            target = choose_follow_up(q, state.answer_for(q.id), asked, self.scorer)
            if target is not None:
                prompt, degraded = self._phrase_follow_up(q, target)
                if self.grader is not None and self.llm is not None:
                    self.grader.warm()  # the follow-up call evicted the rubric prefix: restore it while they type
                if degraded:
                    state.note(degraded)
                state.follow_ups_asked += 1
                state.phase = "follow_up"
                state.turns.append(Turn(question_id=q.id, kind="follow_up", prompt=prompt, target=target.target))
                return Utterance(prompt, "follow_up", q.id, degraded=degraded)
        return self._next_question(state, q)

    def skip(self, state: InterviewState) -> Utterance:
        """The candidate skips the open turn: it stays unanswered (never scored as 0); the next question."""
        if state.phase == "done":
            raise InputError("This interview is already finished.")
        turn = state.pending_turn()
        if turn is None:
            raise InputError("No question is waiting for an answer: call start() first.")
        turn.answer = ""
        turn.skipped = True
        return self._next_question(state, state.question(turn.question_id))

    def finish_question(self, state: InterviewState) -> None:
        """Hand the current question's whole answer to the background grader (once); an unanswered (skipped)
        question is not graded."""
        q = state.current
        if q is None or q.id in state.submitted:
            return
        state.submitted.append(q.id)
        if self.grader is not None and state.answer_for(q.id):
            self.grader.submit(q, state.answer_for(q.id))

    def _next_question(self, state: InterviewState, q: Question) -> Utterance:
        self.finish_question(state)
        state.index += 1
        state.follow_ups_asked = 0
        if state.index >= len(state.questions):
            state.phase = "done"
            return Utterance(self._closing(state), "closing", None, done=True)
        nxt = state.questions[state.index]
        state.phase = "asking"
        state.turns.append(Turn(question_id=nxt.id, kind="question", prompt=nxt.text))
        rng = random.Random(f"{state.id}-{state.index}")
        label = "Last question" if state.index == len(state.questions) - 1 else f"Question {state.index + 1}"
        return Utterance(f"{rng.choice(TRANSITIONS)} {label}: {nxt.text}", "question", nxt.id)

    def _closing(self, state: InterviewState) -> str:
        return "That's the end of the interview. Thank you for your answers. Your feedback report is being prepared."

    # --- follow-up phrasing ------------------------------------------------------------------------
    def prephrase(self, q: Question, stop: Callable[[], bool] = lambda: False) -> int:
        """Phrase every follow-up `q` can get (`follow_up_targets`), most likely first, before the answer is
        in: the live room runs it in the background while the question is spoken and answered, so the
        follow-up the answer calls for is ready when the turn ends. `stop()` is asked before each one (the
        question is over). Returns how many it asked for that were not made or under way already."""
        if self.llm is None or self.max_follow_ups == 0:
            return 0
        made = 0
        for target in follow_up_targets(q, self.scorer):
            if stop():
                break
            with self._phrasings_lock:
                known = self._key(q, target) in self._phrasings
            if not known:
                self._phrase_follow_up(q, target)
                made += 1
        return made

    @staticmethod
    def _key(q: Question, target: FollowUpTarget) -> tuple[str, ...]:
        return (q.id, q.text, target.kind, target.target, target.hint)

    def _phrase_follow_up(self, q: Question, target: FollowUpTarget) -> tuple[str, str | None]:
        """The LLM's phrasing of a follow-up (guarded), or the bank hint, with a degraded note if it fell back.
        Made once per question and target (a second caller waits for the first); a failure is not kept."""
        if self.llm is None:
            return target.hint, None
        key = self._key(q, target)
        with self._phrasings_lock:
            made = self._phrasings.get(key)
            mine = made is None
            if made is None:
                made = self._phrasings[key] = cf.Future()
        if not mine:
            return made.result()
        try:
            phrased = self._phrase(q, target)
        except BaseException as exc:
            with self._phrasings_lock:
                self._phrasings.pop(key, None)
            made.set_exception(exc)
            raise
        if phrased[1] is not None:  # fell back: the next caller tries the LLM again
            with self._phrasings_lock:
                self._phrasings.pop(key, None)
        made.set_result(phrased)
        return phrased

    def _phrase(self, q: Question, target: FollowUpTarget) -> tuple[str, str | None]:
        assert self.llm is not None
        llm = self.llm
        topic = f"the missing part of their STAR story: {target.target}" if target.kind == "star" else target.target

        def generate(attempt: int, verdict: GuardVerdict | None) -> str:
            extra = f" Avoid anything about {verdict.category}." if verdict and verdict.category else ""
            msgs = [
                system(FOLLOW_UP_SYSTEM + extra),
                user(f"Main question: {q.text}\nTopic to ask about: {topic}\nA possible angle: {target.hint}"),
            ]
            pieces = llm.stream(msgs, max_tokens=48, temperature=self.temperature if attempt else 0.0, stop=["\n"])
            return clean_question(first_question(pieces))

        try:
            if self.guard is not None:
                res = guarded_generate(generate, self.guard, lambda: target.hint, max_tries=self.max_tries)
                if res.degraded:
                    return res.text, "a follow-up was replaced by a bank question after the ethics guard blocked it"
                return res.text, None
            text = generate(0, None)
            return (text, None) if text else (target.hint, "follow-up phrasing failed: bank hint used")
        except GreenroomError as exc:
            log.warning("follow-up phrasing failed: %s", exc)
            return target.hint, "follow-up phrasing failed: bank hint used"

    # --- planning helpers --------------------------------------------------------------------------
    def tailor(
        self,
        job_description: str | None,
        resume: str | None,
        *,
        track: str = "technical",
        role: str = "general",
        fallbacks: list[Question] | None = None,
        n: int = 1,
    ) -> list[Question]:
        """One or two LLM-written questions fitted to the job/résumé (guarded; bank fallbacks)."""
        if self.llm is None:
            raise InputError("Tailoring needs a language model.")
        questions, notes = tailor_questions(
            self.llm,
            track=track,
            role=role,
            job_description=job_description,
            resume=resume,
            fallbacks=fallbacks or [],
            guard=self.guard,
            anonymize=self.anonymize,
            n=n,
            max_tries=self.max_tries,
        )
        self.tailor_notes = notes
        return questions


_PREFIX = re.compile(r"^\s*(follow[- ]?up( question)?|interviewer|question)\s*[:\-]\s*", re.I)


def first_question(pieces: Iterator[str]) -> str:
    """The streamed reply up to its first question mark or line break; generation stops there (the stream
    is closed), so the follow-up is ready, guarded and spoken without waiting for the tokens after it."""
    text = ""
    try:
        for piece in pieces:
            text += piece
            body = text.lstrip()
            if "?" in body or ("\n" in body and body.strip()):
                break
    finally:
        close = getattr(pieces, "close", None)
        if close is not None:
            close()
    return text


def clean_question(text: str) -> str:
    """One question line from a model reply: no prefix, no quotes, ends with '?'. Empty if unusable."""
    line = next((ln for ln in text.strip().splitlines() if ln.strip()), "")
    line = _PREFIX.sub("", line).strip().strip('"').strip("'").strip()
    if "?" in line:
        line = line[: line.index("?") + 1]
    words = line.split()
    if len(words) < 4 or len(words) > 40:
        return ""
    return line if line.endswith("?") else line.rstrip(".") + "?"
