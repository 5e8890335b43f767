"""Storage: the SQLAlchemy engine (SQLite file by default, PostgreSQL by URL), tables, Alembic
migrations and the repository (`Store`) that the rest of the code calls. No SQL lives outside this package.

`open_store(settings)` is the entry point; it is imported lazily so `import greenroom.storage` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from greenroom.storage.repository import Store, open_store

__all__ = ["Store", "open_store"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from greenroom.storage import repository

        return getattr(repository, name)
    raise AttributeError(name)
