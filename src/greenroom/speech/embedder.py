"""Voice features (`VoiceEmbedder`): prosodic features by default, wav2vec2 from a user-configured checkpoint.

Registry `EMBEDDERS`: `prosodic` (parselmouth: pitch, jitter, shimmer, HNR, level; no model needed)
and `wav2vec2` (transformers `Wav2Vec2Model` from a local folder, mean-pooled last hidden state).
"""

from __future__ import annotations

from collections.abc import Callable

from greenroom.config import Settings
from greenroom.errors import ConfigError
from greenroom.registry import Registry
from greenroom.speech.base import VoiceEmbedder

EmbedderFactory = Callable[[Settings], VoiceEmbedder]
EMBEDDERS: Registry[EmbedderFactory] = Registry("voice embedder")


@EMBEDDERS.decorator("prosodic")
def _prosodic(settings: Settings) -> VoiceEmbedder:
    from greenroom.speech.embed_prosodic import ProsodicEmbedder

    return ProsodicEmbedder()


@EMBEDDERS.decorator("wav2vec2")
def _wav2vec2(settings: Settings) -> VoiceEmbedder:
    from greenroom.speech.embed_wav2vec2 import Wav2Vec2Embedder

    if settings.speech_wav2vec2_path is None:
        raise ConfigError(
            "The wav2vec2 voice embedder needs a local checkpoint.",
            hint="Set GREENROOM_SPEECH_WAV2VEC2_PATH to a wav2vec2 folder (config.json + weights).",
        )
    return Wav2Vec2Embedder(settings.speech_wav2vec2_path)


def create_voice_embedder(settings: Settings, name: str | None = None) -> VoiceEmbedder:
    return EMBEDDERS.get(name or settings.speech_voice_embedder)(settings)
