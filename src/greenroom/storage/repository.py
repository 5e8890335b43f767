"""The repository: every read and write of interview data goes through `Store`.

Content is generic JSON, encrypted per field (record id + field name as associated data):
- a session: plaintext id, timestamps, expiry; encrypted `content` (track, role, job description,
  résumé...) and `report`;
- a turn: plaintext index; encrypted `content` (question, redacted transcript...); its `grade` dict
  goes to the grades table and every `<kind>_metrics` dict (delivery, vision) to the metrics table,
  each encrypted; `get_session` puts them back together;
- media (opt-in only): encrypted files under `<data_dir>/media/`, with the session's expiry.

Every turn passes through `privacy.minimize.minimize_turn` first. Privacy events (export, delete,
purge, key rotation) go to the audit log as event name + count, never ids or content.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from greenroom.errors import GreenroomError, InputError, NotFoundError
from greenroom.privacy.crypto import FieldCipher, TamperedDataError
from greenroom.privacy.minimize import minimize_turn
from greenroom.storage import engine as eng
from greenroom.storage import tables as t

if TYPE_CHECKING:
    from greenroom.config import Settings

log = logging.getLogger("greenroom.storage")
DAY = 86400.0
GRADE_KEY = "grade"
METRICS_SUFFIX = "_metrics"
EXPORT_FORMAT = "greenroom-export/1"
MEDIA_KINDS = ("audio", "video")


class RecordingsDisabledError(GreenroomError):
    """Raw audio/video was offered for storage but the user has not opted in to keeping recordings."""

    code = "recordings_disabled"


@dataclass(frozen=True)
class PurgeResult:
    sessions: int
    profiles: int
    media_files: int
    seconds: float


def new_id() -> str:
    return uuid.uuid4().hex


class Store:
    """Encrypted storage of profiles, sessions, turns, grades, metrics, reports and media."""

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

    # --- helpers ----------------------------------------------------------------------------------

    def _enc(self, record_id: str, field: str, value: Any) -> bytes:
        return self.cipher.encrypt(record_id, field, json.dumps(value, ensure_ascii=False).encode("utf-8"))

    def _dec(self, record_id: str, field: str, blob: bytes | None) -> Any:
        if blob is None:
            return None
        return json.loads(self.cipher.decrypt(record_id, field, blob if isinstance(blob, bytes) else bytes(blob)))

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

    def close(self) -> None:
        self.engine.dispose()

    # --- profiles ---------------------------------------------------------------------------------

    def create_profile(self, content: dict[str, Any]) -> str:
        pid, now = new_id(), self.clock()
        with self._tx() as conn:
            conn.execute(
                insert(t.profiles).values(
                    id=pid, created_at=now, expires_at=self._expiry(now), content=self._enc(pid, "content", content)
                )
            )
        return pid

    def get_profile(self, profile_id: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.profiles).where(t.profiles.c.id == profile_id)).first()
        if row is None:
            raise NotFoundError(f"No profile {profile_id!r}.")
        return {"id": row.id, "created_at": row.created_at, "content": self._dec(row.id, "content", row.content)}

    # --- writing sessions -------------------------------------------------------------------------

    def create_session(self, meta: dict[str, Any], profile_id: str | None = None) -> str:
        """A new session with its (encrypted) set-up: track, role, job description, résumé..."""
        with self._tx() as conn:
            return self._insert_session(conn, meta, profile_id)

    def _insert_session(self, conn: Connection, meta: dict[str, Any], profile_id: str | None) -> str:
        sid, now = new_id(), self.clock()
        conn.execute(
            insert(t.sessions).values(
                id=sid,
                profile_id=profile_id,
                created_at=now,
                expires_at=self._expiry(now),
                content=self._enc(sid, "content", meta),
            )
        )
        if profile_id is not None:  # using a profile keeps it alive as long as its newest session
            conn.execute(update(t.profiles).where(t.profiles.c.id == profile_id).values(expires_at=self._expiry(now)))
        return sid

    def update_session_meta(self, session_id: str, meta: dict[str, Any]) -> None:
        """Replace a session's (encrypted) set-up, e.g. the live interview's saved state between turns."""
        with self._tx() as conn:
            self._require_session(conn, session_id)
            conn.execute(
                update(t.sessions)
                .where(t.sessions.c.id == session_id)
                .values(content=self._enc(session_id, "content", meta))
            )

    def add_turn(self, session_id: str, index: int, content: dict[str, Any]) -> str:
        """Store turn `index` (replacing an earlier version of it), minimised then encrypted."""
        with self._tx() as conn:
            self._require_session(conn, session_id)
            return self._insert_turn(conn, session_id, index, content)

    def _insert_turn(self, conn: Connection, session_id: str, index: int, content: dict[str, Any]) -> str:
        if index < 0:
            raise InputError(f"A turn index must be >= 0, not {index}.")
        body = minimize_turn(content)
        grade = body.pop(GRADE_KEY, None)
        metric_sets = {k[: -len(METRICS_SUFFIX)]: body.pop(k) for k in list(body) if k.endswith(METRICS_SUFFIX)}
        old = conn.execute(select(t.turns.c.id).where(t.turns.c.session_id == session_id, t.turns.c.idx == index))
        for (old_id,) in old.fetchall():
            conn.execute(delete(t.grades).where(t.grades.c.turn_id == old_id))
            conn.execute(delete(t.metrics).where(t.metrics.c.turn_id == old_id))
            conn.execute(delete(t.turns).where(t.turns.c.id == old_id))
        tid = new_id()
        conn.execute(
            insert(t.turns).values(
                id=tid,
                session_id=session_id,
                idx=index,
                created_at=self.clock(),
                content=self._enc(tid, "content", body),
            )
        )
        if grade is not None:
            gid = new_id()
            conn.execute(insert(t.grades).values(id=gid, turn_id=tid, content=self._enc(gid, "content", grade)))
        for kind, values in metric_sets.items():
            mid = new_id()
            conn.execute(
                insert(t.metrics).values(id=mid, turn_id=tid, kind=kind, content=self._enc(mid, "content", values))
            )
        return tid

    def save_report(self, session_id: str, report: dict[str, Any]) -> None:
        with self._tx() as conn:
            self._require_session(conn, session_id)
            conn.execute(
                update(t.sessions)
                .where(t.sessions.c.id == session_id)
                .values(report=self._enc(session_id, "report", report))
            )

    def save_session(
        self,
        meta: dict[str, Any],
        turns: list[dict[str, Any]],
        report: dict[str, Any] | None = None,
        profile_id: str | None = None,
    ) -> str:
        """A whole session in ONE transaction: after this returns it is durable, or none of it is."""
        return self.save_sessions([(meta, turns, report)], profile_id=profile_id)[0]

    def save_sessions(
        self,
        sessions: list[tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any] | None]],
        profile_id: str | None = None,
    ) -> list[str]:
        """Many whole sessions (set-up, turns, report) in one transaction, e.g. an import."""
        ids = []
        with self._tx() as conn:
            for meta, turns, report in sessions:
                sid = self._insert_session(conn, meta, profile_id)
                for index, turn in enumerate(turns):
                    self._insert_turn(conn, sid, index, turn)
                if report is not None:
                    conn.execute(
                        update(t.sessions).where(t.sessions.c.id == sid).values(report=self._enc(sid, "report", report))
                    )
                ids.append(sid)
        return ids

    # --- media (opt-in) ---------------------------------------------------------------------------

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
                    meta=self._enc(mid, "meta", meta or {}),
                )
            )
        return mid

    def read_media(self, media_id: str) -> bytes:
        path = self.media_dir / f"{media_id}.bin"
        if not path.exists():
            raise NotFoundError(f"No media {media_id!r}.")
        return self.cipher.decrypt(media_id, "data", path.read_bytes())

    # --- reading ----------------------------------------------------------------------------------

    def list_sessions(self) -> list[dict[str, Any]]:
        """Every session, newest first: ids, dates, track/role and turn count. A record that fails to
        decrypt is listed with an `error` instead of breaking the whole list."""
        with self.engine.connect() as conn:
            counts: dict[str, int] = dict(
                conn.execute(select(t.turns.c.session_id, func.count()).group_by(t.turns.c.session_id)).all()
            )
            rows = conn.execute(select(t.sessions).order_by(t.sessions.c.created_at.desc())).fetchall()
        out = []
        for row in rows:
            item: dict[str, Any] = {
                "id": row.id,
                "created_at": row.created_at,
                "expires_at": row.expires_at,
                "turns": int(counts.get(row.id, 0)),
                "has_report": row.report is not None,
            }
            try:
                meta = self._dec(row.id, "content", row.content)
                item.update({k: meta.get(k) for k in ("track", "role") if isinstance(meta, dict)})
            except TamperedDataError as exc:
                item["error"] = exc.message
            out.append(item)
        return out

    def get_session(self, session_id: str) -> dict[str, Any]:
        """One session decrypted: set-up, turns (with grade and metrics), report, media list."""
        with self.engine.connect() as conn:
            row = self._require_session(conn, session_id)
            turn_rows = conn.execute(
                select(t.turns).where(t.turns.c.session_id == session_id).order_by(t.turns.c.idx)
            ).fetchall()
            turn_ids = [r.id for r in turn_rows]
            grade_rows = conn.execute(select(t.grades).where(t.grades.c.turn_id.in_(turn_ids))).fetchall()
            metric_rows = conn.execute(select(t.metrics).where(t.metrics.c.turn_id.in_(turn_ids))).fetchall()
            media_rows = conn.execute(select(t.media).where(t.media.c.session_id == session_id)).fetchall()
        grades = {g.turn_id: self._dec(g.id, "content", g.content) for g in grade_rows}
        metrics: dict[str, dict[str, Any]] = {}
        for m in metric_rows:
            metrics.setdefault(m.turn_id, {})[m.kind + METRICS_SUFFIX] = self._dec(m.id, "content", m.content)
        turns = []
        for r in turn_rows:
            turn = {"index": r.idx, "created_at": r.created_at, **self._dec(r.id, "content", r.content)}
            if r.id in grades:
                turn[GRADE_KEY] = grades[r.id]
            turn.update(metrics.get(r.id, {}))
            turns.append(turn)
        return {
            "id": row.id,
            "profile_id": row.profile_id,
            "created_at": row.created_at,
            "expires_at": row.expires_at,
            "meta": self._dec(row.id, "content", row.content),
            "turns": turns,
            "report": self._dec(row.id, "report", row.report),
            "media": [
                {
                    "id": m.id,
                    "kind": m.kind,
                    "turn_index": m.turn_idx,
                    "size": m.size,
                    "meta": self._dec(m.id, "meta", m.meta),
                }
                for m in media_rows
            ],
        }

    # --- user rights: export (Art. 20) and delete (Art. 17) ----------------------------------------

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

    # --- retention --------------------------------------------------------------------------------

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

    # --- inspection -------------------------------------------------------------------------------

    def audit_events(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.audit_log).order_by(t.audit_log.c.id)).fetchall()
        return [{"at": r.at, "event": r.event, "count": r.count, "detail": r.detail} for r in rows]

    def audit(self, event: str, count: int, detail: str = "") -> None:
        """Record a privacy event (e.g. a key rotation) with no personal data."""
        with self._tx() as conn:
            self._audit(conn, event, count, detail)

    def row_counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {
                name: int(conn.execute(select(func.count()).select_from(t.metadata.tables[name])).scalar_one())
                for name in ("profiles", "sessions", "turns", "grades", "metrics", "media")
            }


def open_store(
    settings: Settings,
    *,
    passphrase: str | None = None,
    clock: Callable[[], float] = time.time,
    cipher: FieldCipher | None = None,
) -> Store:
    """Open (and migrate) the database in `settings`, unlock the data key, and return the `Store`.

    `cipher` replaces the keyring; only the benchmark passes one (its no-encryption baseline).
    """
    from greenroom.storage import keyring

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = eng.make_engine(settings.database_url, settings.data_dir)
    eng.migrate(engine)
    if cipher is None:
        try:
            cipher = keyring.unlock(engine, key_source(settings, passphrase), clock)
        except BaseException:
            engine.dispose()
            raise
    return Store(
        engine,
        cipher,
        settings.data_dir,
        retention_days=settings.privacy_retention_days,
        keep_recordings=settings.privacy_keep_recordings,
        clock=clock,
    )


def key_source(settings: Settings, passphrase: str | None = None) -> Any:
    """The KEK source the settings describe (key file by default, or a passphrase)."""
    from greenroom.storage.keyring import KekSource

    key_file = settings.privacy_key_file or settings.data_dir / "keys" / "greenroom.key"
    return KekSource(
        mode=settings.privacy_key_mode,
        key_file=Path(key_file),
        passphrase=passphrase if passphrase is not None else settings.privacy_passphrase,
    )
