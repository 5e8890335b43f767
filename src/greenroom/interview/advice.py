"""Feedback derived from the grade's evidence: strengths, improvement areas and a better-answer outline.

Derived deterministically from the covered and missed key points and the text signals, so it is fast,
repeatable and always about the answer, never the person. A `TextGuard` (the ethics feedback guard)
checks each line; a blocked line is dropped and noted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from greenroom.interview.checks import TextSignals

STAR_ADVICE = {
    "situation": "Set the scene in one or two sentences: where you were and what was at stake.",
    "task": "Say what your own task or goal was.",
    "action": "Describe the specific actions you took yourself ('I ...'), not only what the team did.",
    "result": "End with the result, ideally with a number (time saved, errors reduced, users reached).",
}


def _lower_first(text: str) -> str:
    """'A queue decouples...' -> 'a queue decouples...'; acronyms ('HTTP 429...') keep their case."""
    text = text.strip().rstrip(".")
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first.upper() == first:
        return text
    return text[:1].lower() + text[1:]


@dataclass(frozen=True)
class AnswerView:
    """What the feedback is derived from: the judged key points, the text signals and the quality parts."""

    track: str
    covered: Sequence[str]
    missed: Sequence[str]
    contradicted: Sequence[str]
    sig: TextSignals
    parts: dict[str, float]
    technical: float
    on_topic: float
    min_words: int
    coverage: float


def point(kp: str) -> str:
    """A key point as it is quoted in advice: one sentence with a full stop."""
    kp = kp.strip()
    return kp if kp.endswith((".", "?", "!")) else kp + "."


def strengths(v: AnswerView) -> list[str]:
    out: list[str] = []
    for kp in list(v.covered)[:2]:
        out.append(f"Covered: {_lower_first(kp)}.")
    if v.track == "behavioral" and v.sig.star and all(v.sig.star.values()):
        out.append("Used a complete STAR structure: situation, task, actions and result.")
    if v.on_topic >= 0.7 and not v.contradicted:
        if v.parts.get("specificity", 0) >= 0.75 and v.parts.get("mechanism", 0) >= 0.5:
            specifics = ", ".join(v.sig.tech_terms[:3]) if v.sig.tech_terms else "numbers and examples"
            out.append(f"Gave specific details and said how they work ({specifics}).")
        if v.parts.get("structure", 0) >= 0.75 and v.parts.get("clarity", 0) >= 0.8:
            out.append("Clear, well-organised explanation.")
        if v.sig.numbers and v.track == "behavioral":
            out.append("Backed the story with numbers.")
    return out[:4]


def improvements(v: AnswerView) -> list[str]:
    out: list[str] = []
    sig, parts = v.sig, v.parts
    for kp in list(v.contradicted)[:2]:
        out.append(f"Correct a false claim. The right idea: {point(kp)}")
    if v.on_topic < 0.35 and not v.contradicted:
        out.append("Answer the question that was asked; most of this answer was about something else.")
    for kp in [k for k in v.missed if k not in v.contradicted][:3]:
        out.append(f"Also cover this point: {point(kp)}")
    if v.track == "behavioral":
        for part, present in sig.star.items():
            if not present:
                out.append(STAR_ADVICE[part])
        if not sig.numbers:
            out.append("Quantify the outcome with at least one number.")
    complete = v.coverage >= 0.8
    if sig.n_words < v.min_words and not complete:
        out.append(f"Give a fuller answer: about {v.min_words} words or more, with an example.")
    elif parts.get("length", 1) <= 0.2:
        out.append("Keep to the question: a focused answer of a few minutes beats a long one that covers everything.")
    elif parts.get("mechanism", 1) < 0.3 and len(sig.tech_terms) >= 3:
        out.append("Explain how the parts work and why you chose them, not only their names.")
    elif parts.get("specificity", 1) < 0.5 and not complete:
        out.append("Be more specific: name the tools, numbers or a real example from your work.")
    if sig.hedges >= 2:
        out.append("State what you know directly; fewer 'I think' and 'maybe'.")
    if sig.fillers >= 3:
        out.append("Cut filler words ('basically', 'you know', 'um').")
    if parts.get("structure", 1) < 0.4 and sig.n_words >= v.min_words:
        out.append("Structure the answer: lead with the main point, then the details, then a short summary.")
    return out[:6]


def outline(track: str, key_points: Sequence[str]) -> list[str]:
    """The shape of a strong answer: the key points in order (STAR-labelled for behavioural questions)."""
    if track == "behavioral":
        return [
            "Situation: one or two sentences of context.",
            "Task: what you were responsible for.",
            *[f"Action: {kp}" for kp in key_points[1:-1]],
            f"Result: {key_points[-1]}" if key_points else "Result: what changed, with a number.",
        ]
    return [str(kp) for kp in key_points]


def guard_lines(lines: list[str], guard: Any | None, notes: list[str]) -> list[str]:
    """Lines the feedback guard allows; blocked lines are dropped with a note."""
    if guard is None:
        return lines
    kept = []
    for line in lines:
        try:
            allowed = guard.check(line).allowed
        except Exception:  # an InputError on odd text: keep the line out rather than crash the grade
            allowed = False
        if allowed:
            kept.append(line)
        elif "feedback line removed by the ethics guard" not in notes:
            notes.append("feedback line removed by the ethics guard")
    return kept
