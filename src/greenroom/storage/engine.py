"""The SQLAlchemy engine: a SQLite file in the data directory by default, PostgreSQL by URL.

SQLite runs in WAL mode with `synchronous=FULL` (a committed session survives a power cut or a
SIGKILL), foreign keys on, and `secure_delete` on (deleted rows are overwritten with zeros). Migrations
ship inside the package and run programmatically at startup (`migrate`).

Faults are named, never papered over: a SQLite file that is not a database, or fails `PRAGMA quick_check`
at start, raises `StorageCorruptError` naming the file and what to do (it is never replaced); a write that
fails because the disk is full or the database server is down raises `StorageUnavailableError` (the
engine's `handle_error` hook), which a live interview answers by keeping its state and retrying.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc

from greenroom.errors import ConfigError, StorageCorruptError, StorageUnavailableError

DB_FILENAME = "greenroom.db"
SQLITE_MAGIC = b"SQLite format 3\x00"
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


def corrupt_error(path: Path | str, why: str) -> StorageCorruptError:
    return StorageCorruptError(
        f"The database file {path} is damaged ({why}); Greenroom will not replace it.",
        hint=f"Restore it from a backup, or move it aside (`mv {path} {path}.broken`) to start with an empty "
        "store, then start Greenroom again.",
    )


def _check_sqlite_header(db_path: Path) -> None:
    """A non-empty file that does not start with SQLite's magic is not a database: say so, touch nothing."""
    try:
        with db_path.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except OSError as e:
        raise StorageUnavailableError(f"The database file {db_path} cannot be read: {e.strerror or e}.") from e
    if head and head != SQLITE_MAGIC:
        raise corrupt_error(db_path, "it is not a SQLite database" if len(head) == 16 else "it is truncated")


#: SQLite errors that mean "cannot write now" (not a bug such as a missing table).
_SQLITE_UNAVAILABLE = ("disk is full", "disk i/o error", "unable to open", "readonly", "database is locked")


def _translate_error(ctx: Any) -> None:
    """`handle_error` hook: a full disk or an unreachable server becomes `StorageUnavailableError`."""
    orig = ctx.original_exception
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0][:200]
    if ctx.dialect is not None and ctx.dialect.name == "sqlite":
        unavailable = any(s in first.lower() for s in _SQLITE_UNAVAILABLE)
    else:
        unavailable = ctx.is_disconnect or isinstance(ctx.sqlalchemy_exception, exc.OperationalError)
    if unavailable:  # raised here, it replaces SQLAlchemy's error (after the connection is cleaned up)
        raise StorageUnavailableError(f"The database could not be written or reached ({first}).") from orig


def make_engine(url: str | None, data_dir: Path) -> Engine:
    """Create the engine for `url` (default: the SQLite file in `data_dir`). Does not migrate."""
    url = normalise_url(url) if url else default_url(data_dir)
    if url.startswith("sqlite"):
        if url != "sqlite://" and ":memory:" not in url:
            db_path = Path(url.split("///", 1)[1])
            db_path.parent.mkdir(parents=True, exist_ok=True)
            if not db_path.exists():  # owner-only from the start; SQLite gives -wal/-shm the same mode
                os.close(os.open(db_path, os.O_WRONLY | os.O_CREAT, 0o600))
            _check_sqlite_header(db_path)
        engine = create_engine(url, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "handle_error", _translate_error)
        return engine
    if url.startswith("postgresql"):
        engine = create_engine(url, pool_pre_ping=True)
        event.listen(engine, "handle_error", _translate_error)
        return engine
    raise ConfigError(f"Unsupported database URL scheme in {url.split(':', 1)[0]!r}: use sqlite or postgresql.")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent, safe at every startup)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    try:
        with engine.begin() as conn:
            if is_sqlite(engine):
                _quick_check(engine, conn)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except exc.DatabaseError as e:  # not OperationalError (those are StorageUnavailableError by now)
        if not is_sqlite(engine):
            raise
        raise corrupt_error(engine.url.database or "?", str(e.orig).splitlines()[0]) from e


def _quick_check(engine: Engine, conn: Any) -> None:
    """SQLite's `PRAGMA quick_check` at start: a truncated or scribbled-on file is found before it is used."""
    rows = conn.exec_driver_sql("PRAGMA quick_check").fetchall()
    result = "; ".join(str(r[0]) for r in rows[:3])
    if result != "ok":
        raise corrupt_error(engine.url.database or "?", f"quick_check: {result[:200]}")


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
