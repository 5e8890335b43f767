"""The vision roles as `typing.Protocol`s, and the per-frame observations they return.

Three roles, one Protocol each:

- `FaceAnalyzer`: finds faces in an RGB frame and returns the dense 3D landmarks of the main face.
- `BodyAnalyzer`: BlazePose body landmarks (and, optionally, hand landmarks).
- `EmotionClassifier`: the opt-in FER emotion classifier (see docs/vision.md for the EU AI Act caveat).

Observations hold landmark coordinates only, never pixels: frames are dropped as soon as they are analysed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True, slots=True)
class FaceObservation:
    """The faces in one frame.

    `landmarks` is the main (largest) face's mesh, shape (N, 3): x and y in pixels, z in pixels too (the
    mesh's relative depth, scaled by the frame width, smaller is nearer the camera). None when no mesh.
    `box` is the main face's box in normalised coordinates (x0, y0, x1, y1).
    `counted` is False when the analyser did not run its multi-face count on this frame (to save time);
    `face_count` is then only what the mesh saw (0 or 1).
    """

    face_count: int
    landmarks: np.ndarray | None = None
    box: tuple[float, float, float, float] | None = None
    counted: bool = True


@dataclass(frozen=True, slots=True)
class BodyObservation:
    """Body landmarks in one frame.

    `pose` has shape (33, 4): x, y in pixels, z (relative depth), visibility in [0, 1]; None when no body.
    `hands` holds one (21, 3) pixel array per detected hand (empty when hands are off or none are seen).
    """

    pose: np.ndarray | None = None
    hands: list[np.ndarray] = field(default_factory=list)
    hands_enabled: bool = False


@runtime_checkable
class FaceAnalyzer(Protocol):
    """Finds faces and the main face's landmark mesh (with iris points) in an RGB uint8 frame."""

    name: str

    def analyze(self, rgb: np.ndarray) -> FaceObservation: ...

    def reset(self) -> None:
        """Forget tracking state (call between unrelated videos or sessions)."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class BodyAnalyzer(Protocol):
    """Finds the body pose (and optionally hands) in an RGB uint8 frame."""

    name: str
    hands_enabled: bool

    def analyze(self, rgb: np.ndarray) -> BodyObservation: ...

    def reset(self) -> None: ...

    def close(self) -> None: ...


@runtime_checkable
class EmotionClassifier(Protocol):
    """Opt-in facial-emotion classifier. Returns a probability per label for one face crop."""

    name: str
    labels: tuple[str, ...]

    def classify(self, rgb: np.ndarray, box: tuple[float, float, float, float]) -> dict[str, float]:
        """`box` is the face box in normalised coordinates (x0, y0, x1, y1)."""
        ...
