"""The resume state of an unfinished interview gets its own encrypted column (deleted at the finish).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sessions", sa.Column("resume", sa.LargeBinary, nullable=True))  # plain ADD COLUMN: fast on both


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("resume")
