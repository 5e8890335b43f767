"""Alembic migrations, shipped inside the package and run programmatically by `storage.engine.migrate`."""
