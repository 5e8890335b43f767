"""Sentences with known fillers, for measuring how many fillers the ASR + filler finder recover."""

from __future__ import annotations

from collections import Counter

from greenroom.speech.fillers import Filler

#: (sentence, fillers it contains: hesitations as "hes", discourse fillers by name)
FILLER_SENTENCES: list[tuple[str, list[str]]] = [
    ("So, um, I built the billing service in Python.", ["hes"]),
    ("It was, like, a queue with three workers.", ["like"]),
    ("Uh, then we added a cache in front of the database.", ["hes"]),
    ("I mean, the latency dropped by half.", ["I mean"]),
    ("We, um, measured it, you know, every week.", ["hes", "you know"]),
    ("Basically, the old system could not scale.", ["basically"]),
    ("Er, we sort of rewrote the scheduler.", ["hes", "sort of"]),
    ("Umm, the team was, like, four engineers.", ["hes", "like"]),
    ("And, uh, I reviewed every design, you know.", ["hes", "you know"]),
    ("Hmm, I think the hardest part was testing.", ["hes"]),
]


def label(f: Filler) -> str:
    return "hes" if f.kind == "hesitation" else f.text


def recall(found: list[Filler], expected: list[str]) -> tuple[int, int]:
    """(recovered, inserted): per label, at most as many as were inserted count."""
    got = Counter(label(f) for f in found)
    want = Counter(expected)
    return sum(min(got[k], n) for k, n in want.items()), sum(want.values())
