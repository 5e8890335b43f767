"""The vision results: per-turn and whole-session summaries and timelines (pydantic, JSON-ready).

Only numbers derived from landmarks live here; no frame, crop or landmark array is ever stored.
A metric that could not be measured is `None` (with a note saying why), never a made-up 0.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

NO_FACE_MESSAGE = "no face detected"


class FaceSummary(BaseModel):
    """Face presence, head pose, gaze, eye contact and blinks."""

    presence_ratio: float = Field(description="Share of analysed frames with at least one face.")
    multi_face_ratio: float = Field(
        description="Share of frames with more than one face (of the frames where faces were counted)."
    )
    max_faces: int = Field(description="Most faces seen in one frame.")
    eye_contact_ratio: float | None = Field(
        description="Share of face frames (blinks left out) whose gaze is on the camera: head pose plus iris "
        "position, relative to the baseline named in `eye_contact_method`."
    )
    eye_contact_method: str = Field(
        default="uncalibrated",
        description="calibration (the room's look-at-the-camera step), clip_mode (the recording's own most "
        "common gaze) or uncalibrated (absolute bounds: assumes a camera level with the eyes).",
    )
    eye_contact_calibrated: bool = Field(default=False, description="True when a room calibration set the baseline.")
    looking_away_ratio: float | None = Field(default=None, description="Share of judged frames looking away.")
    looking_down_ratio: float | None = Field(
        default=None, description="Share of judged frames looking down (as at notes), counted apart from away."
    )
    gaze_baseline_deg: tuple[float, float] | None = Field(
        default=None, description="The baseline gaze (yaw, pitch) in degrees, head plus eyes; None when uncalibrated."
    )
    yaw_deg: float | None = Field(description="Median head yaw; + turned towards the image's right.")
    pitch_deg: float | None = Field(description="Median head pitch; + tilted up.")
    roll_deg: float | None = Field(description="Median head roll; + counter-clockwise on screen.")
    head_movement_deg: float | None = Field(description="Standard deviation of yaw and pitch (mean of the two).")
    gaze_h: float | None = Field(description="Median horizontal iris offset (-1..1, 0 centred).")
    blinks: int | None = Field(description="Blinks counted (None when the frame rate is too low to see them).")
    blink_rate_per_min: float | None = Field(description="Blinks per minute of face-present time.")


class FramingSummary(BaseModel):
    """How the person sits in the frame, and the advice that follows."""

    too_close_ratio: float
    too_far_ratio: float
    off_centre_ratio: float
    too_dark_ratio: float
    mean_brightness: float = Field(description="Mean frame brightness, 0-255.")
    hints: list[str] = Field(default_factory=list)


class PostureSummary(BaseModel):
    """Upper-body posture from BlazePose."""

    body_ratio: float = Field(description="Share of pose frames with both shoulders visible.")
    shoulder_tilt_deg: float | None = Field(description="Median shoulder-line angle; + counter-clockwise.")
    tilted_ratio: float | None = Field(description="Share of frames with shoulders tilted more than 7 degrees.")
    slouch_ratio: float | None = Field(
        description="Share of frames whose neck length (nose above shoulders) fell below 85% of the person's upright."
    )
    lateral_lean_deg: float | None = Field(description="Median sideways lean of the head over the shoulders.")
    leaning_in_ratio: float | None = Field(description="Share of frames with shoulders 15% wider than usual.")
    torso_sway: float | None = Field(description="Std of the shoulder midpoint, in shoulder widths.")
    torso_steadiness: str | None = Field(description="steady / some movement / restless.")


class GestureSummary(BaseModel):
    """Hands: movement energy, gestures, face touching, fidgeting."""

    source: str = Field(description="pose, or pose+hands when the hand model ran.")
    hands_visible_ratio: float | None
    hand_energy: float | None = Field(description="Mean wrist speed, shoulder widths per second.")
    gestures: int | None = Field(description="Bursts of hand movement (gestures) counted.")
    gesture_rate_per_min: float | None
    face_touches: int | None
    face_touch_ratio: float | None
    fidget_ratio: float | None = Field(description="Share of hands-visible seconds with small restless movement.")


class ExpressionSummary(BaseModel):
    """Facial behaviour measured from the mesh. These are behaviours, not inferred emotions."""

    smile_intensity: float | None = Field(description="Mean smile intensity, 0-1.")
    smiling_ratio: float | None = Field(description="Share of face frames above the smile threshold.")
    brow_movement: float | None = Field(description="Std of brow height, in % of the eye-corner distance.")
    expressiveness: float | None = Field(description="0-1: how much the mouth and brows move (0 = a still face).")
    note: str = "Facial behaviour only (smile, brows, movement); Greenroom does not infer emotions by default."


class EmotionSummary(BaseModel):
    """Opt-in FER emotion labels, always with the caveat."""

    caveat: str
    frames: int
    dominant: str | None
    mean_probabilities: dict[str, float]
    top_label_share: dict[str, float]


class VisionSummary(BaseModel):
    """Everything vision measured over a span of time (a turn or the whole session)."""

    start_s: float
    end_s: float
    frames: int = Field(description="Frames analysed.")
    fps: float = Field(description="Effective analysed frames per second.")
    face_detected: bool
    message: str = Field(description="One line: 'no face detected', or the headline.")
    face: FaceSummary
    framing: FramingSummary | None
    posture: PostureSummary | None
    gestures: GestureSummary | None
    expression: ExpressionSummary | None
    emotion: EmotionSummary | None = None
    notes: list[str] = Field(default_factory=list)


class TurnSummary(VisionSummary):
    """A `VisionSummary` for one interview turn."""

    turn_id: str


class Timeline(BaseModel):
    """Per-bin series for plots; None where nothing was measured in a bin."""

    step_s: float
    t: list[float] = Field(default_factory=list, description="Bin start times, seconds.")
    face_present: list[float] = Field(default_factory=list)
    eye_contact: list[float | None] = Field(
        default_factory=list, description="Share of each bin's frames (blinks left out) looking at the camera."
    )
    looking_down: list[float | None] = Field(default_factory=list, description="Share of each bin looking down.")
    yaw_deg: list[float | None] = Field(default_factory=list)
    pitch_deg: list[float | None] = Field(default_factory=list)
    smile: list[float | None] = Field(default_factory=list)
    hand_energy: list[float | None] = Field(default_factory=list)
    shoulder_tilt_deg: list[float | None] = Field(default_factory=list)


class VisionResult(BaseModel):
    """What `analyze_video_file` returns (and `StreamingVisionAnalyzer.result()`)."""

    source: str = Field(description="The file name (no path), or 'stream'.")
    duration_s: float
    width: int = Field(description="Analysed frame width (after any downscaling).")
    height: int
    sampled_fps: float
    frames_decoded: int
    has_audio: bool = False
    summary: VisionSummary
    turns: list[TurnSummary] = Field(default_factory=list)
    timeline: Timeline
    notes: list[str] = Field(default_factory=list)
