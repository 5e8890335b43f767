"""A throw-away PostgreSQL 15 server on 127.0.0.1 for the `postgres`-marked tests.

initdb refuses to run as root, so as root the server runs as the `postgres` user (runuser) in a temp
directory it owns. `start()` raises when the server cannot start: the postgres tests then FAIL, never skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


def _find_pg_bin() -> Path:
    if env := os.environ.get("GREENROOM_PG_BIN"):
        return Path(env)
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


PG_BIN = _find_pg_bin()


@dataclass
class PgServer:
    root: Path
    port: int

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, db: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{db}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def halt(self) -> None:
        """Stop the server as a crash would (`-m immediate`), keeping its data: `resume()` starts it again."""
        _run([str(PG_BIN / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop"])

    def resume(self) -> None:
        """Start a halted server again on the same port and data."""
        _pg_ctl_start(self.root, self.port)
        _wait_ready(self)

    def stop(self) -> None:
        _run([str(PG_BIN / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop"], check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _run(cmd: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(_as_postgres(cmd), capture_output=True, text=True, timeout=120)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")
    return proc


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start() -> PgServer:
    if not (PG_BIN / "initdb").exists():
        raise RuntimeError(f"PostgreSQL binaries not found in {PG_BIN} (apt-get install postgresql-15)")
    root = Path(tempfile.mkdtemp(prefix="greenroom-pg-"))
    os.chmod(root, 0o700)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = _free_port()
    _run([str(PG_BIN / "initdb"), "-D", str(root / "data"), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
    _pg_ctl_start(root, port)
    server = PgServer(root, port)
    _wait_ready(server)
    return server


def _pg_ctl_start(root: Path, port: int) -> None:
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    _run(
        [
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(root / "data"),
            "-o",
            opts,
            "-l",
            str(root / "log"),
            "-w",
            "-t",
            "60",
            "start",
        ]
    )


def _wait_ready(server: PgServer) -> None:
    import psycopg

    deadline = time.time() + 30
    while True:
        try:
            psycopg.connect(f"host=127.0.0.1 port={server.port} user=postgres dbname=postgres").close()
            return
        except Exception:
            if time.time() > deadline:
                server.stop()
                raise
            time.sleep(0.2)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The server for the whole test session (conftests import this fixture); fails, never skips."""
    try:
        server = start()
    except Exception as exc:  # fail, never skip
        pytest.fail(f"PostgreSQL test server could not start: {exc}", pytrace=False)
    yield server
    server.stop()
