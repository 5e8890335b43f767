"""`greenroom train data`: chat datasets from the bank and the labelled answers, plus ONLY the local sessions
whose candidate opted in, anonymised, deduplicated, split, with a data card."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from greenroom.config import Settings, get_settings
from greenroom.errors import InputError
from greenroom.training.data import build_examples, load_datasets, split_of


def session(consent: bool | None, follow_up: str) -> tuple[dict[str, object], list[dict[str, object]]]:
    meta: dict[str, object] = {"kind": "practice", "track": "technical", "role": "backend"}
    if consent is not None:
        meta["training_consent"] = consent
    turns: list[dict[str, object]] = [
        {"question_id": "q1", "kind": "question", "question": "How does a CDN cache invalidation work?", "answer": "x"},
        {"question_id": "q1", "kind": "follow_up", "question": follow_up, "asked": follow_up, "answer": "y"},
    ]
    return meta, turns


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("GREENROOM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GREENROOM_CONFIG_FILE", str(tmp_path / "none.toml"))
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def test_examples_cover_every_task_and_are_deduplicated() -> None:
    examples, dropped = build_examples()
    tasks = {e["task"] for e in examples}
    assert tasks == {"interviewer_turn", "follow_up", "rubric"}
    keys = [json.dumps(e["messages"]) for e in examples]
    assert len(keys) == len(set(keys))
    rubric = next(e for e in examples if e["task"] == "rubric")
    assert [m["role"] for m in rubric["messages"]] == ["system", "user", "assistant"]
    assert json.loads(rubric["messages"][-1]["content"])["accuracy"] in (0, 2, 3)
    # the same example always lands in the same split
    assert split_of(examples[0]) == split_of(json.loads(json.dumps(examples[0])))
    # a bank question asked for several roles is one example per role, never a duplicate: but a repeat is dropped
    again, dropped2 = build_examples(grading_items=[])
    assert dropped2 >= 0 and len(again) < len(examples)


def test_sessions_without_an_anonymiser_are_refused() -> None:
    meta, turns = session(True, "Could you tell me about purging?")
    with pytest.raises(InputError, match="anonymiser"):
        build_examples(sessions=[{"meta": meta, "turns": turns}])


@pytest.mark.slow
def test_train_data_cli_uses_only_opted_in_sessions_anonymised(env: Settings) -> None:
    from greenroom.cli import app
    from greenroom.storage.repository import open_store

    store = open_store(env)
    try:
        store.save_session(*session(True, "Maria Lopez, how would you purge a cached object at the edge?"))
        store.save_session(*session(False, "SECRET-NO-CONSENT how would you purge a cached object?"))
        store.save_session(*session(None, "SECRET-DEFAULT how would you purge a cached object?"))
    finally:
        store.close()
    out = env.data_dir / "ds"
    res = CliRunner().invoke(app, ["train", "data", "--output", str(out), "--json"])
    assert res.exit_code == 0, res.output
    card = json.loads(res.output[res.output.index("{") :])
    assert card["sessions_seen"] == 1 and card["sessions_consented"] == 1  # only opted-in sessions are read
    assert card["by_source"]["session"] >= 1 and "session" in card["licences"]
    ds = load_datasets(out)
    assert set(ds) <= {"train", "validation", "test"} and sum(len(ds[k]) for k in ds) == sum(card["counts"].values())
    text = json.dumps([row for k in ds for row in ds[k]["messages"]])
    assert "SECRET" not in text  # no session without consent
    assert "Maria Lopez" not in text and "purge a cached object at the edge" in text  # consented, anonymised
    assert (out / "README.md").read_text().startswith("# Greenroom interviewer training data")


def test_training_consent_is_off_by_default() -> None:
    from greenroom.live.engine import Setup

    assert Setup().training_consent is False
    assert 'id="training_consent"' in (Path(__file__).parents[2] / "src/greenroom/server/web/setup.html").read_text()
