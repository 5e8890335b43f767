"""`analyze_video_file`: decode a WebM/MP4 (any container FFmpeg reads) with PyAV, sample frames at
`vision_sample_fps`, and summarise them. Frames are converted, analysed and dropped one at a time.

Bad input gets one clear `InputError`: a missing, empty, corrupt or audio-only file, an unsupported codec,
or a video with no decodable frame. Huge frames are downscaled (by FFmpeg's scaler) to `vision_max_side`;
grey, 10/12/16-bit and other pixel formats are converted to 8-bit RGB by FFmpeg. Phone videos with a
display rotation are turned upright.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from greenroom.config import Settings
from greenroom.errors import InputError, NotFoundError
from greenroom.vision.backends import Analyzers, load_analyzers
from greenroom.vision.frames import fit_size
from greenroom.vision.gaze import (
    MIN_BASELINE_FRAMES,
    MIN_BASELINE_SPAN_S,
    UNCALIBRATED,
    GazeBaseline,
    clip_mode_baseline,
)
from greenroom.vision.pipeline import FramePipeline
from greenroom.vision.records import FrameRecord
from greenroom.vision.results import TurnSummary, VisionResult
from greenroom.vision.summary import summarize, timeline

log = logging.getLogger(__name__)


def analyze_video_file(
    path: str | Path,
    settings: Settings,
    *,
    turns: Sequence[tuple[str, float, float]] = (),
    analyzers: Analyzers | None = None,
) -> VisionResult:
    """Analyse a video file. `turns` is a list of (turn_id, start_s, end_s) for per-turn summaries.

    `analyzers` lets a caller reuse loaded models (they are reset first); by default they are loaded
    from `settings` and closed afterwards.
    """
    import av

    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"Video file not found: {path.name}.")
    if path.stat().st_size == 0:
        raise InputError(f"The video file {path.name} is empty.")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"Could not read {path.name}: not a video file, or corrupt ({_short(exc)}).") from None
    own = analyzers is None
    models = analyzers or load_analyzers(settings)
    try:
        with container:
            return _analyze_container(container, path.name, settings, models, turns)
    finally:
        if own:
            models.close()


def file_baseline(records: Sequence[FrameRecord]) -> GazeBaseline:
    """A recording's own gaze baseline (its robust mode), or `UNCALIBRATED` when it is too short for one."""
    faces = [r for r in records if r.face is not None]
    b = clip_mode_baseline([r.t for r in faces], [r.face for r in faces if r.face is not None])
    return b if b is not None else UNCALIBRATED


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__


def _declared_duration(container: object, stream: object) -> float | None:
    """The duration the file's headers declare, in seconds (None when unknown, as in many browser WebMs)."""
    st_dur, tb = getattr(stream, "duration", None), getattr(stream, "time_base", None)
    if st_dur and tb:
        return float(st_dur * tb)
    c_dur = getattr(container, "duration", None)
    return float(c_dur) / 1_000_000 if c_dur else None


def _analyze_container(
    container: object,
    name: str,
    settings: Settings,
    models: Analyzers,
    turns: Sequence[tuple[str, float, float]],
) -> VisionResult:
    import av
    import numpy as np

    c: av.container.InputContainer = container  # type: ignore[assignment]
    if not c.streams.video:
        raise InputError(f"{name} has no video stream.")
    stream = c.streams.video[0]
    codec = stream.codec_context
    if codec is None or not getattr(codec, "name", None) or codec.name == "none":
        raise InputError(f"{name}: unsupported video codec (FFmpeg has no decoder for it).")
    stream.thread_type = "AUTO"
    has_audio = bool(c.streams.audio)
    models.reset()
    pipeline = FramePipeline(settings, models)
    step = 1.0 / settings.vision_sample_fps
    records: list[FrameRecord] = []
    notes: list[str] = []
    decoded = 0
    t_first: float | None = None
    t_last = 0.0
    next_t = 0.0
    size = (0, 0)
    rotated = False
    rate = float(stream.average_rate) if stream.average_rate else 25.0
    try:
        for frame in c.decode(stream):
            t_abs = frame.time if frame.time is not None else decoded / rate
            decoded += 1
            if t_first is None:
                t_first = t_abs
            t = t_abs - t_first
            t_last = max(t_last, t)
            if t + 1e-6 < next_t:
                continue
            while next_t <= t + 1e-6:
                next_t += step
            w, h = fit_size(frame.width, frame.height, settings.vision_max_side)
            if (w, h) != (frame.width, frame.height) and not size[0]:
                notes.append(f"Frames downscaled from {frame.width}x{frame.height} to {w}x{h}.")
            rgb: np.ndarray = frame.to_ndarray(width=w, height=h, format="rgb24")
            rotation = int(round(getattr(frame, "rotation", 0) or 0)) % 360
            if rotation in (90, 180, 270):  # phone videos: turn the picture upright, as FFmpeg's players do
                # PyAV's `rotation` is the display matrix's angle, counter-clockwise: np.rot90's direction.
                rgb = np.ascontiguousarray(np.rot90(rgb, k=rotation // 90))
                if not rotated:
                    notes.append(f"Frames rotated by {rotation} degrees (display rotation in the file).")
                    rotated = True
            size = (rgb.shape[1], rgb.shape[0])
            records.append(pipeline.process(rgb, t))
            del rgb
    except av.error.FFmpegError as exc:
        if not records:
            raise InputError(f"Could not decode {name}: {_short(exc)}.") from None
        notes.append(f"Decoding stopped at {t_last:.1f} s (corrupt data: {_short(exc)}); the rest was not analysed.")
    if not records:
        raise InputError(f"{name} has no decodable video frames.")
    duration = t_last + 1.0 / rate
    declared = _declared_duration(c, stream)
    if declared is not None and duration < 0.9 * declared - 0.5 and not any("Decoding stopped" in n for n in notes):
        notes.append(
            f"Only {duration:.1f} s of the {declared:.1f} s the file declares could be decoded "
            "(truncated or corrupt); the rest was not analysed."
        )
    baseline = file_baseline(records)
    if baseline.method == "uncalibrated" and any(r.face is not None for r in records):
        notes.append(
            f"Eye contact uncalibrated: fewer than {MIN_BASELINE_FRAMES} open-eyed face frames over "
            f"{MIN_BASELINE_SPAN_S:g} s for a baseline, so absolute bounds (a camera level with the eyes) were used."
        )
    elif baseline.clamped:
        notes.append(
            "The clip's most common gaze is far from any plausible camera position: its baseline was limited "
            "to where a camera can sit, so much of the clip reads as looking away."
        )
    summary = summarize(
        records, settings, start=0.0, end=t_last, emotion_enabled=pipeline.emotion_enabled, baseline=baseline
    )
    turn_summaries = []
    for turn_id, a, b in turns:
        if b < a:
            raise InputError(f"Turn {turn_id!r} ends before it starts.")
        s = summarize(
            [r for r in records if a <= r.t <= b],
            settings,
            start=a,
            end=b,
            reference=records,
            emotion_enabled=pipeline.emotion_enabled,
            baseline=baseline,
        )
        turn_summaries.append(TurnSummary(turn_id=turn_id, **s.model_dump()))
    return VisionResult(
        source=name,
        duration_s=round(duration, 3),
        width=size[0],
        height=size[1],
        sampled_fps=round(min(settings.vision_sample_fps, rate), 2),
        frames_decoded=decoded,
        has_audio=has_audio,
        summary=summary,
        turns=turn_summaries,
        timeline=timeline(records, settings, 0.0, t_last, baseline),
        notes=notes,
    )
