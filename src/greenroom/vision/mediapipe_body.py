"""`BodyAnalyzer` on MediaPipe's legacy BlazePose, optionally with the hand-landmark model.

Only `model_complexity=1` is offered: it is the one pose landmark model (`pose_landmark_full.tflite`) that
the mediapipe 0.10.21 wheel bundles. Complexities 0 (lite) and 2 (heavy) make mediapipe download their
models on first use, which fails offline (and would break the no-network rule anyway).
"""

from __future__ import annotations

import numpy as np

from greenroom.vision.base import BodyObservation

#: The only BlazePose complexity whose model ships inside the mediapipe wheel (see the module docstring).
POSE_MODEL_COMPLEXITY = 1


class MediaPipeBodyAnalyzer:
    """BlazePose (33 body points) and, when `hands=True`, up to two 21-point hands."""

    name = "mediapipe"

    def __init__(self, *, hands: bool = False, min_confidence: float = 0.5) -> None:
        import mediapipe as mp

        self.hands_enabled = hands
        self._pose = mp.solutions.pose.Pose(
            static_image_mode=False,
            model_complexity=POSE_MODEL_COMPLEXITY,
            smooth_landmarks=True,
            enable_segmentation=False,
            min_detection_confidence=min_confidence,
            min_tracking_confidence=min_confidence,
        )
        # Hands: complexity 0 (lite) and 1 (full) are both bundled; lite is twice as fast and enough here.
        self._hands = (
            mp.solutions.hands.Hands(
                static_image_mode=False,
                max_num_hands=2,
                model_complexity=0,
                min_detection_confidence=min_confidence,
                min_tracking_confidence=min_confidence,
            )
            if hands
            else None
        )

    def analyze(self, rgb: np.ndarray) -> BodyObservation:
        h, w = rgb.shape[:2]
        res = self._pose.process(rgb)
        pose = None
        if res.pose_landmarks is not None:
            pose = np.array(
                [(lm.x * w, lm.y * h, lm.z * w, lm.visibility) for lm in res.pose_landmarks.landmark],
                dtype=np.float64,
            )
        hands: list[np.ndarray] = []
        if self._hands is not None:
            hres = self._hands.process(rgb)
            for hand in hres.multi_hand_landmarks or []:
                hands.append(np.array([(lm.x * w, lm.y * h, lm.z * w) for lm in hand.landmark], dtype=np.float64))
        return BodyObservation(pose=pose, hands=hands, hands_enabled=self.hands_enabled)

    def reset(self) -> None:
        self._pose.reset()
        if self._hands is not None:
            self._hands.reset()

    def close(self) -> None:
        self._pose.close()
        if self._hands is not None:
            self._hands.close()
