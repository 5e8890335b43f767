"""Vision: face presence, head pose, gaze and eye contact, blinks, framing, posture, gestures and facial
behaviour from webcam frames or video files, with MediaPipe (and the opt-in FER emotion classifier).

Raw frames are never stored: only per-turn summaries and timelines. Public entry points (imported lazily,
so `import greenroom.vision` stays fast):

- `analyze_video_file(path, settings) -> VisionResult`
- `StreamingVisionAnalyzer(settings)` with `push_frame(...)`, `start_turn/end_turn`, `summary()`, `result()`
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from greenroom.vision.backends import Analyzers, load_analyzers
    from greenroom.vision.results import TurnSummary, VisionResult, VisionSummary
    from greenroom.vision.stream import StreamingVisionAnalyzer
    from greenroom.vision.video_file import analyze_video_file

__all__ = [
    "Analyzers",
    "StreamingVisionAnalyzer",
    "TurnSummary",
    "VisionResult",
    "VisionSummary",
    "analyze_video_file",
    "load_analyzers",
]

_WHERE = {
    "Analyzers": "backends",
    "load_analyzers": "backends",
    "StreamingVisionAnalyzer": "stream",
    "TurnSummary": "results",
    "VisionResult": "results",
    "VisionSummary": "results",
    "analyze_video_file": "video_file",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f"greenroom.vision.{_WHERE[name]}"), name)
    raise AttributeError(name)
