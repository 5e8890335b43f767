"""The running interviews of one server: created from a set-up, found again by id (from memory, or from
the store after a server restart), closed at shutdown."""

from __future__ import annotations

import asyncio
from typing import Any

from greenroom.config import Settings
from greenroom.errors import InputError, NotFoundError
from greenroom.live import engine as eng
from greenroom.live.base import Models
from greenroom.live.session import LiveSession


class SessionManager:
    def __init__(self, settings: Settings, resources: Models, store: Any) -> None:
        self.settings = settings
        self.resources = resources
        self.store = store
        self.sessions: dict[str, LiveSession] = {}
        self._lock = asyncio.Lock()

    def create(self, setup: eng.Setup) -> str:
        """A new interview (blocking: call in a thread): questions chosen, saved, ready for its socket."""
        if not setup.consent:
            raise InputError("Please read the privacy notice and tick the consent box first.")
        meta: dict[str, Any] = {
            "kind": "live",
            "track": setup.track,
            "role": setup.role,
            "difficulty": setup.difficulty,
            # minimised: the pasted job description and résumé are used once, to tailor questions, never kept
            "setup": setup.model_dump(mode="json", exclude={"job_description", "resume"}),
            "training_consent": setup.training_consent,
            "status": "in_progress",
        }
        sid = self.store.create_session(meta)
        try:
            state = eng.new_state(self.settings, setup, sid)
            if setup.job_description.strip() or setup.resume.strip():  # tailored once, by the interview service
                service = eng.new_service(self.resources, state)
                try:
                    service.tailor(setup.job_description, setup.resume)
                finally:
                    service.close()
                state = service.state
        except Exception:
            self.store.delete_session(sid, compact=False)
            raise
        from greenroom.interview.service import ResumeState

        if state.track != meta["track"]:
            self.store.update_session_meta(sid, {**meta, "track": state.track})
        self.store.save_progress(sid, ResumeState(state=state, phase="new").model_dump(mode="json"), {})
        return sid

    async def get(self, interview_id: str) -> LiveSession:
        async with self._lock:
            if interview_id in self.sessions:
                return self.sessions[interview_id]
            data = await asyncio.to_thread(self.store.get_session, interview_id)
            resume = await asyncio.to_thread(self.store.load_resume, interview_id)
            meta = data["meta"] or {}
            if meta.get("kind") != "live" or (resume is None and meta.get("status") != "done"):
                raise NotFoundError(f"Session {interview_id!r} is not a live interview.")
            session = LiveSession(interview_id, self.settings, self.resources, self.store, meta, resume, data["turns"])
            self.sessions[interview_id] = session
            return session

    def forget(self, interview_id: str) -> None:
        session = self.sessions.pop(interview_id, None)
        if session is not None:
            session.detach()

    async def close(self) -> None:
        for session in list(self.sessions.values()):
            await session.close()
        self.sessions.clear()
