"""`FramePipeline`: one RGB frame in, one `FrameRecord` (numbers only) out. The frame is not kept."""

from __future__ import annotations

import numpy as np

from greenroom.config import Settings
from greenroom.vision.backends import Analyzers
from greenroom.vision.geometry import body_features, face_features
from greenroom.vision.records import FrameRecord


def brightness(rgb: np.ndarray) -> float:
    """Mean luma (0-255) on a small thumbnail."""
    import cv2

    small = cv2.resize(rgb, (64, 48), interpolation=cv2.INTER_AREA)
    return float(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).mean())


class FramePipeline:
    """Runs the face analyser on every frame, BlazePose every `vision_pose_every_n` frames, and the opt-in
    emotion classifier every `vision_emotion_every_n` face frames."""

    def __init__(self, settings: Settings, analyzers: Analyzers) -> None:
        self.settings = settings
        self.analyzers = analyzers
        self._index = 0
        self._face_index = 0

    @property
    def emotion_enabled(self) -> bool:
        return self.analyzers.emotion is not None

    def reset(self) -> None:
        self._index = 0
        self._face_index = 0
        self.analyzers.reset()

    def process(self, rgb: np.ndarray, t: float) -> FrameRecord:
        h, w = rgb.shape[:2]
        s = self.settings
        obs = self.analyzers.face.analyze(rgb)
        face = face_features(obs.landmarks, w, h) if obs.landmarks is not None else None
        pose_ran = False
        body = None
        hands_ran = False
        if self.analyzers.body is not None and self._index % s.vision_pose_every_n == 0:
            pose_ran = True
            bobs = self.analyzers.body.analyze(rgb)
            hands_ran = bobs.hands_enabled
            if bobs.pose is not None:
                box_px = None
                if obs.box is not None:
                    x0, y0, x1, y1 = obs.box
                    box_px = (x0 * w, y0 * h, x1 * w, y1 * h)
                body = body_features(bobs.pose, bobs.hands, box_px)
        emotion = None
        if self.analyzers.emotion is not None and obs.box is not None:
            if self._face_index % s.vision_emotion_every_n == 0:
                emotion = self.analyzers.emotion.classify(rgb, obs.box) or None
            self._face_index += 1
        self._index += 1
        return FrameRecord(
            t=t,
            face_count=obs.face_count,
            counted=obs.counted,
            brightness=brightness(rgb),
            face=face,
            pose_ran=pose_ran,
            body=body,
            hands_ran=hands_ran,
            emotion=emotion,
        )
