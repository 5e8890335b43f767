"""The JSON API under /api: options, interviews, sessions (report, export, delete), history, privacy.

Every route here needs the session token (`require_token`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from greenroom.errors import InputError
from greenroom.live.engine import Setup
from greenroom.server import history as hist
from greenroom.server.security import check_text_document, token_required_error


def require_token(request: Request) -> None:
    """The token, again per route (`GuardMiddleware` checks it first, before a body is read)."""
    auth = request.app.state.auth
    if not auth.check(auth.token_from(request.headers, request.cookies)):
        raise token_required_error()


class Problem(BaseModel):
    """Every error answer: a code, one line for the user and, sometimes, what to do about it."""

    error: str = Field(description="A stable code, e.g. bad_input, unauthorized, not_found, storage_unavailable.")
    detail: str = Field(description="One line saying what went wrong.")
    hint: str | None = Field(default=None, description="What to do about it, when there is something to do.")


def _problem(description: str) -> dict[str, Any]:
    ref = {"$ref": "#/components/schemas/Problem"}
    return {"model": Problem, "description": description, "content": {"application/problem+json": {"schema": ref}}}


#: The error answers every /api route can give (documented, so the schema says what a client gets).
ERRORS: dict[int | str, dict[str, Any]] = {
    400: _problem("Bad request"),
    401: _problem("The session token is missing or wrong"),
    404: _problem("No such session"),
    413: _problem("The body is over the upload limit"),
    415: _problem("The uploaded file is not plain UTF-8 text"),
    421: _problem("The Host header is not this server"),
    422: _problem("The input is not valid"),
    503: _problem("Storage or a model is unavailable right now"),
}

router = APIRouter(prefix="/api", dependencies=[Depends(require_token)], responses=ERRORS)

PRIVATE_META = ("setup",)


class Created(BaseModel):
    id: str
    room: str


class UploadedText(BaseModel):
    text: str
    chars: int


class Confirm(BaseModel):
    model_config = ConfigDict(strict=True)  # JSON types as declared: `true` is not the number 1
    confirm: bool = Field(description="Must be true: deleting everything cannot be undone.")


class RetentionUpdate(BaseModel):
    model_config = ConfigDict(strict=True)
    retention_days: float = Field(gt=0, le=3650)


def _store(request: Request) -> Any:
    return request.app.state.store


@router.get("/status", summary="Server, models and what runs degraded")
async def status(request: Request) -> dict[str, Any]:
    from greenroom import __version__

    return {"version": __version__, **request.app.state.resources.status()}


@router.get("/options", summary="Tracks, roles, difficulties, limits and the privacy notice")
async def options(request: Request) -> dict[str, Any]:
    from greenroom.live.engine import tracks_and_roles
    from greenroom.privacy.minimize import policy

    s = request.app.state.settings
    p = policy(int(s.privacy_retention_days), s.privacy_keep_recordings)
    return {
        **tracks_and_roles(),
        "max_questions": s.server_max_questions,
        "max_text_chars": s.server_max_text_chars,
        "privacy": {"retention_days": p.retention_days, "kept": p.kept, "never_stored": p.never_stored},
        "degraded": request.app.state.resources.degraded(),
    }


@router.post("/interviews", status_code=201, response_model=Created, summary="Start an interview from a set-up")
async def create_interview(setup: Setup, request: Request) -> Created:
    s = request.app.state.settings
    for name in ("job_description", "resume"):
        if len(getattr(setup, name)) > s.server_max_text_chars:
            raise InputError(f"The {name.replace('_', ' ')} is over {s.server_max_text_chars} characters.")
    sid = await asyncio.to_thread(request.app.state.sessions.create, setup)
    return Created(id=sid, room=f"/room?id={sid}")


@router.post(
    "/uploads/text",
    response_model=UploadedText,
    summary="A résumé or job description as a plain-text file (UTF-8); checked by its bytes, not its name",
)
async def upload_text(request: Request) -> UploadedText:
    data = await request.body()
    text = check_text_document(data, request.app.state.settings.server_max_text_chars)
    return UploadedText(text=text, chars=len(text))


@router.get("/sessions", summary="Stored sessions, newest first")
async def list_sessions(request: Request) -> list[dict[str, Any]]:
    return await asyncio.to_thread(hist.session_rows, _store(request))


def public_session(data: dict[str, Any]) -> dict[str, Any]:
    meta = dict(data.get("meta") or {})
    turns = data.get("turns") or []
    setup = meta.get("setup") or {}
    for key in PRIVATE_META:
        meta.pop(key, None)
    meta["questions"] = setup.get("questions")
    meta["camera"] = setup.get("camera")
    meta["voice"] = setup.get("voice")
    return {**data, "meta": meta, "turns": turns}


@router.get("/sessions/{session_id}", summary="One session: set-up, turns with grades and metrics, report")
async def get_session(session_id: str, request: Request) -> dict[str, Any]:
    data = await asyncio.to_thread(_store(request).get_session, session_id)
    return public_session(data)


@router.delete("/sessions/{session_id}", summary="Delete one session now (GDPR Art. 17)")
async def delete_session(session_id: str, request: Request) -> dict[str, Any]:
    request.app.state.sessions.forget(session_id)
    await asyncio.to_thread(_store(request).delete_session, session_id)
    return {"deleted": session_id}


@router.get("/sessions/{session_id}/export", summary="Everything stored about one session, as JSON (Art. 20)")
async def export_session(session_id: str, request: Request) -> Response:
    doc = await asyncio.to_thread(_store(request).export_session, session_id)
    return JSONResponse(doc, headers={"content-disposition": f'attachment; filename="greenroom-{session_id}.json"'})


@router.get("/export", summary="Everything stored, as one JSON document (Art. 20)")
async def export_all(request: Request) -> Response:
    doc = await asyncio.to_thread(_store(request).export_all)
    return JSONResponse(doc, headers={"content-disposition": 'attachment; filename="greenroom-export.json"'})


@router.post("/delete-all", summary="Delete every session, profile and recording now")
async def delete_all(body: Confirm, request: Request) -> dict[str, Any]:
    if not body.confirm:
        raise InputError("Set confirm to true to delete everything.")
    for sid in list(request.app.state.sessions.sessions):
        request.app.state.sessions.forget(sid)
    n = await asyncio.to_thread(_store(request).delete_all)
    return {"deleted_sessions": n}


@router.get("/history", summary="Scores and delivery figures over time")
async def history(request: Request) -> dict[str, Any]:
    return await asyncio.to_thread(hist.history, _store(request))


@router.get("/privacy", summary="Retention settings and the privacy policy")
async def privacy(request: Request) -> dict[str, Any]:
    from greenroom.privacy.minimize import policy

    s = request.app.state.settings
    store = _store(request)
    p = policy(int(store.retention_days), store.keep_recordings)
    last = request.app.state.purge.last
    return {
        "retention_days": store.retention_days,
        "keep_recordings": store.keep_recordings,
        "purge_interval_s": s.privacy_purge_interval_s,
        "last_purge": None if last is None else {"sessions": last.sessions, "seconds": round(last.seconds, 3)},
        "kept": p.kept,
        "never_stored": p.never_stored,
    }


@router.put("/privacy/retention", summary="Change how long sessions are kept (new sessions; saved to config.toml)")
async def set_retention(body: RetentionUpdate, request: Request) -> dict[str, Any]:
    from greenroom.server.configfile import set_config_value

    store = _store(request)
    store.retention_days = body.retention_days
    path = await asyncio.to_thread(set_config_value, "privacy_retention_days", body.retention_days)
    return {"retention_days": body.retention_days, "saved_to": str(path)}
