"""Settings: defaults, GREENROOM_ environment variables and the TOML file in the data directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from greenroom.config import Settings


def test_env_prefix_and_toml_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENROOM_DATA_DIR", str(tmp_path))
    (tmp_path / "config.toml").write_text('llm_preset = "qwen2.5-coder-0.5b"\nllm_context_size = 2048\n')
    s = Settings()
    assert s.data_dir == tmp_path
    assert s.llm_preset == "qwen2.5-coder-0.5b" and s.llm_context_size == 2048
    monkeypatch.setenv("GREENROOM_LLM_CONTEXT_SIZE", "8192")  # environment beats the file
    assert Settings().llm_context_size == 8192
    assert Settings().model_dir == tmp_path / "models"


def test_the_interviewers_llm_leaves_a_core_to_the_live_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GREENROOM_LLM_THREADS", raising=False)  # tests/conftest.py sets it for the suite
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert Settings().llm_thread_count == 3  # ASR and VAD keep a core (docs/web.md#latency)
    assert Settings(llm_threads=4).llm_thread_count == 4
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert Settings().llm_thread_count == 1


def test_xdg_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GREENROOM_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert Settings().data_dir == tmp_path / "greenroom"


def test_invalid_setting_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENROOM_LLM_TEMPERATURE", "9")
    with pytest.raises(ValueError, match="llm_temperature"):
        Settings()


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from greenroom.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=os.environ | (env or {}),
        timeout=120,
    )


def test_config_show_masks_secrets(tmp_path: Path) -> None:
    out = run_cli(
        "config", "show", "--json", env={"GREENROOM_DATA_DIR": str(tmp_path), "GREENROOM_LLM_API_KEY": "s3cret"}
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["data_dir"] == str(tmp_path) and data["llm_api_key"] == "***"
    assert data["llm_max_tokens"] == 512  # a setting about tokens is not a secret token
    assert "s3cret" not in out.stdout


def test_unknown_preset_on_the_cli_is_one_clear_line(tmp_path: Path) -> None:
    out = run_cli("demo", "--preset", "nope", env={"GREENROOM_DATA_DIR": str(tmp_path)})
    assert out.returncode == 2
    lines = [ln for ln in out.stderr.strip().splitlines() if ln]
    assert len(lines) == 1 and "Unknown model preset 'nope'" in lines[0] and "qwen2.5-coder-1.5b" in lines[0]
    assert "Traceback" not in out.stderr


def test_models_list_and_doctor(tmp_path: Path, model_dir: Path) -> None:
    env = {"GREENROOM_DATA_DIR": str(tmp_path), "GREENROOM_MODELS_DIR": str(model_dir)}
    rows = json.loads(run_cli("models", "list", "--json", env=env).stdout)
    by_name = {r["name"]: r for r in rows}
    assert by_name["qwen2.5-coder-1.5b"]["available"] and by_name["qwen2.5-coder-1.5b"]["default"]
    assert not by_name["llama-2-70b-chat"]["available"]
    doc = json.loads(run_cli("doctor", "--json", env=env).stdout)
    names = {c["name"] for c in doc["checks"]}
    assert {"CPU", "RAM", "GPU", "Disk", "SSD"} <= names
    assert doc["recommended_preset"] in by_name
