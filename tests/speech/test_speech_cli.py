"""The speech CLI commands: transcribe, speak, analyze; bad input gives one line and a non-zero exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from greenroom.cli import app, speech_commands
from greenroom.config import Settings

from .speechgen import Generated, silence, wer, write

pytestmark = pytest.mark.slow


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, speech_settings: Settings) -> CliRunner:
    monkeypatch.setattr(speech_commands, "get_settings", lambda: speech_settings)
    return CliRunner()


def test_transcribe_json(cli: CliRunner, answer: Generated, answer_wav: Path) -> None:
    res = cli.invoke(app, ["transcribe", str(answer_wav), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["language"] == "en" and wer(answer.text, data["text"]) <= 0.2
    assert {"text", "start", "end", "probability"} <= set(data["words"][0])


def test_speak_then_analyze(cli: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "q.wav"
    res = cli.invoke(app, ["speak", "Tell me about yourself. Why this role?", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.stat().st_size > 10_000
    res = cli.invoke(app, ["analyze", str(out), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["delivery"]["word_count"] >= 6 and data["delivery"]["checks"]


def test_bad_input_one_line_nonzero(tmp_path: Path) -> None:
    """Through the real entry point: a GreenroomError is one line on stderr and exit code 2."""
    bad = tmp_path / "notes.mp3"
    bad.write_text("not audio at all\n" * 50)
    quiet = write(tmp_path / "quiet.wav", silence(3.0))
    env = {**os.environ, "GREENROOM_DATA_DIR": str(tmp_path / "data")}
    code = "from greenroom.cli import main; main()"
    for path, msg in ((bad, "not a readable audio file"), (quiet, "No speech detected")):
        proc = subprocess.run(
            [sys.executable, "-c", code, "analyze", str(path), "--json"], capture_output=True, text=True, env=env
        )
        assert proc.returncode == 2
        assert proc.stderr.strip().startswith("error:") and msg in proc.stderr
        assert "Traceback" not in proc.stderr and proc.stdout == ""
