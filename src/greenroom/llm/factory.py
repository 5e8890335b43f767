"""The back-end registry and `create_chat_model`: settings + preset -> a ready `ChatModel`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from greenroom.config import Settings
from greenroom.errors import ConfigError, ModelNotAvailableError
from greenroom.llm.base import ChatModel
from greenroom.llm.presets import Preset, get_preset
from greenroom.modelstore import ModelStore
from greenroom.registry import Registry

log = logging.getLogger(__name__)
BackendFactory = Callable[[Settings, Preset], ChatModel]
BACKENDS: Registry[BackendFactory] = Registry("LLM back-end")
_VERIFIED: set[str] = set()  # packaged models fully checksummed in this process


def resolve_model_path(settings: Settings, preset: Preset) -> Path:
    """The file or folder to load: the configured path, else the preset's file in the model cache.

    A packaged preset is assembled on first use and fully checksummed once per process, so a corrupted
    file is re-assembled instead of reaching llama.cpp's C code.
    """
    if settings.llm_model_path:
        path = settings.llm_model_path.expanduser()
        if not path.exists():
            raise ModelNotAvailableError(f"GREENROOM_LLM_MODEL_PATH points to {path}, which does not exist.")
        return path
    if preset.artifact:
        store = ModelStore(settings.model_dir)
        full = preset.name not in _VERIFIED
        path = store.ensure(preset.artifact, full_check=full)
        _VERIFIED.add(preset.name)
        return path
    path = preset.path(settings.model_dir)
    if not path.exists():
        raise ModelNotAvailableError(
            f"Model preset {preset.name!r} is not on this machine.",
            hint=preset.how_to_provide(settings.model_dir),
        )
    return path


@BACKENDS.decorator("llama_cpp")
def _llama_cpp(settings: Settings, preset: Preset) -> ChatModel:
    from greenroom.llm.backends.llama_cpp import LlamaCppChatModel

    return LlamaCppChatModel(
        resolve_model_path(settings, preset),
        name=preset.name,
        n_ctx=settings.llm_context_size,
        n_threads=settings.llm_thread_count,
        n_gpu_layers=settings.llm_gpu_layers,
        chat_format=None if preset.chat_template == "gguf" else preset.chat_template,
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
        seed=settings.llm_seed,
        lora_path=settings.llm_lora_path,
    )


@BACKENDS.decorator("openai_compat")
def _openai_compat(settings: Settings, preset: Preset) -> ChatModel:
    from greenroom.llm.backends.openai_compat import OpenAICompatChatModel

    if not settings.llm_base_url:
        raise ConfigError("The openai_compat back-end needs a server URL: set GREENROOM_LLM_BASE_URL.")
    return OpenAICompatChatModel(
        settings.llm_base_url,
        model=settings.llm_model_name or preset.name,
        api_key=settings.llm_api_key,
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
        seed=settings.llm_seed,
        timeout_s=settings.llm_timeout_s,
    )


@BACKENDS.decorator("transformers")
def _transformers(settings: Settings, preset: Preset) -> ChatModel:
    from greenroom.llm.backends.transformers_hf import TransformersChatModel

    return TransformersChatModel(
        resolve_model_path(settings, preset),
        name=preset.name,
        chat_template=preset.chat_template if preset.chat_template != "gguf" else "chatml",
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
        seed=settings.llm_seed,
    )


def create_chat_model(settings: Settings, preset_name: str | None = None) -> ChatModel:
    """Build the configured chat model. Unknown presets or back-ends raise with the valid names."""
    preset = get_preset(preset_name or settings.llm_preset)
    backend = settings.llm_backend or preset.backend
    return BACKENDS.get(backend)(settings, preset)
