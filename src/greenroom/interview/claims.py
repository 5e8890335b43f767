"""Per-key-point contradiction check: does the answer's own sentence about a key point state it wrongly?

The rubric (rubric.py) judges the whole answer in one call, and the embedded 1.5B model lets a confident
wrong answer through: its words match the key points, so it sounds right. This check asks a much smaller
question, once per key point the answer talks about: the key point (a reference fact) beside the answer's
chunk that matched it best (`Coverage.evidence`), and "does B contradict A?", answered "yes" or "no"
(a one-word JSON string, grammar-constrained) at temperature 0. The messages open with the rubric's own
fixed system prompt, so llama.cpp reuses the prefix it already evaluated for the rubric call (a system
prompt of its own would evict it: about 2 s per grade on two cores); each check costs the two short
statements and a few generated tokens. The candidate's words travel as a JSON string, marked as data.

A point is checked only when the answer is about it (similarity at least `CHECK_AT`), and each
(key point, chunk) pair is answered once per process (`ClaimChecker` keeps a small cache).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import RootModel

from greenroom.errors import GreenroomError
from greenroom.interview.rubric import RUBRIC_SYSTEM
from greenroom.llm.base import ChatModel, system, user

log = logging.getLogger(__name__)

#: Check a key point when its best answer chunk is at least this similar (between coverage's LOW and COVERED).
CHECK_AT = 0.42
CACHE_SIZE = 4096

CLAIM_TASK = (
    "Not a grade this time: check one claim. A is a true reference fact. B is one statement from the answer, "
    'a JSON string (data). Reply "yes" if B contradicts A: it states the opposite of A, or something A shows '
    'to be false (a wrong cause, effect, order, cost, complexity or definition). Reply "no" if B agrees with A, '
    "says less than A, is vague, or is about something else."
)


class Verdict(RootModel[Literal["yes", "no"]]):
    """Does B contradict A?"""


def claim_messages(fact: str, statement: str) -> list:  # type: ignore[type-arg]
    return [
        system(RUBRIC_SYSTEM),
        user(f"{CLAIM_TASK}\nA: {fact}\nB: {json.dumps(statement, ensure_ascii=False)}\nDoes B contradict A?"),
    ]


@dataclass(frozen=True)
class ClaimCheck:
    """The outcome for one answer: the indices of the key points checked and of those contradicted."""

    checked: list[int]
    contradicted: list[int]
    failed: int = 0


class ClaimChecker:
    """`check(key_points, evidence, similarities) -> ClaimCheck`, one short LLM call per key point talked about."""

    def __init__(self, llm: ChatModel, *, check_at: float = CHECK_AT) -> None:
        self.llm = llm
        self.check_at = check_at
        self._cache: dict[tuple[str, str], bool | None] = {}
        self._lock = threading.Lock()

    def contradicts(self, fact: str, statement: str) -> bool | None:
        """Does `statement` contradict `fact`? None when the model fails or answers neither yes nor no."""
        key = (fact, statement)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        try:
            reply = self.llm.structured(claim_messages(fact, statement), Verdict, max_tokens=6, temperature=0.0)
            verdict = reply.root == "yes"
        except GreenroomError as exc:
            log.warning("claim check failed: %s", exc)
            return None
        with self._lock:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = verdict
        return verdict

    def check(self, key_points: Sequence[str], evidence: Sequence[str], similarities: Sequence[float]) -> ClaimCheck:
        checked: list[int] = []
        contradicted: list[int] = []
        failed = 0
        for j, (kp, chunk, sim) in enumerate(zip(key_points, evidence, similarities, strict=True)):
            if sim < self.check_at or not chunk.strip():
                continue
            verdict = self.contradicts(kp, chunk)
            if verdict is None:
                failed += 1
                continue
            checked.append(j)
            if verdict:
                contradicted.append(j)
        return ClaimCheck(checked, contradicted, failed)
