"""Speech out: the interviewer's words as tagged PCM16 frames, synthesised one sentence at a time in a
worker thread, so the first sentence plays while the next is made."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

import numpy as np

from greenroom.live.protocol import AUDIO_TAG


def pcm_frame(chunk: np.ndarray) -> bytes:
    """One audio message: the audio tag, then little-endian PCM16."""
    return bytes([AUDIO_TAG]) + (np.clip(chunk, -1, 1) * 32767).astype("<i2").tobytes()


class SpeechOut:
    def __init__(self, synth: Any) -> None:
        self.synth = synth

    @property
    def header(self) -> dict[str, Any]:
        """The fields of the `audio_start` event."""
        return {"sample_rate": self.synth.sample_rate, "voice": self.synth.name, "fallback": bool(self.synth.fallback)}

    async def frames(self, text: str) -> AsyncGenerator[bytes, None]:
        loop = asyncio.get_running_loop()
        it = iter(self.synth.stream(text))
        while True:
            chunk = await loop.run_in_executor(None, next, it, None)
            if chunk is None:
                return
            yield pcm_frame(chunk)
