"""The tables. Only ids, timestamps, expiry, kinds and counts are plaintext; every content column is
an AES-GCM ciphertext (`LargeBinary`) produced by `greenroom.privacy.crypto`.

Times are UNIX seconds (float, UTC) so that an injected clock drives expiry the same way on SQLite
and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, LargeBinary, MetaData, String, Table, Text

metadata = MetaData()

#: Data keys, wrapped by the key-encryption key (never stored in the clear).
data_keys = Table(
    "data_keys",
    metadata,
    Column("key_id", Integer, primary_key=True, autoincrement=False),
    Column("wrapped", LargeBinary, nullable=False),
    Column("kek_kind", String(16), nullable=False),
    Column("kek_params", Text, nullable=False),  # JSON: KDF name, salt, cost (non-secret)
    Column("status", String(16), nullable=False),  # active | retiring
    Column("created_at", Float, nullable=False),
)

profiles = Table(
    "profiles",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False, index=True),
    Column("content", LargeBinary, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("profile_id", String(32), ForeignKey("profiles.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False, index=True),
    Column("content", LargeBinary, nullable=False),
    Column("report", LargeBinary, nullable=True),
    Column("resume", LargeBinary, nullable=True),  # an unfinished interview's resume state; NULL once finished
)

turns = Table(
    "turns",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("session_id", String(32), ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Index("ux_turns_session_idx", "session_id", "idx", unique=True),
)

grades = Table(
    "grades",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("turn_id", String(32), ForeignKey("turns.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("content", LargeBinary, nullable=False),
)

metrics = Table(
    "metrics",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("turn_id", String(32), ForeignKey("turns.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),  # delivery | vision | ...
    Column("content", LargeBinary, nullable=False),
)

#: Optional recordings (opt-in). The bytes live encrypted in <data_dir>/media/<id>.bin.
media = Table(
    "media",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("session_id", String(32), ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("turn_idx", Integer, nullable=True),
    Column("kind", String(16), nullable=False),  # audio | video
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False, index=True),
    Column("size", Integer, nullable=False),
    Column("meta", LargeBinary, nullable=False),  # encrypted: mime type, duration...
)

#: Privacy events: what happened, when, how many records. No ids of people, no content.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("event", String(32), nullable=False),  # purge | export | delete | delete_all | key_rotate...
    Column("count", Integer, nullable=False, default=0),
    Column("detail", String(200), nullable=False, default=""),
)

#: Content columns per table (what key rotation re-encrypts).
ENCRYPTED_COLUMNS: dict[str, tuple[str, ...]] = {
    "profiles": ("content",),
    "sessions": ("content", "report", "resume"),
    "turns": ("content",),
    "grades": ("content",),
    "metrics": ("content",),
    "media": ("meta",),
}
