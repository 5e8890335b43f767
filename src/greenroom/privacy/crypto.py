"""Encryption at rest: AES-256-GCM per field, a data key wrapped by a key-encryption key (KEK).

- Every content value is encrypted with AES-256-GCM and a fresh random 96-bit nonce.
- The record id and the field name are bound as associated data, so a ciphertext copied into another
  row or another column fails to decrypt.
- A value is `VERSION(1) | KEY_ID(4, big-endian) | NONCE(12) | CIPHERTEXT+TAG`; the key id lets a
  re-encryption run find the values still under an old data key (so rotation is resumable).
- Data keys (DEKs) are random 256-bit keys, stored only wrapped (AES-GCM) by the KEK. The KEK comes from
  a key file created with mode 0600 (default) or from a passphrase through Argon2id (m=19 MiB, t=2, p=1,
  OWASP's minimum recommendation).

This module holds the cryptography only; `greenroom.storage` persists the wrapped keys.
"""

from __future__ import annotations

import os
import secrets
import stat
import struct
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from greenroom.errors import GreenroomError

VERSION = 1
HEADER = struct.Struct(">BI")  # version, key id
NONCE_LEN = 12
KEY_LEN = 32
#: OWASP's minimum Argon2id configuration: 19 MiB of memory, 2 iterations, 1 lane.
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1


class KeyUnlockError(GreenroomError):
    """The key-encryption key does not open the data keys (wrong passphrase or wrong key file)."""

    http_status = 401
    code = "wrong_key"


class TamperedDataError(GreenroomError):
    """A stored value failed authentication: it was modified, moved to another record, or truncated."""

    http_status = 500
    code = "tampered_data"


@dataclass(frozen=True)
class Kek:
    """A key-encryption key and how it was obtained (`kind` and the non-secret KDF parameters)."""

    key: bytes
    kind: str  # "keyfile" or "passphrase"
    params: dict[str, Any] = field(default_factory=dict)


def _aesgcm(key: bytes) -> Any:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


# --- key-encryption keys --------------------------------------------------------------------------


def load_or_create_key_file(path: Path, *, create: bool = True) -> Kek:
    """Read the 32-byte KEK from `path`, creating it (mode 0600, atomically) when absent and `create`."""
    if path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise KeyUnlockError(
                f"The key file {path} is readable by other users (mode {oct(mode)}).",
                hint=f"Run: chmod 600 {path}",
            )
        data = path.read_bytes()
        if len(data) != KEY_LEN:
            raise KeyUnlockError(f"The key file {path} is not a Greenroom key ({len(data)} bytes, expected 32).")
        return Kek(data, "keyfile")
    if not create:
        raise KeyUnlockError(f"The key file {path} does not exist.")
    return Kek(write_key_file(path, secrets.token_bytes(KEY_LEN)), "keyfile")


