"""Settings, defined once: every `GREENROOM_*` environment variable and TOML key lives here.

Sources, highest first: keyword arguments, environment variables (`GREENROOM_` prefix), the TOML file
`config.toml` in the data directory (or `GREENROOM_CONFIG_FILE`), then the defaults below. The CLI and
the server read the same `Settings` object. Each concern has its own section; add new settings to the
section they belong to, with a `description`.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

ENV_PREFIX = "GREENROOM_"


def default_data_dir() -> Path:
    """XDG data directory: `$GREENROOM_DATA_DIR`, else `$XDG_DATA_HOME/greenroom`, else `~/.local/share/greenroom`."""
    if env := os.environ.get(f"{ENV_PREFIX}DATA_DIR"):
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg).expanduser() / "greenroom"


def config_file_path() -> Path:
    """The optional TOML settings file."""
    if env := os.environ.get(f"{ENV_PREFIX}CONFIG_FILE"):
        return Path(env).expanduser()
    return default_data_dir() / "config.toml"


class Settings(BaseSettings):
    """All of Greenroom's settings."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", validate_default=True)

    # --- general -------------------------------------------------------------------------------
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Where Greenroom keeps its database, keys and model cache (XDG data dir by default).",
    )
    models_dir: Path | None = Field(
        default=None,
        description="The model cache, where packaged models are assembled (default: <data_dir>/models).",
    )
    log_level: str = Field(default="WARNING", description="Python logging level.")

    # --- LLM -----------------------------------------------------------------------------------
    llm_preset: str = Field(default="qwen2.5-coder-1.5b", description="Model preset (see `greenroom models`).")
    llm_backend: str | None = Field(
        default=None, description="Override the preset's back-end: llama_cpp, openai_compat or transformers."
    )
    llm_model_path: Path | None = Field(
        default=None,
        description="A local GGUF file or Hugging Face checkpoint folder; overrides the preset's file.",
    )
    llm_base_url: str | None = Field(
        default=None, description="OpenAI-compatible server URL (llama.cpp server, Ollama, vLLM)."
    )
    llm_model_name: str | None = Field(default=None, description="Model name to send to the server.")
    llm_api_key: str | None = Field(default=None, description="Optional API key for the server.")
    llm_context_size: int = Field(default=4096, ge=512, description="Context window in tokens.")
    llm_threads: int | None = Field(default=None, ge=1, description="CPU threads for llama.cpp (default: all cores).")
    llm_gpu_layers: int = Field(default=0, description="Layers to offload to a GPU (llama.cpp; -1 for all).")
    llm_max_tokens: int = Field(default=512, ge=1, description="Default cap on generated tokens.")
    llm_temperature: float = Field(default=0.7, ge=0.0, le=2.0, description="Sampling temperature for conversation.")
    llm_seed: int = Field(default=42, description="Sampling seed, for reproducible runs.")
    llm_timeout_s: float = Field(default=120.0, gt=0, description="Timeout for a request to a model server.")

    # --- ethics --------------------------------------------------------------------------------
    ethics_guard_min_similarity: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Question guard: least similarity to an improper exemplar to block (default: the tuned value).",
    )
    ethics_guard_margin: float | None = Field(
        default=None,
        ge=-1.0,
        le=1.0,
        description="Question guard: how much closer to an improper than a proper exemplar to block (default: tuned).",
    )
    ethics_regenerate_tries: int = Field(
        default=2, ge=0, le=10, description="Regenerations of a blocked question before falling back to the bank."
    )
    ethics_max_text_chars: int = Field(
        default=4000, ge=100, description="Longest text (characters) the question and feedback guards accept."
    )

    # --- network -------------------------------------------------------------------------------
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Non-loopback hosts the egress guard lets through (e.g. a LAN vLLM server). Empty: none.",
    )
    egress_guard: bool = Field(default=True, description="Refuse non-loopback connections in every process.")

    @property
    def model_dir(self) -> Path:
        """The model cache, where packaged models are assembled."""
        return self.models_dir or self.data_dir / "models"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, config_file_path()))

    def public_dict(self) -> dict[str, Any]:
        """Settings as plain data, with secrets masked, for `greenroom config show`."""
        data = self.model_dump(mode="json")
        for key in data:
            if ("key" in key or "passphrase" in key or "token" in key) and data[key]:
                data[key] = "***"
        return data


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()
