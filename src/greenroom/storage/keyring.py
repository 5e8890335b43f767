"""The keyring: data keys stored wrapped in the `data_keys` table, unlocked with the KEK.

`unlock` opens every data key (or creates the first one); a wrong passphrase or key file raises
`KeyUnlockError` before anything is written. Rotation comes in two kinds:

- `rewrap`: wrap the same data keys under a new KEK (new key file, new passphrase, or a switch between
  the two), in one transaction. A new key file is written next to the old one first and renamed over
  it after the commit; if the process dies in between, the next `unlock` finishes the rename.
- `reencrypt`: create a new data key, make it active, and re-encrypt every stored value and media file
  in batches, each batch committed on its own. Old keys stay (status `retiring`) until no value uses
  them, so an interrupted run resumes where it stopped, and nothing is ever unreadable.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from greenroom.privacy import crypto
from greenroom.privacy.crypto import AesGcmCipher, Kek, KeyUnlockError
from greenroom.storage import tables as t


@dataclass(frozen=True)
class KekSource:
    """Where the key-encryption key comes from: a 0600 key file (default) or a passphrase."""

    mode: str  # "keyfile" | "passphrase"
    key_file: Path
    passphrase: str | None = None

    def new_kek(self) -> Kek:
        if self.mode == "passphrase":
            if not self.passphrase:
                raise KeyUnlockError(
                    "Passphrase mode is on but no passphrase was given.",
                    hint="Set GREENROOM_PRIVACY_PASSPHRASE, or run the command in a terminal to be asked for it.",
                )
            return crypto.kek_from_passphrase(self.passphrase, crypto.new_passphrase_params())
        if self.key_file.exists():
            return crypto.load_or_create_key_file(self.key_file, create=False)
        return crypto.Kek(crypto.write_key_file(self.key_file, crypto.new_data_key()), "keyfile")

    def kek_for(self, kind: str, params: dict[str, Any]) -> Kek:
        if kind != self.mode:
            raise KeyUnlockError(
                f"The data keys are protected by a {kind}, but Greenroom is set to use a {self.mode}.",
                hint="Set GREENROOM_PRIVACY_KEY_MODE accordingly, or rotate with `greenroom keys rotate`.",
            )
        if kind == "passphrase":
            if not self.passphrase:
                raise KeyUnlockError(
                    "The data is protected by a passphrase and none was given.",
                    hint="Set GREENROOM_PRIVACY_PASSPHRASE, or run the command in a terminal to be asked for it.",
                )
            return crypto.kek_from_passphrase(self.passphrase, params)
        return crypto.load_or_create_key_file(self.key_file, create=False)


def _pending_key_file(key_file: Path) -> Path:
    return key_file.with_name(key_file.name + ".new")


def _rows(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(t.data_keys).order_by(t.data_keys.c.key_id)))


def _unwrap_all(rows: list[Any], source: KekSource) -> dict[int, bytes]:
    keks: dict[str, Kek] = {}
    keys: dict[int, bytes] = {}
    for row in rows:
        cache_key = row.kek_kind + row.kek_params
        if cache_key not in keks:
            keks[cache_key] = source.kek_for(row.kek_kind, json.loads(row.kek_params))
        keys[row.key_id] = crypto.unwrap_data_key(keks[cache_key], row.key_id, row.wrapped)
    return keys


def unlock(engine: Engine, source: KekSource, clock: Callable[[], float] = time.time) -> AesGcmCipher:
    """Open the data keys (creating the first one on a new database) and return the field cipher."""
    rows = _rows(engine)
    if not rows:
        kek = source.new_kek()
        dek = crypto.new_data_key()
        with engine.begin() as conn:
            conn.execute(
                insert(t.data_keys).values(
                    key_id=1,
                    wrapped=crypto.wrap_data_key(kek, 1, dek),
                    kek_kind=kek.kind,
                    kek_params=json.dumps(kek.params),
                    status="active",
                    created_at=clock(),
                )
            )
        return AesGcmCipher({1: dek}, 1)
    try:
        keys = _unwrap_all(rows, source)
    except KeyUnlockError:
        pending = _pending_key_file(source.key_file)
        if source.mode != "keyfile" or not pending.exists():
            raise
        keys = _unwrap_all(rows, KekSource("keyfile", pending))  # a key-file rotation died before its rename
        os.replace(pending, source.key_file)
    active = max(r.key_id for r in rows if r.status == "active")
    return AesGcmCipher(keys, active)


def rewrap(engine: Engine, cipher: AesGcmCipher, old: KekSource, new: KekSource) -> int:
    """Wrap every data key under the KEK of `new`; returns the number of keys re-wrapped."""
    rows = _rows(engine)
    keys = _unwrap_all(rows, old)  # proves the old KEK first: a wrong one changes nothing
    pending: Path | None = None
    if new.mode == "keyfile":
        pending = _pending_key_file(new.key_file)
        kek = Kek(crypto.write_key_file(pending, crypto.new_data_key()), "keyfile")
    else:
        kek = new.new_kek()
    with engine.begin() as conn:
        for key_id, dek in keys.items():
            conn.execute(
                update(t.data_keys)
                .where(t.data_keys.c.key_id == key_id)
                .values(
                    wrapped=crypto.wrap_data_key(kek, key_id, dek),
                    kek_kind=kek.kind,
                    kek_params=json.dumps(kek.params),
                )
            )
    if pending is not None:
        os.replace(pending, new.key_file)
    return len(keys)


def start_reencrypt(engine: Engine, cipher: AesGcmCipher, source: KekSource, clock: Callable[[], float]) -> int:
    """Add a new active data key (unless a re-encryption is already under way); returns its id."""
    rows = _rows(engine)
    if any(r.status == "retiring" for r in rows):
        return cipher.active_key_id  # resume the unfinished run with its key
    kek = source.kek_for(rows[0].kek_kind, json.loads(rows[0].kek_params))
    new_id = max(r.key_id for r in rows) + 1
    dek = crypto.new_data_key()
    with engine.begin() as conn:
        conn.execute(update(t.data_keys).values(status="retiring"))
        conn.execute(
            insert(t.data_keys).values(
                key_id=new_id,
                wrapped=crypto.wrap_data_key(kek, new_id, dek),
                kek_kind=kek.kind,
                kek_params=json.dumps(kek.params),
                status="active",
                created_at=clock(),
            )
        )
    cipher.add_key(new_id, dek, active=True)
    return new_id


def reencrypt_rows(engine: Engine, cipher: AesGcmCipher, batch_size: int = 500, max_batches: int | None = None) -> int:
    """Re-encrypt values still under an old key, one committed batch at a time; returns how many.

    Pages through each table by id; a value's header says which key it uses, so a re-run after an
    interruption (or `max_batches`) simply skips what is already done.
    """
    done = batches = 0
    for table_name, columns in t.ENCRYPTED_COLUMNS.items():
        table = t.metadata.tables[table_name]
        last = ""
        while True:
            with engine.connect() as conn:
                page = list(
                    conn.execute(
                        select(table.c.id, *(table.c[c] for c in columns))
                        .where(table.c.id > last)
                        .order_by(table.c.id)
                        .limit(batch_size)
                    )
                )
            if not page:
                break
            last = page[-1].id
            updates: list[tuple[str, dict[str, bytes]]] = []
            for r in page:
                values = {
                    c: cipher.encrypt(r.id, c, cipher.decrypt(r.id, c, getattr(r, c)))
                    for c in columns
                    if getattr(r, c) is not None and crypto.key_id_of(getattr(r, c)) != cipher.active_key_id
                }
                if values:
                    updates.append((r.id, values))
            if not updates:
                continue
            if max_batches is not None and batches >= max_batches:
                return done
            with engine.begin() as conn:
                for rid, values in updates:
                    conn.execute(update(table).where(table.c.id == rid).values(**values))
            done += len(updates)
            batches += 1
    return done


def reencrypt_file(path: Path, record_id: str, cipher: AesGcmCipher) -> bool:
    """Re-encrypt one media file under the active key (atomic replace); False when already current."""
    blob = path.read_bytes()
    if crypto.key_id_of(blob) == cipher.active_key_id:
        return False
    fresh = cipher.encrypt(record_id, "data", cipher.decrypt(record_id, "data", blob))
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(fresh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return True


def finish_reencrypt(engine: Engine, cipher: AesGcmCipher) -> int:
    """Drop the retiring keys once no stored value uses them; returns how many keys were dropped."""
    with engine.begin() as conn:
        old = [r.key_id for r in conn.execute(select(t.data_keys.c.key_id).where(t.data_keys.c.status == "retiring"))]
        conn.execute(delete(t.data_keys).where(t.data_keys.c.status == "retiring"))
    for key_id in old:
        cipher.drop_key(key_id)
    return len(old)


def reencrypt_pending(engine: Engine) -> bool:
    """True when a re-encryption was started and not finished."""
    return any(r.status == "retiring" for r in _rows(engine))
