"""The ethics commands, through the real CLI app and the real guard."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from greenroom.cli import app
from greenroom.errors import GreenroomError

pytestmark = pytest.mark.slow
runner = CliRunner()
SRC = Path(__file__).resolve().parents[2] / "src"


def test_check_question_json() -> None:
    res = runner.invoke(app, ["check-question", "How old will you be next year?", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert list(data) == ["allowed", "category", "score", "lawful_variant"]
    assert data["allowed"] is False and data["category"] == "age" and data["score"] == 1.0
    assert "18" in data["lawful_variant"]
    ok = json.loads(
        runner.invoke(app, ["check-question", "Are you authorized to work in this country?", "--json"]).output
    )
    assert ok == {"allowed": True, "category": None, "score": 0.0, "lawful_variant": None}


def test_check_question_text_and_explain() -> None:
    res = runner.invoke(app, ["check-question", "Nice answer. Do you have kids?", "--explain"])
    assert res.exit_code == 0
    assert "blocked: family_status" in res.output and "ask instead:" in res.output and "BLOCK" in res.output


def test_check_question_reads_stdin() -> None:
    res = runner.invoke(app, ["check-question", "-", "--json"], input="What is your sexual orientation?\n")
    assert json.loads(res.output)["category"] == "sexual_orientation_gender"


def test_check_feedback_json() -> None:
    res = runner.invoke(app, ["check-feedback", "Try to lose your accent.", "--json"])
    assert json.loads(res.output)["category"] == "identity"


def test_evaluate_guard_reports_figures() -> None:
    res = runner.invoke(app, ["evaluate", "guard"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert set(data) == {"tune", "heldout", "all"}
    assert data["all"]["n_improper"] >= 80 and data["all"]["recall"] >= 0.95


def test_evaluate_grading_without_the_grader_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "greenroom.interview.grading", None)  # the import now fails, as in a broken build
    res = runner.invoke(app, ["evaluate", "grading"])
    assert isinstance(res.exception, GreenroomError)
    assert "interview grader is not part of this build" in str(res.exception)


def test_main_prints_one_line_for_bad_input() -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", "from greenroom.cli import main; main()", "check-question", "<p> </p>", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith("error: The text is empty")
    assert "Traceback" not in proc.stderr
