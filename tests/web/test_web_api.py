"""The JSON API on a real encrypted store: interviews are created from the real question bank; sessions are
listed, shown, exported and deleted; history aggregates; retention is saved to the settings file."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

TURN = {
    "question": "Explain what a database index is.",
    "question_id": "q1",
    "kind": "question",
    "answer": "Um, an index is a B-tree that lets the database find rows without a full scan.",
    "source": "voice",
    "grade": {"technical_score": 6.5, "response_quality": 5.0, "covered_points": ["B-tree"], "missed_points": []},
    "delivery_metrics": {"wpm": 120.0, "fillers_per_min": 3.0, "pitch_sd_st": 2.5},
    "vision_metrics": {"face": {"eye_contact_ratio": 0.8}},
}


def _stored(client: TestClient, n: int = 1) -> list[str]:
    store = client.app.state.store  # type: ignore[attr-defined]
    return [
        store.save_session({"track": "technical", "role": "backend", "status": "done"}, [TURN], {"overall": {}})
        for _ in range(n)
    ]


def test_create_interview_from_the_bank(client: TestClient) -> None:
    r = client.post(
        "/api/interviews",
        json={"track": "behavioural", "role": "backend", "difficulty": "easy", "questions": 2, "consent": True},
    )
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    assert r.json()["room"] == f"/room?id={sid}"
    data = client.get(f"/api/sessions/{sid}").json()
    assert data["meta"]["track"] == "behavioral" and data["meta"]["status"] == "in_progress"
    assert data["meta"]["questions"] == 2
    assert "state" not in data["meta"] and "setup" not in data["meta"]  # internal state stays server-side
    resume = client.app.state.store.load_resume(sid)  # type: ignore[attr-defined]
    assert len(resume["state"]["questions"]) == 2 and resume["phase"] == "new"  # in its own column
    assert client.get("/api/sessions").json()[0]["id"] == sid


def test_too_many_questions_and_too_long_texts(client: TestClient) -> None:
    r = client.post("/api/interviews", json={"questions": 11, "consent": True})
    assert r.status_code == 422 and "At most 10" in r.json()["detail"]
    r = client.post("/api/interviews", json={"consent": True, "resume": "x" * 20001})
    assert r.status_code == 422


def test_list_show_history_export_delete(client: TestClient) -> None:
    a, b = _stored(client, 2)
    rows = client.get("/api/sessions").json()
    assert {r["id"] for r in rows} == {a, b}
    assert rows[0]["wpm"] == 120.0 and rows[0]["eye_contact_ratio"] == 0.8 and rows[0]["technical_score"] == 6.5
    hist = client.get("/api/history").json()["sessions"]
    assert [r["id"] for r in hist] == [a, b]  # oldest first
    shown = client.get(f"/api/sessions/{a}").json()
    assert shown["turns"][0]["answer"] == TURN["answer"] and shown["turns"][0]["grade"]["technical_score"] == 6.5
    exp = client.get(f"/api/sessions/{a}/export")
    assert exp.headers["content-disposition"].startswith("attachment")
    assert exp.json()["sessions"][0]["id"] == a
    assert len(client.get("/api/export").json()["sessions"]) == 2
    assert client.delete(f"/api/sessions/{a}").json() == {"deleted": a}
    assert client.get(f"/api/sessions/{a}").status_code == 404
    assert [r["id"] for r in client.get("/api/sessions").json()] == [b]
    assert client.post("/api/delete-all", json={"confirm": False}).status_code == 422
    assert client.post("/api/delete-all", json={"confirm": True}).json() == {"deleted_sessions": 1}
    assert client.get("/api/sessions").json() == []


def test_retention_setting_is_saved(client: TestClient, tmp_path: Path) -> None:
    assert client.get("/api/privacy").json()["retention_days"] == 30
    r = client.put("/api/privacy/retention", json={"retention_days": 7})
    assert r.status_code == 200
    assert tomllib.loads((tmp_path / "config.toml").read_text())["privacy_retention_days"] == 7
    assert client.get("/api/privacy").json()["retention_days"] == 7
    sid = _stored(client)[0]
    row = next(s for s in client.get("/api/sessions").json() if s["id"] == sid)
    assert 6.9 < (row["expires_at"] - row["created_at"]) / 86400 < 7.1
    assert client.put("/api/privacy/retention", json={"retention_days": 0}).status_code == 422


def test_purge_runs_at_start(client: TestClient) -> None:
    purge = client.app.state.purge  # type: ignore[attr-defined]
    assert purge.runs == 1 and purge.last is not None


def test_plotly_is_served_locally(client: TestClient) -> None:
    r = client.get("/vendor/plotly.min.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert len(r.content) > 1_000_000 and b"plotly" in r.content[:2000].lower()


@pytest.mark.slow
def test_job_description_adds_a_tailored_question_and_is_not_kept(client: TestClient) -> None:
    jd = "Backend engineer: Python, PostgreSQL, Kafka event pipelines, on-call for payment services."
    r = client.post(
        "/api/interviews",
        json={"track": "technical", "role": "backend", "questions": 2, "consent": True, "job_description": jd},
    )
    assert r.status_code == 201, r.text
    store = client.app.state.store  # type: ignore[attr-defined]
    stored = store.get_session(r.json()["id"])["meta"]
    state = store.load_resume(r.json()["id"])["state"]
    assert len(state["questions"]) == 3  # two from the bank, one tailored (or a bank fallback that says so)
    extra = state["questions"][-1]
    assert extra["id"].startswith("tailored-") or any("bank question" in n for n in state["degraded"])
    assert len(extra["key_points"]) >= 2
    assert "job_description" not in stored["setup"] and jd not in json.dumps(stored)  # used once, never kept
    assert state["tailored"] is True  # tailored once: a resume does not tailor again
