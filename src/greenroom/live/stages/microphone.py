"""Microphone: the page's audio frames, checked, queued with their arrival time, and taken in batches.

Audio that queued up while the listening stage was busy (transcribing) is taken in one piece, so the
live path catches up instead of falling further behind; each frame keeps the time it arrived, from which
the lag stage measures how far the live path is behind real time.
"""

from __future__ import annotations

import asyncio
import time

from greenroom.errors import InputError

Batch = list[tuple[bytes, float]]


class MicInput:
    def __init__(self, max_frames: int = 6000) -> None:
        self.queue: asyncio.Queue[tuple[bytes, float] | None] = asyncio.Queue(maxsize=max_frames)

    def put(self, payload: bytes) -> None:
        """One frame of 16-bit PCM, stamped with its arrival time."""
        if len(payload) % 2:
            raise InputError("An audio frame must hold whole 16-bit samples.")
        try:
            self.queue.put_nowait((payload, time.perf_counter()))
        except asyncio.QueueFull as exc:
            raise InputError("Audio is arriving much faster than it can be processed; frames dropped.") from exc

    async def batch(self, wait_s: float | None = None) -> Batch | None:
        """The next frame and every frame queued behind it; None once closed; [] when nothing came within
        `wait_s` seconds."""
        try:
            item = await asyncio.wait_for(self.queue.get(), wait_s)
        except TimeoutError:
            return []
        if item is None:
            return None
        batch = [item]
        while not self.queue.empty():
            nxt = self.queue.get_nowait()
            if nxt is None:
                return None
            batch.append(nxt)
        return batch

    async def close(self) -> None:
        await self.queue.put(None)
