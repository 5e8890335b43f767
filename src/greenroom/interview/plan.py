"""The interview plan: N bank questions for a track, role and difficulty (reproducible with a seed),
plus any tailored extra questions, as a fresh `InterviewState`."""

from __future__ import annotations

from collections.abc import Sequence

from greenroom.interview.bank import Question, QuestionBank, normalize_difficulty, normalize_role, normalize_track
from greenroom.interview.state import InterviewState


def new_interview(
    bank: QuestionBank,
    track: str,
    role: str | None = None,
    difficulty: str | None = None,
    n: int = 5,
    seed: int | None = None,
    extra: Sequence[Question] = (),
) -> InterviewState:
    """A new interview: `n` questions drawn by `bank.select`, then the `extra` (tailored) ones."""
    t = normalize_track(track)
    r = normalize_role(role) if role else "general"
    d = normalize_difficulty(difficulty) if difficulty else None
    questions = bank.select(t, r if role else None, d, n=n, seed=seed)
    ids = {q.id for q in questions}
    questions += [q for q in extra if q.id not in ids]
    return InterviewState(track=t, role=r, difficulty=d, seed=seed, questions=questions)


def fallback_questions(
    bank: QuestionBank, state_or_ids: Sequence[Question], track: str, role: str | None, k: int = 2
) -> list[Question]:
    """Bank questions not already planned, to replace tailored questions that fail."""
    used = {q.id for q in state_or_ids}
    pool = [q for q in bank.all(track, role) if q.id not in used] or [q for q in bank.all(track) if q.id not in used]
    return sorted(pool, key=lambda q: q.id)[:k]
