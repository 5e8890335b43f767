"""The interviewer: follow-up selection, the conversation flow with the real LLM and guard, state
round-trip and resume, anonymisation of answers, and grading that never blocks the next question."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from greenroom.errors import InputError
from greenroom.interview.background import BackgroundGrader
from greenroom.interview.coverage import CoverageScorer
from greenroom.interview.followups import choose_follow_up, follow_up_targets
from greenroom.interview.interviewer import Interviewer, clean_question, first_question
from greenroom.interview.plan import new_interview
from greenroom.interview.state import InterviewState


@pytest.fixture(scope="module")
def scorer(embedder: Any) -> CoverageScorer:
    return CoverageScorer(embedder)


def test_follow_up_targets_a_missing_star_result(bank: Any, scorer: CoverageScorer) -> None:
    q = bank.get("beh-tight-deadline")
    answer = (
        "At my last job we had a short deadline to ship an export for a client. "
        "I postponed the PDF part and built the CSV export."
    )
    t = choose_follow_up(q, answer, [], scorer)
    assert t is not None and (t.kind, t.target) == ("star", "result")
    t2 = choose_follow_up(q, answer + " In the end we shipped on time and the client was happy.", [], scorer)
    assert t2 is not None and t2.target == "numbers"


def test_follow_up_targets_the_first_missed_key_point(bank: Any, scorer: CoverageScorer) -> None:
    q = bank.get("tech-hashmap-collisions")
    answer = "A hash function maps the key to a bucket, and two keys can end up in the same bucket."
    t = choose_follow_up(q, answer, [], scorer)
    assert t is not None and t.kind == "key_point"
    assert t.target in q.key_points[1:] and t.hint in q.follow_up_hints
    again = choose_follow_up(q, answer, [t.target], scorer)
    assert again is not None and again.target != t.target


def test_no_follow_up_for_a_complete_or_empty_answer(
    bank: Any, scorer: CoverageScorer, labelled: list[dict[str, str]]
) -> None:
    item = next(it for it in labelled if it["question_id"] == "tech-k8s-pod-crashloop")
    q = bank.get(item["question_id"])
    assert choose_follow_up(q, item["strong"], [], scorer) is None
    assert choose_follow_up(q, "", [], scorer) is None


def test_every_follow_up_the_answers_call_for_is_among_those_phrased_ahead(
    bank: Any, scorer: CoverageScorer, labelled: list[dict[str, str]]
) -> None:
    """`follow_up_targets` (what the live room phrases before the answer is in) holds the first and the
    second pick of `choose_follow_up` for every weak and medium answer of the labelled set, hints included."""
    picks = 0
    for item in labelled:
        q = bank.get(item["question_id"])
        ahead = follow_up_targets(q, scorer)
        assert len(set(ahead)) == len(ahead)
        for level in ("weak", "medium"):
            first = choose_follow_up(q, item[level], [], scorer)
            if first is None:
                continue
            second = choose_follow_up(q, item[level], [first.target], scorer)
            for t in (first, second) if second is not None else (first,):
                assert t in ahead, (q.id, t)
                picks += 1
    assert picks >= 10  # the check ran on real picks


def test_clean_question() -> None:
    assert clean_question('Follow-up: "How would the server recognise a retry?" Thanks!') == (
        "How would the server recognise a retry?"
    )
    assert clean_question("ok") == ""


def test_first_question_stops_the_stream_at_the_question() -> None:
    produced: list[str] = []

    def tokens() -> Any:
        for piece in ["How ", "would you ", "index it", "? Also", ", what about", " writes?"]:
            produced.append(piece)
            yield piece

    stream = tokens()
    assert first_question(stream) == "How would you index it? Also"
    assert len(produced) == 4 and stream.gi_frame is None  # closed: no token generated after the question
    assert first_question(iter(["\n", "Why", " that?\n", "More"])) == "\nWhy that?\n"


@pytest.fixture(scope="module")
def guard(settings: Any, embedder: Any) -> Any:
    from greenroom.ethics.guard import QuestionGuard

    return QuestionGuard.from_settings(settings, embedder)


@pytest.fixture(scope="module")
def anonymize() -> Any:
    from greenroom.privacy.pii import Anonymizer

    return Anonymizer().anonymize


@pytest.mark.slow
def test_conversation_with_follow_ups_resume_and_background_grading(
    bank: Any, llm: Any, guard: Any, anonymize: Any, embedder: Any, grader: Any
) -> None:
    release = threading.Event()

    class HeldGrader:
        """The real grader, held until the test releases it: shows that respond() never waits for grading."""

        def grade(self, question: Any, answer: str) -> Any:
            release.wait(timeout=600)
            return grader.grade(question, answer)

    background = BackgroundGrader(HeldGrader())  # type: ignore[arg-type]
    iv = Interviewer(llm, guard=guard, anonymize=anonymize, embedder=embedder, grader=background)
    state = new_interview(bank, "technical", "backend", n=2, seed=11)
    first = iv.start(state)
    assert first.kind == "question" and first.question_id == state.questions[0].id
    assert state.questions[0].text in first.text and state.phase == "asking"

    # a partial answer, with a name in it: a follow-up comes, phrased by the LLM and checked by the guard
    u = iv.respond(state, "My name is Daniel Okafor. I'm not sure, I would look at it and try a few things.")
    assert "Daniel Okafor" not in state.turns[0].answer
    follow = [u]
    while u.kind == "follow_up":
        assert u.text.endswith("?") and guard.check(u.text).allowed
        u = iv.respond(state, "I don't know more about that.")
        follow.append(u)
    assert 1 <= len(follow) - 1 <= 2
    assert u.kind == "question" and u.question_id == state.questions[1].id
    assert background.pending() == 1  # the first question is being graded while the second is asked

    # round trip and resume in a new interviewer
    saved = state.model_dump_json()
    resumed = InterviewState.model_validate_json(saved)
    assert resumed == state
    iv2 = Interviewer(llm, guard=guard, anonymize=anonymize, embedder=embedder, grader=background, max_follow_ups=0)
    again = iv2.start(resumed)
    assert again.text.startswith("Welcome back") and again.question_id == state.questions[1].id
    end = iv2.respond(resumed, "I would add an index and check the query plan with EXPLAIN.")
    assert end.done and end.kind == "closing" and resumed.phase == "done"
    with pytest.raises(InputError):
        iv2.respond(resumed, "more")
    release.set()
    grades = background.wait(timeout=600)
    assert set(grades) == {q.id for q in state.questions}
    background.close()


def test_respond_before_start_is_an_error(bank: Any, embedder: Any) -> None:
    state = new_interview(bank, "technical", n=1, seed=1)
    with pytest.raises(InputError):
        Interviewer(None, embedder=embedder).respond(state, "hello")


def test_without_llm_follow_ups_use_bank_hints(bank: Any, embedder: Any) -> None:
    state = new_interview(bank, "behavioral", n=1, seed=2)
    iv = Interviewer(None, embedder=embedder)
    iv.start(state)
    u = iv.respond(state, "We had a big release at my last job and I worked on the backend for it.")
    assert u.kind == "follow_up"
    q = state.questions[0]
    assert u.text in (
        *q.follow_up_hints,
        *__import__("greenroom.interview.followups", fromlist=["x"]).STAR_FOLLOW_UPS.values(),
    )


@pytest.mark.slow
def test_tailored_question_from_a_job_description(
    bank: Any, llm: Any, guard: Any, anonymize: Any, embedder: Any
) -> None:
    iv = Interviewer(llm, guard=guard, anonymize=anonymize, embedder=embedder)
    jd = (
        "Backend engineer at a payments start-up; contact Jane Doe (jane.doe@example.com). You will build Python "
        "services on PostgreSQL and Kafka, design the public payment API, and share on-call duty."
    )
    fallbacks = bank.select("technical", "backend", n=1, seed=99)
    questions = iv.tailor(jd, None, track="technical", role="backend", fallbacks=fallbacks)
    assert len(questions) == 1
    q = questions[0]
    assert guard.check(q.text).allowed and 2 <= len(q.key_points) <= 8
    if q.source == "generated":
        assert q.id.startswith("tailored-") and q.track == "technical"
        words = ("python", "postgres", "kafka", "payment", "api", "on-call", "service", "database")
        assert any(w in (q.text + " ".join(q.key_points)).lower() for w in words), q
    else:
        assert q == fallbacks[0] and iv.tailor_notes


@pytest.mark.slow
def test_a_follow_up_is_phrased_once_for_the_speculative_and_the_final_reply(
    bank: Any, counted_llm: Any, guard: Any, embedder: Any
) -> None:
    """The live room prepares a reply during a pause, then again for the final answer: when both probe the same
    missed key point, the real LLM phrases it once, and the second reply is the same words without a call."""
    iv = Interviewer(counted_llm, guard=guard, embedder=embedder)
    state = new_interview(bank, "technical", "backend", n=1, seed=11)
    iv.start(state)
    during = state.model_copy(deep=True)  # as `InterviewService.prepare` works on a copy
    first = iv.respond(during, "I'm not sure, I would look at it.")
    assert first.kind == "follow_up" and counted_llm.calls >= 1
    calls = counted_llm.calls
    final = state.model_copy(deep=True)
    second = iv.respond(final, "I'm not sure, I would look at it and try a few things.")
    assert second.kind == "follow_up" and second.text == first.text and counted_llm.calls == calls
    assert during.turns[-1].target == final.turns[-1].target
    # another missed point is phrased anew
    third = iv.respond(final, "I don't know more about that.")
    if third.kind == "follow_up":
        assert final.turns[-1].target != during.turns[-1].target and counted_llm.calls > calls


@pytest.mark.slow
def test_follow_ups_phrased_ahead_are_asked_without_an_llm_call(
    bank: Any, counted_llm: Any, guard: Any, embedder: Any
) -> None:
    """`prephrase` (the live room runs it while the question is spoken and answered) phrases each possible
    follow-up once with the real LLM; the follow-up the answer then calls for costs no call, and a stopped
    or repeated run asks for nothing."""
    iv = Interviewer(counted_llm, guard=guard, embedder=embedder)
    state = new_interview(bank, "technical", "backend", n=1, seed=11)
    iv.start(state)
    q = state.current
    assert q is not None
    assert iv.prephrase(q, stop=lambda: True) == 0 and counted_llm.calls == 0
    made = iv.prephrase(q)
    assert made == len(follow_up_targets(q, iv.scorer)) and counted_llm.calls >= made  # a guard retry may add one
    calls = counted_llm.calls
    assert iv.prephrase(q) == 0 and counted_llm.calls == calls
    u = iv.respond(state, "I'm not sure, I would look at it and try a few things.")
    assert u.kind == "follow_up" and u.text.endswith("?") and counted_llm.calls == calls
