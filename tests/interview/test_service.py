"""The interview service, driven the way both faces drive it: skip, resume, finish, a failed grade, and a
speculative reply thrown away. Real bank, real MiniLM embedder and the real grader (coverage formula, no
LLM: fast); the only stand-in is a grader that fails, to show that the failure is reported as such."""

from __future__ import annotations

from typing import Any

import pytest

from greenroom.errors import GreenroomError
from greenroom.interview.delivery import delivery_summary
from greenroom.interview.grading import Grader
from greenroom.interview.service import InterviewService, ResumeState, create_service, plan

SQL = (
    "An index is a B-tree over the column, so lookups are logarithmic instead of a full table scan. "
    "Writes get slower because every insert also updates the index, and it takes disk space."
)


@pytest.fixture(scope="module")
def real_grader(embedder: Any) -> Grader:
    return Grader(None, embedder)


def _service(bank: Any, embedder: Any, grader: Any, n: int = 2, **kw: Any) -> InterviewService:
    state = kw.pop("state", None) or plan(bank, "technical", "backend", None, n=n, seed=4)
    return create_service(state, llm=None, grader=grader, embedder=embedder, max_follow_ups=0, bank=bank, **kw)


def test_a_skipped_question_is_unanswered_not_a_zero(bank: Any, embedder: Any, real_grader: Grader) -> None:
    svc = _service(bank, embedder, real_grader)
    first = svc.start()
    assert first.kind == "question" and first.question_id == svc.state.questions[0].id
    second = svc.skip()
    assert second.question_id == svc.state.questions[1].id
    end = svc.answer(SQL)
    assert end.done and end.kind == "closing"
    report = svc.finish(timeout=60)
    assert [q.status for q in report.questions] == ["skipped", "graded"]
    assert report.questions[0].grade is None
    graded = report.questions[1].grade
    assert graded is not None and report.technical_score == graded.technical_score  # the skip is not averaged
    assert report.overall == {
        "technical_score": report.technical_score,
        "response_quality": report.response_quality,
        "answered": 1,
        "skipped": 1,
        "failed": 0,
    }
    assert "overall" in report.to_json()
    skipped, answered = svc.turns
    assert skipped.skipped and skipped.source == "skipped" and skipped.answer == "" and skipped.grade is None
    assert answered.grade == graded and answered.question == svc.state.questions[1].text
    svc.close()


def test_a_failed_grade_is_reported_as_failed(bank: Any, embedder: Any) -> None:
    class Failing:
        def grade(self, question: Any, answer: str) -> Any:
            raise GreenroomError("the model ran out of memory")

    svc = _service(bank, embedder, Failing(), n=1)
    svc.start()
    svc.answer(SQL)
    report = svc.finish(timeout=60)
    assert report.questions[0].status == "grading failed"
    assert any(n.startswith("grading failed:") and "out of memory" in n for n in report.notes)
    assert not any("not graded in time" in n for n in report.notes)
    assert report.technical_score is None and report.overall["failed"] == 1
    svc.close()


def test_resume_in_a_new_service_and_finish(bank: Any, embedder: Any, real_grader: Grader) -> None:
    svc = _service(bank, embedder, real_grader)
    svc.start()
    svc.answer(SQL)
    saved = svc.resume_state("speaking", with_turns=True).model_dump_json()
    svc.close()

    resumed = ResumeState.model_validate_json(saved)
    again = _service(bank, embedder, real_grader, state=resumed.state, turns=resumed.turns, current=resumed.current)
    asked = again.start()
    assert asked.text.startswith("Welcome back") and asked.question_id == resumed.state.questions[1].id
    again.answer("I would use a cursor with the last seen id so paging stays fast with an index.")
    report = again.finish(timeout=60)
    assert [q.status for q in report.questions] == ["graded", "graded"]  # the first graded again after the resume
    assert len(again.turns) == 2 and all(t.grade is not None for t in again.turns)
    again.close()


def test_a_prepared_reply_changes_nothing_until_adopted(bank: Any, embedder: Any, real_grader: Grader) -> None:
    svc = _service(bank, embedder, real_grader)
    svc.start()
    before = svc.state.model_dump_json()
    reply = svc.prepare("a thought the candidate went on from", "voice")
    assert svc.state.model_dump_json() == before and not svc.turns
    assert reply.turn.source == "voice" and reply.state.index == 1
    svc.adopt(svc.prepare(SQL, "voice"))
    assert [t.answer for t in svc.turns] == [SQL] and svc.state.index == 1
    svc.end_early()
    report = svc.finish(timeout=60)
    assert [q.status for q in report.questions] == ["graded", "skipped"]  # asked, never answered
    assert "the interview was ended early" in report.notes
    svc.close()


def test_tailoring_happens_once(bank: Any, embedder: Any, real_grader: Grader) -> None:
    svc = _service(bank, embedder, real_grader)
    svc.state.tailored = True  # already tailored (e.g. before a resume): no second LLM call, nothing added
    n = len(svc.state.questions)
    svc.tailor("We need a backend engineer who knows PostgreSQL.", None)
    assert len(svc.state.questions) == n
    svc.close()


def test_delivery_summary_reads_the_bands_from_the_checks() -> None:
    from greenroom.speech.delivery import FILLER_SOURCE, SPEAKER_COACH, _check

    def metrics(wpm: float, fpm: float) -> dict[str, Any]:
        checks = [
            _check("wpm", wpm, 100.0, 165.0, SPEAKER_COACH),
            _check("fillers_per_min", fpm, None, 5.0, FILLER_SOURCE),
        ]
        return {"wpm": wpm, "fillers_per_min": fpm, "pauses_over_2s": 1, "checks": [c.model_dump() for c in checks]}

    out = delivery_summary([metrics(180, 2), None, metrics(190, 4)])
    assert out is not None and out["answers"] == 2 and out["wpm"] == 185
    assert out["advice"] == ["Slow down: 185 words a minute is above the 100-165 target."]
    wpm = next(c for c in out["checks"] if c["metric"] == "wpm")
    assert (wpm["status"], wpm["low"], wpm["high"], wpm["source"]) == ("high", 100.0, 165.0, SPEAKER_COACH)
    assert delivery_summary([None, {}]) is None


@pytest.mark.slow
def test_the_next_question_is_phrased_ahead_until_the_interview_moves_past_it(
    bank: Any, embedder: Any, real_grader: Grader, counted_llm: Any
) -> None:
    """`prephrase(question_id)` (the live room calls it as soon as a reply asks a new question, before that
    reply is adopted): the real LLM phrases the next question's follow-ups while the current one is still open;
    its follow-up then costs no call; a question the interview moved past, or a stopped run, asks for nothing."""
    state = plan(bank, "technical", "backend", None, n=2, seed=4)
    svc = create_service(state, llm=counted_llm, grader=real_grader, embedder=embedder, max_follow_ups=1, bank=bank)
    first = svc.start()
    nxt = svc.state.questions[1].id
    assert svc.prephrase(nxt, stop=lambda: True) == 0 and counted_llm.calls == 0
    made = svc.prephrase(nxt)  # the first question is still open
    assert made > 0 and counted_llm.calls >= made and svc.state.index == 0
    assert svc.skip().question_id == nxt
    calls = counted_llm.calls
    assert svc.prephrase(first.question_id) == 0 and svc.prephrase(nxt) == 0 and counted_llm.calls == calls
    follow = svc.answer("An index makes it faster, I think.")
    assert follow.kind == "follow_up" and counted_llm.calls == calls  # phrased ahead: no call now
    svc.close()
