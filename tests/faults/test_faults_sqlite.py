"""A corrupt or truncated SQLite file at start: a clear error that names the file and what to do, from the
store and from the CLI (one `error:` line, non-zero exit). The file is never replaced or changed."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from greenroom.config import Settings
from greenroom.errors import StorageCorruptError
from greenroom.storage.repository import open_store


def _damage(db: Path, how: str) -> None:
    data = db.read_bytes()
    if how == "truncated":
        db.write_bytes(data[: len(data) // 2])
    elif how == "scribbled":  # the header is fine, the pages after it are noise
        db.write_bytes(data[:100] + os.urandom(len(data) - 100))
    else:  # not a database at all
        db.write_bytes(b"this is a text file, not a database\n" * 200)


def _make_db(data_dir: Path) -> Path:
    settings = Settings(data_dir=data_dir)
    store = open_store(settings)
    for i in range(40):  # enough pages that cutting the file in half loses some
        store.save_session({"kind": "typed", "track": "technical", "note": "x" * 2000, "i": i}, [])
    store.close()
    db = data_dir / "greenroom.db"
    for suffix in ("-wal", "-shm"):  # a clean shutdown checkpointed the WAL; make sure only the file is left
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return db


@pytest.mark.parametrize("how", ["truncated", "scribbled", "not_sqlite"])
def test_damaged_sqlite_file_is_named_and_never_replaced(data_dir: Path, how: str) -> None:
    db = _make_db(data_dir)
    _damage(db, how)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    with pytest.raises(StorageCorruptError) as exc:
        open_store(Settings(data_dir=data_dir))
    msg = str(exc.value)
    assert str(db) in msg and "damaged" in msg and "backup" in msg and "move it aside" in msg, msg
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before  # untouched
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0


def test_cli_says_which_file_is_damaged(data_dir: Path) -> None:
    db = _make_db(data_dir)
    _damage(db, "truncated")
    env = {**os.environ, "GREENROOM_DATA_DIR": str(data_dir), "GREENROOM_EGRESS_GUARD": "false"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2] / "src")
    proc = subprocess.run(
        [sys.executable, "-c", "from greenroom.cli import main; main()", "sessions", "list"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode != 0
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and str(db) in lines[0] and "damaged" in lines[0], proc.stderr
