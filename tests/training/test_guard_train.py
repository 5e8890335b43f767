"""Guard training: the trainer learns from the labelled questions, the shipped head is what the guard uses,
and the whole guard (rules + head) beats the exemplar stage on the blind sets it was never trained on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from greenroom.errors import InputError
from greenroom.ethics import evaluation
from greenroom.ethics.datasets import BLIND_SETS, data_path, load_blind_sets, load_labelled
from greenroom.ethics.events import GuardMetrics
from greenroom.ethics.guard import QuestionGuard
from greenroom.ethics.head import GuardHead, load_default_head
from greenroom.training.guard_train import guard_training_items


def pooled_blind() -> list[Any]:
    return [it for items in load_blind_sets().values() for it in items]


def test_the_four_blind_sets_are_installed_and_loaded() -> None:
    assert len(BLIND_SETS) == 4 and list(load_blind_sets()) == ["blind", "blind2", "blind3", "blind4"]
    assert len(pooled_blind()) == sum(len(load_labelled(data_path(n))) for n in BLIND_SETS)


def test_training_items_never_include_a_blind_question() -> None:
    train = {" ".join(t.lower().split()) for t, _ in guard_training_items()}
    blind = {" ".join(it.text.lower().split()) for it in pooled_blind()}
    assert train and blind and not (train & blind)


def test_conflicting_labels_are_refused() -> None:
    from greenroom.ethics.datasets import LabelledItem

    items = [LabelledItem("Are you married?", True, "family_status", "tune")]
    with pytest.raises(InputError, match="labelled both"):
        guard_training_items(items, include_exemplars=False, bank_questions=["Are you married?"])


def test_shipped_head_is_the_default_and_meets_recall_on_the_blind_sets(embedder: Any) -> None:
    head = load_default_head()
    assert head is not None and head.meta["data_sha256"]
    guard = QuestionGuard(embedder, metrics=GuardMetrics())
    assert guard.stage == "head"
    fig = evaluation.evaluate(guard, pooled_blind())
    assert fig.recall >= 0.95
    # the goal, on the four blind sets pooled: recall >= 0.95 with false blocks <= 3% (measured 0.977 and 2.1%)
    assert fig.false_block_rate <= 0.03
    v = guard.check("So, what year were you born, roughly?")
    assert not v.allowed and v.category == "age"
    assert guard.check("How would you design a URL shortener?").allowed


def test_design_questions_about_a_product_leave_the_decision_to_the_head() -> None:
    from greenroom.ethics import rules

    product = "how would you model marital status in an hr database while keeping it private?"
    assert rules.block_hits(product) and rules.is_design_question(product)
    about_you = "how would you design a schedule that fits around your kids?"
    assert not rules.is_design_question(about_you)
    assert not rules.is_design_question("are you married?") and rules.block_hits("are you married?")
    assert rules.allow_hits("are you eighteen or older?")  # the lawful variant, in words as in digits


def test_head_round_trip_and_bad_files(tmp_path: Path) -> None:
    head = GuardHead(("age", "proper"), np.eye(2, 4), np.zeros(2), 0.5, {"x": 1})
    path = tmp_path / "h.json"
    head.save(path)
    again = GuardHead.load(path)
    assert again.classes == head.classes and np.allclose(again.weights, head.weights)
    vec = np.array([[1.0, 0.0, 0.0, 0.0]])
    assert again.predict(vec)[0].category == "age" and again.predict(vec)[0].is_bad
    path.write_text(json.dumps({"classes": ["age"], "weights": [[1.0]], "bias": [0.0], "threshold": 0.5}))
    with pytest.raises(InputError, match="proper"):
        GuardHead.load(path)
    with pytest.raises(InputError, match="not found"):
        GuardHead.load(tmp_path / "missing.json")


@pytest.mark.slow
def test_train_guard_cli_trains_a_better_head(tmp_path: Path, embedder: Any) -> None:
    from greenroom.cli import app

    out = tmp_path / "head.json"
    res = CliRunner().invoke(app, ["train", "guard", "--output", str(out), "--json", "--folds", "3", "--c", "64"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output[res.output.index("{") :])
    assert report["oof_false_block"] <= 0.02 and report["oof_recall"] >= 0.9
    assert set(report["after"]) == {"blind", "blind2", "blind3", "blind4"}
    for name, after in report["after"].items():  # the trained head never does worse than the exemplar stage
        assert after["recall"] >= report["before"][name]["recall"], name
    assert GuardHead.load(out).threshold == report["threshold"]
    assert "model card" in (tmp_path / "head_card.md").read_text()
