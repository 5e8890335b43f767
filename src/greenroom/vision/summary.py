"""Reduce `FrameRecord`s to summaries and timelines: presence, eye contact, blinks, framing, posture,
gestures, expression and (opt-in) emotion labels.

All thresholds are documented in docs/vision.md. Whatever cannot be measured is None with a note.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from greenroom.config import Settings
from greenroom.vision.gaze import UNCALIBRATED, GazeBaseline, contact_share, gaze_states
from greenroom.vision.records import FrameRecord
from greenroom.vision.results import (
    NO_FACE_MESSAGE,
    EmotionSummary,
    ExpressionSummary,
    FaceSummary,
    FramingSummary,
    GestureSummary,
    PostureSummary,
    Timeline,
    VisionSummary,
)

#: Blinks are only counted when face frames arrive at least this often (a blink lasts 100-400 ms).
MIN_BLINK_FPS = 8.0
BLINK_EAR_DROP = 0.65  # a blink: eye aspect ratio below 65% of the person's median
BLINK_MAX_S = 0.5  # longer closures are not blinks
TILT_DEG = 7.0
SLOUCH_NECK = 0.85
LEAN_IN_WIDTH = 1.15
GESTURE_SPEED = 1.0  # shoulder widths per second
GESTURE_GAP_S = 0.3
FIDGET_WINDOW_S = 1.0


def _ratio(num: int, den: int) -> float:
    return round(num / den, 4) if den else 0.0


def _r(x: float | None, nd: int = 3) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), nd)


def frame_rate(times: Sequence[float]) -> float:
    """Frames per second from the median interval between consecutive frames (0 for fewer than 2)."""
    if len(times) < 2:
        return 0.0
    dt = float(np.median(np.diff(np.asarray(times, dtype=float))))
    return 1.0 / dt if dt > 0 else 0.0


def count_blinks(times: Sequence[float], ears: Sequence[float]) -> int:
    """Blinks in an eye-aspect-ratio series: short runs below 65% of the median, with open eyes around them."""
    if len(ears) < 3:
        return 0
    base = float(np.median(ears))
    if base <= 0:
        return 0
    closed = [e < BLINK_EAR_DROP * base for e in ears]
    blinks, i, n = 0, 0, len(ears)
    while i < n:
        if closed[i]:
            j = i
            while j + 1 < n and closed[j + 1]:
                j += 1
            bounded = i > 0 and j < n - 1
            if bounded and times[j + 1] - times[i - 1] <= BLINK_MAX_S + 0.25:
                blinks += 1
            i = j + 1
        else:
            i += 1
    return blinks


def face_states(recs: Sequence[FrameRecord], settings: Settings, baseline: GazeBaseline) -> list[str]:
    """The gaze state (contact, away, down, blink) of each record that has a face, in order."""
    faces = [r for r in recs if r.face is not None]
    return list(gaze_states([r.t for r in faces], [r.face for r in faces if r.face is not None], baseline, settings))


def _face_summary(
    recs: Sequence[FrameRecord], settings: Settings, notes: list[str], baseline: GazeBaseline
) -> FaceSummary:
    n = len(recs)
    present = [r for r in recs if r.face_present]
    faces = [r for r in recs if r.face is not None]
    counted = [r for r in recs if r.counted]
    multi = sum(1 for r in counted if r.face_count > 1)
    summary = FaceSummary(
        presence_ratio=_ratio(len(present), n),
        multi_face_ratio=_ratio(multi, len(counted)),
        max_faces=max((r.face_count for r in recs), default=0),
        eye_contact_ratio=None,
        yaw_deg=None,
        pitch_deg=None,
        roll_deg=None,
        head_movement_deg=None,
        gaze_h=None,
        blinks=None,
        blink_rate_per_min=None,
    )
    if not faces:
        return summary
    f = [r.face for r in faces if r.face is not None]
    yaw = np.array([x.yaw for x in f])
    pitch = np.array([x.pitch for x in f])
    states = face_states(recs, settings, baseline)
    judged = [x for x in states if x != "blink"]
    summary.eye_contact_ratio = contact_share(states)  # type: ignore[arg-type]
    summary.eye_contact_method = baseline.method
    summary.eye_contact_calibrated = baseline.calibrated
    summary.looking_away_ratio = _ratio(judged.count("away"), len(judged)) if judged else None
    summary.looking_down_ratio = _ratio(judged.count("down"), len(judged)) if judged else None
    if baseline.method != "uncalibrated":
        summary.gaze_baseline_deg = (round(baseline.yaw, 1), round(baseline.pitch, 1))
    summary.yaw_deg = _r(float(np.median(yaw)), 1)
    summary.pitch_deg = _r(float(np.median(pitch)), 1)
    summary.roll_deg = _r(float(np.median([x.roll for x in f])), 1)
    summary.head_movement_deg = _r((float(yaw.std()) + float(pitch.std())) / 2, 1)
    summary.gaze_h = _r(float(np.median([x.gaze_h for x in f])), 3)
    face_fps = frame_rate([r.t for r in faces])
    if face_fps >= MIN_BLINK_FPS and len(faces) >= 3:
        blinks = count_blinks([r.t for r in faces], [x.ear for x in f])
        summary.blinks = blinks
        face_time = len(faces) / face_fps
        summary.blink_rate_per_min = _r(blinks / face_time * 60.0, 1)
    else:
        notes.append(
            f"Blinks not counted: face frames at {face_fps:.1f} fps, below the {MIN_BLINK_FPS:.0f} fps needed."
        )
    return summary


def _framing(recs: Sequence[FrameRecord], settings: Settings) -> FramingSummary:
    faces = [r.face for r in recs if r.face is not None]
    nf = len(faces)
    close = sum(1 for x in faces if x.width > settings.vision_face_max_width)
    far = sum(1 for x in faces if x.width < settings.vision_face_min_width)
    off = sum(1 for x in faces if max(abs(x.cx - 0.5), abs(x.cy - 0.5)) > settings.vision_off_centre)
    dark = sum(1 for r in recs if r.brightness < settings.vision_dark_luma)
    s = FramingSummary(
        too_close_ratio=_ratio(close, nf),
        too_far_ratio=_ratio(far, nf),
        off_centre_ratio=_ratio(off, nf),
        too_dark_ratio=_ratio(dark, len(recs)),
        mean_brightness=round(float(np.mean([r.brightness for r in recs])), 1) if recs else 0.0,
    )
    if s.too_dark_ratio > 0.3:
        s.hints.append("The picture is too dark: add light in front of you.")
    if s.too_close_ratio > 0.3:
        s.hints.append("You are too close to the camera: sit back a little.")
    if s.too_far_ratio > 0.3:
        s.hints.append("You are far from the camera: move closer so your face is clearly visible.")
    if s.off_centre_ratio > 0.3:
        s.hints.append("You are off-centre: move so your face is in the middle of the frame.")
    return s


def _posture(recs: Sequence[FrameRecord], reference: Sequence[FrameRecord]) -> PostureSummary | None:
    ran = [r for r in recs if r.pose_ran]
    if not ran:
        return None
    bodies = [r.body for r in ran if r.body is not None]
    s = PostureSummary(
        body_ratio=_ratio(len(bodies), len(ran)),
        shoulder_tilt_deg=None,
        tilted_ratio=None,
        slouch_ratio=None,
        lateral_lean_deg=None,
        leaning_in_ratio=None,
        torso_sway=None,
        torso_steadiness=None,
    )
    if not bodies:
        return s
    ref = [r.body for r in reference if r.body is not None] or bodies
    neck_up = float(np.percentile([b.neck for b in ref], 75))
    sw_ref = float(np.median([b.shoulder_width for b in ref]))
    tilt = np.array([b.shoulder_tilt for b in bodies])
    s.shoulder_tilt_deg = _r(float(np.median(tilt)), 1)
    s.tilted_ratio = _ratio(int((np.abs(tilt) > TILT_DEG).sum()), len(bodies))
    s.slouch_ratio = _ratio(sum(1 for b in bodies if neck_up > 0 and b.neck < SLOUCH_NECK * neck_up), len(bodies))
    s.lateral_lean_deg = _r(float(np.median([b.lateral_lean for b in bodies])), 1)
    s.leaning_in_ratio = _ratio(sum(1 for b in bodies if b.shoulder_width > LEAN_IN_WIDTH * sw_ref), len(bodies))
    sw = float(np.median([b.shoulder_width for b in bodies]))
    sway = math.sqrt(float(np.var([b.mid_x for b in bodies]) + np.var([b.mid_y for b in bodies]))) / sw
    s.torso_sway = _r(sway, 3)
    s.torso_steadiness = "steady" if sway < 0.05 else "some movement" if sway < 0.15 else "restless"
    return s


def wrist_speeds(recs: Sequence[FrameRecord]) -> list[tuple[float, float]]:
    """(time, fastest wrist speed in shoulder widths per second) between consecutive pose frames."""
    out: list[tuple[float, float]] = []
    prev: FrameRecord | None = None
    for r in recs:
        if r.body is None:
            continue
        if prev is not None and prev.body is not None and 0 < r.t - prev.t <= 1.0:
            dt = r.t - prev.t
            best = None
            for a, b in zip(prev.body.wrists, r.body.wrists, strict=True):
                if a is not None and b is not None:
                    v = math.hypot(b[0] - a[0], b[1] - a[1]) / r.body.shoulder_width / dt
                    best = v if best is None else max(best, v)
            if best is not None:
                out.append((r.t, best))
        prev = r
    return out


def count_bursts(speeds: Sequence[tuple[float, float]], threshold: float, gap_s: float) -> int:
    """Runs of speed above `threshold`, merging runs less than `gap_s` apart."""
    bursts, last_fast = 0, -math.inf
    for t, v in speeds:
        if v > threshold:
            if t - last_fast > gap_s:
                bursts += 1
            last_fast = t
    return bursts


def _buckets(recs: Sequence[FrameRecord], start: float, end: float, step: float) -> list[list[FrameRecord]]:
    """Records grouped into consecutive [start + i*step, start + (i+1)*step) bins, in one pass."""
    n = max(1, int(math.floor((end - start) / step)) + 1)
    bins: list[list[FrameRecord]] = [[] for _ in range(n)]
    for r in recs:
        i = int(math.floor((r.t - start) / step))
        if 0 <= i < n:
            bins[i].append(r)
    return bins


def _fidget_ratio(recs: Sequence[FrameRecord], span_start: float, span_end: float) -> float | None:
    """Share of 1-s windows with hands visible where hands move a little but go nowhere (restless, not gesturing)."""
    windows, fidgety = 0, 0
    for w in _buckets([r for r in recs if r.body is not None], span_start, span_end, FIDGET_WINDOW_S):
        paths: list[float] = []
        nets: list[float] = []
        fingers: list[float] = []
        for k in (0, 1):
            pts = [(r.body.wrists[k], r.body.shoulder_width) for r in w if r.body and r.body.wrists[k] is not None]
            if len(pts) >= 3:
                xy = np.array([p for p, _ in pts], dtype=float)
                sw = float(np.median([s for _, s in pts]))
                paths.append(float(np.linalg.norm(np.diff(xy, axis=0), axis=1).sum()) / sw)
                nets.append(float(np.linalg.norm(xy[-1] - xy[0])) / sw)
        spreads = [r.body.finger_spread for r in w if r.body and r.body.finger_spread is not None]
        if len(spreads) >= 3:
            fingers.append(float(np.abs(np.diff(spreads)).sum()))
        if not paths and not fingers:
            continue
        windows += 1
        restless_wrist = any(0.15 <= p <= 1.0 and n < 0.4 * p for p, n in zip(paths, nets, strict=True))
        restless_fingers = any(f >= 0.3 for f in fingers)
        fidgety += restless_wrist or restless_fingers
    return _ratio(fidgety, windows) if windows else None


def _gestures(recs: Sequence[FrameRecord], start: float, end: float) -> GestureSummary | None:
    ran = [r for r in recs if r.pose_ran]
    if not ran:
        return None
    hands_ran = any(r.hands_ran for r in ran)
    bodies = [r for r in ran if r.body is not None]
    visible = [r for r in bodies if r.body and any(w is not None for w in r.body.wrists)]
    s = GestureSummary(
        source="pose+hands" if hands_ran else "pose",
        hands_visible_ratio=_ratio(len(visible), len(ran)),
        hand_energy=None,
        gestures=None,
        gesture_rate_per_min=None,
        face_touches=None,
        face_touch_ratio=None,
        fidget_ratio=None,
    )
    if not bodies:
        return s
    touches = [bool(r.body and r.body.face_touch) for r in bodies]
    s.face_touch_ratio = _ratio(sum(touches), len(bodies))
    s.face_touches = sum(1 for i, v in enumerate(touches) if v and (i == 0 or not touches[i - 1]))
    speeds = wrist_speeds(bodies)
    minutes = (end - start) / 60.0
    if speeds:
        s.hand_energy = _r(float(np.mean([v for _, v in speeds])), 3)
        s.gestures = count_bursts(speeds, GESTURE_SPEED, GESTURE_GAP_S)
        s.gesture_rate_per_min = _r(s.gestures / minutes, 1) if minutes > 0 else None
    s.fidget_ratio = _fidget_ratio(bodies, start, end)
    return s


def _expression(recs: Sequence[FrameRecord], settings: Settings) -> ExpressionSummary | None:
    f = [r.face for r in recs if r.face is not None]
    if not f:
        return None
    smile = np.array([x.smile for x in f])
    brow = np.array([x.brow for x in f])
    mouth = np.array([x.mouth_open for x in f])
    expressive = float(np.clip(np.mean([smile.std() / 0.15, mouth.std() / 0.08, brow.std() / 0.02]), 0.0, 1.0))
    return ExpressionSummary(
        smile_intensity=_r(float(smile.mean()), 3),
        smiling_ratio=_ratio(int((smile >= settings.vision_smile_threshold).sum()), len(f)),
        brow_movement=_r(float(brow.std()) * 100.0, 2),
        expressiveness=_r(expressive, 3),
    )


def _emotion(recs: Sequence[FrameRecord]) -> EmotionSummary | None:
    from greenroom.vision.fer_emotion import EMOTION_CAVEAT

    probs = [r.emotion for r in recs if r.emotion]
    if not probs:
        return EmotionSummary(caveat=EMOTION_CAVEAT, frames=0, dominant=None, mean_probabilities={}, top_label_share={})
    labels = list(probs[0])
    mean = {k: round(float(np.mean([p.get(k, 0.0) for p in probs])), 3) for k in labels}
    tops = [max(p, key=lambda k: p[k]) for p in probs]
    share = {k: _ratio(tops.count(k), len(tops)) for k in labels if tops.count(k)}
    return EmotionSummary(
        caveat=EMOTION_CAVEAT,
        frames=len(probs),
        dominant=max(mean, key=lambda k: mean[k]),
        mean_probabilities=mean,
        top_label_share=share,
    )


def summarize(
    recs: Sequence[FrameRecord],
    settings: Settings,
    *,
    start: float | None = None,
    end: float | None = None,
    reference: Sequence[FrameRecord] | None = None,
    emotion_enabled: bool = False,
    baseline: GazeBaseline = UNCALIBRATED,
) -> VisionSummary:
    """Summarise frames in [start, end]. `reference` (the whole session) sets the posture baselines;
    `baseline` is the person's look at the camera (see `gaze`)."""
    recs = list(recs)
    t0 = start if start is not None else (recs[0].t if recs else 0.0)
    t1 = end if end is not None else (recs[-1].t if recs else t0)
    notes: list[str] = []
    face = _face_summary(recs, settings, notes, baseline)
    detected = any(r.face_present for r in recs)
    if not recs:
        message = f"{NO_FACE_MESSAGE} (no frames analysed)"
    elif not detected:
        message = NO_FACE_MESSAGE
    else:
        ec = face.eye_contact_ratio
        message = f"face in {face.presence_ratio:.0%} of frames" + (
            f", eye contact {ec:.0%} of that time ({face.eye_contact_method})"
            if ec is not None
            else ", landmarks not measurable"
        )
    if detected and face.eye_contact_ratio is None:
        notes.append("A face was detected but too small or unclear for head pose and gaze.")
    return VisionSummary(
        start_s=round(t0, 3),
        end_s=round(t1, 3),
        frames=len(recs),
        fps=round(frame_rate([r.t for r in recs]), 2),
        face_detected=detected,
        message=message,
        face=face,
        framing=_framing(recs, settings) if recs else None,
        posture=_posture(recs, reference or recs),
        gestures=_gestures(recs, t0, t1),
        expression=_expression(recs, settings),
        emotion=_emotion(recs) if emotion_enabled else None,
        notes=notes,
    )


