"""The model store and presets: assembly with checksum, corruption -> re-assembly, clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from greenroom.config import Settings
from greenroom.errors import ModelNotAvailableError, UnknownNameError
from greenroom.llm.factory import BACKENDS, create_chat_model
from greenroom.llm.presets import PRESETS, QWEN_0_5B, get_preset
from greenroom.modelstore import ModelStore, PackagedArtifact, PartRef, sha256_file


def test_every_seed_model_has_a_preset() -> None:
    names = set(PRESETS)
    for expected in ("llama-2-7b-chat", "llama-2-13b-chat", "llama-2-70b-chat", "falcon-7b-instruct"):
        assert expected in names
    assert "mpt-7b-instruct" in names and any(p.multilingual for p in PRESETS.values())
    for p in PRESETS.values():
        assert p.backend in BACKENDS and p.ram_gb > 0 and p.chat_template and p.file
    assert PRESETS["qwen2.5-coder-0.5b"].degraded and "poorly" in PRESETS["qwen2.5-coder-0.5b"].quality


def test_unknown_preset_and_backend_list_valid_names(settings: Settings) -> None:
    with pytest.raises(UnknownNameError) as e:
        get_preset("gpt-5")
    assert "qwen2.5-coder-1.5b" in str(e.value) and "llama-2-7b-chat" in str(e.value)
    with pytest.raises(UnknownNameError) as e2:
        create_chat_model(settings.model_copy(update={"llm_backend": "tensorrt"}))
    assert "llama_cpp, openai_compat, transformers" in str(e2.value)


def test_missing_user_supplied_model_names_preset_and_how(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path, models_dir=tmp_path / "models")
    with pytest.raises(ModelNotAvailableError) as e:
        create_chat_model(s, "llama-2-7b-chat")
    msg = str(e.value)
    assert "llama-2-7b-chat" in msg and "GREENROOM_LLM_MODEL_PATH" in msg and "llama-2-7b-chat.Q4_K_M.gguf" in msg


def test_missing_packages_are_named(tmp_path: Path) -> None:
    art = PackagedArtifact(
        name="ghost",
        parts=(PartRef("no_such_pkg_part1", "data/part01.bin"),),
        target="g.bin",
        sha256=None,
        pip_packages=("no-such-pkg-part1",),
    )
    with pytest.raises(ModelNotAvailableError, match="no_such_pkg_part1") as e:
        ModelStore(tmp_path).ensure(art)
    assert "pip install no-such-pkg-part1" in str(e.value)


@pytest.mark.slow
def test_corrupted_model_is_reported_and_reassembled(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = ModelStore(tmp_path / "models")
    path = store.ensure(QWEN_0_5B)
    assert sha256_file(path) == QWEN_0_5B.sha256
    # Flip bytes in the middle of the file, keeping its size and mtime (the cheap check cannot see it).
    st = path.stat()
    with path.open("r+b") as f:
        f.seek(st.st_size // 2)
        f.write(b"\x00" * 4096)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert store.is_assembled(QWEN_0_5B)  # cheap check fooled...
    with caplog.at_level("ERROR"):
        store.ensure(QWEN_0_5B, full_check=True)  # ...the full check is not
    assert "corrupted" in caplog.text
    assert sha256_file(path) == QWEN_0_5B.sha256


@pytest.mark.slow
def test_corrupted_model_never_reaches_llama_cpp(tmp_path: Path) -> None:
    """End to end in a fresh process: a corrupted GGUF is re-assembled before llama.cpp loads it."""
    models = tmp_path / "models"
    store = ModelStore(models)
    path = store.ensure(QWEN_0_5B)
    with path.open("r+b") as f:
        f.write(b"GARBAGE!" * 64)  # destroys the GGUF header
    env = os.environ | {"GREENROOM_DATA_DIR": str(tmp_path), "GREENROOM_MODELS_DIR": str(models)}
    out = subprocess.run(
        [sys.executable, "-c", "from greenroom.cli import main; main()", "demo", "--preset", "qwen2.5-coder-0.5b"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert "corrupted" in out.stderr and "Re-assembling" in out.stderr
    assert "?" in out.stdout
