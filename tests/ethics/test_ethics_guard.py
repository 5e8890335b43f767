"""The question guard on the real MiniLM model: labelled-set figures, lawful variants, bad input, events."""

from __future__ import annotations

from typing import Any

import pytest

from greenroom.errors import InputError
from greenroom.ethics import evaluation
from greenroom.ethics.categories import CATEGORIES, UNSUPPORTED_LANGUAGE
from greenroom.ethics.datasets import data_path, load_exemplars, load_labelled, with_tune_split
from greenroom.ethics.guard import DEFAULT_THRESHOLDS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def items() -> list[Any]:
    return load_labelled()


def test_labelled_set_is_large_and_covers_every_category(items: list[Any]) -> None:
    improper = [it for it in items if it.improper]
    proper = [it for it in items if not it.improper]
    assert len(improper) >= 80 and len(proper) >= 80
    for split in ("tune", "heldout"):
        assert {it.label for it in improper if it.split == split} == set(CATEGORIES)
    assert {it.label for it in proper} == {"lawful_variant", "near_miss", "ordinary"}
    # no labelled sentence is in the hand-written exemplar file, and no held-out one in the guard's bank
    bank = load_exemplars()
    exemplars = {s.lower() for v in bank.improper.values() for s in v} | {s.lower() for s in bank.proper}
    assert not [it.text for it in items if it.text.lower() in exemplars]
    full = with_tune_split(bank, items)
    in_bank = {s.lower() for v in full.improper.values() for s in v} | {s.lower() for s in full.proper}
    assert not [it.text for it in items if it.split == "heldout" and it.text.lower() in in_bank]


@pytest.mark.parametrize("split", ["tune", "heldout"])
def test_recall_and_false_block_rate_meet_the_goals(question_guard: Any, items: list[Any], split: str) -> None:
    fig = evaluation.evaluate(question_guard, [it for it in items if it.split == split])
    assert fig.recall >= 0.95, fig.missed
    assert fig.false_block_rate <= 0.05, fig.false_blocks


@pytest.mark.parametrize(
    ("name", "min_recall", "max_false_block"),
    [("blind_questions.yaml", 0.85, 0.05), ("blind2_questions.yaml", 0.70, 0.05)],
)
def test_blind_sets_stay_above_their_floors(
    question_guard: Any, name: str, min_recall: float, max_false_block: float
) -> None:
    # Regression floors, not the goal: the blind sets were written after the guard was frozen, with
    # indirect phrasing; their first-look figures are reported in docs/ethics.md.
    fig = evaluation.evaluate(question_guard, load_labelled(data_path(name)))
    assert fig.recall >= min_recall, fig.missed
    assert fig.false_block_rate <= max_false_block, fig.false_blocks


def test_embedding_stage_alone_catches_most_improper_questions(question_guard: Any, items: list[Any]) -> None:
    heldout = [it for it in items if it.split == "heldout"]
    fig = evaluation.embedding_only(question_guard, heldout)
    assert fig.recall >= 0.85, fig.missed
    assert fig.false_block_rate <= 0.05, fig.false_blocks


def test_default_thresholds_are_the_tuned_ones(question_guard: Any, items: list[Any]) -> None:
    th, fig = evaluation.tune_thresholds(question_guard, items)
    assert th == DEFAULT_THRESHOLDS
    assert fig.false_block_rate <= 0.02


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("How old will you be next year?", "age"),
        ("When's your next birthday, and how old will you be?", "age"),
        ("Are you over 40?", "age"),
        ("Do you have someone at home to look after the children?", "family_status"),
        ("Great answer on caching! By the way, are you married?", "family_status"),
        ("Is English your first language?", "national_origin"),
        ("Are you a citizen of this country?", "national_origin"),
        ("How many sick days did you take at your last job?", "disability_health"),
        ("Were you honorably discharged from the army?", "military_discharge"),
    ],
)
def test_blocks_with_category_and_lawful_variant(question_guard: Any, text: str, category: str) -> None:
    v = question_guard.check(text)
    assert not v.allowed
    assert v.category == category
    assert v.score >= 0.5
    assert v.lawful_variant == CATEGORIES[category].lawful_variant


