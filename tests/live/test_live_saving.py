"""The saving stage of a live interview, without models: the resume state and the unsaved turns go to the
store after a turn; while storage is away the page gets one banner, the turn stays pending and the newest
state is written when storage is back; after the report, everything goes in one transaction."""

from __future__ import annotations

import asyncio
from typing import Any

from greenroom.errors import StorageUnavailableError
from greenroom.live.stages.saving import SavingStage


class _Doc:
    def __init__(self, value: Any) -> None:
        self.value = value

    def model_dump(self, **_: Any) -> Any:
        return self.value


class _Service:
    def resume_state(self, phase: str) -> _Doc:
        return _Doc({"phase": phase})


class _Store:
    """Records each write; `down` makes it fail as a full disk would."""

    def __init__(self) -> None:
        self.down = False
        self.progress: list[tuple[str, dict[str, Any], dict[int, Any]]] = []
        self.finished: list[tuple[str, Any, Any, Any]] = []

    def save_progress(self, sid: str, resume: dict[str, Any], turns: dict[int, Any]) -> None:
        if self.down:
            raise StorageUnavailableError("The disk is full.")
        self.progress.append((sid, resume, turns))

    def finish_session(self, sid: str, meta: Any, turns: Any, report: Any) -> None:
        self.finished.append((sid, meta, turns, report))


class _Session:
    """The parts of a `LiveSession` the saving stage reads."""

    def __init__(self, store: _Store) -> None:
        self.id, self.store, self.service = "s1", store, _Service()
        self.report: dict[str, Any] | None = None
        self.meta = {"status": "live"}
        self.turns = [_Doc({"answer": "first"}), _Doc({"answer": "second"})]
        self.phase = "listening"
        self.degraded: list[dict[str, str]] = []
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def emit(self, kind: str, **fields: Any) -> None:
        self.sent.append((kind, fields))


def test_saving_keeps_turns_while_storage_is_away_and_finishes_in_one_write() -> None:
    store = _Store()
    session = _Session(store)
    saving = SavingStage(session, retry_s=0.01)

    async def run() -> None:
        assert await saving.save(0)
        assert store.progress == [("s1", {"phase": "speaking"}, {0: {"answer": "first"}})]  # listening -> speaking
        store.down = True
        assert not await saving.save(1)
        assert saving.unsaved_turns == {1} and session.degraded[0]["code"] == "storage_unavailable"
        store.down = False
        await asyncio.wait_for(saving.saver.wait(), 5)
        assert store.progress[-1][2] == {1: {"answer": "second"}} and saving.unsaved_turns == set()
        assert session.degraded == []
        session.report = {"overall": 1}
        assert await saving.save()
        assert store.finished == [
            ("s1", {"status": "live"}, [{"answer": "first"}, {"answer": "second"}], {"overall": 1})
        ]

    asyncio.run(run())
    assert [(k, f["ok"]) for k, f in session.sent] == [("storage", False), ("storage", True)]
