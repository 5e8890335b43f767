"""BlazePose posture and hand metrics on the astronaut photo (model_complexity=1, the bundled model)."""

from __future__ import annotations

import pytest

from greenroom.config import Settings
from greenroom.vision.backends import Analyzers, load_analyzers
from greenroom.vision.mediapipe_body import POSE_MODEL_COMPLEXITY
from greenroom.vision.stream import StreamingVisionAnalyzer

from .clips import astronaut, on_canvas, rotate

pytestmark = pytest.mark.slow  # loads the real MediaPipe models


def run(settings: Settings, models: Analyzers, frames: list) -> object:
    s = StreamingVisionAnalyzer(settings, models)
    for i, f in enumerate(frames):
        s.push_frame(f, i / 10)
    return s.summary()


def test_only_the_bundled_pose_model_is_used() -> None:
    assert POSE_MODEL_COMPLEXITY == 1


def test_shoulder_tilt_follows_rotation(vision_settings: Settings, models: Analyzers) -> None:
    """Rotating the frame by +-20 degrees moves the shoulder line by about 40 degrees between the two.

    (The astronaut's shoulders are half hidden by her suit and her body is turned, so BlazePose's estimate
    of the unrotated tilt itself is rough; the difference between the two rotations is what we check.)
    """
    tilt = {}
    for deg in (-20.0, 0.0, 20.0):
        p = run(vision_settings, models, [rotate(on_canvas(astronaut(), scale=0.8), deg)] * 4).posture
        assert p is not None and p.body_ratio == 1.0 and p.shoulder_tilt_deg is not None
        tilt[deg] = p.shoulder_tilt_deg
    assert tilt[20.0] > tilt[0.0] > tilt[-20.0]
    assert tilt[20.0] - tilt[-20.0] == pytest.approx(40.0, abs=8)


def test_still_versus_swaying_torso(vision_settings: Settings, models: Analyzers) -> None:
    still = run(vision_settings, models, [on_canvas(astronaut())] * 12)
    sway = run(
        vision_settings, models, [on_canvas(astronaut(), dx=dx) for dx in [-60, -60, 60, 60] * 3]
    )  # pose: every 2nd frame
    assert still.posture is not None and sway.posture is not None
    assert still.posture.torso_steadiness == "steady" and still.posture.torso_sway is not None
    assert sway.posture.torso_sway is not None and sway.posture.torso_sway > 0.15 > still.posture.torso_sway
    assert sway.posture.torso_steadiness == "restless"
    assert still.gestures is not None and still.gestures.gestures == 0 and still.gestures.face_touches == 0
    assert still.gestures.source == "pose"


def test_pose_runs_every_second_frame_and_can_be_switched_off(vision_settings: Settings, models: Analyzers) -> None:
    s = StreamingVisionAnalyzer(vision_settings, models)
    for i in range(6):
        s.push_frame(on_canvas(astronaut()), i / 10)
    recs = s._records
    assert [r.pose_ran for r in recs] == [True, False] * 3
    off = vision_settings.model_copy(update={"vision_pose_enabled": False})
    summary = run(off, Analyzers(face=models.face), [on_canvas(astronaut())] * 2)
    assert summary.posture is None and summary.gestures is None


def test_hands_model_is_optional(vision_settings: Settings) -> None:
    s = vision_settings.model_copy(update={"vision_hands_enabled": True})
    a = load_analyzers(s)
    try:
        summary = run(s, a, [on_canvas(astronaut())] * 4)
    finally:
        a.close()
    assert summary.gestures is not None and summary.gestures.source == "pose+hands"
