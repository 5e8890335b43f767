"""`FaceAnalyzer` on MediaPipe's legacy face mesh (with iris) plus its full-range face detector.

mediapipe is pinned to 0.10.21, the last release whose wheel bundles the `mp.solutions` models; nothing is
downloaded. The face mesh (tracking mode, `refine_landmarks=True` for the iris points) gives the landmarks;
the full-range BlazeFace detector counts faces, because the mesh's own short-range detector misses small
faces and two faces side by side. The mesh tracks one face (tracking a second would re-run its detector on
every frame); the detector runs on every `count_every_n`-th frame and on every frame where the mesh finds
nothing. When the mesh loses a face the detector still sees, the mesh is re-run on a crop around the
largest detected face.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from greenroom.vision.base import FaceObservation


class MediaPipeFaceAnalyzer:
    """Face mesh (478 points with iris) + face detector counting faces."""

    name = "mediapipe"

    def __init__(self, *, min_confidence: float = 0.5, count_every_n: int = 3) -> None:
        import mediapipe as mp

        self._mp = mp
        self._mesh = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=False,
            max_num_faces=1,
            refine_landmarks=True,
            min_detection_confidence=min_confidence,
            min_tracking_confidence=min_confidence,
        )
        self._crop_mesh: Any = None  # static-mode mesh for crops, created on first need
        self._min_conf = min_confidence
        # model_selection=1 is the full-range detector (faces up to about 5 m), bundled in the wheel.
        self._detector = mp.solutions.face_detection.FaceDetection(
            model_selection=1, min_detection_confidence=min_confidence
        )
        self._count_every_n = max(1, count_every_n)
        self._index = 0
        self._had_face = False

    def _detect(self, rgb: np.ndarray) -> list[tuple[float, float, float, float]]:
        res = self._detector.process(rgb)
        boxes = []
        for det in res.detections or []:
            bb = det.location_data.relative_bounding_box
            boxes.append((bb.xmin, bb.ymin, bb.xmin + bb.width, bb.ymin + bb.height))
        return boxes

    @staticmethod
    def _to_px(landmarks: Any, w: int, h: int, ox: float = 0.0, oy: float = 0.0, cw: int = 0) -> np.ndarray:
        scale_z = cw or w
        return np.array(
            [(lm.x * w + ox, lm.y * h + oy, lm.z * scale_z) for lm in landmarks.landmark],
            dtype=np.float64,
        )

    def _mesh_on_crop(self, rgb: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray | None:
        h, w = rgb.shape[:2]
        x0, y0, x1, y1 = box
        cx, cy = (x0 + x1) / 2 * w, (y0 + y1) / 2 * h
        side = max((x1 - x0) * w, (y1 - y0) * h) * 2.0
        ax0, ay0 = int(max(0, cx - side / 2)), int(max(0, cy - side / 2))
        ax1, ay1 = int(min(w, cx + side / 2)), int(min(h, cy + side / 2))
        if ax1 - ax0 < 16 or ay1 - ay0 < 16:
            return None
        crop = np.ascontiguousarray(rgb[ay0:ay1, ax0:ax1])
        if self._crop_mesh is None:
            self._crop_mesh = self._mp.solutions.face_mesh.FaceMesh(
                static_image_mode=True, max_num_faces=1, refine_landmarks=True, min_detection_confidence=self._min_conf
            )
        res = self._crop_mesh.process(crop)
        if not res.multi_face_landmarks:
            return None
        ch, cw = crop.shape[:2]
        return self._to_px(res.multi_face_landmarks[0], cw, ch, ax0, ay0, cw)

    def analyze(self, rgb: np.ndarray) -> FaceObservation:
        h, w = rgb.shape[:2]
        res = self._mesh.process(rgb)
        if not res.multi_face_landmarks and self._had_face:
            # Tracking was just lost: the graph re-detects on its next call, so give it this frame again.
            res = self._mesh.process(rgb)
        meshes = [self._to_px(f, w, h) for f in res.multi_face_landmarks or []]
        self._had_face = bool(meshes)
        counted = not meshes or self._index % self._count_every_n == 0
        self._index += 1
        boxes = self._detect(rgb) if counted else []
        if not meshes and boxes:
            largest = max(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
            crop_mesh = self._mesh_on_crop(rgb, largest)
            if crop_mesh is not None:
                meshes = [crop_mesh]
        count = max(len(boxes), len(meshes))
        if not meshes:
            return FaceObservation(face_count=count, counted=counted)
        main = meshes[0]
        box = (
            float(main[:, 0].min() / w),
            float(main[:, 1].min() / h),
            float(main[:, 0].max() / w),
            float(main[:, 1].max() / h),
        )
        return FaceObservation(face_count=count, landmarks=main, box=box, counted=counted)

    def reset(self) -> None:
        self._mesh.reset()
        self._index = 0
        self._had_face = False

    def close(self) -> None:
        self._mesh.close()
        if self._crop_mesh is not None:
            self._crop_mesh.close()
        self._detector.close()
