"""Keys and tampering, on SQLite and PostgreSQL: wrong passphrase, tampered or moved ciphertext,
re-wrap, and resumable re-encryption."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select, update

from greenroom.config import Settings
from greenroom.privacy.crypto import KeyUnlockError, TamperedDataError, key_id_of
from greenroom.storage import rotation
from greenroom.storage import tables as t
from greenroom.storage.repository import Store, key_source, open_store

META = {"track": "behavioural", "role": "engineering manager"}


def _snapshot(store: Store, data_dir: Path) -> str:
    """A digest of every row of every table plus every file under the data dir."""
    h = hashlib.sha256()
    with store.engine.connect() as conn:
        for table in t.metadata.sorted_tables:
            for row in conn.execute(select(table).order_by(*table.primary_key.columns)):
                h.update(repr(tuple(row)).encode())
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file() and not p.name.endswith(("-wal", "-shm"))):
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()


def test_key_file_is_owner_only(store: Store, store_settings: Settings) -> None:
    key_file = key_source(store_settings).key_file
    assert key_file.stat().st_mode & 0o777 == 0o600
    if store_settings.database_url is None:
        assert (store_settings.data_dir / "greenroom.db").stat().st_mode & 0o777 == 0o600


def test_group_readable_key_file_is_refused(store: Store, store_settings: Settings) -> None:
    key_file = key_source(store_settings).key_file
    key_file.chmod(0o644)
    with pytest.raises(KeyUnlockError, match="readable by other users"):
        open_store(store_settings)


def test_wrong_passphrase_is_clear_and_changes_nothing(store_settings: Settings) -> None:
    s = store_settings.model_copy(
        update={"privacy_key_mode": "passphrase", "privacy_passphrase": "correct horse battery"}
    )
    store = open_store(s)
    sid = store.create_session(META)
    store.add_turn(sid, 0, {"question": "q", "answer": "t"})
    before = _snapshot(store, s.data_dir)
    with pytest.raises(KeyUnlockError, match="Wrong passphrase.*Nothing was changed"):
        open_store(s.model_copy(update={"privacy_passphrase": "wrong horse"}))
    with pytest.raises(KeyUnlockError, match="none was given"):
        open_store(s.model_copy(update={"privacy_passphrase": None}))
    with pytest.raises(KeyUnlockError, match="protected by a passphrase"):
        open_store(s.model_copy(update={"privacy_key_mode": "keyfile"}))
    assert _snapshot(store, s.data_dir) == before
    assert open_store(s).get_session(sid)["meta"] == META
    store.close()


def test_wrong_key_file_is_refused(store: Store, store_settings: Settings, tmp_path: Path) -> None:
    store.create_session(META)
    other = tmp_path / "other.key"
    other.write_bytes(b"\x01" * 32)
    other.chmod(0o600)
    with pytest.raises(KeyUnlockError, match="Wrong key file"):
        open_store(store_settings.model_copy(update={"privacy_key_file": other}))


def test_tampered_ciphertext_fails_that_record_only(store: Store) -> None:
    good = store.create_session({**META, "role": "good"})
    bad = store.create_session({**META, "role": "bad"})
    with store.engine.begin() as conn:
        blob = bytearray(conn.execute(select(t.sessions.c.content).where(t.sessions.c.id == bad)).scalar_one())
        blob[-5] ^= 0x01
        conn.execute(update(t.sessions).where(t.sessions.c.id == bad).values(content=bytes(blob)))
    with pytest.raises(TamperedDataError, match=f"content of record {bad} failed authentication"):
        store.get_session(bad)
    assert store.get_session(good)["meta"]["role"] == "good"
    listed = {s["id"]: s for s in store.list_sessions()}
    assert "error" in listed[bad] and listed[good]["role"] == "good"
    exported = {s["id"]: s for s in store.export_all()["sessions"]}
    assert "failed authentication" in exported[bad]["error"] and exported[good]["meta"]["role"] == "good"


def test_ciphertext_moved_to_another_row_fails(store: Store) -> None:
    a = store.create_session({**META, "role": "a"})
    b = store.create_session({**META, "role": "b"})
    with store.engine.begin() as conn:
        blob_a = conn.execute(select(t.sessions.c.content).where(t.sessions.c.id == a)).scalar_one()
        conn.execute(update(t.sessions).where(t.sessions.c.id == b).values(content=blob_a))
    with pytest.raises(TamperedDataError):
        store.get_session(b)
    assert store.get_session(a)["meta"]["role"] == "a"


def test_rewrap_to_passphrase_and_back(store: Store, store_settings: Settings) -> None:
    sid = store.create_session(META)
    old = key_source(store_settings)
    new = old.__class__(mode="passphrase", key_file=old.key_file, passphrase="a long passphrase")
    assert rotation.rewrap(store, old, new).keys_rewrapped == 1
    with pytest.raises(KeyUnlockError):
        open_store(store_settings)  # key-file mode no longer opens it
    s2 = store_settings.model_copy(update={"privacy_key_mode": "passphrase", "privacy_passphrase": "a long passphrase"})
    reopened = open_store(s2)
    assert reopened.get_session(sid)["meta"] == META
    key_bytes = old.key_file.read_bytes()
    rotation.rewrap(reopened, key_source(s2), old)  # back to a NEW key file
    assert old.key_file.read_bytes() != key_bytes
    assert open_store(store_settings).get_session(sid)["meta"] == META
    assert [e["event"] for e in reopened.audit_events()][-2:] == ["key_rewrap", "key_rewrap"]


def test_reencrypt_is_resumable(make_store: Callable[..., Store], store_settings: Settings) -> None:
    store = make_store(privacy_keep_recordings=True)
    ids = [store.create_session({**META, "interview_id": str(i)}) for i in range(12)]
    for sid in ids:
        store.add_turn(sid, 0, {"question": "q", "answer": "t", "grade": {"technical_score": 1}})
    mid = store.add_media(ids[0], "audio", b"sound" * 20)
    source = key_source(store_settings)
    first = rotation.reencrypt(store, source, batch_size=5, max_batches=2)  # "interrupted"
    assert not first.finished and first.values_reencrypted == 10 and first.active_key_id == 2
    # a fresh process resumes: both keys are still in the keyring, every record still readable
    resumed_store = make_store(privacy_keep_recordings=True)
    assert all(resumed_store.get_session(sid)["meta"]["interview_id"] == str(i) for i, sid in enumerate(ids))
    second = rotation.reencrypt(resumed_store, source, batch_size=5)
    assert second.finished and second.active_key_id == 2
    assert first.values_reencrypted + second.values_reencrypted == 12 * 3 + 1  # sessions, turns, grades, media meta
    assert first.files_reencrypted + second.files_reencrypted == 1
    with resumed_store.engine.connect() as conn:
        assert {key_id_of(b) for b in conn.execute(select(t.sessions.c.content)).scalars()} == {2}
        assert list(conn.execute(select(t.data_keys.c.key_id)).scalars()) == [2]
    assert key_id_of((resumed_store.media_dir / f"{mid}.bin").read_bytes()) == 2
    final = make_store(privacy_keep_recordings=True)
    assert final.read_media(mid) == b"sound" * 20 and final.get_session(ids[5])["meta"]["interview_id"] == "5"
