"""The user's rights: export everything stored (GDPR Art. 20) and delete it (Art. 17). Each turn appears
once in an export; privacy events go to the audit log as event name + count, never ids or content."""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import delete, select

from greenroom.privacy.crypto import TamperedDataError
from greenroom.storage import engine as eng
from greenroom.storage import tables as t
from greenroom.storage.media import Media
from greenroom.storage.records import Records

EXPORT_FORMAT = "greenroom-export/1"


class Rights(Records, Media):
    def _export_one(self, session_id: str, include_media: bool) -> dict[str, Any]:
        data = self.get_session(session_id)
        if include_media:
            for m in data["media"]:
                m["data_base64"] = base64.b64encode(self.read_media(m["id"])).decode("ascii")
        return data

    def export_session(self, session_id: str, include_media: bool = True) -> dict[str, Any]:
        """One machine-readable JSON document holding everything stored about the session."""
        doc = {
            "format": EXPORT_FORMAT,
            "exported_at": self.clock(),
            "sessions": [self._export_one(session_id, include_media)],
        }
        with self._tx() as conn:
            self._audit(conn, "export", 1)
        return doc

    def export_all(self, include_media: bool = True) -> dict[str, Any]:
        """Every profile and session; a record that fails to decrypt appears as `{id, error}`."""
        sessions: list[dict[str, Any]] = []
        for item in self.list_sessions():
            try:
                sessions.append(self._export_one(item["id"], include_media))
            except TamperedDataError as exc:
                sessions.append({"id": item["id"], "error": exc.message})
        with self.engine.connect() as conn:
            profile_ids = [r.id for r in conn.execute(select(t.profiles.c.id))]
        profiles: list[dict[str, Any]] = []
        for pid in profile_ids:
            try:
                profiles.append(self.get_profile(pid))
            except TamperedDataError as exc:
                profiles.append({"id": pid, "error": exc.message})
        with self._tx() as conn:
            self._audit(conn, "export_all", len(sessions))
        return {"format": EXPORT_FORMAT, "exported_at": self.clock(), "profiles": profiles, "sessions": sessions}

    def stored_documents(self) -> dict[str, list[Any]]:
        """Every encrypted value in the database, decrypted, by its allow-list kind: what is really stored
        (for an audit of the allow-list; nothing is logged)."""
        out: dict[str, list[Any]] = {}

        def add(kind: str, record_id: str, field: str, blob: bytes | None) -> None:
            if blob is not None:
                out.setdefault(kind, []).append(self._dec(record_id, field, blob))

        with self.engine.connect() as conn:
            for r in conn.execute(select(t.sessions)):
                add("session", r.id, "content", r.content)
                add("report", r.id, "report", r.report)
                add("resume", r.id, "resume", r.resume)
            for r in conn.execute(select(t.turns)):
                add("turn", r.id, "content", r.content)
            for r in conn.execute(select(t.grades)):
                add("grade", r.id, "content", r.content)
            for r in conn.execute(select(t.metrics)):
                add(f"{r.kind}_metrics", r.id, "content", r.content)
            for r in conn.execute(select(t.profiles)):
                add("profile", r.id, "content", r.content)
            for r in conn.execute(select(t.media)):
                add("media_meta", r.id, "meta", r.meta)
        return out

    def delete_session(self, session_id: str, *, compact: bool = True) -> None:
        """Delete one session at once: rows, media files, then WAL checkpoint + VACUUM."""
        with self._tx() as conn:
            self._require_session(conn, session_id)
            media_ids = self._delete_sessions(conn, [session_id])
            self._audit(conn, "delete", 1)
        self._remove_media_files(media_ids)
        if compact:
            eng.compact(self.engine)

    def delete_all(self) -> int:
        """Delete every session, profile and media file; returns the number of sessions deleted."""
        with self._tx() as conn:
            ids = [r.id for r in conn.execute(select(t.sessions.c.id))]
            media_ids = self._delete_sessions(conn, ids)
            conn.execute(delete(t.profiles))
            self._audit(conn, "delete_all", len(ids))
        self._remove_media_files(media_ids)
        if self.media_dir.exists():  # files a crash left behind without a row
            for stray in self.media_dir.iterdir():
                stray.unlink()
        eng.compact(self.engine)
        return len(ids)
