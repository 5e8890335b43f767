"""What to do when generated text fails a guard: regenerate up to N times, then fall back to a bank text.

`guarded_generate(generate, guard, fallback)` calls `generate(attempt, last_verdict)` (the callback can
tell the model which category to avoid and which lawful variant to prefer), checks each result, and
returns the first allowed one. After `max_tries` blocked attempts it checks and returns `fallback()`,
a bank question the interview engine supplies, and says so (`source="fallback"`). Every block,
regeneration and fallback is recorded as a privacy-safe event (category and time only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from greenroom.errors import GreenroomError, InputError
from greenroom.ethics.base import GuardVerdict, TextGuard
from greenroom.ethics.events import GuardMetrics, default_metrics

#: `generate(attempt, previous_verdict)`: attempt counts from 0; previous_verdict is None on the first call.
Generate = Callable[[int, GuardVerdict | None], str]


class GuardFallbackError(GreenroomError):
    """Even the fallback text failed the guard: the question bank holds an improper question."""

    http_status = 500
    code = "guard_fallback_blocked"


@dataclass(frozen=True)
class GuardedText:
    """The text to use, the verdict on it, and how it was obtained."""

    text: str
    verdict: GuardVerdict
    source: Literal["generated", "fallback"]
    attempts: int
    blocked: list[str] = field(default_factory=list)  # categories of the rejected attempts, never their text

    @property
    def degraded(self) -> bool:
        """True when the generated text was replaced by a bank text."""
        return self.source == "fallback"


def guarded_generate(
    generate: Generate,
    guard: TextGuard,
    fallback: Callable[[], str],
    *,
    max_tries: int = 2,
    metrics: GuardMetrics | None = None,
) -> GuardedText:
    """First allowed text among the first attempt and `max_tries` regenerations; else the checked fallback."""
    metrics = metrics if metrics is not None else default_metrics()
    verdict: GuardVerdict | None = None
    blocked: list[str] = []
    for attempt in range(max_tries + 1):
        if attempt > 0 and verdict is not None:
            metrics.record(guard.name, verdict.category, "regenerated")
        try:
            candidate = generate(attempt, verdict)
            verdict = guard.check(candidate)
        except InputError:
            # empty or over-long generation: treat as a failed attempt, not as a crash
            verdict = GuardVerdict(allowed=False, category="invalid_text", score=1.0, reason="empty or too long")
            metrics.record(guard.name, verdict.category, "blocked")
            candidate = ""
        if verdict.allowed:
            return GuardedText(candidate, verdict, "generated", attempt + 1, blocked)
        blocked.append(verdict.category or "unknown")
    metrics.record(guard.name, blocked[-1] if blocked else None, "fallback")
    text = fallback()
    final = guard.check(text)
    if not final.allowed:
        metrics.record(guard.name, final.category, "exhausted")
        raise GuardFallbackError(
            f"The fallback text was blocked too (category {final.category}).",
            hint="Check the question bank with `greenroom check-question`.",
        )
    return GuardedText(text, final, "fallback", max_tries + 1, blocked)
