"""Alembic environment: runs online against the connection that `storage.engine.migrate` passes in."""

from __future__ import annotations

from alembic import context

from greenroom.storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable from the alembic command line
    raise RuntimeError("Greenroom runs its migrations programmatically: use greenroom.storage.engine.migrate")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
