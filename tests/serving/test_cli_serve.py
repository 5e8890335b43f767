"""`greenroom serve --engine ...`: wrong combinations get one `error:` line and a non-zero exit."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.test_config import run_cli

from greenroom.config import Settings
from greenroom.errors import ConfigError
from greenroom.serving.ray_engine import RayEngine


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "nope"], "Unknown engine 'nope'"),
        (["--ray-address", "127.0.0.1:6379"], "--ray-address goes with --engine ray"),
        (["--engine", "pool", "--min-workers", "3", "--max-workers", "2"], "is above --max-workers"),
    ],
)
def test_bad_serving_options_are_one_clear_error(args: list[str], message: str, tmp_path: Path) -> None:
    out = run_cli("serve", *args, env={"GREENROOM_DATA_DIR": str(tmp_path)})
    assert out.returncode != 0
    lines = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and message in lines[0], out.stderr


def test_ray_address_must_be_loopback_or_allowed(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path, serving_engine="ray", serving_ray_address="10.1.2.3:6379")
    with pytest.raises(ConfigError, match="not allowed"):
        RayEngine(s).start()