def write_key_file(path: Path, key: bytes) -> bytes:
    """Write a key file with mode 0600 from the start (never world-readable, even for an instant)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return key


def new_passphrase_params() -> dict[str, Any]:
    """Fresh, non-secret Argon2id parameters (a random salt) for a new passphrase KEK."""
    return {
        "kdf": "argon2id",
        "salt": secrets.token_hex(16),
        "memory_kib": ARGON2_MEMORY_KIB,
        "time_cost": ARGON2_TIME_COST,
        "parallelism": ARGON2_PARALLELISM,
    }


def kek_from_passphrase(passphrase: str, params: dict[str, Any]) -> Kek:
    """Derive the KEK from a passphrase with Argon2id and the stored parameters."""
    if not passphrase:
        raise KeyUnlockError("An empty passphrase cannot protect the data key.")
    from argon2.low_level import Type, hash_secret_raw

    if params.get("kdf") != "argon2id":
        raise KeyUnlockError(f"Unsupported key derivation {params.get('kdf')!r}.")
    key = hash_secret_raw(
        passphrase.encode("utf-8"),
        bytes.fromhex(params["salt"]),
        time_cost=int(params["time_cost"]),
        memory_cost=int(params["memory_kib"]),
        parallelism=int(params["parallelism"]),
        hash_len=KEY_LEN,
        type=Type.ID,
    )
    return Kek(key, "passphrase", dict(params))


# --- data keys ------------------------------------------------------------------------------------


def new_data_key() -> bytes:
    return secrets.token_bytes(KEY_LEN)


def _wrap_ad(key_id: int) -> bytes:
    return f"greenroom-data-key|{key_id}".encode()


def wrap_data_key(kek: Kek, key_id: int, dek: bytes) -> bytes:
    """Encrypt a data key under the KEK (nonce | ciphertext+tag), bound to its key id."""
    nonce = secrets.token_bytes(NONCE_LEN)
    return nonce + _aesgcm(kek.key).encrypt(nonce, dek, _wrap_ad(key_id))


def unwrap_data_key(kek: Kek, key_id: int, wrapped: bytes) -> bytes:
    """Decrypt a wrapped data key; a wrong KEK raises `KeyUnlockError` (nothing is modified)."""
    from cryptography.exceptions import InvalidTag

    try:
        return bytes(_aesgcm(kek.key).decrypt(wrapped[:NONCE_LEN], wrapped[NONCE_LEN:], _wrap_ad(key_id)))
    except (InvalidTag, ValueError):
        what = "passphrase" if kek.kind == "passphrase" else "key file"
        raise KeyUnlockError(
            f"Wrong {what}: it does not unlock the data key. Nothing was changed.",
            hint="Check GREENROOM_PRIVACY_PASSPHRASE / GREENROOM_PRIVACY_KEY_FILE.",
        ) from None


# --- field encryption -----------------------------------------------------------------------------


class FieldCipher(Protocol):
    """Encrypts and decrypts one field of one record."""

    active_key_id: int

    def encrypt(self, record_id: str, field_name: str, plaintext: bytes) -> bytes: ...

    def decrypt(self, record_id: str, field_name: str, blob: bytes) -> bytes: ...


def _ad(record_id: str, field_name: str) -> bytes:
    return f"{record_id}|{field_name}".encode()


def key_id_of(blob: bytes) -> int:
    """The data-key id a stored value was encrypted with (0 for a plaintext benchmark value)."""
    if len(blob) < HEADER.size:
        return -1
    version, key_id = HEADER.unpack_from(blob)
    return key_id if version == VERSION else -1


class AesGcmCipher:
    """AES-256-GCM with a random nonce per value; record id and field name as associated data."""

    def __init__(self, keys: dict[int, bytes], active_key_id: int) -> None:
        if active_key_id not in keys:
            raise ValueError("the active key must be among the keys")
        self._aead = {kid: _aesgcm(k) for kid, k in keys.items()}
        self.active_key_id = active_key_id

    def add_key(self, key_id: int, key: bytes, *, active: bool = False) -> None:
        self._aead[key_id] = _aesgcm(key)
        if active:
            self.active_key_id = key_id

    def drop_key(self, key_id: int) -> None:
        if key_id == self.active_key_id:
            raise ValueError("cannot drop the active key")
        self._aead.pop(key_id, None)

    def encrypt(self, record_id: str, field_name: str, plaintext: bytes) -> bytes:
        nonce = secrets.token_bytes(NONCE_LEN)
        header = HEADER.pack(VERSION, self.active_key_id)
        return header + nonce + self._aead[self.active_key_id].encrypt(nonce, plaintext, _ad(record_id, field_name))

    def decrypt(self, record_id: str, field_name: str, blob: bytes) -> bytes:
        # the hot path of every read: no imports, no string formatting unless something is wrong
        if len(blob) < _MIN_LEN or blob[0] != VERSION:
            raise self._bad(record_id, field_name, blob, "is truncated or has an unknown format")
        aead = self._aead.get(int.from_bytes(blob[1:5], "big"))
        if aead is None:
            raise self._bad(record_id, field_name, blob, "uses a data key that is not in the keyring")
        try:
            return aead.decrypt(blob[5:17], blob[17:], f"{record_id}|{field_name}".encode())  # type: ignore[no-any-return]
        except _invalid_tag():
            raise self._bad(
                record_id, field_name, blob, "failed authentication: it was modified or moved from another record"
            ) from None

    @staticmethod
    def _bad(record_id: str, field_name: str, blob: bytes, why: str) -> TamperedDataError:
        key = f" (data key {key_id_of(blob)})" if "keyring" in why else ""
        return TamperedDataError(f"The stored {field_name} of record {record_id} {why}{key}.")


_MIN_LEN = HEADER.size + NONCE_LEN + 16


@lru_cache(maxsize=1)
def _invalid_tag() -> type[Exception]:
    from cryptography.exceptions import InvalidTag

    return InvalidTag


class PlaintextCipher:
    """NO encryption: for the benchmark's baseline only. `open_store` never uses it."""

    active_key_id = 0

    def encrypt(self, record_id: str, field_name: str, plaintext: bytes) -> bytes:
        return plaintext

    def decrypt(self, record_id: str, field_name: str, blob: bytes) -> bytes:
        return blob
