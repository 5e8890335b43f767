"""Media (opt-in only): recordings kept as encrypted files under `<data_dir>/media/`, with the expiry of
their session. Refused unless the user opted in to keeping recordings."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import insert

from greenroom.errors import InputError, NotFoundError
from greenroom.storage import tables as t
from greenroom.storage.core import RecordingsDisabledError, StoreCore, new_id

MEDIA_KINDS = ("audio", "video")


class Media(StoreCore):
    def add_media(
        self, session_id: str, kind: str, data: bytes, turn_index: int | None = None, meta: dict[str, Any] | None = None
    ) -> str:
        """Keep a recording, encrypted, with the session's expiry. Refused unless the user opted in."""
        if not self.keep_recordings:
            raise RecordingsDisabledError(
                "Recordings are not kept: raw audio and video are never stored by default.",
                hint="Opt in with GREENROOM_PRIVACY_KEEP_RECORDINGS=true.",
            )
        if kind not in MEDIA_KINDS:
            raise InputError(f"Unknown media kind {kind!r}: use one of {', '.join(MEDIA_KINDS)}.")
        mid = new_id()
        with self._tx() as conn:
            session = self._require_session(conn, session_id)
            self.media_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            path = self.media_dir / f"{mid}.bin"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(self.cipher.encrypt(mid, "data", bytes(data)))
                fh.flush()
                os.fsync(fh.fileno())
            conn.execute(
                insert(t.media).values(
                    id=mid,
                    session_id=session_id,
                    turn_idx=turn_index,
                    kind=kind,
                    created_at=self.clock(),
                    expires_at=session.expires_at,
                    size=len(data),
                    meta=self._write("media_meta", mid, "meta", meta or {}),
                )
            )
        return mid

    def read_media(self, media_id: str) -> bytes:
        path = self.media_dir / f"{media_id}.bin"
        if not path.exists():
            raise NotFoundError(f"No media {media_id!r}.")
        return self.cipher.decrypt(media_id, "data", path.read_bytes())
