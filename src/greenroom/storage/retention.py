"""Retention: delete every session, profile and media file whose expiry is past, in batches, then compact."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import delete, select

from greenroom.storage import engine as eng
from greenroom.storage import tables as t
from greenroom.storage.core import StoreCore


@dataclass(frozen=True)
class PurgeResult:
    sessions: int
    profiles: int
    media_files: int
    seconds: float


class Retention(StoreCore):
    def purge_expired(self, now: float | None = None, *, batch_size: int = 5000) -> PurgeResult:
        """Delete every session, profile and media file whose expiry is past, then compact."""
        start = time.perf_counter()
        now = self.clock() if now is None else now
        n_sessions = n_files = 0
        while True:
            with self._tx() as conn:
                ids = [
                    r.id
                    for r in conn.execute(
                        select(t.sessions.c.id).where(t.sessions.c.expires_at <= now).limit(batch_size)
                    )
                ]
                if not ids:
                    break
                media_ids = self._delete_sessions(conn, ids)
            n_sessions += len(ids)
            n_files += self._remove_media_files(media_ids)
        with self._tx() as conn:
            orphan_media = [r.id for r in conn.execute(select(t.media.c.id).where(t.media.c.expires_at <= now))]
            conn.execute(delete(t.media).where(t.media.c.expires_at <= now))
            n_profiles = conn.execute(delete(t.profiles).where(t.profiles.c.expires_at <= now)).rowcount or 0
            self._audit(conn, "purge", n_sessions, f"profiles={n_profiles} media_files={n_files + len(orphan_media)}")
        n_files += self._remove_media_files(orphan_media)
        eng.compact(self.engine)
        return PurgeResult(n_sessions, n_profiles, n_files, time.perf_counter() - start)
