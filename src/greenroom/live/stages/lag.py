"""Lag: how far the live path (VAD, end of turn, ASR) is behind real time, and when that changes.

The audio loop tells it, for each batch of microphone audio, how long that audio waited before it was
processed. Past `behind_s` the session is "catching up": background work (grading, the speculative reply,
camera analysis) yields to the live path and the room says so; once the delay is back under half of that,
it is caught up again. Each change is reported once.
"""

from __future__ import annotations

from collections.abc import Callable


class LagMonitor:
    """`observe(lag_s)` -> True when the path falls behind, False when it has caught up, else None."""

    def __init__(self, behind_s: float = 2.0) -> None:
        if behind_s <= 0:
            raise ValueError("behind_s must be positive")
        self.behind_s = behind_s
        self.behind = False
        self.lag_s = 0.0  # the last delay observed
        self.worst_s = 0.0  # the worst since the last `reset`

    def observe(self, lag_s: float) -> bool | None:
        self.lag_s = max(0.0, lag_s)
        self.worst_s = max(self.worst_s, self.lag_s)
        if not self.behind and self.lag_s > self.behind_s:
            self.behind = True
            return True
        if self.behind and self.lag_s < self.behind_s / 2:
            self.behind = False
            return False
        return None

    def reset(self) -> bool:
        """A new listening window; True when it was behind (the caller ends its catching-up state)."""
        was, self.behind, self.lag_s, self.worst_s = self.behind, False, 0.0, 0.0
        return was


class CatchUp:
    """A `LagMonitor` that holds background work (`pause(True)`, balanced by `pause(False)`) while behind."""

    def __init__(self, behind_s: float, pause: Callable[[bool], None]) -> None:
        self.monitor = LagMonitor(behind_s)
        self._pause = pause
        self._held = False
        self._closed = False

    @property
    def behind(self) -> bool:
        return self.monitor.behind

    def observe(self, lag_s: float) -> bool | None:
        """As `LagMonitor.observe`; on a change background work is held or let go. Nothing after `close`."""
        if self._closed:
            return None
        change = self.monitor.observe(lag_s)
        if change is not None and change != self._held:
            self._held = change
            self._pause(change)
        return change

    def end(self) -> bool:
        """Leave the catching-up state (a new window, the turn's end, a lost socket); True when it was on."""
        was = self.monitor.reset()
        if self._held:
            self._held = False
            self._pause(False)
        return was

    def close(self) -> None:
        """The session is closing: let background work go for good (a batch still being processed when the
        session closes must not hold the grader again, or its thread would wait forever)."""
        self._closed = True
        self.end()
