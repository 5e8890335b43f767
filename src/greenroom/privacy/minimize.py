"""Data minimisation: what Greenroom keeps after an interview, and what it never stores.

The policy is data, shown to the user before the first session (`greenroom privacy policy`, and the
web page through `policy_text`). Storage enforces it with an allow-list (`storage.schema`): only the
fields it names are written, so raw media, frames, unredacted text and pasted documents cannot leak
into the database whatever a caller passes in.
"""

from __future__ import annotations

from dataclasses import dataclass


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
            "the interview set-up (track, role, difficulty, number of questions), encrypted",
        ]
        if self.keep_recordings:
            items.append("your audio/video recordings, because you opted in (encrypted, same retention)")
        return items

    @property
    def never_stored(self) -> list[str]:
        items = [
            "the unredacted transcript",
            "webcam frames and face images",
            "a pasted job description or résumé (used once, to tailor a question)",
        ]
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
