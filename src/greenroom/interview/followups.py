"""Choosing a follow-up: what did the answer miss?

Deterministic and fast (embeddings only; no LLM), so the interviewer can decide at once:

- behavioural answers: a missing STAR part (result first, then action, then situation), then a
  missing number in the result;
- every answer: the first key point (the bank lists them by importance) that is not covered.

No follow-up when the answer is empty or already covers most key points. The chosen target carries
a bank hint (the follow-up hint most similar to the missed point) that the LLM rephrases, and that
is the fallback text when the LLM's phrasing fails or is blocked.
"""

from __future__ import annotations

from dataclasses import dataclass

from greenroom.interview import checks
from greenroom.interview.bank import Question
from greenroom.interview.coverage import CoverageScorer

STAR_FOLLOW_UPS = {
    "result": "How did it turn out in the end, and what changed as a result?",
    "action": "What did you personally do at that point?",
    "situation": "Can you set the scene a little: where were you working and what was at stake?",
    "numbers": "Can you put a number on the outcome, for example time saved or errors reduced?",
}
ENOUGH_COVERAGE = 0.8


@dataclass(frozen=True)
class FollowUpTarget:
    """What to probe: a key point (`kind="key_point"`) or a STAR part (`kind="star"`), and a bank hint."""

    kind: str
    target: str
    hint: str


def choose_follow_up(
    question: Question, answer: str, asked: list[str], scorer: CoverageScorer
) -> FollowUpTarget | None:
    """The next follow-up for `answer` (the whole answer so far), skipping targets in `asked`."""
    sents = checks.sentences(checks.normalise(answer))
    if len(checks.words(" ".join(sents))) < 3 or checks.is_gibberish(" ".join(sents)):
        return None
    if question.track == "behavioral":
        sig = checks.signals(sents)
        for part in ("result", "action", "situation"):
            if not sig.star.get(part) and part not in asked:
                return FollowUpTarget("star", part, STAR_FOLLOW_UPS[part])
        if not sig.numbers and "numbers" not in asked:
            return FollowUpTarget("star", "numbers", STAR_FOLLOW_UPS["numbers"])
    cov = scorer.score(question.text, question.key_points, sents, question.track)
    if cov.score >= ENOUGH_COVERAGE:
        return None
    missed = [kp for kp in cov.missed(question.key_points) if kp not in asked]
    if not missed:
        return None
    return _key_point_target(question, missed[0], scorer)


def _key_point_target(question: Question, point: str, scorer: CoverageScorer) -> FollowUpTarget:
    hint = ""
    if question.follow_up_hints:
        sims = scorer.similarity_to([point], question.follow_up_hints)[0]
        hint = question.follow_up_hints[int(sims.argmax())]
    return FollowUpTarget("key_point", point, hint or "Could you go a little deeper on that? What else matters here?")


def follow_up_targets(question: Question, scorer: CoverageScorer) -> list[FollowUpTarget]:
    """Every target `choose_follow_up` can pick for `question`, whatever the answer, in the order it tries
    them (the STAR parts, then the key points by importance): the follow-ups the interviewer can phrase
    before the answer is in, since a phrasing depends on the question and the target only."""
    star = [
        FollowUpTarget("star", part, STAR_FOLLOW_UPS[part]) for part in ("result", "action", "situation", "numbers")
    ]
    points = [_key_point_target(question, kp, scorer) for kp in question.key_points]
    return (star if question.track == "behavioral" else []) + points
