"""The interview commands through the real CLI: `questions list`, `grade --json`, and `practice` with typed
answers on stdin (real LLM, embeddings, guard and anonymiser)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from greenroom.cli import app

runner = CliRunner()
SRC = Path(__file__).resolve().parents[2] / "src"


def test_questions_list_json_filters() -> None:
    res = runner.invoke(app, ["questions", "list", "--track", "behavioural", "--role", "frontend", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert len(data) >= 25 and all(q["track"] == "behavioral" for q in data)
    assert {"id", "track", "roles", "difficulty", "text", "key_points", "follow_up_hints"} <= set(data[0])
    table = runner.invoke(app, ["questions", "list", "--track", "system-design"])
    assert table.exit_code == 0 and "15 questions" in table.output and "sd-url-shortener" in table.output


def _main(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-c", "from greenroom.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=300,
    )


def test_unknown_track_and_role_are_one_line_errors() -> None:
    proc = _main("questions", "list", "--track", "cooking")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: Unknown track 'cooking'. Valid: behavioral, system-design, technical."
    proc = _main("practice", "--role", "astronaut", "--no-save")
    assert proc.returncode == 2 and "Valid: backend, data-ml, devops-sre, frontend, general" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_grade_json_with_bank_and_given_key_points() -> None:
    res = runner.invoke(
        app,
        [
            "grade",
            "--question",
            "What is the N+1 query problem and how do you fix it?",
            "--answer",
            "It is when the code runs one query for the list and then one query per item, usually from ORM lazy "
            "loading. You fix it with eager loading or a join, or by batching the lookups with an IN clause.",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    g = json.loads(res.stdout)
    assert g["question_id"] == "tech-n-plus-one"
    assert 5 <= g["technical_score"] <= 10 and 0 <= g["response_quality"] <= 10
    assert g["covered_points"] and isinstance(g["notes"], list)
    res2 = runner.invoke(
        app,
        [
            "grade",
            "-q",
            "Why use a CDN?",
            "-k",
            "Serves content from edge locations near users.",
            "-k",
            "Reduces latency and origin load.",
            "-k",
            "Caches static assets.",
            "--json",
            "--no-rubric",
        ],
        input="no idea\n",
    )
    g2 = json.loads(res2.stdout)
    assert g2["technical_score"] <= 2 and g2["missed_points"]


@pytest.mark.slow
def test_practice_through_stdin(tmp_path: Path) -> None:
    answers = [
        "An index is a B-tree that lets the database find rows without scanning the whole table, so lookups are "
        "logarithmic. Writes get slower because every insert also updates the index, and it takes disk space.",
        "I am not sure.",
        "I would use offset and limit, or better a cursor with the last seen id so it stays fast with an index.",
        "The response has a next cursor.",
    ]
    stdin = "".join(a + "\n\n" for a in answers)
    report_json, state_file = tmp_path / "report.json", tmp_path / "state.json"
    res = runner.invoke(
        app,
        [
            "practice",
            "--track",
            "technical",
            "--role",
            "backend",
            "--questions",
            "2",
            "--seed",
            "4",
            "--follow-ups",
            "1",
            "--no-save",
            "--report-json",
            str(report_json),
            "--state",
            str(state_file),
        ],
        input=stdin,
    )
    assert res.exit_code == 0, res.output
    assert "Interviewer" in res.output and "Practice plan" in res.output
    rep = json.loads(report_json.read_text())
    assert len(rep["questions"]) == 2 and all(q["status"] == "graded" for q in rep["questions"])
    assert 0 <= rep["technical_score"] <= 10
    saved = json.loads(state_file.read_text())
    state = saved["state"]
    assert state["phase"] == "done" and len([t for t in state["turns"] if t["answer"] is not None]) >= 2
    assert [t["answer"] for t in saved["turns"]] == answers[: len(saved["turns"])]
