"""Records: profiles, sessions, turns (with their grade and metric sets), reports and the resume state
of an unfinished interview. Every write goes through the one writer (`StoreCore._write`).

A turn's `grade` goes to the grades table and each `<kind>_metrics` set (delivery, vision) to the
metrics table, each encrypted; `get_session` puts them back together.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from greenroom.errors import InputError, NotFoundError
from greenroom.privacy.crypto import TamperedDataError
from greenroom.storage import tables as t
from greenroom.storage.core import StoreCore, new_id
from greenroom.storage.schema import METRICS, allowed

GRADE_KEY = "grade"
METRICS_SUFFIX = "_metrics"


class Records(StoreCore):
    # --- profiles ------------------------------------------------------------------------------------
    def create_profile(self, content: dict[str, Any]) -> str:
        pid, now = new_id(), self.clock()
        with self._tx() as conn:
            conn.execute(
                insert(t.profiles).values(
                    id=pid,
                    created_at=now,
                    expires_at=self._expiry(now),
                    content=self._write("profile", pid, "content", content),
                )
            )
        return pid

    def get_profile(self, profile_id: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.profiles).where(t.profiles.c.id == profile_id)).first()
        if row is None:
            raise NotFoundError(f"No profile {profile_id!r}.")
        return {"id": row.id, "created_at": row.created_at, "content": self._dec(row.id, "content", row.content)}

    # --- sessions --------------------------------------------------------------------------------------
    def create_session(self, meta: dict[str, Any], profile_id: str | None = None) -> str:
        """A new session with its (encrypted) set-up: kind, track, role, difficulty, status."""
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
                content=self._write("session", sid, "content", meta),
            )
        )
        if profile_id is not None:  # using a profile keeps it alive as long as its newest session
            conn.execute(update(t.profiles).where(t.profiles.c.id == profile_id).values(expires_at=self._expiry(now)))
        return sid

    def update_session_meta(self, session_id: str, meta: dict[str, Any]) -> None:
        """Replace a session's (encrypted) set-up."""
        with self._tx() as conn:
            self._require_session(conn, session_id)
            conn.execute(
                update(t.sessions)
                .where(t.sessions.c.id == session_id)
                .values(content=self._write("session", session_id, "content", meta))
            )

    def save_progress(self, session_id: str, resume: dict[str, Any], turns: dict[int, dict[str, Any]]) -> None:
        """An unfinished interview after a turn, in one transaction: its resume state and the turns given."""
        with self._tx() as conn:
            self._require_session(conn, session_id)
            conn.execute(
                update(t.sessions)
                .where(t.sessions.c.id == session_id)
                .values(resume=self._write("resume", session_id, "resume", resume))
            )
            for index, turn in turns.items():
                self._insert_turn(conn, session_id, index, turn)

    def load_resume(self, session_id: str) -> dict[str, Any] | None:
        """The resume state of an unfinished interview (None once it finished)."""
        with self.engine.connect() as conn:
            row = self._require_session(conn, session_id)
        return self._dec(row.id, "resume", row.resume)  # type: ignore[no-any-return]

    def finish_session(
        self, session_id: str, meta: dict[str, Any], turns: list[dict[str, Any]], report: dict[str, Any]
    ) -> None:
        """The finished interview in one transaction: every turn (graded), the report, the set-up; the resume
        state is deleted."""
        with self._tx() as conn:
            self._require_session(conn, session_id)
            for index, turn in enumerate(turns):
                self._insert_turn(conn, session_id, index, turn)
            conn.execute(
                update(t.sessions)
                .where(t.sessions.c.id == session_id)
                .values(
                    content=self._write("session", session_id, "content", meta),
                    report=self._write("report", session_id, "report", report),
                    resume=None,
                )
            )

    # --- turns and reports -----------------------------------------------------------------------------
    def add_turn(self, session_id: str, index: int, content: dict[str, Any]) -> str:
        """Store turn `index` (replacing an earlier version of it), allow-listed then encrypted."""
        with self._tx() as conn:
            self._require_session(conn, session_id)
            return self._insert_turn(conn, session_id, index, content)

    def _insert_turn(self, conn: Connection, session_id: str, index: int, content: dict[str, Any]) -> str:
        if index < 0:
            raise InputError(f"A turn index must be >= 0, not {index}.")
        body = allowed("turn", content)
        grade = body.pop(GRADE_KEY, None)
        metric_sets = {k: body.pop(f"{k}{METRICS_SUFFIX}") for k in METRICS if f"{k}{METRICS_SUFFIX}" in body}
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
                content=self._write("turn", tid, "content", body),
            )
        )
        if grade is not None:
            gid = new_id()
            conn.execute(
                insert(t.grades).values(id=gid, turn_id=tid, content=self._write("grade", gid, "content", grade))
            )
        for kind, values in metric_sets.items():
            if values is None:
                continue
            mid = new_id()
            blob = self._write(f"{kind}{METRICS_SUFFIX}", mid, "content", values)
            conn.execute(insert(t.metrics).values(id=mid, turn_id=tid, kind=kind, content=blob))
        return tid

    def save_report(self, session_id: str, report: dict[str, Any]) -> None:
        with self._tx() as conn:
            self._require_session(conn, session_id)
            conn.execute(
                update(t.sessions)
                .where(t.sessions.c.id == session_id)
                .values(report=self._write("report", session_id, "report", report))
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
                    blob = self._write("report", sid, "report", report)
                    conn.execute(update(t.sessions).where(t.sessions.c.id == sid).values(report=blob))
                ids.append(sid)
        return ids

    # --- reading -------------------------------------------------------------------------------------
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
        """One session decrypted: set-up, turns (with grade and metrics), report, media list. Each turn
        once; the resume state of an unfinished interview is not part of it (`load_resume`)."""
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

    def row_counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {
                name: int(conn.execute(select(func.count()).select_from(t.metadata.tables[name])).scalar_one())
                for name in ("profiles", "sessions", "turns", "grades", "metrics", "media")
            }
