"""Per-frame measurements from landmarks: head pose, gaze, eye openness, smile, brows, posture, hands.

Pure numpy, no model: everything here is computed from the landmark arrays in `base.FaceObservation`
and `base.BodyObservation`, so it is unit-testable and the frames themselves are never needed.

Head pose uses the face mesh's own 3D landmarks, not solvePnP with a generic head model (which gave a
+32 degree pitch bias here). The face frame is built from two axes of the mesh:

- x: from the right eye's outer corner (landmark 33) to the left eye's outer corner (263);
- y: from the forehead (10) to the chin (152), made orthogonal to x;
- z = x cross y points into the screen (away from the camera); the face looks along -z.

In MediaPipe's canonical face model the forehead-chin axis is 0.7 degrees off vertical and the eye
corners are level, so a face looking straight at the camera reads yaw = pitch = roll = 0 without a fudge.

Sign conventions (as seen in the image, not mirrored): yaw > 0 when the face turns towards the image's
right; pitch > 0 when the face tilts up; roll > 0 when the eye line turns counter-clockwise on screen.
The angles decompose the rotation as yaw, then pitch, then roll about the face's own axis.
Mirroring the image flips the signs of yaw and roll.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Face-mesh landmark indices (MediaPipe FaceMesh, 468 points + 10 iris points with refine_landmarks).
R_EYE_OUTER, R_EYE_INNER, R_EYE_TOP, R_EYE_BOTTOM = 33, 133, 159, 145
L_EYE_INNER, L_EYE_OUTER, L_EYE_TOP, L_EYE_BOTTOM = 362, 263, 386, 374
R_IRIS, L_IRIS = 468, 473
FOREHEAD, CHIN = 10, 152
MOUTH_LEFT, MOUTH_RIGHT, LIP_TOP, LIP_BOTTOM = 61, 291, 13, 14
R_BROW, L_BROW = 105, 334

# BlazePose landmark indices.
P_NOSE = 0
P_L_SHOULDER, P_R_SHOULDER = 11, 12
P_L_WRIST, P_R_WRIST = 15, 16
P_L_INDEX, P_R_INDEX = 19, 20
P_FACE = tuple(range(0, 11))

#: Smile-intensity scale, fitted on scikit-image's LFW subset (neutral median), Grace Hopper's portrait
#: (neutral) and the astronaut (broad smile): mouth width / eye-corner distance, and corner lift.
SMILE_WIDTH_NEUTRAL, SMILE_WIDTH_FULL = 0.55, 0.75
SMILE_LIFT_NEUTRAL, SMILE_LIFT_FULL = -0.01, 0.07


@dataclass(frozen=True, slots=True)
class FaceFeatures:
    """What one frame's face mesh says. Angles in degrees; gaze and ratios are unitless."""

    yaw: float
    pitch: float
    roll: float
    gaze_h: float  # iris offset between the eye corners: -1 image-left corner, 0 centred, +1 image-right
    gaze_v: float  # iris offset from the eye-corner line, in eye widths (+ is down)
    ear: float  # eye aspect ratio (lid gap / eye width), mean of both eyes
    smile: float  # 0 (neutral mouth) .. 1 (broad smile)
    mouth_open: float  # lip gap / eye-corner distance
    brow: float  # brow height above the eyes / eye-corner distance
    cx: float  # face centre, normalised
    cy: float
    width: float  # face width / frame width


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 1e-9 else v


def face_frame(p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The face's x, y, z unit axes (image coordinates: x right, y down, z into the screen)."""
    x = _unit(p[L_EYE_OUTER] - p[R_EYE_OUTER])
    y = p[CHIN] - p[FOREHEAD]
    y = _unit(y - float(y @ x) * x)
    z = np.cross(x, y)
    return x, y, z


def _ry(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0.0, -s], [0.0, 1.0, 0.0], [s, 0.0, c]])


def _rx(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, s], [0.0, -s, c]])


