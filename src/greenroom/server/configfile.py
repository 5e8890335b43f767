"""Saving a setting changed in the web app to the TOML settings file (flat `key = value` lines)."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any

from greenroom.config import Settings, config_file_path
from greenroom.errors import ConfigError


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise ConfigError(f"Cannot write {type(value).__name__} settings to the TOML file.")


def set_config_value(key: str, value: Any, path: Path | None = None) -> Path:
    """Set one known setting in the TOML file, keeping the others (mode 0600)."""
    if key not in Settings.model_fields:
        raise ConfigError(f"Unknown setting {key!r}.")
    path = path or config_file_path()
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    data[key] = value
    lines = []
    for k, v in data.items():
        if isinstance(v, dict):
            raise ConfigError(f"{path} has a [{k}] table; edit it by hand.")
        lines.append(f"{k} = {_toml_value(v)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    os.replace(tmp, path)
    return path