def _mean(xs: list[float]) -> float | None:
    return round(float(np.mean(xs)), 3) if xs else None


def timeline(
    recs: Sequence[FrameRecord],
    settings: Settings,
    start: float = 0.0,
    end: float | None = None,
    baseline: GazeBaseline = UNCALIBRATED,
) -> Timeline:
    """Bin the frames into `vision_timeline_step_s` bins for plots."""
    step = settings.vision_timeline_step_s
    tl = Timeline(step_s=step)
    if not recs:
        return tl
    end = recs[-1].t if end is None else end
    speeds = wrist_speeds(recs)
    speed_bins: list[list[float]] = [[] for _ in range(max(1, int(math.floor((end - start) / step)) + 1))]
    for t, v in speeds:
        i = int(math.floor((t - start) / step))
        if 0 <= i < len(speed_bins):
            speed_bins[i].append(v)
    state_of = dict(
        zip([id(r) for r in recs if r.face is not None], face_states(recs, settings, baseline), strict=True)
    )
    for i, w in enumerate(_buckets(recs, start, end, step)):
        f = [r.face for r in w if r.face is not None]
        bodies = [r.body for r in w if r.body is not None]
        tl.t.append(round(start + i * step, 3))
        tl.face_present.append(_ratio(sum(r.face_present for r in w), len(w)))
        states = [state_of[id(r)] for r in w if r.face is not None]
        judged = [x for x in states if x != "blink"]
        tl.eye_contact.append(_ratio(judged.count("contact"), len(judged)) if judged else None)
        tl.looking_down.append(_ratio(judged.count("down"), len(judged)) if judged else None)
        tl.yaw_deg.append(_mean([x.yaw for x in f]))
        tl.pitch_deg.append(_mean([x.pitch for x in f]))
        tl.smile.append(_mean([x.smile for x in f]))
        tl.hand_energy.append(_mean(speed_bins[i]))
        tl.shoulder_tilt_deg.append(_mean([x.shoulder_tilt for x in bodies]))
    return tl