def head_pose(p: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees from a (N, 3) mesh in pixel units.

    The face's rotation is decomposed as R = Ry(yaw) . Rx(pitch) . Rz(roll): turn, then nod, then tilt
    about the face's own forward axis, so each angle means what it says even when combined.
    """
    x, _y, z = face_frame(p)
    f = -z  # the direction the face looks
    yaw = math.atan2(float(f[0]), float(-f[2]))
    pitch = math.atan2(float(-f[1]), math.hypot(float(f[0]), float(f[2])))
    xl = (_ry(yaw) @ _rx(pitch)).T @ x  # the eye axis with yaw and pitch undone
    roll = math.atan2(float(-xl[1]), float(xl[0]))
    return math.degrees(yaw), math.degrees(pitch), math.degrees(roll)


def _iris_ratio(p: np.ndarray, a: int, b: int, iris: int) -> float:
    v = p[b, :2] - p[a, :2]
    d = float(v @ v)
    return float((p[iris, :2] - p[a, :2]) @ v / d) if d > 1e-9 else 0.5


def face_features(p: np.ndarray, frame_w: int, frame_h: int) -> FaceFeatures:
    """All per-frame face measurements from a mesh with iris points (478 landmarks)."""
    yaw, pitch, roll = head_pose(p)
    x, y, _z = face_frame(p)
    iod = float(np.linalg.norm(p[L_EYE_OUTER] - p[R_EYE_OUTER])) or 1.0

    def fy(i: int) -> float:
        return float((p[i] - p[R_EYE_OUTER]) @ y) / iod

    # Gaze: iris position between the corners, both eyes measured image-left to image-right.
    if p.shape[0] > L_IRIS:
        ratio = (
            _iris_ratio(p, R_EYE_OUTER, R_EYE_INNER, R_IRIS) + _iris_ratio(p, L_EYE_INNER, L_EYE_OUTER, L_IRIS)
        ) / 2
        gaze_h = (ratio - 0.5) * 2.0
        r_mid = (p[R_EYE_OUTER] + p[R_EYE_INNER]) / 2
        l_mid = (p[L_EYE_OUTER] + p[L_EYE_INNER]) / 2
        r_w = float(np.linalg.norm(p[R_EYE_INNER] - p[R_EYE_OUTER])) or 1.0
        l_w = float(np.linalg.norm(p[L_EYE_OUTER] - p[L_EYE_INNER])) or 1.0
        gaze_v = (float((p[R_IRIS] - r_mid) @ y) / r_w + float((p[L_IRIS] - l_mid) @ y) / l_w) / 2
    else:
        gaze_h = gaze_v = 0.0

    r_ear = float(np.linalg.norm(p[R_EYE_TOP] - p[R_EYE_BOTTOM])) / (
        float(np.linalg.norm(p[R_EYE_OUTER] - p[R_EYE_INNER])) or 1.0
    )
    l_ear = float(np.linalg.norm(p[L_EYE_TOP] - p[L_EYE_BOTTOM])) / (
        float(np.linalg.norm(p[L_EYE_OUTER] - p[L_EYE_INNER])) or 1.0
    )

    mouth_w = float(np.linalg.norm(p[MOUTH_RIGHT] - p[MOUTH_LEFT])) / iod
    lift = (fy(LIP_TOP) + fy(LIP_BOTTOM)) / 2 - (fy(MOUTH_LEFT) + fy(MOUTH_RIGHT)) / 2
    width_part = (mouth_w - SMILE_WIDTH_NEUTRAL) / (SMILE_WIDTH_FULL - SMILE_WIDTH_NEUTRAL)
    lift_part = (lift - SMILE_LIFT_NEUTRAL) / (SMILE_LIFT_FULL - SMILE_LIFT_NEUTRAL)
    smile = float(np.clip(0.5 * np.clip(width_part, 0, 1) + 0.5 * np.clip(lift_part, 0, 1), 0.0, 1.0))
    mouth_open = max(0.0, fy(LIP_BOTTOM) - fy(LIP_TOP))
    eyes_y = (fy(R_EYE_TOP) + fy(R_EYE_BOTTOM) + fy(L_EYE_TOP) + fy(L_EYE_BOTTOM)) / 4
    brow = eyes_y - (fy(R_BROW) + fy(L_BROW)) / 2

    x0, y0 = p[:, 0].min(), p[:, 1].min()
    x1, y1 = p[:, 0].max(), p[:, 1].max()
    return FaceFeatures(
        yaw=yaw,
        pitch=pitch,
        roll=line_angle(roll),  # the eye line: a head does not roll past 90 degrees
        gaze_h=gaze_h,
        gaze_v=gaze_v,
        ear=(r_ear + l_ear) / 2,
        smile=smile,
        mouth_open=mouth_open,
        brow=brow,
        cx=float((x0 + x1) / 2 / frame_w),
        cy=float((y0 + y1) / 2 / frame_h),
        width=float((x1 - x0) / frame_w),
    )


@dataclass(frozen=True, slots=True)
class BodyFeatures:
    """What one frame's BlazePose (and hands) landmarks say. Lengths are in shoulder widths (sw)."""

    shoulder_tilt: float  # degrees in (-90, 90], counter-clockwise on screen positive
    shoulder_width: float  # pixels
    neck: float  # (shoulder midpoint y - nose y) / sw; shrinks when slouching or hunching forward
    lateral_lean: float  # degrees of the nose off the vertical through the shoulder midpoint
    mid_x: float  # shoulder midpoint in pixels
    mid_y: float
    wrists: tuple[tuple[float, float] | None, tuple[float, float] | None]  # left, right, in pixels
    face_touch: bool
    finger_spread: float | None  # mean fingertip-to-wrist distance / sw (hands model only); its change is finger motion


def line_angle(deg: float) -> float:
    """An undirected line's angle in (-90, 90] degrees.

    A line has no direction: the shoulder line of someone upright reads 0 whether BlazePose labels the
    shoulders as seen or swapped (a mirrored front camera, a person upside down after a wrong rotation),
    never 180.
    """
    a = math.fmod(deg, 180.0)
    if a <= -90.0:
        a += 180.0
    elif a > 90.0:
        a -= 180.0
    return a


def _visible(pose: np.ndarray, i: int, min_vis: float) -> bool:
    return bool(pose[i, 3] >= min_vis)


def body_features(
    pose: np.ndarray,
    hands: list[np.ndarray] | None = None,
    face_box_px: tuple[float, float, float, float] | None = None,
    min_visibility: float = 0.5,
) -> BodyFeatures | None:
    """Posture and hand measurements from (33, 4) pose landmarks in pixels; None without both shoulders."""
    if not (_visible(pose, P_L_SHOULDER, min_visibility) and _visible(pose, P_R_SHOULDER, min_visibility)):
        return None
    ls, rs = pose[P_L_SHOULDER, :2], pose[P_R_SHOULDER, :2]
    sw = float(np.linalg.norm(ls - rs))
    if sw < 4.0:
        return None
    mid = (ls + rs) / 2
    v = ls - rs  # subject's right shoulder (image left) to left shoulder (image right)
    tilt = line_angle(math.degrees(math.atan2(float(-v[1]), float(v[0]))))
    nose = pose[P_NOSE, :2]
    neck = float(mid[1] - nose[1]) / sw
    lean = math.degrees(math.atan2(float(nose[0] - mid[0]), float(mid[1] - nose[1]) or 1e-6))
    wrists: list[tuple[float, float] | None] = []
    for i in (P_L_WRIST, P_R_WRIST):
        wrists.append((float(pose[i, 0]), float(pose[i, 1])) if _visible(pose, i, min_visibility) else None)

    # Face box: from the face mesh when there is one, else from BlazePose's face points.
    if face_box_px is None:
        fp = pose[list(P_FACE), :2]
        pad = 0.25 * sw
        face_box_px = (
            float(fp[:, 0].min() - pad),
            float(fp[:, 1].min() - pad),
            float(fp[:, 0].max() + pad),
            float(fp[:, 1].max() + pad),
        )
    bx0, by0, bx1, by1 = face_box_px

    def inside(pt: np.ndarray) -> bool:
        return bool(bx0 <= pt[0] <= bx1 and by0 <= pt[1] <= by1)

    touch = False
    jitter: float | None = None
    if hands:
        # A hand touches the face when several of its points lie inside the face box.
        touch = any(sum(inside(pt) for pt in h[:, :2]) >= 4 for h in hands)
        tips = [h[[4, 8, 12, 16, 20], :2] - h[0, :2] for h in hands]
        jitter = float(np.mean([np.linalg.norm(t, axis=1).mean() for t in tips])) / sw
    else:
        for i in (P_L_INDEX, P_R_INDEX, P_L_WRIST, P_R_WRIST):
            if _visible(pose, i, min_visibility) and inside(pose[i, :2]):
                touch = True
    return BodyFeatures(
        shoulder_tilt=tilt,
        shoulder_width=sw,
        neck=neck,
        lateral_lean=lean,
        mid_x=float(mid[0]),
        mid_y=float(mid[1]),
        wrists=(wrists[0], wrists[1]),
        face_touch=touch,
        finger_spread=jitter,
    )
