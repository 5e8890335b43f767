"""Per-key-point truth check: are the answer's own sentences about the key points true?

The rubric (rubric.py) judges the whole answer in one call, and the embedded 1.5B model lets a confident
wrong answer through: its words match the key points, so it sounds right. A generated "yes"/"no" from that
model is biased (it said "contradicts" for most correct statements too), so this check reads likelihoods
instead of words: for each key point the answer talks about (similarity at least `CHECK_AT`), the answer's
chunk that matched it best (`Coverage.evidence`) is put to the model as "true or false?" beside the question,
and the score is the log-odds logit(True) - logit(False) of the reply's first token (`ChoiceScorer`: one
prompt evaluation, nothing generated). The bias is shared by every statement, so a single low score means
little; an answer is called false only when the mean over its checked statements is below `ANSWER_FALSE`
(at least `MIN_CHECKED` statements), and then its statements below `POINT_FALSE` are the contradicted points.

The messages open with the rubric's fixed system prompt, so llama.cpp reuses the prefix it has already
evaluated for the rubric call (a system prompt of its own would evict it: about 2 s per grade on two cores).
The candidate's words travel as a JSON string, marked as data. Each (question, statement) is scored once per
process (`ClaimChecker` keeps a small cache). The thresholds were set on tests/interview/data/hard_cases.yaml
and the labelled answers; hard_cases_heldout.yaml was not used (docs/interview.md has the figures).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from greenroom.errors import GreenroomError
from greenroom.interview.rubric import RUBRIC_SYSTEM
from greenroom.llm.base import ChoiceScorer, Message, system, user

log = logging.getLogger(__name__)

#: Check a key point when its best answer chunk is at least this similar (between coverage's LOW and COVERED).
CHECK_AT = 0.42
#: The answer is called false when its statements' mean log-odds of "True" is below this ...
ANSWER_FALSE = -0.44
#: ... over at least this many checked statements; then each statement below `POINT_FALSE` is contradicted.
MIN_CHECKED = 2
POINT_FALSE = -0.40
CACHE_SIZE = 4096
CHOICES = ("True", "False")

CLAIM_TASK = "Not a grade this time. Topic: {question}\nIs this statement true or false? Answer True or False."


def claim_messages(question: str, statement: str) -> list[Message]:
    return [
        system(RUBRIC_SYSTEM),
        user(CLAIM_TASK.format(question=question) + f"\nStatement: {json.dumps(statement, ensure_ascii=False)}"),
    ]


@dataclass(frozen=True)
class ClaimCheck:
    """The outcome for one answer: the key points checked, their truth scores (log-odds of "True", in the
    order of `checked`), the mean, and the key points contradicted (empty unless the answer is called false)."""

    checked: list[int]
    contradicted: list[int]
    failed: int = 0
    scores: list[float] = field(default_factory=list)

    @property
    def mean(self) -> float | None:
        return sum(self.scores) / len(self.scores) if self.scores else None


def decide(checked: list[int], scores: list[float]) -> list[int]:
    """The contradicted key points: none unless the mean score says the answer is false."""
    if len(scores) < MIN_CHECKED or sum(scores) / len(scores) >= ANSWER_FALSE:
        return []
    return [j for j, s in zip(checked, scores, strict=True) if s < POINT_FALSE]


class ClaimChecker:
    """`check(question, key_points, evidence, similarities) -> ClaimCheck`: one prompt evaluation per distinct
    statement the answer makes about a key point."""

    def __init__(self, scorer: ChoiceScorer, *, check_at: float = CHECK_AT) -> None:
        self.scorer = scorer
        self.check_at = check_at
        self._cache: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def truth(self, question: str, statement: str) -> float | None:
        """Log-odds that the model calls `statement` true; None when the model fails."""
        key = (question, statement)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        try:
            logits = self.scorer.choice_logits(claim_messages(question, statement), CHOICES)
        except (GreenroomError, ValueError) as exc:
            log.warning("claim check failed: %s", exc)
            return None
        score = logits["True"] - logits["False"]
        with self._lock:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = score
        return score

    def check(
        self, question: str, key_points: Sequence[str], evidence: Sequence[str], similarities: Sequence[float]
    ) -> ClaimCheck:
        checked: list[int] = []
        scores: list[float] = []
        failed = 0
        for j, (_kp, chunk, sim) in enumerate(zip(key_points, evidence, similarities, strict=True)):
            if sim < self.check_at or not chunk.strip():
                continue
            score = self.truth(question, chunk)
            if score is None:
                failed += 1
                continue
            checked.append(j)
            scores.append(score)
        return ClaimCheck(checked, decide(checked, scores), failed, scores)
