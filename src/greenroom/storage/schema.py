"""The allow-list: every field Greenroom may store, and `allow`, which keeps those and drops the rest.

A spec is a dict of field name -> spec, or `LEAF` for a plain value (a string, number, boolean or null, a
list of them, or a flat dict of them). A dict spec applied to a list applies to each item (a list of
records). Anything not listed, and any bytes, is dropped and logged by path, never stored: raw audio and
video, frames, the unredacted transcript, the pasted job description and résumé have no field here.

The specs mirror the result models of `interview`, `speech` and `vision` (storage imports none of them);
tests/storage/test_storage_allowlist.py fails when a model gains a field that is not listed here.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("greenroom.storage.schema")

LEAF = None
Spec = dict[str, Any] | None


def fields(*names: str) -> dict[str, Any]:
    return dict.fromkeys(names, LEAF)


QUESTION = fields("id", "track", "roles", "difficulty", "text", "key_points", "follow_up_hints", "source")
GRADE = fields(
    "question_id",
    "technical_score",
    "response_quality",
    "covered_points",
    "missed_points",
    "contradicted_points",
    "strengths",
    "improvement_areas",
    "better_answer_outline",
    "notes",
    "components",
    "rubric_reasoning",
    "degraded",
)
CHECK = fields("metric", "value", "low", "high", "status", "source")
DELIVERY = {
    **fields(
        "duration_s",
        "speaking_time_s",
        "phonation_time_s",
        "word_count",
        "wpm",
        "articulation_wpm",
        "pause_count",
        "pause_mean_s",
        "pause_longest_s",
        "pauses_over_2s",
        "filler_count",
        "fillers_per_min",
        "filler_counts",
        "pitch_median_hz",
        "pitch_range_st",
        "pitch_sd_st",
        "monotone",
        "level_median_db",
        "level_sd_db",
        "too_quiet",
        "clipping_fraction",
        "clipping",
        "notes",
        "restart_count",
        "acoustic_fillers",
    ),
    "pauses": fields("start", "end", "duration"),
    "fillers": fields("text", "start", "end", "source"),
    "restarts": fields("kind", "text", "start", "end"),
    "timeline": fields("start", "end", "wpm", "fillers", "pitch_median_hz", "level_db"),
    "checks": CHECK,
}
VISION_TIMELINE = fields(
    "step_s",
    "t",
    "face_present",
    "eye_contact",
    "looking_down",
    "yaw_deg",
    "pitch_deg",
    "smile",
    "hand_energy",
    "shoulder_tilt_deg",
)
VISION = {
    **fields("turn_id", "start_s", "end_s", "frames", "fps", "face_detected", "message", "notes"),
    "face": fields(
        "presence_ratio",
        "multi_face_ratio",
        "max_faces",
        "eye_contact_ratio",
        "yaw_deg",
        "pitch_deg",
        "roll_deg",
        "head_movement_deg",
        "gaze_h",
        "blinks",
        "blink_rate_per_min",
        "eye_contact_calibrated",
        "eye_contact_method",
        "gaze_baseline_deg",
        "looking_away_ratio",
        "looking_down_ratio",
    ),
    "framing": fields(
        "too_close_ratio", "too_far_ratio", "off_centre_ratio", "too_dark_ratio", "mean_brightness", "hints"
    ),
    "posture": fields(
        "body_ratio",
        "shoulder_tilt_deg",
        "tilted_ratio",
        "slouch_ratio",
        "lateral_lean_deg",
        "leaning_in_ratio",
        "torso_sway",
        "torso_steadiness",
    ),
    "gestures": fields(
        "source",
        "hands_visible_ratio",
        "hand_energy",
        "gestures",
        "gesture_rate_per_min",
        "face_touches",
        "face_touch_ratio",
        "fidget_ratio",
    ),
    "expression": fields("smile_intensity", "smiling_ratio", "brow_movement", "expressiveness", "note"),
    "emotion": fields("caveat", "frames", "dominant", "mean_probabilities", "top_label_share"),
    "timeline": VISION_TIMELINE,
}
#: Metric sets of a turn, stored in the metrics table by kind (`<kind>_metrics` in a turn).
METRICS = {"delivery": DELIVERY, "vision": VISION}
TURN = {
    **fields("question_id", "kind", "question", "asked", "answer", "source", "skipped", "delivery_note"),
    "grade": GRADE,
    "delivery_metrics": DELIVERY,
    "vision_metrics": VISION,
}
REPORT = {
    **fields(
        "schema",
        "interview_id",
        "track",
        "role",
        "created_at",
        "technical_score",
        "response_quality",
        "top_improvements",
        "practice_plan",
        "notes",
    ),
    "questions": {**fields("question_id", "question", "track", "follow_ups", "answer_words", "status"), "grade": GRADE},
    "delivery": {
        **fields("answers", "wpm", "fillers_per_min", "pitch_sd_st", "pauses_over_2s", "advice"),
        "checks": CHECK,
    },
    "overall": fields("technical_score", "response_quality", "answered", "skipped", "failed"),
}
SETUP = fields("track", "role", "difficulty", "questions", "camera", "voice", "consent", "training_consent", "seed")
#: `training_consent`: the candidate's opt-in (off by default) to `greenroom train data` using the session.
SESSION = {
    **fields("kind", "track", "role", "difficulty", "interview_id", "status", "training_consent"),
    "setup": SETUP,
}
#: The resume state of an unfinished interview (its own column, deleted when the interview finishes).
RESUME = {
    "state": {
        **fields("id", "track", "role", "difficulty", "seed", "index", "phase", "follow_ups_asked"),
        **fields("degraded", "submitted", "tailored"),
        "questions": QUESTION,
        "turns": fields("question_id", "kind", "prompt", "answer", "target", "skipped"),
    },
    "current": fields("text", "kind", "question_id", "done", "degraded"),
    "phase": LEAF,
}
PROFILE = fields("display_name")
MEDIA_META = fields("mime", "duration_s", "sample_rate", "width", "height")

#: What each encrypted column may hold, by name (the writer's `kind`).
SPECS: dict[str, dict[str, Any]] = {
    "session": SESSION,
    "resume": RESUME,
    "turn": TURN,
    "grade": GRADE,
    **{f"{k}_metrics": v for k, v in METRICS.items()},
    "report": REPORT,
    "profile": PROFILE,
    "media_meta": MEDIA_META,
}

_SCALARS = (str, int, float, bool, type(None))


def _plain(value: Any) -> bool:
    if isinstance(value, _SCALARS):
        return True
    if isinstance(value, list):
        return all(isinstance(v, _SCALARS) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and isinstance(v, _SCALARS) for k, v in value.items())
    return False


def allow(value: Any, spec: Spec, path: str = "") -> Any:
    """`value` with only the fields `spec` lists; the rest is dropped (and logged by path, not content)."""
    where = path.rstrip(".") or "<root>"
    if spec is LEAF:
        if _plain(value):
            return value
        log.info("allow-list dropped %s (not a plain value)", where)
        return _DROP
    if isinstance(value, list):
        items = [allow(v, spec, path) for v in value]
        return [v for v in items if v is not _DROP]
    if not isinstance(value, dict):
        log.info("allow-list dropped %s (expected a record)", where)
        return _DROP
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key not in spec:
            log.info("allow-list dropped %s%s (not an allowed field)", path, key)
            continue
        kept = allow(item, spec[key], f"{path}{key}.")
        if kept is not _DROP:
            out[key] = kept
    return out


class _Dropped:
    def __repr__(self) -> str:
        return "<dropped>"


_DROP: Any = _Dropped()


def allowed(kind: str, value: dict[str, Any]) -> dict[str, Any]:
    """The allow-listed copy of a record of `kind` (a key of `SPECS`)."""
    out = allow(value, SPECS[kind])
    return out if isinstance(out, dict) else {}


def violations(value: Any, spec: Spec, path: str = "") -> list[str]:
    """The paths in `value` that the allow-list would not store (empty: everything is allowed)."""
    where = path.rstrip(".") or "<root>"
    if spec is LEAF:
        return [] if _plain(value) else [where]
    if isinstance(value, list):
        return [p for v in value for p in violations(v, spec, path)]
    if not isinstance(value, dict):
        return [where]
    bad: list[str] = []
    for key, item in value.items():
        bad += [f"{path}{key}"] if key not in spec else violations(item, spec[key], f"{path}{key}.")
    return bad
