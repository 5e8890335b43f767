"""The report: per-question grades, overall scores, three improvement areas, a practice plan; Markdown and JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest

from greenroom.interview.plan import new_interview
from greenroom.interview.report import Report, build_report
from greenroom.interview.state import Turn

pytestmark = pytest.mark.slow


def _state_with_answers(bank: Any, labelled: list[dict[str, str]], level_by_q: dict[str, str]) -> Any:
    state = new_interview(bank, "technical", n=1, seed=0)
    ids = list(level_by_q)
    state.questions = [bank.get(i) for i in ids]
    answers = {it["question_id"]: it for it in labelled}
    for qid, lvl in level_by_q.items():
        state.turns.append(Turn(question_id=qid, kind="question", prompt=bank.get(qid).text, answer=answers[qid][lvl]))
    state.phase = "done"
    return state


def test_report_markdown_json_and_plan(bank: Any, labelled: list[dict[str, str]], labelled_grades: Any) -> None:
    levels = {"tech-sql-index": "strong", "tech-overfitting": "weak", "beh-difficult-feedback": "medium"}
    state = _state_with_answers(bank, labelled, levels)
    grades = {qid: labelled_grades[(qid, lvl)] for qid, lvl in levels.items()}
    delivery = {"words_per_minute": 182, "advice": ["Slow down a little: about 140 to 160 words per minute."]}
    rep = build_report(state, grades, delivery=delivery, bank=bank)
    assert len(rep.questions) == 3 and all(r.status == "graded" for r in rep.questions)
    mean = sum(g.technical_score for g in grades.values()) / 3
    assert rep.technical_score == pytest.approx(mean, abs=0.05)
    assert len(rep.top_improvements) == 3
    # the weakest answer's gaps come first
    assert "overfitting" in rep.top_improvements[0].lower() or "validation" in rep.top_improvements[0].lower()
    assert len(set(rep.top_improvements)) == len(rep.top_improvements)
    # the plan ends with what to do next, in words, not a terminal command
    assert rep.practice_plan[-1].startswith("Then take another technical interview of 3 questions")
    assert not any("greenroom " in step or "--" in step for step in rep.practice_plan)
    md = rep.to_markdown()
    for heading in (
        "# Interview report",
        "## Top three things to practise",
        "## Questions",
        "## Delivery",
        "## Practice plan",
    ):
        assert heading in md
    assert md.rstrip().splitlines()[-1].startswith(f"{len(rep.practice_plan)}. Then take another")
    # every grade's notes and the model's one-line judgement are in the report
    for r in rep.questions:
        assert r.grade is not None
        for note in r.grade.notes:
            assert note in md
        if r.grade.rubric_reasoning:
            assert r.grade.rubric_reasoning in md
    data = json.loads(rep.to_json())
    assert data["schema"] == "greenroom.interview-report/1"
    assert Report.model_validate(data) == rep


def test_missing_grades_are_reported_not_invented(
    bank: Any, labelled: list[dict[str, str]], labelled_grades: Any
) -> None:
    levels = {"tech-sql-index": "strong", "tech-overfitting": "weak"}
    state = _state_with_answers(bank, labelled, levels)
    rep = build_report(state, {"tech-sql-index": labelled_grades[("tech-sql-index", "strong")]})
    assert [r.status for r in rep.questions] == ["graded", "not graded"]
    assert any("not graded in time" in n for n in rep.notes)
    assert rep.technical_score == labelled_grades[("tech-sql-index", "strong")].technical_score
