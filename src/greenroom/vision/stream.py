"""`StreamingVisionAnalyzer`: live webcam frames in (JPEG/PNG bytes, raw RGB bytes or arrays, 5-15 fps),
per-turn summaries and timelines out. Frames are analysed and dropped at once; only numbers are kept.

Not thread-safe: feed one analyser from one task (wrap `push_frame` in `asyncio.to_thread` on a server).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from greenroom.config import Settings
from greenroom.errors import InputError
from greenroom.vision import frames as framing
from greenroom.vision.backends import Analyzers, load_analyzers
from greenroom.vision.gaze import CLOSED_EAR, UNCALIBRATED, GazeBaseline, calibration_baseline, frame_state
from greenroom.vision.pipeline import FramePipeline
from greenroom.vision.records import FrameRecord
from greenroom.vision.results import Timeline, TurnSummary, VisionResult, VisionSummary
from greenroom.vision.summary import summarize, timeline

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True, slots=True)
class FrameFeedback:
    """What one pushed frame showed, for live hints in the UI."""

    t: float
    analysed: bool  # False when the frame was skipped (arrived faster than vision_stream_max_fps)
    face_count: int = 0
    eye_contact: bool | None = None
    smile: float | None = None
    too_dark: bool = False


class StreamingVisionAnalyzer:
    """Feed frames with `push_frame`; mark turns with `start_turn`/`end_turn`; read `summary()`/`result()`."""

    def __init__(self, settings: Settings, analyzers: Analyzers | None = None) -> None:
        self.settings = settings
        self._own = analyzers is None
        self.analyzers = analyzers or load_analyzers(settings)
        self.analyzers.reset()
        self._pipeline = FramePipeline(settings, self.analyzers)
        self._records: list[FrameRecord] = []
        self._t0: float | None = None
        self._last_t: float | None = None
        self._turns: list[TurnSummary] = []
        self._turn: tuple[str, float] | None = None
        self._size = (0, 0)
        self._pushed = 0
        self._baseline: GazeBaseline = UNCALIBRATED
        self._calibrating_from: float | None = None

    # -- input ---------------------------------------------------------------------------------------
    def _to_rgb(self, frame: np.ndarray | bytes, width: int | None, height: int | None, channels: int) -> np.ndarray:
        if isinstance(frame, bytes | bytearray | memoryview):
            data = bytes(frame)
            if width is not None and height is not None:
                rgb = framing.raw_rgb_to_array(data, width, height, channels)
            else:
                rgb = framing.decode_image_bytes(data)
        else:
            rgb = framing.to_rgb(frame)
        return framing.downscale(rgb, self.settings.vision_max_side)

    def push_frame(
        self,
        frame: np.ndarray | bytes,
        timestamp_s: float | None = None,
        *,
        width: int | None = None,
        height: int | None = None,
        channels: int = 3,
    ) -> FrameFeedback:
        """Analyse one frame: encoded image bytes, raw bytes (give `width`/`height`), or an array.

        `timestamp_s` is the capture time in seconds (any origin); without it the arrival time is used.
        Timestamps must not go backwards. Frames closer together than 1/`vision_stream_max_fps` are skipped.
        """
        now = time.monotonic() if timestamp_s is None else float(timestamp_s)
        if self._t0 is None:
            self._t0 = now
        t = now - self._t0
        if self._last_t is not None:
            if t < self._last_t - 1e-6:
                raise InputError(f"Frame timestamp went backwards ({t:.3f} s after {self._last_t:.3f} s).")
            if t - self._last_t < 1.0 / self.settings.vision_stream_max_fps - 1e-6:
                return FrameFeedback(t=t, analysed=False)
        rgb = self._to_rgb(frame, width, height, channels)
        rec = self._pipeline.process(rgb, t)
        self._size = (rgb.shape[1], rgb.shape[0])
        del rgb  # never kept
        self._records.append(rec)
        self._last_t = t
        self._pushed += 1
        return FrameFeedback(
            t=t,
            analysed=True,
            face_count=rec.face_count,
            eye_contact=self._contact(rec),
            smile=rec.face.smile if rec.face is not None else None,
            too_dark=rec.brightness < self.settings.vision_dark_luma,
        )

    def _contact(self, rec: FrameRecord) -> bool | None:
        if rec.face is None:
            return None
        if self._baseline.ear and rec.face.ear < CLOSED_EAR * self._baseline.ear:
            return None  # a blink (or lowered lids): not judged
        return frame_state(rec.face, self._baseline, self.settings) == "contact"

    # -- calibration ---------------------------------------------------------------------------------
    @property
    def baseline(self) -> GazeBaseline:
        """The gaze baseline: from `end_calibration`, else `UNCALIBRATED` (absolute bounds)."""
        return self._baseline

    def start_calibration(self) -> None:
        """Start the look-at-the-camera step: frames from now on set the person's gaze baseline."""
        self._calibrating_from = self.elapsed_s + 1e-6 if self._records else 0.0

    def end_calibration(self) -> GazeBaseline:
        """Finish calibrating; raises `InputError` when too few face frames were seen (stays uncalibrated)."""
        if self._calibrating_from is None:
            raise InputError("Calibration was not started: call start_calibration first.")
        start, self._calibrating_from = self._calibrating_from, None
        faces = [r.face for r in self._records if r.t >= start and r.face is not None]
        b = calibration_baseline(faces)
        if b is None:
            raise InputError("Calibration failed: no face with open eyes was seen. Eye contact stays uncalibrated.")
        self._baseline = b
        return b

    # -- turns ---------------------------------------------------------------------------------------
    @property
    def elapsed_s(self) -> float:
        return self._last_t or 0.0

    def start_turn(self, turn_id: str, at_s: float | None = None) -> None:
        """Open a turn at `at_s` (seconds on the stream's clock; default: just after the last frame)."""
        if self._turn is not None:
            self.end_turn()
        if at_s is None:
            at_s = self.elapsed_s + 1e-6 if self._records else 0.0
        self._turn = (turn_id, at_s)

    def end_turn(self, at_s: float | None = None) -> TurnSummary:
        """Close the open turn and return its summary."""
        if self._turn is None:
            raise InputError("No turn is open: call start_turn first.")
        turn_id, start = self._turn
        end = self.elapsed_s if at_s is None else at_s
        self._turn = None
        ts = self.turn_summary(turn_id, start, end)
        self._turns.append(ts)
        return ts

    def turn_summary(self, turn_id: str, start: float, end: float) -> TurnSummary:
        recs = [r for r in self._records if start <= r.t <= end]
        s = summarize(
            recs,
            self.settings,
            start=start,
            end=end,
            reference=self._records,
            emotion_enabled=self._pipeline.emotion_enabled,
            baseline=self._baseline,
        )
        return TurnSummary(turn_id=turn_id, **s.model_dump())

    @property
    def turns(self) -> list[TurnSummary]:
        return list(self._turns)

    # -- output --------------------------------------------------------------------------------------
    @property
    def frames_analysed(self) -> int:
        return len(self._records)

    def summary(self) -> VisionSummary:
        """The whole stream so far."""
        return summarize(
            self._records,
            self.settings,
            start=0.0 if self._records else None,
            end=self.elapsed_s if self._records else None,
            emotion_enabled=self._pipeline.emotion_enabled,
            baseline=self._baseline,
        )

    def timeline(self) -> Timeline:
        return timeline(self._records, self.settings, 0.0, self.elapsed_s, self._baseline)

    def result(self) -> VisionResult:
        """Summary, closed turns and timeline of the stream so far."""
        s = self.summary()
        return VisionResult(
            source="stream",
            duration_s=round(self.elapsed_s, 3),
            width=self._size[0],
            height=self._size[1],
            sampled_fps=s.fps,
            frames_decoded=self._pushed,
            summary=s,
            turns=self.turns,
            timeline=self.timeline(),
        )

    def close(self) -> None:
        """Release the models if this analyser loaded them."""
        if self._own:
            self.analyzers.close()
