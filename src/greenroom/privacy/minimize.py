"""Data minimisation: what Greenroom keeps after an interview, and what it never stores.

The policy is data, shown to the user before the first session (`greenroom privacy policy`, and the
web page through `policy_text`). `minimize_turn` enforces it on every turn before storage: it drops
raw media and unredacted text whatever the caller passes in, so a mistake upstream cannot leak into
the database.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("greenroom.privacy.minimize")

#: Keys a turn may carry that are never stored (raw media and text before redaction).
NEVER_STORED_KEYS = frozenset(
    {
        "audio",
        "video",
        "frames",
        "frame",
        "image",
        "raw_audio",
        "raw_video",
        "pcm",
        "wav",
        "raw_transcript",
        "unredacted_transcript",
        "transcript_raw",
    }
)


@dataclass(frozen=True)
class RetentionPolicy:
    """What is kept, what is not, and for how long."""

    retention_days: int
    keep_recordings: bool

    @property
    def kept(self) -> list[str]:
        items = [
            "scores and rubric grades per answer",
            "improvement areas and the end-of-interview report",
            "anonymous delivery metrics (pace, pauses, filler rate, pitch and energy statistics)",
            "anonymous vision metrics (face presence, gaze and posture summaries; never frames)",
            "the transcript of your answers, after names, contacts and IDs are replaced by placeholders",
            "the interview set-up you typed (track, role, job description, résumé), encrypted",
        ]
        if self.keep_recordings:
            items.append("your audio/video recordings, because you opted in (encrypted, same retention)")
        return items

    @property
    def never_stored(self) -> list[str]:
        items = ["the unredacted transcript", "webcam frames and face images"]
        if not self.keep_recordings:
            items.insert(0, "raw audio and video recordings")
        return items


def policy(retention_days: int, keep_recordings: bool) -> RetentionPolicy:
    return RetentionPolicy(retention_days=retention_days, keep_recordings=keep_recordings)


def policy_text(retention_days: int, keep_recordings: bool) -> str:
    """The policy as plain text, for display before the first session."""
    p = policy(retention_days, keep_recordings)
    lines = [
        "What Greenroom keeps after an interview (on this machine only, encrypted with AES-256-GCM):",
        *(f"  - {item}" for item in p.kept),
        "Never stored:",
        *(f"  - {item}" for item in p.never_stored),
        f"Everything is deleted automatically {p.retention_days} days after the interview.",
        "You can list, export (JSON) and delete your sessions at any time: `greenroom sessions --help`,",
        "`greenroom delete-all`. Nothing is sent over the network.",
    ]
    return "\n".join(lines)


def minimize_turn(content: dict[str, Any]) -> dict[str, Any]:
    """A copy of a turn without raw media or unredacted text (nested dicts are cleaned too)."""

    def clean(value: Any, path: str) -> Any:
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                if k in NEVER_STORED_KEYS or isinstance(v, bytes | bytearray | memoryview):
                    log.info("minimisation dropped field %s%s", path, k)
                    continue
                out[k] = clean(v, f"{path}{k}.")
            return out
        if isinstance(value, list):
            return [clean(v, path) for v in value if not isinstance(v, bytes | bytearray | memoryview)]
        return value

    return dict(clean(content, ""))
