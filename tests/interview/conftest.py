"""Session-scoped fixtures of the interview tests: the real MiniLM embedder, the embedded LLM, the grader,
the question bank and the labelled answers, each loaded once; grades are cached per (question, answer)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

DATA = Path(__file__).parent / "data"
LEVELS = ("strong", "medium", "weak")


@pytest.fixture(scope="session")
def llm(settings: Any) -> Any:
    from greenroom.llm.factory import create_chat_model

    return create_chat_model(settings)


class CountedLLM:
    """The real model, counting the streamed calls (the follow-up phrasings) that reach it."""

    def __init__(self, llm: Any) -> None:
        self.llm, self.calls = llm, 0
        self.name, self.constrained_json = llm.name, llm.constrained_json

    def stream(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.llm.stream(*args, **kwargs)


@pytest.fixture
def counted_llm(llm: Any) -> CountedLLM:
    """A fresh call counter over the session's real LLM."""
    return CountedLLM(llm)


@pytest.fixture(scope="session")
def bank(settings: Any) -> Any:
    from greenroom.interview.bank import QuestionBank

    return QuestionBank.load(settings)


@pytest.fixture(scope="session")
def grader(settings: Any, llm: Any, embedder: Any) -> Any:
    from greenroom.interview.grading import create_grader

    return create_grader(settings, llm, embedder)


@pytest.fixture(scope="session")
def labelled() -> list[dict[str, str]]:
    items = yaml.safe_load((DATA / "labelled_answers.yaml").read_text(encoding="utf-8"))["items"]
    return list(items)


class GradeCache:
    """Each (question, answer) is graded once per test session."""

    def __init__(self, grader: Any) -> None:
        self.grader = grader
        self.memo: dict[tuple[str, str], Any] = {}

    def __call__(self, question: Any, answer: str) -> Any:
        key = (question.model_dump_json(), answer)
        if key not in self.memo:
            self.memo[key] = self.grader.grade(question, answer)
        return self.memo[key]


@pytest.fixture(scope="session")
def grade(grader: Any) -> GradeCache:
    return GradeCache(grader)


@pytest.fixture(scope="session")
def labelled_grades(labelled: list[dict[str, str]], bank: Any, grade: GradeCache) -> dict[tuple[str, str], Any]:
    """Every labelled answer graded once: {(question_id, level): Grade}."""
    return {(it["question_id"], lvl): grade(bank.get(it["question_id"]), it[lvl]) for it in labelled for lvl in LEVELS}
