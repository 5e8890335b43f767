"""Barge-in: the window after a spoken turn ends in which the candidate can take the turn back.

A short silence ends the turn, so the interviewer answers fast; some of those silences are a pause to think
after a complete sentence. When the candidate goes on within `speech_barge_in_s` of the turn end, while the
interviewer's reply is being prepared or spoken, the interviewer stops, its reply is thrown away (the interview
state never saw it) and the new words join the same answer. The answer is recorded when the window closes:
at its end, once the interviewer's audio has played, when the socket goes, or when the candidate types,
skips or ends the interview.
"""

from __future__ import annotations

import asyncio
import time

from greenroom.live.stages.listening import ListeningStage

#: Audio that arrived before the deadline may still be in the listening queue: the window waits this long more.
GRACE_S = 0.2


class BargeInWindow:
    """One turn end's window. `stage` is the reopened `ListeningStage`; `seconds` from `started` (perf_counter)."""

    def __init__(self, stage: ListeningStage, seconds: float, started: float) -> None:
        self.stage = stage
        self.seconds = seconds
        self.deadline = started + seconds
        self.barged = False  # the candidate went on: the turn is theirs again
        self.closed = False  # the window closed without a barge-in: the turn end stands
        self.played = False  # it closed because the interviewer's audio had played (listening is due)
        self._done = asyncio.Event()
        stage.reopen()

    @property
    def open(self) -> bool:
        return not (self.barged or self.closed)

    def barge(self, arrived: float) -> bool:
        """Speech that arrived at `arrived` (perf_counter) went on: True when that takes the turn back."""
        if not self.open or arrived > self.deadline:
            return False
        self.barged = True
        self.stage.went_on()
        self._done.set()
        return True

    def close(self, *, played: bool = False) -> None:
        """The turn end stands (nothing happens if the candidate already took the turn back)."""
        if not self.open:
            return
        self.closed, self.played = True, played
        self.stage.close()
        self._done.set()

    async def wait(self) -> bool:
        """Until the window closes; True when the candidate took the turn back."""
        try:
            await asyncio.wait_for(self._done.wait(), max(0.0, self.deadline - time.perf_counter()) + GRACE_S)
        except TimeoutError:
            self.close()
        return self.barged
