"""Gaze relative to a baseline, from numbers (no model): the robust mode, the states (contact, away, down,
blink), the clamp on implausible baselines, and undirected angles."""

from __future__ import annotations

import numpy as np
import pytest

from greenroom.config import Settings
from greenroom.vision.gaze import (
    MAX_BASELINE_YAW,
    UNCALIBRATED,
    calibration_baseline,
    clip_mode_baseline,
    contact_share,
    gaze_angles,
    gaze_states,
    robust_mode,
)
from greenroom.vision.geometry import FaceFeatures, line_angle


def face(
    yaw: float = 0.0, pitch: float = 0.0, gaze_h: float = 0.0, gaze_v: float = 0.0, ear: float = 0.3
) -> FaceFeatures:
    return FaceFeatures(yaw, pitch, 0.0, gaze_h, gaze_v, ear, 0.0, 0.0, 0.1, 0.5, 0.5, 0.3)


def test_line_angle_is_undirected_and_in_range() -> None:
    assert line_angle(179.0) == pytest.approx(-1.0)
    assert line_angle(-179.0) == pytest.approx(1.0)
    assert line_angle(90.0) == 90.0 and line_angle(-90.0) == 90.0
    assert line_angle(5.0) == 5.0 and line_angle(365.0) == pytest.approx(5.0)


def test_robust_mode_stays_on_the_main_cluster() -> None:
    rng = np.random.default_rng(0)
    main = rng.normal([3.0, 12.0], 1.0, size=(100, 2))
    aside = rng.normal([20.0, 15.0], 1.0, size=(60, 2))  # a third of the time looking to the side
    m = robust_mode(np.vstack([main, aside]))
    assert m == pytest.approx([3.0, 12.0], abs=0.7)
    assert float(np.vstack([main, aside])[:, 0].mean()) > 8  # the mean is pulled away; the mode is not


def test_iris_offset_turns_the_gaze() -> None:
    yaw, _ = gaze_angles(face(yaw=10.0, gaze_h=-0.2))  # head right, eyes back left
    assert yaw == pytest.approx(10.0 - 14.5, abs=0.5)
    _, pitch = gaze_angles(face(gaze_v=0.1))  # iris below the corner line: looking down
    assert pitch < -10


def test_states_relative_to_a_camera_below_the_eyes(vision_settings: Settings) -> None:
    """A phone below the face: the head is tilted up at it the whole time; that is eye contact."""
    times = [i / 10 for i in range(60)]
    faces = [face(pitch=14.0)] * 30 + [face(pitch=14.0, gaze_h=0.25)] * 10 + [face(pitch=-8.0)] * 10
    faces += [face(pitch=14.0)] * 2 + [face(pitch=14.0, ear=0.1)] * 2 + [face(pitch=14.0)] * 6  # a blink
    b = clip_mode_baseline(times, faces)
    assert b is not None and b.method == "clip_mode" and b.pitch == pytest.approx(14.0, abs=1)
    states = gaze_states(times, faces, b, vision_settings)
    assert states[:30] == ["contact"] * 30
    assert states[30:40] == ["away"] * 10  # eyes to the side, head still frontal
    assert states[40:50] == ["down"] * 10  # 22 degrees below the baseline: notes
    assert states[52:54] == ["blink"] * 2
    assert contact_share(states) == pytest.approx(38 / 58, abs=1e-3)
    # The old absolute rule (a camera level with the eyes) would call all of it looking away.
    assert gaze_states(times, faces, UNCALIBRATED, vision_settings)[:30] == ["contact"] * 30  # 14 < 20 deg bound
    assert gaze_states(times, [face(pitch=25.0)] * 5, UNCALIBRATED, vision_settings) == ["away"] * 5


def test_a_long_lid_closure_with_the_head_down_is_looking_down(vision_settings: Settings) -> None:
    times = [i / 10 for i in range(30)]
    faces = [face()] * 10 + [face(pitch=-12.0, ear=0.12)] * 10 + [face()] * 10
    b = calibration_baseline([face()] * 10)
    assert b is not None and b.calibrated
    states = gaze_states(times, faces, b, vision_settings)
    assert states[10:20] == ["down"] * 10 and states.count("blink") == 0


def test_implausible_baseline_is_clamped(vision_settings: Settings) -> None:
    """Someone looking 40 degrees to the side the whole clip is not "looking at a camera over there"."""
    times = [i / 10 for i in range(40)]
    faces = [face(yaw=40.0)] * 40
    b = clip_mode_baseline(times, faces)
    assert b is not None and b.clamped and b.yaw == MAX_BASELINE_YAW
    assert contact_share(gaze_states(times, faces, b, vision_settings)) == 0.0


def test_too_short_for_a_baseline() -> None:
    assert clip_mode_baseline([0.0, 0.1], [face(), face()]) is None
    assert calibration_baseline([face(ear=0.3), face(ear=0.05)]) is None
