"""The allow-list at the storage boundary: it mirrors the result models field for field, it drops whatever
it does not list (raw media, unredacted text, pasted documents, bytes), and the one writer applies it to
every encrypted column. The stored bytes of a whole live interview are checked in tests/web/test_web_resume.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from greenroom.config import Settings
from greenroom.storage import schema as s
from greenroom.storage.repository import Store, open_store


def _names(model: type[BaseModel]) -> set[str]:
    return {f.alias or name for name, f in model.model_fields.items()}


def _pairs() -> list[tuple[str, dict[str, Any], set[str]]]:
    from greenroom.interview.bank import Question
    from greenroom.interview.grading import Grade
    from greenroom.interview.report import QuestionResult, Report
    from greenroom.interview.service import Asked, StoredTurn
    from greenroom.interview.state import InterviewState, Turn
    from greenroom.live.engine import Setup
    from greenroom.speech import delivery as d
    from greenroom.vision import results as v

    return [
        ("grade", s.GRADE, _names(Grade)),
        ("turn", s.TURN, _names(StoredTurn)),
        ("delivery", s.DELIVERY, _names(d.DeliveryMetrics)),
        ("delivery.pauses", s.DELIVERY["pauses"], _names(d.Pause)),
        ("delivery.fillers", s.DELIVERY["fillers"], _names(d.FillerItem)),
        ("delivery.restarts", s.DELIVERY["restarts"], _names(d.DisfluencyItem)),
        ("delivery.timeline", s.DELIVERY["timeline"], _names(d.TimelinePoint)),
        ("delivery.checks", s.CHECK, _names(d.TargetCheck)),
        ("vision", s.VISION, _names(v.TurnSummary) | {"timeline"}),  # + the turn's slice of the timeline
        ("vision.face", s.VISION["face"], _names(v.FaceSummary)),
        ("vision.framing", s.VISION["framing"], _names(v.FramingSummary)),
        ("vision.posture", s.VISION["posture"], _names(v.PostureSummary)),
        ("vision.gestures", s.VISION["gestures"], _names(v.GestureSummary)),
        ("vision.expression", s.VISION["expression"], _names(v.ExpressionSummary)),
        ("vision.emotion", s.VISION["emotion"], _names(v.EmotionSummary)),
        ("vision.timeline", s.VISION_TIMELINE, _names(v.Timeline)),
        ("report", s.REPORT, _names(Report) | {"overall"}),  # `overall` is computed
        ("report.questions", s.REPORT["questions"], _names(QuestionResult)),
        ("resume.state", s.RESUME["state"], _names(InterviewState)),
        ("resume.state.turns", s.RESUME["state"]["turns"], _names(Turn)),
        ("resume.state.questions", s.QUESTION, _names(Question)),
        ("resume.current", s.RESUME["current"], _names(Asked)),
        ("setup", s.SETUP, _names(Setup) - {"job_description", "resume"}),  # pasted texts: used once, never kept
    ]


@pytest.mark.parametrize("name,spec,model_fields", _pairs(), ids=[p[0] for p in _pairs()])
def test_the_allow_list_mirrors_the_models(name: str, spec: dict[str, Any], model_fields: set[str]) -> None:
    assert set(spec) == model_fields, f"{name}: update storage/schema.py (and say whether the new field is kept)"


def test_allow_drops_what_is_not_listed() -> None:
    turn = {
        "question": "q",
        "answer": "<PERSON_1> said hi",
        "raw_transcript": "Jane said hi",
        "audio": "base64...",
        "delivery_metrics": {"wpm": 150.0, "pauses": [{"start": 1.0, "end": 2.0, "duration": 1.0, "pcm": "x"}]},
        "vision_metrics": {"frames": 12, "face": {"eye_contact_ratio": 0.8, "crop": b"\xff\xd8"}, "frame": b"\xff"},
        "grade": {"technical_score": 7.0, "strengths": ["clear", b"bytes"], "components": {"coverage": 0.5}},
    }
    out = s.allowed("turn", turn)
    assert out == {
        "question": "q",
        "answer": "<PERSON_1> said hi",
        "delivery_metrics": {"wpm": 150.0, "pauses": [{"start": 1.0, "end": 2.0, "duration": 1.0}]},
        "vision_metrics": {"frames": 12, "face": {"eye_contact_ratio": 0.8}},
        "grade": {"technical_score": 7.0, "components": {"coverage": 0.5}},  # a list holding bytes is not plain
    }
    assert turn["audio"] == "base64..."  # the caller's dict is not modified
    assert s.violations(out, s.TURN) == []
    assert s.violations(turn, s.TURN) == [
        "raw_transcript",
        "audio",
        "delivery_metrics.pauses.pcm",
        "vision_metrics.face.crop",
        "vision_metrics.frame",
        "grade.strengths",
    ]
    meta = s.allowed("session", {"track": "technical", "resume": "Jane Doe, jane@example.com", "state": "{}"})
    assert meta == {"track": "technical"}


def assert_only_allowed(store: Store) -> dict[str, list[Any]]:
    docs = store.stored_documents()
    bad = {kind: s.violations(doc, s.SPECS[kind]) for kind, items in docs.items() for doc in items}
    assert not any(bad.values()), bad
    return docs


def test_every_column_goes_through_the_writer(data_dir: Path) -> None:
    store = open_store(Settings(data_dir=data_dir, privacy_keep_recordings=True))
    pid = store.create_profile({"display_name": "me", "email": "jane@example.com"})
    sid = store.create_session({"kind": "live", "track": "technical", "resume": "Jane Doe"}, profile_id=pid)
    store.save_progress(
        sid, {"phase": "speaking", "state": {"index": 1, "resume_text": "Jane"}, "extra": 1}, {0: {"answer": "a"}}
    )
    store.add_turn(sid, 1, {"answer": "b", "vision_metrics": {"frames": 3, "jpeg": "..."}, "other_metrics": {"x": 1}})
    store.save_report(sid, {"technical_score": 6.0, "transcript_raw": "Jane Doe said"})
    store.add_media(sid, "audio", b"RIFF", meta={"mime": "audio/wav", "filename": "jane.wav"})
    docs = assert_only_allowed(store)
    assert docs["resume"] == [{"phase": "speaking", "state": {"index": 1}}]
    assert docs["vision_metrics"] == [{"frames": 3}] and set(docs) <= set(s.SPECS) and "other" not in str(docs)
    assert docs["media_meta"] == [{"mime": "audio/wav"}] and docs["profile"] == [{"display_name": "me"}]
    assert store.load_resume(sid) == {"phase": "speaking", "state": {"index": 1}}
    store.finish_session(sid, {"kind": "live", "status": "done"}, [{"answer": "a"}], {"technical_score": 6.0})
    assert store.load_resume(sid) is None  # the resume state goes at the finish
    assert [turn["answer"] for turn in store.export_session(sid)["sessions"][0]["turns"]] == ["a", "b"]
    store.close()
