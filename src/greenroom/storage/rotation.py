"""Key rotation over a whole store: re-wrap the data keys, or re-encrypt every value and media file.

Re-encryption is resumable: values carry their key id, old keys stay until nothing uses them, and a
re-run (after a crash or a `max_batches` stop) continues with the same new key.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from greenroom.privacy.crypto import AesGcmCipher
from greenroom.storage import keyring
from greenroom.storage import tables as t
from greenroom.storage.keyring import KekSource
from greenroom.storage.repository import Store


@dataclass(frozen=True)
class RotationResult:
    kind: str  # "rewrap" | "reencrypt"
    keys_rewrapped: int = 0
    values_reencrypted: int = 0
    files_reencrypted: int = 0
    finished: bool = True
    active_key_id: int = 0


def _aes(store: Store) -> AesGcmCipher:
    if not isinstance(store.cipher, AesGcmCipher):
        raise TypeError("key rotation needs the encrypted store")
    return store.cipher


def rewrap(store: Store, old: KekSource, new: KekSource) -> RotationResult:
    """Protect the same data keys with a new KEK (new key file or passphrase); one transaction."""
    n = keyring.rewrap(store.engine, _aes(store), old, new)
    store.audit("key_rewrap", n, f"kek={new.mode}")
    return RotationResult("rewrap", keys_rewrapped=n, active_key_id=_aes(store).active_key_id)


def reencrypt(
    store: Store, source: KekSource, *, batch_size: int = 500, max_batches: int | None = None
) -> RotationResult:
    """Re-encrypt everything under a fresh data key; stops after `max_batches` (resumable)."""
    cipher = _aes(store)
    key_id = keyring.start_reencrypt(store.engine, cipher, source, store.clock)
    values = keyring.reencrypt_rows(store.engine, cipher, batch_size=batch_size, max_batches=max_batches)
    files = 0
    with store.engine.connect() as conn:
        media_ids = [r.id for r in conn.execute(select(t.media.c.id))]
    for mid in media_ids:
        path = store.media_dir / f"{mid}.bin"
        if path.exists() and keyring.reencrypt_file(path, mid, cipher):
            files += 1
    finished = not _stale_rows_left(store) and not _stale_files_left(store, media_ids)
    if finished:
        keyring.finish_reencrypt(store.engine, cipher)
    store.audit("key_reencrypt", values + files, f"key={key_id} finished={finished}")
    return RotationResult(
        "reencrypt", values_reencrypted=values, files_reencrypted=files, finished=finished, active_key_id=key_id
    )


def _stale_files_left(store: Store, media_ids: list[str]) -> bool:
    from greenroom.privacy.crypto import key_id_of

    active = _aes(store).active_key_id
    for mid in media_ids:
        path = store.media_dir / f"{mid}.bin"
        if path.exists():
            with open(path, "rb") as fh:
                if key_id_of(fh.read(5)) != active:
                    return True
    return False


def _stale_rows_left(store: Store) -> bool:
    from greenroom.privacy.crypto import key_id_of

    cipher = _aes(store)
    with store.engine.connect() as conn:
        for table_name, columns in t.ENCRYPTED_COLUMNS.items():
            table = t.metadata.tables[table_name]
            for row in conn.execute(select(*(table.c[c] for c in columns))):
                if any(v is not None and key_id_of(v) != cipher.active_key_id for v in row):
                    return True
    return False
