"""Restarts and repetitions from the word sequence, filler rules for "like"/"kind of", and how heard filled
pauses merge with Whisper's own fillers. Text-only (no model): the real-recording figures are in
tests/test_real_media.py."""

from __future__ import annotations

from greenroom.speech.base import Word
from greenroom.speech.disfluency import find_disfluencies
from greenroom.speech.fillers import Filler, find_fillers, merge_fillers, words_from_text


def kinds(text: str) -> list[tuple[str, str]]:
    return [(d.kind, d.text) for d in find_disfluencies(words_from_text(text))]


def fill(text: str) -> list[str]:
    return [f.text for f in find_fillers(words_from_text(text))]


def test_restart_repetition_and_repeated_phrase() -> None:
    assert kinds("When they're when you've got the main things") == [("restart", "When they're when")]
    assert kinds("I I think the the cache was slow") == [("repetition", "I I"), ("repetition", "the the")]
    got = kinds("it doesn't make when you pick it up it doesn't make it complicated")
    assert got == [("repeated phrase", "it doesn't make when you pick it up it doesn't make")]
    assert kinds("we went there we went there again") == [("repeated phrase", "we went there we went there")]


def test_fluent_speech_has_no_restarts() -> None:
    for text in (
        "I think I can do it one by one, more and more, day to day.",
        "It was very very good, no no, it was fine.",
        "Ask not what your country can do for you, ask what you can do for your country.",
        "It, because it was late, failed.",
        "Um, so, uh, we shipped it.",
    ):
        assert kinds(text) == [], text


def test_disfluencies_keep_their_times() -> None:
    words = [Word("when", 1.0, 1.2), Word("they're", 1.2, 1.5), Word("when", 1.6, 1.8), Word("you've", 1.8, 2.0)]
    (d,) = find_disfluencies(words)
    assert (d.start, d.end) == (1.0, 1.8)


def test_like_and_kind_of_only_as_fillers() -> None:
    assert fill("A button or something like that, like a mobile.") == []
    assert fill("Options kind of recording, things like that inside it.") == []
    assert fill("It was, like, a queue. It kind of works.") == ["like", "kind of"]
    assert fill("So like, we shipped it.") == ["like"]  # set off by a comma


def test_heard_fillers_merge_with_whispers() -> None:
    asr = [Filler("umm", 5.55, 5.71, "hesitation")]
    heard = [("uh", 5.75, 5.98), ("um", 29.39, 29.73)]  # the first is the tail of Whisper's own "Umm"
    merged = merge_fillers(asr, heard)
    assert [(f.text, f.source) for f in merged] == [("umm", "asr"), ("um", "acoustic")]
    assert merged[1].start == 29.39
