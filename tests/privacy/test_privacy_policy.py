"""The minimisation policy text (the allow-list that enforces it: tests/storage), the retention scheduler,
and the user-rights commands."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from greenroom.config import Settings, get_settings
from greenroom.privacy.minimize import policy_text
from greenroom.privacy.retention import PeriodicPurge
from greenroom.storage.repository import open_store


def test_policy_text_says_what_is_kept() -> None:
    text = policy_text(30, keep_recordings=False)
    assert "raw audio and video recordings" in text.split("Never stored:")[1]
    assert "30 days" in text and "placeholders" in text
    opted_in = policy_text(7, keep_recordings=True)
    assert "opted in" in opted_in.split("Never stored:")[0] and "7 days" in opted_in
    assert "raw audio and video recordings" not in opted_in.split("Never stored:")[1]


def test_periodic_purge_runs_at_start_and_on_schedule(data_dir: Path) -> None:
    now = [1_800_000_000.0]
    store = open_store(Settings(data_dir=data_dir), clock=lambda: now[0])
    old = store.create_session({"role": "x"})
    now[0] += 31 * 86400
    purger = PeriodicPurge(store, interval_s=0.05, clock=lambda: now[0]).start()
    try:
        assert purger.runs == 1 and purger.last is not None and purger.last.sessions == 1  # at start
        newer = store.create_session({"role": "y"})
        now[0] += 31 * 86400
        deadline = time.time() + 10
        while (store.list_sessions() or purger.runs < 2) and time.time() < deadline:
            time.sleep(0.05)
        assert store.list_sessions() == [] and purger.runs >= 2
    finally:
        purger.stop()
    assert old != newer


@pytest.fixture
def cli_env(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("GREENROOM_DATA_DIR", str(data_dir))
    monkeypatch.setenv("GREENROOM_CONFIG_FILE", str(data_dir / "none.toml"))
    get_settings.cache_clear()
    yield data_dir
    get_settings.cache_clear()


def test_user_rights_commands(cli_env: Path) -> None:
    from greenroom.cli import app

    store = open_store(get_settings())
    a = store.create_session({"track": "technical", "role": "SRE"})
    store.add_turn(a, 0, {"question": "q", "answer": "t", "grade": {"technical_score": 5}})
    b = store.create_session({"track": "behavioural", "role": "PM"})
    store.close()
    run = CliRunner().invoke

    listed = run(app, ["sessions", "list", "--json"])
    assert listed.exit_code == 0 and {s["id"] for s in json.loads(listed.stdout)} == {a, b}
    shown = run(app, ["sessions", "show", a])
    assert json.loads(shown.stdout)["turns"][0]["grade"] == {"technical_score": 5}
    out = cli_env / "export.json"
    assert run(app, ["sessions", "export", "--all", "-o", str(out)]).exit_code == 0
    doc = json.loads(out.read_text())
    assert doc["format"] == "greenroom-export/1" and len(doc["sessions"]) == 2 and out.stat().st_mode & 0o777 == 0o600
    assert run(app, ["sessions", "delete", a, "--yes"]).exit_code == 0
    assert [s["id"] for s in json.loads(run(app, ["sessions", "list", "--json"]).stdout)] == [b]
    missing = run(app, ["sessions", "show", a])
    assert missing.exit_code != 0
    assert "deleted 1 sessions" in run(app, ["delete-all", "--yes"]).stdout
    assert json.loads(run(app, ["sessions", "list", "--json"]).stdout) == []
    assert "purged 0 sessions" in run(app, ["purge"]).stdout
    assert "Never stored" in run(app, ["privacy", "policy"]).stdout
    rot = run(app, ["keys", "rotate", "--reencrypt"])
    assert rot.exit_code == 0 and "(done)" in rot.stdout


def test_cli_error_is_one_line(cli_env: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", "from greenroom.cli import main; main()", "sessions", "show", "nope"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["error: No session 'nope'. See `greenroom sessions list`."]
