"""Face metrics on real photos with known ground truth: presence, two faces, roll, yaw, eye contact,
framing, facial behaviour, the opt-in FER labels, turns and timelines (streamed frames)."""

from __future__ import annotations

import os

import cv2
import matplotlib
import numpy as np
import pytest

from greenroom.config import Settings
from greenroom.errors import InputError
from greenroom.vision.backends import Analyzers
from greenroom.vision.fer_emotion import EMOTION_CAVEAT
from greenroom.vision.results import NO_FACE_MESSAGE, VisionSummary
from greenroom.vision.stream import StreamingVisionAnalyzer

from .clips import astronaut, darken, lfw_face, mirror, no_face, on_canvas, rotate, side_by_side

pytestmark = pytest.mark.slow  # loads the real MediaPipe models

FPS = 10.0


def grace_hopper() -> np.ndarray:
    """Grace Hopper's portrait from matplotlib's sample data: a frontal face, not smiling broadly."""
    path = os.path.join(matplotlib.get_data_path(), "sample_data", "grace_hopper.jpg")
    return cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)


def run(settings: Settings, models: Analyzers, frames: list[np.ndarray]) -> VisionSummary:
    s = StreamingVisionAnalyzer(settings, models)
    for i, f in enumerate(frames):
        assert s.push_frame(f, i / FPS).analysed
    return s.summary()


def centred_astronaut() -> np.ndarray:
    # The astronaut's face sits up and left in her portrait: shift it to the frame centre.
    return on_canvas(astronaut(), scale=1.3, dx=60, dy=110)


def test_face_present_in_n_of_m_frames(vision_settings: Settings, models: Analyzers) -> None:
    face, empty = on_canvas(astronaut()), on_canvas(no_face(astronaut()))
    frames = [face] * 6 + [empty] * 4 + [face] * 3 + [np.zeros_like(face)] * 3
    s = run(vision_settings, models, frames)
    assert s.frames == 16
    assert s.face.presence_ratio == pytest.approx(9 / 16, abs=1 / 16)
    assert s.face_detected and s.face.max_faces == 1 and s.face.multi_face_ratio == 0.0


def test_no_face_says_so_instead_of_zero_eye_contact(vision_settings: Settings, models: Analyzers) -> None:
    frames = [on_canvas(no_face(astronaut()))] * 5 + [np.zeros((480, 640, 3), np.uint8)] * 3
    s = run(vision_settings, models, frames)
    assert not s.face_detected
    assert s.message == NO_FACE_MESSAGE
    assert s.face.presence_ratio == 0.0
    assert s.face.eye_contact_ratio is None and s.face.yaw_deg is None and s.face.blinks is None
    assert s.expression is None
    empty = StreamingVisionAnalyzer(vision_settings, models).summary()
    assert empty.frames == 0 and not empty.face_detected and empty.message.startswith(NO_FACE_MESSAGE)
    assert empty.face.eye_contact_ratio is None and empty.posture is None


def test_two_faces_side_by_side(vision_settings: Settings, models: Analyzers) -> None:
    pair = on_canvas(side_by_side(astronaut(), grace_hopper()[44:556]), scale=0.9)
    s = run(vision_settings, models, [pair] * 5 + [on_canvas(astronaut())] * 5)
    assert s.face.max_faces == 2
    assert s.face.multi_face_ratio == pytest.approx(0.5, abs=0.1)
    assert s.face.presence_ratio == 1.0


@pytest.mark.parametrize("deg", [20.0, -20.0])
def test_roll_follows_image_rotation(vision_settings: Settings, models: Analyzers, deg: float) -> None:
    base = run(vision_settings, models, [centred_astronaut()] * 3).face.roll_deg
    rolled = run(vision_settings, models, [rotate(centred_astronaut(), deg)] * 3).face.roll_deg
    assert base is not None and rolled is not None
    assert abs(base) < 6  # the portrait is nearly level
    assert rolled - base == pytest.approx(deg, abs=4)


def test_mirroring_flips_yaw_sign(vision_settings: Settings, models: Analyzers) -> None:
    turned = on_canvas(lfw_face(75))  # a face turned towards the image's left
    left = run(vision_settings, models, [turned] * 3).face
    right = run(vision_settings, models, [mirror(turned)] * 3).face
    assert left.yaw_deg is not None and right.yaw_deg is not None
    assert left.yaw_deg < -20 and right.yaw_deg > 20
    assert left.yaw_deg == pytest.approx(-right.yaw_deg, abs=6)
    assert left.roll_deg is not None and right.roll_deg is not None
    assert left.roll_deg == pytest.approx(-right.roll_deg, abs=3)
    assert left.eye_contact_ratio == 0.0  # 30 degrees off the camera


