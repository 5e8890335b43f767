"""Voice embedders: prosodic features by default; wav2vec2 tested with a tiny random model built from a config."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from greenroom.config import Settings
from greenroom.errors import ConfigError, UnknownNameError
from greenroom.speech.base import NoSpeechError, VoiceEmbedder
from greenroom.speech.embedder import create_voice_embedder

from .speechgen import espeak, silence


@pytest.fixture(scope="module")
def voices() -> tuple[np.ndarray, np.ndarray]:
    text = "Tell me about the last system you designed and what you learned."
    return espeak(text, pitch=30), espeak(text, pitch=80)


def test_prosodic_default(speech_settings: Settings, voices: tuple[np.ndarray, np.ndarray]) -> None:
    emb = create_voice_embedder(speech_settings)
    assert isinstance(emb, VoiceEmbedder) and emb.name == "prosodic"
    low, high = (emb.embed(v) for v in voices)
    assert low.shape == (emb.dim,) and np.all(np.isfinite(low))
    assert high[0] > low[0] + 0.3  # log2 median pitch: espeak -p 80 is clearly higher than -p 30
    with pytest.raises(NoSpeechError):
        emb.embed(silence(2.0))


@pytest.fixture(scope="module")
def tiny_wav2vec2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from transformers import Wav2Vec2Config, Wav2Vec2Model

    cfg = Wav2Vec2Config(
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        conv_dim=(16, 16),
        conv_stride=(5, 4),
        conv_kernel=(10, 8),
        num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=2,
    )
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("tiny-wav2vec2")
    Wav2Vec2Model(cfg).save_pretrained(path)
    return path


def test_wav2vec2_from_local_checkpoint(
    speech_settings: Settings, tiny_wav2vec2: Path, voices: tuple[np.ndarray, np.ndarray]
) -> None:
    s = speech_settings.model_copy(update={"speech_voice_embedder": "wav2vec2", "speech_wav2vec2_path": tiny_wav2vec2})
    emb = create_voice_embedder(s)
    assert emb.name == "wav2vec2" and emb.dim == 32
    a1 = emb.embed(voices[0])
    a2 = emb.embed(voices[0])
    b = emb.embed(voices[1])
    assert a1.shape == (32,) and np.all(np.isfinite(a1))
    assert np.allclose(a1, a2)  # deterministic
    assert not np.allclose(a1, b)  # depends on the audio


def test_wav2vec2_needs_a_checkpoint(speech_settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="needs a local checkpoint"):
        create_voice_embedder(speech_settings, "wav2vec2")
    s = speech_settings.model_copy(update={"speech_wav2vec2_path": tmp_path})
    with pytest.raises(ConfigError, match="no config.json"):
        create_voice_embedder(s, "wav2vec2")
    with pytest.raises(UnknownNameError):
        create_voice_embedder(speech_settings, "ecapa")
