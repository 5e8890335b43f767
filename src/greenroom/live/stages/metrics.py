"""Metrics of a turn, off the critical path: delivery figures from the turn's audio and transcript, and
the vision figures, put on the recorded turn. Grading itself runs in the interview service's background
grader."""

from __future__ import annotations

import asyncio
from typing import Any

from greenroom.errors import GreenroomError


async def measure_turn(turn: Any, audio: Any, transcript: Any, vision: dict[str, Any] | None) -> Any:
    """Fill `turn.delivery_metrics` (or `delivery_note`, saying why there are none) and `vision_metrics`."""
    if audio is not None and transcript is not None:
        from greenroom.speech.delivery import analyze_delivery

        try:
            d = await asyncio.to_thread(analyze_delivery, audio, transcript)
            turn.delivery_metrics = d.model_dump(mode="json")
            for r in turn.delivery_metrics["restarts"]:  # only words that the redacted answer shows
                if r["text"].lower() not in str(turn.answer or "").lower():
                    r["text"] = "(redacted)"
        except GreenroomError as exc:
            turn.delivery_note = exc.message
    if vision is not None:
        turn.vision_metrics = vision
    return turn
