"""AES-GCM field encryption and key wrapping, without a database."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenroom.privacy import crypto


def test_random_nonce_and_associated_data() -> None:
    c = crypto.AesGcmCipher({1: crypto.new_data_key()}, 1)
    a = c.encrypt("rec1", "content", b"hello")
    b = c.encrypt("rec1", "content", b"hello")
    assert a != b and b"hello" not in a
    assert c.decrypt("rec1", "content", a) == b"hello"
    with pytest.raises(crypto.TamperedDataError, match="record rec2"):
        c.decrypt("rec2", "content", a)
    with pytest.raises(crypto.TamperedDataError):
        c.decrypt("rec1", "report", a)
    with pytest.raises(crypto.TamperedDataError, match="truncated"):
        c.decrypt("rec1", "content", a[:10])
    assert crypto.key_id_of(a) == 1


def test_unknown_key_id_is_clear() -> None:
    c1 = crypto.AesGcmCipher({1: crypto.new_data_key()}, 1)
    c2 = crypto.AesGcmCipher({2: crypto.new_data_key()}, 2)
    with pytest.raises(crypto.TamperedDataError, match="data key 1"):
        c2.decrypt("r", "f", c1.encrypt("r", "f", b"x"))


def test_argon2id_parameters_meet_owasp_minimum() -> None:
    params = crypto.new_passphrase_params()
    assert params["kdf"] == "argon2id" and params["memory_kib"] >= 19 * 1024 and params["time_cost"] >= 2
    k1 = crypto.kek_from_passphrase("pass phrase", params)
    assert crypto.kek_from_passphrase("pass phrase", params).key == k1.key
    assert crypto.kek_from_passphrase("pass phrasf", params).key != k1.key
    assert crypto.kek_from_passphrase("pass phrase", crypto.new_passphrase_params()).key != k1.key  # salt
    with pytest.raises(crypto.KeyUnlockError):
        crypto.kek_from_passphrase("", params)


def test_wrap_and_unwrap(tmp_path: Path) -> None:
    kek = crypto.load_or_create_key_file(tmp_path / "k" / "kek.key")
    assert (tmp_path / "k" / "kek.key").stat().st_mode & 0o777 == 0o600
    dek = crypto.new_data_key()
    wrapped = crypto.wrap_data_key(kek, 3, dek)
    assert dek not in wrapped
    assert crypto.unwrap_data_key(kek, 3, wrapped) == dek
    with pytest.raises(crypto.KeyUnlockError, match="Wrong key file"):
        crypto.unwrap_data_key(crypto.Kek(b"\x00" * 32, "keyfile"), 3, wrapped)
    with pytest.raises(crypto.KeyUnlockError):
        crypto.unwrap_data_key(kek, 4, wrapped)  # bound to its key id
    with pytest.raises(crypto.KeyUnlockError, match="does not exist"):
        crypto.load_or_create_key_file(tmp_path / "missing.key", create=False)