def test_eye_contact_ratio_follows_the_share_of_frontal_frames(vision_settings: Settings, models: Analyzers) -> None:
    frontal, turned = centred_astronaut(), on_canvas(lfw_face(75))
    s = run(vision_settings, models, [frontal] * 6 + [turned] * 4)
    assert s.face.presence_ratio == 1.0
    assert s.face.eye_contact_ratio == pytest.approx(0.6, abs=0.1)
    # Tighter bounds than the frontal face's own pitch (about -10 degrees): no eye contact at all.
    strict = vision_settings.model_copy(update={"vision_eye_contact_max_pitch_deg": 3.0})
    assert run(strict, models, [frontal] * 3).face.eye_contact_ratio == 0.0


def test_framing_hints(vision_settings: Settings, models: Analyzers) -> None:
    centred = run(vision_settings, models, [centred_astronaut()] * 3)
    assert centred.framing is not None and centred.framing.hints == []
    close = run(vision_settings, models, [on_canvas(astronaut(), scale=3.8, dx=170, dy=400)] * 3)
    assert close.framing is not None and close.framing.too_close_ratio == 1.0
    assert any("too close" in h for h in close.framing.hints)
    far = run(vision_settings, models, [on_canvas(astronaut(), scale=0.45)] * 3)
    assert far.framing is not None and far.face_detected and far.framing.too_far_ratio == 1.0
    off = run(vision_settings, models, [on_canvas(astronaut(), dx=-200, dy=60)] * 3)
    assert off.framing is not None and off.framing.off_centre_ratio == 1.0
    dark = run(vision_settings, models, [darken(centred_astronaut(), 0.3)] * 3)
    assert dark.framing is not None and dark.face_detected
    assert dark.framing.too_dark_ratio == 1.0 and any("dark" in h for h in dark.framing.hints)


def test_facial_behaviour_not_emotion_by_default(vision_settings: Settings, models: Analyzers) -> None:
    smiling = run(vision_settings, models, [centred_astronaut()] * 4)
    neutral = run(vision_settings, models, [on_canvas(grace_hopper())] * 4)
    assert smiling.expression is not None and neutral.expression is not None
    assert smiling.expression.smile_intensity is not None and neutral.expression.smile_intensity is not None
    assert smiling.expression.smile_intensity > 0.6 > 0.3 > neutral.expression.smile_intensity
    assert smiling.expression.smiling_ratio == 1.0 and neutral.expression.smiling_ratio == 0.0
    assert smiling.expression.expressiveness is not None and smiling.expression.expressiveness < 0.15  # a still photo
    assert smiling.emotion is None  # opt-in only


def test_fer_labels_the_smiling_astronaut_happy(vision_settings: Settings, models_with_emotion: Analyzers) -> None:
    s = run(vision_settings, models_with_emotion, [centred_astronaut()] * 3)
    assert s.emotion is not None
    assert s.emotion.dominant == "happy" and s.emotion.mean_probabilities["happy"] > 0.8
    assert s.emotion.caveat == EMOTION_CAVEAT and "5(1)(f)" in s.emotion.caveat
    gh = run(vision_settings, models_with_emotion, [on_canvas(grace_hopper())] * 3)
    assert gh.emotion is not None and gh.emotion.dominant != "happy"


