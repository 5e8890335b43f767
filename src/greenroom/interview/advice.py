"""Feedback derived from the grade's evidence: strengths, improvement areas and a better-answer outline.

Derived deterministically from the covered and missed key points and the text signals, so it is fast,
repeatable and always about the answer, never the person. A `TextGuard` (the ethics feedback guard)
checks each line; a blocked line is dropped and noted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from greenroom.interview.checks import TextSignals

STAR_ADVICE = {
    "situation": "Set the scene in one or two sentences: where you were and what was at stake.",
    "task": "Say what your own task or goal was.",
    "action": "Describe the specific actions you took yourself ('I ...'), not only what the team did.",
    "result": "End with the result, ideally with a number (time saved, errors reduced, users reached).",
}


def _lower_first(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def strengths(
    track: str, covered: Sequence[str], sig: TextSignals, parts: dict[str, float], technical: float
) -> list[str]:
    out: list[str] = []
    for kp in list(covered)[:2]:
        out.append(f"Covered {_lower_first(kp)}.")
    if track == "behavioral" and all(sig.star.values()):
        out.append("Used a complete STAR structure: situation, task, actions and result.")
    if parts.get("specificity", 0) >= 0.75:
        specifics = ", ".join(sig.tech_terms[:3]) if sig.tech_terms else "numbers and examples"
        out.append(f"Gave specific details ({specifics}).")
    if parts.get("structure", 0) >= 0.75 and parts.get("clarity", 0) >= 0.8:
        out.append("Clear, well-organised explanation.")
    if sig.numbers and track == "behavioral":
        out.append("Backed the story with numbers.")
    return out[:4]


def improvements(
    track: str, missed: Sequence[str], sig: TextSignals, parts: dict[str, float], min_words: int
) -> list[str]:
    out: list[str] = []
    for kp in list(missed)[:3]:
        out.append(f"Explain {_lower_first(kp)}.")
    if track == "behavioral":
        for part, present in sig.star.items():
            if not present:
                out.append(STAR_ADVICE[part])
        if not sig.numbers:
            out.append("Quantify the outcome with at least one number.")
    if sig.n_words < min_words:
        out.append(f"Give a fuller answer: about {min_words} words or more, with an example.")
    elif parts.get("specificity", 1) < 0.5:
        out.append("Be more specific: name the tools, numbers or a real example from your work.")
    if sig.hedges >= 2:
        out.append("State what you know directly; fewer 'I think' and 'maybe'.")
    if sig.fillers >= 3:
        out.append("Cut filler words ('basically', 'you know', 'um').")
    if parts.get("structure", 1) < 0.4 and sig.n_words >= min_words:
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
