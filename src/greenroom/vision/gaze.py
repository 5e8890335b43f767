"""Eye contact relative to the person's own baseline: combined gaze angles, the baseline, per-frame states.

Gaze is the head pose plus the eye's rotation in the head. The eye's rotation comes from the iris position
inside the eye, normalised by the eye corners (horizontal) and by the eye width below the corner line
(vertical), through a simple eyeball model: the iris centre moves `r sin(theta)` for a rotation `theta`,
with an eyeball radius `r` of about 12 mm and half an eye opening (corner to corner) of about 15 mm, so
`theta = asin(1.25 * gaze_h)`; vertically `gaze_v` is in eye widths (30 mm), so `theta = asin(2.5 * gaze_v)`.

A camera below or above the eyes, or a laptop camera above the screen the candidate reads from, shifts
these angles for everybody; so eye contact is judged *relative to a baseline*:

- `calibration`: the median gaze over a few seconds of "look at the camera" in the room;
- `clip_mode`: for a recorded file, the robust mode (densest point) of the gaze angles over the clip, on
  the reasoning that a candidate answering to a camera looks at it more than at any other one place;
- `uncalibrated`: no baseline (calibration skipped, or too few frames): the absolute bounds of
  `records.looks_at_camera`, which assume a camera level with the eyes.

The baseline is clamped to where a camera can plausibly sit relative to the eyes (`MAX_BASELINE_*`): a
webcam or phone is centred horizontally on the screen but may be well below or above the eyes. A clip of
someone who looks away the whole time therefore still reads as looking away.

Per frame the state is `contact`, `away`, `down` (eyes and/or head lowered, as when reading notes) or
`blink`. Blinks are short lid closures (eye aspect ratio below 65% of the person's own, for at most 0.5 s);
longer closures with the head lowered are `down`, otherwise `away`. Blinks are left out of the eye-contact
share; `down` and `away` are counted apart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from greenroom.config import Settings
from greenroom.vision.geometry import FaceFeatures
from greenroom.vision.records import looks_at_camera

Method = Literal["calibration", "clip_mode", "uncalibrated"]
State = Literal["contact", "away", "down", "blink"]

#: Half the eye opening (corner to corner, about 30 mm) over the eyeball radius (about 12 mm).
EYE_H_GAIN = 1.25
#: One eye width (about 30 mm) over the eyeball radius (about 12 mm).
EYE_V_GAIN = 2.5
#: Where a camera can sit relative to the eyes: centred horizontally on the screen (+-15 degrees covers
#: a webcam on a second monitor's edge), but up to 30 degrees below (phone on the desk) or above.
MAX_BASELINE_YAW = 15.0
MAX_BASELINE_PITCH = 30.0
#: Kernel width (degrees) for the robust mode: about the spread of the gaze estimate on a still face.
MODE_BANDWIDTH_DEG = 4.0
#: A clip-mode baseline needs at least this many open-eye face frames spanning this many seconds.
MIN_BASELINE_FRAMES = 15
MIN_BASELINE_SPAN_S = 1.5
#: Blinks: eye aspect ratio below this share of the person's own, for at most BLINK_MAX_S.
CLOSED_EAR = 0.65
BLINK_MAX_S = 0.5
#: A long lid closure counts as looking down when the head is this many degrees below its baseline.
DOWN_HEAD_DEG = 5.0


@dataclass(frozen=True, slots=True)
class GazeBaseline:
    """The person's gaze when looking at the camera (combined head + eye angles, degrees)."""

    method: Method
    yaw: float = 0.0
    pitch: float = 0.0
    head_pitch: float = 0.0
    ear: float | None = None  # eye aspect ratio with open eyes; None: taken from the frames being judged
    frames: int = 0
    clamped: bool = False

    @property
    def calibrated(self) -> bool:
        return self.method == "calibration"


UNCALIBRATED = GazeBaseline(method="uncalibrated")


def eye_angles(face: FaceFeatures) -> tuple[float, float]:
    """The eye's rotation in the head (yaw + towards the image's right, pitch + up), degrees."""
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, EYE_H_GAIN * face.gaze_h))))
    pitch = -math.degrees(math.asin(max(-1.0, min(1.0, EYE_V_GAIN * face.gaze_v))))
    return yaw, pitch


def gaze_angles(face: FaceFeatures) -> tuple[float, float]:
    """Where the eyes point: head pose plus eye-in-head rotation (yaw, pitch), degrees."""
    ey, ep = eye_angles(face)
    return face.yaw + ey, face.pitch + ep


def robust_mode(points: np.ndarray, bandwidth: float = MODE_BANDWIDTH_DEG, max_points: int = 600) -> np.ndarray:
    """The densest point of a (N, D) cloud: a Gaussian kernel density's highest sample, refined by mean shift.

    Unlike the mean or the median, the mode stays on the main cluster when a third of the points (or more,
    spread out) are elsewhere.
    """
    pts = np.asarray(points, dtype=float)
    if len(pts) == 0:
        raise ValueError("no points")
    seeds = pts if len(pts) <= max_points else pts[np.linspace(0, len(pts) - 1, max_points).astype(int)]
    inv = 1.0 / (2.0 * bandwidth * bandwidth)
    d2 = ((seeds[:, None, :] - pts[None, :, :]) ** 2).sum(axis=2)
    density = np.exp(-d2 * inv).sum(axis=1)
    m = seeds[int(np.argmax(density))].copy()
    for _ in range(30):
        w = np.exp(-((pts - m) ** 2).sum(axis=1) * inv)
        nxt = (w[:, None] * pts).sum(axis=0) / w.sum()
        if float(np.abs(nxt - m).max()) < 1e-3:
            return nxt
        m = nxt
    return m


