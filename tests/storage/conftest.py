"""Storage fixtures: every store test runs on SQLite AND on a real PostgreSQL server.

The PostgreSQL server starts once per test session (pg_testserver.py); each test gets its own
database. When the server cannot start, the postgres-marked tests fail with the reason.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pg_testserver import PgServer, pg_server  # noqa: F401 (the session fixture)

from greenroom.config import Settings
from greenroom.storage.repository import Store, open_store

_counter = itertools.count()


class Clock:
    """An injected clock: tests move time instead of waiting."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance_days(self, days: float) -> None:
        self.now += days * 86400


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str | None:
    if request.param == "sqlite":
        return None
    server: PgServer = request.getfixturevalue("pg_server")
    return server.create_database(f"greenroom_test_{next(_counter)}")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store_settings(data_dir: Path, db_url: str | None) -> Settings:
    return Settings(data_dir=data_dir, database_url=db_url, privacy_key_file=data_dir.parent / "keys" / "test.key")


@pytest.fixture
def make_store(store_settings: Settings, clock: Clock) -> Iterator[Callable[..., Store]]:
    opened: list[Store] = []

    def make(**overrides: object) -> Store:
        s = store_settings.model_copy(update=overrides) if overrides else store_settings
        store = open_store(s, clock=clock)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(make_store: Callable[..., Store]) -> Store:
    return make_store()
