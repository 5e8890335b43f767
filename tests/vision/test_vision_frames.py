"""Frame input handling (grey, 16-bit, float, RGBA, JPEG, raw bytes, huge frames) and the pure metrics."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from greenroom.config import Settings
from greenroom.errors import InputError
from greenroom.vision.frames import decode_image_bytes, downscale, fit_size, raw_rgb_to_array, to_rgb
from greenroom.vision.geometry import BodyFeatures
from greenroom.vision.records import FrameRecord
from greenroom.vision.summary import count_blinks, count_bursts, frame_rate, summarize, wrist_speeds

from .clips import astronaut


def test_grey_16bit_float_and_rgba_frames_become_rgb8() -> None:
    grey = cv2.cvtColor(astronaut(), cv2.COLOR_RGB2GRAY)
    out = to_rgb(grey)
    assert out.shape == (512, 512, 3) and out.dtype == np.uint8
    assert np.array_equal(out[:, :, 0], grey)
    g16 = grey.astype(np.uint16) * 257
    assert np.array_equal(to_rgb(g16)[:, :, 1], grey)
    rgb16 = astronaut().astype(np.uint16) * 257
    assert np.array_equal(to_rgb(rgb16), astronaut())
    f = astronaut().astype(np.float32) / 255.0
    assert np.abs(to_rgb(f).astype(int) - astronaut()).max() <= 1
    rgba = np.dstack([astronaut(), np.full((512, 512), 255, np.uint8)])
    assert np.array_equal(to_rgb(rgba), astronaut())
    assert to_rgb(grey[:, :, None]).shape == (512, 512, 3)


@pytest.mark.parametrize(
    ("frame", "match"),
    [
        (np.zeros((10, 10, 2), np.uint8), "shape"),
        (np.zeros((10,), np.uint8), "shape"),
        (np.zeros((4, 4, 3), np.uint8), "too small"),
        (np.zeros((20, 20, 3), np.int32), "dtype"),
        (np.full((20, 20, 3), 3.0, np.float32), r"\[0, 1\]"),
        (np.full((20, 20, 3), np.nan, np.float32), "NaN"),
    ],
)
def test_bad_frames_raise_input_error(frame: np.ndarray, match: str) -> None:
    with pytest.raises(InputError, match=match):
        to_rgb(frame)


def test_jpeg_png_and_raw_bytes() -> None:
    bgr = cv2.cvtColor(astronaut(), cv2.COLOR_RGB2BGR)
    ok, jpg = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    dec = decode_image_bytes(jpg.tobytes())
    assert dec.shape == (512, 512, 3)
    assert np.abs(dec.astype(int) - astronaut()).mean() < 4  # RGB order kept
    ok, png16 = cv2.imencode(".png", (cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY).astype(np.uint16) * 257))
    assert decode_image_bytes(png16.tobytes()).dtype == np.uint8
    raw = astronaut().tobytes()
    assert np.array_equal(raw_rgb_to_array(raw, 512, 512), astronaut())
    with pytest.raises(InputError, match="bytes"):
        raw_rgb_to_array(raw[:-1], 512, 512)
    with pytest.raises(InputError, match="decode"):
        decode_image_bytes(b"not a jpeg at all")
    with pytest.raises(InputError, match="Empty"):
        decode_image_bytes(b"")


def test_huge_frames_are_downscaled() -> None:
    assert fit_size(7680, 4320, 1280) == (1280, 720)
    assert fit_size(640, 480, 1280) == (640, 480)
    big = cv2.resize(astronaut(), (6000, 6000), interpolation=cv2.INTER_NEAREST)
    small = downscale(big, 1280)
    assert small.shape == (1280, 1280, 3)


def test_frame_rate_and_blink_counter() -> None:
    t = [i / 15 for i in range(60)]  # 4 s at 15 fps
    assert frame_rate(t) == pytest.approx(15.0)
    ear = [0.3] * 60
    for start in (10, 30, 50):  # three 2-frame blinks (133 ms)
        ear[start] = ear[start + 1] = 0.08
    assert count_blinks(t, ear) == 3
    ear2 = [0.3] * 60
    for i in range(10, 40):  # eyes shut for 2 s: looking down or closed, not a blink
        ear2[i] = 0.05
    assert count_blinks(t, ear2) == 0
    assert count_blinks(t, [0.3] * 60) == 0


def _body(t: float, lx: float, rx: float) -> FrameRecord:
    b = BodyFeatures(
        shoulder_tilt=0.0,
        shoulder_width=100.0,
        neck=0.8,
        lateral_lean=0.0,
        mid_x=320.0,
        mid_y=300.0,
        wrists=((lx, 400.0), (rx, 400.0)),
        face_touch=False,
        finger_spread=None,
    )
    return FrameRecord(t=t, face_count=1, brightness=100.0, pose_ran=True, body=b)


def test_wrist_speed_and_gesture_bursts() -> None:
    # Still hands, then two sweeps of 2 shoulder widths per second, 1 s apart.
    recs = []
    x = 200.0
    for i in range(50):
        t = i * 0.1
        moving = 1.0 <= t < 1.5 or 2.5 <= t < 3.0
        if moving:
            x += 20.0  # 20 px per 0.1 s = 200 px/s = 2 shoulder widths/s
        recs.append(_body(t, x, 500.0))
    speeds = wrist_speeds(recs)
    assert max(v for _, v in speeds) == pytest.approx(2.0)
    assert count_bursts(speeds, 1.0, 0.3) == 2


def test_fidgeting_versus_still_and_gesturing_hands(vision_settings: Settings) -> None:
    def clip(xs: list[float]) -> list[FrameRecord]:
        return [_body(i / 10, x, 500.0) for i, x in enumerate(xs)]

    restless = clip([200.0 + (3.0 if i % 2 else -3.0) for i in range(30)])  # 6 px jitter, 0.06 sw a frame
    still = clip([200.0] * 30)
    sweeping = clip([200.0 + 15.0 * i for i in range(30)])  # 1.5 sw/s in one direction
    g = {
        name: summarize(recs, vision_settings).gestures
        for name, recs in (("restless", restless), ("still", still), ("sweeping", sweeping))
    }
    assert g["restless"] is not None and g["still"] is not None and g["sweeping"] is not None
    assert g["restless"].fidget_ratio == 1.0 and g["restless"].gestures == 0
    assert g["still"].fidget_ratio == 0.0 and g["still"].hand_energy == 0.0 and g["still"].gestures == 0
    assert g["sweeping"].fidget_ratio == 0.0 and g["sweeping"].gestures == 1
    assert g["sweeping"].hand_energy == pytest.approx(1.5)
    assert g["sweeping"].hands_visible_ratio == 1.0 and g["sweeping"].source == "pose"


def _rot(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """Rotation in image coordinates (x right, y down, z away from the camera): yaw, then pitch, then roll."""
    y, p, r = np.radians([yaw, pitch, roll])
    ry = np.array([[np.cos(y), 0, -np.sin(y)], [0, 1, 0], [np.sin(y), 0, np.cos(y)]])  # + turns the face right
    rx = np.array([[1, 0, 0], [0, np.cos(p), np.sin(p)], [0, -np.sin(p), np.cos(p)]])  # + tilts it up
    rz = np.array([[np.cos(r), np.sin(r), 0], [-np.sin(r), np.cos(r), 0], [0, 0, 1]])  # + counter-clockwise
    return ry @ rx @ rz


@pytest.mark.parametrize(
    ("yaw", "pitch", "roll"), [(0, 0, 0), (25, 0, 0), (-25, 0, 0), (0, 15, 0), (0, -15, 0), (0, 0, 20), (20, -10, 15)]
)
def test_head_pose_recovers_known_rotations(yaw: float, pitch: float, roll: float) -> None:
    from greenroom.vision.geometry import CHIN, FOREHEAD, L_EYE_OUTER, R_EYE_OUTER, head_pose

    pts = np.zeros((478, 3))
    pts[R_EYE_OUTER], pts[L_EYE_OUTER] = (-45, 0, 0), (45, 0, 0)
    pts[FOREHEAD], pts[CHIN] = (0, -80, 5), (0, 95, 5)
    posed = pts @ _rot(yaw, pitch, roll).T + (320, 240, 0)
    got = head_pose(posed)
    assert got == pytest.approx((yaw, pitch, roll), abs=0.5)
    mirrored = posed.copy()
    mirrored[:, 0] = 640 - mirrored[:, 0]
    mirrored[[R_EYE_OUTER, L_EYE_OUTER]] = mirrored[[L_EYE_OUTER, R_EYE_OUTER]]  # the mesh relabels the eyes
    m_yaw, m_pitch, m_roll = head_pose(mirrored)
    assert (m_yaw, m_pitch, m_roll) == pytest.approx((-yaw, pitch, -roll), abs=0.5)


def test_shoulder_tilt_and_face_touch_from_pose_points() -> None:
    from greenroom.vision.geometry import body_features

    pose = np.zeros((33, 4))
    pose[:, 3] = 1.0
    pose[0] = (300, 150, 0, 1)  # nose
    pose[1:11, :2] = (300, 150)
    pose[11], pose[12] = (400, 300, 0, 1), (200, 300, 0, 1)  # left shoulder on the image's right
    pose[15:23, :2] = (250, 450)  # hands down
    b = body_features(pose)
    assert b is not None and b.shoulder_tilt == pytest.approx(0.0) and not b.face_touch
    assert b.shoulder_width == pytest.approx(200.0) and b.neck == pytest.approx(0.75)
    pose[11, 1] = 300 - 200 * np.tan(np.radians(10))  # left shoulder up: counter-clockwise on screen
    b = body_features(pose)
    assert b is not None and b.shoulder_tilt == pytest.approx(10.0, abs=0.1)
    pose[19, :2] = (305, 160)  # left index finger on the nose
    b = body_features(pose)
    assert b is not None and b.face_touch
    pose[11, 3] = 0.1  # a shoulder out of view: no posture
    assert body_features(pose) is None
