"""Privacy-safe guard events and their counters.

An event records only which guard acted, the category, what was done and when: never the text, which
may hold personal data. `GuardMetrics` keeps counters per (guard, category, action) and the last few
hundred events in memory, for the metrics endpoint and the session report.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

Action = Literal["blocked", "regenerated", "fallback", "exhausted"]


@dataclass(frozen=True)
class GuardEvent:
    """One guard action. Deliberately has no text field."""

    guard: str
    category: str
    action: Action
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_dict(self) -> dict[str, str]:
        return {
            "guard": self.guard,
            "category": self.category,
            "action": self.action,
            "timestamp": self.timestamp.isoformat(),
        }


class GuardMetrics:
    """Thread-safe counters of guard events, plus a bounded log of recent events."""

    def __init__(self, keep: int = 500) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str, str]] = Counter()
        self._recent: deque[GuardEvent] = deque(maxlen=keep)

    def record(self, guard: str, category: str | None, action: Action) -> GuardEvent:
        event = GuardEvent(guard=guard, category=category or "unknown", action=action)
        with self._lock:
            self._counts[(event.guard, event.category, event.action)] += 1
            self._recent.append(event)
        return event

    def count(self, *, guard: str | None = None, category: str | None = None, action: str | None = None) -> int:
        with self._lock:
            return sum(
                n
                for (g, c, a), n in self._counts.items()
                if (guard is None or g == guard)
                and (category is None or c == category)
                and (action is None or a == action)
            )

    def events(self) -> list[GuardEvent]:
        with self._lock:
            return list(self._recent)

    def snapshot(self) -> dict[str, int]:
        """Counters as `guard.category.action -> n` (sorted keys, for a metrics endpoint)."""
        with self._lock:
            return {f"{g}.{c}.{a}": n for (g, c, a), n in sorted(self._counts.items())}

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._recent.clear()


_DEFAULT = GuardMetrics()


def default_metrics() -> GuardMetrics:
    """The process-wide counters that guards record into unless given their own."""
    return _DEFAULT
