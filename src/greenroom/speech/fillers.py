"""Filler words: find "um", "uh", "er", "ah" and the discourse fillers ("like", "you know", "I mean",
"sort of", "kind of", "basically") when they are used as fillers, and count them per minute.

Hesitation sounds are always fillers. The discourse words are counted only in filler position, judged
from punctuation and pauses around them and from the word before (so "I like Python", "looks like",
"a sort of cache" and "you know what" are not counted). The rules are heuristics: see docs/speech.md.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from greenroom.speech.base import Word

HESITATION = re.compile(r"^(?:u+m+|u+h+m*|e+r+m*|e+h+|a+h+|a+r+|h+m+|m+h*m+|u+g+h+)$")
#: The prompt that keeps Whisper from dropping hesitations (it transcribes what it is primed to expect).
DISFLUENT_PROMPT = (
    "Umm, let me think like, hmm... Okay, here's what I'm, like, thinking. Uh, so, you know, I mean, er..."
)

_LIKE_VERB_BEFORE = {
    "i",
    "you",
    "we",
    "they",
    "would",
    "'d",
    "do",
    "don't",
    "didn't",
    "does",
    "doesn't",
    "really",
    "to",
    "people",
    "feel",
    "feels",
    "felt",
    "look",
    "looks",
    "looked",
    "sound",
    "sounds",
    "seem",
    "seems",
    "something",
    "anything",
    "nothing",
    "just",
    "more",
    "less",
    "much",
    "things",
    "stuff",
    "exactly",
    "not",
}
_DETERMINERS = {
    "a",
    "an",
    "the",
    "this",
    "that",
    "what",
    "which",
    "some",
    "any",
    "every",
    "one",
    "each",
    "another",
    "same",
    "these",
    "those",
    "no",
}
#: "like" before these is a preposition ("like a mobile", "like that"), not a filler.
_NOUN_PHRASE_START = _DETERMINERS | {"me", "him", "her", "us", "them", "it", "my", "your", "his", "our", "their"}
#: "kind of"/"sort of" after a subject or an auxiliary hedges the verb that follows ("it sort of works");
#: after a noun it names a kind ("options kind of recording" is read as a noun phrase, not a filler).
_HEDGE_BEFORE = {
    "i", "we", "you", "they", "he", "she", "it", "i'm", "we're", "you're", "they're", "it's", "that's",
    "he's", "she's", "there's", "is", "was", "are", "were", "be", "been", "am", "'s", "just", "really",
    "and", "but", "so", "have", "has", "had", "i've", "we've", "they've", "you've", "get", "got", "feel",
    "felt", "looks", "looked", "seems", "seemed", "do", "did", "does",
}  # fmt: skip
_YOU_KNOW_OBJECT = {
    "that",
    "what",
    "how",
    "the",
    "a",
    "an",
    "it",
    "him",
    "her",
    "them",
    "about",
    "if",
    "whether",
    "why",
    "where",
    "when",
    "who",
    "this",
    "my",
    "your",
    "our",
    "their",
    "nothing",
    "everything",
}
#: "do you know", "what I mean", "if you know": a real verb, not a filler.
_QUESTION_BEFORE = {
    "do",
    "did",
    "does",
    "don't",
    "didn't",
    "what",
    "if",
    "whether",
    "that",
    "as",
    "who",
    "how",
    "would",
    "could",
}
_I_MEAN_OBJECT = {"that", "it", "to", "what", "the", "a", "an", "this", "you", "him", "her", "them", "business", "well"}


@dataclass(frozen=True)
class Filler:
    """One filler occurrence: its normalised form and its times (when known)."""

    text: str
    start: float
    end: float
    kind: str  # "hesitation" or "discourse"
    source: Literal["asr", "acoustic"] = "asr"  # a word Whisper wrote, or a filled pause heard between words


def _norm(token: str) -> str:
    return re.sub(r"[^\w']", "", token.lower().replace("’", "'"))


def _ends_clause(token: str) -> bool:
    return bool(re.search(r"[,.;:!?…—-]$", token.strip()))


def find_fillers(words: Sequence[Word], *, pause_s: float = 0.3) -> list[Filler]:
    """Every filler in a word sequence, in order."""
    toks = [w.text.strip() for w in words]
    norm = [_norm(t) for t in toks]
    out: list[Filler] = []
    n = len(words)
    i = 0

    def gap_before(k: int) -> bool:
        return k == 0 or _ends_clause(toks[k - 1]) or words[k].start - words[k - 1].end >= pause_s

    def gap_after(k: int) -> bool:
        return k == n - 1 or _ends_clause(toks[k]) or words[k + 1].start - words[k].end >= pause_s

    while i < n:
        w = norm[i]
        prev = norm[i - 1] if i > 0 else ""
        nxt = norm[i + 1] if i + 1 < n else ""
        if HESITATION.match(w):
            out.append(Filler(w, words[i].start, words[i].end, "hesitation"))
        elif w == "like":
            # Set off on both sides; or followed by a comma/pause (not after a verb of liking/resembling);
            # or starting a clause, but not as a preposition before a noun phrase ("like a mobile").
            set_off_after = gap_after(i) and prev not in _LIKE_VERB_BEFORE
            opens = gap_before(i) and prev not in _LIKE_VERB_BEFORE and nxt not in _NOUN_PHRASE_START
            if (gap_before(i) and gap_after(i)) or set_off_after or opens:
                out.append(Filler("like", words[i].start, words[i].end, "discourse"))
        elif w == "basically":
            if gap_before(i) or gap_after(i):
                out.append(Filler("basically", words[i].start, words[i].end, "discourse"))
        elif w == "you" and nxt == "know" and i + 1 < n and prev not in _QUESTION_BEFORE:
            after = norm[i + 2] if i + 2 < n else ""
            if gap_after(i + 1) or (gap_before(i) and after not in _YOU_KNOW_OBJECT):
                out.append(Filler("you know", words[i].start, words[i + 1].end, "discourse"))
                i += 2
                continue
        elif w == "i" and nxt == "mean" and i + 1 < n and prev not in _QUESTION_BEFORE:
            after = norm[i + 2] if i + 2 < n else ""
            if gap_after(i + 1) or (gap_before(i) and after not in _I_MEAN_OBJECT):
                out.append(Filler("I mean", words[i].start, words[i + 1].end, "discourse"))
                i += 2
                continue
        elif (
            w in ("sort", "kind")
            and nxt == "of"
            and prev not in _DETERMINERS
            and (gap_before(i) or (i + 1 < n and gap_after(i + 1)) or prev in _HEDGE_BEFORE)
        ):
            out.append(Filler(f"{w} of", words[i].start, words[i + 1].end, "discourse"))
            i += 2
            continue
        i += 1
    return out


def words_from_text(text: str) -> list[Word]:
    """Untimed words from plain text (for counting fillers in a typed answer)."""
    return [Word(t, 0.0, 0.0) for t in text.split()]


def filler_counts(fillers: Sequence[Filler]) -> dict[str, int]:
    """How many of each filler, most frequent first."""
    return dict(Counter(f.text for f in fillers).most_common())


def fillers_per_minute(fillers: Sequence[Filler], speaking_seconds: float) -> float:
    if speaking_seconds <= 0:
        raise ValueError("speaking time must be positive")
    return len(fillers) / (speaking_seconds / 60.0)


#: Whisper's word times are off by up to a few hundred ms: a filled pause heard this close to one of its
#: hesitation words is that word's own tail, not a second filler.
SAME_FILLER_S = 0.3


def merge_fillers(asr: Sequence[Filler], heard: Sequence[tuple[str, float, float]]) -> list[Filler]:
    """Whisper's fillers plus the filled pauses heard between its words (those at one of its hesitations
    are dropped as the same filler)."""
    out = list(asr)
    hes = [f for f in asr if f.kind == "hesitation"]
    for text, start, end in heard:
        if not any(f.start - SAME_FILLER_S < end and start < f.end + SAME_FILLER_S for f in hes):
            out.append(Filler(text, start, end, "hesitation", "acoustic"))
    return sorted(out, key=lambda f: f.start)
