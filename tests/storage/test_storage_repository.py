"""The repository on SQLite and PostgreSQL: round trips, minimisation, media, delete, purge, audit."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from greenroom.errors import InputError, NotFoundError
from greenroom.storage import engine as eng
from greenroom.storage import tables as t
from greenroom.storage.repository import RecordingsDisabledError, Store

META = {"kind": "practice", "track": "technical", "role": "backend engineer", "status": "done"}


def _turn(i: int) -> dict[str, object]:
    return {
        "question": f"Question {i}: how would you shard the orders table?",
        "answer": f"Answer {i} by <PERSON_1>: shard by tenant id with consistent hashing.",
        "grade": {"technical_score": 3 + i % 3, "covered_points": ["sharding"], "missed_points": ["rebalancing"]},
        "delivery_metrics": {"wpm": 140 + i, "fillers_per_min": 0.02},
        "vision_metrics": {"face": {"presence_ratio": 0.97, "eye_contact_ratio": 0.81}},
    }


def test_migrations_reach_head(store: Store) -> None:
    assert eng.current_revision(store.engine) == "0002"


def test_round_trip(store: Store) -> None:
    sid = store.create_session(META)
    for i in range(3):
        store.add_turn(sid, i, _turn(i))
    store.save_report(sid, {"notes": ["solid"], "top_improvements": ["rebalancing"]})
    got = store.get_session(sid)
    assert got["meta"] == META
    assert [tr["index"] for tr in got["turns"]] == [0, 1, 2]
    assert got["turns"][1]["grade"] == _turn(1)["grade"]
    assert got["turns"][2]["delivery_metrics"] == {"wpm": 142, "fillers_per_min": 0.02}
    assert got["turns"][0]["vision_metrics"]["face"]["eye_contact_ratio"] == 0.81
    assert got["report"] == {"notes": ["solid"], "top_improvements": ["rebalancing"]}
    listed = store.list_sessions()
    assert listed[0]["id"] == sid and listed[0]["turns"] == 3 and listed[0]["role"] == "backend engineer"
    assert store.row_counts() == {"profiles": 0, "sessions": 1, "turns": 3, "grades": 3, "metrics": 6, "media": 0}


def test_grades_and_metrics_live_in_their_tables_encrypted(store: Store) -> None:
    sid = store.create_session(META)
    store.add_turn(sid, 0, _turn(0))
    with store.engine.connect() as conn:
        kinds = sorted(r.kind for r in conn.execute(select(t.metrics.c.kind)))
        blobs = [
            bytes(r[0])
            for tbl in (t.sessions, t.turns, t.grades, t.metrics)
            for r in conn.execute(select(tbl.c.content))
        ]
    assert kinds == ["delivery", "vision"]
    for blob in blobs:
        for plain in (
            b"backend engineer",
            b"shard the orders",
            b"rebalancing",
            b"fillers_per_min",
            b"eye_contact_ratio",
        ):
            assert plain not in blob


def test_turn_index_replaces(store: Store) -> None:
    sid = store.create_session(META)
    store.add_turn(sid, 0, {"question": "q", "answer": "first"})
    store.add_turn(sid, 0, {"question": "q", "answer": "second", "grade": {"technical_score": 4}})
    turns = store.get_session(sid)["turns"]
    assert len(turns) == 1 and turns[0]["answer"] == "second" and turns[0]["grade"] == {"technical_score": 4}
    with pytest.raises(InputError):
        store.add_turn(sid, -1, {})


def test_unknown_session_is_a_clear_error(store: Store) -> None:
    for call in (
        lambda: store.get_session("nope"),
        lambda: store.add_turn("nope", 0, {}),
        lambda: store.save_report("nope", {}),
        lambda: store.delete_session("nope"),
    ):
        with pytest.raises(NotFoundError, match="No session 'nope'"):
            call()


def test_the_allow_list_drops_raw_media(store: Store) -> None:
    sid = store.create_session({**META, "job_description": "Own the billing API", "resume": "Jane Doe"})
    store.add_turn(sid, 0, {"question": "q", "answer": "t", "audio": b"RIFF....", "raw_transcript": "Jane Doe"})
    turn = store.get_session(sid)["turns"][0]
    assert "audio" not in turn and "raw_transcript" not in turn and turn["answer"] == "t"
    assert store.get_session(sid)["meta"] == META  # the pasted documents are not kept


def test_recordings_refused_without_opt_in(store: Store) -> None:
    sid = store.create_session(META)
    with pytest.raises(RecordingsDisabledError, match="never stored by default"):
        store.add_media(sid, "audio", b"\x00\x01" * 100)
    assert not store.media_dir.exists() or not any(store.media_dir.iterdir())


def test_recordings_with_opt_in_are_encrypted_and_exported(make_store: Callable[..., Store]) -> None:
    store = make_store(privacy_keep_recordings=True)
    sid = store.create_session(META)
    payload = b"RIFF-fake-wave-PLAINTEXT-MARKER" * 50
    mid = store.add_media(sid, "audio", payload, turn_index=0, meta={"mime": "audio/wav"})
    raw = (store.media_dir / f"{mid}.bin").read_bytes()
    assert b"PLAINTEXT-MARKER" not in raw
    assert store.read_media(mid) == payload
    doc = store.export_session(sid)
    assert doc["sessions"][0]["media"][0]["meta"] == {"mime": "audio/wav"}
    assert doc["sessions"][0]["media"][0]["data_base64"]
    store.delete_session(sid)
    assert list(store.media_dir.iterdir()) == []


def test_export_is_one_json_document(store: Store) -> None:
    import json

    sid = store.create_session(META)
    store.add_turn(sid, 0, _turn(0))
    store.save_report(sid, {"notes": ["ok"]})
    pid = store.create_profile({"display_name": "me"})
    doc = json.loads(json.dumps(store.export_all()))
    assert doc["format"] == "greenroom-export/1"
    assert doc["sessions"][0]["meta"] == META and doc["sessions"][0]["turns"][0]["grade"]["technical_score"] == 3
    assert doc["profiles"] == [{"id": pid, "created_at": store.clock(), "content": {"display_name": "me"}}]


def test_delete_session_and_delete_all(store: Store) -> None:
    a = store.create_session(META)
    b = store.create_session(META)
    store.add_turn(a, 0, _turn(0))
    store.add_turn(b, 0, _turn(1))
    store.delete_session(a)
    assert [s["id"] for s in store.list_sessions()] == [b]
    with pytest.raises(NotFoundError):
        store.get_session(a)
    store.create_profile({"display_name": "me"})
    assert store.delete_all() == 1
    assert store.row_counts() == dict.fromkeys(("profiles", "sessions", "turns", "grades", "metrics", "media"), 0)


def test_purge_with_injected_clock(make_store: Callable[..., Store], clock: object) -> None:
    store = make_store(privacy_keep_recordings=True)
    old = store.create_session(META)
    store.add_turn(old, 0, _turn(0))
    store.add_media(old, "audio", b"old-audio" * 10)
    clock.advance_days(20)  # type: ignore[attr-defined]
    fresh = store.create_session(META)
    store.add_turn(fresh, 0, _turn(1))
    fresh_media = store.add_media(fresh, "video", b"new-video" * 10)
    clock.advance_days(10.5)  # type: ignore[attr-defined]  # old is 30.5 days old, fresh 10.5
    result = store.purge_expired()
    assert (result.sessions, result.media_files) == (1, 1)
    assert [s["id"] for s in store.list_sessions()] == [fresh]
    assert [p.name for p in store.media_dir.iterdir()] == [f"{fresh_media}.bin"]
    clock.advance_days(30)  # type: ignore[attr-defined]
    store.purge_expired()
    assert store.row_counts() == dict.fromkeys(("profiles", "sessions", "turns", "grades", "metrics", "media"), 0)
    assert list(store.media_dir.iterdir()) == []


def test_retention_days_setting(make_store: Callable[..., Store], clock: object) -> None:
    store = make_store(privacy_retention_days=2)
    sid = store.create_session(META)
    clock.advance_days(1.9)  # type: ignore[attr-defined]
    assert store.purge_expired().sessions == 0
    clock.advance_days(0.2)  # type: ignore[attr-defined]
    assert store.purge_expired().sessions == 1
    with pytest.raises(NotFoundError):
        store.get_session(sid)


def test_audit_log_has_no_personal_data(store: Store) -> None:
    sid = store.create_session(META)
    store.add_turn(sid, 0, _turn(0))
    store.export_session(sid)
    store.delete_session(sid)
    store.purge_expired()
    events = store.audit_events()
    assert [e["event"] for e in events] == ["export", "delete", "purge"]
    text = repr(events)
    assert sid not in text and "backend" not in text and "shard" not in text


def test_reopen_keeps_data(make_store: Callable[..., Store]) -> None:
    first = make_store()
    sid = first.create_session(META)
    first.close()
    assert make_store().get_session(sid)["meta"] == META


def test_unknown_media_kind_is_refused(make_store: Callable[..., Store]) -> None:
    store = make_store(privacy_keep_recordings=True)
    sid = store.create_session(META)
    with pytest.raises(InputError, match="Unknown media kind 'frames'"):
        store.add_media(sid, "frames", b"x")