def test_turns_timeline_and_live_inputs(vision_settings: Settings, models: Analyzers) -> None:
    s = StreamingVisionAnalyzer(vision_settings, models)
    face = centred_astronaut()
    ok, jpg = cv2.imencode(".jpg", cv2.cvtColor(face, cv2.COLOR_RGB2BGR))
    s.start_turn("q1", at_s=0.0)
    for i in range(10):  # 1 s of JPEG frames, then 1 s of raw RGB bytes
        fb = s.push_frame(jpg.tobytes(), i / FPS)
        assert fb.analysed and fb.face_count == 1 and fb.eye_contact
    for i in range(10, 20):
        s.push_frame(face.tobytes(), i / FPS, width=640, height=480)
    t1 = s.end_turn()
    s.start_turn("q2")
    empty = on_canvas(no_face(astronaut()))
    for i in range(20, 30):
        s.push_frame(empty, i / FPS)
    # A frame 10 ms after the last one arrives faster than 15 fps: skipped.
    assert not s.push_frame(empty, 2.91).analysed
    t2 = s.end_turn()
    assert t1.turn_id == "q1" and t1.face.presence_ratio == 1.0 and t1.face.eye_contact_ratio == 1.0
    assert t2.turn_id == "q2" and t2.message == NO_FACE_MESSAGE and t2.face.eye_contact_ratio is None
    res = s.result()
    assert [t.turn_id for t in res.turns] == ["q1", "q2"]
    assert res.summary.frames == 30 and res.summary.face.presence_ratio == pytest.approx(2 / 3, abs=0.04)
    tl = res.timeline
    assert len(tl.t) == 3 and tl.face_present[0] == 1.0 and tl.face_present[2] == 0.0
    assert tl.eye_contact[2] is None and tl.yaw_deg[0] is not None
    with pytest.raises(InputError, match="backwards"):
        s.push_frame(empty, 1.0)
    with pytest.raises(InputError, match="No turn"):
        s.end_turn()


def test_blinks_are_counted_at_15_fps_and_not_guessed_at_5(vision_settings: Settings, models: Analyzers) -> None:
    from .clips import close_eyes

    face = centred_astronaut()
    models.reset()
    mesh = models.face.analyze(face).landmarks
    assert mesh is not None
    shut = close_eyes(face, mesh)
    frames = [face] * 60  # 4 s at 15 fps with three 2-frame (133 ms) blinks
    for start in (12, 30, 48):
        frames[start] = frames[start + 1] = shut
    s = StreamingVisionAnalyzer(vision_settings, models)
    for i, f in enumerate(frames):
        s.push_frame(f, i / 15)
    summary = s.summary()
    assert summary.face.blinks == 3
    assert summary.face.blink_rate_per_min == pytest.approx(45.0, rel=0.05)
    slow = StreamingVisionAnalyzer(vision_settings, models)
    for i, f in enumerate(frames[::3]):
        slow.push_frame(f, i / 5)
    low = slow.summary()
    assert low.face.blinks is None and low.face.blink_rate_per_min is None
    assert any("Blinks not counted" in n for n in low.notes)


def test_grey_and_16bit_live_frames_are_analysed(vision_settings: Settings, models: Analyzers) -> None:
    grey = cv2.cvtColor(centred_astronaut(), cv2.COLOR_RGB2GRAY)
    ok, grey_jpg = cv2.imencode(".jpg", grey)
    s = StreamingVisionAnalyzer(vision_settings, models)
    assert s.push_frame(grey_jpg.tobytes(), 0.0).face_count == 1  # grey JPEG
    assert s.push_frame(grey.astype(np.uint16) * 257, 0.1).face_count == 1  # 16-bit grey array
    assert s.push_frame(grey.tobytes(), 0.2, width=640, height=480, channels=1).face_count == 1  # raw grey
    with pytest.raises(InputError, match="dtype"):
        s.push_frame(grey.astype(np.int64), 0.3)
    assert s.summary().face.presence_ratio == 1.0


def test_calibration_sets_the_baseline_and_turns_say_so(vision_settings: Settings, models: Analyzers) -> None:
    """The room's look-at-the-camera step: its frames set the baseline; the turns after it name the method."""
    frontal = centred_astronaut()
    s = StreamingVisionAnalyzer(vision_settings, models)
    with pytest.raises(InputError, match="not started"):
        s.end_calibration()
    assert s.baseline.method == "uncalibrated"
    s.start_calibration()
    for i in range(2):  # no face: the calibration fails and says so, staying uncalibrated
        s.push_frame(on_canvas(no_face(astronaut())), i / FPS)
    with pytest.raises(InputError, match="Calibration failed"):
        s.end_calibration()
    assert s.baseline.method == "uncalibrated"
    s.start_calibration()
    for i in range(2, 8):
        s.push_frame(frontal, i / FPS)
    b = s.end_calibration()
    assert b.calibrated and b.frames >= 3
    s.start_turn("q1")
    for i in range(6):
        assert s.push_frame(frontal, (10 + i) / FPS).eye_contact is True
    t = s.end_turn()
    assert t.face.eye_contact_method == "calibration" and t.face.eye_contact_calibrated
    assert t.face.eye_contact_ratio == 1.0 and t.face.looking_away_ratio == 0.0
    assert t.face.gaze_baseline_deg is not None
