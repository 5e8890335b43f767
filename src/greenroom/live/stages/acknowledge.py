"""Acknowledgement: when a spoken turn ends and the reply is not ready yet, the interviewer says a short
"Thank you." / "I see." at once, as a person would, and the question follows when it is ready. The phrases
are synthesised once per interview, ahead of the first turn end (`prepare`), so saying one costs no
synthesis; a barge-in stops it like any reply."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from greenroom.live.stages.speech_out import SpeechOut

PHRASES = ("Thank you.", "I see.", "Right.", "Okay.")


class Acknowledgements:
    """The phrases' audio, made with the synthesizer `load()` returns (None: no voice)."""

    def __init__(self, load: Callable[[], Any]) -> None:
        self.load = load
        self._made: dict[str, tuple[dict[str, Any], list[bytes]]] = {}

    def phrase(self, turn: int) -> str:
        """The phrase for the `turn`-th answer (they take turns)."""
        return PHRASES[turn % len(PHRASES)]

    async def audio(self, text: str) -> tuple[dict[str, Any], list[bytes]] | None:
        """(the `audio_start` fields, the PCM frames) of `text`, made now if not made yet."""
        if text in self._made:
            return self._made[text]
        synth = await asyncio.to_thread(self.load)
        if synth is None:
            return None
        out = SpeechOut(synth)
        frames = [frame async for frame in out.frames(text)]
        self._made[text] = ({**out.header, "acknowledgement": text}, frames)
        return self._made[text]

    @property
    def ready(self) -> bool:
        return len(self._made) == len(PHRASES)

    async def prepare(self) -> None:
        """Make every phrase ahead (a background step)."""
        for text in PHRASES:
            if await self.audio(text) is None:
                return
