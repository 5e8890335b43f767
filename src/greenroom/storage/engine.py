"""The SQLAlchemy engine: a SQLite file in the data directory by default, PostgreSQL by URL.

SQLite runs in WAL mode with `synchronous=FULL` (a committed session survives a power cut or a
SIGKILL), foreign keys on, and `secure_delete` on (deleted rows are overwritten with zeros). Migrations
ship inside the package and run programmatically at startup (`migrate`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

from greenroom.errors import ConfigError

DB_FILENAME = "greenroom.db"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def default_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / DB_FILENAME}"


def normalise_url(url: str) -> str:
    """Accept `postgres://` and `postgresql://` and use the psycopg 3 driver, which is installed."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Python's sqlite3 module does not open a transaction before DDL, so a migration killed halfway
    # would leave half a schema (the crash test caught exactly that). Take transaction control away
    # from the driver and emit BEGIN ourselves (`_sqlite_begin`): DDL and DML are then atomic.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA secure_delete=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # IMMEDIATE: take the write lock up front (waiting up to busy_timeout). A deferred transaction that
    # reads and then writes fails at once with "database is locked" when another writer got in between
    # (WAL snapshot), which 8 concurrent interviews did (benchmarks/load.py).
    if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str | None, data_dir: Path) -> Engine:
    """Create the engine for `url` (default: the SQLite file in `data_dir`). Does not migrate."""
    url = normalise_url(url) if url else default_url(data_dir)
    if url.startswith("sqlite"):
        if url != "sqlite://" and ":memory:" not in url:
            db_path = Path(url.split("///", 1)[1])
            db_path.parent.mkdir(parents=True, exist_ok=True)
            if not db_path.exists():  # owner-only from the start; SQLite gives -wal/-shm the same mode
                os.close(os.open(db_path, os.O_WRONLY | os.O_CREAT, 0o600))
        engine = create_engine(url, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql"):
        return create_engine(url, pool_pre_ping=True)
    raise ConfigError(f"Unsupported database URL scheme in {url.split(':', 1)[0]!r}: use sqlite or postgresql.")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent, safe at every startup)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def compact(engine: Engine) -> None:
    """Leave no readable remnant of deleted rows: WAL checkpoint + VACUUM (SQLite), VACUUM (PostgreSQL)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if is_sqlite(engine):
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.exec_driver_sql("VACUUM")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            conn.exec_driver_sql("VACUUM")


def integrity_check(engine: Engine) -> str:
    """SQLite's `PRAGMA integrity_check` ("ok" when sound); PostgreSQL answers "ok" if it can be queried."""
    with engine.connect() as conn:
        if is_sqlite(engine):
            rows = conn.exec_driver_sql("PRAGMA integrity_check").fetchall()
            return "\n".join(str(r[0]) for r in rows)
        conn.exec_driver_sql("SELECT 1")
        return "ok"