def _open_eyes(faces: Sequence[FaceFeatures]) -> list[FaceFeatures]:
    ears = np.array([f.ear for f in faces])
    if len(ears) == 0:
        return []
    med = float(np.median(ears))
    return [f for f in faces if f.ear >= CLOSED_EAR * med]


def _clamp(method: Method, yaw: float, pitch: float, head_pitch: float, ear: float, n: int) -> GazeBaseline:
    cy = max(-MAX_BASELINE_YAW, min(MAX_BASELINE_YAW, yaw))
    cp = max(-MAX_BASELINE_PITCH, min(MAX_BASELINE_PITCH, pitch))
    return GazeBaseline(
        method=method,
        yaw=cy,
        pitch=cp,
        head_pitch=head_pitch,
        ear=ear,
        frames=n,
        clamped=(cy, cp) != (yaw, pitch),
    )


def calibration_baseline(faces: Sequence[FaceFeatures]) -> GazeBaseline | None:
    """The baseline from frames where the person was asked to look at the camera (median of open-eye frames)."""
    open_ = _open_eyes(faces)
    if len(open_) < 3:
        return None
    g = np.array([gaze_angles(f) for f in open_])
    return _clamp(
        "calibration",
        float(np.median(g[:, 0])),
        float(np.median(g[:, 1])),
        float(np.median([f.pitch for f in open_])),
        float(np.median([f.ear for f in open_])),
        len(open_),
    )


def clip_mode_baseline(times: Sequence[float], faces: Sequence[FaceFeatures]) -> GazeBaseline | None:
    """The baseline from a recording itself: the robust mode of its gaze angles (None when too short)."""
    pairs = [(t, f) for t, f in zip(times, faces, strict=True)]
    open_ = _open_eyes([f for _, f in pairs])
    keep = set(map(id, open_))
    ts = [t for t, f in pairs if id(f) in keep]
    if len(open_) < MIN_BASELINE_FRAMES or (max(ts) - min(ts)) < MIN_BASELINE_SPAN_S:
        return None
    g = np.array([gaze_angles(f) for f in open_])
    m = robust_mode(g)
    near = [f for f, p in zip(open_, g, strict=True) if float(np.hypot(*(p - m))) <= 2 * MODE_BANDWIDTH_DEG]
    near = near or open_
    return _clamp(
        "clip_mode",
        float(m[0]),
        float(m[1]),
        float(np.median([f.pitch for f in near])),
        float(np.median([f.ear for f in near])),
        len(open_),
    )


def frame_state(face: FaceFeatures, baseline: GazeBaseline, settings: Settings) -> State:
    """One open-eyed frame's state (lid closures are handled by `gaze_states`)."""
    if baseline.method == "uncalibrated":
        if looks_at_camera(face, settings):
            return "contact"
        return "down" if face.pitch < -settings.vision_eye_contact_max_pitch_deg and abs(face.yaw) < 30 else "away"
    gy, gp = gaze_angles(face)
    dy, dp = gy - baseline.yaw, gp - baseline.pitch
    if dp < -settings.vision_gaze_down_deg and abs(dy) <= 2 * settings.vision_gaze_max_offset_deg:
        return "down"
    if abs(dy) <= settings.vision_gaze_max_offset_deg and abs(dp) <= settings.vision_gaze_max_offset_deg:
        return "contact"
    return "away"


def gaze_states(
    times: Sequence[float], faces: Sequence[FaceFeatures], baseline: GazeBaseline, settings: Settings
) -> list[State]:
    """Each face frame's state, in time order: contact, away, down or blink."""
    n = len(faces)
    if n == 0:
        return []
    ear_ref = baseline.ear if baseline.ear else float(np.median([f.ear for f in faces]))
    closed = [f.ear < CLOSED_EAR * ear_ref for f in faces]
    states: list[State] = [
        frame_state(f, baseline, settings) if not c else "blink" for f, c in zip(faces, closed, strict=True)
    ]
    i = 0
    while i < n:
        if not closed[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and closed[j + 1]:
            j += 1
        t0 = times[i - 1] if i > 0 else times[i]
        t1 = times[j + 1] if j + 1 < n else times[j]
        if t1 - t0 > BLINK_MAX_S + 0.25:  # a long closure: lids lowered to read, or eyes shut
            lowered = any(faces[k].pitch < baseline.head_pitch - DOWN_HEAD_DEG for k in range(i, j + 1))
            down_near = (i > 0 and states[i - 1] == "down") or (j + 1 < n and states[j + 1] == "down")
            for k in range(i, j + 1):
                states[k] = "down" if lowered or down_near else "away"
        i = j + 1
    return states


def contact_share(states: Sequence[State]) -> float | None:
    """Eye contact as a share of the frames that are not blinks (None when there are none)."""
    judged = [s for s in states if s != "blink"]
    return round(sum(s == "contact" for s in judged) / len(judged), 4) if judged else None
