"""Saving: the one place a live interview writes between turns, and at its finish.

After every turn the session saves the resume state and the turns not yet stored; once the report is
built, every turn, the report and the finished meta go in one transaction. Writes go through the
`RetryingSaver` (`live/saver.py`): when storage is away the interview goes on from memory, the page shows
a banner, and the newest state is written when storage is back (every write replaces the last, so
nothing is lost).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from greenroom.live.saver import RetryingSaver


class SavingStage:
    """The saves of one `LiveSession` (read for its state at each try: report, meta, turns, phase)."""

    def __init__(self, session: Any, retry_s: float) -> None:
        self.session = session
        self.unsaved_turns: set[int] = set()  # turn indices not yet stored (storage may be away)
        self.saver = RetryingSaver(self._prepare_write, self._write, self._storage_event, retry_s)

    async def save(self, turn: int | None = None) -> bool:
        """Save the resume state (and turn `turn`). False when storage is away: the state stays in memory
        and the save is retried."""
        if turn is not None:
            self.unsaved_turns.add(turn)
        return await self.saver.save()

    def _prepare_write(self) -> Callable[[], None]:
        """On the event loop: what to store now, as a blocking call (every write replaces the last, so a
        retry with the newest state loses nothing)."""
        s = self.session
        if s.report is not None:  # finished: every turn with its grade and the report, in one transaction
            meta, report = s.meta, s.report
            turns = [t.model_dump(mode="json") for t in s.turns]
            return lambda: s.store.finish_session(s.id, meta, turns, report)
        phase = s.phase if s.phase != "listening" else "speaking"
        resume = s.service.resume_state(phase).model_dump(mode="json", exclude={"turns"})
        pending = set(self.unsaved_turns)
        turn_data = {i: s.turns[i].model_dump(mode="json") for i in sorted(pending)}

        def write() -> None:
            s.store.save_progress(s.id, resume, turn_data)
            self.unsaved_turns.difference_update(pending)

        return write

    @staticmethod
    def _write(call: Callable[[], None]) -> None:
        call()

    async def _storage_event(self, ok: bool, detail: str) -> None:
        """The page's banner: storage unavailable (the interview goes on), or back."""
        s = self.session
        s.degraded = [d for d in s.degraded if d["code"] != "storage_unavailable"]
        if not ok:
            s.degraded.append({"code": "storage_unavailable", "detail": detail})
        await s.emit("storage", ok=ok, detail=detail)
