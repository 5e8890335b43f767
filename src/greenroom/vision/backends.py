"""Registries of vision back-ends by name, and `load_analyzers(settings)` that builds the configured set.

Unknown names raise `UnknownNameError` listing the valid ones; nothing silently falls back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from greenroom.config import Settings
from greenroom.registry import Registry
from greenroom.vision.base import BodyAnalyzer, EmotionClassifier, FaceAnalyzer

FACE_ANALYZERS: Registry[Callable[[Settings], FaceAnalyzer]] = Registry("face analyser")
BODY_ANALYZERS: Registry[Callable[[Settings], BodyAnalyzer]] = Registry("body analyser")
EMOTION_CLASSIFIERS: Registry[Callable[[Settings], EmotionClassifier]] = Registry("emotion classifier")


@FACE_ANALYZERS.decorator("mediapipe")
def _mediapipe_face(settings: Settings) -> FaceAnalyzer:
    from greenroom.vision.mediapipe_face import MediaPipeFaceAnalyzer

    return MediaPipeFaceAnalyzer(count_every_n=settings.vision_face_count_every_n)


@BODY_ANALYZERS.decorator("mediapipe")
def _mediapipe_body(settings: Settings) -> BodyAnalyzer:
    from greenroom.vision.mediapipe_body import MediaPipeBodyAnalyzer

    return MediaPipeBodyAnalyzer(hands=settings.vision_hands_enabled)


@EMOTION_CLASSIFIERS.decorator("fer")
def _fer(settings: Settings) -> EmotionClassifier:
    from greenroom.vision.fer_emotion import FerEmotionClassifier

    return FerEmotionClassifier()


@dataclass
class Analyzers:
    """The models one analysis uses. Mediapipe graphs are stateful (tracking): one set per stream."""

    face: FaceAnalyzer
    body: BodyAnalyzer | None = None
    emotion: EmotionClassifier | None = None

    def reset(self) -> None:
        self.face.reset()
        if self.body is not None:
            self.body.reset()

    def close(self) -> None:
        self.face.close()
        if self.body is not None:
            self.body.close()


def load_analyzers(settings: Settings) -> Analyzers:
    """Build the face analyser, and the body analyser and emotion classifier when the settings ask for them."""
    face = FACE_ANALYZERS.get(settings.vision_face_backend)(settings)
    body = BODY_ANALYZERS.get(settings.vision_body_backend)(settings) if settings.vision_pose_enabled else None
    emotion = (
        EMOTION_CLASSIFIERS.get(settings.vision_emotion_backend)(settings) if settings.vision_emotion_enabled else None
    )
    return Analyzers(face=face, body=body, emotion=emotion)
