"""The WebSocket protocol of a live interview: typed JSON events both ways, media in binary frames.

Binary frames carry a one-byte tag then the payload:
- browser -> server: `0x01` + PCM16 little-endian mono 16 kHz microphone audio; `0x02` + one JPEG camera frame;
- server -> browser: `0x01` + PCM16 little-endian mono interviewer speech at the rate announced by `audio_start`.

Text frames are JSON objects with a `type`. A malformed message gets an `error` event back; the
connection and the server go on.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from greenroom.errors import InputError

AUDIO_TAG = 0x01
FRAME_TAG = 0x02


class Hello(BaseModel):
    """First message: which interview, and what the page can send."""

    type: Literal["hello"]
    camera: bool = True
    voice: bool = True
    camera_error: str | None = Field(default=None, max_length=200)
    mic_error: str | None = Field(default=None, max_length=200)
    calibrate: bool = Field(default=False, description="Run the look-at-the-camera step before the first question.")


class Calibrate(BaseModel):
    """The eye-contact calibration step: `start` (the candidate looks at the camera), `end`, or `skip`."""

    type: Literal["calibrate"]
    action: Literal["start", "end", "skip"]


#: The longest typed answer one message may carry (the room keeps a longer text in its box and says so).
MAX_ANSWER_CHARS = 20000


class AnswerText(BaseModel):
    """A typed answer (ends the turn)."""

    type: Literal["answer_text"]
    text: str = Field(min_length=1, max_length=MAX_ANSWER_CHARS)


class Done(BaseModel):
    """The candidate pressed "done": end the spoken turn now."""

    type: Literal["done"]


class Skip(BaseModel):
    """Skip the current question (recorded as unanswered)."""

    type: Literal["skip"]


class Finish(BaseModel):
    """End the interview now and build the report."""

    type: Literal["finish"]


class Playback(BaseModel):
    """The page finished playing the interviewer's audio: listening starts."""

    type: Literal["playback_done"]


class Ping(BaseModel):
    type: Literal["ping"]


ClientMessage = Annotated[
    Hello | AnswerText | Done | Skip | Finish | Playback | Ping | Calibrate, Field(discriminator="type")
]
_ADAPTER: TypeAdapter[Any] = TypeAdapter(ClientMessage)


def parse_client_message(raw: str) -> Any:
    """A validated client message, or `InputError` with one clear line."""
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError("The message is not valid JSON.") from exc
    if not isinstance(data, dict) or "type" not in data:
        raise InputError("A message must be a JSON object with a 'type'.")
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise InputError(f"Bad {data.get('type')!r} message: {where}: {first.get('msg')}.") from exc


def parse_binary(data: bytes, max_bytes: int) -> tuple[int, bytes]:
    """(tag, payload) of a binary message, or `InputError`: too big, empty, an unknown tag, half a sample."""
    if len(data) > max_bytes:
        raise InputError(f"A binary message is over {max_bytes // 1024} KiB; it was dropped.")
    if not data:
        raise InputError("An empty binary message.")
    tag, payload = data[0], data[1:]
    if tag == AUDIO_TAG:
        if len(payload) % 2:
            raise InputError("An audio frame must hold whole 16-bit samples.")
    elif tag == FRAME_TAG:
        if payload[:3] != b"\xff\xd8\xff":
            raise InputError("A camera frame must be a JPEG image.")
    else:
        raise InputError(f"Unknown binary message tag {tag}.")
    return tag, payload


def event(event_type: str, /, **fields: Any) -> dict[str, Any]:
    """A server -> browser event."""
    return {"type": event_type, **fields}


def error_event(code: str, detail: str, *, fatal: bool = False) -> dict[str, Any]:
    return event("error", code=code, detail=detail, fatal=fatal)
