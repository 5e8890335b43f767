"""Vision: the camera frames of the listening windows, analysed as they arrive (never stored), a framing
hint now and then, and per turn a summary with its slice of the timeline. Frames are analysed on a
background-priority thread (`greenroom.priority`): the live path (VAD, ASR) comes first."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from greenroom.errors import GreenroomError, InputError
from greenroom.priority import shared_background

HINT_EVERY = 5  # analysed frames between two framing hints


class VisionStage:
    def __init__(self, analyzer: Any, fps: float) -> None:
        self.analyzer = analyzer
        self.min_gap_s = 1.0 / fps
        self._lock = threading.Lock()
        self._busy = False
        self._last_t = -1.0
        self._t0 = time.monotonic()

    def start_turn(self, label: str) -> None:
        with self._lock:
            self.analyzer.start_turn(label)  # on the analyser's clock: after its last frame

    async def push(self, payload: bytes) -> dict[str, Any] | None:
        """Analyse one JPEG frame (a frame that arrives while one is analysed, or too soon, is skipped);
        returns the `frame` event's fields when a hint is due."""
        if payload[:3] != b"\xff\xd8\xff":
            raise InputError("A camera frame must be a JPEG image.")
        now = time.monotonic() - self._t0
        if self._busy or now - self._last_t < self.min_gap_s:
            return None
        self._last_t, self._busy = now, True
        try:
            fb = await asyncio.get_running_loop().run_in_executor(shared_background("vision"), self._push, payload, now)
        finally:
            self._busy = False
        if fb is None or not fb.analysed or self.analyzer.frames_analysed % HINT_EVERY != 1:
            return None
        return {"face_count": fb.face_count, "eye_contact": fb.eye_contact, "hint": hint(fb)}

    def calibrate(self, action: str) -> Any:
        """The eye-contact calibration: `start` it, or `end` it (the baseline; `InputError` when no face
        was seen). Blocking."""
        with self._lock:
            if action == "start":
                return self.analyzer.start_calibration()
            return self.analyzer.end_calibration()

    def end_calibration(self, measured: bool) -> tuple[str, str]:
        """End the calibration step: (state, what the page says). `measured` False: the candidate skipped it.
        Blocking."""
        if not measured:
            return "skipped", "Skipped: eye contact will be reported as uncalibrated."
        try:
            self.calibrate("end")
        except GreenroomError as exc:
            return "failed", exc.message
        return "calibrated", "Calibrated: eye contact is measured from how you look at the camera."

    def _push(self, payload: bytes, t: float) -> Any:
        with self._lock:
            return self.analyzer.push_frame(payload, t)

    def end_turn(self) -> dict[str, Any] | None:
        """The turn's figures (summary + its timeline slice), or None when nothing was analysed. Blocking."""
        with self._lock:
            try:
                summary = self.analyzer.end_turn()
            except GreenroomError:
                return None
            timeline = self.analyzer.timeline().model_dump(mode="json")
        if summary is None:
            return None
        figures: dict[str, Any] = summary.model_dump(mode="json")
        figures["timeline"] = slice_timeline(timeline, summary.start_s, summary.end_s)
        return figures

    def close(self) -> None:
        with self._lock:
            self.analyzer.close()


def hint(fb: Any) -> str | None:
    if fb.face_count == 0:
        return "No face in view: centre yourself in the camera."
    if fb.face_count > 1:
        return "More than one face in view."
    if fb.too_dark:
        return "The picture is dark: add some light in front of you."
    if fb.eye_contact is False:
        return "Look at the camera now and then."
    return None


def slice_timeline(tl: dict[str, Any], start: float, end: float) -> dict[str, Any]:
    keep = [i for i, t in enumerate(tl.get("t", [])) if start - 1e-6 <= t <= end]
    return {k: ([v[i] for i in keep] if isinstance(v, list) else v) for k, v in tl.items()}
