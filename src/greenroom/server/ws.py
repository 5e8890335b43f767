"""The live interview's WebSocket: `/api/interviews/{id}/live` (token checked before accepting).

Messages are dispatched to the `LiveSession`; a malformed or oversized message gets an `error` event
and the socket stays open. A client sending faster than `server_ws_max_messages_per_s` (a flood) gets a
fatal `rate_limited` error and a close with a reason. A closed socket detaches the session, which a new
socket resumes.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

from greenroom.errors import GreenroomError, InputError
from greenroom.live import protocol as p
from greenroom.server.ratelimit import TokenBucket

log = logging.getLogger("greenroom.server.ws")
router = APIRouter()
_CLOSED = (WebSocketState.DISCONNECTED,)


@router.websocket("/api/interviews/{interview_id}/live")
async def live(websocket: WebSocket, interview_id: str) -> None:
    app = websocket.app
    auth = app.state.auth
    if not auth.check(auth.token_from(websocket.headers, websocket.cookies)):
        await websocket.close(code=1008, reason="token required")
        return
    await websocket.accept()
    max_bytes = app.state.settings.server_max_ws_frame_kb * 1024
    try:
        session = await app.state.sessions.get(interview_id)
    except GreenroomError as exc:
        await websocket.send_json(p.error_event(exc.code, exc.message, fatal=True))
        await websocket.close(code=1008)
        return
    attached = False
    rate = app.state.settings.server_ws_max_messages_per_s
    bucket = TokenBucket(rate, burst=2 * rate)
    try:
        while True:
            msg = await websocket.receive()
            if msg["type"] == "websocket.disconnect":
                break
            if not bucket.take():
                detail = f"Over {rate:g} messages a second: the connection is closed (reconnect to go on)."
                await websocket.send_json(p.error_event("rate_limited", detail, fatal=True))
                await websocket.close(code=1008, reason="too many messages")
                break
            try:
                data = msg.get("bytes")
                if data is not None:
                    tag, payload = p.parse_binary(data, max_bytes)
                    if not attached:
                        continue
                    if tag == p.AUDIO_TAG:
                        session.on_audio(payload)
                    else:
                        session.spawn(session.on_frame(payload))
                    continue
                text = msg.get("text") or ""
                if len(text) > max_bytes:
                    raise InputError(f"A message is over {max_bytes // 1024} KiB; it was dropped.")
                m = p.parse_client_message(text)
                if isinstance(m, p.Ping):
                    await websocket.send_json(p.event("pong"))
                elif isinstance(m, p.Hello):
                    await session.attach(websocket.send_json, websocket.send_bytes, m)
                    attached = True
                elif not attached:
                    raise InputError("Say hello first.")
                elif isinstance(m, p.AnswerText):
                    session.spawn(session.on_text(m.text))
                elif isinstance(m, p.Done):
                    session.spawn(session.on_done())
                elif isinstance(m, p.Playback):
                    if session.phase == "speaking":
                        session.spawn(session.start_listening())
                elif isinstance(m, p.Skip):
                    session.spawn(session.on_skip())
                elif isinstance(m, p.Finish):
                    session.spawn(session.finish_early())
                elif isinstance(m, p.Calibrate):
                    session.spawn(session.on_calibrate(m.action))
            except GreenroomError as exc:
                await websocket.send_json(p.error_event(exc.code, exc.message))
    except WebSocketDisconnect:
        pass
    except RuntimeError as exc:
        if websocket.application_state != WebSocketState.DISCONNECTED and websocket.client_state not in _CLOSED:
            raise  # not a closed socket: a real failure, logged by the server
        log.info("live %s: the socket closed while sending (%s)", interview_id[:8], exc)
    finally:
        if attached:
            session.detach(websocket.send_json)
