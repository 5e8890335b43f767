"""The storage core that every part of the `Store` shares: the ONE writer of content (allow-list, then
encryption), the reader, transactions, the audit log, and the row and file deletes.

Content is JSON, encrypted per field with the record id and field name as associated data. Every
content value passes `schema.allowed` for its kind in `_write` first: a field the allow-list does not
name is never stored, whatever a caller passes in.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select

from greenroom.errors import GreenroomError, NotFoundError
from greenroom.privacy.crypto import FieldCipher
from greenroom.storage import tables as t
from greenroom.storage.schema import allowed

DAY = 86400.0


class RecordingsDisabledError(GreenroomError):
    """Raw audio/video was offered for storage but the user has not opted in to keeping recordings."""

    code = "recordings_disabled"


def new_id() -> str:
    return uuid.uuid4().hex


class StoreCore:
    """Engine, cipher, data directory, retention and clock, and the helpers the parts share."""

    def __init__(
        self,
        engine: Engine,
        cipher: FieldCipher,
        data_dir: Path,
        *,
        retention_days: float = 30,
        keep_recordings: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.cipher = cipher
        self.data_dir = Path(data_dir)
        self.media_dir = self.data_dir / "media"
        self.retention_days = retention_days
        self.keep_recordings = keep_recordings
        self.clock = clock

    # --- the writer and the reader -----------------------------------------------------------------
    def _write(self, kind: str, record_id: str, field: str, value: dict[str, Any]) -> bytes:
        """The one way content is stored: the allow-list of `kind`, then AES-GCM for (record, field)."""
        body = allowed(kind, value)
        return self.cipher.encrypt(record_id, field, json.dumps(body, ensure_ascii=False).encode("utf-8"))

    def _dec(self, record_id: str, field: str, blob: bytes | None) -> Any:
        if blob is None:
            return None
        return json.loads(self.cipher.decrypt(record_id, field, blob if isinstance(blob, bytes) else bytes(blob)))

    # --- helpers -------------------------------------------------------------------------------------
    def _expiry(self, now: float) -> float:
        return now + self.retention_days * DAY

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    def _audit(self, conn: Connection, event: str, count: int, detail: str = "") -> None:
        conn.execute(insert(t.audit_log).values(at=self.clock(), event=event, count=count, detail=detail[:200]))

    def _require_session(self, conn: Connection, session_id: str) -> Any:
        row = conn.execute(select(t.sessions).where(t.sessions.c.id == session_id)).first()
        if row is None:
            raise NotFoundError(f"No session {session_id!r}.", hint="See `greenroom sessions list`.")
        return row

    def _delete_sessions(self, conn: Connection, session_ids: list[str]) -> list[str]:
        """Delete rows of these sessions; returns the media ids whose files must go too."""
        if not session_ids:
            return []
        media_ids = [r.id for r in conn.execute(select(t.media.c.id).where(t.media.c.session_id.in_(session_ids)))]
        turn_ids = select(t.turns.c.id).where(t.turns.c.session_id.in_(session_ids)).scalar_subquery()
        conn.execute(delete(t.grades).where(t.grades.c.turn_id.in_(turn_ids)))
        conn.execute(delete(t.metrics).where(t.metrics.c.turn_id.in_(turn_ids)))
        conn.execute(delete(t.turns).where(t.turns.c.session_id.in_(session_ids)))
        conn.execute(delete(t.media).where(t.media.c.session_id.in_(session_ids)))
        conn.execute(delete(t.sessions).where(t.sessions.c.id.in_(session_ids)))
        return media_ids

    def _remove_media_files(self, media_ids: list[str]) -> int:
        removed = 0
        for mid in media_ids:
            for path in (self.media_dir / f"{mid}.bin", self.media_dir / f"{mid}.bin.tmp"):
                try:
                    path.unlink()
                    removed += path.suffix == ".bin"
                except FileNotFoundError:
                    pass
        return removed

    def audit(self, event: str, count: int, detail: str = "") -> None:
        """Record a privacy event (e.g. a key rotation) with no personal data."""
        with self._tx() as conn:
            self._audit(conn, event, count, detail)

    def audit_events(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.audit_log).order_by(t.audit_log.c.id)).fetchall()
        return [{"at": r.at, "event": r.event, "count": r.count, "detail": r.detail} for r in rows]

    def close(self) -> None:
        self.engine.dispose()
