"""Many interviews at once: concurrent create-then-update transactions all commit (no "database is
locked" from a read that turns into a write; found by benchmarks/load.py at K = 8)."""

from __future__ import annotations

import threading

from greenroom.storage.repository import Store


def test_concurrent_sessions_all_commit(store: Store) -> None:
    errors: list[BaseException] = []
    ids: list[str] = []

    def one(i: int) -> None:
        try:
            sid = store.create_session({"track": "technical", "role": f"role {i}"})
            for turn in range(3):
                store.update_session_meta(sid, {"track": "technical", "role": f"role {i}", "status": f"turn {turn}"})
            ids.append(sid)
        except BaseException as exc:  # noqa: BLE001 (collected and asserted below)
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert len(ids) == 8
    assert all(store.get_session(sid)["meta"]["status"] == "turn 2" for sid in ids)
