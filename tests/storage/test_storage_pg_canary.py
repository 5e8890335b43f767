"""The canary test on PostgreSQL: after a session with planted strings is stored and the server has
checkpointed, no file of the server's data directory (tables, TOAST, pg_wal) holds them in plaintext.
A control run through the no-encryption baseline shows the scan does find them."""

from __future__ import annotations

import itertools
from pathlib import Path

import psycopg
import pytest
from pg_testserver import PgServer

from greenroom.config import Settings
from greenroom.privacy.crypto import PlaintextCipher
from greenroom.storage.repository import open_store

MARKER = "PGCANARY-2c9e41-AMBER-HERON"
EMAIL = "heron.canary@pgcanary.net"
_n = itertools.count()


def _store_session(server: PgServer, data_dir: Path, plaintext: bool) -> None:
    url = server.create_database(f"greenroom_canary_{next(_n)}")
    settings = Settings(data_dir=data_dir, database_url=url, privacy_key_file=data_dir.parent / "pg.key")
    store = open_store(settings, cipher=PlaintextCipher() if plaintext else None)
    sid = store.create_session({"role": "SRE", "interview_id": f"{EMAIL} {MARKER}"})
    store.add_turn(sid, 0, {"question": "q", "answer": f"{MARKER} answer", "grade": {"notes": [MARKER]}})
    store.save_report(sid, {"notes": [MARKER]})
    store.close()
    with psycopg.connect(f"host=127.0.0.1 port={server.port} user=postgres dbname=postgres", autocommit=True) as c:
        c.execute("CHECKPOINT")


def _found(server: PgServer) -> set[str]:
    hits = set()
    for path in (server.root / "data").rglob("*"):
        if path.is_file():
            raw = path.read_bytes()
            hits |= {c for c in (MARKER, EMAIL) if c.encode() in raw}
    return hits


@pytest.mark.postgres
def test_postgres_files_hold_no_canary(pg_server: PgServer, data_dir: Path) -> None:
    _store_session(pg_server, data_dir, plaintext=False)
    assert _found(pg_server) == set()
    _store_session(pg_server, data_dir / "control", plaintext=True)
    assert _found(pg_server) == {MARKER, EMAIL}