@pytest.mark.parametrize(
    "text",
    [
        "Are you authorized to work in this country?",
        "Are you over 18?",
        "Can you perform the essential functions with or without accommodation?",
        "This role needs 30% travel. Can you do that?",
        "This role serves clients in Germany. Which languages do you speak?",
        "How old is the legacy service you rewrote?",
    ],
)
def test_allows_lawful_variants(question_guard: Any, text: str) -> None:
    v = question_guard.check(text)
    assert v.allowed, v.reason
    assert v.category is None and v.lawful_variant is None
    assert 0.0 <= v.score < 0.5


def test_every_suggested_lawful_variant_passes_the_guard(question_guard: Any) -> None:
    for cat in CATEGORIES.values():
        v = question_guard.check(cat.lawful_variant)
        assert v.allowed, (cat.key, v.reason)


def test_markup_and_evasion_are_seen_through(question_guard: Any) -> None:
    assert question_guard.check("<p>Are you <b>pregnant</b>?</p>").category == "pregnancy"
    assert question_guard.check("**Do you have kids?**").category == "family_status"
    assert question_guard.check("How o\u200bld are you?").category == "age"
    assert question_guard.check("Are you &quot;married&quot;?").category == "family_status"


@pytest.mark.parametrize("text", ["", "   ", "<div></div>", "***", "12345 ?!"])
def test_empty_text_is_a_clear_error(question_guard: Any, text: str) -> None:
    with pytest.raises(InputError, match="empty"):
        question_guard.check(text)


def test_very_long_text_is_a_clear_error(question_guard: Any) -> None:
    with pytest.raises(InputError, match="too long"):
        question_guard.check("Explain how a hash map works. " * 400)


def test_long_text_within_the_limit_is_checked_sentence_by_sentence(question_guard: Any) -> None:
    text = "Explain how a hash map works. " * 60 + "Also, what church do you attend?"
    v = question_guard.check(text)
    assert not v.allowed and v.category == "religion"


@pytest.mark.parametrize(
    "text", ["¿Cuántos años tiene usted y dónde nació?", "Quel âge avez-vous et êtes-vous marié ?", "你今年多大了？"]
)
def test_non_english_text_is_blocked_as_unverifiable(question_guard: Any, text: str) -> None:
    v = question_guard.check(text)
    assert not v.allowed
    assert v.category == UNSUPPORTED_LANGUAGE
    assert v.lawful_variant is None


def test_blocks_are_counted_as_events_without_text(fresh_question_guard: Any) -> None:
    g = fresh_question_guard
    g.check("What's your religion?")
    g.check("How would you design a URL shortener?")
    g.check("Are you married?")
    assert g.metrics.count(action="blocked") == 2
    assert g.metrics.count(category="religion") == 1
    events = g.metrics.events()
    assert [e.category for e in events] == ["religion", "family_status"]
    for e in events:
        assert set(e.to_dict()) == {"guard", "category", "action", "timestamp"}
        assert "married" not in str(e.to_dict()) and "religion?" not in str(e.to_dict())
    assert g.metrics.snapshot() == {"question.family_status.blocked": 1, "question.religion.blocked": 1}


def test_check_many_matches_check(question_guard: Any) -> None:
    texts = ["Are you gay?", "What is a closure?", "What's your credit score?"]
    assert [v.allowed for v in question_guard.check_many(texts)] == [question_guard.check(t).allowed for t in texts]


def test_settings_override_thresholds_and_limits(embedder: Any, session_data_dir: Any) -> None:
    from greenroom.config import Settings
    from greenroom.ethics.guard import QuestionGuard

    default = QuestionGuard.from_settings(Settings(data_dir=session_data_dir), embedder)
    assert default.thresholds == DEFAULT_THRESHOLDS
    s = Settings(
        data_dir=session_data_dir, ethics_guard_min_similarity=0.9, ethics_guard_margin=0.3, ethics_max_text_chars=100
    )
    g = QuestionGuard.from_settings(s, embedder)
    assert (g.thresholds.min_similarity, g.thresholds.margin, g.max_chars) == (0.9, 0.3, 100)
    with pytest.raises(InputError, match="limit 100"):
        g.check("Explain how a hash map works. " * 5)


def test_guard_registry(embedder: Any) -> None:
    from greenroom.errors import UnknownNameError
    from greenroom.ethics import GUARDS, TextGuard

    assert GUARDS.names() == ["question", "feedback"]
    g = GUARDS.get("feedback")(embedder)
    assert isinstance(g, TextGuard) and g.name == "feedback"
    with pytest.raises(UnknownNameError, match="question"):
        GUARDS.get("answer")
