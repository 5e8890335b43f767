"""`FrameRecord`: the numbers kept for one analysed frame (no pixels), and the eye-contact rule."""

from __future__ import annotations

from dataclasses import dataclass

from greenroom.config import Settings
from greenroom.vision.geometry import BodyFeatures, FaceFeatures


@dataclass(frozen=True, slots=True)
class FrameRecord:
    """One analysed frame, reduced to measurements. `body` is None when pose did not run or saw no shoulders."""

    t: float
    face_count: int
    brightness: float
    counted: bool = True  # was the multi-face count run on this frame?
    face: FaceFeatures | None = None
    pose_ran: bool = False
    body: BodyFeatures | None = None
    hands_ran: bool = False
    emotion: dict[str, float] | None = None

    @property
    def face_present(self) -> bool:
        return self.face_count > 0 or self.face is not None


def looks_at_camera(face: FaceFeatures, settings: Settings) -> bool:
    """Eye contact: head yaw, head pitch and horizontal iris offset all within the configured bounds."""
    return (
        abs(face.yaw) <= settings.vision_eye_contact_max_yaw_deg
        and abs(face.pitch) <= settings.vision_eye_contact_max_pitch_deg
        and abs(face.gaze_h) <= settings.vision_eye_contact_max_gaze
    )
