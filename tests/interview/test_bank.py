"""The question bank: size and shape of the packaged data, tracks and roles, seeds, user packs, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from greenroom.config import Settings
from greenroom.errors import InputError, UnknownNameError
from greenroom.interview.bank import ROLES, TRACKS, QuestionBank, normalize_role, normalize_track
from greenroom.interview.plan import new_interview


def test_packaged_bank_meets_the_minimums(bank: Any) -> None:
    assert len(bank.all("technical")) >= 40
    assert len(bank.all("behavioral")) >= 25
    assert len(bank.all("system-design")) >= 15
    for role in ("backend", "frontend", "data-ml", "devops-sre", "general"):
        assert len(bank.all("technical", role)) >= 5, role
    for q in bank.all():
        assert 3 <= len(q.key_points) <= 8, q.id
        assert q.follow_up_hints, q.id
        assert q.difficulty in ("easy", "medium", "hard")
        assert all(h.strip().endswith("?") for h in q.follow_up_hints), q.id
    ids = [q.id for q in bank.all()]
    assert len(ids) == len(set(ids))


def test_track_aliases_and_unknown_names_list_valid_ones() -> None:
    assert normalize_track("behavioural") == "behavioral"
    assert normalize_track("System Design") == "system-design"
    assert normalize_role("devops") == "devops-sre"
    with pytest.raises(UnknownNameError) as exc:
        normalize_track("astrology")
    assert all(t in str(exc.value) for t in TRACKS)
    with pytest.raises(UnknownNameError) as exc2:
        normalize_role("astronaut")
    assert all(r in str(exc2.value) for r in ROLES)


def test_select_is_reproducible_with_a_seed(bank: Any) -> None:
    a = [q.id for q in bank.select("technical", "backend", n=5, seed=7)]
    b = [q.id for q in bank.select("technical", "backend", n=5, seed=7)]
    c = [q.id for q in bank.select("technical", "backend", n=5, seed=8)]
    assert a == b and len(set(a)) == 5
    assert a != c
    assert all("backend" in bank.get(i).roles for i in a)
    hard = bank.select("technical", "devops-sre", difficulty="hard", n=2, seed=1)
    assert hard[0].difficulty == "hard"
    with pytest.raises(InputError):
        bank.select("system-design", n=500)


def test_find_matches_bank_text_loosely(bank: Any) -> None:
    assert bank.find("how does a HASH MAP handle collisions").id == "tech-hashmap-collisions"
    assert bank.find("What is your favourite colour?") is None


def test_user_pack_extends_and_overrides(tmp_path: Path) -> None:
    (tmp_path / "questions").mkdir()
    (tmp_path / "questions" / "mine.yaml").write_text(
        """
track: technical
defaults: {roles: [backend]}
questions:
  - id: my-grpc
    difficulty: medium
    text: When would you choose gRPC over REST?
    key_points: [Binary protobuf messages are smaller and faster., HTTP/2 streaming., Typed contracts generate clients.]
    follow_up_hints: ["How would a browser client call it?"]
  - id: tech-hashmap-collisions
    text: How does a hash map deal with two keys in one bucket?
    key_points: [Chaining., Open addressing., Resizing.]
""",
        encoding="utf-8",
    )
    bank = QuestionBank.load(Settings(data_dir=tmp_path))
    assert bank.get("my-grpc").source == "user"
    assert bank.get("tech-hashmap-collisions").text.startswith("How does a hash map deal")
    assert "my-grpc" in {q.id for q in bank.all("technical", "backend")}


def test_bad_user_pack_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "questions").mkdir()
    (tmp_path / "questions" / "bad.yaml").write_text(
        "track: technical\nquestions:\n  - id: x\n    text: What is a monad?\n    key_points: []\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match="bad.yaml"):
        QuestionBank.load(Settings(data_dir=tmp_path))


def test_new_interview_plan(bank: Any) -> None:
    state = new_interview(bank, "behavioural", "frontend", n=3, seed=3)
    assert state.track == "behavioral" and len(state.questions) == 3
    again = new_interview(bank, "behavioral", "frontend", n=3, seed=3)
    assert [q.id for q in state.questions] == [q.id for q in again.questions]
